"""Tests for bot.domain.privacy: retention dates, slowing down invite guesses, erased goals."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.dates import add_months
from bot.domain.privacy import (
    FREE_FAILURES,
    LONGEST_WAIT,
    SHORTEST_REDACTED_TEXT,
    CohortDates,
    Redactor,
    Retention,
    anonymised_goals,
    anonymised_progress,
    erase_on,
    failures_after,
    invite_wait,
    retention,
)

NOW = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)


def cohort(ends_on: date, erased: bool = False) -> CohortDates:
    return CohortDates(cohort_id=1, programme_id=1, ends_on=ends_on, erased=erased)


def test_erased_the_day_after_the_retention_time() -> None:
    assert erase_on(date(2025, 3, 2), 12) == date(2026, 3, 3)
    assert erase_on(date(2025, 1, 31), 1) == date(2025, 3, 1)  # 28 February, then the day after
    assert erase_on(date(2024, 2, 29), 12) == date(2025, 3, 1)


@pytest.mark.parametrize(
    ("ends_on", "expected"),
    [
        (date(2025, 3, 2), Retention.ERASE),  # first day of erasure: today
        (date(2025, 1, 1), Retention.ERASE),
        (date(2025, 3, 3), Retention.NOTICE),  # erased tomorrow
        (date(2025, 3, 30), Retention.NOTICE),  # erased 31 March: 28 days from today
        (date(2025, 3, 31), Retention.KEEP),  # erased 1 April: 29 days from today
        (date(2026, 6, 1), Retention.KEEP),
    ],
)
def test_retention_status(ends_on: date, expected: Retention) -> None:
    assert retention(cohort(ends_on), 12, NOW.date()) is expected


def test_an_erased_cohort_is_left_alone() -> None:
    assert retention(cohort(date(2020, 1, 1), erased=True), 12, NOW.date()) is Retention.KEEP


def test_retention_months_are_configurable() -> None:
    assert retention(cohort(date(2025, 12, 1)), 3, NOW.date()) is Retention.ERASE
    assert retention(cohort(date(2025, 12, 1)), 12, NOW.date()) is Retention.KEEP


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31)), st.integers(0, 240))
def test_add_months_lands_in_the_right_month(day: date, months: int) -> None:
    later = add_months(day, months)
    assert (later.year * 12 + later.month) - (day.year * 12 + day.month) == months
    assert later.day == day.day or later.day < day.day


def test_a_few_wrong_tokens_are_free_then_the_wait_doubles() -> None:
    assert invite_wait(0, None, NOW) == timedelta(0)
    for failures in range(FREE_FAILURES):
        assert invite_wait(failures, NOW, NOW) == timedelta(0)
    assert invite_wait(FREE_FAILURES, NOW, NOW) == timedelta(seconds=30)
    assert invite_wait(FREE_FAILURES + 1, NOW, NOW) == timedelta(seconds=60)
    assert invite_wait(FREE_FAILURES + 2, NOW, NOW) == timedelta(seconds=120)
    assert invite_wait(FREE_FAILURES + 50, NOW, NOW) == LONGEST_WAIT
    # The wait runs from the last failure.
    assert invite_wait(FREE_FAILURES, NOW, NOW + timedelta(seconds=20)) == timedelta(seconds=10)
    assert invite_wait(FREE_FAILURES, NOW, NOW + timedelta(seconds=30)) == timedelta(0)
    # A day later all is forgiven.
    assert invite_wait(FREE_FAILURES + 50, NOW, NOW + timedelta(days=1)) == timedelta(0)


def test_failures_count_up_and_are_forgiven_after_a_day() -> None:
    assert failures_after(0, None, NOW) == 1
    assert failures_after(4, NOW, NOW + timedelta(hours=2)) == 5
    assert failures_after(4, NOW, NOW + timedelta(days=1)) == 1


def test_erased_goals_keep_built_in_ones_and_positions() -> None:
    goals = ["@cv", "Bli sykepleier på Ullevål", "@network"]
    assert anonymised_goals(goals) == ["@cv", "#2", "@network"]
    assert anonymised_progress(goals, ["Bli sykepleier på Ullevål", "@cv"]) == ["#2", "@cv"]
    assert anonymised_progress(goals, ["gone"]) == ["#?"]


SENSITIVE = ("religio", "health", "ethnic", "residence", "asylum", "visa", "diagnos", "race")


def test_intake_never_asks_for_sensitive_categories() -> None:
    """Data minimisation: no question or option about residence status, religion, health
    or ethnicity (GDPR art. 9; Datatilsynet's guidance on data minimisation)."""
    from bot.domain import intake
    from bot.domain.model import Role

    for role in (Role.MENTOR, Role.ADEPT):
        for question in intake.questions_for(role):
            words = [str(question.prompt)] + [str(o.label) for o in question.options]
            for text in words:
                assert not any(s in text.lower() for s in SENSITIVE), text


def reference_redaction(names: list[str], texts: list[str], text: str) -> str:
    """The rule stated plainly: each name or text (long enough) as a whole word, longest
    first, one regular expression."""
    wanted = {n.strip() for n in names if n.strip() and n.strip() != "–"}
    wanted |= {t.strip() for t in texts if len(t.strip()) >= SHORTEST_REDACTED_TEXT}
    if not wanted:
        return text
    ordered = sorted(wanted, key=lambda w: (-len(w), w))
    pattern = "|".join(rf"(?<!\w){re.escape(w)}(?!\w)" for w in ordered)
    return re.sub(pattern, "–", text)


_PIECES = st.text(alphabet="abAB -.'<>é", min_size=0, max_size=6)


@given(
    names=st.lists(_PIECES, max_size=4),
    texts=st.lists(_PIECES, max_size=4),
    words=st.lists(st.one_of(_PIECES, st.sampled_from(["ab", "a b", "Ab-", "é"])), max_size=8),
)
def test_redaction_replaces_whole_words_like_the_plain_rule(
    names: list[str], texts: list[str], words: list[str]
) -> None:
    text = "".join(words)
    redactor = Redactor(names, texts, "–")
    assert redactor(text) == reference_redaction(names, texts, text)
    assert redactor({"text": text, "rows": [[{"text": text}]], "n": 3}) == {
        "text": reference_redaction(names, texts, text),
        "rows": [[{"text": reference_redaction(names, texts, text)}]],
        "n": 3,
    }


def test_redaction_leaves_other_names_and_short_words_alone() -> None:
    redactor = Redactor(["Ola", "Ola Nordmann"], ["welder at ACME", "ok"], "–")
    assert redactor("Ola Nordmann met Olav. Ola's goal: welder at ACME in Bergen, ok") == (
        "– met Olav. –'s goal: – in Bergen, ok"
    )
    assert not Redactor(["–"], ["ok"], "–")
