"""Whether a queued message to a participant still holds when its turn to be sent comes.

A message is queued with the facts of its moment: a nudge overnight for 09:00, a
reminder of the meeting planned then. By the time it goes out the pair may have met,
paused, ended, moved the meeting, or the person may have left. The delivery worker asks
`withdrawal` for every claimed message just before sending, and records the reason
instead of sending when it no longer holds. Pure: the message, the pair as it is now,
and the time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from bot.domain.model import PairState, Person
from bot.domain.rhythm import (
    History,
    NudgeKind,
    Period,
    PlanStatus,
    Rules,
    paused,
    period_for,
    period_met,
)


class Withdrawn(StrEnum):
    """Why a queued message was not sent."""

    PAIR_ENDED = "pair_ended"
    PAUSED = "paused"
    ERASED = "erased"
    NO_CONSENT = "no_consent"
    MET = "met"  # the period it asks about was met
    PERIOD_OVER = "period_over"  # it asks to plan a period that has ended
    MEETING_CANCELLED = "meeting_cancelled"
    MEETING_MOVED = "meeting_moved"


# What each kind of message depends on. Kinds not named here (the end of a pair, a
# coordinator's own words, the cohort's end and its evaluation, gatherings, anything
# to coordinators) say something that stays true, and hold as long as the person does.
ASKS_TO_PLAN = frozenset({NudgeKind.PLAN.value, NudgeKind.REMIND.value})
ASKS_ABOUT_PERIOD = frozenset({NudgeKind.CHECK_IN.value})
ABOUT_A_PLAN = frozenset({NudgeKind.DAY_BEFORE.value, NudgeKind.MORNING_OF.value, "proposal"})
NEEDS_LIVE_PAIR = frozenset(
    {
        *ASKS_TO_PLAN,
        *ASKS_ABOUT_PERIOD,
        *ABOUT_A_PLAN,
        "weekly_note",
        "proposal_answer",
        "agreement_reminder",
        "recheck",
        "comparison",
        "ready",
        "pause_notice",
    }
)
# Kinds the pause silences (the rhythm's messages); a pause notice is about the pause.
SILENCED_BY_PAUSE = frozenset({*ASKS_TO_PLAN, *ASKS_ABOUT_PERIOD, *ABOUT_A_PLAN, "weekly_note"})
# Kinds about the pair, sent to one of its parties (not to coordinators).
TO_A_PARTY = NEEDS_LIVE_PAIR | frozenset({"introduction", "coordinator_message"})


@dataclass(frozen=True)
class Queued:
    """A queued message as the rule sees it: its kind, recipient and what it is about."""

    kind: str
    person_id: int | None
    pair_id: int | None = None
    period: str | None = None  # the rhythm period a nudge asks about
    planned_id: int | None = None  # the planned meeting a reminder or proposal is about


def about(kind: str, key: str, person_id: int | None) -> Queued:
    """What a message is about, read from its idempotency key (their shapes are fixed
    where they are made: `pair:<pair>:<period>:<kind>:<person>` for the rhythm's nudges,
    `planned:<plan>:…` for a planned meeting's messages, `weekly:<pair>:…`,
    `pair:<pair>:…` for the rest)."""
    parts = key.split(":")

    def number(index: int) -> int | None:
        if len(parts) > index and parts[index].isascii() and parts[index].isdigit():
            return int(parts[index])
        return None

    head = parts[0]
    if head == "planned":
        return Queued(kind, person_id, planned_id=number(1))
    if head in ("pair", "weekly"):
        period = parts[2] if kind in ASKS_TO_PLAN | ASKS_ABOUT_PERIOD and len(parts) > 2 else None
        return Queued(kind, person_id, pair_id=number(1), period=period)
    return Queued(kind, person_id)


@dataclass(frozen=True)
class PairNow:
    """A pair as it is when its messages are about to go."""

    state: PairState
    mentor: Person
    adept: Person
    rules: Rules
    history: History | None = None  # the rhythm's facts; only for active and paused pairs


def _period_named(key: str, history: History, rules: Rules, today: date) -> Period | None:
    """The period with this key, looking back from today (a nudge queued at the end of
    one period may be sent in the next)."""
    activated_on = rules.local(history.activated_at).date()
    day = today
    for _ in range(12):
        period = period_for(
            rules.cadence, day, activated_on, history.cohort_start, history.cohort_end
        )
        if period.key == key:
            return period
        if period.start <= activated_on:
            return None
        day = period.start - timedelta(days=1)
    return None


def withdrawal(message: Queued, pair: PairNow | None, now: datetime) -> Withdrawn | None:
    """None if the message still holds now; else why it should not be sent."""
    if message.kind not in TO_A_PARTY:
        return None
    if pair is None:
        # A plan or pair that is gone: the pair was erased with its rows.
        return Withdrawn.PAIR_ENDED if message.kind in NEEDS_LIVE_PAIR else None
    recipient = next((p for p in (pair.mentor, pair.adept) if p.id == message.person_id), None)
    if recipient is not None and recipient.telegram_user_id is None:
        return Withdrawn.ERASED
    if recipient is not None and recipient.consented_at is None:
        return Withdrawn.NO_CONSENT
    if message.kind not in NEEDS_LIVE_PAIR:
        return None
    if pair.state is PairState.ENDED:
        return Withdrawn.PAIR_ENDED
    history = pair.history
    if history is None:
        return None  # awaiting its agreement: the agreement's messages hold
    today = pair.rules.local(now).date()
    if message.kind in SILENCED_BY_PAUSE and (
        pair.state is PairState.PAUSED or paused(history, today)
    ):
        return Withdrawn.PAUSED
    if message.kind in ABOUT_A_PLAN:
        return _plan_withdrawal(message, history, today)
    if message.period is not None and message.kind in ASKS_TO_PLAN | ASKS_ABOUT_PERIOD:
        period = _period_named(message.period, history, pair.rules, today)
        if period is None:
            return None
        if period_met(pair.rules.cadence, period, history.meetings):
            return Withdrawn.MET
        if message.kind in ASKS_TO_PLAN and today not in period:
            return Withdrawn.PERIOD_OVER
    return None


def _plan_withdrawal(message: Queued, history: History, today: date) -> Withdrawn | None:
    plan = next((p for p in history.planned if p.id == message.planned_id), None)
    if plan is not None and plan.status is not PlanStatus.CANCELLED:
        return None
    # A pair plans one meeting at a time: a newer date means this one was moved.
    newer = [
        p
        for p in history.planned
        if p.status is not PlanStatus.CANCELLED
        and p.planned_on >= today
        and (message.planned_id is None or p.id > message.planned_id)
    ]
    return Withdrawn.MEETING_MOVED if newer else Withdrawn.MEETING_CANCELLED
