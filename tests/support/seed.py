"""Synthetic programmes for the benchmarks, written fast with bulk inserts (plain SQL
through SQLAlchemy Core: seeding is not the code under test).

Each pair has a realistic history: activated one to five months ago, an agreement both
confirmed, most past months with a confirmed meeting, the planning nudges sent (some
answered), completed check-ins, and for some pairs a meeting planned in the coming days.
People have Telegram ids from `first_user_id` on, mentor and adept alternating.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Table, insert, text

from storage.db import Database
from storage.models import (
    CheckInRow,
    CohortRow,
    ConfirmationRow,
    MeetingRow,
    MembershipRow,
    NudgeRow,
    PairRow,
    PersonRow,
    PlannedMeetingRow,
    ProgrammeRow,
)

PAIRS_PER_PROGRAMME = 1000
CONSENT_VERSION = "2026-11"


@dataclass(frozen=True)
class SeededPair:
    pair_id: int
    mentor_user_id: int
    adept_user_id: int


def _table(row: type[Any]) -> Table:
    table = row.__table__
    assert isinstance(table, Table)
    return table


def _months_back(day: date, months: int) -> date:
    month = day.month - months
    year = day.year + (month - 1) // 12
    return date(year, (month - 1) % 12 + 1, 1)


@asynccontextmanager
async def seeded_database(
    url: str, pairs: int, now: datetime
) -> AsyncIterator[tuple[Database, list[SeededPair]]]:
    """A migrated database at `url` with `pairs` seeded pairs, disposed of afterwards."""
    db = Database(url)
    await db.upgrade()
    try:
        yield db, await seed_pairs(db, pairs, now)
    finally:
        await db.dispose()


async def seed_pairs(
    db: Database, pairs: int, now: datetime, *, first_user_id: int = 100_000_000, seed: int = 7
) -> list[SeededPair]:
    rng = random.Random(seed)
    today = now.date()
    rows: dict[str, list[dict[str, Any]]] = {name: [] for name in TABLES}
    seeded: list[SeededPair] = []
    programmes = max(1, -(-pairs // PAIRS_PER_PROGRAMME))
    for programme in range(1, programmes + 1):
        rows["programme"].append(
            {
                "id": programme,
                "name": f"Programme {programme}",
                "timezone": "Europe/Oslo",
                "language": "nb" if programme % 2 else "en",
                "cadence": "monthly",
                "day_starts": time(9, 0),
                "day_ends": time(20, 0),
                "working_days": "01234",
                "morning_reminder": False,
                "created_at": now - timedelta(days=200),
            }
        )
        rows["cohort"].append(
            {
                "id": programme,
                "programme_id": programme,
                "name": "Cohort 1",
                "starts_on": today - timedelta(days=180),
                "ends_on": today + timedelta(days=185),
                "created_at": now - timedelta(days=200),
            }
        )
    ids = _Ids()
    for number in range(pairs):
        programme = number // PAIRS_PER_PROGRAMME + 1
        activated = now - timedelta(days=rng.randint(20, 150), hours=rng.randint(0, 8))
        mentor, adept = 2 * number + 1, 2 * number + 2
        for person, role in ((mentor, "mentor"), (adept, "adept")):
            rows["person"].append(
                {
                    "id": person,
                    "telegram_user_id": first_user_id + person,
                    "first_name": f"P{person}",
                    "language": None,
                    "telegram_language": "nb",
                    "intake": {},
                    "consent_version": CONSENT_VERSION,
                    "consented_at": activated - timedelta(days=3),
                    "created_at": activated - timedelta(days=3),
                }
            )
            rows["membership"].append(
                {
                    "id": person,
                    "person_id": person,
                    "programme_id": programme,
                    "cohort_id": programme,
                    "role": role,
                    "created_at": activated - timedelta(days=3),
                }
            )
        pair_id = number + 1
        seeded.append(SeededPair(pair_id, first_user_id + mentor, first_user_id + adept))
        rows["pair"].append(
            {
                "id": pair_id,
                "programme_id": programme,
                "cohort_id": programme,
                "mentor_id": mentor,
                "adept_id": adept,
                "state": "active",
                "created_at": activated - timedelta(days=2),
                "activated_at": activated,
                "goals": ["@cv", "Speak Norwegian at work"],
            }
        )
        for person in (mentor, adept):
            rows["agreement_confirmation"].append(
                {
                    "id": ids.next("agreement_confirmation"),
                    "pair_id": pair_id,
                    "person_id": person,
                    "agreement_version": "builtin-1",
                    "text_sha256": "0" * 64,
                    "confirmed_at": activated,
                }
            )
        # Past months: planning nudges, most with a meeting and check-ins.
        months = (today.year - activated.year) * 12 + today.month - activated.month
        for back in range(months, 0, -1):
            start = _months_back(today, back)
            period = f"{start:%Y-%m}"
            for person in (mentor, adept):
                rows["nudge"].append(
                    {
                        "id": ids.next("nudge"),
                        "pair_id": pair_id,
                        "person_id": person,
                        "period": period,
                        "kind": "plan",
                        "sent_at": datetime.combine(start + timedelta(days=2), time(9), UTC),
                        "answered_at": (
                            datetime.combine(start + timedelta(days=3), time(9), UTC)
                            if rng.random() < 0.5
                            else None
                        ),
                    }
                )
            if rng.random() < 0.75:
                held = start + timedelta(days=rng.randint(5, 25))
                meeting_id = ids.next("meeting")
                rows["meeting"].append(
                    {
                        "id": meeting_id,
                        "pair_id": pair_id,
                        "held_on": held,
                        "minutes": rng.choice((30, 60, 90)),
                        "topic": None,
                        "logged_by": mentor,
                        "status": "confirmed",
                        "answered_at": datetime.combine(held, time(18), UTC),
                        "created_at": datetime.combine(held, time(17), UTC),
                    }
                )
                for person in (mentor, adept):
                    rows["check_in"].append(
                        {
                            "id": ids.next("check_in"),
                            "pair_id": pair_id,
                            "person_id": person,
                            "meeting_id": meeting_id,
                            "period": period,
                            "score": rng.randint(3, 5),
                            "comment": None,
                            "needs_help": False,
                            "goals_progressed": [],
                            "completed_at": datetime.combine(held, time(19), UTC),
                            "created_at": datetime.combine(held, time(18), UTC),
                        }
                    )
        # This month: some have met already, some have a date in the coming days.
        if rng.random() < 0.4:
            held = today - timedelta(days=rng.randint(0, max(0, today.day - 1)))
            rows["meeting"].append(
                {
                    "id": ids.next("meeting"),
                    "pair_id": pair_id,
                    "held_on": held,
                    "minutes": 60,
                    "topic": None,
                    "logged_by": adept,
                    "status": "confirmed",
                    "answered_at": now - timedelta(days=1),
                    "created_at": now - timedelta(days=1),
                }
            )
        elif rng.random() < 0.3:
            rows["planned_meeting"].append(
                {
                    "id": ids.next("planned_meeting"),
                    "pair_id": pair_id,
                    "planned_on": today + timedelta(days=rng.randint(1, 5)),
                    "planned_time": time(17, 0),
                    "proposed_by": mentor,
                    "status": "confirmed",
                    "created_at": now - timedelta(days=2),
                }
            )
    async with db.session() as session:
        for name, row_type in TABLES.items():
            table = _table(row_type)
            for chunk in _chunks(rows[name], 5000):
                await session.execute(insert(table), chunk)
        if not db.is_sqlite:
            # Explicit ids leave the sequences behind; later inserts would collide.
            for name in TABLES:
                await session.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                        f'(SELECT COALESCE(MAX(id), 1) FROM "{name}"))'
                    )
                )
    if not db.is_sqlite:
        async with db.engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.exec_driver_sql("ANALYZE")
    return seeded


class _Ids:
    def __init__(self) -> None:
        self._last: dict[str, int] = {}

    def next(self, table: str) -> int:
        self._last[table] = self._last.get(table, 0) + 1
        return self._last[table]


def _chunks(rows: Sequence[dict[str, Any]], size: int) -> Iterator[Sequence[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


# Insert order follows the foreign keys.
TABLES: dict[str, type[Any]] = {
    "programme": ProgrammeRow,
    "cohort": CohortRow,
    "person": PersonRow,
    "membership": MembershipRow,
    "pair": PairRow,
    "agreement_confirmation": ConfirmationRow,
    "meeting": MeetingRow,
    "planned_meeting": PlannedMeetingRow,
    "nudge": NudgeRow,
    "check_in": CheckInRow,
}
