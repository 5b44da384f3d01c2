"""Pairs: who is paired with whom, their goals, pauses and end."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    and_,
    bindparam,
    or_,
    select,
    update,
)
from sqlmodel import col

from bot.domain.access import Scope
from bot.domain.model import (
    GoalRecord,
    OutboxStatus,
    Pair,
    PairState,
    PairView,
)
from bot.domain.rhythm import (
    with_pause,
)
from bot.runtime.clock import as_utc
from storage.models import (
    GoalRow,
    MeetingRow,
    OutboxRow,
    PairRow,
    PlannedMeetingRow,
)
from storage.readers import (
    pair_of,
    pauses_of,
    stored_pauses,
    view_of,
    with_parties,
)
from storage.tables import (
    LIVE_STATES,
    PAIRS,
    BaseRepository,
    rowcount,
)


class Pairs(BaseRepository):
    """Pairs, read with both people, and what changes a pair's state."""

    async def add_pair(
        self,
        *,
        programme_id: int,
        cohort_id: int,
        mentor_id: int,
        adept_id: int,
        now: datetime,
    ) -> Pair:
        return pair_of(
            await self._added(
                PairRow(
                    programme_id=programme_id,
                    cohort_id=cohort_id,
                    mentor_id=mentor_id,
                    adept_id=adept_id,
                    state=PairState.AWAITING_AGREEMENT.value,
                    created_at=now,
                )
            )
        )

    async def pair_views(self, programme_ids: Iterable[int]) -> list[PairView]:
        """Pairs of these programmes with both people, in one statement."""
        return await self._pair_views(col(PairRow.programme_id).in_(list(programme_ids)))

    async def pair_views_in(self, scope: Scope) -> list[PairView]:
        """Pairs in a coordinator's scope (whole programmes, or one cohort of one: a
        region), in one statement."""
        if not scope:
            return []
        return await self._pair_views(
            or_(
                *(
                    col(PairRow.programme_id) == programme_id
                    if cohort_id is None
                    else and_(
                        col(PairRow.programme_id) == programme_id,
                        col(PairRow.cohort_id) == cohort_id,
                    )
                    for programme_id, cohort_id in scope.cohorts
                )
            )
        )

    async def pair(self, pair_id: int) -> Pair | None:
        row = await self.session.get(PairRow, pair_id)
        return None if row is None else pair_of(row)

    async def pair_view(self, pair_id: int) -> PairView | None:
        views = await self._pair_views(col(PairRow.id) == pair_id)
        return views[0] if views else None

    async def pairs_of_person(self, person_id: int) -> list[PairView]:
        return await self._pair_views(
            or_(col(PairRow.mentor_id) == person_id, col(PairRow.adept_id) == person_id),
            col(PairRow.state) != PairState.ENDED.value,
        )

    async def live_pairs_of(self, person_id: int) -> list[PairView]:
        """The person's active and paused pairs with both people, as `pairs_of_person`
        orders them, in one statement of plain columns."""
        rows = await self.session.execute(_LIVE_PAIRS_OF, {"person_id": person_id})
        return [view_of(row) for row in rows]

    async def _pair_views(self, *conditions: Any) -> list[PairView]:
        """Pairs and both parties in one statement, by programme, as people see them."""
        query = with_parties().where(*conditions).order_by(PAIRS.c.programme_id, PAIRS.c.id)
        return [view_of(row) for row in await self.session.execute(query)]

    async def set_goals(self, pair_id: int, goals: Sequence[str]) -> None:
        await self._update(PairRow, pair_id, goals=list(goals))

    async def change_goals(
        self, pair_id: int, goals: Sequence[str], now: datetime, *, tell: bool
    ) -> None:
        """The open goals become `goals`: the ones no longer there are closed (kept with
        their dates), new ones are added. `tell` marks a change the mentor hears of in
        the next weekly note (a change to a plan already set, not its first writing)."""
        open_rows = (
            await self.session.scalars(
                select(GoalRow).where(
                    col(GoalRow.pair_id) == pair_id, col(GoalRow.closed_at).is_(None)
                )
            )
        ).all()
        held = {row.text for row in open_rows}
        pair = await self.session.get(PairRow, pair_id)
        assert pair is not None
        # Goals written before goals had their own rows get one as they close.
        for text in pair.goals or ():
            if text not in held and text not in goals:
                self.session.add(
                    GoalRow(pair_id=pair_id, text=text, added_at=pair.created_at, closed_at=now)
                )
        for row in open_rows:
            if row.text not in goals:
                row.closed_at = now
        for text in goals:
            if text not in held:
                self.session.add(GoalRow(pair_id=pair_id, text=text, added_at=now))
        values: dict[str, Any] = {"goals": list(goals)}
        if tell and list(goals) != list(pair.goals or ()):
            values["goals_changed_at"] = now
        await self._update(PairRow, pair_id, **values)

    async def goal_records(self, pair_ids: Sequence[int]) -> list[GoalRecord]:
        """Every goal these pairs have held, oldest first."""
        if not pair_ids:
            return []
        rows = await self.session.scalars(
            select(GoalRow)
            .where(col(GoalRow.pair_id).in_(list(pair_ids)))
            .order_by(col(GoalRow.pair_id), col(GoalRow.added_at), col(GoalRow.id))
        )
        return [
            GoalRecord(
                r.pair_id,
                r.text,
                as_utc(r.added_at),
                None if r.closed_at is None else as_utc(r.closed_at),
            )
            for r in rows
        ]

    async def activate_pair(self, pair_id: int, now: datetime) -> bool:
        """Awaiting → active; False when another update activated it first."""
        result = await self.session.execute(
            update(PairRow)
            .where(
                col(PairRow.id) == pair_id,
                col(PairRow.state) == PairState.AWAITING_AGREEMENT.value,
            )
            .values(state=PairState.ACTIVE.value, activated_at=now)
        )
        return bool(rowcount(result))

    async def set_pause(
        self, pair_id: int, until: date | None, now: datetime, today: date | None = None
    ) -> None:
        """Pauses a live pair until `until` (None: it goes on now), and keeps the pause in
        its `pauses`; `today` is the programme's date (the UTC one when not given)."""
        state = PairState.PAUSED if until is not None else PairState.ACTIVE
        found = (
            await self.session.execute(
                select(col(PairRow.state), col(PairRow.pauses)).where(col(PairRow.id) == pair_id)
            )
        ).first()
        if found is None or found.state not in (PairState.ACTIVE.value, PairState.PAUSED.value):
            return
        pauses = with_pause(
            pauses_of(found.pauses),
            today or now.date(),
            until,
            found.state == PairState.PAUSED.value,
        )
        await self.session.execute(
            update(PairRow)
            .where(
                col(PairRow.id) == pair_id,
                col(PairRow.state).in_([PairState.ACTIVE.value, PairState.PAUSED.value]),
            )
            .values(paused_until=until, state=state.value, pauses=stored_pauses(pauses))
        )

    async def end_pauses(self, today: date) -> int:
        """Pauses whose last day has passed become active again."""
        result = await self.session.execute(
            update(PairRow)
            .where(
                col(PairRow.state) == PairState.PAUSED.value,
                col(PairRow.paused_until) < today,
            )
            .values(state=PairState.ACTIVE.value, paused_until=None)
        )
        return rowcount(result)

    async def end_pair(self, pair_id: int, reason: str, now: datetime) -> bool:
        """Ends a pair that has not ended; what is still queued to its parties about it
        (nudges, check-ins, plans, meetings, the weekly note) is withdrawn, so nothing
        more about the pair reaches them after what the caller queues next."""
        result = await self.session.execute(
            update(PairRow)
            .where(col(PairRow.id) == pair_id, col(PairRow.state) != PairState.ENDED.value)
            .values(state=PairState.ENDED.value, ended_at=now, end_reason=reason[:200])
            .returning(col(PairRow.mentor_id), col(PairRow.adept_id))
        )
        parties = result.one_or_none()
        if parties is None:
            return False
        await self._withdraw_pair_messages(pair_id, tuple(parties))
        return True

    async def _withdraw_pair_messages(self, pair_id: int, parties: Sequence[int]) -> None:
        # The keys that name the pair, its planned meetings or its meetings (see the
        # idempotency keys in bot/domain/rhythm.py, bot/usecases/meetings.py, bot/usecases/digest.py).
        planned = await self.session.scalars(
            select(col(PlannedMeetingRow.id)).where(col(PlannedMeetingRow.pair_id) == pair_id)
        )
        meetings = await self.session.scalars(
            select(col(MeetingRow.id)).where(col(MeetingRow.pair_id) == pair_id)
        )
        prefixes = [
            f"pair:{pair_id}:",
            f"weekly:{pair_id}:",
            f"evaluation:{pair_id}:",
            *(f"planned:{planned_id}:" for planned_id in planned.all()),
            *(f"meeting:{meeting_id}:" for meeting_id in meetings.all()),
        ]
        # Recorded as withdrawn with the reason, as the check before sending records them
        # (bot/domain/withdrawal.py), not deleted: the key stays taken.
        await self.session.execute(
            update(OutboxRow)
            .values(status=OutboxStatus.WITHDRAWN.value, last_error="withdrawn: pair_ended")
            .where(
                col(OutboxRow.person_id).in_(list(parties)),
                # A coordinator's own words still reach them (bot/domain/withdrawal.py).
                col(OutboxRow.kind) != "coordinator_message",
                col(OutboxRow.status).in_([OutboxStatus.PENDING.value, OutboxStatus.SENDING.value]),
                or_(
                    *(
                        col(OutboxRow.idempotency_key).startswith(prefix, autoescape=True)
                        for prefix in prefixes
                    )
                ),
            )
            .execution_options(synchronize_session=False)
        )


# A person's live pairs, read on every update of theirs: built once.
_LIVE_PAIRS_OF = (
    with_parties()
    .where(
        or_(
            PAIRS.c.mentor_id == bindparam("person_id"), PAIRS.c.adept_id == bindparam("person_id")
        ),
        PAIRS.c.state.in_(LIVE_STATES),
    )
    .order_by(PAIRS.c.programme_id, PAIRS.c.id)
)
