"""Alerts to coordinators, and the notes they keep on a pair."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    select,
    update,
)
from sqlmodel import col

from bot.domain.alerts import detail_to_json
from bot.domain.model import (
    Alert,
    AlertStatus,
    Note,
    PairState,
)
from bot.domain.stall import Stall
from bot.runtime.clock import as_utc
from storage.models import (
    AlertRow,
    NoteRow,
)
from storage.readers import (
    AlertColumns,
    alert_of,
    columns,
)
from storage.tables import (
    PAIRS,
    ROWS_PER_INSERT,
    Awake,
    BaseRepository,
    awake_condition,
    of_pairs,
    table,
)

# What `update_alert` may set.
_FIELDS = {"status", "taken_by", "snoozed_until", "resolved_at", "resolved_by", "detail", "posts"}


class Alerts(BaseRepository):
    """Alerts and notes."""

    async def alerts(
        self,
        *,
        unresolved_only: bool = False,
        pair_ids: Sequence[int] | None = None,
        awake: Awake | None = None,
    ) -> list[Alert]:
        """Alerts of pairs that are not ended (one statement); with `awake`, of the
        pairs the tick looks at."""
        alerts = table(AlertRow)
        live = [PAIRS.c.state != PairState.ENDED.value]
        if awake is not None:
            live.append(awake_condition(awake))
        query = (
            select(*columns(alerts.c, AlertColumns))
            .where(of_pairs(alerts.c.pair_id, *live))
            .order_by(alerts.c.id)
        )
        if unresolved_only:
            query = query.where(alerts.c.status != AlertStatus.RESOLVED.value)
        if pair_ids is not None:
            query = query.where(alerts.c.pair_id.in_(list(pair_ids)))
        return [alert_of(AlertColumns._make(v)) for v in await self.session.execute(query)]

    async def open_alerts(self, stalls: Sequence[tuple[int, Stall]], now: datetime) -> list[Alert]:
        """New alerts for (pair, stall), in one statement; a pair and reason that
        already has an open alert is skipped."""
        if not stalls:
            return []
        rows = [
            {
                "pair_id": pair_id,
                "reason": stall.reason.value,
                "since": stall.since,
                "open_key": f"{pair_id}:{stall.reason.value}",
                "status": AlertStatus.OPEN.value,
                "detail": detail_to_json(stall.detail),
                "opened_at": now,
                "posts": 1,
            }
            for pair_id, stall in stalls
        ]
        alerts = table(AlertRow)
        statement = (
            self._insert(alerts)
            .on_conflict_do_nothing(index_elements=["open_key"])
            .returning(*columns(alerts.c, AlertColumns))
        )
        return [
            alert_of(AlertColumns._make(v)) for v in await self.session.execute(statement, rows)
        ]

    async def set_alerts(self, ids: Sequence[int], **values: Any) -> None:
        """The same change to several alerts at once (the tick resolves or reopens many)."""
        if not ids:
            return
        if values.get("status") == AlertStatus.RESOLVED.value:
            values["open_key"] = None
        wanted = list(ids)
        for start in range(0, len(wanted), ROWS_PER_INSERT):
            chunk = wanted[start : start + ROWS_PER_INSERT]
            await self.session.execute(
                update(AlertRow).where(col(AlertRow.id).in_(chunk)).values(**values)
            )

    async def reopen_alerts(self, ids: Sequence[int]) -> None:
        """Snoozes that ended: open again and posted once more."""
        await self.set_alerts(
            ids,
            status=AlertStatus.OPEN.value,
            snoozed_until=None,
            posts=col(AlertRow.posts) + 1,
        )

    async def alert(self, alert_id: int) -> Alert | None:
        row = await self.session.get(AlertRow, alert_id)
        return None if row is None else alert_of(row)

    async def update_alert(self, alert_id: int, **values: Any) -> None:
        # Resolved, the alert frees its open key: its pair may be alerted for the reason again.
        also = {"open_key": None} if values.get("status") == AlertStatus.RESOLVED.value else {}
        await self._update_fields(AlertRow, alert_id, values, _FIELDS, "an alert field", **also)

    async def add_note(self, pair_id: int, author_id: int | None, text: str, now: datetime) -> None:
        await self._added(NoteRow(pair_id=pair_id, author_id=author_id, text=text, created_at=now))

    async def notes_of(self, pair_id: int) -> list[Note]:
        rows = await self.session.scalars(
            select(NoteRow).where(col(NoteRow.pair_id) == pair_id).order_by(col(NoteRow.created_at))
        )
        return [
            Note(
                id=r.id or 0,
                pair_id=r.pair_id,
                author_id=r.author_id,
                text=r.text,
                created_at=as_utc(r.created_at),
            )
            for r in rows.all()
        ]
