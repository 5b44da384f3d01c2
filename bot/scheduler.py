"""The tick: what is due now goes into the outbox. The database is the schedule.

APScheduler (through PTB's JobQueue) only wakes a tick once a minute; each tick
asks the database what is due, so a restart or a second instance loses nothing
and, thanks to the outbox keys, doubles nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from bot.domain.model import OutgoingMessage, PairState
from bot.wiring import Core
from storage.privacy import PrivacyRepository


@dataclass(frozen=True)
class TickReport:
    planned: list[OutgoingMessage] = field(default_factory=list)
    queued: int = 0


async def tick(core: Core, *, dry_run: bool = False) -> TickReport:
    """Queues everything due now: agreement reminders and re-checks, the rhythm's
    nudges, reminders and check-ins (recorded as asked in the same transaction), and
    the alerts that opened, came back from a snooze or resolved themselves."""
    now = core.clock.now()
    async with core.services.unit() as repo:
        # Everything the rules read, loaded once for all of them.
        await repo.end_pauses(now.date())
        starts = await repo.pair_starts(
            states=[PairState.AWAITING_AGREEMENT, PairState.ACTIVE, PairState.PAUSED]
        )
        rhythms = await repo.rhythm_histories(
            since=(now - timedelta(days=2)).date(), views=[s.view for s in starts]
        )
        planned = await core.agreements.due_messages(now, starts)
        # The agreement's messages fill today's slot for their recipients too.
        busy = [(m.person_id, m.not_before or now) for m in planned if m.person_id is not None]
        rhythm = await core.meetings.plan_tick(repo, now, busy=busy, rhythms=rhythms)
        planned.extend(rhythm.messages)
        planned.extend(await core.alerts.plan_tick(repo, now, rhythms=rhythms, starts=starts))
        # Retention: erases cohorts that are due (rolled back below on a dry run) and
        # plans the coordinators' four-week notices.
        kept = await core.privacy.plan_retention(repo, PrivacyRepository(repo.session), now)
        planned.extend(kept.notices)
        if dry_run or (not planned and not kept.erasing):
            # Leaving the block commits; a dry run must change nothing, so roll back.
            await repo.session.rollback()
            return TickReport(planned=planned)
        queued = await repo.enqueue(planned, now)
        await repo.add_nudges(rhythm.nudges, now)
    return TickReport(planned=planned, queued=queued)
