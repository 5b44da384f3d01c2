"""How long the tick may leave an unchanged pair alone (bot/domain/quiet.py).

The property that makes skipping safe, checked against the rules themselves: at any
moment before the pair wakes (`Sleep.until`), the rules find nothing that they did not
find when the pair was seen, and the alerts that hold are the same episodes.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain import agreement
from bot.domain.policy import no_meeting_limit
from bot.domain.quiet import LONGEST, Sleep
from bot.domain.rhythm import (
    Cadence,
    CadenceKind,
    History,
    MeetingFact,
    MeetingStatus,
    NudgeFact,
    NudgeKind,
    PlannedFact,
    PlanStatus,
    Rules,
    did_meet_period,
    due_work,
)
from bot.domain.stall import Facts, stalls
from tests.domain.test_rhythm import ADEPT, MENTOR, PAIR, scenarios

ZONES = ["Europe/Oslo", "UTC", "America/New_York", "Asia/Tokyo", "Pacific/Auckland"]
PROPERTY = settings(max_examples=300, deadline=None)


@st.composite
def seen_pairs(draw: st.DrawFn) -> tuple[History, Rules, datetime, datetime, str]:
    """A pair as the tick saw it at `now`, in a programme anywhere, and its creation."""
    history, rules, now = draw(scenarios())
    working_days = draw(st.sets(st.integers(0, 6), min_size=1))
    starts = draw(st.integers(6, 11))
    rules = replace(
        rules,
        timezone=draw(st.sampled_from(ZONES)),
        working_days=frozenset(working_days),
        day_starts=time(starts, 0),
        day_ends=time(starts + draw(st.integers(4, 12)), 0),
    )
    # Meetings cannot be logged ahead of the day they are logged on.
    today = rules.local(now).date()
    history = replace(history, meetings=tuple(m for m in history.meetings if m.held_on <= today))
    # Pauses taken and over: their days do not count as days without a meeting.
    activated_on = history.activated_at.date()
    span = (today - activated_on).days
    if span > 1:
        cuts = sorted(draw(st.lists(st.integers(0, span - 1), max_size=4, unique=True)))
        pauses = tuple(
            (activated_on + timedelta(days=a), activated_on + timedelta(days=b))
            for a, b in zip(cuts[::2], cuts[1::2], strict=False)
        )
        history = replace(history, pauses=pauses)
    created_at = history.activated_at - timedelta(minutes=draw(st.integers(0, 30 * 1440)))
    state = draw(st.sampled_from(["awaiting_agreement", "active", "paused"]))
    return history, rules, now, created_at, state


def _facts(history: History, rules: Rules, created_at: datetime, state: str, at: datetime) -> Facts:
    return Facts(
        pair_id=PAIR,
        mentor_id=MENTOR,
        adept_id=ADEPT,
        state=state,
        created_at=created_at,
        today=rules.local(at).date(),
        cadence=rules.cadence,
        history=history,
        paused_until=history.paused_until,
        timezone=rules.timezone,
    )


def _until(
    history: History, rules: Rules, now: datetime, created_at: datetime, state: str
) -> datetime:
    """As the tick computes it: a rhythm history for active and paused pairs only, and
    a nudge held back whenever one was due (the most the limit can hold back)."""
    return Sleep(now, rules).until(
        created_at=created_at,
        activated_at=history.activated_at,
        history=history if state != "awaiting_agreement" else None,
        held_back=state == "active" and bool(due_work(history, rules, now)),
    )


@PROPERTY
@given(seen_pairs(), st.floats(0, 1, exclude_max=True))
def test_nothing_new_is_due_before_the_pair_wakes(
    case: tuple[History, Rules, datetime, datetime, str], fraction: float
) -> None:
    history, rules, now, created_at, state = case
    until = _until(history, rules, now, created_at, state)
    # Rounded down: `until` itself is the moment the pair wakes, not a moment it sleeps.
    later = now + timedelta(microseconds=int((until - now) // timedelta(microseconds=1) * fraction))
    assert now < until <= now + LONGEST + timedelta(days=1)

    if state == "active":  # the rhythm asks active pairs only
        assert {d.key for d in due_work(history, rules, later)} <= {
            d.key for d in due_work(history, rules, now)
        }
    episodes = {
        (s.reason, s.since) for s in stalls(_facts(history, rules, created_at, state, now), now)
    }
    assert {
        (s.reason, s.since) for s in stalls(_facts(history, rules, created_at, state, later), later)
    } == episodes
    assert agreement.reminder_due(created_at, later) == agreement.reminder_due(created_at, now)
    assert agreement.recheck_due(history.activated_at, later) == agreement.recheck_due(
        history.activated_at, now
    )
    # The weekly note goes once the programme's hours have begun on the week's first
    # working day: that cannot begin while the pair sleeps.
    first_day = min(rules.working_days)
    if rules.allowed(later) == later and rules.local(later).weekday() == first_day:
        assert rules.local(later).date() == rules.local(now).date()
        assert rules.allowed(now) == now


@PROPERTY
@given(seen_pairs(), st.integers(1, 30 * 1440))
def test_a_snooze_ending_wakes_the_pair(
    case: tuple[History, Rules, datetime, datetime, str], minutes: int
) -> None:
    history, rules, now, created_at, _state = case
    snooze_ends = now + timedelta(minutes=minutes)
    until = Sleep(now, rules).until(
        created_at=created_at,
        activated_at=history.activated_at,
        snoozed_until=[snooze_ends],
    )
    assert until <= snooze_ends


OSLO = "Europe/Oslo"
TUESDAY = datetime(2026, 3, 3, 12, 0, tzinfo=UTC)  # 13:00 in Oslo
LONG_AGO = TUESDAY - timedelta(days=400)


def met_on_monday(**fields: object) -> History:
    """A monthly pair that met on 2 March: nothing is due before the weekly note."""
    base = History(
        pair_id=PAIR,
        mentor_id=MENTOR,
        adept_id=ADEPT,
        activated_at=LONG_AGO,
        cohort_start=date(2025, 1, 1),
        cohort_end=date(2026, 12, 31),
        meetings=(MeetingFact(1, date(2026, 3, 2), 60, MeetingStatus.CONFIRMED, MENTOR),),
        reachable=frozenset({MENTOR, ADEPT}),
    )
    return replace(base, **fields)  # type: ignore[arg-type]


def sleep_of(history: History | None, **options: bool) -> datetime:
    return Sleep(TUESDAY, Rules(timezone=OSLO)).until(
        created_at=LONG_AGO,
        activated_at=LONG_AGO,
        history=history,
        **options,  # type: ignore[arg-type]
    )


def test_a_pair_that_met_sleeps_until_the_weekly_note() -> None:
    # Monday 9 March, the week's first working day, begins in Oslo.
    assert sleep_of(met_on_monday()) == datetime(2026, 3, 8, 23, 0, tzinfo=UTC)


def test_a_planned_meeting_wakes_the_pair_on_the_working_day_before_it() -> None:
    thursday = PlannedFact(1, date(2026, 3, 5), time(17, 0), PlanStatus.CONFIRMED)
    assert sleep_of(met_on_monday(planned=(thursday,))) == datetime(2026, 3, 3, 23, 0, tzinfo=UTC)


def test_a_nudge_held_back_is_tried_the_next_day() -> None:
    assert sleep_of(met_on_monday(), held_back=True) == datetime(2026, 3, 3, 23, 0, tzinfo=UTC)


def test_no_meeting_for_too_long_wakes_the_pair_the_day_it_holds() -> None:
    # Monthly: the last meeting was so long ago that Saturday 7 March is the first day
    # without one for too long (as the policy counts: 20 January, for 45 days).
    too_long = int(no_meeting_limit(Cadence(CadenceKind.MONTHLY).expected_days)) + 1
    last = date(2026, 3, 7) - timedelta(days=too_long)
    history = met_on_monday(meetings=(MeetingFact(1, last, 60, MeetingStatus.CONFIRMED, MENTOR),))
    assert sleep_of(history) == datetime(2026, 3, 6, 23, 0, tzinfo=UTC)


def test_a_pair_without_a_rhythm_sleeps_a_week_at_most() -> None:
    sunday = datetime(2026, 3, 8, 12, 0, tzinfo=UTC)
    rules = Rules(timezone=OSLO, working_days=frozenset({6}))  # the note on Sundays
    assert Sleep(sunday, rules).until(created_at=LONG_AGO, activated_at=LONG_AGO) == datetime(
        2026, 3, 14, 23, 0, tzinfo=UTC
    )
    assert timedelta(days=7) == LONGEST


def test_the_agreement_reminder_wakes_the_pair_at_its_moment() -> None:
    rules = Rules(timezone="Europe/Oslo")
    created = datetime(2026, 3, 1, 10, 30, tzinfo=UTC)
    now = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)  # three days after, two and a half hours early
    assert Sleep(now, rules).until(created_at=created, activated_at=None) == created + timedelta(
        days=3
    )


def test_on_the_weekly_note_day_the_pair_wakes_when_the_hours_begin() -> None:
    rules = Rules(timezone="Europe/Oslo")  # Monday to Friday, from 09:00
    monday_night = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)  # 00:30 on Monday in Oslo
    long_ago = monday_night - timedelta(days=400)
    assert Sleep(monday_night, rules).until(created_at=long_ago, activated_at=long_ago) == datetime(
        2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Europe/Oslo")
    )
    tuesday_night = monday_night + timedelta(days=1)
    assert Sleep(tuesday_night, rules).until(
        created_at=long_ago, activated_at=long_ago
    ) == datetime(2026, 3, 8, 23, 0, tzinfo=UTC)


def test_midnight_is_the_programmes_own() -> None:
    now = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)  # a Wednesday

    def tomorrow_in(timezone: str) -> datetime:
        # A nudge held back: the pair wakes when the next day begins where the programme is.
        return Sleep(now, Rules(timezone=timezone)).until(
            created_at=LONG_AGO, activated_at=LONG_AGO, held_back=True
        )

    assert tomorrow_in("Asia/Tokyo") == datetime(2026, 7, 1, 15, 0, tzinfo=UTC)
    assert tomorrow_in("America/New_York") == datetime(2026, 7, 2, 4, 0, tzinfo=UTC)
    assert tomorrow_in("UTC") == datetime(2026, 7, 2, 0, 0, tzinfo=UTC)


def test_a_pair_asked_whether_it_met_wakes_when_the_question_lapses() -> None:
    """Planned Monday 2 March, not logged, both asked on Tuesday: on Thursday the planning
    questions may come back, so the pair must not sleep until the weekly note."""
    monday = PlannedFact(1, date(2026, 3, 2), time(17, 0), PlanStatus.CONFIRMED)
    asked = tuple(
        NudgeFact(person, did_meet_period(1), NudgeKind.DID_MEET, TUESDAY, None)
        for person in (MENTOR, ADEPT)
    )
    history = met_on_monday(meetings=(), planned=(monday,), nudges=asked)
    assert due_work(history, Rules(timezone=OSLO), TUESDAY) == []
    thursday = datetime(2026, 3, 4, 23, 0, tzinfo=UTC)
    assert sleep_of(history) == thursday
    assert {d.kind for d in due_work(history, Rules(timezone=OSLO), thursday)} == {NudgeKind.PLAN}
