"""The clock every piece of domain code takes instead of calling ``datetime.now()``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that only moves when told to: for tests, `tick --now` and the demo."""

    def __init__(self, start: datetime) -> None:
        self._now = as_utc(start)

    def now(self) -> datetime:
        return self._now

    def set(self, moment: datetime) -> None:
        self._now = as_utc(moment)

    def advance(self, delta: timedelta) -> None:
        self._now += delta


class RehearsalClock:
    """The real time moved ahead by a rehearsal (`mentorbot clock advance`); it runs on
    with the real one and only ever moves forward."""

    def __init__(self, ahead: timedelta = timedelta(0), real: Clock | None = None) -> None:
        self._real = real or SystemClock()
        self._ahead = max(ahead, timedelta(0))

    @property
    def ahead(self) -> timedelta:
        return self._ahead

    def now(self) -> datetime:
        return self._real.now() + self._ahead

    def follow(self, ahead: timedelta) -> bool:
        """Takes the rehearsal's newer lead; whether the clock moved (never back)."""
        if ahead <= self._ahead:
            return False
        self._ahead = ahead
        return True


def as_utc(moment: datetime) -> datetime:
    """Naive datetimes are read as UTC (that is how SQLite hands them back)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
