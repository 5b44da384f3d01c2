"""Dates the way people write and say them, in Norwegian and English.

``parse_date`` reads what someone typed («tirsdag kl 17», «3.12», «i morgen 18»,
«Dec 3rd at 5pm») relative to a `today` that the caller passes in, and returns
either a :class:`ParsedDate` or a :class:`DateProblem` the bot can explain.
Numbers are always day before month (3.12 is 3 December); only ISO dates
(2026-12-03) put the year first. Unknown words make the whole text
NOT_UNDERSTOOD rather than being skipped, so «ikke i morgen» is never read as
tomorrow.

``format_day``, ``format_when`` and ``format_short`` write dates the way people
say them: «tirsdag 1. desember kl. 17» / «Tuesday 1 December at 17:00».

Everything here is pure: no clock, no network, no current-language lookup.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Literal, NamedTuple, TypeGuard

from babel.dates import format_date, get_day_names

from bot.domain.workdays import is_working_day

__all__ = [
    "DateProblem",
    "ParsedDate",
    "format_day",
    "format_short",
    "format_when",
    "parse_date",
    "suggested_days",
]


@dataclass(frozen=True)
class ParsedDate:
    day: date
    time: dt.time | None  # None when the person gave no time


class DateProblem(StrEnum):
    NOT_UNDERSTOOD = "not_understood"
    IN_THE_PAST = "in_the_past"  # only when past dates are not allowed
    IN_THE_FUTURE = "in_the_future"  # only when future dates are not allowed
    TOO_FAR = "too_far"  # more than `horizon_days` ahead (or behind, for past dates)
    BAD_TIME = "bad_time"  # e.g. 25:00


# --- Words ---------------------------------------------------------------------------------

_MONTH_WORDS: dict[int, tuple[str, ...]] = {
    1: ("januar", "january", "jan"),
    2: ("februar", "february", "feb"),
    3: ("mars", "march", "mar"),
    4: ("april", "apr"),
    5: ("mai", "may"),
    6: ("juni", "june", "jun"),
    7: ("juli", "july", "jul"),
    8: ("august", "aug"),
    9: ("september", "sep", "sept"),
    10: ("oktober", "october", "okt", "oct"),
    11: ("november", "nov"),
    12: ("desember", "december", "des", "dec"),
}

# Bokmål, nynorsk, English; full names, the usual short forms and «-dagen».
_WEEKDAY_WORDS: dict[int, tuple[str, ...]] = {
    0: ("mandag", "måndag", "monday", "man", "mon"),
    1: ("tirsdag", "tysdag", "tuesday", "tir", "tirs", "tys", "tue", "tues"),
    2: ("onsdag", "wednesday", "ons", "wed"),
    3: ("torsdag", "thursday", "tor", "tors", "thu", "thur", "thurs"),
    4: ("fredag", "friday", "fre", "fri"),
    5: ("lørdag", "laurdag", "lordag", "saturday", "lør", "lau", "sat"),
    6: ("søndag", "sundag", "sondag", "sunday", "søn", "sun"),
}

# Days counted from today. Phrases are matched word by word, longest first.
_RELATIVE_WORDS: dict[int, tuple[str, ...]] = {
    0: ("i dag", "idag", "today", "i kveld", "ikveld", "tonight"),
    1: ("i morgen", "imorgen", "i morgon", "imorgon", "tomorrow"),
    2: ("i overmorgen", "overmorgen", "i overmorgon", "overmorgon", "day after tomorrow"),
    -1: ("i går", "igår", "i gar", "igar", "i går kveld", "yesterday", "last night"),
    -2: ("i forgårs", "forgårs", "i forgår", "day before yesterday"),
}

_FILLERS = frozenset({"på", "pa", "on", "the", "of", "den"})
_TIME_MARKERS = frozenset({"kl", "klokka", "klokken", "kloka", "at"})
_FORWARD = frozenset({"neste", "next", "kommende", "førstkommende", "coming", "this", "denne"})
_BACKWARD = frozenset({"forrige", "førre", "last", "sist"})

_MONTHS = {word: month for month, words in _MONTH_WORDS.items() for word in words}
_WEEKDAYS = {word: weekday for weekday, words in _WEEKDAY_WORDS.items() for word in words} | {
    word + "en": weekday
    for weekday, words in _WEEKDAY_WORDS.items()
    for word in words
    if word.endswith("dag")
}
_RELATIVE = {
    tuple(phrase.split()): offset
    for offset, phrases in _RELATIVE_WORDS.items()
    for phrase in phrases
}
_LONGEST_PHRASE = max(len(phrase) for phrase in _RELATIVE)


# --- Tokens --------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""
      (?P<number> \d+ (?:[./:-]\d+)* \.? ) (?: (?P<ordinal>st|nd|rd|th) (?![^\W\d_]) )?
    | (?P<meridiem> [ap]\.?m ) \.? (?![^\W\d_])
    | (?P<word> [^\W\d_]+ ) \.?
    """,
    re.VERBOSE,
)
# Anything else (spaces, commas, !, emoji) only separates tokens.

_DAY_OF_MONTH = re.compile(r"(\d{1,2})\.?")
_YEAR = re.compile(r"(\d{4})\.?")
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_DAY_MONTH_YEAR = re.compile(r"(\d{1,2})([./-])(\d{1,2})(?:\2(\d{4}|\d{2}))?(\.?)")
_TIME = re.compile(r"(\d{1,2})(?:[:.](\d{2}))?")
_BARE_HOUR = re.compile(r"\d{1,2}\.?")


class _Token(NamedTuple):
    kind: Literal["number", "meridiem", "word"]
    text: str
    ordinal: bool = False


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    for match in _TOKEN.finditer(text.casefold()):
        if match["number"] is not None:
            tokens.append(_Token("number", match["number"], match["ordinal"] is not None))
        elif match["meridiem"] is not None:
            tokens.append(_Token("meridiem", match["meridiem"].replace(".", "")))
        elif match["word"] not in _FILLERS:
            tokens.append(_Token("word", match["word"]))
    return tokens


# --- Reading the tokens --------------------------------------------------------------------


class _DayMonth(NamedTuple):
    day: int
    month: int
    year: int | None


@dataclass
class _Reading:
    """What the tokens say, before it is checked for sense and turned into a date."""

    relative: list[tuple[int, int]] = field(default_factory=list)  # (token index, offset)
    day_months: list[_DayMonth] = field(default_factory=list)
    weekdays: list[tuple[int, int, int]] = field(default_factory=list)  # (index, weekday, ±1/0)
    times: list[dt.time] = field(default_factory=list)
    maybe_dates: list[str] = field(default_factory=list)  # «3.12» or «17.30»: date or time
    bare_numbers: list[tuple[int, str]] = field(default_factory=list)  # «18» in «i morgen 18»


def _valid_day_month(day: int, month: int) -> bool:
    return 1 <= month <= 12 and 1 <= day <= calendar.monthrange(2000, month)[1]


def _day_month(day: int, month: int, year: int | None) -> _DayMonth | None:
    if not _valid_day_month(day, month):
        return None
    if year is not None:
        try:
            date(year, month, day)
        except ValueError:
            return None
    return _DayMonth(day, month, year)


def _read_time(text: str, meridiem: str | None = None) -> dt.time | DateProblem:
    match = _TIME.fullmatch(text.rstrip("."))
    if match is None:
        return DateProblem.NOT_UNDERSTOOD
    hour, minute = int(match[1]), int(match[2] or 0)
    if meridiem is not None:
        if not 1 <= hour <= 12:
            return DateProblem.BAD_TIME
        hour = hour % 12 + (12 if meridiem == "pm" else 0)
    if hour > 23 or minute > 59:
        return DateProblem.BAD_TIME
    return dt.time(hour, minute)


def _numeric_date(text: str) -> tuple[_DayMonth | None, bool] | None:
    """A date written with numbers, and whether it might be a time instead («17.30»).

    None when the text is not shaped like a date at all.
    """
    if iso := _ISO_DATE.fullmatch(text):
        return _day_month(int(iso[3]), int(iso[2]), int(iso[1])), False
    if dmy := _DAY_MONTH_YEAR.fullmatch(text):
        day, separator, month, year, final_dot = dmy.groups()
        full_year = None if year is None else int(year) + (2000 if len(year) == 2 else 0)
        maybe_time = separator == "." and year is None and not final_dot
        return _day_month(int(day), int(month), full_year), maybe_time
    return None


def _phrase_at(tokens: list[_Token], start: int) -> tuple[int, int] | None:
    """(offset in days, number of tokens) of a phrase like «i morgen» starting at `start`."""
    for length in range(_LONGEST_PHRASE, 0, -1):
        words = tokens[start : start + length]
        if len(words) == length and all(token.kind == "word" for token in words):
            offset = _RELATIVE.get(tuple(token.text for token in words))
            if offset is not None:
                return offset, length
    return None


def _token(tokens: list[_Token], index: int) -> _Token | None:
    return tokens[index] if index < len(tokens) else None


def _is_day_number(token: _Token | None) -> TypeGuard[_Token]:
    return (
        token is not None and token.kind == "number" and bool(_DAY_OF_MONTH.fullmatch(token.text))
    )


def _meridiem_at(tokens: list[_Token], index: int) -> str | None:
    token = _token(tokens, index)
    return token.text if token is not None and token.kind == "meridiem" else None


def _read(tokens: list[_Token]) -> _Reading | DateProblem:
    """Goes through the tokens once, recognising each piece; anything unknown is NOT_UNDERSTOOD."""
    reading = _Reading()
    index = 0
    while index < len(tokens):
        token = tokens[index]
        following = _token(tokens, index + 1)
        used = 1

        if (phrase := _phrase_at(tokens, index)) is not None:
            offset, used = phrase
            reading.relative.append((index, offset))

        elif token.kind == "word" and token.text in _TIME_MARKERS:
            # «kl 17», «klokka 8.30», «at 5pm»
            if following is None or following.kind != "number" or following.ordinal:
                return DateProblem.NOT_UNDERSTOOD
            meridiem = _meridiem_at(tokens, index + 2)
            at = _read_time(following.text, meridiem)
            if isinstance(at, DateProblem):
                return at
            reading.times.append(at)
            used = 3 if meridiem else 2

        elif (
            token.kind == "number"
            and not token.ordinal
            and ((meridiem := _meridiem_at(tokens, index + 1)) or ":" in token.text)
        ):
            # «5pm», «5.30 pm», «17:00»
            at = _read_time(token.text, meridiem)
            if isinstance(at, DateProblem):
                return at
            reading.times.append(at)
            used = 2 if meridiem else 1

        elif _is_day_number(token) and following is not None and following.text in _MONTHS:
            # «3. desember», «3rd December», «3 des 2027»
            day_month, used = _read_day_month(tokens, index, int(token.text.rstrip(".")), following)
            if day_month is None:
                return DateProblem.NOT_UNDERSTOOD
            reading.day_months.append(day_month)

        elif token.kind == "word" and token.text in _MONTHS and _is_day_number(following):
            # «desember 3», «Dec 3rd, 2027»
            day_month, used = _read_day_month(tokens, index, int(following.text.rstrip(".")), token)
            if day_month is None:
                return DateProblem.NOT_UNDERSTOOD
            reading.day_months.append(day_month)

        elif (
            token.kind == "number" and not token.ordinal and (numeric := _numeric_date(token.text))
        ):
            day_month, maybe_time = numeric
            if maybe_time:
                reading.maybe_dates.append(token.text)
            elif day_month is None:
                return DateProblem.NOT_UNDERSTOOD
            else:
                reading.day_months.append(day_month)

        elif token.kind == "number" and not token.ordinal and _BARE_HOUR.fullmatch(token.text):
            reading.bare_numbers.append((index, token.text))

        elif (
            token.kind == "word"
            and token.text in _FORWARD | _BACKWARD
            and following is not None
            and following.text in _WEEKDAYS
        ):
            # «neste tirsdag», «last Tuesday»
            direction = 1 if token.text in _FORWARD else -1
            reading.weekdays.append((index, _WEEKDAYS[following.text], direction))
            used = 2

        elif token.kind == "word" and token.text in _WEEKDAYS:
            reading.weekdays.append((index, _WEEKDAYS[token.text], 0))

        else:
            return DateProblem.NOT_UNDERSTOOD
        index += used
    return reading


def _read_day_month(
    tokens: list[_Token], index: int, day: int, month_word: _Token
) -> tuple[_DayMonth | None, int]:
    """«3 desember [2027]» starting at `index` (None if no such day), and the tokens used."""
    year_token = _token(tokens, index + 2)
    year_match = (
        _YEAR.fullmatch(year_token.text)
        if year_token is not None and year_token.kind == "number" and not year_token.ordinal
        else None
    )
    year = int(year_match[1]) if year_match else None
    return _day_month(day, _MONTHS[month_word.text], year), 3 if year_match else 2


def _settle(reading: _Reading) -> DateProblem | None:
    """Decides what «17.30» and a bare «18» mean, then checks there is exactly one day.

    A «d.m» next to a day said in words is a time («i morgen 10.15»); next to a date
    in numbers it is a time only when it cannot be a date («3.12 17.30», not «3.12 4.12»).
    """
    if not reading.relative and not reading.day_months:
        # With no other date, the first «d.m» that is a real date is the date: «3.12 17.30».
        for position, text in enumerate(reading.maybe_dates):
            numeric = _numeric_date(text)
            if numeric is not None and numeric[0] is not None:
                reading.day_months.append(numeric[0])
                del reading.maybe_dates[position]
                break
    if not (reading.relative or reading.day_months or reading.weekdays):
        return DateProblem.NOT_UNDERSTOOD  # no day at all, or one that does not exist («31.11»)
    for text in reading.maybe_dates:
        numeric = _numeric_date(text)
        if reading.day_months and numeric is not None and numeric[0] is not None:
            return DateProblem.NOT_UNDERSTOOD  # «3.12 4.12»: two dates, or a date and 04:12?
        at = _read_time(text)
        if isinstance(at, DateProblem):
            return at
        reading.times.append(at)

    if reading.bare_numbers:
        # A bare number is an hour only after a date said in words: «i morgen 18», «tirsdag 17».
        word_dates = [index for index, _ in reading.relative] + [
            index for index, _, _ in reading.weekdays
        ]
        (first_bare, text), *more = reading.bare_numbers
        if more or reading.day_months or not word_dates or first_bare < min(word_dates):
            return DateProblem.NOT_UNDERSTOOD
        at = _read_time(text)
        if isinstance(at, DateProblem):
            return at
        reading.times.append(at)

    dates = len(reading.relative) + len(reading.day_months)
    if len(reading.times) > 1 or len(reading.weekdays) > 1 or dates > 1:
        return DateProblem.NOT_UNDERSTOOD
    return None


# --- Turning it into a day -----------------------------------------------------------------


def _occurrence(
    day_month: _DayMonth,
    today: date,
    *,
    allow_past: bool,
    allow_future: bool,
    horizon_days: int,
) -> date:
    """The year for a day and month given without one.

    The next occurrence when only the future is allowed, the latest one when only the
    past is, the nearest when both are. If that is beyond the horizon but another
    occurrence is within it, the nearer one is used, so «20.11» typed on 24 November
    reads as last week (and is reported as in the past) rather than next year.
    """
    candidates: list[date] = []
    for year in range(max(today.year - 8, dt.MINYEAR), min(today.year + 8, dt.MAXYEAR) + 1):
        try:
            candidates.append(date(year, day_month.month, day_month.day))
        except ValueError:
            continue  # 29 February in a common year

    def distance(candidate: date) -> tuple[int, bool]:
        return abs((candidate - today).days), candidate < today

    nearest = min(candidates, key=distance)
    ahead = [candidate for candidate in candidates if candidate >= today]
    behind = [candidate for candidate in candidates if candidate <= today]
    if allow_future and not allow_past and ahead:
        preferred = min(ahead)
    elif allow_past and not allow_future and behind:
        preferred = max(behind)
    else:
        preferred = nearest
    if distance(preferred)[0] > horizon_days >= distance(nearest)[0]:
        return nearest
    return preferred


def _next_weekday(today: date, weekday: int, direction: int) -> date:
    """The first such weekday after today (direction 1) or before it (direction -1)."""
    if direction > 0:
        return today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)
    return today - timedelta(days=(today.weekday() - weekday - 1) % 7 + 1)


def _resolve_day(
    reading: _Reading,
    today: date,
    *,
    allow_past: bool,
    allow_future: bool,
    horizon_days: int,
) -> date | DateProblem:
    if reading.relative:
        day = today + timedelta(days=reading.relative[0][1])
    elif reading.day_months:
        day_month = reading.day_months[0]
        if day_month.year is not None:
            day = date(day_month.year, day_month.month, day_month.day)
        else:
            day = _occurrence(
                day_month,
                today,
                allow_past=allow_past,
                allow_future=allow_future,
                horizon_days=horizon_days,
            )
    else:
        _, weekday, direction = reading.weekdays[0]
        if direction == 0:
            direction = -1 if allow_past and not allow_future else 1
        return _next_weekday(today, weekday, direction)

    # A weekday next to a date must agree with it: «tirsdag 1.12», not «onsdag 1.12».
    if reading.weekdays and reading.weekdays[0][1] != day.weekday():
        return DateProblem.NOT_UNDERSTOOD
    return day


def parse_date(
    text: str,
    today: date,
    *,
    allow_past: bool = False,
    allow_future: bool = True,
    horizon_days: int = 180,
) -> ParsedDate | DateProblem:
    """Reads a day, and maybe a time, from what someone typed.

    `today` is the date in the programme's time zone. Today itself is always allowed;
    the time of day is not compared with the clock. Days more than `horizon_days`
    from today either way are TOO_FAR. A bad time (25:00) is reported as BAD_TIME even
    when the rest is fine; a time with no day is NOT_UNDERSTOOD.
    """
    reading = _read(_tokenize(text))
    if isinstance(reading, DateProblem):
        return reading
    if (problem := _settle(reading)) is not None:
        return problem
    try:
        day = _resolve_day(
            reading,
            today,
            allow_past=allow_past,
            allow_future=allow_future,
            horizon_days=horizon_days,
        )
    except OverflowError:  # beyond year 9999 or before year 1
        return DateProblem.TOO_FAR
    if isinstance(day, DateProblem):
        return day
    if day < today and not allow_past:
        return DateProblem.IN_THE_PAST
    if day > today and not allow_future:
        return DateProblem.IN_THE_FUTURE
    if abs((day - today).days) > horizon_days:
        return DateProblem.TOO_FAR
    return ParsedDate(day, reading.times[0] if reading.times else None)


# --- Writing dates -------------------------------------------------------------------------


def _is_norwegian(language: str) -> bool:
    return language.replace("_", "-").split("-")[0].lower() in {"nb", "nn", "no"}


def format_day(day: date, language: str, today: date | None = None) -> str:
    """«tirsdag 1. desember» / «Tuesday 1 December»; the year is added when `today`
    is given and falls in another year: «fredag 1. januar 2027»."""
    norwegian = _is_norwegian(language)
    pattern = "EEEE d. MMMM" if norwegian else "EEEE d MMMM"
    if today is not None and day.year != today.year:
        pattern += " y"
    return format_date(day, pattern, locale="nb" if norwegian else "en")


def format_when(day: date, at: dt.time | None, language: str, today: date | None = None) -> str:
    """«tirsdag 1. desember kl. 17» (minutes only when not zero: «kl. 17.30») /
    «Tuesday 1 December at 17:00». Without a time, the same as :func:`format_day`."""
    written = format_day(day, language, today)
    if at is None:
        return written
    if _is_norwegian(language):
        return f"{written} kl. {format_time(at, language)}"
    return f"{written} at {format_time(at, language)}"


def format_time(at: dt.time, language: str) -> str:
    """«17», «17.30» (after «kl.») / «17:00»."""
    if _is_norwegian(language):
        return f"{at.hour}" if at.minute == 0 else f"{at.hour}.{at.minute:02d}"
    return f"{at.hour:02d}:{at.minute:02d}"


def format_full_date(day: date, language: str) -> str:
    """«3. mars 2026» / «3 March 2026»: a date far from today, such as a cohort's end."""
    if _is_norwegian(language):
        return format_date(day, "d. MMMM y", locale="nb")
    return format_date(day, "d MMMM y", locale="en")


def format_short(day: date, language: str) -> str:
    """For buttons, at most 20 characters: «tir. 1. des.» / «Tue 1 Dec»."""
    if _is_norwegian(language):
        return format_date(day, "EEE d. MMM", locale="nb")
    return format_date(day, "EEE d MMM", locale="en")


def suggested_days(
    today: date, working_days: frozenset[int], count: int = 4, *, country: str | None = None
) -> list[date]:
    """The next `count` days after today that fall on `working_days` (0 = Monday … 6 =
    Sunday) and are no public holiday of `country`."""
    if not working_days & frozenset(range(7)):
        return []
    days: list[date] = []
    day = today
    while len(days) < count:
        day += timedelta(days=1)
        if is_working_day(day, working_days, country):
            days.append(day)
    return days


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later, or the month's last day when it is shorter."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def weekday_name(weekday: int, language: str, *, short: bool = False) -> str:
    """«mandag» / «Monday» (0 is Monday); short: «man.» / «Mon»."""
    locale = "nb" if _is_norwegian(language) else "en"
    return str(get_day_names("abbreviated" if short else "wide", locale=locale)[weekday])
