"""Benchmark 3, the nudge wave: 20,000 due messages to 10,000 people, delivered by the real
delivery worker and rate limiter (in their own process) to an emulator that enforces
Telegram's limits (30/s overall, 1/s per chat) and answers 429 when they are broken.

Figures: sustained messages per second (target ≥ 28), 429s (0), duplicates (0), lost (0).
Each person's two messages are queued one after the other, the worst order for the
per-chat limit.

    .venv/bin/python -m bench.nudge_wave [--quick] [--database sqlite|postgres]
"""

from __future__ import annotations

import argparse

from bench.common import (
    WaveResult,
    compare,
    queued_wave,
    start_worker,
    wave_main,
    wave_parser,
)
from bot.sim.emulator import BotApiEmulator


async def run(people: int, per_person: int, kind: str, concurrency: int) -> WaveResult:
    emulator = BotApiEmulator()
    async with queued_wave(kind, emulator, people, per_person) as (url, db):
        worker = await start_worker(url, emulator, "--concurrency", str(concurrency))
        await worker.wait()
        return await compare(db, emulator)


async def measure(arguments: argparse.Namespace, people: int) -> tuple[WaveResult, str]:
    result = await run(people, 2, arguments.database, arguments.concurrency)
    return result, (
        f"{people * 2:,} messages to {people:,} people on {arguments.database}; emulator "
        "enforces 30/s overall and 1/s per chat"
    )


if __name__ == "__main__":
    parser = wave_parser(__doc__, quick="1,000 messages instead of 20,000", people=10_000)
    parser.add_argument("--concurrency", type=int, default=32)
    wave_main("nudge wave", parser, 500, measure)
