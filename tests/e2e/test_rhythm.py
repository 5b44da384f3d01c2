"""The meeting rhythm end to end: one pair over three months of ticks, planning,
reminders, logging and confirming meetings, check-ins, pauses, disputes and DST."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.domain.model import OutboxStatus
from bot.sim.emulator import SentMessage, SimUser
from tests.support import cohorts
from tests.support.cohorts import OSLO, oslo
from tests.support.harness import Harness


async def run_until(h: Harness, moment: datetime) -> None:
    """Ticks every three hours: the rhythm's reminders are hours apart."""
    await cohorts.run_until(h, moment, step=timedelta(hours=3))


def transcript(user: SimUser, since: int) -> list[str]:
    return [(m.text or "").split("\n")[0] for m in user.inbox()[since:]]


async def test_three_months_of_one_pair(harness: Harness) -> None:
    h = harness  # the clock starts on Tuesday 3 March 2026, 10:00 in Oslo
    programme = await h.programme()
    ola, amina, pair_id = await h.active_pair(programme)
    ola_start, amina_start = len(ola.inbox()), len(amina.inbox())

    # The first two weeks: a planning nudge, a date agreed, a reminder, the meeting.
    # They were introduced today, so the first nudge waits until tomorrow morning.
    await h.tick()
    await amina.expect_no_message()
    await run_until(h, oslo(2026, 3, 4, 10))
    plan = await amina.next_message()
    assert plan.text == "Have you agreed when to meet Ola for the first time?"
    await ola.next_message()
    await amina.press(plan, "We have a date")
    days = await amina.next_message()
    assert days.button_texts() == ["Thu 5 Mar", "Fri 6 Mar", "Mon 9 Mar", "Tue 10 Mar"]
    await amina.press(days, "Thu 5 Mar")
    assert (await amina.next_message()).text == (
        "✅ I have asked Ola if Thursday 5 March works. I will tell you the answer."
    )
    await h.deliver()
    proposal = await ola.next_message()
    assert proposal.text == "Amina suggests you meet Thursday 5 March. Does that work for you?"
    await ola.press(proposal, "Yes, that works")
    assert "You meet Amina Thursday 5 March" in ((await ola.next_message()).text or "")
    await h.deliver()
    assert (await amina.next_message()).text == "✅ Ola can meet Thursday 5 March."

    await run_until(h, oslo(2026, 3, 5, 18))
    assert (await amina.next_message()).text == "Reminder: you meet Ola tomorrow, Thursday 5 March."
    assert (await ola.next_message()).text == "Reminder: you meet Amina tomorrow, Thursday 5 March."

    await amina.send("/met")
    logged = await amina.next_message()
    assert logged.button_texts() == ["Today, 1 hour", "Yesterday, 1 hour", "Other length"]
    # One tap logs it: the question turns into the receipt, with the goals to name one.
    await amina.press(logged, "Today, 1 hour")
    score = await amina.next_message()
    assert logged.text == (
        "✅ Saved: you met Ola Thursday 5 March, 1 hour. I have asked Ola to confirm.\n"
        "Did you work on a goal? Tap it if you want."
    )
    assert logged.button_texts() == ["Write a Norwegian CV", "Speak Norwegian at work"]
    await amina.press(logged, "Write a Norwegian CV")
    await h.emulator.wait_until_idle()
    assert logged.text == (
        "✅ Saved: you met Ola Thursday 5 March, 1 hour. I have asked Ola to confirm.\n"
        "Goal: Write a Norwegian CV"
    )
    assert logged.button_texts() == []
    assert score.button_texts() == ["1", "2", "3", "4", "5"]
    await amina.press(score, "4")
    goals = await amina.next_message()
    await amina.press(goals, "Speak Norwegian at work")
    await h.emulator.wait_until_idle()
    await amina.press(amina.inbox()[-1], "Done")
    await amina.next_message()
    await amina.send("We wrote my CV together.")
    assert (await amina.next_message()).text == "Thank you! Only the coordinator sees your answer."

    await h.deliver()
    confirm = await ola.next_message()
    assert confirm.text == "Amina says you met Thursday 5 March for 1 hour. Is that right?"
    await ola.press(confirm, "Yes")
    assert (await ola.next_message()).text == "✅ Thank you, the meeting is confirmed."
    await ola.press(await ola.next_message(), "5")
    await ola.press(await ola.next_message(), "No comment")
    await ola.next_message()

    # The rest of March: they ignore everything.
    await run_until(h, oslo(2026, 4, 1, 8))
    # April: Ola suggests a date by typing it, Amina agrees, they meet.
    await run_until(h, oslo(2026, 4, 1, 12))
    april = ola.catch_up()[-1]
    amina.catch_up()
    assert april.text == "Have you agreed when to meet Amina this month?"
    await ola.press(april, "We have a date")
    await ola.next_message()
    await ola.send("Tuesday 7 April at 17:30")
    assert (await ola.next_message()).text == (
        "✅ I have asked Amina if Tuesday 7 April at 17:30 works. I will tell you the answer."
    )
    await h.deliver()
    await amina.press(await amina.next_message(), "Yes, that works")
    # Her answer is handled before the clock moves on to the day before.
    assert (await amina.next_message()).text == (
        "✅ Great! You meet Ola Tuesday 7 April at 17:30. I will remind you the day before."
    )
    await run_until(h, oslo(2026, 4, 7, 19))
    ola.catch_up()
    await ola.send("/met")
    logged = await ola.next_message()
    # Another length: the question turns into the next one each time.
    await ola.press(logged, "Other length")
    await h.emulator.wait_until_idle()
    assert logged.text == "About how long did you meet?"
    await ola.press(logged, "2 hours")
    await h.emulator.wait_until_idle()
    assert logged.button_texts() == ["Today", "Yesterday"]
    await ola.press(logged, "Today")
    # Saved before the clock moves on: the confirmation to Amina is queued today.
    await ola.next_message()  # the check-in
    assert (logged.text or "").startswith(
        "✅ Saved: you met Amina Tuesday 7 April, 2 hours. I have asked Amina to confirm."
    )
    await run_until(h, oslo(2026, 5, 4, 12))

    assert transcript(amina, amina_start) == [
        "Have you agreed when to meet Ola for the first time?",
        "Which day will you meet Ola? Tap a day, or write a date and time, like «3.12 kl 17».",
        "✅ I have asked Ola if Thursday 5 March works. I will tell you the answer.",
        "✅ Ola can meet Thursday 5 March.",
        "Reminder: you meet Ola tomorrow, Thursday 5 March.",
        "✅ Saved: you met Ola Thursday 5 March, 1 hour. I have asked Ola to confirm.",
        "How is the mentorship going for you? Tap a number: 1 is bad, 5 is very good.",
        "Did you get closer to a goal? Tap the goals, then «Done».",
        "Anything to add? Write a short comment, or tap a button. Only the coordinator sees it. Do not write about health, religion or similar.",
        "Thank you! Only the coordinator sees your answer.",
        # Monday 9 March: the weekly note (they met last week).
        "Your week with Ola:",
        # March, ignored: a planning nudge, a reminder, and a check-in on the last day.
        "Have you agreed when to meet Ola this month?",
        "Have you found a time to meet Ola? It is good to meet soon.",
        "How is the mentorship going for you? Tap a number: 1 is bad, 5 is very good.",
        # April.
        "Have you agreed when to meet Ola this month?",
        "Ola suggests you meet Tuesday 7 April at 17:30. Does that work for you?",
        "✅ Great! You meet Ola Tuesday 7 April at 17:30. I will remind you the day before.",
        # Wednesday 1 April: Easter comes between, so not «tomorrow».
        "Reminder: you meet Ola Tuesday 7 April at 17:30.",
        "Ola says you met Tuesday 7 April for 2 hours. Is that right?",
        # Monday 13 April: the weekly note (Monday 6 April had the reminder).
        "Your week with Ola:",
        # May begins.
        "Have you agreed when to meet Ola this month?",
    ]
    async with h.services.db.unit() as uow:
        meetings = await uow.meetings.meetings_of(pair_id)
        check_ins = await uow.check_ins.check_ins_of([pair_id])
    assert [(m.held_on.isoformat(), m.minutes, m.status.value) for m in meetings] == [
        ("2026-03-05", 60, "confirmed"),
        ("2026-04-07", 120, "reported"),
    ]
    assert [(c.score, c.comment, c.goals_progressed) for c in check_ins if c.completed_at] == [
        (4, "We wrote my CV together.", ("Speak Norwegian at work",)),
        (5, None, ()),
    ]
    del ola_start


async def test_a_stale_planning_question_says_the_date_is_already_fixed(harness: Harness) -> None:
    h = harness
    programme = await h.programme()
    ola, amina, pair_id = await h.active_pair(programme)
    await run_until(h, oslo(2026, 3, 4, 10))
    amina_question = await amina.next_message()
    ola_question = await ola.next_message()
    assert ola_question.text == "Have you agreed when to meet Amina for the first time?"
    await amina.press(amina_question, "We have a date")
    await amina.press(await amina.next_message(), "Thu 5 Mar")
    await amina.next_message()
    await h.deliver()
    await ola.press(await ola.next_message(), "Yes, that works")
    await ola.next_message()

    # Ola's own question from this morning is still on his screen: the date is fixed.
    await ola.press(ola_question, "We have a date")
    assert (await ola.next_message()).text == (
        "You already have a date: you meet Amina Thursday 5 March. /status shows more."
    )
    await ola.expect_no_message()
    async with h.services.db.unit() as uow:
        history = [
            r.history
            for r in await uow.meetings.rhythm_histories(since=date(2026, 3, 1), pair_id=pair_id)
        ]
    assert [p.planned_on.isoformat() for p in history[0].planned] == ["2026-03-05"]


async def test_a_repeated_tick_sends_nothing_more(harness: Harness) -> None:
    programme = await harness.programme()
    await harness.active_pair(programme)
    harness.clock.advance(timedelta(days=1))
    await harness.tick()
    await harness.emulator.wait_until_idle()
    sent = len(harness.emulator.calls("sendMessage"))
    await harness.tick()
    await harness.tick()
    await harness.emulator.wait_until_idle()
    assert len(harness.emulator.calls("sendMessage")) == sent
    async with harness.services.db.unit() as uow:
        nudges = [i for i in await uow.outbox.outbox_items() if i.kind == "plan"]
    assert len(nudges) == 2 and all(i.status is OutboxStatus.SENT for i in nudges)


async def test_a_disputed_meeting_does_not_count(harness: Harness) -> None:
    h = harness
    programme = await h.programme()
    ola, amina, pair_id = await h.active_pair(programme)
    await run_until(h, oslo(2026, 3, 4, 10))
    await amina.next_message()
    await ola.next_message()
    await amina.send("/met")
    await amina.next_message()
    await amina.send("yesterday")
    lengths = await amina.next_message()
    assert lengths.button_texts()[0] == "1 hour"  # the usual length first
    await amina.press(lengths, "30 minutes")
    await amina.next_message()  # the check-in
    assert "Saved" in (lengths.text or "")
    await h.deliver()
    confirm = await ola.next_message()
    await ola.press(confirm, "No, we did not")
    assert (await ola.next_message()).text == "Thank you. I have noted that you did not meet then."
    async with h.services.db.unit() as uow:
        [meeting] = await uow.meetings.meetings_of(pair_id)
    assert meeting.status.value == "disputed"
    # Not met, so the reminder still comes in the first period.
    await run_until(h, oslo(2026, 3, 13, 12))
    assert any("Have you found a time" in (m.text or "") for m in ola.inbox())
    # A second press on the old button (Telegram may still show it) changes nothing.
    await ola.press_data(confirm, f"mc:{meeting.id}:y")
    await h.emulator.wait_until_idle()
    assert ola.callback_answers[-1]["text"] == "This button is old. Nothing was changed."


async def test_a_pause_stops_nudges_and_tells_the_coordinator(harness: Harness) -> None:
    h = harness
    programme = await h.programme()
    kari = h.emulator.user(100, "Kari", language_code="en")
    await h.join(
        kari, programme, __import__("bot.domain.model", fromlist=["Role"]).Role.COORDINATOR
    )
    await kari.press(await kari.next_message(), "Yes, that is OK")
    await kari.next_message()
    ola, amina, pair_id = await h.active_pair(programme)
    await amina.send("/pause")
    asked = await amina.next_message()
    # No pause yet, so none to end.
    assert asked.button_texts() == ["2 weeks", "1 month", "2 months"]
    await amina.press(asked, "1 month")
    assert (await amina.next_message()).text == (
        "✅ Paused until Thursday 2 April. I have told Ola and the coordinator."
    )
    await h.deliver()
    assert (await kari.next_message()).text == (
        f"Pair #{pair_id} (Ola and Amina) is paused until Thursday 2 April. Amina asked for it."
    )
    assert (await ola.next_message()).text == (
        "Amina has paused your meetings until Thursday 2 April. I will not send reminders until then."
    )
    await ola.send("/pause")
    again = await ola.next_message()
    assert (again.text or "").startswith("⏳ Paused until Thursday 2 April.\n")
    assert again.button_texts() == ["2 weeks", "1 month", "2 months", "End the pause"]
    before = len(amina.inbox())
    await run_until(h, oslo(2026, 4, 2, 19))
    assert len(amina.inbox()) == before
    # The pause is over on Friday 3 April, but that is Good Friday, and Monday 6 April is
    # Easter Monday: public holidays in Norway, the programme's country.
    await run_until(h, oslo(2026, 4, 6, 19))
    assert len(amina.inbox()) == before
    await run_until(h, oslo(2026, 4, 7, 12))
    assert amina.inbox()[-1].text == "Have you agreed when to meet Ola this month?"


async def test_quiet_hours_and_weekends_across_the_dst_change(harness: Harness) -> None:
    h = harness
    h.clock.set(oslo(2026, 3, 27, 21))  # Friday evening before the change to summer time
    programme = await h.programme()
    ola, amina, _pair_id = await h.active_pair(programme)
    await run_until(h, oslo(2026, 3, 31, 12))
    async with h.services.db.unit() as uow:
        items = await uow.outbox.outbox_items()
    planned = [i for i in items if i.kind in ("plan", "remind", "check_in", "day_before")]
    assert planned, "the pair should have been nudged"
    for item in planned:
        local = item.not_before.astimezone(OSLO)
        assert local.weekday() < 5 and 9 <= local.hour < 20, (item.kind, local)
    # The introduction took Monday (the first working day after Friday evening), so the
    # first nudge comes on Tuesday morning, in summer time.
    first = min(planned, key=lambda i: i.not_before)
    assert first.not_before.astimezone(OSLO) == datetime(2026, 3, 31, 9, 0, tzinfo=OSLO)
    assert first.not_before == datetime(2026, 3, 31, 7, 0, tzinfo=UTC)
    del ola, amina


async def test_an_unparsable_date_gets_a_clear_answer(harness: Harness) -> None:
    h = harness
    programme = await h.programme()
    ola, amina, pair_id = await h.active_pair(programme)
    await amina.send("/plan")
    await amina.next_message()
    await amina.send("sometime soonish")
    assert (await amina.next_message()).text == (
        "I did not understand that date. Write it like 3.12 or «tuesday», or tap a button."
    )
    await amina.send("31.11")
    assert "did not understand" in ((await amina.next_message()).text or "")
    await amina.send("friday")
    assert (await amina.next_message()).text == (
        "✅ I have asked Ola if Friday 6 March works. I will tell you the answer."
    )
    async with h.services.db.unit() as uow:
        [rhythm] = await uow.meetings.rhythm_histories(since=h.clock.now().date(), pair_id=pair_id)
    assert [p.planned_on.isoformat() for p in rhythm.history.planned] == ["2026-03-06"]
    del ola


async def plan_thursday(h: Harness, ola: SimUser, amina: SimUser) -> None:
    """Amina suggests Thursday 5 March and Ola agrees."""
    await amina.send("/plan")
    await amina.press(await amina.next_message(), "Thu 5 Mar")
    await amina.next_message()
    await h.deliver()
    await ola.press(await ola.next_message(), "Yes, that works")
    await ola.next_message()
    await h.deliver()
    await h.emulator.wait_until_idle()


async def test_the_day_after_a_planned_meeting_both_are_asked_whether_they_met(
    harness: Harness,
) -> None:
    h = harness  # Tuesday 3 March 2026
    programme = await h.programme()
    ola, amina, pair_id = await h.active_pair(programme)
    await plan_thursday(h, ola, amina)
    await run_until(h, oslo(2026, 3, 5, 20))
    ola.catch_up()
    amina.catch_up()

    # Friday: not «have you agreed when to meet?», but whether they met.
    await run_until(h, oslo(2026, 3, 6, 12))
    [asked] = amina.catch_up()
    [asked_ola] = ola.catch_up()
    assert asked.text == "Did you and Ola meet on Thursday 5 March?"
    assert asked_ola.text == "Did you and Amina meet on Thursday 5 March?"
    assert asked.button_texts() == ["Yes", "No, new date"]

    # Yes: the logging of /met with the day filled in; the question edits itself.
    await amina.press(asked, "Yes")
    await h.emulator.wait_until_idle()
    assert asked.text == "About how long did you meet?"
    assert asked.button_texts()[0] == "1 hour"
    await amina.press(asked, "1 hour")
    score = await amina.next_message()
    assert score.button_texts() == ["1", "2", "3", "4", "5"]
    assert (asked.text or "").startswith(
        "✅ Saved: you met Ola Thursday 5 March, 1 hour. I have asked Ola to confirm."
    )
    async with h.services.db.unit() as uow:
        [meeting] = await uow.meetings.meetings_of(pair_id)
    assert (meeting.held_on, meeting.minutes) == (date(2026, 3, 5), 60)

    # Ola's «yes» after Amina logged it logs nothing twice: he confirms hers instead.
    await ola.press(asked_ola, "Yes")
    await h.emulator.wait_until_idle()
    assert asked_ola.button_texts() == []
    async with h.services.db.unit() as uow:
        assert len(await uow.meetings.meetings_of(pair_id)) == 1
    await h.deliver()
    assert (await ola.next_message()).text == (
        "Amina says you met Thursday 5 March for 1 hour. Is that right?"
    )

    # Asked once: nothing more about it in the days after.
    await run_until(h, oslo(2026, 3, 10, 12))
    assert not any("meet on" in (m.text or "") for m in [*amina.catch_up(), *ola.catch_up()])


async def test_no_new_date_plans_again_and_an_unanswered_question_lapses(
    harness: Harness,
) -> None:
    h = harness
    programme = await h.programme()
    ola, amina, _pair_id = await h.active_pair(programme)
    await plan_thursday(h, ola, amina)
    await run_until(h, oslo(2026, 3, 6, 12))
    asked = amina.catch_up()[-1]
    ola.catch_up()
    await amina.press(asked, "No, new date")
    await h.emulator.wait_until_idle()
    # The question turns into the next one: which day.
    assert asked.text == (
        "Which day will you meet Ola? Tap a day, or write a date and time, like «3.12 kl 17»."
    )
    assert asked.button_texts() == ["Mon 9 Mar", "Tue 10 Mar", "Wed 11 Mar", "Thu 12 Mar"]

    # Ola leaves his question. Over the weekend it lapses, and on Monday the rhythm asks
    # him as before (one message a day: Friday's slot was the question).
    await run_until(h, oslo(2026, 3, 9, 12))
    assert [m.text for m in ola.catch_up()] == [
        "Have you agreed when to meet Amina for the first time?"
    ]


async def finish_check_in(h: Harness, user: SimUser, first: SentMessage) -> int:
    """Answers a check-in the plain way (a score, no goal ticked, no comment); the taps."""
    await user.press(first, "4")
    taps = 1
    for _ in range(5):
        await h.emulator.wait_until_idle()
        last = user.inbox()[-1]
        plain = [b for b in last.button_texts() if b in ("Done", "No comment")]
        if not plain:
            return taps
        await user.press(last, plain[0])
        taps += 1
    raise AssertionError("the check-in does not end")


async def test_logging_the_usual_meeting_takes_at_most_four_taps(harness: Harness) -> None:
    h = harness
    programme = await h.programme()
    ola, amina, pair_id = await h.active_pair(programme)
    h.clock.set(oslo(2026, 3, 5, 19))
    for user, taps_allowed in ((amina, 4), (ola, 4)):
        # What the other's logging sent (their confirmation request) is read first.
        await h.deliver()
        await h.emulator.wait_until_idle()
        user.catch_up()
        before = len(user.inbox())
        await user.send("/met")
        question = await user.next_message()
        await user.press(question, "Yesterday, 1 hour")
        score = await user.next_message()
        # Logging left one message (the question, now the receipt) before the check-in.
        assert len(user.inbox()) - before == 2
        assert (question.text or "").startswith("✅ Saved: you met")
        taps = 1 + await finish_check_in(h, user, score)
        assert taps <= taps_allowed
        assert user.inbox()[-1].text == "Thank you! Only the coordinator sees your answer."
    async with h.services.db.unit() as uow:
        meetings = await uow.meetings.meetings_of(pair_id)
    assert [(m.held_on, m.minutes) for m in meetings] == [(date(2026, 3, 4), 60)] * 2


async def test_no_nudge_on_new_years_day(harness: Harness) -> None:
    h = harness
    h.clock.set(oslo(2026, 12, 1, 10))
    programme = await h.programme()
    ola, amina, _pair_id = await h.active_pair(programme)
    await run_until(h, oslo(2026, 12, 31, 20))
    ola.catch_up()
    amina.catch_up()
    # Friday 1 January 2027 is New Year's Day; then a weekend.
    await run_until(h, oslo(2027, 1, 3, 20))
    assert ola.catch_up() == [] and amina.catch_up() == []
    await run_until(h, oslo(2027, 1, 4, 12))
    [plan] = amina.catch_up()
    assert plan.text == "Have you agreed when to meet Ola this month?"


async def test_we_met_already_turns_the_question_into_the_logging(harness: Harness) -> None:
    h = harness
    programme = await h.programme()
    _ola, amina, _pair_id = await h.active_pair(programme)
    await run_until(h, oslo(2026, 3, 4, 10))
    [question] = amina.catch_up()
    await amina.press(question, "We met already")
    await h.emulator.wait_until_idle()
    assert question.text == "When did you meet? Tap a button, or write the date, like 3.12."
    await amina.press(question, "Yesterday, 1 hour")
    score = await amina.next_message()
    assert score.button_texts() == ["1", "2", "3", "4", "5"]
    assert (question.text or "").startswith("✅ Saved: you met Ola Tuesday 3 March, 1 hour.")
    assert amina.catch_up() == []  # the check-in's question was the only new message
