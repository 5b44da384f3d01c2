"""The coordinator's side end to end: stall alerts posted, taken, snoozed, resolved by
themselves; the alert chat; help requests; blocked users; programmes kept apart."""

from __future__ import annotations

from datetime import timedelta

from bot.domain import dates, policy
from bot.domain.model import Role
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


async def test_no_meeting_alert_is_taken_and_resolves_itself(harness: Harness) -> None:
    h = harness
    programme = await h.programme()
    kari = await coordinator(h, programme)
    ola, amina, pair_id = await h.active_pair(programme)

    await run_until(h, on(NO_MEETING_ALERT - timedelta(days=1), 12))  # one day short: not yet
    assert alerts_about(kari, "No meeting since") == []
    await run_until(h, on(NO_MEETING_ALERT, 12))
    [alert] = alerts_about(kari, "No meeting since")
    assert alert.text == (
        f"⚠️ Pair #{pair_id}: Ola (mentor) and Amina (mentee)\n"
        f"No meeting since they started ({TOO_LONG} days; the programme expects once a month). "
        "Ola has not answered the last question. Amina has not answered the last question."
    )
    await run_until(h, on(NO_MEETING_ALERT + timedelta(days=7), 12))
    assert len(alerts_about(kari, "No meeting since")) == 1  # one alert per episode

    await kari.press(alert, "I'll contact them")
    await h.deliver()
    await h.emulator.wait_until_idle()
    taken = h.emulator.sent_messages(kari.id)[kari.inbox().index(alert)]
    assert taken.text is not None and taken.text.endswith("⏳ Kari is following this up.")
    assert "I'll contact them" not in taken.button_texts()

    amina.catch_up()
    await amina.send("/met")
    await amina.press(await amina.next_message(), "Today, 1 hour")
    await amina.next_message()  # the check-in
    await h.tick()
    await h.emulator.wait_until_idle()
    resolved = kari.inbox()[kari.inbox().index(taken)]
    assert resolved.text is not None
    assert resolved.text.startswith(f"✅ Pair #{pair_id}")
    assert resolved.text.endswith("Resolved by itself: a meeting was logged.")
    assert resolved.button_texts() == ["Show pair"]
    del ola


async def test_a_snoozed_alert_comes_back_while_the_cause_holds(harness: Harness) -> None:
    h = harness
    programme = await h.programme()
    kari = await coordinator(h, programme)
    await h.active_pair(programme)
    pressed = NO_MEETING_ALERT + timedelta(days=2)  # Monday 20 April
    await run_until(h, on(pressed, 12))
    [alert] = alerts_about(kari, "No meeting since")
    await kari.press(alert, "Snooze 7 days")
    # The edit goes through the outbox, which the worker sends once the press is handled.
    position = kari.inbox().index(alert)
    back = pressed + policy.SNOOZE  # Monday 27 April
    until = f"⏳ Snoozed until {dates.format_day(back, 'en', today=pressed)}."
    await h.emulator.wait_for(
        lambda: (kari.inbox()[position].text or "").endswith(until),
        15,
        "the alert edited as snoozed",
    )
    await run_until(h, on(back, 9))
    assert len(alerts_about(kari, "No meeting since")) == 1
    await run_until(h, on(back, 13))
    assert len(alerts_about(kari, "No meeting since")) == 2  # posted again: still no meeting


async def test_a_blocked_participant_is_flagged_and_left_alone(harness: Harness) -> None:
    h = harness
    programme = await h.programme()
    kari = await coordinator(h, programme)
    ola, _amina, pair_id = await h.active_pair(programme)
    h.emulator.block(ola.id)
    await run_until(h, oslo(2026, 3, 4, 12))  # the first nudge answers 403
    await run_until(h, oslo(2026, 3, 4, 18))
    [alert] = alerts_about(kari, "has blocked the bot")
    assert alert.text == (
        f"⚠️ Pair #{pair_id}: Ola (mentor) and Amina (mentee)\n"
        "Ola (mentor) has blocked the bot. I cannot send them messages."
    )
    attempts = [c for c in h.emulator.calls("sendMessage") if c.params.get("chat_id") == ola.id]
    await run_until(h, oslo(2026, 3, 20, 12))
    later = [c for c in h.emulator.calls("sendMessage") if c.params.get("chat_id") == ola.id]
    assert len(later) == len(attempts), "no more messages to someone who blocked the bot"
    # Writing to the bot again makes them reachable, and the alert resolves itself.
    h.emulator.unblock(ola.id)
    await ola.send("/status")
    await h.emulator.wait_until_idle()
    await h.tick()
    await h.emulator.wait_until_idle()
    assert (kari.inbox()[kari.inbox().index(alert)].text or "").endswith(
        "Resolved by itself: they can be reached again."
    )


async def test_a_help_request_arrives_at_once_even_at_night(harness: Harness) -> None:
    h = harness
    programme = await h.programme()
    kari = await coordinator(h, programme)
    _ola, amina, pair_id = await h.active_pair(programme)
    h.clock.set(oslo(2026, 3, 4, 22))
    await amina.send("/met")
    await amina.next_message()
    await amina.send("yesterday")
    await amina.press(await amina.next_message(), "30 minutes")
    await amina.press(await amina.next_message(), "2")
    goals = await amina.next_message()
    await amina.press(goals, "Done")
    comment = await amina.next_message()
    await amina.press(comment, "I need help")
    assert (await amina.next_message()).text == (
        "Thank you. The coordinator will contact you soon.\n"
        "If you want, write what you need help with. Only the coordinator sees it."
    )
    await h.deliver()
    alert = await kari.next_message()
    assert alert.text == (
        f"⚠️ Pair #{pair_id}: Ola (mentor) and Amina (mentee)\n"
        "Amina (mentee) asked for help from the coordinator."
    )
    await amina.send("I lost my housing and cannot focus.")
    assert (await amina.next_message()).text == "Thank you. I have sent it to the coordinator."
    await h.deliver()
    assert (await kari.next_message()).text == (
        f"⚠️ Pair #{pair_id}: Amina wrote to you: «I lost my housing and cannot focus.»"
    )
    # Never to the other party.
    assert not any("housing" in (m.text or "") for m in _ola.inbox())
    # The low score is an alert of its own, at the next tick.
    await h.tick()
    await h.emulator.wait_until_idle()
    assert alerts_about(kari, "gave the check-in score 2")


async def test_the_alert_chat_takes_only_coordinators(harness: Harness) -> None:
    h = harness
    programme = await h.programme(language="en")  # the group reads the programme's language
    kari = await coordinator(h, programme)
    ola, _amina, pair_id = await h.active_pair(programme)
    group = h.emulator.group(-500, "Mentor team")
    await ola.send_in_group(group, "/bindalerts")
    assert (await group.next_message()).text == "Only a coordinator of the programme can do this."
    await kari.send_in_group(group, "/bindalerts")
    assert (await group.next_message()).text == (
        "✅ Alerts for Global Future Oslo will come to this group. /unbindalerts stops it.\n"
        "The weekly digest comes here too. Next: Monday 9 March at 08:00."
    )
    await run_until(h, on(NO_MEETING_ALERT + timedelta(days=2), 12))
    # Ola, a mentor, is in the group: it reads pair numbers and kinds only.
    [alert] = [m for m in group.inbox() if "Why: no meeting." in (m.text or "")]
    assert (alert.text or "").startswith(f"⚠️ Pair #{pair_id}\n")
    assert alerts_about(kari, "No meeting since") == []  # the group has it, not Kari privately
    await ola.press(alert, "Resolved")
    await h.emulator.wait_until_idle()
    assert (
        ola.callback_answers[-1]["text"]
        == "Only coordinators of this programme can use these buttons."
    )
    assert group.inbox()[group.inbox().index(alert)].text == alert.text
    await kari.press(alert, "Resolved")
    await h.deliver()
    await h.emulator.wait_until_idle()
    assert (group.inbox()[group.inbox().index(alert)].text or "").endswith("Resolved by Kari.")
    # Resolved by hand: the same episode does not open again.
    await run_until(h, on(NO_MEETING_ALERT + timedelta(days=6), 12))
    assert len([m for m in group.inbox() if "Why: no meeting." in (m.text or "")]) == 1
    group.catch_up()
    await kari.send_in_group(group, "/stalled")
    stalled = await group.next_message()
    assert stalled.text is not None
    heading, *reasons = stalled.text.split("\n")[1:]
    assert heading == f"#{pair_id}:"
    assert reasons and all(line.startswith("  • ") for line in reasons)
    del ola


async def test_two_programmes_see_only_their_own_pairs(harness: Harness) -> None:
    h = harness
    oslo_programme = await h.programme("Global Future Oslo")
    bergen = await h.programme("Global Future Bergen")
    kari = await coordinator(h, oslo_programme)
    berit = await coordinator(h, bergen, user_id=101, name="Berit")
    _ola, _amina, pair_id = await h.active_pair(oslo_programme)
    await berit.send("/pairs")
    assert (await berit.next_message()).text == "No pairs yet. Make one with /pair."
    await berit.send(f"/pair {pair_id}")
    assert (await berit.next_message()).text == f"There is no pair {pair_id} in your programmes."
    await berit.send(f"/note {pair_id} Looks fine")
    assert (await berit.next_message()).text == f"There is no pair {pair_id} in your programmes."
    await berit.send(f"/end {pair_id}")
    assert (
        await berit.next_message()
    ).text == f"Pair {pair_id} is not an active pair in your programmes."
    await kari.send(f"/note {pair_id} Called Amina, all is well.")
    assert "Note saved" in ((await kari.next_message()).text or "")
    await kari.send(f"/pair {pair_id}")
    file = await kari.next_message()
    assert file.text is not None and "Called Amina, all is well." in file.text
    await run_until(h, oslo(2026, 4, 20, 12))
    assert alerts_about(berit, "Pair #") == []


async def test_coordinator_messages_and_ending_a_pair(harness: Harness) -> None:
    h = harness
    programme = await h.programme()
    kari = await coordinator(h, programme)
    ola, amina, pair_id = await h.active_pair(programme)
    await kari.send(f"/message {pair_id}")
    await kari.press(await kari.next_message(), "Both of them")
    await kari.next_message()
    await kari.send("Welcome to the kick-off on Friday!")
    assert (await kari.next_message()).text == "✅ Sent to Ola & Amina."
    await h.deliver()
    for user in (ola, amina):
        assert (await user.next_message()).text == (
            "Message from your coordinator Kari:\nWelcome to the kick-off on Friday!\n\n"
            "Tap «Answer» to write back. Only the coordinator sees it."
        )
    await kari.send(f"/end {pair_id} completed")
    assert (await kari.next_message()).text == (
        f"✅ Pair #{pair_id} (Ola and Amina) has ended. No more reminders; I have told them both."
    )
    await h.deliver()
    assert (
        await amina.next_message()
    ).text == "Your mentorship with Ola has ended. Thank you for taking part!"

    def to_the_pair() -> int:
        return len(
            [
                c
                for c in h.emulator.calls("sendMessage")
                if c.params.get("chat_id") in (ola.id, amina.id)
            ]
        )

    before = to_the_pair()
    await run_until(h, oslo(2026, 5, 20, 12))
    assert to_the_pair() == before  # an ended pair gets nothing more (Kari gets her digests)


async def test_pairs_list_shows_last_meeting_reasons_and_pages(
    harness: Harness, monkeypatch: object
) -> None:
    import handlers.coordinator as coordinator_handlers

    h = harness
    programme = await h.programme(language="en")
    kari = await coordinator(h, programme)
    _ola, amina, pair_id = await h.active_pair(programme)
    # A second pair, joined by link and paired from the command line.
    for user_id, name, role in ((201, "Per", Role.MENTOR), (301, "Sara", Role.ADEPT)):
        user = h.emulator.user(user_id, name, language_code="en")
        await h.join(user, programme, role)
        await user.press(await user.next_message(), "Yes, that is OK")
        await user.next_message()
    mentors = await h.pairing.members(programme.id, Role.MENTOR)
    adepts = await h.pairing.members(programme.id, Role.ADEPT)
    per = next(p for p in mentors if p.first_name == "Per")
    sara = next(p for p in adepts if p.first_name == "Sara")
    assert (await h.pairing.create_pair(None, programme.id, per.id, sara.id)).view is not None

    await amina.send("/met")
    await amina.press(await amina.next_message(), "Today, 1 hour")
    await amina.next_message()  # the check-in
    h.clock.set(oslo(2026, 3, 18, 10))
    await h.tick()
    kari.catch_up()

    monkeypatch.setattr(coordinator_handlers, "PAIRS_PER_PAGE", 1)  # type: ignore[attr-defined]
    await kari.send("/pairs")
    first = await kari.next_message()
    assert first.text == (
        "Page 1 of 2\nGlobal Future Oslo:\n"
        f"#{pair_id} Ola + Amina: active since 3 March; last met 3 March"
    )
    await kari.press(first, "Next ▶")
    await h.emulator.wait_until_idle()
    second = kari.inbox()[kari.inbox().index(first)]
    assert second.text == (
        "Page 2 of 2\nGlobal Future Oslo:\n"
        f"#{pair_id + 1} Per + Sara: awaiting agreement ⚠️ agreement late"
    )
    assert second.button_texts() == ["◀ Back"]
