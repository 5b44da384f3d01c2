"""The delivery worker under faults: a stop mid-wave, a crash mid-wave, a send in flight,
dropped connections. Nothing is lost, nothing is sent twice (beyond the documented
ambiguous case: a send that may have reached Telegram is marked uncertain, not resent)."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta
from typing import Any

import httpx
import pytest
from telegram import Bot, Message
from telegram.error import NetworkError, TimedOut
from telegram.ext import ExtBot

from bot.domain.model import OutboxItem, OutboxStatus, OutgoingMessage
from bot.runtime.clock import FixedClock
from bot.runtime.delivery import DeliveryWorker
from bot.runtime.ratelimit import MemoryBudget, SendTicket, SharedRateLimiter
from bot.sim.emulator import BotApiEmulator
from storage.db import Database


def limited_bot(emulator: BotApiEmulator) -> ExtBot[SendTicket]:
    limiter = SharedRateLimiter(MemoryBudget())
    return ExtBot(emulator.token, base_url=emulator.base_url, rate_limiter=limiter)


async def queue_wave(db: Database, clock: FixedClock, chats: range, per_chat: int) -> list[str]:
    keys = [f"wave:{chat}:{n}" for chat in chats for n in range(per_chat)]
    async with db.unit() as uow:
        await uow.outbox.enqueue(
            [
                OutgoingMessage(idempotency_key=key, chat_id=int(key.split(":")[1]), text=key)
                for key in keys
            ],
            clock.now(),
        )
    return keys


async def rows(db: Database) -> dict[str, OutboxItem]:
    async with db.unit() as uow:
        return {item.idempotency_key: item for item in await uow.outbox.outbox_items()}


def delivered(emulator: BotApiEmulator) -> Counter[str]:
    return Counter(
        str(call.params["text"]) for call in emulator.calls("sendMessage") if call.status == 200
    )


async def test_stop_releases_claimed_rows_that_were_not_sent(
    database: Database, emulator: BotApiEmulator, clock: FixedClock
) -> None:
    """Five messages to one person go out a second apart; a stop after the first hands the
    rest back (pending, attempt not counted), and the next worker sends each once."""
    keys = await queue_wave(database, clock, range(1001, 1002), 5)
    async with limited_bot(emulator) as bot:
        worker = DeliveryWorker(database, bot, clock)
        running = asyncio.create_task(worker.run(interval=60))
        await emulator.wait_for(lambda: len(delivered(emulator)) >= 1, 10, "the first send")
        worker.stop()
        await asyncio.wait_for(running, 10)
        after_stop = await rows(database)
        sent = [k for k in keys if after_stop[k].status is OutboxStatus.SENT]
        waiting = [after_stop[k] for k in keys if k not in sent]
        assert 1 <= len(sent) < 5
        assert all(item.status is OutboxStatus.PENDING for item in waiting)
        assert all(item.attempts == 0 for item in waiting), "a release is not an attempt"

        report = await DeliveryWorker(database, bot, clock).deliver_due()
    assert report.sent == len(waiting)
    assert delivered(emulator) == Counter(keys), "every message exactly once"
    assert [m.text for m in emulator.sent_messages(1001)] == keys, "in order"


async def test_a_crashed_worker_is_resumed_after_its_lease(
    database: Database, emulator: BotApiEmulator, clock: FixedClock
) -> None:
    """The worker task is killed mid-wave without releasing anything (as kill -9 would
    leave it); once the leases have run out a new worker finishes the wave."""
    keys = await queue_wave(database, clock, range(2001, 2013), 2)
    async with limited_bot(emulator) as bot:
        crashed = DeliveryWorker(database, bot, clock, batch_size=10)

        async def nothing_released(ids: Any) -> int:
            return 0

        crashed._release = nothing_released  # type: ignore[method-assign]
        task = asyncio.create_task(crashed.run(interval=60))
        await emulator.wait_for(lambda: len(delivered(emulator)) >= 6, 10, "part of the wave")
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert len(delivered(emulator)) < len(keys)

        successor = DeliveryWorker(database, bot, clock)
        await successor.deliver_due()  # what the crashed worker had not claimed
        held = [i for i in (await rows(database)).values() if i.status is OutboxStatus.SENDING]
        clock.advance(crashed.lease + timedelta(seconds=1))
        resumed = await successor.deliver_due()
    assert resumed.sent == len(held)
    final = await rows(database)
    assert delivered(emulator) == Counter(keys), "nothing lost, nothing doubled"
    assert {item.status for item in final.values()} == {OutboxStatus.SENT}


async def test_a_send_in_flight_is_marked_uncertain_until_its_answer(
    database: Database, emulator: BotApiEmulator, clock: FixedClock
) -> None:
    """While the request is out, the row says so: a worker dying now leaves it uncertain,
    and no other worker takes it even after the lease."""
    [key] = await queue_wave(database, clock, range(3001, 3002), 1)
    emulator.fail_next("sendMessage", status=200, delay=1.0)  # Telegram is slow to answer
    async with limited_bot(emulator) as bot:
        worker = DeliveryWorker(database, bot, clock)
        sending = asyncio.create_task(worker.deliver_due())
        await emulator.wait_for(lambda: bool(emulator.calls("sendMessage")), 5, "the send")
        in_flight = (await rows(database))[key]
        assert in_flight.status is OutboxStatus.UNCERTAIN
        async with database.unit() as uow:
            later = clock.now() + timedelta(hours=1)
            assert await uow.outbox.claim_due(later, limit=10, lease=worker.lease) == []
        report = await sending
    assert report.sent == 1
    assert (await rows(database))[key].status is OutboxStatus.SENT
    assert delivered(emulator) == Counter([key])


class FailingBot(Bot):
    """A bot whose sends fail as the network can: `cause` is the httpx error underneath."""

    def __init__(self, error: Exception) -> None:
        super().__init__("123456:FAKE-TOKEN-FOR-TESTS")
        self._error = error

    async def send_message(self, *args: Any, **kwargs: Any) -> Message:  # type: ignore[override]
        raise self._error


def raised_from(error: Exception, cause: Exception) -> Exception:
    error.__cause__ = cause
    return error


@pytest.mark.parametrize(
    ("error", "status"),
    [
        # The connection dropped after the request was written: maybe delivered.
        (
            raised_from(
                NetworkError("httpx.RemoteProtocolError: Server disconnected"),
                httpx.RemoteProtocolError("Server disconnected without sending a response."),
            ),
            OutboxStatus.UNCERTAIN,
        ),
        (raised_from(TimedOut(), httpx.ReadTimeout("read")), OutboxStatus.UNCERTAIN),
        # Never on the wire: safe to send again later.
        (raised_from(TimedOut(), httpx.ConnectTimeout("connect")), OutboxStatus.PENDING),
        (
            raised_from(NetworkError("httpx.ConnectError: refused"), httpx.ConnectError("refused")),
            OutboxStatus.PENDING,
        ),
        (NetworkError("Bad Gateway"), OutboxStatus.PENDING),  # a 5xx answer
    ],
)
async def test_network_failures_are_sorted_by_whether_the_request_left(
    sqlite_database: Database, clock: FixedClock, error: Exception, status: OutboxStatus
) -> None:
    [key] = await queue_wave(sqlite_database, clock, range(4001, 4002), 1)
    await DeliveryWorker(sqlite_database, FailingBot(error), clock).deliver_due()
    row = (await rows(sqlite_database))[key]
    assert row.status is status
    if status is OutboxStatus.PENDING:
        assert row.not_before > clock.now(), "retried after a backoff"
