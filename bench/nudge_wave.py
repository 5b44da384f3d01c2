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
import asyncio
import time

from bench.common import (
    WaveResult,
    compare,
    fresh_database,
    print_machine,
    print_wave,
    queue,
    start_worker,
    wave_messages,
    wave_parser,
)
from bot.sim.emulator import BotApiEmulator
from storage.db import Database


async def run(people: int, per_person: int, kind: str, concurrency: int) -> WaveResult:
    async with fresh_database(kind) as url, BotApiEmulator() as emulator:
        emulator.set_chat_rate_limits(enabled=True)
        db = Database(url)
        await db.upgrade()
        await queue(db, wave_messages(people, per_person))
        worker = await start_worker(url, emulator, "--concurrency", str(concurrency))
        await worker.wait()
        result = await compare(db, emulator)
        await db.dispose()
        return result


async def main(arguments: argparse.Namespace) -> None:
    people = 500 if arguments.quick else arguments.people
    await print_machine("nudge wave")
    started = time.monotonic()
    result = await run(people, 2, arguments.database, arguments.concurrency)
    summary = (
        f"{people * 2:,} messages to {people:,} people on {arguments.database}; emulator "
        "enforces 30/s overall and 1/s per chat"
    )
    print_wave(result, summary, started)


def parse() -> argparse.Namespace:
    parser = wave_parser(__doc__, quick="1,000 messages instead of 20,000", people=10_000)
    parser.add_argument("--concurrency", type=int, default=32)
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(parse()))
