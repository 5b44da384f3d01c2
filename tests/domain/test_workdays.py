"""Working days without a country's public holidays (bot/domain/workdays.py)."""

from __future__ import annotations

from datetime import date, timedelta

from bot.domain import workdays
from bot.domain.workdays import (
    is_holiday,
    is_working_day,
    known_country,
    last_working_day_before,
    next_holidays,
)

WEEKDAYS = frozenset(range(5))


def test_norways_public_holidays_are_not_working_days() -> None:
    for holiday in (date(2027, 1, 1), date(2026, 4, 3), date(2026, 5, 1), date(2026, 5, 14)):
        assert is_holiday(holiday, "NO")
        assert not is_working_day(holiday, WEEKDAYS, "NO")
        assert is_working_day(holiday, WEEKDAYS, None)  # no country, no holidays
    assert is_working_day(date(2026, 12, 7), WEEKDAYS, "NO")
    # 6 June is Sweden's national day; 17 May Norway's.
    assert is_holiday(date(2026, 6, 6), "SE") and not is_holiday(date(2026, 6, 6), "NO")
    assert is_holiday(date(2026, 5, 17), "NO") and not is_holiday(date(2026, 5, 17), "SE")


def test_the_last_working_day_before_skips_easter() -> None:
    # Tuesday 7 April 2026: Monday, Sunday, Saturday, Friday and Thursday are days off.
    assert last_working_day_before(date(2026, 4, 7), WEEKDAYS, "NO") == date(2026, 4, 1)
    assert last_working_day_before(date(2026, 4, 7), WEEKDAYS) == date(2026, 4, 6)


def test_the_next_holidays_are_named_in_the_readers_language() -> None:
    assert next_holidays("NO", date(2026, 12, 7), "nb") == [
        (date(2026, 12, 25), "Første juledag"),
        (date(2026, 12, 26), "Andre juledag"),
        (date(2027, 1, 1), "Første nyttårsdag"),
    ]
    assert next_holidays("NO", date(2026, 12, 26), "en", count=1) == [
        (date(2026, 12, 26), "Second Day of Christmas")
    ]
    assert next_holidays(None, date(2026, 12, 7), "en") == []


def test_only_countries_the_calendar_knows() -> None:
    assert known_country("NO") and known_country("se")
    assert not known_country("XX") and not known_country("") and not known_country("Nå")


def test_a_countrys_year_is_built_once() -> None:
    """The tick asks about the same days for every pair: the calendar is not rebuilt."""
    workdays._holidays.cache_clear()
    day = date(2026, 12, 1)
    for _ in range(100_000):
        is_working_day(day, WEEKDAYS, "NO")
    for offset in range(62):
        is_working_day(day + timedelta(days=offset), WEEKDAYS, "NO")
    assert workdays._holidays.cache_info().misses == 2  # 2026 and 2027
