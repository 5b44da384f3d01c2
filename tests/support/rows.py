"""Rows written through the repository, for tests that need a programme, people and pairs
in the database without going through the conversations (those have their own tests)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from bot.domain.model import Cohort, Person, Programme, Role
from bot.domain.rhythm import MeetingStatus
from storage.db import Database
from storage.uow import UnitOfWork


async def programme_and_cohort(
    uow: UnitOfWork,
    now: datetime,
    *,
    name: str = "P",
    language: str = "nb",
    starts_on: date | None = None,
    ends_on: date | None = None,
) -> tuple[Programme, Cohort]:
    """A programme in Oslo's time zone with one cohort (by default a year from `now`)."""
    programme = await uow.programmes.create_programme(
        name=name, timezone="Europe/Oslo", language=language, now=now
    )
    cohort = await uow.programmes.create_cohort(
        programme_id=programme.id,
        name=name,
        starts_on=starts_on or now.date(),
        ends_on=ends_on or now.date() + timedelta(days=365),
        now=now,
    )
    return programme, cohort


async def person(
    uow: UnitOfWork,
    telegram_user_id: int,
    first_name: str,
    now: datetime,
    *,
    language: str | None = None,
    consented: bool = True,
    intake: Mapping[str, Any] | None = None,
) -> Person:
    """A person who said yes to taking part (unless `consented` is False)."""
    added = await uow.people.add_person(
        telegram_user_id=telegram_user_id,
        first_name=first_name,
        last_name=None,
        telegram_language=language,
        now=now,
    )
    if consented:
        await uow.people.update_person(added.id, consented_at=now)
    if intake is not None:
        await uow.people.update_person(added.id, intake=dict(intake))
    return added


async def member(
    uow: UnitOfWork,
    programme_id: int,
    cohort_id: int | None,
    role: Role,
    telegram_user_id: int,
    first_name: str,
    now: datetime,
    *,
    language: str | None = None,
    intake: Mapping[str, Any] | None = None,
    consented: bool = True,
) -> Person:
    """A person in `programme_id` with `role`, who said yes (unless `consented` is False)."""
    added = await person(
        uow,
        telegram_user_id,
        first_name,
        now,
        language=language,
        intake=intake,
        consented=consented,
    )
    await uow.people.add_membership(
        person_id=added.id, programme_id=programme_id, cohort_id=cohort_id, role=role, now=now
    )
    return added


async def active_pair(
    uow: UnitOfWork,
    programme_id: int,
    cohort_id: int,
    mentor_id: int,
    adept_id: int,
    now: datetime,
    goals: tuple[str, ...] = ("@cv", "Drive a bus"),
) -> int:
    """A pair past its agreement (the agreement flow has its own tests)."""
    pair = await uow.pairs.add_pair(
        programme_id=programme_id,
        cohort_id=cohort_id,
        mentor_id=mentor_id,
        adept_id=adept_id,
        now=now,
    )
    await uow.pairs.set_goals(pair.id, list(goals))
    assert await uow.pairs.activate_pair(pair.id, now)
    return pair.id


async def confirm_agreement(
    uow: UnitOfWork, pair_id: int, person_ids: Iterable[int], now: datetime
) -> None:
    """Both parties confirm the built-in agreement and the pair starts (the agreement flow
    has its own tests)."""
    for person_id in person_ids:
        await uow.agreements.add_confirmation(
            pair_id=pair_id,
            person_id=person_id,
            version="builtin-1",
            text_sha256="0" * 64,
            now=now,
        )
    assert await uow.pairs.activate_pair(pair_id, now)


async def confirmed_meeting(uow: UnitOfWork, pair_id: int, logged_by: int, at: datetime) -> int:
    """An hour's meeting held on `at`'s day, logged by one party at `at` and confirmed by
    the other an hour later (the meeting flow has its own tests)."""
    meeting = await uow.meetings.add_meeting(
        pair_id=pair_id, held_on=at.date(), minutes=60, topic=None, logged_by=logged_by, now=at
    )
    await uow.meetings.answer_meeting(
        meeting.id, status=MeetingStatus.CONFIRMED, now=at + timedelta(hours=1)
    )
    return meeting.id


@dataclass(frozen=True)
class Seeded:
    programme_id: int
    cohort_id: int
    pair_ids: list[int]


async def programme_with_pairs(
    db: Database,
    now: datetime,
    pairs: int,
    *,
    starts_on: date,
    ends_on: date,
    language: str = "en",
    first_user_id: int = 1000,
) -> Seeded:
    """A programme with one cohort and `pairs` active pairs of people who said yes; a
    pair's mentor has Telegram id `first_user_id + 2n`, its adept the next one."""
    async with db.unit() as uow:
        programme, cohort = await programme_and_cohort(
            uow, now, name="GF", language=language, starts_on=starts_on, ends_on=ends_on
        )
        ids = []
        for number in range(pairs):
            mentor, adept = [
                await member(
                    uow,
                    programme.id,
                    cohort.id,
                    role,
                    first_user_id + 2 * number + offset,
                    f"P{number}{offset}",
                    now,
                    language=language,
                )
                for offset, role in ((0, Role.MENTOR), (1, Role.ADEPT))
            ]
            ids.append(await active_pair(uow, programme.id, cohort.id, mentor.id, adept.id, now))
    return Seeded(programme.id, cohort.id, ids)
