"""Queries for importing participants and for matching: imported intake on invites, and
suggestions a coordinator rejected. Plain data out, never ORM rows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col

from bot.domain.model import Role
from bot.runtime.clock import as_utc
from storage.models import InviteIntakeRow, InviteRow, MatchRejectionRow
from storage.tables import BaseRepository


@dataclass(frozen=True)
class Imported:
    """One row of a spreadsheet to store: the invite's hash, and what the sheet said."""

    token_hash: str
    role: Role
    name: str
    answers: dict[str, Any]


@dataclass(frozen=True)
class PendingImport:
    name: str
    role: Role
    answers: dict[str, Any]
    expires_at: datetime


class Roster(BaseRepository):
    """Imported rosters (invites with their intake answers) and refused matches."""

    async def add_imported(
        self,
        *,
        programme_id: int,
        cohort_id: int | None,
        people: Sequence[Imported],
        now: datetime,
        expires_at: datetime,
    ) -> None:
        """Invites and their intake, in two multi-row statements (the caller's transaction)."""
        if not people:
            return
        ids = (
            await self.session.scalars(
                insert(InviteRow).returning(col(InviteRow.id), sort_by_parameter_order=True),
                [
                    {
                        "programme_id": programme_id,
                        "cohort_id": cohort_id,
                        "role": person.role.value,
                        "token_hash": person.token_hash,
                        "created_at": now,
                        "expires_at": expires_at,
                    }
                    for person in people
                ],
            )
        ).all()
        await self.session.execute(
            insert(InviteIntakeRow),
            [
                {
                    "invite_id": invite_id,
                    "programme_id": programme_id,
                    "name": person.name,
                    "answers": person.answers,
                    "created_at": now,
                }
                for invite_id, person in zip(ids, people, strict=True)
            ],
        )

    async def pending_imports(self, programme_id: int, now: datetime) -> list[PendingImport]:
        """People imported into a programme whose invite is neither used nor expired."""
        query = (
            select(InviteIntakeRow, InviteRow)
            .join(InviteRow, col(InviteRow.id) == col(InviteIntakeRow.invite_id))
            .where(
                col(InviteIntakeRow.programme_id) == programme_id,
                col(InviteRow.used_at).is_(None),
                col(InviteRow.expires_at) > now,
            )
            .order_by(col(InviteIntakeRow.invite_id))
        )
        rows = (await self.session.execute(query)).all()
        return [
            PendingImport(
                name=intake_row.name,
                role=Role(invite.role),
                answers=dict(intake_row.answers or {}),
                expires_at=as_utc(invite.expires_at),
            )
            for intake_row, invite in rows
        ]

    async def imported_answers(self, invite_id: int) -> dict[str, Any]:
        row = await self.session.get(InviteIntakeRow, invite_id)
        return dict(row.answers or {}) if row is not None else {}

    async def rejections(self, programme_id: int) -> set[tuple[int, int]]:
        query = select(col(MatchRejectionRow.mentor_id), col(MatchRejectionRow.adept_id)).where(
            col(MatchRejectionRow.programme_id) == programme_id
        )
        return {(int(m), int(a)) for m, a in (await self.session.execute(query)).all()}

    async def reject(
        self,
        *,
        programme_id: int,
        mentor_id: int,
        adept_id: int,
        decided_by: int | None,
        now: datetime,
    ) -> None:
        dialect = self.session.get_bind().dialect.name
        insert_into = postgresql.insert if dialect == "postgresql" else sqlite.insert
        # Two coordinators may say no at the same moment: one row is enough.
        await self.session.execute(
            insert_into(MatchRejectionRow)
            .values(
                programme_id=programme_id,
                mentor_id=mentor_id,
                adept_id=adept_id,
                decided_by=decided_by,
                created_at=now,
            )
            .on_conflict_do_nothing()
        )
