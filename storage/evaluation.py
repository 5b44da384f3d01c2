"""Queries of the cohort's end: evaluations, outcomes, and what the tick needs about pairs
near their cohort's end. Each method returns domain objects, never ORM rows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import aliased
from sqlmodel import col

from bot.domain.evaluation import (
    COHORT_END,
    Act,
    Closing,
    Due,
    Evaluation,
    Party,
    RecordedOutcome,
)
from bot.domain.model import AlertStatus, Cohort, PairState, PairView, Programme
from bot.domain.policy import COHORT_END_NOTICE, EVALUATION_ASK_WITHIN
from bot.runtime.clock import as_utc
from storage.models import (
    AlertRow,
    CohortRow,
    EvaluationRow,
    OutcomeRow,
    PairRow,
    PersonRow,
    ProgrammeRow,
)
from storage.readers import cohort_of, pair_of, person_of, programme_of
from storage.tables import ROWS_PER_INSERT, BaseRepository, rowcount, utc, with_pairs

LIVE = [PairState.ACTIVE.value, PairState.PAUSED.value]


@dataclass(frozen=True)
class ClosingPair:
    """A pair near or just past its cohort's end, with what the messages need."""

    closing: Closing
    view: PairView
    programme: Programme
    cohort: Cohort
    evaluations: tuple[Evaluation, ...]

    def evaluation(self, person_id: int) -> Evaluation | None:
        return next((e for e in self.evaluations if e.person_id == person_id), None)


def _evaluation(row: EvaluationRow) -> Evaluation:
    assert row.id is not None
    return Evaluation(
        id=row.id,
        pair_id=row.pair_id,
        person_id=row.person_id,
        role=row.role,
        goals=tuple(row.goals or ()),
        answers=dict(row.answers or {}),
        noticed_at=utc(row.noticed_at),
        asked_at=utc(row.asked_at),
        reminders=row.reminders,
        completed_at=utc(row.completed_at),
    )


def _outcome(row: OutcomeRow) -> RecordedOutcome:
    assert row.id is not None
    return RecordedOutcome(
        id=row.id,
        pair_id=row.pair_id,
        kind=row.kind,
        text=row.text,
        recorded_by=row.recorded_by,
        created_at=as_utc(row.created_at),
    )


class Evaluations(BaseRepository):
    """The end-of-cohort queries."""

    # what the tick reads

    async def closing_pairs(self, now: datetime) -> list[ClosingPair]:
        """Live pairs whose cohort ends within four weeks (a day more for time zones), and
        pairs their cohort ended lately: two statements, whatever the number of pairs."""
        horizon = now.date() + COHORT_END_NOTICE + timedelta(days=1)
        # Cohorts first: the pairs of a closing cohort are then found by index, where a
        # condition on the joined cohort would read every pair at every tick.
        closing = select(col(CohortRow.id)).where(col(CohortRow.ends_on) <= horizon)
        conditions = or_(
            and_(col(PairRow.state).in_(LIVE), col(PairRow.cohort_id).in_(closing)),
            and_(
                col(PairRow.state) == PairState.ENDED.value,
                col(PairRow.end_reason) == COHORT_END,
                col(PairRow.ended_at) >= now - EVALUATION_ASK_WITHIN,
            ),
        )
        mentor, adept = aliased(PersonRow), aliased(PersonRow)
        rows = (
            await self.session.execute(
                select(PairRow, mentor, adept, ProgrammeRow, CohortRow)
                .join(mentor, col(mentor.id) == col(PairRow.mentor_id))
                .join(adept, col(adept.id) == col(PairRow.adept_id))
                .join(ProgrammeRow, col(ProgrammeRow.id) == col(PairRow.programme_id))
                .join(CohortRow, col(CohortRow.id) == col(PairRow.cohort_id))
                .where(conditions)
                .order_by(col(PairRow.id))
            )
        ).all()
        evaluations = (
            await self.session.scalars(
                with_pairs(EvaluationRow)
                .join(CohortRow, col(CohortRow.id) == col(PairRow.cohort_id))
                .where(conditions)
            )
        ).all()
        by_pair: dict[int, list[Evaluation]] = {}
        for row in evaluations:
            by_pair.setdefault(row.pair_id, []).append(_evaluation(row))
        result = []
        for p, m, a, g, c in rows:
            pair = pair_of(p)
            mentor_person, adept_person = person_of(m), person_of(a)
            found = by_pair.get(pair.id, [])
            parties = []
            for person in (mentor_person, adept_person):
                mine = next((e for e in found if e.person_id == person.id), None)
                parties.append(
                    Party(
                        person_id=person.id,
                        reachable=person.telegram_user_id is not None
                        and person.unreachable_since is None,
                        noticed_at=mine.noticed_at if mine else None,
                        asked_at=mine.asked_at if mine else None,
                        reminders=mine.reminders if mine else 0,
                        completed_at=mine.completed_at if mine else None,
                    )
                )
            cohort = cohort_of(c)
            result.append(
                ClosingPair(
                    closing=Closing(
                        pair_id=pair.id,
                        cohort_id=cohort.id,
                        ends_on=cohort.ends_on,
                        live=pair.state in (PairState.ACTIVE, PairState.PAUSED),
                        ended_by_cohort=p.end_reason == COHORT_END,
                        parties=tuple(parties),
                    ),
                    view=PairView(pair=pair, mentor=mentor_person, adept=adept_person),
                    programme=programme_of(g),
                    cohort=cohort,
                    evaluations=tuple(found),
                )
            )
        return result

    # what the tick writes

    async def record(
        self, dues: Sequence[Due], pairs: dict[int, ClosingPair], now: datetime
    ) -> None:
        """Marks notices, questions and reminders as sent: one upsert per kind of act."""
        for act, column in ((Act.NOTICE, "noticed_at"), (Act.ASK, "asked_at")):
            values = []
            for due in dues:
                if due.act is not act:
                    continue
                pair = pairs[due.pair_id]
                role = "mentor" if due.person_id == pair.view.pair.mentor_id else "adept"
                values.append(
                    {
                        "pair_id": due.pair_id,
                        "person_id": due.person_id,
                        "role": role,
                        "reminders": 0,
                        "goals": list(pair.view.pair.goals or ()),
                        "answers": {},
                        column: now,
                    }
                )
            for start in range(0, len(values), ROWS_PER_INSERT):
                statement = self._insert(EvaluationRow).values(
                    values[start : start + ROWS_PER_INSERT]
                )
                changes: dict[str, Any] = {column: getattr(statement.excluded, column)}
                if act is Act.ASK:
                    # The goals the scores will refer to are the ones shown when asked.
                    changes["goals"] = statement.excluded.goals
                await self.session.execute(
                    statement.on_conflict_do_update(
                        index_elements=["pair_id", "person_id"], set_=changes
                    )
                )
        for number in (1, 2):
            reminded = [
                (d.pair_id, d.person_id)
                for d in dues
                if d.act is Act.REMIND and d.reminder == number
            ]
            for start in range(0, len(reminded), ROWS_PER_INSERT):
                chunk = reminded[start : start + ROWS_PER_INSERT]
                await self.session.execute(
                    update(EvaluationRow)
                    .where(
                        or_(
                            *(
                                and_(
                                    col(EvaluationRow.pair_id) == pair_id,
                                    col(EvaluationRow.person_id) == person_id,
                                )
                                for pair_id, person_id in chunk
                            )
                        )
                    )
                    .values(reminders=number)
                )

    async def end_pairs(self, pair_ids: Sequence[int], now: datetime) -> int:
        """The cohort is over: its live pairs end (no more reminders or alerts)."""
        ended = 0
        for start in range(0, len(pair_ids), ROWS_PER_INSERT):
            chunk = list(pair_ids[start : start + ROWS_PER_INSERT])
            result = await self.session.execute(
                update(PairRow)
                .where(col(PairRow.id).in_(chunk), col(PairRow.state).in_(LIVE))
                .values(state=PairState.ENDED.value, ended_at=now, end_reason=COHORT_END)
            )
            ended += rowcount(result)
            # As when a coordinator ends a pair: its alerts are over with it (the tick
            # looks only at pairs that are not ended, so it would never resolve them).
            await self.session.execute(
                update(AlertRow)
                .where(
                    col(AlertRow.pair_id).in_(
                        select(col(PairRow.id)).where(
                            col(PairRow.id).in_(chunk),
                            col(PairRow.state) == PairState.ENDED.value,
                        )
                    ),
                    col(AlertRow.status) != AlertStatus.RESOLVED.value,
                )
                .values(
                    status=AlertStatus.RESOLVED.value,
                    resolved_at=now,
                    resolved_by=None,
                    open_key=None,
                )
            )
        return ended

    # the evaluation dialogue

    async def of(self, pair_id: int, person_id: int) -> Evaluation | None:
        row = (
            await self.session.scalars(
                select(EvaluationRow).where(
                    col(EvaluationRow.pair_id) == pair_id,
                    col(EvaluationRow.person_id) == person_id,
                )
            )
        ).one_or_none()
        return None if row is None else _evaluation(row)

    async def open_of(self, person_id: int) -> list[Evaluation]:
        """The person's evaluations that were asked and are not finished, oldest first."""
        rows = await self.session.scalars(
            select(EvaluationRow)
            .where(
                col(EvaluationRow.person_id) == person_id,
                col(EvaluationRow.asked_at).is_not(None),
                col(EvaluationRow.completed_at).is_(None),
            )
            .order_by(col(EvaluationRow.asked_at), col(EvaluationRow.id))
        )
        return [_evaluation(row) for row in rows.all()]

    async def save_answers(
        self, evaluation_id: int, answers: dict[str, Any], completed_at: datetime | None
    ) -> None:
        await self._update(EvaluationRow, evaluation_id, answers=answers, completed_at=completed_at)

    # outcomes

    async def add_outcome(
        self, pair_id: int, kind: str, text: str | None, recorded_by: int | None, now: datetime
    ) -> RecordedOutcome:
        return _outcome(
            await self._added(
                OutcomeRow(
                    pair_id=pair_id, kind=kind, text=text, recorded_by=recorded_by, created_at=now
                )
            )
        )

    # the report

    async def evaluations_of_pairs(self, pair_condition: Any) -> list[Evaluation]:
        rows = await self.session.scalars(
            with_pairs(EvaluationRow).where(pair_condition).order_by(col(EvaluationRow.id))
        )
        return [_evaluation(row) for row in rows.all()]

    async def outcomes_of_pairs(self, pair_condition: Any) -> list[RecordedOutcome]:
        rows = await self.session.scalars(
            with_pairs(OutcomeRow)
            .where(pair_condition)
            .order_by(col(OutcomeRow.created_at), col(OutcomeRow.id))
        )
        return [_outcome(row) for row in rows.all()]
