"""The digest's figures come out of the database as the pure function expects them, on
SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain import digest as rules
from bot.domain.model import PairState
from storage.db import Database
from tests.support.seed import seed_pairs

NOW = datetime(2026, 3, 16, 8, 30, tzinfo=UTC)  # Monday 09:30 in Oslo


async def test_digest_inputs_from_the_database(database: Database) -> None:
    await seed_pairs(database, 12, NOW)
    async with database.unit() as uow:
        programmes = await uow.programmes.programmes([1])
        [data] = (
            await uow.digest.digest_inputs(
                programmes,
                scores_since=NOW - timedelta(weeks=13),
                planned_from=NOW.date(),
                failed_since=NOW - timedelta(days=7),
                gatherings_between=(NOW - timedelta(days=7), NOW + timedelta(days=7)),
            )
        ).values()
        rhythms = await uow.meetings.rhythm_histories(since=NOW.date())
        check_ins = await uow.check_ins.check_ins_of([r.view.pair.id for r in rhythms])
    assert len(data.pairs) == 12
    assert {p.state for p in data.pairs} == {PairState.ACTIVE}
    held = sorted((r.view.pair.id, m.held_on) for r in rhythms for m in r.history.meetings)
    assert sorted((m.pair_id, m.held_on) for m in data.meetings) == held
    scored = [
        c for c in check_ins if c.score is not None and c.created_at >= NOW - timedelta(weeks=13)
    ]
    assert len(data.check_ins) == len(scored) > 0
    digest = rules.compute(data, NOW)
    assert digest.active == 12
    assert digest.by_state[PairState.ACTIVE] == 12
    first = datetime(2025, 12, 22, tzinfo=ZoneInfo("Europe/Oslo"))  # twelve Mondays back
    assert sum(digest.chart.scores) == len([c for c in data.check_ins if first <= c.at <= NOW])
