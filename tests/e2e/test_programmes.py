"""Each programme of the source documents, set up from its preset, runs a simulated
cohort end to end: the real bot over HTTP, the clock moved over weeks and months,
ticks checking which nudges, reminders and invitations happen, and which do not."""

from __future__ import annotations

import re
from datetime import date, time, timedelta

from bot.domain.gatherings import Audience, GatheringKind
from bot.domain.model import Cohort, Person, Programme, Role
from bot.domain.programmes import preset
from bot.sim.emulator import SimUser
from bot.usecases.programmes import Programmes
from tests.support.cohorts import (
    activate_pair,
    confirm_agreement,
    first_lines,
    gathering,
    invitations,
    join,
    oslo,
    pair_by_steps,
    run_until,
    texts,
)
from tests.support.harness import Harness

PLAN_THIS_MONTH = "Have you agreed when to meet {name} this month?"
REMIND = "Have you found a time to meet {name}? It is good to meet soon."


async def set_up(h: Harness, key: str, name: str) -> tuple[Programme, tuple[Cohort, ...]]:
    """What `mentorbot program create NAME --preset KEY` does (the CLI test runs it too):
    the preset's language if it has one, else English for readable assertions."""
    chosen = preset(key)
    assert chosen is not None
    made = await Programmes(h.db, h.clock).create(
        name=name, timezone="Europe/Oslo", language=chosen.language or "en", preset=chosen
    )
    return made.programme, made.cohorts


async def person(h: Harness, user: SimUser) -> Person:
    async with h.services.db.unit() as uow:
        found = await uow.people.person_by_telegram_id(user.id)
    assert found is not None
    return found


async def log_meeting(h: Harness, user: SimUser, pair_id: int, day: date, minutes: int) -> None:
    """What /met does (its chat flow is tested in test_rhythm.py)."""
    result = await h.meetings.log_meeting(await person(h, user), pair_id, day, minutes, None)
    assert isinstance(result, tuple), result


async def meet(
    h: Harness, logger: SimUser, other: SimUser, pair_id: int, day: date, minutes: int
) -> None:
    """One logs a meeting (as /met does) and the other confirms it with one tap."""
    await log_meeting(h, logger, pair_id, day, minutes)
    await h.deliver()
    confirmation = next(m for m in reversed(other.inbox()) if "says you met" in (m.text or ""))
    await other.press(confirmation, "Yes")
    await h.emulator.wait_until_idle()


async def test_nho_regions_with_their_own_coordinators_groups_and_gatherings(
    harness: Harness,
) -> None:
    h = harness  # Tuesday 3 March 2026, 10:00 in Oslo
    programme, cohorts = await set_up(h, "nho", "Global Future")
    assert [c.name for c in cohorts] == [
        "Global Future – Møre og Romsdal",
        "Global Future – Hordaland",
        "Global Future – Rogaland",
        "Global Future – Oslo og Akershus",
    ]
    # About a year each, for the evaluation at the end.
    assert {(c.starts_on, c.ends_on) for c in cohorts} == {(date(2026, 3, 3), date(2027, 3, 2))}
    hordaland, rogaland = cohorts[1], cohorts[2]
    kari = await join(h, programme, Role.COORDINATOR, 100, "Kari", cohort_id=rogaland.id)
    lars = await join(h, programme, Role.COORDINATOR, 101, "Lars", cohort_id=hordaland.id)
    ola = await join(h, programme, Role.MENTOR, 200, "Ola", cohort_id=rogaland.id)
    amina = await join(h, programme, Role.ADEPT, 300, "Amina", cohort_id=rogaland.id)
    nadia = await join(h, programme, Role.ADEPT, 301, "Nadia", cohort_id=rogaland.id)
    per = await join(h, programme, Role.MENTOR, 210, "Per", cohort_id=hordaland.id)
    sami = await join(h, programme, Role.ADEPT, 310, "Sami", cohort_id=hordaland.id)
    rogaland_pair = await activate_pair(h, programme.id, ola, amina)
    await activate_pair(h, programme.id, per, sami)
    async with h.services.db.unit() as uow:
        pairs = {v.pair.id: v.pair.cohort_id for v in await uow.pairs.pair_views([programme.id])}
    assert pairs[rogaland_pair] == rogaland.id

    # Each region's kick-off (in a week) and mentor training (in two weeks) reach only
    # that region's people; coordinators are not invited.
    await h.tick()
    assert [m.text.split("\n")[0] for m in invitations(ola) if m.text] == [
        "You are invited: Kick-off",
        "You are invited: Mentor training",
    ]
    assert [m.text.split("\n")[0] for m in invitations(amina) if m.text] == [
        "You are invited: Kick-off"
    ]
    assert len(invitations(per)) == 2 and len(invitations(sami)) == 1
    assert invitations(kari) == [] and invitations(lars) == []

    # A learning group of adepts is the audience of its own gathering.
    async with h.services.db.unit() as uow:
        await uow.gatherings.set_learning_group(
            programme.id, [(await person(h, amina)).id], "Gruppe A"
        )
    made = await gathering(
        h,
        programme.id,
        "Learning group A",
        date(2026, 3, 12),
        starts_at=time(17, 0),
        place="NHO Rogaland",
        audience=Audience.ADEPTS,
        cohort_id=rogaland.id,
        learning_group="Gruppe A",
    )
    assert made.invited == 1
    await h.deliver()
    assert [(m.text or "").split("\n")[0] for m in invitations(amina)][-1] == (
        "You are invited: Learning group A"
    )
    assert len(invitations(nadia)) == 1  # only the kick-off

    # Kari's /gathering is for her region only.
    await kari.send("/gathering")
    await kari.next_message()
    await kari.send("Mentor lunch")
    await kari.next_message()
    await kari.send("20.3 kl 12")
    await kari.next_message()
    await kari.send("Stavanger")
    await kari.press(await kari.next_message(), "Mentors")
    await kari.press(await kari.next_message(), "Send invitations")
    assert "I am inviting 1 person now." in ((await kari.next_message()).text or "")
    await h.deliver()
    assert (invitations(ola)[-1].text or "").startswith("You are invited: Mentor lunch")
    assert not any("Mentor lunch" in (m.text or "") for m in invitations(per))
    await kari.send("/gatherings")
    overview = (await kari.next_message()).text or ""
    assert "Mentor lunch" in overview and overview.count("Kick-off") == 1

    # The monthly rhythm runs in both regions.
    ola_seen = len(ola.inbox())
    await run_until(h, oslo(2026, 4, 2, 12), step=timedelta(hours=12))
    assert PLAN_THIS_MONTH.format(name="Amina") in first_lines(ola, ola_seen)

    # The next intake of a region, a year later, with its own gatherings.
    second = await Programmes(h.db, h.clock).add_cohort(
        programme.id,
        name="Rogaland 2027",
        starts_on=date(2027, 3, 3),
        ends_on=None,
        preset=preset("nho"),
    )
    assert second is not None
    assert (second[0].starts_on, second[0].ends_on, second[1]) == (
        date(2027, 3, 3),
        date(2028, 3, 2),
        3,
    )


async def test_vs_humentor_counts_minutes_and_invites_mentors_to_courses(harness: Harness) -> None:
    h = harness
    programme, [cohort] = await set_up(h, "humentor", "VS Humentor")
    assert programme.cadence == "minutes:120"
    assert (cohort.starts_on, cohort.ends_on) == (date(2026, 3, 3), date(2027, 9, 2))
    ola = await join(h, programme, Role.MENTOR, 200, "Ola")
    amina = await join(h, programme, Role.ADEPT, 300, "Amina")
    pair_id = await activate_pair(h, programme.id, ola, amina)
    await run_until(h, oslo(2026, 3, 10, 19), step=timedelta(hours=12))
    await meet(h, amina, ola, pair_id, date(2026, 3, 10), 90)
    await run_until(h, oslo(2026, 3, 24, 19), step=timedelta(hours=12))
    await meet(h, ola, amina, pair_id, date(2026, 3, 24), 120)

    # April: one hour is not two; the reminder comes around day 20. (Not on Thursday
    # 2 April: Easter's holidays would hold the confirmation until Tuesday.)
    await run_until(h, oslo(2026, 4, 1, 12), step=timedelta(hours=12))
    await meet(h, amina, ola, pair_id, date(2026, 4, 1), 60)
    ola_seen, amina_seen = len(ola.inbox()), len(amina.inbox())
    await run_until(h, oslo(2026, 4, 30, 12), step=timedelta(hours=12))
    assert REMIND.format(name="Amina") in first_lines(ola, ola_seen)
    assert REMIND.format(name="Ola") in first_lines(amina, amina_seen)
    # May: two meetings of an hour make the two hours, so no reminder.
    await run_until(h, oslo(2026, 5, 6, 19), step=timedelta(hours=12))
    ola_seen, amina_seen = len(ola.inbox()), len(amina.inbox())
    await meet(h, amina, ola, pair_id, date(2026, 5, 4), 60)
    await meet(h, ola, amina, pair_id, date(2026, 5, 6), 60)
    await run_until(h, oslo(2026, 5, 29, 12), step=timedelta(hours=12))
    assert REMIND.format(name="Amina") not in first_lines(ola, ola_seen)
    assert REMIND.format(name="Ola") not in first_lines(amina, amina_seen)

    # The mentor courses are for mentors only: invited three weeks before each.
    courses = [m for m in invitations(ola) if "diversity management" in (m.text or "")]
    assert len(courses) == 1  # day 30; the next (day 180) is months away
    assert not any("diversity management" in (m.text or "") for m in invitations(amina))
    assert any("Kick-off" in (m.text or "") for m in invitations(amina))


async def test_oxlo_two_years_internship_and_introduction_meeting(harness: Harness) -> None:
    h = harness
    programme, [cohort] = await set_up(h, "oxlo", "OXLO Mentorprogram")
    assert programme.outcomes == ("job", "internship")
    assert (cohort.starts_on, cohort.ends_on) == (date(2026, 3, 3), date(2028, 3, 2))
    ola = await join(h, programme, Role.MENTOR, 200, "Ola")
    amina = await join(h, programme, Role.ADEPT, 300, "Amina")
    await h.tick()
    for user in (ola, amina):
        [intro] = invitations(user)
        assert (intro.text or "").startswith(
            "You are invited: Introduction meeting\nWhen: Tuesday 10 March at 18:00\n"
            "Where: The place comes later.\nFor: mentors and mentees"
        )
    await ola.press(invitations(ola)[0], "I'll come")
    pair_id = await activate_pair(h, programme.id, ola, amina)
    ola_seen = len(ola.inbox())
    await run_until(h, oslo(2026, 3, 9, 13), step=timedelta(hours=12))
    assert any(t.startswith("Reminder: Introduction meeting is") for t in texts(ola, ola_seen))
    assert not any(t.startswith("Reminder: Introduction meeting") for t in texts(amina))
    # The second year still has its rhythm; the cohort is not over.
    await run_until(h, oslo(2026, 3, 12, 19), step=timedelta(hours=12))
    await log_meeting(h, ola, pair_id, date(2026, 3, 12), 60)
    h.clock.set(oslo(2027, 3, 1, 8))
    ola_seen = len(ola.inbox())
    await run_until(h, oslo(2027, 3, 4, 12), step=timedelta(hours=12))
    assert PLAN_THIS_MONTH.format(name="Amina") in first_lines(ola, ola_seen)


async def test_grimstad_twice_a_month_mentor_gatherings_and_check_ins(harness: Harness) -> None:
    h = harness
    programme, [cohort] = await set_up(h, "grimstad", "Mentorprogram Grimstad")
    assert programme.cadence == "twice_monthly"
    assert (cohort.starts_on, cohort.ends_on) == (date(2026, 3, 3), date(2027, 3, 2))
    async with h.services.db.unit() as uow:
        planned = await uow.gatherings.gatherings([programme.id], oslo(2026, 3, 1))
    mentor_only = [g for g in planned if g.audience is Audience.MENTORS]
    assert len(mentor_only) == 6 and all(g.kind is GatheringKind.TRAINING for g in mentor_only)
    ola = await join(h, programme, Role.MENTOR, 200, "Ola")
    amina = await join(h, programme, Role.ADEPT, 300, "Amina")
    pair_id = await activate_pair(h, programme.id, ola, amina)
    await run_until(h, oslo(2026, 3, 10, 19), step=timedelta(hours=12))
    await log_meeting(h, ola, pair_id, date(2026, 3, 10), 60)

    # April's first half passes without a meeting: both are asked, reminded, and asked
    # for a check-in on its last day; the second half asks again.
    ola_seen, amina_seen = len(ola.inbox()), len(amina.inbox())
    await run_until(h, oslo(2026, 4, 17, 12), step=timedelta(hours=12))
    for user, other in ((ola, "Amina"), (amina, "Ola")):
        lines = first_lines(user, ola_seen if user is ola else amina_seen)
        assert f"Have you agreed when to meet {other} in the next two weeks?" in lines
        assert (
            lines.count(
                "How is the mentorship going for you? Tap a number: 1 is bad, 5 is very good."
            )
            >= 1
        )
    questions = first_lines(ola, ola_seen).count(
        "Have you agreed when to meet Amina in the next two weeks?"
    )
    assert questions >= 2  # the first and the second half of April

    # Six mentor gatherings over the year: by the end of May two invitations, to Ola only.
    await run_until(h, oslo(2026, 5, 30, 12), step=timedelta(days=1))
    gatherings = [m for m in invitations(ola) if "Mentor gathering" in (m.text or "")]
    assert len(gatherings) == 2
    assert not any("Mentor gathering" in (m.text or "") for m in invitations(amina))


async def test_bomlo_one_or_two_meetings_over_the_whole_period(harness: Harness) -> None:
    h = harness
    programme, [cohort] = await set_up(h, "bomlo", "Bli med")
    assert (programme.cadence, programme.language) == ("per_cohort:2", "nb")
    ola = await join(h, programme, Role.MENTOR, 200, "Ola", language="nb")
    amina = await join(h, programme, Role.ADEPT, 300, "Amina", language="nb")
    pair_id = await activate_pair(h, programme.id, ola, amina)
    amina_seen = len(amina.inbox())
    await run_until(h, oslo(2026, 3, 6, 12), step=timedelta(hours=12))
    assert "Har du og Ola avtalt når dere skal møtes?" in first_lines(amina, amina_seen)
    await run_until(h, oslo(2026, 4, 14, 19), step=timedelta(days=1))
    await log_meeting(h, amina, pair_id, date(2026, 4, 14), 90)

    # One meeting of two: months of quiet, no monthly nudges.
    amina_seen = len(amina.inbox())
    await run_until(h, oslo(2026, 10, 1, 12), step=timedelta(days=3))
    assert not any("møtes" in t for t in first_lines(amina, amina_seen))
    # Two thirds into the period, one reminder to meet once more.
    await run_until(h, oslo(2026, 11, 30, 12), step=timedelta(days=2))
    reminders = [t for t in first_lines(amina, amina_seen) if t.startswith("Har du og Ola funnet")]
    assert len(reminders) == 1
    await log_meeting(h, ola, pair_id, date(2026, 11, 30), 60)
    amina_seen = len(amina.inbox())
    await run_until(h, oslo(2027, 2, 20, 12), step=timedelta(days=3))
    assert not any("møtes" in t for t in first_lines(amina, amina_seen))
    assert cohort.ends_on == date(2027, 3, 2)


# The default role words, wherever they would leak into a trainee programme's texts.
MENTOR_WORDS = re.compile(r"\b(mentors?|mentorship|mentoring|adepts?|mentees?)\b", re.IGNORECASE)
MENTOR_WORDS_NB = re.compile(r"mentor|adept", re.IGNORECASE)


async def test_podium_trainees_and_supervisors(harness: Harness) -> None:
    """Podium's words everywhere: a supervisor and a trainee, never a mentor and an adept,
    from the invitation through intake, /goals, /pair, a meeting's check-in and the end."""
    h = harness  # Tuesday 3 March 2026, 10:00 in Oslo
    programme, _cohorts = await set_up(h, "podium", "Podium traineeordning")
    assert programme.role_labels == "trainee"
    kari = h.emulator.user(100, "Kari", language_code="en")
    [token] = await h.services.create_invites(programme.id, Role.COORDINATOR)
    await kari.send(f"/start {token}")
    await kari.next_message()
    await kari.press(await kari.next_message(), "Yes, that is OK")
    await kari.next_message()
    await kari.send("/invite")
    invite_buttons = (await kari.next_message()).button_texts()
    assert invite_buttons == ["Supervisor", "Trainee", "Coordinator"]
    await kari.send("/help")
    assert (await kari.next_message()).text.endswith(  # type: ignore[union-attr]
        "Example: /invite supervisor gives a link for a new supervisor."
    )
    await kari.send("/invite trainee")
    assert (await kari.next_message()).text.startswith(  # type: ignore[union-attr]
        "Link for a new trainee in Podium traineeordning."
    )

    ola = h.emulator.user(200, "Ola", language_code="en")
    [token] = await h.services.create_invites(programme.id, Role.MENTOR)
    await ola.send(f"/start {token}")
    assert (await ola.next_message()).text == (
        "Hi Ola! Welcome to Podium traineeordning.\n"
        "You are a supervisor. You meet your trainee, listen and share what you know."
    )
    amina = h.emulator.user(300, "Amina", language_code="en")
    [token] = await h.services.create_invites(programme.id, Role.ADEPT)
    await amina.send(f"/start {token}")
    assert (await amina.next_message()).text == (
        "Hi Amina! Welcome to Podium traineeordning.\n"
        "You are a trainee. Your supervisor will help you learn the work."
    )
    for user in (ola, amina):
        consent = await user.next_message()
        assert "Your supervisor or trainee sees your name, goals and meetings." in (
            consent.text or ""
        )
        await user.press(consent, "Yes, that is OK")
        await user.next_message()  # the first intake question

    # The supervisor's intake asks about trainees.
    await ola.send("Electrician")
    assert (await ola.next_message()).text == (
        "Question 2 of 5: Why do you want to be a supervisor? A few words are enough.\n"
        "Do not write about health, religion or similar."
    )
    await ola.send("I like to teach.")
    capacity = await ola.next_message()
    assert capacity.text == "Question 3 of 5: How many trainees can you follow up?"
    await ola.press(capacity, "One")
    offers = await ola.next_message()
    assert (offers.text or "").startswith(
        "Question 4 of 5: What can you help a trainee with? Tap all that fit. Then tap «Done»."
    )
    await ola.press(offers, "Done")
    await ola.press(await ola.next_message(), "Done")
    assert (await ola.next_message()).text == (
        "Thank you! The coordinator will find a trainee for you. "
        "You can change your answers with /profile."
    )
    await ola.send("/profile")
    profile = (await ola.next_message()).text or ""
    assert "• Why I supervise: I like to teach." in profile
    assert "• Trainees I can take: One" in profile

    await amina.send("Electrician")
    await amina.press(await amina.next_message(), "Done")
    await amina.press(await amina.next_message(), "Done")
    assert (await amina.next_message()).text == (
        "Thank you! The coordinator will find a supervisor for you. "
        "You can change your answers with /profile."
    )
    # /goals before there is a pair, and for a supervisor.
    await amina.send("/goals")
    assert (await amina.next_message()).text == "You get your goals when you have a supervisor."
    await ola.send("/goals")
    assert (await ola.next_message()).text == "Only trainees with a supervisor have goals here."

    # A supervisor who reads Norwegian: the same words in bokmål.
    per = h.emulator.user(201, "Per", language_code="nb")
    [token] = await h.services.create_invites(programme.id, Role.MENTOR)
    await per.send(f"/start {token}")
    assert "Du er veileder." in ((await per.next_message()).text or "")
    consent = await per.next_message()
    assert "Veilederen eller traineen din ser navn, mål og møter." in (consent.text or "")
    await per.press(consent, consent.button_texts()[0])
    await per.next_message()
    await per.send("Snekker")
    assert (await per.next_message()).text == (
        "Spørsmål 2 av 5: Hvorfor vil du være veileder? Noen få ord er nok.\n"
        "Ikke skriv om helse, religion eller lignende."
    )
    await per.send("Jeg liker å lære bort.")
    capacity = await per.next_message()
    assert capacity.text == "Spørsmål 3 av 5: Hvor mange traineer kan du følge opp?"
    await per.send("/goals")
    assert (await per.next_message()).text == "Bare traineer med veileder har mål her."

    await h.tick()
    assert (invitations(ola)[0].text or "").split("\n")[3] == "For: supervisors and trainees"

    # The coordinator pairs them by /pair, step by step.
    assert await pair_by_steps(h, kari, "Ola (1 free place)", "Amina (Electrician)") == [
        "Step 1 of 2: Choose the supervisor.",
        "Step 2 of 2: Choose the trainee for Ola.",
        "✅ Pair made: Ola (supervisor) and Amina (trainee). I have told them both.",
    ]
    [view] = await h.pairing.pairs(None, [programme.id])
    pair_id = view.pair.id
    await h.deliver()
    assert texts(ola)[-1].startswith(
        "Good news! You are now supervisor for Amina, our new trainee."
    )
    assert texts(amina)[-1].startswith("Good news! Ola is your supervisor.")

    # Two weeks without an agreement: the coordinator's alert names the roles the same way.
    await run_until(h, oslo(2026, 3, 19, 12), step=timedelta(hours=12))
    alerts = [t for t in texts(kari) if t.startswith("⚠️ Pair #")]
    assert alerts and alerts[0].startswith(
        f"⚠️ Pair #{pair_id}: Ola (supervisor) and Amina (trainee)"
    )

    # They meet: the check-in after the meeting asks about the trainee scheme, to both.
    await confirm_agreement(h, pair_id)
    score_question = (
        "How is the trainee scheme going for you? Tap a number: 1 is bad, 5 is very good.\n"
        "Only the coordinator sees your answer."
    )
    for user in (kari, ola, amina):
        user.catch_up()  # reminders and alerts of the two weeks
    await ola.send("/met")
    logged = await ola.next_message()
    await ola.press(logged, "Today, 1 hour")
    score = await ola.next_message()
    assert logged.text == (
        "✅ Saved: you met Amina Thursday 19 March, 1 hour. I have asked Amina to confirm."
    )
    assert score.text == score_question
    await ola.press(score, "4")
    await ola.next_message()
    await h.deliver()
    confirmation = await amina.next_message()
    assert confirmation.text == "Ola says you met Thursday 19 March for 1 hour. Is that right?"
    await amina.press(confirmation, "Yes")
    assert (await amina.next_message()).text == "✅ Thank you, the meeting is confirmed."
    assert (await amina.next_message()).text == score_question

    # The coordinator ends the pair: both are told in the same words.
    await kari.send(f"/end {pair_id}")
    await kari.next_message()
    await h.deliver()
    assert texts(ola)[-1] == (
        "Your work with Amina in the trainee scheme has ended. Thank you for taking part!"
    )
    assert texts(amina)[-1] == (
        "Your work with Ola in the trainee scheme has ended. Thank you for taking part!"
    )

    # Nothing anyone got said mentor or adept.
    for user in (kari, ola, amina):
        leaks = [t for t in texts(user) if MENTOR_WORDS.search(t)]
        assert not leaks, (user.first_name, leaks)
    assert not [t for t in texts(per) if MENTOR_WORDS_NB.search(t)]
