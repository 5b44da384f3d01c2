"""What people read: texts that fit the reader, and no internal ids."""

from __future__ import annotations

from bot.domain.model import Role
from tests.support.cohorts import coordinator
from tests.support.harness import Harness


async def test_a_coordinator_agrees_to_what_is_stored_about_a_coordinator(
    harness: Harness,
) -> None:
    programme = await harness.programme()
    kari = harness.emulator.user(100, "Kari", language_code="en")
    per = harness.emulator.user(101, "Per", language_code="nb")
    ola = harness.emulator.user(200, "Ola", language_code="en")
    await harness.join(kari, programme, Role.COORDINATOR)
    await harness.join(per, programme, Role.COORDINATOR)
    await harness.join(ola, programme, Role.MENTOR)
    for_kari, for_per, for_ola = (
        await kari.next_message(),
        await per.next_message(),
        await ola.next_message(),
    )
    assert for_kari.text == (
        "Before we start, please read this.\n"
        "• I save your name, your notes on pairs and what you do in the bot.\n"
        "• The programme's other coordinators see this.\n"
        "• I keep it while you are a coordinator.\n"
        "• /mydata shows your data. /deleteme deletes it.\n"
        "Is that OK?"
    )
    assert for_per.text == (
        "Før vi starter, les dette.\n"
        "• Jeg lagrer navnet ditt, notatene dine om par og det du gjør i boten.\n"
        "• De andre koordinatorene i programmet ser dette.\n"
        "• Jeg tar vare på det så lenge du er koordinator.\n"
        "• /mydata viser dataene dine. /deleteme sletter dem.\n"
        "Er det greit?"
    )
    assert "Your mentor or" in (for_ola.text or "")
    await kari.press(for_kari, "Yes, that is OK")
    assert "Invite people with /invite" in ((await kari.next_message()).text or "")


async def test_the_built_in_agreement_is_named_not_shown_by_its_id(harness: Harness) -> None:
    programme = await harness.programme()
    kari = await coordinator(harness, programme)
    _ola, _amina, pair_id = await harness.active_pair(programme)
    await kari.send(f"/pair {pair_id}")
    pair_file = (await kari.next_message()).text or ""
    assert "Agreement: confirmed by 2 of 2 (the built-in text)." in pair_file
    await kari.send("/agreement")
    shown = (await kari.next_message()).text or ""
    assert shown.startswith("The agreement now (the built-in text):\n• We meet once a month.")
    for text in (pair_file, shown):
        assert "builtin" not in text
