"""UnitOfWork queries on SQLite and PostgreSQL: outbox idempotency and leases, invites, members."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.model import Dialogue, OutboxStatus, OutgoingMessage, Role
from storage.db import Database
from tests.support.rows import active_pair, person, programme_and_cohort

NOW = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)


def message(key: str, *, chat_id: int = 1, not_before: datetime | None = None) -> OutgoingMessage:
    return OutgoingMessage(
        idempotency_key=key, chat_id=chat_id, text=f"text {key}", not_before=not_before
    )


async def test_enqueue_is_idempotent(database: Database) -> None:
    async with database.unit() as uow:
        assert await uow.outbox.enqueue([message("a"), message("b")], NOW) == 2
    async with database.unit() as uow:
        assert await uow.outbox.enqueue([message("a"), message("c")], NOW) == 1
    async with database.unit() as uow:
        items = await uow.outbox.outbox_items()
    assert [item.idempotency_key for item in items] == ["a", "b", "c"]
    assert all(item.status is OutboxStatus.PENDING for item in items)


async def test_claim_takes_only_due_rows_and_leases_them(database: Database) -> None:
    async with database.unit() as uow:
        await uow.outbox.enqueue(
            [message("now"), message("later", not_before=NOW + timedelta(hours=1))], NOW
        )
    lease = timedelta(minutes=2)
    async with database.unit() as uow:
        claimed = await uow.outbox.claim_due(NOW, limit=10, lease=lease)
    assert [item.idempotency_key for item in claimed] == ["now"]
    assert claimed[0].attempts == 1
    async with database.unit() as uow:
        assert await uow.outbox.claim_due(NOW + timedelta(minutes=1), limit=10, lease=lease) == []
    # The worker that held the lease died: after the lease the row is claimable again.
    async with database.unit() as uow:
        again = await uow.outbox.claim_due(NOW + timedelta(minutes=3), limit=10, lease=lease)
    assert [item.idempotency_key for item in again] == ["now"]
    assert again[0].attempts == 2


async def test_sent_rows_are_never_claimed_again(database: Database) -> None:
    async with database.unit() as uow:
        await uow.outbox.enqueue([message("once")], NOW)
    async with database.unit() as uow:
        [item] = await uow.outbox.claim_due(NOW, limit=10, lease=timedelta(seconds=1))
        await uow.outbox.outbox_sent(item.id, message_id=77, now=NOW)
    async with database.unit() as uow:
        later = NOW + timedelta(days=1)
        assert await uow.outbox.claim_due(later, limit=10, lease=timedelta(seconds=1)) == []
        counts = await uow.outbox.outbox_counts()
    assert counts == {OutboxStatus.SENT: 1}


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_concurrent_claimers_never_share_a_row(database: Database) -> None:
    async with database.unit() as uow:
        await uow.outbox.enqueue([message(f"m{i}", chat_id=i) for i in range(40)], NOW)

    async def claim_in_open_transaction(gate: asyncio.Event, hold: asyncio.Event) -> list[int]:
        async with database.unit() as uow:
            items = await uow.outbox.claim_due(NOW, limit=15, lease=timedelta(minutes=1))
            gate.set()
            await hold.wait()
            return [item.id for item in items]

    first_gate, second_gate, hold = asyncio.Event(), asyncio.Event(), asyncio.Event()
    first = asyncio.create_task(claim_in_open_transaction(first_gate, hold))
    await first_gate.wait()
    # The first transaction still holds its row locks; SKIP LOCKED must pass them by.
    second = asyncio.create_task(claim_in_open_transaction(second_gate, hold))
    await second_gate.wait()
    hold.set()
    a, b = await first, await second
    assert len(a) == 15 and len(b) == 15
    assert not set(a) & set(b)


async def test_an_invite_is_used_once(database: Database) -> None:
    async with database.unit() as uow:
        programme = await uow.programmes.create_programme(
            name="P", timezone="Europe/Oslo", language="nb", now=NOW
        )
        await uow.invites.add_invites(
            programme_id=programme.id,
            cohort_id=None,
            role=Role.MENTOR,
            token_hashes=["h1"],
            now=NOW,
            expires_at=NOW + timedelta(days=1),
        )
        person = await uow.people.add_person(
            telegram_user_id=1, first_name="A", last_name=None, telegram_language="nb", now=NOW
        )
        other = await uow.people.add_person(
            telegram_user_id=2, first_name="B", last_name=None, telegram_language=None, now=NOW
        )
        invite = await uow.invites.invite_by_hash("h1")
        assert invite is not None and invite.role is Role.MENTOR and invite.used_at is None
        assert await uow.invites.use_invite(invite.id, person.id, NOW)
        assert not await uow.invites.use_invite(invite.id, other.id, NOW)
        used = await uow.invites.invite_by_hash("h1")
        assert used is not None and used.used_at == NOW
        assert await uow.invites.invite_by_hash("nope") is None


async def test_members_are_those_who_take_part_with_their_open_pairs(database: Database) -> None:
    async with database.unit() as uow:
        programme, cohort = await programme_and_cohort(uow, NOW)
        other_programme, _cohort = await programme_and_cohort(uow, NOW, name="Q")
        names = ["Mona", "Adam", "Berit", "Carl", "Dina", "Erik", "Frid"]
        people = [
            await person(uow, i, name, NOW, consented=name not in ("Dina", "Frid"))
            for i, name in enumerate(names, 1)
        ]
        mona, adam, berit, carl, dina, erik, frid = people
        # Dina said no; Erik deleted his data; Frid has the consent question open.
        await uow.privacy.erase_people([erik.id], NOW)
        await uow.dialogues.save_dialogue(
            Dialogue(frid.id, "intake", "consent", {"role": "adept"}), NOW
        )
        for member, role, programme_id, cohort_id in (
            *((adept, Role.ADEPT, programme.id, cohort.id) for adept in (dina, erik, frid)),
            (mona, Role.MENTOR, programme.id, cohort.id),
            *((adept, Role.ADEPT, programme.id, cohort.id) for adept in (adam, berit)),
            (carl, Role.ADEPT, other_programme.id, None),
        ):
            await uow.people.add_membership(
                person_id=member.id,
                programme_id=programme_id,
                cohort_id=cohort_id,
                role=role,
                now=NOW,
            )
        await uow.pairs.add_pair(
            programme_id=programme.id,
            cohort_id=cohort.id,
            mentor_id=mona.id,
            adept_id=adam.id,
            now=NOW,
        )
        adepts = await uow.people.members(programme.id, Role.ADEPT)
        mentors = await uow.people.members(programme.id, Role.MENTOR)
        left_out = await uow.people.left_out(programme.id)
        everyone = await uow.people.people(p.id for p in people)
    # Only people who take part are members to offer and pair.
    assert [(p.first_name, n) for _m, p, n in adepts] == [("Adam", 1), ("Berit", 0)]
    assert [(p.first_name, n) for _m, p, n in mentors] == [("Mona", 1)]
    # The SQL rule is the domain's.
    in_programme = {mona.id, adam.id, berit.id, dina.id, erik.id, frid.id}
    assert {p.id for _m, p, _n in [*adepts, *mentors]} == {
        i for i in in_programme if everyone[i].eligible
    }
    assert {p.id: said_no for _m, p, said_no in left_out} == {
        dina.id: True,
        frid.id: False,
        erik.id: False,
    }


async def test_update_ids_are_handled_once(database: Database) -> None:
    async with database.unit() as uow:
        assert await uow.updates.first_time_update(42, NOW)
    async with database.unit() as uow:
        assert not await uow.updates.first_time_update(42, NOW)
        assert await uow.updates.first_time_update(43, NOW)


async def test_send_budget_counts_a_rolling_window(database: Database) -> None:
    span = timedelta(seconds=1)
    moments = [NOW + timedelta(milliseconds=m) for m in (0, 300, 600)]
    async with database.unit() as uow:
        for moment in moments:
            assert await uow.send_budget.send_window_full("chat:7", moment, 3, span) is None
            await uow.send_budget.record_sends(["chat:7"], moment)
        # Full until the oldest of the three leaves the window.
        later = NOW + timedelta(milliseconds=900)
        assert await uow.send_budget.send_window_full("chat:7", later, 3, span) == NOW + span
        assert await uow.send_budget.send_window_full("chat:7", NOW + span, 3, span) is None
        assert await uow.send_budget.send_window_full("chat:8", later, 1, span) is None
        assert await uow.send_budget.forget_send_windows(NOW + timedelta(milliseconds=301)) == 2


async def test_a_pair_keeps_every_pause(database: Database) -> None:
    """pair.pauses, written by set_pause and read back with the pair, on both databases."""
    async with database.unit() as uow:
        programme, cohort = await programme_and_cohort(uow, NOW)
        mona, adam = [await person(uow, i, name, NOW) for i, name in ((1, "Mona"), (2, "Adam"))]
        pair_id = await active_pair(uow, programme.id, cohort.id, mona.id, adam.id, NOW)
        day = NOW.date()
        await uow.pairs.set_pause(pair_id, day + timedelta(days=10), NOW)
        await uow.pairs.set_pause(pair_id, day + timedelta(days=20), NOW + timedelta(days=5))
        await uow.pairs.set_pause(pair_id, None, NOW + timedelta(days=8))  # goes on early
        await uow.pairs.set_pause(pair_id, day + timedelta(days=40), NOW + timedelta(days=30))
        view = await uow.pairs.pair_view(pair_id)
    assert view is not None
    assert view.pair.pauses == (
        (day, day + timedelta(days=7)),
        (day + timedelta(days=30), day + timedelta(days=40)),
    )
    assert view.pair.paused_until == day + timedelta(days=40)
