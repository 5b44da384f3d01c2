"""The cohort's end in storage, on SQLite and PostgreSQL: ticks tell, ask, remind and end
pairs exactly once; answers are saved; the report's data is read in ten statements."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bench.common import counting_statements
from bot.domain.access import Scope
from bot.domain.model import PairState, Role
from bot.domain.report import build_report
from bot.runtime.clock import FixedClock
from bot.runtime.wiring import Core, build_core
from bot.usecases.evaluation import Refusal
from bot.usecases.tick import tick
from storage.db import Database
from storage.report import report_data

START = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
ENDS = date(2026, 4, 28)


async def setup(db: Database, pairs: int) -> tuple[Core, FixedClock, int, list[int]]:
    clock = FixedClock(START)
    core = build_core(db, clock, default_language="en", invite_ttl_days=30)
    ids = []
    async with db.unit() as uow:
        programme = await uow.programmes.create_programme(
            name="GF", timezone="Europe/Oslo", language="en", now=START
        )
        cohort = await uow.programmes.create_cohort(
            programme_id=programme.id,
            name="Spring",
            starts_on=date(2026, 3, 1),
            ends_on=ENDS,
            now=START,
        )
        for number in range(pairs):
            people = []
            for offset, role in ((0, Role.MENTOR), (1, Role.ADEPT)):
                person = await uow.people.add_person(
                    telegram_user_id=1000 + 2 * number + offset,
                    first_name=f"P{number}{offset}",
                    last_name=None,
                    telegram_language="en",
                    now=START,
                )
                # People take part (said yes); nothing is sent to anyone else.
                await uow.people.update_person(person.id, consented_at=START)
                await uow.people.add_membership(
                    person_id=person.id,
                    programme_id=programme.id,
                    cohort_id=cohort.id,
                    role=role,
                    now=START,
                )
                people.append(person)
            pair = await uow.pairs.add_pair(
                programme_id=programme.id,
                cohort_id=cohort.id,
                mentor_id=people[0].id,
                adept_id=people[1].id,
                now=START,
            )
            await uow.pairs.set_goals(pair.id, ["@cv", "Drive a bus"])
            await uow.pairs.activate_pair(pair.id, START)
            ids.append(pair.id)
    return core, clock, programme.id, ids


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


async def test_report_data_in_ten_statements(database: Database) -> None:
    core, clock, programme_id, pair_ids = await setup(database, 3)
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
