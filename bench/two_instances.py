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

from bench.common import (
    WaveResult,
    compare,
    queued_wave,
    start_worker,
    wave_main,
    wave_parser,
)
from bot.sim.emulator import BotApiEmulator


async def run(people: int, instances: int) -> tuple[WaveResult, list[int]]:
    emulator = BotApiEmulator()
    async with queued_wave("postgres", emulator, people, 2) as (url, db):
        workers = [
            await start_worker(url, emulator, "--backend", "database", stdout=True)
            for _ in range(instances)
        ]
        outputs = await asyncio.gather(*(worker.communicate() for worker in workers))
        shares = [json.loads(out.decode().strip().splitlines()[-1])["sent"] for out, _ in outputs]
        result = await compare(db, emulator)
    return result, shares


async def measure(arguments: argparse.Namespace, people: int) -> tuple[WaveResult, str]:
    result, shares = await run(people, arguments.instances)
    return result, (
        f"{people * 2:,} messages to {people:,} people; {arguments.instances} delivery "
        f"processes sent {' + '.join(f'{n:,}' for n in shares)}; emulator enforces 30/s "
        "overall and 1/s per chat"
    )


if __name__ == "__main__":
    parser = wave_parser(__doc__, quick="400 messages", people=1500, database=False)
    parser.add_argument("--instances", type=int, default=2)
    wave_main("two instances on PostgreSQL", parser, 200, measure)
