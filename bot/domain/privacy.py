"""Personal-data rules: when a cohort's data is erased, how wrong invite tokens are slowed
down, and what an erased goal becomes. Plain functions of state and time."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from bot.domain.dates import add_months
from bot.domain.policy import ERASURE_NOTICE

# Wrong invite tokens: a few free tries (a mistyped link happens), then a wait that
# doubles with each further failure, up to an hour; a day without failures forgives.
FREE_FAILURES = 3
FIRST_WAIT = timedelta(seconds=30)
LONGEST_WAIT = timedelta(hours=1)
FORGIVE_AFTER = timedelta(days=1)

# What an erased free-text goal is stored as: its position, so counts still add up.
ERASED_GOAL_PREFIX = "#"


class Retention(StrEnum):
    KEEP = "keep"
    NOTICE = "notice"  # within four weeks of erasure: tell the coordinator
    ERASE = "erase"


@dataclass(frozen=True)
class CohortDates:
    cohort_id: int
    programme_id: int
    ends_on: date
    erased: bool


def erase_on(ends_on: date, months: int) -> date:
    """The first day the cohort's personal data is no longer kept."""
    return add_months(ends_on, months) + timedelta(days=1)


def retention(cohort: CohortDates, months: int, today: date) -> Retention:
    if cohort.erased:
        return Retention.KEEP
    due = erase_on(cohort.ends_on, months)
    if today >= due:
        return Retention.ERASE
    if today >= due - ERASURE_NOTICE:
        return Retention.NOTICE
    return Retention.KEEP


def invite_wait(failures: int, last_failed_at: datetime | None, now: datetime) -> timedelta:
    """How long this user must wait before another invite token is checked (zero: go on)."""
    if last_failed_at is None or now - last_failed_at >= FORGIVE_AFTER:
        return timedelta(0)
    if failures < FREE_FAILURES:
        return timedelta(0)
    wait: timedelta = min(FIRST_WAIT * (2 ** min(failures - FREE_FAILURES, 20)), LONGEST_WAIT)
    left = last_failed_at + wait - now
    return max(left, timedelta(0))


def failures_after(failures: int, last_failed_at: datetime | None, now: datetime) -> int:
    """The failure count after one more wrong token (old failures are forgiven)."""
    if last_failed_at is None or now - last_failed_at >= FORGIVE_AFTER:
        return 1
    return failures + 1


def anonymised_goals(goals: tuple[str, ...] | list[str]) -> list[str]:
    """Built-in goals (``@key``) stay; the adept's own words become their position."""
    return [
        g if g.startswith("@") else f"{ERASED_GOAL_PREFIX}{index}"
        for index, g in enumerate(goals, start=1)
    ]


def anonymised_progress(goals: tuple[str, ...] | list[str], progressed: list[str]) -> list[str]:
    mapping = dict(zip(goals, anonymised_goals(goals), strict=True))
    return [mapping.get(g, f"{ERASED_GOAL_PREFIX}?") for g in progressed]


# Free text shorter than this is not looked for in other people's messages: "ok" or "5"
# would match everywhere and identifies nobody. Names are looked for at any length.
SHORTEST_REDACTED_TEXT = 3


_TOKEN = re.compile(r"\w+|[^\w\s]")
_WORD = re.compile(r"\w")


class Redactor:
    """Replaces an erased person's name and words where they appear in other people's
    messages and answers, as whole words (so "Ola" leaves "Olav" alone).

    Retention looks for thousands of texts in tens of thousands of messages; one regular
    expression of that many alternatives tries each at every position. Instead the texts
    are indexed by their first token, and each token of a message looks up only the texts
    that start with it."""

    def __init__(self, names: Iterable[str], texts: Iterable[str], replacement: str) -> None:
        wanted = {n.strip() for n in names if n and n.strip() and n.strip() != replacement}
        wanted |= {t.strip() for t in texts if t and len(t.strip()) >= SHORTEST_REDACTED_TEXT}
        self.replacement = replacement
        self._by_first: dict[str, list[str]] = {}
        for text in wanted:
            first = _TOKEN.match(text)
            if first is not None:
                self._by_first.setdefault(first.group(), []).append(text)
        # Longest first, so a full name goes whole before its first name is tried.
        for candidates in self._by_first.values():
            candidates.sort(key=lambda t: (-len(t), t))

    def __bool__(self) -> bool:
        return bool(self._by_first)

    @property
    def words(self) -> list[str]:
        """Everything looked for, longest first."""
        found = [w for candidates in self._by_first.values() for w in candidates]
        return sorted(found, key=lambda w: (-len(w), w))

    def __call__(self, value: Any) -> Any:
        """The value with every match replaced: strings inside lists and dict values too
        (dict keys are the bot's own)."""
        if isinstance(value, str):
            return self._text(value)
        if isinstance(value, list):
            return [self(item) for item in value]
        if isinstance(value, dict):
            return {key: self(item) for key, item in value.items()}
        return value

    def _text(self, text: str) -> str:
        parts: list[str] = []
        done = 0
        for token in _TOKEN.finditer(text):
            start = token.start()
            if start < done:
                continue
            for candidate in self._by_first.get(token.group(), ()):
                end = start + len(candidate)
                if (
                    text.startswith(candidate, start)
                    and (start == 0 or not _WORD.match(text[start - 1]))
                    and (end == len(text) or not _WORD.match(text[end]))
                ):
                    parts += [text[done:start], self.replacement]
                    done = end
                    break
        if not parts:
            return text
        parts.append(text[done:])
        return "".join(parts)


def own_words(goals: Iterable[str]) -> list[str]:
    """The adept's own goal words (built-in goals are `@key`)."""
    return [g for g in goals if isinstance(g, str) and not g.startswith("@")]
