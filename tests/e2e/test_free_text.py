"""Free text with control characters, from every door it comes in by: cleaned where it
enters, stored without them on SQLite and PostgreSQL, and never written to the log."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select
from sqlmodel import SQLModel

from bot.domain.free_text import clean, clean_json
from bot.domain.policy import MAX_MESSAGE, MAX_NOTE
from bot.runtime.logs import configure_logging
from bot.usecases.meetings import MAX_COMMENT
from tests.support.cohorts import coordinator
from tests.support.harness import Harness

# NUL is what PostgreSQL refuses; the rest are control characters a client may send.
DIRTY = "Ring\x00 Amina\x07 om\x1b CV\x7f-en\u0085"
SECRET_WORD = "Amina"


async def every_text_in_the_database(h: Harness) -> list[str]:
    texts: list[str] = []
    async with h.db.session() as session:
        for table in SQLModel.metadata.sorted_tables:
            for row in (await session.execute(select(table))).all():
                texts.extend(repr(value) if not isinstance(value, str) else value for value in row)
    return texts


def test_clean_keeps_lines_and_tabs_and_drops_other_control_characters() -> None:
    assert clean("a\x00b\tc\nd\re\x1f\x7f\x9ff") == "ab\tc\ndef"
    assert clean("Jeg heter Åse 👋🏽 مرحبا") == "Jeg heter Åse 👋🏽 مرحبا"
    nested: dict[str, Any] = {"k\x00": ["x\x00", {"y": "z\x01"}, 3, None, True]}
    assert clean_json(nested) == {"k": ["x", {"y": "z"}, 3, None, True]}


@pytest.fixture
def debug_log() -> Iterator[io.StringIO]:
    """The bot's own logging set-up at its most talkative, written to a buffer."""
    root = logging.getLogger()
    statements = logging.getLogger("sqlalchemy.engine")
    saved = (list(root.handlers), root.level, statements.level)
    buffer = io.StringIO()
    configure_logging("DEBUG", stream=buffer)
    # What an operator turns on to see the SQL (echo): the statements, never their values.
    statements.setLevel(logging.INFO)
    try:
        yield buffer
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        statements.setLevel(saved[2])


async def test_control_characters_are_cleaned_in_every_command_and_never_logged(
    harness_each_db: Harness, debug_log: io.StringIO
) -> None:
    # At DEBUG the database layer logs every statement: its parameters must stay hidden.
    h = harness_each_db
    programme = await h.programme(language="en")
    kari = await coordinator(h, programme)
    ola, amina, pair_id = await h.active_pair(programme)

    await kari.send(f"/note {pair_id} {DIRTY}")
    assert "Note saved" in ((await kari.next_message()).text or "")
    await kari.send(f"/message {pair_id}")
    await kari.press(await kari.next_message(), "Both of them")
    await kari.next_message()
    await kari.send(DIRTY)
    assert "Ola" in ((await kari.next_message()).text or "")
    await h.deliver()
    received = (await ola.next_message()).text or ""
    assert clean(DIRTY) in received and "\x00" not in received
    await kari.send(f"/end {pair_id} {DIRTY}")
    assert f"#{pair_id}" in ((await kari.next_message()).text or "")

    texts = await every_text_in_the_database(h)
    assert any(clean(DIRTY) in text for text in texts), "the words were kept, cleaned"
    assert not [text for text in texts if clean(text) != text]
    logged = debug_log.getvalue()
    assert "SELECT" in logged, "the statements were logged"
    assert "Ring" not in logged and "CV-en" not in logged
    assert " ERROR " not in logged, "no handler failed"
    del amina


async def test_a_text_over_its_limit_is_refused_with_the_limit_and_nothing_is_cut(
    harness: Harness,
) -> None:
    h = harness
    programme = await h.programme(language="en")
    kari = await coordinator(h, programme)
    ola, amina, pair_id = await h.active_pair(programme)

    def refused(limit: int, length: int) -> str:
        return (
            f"That is {length} characters; the most is {limit}. "
            "Nothing is saved yet. Please send a shorter text."
        )

    long_note = "n" * (MAX_NOTE + 1)
    await kari.send(f"/note {pair_id} {long_note}")
    assert (await kari.next_message()).text == refused(MAX_NOTE, MAX_NOTE + 1)
    await kari.send(f"/note {pair_id} {'n' * MAX_NOTE}")
    assert "Note saved" in ((await kari.next_message()).text or "")

    await kari.send(f"/message {pair_id}")
    await kari.press(await kari.next_message(), "Amina")
    await kari.next_message()
    await kari.send("m" * (MAX_MESSAGE + 1))
    assert (await kari.next_message()).text == refused(MAX_MESSAGE, MAX_MESSAGE + 1)
    await kari.send("m" * MAX_MESSAGE)  # the question stayed open
    assert "Amina" in ((await kari.next_message()).text or "")
    await h.deliver()
    await h.emulator.wait_until_idle()
    assert any(("m" * MAX_MESSAGE) in (m.text or "") for m in amina.catch_up())

    await amina.send("/met")
    await amina.press(await amina.next_message(), "Today, 1 hour")
    await amina.press(await amina.next_message(), "4")
    await amina.press(await amina.next_message(), "Done")
    await amina.next_message()
    await amina.send("c" * (MAX_COMMENT + 1))
    assert (await amina.next_message()).text == refused(MAX_COMMENT, MAX_COMMENT + 1)
    await amina.send("c" * MAX_COMMENT)
    assert "Only the coordinator" in ((await amina.next_message()).text or "")

    async with h.services.db.unit() as uow:
        notes = await uow.alerts.notes_of(pair_id)
        check_ins = await uow.check_ins.check_ins_of([pair_id])
    assert [len(note.text) for note in notes] == [MAX_NOTE]
    assert [len(c.comment or "") for c in check_ins if c.completed_at] == [MAX_COMMENT]
    del ola
