"""A double tap is one press: the second press of the same button, sent before the bot
answered the first, neither asks again nor changes anything again, and is answered."""

from __future__ import annotations

from bot.sim.emulator import SentMessage, SimUser
from tests.support.cohorts import coordinator
from tests.support.harness import Harness


async def double_tap(h: Harness, user: SimUser, message: SentMessage, label: str) -> list[str]:
    """Both presses leave before either is handled, as a quick thumb does; the texts the
    user then received."""
    data = message.callback_data(label)
    answered = len(user.callback_answers)
    await user.press_data(message, data)
    await user.press_data(message, data)
    await h.emulator.wait_until_idle()
    await h.deliver()
    await h.emulator.wait_until_idle()
    assert len(user.callback_answers) == answered + 2, "both presses are answered"
    return [m.text or "" for m in user.catch_up()]


async def test_double_taps_ask_once(harness: Harness) -> None:
    h = harness
    programme = await h.programme(language="en")
    kari = await coordinator(h, programme)
    ola, amina, pair_id = await h.active_pair(programme)

    await ola.send("/profile")
    profile = await ola.next_message()
    [question] = await double_tap(h, ola, profile, profile.button_texts()[0])
    assert question.startswith("What is your field")

    await kari.send(f"/message {pair_id}")
    [write_now] = await double_tap(h, kari, await kari.next_message(), "Amina")
    assert write_now.startswith("Write your message now")

    await amina.send("/pause")
    texts = await double_tap(h, amina, await amina.next_message(), "1 month")
    assert [t for t in texts if t.startswith("✅ Paused until")] == [texts[0]] and len(texts) == 1
    assert len([m for m in kari.catch_up() if "is paused until" in (m.text or "")]) == 1
    assert len([m for m in ola.catch_up() if "paused" in (m.text or "")]) == 1

    await amina.send("/deleteme")
    [goodbye] = await double_tap(h, amina, await amina.next_message(), "Yes, delete")
    assert goodbye.startswith("Your data is deleted")
