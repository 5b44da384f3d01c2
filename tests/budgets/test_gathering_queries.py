"""Gathering invitations and day-before reminders cost a tick the same number of SQL
statements whatever the number of people invited; attendance reads as plain data."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from bot.domain.gatherings import Answer, Audience
from bot.domain.policy import INVITE_AHEAD
from bot.runtime.clock import FixedClock
from bot.runtime.wiring import build_core
from bot.usecases.refusal import Refusal
from bot.usecases.tick import tick
from tests.support.seed import seeded_database
from tests.support.statements import counting_statements

GATHERING_DAY = date(2026, 4, 10)  # a Friday
# Invitations to it may go from here on (20 March, as the rule is today).
OPENS = datetime.combine(GATHERING_DAY, time(16, 0), tzinfo=UTC) - INVITE_AHEAD  # 18:00 in Oslo


def _working_morning(day: date) -> datetime:
    """09:30 UTC on `day`, or on the Monday after when it is a weekend."""
    if day.weekday() >= 5:
        day += timedelta(days=7 - day.weekday())
    return datetime.combine(day, time(9, 30), tzinfo=UTC)


# The gathering is made before its invitations may go (Tuesday 17 March), and the tick
# invites on a working morning once they may (Monday 23 March).
NOW = datetime.combine(OPENS.date() - timedelta(days=3), time(9, 30), tzinfo=UTC)
INVITING = _working_morning(OPENS.date() + timedelta(days=1))


async def invite_and_remind(url: str, pairs: int) -> tuple[int, int, int, int]:
    """(statements, queued) of the tick that invites and of the tick that reminds."""
    async with seeded_database(url, pairs, NOW) as (db, _seeded):
        clock = FixedClock(NOW)
        core = build_core(db, clock, default_language="nb", invite_ttl_days=30)
        async with core.services.db.unit() as uow:
            programmes = [p.id for p in await uow.programmes.programmes()]
        for programme_id in programmes:
            made = await core.gatherings.create(
                None,
                programme_id,
                title="Kick-off",
                starts_on=GATHERING_DAY,
                starts_at=time(18, 0),
                place="Town hall",
                audience=Audience.ALL,
            )
            assert not isinstance(made, Refusal)
            assert made.invited == 0
        clock.set(INVITING)
        with counting_statements(db.engine) as counter:
            first = await tick(core)
        invite_statements = counter.count
        async with core.services.db.unit() as uow:
            for programme_id in programmes:
                for attendance in await uow.gatherings.gathering_attendance(programme_id, NOW):
                    for person in attendance.no_answer:
                        await uow.gatherings.answer_invitation(
                            attendance.gathering.id, person.id, Answer.YES, clock.now()
                        )
        clock.set(datetime(2026, 4, 9, 10, 30, tzinfo=UTC))  # Thursday 12:30 in Oslo
        with counting_statements(db.engine) as counter:
            second = await tick(core)
        assert sum(1 for m in first.planned if m.kind == "gathering_invitation") == 2 * pairs
        reminders = sum(1 for m in second.planned if m.kind == "gathering_reminder")
        assert reminders == 2 * pairs, "everyone said yes and is reminded once"
        return invite_statements, first.queued, counter.count, reminders


async def test_gathering_work_in_a_tick_does_not_grow_with_people(
    two_urls: tuple[str, str],
) -> None:
    small_url, large_url = two_urls
    small = await invite_and_remind(small_url, 20)
    large = await invite_and_remind(large_url, 80)
    assert large[3] > small[3] > 0
    assert large[0] == small[0], f"invite tick: {small[0]} statements for 20, {large[0]} for 80"
    assert large[2] == small[2], f"remind tick: {small[2]} statements for 20, {large[2]} for 80"
