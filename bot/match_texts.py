"""The words of matching suggestions: each reason in plain language, and one suggestion
as the coordinator reads it in Telegram or on the command line (current language)."""

from __future__ import annotations

from bot.domain import intake
from bot.domain.matching import Reason, ReasonKind, Suggestion
from bot.domain.model import Person
from bot.i18n import _


def _labels(values: tuple[str, ...], options: tuple[intake.Option, ...]) -> str:
    known = {option.key: option.label for option in options}
    return ", ".join(_(known[value]) if value in known else value for value in values)


def gender_name(gender: str) -> str:
    names = {"f": _("a woman"), "m": _("a man"), "x": _("non-binary")}
    return names.get(gender, gender)


def reason_text(reason: Reason) -> str:
    items = reason.items
    if reason.kind is ReasonKind.SAME_FIELD:
        return _("same field: {words}").format(words=", ".join(items))
    if reason.kind is ReasonKind.GOALS_FIT_FIELD:
        return _("the mentor's field fits the adept's goals: {words}").format(
            words=", ".join(items)
        )
    if reason.kind is ReasonKind.HELP_OFFERED:
        return _("the mentor offers {help}, which the adept asked for").format(
            help=_labels(items, intake.HELP_OPTIONS)
        )
    if reason.kind is ReasonKind.COMMON_LANGUAGES:
        return _("both speak {languages}").format(languages=_labels(items, intake.LANGUAGE_OPTIONS))
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


def imported_lines(answers: dict[str, object]) -> list[str]:
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
        lines.append(
            _("• You wish for a mentor who is {gender}").format(gender=gender_name(wants_gender))
        )
    wants_age = answers.get("wants_age")
    if isinstance(wants_age, str):
        lines.append(_("• You wish for a mentor aged {band}").format(band=wants_age))
    if lines:
        lines.append(_("Tell your coordinator if something here is wrong."))
    return lines


def reasons_text(suggestion: Suggestion) -> str:
    return "; ".join(reason_text(reason) for reason in suggestion.fit.reasons)


def person_line(person: Person | None) -> str:
    if person is None:
        return "?"
    if person.field_of_work:
        return _("{name} ({field})").format(name=person.first_name, field=person.field_of_work)
    return person.first_name


def suggestion_text(
    suggestion: Suggestion, mentor: Person | None, adept: Person | None, number: int, count: int
) -> str:
    return _(
        "Suggestion {number} of {count}:\n"
        "Mentor: {mentor}\n"
        "Adept: {adept}\n"
        "Why: {reasons}.\n"
        "Score: {score}"
    ).format(
        number=number,
        count=count,
        mentor=person_line(mentor),
        adept=person_line(adept),
        reasons=reasons_text(suggestion),
        score=suggestion.fit.score,
    )
