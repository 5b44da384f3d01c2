"""What every repository shares: the Core tables, the conditions on the pairs a tick looks
at, and small helpers. Imports no repository, so no repository imports another back
through it (a repository needing another's query imports that repository's module)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar, cast

from sqlalchemy import CursorResult, Result, Select, Table, and_, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel

from bot.domain.model import PairState
from bot.runtime.clock import as_utc
from storage.models import (
    CohortRow,
    DialogueRow,
    MembershipRow,
    PairRow,
    PersonRow,
    ProgrammeRow,
)


def table(entity: type[SQLModel]) -> Table:
    """The Core table of a model. Bulk writes go through it with a list of parameters:
    one compiled statement sent as an executemany ("insertmanyvalues" batches), where an
    ORM multi-row VALUES would build a bind parameter object for every value."""
    return cast(Table, entity.__table__)  # type: ignore[attr-defined]


# The tables the tick reads in bulk, used as Core tables: a select of Core columns skips
# the ORM's result machinery, which at 100,000 pairs costs more than the query itself.
PAIRS = table(PairRow)
PEOPLE = table(PersonRow)
# What every update reads (who sent it, their pair), also as Core tables: an update's
# handful of rows costs less read as plain columns than as ORM objects.
PROGRAMMES = table(ProgrammeRow)
COHORTS = table(CohortRow)
MEMBERSHIPS = table(MembershipRow)
DIALOGUES = table(DialogueRow)
# Made once: an alias made for each query builds its column collection each time.
MENTORS, ADEPTS = PEOPLE.alias("mentor"), PEOPLE.alias("adept")
LIVE_STATES = (PairState.ACTIVE.value, PairState.PAUSED.value)

# PostgreSQL takes at most 32,767 parameters in one statement: long id lists go in pieces.
ROWS_PER_INSERT = 1000


@dataclass(frozen=True)
class Awake:
    """The pairs a tick looks at: those awake at `at` (never seen by a tick, changed
    since it saw them, or due to wake: bot/domain/quiet.py) and, when the tick takes a
    slice of them, only those whose id is at most `through`."""

    at: datetime
    through: int | None = None


def awake_condition(spec: Awake) -> Any:
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


def of_pairs(pair_id: Any, *conditions: Any) -> Any:
    """Rows of the pairs that meet `conditions`, as `pair_id IN (SELECT …)`: the database
    then looks up the few awake pairs' rows by index instead of joining every row of the
    table to its pair (at 100,000 pairs, a third of a second per table on SQLite)."""
    return pair_id.in_(select(PAIRS.c.id).where(*conditions))


def awake_parties(spec: Awake) -> Any:
    """Both parties of every pair `spec` names, as a subquery."""
    return (
        select(PAIRS.c.mentor_id.label("person_id"))
        .where(awake_condition(spec))
        .union(select(PAIRS.c.adept_id).where(awake_condition(spec)))
    )


def utc(moment: datetime | None) -> datetime | None:
    return None if moment is None else as_utc(moment)


def rowcount(result: Result[Any]) -> int:
    """Rows an INSERT/UPDATE touched (only cursor results carry the count)."""
    return int(cast(CursorResult[Any], result).rowcount or 0)


def with_pairs(model: type[SQLModel]) -> Select[Any]:
    """`model`'s rows (they have a `pair_id`) joined to their pairs, for conditions on the pairs."""
    return select(model).join(PairRow, PAIRS.c.id == table(model).c.pair_id)


def dialect_insert(dialect: str, target: Any) -> Any:
    """INSERT with the dialect's ON CONFLICT clauses."""
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(target)


_BY_DIALECT: dict[tuple[str, Callable[[str], Any]], Any] = {}


def prebuilt(dialect: str, build: Callable[[str], Any]) -> Any:
    """A statement that depends on the dialect, built once per dialect: the statements
    every update sends cost more to build than SQLite takes to run them."""
    key = (dialect, build)
    if key not in _BY_DIALECT:
        _BY_DIALECT[key] = build(dialect)
    return _BY_DIALECT[key]


_Row = TypeVar("_Row", bound=SQLModel)


class BaseRepository:
    """The SQL of one feature in one unit of work: every repository of a unit of work
    shares its session (storage/uow.py), so they commit or roll back together."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @property
    def _dialect(self) -> str:
        return self.session.get_bind().dialect.name

    def _insert(self, target: Any) -> Any:
        return dialect_insert(self._dialect, target)

    async def _update(self, model: type[SQLModel], row_id: int, **values: Any) -> None:
        """Sets `values` on the row of `model` with id `row_id`."""
        await self.session.execute(
            update(model).where(table(model).c.id == row_id).values(**values)
        )

    async def _update_fields(
        self,
        model: type[SQLModel],
        row_id: int,
        values: dict[str, Any],
        fields: set[str],
        what: str,
        **also: Any,
    ) -> None:
        """`_update` with `values` and `also`, refusing any of `values` not among `fields`:
        what a caller may set through a repository's generic update (`what` names one such
        column in the error); `also` is the repository's own."""
        unknown = set(values) - fields
        if unknown:
            raise ValueError(f"not {what}: {sorted(unknown)}")
        await self._update(model, row_id, **values, **also)

    async def _added(self, row: _Row) -> _Row:
        """`row`, inserted at once (flushed) so that it has its id and defaults."""
        self.session.add(row)
        await self.session.flush()
        return row
