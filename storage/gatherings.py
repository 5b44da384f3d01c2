"""SQL of gatherings (samlinger): it returns domain objects.

The tick's two reads (invitations due, reminders due) are one statement each,
whatever the number of gatherings and people; their writes are multi-row. So is the
read of who is told of a cancellation.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import and_, case, exists, func, or_, select, update
from sqlmodel import col

from bot.domain.gatherings import (
    REMIND_WINDOW,
    Answer,
    Attendance,
    Audience,
    Gathering,
    GatheringKind,
    Invitee,
    Turnout,
)
from bot.domain.model import Person, Programme, Role
from bot.domain.policy import INVITE_AHEAD
from bot.runtime.clock import as_utc
from storage.eligibility import eligible
from storage.models import (
    GatheringInvitationRow,
    GatheringRow,
    MembershipRow,
    PersonRow,
    ProgrammeRow,
)
from storage.readers import person_of, programme_of
from storage.tables import ROWS_PER_INSERT, BaseRepository, rowcount


def _gathering(row: GatheringRow) -> Gathering:
    assert row.id is not None
    return Gathering(
        id=row.id,
        programme_id=row.programme_id,
        cohort_id=row.cohort_id,
        learning_group=row.learning_group,
        audience=Audience(row.audience),
        kind=GatheringKind(row.kind),
        title=row.title,
        place=row.place,
        starts_at=as_utc(row.starts_at),
        cancelled=row.cancelled_at is not None,
    )


def _audience_matches() -> Any:
    """The membership's role is in the gathering's audience (as SQL)."""
    role, audience = col(MembershipRow.role), col(GatheringRow.audience)
    return or_(
        and_(audience == Audience.ALL.value, role.in_([Role.MENTOR.value, Role.ADEPT.value])),
        and_(audience == Audience.MENTORS.value, role == Role.MENTOR.value),
        and_(audience == Audience.ADEPTS.value, role == Role.ADEPT.value),
    )


class Gatherings(BaseRepository):
    """Gatherings, their invitations and answers."""

    async def create_gathering(
        self,
        *,
        programme_id: int,
        cohort_id: int | None,
        learning_group: str | None,
        audience: Audience,
        kind: GatheringKind,
        title: str,
        place: str | None,
        starts_at: datetime,
        created_by: int | None,
        now: datetime,
    ) -> Gathering:
        return _gathering(
            await self._added(
                GatheringRow(
                    programme_id=programme_id,
                    cohort_id=cohort_id,
                    learning_group=learning_group,
                    audience=audience.value,
                    kind=kind.value,
                    title=title,
                    place=place,
                    starts_at=starts_at,
                    created_by=created_by,
                    created_at=now,
                )
            )
        )

    async def gathering(self, gathering_id: int) -> Gathering | None:
        row = await self.session.get(GatheringRow, gathering_id)
        return None if row is None else _gathering(row)

    async def gatherings(
        self, programme_ids: Sequence[int], since: datetime, until: datetime | None = None
    ) -> list[Gathering]:
        if not programme_ids:
            return []
        query = select(GatheringRow).where(
            col(GatheringRow.programme_id).in_(list(programme_ids)),
            col(GatheringRow.starts_at) >= since,
        )
        if until is not None:
            query = query.where(col(GatheringRow.starts_at) < until)
        query = query.order_by(col(GatheringRow.starts_at), col(GatheringRow.id))
        return [_gathering(row) for row in (await self.session.scalars(query)).all()]

    async def update_gathering(self, gathering_id: int, **values: Any) -> bool:
        """Changes title, place or start of a gathering not cancelled; False if none."""
        unknown = set(values) - {"title", "place", "starts_at"}
        if unknown:
            raise ValueError(f"not a gathering setting: {sorted(unknown)}")
        result = await self.session.execute(
            update(GatheringRow)
            .where(col(GatheringRow.id) == gathering_id, col(GatheringRow.cancelled_at).is_(None))
            .values(**values)
        )
        return bool(rowcount(result))

    async def cancel_gathering(self, gathering_id: int, now: datetime) -> bool:
        result = await self.session.execute(
            update(GatheringRow)
            .where(col(GatheringRow.id) == gathering_id, col(GatheringRow.cancelled_at).is_(None))
            .values(cancelled_at=now)
        )
        return bool(rowcount(result))

    async def cancellation_audience(self, gathering_id: int) -> list[tuple[Programme, Person]]:
        """Who is told that a gathering is cancelled: everyone invited who said yes or
        has not answered, and can be written to (who said no needs no message). One
        statement."""

        query = (
            select(ProgrammeRow, PersonRow)
            .select_from(GatheringInvitationRow)
            .join(GatheringRow, col(GatheringRow.id) == col(GatheringInvitationRow.gathering_id))
            .join(ProgrammeRow, col(ProgrammeRow.id) == col(GatheringRow.programme_id))
            .join(PersonRow, col(PersonRow.id) == col(GatheringInvitationRow.person_id))
            .where(
                col(GatheringInvitationRow.gathering_id) == gathering_id,
                or_(
                    col(GatheringInvitationRow.answer).is_(None),
                    col(GatheringInvitationRow.answer) == Answer.YES.value,
                ),
                col(PersonRow.telegram_user_id).is_not(None),
                col(PersonRow.unreachable_since).is_(None),
            )
            .order_by(col(PersonRow.id))
        )
        return [
            (programme_of(p_row), person_of(person_row))
            for p_row, person_row in (await self.session.execute(query)).all()
        ]

    async def invitations_due(
        self, now: datetime, gathering_id: int | None = None
    ) -> list[tuple[Gathering, Programme, Invitee, Person]]:
        """People in a gathering's audience not yet invited, for gatherings starting
        within the invitation window: one statement."""

        invited = exists().where(
            col(GatheringInvitationRow.gathering_id) == col(GatheringRow.id),
            col(GatheringInvitationRow.person_id) == col(PersonRow.id),
        )
        conditions: list[Any] = [
            col(GatheringRow.cancelled_at).is_(None),
            col(GatheringRow.starts_at) > now,
            col(GatheringRow.starts_at) <= now + INVITE_AHEAD,
            _audience_matches(),
            or_(
                col(GatheringRow.cohort_id).is_(None),
                col(MembershipRow.cohort_id) == col(GatheringRow.cohort_id),
            ),
            or_(
                col(GatheringRow.learning_group).is_(None),
                col(MembershipRow.learning_group) == col(GatheringRow.learning_group),
            ),
            col(PersonRow.telegram_user_id).is_not(None),
            eligible(PersonRow),
            # Someone who blocked the bot is invited when they write to it again.
            col(PersonRow.unreachable_since).is_(None),
            ~invited,
        ]
        if gathering_id is not None:
            conditions.append(col(GatheringRow.id) == gathering_id)
        query = (
            select(GatheringRow, ProgrammeRow, MembershipRow, PersonRow)
            .join(ProgrammeRow, col(ProgrammeRow.id) == col(GatheringRow.programme_id))
            .join(MembershipRow, col(MembershipRow.programme_id) == col(GatheringRow.programme_id))
            .join(PersonRow, col(PersonRow.id) == col(MembershipRow.person_id))
            .where(*conditions)
            .order_by(col(GatheringRow.id), col(PersonRow.id), col(MembershipRow.id))
        )
        result = []
        seen: set[tuple[int, int]] = set()
        for g_row, p_row, m_row, person_row in (await self.session.execute(query)).all():
            gathering, person = _gathering(g_row), person_of(person_row)
            if (gathering.id, person.id) in seen:  # a mentor and adept in one programme
                continue
            seen.add((gathering.id, person.id))
            assert person.telegram_user_id is not None
            invitee = Invitee(gathering.id, person.id, person.telegram_user_id, Role(m_row.role))
            result.append((gathering, programme_of(p_row), invitee, person))
        return result

    async def add_invitations(self, invitees: Iterable[tuple[int, int]], now: datetime) -> None:
        """Records (gathering, person) as invited now; one already there is kept."""
        values = [
            {"gathering_id": gathering, "person_id": person, "invited_at": now}
            for gathering, person in invitees
        ]
        for start in range(0, len(values), ROWS_PER_INSERT):
            statement = self._insert(GatheringInvitationRow).values(
                values[start : start + ROWS_PER_INSERT]
            )
            await self.session.execute(
                statement.on_conflict_do_nothing(index_elements=["gathering_id", "person_id"])
            )

    async def reminders_due(
        self, now: datetime
    ) -> list[tuple[int, Gathering, Programme, Person, Role | None]]:
        """(invitation id, gathering, programme, person, role) of everyone who said yes
        to a gathering soon and has not been reminded: one statement."""

        role = (
            select(col(MembershipRow.role))
            .where(
                col(MembershipRow.programme_id) == col(GatheringRow.programme_id),
                col(MembershipRow.person_id) == col(PersonRow.id),
                col(MembershipRow.role) != Role.COORDINATOR.value,
            )
            .order_by(col(MembershipRow.id))
            .limit(1)
            .correlate(GatheringRow, PersonRow)
            .scalar_subquery()
        )
        query = (
            select(col(GatheringInvitationRow.id), GatheringRow, ProgrammeRow, PersonRow, role)
            .join(GatheringRow, col(GatheringRow.id) == col(GatheringInvitationRow.gathering_id))
            .join(ProgrammeRow, col(ProgrammeRow.id) == col(GatheringRow.programme_id))
            .join(PersonRow, col(PersonRow.id) == col(GatheringInvitationRow.person_id))
            .where(
                col(GatheringInvitationRow.answer) == Answer.YES.value,
                col(GatheringInvitationRow.reminded_at).is_(None),
                col(GatheringRow.cancelled_at).is_(None),
                col(GatheringRow.starts_at) > now,
                col(GatheringRow.starts_at) <= now + REMIND_WINDOW,
                col(PersonRow.telegram_user_id).is_not(None),
            )
            .order_by(col(GatheringInvitationRow.id))
        )
        return [
            (
                invitation_id,
                _gathering(g_row),
                programme_of(p_row),
                person_of(person_row),
                Role(role_value) if role_value else None,
            )
            for invitation_id, g_row, p_row, person_row, role_value in (
                await self.session.execute(query)
            ).all()
        ]

    async def mark_reminded(self, invitation_ids: Sequence[int], now: datetime) -> None:
        for start in range(0, len(invitation_ids), ROWS_PER_INSERT):
            await self.session.execute(
                update(GatheringInvitationRow)
                .where(
                    col(GatheringInvitationRow.id).in_(
                        list(invitation_ids[start : start + ROWS_PER_INSERT])
                    )
                )
                .values(reminded_at=now)
            )

    async def invitation_answer(self, gathering_id: int, person_id: int) -> tuple[bool, str | None]:
        """(invited?, answer) of one person."""
        row = (
            await self.session.scalars(
                select(GatheringInvitationRow).where(
                    col(GatheringInvitationRow.gathering_id) == gathering_id,
                    col(GatheringInvitationRow.person_id) == person_id,
                )
            )
        ).one_or_none()
        return (False, None) if row is None else (True, row.answer)

    async def answer_invitation(
        self, gathering_id: int, person_id: int, answer: Answer, now: datetime
    ) -> bool:
        """Records the answer (a later one replaces it); False when not invited."""
        result = await self.session.execute(
            update(GatheringInvitationRow)
            .where(
                col(GatheringInvitationRow.gathering_id) == gathering_id,
                col(GatheringInvitationRow.person_id) == person_id,
            )
            .values(answer=answer.value, answered_at=now)
        )
        return bool(rowcount(result))

    async def gathering_attendance(
        self, programme_id: int, since: datetime | date, until: datetime | date | None = None
    ) -> list[Attendance]:
        """Each gathering of the programme starting in [since, until) with who said yes,
        who said no and who has not answered (cancelled ones are left out); dates are
        taken as midnight UTC. Two statements. For /gatherings, the digest and the report."""

        start, end = _moment(since), _moment(until) if until is not None else None
        gatherings = [
            g for g in await self.gatherings([programme_id], start, end) if not g.cancelled
        ]
        if not gatherings:
            return []
        rows = await self.session.execute(
            select(
                col(GatheringInvitationRow.gathering_id),
                col(GatheringInvitationRow.answer),
                PersonRow,
            )
            .join(PersonRow, col(PersonRow.id) == col(GatheringInvitationRow.person_id))
            .where(col(GatheringInvitationRow.gathering_id).in_([g.id for g in gatherings]))
            .order_by(col(PersonRow.first_name), col(PersonRow.id))
        )
        answers: dict[int, dict[str | None, list[Person]]] = {}
        for gathering_id, answer, person_row in rows.all():
            answers.setdefault(gathering_id, {}).setdefault(answer, []).append(
                person_of(person_row)
            )
        result = []
        for gathering in gatherings:
            by_answer = answers.get(gathering.id, {})
            result.append(
                Attendance(
                    gathering=gathering,
                    coming=tuple(by_answer.get(Answer.YES.value, [])),
                    not_coming=tuple(by_answer.get(Answer.NO.value, [])),
                    no_answer=tuple(by_answer.get(None, [])),
                )
            )
        return result

    async def turnouts(
        self,
        programme_ids: Sequence[int],
        *,
        cohort_id: int | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[Turnout]:
        """The gatherings of these programmes not cancelled (of one cohort and the
        programme-wide ones, when `cohort_id` is given; starting in [since, until) when
        given), each with how many were invited, said yes and said no: one statement,
        whatever the number of gatherings and people. For the digest and the report."""
        if not programme_ids:
            return []
        answer = col(GatheringInvitationRow.answer)
        conditions: list[Any] = [
            col(GatheringRow.programme_id).in_(list(programme_ids)),
            col(GatheringRow.cancelled_at).is_(None),
        ]
        if cohort_id is not None:
            conditions.append(
                or_(col(GatheringRow.cohort_id).is_(None), col(GatheringRow.cohort_id) == cohort_id)
            )
        if since is not None:
            conditions.append(col(GatheringRow.starts_at) >= since)
        if until is not None:
            conditions.append(col(GatheringRow.starts_at) < until)
        query = (
            select(
                GatheringRow,
                func.count(col(GatheringInvitationRow.id)),
                func.count(case((answer == Answer.YES.value, 1))),
                func.count(case((answer == Answer.NO.value, 1))),
            )
            .outerjoin(
                GatheringInvitationRow,
                col(GatheringInvitationRow.gathering_id) == col(GatheringRow.id),
            )
            .where(*conditions)
            .group_by(col(GatheringRow.id))
            .order_by(col(GatheringRow.starts_at), col(GatheringRow.id))
        )
        return [
            Turnout(_gathering(row), int(invited), int(yes), int(no))
            for row, invited, yes, no in (await self.session.execute(query)).all()
        ]

    async def set_learning_group(
        self, programme_id: int, person_ids: Sequence[int], group: str | None
    ) -> int:
        """Puts people (as participants of the programme) into a learning group, or out
        of any (None). Returns how many memberships changed."""
        result = await self.session.execute(
            update(MembershipRow)
            .where(
                col(MembershipRow.programme_id) == programme_id,
                col(MembershipRow.person_id).in_(list(person_ids)),
                col(MembershipRow.role) != Role.COORDINATOR.value,
            )
            .values(learning_group=group)
        )
        return rowcount(result)


def _moment(value: datetime | date) -> datetime:
    if isinstance(value, datetime):
        return as_utc(value)
    return datetime.combine(value, time(0, 0), tzinfo=UTC)
