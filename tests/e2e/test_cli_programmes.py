"""The command line for presets, cohorts, learning groups and gatherings (Typer's CliRunner,
against the emulator and a real SQLite file, as in test_cli.py)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from bot.sim.emulator import BotApiEmulator
from tests.e2e.test_cli import (
    assert_refused,
    cli,
    joined_mentor_and_adept,
    ok,
    person_ids,
)

pytestmark = pytest.mark.usefixtures("clean_environment")


OFFLINE = {"BOT_USERNAME": "mentor_test_bot"}
LINK = r"https://t\.me/mentor_test_bot\?start=[A-Za-z0-9_-]{20,64}"


async def test_program_create_with_a_preset(emulator: BotApiEmulator, url: str) -> None:
    starts = datetime.now(UTC).date() + timedelta(days=1)
    lines = ok(
        await cli(
            emulator,
            url,
            "program",
            "create",
            "Mentorprogram Grimstad",
            "--preset",
            "grimstad",
            "--starts",
            str(starts),
            "--language",
            "en",
            **OFFLINE,
        )
    )
    assert lines[1] == (
        "Preset grimstad: cadence twice_monthly, 12 months, roles mentor, outcomes job, "
        "7 gatherings planned"
    )
    ends = starts.replace(year=starts.year + 1) - timedelta(days=1)
    assert lines[2] == f"Cohort 1: Mentorprogram Grimstad, {starts} – {ends}"
    assert re.fullmatch(r"  coordinator invite link \(works once\): " + LINK, lines[3])
    planned = ok(await cli(emulator, url, "gathering", "list", "--program", "1"))
    titles = [line.split("\t")[2] for line in planned]
    assert titles == ["Mentor gathering"] * 6 + ["Digital stories: closing"]
    assert all(line.endswith("yes 0\tno 0\tno answer 0") for line in planned)

    lines = ok(
        await cli(emulator, url, "program", "create", "Global Future", "--preset", "NHO", **OFFLINE)
    )
    assert lines[0].startswith("Programme 2: Global Future") and lines[0].endswith("nb)")
    regions = [line for line in lines if line.startswith("Cohort ")]
    assert [line.split(",")[0] for line in regions] == [
        "Cohort 2: Global Future – Møre og Romsdal",
        "Cohort 3: Global Future – Hordaland",
        "Cohort 4: Global Future – Rogaland",
        "Cohort 5: Global Future – Oslo og Akershus",
    ]
    assert sum(1 for line in lines if "coordinator invite link" in line) == 4

    # The next intake of a region, with the preset's gatherings; invites for that cohort.
    [made] = ok(
        await cli(
            emulator,
            url,
            "cohort",
            "create",
            "--program",
            "2",
            "--name",
            "Rogaland 2027",
            "--starts",
            "2027-03-03",
        )
    )
    assert made == "Cohort 6: Rogaland 2027, 2027-03-03 – 2028-03-02, 3 gatherings planned"
    assert len(ok(await cli(emulator, url, "cohort", "list", "--program", "2"))) == 5
    [link] = ok(
        await cli(
            emulator, url, "invite", "--program", "2", "--role", "adept", "--cohort", "6", **OFFLINE
        )
    )
    assert re.fullmatch(LINK, link)
    result = await cli(
        emulator, url, "invite", "--program", "2", "--role", "adept", "--cohort", "1", **OFFLINE
    )
    assert_refused(result, "programme 2 has no cohort 1")


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["program", "create", "X", "--preset", "oslo"], "--preset must be one of: nho, humentor"),
        (
            ["program", "set", "1", "--role-labels", "boss"],
            "--role-labels must be mentor or trainee",
        ),
        (["program", "set", "1", "--outcomes", "job,money"], "--outcomes must be a comma list"),
        (
            [
                "gathering",
                "create",
                "--program",
                "1",
                "--title",
                "T",
                "--at",
                "soon",
                "--for",
                "all",
            ],
            "--at must look like",
        ),
        (
            [
                *("gathering", "create", "--program", "1", "--title", "T"),
                *("--at", "2030-01-01 18:00", "--for", "everyone"),
            ],
            "--for must be mentors, adepts or all",
        ),
        (
            ["cohort", "create", "--program", "1", "--name", "X", "--starts", "2027-13-01"],
            "--starts",
        ),
        (["group", "set", "--program", "1", "5"], "give --name NAME, or --clear"),
    ],
)
async def test_bad_input_is_refused_in_one_line(
    emulator: BotApiEmulator, url: str, args: list[str], fragment: str
) -> None:
    assert_refused(await cli(emulator, url, *args), fragment)


async def test_role_labels_groups_and_a_gathering(emulator: BotApiEmulator, url: str) -> None:
    await joined_mentor_and_adept(emulator, url)
    [changed] = ok(
        await cli(
            emulator,
            url,
            "program",
            "set",
            "1",
            "--role-labels",
            "trainee",
            "--outcomes",
            "job, internship",
        )
    )
    assert changed == "Programme 1: role_labels=trainee, outcomes=job,internship"
    ids = person_ids(ok(await cli(emulator, url, "people", "--program", "1")))
    [grouped] = ok(
        await cli(
            emulator, url, "group", "set", "--program", "1", "--name", "Gruppe A", str(ids["Amina"])
        )
    )
    assert grouped == "1 people now in 'Gruppe A'"
    assert_refused(
        await cli(emulator, url, "group", "set", "--program", "1", "--name", "B", "999"),
        "none of these people is a mentor or adept in programme 1",
    )

    day = datetime.now(UTC).date() + timedelta(days=5)
    [made] = ok(
        await cli(
            emulator,
            url,
            "gathering",
            "create",
            "--program",
            "1",
            "--title",
            "Learning group A",
            "--at",
            f"{day} 18:00",
            "--place",
            "Room 2",
            "--for",
            "trainees",
            "--group",
            "Gruppe A",
            "--kind",
            "training",
        )
    )
    assert made == (
        f"Gathering 1: Learning group A, {day} 18:00 (Europe/Oslo), for trainees; 1 invited now"
    )
    listed = ok(await cli(emulator, url, "gathering", "list", "--program", "1"))
    assert listed == [
        f"1\t{day} 18:00\tLearning group A\ttrainees\tyes 0\tno 0\tno answer 1",
        "\tno answer: Amina",
    ]
    past = datetime.now(UTC).date() - timedelta(days=2)
    result = await cli(
        emulator,
        url,
        "gathering",
        "create",
        "--program",
        "1",
        "--title",
        "Late",
        "--at",
        f"{past} 18:00",
        "--for",
        "all",
    )
    assert_refused(result, "--at is in the past")
    result = await cli(
        emulator,
        url,
        "gathering",
        "create",
        "--program",
        "9",
        "--title",
        "X",
        "--at",
        f"{day} 18:00",
        "--for",
        "all",
    )
    assert_refused(result, "there is no programme 9")
    assert ok(
        await cli(emulator, url, "gathering", "set", "1", "--place", "Room 3", "--title", "Group A")
    ) == ["Gathering 1: place, title changed"]
    assert ok(await cli(emulator, url, "gathering", "list", "--program", "1"))[0] == (
        f"1\t{day} 18:00\tGroup A\ttrainees\tyes 0\tno 0\tno answer 1"
    )
    assert_refused(
        await cli(emulator, url, "gathering", "set", "1", "--at", f"{past} 18:00"),
        "--at is in the past",
    )
    assert_refused(await cli(emulator, url, "gathering", "set", "1"), "nothing to change")
    # No bot ran to send Amina's invitation: it is withdrawn, and she needs no news.
    assert ok(await cli(emulator, url, "gathering", "cancel", "1")) == [
        "Gathering 1 cancelled; 0 people told"
    ]
    assert_refused(await cli(emulator, url, "gathering", "cancel", "1"), "no open gathering 1")
    assert ok(await cli(emulator, url, "gathering", "list", "--program", "1")) == []

    # Suggestions and a pair in the programme's role words.
    [head, *_suggestions] = ok(await cli(emulator, url, "match", "--program", "1"))
    assert "1 trainees without a supervisor, 1 supervisors with room" in head
    [made] = ok(
        await cli(emulator, url, "pair", "--program", "1", str(ids["Ola"]), str(ids["Amina"]))
    )
    assert made == "Pair 1: Ola (supervisor) + Amina (trainee), awaiting_agreement"
