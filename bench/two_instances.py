"""Benchmark 5, two instances: two delivery processes on one PostgreSQL database deliver
one wave together, claiming with FOR UPDATE SKIP LOCKED and sharing the rate budget
through the send_budget table, against an emulator that enforces Telegram's limits.

Figures: duplicates (target 0), 429s (0), the combined rate (the limits hold for the bot
as a whole, so about 30/s, not 60), and how the wave split between the two.

    .venv/bin/python -m bench.two_instances [--quick] [--people 1500]
"""

from __future__ import annotations

import argparse
import asyncio
import json
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


async def run(people: int, instances: int) -> tuple[WaveResult, list[int]]:
    async with fresh_database("postgres") as url, BotApiEmulator() as emulator:
        emulator.set_chat_rate_limits(enabled=True)
        db = Database(url)
        await db.upgrade()
        await queue(db, wave_messages(people, 2))
        workers = [
            await start_worker(url, emulator, "--backend", "database", stdout=True)
            for _ in range(instances)
        ]
        outputs = await asyncio.gather(*(worker.communicate() for worker in workers))
        shares = [json.loads(out.decode().strip().splitlines()[-1])["sent"] for out, _ in outputs]
        result = await compare(db, emulator)
        await db.dispose()
    return result, shares


async def main(arguments: argparse.Namespace) -> None:
    people = 200 if arguments.quick else arguments.people
    await print_machine("two instances on PostgreSQL")
    started = time.monotonic()
    result, shares = await run(people, arguments.instances)
    summary = (
        f"{people * 2:,} messages to {people:,} people; {arguments.instances} delivery "
        f"processes sent {' + '.join(f'{n:,}' for n in shares)}; emulator enforces 30/s "
        "overall and 1/s per chat"
    )
    print_wave(result, summary, started)


def parse() -> argparse.Namespace:
    parser = wave_parser(__doc__, quick="400 messages", people=1500, database=False)
    parser.add_argument("--instances", type=int, default=2)
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(parse()))
