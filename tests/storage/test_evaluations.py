"""The cohort's end in storage, on SQLite and PostgreSQL: ticks tell, ask, remind and end
pairs exactly once; answers are saved."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.domain.model import PairState
from bot.runtime.clock import FixedClock
from bot.runtime.wiring import Core, build_core
from bot.usecases.refusal import Refusal
from bot.usecases.tick import tick
from storage.db import Database
from tests.support.rows import programme_with_pairs

START = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
ENDS = date(2026, 4, 28)


async def setup(db: Database, pairs: int) -> tuple[Core, FixedClock, int, list[int]]:
    clock = FixedClock(START)
    core = build_core(db, clock, default_language="en", invite_ttl_days=30)
    seeded = await programme_with_pairs(db, START, pairs, starts_on=date(2026, 3, 1), ends_on=ENDS)
    return core, clock, seeded.programme_id, seeded.pair_ids


def keys_of(items: list[object]) -> list[str]:
    return sorted(item.idempotency_key for item in items)


async def test_ticks_tell_ask_remind_and_end_once(database: Database) -> None:
    core, clock, _programme, [pair_id] = await setup(database, 1)
    clock.set(datetime(2026, 3, 31, 8, 0, tzinfo=UTC))
    await tick(core)
    await tick(core)
    async with database.unit() as uow:
        keys = keys_of(await uow.outbox.outbox_items())
        pair = await uow.pairs.pair(pair_id)
        assert pair is not None
        mine = [k for k in keys if k.startswith("evaluation:")]
        assert mine == [
            f"evaluation:{pair_id}:{pair.mentor_id}:notice",
            f"evaluation:{pair_id}:{pair.adept_id}:notice",
        ]
        noticed = await uow.evaluations.of(pair_id, pair.adept_id)
        assert noticed is not None and noticed.noticed_at is not None and noticed.asked_at is None

    clock.set(datetime(2026, 4, 28, 7, 30, tzinfo=UTC))
    await tick(core)
    async with database.unit() as uow:
        pair = await uow.pairs.pair(pair_id)
        assert pair is not None and pair.state is PairState.ENDED
        asked = await uow.evaluations.of(pair_id, pair.mentor_id)
        assert asked is not None and asked.asked_at == clock.now()
        assert asked.goals == ("@cv", "Drive a bus") and asked.role == "mentor"
        mentor = await uow.people.person(pair.mentor_id)
    assert mentor is not None

    # The mentor answers; a second answer to the same question is refused.
    result = await core.cohort_end.answer(mentor, pair_id, "o", "3")
    assert not isinstance(result, Refusal) and result.question is not None
    assert result.question.code == "g0"
    assert isinstance(await core.cohort_end.answer(mentor, pair_id, "o", "4"), Refusal)

    for days, expected in ((3, 1), (7, 2), (20, 2)):
        clock.set(datetime(2026, 4, 28, 7, 30, tzinfo=UTC) + timedelta(days=days))
        await tick(core)
        async with database.unit() as uow:
            found = await uow.evaluations.of(pair_id, pair.adept_id)
            keys = keys_of(await uow.outbox.outbox_items())
        assert found is not None and found.reminders == expected
        assert sum(":remind:" in k and f":{pair.adept_id}:" in k for k in keys) == expected
