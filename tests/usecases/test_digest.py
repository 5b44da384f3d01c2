"""The weekly digest and the weekly note on the database: when the tick queues the digest
and to whom (a region's coordinator the region's), that it is queued once a week, that
/digest renders the same digest, and who gets a weekly note on which day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.domain.model import OutgoingMessage, Rhythm
from bot.runtime.wiring import Core
from bot.usecases.tick import tick
from storage.db import Database
from tests.support.rows import active_pair
from tests.support.seed import seed_pairs
from tests.usecases.conftest import World

# Monday 9 March 2026, 08:30 in Oslo: the digest (Mondays at 08:00 by default) is due.
DUE = datetime(2026, 3, 9, 7, 30, tzinfo=UTC)
WEEK = "2026-W11"


async def with_pairs(world: World) -> None:
    """Ola and Amina (Oslo) and Per and Sara (Bergen) are active pairs."""
    people, now = world.people, world.clock.now()
    async with world.db.unit() as uow:
        for mentor, adept, cohort in (("ola", "amina", world.oslo), ("per", "sara", world.bergen)):
            await active_pair(
                uow, world.programme.id, cohort.id, people[mentor].id, people[adept].id, now
            )


def digests(planned: list[OutgoingMessage]) -> dict[int, list[OutgoingMessage]]:
    """The digest messages queued, by chat."""
    found: dict[int, list[OutgoingMessage]] = {}
    for message in planned:
        if message.kind == "digest":
            found.setdefault(message.chat_id, []).append(message)
    return found


async def test_the_tick_queues_each_coordinator_their_digest_once_a_week(world: World) -> None:
    await with_pairs(world)
    world.clock.set(DUE - timedelta(hours=1))
    assert digests((await tick(world.core)).planned) == {}, "not before the hour"
    world.clock.set(DUE)
    queued = digests((await tick(world.core)).planned)
    kari, lars, nils = (world.people[n].telegram_user_id for n in ("kari", "lars", "nils"))
    assert set(queued) == {kari, lars, nils}, "every coordinator, of every programme"
    for chat, messages in queued.items():
        keys = [m.idempotency_key for m in messages]
        assert keys[-1].endswith(f":{WEEK}:{chat}:chart") and messages[-1].photo is not None
        assert all(key.startswith("digest:") and f":{WEEK}:{chat}:" in key for key in keys)
    assert (await world.programme_now()).digest_week == WEEK
    world.clock.set(DUE + timedelta(hours=2))
    assert digests((await tick(world.core)).planned) == {}, "once a week"


async def test_no_digest_when_the_programme_has_switched_it_off(world: World) -> None:
    await with_pairs(world)
    async with world.db.unit() as uow:
        await uow.programmes.update_programme(world.programme.id, digest_weekday=None)
    world.clock.set(DUE)
    queued = digests((await tick(world.core)).planned)
    assert set(queued) == {world.people["nils"].telegram_user_id}, "the other programme's only"


async def test_digest_on_demand_is_the_one_the_tick_sends(world: World) -> None:
    await with_pairs(world)
    world.clock.set(DUE)
    on_demand = world.core.digests.on_demand
    [whole] = await on_demand({world.programme.id: None}, "en")
    [region] = await on_demand({world.programme.id: world.oslo.id}, "en")
    assert (whole.digest.active, region.digest.active) == (2, 1)
    assert whole.parts != region.parts
    queued = digests((await tick(world.core)).planned)
    for person, rendered in (("kari", whole), ("lars", region)):
        sent = queued[world.people[person].telegram_user_id]
        assert [m.text for m in sent[:-1]] == rendered.parts
        assert sent[-1].text == rendered.caption


# Monday 16 March 2026, 09:30 in Oslo: the first working day of the week, inside the hours.
MONDAY = datetime(2026, 3, 16, 8, 30, tzinfo=UTC)


async def rhythms(db: Database) -> list[Rhythm]:
    async with db.unit() as uow:
        return await uow.meetings.rhythm_histories(since=MONDAY.date() - timedelta(days=2))


async def test_weekly_notes_on_the_first_working_day_inside_the_hours(
    core: Core, db: Database
) -> None:
    await seed_pairs(db, 12, MONDAY)
    found = await rhythms(db)
    notes, nudges = core.digests.weekly_notes(found, MONDAY, set())
    assert notes, "seeded pairs with a meeting planned have news"
    assert len(nudges) == len(notes)
    assert all(n.kind == "weekly_note" and ":2026-W12:" in n.idempotency_key for n in notes)
    for moment in (MONDAY + timedelta(days=1), MONDAY - timedelta(hours=4)):
        assert core.digests.weekly_notes(found, moment, set()) == ([], []), moment


async def test_no_weekly_note_for_who_switched_it_off_or_has_a_message_that_day(
    core: Core, db: Database
) -> None:
    await seed_pairs(db, 12, MONDAY)
    notes, _nudges = core.digests.weekly_notes(await rhythms(db), MONDAY, set())
    first, second = (n.person_id for n in notes[:2])
    assert first is not None and second is not None
    async with db.unit() as uow:
        person = await uow.people.person(first)
    assert person is not None
    assert not (await core.digests.set_weekly_note(person, False)).weekly_note
    taken = {(second, MONDAY.date())}
    later, _nudges = core.digests.weekly_notes(await rhythms(db), MONDAY, taken)
    assert {n.person_id for n in later} == {n.person_id for n in notes} - {first, second}
