"""The meeting rhythm: cadences, periods, whether a period was met, and what is due now.

Everything here is a pure function of a pair's history, the programme's rules and the
time. The scheduler fetches histories in a constant number of queries and asks
`due_work` what to send; the outbox keys make a repeated tick send nothing twice.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from zoneinfo import ZoneInfo

from bot.domain.policy import (
    ASK_MET_WITHIN,
    DAY_BEFORE_AT,
    FIRST_PERIOD,
    MIN_PERIOD,
    REMIND_AT,
    UNANSWERED_IN_A_ROW,
)
from bot.domain.schedule import next_allowed_time, waits_until
from bot.domain.workdays import last_working_day_before


class CadenceKind(StrEnum):
    MONTHLY = "monthly"
    TWICE_MONTHLY = "twice_monthly"
    EVERY_OTHER_MONTH = "every_other_month"
    MINUTES = "minutes"  # at least N minutes of meetings a month
    PER_COHORT = "per_cohort"  # N meetings over the whole cohort


@dataclass(frozen=True)
class Cadence:
    kind: CadenceKind
    amount: int = 1

    @classmethod
    def parse(cls, text: str) -> Cadence | None:
        name, _sep, number = text.strip().lower().partition(":")
        try:
            kind = CadenceKind(name)
        except ValueError:
            return None
        if kind in (CadenceKind.MINUTES, CadenceKind.PER_COHORT):
            if not (number.isascii() and number.isdigit()) or not 0 < int(number) <= 10_000:
                return None
            return cls(kind, int(number))
        return None if number else cls(kind)

    def __str__(self) -> str:
        if self.kind in (CadenceKind.MINUTES, CadenceKind.PER_COHORT):
            return f"{self.kind.value}:{self.amount}"
        return self.kind.value

    @property
    def expected_days(self) -> int:
        """Roughly how many days one meeting should cover (the no-meeting window is a multiple)."""
        return {
            CadenceKind.MONTHLY: 30,
            CadenceKind.MINUTES: 30,
            CadenceKind.TWICE_MONTHLY: 15,
            CadenceKind.EVERY_OTHER_MONTH: 61,
            CadenceKind.PER_COHORT: 365 // max(1, self.amount),
        }[self.kind]


@dataclass(frozen=True)
class Period:
    key: str
    start: date  # inclusive
    end: date  # exclusive

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day < self.end

    @property
    def length(self) -> int:
        return (self.end - self.start).days


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1]) + timedelta(days=1)


def regular_period(cadence: Cadence, day: date, cohort_start: date, cohort_end: date) -> Period:
    if cadence.kind is CadenceKind.TWICE_MONTHLY:
        if day.day <= 15:
            return Period(f"{day:%Y-%m}a", day.replace(day=1), day.replace(day=16))
        return Period(f"{day:%Y-%m}b", day.replace(day=16), _month_end(day.year, day.month))
    if cadence.kind is CadenceKind.EVERY_OTHER_MONTH:
        first_month = day.month - (day.month - 1) % 2
        second = first_month + 1
        return Period(
            f"{day.year}-{first_month:02d}+{second:02d}",
            date(day.year, first_month, 1),
            _month_end(day.year, second),
        )
    if cadence.kind is CadenceKind.PER_COHORT:
        return Period("cohort", cohort_start, cohort_end + timedelta(days=1))
    return Period(f"{day:%Y-%m}", day.replace(day=1), _month_end(day.year, day.month))


# Pure and asked for every pair at every look, with few distinct arguments (a programme's
# pairs share the cadence, the day and the cohort): a cache saves most of a tick's calendar.
@lru_cache(maxsize=8192)
def period_for(
    cadence: Cadence, day: date, activated_on: date, cohort_start: date, cohort_end: date
) -> Period:
    """The window in which a meeting is expected on `day`; a new pair's first is two weeks.

    When the first period would leave less than a week of the regular one it falls
    in, it takes that rest too: nobody should be asked about a three-day "month".
    """
    if cadence.kind is CadenceKind.PER_COHORT:
        return regular_period(cadence, day, cohort_start, cohort_end)
    first_end = activated_on + FIRST_PERIOD
    after_first = regular_period(cadence, first_end, cohort_start, cohort_end)
    if (after_first.end - first_end) < MIN_PERIOD:
        first_end = after_first.end
    if day < first_end:
        return Period("first", activated_on, first_end)
    regular = regular_period(cadence, day, cohort_start, cohort_end)
    return Period(regular.key, max(regular.start, first_end), regular.end)


class MeetingStatus(StrEnum):
    REPORTED = "reported"  # logged by one party, not yet answered by the other
    CONFIRMED = "confirmed"
    DISPUTED = "disputed"


@dataclass(frozen=True)
class MeetingFact:
    id: int
    held_on: date
    minutes: int | None
    status: MeetingStatus
    logged_by: int


class PlanStatus(StrEnum):
    PROPOSED = "proposed"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class PlannedFact:
    id: int
    planned_on: date
    planned_time: time | None
    status: PlanStatus


def next_planned(planned: Iterable[PlannedFact], today: date) -> PlannedFact | None:
    """The first meeting planned for today or later that is not cancelled."""
    coming = [p for p in planned if p.status is not PlanStatus.CANCELLED and p.planned_on >= today]
    return min(coming, key=lambda p: (p.planned_on, p.planned_time or time(0, 0)), default=None)


class NudgeKind(StrEnum):
    PLAN = "plan"
    REMIND = "remind"
    CHECK_IN = "check_in"
    DAY_BEFORE = "day_before"
    MORNING_OF = "morning_of"
    DID_MEET = "did_meet"  # the day after a planned meeting: did you meet?
    WEEKLY = "weekly"  # the weekly note (bot/usecases/digest.py); its period is the ISO week


NUDGES_THAT_ASK = (NudgeKind.PLAN, NudgeKind.REMIND)
MEETING_REMINDERS = (NudgeKind.DAY_BEFORE, NudgeKind.MORNING_OF)


@dataclass(frozen=True)
class NudgeFact:
    person_id: int
    period: str
    kind: NudgeKind
    sent_at: datetime
    answered_at: datetime | None


@dataclass(frozen=True)
class Rules:
    """A programme's rhythm settings."""

    timezone: str = "Europe/Oslo"
    cadence: Cadence = Cadence(CadenceKind.MONTHLY)
    day_starts: time = time(9, 0)
    day_ends: time = time(20, 0)
    working_days: frozenset[int] = frozenset(range(5))
    morning_reminder: bool = False
    country: str | None = None  # whose public holidays are not working days

    def allowed(self, moment: datetime) -> datetime:
        return next_allowed_time(
            moment,
            self.timezone,
            day_starts=self.day_starts,
            day_ends=self.day_ends,
            working_days=self.working_days,
            country=self.country,
        )

    def last_working_day_before(self, day: date) -> date:
        return last_working_day_before(day, self.working_days, self.country)

    def waits_until(self, moment: datetime) -> datetime | None:
        """None if a message to participants goes at `moment`; else when it goes."""
        return waits_until(
            moment,
            self.timezone,
            day_starts=self.day_starts,
            day_ends=self.day_ends,
            working_days=self.working_days,
            country=self.country,
        )

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(ZoneInfo(self.timezone))

    def at(self, day: date, clock_time: time) -> datetime:
        return datetime.combine(day, clock_time, tzinfo=ZoneInfo(self.timezone)).astimezone(UTC)


@dataclass(frozen=True)
class History:
    """One active pair as the rhythm rules see it."""

    pair_id: int
    mentor_id: int
    adept_id: int
    activated_at: datetime
    cohort_start: date
    cohort_end: date
    paused_until: date | None = None
    pauses: tuple[tuple[date, date], ...] = ()  # every pause, (first day, last day), oldest first
    meetings: tuple[MeetingFact, ...] = ()
    planned: tuple[PlannedFact, ...] = ()
    nudges: tuple[NudgeFact, ...] = ()
    check_in_periods: frozenset[tuple[int, str]] = frozenset()  # (person, period) answered
    reachable: frozenset[int] = frozenset()  # people the bot can write to

    @property
    def parties(self) -> tuple[int, int]:
        return (self.mentor_id, self.adept_id)


def counts(meeting: MeetingFact) -> bool:
    """A disputed meeting does not count; one not yet answered counts as one-sided."""
    return meeting.status is not MeetingStatus.DISPUTED


def usual_minutes(meetings: Iterable[MeetingFact]) -> int | None:
    """How long the pair's last meeting with a length lasted (not a disputed one)."""
    timed = [m for m in meetings if m.minutes is not None and counts(m)]
    last = max(timed, key=lambda m: (m.held_on, m.id), default=None)
    return None if last is None else last.minutes


def period_met(cadence: Cadence, period: Period, meetings: Iterable[MeetingFact]) -> bool:
    inside = [m for m in meetings if m.held_on in period and counts(m)]
    if cadence.kind is CadenceKind.MINUTES and period.key != "first":
        return sum(m.minutes or 0 for m in inside) >= cadence.amount
    if cadence.kind is CadenceKind.PER_COHORT:
        return len(inside) >= cadence.amount
    return bool(inside)


Pauses = tuple[tuple[date, date], ...]


def with_pause(pauses: Pauses, today: date, until: date | None, paused_now: bool) -> Pauses:
    """The pair's pauses after it pauses until `until` (None: it goes on now) on `today`.

    A pause set while paused moves the current one's last day; going on ends it
    yesterday (one taken and ended the same day leaves nothing)."""
    earlier, current = (pauses[:-1], pauses[-1]) if paused_now and pauses else (pauses, None)
    if until is None:
        if current is None or today <= current[0]:
            return earlier
        return (*earlier, (current[0], min(current[1], today - timedelta(days=1))))
    first = current[0] if current is not None else today
    return (*earlier, (first, until))


def paused_days(pauses: Iterable[tuple[date, date]], after: date, through: date) -> int:
    """How many days after `after` up to and including `through` were paused."""
    total = 0
    for first, last in pauses:
        start, end = max(first, after + timedelta(days=1)), min(last, through)
        if start <= end:
            total += (end - start).days + 1
    return total


def paused(history: History, today: date) -> bool:
    return history.paused_until is not None and today <= history.paused_until


def ignored_twice(history: History, person_id: int) -> bool:
    """The person left their last `UNANSWERED_IN_A_ROW` questions (plan or reminder)
    unanswered."""
    asked = sorted(
        (n for n in history.nudges if n.person_id == person_id and n.kind in NUDGES_THAT_ASK),
        key=lambda n: n.sent_at,
    )
    last = asked[-UNANSWERED_IN_A_ROW:]
    return len(last) == UNANSWERED_IN_A_ROW and all(n.answered_at is None for n in last)


@dataclass(frozen=True)
class Due:
    kind: NudgeKind
    pair_id: int
    person_id: int
    period: str
    not_before: datetime
    planned_id: int | None = None

    @property
    def key(self) -> str:
        if self.planned_id is not None:
            return f"planned:{self.planned_id}:{self.kind.value}:{self.person_id}"
        return f"pair:{self.pair_id}:{self.period}:{self.kind.value}:{self.person_id}"


PRIORITY = {
    NudgeKind.DAY_BEFORE: 0,
    NudgeKind.MORNING_OF: 1,
    NudgeKind.DID_MEET: 2,
    NudgeKind.REMIND: 3,
    NudgeKind.PLAN: 4,
    NudgeKind.CHECK_IN: 5,
    NudgeKind.WEEKLY: 6,
}


def did_meet_period(plan_id: int) -> str:
    """The nudge's period of «did you meet?»: it is asked once per planned meeting."""
    return f"plan-{plan_id}"


def just_passed(history: History, today: date) -> list[PlannedFact]:
    """Planned meetings whose day passed at most `ASK_MET_WITHIN` days ago and that no
    meeting logged on or after their day answers yet: «did you meet?» is their question."""
    logged = [m.held_on for m in history.meetings]
    return [
        p
        for p in history.planned
        if p.status is not PlanStatus.CANCELLED
        and 1 <= (today - p.planned_on).days <= ASK_MET_WITHIN
        and not any(day >= p.planned_on for day in logged)
    ]


def due_work(history: History, rules: Rules, now: datetime) -> list[Due]:
    """What each party of one active pair should get now (before the one-a-day limit)."""
    today = rules.local(now).date()
    if paused(history, today):
        return []
    activated_on = rules.local(history.activated_at).date()
    period = period_for(
        rules.cadence, today, activated_on, history.cohort_start, history.cohort_end
    )
    met = period_met(rules.cadence, period, history.meetings)
    # Only a date inside this period answers this period's question.
    upcoming = [
        p
        for p in history.planned
        if p.status is not PlanStatus.CANCELLED and today <= p.planned_on < period.end
    ]
    reminders_for = [
        p for p in history.planned if p.status is not PlanStatus.CANCELLED and p.planned_on >= today
    ]
    passed = just_passed(history, today)
    sent = {(n.person_id, n.period, n.kind) for n in history.nudges}
    remind_day = period.start + timedelta(days=int(period.length * REMIND_AT))
    due: list[Due] = []
    for person in history.parties:
        if person not in history.reachable:
            continue
        wanted: list[tuple[NudgeKind, datetime, int | None]] = []
        for plan in passed:
            if (person, did_meet_period(plan.id), NudgeKind.DID_MEET) not in sent:
                wanted.append((NudgeKind.DID_MEET, now, plan.id))
        # A meeting that was planned and just passed is asked about, not planned again.
        if not met and not upcoming and not passed:
            asked = {k for k in NUDGES_THAT_ASK if (person, period.key, k) in sent}
            if today < remind_day and not asked:
                wanted.append((NudgeKind.PLAN, now, None))
            elif (
                today >= remind_day
                and NudgeKind.REMIND not in asked
                and not ignored_twice(history, person)
            ):
                wanted.append((NudgeKind.REMIND, now, None))
        for plan in reminders_for:
            starts = rules.at(plan.planned_on, plan.planned_time or time(0, 0))
            # "The day before" is the last working day before the meeting.
            if today == rules.last_working_day_before(plan.planned_on):
                day_before = rules.allowed(max(now, rules.at(today, DAY_BEFORE_AT)))
                if rules.local(day_before).date() < plan.planned_on:
                    wanted.append((NudgeKind.DAY_BEFORE, day_before, plan.id))
            if rules.morning_reminder and plan.planned_on == today and plan.planned_time:
                morning = rules.allowed(max(now, rules.at(today, rules.day_starts)))
                if morning < starts - timedelta(hours=1):
                    wanted.append((NudgeKind.MORNING_OF, morning, plan.id))
        if (
            period.key != "first"
            and today == period.end - timedelta(days=1)
            and not met
            and (person, period.key) not in history.check_in_periods
            and (person, period.key, NudgeKind.CHECK_IN) not in sent
        ):
            wanted.append((NudgeKind.CHECK_IN, now, None))
        due.extend(
            Due(
                kind,
                history.pair_id,
                person,
                did_meet_period(planned_id)
                if kind is NudgeKind.DID_MEET and planned_id is not None
                else period.key,
                rules.allowed(at),
                planned_id,
            )
            for kind, at, planned_id in wanted
        )
    return due


def wake_days(history: History, rules: Rules, today: date) -> list[date]:
    """The days on which `due_work` may change its mind about this history though nothing
    about it changed: the period's end and its last day (the check-in), the reminder day,
    around each planned meeting the last working day before, its day, «did you meet?» the
    day after and the day that question lapses, and the day after a pause ends."""
    activated_on = rules.local(history.activated_at).date()
    period = period_for(
        rules.cadence, today, activated_on, history.cohort_start, history.cohort_end
    )
    remind_day = period.start + timedelta(days=int(period.length * REMIND_AT))
    days = [period.end, period.end - timedelta(days=1), remind_day]
    for plan in history.planned:
        if plan.status is not PlanStatus.CANCELLED:
            days += [
                rules.last_working_day_before(plan.planned_on),
                plan.planned_on,
                plan.planned_on + timedelta(days=1),
                plan.planned_on + timedelta(days=ASK_MET_WITHIN + 1),
            ]
    if history.paused_until is not None:
        days.append(history.paused_until + timedelta(days=1))
    return days


def one_a_day(
    candidates: Sequence[Due], already: Iterable[tuple[int, date]], timezone_of: dict[int, str]
) -> list[Due]:
    """At most one bot-initiated message per person per local day; the most urgent wins.

    What does not fit today is not dropped: the tick tries it again the next day.
    `already` holds (person, local day) pairs that have a message queued or sent.
    Reminders of a meeting the pair agreed on are part of answering that plan, and
    could not wait a day without missing the meeting, so they always pass (and still
    fill the day).
    """
    taken = set(already)
    chosen: list[Due] = []
    for due in sorted(candidates, key=lambda d: (PRIORITY[d.kind], d.not_before, d.pair_id)):
        zone = ZoneInfo(timezone_of.get(due.pair_id, "UTC"))
        slot = (due.person_id, due.not_before.astimezone(zone).date())
        if slot in taken and due.kind not in MEETING_REMINDERS:
            continue
        taken.add(slot)
        chosen.append(due)
    return chosen
