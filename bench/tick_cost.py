"""Benchmark 1, tick cost: scheduler ticks over synthetic programmes with 1,000, 10,000
and 100,000 active pairs with realistic histories, on SQLite and PostgreSQL.

A tick looks at no more than `TICK_PAIRS` awake pairs (10,000 by default); when more are
awake, the running bot ticks again at once until none is left (a wave). Figures per size,
each as the longest tick, the number of ticks and their sum, with what they queued:
- the first wave (every pair is new to it, as after an upgrade; it queues that day's
  nudges), with the SQL statements of its longest tick (must not grow with the pairs);
- the ticks that follow: right after it (it sees again the pairs the first one wrote
  nudges and alerts for), a minute later (everything quiet), and the first tick of the
  next day and of the day after (the pairs whose day has come: bot/domain/quiet.py);
- the first tick's peak Python memory (tracemalloc, measured on a copy of the database
  in a separate run because tracing slows Python down).
Target: 100,000 pairs in under 5 s a tick on SQLite on one core.

    .venv/bin/python -m bench.tick_cost [--quick] [--sizes 1000,10000] [--databases sqlite]
        [--tick-pairs 10000]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import time
import tracemalloc
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.common import (
    copy_postgres,
    drop_postgres,
    fresh_database,
    print_machine,
    print_table,
)
from bot.runtime.clock import FixedClock
from bot.runtime.config import PAIRS_PER_TICK
from bot.runtime.wiring import build_core
from bot.usecases.tick import tick
from storage.db import Database
from tests.support.seed import seed_pairs
from tests.support.statements import counting_statements

# A Tuesday, 10:00 in Oslo: inside the hours the bot may write, early in the month.
NOW = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)


# The ticks after the first: right after it, a minute later, and just after local midnight
# (00:05 in Oslo) on the next two days.
LATER = (
    NOW + timedelta(seconds=1),
    NOW + timedelta(minutes=1),
    datetime(2026, 3, 3, 23, 5, tzinfo=UTC),
    datetime(2026, 3, 4, 23, 5, tzinfo=UTC),
)


@dataclass(frozen=True)
class Wave:
    """The ticks it took until no pair was left awake: (seconds, statements, queued)."""

    ticks: list[tuple[float, int, int]]
    peak_mib: float = 0.0

    @property
    def longest(self) -> tuple[float, int, int]:
        return max(self.ticks)

    @property
    def queued(self) -> int:
        return sum(queued for _s, _n, queued in self.ticks)

    def summary(self) -> str:
        """Longest tick × ticks = their sum (queued)."""
        total = sum(seconds for seconds, _n, _q in self.ticks)
        return f"{self.longest[0]:.2f} × {len(self.ticks)} = {total:.1f} ({self.queued:,})"


async def wave(url: str, *, tick_pairs: int, trace: bool = False, at: datetime = NOW) -> Wave:
    """Ticks at `at` on the database at `url` until no pair is left awake (with `trace`,
    only the first, under tracemalloc)."""
    db = Database(url)
    core = build_core(db, FixedClock(at), default_language="nb", invite_ttl_days=30)
    # A connection is opened (and SQLite's pragmas run) before the clock starts.
    assert await db.ping()
    ticks = []
    peak = 0.0
    more = True
    while more:
        if trace:
            tracemalloc.start()
        with counting_statements(db.engine) as statements:
            started = time.perf_counter()
            report = await tick(core, pairs_per_tick=tick_pairs)
            seconds = time.perf_counter() - started
        ticks.append((seconds, statements.count, report.queued))
        more = report.more and not trace
        if trace:
            peak = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
    await db.dispose()
    return Wave(ticks, peak)


async def measure(kind: str, pairs: int, tick_pairs: int, trace: bool = True) -> list[object]:
    async with fresh_database(kind) as url:
        db = Database(url)
        await db.upgrade()
        started = time.perf_counter()
        await seed_pairs(db, pairs, NOW)
        seeded_in = time.perf_counter() - started
        await db.dispose()
        copy = await _copy(kind, url) if trace else None
        try:
            first = await wave(url, tick_pairs=tick_pairs)
            after = [await wave(url, tick_pairs=tick_pairs, at=moment) for moment in LATER]
            peak: object = "-"
            if copy is not None:
                peak = (await wave(copy, tick_pairs=tick_pairs, trace=True)).peak_mib
        finally:
            if copy is not None:
                await _drop(kind, copy)
    return [
        kind,
        pairs,
        first.summary(),
        first.longest[1],
        *(later.summary() for later in after),
        max(statements for later in after for _s, statements, _q in later.ticks),
        peak,
        seeded_in,
    ]


async def _copy(kind: str, url: str) -> str:
    if kind == "postgres":
        return await copy_postgres(url)
    source = Path(url.split(":///", 1)[1])
    target = source.with_name("copy.sqlite3")
    shutil.copyfile(source, target)
    return f"sqlite+aiosqlite:///{target}"


async def _drop(kind: str, url: str) -> None:
    if kind == "postgres":
        await drop_postgres(url)


HEADERS = (
    "database",
    "pairs",
    "first wave: longest tick s × ticks = s (queued)",
    "its statements",
    "right after",
    "a minute later",
    "next day 00:05",
    "day after 00:05",
    "most statements",
    "peak MiB",
    "seeding s",
)


async def main(arguments: argparse.Namespace) -> None:
    sizes = [200, 2000] if arguments.quick else [int(s) for s in arguments.sizes.split(",")]
    kinds = arguments.databases.split(",")
    await print_machine("tick cost")
    print(f"a tick looks at {arguments.tick_pairs:,} awake pairs at most")
    rows: list[list[object]] = []
    for kind in kinds:
        for pairs in sizes:
            try:
                rows.append(
                    await measure(kind, pairs, arguments.tick_pairs, trace=not arguments.no_memory)
                )
            except Exception as error:  # one size failing must not hide the others' figures
                message = " ".join(str(error).split())[:90]
                rows.append([kind, pairs, f"failed: {type(error).__name__}: {message}"])
            print(f"  … {kind} {pairs:,} pairs: {rows[-1][2:]}", flush=True)
    print_table(HEADERS, [row for row in rows if len(row) == len(HEADERS)])
    for row in rows:
        if len(row) != len(HEADERS):
            print(f"{row[0]} {row[1]:,} pairs: {row[2]}")


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="200 and 2,000 pairs")
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument(
        "--tick-pairs",
        type=int,
        default=PAIRS_PER_TICK,
        help="awake pairs one tick looks at, at most (the TICK_PAIRS setting)",
    )
    parser.add_argument(
        "--no-memory", action="store_true", help="skip the traced run (slow at 100,000 pairs)"
    )
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(parse()))
