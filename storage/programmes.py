"""Programmes, their cohorts and their settings."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    select,
)
from sqlmodel import col

from bot.domain.model import (
    Cohort,
    Programme,
)
from storage.models import (
    CohortRow,
    ProgrammeRow,
)
from storage.readers import (
    ProgrammeColumns,
    cohort_of,
    programme_of,
    programmes_by_id,
)
from storage.tables import (
    BaseRepository,
)

# What `update_programme` may set: every setting a programme reads; the id and the bound
# alert chat have their own writes.
_SETTINGS = set(ProgrammeColumns._fields) - {"id", "alert_chat_id"}


class Programmes(BaseRepository):
    """Programmes and cohorts, and a programme's settings."""

    async def create_programme(
        self, *, name: str, timezone: str, language: str, now: datetime
    ) -> Programme:
        return programme_of(
            await self._added(
                ProgrammeRow(name=name, timezone=timezone, language=language, created_at=now)
            )
        )

    async def create_cohort(
        self, *, programme_id: int, name: str, starts_on: date, ends_on: date, now: datetime
    ) -> Cohort:
        return cohort_of(
            await self._added(
                CohortRow(
                    programme_id=programme_id,
                    name=name,
                    starts_on=starts_on,
                    ends_on=ends_on,
                    created_at=now,
                )
            )
        )

    async def programme(self, programme_id: int) -> Programme | None:
        row = await self.session.get(ProgrammeRow, programme_id)
        return None if row is None else programme_of(row)

    async def programmes(self, ids: Iterable[int] | None = None) -> list[Programme]:
        return await programmes_by_id(self.session, ids)

    async def cohorts(self, programme_id: int) -> list[Cohort]:
        query = (
            select(CohortRow)
            .where(col(CohortRow.programme_id) == programme_id)
            .order_by(col(CohortRow.starts_on), col(CohortRow.id))
        )
        return [cohort_of(row) for row in (await self.session.scalars(query)).all()]

    async def cohort(self, cohort_id: int) -> Cohort | None:
        row = await self.session.get(CohortRow, cohort_id)
        return None if row is None else cohort_of(row)

    async def update_programme(self, programme_id: int, **values: Any) -> None:
        await self._update_fields(
            ProgrammeRow, programme_id, values, _SETTINGS, "a programme setting"
        )
