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
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import Enum, IntEnum
from typing import Any, Protocol

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from storage.db import Database

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
    """Telegram's limits, with the margins that keep us under them.

    Each is a count in a rolling window, never a rate with a burst on top: Telegram's
    "30 a second" is 30 in any second, and a burst above it is answered with 429s."""

    global_per_second: float = 30.0
    # A little over a second, counted from Telegram's answer to a message (it arrived
    # before that) where the budget can (in memory).
    global_window: float = 1.003
    # And never two at once: a wave sent in bursts of 30 arrives bunched, and the
    # bunching varies more than the trip does. Shorter than 1/30 s, so a message that
    # was late for its slot (a busy event loop) can catch up.
    global_spacing: float = 0.02
    # The database budget counts a message from its slot (recording its answer too would
    # be a second write per message): this much more covers the in-flight mark and trip.
    shared_margin: float = 0.05
    chat_interval: float = 1.1
    group_per_minute: int = 20
    group_window: float = 61.0
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

    def answered(self, request: SlotRequest) -> None:
        """Telegram answered the request (or it was dropped after its slot): it arrived
        before now. Windows counted from here hold however long the work before the send
        and the trip took."""
        ...

    async def close(self) -> None: ...


# --------------------------------------------------------------------------- in one process


class _Entry:
    """One message in a limit's log: its moment, and whether it is still on its way."""

    __slots__ = ("moment", "pending")

    def __init__(self, moment: float) -> None:
        self.moment = moment
        self.pending = True


# A message granted a slot but never answered (its task was cancelled in between) stops
# holding its place after this long.
_PENDING_AT_MOST = 30.0


class _Log:
    """The last messages of one limit: at most `limit` in any `span`.

    A message counts from its answer (it reached Telegram before then); until the answer
    comes it holds its place, however long the work before the send and the trip take:
    counted from the slot, a message delayed by its in-flight mark could arrive inside
    the next second's window with thirty others."""

    def __init__(self, limit: float, span: float) -> None:
        self.limit = max(1, int(limit))
        self.span = span
        self.entries: deque[_Entry] = deque()

    def _holds(self, entry: _Entry, now: float) -> bool:
        if entry.pending:
            return entry.moment > now - _PENDING_AT_MOST
        return entry.moment > now - self.span

    def wait(self, now: float) -> float:
        if len(self.entries) < self.limit:
            return 0.0
        while self.entries and not self._holds(self.entries[0], now):
            self.entries.popleft()
        if len(self.entries) < self.limit:
            return 0.0
        inside = [entry for entry in self.entries if self._holds(entry, now)]
        if len(inside) < self.limit:
            self.entries = deque(inside)
            return 0.0
        done = [entry.moment for entry in inside if not entry.pending]
        if not done:  # all on their way: look again soon
            return min(self.span, 0.01)
        # Answers may come out of order: the earliest frees the window.
        return max(0.0, min(done) + self.span - now)

    def take(self, now: float) -> _Entry:
        entry = _Entry(now)
        self.entries.append(entry)
        return entry

    def idle(self, now: float) -> bool:
        return not any(self._holds(entry, now) for entry in self.entries)


class MemoryBudget:
    """Exact limits for one process (SQLite, or a single instance): a log of the last
    moments per limit, so no second ever holds more than the limit."""

    def __init__(self, limits: Limits = Limits(), clock: Callable[[], float] = time.monotonic):
        self.limits = limits
        self._clock = clock
        self._global = _Log(limits.global_per_second, limits.global_window)
        self._spacing = _Log(1, limits.global_spacing)
        self._chats: dict[int | str, _Log] = {}
        self._groups: dict[int | str, _Log] = {}
        # The entries of granted requests not yet gone out, to stamp them when they do.
        self._granted: dict[SlotRequest, list[_Entry]] = {}
        self._takes = 0

    async def take(self, request: SlotRequest) -> Refusal | None:
        refusal = self.check(request)
        if refusal is None:
            self.record(request)
        return refusal

    def _logs(self, request: SlotRequest) -> tuple[_Log | None, _Log | None]:
        chat = group = None
        if request.chat is not None:
            chat = self._chats.setdefault(request.chat, _Log(1, self.limits.chat_interval))
            if request.group:
                group = self._groups.setdefault(
                    request.chat, _Log(self.limits.group_per_minute, self.limits.group_window)
                )
        return chat, group

    def check(self, request: SlotRequest) -> Refusal | None:
        """Whether `request` may go now, without taking its slot."""
        now = self._clock()
        # Replies too: a reply goes at once only when its chat's second is free.
        for log in self._logs(request):
            if log is not None and (wait := log.wait(now)):
                return Refusal(Scope.CHAT, wait)
        if wait := max(self._global.wait(now), self._spacing.wait(now)):
            return Refusal(Scope.GLOBAL, wait)
        return None

    def record(self, request: SlotRequest) -> None:
        """Takes the slot `check` found."""
        now = self._clock()
        self._spacing.take(now).pending = False  # spacing counts from the slot
        entries = [log.take(now) for log in (*self._logs(request), self._global) if log]
        self._granted[request] = entries
        self._takes += 1
        if self._takes % 1000 == 0:
            self._forget(now)

    def answered(self, request: SlotRequest) -> None:
        entries = self._granted.pop(request, None)
        if entries is not None:
            now = self._clock()
            for entry in entries:
                entry.moment, entry.pending = max(entry.moment, now), False

    def _forget(self, now: float) -> None:
        # A chat whose last message left its window long ago starts afresh anyway.
        for table in (self._chats, self._groups):
            for key in [k for k, log in table.items() if log.idle(now)]:
                del table[key]
        if len(self._granted) > 10_000:  # requests that never went out (cancelled)
            self._granted.clear()

    async def close(self) -> None:
        return None


# --------------------------------------------------------------------------- shared


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def window_start(moment: datetime, size: timedelta) -> datetime:
    """The fixed window of `size` that holds `moment` (integer microseconds: every
    instance computes exactly the same key)."""
    micros = (moment - _EPOCH) // timedelta(microseconds=1)
    step = size // timedelta(microseconds=1)
    return _EPOCH + timedelta(microseconds=micros - micros % step)


class DatabaseBudget:
    """Counts messages in the ``send_budget`` table, so the limits hold across instances.

    Each message is a row stamped with the moment its slot was given, one per limit it
    counts in (``global``, ``chat:<id>``, ``group:<id>``); a limit has room when fewer
    than its count of rows lie within its rolling window (the same windows as
    :class:`MemoryBudget`: no second ever holds more than the limit, where fixed windows
    let twice the limit through around their edges). One transaction per slot, under a
    lock every instance takes (an advisory lock on PostgreSQL), so two instances never
    both take the last place of a window.

    All instances need clocks in step (NTP); the moment is read after the lock is held.
    """

    LOCK_KEY = 0x6D656E746F72  # "mentor": the advisory lock of the send budget
    KEEP = timedelta(minutes=5)
    CLEANUP_EVERY = 60.0

    def __init__(
        self,
        db: Database,
        limits: Limits = Limits(),
        *,
        wall: Callable[[], datetime] = lambda: datetime.now(UTC),
        local_clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.db = db
        self.limits = limits
        self._wall = wall
        # Counted from the slot, not the answer: a margin for the work and the trip.
        self._global = (
            max(1, int(limits.global_per_second)),
            timedelta(seconds=limits.global_window + limits.shared_margin),
        )
        self._spacing = timedelta(seconds=limits.global_spacing)
        self._chat = timedelta(seconds=limits.chat_interval)
        self._group = (max(1, limits.group_per_minute), timedelta(seconds=limits.group_window))
        self._lock = asyncio.Lock()  # this process's takes, one at a time
        self._local = MemoryBudget(limits, local_clock)
        self._last_cleanup = -math.inf
        self._cleanup: asyncio.Task[None] | None = None
        # What this instance already knows, to spare the database a question whose answer
        # is no: when a chat can next take a message.
        self._chat_free_at: dict[int | str, datetime] = {}
        self._global_free_at = _EPOCH
        # The slot each message in flight took, and the moves of answered ones' rows.
        self._slots: dict[SlotRequest, datetime] = {}
        self._moves: set[asyncio.Task[None]] = set()

    async def take(self, request: SlotRequest) -> Refusal | None:
        now = self._wall()
        self._maybe_cleanup(now)
        if request.chat is not None:
            if len(self._chat_free_at) > 10_000:
                self._chat_free_at = {k: t for k, t in self._chat_free_at.items() if t > now}
            free_at = self._chat_free_at.get(request.chat)
            if free_at is not None and now < free_at:
                return Refusal(Scope.CHAT, (free_at - now).total_seconds())
        limits: list[tuple[Scope, str, int, timedelta]] = []
        if request.chat is not None:
            # Replies too: a reply goes at once only when its chat's second is free.
            limits.append((Scope.CHAT, f"chat:{request.chat}", 1, self._chat))
            if request.group:
                limits.append((Scope.CHAT, f"group:{request.chat}", *self._group))
        limits.append((Scope.GLOBAL, "global", *self._global))
        if now < self._global_free_at:
            # Windows only free with time: what this instance read still holds.
            return Refusal(Scope.GLOBAL, (self._global_free_at - now).total_seconds())
        # This instance's own messages count from their answers, as in memory: the
        # shared rows count from the slot, with a margin that may not cover a slow trip.
        if (local := self._local.check(request)) is not None:
            return local
        async with self._lock, self.db.unit() as uow:
            await uow.send_budget.lock_send_budget(self.LOCK_KEY)
            now = self._wall()
            asked = [
                (bucket, count, span, self._spacing if scope is Scope.GLOBAL else timedelta(0))
                for scope, bucket, count, span in limits
            ]
            for (scope, *_rest), until in zip(
                limits, await uow.send_budget.send_windows_full(asked, now), strict=True
            ):
                if until is not None:
                    if scope is Scope.CHAT and request.chat is not None:
                        self._chat_free_at[request.chat] = until
                    else:
                        self._global_free_at = until
                    return Refusal(scope, max(0.0, (until - now).total_seconds()))
            await uow.send_budget.record_sends(
                [bucket for _scope, bucket, _count, _span in limits], now
            )
            self._local.record(request)
            self._slots[request] = now
        if request.chat is not None:
            self._chat_free_at[request.chat] = now + self._chat
        self._global_free_at = now + self._spacing
        return None

    def answered(self, request: SlotRequest) -> None:
        self._local.answered(request)
        slot = self._slots.pop(request, None)
        if slot is not None:
            # The other instances count this message from its answer too (it arrived
            # before then), not from its slot: a trip slower than the margin no longer
            # lets them fill the second it arrived in. A write per message, and only
            # where instances share the budget.
            move = asyncio.create_task(self._count_from_answer(slot, self._wall()))
            self._moves.add(move)
            move.add_done_callback(self._moves.discard)

    async def _count_from_answer(self, slot: datetime, answer: datetime) -> None:
        try:
            async with self.db.unit() as uow:
                await uow.send_budget.move_send("global", slot, answer)
        except Exception:  # the slot's row stays: counted from the slot, with the margin
            log.warning("send budget: could not move a row to its answer", exc_info=True)

    def _maybe_cleanup(self, now: datetime) -> None:
        clock = time.monotonic()
        if clock - self._last_cleanup < self.CLEANUP_EVERY:
            return
        self._last_cleanup = clock
        if self._cleanup is None or self._cleanup.done():
            self._cleanup = asyncio.create_task(self._forget(now - self.KEEP))

    async def _forget(self, before: datetime) -> None:
        try:
            async with self.db.unit() as uow:
                forgotten = await uow.send_budget.forget_send_windows(before)
            log.debug("send budget: forgot %d old windows", forgotten)
        except Exception:  # a missed cleanup is harmless; the next one catches up
            log.warning("send budget: could not forget old windows", exc_info=True)

    async def close(self) -> None:
        if self._moves:
            await asyncio.wait(set(self._moves), timeout=5.0)
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
            try:
                if ticket is not None:
                    ticket.started = True
                    if ticket.on_slot is not None:
                        await ticket.on_slot()
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
            finally:
                if request is not None:
                    self.budget.answered(request)
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
