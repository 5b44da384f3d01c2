"""Roster queries on SQLite and PostgreSQL: imported intake on invites, and rejections."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from bot.domain.model import Role
from storage.db import Database
from storage.roster import Imported

NOW = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)


async def test_imported_people_wait_on_their_invites(database: Database) -> None:
    async with database.unit() as uow:
        programme = await uow.programmes.create_programme(
            name="P", timezone="Europe/Oslo", language="nb", now=NOW
        )
        other = await uow.programmes.create_programme(
            name="Q", timezone="Europe/Oslo", language="nb", now=NOW
        )
        people = [
            Imported(f"hash{n}", Role.ADEPT if n % 2 else Role.MENTOR, f"Person {n}", {"n": n})
            for n in range(1500)  # more rows than one statement of PostgreSQL parameters
        ]
        await uow.roster.add_imported(
            programme_id=programme.id,
            cohort_id=None,
            people=people,
            now=NOW,
            expires_at=NOW + timedelta(days=30),
        )
        await uow.roster.add_imported(
            programme_id=other.id,
            cohort_id=None,
            people=[Imported("elsewhere", Role.MENTOR, "Else", {})],
            now=NOW,
            expires_at=NOW + timedelta(days=30),
        )
    async with database.unit() as uow:
        invite = await uow.invites.invite_by_hash("hash7")
        assert invite is not None and invite.role is Role.ADEPT
        # Each invite got its own person's answers, in the order given.
        assert await uow.roster.imported_answers(invite.id) == {"n": 7}
        pending = await uow.roster.pending_imports(programme.id, NOW)
        assert len(pending) == 1500 and pending[7].name == "Person 7"
        assert pending[0].expires_at == NOW + timedelta(days=30)
        person = await uow.people.add_person(
            telegram_user_id=1, first_name="A", last_name=None, telegram_language=None, now=NOW
        )
        assert await uow.invites.use_invite(invite.id, person.id, NOW)
    async with database.unit() as uow:
        assert len(await uow.roster.pending_imports(programme.id, NOW)) == 1499
        assert await uow.roster.pending_imports(programme.id, NOW + timedelta(days=31)) == []
        assert [p.name for p in await uow.roster.pending_imports(other.id, NOW)] == ["Else"]
        assert await uow.roster.imported_answers(999_999) == {}


async def test_a_transaction_that_fails_imports_nobody(database: Database) -> None:
    async with database.unit() as uow:
        programme = await uow.programmes.create_programme(
            name="P", timezone="Europe/Oslo", language="nb", now=NOW
        )
    with pytest.raises(IntegrityError):
        async with database.unit() as uow:
            await uow.roster.add_imported(
                programme_id=programme.id,
                cohort_id=None,
                people=[
                    Imported("same", Role.MENTOR, "A", {}),
                    Imported("same", Role.ADEPT, "B", {}),
                ],
                now=NOW,
                expires_at=NOW + timedelta(days=1),
            )
    async with database.unit() as uow:
        assert await uow.roster.pending_imports(programme.id, NOW) == []


async def test_a_rejection_is_kept_once(database: Database) -> None:
    async with database.unit() as uow:
        programme = await uow.programmes.create_programme(
            name="P", timezone="Europe/Oslo", language="nb", now=NOW
        )
        mentor = await uow.people.add_person(
            telegram_user_id=1, first_name="M", last_name=None, telegram_language=None, now=NOW
        )
        adept = await uow.people.add_person(
            telegram_user_id=2, first_name="A", last_name=None, telegram_language=None, now=NOW
        )
    for _ in range(2):
        async with database.unit() as uow:
            await uow.roster.reject(
                programme_id=programme.id,
                mentor_id=mentor.id,
                adept_id=adept.id,
                decided_by=None,
                now=NOW,
            )
    async with database.unit() as uow:
        assert await uow.roster.rejections(programme.id) == {(mentor.id, adept.id)}
        assert await uow.roster.rejections(programme.id + 1) == set()
