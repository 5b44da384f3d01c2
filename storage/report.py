"""The funder's report data: everything about one programme (or one cohort of it) in a
constant number of statements (ten), whatever the number of pairs and gatherings."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import aliased
from sqlmodel import col

from bot.domain.model import GoalRecord, PairState, Role
from bot.domain.report import MeetingRecord, PairRecord, Participant, ReportData
from storage.models import CheckInRow, MeetingRow, MembershipRow, PairRow, PersonRow
from storage.readers import check_in_of, meeting_fact_of, membership_of, pauses_of, person_of
from storage.tables import utc, with_pairs
from storage.uow import UnitOfWork


async def report_data(
    uow: UnitOfWork, programme_id: int, cohort_id: int | None = None
) -> ReportData | None:
    """None when there is no such programme, or the cohort is not one of its own."""
    programme = await uow.programmes.programme(programme_id)
    if programme is None:
        return None
    cohorts = await uow.programmes.cohorts(programme_id)
    cohort = next((c for c in cohorts if c.id == cohort_id), None)
    if cohort_id is not None and cohort is None:
        return None
    session = uow.session
    pair_condition: Any = col(PairRow.programme_id) == programme_id
    member_conditions: list[Any] = [
        col(MembershipRow.programme_id) == programme_id,
        col(MembershipRow.role).in_([Role.MENTOR.value, Role.ADEPT.value]),
    ]
    if cohort_id is not None:
        pair_condition = pair_condition & (col(PairRow.cohort_id) == cohort_id)
        member_conditions.append(col(MembershipRow.cohort_id) == cohort_id)
    members = (
        await session.execute(
            select(MembershipRow, PersonRow)
            .join(PersonRow, col(PersonRow.id) == col(MembershipRow.person_id))
            .where(*member_conditions)
            .order_by(col(PersonRow.id))
        )
    ).all()
    mentor, adept = aliased(PersonRow), aliased(PersonRow)
    pair_rows = (
        await session.execute(
            select(PairRow, mentor, adept)
            .join(mentor, col(mentor.id) == col(PairRow.mentor_id))
            .join(adept, col(adept.id) == col(PairRow.adept_id))
            .where(pair_condition)
            .order_by(col(PairRow.id))
        )
    ).all()
    meetings = (
        await session.scalars(
            with_pairs(MeetingRow)
            .where(pair_condition)
            .order_by(col(MeetingRow.held_on), col(MeetingRow.id))
        )
    ).all()
    check_ins = (
        await session.scalars(
            with_pairs(CheckInRow)
            .where(pair_condition)
            .order_by(col(CheckInRow.created_at), col(CheckInRow.id))
        )
    ).all()
    evaluations = await uow.evaluations.evaluations_of_pairs(pair_condition)
    outcomes = await uow.evaluations.outcomes_of_pairs(pair_condition)
    # A cohort's report counts its own gatherings and the programme-wide ones.
    gatherings = await uow.gatherings.turnouts([programme_id], cohort_id=cohort_id)
    history: dict[int, list[GoalRecord]] = {}
    for goal in await uow.pairs.goal_records([p.id for p, _m, _a in pair_rows if p.id is not None]):
        history.setdefault(goal.pair_id, []).append(goal)
    pairs = []
    for p, m, a in pair_rows:
        assert p.id is not None
        pairs.append(
            PairRecord(
                id=p.id,
                cohort_id=p.cohort_id,
                mentor=person_of(m),
                adept=person_of(a),
                state=PairState(p.state),
                created_at=utc(p.created_at) or p.created_at,
                activated_at=utc(p.activated_at),
                ended_at=utc(p.ended_at),
                goals=tuple(p.goals or ()),
                pauses=pauses_of(p.pauses),
                goal_history=tuple(history.get(p.id, ())),
            )
        )
    return ReportData(
        programme=programme,
        cohort=cohort,
        cohorts=tuple([cohort] if cohort else cohorts),
        participants=tuple(
            Participant(person_of(person), membership_of(membership).role)
            for membership, person in members
        ),
        pairs=tuple(pairs),
        meetings=tuple(MeetingRecord(m.pair_id, meeting_fact_of(m), m.topic) for m in meetings),
        check_ins=tuple(check_in_of(c) for c in check_ins),
        evaluations=tuple(evaluations),
        outcomes=tuple(outcomes),
        gatherings=tuple(gatherings),
    )
