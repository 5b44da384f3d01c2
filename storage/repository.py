"""Queries: each method is one unit of SQL and returns domain objects, never ORM rows."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, cast

from sqlalchemy import (
    CursorResult,
    Result,
    Select,
    Table,
    and_,
    bindparam,
    delete,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel, col

from bot.domain.access import Scope
from bot.domain.alerts import AlertReason, detail_from_json, detail_to_json
from bot.domain.intake import CONSENT_STEP
from bot.domain.model import (
    URGENT_KINDS,
    AgreementText,
    Alert,
    AlertStatus,
    CheckIn,
    Cohort,
    Confirmation,
    Dialogue,
    Expectation,
    GoalRecord,
    Membership,
    Note,
    OutboxItem,
    OutboxStatus,
    OutgoingMessage,
    Pair,
    PairStart,
    PairState,
    PairView,
    Person,
    Programme,
    Rhythm,
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
    with_pause,
)
from bot.domain.stall import Stall
from bot.domain.withdrawal import PairNow
from bot.runtime.clock import as_utc
from storage.eligibility import eligible
from storage.gatherings import GatheringQueries
from storage.models import (
    AgreementTextRow,
    AlertRow,
    CheckInRow,
    CohortRow,
    ConfirmationRow,
    DialogueRow,
    ExpectationRow,
    GoalRow,
    InviteRow,
    MeetingRow,
    MembershipRow,
    NoteRow,
    NudgeRow,
    OutboxRow,
    PairRow,
    PersonRow,
    PlannedMeetingRow,
    ProcessedUpdateRow,
    ProgrammeRow,
    SendBudgetRow,
    TickWritingRow,
)


def _table(entity: type[SQLModel]) -> Table:
    """The Core table of a model. Bulk writes go through it with a list of parameters:
    one compiled statement sent as an executemany ("insertmanyvalues" batches), where an
    ORM multi-row VALUES would build a bind parameter object for every value."""
    return cast(Table, entity.__table__)  # type: ignore[attr-defined]


# The tables the tick reads in bulk, used as Core tables: a select of Core columns skips
# the ORM's result machinery, which at 100,000 pairs costs more than the query itself.
PAIRS = _table(PairRow)
PEOPLE = _table(PersonRow)
# What every update reads (who sent it, their pair), also as Core tables: an update's
# handful of rows costs less read as plain columns than as ORM objects.
PROGRAMMES = _table(ProgrammeRow)
COHORTS = _table(CohortRow)
MEMBERSHIPS = _table(MembershipRow)
DIALOGUES = _table(DialogueRow)
# Made once: an alias made for each query builds its column collection each time.
MENTORS, ADEPTS = PEOPLE.alias("mentor"), PEOPLE.alias("adept")
LIVE_STATES = (PairState.ACTIVE.value, PairState.PAUSED.value)

# PostgreSQL advisory lock held by the instance that ticks (see `Repository.tick_lock`).
TICK_LOCK = 0x6D656E746F72  # "mentor"


@dataclass(frozen=True)
class Awake:
    """The pairs a tick looks at: those awake at `at` (never seen by a tick, changed
    since it saw them, or due to wake: bot/domain/quiet.py) and, when the tick takes a
    slice of them, only those whose id is at most `through`."""

    at: datetime
    through: int | None = None


def _awake(spec: Awake) -> Any:
    """The condition on `pair` for the pairs `spec` names (triggers count changes in
    `revision`)."""
    condition = or_(
        PAIRS.c.quiet_until.is_(None),
        PAIRS.c.quiet_until <= spec.at,
        PAIRS.c.quiet_revision != PAIRS.c.revision,
    )
    if spec.through is None:
        return condition
    return and_(PAIRS.c.id <= spec.through, condition)


def _history(
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


def _of_pairs(pair_id: Any, *conditions: Any) -> Any:
    """Rows of the pairs that meet `conditions`, as `pair_id IN (SELECT …)`: the database
    then looks up the few awake pairs' rows by index instead of joining every row of the
    table to its pair (at 100,000 pairs, a third of a second per table on SQLite)."""
    return pair_id.in_(select(PAIRS.c.id).where(*conditions))


def _awake_parties(spec: Awake) -> Any:
    """Both parties of every pair `spec` names, as a subquery."""
    return (
        select(PAIRS.c.mentor_id.label("person_id"))
        .where(_awake(spec))
        .union(select(PAIRS.c.adept_id).where(_awake(spec)))
    )


@dataclass(frozen=True)
class InviteRecord:
    id: int
    programme_id: int
    cohort_id: int | None
    role: Role
    expires_at: datetime
    used_at: datetime | None
    used_by_person_id: int | None = None


def _utc(moment: datetime | None) -> datetime | None:
    return None if moment is None else as_utc(moment)


_PROGRAMME_COLUMNS = (
    "id",
    "name",
    "timezone",
    "language",
    "cadence",
    "day_starts",
    "day_ends",
    "working_days",
    "morning_reminder",
    "alert_chat_id",
    "role_labels",
    "outcomes",
    "preset",
    "digest_weekday",
    "digest_hour",
    "digest_week",
    "country",
)


def _programme_of(v: Sequence[Any]) -> Programme:
    return Programme(
        id=v[0],
        name=v[1],
        timezone=v[2],
        language=v[3],
        cadence=v[4],
        day_starts=v[5],
        day_ends=v[6],
        working_days=frozenset(int(d) for d in v[7] if d.isdigit()),
        morning_reminder=v[8],
        alert_chat_id=v[9],
        role_labels=v[10],
        outcomes=tuple(o for o in v[11].split(",") if o),
        preset=v[12],
        digest_weekday=v[13],
        digest_hour=v[14],
        digest_week=v[15],
        country=v[16],
    )


def _programme(row: ProgrammeRow) -> Programme:
    assert row.id is not None
    return _programme_of(_columns(row, _PROGRAMME_COLUMNS))


def _cohort(row: CohortRow) -> Cohort:
    assert row.id is not None
    return Cohort(
        id=row.id,
        programme_id=row.programme_id,
        name=row.name,
        starts_on=row.starts_on,
        ends_on=row.ends_on,
    )


# Columns read by position where many rows are loaded at once (the tick): building
# domain objects from plain tuples is several times cheaper than materialising ORM rows.
_PERSON_COLUMNS = (
    "id",
    "telegram_user_id",
    "first_name",
    "last_name",
    "language",
    "intake",
    "telegram_language",
    "consented_at",
    "unreachable_since",
    "weekly_note",
    "erased_at",
)
_PAIR_COLUMNS = (
    "id",
    "programme_id",
    "cohort_id",
    "mentor_id",
    "adept_id",
    "state",
    "created_at",
    "activated_at",
    "goals",
    "paused_until",
    "pauses",
    "goals_changed_at",
)


def _columns(entity: Any, names: Sequence[str]) -> list[Any]:
    return [getattr(entity, name) for name in names]


def _person_of(v: Sequence[Any]) -> Person:
    return Person(
        id=v[0],
        telegram_user_id=v[1],
        first_name=v[2],
        last_name=v[3],
        language=v[4],
        intake=dict(v[5] or {}),
        telegram_language=v[6],
        consented_at=_utc(v[7]),
        unreachable_since=_utc(v[8]),
        weekly_note=bool(v[9]),
        erased_at=_utc(v[10]),
    )


def _person(row: PersonRow) -> Person:
    assert row.id is not None
    return _person_of(_columns(row, _PERSON_COLUMNS))


_MEMBERSHIP_COLUMNS = ("id", "person_id", "programme_id", "cohort_id", "role", "learning_group")


def _membership_of(v: Sequence[Any]) -> Membership:
    return Membership(
        id=v[0],
        person_id=v[1],
        programme_id=v[2],
        cohort_id=v[3],
        role=Role(v[4]),
        learning_group=v[5],
    )


def _membership(row: MembershipRow) -> Membership:
    assert row.id is not None
    return _membership_of(_columns(row, _MEMBERSHIP_COLUMNS))


_DIALOGUE_COLUMNS = ("person_id", "flow", "step", "data")


def _dialogue_of(v: Sequence[Any]) -> Dialogue:
    return Dialogue(person_id=v[0], flow=v[1], step=v[2], data=dict(v[3]))


def _pair_of(v: Sequence[Any]) -> Pair:
    return Pair(
        id=v[0],
        programme_id=v[1],
        cohort_id=v[2],
        mentor_id=v[3],
        adept_id=v[4],
        state=PairState(v[5]),
        created_at=as_utc(v[6]),
        activated_at=_utc(v[7]),
        goals=None if v[8] is None else tuple(v[8]),
        paused_until=v[9],
        pauses=_pauses_of(v[10]),
        goals_changed_at=_utc(v[11]),
    )


def _pauses_of(stored: Sequence[Sequence[str]] | None) -> tuple[tuple[date, date], ...]:
    return tuple(
        (date.fromisoformat(first), date.fromisoformat(last)) for first, last in stored or ()
    )


def _stored_pauses(pauses: Iterable[tuple[date, date]]) -> list[list[str]]:
    return [[first.isoformat(), last.isoformat()] for first, last in pauses]


_PAIR_WIDTH, _PERSON_WIDTH = len(_PAIR_COLUMNS), len(_PERSON_COLUMNS)
# Where the columns `_with_parties` adds after the pair and both people begin.
_PARTIES_END = _PAIR_WIDTH + 2 * _PERSON_WIDTH


def _with_parties(*more: Any) -> Select[Any]:
    """A pair's columns, then its mentor's and its adept's, then `more`, joined."""
    return (
        select(
            *_columns(PAIRS.c, _PAIR_COLUMNS),
            *_columns(MENTORS.c, _PERSON_COLUMNS),
            *_columns(ADEPTS.c, _PERSON_COLUMNS),
            *more,
        )
        .join(MENTORS, MENTORS.c.id == PAIRS.c.mentor_id)
        .join(ADEPTS, ADEPTS.c.id == PAIRS.c.adept_id)
    )


def _view_of(row: Sequence[Any]) -> PairView:
    """The pair and both people from a row of `_with_parties`."""
    return PairView(
        pair=_pair_of(row[:_PAIR_WIDTH]),
        mentor=_person_of(row[_PAIR_WIDTH : _PAIR_WIDTH + _PERSON_WIDTH]),
        adept=_person_of(row[_PAIR_WIDTH + _PERSON_WIDTH : _PARTIES_END]),
    )


def _pair(row: PairRow) -> Pair:
    assert row.id is not None
    return _pair_of(_columns(row, _PAIR_COLUMNS))


_EXPECTATION_COLUMNS = ("pair_id", "person_id", "round", "answers", "completed_at")
_CONFIRMATION_COLUMNS = ("pair_id", "person_id", "agreement_version", "confirmed_at")


def _expectation_of(v: Sequence[Any]) -> Expectation:
    return Expectation(
        pair_id=v[0], person_id=v[1], round=v[2], answers=dict(v[3]), completed_at=_utc(v[4])
    )


def _expectation(row: ExpectationRow) -> Expectation:
    return _expectation_of(_columns(row, _EXPECTATION_COLUMNS))


def _confirmation_of(v: Sequence[Any]) -> Confirmation:
    return Confirmation(
        pair_id=v[0], person_id=v[1], agreement_version=v[2], confirmed_at=as_utc(v[3])
    )


def _confirmation(row: ConfirmationRow) -> Confirmation:
    return _confirmation_of(_columns(row, _CONFIRMATION_COLUMNS))


# A pair's rhythm facts, read as plain columns in this order (see `_PAIR_MEETINGS`).
_MEETING_FACT_COLUMNS = ("id", "held_on", "minutes", "status", "logged_by")
_PLANNED_FACT_COLUMNS = ("id", "planned_on", "planned_time", "status")
_NUDGE_FACT_COLUMNS = ("person_id", "period", "kind", "sent_at", "answered_at")
_NUDGE_KINDS = {kind.value: kind for kind in NudgeKind}


def _meeting_fact_of(v: Sequence[Any]) -> MeetingFact:
    return MeetingFact(v[0], v[1], v[2], MeetingStatus(v[3]), v[4])


def _planned_fact_of(v: Sequence[Any]) -> PlannedFact:
    return PlannedFact(v[0], v[1], v[2], PlanStatus(v[3]))


def _nudge_fact_of(v: Sequence[Any]) -> NudgeFact:
    return NudgeFact(v[0], v[1], _NUDGE_KINDS[v[2]], as_utc(v[3]), _utc(v[4]))


def _meeting_fact(row: MeetingRow) -> MeetingFact:
    assert row.id is not None
    return _meeting_fact_of(_columns(row, _MEETING_FACT_COLUMNS))


def _planned_fact(row: PlannedMeetingRow) -> PlannedFact:
    assert row.id is not None
    return _planned_fact_of(_columns(row, _PLANNED_FACT_COLUMNS))


def _nudge_fact(row: NudgeRow) -> NudgeFact:
    return _nudge_fact_of(_columns(row, _NUDGE_FACT_COLUMNS))


def _check_in(row: CheckInRow) -> CheckIn:
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
        completed_at=_utc(row.completed_at),
        created_at=as_utc(row.created_at),
        help_text=row.help_text,
    )


_ALERT_COLUMNS = (
    "id",
    "pair_id",
    "reason",
    "since",
    "status",
    "detail",
    "opened_at",
    "taken_by",
    "snoozed_until",
    "resolved_at",
    "resolved_by",
    "posts",
)


def _alert_of(v: Sequence[Any]) -> Alert:
    return Alert(
        id=v[0],
        pair_id=v[1],
        reason=AlertReason(v[2]),
        since=as_utc(v[3]),
        status=AlertStatus(v[4]),
        detail=detail_from_json(v[2], v[5]),
        opened_at=as_utc(v[6]),
        taken_by=v[7],
        snoozed_until=_utc(v[8]),
        resolved_at=_utc(v[9]),
        resolved_by=v[10],
        posts=v[11],
    )


def _alert(row: AlertRow) -> Alert:
    assert row.id is not None
    return _alert_of(_columns(row, _ALERT_COLUMNS))


def _outbox_item(row: OutboxRow) -> OutboxItem:
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
        lease_until=_utc(row.lease_until),
    )


class Repository(GatheringQueries):
    """All SQL of one unit of work (one session, one transaction).

    Gatherings' queries live in storage/gatherings.py (mixed in)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @property
    def _dialect(self) -> str:
        return self.session.get_bind().dialect.name

    def _insert(self, table: Any) -> Any:
        return (postgresql.insert if self._dialect == "postgresql" else sqlite.insert)(table)

    # programmes and cohorts

    async def create_programme(
        self, *, name: str, timezone: str, language: str, now: datetime
    ) -> Programme:
        row = ProgrammeRow(name=name, timezone=timezone, language=language, created_at=now)
        self.session.add(row)
        await self.session.flush()
        return _programme(row)

    async def create_cohort(
        self, *, programme_id: int, name: str, starts_on: date, ends_on: date, now: datetime
    ) -> Cohort:
        row = CohortRow(
            programme_id=programme_id,
            name=name,
            starts_on=starts_on,
            ends_on=ends_on,
            created_at=now,
        )
        self.session.add(row)
        await self.session.flush()
        return _cohort(row)

    async def programme(self, programme_id: int) -> Programme | None:
        row = await self.session.get(ProgrammeRow, programme_id)
        return None if row is None else _programme(row)

    async def programmes(self, ids: Iterable[int] | None = None) -> list[Programme]:
        query = select(ProgrammeRow).order_by(col(ProgrammeRow.id))
        if ids is not None:
            query = query.where(col(ProgrammeRow.id).in_(list(ids)))
        return [_programme(row) for row in (await self.session.scalars(query)).all()]

    async def cohorts(self, programme_id: int) -> list[Cohort]:
        query = (
            select(CohortRow)
            .where(col(CohortRow.programme_id) == programme_id)
            .order_by(col(CohortRow.starts_on), col(CohortRow.id))
        )
        return [_cohort(row) for row in (await self.session.scalars(query)).all()]

    async def cohort(self, cohort_id: int) -> Cohort | None:
        row = await self.session.get(CohortRow, cohort_id)
        return None if row is None else _cohort(row)

    # invites

    async def add_invites(
        self,
        *,
        programme_id: int,
        cohort_id: int | None,
        role: Role,
        token_hashes: Sequence[str],
        now: datetime,
        expires_at: datetime,
    ) -> None:
        for token_hash in token_hashes:
            self.session.add(
                InviteRow(
                    programme_id=programme_id,
                    cohort_id=cohort_id,
                    role=role.value,
                    token_hash=token_hash,
                    created_at=now,
                    expires_at=expires_at,
                )
            )
        await self.session.flush()

    async def invite_by_hash(self, token_hash: str) -> InviteRecord | None:
        row = (
            await self.session.scalars(
                select(InviteRow).where(col(InviteRow.token_hash) == token_hash)
            )
        ).one_or_none()
        if row is None or row.id is None:
            return None
        return InviteRecord(
            id=row.id,
            programme_id=row.programme_id,
            cohort_id=row.cohort_id,
            role=Role(row.role),
            expires_at=as_utc(row.expires_at),
            used_at=_utc(row.used_at),
            used_by_person_id=row.used_by_person_id,
        )

    async def use_invite(self, invite_id: int, person_id: int, now: datetime) -> bool:
        """Marks the invite used; False when another update used it first (a race)."""
        result = await self.session.execute(
            update(InviteRow)
            .where(col(InviteRow.id) == invite_id, col(InviteRow.used_at).is_(None))
            .values(used_at=now, used_by_person_id=person_id)
        )
        return bool(_rowcount(result))

    # people

    async def person(self, person_id: int) -> Person | None:
        row = await self.session.get(PersonRow, person_id)
        return None if row is None else _person(row)

    async def people(self, ids: Iterable[int]) -> dict[int, Person]:
        wanted = list(ids)
        if not wanted:
            return {}
        rows = await self.session.scalars(select(PersonRow).where(col(PersonRow.id).in_(wanted)))
        return {row.id: _person(row) for row in rows.all() if row.id is not None}

    async def person_by_telegram_id(self, telegram_user_id: int) -> Person | None:
        row = (
            await self.session.scalars(
                select(PersonRow).where(col(PersonRow.telegram_user_id) == telegram_user_id)
            )
        ).one_or_none()
        return None if row is None else _person(row)

    async def add_person(
        self,
        *,
        telegram_user_id: int,
        first_name: str,
        last_name: str | None,
        telegram_language: str | None,
        now: datetime,
    ) -> Person:
        row = PersonRow(
            telegram_user_id=telegram_user_id,
            first_name=first_name,
            last_name=last_name,
            telegram_language=telegram_language,
            intake={},
            created_at=now,
        )
        self.session.add(row)
        await self.session.flush()
        return _person(row)

    async def update_person(self, person_id: int, **values: Any) -> None:
        allowed = {
            "first_name",
            "last_name",
            "language",
            "telegram_language",
            "intake",
            "consent_version",
            "consented_at",
            "unreachable_since",
            "weekly_note",
        }
        unknown = set(values) - allowed
        if unknown:
            raise ValueError(f"not a person field: {sorted(unknown)}")
        await self.session.execute(
            update(PersonRow).where(col(PersonRow.id) == person_id).values(**values)
        )

    async def mark_unreachable(self, person_id: int, now: datetime) -> None:
        await self.session.execute(
            update(PersonRow)
            .where(col(PersonRow.id) == person_id, col(PersonRow.unreachable_since).is_(None))
            .values(unreachable_since=now)
        )

    # memberships

    async def add_membership(
        self, *, person_id: int, programme_id: int, cohort_id: int | None, role: Role, now: datetime
    ) -> Membership:
        existing = (
            await self.session.scalars(
                select(MembershipRow).where(
                    col(MembershipRow.person_id) == person_id,
                    col(MembershipRow.programme_id) == programme_id,
                    col(MembershipRow.role) == role.value,
                )
            )
        ).one_or_none()
        if existing is not None:
            return _membership(existing)
        row = MembershipRow(
            person_id=person_id,
            programme_id=programme_id,
            cohort_id=cohort_id,
            role=role.value,
            created_at=now,
        )
        self.session.add(row)
        await self.session.flush()
        return _membership(row)

    async def memberships(self, person_id: int) -> list[Membership]:
        query = (
            select(MembershipRow)
            .where(col(MembershipRow.person_id) == person_id)
            .order_by(col(MembershipRow.id))
        )
        return [_membership(row) for row in (await self.session.scalars(query)).all()]

    async def arrival(
        self, telegram_user_id: int
    ) -> tuple[Person, list[Membership], Dialogue | None, str | None] | None:
        """The person behind a Telegram id, their memberships, their open dialogue and the
        language of the programme they joined first, in one statement: every update
        starts with this."""
        person_width, membership_width = len(_PERSON_COLUMNS), len(_MEMBERSHIP_COLUMNS)
        rows = (await self.session.execute(_ARRIVAL, {"telegram_user_id": telegram_user_id})).all()
        if not rows:
            return None
        first = rows[0]
        dialogue_values = first[person_width + membership_width : -1]
        memberships = [
            _membership_of(row[person_width : person_width + membership_width])
            for row in rows
            if row[person_width] is not None
        ]
        return (
            _person_of(first[:person_width]),
            memberships,
            None if dialogue_values[0] is None else _dialogue_of(dialogue_values),
            first[-1],
        )

    async def members(self, programme_id: int, role: Role) -> list[tuple[Membership, Person, int]]:
        """Members of a role with how many pairs (not ended) they are in, in one statement."""
        open_pairs = (
            select(func.count(col(PairRow.id)))
            .where(
                col(PairRow.state) != PairState.ENDED.value,
                col(PairRow.programme_id) == programme_id,
                or_(
                    col(PairRow.mentor_id) == col(MembershipRow.person_id),
                    col(PairRow.adept_id) == col(MembershipRow.person_id),
                ),
            )
            .correlate(MembershipRow)
            .scalar_subquery()
        )
        query: Select[Any] = (
            select(MembershipRow, PersonRow, open_pairs)
            .join(PersonRow, col(PersonRow.id) == col(MembershipRow.person_id))
            .where(
                col(MembershipRow.programme_id) == programme_id,
                col(MembershipRow.role) == role.value,
                eligible(PersonRow),
            )
            .order_by(col(PersonRow.first_name), col(PersonRow.id))
        )
        rows = (await self.session.execute(query)).all()
        return [(_membership(m), _person(p), int(count)) for m, p, count in rows]

    async def left_out(self, programme_id: int) -> list[tuple[Membership, Person, bool]]:
        """Members who do not take part (`members` leaves them out): with whether they
        said no, rather than having the consent question still open or having left."""
        asked = (
            select(col(DialogueRow.person_id))
            .where(col(DialogueRow.step) == CONSENT_STEP)
            .scalar_subquery()
        )
        query = (
            select(MembershipRow, PersonRow, col(PersonRow.id).in_(asked))
            .join(PersonRow, col(PersonRow.id) == col(MembershipRow.person_id))
            .where(col(MembershipRow.programme_id) == programme_id, ~eligible(PersonRow))
            .order_by(col(PersonRow.first_name), col(PersonRow.id))
        )
        result = []
        for membership, row, open_question in (await self.session.execute(query)).all():
            person = _person(row)
            said_no = not open_question and person.erased_at is None
            result.append((_membership(membership), person, said_no))
        return result

    # pairs

    async def add_pair(
        self,
        *,
        programme_id: int,
        cohort_id: int,
        mentor_id: int,
        adept_id: int,
        now: datetime,
    ) -> Pair:
        row = PairRow(
            programme_id=programme_id,
            cohort_id=cohort_id,
            mentor_id=mentor_id,
            adept_id=adept_id,
            state=PairState.AWAITING_AGREEMENT.value,
            created_at=now,
        )
        self.session.add(row)
        await self.session.flush()
        return _pair(row)

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
        return None if row is None else _pair(row)

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
        return [_view_of(row) for row in rows]

    async def pair_rhythm(self, pair_id: int, *, since: date) -> Rhythm | None:
        """One live pair as `rhythm_histories(pair_id=…)` gives it, in five statements
        instead of seven: the pair, its people, programme and cohort are one join (a
        person's every step in the rhythm reads this)."""
        cohort_at = _PARTIES_END + len(_PROGRAMME_COLUMNS)
        row = (await self.session.execute(_LIVE_PAIR, {"pair_id": pair_id})).one_or_none()
        if row is None:
            return None
        view = _view_of(row)
        execute = self.session.execute
        ids = {"pair_id": pair_id}
        meetings = [_meeting_fact_of(v) for v in await execute(_PAIR_MEETINGS, ids)]
        planned = [
            _planned_fact_of(v) for v in await execute(_PAIR_PLANNED, {**ids, "since": since})
        ]
        nudges = [_nudge_fact_of(v) for v in await execute(_PAIR_NUDGES, ids)]
        check_ins = {(person, period) for person, period in await execute(_PAIR_CHECK_INS, ids)}
        return Rhythm(
            view=view,
            programme=_programme_of(row[_PARTIES_END:cohort_at]),
            history=_history(
                view, (row[cohort_at], row[cohort_at + 1]), meetings, planned, nudges, check_ins
            ),
        )

    async def _pair_views(self, *conditions: Any) -> list[PairView]:
        """Pairs and both parties in one statement, by programme, as people see them."""
        query = _with_parties().where(*conditions).order_by(PAIRS.c.programme_id, PAIRS.c.id)
        return [_view_of(row) for row in await self.session.execute(query)]

    async def set_goals(self, pair_id: int, goals: Sequence[str]) -> None:
        await self.session.execute(
            update(PairRow).where(col(PairRow.id) == pair_id).values(goals=list(goals))
        )

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
        await self.session.execute(
            update(PairRow).where(col(PairRow.id) == pair_id).values(**values)
        )

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
        return bool(_rowcount(result))

    async def _pairs_with_parties(self, *conditions: Any) -> list[PairView]:
        """Pairs and both parties in one statement, read as plain columns."""
        rows = await self.session.execute(_with_parties().where(*conditions).order_by(PAIRS.c.id))
        return [_view_of(row) for row in rows]

    async def _rows_of_pairs(
        self,
        model: type[SQLModel],
        names: Sequence[str],
        conditions: Sequence[Any],
        *where: Callable[[Any], Any],
    ) -> Any:
        """Columns `names` of `model`'s rows of the pairs that meet `conditions`, and
        `where` (each given the table's columns): one statement for many pairs."""
        table = _table(model)
        return await self.session.execute(
            select(*_columns(table.c, names)).where(
                _of_pairs(table.c.pair_id, *conditions), *[w(table.c) for w in where]
            )
        )

    async def _programmes_of(self, views: Sequence[PairView]) -> dict[int, Programme]:
        ids = {view.pair.programme_id for view in views}
        return {programme.id: programme for programme in await self.programmes(ids)}

    async def pair_starts(
        self,
        *,
        states: Sequence[PairState],
        pair_id: int | None = None,
        awake: Awake | None = None,
    ) -> list[PairStart]:
        """Pairs with their programme, expectation answers and confirmations: four
        statements whatever the number of pairs (the scheduler's tick relies on it).
        With `awake`, only the pairs the tick looks at."""
        conditions: list[Any] = [PAIRS.c.state.in_([s.value for s in states])]
        if pair_id is not None:
            conditions.append(PAIRS.c.id == pair_id)
        if awake is not None:
            conditions.append(_awake(awake))
        views = await self._pairs_with_parties(*conditions)
        if not views:
            return []
        programmes = await self._programmes_of(views)

        by_pair_e: dict[int, list[Expectation]] = {}
        for values in await self._rows_of_pairs(ExpectationRow, _EXPECTATION_COLUMNS, conditions):
            by_pair_e.setdefault(values[0], []).append(_expectation_of(values))
        by_pair_c: dict[int, list[Confirmation]] = {}
        for values in await self._rows_of_pairs(ConfirmationRow, _CONFIRMATION_COLUMNS, conditions):
            by_pair_c.setdefault(values[0], []).append(_confirmation_of(values))
        return [
            PairStart(
                view=view,
                programme=programmes[view.pair.programme_id],
                expectations=tuple(by_pair_e.get(view.pair.id, ())),
                confirmations=tuple(by_pair_c.get(view.pair.id, ())),
            )
            for view in views
        ]

    async def save_expectation(
        self,
        *,
        pair_id: int,
        person_id: int,
        round_: str,
        answers: dict[str, Any],
        completed: bool,
        now: datetime,
    ) -> None:
        row = (
            await self.session.scalars(
                select(ExpectationRow).where(
                    col(ExpectationRow.pair_id) == pair_id,
                    col(ExpectationRow.person_id) == person_id,
                    col(ExpectationRow.round) == round_,
                )
            )
        ).one_or_none()
        if row is None:
            row = ExpectationRow(
                pair_id=pair_id, person_id=person_id, round=round_, answers={}, created_at=now
            )
            self.session.add(row)
        row.answers = dict(answers)
        row.completed_at = now if completed else None
        await self.session.flush()

    async def add_confirmation(
        self, *, pair_id: int, person_id: int, version: str, text_sha256: str, now: datetime
    ) -> bool:
        statement = (
            self._insert(ConfirmationRow)
            .values(
                pair_id=pair_id,
                person_id=person_id,
                agreement_version=version,
                text_sha256=text_sha256,
                confirmed_at=now,
            )
            .on_conflict_do_nothing(index_elements=["pair_id", "person_id"])
        )
        return bool(_rowcount(await self.session.execute(statement)))

    async def latest_agreement(self, programme_id: int) -> AgreementText | None:
        row = (
            await self.session.scalars(
                select(AgreementTextRow)
                .where(col(AgreementTextRow.programme_id) == programme_id)
                .order_by(col(AgreementTextRow.version).desc())
                .limit(1)
            )
        ).first()
        return None if row is None else AgreementText(f"v{row.version}", row.text)

    async def agreement_version(self, programme_id: int, version: str) -> AgreementText | None:
        if not version.startswith("v") or not version[1:].isdigit():
            return None
        row = (
            await self.session.scalars(
                select(AgreementTextRow).where(
                    col(AgreementTextRow.programme_id) == programme_id,
                    col(AgreementTextRow.version) == int(version[1:]),
                )
            )
        ).one_or_none()
        return None if row is None else AgreementText(version, row.text)

    async def add_agreement_text(self, programme_id: int, text: str, now: datetime) -> str:
        latest = await self.latest_agreement(programme_id)
        number = int(latest.version[1:]) + 1 if latest else 1
        self.session.add(
            AgreementTextRow(programme_id=programme_id, version=number, text=text, created_at=now)
        )
        await self.session.flush()
        return f"v{number}"

    # dialogue state

    async def dialogue(self, person_id: int) -> Dialogue | None:
        values = (await self.session.execute(_DIALOGUE, {"person_id": person_id})).one_or_none()
        return None if values is None else _dialogue_of(values)

    async def save_dialogue(self, dialogue: Dialogue, now: datetime) -> None:
        # One upsert instead of a read and a write; the dialogue is only ever read as
        # plain columns, so no ORM object of it can be left stale in the session.
        await self.session.execute(
            _prebuilt(self._dialect, _dialogue_upsert),
            {
                "person_id": dialogue.person_id,
                "flow": dialogue.flow,
                "step": dialogue.step,
                "data": dict(dialogue.data),
                "updated_at": now,
            },
        )

    async def clear_dialogue(self, person_id: int) -> None:
        await self.session.execute(
            delete(DialogueRow).where(col(DialogueRow.person_id) == person_id)
        )

    # outbox

    async def enqueue(self, messages: Iterable[OutgoingMessage], now: datetime) -> int:
        """Adds messages; a key already queued is skipped. Returns how many were new."""
        return len(await self.enqueue_keys(messages, now))

    async def claim_due(self, now: datetime, *, limit: int, lease: timedelta) -> list[OutboxItem]:
        """Leases due rows to this worker.

        On PostgreSQL the SELECT skips rows another worker has locked; on SQLite one
        UPDATE with a subquery holds the write lock, so two claimers in one process (the
        worker and a CLI tick) cannot take the same row either. An expired lease (a
        crashed worker) makes a row claimable again.
        """
        due = and_(
            col(OutboxRow.status) == OutboxStatus.PENDING.value,
            col(OutboxRow.not_before) <= now,
        )
        abandoned = and_(
            col(OutboxRow.status) == OutboxStatus.SENDING.value,
            col(OutboxRow.lease_until) < now,
        )
        chosen = (
            select(col(OutboxRow.id))
            .where(or_(due, abandoned))
            .order_by(col(OutboxRow.not_before), col(OutboxRow.id))
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        if self._dialect == "postgresql":
            # Locked here and held until commit; PostgreSQL may re-run a LIMIT subquery
            # inside IN (...), so the ids are fetched first.
            ids: Any = list((await self.session.scalars(chosen)).all())
            if not ids:
                return []
        else:
            ids = chosen.scalar_subquery()
        statement = (
            update(OutboxRow)
            .where(col(OutboxRow.id).in_(ids), or_(due, abandoned))
            .values(
                status=OutboxStatus.SENDING.value,
                lease_until=now + lease,
                attempts=col(OutboxRow.attempts) + 1,
            )
            .returning(OutboxRow)
            .execution_options(synchronize_session=False)
        )
        rows = (await self.session.scalars(statement)).all()
        items = [_outbox_item(row) for row in rows]
        return sorted(items, key=lambda item: (item.not_before, item.id))

    async def outbox_sent(self, outbox_id: int, *, message_id: int | None, now: datetime) -> None:
        await self.session.execute(
            update(OutboxRow)
            .where(col(OutboxRow.id) == outbox_id)
            .values(
                status=OutboxStatus.SENT.value,
                sent_at=now,
                telegram_message_id=message_id,
                lease_until=None,
                last_error=None,
            )
        )

    async def outbox_retry(self, outbox_id: int, *, at: datetime, error: str) -> None:
        await self.session.execute(
            update(OutboxRow)
            .where(col(OutboxRow.id) == outbox_id)
            .values(
                status=OutboxStatus.PENDING.value,
                not_before=at,
                lease_until=None,
                last_error=error[:2000],
            )
        )

    async def outbox_give_up(self, outbox_id: int, *, status: OutboxStatus, error: str) -> None:
        await self.session.execute(
            update(OutboxRow)
            .where(col(OutboxRow.id) == outbox_id)
            .values(status=status.value, lease_until=None, last_error=error[:2000])
        )

    async def outbox_items(
        self, *, statuses: Sequence[OutboxStatus] | None = None
    ) -> list[OutboxItem]:
        query = select(OutboxRow).order_by(col(OutboxRow.not_before), col(OutboxRow.id))
        if statuses is not None:
            query = query.where(col(OutboxRow.status).in_([s.value for s in statuses]))
        return [_outbox_item(row) for row in (await self.session.scalars(query)).all()]

    async def outbox_counts(self) -> dict[OutboxStatus, int]:
        query = select(col(OutboxRow.status), func.count()).group_by(col(OutboxRow.status))
        return {
            OutboxStatus(status): int(n) for status, n in (await self.session.execute(query)).all()
        }

    async def outbox_start(self, outbox_id: int, *, lease_until: datetime | None) -> bool:
        """Marks a claimed row in flight, right before its send, if the claim is still
        this worker's: a lease that ran out may have been claimed by another worker, and
        then this one must not send. The lease's end is the claim's fencing token."""
        result = await self.session.execute(
            update(OutboxRow)
            .where(
                col(OutboxRow.id) == outbox_id,
                col(OutboxRow.status) == OutboxStatus.SENDING.value,
                col(OutboxRow.lease_until) == lease_until,
            )
            .values(status=OutboxStatus.UNCERTAIN.value, lease_until=None, last_error=IN_FLIGHT)
            .execution_options(synchronize_session=False)
        )
        return _rowcount(result) == 1

    async def release_claims(
        self, ids: Iterable[int], *, lease_until: datetime | None = None
    ) -> int:
        """Hands claimed rows that were never sent back to the queue (a worker stopping).

        Only rows still ``sending`` are touched: a row whose send started (marked
        ``uncertain``) or finished keeps its state. With `lease_until`, only rows still
        held by that claim: another worker's newer claim is left alone. The claim's attempt
        is taken back, since nothing was attempted. Returns how many rows were released.
        """
        wanted = list(ids)
        if not wanted:
            return 0
        fence = [] if lease_until is None else [col(OutboxRow.lease_until) == lease_until]
        result = await self.session.execute(
            update(OutboxRow)
            .where(
                col(OutboxRow.id).in_(wanted),
                col(OutboxRow.status) == OutboxStatus.SENDING.value,
                *fence,
            )
            .values(
                status=OutboxStatus.PENDING.value,
                lease_until=None,
                # A `sending` row was claimed, and claiming counted one attempt.
                attempts=col(OutboxRow.attempts) - 1,
            )
            .execution_options(synchronize_session=False)
        )
        return _rowcount(result)

    async def withdraw_queued(
        self, key_prefix: str, kinds: Sequence[str]
    ) -> list[tuple[str, int | None]]:
        """Takes messages of these kinds whose key starts with `key_prefix` out of the
        outbox while they wait or are claimed but not yet sent (a cancelled gathering's
        invitations and reminders). A claimed row that is gone cannot be marked in flight,
        so its worker does not send it. Returns (kind, person) of each withdrawn message."""
        result = await self.session.execute(
            delete(OutboxRow)
            .where(
                col(OutboxRow.idempotency_key).startswith(key_prefix, autoescape=True),
                col(OutboxRow.kind).in_(list(kinds)),
                col(OutboxRow.status).in_([OutboxStatus.PENDING.value, OutboxStatus.SENDING.value]),
            )
            .returning(col(OutboxRow.kind), col(OutboxRow.person_id))
            .execution_options(synchronize_session=False)
        )
        return [(kind, person_id) for kind, person_id in result.all()]

    # programme settings

    async def update_programme(self, programme_id: int, **values: Any) -> None:
        # Every setting it reads; the id and the bound alert chat have their own writes.
        allowed = set(_PROGRAMME_COLUMNS) - {"id", "alert_chat_id"}
        unknown = set(values) - allowed
        if unknown:
            raise ValueError(f"not a programme setting: {sorted(unknown)}")
        await self.session.execute(
            update(ProgrammeRow).where(col(ProgrammeRow.id) == programme_id).values(**values)
        )

    # the meeting rhythm

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
            conditions.append(_awake(awake))
        if pair_ids is not None:
            conditions.append(PAIRS.c.id.in_(list(pair_ids)))
        if views is None:
            views = await self._pairs_with_parties(*conditions)
        else:
            # The caller already read these pairs (the tick reads all of them once).
            views = [
                v
                for v in views
                if v.pair.state.value in live and (pair_id is None or v.pair.id == pair_id)
            ]
        if not views:
            return []
        programmes = await self._programmes_of(views)
        cohort_table = _table(CohortRow)
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
        for v in await self._rows_of_pairs(
            MeetingRow, ("pair_id", *_MEETING_FACT_COLUMNS), conditions
        ):
            meetings.setdefault(v[0], []).append(_meeting_fact_of(v[1:]))
        planned: dict[int, list[PlannedFact]] = {}
        for v in await self._rows_of_pairs(
            PlannedMeetingRow,
            ("pair_id", *_PLANNED_FACT_COLUMNS),
            conditions,
            lambda c: c.planned_on >= since,
        ):
            planned.setdefault(v[0], []).append(_planned_fact_of(v[1:]))
        nudges: dict[int, list[NudgeFact]] = {}
        for v in await self._rows_of_pairs(NudgeRow, ("pair_id", *_NUDGE_FACT_COLUMNS), conditions):
            nudges.setdefault(v[0], []).append(_nudge_fact_of(v[1:]))
        check_ins: dict[int, set[tuple[int, str]]] = {}
        for key, person, period in await self._rows_of_pairs(
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
                    history=_history(
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

    async def pairs_now(
        self, pair_ids: Collection[int], planned_ids: Collection[int], *, since: date
    ) -> tuple[dict[int, PairNow], dict[int, int]]:
        """The pairs queued messages are about, as they are now (for `withdrawal`), and
        the pair of each planned meeting named: a fixed number of statements whatever the
        number of messages (the delivery worker asks once per claimed batch)."""
        plan_pairs: dict[int, int] = {}
        if planned_ids:
            planned = _table(PlannedMeetingRow)
            rows = await self.session.execute(
                select(planned.c.id, planned.c.pair_id).where(planned.c.id.in_(list(planned_ids)))
            )
            plan_pairs = {plan: pair for plan, pair in rows.all()}
        wanted = {*pair_ids, *plan_pairs.values()}
        if not wanted:
            return {}, plan_pairs
        views = await self._pairs_with_parties(PAIRS.c.id.in_(list(wanted)))
        if not views:
            return {}, plan_pairs
        programmes = await self._programmes_of(views)
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

    async def offer_again(
        self, person_id: int, now: datetime, *, kinds: Collection[str], since: datetime
    ) -> int:
        """Queues again the messages to a person that failed because they had blocked the
        bot, now that they can be reached: the newest of each kind per pair, of these
        kinds, queued since `since`. Whether each still holds is decided just before it
        is sent (bot/domain/withdrawal.py). Returns how many were queued again."""
        rows = (
            await self.session.execute(
                select(col(OutboxRow.id), col(OutboxRow.kind), col(OutboxRow.idempotency_key))
                .where(
                    col(OutboxRow.person_id) == person_id,
                    col(OutboxRow.status) == OutboxStatus.FAILED.value,
                    func.lower(col(OutboxRow.last_error)).startswith(BLOCKED.lower()),
                    col(OutboxRow.kind).in_(list(kinds)),
                    col(OutboxRow.created_at) >= since,
                )
                .order_by(col(OutboxRow.created_at).desc(), col(OutboxRow.id).desc())
            )
        ).all()
        newest: dict[tuple[str, str], int | None] = {}
        for outbox_id, kind, key in rows:
            # What the message is about: its key without the period or plan it names
            # ("pair:5", "planned" keys of one pair's plans share their kind).
            about = key.split(":", 2)
            newest.setdefault((kind, ":".join(about[:2]) if about[0] == "pair" else ""), outbox_id)
        if not newest:
            return 0
        result = await self.session.execute(
            update(OutboxRow)
            .where(col(OutboxRow.id).in_(list(newest.values())))
            .values(
                status=OutboxStatus.PENDING.value,
                not_before=now,
                attempts=0,
                lease_until=None,
                last_error="offered again: the person can be reached again",
            )
            .execution_options(synchronize_session=False)
        )
        return _rowcount(result)

    async def outbox_withdraw(self, withdrawn: Sequence[tuple[OutboxItem, str]]) -> int:
        """Records claimed messages that no longer hold as withdrawn, with the reason, if
        the claim is still this worker's. One statement per reason."""
        by_reason: dict[str, list[OutboxItem]] = {}
        for item, reason in withdrawn:
            by_reason.setdefault(reason, []).append(item)
        done = 0
        for reason, items in by_reason.items():
            result = await self.session.execute(
                update(OutboxRow)
                .where(
                    col(OutboxRow.id).in_([item.id for item in items]),
                    col(OutboxRow.status) == OutboxStatus.SENDING.value,
                )
                .values(
                    status=OutboxStatus.WITHDRAWN.value,
                    lease_until=None,
                    last_error=f"withdrawn: {reason}",
                )
                .execution_options(synchronize_session=False)
            )
            done += _rowcount(result)
        return done

    async def enqueue_keys(self, messages: Iterable[OutgoingMessage], now: datetime) -> set[str]:
        """Adds messages; a key already queued is skipped. Returns the keys that were new.

        A message to someone who does not take part (no consent, or their data deleted)
        is dropped here, whichever feature planned it: the rule is kept in one place
        rather than remembered by every feature that writes to people. What answers a
        person's own action is a reply, not an outbox message, so nothing is lost."""
        values = [
            {
                "idempotency_key": message.idempotency_key,
                "chat_id": message.chat_id,
                "person_id": message.person_id,
                "kind": message.kind,
                "payload": _payload(message),
                "status": OutboxStatus.PENDING.value,
                "attempts": 0,
                "not_before": message.not_before or now,
                "created_at": now,
                "ref": message.ref or message.edit_ref,
            }
            for message in messages
        ]
        addressed = {v["person_id"] for v in values if v["person_id"] is not None}
        if addressed:
            left_out = set(
                await self.session.scalars(
                    select(col(PersonRow.id)).where(
                        col(PersonRow.id).in_(addressed), ~eligible(PersonRow)
                    )
                )
            )
            values = [v for v in values if v["person_id"] not in left_out]
        if not values:
            return set()
        table = _table(OutboxRow)
        statement = (
            self._insert(table)
            .on_conflict_do_nothing(index_elements=["idempotency_key"])
            .returning(table.c.idempotency_key)
        )
        return {key for (key,) in await self.session.execute(statement, values)}

    async def messaged_days(
        self, since: datetime, *, awake: Awake | None = None
    ) -> list[tuple[int, datetime]]:
        """(person, when) of bot-initiated messages queued or sent since `since`; with
        `awake`, only to the parties of the pairs the tick looks at."""
        query = select(col(OutboxRow.person_id), col(OutboxRow.not_before)).where(
            col(OutboxRow.not_before) >= since,
            col(OutboxRow.person_id).is_not(None),
            col(OutboxRow.kind).not_in(URGENT_KINDS),
            col(OutboxRow.status) != OutboxStatus.FAILED.value,
        )
        if awake is not None:
            query = query.where(col(OutboxRow.person_id).in_(_awake_parties(awake)))
        rows = await self.session.execute(query)
        return [(person, as_utc(when)) for person, when in rows.all() if person is not None]

    async def add_nudges(self, nudges: Sequence[tuple[int, int, str, str]], now: datetime) -> None:
        """Records (pair, person, period, kind) as asked now; an existing one is kept."""
        if not nudges:
            return
        values = [
            {"pair_id": pair, "person_id": person, "period": period, "kind": kind, "sent_at": now}
            for pair, person, period, kind in nudges
        ]
        await self.session.execute(
            self._insert(_table(NudgeRow)).on_conflict_do_nothing(
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
        row = MeetingRow(
            pair_id=pair_id,
            held_on=held_on,
            minutes=minutes,
            topic=topic,
            logged_by=logged_by,
            status=MeetingStatus.REPORTED.value,
            created_at=now,
        )
        self.session.add(row)
        await self.session.flush()
        return _meeting_fact(row)

    async def meeting(self, meeting_id: int) -> tuple[int, MeetingFact, str | None] | None:
        row = await self.session.get(MeetingRow, meeting_id)
        return None if row is None else (row.pair_id, _meeting_fact(row), row.topic)

    async def usual_minutes(self, pair_id: int, person_id: int) -> int | None:
        """How long the pair's last meeting with a length lasted, when `person_id` is one
        of the pair (a length nobody disputed): what logging a meeting offers first."""
        meeting, pair = _table(MeetingRow), PAIRS
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
        return bool(_rowcount(result))

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
        return bool(_rowcount(result))

    async def meetings_of(self, pair_id: int) -> list[MeetingFact]:
        rows = await self.session.scalars(
            select(MeetingRow)
            .where(col(MeetingRow.pair_id) == pair_id)
            .order_by(col(MeetingRow.held_on), col(MeetingRow.id))
        )
        return [_meeting_fact(row) for row in rows.all()]

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
        row = PlannedMeetingRow(
            pair_id=pair_id,
            planned_on=planned_on,
            planned_time=planned_time,
            proposed_by=proposed_by,
            status=PlanStatus.PROPOSED.value,
            created_at=now,
        )
        self.session.add(row)
        await self.session.flush()
        return _planned_fact(row)

    async def planned(self, planned_id: int) -> tuple[int, int, PlannedFact] | None:
        """(pair, proposer, plan)."""
        row = await self.session.get(PlannedMeetingRow, planned_id)
        return None if row is None else (row.pair_id, row.proposed_by, _planned_fact(row))

    async def set_planned_status(self, planned_id: int, status: PlanStatus) -> bool:
        result = await self.session.execute(
            update(PlannedMeetingRow)
            .where(
                col(PlannedMeetingRow.id) == planned_id,
                col(PlannedMeetingRow.status) == PlanStatus.PROPOSED.value,
            )
            .values(status=status.value)
        )
        return bool(_rowcount(result))

    async def start_check_in(
        self, *, pair_id: int, person_id: int, meeting_id: int | None, period: str, now: datetime
    ) -> int:
        row = CheckInRow(
            pair_id=pair_id,
            person_id=person_id,
            meeting_id=meeting_id,
            period=period,
            goals_progressed=[],
            created_at=now,
        )
        self.session.add(row)
        await self.session.flush()
        assert row.id is not None
        return row.id

    async def check_in(self, check_in_id: int) -> CheckIn | None:
        row = await self.session.get(CheckInRow, check_in_id)
        return None if row is None else _check_in(row)

    async def update_check_in(self, check_in_id: int, **values: Any) -> None:
        allowed = {
            "score",
            "comment",
            "help_text",
            "needs_help",
            "goals_progressed",
            "completed_at",
        }
        unknown = set(values) - allowed
        if unknown:
            raise ValueError(f"not a check-in field: {sorted(unknown)}")
        await self.session.execute(
            update(CheckInRow).where(col(CheckInRow.id) == check_in_id).values(**values)
        )

    async def check_ins_of(self, pair_ids: Sequence[int]) -> list[CheckIn]:
        rows = await self.session.scalars(
            select(CheckInRow)
            .where(col(CheckInRow.pair_id).in_(list(pair_ids)))
            .order_by(col(CheckInRow.created_at), col(CheckInRow.id))
        )
        return [_check_in(row) for row in rows.all()]

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
        if found is None or found[0] not in (PairState.ACTIVE.value, PairState.PAUSED.value):
            return
        pauses = with_pause(
            _pauses_of(found[1]), today or now.date(), until, found[0] == PairState.PAUSED.value
        )
        await self.session.execute(
            update(PairRow)
            .where(
                col(PairRow.id) == pair_id,
                col(PairRow.state).in_([PairState.ACTIVE.value, PairState.PAUSED.value]),
            )
            .values(paused_until=until, state=state.value, pauses=_stored_pauses(pauses))
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
        return _rowcount(result)

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
        await self.session.execute(update(_table(TickWritingRow)).values(writing=writing))

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
            .where(PAIRS.c.state != PairState.ENDED.value, _awake(Awake(now)))
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

    # alerts, notes, the alert chat

    async def alerts(
        self,
        *,
        unresolved_only: bool = False,
        pair_ids: Sequence[int] | None = None,
        awake: Awake | None = None,
    ) -> list[Alert]:
        """Alerts of pairs that are not ended (one statement); with `awake`, of the
        pairs the tick looks at."""
        alerts = _table(AlertRow)
        live = [PAIRS.c.state != PairState.ENDED.value]
        if awake is not None:
            live.append(_awake(awake))
        query = (
            select(*_columns(alerts.c, _ALERT_COLUMNS))
            .where(_of_pairs(alerts.c.pair_id, *live))
            .order_by(alerts.c.id)
        )
        if unresolved_only:
            query = query.where(alerts.c.status != AlertStatus.RESOLVED.value)
        if pair_ids is not None:
            query = query.where(alerts.c.pair_id.in_(list(pair_ids)))
        return [_alert_of(values) for values in await self.session.execute(query)]

    async def open_alerts(self, stalls: Sequence[tuple[int, Stall]], now: datetime) -> list[Alert]:
        """New alerts for (pair, stall), in one statement; a pair and reason that
        already has an open alert is skipped."""
        if not stalls:
            return []
        rows = [
            {
                "pair_id": pair_id,
                "reason": stall.reason.value,
                "since": stall.since,
                "open_key": f"{pair_id}:{stall.reason.value}",
                "status": AlertStatus.OPEN.value,
                "detail": detail_to_json(stall.detail),
                "opened_at": now,
                "posts": 1,
            }
            for pair_id, stall in stalls
        ]
        table = _table(AlertRow)
        statement = (
            self._insert(table)
            .on_conflict_do_nothing(index_elements=["open_key"])
            .returning(*_columns(table.c, _ALERT_COLUMNS))
        )
        return [_alert_of(values) for values in (await self.session.execute(statement, rows))]

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

    async def set_alerts(self, ids: Sequence[int], **values: Any) -> None:
        """The same change to several alerts at once (the tick resolves or reopens many)."""
        if not ids:
            return
        if values.get("status") == AlertStatus.RESOLVED.value:
            values["open_key"] = None
        wanted = list(ids)
        for start in range(0, len(wanted), ROWS_PER_INSERT):
            chunk = wanted[start : start + ROWS_PER_INSERT]
            await self.session.execute(
                update(AlertRow).where(col(AlertRow.id).in_(chunk)).values(**values)
            )

    async def reopen_alerts(self, ids: Sequence[int]) -> None:
        """Snoozes that ended: open again and posted once more."""
        await self.set_alerts(
            ids,
            status=AlertStatus.OPEN.value,
            snoozed_until=None,
            posts=col(AlertRow.posts) + 1,
        )

    async def coordinators_of(
        self, programme_ids: Sequence[int]
    ) -> dict[int, list[tuple[Person, int]]]:
        """Each programme's coordinators who can be written to, in one statement."""
        result: dict[int, list[tuple[Person, int]]] = {}
        for programme_id, found in (await self.coordinator_memberships(programme_ids)).items():
            seen: set[int] = set()
            for person, chat, _cohort in found:
                if person.id not in seen:
                    seen.add(person.id)
                    result.setdefault(programme_id, []).append((person, chat))
        return result

    async def coordinator_memberships(
        self, programme_ids: Sequence[int]
    ) -> dict[int, list[tuple[Person, int, int | None]]]:
        """Each programme's coordinators who can be written to, with the cohort each
        coordinates (None: the whole programme; a cohort: one region), in one statement."""
        if not programme_ids:
            return {}
        rows = await self.session.execute(
            select(col(MembershipRow.programme_id), col(MembershipRow.cohort_id), PersonRow)
            .join(PersonRow, col(PersonRow.id) == col(MembershipRow.person_id))
            .where(
                col(MembershipRow.programme_id).in_(list(programme_ids)),
                col(MembershipRow.role) == Role.COORDINATOR.value,
                col(PersonRow.telegram_user_id).is_not(None),
            )
            .order_by(col(PersonRow.id))
        )
        result: dict[int, list[tuple[Person, int, int | None]]] = {}
        for programme_id, cohort_id, row in rows.all():
            person = _person(row)
            assert person.telegram_user_id is not None
            result.setdefault(programme_id, []).append((person, person.telegram_user_id, cohort_id))
        return result

    async def alert(self, alert_id: int) -> Alert | None:
        row = await self.session.get(AlertRow, alert_id)
        return None if row is None else _alert(row)

    async def update_alert(self, alert_id: int, **values: Any) -> None:
        allowed = {
            "status",
            "taken_by",
            "snoozed_until",
            "resolved_at",
            "resolved_by",
            "detail",
            "posts",
        }
        unknown = set(values) - allowed
        if unknown:
            raise ValueError(f"not an alert field: {sorted(unknown)}")
        if values.get("status") == AlertStatus.RESOLVED.value:
            values["open_key"] = None
        await self.session.execute(
            update(AlertRow).where(col(AlertRow.id) == alert_id).values(**values)
        )

    async def stall_inputs(
        self, *, awake: Awake | None = None
    ) -> list[tuple[int, int, int | None, bool, datetime]]:
        """(pair, person, score, needs help, when) of finished check-ins of live pairs;
        with `awake`, of the pairs the tick looks at."""
        check_ins = _table(CheckInRow)
        conditions = [_awake(awake)] if awake is not None else []
        rows = await self.session.execute(
            select(
                check_ins.c.pair_id,
                check_ins.c.person_id,
                check_ins.c.score,
                check_ins.c.needs_help,
                check_ins.c.created_at,
            )
            .where(
                _of_pairs(check_ins.c.pair_id, PAIRS.c.state != PairState.ENDED.value, *conditions),
                or_(check_ins.c.score.is_not(None), check_ins.c.needs_help),
            )
            .order_by(check_ins.c.created_at, check_ins.c.id)
        )
        return [(p, person, score, bool(help_), as_utc(at)) for p, person, score, help_, at in rows]

    async def set_alert_chat(self, programme_id: int, chat_id: int | None) -> None:
        await self.session.execute(
            update(ProgrammeRow)
            .where(col(ProgrammeRow.id) == programme_id)
            .values(alert_chat_id=chat_id)
        )

    async def programmes_with_alert_chat(self, chat_id: int) -> list[Programme]:
        rows = await self.session.scalars(
            select(ProgrammeRow).where(col(ProgrammeRow.alert_chat_id) == chat_id)
        )
        return [_programme(row) for row in rows.all()]

    async def add_note(self, pair_id: int, author_id: int | None, text: str, now: datetime) -> None:
        self.session.add(NoteRow(pair_id=pair_id, author_id=author_id, text=text, created_at=now))
        await self.session.flush()

    async def notes_of(self, pair_id: int) -> list[Note]:
        rows = await self.session.scalars(
            select(NoteRow).where(col(NoteRow.pair_id) == pair_id).order_by(col(NoteRow.created_at))
        )
        return [
            Note(
                id=r.id or 0,
                pair_id=r.pair_id,
                author_id=r.author_id,
                text=r.text,
                created_at=as_utc(r.created_at),
            )
            for r in rows.all()
        ]

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

    async def sent_with_ref(self, ref: str) -> list[tuple[int, int]]:
        """(chat, message id) of messages sent with this ref (to edit them later)."""
        rows = await self.session.execute(
            select(col(OutboxRow.chat_id), col(OutboxRow.telegram_message_id)).where(
                col(OutboxRow.ref) == ref,
                col(OutboxRow.status) == OutboxStatus.SENT.value,
                col(OutboxRow.telegram_message_id).is_not(None),
                col(OutboxRow.kind) != "edit",
            )
        )
        return [(chat, message) for chat, message in rows.all() if message is not None]

    # the shared send budget

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
        return _rowcount(result)

    # inbound de-duplication

    async def first_time_update(self, update_id: int, now: datetime) -> bool:
        result = await self.session.execute(
            _prebuilt(self._dialect, _first_time),
            {"update_id": update_id, "processed_at": now},
        )
        return bool(_rowcount(result))


# How a message that failed because the person had blocked the bot is recorded.
BLOCKED = "blocked: "

IN_FLIGHT = "in flight: the send started; if this stays, the process stopped before the answer"

# PostgreSQL takes at most 32,767 parameters in one statement: long id lists go in pieces.
ROWS_PER_INSERT = 1000


def _rowcount(result: Result[Any]) -> int:
    """Rows an INSERT/UPDATE touched (only cursor results carry the count)."""
    return int(cast(CursorResult[Any], result).rowcount or 0)


def _payload(message: OutgoingMessage) -> dict[str, Any]:
    payload: dict[str, Any] = {"text": message.text}
    if message.edit_ref is not None:
        payload["edit_ref"] = message.edit_ref
    if message.reply_markup is not None:
        payload["reply_markup"] = message.reply_markup
    if message.photo is not None:
        payload["photo"] = message.photo
    return payload


# --------------------------------------------------------------------------- every update
# The statements every update sends, built once: building a select of fifty columns and
# its cache key costs more than SQLite takes to run it.


def _dialect_insert(dialect: str, table: Table) -> Any:
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def _dialogue_upsert(dialect: str) -> Any:
    statement = _dialect_insert(dialect, DIALOGUES)
    return statement.on_conflict_do_update(
        index_elements=["person_id"],
        set_={
            "flow": statement.excluded.flow,
            "step": statement.excluded.step,
            "data": statement.excluded.data,
            "updated_at": statement.excluded.updated_at,
        },
    )


def _first_time(dialect: str) -> Any:
    return _dialect_insert(dialect, _table(ProcessedUpdateRow)).on_conflict_do_nothing(
        index_elements=["update_id"]
    )


_BY_DIALECT: dict[tuple[str, Callable[[str], Any]], Any] = {}


def _prebuilt(dialect: str, build: Callable[[str], Any]) -> Any:
    key = (dialect, build)
    if key not in _BY_DIALECT:
        _BY_DIALECT[key] = build(dialect)
    return _BY_DIALECT[key]


_ARRIVAL = (
    select(
        *_columns(PEOPLE.c, _PERSON_COLUMNS),
        *_columns(MEMBERSHIPS.c, _MEMBERSHIP_COLUMNS),
        *_columns(DIALOGUES.c, _DIALOGUE_COLUMNS),
        PROGRAMMES.c.language,
    )
    .select_from(PEOPLE)
    .outerjoin(MEMBERSHIPS, MEMBERSHIPS.c.person_id == PEOPLE.c.id)
    .outerjoin(PROGRAMMES, PROGRAMMES.c.id == MEMBERSHIPS.c.programme_id)
    .outerjoin(DIALOGUES, DIALOGUES.c.person_id == PEOPLE.c.id)
    .where(PEOPLE.c.telegram_user_id == bindparam("telegram_user_id"))
    .order_by(MEMBERSHIPS.c.id)
)
_DIALOGUE = select(*_columns(DIALOGUES.c, _DIALOGUE_COLUMNS)).where(
    DIALOGUES.c.person_id == bindparam("person_id")
)
_LIVE_PAIRS_OF = (
    _with_parties()
    .where(
        or_(
            PAIRS.c.mentor_id == bindparam("person_id"), PAIRS.c.adept_id == bindparam("person_id")
        ),
        PAIRS.c.state.in_(LIVE_STATES),
    )
    .order_by(PAIRS.c.programme_id, PAIRS.c.id)
)
_LIVE_PAIR = (
    _with_parties(
        *_columns(PROGRAMMES.c, _PROGRAMME_COLUMNS), COHORTS.c.starts_on, COHORTS.c.ends_on
    )
    .join(PROGRAMMES, PROGRAMMES.c.id == PAIRS.c.programme_id)
    .join(COHORTS, COHORTS.c.id == PAIRS.c.cohort_id)
    .where(PAIRS.c.id == bindparam("pair_id"), PAIRS.c.state.in_(LIVE_STATES))
)


def _of_pair(model: type[SQLModel], names: Sequence[str], *where: Any) -> Any:
    table = _table(model)
    return select(*_columns(table.c, names)).where(table.c.pair_id == bindparam("pair_id"), *where)


_PAIR_MEETINGS = _of_pair(MeetingRow, _MEETING_FACT_COLUMNS)
_PAIR_PLANNED = _of_pair(
    PlannedMeetingRow,
    _PLANNED_FACT_COLUMNS,
    _table(PlannedMeetingRow).c.planned_on >= bindparam("since"),
)
_PAIR_NUDGES = _of_pair(NudgeRow, _NUDGE_FACT_COLUMNS)
_PAIR_CHECK_INS = _of_pair(
    CheckInRow, ("person_id", "period"), _table(CheckInRow).c.completed_at.is_not(None)
)
