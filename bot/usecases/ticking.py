"""What the tick's steps share: the context each one reads, and the plan each returns.

Every step of the tick (bot/usecases/tick.py, `STEPS`) has one signature,
`async def plan_tick(self, t: TickContext) -> StepPlan`: it reads the tick's context
(the transaction, the moment, the pairs awake and what the steps before it produced),
plans what is due and says what to record once its messages are queued. The tick
queues the messages and runs the records; a step never commits.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol

from bot.domain.model import OutgoingMessage, PairStart, Rhythm
from storage.tables import Awake
from storage.uow import UnitOfWork

# (pair, person, period, kind) of a question asked now: recorded once it is queued.
Nudge = tuple[int, int, str, str]


@dataclass
class TickContext:
    """One tick's transaction and what its steps read and leave for the next ones."""

    uow: UnitOfWork
    now: datetime
    # The pairs the tick looks at (the awake ones), with their starts and rhythm histories.
    awake: Awake
    starts: Sequence[PairStart]
    rhythms: Sequence[Rhythm]
    # Produced by the steps, in their order:
    # (person, when) whose day's slot a message of this tick takes (before the rhythm's).
    busy: list[tuple[int, datetime]] = field(default_factory=list)
    # (person, local day) that have their bot-initiated message once the rhythm planned.
    taken: set[tuple[int, date]] = field(default_factory=set)
    # Pairs with a nudge that the one-a-day limit held back: awake again tomorrow.
    held_back: set[int] = field(default_factory=set)
    # The ends of the snoozes of each pair's alerts: the pair wakes then.
    snoozed: dict[int, list[datetime]] = field(default_factory=dict)
    # Every message planned so far, in order; those not in the outbox yet; how many are.
    planned: list[OutgoingMessage] = field(default_factory=list)
    pending: list[OutgoingMessage] = field(default_factory=list)
    queued: int = 0


Record = Callable[[UnitOfWork, datetime], Awaitable[None]]


@dataclass(frozen=True)
class StepPlan:
    """What one step planned: its messages, the questions it asks, and what it records
    once they are queued."""

    messages: Sequence[OutgoingMessage] = ()
    nudges: Sequence[Nudge] = ()
    record: Record | None = None
    # Something to write even without a message (pairs to end, a digest week, erasures):
    # the tick commits rather than rolls back.
    writes: bool = False


class TickStep(Protocol):
    async def plan_tick(self, t: TickContext) -> StepPlan: ...
