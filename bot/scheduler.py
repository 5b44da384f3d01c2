"""The tick: what is due now goes into the outbox. The database is the schedule.

APScheduler (through PTB's JobQueue) only wakes a tick once a minute; each tick
asks the database what is due, so a restart or a second instance loses nothing
and, thanks to the outbox keys, doubles nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.domain.model import OutgoingMessage
from bot.wiring import Core


@dataclass(frozen=True)
class TickReport:
    planned: list[OutgoingMessage] = field(default_factory=list)
    queued: int = 0


async def tick(core: Core, *, dry_run: bool = False) -> TickReport:
    """Queues everything due now: agreement reminders and re-checks, the rhythm's
    nudges, reminders and check-ins (recorded as asked in the same transaction), and
    the alerts that opened, came back from a snooze or resolved themselves."""
    now = core.clock.now()
    planned = await core.agreements.due_messages(now)
    async with core.services.unit() as repo:
        # The agreement's messages fill today's slot for their recipients too.
        busy = [(m.person_id, m.not_before or now) for m in planned if m.person_id is not None]
        rhythm = await core.meetings.plan_tick(repo, now, busy=busy)
        planned.extend(rhythm.messages)
        planned.extend(await core.alerts.plan_tick(repo, now))
        if dry_run or not planned:
            # Leaving the block commits; a dry run must change nothing, so roll back.
            await repo.session.rollback()
            return TickReport(planned=planned)
        queued = await repo.enqueue(planned, now)
        await repo.add_nudges(rhythm.nudges, now)
    return TickReport(planned=planned, queued=queued)
