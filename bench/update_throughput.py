"""Benchmark 2, update throughput: the real bot in polling mode against the emulator, in
the same run as a bare PTB echo bot against the same emulator, reported as a ratio
(target: the real bot reaches at least half the echo bot's throughput).

Hundreds of simulated people (one party of each of as many active pairs with a history)
each run a script of realistic updates: /status, /met (start logging a meeting), a tap on
the first button of the answer, /help, and a free-text message; then again. Each person
waits for the bot's first answer before the next update (a closed loop, as people do), so
the figures are updates handled per second at saturation, the time from update to
first answer (p50, p95), which at saturation is mostly waiting in line (about people
divided by throughput), and the CPU time the bot's process spent per update. The echo bot gets exactly the same updates, and so does a third,
the floor: the echo bot doing first what mentorbot does first with every update (one
transaction: is the update new, who sent it, their memberships and open dialogue), on
as many updates at once as mentorbot. It shows what one database round trip per update
costs by itself on this stack.

The bots run in their own process with the project's rate limiter set to a ceiling the
benchmark never reaches: the figure is the bot's own capacity, not Telegram's 30/s.

    .venv/bin/python -m bench.update_throughput [--quick] [--people 400] [--rounds 2]
        [--profile FILE]   # cProfile of the mentorbot process, for pstats
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bench.common import REPO_ROOT, fresh_database, print_machine, print_table
from bot.runtime.ratelimit import Limits, MemoryBudget, SharedRateLimiter
from bot.sim.emulator import BotApiEmulator, SentMessage, SimUser
from storage.db import Database
from tests.support.seed import seed_pairs

FIRST_USER = 100_000_000
SETTLE = 0.2  # seconds without a further answer before the person acts again
PRESS = "<press>"
SCRIPT = ("/status", "/met", PRESS, "/help", "hello, we met on Tuesday")
ANSWERS = frozenset(
    {
        "sendmessage",
        "editmessagetext",
        "editmessagereplymarkup",
        "sendphoto",
        "senddocument",
        "sendchataction",
    }
)


class TrackingEmulator(BotApiEmulator):
    """Notes the moment of the bot's first answer to each person's outstanding update."""

    def __init__(self) -> None:
        super().__init__()
        self.waiting: dict[int, asyncio.Future[float]] = {}
        self.query_owner: dict[str, int] = {}
        self.last_answer: dict[int, float] = {}

    async def _dispatch(self, token: str, method: str, params: dict[str, Any], files: Any) -> Any:
        try:
            return await super()._dispatch(token, method, params, files)
        finally:
            key, person = method.lower(), None
            if key == "answercallbackquery":
                person = self.query_owner.pop(str(params.get("callback_query_id")), None)
            elif key in ANSWERS and isinstance(params.get("chat_id"), int):
                person = params["chat_id"]
            if person is not None:
                now = asyncio.get_running_loop().time()
                self.last_answer[person] = now
                answer = self.waiting.pop(person, None)
                if answer is not None and not answer.done():
                    answer.set_result(now)


@dataclass
class Run:
    updates: int = 0
    timeouts: int = 0
    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0
    # CPU time of the bot's process (all its threads) while the people ran.
    cpu_seconds: float = 0.0

    @property
    def cpu_ms_per_update(self) -> float:
        return self.cpu_seconds / self.updates * 1000 if self.updates else 0.0

    @property
    def rate(self) -> float:
        return self.updates / self.seconds if self.seconds else 0.0

    def percentile(self, share: float) -> float:
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000


async def person_loop(emulator: TrackingEmulator, user: SimUser, rounds: int, run: Run) -> None:
    loop = asyncio.get_running_loop()
    last: SentMessage | None = None
    for _ in range(rounds):
        for action in SCRIPT:
            answer: asyncio.Future[float] = loop.create_future()
            emulator.waiting[user.id] = answer
            started = loop.time()
            if action == PRESS and last is not None:
                buttons = [data for row in last.buttons() for _text, data in row if data]
                press(emulator, user, last, buttons[0] if buttons else "noop")
            else:
                await user.send(action if action != PRESS else "/help")
            try:
                answered = await asyncio.wait_for(answer, 30)
            except TimeoutError:
                run.timeouts += 1
                emulator.waiting.pop(user.id, None)
                continue
            run.updates += 1
            run.latencies.append(answered - started)
            # An answer may be several calls (an edit, then the next question): the person
            # reads on until the chat is quiet, so they never get ahead of the bot.
            while True:
                quiet = loop.time() - emulator.last_answer.get(user.id, 0.0)
                if quiet >= SETTLE:
                    break
                await asyncio.sleep(SETTLE - quiet)
            inbox = user.inbox()
            last = inbox[-1] if inbox else None


def press(emulator: TrackingEmulator, user: SimUser, message: SentMessage, data: str) -> None:
    query_id = f"q{next(emulator._ids)}"
    emulator.query_owner[query_id] = user.id
    emulator.inject_update(
        {
            "callback_query": {
                "id": query_id,
                "from": user.user_json(),
                "message": emulator.message_json(message),
                "chat_instance": f"ci{user.id}",
                "data": data,
            }
        }
    )


async def measure(kind: str, people: int, rounds: int, profile: str | None = None) -> Run:
    emulator = TrackingEmulator()
    async with fresh_database("sqlite") as url, emulator:
        db = Database(url)
        await db.upgrade()
        pairs = await seed_pairs(db, people, datetime.now(UTC), first_user_id=FIRST_USER)
        await db.dispose()
        # One person per pair: what the bot tells the other party (a meeting to confirm)
        # must not be taken for the answer to that party's own update.
        users = [
            emulator.user(pair.mentor_user_id, f"P{pair.pair_id}", language_code="en")
            for pair in pairs
        ]
        bot = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.update_throughput",
            "--serve",
            kind,
            "--database",
            url,
            "--api",
            emulator.base_url,
            "--token",
            emulator.token,
            *(["--profile", profile] if profile and kind == "mentorbot" else []),
            cwd=REPO_ROOT,
            env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
        )
        try:
            await emulator.wait_for(lambda: bool(emulator.calls("getUpdates")), 60, "polling")
            run = Run()
            bot.send_signal(CPU_FROM)
            started = time.monotonic()
            await asyncio.gather(*(person_loop(emulator, user, rounds, run) for user in users))
            run.seconds = time.monotonic() - started
            bot.send_signal(CPU_UNTIL)
            run.cpu_seconds = await _cpu_seconds(bot)
        finally:
            bot.send_signal(signal.SIGTERM)
            await bot.wait()
    return run


# The bench tells the bot's process when the people start and stop; the bot then prints
# the CPU time it used in between (`time.process_time`: every thread, user and system).
CPU_FROM, CPU_UNTIL = signal.SIGUSR1, signal.SIGUSR2
CPU_LINE = "cpu seconds "


def _count_cpu() -> None:
    """In the bot's process: CPU_FROM starts the count, CPU_UNTIL prints it."""
    loop = asyncio.get_running_loop()
    started = [time.process_time()]

    def start() -> None:
        started[0] = time.process_time()

    def report() -> None:
        print(f"{CPU_LINE}{time.process_time() - started[0]:.3f}", flush=True)

    loop.add_signal_handler(CPU_FROM, start)
    loop.add_signal_handler(CPU_UNTIL, report)


async def _cpu_seconds(bot: asyncio.subprocess.Process) -> float:
    assert bot.stdout is not None
    while line := (await asyncio.wait_for(bot.stdout.readline(), 30)).decode():
        if line.startswith(CPU_LINE):
            return float(line.removeprefix(CPU_LINE))
    return 0.0


async def main(arguments: argparse.Namespace) -> None:
    people, rounds = (60, 1) if arguments.quick else (arguments.people, arguments.rounds)
    await print_machine("update throughput")
    runs = {
        kind: await measure(kind, people, rounds, arguments.profile)
        for kind in ("echo", "floor", "mentorbot")
    }
    print(
        f"{people} people, {rounds} × {len(SCRIPT)} updates each (/status, /met, a button, "
        "/help, text), closed loop; SQLite"
    )
    rows = [
        [
            kind,
            run.updates,
            run.rate,
            run.percentile(0.5),
            run.percentile(0.95),
            run.cpu_ms_per_update,
            run.timeouts,
        ]
        for kind, run in runs.items()
    ]
    print_table(
        ("bot", "updates", "updates/s", "p50 ms", "p95 ms", "CPU ms/update", "timeouts"), rows
    )
    echo, floor, real = (runs[kind].rate for kind in ("echo", "floor", "mentorbot"))
    print(f"ratio mentorbot / echo: {real / echo if echo else 0:.2f} (target ≥ 0.5)")
    print(f"ratio floor / echo: {floor / echo if echo else 0:.2f}")


# --------------------------------------------------------------------------- the bots


def _generous_limiter() -> SharedRateLimiter:
    limits = Limits(global_per_second=100_000, global_spacing=0.0)
    return SharedRateLimiter(MemoryBudget(limits), limits)


async def serve(kind: str, database: str, api: str, token: str) -> None:
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    _count_cpu()
    if kind == "echo":
        await serve_echo(api, token, stop)
        return
    if kind == "floor":
        db = Database(database)
        await serve_echo(api, token, stop, remember=db)
        await db.dispose()
        return
    from pydantic import SecretStr

    from bot.runtime.app import running_bot
    from bot.runtime.clock import SystemClock
    from bot.runtime.config import Settings
    from handlers.routes import FRONTEND

    settings = Settings(
        _env_file=None,
        telegram_bot_token=SecretStr(token),
        telegram_api_base_url=api,
        database_url=database,
    )
    db = Database(database)
    limiter = _generous_limiter()
    async with running_bot(
        settings, frontend=FRONTEND, db=db, clock=SystemClock(), ticks=False, rate_limiter=limiter
    ):
        await stop.wait()
    await db.dispose()


async def serve_echo(
    api: str, token: str, stop: asyncio.Event, remember: Database | None = None
) -> None:
    """The bare echo bot; with `remember`, the floor: before it echoes, it does what
    mentorbot does first with every update (one transaction: is the update new, who sent
    it, their memberships and open dialogue), on as many updates at once as mentorbot."""
    from telegram import Update
    from telegram.ext import ApplicationBuilder, CallbackQueryHandler, ContextTypes, filters
    from telegram.ext import MessageHandler as Messages

    from bot.runtime.clock import SystemClock
    from bot.runtime.updates import PerSenderUpdateProcessor
    from bot.usecases.joining import Services
    from handlers.common import telegram_user

    services = (
        Services(remember, SystemClock(), default_language="en", invite_ttl_days=30)
        if remember is not None
        else None
    )

    async def arrive(update: Update) -> None:
        if services is not None:
            await services.arrive(update.update_id, telegram_user(update))

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await arrive(update)
        if update.effective_message is not None:
            await update.effective_message.reply_text(update.effective_message.text or "?")

    async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await arrive(update)
        if update.callback_query is not None:
            await update.callback_query.answer()

    builder = ApplicationBuilder().token(token).base_url(api).rate_limiter(_generous_limiter())
    if remember is not None:
        builder = builder.concurrent_updates(PerSenderUpdateProcessor(8))
    application = builder.build()
    application.add_handler(Messages(filters.ALL, echo))
    application.add_handler(CallbackQueryHandler(answer))
    async with application:
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0.0, timeout=10)
        await stop.wait()
        await application.updater.stop()
        await application.stop()


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="60 people, one round")
    parser.add_argument("--people", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--profile", help="write a cProfile of the mentorbot process here")
    parser.add_argument("--serve", choices=["echo", "floor", "mentorbot"], help=argparse.SUPPRESS)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    parser.add_argument("--api", help=argparse.SUPPRESS)
    parser.add_argument("--token", help=argparse.SUPPRESS)
    return parser.parse_args()


if __name__ == "__main__":
    arguments = parse()
    if arguments.serve and arguments.profile:
        import cProfile

        cProfile.run(
            "asyncio.run(serve(arguments.serve, arguments.database, arguments.api, "
            "arguments.token))",
            arguments.profile,
        )
    elif arguments.serve:
        asyncio.run(serve(arguments.serve, arguments.database, arguments.api, arguments.token))
    else:
        asyncio.run(main(arguments))
