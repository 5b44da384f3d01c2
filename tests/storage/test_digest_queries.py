"""A tick that queues the weekly digest (to a coordinator of the whole programme and to a
region's) and weekly notes still sends the same number of SQL statements whatever the
number of pairs and gatherings, on SQLite and PostgreSQL, and the digest's figures come out of the
database as the pure function expects them."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bench.common import counting_statements
from bench.seed import seed_pairs
from bot.domain import digest as rules
from bot.domain.gatherings import Audience
from bot.domain.model import PairState, Role
from bot.runtime.clock import FixedClock
from bot.runtime.wiring import build_core
from bot.usecases.gatherings import GatheringProblem
from bot.usecases.tick import tick
from storage.db import Database

NOW = datetime(2026, 3, 16, 8, 30, tzinfo=UTC)  # Monday 09:30 in Oslo: the digest is due


async def digest_tick(
    url: str, pairs: int, gatherings: int
) -> tuple[int, list[str], int, list[str]]:
    """(statements, digest keys queued, weekly notes queued, digest texts) of one tick at
    NOW, with `gatherings` in the digest's weeks (of the whole programme and of its
    cohort)."""
    db = Database(url)
    await db.upgrade()
    try:
        await seed_pairs(db, pairs, NOW)
        async with db.unit() as uow:
            kari = await uow.people.add_person(
                telegram_user_id=42,
                first_name="Kari",
                last_name=None,
                telegram_language="en",
                now=NOW,
            )
            await uow.people.add_membership(
                person_id=kari.id, programme_id=1, cohort_id=None, role=Role.COORDINATOR, now=NOW
            )
            # A region's coordinator: the region's digest is cut from the same reads.
            lars = await uow.people.add_person(
                telegram_user_id=43,
                first_name="Lars",
                last_name=None,
                telegram_language="en",
                now=NOW,
            )
            await uow.people.add_membership(
                person_id=lars.id, programme_id=1, cohort_id=1, role=Role.COORDINATOR, now=NOW
            )
        clock = FixedClock(NOW - timedelta(days=6))
        core = build_core(db, clock, default_language="nb", invite_ttl_days=30)
        for number in range(gatherings):
            made = await core.gatherings.create(
                None,
                1,
                title=f"Gathering {number}",
                starts_on=date(2026, 3, 11 + 2 * (number % 5)),
                starts_at=time(18, 0),
                place=None,
                audience=Audience.ALL,
                cohort_id=1 if number % 2 else None,
            )
            assert not isinstance(made, GatheringProblem)
        clock.set(NOW)
        with counting_statements(db.engine) as counter:
            report = await tick(core)
        digests = sorted(m.idempotency_key for m in report.planned if m.kind == "digest")
        notes = sum(1 for m in report.planned if m.kind == "weekly_note")
        texts = [m.text or "" for m in report.planned if m.kind == "digest"]
        async with db.unit() as uow:
            [programme] = await uow.programmes.programmes([1])
        assert programme.digest_week == "2026-W12"
        return counter.count, digests, notes, texts
    finally:
        await db.dispose()


async def test_a_digest_tick_does_not_grow_with_pairs(two_urls: tuple[str, str]) -> None:
    small_url, large_url = two_urls
    small, small_digests, small_notes, _texts = await digest_tick(small_url, 20, 1)
    large, large_digests, large_notes, texts = await digest_tick(large_url, 80, 6)
    # Both coordinators read every gathering (of the whole programme or of cohort 1).
    for number in range(6):
        assert sum(f"Gathering {number}" in text for text in texts) == 2, number
    assert small_digests == large_digests
    assert small_digests[0].startswith("digest:1:2026-W12:42:")
    assert "digest:1:2026-W12:42:chart" in small_digests
    assert small_digests[-1] == "digest:1:2026-W12:43:chart"
    assert large_notes > small_notes > 0, "seeded pairs with a meeting planned get a note"
    assert large == small, f"{small} statements for 20 pairs but {large} for 80"


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
