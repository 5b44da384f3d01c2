"""The meeting rhythm: meetings, planned meetings, nudges, and each pair's history the rules read."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any, cast

from sqlalchemy import (
    bindparam,
    func,
    select,
    update,
)
from sqlmodel import SQLModel, col

from bot.domain.model import (
    PairState,
    PairView,
    Rhythm,
)
from bot.domain.rhythm import (
    MeetingFact,
    MeetingStatus,
    NudgeFact,
    PlannedFact,
    PlanStatus,
)
from bot.domain.withdrawal import PairNow
from storage.models import (
    CheckInRow,
    CohortRow,
    MeetingRow,
    NudgeRow,
    PlannedMeetingRow,
)
from storage.readers import (
    MeetingFactColumns,
    NudgeFactColumns,
    PlannedFactColumns,
    ProgrammeColumns,
    columns,
    history_of,
    meeting_fact_of,
    nudge_fact_of,
    pairs_with_parties,
    planned_fact_of,
    programme_after_parties,
    programmes_of,
    rows_of_pairs,
    view_of,
    with_parties,
)
from storage.tables import (
    COHORTS,
    LIVE_STATES,
    PAIRS,
    PROGRAMMES,
    Awake,
    BaseRepository,
    awake_condition,
    rowcount,
    table,
)


class Meetings(BaseRepository):
    """Meetings, plans and nudges, and the rhythm histories built from them."""

    async def rhythm_histories(
        self,
        *,
        since: date,
        pair_id: int | None = None,
        views: Sequence[PairView] | None = None,
        awake: Awake | None = None,
        pair_ids: Collection[int] | None = None,
    ) -> list[Rhythm]:
        """Active and paused pairs with what the rhythm rules need: seven statements,
        whatever the number of pairs (joins on the pair's state, no per-pair queries).
        The facts are read as plain columns: at 100,000 pairs this is most of a tick.
        With `awake`, only the pairs the tick looks at."""
        live = [PairState.ACTIVE.value, PairState.PAUSED.value]
        conditions: list[Any] = [PAIRS.c.state.in_(live)]
        if pair_id is not None:
            conditions.append(PAIRS.c.id == pair_id)
        if awake is not None:
            conditions.append(awake_condition(awake))
        if pair_ids is not None:
            conditions.append(PAIRS.c.id.in_(list(pair_ids)))
        if views is None:
            views = await pairs_with_parties(self.session, *conditions)
        else:
            # The caller already read these pairs (the tick reads all of them once).
            views = [
                v
                for v in views
                if v.pair.state.value in live and (pair_id is None or v.pair.id == pair_id)
            ]
        if not views:
            return []
        programmes = await programmes_of(self.session, views)
        cohort_table = table(CohortRow)
        cohorts = {
            cohort_id: (starts_on, ends_on)
            for cohort_id, starts_on, ends_on in (
                await self.session.execute(
                    select(
                        cohort_table.c.id, cohort_table.c.starts_on, cohort_table.c.ends_on
                    ).where(cohort_table.c.id.in_({view.pair.cohort_id for view in views}))
                )
            )
        }

        # Each row is the pair's id, then the fact's columns.
        meetings: dict[int, list[MeetingFact]] = {}
        for v in await rows_of_pairs(
            self.session, MeetingRow, ("pair_id", *MeetingFactColumns._fields), conditions
        ):
            pair_of_row, *fact = v
            meetings.setdefault(pair_of_row, []).append(
                meeting_fact_of(MeetingFactColumns._make(fact))
            )
        planned: dict[int, list[PlannedFact]] = {}
        for v in await rows_of_pairs(
            self.session,
            PlannedMeetingRow,
            ("pair_id", *PlannedFactColumns._fields),
            conditions,
            lambda c: c.planned_on >= since,
        ):
            pair_of_row, *fact = v
            planned.setdefault(pair_of_row, []).append(
                planned_fact_of(PlannedFactColumns._make(fact))
            )
        nudges: dict[int, list[NudgeFact]] = {}
        for v in await rows_of_pairs(
            self.session, NudgeRow, ("pair_id", *NudgeFactColumns._fields), conditions
        ):
            pair_of_row, *fact = v
            nudges.setdefault(pair_of_row, []).append(nudge_fact_of(NudgeFactColumns._make(fact)))
        check_ins: dict[int, set[tuple[int, str]]] = {}
        for key, person, period in await rows_of_pairs(
            self.session,
            CheckInRow,
            ("pair_id", "person_id", "period"),
            conditions,
            lambda c: c.completed_at.is_not(None),
        ):
            check_ins.setdefault(key, set()).add((person, period))
        result = []
        for view in views:
            pair = view.pair
            result.append(
                Rhythm(
                    view=view,
                    programme=programmes[pair.programme_id],
                    history=history_of(
                        view,
                        cohorts[pair.cohort_id],
                        meetings.get(pair.id, ()),
                        planned.get(pair.id, ()),
                        nudges.get(pair.id, ()),
                        check_ins.get(pair.id, ()),
                    ),
                )
            )
        return result

    async def pair_rhythm(self, pair_id: int, *, since: date) -> Rhythm | None:
        """One live pair as `rhythm_histories(pair_id=…)` gives it, in five statements
        instead of seven: the pair, its people, programme and cohort are one join (a
        person's every step in the rhythm reads this)."""
        row = (await self.session.execute(_LIVE_PAIR, {"pair_id": pair_id})).one_or_none()
        if row is None:
            return None
        view = view_of(row)
        execute = self.session.execute
        ids = {"pair_id": pair_id}
        meetings = [
            meeting_fact_of(MeetingFactColumns._make(v)) for v in await execute(_PAIR_MEETINGS, ids)
        ]
        planned = [
            planned_fact_of(PlannedFactColumns._make(v))
            for v in await execute(_PAIR_PLANNED, {**ids, "since": since})
        ]
        nudges = [
            nudge_fact_of(NudgeFactColumns._make(v)) for v in await execute(_PAIR_NUDGES, ids)
        ]
        check_ins = {(person, period) for person, period in await execute(_PAIR_CHECK_INS, ids)}
        return Rhythm(
            view=view,
            programme=programme_after_parties(row),
            history=history_of(
                view,
                (row.cohort_starts_on, row.cohort_ends_on),
                meetings,
                planned,
                nudges,
                check_ins,
            ),
        )

    async def pairs_now(
        self, pair_ids: Collection[int], planned_ids: Collection[int], *, since: date
    ) -> tuple[dict[int, PairNow], dict[int, int]]:
        """The pairs queued messages are about, as they are now (for `withdrawal`), and
        the pair of each planned meeting named: a fixed number of statements whatever the
        number of messages (the delivery worker asks once per claimed batch)."""
        plan_pairs: dict[int, int] = {}
        if planned_ids:
            planned = table(PlannedMeetingRow)
            rows = await self.session.execute(
                select(planned.c.id, planned.c.pair_id).where(planned.c.id.in_(list(planned_ids)))
            )
            plan_pairs = {plan: pair for plan, pair in rows.all()}
        wanted = {*pair_ids, *plan_pairs.values()}
        if not wanted:
            return {}, plan_pairs
        views = await pairs_with_parties(self.session, PAIRS.c.id.in_(list(wanted)))
        if not views:
            return {}, plan_pairs
        programmes = await programmes_of(self.session, views)
        live = [v for v in views if v.pair.state in (PairState.ACTIVE, PairState.PAUSED)]
        histories = {
            r.view.pair.id: r.history
            for r in (
                await self.rhythm_histories(
                    since=since, views=live, pair_ids=[v.pair.id for v in live]
                )
                if live
                else []
            )
        }
        return (
            {
                v.pair.id: PairNow(
                    state=v.pair.state,
                    mentor=v.mentor,
                    adept=v.adept,
                    rules=programmes[v.pair.programme_id].rules,
                    history=histories.get(v.pair.id),
                )
                for v in views
            },
            plan_pairs,
        )

    async def add_nudges(self, nudges: Sequence[tuple[int, int, str, str]], now: datetime) -> None:
        """Records (pair, person, period, kind) as asked now; an existing one is kept."""
        if not nudges:
            return
        values = [
            {"pair_id": pair, "person_id": person, "period": period, "kind": kind, "sent_at": now}
            for pair, person, period, kind in nudges
        ]
        await self.session.execute(
            self._insert(table(NudgeRow)).on_conflict_do_nothing(
                index_elements=["pair_id", "person_id", "period", "kind"]
            ),
            values,
        )

    async def answer_nudges(self, pair_id: int, person_id: int, now: datetime) -> None:
        """The person reacted (a button, a date, a logged meeting): their open questions count as answered."""
        await self.session.execute(
            update(NudgeRow)
            .where(
                col(NudgeRow.pair_id) == pair_id,
                col(NudgeRow.person_id) == person_id,
                col(NudgeRow.answered_at).is_(None),
            )
            .values(answered_at=now)
        )

    async def add_meeting(
        self,
        *,
        pair_id: int,
        held_on: date,
        minutes: int | None,
        topic: str | None,
        logged_by: int,
        now: datetime,
    ) -> MeetingFact:
        return meeting_fact_of(
            await self._added(
                MeetingRow(
                    pair_id=pair_id,
                    held_on=held_on,
                    minutes=minutes,
                    topic=topic,
                    logged_by=logged_by,
                    status=MeetingStatus.REPORTED.value,
                    created_at=now,
                )
            )
        )

    async def meeting(self, meeting_id: int) -> tuple[int, MeetingFact, str | None] | None:
        row = await self.session.get(MeetingRow, meeting_id)
        return None if row is None else (row.pair_id, meeting_fact_of(row), row.topic)

    async def usual_minutes(self, pair_id: int, person_id: int) -> int | None:
        """How long the pair's last meeting with a length lasted, when `person_id` is one
        of the pair (a length nobody disputed): what logging a meeting offers first."""
        meeting, pair = table(MeetingRow), PAIRS
        return cast(
            "int | None",
            await self.session.scalar(
                select(meeting.c.minutes)
                .join(pair, pair.c.id == meeting.c.pair_id)
                .where(
                    meeting.c.pair_id == pair_id,
                    (pair.c.mentor_id == person_id) | (pair.c.adept_id == person_id),
                    meeting.c.minutes.is_not(None),
                    meeting.c.status != MeetingStatus.DISPUTED.value,
                )
                .order_by(meeting.c.held_on.desc(), meeting.c.id.desc())
                .limit(1)
            ),
        )

    async def set_meeting_topic(self, meeting_id: int, logged_by: int, topic: str) -> bool:
        """The goal a meeting worked on, told by whoever logged it; False otherwise."""
        result = await self.session.execute(
            update(MeetingRow)
            .where(col(MeetingRow.id) == meeting_id, col(MeetingRow.logged_by) == logged_by)
            .values(topic=topic)
        )
        return bool(rowcount(result))

    async def answer_meeting(
        self, meeting_id: int, *, status: MeetingStatus, now: datetime, held_on: date | None = None
    ) -> bool:
        """Confirms or disputes a reported meeting; False when it was answered already."""
        values: dict[str, Any] = {"status": status.value, "answered_at": now}
        if held_on is not None:
            values["held_on"] = held_on
        result = await self.session.execute(
            update(MeetingRow)
            .where(
                col(MeetingRow.id) == meeting_id,
                col(MeetingRow.status) == MeetingStatus.REPORTED.value,
            )
            .values(**values)
        )
        return bool(rowcount(result))

    async def meetings_of(self, pair_id: int) -> list[MeetingFact]:
        rows = await self.session.scalars(
            select(MeetingRow)
            .where(col(MeetingRow.pair_id) == pair_id)
            .order_by(col(MeetingRow.held_on), col(MeetingRow.id))
        )
        return [meeting_fact_of(row) for row in rows.all()]

    async def add_planned(
        self,
        *,
        pair_id: int,
        planned_on: date,
        planned_time: time | None,
        proposed_by: int,
        now: datetime,
    ) -> PlannedFact:
        # A new date replaces any other upcoming one: a pair plans one meeting at a time.
        await self.session.execute(
            update(PlannedMeetingRow)
            .where(
                col(PlannedMeetingRow.pair_id) == pair_id,
                col(PlannedMeetingRow.status) != PlanStatus.CANCELLED.value,
                col(PlannedMeetingRow.planned_on) >= now.date() - timedelta(days=1),
            )
            .values(status=PlanStatus.CANCELLED.value)
        )
        return planned_fact_of(
            await self._added(
                PlannedMeetingRow(
                    pair_id=pair_id,
                    planned_on=planned_on,
                    planned_time=planned_time,
                    proposed_by=proposed_by,
                    status=PlanStatus.PROPOSED.value,
                    created_at=now,
                )
            )
        )

    async def planned(self, planned_id: int) -> tuple[int, int, PlannedFact] | None:
        """(pair, proposer, plan)."""
        row = await self.session.get(PlannedMeetingRow, planned_id)
        return None if row is None else (row.pair_id, row.proposed_by, planned_fact_of(row))

    async def set_planned_status(self, planned_id: int, status: PlanStatus) -> bool:
        result = await self.session.execute(
            update(PlannedMeetingRow)
            .where(
                col(PlannedMeetingRow.id) == planned_id,
                col(PlannedMeetingRow.status) == PlanStatus.PROPOSED.value,
            )
            .values(status=status.value)
        )
        return bool(rowcount(result))

    async def last_meetings(self, pair_ids: Sequence[int]) -> dict[int, date]:
        """Each pair's last meeting that counts (not disputed), in one statement."""
        if not pair_ids:
            return {}
        rows = await self.session.execute(
            select(col(MeetingRow.pair_id), func.max(col(MeetingRow.held_on)))
            .where(
                col(MeetingRow.pair_id).in_(list(pair_ids)),
                col(MeetingRow.status) != MeetingStatus.DISPUTED.value,
            )
            .group_by(col(MeetingRow.pair_id))
        )
        return {pair_id: held for pair_id, held in rows.all() if held is not None}


# One pair's rhythm, read on every step a person takes in it: built once.
_LIVE_PAIR = (
    with_parties(
        *columns(PROGRAMMES.c, ProgrammeColumns),
        COHORTS.c.starts_on.label("cohort_starts_on"),
        COHORTS.c.ends_on.label("cohort_ends_on"),
    )
    .join(PROGRAMMES, PROGRAMMES.c.id == PAIRS.c.programme_id)
    .join(COHORTS, COHORTS.c.id == PAIRS.c.cohort_id)
    .where(PAIRS.c.id == bindparam("pair_id"), PAIRS.c.state.in_(LIVE_STATES))
)


def _of_pair(model: type[SQLModel], names: Sequence[str], *where: Any) -> Any:
    rows = table(model)
    return select(*columns(rows.c, names)).where(rows.c.pair_id == bindparam("pair_id"), *where)


_PAIR_MEETINGS = _of_pair(MeetingRow, MeetingFactColumns._fields)
_PAIR_PLANNED = _of_pair(
    PlannedMeetingRow,
    PlannedFactColumns._fields,
    table(PlannedMeetingRow).c.planned_on >= bindparam("since"),
)
_PAIR_NUDGES = _of_pair(NudgeRow, NudgeFactColumns._fields)
_PAIR_CHECK_INS = _of_pair(
    CheckInRow, ("person_id", "period"), table(CheckInRow).c.completed_at.is_not(None)
)
