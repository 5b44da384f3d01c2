"""The start of a relationship end to end: goals, the expectation check, the comparison,
the agreement both confirm, reminders, the 14-day stall and the three-month re-check."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.domain.model import PairState, Role
from bot.sim.emulator import BotApiEmulator, SentMessage, SimUser
from bot.usecases.tick import tick
from tests.support.harness import Harness, bot_on

START_ANSWERS = ["Once a month", "Face to face", "A mix"]


async def paired(h: Harness) -> tuple[SimUser, SimUser, SimUser, int]:
    """A coordinator, a mentor and an adept who have joined, and a pair made by the CLI path."""
    programme = await h.programme()
    kari = h.emulator.user(100, "Kari", language_code="en")
    ola = h.emulator.user(200, "Ola", language_code="en")
    amina = h.emulator.user(300, "Amina", language_code="en")
    for user, role in ((kari, Role.COORDINATOR), (ola, Role.MENTOR), (amina, Role.ADEPT)):
        await h.join(user, programme, role)
        consent = await user.next_message()
        await user.press(consent, "Yes, that is OK")
        await user.next_message()
    [mentor] = await h.pairing.members(programme.id, Role.MENTOR)
    [adept] = await h.pairing.members(programme.id, Role.ADEPT)
    outcome = await h.pairing.create_pair(None, programme.id, mentor.id, adept.id)
    assert outcome.view is not None
    await h.deliver()
    return kari, ola, amina, outcome.view.pair.id


async def answer_expectations(
    h: Harness, user: SimUser, first: SentMessage, job: str, help_choices: list[str]
) -> SentMessage:
    message = first
    for answer in START_ANSWERS:
        await user.press(message, answer)
        message = await user.next_message()
    for choice in help_choices:
        await user.press(message, choice)
    await h.emulator.wait_until_idle()
    await user.press(user.inbox()[-1], "Done")
    job_question = await user.next_message()
    assert "find the mentee a job" in (job_question.text or "")
    await user.press(job_question, job)
    return await user.next_message()


async def test_pair_goes_from_created_to_active(harness_each_db: Harness) -> None:
    h = harness_each_db
    kari, ola, amina, pair_id = await paired(h)

    intro = await amina.next_message()
    assert "Ola is your mentor" in (intro.text or "")
    await amina.press(intro, "Let's start")
    goals = await amina.next_message()
    assert "Choose up to three goals" in (goals.text or "")
    await amina.press(goals, "Write a Norwegian CV")
    await h.emulator.wait_until_idle()
    assert "1. Write a Norwegian CV" in (amina.inbox()[-1].text or "")
    await amina.send("Get a job as a nurse")
    with_typed = await amina.next_message()
    assert "2. Get a job as a nurse" in (with_typed.text or "")
    await amina.press(with_typed, "Done")
    first_question = await amina.next_message()
    assert "Ola gets the same questions" in (first_question.text or "")
    waiting = await answer_expectations(h, amina, first_question, "Yes", ["CV and applications"])
    assert waiting.text == "Thank you! Now we wait for Ola. I will write when Ola has answered."

    mentor_intro = await ola.next_message()
    await ola.press(mentor_intro, "Let's start")
    mentor_first = await ola.next_message()
    compared = await answer_expectations(
        h, ola, mentor_first, "No", ["CV and applications", "Network and contacts"]
    )
    text = compared.text or ""
    assert "You have both answered" in text
    assert "The programme expects you to meet once a month." in text
    assert "✅ How often: you agree (Once a month)." in text
    assert "⚠️ Find a job: you said No; your mentee said Yes." in text
    # The agreement comes in a message of its own.
    agreement_message = await ola.next_message()
    assert "Our agreement:" in (
        agreement_message.text or ""
    ) and "Amina's goals:\n1. Write a Norwegian CV\n2. Get a job as a nurse" in (
        agreement_message.text or ""
    )
    assert agreement_message.button_texts() == ["I agree"]

    # Amina hears that Ola answered; the coordinator hears about the job mismatch.
    await h.deliver()
    notice = await amina.next_message()
    assert "Ola has answered too" in (notice.text or "")
    assert "⚠️ Find a job: you said Yes; your mentor said No." in (notice.text or "")
    alert = await kari.next_message()
    assert alert.text == (
        f"⚠️ Pair #{pair_id}: Ola (mentor) and Amina (mentee)\n"
        "Their answers differ: Find a job: mentor No, mentee Yes. Talk with them early."
    )
    assert alert.button_texts() == ["I'll contact them", "Snooze 7 days", "Resolved", "Show pair"]

    await ola.press(agreement_message, "I agree")
    assert "Now we wait for Amina" in ((await ola.next_message()).text or "")
    await amina.press(notice, "Continue")
    agreement = await amina.next_message()
    assert "Our agreement:" in (agreement.text or "")
    await amina.press(agreement, "I agree")
    assert "You are ready! Plan your first meeting with Ola" in (
        (await amina.next_message()).text or ""
    )
    await h.deliver()
    assert "Amina has confirmed too" in ((await ola.next_message()).text or "")

    [view] = await h.pairing.pairs(None, [1])
    assert view.pair.state is PairState.ACTIVE
    assert view.pair.activated_at == h.clock.now()
    await kari.send("/pairs")
    assert "active since" in ((await kari.next_message()).text or "")
    await ola.send("/agreement")
    assert (await ola.next_message()).text.startswith("You confirmed this:")  # type: ignore[union-attr]


async def test_a_third_person_cannot_press_a_pairs_buttons(harness: Harness) -> None:
    _kari, _ola, amina, pair_id = await paired(harness)
    intro = await amina.next_message()
    stranger = harness.emulator.user(999, "Mallory", language_code="en")
    programme = (await harness.services.programmes())[0]
    await harness.join(stranger, programme, Role.ADEPT)
    for data in (
        f"st:{pair_id}",
        f"gl:{pair_id}:cv",
        f"ex:{pair_id}:start:rhythm:monthly",
        f"ag:{pair_id}",
    ):
        await stranger.press_data(intro, data)
        await harness.emulator.wait_until_idle()
        assert stranger.callback_answers[-1]["text"] == "This button is not for you."
    [view] = await harness.pairing.pairs(None, [programme.id])
    assert view.pair.goals is None


async def test_a_stale_button_changes_nothing(harness: Harness) -> None:
    _kari, _ola, amina, pair_id = await paired(harness)
    intro = await amina.next_message()
    # The adept has not written goals yet, so an expectation answer is out of turn.
    await amina.press_data(intro, f"ex:{pair_id}:start:rhythm:monthly")
    await harness.emulator.wait_until_idle()
    assert amina.callback_answers[-1]["text"] == "This button is old. Nothing was changed."


async def test_silent_party_gets_two_reminders_and_the_pair_stalls(harness: Harness) -> None:
    h = harness
    _kari, ola, amina, pair_id = await paired(h)
    await ola.next_message()
    await amina.next_message()
    agreements = h.application.bot_data["mentorbot.deps"].agreements
    created = h.clock.now()
    reminders: dict[str, list[str]] = {"ola": [], "amina": []}
    for hours in range(0, 16 * 24, 6):
        h.clock.set(created + timedelta(hours=hours))
        await tick(h.core)
        await h.deliver()
    await h.emulator.wait_until_idle()
    for name, user in (("ola", ola), ("amina", amina)):
        reminders[name] = [
            m.text or "" for m in user.inbox() if "a few short questions are left" in (m.text or "")
        ]
    assert len(reminders["ola"]) == 2 and len(reminders["amina"]) == 2
    stalled = await agreements.overdue_pairs()
    assert [s.view.pair.id for s in stalled] == [pair_id]
    h.clock.set(created + timedelta(days=13, hours=23))
    assert await agreements.overdue_pairs() == []


async def test_the_flow_resumes_after_a_restart(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'agreement.sqlite3'}"
    async with BotApiEmulator() as emulator:
        async with bot_on(emulator, url) as h:
            _kari, _ola, amina, _pair_id = await paired(h)
            intro = await amina.next_message()
            await amina.press(intro, "Let's start")
            goals = await amina.next_message()
            await amina.press(goals, "Write a Norwegian CV")
            await amina.send("Speak better Norwegian")
            await amina.next_message()
        async with bot_on(emulator, url) as h:
            await amina.press(intro, "Let's start")
            resumed = await amina.next_message()
            assert "1. Write a Norwegian CV\n2. Speak better Norwegian" in (resumed.text or "")
            await amina.press(resumed, "Done")
            assert "Question 1 of 5" in ((await amina.next_message()).text or "")


async def test_three_month_recheck_reaches_the_coordinator(harness: Harness) -> None:
    h = harness
    kari, ola, amina, pair_id = await paired(h)
    # Both go through the start quickly, agreeing on everything.
    intro = await amina.next_message()
    await amina.press(intro, "Let's start")
    await amina.press(await amina.next_message(), "Write a Norwegian CV")
    await h.emulator.wait_until_idle()
    await amina.press(amina.inbox()[-1], "Done")
    await answer_expectations(h, amina, await amina.next_message(), "No", ["CV and applications"])
    await ola.press(await ola.next_message(), "Let's start")
    await answer_expectations(h, ola, await ola.next_message(), "No", ["CV and applications"])
    confirm = await ola.next_message()  # the agreement, after the comparison
    await ola.press(confirm, "I agree")
    await ola.next_message()
    await h.deliver()
    await amina.press(await amina.next_message(), "Continue")
    await amina.press(await amina.next_message(), "I agree")
    await amina.next_message()
    await h.deliver()
    await ola.next_message()
    await kari.expect_no_message()

    h.clock.advance(timedelta(days=92))
    await tick(h.core)
    await h.deliver()
    await h.emulator.wait_until_idle()
    # They never met: the coordinator has heard (other tests cover those alerts).
    assert kari.catch_up()
    [invitation] = amina.catch_up()  # one message a day: the re-check, not also a nudge
    assert "three months" in (invitation.text or "")
    [ola_invitation] = ola.catch_up()
    await amina.press(invitation, "Continue")
    question = await amina.next_message()
    assert "Question 1 of 3" in (question.text or "")
    await amina.press(question, "Once a month")
    help_question = await amina.next_message()
    await amina.press(help_question, "CV and applications")
    await h.emulator.wait_until_idle()
    await amina.press(amina.inbox()[-1], "Done")
    await amina.press(await amina.next_message(), "Partly")
    assert "when Ola has answered" in ((await amina.next_message()).text or "")
    # A second tick sends no second invitation.
    await tick(h.core)
    await h.deliver()
    await amina.expect_no_message()
    await kari.expect_no_message()

    await ola.press(ola_invitation, "Continue")
    await ola.press(await ola.next_message(), "Once a month")
    await ola.press(await ola.next_message(), "CV and applications")
    await h.emulator.wait_until_idle()
    await ola.press(ola.inbox()[-1], "Done")
    await ola.press(await ola.next_message(), "Yes")
    both = await ola.next_message()
    assert "✅ How often: you agree (Once a month)." in (both.text or "")
    assert "⚠️ Working for you: you said Yes; your mentee said Partly." in (both.text or "")
    await h.deliver()
    alert = await kari.next_message()
    assert alert.text == (
        f"⚠️ Pair #{pair_id}: Ola (mentor) and Amina (mentee)\n"
        "Their answers differ: Working for you: mentor Yes, mentee Partly. Talk with them early."
    )


async def answer_all(
    h: Harness, user: SimUser, first: SentMessage, choices: list[str], help_choice: str, job: str
) -> list[SentMessage]:
    """Answers the five questions; returns what came after the last answer."""
    message = first
    for answer in choices:
        await user.press(message, answer)
        message = await user.next_message()
    await user.press(message, help_choice)
    await h.emulator.wait_until_idle()
    await user.press(user.inbox()[-1], "Done")
    job_question = await user.next_message()
    seen = len(user.inbox())
    await user.press(job_question, job)
    await user.next_message()
    await h.emulator.wait_until_idle()
    return user.inbox()[seen:]


async def test_answers_that_differ_come_in_short_messages(harness: Harness) -> None:
    h = harness
    _kari, ola, amina, _pair_id = await paired(h)
    await ola.press(await ola.next_message(), "Let's start")
    mentor_first = await ola.next_message()
    assert "Amina gets the same questions" in (mentor_first.text or "")
    # Three long labels side by side would be cut off on a phone: one per row.
    assert mentor_first.buttons() == [
        [("Twice a month", f"ex:{_pair_id}:start:rhythm:twice_monthly")],
        [("Once a month", f"ex:{_pair_id}:start:rhythm:monthly")],
        [("Every other month", f"ex:{_pair_id}:start:rhythm:every_other_month")],
    ]
    [waiting] = await answer_all(
        h,
        ola,
        mentor_first,
        ["Twice a month", "On video", "Norwegian"],
        "Network and contacts",
        "No",
    )
    assert "Now we wait for Amina" in (waiting.text or "")

    await amina.press(await amina.next_message(), "Let's start")
    await amina.next_message()
    await amina.send("Get a job as a nurse")
    await amina.press(await amina.next_message(), "Done")
    adept_first = await amina.next_message()
    # Ola has answered: Amina is not told that Ola will get the questions.
    assert "Ola gets the same questions" not in (adept_first.text or "")
    assert "Ola has answered already" in (adept_first.text or "")
    compared, agreement = await answer_all(
        h,
        amina,
        adept_first,
        ["Once a month", "Face to face", "A mix"],
        "CV and applications",
        "Yes",
    )
    lines = (compared.text or "").splitlines()
    assert len(lines) <= 8
    assert sum(line.startswith("⚠️") for line in lines) == 5
    assert "⚠️ Find a job: you said Yes; your mentor said No." in lines
    assert lines[-1] == "Talk about the differences at your first meeting."
    assert compared.button_texts() == []
    assert (agreement.text or "").startswith("Our agreement:")
    assert agreement.button_texts() == ["I agree"]

    await h.deliver()
    notice = (await ola.next_message()).text or ""
    assert len(notice.splitlines()) <= 8
    assert "⚠️ Find a job: you said No; your mentee said Yes." in notice.splitlines()
