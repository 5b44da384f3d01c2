"""The funder's report from a known history made through the real use cases: the
spreadsheet's figures (gatherings too) match the database; CSV and PDF are valid files; names only with
--with-names; comments only with --with-comments, and anonymised. Run by `mentorbot report`
(Typer's CliRunner, in a worker thread) on the running bot's own SQLite file."""

from __future__ import annotations

import asyncio
import csv
import io
import zipfile
from collections import Counter
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner, Result

from bot.cli.main import app
from bot.domain.access import Scope
from bot.domain.gatherings import Answer, Audience, GatheringKind
from bot.domain.model import OutboxStatus, Programme, Role
from bot.domain.rhythm import MeetingStatus
from bot.sim.emulator import SimUser
from bot.usecases.refusal import Refusal
from tests.support.cohorts import coordinator
from tests.support.harness import Harness
from tests.support.rows import confirm_agreement

OSLO = ZoneInfo("Europe/Oslo")
ENDS = date(2026, 4, 28)


def oslo(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=OSLO).astimezone(UTC)


pytestmark = pytest.mark.usefixtures("clean_environment")


async def join_pair(
    h: Harness, programme: Programme, mentor: SimUser, adept: SimUser, goals: list[str]
) -> int:
    """Two people join by link and are paired; the agreement is done in the database
    (its own flow is tested elsewhere), as `Harness.active_pair` does."""
    people = []
    for user, role in ((mentor, Role.MENTOR), (adept, Role.ADEPT)):
        await h.join(user, programme, role)
        await user.press(await user.next_message(), "Yes, that is OK")
        await user.next_message()
        actor = await h.services.actor(user.id)
        assert actor is not None
        people.append(actor.person)
    outcome = await h.pairing.create_pair(None, programme.id, people[0].id, people[1].id)
    assert outcome.view is not None
    pair_id = outcome.view.pair.id
    async with h.services.db.unit() as uow:
        await uow.pairs.set_goals(pair_id, goals)
        await confirm_agreement(uow, pair_id, (p.id for p in people), h.clock.now())
        for item in await uow.outbox.outbox_items():
            await uow.outbox.outbox_give_up(item.id, status=OutboxStatus.SENT, error="skipped")
    return pair_id


async def person_of(h: Harness, user: SimUser) -> Any:
    actor = await h.services.actor(user.id)
    assert actor is not None
    return actor.person


async def cli(url: str, *args: str) -> Result:
    return await asyncio.to_thread(CliRunner().invoke, app, list(args), env={"DATABASE_URL": url})


async def report(url: str, programme_id: int, out: Path, *options: str) -> Result:
    """`mentorbot report` for the programme into `out`, which must succeed."""
    result = await cli(url, "report", "--program", str(programme_id), "--out", str(out), *options)
    assert result.exit_code == 0, (result.output, result.exception)
    return result


@pytest.fixture
async def history(harness: Harness, tmp_path: Path) -> tuple[Harness, str, int, list[int]]:
    """Two pairs over a cohort of eight weeks, through the use cases the bot runs."""
    h = harness
    programme, _cohort = await h.services.create_programme(
        name="Global Future Oslo", timezone="Europe/Oslo", language="en", ends_on=ENDS
    )
    kari = await coordinator(h, programme)
    ola, amina = h.emulator.user(200, "Ola", "en"), h.emulator.user(300, "Amina", "en")
    siri, yusuf = h.emulator.user(201, "Siri", "en"), h.emulator.user(301, "Yusuf", "en")
    first = await join_pair(h, programme, ola, amina, ["@cv", "Speak Norwegian at work"])
    second = await join_pair(h, programme, siri, yusuf, ["@network"])
    ola_p, amina_p = await person_of(h, ola), await person_of(h, amina)
    siri_p, yusuf_p = await person_of(h, siri), await person_of(h, yusuf)
    meetings = h.meetings

    # Gatherings: a kick-off for all, a mentor training, a dinner that is cancelled, and a
    # closing after the report's day (invited by the tick three weeks before).
    made = {}
    for title, day, audience, kind in (
        ("Kick-off", date(2026, 3, 10), Audience.ALL, GatheringKind.KICKOFF),
        ("Mentor training", date(2026, 3, 17), Audience.MENTORS, GatheringKind.TRAINING),
        ("Dinner", date(2026, 3, 12), Audience.ALL, GatheringKind.OTHER),
        ("Closing", date(2026, 5, 5), Audience.ALL, GatheringKind.CLOSING),
    ):
        created = await h.core.gatherings.create(
            None,
            programme.id,
            title=title,
            starts_on=day,
            starts_at=time(18, 0),
            place="Oslo",
            audience=audience,
            kind=kind,
        )
        assert not isinstance(created, Refusal)
        made[title] = created.gathering.id
    for person, title, answer in (
        (ola_p, "Kick-off", Answer.YES),
        (amina_p, "Kick-off", Answer.NO),
        (siri_p, "Kick-off", Answer.YES),
        (ola_p, "Mentor training", Answer.YES),
        (siri_p, "Mentor training", Answer.NO),
        (ola_p, "Dinner", Answer.YES),
    ):
        answered_gathering = await h.core.gatherings.answer(person, made[title], answer)
        assert not isinstance(answered_gathering, Refusal)
    assert await h.core.gatherings.cancel(made["Dinner"]) is not None

    # Pair 1: a confirmed meeting on the CV with both check-ins, then a one-sided one.
    h.clock.set(oslo(3, 5, 18))
    logged = await meetings.log_meeting(amina_p, first, date(2026, 3, 5), 60, "@cv")
    assert not isinstance(logged, Refusal)
    _context, meeting, amina_check_in = logged
    await meetings.check_in_step(amina_p, amina_check_in, score=4)
    await meetings.check_in_step(amina_p, amina_check_in, goal="@cv")
    await meetings.check_in_step(
        amina_p,
        amina_check_in,
        comment="Ola helped me a lot. Call me on 912 34 567",
        finish=True,
    )
    answered = await meetings.answer_meeting(ola_p, meeting.id, MeetingStatus.CONFIRMED)
    assert not isinstance(answered, Refusal) and answered[2] is not None
    await meetings.check_in_step(ola_p, answered[2], score=5, finish=True)
    h.clock.set(oslo(3, 20, 18))
    assert not isinstance(
        await meetings.log_meeting(ola_p, first, date(2026, 3, 20), 90, None), Refusal
    )
    # Pair 2: one meeting, disputed.
    logged = await meetings.log_meeting(siri_p, second, date(2026, 3, 19), 30, None)
    assert not isinstance(logged, Refusal)
    assert not isinstance(
        await meetings.answer_meeting(yusuf_p, logged[1].id, MeetingStatus.DISPUTED),
        Refusal,
    )

    # The coordinator records a job for pair 1.
    cohort_end = h.core.cohort_end
    kari_p = await person_of(h, kari)
    assert not isinstance(
        await cohort_end.record_outcome(
            kari_p, first, "job", "Hired by Ola's firm", Scope.whole([programme.id])
        ),
        Refusal,
    )

    # The cohort ends; Amina answers the whole evaluation, Siri only the first question.
    h.clock.set(oslo(4, 28, 9, 30))
    await h.tick()
    for code, value in (
        ("o", "4"),
        ("g0", "5"),
        ("g1", "3"),
        ("oc", "education"),
        ("ot", "Evening classes, said Amina"),
        ("r", "yes"),
        ("c", None),
    ):
        assert not isinstance(await cohort_end.answer(amina_p, first, code, value), Refusal)
    assert not isinstance(await cohort_end.answer(siri_p, second, "o", "2"), Refusal)
    # The tick has invited everyone to the closing; Amina says she will come.
    closing = await h.core.gatherings.answer(amina_p, made["Closing"], Answer.YES)
    assert not isinstance(closing, Refusal)
    url = f"sqlite+aiosqlite:///{tmp_path / 'test.sqlite3'}"
    return h, url, programme.id, [first, second]


def sheet_rows(book: Any, title: str) -> list[dict[str, Any]]:
    rows = list(book[title].iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


async def test_spreadsheet_figures_match_the_database(
    history: tuple[Harness, str, int, list[int]], tmp_path: Path
) -> None:
    h, url, programme_id, pair_ids = history
    out = tmp_path / "report.xlsx"
    result = await report(
        url, programme_id, out, "--format", "xlsx", "--now", "2026-04-28T12:00+02:00"
    )
    assert result.stdout.startswith("Report for Global Future Oslo: 2 pairs")

    book = load_workbook(out)
    assert book.sheetnames == [
        "Summary",
        "Participants",
        "Pairs",
        "Goals",
        "Outcomes",
        "Gatherings",
        "Evaluation",
        "Evaluation answers",
    ]
    # What the database holds, read through the repository.
    async with h.services.db.unit() as uow:
        meetings = {p: await uow.meetings.meetings_of(p) for p in pair_ids}
        check_ins = await uow.check_ins.check_ins_of(pair_ids)
    pairs = sheet_rows(book, "Pairs")
    assert [row["Pair"] for row in pairs] == ["1", "2"]
    for row, pair_id in zip(pairs, pair_ids, strict=True):
        statuses = Counter(m.status for m in meetings[pair_id])
        assert row["Meetings confirmed"] == statuses[MeetingStatus.CONFIRMED]
        assert row["Meetings one-sided"] == statuses[MeetingStatus.REPORTED]
        assert row["Meetings disputed"] == statuses[MeetingStatus.DISPUTED]
        scores = [c.score for c in check_ins if c.pair_id == pair_id and c.score]
        assert row["Check-ins"] == len(scores)
        assert row["Average check-in score"] == (sum(scores) / len(scores) if scores else None)
        assert isinstance(row["Started"], datetime)  # a real date cell
        assert row["Started"].date() == date(2026, 3, 3)
        assert row["Ended"].date() == ENDS
    first, second = pairs
    assert (first["Meetings confirmed"], first["Meetings one-sided"]) == (1, 1)
    assert first["Hours"] == 2.5
    # Monthly: 3–17 March (the first two weeks) and 17–31 March met; April had not ended.
    assert (first["Periods ended"], first["Periods met"], first["Rhythm achieved (%)"]) == (
        2,
        2,
        100,
    )
    assert (second["Periods ended"], second["Periods met"]) == (2, 0)
    assert (first["Job"], first["Education"], second["Job"]) == (1, 1, 0)
    assert first["Goal progress, mentee (1-5)"] == 4

    summary = {row["Figure"]: row["Value"] for row in sheet_rows(book, "Summary")}
    assert summary["Pairs"] == 2 and summary["Mentors"] == 2 and summary["Mentees"] == 2
    assert summary["Meetings confirmed by both"] == 1
    assert summary["Meetings reported by one (not confirmed)"] == 1
    assert summary["Meetings disputed"] == 1
    assert summary["Rhythm achieved (%)"] == 50
    assert summary["Average check-in score (1-5)"] == 4.5
    assert summary["Evaluations sent"] == 4
    assert summary["Evaluations answered"] == 1
    assert summary["Average overall score (1-5)"] == 3  # Amina 4, Siri 2 (not finished)
    assert summary["Mentees who got a job"] == 1
    assert summary["Mentees who got education"] == 1
    assert summary["Would recommend the programme"] == 1
    assert isinstance(summary["Ends"], datetime) and summary["Ends"].date() == ENDS

    # Gatherings: the answers as the database holds them; the cancelled dinner is left out.
    async with h.services.db.unit() as uow:
        stored = await uow.gatherings.gathering_attendance(programme_id, date(2026, 3, 1))
    gatherings = sheet_rows(book, "Gatherings")
    assert [(g["Gathering"], g["Kind"], g["For"], g["Cohort"]) for g in gatherings] == [
        ("Kick-off", "kick-off", "mentors and mentees", "whole programme"),
        ("Mentor training", "training", "mentors", "whole programme"),
        ("Closing", "closing", "mentors and mentees", "whole programme"),
    ]
    assert [g["Gathering"] for g in gatherings] == [a.gathering.title for a in stored]
    for row, attendance in zip(gatherings, stored, strict=True):
        assert isinstance(row["Date"], datetime)  # a real date cell
        assert row["Date"].date() == attendance.gathering.starts_at.astimezone(OSLO).date()
        assert (
            row["Invited"],
            row["Said they would come"],
            row["Said they could not"],
            row["Did not answer"],
        ) == (
            attendance.invited,
            len(attendance.coming),
            len(attendance.not_coming),
            len(attendance.no_answer),
        )
        assert row["Learning group"] is None
    assert [
        (g["Invited"], g["Said they would come"], g["Said they could not"], g["Did not answer"])
        for g in gatherings
    ] == [(4, 2, 1, 1), (2, 1, 1, 0), (4, 1, 0, 3)]
    assert [g["Date"].date() for g in gatherings] == [
        date(2026, 3, 10),
        date(2026, 3, 17),
        date(2026, 5, 5),
    ]
    # Up to the report's day: the kick-off and the training.
    assert summary["Gatherings up to today"] == 2
    assert summary["Invitations to them"] == 6
    assert summary["«I'll come» answers to them"] == 3

    goals = sheet_rows(book, "Goals")
    assert [(g["Pair"], g["Goal"], g["Goal text"]) for g in goals] == [
        ("1", 1, "Write a Norwegian CV"),
        ("1", 2, "Speak Norwegian at work"),
        ("2", 1, "Build a network in my field"),
    ]
    assert [(g["Meetings on this goal"], g["Check-ins with progress"]) for g in goals] == [
        (1, 1),
        (0, 0),
        (0, 0),
    ]
    assert [g["Progress, mentee (1-5)"] for g in goals] == [5, 3, None]
    outcomes = sheet_rows(book, "Outcomes")
    assert [(o["Pair"], o["Outcome"], o["Reported by"]) for o in outcomes] == [
        ("1", "job", "coordinator"),
        ("1", "education", "mentee's evaluation"),
    ]
    assert "Text" not in outcomes[0]  # free text only with --with-comments
    evaluation = {row["Role"]: row for row in sheet_rows(book, "Evaluation")}
    assert (evaluation["mentee"]["Sent"], evaluation["mentee"]["Answered"]) == (2, 1)
    assert evaluation["mentor"]["Answered"] == 0

    # No names anywhere without --with-names.
    cells = " ".join(
        str(c) for sheet in book for row in sheet.iter_rows(values_only=True) for c in row
    )
    for name in ("Ola", "Amina", "Siri", "Yusuf", "Kari"):
        assert name not in cells


async def test_names_and_comments_only_when_asked(
    history: tuple[Harness, str, int, list[int]], tmp_path: Path
) -> None:
    _h, url, programme_id, _pairs = history
    out = tmp_path / "named.xlsx"
    await report(url, programme_id, out, "--with-names", "--with-comments")
    book = load_workbook(out)
    pairs = sheet_rows(book, "Pairs")
    assert (pairs[0]["Mentor's name"], pairs[0]["Mentee's name"]) == ("Ola", "Amina")
    comments = sheet_rows(book, "Comments")
    texts = {row["About"]: row["Text"] for row in comments}
    assert texts["check-in comment"] == "M1 helped me a lot. Call me on [phone]"
    assert texts["about the outcome"] == "Evening classes, said A1"

    anonymous = tmp_path / "anonymous.zip"
    await report(url, programme_id, anonymous, "--format", "csv", "--with-comments")
    with zipfile.ZipFile(anonymous) as archive:
        assert sorted(archive.namelist()) == sorted(
            f"{key}.csv"
            for key in (
                "summary",
                "participants",
                "pairs",
                "goals",
                "outcomes",
                "gatherings",
                "evaluation",
                "answers",
                "comments",
            )
        )
        pairs_csv = list(csv.DictReader(io.StringIO(archive.read("pairs.csv").decode("utf-8-sig"))))
        gatherings_csv = list(
            csv.DictReader(io.StringIO(archive.read("gatherings.csv").decode("utf-8-sig")))
        )
        everything = " ".join(archive.read(n).decode("utf-8-sig") for n in archive.namelist())
    assert [row["Meetings confirmed"] for row in pairs_csv] == ["1", "0"]
    assert pairs_csv[0]["Started"] == "2026-03-03"
    assert "Mentor's name" not in pairs_csv[0]
    assert [(g["Gathering"], g["Date"], g["Said they would come"]) for g in gatherings_csv] == [
        ("Kick-off", "2026-03-10", "2"),
        ("Mentor training", "2026-03-17", "1"),
        ("Closing", "2026-05-05", "1"),
    ]
    for name in ("Ola", "Amina", "Siri", "Yusuf"):
        assert name not in everything


async def test_pdf_in_norwegian_and_refusals(
    history: tuple[Harness, str, int, list[int]], tmp_path: Path
) -> None:
    _h, url, programme_id, _pairs = history
    out = tmp_path / "report.pdf"
    await report(url, programme_id, out, "--format", "pdf", "--language", "nb")
    data = out.read_bytes()
    assert data.startswith(b"%PDF") and data.rstrip().endswith(b"%%EOF")
    assert data.count(b"/Type /Page\n") + data.count(b"/Type /Page ") >= 8

    refused = await cli(url, "report", "--program", "999", "--out", str(out))
    assert refused.exit_code == 2 and "there is no programme 999" in refused.stderr
    refused = await cli(
        url, "report", "--program", str(programme_id), "--cohort", "999", "--out", str(out)
    )
    assert refused.exit_code == 2 and "has no cohort 999" in refused.stderr
    refused = await cli(
        url, "report", "--program", str(programme_id), "--format", "docx", "--out", str(out)
    )
    assert refused.exit_code == 2 and "--format must be xlsx, csv or pdf" in refused.stderr
