"""Inbound de-duplication: an update is handled once, whichever instance gets it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from storage.models import (
    ProcessedUpdateRow,
)
from storage.tables import (
    BaseRepository,
    dialect_insert,
    prebuilt,
    rowcount,
    table,
)


class Updates(BaseRepository):
    """Updates seen."""

    async def first_time_update(self, update_id: int, now: datetime) -> bool:
        result = await self.session.execute(
            prebuilt(self._dialect, _first_time),
            {"update_id": update_id, "processed_at": now},
        )
        return bool(rowcount(result))


def _first_time(dialect: str) -> Any:
    return dialect_insert(dialect, table(ProcessedUpdateRow)).on_conflict_do_nothing(
        index_elements=["update_id"]
    )
