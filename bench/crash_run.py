"""Benchmark 4, the crash and fault run: a wave delivered by a process that is killed with
SIGKILL and restarted three times, while 5 % of sends fail (half 502, half delivered but
answered after the client's timeout). Duplicates and losses are counted from the
emulator's log against the outbox.

Expected: duplicates 0 and lost 0. Rows that timed out are *uncertain* (delivered, but
the worker could not know); a row whose send was in flight at a kill stays uncertain too.
The lease is 10 s here (2 minutes in production) so that rows a killed worker had
claimed come back quickly.

    .venv/bin/python -m bench.crash_run [--quick] [--people 1500] [--database sqlite|postgres]
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
from bench.faults import FaultyEmulator

KILL_AT = (0.2, 0.45, 0.7)  # share of the wave delivered when the worker is killed
WORKER = ("--lease", "10", "--read-timeout", "2")


async def run(people: int, kind: str, fault_rate: float) -> tuple[WaveResult, FaultyEmulator]:
    total = people * 2
    emulator = FaultyEmulator(fault_rate=fault_rate, late_answer=3.0)
    async with queued_wave(kind, emulator, people, 2) as (url, db):

        def delivered() -> int:
            return sum(1 for call in emulator.calls("sendMessage") if call.status == 200)

        for share in KILL_AT:
            worker = await start_worker(url, emulator, *WORKER)
            target = share * total

            def far_enough(target: float = target) -> bool:
                return delivered() >= target

            await emulator.wait_for(far_enough, 3600, "progress")
            worker.kill()  # SIGKILL: no release, no goodbye
            await worker.wait()
            print(f"  killed the worker at {delivered():,} of {total:,} delivered", flush=True)
        worker = await start_worker(url, emulator, *WORKER)
        await worker.wait()
        result = await compare(db, emulator)
    return result, emulator


async def measure(arguments: argparse.Namespace, people: int) -> tuple[WaveResult, str]:
    result, emulator = await run(people, arguments.database, arguments.fault_rate)
    return result, (
        f"{people * 2:,} messages to {people:,} people on {arguments.database}; "
        f"{len(KILL_AT)} kills (SIGKILL) and restarts; {arguments.fault_rate:.0%} of sends "
        f"faulty: {emulator.server_errors} answered 502, {emulator.late_answers} delivered "
        "but answered late"
    )


if __name__ == "__main__":
    parser = wave_parser(__doc__, quick="300 messages", people=1500)
    parser.add_argument("--fault-rate", type=float, default=0.05)
    wave_main("crash and fault run", parser, 150, measure)
