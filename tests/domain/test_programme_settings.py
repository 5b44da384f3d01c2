"""Tests for bot.domain.programme_settings: one reading of a programme's settings for the
command line and the chat."""

from __future__ import annotations

from datetime import time

import pytest

from bot.domain.programme_settings import (
    CADENCE_CHOICES,
    COUNTRY_CHOICES,
    DIGEST_HOURS,
    HOURS_CHOICES,
    WORKING_DAYS_CHOICES,
    Setting,
    hours_text,
    read_number,
    typed_cadence,
    values,
)
from bot.domain.rhythm import Cadence, CadenceKind
from bot.runtime.i18n import use_language
from bot.texts.common import cadence_name


@pytest.mark.parametrize(
    ("setting", "text", "expected"),
    [
        (Setting.NAME, "  Bli   med ", {"name": "Bli med"}),
        (Setting.TIMEZONE, "Europe/Oslo", {"timezone": "Europe/Oslo"}),
        (Setting.LANGUAGE, "EN", {"language": "en"}),
        (Setting.CADENCE, "Twice_Monthly", {"cadence": "twice_monthly"}),
        (Setting.CADENCE, "minutes:120", {"cadence": "minutes:120"}),
        (Setting.CADENCE, "per_cohort:2", {"cadence": "per_cohort:2"}),
        (Setting.HOURS, "09-20", {"day_starts": time(9), "day_ends": time(20)}),
        (Setting.HOURS, "8:00-21:00", {"day_starts": time(8), "day_ends": time(21)}),
        (Setting.HOURS, "0-24", {"day_starts": time(0), "day_ends": time(23, 59)}),
        (Setting.WORKING_DAYS, "mon-fri", {"working_days": "01234"}),
        (Setting.WORKING_DAYS, "mon,wed,fri", {"working_days": "024"}),
        (Setting.WORKING_DAYS, "sat-mon", {"working_days": "056"}),
        (Setting.MORNING_REMINDER, "on", {"morning_reminder": True}),
        (Setting.MORNING_REMINDER, "OFF", {"morning_reminder": False}),
        (Setting.ROLE_LABELS, "trainee", {"role_labels": "trainee"}),
        (Setting.OUTCOMES, "job, internship", {"outcomes": "job,internship"}),
        (Setting.DIGEST, "wed-14", {"digest_weekday": 2, "digest_hour": 14}),
        (Setting.DIGEST, "off", {"digest_weekday": None, "digest_hour": 8}),
        (Setting.COUNTRY, "no", {"country": "NO"}),
        (Setting.COUNTRY, " SE ", {"country": "SE"}),
    ],
)
def test_each_setting_reads_its_written_form(
    setting: Setting, text: str, expected: dict[str, object]
) -> None:
    assert values(setting, text) == expected


@pytest.mark.parametrize(
    ("setting", "text"),
    [
        (Setting.NAME, "   "),
        (Setting.NAME, "x" * 201),
        (Setting.TIMEZONE, "Mars/Base"),
        (Setting.TIMEZONE, "../etc/passwd"),
        (Setting.TIMEZONE, ""),
        (Setting.LANGUAGE, "de"),
        (Setting.CADENCE, "weekly"),
        (Setting.CADENCE, "minutes:0"),
        (Setting.CADENCE, "monthly:2"),
        (Setting.HOURS, "20-09"),
        (Setting.HOURS, "09-25"),
        (Setting.HOURS, "9"),
        (Setting.HOURS, "09-12-20"),
        (Setting.HOURS, "a-b"),
        (Setting.WORKING_DAYS, ""),
        (Setting.WORKING_DAYS, "monday-friday"),
        (Setting.MORNING_REMINDER, "yes"),
        (Setting.ROLE_LABELS, "boss"),
        (Setting.OUTCOMES, "job,money"),
        (Setting.DIGEST, "someday"),
        (Setting.DIGEST, "mon 24"),
        (Setting.COUNTRY, "Norway"),
        (Setting.COUNTRY, "XX"),
        (Setting.COUNTRY, ""),
    ],
)
def test_what_cannot_be_read_is_none(setting: Setting, text: str) -> None:
    assert values(setting, text) is None


def test_every_button_choice_is_a_valid_setting() -> None:
    """The chat offers only what the command line would take."""
    for cadence in CADENCE_CHOICES:
        assert values(Setting.CADENCE, cadence) is not None
    for window in HOURS_CHOICES:
        assert values(Setting.HOURS, window) is not None
    for days in WORKING_DAYS_CHOICES:
        assert values(Setting.WORKING_DAYS, days) is not None
    for country in COUNTRY_CHOICES:
        assert values(Setting.COUNTRY, country) is not None
    for day in ("mon", "sun"):
        for hour in DIGEST_HOURS:
            assert values(Setting.DIGEST, f"{day}-{hour:02d}") is not None


@pytest.mark.parametrize(
    ("text", "number"),
    [("120", 120), (" 120 ", 120), ("120 min", 120), ("120min", 120), ("2 møter", 2), ("0", 0)],
)
def test_a_typed_number(text: str, number: int) -> None:
    assert read_number(text) == number


@pytest.mark.parametrize("text", ["", "a lot", "1,5", "1.5", "-2", "two", "ca 120", "120 120"])
def test_not_a_number(text: str) -> None:
    assert read_number(text) is None


def test_a_typed_cadence_keeps_the_cadences_limits() -> None:
    assert typed_cadence(CadenceKind.MINUTES, "120 min") == Cadence(CadenceKind.MINUTES, 120)
    assert typed_cadence(CadenceKind.PER_COHORT, "2") == Cadence(CadenceKind.PER_COHORT, 2)
    assert typed_cadence(CadenceKind.MINUTES, "0") is None
    assert typed_cadence(CadenceKind.MINUTES, "10001") is None
    assert typed_cadence(CadenceKind.MINUTES, "lots") is None
    assert typed_cadence(CadenceKind.MONTHLY, "2") is None


def test_hours_text_is_what_the_hours_setting_reads() -> None:
    for window in ("09-20", "00-24", "10-18"):
        found = values(Setting.HOURS, window)
        assert found is not None
        starts, ends = found["day_starts"], found["day_ends"]
        assert isinstance(starts, time) and isinstance(ends, time)
        assert hours_text(starts, ends) == window


def test_every_cadence_has_words() -> None:
    with use_language("en"):
        assert cadence_name("monthly") == "once a month"
        assert cadence_name("minutes:120") == "for at least 120 minutes a month"
        assert cadence_name("per_cohort:1") == "once during the cohort"
        assert cadence_name("per_cohort:2") == "2 times during the cohort"
    with use_language("nb"):
        assert cadence_name("minutes:120") == "minst 120 minutter i måneden"
        assert cadence_name("per_cohort:2") == "2 ganger i løpet av kullet"
