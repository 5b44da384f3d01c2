"""Who takes part: only a person who said yes to what is stored and has not deleted their
data is offered, paired or written to. Declining consent, changing one's mind by the same
link, and a party leaving a pair (by /deleteme or /end), end to end."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.domain.access import Scope
from bot.domain.model import OutgoingMessage, PairState, Programme, Role
from bot.domain.rhythm import Due, NudgeKind
from bot.sim.emulator import BotApiEmulator, SimUser
from bot.usecases.pairing import PairProblem
from bot.usecases.refusal import Refusal
from tests.e2e.test_cli import assert_refused, cli, create_programme, ok
from tests.support.cohorts import coordinator, person_id, run_until
from tests.support.cohorts import gathering as create_gathering
from tests.support.harness import Harness, bot_on

# The command line's: a clean environment (the emulator and the SQLite file come with it).
pytestmark = pytest.mark.usefixtures("clean_environment")


async def join_and_say(h: Harness, user: SimUser, token: str, answer: str) -> str:
    """Opens the link, answers the consent question; returns what the bot said then."""
    await user.send(f"/start {token}")
    await user.next_message()  # welcome
    consent = await user.next_message()
    assert "Is that OK?" in (consent.text or ""), consent.text
    await user.press(consent, answer)
    return (await user.next_message()).text or ""


async def a_mentor(h: Harness, programme: Programme, user_id: int, name: str) -> SimUser:
    """A mentor who agreed and skipped the intake (one free place)."""
    user = h.emulator.user(user_id, name, language_code="en")
    said = await join_and_say(h, user, await h.token(programme, Role.MENTOR), "Yes, that is OK")
    assert said.startswith("Question 1 of"), said
    return user


async def queued_about_the_pair(h: Harness, pair_id: int, person: int, user: SimUser) -> None:
    """What waits in the outbox for the next morning: about the pair, in each shape of
    key its features use (a check-in, a planned meeting's reminder, a meeting to
    confirm, the weekly note), and one that is not about the pair (a gathering)."""
    tomorrow = h.clock.now() + timedelta(days=1)
    async with h.services.db.unit() as uow:
        planned = await uow.meetings.add_planned(
            pair_id=pair_id,
            planned_on=tomorrow.date() + timedelta(days=1),
            planned_time=None,
            proposed_by=person,
            now=h.clock.now(),
        )
        meeting = await uow.meetings.add_meeting(
            pair_id=pair_id,
            held_on=h.clock.now().date(),
            minutes=60,
            topic=None,
            logged_by=person,
            now=h.clock.now(),
        )
        keys = {
            Due(NudgeKind.CHECK_IN, pair_id, person, "2026-03", tomorrow).key: "check_in",
            Due(NudgeKind.DAY_BEFORE, pair_id, person, "2026-03", tomorrow, planned.id).key: (
                "day_before"
            ),
            f"meeting:{meeting.id}:confirm:{person}": "meeting_confirmation",
            f"weekly:{pair_id}:2026-W11:{person}": "weekly_note",
            f"gathering:1:invite:{person}": "gathering_invitation",
        }
        await uow.outbox.enqueue(
            [
                OutgoingMessage(
                    idempotency_key=key,
                    chat_id=user.id,
                    person_id=person,
                    kind=kind,
                    text=f"About the pair: {kind}" if kind != "gathering_invitation" else kind,
                    not_before=tomorrow,
                )
                for key, kind in keys.items()
            ],
            h.clock.now(),
        )


async def test_who_says_no_is_not_offered_paired_or_written_to_and_may_say_yes_later(
    harness: Harness,
) -> None:
    h = harness
    programme = await h.programme(language="en")
    kari = await coordinator(h, programme)
    ola = await a_mentor(h, programme, 200, "Ola")
    amina = h.emulator.user(300, "Amina", language_code="en")
    token = await h.token(programme, Role.ADEPT)
    said = await join_and_say(h, amina, token, "No, thanks")
    assert said == "OK. I will not ask you anything. Want to join after all? Open the link again."
    amina_id, ola_id = await person_id(h, amina), await person_id(h, ola)

    # The coordinator sees that she said no, and is not offered her.
    await kari.send("/pair")
    offer = await kari.next_message()
    assert offer.text == (
        "All mentees have a mentor. Invite a mentee with /invite mentee.\n"
        "Said no to taking part: Amina."
    )
    await kari.send("/match")
    card = await kari.next_message()
    assert "Amina" not in (card.text or "") and card.button_texts() == []

    # Nor can she be paired by the command line; nobody is introduced.
    outcome = await h.pairing.create_pair(None, programme.id, ola_id, amina_id)
    assert (outcome.problem, outcome.view) == (PairProblem.NOT_TAKING_PART, None)
    assert await h.pairing.pairs(None, [programme.id]) == []
    await h.deliver()
    async with h.services.db.unit() as uow:
        assert [i.kind for i in await uow.outbox.outbox_items()] == []
    amina.catch_up()

    # The same link lets her change her mind; it is still used for anyone else.
    stranger = h.emulator.user(999, "Per", language_code="en")
    await stranger.send(f"/start {token}")
    assert (await stranger.next_message()).text == (
        "This link has been used already. Ask your coordinator for a new link."
    )
    await amina.send(f"/start {token}")
    assert (await amina.next_message()).text == (
        "Welcome back, Amina! You are already in Global Future Oslo."
    )
    consent = await amina.next_message()
    assert "Is that OK?" in (consent.text or "")
    await amina.press(consent, "Yes, that is OK")
    assert ((await amina.next_message()).text or "").startswith("Question 1 of")

    await kari.send("/pair")
    offer = await kari.next_message()
    assert offer.text == "Step 1 of 2: Choose the mentor."
    await kari.press(offer, "Ola (1 free place)")
    await h.emulator.wait_until_idle()
    assert kari.inbox()[-1].button_texts() == ["Amina"]


async def test_the_command_line_lists_and_pairs_only_who_takes_part(
    emulator: BotApiEmulator, url: str
) -> None:
    await create_programme(emulator, url)
    async with bot_on(emulator, url) as h:
        [programme] = await h.services.programmes()
        ola = await a_mentor(h, programme, 200, "Ola")
        amina = h.emulator.user(300, "Amina", language_code="en")
        await join_and_say(h, amina, await h.token(programme, Role.ADEPT), "No, thanks")
        ola_id, amina_id = await person_id(h, ola), await person_id(h, amina)

    people = ok(await cli(emulator, url, "people", "--program", str(programme.id)))
    assert people == [f"{ola_id}\tmentor\tOla"]
    assert_refused(
        await cli(
            emulator, url, "pair", "--program", str(programme.id), str(ola_id), str(amina_id)
        ),
        "has not agreed to take part",
    )
    assert "no suggestions" in ok(await cli(emulator, url, "match", "--program", "1"))


async def test_who_leaves_is_never_offered_again_and_the_other_party_is_told(
    harness_each_db: Harness,
) -> None:
    h = harness_each_db
    programme = await h.programme(language="en")
    kari = await coordinator(h, programme)
    ola, amina, pair_id = await h.active_pair(programme)
    ola_id, amina_id = await person_id(h, ola), await person_id(h, amina)
    await queued_about_the_pair(h, pair_id, ola_id, ola)
    ola.catch_up()

    await amina.send("/deleteme")
    await amina.press(await amina.next_message(), "Yes, delete")
    await amina.next_message()
    h.clock.advance(timedelta(days=1))
    await h.deliver()
    await h.emulator.wait_until_idle()
    # Told kindly, with no reason and without the name she erased, and nothing more.
    assert sorted(m.text or "" for m in ola.catch_up()) == [
        "Your mentorship has ended. Thank you for taking part!",
        "gathering_invitation",
    ]
    notice = await kari.next_message()
    assert f"pair #{pair_id} has left" in (notice.text or "")

    # She is never offered again; Ola has room and nobody to be paired with.
    await kari.send("/pair")
    assert (await kari.next_message()).text == (
        "All mentees have a mentor. Invite a mentee with /invite mentee."
    )
    await kari.send("/match")
    card = await kari.next_message()
    assert "–" not in (card.text or "") and card.button_texts() == []
    outcome = await h.pairing.create_pair(None, programme.id, ola_id, amina_id)
    assert (outcome.problem, outcome.view) == (PairProblem.NOT_TAKING_PART, None)
    await h.deliver()
    await h.emulator.wait_until_idle()
    assert ola.catch_up() == []


async def test_a_pair_ended_by_the_coordinator_gets_nothing_more(
    harness_each_db: Harness,
) -> None:
    h = harness_each_db
    programme = await h.programme(language="en")
    kari = await coordinator(h, programme)
    ola, amina, pair_id = await h.active_pair(programme)
    await queued_about_the_pair(h, pair_id, await person_id(h, ola), ola)
    ola.catch_up()
    amina.catch_up()

    await kari.send(f"/end {pair_id}")
    assert "has ended" in ((await kari.next_message()).text or "")
    h.clock.advance(timedelta(days=1))
    await h.deliver()
    await h.emulator.wait_until_idle()
    assert sorted(m.text or "" for m in ola.catch_up()) == [
        "Your mentorship with Amina has ended. Thank you for taking part!",
        "gathering_invitation",
    ]
    assert [m.text for m in amina.catch_up()] == [
        "Your mentorship with Ola has ended. Thank you for taking part!"
    ]
    [view] = await h.pairing.pairs(None, [programme.id])
    assert view.pair.state is PairState.ENDED


# Every feature that writes to a participant, by the kind of outbox message it queues.
# One rule in the outbox keeps someone who does not take part out of all of them.
WRITERS = [
    ("nudges", {"plan", "remind"}),
    ("check-ins", {"check_in"}),
    ("the weekly note", {"weekly_note"}),
    ("gathering invitations", {"gathering_invitation"}),
    ("the cohort's end", {"evaluation_notice"}),
    ("evaluations", {"evaluation_ask", "evaluation_remind"}),
    ("coordinators' messages", {"coordinator_message"}),
]


async def test_nothing_reaches_someone_without_consent_whoever_writes(harness: Harness) -> None:
    """A pair made before declining stopped anything (the data such a programme has):
    the adept never said yes. Three months to the cohort's end and its evaluation; every
    feature writes to the mentor, and nothing reaches the adept."""
    h = harness
    programme, _cohort = await h.services.create_programme(
        name="Global Future Oslo",
        timezone="Europe/Oslo",
        language="en",
        ends_on=date(2026, 5, 26),
    )
    kari = await coordinator(h, programme)
    ola, amina, pair_id = await h.active_pair(programme)
    ola_id, amina_id = await person_id(h, ola), await person_id(h, amina)
    async with h.services.db.unit() as uow:
        await uow.people.update_person(amina_id, consent_version=None, consented_at=None)
        await uow.meetings.add_meeting(
            pair_id=pair_id,
            held_on=date(2026, 3, 12),
            minutes=60,
            topic=None,
            logged_by=ola_id,
            now=h.clock.now(),
        )
        earlier = {item.id for item in await uow.outbox.outbox_items()}  # the introductions
    amina.catch_up()
    await create_gathering(
        h,
        programme.id,
        "Spring gathering",
        date(2026, 3, 19),
        starts_at=time(17, 0),
        place="Library",
    )
    kari_person = await h.services.actor(kari.id)
    assert kari_person is not None
    told = await h.core.alerts.message(
        kari_person.person,
        pair_id,
        "both",
        "See you at the gathering!",
        Scope.whole([programme.id]),
    )
    assert not isinstance(told, Refusal)

    await run_until(h, datetime(2026, 6, 5, 10, tzinfo=UTC), step=timedelta(hours=12))

    async with h.services.db.unit() as uow:
        queued = [item for item in await uow.outbox.outbox_items() if item.id not in earlier]
    to_ola = {item.kind for item in queued if item.person_id == ola_id}
    to_amina = {item.kind for item in queued if item.person_id == amina_id}
    for writer, kinds in WRITERS:
        assert kinds & to_ola, f"{writer}: the mentor got none of {kinds}"
        assert not kinds & to_amina, f"{writer} wrote to someone without consent"
    assert to_amina == set()
    assert amina.catch_up() == []
