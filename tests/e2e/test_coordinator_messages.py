"""The coordinator can be answered: a coordinator's message carries «Answer», and the
typed answer reaches that coordinator privately with the pair named. Words no dialogue
expected are offered to the coordinator with one tap, kept until the person taps."""

from __future__ import annotations

from pathlib import Path

from bot.sim.emulator import BotApiEmulator, SentMessage, SimUser
from tests.e2e.test_digest import oslo
from tests.support.cohorts import coordinator
from tests.support.harness import Harness, bot_on


async def latest(h: Harness, user: SimUser) -> SentMessage:
    await h.emulator.wait_until_idle()
    return user.inbox()[-1]


async def test_an_adept_answers_the_coordinator_who_wrote(harness_each_db: Harness) -> None:
    h = harness_each_db
    programme = await h.programme()
    ola, amina, pair_id = await h.active_pair(programme)
    kari = await coordinator(h, programme)
    # A goals editor left open: before, it took the answer as a goal.
    await amina.send("/goals")
    await amina.next_message()

    await kari.send(f"/message {pair_id}")
    await kari.press(await kari.next_message(), "Amina")
    await kari.next_message()
    await kari.send("Can you come to the gathering on Friday?")
    assert (await kari.next_message()).text == "✅ Sent to Amina."
    await h.deliver()
    message = await amina.next_message()
    assert (message.text or "").startswith(
        "Message from your coordinator Kari:\nCan you come to the gathering on Friday?"
    )
    assert "Only the coordinator sees it." in (message.text or "")
    assert message.button_texts() == ["Answer"]

    await amina.press(message, "Answer")
    assert (await amina.next_message()).text == (
        "Write your answer to Kari now. Only the coordinator sees it."
    )
    await amina.send("Yes, I will come")
    assert (await amina.next_message()).text == "✅ Sent to Kari.\nOnly the coordinator sees it."
    await h.deliver()
    answer = await kari.next_message()
    assert answer.chat_id == 100  # Kari's private chat, not a group
    assert (answer.text or "").startswith(
        f"✉️ Pair #{pair_id} (Ola and Amina): Amina answered you:\n«Yes, I will come»"
    )
    await ola.expect_no_message()
    [view] = await h.pairing.pairs(None, [programme.id])
    assert view.pair.goals == ("@cv", "Speak Norwegian at work")


async def test_words_no_dialogue_expects_are_offered_to_the_coordinator(
    harness: Harness,
) -> None:
    h = harness
    programme = await h.programme()
    ola, amina, pair_id = await h.active_pair(programme)
    kari = await coordinator(h, programme)

    await amina.send("I lost my job. Can we talk?")
    offer = await amina.next_message()
    assert offer.text == "Send this to the coordinator? Only the coordinator sees it."
    assert offer.button_texts() == ["Yes, send it", "No"]
    # More words before the tap are kept with the first.
    await amina.send("Call me after four")
    again = await amina.next_message()
    await amina.press(again, "Yes, send it")
    assert (await latest(h, amina)).text == "✅ Sent to Kari.\nOnly the coordinator sees it."
    await h.deliver()
    forwarded = await kari.next_message()
    assert (forwarded.text or "").startswith(
        f"✉️ Pair #{pair_id} (Ola and Amina): Amina wrote to you:\n"
        "«I lost my job. Can we talk?\nCall me after four»"
    )
    await ola.expect_no_message()
    # The first offer is answered already: its button changes nothing.
    await amina.press(offer, "Yes, send it")
    await h.emulator.wait_until_idle()
    assert amina.callback_answers[-1]["text"] == "This button is old. Nothing was changed."
    await h.deliver()
    await kari.expect_no_message()

    # «No» forgets the words.
    await ola.send("hello?")
    await ola.press(await ola.next_message(), "No")
    assert (await latest(h, ola)).text == "OK. I did not send it."
    await h.deliver()
    await kari.expect_no_message()

    # Outside the programme's hours it says when it goes, not "sent".
    h.clock.set(oslo(2026, 3, 3, 21, 30))
    await amina.send("One more thing")
    await amina.press(await amina.next_message(), "Yes, send it")
    waiting = (await latest(h, amina)).text or ""
    assert waiting.startswith("✅ Kari gets it ") and "09:00" in waiting
    await h.deliver()
    await kari.expect_no_message()


async def test_kept_words_survive_a_restart(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'kept.sqlite3'}"
    async with BotApiEmulator() as emulator:
        async with bot_on(emulator, url) as h:
            programme = await h.programme()
            _ola, amina, _pair_id = await h.active_pair(programme)
            kari = await coordinator(h, programme)
            await amina.send("My phone number changed")
            offer = await amina.next_message()
        async with bot_on(emulator, url) as h:
            await amina.press(offer, "Yes, send it")
            assert (await latest(h, amina)).text == (
                "✅ Sent to Kari.\nOnly the coordinator sees it."
            )
            await h.deliver()
            assert "«My phone number changed»" in ((await kari.next_message()).text or "")
