"""A scheduler tick sends the same number of SQL statements whatever the number of pairs.

Uses the benchmark's seeding (realistic histories: meetings, nudges, check-ins, plans)
on a small and a four times larger programme, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import cast

from telegram import Bot

from bot.domain.access import Scope
from bot.domain.alerts import LowScore, NoMeeting
from bot.domain.stall import Stall
from bot.runtime.clock import FixedClock
from bot.runtime.delivery import DeliveryReport, DeliveryWorker
from bot.runtime.wiring import build_core
from bot.usecases.tick import tick
from tests.support.seed import seeded_database
from tests.support.statements import counting_statements

NOW = datetime(2026, 3, 17, 9, 30, tzinfo=UTC)  # a Tuesday morning in Oslo


async def statements_per_tick(url: str, pairs: int) -> tuple[int, int]:
    """(statements, messages queued) of the first tick and of the one after it."""
    async with seeded_database(url, pairs, NOW) as (db, _seeded):
        core = build_core(db, FixedClock(NOW), default_language="nb", invite_ttl_days=30)
        with counting_statements(db.engine) as counter:
            report = await tick(core)
        return counter.count, report.queued


async def test_statements_per_tick_do_not_grow_with_pairs(two_urls: tuple[str, str]) -> None:
    small_url, large_url = two_urls
    small, small_queued = await statements_per_tick(small_url, 20)
    large, large_queued = await statements_per_tick(large_url, 80)
    assert large_queued > small_queued > 0, "the seeded pairs should have work due"
    assert large == small, f"{small} statements for 20 pairs but {large} for 80"


async def statements_for_unresolved(url: str, pairs: int) -> tuple[int, int]:
    """(statements, alerts listed) of a coordinator's /stalled over `pairs` stalled pairs."""
    async with seeded_database(url, pairs, NOW) as (db, seeded):
        core = build_core(db, FixedClock(NOW), default_language="nb", invite_ttl_days=30)
        async with core.services.db.unit() as uow:
            await uow.alerts.open_alerts(
                [(p.pair_id, Stall(NOW, NoMeeting(days=50))) for p in seeded]
                + [(p.pair_id, Stall(NOW, LowScore(person_id=0, score=1))) for p in seeded[::2]],
                NOW,
            )
            programme_ids = [p.id for p in await uow.programmes.programmes()]
        with counting_statements(db.engine) as counter:
            listed = await core.alerts.unresolved(Scope.whole(programme_ids))
        return counter.count, len(listed)


async def test_the_stalled_list_does_not_grow_with_alerts(two_urls: tuple[str, str]) -> None:
    small_url, large_url = two_urls
    small, small_listed = await statements_for_unresolved(small_url, 10)
    large, large_listed = await statements_for_unresolved(large_url, 40)
    assert (small_listed, large_listed) == (15, 60)
    assert large == small, f"{small} statements for 15 alerts but {large} for 60"


async def statements_to_check_a_batch(url: str, pairs: int) -> tuple[int, int]:
    """(statements, messages) of checking every message the first tick queued against
    the pairs' state, as the delivery worker does just before sending a batch."""
    async with seeded_database(url, pairs, NOW) as (db, _seeded):
        clock = FixedClock(NOW)
        await tick(build_core(db, clock, default_language="nb", invite_ttl_days=30))
        later = NOW + timedelta(days=2)
        async with db.unit() as uow:
            items = await uow.outbox.claim_due(later, limit=10_000, lease=timedelta(minutes=5))
        clock.set(later)
        worker = DeliveryWorker(db, cast(Bot, None), clock)
        with counting_statements(db.engine) as counter:
            await worker._still_holding(items, DeliveryReport())
        return counter.count, len(items)


async def test_checking_queued_messages_does_not_grow_with_the_batch(
    two_urls: tuple[str, str],
) -> None:
    small_url, large_url = two_urls
    small, small_batch = await statements_to_check_a_batch(small_url, 20)
    large, large_batch = await statements_to_check_a_batch(large_url, 80)
    assert large_batch > small_batch > 0, "the seeded pairs should have messages queued"
    assert large == small, f"{small} statements for {small_batch} but {large} for {large_batch}"
    assert 3 <= small <= 12, "the pairs are read, in a few statements"
