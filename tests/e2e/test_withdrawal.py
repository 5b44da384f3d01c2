"""Queued messages that stopped being true before their turn are not sent: a nudge
queued overnight and a pause, a meeting, an end or a moved meeting before 09:00."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.domain.model import OutboxItem, OutboxStatus, Person, Role
from bot.sim.emulator import SimUser
from storage.models import OutboxRow
from tests.support.harness import Harness

OSLO = ZoneInfo("Europe/Oslo")


def oslo(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=OSLO).astimezone(UTC)


async def outbox(h: Harness, kind: str) -> list[OutboxItem]:
    async with h.services.db.unit() as uow:
        return [item for item in await uow.outbox.outbox_items() if item.kind == kind]


async def people(h: Harness, programme_id: int) -> tuple[Person, Person]:
    [mentor] = await h.pairing.members(programme_id, Role.MENTOR)
    [adept] = await h.pairing.members(programme_id, Role.ADEPT)
    return mentor, adept


async def nudges_queued_overnight(h: Harness) -> tuple[SimUser, SimUser, int]:
    """An active pair whose first planning nudges were queued at 21:00 for 09:00."""
    programme = await h.programme()
    ola, amina, pair_id = await h.active_pair(programme)
    h.clock.set(oslo(2026, 3, 4, 21))
    await h.tick()
    queued = await outbox(h, "plan")
    assert len(queued) == 2 and all(i.status is OutboxStatus.PENDING for i in queued)
    assert all(i.not_before == oslo(2026, 3, 5, 9) for i in queued)
    return ola, amina, pair_id


async def withdrawn(h: Harness, kind: str) -> list[str | None]:
    """The recorded reasons of the withdrawn messages of this kind (none sent)."""
    async with h.services.db.unit() as uow:
        rows = await uow.session.execute(
            select(OutboxRow.status, OutboxRow.last_error).where(OutboxRow.kind == kind)
        )
        statuses = rows.all()
    assert {status for status, _error in statuses} == {OutboxStatus.WITHDRAWN.value}
    return [error for _status, error in statuses]


async def test_a_pause_after_queuing_withdraws_the_nudges(harness: Harness) -> None:
    h = harness
    ola, amina, _pair_id = await nudges_queued_overnight(h)
    ola.catch_up()
    await amina.send("/pause")
    await amina.press(await amina.next_message(), "2 weeks")
    await amina.next_message()
    amina.catch_up()
    h.clock.set(oslo(2026, 3, 5, 9))
    await h.deliver()
    notice = await ola.next_message()
    assert "pause" in (notice.text or "").lower()
    await ola.expect_no_message()
    await amina.expect_no_message()
    assert await withdrawn(h, "plan") == ["withdrawn: paused"] * 2


async def test_a_meeting_logged_after_queuing_withdraws_the_nudges(harness: Harness) -> None:
    h = harness
    ola, amina, _pair_id = await nudges_queued_overnight(h)
    await ola.send("/met")
    await ola.press(await ola.next_message(), "Today, 1 hour")
    await h.emulator.wait_until_idle()
    ola.catch_up()
    h.clock.set(oslo(2026, 3, 5, 9))
    await h.deliver()
    confirm = await amina.next_message()
    assert (confirm.text or "").startswith("Ola says you met")
    await amina.expect_no_message()
    await ola.expect_no_message()
    assert await withdrawn(h, "plan") == ["withdrawn: met"] * 2


async def test_an_ended_pair_gets_no_nudge(harness: Harness) -> None:
    h = harness
    ola, amina, pair_id = await nudges_queued_overnight(h)
    async with h.services.db.unit() as uow:
        assert await uow.pairs.end_pair(pair_id, "moved away", h.clock.now())
    h.clock.set(oslo(2026, 3, 5, 9))
    await h.deliver()
    await ola.expect_no_message()
    await amina.expect_no_message()
    assert await withdrawn(h, "plan") == ["withdrawn: pair_ended"] * 2


async def planned_with_reminders_queued(
    h: Harness,
) -> tuple[SimUser, SimUser, Person, Person, int, int]:
    """A meeting on Friday 6 March proposed by Amina; on Thursday at 08:00 the tick
    queues the day-before reminders for 12:00."""
    programme = await h.programme()
    ola, amina, pair_id = await h.active_pair(programme)
    mentor, adept = await people(h, programme.id)
    proposed = await h.meetings.propose(adept, pair_id, date(2026, 3, 6), None)
    assert not isinstance(proposed, Exception) and isinstance(proposed, tuple)
    plan = proposed[1]
    await h.deliver()
    h.clock.set(oslo(2026, 3, 5, 8))
    await h.tick()
    reminders = await outbox(h, "day_before")
    assert len(reminders) == 2 and all(i.status is OutboxStatus.PENDING for i in reminders)
    return ola, amina, mentor, adept, pair_id, plan.id


async def test_a_meeting_moved_after_queuing_withdraws_its_reminders(harness: Harness) -> None:
    h = harness
    ola, amina, _mentor, adept, pair_id, _plan = await planned_with_reminders_queued(h)
    ola.catch_up()
    amina.catch_up()
    h.clock.set(oslo(2026, 3, 5, 10))
    moved = await h.meetings.propose(adept, pair_id, date(2026, 3, 10), None)
    assert isinstance(moved, tuple)
    h.clock.set(oslo(2026, 3, 5, 12))
    await h.deliver()
    proposal = await ola.next_message()
    assert "10 March" in (proposal.text or "")
    await ola.expect_no_message()
    await amina.expect_no_message()
    assert await withdrawn(h, "day_before") == ["withdrawn: meeting_moved"] * 2


async def test_a_meeting_declined_after_queuing_withdraws_its_reminders(
    harness: Harness,
) -> None:
    h = harness
    ola, amina, mentor, _adept, _pair_id, plan_id = await planned_with_reminders_queued(h)
    ola.catch_up()
    amina.catch_up()
    h.clock.set(oslo(2026, 3, 5, 10))
    declined = await h.meetings.answer_proposal(mentor, plan_id, accept=False)
    assert isinstance(declined, tuple)
    h.clock.set(oslo(2026, 3, 5, 12))
    await h.deliver()
    answer = await amina.next_message()
    assert "Ola" in (answer.text or "")
    await amina.expect_no_message()
    await ola.expect_no_message()
    assert await withdrawn(h, "day_before") == ["withdrawn: meeting_cancelled"] * 2
