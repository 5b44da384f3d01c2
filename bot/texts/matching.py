"""The words of matching suggestions: each reason in plain language, and one suggestion
as the coordinator reads it in Telegram or on the command line (current language)."""

from __future__ import annotations

from bot.domain import intake
from bot.domain.matching import Reason, ReasonKind, Suggestion
from bot.domain.model import Person
from bot.runtime.i18n import _


def _labels(values: tuple[str, ...], options: tuple[intake.Option, ...]) -> str:
    known = {option.key: option.label for option in options}
    return ", ".join(_(known[value]) if value in known else value for value in values)


def gender_name(gender: str) -> str:
    names = {"f": _("a woman"), "m": _("a man"), "x": _("non-binary")}
    return names.get(gender, gender)


def reason_text(reason: Reason, labels: str = "mentor") -> str:
    items = reason.items
    if reason.kind is ReasonKind.SAME_FIELD:
        return _("same field: {words}").format(words=", ".join(items))
    if reason.kind is ReasonKind.COMMON_LANGUAGES:
        return _("both speak {languages}").format(languages=_labels(items, intake.LANGUAGE_OPTIONS))
    if labels == "trainee":
        return _trainee_reason_text(reason)
    if reason.kind is ReasonKind.GOALS_FIT_FIELD:
        return _("the mentor's field fits the adept's goals: {words}").format(
            words=", ".join(items)
        )
    if reason.kind is ReasonKind.HELP_OFFERED:
        return _("the mentor offers {help}, which the adept asked for").format(
            help=_labels(items, intake.HELP_OPTIONS)
        )
    if reason.kind is ReasonKind.GENDER_WISH_MET:
        return _("the mentor is {gender}, as the adept wished").format(gender=gender_name(items[0]))
    if reason.kind is ReasonKind.GENDER_UNKNOWN:
        return _(
            "⚠️ the adept wished for a mentor who is {gender}; the mentor's gender is not known"
        ).format(gender=gender_name(items[0]))
    if reason.kind is ReasonKind.AGE_WISH_MET:
        return _("the mentor is {band} years old, as the adept wished").format(band=items[0])
    if reason.kind is ReasonKind.AGE_WISH_MISSED:
        return _("⚠️ the adept wished for a mentor aged {band}").format(band=items[0])
    return _("nothing in common in the intake answers")


def _trainee_reason_text(reason: Reason) -> str:
    """The reasons that name the roles, in a programme of supervisors and trainees."""
    items = reason.items
    if reason.kind is ReasonKind.GOALS_FIT_FIELD:
        return _("the supervisor's field fits the trainee's goals: {words}").format(
            words=", ".join(items)
        )
    if reason.kind is ReasonKind.HELP_OFFERED:
        return _("the supervisor offers {help}, which the trainee asked for").format(
            help=_labels(items, intake.HELP_OPTIONS)
        )
    if reason.kind is ReasonKind.GENDER_WISH_MET:
        return _("the supervisor is {gender}, as the trainee wished").format(
            gender=gender_name(items[0])
        )
    if reason.kind is ReasonKind.GENDER_UNKNOWN:
        return _(
            "⚠️ the trainee wished for a supervisor who is {gender}; "
            "the supervisor's gender is not known"
        ).format(gender=gender_name(items[0]))
    if reason.kind is ReasonKind.AGE_WISH_MET:
        return _("the supervisor is {band} years old, as the trainee wished").format(band=items[0])
    if reason.kind is ReasonKind.AGE_WISH_MISSED:
        return _("⚠️ the trainee wished for a supervisor aged {band}").format(band=items[0])
    return _("nothing in common in the intake answers")


def imported_lines(answers: dict[str, object], labels: str = "mentor") -> list[str]:
    """What a coordinator's spreadsheet said beyond the intake questions, for /profile:
    people see everything stored about them."""
    lines = []
    goals = answers.get("goals")
    if isinstance(goals, str) and goals:
        lines.append(_("• Goals (from your coordinator): {goals}").format(goals=goals))
    gender = answers.get("gender")
    if isinstance(gender, str):
        lines.append(_("• Gender: {gender}").format(gender=gender_name(gender)))
    age = answers.get("age")
    if isinstance(age, str):
        lines.append(_("• Age: {band} years").format(band=age))
    wants_gender = answers.get("wants_gender")
    if isinstance(wants_gender, str):
        wish = (
            _("• You wish for a supervisor who is {gender}")
            if labels == "trainee"
            else _("• You wish for a mentor who is {gender}")
        )
        lines.append(wish.format(gender=gender_name(wants_gender)))
    wants_age = answers.get("wants_age")
    if isinstance(wants_age, str):
        wish = (
            _("• You wish for a supervisor aged {band}")
            if labels == "trainee"
            else _("• You wish for a mentor aged {band}")
        )
        lines.append(wish.format(band=wants_age))
    if lines:
        lines.append(_("Tell your coordinator if something here is wrong."))
    return lines


def reasons_text(suggestion: Suggestion, labels: str = "mentor") -> str:
    return "; ".join(reason_text(reason, labels) for reason in suggestion.fit.reasons)


def person_line(person: Person | None) -> str:
    if person is None:
        return "?"
    if person.field_of_work:
        return _("{name} ({field})").format(name=person.first_name, field=person.field_of_work)
    return person.first_name


def suggestion_text(
    suggestion: Suggestion,
    mentor: Person | None,
    adept: Person | None,
    number: int,
    count: int,
    labels: str = "mentor",
) -> str:
    if labels == "trainee":
        template = _(
            "Suggestion {number} of {count}:\n"
            "Supervisor: {mentor}\n"
            "Trainee: {adept}\n"
            "Why: {reasons}.\n"
            "Score: {score}"
        )
    else:
        template = _(
            "Suggestion {number} of {count}:\n"
            "Mentor: {mentor}\n"
            "Adept: {adept}\n"
            "Why: {reasons}.\n"
            "Score: {score}"
        )
    return template.format(
        number=number,
        count=count,
        mentor=person_line(mentor),
        adept=person_line(adept),
        reasons=reasons_text(suggestion, labels),
        score=suggestion.fit.score,
    )
