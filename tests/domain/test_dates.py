"""Tests for bot.domain.dates: reading dates people type and writing them the way people say them."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from babel.dates import format_date
from hypothesis import example, given
from hypothesis import strategies as st

from bot.domain.dates import (
    DateProblem,
    ParsedDate,
    format_day,
    format_short,
    format_when,
    parse_date,
    suggested_days,
)

TUESDAY = date(2026, 11, 24)  # today in most tests
NEW_YEARS_EVE_EVE = date(2026, 12, 30)  # a Wednesday
HORIZON = 180

NB_MONTHS = [
    "januar",
    "februar",
    "mars",
    "april",
    "mai",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "desember",
]
EN_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def test_fixed_days_are_what_the_tests_assume() -> None:
    assert TUESDAY.weekday() == 1
    assert NEW_YEARS_EVE_EVE.weekday() == 2


# --- Reading: future dates (the default) ---------------------------------------------------

D = date  # short names keep the tables readable
T = time

FUTURE_CASES: list[tuple[str, date, time | None]] = [
    # numbers, day before month
    ("3.12", D(2026, 12, 3), None),
    ("3.12.", D(2026, 12, 3), None),
    ("3/12", D(2026, 12, 3), None),
    ("3-12", D(2026, 12, 3), None),
    ("03.12.2026", D(2026, 12, 3), None),
    ("3.12.26", D(2026, 12, 3), None),
    ("3/12/2026", D(2026, 12, 3), None),
    ("2026-12-03", D(2026, 12, 3), None),
    ("  3.12 ", D(2026, 12, 3), None),
    ("12.1", D(2027, 1, 12), None),
    ("24.11", D(2026, 11, 24), None),  # today
    ("1.5.2027", D(2027, 5, 1), None),
    ("den 3.12", D(2026, 12, 3), None),
    # words for days
    ("i dag", TUESDAY, None),
    ("idag", TUESDAY, None),
    ("Today", TUESDAY, None),
    ("I DAG!", TUESDAY, None),
    ("i kveld", TUESDAY, None),
    ("i morgen", D(2026, 11, 25), None),
    ("imorgen", D(2026, 11, 25), None),
    ("i morgon", D(2026, 11, 25), None),
    ("tomorrow", D(2026, 11, 25), None),
    ("Tomorrow.", D(2026, 11, 25), None),
    ("i overmorgen", D(2026, 11, 26), None),
    ("day after tomorrow", D(2026, 11, 26), None),
    ("the day after tomorrow", D(2026, 11, 26), None),
    # weekdays: the next one after today, so «tirsdag» on a Tuesday is next week
    ("tirsdag", D(2026, 12, 1), None),
    ("Tirsdag", D(2026, 12, 1), None),
    ("tysdag", D(2026, 12, 1), None),
    ("tuesday", D(2026, 12, 1), None),
    ("tue", D(2026, 12, 1), None),
    ("tir", D(2026, 12, 1), None),
    ("tir.", D(2026, 12, 1), None),
    ("neste tirsdag", D(2026, 12, 1), None),
    ("next Tuesday", D(2026, 12, 1), None),
    ("på tirsdag", D(2026, 12, 1), None),
    ("on Tuesday", D(2026, 12, 1), None),
    ("på tirsdagen", D(2026, 12, 1), None),
    ("onsdag", D(2026, 11, 25), None),
    ("wed", D(2026, 11, 25), None),
    ("mandag", D(2026, 11, 30), None),
    ("måndag", D(2026, 11, 30), None),
    ("lørdag", D(2026, 11, 28), None),
    ("laurdag", D(2026, 11, 28), None),
    ("søndag", D(2026, 11, 29), None),
    ("sundag", D(2026, 11, 29), None),
    ("fri", D(2026, 11, 27), None),
    # month names
    ("3 desember", D(2026, 12, 3), None),
    ("3. desember", D(2026, 12, 3), None),
    ("3. des", D(2026, 12, 3), None),
    ("3. des.", D(2026, 12, 3), None),
    ("3.des", D(2026, 12, 3), None),
    ("des 3", D(2026, 12, 3), None),
    ("December 3", D(2026, 12, 3), None),
    ("3 Dec", D(2026, 12, 3), None),
    ("3rd December", D(2026, 12, 3), None),
    ("the 3rd of December", D(2026, 12, 3), None),
    ("Dec 3rd", D(2026, 12, 3), None),
    ("December 3rd, 2026", D(2026, 12, 3), None),
    ("3. desember 2026", D(2026, 12, 3), None),
    ("1. mars", D(2027, 3, 1), None),
    ("1 mar", D(2027, 3, 1), None),
    ("17. mai", D(2027, 5, 17), None),
    ("May 17th", D(2027, 5, 17), None),
    ("12. jan", D(2027, 1, 12), None),
    ("2 feb", D(2027, 2, 2), None),
    ("Feb 2nd", D(2027, 2, 2), None),
    ("torsdag 3. desember", D(2026, 12, 3), None),
    ("Thursday 3 December", D(2026, 12, 3), None),
    ("tor. 3. des.", D(2026, 12, 3), None),
    # with a time
    ("tirsdag kl 17", D(2026, 12, 1), T(17)),
    ("tirsdag kl. 17", D(2026, 12, 1), T(17)),
    ("tirsdag klokka 17", D(2026, 12, 1), T(17)),
    ("tirsdag klokken 17:15", D(2026, 12, 1), T(17, 15)),
    ("tirsdag 17", D(2026, 12, 1), T(17)),
    ("tirsdag 17.30", D(2026, 12, 1), T(17, 30)),
    ("tirsdag 10.30", D(2026, 12, 1), T(10, 30)),
    ("tirsdag 1.12", D(2026, 12, 1), None),  # a real date that agrees with the weekday
    ("tirsdag 1.12 10.30", D(2026, 12, 1), T(10, 30)),
    ("i morgen 10.11", D(2026, 11, 25), T(10, 11)),  # next to words, «d.m» is a time
    ("3.12 kl. 17.30", D(2026, 12, 3), T(17, 30)),
    ("3.12 kl 8", D(2026, 12, 3), T(8)),
    ("3.12 17.30", D(2026, 12, 3), T(17, 30)),
    ("3.12. 17:30", D(2026, 12, 3), T(17, 30)),
    ("17.30 3.12", D(2026, 12, 3), T(17, 30)),
    ("kl 17 3.12", D(2026, 12, 3), T(17)),
    ("3.12, kl.17", D(2026, 12, 3), T(17)),
    ("tomorrow at 18:00", D(2026, 11, 25), T(18)),
    ("tomorrow at 6pm", D(2026, 11, 25), T(18)),
    ("at 5pm tomorrow", D(2026, 11, 25), T(17)),
    ("tomorrow 5 pm", D(2026, 11, 25), T(17)),
    ("tomorrow 5.30pm", D(2026, 11, 25), T(17, 30)),
    ("tomorrow 12 am", D(2026, 11, 25), T(0)),
    ("tomorrow 12pm", D(2026, 11, 25), T(12)),
    ("tomorrow at 9 a.m.", D(2026, 11, 25), T(9)),
    ("i morgen 18", D(2026, 11, 25), T(18)),
    ("i morgen kl. 18.", D(2026, 11, 25), T(18)),
    ("I morgen, kl 18!", D(2026, 11, 25), T(18)),
    ("i kveld kl 19", TUESDAY, T(19)),
    ("kl 8 torsdag", D(2026, 11, 26), T(8)),
    ("3. desember kl. 17", D(2026, 12, 3), T(17)),
    ("December 3 at 5:30 p.m.", D(2026, 12, 3), T(17, 30)),
    ("Dec 3rd, 2026 at 17:00", D(2026, 12, 3), T(17)),
    ("torsdag 3. desember kl. 17.30", D(2026, 12, 3), T(17, 30)),
    ("Thursday 3 December at 17:00", D(2026, 12, 3), T(17)),
    ("2026-12-03 17:00", D(2026, 12, 3), T(17)),
    ("i dag kl 00:00", TUESDAY, T(0)),
    ("i dag kl 23:59", TUESDAY, T(23, 59)),
]


@pytest.mark.parametrize(("text", "day", "at"), FUTURE_CASES)
def test_reads_future_dates(text: str, day: date, at: time | None) -> None:
    assert parse_date(text, TUESDAY) == ParsedDate(day, at)


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("3.1", D(2027, 1, 3)),
        ("3/1", D(2027, 1, 3)),
        ("3. januar", D(2027, 1, 3)),
        ("Jan 3", D(2027, 1, 3)),
        ("31.12", D(2026, 12, 31)),
        ("30.12", NEW_YEARS_EVE_EVE),
        ("i overmorgen", D(2027, 1, 1)),
        ("fredag", D(2027, 1, 1)),
        ("onsdag", D(2027, 1, 6)),
        ("3.1.27", D(2027, 1, 3)),
    ],
)
def test_around_new_year_the_next_occurrence_is_next_year(text: str, day: date) -> None:
    assert parse_date(text, NEW_YEARS_EVE_EVE) == ParsedDate(day, None)


# --- Reading: past dates («when did you meet?») --------------------------------------------

PAST_CASES: list[tuple[str, date]] = [
    ("i dag", TUESDAY),
    ("i går", D(2026, 11, 23)),
    ("igår", D(2026, 11, 23)),
    ("i gar", D(2026, 11, 23)),
    ("yesterday", D(2026, 11, 23)),
    ("i forgårs", D(2026, 11, 22)),
    ("day before yesterday", D(2026, 11, 22)),
    ("tirsdag", D(2026, 11, 17)),  # the last Tuesday before today
    ("på mandag", D(2026, 11, 23)),
    ("onsdag", D(2026, 11, 18)),
    ("forrige tirsdag", D(2026, 11, 17)),
    ("last Tuesday", D(2026, 11, 17)),
    ("sist fredag", D(2026, 11, 20)),
    ("20.11", D(2026, 11, 20)),
    ("24.11", TUESDAY),
    ("3.10", D(2026, 10, 3)),  # the latest 3 October on or before today
    ("1. juni", D(2026, 6, 1)),
    ("20. november kl 18", D(2026, 11, 20)),
]


@pytest.mark.parametrize(("text", "day"), PAST_CASES)
def test_reads_past_dates(text: str, day: date) -> None:
    result = parse_date(text, TUESDAY, allow_past=True, allow_future=False)
    assert isinstance(result, ParsedDate)
    assert result.day == day


def test_past_and_future_both_allowed_picks_the_nearest_date() -> None:
    both = {"allow_past": True, "allow_future": True}
    assert parse_date("20.11", TUESDAY, **both) == ParsedDate(D(2026, 11, 20), None)
    assert parse_date("26.11", TUESDAY, **both) == ParsedDate(D(2026, 11, 26), None)
    assert parse_date("i går", TUESDAY, **both) == ParsedDate(D(2026, 11, 23), None)
    # a bare weekday still looks ahead; «forrige» looks back
    assert parse_date("mandag", TUESDAY, **both) == ParsedDate(D(2026, 11, 30), None)
    assert parse_date("forrige mandag", TUESDAY, **both) == ParsedDate(D(2026, 11, 23), None)


def test_gives_the_time_back_with_past_dates() -> None:
    result = parse_date("i går kl 18.30", TUESDAY, allow_past=True, allow_future=False)
    assert result == ParsedDate(D(2026, 11, 23), T(18, 30))


# --- Problems ------------------------------------------------------------------------------

PROBLEM_CASES: list[tuple[str, DateProblem]] = [
    ("", DateProblem.NOT_UNDERSTOOD),
    ("   ", DateProblem.NOT_UNDERSTOOD),
    ("🎉", DateProblem.NOT_UNDERSTOOD),
    ("👍👍", DateProblem.NOT_UNDERSTOOD),
    ("hei", DateProblem.NOT_UNDERSTOOD),
    ("asdfgh", DateProblem.NOT_UNDERSTOOD),
    ("vet ikke", DateProblem.NOT_UNDERSTOOD),
    ("ikke i morgen", DateProblem.NOT_UNDERSTOOD),  # unknown words are never skipped
    ("i morgen eller torsdag", DateProblem.NOT_UNDERSTOOD),
    ("i morgen og i overmorgen", DateProblem.NOT_UNDERSTOOD),
    ("3.12 4.12", DateProblem.NOT_UNDERSTOOD),  # two dates, or a date and 04:12?
    ("3. desember 10.11", DateProblem.NOT_UNDERSTOOD),
    ("tirsdag onsdag", DateProblem.NOT_UNDERSTOOD),
    ("desember", DateProblem.NOT_UNDERSTOOD),
    ("neste", DateProblem.NOT_UNDERSTOOD),
    ("31.11", DateProblem.NOT_UNDERSTOOD),
    ("31. november", DateProblem.NOT_UNDERSTOOD),
    ("November 31", DateProblem.NOT_UNDERSTOOD),
    ("32.12", DateProblem.NOT_UNDERSTOOD),
    ("3.13", DateProblem.NOT_UNDERSTOOD),
    ("0.12", DateProblem.NOT_UNDERSTOOD),
    ("29.2.2027", DateProblem.NOT_UNDERSTOOD),
    ("2026-02-30", DateProblem.NOT_UNDERSTOOD),
    ("12/3/2026/1", DateProblem.NOT_UNDERSTOOD),
    ("3", DateProblem.NOT_UNDERSTOOD),
    ("2026", DateProblem.NOT_UNDERSTOOD),
    ("17.30", DateProblem.NOT_UNDERSTOOD),  # a time with no day
    ("kl 17", DateProblem.NOT_UNDERSTOOD),
    ("tomorrow at", DateProblem.NOT_UNDERSTOOD),
    ("3.12 17", DateProblem.NOT_UNDERSTOOD),  # a bare number after a numeric date is no hour
    ("3. desember 17", DateProblem.NOT_UNDERSTOOD),
    ("18 i morgen", DateProblem.NOT_UNDERSTOOD),
    ("i morgen 17 18", DateProblem.NOT_UNDERSTOOD),
    ("i morgen kl 17 kl 18", DateProblem.NOT_UNDERSTOOD),
    ("i morgen kl 17.5", DateProblem.NOT_UNDERSTOOD),
    ("onsdag 3.12", DateProblem.NOT_UNDERSTOOD),  # 3 December 2026 is a Thursday
    ("i morgen fredag", DateProblem.NOT_UNDERSTOOD),
    ("25:00", DateProblem.BAD_TIME),
    ("i morgen 25:00", DateProblem.BAD_TIME),
    ("i morgen kl 25", DateProblem.BAD_TIME),
    ("i morgen kl 24", DateProblem.BAD_TIME),
    ("i morgen 17:60", DateProblem.BAD_TIME),
    ("i morgen 30", DateProblem.BAD_TIME),
    ("tomorrow 13pm", DateProblem.BAD_TIME),
    ("tomorrow 0 am", DateProblem.BAD_TIME),
    ("3.12 kl. 17.75", DateProblem.BAD_TIME),
    ("i går", DateProblem.IN_THE_PAST),
    ("yesterday", DateProblem.IN_THE_PAST),
    ("forrige tirsdag", DateProblem.IN_THE_PAST),
    ("last Tuesday", DateProblem.IN_THE_PAST),
    ("23.11", DateProblem.IN_THE_PAST),  # yesterday: reads as past, not as next year
    ("20. november", DateProblem.IN_THE_PAST),
    ("1.1.2026", DateProblem.IN_THE_PAST),
    ("2020-01-01", DateProblem.IN_THE_PAST),
    ("24.5.2027", DateProblem.TOO_FAR),  # 181 days ahead
    ("1.1.2030", DateProblem.TOO_FAR),
    ("29.2", DateProblem.TOO_FAR),  # next one is 2028
    ("3.12.9999", DateProblem.TOO_FAR),
]


@pytest.mark.parametrize(("text", "problem"), PROBLEM_CASES)
def test_reports_problems(text: str, problem: DateProblem) -> None:
    assert parse_date(text, TUESDAY) == problem


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("i morgen", DateProblem.IN_THE_FUTURE),
        ("neste tirsdag", DateProblem.IN_THE_FUTURE),
        ("26.11", DateProblem.IN_THE_FUTURE),  # the day after tomorrow, not last year
        ("3.12", DateProblem.IN_THE_FUTURE),  # 3.12.2025 is beyond the horizon; 3.12.2026 is near
        ("3.12.2026", DateProblem.IN_THE_FUTURE),
        ("1.1.2026", DateProblem.TOO_FAR),  # 327 days back
        ("3.12.2025", DateProblem.TOO_FAR),
    ],
)
def test_reports_problems_with_past_dates(text: str, problem: DateProblem) -> None:
    assert parse_date(text, TUESDAY, allow_past=True, allow_future=False) == problem


def test_horizon_edges() -> None:
    edge = TUESDAY + timedelta(days=HORIZON)
    beyond = edge + timedelta(days=1)
    assert parse_date(edge.isoformat(), TUESDAY) == ParsedDate(edge, None)
    assert parse_date(beyond.isoformat(), TUESDAY) == DateProblem.TOO_FAR
    assert parse_date(beyond.isoformat(), TUESDAY, horizon_days=365) == ParsedDate(beyond, None)
    back = TUESDAY - timedelta(days=HORIZON)
    assert parse_date(back.isoformat(), TUESDAY, allow_past=True) == ParsedDate(back, None)
    too_far_back = back - timedelta(days=1)
    assert parse_date(too_far_back.isoformat(), TUESDAY, allow_past=True) == DateProblem.TOO_FAR


def test_only_today_when_neither_past_nor_future_is_allowed() -> None:
    rules = {"allow_past": False, "allow_future": False}
    assert parse_date("i dag", TUESDAY, **rules) == ParsedDate(TUESDAY, None)
    assert parse_date("i morgen", TUESDAY, **rules) == DateProblem.IN_THE_FUTURE
    assert parse_date("i går", TUESDAY, **rules) == DateProblem.IN_THE_PAST


def test_survives_the_ends_of_the_calendar() -> None:
    assert parse_date("i morgen", date.max) == DateProblem.TOO_FAR
    assert parse_date("tirsdag", date.max) == DateProblem.TOO_FAR
    assert parse_date("i går", date.min, allow_past=True) == DateProblem.TOO_FAR
    assert parse_date("3.12", date.max) == DateProblem.IN_THE_PAST  # the only one left
    assert parse_date("3.12", date.min, allow_past=True, allow_future=False) == (
        DateProblem.IN_THE_FUTURE
    )


# --- Properties ----------------------------------------------------------------------------

days_within_horizon = st.integers(min_value=-HORIZON, max_value=HORIZON).map(
    lambda offset: TUESDAY + timedelta(days=offset)
)
BOTH_WAYS = {"allow_past": True, "allow_future": True}


@given(days_within_horizon)
@example(D(2026, 12, 31))
@example(D(2027, 1, 1))
@example(D(2027, 2, 28))
def test_written_dates_read_back(day: date) -> None:
    written = [
        f"{day.day}.{day.month}.{day.year}",
        f"{day.day:02d}.{day.month:02d}.{day.year % 100:02d}",
        day.isoformat(),
        f"{day.day}/{day.month}",
        f"{day.day}.{day.month}",
        f"{day.day}. {NB_MONTHS[day.month - 1]}",
        f"{day.day}. {NB_MONTHS[day.month - 1]} {day.year}",
        f"{EN_MONTHS[day.month - 1]} {day.day}",
        f"{EN_MONTHS[day.month - 1]} {day.day}, {day.year}",
        f"{day.day} {EN_MONTHS[day.month - 1][:3]}",
    ]
    for text in written:
        assert parse_date(text, TUESDAY, **BOTH_WAYS) == ParsedDate(day, None), text


@given(days_within_horizon, st.sampled_from(["nb", "en"]))
def test_formatted_dates_read_back(day: date, language: str) -> None:
    """What the bot writes, a person can copy back: weekday and all."""
    assert parse_date(format_day(day, language), TUESDAY, **BOTH_WAYS) == ParsedDate(day, None)
    assert parse_date(format_day(day, language, TUESDAY), TUESDAY, **BOTH_WAYS) == ParsedDate(
        day, None
    )
    assert parse_date(format_short(day, language), TUESDAY, **BOTH_WAYS) == ParsedDate(day, None)


@given(
    days_within_horizon,
    st.times().map(lambda at: at.replace(second=0, microsecond=0)),
    st.sampled_from(["nb", "en"]),
)
def test_formatted_times_read_back(day: date, at: time, language: str) -> None:
    assert parse_date(format_when(day, at, language), TUESDAY, **BOTH_WAYS) == ParsedDate(day, at)


@given(st.integers(min_value=1, max_value=HORIZON), st.sampled_from(["nb", "en"]))
def test_future_weekdays_are_within_a_week(offset: int, language: str) -> None:
    day = TUESDAY + timedelta(days=offset)
    weekday = format_date(day, "EEEE", locale=language)
    result = parse_date(weekday, TUESDAY)
    assert isinstance(result, ParsedDate)
    assert result.day.weekday() == day.weekday()
    assert 1 <= (result.day - TUESDAY).days <= 7


@given(st.text())
@example("3.12.99999999999999999999")
@example("99999999999999999999.12")
@example("kl 99999999999999999999")
@example("٣.١٢")
@example("i morgen i morgen i morgen")
def test_never_raises(text: str) -> None:
    result = parse_date(text, TUESDAY)
    assert isinstance(result, ParsedDate | DateProblem)


@given(st.text(alphabet="0123456789.:/- klatpmidgnorsedfvuchwy", max_size=25), st.dates())
def test_never_raises_on_date_like_text_any_day(text: str, today: date) -> None:
    for past, future in [(False, True), (True, False), (True, True), (False, False)]:
        result = parse_date(text, today, allow_past=past, allow_future=future)
        assert isinstance(result, ParsedDate | DateProblem)


# --- Writing -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "language", "expected"),
    [
        (D(2026, 12, 1), "nb", "tirsdag 1. desember"),
        (D(2026, 12, 1), "en", "Tuesday 1 December"),
        (D(2026, 3, 3), "nb", "tirsdag 3. mars"),
        (D(2026, 5, 17), "nb", "søndag 17. mai"),
        (D(2026, 5, 17), "en", "Sunday 17 May"),
        (D(2026, 11, 28), "nb", "lørdag 28. november"),
    ],
)
def test_format_day(day: date, language: str, expected: str) -> None:
    assert format_day(day, language) == expected
    assert format_day(day, language, today=D(2026, 1, 1)) == expected


def test_format_day_adds_the_year_only_when_it_is_another_year() -> None:
    assert format_day(D(2027, 1, 1), "nb", today=TUESDAY) == "fredag 1. januar 2027"
    assert format_day(D(2027, 1, 1), "en", today=TUESDAY) == "Friday 1 January 2027"
    assert format_day(D(2025, 12, 3), "nb", today=TUESDAY) == "onsdag 3. desember 2025"
    assert format_day(D(2026, 12, 3), "nb", today=TUESDAY) == "torsdag 3. desember"


@pytest.mark.parametrize(
    ("day", "at", "language", "expected"),
    [
        (D(2026, 12, 1), T(17), "nb", "tirsdag 1. desember kl. 17"),
        (D(2026, 12, 1), T(17, 30), "nb", "tirsdag 1. desember kl. 17.30"),
        (D(2026, 12, 1), T(8, 5), "nb", "tirsdag 1. desember kl. 8.05"),
        (D(2026, 12, 1), T(0), "nb", "tirsdag 1. desember kl. 0"),
        (D(2026, 12, 1), None, "nb", "tirsdag 1. desember"),
        (D(2026, 12, 1), T(17), "en", "Tuesday 1 December at 17:00"),
        (D(2026, 12, 1), T(8, 5), "en", "Tuesday 1 December at 08:05"),
        (D(2026, 12, 1), None, "en", "Tuesday 1 December"),
    ],
)
def test_format_when(day: date, at: time | None, language: str, expected: str) -> None:
    assert format_when(day, at, language) == expected


def test_format_when_adds_the_year_only_when_it_is_another_year() -> None:
    assert format_when(D(2027, 1, 4), T(18), "nb", today=TUESDAY) == "mandag 4. januar 2027 kl. 18"
    assert (
        format_when(D(2027, 1, 4), T(18), "en", today=TUESDAY) == "Monday 4 January 2027 at 18:00"
    )


@pytest.mark.parametrize(
    ("day", "language", "expected"),
    [
        (D(2026, 12, 1), "nb", "tir. 1. des."),
        (D(2026, 12, 1), "en", "Tue 1 Dec"),
        (D(2026, 5, 17), "nb", "søn. 17. mai"),
        (D(2026, 3, 3), "nb", "tir. 3. mars"),
    ],
)
def test_format_short(day: date, language: str, expected: str) -> None:
    assert format_short(day, language) == expected


@pytest.mark.parametrize("language", ["nb", "en"])
def test_format_short_fits_a_button_every_day_of_the_year(language: str) -> None:
    for offset in range(366):
        day = D(2028, 1, 1) + timedelta(days=offset)
        assert len(format_short(day, language)) <= 20, format_short(day, language)


def test_norwegian_variants_of_the_language_code_write_norwegian() -> None:
    assert format_day(D(2026, 12, 1), "nn") == "tirsdag 1. desember"
    assert format_day(D(2026, 12, 1), "nb-NO") == "tirsdag 1. desember"


# --- Suggested days ------------------------------------------------------------------------

WEEKDAYS_ONLY = frozenset(range(5))


def test_suggested_days_are_the_next_working_days_after_today() -> None:
    assert suggested_days(TUESDAY, WEEKDAYS_ONLY) == [
        D(2026, 11, 25),
        D(2026, 11, 26),
        D(2026, 11, 27),
        D(2026, 11, 30),
    ]


def test_suggested_days_on_a_friday_skip_the_weekend() -> None:
    assert suggested_days(D(2026, 11, 27), WEEKDAYS_ONLY, count=2) == [
        D(2026, 11, 30),
        D(2026, 12, 1),
    ]


def test_suggested_days_with_few_working_days() -> None:
    tuesdays_and_thursdays = frozenset({1, 3})
    assert suggested_days(TUESDAY, tuesdays_and_thursdays, count=3) == [
        D(2026, 11, 26),
        D(2026, 12, 1),
        D(2026, 12, 3),
    ]


def test_suggested_days_with_no_working_days_is_empty() -> None:
    assert suggested_days(TUESDAY, frozenset()) == []
    assert suggested_days(TUESDAY, frozenset({7, 9})) == []
    assert suggested_days(TUESDAY, WEEKDAYS_ONLY, count=0) == []


@given(st.dates(max_value=D(9000, 1, 1)), st.frozensets(st.integers(0, 6), min_size=1))
def test_suggested_days_properties(today: date, working_days: frozenset[int]) -> None:
    days = suggested_days(today, working_days)
    assert len(days) == 4
    assert all(day > today and day.weekday() in working_days for day in days)
    assert days == sorted(set(days))
    skipped = [
        today + timedelta(days=offset)
        for offset in range(1, (days[-1] - today).days)
        if today + timedelta(days=offset) not in days
    ]
    assert all(day.weekday() not in working_days for day in skipped)


def test_suggested_days_leave_out_public_holidays() -> None:
    # Wednesday 1 April 2026: Easter comes (Thursday, Friday and Monday are holidays).
    wednesday = date(2026, 4, 1)
    weekdays = frozenset(range(5))
    assert suggested_days(wednesday, weekdays, country="NO") == [
        date(2026, 4, 7),
        date(2026, 4, 8),
        date(2026, 4, 9),
        date(2026, 4, 10),
    ]
    assert suggested_days(wednesday, weekdays)[0] == date(2026, 4, 2)
