"""Outbound rate limiting for every Bot API request, with a budget shared between instances.

:class:`SharedRateLimiter` is a PTB ``BaseRateLimiter``: every request the bot makes
(handler replies, the delivery worker, the command menu) passes through it. Only methods
that create a message count (``COUNTED_METHODS``); they must get a slot from a
:class:`SendBudget` before they go out:

- about 30 a second for the bot as a whole,
- one a second per chat for bot-initiated messages (nudges, reminders, digests),
- 20 a minute per group.

Replies to a person who just wrote are not paced per chat: their rate is the person's
own, a reply is often two messages (an answer and the next question), and Telegram
allows such short bursts; pacing them would make every conversation feel slow. They do
count: a bot-initiated message to that chat waits a second after the last reply.

Two budgets: :class:`MemoryBudget` (exact, for one process: SQLite) and
:class:`DatabaseBudget` (counts in the ``send_budget`` table, so several instances on one
PostgreSQL database share the limits). Replies to people go before bot-initiated messages
(:class:`Priority`); edits, ``answerCallbackQuery`` and other methods never wait for a
slot. A 429 pauses counted requests for ``retry_after``; replies are retried after it,
bot-initiated messages get the error back so the delivery worker can reschedule the row.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import math
import time
import warnings
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import Enum, IntEnum
from typing import Any, Protocol

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from storage.db import Database
from storage.repository import Repository

log = logging.getLogger(__name__)

JSONResult = bool | dict[str, Any] | list[dict[str, Any]]

# Methods that put a new message into a chat: these are what Telegram's flood limits count.
# Edits, deletions, chat actions and callback answers create no notification and are not
# counted (their own 429s are still honoured).
COUNTED_METHODS = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "sendAudio",
        "sendVideo",
        "sendAnimation",
        "sendVoice",
        "sendVideoNote",
        "sendMediaGroup",
        "sendLocation",
        "sendVenue",
        "sendContact",
        "sendPoll",
        "sendDice",
        "sendSticker",
        "sendInvoice",
        "sendGame",
        "sendPaidMedia",
        "copyMessage",
        "copyMessages",
        "forwardMessage",
        "forwardMessages",
    }
)


class Priority(IntEnum):
    """Lower goes first: a person waiting for an answer before a wave of nudges."""

    INTERACTIVE = 0
    BULK = 1


@dataclass
class SendTicket:
    """``rate_limit_args`` of a bot-initiated send (the delivery worker's).

    ``on_slot`` runs after the slot is granted and right before the request goes out;
    ``started`` tells the caller whether that moment was reached (before it, cancelling
    the send is safe: nothing left the process).
    """

    priority: Priority = Priority.BULK
    on_slot: Callable[[], Awaitable[None]] | None = None
    started: bool = False


@dataclass(frozen=True)
class Limits:
    """Telegram's limits, with the margins that keep us under them."""

    global_per_second: float = 30.0
    global_burst: int = 5
    # A little over a second: the time from slot to Telegram varies by a few milliseconds.
    chat_interval: float = 1.1
    group_per_minute: int = 20
    group_burst: int = 10
    # Replies are retried after a 429 up to this often, when the wait is short enough.
    max_retries: int = 2
    max_retry_wait: float = 30.0


class Scope(Enum):
    GLOBAL = "global"
    CHAT = "chat"


@dataclass(frozen=True)
class SlotRequest:
    chat: int | str | None
    group: bool
    priority: Priority

    @classmethod
    def of(cls, chat_id: object, priority: Priority) -> SlotRequest:
        chat: int | str | None
        if chat_id is None or isinstance(chat_id, bool):
            chat = None
        elif isinstance(chat_id, int):
            chat = chat_id
        else:
            try:
                chat = int(str(chat_id))
            except ValueError:
                chat = str(chat_id)  # "@channelname"
        group = isinstance(chat, str) or (isinstance(chat, int) and chat < 0)
        return cls(chat, group, priority)


@dataclass(frozen=True)
class Refusal:
    """No slot now; ask again in `delay` seconds. A global refusal holds for everyone."""

    scope: Scope
    delay: float


class SendBudget(Protocol):
    async def take(self, request: SlotRequest) -> Refusal | None:
        """Takes a slot for `request` if every limit that applies has room."""
        ...

    def going_out(self, request: SlotRequest) -> None:
        """The request leaves now: later than its slot if work ran in between (the
        delivery worker's in-flight mark). Per-chat spacing counts from here."""
        ...

    async def close(self) -> None: ...


# --------------------------------------------------------------------------- in one process


@dataclass
class _Gcra:
    """Generic cell rate algorithm: one theoretical arrival time per limit."""

    interval: float
    tat: float = 0.0

    def wait(self, now: float, burst: int) -> float:
        return max(0.0, self.tat - (burst - 1) * self.interval - now)

    def take(self, now: float) -> None:
        self.tat = max(self.tat, now) + self.interval

    def record(self, now: float) -> None:
        """A message that did not wait (a reply): the next paced one waits an interval."""
        self.tat = max(self.tat, now + self.interval)


class MemoryBudget:
    """Exact limits for one process (SQLite, or a single instance)."""

    def __init__(self, limits: Limits = Limits(), clock: Callable[[], float] = time.monotonic):
        self.limits = limits
        self._clock = clock
        self._global = _Gcra(1.0 / limits.global_per_second)
        self._chats: dict[int | str, _Gcra] = {}
        self._groups: dict[int | str, _Gcra] = {}
        self._takes = 0

    async def take(self, request: SlotRequest) -> Refusal | None:
        now = self._clock()
        limits = self.limits
        chat = group = None
        paced = request.priority is Priority.BULK
        if request.chat is not None:
            chat = self._chats.setdefault(request.chat, _Gcra(limits.chat_interval))
            if paced and (wait := chat.wait(now, 1)):
                return Refusal(Scope.CHAT, wait)
            if request.group:
                group = self._groups.setdefault(request.chat, _Gcra(60.0 / limits.group_per_minute))
                if wait := group.wait(now, limits.group_burst):
                    return Refusal(Scope.CHAT, wait)
        if wait := self._global.wait(now, limits.global_burst):
            return Refusal(Scope.GLOBAL, wait)
        if chat is not None and paced:
            chat.take(now)
        elif chat is not None:
            chat.record(now)
        for limit in (group, self._global):
            if limit is not None:
                limit.take(now)
        self._takes += 1
        if self._takes % 1000 == 0:
            self._forget(now)
        return None

    def going_out(self, request: SlotRequest) -> None:
        if request.chat is not None and request.priority is Priority.BULK:
            chat = self._chats.get(request.chat)
            if chat is not None:
                chat.record(self._clock())

    def _forget(self, now: float) -> None:
        # A chat whose last slot is long past starts afresh anyway: drop it.
        for table in (self._chats, self._groups):
            for key in [k for k, g in table.items() if g.tat < now]:
                del table[key]

    async def close(self) -> None:
        return None


# --------------------------------------------------------------------------- shared


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_UNLIMITED = 2**31 - 1  # a reply is counted in its chat's windows but never refused there


def _paced(request: SlotRequest) -> bool:
    return request.priority is Priority.BULK


def window_start(moment: datetime, size: timedelta) -> datetime:
    """The fixed window of `size` that holds `moment` (integer microseconds: every
    instance computes exactly the same key)."""
    micros = (moment - _EPOCH) // timedelta(microseconds=1)
    step = size // timedelta(microseconds=1)
    return _EPOCH + timedelta(microseconds=micros - micros % step)


class _Full(Exception):
    def __init__(self, scope: Scope, until: datetime) -> None:
        super().__init__(scope.value)
        self.scope, self.until = scope, until


class DatabaseBudget:
    """Counts slots in the ``send_budget`` table, so the limits hold across instances.

    Fixed windows let twice their limit through around a window edge, so each limit uses
    windows short enough that even that stays within Telegram's token buckets:

    - overall: 6 per 200 ms window (30/s; at most 30·t + 12 in any t seconds);
    - a group: 5 per 15 s window (20/min; at most t/3 + 10 in any t seconds);
    - a chat: a bot-initiated message takes its 1 s window *and the next one*, and only in
      the first 90 % of a window, so two of them are always more than 1.1 s apart (at most
      one every two seconds per chat, which a nudge never needs); a reply marks both
      windows used without waiting (see the module doc).

    All instances need clocks in step (NTP); a window is keyed by its UTC start.
    """

    GLOBAL_WINDOW = timedelta(milliseconds=200)
    CHAT_WINDOW = timedelta(seconds=1)
    GROUP_WINDOW = timedelta(seconds=15)
    KEEP = timedelta(minutes=5)
    CLEANUP_EVERY = 60.0

    def __init__(
        self,
        db: Database,
        limits: Limits = Limits(),
        *,
        wall: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.db = db
        self.limits = limits
        self._wall = wall
        window = self.GLOBAL_WINDOW.total_seconds()
        self._global_limit = max(1, round(limits.global_per_second * window))
        self._group_limit = max(
            1, round(limits.group_per_minute * self.GROUP_WINDOW.total_seconds() / 60)
        )
        self._last_cleanup = -math.inf
        self._cleanup: asyncio.Task[None] | None = None
        # What this instance already knows, to spare the database a question whose answer
        # is no: when a chat can next take a bot-initiated message, and whether the
        # current overall window is full.
        self._chat_free_at: dict[int | str, datetime] = {}
        self._full_window: datetime | None = None

    async def take(self, request: SlotRequest) -> Refusal | None:
        now = self._wall()
        self._maybe_cleanup(now)
        start = window_start(now, self.GLOBAL_WINDOW)
        try:
            self._known_refusals(request, now, start)
            # One transaction: a refusal anywhere rolls back the places already taken.
            # Chat rows before the global row, always, so two instances never deadlock.
            async with self.db.session() as session:
                repo = Repository(session)
                if request.chat is not None:
                    await self._take_chat(repo, request, now)
                if not await repo.take_send_slot("global", start, self._global_limit):
                    self._full_window = start
                    raise _Full(Scope.GLOBAL, start + self.GLOBAL_WINDOW)
        except _Full as full:
            if full.scope is Scope.CHAT and request.chat is not None and _paced(request):
                self._chat_free_at[request.chat] = full.until
            return Refusal(full.scope, max(0.0, (full.until - self._wall()).total_seconds()))
        if request.chat is not None and _paced(request):
            # This slot holds its window and the next: free again two windows on.
            self._chat_free_at[request.chat] = window_start(now, self.CHAT_WINDOW) + (
                2 * self.CHAT_WINDOW
            )
        return None

    def _known_refusals(self, request: SlotRequest, now: datetime, start: datetime) -> None:
        if self._full_window == start:
            raise _Full(Scope.GLOBAL, start + self.GLOBAL_WINDOW)
        if request.chat is None or not _paced(request):
            return
        if len(self._chat_free_at) > 10_000:
            self._chat_free_at = {k: t for k, t in self._chat_free_at.items() if t > now}
        free_at = self._chat_free_at.get(request.chat)
        if free_at is not None and now < free_at:
            raise _Full(Scope.CHAT, free_at)
        chat_start = window_start(now, self.CHAT_WINDOW)
        if now >= chat_start + self.CHAT_WINDOW * 0.9:
            raise _Full(Scope.CHAT, chat_start + self.CHAT_WINDOW)

    async def _take_chat(self, repo: Repository, request: SlotRequest, now: datetime) -> None:
        key = f"chat:{request.chat}"
        start = window_start(now, self.CHAT_WINDOW)
        following = start + self.CHAT_WINDOW
        if request.group:
            group_start = window_start(now, self.GROUP_WINDOW)
            if not await repo.take_send_slot(
                f"group:{request.chat}", group_start, self._group_limit
            ):
                raise _Full(Scope.CHAT, group_start + self.GROUP_WINDOW)
        if request.priority is Priority.INTERACTIVE:
            await repo.take_send_slot(key, start, _UNLIMITED)
            await repo.take_send_slot(key, following, _UNLIMITED)
            return
        if not (
            await repo.take_send_slot(key, start, 1)
            and await repo.take_send_slot(key, following, 1)
        ):
            raise _Full(Scope.CHAT, following)

    def going_out(self, request: SlotRequest) -> None:
        # Windows cannot move; the 90 % rule leaves a tenth of a second for the work
        # between slot and send.
        return None

    def _maybe_cleanup(self, now: datetime) -> None:
        clock = time.monotonic()
        if clock - self._last_cleanup < self.CLEANUP_EVERY:
            return
        self._last_cleanup = clock
        if self._cleanup is None or self._cleanup.done():
            self._cleanup = asyncio.create_task(self._forget(now - self.KEEP))

    async def _forget(self, before: datetime) -> None:
        try:
            async with self.db.session() as session:
                forgotten = await Repository(session).forget_send_windows(before)
            log.debug("send budget: forgot %d old windows", forgotten)
        except Exception:  # a missed cleanup is harmless; the next one catches up
            log.warning("send budget: could not forget old windows", exc_info=True)

    async def close(self) -> None:
        # A clean-up in progress is one short DELETE: let it finish, within reason.
        if self._cleanup is not None and not self._cleanup.done():
            await asyncio.wait({self._cleanup}, timeout=5.0)
            self._cleanup.cancel()


# --------------------------------------------------------------------------- the limiter


@dataclass
class _Waiter:
    request: SlotRequest
    seq: int
    future: asyncio.Future[None]

    @property
    def order(self) -> tuple[int, int]:
        return (int(self.request.priority), self.seq)

    @property
    def chat_key(self) -> tuple[int | str | None, Priority]:
        return (self.request.chat, self.request.priority)


async def wait_event(event: asyncio.Event, seconds: float | None) -> None:
    """Waits until `event` is set or `seconds` have passed; leaves the event as it is.

    Not ``asyncio.wait_for``: on Python 3.11 it swallows a cancellation that arrives just
    as the event is set (stopping a limiter or a worker would then hang).
    """
    waiter = asyncio.ensure_future(event.wait())
    try:
        await asyncio.wait({waiter}, timeout=seconds)
    finally:
        waiter.cancel()


def retry_after_seconds(error: RetryAfter) -> float:
    """``retry_after`` in seconds, whichever type this PTB version hands out."""
    value = getattr(error, "_retry_after", None)
    if isinstance(value, timedelta):
        return value.total_seconds()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wait = error.retry_after
    return wait.total_seconds() if isinstance(wait, timedelta) else float(wait)


@dataclass
class LimiterStats:
    granted: int = 0
    waited: int = 0
    retry_after: int = 0
    paused_seconds: float = 0.0
    by_priority: dict[Priority, int] = field(default_factory=dict)
    refused: dict[Scope, int] = field(default_factory=dict)
    budget_seconds: float = 0.0  # time spent asking the budget (a database round trip)


class SharedRateLimiter(BaseRateLimiter[SendTicket]):
    """Every Bot API request of the application goes through here (see the module doc).

    Requests that must wait are queued; one dispatcher task hands out slots in priority
    order (replies first, then bot-initiated messages, each first come first served), and
    skips requests whose chat has no room yet so that one busy chat never holds up others.
    """

    def __init__(self, budget: SendBudget, limits: Limits | None = None) -> None:
        self.budget = budget
        self.limits = limits or Limits()
        self.stats = LimiterStats()
        self._waiters: list[_Waiter] = []
        self._seq = itertools.count()
        self._chat_ready: dict[tuple[int | str | None, Priority], float] = {}
        self._paused_until = 0.0
        self._changed: asyncio.Event | None = None
        self._dispatcher: asyncio.Task[None] | None = None

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        if self._dispatcher is not None:
            self._dispatcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._dispatcher
            self._dispatcher = None
        for waiter in self._waiters:
            waiter.future.cancel()
        self._waiters.clear()
        await self.budget.close()

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, JSONResult]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: SendTicket | None,
    ) -> JSONResult:
        ticket = rate_limit_args if isinstance(rate_limit_args, SendTicket) else None
        priority = ticket.priority if ticket is not None else Priority.INTERACTIVE
        counted = endpoint in COUNTED_METHODS
        request = SlotRequest.of(data.get("chat_id"), priority) if counted else None
        for attempt in itertools.count():
            if request is not None:
                await self.acquire(request)
            if ticket is not None:
                ticket.started = True
                if ticket.on_slot is not None:
                    await ticket.on_slot()
                    if request is not None:
                        self.budget.going_out(request)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as error:
                seconds = retry_after_seconds(error)
                self.stats.retry_after += 1
                log.warning("Telegram asked to wait %.0f s on %s (429)", seconds, endpoint)
                if counted:
                    self.pause(seconds)
                # A bot-initiated message goes back to its outbox row with the wait, rather
                # than holding a send task; a reply is worth waiting for, briefly.
                if (
                    priority is Priority.BULK
                    or attempt >= self.limits.max_retries
                    or seconds > self.limits.max_retry_wait
                ):
                    raise
                if not counted:
                    await asyncio.sleep(seconds)
        raise AssertionError("unreachable")  # pragma: no cover

    def pause(self, seconds: float) -> None:
        """No counted request goes out for `seconds` (Telegram's ``retry_after``)."""
        loop = asyncio.get_running_loop()
        until = loop.time() + seconds
        if until > self._paused_until:
            self.stats.paused_seconds += until - max(self._paused_until, loop.time())
            self._paused_until = until
        self._kick()

    async def acquire(self, request: SlotRequest) -> None:
        """Waits for a slot for `request` (public so that tools can pace themselves)."""
        loop = asyncio.get_running_loop()
        counts = self.stats.by_priority
        counts[request.priority] = counts.get(request.priority, 0) + 1
        # Fast path: nobody is queued, nothing is paused, the budget has room.
        idle = not self._waiters and loop.time() >= self._paused_until
        if idle and await self.budget.take(request) is None:
            self.stats.granted += 1
            return
        self.stats.waited += 1
        waiter = _Waiter(request, next(self._seq), loop.create_future())
        self._waiters.append(waiter)
        self._ensure_dispatcher()
        self._kick()
        try:
            await waiter.future
        finally:
            if not waiter.future.done() or waiter.future.cancelled():
                with contextlib.suppress(ValueError):
                    self._waiters.remove(waiter)
                self._kick()

    def _kick(self) -> None:
        if self._changed is not None:
            self._changed.set()

    def _ensure_dispatcher(self) -> None:
        if self._dispatcher is None or self._dispatcher.done():
            self._changed = asyncio.Event()
            self._dispatcher = asyncio.create_task(self._dispatch(), name="rate-limiter")

    async def _dispatch(self) -> None:
        assert self._changed is not None
        changed = self._changed
        loop = asyncio.get_running_loop()
        while True:
            changed.clear()
            now = loop.time()
            self._waiters = [w for w in self._waiters if not w.future.done()]
            self._chat_ready = {k: t for k, t in self._chat_ready.items() if t > now}
            wake = math.inf
            if self._paused_until > now:
                wake = self._paused_until
            else:
                try:
                    wake = await self._grant_round(loop)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    # The database may be briefly away: try again shortly, never give up.
                    log.warning("rate limiter: budget unavailable; retrying", exc_info=True)
                    wake = loop.time() + 0.5
            timeout = None if wake == math.inf else max(0.0, wake - loop.time())
            if timeout == 0.0:
                continue
            await wait_event(changed, timeout)

    async def _grant_round(self, loop: asyncio.AbstractEventLoop) -> float:
        """One pass over the queue in priority order; returns when to look again."""
        wake = math.inf
        for waiter in sorted(self._waiters, key=lambda w: w.order):
            if waiter.future.done():
                continue
            ready = self._chat_ready.get(waiter.chat_key, 0.0)
            if ready > loop.time():
                wake = min(wake, ready)
                continue
            asked = loop.time()
            refusal = await self.budget.take(waiter.request)
            now = loop.time()
            self.stats.budget_seconds += now - asked
            if refusal is None:
                self.stats.granted += 1
                if not waiter.future.done():
                    waiter.future.set_result(None)
                continue
            self.stats.refused[refusal.scope] = self.stats.refused.get(refusal.scope, 0) + 1
            if refusal.scope is Scope.GLOBAL:
                return min(wake, now + refusal.delay)
            self._chat_ready[waiter.chat_key] = now + refusal.delay
            wake = min(wake, now + refusal.delay)
        return wake


def choose_budget(backend: str, db: Database, limits: Limits | None = None) -> SendBudget:
    """``auto``: shared through the database on PostgreSQL (several instances may run),
    in memory on SQLite (one instance)."""
    limits = limits or Limits()
    shared = backend == "database" or (backend == "auto" and not db.is_sqlite)
    return DatabaseBudget(db, limits) if shared else MemoryBudget(limits)


def build_rate_limiter(
    backend: str, db: Database, limits: Limits | None = None
) -> SharedRateLimiter:
    limits = limits or Limits()
    return SharedRateLimiter(choose_budget(backend, db, limits), limits)
