"""Who takes part: only a person who said yes to what is stored and has not deleted their
data is offered, paired or written to. Declining consent, changing one's mind by the same
link, and a party leaving a pair (by /deleteme or /end), end to end."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.model import OutgoingMessage, PairState, Programme, Role
from bot.domain.rhythm import Due, NudgeKind
from bot.emulator import SimUser
from bot.services import PairProblem
from tests.e2e.conftest import Harness
from tests.e2e.test_alerts import coordinator


async def person_id(h: Harness, user: SimUser) -> int:
    async with h.services.unit() as repo:
        person = await repo.person_by_telegram_id(user.id)
    assert person is not None
    return person.id


async def join_and_say(h: Harness, user: SimUser, token: str, answer: str) -> str:
    """Opens the link, answers the consent question; returns what the bot said then."""
    await user.send(f"/start {token}")
    await user.next_message()  # welcome
    consent = await user.next_message()
    assert "Is that OK?" in (consent.text or ""), consent.text
    await user.press(consent, answer)
    return (await user.next_message()).text or ""


async def a_mentor(h: Harness, programme: Programme, user_id: int, name: str) -> SimUser:
    """A mentor who agreed and skipped the intake (one free place)."""
    user = h.emulator.user(user_id, name, language_code="en")
    said = await join_and_say(h, user, await h.token(programme, Role.MENTOR), "Yes, that is OK")
    assert said.startswith("Question 1 of"), said
    return user


async def a_queued_check_in(h: Harness, pair_id: int, person: int, user: SimUser) -> None:
    """The tick's check-in for the pair, waiting in the outbox for the next morning."""
    async with h.services.unit() as repo:
        due = Due(NudgeKind.CHECK_IN, pair_id, person, "2026-03", h.clock.now() + timedelta(days=1))
        await repo.enqueue(
            [
                OutgoingMessage(
                    idempotency_key=due.key,
                    chat_id=user.id,
                    person_id=person,
                    kind="check_in",
                    text="How did your meetings go this month?",
                    not_before=due.not_before,
                )
            ],
            h.clock.now(),
        )


async def test_who_says_no_is_not_offered_paired_or_written_to_and_may_say_yes_later(
    harness: Harness,
) -> None:
    h = harness
    programme = await h.programme(language="en")
    kari = await coordinator(h, programme)
    ola = await a_mentor(h, programme, 200, "Ola")
    amina = h.emulator.user(300, "Amina", language_code="en")
    token = await h.token(programme, Role.ADEPT)
    said = await join_and_say(h, amina, token, "No, thanks")
    assert said == "OK. I will not ask you anything. Want to join after all? Open the link again."
    amina_id, ola_id = await person_id(h, amina), await person_id(h, ola)

    # The coordinator sees that she said no, and is not offered her.
    await kari.send("/pair")
    offer = await kari.next_message()
    assert offer.text == (
        "All adepts have a mentor. Invite an adept with /invite adept.\n"
        "Said no to taking part: Amina."
    )
    await kari.send("/match")
    card = await kari.next_message()
    assert "Amina" not in (card.text or "") and card.button_texts() == []

    # Nor can she be paired by the command line; nobody is introduced.
    outcome = await h.services.create_pair(None, programme.id, ola_id, amina_id)
    assert (outcome.problem, outcome.view) == (PairProblem.NOT_TAKING_PART, None)
    assert await h.services.pairs(None, [programme.id]) == []
    await h.deliver()
    async with h.services.unit() as repo:
        assert [i.kind for i in await repo.outbox_items()] == []
    amina.catch_up()

    # The same link lets her change her mind.
    await amina.send(f"/start {token}")
    assert (await amina.next_message()).text == (
        "Welcome back, Amina! You are already in Global Future Oslo."
    )
    consent = await amina.next_message()
    assert "Is that OK?" in (consent.text or "")
    await amina.press(consent, "Yes, that is OK")
    assert ((await amina.next_message()).text or "").startswith("Question 1 of")

    await kari.send("/pair")
    offer = await kari.next_message()
    assert offer.text == "Step 1 of 2: Choose the mentor."
    await kari.press(offer, "Ola (1 free place)")
    await h.emulator.wait_until_idle()
    assert kari.inbox()[-1].button_texts() == ["Amina"]


async def test_who_leaves_is_never_offered_again_and_the_other_party_is_told(
    harness: Harness,
) -> None:
    h = harness
    programme = await h.programme(language="en")
    kari = await coordinator(h, programme)
    ola, amina, pair_id = await h.active_pair(programme)
    ola_id, amina_id = await person_id(h, ola), await person_id(h, amina)
    await a_queued_check_in(h, pair_id, ola_id, ola)
    ola.catch_up()

    await amina.send("/deleteme")
    await amina.press(await amina.next_message(), "Yes, delete")
    await amina.next_message()
    h.clock.advance(timedelta(days=1))
    await h.deliver()
    await h.emulator.wait_until_idle()
    # Told kindly, with no reason, and nothing more for that pair.
    assert [m.text for m in ola.catch_up()] == [
        "Your mentorship with Amina has ended. Thank you for taking part!"
    ]
    notice = await kari.next_message()
    assert f"pair #{pair_id} has left" in (notice.text or "")

    # She is never offered again; Ola has room and nobody to be paired with.
    await kari.send("/pair")
    assert (await kari.next_message()).text == (
        "All adepts have a mentor. Invite an adept with /invite adept."
    )
    await kari.send("/match")
    card = await kari.next_message()
    assert "–" not in (card.text or "") and card.button_texts() == []
    outcome = await h.services.create_pair(None, programme.id, ola_id, amina_id)
    assert (outcome.problem, outcome.view) == (PairProblem.NOT_TAKING_PART, None)
    await h.deliver()
    await h.emulator.wait_until_idle()
    assert ola.catch_up() == []


async def test_a_pair_ended_by_the_coordinator_gets_nothing_more(harness: Harness) -> None:
    h = harness
    programme = await h.programme(language="en")
    kari = await coordinator(h, programme)
    ola, amina, pair_id = await h.active_pair(programme)
    await a_queued_check_in(h, pair_id, await person_id(h, ola), ola)
    ola.catch_up()
    amina.catch_up()

    await kari.send(f"/end {pair_id}")
    assert "has ended" in ((await kari.next_message()).text or "")
    h.clock.advance(timedelta(days=1))
    await h.deliver()
    await h.emulator.wait_until_idle()
    assert [m.text for m in ola.catch_up()] == [
        "Your mentorship with Amina has ended. Thank you for taking part!"
    ]
    assert [m.text for m in amina.catch_up()] == [
        "Your mentorship with Ola has ended. Thank you for taking part!"
    ]
    [view] = await h.services.pairs(None, [programme.id])
    assert view.pair.state is PairState.ENDED
