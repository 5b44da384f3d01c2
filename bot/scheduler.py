"""The tick: what is due now goes into the outbox. The database is the schedule.

APScheduler (through PTB's JobQueue) only wakes a tick once a minute; each tick
asks the database what is due, so a restart or a second instance loses nothing
and, thanks to the outbox keys, doubles nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.agreements import Agreements
from bot.domain.model import OutgoingMessage
from bot.services import Services


@dataclass(frozen=True)
class TickReport:
    planned: list[OutgoingMessage] = field(default_factory=list)
    queued: int = 0


async def due_messages(services: Services, agreements: Agreements) -> list[OutgoingMessage]:
    """Every follow-up message due now. Each rule adds its own messages here."""
    now = services.clock.now()
    return await agreements.due_messages(now)


async def tick(services: Services, agreements: Agreements, *, dry_run: bool = False) -> TickReport:
    planned = await due_messages(services, agreements)
    if dry_run or not planned:
        return TickReport(planned=planned)
    async with services.unit() as repo:
        queued = await repo.enqueue(planned, services.clock.now())
    return TickReport(planned=planned, queued=queued)
