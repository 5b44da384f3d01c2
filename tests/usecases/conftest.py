"""The use-case tier: the use cases as the handlers, the tick and the command line call
them (bot/runtime/wiring.build_core), on a fresh SQLite database, with a clock that moves
only when told; no Telegram, no PTB, no delivery. A test here takes well under a second.

`world` is one programme with two regions (cohorts Oslo and Bergen), a coordinator of the
whole programme (Kari), one of Oslo only (Lars), a mentor and an adept in each region, and
a coordinator of another programme (Nils)."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest

from bot.domain.access import Actor
from bot.domain.model import Cohort, Person, Programme, Role
from bot.runtime.clock import FixedClock
from bot.runtime.wiring import Core, build_core
from storage.db import Database
from tests.support.rows import member, programme_and_cohort

STARTS, ENDS = date(2026, 3, 1), date(2026, 9, 30)


@pytest.fixture(scope="session")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty database with every migration applied, once per session: the migrations
    take a second or two, copying the file a millisecond."""
    path = tmp_path_factory.mktemp("usecases") / "migrated.sqlite3"

    async def upgrade() -> None:
        db = Database(f"sqlite+aiosqlite:///{path}")
        try:
            await db.upgrade()
        finally:
            await db.dispose()

    asyncio.run(upgrade())
    return path


@pytest.fixture
async def db(migrated: Path, tmp_path: Path) -> AsyncIterator[Database]:
    path = tmp_path / "usecases.sqlite3"
    shutil.copyfile(migrated, path)
    database = Database(f"sqlite+aiosqlite:///{path}")
    try:
        yield database
    finally:
        await database.dispose()


@pytest.fixture
async def core(db: Database, clock: FixedClock) -> Core:
    return build_core(db, clock, default_language="en", invite_ttl_days=30)


@dataclass
class World:
    core: Core
    clock: FixedClock
    db: Database
    programme: Programme
    oslo: Cohort
    bergen: Cohort
    other: Programme
    people: dict[str, Person] = field(default_factory=dict)

    async def actor(self, name: str) -> Actor:
        person = self.people[name]
        assert person.telegram_user_id is not None
        found = await self.core.services.actor(person.telegram_user_id)
        assert found is not None
        return found

    async def programme_now(self) -> Programme:
        async with self.db.unit() as uow:
            found = await uow.programmes.programme(self.programme.id)
        assert found is not None
        return found


# (name, role, region or None for the whole programme, intake)
CAST: tuple[tuple[str, Role, str | None, dict[str, object]], ...] = (
    ("kari", Role.COORDINATOR, None, {}),
    ("lars", Role.COORDINATOR, "oslo", {}),
    ("ola", Role.MENTOR, "oslo", {"field": "Nurse at Ullevål", "languages": ["en"]}),
    ("amina", Role.ADEPT, "oslo", {"field": "Nurse", "languages": ["en"]}),
    ("per", Role.MENTOR, "bergen", {"field": "Carpenter", "languages": ["en"]}),
    ("sara", Role.ADEPT, "bergen", {"field": "Carpentry", "languages": ["en"]}),
)


@pytest.fixture
async def world(core: Core, clock: FixedClock, db: Database) -> AsyncIterator[World]:
    now = clock.now()
    async with db.unit() as uow:
        programme, oslo = await programme_and_cohort(
            uow, now, name="Oslo", language="en", starts_on=STARTS, ends_on=ENDS
        )
        bergen = await uow.programmes.create_cohort(
            programme_id=programme.id, name="Bergen", starts_on=STARTS, ends_on=ENDS, now=now
        )
        other, _cohort = await programme_and_cohort(uow, now, name="Other", language="en")
        regions = {"oslo": oslo.id, "bergen": bergen.id}
        people = {
            name: await member(
                uow,
                programme.id,
                regions[region] if region else None,
                role,
                100 + number,
                name.title(),
                now,
                language="en",
                intake=intake,
            )
            for number, (name, role, region, intake) in enumerate(CAST)
        }
        people["nils"] = await member(
            uow, other.id, None, Role.COORDINATOR, 199, "Nils", now, language="en"
        )
    yield World(core, clock, db, programme, oslo, bergen, other, people)
