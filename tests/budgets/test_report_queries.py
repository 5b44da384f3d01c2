"""The evaluation report's data is read in ten statements, whatever the number of pairs,
on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.domain.access import Scope
from bot.domain.report import build_report
from bot.runtime.clock import FixedClock
from bot.runtime.wiring import build_core
from bot.usecases.refusal import Refusal
from bot.usecases.tick import tick
from storage.db import Database
from storage.report import report_data
from tests.support.rows import programme_with_pairs
from tests.support.statements import counting_statements

START = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
ENDS = date(2026, 4, 28)


async def test_report_data_in_ten_statements(database: Database) -> None:
    clock = FixedClock(START)
    core = build_core(database, clock, default_language="en", invite_ttl_days=30)
    seeded = await programme_with_pairs(
        database, START, 3, starts_on=date(2026, 3, 1), ends_on=ENDS
    )
    programme_id, pair_ids = seeded.programme_id, seeded.pair_ids
    clock.set(datetime(2026, 4, 28, 7, 30, tzinfo=UTC))
    await tick(core)
    async with database.unit() as uow:
        pair = await uow.pairs.pair(pair_ids[0])
        assert pair is not None
        adept = await uow.people.person(pair.adept_id)
        coordinator = await uow.people.add_person(
            telegram_user_id=5, first_name="Kari", last_name=None, telegram_language="en", now=START
        )
    assert adept is not None
    for code, value in (("o", "5"), ("g0", "4"), ("g1", "2"), ("oc", "job"), ("ot", None)):
        assert not isinstance(
            await core.cohort_end.answer(adept, pair_ids[0], code, value), Refusal
        )
    assert not isinstance(
        await core.cohort_end.record_outcome(
            coordinator, pair_ids[1], "internship", None, Scope.whole([programme_id])
        ),
        Refusal,
    )
    assert isinstance(
        await core.cohort_end.record_outcome(
            coordinator, pair_ids[1], "job", None, Scope.whole([999])
        ),
        Refusal,
    )
    async with database.unit() as uow:
        with counting_statements(database.engine) as counter:
            data = await report_data(uow, programme_id)
    assert data is not None
    assert counter.count == 10
    assert len(data.pairs) == 3 and len(data.evaluations) == 6 and len(data.outcomes) == 1
    report = build_report(data, ENDS)
    summary = {str(row[0]): row[1] for row in report.table("summary").rows}
    assert summary["Pairs ended"] == 3
    assert summary["Evaluations sent"] == 6
    assert summary["Adepts who got a job"] == 1
    assert summary["Adepts who got an internship"] == 1
    async with database.unit() as uow:
        assert await report_data(uow, programme_id, cohort_id=999) is None
        assert await report_data(uow, 999) is None
