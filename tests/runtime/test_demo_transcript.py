"""The demo's transcript renderer: events become threads per chat and moment, in the
programme's time zone and the demo's language, with buttons under each message."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.sim.demo.scenario import default_scenario
from bot.sim.demo.transcript import GROUP, Event, Kind, render_events

NINE_IN_OSLO = datetime(2026, 3, 3, 8, 0, tzinfo=UTC)  # 09:00 in Oslo (winter time)
SUMMER = datetime(2026, 4, 1, 16, 0, tzinfo=UTC)  # 18:00 in Oslo (summer time)


def test_each_chat_reads_as_one_thread_per_moment() -> None:
    events = [
        Event(NINE_IN_OSLO, Kind.RECEIVED, "amina", "Have you agreed?\nTap one.", (("Yes", "No"),)),
        Event(NINE_IN_OSLO, Kind.RECEIVED, "ola", "Have you agreed?"),
        Event(NINE_IN_OSLO, Kind.PRESSED, "amina", "Yes", actor="amina"),
        Event(NINE_IN_OSLO, Kind.PRESSED, GROUP, "I'll contact them", actor="kari"),
        Event(SUMMER, Kind.NOT_DELIVERED, "olena", "Reminder"),
    ]
    lines = render_events(default_scenario(), events, "en")
    assert lines == [
        "",
        "=== Tuesday 3 March 2026 ===",
        "09:00  Amina (mentee)",
        "    < Have you agreed?",
        "      Tap one.",
        "      [Yes] [No]",
        "    > taps «Yes»",
        "09:00  Ola (mentor)",
        "    < Have you agreed?",
        "09:00  Alert group «Mentor team»",
        "    > Kari taps «I'll contact them»",
        "",
        "=== Wednesday 1 April 2026 ===",
        "18:00  Olena (mentee)",
        "    x (not delivered: the bot is blocked) Reminder",
    ]


def test_norwegian_names_days_and_actions() -> None:
    events = [
        Event(NINE_IN_OSLO, Kind.WROTE, "sahra", "/pause", actor="sahra"),
        Event(NINE_IN_OSLO, Kind.BLOCKED, "olena", actor="olena"),
    ]
    assert render_events(default_scenario(), events, "nb") == [
        "",
        "=== tirsdag 3. mars 2026 ===",
        "09:00  Sahra (adept)",
        "    > skriver «/pause»",
        "09:00  Olena (adept)",
        "    > blokkerer boten",
    ]
