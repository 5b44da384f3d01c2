"""`mentorbot run` as a real process: it creates the schema, polls the emulator, answers
people, and stops cleanly on SIGTERM. (Without a token it stops at once with one line and
exit status 2: tests/bot/test_config.py::test_run_without_token_prints_one_line_and_exits_2.)"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sqlite3
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from bot.clock import SystemClock
from bot.domain.model import Role
from bot.emulator import BotApiEmulator
from bot.services import Services
from storage.db import Database

REPO_ROOT = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 30.0
STOP_SECONDS = 15.0


@dataclass
class BotProcess:
    process: asyncio.subprocess.Process
    stderr: asyncio.Task[bytes]

    async def wait_until(self, ready: Callable[[], bool], what: str) -> None:
        """Polls `ready` until it holds; fails at once if the process ended instead."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + STARTUP_SECONDS
        while not ready():
            if self.process.returncode is not None:
                error = (await self.stderr).decode(errors="replace")
                raise AssertionError(f"exited {self.process.returncode} before {what}:\n{error}")
            if loop.time() > deadline:
                raise AssertionError(f"no {what} within {STARTUP_SECONDS}s")
            await asyncio.sleep(0.05)


@asynccontextmanager
async def mentorbot_run(
    token: str, base_url: str, database_url: str, cwd: Path
) -> AsyncIterator[BotProcess]:
    """`mentorbot run` in `cwd` with only these settings; killed on the way out if still up."""
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(REPO_ROOT),
        "HOME": str(cwd),
        "TELEGRAM_BOT_TOKEN": token,
        "TELEGRAM_API_BASE_URL": base_url,
        "DATABASE_URL": database_url,
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        "from bot.cli import main; main()",
        "run",
        cwd=cwd,
        env=environment,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stderr is not None
    stderr = asyncio.create_task(process.stderr.read())  # drained all along: a full pipe blocks
    try:
        yield BotProcess(process, stderr)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        stderr.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await stderr


async def coordinator_token(database_url: str) -> str:
    """A programme and a coordinator invite, made through the services on the bot's database."""
    db = Database(database_url)
    try:
        services = Services(db, SystemClock(), default_language="nb", invite_ttl_days=30)
        programme, _cohort = await services.create_programme(
            name="Global Future Oslo", timezone="Europe/Oslo", language="nb"
        )
        [token] = await services.create_invites(programme.id, Role.COORDINATOR)
        return token
    finally:
        await db.dispose()


async def test_run_serves_people_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    """Schema, getMe, commands and polling; a /start is answered; SIGTERM ends it with 0."""
    database = tmp_path / "run.sqlite3"
    url = f"sqlite+aiosqlite:///{database}"
    async with (
        BotApiEmulator() as emulator,
        mentorbot_run(emulator.token, emulator.base_url, url, tmp_path) as bot,
    ):
        await bot.wait_until(
            lambda: all(emulator.calls(m) for m in ("getMe", "setMyCommands", "getUpdates")),
            "getMe, setMyCommands and getUpdates",
        )
        assert database.is_file()
        with contextlib.closing(sqlite3.connect(database)) as connection:
            versions = connection.execute("SELECT version_num FROM alembic_version").fetchall()
        assert len(versions) == 1 and versions[0][0], versions

        kari = emulator.user(100, "Kari", language_code="en")
        await kari.send(f"/start {await coordinator_token(url)}")
        welcome = await kari.next_message(timeout=10)
        assert welcome.text == (
            "Hi Kari! Welcome to Global Future Oslo.\n"
            "You are a coordinator. You invite people, make pairs and follow them up."
        )

        bot.process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(bot.process.wait(), STOP_SECONDS)
        error = (await bot.stderr).decode(errors="replace")
        assert code == 0, error
        assert "Traceback" not in error, error
        assert "polling as @mentor_test_bot" in error, error
        assert emulator.token not in error, "logs never hold the token"


async def test_run_with_a_rejected_token_says_so_in_one_line(tmp_path: Path) -> None:
    """A well-formed token the Bot API refuses (401) is a setting to fix, not a crash."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'run.sqlite3'}"
    rejected = "999999:REVOKED-TOKEN"
    async with (
        BotApiEmulator() as emulator,
        mentorbot_run(rejected, emulator.base_url, url, tmp_path) as bot,
    ):
        code = await asyncio.wait_for(bot.process.wait(), STARTUP_SECONDS)
        error = (await bot.stderr).decode(errors="replace")
        assert [c.status for c in emulator.calls("getMe")] == [401]
        assert code == 2, error
        assert "Traceback" not in error, error
        assert rejected not in error, "the token is a secret"
        last = error.strip().splitlines()[-1]
        assert last.startswith("mentorbot: TELEGRAM_BOT_TOKEN"), last
