"""Gatherings end to end: a coordinator makes one in a short dialogue, participants are
invited and answer with one tap, the coordinator sees who comes, and those who said yes
are reminded the day before inside the programme's hours; other programmes hear nothing.
A cancelled gathering is news once to who said yes or has not answered, and reminds
nobody."""

from __future__ import annotations

from datetime import date, timedelta

from bot.domain.gatherings import Audience
from bot.domain.model import OutboxStatus, Programme, Role
from bot.sim.emulator import SentMessage, SimUser
from bot.usecases.programmes import Programmes
from tests.support.cohorts import gathering as create_gathering
from tests.support.cohorts import invitations, join, oslo, run_until, texts
from tests.support.harness import Harness


async def test_gathering_invitation_answers_and_reminder(harness_each_db: Harness) -> None:
    h = harness_each_db  # Tuesday 3 March 2026, 10:00 in Oslo
    programme = await h.programme("Global Future Oslo", language="en")
    other = await h.programme("Bli med", language="en")
    kari = await join(h, programme, Role.COORDINATOR, 100, "Kari")
    ola = await join(h, programme, Role.MENTOR, 200, "Ola")
    amina = await join(h, programme, Role.ADEPT, 300, "Amina")
    zed = await join(h, other, Role.ADEPT, 400, "Zed")

    await kari.send("/gathering")
    assert (await kari.next_message()).text == (
        "New gathering. What is it called? Write a short title, like «Kick-off»."
    )
    await kari.send("Kick-off")
    assert (await kari.next_message()).text == (
        "When is it? Write the day and time, like «4.5 kl 18»."
    )
    await kari.send("10.3")
    assert (await kari.next_message()).text == "Please add the time too, like «4.5 kl 18»."
    await kari.next_message()  # the question again
    await kari.send("3.3 kl 8")
    assert (await kari.next_message()).text == "That time has passed. Please write a later time."
    await kari.next_message()
    await kari.send("10.3 kl 18")
    assert (await kari.next_message()).text == "Where is it? Write a place or a link."
    await kari.send("Oslo City Hall")
    audience = await kari.next_message()
    assert audience.button_texts() == ["Mentors and mentees", "Mentors", "Mentees"]
    await kari.press(audience, "Mentors and mentees")
    summary = await kari.next_message()
    assert (summary.text or "").startswith(
        "Kick-off\nWhen: Tuesday 10 March at 18:00\nWhere: Oslo City Hall\n"
        "For: mentors and mentees\n"
    )
    await kari.press(summary, "Send invitations")
    assert (await kari.next_message()).text == (
        "✅ Gathering saved: Kick-off, Tuesday 10 March at 18:00.\nI am inviting 2 people now."
    )

    await h.deliver()
    invitation = await ola.next_message()
    assert invitation.text == (
        "You are invited: Kick-off\nWhen: Tuesday 10 March at 18:00\nWhere: Oslo City Hall\n"
        "For: mentors and mentees\nWill you come?"
    )
    assert invitation.button_texts() == ["I'll come", "I can't"]
    for button in invitation.buttons()[0]:
        assert button[1] is not None and len(button[1].encode()) <= 64
    amina_invitation = await amina.next_message()
    await zed.expect_no_message()
    await kari.expect_no_message()

    await ola.press(invitation, "I'll come")
    assert (await ola.next_message()).text == (
        "✅ Good, you are coming. I will remind you the day before."
    )
    assert (invitation.text or "").endswith("Your answer: I'll come.")
    await amina.press(amina_invitation, "I can't")
    assert (await amina.next_message()).text == (
        "Thank you for telling us. You can change your answer here."
    )
    # Someone of another programme cannot answer with a forged button.
    data = invitation.callback_data("I'll come")
    await zed.press_data(invitation, data)
    await zed.expect_no_message()

    # Per joins later: the next tick invites him too; nobody is invited twice.
    per = await join(h, programme, Role.MENTOR, 210, "Per")
    await h.tick()
    assert len(invitations(per)) == 1
    await h.tick()
    assert len(invitations(ola)) == 1 and len(invitations(per)) == 1

    await kari.send("/gatherings")
    overview = (await kari.next_message()).text or ""
    assert overview.startswith(
        "Kick-off (mentors and mentees), Tuesday 10 March at 18:00, Oslo City Hall"
    )
    assert "✅ 1 coming: Ola" in overview
    assert "❌ 1 not coming: Amina" in overview
    assert "⏳ 1 has not answered: Per" in overview
    async with h.services.db.unit() as uow:
        [attendance] = await uow.gatherings.gathering_attendance(
            programme.id, oslo(2026, 3, 1), oslo(2026, 4, 1)
        )
        assert [p.first_name for p in attendance.coming] == ["Ola"]
        assert await uow.gatherings.gathering_attendance(other.id, oslo(2026, 3, 1)) == []

    # The day before: nothing in the morning before midday, then only Ola is reminded.
    ola_seen, amina_seen, per_seen = len(ola.inbox()), len(amina.inbox()), len(per.inbox())
    await run_until(h, oslo(2026, 3, 9, 11, 30))
    assert texts(ola, ola_seen) == []
    await run_until(h, oslo(2026, 3, 9, 12, 5), step=timedelta(minutes=30))
    assert texts(ola, ola_seen) == [
        "Reminder: Kick-off is Tuesday 10 March at 18:00.\nWhere: Oslo City Hall\nSee you there!"
    ]
    await run_until(h, oslo(2026, 3, 11, 10))
    assert len(texts(ola, ola_seen)) == 1
    assert texts(amina, amina_seen) == [] and texts(per, per_seen) == []
    await zed.expect_no_message()

    # After the gathering, a late answer changes nothing.
    await amina.press(amina_invitation, "I'll come")
    await amina.expect_no_message()
    async with h.services.db.unit() as uow:
        [after] = await uow.gatherings.gathering_attendance(programme.id, oslo(2026, 3, 1))
        assert [p.first_name for p in after.not_coming] == ["Amina"]


async def test_no_reminder_outside_the_programmes_hours(harness: Harness) -> None:
    """A yes given the evening before, after the bot's hours: the reminder would only fit
    on the gathering's own day, which is not "the day before", so none is sent."""
    h = harness
    programme = await h.programme("Grimstad", language="en")
    ola = await join(h, programme, Role.MENTOR, 200, "Ola")
    await create_gathering(
        h,
        programme.id,
        "Mentor gathering",
        date(2026, 3, 5),
        place="Library",
        audience=Audience.MENTORS,
    )
    await h.deliver()
    invitation = await ola.next_message()
    await run_until(h, oslo(2026, 3, 4, 20, 30))
    await ola.press(invitation, "I'll come")
    await ola.next_message()
    seen = len(ola.inbox())
    await run_until(h, oslo(2026, 3, 5, 17), step=timedelta(hours=1))
    assert texts(ola, seen) == []


async def test_a_cancelled_gathering_tells_who_said_yes_or_nothing_and_reminds_nobody(
    harness_each_db: Harness,
) -> None:
    h = harness_each_db  # Tuesday 3 March 2026, 10:00 in Oslo
    programme = await h.programme("Global Future Oslo", language="en")
    ola = await join(h, programme, Role.MENTOR, 200, "Ola")  # says yes
    amina = await join(h, programme, Role.ADEPT, 300, "Amina")  # says no
    per = await join(h, programme, Role.MENTOR, 210, "Per")  # does not answer
    gathering_id = await gathering(h, programme, "Kick-off", date(2026, 3, 10))
    await h.deliver()
    await ola.press(await ola.next_message(), "I'll come")
    await ola.next_message()
    await amina.press(await amina.next_message(), "I can't")
    await amina.next_message()
    assert len(invitations(per)) == 1

    # Siri joins on Sunday evening: her invitation waits for the morning.
    h.clock.set(oslo(2026, 3, 8, 21))
    siri = await join(h, programme, Role.ADEPT, 310, "Siri")
    await h.tick()
    # Monday 08:00, the day before: Ola's reminder is queued for midday.
    h.clock.set(oslo(2026, 3, 9, 8))
    await h.tick()
    async with h.services.db.unit() as uow:
        waiting = {i.kind for i in await uow.outbox.outbox_items(statuses=[OutboxStatus.PENDING])}
    assert {"gathering_invitation", "gathering_reminder"} <= waiting
    seen = {user.id: len(user.inbox()) for user in (ola, amina, per, siri)}

    h.clock.set(oslo(2026, 3, 9, 8, 30))
    cancelled = await h.core.gatherings.cancel(gathering_id)
    assert cancelled is not None and cancelled.told == 2
    assert await h.core.gatherings.cancel(gathering_id) is None  # once
    # Told at 09:00, when the programme's day starts; then days of ticks and deliveries.
    await run_until(h, oslo(2026, 3, 11, 10), step=timedelta(hours=1))
    await h.deliver()
    await h.emulator.wait_until_idle()

    told = "Kick-off, Tuesday 10 March at 18:00, is cancelled. Sorry for the change."
    assert texts(ola, seen[ola.id]) == [told]  # and no reminder
    assert texts(per, seen[per.id]) == [told]
    assert texts(amina, seen[amina.id]) == []
    assert siri.inbox()[seen[siri.id] :] == [] and invitations(siri) == []
    async with h.services.db.unit() as uow:
        items = await uow.outbox.outbox_items()
    person = {p.telegram_user_id: p.id for p in await h.pairing.members(programme.id, Role.MENTOR)}
    assert sorted(i.idempotency_key for i in items if i.kind == "gathering_cancelled") == sorted(
        f"gathering:{gathering_id}:cancel:{person[user.id]}" for user in (ola, per)
    )
    assert not [i for i in items if i.kind == "gathering_reminder"]


async def tap(h: Harness, user: SimUser, message: SentMessage, button: str) -> SentMessage:
    """Presses a button on a message the bot then edits in place; returns it edited."""
    before = message.edited
    await user.press(message, button)
    await h.emulator.wait_for(lambda: message.edited > before, 10, f"the edit after {button!r}")
    return message


async def short_answer(h: Harness, user: SimUser, message: SentMessage, data: str) -> str:
    """Presses (possibly forged) button data; returns the short answer to the press."""
    answered = len(user.callback_answers)
    await user.press_data(message, data)
    await h.emulator.wait_for(
        lambda: len(user.callback_answers) > answered, 10, "the button answered"
    )
    return str(user.callback_answers[-1]["text"])


async def gathering(
    h: Harness, programme: Programme, title: str, day: date, cohort_id: int | None = None
) -> int:
    made = await create_gathering(
        h, programme.id, title, day, place="Oslo City Hall", cohort_id=cohort_id
    )
    return made.gathering.id


async def is_cancelled(h: Harness, gathering_id: int) -> bool:
    async with h.services.db.unit() as uow:
        found = await uow.gatherings.gathering(gathering_id)
    assert found is not None
    return found.cancelled


async def test_a_coordinator_cancels_a_gathering_from_the_list_with_a_confirmation(
    harness: Harness,
) -> None:
    h = harness  # Tuesday 3 March 2026, 10:00 in Oslo
    programme = await h.programme("Global Future Oslo", language="en")
    kari = await join(h, programme, Role.COORDINATOR, 100, "Kari")
    ola = await join(h, programme, Role.MENTOR, 200, "Ola")  # says yes
    amina = await join(h, programme, Role.ADEPT, 300, "Amina")  # says no
    per = await join(h, programme, Role.MENTOR, 210, "Per")  # does not answer
    kickoff = await gathering(h, programme, "Kick-off", date(2026, 3, 10))
    closing = await gathering(h, programme, "Closing", date(2026, 6, 10))
    await h.deliver()
    ola_invitation = await ola.next_message()
    await ola.press(ola_invitation, "I'll come")
    await ola.next_message()
    await amina.press(await amina.next_message(), "I can't")
    await amina.next_message()
    assert len(invitations(per)) == 1
    seen = {user.id: len(user.inbox()) for user in (ola, amina, per)}

    await kari.send("/gatherings")
    overview = await kari.next_message()
    assert (overview.text or "").startswith("Kick-off (mentors and mentees), Tuesday 10 March")
    assert overview.button_texts() == ["Cancel Kick-off, Tue 10 Mar", "Cancel Closing, Wed 10 Jun"]
    for row in overview.buttons():
        for _label, data in row:
            assert data is not None and len(data.encode()) <= 64

    # The question comes in place; No shows the list again and changes nothing.
    await tap(h, kari, overview, "Cancel Kick-off, Tue 10 Mar")
    assert overview.text == (
        "Cancel «Kick-off», Tuesday 10 March at 18:00? 1 person said they would come; "
        "I will tell them and those who have not answered."
    )
    assert overview.button_texts() == ["Yes, cancel it", "No"]
    await tap(h, kari, overview, "No")
    assert kari.callback_answers[-1]["text"] == "OK, nothing was changed."
    assert (overview.text or "").startswith("Kick-off (mentors and mentees)")
    assert overview.button_texts() == ["Cancel Kick-off, Tue 10 Mar", "Cancel Closing, Wed 10 Jun"]
    assert not await is_cancelled(h, kickoff)

    await tap(h, kari, overview, "Cancel Kick-off, Tue 10 Mar")
    yes = overview.callback_data("Yes, cancel it")
    await tap(h, kari, overview, "Yes, cancel it")
    assert overview.text == "✅ «Kick-off» is cancelled. I told 2 people."
    assert overview.button_texts() == []
    assert await is_cancelled(h, kickoff) and not await is_cancelled(h, closing)

    await h.deliver()
    await h.tick()
    await h.tick()
    told = "Kick-off, Tuesday 10 March at 18:00, is cancelled. Sorry for the change."
    assert texts(ola, seen[ola.id]) == [told]
    assert texts(per, seen[per.id]) == [told]
    assert texts(amina, seen[amina.id]) == []

    # Yes again: already cancelled, nothing changes and nobody is told twice.
    edits = overview.edited
    assert await short_answer(h, kari, overview, yes) == (
        "This gathering is already cancelled. Nothing was changed."
    )
    assert overview.edited == edits
    # A mentor with a forged button cancels nothing.
    for step in ("c", "y"):
        assert await short_answer(h, ola, ola_invitation, f"gc:{closing}:{step}") == (
            "Only coordinators can do this."
        )
    assert not await is_cancelled(h, closing)

    # Days pass: no reminder of the cancelled gathering, no second message.
    await run_until(h, oslo(2026, 3, 11, 10))
    assert texts(ola, seen[ola.id]) == [told]
    assert texts(per, seen[per.id]) == [told]
    assert texts(amina, seen[amina.id]) == []
    async with h.services.db.unit() as uow:
        items = await uow.outbox.outbox_items()
    assert len([i for i in items if i.kind == "gathering_cancelled"]) == 2
    assert not [i for i in items if i.kind == "gathering_reminder"]

    kari.catch_up()  # Monday's digest
    await kari.send("/gatherings")
    after = await kari.next_message()
    assert (after.text or "").startswith("Closing (mentors and mentees)")
    assert after.button_texts() == ["Cancel Closing, Wed 10 Jun"]


async def test_a_regions_coordinator_cancels_only_the_regions_gatherings(
    harness: Harness,
) -> None:
    h = harness  # Tuesday 3 March 2026, 10:00 in Oslo
    programme = await h.programme("Global Future", language="en")
    cohorts = Programmes(h.db, h.clock)
    regions = []
    for name in ("Rogaland", "Hordaland"):
        added = await cohorts.add_cohort(
            programme.id, name=name, starts_on=date(2026, 3, 3), ends_on=None, preset=None
        )
        assert added is not None
        regions.append(added[0])
    rogaland, hordaland = regions
    kari = await join(h, programme, Role.COORDINATOR, 100, "Kari", cohort_id=rogaland.id)
    lars = await join(h, programme, Role.COORDINATOR, 101, "Lars", cohort_id=hordaland.id)
    berit = await join(h, programme, Role.COORDINATOR, 102, "Berit")  # the whole programme
    of_rogaland = await gathering(h, programme, "Rogaland kick-off", date(2026, 3, 10), rogaland.id)
    of_hordaland = await gathering(h, programme, "Bergen meetup", date(2026, 3, 11), hordaland.id)
    for_all = await gathering(h, programme, "Closing", date(2026, 3, 12))

    # Lars sees his region's gathering and the programme-wide one, and may cancel his only.
    await lars.send("/gatherings")
    overview = await lars.next_message()
    assert (overview.text or "").startswith("Bergen meetup")
    assert "Closing" in (overview.text or "") and "Rogaland" not in (overview.text or "")
    assert overview.button_texts() == ["Cancel Bergen meetup, Wed 11 Mar"]
    for gathering_id in (of_rogaland, for_all):
        for step in ("c", "y"):
            assert await short_answer(h, lars, overview, f"gc:{gathering_id}:{step}") == (
                "I cannot find this gathering. Nothing was changed."
            )
    assert overview.button_texts() == ["Cancel Bergen meetup, Wed 11 Mar"]
    assert not await is_cancelled(h, of_rogaland) and not await is_cancelled(h, for_all)

    await kari.send("/gatherings")
    assert (await kari.next_message()).button_texts() == ["Cancel Rogaland kick-off, Tue 10 Mar"]
    await berit.send("/gatherings")
    assert (await berit.next_message()).button_texts() == [
        "Cancel Rogaland kick-off, Tue 10 Mar",
        "Cancel Bergen meetup, Wed 11 Mar",
        "Cancel Closing, Thu 12 Mar",
    ]

    await tap(h, lars, overview, "Cancel Bergen meetup, Wed 11 Mar")
    await tap(h, lars, overview, "Yes, cancel it")
    assert overview.text == "✅ «Bergen meetup» is cancelled. I told 0 people."
    assert await is_cancelled(h, of_hordaland)
    assert not await is_cancelled(h, of_rogaland) and not await is_cancelled(h, for_all)
