"""Texts of the cohort's end: the notice four weeks before, the evaluation's questions and
their buttons, reminders, and the coordinators' notice.

The tick renders them in the recipient's language; the handler uses the same functions
for its replies (in the language of the update), so both read alike.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.domain import dates
from bot.domain.evaluation import Outcome, Question, Recommend, Step
from bot.domain.model import Cohort, Person, Programme
from bot.runtime.i18n import _, ngettext, use_language
from bot.texts.buttons import build
from bot.texts.common import button, goal_label, privacy_warning


def _markup(rows: list[list[dict[str, Any]]]) -> dict[str, Any]:
    return {"inline_keyboard": rows}


def _data(pair_id: int, question: Question, value: str) -> str:
    return build("ev", pair_id, question.code, value)


def outcome_name(outcome: str) -> str:
    names = {
        Outcome.JOB.value: _("Job"),
        Outcome.EDUCATION.value: _("Education"),
        Outcome.INTERNSHIP.value: _("Internship"),
        Outcome.OTHER.value: _("Something else"),
        Outcome.NO.value: _("No"),
        Outcome.UNKNOWN.value: _("I do not know"),
    }
    return names.get(outcome, outcome)


def question(
    pair_id: int,
    q: Question,
    *,
    is_mentor: bool,
    adept: Person,
    goals: tuple[str, ...],
    labels: str = "mentor",
) -> tuple[str, dict[str, Any]]:
    """One question with its buttons, in the current language (and the programme's role words)."""
    trainee = labels == "trainee"
    skip_note = _("Write a few words, or tap «Skip». {warning}").format(warning=privacy_warning())
    skip = _markup([[button(_("Skip"), _data(pair_id, q, "skip"))]])
    if q.step is Step.OVERALL:
        text = (
            _("How was the trainee scheme for you? Tap a number: 1 is bad, 5 is very good.")
            if trainee
            else _("How was the mentor programme for you? Tap a number: 1 is bad, 5 is very good.")
        )
        return text, _score_buttons(pair_id, q)
    if q.step is Step.GOAL:
        index = q.goal_index or 0
        goal = goal_label(goals[index]) if index < len(goals) else ""
        if is_mentor:
            text = _(
                "{name}'s goal: {goal}\nHow far did {name} come? 1 is not at all, 5 is all the way."
            ).format(name=adept.first_name, goal=goal)
        else:
            text = _(
                "Your goal: {goal}\nHow far did you come? 1 is not at all, 5 is all the way."
            ).format(goal=goal)
        return text, _score_buttons(pair_id, q)
    if q.step is Step.OUTCOME:
        if is_mentor:
            text = _(
                "Did {name} get a job, education or an internship during the programme?"
            ).format(name=adept.first_name)
        else:
            text = _("Did you get a job, education or an internship during the programme?")
        options = [o.value for o in Outcome if is_mentor or o is not Outcome.UNKNOWN]
        buttons = [button(outcome_name(o), _data(pair_id, q, o)) for o in options]
        rows = [buttons[:3], buttons[3:5], buttons[5:]]
        return text, _markup([row for row in rows if row])
    if q.step is Step.OUTCOME_TEXT:
        return _("Do you want to tell more about it?") + "\n" + skip_note, skip
    if q.step is Step.RECOMMEND:
        names = {
            Recommend.YES: _("Yes"),
            Recommend.NO: _("No"),
            Recommend.UNSURE: _("Not sure"),
        }
        return _("Would you recommend the programme to others?"), _markup(
            [[button(label, _data(pair_id, q, r.value)) for r, label in names.items()]]
        )
    if q.step is Step.LEARNED:
        learned = (
            _("What did you learn as a supervisor?")
            if trainee
            else _("What did you learn as a mentor?")
        )
        return learned + "\n" + skip_note, skip
    if q.step is Step.WORKPLACE:
        return (
            _(
                "Did your workplace learn something too? For example about working with people from other countries."
            )
            + "\n"
            + skip_note,
            skip,
        )
    return _("Anything else you want to tell the coordinator?") + "\n" + skip_note, skip


def _score_buttons(pair_id: int, q: Question) -> dict[str, Any]:
    return _markup([[button(str(n), _data(pair_id, q, str(n))) for n in range(1, 6)]])


def notice(language: str, ends_on: date, other: Person, labels: str = "mentor") -> str:
    with use_language(language):
        if labels == "trainee":
            return _(
                "The trainee scheme ends {day}. Plan your last meetings with {name}.\n"
                "At the end I will ask you a few short questions."
            ).format(day=dates.format_day(ends_on, language), name=other.first_name)
        return _(
            "The mentor programme ends {day}. Plan your last meetings with {name}.\n"
            "At the end I will ask you a few short questions."
        ).format(day=dates.format_day(ends_on, language), name=other.first_name)


def ask(
    language: str,
    pair_id: int,
    q: Question,
    *,
    is_mentor: bool,
    adept: Person,
    goals: tuple[str, ...],
    reminder: bool,
    labels: str = "mentor",
) -> tuple[str, dict[str, Any]]:
    """The evaluation's first (or, in a reminder, next) question with its introduction."""
    with use_language(language):
        text, markup = question(
            pair_id, q, is_mentor=is_mentor, adept=adept, goals=goals, labels=labels
        )
        intro = (
            _("Do you have two minutes? Your answers help the programme.")
            if reminder
            else _(
                "The trainee scheme has ended. Thank you for taking part!\n"
                "I have a few short questions. Only the coordinator sees your answers."
            )
            if labels == "trainee"
            else _(
                "The mentor programme has ended. Thank you for taking part!\n"
                "I have a few short questions. Only the coordinator sees your answers."
            )
        )
        return intro + "\n\n" + text, markup


def coordinator_notice(language: str, programme: Programme, cohort: Cohort, pairs: int) -> str:
    with use_language(language):
        return ngettext(
            "{programme}: the cohort «{cohort}» ends {day}. I have told its {count} pair. "
            "At the end both parties get a short evaluation; the answers are in /report.",
            "{programme}: the cohort «{cohort}» ends {day}. I have told its {count} pairs. "
            "At the end both parties get a short evaluation; the answers are in /report.",
            pairs,
        ).format(
            programme=programme.name,
            cohort=cohort.name,
            day=dates.format_day(cohort.ends_on, language),
            count=pairs,
        )


def thanks() -> str:
    return _("Thank you! Only the coordinator sees your answers.")
