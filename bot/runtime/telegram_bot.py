"""PTB's bot, knowing which button presses of the update being handled it has answered.

Telegram shows a spinner on a pressed button until the bot answers the press; an
unanswered press spins until Telegram gives up. The router answers any press its handler
did not (see ``handlers.routes.on_button``), so it must know which ones were answered.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from telegram.ext import ExtBot

_answered: ContextVar[set[str] | None] = ContextVar("mentorbot_answered", default=None)


@contextmanager
def answers_noted() -> Iterator[set[str]]:
    """The ids of the presses answered inside this block (by this update's task)."""
    answered: set[str] = set()
    token = _answered.set(answered)
    try:
        yield answered
    finally:
        _answered.reset(token)


class MentorBot(ExtBot[Any]):
    async def answer_callback_query(
        self, callback_query_id: str, *args: Any, **kwargs: Any
    ) -> bool:
        answered = _answered.get()
        if answered is not None:
            answered.add(callback_query_id)
        return await super().answer_callback_query(callback_query_id, *args, **kwargs)
