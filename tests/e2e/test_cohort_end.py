"""The end of a cohort end to end: the notice four weeks before, the evaluation on the last
day, reminders after 3 and 7 days, answers kept from the other party; /outcome; /report."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from openpyxl import load_workbook
from sqlalchemy import true

from bot.domain.model import PairState, Programme
from bot.sim.emulator import SimUser
from tests.support.cohorts import coordinator
from tests.support.harness import Harness

OSLO = ZoneInfo("Europe/Oslo")
ENDS = date(2026, 4, 28)  # a Tuesday; the harness clock starts on Tuesday 3 March


def oslo(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=OSLO).astimezone(UTC)


async def at(h: Harness, moment: datetime) -> None:
    h.clock.set(moment)
    await h.tick()
    await h.emulator.wait_until_idle()


async def programme_ending(h: Harness, name: str = "Global Future Oslo") -> Programme:
    programme, _cohort = await h.services.create_programme(
        name=name, timezone="Europe/Oslo", language="nb", ends_on=ENDS
    )
    return programme


def texts(user: SimUser) -> list[str]:
    return [m.text or m.caption or "" for m in user.inbox()]


def with_words(user: SimUser, words: str) -> list[str]:
    return [t for t in texts(user) if words in t]


async def test_notice_evaluation_reminders_and_privacy(harness: Harness) -> None:
    h = harness
    programme = await programme_ending(h)
    kari = await coordinator(h, programme, 100, "Kari")
    ola, amina, pair_id = await h.active_pair(programme)

    # 29 days before the end: not yet.
    await at(h, oslo(3, 30))
    assert with_words(amina, "mentor programme ends") == []
    assert with_words(kari, "» ends") == []

    # 28 days before: both parties and the coordinator are told, once.
    await at(h, oslo(3, 31))
    assert with_words(amina, "mentor programme ends") == [
        "The mentor programme ends Tuesday 28 April. Plan your last meetings with Ola.\n"
        "At the end I will ask you a few short questions."
    ]
    assert with_words(ola, "mentor programme ends") == [
        "The mentor programme ends Tuesday 28 April. Plan your last meetings with Amina.\n"
        "At the end I will ask you a few short questions."
    ]
    assert with_words(kari, "» ends") == [
        "Global Future Oslo: the cohort «Global Future Oslo» ends Tuesday 28 April. "
        "I have told its 1 pair. At the end both parties get a short evaluation; "
        "the answers are in /report."
    ]
    await at(h, oslo(4, 1, 12))
    assert len(with_words(amina, "mentor programme ends")) == 1
    assert len(with_words(kari, "» ends")) == 1

    # The last day, before the bot may write: the pair ends, the questions wait until 09:00.
    await at(h, oslo(4, 28, 7))
    assert with_words(amina, "has ended") == []
    async with h.services.db.unit() as uow:
        pair = await uow.pairs.pair(pair_id)
    assert pair is not None and pair.state is PairState.ENDED
    await at(h, oslo(4, 28, 9, 1))
    amina.catch_up()
    ola.catch_up()
    ask = amina.inbox()[-1]
    assert ask.text == (
        "The mentor programme has ended. Thank you for taking part!\n"
        "I have a few short questions. Only the coordinator sees your answers.\n\n"
        "How was the mentor programme for you? Tap a number: 1 is bad, 5 is very good."
    )
    assert ask.button_texts() == ["1", "2", "3", "4", "5"]
    assert with_words(ola, "has ended") != []

    # Amina answers everything, with buttons and a few typed words.
    await amina.press(ask, "4")
    goal = await amina.next_message()
    assert goal.text == (
        "Your goal: Write a Norwegian CV\nHow far did you come? 1 is not at all, 5 is all the way."
    )
    await amina.press(goal, "5")
    goal = await amina.next_message()
    assert goal.text is not None and goal.text.startswith("Your goal: Speak Norwegian at work")
    await amina.press(goal, "3")
    outcome = await amina.next_message()
    assert outcome.text == "Did you get a job, education or an internship during the programme?"
    assert outcome.button_texts() == ["Job", "Education", "Internship", "Something else", "No"]
    await amina.press(outcome, "Job")
    more = await amina.next_message()
    assert more.text == (
        "Do you want to tell more about it?\n"
        "Write a few words, or tap «Skip». Do not write about health, religion or similar."
    )
    await amina.send("x" * 501)
    assert (await amina.next_message()).text == (
        "That is too long. Please write at most 500 characters."
    )
    await amina.send("Nurse assistant at the hospital, thanks to Ola")
    recommend = await amina.next_message()
    assert recommend.button_texts() == ["Yes", "No", "Not sure"]
    await amina.press(recommend, "Yes")
    comment = await amina.next_message()
    assert comment.text is not None
    assert comment.text.startswith("Anything else you want to tell the coordinator?")
    await amina.press(comment, "Skip")
    assert (await amina.next_message()).text == "Thank you! Only the coordinator sees your answers."
    # An old button changes nothing.
    await amina.press_data(ask, f"ev:{pair_id}:o:1")
    await h.emulator.wait_until_idle()
    assert amina.callback_answers[-1]["text"] == "You have answered already. Thank you!"

    # Two days later nobody is reminded; three days after the question, Ola is.
    await at(h, oslo(4, 30))
    assert with_words(ola, "Do you have two minutes") == []
    await at(h, oslo(5, 1))
    # Friday 1 May is Labour Day, a public holiday in Norway, then comes a weekend.
    assert with_words(ola, "Do you have two minutes") == []
    await at(h, oslo(5, 4))
    [reminder] = [m for m in ola.inbox() if "Do you have two minutes" in (m.text or "")]
    assert reminder.text == (
        "Do you have two minutes? Your answers help the programme.\n\n"
        "How was the mentor programme for you? Tap a number: 1 is bad, 5 is very good."
    )
    assert with_words(amina, "Do you have two minutes") == []
    ola.catch_up()
    await ola.press(reminder, "2")
    goal = await ola.next_message()
    assert goal.text == (
        "Amina's goal: Write a Norwegian CV\n"
        "How far did Amina come? 1 is not at all, 5 is all the way."
    )

    # Ola stops there. Seven days after the question comes the second and last reminder,
    # with the question Ola is at.
    await at(h, oslo(5, 4))
    assert len(with_words(ola, "Do you have two minutes")) == 1
    await at(h, oslo(5, 5))
    second = [m for m in ola.inbox() if "Do you have two minutes" in (m.text or "")]
    assert len(second) == 2
    assert second[1].text is not None and "Amina's goal: Write a Norwegian CV" in second[1].text
    await at(h, oslo(5, 20))
    assert len(with_words(ola, "Do you have two minutes")) == 2

    # Ola's buttons only ever reach Ola's own answers.
    await ola.press_data(second[1], f"ev:{pair_id}:g0:1")
    await h.emulator.wait_until_idle()
    async with h.services.db.unit() as uow:
        pair = await uow.pairs.pair(pair_id)
        assert pair is not None
        amina_answers = await uow.evaluations.of(pair_id, pair.adept_id)
        ola_answers = await uow.evaluations.of(pair_id, pair.mentor_id)
    assert amina_answers is not None and ola_answers is not None
    assert amina_answers.completed_at is not None
    assert amina_answers.answers == {
        "overall": 4,
        "goal_scores": [5, 3],
        "outcome": "job",
        "outcome_text": "Nurse assistant at the hospital, thanks to Ola",
        "recommend": "yes",
        "comment": "",
    }
    assert amina_answers.goals == ("@cv", "Speak Norwegian at work")
    assert ola_answers.answers == {"overall": 2, "goal_scores": [1]}
    assert ola_answers.completed_at is None and ola_answers.reminders == 2

    # Ola finishes: a mentor may not know the outcome, and is asked what they and their
    # workplace learned.
    goal = ola.catch_up()[-1]
    assert goal.text is not None and goal.text.startswith("Amina's goal: Speak Norwegian at work")
    await ola.press(goal, "4")
    outcome = await ola.next_message()
    assert outcome.text == ("Did Amina get a job, education or an internship during the programme?")
    assert outcome.button_texts()[-1] == "I do not know"
    await ola.press(outcome, "I do not know")
    await ola.press(await ola.next_message(), "Not sure")
    learned = await ola.next_message()
    assert learned.text == (
        "What did you learn as a mentor?\n"
        "Write a few words, or tap «Skip». Do not write about health, religion or similar."
    )
    await ola.send("To explain   things\nsimply")
    workplace = await ola.next_message()
    assert workplace.text is not None
    assert workplace.text.startswith("Did your workplace learn something too?")
    await ola.press(workplace, "Skip")
    assert (await ola.next_message()).text == "Thank you! Only the coordinator sees your answers."
    async with h.services.db.unit() as uow:
        finished = await uow.evaluations.of(pair_id, pair.mentor_id)
    assert finished is not None and finished.completed_at is not None
    assert finished.answers == {
        "overall": 2,
        "goal_scores": [1, 4],
        "outcome": "unknown",
        "recommend": "unsure",
        "learned": "To explain things simply",
        "workplace": "",
    }

    # Nothing of what one answered reaches the other.
    assert with_words(ola, "Nurse assistant") == [] and with_words(ola, "thanks to") == []
    assert amina.inbox()[-1].text == "Thank you! Only the coordinator sees your answers."
    assert with_words(amina, "explain") == []


async def test_outcome_command_only_for_own_programme(harness: Harness) -> None:
    h = harness
    programme = await h.programme()
    kari = await coordinator(h, programme, 100, "Kari")
    other = await h.programme("Another Programme")
    per = await coordinator(h, other, 101, "Per")
    ola, _amina, pair_id = await h.active_pair(programme)

    await kari.send(f"/outcome {pair_id} job Hired as nurse assistant")
    assert (await kari.next_message()).text == (
        f"✅ Saved for pair {pair_id} (Ola + Amina): job. It is counted in /report."
    )
    await kari.send(f"/outcome {pair_id} praksis")
    assert "internship" in ((await kari.next_message()).text or "")
    await kari.send(f"/outcome {pair_id} lottery")
    assert ((await kari.next_message()).text or "").startswith(
        "Write it like this: /outcome 12 job"
    )
    await kari.send("/outcome 99999 job")
    assert (await kari.next_message()).text == "There is no pair 99999 in your programmes."

    await per.send(f"/outcome {pair_id} job")
    assert (await per.next_message()).text == f"There is no pair {pair_id} in your programmes."
    await ola.send(f"/outcome {pair_id} job")
    assert (await ola.next_message()).text == "Only coordinators can do this."

    async with h.services.db.unit() as uow:
        report = await uow.evaluations.outcomes_of_pairs(true())
    assert [(o.pair_id, o.kind, o.text) for o in report] == [
        (pair_id, "job", "Hired as nurse assistant"),
        (pair_id, "internship", None),
    ]


async def test_report_command_sends_a_spreadsheet(harness: Harness) -> None:
    h = harness
    programme = await h.programme()
    kari = await coordinator(h, programme, 100, "Kari")
    _ola, amina, pair_id = await h.active_pair(programme)
    await kari.send(f"/outcome {pair_id} job")
    await kari.next_message()

    await kari.send("/report")
    document = await kari.next_message()
    assert document.kind == "document"
    assert document.document_name is not None and document.document_name.endswith(".xlsx")
    book = load_workbook(io.BytesIO(h.emulator.file_bytes(document)))
    assert book.sheetnames[:3] == ["Summary", "Participants", "Pairs"]
    summary = {row[0]: row[1] for row in book["Summary"].iter_rows(min_row=2, values_only=True)}
    assert summary["Pairs"] == 1
    assert summary["Mentees who got a job"] == 1
    # No names unless asked for.
    cells = [str(c) for sheet in book for row in sheet.iter_rows(values_only=True) for c in row]
    assert not any("Amina" in c or "Ola" in c for c in cells)

    await kari.send("/report pdf names")
    pdf = await kari.next_message()
    assert pdf.document_name is not None and pdf.document_name.endswith(".pdf")
    assert h.emulator.file_bytes(pdf).startswith(b"%PDF")

    # Both exports are in the audit log, with who took them and what they held.
    await kari.send("/audit")
    audit = (await kari.next_message()).text or ""
    assert "exported data" in audit
    assert "report:xlsx" in audit and "report:pdf:names" in audit

    await amina.send("/report")
    assert (await amina.next_message()).text == "Only coordinators can do this."
