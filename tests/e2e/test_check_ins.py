"""Check-ins end to end: what people write is kept, and a low score is about the person
who gave it."""

from __future__ import annotations

from datetime import timedelta

from bot.sim.emulator import SimUser
from tests.support.cohorts import (
    NO_MEETING_ALERT,
    TOO_LONG,
    alerts_about,
    coordinator,
    on,
    oslo,
    run_until,
)
from tests.support.harness import Harness


async def log_meeting(h: Harness, by: SimUser, other: SimUser, score: str) -> None:
    """`by` logs a meeting today and scores it; `other` confirms it and answers 5."""
    await by.send("/met")
    await by.press(await by.next_message(), "Today, 1 hour")
    await by.press(await by.next_message(), score)
    prompt = await by.next_message()
    if "Done" in prompt.button_texts():
        await by.press(prompt, "Done")
        prompt = await by.next_message()
    await by.press(prompt, "No comment")
    await by.next_message()
    await h.deliver()
    other.catch_up()
    await h.emulator.wait_until_idle()
    [confirm] = [m for m in other.inbox() if "Yes" in m.button_texts()][-1:]
    await other.press(confirm, "Yes")
    await other.next_message()
    await other.press(await other.next_message(), "5")
    await other.press(await other.next_message(), "No comment")
    await other.next_message()


async def test_a_comment_and_a_help_text_are_both_kept(harness: Harness) -> None:
    h = harness
    programme = await h.programme()
    kari = await coordinator(h, programme)
    _ola, amina, pair_id = await h.active_pair(programme)
    h.clock.set(oslo(2026, 3, 4, 12))
    await amina.send("/met")
    await amina.press(await amina.next_message(), "Today, 1 hour")
    await amina.press(await amina.next_message(), "3")
    await amina.press(await amina.next_message(), "Done")
    prompt = await amina.next_message()
    await amina.send("We wrote my CV together.")
    assert (await amina.next_message()).text == "Thank you! Only the coordinator sees your answer."
    # The prompt still has its buttons: asking for help afterwards is allowed, and what
    # she writes then is kept next to the comment, not over it.
    await amina.press(prompt, "I need help")
    await amina.next_message()
    await amina.send("I lost my housing.")
    assert (await amina.next_message()).text == "Thank you. I have sent it to the coordinator."
    await h.deliver()
    kari.catch_up()
    await kari.send(f"/pair {pair_id}")
    shown = (await kari.next_message()).text or ""
    [line] = [line for line in shown.splitlines() if line.startswith("Check-in")]
    assert "«We wrote my CV together.»" in line
    assert "«I lost my housing.»" in line
    assert "(asked for help)" in line


async def test_no_text_written_in_a_check_in_is_lost_or_overwritten(harness: Harness) -> None:
    """The class of the lost comment: every text typed while a check-in's prompt is open
    is kept, whatever was tapped or written before it."""
    h = harness
    programme = await h.programme()
    kari = await coordinator(h, programme)
    ola, amina, pair_id = await h.active_pair(programme)
    h.clock.set(oslo(2026, 3, 4, 12))
    # Amina taps «No comment», then writes one after all.
    await amina.send("/met")
    await amina.press(await amina.next_message(), "Today, 1 hour")
    await amina.press(await amina.next_message(), "4")
    await amina.press(await amina.next_message(), "Done")
    await amina.press(await amina.next_message(), "No comment")
    await amina.next_message()
    await amina.send("It was a good talk.")
    assert (await amina.next_message()).text == "Thank you! Only the coordinator sees your answer."
    # Ola asks for help, writes twice.
    await h.deliver()
    confirm = await ola.next_message()
    await ola.press(confirm, "Yes")
    await ola.next_message()
    await ola.press(await ola.next_message(), "3")
    await ola.press(await ola.next_message(), "I need help")
    await ola.next_message()
    await ola.send("Amina seems worried.")
    assert (await ola.next_message()).text == "Thank you. I have sent it to the coordinator."
    await h.deliver()
    kari.catch_up()
    await kari.send(f"/pair {pair_id}")
    shown = (await kari.next_message()).text or ""
    assert "«It was a good talk.»" in shown
    assert "«Amina seems worried.»" in shown


async def test_a_low_score_is_not_resolved_by_the_other_partys_answer(
    harness: Harness,
) -> None:
    h = harness
    programme = await h.programme()
    kari = await coordinator(h, programme)
    ola, amina, pair_id = await h.active_pair(programme)
    h.clock.set(oslo(2026, 3, 4, 12))
    await log_meeting(h, amina, ola, "1")  # Amina gives 1, Ola answers 5 after her
    await h.tick()
    await h.emulator.wait_until_idle()
    [alert] = alerts_about(kari, "Amina gave the check-in score 1")
    position = kari.inbox().index(alert)
    await h.tick()
    await h.emulator.wait_until_idle()
    assert (kari.inbox()[position].text or "").startswith("⚠️"), "still open after Ola's 5"

    # Her own better answer, at the next meeting, resolves it.
    h.clock.set(oslo(2026, 3, 18, 12))
    await log_meeting(h, amina, ola, "4")
    await h.tick()
    await h.emulator.wait_until_idle()
    assert (kari.inbox()[position].text or "").endswith(
        "Resolved by itself: a newer check-in is better."
    )
    del pair_id


async def test_paused_days_do_not_count_as_days_without_a_meeting(harness: Harness) -> None:
    h = harness
    programme = await h.programme()
    kari = await coordinator(h, programme)
    _ola, amina, pair_id = await h.active_pair(programme)  # active Tuesday 3 March
    await amina.send("/pause")
    await amina.press(await amina.next_message(), "1 month")
    await amina.next_message()  # paused until Thursday 2 April: 30 days after the start
    day = timedelta(days=1)
    # Without the pause the alert came on 18 April; now 30 days later.
    paused_late = NO_MEETING_ALERT + timedelta(days=30)
    await run_until(h, on(paused_late - day, 12), step=day)
    assert alerts_about(kari, "No meeting since") == []
    await run_until(h, on(paused_late, 12), step=day)
    [alert] = alerts_about(kari, "No meeting since")
    assert alert.text is not None and alert.text.startswith(
        f"⚠️ Pair #{pair_id}: Ola (mentor) and Amina (mentee)\n"
        f"No meeting since they started ({TOO_LONG} days, not counting 30 days of pause; "
        "the programme expects once a month)."
    )


async def test_binding_the_alert_chat_posts_no_empty_digest(harness: Harness) -> None:
    h = harness
    h.clock.set(oslo(2026, 3, 9, 10))  # a Monday, after the digest's hour: it is due
    programme = await h.programme(language="en")
    kari = await coordinator(h, programme)
    group = h.emulator.group(-500, "Mentor team")
    await kari.send_in_group(group, "/bindalerts")
    assert (await group.next_message()).text == (
        "✅ Alerts for Global Future Oslo will come to this group. /unbindalerts stops it.\n"
        "The weekly digest comes here too. Next: Monday 16 March at 08:00."
    )
    await h.tick()
    await h.emulator.wait_until_idle()
    assert [m for m in group.inbox() if m.kind == "photo" or (m.text or "").startswith("📋")] == []
    assert [m for m in kari.inbox() if m.kind == "photo" or (m.text or "").startswith("📋")] == []
    await run_until(h, oslo(2026, 3, 16, 9), step=timedelta(days=1))
    assert len([m for m in group.inbox() if (m.text or "").startswith("📋 Weekly digest")]) == 1


async def test_a_meeting_confirmed_today_is_in_the_last_seven_days(harness: Harness) -> None:
    h = harness
    programme = await h.programme(language="en")
    kari = await coordinator(h, programme)
    ola, amina, _pair_id = await h.active_pair(programme)
    h.clock.set(oslo(2026, 3, 4, 15))
    await log_meeting(h, amina, ola, "4")  # held today, confirmed by Ola today
    kari.catch_up()
    await kari.send("/digest")
    shown = (await kari.next_message()).text or ""
    assert "Last 7 days: 1 logged, 1 confirmed by both." in shown.splitlines()
