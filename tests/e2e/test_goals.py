"""The learning plan moves: the adept adds, rewords and closes goals at any time; the
mentor hears of it in the next weekly note, not at once; closed goals stay in the report
with their dates. At the start, a goal can be typed before any tap."""

from __future__ import annotations

from datetime import date

from bot.domain.report import Options, build_report
from bot.sim.emulator import SentMessage, SimUser
from storage.report import report_data
from tests.e2e.test_agreement import paired
from tests.e2e.test_digest import oslo, weekly_notes
from tests.support.harness import Harness


async def goals_screen(h: Harness, amina: SimUser) -> SentMessage:
    await amina.send("/goals")
    screen = await amina.next_message()
    assert "Tap a goal to close it" in (screen.text or "")
    return screen


async def latest(h: Harness, user: SimUser) -> SentMessage:
    await h.emulator.wait_until_idle()
    return user.inbox()[-1]


async def test_an_active_adept_rewords_adds_and_closes_goals(harness_each_db: Harness) -> None:
    h = harness_each_db
    programme = await h.programme(language="en")
    ola, amina, _pair_id = await h.active_pair(programme)

    # Reword: close the old wording, write the new one.
    screen = await goals_screen(h, amina)
    assert screen.button_texts()[:2] == ["✅ Write a Norwegian CV", "✅ Speak Norwegian at work"]
    await amina.press(screen, "✅ Speak Norwegian at work")
    edited = await latest(h, amina)
    assert "Your goals now:\n1. Write a Norwegian CV" in (edited.text or "")
    assert "Speak Norwegian at work" not in (edited.text or "")
    await amina.send("Speak Norwegian in meetings")
    typed = await amina.next_message()
    assert "1. Write a Norwegian CV\n2. Speak Norwegian in meetings" in (typed.text or "")
    await amina.press(typed, "Done")
    saved = await latest(h, amina)
    assert (saved.text or "").startswith("✅ Saved. Ola sees the change in the next weekly note.")
    # The mentor is told in the weekly note, not now.
    await h.deliver()
    await ola.expect_no_message()

    # A day later: add one, close another.
    h.clock.set(oslo(2026, 3, 4, 11))
    screen = await goals_screen(h, amina)
    await amina.press(screen, "Build a network in my field")
    await amina.press(await latest(h, amina), "✅ Write a Norwegian CV")
    await amina.press(await latest(h, amina), "Done")
    assert "1. Speak Norwegian in meetings\n2. Build a network in my field" in (
        (await latest(h, amina)).text or ""
    )
    [view] = await h.pairing.pairs(None, [programme.id])
    assert view.pair.goals == ("Speak Norwegian in meetings", "@network")

    # Monday 9 March: the period's planning question takes the day. Monday 16 March is
    # free: the note tells Ola of the change; Amina made it and has no other news.
    for day in (9, 12, 16):
        h.clock.set(oslo(2026, 3, day, 10))
        await h.tick()
    await h.emulator.wait_until_idle()
    [note] = weekly_notes(ola)
    assert "Amina has changed the goals. The goals now:" in (note.text or "")
    assert "• Speak Norwegian in meetings\n• Build a network in my field" in (note.text or "")
    assert weekly_notes(amina) == []
    # Told once: the next Monday has nothing new to say.
    h.clock.set(oslo(2026, 3, 23, 10))
    await h.tick()
    await h.emulator.wait_until_idle()
    assert len(weekly_notes(ola)) == 1

    # The report keeps the closed goals, marked closed, with their dates.
    async with h.db.unit() as uow:
        data = await report_data(uow, programme.id)
    assert data is not None
    goals = build_report(data, date(2026, 3, 23), Options(with_names=True)).table("goals")
    rows = [(row[2], row[7], row[8]) for row in goals.rows]
    assert rows == [
        ("Speak Norwegian in meetings", date(2026, 3, 3), None),
        ("@network", date(2026, 3, 4), None),
        ("Speak Norwegian at work", date(2026, 3, 3), date(2026, 3, 3)),
        ("@cv", date(2026, 3, 3), date(2026, 3, 4)),
    ]
    assert [c.label for c in goals.columns][7:] == ["Goal added", "Goal closed"]


async def test_a_goals_screen_left_open_cannot_change_the_plan_later(harness: Harness) -> None:
    h = harness
    programme = await h.programme(language="en")
    _ola, amina, _pair_id = await h.active_pair(programme)
    screen = await goals_screen(h, amina)
    close_first = screen.buttons()[0][0][1] or ""
    await amina.press(screen, "Done")
    assert "Nothing changed" in ((await latest(h, amina)).text or "")
    await amina.press_data(screen, close_first)
    await h.emulator.wait_until_idle()
    assert amina.callback_answers[-1]["text"] == "This button is old. Nothing was changed."
    [view] = await h.pairing.pairs(None, [programme.id])
    assert view.pair.goals == ("@cv", "Speak Norwegian at work")


async def test_a_goal_can_be_typed_before_any_tap(harness: Harness) -> None:
    h = harness
    _kari, _ola, amina, _pair_id = await paired(h)
    await amina.press(await amina.next_message(), "Let's start")
    goals = await amina.next_message()
    assert "Choose up to three goals" in (goals.text or "")
    await amina.send("Get a job as a nurse")
    typed = await amina.next_message()
    assert "Your goals now:\n1. Get a job as a nurse" in (typed.text or "")
    # An own goal is taken away with one tap, like a suggestion.
    await amina.press(typed, "✅ Get a job as a nurse")
    assert "Your goals now" not in ((await latest(h, amina)).text or "")


async def test_done_without_goals_answers_briefly(harness: Harness) -> None:
    h = harness
    _kari, _ola, amina, _pair_id = await paired(h)
    await amina.press(await amina.next_message(), "Let's start")
    goals = await amina.next_message()
    for _press in range(2):
        await amina.press(goals, "Done")
        await h.emulator.wait_until_idle()
        assert amina.callback_answers[-1]["text"] == "Choose or write at least one goal first."
    await amina.expect_no_message()
    assert (goals.text or "") == (amina.inbox()[-1].text or "")
