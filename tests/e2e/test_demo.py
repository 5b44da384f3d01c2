"""The offline demo: the real bot, the emulator and simulated people over accelerated
weeks; its transcript shows every kind of message, and `mentorbot demo` needs no token."""

from __future__ import annotations

from pathlib import Path

import openpyxl
from typer.testing import CliRunner

from bot.cli.main import app
from bot.sim.demo.runner import DemoOptions, DemoRun, run_demo
from bot.sim.demo.scenario import default_scenario
from bot.sim.demo.transcript import GROUP, Kind, Transcript
from tests.support.processes import bare_environment, run_mentorbot

# Long enough for every behaviour of the scenario (a full run is about three times
# longer): the block of day 9 is found at the nudge of 16 March, the pause is on day 17.
DAYS = 18


def received(transcript: Transcript, chat: str) -> list[str]:
    return transcript.texts(chat)


def names_of_chats_with(transcript: Transcript, words: str) -> set[str]:
    return {e.chat for e in transcript.events if e.kind is Kind.RECEIVED and words in e.text}


async def test_the_demo_shows_every_kind_of_message(tmp_path: Path) -> None:
    closing: list[str] = []

    async def closing_step(run: DemoRun) -> None:
        # A closing step runs after the simulated days with the bot still up.
        closing.append(run.clock.now().isoformat())
        await run.write(run.scenario.coordinator, "/pairs")

    result = await run_demo(
        DemoOptions(language="en", days=DAYS, out=tmp_path), closing_steps=[closing_step]
    )
    t = result.transcript
    scenario = default_scenario()
    participants = [p.key for p in scenario.people if p.key != "kari"]

    # Greeting and onboarding: everyone joined by link and answered the intake.
    for key in participants:
        name = scenario.person(key).name
        assert f"Hi {name}! Welcome to Global Future Oslo." in received(t, key)[0]
        assert any(
            text.startswith("Thank you! The coordinator will find") for text in received(t, key)
        )
    # The agreement: each pair saw the comparison and confirmed.
    assert names_of_chats_with(t, "Our agreement:") >= set(participants)
    assert any(
        "⚠️ Find a job: you said No; your mentee said Yes." in x for x in received(t, "ingrid")
    )
    # Planning nudges, reminders, proposals and check-ins.
    assert "Have you agreed when to meet Ola for the first time?" in received(t, "amina")
    assert "Reminder: you meet Ola tomorrow, Thursday 5 March." in received(t, "amina")
    assert any(x.startswith("Have you found a time to meet") for x in t.texts())
    assert any(x.startswith("How is the mentorship going for you?") for x in received(t, "ola"))
    # The alert group: the mismatch and the help request by kind (never what they wrote
    # or answered), the silent pair, the block.
    group = received(t, GROUP)
    assert any("Why: expectations differ." in x for x in group)
    assert not any("Find a job: mentor No" in x for x in group)
    assert any("Hamid (mentee) asked for help from the coordinator." in x for x in group)
    assert any("they wrote more about the help they need" in x for x in group)
    assert not any("flat" in x for x in group)
    assert any("Per & Yonas did not answer the last two questions." in x for x in group)
    assert any("Olena (mentee) has blocked the bot." in x for x in group)
    # Nothing of the help request reaches the mentor.
    assert not any("flat" in x for x in received(t, "lars"))
    # The coordinator took the alerts: their posts were changed in place.
    assert any("⏳ Kari is following this up." in e.text for e in t.events if e.kind is Kind.EDITED)
    # The pause reached the other party and the coordinator.
    assert any(x.startswith("Sahra has paused your meetings until") for x in received(t, "erik"))
    assert any("is paused until" in x and "Sahra asked for it." in x for x in received(t, "kari"))
    # The blocked person: Telegram tells the bot when she blocks it, so she is marked
    # unreachable at once and nothing is sent to her (and refused) afterwards.
    blocked = [e for e in t.events if e.kind in (Kind.BLOCKED, Kind.NOT_DELIVERED)]
    assert [(e.kind, e.chat) for e in blocked] == [(Kind.BLOCKED, "olena")]
    assert result.summary.unreachable == ("Olena",)
    # People answered through the emulator: presses and typed texts are in the transcript.
    assert {Kind.PRESSED, Kind.WROTE} <= t.kinds()

    # The closing step ran last, and the coordinator's /pairs answer is in the transcript.
    assert len(closing) == 1
    assert received(t, "kari")[-1].startswith("Global Future Oslo:\n#1 Ola + Amina: active")
    summary = {p.mentor: p for p in result.summary.pairs}
    assert summary["Ola"].meetings >= 2 and summary["Ola"].confirmed >= 2
    assert summary["Per"].meetings == 0
    assert "asked for help" in summary["Lars"].alerts
    assert "paused" in summary["Erik"].state
    # The transcript file is written and readable.
    text = (tmp_path / "transcript.txt").read_text(encoding="utf-8")
    assert text == result.text
    assert "=== Thursday 5 March 2026 ===" in text
    assert "    > taps «We have a date»" in text
    assert "Summary after 18 days" in text


def test_mentorbot_demo_needs_no_token_and_speaks_norwegian(tmp_path: Path) -> None:
    """As a process, with no token, a malformed .env and settings that would break
    `mentorbot run`: the demo reads none of them."""
    (tmp_path / ".env").write_text("TELEGRAM_BOT_TOKEN=\nLOG_LEVEL=loud\n", encoding="utf-8")
    environment = bare_environment(
        tmp_path, WEBHOOK_URL="http://not-https.example", DATABASE_URL="mysql://nowhere/db"
    )
    out = tmp_path / "out"
    done = run_mentorbot(
        "demo", "--days", "1", "--out", str(out), env=environment, cwd=tmp_path, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("mentorbot-demo: Global Future Oslo, 6 par over 1 dag")
    assert "Hei, Amina! Velkommen til Global Future Oslo." in done.stdout
    # The closing steps: the coordinator's /stalled in the group and /pairs in private.
    assert "    > Kari skriver «/stalled»" in done.stdout
    assert "#1 Ola + Amina: aktiv siden 2. mars" in done.stdout
    assert "Oppsummering etter 1 dag" in done.stdout
    assert (out / "transcript.txt").read_text(encoding="utf-8") == done.stdout
    # The weekly digest on the next Monday at 08:00, in the group: text, then the chart.
    assert "< 📋 " in done.stdout
    assert "< [bilde]" in done.stdout
    assert (out / "digest-chart.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    # The report for the funder, as `mentorbot report` writes it.
    assert (out / "report.pdf").read_bytes().startswith(b"%PDF")
    workbook = openpyxl.load_workbook(out / "report.xlsx")
    assert len(workbook.sheetnames) > 1
    assert str(out / "report.xlsx") in done.stdout


def test_a_wrong_language_is_refused_in_one_line() -> None:
    result = CliRunner().invoke(app, ["demo", "--language", "de"])
    assert result.exit_code == 2
    assert result.stderr.strip() == "mentorbot: --language must be nb or en"
