"""An emulator that fails a share of sends, as Telegram and networks do (for the crash run).

A subclass, so ``bot/sim/emulator.py`` stays as the tests know it. Of the faulty sends, half
answer 502 Bad Gateway (not delivered), half are delivered but answered too late, so the
client times out: the ambiguous case the delivery worker must not resend.
"""

from __future__ import annotations

import asyncio
import random
from typing import Any

from bot.sim.emulator import ApiError, BotApiEmulator

JSON = dict[str, Any]


class FaultyEmulator(BotApiEmulator):
    def __init__(self, *, fault_rate: float, late_answer: float, seed: int = 5) -> None:
        super().__init__()
        self.fault_rate = fault_rate
        self.late_answer = late_answer  # seconds; longer than the client's read timeout
        self._rng = random.Random(seed)
        self.server_errors = 0
        self.late_answers = 0

    async def _dispatch(self, token: str, method: str, params: JSON, files: dict[str, Any]) -> Any:
        if method.lower() != "sendmessage" or self._rng.random() >= self.fault_rate:
            return await super()._dispatch(token, method, params, files)
        if self._rng.random() < 0.5:
            self.server_errors += 1
            raise ApiError(502, "Bad Gateway")
        result = await super()._dispatch(token, method, params, files)
        self.late_answers += 1
        await asyncio.sleep(self.late_answer)
        return result
