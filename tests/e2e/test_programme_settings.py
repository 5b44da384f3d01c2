"""/programme end to end: a coordinator sees the programme's settings and changes the
meeting rhythm and the digest time with taps (a bad number is asked again), and the
change is stored and used; a mentor is refused; a region's coordinator may look only."""

from __future__ import annotations

from bot.domain.model import Programme, Role
from bot.domain.rhythm import Cadence, CadenceKind
from bot.sim.emulator import SentMessage, SimUser
from tests.support.cohorts import coordinator, join, nho_programme, oslo
from tests.support.harness import Harness


async def tap(h: Harness, user: SimUser, message: SentMessage, button: str) -> SentMessage:
    """Presses a button on a message the bot then edits; returns it once edited."""
    before = message.edited
    await user.press(message, button)
    await h.emulator.wait_for(lambda: message.edited > before, 10, f"the edit after {button!r}")
    return message


async def stored(h: Harness, programme: Programme) -> Programme:
    found = await h.services.programme(programme.id)
    assert found is not None
    return found


def digests(user: SimUser) -> list[SentMessage]:
    return [m for m in user.inbox() if (m.text or "").startswith("📋 Weekly digest")]


async def test_a_coordinator_changes_the_rhythm_and_the_digest_with_taps(
    harness: Harness,
) -> None:
    h = harness
    programme = await h.programme()
    kari = await coordinator(h, programme)

    await kari.send("/programme")
    view = await kari.next_message()
    text = view.text or ""
    assert text.startswith("⚙️ Settings of Global Future Oslo\nCohort: Global Future Oslo, ")
    for line in (
        "Pairs meet once a month.",
        "The bot writes to participants Monday to Friday, 09:00–20:00.",
        "Reminder on the morning of a meeting: off.",
        # Tuesday 3 March: this Monday's digest is past, the next is a week on.
        "Weekly digest: every Monday at 08:00. Next: Monday 9 March at 08:00.",
        "Role words: mentor and mentee.",
        "Time zone: Europe/Oslo.",
        "Language: Norsk.",
        "The name, time zone, role words and outcomes are changed on the command line: "
        f"mentorbot program set {programme.id}",
    ):
        assert line in text.split("\n"), (line, text)

    # A monthly rhythm becomes twice a month: two taps.
    await tap(h, kari, view, "Meetings")
    assert (view.text or "").startswith("How often should pairs meet? Now: once a month.")
    assert "✅ Once a month" in view.button_texts()
    await tap(h, kari, view, "Twice a month")
    assert (view.text or "").startswith("✅ Saved.\n⚙️ Settings of Global Future Oslo")
    assert "Pairs meet twice a month." in (view.text or "")
    assert (await stored(h, programme)).cadence == "twice_monthly"

    # Minutes a month: a number is typed; words and zero are asked again.
    await tap(h, kari, view, "Meetings")
    await tap(h, kari, view, "Minutes a month")
    assert view.text == (
        "How many minutes should a pair meet each month? Write a number, like 120."
    )
    await kari.send("a lot")
    again = await kari.next_message()
    assert again.text == (
        "I could not use that number.\n"
        "How many minutes should a pair meet each month? Write a number, like 120."
    )
    assert again.button_texts() == ["Cancel"]
    await kari.send("0")
    assert (await kari.next_message()).text == again.text
    assert (await stored(h, programme)).cadence == "twice_monthly"
    await kari.send("120 min")
    view = await kari.next_message()
    assert "Pairs meet for at least 120 minutes a month." in (view.text or "")
    changed = await stored(h, programme)
    assert changed.rules.cadence == Cadence(CadenceKind.MINUTES, 120)
    # The question is over: more text is not a number for the rhythm.
    await kari.send("90")
    assert (await kari.next_message()).text == (
        "I did not understand that. Tap /help to see what you can do."
    )
    assert (await stored(h, programme)).cadence == "minutes:120"

    # The digest moves from Monday 08:00 to Wednesday 14:00: three taps.
    await tap(h, kari, view, "Weekly digest")
    assert view.text == "Which day should the weekly digest come?"
    assert "✅ Monday" in view.button_texts()
    await tap(h, kari, view, "Wednesday")
    assert view.text == "What time on Wednesday? Time zone: Europe/Oslo."
    await tap(h, kari, view, "14:00")
    assert "Weekly digest: every Wednesday at 14:00. Next: Wednesday 4 March at 14:00." in (
        view.text or ""
    )
    changed = await stored(h, programme)
    assert (changed.digest_weekday, changed.digest_hour) == (2, 14)

    # The morning reminder is one tap.
    await tap(h, kari, view, "Turn on reminder")
    assert "Reminder on the morning of a meeting: on." in (view.text or "")
    assert "Turn off reminder" in view.button_texts()
    assert (await stored(h, programme)).morning_reminder is True

    # The digest now comes on Wednesday at 14:00, not before.
    h.clock.set(oslo(2026, 3, 4, 13, 59))
    await h.tick()
    await h.emulator.wait_until_idle()
    assert digests(kari) == []
    h.clock.set(oslo(2026, 3, 4, 14, 0))
    await h.tick()
    await h.emulator.wait_until_idle()
    assert len(digests(kari)) == 1
    # And not on the Monday after (the old day).
    h.clock.set(oslo(2026, 3, 9, 8, 0))
    await h.tick()
    await h.emulator.wait_until_idle()
    assert len(digests(kari)) == 1


async def test_the_digest_can_be_turned_off_and_hours_and_days_changed(harness: Harness) -> None:
    h = harness
    programme = await h.programme()
    kari = await coordinator(h, programme)
    await kari.send("/programme")
    view = await kari.next_message()

    await tap(h, kari, view, "Weekly digest")
    await tap(h, kari, view, "No digest")
    assert "Weekly digest: off." in (view.text or "")
    assert (await stored(h, programme)).digest_weekday is None

    await tap(h, kari, view, "Time of day")
    assert view.text == "When may the bot write to participants? Now: 09:00–20:00."
    await tap(h, kari, view, "10:00–18:00")
    assert "The bot writes to participants Monday to Friday, 10:00–18:00." in (view.text or "")
    await tap(h, kari, view, "Days")
    await tap(h, kari, view, "Every day")
    assert "The bot writes to participants every day, 10:00–18:00." in (view.text or "")
    changed = await stored(h, programme)
    assert (changed.day_starts.hour, changed.day_ends.hour) == (10, 18)
    assert changed.working_days == frozenset(range(7))

    await tap(h, kari, view, "Language")
    await tap(h, kari, view, "English")
    assert "Language: English." in (view.text or "")
    assert (await stored(h, programme)).language == "en"

    # Back leaves a menu without a change.
    await tap(h, kari, view, "Meetings")
    await tap(h, kari, view, "◀ Back")
    assert (view.text or "").startswith("⚙️ Settings of Global Future Oslo")
    # Cancel ends a typed question without a change.
    await tap(h, kari, view, "Meetings")
    await tap(h, kari, view, "Meetings per cohort")
    assert view.text == (
        "How many times should a pair meet in the whole cohort? Write a number, like 2."
    )
    await tap(h, kari, view, "Cancel")
    assert (view.text or "").startswith("⚙️ Settings of Global Future Oslo")
    await kari.send("2")
    assert (await kari.next_message()).text == (
        "I did not understand that. Tap /help to see what you can do."
    )
    assert (await stored(h, programme)).cadence == "monthly"


async def test_a_norwegian_coordinator_types_program(harness: Harness) -> None:
    h = harness
    programme = await h.programme()
    kari = h.emulator.user(100, "Kari", language_code="nb")
    await h.join(kari, programme, Role.COORDINATOR)
    await kari.press(await kari.next_message(), "Ja, det er greit")
    await kari.next_message()

    await kari.send("/help")
    assert "/program – " in ((await kari.next_message()).text or "")
    await kari.send("/program")
    view = await kari.next_message()
    assert (view.text or "").startswith("⚙️ Innstillinger for Global Future Oslo")
    assert "Parene møtes en gang i måneden." in (view.text or "")
    await tap(h, kari, view, "Møter")
    await tap(h, kari, view, "Møter i hele kullet")
    await kari.send("to")
    again = await kari.next_message()
    assert (again.text or "").startswith("Det tallet kan jeg ikke bruke.")
    await kari.send("2 møter")
    view = await kari.next_message()
    assert "Parene møtes 2 ganger i løpet av kullet." in (view.text or "")
    assert (await stored(h, programme)).cadence == "per_cohort:2"


async def test_a_mentor_is_refused(harness: Harness) -> None:
    h = harness
    programme = await h.programme()
    ola, _amina, _pair_id = await h.active_pair(programme)
    ola.catch_up()
    await ola.send("/programme")
    assert (await ola.next_message()).text == "Only coordinators can do this."
    await ola.send("/program")
    assert (await ola.next_message()).text == "Only coordinators can do this."

    # A made-up button changes nothing either.
    await ola.send("/settings")
    own = await ola.next_message()
    await ola.press_data(own, f"ps:{programme.id}:c:twice_monthly")
    await h.emulator.wait_until_idle()
    assert ola.callback_answers[-1]["text"] == "Only coordinators can do this."
    assert (await stored(h, programme)).cadence == "monthly"


async def test_a_regions_coordinator_may_look_but_not_change(harness: Harness) -> None:
    h = harness
    programme, cohorts = await nho_programme(h)
    rogaland = cohorts[2]
    lars = await join(h, programme, Role.COORDINATOR, 101, "Lars", cohort_id=rogaland.id)
    eva = await join(h, programme, Role.COORDINATOR, 102, "Eva")  # the whole programme

    await lars.send("/programme")
    view = await lars.next_message()
    text = view.text or ""
    assert f"Cohort: {rogaland.name}, 3 March 2026 – " in text
    assert "Pairs meet once a month." in text
    assert text.endswith(
        f"You coordinate {rogaland.name}. You can see these settings, but only a "
        "coordinator of the whole programme can change them."
    )
    assert view.button_texts() == []
    assert "command line" not in text

    # A made-up button is refused politely, and nothing changes.
    await lars.press_data(view, f"ps:{programme.id}:c:twice_monthly")
    await h.emulator.wait_until_idle()
    assert lars.callback_answers[-1]["text"] == (
        "You coordinate one part of the programme. Only a coordinator of the whole "
        "programme can change its settings."
    )
    await lars.press_data(view, f"ps:{programme.id}:n:minutes")
    await h.emulator.wait_until_idle()
    await lars.send("120")
    assert (await lars.next_message()).text == (
        "I did not understand that. Tap /help to see what you can do."
    )
    assert (await stored(h, programme)).cadence == programme.cadence  # as the preset set it

    # The programme's own coordinator sees every region and may change.
    await eva.send("/programme")
    whole = await eva.next_message()
    assert "Cohorts now:" in (whole.text or "")
    assert all(c.name in (whole.text or "") for c in cohorts)
    await tap(h, eva, whole, "Meetings")
    await tap(h, eva, whole, "Every other month")
    assert (await stored(h, programme)).cadence == "every_other_month"
    # Lars sees Eva's change.
    await lars.send("/programme")
    assert "Pairs meet every other month." in ((await lars.next_message()).text or "")


async def test_a_coordinator_of_two_programmes_chooses_one(harness: Harness) -> None:
    h = harness
    first = await h.programme("Global Future Oslo", language="en")
    second = await h.programme("Bli med", language="en")
    kari = await coordinator(h, first)
    await h.join(kari, second, Role.COORDINATOR)
    await kari.next_message()
    await kari.send("/programme")
    choose = await kari.next_message()
    assert choose.text == "Which programme?"
    assert choose.button_texts() == ["Global Future Oslo", "Bli med"]
    await tap(h, kari, choose, "Bli med")
    assert (choose.text or "").startswith("⚙️ Settings of Bli med")


async def test_the_holidays_are_shown_and_their_country_changed(harness: Harness) -> None:
    h = harness  # Tuesday 3 March 2026
    programme = await h.programme()
    kari = await coordinator(h, programme)
    await kari.send("/programme")
    view = await kari.next_message()
    lines = (view.text or "").split("\n")
    assert "No messages to participants on public holidays in Norway." in lines
    assert (
        "Next holidays: Thursday 2 April (Maundy Thursday), Friday 3 April (Good Friday), "
        "Sunday 5 April (Easter Sunday)."
    ) in lines

    await tap(h, kari, view, "Holidays")
    assert (view.text or "").endswith("Now: Norway.")
    assert view.button_texts() == ["✅ Norway", "Sweden", "Denmark", "Finland", "◀ Back"]
    await tap(h, kari, view, "Sweden")
    assert "No messages to participants on public holidays in Sweden." in (view.text or "")
    assert (await stored(h, programme)).country == "SE"
