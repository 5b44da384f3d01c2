"""Every press gets an answer: for each kind of button the router knows, pressed by a
stranger, by a person who erased themselves and by a participant on a stale message,
Telegram is answered exactly once (else the button spins until Telegram gives up)."""

from __future__ import annotations

from bot.sim.emulator import SentMessage, SimUser
from handlers.routes import BUTTONS
from tests.handlers.test_callbacks import VALID
from tests.support.cohorts import coordinator as joined_coordinator
from tests.support.harness import Harness

# One example of each kind of button data (the first of its shape).
EXAMPLES = {data.split(":", 1)[0]: data for data, _values in reversed(VALID)}


async def press_every_kind(h: Harness, user: SimUser, message: SentMessage) -> list[str | None]:
    """The texts of the answers, one per kind (the emulator refuses a second answer)."""
    before = len(user.callback_answers)
    for kind in sorted(BUTTONS):
        await user.press_data(message, EXAMPLES[kind])
    await h.emulator.wait_until_idle()
    answers = user.callback_answers[before:]
    assert len(answers) == len(BUTTONS)
    assert len({answer["callback_query_id"] for answer in answers}) == len(BUTTONS)
    return [answer["text"] for answer in answers]


def test_every_kind_of_button_has_an_example() -> None:
    assert set(BUTTONS) <= set(EXAMPLES)


async def test_every_press_of_a_stranger_is_answered_once(harness: Harness) -> None:
    h = harness
    stranger = h.emulator.user(999, "Nora", language_code="en")
    await stranger.send("/help")
    message = await stranger.next_message()
    # Each says why nothing happened.
    assert all(await press_every_kind(h, stranger, message))


async def test_every_press_of_an_erased_person_is_answered_once(harness: Harness) -> None:
    h = harness
    programme = await h.programme(language="en")
    _ola, amina, _pair_id = await h.active_pair(programme)
    await amina.send("/deleteme")
    question = await amina.next_message()
    await amina.press(question, "Yes, delete")
    await amina.next_message()
    assert all(await press_every_kind(h, amina, question))


async def test_every_press_of_a_participant_is_answered_once(harness: Harness) -> None:
    h = harness
    programme = await h.programme(language="en")
    coordinator = await joined_coordinator(h, programme)
    ola, _amina, _pair_id = await h.active_pair(programme)
    for person in (ola, coordinator):
        await person.send("/help")
        await press_every_kind(h, person, await person.next_message())
