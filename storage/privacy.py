"""Queries for personal data: a person's export, erasure, retention by cohort, the audit
log and wrong invite tokens. Returns plain data, never ORM rows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import String, and_, cast, delete, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.clock import as_utc
from bot.domain.model import Role
from bot.domain.privacy import CohortDates, anonymised_goals, anonymised_progress
from storage.models import (
    AuditEntryRow,
    CheckInRow,
    CohortRow,
    ConfirmationRow,
    DialogueRow,
    ExpectationRow,
    InviteFailureRow,
    MeetingRow,
    MembershipRow,
    NoteRow,
    OutboxRow,
    PairRow,
    PersonRow,
    PlannedMeetingRow,
    ProgrammeRow,
)

ERASED_NAME = "–"


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    actor_id: int | None
    actor_name: str | None
    programme_id: int | None
    action: str
    target: str
    timezone: str = "UTC"  # the programme's, to show the time in


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else as_utc(moment).isoformat()


class PrivacyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # the audit log

    async def record_audit(
        self, actor_id: int | None, programme_id: int | None, action: str, target: str, at: datetime
    ) -> None:
        self.session.add(
            AuditEntryRow(
                at=at, actor_id=actor_id, programme_id=programme_id, action=action, target=target
            )
        )
        await self.session.flush()

    async def audit_entries(
        self,
        programme_ids: Sequence[int],
        *,
        limit: int = 50,
        regions: Sequence[tuple[int, int]] = (),
        reader_id: int | None = None,
    ) -> list[AuditEntry]:
        """The newest entries of these programmes (whole) and of these regions
        (programme, cohort), newest first, with the actor's name and the programme's
        time zone. A region's entries are those about its pairs, its cohort or people in
        its pairs, and the reader's own."""
        conditions: list[Any] = []
        if programme_ids:
            conditions.append(col(AuditEntryRow.programme_id).in_(list(programme_ids)))
        for programme_id, cohort_id in regions:
            in_region = select(col(PairRow.id)).where(col(PairRow.cohort_id) == cohort_id)
            people = (
                select(col(PairRow.mentor_id))
                .where(col(PairRow.cohort_id) == cohort_id)
                .union(
                    select(col(PairRow.adept_id)).where(col(PairRow.cohort_id) == cohort_id),
                    select(col(MembershipRow.person_id)).where(
                        col(MembershipRow.programme_id) == programme_id,
                        col(MembershipRow.cohort_id) == cohort_id,
                    ),
                )
            )
            people_sq = people.subquery()
            target = col(AuditEntryRow.target)
            conditions.append(
                and_(
                    col(AuditEntryRow.programme_id) == programme_id,
                    or_(
                        col(AuditEntryRow.actor_id) == reader_id,
                        target == f"cohort:{cohort_id}",
                        target.in_(
                            select(literal("pair:").concat(cast(col(PairRow.id), String))).where(
                                col(PairRow.id).in_(in_region)
                            )
                        ),
                        target.in_(
                            select(literal("person:").concat(cast(next(iter(people_sq.c)), String)))
                        ),
                    ),
                )
            )
        if not conditions:
            return []
        rows = await self.session.execute(
            select(
                AuditEntryRow,
                col(PersonRow.first_name),
                col(PersonRow.erased_at),
                col(ProgrammeRow.timezone),
            )
            .outerjoin(PersonRow, col(PersonRow.id) == col(AuditEntryRow.actor_id))
            .outerjoin(ProgrammeRow, col(ProgrammeRow.id) == col(AuditEntryRow.programme_id))
            .where(or_(*conditions))
            .order_by(col(AuditEntryRow.at).desc(), col(AuditEntryRow.id).desc())
            .limit(limit)
        )
        return [
            AuditEntry(
                at=as_utc(row.at),
                actor_id=row.actor_id,
                actor_name=None if name is None or erased is not None else name,
                programme_id=row.programme_id,
                action=row.action,
                target=row.target,
                timezone=timezone or "UTC",
            )
            for row, name, erased, timezone in rows.all()
        ]

    # wrong invite tokens

    async def invite_failures(self, telegram_user_id: int) -> tuple[int, datetime | None]:
        row = await self.session.get(InviteFailureRow, telegram_user_id)
        return (0, None) if row is None else (row.failures, as_utc(row.last_failed_at))

    async def set_invite_failures(self, telegram_user_id: int, failures: int, at: datetime) -> None:
        row = await self.session.get(InviteFailureRow, telegram_user_id)
        if row is None:
            self.session.add(
                InviteFailureRow(
                    telegram_user_id=telegram_user_id, failures=failures, last_failed_at=at
                )
            )
        else:
            row.failures, row.last_failed_at = failures, at
        await self.session.flush()

    async def forget_invite_failures(self, telegram_user_id: int) -> None:
        await self.session.execute(
            delete(InviteFailureRow).where(
                col(InviteFailureRow.telegram_user_id) == telegram_user_id
            )
        )

    # a person's own data

    async def export(self, person_id: int) -> dict[str, Any] | None:
        """Everything stored about the person, as plain JSON-ready data."""
        person = await self.session.get(PersonRow, person_id)
        if person is None or person.erased_at is not None:
            return None
        memberships = (
            await self.session.execute(
                select(MembershipRow, ProgrammeRow, CohortRow)
                .join(ProgrammeRow, col(ProgrammeRow.id) == col(MembershipRow.programme_id))
                .outerjoin(CohortRow, col(CohortRow.id) == col(MembershipRow.cohort_id))
                .where(col(MembershipRow.person_id) == person_id)
                .order_by(col(MembershipRow.id))
            )
        ).all()
        pairs = (
            (
                await self.session.execute(
                    select(PairRow)
                    .where(
                        or_(col(PairRow.mentor_id) == person_id, col(PairRow.adept_id) == person_id)
                    )
                    .order_by(col(PairRow.id))
                )
            )
            .scalars()
            .all()
        )
        pair_ids = [p.id for p in pairs if p.id is not None]
        others = {
            row.id: row.first_name
            for row in (
                await self.session.execute(
                    select(PersonRow).where(
                        col(PersonRow.id).in_(
                            [p.adept_id if p.mentor_id == person_id else p.mentor_id for p in pairs]
                        )
                    )
                )
            )
            .scalars()
            .all()
        }
        meetings = await self._rows(MeetingRow, col(MeetingRow.pair_id).in_(pair_ids))
        planned = await self._rows(PlannedMeetingRow, col(PlannedMeetingRow.pair_id).in_(pair_ids))
        check_ins = await self._rows(CheckInRow, col(CheckInRow.person_id) == person_id)
        expectations = await self._rows(ExpectationRow, col(ExpectationRow.person_id) == person_id)
        confirmations = await self._rows(
            ConfirmationRow, col(ConfirmationRow.person_id) == person_id
        )
        return {
            "person": {
                "id": person.id,
                "telegram_user_id": person.telegram_user_id,
                "first_name": person.first_name,
                "last_name": person.last_name,
                "language": person.language,
                "telegram_language": person.telegram_language,
                "intake_answers": dict(person.intake or {}),
                "consent_version": person.consent_version,
                "consented_at": _iso(person.consented_at),
                "unreachable_since": _iso(person.unreachable_since),
                "created_at": _iso(person.created_at),
            },
            "memberships": [
                {
                    "programme": programme.name,
                    "role": membership.role,
                    "role_labels": programme.role_labels,
                    "cohort": None if cohort is None else cohort.name,
                    "cohort_ends_on": None if cohort is None else cohort.ends_on.isoformat(),
                    "joined_at": _iso(membership.created_at),
                }
                for membership, programme, cohort in memberships
            ],
            "pairs": [
                {
                    "id": pair.id,
                    "my_role": Role.MENTOR.value
                    if pair.mentor_id == person_id
                    else Role.ADEPT.value,
                    "other_party": others.get(
                        pair.adept_id if pair.mentor_id == person_id else pair.mentor_id
                    ),
                    "state": pair.state,
                    "created_at": _iso(pair.created_at),
                    "ended_at": _iso(pair.ended_at),
                    "goals": list(pair.goals or []),
                    "paused_until": None if pair.paused_until is None else str(pair.paused_until),
                    "meetings": [
                        {
                            "held_on": m.held_on.isoformat(),
                            "minutes": m.minutes,
                            "topic": m.topic,
                            "status": m.status,
                            "logged_by_me": m.logged_by == person_id,
                        }
                        for m in meetings
                        if m.pair_id == pair.id
                    ],
                    "planned_meetings": [
                        {
                            "planned_on": p.planned_on.isoformat(),
                            "planned_time": None if p.planned_time is None else str(p.planned_time),
                            "status": p.status,
                        }
                        for p in planned
                        if p.pair_id == pair.id
                    ],
                }
                for pair in pairs
            ],
            "check_ins": [
                {
                    "pair": c.pair_id,
                    "period": c.period,
                    "score": c.score,
                    "comment": c.comment,
                    "asked_for_help": c.needs_help,
                    "goals_progressed": list(c.goals_progressed or []),
                    "at": _iso(c.completed_at or c.created_at),
                }
                for c in check_ins
            ],
            "expectation_answers": [
                {"pair": e.pair_id, "round": e.round, "answers": dict(e.answers)}
                for e in expectations
            ],
            "agreement_confirmations": [
                {
                    "pair": c.pair_id,
                    "version": c.agreement_version,
                    "confirmed_at": _iso(c.confirmed_at),
                }
                for c in confirmations
            ],
        }

    async def _rows(self, table: Any, condition: Any) -> list[Any]:
        return list((await self.session.execute(select(table).where(condition))).scalars().all())

    # erasure

    async def open_pairs_of(self, person_ids: Sequence[int]) -> list[int]:
        rows = await self.session.execute(
            select(col(PairRow.id)).where(
                or_(col(PairRow.mentor_id).in_(person_ids), col(PairRow.adept_id).in_(person_ids)),
                col(PairRow.state) != "ended",
            )
        )
        return [pair_id for pair_id in rows.scalars().all() if pair_id is not None]

    async def pairs_of(self, person_ids: Sequence[int]) -> list[int]:
        rows = await self.session.execute(
            select(col(PairRow.id)).where(
                or_(col(PairRow.mentor_id).in_(person_ids), col(PairRow.adept_id).in_(person_ids))
            )
        )
        return [pair_id for pair_id in rows.scalars().all() if pair_id is not None]

    async def erase_pair_texts(self, pair_ids: Sequence[int]) -> None:
        """The pairs' free text goes (goals in the adept's words, notes, meeting topics);
        the counts stay: meetings, scores, how many goals and which were worked on."""
        if not pair_ids:
            return
        pairs = await self._rows(PairRow, col(PairRow.id).in_(list(pair_ids)))
        goals = {p.id: list(p.goals or []) for p in pairs}
        for pair in pairs:
            if pair.goals:
                pair.goals = anonymised_goals(pair.goals)
        for check_in in await self._rows(CheckInRow, col(CheckInRow.pair_id).in_(list(pair_ids))):
            own = goals.get(check_in.pair_id) or []
            if check_in.goals_progressed and own:
                check_in.goals_progressed = anonymised_progress(
                    own, list(check_in.goals_progressed)
                )
        await self.session.flush()
        await self.session.execute(delete(NoteRow).where(col(NoteRow.pair_id).in_(pair_ids)))
        await self.session.execute(
            update(MeetingRow).where(col(MeetingRow.pair_id).in_(pair_ids)).values(topic=None)
        )

    async def erase_people(self, person_ids: Sequence[int], now: datetime) -> int:
        """Name, answers, comments, Telegram id and queued messages go; the row stays so
        pairs and counts add up. Returns how many people were erased now."""
        if not person_ids:
            return 0
        ids = list(person_ids)
        people = await self._rows(
            PersonRow, col(PersonRow.id).in_(ids) & col(PersonRow.erased_at).is_(None)
        )
        telegram_ids = [p.telegram_user_id for p in people if p.telegram_user_id is not None]
        await self.session.execute(
            delete(OutboxRow).where(
                or_(col(OutboxRow.person_id).in_(ids), col(OutboxRow.chat_id).in_(telegram_ids))
            )
        )
        await self.session.execute(
            delete(InviteFailureRow).where(col(InviteFailureRow.telegram_user_id).in_(telegram_ids))
        )
        await self.session.execute(delete(DialogueRow).where(col(DialogueRow.person_id).in_(ids)))
        await self.session.execute(
            update(CheckInRow).where(col(CheckInRow.person_id).in_(ids)).values(comment=None)
        )
        await self.session.execute(
            update(ExpectationRow).where(col(ExpectationRow.person_id).in_(ids)).values(answers={})
        )
        await self.session.execute(
            update(PersonRow)
            .where(col(PersonRow.id).in_([p.id for p in people]))
            .values(
                telegram_user_id=None,
                first_name=ERASED_NAME,
                last_name=None,
                language=None,
                telegram_language=None,
                intake={},
                unreachable_since=None,
                erased_at=now,
            )
        )
        return len(people)

    # retention

    async def cohort_dates(self) -> list[CohortDates]:
        rows = await self.session.execute(select(CohortRow).order_by(col(CohortRow.id)))
        return [
            CohortDates(
                cohort_id=row.id,
                programme_id=row.programme_id,
                ends_on=row.ends_on,
                erased=row.erased_at is not None,
            )
            for row in rows.scalars().all()
            if row.id is not None
        ]

    async def cohort_names(self, cohort_ids: Sequence[int]) -> dict[int, str]:
        rows = await self._rows(CohortRow, col(CohortRow.id).in_(list(cohort_ids)))
        return {row.id: row.name for row in rows if row.id is not None}

    async def people_to_erase(self, cohort_ids: Sequence[int]) -> list[int]:
        """Participants of these cohorts with nothing else running: someone who is also a
        member or in a pair of a later cohort, or a coordinator, keeps their data."""
        if not cohort_ids:
            return []
        rows = await self.session.execute(
            select(
                col(MembershipRow.person_id), col(MembershipRow.role), col(MembershipRow.cohort_id)
            )
            .join(PersonRow, col(PersonRow.id) == col(MembershipRow.person_id))
            .where(col(PersonRow.erased_at).is_(None))
        )
        expiring = set(cohort_ids)
        inside: set[int] = set()
        elsewhere: set[int] = set()
        for person_id, role, cohort_id in rows.all():
            if role != Role.COORDINATOR.value and cohort_id in expiring:
                inside.add(person_id)
            else:
                elsewhere.add(person_id)
        # A mentor who stayed on keeps the membership of their first cohort: a pair in a
        # cohort that is not expiring keeps them too.
        pairs = await self.session.execute(
            select(col(PairRow.mentor_id), col(PairRow.adept_id)).where(
                col(PairRow.cohort_id).not_in(list(expiring))
            )
        )
        for mentor_id, adept_id in pairs.all():
            elsewhere.update((mentor_id, adept_id))
        return sorted(inside - elsewhere)

    async def pairs_of_cohorts(self, cohort_ids: Sequence[int]) -> list[int]:
        rows = await self.session.execute(
            select(col(PairRow.id)).where(col(PairRow.cohort_id).in_(list(cohort_ids)))
        )
        return [pair_id for pair_id in rows.scalars().all() if pair_id is not None]

    async def mark_cohorts_erased(self, cohort_ids: Sequence[int], now: datetime) -> None:
        await self.session.execute(
            update(CohortRow).where(col(CohortRow.id).in_(list(cohort_ids))).values(erased_at=now)
        )
