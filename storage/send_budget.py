"""The send budget shared by every instance (Telegram's flood limits)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import (
    and_,
    delete,
    func,
    or_,
    select,
    update,
)
from sqlmodel import col

from bot.runtime.clock import as_utc
from storage.models import (
    SendBudgetRow,
)
from storage.tables import (
    BaseRepository,
    rowcount,
)


class SendBudget(BaseRepository):
    """Sends counted per bucket and moment."""

    async def lock_send_budget(self, key: int) -> None:
        """Held until this transaction ends: one instance at a time takes a send slot."""
        if self._dialect == "postgresql":
            # Labelled: the statement is the send budget's, as logs and counts see it.
            lock = select(func.pg_advisory_xact_lock(key)).prefix_with("/* send_budget */")
            await self.session.execute(lock)

    async def send_window_full(
        self,
        bucket: str,
        now: datetime,
        limit: int,
        span: timedelta,
        *,
        spacing: timedelta = timedelta(0),
    ) -> datetime | None:
        """None if fewer than `limit` messages of `bucket` went in the `span` before `now`
        and none in the `spacing` before it; else when there is room again."""
        [until] = await self.send_windows_full([(bucket, limit, span, spacing)], now)
        return until

    async def send_windows_full(
        self, limits: Sequence[tuple[str, int, timedelta, timedelta]], now: datetime
    ) -> list[datetime | None]:
        """`send_window_full` for several (bucket, limit, span, spacing) in one statement
        (a reply's slot is asked for on every update)."""
        moment = col(SendBudgetRow.window_start)
        bucket = col(SendBudgetRow.bucket)
        query = select(bucket, moment, col(SendBudgetRow.used)).where(
            or_(*(and_(bucket == name, moment > now - span) for name, _l, span, _s in limits))
        )
        recent: dict[str, list[tuple[datetime, int]]] = {}
        for name, when, used in (await self.session.execute(query)).all():
            recent.setdefault(name, []).append((as_utc(when), used))
        result: list[datetime | None] = []
        for name, limit, span, spacing in limits:
            result.append(None)
            counted = 0
            # Messages of one moment share a row (two instances in the same microsecond).
            for when, used in sorted(recent.get(name, ()), reverse=True):
                if not counted and when + spacing > now:
                    result[-1] = when + spacing
                    break
                counted += used
                if counted >= limit:
                    result[-1] = when + span
                    break
        return result

    async def record_sends(self, buckets: Sequence[str], now: datetime) -> None:
        """One message at `now` in each bucket (see `send_window_full`)."""
        insert = self._insert(SendBudgetRow)
        statement = insert.on_conflict_do_update(
            index_elements=["bucket", "window_start"],
            set_={"used": col(SendBudgetRow.used) + 1},
        )
        await self.session.execute(
            statement, [{"bucket": b, "window_start": now, "used": 1} for b in buckets]
        )

    async def move_send(self, bucket: str, slot: datetime, answer: datetime) -> None:
        """One message of `bucket` counted at `answer` instead of at `slot`."""
        at_slot = and_(col(SendBudgetRow.bucket) == bucket, col(SendBudgetRow.window_start) == slot)
        await self.session.execute(
            update(SendBudgetRow)
            .where(at_slot, col(SendBudgetRow.used) > 0)
            .values(used=col(SendBudgetRow.used) - 1)
            .execution_options(synchronize_session=False)
        )
        await self.session.execute(
            delete(SendBudgetRow).where(at_slot, col(SendBudgetRow.used) <= 0)
        )
        await self.record_sends([bucket], answer)

    async def forget_send_windows(self, before: datetime) -> int:
        result = await self.session.execute(
            delete(SendBudgetRow).where(col(SendBudgetRow.window_start) < before)
        )
        return rowcount(result)
