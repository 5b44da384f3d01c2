"""The rate limiter: budgets in memory and in the database, priorities, and 429s honoured."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from telegram.error import RetryAfter
from telegram.ext import ExtBot

from bot.domain.model import OutboxStatus, OutgoingMessage
from bot.runtime.clock import FixedClock
from bot.runtime.delivery import DeliveryWorker
from bot.runtime.ratelimit import (
    DatabaseBudget,
    Limits,
    MemoryBudget,
    Priority,
    Refusal,
    Scope,
    SendTicket,
    SharedRateLimiter,
    SlotRequest,
    window_start,
)
from bot.sim.emulator import BotApiEmulator
from storage.db import Database

BULK, REPLY = Priority.BULK, Priority.INTERACTIVE


class FakeTime:
    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


def private(chat: int, priority: Priority = BULK) -> SlotRequest:
    return SlotRequest.of(chat, priority)


# --------------------------------------------------------------------------- in memory


async def sent(budget: MemoryBudget | DatabaseBudget, request: SlotRequest) -> Refusal | None:
    """Takes a slot; when granted, the message is answered at once."""
    refusal = await budget.take(request)
    if refusal is None:
        budget.answered(request)
    return refusal


async def test_a_chat_gets_one_bot_message_per_interval() -> None:
    clock = FakeTime()
    budget = MemoryBudget(Limits(chat_interval=1.1, global_spacing=0.0), clock)
    assert await sent(budget, private(1)) is None
    refusal = await budget.take(private(1))
    assert refusal == Refusal(Scope.CHAT, pytest.approx(1.1))
    assert await sent(budget, private(2)) is None, "another chat is not held up"
    clock.now += 1.1
    assert await sent(budget, private(1)) is None


async def test_spacing_counts_from_the_answer() -> None:
    """Work between slot and send (the in-flight mark) and a slow trip must not shorten
    the gap Telegram sees: a message holds its place until it is answered."""
    clock = FakeTime()
    budget = MemoryBudget(Limits(chat_interval=1.1), clock)
    assert await budget.take(private(1)) is None
    clock.now += 1.5
    refusal = await budget.take(private(1))
    assert refusal is not None and refusal.scope is Scope.CHAT, "still on its way"
    budget.answered(private(1))
    clock.now += 0.8
    refusal = await budget.take(private(1))
    assert refusal == Refusal(Scope.CHAT, pytest.approx(0.3))


async def test_replies_are_paced_per_chat_too() -> None:
    """Four replies to one chat within a second once got two 429s: a reply goes at once
    only when its chat's second is free."""
    clock = FakeTime()
    budget = MemoryBudget(Limits(chat_interval=1.0), clock)
    assert await sent(budget, private(1, REPLY)) is None
    refusal = await budget.take(private(1, REPLY))
    assert refusal == Refusal(Scope.CHAT, pytest.approx(1.0))
    refusal = await budget.take(private(1, BULK))
    assert refusal == Refusal(Scope.CHAT, pytest.approx(1.0))
    clock.now += 1.0
    assert await sent(budget, private(1, REPLY)) is None


def busiest(moments: list[float], span: float) -> int:
    """The most moments inside any half-open window [t, t + span)."""
    ordered = sorted(moments)
    return max(
        (sum(1 for m in ordered[i:] if m < start + span) for i, start in enumerate(ordered)),
        default=0,
    )


async def test_the_overall_limit_has_no_burst_on_top() -> None:
    """A greedy sender asking every millisecond for three seconds: never more than the
    limit in any rolling window, and the limit is used, not undershot."""
    clock = FakeTime()
    limits = Limits(global_per_second=30, global_window=1.0, global_spacing=0.02)
    budget = MemoryBudget(limits, clock)
    granted: list[float] = []
    for step in range(3000):
        clock.now = 1000.0 + step / 1000
        while await sent(budget, private(10_000 + len(granted))) is None:
            granted.append(clock.now)
    assert busiest(granted, 1.0) == 30
    assert len(granted) == 90
    assert all(b - a > 0.0199 for a, b in itertools.pairwise(granted)), "never two at once"


async def test_the_overall_window_counts_from_the_answers() -> None:
    clock = FakeTime()
    budget = MemoryBudget(Limits(global_per_second=2, global_window=1.0), clock)
    assert await budget.take(private(1)) is None
    clock.now += 0.1
    assert await sent(budget, private(2)) is None
    clock.now += 0.3
    budget.answered(private(1))  # answered 0.4 s after its slot
    clock.now += 0.6
    # The second is answered at 0.1 s: its place is free at 1.1 s, the first's at 1.4 s.
    refusal = await budget.take(private(3))
    assert refusal == Refusal(Scope.GLOBAL, pytest.approx(0.1))
    clock.now += 0.1
    assert await sent(budget, private(3)) is None
    refusal = await budget.take(private(4))
    assert refusal == Refusal(Scope.GLOBAL, pytest.approx(0.3))


async def test_a_message_never_answered_stops_holding_its_place() -> None:
    """A send cancelled between slot and answer must not block its chat for ever."""
    clock = FakeTime()
    budget = MemoryBudget(Limits(chat_interval=1.0), clock)
    assert await budget.take(private(1)) is None
    clock.now += 29.0
    assert await budget.take(private(1)) is not None
    clock.now += 1.0
    assert await budget.take(private(1)) is None


async def test_a_group_gets_twenty_in_any_minute() -> None:
    clock = FakeTime()
    limits = Limits(chat_interval=0.0001, group_per_minute=20, group_window=60.0)
    budget = MemoryBudget(limits, clock)
    group = SlotRequest.of(-100, BULK)
    assert group.group
    for _ in range(20):
        assert await sent(budget, group) is None
        clock.now += 0.02
    refusal = await budget.take(group)
    assert refusal is not None and refusal.scope is Scope.CHAT
    assert refusal.delay == pytest.approx(59.6)


# --------------------------------------------------------------------------- in the database


class Wall:
    """A settable wall clock for the database budget."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment

    def seconds(self) -> float:
        """The same clock as the budget's local one (monotonic seconds)."""
        return (self.moment - BASE).total_seconds()

    def at(self, seconds: float) -> None:
        self.moment = BASE + timedelta(seconds=seconds)


BASE = datetime(2026, 3, 3, 9, 0, 0, tzinfo=UTC)


@pytest.fixture
async def second_database(database_url: str, database: Database) -> AsyncIterator[Database]:
    """Another engine on the same database: what a second bot instance would have."""
    other = Database(database_url)
    try:
        yield other
    finally:
        await other.dispose()


def test_windows_are_keyed_by_their_exact_start() -> None:
    moment = BASE + timedelta(seconds=7, microseconds=345_678)
    assert window_start(moment, timedelta(milliseconds=200)) == BASE + timedelta(seconds=7.2)
    assert window_start(moment, timedelta(seconds=15)) == BASE
    assert window_start(moment, timedelta(seconds=1)) == BASE + timedelta(seconds=7)


async def test_the_chat_budget_is_shared_between_two_instances(
    database: Database, second_database: Database
) -> None:
    wall = Wall(BASE)
    limits = Limits(global_spacing=0.0)
    first = DatabaseBudget(database, limits, wall=wall, local_clock=wall.seconds)
    second = DatabaseBudget(second_database, limits, wall=wall, local_clock=wall.seconds)
    wall.at(0.1)
    assert await sent(first, private(7)) is None
    wall.at(0.5)
    refused = await second.take(private(7))
    assert refused is not None and refused.scope is Scope.CHAT
    assert refused.delay == pytest.approx(0.7)  # 1.1 s after the first
    wall.at(1.2)
    assert await sent(second, private(7)) is None
    assert await sent(first, private(8)) is None, "other chats are free"


async def test_the_overall_budget_is_a_rolling_window_shared_by_instances(
    database: Database, second_database: Database
) -> None:
    """No burst at a window's edge: 30 from 0.9 s leave no room until a window (with its
    margin) after the first (fixed windows once let 30 more through at 1.0 s), and two
    never go at once."""
    wall = Wall(BASE)
    limits = Limits(global_window=1.0, shared_margin=0.05, global_spacing=0.01)
    budgets = [
        DatabaseBudget(database, limits, wall=wall, local_clock=wall.seconds),
        DatabaseBudget(second_database, limits, wall=wall, local_clock=wall.seconds),
    ]
    wall.at(0.9)
    assert await sent(budgets[1], private(99)) is None
    refused = await budgets[0].take(private(100))
    assert refused == Refusal(Scope.GLOBAL, pytest.approx(0.01))
    for chat in range(29):
        wall.at(0.91 + chat * 0.01)
        assert await sent(budgets[chat % 2], private(100 + chat)) is None
    wall.at(1.5)
    refused = await budgets[0].take(private(200))
    assert refused is not None and refused.scope is Scope.GLOBAL
    assert refused.delay == pytest.approx(0.45)
    wall.at(1.94)
    assert await budgets[1].take(private(201)) is not None
    # The refused requests took nothing: their chats are free once the window is.
    wall.at(1.95)
    assert await sent(budgets[1], private(200)) is None
    wall.at(1.97)
    assert await sent(budgets[0], private(201)) is None


async def test_replies_are_paced_in_the_shared_chat_budget(database: Database) -> None:
    wall = Wall(BASE)
    budget = DatabaseBudget(database, wall=wall, local_clock=wall.seconds)
    wall.at(0.3)
    assert await sent(budget, private(9, REPLY)) is None
    refused = await budget.take(private(9, REPLY))
    assert refused is not None and refused.scope is Scope.CHAT
    assert await budget.take(private(9, BULK)) is not None
    wall.at(1.41)
    assert await sent(budget, private(9, BULK)) is None


async def test_a_group_gets_twenty_in_any_minute_across_instances(
    database: Database, second_database: Database
) -> None:
    wall = Wall(BASE)
    limits = Limits(chat_interval=0.001)
    budgets = [
        DatabaseBudget(database, limits, wall=wall, local_clock=wall.seconds),
        DatabaseBudget(second_database, limits, wall=wall, local_clock=wall.seconds),
    ]
    group = SlotRequest.of(-100, BULK)
    for n in range(20):
        wall.at(n * 0.5)
        assert await sent(budgets[n % 2], group) is None
    wall.at(30.0)
    refused = await budgets[0].take(group)
    assert refused is not None and refused.scope is Scope.CHAT
    assert refused.delay == pytest.approx(31.0)  # the first leaves its 61 s window


async def test_old_windows_are_forgotten(database: Database) -> None:
    wall = Wall(BASE)
    budget = DatabaseBudget(database, wall=wall, local_clock=wall.seconds)
    budget.CLEANUP_EVERY = 0.0
    assert await sent(budget, private(1)) is None
    await budget.close()  # waits for the clean-up the first take started
    wall.moment = BASE + timedelta(hours=1)
    assert await sent(budget, private(2)) is None  # starts a clean-up in the background
    await budget.close()
    async with database.unit() as uow:
        # Only the last minutes are left: the new message's rows for chat 2 and overall.
        assert await uow.send_budget.forget_send_windows(BASE + timedelta(hours=2)) == 2


# --------------------------------------------------------------------------- the limiter


def limited_bot(emulator: BotApiEmulator, limiter: SharedRateLimiter) -> ExtBot[SendTicket]:
    return ExtBot(emulator.token, base_url=emulator.base_url, rate_limiter=limiter)


async def test_a_reply_waits_out_retry_after_and_is_sent(emulator: BotApiEmulator) -> None:
    limiter = SharedRateLimiter(MemoryBudget())
    emulator.fail_next("sendMessage", status=429, description="Too Many Requests", retry_after=1)
    async with limited_bot(emulator, limiter) as bot:
        await bot.send_message(1001, "hello")
    first, second = emulator.calls("sendMessage")
    assert (first.status, second.status) == (429, 200)
    assert second.time - first.time >= 1.0, "retry_after was honoured"
    assert limiter.stats.retry_after == 1


async def test_a_429_pauses_everyone_and_bot_messages_get_it_back(
    emulator: BotApiEmulator,
) -> None:
    limiter = SharedRateLimiter(MemoryBudget())
    emulator.fail_next("sendMessage", status=429, description="Too Many Requests", retry_after=1)
    async with limited_bot(emulator, limiter) as bot:
        with pytest.raises(RetryAfter):
            await bot.send_message(1001, "nudge", rate_limit_args=SendTicket(BULK))
        await bot.send_message(1002, "a reply after the pause")
    refused, reply = emulator.calls("sendMessage")
    assert reply.time - refused.time >= 1.0


async def test_the_worker_reschedules_a_429_by_retry_after(
    sqlite_database: Database, emulator: BotApiEmulator, clock: FixedClock
) -> None:
    async with sqlite_database.unit() as uow:
        await uow.outbox.enqueue(
            [OutgoingMessage(idempotency_key="busy", chat_id=1001, text="hi")], clock.now()
        )
    emulator.fail_next("sendMessage", status=429, description="Too Many Requests", retry_after=17)
    async with limited_bot(emulator, SharedRateLimiter(MemoryBudget())) as bot:
        report = await DeliveryWorker(sqlite_database, bot, clock).deliver_due()
    assert report.retried == 1
    async with sqlite_database.unit() as uow:
        [row] = await uow.outbox.outbox_items()
    assert row.status is OutboxStatus.PENDING
    assert row.not_before == clock.now() + timedelta(seconds=17)


async def test_replies_and_button_answers_go_before_a_wave(emulator: BotApiEmulator) -> None:
    """A wave of 40 nudges is queued at 20/s; a reply and a callback answer do not wait
    behind it (asserted on order, not time)."""
    limiter = SharedRateLimiter(MemoryBudget(Limits(global_per_second=1, global_window=0.05)))
    person = emulator.user(5000, "Kari")
    async with limited_bot(emulator, limiter) as bot:
        wave = [
            asyncio.create_task(
                bot.send_message(6000 + n, f"nudge {n}", rate_limit_args=SendTicket(BULK))
            )
            for n in range(40)
        ]
        await emulator.wait_for(
            lambda: len(emulator.calls("sendMessage")) >= 3, 5, "the wave to start"
        )
        emulator.inject_update(
            {"callback_query": {"id": "77", "from": person.user_json(), "chat_instance": "c"}}
        )
        await bot.answer_callback_query("77")
        answered_after = len(emulator.calls("sendMessage"))
        await bot.send_message(person.id, "your answer")
        await asyncio.gather(*wave)
    texts = [call.params["text"] for call in emulator.calls("sendMessage")]
    assert answered_after <= 5
    assert texts.index("your answer") <= answered_after + 1


async def test_bot_messages_to_one_chat_never_break_the_limits(emulator: BotApiEmulator) -> None:
    """Against an emulator that answers 429 as Telegram does: none comes back."""
    emulator.set_chat_rate_limits(enabled=True)
    limiter = SharedRateLimiter(MemoryBudget())
    async with limited_bot(emulator, limiter) as bot:
        sends = [
            bot.send_message(chat, f"m{n}", rate_limit_args=SendTicket(BULK))
            for n in range(3)
            for chat in (7001, 7002, 7003)
        ]
        await asyncio.gather(*sends)
    assert emulator.too_many_requests == 0
    times = [c.time for c in emulator.calls("sendMessage") if c.params["chat_id"] == 7001]
    assert all(later - earlier >= 1.0 for earlier, later in itertools.pairwise(times))


async def test_a_wave_and_a_burst_of_replies_never_break_a_strict_emulator(
    emulator: BotApiEmulator,
) -> None:
    """A wave once got 429s from an emulator counting 30 in any rolling second (the
    limiter let a burst through on top), and four replies to one chat got two."""
    emulator.set_chat_rate_limits(enabled=True)
    limiter = SharedRateLimiter(MemoryBudget())
    async with limited_bot(emulator, limiter) as bot:
        wave = [
            bot.send_message(8000 + n % 45, f"nudge {n}", rate_limit_args=SendTicket(BULK))
            for n in range(90)
        ]
        replies = [bot.send_message(5000, f"reply {n}") for n in range(4)]
        await asyncio.gather(*wave, *replies)
    assert emulator.too_many_requests == 0
    assert emulator.busiest_second() <= 30
    assert len(emulator.calls("sendMessage")) == 94


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_two_instances_share_one_chat_budget_on_postgres(
    database: Database, second_database: Database, emulator: BotApiEmulator
) -> None:
    emulator.set_chat_rate_limits(enabled=True)
    limiters = [
        SharedRateLimiter(DatabaseBudget(database)),
        SharedRateLimiter(DatabaseBudget(second_database)),
    ]
    async with (
        limited_bot(emulator, limiters[0]) as one,
        limited_bot(emulator, limiters[1]) as two,
    ):
        await asyncio.gather(
            one.send_message(7001, "from one", rate_limit_args=SendTicket(BULK)),
            two.send_message(7001, "from two", rate_limit_args=SendTicket(BULK)),
        )
    assert emulator.too_many_requests == 0
    first, second = emulator.calls("sendMessage")
    assert second.time - first.time >= 1.0


async def test_shutdown_with_requests_waiting_ends(emulator: BotApiEmulator) -> None:
    """A 429 fails one of many queued sends; closing the bot then must not hang (a
    cancellation swallowed by asyncio.wait_for once kept the dispatcher alive)."""
    emulator.set_chat_rate_limits(enabled=True)
    emulator.fail_next("sendMessage", status=429, description="Too Many Requests", retry_after=1)
    limiter = SharedRateLimiter(MemoryBudget())
    async with asyncio.timeout(15):
        async with limited_bot(emulator, limiter) as bot:
            sends = [
                bot.send_message(chat, "m", rate_limit_args=SendTicket(BULK))
                for _ in range(3)
                for chat in (7001, 7002, 7003)
            ]
            with pytest.raises(RetryAfter):
                await asyncio.gather(*sends)
    assert limiter._dispatcher is None


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_every_instance_counts_a_message_from_its_answer(
    database: Database, second_database: Database
) -> None:
    """Two instances once got 429s from a strict emulator: the shared rows counted a
    message from its slot, and a trip slower than the margin let the other instance
    fill the second the message arrived in. Once answered, it counts from the answer."""
    start = datetime(2026, 3, 3, 9, tzinfo=UTC)
    now = [start]
    limits = Limits(global_per_second=1, global_window=1.0, shared_margin=0.05, global_spacing=0.0)
    one = DatabaseBudget(database, limits, wall=lambda: now[0])
    two = DatabaseBudget(second_database, limits, wall=lambda: now[0])
    request = SlotRequest(chat=None, group=False, priority=Priority.BULK)
    assert await one.take(request) is None
    now[0] = start + timedelta(milliseconds=500)  # a slow trip
    one.answered(request)
    await one.close()  # the row has moved
    now[0] = start + timedelta(milliseconds=1200)  # past the slot's second, not the answer's
    refused = await two.take(request)
    assert refused is not None and refused.scope is Scope.GLOBAL
    now[0] = start + timedelta(milliseconds=1600)
    assert await two.take(request) is None
    await two.close()
