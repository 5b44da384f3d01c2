"""The `mentorbot` command line end to end: each command runs in a worker thread (it calls
`asyncio.run`) against the Bot API emulator serving in the test's loop, on a real SQLite file,
and what it prints is used by simulated people in the running bot."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image
from typer.testing import CliRunner, Result

from bot.cli.main import app
from bot.domain.model import Role
from bot.runtime.clock import SystemClock
from bot.sim.emulator import BotApiEmulator, SimUser
from bot.usecases.joining import Services
from storage.db import Database
from tests.support.harness import Harness, bot_on
from tests.support.seed import seed_pairs

LINK = re.compile(r"https://t\.me/mentor_test_bot\?start=([A-Za-z0-9_-]{20,64})")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
COORDINATOR_WELCOME = (
    "Hi Kari! Welcome to Global Future Oslo.\n"
    "You are a coordinator. You invite people, make pairs and follow them up."
)


pytestmark = pytest.mark.usefixtures("clean_environment")


async def cli(emulator: BotApiEmulator, url: str, *args: str, **env: str | None) -> Result:
    """`mentorbot ARGS` with the emulator's token and URL; `env` adds or (None) removes."""
    environment: dict[str, str | None] = {
        "TELEGRAM_BOT_TOKEN": emulator.token,
        "TELEGRAM_API_BASE_URL": emulator.base_url,
        "DATABASE_URL": url,
        "BOT_USERNAME": None,
    } | env
    return await asyncio.to_thread(CliRunner().invoke, app, list(args), env=environment)


def ok(result: Result) -> list[str]:
    """The printed lines of a command that must have succeeded."""
    assert result.exit_code == 0, (result.output, result.exception)
    return result.stdout.splitlines()


def assert_refused(result: Result, *fragments: str) -> None:
    """Exit status 2 and one `mentorbot: …` line on stderr naming the problem."""
    assert result.exit_code == 2, (result.output, result.exception)
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith("mentorbot: "), line
    for fragment in fragments:
        assert fragment in line, line


def a_year_on(day: date) -> date:
    """The default cohort end: the same day next year, 28 February for 29 February."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


def daytime_zone() -> str:
    """A fixed-offset zone where it is about 13:00 now, so quiet hours hold nothing back."""
    offset = 13 - datetime.now(UTC).hour
    return f"Etc/GMT{-offset:+d}"


async def create_programme(
    emulator: BotApiEmulator, url: str, timezone: str = "Europe/Oslo"
) -> str:
    """`program create`; returns the coordinator token from the printed link."""
    lines = ok(
        await cli(emulator, url, "program", "create", "Global Future Oslo", "--timezone", timezone)
    )
    found = LINK.fullmatch(lines[-1])
    assert found is not None, lines
    return found.group(1)


async def invite_one(emulator: BotApiEmulator, url: str, role: str) -> str:
    [link] = ok(await cli(emulator, url, "invite", "--program", "1", "--role", role))
    found = LINK.fullmatch(link)
    assert found is not None, link
    return found.group(1)


async def open_link(h: Harness, user: SimUser, token: str) -> str:
    """The user taps the link and agrees; returns the welcome text."""
    await user.send(f"/start {token}")
    welcome = await user.next_message()
    consent = await user.next_message()
    await user.press(consent, "Yes, that is OK")
    await user.next_message()
    return welcome.text or ""


async def joined_mentor_and_adept(
    emulator: BotApiEmulator, url: str, timezone: str = "Europe/Oslo"
) -> tuple[SimUser, SimUser]:
    """A programme from the command line; Ola (mentor) and Amina (adept) join by CLI links
    while the bot runs; the bot is stopped again afterwards."""
    await create_programme(emulator, url, timezone)
    mentor_token = await invite_one(emulator, url, "mentor")
    adept_token = await invite_one(emulator, url, "adept")
    ola = emulator.user(200, "Ola", language_code="en")
    amina = emulator.user(300, "Amina", language_code="en")
    async with bot_on(emulator, url) as h:
        h.clock.set(datetime.now(UTC))  # the CLI made the links on the system clock
        assert "You are a mentor." in await open_link(h, ola, mentor_token)
        assert "You are a mentee." in await open_link(h, amina, adept_token)
    return ola, amina


def person_ids(lines: Sequence[str]) -> dict[str, int]:
    """`people` output (id, role, first name) as first name -> id."""
    ids = {}
    for line in lines:
        person_id, _role, name = line.split("\t")
        ids[name] = int(person_id)
    return ids


async def test_program_create_prints_a_link_that_makes_a_coordinator(
    emulator: BotApiEmulator, url: str
) -> None:
    """The printed programme, default cohort and link; the link works in the running bot."""
    first_day = datetime.now(UTC).date()
    result = await cli(
        emulator,
        url,
        "program",
        "create",
        "Global Future Oslo",
        "--timezone",
        "Europe/Oslo",
        "--language",
        "nb",
    )
    last_day = datetime.now(UTC).date()
    programme, cohort, label, link = ok(result)
    assert programme == "Programme 1: Global Future Oslo (Europe/Oslo, nb)"
    assert cohort in {f"Cohort 1: {d} – {a_year_on(d)}" for d in (first_day, last_day)}
    assert label == "Coordinator invite link (works once):"
    found = LINK.fullmatch(link)
    assert found is not None, link
    assert len(emulator.calls("getMe")) == 1, "the bot's username comes from getMe"

    kari = emulator.user(100, "Kari", language_code="en")
    async with bot_on(emulator, url) as h:
        h.clock.set(datetime.now(UTC))
        await kari.send(f"/start {found.group(1)}")
        assert (await kari.next_message()).text == COORDINATOR_WELCOME
        actor = await h.services.actor(100)
        assert actor is not None and actor.programmes_as(Role.COORDINATOR) == [1]


async def test_invite_prints_distinct_links_and_writes_qr_pngs(
    emulator: BotApiEmulator, url: str, tmp_path: Path
) -> None:
    """`--count 3 --qr DIR`: three different links, three real PNG images of QR codes."""
    await create_programme(emulator, url)
    qr_dir = tmp_path / "qr"
    result = await cli(
        emulator, url, "invite", "--program", "1", "--role", "mentor", "--count", "3", "--qr",
        str(qr_dir),
    )  # fmt: skip
    links = ok(result)
    assert len(links) == 3 and len(set(links)) == 3
    assert all(LINK.fullmatch(link) for link in links), links
    pngs = sorted(qr_dir.glob("*.png"))
    assert [p.name for p in pngs] == [f"invite-mentor-{n}.png" for n in (1, 2, 3)]
    assert all(str(p) in result.stderr for p in pngs), result.stderr
    contents = [p.read_bytes() for p in pngs]
    assert len(set(contents)) == 3, "each QR code holds its own link"
    for path, data in zip(pngs, contents, strict=True):
        assert data.startswith(PNG_SIGNATURE), path
        with Image.open(path) as image:
            assert image.format == "PNG"
            assert image.width == image.height >= 200, image.size


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["invite", "--program", "99", "--role", "mentor"], ["there is no programme 99"]),
        (["invite", "--program", "1", "--role", "boss"], ["--role must be mentor, adept"]),
        (["program", "create", "X", "--timezone", "Mars/Base"], ["--timezone", "Mars/Base"]),
        (["program", "create", "X", "--language", "de"], ["--language must be nb or en"]),
        (
            ["program", "create", "X", "--starts", "2026-05-01", "--ends", "2026-04-30"],
            ["--ends must be after --starts"],
        ),
        (["program", "create", "X", "--starts", "2026-13-01"], ["--starts", "2026-01-31"]),
        (["tick", "--now", "not-a-time"], ["--now must be an ISO time"]),
    ],
    ids=["unknown-programme", "role", "timezone", "language", "ends-first", "bad-date", "now"],
)
async def test_bad_input_is_one_line_and_exit_2(
    emulator: BotApiEmulator, url: str, args: list[str], fragments: list[str]
) -> None:
    """Refused before anything is created or Telegram is asked."""
    assert_refused(await cli(emulator, url, *args), *fragments)
    assert emulator.calls("getMe") == []
    assert ok(await cli(emulator, url, "program", "list")) == []


async def test_ends_alone_before_today_is_refused(emulator: BotApiEmulator, url: str) -> None:
    """The default start is today, so an --ends in the past cannot be right."""
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    result = await cli(emulator, url, "program", "create", "X", "--ends", str(yesterday))
    assert_refused(result, "--ends")


async def test_people_pair_and_pairs(emulator: BotApiEmulator, url: str) -> None:
    """People who joined by CLI links are listed, paired by id, and shown as a pair."""
    await joined_mentor_and_adept(emulator, url)
    lines = ok(await cli(emulator, url, "people", "--program", "1"))
    assert [line.split("\t")[1:] for line in lines] == [["mentor", "Ola"], ["adept", "Amina"]]
    ids = person_ids(lines)
    ola, amina = str(ids["Ola"]), str(ids["Amina"])

    [made] = ok(await cli(emulator, url, "pair", "--program", "1", ola, amina))
    assert re.fullmatch(r"Pair 1: Ola \(mentor\) \+ Amina \(adept\), awaiting_agreement", made)
    assert ok(await cli(emulator, url, "pairs", "--program", "1")) == [
        "1\tOla\tAmina\tawaiting_agreement"
    ]

    refused = {
        (amina, ola): f"person {amina} is not a mentor in programme 1",
        (ola, "999"): "person 999 is not an adept in programme 1",
        (ola, amina): f"person {amina} already has a mentor",
    }
    for (mentor, adept), reason in refused.items():
        assert_refused(await cli(emulator, url, "pair", "--program", "1", mentor, adept), reason)
    result = await cli(emulator, url, "pair", "--program", "99", ola, amina)
    assert_refused(result, "there is no programme 99")
    assert len(ok(await cli(emulator, url, "pairs", "--program", "1"))) == 1


async def test_set_agreement_is_what_the_coordinator_sees(
    emulator: BotApiEmulator, url: str, tmp_path: Path
) -> None:
    """A new version from a file, read back with /agreement while the bot runs."""
    token = await create_programme(emulator, url)
    agreement = tmp_path / "agreement.txt"
    agreement.write_text("Vi møtes hver måned.\nWe answer within two days.\n", encoding="utf-8")
    kari = emulator.user(100, "Kari", language_code="en")
    async with bot_on(emulator, url) as h:
        h.clock.set(datetime.now(UTC))
        assert await open_link(h, kari, token) == COORDINATOR_WELCOME
        for version in ("v1", "v2"):
            [saved] = ok(await cli(emulator, url, "program", "set-agreement", "1", str(agreement)))
            assert saved == f"Programme 1: agreement {version} saved; new pairs get it."
        await kari.send("/agreement")
        shown = (await kari.next_message()).text or ""
        assert shown.startswith(
            "The agreement now (v2):\nVi møtes hver måned.\nWe answer within two days.\n\n"
        ), shown

    missing = tmp_path / "nowhere.txt"
    result = await cli(emulator, url, "program", "set-agreement", "1", str(missing))
    assert_refused(result, "cannot read", str(missing))
    result = await cli(emulator, url, "program", "set-agreement", "99", str(agreement))
    assert_refused(result, "there is no programme 99")


async def test_set_agreement_refuses_an_empty_file(
    emulator: BotApiEmulator, url: str, tmp_path: Path
) -> None:
    """A blank file is no agreement: exit 2 and the length rule, nothing saved."""
    await create_programme(emulator, url)
    blank = tmp_path / "blank.txt"
    blank.write_text("  \n\n", encoding="utf-8")
    result = await cli(emulator, url, "program", "set-agreement", "1", str(blank))
    assert_refused(result, "1 to 3000 characters")


async def test_tick_dry_run_sends_nothing_then_tick_sends_the_introductions(
    emulator: BotApiEmulator, url: str
) -> None:
    """A pair made by the CLI with no bot running waits in the outbox for `tick`."""
    ola, amina = await joined_mentor_and_adept(emulator, url, timezone=daytime_zone())
    ids = person_ids(ok(await cli(emulator, url, "people", "--program", "1")))
    ok(await cli(emulator, url, "pair", "--program", "1", str(ids["Ola"]), str(ids["Amina"])))
    before = len(emulator.calls("sendMessage"))

    lines = ok(await cli(emulator, url, "tick", "--dry-run"))
    assert sorted(lines[:-1]) == [
        f"queued\tpair:1:intro:{ids['Ola']}\tchat 200\tintroduction",
        f"queued\tpair:1:intro:{ids['Amina']}\tchat 300\tintroduction",
    ]
    assert lines[-1] == "dry run: nothing was queued or sent"
    assert len(emulator.calls("sendMessage")) == before

    [report] = ok(await cli(emulator, url, "tick"))
    assert report == "queued 0, sent 2, retried 0, failed 0, uncertain 0"
    sent = emulator.calls("sendMessage")[before:]
    assert sorted(call.params["chat_id"] for call in sent) == [200, 300]
    assert "mentor for Amina" in (ola.last_message().text or "")
    assert "Ola is your mentor" in (amina.last_message().text or "")

    [again] = ok(await cli(emulator, url, "tick"))
    assert again == "queued 0, sent 0, retried 0, failed 0, uncertain 0"


async def test_tick_takes_as_many_ticks_as_the_awake_pairs_need(
    emulator: BotApiEmulator, url: str
) -> None:
    """Five pairs new to the tick, two a tick (TICK_PAIRS): one `mentorbot tick` looks at
    all of them; the dry run before it looks at all of them and marks none."""
    moment = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)  # a Tuesday morning in Oslo
    db = Database(url)
    await db.upgrade()
    await seed_pairs(db, 5, moment)

    async def awake() -> set[int]:
        async with db.unit() as uow:
            revisions, _ = await uow.tick.awake_pairs(moment)
            return set(revisions)

    try:
        dry = ok(await cli(emulator, url, "tick", "--now", moment.isoformat(), "--dry-run"))
        assert len(await awake()) == 5
        lines = ok(await cli(emulator, url, "tick", "--now", moment.isoformat(), TICK_PAIRS="2"))
        assert await awake() == set()
        due = sorted(line for line in dry if line.startswith("due\t"))
        assert len(due) >= 5, dry  # each pair had something due
        assert sorted(line for line in lines if line.startswith("due\t")) == due
        assert lines[-1].startswith(f"queued {len(due)}, "), lines[-1]
    finally:
        await db.dispose()


async def test_bot_username_prints_links_without_telegram(
    emulator: BotApiEmulator, url: str
) -> None:
    """BOT_USERNAME: no token needed and getMe is never called; without either, one line."""
    offline = {"TELEGRAM_BOT_TOKEN": None, "BOT_USERNAME": "foo_bot"}
    ok(await cli(emulator, url, "program", "create", "Global Future Oslo", **offline))
    links = ok(await cli(emulator, url, "invite", "--program", "1", "--role", "adept", **offline))
    assert len(links) == 1
    assert re.fullmatch(r"https://t\.me/foo_bot\?start=[A-Za-z0-9_-]{20,64}", links[0]), links
    assert emulator.calls("getMe") == []

    result = await cli(
        emulator, url, "invite", "--program", "1", "--role", "adept", TELEGRAM_BOT_TOKEN=None
    )
    assert_refused(result, "TELEGRAM_BOT_TOKEN", "BOT_USERNAME")


async def test_program_set_digest_day_and_hour_or_off(emulator: BotApiEmulator, url: str) -> None:
    """`--digest` stores the weekly digest's weekday and hour, or switches it off."""
    await create_programme(emulator, url)

    async def stored() -> tuple[int | None, int]:
        db = Database(url)
        try:
            services = Services(db, SystemClock(), default_language="nb", invite_ttl_days=30)
            programme = await services.programme(1)
            assert programme is not None
            return programme.digest_weekday, programme.digest_hour
        finally:
            await db.dispose()

    assert await stored() == (0, 8)  # Monday 08:00 by default
    assert ok(await cli(emulator, url, "program", "set", "1", "--digest", "fri 14")) == [
        "Programme 1: digest_weekday=4, digest_hour=14"
    ]
    assert await stored() == (4, 14)
    ok(await cli(emulator, url, "program", "set", "1", "--digest", "off"))
    assert (await stored())[0] is None
    assert_refused(
        await cli(emulator, url, "program", "set", "1", "--digest", "someday"), "--digest"
    )


async def test_program_set_country_of_the_holidays(emulator: BotApiEmulator, url: str) -> None:
    """`--country` names whose public holidays are days off; Norway by default."""
    await create_programme(emulator, url)

    async def stored() -> str | None:
        db = Database(url)
        try:
            services = Services(db, SystemClock(), default_language="nb", invite_ttl_days=30)
            programme = await services.programme(1)
            assert programme is not None
            return programme.country
        finally:
            await db.dispose()

    assert await stored() == "NO"
    assert ok(await cli(emulator, url, "program", "set", "1", "--country", "se")) == [
        "Programme 1: country=SE"
    ]
    assert await stored() == "SE"
    assert_refused(
        await cli(emulator, url, "program", "set", "1", "--country", "Narnia"), "--country"
    )
    assert await stored() == "SE"
