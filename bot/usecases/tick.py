"""The tick: what is due now goes into the outbox. The database is the schedule.

APScheduler (through PTB's JobQueue) only wakes a tick once a minute; each tick
asks the database what is due, so a restart or a second instance loses nothing
and, thanks to the outbox keys, doubles nothing.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from bot.domain.model import OutgoingMessage, PairState, Rhythm
from bot.domain.quiet import Sleep
from bot.domain.rhythm import NudgeFact, NudgeKind
from bot.runtime.config import PAIRS_PER_TICK
from bot.runtime.wiring import Core


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


async def _tick(core: Core, *, dry_run: bool, pairs_per_tick: int | None) -> TickReport:
    now = core.clock.now()
    async with core.services.db.unit() as uow:
        if not await uow.tick.tick_lock():
            return TickReport()  # another instance is ticking now
        await uow.pairs.end_pauses(now.date())
        # The cohort's end first: its messages take the day's slot before the rhythm's.
        ending = await core.cohort_end.plan_tick(uow, now)
        # What the tick writes from here on does not wake the pairs it is about: the rules
        # below see it already (the alert rules see the questions asked in this tick).
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
        planned = await core.agreements.due_messages(now, starts)
        # Gathering invitations and reminders belong to a dated event: they go today.
        gatherings = await core.gatherings.plan_tick(uow, now)
        planned.extend(gatherings.messages)
        planned.extend(ending.messages)
        # Queued first, so that only the new ones fill today's slot for their recipients:
        # a re-check is planned again at every tick until it is answered, and counting it
        # each day would silence the rhythm's nudges for good. (A dry run rolls back.)
        fresh = await uow.outbox.enqueue_keys(planned, now)
        busy = [
            (m.person_id, m.not_before or now)
            for m in planned
            if m.person_id is not None and m.idempotency_key in fresh
        ]
        busy.extend(ending.busy)
        rhythm = await core.meetings.plan_tick(uow, now, busy=busy, rhythms=rhythms, awake=awake)
        later = list(rhythm.messages)
        # The alert rules see the questions just asked: a second one left unanswered is
        # an alert now, not after another look at the pair.
        rhythms = _with_asked(rhythms, rhythm.nudges, now)
        alerts = await core.alerts.plan_tick(uow, now, rhythms=rhythms, starts=starts, awake=awake)
        later.extend(alerts.messages)
        # The weekly digest and the weekly notes (these after the rhythm's, one a day).
        weekly = await core.digests.plan_tick(uow, now, rhythms=rhythms, taken=rhythm.taken)
        later.extend(weekly.messages)
        # Retention: erases cohorts that are due (rolled back below on a dry run) and
        # plans the coordinators' four-week notices.
        kept = await core.privacy.plan_retention(uow, uow.privacy, now)
        later.extend(kept.notices)
        planned.extend(later)
        histories = {r.history.pair_id: r.history for r in rhythms}
        programmes = {s.programme.id: s.programme for s in starts}
        sleeps = {pid: Sleep(now, programme.rules) for pid, programme in programmes.items()}
        marks = [
            (
                start.view.pair.id,
                sleeps[start.programme.id].until(
                    created_at=start.view.pair.created_at,
                    activated_at=start.view.pair.activated_at,
                    snoozed_until=alerts.snoozed.get(start.view.pair.id, ()),
                    history=histories.get(start.view.pair.id),
                    held_back=start.view.pair.id in rhythm.held_back,
                ),
                seen[start.view.pair.id],
            )
            for start in starts
            # A pair that woke after its revision was read stays awake for the next tick.
            if start.view.pair.id in seen
        ]
        if dry_run or not (planned or ending.to_end or weekly.weeks or kept.erasing or marks):
            # Leaving the block commits; a dry run must change nothing, so roll back.
            await uow.session.rollback()
            return TickReport(planned=planned, more=more and not dry_run)
        queued = len(fresh) + await uow.outbox.enqueue(later, now)
        await uow.meetings.add_nudges([*rhythm.nudges, *weekly.nudges], now)
        await core.cohort_end.record(uow, ending, now)
        await core.gatherings.record(uow, gatherings, now)
        await core.digests.record(uow, weekly)
        # Last: on PostgreSQL the marks lock the pairs' rows until the commit, and a
        # person's write to one of them (which counts a change) waits for it.
        await uow.tick.mark_quiet(marks)
        await uow.tick.tick_writes(False)
    return TickReport(planned=planned, queued=queued, more=more)


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


def _with_asked(
    rhythms: Sequence[Rhythm], nudges: Sequence[tuple[int, int, str, str]], now: datetime
) -> list[Rhythm]:
    """The histories as they are once the (pair, person, period, kind) nudges planned
    now are recorded (a nudge recorded before is kept as it was)."""
    new: dict[int, list[NudgeFact]] = {}
    for pair_id, person_id, period, kind in nudges:
        new.setdefault(pair_id, []).append(NudgeFact(person_id, period, NudgeKind(kind), now, None))
    result = []
    for r in rhythms:
        history = r.history
        known = {(n.person_id, n.period, n.kind) for n in history.nudges}
        added = [
            n for n in new.get(history.pair_id, ()) if (n.person_id, n.period, n.kind) not in known
        ]
        if added:
            r = replace(r, history=replace(history, nudges=(*history.nudges, *added)))
        result.append(r)
    return result
