"""The delivery worker against the emulator: each kind of Telegram answer gets its treatment."""

from __future__ import annotations

import asyncio
import random
from datetime import date, timedelta

from telegram import Bot
from telegram.request import HTTPXRequest

from bot.domain.digest import Chart
from bot.domain.model import OutboxItem, OutboxStatus, OutgoingMessage
from bot.files import chart
from bot.runtime.clock import FixedClock
from bot.runtime.delivery import MAX_ATTEMPTS, DeliveryWorker
from bot.sim.emulator import BotApiEmulator
from storage.db import Database
from tests.support.databases import WORKDAY_MORNING


def bot_for(emulator: BotApiEmulator, **request: float | int) -> Bot:
    return Bot(
        emulator.token,
        base_url=emulator.base_url,
        request=HTTPXRequest(**request) if request else None,  # type: ignore[arg-type]
    )


async def queue(
    db: Database, clock: FixedClock, *keys: str, person_id: int | None = None, chat_id: int = 1001
) -> None:
    async with db.unit() as uow:
        await uow.outbox.enqueue(
            [
                OutgoingMessage(
                    idempotency_key=k, chat_id=chat_id, text=f"hello {k}", person_id=person_id
                )
                for k in keys
            ],
            clock.now(),
        )


async def items(db: Database) -> dict[str, OutboxItem]:
    async with db.unit() as uow:
        return {item.idempotency_key: item for item in await uow.outbox.outbox_items()}


async def test_due_rows_are_sent_once(
    sqlite_database: Database, emulator: BotApiEmulator, clock: FixedClock
) -> None:
    await queue(sqlite_database, clock, "a", "b")
    async with bot_for(emulator) as bot:
        worker = DeliveryWorker(sqlite_database, bot, clock)
        first = await worker.deliver_due()
        second = await worker.deliver_due()
    assert (first.sent, second.sent) == (2, 0)
    assert [m.text for m in emulator.sent_messages(1001)] == ["hello a", "hello b"]
    assert {i.status for i in (await items(sqlite_database)).values()} == {OutboxStatus.SENT}


async def test_blocked_person_becomes_unreachable_and_is_not_retried(
    database: Database, emulator: BotApiEmulator, clock: FixedClock
) -> None:
    async with database.unit() as uow:
        person = await uow.people.add_person(
            telegram_user_id=1001,
            first_name="Amina",
            last_name=None,
            telegram_language="nb",
            now=clock.now(),
        )
        # Someone who takes part: the outbox takes nothing for anyone else.
        await uow.people.update_person(person.id, consented_at=clock.now())
    await queue(database, clock, "nudge", person_id=person.id)
    emulator.block(1001)
    async with bot_for(emulator) as bot:
        report = await DeliveryWorker(database, bot, clock).deliver_due()
        clock.advance(timedelta(hours=2))
        again = await DeliveryWorker(database, bot, clock).deliver_due()
    assert report.unreachable == 1 and again.handled == 0
    assert (await items(database))["nudge"].status is OutboxStatus.FAILED
    async with database.unit() as uow:
        stored = await uow.people.person(person.id)
    assert stored is not None and stored.unreachable_since == WORKDAY_MORNING
    assert len(emulator.calls("sendMessage")) == 1


async def test_bad_request_is_never_retried(
    sqlite_database: Database, emulator: BotApiEmulator, clock: FixedClock
) -> None:
    await queue(sqlite_database, clock, "broken")
    emulator.fail_next("sendMessage", status=400, description="Bad Request: chat not found")
    async with bot_for(emulator) as bot:
        report = await DeliveryWorker(sqlite_database, bot, clock).deliver_due()
        clock.advance(timedelta(days=1))
        await DeliveryWorker(sqlite_database, bot, clock).deliver_due()
    assert report.failed == 1
    assert (await items(sqlite_database))["broken"].status is OutboxStatus.FAILED
    assert len(emulator.calls("sendMessage")) == 1


async def test_server_errors_back_off_then_give_up(
    sqlite_database: Database, emulator: BotApiEmulator, clock: FixedClock
) -> None:
    await queue(sqlite_database, clock, "flaky")
    emulator.fail_next("sendMessage", status=502, description="Bad Gateway", count=MAX_ATTEMPTS)
    async with bot_for(emulator) as bot:
        worker = DeliveryWorker(sqlite_database, bot, clock, rng=random.Random(1))
        first = await worker.deliver_due()
        assert first.retried == 1
        row = (await items(sqlite_database))["flaky"]
        assert row.status is OutboxStatus.PENDING and row.not_before > clock.now()
        # Nothing is due until the backoff has passed.
        assert (await worker.deliver_due()).handled == 0
        for _ in range(MAX_ATTEMPTS):
            clock.advance(timedelta(hours=1))
            await worker.deliver_due()
    assert (await items(sqlite_database))["flaky"].status is OutboxStatus.FAILED
    assert len(emulator.calls("sendMessage")) == MAX_ATTEMPTS


async def test_server_error_then_success(
    sqlite_database: Database, emulator: BotApiEmulator, clock: FixedClock
) -> None:
    await queue(sqlite_database, clock, "later")
    emulator.fail_next("sendMessage", status=500)
    async with bot_for(emulator) as bot:
        worker = DeliveryWorker(sqlite_database, bot, clock)
        await worker.deliver_due()
        clock.advance(timedelta(hours=1))
        report = await worker.deliver_due()
    assert report.sent == 1
    assert [m.text for m in emulator.sent_messages(1001)] == ["hello later"]


async def test_retry_after_is_honoured(
    sqlite_database: Database, emulator: BotApiEmulator, clock: FixedClock
) -> None:
    await queue(sqlite_database, clock, "busy")
    emulator.fail_next(
        "sendMessage", status=429, description="Too Many Requests: retry after 17", retry_after=17
    )
    async with bot_for(emulator) as bot:
        worker = DeliveryWorker(sqlite_database, bot, clock)
        await worker.deliver_due()
        row = (await items(sqlite_database))["busy"]
        assert row.status is OutboxStatus.PENDING
        assert row.not_before == clock.now() + timedelta(seconds=17)
        clock.advance(timedelta(seconds=16))
        assert (await worker.deliver_due()).handled == 0
        clock.advance(timedelta(seconds=1))
        assert (await worker.deliver_due()).sent == 1


async def test_a_timed_out_send_is_not_resent(
    sqlite_database: Database, emulator: BotApiEmulator, clock: FixedClock
) -> None:
    await queue(sqlite_database, clock, "maybe")
    # Telegram got it and answered too late: resending would send it twice.
    emulator.fail_next("sendMessage", status=200, delay=1.0)
    async with bot_for(emulator, read_timeout=0.2) as bot:
        worker = DeliveryWorker(sqlite_database, bot, clock)
        report = await worker.deliver_due()
        clock.advance(timedelta(days=1))
        # The late answer arrives: the message was sent once, and stays sent once.
        await emulator.wait_for(lambda: len(emulator.sent_messages(1001)) == 1, 10, "the send")
        await worker.deliver_due()
    assert report.uncertain == 1
    assert (await items(sqlite_database))["maybe"].status is OutboxStatus.UNCERTAIN
    assert len(emulator.sent_messages(1001)) == 1


async def test_a_pool_timeout_was_never_sent_and_is_retried(
    sqlite_database: Database, emulator: BotApiEmulator, clock: FixedClock
) -> None:
    await queue(sqlite_database, clock, "queued")
    emulator.fail_next("getChat", status=200, delay=1.0)
    async with bot_for(emulator, connection_pool_size=1, pool_timeout=0.05) as bot:
        hog = asyncio.create_task(bot.get_chat(1001))  # holds the only connection
        await emulator.wait_for(lambda: bool(emulator.calls("getChat")), 10, "the hog's call")
        report = await DeliveryWorker(sqlite_database, bot, clock).deliver_due()
        await hog
        assert report.retried == 1
        assert emulator.sent_messages(1001) == []
        clock.advance(timedelta(hours=1))
        assert (await DeliveryWorker(sqlite_database, bot, clock).deliver_due()).sent == 1


async def test_a_photo_row_is_drawn_and_sent_and_a_bad_one_is_not_retried(
    sqlite_database: Database, emulator: BotApiEmulator, clock: FixedClock
) -> None:
    weeks = tuple(date(2026, 1, 5) + timedelta(weeks=k) for k in range(12))
    data = chart.to_payload(Chart(weeks, (1,) * 12, (0.5,) * 12, (0, 1, 2, 3, 4)), "en", "T")
    async with sqlite_database.unit() as uow:
        await uow.outbox.enqueue(
            [
                OutgoingMessage(idempotency_key="p", chat_id=1001, text="caption", photo=data),
                OutgoingMessage(
                    idempotency_key="bad", chat_id=1002, text="x", photo={"kind": "unknown"}
                ),
            ],
            clock.now(),
        )
    async with bot_for(emulator) as bot:
        report = await DeliveryWorker(sqlite_database, bot, clock).deliver_due()
    assert (report.sent, report.failed, report.retried) == (1, 1, 0)
    [photo] = emulator.sent_messages(1001)
    assert (photo.kind, photo.caption) == ("photo", "caption")
    assert photo.file_id is not None
    assert emulator.file_bytes(photo.file_id) == chart.render_payload(data)
    assert emulator.sent_messages(1002) == []
    found = await items(sqlite_database)
    assert found["p"].status is OutboxStatus.SENT
    assert found["bad"].status is OutboxStatus.FAILED
