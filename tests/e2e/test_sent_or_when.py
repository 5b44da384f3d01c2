"""Replies that say a message was sent say so only when it goes now; outside the
programme's hours they say when it goes («Sendes mandag kl. 9»)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from bot.domain.model import Role
from tests.e2e.test_gatherings import gathering, is_cancelled, tap
from tests.support.cohorts import coordinator, join
from tests.support.harness import Harness

OSLO = ZoneInfo("Europe/Oslo")


def oslo(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=OSLO).astimezone(UTC)


async def test_a_coordinator_is_told_when_a_message_goes_on_a_friday_evening(
    harness: Harness,
) -> None:
    h = harness
    programme = await h.programme()
    kari = await coordinator(h, programme)
    ola, amina, pair_id = await h.active_pair(programme)
    h.clock.set(oslo(2026, 3, 6, 20, 14))  # Friday evening: the next working day is Monday
    await kari.send(f"/message {pair_id}")
    await kari.press(await kari.next_message(), "Both of them")
    await kari.next_message()
    await kari.send("Welcome to the kick-off!")
    assert (await kari.next_message()).text == (
        "⏳ Ola & Amina will get it Monday 9 March at 09:00."
    )
    await kari.send(f"/end {pair_id} completed")
    assert (await kari.next_message()).text == (
        f"✅ Pair #{pair_id} (Ola and Amina) has ended. No more reminders. "
        "I will tell them both Monday 9 March at 09:00."
    )
    await h.deliver()
    await ola.expect_no_message()
    await amina.expect_no_message()
    h.clock.set(oslo(2026, 3, 9, 9))
    await h.deliver()
    await h.emulator.wait_until_idle()
    assert any("Welcome to the kick-off!" in (m.text or "") for m in amina.catch_up())


async def test_participants_are_told_when_the_other_hears(harness: Harness) -> None:
    h = harness
    programme = await h.programme()
    ola, amina, _pair_id = await h.active_pair(programme)
    h.clock.set(oslo(2026, 3, 4, 21, 30))  # Wednesday night
    await amina.send("/plan")
    await amina.press(await amina.next_message(), "Fri 6 Mar")
    assert (await amina.next_message()).text == (
        "✅ I will ask Ola Thursday 5 March at 09:00 if Friday 6 March works. "
        "I will tell you the answer."
    )
    await amina.send("/met")
    logged = await amina.next_message()
    await amina.press(logged, "Today, 1 hour")
    await amina.next_message()  # the check-in; the question became the receipt
    assert (logged.text or "").startswith(
        "✅ Saved: you met Ola Wednesday 4 March, 1 hour. "
        "I will ask Ola to confirm Thursday 5 March at 09:00."
    )
    amina.catch_up()
    await ola.send("/pause")
    await ola.press(await ola.next_message(), "2 weeks")
    assert (await ola.next_message()).text == (
        "✅ Paused until Wednesday 18 March. I have told the coordinator, "
        "and will tell Amina Thursday 5 March at 09:00."
    )
    # In the programme's hours, "told" is true at once.
    h.clock.set(oslo(2026, 3, 5, 10))
    await ola.send("/pause")
    await ola.press(await ola.next_message(), "End the pause")
    assert (await ola.next_message()).text == (
        "✅ The pause is over. I have told Amina and the coordinator."
    )


async def test_a_gathering_cancelled_in_the_evening_says_when_people_are_told(
    harness: Harness,
) -> None:
    h = harness  # Tuesday 3 March 2026, 10:00 in Oslo
    programme = await h.programme("Global Future Oslo", language="en")
    kari = await join(h, programme, Role.COORDINATOR, 100, "Kari")
    ola = await join(h, programme, Role.MENTOR, 200, "Ola")
    kickoff = await gathering(h, programme, "Kick-off", date(2026, 3, 10))
    await h.deliver()
    await ola.next_message()
    h.clock.set(oslo(2026, 3, 3, 21))
    await kari.send("/gatherings")
    overview = await kari.next_message()
    await tap(h, kari, overview, "Cancel Kick-off, Tue 10 Mar")
    await tap(h, kari, overview, "Yes, cancel it")
    assert overview.text == (
        "✅ «Kick-off» is cancelled. I will tell 1 person Wednesday 4 March at 09:00."
    )
    assert await is_cancelled(h, kickoff)
