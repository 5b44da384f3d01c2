"""The update processor: different senders side by side, one sender's updates in order."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from telegram import Chat, Message, Update, User

from bot.runtime.updates import PerSenderUpdateProcessor, sender_key


def update_from(user_id: int, update_id: int) -> Update:
    user = User(id=user_id, first_name="Ada", is_bot=False)
    message = Message(
        message_id=update_id,
        date=datetime(2026, 3, 3, tzinfo=UTC),
        chat=Chat(id=user_id, type=Chat.PRIVATE),
        from_user=user,
        text="hei",
    )
    return Update(update_id=update_id, message=message)


def test_the_sender_is_the_key() -> None:
    assert sender_key(update_from(7, 1)) == 7
    assert sender_key(object()) is None


async def test_one_senders_updates_run_in_order_and_others_run_alongside() -> None:
    processor = PerSenderUpdateProcessor(8)
    events: list[str] = []
    release_first = asyncio.Event()

    async def handle(name: str, wait: asyncio.Event | None = None) -> None:
        events.append(f"start {name}")
        if wait is not None:
            await wait.wait()
        events.append(f"end {name}")

    first = asyncio.create_task(
        processor.process_update(update_from(1, 1), handle("a1", release_first))
    )
    await asyncio.sleep(0)
    second = asyncio.create_task(processor.process_update(update_from(1, 2), handle("a2")))
    other = asyncio.create_task(processor.process_update(update_from(2, 3), handle("b1")))
    await other
    # The other sender finished while the first sender's first update was still waiting,
    # and the first sender's second update had not started.
    assert events == ["start a1", "start b1", "end b1"]
    release_first.set()
    await asyncio.gather(first, second)
    assert events[3:] == ["end a1", "start a2", "end a2"]
    assert processor.pending() == 0
