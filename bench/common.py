"""Shared helpers for the benchmarks: the machine, databases, tables, outbox waves, and
counting what the emulator received against what the outbox says."""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import sqlite3
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bot.domain.model import OutboxStatus, OutgoingMessage
from bot.sim.emulator import BotApiEmulator
from storage.db import Database

POSTGRES_ADMIN_URL = os.environ.get(
    "BENCH_POSTGRES_URL",
    os.environ.get("TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"),
)
REPO_ROOT = Path(__file__).resolve().parents[1]


# --------------------------------------------------------------------------- reporting


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


async def postgres_version() -> str:
    import asyncpg  # type: ignore[import-untyped]

    try:
        connection = await asyncpg.connect(_plain(POSTGRES_ADMIN_URL), timeout=5)
    except Exception as error:
        return f"unreachable ({type(error).__name__})"
    try:
        return str(await connection.fetchval("SHOW server_version"))
    finally:
        await connection.close()


async def print_machine(title: str) -> None:
    print(f"== {title}")
    print(
        f"date {datetime.now(UTC):%Y-%m-%d %H:%M} UTC · {os.cpu_count()} cores ({cpu_model()}) · "
        f"Python {platform.python_version()} · SQLite {sqlite3.sqlite_version} · "
        f"PostgreSQL {await postgres_version()}"
    )


def print_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    cells = [[str(h) for h in headers], *[[_cell(v) for v in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    for number, row in enumerate(cells):
        print("  ".join(value.rjust(width) for value, width in zip(row, widths, strict=True)))
        if number == 0:
            print("  ".join("-" * width for width in widths))
    sys.stdout.flush()


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}" if value < 1000 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def wave_parser(
    description: str | None, *, quick: str, people: int, database: bool = True
) -> argparse.ArgumentParser:
    """The options every wave benchmark takes: --quick, --people and (where it runs on
    either) --database."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help=quick)
    parser.add_argument("--people", type=int, default=people)
    if database:
        parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    return parser


Measure = Callable[[argparse.Namespace, int], Awaitable[tuple["WaveResult", str]]]


def wave_main(title: str, parser: argparse.ArgumentParser, quick: int, measure: Measure) -> None:
    """A wave benchmark from the command line: the machine, then `measure` for the people
    asked for (`quick` of them with --quick) and its one-line summary with the time it
    took, then its table."""
    arguments = parser.parse_args()
    people = quick if arguments.quick else arguments.people

    async def main() -> None:
        await print_machine(title)
        started = time.monotonic()
        result, summary = await measure(arguments, people)
        print(f"{summary}; {time.monotonic() - started:.0f} s in all")
        print_table(WaveResult.HEADERS, [result.row()])

    asyncio.run(main())


# --------------------------------------------------------------------------- databases


def _plain(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


@asynccontextmanager
async def fresh_database(kind: str, keep: bool = False) -> AsyncIterator[str]:
    """A new empty database URL of `kind` (sqlite or postgres), removed afterwards."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="mentorbot-bench-") as directory:
            yield f"sqlite+aiosqlite:///{directory}/bench.sqlite3"
        return
    import asyncpg  # type: ignore[import-untyped]

    admin = await asyncpg.connect(_plain(POSTGRES_ADMIN_URL), timeout=10)
    name = f"mentorbot_bench_{uuid.uuid4().hex[:10]}"
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{POSTGRES_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    finally:
        if not keep:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def copy_postgres(source_url: str) -> str:
    """A copy of a PostgreSQL database (CREATE DATABASE … TEMPLATE): a fresh start for
    each measurement without seeding again. Drop it with `drop_postgres`."""
    import asyncpg  # type: ignore[import-untyped]

    admin = await asyncpg.connect(_plain(POSTGRES_ADMIN_URL), timeout=10)
    source = source_url.rsplit("/", 1)[1]
    name = f"{source}_c{uuid.uuid4().hex[:6]}"
    try:
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", source
        )
        await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
    finally:
        await admin.close()
    return f"{source_url.rsplit('/', 1)[0]}/{name}"


async def drop_postgres(url: str) -> None:
    import asyncpg  # type: ignore[import-untyped]

    admin = await asyncpg.connect(_plain(POSTGRES_ADMIN_URL), timeout=10)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
    finally:
        await admin.close()


# --------------------------------------------------------------------------- waves


def wave_messages(
    people: int, per_person: int, first_chat: int = 10_000_000
) -> list[OutgoingMessage]:
    """`per_person` messages to each of `people` chats, one person's messages one after
    the other (the hardest order for the per-chat limit). The text is the key, so the
    emulator's log can be matched against the outbox."""
    messages = []
    for person in range(people):
        chat = first_chat + person
        for number in range(per_person):
            key = f"bench:{chat}:{number}"
            messages.append(OutgoingMessage(idempotency_key=key, chat_id=chat, text=key))
    return messages


async def queue(db: Database, messages: Sequence[OutgoingMessage]) -> None:
    now = datetime.now(UTC)
    for start in range(0, len(messages), 1000):
        async with db.unit() as uow:
            await uow.outbox.enqueue(messages[start : start + 1000], now)


@asynccontextmanager
async def queued_wave(
    kind: str, emulator: BotApiEmulator, people: int, per_person: int
) -> AsyncIterator[tuple[str, Database]]:
    """A fresh database of `kind` with a wave of `per_person` messages to each of `people`
    queued, and `emulator` running and enforcing Telegram's limits: the database's URL
    (for the workers) and the database (for `compare`)."""
    async with fresh_database(kind) as url, emulator:
        emulator.set_chat_rate_limits(enabled=True)
        db = Database(url)
        await db.upgrade()
        await queue(db, wave_messages(people, per_person))
        try:
            yield url, db
        finally:
            await db.dispose()


@dataclass
class WaveResult:
    rows: int
    delivered_once: int
    duplicates: int  # keys the emulator accepted more than once
    lost: int  # rows never delivered and not marked uncertain/failed
    uncertain: int
    uncertain_delivered: int
    failed: int
    too_many_requests: int
    rate: float  # accepted sends per second, first to last
    seconds: float

    def row(self) -> list[object]:
        return [
            self.rows,
            self.rate,
            self.too_many_requests,
            self.duplicates,
            self.lost,
            f"{self.uncertain} ({self.uncertain_delivered} delivered)",
            self.failed,
            self.seconds,
        ]

    HEADERS = ("rows", "msgs/s", "429s", "duplicates", "lost", "uncertain", "failed", "seconds")


async def compare(db: Database, emulator: BotApiEmulator) -> WaveResult:
    """The emulator's log of accepted sends against the outbox rows."""
    accepted = [call for call in emulator.calls("sendMessage") if call.status == 200]
    counts = Counter(str(call.params.get("text")) for call in accepted)
    async with db.unit() as uow:
        items = await uow.outbox.outbox_items()
    statuses = {item.idempotency_key: item.status for item in items}
    duplicates = sum(1 for key, n in counts.items() if n > 1 and key in statuses)
    lost = sum(
        1
        for key, status in statuses.items()
        if counts[key] == 0 and status not in (OutboxStatus.UNCERTAIN, OutboxStatus.FAILED)
    )
    lost += sum(
        1 for key, status in statuses.items() if status is OutboxStatus.SENT and not counts[key]
    )
    uncertain = [key for key, status in statuses.items() if status is OutboxStatus.UNCERTAIN]
    times = sorted(call.time for call in accepted)
    seconds = times[-1] - times[0] if len(times) > 1 else 0.0
    return WaveResult(
        rows=len(statuses),
        delivered_once=sum(1 for key in statuses if counts[key] == 1),
        duplicates=duplicates,
        lost=lost,
        uncertain=len(uncertain),
        uncertain_delivered=sum(1 for key in uncertain if counts[key]),
        failed=sum(1 for status in statuses.values() if status is OutboxStatus.FAILED),
        too_many_requests=emulator.too_many_requests,
        rate=(len(times) - 1) / seconds if seconds else 0.0,
        seconds=seconds,
    )


async def outbox_open(db: Database) -> int:
    """Rows still to be sent (pending, also later retries, or claimed)."""
    async with db.unit() as uow:
        counts = await uow.outbox.outbox_counts()
    return counts.get(OutboxStatus.PENDING, 0) + counts.get(OutboxStatus.SENDING, 0)


# --------------------------------------------------------------------------- processes


async def start_worker(
    database_url: str, emulator: BotApiEmulator, *extra: str, stdout: bool = False
) -> asyncio.subprocess.Process:
    """A delivery process (bench.worker) on the database, sending to the emulator; its
    summary line goes to our stdout, or to a pipe with `stdout`."""
    environment = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.worker",
        "--database",
        database_url,
        "--api",
        emulator.base_url,
        "--token",
        emulator.token,
        *extra,
        cwd=REPO_ROOT,
        env=environment,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE if stdout else None,
    )
