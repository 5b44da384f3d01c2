"""The weekly digest's figures from a known history, its texts, when it is due, how it
splits into messages, the chart file, and when a weekly note has something to say."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from bot.domain import digest as rules
from bot.domain.digest import (
    DigestAlert,
    DigestCheckIn,
    DigestInput,
    DigestMeeting,
    DigestPair,
    DigestPlan,
    FailedMessage,
    PairLine,
)
from bot.domain.gatherings import Audience, Gathering, GatheringKind, Turnout
from bot.domain.model import AlertStatus, Cohort, PairState, Programme
from bot.domain.rhythm import MeetingFact, MeetingStatus, Period, PlannedFact, PlanStatus
from bot.files import chart as charts
from bot.texts import digest as digest_texts

OSLO = ZoneInfo("Europe/Oslo")
NOW = datetime(2026, 3, 16, 8, 0, tzinfo=OSLO).astimezone(UTC)  # Monday 08:00 in Oslo
PROGRAMME = Programme(id=1, name="Global Future Oslo", timezone="Europe/Oslo", language="nb")
COHORT = Cohort(1, 1, "Spring", date(2026, 1, 1), date(2026, 6, 30))


def at(day: date, hour: int = 12) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=OSLO).astimezone(UTC)


def pair(
    pair_id: int, state: PairState, *, activated: date | None = date(2026, 1, 10), **extra: object
) -> DigestPair:
    return DigestPair(
        id=pair_id,
        state=state,
        mentor=f"M{pair_id}",
        adept=f"A{pair_id}",
        cohort_id=1,
        created_at=at(date(2026, 1, 5)),
        activated_at=at(activated) if activated else None,
        **extra,  # type: ignore[arg-type]
    )


def meeting(pair_id: int, day: date, status: MeetingStatus) -> DigestMeeting:
    return DigestMeeting(pair_id, day, status, 60)


C, R, D = MeetingStatus.CONFIRMED, MeetingStatus.REPORTED, MeetingStatus.DISPUTED

HISTORY = DigestInput(
    programme=PROGRAMME,
    cohorts=(COHORT,),
    pairs=(
        pair(1, PairState.ACTIVE),
        pair(2, PairState.ACTIVE),
        pair(3, PairState.ACTIVE),
        DigestPair(
            id=4,
            state=PairState.AWAITING_AGREEMENT,
            mentor="M4",
            adept="A4",
            cohort_id=1,
            created_at=at(date(2026, 3, 6)),
        ),
        pair(5, PairState.PAUSED, paused_until=date(2026, 3, 20)),
        pair(6, PairState.ENDED, ended_at=at(date(2026, 2, 20))),
    ),
    meetings=(
        meeting(1, date(2026, 2, 5), C),
        meeting(1, date(2026, 3, 10), C),
        meeting(2, date(2026, 3, 12), R),  # logged, not yet confirmed: counts
        meeting(2, date(2026, 3, 14), D),  # disputed: does not count
        meeting(5, date(2026, 3, 1), C),
        meeting(6, date(2026, 2, 1), C),
    ),
    check_ins=(
        DigestCheckIn(1, 4, NOW - timedelta(days=3)),
        DigestCheckIn(3, 2, NOW - timedelta(days=10)),
        DigestCheckIn(2, 5, NOW - timedelta(days=20)),
        DigestCheckIn(1, 3, NOW - timedelta(days=30)),
        DigestCheckIn(2, 3, NOW - timedelta(days=40)),
    ),
    alerts=(
        DigestAlert(7, 3, "no_meeting", AlertStatus.OPEN, at(date(2026, 2, 24))),
        DigestAlert(8, 3, "low_score", AlertStatus.TAKEN, at(date(2026, 3, 6))),
        DigestAlert(9, 1, "unanswered", AlertStatus.RESOLVED, at(date(2026, 2, 1))),
        DigestAlert(10, 6, "no_meeting", AlertStatus.OPEN, at(date(2026, 2, 1))),  # ended pair
    ),
    planned=(
        DigestPlan(1, date(2026, 3, 18), time(17, 0), PlanStatus.CONFIRMED),
        DigestPlan(2, date(2026, 3, 25), None, PlanStatus.PROPOSED),  # beyond the week
        DigestPlan(3, date(2026, 3, 17), None, PlanStatus.CANCELLED),
    ),
    failed=(
        FailedMessage("Ola", "plan"),
        FailedMessage(None, "alert"),
        FailedMessage("Ola", "remind"),
    ),
)


def test_digest_figures_from_a_known_history() -> None:
    d = rules.compute(HISTORY, NOW)
    assert d.week == "2026-W12"
    assert d.today == date(2026, 3, 16)
    assert d.by_state == {
        PairState.ACTIVE: 3,
        PairState.AWAITING_AGREEMENT: 1,
        PairState.PAUSED: 1,
        PairState.ENDED: 1,
    }
    assert (d.week_logged, d.week_confirmed) == (2, 1)
    assert d.period == Period("2026-03", date(2026, 3, 1), date(2026, 4, 1))
    assert (d.period_logged, d.period_confirmed) == (3, 2)  # 1, 10 and 12 March
    assert (d.met, d.active) == (2, 3)
    assert (d.score, d.score_before, d.score_count, d.trend) == (3.7, 3.0, 3, 0.7)
    assert d.stalled_count == 1
    [stalled] = d.stalled
    assert stalled.pair == PairLine(3, "M3", "A3")
    assert stalled.reasons == (("low_score", 8), ("no_meeting", 7))  # most urgent first
    assert d.unconfirmed == ((PairLine(4, "M4", "A4"), 10),)
    assert d.pauses_ending == ((PairLine(5, "M5", "A5"), date(2026, 3, 20)),)
    assert d.planned == ((PairLine(1, "M1", "A1"), date(2026, 3, 18), time(17, 0)),)
    assert d.cohort_end == date(2026, 6, 30)
    assert d.failed == (("Ola", 2), (None, 1))


def test_the_last_seven_days_hold_today_and_meetings_logged_late() -> None:
    today = NOW.astimezone(OSLO).date()
    data = replace(
        HISTORY,
        meetings=(
            DigestMeeting(1, today, C, 60, NOW - timedelta(hours=1)),  # held and confirmed today
            DigestMeeting(2, today - timedelta(days=12), C, 60, NOW - timedelta(days=1)),
            DigestMeeting(3, today - timedelta(days=12), C, 60, NOW - timedelta(days=8)),
        ),
    )
    d = rules.compute(data, NOW)
    assert (d.week_logged, d.week_confirmed) == (2, 2)


def test_one_cohorts_digest_counts_only_that_cohorts_pairs() -> None:
    """A region's coordinator: the region's pairs, meetings, scores, alerts, plans, the
    failed messages to its people, and its own cohort's dates; the rest is left out."""
    north = Cohort(2, 1, "Global Future Oslo – North", date(2026, 2, 1), date(2026, 5, 31))
    moved = {3: 2, 5: 2}  # pairs 3 and 5 are in the north
    data = replace(
        HISTORY,
        cohorts=(COHORT, north),
        pairs=tuple(replace(p, cohort_id=moved.get(p.id, 1)) for p in HISTORY.pairs),
        failed=(
            FailedMessage("Ola", "plan", frozenset({1})),
            FailedMessage("Siri", "remind", frozenset({2})),
            FailedMessage(None, "alert"),
        ),
    )
    whole = rules.compute(data, NOW)
    assert whole.by_state[PairState.ACTIVE] == 3 and whole.name == "Global Future Oslo"
    assert whole.failed == ((None, 1), ("Ola", 1), ("Siri", 1))

    d = rules.compute(rules.of_cohort(data, 2), NOW)
    assert d.name == "Global Future Oslo – North"  # the cohort's name says it all
    assert d.by_state == {
        PairState.ACTIVE: 1,
        PairState.AWAITING_AGREEMENT: 0,
        PairState.PAUSED: 1,
        PairState.ENDED: 0,
    }
    assert (d.week_logged, d.period_logged) == (0, 1)  # pair 5 met on 1 March
    assert (d.met, d.active) == (0, 1)
    assert (d.score, d.score_count) == (2.0, 1)
    assert [s.pair.pair_id for s in d.stalled] == [3]
    assert d.planned == () and d.unconfirmed == ()
    assert d.pauses_ending == ((PairLine(5, "M5", "A5"), date(2026, 3, 20)),)
    assert d.cohort_end == date(2026, 5, 31)
    assert d.failed == (("Siri", 1),)
    assert sum(d.chart.meetings) == 1

    south = rules.compute(rules.of_cohort(replace(data, cohorts=(COHORT,)), 1), NOW)
    assert south.name == "Global Future Oslo – Spring"
    assert south.by_state[PairState.ACTIVE] == 2 and south.stalled == ()
    assert south.failed == (("Ola", 1),)
    for language, title in (
        ("en", "Weekly digest: Global Future Oslo – Spring, week 12"),
        ("nb", "Global Future Oslo – Spring"),
    ):
        assert title in digest_texts.digest_sections(language, south)[0][0]


def gathering(
    gathering_id: int,
    starts: datetime,
    title: str,
    *,
    cohort_id: int | None = None,
    cancelled: bool = False,
) -> Gathering:
    return Gathering(
        id=gathering_id,
        programme_id=1,
        cohort_id=cohort_id,
        learning_group=None,
        audience=Audience.ALL,
        kind=GatheringKind.OTHER,
        title=title,
        place=None,
        starts_at=starts,
        cancelled=cancelled,
    )


TURNOUTS = (
    Turnout(gathering(1, at(date(2026, 3, 10), 18), "Kick-off"), 8, 5, 1),
    Turnout(gathering(2, at(date(2026, 3, 12), 17), "North dinner", cohort_id=2), 4, 2, 2),
    Turnout(gathering(3, at(date(2026, 3, 18), 18), "Mentor training", cohort_id=1), 6, 4, 0),
    Turnout(gathering(4, at(date(2026, 3, 19), 18), "Cancelled", cancelled=True), 6, 1, 0),
    Turnout(gathering(5, at(date(2026, 3, 23), 18), "Next month"), 0, 0, 0),  # beyond
    Turnout(gathering(6, at(date(2026, 3, 8), 18), "Too early"), 3, 3, 0),  # 8 days ago
    Turnout(gathering(7, at(date(2026, 3, 20), 9), "Café"), 0, 0, 0),
)


def test_gatherings_of_the_last_and_next_seven_days() -> None:
    """Gatherings of the week before and after, with the answers to the invitation;
    a region's digest keeps its own and the programme-wide ones, and the whole
    programme's says which region a region's gathering is of."""
    north = Cohort(2, 1, "Global Future Oslo – North", date(2026, 2, 1), date(2026, 5, 31))
    data = replace(HISTORY, cohorts=(COHORT, north), gatherings=TURNOUTS)
    d = rules.compute(data, NOW)
    assert [
        (g.title, g.day, g.invited, g.coming, g.not_coming, g.no_answer) for g in d.gatherings_held
    ] == [
        ("Kick-off", date(2026, 3, 10), 8, 5, 1, 2),
        ("North dinner", date(2026, 3, 12), 4, 2, 2, 0),
    ]
    assert [(g.title, g.day, g.at, g.coming) for g in d.gatherings_coming] == [
        ("Mentor training", date(2026, 3, 18), time(18, 0), 4),
        ("Café", date(2026, 3, 20), time(9, 0), 0),
    ]
    lines = "\n".join(rules.pack(digest_texts.digest_sections("en", d))).splitlines()
    at_section = lines.index("Gatherings")
    assert lines[at_section : at_section + 7] == [
        "Gatherings",
        "Last 7 days:",
        "Kick-off (Tuesday 10 March): 5 of 8 said they would come, 1 could not, 2 did not answer.",
        "North dinner, North (Thursday 12 March): 2 of 4 said they would come, 2 could not, "
        "0 did not answer.",
        "Next 7 days:",
        "Wednesday 18 March at 18:00: Mentor training, Spring. 4 of 6 say they will come.",
        "Friday 20 March at 09:00: Café. No one is invited yet.",
    ]
    norwegian = "\n".join(rules.pack(digest_texts.digest_sections("nb", d)))
    assert "Kick-off (tirsdag 10. mars): 5 av 8 sa de ville komme, 1 kunne ikke, " in norwegian
    assert "onsdag 18. mars kl. 18: Mentor training, Spring. 4 av 6 sier de kommer." in norwegian

    south = rules.compute(rules.of_cohort(data, 1), NOW)
    assert [g.title for g in south.gatherings_held] == ["Kick-off"]
    assert {g.cohort for g in (*south.gatherings_held, *south.gatherings_coming)} == {None}
    assert [g.title for g in south.gatherings_coming] == ["Mentor training", "Café"]
    north = rules.compute(rules.of_cohort(data, 2), NOW)
    assert [g.title for g in north.gatherings_held] == ["Kick-off", "North dinner"]
    assert [g.title for g in north.gatherings_coming] == ["Café"]


def test_no_gatherings_section_without_gatherings() -> None:
    quiet = replace(HISTORY, gatherings=TURNOUTS[4:6])  # one beyond the week, one before
    d = rules.compute(quiet, NOW)
    assert d.gatherings_held == () and d.gatherings_coming == ()
    text = "\n".join(rules.pack(digest_texts.digest_sections("en", d)))
    assert "Gatherings" not in text


def test_chart_figures_cover_twelve_full_weeks() -> None:
    c = rules.compute(HISTORY, NOW).chart
    assert c.week_starts[0] == date(2025, 12, 22)
    assert c.week_starts[-1] == date(2026, 3, 9)
    assert len(c.week_starts) == len(c.meetings) == len(c.on_rhythm) == 12
    by_week = dict(zip(c.week_starts, c.meetings, strict=True))
    assert by_week[date(2026, 3, 9)] == 2  # 10 and 12 March; the disputed one does not count
    assert by_week[date(2026, 2, 23)] == 1  # 1 March (a Sunday)
    assert by_week[date(2026, 2, 2)] == 1
    assert by_week[date(2026, 1, 26)] == 1  # 1 February (a Sunday)
    assert sum(c.meetings) == 5
    # Week ending 15 March: pairs 1, 2, 5 met within 45 days, pair 3 never met since
    # 10 January; pair 6 had ended and pair 4 never started.
    assert c.on_rhythm[-1] == 0.75
    assert c.on_rhythm[0] is None  # nobody was active before 10 January
    assert c.scores == (0, 1, 2, 1, 1)


def test_paused_days_keep_a_pair_on_rhythm_in_the_chart() -> None:
    # Pair 3 never met since 10 January: off rhythm in the week ending 15 March, unless
    # it was paused long enough (the same reckoning as the alerts).
    paused = replace(
        HISTORY,
        pairs=tuple(
            replace(p, pauses=((date(2026, 1, 20), date(2026, 2, 28)),)) if p.id == 3 else p
            for p in HISTORY.pairs
        ),
    )
    assert rules.compute(paused, NOW).chart.on_rhythm[-1] == 1.0


def test_the_digest_reads_as_expected_in_english() -> None:
    d = rules.compute(HISTORY, NOW)
    text = "\n".join(rules.pack(digest_texts.digest_sections("en", d, {8: "https://t.me/c/1/2"})))
    lines = text.splitlines()
    assert lines[:3] == [
        "📋 Weekly digest: Global Future Oslo, week 12",
        "Pairs: 3 active, 1 awaiting agreement, 1 paused, 1 ended.",
        "⚠️ 1 pair needs attention.",
    ]
    for expected in (
        "Last 7 days: 2 logged, 1 confirmed by both.",
        "This period (1 March – 31 March): 3 logged, 2 confirmed by both.",
        "2 of 3 active pairs have met this period (67 %).",
        "Check-in score: 3.7 of 5 in the last 4 weeks (3 answers). Up 0.7 from the 4 weeks before.",
        "#3 M3 + A3: low score, no meeting",
        "  https://t.me/c/1/2",
        "#4 M4 + A4: paired 10 days ago",
        "#5 M5 + A5: paused until Friday 20 March",
        "1 meeting planned in the next 7 days:",
        "Wednesday 18 March at 17:00: #1 M1 + A1",
        "The cohort ends Tuesday 30 June (106 days left).",
        "❗ 3 messages could not be delivered since the last digest:",
        "Ola: 2",
        "the alert group: 1",
    ):
        assert expected in lines, expected


def test_the_digest_is_in_norwegian_too() -> None:
    d = rules.compute(HISTORY, NOW)
    text = "\n".join(rules.pack(digest_texts.digest_sections("nb", d)))
    assert "uke 12" in text
    assert "3,7" in text


# when it is due


def test_due_from_monday_08_for_a_day_and_once_a_week() -> None:
    sunday = datetime(2026, 3, 15, 12, tzinfo=OSLO).astimezone(UTC)
    assert rules.due_week(PROGRAMME, NOW - timedelta(minutes=1)) is None
    assert rules.due_week(PROGRAMME, NOW) == "2026-W12"
    assert rules.due_week(PROGRAMME, NOW + timedelta(hours=23)) == "2026-W12"  # late, not never
    assert rules.due_week(PROGRAMME, NOW + timedelta(days=2)) is None
    assert rules.due_week(PROGRAMME, sunday) is None
    sent = replace(PROGRAMME, digest_week="2026-W12")
    assert rules.due_week(sent, NOW + timedelta(minutes=1)) is None
    off = replace(PROGRAMME, digest_weekday=None)
    assert rules.due_week(off, NOW) is None
    friday = replace(PROGRAMME, digest_weekday=4, digest_hour=14)
    assert rules.due_week(friday, NOW) is None
    assert rules.due_week(friday, datetime(2026, 3, 20, 14, tzinfo=OSLO)) == "2026-W12"


def test_the_next_digest_follows_due_week() -> None:
    monday_8 = NOW
    next_monday_8 = datetime(2026, 3, 23, 8, 0, tzinfo=OSLO).astimezone(UTC)
    assert rules.next_digest(PROGRAMME, NOW - timedelta(days=1)) == monday_8
    # Due and not yet queued (the tick sends it late, not never): still this one.
    assert rules.next_digest(PROGRAMME, NOW + timedelta(hours=3)) == monday_8
    sent = replace(PROGRAMME, digest_week="2026-W12")
    assert rules.next_digest(sent, NOW + timedelta(hours=3)) == next_monday_8
    assert rules.next_digest(PROGRAMME, NOW + timedelta(days=2)) == next_monday_8
    # Moved to later in a week whose digest already went: it waits a week.
    wednesday = replace(sent, digest_weekday=2, digest_hour=14)
    assert rules.next_digest(wednesday, NOW + timedelta(days=1)) == datetime(
        2026, 3, 25, 14, tzinfo=OSLO
    ).astimezone(UTC)
    # Moved before it went: this week.
    assert rules.next_digest(
        replace(PROGRAMME, digest_weekday=2, digest_hour=14), NOW + timedelta(days=1)
    ) == datetime(2026, 3, 18, 14, tzinfo=OSLO).astimezone(UTC)
    assert rules.next_digest(replace(PROGRAMME, digest_weekday=None), NOW) is None
    # Across the change to summer time the local hour stays.
    before_dst = datetime(2026, 3, 24, 12, tzinfo=OSLO).astimezone(UTC)
    assert rules.next_digest(PROGRAMME, before_dst) == datetime(
        2026, 3, 30, 8, tzinfo=OSLO
    ).astimezone(UTC)
    midnight = replace(PROGRAMME, digest_hour=0)
    assert rules.next_digest(midnight, before_dst) == datetime(
        2026, 3, 30, 0, tzinfo=OSLO
    ).astimezone(UTC)
    for moment in (NOW, NOW + timedelta(hours=5), NOW + timedelta(days=3)):
        found = rules.next_digest(PROGRAMME, moment)
        assert found is not None
        assert rules.due_week(PROGRAMME, max(found, moment)) is not None


def test_schedule_words() -> None:
    assert rules.parse_schedule("mon 08") == (0, 8)
    assert rules.parse_schedule("Friday-14") == (4, 14)
    assert rules.parse_schedule("sun 7:00") == (6, 7)
    assert rules.parse_schedule("off") == (None, 8)
    for bad in ("", "mon", "mon 24", "xyz 08", "mon eight", "mon 08 09"):
        assert rules.parse_schedule(bad) is None, bad


# splitting


def test_a_long_digest_splits_cleanly() -> None:
    many = DigestInput(
        programme=PROGRAMME,
        cohorts=(COHORT,),
        pairs=tuple(pair(i, PairState.ACTIVE) for i in range(1, 401)),
        alerts=tuple(
            DigestAlert(i, i, "no_meeting", AlertStatus.OPEN, at(date(2026, 2, 1)))
            for i in range(1, 401)
        ),
    )
    sections = digest_texts.digest_sections("en", rules.compute(many, NOW))
    parts = rules.pack(sections)
    assert len(parts) > 2
    assert all(0 < len(part) <= rules.TEXT_LIMIT for part in parts)
    wanted = [line for section in sections for line in section]
    got = [line for part in parts for line in part.split("\n") if line]
    assert got == [line for line in wanted if line]
    # A section that fits is never torn apart: the head is whole in the first message.
    assert parts[0].startswith("\n".join(sections[0]))


@given(
    st.lists(
        st.lists(st.text(alphabet="ab c", min_size=0, max_size=300), max_size=30), max_size=30
    ),
    st.integers(min_value=20, max_value=500),
)
def test_pack_keeps_every_line_in_order_within_the_limit(
    sections: list[list[str]], limit: int
) -> None:
    parts = rules.pack(sections, limit)
    assert all(len(part) <= limit for part in parts)
    joined = "".join(p.replace("\n", "").replace(" ", "") for p in parts)
    original = "".join(line.replace(" ", "") for section in sections for line in section)
    assert joined == original


# the chart


def test_the_chart_is_a_png_for_a_phone() -> None:
    d = rules.compute(HISTORY, NOW)
    payload = charts.to_payload(d.chart, "nb", digest_texts.chart_title("nb", d))
    picture = charts.render_payload(payload)
    assert picture[:8] == b"\x89PNG\r\n\x1a\n"
    assert 10_000 < len(picture) < 1_000_000
    with Image.open(io.BytesIO(picture)) as image:
        assert image.format == "PNG"
        assert image.size == (720, 1080)
    assert charts.render_payload(payload) == picture  # drawn again at a retry: the same bytes


def test_the_caption_fits_even_with_the_longest_name() -> None:
    named = replace(PROGRAMME, name="N" * 200)  # the column's limit
    d = rules.compute(DigestInput(programme=named, cohorts=(COHORT,), pairs=()), NOW)
    for language in ("nb", "en"):
        assert len(digest_texts.chart_caption(language, d)) <= rules.CAPTION_LIMIT


def test_an_empty_programme_still_draws() -> None:
    empty = DigestInput(programme=PROGRAMME, cohorts=(COHORT,), pairs=())
    d = rules.compute(empty, NOW)
    assert d.met_share is None and d.score is None
    picture = charts.render(d.chart, "en", "Empty")
    assert picture.startswith(b"\x89PNG")


def test_an_empty_chart_counts_from_zero() -> None:
    empty = rules.compute(DigestInput(programme=PROGRAMME, cohorts=(COHORT,), pairs=()), NOW)
    full = rules.compute(HISTORY, NOW)
    for d in (empty, full):
        meetings, _rhythm, scores = charts.draw(d.chart, "en", "Chart").axes
        for axes, counts in ((meetings, d.chart.meetings), (scores, d.chart.scores)):
            bottom, top = axes.get_ylim()
            assert bottom == 0
            assert max(1, *counts) <= top < max(1, *counts) * 1.5


# the weekly note

TODAY = date(2026, 3, 16)
MARCH = Period("2026-03", date(2026, 3, 1), date(2026, 4, 1))


def note(
    meetings: tuple[MeetingFact, ...] = (),
    planned: tuple[PlannedFact, ...] = (),
    state: PairState = PairState.ACTIVE,
) -> rules.WeeklyNote | None:
    return rules.weekly_note(
        state=state,
        period=MARCH,
        meetings=meetings,
        planned=planned,
        goals=("@cv", "Speak Norwegian"),
        today=TODAY,
    )


def test_no_weekly_note_when_there_is_nothing_to_say() -> None:
    assert note() is None
    old = MeetingFact(1, date(2026, 3, 2), 60, C, 1)  # met this month, but not last week
    assert note((old,)) is None
    later = PlannedFact(1, date(2026, 3, 30), None, PlanStatus.CONFIRMED)  # two weeks away
    assert note((old,), (later,)) is None
    cancelled = PlannedFact(2, date(2026, 3, 18), None, PlanStatus.CANCELLED)
    assert note(planned=(cancelled,)) is None
    disputed = MeetingFact(2, date(2026, 3, 13), 60, D, 1)
    assert note((disputed,)) is None
    soon = PlannedFact(3, date(2026, 3, 18), time(17), PlanStatus.CONFIRMED)
    assert note(planned=(soon,), state=PairState.PAUSED) is None


def test_a_weekly_note_when_there_is_news() -> None:
    recent = MeetingFact(1, date(2026, 3, 12), 60, R, 1)
    found = note((recent,))
    assert found is not None
    assert found.met_on == date(2026, 3, 12) and found.next_planned is None
    soon = PlannedFact(3, date(2026, 3, 18), time(17), PlanStatus.CONFIRMED)
    found = note(planned=(soon,))
    assert found is not None
    assert found.met_on is None and found.next_planned == soon
    assert found.goals == ("@cv", "Speak Norwegian")
