"""The rehearsal's clock in the database: `mentorbot clock` in another terminal moves it,
and the running bot reads it (see bot/runtime/rehearsal.py). A live programme's database has no
row, and a rehearsal begins only in a database that holds nothing else."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import exists, select
from sqlmodel import col

from storage.db import Database
from storage.models import PersonRow, ProgrammeRow, RehearsalRow

_ROW = 1


async def rehearsal_ahead(db: Database) -> timedelta | None:
    """How far the rehearsal's clock is ahead of the real one; None for a live database."""
    async with db.session() as session:
        ahead = await session.scalar(
            select(col(RehearsalRow.ahead_seconds)).where(col(RehearsalRow.id) == _ROW)
        )
    return None if ahead is None else timedelta(seconds=ahead)


async def begin_rehearsal(db: Database, now: datetime) -> bool:
    """Makes `db` a rehearsal's if it holds no programme and no person yet; whether it is one."""
    async with db.session() as session:
        if await session.get(RehearsalRow, _ROW) is not None:
            return True
        used = await session.scalar(
            select(exists(select(col(ProgrammeRow.id))) | exists(select(col(PersonRow.id))))
        )
        if used:
            return False
        session.add(RehearsalRow(id=_ROW, ahead_seconds=0, started_at=now))
    return True


async def move_rehearsal(db: Database, ahead: timedelta) -> None:
    """Sets how far ahead the rehearsal's clock is (the caller keeps it moving forward)."""
    async with db.session() as session:
        row = await session.get(RehearsalRow, _ROW)
        if row is None:
            raise LookupError("not a rehearsal database")
        row.ahead_seconds = int(ahead.total_seconds())
