"""Fresh databases for tests and benchmarks: SQLite in a folder, or a new PostgreSQL database
dropped afterwards, and the moment most tests start at.

PostgreSQL tests need a server (TEST_POSTGRES_URL, default the local one). Where there is
none they are skipped with the reason, except when MENTORBOT_REQUIRE_POSTGRES=1 (as in CI),
where an unreachable server fails them.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlmodel import SQLModel

from storage.db import Database

POSTGRES_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
REQUIRE_POSTGRES = os.environ.get("MENTORBOT_REQUIRE_POSTGRES") == "1"

# A Tuesday, 10:00 in Oslo: inside the hours the bot may write.
WORKDAY_MORNING = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)

# The two kinds a storage test runs on; PostgreSQL's is marked so it can be skipped.
EACH_DATABASE = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


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


async def fresh_database_urls(kind: str, tmp_path: Path, count: int) -> AsyncIterator[list[str]]:
    """`count` fresh databases of one kind, each in its own folder."""
    urls: list[str] = []
    generators = []
    for number in range(count):
        directory = tmp_path / f"db{number}"
        directory.mkdir()
        generator = fresh_database_url(kind, directory)
        generators.append(generator)
        urls.append(await anext(generator))
    try:
        yield urls
    finally:
        for generator in reversed(generators):
            await generator.aclose()


async def dump(database: Database) -> str:
    """Every row of every table, as text (JSON written out, not escaped): what erasure
    tests search for a person's name, id or words."""
    lines = []
    async with database.session() as session:
        for table in SQLModel.metadata.sorted_tables:
            for row in (await session.execute(select(table))).mappings():
                values = {
                    k: json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list) else str(v)
                    for k, v in row.items()
                }
                lines.append(f"{table.name} {values}")
    return "\n".join(lines)
