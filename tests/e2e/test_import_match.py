"""Importing a spreadsheet and matching, end to end: `mentorbot import` (csv and xlsx) through
Typer's CliRunner, people joining with the links it wrote back with their answers already
known, `mentorbot match`, and /match in Telegram accepted and rejected with buttons."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select

from bot.domain.model import PairState, Role
from bot.sim.emulator import BotApiEmulator, SimUser
from storage.db import Database
from storage.models import InviteIntakeRow, InviteRow, MatchRejectionRow
from tests.e2e.test_cli import (
    LINK,
    PNG_SIGNATURE,
    assert_refused,
    cli,
    create_programme,
    daytime_zone,
    ok,
)
from tests.support.harness import Harness, bot_on

# The command line's: a clean environment (the emulator and the SQLite file come with it).
pytestmark = pytest.mark.usefixtures("clean_environment")

PEOPLE = [
    ["Navn", "Rolle", "Telefon", "Fag", "Ønsker hjelp med", "Språk", "Kjønn", "Ønsket kjønn"],
    ["Ola Nordmann", "mentor", "900 00 001", "IT-utvikler", "CV, karriere", "norsk, engelsk", "m"],
    ["Kari Berg", "mentor", "900 00 002", "Sykepleier", "CV, nettverk", "norsk, arabisk", "k"],
    ["Amina Ali", "adept", "", "Sykepleie", "CV", "arabisk, tigrinja", "k", "k"],
    ["Yonas Tesfay", "deltaker", "", "IT", "karriere", "engelsk", "m", ""],
]


def write_csv(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, delimiter=";").writerows(rows)


def read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle, delimiter=";"))


async def count(database_url: str, table: type) -> int:
    db = Database(database_url)
    try:
        async with db.session() as session:
            return int(await session.scalar(select(func.count()).select_from(table)) or 0)
    finally:
        await db.dispose()


async def open_imported_link(h: Harness, user: SimUser, token: str) -> str:
    """Opens the link and agrees; returns what the bot said next."""
    await user.send(f"/start {token}")
    await user.next_message()  # welcome
    await user.press(await user.next_message(), "Yes, that is OK")
    return (await user.next_message()).text or ""


async def test_import_csv_join_and_match(
    emulator: BotApiEmulator, url: str, tmp_path: Path
) -> None:
    coordinator_token = await create_programme(emulator, url, daytime_zone())
    source = tmp_path / "people.csv"
    write_csv(source, PEOPLE)

    lines = ok(await cli(emulator, url, "import", "--program", "1", str(source), "--qr", "qr"))
    assert lines[0] == f"Links written to {tmp_path / 'people.invites.csv'}"
    assert lines[-1].startswith("Imported 4 people (2 mentors, 2 adepts) into programme 1.")

    written = read_csv(tmp_path / "people.invites.csv")
    assert written[0] == [*PEOPLE[0], "invitasjonslenke"]
    tokens = {}
    for row, original in zip(written[1:], PEOPLE[1:], strict=True):
        assert row[: len(original)] == original
        found = LINK.fullmatch(row[-1])
        assert found is not None, row
        tokens[row[0]] = found.group(1)
    assert len(set(tokens.values())) == 4
    qr_files = sorted(p.name for p in (tmp_path / "qr").iterdir())
    assert qr_files == [
        "0002-ola-nordmann-mentor.png",
        "0003-kari-berg-mentor.png",
        "0004-amina-ali-adept.png",
        "0005-yonas-tesfay-adept.png",
    ]
    assert (tmp_path / "qr" / qr_files[0]).read_bytes().startswith(PNG_SIGNATURE)
    # The phone numbers stay in the coordinator's file; the database never sees them.
    db = Database(url)
    try:
        async with db.session() as session:
            stored = (await session.scalars(select(InviteIntakeRow))).all()
    finally:
        await db.dispose()
    assert "900" not in repr([(row.name, row.answers) for row in stored])

    # Running the same file again makes no second link for anyone.
    again = await cli(emulator, url, "import", "--program", "1", str(source))
    assert again.exit_code == 2
    assert "line 2: Ola Nordmann was imported before and has not joined yet" in again.stderr

    kari = emulator.user(100, "Kari", language_code="en")
    people = {
        "Ola Nordmann": emulator.user(200, "Ola", language_code="en"),
        "Kari Berg": emulator.user(201, "Kari B", language_code="en"),
        "Amina Ali": emulator.user(300, "Amina", language_code="en"),
        "Yonas Tesfay": emulator.user(301, "Yonas", language_code="en"),
    }
    async with bot_on(emulator, url) as h:
        h.clock.set(datetime.now(UTC))
        await open_imported_link(h, kari, coordinator_token)
        # The adepts' sheet said everything intake asks: no question at all.
        said = await open_imported_link(h, people["Amina Ali"], tokens["Amina Ali"])
        assert "find a mentor for you" in said, said
        # The mentors are asked only what the sheet did not say (why they mentor, capacity).
        ola = people["Ola Nordmann"]
        said = await open_imported_link(h, ola, tokens["Ola Nordmann"])
        assert said.startswith("Question 2 of 5:"), said
        await ola.press(ola.last_message(), "Skip")
        await ola.press(await ola.next_message(), "One")
        assert "find a mentee for you" in ((await ola.next_message()).text or "")
        for name in ("Kari Berg", "Yonas Tesfay"):
            user = people[name]
            await open_imported_link(h, user, tokens[name])
            if name == "Kari Berg":
                await user.press(user.last_message(), "Skip")
                await user.press(await user.next_message(), "One")
                await user.next_message()

        adepts = {p.first_name: p for p in await h.pairing.members(1, Role.ADEPT)}
        assert adepts["Amina"].intake == {
            "field": "Sykepleie",
            "help": ["cv"],
            "languages": ["ar", "ti"],
            "gender": "f",
            "wants_gender": "f",
        }

        # She sees what the sheet said about her.
        amina = people["Amina Ali"]
        amina.catch_up()
        await amina.send("/profile")
        profile = (await amina.next_message()).text or ""
        assert "• Work I want: Sykepleie" in profile
        assert "• Gender: a woman\n• You wish for a mentor who is a woman\n" in profile
        assert "Tell your coordinator if something here is wrong." in profile

        # The command line suggests, with reasons in the programme's language (nb).
        lines = ok(await cli(emulator, url, "match", "--program", "1"))
        assert "2 adepts without a mentor, 2 mentors with room" in lines[0]
        suggestions = [line.split("\t") for line in lines if line[:1].isdigit()]
        by_names = {s[3].split(":")[0]: s for s in suggestions}
        assert set(by_names) == {"Kari B + Amina", "Ola + Yonas"}
        assert "samme fag: sykepleie" in by_names["Kari B + Amina"][3]
        assert "begge snakker Arabisk" in by_names["Kari B + Amina"][3]
        assert "mentoren er kvinne, som adepten ønsket" in by_names["Kari B + Amina"][3]

        # In Telegram: the first card is Amina's (lowest id), with the reasons in English.
        await kari.send("/match")
        card = await kari.next_message()
        assert card.text is not None
        assert card.text.startswith("Suggestion 1 of 2:\nMentor: Kari B (Sykepleier)\n")
        assert "Mentee: Amina (Sykepleie)" in card.text
        assert "same field: sykepleie; the mentor offers CV and applications" in card.text
        assert "both speak Arabic" in card.text and "the mentor is a woman" in card.text
        assert card.button_texts() == ["✅ Pair them", "Other mentor", "✖ Not these two", "Next ▶"]

        # Nothing is paired before the tap.
        assert await h.pairing.pairs(None, [1]) == []
        await kari.press(card, "✅ Pair them")
        nxt = await kari.next_message()  # sent after the card was edited
        assert card.text == (
            "✅ Pair made: Kari B (mentor) and Amina (mentee). I have told them both."
        )
        [view] = await h.pairing.pairs(None, [1])
        assert (view.mentor.first_name, view.adept.first_name) == ("Kari B", "Amina")
        assert view.pair.state is PairState.AWAITING_AGREEMENT
        await h.deliver()
        intro = await people["Amina Ali"].next_message()
        assert "Kari B is your mentor" in (intro.text or "")

        # The next card is Yonas and Ola; the coordinator says no.
        assert nxt.text is not None and nxt.text.startswith("Suggestion 1 of 1:\nMentor: Ola")
        await kari.press(nxt, "✖ Not these two")
        no_more = "I have no more suggestions for Global Future Oslo. Use /pair to choose yourself."
        await h.emulator.wait_for(lambda: nxt.text == no_more, 15, "the card edited")
        assert kari.callback_answers[-1]["text"] == "OK. I will not suggest these two again."
        assert await count(url, MatchRejectionRow) == 1
        assert len(await h.pairing.pairs(None, [1])) == 1
        # Asked again, the rejected pair is not suggested.
        await kari.send("/match")
        assert (await kari.next_message()).text == nxt.text


async def test_import_xlsx_and_bad_files_import_nothing(
    emulator: BotApiEmulator, url: str, tmp_path: Path
) -> None:
    await create_programme(emulator, url)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in [
        ["Name", "Role", "E-mail", "Field", "Age"],
        ["Ola", "mentor", "ola@example.org", "IT", 45],
        ["Amina", "adept", None, "Nursing", "30-39"],
    ]:
        sheet.append(row)
    source = tmp_path / "people.xlsx"
    workbook.save(source)
    out = tmp_path / "links.xlsx"

    lines = ok(await cli(emulator, url, "import", "--program", "1", str(source), "--out", str(out)))
    assert lines[0] == f"Links written to {out}"
    result = openpyxl.load_workbook(out).active
    assert [c.value for c in result[1]] == ["Name", "Role", "E-mail", "Field", "Age", "invite link"]
    link = result.cell(row=2, column=6)
    assert LINK.fullmatch(link.value) and link.hyperlink.target == link.value
    assert LINK.fullmatch(result.cell(row=3, column=6).value)
    assert await count(url, InviteIntakeRow) == 2

    # A bad sheet: every problem by line, and nothing stored.
    bad = openpyxl.Workbook()
    for row in [
        ["Navn", "Rolle", "Alder"],
        ["Per", "mentor", "50"],
        ["Lise", "sjef", ""],
        [None, "adept", None],
        ["Omar", "adept", "ung"],
        ["Per", "Mentor", ""],
    ]:
        bad.active.append(row)
    bad_source = tmp_path / "bad.xlsx"
    bad.save(bad_source)
    invites_before = await count(url, InviteRow)
    refused = await cli(emulator, url, "import", "--program", "1", str(bad_source))
    assert refused.exit_code == 2
    assert refused.stderr.splitlines() == [
        "line 3: unknown role «sjef» (use mentor or adept)",
        "line 4: no name",
        "line 5: bad age band «ung» (use 18-29, 30-39, 40-49, 50-59, 60+ or an age)",
        "line 6: the same person as line 2 (same name and role; add a phone or e-mail to tell "
        "them apart)",
        "4 bad rows",
        "mentorbot: nothing was imported from bad.xlsx; fix the lines above and run again",
    ]
    assert not (tmp_path / "bad.invites.xlsx").exists()
    assert await count(url, InviteRow) == invites_before
    assert await count(url, InviteIntakeRow) == 2

    # A csv without a role column, a file that is no table, a missing programme.
    headless = tmp_path / "names.csv"
    write_csv(headless, [["Navn"], ["Per"]])
    assert_refused(
        await cli(emulator, url, "import", "--program", "1", str(headless)),
        "no role column",
    )
    notes = tmp_path / "people.txt"
    notes.write_text("Per, mentor")
    assert_refused(
        await cli(emulator, url, "import", "--program", "1", str(notes)), "use a .csv or .xlsx"
    )
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a zip")
    assert_refused(
        await cli(emulator, url, "import", "--program", "1", str(broken)), "not an .xlsx workbook"
    )
    assert_refused(
        await cli(emulator, url, "import", "--program", "7", str(source)), "no programme 7"
    )
    assert_refused(
        await cli(emulator, url, "import", "--program", "1", "--cohort", "9", str(source)),
        "no cohort 9",
    )
    assert await count(url, InviteRow) == invites_before


async def test_match_is_for_the_programmes_own_coordinators(
    emulator: BotApiEmulator, url: str
) -> None:
    first_token = await create_programme(emulator, url)
    second = ok(await cli(emulator, url, "program", "create", "Bømlo"))
    found = LINK.fullmatch(second[-1])
    assert found is not None
    kari = emulator.user(100, "Kari", language_code="en")
    berit = emulator.user(101, "Berit", language_code="en")
    ola = emulator.user(200, "Ola", language_code="en")
    async with bot_on(emulator, url) as h:
        h.clock.set(datetime.now(UTC))
        for user, token in ((kari, first_token), (berit, found.group(1))):
            await open_imported_link(h, user, token)
        [mentor_token] = await h.services.create_invites(1, Role.MENTOR)
        [adept_token] = await h.services.create_invites(1, Role.ADEPT)
        amina = emulator.user(300, "Amina", language_code="en")
        for user, token in ((ola, mentor_token), (amina, adept_token)):
            await open_imported_link(h, user, token)
        await kari.send("/match")
        card = await kari.next_message()
        assert card.text is not None and card.text.startswith("Suggestion 1 of 1:")
        assert "nothing in common in the intake answers" in card.text
        accept = card.callback_data("✅ Pair them")

        # A participant and the coordinator of another programme are refused.
        await ola.send("/match")
        assert (await ola.next_message()).text == "Only coordinators can do this."
        await berit.send("/match")
        assert (await berit.next_message()).text == ("All mentees in Bømlo have a mentor.")
        for data in (accept, accept.replace("mt:a:", "mt:r:")):
            answered = len(berit.callback_answers)
            await berit.press_data(berit.last_message(), data)
            await h.emulator.wait_for(
                lambda n=answered: len(berit.callback_answers) > n, 15, "the button answered"
            )
            assert berit.callback_answers[-1]["text"] == "Only coordinators can do this."
        assert await h.pairing.pairs(None, [1]) == []
        assert await count(url, MatchRejectionRow) == 0
        # A forged button naming another programme's people pairs nobody either.
        answered = len(kari.callback_answers)
        await kari.press_data(card, "mt:a:2:" + accept.split(":", 3)[3])
        await h.emulator.wait_for(
            lambda: len(kari.callback_answers) > answered, 15, "the button answered"
        )
        assert kari.callback_answers[-1]["text"] == "Only coordinators can do this."
        assert await h.pairing.pairs(None, [1, 2]) == []


async def test_imported_answers_join_only_with_consent_and_own_answers_win(
    harness: Harness,
) -> None:
    from bot.usecases.importing import import_people

    h = harness
    first = await h.programme("Grimstad", language="en")
    second = await h.programme("Bømlo", language="en")
    header = ["name", "role", "field", "gender"]
    result = await import_people(
        h.services,
        second.id,
        [header, ["Amina", "adept", "Nursing", "f"], ["Yonas", "adept", "IT", "m"]],
    )
    assert result.imported
    token_of = {entry.name: result.tokens[entry.line] for entry in result.checked.entries}  # type: ignore[union-attr]

    # Amina already answered intake in another programme: her own field stays.
    amina = h.emulator.user(300, "Amina", language_code="en")
    await h.join(amina, first, Role.ADEPT)
    await amina.press(await amina.next_message(), "Yes, that is OK")
    await amina.next_message()  # what kind of work
    await amina.send("Cleaning")
    await amina.press(await amina.next_message(), "Done")
    await amina.press(await amina.next_message(), "Done")
    await amina.next_message()
    await amina.send(f"/start {token_of['Amina']}")
    assert "Welcome to Bømlo" in ((await amina.next_message()).text or "")
    [person] = await h.pairing.members(second.id, Role.ADEPT)
    assert person.intake == {"field": "Cleaning", "help": None, "languages": None, "gender": "f"}

    # Yonas says no to what is stored: nothing from the sheet becomes his.
    yonas = h.emulator.user(301, "Yonas", language_code="en")
    await yonas.send(f"/start {token_of['Yonas']}")
    await yonas.next_message()
    await yonas.press(await yonas.next_message(), "No, thanks")
    await yonas.next_message()  # the answer to "no"
    async with h.services.db.unit() as uow:
        person_yonas = await uow.people.person_by_telegram_id(yonas.id)
    assert person_yonas is not None and person_yonas.intake == {}
    assert [p.first_name for p in await h.pairing.members(second.id, Role.ADEPT)] == ["Amina"]


async def test_other_mentor_for_the_same_adept(harness: Harness) -> None:
    from bot.usecases.importing import import_people

    h = harness
    first = await h.programme("Grimstad", language="en")
    second = await h.programme("Bømlo", language="en")
    kari = h.emulator.user(100, "Kari", language_code="en")
    await open_imported_link(h, kari, await h.token(first, Role.COORDINATOR))
    await kari.send(f"/start {await h.token(second, Role.COORDINATOR)}")
    assert "Welcome to Bømlo" in ((await kari.next_message()).text or "")
    await kari.next_message()  # what a coordinator can do; consent was given already
    sheet = [
        ["name", "role", "field", "help", "languages", "capacity", "motivation"],
        ["Ola", "mentor", "IT developer", "career", "English", "1", "I like it"],
        ["Per", "mentor", "Chef", "network", "Norwegian", "1", "Giving back"],
        ["Yonas", "adept", "IT", "career", "Tigrinya", "", ""],
    ]
    result = await import_people(h.services, first.id, sheet)
    assert result.imported and result.checked is not None
    for number, entry in enumerate(result.checked.entries):
        user = h.emulator.user(200 + number, entry.name, language_code="en")
        said = await open_imported_link(h, user, result.tokens[entry.line])
        assert "find a" in said, said  # nothing left to ask

    await kari.send("/match")
    choose = await kari.next_message()
    assert choose.text == "Which programme?"
    assert choose.button_texts() == ["Grimstad", "Bømlo"]
    await kari.press(choose, "Grimstad")
    await h.emulator.wait_for(
        lambda: bool(choose.text and "Mentor: Ola" in choose.text), 15, "card"
    )
    assert choose.text is not None and "Mentee: Yonas (IT)" in choose.text
    assert "same field: it; the mentor offers Career choices" in choose.text

    await kari.press(choose, "Other mentor")
    await h.emulator.wait_for(
        lambda: bool(choose.text and "Mentor: Per" in choose.text), 15, "card"
    )
    assert choose.text == (
        "Suggestion 1 of 1:\nMentor: Per (Chef)\nMentee: Yonas (IT)\n"
        "Why: nothing in common in the intake answers.\nScore: 1"
    )
    await kari.press(choose, "Other mentor")
    await h.emulator.wait_for(
        lambda: (
            choose.text == "I have no more suggestions for Grimstad. Use /pair to choose yourself."
        ),
        15,
        "no more suggestions",
    )
    assert await h.pairing.pairs(None, [first.id]) == []
