"""The weekly digest's figures, and the weekly note's content: pure functions of plain data.

`compute` turns what the storage layer loaded for one programme (pairs, meetings,
check-ins, alerts, planned meetings, failed messages, gatherings), or for one of its cohorts
(`of_cohort`: a region's coordinator reads only the region), and the time into the
numbers the coordinator reads; `bot/texts/digest.py` renders them, `bot/files/chart.py` draws
the chart.
`pack` splits rendered lines into Telegram-sized messages without cutting a line.
`due_week` says whether a programme's digest is due now, `weekly_note` what a
participant's weekly note says (or that there is nothing to say).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.alerts import AlertReason
from bot.domain.gatherings import Turnout, for_cohort
from bot.domain.model import AlertStatus, Cohort, PairState, Programme, programme_and_cohort
from bot.domain.policy import CHART_WEEKS, LATE_GRACE, SCORE_WINDOW, SOON
from bot.domain.rhythm import (
    MeetingFact,
    MeetingStatus,
    Period,
    PlannedFact,
    PlanStatus,
    counts,
    next_planned,
    period_for,
    period_met,
    regular_period,
)
from bot.domain.stall import URGENCY, silence

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


# what the storage layer loads


@dataclass(frozen=True)
class DigestPair:
    id: int
    state: PairState
    mentor: str
    adept: str
    cohort_id: int
    created_at: datetime
    activated_at: datetime | None = None
    ended_at: datetime | None = None
    paused_until: date | None = None
    pauses: tuple[tuple[date, date], ...] = ()  # (first day, last day), oldest first


@dataclass(frozen=True)
class DigestMeeting:
    pair_id: int
    held_on: date
    status: MeetingStatus
    minutes: int | None = None
    logged_at: datetime | None = None


@dataclass(frozen=True)
class DigestCheckIn:
    pair_id: int
    score: int
    at: datetime


@dataclass(frozen=True)
class DigestAlert:
    id: int
    pair_id: int
    reason: AlertReason
    status: AlertStatus
    since: datetime


@dataclass(frozen=True)
class DigestPlan:
    pair_id: int
    planned_on: date
    planned_time: time | None
    status: PlanStatus


@dataclass(frozen=True)
class FailedMessage:
    """An outbox row whose delivery gave up: to whom (a name, or None for a group) and what,
    and the cohorts the person is in (by invitation or pair), for a region's digest."""

    name: str | None
    kind: str
    cohorts: frozenset[int] = frozenset()


@dataclass(frozen=True)
class DigestInput:
    programme: Programme
    cohorts: tuple[Cohort, ...]
    pairs: tuple[DigestPair, ...]
    meetings: tuple[DigestMeeting, ...] = ()
    check_ins: tuple[DigestCheckIn, ...] = ()
    alerts: tuple[DigestAlert, ...] = ()
    planned: tuple[DigestPlan, ...] = ()
    failed: tuple[FailedMessage, ...] = ()
    # Gatherings (not cancelled) from a week before to a week after the digest.
    gatherings: tuple[Turnout, ...] = ()
    cohort_id: int | None = None  # one cohort's digest (a region's), None: the programme's


# what the digest says


@dataclass(frozen=True)
class PairLine:
    pair_id: int
    mentor: str
    adept: str


@dataclass(frozen=True)
class Stalled:
    pair: PairLine
    reasons: tuple[tuple[AlertReason, int], ...]  # (reason, alert id), most urgent first
    since: datetime


@dataclass(frozen=True)
class GatheringLine:
    """A gathering in the digest: its local day and time, and the answers to its
    invitation (what people said before; attendance itself is not recorded)."""

    title: str
    day: date
    at: time
    invited: int
    coming: int
    not_coming: int
    no_answer: int
    cohort: str | None = None  # in the whole programme's digest: a region's gathering


@dataclass(frozen=True)
class Chart:
    week_starts: tuple[date, ...]
    meetings: tuple[int, ...]  # meetings held per week (disputed ones do not count)
    on_rhythm: tuple[float | None, ...]  # share of live pairs on rhythm at each week's end
    scores: tuple[int, ...]  # how many check-ins gave 1, 2, 3, 4, 5 in those weeks


@dataclass(frozen=True)
class Digest:
    programme_id: int
    programme_name: str
    week: str  # ISO week, e.g. "2026-W12"
    today: date
    by_state: dict[PairState, int]
    stalled_count: int
    week_logged: int  # meetings held or logged in the last seven days (today included)
    week_confirmed: int  # … of which the other party confirmed
    period: Period
    period_logged: int
    period_confirmed: int
    met: int  # active pairs that met this period (by their own cadence)
    active: int
    score: float | None  # average check-in score over the last SCORE_WINDOW
    score_before: float | None  # the SCORE_WINDOW before
    score_count: int
    stalled: tuple[Stalled, ...]
    unconfirmed: tuple[tuple[PairLine, int], ...]  # awaiting agreement, days since paired
    pauses_ending: tuple[tuple[PairLine, date], ...]
    planned: tuple[tuple[PairLine, date, time | None], ...]  # the coming seven days
    cohort_end: date | None
    failed: tuple[tuple[str | None, int], ...]  # (name, how many), most first
    chart: Chart = field(repr=False, default=Chart((), (), (), (0, 0, 0, 0, 0)))
    cohort_name: str | None = None  # a region's digest: its cohort
    gatherings_held: tuple[GatheringLine, ...] = ()  # the last seven days
    gatherings_coming: tuple[GatheringLine, ...] = ()  # the next seven days

    @property
    def name(self) -> str:
        """What the digest is of (see `programme_and_cohort`)."""
        return programme_and_cohort(self.programme_name, self.cohort_name)

    @property
    def met_share(self) -> float | None:
        return self.met / self.active if self.active else None

    @property
    def trend(self) -> float | None:
        if self.score is None or self.score_before is None:
            return None
        return round(self.score - self.score_before, 1)


def iso_week(day: date) -> str:
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


def _line(pair: DigestPair) -> PairLine:
    return PairLine(pair.id, pair.mentor, pair.adept)


def _average(values: Sequence[int]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


def current_cohort(cohorts: Sequence[Cohort], today: date) -> Cohort | None:
    """The cohort running today, else the next to start, else the last that ended."""
    running = [c for c in cohorts if c.starts_on <= today <= c.ends_on]
    if running:
        return min(running, key=lambda c: c.ends_on)
    coming = [c for c in cohorts if c.starts_on > today]
    if coming:
        return min(coming, key=lambda c: c.starts_on)
    return max(cohorts, key=lambda c: c.ends_on) if cohorts else None


def of_cohort(data: DigestInput, cohort_id: int) -> DigestInput:
    """One cohort's part of a programme's digest input (a region's coordinator reads
    only the region): its pairs with their meetings, check-ins, alerts and plans, the
    failed messages to its people, and its gatherings and the programme-wide ones."""
    pairs = tuple(p for p in data.pairs if p.cohort_id == cohort_id)
    ids = {p.id for p in pairs}
    return DigestInput(
        programme=data.programme,
        cohorts=tuple(c for c in data.cohorts if c.id == cohort_id),
        pairs=pairs,
        meetings=tuple(m for m in data.meetings if m.pair_id in ids),
        check_ins=tuple(c for c in data.check_ins if c.pair_id in ids),
        alerts=tuple(a for a in data.alerts if a.pair_id in ids),
        planned=tuple(p for p in data.planned if p.pair_id in ids),
        failed=tuple(f for f in data.failed if cohort_id in f.cohorts),
        gatherings=tuple(t for t in data.gatherings if for_cohort(t.gathering, cohort_id)),
        cohort_id=cohort_id,
    )


def compute(data: DigestInput, now: datetime) -> Digest:
    """Every figure of one programme's digest (or one cohort's, see `of_cohort`) at `now`."""
    programme = data.programme
    rules = programme.rules
    zone = ZoneInfo(programme.timezone)
    today = now.astimezone(zone).date()
    cohorts = {c.id: c for c in data.cohorts}
    cohort = current_cohort(data.cohorts, today)
    start, end = (cohort.starts_on, cohort.ends_on) if cohort else (today, today)
    period = regular_period(rules.cadence, today, start, end)
    pairs = {p.id: p for p in data.pairs}

    by_state = {state: 0 for state in PairState}
    for pair in data.pairs:
        by_state[pair.state] += 1

    counted = [
        m for m in data.meetings if m.pair_id in pairs and m.status is not MeetingStatus.DISPUTED
    ]
    # The last seven days are today and the six before, as people read it: a meeting
    # held today, or held earlier and logged in these days, is news of this week.
    week_start = today - (SOON - timedelta(days=1))
    last_week = [
        m
        for m in counted
        if week_start <= m.held_on <= today
        or (m.logged_at is not None and now - SOON < m.logged_at <= now)
    ]
    this_period = [m for m in counted if m.held_on in period]

    meetings_of: dict[int, list[MeetingFact]] = {}
    for m in data.meetings:
        meetings_of.setdefault(m.pair_id, []).append(
            MeetingFact(0, m.held_on, m.minutes, m.status, 0)
        )
    met = active = 0
    for pair in data.pairs:
        if pair.state is not PairState.ACTIVE:
            continue
        active += 1
        own = cohorts.get(pair.cohort_id)
        activated = (pair.activated_at or pair.created_at).astimezone(zone).date()
        own_period = period_for(
            rules.cadence,
            today,
            activated,
            own.starts_on if own else start,
            own.ends_on if own else end,
        )
        if period_met(rules.cadence, own_period, meetings_of.get(pair.id, ())):
            met += 1

    recent = [c.score for c in data.check_ins if now - SCORE_WINDOW <= c.at <= now]
    before = [
        c.score for c in data.check_ins if now - 2 * SCORE_WINDOW <= c.at < now - SCORE_WINDOW
    ]

    unresolved: dict[int, list[DigestAlert]] = {}
    for alert in data.alerts:
        subject = pairs.get(alert.pair_id)
        if (
            alert.status is AlertStatus.RESOLVED
            or subject is None
            or subject.state is PairState.ENDED
        ):
            continue
        unresolved.setdefault(alert.pair_id, []).append(alert)
    stalled = []
    for pair_id, alerts in unresolved.items():
        ordered = sorted(alerts, key=lambda a: (_urgency(a.reason), a.id))
        stalled.append(
            Stalled(
                _line(pairs[pair_id]),
                tuple((a.reason, a.id) for a in ordered),
                min(a.since for a in alerts),
            )
        )
    stalled.sort(key=lambda s: (_urgency(s.reasons[0][0]), s.since, s.pair.pair_id))

    unconfirmed = sorted(
        (
            (_line(p), (today - p.created_at.astimezone(zone).date()).days)
            for p in data.pairs
            if p.state is PairState.AWAITING_AGREEMENT
        ),
        key=lambda item: (-item[1], item[0].pair_id),
    )
    pauses = sorted(
        (
            (_line(p), p.paused_until)
            for p in data.pairs
            if p.state is PairState.PAUSED
            and p.paused_until is not None
            and today <= p.paused_until < today + SOON
        ),
        key=lambda item: (item[1], item[0].pair_id),
    )
    planned = sorted(
        (
            (_line(pairs[p.pair_id]), p.planned_on, p.planned_time)
            for p in data.planned
            if p.pair_id in pairs
            and pairs[p.pair_id].state in (PairState.ACTIVE, PairState.PAUSED)
            and p.status is not PlanStatus.CANCELLED
            and today <= p.planned_on < today + SOON
        ),
        key=lambda item: (item[1], item[2] or time(0, 0), item[0].pair_id),
    )
    # The whole programme's digest names the region of a region's gathering (NHO's
    # regions each have a «Kick-off»); a region's digest need not.
    regions = (
        {c.id: short_name(c.name, programme.name) for c in data.cohorts}
        if data.cohort_id is None
        else {}
    )
    held, coming = gathering_lines(data.gatherings, zone, now, regions)
    failed: dict[str | None, int] = {}
    for message in data.failed:
        failed[message.name] = failed.get(message.name, 0) + 1

    return Digest(
        programme_id=programme.id,
        programme_name=programme.name,
        week=iso_week(today),
        today=today,
        by_state=by_state,
        stalled_count=len(stalled),
        week_logged=len(last_week),
        week_confirmed=sum(1 for m in last_week if m.status is MeetingStatus.CONFIRMED),
        period=period,
        period_logged=len(this_period),
        period_confirmed=sum(1 for m in this_period if m.status is MeetingStatus.CONFIRMED),
        met=met,
        active=active,
        score=_average(recent),
        score_before=_average(before),
        score_count=len(recent),
        stalled=tuple(stalled),
        unconfirmed=tuple(unconfirmed),
        pauses_ending=tuple((line, until) for line, until in pauses if until is not None),
        planned=tuple(planned),
        cohort_end=cohort.ends_on if cohort else None,
        failed=tuple(sorted(failed.items(), key=lambda item: (-item[1], item[0] or ""))),
        chart=chart(data, now),
        cohort_name=cohorts[data.cohort_id].name if data.cohort_id in cohorts else None,
        gatherings_held=held,
        gatherings_coming=coming,
    )


def short_name(cohort_name: str, programme_name: str) -> str:
    """A cohort's name without the programme's in front: «Global Future – Rogaland» of
    «Global Future» is «Rogaland»."""
    if cohort_name.startswith(programme_name):
        rest = cohort_name[len(programme_name) :].strip(" –-:,")
        if rest:
            return rest
    return cohort_name


def gathering_lines(
    turnouts: Sequence[Turnout],
    zone: ZoneInfo,
    now: datetime,
    regions: Mapping[int, str] | None = None,
) -> tuple[tuple[GatheringLine, ...], tuple[GatheringLine, ...]]:
    """(gatherings of the last seven days, gatherings of the next seven), by start time;
    `regions` names the cohorts whose gatherings should say which cohort they are of."""
    regions = regions or {}
    held: list[GatheringLine] = []
    coming: list[GatheringLine] = []
    for turnout in sorted(turnouts, key=lambda t: (t.gathering.starts_at, t.gathering.id)):
        g = turnout.gathering
        if g.cancelled or not now - SOON <= g.starts_at < now + SOON:
            continue
        local = g.starts_at.astimezone(zone)
        line = GatheringLine(
            title=g.title,
            day=local.date(),
            at=local.time().replace(second=0, microsecond=0),
            invited=turnout.invited,
            coming=turnout.coming,
            not_coming=turnout.not_coming,
            no_answer=turnout.no_answer,
            cohort=regions.get(g.cohort_id) if g.cohort_id is not None else None,
        )
        (held if g.starts_at < now else coming).append(line)
    return tuple(held), tuple(coming)


def _urgency(reason: AlertReason) -> int:
    return URGENCY.index(reason)


def chart(data: DigestInput, now: datetime) -> Chart:
    """The last twelve full weeks (Monday to Sunday): meetings, pairs on rhythm, scores."""
    zone = ZoneInfo(data.programme.timezone)
    today = now.astimezone(zone).date()
    this_monday = today - timedelta(days=today.weekday())
    starts = [this_monday - timedelta(weeks=k) for k in range(CHART_WEEKS, 0, -1)]
    counted = [m for m in data.meetings if m.status is not MeetingStatus.DISPUTED]
    meetings = tuple(
        sum(1 for m in counted if s <= m.held_on < s + timedelta(days=7)) for s in starts
    )
    meetings_of: dict[int, list[MeetingFact]] = {}
    for m in counted:
        meetings_of.setdefault(m.pair_id, []).append(
            MeetingFact(0, m.held_on, m.minutes, m.status, 0)
        )
    cadence = data.programme.rules.cadence
    on_rhythm: list[float | None] = []
    for s in starts:
        last_day = s + timedelta(days=6)
        end_of_week = datetime.combine(last_day, time(23, 59), tzinfo=zone)
        live = [
            p
            for p in data.pairs
            if p.activated_at is not None
            and p.activated_at <= end_of_week
            and (p.ended_at is None or p.ended_at > end_of_week)
        ]
        if not live:
            on_rhythm.append(None)
            continue
        good = 0
        for pair in live:
            held = [m for m in meetings_of.get(pair.id, ()) if m.held_on <= last_day]
            assert pair.activated_at is not None
            started_on = pair.activated_at.astimezone(zone).date()
            if not silence(held, started_on, pair.pauses, cadence, last_day).too_long:
                good += 1
        on_rhythm.append(good / len(live))
    first = datetime.combine(starts[0], time(0, 0), tzinfo=zone).astimezone(UTC)
    scores = [0] * 5
    for check_in in data.check_ins:
        if first <= check_in.at <= now and 1 <= check_in.score <= 5:
            scores[check_in.score - 1] += 1
    return Chart(tuple(starts), meetings, tuple(on_rhythm), tuple(scores))


# when the digest is due


def scheduled(programme: Programme, now: datetime) -> datetime | None:
    """This ISO week's digest moment (local weekday and hour) in UTC, or None when off."""
    if programme.digest_weekday is None:
        return None
    zone = ZoneInfo(programme.timezone)
    today = now.astimezone(zone).date()
    day = today - timedelta(days=today.weekday()) + timedelta(days=programme.digest_weekday)
    return datetime.combine(day, time(programme.digest_hour, 0), tzinfo=zone).astimezone(UTC)


def due_week(programme: Programme, now: datetime) -> str | None:
    """The ISO week whose digest should be queued now, or None.

    Due from the set moment, and for a day after it (a bot that was down at 08:00 sends it
    late, not never); once queued, the programme records the week so it is not queued again.
    """
    moment = scheduled(programme, now)
    if moment is None or not moment <= now < moment + LATE_GRACE:
        return None
    week = iso_week(moment.astimezone(ZoneInfo(programme.timezone)).date())
    return None if programme.digest_week == week else week


def next_digest(programme: Programme, now: datetime) -> datetime | None:
    """When the next weekly digest goes out (UTC), as `due_week` decides; None when off.

    This week's moment while it is still to come or due and not yet queued, else next
    week's: a schedule moved to later in a week whose digest already went waits a week.
    """
    moment = scheduled(programme, now)
    if moment is None:
        return None
    zone = ZoneInfo(programme.timezone)
    day = moment.astimezone(zone).date()
    if programme.digest_week != iso_week(day) and now < moment + LATE_GRACE:
        return moment
    later = datetime.combine(day + timedelta(days=7), time(programme.digest_hour, 0), tzinfo=zone)
    return later.astimezone(UTC)


def parse_schedule(text: str) -> tuple[int | None, int] | None:
    """«mon 08», «fri-14», «off» → (weekday or None, hour); None when it cannot be read."""
    words = text.strip().lower().replace("-", " ").replace(":00", "").split()
    if words == ["off"]:
        return None, 8
    if len(words) != 2 or words[0][:3] not in WEEKDAYS:
        return None
    hour = words[1]
    if not (hour.isascii() and hour.isdigit()) or not 0 <= int(hour) <= 23:
        return None
    return WEEKDAYS.index(words[0][:3]), int(hour)


# splitting into messages


def pack(sections: Sequence[Sequence[str]], limit: int = TEXT_LIMIT) -> list[str]:
    """Lines into messages of at most `limit` characters, in order, none cut.

    Sections stay together when they fit; a section that does not fit in the current
    message starts a new one; one longer than a message is split between its lines. A
    single line longer than the limit (it cannot come from the digest, whose lines are
    short) is wrapped at spaces, so nothing is ever lost.
    """
    messages: list[str] = []
    current: list[str] = []

    def size(lines: Sequence[str]) -> int:
        return sum(len(line) for line in lines) + max(0, len(lines) - 1)

    def flush() -> None:
        if current:
            messages.append("\n".join(current))
            current.clear()

    for section in sections:
        lines = [piece for line in section for piece in _wrap(line, limit)]
        if not lines:
            continue
        separator = [""] if current else []
        if size([*current, *separator, *lines]) <= limit:
            current.extend([*separator, *lines])
            continue
        flush()
        for line in lines:
            if size([*current, line]) > limit:
                flush()
            current.append(line)
    flush()
    return messages


def _wrap(line: str, limit: int) -> list[str]:
    if len(line) <= limit:
        return [line]
    pieces: list[str] = []
    rest = line
    while len(rest) > limit:
        cut = rest.rfind(" ", 0, limit + 1)
        if cut <= 0:
            cut = limit
        pieces.append(rest[:cut])
        rest = rest[cut:].lstrip(" ") if rest[cut : cut + 1] == " " else rest[cut:]
    pieces.append(rest)
    return pieces


# the weekly note to participants


@dataclass(frozen=True)
class WeeklyNote:
    """What one participant's weekly note says."""

    met_on: date | None  # the last meeting this period, None when not yet
    period_end: date  # exclusive
    next_planned: PlannedFact | None
    goals: tuple[str, ...]
    # The adept changed the goals since the reader's last note: the only news may be that.
    goals_changed: bool = False
    news: bool = True  # a meeting held lately or one coming: news for both of them


def goals_changed_for(
    changed_at: datetime | None, last_note: datetime | None, activated_at: datetime | None
) -> bool:
    """Whether the adept changed the goals after the reader's last weekly note (or, before
    any note, after the pair became active: the agreement showed them the plan before)."""
    since = last_note or activated_at
    return changed_at is not None and (since is None or changed_at > since)


def weekly_note(
    *,
    state: PairState,
    period: Period,
    meetings: Sequence[MeetingFact],
    planned: Sequence[PlannedFact],
    goals: tuple[str, ...] | None,
    today: date,
    goals_changed: bool = False,
) -> WeeklyNote | None:
    """The note, or None when there is nothing new to say this week.

    It helps when there is news for the week: a meeting held in the last seven days (a
    moment to look at the goals), or one planned for the coming seven days. A pair with
    neither gets nothing: the rhythm's own questions already ask them to plan. (When in
    the week it goes out is the caller's: see `bot.usecases.digest.Digests.weekly_notes`.)
    """
    if state is not PairState.ACTIVE:
        return None
    held = [m.held_on for m in meetings if counts(m) and m.held_on <= today]
    upcoming = next_planned(planned, today)
    recent = any(today - timedelta(days=7) <= day for day in held)
    soon = upcoming is not None and upcoming.planned_on < today + SOON
    if not recent and not soon and not goals_changed:
        return None
    in_period = [day for day in held if day in period]
    return WeeklyNote(
        met_on=max(in_period) if in_period else None,
        period_end=period.end,
        next_planned=upcoming,
        goals=tuple(goals or ()),
        goals_changed=goals_changed,
        news=recent or soon,
    )
