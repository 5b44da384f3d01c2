"""Onboarding end to end: invite links, consent, intake, pairing and introductions."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest

from bot.domain.model import OutboxStatus, PairState, Role
from bot.sim.emulator import BotApiEmulator, SimUser
from tests.support.cohorts import pair_by_steps
from tests.support.harness import Harness, bot_on

LINK = re.compile(r"https://t\.me/mentor_test_bot\?start=([A-Za-z0-9_-]+)")


async def consent_and_finish_intro(user: SimUser) -> None:
    consent = await user.next_message()
    assert "Is that OK?" in (consent.text or "")
    await user.press(consent, "Yes, that is OK")


async def test_programme_to_introduced_pair(harness_each_db: Harness) -> None:
    h = harness_each_db
    programme = await h.programme()
    kari = h.emulator.user(100, "Kari", language_code="en")
    ola = h.emulator.user(200, "Ola", language_code="en")
    amina = h.emulator.user(300, "Amina", language_code="en")

    welcome = await h.join(kari, programme, Role.COORDINATOR)
    assert welcome.text == (
        "Hi Kari! Welcome to Global Future Oslo.\n"
        "You are a coordinator. You invite people, make pairs and follow them up."
    )
    await consent_and_finish_intro(kari)
    ready = await kari.next_message()
    assert "Invite people with /invite" in (ready.text or "")

    await kari.send("/invite mentor")
    mentor_link = LINK.search((await kari.next_message()).text or "")
    assert mentor_link is not None
    await ola.send(f"/start {mentor_link.group(1)}")
    assert "You are a mentor." in ((await ola.next_message()).text or "")
    await consent_and_finish_intro(ola)
    question = await ola.next_message()
    assert question.text and question.text.startswith("Question 1 of 5:")
    await ola.send("Nurse at Ullevål")
    motivation = await ola.next_message()
    await ola.press(motivation, "Skip")
    capacity = await ola.next_message()
    assert capacity.button_texts()[:3] == ["One", "Two", "Three"]
    await ola.press(capacity, "Two")
    offers = await ola.next_message()
    await ola.press(offers, "CV and applications")
    await h.emulator.wait_until_idle()
    await ola.press(ola.inbox()[-1], "Done")
    await ola.press(await ola.next_message(), "Done")  # languages: none tapped
    assert "find a mentee for you" in ((await ola.next_message()).text or "")

    await kari.send("/invite adept")
    adept_link = LINK.search((await kari.next_message()).text or "")
    assert adept_link is not None
    await amina.send(f"/start {adept_link.group(1)}")
    await amina.next_message()
    await consent_and_finish_intro(amina)
    await amina.next_message()
    await amina.send("Nursing")
    help_question = await amina.next_message()
    await amina.press(help_question, "CV and applications")
    await h.emulator.wait_until_idle()
    assert "✅ CV and applications" in amina.inbox()[-1].button_texts()
    await amina.press(amina.inbox()[-1], "Done")
    languages = await amina.next_message()
    await amina.press(languages, "Arabic")
    await amina.send("Amharic")
    reasked = await amina.next_message()
    assert "✅ Arabic" in reasked.button_texts()
    await amina.press(reasked, "Done")
    assert "find a mentor for you" in ((await amina.next_message()).text or "")

    assert await pair_by_steps(h, kari, "Ola (2 free places)", "Amina (Nursing)") == [
        "Step 1 of 2: Choose the mentor.",
        "Step 2 of 2: Choose the mentee for Ola.",
        "✅ Pair made: Ola (mentor) and Amina (mentee). I have told them both.",
    ]

    to_mentor = await ola.next_message()
    to_adept = await amina.next_message()
    assert to_mentor.text and "mentor for Amina" in to_mentor.text and "Nursing" in to_mentor.text
    assert to_adept.text and "Ola is your mentor" in to_adept.text
    assert "Nurse at Ullevål" in to_adept.text

    await kari.send("/pairs")
    listing = await kari.next_message()
    assert "Ola + Amina: awaiting agreement" in (listing.text or "")

    [view] = await h.pairing.pairs(None, [programme.id])
    assert view.pair.state is PairState.AWAITING_AGREEMENT
    assert view.adept.intake == {"field": "Nursing", "help": ["cv"], "languages": ["ar", "Amharic"]}
    assert view.mentor.intake == {
        "field": "Nurse at Ullevål",
        "motivation": None,
        "capacity": "2",
        "offers": ["cv"],
        "languages": None,
    }
    # A row is marked sent just after its message arrives: let the worker finish first.
    await h.deliver()
    async with h.services.db.unit() as uow:
        statuses = {item.kind: item.status for item in await uow.outbox.outbox_items()}
    assert statuses == {"introduction": OutboxStatus.SENT}


async def test_intake_resumes_after_restart(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'restart.sqlite3'}"
    async with BotApiEmulator() as emulator:
        amina = emulator.user(300, "Amina", language_code="en")
        async with bot_on(emulator, url) as h:
            programme = await h.programme()
            await amina.send(f"/start {await h.token(programme, Role.ADEPT)}")
            await amina.next_message()
            await consent_and_finish_intro(amina)
            first = await amina.next_message()
            assert first.text and first.text.startswith("Question 1 of 3:")
        # The bot process ends; a new one starts on the same database.
        async with bot_on(emulator, url) as h:
            await amina.send("Cooking")
            second = await amina.next_message()
            assert second.text and second.text.startswith("Question 2 of 3:")
            await amina.send("/start")
            again = await amina.next_message()
            assert again.text == second.text
            async with h.services.db.unit() as uow:
                person = await uow.people.person_by_telegram_id(300)
            assert person is not None and person.intake == {"field": "Cooking"}


async def test_bad_invite_links_change_nothing(harness: Harness) -> None:
    programme = await harness.programme()
    first = harness.emulator.user(400, "Lina", language_code="en")
    second = harness.emulator.user(401, "Omar", language_code="en")
    late = harness.emulator.user(402, "Sara", language_code="en")

    await first.send("/start not-a-real-token-at-all-123456")
    assert (await first.next_message()).text == (
        "This link does not work. Ask your coordinator for a new link."
    )
    assert await harness.services.actor(400) is None

    token = await harness.token(programme, Role.MENTOR)
    await first.send(f"/start {token}")
    assert "Welcome" in ((await first.next_message()).text or "")
    await second.send(f"/start {token}")
    assert (await second.next_message()).text == (
        "This link has been used already. Ask your coordinator for a new link."
    )
    assert await harness.services.actor(401) is None

    old = await harness.token(programme, Role.ADEPT)
    harness.clock.advance(timedelta(days=31))
    await late.send(f"/start {old}")
    assert (await late.next_message()).text == (
        "This link is too old. Ask your coordinator for a new link."
    )
    assert await harness.services.actor(402) is None


async def test_only_coordinators_may_invite_and_pair(harness: Harness) -> None:
    programme = await harness.programme()
    mentor = harness.emulator.user(500, "Per", language_code="en")
    stranger = harness.emulator.user(501, "Eva", language_code="en")
    await harness.join(mentor, programme, Role.MENTOR)
    await mentor.next_message()  # consent question

    for person in (mentor, stranger):
        for command in ("/pair", "/invite mentor", "/pairs"):
            await person.send(command)
            assert (await person.next_message()).text == "Only coordinators can do this."

    # A forged "make this pair" button changes nothing either.
    consent = mentor.last_message()
    await mentor.press_data(consent, f"pa:{programme.id}:1:2")
    await harness.emulator.wait_until_idle()
    assert await harness.pairing.pairs(None, [programme.id]) == []
    assert mentor.callback_answers[-1]["text"] == "Only coordinators can do this."


async def test_language_follows_telegram_and_can_be_changed(harness: Harness) -> None:
    programme = await harness.programme()
    nora = harness.emulator.user(600, "Nora", language_code="nn")
    welcome = await harness.join(nora, programme, Role.ADEPT)
    assert welcome.text and welcome.text.startswith("Hei")
    assert "Velkommen til Global Future Oslo" in welcome.text
    await nora.next_message()
    await nora.send("/language")
    choice = await nora.next_message()
    await nora.press(choice, "English")
    # Her consent is still open: it comes again in English.
    assert ((await nora.next_message()).text or "").startswith("Before we start")
    assert nora.inbox()[-2].text == "OK, I will write in English from now on."
    await nora.send("/help")
    assert (await nora.next_message()).text.startswith("This is what you can do:")  # type: ignore[union-attr]


async def test_commands_are_registered_per_language(harness: Harness) -> None:
    commands = harness.emulator.commands
    english = commands[("all_private_chats", "en")]
    norwegian = commands[("all_private_chats", "nb")]
    assert [c["command"] for c in english] == [
        "help",
        "status",
        "met",
        "plan",
        "pause",
        "goals",
        "agreement",
        "profile",
        "settings",
        "mydata",
        "deleteme",
        "language",
    ]
    assert english[0]["description"] == "See what you can do"
    assert norwegian[0]["description"] != english[0]["description"]


@pytest.mark.parametrize("role", [Role.MENTOR, Role.ADEPT])
async def test_help_lists_what_each_role_can_do(harness: Harness, role: Role) -> None:
    programme = await harness.programme()
    person = harness.emulator.user(700, "Ali", language_code="en")
    await harness.join(person, programme, role)
    await person.next_message()
    await person.send("/help")
    text = (await person.next_message()).text or ""
    assert "/profile" in text and "/pair" not in text
    # Goals are the adept's own: /goals tells a mentor so and changes nothing (they see
    # the goals in /status), so a mentor's /help does not offer it.
    assert ("/goals" in text) == (role is Role.ADEPT)
