"""Updates from different people are handled side by side; one person's in order.

PTB handles updates one at a time unless told otherwise, and its own concurrent mode
gives up the order of a person's updates (a button pressed twice, a date typed right
after a tap). Most of an update's time is spent waiting (the database, the reply over
HTTP), so while one person's update waits, another person's can run.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable

from telegram import Update
from telegram.ext import BaseUpdateProcessor


def sender_key(update: object) -> int | None:
    """Whose updates must stay in order: the sender's, else the chat's."""
    if not isinstance(update, Update):
        return None
    if update.effective_user is not None:
        return update.effective_user.id
    if update.effective_chat is not None:
        return update.effective_chat.id
    return None


class PerSenderUpdateProcessor(BaseUpdateProcessor):
    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._holders: dict[int, int] = {}
        self._in_hand = 0

    def busy(self) -> bool:
        """Whether an update is being handled, or waiting behind its sender's earlier one
        (tests wait on this; updates still queued for a free slot are not counted)."""
        return self._in_hand > 0

    async def do_process_update(self, update: object, coroutine: Awaitable[object]) -> None:
        self._in_hand += 1
        try:
            await self._in_order(update, coroutine)
        finally:
            self._in_hand -= 1

    async def _in_order(self, update: object, coroutine: Awaitable[object]) -> None:
        key = sender_key(update)
        if key is None:
            await coroutine
            return
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._holders[key] = self._holders.get(key, 0) + 1
        try:
            async with lock:  # asyncio.Lock is fair: the sender's updates keep their order
                await coroutine
        finally:
            self._holders[key] -= 1
            if not self._holders[key]:
                del self._holders[key], self._locks[key]

    def pending(self) -> int:
        """Senders with an update in hand or waiting (for tests and /healthz-style checks)."""
        return len(self._locks)

    async def initialize(self) -> None:
        """Nothing to set up: the locks are made on demand."""

    async def shutdown(self) -> None:
        """Nothing to release: the Application waits for running updates itself."""
