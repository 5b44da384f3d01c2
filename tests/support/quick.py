"""Without Telegram: a migrated SQLite template copied per run, a bot that accepts every
send, and the real delivery worker. For the use-case model test
(tests/usecases/test_promises.py): hypothesis builds its state machine itself, so it
cannot take pytest's fixtures."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections import Counter
from datetime import datetime
from itertools import count
from pathlib import Path
from typing import Any

from telegram import Chat, Message

from bot.runtime.delivery import DeliveryWorker, _Claim
from storage.db import Database

_TEMPLATE: Path | None = None


def _template() -> Path:
    """One migrated database per process: each sequence copies it (migrating takes far
    longer than a sequence's first steps)."""
    global _TEMPLATE
    if _TEMPLATE is None:
        folder = Path(tempfile.mkdtemp(prefix="mentorbot-usecases-"))
        path = folder / "template.sqlite3"

        async def migrate() -> None:
            db = Database(f"sqlite+aiosqlite:///{path}")
            try:
                await db.upgrade()
            finally:
                await db.dispose()

        asyncio.run(migrate())
        _TEMPLATE = path
    return _TEMPLATE


def fresh_database(folder: Path) -> Database:
    """A migrated, empty SQLite database in `folder` (its WAL journal is checkpointed
    into the template, so the file alone is the whole database)."""
    path = folder / "model.sqlite3"
    shutil.copyfile(_template(), path)
    return Database(f"sqlite+aiosqlite:///{path}")


class NobodysBot:
    """Stands in for Telegram: every send succeeds and is remembered; edits too."""

    def __init__(self, clock: Any) -> None:
        self.clock = clock
        self.ids = count(1)
        self.sent: list[tuple[int, int, str]] = []  # (chat, message id, text)

    def _message(self, chat_id: int) -> Message:
        moment: datetime = self.clock.now()
        return Message(next(self.ids), moment, Chat(chat_id, Chat.PRIVATE))

    async def send_message(self, *, chat_id: int, text: str, **_: Any) -> Message:
        message = self._message(chat_id)
        self.sent.append((chat_id, message.message_id, text))
        return message

    async def send_photo(self, *, chat_id: int, caption: str | None = None, **_: Any) -> Message:
        message = self._message(chat_id)
        self.sent.append((chat_id, message.message_id, caption or ""))
        return message

    async def edit_message_text(self, *, chat_id: int, message_id: int, **_: Any) -> Message:
        return Message(message_id, self.clock.now(), Chat(chat_id, Chat.PRIVATE))


class QuickDelivery(DeliveryWorker):
    """The real worker (claims, withdrawal of what no longer holds, in-flight marks,
    results recorded at the clock's time) without drawing the digest's chart: drawing
    is a few hundred milliseconds of CPU and nobody looks at it here."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Each row whose send began (by id and key: SQLite reuses the id of a row erased
        # with its person), and how many times: a row sent twice shows here.
        self.started: Counter[tuple[int, str]] = Counter()

    async def _mark_in_flight(self, claim: _Claim) -> None:
        await super()._mark_in_flight(claim)
        self.started[(claim.item.id, claim.item.idempotency_key)] += 1

    async def _send_photo(self, claim: _Claim, payload: dict[str, Any], markup: Any) -> Message:
        await self._mark_in_flight(claim)
        return await self.bot.send_photo(
            chat_id=claim.item.chat_id, photo=b"", caption=payload.get("text")
        )
