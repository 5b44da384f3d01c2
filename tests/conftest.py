"""Fixtures for every tier: databases on SQLite and PostgreSQL, a clock that only moves
when told, and the end-to-end harness (imported only by the tests that ask for it)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from bot.runtime.clock import FixedClock
from storage.db import Database
from tests.support.databases import (
    EACH_DATABASE,
    WORKDAY_MORNING,
    fresh_database_url,
    fresh_database_urls,
)

if TYPE_CHECKING:
    from bot.sim.emulator import BotApiEmulator
    from tests.support.harness import Harness


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(WORKDAY_MORNING)


@pytest.fixture(params=EACH_DATABASE)
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    async for url in fresh_database_url(request.param, tmp_path):
        yield url


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    db = Database(database_url)
    await db.upgrade()
    try:
        yield db
    finally:
        await db.dispose()


@pytest.fixture
async def sqlite_database(tmp_path: Path) -> AsyncIterator[Database]:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}")
    await db.upgrade()
    try:
        yield db
    finally:
        await db.dispose()


@pytest.fixture(params=EACH_DATABASE)
async def two_urls(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[tuple[str, str]]:
    """Two fresh databases of one kind: a small and a large run of a test that counts
    statements."""
    async for small, large in fresh_database_urls(request.param, tmp_path, 2):
        yield small, large


@pytest.fixture(params=EACH_DATABASE)
async def three_urls(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[tuple[str, str, str]]:
    """Three fresh databases of one kind, for runs of one scenario compared."""
    async for one, two, three in fresh_database_urls(request.param, tmp_path, 3):
        yield one, two, three


@pytest.fixture
async def harness(tmp_path: Path) -> AsyncIterator[Harness]:
    """On SQLite: most end-to-end tests are about the conversation, not the database."""
    from tests.support.harness import start_harness

    async for url in fresh_database_url("sqlite", tmp_path):
        async with start_harness(url) as running:
            yield running


@pytest.fixture(params=EACH_DATABASE)
async def harness_each_db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Harness]:
    from tests.support.harness import start_harness

    async for url in fresh_database_url(request.param, tmp_path):
        async with start_harness(url) as running:
            yield running


@pytest.fixture
async def emulator() -> AsyncIterator[BotApiEmulator]:
    """The local Bot API, on its own (the harness starts one with the bot)."""
    from bot.sim.emulator import BotApiEmulator

    async with BotApiEmulator() as running:
        yield running


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No developer .env and no exported setting reaches the settings or the command line
    (ask for it with `pytestmark = pytest.mark.usefixtures("clean_environment")`)."""
    from bot.runtime.config import Settings

    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
