"""Tests for bot.domain.schedule.next_allowed_time: quiet hours on local wall-clock time."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from bot.domain.schedule import next_allowed_time, waits_until

OSLO = ZoneInfo("Europe/Oslo")
DAY_STARTS = time(9, 0)
DAY_ENDS = time(20, 0)


def oslo(year: int, month: int, day: int, hour: int, minute: int = 0, fold: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=OSLO, fold=fold)


def test_inside_window_is_unchanged() -> None:
    moment = oslo(2026, 3, 3, 10, 17)
    result = next_allowed_time(moment, "Europe/Oslo")
    assert result == moment
    assert result.utcoffset() == timedelta(0), "the result is in UTC"


@pytest.mark.parametrize(("hour", "minute"), [(9, 0), (12, 0), (19, 59)])
def test_window_edges_inside(hour: int, minute: int) -> None:
    moment = oslo(2026, 3, 3, hour, minute)
    assert next_allowed_time(moment, "Europe/Oslo") == moment


def test_last_microsecond_before_closing_is_inside() -> None:
    moment = datetime(2026, 3, 3, 19, 59, 59, 999_999, tzinfo=OSLO)
    assert next_allowed_time(moment, "Europe/Oslo") == moment


@pytest.mark.parametrize(("hour", "minute"), [(0, 0), (3, 30), (8, 59)])
def test_before_nine_waits_until_nine_same_day(hour: int, minute: int) -> None:
    result = next_allowed_time(oslo(2026, 3, 3, hour, minute), "Europe/Oslo")
    assert result == oslo(2026, 3, 3, 9)
    assert result == datetime(2026, 3, 3, 8, 0, tzinfo=UTC)  # CET is UTC+1


@pytest.mark.parametrize(("hour", "minute"), [(20, 0), (20, 1), (23, 59)])
def test_from_eight_pm_waits_until_nine_next_day(hour: int, minute: int) -> None:
    result = next_allowed_time(oslo(2026, 3, 3, hour, minute), "Europe/Oslo")
    assert result == oslo(2026, 3, 4, 9)


def test_exactly_eight_pm_is_quiet() -> None:
    assert next_allowed_time(oslo(2026, 6, 30, 20), "Europe/Oslo") == oslo(2026, 7, 1, 9)


def test_input_in_utc_is_judged_in_the_programme_zone() -> None:
    # 07:30 UTC is 08:30 in Oslo in winter (quiet) but 13:00 in Kolkata (allowed).
    moment = datetime(2026, 1, 15, 7, 30, tzinfo=UTC)
    assert next_allowed_time(moment, "Europe/Oslo") == datetime(2026, 1, 15, 8, 0, tzinfo=UTC)
    assert next_allowed_time(moment, "Asia/Kolkata") == moment


def test_evening_rolls_over_month_and_year() -> None:
    assert next_allowed_time(oslo(2026, 12, 31, 21), "Europe/Oslo") == oslo(2027, 1, 1, 9)


def test_custom_window() -> None:
    moment = oslo(2026, 3, 3, 7, 30)
    result = next_allowed_time(moment, "Europe/Oslo", day_starts=time(7), day_ends=time(22))
    assert result == moment
    late = next_allowed_time(
        oslo(2026, 3, 3, 22), "Europe/Oslo", day_starts=time(7), day_ends=time(22)
    )
    assert late == oslo(2026, 3, 4, 7)


# Daylight-saving changes in Oslo: 2026-03-29 02:00 → 03:00, 2026-10-25 03:00 → 02:00.


@pytest.mark.parametrize(
    "moment",
    [
        oslo(2026, 3, 28, 20),  # evening before the change, CET
        oslo(2026, 3, 28, 23, 30),
        oslo(2026, 3, 29, 1, 30),  # before the gap, CET
        oslo(2026, 3, 29, 3, 30),  # after the gap, CEST
        datetime(2026, 3, 29, 0, 59, tzinfo=UTC),
        datetime(2026, 3, 29, 1, 0, tzinfo=UTC),
    ],
)
def test_spring_forward_day_starts_at_nine_summer_time(moment: datetime) -> None:
    result = next_allowed_time(moment, "Europe/Oslo")
    assert result == datetime(2026, 3, 29, 7, 0, tzinfo=UTC)  # 09:00 CEST
    assert result.astimezone(OSLO).time() == DAY_STARTS


def test_spring_forward_evening_starts_next_day_at_nine() -> None:
    result = next_allowed_time(oslo(2026, 3, 29, 20), "Europe/Oslo")
    assert result == datetime(2026, 3, 30, 7, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "moment",
    [
        oslo(2026, 10, 24, 20),  # evening before the change, CEST
        oslo(2026, 10, 25, 2, 30, fold=0),  # first 02:30, CEST
        oslo(2026, 10, 25, 2, 30, fold=1),  # second 02:30, CET
        datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
        datetime(2026, 10, 25, 1, 30, tzinfo=UTC),
        oslo(2026, 10, 25, 8, 59),
    ],
)
def test_fall_back_day_starts_at_nine_winter_time(moment: datetime) -> None:
    result = next_allowed_time(moment, "Europe/Oslo")
    assert result == datetime(2026, 10, 25, 8, 0, tzinfo=UTC)  # 09:00 CET
    assert result.astimezone(OSLO).time() == DAY_STARTS


def test_fall_back_evening_starts_next_day_at_nine() -> None:
    result = next_allowed_time(oslo(2026, 10, 25, 20), "Europe/Oslo")
    assert result == datetime(2026, 10, 26, 8, 0, tzinfo=UTC)


def test_unknown_zone_raises() -> None:
    with pytest.raises(ZoneInfoNotFoundError):
        next_allowed_time(datetime(2026, 3, 3, tzinfo=UTC), "Nowhere/Town")


ZONES = ["Europe/Oslo", "America/New_York", "Asia/Kolkata", "UTC"]


@given(
    moment=st.datetimes(
        min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 31), timezones=st.just(UTC)
    ),
    zone=st.sampled_from(ZONES),
)
@example(moment=datetime(2026, 3, 8, 6, 59, tzinfo=UTC), zone="America/New_York")
@example(moment=datetime(2026, 11, 1, 0, 0, tzinfo=UTC), zone="America/New_York")
@example(moment=datetime(2026, 3, 28, 19, 0, tzinfo=UTC), zone="Europe/Oslo")
@example(moment=datetime(2026, 10, 24, 18, 0, tzinfo=UTC), zone="Europe/Oslo")
@example(moment=datetime(2026, 1, 1, 14, 30, tzinfo=UTC), zone="Asia/Kolkata")
def test_result_is_the_next_allowed_instant(moment: datetime, zone: str) -> None:
    result = next_allowed_time(moment, zone)
    local = result.astimezone(ZoneInfo(zone)).time()
    assert result.utcoffset() == timedelta(0)
    assert result >= moment
    assert DAY_STARTS <= local < DAY_ENDS
    assert result - moment < timedelta(hours=25)
    input_allowed = DAY_STARTS <= moment.astimezone(ZoneInfo(zone)).time() < DAY_ENDS
    if input_allowed:
        assert result == moment
    else:
        # Nothing earlier could do: the answer is the start of a day.
        assert local == DAY_STARTS
        assert result - moment <= timedelta(hours=14)


WORKING_DAYS = frozenset(range(5))


@pytest.mark.parametrize(
    ("moment", "goes"),
    [
        (oslo(2026, 3, 3, 10, 17), None),  # Tuesday morning: at once
        (oslo(2026, 3, 3, 20, 14), oslo(2026, 3, 4, 9)),  # Tuesday evening: Wednesday 09:00
        (oslo(2026, 3, 6, 20, 14), oslo(2026, 3, 9, 9)),  # Friday evening: Monday 09:00
        (oslo(2026, 3, 7, 12), oslo(2026, 3, 9, 9)),  # Saturday noon: Monday
        (oslo(2026, 3, 3, 8, 59), oslo(2026, 3, 3, 9)),  # before the day starts
        (oslo(2026, 3, 3, 9), None),  # the first minute of the day
    ],
)
def test_waits_until_says_when_a_message_queued_now_goes(
    moment: datetime, goes: datetime | None
) -> None:
    result = waits_until(moment, "Europe/Oslo", working_days=WORKING_DAYS)
    assert result == (None if goes is None else goes.astimezone(UTC))


@given(st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31)))
def test_waits_until_agrees_with_the_allowed_time(naive: datetime) -> None:
    moment = naive.replace(tzinfo=UTC)
    allowed = next_allowed_time(moment, "Europe/Oslo", working_days=WORKING_DAYS)
    waits = waits_until(moment, "Europe/Oslo", working_days=WORKING_DAYS)
    assert (waits is None) == (allowed == moment)
    assert waits is None or waits == allowed
