"""Blocking the bot makes a person unreachable at once; writing again makes them reachable."""

from __future__ import annotations

from datetime import datetime

from tests.support.harness import Harness


async def unreachable_since(harness: Harness, telegram_id: int) -> datetime | None:
    actor = await harness.services.actor(telegram_id)
    assert actor is not None
    return actor.person.unreachable_since


async def test_blocking_the_bot_marks_the_person_unreachable_until_they_write(
    harness: Harness,
) -> None:
    programme = await harness.programme(language="en")
    _ola, amina, _pair = await harness.active_pair(programme)
    assert await unreachable_since(harness, amina.id) is None

    await amina.block_bot()
    await harness.emulator.wait_until_idle()
    blocked_at = await unreachable_since(harness, amina.id)
    assert blocked_at == harness.clock.now()

    # Telegram may repeat the news; a repeated block is not a sign of life.
    await amina.block_bot()
    await harness.emulator.wait_until_idle()
    assert await unreachable_since(harness, amina.id) == blocked_at

    await amina.unblock_bot()
    await harness.emulator.wait_until_idle()
    assert await unreachable_since(harness, amina.id) is None


async def test_a_message_after_a_block_makes_the_person_reachable(harness: Harness) -> None:
    programme = await harness.programme(language="en")
    _ola, amina, _pair = await harness.active_pair(programme)
    await amina.block_bot()
    await harness.emulator.wait_until_idle()
    assert await unreachable_since(harness, amina.id) is not None
    harness.emulator.unblock(amina.id)  # she unblocked in the app and wrote at once
    await amina.send("/status")
    await amina.next_message()
    assert await unreachable_since(harness, amina.id) is None
