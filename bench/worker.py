"""A delivery process for the benchmarks: the real DeliveryWorker and rate limiter, on a
database, sending to an emulator. It stops when the outbox has nothing left to send (or
on SIGTERM, gracefully); the crash benchmark kills it with SIGKILL instead.

    python -m bench.worker --database URL --api http://127.0.0.1:PORT/bot --token T
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal
import sys
import time
from datetime import timedelta

from telegram.ext import ExtBot
from telegram.request import HTTPXRequest

from bench.common import outbox_open
from bot.runtime.clock import SystemClock
from bot.runtime.delivery import DeliveryReport, DeliveryWorker
from bot.runtime.ratelimit import SendTicket, build_rate_limiter, wait_event
from storage.db import Database


async def main(arguments: argparse.Namespace) -> int:
    db = Database(arguments.database)
    limiter = build_rate_limiter(arguments.backend, db)
    request = HTTPXRequest(
        connection_pool_size=max(8, arguments.concurrency * 2),
        read_timeout=arguments.read_timeout,
        write_timeout=5.0,
        connect_timeout=5.0,
        pool_timeout=5.0,
    )
    bot: ExtBot[SendTicket] = ExtBot(
        arguments.token, base_url=arguments.api, request=request, rate_limiter=limiter
    )
    worker = DeliveryWorker(
        db,
        bot,
        SystemClock(),
        concurrency=arguments.concurrency,
        lease=timedelta(seconds=arguments.lease),
        batch_size=arguments.batch,
    )
    total = DeliveryReport()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()

    def graceful() -> None:
        stop.set()
        worker.stop()

    loop.add_signal_handler(signal.SIGTERM, graceful)
    started = time.monotonic()
    async with bot:
        while not stop.is_set():
            report = await worker.deliver_due()
            for field in ("sent", "retried", "failed", "uncertain", "unreachable", "released"):
                setattr(total, field, getattr(total, field) + getattr(report, field))
            if not await outbox_open(db):
                break
            # Nothing due now (a retry later, or rows another worker holds): look again soon.
            await wait_event(stop, arguments.poll)  # or SIGTERM
    await db.dispose()
    summary = {
        **total.__dict__,
        "seconds": round(time.monotonic() - started, 2),
        "limiter": {
            "granted": limiter.stats.granted,
            "waited": limiter.stats.waited,
            "retry_after": limiter.stats.retry_after,
            "refused": {scope.value: n for scope, n in limiter.stats.refused.items()},
            "budget_seconds": round(limiter.stats.budget_seconds, 2),
        },
    }
    print(json.dumps(summary), flush=True)
    return 0


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", required=True)
    parser.add_argument("--api", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--backend", default="auto", choices=["auto", "memory", "database"])
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--batch", type=int, default=None)
    parser.add_argument("--lease", type=float, default=120.0, help="seconds")
    parser.add_argument("--read-timeout", type=float, default=5.0)
    parser.add_argument("--poll", type=float, default=0.5)
    parser.add_argument("--log-level", default="ERROR", help="WARNING shows each uncertain row")
    return parser.parse_args(argv)


if __name__ == "__main__":
    options = parse(sys.argv[1:])
    logging.basicConfig(
        level=options.log_level, format="worker %(levelname)s %(name)s: %(message)s"
    )
    sys.exit(asyncio.run(main(options)))
