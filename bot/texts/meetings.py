"""The meeting rhythm: plan questions and reminders, proposals, logged meetings and
pauses."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.domain import dates
from bot.domain.model import PairView, Person, Programme
from bot.domain.rhythm import MeetingFact, NudgeKind, PlannedFact
from bot.runtime.i18n import _, current_language, use_language
from bot.texts.buttons import build
from bot.texts.common import button, duration, relabel


def when(plan: PlannedFact, today: date) -> str:
    return dates.format_when(plan.planned_on, plan.planned_time, current_language(), today=today)


def period_question(period: str, cadence: str, other: Person) -> str:
    if period == "first":
        return _("Have you agreed when to meet {name} for the first time?").format(
            name=other.first_name
        )
    if cadence == "twice_monthly":
        return _("Have you agreed when to meet {name} in the next two weeks?").format(
            name=other.first_name
        )
    if cadence == "every_other_month":
        return _("Have you agreed when to meet {name} in these two months?").format(
            name=other.first_name
        )
    if cadence.startswith("per_cohort"):
        return _("Have you agreed when to meet {name}?").format(name=other.first_name)
    return _("Have you agreed when to meet {name} this month?").format(name=other.first_name)


def nudge_buttons(pair_id: int) -> dict[str, Any]:
    return {
        "inline_keyboard": [
            [button(_("We have a date"), build("np", pair_id, "date"))],
            [
                button(_("Not yet"), build("np", pair_id, "later")),
                button(_("We met already"), build("np", pair_id, "met")),
            ],
        ]
    }


def did_meet_buttons(planned_id: int) -> dict[str, Any]:
    return {
        "inline_keyboard": [
            [
                button(_("Yes"), build("hm", planned_id, "y")),
                button(_("No, new date"), build("hm", planned_id, "n")),
            ]
        ]
    }


def score_buttons(
    pair_id: int, meeting_id: int | None = None, check_in_id: int | None = None
) -> dict[str, Any]:
    if check_in_id is not None:
        data = [build("ck", check_in_id, "s", score) for score in range(1, 6)]
    else:
        data = [build("cp", pair_id, score) for score in range(1, 6)]
    return {
        "inline_keyboard": [
            [button(str(score), d) for score, d in zip(range(1, 6), data, strict=True)]
        ]
    }


def nudge(
    language: str,
    kind: NudgeKind,
    programme: Programme,
    pair_id: int,
    period: str,
    other: Person,
    plan: PlannedFact | None,
    sent_on: date | None = None,
) -> tuple[str, dict[str, Any] | None]:
    """`sent_on` is the local day the message goes: the reminder before a meeting says
    «tomorrow» only when it is (a weekend or a holiday may come in between)."""
    with use_language(language):
        today = None  # a reminder names the weekday; the year is never in doubt
        if kind is NudgeKind.PLAN:
            return period_question(period, programme.cadence, other), nudge_buttons(pair_id)
        if kind is NudgeKind.REMIND:
            return (
                _("Have you found a time to meet {name}? It is good to meet soon.").format(
                    name=other.first_name
                ),
                nudge_buttons(pair_id),
            )
        if (
            kind is NudgeKind.DAY_BEFORE
            and plan is not None
            and sent_on is not None
            and (plan.planned_on - sent_on).days > 1
        ):
            return (
                _("Reminder: you meet {name} {when}.").format(
                    name=other.first_name,
                    when=dates.format_when(
                        plan.planned_on, plan.planned_time, language, today=today
                    ),
                ),
                None,
            )
        if kind is NudgeKind.DAY_BEFORE and plan is not None:
            return (
                _("Reminder: you meet {name} tomorrow, {when}.").format(
                    name=other.first_name,
                    when=dates.format_when(
                        plan.planned_on, plan.planned_time, language, today=today
                    ),
                ),
                None,
            )
        if kind is NudgeKind.MORNING_OF and plan is not None:
            return (
                _("You meet {name} today, {when}. Have a good meeting!").format(
                    name=other.first_name,
                    when=dates.format_when(
                        plan.planned_on, plan.planned_time, language, today=today
                    ),
                ),
                None,
            )
        if kind is NudgeKind.DID_MEET and plan is not None:
            return (
                _("Did you and {name} meet on {day}?").format(
                    name=other.first_name,
                    day=dates.format_day(plan.planned_on, language, today=today),
                ),
                did_meet_buttons(plan.id),
            )
        return (
            relabel(
                "How is the mentorship going for you? Tap a number: 1 is bad, 5 is very good.\n"
                "Only the coordinator sees your answer.",
                programme.role_labels,
            ),
            score_buttons(pair_id),
        )


def proposal(
    language: str, proposer: Person, plan: PlannedFact, today: date
) -> tuple[str, dict[str, Any]]:
    with use_language(language):
        text = _("{name} suggests you meet {when}. Does that work for you?").format(
            name=proposer.first_name, when=when(plan, today)
        )
        markup = {
            "inline_keyboard": [
                [
                    button(_("Yes, that works"), build("pc", plan.id, "y")),
                    button(_("Another day"), build("pc", plan.id, "n")),
                ]
            ]
        }
        return text, markup


def proposal_answer(
    language: str, answerer: Person, plan: PlannedFact, accepted: bool, today: date
) -> str:
    with use_language(language):
        if accepted:
            return _("✅ {name} can meet {when}.").format(
                name=answerer.first_name, when=when(plan, today)
            )
        return _("{name} cannot meet {when}. Suggest another day with /plan.").format(
            name=answerer.first_name, when=when(plan, today)
        )


def meeting_confirmation(
    language: str, logger: Person, meeting: MeetingFact, today: date
) -> tuple[str, dict[str, Any]]:
    with use_language(language):
        text = _("{name} says you met {day} for {duration}. Is that right?").format(
            name=logger.first_name,
            day=dates.format_day(meeting.held_on, language, today=today),
            duration=duration(meeting.minutes),
        )
        markup = {
            "inline_keyboard": [
                [
                    button(_("Yes"), build("mc", meeting.id, "y")),
                    button(_("No, we did not"), build("mc", meeting.id, "n")),
                ],
                [button(_("Different date"), build("mc", meeting.id, "d"))],
            ]
        }
        return text, markup


def pause_notice(language: str, asker: Person, until: date | None, today: date) -> str:
    with use_language(language):
        if until is None:
            return _("{name} has ended the pause. Reminders start again.").format(
                name=asker.first_name
            )
        return _(
            "{name} has paused your meetings until {day}. I will not send reminders until then."
        ).format(name=asker.first_name, day=dates.format_day(until, language, today=today))


def pause_coordinator_notice(
    language: str, view: PairView, asker: Person, until: date | None, today: date
) -> str:
    with use_language(language):
        if until is None:
            return _(
                "Pair #{id} ({mentor} and {adept}) is active again; {name} ended the pause."
            ).format(
                id=view.pair.id,
                mentor=view.mentor.first_name,
                adept=view.adept.first_name,
                name=asker.first_name,
            )
        return _(
            "Pair #{id} ({mentor} and {adept}) is paused until {day}. {name} asked for it."
        ).format(
            id=view.pair.id,
            mentor=view.mentor.first_name,
            adept=view.adept.first_name,
            day=dates.format_day(until, language, today=today),
            name=asker.first_name,
        )
