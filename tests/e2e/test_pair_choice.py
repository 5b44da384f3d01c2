"""Pairing details: two people with one first name can be told apart on /pair's buttons,
and an intake left halfway is not asked again once the person is paired."""

from __future__ import annotations

from bot.domain.model import Role
from bot.sim.emulator import SimUser
from tests.support.cohorts import coordinator
from tests.support.harness import Harness


async def joined(h: Harness, user: SimUser, role: Role) -> None:
    """Joined and consented; the intake is left at its first question."""
    programme = (await h.services.programmes())[0]
    await h.join(user, programme, role)
    await user.press(await user.next_message(), "Yes, that is OK")
    await user.next_message()


async def test_two_people_with_one_first_name_can_be_told_apart(harness: Harness) -> None:
    h = harness
    programme = await h.programme()
    kari = await coordinator(h, programme)
    people = [
        (h.emulator.user(201, "Ola", "en", last_name="Hansen"), Role.MENTOR),
        (h.emulator.user(202, "Ola", "en", last_name="Berg"), Role.MENTOR),
        (h.emulator.user(203, "Kim", "en"), Role.MENTOR),
        (h.emulator.user(301, "Amina", "en"), Role.ADEPT),
        (h.emulator.user(302, "Amina", "en"), Role.ADEPT),
    ]
    for user, role in people:
        await joined(h, user, role)
    await kari.send("/pair")
    choose = await kari.next_message()
    labels = choose.button_texts()
    assert sorted(labels) == [
        "Kim (1 free place)",
        "Ola B. (1 free place)",
        "Ola H. (1 free place)",
    ]
    await kari.press(choose, "Ola B. (1 free place)")
    await h.emulator.wait_until_idle()
    adepts = kari.inbox()[-1]
    assert adepts.text == "Step 2 of 2: Choose the mentee for Ola Berg."
    names = adepts.button_texts()
    assert len(set(names)) == 2 and all(name.startswith("Amina #") for name in names)


async def test_an_intake_left_halfway_is_not_asked_again_after_pairing(harness: Harness) -> None:
    h = harness
    programme = await h.programme()
    await coordinator(h, programme)
    ola = h.emulator.user(200, "Ola", "en")
    amina = h.emulator.user(300, "Amina", "en")
    await joined(h, ola, Role.MENTOR)
    await joined(h, amina, Role.ADEPT)
    [mentor] = await h.pairing.members(programme.id, Role.MENTOR)
    [adept] = await h.pairing.members(programme.id, Role.ADEPT)
    assert (await h.pairing.create_pair(None, programme.id, mentor.id, adept.id)).view
    await h.deliver()
    await ola.next_message()
    # Typing is not taken as the intake's answer any more.
    await ola.send("Hello")
    assert "Question" not in ((await ola.next_message()).text or "")
    await ola.send("/start")
    assert "Question" not in ((await ola.next_message()).text or "")
    # Nor does the next invitation ask it again.
    second = await h.programme("Second programme")
    await h.join(ola, second, Role.MENTOR)
    after = await ola.next_message()
    assert "Question" not in (after.text or "")
