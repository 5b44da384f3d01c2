"""Personal data end to end: /mydata, /deleteme, /audit, retention (tick and command
line), wrong invite tokens slowed down, group chats, hostile input and what the logs hold."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlmodel import SQLModel
from typer.testing import CliRunner

from bot.cli.main import app
from bot.domain.model import Dialogue, PairState, Programme, Role
from bot.runtime.logs import configure_logging, forget_secrets
from bot.sim.emulator import SentMessage, SimUser
from bot.usecases.privacy import AuditAction
from storage.models import (
    AlertRow,
    CheckInRow,
    CohortRow,
    EvaluationRow,
    MeetingRow,
    NoteRow,
    PairRow,
    PersonRow,
)
from tests.e2e.test_cohort_end import ENDS
from tests.support.cohorts import NO_MEETING_ALERT, alerts_about, coordinator, on, run_until
from tests.support.databases import dump
from tests.support.harness import Harness, start_harness


def document(h: Harness, sent: SentMessage) -> bytes:
    assert sent.kind == "document" and sent.file_id is not None, sent.summary()
    return h.emulator._files[sent.file_id]


async def person_row(h: Harness, person_id: int) -> PersonRow:
    async with h.db.session() as session:
        row = await session.get(PersonRow, person_id)
        assert row is not None
        return row


async def adept_id(h: Harness, programme: Programme) -> int:
    [adept] = await h.pairing.members(programme.id, Role.ADEPT)
    return adept.id


async def a_check_in_with_comment(h: Harness, pair_id: int, person_id: int, comment: str) -> None:
    now = h.clock.now()
    async with h.services.db.unit() as uow:
        check_in = await uow.check_ins.start_check_in(
            pair_id=pair_id, person_id=person_id, meeting_id=None, period="2026-03", now=now
        )
        await uow.check_ins.update_check_in(
            check_in, score=4, comment=comment, goals_progressed=["@cv"], completed_at=now
        )
        await uow.meetings.add_meeting(
            pair_id=pair_id,
            held_on=now.date(),
            minutes=60,
            topic="Speak Norwegian at work",
            logged_by=person_id,
            now=now,
        )


async def test_mydata_then_deleteme_then_mydata_shows_nothing(harness: Harness) -> None:
    h = harness
    programme = await h.programme()
    kari = await coordinator(h, programme)
    ola, amina, pair_id = await h.active_pair(programme)
    amina_id = await adept_id(h, programme)
    await a_check_in_with_comment(h, pair_id, amina_id, "Hard week at the course")
    amina.catch_up()

    await amina.send("/mydata")
    as_json, summary = await amina.next_message(), await amina.next_message()
    data: dict[str, Any] = json.loads(document(h, as_json))
    assert as_json.document_name == "mentorbot-my-data.json"
    assert data["person"]["first_name"] == "Amina"
    assert data["person"]["telegram_user_id"] == amina.id
    assert data["person"]["consent_version"] is not None
    assert [p["id"] for p in data["pairs"]] == [pair_id]
    assert data["pairs"][0]["other_party"] == "Ola"
    assert data["pairs"][0]["goals"] == ["@cv", "Speak Norwegian at work"]
    assert [c["comment"] for c in data["check_ins"]] == ["Hard week at the course"]
    text = document(h, summary).decode("utf-8")
    assert "Amina" in text and f"Pair #{pair_id} with Ola" in text

    await amina.send("/deleteme")
    question = await amina.next_message()
    assert "cannot be undone" in (question.text or "")
    await amina.press(question, "Yes, delete")
    assert (await amina.next_message()).text == (
        "Your data is deleted. Thank you for taking part. Goodbye!"
    )
    await h.deliver()
    notice = await kari.next_message()
    assert notice.text == (
        f"The mentee of pair #{pair_id} has left and deleted their data. "
        "The pair has ended; its counts are kept without names."
    )
    assert "Amina" not in (notice.text or "")

    await amina.send("/mydata")
    assert (await amina.next_message()).text == "I have no data about you."

    row = await person_row(h, amina_id)
    assert (row.first_name, row.last_name, row.telegram_user_id, row.intake) == (
        "–",
        None,
        None,
        {},
    )
    assert row.erased_at is not None
    async with h.db.session() as session:
        pair = await session.get(PairRow, pair_id)
        assert pair is not None and pair.state == PairState.ENDED.value
        # The adept's own words are gone; built-in goals and the number of goals stay.
        assert pair.goals == ["@cv", "#2"]
        check_ins = (await session.execute(select(CheckInRow))).scalars().all()
        assert [(c.score, c.comment) for c in check_ins] == [(4, None)]
        meetings = (await session.execute(select(MeetingRow))).scalars().all()
        assert len(meetings) == 1
    # Ola is untouched and keeps his data.
    ola.catch_up()
    await ola.send("/mydata")
    ola_data = json.loads(document(h, await ola.next_message()))
    assert ola_data["person"]["first_name"] == "Ola"
    assert ola_data["pairs"][0]["other_party"] == "–"


async def test_deleteme_can_be_declined_and_a_stale_press_changes_nothing(
    harness: Harness,
) -> None:
    h = harness
    programme = await h.programme()
    _ola, amina, pair_id = await h.active_pair(programme)
    await amina.send("/deleteme")
    question = await amina.next_message()
    await amina.press(question, "No, keep it")
    assert (await amina.next_message()).text == "OK. Nothing was deleted."
    row = await person_row(h, await adept_id(h, programme))
    assert row.first_name == "Amina" and row.erased_at is None
    # A stranger's forged press of the same button erases nobody.
    mallory = h.emulator.user(666, "Mallory", language_code="en")
    await mallory.press_data(question, "dm:y")
    await h.emulator.wait_until_idle()
    assert mallory.callback_answers[-1]["text"] == "This button is old. Nothing was changed."
    assert (await person_row(h, await adept_id(h, programme))).erased_at is None
    async with h.db.session() as session:
        pair = await session.get(PairRow, pair_id)
        assert pair is not None and pair.state == PairState.ACTIVE.value


async def test_audit_log_records_views_exports_and_deletions(harness: Harness) -> None:
    h = harness
    oslo = await h.programme("Global Future Oslo")
    bergen = await h.programme("Global Future Bergen")
    kari = await coordinator(h, oslo)
    berit = await coordinator(h, bergen, user_id=101, name="Berit")
    ola, amina, pair_id = await h.active_pair(oslo)

    await kari.send("/audit")
    assert (await kari.next_message()).text == "The audit log of your programmes is empty."
    await kari.send(f"/pair {pair_id}")
    await kari.next_message()
    # The export feature calls this; it lands in the same log.
    await h.core.privacy.record_audit(
        (await h.services.actor(kari.id)).person.id,  # type: ignore[union-attr]
        oslo.id,
        AuditAction.EXPORT,
        "report:2026",
    )
    await amina.send("/deleteme")
    await amina.press(await amina.next_message(), "Yes, delete")
    await amina.next_message()
    await h.deliver()
    kari.catch_up()
    assert [m.text for m in ola.catch_up()] == [
        "Your mentorship has ended. Thank you for taking part!"
    ]

    await kari.send("/audit")
    log = (await kari.next_message()).text or ""
    lines = log.splitlines()
    assert lines[0] == "Newest first: who saw, exported or deleted personal data."
    assert "deleted their data (person:" in lines[1]
    assert "Kari — exported data (report:2026)" in lines[2]
    assert f"Kari — saw check-ins and comments (pair:{pair_id})" in lines[3]
    assert len(lines) == 4

    # Another programme's coordinator sees none of it; participants may not look.
    await berit.send("/audit")
    assert (await berit.next_message()).text == "The audit log of your programmes is empty."
    await ola.send("/audit")
    assert (await ola.next_message()).text == "Only coordinators can do this."
    async with h.db.unit() as uow:
        entries = await uow.privacy.audit_entries([oslo.id])
    assert [e.action for e in entries] == ["deletion", "export", "view_comments"]
    assert all(e.at == h.clock.now() for e in entries)


async def test_wrong_invite_tokens_are_slowed_down(harness: Harness) -> None:
    h = harness
    programme = await h.programme()
    guesser = h.emulator.user(777, "Guess", language_code="en")
    for attempt in range(3):
        await guesser.send(f"/start {'A' * 30}{attempt}")
        assert (await guesser.next_message()).text == (
            "This link does not work. Ask your coordinator for a new link."
        )
    # The fourth try waits, even with a real token: guessing is slowed, nothing revealed.
    token = await h.token(programme, Role.ADEPT)
    await guesser.send(f"/start {token}")
    assert (await guesser.next_message()).text == (
        "Too many links that do not work. Please wait 1 minute and try again."
    )
    assert await h.services.actor(guesser.id) is None
    h.clock.advance(timedelta(seconds=31))
    await guesser.send(f"/start {token}")
    assert (await guesser.next_message()).text == (
        "Hi Guess! Welcome to Global Future Oslo.\n"
        "You are a mentee. A mentor will meet you and help you on your way to work."
    )
    consent = await guesser.next_message()
    assert "I delete it all 12 months after the programme ends." in (consent.text or "")


async def test_private_commands_in_a_group_are_ignored(harness: Harness) -> None:
    h = harness
    programme = await h.programme()
    kari = await coordinator(h, programme)
    ola, _amina, pair_id = await h.active_pair(programme)
    group = h.emulator.group(-700, "Lunch group")
    for command in ("/mydata", "/deleteme", "/status", "/plan", f"/pair {pair_id}", "/audit"):
        await ola.send_in_group(group, command)
        await kari.send_in_group(group, command)
    # /stalled in a group that is not the alert chat shows nothing about any pair.
    await kari.send_in_group(group, "/stalled")
    await h.emulator.wait_until_idle()
    texts = [m.text or "" for m in group.inbox()]
    assert texts == ["Only coordinators can do this."]
    assert not any(m.kind == "document" for m in group.inbox())


async def joined(h: Harness, user: SimUser, programme: Programme, role: Role) -> None:
    await h.join(user, programme, role)
    question = await user.next_message()
    if "Yes, that is OK" in question.button_texts():  # asked once, not at a second join
        await user.press(question, "Yes, that is OK")
        await user.next_message()


async def test_retention_erases_exactly_the_expired_cohort(harness: Harness) -> None:
    """Today is 2026-03-03 in Oslo; retention is 12 months after a cohort's last day."""
    h = harness
    create = h.services.create_programme
    old, _ = await create(
        name="Old",
        timezone="Europe/Oslo",
        language="en",
        starts_on=date(2024, 9, 1),
        ends_on=date(2025, 3, 2),
    )  # erased from 2026-03-03: today
    soon, _ = await create(
        name="Soon",
        timezone="Europe/Oslo",
        language="en",
        starts_on=date(2024, 9, 1),
        ends_on=date(2025, 3, 20),
    )  # erased from 2026-03-21: the coordinator is told now
    running = await h.programme("Running", language="en")
    kari = await coordinator(h, old)
    siri = await coordinator(h, soon, user_id=102, name="Siri")
    olda = h.emulator.user(400, "Olda", language_code="en")
    sona = h.emulator.user(401, "Sona", language_code="en")
    runa = h.emulator.user(402, "Runa", language_code="en")
    both = h.emulator.user(403, "Bodil", language_code="en")
    await joined(h, olda, old, Role.ADEPT)
    await joined(h, sona, soon, Role.ADEPT)
    await joined(h, runa, running, Role.ADEPT)
    await joined(h, both, old, Role.MENTOR)
    await joined(h, both, running, Role.MENTOR)  # still in a running cohort: kept
    kari.catch_up()
    siri.catch_up()

    await h.tick()
    await h.tick()  # a second tick erases and tells nothing more

    async with h.db.session() as session:
        people = {r.id: r for r in (await session.execute(select(PersonRow))).scalars()}
        cohorts = {c.programme_id: c for c in (await session.execute(select(CohortRow))).scalars()}
    by_name = {r.first_name: r for r in people.values()}
    assert sorted(by_name) == ["Bodil", "Kari", "Runa", "Siri", "Sona", "–"]
    [erased] = [r for r in people.values() if r.erased_at is not None]
    assert erased.telegram_user_id is None and erased.intake == {}
    assert await h.services.actor(olda.id) is None
    assert cohorts[old.id].erased_at is not None
    assert cohorts[soon.id].erased_at is None and cohorts[running.id].erased_at is None

    [notice] = siri.catch_up()
    assert notice.text == (
        "In four weeks, on Saturday 21 March, I delete the personal data of cohort «Soon» "
        "(Soon): names, answers and comments of 1 people. Counts are kept. "
        "Export what you need for the final report before then."
    )
    assert kari.catch_up() == []
    await olda.send("/mydata")
    assert (await olda.next_message()).text == "I have no data about you."
    async with h.db.unit() as uow:
        entries = await uow.privacy.audit_entries([old.id, soon.id])
    assert [(e.action, e.target, e.actor_id) for e in entries] == [
        ("retention", f"cohort:{cohorts[old.id].id}", None)
    ]


async def test_logs_hold_ids_not_names_texts_or_the_token(harness: Harness) -> None:
    """The logging the bot runs with (bot.runtime.logs), at INFO, during a conversation."""
    h = harness
    stream = io.StringIO()
    root = logging.getLogger()
    saved = (list(root.handlers), root.level, logging.getLogger("httpx").level)
    configure_logging("INFO", "json", secrets=(h.emulator.token,), stream=stream)
    try:
        programme = await h.programme()
        zed = h.emulator.user(901, "Zedekiah", language_code="en")
        await h.join(zed, programme, Role.ADEPT)
        await zed.press(await zed.next_message(), "Yes, that is OK")
        await zed.next_message()
        await zed.send("my secret answer about nursing")
        await zed.send("/plan")
        await zed.send("/nonsense with words")
        await zed.send("/start " + "B" * 40)
        logging.getLogger("test").info(
            "request to %s/sendMessage", h.emulator.base_url + h.emulator.token
        )
        await h.emulator.wait_until_idle()
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in saved[0]:
            root.addHandler(handler)
        root.setLevel(saved[1])
        logging.getLogger("httpx").setLevel(saved[2])
        forget_secrets()
    logged = stream.getvalue()
    assert "[redacted]" in logged
    assert "Zedekiah" not in logged
    assert "secret answer" not in logged
    assert "nonsense with words" not in logged
    assert "B" * 40 not in logged
    assert h.emulator.token not in logged


async def test_hostile_names_and_texts_are_stored_and_shown_as_written(harness: Harness) -> None:
    h = harness
    programme = await h.programme()
    kari = await coordinator(h, programme)
    nasty = "<b>Ola</b> *_[x](y)`&amp;"
    rtl = "مریم 👩🏽‍🔬"
    mentor = h.emulator.user(200, nasty, language_code="en")
    adept = h.emulator.user(300, rtl, language_code="en")
    for user, role in ((mentor, Role.MENTOR), (adept, Role.ADEPT)):
        welcome = await h.join(user, programme, role)
        assert welcome.parse_mode is None  # plain text: nothing is interpreted
        await user.press(await user.next_message(), "Yes, that is OK")
        question = await user.next_message()
        assert "Do not write about health, religion or similar." in (question.text or "")
    # Too long, empty after cleaning, control characters: clear answers, nothing stored.
    await adept.send("x" * 5000)
    await h.emulator.wait_until_idle()
    replies = [m.text for m in adept.catch_up()]
    assert replies[0] == "That is a bit long. Please write 300 characters or fewer."
    await adept.send("\u0000\u0007\u200b")
    await h.emulator.wait_until_idle()
    replies = [m.text for m in adept.catch_up()]
    assert replies[0] == "I did not get any text. Write a few words, or tap «Skip»."
    await adept.send("sykepleier\u0000 <i>ok</i>")
    await h.emulator.wait_until_idle()
    adept.catch_up()
    await adept.send_sticker()
    assert (await adept.next_message()).text == (
        "I can only read text. Please write, or tap a button."
    )
    await adept.send_photo()
    assert (await adept.next_message()).text == (
        "I can only read text. Please write, or tap a button."
    )
    await adept._message(adept.id, voice={"file_id": "V1", "file_unique_id": "uV1", "duration": 2})
    assert (await adept.next_message()).text == (
        "I can only read text. Please write, or tap a button."
    )
    # An edited message is ignored: the answer given first stands.
    await adept.edit(1, "changed my mind")
    await adept.expect_no_message()
    [stored] = await h.pairing.members(programme.id, Role.ADEPT)
    assert stored.first_name == rtl
    assert stored.intake["field"] == "sykepleier <i>ok</i>"
    [mentor_person] = await h.pairing.members(programme.id, Role.MENTOR)
    assert mentor_person.first_name == nasty
    outcome = await h.pairing.create_pair(None, programme.id, mentor_person.id, stored.id)
    assert outcome.view is not None
    kari.catch_up()
    await kari.send(f"/pair {outcome.view.pair.id}")
    file = await kari.next_message()
    assert file.parse_mode is None
    assert f"{nasty} (mentor) and {rtl} (mentee)" in (file.text or "")


async def test_retention_command_line_dry_run_changes_nothing(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'retention.sqlite3'}"
    async with start_harness(url) as h:
        old, _ = await h.services.create_programme(
            name="Old",
            timezone="Europe/Oslo",
            language="en",
            starts_on=date(2024, 1, 1),
            ends_on=date(2024, 12, 31),
        )
        olda = h.emulator.user(400, "Olda", language_code="en")
        await h.join(olda, old, Role.ADEPT)
        environment = {
            "DATABASE_URL": url,
            "TELEGRAM_BOT_TOKEN": h.emulator.token,
            "TELEGRAM_API_BASE_URL": h.emulator.base_url,
        }

        def run(*args: str) -> list[str]:
            result = CliRunner().invoke(app, list(args), env=environment)
            assert result.exit_code == 0, (result.output, result.exception)
            return result.stdout.splitlines()

        dry = await asyncio.to_thread(run, "retention", "--dry-run", "--now", "2026-03-03T09:00")
        assert dry[0].startswith("erase\tcohort 1\tOld\tprogramme 1\tended 2024-12-31")
        assert "1 people" in dry[0]
        assert dry[-1] == "dry run: nothing was erased or queued"
        olda_actor = await h.services.actor(olda.id)
        assert olda_actor is not None
        olda_id = olda_actor.person.id
        assert (await person_row(h, olda_id)).first_name == "Olda"
        done = await asyncio.to_thread(run, "retention", "--now", "2026-03-03T09:00")
        assert done[-1] == "erased 1 people, queued 0 notices"
        row = await person_row(h, olda_id)
        assert row.first_name == "–" and row.telegram_user_id is None
        again = await asyncio.to_thread(run, "retention", "--dry-run", "--now", "2026-03-03T09:00")
        assert again[0] == "nothing is due (retention 12 months)"


async def test_forged_buttons_get_a_short_answer_and_change_nothing(harness: Harness) -> None:
    """Found by the fuzz test: presses no one was shown, on messages without buttons."""
    h = harness
    oslo = await h.programme("Global Future Oslo")
    bergen = await h.programme("Global Future Bergen")
    await coordinator(h, oslo)
    berit = await coordinator(h, bergen, user_id=101, name="Berit")
    ola, _amina, pair_id = await h.active_pair(oslo)
    stranger = h.emulator.user(666, "Mallory", language_code="en")
    await stranger.send("/help")
    plain = await stranger.next_message()
    await stranger.press_data(plain, f"pr:status:{pair_id}")
    await h.emulator.wait_until_idle()
    assert stranger.callback_answers[-1]["text"] == "This button is old. Nothing was changed."
    # Another programme's coordinator cannot start a message to this pair.
    await berit.send("/help")
    await berit.press_data(await berit.next_message(), f"cm:{pair_id}:both")
    await h.emulator.wait_until_idle()
    assert berit.callback_answers[-1]["text"] == "This button is old. Nothing was changed."
    await berit.send("Hello from Bergen")
    assert (await berit.next_message()).text == (
        "I did not understand that. Tap /help to see what you can do."
    )
    # A page button pressed on a file: nothing breaks, nothing is sent.
    await ola.send("/mydata")
    await ola.next_message()
    summary = await ola.next_message()
    await ola.press_data(summary, "pg:1")
    await h.emulator.wait_until_idle()
    assert ola.callback_answers[-1]["text"] == "Only coordinators can do this."
    # /start without a token in the middle of another dialogue (here: a typed date).
    ola_id = (await h.services.actor(ola.id)).person.id  # type: ignore[union-attr]
    async with h.services.db.unit() as uow:
        await uow.dialogues.save_dialogue(
            Dialogue(ola_id, "meeting", "date", {"pair_id": pair_id}), h.clock.now()
        )
    ola.catch_up()
    await ola.send("/start")
    assert (await ola.next_message()).text == "Hi Ola! Tap /help to see what you can do."


async def test_a_participant_cannot_use_coordinator_commands(harness: Harness) -> None:
    h = harness
    programme = await h.programme()
    ola, _amina, pair_id = await h.active_pair(programme)
    before = await h.pairing.pairs(None, [programme.id])
    ola.catch_up()
    for command in (
        "/invite mentor",
        "/pair",
        "/pairs",
        "/stalled",
        f"/pair {pair_id}",
        f"/note {pair_id} hello",
        f"/end {pair_id} done",
        f"/message {pair_id}",
        "/audit",
    ):
        await ola.send(command)
        assert (await ola.next_message()).text == "Only coordinators can do this.", command
    assert await h.pairing.pairs(None, [programme.id]) == before
    async with h.db.session() as session:
        assert (await session.execute(select(NoteRow))).scalars().all() == []


async def test_a_coordinator_of_another_programme_cannot_handle_an_alert(
    harness: Harness,
) -> None:
    h = harness
    oslo_programme = await h.programme("Global Future Oslo")
    bergen = await h.programme("Global Future Bergen")
    kari = await coordinator(h, oslo_programme)
    berit = await coordinator(h, bergen, user_id=101, name="Berit")
    await h.active_pair(oslo_programme)
    await run_until(h, on(NO_MEETING_ALERT + timedelta(days=2), 12))
    [alert] = alerts_about(kari, "No meeting since")
    data = alert.callback_data("Resolved")
    alert_id = int(data.split(":")[1])
    await berit.press_data(alert, data)
    await h.emulator.wait_until_idle()
    assert (
        berit.callback_answers[-1]["text"]
        == "Only coordinators of this programme can use these buttons."
    )
    async with h.db.session() as session:
        row = await session.get(AlertRow, alert_id)
        assert row is not None and row.status == "open" and row.resolved_by is None
    # And not in an alert chat of her own programme either.
    group = h.emulator.group(-800, "Bergen team")
    await berit.send_in_group(group, "/bindalerts")
    await group.next_message()
    await berit.press_data(alert, data)
    await h.emulator.wait_until_idle()
    async with h.db.session() as session:
        row = await session.get(AlertRow, alert_id)
        assert row is not None and row.status == "open"


async def test_after_deleteme_no_row_holds_her_name_id_or_words(
    harness_each_db: Harness,
) -> None:
    """An adept plans, meets, asks for help, gets an outcome, a note, a gathering and an
    evaluation; /mydata shows all of it that is hers; after /deleteme the whole database
    holds neither her name, her Telegram id nor anything she wrote, and counts stay."""
    h = harness_each_db  # Tuesday 3 March 2026, 10:00 in Oslo
    programme, _cohort = await h.services.create_programme(
        name="Global Future Oslo", timezone="Europe/Oslo", language="en", ends_on=ENDS
    )
    kari = await coordinator(h, programme)
    group = h.emulator.group(-700, "Oslo team")
    await kari.send_in_group(group, "/bindalerts")
    await group.next_message()
    ola, amina, pair_id = await h.active_pair(programme)
    amina_id = await adept_id(h, programme)
    goal = "Glimwerk welding goal"
    async with h.services.db.unit() as uow:
        await uow.pairs.set_goals(pair_id, ["@cv", goal])
    ola.catch_up()
    amina.catch_up()

    # A planning proposal to Ola names her.
    await amina.send("/plan")
    await amina.next_message()
    await amina.send("friday")
    await amina.next_message()
    await h.deliver()
    assert "Amina suggests" in ((await ola.next_message()).text or "")
    # A meeting with her own topic, a low score and a help request with her words,
    # posted in the alert group.
    await amina.send("/met")
    logged = await amina.next_message()
    await amina.press(logged, "Today, 1 hour")
    score = await amina.next_message()
    # The goal worked on is named on the receipt, after the fact.
    await amina.press(logged, next(b for b in logged.button_texts() if "Glimwerk" in b))
    await h.emulator.wait_until_idle()
    await amina.press(score, "2")
    await amina.press(await amina.next_message(), "Done")
    await amina.press(await amina.next_message(), "I need help")
    await amina.next_message()
    await amina.send("Help text Blorptastic")
    await amina.next_message()
    await h.deliver()
    # The alert group is told that she wrote, never what (only the coordinator reads it).
    assert not any("Blorptastic" in (m.text or "") for m in group.inbox())
    # The coordinator's note and outcome about her.
    await kari.send(f"/note {pair_id} Amina worries about Plinth visa")
    await kari.next_message()
    await kari.send(f"/outcome {pair_id} job welder at ACME in Bergen")
    await kari.next_message()
    # A gathering she says yes to.
    await kari.send("/gathering")
    await kari.next_message()
    for answer in ("Kick-off", "10.3 kl 18", "Oslo City Hall"):
        await kari.send(answer)
        await kari.next_message()
    await kari.press(kari.inbox()[-1], "Mentors and mentees")
    await kari.press(await kari.next_message(), "Send invitations")
    await kari.next_message()
    await h.deliver()
    amina.catch_up()
    [invitation] = [m for m in amina.inbox() if (m.text or "").startswith("You are invited")]
    await amina.press(invitation, "I'll come")
    await amina.next_message()
    # The evaluation on the cohort's last day, with her own words.
    h.clock.set(datetime(2026, 4, 28, 9, 1, tzinfo=UTC))
    await h.tick()
    await h.emulator.wait_until_idle()
    amina.catch_up()
    await amina.press(amina.inbox()[-1], "4")
    await amina.press(await amina.next_message(), "5")
    await amina.press(await amina.next_message(), "3")
    await amina.press(await amina.next_message(), "Job")
    await amina.next_message()
    await amina.send("welder at ACME in Bergen")
    await amina.press(await amina.next_message(), "Yes")
    await amina.next_message()
    await amina.send("Snorkel evaluation words")
    assert (await amina.next_message()).text == (
        "Thank you! Only the coordinator sees your answers."
    )
    await h.deliver()
    ola.catch_up()
    kari.catch_up()

    # /mydata: everything above that is hers.
    await amina.send("/mydata")
    data: dict[str, Any] = json.loads(document(h, await amina.next_message()))
    summary = document(h, await amina.next_message()).decode("utf-8")
    for line in (
        "Evaluations you answered: 1",
        "Outcomes the coordinator recorded for you: 1",
        "Gatherings you were invited to: 1",
    ):
        assert line in summary.splitlines()
    [pair] = data["pairs"]
    assert pair["goals"] == ["@cv", goal]
    assert [m["topic"] for m in pair["meetings"]] == [goal]
    assert len(pair["planned_meetings"]) == 1
    assert len(pair["notes"]) == 1 and "text" not in pair["notes"][0]
    assert [c["help_text"] for c in data["check_ins"]] == ["Help text Blorptastic"]
    [evaluation] = data["evaluations"]
    assert evaluation["answers"]["comment"] == "Snorkel evaluation words"
    assert evaluation["answers"]["outcome_text"] == "welder at ACME in Bergen"
    assert [(o["kind"], o["text"]) for o in data["outcomes"]] == [
        ("job", "welder at ACME in Bergen")
    ]
    assert [(g["gathering"], g["answer"]) for g in data["gathering_invitations"]] == [
        ("Kick-off", "yes")
    ]
    assert "Plinth" not in json.dumps(data)  # the coordinator's note is not hers to read

    before = await dump(h.db)
    words = [
        "Amina",
        goal,
        "Help text Blorptastic",
        "Plinth visa",
        "welder at ACME in Bergen",
        "Snorkel evaluation words",
    ]
    for text in words:
        assert text in before, text
    assert re.search(rf"(?<!\d){amina.id}(?!\d)", before)
    async with h.db.session() as session:
        counted = {
            table.name: (await session.execute(select(func.count()).select_from(table))).scalar()
            for table in SQLModel.metadata.sorted_tables
            if table.name in ("meeting", "check_in", "evaluation", "outcome", "pair", "alert")
        }

    await amina.send("/deleteme")
    await amina.press(await amina.next_message(), "Yes, delete")
    await amina.next_message()
    await h.deliver()

    # The goodbye itself is counted in her chat's send window (the shared rate limit on
    # PostgreSQL), which the rate limiter forgets after minutes (its KEEP);
    # erasure deletes the windows there were (tests/storage/test_erasure_completeness.py).
    after = "\n".join(
        line for line in (await dump(h.db)).splitlines() if not line.startswith("send_budget ")
    )
    for text in words:
        assert text not in after, [line for line in after.splitlines() if text in line]
    assert not re.search(rf"(?<!\d){amina.id}(?!\d)", after), [
        line for line in after.splitlines() if str(amina.id) in line
    ]
    async with h.db.session() as session:
        for name, count in counted.items():
            table = SQLModel.metadata.tables[name]
            assert (await session.execute(select(func.count()).select_from(table))).scalar() == (
                count
            ), name
        [row] = (
            await session.execute(select(EvaluationRow).where(EvaluationRow.person_id == amina_id))
        ).scalars()
        assert (row.answers["overall"], row.answers["outcome"]) == (4, "job")
