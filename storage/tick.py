"""The tick's own bookkeeping: one tick at a time, and which pairs it may skip."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import (
    bindparam,
    func,
    select,
    update,
)

from bot.domain.model import (
    PairState,
)
from storage.models import (
    TickWritingRow,
)
from storage.tables import (
    PAIRS,
    Awake,
    BaseRepository,
    awake_condition,
    table,
)

# PostgreSQL advisory lock held by the instance that ticks (see `TickState.tick_lock`).
TICK_LOCK = 0x6D656E746F72  # "mentor"


class TickState(BaseRepository):
    """The tick's lock and the pairs' quiet marks."""

    async def tick_lock(self) -> bool:
        """Whether this transaction may tick. One tick at a time: a tick reads the pairs
        that are awake in several statements and must not see another tick mark some of
        them quiet in between. On PostgreSQL an advisory lock, held until the
        transaction ends, is taken or the tick is skipped (another instance is ticking,
        and the next minute's tick comes anyway); SQLite has one writer at a time, and
        the tick writes first."""
        if self._dialect != "postgresql":
            return True
        taken = await self.session.scalar(select(func.pg_try_advisory_xact_lock(TICK_LOCK)))
        return bool(taken)

    async def tick_writes(self, writing: bool) -> None:
        """Whether what this transaction writes from now on is the tick's own, which does
        not wake the pairs it is about (the tick has taken it into account)."""
        await self.session.execute(update(table(TickWritingRow)).values(writing=writing))

    async def awake_pairs(
        self, now: datetime, *, limit: int | None = None
    ) -> tuple[dict[int, int], Awake]:
        """The revision of every pair the tick looks at now, and which those are for the
        reads that follow. With `limit`, the first `limit` awake pairs by id: a slice
        named by its last id, so that a pair that wakes while the tick reads (its id may
        be below) is read whole or not at all; such a pair has no revision here and is
        not marked. Read before their data: a change after this raises the revision
        above what the tick marks."""
        query = (
            select(PAIRS.c.id, PAIRS.c.revision)
            .where(PAIRS.c.state != PairState.ENDED.value, awake_condition(Awake(now)))
            .order_by(PAIRS.c.id)
        )
        if limit is not None:
            query = query.limit(limit)
        revisions = {pair_id: revision for pair_id, revision in await self.session.execute(query)}
        full = limit is not None and len(revisions) == limit
        return revisions, Awake(now, through=max(revisions) if full else None)

    async def mark_quiet(self, marks: Sequence[tuple[int, datetime, int]]) -> None:
        """(pair, quiet until, revision seen): the tick may skip the pair until then,
        as long as its revision stays the one seen."""
        if not marks:
            return
        await self.session.execute(
            update(PAIRS)
            .where(PAIRS.c.id == bindparam("pair"))
            .values(quiet_until=bindparam("until"), quiet_revision=bindparam("seen")),
            [{"pair": pair, "until": until, "seen": seen} for pair, until, seen in marks],
        )
