"""Check-ins: a party's answer after a meeting or a period."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    or_,
    select,
)
from sqlmodel import col

from bot.domain.model import (
    CheckIn,
    PairState,
)
from bot.runtime.clock import as_utc
from storage.models import (
    CheckInRow,
)
from storage.readers import (
    check_in_of,
)
from storage.tables import (
    PAIRS,
    Awake,
    BaseRepository,
    awake_condition,
    of_pairs,
    table,
)

# What `update_check_in` may set.
_FIELDS = {"score", "comment", "help_text", "needs_help", "goals_progressed", "completed_at"}


class CheckIns(BaseRepository):
    """Check-ins and what the stall rules read of them."""

    async def start_check_in(
        self, *, pair_id: int, person_id: int, meeting_id: int | None, period: str, now: datetime
    ) -> int:
        row = await self._added(
            CheckInRow(
                pair_id=pair_id,
                person_id=person_id,
                meeting_id=meeting_id,
                period=period,
                goals_progressed=[],
                created_at=now,
            )
        )
        assert row.id is not None
        return row.id

    async def check_in(self, check_in_id: int) -> CheckIn | None:
        row = await self.session.get(CheckInRow, check_in_id)
        return None if row is None else check_in_of(row)

    async def update_check_in(self, check_in_id: int, **values: Any) -> None:
        await self._update_fields(CheckInRow, check_in_id, values, _FIELDS, "a check-in field")

    async def check_ins_of(self, pair_ids: Sequence[int]) -> list[CheckIn]:
        rows = await self.session.scalars(
            select(CheckInRow)
            .where(col(CheckInRow.pair_id).in_(list(pair_ids)))
            .order_by(col(CheckInRow.created_at), col(CheckInRow.id))
        )
        return [check_in_of(row) for row in rows.all()]

    async def stall_inputs(
        self, *, awake: Awake | None = None
    ) -> list[tuple[int, int, int | None, bool, datetime]]:
        """(pair, person, score, needs help, when) of finished check-ins of live pairs;
        with `awake`, of the pairs the tick looks at."""
        check_ins = table(CheckInRow)
        conditions = [awake_condition(awake)] if awake is not None else []
        rows = await self.session.execute(
            select(
                check_ins.c.pair_id,
                check_ins.c.person_id,
                check_ins.c.score,
                check_ins.c.needs_help,
                check_ins.c.created_at,
            )
            .where(
                of_pairs(check_ins.c.pair_id, PAIRS.c.state != PairState.ENDED.value, *conditions),
                or_(check_ins.c.score.is_not(None), check_ins.c.needs_help),
            )
            .order_by(check_ins.c.created_at, check_ins.c.id)
        )
        return [(p, person, score, bool(help_), as_utc(at)) for p, person, score, help_, at in rows]
