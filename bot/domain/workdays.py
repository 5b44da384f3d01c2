"""Working days: a programme's weekdays without its country's public holidays.

The calendar is the maintained `holidays` package, not a list of our own: movable feasts
(Easter, Ascension, Whit Monday) and changes to the law come with its updates. A country
is an ISO 3166-1 code («NO»); a programme without one (None) has no holidays.

The tick asks about the same few days for every pair (100,000 at most), so each country's
year is built once per process and kept as a set of dates: after that a lookup is a
dictionary hit and a set membership.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays

DEFAULT_COUNTRY = "NO"
# The languages `holidays` names holidays in, for ours; anything else gets English.
_NAME_LANGUAGE = {"nb": "no", "en": "en_US"}


def known_country(code: str) -> bool:
    """Whether `code` is a country the holiday calendar knows («NO», «SE», …)."""
    return code.isascii() and code.upper() in holidays.list_supported_countries()


@lru_cache(maxsize=1024)
def _holidays(country: str, year: int) -> frozenset[date]:
    return frozenset(_named(country, year, "en"))


@lru_cache(maxsize=256)
def _named(country: str, year: int, language: str) -> dict[date, str]:
    if not known_country(country):
        return {}
    wanted = _NAME_LANGUAGE.get(language, "en_US")
    found = holidays.country_holidays(country.upper(), years=year)
    names = found.supported_languages or ()
    calendar = (
        holidays.country_holidays(country.upper(), years=year, language=wanted)
        if wanted in names
        else found
    )
    return dict(calendar.items())


def is_holiday(day: date, country: str | None) -> bool:
    return country is not None and day in _holidays(country, day.year)


def is_working_day(day: date, working_days: frozenset[int], country: str | None) -> bool:
    # Asked for every pair in a tick: one call deep, the weekday first.
    if day.weekday() not in working_days:
        return False
    return country is None or day not in _holidays(country, day.year)


def next_holidays(
    country: str | None, today: date, language: str, count: int = 3
) -> list[tuple[date, str]]:
    """The next `count` public holidays from today on, with their names in `language`."""
    if country is None:
        return []
    found: list[tuple[date, str]] = []
    for year in (today.year, today.year + 1):
        found += sorted(
            (day, name) for day, name in _named(country, year, language).items() if day >= today
        )
    return found[:count]


def last_working_day_before(
    day: date, working_days: frozenset[int], country: str | None = None
) -> date:
    """The last working day before `day`; the day before when no day in the month before is
    one (a programme that writes on no day at all)."""
    candidate = day - timedelta(days=1)
    for _ in range(31):
        if is_working_day(candidate, working_days, country):
            return candidate
        candidate -= timedelta(days=1)
    return day - timedelta(days=1)
