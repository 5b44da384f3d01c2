"""Invitation links: stored by the hash of their token, used once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    select,
    update,
)
from sqlmodel import col

from bot.domain.model import (
    Role,
)
from bot.runtime.clock import as_utc
from storage.models import (
    InviteRow,
)
from storage.tables import (
    BaseRepository,
    rowcount,
    utc,
)


@dataclass(frozen=True)
class InviteRecord:
    id: int
    programme_id: int
    cohort_id: int | None
    role: Role
    expires_at: datetime
    used_at: datetime | None
    used_by_person_id: int | None = None


class Invites(BaseRepository):
    """Invitation links."""

    async def add_invites(
        self,
        *,
        programme_id: int,
        cohort_id: int | None,
        role: Role,
        token_hashes: Sequence[str],
        now: datetime,
        expires_at: datetime,
    ) -> None:
        for token_hash in token_hashes:
            self.session.add(
                InviteRow(
                    programme_id=programme_id,
                    cohort_id=cohort_id,
                    role=role.value,
                    token_hash=token_hash,
                    created_at=now,
                    expires_at=expires_at,
                )
            )
        await self.session.flush()

    async def invite_by_hash(self, token_hash: str) -> InviteRecord | None:
        row = (
            await self.session.scalars(
                select(InviteRow).where(col(InviteRow.token_hash) == token_hash)
            )
        ).one_or_none()
        if row is None or row.id is None:
            return None
        return InviteRecord(
            id=row.id,
            programme_id=row.programme_id,
            cohort_id=row.cohort_id,
            role=Role(row.role),
            expires_at=as_utc(row.expires_at),
            used_at=utc(row.used_at),
            used_by_person_id=row.used_by_person_id,
        )

    async def use_invite(self, invite_id: int, person_id: int, now: datetime) -> bool:
        """Marks the invite used; False when another update used it first (a race)."""
        result = await self.session.execute(
            update(InviteRow)
            .where(col(InviteRow.id) == invite_id, col(InviteRow.used_at).is_(None))
            .values(used_at=now, used_by_person_id=person_id)
        )
        return bool(rowcount(result))
