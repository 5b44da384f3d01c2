"""The weekly digest and the weekly note end to end: sent once across a restart, with its
chart as a photo; /digest on demand; /settings turning the weekly note off and on; the
note only when there is something to say."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from PIL import Image
from sqlalchemy import update

from bot.domain.model import OutboxStatus, Role
from bot.domain.rhythm import PlanStatus
from bot.sim.emulator import BotApiEmulator, SentMessage, SimGroup, SimUser
from storage.models import ProgrammeRow
from tests.support.cohorts import NO_MEETING_ALERT, coordinator, on, run_until
from tests.support.databases import fresh_database_url
from tests.support.harness import Harness, bot_on
from tests.support.rows import confirmed_meeting

OSLO = ZoneInfo("Europe/Oslo")
PNG = b"\x89PNG\r\n\x1a\n"


def oslo(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=OSLO).astimezone(UTC)


def digests(user: SimUser) -> list[SentMessage]:
    return [m for m in user.inbox() if (m.text or "").startswith("📋 Weekly digest")]


def photos(user: SimUser) -> list[SentMessage]:
    return [m for m in user.inbox() if m.kind == "photo"]


def weekly_notes(user: SimUser) -> list[SentMessage]:
    return [m for m in user.inbox() if (m.text or "").startswith("Your week with")]


async def person_ids(h: Harness, programme_id: int) -> tuple[int, int]:
    [mentor] = await h.pairing.members(programme_id, Role.MENTOR)
    [adept] = await h.pairing.members(programme_id, Role.ADEPT)
    return mentor.id, adept.id


def assert_png(emulator: BotApiEmulator, photo: SentMessage) -> None:
    assert photo.file_id is not None
    picture = emulator.file_bytes(photo.file_id)
    assert picture.startswith(PNG)
    with Image.open(io.BytesIO(picture)) as image:
        assert image.size == (720, 1080)


async def test_the_weekly_digest_goes_out_once_across_a_restart(tmp_path: Path) -> None:
    async for url in fresh_database_url("sqlite", tmp_path):
        async with BotApiEmulator() as emulator:
            async with bot_on(emulator, url) as h:
                programme = await h.programme()
                kari = await coordinator(h, programme)
                _ola, _amina, pair_id = await h.active_pair(programme)
                mentor_id, _adept_id = await person_ids(h, programme.id)
                async with h.services.db.unit() as uow:
                    await confirmed_meeting(uow, pair_id, mentor_id, oslo(2026, 3, 5, 18))
                h.clock.set(oslo(2026, 3, 9, 7, 59))  # Monday, a minute early
                await h.tick()
                await emulator.wait_until_idle()
                assert digests(kari) == []
                h.clock.set(oslo(2026, 3, 9, 8))
                await h.tick()
                await emulator.wait_until_idle()
                [digest] = digests(kari)
                [chart] = photos(kari)
            # A restart at 08:00: a new process, the same database, ticking again.
            async with bot_on(emulator, url) as again:
                for moment in (oslo(2026, 3, 9, 8), oslo(2026, 3, 9, 8, 1), oslo(2026, 3, 9, 20)):
                    again.clock.set(moment)
                    await again.tick()
                await emulator.wait_until_idle()
                # Even if the programme had forgotten the week, the outbox keys hold.
                async with again.services.db.unit() as uow:
                    await uow.session.execute(update(ProgrammeRow).values(digest_week=None))
                await again.tick()
                await emulator.wait_until_idle()
                assert len(digests(kari)) == 1
                assert len(photos(kari)) == 1
                async with again.services.db.unit() as uow:
                    rows = [i for i in await uow.outbox.outbox_items() if i.kind == "digest"]
                assert {r.status for r in rows} == {OutboxStatus.SENT}
                assert sorted(r.idempotency_key for r in rows) == [
                    f"digest:{programme.id}:2026-W11:{kari.id}:1",
                    f"digest:{programme.id}:2026-W11:{kari.id}:chart",
                ]
                # The next Monday brings the next week's digest.
                again.clock.set(oslo(2026, 3, 16, 8, 30))
                await again.tick()
                await emulator.wait_until_idle()
                assert len(digests(kari)) == 2

    assert digest.text is not None
    lines = digest.text.splitlines()
    assert lines[0] == "📋 Weekly digest: Global Future Oslo, week 11"
    assert "Pairs: 1 active, 0 awaiting agreement, 0 paused, 0 ended." in lines
    assert "Last 7 days: 1 logged, 1 confirmed by both." in lines
    assert "1 of 1 active pairs have met this period (100 %)." in lines
    assert chart.caption is not None and chart.caption.startswith("Global Future Oslo: meetings")
    assert_png(emulator, chart)
    assert kari.inbox().index(digest) < kari.inbox().index(chart)


async def test_digest_command_for_coordinators_only(harness: Harness) -> None:
    h = harness
    programme = await h.programme()
    kari = await coordinator(h, programme)
    ola, _amina, _pair_id = await h.active_pair(programme)
    kari.catch_up()
    await kari.send("/digest")
    text = await kari.next_message()
    assert (text.text or "").startswith("📋 Weekly digest: Global Future Oslo, week 10")
    assert "Pairs: 1 active, 0 awaiting agreement, 0 paused, 0 ended." in (text.text or "")
    chart = await kari.next_message()
    assert chart.kind == "photo"
    assert_png(h.emulator, chart)
    # An answer, not a scheduled message: nothing went through the outbox.
    async with h.services.db.unit() as uow:
        assert [i for i in await uow.outbox.outbox_items() if i.kind == "digest"] == []

    ola.catch_up()
    await ola.send("/digest")
    assert (await ola.next_message()).text == "Only coordinators can do this."


async def test_the_weekly_note_only_when_there_is_something_to_say(harness: Harness) -> None:
    h = harness
    programme = await h.programme()
    ola, amina, pair_id = await h.active_pair(programme)
    mentor_id, _adept_id = await person_ids(h, programme.id)
    # Monday 9 March: the planning question fills the day, so no note that week.
    h.clock.set(oslo(2026, 3, 9, 10))
    await h.tick()
    await h.emulator.wait_until_idle()
    assert (amina.inbox()[-1].text or "").startswith("Have you agreed when to meet Ola")
    h.clock.set(oslo(2026, 3, 12, 10))  # Thursday: the reminder
    await h.tick()
    # Monday 16 March: a free day, but nothing planned and nothing held: nothing to say.
    h.clock.set(oslo(2026, 3, 16, 10))
    await h.tick()
    await h.emulator.wait_until_idle()
    assert weekly_notes(ola) == [] and weekly_notes(amina) == []

    async with h.services.db.unit() as uow:
        plan = await uow.meetings.add_planned(
            pair_id=pair_id,
            planned_on=date(2026, 3, 18),
            planned_time=time(17, 0),
            proposed_by=mentor_id,
            now=h.clock.now(),
        )
        await uow.meetings.set_planned_status(plan.id, PlanStatus.CONFIRMED)
    h.clock.set(oslo(2026, 3, 16, 10, 30))
    await h.tick()
    await h.emulator.wait_until_idle()
    [note] = weekly_notes(ola)
    assert note.text is not None
    lines = note.text.splitlines()
    assert lines[:3] == [
        "Your week with Amina:",
        "⏳ You have not met yet this period.",
        "Next meeting: Wednesday 18 March at 17:00.",
    ]
    assert "Speak Norwegian at work" in note.text
    assert lines[-1] == "You can turn off this note in /settings."
    assert len(weekly_notes(amina)) == 1
    # Once a week, and only on its first working day.
    h.clock.set(oslo(2026, 3, 16, 15))
    await h.tick()
    h.clock.set(oslo(2026, 3, 17, 10))
    await h.tick()
    await h.emulator.wait_until_idle()
    assert len(weekly_notes(ola)) == 1


async def test_settings_turn_the_weekly_note_off_and_on(harness: Harness) -> None:
    h = harness
    programme = await h.programme()
    ola, amina, pair_id = await h.active_pair(programme)
    mentor_id, adept_id = await person_ids(h, programme.id)
    amina.catch_up()
    await amina.send("/settings")
    shown = await amina.next_message()
    assert shown.text == ("Your settings:\nWeekly note about your pair: on\nLanguage: English")
    await amina.press(shown, "Turn off weekly note")
    await h.emulator.wait_until_idle()
    shown = amina.inbox()[amina.inbox().index(shown)]
    assert shown.text == ("Your settings:\nWeekly note about your pair: off\nLanguage: English")
    assert "Turn on weekly note" in shown.button_texts()
    async with h.services.db.unit() as uow:
        people = await uow.people.people([mentor_id, adept_id])
    assert people[adept_id].weekly_note is False
    assert people[mentor_id].weekly_note is True

    async with h.services.db.unit() as uow:
        await confirmed_meeting(uow, pair_id, mentor_id, oslo(2026, 3, 6, 18))
    h.clock.set(oslo(2026, 3, 9, 10))
    await h.tick()
    await h.emulator.wait_until_idle()
    assert len(weekly_notes(ola)) == 1
    assert weekly_notes(amina) == []

    await amina.press(shown, "Turn on weekly note")
    await h.emulator.wait_until_idle()
    assert amina.inbox()[amina.inbox().index(shown)].text == (
        "Your settings:\nWeekly note about your pair: on\nLanguage: English"
    )
    async with h.services.db.unit() as uow:
        await uow.meetings.add_planned(
            pair_id=pair_id,
            planned_on=date(2026, 3, 19),
            planned_time=None,
            proposed_by=mentor_id,
            now=h.clock.now(),
        )
    h.clock.set(oslo(2026, 3, 16, 10))
    await h.tick()
    await h.emulator.wait_until_idle()
    [note] = weekly_notes(amina)
    assert (note.text or "").splitlines()[1:3] == [
        "✅ You met Friday 6 March.",
        "Next meeting: Thursday 19 March.",
    ]


async def test_the_digest_goes_to_the_alert_group_with_links_to_its_alerts(
    harness: Harness,
) -> None:
    h = harness
    programme = await h.programme(language="nb")  # the group reads the programme's language
    kari = await coordinator(h, programme)
    await h.active_pair(programme)
    group = h.emulator.group(-1001234567890, "Mentorteamet", type="supergroup")
    await kari.send_in_group(group, "/bindalerts")
    await group.next_message()
    # The no-meeting alert (18 April), then the Monday after it (20 April).
    monday = NO_MEETING_ALERT + timedelta(days=(7 - NO_MEETING_ALERT.weekday()) % 7)
    await run_until(h, on(monday, 9))
    alerts = [m for m in group.inbox() if (m.text or "").startswith("⚠️ Mentorpar #")]
    assert len(alerts) == 2  # not answering, then no meeting
    weekly = [m for m in group.inbox() if (m.text or "").startswith("📋 Ukeoversikt")]
    mondays = (monday - date(2026, 3, 9)).days // 7 + 1  # every Monday from 9 March, once
    assert len(weekly) == mondays
    assert digests(kari) == [] and photos(kari) == []  # the group has them, not Kari
    last = weekly[-1].text or ""
    week = monday.isocalendar().week
    assert last.splitlines()[0] == f"📋 Ukeoversikt: Global Future Oslo, uke {week}"
    assert "⚠️ 1 par trenger oppfølging." in last
    for alert in alerts:
        assert f"  https://t.me/c/1234567890/{alert.message_id}" in last.splitlines()
    left = (date(2027, 3, 3) - monday).days
    assert f"Kullet slutter onsdag 3. mars 2027 ({left} dager igjen)." in last.splitlines()
    assert len(photos_in(group)) == mondays
    assert_png(h.emulator, photos_in(group)[-1])


def photos_in(chat: SimGroup) -> list[SentMessage]:
    return [m for m in chat.inbox() if m.kind == "photo"]
