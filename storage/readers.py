"""Named column readers: one tuple of column names and one converter per entity.

Each entity's columns are a NamedTuple: a select is built from its fields, a row of
plain columns becomes one with `_make` (C-level, unlike a Row's attribute access, which
costs more than building the domain object), and the converter reads every column by
name. An ORM row has the same attribute names, so the same converter reads it: one
converter per entity, whether the row came from `session.get` or from the tick's bulk
selects of plain columns (several times cheaper at 100,000 pairs than ORM rows).
Where one select reads several entities (a pair and both people), the parts follow
each other in the order of their fields, and the slices below are derived from them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, time
from typing import Any, NamedTuple

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel, col

from bot.domain.alerts import AlertReason, detail_from_json
from bot.domain.model import (
    Alert,
    AlertStatus,
    CheckIn,
    Cohort,
    Confirmation,
    Dialogue,
    Expectation,
    Membership,
    OutboxItem,
    OutboxStatus,
    Pair,
    PairState,
    PairView,
    Person,
    Programme,
    Role,
)
from bot.domain.rhythm import (
    History,
    MeetingFact,
    MeetingStatus,
    NudgeFact,
    NudgeKind,
    PlannedFact,
    PlanStatus,
)
from bot.runtime.clock import as_utc
from storage.models import (
    AlertRow,
    CheckInRow,
    CohortRow,
    ConfirmationRow,
    ExpectationRow,
    MeetingRow,
    MembershipRow,
    NudgeRow,
    OutboxRow,
    PairRow,
    PersonRow,
    PlannedMeetingRow,
    ProgrammeRow,
)
from storage.tables import ADEPTS, MENTORS, PAIRS, of_pairs, table, utc


def columns(source: Any, names: type[tuple[Any, ...]] | Sequence[str]) -> list[Any]:
    """The columns of `source` (a table's `.c`) named by a NamedTuple's fields, or by names."""
    fields: Sequence[str] = names._fields if isinstance(names, type) else names  # type: ignore[attr-defined]
    return [getattr(source, name) for name in fields]


# ---------------------------------------------------------------- programmes and cohorts


class ProgrammeColumns(NamedTuple):
    id: int
    name: str
    timezone: str
    language: str
    cadence: str
    day_starts: time
    day_ends: time
    working_days: str
    morning_reminder: bool
    alert_chat_id: int | None
    role_labels: str
    outcomes: str
    preset: str | None
    digest_weekday: int | None
    digest_hour: int
    digest_week: str | None
    country: str


def programme_of(v: ProgrammeColumns | ProgrammeRow) -> Programme:
    assert v.id is not None
    return Programme(
        id=v.id,
        name=v.name,
        timezone=v.timezone,
        language=v.language,
        cadence=v.cadence,
        day_starts=v.day_starts,
        day_ends=v.day_ends,
        working_days=frozenset(int(d) for d in v.working_days if d.isdigit()),
        morning_reminder=v.morning_reminder,
        alert_chat_id=v.alert_chat_id,
        role_labels=v.role_labels,
        outcomes=tuple(o for o in v.outcomes.split(",") if o),
        preset=v.preset,
        digest_weekday=v.digest_weekday,
        digest_hour=v.digest_hour,
        digest_week=v.digest_week,
        country=v.country,
    )


def cohort_of(row: CohortRow) -> Cohort:
    assert row.id is not None
    return Cohort(
        id=row.id,
        programme_id=row.programme_id,
        name=row.name,
        starts_on=row.starts_on,
        ends_on=row.ends_on,
    )


# ---------------------------------------------------------------- people and memberships


class PersonColumns(NamedTuple):
    id: int
    telegram_user_id: int | None
    first_name: str
    last_name: str | None
    language: str | None
    intake: dict[str, Any] | None
    telegram_language: str | None
    consented_at: datetime | None
    unreachable_since: datetime | None
    weekly_note: bool | None
    erased_at: datetime | None


def person_of(v: PersonColumns | PersonRow) -> Person:
    assert v.id is not None
    return Person(
        id=v.id,
        telegram_user_id=v.telegram_user_id,
        first_name=v.first_name,
        last_name=v.last_name,
        language=v.language,
        intake=dict(v.intake or {}),
        telegram_language=v.telegram_language,
        consented_at=utc(v.consented_at),
        unreachable_since=utc(v.unreachable_since),
        weekly_note=bool(v.weekly_note),
        erased_at=utc(v.erased_at),
    )


class MembershipColumns(NamedTuple):
    id: int
    person_id: int
    programme_id: int
    cohort_id: int | None
    role: str
    learning_group: str | None


def membership_of(v: MembershipColumns | MembershipRow) -> Membership:
    assert v.id is not None
    return Membership(
        id=v.id,
        person_id=v.person_id,
        programme_id=v.programme_id,
        cohort_id=v.cohort_id,
        role=Role(v.role),
        learning_group=v.learning_group,
    )


class DialogueColumns(NamedTuple):
    person_id: int
    flow: str
    step: str
    data: dict[str, Any]


def dialogue_of(v: DialogueColumns) -> Dialogue:
    return Dialogue(person_id=v.person_id, flow=v.flow, step=v.step, data=dict(v.data))


# ---------------------------------------------------------------- pairs


class PairColumns(NamedTuple):
    id: int
    programme_id: int
    cohort_id: int
    mentor_id: int
    adept_id: int
    state: str
    created_at: datetime
    activated_at: datetime | None
    goals: list[str] | None
    paused_until: date | None
    pauses: list[list[str]] | None
    goals_changed_at: datetime | None


def pair_of(v: PairColumns | PairRow) -> Pair:
    assert v.id is not None
    return Pair(
        id=v.id,
        programme_id=v.programme_id,
        cohort_id=v.cohort_id,
        mentor_id=v.mentor_id,
        adept_id=v.adept_id,
        state=PairState(v.state),
        created_at=as_utc(v.created_at),
        activated_at=utc(v.activated_at),
        goals=None if v.goals is None else tuple(v.goals),
        paused_until=v.paused_until,
        pauses=pauses_of(v.pauses),
        goals_changed_at=utc(v.goals_changed_at),
    )


def pauses_of(stored: Sequence[Sequence[str]] | None) -> tuple[tuple[date, date], ...]:
    return tuple(
        (date.fromisoformat(first), date.fromisoformat(last)) for first, last in stored or ()
    )


def stored_pauses(pauses: Iterable[tuple[date, date]]) -> list[list[str]]:
    return [[first.isoformat(), last.isoformat()] for first, last in pauses]


# A row of `with_parties`: the pair's columns, the mentor's, the adept's, then the rest.
_PAIR_END = len(PairColumns._fields)
_MENTOR_END = _PAIR_END + len(PersonColumns._fields)
PARTIES_END = _MENTOR_END + len(PersonColumns._fields)
_PROGRAMME_END = PARTIES_END + len(ProgrammeColumns._fields)


def with_parties(*more: Any) -> Select[Any]:
    """A pair's columns, then its mentor's and its adept's, then `more`, joined."""
    return (
        select(
            *columns(PAIRS.c, PairColumns),
            *columns(MENTORS.c, PersonColumns),
            *columns(ADEPTS.c, PersonColumns),
            *more,
        )
        .join(MENTORS, MENTORS.c.id == PAIRS.c.mentor_id)
        .join(ADEPTS, ADEPTS.c.id == PAIRS.c.adept_id)
    )


def view_of(row: Sequence[Any]) -> PairView:
    """The pair and both people from a row of `with_parties`."""
    return PairView(
        pair=pair_of(PairColumns._make(row[:_PAIR_END])),
        mentor=person_of(PersonColumns._make(row[_PAIR_END:_MENTOR_END])),
        adept=person_of(PersonColumns._make(row[_MENTOR_END:PARTIES_END])),
    )


def programme_after_parties(row: Sequence[Any]) -> Programme:
    """The programme from a row of `with_parties_and_programme`."""
    return programme_of(ProgrammeColumns._make(row[PARTIES_END:_PROGRAMME_END]))


async def pairs_with_parties(session: AsyncSession, *conditions: Any) -> list[PairView]:
    """Pairs and both parties in one statement, read as plain columns, by id."""
    rows = await session.execute(with_parties().where(*conditions).order_by(PAIRS.c.id))
    return [view_of(row) for row in rows]


async def rows_of_pairs(
    session: AsyncSession,
    model: type[SQLModel],
    names: Sequence[str],
    conditions: Sequence[Any],
    *where: Callable[[Any], Any],
) -> Any:
    """Columns `names` of `model`'s rows of the pairs that meet `conditions`, and
    `where` (each given the table's columns): one statement for many pairs."""
    rows = table(model)
    return await session.execute(
        select(*columns(rows.c, names)).where(
            of_pairs(rows.c.pair_id, *conditions), *[w(rows.c) for w in where]
        )
    )


async def programmes_by_id(session: AsyncSession, ids: Iterable[int] | None) -> list[Programme]:
    """Programmes (all of them, or these), by id, in one statement."""
    query = select(ProgrammeRow).order_by(col(ProgrammeRow.id))
    if ids is not None:
        query = query.where(col(ProgrammeRow.id).in_(list(ids)))
    return [programme_of(row) for row in (await session.scalars(query)).all()]


async def programmes_of(session: AsyncSession, views: Sequence[PairView]) -> dict[int, Programme]:
    ids = {view.pair.programme_id for view in views}
    return {programme.id: programme for programme in await programmes_by_id(session, ids)}


class ExpectationColumns(NamedTuple):
    pair_id: int
    person_id: int
    round: str
    answers: dict[str, Any]
    completed_at: datetime | None


def expectation_of(v: ExpectationColumns | ExpectationRow) -> Expectation:
    return Expectation(
        pair_id=v.pair_id,
        person_id=v.person_id,
        round=v.round,
        answers=dict(v.answers),
        completed_at=utc(v.completed_at),
    )


class ConfirmationColumns(NamedTuple):
    pair_id: int
    person_id: int
    agreement_version: str
    confirmed_at: datetime


def confirmation_of(v: ConfirmationColumns | ConfirmationRow) -> Confirmation:
    return Confirmation(
        pair_id=v.pair_id,
        person_id=v.person_id,
        agreement_version=v.agreement_version,
        confirmed_at=as_utc(v.confirmed_at),
    )


# ---------------------------------------------------------------- the meeting rhythm


class MeetingFactColumns(NamedTuple):
    id: int
    held_on: date
    minutes: int | None
    status: str
    logged_by: int


def meeting_fact_of(v: MeetingFactColumns | MeetingRow) -> MeetingFact:
    assert v.id is not None
    return MeetingFact(v.id, v.held_on, v.minutes, MeetingStatus(v.status), v.logged_by)


class PlannedFactColumns(NamedTuple):
    id: int
    planned_on: date
    planned_time: time | None
    status: str


def planned_fact_of(v: PlannedFactColumns | PlannedMeetingRow) -> PlannedFact:
    assert v.id is not None
    return PlannedFact(v.id, v.planned_on, v.planned_time, PlanStatus(v.status))


class NudgeFactColumns(NamedTuple):
    person_id: int
    period: str
    kind: str
    sent_at: datetime
    answered_at: datetime | None


_NUDGE_KINDS = {kind.value: kind for kind in NudgeKind}


def nudge_fact_of(v: NudgeFactColumns | NudgeRow) -> NudgeFact:
    return NudgeFact(
        v.person_id, v.period, _NUDGE_KINDS[v.kind], as_utc(v.sent_at), utc(v.answered_at)
    )


def history_of(
    view: PairView,
    cohort: tuple[date, date],
    meetings: Iterable[MeetingFact],
    planned: Iterable[PlannedFact],
    nudges: Iterable[NudgeFact],
    check_ins: Iterable[tuple[int, str]],
) -> History:
    """One pair's rhythm history from its rows, in the order the rules expect."""
    pair = view.pair
    return History(
        pair_id=pair.id,
        mentor_id=pair.mentor_id,
        adept_id=pair.adept_id,
        activated_at=pair.activated_at or pair.created_at,
        cohort_start=cohort[0],
        cohort_end=cohort[1],
        paused_until=pair.paused_until,
        pauses=pair.pauses,
        meetings=tuple(sorted(meetings, key=lambda f: (f.held_on, f.id))),
        planned=tuple(sorted(planned, key=lambda f: (f.planned_on, f.id))),
        nudges=tuple(sorted(nudges, key=lambda f: f.sent_at)),
        check_in_periods=frozenset(check_ins),
        reachable=frozenset(
            person.id
            for person in (view.mentor, view.adept)
            if person.telegram_user_id is not None and person.unreachable_since is None
        ),
    )


def check_in_of(row: CheckInRow) -> CheckIn:
    assert row.id is not None
    return CheckIn(
        id=row.id,
        pair_id=row.pair_id,
        person_id=row.person_id,
        meeting_id=row.meeting_id,
        period=row.period,
        score=row.score,
        comment=row.comment,
        needs_help=row.needs_help,
        goals_progressed=tuple(row.goals_progressed or ()),
        completed_at=utc(row.completed_at),
        created_at=as_utc(row.created_at),
        help_text=row.help_text,
    )


# ---------------------------------------------------------------- alerts and the outbox


class AlertColumns(NamedTuple):
    id: int
    pair_id: int
    reason: str
    since: datetime
    status: str
    detail: dict[str, Any]
    opened_at: datetime
    taken_by: int | None
    snoozed_until: datetime | None
    resolved_at: datetime | None
    resolved_by: int | None
    posts: int


def alert_of(v: AlertColumns | AlertRow) -> Alert:
    assert v.id is not None
    return Alert(
        id=v.id,
        pair_id=v.pair_id,
        reason=AlertReason(v.reason),
        since=as_utc(v.since),
        status=AlertStatus(v.status),
        detail=detail_from_json(v.reason, v.detail),
        opened_at=as_utc(v.opened_at),
        taken_by=v.taken_by,
        snoozed_until=utc(v.snoozed_until),
        resolved_at=utc(v.resolved_at),
        resolved_by=v.resolved_by,
        posts=v.posts,
    )


def outbox_item_of(row: OutboxRow) -> OutboxItem:
    assert row.id is not None
    return OutboxItem(
        id=row.id,
        idempotency_key=row.idempotency_key,
        chat_id=row.chat_id,
        person_id=row.person_id,
        kind=row.kind,
        payload=dict(row.payload),
        status=OutboxStatus(row.status),
        attempts=row.attempts,
        not_before=as_utc(row.not_before),
        lease_until=utc(row.lease_until),
    )
