"""Stall detection: which pairs need the coordinator, and why. Pure functions of a
pair's history and the time; the alert lifecycle in ``bot.usecases.alerts`` acts on them.

Each reason carries `since`, the moment its cause began. An alert is one episode of
(pair, reason, since): resolving it by hand keeps that episode closed, and a new
cause (a new `since`) opens a new alert.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.alerts import (
    AgreementLate,
    AlertDetail,
    AlertReason,
    Disputed,
    Help,
    LowScore,
    Mismatch,
    NoMeeting,
    PauseOver,
    Unanswered,
    Unreachable,
)
from bot.domain.policy import AGREEMENT_WITHIN, LOW_SCORE, SCORE_DROP, no_meeting_limit
from bot.domain.rhythm import (
    Cadence,
    History,
    MeetingFact,
    MeetingStatus,
    NudgeFact,
    NudgeKind,
    counts,
    ignored_twice,
    paused_days,
)

# Most urgent first: /stalled sorts by this.
URGENCY = [
    AlertReason.HELP,
    AlertReason.UNREACHABLE,
    AlertReason.LOW_SCORE,
    AlertReason.DISPUTED,
    AlertReason.NO_MEETING,
    AlertReason.UNANSWERED,
    AlertReason.MISMATCH,
    AlertReason.AGREEMENT_LATE,
    AlertReason.PAUSE_OVER,
]


@dataclass(frozen=True)
class Score:
    person_id: int
    score: int
    at: datetime


@dataclass(frozen=True)
class Facts:
    """What the rules need about one pair, beyond its rhythm history."""

    pair_id: int
    mentor_id: int
    adept_id: int
    state: str  # a PairState value
    created_at: datetime
    today: date
    cadence: Cadence
    history: History | None = None  # None before the pair is active
    scores: tuple[Score, ...] = ()
    help_requests: tuple[tuple[int, datetime], ...] = ()  # (person, when)
    mismatch_since: datetime | None = None  # both answered, and they differ on what matters
    mismatch_keys: tuple[str, ...] = ()
    mismatch_answers: dict[str, tuple[Any, Any]] = field(
        default_factory=dict
    )  # key: (mentor, adept)
    mismatch_round: str = "start"
    unreachable: tuple[tuple[int, datetime], ...] = ()  # (person, since)
    paused_until: date | None = None
    timezone: str = "UTC"  # the programme's: a day starts at its midnight


@dataclass(frozen=True)
class Silence:
    """How long a pair has gone without a meeting. Paused days are not silence: they
    count neither here nor in the days the texts show."""

    last: date | None  # the last meeting that counts
    since: date  # counted from: the last meeting, else the day the pair started
    days: int  # days after `since` up to today, paused ones left out
    paused: int  # the paused days left out
    limit: float  # more days than this is "no meeting for too long"
    too_long_from: date  # the first day that is too long, if nothing changes

    @property
    def too_long(self) -> bool:
        return self.days > self.limit


def silence(
    meetings: Iterable[MeetingFact],
    started_on: date,
    pauses: Iterable[tuple[date, date]],
    cadence: Cadence,
    today: date,
) -> Silence:
    """ "No meeting for too long", the one reckoning the alerts (`stalls`), the quiet pairs
    (`bot.domain.quiet`), the digest's chart and the report share: days since the last
    meeting that counts (else since the pair started), without the paused ones, against
    `policy.no_meeting_limit` of the cadence."""
    last = max((m.held_on for m in meetings if counts(m)), default=None)
    since = last or started_on
    pauses = sorted(pauses)
    limit = no_meeting_limit(cadence.expected_days)
    paused = paused_days(pauses, since, today)
    days = (today - since).days - paused
    # The day the count passes the limit, each pause after `since` pushing it on.
    too_long_from = since + timedelta(days=int(limit) + 1)
    for first, end in pauses:
        first = max(first, since + timedelta(days=1))
        if first <= end and first <= too_long_from:
            too_long_from += timedelta(days=(end - first).days + 1)
    return Silence(last, since, days, paused, limit, too_long_from)


@dataclass(frozen=True)
class Stall:
    since: datetime
    detail: AlertDetail  # what the explanation needs; its type names the reason

    @property
    def reason(self) -> AlertReason:
        return self.detail.reason


def stalls(facts: Facts, now: datetime) -> list[Stall]:
    """Every reason that holds now, most urgent first."""
    found: list[Stall] = []
    active = facts.state == "active"
    paused = facts.state == "paused"
    if facts.state == "ended":
        return []
    if facts.state == "awaiting_agreement" and now >= facts.created_at + AGREEMENT_WITHIN:
        found.append(Stall(facts.created_at, AgreementLate((now - facts.created_at).days)))
    if facts.mismatch_since is not None:
        found.append(
            Stall(
                facts.mismatch_since,
                Mismatch(facts.mismatch_round, facts.mismatch_keys, dict(facts.mismatch_answers)),
            )
        )
    if facts.unreachable:
        people = [person for person, _since in sorted(facts.unreachable, key=lambda u: u[1])]
        since = min(when for _person, when in facts.unreachable)
        found.append(Stall(since, Unreachable(tuple(people))))
    if facts.help_requests:
        person, when = max(facts.help_requests, key=lambda item: item[1])
        found.append(Stall(when, Help(person)))
    low = _low_score(facts.scores)
    if low is not None:
        found.append(low)
    history = facts.history
    if history is not None and (active or paused):
        # By date, not by the order they were logged: meetings can be logged late.
        disputed = max(
            (m for m in history.meetings if m.status is MeetingStatus.DISPUTED),
            key=lambda m: (m.held_on, m.id),
            default=None,
        )
        last_counted = max((m.held_on for m in history.meetings if counts(m)), default=None)
        if disputed is not None and (last_counted is None or disputed.held_on >= last_counted):
            meeting = disputed
            found.append(
                Stall(
                    dispute_since(meeting.held_on, facts.timezone),
                    Disputed(meeting.held_on, meeting.logged_by),
                )
            )
        if paused and facts.paused_until is not None and facts.paused_until < facts.today:
            found.append(Stall(_at(facts.paused_until), PauseOver(facts.paused_until)))
    if history is not None and active:
        quiet = silence(
            history.meetings,
            history.activated_at.date(),
            history.pauses,
            facts.cadence,
            facts.today,
        )
        if quiet.too_long:
            mentor_answered, adept_answered = _answered(history, facts)
            found.append(
                Stall(
                    _at(quiet.since),
                    NoMeeting(
                        quiet.days, quiet.last, quiet.paused, mentor_answered, adept_answered
                    ),
                )
            )
        silent = [p for p in (facts.mentor_id, facts.adept_id) if ignored_twice(history, p)]
        if silent:
            asked = [
                n
                for n in history.nudges
                if n.person_id in silent and n.kind in (NudgeKind.PLAN, NudgeKind.REMIND)
            ]
            found.append(Stall(_run_start(asked, now), Unanswered(tuple(silent))))
    return sorted(found, key=lambda s: URGENCY.index(s.reason))


def wakes(created_at: datetime) -> list[datetime]:
    """The moments at which `stalls` may change its mind about a pair created then, though
    nothing about it changed: the agreement's deadline."""
    return [created_at + AGREEMENT_WITHIN]


def wake_days(history: History, cadence: Cadence, today: date) -> list[date]:
    """The days on which `stalls` may change its mind about a live pair with this history,
    though nothing about it changed: the first day without a meeting for too long (counted
    as `silence` counts it), the day after a pause ends."""
    days = [
        silence(
            history.meetings, history.activated_at.date(), history.pauses, cadence, today
        ).too_long_from
    ]
    if history.paused_until is not None:
        days.append(history.paused_until + timedelta(days=1))
    return days


def dispute_since(held_on: date, timezone: str) -> datetime:
    """When a disputed meeting's alert dates from: the start of its day where the programme
    is. Never ahead of now (a meeting cannot be logged ahead of its day) and never moving
    with the clock, so one resolved by hand stays resolved."""
    return datetime.combine(held_on, time(0, 0), tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def _run_start(asked: Sequence[NudgeFact], now: datetime) -> datetime:
    """When the current run of unanswered questions began: more ignored questions
    continue the same episode instead of opening a new one."""
    ordered = sorted(asked, key=lambda n: n.sent_at)
    start = now
    for nudge in reversed(ordered):
        if nudge.answered_at is not None:
            break
        start = nudge.sent_at
    return start


def _at(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=UTC)


def _low_score(scores: Sequence[Score]) -> Stall | None:
    """Someone's own newest check-in is 2 or lower, or 2 or more below their own previous
    one. A low score is about the person who gave it: only their own later, better answer
    clears it, never the other party's (who usually answers second). When both stand, the
    newer names the stall, so a new low after one resolved by hand opens a new alert."""
    standing: list[Stall] = []
    for person in {s.person_id for s in scores}:
        own = sorted((s for s in scores if s.person_id == person), key=lambda s: s.at)
        newest = own[-1]
        if newest.score <= LOW_SCORE:
            standing.append(Stall(newest.at, LowScore(person, newest.score)))
        elif len(own) > 1 and own[-2].score - newest.score >= SCORE_DROP:
            standing.append(Stall(newest.at, LowScore(person, newest.score, own[-2].score)))
    return max(standing, key=lambda s: (s.since, _person(s)), default=None)


def _person(stall: Stall) -> int:
    assert isinstance(stall.detail, LowScore)
    return stall.detail.person_id


def _answered(history: History, facts: Facts) -> tuple[bool | None, bool | None]:
    """Whether the mentor and the adept answered their last question (None when never
    asked)."""
    result: list[bool | None] = []
    for person in (facts.mentor_id, facts.adept_id):
        asked = sorted(
            (
                n
                for n in history.nudges
                if n.person_id == person and n.kind in (NudgeKind.PLAN, NudgeKind.REMIND)
            ),
            key=lambda n: n.sent_at,
        )
        result.append(None if not asked else asked[-1].answered_at is not None)
    return result[0], result[1]
