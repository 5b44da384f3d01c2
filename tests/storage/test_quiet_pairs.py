"""Quiet pairs: the tick skips a pair until a rule could act on it, and any write to what
the rules read wakes it, whoever makes the write (triggers, migration 0011).

On SQLite and PostgreSQL. The writes here are plain SQL on purpose: a handler, the CLI or
a hand-written UPDATE must wake a pair as surely as the repository does.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlmodel import col

from bot.domain.rhythm import NudgeKind
from bot.runtime.clock import FixedClock, as_utc
from bot.runtime.wiring import build_core
from bot.usecases.tick import tick
from storage.db import Database
from storage.models import OutboxRow
from tests.support.databases import fresh_database_url
from tests.support.seed import seed_pairs

NOW = datetime(2026, 3, 17, 9, 30, tzinfo=UTC)  # a Tuesday morning in Oslo
LATER = NOW + timedelta(hours=1)


async def awake(db: Database, at: datetime = LATER) -> set[int]:
    async with db.unit() as uow:
        revisions, _ = await uow.tick.awake_pairs(at)
        return set(revisions)


async def quiet_all(db: Database) -> None:
    """Marks every pair quiet for a day, at the revision it has now."""
    async with db.unit() as uow:
        seen, _ = await uow.tick.awake_pairs(NOW)
        await uow.tick.mark_quiet(
            [(pair, NOW + timedelta(days=1), rev) for pair, rev in seen.items()]
        )


async def run(db: Database, sql: str, **values: Any) -> None:
    async with db.session() as session:
        await session.execute(text(sql), values)


async def layout(db: Database) -> dict[str, Any]:
    """Ids of the first two pairs, the first pair's mentor, programme and cohort."""
    async with db.session() as session:
        rows = (
            await session.execute(
                text("SELECT id, mentor_id, programme_id, cohort_id FROM pair ORDER BY id")
            )
        ).all()
    return {
        "pairs": [r[0] for r in rows],
        "p0": rows[0][0],
        "p1": rows[1][0],
        "mentor": rows[0][1],
        "programme": rows[0][2],
        "cohort": rows[0][3],
    }


@pytest.fixture
async def seeded(database: Database) -> dict[str, Any]:
    await seed_pairs(database, 4, NOW)
    return await layout(database)


async def test_a_pair_never_seen_is_awake_and_a_marked_one_sleeps(
    database: Database, seeded: dict[str, Any]
) -> None:
    assert await awake(database) == set(seeded["pairs"])
    await quiet_all(database)
    assert await awake(database) == set()
    # Until its moment: then it wakes by itself.
    assert await awake(database, NOW + timedelta(days=1)) == set(seeded["pairs"])


async def test_writes_to_a_pairs_own_rows_wake_that_pair_only(
    database: Database, seeded: dict[str, Any]
) -> None:
    p0, p1, mentor = seeded["p0"], seeded["p1"], seeded["mentor"]
    steps = [
        (
            "INSERT INTO planned_meeting (pair_id, planned_on, proposed_by, status, created_at)"
            " VALUES (:p, '2026-03-20', :m, 'proposed', :now)",
            p0,
        ),
        ("UPDATE planned_meeting SET status = 'confirmed' WHERE pair_id = :p", p0),
        ("DELETE FROM planned_meeting WHERE pair_id = :p", p0),
        (
            "INSERT INTO meeting (pair_id, held_on, logged_by, status, created_at)"
            " VALUES (:p, '2026-03-16', :m, 'reported', :now)",
            p0,
        ),
        (
            "INSERT INTO nudge (pair_id, person_id, period, kind, sent_at)"
            " VALUES (:p, :m, 'quiet-test', 'plan', :now)",
            p0,
        ),
        ("UPDATE nudge SET answered_at = :now WHERE period = 'quiet-test'", p0),
        ("UPDATE pair SET goals = '[\"Norsk\"]' WHERE id = :p", p1),
        ("UPDATE pair SET state = 'paused', paused_until = '2026-04-01' WHERE id = :p", p1),
    ]
    for sql, woken in steps:
        await quiet_all(database)
        await run(database, sql, p=woken, m=mentor, now=NOW)
        assert await awake(database) == {woken}, sql


@pytest.mark.parametrize(
    ("sql", "wakes"),
    [
        ("UPDATE person SET unreachable_since = :now WHERE id = :mentor", "p0"),
        ("UPDATE person SET weekly_note = false WHERE id = :mentor", "p0"),
        ("UPDATE programme SET cadence = 'twice_monthly' WHERE id = :programme", "all"),
        ("UPDATE programme SET day_starts = '08:00:00' WHERE id = :programme", "all"),
        # Another country's holidays are other days off.
        ("UPDATE programme SET country = 'SE' WHERE id = :programme", "all"),
        ("UPDATE cohort SET ends_on = '2026-12-30' WHERE id = :cohort", "all"),
        # How a message reads is decided when it is written; it does not wake anyone.
        ("UPDATE person SET first_name = 'Ny', telegram_language = 'en' WHERE id = :mentor", ""),
        ("UPDATE programme SET digest_week = '2026-W12', name = 'X' WHERE id = :programme", ""),
        # The tick's own mark is not a change.
        ("UPDATE pair SET quiet_until = :now WHERE id = :p0", "p0-asleep-until-now"),
    ],
)
async def test_shared_rows_wake_the_pairs_that_read_them(
    database: Database, seeded: dict[str, Any], sql: str, wakes: str
) -> None:
    await quiet_all(database)
    await run(
        database,
        sql,
        now=NOW,
        mentor=seeded["mentor"],
        programme=seeded["programme"],
        cohort=seeded["cohort"],
        p0=seeded["p0"],
    )
    expected = {
        "p0": {seeded["p0"]},
        "all": set(seeded["pairs"]),
        "": set(),
        # quiet_until is now in the past: awake because of time, not because of a change.
        "p0-asleep-until-now": {seeded["p0"]},
    }[wakes]
    assert await awake(database) == expected
    if wakes == "p0-asleep-until-now":
        assert await awake(database, NOW - timedelta(minutes=1)) == set()


async def test_after_a_tick_only_a_changed_pair_is_looked_at(
    database: Database, seeded: dict[str, Any]
) -> None:
    core = build_core(database, FixedClock(NOW), default_language="nb", invite_ttl_days=30)
    first = await tick(core)
    assert first.queued > 0
    # What the tick wrote itself (nudges, alerts) does not wake the pairs it wrote it for.
    assert await awake(database, NOW) == set()
    await run(
        database,
        "INSERT INTO meeting (pair_id, held_on, logged_by, status, created_at)"
        " VALUES (:p, '2026-03-16', :m, 'confirmed', :now)",
        p=seeded["p1"],
        m=seeded["mentor"],
        now=NOW,
    )
    assert await awake(database, NOW) == {seeded["p1"]}
    await tick(core)
    assert await awake(database, NOW) == set()


async def test_a_tick_looks_at_a_slice_and_the_next_takes_the_rest(
    database: Database, seeded: dict[str, Any]
) -> None:
    core = build_core(database, FixedClock(NOW), default_language="nb", invite_ttl_days=30)
    first = await tick(core, pairs_per_tick=3)
    assert first.more and first.queued > 0
    # The first three by id were looked at and marked; the fourth waits its turn.
    assert await awake(database, NOW) == {seeded["pairs"][3]}
    second = await tick(core, pairs_per_tick=3)
    assert not second.more
    assert await awake(database, NOW) == set()
    # A slice exactly as big as what is awake says "more", and the next tick finds none.
    await run(database, "UPDATE pair SET quiet_until = NULL")
    assert (await tick(core, pairs_per_tick=4)).more
    assert not (await tick(core, pairs_per_tick=4)).more


async def test_a_person_in_pairs_of_different_slices_gets_one_nudge_a_day(
    database: Database, seeded: dict[str, Any]
) -> None:
    """One mentor in the first and the last pair, one pair per tick: the day's slot the
    first slice fills holds for the last one (it reads what the first queued)."""
    shared = seeded["mentor"]
    last = seeded["pairs"][-1]
    await run(database, "UPDATE pair SET mentor_id = :m WHERE id = :p", m=shared, p=last)
    clock = FixedClock(NOW)
    core = build_core(database, clock, default_language="nb", invite_ttl_days=30)
    for day in range(28):
        clock.set(datetime(2026, 3, 17, 7, 0, tzinfo=UTC) + timedelta(days=day))
        while (await tick(core, pairs_per_tick=1)).more:
            pass
    async with database.session() as session:
        rows = (
            await session.execute(
                select(OutboxRow.kind, OutboxRow.not_before).where(
                    col(OutboxRow.person_id) == shared
                )
            )
        ).all()
    kinds = (NudgeKind.PLAN, NudgeKind.REMIND, NudgeKind.CHECK_IN)
    days = [as_utc(when).date() for kind, when in rows if kind in kinds]
    assert len(days) >= 2, rows  # the shared mentor had work in the four weeks
    assert len(days) == len(set(days)), sorted(days)


@pytest.mark.postgres
async def test_one_instance_ticks_at_a_time_on_postgres(tmp_path: Path) -> None:
    # SQLite needs no lock: it has one writer at a time, and the tick writes first.
    async for url in fresh_database_url("postgres", tmp_path):
        database = Database(url)
        try:
            await database.upgrade()
            async with database.unit() as first, database.unit() as second:
                assert await first.tick.tick_lock()
                assert not await second.tick.tick_lock()
            async with database.unit() as again:
                assert await again.tick.tick_lock()  # released with its transaction
        finally:
            await database.dispose()


async def outbox_keys(db: Database) -> list[str]:
    async with db.session() as session:
        rows = await session.execute(text("SELECT idempotency_key FROM outbox ORDER BY id"))
        return [key for (key,) in rows]


async def alert_episodes(db: Database) -> list[tuple[Any, ...]]:
    """The alerts (these pairs' programmes have no one to post them to)."""
    async with db.session() as session:
        rows = await session.execute(
            text("SELECT pair_id, reason, since, status, opened_at FROM alert ORDER BY id")
        )
        return [tuple(row) for row in rows]


async def test_skipping_quiet_pairs_queues_exactly_what_looking_at_all_of_them_does(
    three_urls: tuple[str, str, str],
) -> None:
    """Three weeks of ticks (night, morning, noon, evening) over realistic pairs, three
    times: skipping quiet pairs; skipping them and looking at five pairs per tick, one
    tick after another until none is left awake (as the running bot does in a big wave);
    and with every mark wiped before each tick (every pair looked at, as before there
    were marks). All three queue the same messages and open the same alerts; the first
    and the last in the same order too."""
    databases = [Database(url) for url in three_urls]
    clocks = [FixedClock(NOW) for _ in databases]
    try:
        for db in databases:
            await db.upgrade()
            await seed_pairs(db, 24, NOW)
        skipping_core, sliced_core, looking_core = (
            build_core(db, clock, default_language="nb", invite_ttl_days=30)
            for db, clock in zip(databases, clocks, strict=True)
        )
        skipping, sliced, looking = databases
        start = datetime(2026, 3, 16, 23, 5, tzinfo=UTC)  # 00:05 on a Tuesday in Oslo
        looked_at: list[int] = []
        slices: list[int] = []
        for day in range(21):
            for hours in (0, 9, 12, 19):
                moment = start + timedelta(days=day, hours=hours)
                for clock in clocks:
                    clock.set(moment)
                await run(looking, "UPDATE pair SET quiet_until = NULL")
                looked_at.append(len(await awake(skipping, moment)))
                await tick(skipping_core)
                await tick(looking_core)
                ticks = 1
                while (await tick(sliced_core, pairs_per_tick=5)).more:
                    ticks += 1
                slices.append(ticks)
                expected = await outbox_keys(looking)
                assert await outbox_keys(skipping) == expected, moment
                assert sorted(await outbox_keys(sliced)) == sorted(expected), moment
                episodes = await alert_episodes(looking)
                assert await alert_episodes(skipping) == episodes, moment
                assert sorted(await alert_episodes(sliced)) == sorted(episodes), moment
        assert len(await outbox_keys(skipping)) > 48, "the pairs should have had work"
        assert len(await alert_episodes(skipping)) > 4, "some pairs should have stalled"
        # And the skipping run did skip: most ticks found most pairs quiet.
        assert sum(looked_at) < len(looked_at) * 24 / 2, looked_at
        # And the sliced run did slice: the first wave took five ticks (24 pairs).
        assert slices[0] == 5 and max(slices) == 5, slices
    finally:
        for db in databases:
            await db.dispose()
