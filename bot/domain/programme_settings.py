"""A programme's settings as a coordinator writes them, read the same way for the command
line (`mentorbot program set`) and the chat (/programme). Plain functions, no I/O.

`values(setting, text)` turns one setting in its written form («monthly», «09-20»,
«wed 14», «on») into the programme columns it sets, or None when it cannot be read;
`read_number` reads a number a coordinator typed («120», «120 min»).
"""

from __future__ import annotations

import re
from datetime import time
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.domain.digest import WEEKDAYS, parse_schedule
from bot.domain.model import SUPPORTED_LANGUAGES
from bot.domain.policy import MAX_PROGRAMME_NAME
from bot.domain.programmes import RoleLabels, parse_outcomes
from bot.domain.rhythm import Cadence, CadenceKind
from bot.domain.workdays import known_country


class Setting(StrEnum):
    NAME = "name"
    TIMEZONE = "timezone"
    LANGUAGE = "language"
    CADENCE = "cadence"
    HOURS = "hours"
    WORKING_DAYS = "working_days"
    MORNING_REMINDER = "morning_reminder"
    ROLE_LABELS = "role_labels"
    OUTCOMES = "outcomes"
    DIGEST = "digest"
    COUNTRY = "country"  # whose public holidays are days off


# What a coordinator may change from a phone, with buttons; the rest (the name, the
# time zone, role words, outcomes) changes seldom and stays on the command line.
IN_CHAT = frozenset(
    {
        Setting.CADENCE,
        Setting.HOURS,
        Setting.WORKING_DAYS,
        Setting.MORNING_REMINDER,
        Setting.LANGUAGE,
        Setting.DIGEST,
        Setting.COUNTRY,
    }
)

# The choices offered as buttons, in their written form (the same words the CLI takes).
CADENCE_CHOICES = (
    CadenceKind.MONTHLY.value,
    CadenceKind.TWICE_MONTHLY.value,
    CadenceKind.EVERY_OTHER_MONTH.value,
)
TYPED_CADENCES = (CadenceKind.MINUTES, CadenceKind.PER_COHORT)  # the number is typed
HOURS_CHOICES = ("09-20", "08-21", "10-18", "09-16")
WORKING_DAYS_CHOICES = ("mon-fri", "mon-sat", "mon-sun")
DIGEST_HOURS = (7, 8, 9, 10, 12, 14, 16)
ON_OFF = ("on", "off")
# Countries offered as buttons (any the holiday calendar knows is taken when typed on the
# command line): Norway first, then its neighbours.
COUNTRY_CHOICES = ("no", "se", "dk", "fi")

_NUMBER = re.compile(r"(\d{1,6})(?:\s*[^\W\d_][\w. ]*)?", re.UNICODE)


def values(setting: Setting, text: str) -> dict[str, object] | None:
    """The programme columns `text` sets for `setting`; None when it cannot be read."""
    readers = {
        Setting.NAME: _name,
        Setting.TIMEZONE: _timezone,
        Setting.LANGUAGE: _language,
        Setting.CADENCE: _cadence,
        Setting.HOURS: _hours,
        Setting.WORKING_DAYS: _working_days,
        Setting.MORNING_REMINDER: _on_off,
        Setting.ROLE_LABELS: _role_labels,
        Setting.OUTCOMES: _outcomes,
        Setting.DIGEST: _digest,
        Setting.COUNTRY: _country,
    }
    return readers[setting](text)


def read_number(text: str) -> int | None:
    """A whole number typed on a phone: «120», « 120 », «120 min», «2 møter»; None for
    anything else («1,5», «-2», «a hundred»)."""
    found = _NUMBER.fullmatch(text.strip())
    return int(found.group(1)) if found else None


def typed_cadence(kind: CadenceKind, text: str) -> Cadence | None:
    """Minutes a month or meetings per cohort from a typed number, within the cadence's
    own limits (`Cadence.parse`); None when it cannot be read."""
    number = read_number(text)
    if kind not in TYPED_CADENCES or number is None:
        return None
    return Cadence.parse(f"{kind.value}:{number}")


def hours_text(day_starts: time, day_ends: time) -> str:
    """The written form of a window, as `values(Setting.HOURS, …)` reads it: «09-20»."""
    end = 24 if day_ends == time(23, 59) else day_ends.hour
    return f"{day_starts.hour:02d}-{end:02d}"


# readers


def _name(text: str) -> dict[str, object] | None:
    name = " ".join(text.split())
    return {"name": name} if 0 < len(name) <= MAX_PROGRAMME_NAME else None


def _timezone(text: str) -> dict[str, object] | None:
    zone = text.strip()
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return {"timezone": zone}


def _language(text: str) -> dict[str, object] | None:
    language = text.strip().lower()
    return {"language": language} if language in SUPPORTED_LANGUAGES else None


def _cadence(text: str) -> dict[str, object] | None:
    cadence = Cadence.parse(text)
    return None if cadence is None else {"cadence": str(cadence)}


def _hours(text: str) -> dict[str, object] | None:
    parts = text.strip().replace(":00", "").split("-")
    if len(parts) != 2 or not all(p.strip().isascii() and p.strip().isdigit() for p in parts):
        return None
    first, last = (int(p) for p in parts)
    if not 0 <= first < last <= 24:
        return None
    return {"day_starts": time(first, 0), "day_ends": time(23, 59) if last == 24 else time(last)}


def _working_days(text: str) -> dict[str, object] | None:
    days: set[int] = set()
    for part in text.lower().replace(" ", "").split(","):
        start, _sep, end = part.partition("-")
        if start not in WEEKDAYS or (end and end not in WEEKDAYS):
            return None
        first = WEEKDAYS.index(start)
        last = WEEKDAYS.index(end) if end else first
        days.update(
            range(first, last + 1) if first <= last else [*range(first, 7), *range(0, last + 1)]
        )
    return {"working_days": "".join(str(d) for d in sorted(days))}


def _on_off(text: str) -> dict[str, object] | None:
    word = text.strip().lower()
    return {"morning_reminder": word == "on"} if word in ON_OFF else None


def _role_labels(text: str) -> dict[str, object] | None:
    labels = text.strip().lower()
    return {"role_labels": labels} if labels in RoleLabels.ALL else None


def _outcomes(text: str) -> dict[str, object] | None:
    parsed = parse_outcomes(text)
    return None if parsed is None else {"outcomes": ",".join(parsed)}


def _digest(text: str) -> dict[str, object] | None:
    schedule = parse_schedule(text)
    if schedule is None:
        return None
    return {"digest_weekday": schedule[0], "digest_hour": schedule[1]}


def _country(text: str) -> dict[str, object] | None:
    code = text.strip().upper()
    return {"country": code} if known_country(code) else None
