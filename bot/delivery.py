"""The delivery worker: sends due outbox rows through Telegram and records each result.

Errors are sorted by type (see docs/architecture.md): a ``BadRequest`` is never
retried although PTB makes it a ``NetworkError``; ``Forbidden`` marks the person
unreachable; ``RetryAfter`` waits as told; an ambiguous ``TimedOut`` (the request
may have reached Telegram) is recorded as *uncertain* and not resent, because a
nudge sent twice is worse than one the coordinator can see was perhaps lost; a
pool timeout never left this process and is retried.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
from telegram import Bot, InlineKeyboardMarkup, Message
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.clock import Clock
from bot.domain.model import OutboxItem, OutboxStatus
from storage.db import Database
from storage.repository import Repository

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
BASE_BACKOFF = timedelta(seconds=5)
MAX_BACKOFF = timedelta(minutes=30)


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    uncertain: int = 0
    unreachable: int = 0

    @property
    def handled(self) -> int:
        return self.sent + self.retried + self.failed + self.uncertain + self.unreachable


def backoff(attempt: int, rng: random.Random) -> timedelta:
    """Exponential backoff with full jitter, capped."""
    ceiling = min(MAX_BACKOFF, BASE_BACKOFF * (2 ** max(0, attempt - 1)))
    return timedelta(seconds=rng.uniform(0.5, 1.0) * ceiling.total_seconds())


class DeliveryWorker:
    def __init__(
        self,
        db: Database,
        bot: Bot,
        clock: Clock,
        *,
        batch_size: int = 50,
        lease: timedelta = timedelta(minutes=2),
        rng: random.Random | None = None,
    ) -> None:
        self.db = db
        self.bot = bot
        self.clock = clock
        self.batch_size = batch_size
        self.lease = lease
        self.rng = rng or random.Random()
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Deliver now instead of at the next interval (after a handler queued something)."""
        self._wake.set()

    async def run(self, interval: float) -> None:
        while True:
            try:
                await self.deliver_due()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("delivery round failed; trying again in %.0f s", interval)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=interval)
            self._wake.clear()

    async def deliver_due(self) -> DeliveryReport:
        """Sends everything that is due now, batch by batch."""
        report = DeliveryReport()
        while True:
            async with self.db.session() as session:
                items = await Repository(session).claim_due(
                    self.clock.now(), limit=self.batch_size, lease=self.lease
                )
            if not items:
                return report
            for item in items:
                await self._deliver(item, report)

    async def _deliver(self, item: OutboxItem, report: DeliveryReport) -> None:
        try:
            message = await self._send(item)
        except RetryAfter as error:
            wait = error.retry_after
            seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
            await self._retry(
                item, timedelta(seconds=seconds), "429 retry after", report, count=False
            )
        except Forbidden as error:
            async with self.db.session() as session:
                repo = Repository(session)
                await repo.outbox_give_up(item.id, status=OutboxStatus.FAILED, error=str(error))
                if item.person_id is not None:
                    await repo.mark_unreachable(item.person_id, self.clock.now())
            report.unreachable += 1
            log.info("outbox %s: recipient unreachable (%s)", item.id, type(error).__name__)
        except BadRequest as error:
            await self._give_up(item, OutboxStatus.FAILED, f"bad request: {error}")
            report.failed += 1
            log.warning("outbox %s: bad request, not retried: %s", item.id, error)
        except TimedOut as error:
            if isinstance(error.__cause__, httpx.PoolTimeout):
                await self._retry(item, backoff(item.attempts, self.rng), "pool timeout", report)
            else:
                await self._give_up(item, OutboxStatus.UNCERTAIN, "timed out; may have been sent")
                report.uncertain += 1
                log.warning("outbox %s: timed out, perhaps delivered; not resent", item.id)
        except NetworkError as error:
            await self._retry(item, backoff(item.attempts, self.rng), str(error), report)
        else:
            async with self.db.session() as session:
                await Repository(session).outbox_sent(
                    item.id, message_id=message.message_id, now=self.clock.now()
                )
            report.sent += 1

    async def _send(self, item: OutboxItem) -> Message:
        payload: dict[str, Any] = dict(item.payload)
        markup = payload.pop("reply_markup", None)
        return await self.bot.send_message(
            chat_id=item.chat_id,
            text=payload["text"],
            parse_mode=payload.get("parse_mode"),
            reply_markup=InlineKeyboardMarkup.de_json(markup, self.bot) if markup else None,
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
        async with self.db.session() as session:
            await Repository(session).outbox_retry(
                item.id, at=self.clock.now() + delay, error=error
            )
        report.retried += 1

    async def _give_up(self, item: OutboxItem, status: OutboxStatus, error: str) -> None:
        async with self.db.session() as session:
            await Repository(session).outbox_give_up(item.id, status=status, error=error)
