"""What every feature's texts share: role words and a programme's relabelling, the
recipient's language, a button, a duration, a goal's and an option's label.

Texts are rendered in the recipient's language before they are queued; handlers use the
same functions for their direct replies so both read alike.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain import agreement as rules
from bot.domain.intake import Question
from bot.domain.model import Person, Programme, Role
from bot.domain.rhythm import Cadence, CadenceKind
from bot.domain.roles import role_word
from bot.runtime.i18n import _, current_language, lazy, ngettext, resolve_language, use_language


def privacy_warning() -> str:
    """The one warning wherever people may write freely: one plain sentence, the same
    everywhere («sensitive» is not a word an A2 reader knows)."""
    return _("Do not write about health, religion or similar.")


def language_of(person: Person, programme: Programme, default: str) -> str:
    return resolve_language(
        person.language, person.telegram_language, programme.language or default
    )


def role_name(role: Role, labels: str = "mentor") -> str:
    """The role word people see; a programme's role labels may rename the pair's roles
    (the words: bot.domain.roles.ROLE_WORDS)."""
    return _(role_word(role, labels))


# The role words' message ids, for the extractor (bot.domain.roles.ROLE_WORDS holds them).
ROLE_MESSAGE_IDS = (
    lazy("coordinator"),
    lazy("mentor"),
    lazy("adept"),
    lazy("supervisor"),
    lazy("trainee"),
)


# Questions and labels that name a role, as a programme with trainee labels words them.
TRAINEE_WORDING = {
    # the supervisor's intake (bot/domain/intake.py)
    lazy("Why do you want to be a mentor? A few words are enough."): lazy(
        "Why do you want to be a supervisor? A few words are enough."
    ),
    lazy("Why I mentor"): lazy("Why I supervise"),
    lazy("How many adepts can you follow up?"): lazy("How many trainees can you follow up?"),
    lazy("Adepts I can take"): lazy("Trainees I can take"),
    lazy("What can you help an adept with? Tap all that fit. Then tap «Done»."): lazy(
        "What can you help a trainee with? Tap all that fit. Then tap «Done»."
    ),
    # the expectation check and the check-in (bot/domain/agreement.py)
    lazy("What should the mentor help with? Tap all that fit. Then tap «Done»."): lazy(
        "What should the supervisor help with? Tap all that fit. Then tap «Done»."
    ),
    lazy("Is it the mentor's job to find the adept a job?"): lazy(
        "Is it the supervisor's job to find the trainee a job?"
    ),
    lazy("Is the mentorship working for you?"): lazy("Is the trainee scheme working for you?"),
    lazy(
        "How is the mentorship going for you? Tap a number: 1 is bad, 5 is very good.\n"
        "Only the coordinator sees your answer."
    ): lazy(
        "How is the trainee scheme going for you? Tap a number: 1 is bad, 5 is very good.\n"
        "Only the coordinator sees your answer."
    ),
    # the funder's report (bot/domain/report.py, written by bot/files/report.py)
    lazy("mentor"): lazy("supervisor"),
    lazy("adept"): lazy("trainee"),
    lazy("Mentor"): lazy("Supervisor"),
    lazy("Adept"): lazy("Trainee"),
    lazy("Mentors"): lazy("Supervisors"),
    lazy("Adepts"): lazy("Trainees"),
    lazy("Mentor's name"): lazy("Supervisor's name"),
    lazy("Adept's name"): lazy("Trainee's name"),
    lazy("mentor's evaluation"): lazy("supervisor's evaluation"),
    lazy("adept's evaluation"): lazy("trainee's evaluation"),
    lazy("what the mentor learned"): lazy("what the supervisor learned"),
    lazy("what the mentor's workplace learned"): lazy("what the supervisor's workplace learned"),
    lazy("adept's comment"): lazy("trainee's comment"),
    lazy("Average goal progress, adepts' view (1-5)"): lazy(
        "Average goal progress, trainees' view (1-5)"
    ),
    lazy("Average goal progress, mentors' view (1-5)"): lazy(
        "Average goal progress, supervisors' view (1-5)"
    ),
    lazy("Adepts who got a job"): lazy("Trainees who got a job"),
    lazy("Adepts who got education"): lazy("Trainees who got education"),
    lazy("Adepts who got an internship"): lazy("Trainees who got an internship"),
    lazy("Adepts with another outcome"): lazy("Trainees with another outcome"),
    lazy("Goal progress, adept (1-5)"): lazy("Goal progress, trainee (1-5)"),
    lazy("Goal progress, mentor (1-5)"): lazy("Goal progress, supervisor (1-5)"),
    lazy("Progress, adept (1-5)"): lazy("Progress, trainee (1-5)"),
    lazy("Progress, mentor (1-5)"): lazy("Progress, supervisor (1-5)"),
}


def reworded(message: str, labels: str) -> str:
    """The message id to translate for a programme's role words (see TRAINEE_WORDING)."""
    if labels == "trainee":
        return TRAINEE_WORDING.get(message, message)
    return message


def relabel(message: str, labels: str) -> str:
    """A message id translated in the programme's role words (see TRAINEE_WORDING)."""
    return _(reworded(message, labels))


def cadence_name(cadence: str) -> str:
    """How often a pair meets, to follow «meet»: «once a month», «for at least 120
    minutes a month», «2 times during the cohort»."""
    parsed = Cadence.parse(cadence)
    if parsed is not None and parsed.kind is CadenceKind.MINUTES:
        return ngettext(
            "for at least {count} minute a month",
            "for at least {count} minutes a month",
            parsed.amount,
        ).format(count=parsed.amount)
    if parsed is not None and parsed.kind is CadenceKind.PER_COHORT:
        if parsed.amount == 1:
            return _("once during the cohort")
        return ngettext(
            "{count} time during the cohort", "{count} times during the cohort", parsed.amount
        ).format(count=parsed.amount)
    names = {
        "twice_monthly": _("twice a month"),
        "monthly": _("once a month"),
        "every_other_month": _("every other month"),
    }
    return names.get(cadence, cadence)


def button(text: str, data: str) -> dict[str, Any]:
    return {"text": text, "callback_data": data}


def option_label(question: Question, value: Any) -> str:
    if isinstance(value, list | tuple):
        if not value:
            return _("nothing")
        return ", ".join(option_label(question, item) for item in value)
    option = question.option(str(value))
    return _(option.label) if option else str(value)


def goal_label(goal: str) -> str:
    suggestion = rules.goal_suggestion(goal)
    return _(suggestion.label) if suggestion else goal


def local_day(moment: datetime, timezone: str) -> date:
    return moment.astimezone(ZoneInfo(timezone)).date()


def duration(minutes: int | None) -> str:
    if minutes is None:
        return _("some time")
    if minutes < 60:
        return ngettext("{n} minute", "{n} minutes", minutes).format(n=minutes)
    hours = minutes / 60
    if hours == int(hours):
        return ngettext("{n} hour", "{n} hours", int(hours)).format(n=int(hours))
    shown = f"{hours:.1f}".replace(".", "," if current_language() == "nb" else ".")
    return _("{n} hours").format(n=shown)


def pair_ended(language: str, other: Person | None, labels: str = "mentor") -> str:
    """The kind word when a pair ends; `other` None when they left and their name is gone."""
    with use_language(language):
        if other is None:
            return _("Your mentorship has ended. Thank you for taking part!")
        if labels == "trainee":
            return _(
                "Your work with {name} in the trainee scheme has ended. Thank you for taking part!"
            ).format(name=other.first_name)
        return _("Your mentorship with {name} has ended. Thank you for taking part!").format(
            name=other.first_name
        )
