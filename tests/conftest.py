"""Shared fixtures: databases on SQLite and PostgreSQL, and a clock that only moves when told.

PostgreSQL tests need a server (TEST_POSTGRES_URL, default the local one). Where there is
none they are skipped with the reason, except when MENTORBOT_REQUIRE_POSTGRES=1 (as in CI),
where an unreachable server fails them.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.runtime.clock import FixedClock
from storage.db import Database

POSTGRES_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
REQUIRE_POSTGRES = os.environ.get("MENTORBOT_REQUIRE_POSTGRES") == "1"

# A Tuesday, 10:00 in Oslo: inside the hours the bot may write.
WORKDAY_MORNING = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(WORKDAY_MORNING)


async def _postgres_admin() -> object:
    import asyncpg

    url = POSTGRES_URL.replace("postgresql+asyncpg://", "postgresql://")
    try:
        return await asyncpg.connect(url, timeout=5)
    except (OSError, asyncpg.PostgresError) as error:
        message = f"PostgreSQL is not reachable at {POSTGRES_URL} ({error}); set TEST_POSTGRES_URL"
        if REQUIRE_POSTGRES:
            pytest.fail(message + " — required because MENTORBOT_REQUIRE_POSTGRES=1")
        pytest.skip(message)


async def fresh_database_url(kind: str, tmp_path: Path) -> AsyncIterator[str]:
    """A brand-new empty database of `kind`, dropped afterwards."""
    if kind == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'test.sqlite3'}"
        return
    admin = await _postgres_admin()
    name = f"mentorbot_{uuid.uuid4().hex[:12]}"
    await admin.execute(f'CREATE DATABASE "{name}"')  # type: ignore[attr-defined]
    base = POSTGRES_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[attr-defined]
        await admin.close()  # type: ignore[attr-defined]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
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
