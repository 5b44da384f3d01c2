"""A tick that queues the weekly digest (to a coordinator of the whole programme and to a
region's) and weekly notes still sends the same number of SQL statements whatever the
number of pairs and gatherings, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from bot.domain.gatherings import Audience
from bot.domain.model import Role
from bot.runtime.clock import FixedClock
from bot.runtime.wiring import build_core
from bot.usecases.refusal import Refusal
from bot.usecases.tick import tick
from tests.support.rows import member
from tests.support.seed import seeded_database
from tests.support.statements import counting_statements

NOW = datetime(2026, 3, 16, 8, 30, tzinfo=UTC)  # Monday 09:30 in Oslo: the digest is due


async def digest_tick(
    url: str, pairs: int, gatherings: int
) -> tuple[int, list[str], int, list[str]]:
    """(statements, digest keys queued, weekly notes queued, digest texts) of one tick at
    NOW, with `gatherings` in the digest's weeks (of the whole programme and of its
    cohort)."""
    async with seeded_database(url, pairs, NOW) as (db, _seeded):
        async with db.unit() as uow:
            for telegram_id, name, cohort in ((42, "Kari", None), (43, "Lars", 1)):
                # Lars coordinates a region: its digest is cut from the same reads.
                await member(
                    uow,
                    1,
                    cohort,
                    Role.COORDINATOR,
                    telegram_id,
                    name,
                    NOW,
                    language="en",
                    consented=False,
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
            assert not isinstance(made, Refusal)
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
