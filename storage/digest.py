"""Queries of the weekly digest and the weekly note: plain data for `bot.domain.digest`.

`digest_inputs` loads everything for any number of programmes in a fixed number of
statements (one per kind of fact), however many pairs they have.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import aliased
from sqlmodel import col

from bot.domain.alerts import AlertReason
from bot.domain.digest import (
    DigestAlert,
    DigestCheckIn,
    DigestInput,
    DigestMeeting,
    DigestPair,
    DigestPlan,
    FailedMessage,
)
from bot.domain.model import AlertStatus, OutboxStatus, PairState, Programme
from bot.domain.rhythm import MeetingStatus, PlanStatus
from bot.runtime.clock import as_utc
from storage.gatherings import Gatherings
from storage.models import (
    AlertRow,
    CheckInRow,
    CohortRow,
    MeetingRow,
    MembershipRow,
    OutboxRow,
    PairRow,
    PersonRow,
    PlannedMeetingRow,
    ProgrammeRow,
)
from storage.readers import cohort_of, pauses_of, programme_of
from storage.tables import BaseRepository, with_pairs


class DigestQueries(BaseRepository):
    """What the weekly digest of a programme reads."""

    async def digest_inputs(
        self,
        programmes: Sequence[Programme],
        *,
        scores_since: datetime,
        planned_from: date,
        failed_since: datetime,
        gatherings_between: tuple[datetime, datetime],
    ) -> dict[int, DigestInput]:
        """Each programme's pairs, meetings, check-in scores, unresolved alerts, planned
        meetings, failed messages and gatherings (starting in `gatherings_between`, with
        their answers counted): nine statements for all of them."""
        ids = [p.id for p in programmes]
        if not ids:
            return {}
        cohorts = (
            await self.session.scalars(
                select(CohortRow).where(col(CohortRow.programme_id).in_(ids))
            )
        ).all()
        mentor, adept = aliased(PersonRow), aliased(PersonRow)
        pair_rows = (
            await self.session.execute(
                select(PairRow, col(mentor.first_name), col(adept.first_name))
                .join(mentor, col(mentor.id) == col(PairRow.mentor_id))
                .join(adept, col(adept.id) == col(PairRow.adept_id))
                .where(col(PairRow.programme_id).in_(ids))
                .order_by(col(PairRow.id))
            )
        ).all()
        in_programmes = col(PairRow.programme_id).in_(ids)
        meetings = (
            await self.session.execute(
                select(
                    col(MeetingRow.pair_id),
                    col(MeetingRow.held_on),
                    col(MeetingRow.status),
                    col(MeetingRow.minutes),
                    col(MeetingRow.created_at),
                )
                .join(PairRow, col(PairRow.id) == col(MeetingRow.pair_id))
                .where(in_programmes)
            )
        ).all()
        check_ins = (
            await self.session.execute(
                select(
                    col(CheckInRow.pair_id),
                    col(CheckInRow.score),
                    col(CheckInRow.completed_at),
                    col(CheckInRow.created_at),
                )
                .join(PairRow, col(PairRow.id) == col(CheckInRow.pair_id))
                .where(
                    in_programmes,
                    col(CheckInRow.score).is_not(None),
                    col(CheckInRow.created_at) >= scores_since,
                )
            )
        ).all()
        alerts = (
            await self.session.scalars(
                with_pairs(AlertRow).where(
                    in_programmes, col(AlertRow.status) != AlertStatus.RESOLVED.value
                )
            )
        ).all()
        planned = (
            await self.session.scalars(
                with_pairs(PlannedMeetingRow).where(
                    in_programmes,
                    col(PlannedMeetingRow.planned_on) >= planned_from,
                    col(PlannedMeetingRow.status) != PlanStatus.CANCELLED.value,
                )
            )
        ).all()
        failed = (
            await self.session.execute(
                select(
                    col(OutboxRow.chat_id),
                    col(OutboxRow.kind),
                    col(OutboxRow.person_id),
                    col(PersonRow.first_name),
                )
                .outerjoin(PersonRow, col(PersonRow.id) == col(OutboxRow.person_id))
                .where(
                    col(OutboxRow.status) == OutboxStatus.FAILED.value,
                    col(OutboxRow.not_before) >= failed_since,
                )
                .order_by(col(OutboxRow.id))
            )
        ).all()
        members = (
            await self.session.execute(
                select(
                    col(MembershipRow.person_id),
                    col(MembershipRow.programme_id),
                    col(MembershipRow.cohort_id),
                ).where(col(MembershipRow.programme_id).in_(ids))
            )
        ).all()

        programme_of_pair: dict[int, int] = {}
        pairs: dict[int, list[DigestPair]] = {}
        # The cohorts a person is in, per programme: by their invitation or their pairs.
        cohorts_of: dict[tuple[int, int], set[int]] = {}
        for row, mentor_name, adept_name in pair_rows:
            assert row.id is not None
            programme_of_pair[row.id] = row.programme_id
            for person_id in (row.mentor_id, row.adept_id):
                cohorts_of.setdefault((person_id, row.programme_id), set()).add(row.cohort_id)
            pairs.setdefault(row.programme_id, []).append(
                DigestPair(
                    id=row.id,
                    state=PairState(row.state),
                    mentor=mentor_name,
                    adept=adept_name,
                    cohort_id=row.cohort_id,
                    created_at=as_utc(row.created_at),
                    activated_at=None if row.activated_at is None else as_utc(row.activated_at),
                    ended_at=None if row.ended_at is None else as_utc(row.ended_at),
                    paused_until=row.paused_until,
                    pauses=pauses_of(row.pauses),
                )
            )
        people_in: dict[int, set[int]] = {}
        for person_id, programme_id, cohort_id in members:
            people_in.setdefault(person_id, set()).add(programme_id)
            if cohort_id is not None:
                cohorts_of.setdefault((person_id, programme_id), set()).add(cohort_id)
        alert_chats = {p.alert_chat_id: p.id for p in programmes if p.alert_chat_id is not None}
        since, until = gatherings_between
        turnouts = await Gatherings(self.session).turnouts(ids, since=since, until=until)

        def where(pair_id: int) -> int | None:
            return programme_of_pair.get(pair_id)

        result: dict[int, DigestInput] = {}
        for programme in programmes:
            pid = programme.id
            result[pid] = DigestInput(
                programme=programme,
                cohorts=tuple(cohort_of(c) for c in cohorts if c.programme_id == pid),
                pairs=tuple(pairs.get(pid, ())),
                meetings=tuple(
                    DigestMeeting(
                        pair_id, held_on, MeetingStatus(status), minutes, as_utc(logged_at)
                    )
                    for pair_id, held_on, status, minutes, logged_at in meetings
                    if where(pair_id) == pid
                ),
                check_ins=tuple(
                    DigestCheckIn(pair_id, score, as_utc(completed or created))
                    for pair_id, score, completed, created in check_ins
                    if where(pair_id) == pid and score is not None
                ),
                alerts=tuple(
                    DigestAlert(
                        id=a.id or 0,
                        pair_id=a.pair_id,
                        reason=AlertReason(a.reason),
                        status=AlertStatus(a.status),
                        since=as_utc(a.since),
                    )
                    for a in alerts
                    if where(a.pair_id) == pid
                ),
                planned=tuple(
                    DigestPlan(p.pair_id, p.planned_on, p.planned_time, PlanStatus(p.status))
                    for p in planned
                    if where(p.pair_id) == pid
                ),
                failed=tuple(
                    FailedMessage(
                        name,
                        kind,
                        frozenset(cohorts_of.get((person_id, pid), ()))
                        if person_id is not None
                        else frozenset(),
                    )
                    for chat_id, kind, person_id, name in failed
                    if (person_id is not None and pid in people_in.get(person_id, set()))
                    or (person_id is None and alert_chats.get(chat_id) == pid)
                ),
                gatherings=tuple(t for t in turnouts if t.gathering.programme_id == pid),
            )
        return result

    async def alert_posts(self, alert_ids: Sequence[int]) -> dict[int, list[tuple[int, int]]]:
        """Where each alert was posted: (chat, message id) of its sent posts."""
        if not alert_ids:
            return {}
        refs = {f"alert:{i}": i for i in alert_ids}
        rows = await self.session.execute(
            select(
                col(OutboxRow.ref), col(OutboxRow.chat_id), col(OutboxRow.telegram_message_id)
            ).where(
                col(OutboxRow.ref).in_(list(refs)),
                col(OutboxRow.kind) == "alert",
                col(OutboxRow.status) == OutboxStatus.SENT.value,
                col(OutboxRow.telegram_message_id).is_not(None),
            )
        )
        posts: dict[int, list[tuple[int, int]]] = {}
        for ref, chat_id, message_id in rows.all():
            if ref in refs and message_id is not None:
                posts.setdefault(refs[ref], []).append((chat_id, message_id))
        return posts

    async def digest_programmes(self) -> list[Programme]:
        """Programmes with a weekly digest switched on (the tick's one extra statement)."""
        rows = await self.session.scalars(
            select(ProgrammeRow)
            .where(col(ProgrammeRow.digest_weekday).is_not(None))
            .order_by(col(ProgrammeRow.id))
        )
        return [programme_of(row) for row in rows.all()]
