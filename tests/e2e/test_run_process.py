"""`mentorbot run` as a real process: it creates the schema, polls the emulator, answers
people, and stops cleanly on SIGTERM. (Without a token it stops at once with one line and
exit status 2: tests/runtime/test_config.py::test_run_without_token_prints_one_line_and_exits_2.)"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sqlite3
from pathlib import Path

from bot.domain.model import Role
from bot.runtime.clock import SystemClock
from bot.sim.emulator import BotApiEmulator
from bot.usecases.joining import Services
from storage.db import Database
from tests.support.processes import STARTUP_SECONDS, mentorbot_run

STOP_SECONDS = 15.0


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
