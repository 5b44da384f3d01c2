"""The tick: what is due now goes into the outbox. The database is the schedule.

APScheduler (through PTB's JobQueue) only wakes a tick once a minute; each tick
asks the database what is due, so a restart or a second instance loses nothing
and, thanks to the outbox keys, doubles nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.agreements import Agreements
from bot.domain.model import OutgoingMessage
from bot.meetings import Meetings
from bot.services import Services


@dataclass(frozen=True)
class TickReport:
    planned: list[OutgoingMessage] = field(default_factory=list)
    queued: int = 0


async def tick(
    services: Services, agreements: Agreements, meetings: Meetings, *, dry_run: bool = False
) -> TickReport:
    """Queues everything due now: agreement reminders and re-checks, then the rhythm's
    nudges, reminders and check-ins (recorded as asked in the same transaction)."""
    now = services.clock.now()
    planned = await agreements.due_messages(now)
    async with services.unit() as repo:
        rhythm = await meetings.plan_tick(repo, now)
        planned.extend(rhythm.messages)
        if dry_run or not planned:
            # Leaving the block commits; a dry run must change nothing, so roll back.
            await repo.session.rollback()
            return TickReport(planned=planned)
        queued = await repo.enqueue(planned, now)
        await repo.add_nudges(rhythm.nudges, now)
    return TickReport(planned=planned, queued=queued)
