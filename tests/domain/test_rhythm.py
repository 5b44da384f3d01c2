"""The pure meeting-rhythm rules: cadences, periods, met periods, due work and one a day.

Examples pin the calendar edges; hypothesis checks `due_work` over random histories and a
simulated quarter of ticks in which nobody answers.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.rhythm import (
    FIRST_PERIOD,
    MEETING_REMINDERS,
    NUDGES_THAT_ASK,
    PRIORITY,
    REMIND_AT,
    Cadence,
    CadenceKind,
    Due,
    History,
    MeetingFact,
    MeetingStatus,
    NudgeFact,
    NudgeKind,
    Period,
    PlannedFact,
    PlanStatus,
    Rules,
    did_meet_period,
    due_work,
    ignored_twice,
    just_passed,
    one_a_day,
    period_for,
    period_met,
    regular_period,
)
from bot.domain.workdays import is_working_day

OSLO = ZoneInfo("Europe/Oslo")
MENTOR, ADEPT = 1, 2
PAIR = 7
RULES = Rules()  # Europe/Oslo, 09:00-20:00, Monday to Friday, monthly
PER_PERSON = (NudgeKind.PLAN, NudgeKind.REMIND, NudgeKind.CHECK_IN)
PER_PLAN = (NudgeKind.DAY_BEFORE, NudgeKind.MORNING_OF, NudgeKind.DID_MEET)
COHORT = (date(2026, 1, 1), date(2026, 12, 31))

MONTHLY = Cadence(CadenceKind.MONTHLY)
TWICE = Cadence(CadenceKind.TWICE_MONTHLY)
EVERY_OTHER = Cadence(CadenceKind.EVERY_OTHER_MONTH)

cadences = st.one_of(
    st.sampled_from([MONTHLY, TWICE, EVERY_OTHER]),
    st.builds(Cadence, st.just(CadenceKind.MINUTES), st.integers(1, 600)),
    st.builds(Cadence, st.just(CadenceKind.PER_COHORT), st.integers(1, 12)),
)
SLOW = settings(max_examples=200, deadline=None)


def oslo(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    """A wall-clock time in Oslo, as UTC."""
    return datetime(year, month, day, hour, minute, tzinfo=OSLO).astimezone(UTC)


def meeting(held_on: date, minutes: int | None = 60, status: str = "confirmed") -> MeetingFact:
    return MeetingFact(1, held_on, minutes, MeetingStatus(status), MENTOR)


def pair(
    activated_at: datetime,
    *,
    cohort: tuple[date, date] = COHORT,
    **fields: object,
) -> History:
    base = History(
        pair_id=PAIR,
        mentor_id=MENTOR,
        adept_id=ADEPT,
        activated_at=activated_at,
        cohort_start=cohort[0],
        cohort_end=cohort[1],
        reachable=frozenset({MENTOR, ADEPT}),
    )
    return replace(base, **fields)  # type: ignore[arg-type]


# 1. Cadence parse / str


@pytest.mark.parametrize(
    "cadence",
    [
        MONTHLY,
        TWICE,
        EVERY_OTHER,
        Cadence(CadenceKind.MINUTES, 120),
        Cadence(CadenceKind.MINUTES, 10_000),
        Cadence(CadenceKind.PER_COHORT, 1),
        Cadence(CadenceKind.PER_COHORT, 2),
    ],
)
def test_cadence_round_trips_through_its_text(cadence: Cadence) -> None:
    assert Cadence.parse(str(cadence)) == cadence
    assert Cadence.parse(f"  {str(cadence).upper()} ") == cadence


@given(cadences)
def test_cadence_round_trip_property(cadence: Cadence) -> None:
    assert Cadence.parse(str(cadence)) == cadence


@pytest.mark.parametrize(
    "text",
    [
        "minutes",
        "minutes:",
        "minutes:0",
        "minutes:x",
        "minutes:10001",
        "minutes:+5",
        "weekly",
        "monthly:2",
        "twice_monthly:1",
        "per_cohort",
        "per_cohort:-1",
        "",
    ],
)
def test_cadence_rejects(text: str) -> None:
    assert Cadence.parse(text) is None


def test_cadence_rejects_non_ascii_digits_without_raising() -> None:
    assert Cadence.parse("minutes:²") is None


# 2. Periods


@pytest.mark.parametrize(
    ("day", "key", "start", "end"),
    [
        (date(2026, 1, 1), "2026-01", date(2026, 1, 1), date(2026, 2, 1)),
        (date(2026, 1, 31), "2026-01", date(2026, 1, 1), date(2026, 2, 1)),
        (date(2026, 2, 28), "2026-02", date(2026, 2, 1), date(2026, 3, 1)),
        (date(2028, 2, 29), "2028-02", date(2028, 2, 1), date(2028, 3, 1)),
        (date(2026, 12, 31), "2026-12", date(2026, 12, 1), date(2027, 1, 1)),
    ],
)
def test_monthly_is_the_calendar_month(day: date, key: str, start: date, end: date) -> None:
    period = regular_period(MONTHLY, day, date(2026, 1, 1), date(2026, 12, 31))
    assert period == Period(key, start, end)
    assert day in period


def test_leap_and_non_leap_february_lengths() -> None:
    cohort = (date(2026, 1, 1), date(2028, 12, 31))
    assert regular_period(MONTHLY, date(2026, 2, 10), *cohort).length == 28
    assert regular_period(MONTHLY, date(2028, 2, 10), *cohort).length == 29


@pytest.mark.parametrize(
    ("cadence", "day", "key", "start", "end"),
    [
        # twice a month: the halves 1st-15th and 16th-end
        (TWICE, date(2026, 3, 1), "2026-03a", date(2026, 3, 1), date(2026, 3, 16)),
        (TWICE, date(2026, 3, 15), "2026-03a", date(2026, 3, 1), date(2026, 3, 16)),
        (TWICE, date(2026, 3, 16), "2026-03b", date(2026, 3, 16), date(2026, 4, 1)),
        (TWICE, date(2026, 2, 28), "2026-02b", date(2026, 2, 16), date(2026, 3, 1)),
        (TWICE, date(2028, 2, 29), "2028-02b", date(2028, 2, 16), date(2028, 3, 1)),
        (TWICE, date(2026, 12, 31), "2026-12b", date(2026, 12, 16), date(2027, 1, 1)),
        # every other month: blocks of two calendar months from January
        (EVERY_OTHER, date(2026, 1, 5), "2026-01+02", date(2026, 1, 1), date(2026, 3, 1)),
        (EVERY_OTHER, date(2026, 2, 28), "2026-01+02", date(2026, 1, 1), date(2026, 3, 1)),
        (EVERY_OTHER, date(2028, 2, 29), "2028-01+02", date(2028, 1, 1), date(2028, 3, 1)),
        (EVERY_OTHER, date(2026, 3, 1), "2026-03+04", date(2026, 3, 1), date(2026, 5, 1)),
        (EVERY_OTHER, date(2026, 4, 30), "2026-03+04", date(2026, 3, 1), date(2026, 5, 1)),
        (EVERY_OTHER, date(2026, 12, 31), "2026-11+12", date(2026, 11, 1), date(2027, 1, 1)),
    ],
)
def test_twice_monthly_halves_and_every_other_month_blocks(
    cadence: Cadence, day: date, key: str, start: date, end: date
) -> None:
    assert regular_period(cadence, day, date(2026, 1, 1), date(2028, 12, 31)) == Period(
        key, start, end
    )


def test_per_cohort_is_the_whole_cohort_including_its_last_day() -> None:
    cadence = Cadence(CadenceKind.PER_COHORT, 2)
    period = regular_period(cadence, date(2026, 5, 5), date(2026, 1, 10), date(2026, 11, 30))
    assert period == Period("cohort", date(2026, 1, 10), date(2026, 12, 1))
    assert date(2026, 11, 30) in period
    assert date(2026, 12, 1) not in period
    # no two-week first period either
    assert period_for(cadence, date(2026, 5, 2), date(2026, 5, 1), *COHORT) == Period(
        "cohort", date(2026, 1, 1), date(2027, 1, 1)
    )


def test_first_period_is_two_weeks_then_the_clipped_month() -> None:
    activated = date(2026, 1, 5)
    first = Period("first", activated, date(2026, 1, 19))
    assert period_for(MONTHLY, activated, activated, *COHORT) == first
    assert period_for(MONTHLY, date(2026, 1, 18), activated, *COHORT) == first
    assert period_for(MONTHLY, date(2026, 1, 19), activated, *COHORT) == Period(
        "2026-01", date(2026, 1, 19), date(2026, 2, 1)
    )
    assert period_for(MONTHLY, date(2026, 2, 3), activated, *COHORT) == Period(
        "2026-02", date(2026, 2, 1), date(2026, 3, 1)
    )


def test_first_period_across_a_month_boundary() -> None:
    activated = date(2026, 1, 25)
    assert period_for(MONTHLY, date(2026, 2, 7), activated, *COHORT) == Period(
        "first", activated, date(2026, 2, 8)
    )
    assert period_for(MONTHLY, date(2026, 2, 8), activated, *COHORT) == Period(
        "2026-02", date(2026, 2, 8), date(2026, 3, 1)
    )
    # ending exactly on a month start leaves no clipped January
    assert period_for(MONTHLY, date(2026, 2, 1), date(2026, 1, 18), *COHORT) == Period(
        "2026-02", date(2026, 2, 1), date(2026, 3, 1)
    )


@st.composite
def period_cases(draw: st.DrawFn) -> tuple[Cadence, date, date, date, date]:
    cadence = draw(cadences)
    cohort_start = draw(st.dates(date(2024, 1, 1), date(2029, 12, 31)))
    cohort_end = cohort_start + timedelta(days=draw(st.integers(30, 400)))
    activated = draw(st.dates(cohort_start, cohort_end))
    day = draw(st.dates(activated, cohort_end))
    return cadence, day, activated, cohort_start, cohort_end


@SLOW
@given(period_cases())
def test_period_properties(case: tuple[Cadence, date, date, date, date]) -> None:
    cadence, day, activated, cohort_start, cohort_end = case
    period = period_for(cadence, day, activated, cohort_start, cohort_end)
    assert day in period
    assert period.start < period.end
    first_end = activated + FIRST_PERIOD
    # A remainder of less than a week joins the first period.
    rest = regular_period(cadence, first_end, cohort_start, cohort_end)
    if rest.end - first_end < timedelta(days=7):
        first_end = rest.end
    is_first = cadence.kind is not CadenceKind.PER_COHORT and day < first_end
    assert (period.key == "first") == is_first
    if not is_first:
        regular = regular_period(cadence, day, cohort_start, cohort_end)
        assert period.key == regular.key
        assert period.end == regular.end
        assert period.start in (regular.start, first_end)
    following = day + timedelta(days=1)
    if following <= cohort_end:
        after = period_for(cadence, following, activated, cohort_start, cohort_end)
        if after == period:
            assert following in period
        else:
            assert period.end == after.start == following
            assert after.key != period.key
    # every day of the period maps back to the same period (stable key and bounds)
    for probe in (period.start, period.end - timedelta(days=1)):
        if activated <= probe <= cohort_end:
            assert period_for(cadence, probe, activated, cohort_start, cohort_end) == period


# 3. period_met


def test_a_disputed_meeting_does_not_count_a_reported_one_does() -> None:
    period = Period("2026-03", date(2026, 3, 1), date(2026, 4, 1))
    assert not period_met(MONTHLY, period, [meeting(date(2026, 3, 5), status="disputed")])
    assert period_met(MONTHLY, period, [meeting(date(2026, 3, 5), status="reported")])
    assert period_met(MONTHLY, period, [meeting(date(2026, 3, 5), status="confirmed")])
    assert not period_met(MONTHLY, period, [meeting(date(2026, 4, 1))]), "end is exclusive"
    assert not period_met(MONTHLY, period, [])


def test_minutes_cadence_sums_minutes() -> None:
    cadence = Cadence(CadenceKind.MINUTES, 120)
    period = Period("2026-03", date(2026, 3, 1), date(2026, 4, 1))
    assert not period_met(cadence, period, [meeting(date(2026, 3, 2), 119)])
    assert period_met(cadence, period, [meeting(date(2026, 3, 2), 120)])
    assert period_met(cadence, period, [meeting(date(2026, 3, 2), 60), meeting(date(2026, 3, 20))])
    assert not period_met(
        cadence, period, [meeting(date(2026, 3, 2), 60), meeting(date(2026, 3, 20), None)]
    )
    assert not period_met(
        cadence,
        period,
        [meeting(date(2026, 3, 2), 60), meeting(date(2026, 3, 20), 60, "disputed")],
    )
    # in the first two weeks any meeting is the first meeting
    first = Period("first", date(2026, 3, 1), date(2026, 3, 15))
    assert period_met(cadence, first, [meeting(date(2026, 3, 2), 30)])


def test_per_cohort_counts_meetings() -> None:
    cadence = Cadence(CadenceKind.PER_COHORT, 2)
    period = Period("cohort", date(2026, 1, 1), date(2027, 1, 1))
    one = [meeting(date(2026, 3, 2), 300)]
    assert not period_met(cadence, period, one)
    assert period_met(cadence, period, [*one, meeting(date(2026, 12, 31), 5)])
    assert not period_met(cadence, period, [*one, meeting(date(2026, 6, 1), status="disputed")])


def test_ignored_twice_looks_at_the_last_two_questions() -> None:
    def nudge(kind: NudgeKind, day: int, answered: bool, person: int = MENTOR) -> NudgeFact:
        sent = oslo(2026, 3, day)
        return NudgeFact(person, "p", kind, sent, sent + timedelta(hours=1) if answered else None)

    history = pair(oslo(2026, 1, 5))
    plan, remind = NudgeKind.PLAN, NudgeKind.REMIND
    assert not ignored_twice(replace(history, nudges=(nudge(plan, 1, False),)), MENTOR)
    two = (nudge(remind, 9, False), nudge(plan, 1, False))
    assert ignored_twice(replace(history, nudges=two), MENTOR)
    assert not ignored_twice(replace(history, nudges=two), ADEPT)
    assert not ignored_twice(replace(history, nudges=(*two, nudge(plan, 20, True))), MENTOR)
    older_answered = (nudge(plan, 1, True), nudge(remind, 9, False), nudge(plan, 20, False))
    assert ignored_twice(replace(history, nudges=older_answered), MENTOR)
    check_ins = (nudge(NudgeKind.CHECK_IN, 2, False), nudge(NudgeKind.DAY_BEFORE, 3, False))
    assert not ignored_twice(replace(history, nudges=(nudge(plan, 1, False), *check_ins)), MENTOR)


# 4. due_work over random histories


@st.composite
def scenarios(draw: st.DrawFn, *, force_pause: bool = False) -> tuple[History, Rules, datetime]:
    cadence = draw(cadences)
    cohort_start = draw(st.dates(date(2025, 1, 1), date(2027, 12, 31)))
    cohort_end = cohort_start + timedelta(days=364)
    activated_on = cohort_start + timedelta(days=draw(st.integers(0, 300)))
    activated_at = oslo(
        activated_on.year, activated_on.month, activated_on.day, draw(st.integers(0, 23))
    )
    until = datetime.combine(cohort_end, time(23, 59), tzinfo=OSLO).astimezone(UTC)
    span = int((until - activated_at).total_seconds() // 60)
    # half the time near the activation (the first period), otherwise anywhere in the cohort
    offset = draw(st.integers(0, min(span, 40 * 1440)) | st.integers(0, span))
    now = activated_at + timedelta(minutes=offset)
    rules = Rules(
        cadence=cadence,
        morning_reminder=draw(st.booleans()),
        country=draw(st.sampled_from([None, "NO", "NO"])),
    )
    today = rules.local(now).date()
    current = period_for(cadence, today, activated_on, cohort_start, cohort_end)
    last = current.end - timedelta(days=1)
    if last <= cohort_end and draw(st.integers(0, 3)) == 0:  # the check-in day
        now = max(activated_at, oslo(last.year, last.month, last.day, draw(st.integers(0, 23))))
        today = rules.local(now).date()

    def days(low: date, high: date) -> st.SearchStrategy[date]:
        return st.dates(max(low, cohort_start), min(high, cohort_end))

    meetings = draw(
        st.lists(
            st.builds(
                MeetingFact,
                st.integers(1, 10_000),
                days(today - timedelta(days=70), today + timedelta(days=3)),
                st.none() | st.integers(0, 180),
                st.sampled_from(list(MeetingStatus)),
                st.sampled_from([MENTOR, ADEPT]),
            ),
            max_size=4,
        )
    )
    plan_days = draw(
        st.lists(days(today - timedelta(days=3), today + timedelta(days=6)), max_size=3)
    )
    planned = tuple(
        PlannedFact(
            index + 1,
            planned_on,
            draw(st.none() | st.builds(time, st.integers(0, 23), st.sampled_from([0, 30]))),
            draw(st.sampled_from(list(PlanStatus))),
        )
        for index, planned_on in enumerate(plan_days)
    )
    past = draw(st.lists(days(activated_on, today), max_size=3))
    keys = [
        current.key,
        "first",
        *(period_for(cadence, d, activated_on, cohort_start, cohort_end).key for d in past),
        *(did_meet_period(p.id) for p in planned),
    ]
    people = st.sampled_from([MENTOR, ADEPT])
    nudges = []
    for _ in range(draw(st.integers(0, 6))):
        sent_at = now - timedelta(minutes=draw(st.integers(0, 60 * 1440)))
        answered = draw(st.none() | st.integers(1, 3 * 1440))
        nudges.append(
            NudgeFact(
                draw(people),
                draw(st.sampled_from(keys)),
                draw(st.sampled_from(list(NudgeKind))),
                sent_at,
                None if answered is None else sent_at + timedelta(minutes=answered),
            )
        )
    # «Did you meet?» already asked about some of the plans, as the tick records it.
    for plan in planned:
        if draw(st.booleans()):
            asked_at = now - timedelta(minutes=draw(st.integers(0, 3 * 1440)))
            nudges += [
                NudgeFact(person, did_meet_period(plan.id), NudgeKind.DID_MEET, asked_at, None)
                for person in (MENTOR, ADEPT)
            ]
    check_ins = draw(st.sets(st.tuples(people, st.sampled_from(keys)), max_size=2))
    if force_pause:
        paused_until: date | None = today + timedelta(days=draw(st.integers(0, 30)))
    else:
        paused_until = draw(
            st.one_of(
                st.none(), st.none(), days(today - timedelta(days=5), today + timedelta(days=5))
            )
        )
    history = History(
        pair_id=PAIR,
        mentor_id=MENTOR,
        adept_id=ADEPT,
        activated_at=activated_at,
        cohort_start=cohort_start,
        cohort_end=cohort_end,
        paused_until=paused_until,
        meetings=tuple(meetings),
        planned=planned,
        nudges=tuple(nudges),
        check_in_periods=frozenset(check_ins),
        reachable=frozenset(
            draw(st.sampled_from([{MENTOR, ADEPT}, {MENTOR, ADEPT}, {MENTOR}, {ADEPT}, set()]))
        ),
    )
    return history, rules, now


Scenario = tuple[History, Rules, datetime]


@SLOW
@given(scenarios())
def test_never_repeats_a_recorded_nudge(scenario: Scenario) -> None:
    history, rules, now = scenario
    due = due_work(history, rules, now)
    sent = {(n.person_id, n.period, n.kind) for n in history.nudges}
    for item in due:
        if item.kind in PER_PERSON:
            assert (item.person_id, item.period, item.kind) not in sent
            assert item.planned_id is None
        else:
            assert item.planned_id is not None
        if item.kind is NudgeKind.DID_MEET:
            assert (item.person_id, item.period, item.kind) not in sent
    per_plan = Counter((d.planned_id, d.person_id, d.kind) for d in due if d.kind in PER_PLAN)
    assert all(count == 1 for count in per_plan.values())
    assert len({d.key for d in due}) == len(due), "outbox keys are unique within a call"


@SLOW
@given(scenarios())
def test_due_is_never_early_and_never_in_quiet_hours(scenario: Scenario) -> None:
    history, rules, now = scenario
    zone = ZoneInfo(rules.timezone)
    for item in due_work(history, rules, now):
        assert item.not_before >= now
        assert item.not_before.utcoffset() == timedelta(0)
        local = item.not_before.astimezone(zone)
        assert rules.day_starts <= local.time() < rules.day_ends
        assert is_working_day(local.date(), rules.working_days, rules.country)


@SLOW
@given(scenarios(force_pause=True))
def test_nothing_for_a_paused_pair(scenario: Scenario) -> None:
    history, rules, now = scenario
    assert history.paused_until is not None
    assert history.paused_until >= rules.local(now).date()
    assert due_work(history, rules, now) == []


@SLOW
@given(scenarios())
def test_who_gets_what(scenario: Scenario) -> None:
    history, rules, now = scenario
    today = rules.local(now).date()
    due = due_work(history, rules, now)
    activated_on = rules.local(history.activated_at).date()
    period = period_for(
        rules.cadence, today, activated_on, history.cohort_start, history.cohort_end
    )
    met = period_met(rules.cadence, period, history.meetings)
    # Only a date inside the current period answers the period's question.
    upcoming = any(
        p.status is not PlanStatus.CANCELLED and today <= p.planned_on < period.end
        for p in history.planned
    )
    for item in due:
        assert item.person_id in history.reachable
        assert item.pair_id == history.pair_id
        if item.kind is NudgeKind.DID_MEET:
            # The day after a planned meeting nobody has logged yet, once per plan.
            plan = next(p for p in history.planned if p.id == item.planned_id)
            assert plan.status is not PlanStatus.CANCELLED
            assert 1 <= (today - plan.planned_on).days <= 2
            assert not any(m.held_on >= plan.planned_on for m in history.meetings)
            assert item.period == did_meet_period(plan.id)
        else:
            assert item.period == period.key
        if item.kind in NUDGES_THAT_ASK:
            assert not met and not upcoming and not just_passed(history, today)
        if item.kind is NudgeKind.REMIND:
            assert not ignored_twice(history, item.person_id)
        if item.kind is NudgeKind.CHECK_IN:
            assert not met and period.key != "first"
            assert today == period.end - timedelta(days=1)
        if item.kind is NudgeKind.MORNING_OF:
            assert rules.morning_reminder
    if history.paused_until is not None and history.paused_until >= today:
        assert due == []


# 4b. a simulated quarter in which nobody answers


def simulate(history: History, rules: Rules, days: int = 90) -> list[tuple[datetime, Due]]:
    """Ticks every three hours, one a day, recording each sent Due as an unanswered nudge."""
    zone = ZoneInfo(rules.timezone)
    sent: list[tuple[datetime, Due]] = []
    nudges: list[NudgeFact] = []
    already: set[tuple[int, date]] = set()
    now = history.activated_at
    end = now + timedelta(days=days)
    while now < end:
        candidates = due_work(replace(history, nudges=tuple(nudges)), rules, now)
        for item in one_a_day(candidates, already, {history.pair_id: rules.timezone}):
            sent.append((now, item))
            already.add((item.person_id, item.not_before.astimezone(zone).date()))
            nudges.append(NudgeFact(item.person_id, item.period, item.kind, now, None))
        now += timedelta(hours=3)
    return sent


def check_simulation(history: History, rules: Rules, days: int = 90) -> list[tuple[datetime, Due]]:
    zone = ZoneInfo(rules.timezone)
    sent = simulate(history, rules, days)
    dues = [item for _, item in sent]
    triples = Counter((d.person_id, d.period, d.kind) for d in dues)
    assert max(triples.values(), default=1) == 1, triples
    per_day = Counter((d.person_id, d.not_before.astimezone(zone).date()) for d in dues)
    assert max(per_day.values(), default=1) == 1, per_day
    for when, item in sent:
        local = item.not_before.astimezone(zone)
        assert item.not_before >= when
        assert rules.day_starts <= local.time() < rules.day_ends
        assert is_working_day(local.date(), rules.working_days, rules.country)

    activated_on = rules.local(history.activated_at).date()
    last_day = rules.local(history.activated_at + timedelta(days=days)).date() - timedelta(days=1)
    cohort = (history.cohort_start, history.cohort_end)
    for person in history.parties:
        mine = {(d.period, d.kind) for d in dues if d.person_id == person}
        if rules.cadence.kind is CadenceKind.PER_COHORT:
            assert mine == {("cohort", NudgeKind.PLAN)}
            continue
        assert ("first", NudgeKind.PLAN) in mine
        assert ("first", NudgeKind.REMIND) in mine
        later = {
            period_for(rules.cadence, activated_on + timedelta(days=n), activated_on, *cohort)
            for n in range((last_day - activated_on).days + 1)
        } - {period_for(rules.cadence, activated_on, activated_on, *cohort)}
        # they ignored two in a row: later periods get a planning nudge but no reminder
        assert not any(kind is NudgeKind.REMIND for key, kind in mine if key != "first")
        for period in later:
            remind_day = period.start + timedelta(days=int(period.length * REMIND_AT))
            if period.length >= 7 and remind_day <= last_day:
                assert (period.key, NudgeKind.PLAN) in mine, period
            if period.length >= 7 and period.end <= last_day:
                assert (period.key, NudgeKind.CHECK_IN) in mine, period
    return sent


@settings(max_examples=30, deadline=None)
@given(
    cadences,
    st.dates(date(2025, 1, 1), date(2027, 6, 30)),
    st.integers(0, 23),
)
def test_simulated_quarter_with_nobody_answering(
    cadence: Cadence, activated_on: date, hour: int
) -> None:
    history = pair(
        oslo(activated_on.year, activated_on.month, activated_on.day, hour),
        cohort=(activated_on - timedelta(days=10), activated_on + timedelta(days=355)),
    )
    check_simulation(history, Rules(cadence=cadence))


def test_simulated_quarter_monthly_sequence() -> None:
    """Activated Monday 5 January 2026: the exact messages the mentor gets."""
    history = pair(oslo(2026, 1, 5, 10))
    sent = check_simulation(history, RULES)
    mentor = [
        (d.kind.value, d.period, d.not_before.astimezone(OSLO).date().isoformat())
        for _, d in sent
        if d.person_id == MENTOR
    ]
    assert mentor == [
        ("plan", "first", "2026-01-05"),
        ("remind", "first", "2026-01-14"),
        ("plan", "2026-01", "2026-01-19"),
        # Saturday 31 January is the last day: the check-in waits for Monday
        ("check_in", "2026-01", "2026-02-02"),
        ("plan", "2026-02", "2026-02-03"),
        ("check_in", "2026-02", "2026-03-02"),  # Saturday 28 February -> Monday
        ("plan", "2026-03", "2026-03-03"),
        ("check_in", "2026-03", "2026-03-31"),
        ("plan", "2026-04", "2026-04-01"),  # the 90 days end on 5 April
    ]


def test_answering_the_plan_brings_the_reminder_back() -> None:
    history = pair(oslo(2026, 1, 5, 10))
    ignored = (
        NudgeFact(MENTOR, "first", NudgeKind.PLAN, oslo(2026, 1, 5), None),
        NudgeFact(MENTOR, "first", NudgeKind.REMIND, oslo(2026, 1, 14), None),
    )
    plan = NudgeFact(MENTOR, "2026-02", NudgeKind.PLAN, oslo(2026, 2, 2), None)
    now = oslo(2026, 2, 23, 10)
    silent = replace(history, nudges=(*ignored, plan), reachable=frozenset({MENTOR}))
    assert due_work(silent, RULES, now) == []
    answered = replace(plan, answered_at=oslo(2026, 2, 2, 15))
    back = replace(silent, nudges=(*ignored, answered))
    assert [d.kind for d in due_work(back, RULES, now)] == [NudgeKind.REMIND]


# 5. one_a_day


def due(kind: NudgeKind, when: datetime, person: int = MENTOR, pair_id: int = PAIR) -> Due:
    return Due(kind, pair_id, person, "2026-03", when)


ZONES = {PAIR: "Europe/Oslo", 8: "Europe/Oslo"}


def test_one_a_day_the_most_urgent_wins() -> None:
    plan = due(NudgeKind.PLAN, oslo(2026, 3, 3, 9))
    day_before = Due(NudgeKind.DAY_BEFORE, PAIR, MENTOR, "2026-03", oslo(2026, 3, 3, 12), 4)
    check_in = due(NudgeKind.CHECK_IN, oslo(2026, 3, 3, 9))
    assert one_a_day([plan, check_in, day_before], [], ZONES) == [day_before]
    remind = due(NudgeKind.REMIND, oslo(2026, 3, 3, 19))
    assert one_a_day([plan, remind], [], ZONES) == [remind]


def test_one_a_day_respects_days_already_messaged() -> None:
    plan = due(NudgeKind.PLAN, oslo(2026, 3, 3, 9))
    assert one_a_day([plan], [(MENTOR, date(2026, 3, 3))], ZONES) == []
    assert one_a_day([plan], [(MENTOR, date(2026, 3, 2))], ZONES) == [plan]
    assert one_a_day([plan], [(ADEPT, date(2026, 3, 3))], ZONES) == [plan]


def test_one_a_day_different_days_and_people_both_pass() -> None:
    today = due(NudgeKind.PLAN, oslo(2026, 3, 3, 19))
    tomorrow = due(NudgeKind.REMIND, oslo(2026, 3, 4, 9))
    assert sorted(one_a_day([today, tomorrow], [], ZONES), key=lambda d: d.not_before) == [
        today,
        tomorrow,
    ]
    mentor = due(NudgeKind.PLAN, oslo(2026, 3, 3, 9))
    adept = due(NudgeKind.PLAN, oslo(2026, 3, 3, 9), person=ADEPT)
    assert set(one_a_day([mentor, adept], [], ZONES)) == {mentor, adept}


def test_one_a_day_counts_across_pairs_of_the_same_person() -> None:
    first = due(NudgeKind.PLAN, oslo(2026, 3, 3, 9))
    other_pair = due(NudgeKind.REMIND, oslo(2026, 3, 3, 10), pair_id=8)
    assert one_a_day([first, other_pair], [], ZONES) == [other_pair]


def test_one_a_day_uses_the_local_day() -> None:
    # 23:30 UTC on 2 March is 00:30 on 3 March in Oslo: the same local day as 3 March 09:00
    late = due(NudgeKind.REMIND, datetime(2026, 3, 2, 23, 30, tzinfo=UTC))
    morning = due(NudgeKind.PLAN, oslo(2026, 3, 3, 9))
    assert one_a_day([late, morning], [], ZONES) == [late]


def test_one_a_day_meeting_reminders_always_pass_and_fill_the_day() -> None:
    reminder = Due(NudgeKind.DAY_BEFORE, PAIR, MENTOR, "2026-03", oslo(2026, 3, 3, 12), 4)
    morning = Due(NudgeKind.MORNING_OF, 8, MENTOR, "2026-03", oslo(2026, 3, 3, 9), 5)
    assert one_a_day([reminder], [(MENTOR, date(2026, 3, 3))], ZONES) == [reminder]
    assert one_a_day([reminder, morning], [], ZONES) == [reminder, morning]
    later = due(NudgeKind.PLAN, oslo(2026, 3, 3, 15))
    assert one_a_day([later, reminder], [], ZONES) == [reminder]


@SLOW
@given(
    st.lists(
        st.builds(
            Due,
            st.sampled_from(list(NudgeKind)),
            st.sampled_from([PAIR, 8]),
            st.sampled_from([MENTOR, ADEPT]),
            st.just("2026-03"),
            st.datetimes(datetime(2026, 3, 1), datetime(2026, 3, 10), timezones=st.just(UTC)),
            st.integers(1, 5),
        ),
        max_size=12,
    ),
    st.sets(
        st.tuples(st.sampled_from([MENTOR, ADEPT]), st.dates(date(2026, 3, 1), date(2026, 3, 11)))
    ),
)
def test_one_a_day_property(candidates: list[Due], already: set[tuple[int, date]]) -> None:
    chosen = one_a_day(candidates, already, ZONES)
    assert all(pick in candidates for pick in chosen)

    def slot(item: Due) -> tuple[int, date]:
        return (item.person_id, item.not_before.astimezone(OSLO).date())

    for place in {slot(d) for d in candidates}:
        rivals = [d for d in candidates if slot(d) == place]
        picked = [d for d in chosen if slot(d) == place]
        reminders = [d for d in rivals if d.kind in MEETING_REMINDERS]
        if reminders:
            assert sorted(picked, key=repr) == sorted(reminders, key=repr)
        elif place in already:
            assert picked == []
        else:
            assert len(picked) == 1
            assert PRIORITY[picked[0].kind] == min(PRIORITY[d.kind] for d in rivals)


# 6. daylight saving and reminders before planned meetings


def planned_pair(planned_on: date, at: time | None = time(10, 0)) -> History:
    return pair(
        oslo(2026, 1, 5, 10),
        planned=(PlannedFact(1, planned_on, at, PlanStatus.CONFIRMED),),
    )


def day_before(history: History, now: datetime, rules: Rules = RULES) -> list[Due]:
    return [d for d in due_work(history, rules, now) if d.kind is NudgeKind.DAY_BEFORE]


def test_day_before_after_the_spring_change_is_at_noon_local() -> None:
    history = planned_pair(date(2026, 3, 31))  # Tuesday, the second day of summer time
    for now in (oslo(2026, 3, 30, 0, 30), oslo(2026, 3, 30, 9), oslo(2026, 3, 30, 11, 59)):
        found = day_before(history, now)
        assert [(d.person_id, d.planned_id) for d in found] == [(MENTOR, 1), (ADEPT, 1)]
        assert {d.not_before for d in found} == {datetime(2026, 3, 30, 10, 0, tzinfo=UTC)}
        assert {d.key for d in found} == {"planned:1:day_before:1", "planned:1:day_before:2"}
    later = day_before(history, oslo(2026, 3, 30, 15))
    assert {d.not_before for d in later} == {oslo(2026, 3, 30, 15)}
    assert day_before(history, oslo(2026, 3, 29, 12)) == []  # two days before: not yet
    assert day_before(history, oslo(2026, 3, 31, 8)) == []  # the day itself: too late


def test_day_before_a_monday_meeting_is_on_the_friday() -> None:
    """ "The day before" is the last working day before the meeting.

    Monday 30 March 2026 follows the spring change on Sunday 29 March: the reminder
    goes out on Friday 27 March at noon (still winter time, 11:00 UTC).
    """
    history = planned_pair(date(2026, 3, 30))
    found = day_before(history, oslo(2026, 3, 27, 10))
    assert {d.not_before for d in found} == {datetime(2026, 3, 27, 11, 0, tzinfo=UTC)}
    assert len(found) == 2
    # not on Thursday, nor over the weekend, nor on the Monday itself
    assert day_before(history, oslo(2026, 3, 26, 12)) == []
    assert day_before(history, oslo(2026, 3, 29, 12)) == []
    assert day_before(history, oslo(2026, 3, 30, 8)) == []


@pytest.mark.parametrize(
    ("planned_on", "now"),
    [
        (date(2026, 3, 29), oslo(2026, 3, 27, 12)),  # Sunday meeting, asked on Friday
        (date(2026, 3, 30), oslo(2026, 3, 27, 12)),  # Monday meeting, asked on Friday
    ],
)
def test_day_before_reminder_arrives_before_the_meeting_day(
    planned_on: date, now: datetime
) -> None:
    found = day_before(planned_pair(planned_on), now)
    assert found, "a reminder is due"
    assert all(d.not_before.astimezone(OSLO).date() < planned_on for d in found)


def test_no_day_before_reminder_once_the_day_before_has_passed() -> None:
    # At 21:00 on Tuesday the next allowed moment is Wednesday, the meeting day itself.
    assert day_before(planned_pair(date(2026, 3, 4), time(15, 0)), oslo(2026, 3, 3, 21)) == []


def test_morning_of_only_when_turned_on_and_the_meeting_is_after_the_day_starts() -> None:
    rules = replace(RULES, morning_reminder=True)
    now = oslo(2026, 3, 4, 7)
    late = due_work(planned_pair(date(2026, 3, 4), time(15, 0)), rules, now)
    assert {(d.kind, d.not_before) for d in late} == {(NudgeKind.MORNING_OF, oslo(2026, 3, 4, 9))}
    assert due_work(planned_pair(date(2026, 3, 4), time(15, 0)), RULES, now) == []
    assert due_work(planned_pair(date(2026, 3, 4), time(9, 0)), rules, now) == []
    # Without a time we cannot be sure the morning comes before the meeting.
    assert due_work(planned_pair(date(2026, 3, 4), None), rules, now) == []


def test_morning_of_is_not_sent_after_the_meeting() -> None:
    rules = replace(RULES, morning_reminder=True)
    history = planned_pair(date(2026, 3, 4), time(10, 0))
    found = [d for d in due_work(history, rules, oslo(2026, 3, 4, 15)) if d.planned_id == 1]
    meeting_starts = oslo(2026, 3, 4, 10)
    assert all(d.not_before < meeting_starts for d in found)


# 7. «did you meet?» the day after a planned meeting


def _planned_on(day: date, status: PlanStatus = PlanStatus.CONFIRMED) -> PlannedFact:
    return PlannedFact(5, day, time(17, 0), status)


MET_IN_FEBRUARY = meeting(date(2026, 2, 10))


def test_the_day_after_a_planned_meeting_both_are_asked_whether_they_met() -> None:
    # Planned for Tuesday 3 March; nothing logged since. Before, the PLAN question came.
    history = pair(
        oslo(2026, 1, 5), meetings=(MET_IN_FEBRUARY,), planned=(_planned_on(date(2026, 3, 3)),)
    )
    due = due_work(history, RULES, oslo(2026, 3, 4, 10))
    assert [(d.kind, d.person_id, d.planned_id) for d in due] == [
        (NudgeKind.DID_MEET, MENTOR, 5),
        (NudgeKind.DID_MEET, ADEPT, 5),
    ]
    assert {d.key for d in due} == {"planned:5:did_meet:1", "planned:5:did_meet:2"}
    # On the meeting's own day there is nothing to ask yet.
    assert due_work(history, RULES, oslo(2026, 3, 3, 10)) == []


def test_did_you_meet_is_asked_once_and_only_while_nobody_has_logged_it() -> None:
    plan = _planned_on(date(2026, 3, 3))
    history = pair(oslo(2026, 1, 5), meetings=(MET_IN_FEBRUARY,), planned=(plan,))
    asked = replace(
        history,
        nudges=tuple(
            NudgeFact(p, did_meet_period(5), NudgeKind.DID_MEET, oslo(2026, 3, 4, 9), None)
            for p in (MENTOR, ADEPT)
        ),
    )
    assert due_work(asked, RULES, oslo(2026, 3, 5, 10)) == []
    logged = replace(history, meetings=(MET_IN_FEBRUARY, meeting(date(2026, 3, 3))))
    assert due_work(logged, RULES, oslo(2026, 3, 4, 10)) == []
    cancelled = replace(history, planned=(_planned_on(date(2026, 3, 3), PlanStatus.CANCELLED),))
    assert {d.kind for d in due_work(cancelled, RULES, oslo(2026, 3, 4, 10))} == {NudgeKind.PLAN}
    # Three days on the question has lapsed and the rhythm's own questions come back.
    assert {d.kind for d in due_work(asked, RULES, oslo(2026, 3, 6, 10))} == {NudgeKind.PLAN}


def test_did_you_meet_after_a_friday_meeting_goes_on_monday_morning() -> None:
    history = pair(
        oslo(2026, 1, 5), meetings=(MET_IN_FEBRUARY,), planned=(_planned_on(date(2026, 3, 6)),)
    )
    due = due_work(history, RULES, oslo(2026, 3, 7, 10))  # Saturday
    assert {d.kind for d in due} == {NudgeKind.DID_MEET}
    assert {d.not_before for d in due} == {oslo(2026, 3, 9, 9)}


def test_did_you_meet_takes_the_days_one_message_before_the_plan_question() -> None:
    asked = Due(NudgeKind.DID_MEET, PAIR, MENTOR, "plan-5", oslo(2026, 3, 4, 9), 5)
    plan = Due(NudgeKind.PLAN, 8, MENTOR, "2026-03", oslo(2026, 3, 4, 9))
    assert one_a_day([plan, asked], [], ZONES) == [asked]
    assert one_a_day([asked], [(MENTOR, date(2026, 3, 4))], ZONES) == []


# 8. public holidays are not working days


NORWAY = replace(RULES, country="NO")


def test_no_message_on_new_years_day() -> None:
    new_years_eve = oslo(2026, 12, 31, 21)
    # 1 January 2027 is a Friday: the first working day after it is Monday 4 January.
    assert NORWAY.allowed(new_years_eve) == oslo(2027, 1, 4, 9)
    assert NORWAY.allowed(oslo(2027, 1, 1, 12)) == oslo(2027, 1, 4, 9)
    assert RULES.allowed(new_years_eve) == oslo(2027, 1, 1, 9)  # no country, no holidays


def test_the_first_nudge_of_january_goes_on_the_first_working_day() -> None:
    history = pair(oslo(2026, 10, 5), meetings=(meeting(date(2026, 12, 2)),))
    due = due_work(history, NORWAY, oslo(2027, 1, 1, 0, 5))
    assert {(d.kind, d.not_before) for d in due} == {(NudgeKind.PLAN, oslo(2027, 1, 4, 9))}


def test_the_day_before_reminder_skips_a_holiday() -> None:
    # Friday 15 May 2026; Thursday 14 May is Ascension Day.
    history = planned_pair(date(2026, 5, 15))
    assert NORWAY.last_working_day_before(date(2026, 5, 15)) == date(2026, 5, 13)
    assert len(day_before(history, oslo(2026, 5, 13, 12), NORWAY)) == 2
    assert day_before(history, oslo(2026, 5, 14, 12), NORWAY) == []
    # Without the holiday calendar it would have come on the holiday.
    assert len(day_before(history, oslo(2026, 5, 14, 12))) == 2
