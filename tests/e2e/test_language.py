"""Which language a person is spoken to in: their own choice, else their phone's language
when the bot speaks it, else the programme's language, else the bot's default.

Most newcomers' phones are set to a language the bot does not speak (Arabic, Tigrinya,
Ukrainian, Somali, Dari, Polish…). In a Norwegian programme they must get Norwegian, the
language of the programme they joined, not English."""

from __future__ import annotations

import pytest

from bot.domain.model import Programme, Role
from bot.sim.emulator import SentMessage, SimUser
from tests.support.harness import Harness

LANGUAGE_BUTTONS = ["Norsk (bokmål)", "English"]

# How each kind of joining message begins, per language (the texts themselves are
# checked elsewhere; here only which language they are in).
WELCOME = {"nb": "Hei, ", "en": "Hi "}
CONSENT = {"nb": "Før vi starter, les dette.", "en": "Before we start, please read this."}
QUESTION = {"nb": "Hvilket språk vil du bruke?", "en": "Which language do you want?"}

# Telegram language codes of the people programmes meet, and what the bot can speak.
PHONE_CODES: list[str | None] = ["ar", "ti", "uk", "so", "fa", "pl", "en", "nb", "nn", "no", None]


def expected_language(code: str | None, programme_language: str) -> str:
    if code in ("nb", "nn", "no"):
        return "nb"
    if code == "en":
        return "en"
    return programme_language


def in_language(message: SentMessage, starts: dict[str, str], language: str) -> bool:
    return (message.text or "").startswith(starts[language])


async def test_arabic_phone_in_a_norwegian_programme_gets_norwegian(harness: Harness) -> None:
    programme = await harness.programme(language="nb")
    amina = harness.emulator.user(300, "Amina", language_code="ar")
    welcome = await harness.join(amina, programme, Role.ADEPT)
    assert welcome.text and welcome.text.startswith("Hei, Amina! Velkommen til Global Future Oslo.")
    consent = await amina.next_message()
    assert in_language(consent, CONSENT, "nb")
    assert consent.button_texts() == ["Ja, det er greit", "Nei takk"]


async def test_english_phone_in_a_norwegian_programme_gets_english(harness: Harness) -> None:
    programme = await harness.programme(language="nb")
    ola = harness.emulator.user(200, "Ola", language_code="en-GB")
    welcome = await harness.join(ola, programme, Role.MENTOR)
    assert welcome.text and welcome.text.startswith("Hi Ola! Welcome to Global Future Oslo.")
    assert in_language(await ola.next_message(), CONSENT, "en")


async def test_tigrinya_phone_in_an_english_programme_gets_english(harness: Harness) -> None:
    programme = await harness.programme(language="en")
    selam = harness.emulator.user(310, "Selam", language_code="ti")
    assert in_language(await harness.join(selam, programme, Role.ADEPT), WELCOME, "en")
    assert in_language(await selam.next_message(), CONSENT, "en")


async def test_one_tap_on_the_welcome_changes_the_language(harness: Harness) -> None:
    programme = await harness.programme(language="nb")
    amina = harness.emulator.user(300, "Amina", language_code="ar")
    welcome = await harness.join(amina, programme, Role.ADEPT)
    assert welcome.button_texts() == LANGUAGE_BUTTONS
    await amina.next_message()  # the consent, in Norwegian
    await amina.press(welcome, "English")
    # The consent not yet given comes again, now in English, and it works.
    consent = await amina.next_message()
    assert in_language(consent, CONSENT, "en")
    await amina.press(consent, "Yes, that is OK")
    question = await amina.next_message()
    assert question.text and question.text.startswith("Question 1 of 3:")
    await amina.send("/help")
    assert ((await amina.next_message()).text or "").startswith("This is what you can do:")


async def test_language_command_shows_an_open_consent_again(harness: Harness) -> None:
    programme = await harness.programme(language="nb")
    nora = harness.emulator.user(600, "Nora", language_code="nb")
    await harness.join(nora, programme, Role.MENTOR)
    assert in_language(await nora.next_message(), CONSENT, "nb")
    await nora.send("/language")
    choice = await nora.next_message()
    assert in_language(choice, QUESTION, "nb")
    assert choice.button_texts() == LANGUAGE_BUTTONS
    await nora.press(choice, "English")
    consent = await nora.next_message()
    assert in_language(consent, CONSENT, "en")
    assert nora.inbox()[-2].text == "OK, I will write in English from now on."
    await nora.press(consent, "Yes, that is OK")
    assert ((await nora.next_message()).text or "").startswith("Question 1 of 5:")


async def test_language_command_after_consent_shows_nothing_again(harness: Harness) -> None:
    programme = await harness.programme(language="nb")
    kari = harness.emulator.user(100, "Kari", language_code="nb")
    await harness.join(kari, programme, Role.COORDINATOR)
    await kari.press(await kari.next_message(), "Ja, det er greit")
    await kari.next_message()  # ready
    await kari.send("/language")
    await kari.press(await kari.next_message(), "English")
    await harness.emulator.wait_until_idle()
    assert kari.inbox()[-1].text == "OK, I will write in English from now on."


async def join_one(
    harness: Harness, user: SimUser, programme: Programme, role: Role
) -> tuple[SentMessage, SentMessage, SentMessage]:
    welcome = await harness.join(user, programme, role)
    consent = await user.next_message()
    await user.send("/language")
    return welcome, consent, await user.next_message()


@pytest.mark.parametrize("programme_language", ["nb", "en"])
async def test_every_joining_text_follows_the_rule(
    harness: Harness, programme_language: str
) -> None:
    """Welcome, consent and the language choice, for phones in the languages people in
    Norwegian programmes use, in a Norwegian and an English programme."""
    programme = await harness.programme(language=programme_language)
    wrong: list[tuple[str | None, str, str]] = []
    for index, code in enumerate(PHONE_CODES):
        for offset, role in enumerate((Role.ADEPT, Role.MENTOR, Role.COORDINATOR)):
            user = harness.emulator.user(1000 + 10 * index + offset, "Sam", language_code=code)
            welcome, consent, choice = await join_one(harness, user, programme, role)
            language = expected_language(code, programme_language)
            if not in_language(welcome, WELCOME, language):
                wrong.append((code, role.value, f"welcome: {welcome.text}"))
            if welcome.button_texts() != LANGUAGE_BUTTONS:
                wrong.append((code, role.value, f"welcome buttons: {welcome.button_texts()}"))
            if not in_language(consent, CONSENT, language):
                wrong.append((code, role.value, f"consent: {consent.text}"))
            if not in_language(choice, QUESTION, language):
                wrong.append((code, role.value, f"choice: {choice.text}"))
            if choice.button_texts() != LANGUAGE_BUTTONS:
                wrong.append((code, role.value, f"choice buttons: {choice.button_texts()}"))
    assert wrong == []


@pytest.mark.parametrize(
    ("code", "programme_language", "expected"),
    [("ar", "nb", "nb"), ("ar", "en", "en"), ("en", "nb", "en"), ("nn", "en", "nb")],
)
async def test_messages_the_bot_starts_follow_the_rule(
    harness: Harness, code: str, programme_language: str, expected: str
) -> None:
    """The introduction after pairing goes through the outbox, not as a reply."""
    programme = await harness.programme(language=programme_language)
    ola = harness.emulator.user(200, "Ola", language_code="en")
    amina = harness.emulator.user(300, "Amina", language_code=code)
    for user, role in ((ola, Role.MENTOR), (amina, Role.ADEPT)):
        await harness.join(user, programme, role)
        consent = await user.next_message()
        await user.press(consent, consent.button_texts()[0])
        await user.next_message()
    [mentor] = await harness.pairing.members(programme.id, Role.MENTOR)
    [adept] = await harness.pairing.members(programme.id, Role.ADEPT)
    outcome = await harness.pairing.create_pair(None, programme.id, mentor.id, adept.id)
    assert outcome.view is not None
    await harness.deliver()
    introduction = await amina.next_message()
    starts = {"nb": "Godt nytt! Ola er mentoren din.", "en": "Good news! Ola is your mentor."}
    assert in_language(introduction, starts, expected)


async def test_a_chosen_language_wins_for_messages_the_bot_starts(harness: Harness) -> None:
    programme = await harness.programme(language="nb")
    ola = harness.emulator.user(200, "Ola", language_code="nb")
    amina = harness.emulator.user(300, "Amina", language_code="ar")
    for user, role in ((ola, Role.MENTOR), (amina, Role.ADEPT)):
        welcome = await harness.join(user, programme, role)
        consent = await user.next_message()
        if user is amina:
            await user.press(welcome, "English")
            consent = await user.next_message()
        await user.press(consent, consent.button_texts()[0])
        await user.next_message()
    [mentor] = await harness.pairing.members(programme.id, Role.MENTOR)
    [adept] = await harness.pairing.members(programme.id, Role.ADEPT)
    await harness.pairing.create_pair(None, programme.id, mentor.id, adept.id)
    await harness.deliver()
    assert ((await amina.next_message()).text or "").startswith("Good news! Ola is your mentor.")
    assert ((await ola.next_message()).text or "").startswith("Godt nytt!")


@pytest.mark.parametrize(
    ("code", "programme_language", "expected"),
    [("en-GB", "nb", "en"), ("ar", "en", "en"), ("ar", "nb", "nb")],
)
async def test_a_coordinator_is_told_of_a_deletion_by_the_same_rule(
    harness: Harness, code: str, programme_language: str, expected: str
) -> None:
    """The notice of a /deleteme goes to the coordinators privately through the outbox."""
    programme = await harness.programme(language=programme_language)
    kari = harness.emulator.user(100, "Kari", language_code=code)
    await harness.join(kari, programme, Role.COORDINATOR)
    consent = await kari.next_message()
    await kari.press(consent, consent.button_texts()[0])
    await kari.next_message()
    _ola, amina, _pair_id = await harness.active_pair(programme)
    amina.catch_up()
    await amina.send("/deleteme")
    await amina.press(await amina.next_message(), "Yes, delete")
    await amina.next_message()
    await harness.deliver()
    notice = await kari.next_message()
    starts = {"nb": "Personen som er ", "en": "The "}
    assert in_language(notice, starts, expected), notice.text


@pytest.mark.parametrize(
    ("code", "programme_language", "expected"),
    [("ar", "en", "en"), ("so", "nb", "nb"), ("en", "nb", "en")],
)
async def test_the_command_menu_follows_the_rule(
    harness: Harness, code: str, programme_language: str, expected: str
) -> None:
    """Telegram shows the menu registered for the app's language, else the bot's default:
    a Somali phone would get the default's menu whatever the programme speaks, so each
    person's chat gets its own menu in their language."""
    english = harness.emulator.commands[("all_private_chats", "en")]
    norwegian = harness.emulator.commands[("all_private_chats", "nb")]
    menus = {"en": english, "nb": norwegian}
    programme = await harness.programme(language=programme_language)
    amina = harness.emulator.user(300, "Amina", language_code=code)
    welcome = await harness.join(amina, programme, Role.ADEPT)
    await amina.next_message()
    assert harness.emulator.commands[(f"chat:{amina.id}", "")] == menus[expected]
    other = "nb" if expected == "en" else "en"
    await amina.press(welcome, LANGUAGE_BUTTONS[0 if other == "nb" else 1])
    await amina.next_message()
    assert harness.emulator.commands[(f"chat:{amina.id}", "")] == menus[other]
