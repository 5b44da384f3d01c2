"""The delivery worker: sends due outbox rows through Telegram and records each result.

Errors are sorted by type (see docs/architecture.md): a ``BadRequest`` is never
retried although PTB makes it a ``NetworkError``; ``Forbidden`` marks the person
unreachable; ``RetryAfter`` waits as told; an ambiguous ``TimedOut`` (the request
may have reached Telegram) is recorded as *uncertain* and not resent, because a
nudge sent twice is worse than one the coordinator can see was perhaps lost; a
pool timeout never left this process and is retried.

The same ambiguity covers a connection that dropped after the request was written
(no answer: it may have been delivered) and a process that died while a send was in
flight. So a row is marked *uncertain* the moment its slot is granted, right before
the request goes out, and its outcome replaces that mark when the answer comes. A row
still *uncertain* after a crash is exactly one whose send had started: it is not resent.
Rows claimed but not yet started are released on a graceful stop, or claimed again when
their lease runs out after a crash.

Several sends run at once (they wait on the network and on the rate limiter, not on the
CPU), one lane per chat so that one person's messages keep their order.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from telegram import Bot, InlineKeyboardMarkup, Message
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import ExtBot

from bot.domain.model import OutboxItem, OutboxStatus
from bot.domain.withdrawal import TO_A_PARTY, about, withdrawal
from bot.files import chart
from bot.runtime.clock import Clock
from bot.runtime.ratelimit import (
    Priority,
    SendTicket,
    SharedRateLimiter,
    retry_after_seconds,
    wait_event,
)
from bot.texts.keyboards import fit_markup
from storage.db import Database
from storage.outbox import BLOCKED

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
BASE_BACKOFF = timedelta(seconds=5)
MAX_BACKOFF = timedelta(minutes=30)


# Failures that happen before the request is on the wire: it never reached Telegram.
_NEVER_SENT = (httpx.PoolTimeout, httpx.ConnectTimeout, httpx.ConnectError)
# Failures after the request was written: Telegram may have delivered it.
_MAYBE_SENT = (httpx.RemoteProtocolError, httpx.ReadError)


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    uncertain: int = 0
    unreachable: int = 0
    released: int = 0
    lost: int = 0  # leases that ran out and were taken by another worker: not sent here
    withdrawn: int = 0  # no longer true when their turn came: recorded, not sent

    @property
    def handled(self) -> int:
        return self.sent + self.retried + self.failed + self.uncertain + self.unreachable


def backoff(attempt: int, rng: random.Random) -> timedelta:
    """Exponential backoff with full jitter, capped."""
    ceiling = min(MAX_BACKOFF, BASE_BACKOFF * (2 ** max(0, attempt - 1)))
    return timedelta(seconds=rng.uniform(0.5, 1.0) * ceiling.total_seconds())


class LeaseLost(Exception):
    """The row's lease ran out and another worker claimed it: this one must not send."""


@dataclass
class _Claim:
    item: OutboxItem
    claimed_at: float  # event-loop time
    started: bool = False  # the send began: never release it


class DeliveryWorker:
    def __init__(
        self,
        db: Database,
        bot: Bot,
        clock: Clock,
        *,
        batch_size: int | None = None,
        lease: timedelta = timedelta(minutes=2),
        rng: random.Random | None = None,
        concurrency: int = 32,
    ) -> None:
        self.db = db
        self.bot = bot
        self.clock = clock
        self.concurrency = max(1, concurrency)
        # Claimed rows must outnumber the lanes, or lanes sit idle between claims while a
        # chat's next message waits its second.
        self.batch_size = batch_size or max(50, 3 * self.concurrency)
        self.lease = lease
        self.rng = rng or random.Random()
        self._wake = asyncio.Event()
        self._stopping = False
        self._stop_requested: asyncio.Event | None = None
        self._rounds = 0  # delivery rounds running now

    def wake(self) -> None:
        """Deliver now instead of at the next interval (after a handler queued something)."""
        self._wake.set()

    def stop(self) -> None:
        """Graceful stop: sends in flight finish, claimed rows not yet sent are released."""
        self._stopping = True
        if self._stop_requested is not None:
            self._stop_requested.set()
        self._wake.set()

    async def run(self, interval: float) -> None:
        while not self._stopping:
            try:
                await self.deliver_due()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("delivery round failed; trying again in %.0f s", interval)
            if self._stopping:
                break
            await wait_event(self._wake, interval)
            self._wake.clear()

    async def settled(self) -> None:
        """Waits until no delivery round is running (tests read results after)."""
        while self._rounds:  # noqa: ASYNC110 (rounds end on their own; polling is enough)
            await asyncio.sleep(0.01)

    async def deliver_due(self) -> DeliveryReport:
        """Sends everything that is due now; returns when nothing due is left (or on stop)."""
        self._rounds += 1
        try:
            return await self._deliver_round()
        finally:
            self._rounds -= 1

    async def _deliver_round(self) -> DeliveryReport:
        loop = asyncio.get_running_loop()
        if self._stop_requested is None:
            self._stop_requested = asyncio.Event()
            if self._stopping:
                self._stop_requested.set()
        report = DeliveryReport()
        lanes: dict[int, deque[_Claim]] = {}  # chat -> its claimed rows, in order
        ready: deque[int] = deque()  # chats with rows and no running lane
        running: dict[asyncio.Task[None], tuple[int, list[_Claim]]] = {}
        more_due = True
        try:
            while True:
                backlog = sum(len(q) for q in lanes.values()) + len(running)
                if more_due and not self._stopping and backlog <= self.batch_size // 2:
                    wanted = self.batch_size - backlog
                    items = await self._claim(wanted)
                    more_due = len(items) == wanted
                    items = await self._still_holding(items, report)
                    for item in items:
                        if item.chat_id not in lanes:
                            lanes[item.chat_id] = deque()
                            ready.append(item.chat_id)
                        lanes[item.chat_id].append(_Claim(item, loop.time()))
                while ready and len(running) < self.concurrency and not self._stopping:
                    chat = ready.popleft()
                    current: list[_Claim] = []
                    task = asyncio.create_task(self._lane(lanes[chat], current, report))
                    running[task] = (chat, current)
                if not running:
                    if self._stopping or not more_due:
                        return report
                    continue
                done = await self._next_done(running)
                if self._stopping:
                    self._cancel_waiting(running)
                for task in done:
                    chat, _current = running.pop(task)
                    if not task.cancelled() and task.exception() is not None:
                        log.error("delivery lane failed", exc_info=task.exception())
                    if lanes[chat]:
                        ready.append(chat)
                    else:
                        del lanes[chat]
        finally:
            # Stopping, or cancelled from outside: lanes in flight finish their send;
            # everything not started goes back to the queue for the next worker.
            if running:
                self._cancel_waiting(running)
                await asyncio.gather(*running, return_exceptions=True)
            unsent = [claim for queue in lanes.values() for claim in queue if not claim.started]
            if unsent:
                report.released += await self._release(unsent)

    async def _next_done(
        self, running: dict[asyncio.Task[None], tuple[int, list[_Claim]]]
    ) -> set[asyncio.Task[None]]:
        """Lanes that finished; returns early (maybe with none) when a stop is requested."""
        assert self._stop_requested is not None
        if self._stopping:
            done, _pending = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            return done
        stop_wait = asyncio.ensure_future(self._stop_requested.wait())
        try:
            await asyncio.wait([*running, stop_wait], return_when=asyncio.FIRST_COMPLETED)
        finally:
            stop_wait.cancel()
        return {task for task in running if task.done()}

    def _cancel_waiting(self, running: dict[asyncio.Task[None], tuple[int, list[_Claim]]]) -> None:
        """Cancels lanes whose current row has not started to send (it waits for a slot)."""
        for task, (_chat, current) in running.items():
            if not task.done() and not any(claim.started for claim in current):
                task.cancel()

    async def _lane(
        self, queue: deque[_Claim], current: list[_Claim], report: DeliveryReport
    ) -> None:
        """Sends one chat's rows in order. `current` shows the row being sent."""
        stale_after = self.lease.total_seconds() / 2
        loop = asyncio.get_running_loop()
        while queue and not self._stopping:
            claim = queue.popleft()
            if loop.time() - claim.claimed_at > stale_after:
                # Its lease may run out before a slot comes; another worker may take it.
                report.released += await self._release([claim])
                continue
            current[:] = [claim]
            try:
                await self._deliver(claim, report)
            except asyncio.CancelledError:
                if not claim.started:
                    queue.appendleft(claim)  # released by deliver_due
                raise
            except Exception:
                # Not a Telegram answer (the database, most likely). The row keeps its
                # lease (claimed again later) or its in-flight mark (not resent).
                log.exception("outbox %s: could not be handled", claim.item.id)
            finally:
                current.clear()

    async def _claim(self, limit: int) -> list[OutboxItem]:
        async with self.db.unit() as uow:
            return await uow.outbox.claim_due(self.clock.now(), limit=limit, lease=self.lease)

    async def _still_holding(
        self, items: list[OutboxItem], report: DeliveryReport
    ) -> list[OutboxItem]:
        """The claimed messages that still hold now; the others are recorded as withdrawn
        with their reason (one read for the whole batch, see bot/domain/withdrawal.py)."""
        if not items:
            return items
        now = self.clock.now()
        queued = {item.id: about(item.kind, item.idempotency_key, item.person_id) for item in items}
        concerned = [q for q in queued.values() if q.kind in TO_A_PARTY]
        if not concerned:
            return items
        async with self.db.unit() as uow:
            pairs, plan_pairs = await uow.meetings.pairs_now(
                {q.pair_id for q in concerned if q.pair_id is not None},
                {q.planned_id for q in concerned if q.planned_id is not None},
                since=(now - timedelta(days=2)).date(),
            )
            keep: list[OutboxItem] = []
            withdrawn: list[tuple[OutboxItem, str]] = []
            for item in items:
                message = queued[item.id]
                pair_id = message.pair_id
                if pair_id is None and message.planned_id is not None:
                    pair_id = plan_pairs.get(message.planned_id)
                why = withdrawal(message, pairs.get(pair_id) if pair_id else None, now)
                if why is None:
                    keep.append(item)
                else:
                    withdrawn.append((item, why.value))
            if withdrawn:
                report.withdrawn += await uow.outbox.outbox_withdraw(withdrawn)
        for item, reason in withdrawn:
            log.info(
                "outbox %s: withdrawn, no longer holds (%s)",
                item.id,
                reason,
                extra={"outbox_id": item.id},
            )
        return keep

    async def _release(self, claims: Iterable[_Claim]) -> int:
        # Claimed together, rows share the lease's end: one statement per claim batch.
        batches: dict[datetime | None, list[int]] = {}
        for claim in claims:
            batches.setdefault(claim.item.lease_until, []).append(claim.item.id)
        try:
            async with self.db.unit() as uow:
                released = 0
                for lease_until, ids in batches.items():
                    released += await uow.outbox.release_claims(ids, lease_until=lease_until)
                return released
        except Exception:
            log.warning("could not release claimed rows; their lease will run out", exc_info=True)
            return 0

    async def _mark_in_flight(self, claim: _Claim) -> None:
        claim.started = True
        async with self.db.unit() as uow:
            mine = await uow.outbox.outbox_start(claim.item.id, lease_until=claim.item.lease_until)
        if not mine:
            raise LeaseLost(claim.item.id)

    async def _deliver(self, claim: _Claim, report: DeliveryReport) -> None:
        item = claim.item
        try:
            message = await self._send(claim)
        except LeaseLost:
            report.lost += 1
            log.info(
                "outbox %s: lease ran out and another worker took it; not sent here",
                item.id,
                extra={"outbox_id": item.id},
            )
        except RetryAfter as error:
            seconds = retry_after_seconds(error)
            await self._retry(
                item, timedelta(seconds=seconds), "429 retry after", report, count=False
            )
        except Forbidden as error:
            async with self.db.unit() as uow:
                await uow.outbox.outbox_give_up(
                    item.id, status=OutboxStatus.FAILED, error=f"{BLOCKED}{error}"
                )
                if item.person_id is not None:
                    await uow.people.mark_unreachable(item.person_id, self.clock.now())
            report.unreachable += 1
            log.info(
                "outbox %s: recipient unreachable (%s)",
                item.id,
                type(error).__name__,
                extra={"outbox_id": item.id},
            )
        except BadRequest as error:
            await self._give_up(item, OutboxStatus.FAILED, f"bad request: {error}")
            report.failed += 1
            log.warning(
                "outbox %s: bad request, not retried: %s",
                item.id,
                error,
                extra={"outbox_id": item.id},
            )
        except TimedOut as error:
            if isinstance(error.__cause__, _NEVER_SENT):
                await self._retry(item, backoff(item.attempts, self.rng), str(error), report)
            else:
                await self._uncertain(item, "timed out; may have been sent", report)
        except NetworkError as error:
            if isinstance(error.__cause__, _MAYBE_SENT):
                await self._uncertain(item, f"connection lost; may have been sent: {error}", report)
            else:
                await self._retry(item, backoff(item.attempts, self.rng), str(error), report)
        else:
            async with self.db.unit() as uow:
                await uow.outbox.outbox_sent(
                    item.id, message_id=message.message_id, now=self.clock.now()
                )
            report.sent += 1

    async def _send(self, claim: _Claim) -> Message:
        item = claim.item
        payload: dict[str, Any] = dict(item.payload)
        markup = payload.pop("reply_markup", None)
        if "edit_ref" in payload:
            return await self._edit(item, payload, markup)
        if "photo" in payload:
            return await self._send_photo(claim, payload, markup)
        arguments: dict[str, Any] = {
            "chat_id": item.chat_id,
            "text": payload["text"],
            "parse_mode": payload.get("parse_mode"),
            "reply_markup": self._keyboard(markup),
        }
        if isinstance(self.bot, ExtBot) and isinstance(self.bot.rate_limiter, SharedRateLimiter):
            # The limiter marks the row in flight once the slot is granted, so the time
            # spent waiting for a slot is not part of the ambiguous window.
            ticket = SendTicket(Priority.BULK, on_slot=lambda: self._mark_in_flight(claim))
            return await self.bot.send_message(**arguments, rate_limit_args=ticket)
        await self._mark_in_flight(claim)
        return await self.bot.send_message(**arguments)

    def _keyboard(self, markup: dict[str, Any] | None) -> InlineKeyboardMarkup | None:
        """The row's keyboard, laid out by the one rule for keyboards (`bot.texts.keyboards`)."""
        return InlineKeyboardMarkup.de_json(fit_markup(markup), self.bot) if markup else None

    async def _send_photo(self, claim: _Claim, payload: dict[str, Any], markup: Any) -> Message:
        """A photo drawn from the row's data just before it is sent (see bot/files/chart.py),
        with the row's text as its caption."""
        item = claim.item
        try:
            # Drawing takes a few hundred milliseconds of CPU: off the event loop.
            picture = await asyncio.to_thread(chart.render_payload, payload["photo"])
        except (KeyError, TypeError, ValueError) as error:
            raise BadRequest(f"cannot draw the photo: {error}") from error
        arguments: dict[str, Any] = {
            "chat_id": item.chat_id,
            "photo": picture,
            "caption": payload.get("text") or None,
            "reply_markup": self._keyboard(markup),
        }
        if isinstance(self.bot, ExtBot) and isinstance(self.bot.rate_limiter, SharedRateLimiter):
            ticket = SendTicket(Priority.BULK, on_slot=lambda: self._mark_in_flight(claim))
            return await self.bot.send_photo(**arguments, rate_limit_args=ticket)
        await self._mark_in_flight(claim)
        return await self.bot.send_photo(**arguments)

    async def _edit(self, item: OutboxItem, payload: dict[str, Any], markup: Any) -> Message:
        """Edits every message already sent to this chat with the row's ref (an alert that
        changed state). Edits are idempotent, so a repeat does no harm."""
        async with self.db.unit() as uow:
            targets = [
                message_id
                for chat_id, message_id in await uow.outbox.sent_with_ref(payload["edit_ref"])
                if chat_id == item.chat_id
            ]
        if not targets:
            # The post itself has not gone out yet: try again after it has.
            raise NetworkError("the message to edit has not been sent yet")
        edited: Message | None = None
        for message_id in targets:
            try:
                result = await self.bot.edit_message_text(
                    chat_id=item.chat_id,
                    message_id=message_id,
                    text=payload["text"],
                    reply_markup=self._keyboard(markup),
                )
            except BadRequest as error:
                if "not modified" not in str(error).lower():
                    raise
                continue
            if isinstance(result, Message):
                edited = result
        if edited is None:
            raise BadRequest("nothing to edit")
        return edited

    async def _uncertain(self, item: OutboxItem, error: str, report: DeliveryReport) -> None:
        await self._give_up(item, OutboxStatus.UNCERTAIN, error)
        report.uncertain += 1
        log.warning(
            "outbox %s: %s; not resent", item.id, error.split(":")[0], extra={"outbox_id": item.id}
        )

    async def _retry(
        self,
        item: OutboxItem,
        delay: timedelta,
        error: str,
        report: DeliveryReport,
        *,
        count: bool = True,
    ) -> None:
        if count and item.attempts >= MAX_ATTEMPTS:
            await self._give_up(
                item, OutboxStatus.FAILED, f"gave up after {item.attempts}: {error}"
            )
            report.failed += 1
            return
        async with self.db.unit() as uow:
            await uow.outbox.outbox_retry(item.id, at=self.clock.now() + delay, error=error)
        report.retried += 1

    async def _give_up(self, item: OutboxItem, status: OutboxStatus, error: str) -> None:
        async with self.db.unit() as uow:
            await uow.outbox.outbox_give_up(item.id, status=status, error=error)
