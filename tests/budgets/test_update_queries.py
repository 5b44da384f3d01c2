"""How many SQL statements everyday updates cost, through the real Application and the
emulator. Each statement is a round trip and most of an update's time (issue 7, update
throughput), so a change that adds one to every update shows here, not only as a
slower benchmark.

Left out of the count: statements on the outbox (the delivery worker polls it on its own
clock while the updates run) and on the send budget (on PostgreSQL the rate limiter's
budget, shared by instances, costs statements per message sent, not per update).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from bot.sim.emulator import SimUser
from tests.support.harness import Harness


class Counter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, _conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        if "outbox" not in statement and "send_budget" not in statement:
            self.statements.append(" ".join(statement.split())[:80])


@contextmanager
def counting(h: Harness) -> Iterator[Counter]:
    counter = Counter()
    event.listen(h.db.engine.sync_engine, "before_cursor_execute", counter)
    try:
        yield counter
    finally:
        event.remove(h.db.engine.sync_engine, "before_cursor_execute", counter)


async def statements(h: Harness, user: SimUser, act: Callable[[], Awaitable[object]]) -> int:
    """Statements from `act` until the bot has answered and is idle again."""
    await h.emulator.wait_until_idle()
    with counting(h) as counter:
        await act()
        await user.next_message()
        await h.emulator.wait_until_idle()
    return len(counter.statements)


async def test_everyday_updates_keep_their_number_of_statements(
    harness_each_db: Harness,
) -> None:
    h = harness_each_db
    programme = await h.programme()
    _ola, amina, _pair_id = await h.active_pair(programme)
    amina.catch_up()

    async def press(text: str) -> None:
        await amina.press(amina.inbox()[-1], text)

    counts: dict[str, int] = {}
    counts["/help"] = await statements(h, amina, lambda: amina.send("/help"))
    counts["/status"] = await statements(h, amina, lambda: amina.send("/status"))
    counts["/met"] = await statements(h, amina, lambda: amina.send("/met"))
    logged = amina.inbox()[-1]
    # One tap logs the meeting; the statements until the check-in's score is asked.
    counts["met: Today, 1 hour"] = await statements(
        h, amina, lambda: amina.press(logged, "Today, 1 hour")
    )
    score = amina.inbox()[-1]
    assert score.button_texts() == ["1", "2", "3", "4", "5"]
    counts["check-in: a score"] = await statements(h, amina, lambda: press("4"))
    await h.emulator.wait_until_idle()
    amina.catch_up()
    await amina.send("/met")
    await amina.next_message()
    counts["met: a typed day"] = await statements(h, amina, lambda: amina.send("today"))

    assert counts == {
        # prepare: the update's id; the person with memberships and open dialogue
        "/help": 2,
        # prepare; the live pairs, then the pair's rhythm in the same transaction: the
        # pair with its people, programme and cohort, and its meetings, planned
        # meetings, nudges and check-ins
        "/status": 2 + 1 + 5,
        # prepare; the live pairs; the pair's usual length; the dialogue saved
        "/met": 2 + 1 + 1 + 1,
        # prepare (with the dialogue the button belongs to); the rhythm; the meeting, its
        # nudges answered and the check-in opened; who of the recipients takes part (the
        # other party's confirmation is queued only to one who does); the dialogue
        # closed. (It took three taps and 32 statements when each step was its own message.)
        "met: Today, 1 hour": 2 + 5 + 3 + 1 + 1,
        # prepare; the check-in, the rhythm, the check-in written and read back
        "check-in: a score": 2 + 1 + 5 + 2,
        # as the button: the other text handlers are not asked
        "met: a typed day": 2 + 5 + 1,
    }
