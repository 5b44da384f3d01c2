"""A rehearsal: the real bot on a clock that `mentorbot clock advance 3d` moves from another
terminal, so a coordinator can play weeks of a programme in an afternoon.

The clock's lead lives in the database (storage/rehearsal.py); the running bot reads it
every second and, when it moved, ticks at once so what fell due in between goes out.
A rehearsal runs only on a database made for it, and a live one never runs on that.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.runtime.clock import Clock, RehearsalClock
from storage.db import Database
from storage.rehearsal import move_rehearsal, rehearsal_ahead

log = logging.getLogger(__name__)

FOLLOW_SECONDS = 1.0
_UNITS = {
    "w": timedelta(weeks=1),
    "d": timedelta(days=1),
    "h": timedelta(hours=1),
    "m": timedelta(minutes=1),
}
_DURATION = re.compile(r"(\d{1,5})([wdhm])")


def parse_duration(text: str) -> timedelta | None:
    """«3d», «12h», «1w2d», «90m» as a positive timedelta; None for anything else."""
    words = text.strip().lower().replace(" ", "")
    if not words or _DURATION.sub("", words):
        return None
    total = sum(
        (int(count) * _UNITS[unit] for count, unit in _DURATION.findall(words)), timedelta(0)
    )
    return total if total > timedelta(0) else None


class NotARehearsal(Exception):
    """The database was not made for a rehearsal."""


@dataclass(frozen=True)
class Moved:
    now: datetime


async def advance(db: Database, by: timedelta, real: Clock) -> Moved:
    ahead = await rehearsal_ahead(db)
    if ahead is None:
        raise NotARehearsal
    await move_rehearsal(db, ahead + by)
    return Moved(real.now() + ahead + by)


async def set_to(db: Database, moment: datetime, real: Clock) -> Moved | datetime:
    """Moves the clock to `moment`; the rehearsal's current time instead if `moment` is
    not later (it only moves forward)."""
    ahead = await rehearsal_ahead(db)
    if ahead is None:
        raise NotARehearsal
    now = real.now() + ahead
    if moment <= now:
        return now
    await move_rehearsal(db, moment - real.now())
    return Moved(moment)


async def current(db: Database, real: Clock) -> datetime:
    ahead = await rehearsal_ahead(db)
    if ahead is None:
        raise NotARehearsal
    return real.now() + ahead


async def follow(db: Database, clock: RehearsalClock, moved: Callable[[], None]) -> None:
    """Keeps `clock` at the rehearsal's lead in `db`; `moved()` after each move."""
    while True:
        await asyncio.sleep(FOLLOW_SECONDS)
        try:
            ahead = await rehearsal_ahead(db)
        except Exception as error:  # the database may be restarting: try again
            log.warning("rehearsal clock: cannot read it (%s)", type(error).__name__)
            continue
        if ahead is not None and clock.follow(ahead):
            log.info("rehearsal clock: it is now %s", clock.now().isoformat(timespec="minutes"))
            moved()
