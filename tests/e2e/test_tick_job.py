"""The running bot's tick job: a wave of awake pairs bigger than one tick is planned in
one run of the job, a tick after another, not a slice a minute."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.runtime.app import running_bot
from bot.runtime.clock import FixedClock
from bot.sim.emulator import BotApiEmulator
from handlers.routes import FRONTEND
from storage.db import Database
from tests.support.databases import WORKDAY_MORNING, fresh_database_url
from tests.support.harness import settings_for
from tests.support.seed import seed_pairs


async def awake_pairs(db: Database) -> set[int]:
    async with db.unit() as uow:
        revisions, _ = await uow.tick.awake_pairs(WORKDAY_MORNING)
        return set(revisions)


async def test_one_run_of_the_tick_job_takes_every_slice_of_a_wave(tmp_path: Path) -> None:
    async for url in fresh_database_url("sqlite", tmp_path):
        db = Database(url)
        await db.upgrade()
        await seed_pairs(db, 5, WORKDAY_MORNING)
        assert len(await awake_pairs(db)) == 5
        async with BotApiEmulator() as emulator:
            # Two pairs a tick, and the next run of the job an hour away: only going on
            # at once gets the five pairs looked at now.
            settings = settings_for(emulator, url).model_copy(
                update={"tick_pairs": 2, "tick_interval_seconds": 3600.0}
            )
            async with running_bot(
                settings,
                frontend=FRONTEND,
                db=db,
                clock=FixedClock(WORKDAY_MORNING),
                poll_timeout=1,
            ):
                for _ in range(300):
                    if not await awake_pairs(db):
                        break
                    await asyncio.sleep(0.1)
                assert await awake_pairs(db) == set()
        await db.dispose()
