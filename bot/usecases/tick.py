"""The tick: what is due now goes into the outbox. The database is the schedule.

APScheduler (through PTB's JobQueue) only wakes a tick once a minute; each tick
asks the database what is due, so a restart or a second instance loses nothing
and, thanks to the outbox keys, doubles nothing.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.domain.model import OutgoingMessage, PairState
from bot.domain.quiet import Sleep
from bot.runtime.config import PAIRS_PER_TICK
from bot.runtime.wiring import Core
from bot.usecases.ticking import StepPlan, TickContext, TickStep


@dataclass(frozen=True)
class TickReport:
    planned: list[OutgoingMessage] = field(default_factory=list)
    queued: int = 0
    # More pairs were awake than the tick looked at: the next tick takes them.
    more: bool = False


async def tick(
    core: Core, *, dry_run: bool = False, pairs_per_tick: int | None = PAIRS_PER_TICK
) -> TickReport:
    """Queues everything due now: the cohort's end (notices, evaluations, reminders),
    agreement reminders and re-checks, gathering invitations and day-before reminders,
    the rhythm's nudges, reminders and check-ins (recorded as asked in the same
    transaction), the alerts that opened, came back from a snooze or resolved themselves,
    and the weekly digest and weekly notes when they are due.

    The pair rules run over the pairs that are awake only, at most `pairs_per_tick` of
    them (by id; `more` says whether others wait); each one seen is marked quiet until
    the next moment a rule could act on it unchanged."""
    with _no_cycle_collection():
        return await _tick(core, dry_run=dry_run, pairs_per_tick=pairs_per_tick)


class QueueDated:
    """Queues what the steps before it planned (first: reminders and re-checks,
    gatherings, the cohort's end). Only the new ones fill today's slot for their
    recipients (`t.busy`): a re-check is planned again at every tick until it is
    answered, and counting it each day would silence the rhythm's nudges for good.
    (A dry run rolls back.)"""

    async def plan_tick(self, t: TickContext) -> StepPlan:
        fresh = await t.uow.outbox.enqueue_keys(t.pending, t.now)
        t.busy.extend(
            (m.person_id, m.not_before or t.now)
            for m in t.pending
            if m.person_id is not None and m.idempotency_key in fresh
        )
        t.queued += len(fresh)
        t.pending = []
        return StepPlan()


def steps(core: Core) -> tuple[TickStep, ...]:
    """The tick's steps, in the order they run; each sees what the earlier ones left in
    the context (bot/usecases/ticking.py)."""
    return (
        # Reminders of unfinished agreements and the three-month re-check.
        core.agreements,
        # Gathering invitations and reminders belong to a dated event: they go today.
        core.gatherings,
        # The cohort's end before the rhythm: its messages take the day's slot first.
        core.cohort_end,
        # Queued before the rhythm, so that only the new ones take today's slots.
        QueueDated(),
        # The rhythm's nudges, reminders and check-ins: one a day, after the dated ones.
        core.meetings,
        # After the rhythm: a second question left unanswered is an alert now, not after
        # another look at the pair.
        core.alerts,
        # The weekly digest and notes: the notes after the rhythm's, one a day.
        core.digests,
        # Queued before retention, so that its erasure reaches them too: a message planned
        # about a person it erases is redacted with the rest, not written after it.
        QueueDated(),
        # Retention last: erases cohorts that are due and plans the four-week notices.
        core.privacy,
    )


async def _tick(core: Core, *, dry_run: bool, pairs_per_tick: int | None) -> TickReport:
    now = core.clock.now()
    async with core.services.db.unit() as uow:
        if not await uow.tick.tick_lock():
            return TickReport()  # another instance is ticking now
        await uow.pairs.end_pauses(now.date())
        # What the tick writes from here on does not wake the pairs it is about: the
        # steps see it already (the alert rules see the questions asked in this tick).
        await uow.tick.tick_writes(True)
        # Only pairs that are awake: the others have nothing new before their
        # `quiet_until` (bot/domain/quiet.py). Their revisions are read before their data.
        seen, awake = await uow.tick.awake_pairs(now, limit=pairs_per_tick)
        more = awake.through is not None
        starts = await uow.agreements.pair_starts(
            states=[PairState.AWAITING_AGREEMENT, PairState.ACTIVE, PairState.PAUSED],
            awake=awake,
        )
        rhythms = await uow.meetings.rhythm_histories(
            since=(now - timedelta(days=2)).date(),
            views=[s.view for s in starts],
            awake=awake,
        )
        t = TickContext(uow=uow, now=now, awake=awake, starts=starts, rhythms=rhythms)
        plans: list[StepPlan] = []
        for step in steps(core):
            plan = await step.plan_tick(t)
            t.planned.extend(plan.messages)
            t.pending.extend(plan.messages)
            plans.append(plan)
        marks = _marks(t, seen)
        if dry_run or not (t.planned or any(p.writes for p in plans) or marks):
            # Leaving the block commits; a dry run must change nothing, so roll back.
            await uow.session.rollback()
            return TickReport(planned=t.planned, more=more and not dry_run)
        queued = t.queued + await uow.outbox.enqueue(t.pending, now)
        await uow.meetings.add_nudges([n for p in plans for n in p.nudges], now)
        for plan in plans:
            if plan.record is not None:
                await plan.record(uow, now)
        # Last: on PostgreSQL the marks lock the pairs' rows until the commit, and a
        # person's write to one of them (which counts a change) waits for it.
        await uow.tick.mark_quiet(marks)
        await uow.tick.tick_writes(False)
    return TickReport(planned=t.planned, queued=queued, more=more)


def _marks(t: TickContext, seen: dict[int, int]) -> list[tuple[int, datetime, int]]:
    """(pair, quiet until, revision seen) of every pair the tick looked at: asleep until
    the next moment a rule could act on it unchanged."""
    histories = {r.history.pair_id: r.history for r in t.rhythms}
    programmes = {s.programme.id: s.programme for s in t.starts}
    sleeps = {pid: Sleep(t.now, programme.rules) for pid, programme in programmes.items()}
    return [
        (
            start.view.pair.id,
            sleeps[start.programme.id].until(
                created_at=start.view.pair.created_at,
                activated_at=start.view.pair.activated_at,
                snoozed_until=t.snoozed.get(start.view.pair.id, ()),
                history=histories.get(start.view.pair.id),
                held_back=start.view.pair.id in t.held_back,
            ),
            seen[start.view.pair.id],
        )
        for start in t.starts
        # A pair that woke after its revision was read stays awake for the next tick.
        if start.view.pair.id in seen
    ]


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Without the cyclic garbage collector for the tick's length. The tick builds
    objects by the hundred thousand that all live until it ends, and the collector would
    scan them again and again as they pile up: a third of a 10,000-pair tick. Reference
    counting still frees what the tick lets go of; cycles wait for the next collection."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
