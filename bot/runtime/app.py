"""Builds the PTB Application with the services, the delivery worker and the scheduler;
the handlers come from outside.

This module knows nothing of `handlers/`: whoever starts the bot (the composition root)
passes the `Frontend` that registers them. The composition roots are the command line's
`run` command (bot/cli, with `handlers.routes.FRONTEND`), the demo (bot/sim/demo/runner.py),
the end-to-end harness (tests/e2e/conftest.py) and the benchmarks that run the bot.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from telegram.ext import Application, ApplicationBuilder, ContextTypes
from telegram.request import HTTPXRequest

from bot.runtime.clock import Clock
from bot.runtime.config import Settings
from bot.runtime.delivery import DeliveryWorker
from bot.runtime.ratelimit import SharedRateLimiter, build_rate_limiter
from bot.runtime.telegram_bot import MentorBot
from bot.runtime.text_input import CleanTextRequest
from bot.runtime.updates import PerSenderUpdateProcessor
from bot.runtime.webhook import WebhookServer, webhook_path
from bot.runtime.wiring import Core, build_core
from bot.usecases.tick import tick
from storage.db import Database

log = logging.getLogger(__name__)

RUNTIME_KEY = "mentorbot.runtime"
FRONTEND_KEY = "mentorbot.frontend"
DELIVERY_TASK = "mentorbot.delivery_task"
WEBHOOK_SERVER = "mentorbot.webhook_server"
TICK_LOCK = "mentorbot.tick_lock"
# A send in flight ends within PTB's HTTP timeouts (5 s each); then the worker is cancelled.
DELIVERY_STOP_SECONDS = 15.0


def file_url(base_url: str) -> str:
    """PTB's file URL beside its API URL: ``…/bot`` becomes ``…/file/bot``."""
    head, _sep, tail = base_url.rstrip("/").rpartition("/")
    return f"{head}/file/{tail}"


@dataclass(frozen=True)
class Runtime:
    """What the application is built with, shared with the front end (and kept in
    ``bot_data[RUNTIME_KEY]``)."""

    settings: Settings
    core: Core
    delivery: DeliveryWorker
    ticks: bool  # whether the scheduled jobs run


@dataclass(frozen=True)
class Frontend:
    """What talks to people, plugged in by the composition root: `register` adds the
    handlers (and their own jobs) to the application, `start` runs once it is
    initialised (the command menus)."""

    register: Callable[[Application, Runtime], None]  # type: ignore[type-arg]
    start: Callable[[Application, Runtime], Awaitable[None]]  # type: ignore[type-arg]


def build_application(
    settings: Settings,
    *,
    db: Database,
    clock: Clock,
    frontend: Frontend,
    ticks: bool = True,
    rate_limiter: SharedRateLimiter | None = None,
) -> Application:  # type: ignore[type-arg]
    """`rate_limiter` replaces the one the settings choose (benchmarks raise its limits)."""
    bot = MentorBot(
        settings.require_token(),
        base_url=settings.telegram_api_base_url,
        base_file_url=file_url(settings.telegram_api_base_url),
        # PTB's own defaults: a pool for sending, one connection for getUpdates. Free text
        # is cleaned where it enters (see bot/runtime/text_input.py).
        request=HTTPXRequest(connection_pool_size=256),
        get_updates_request=CleanTextRequest(connection_pool_size=1),
        # Every request passes our limiter: per-chat and overall limits, shared through
        # the database when several instances may send (see bot/runtime/ratelimit.py).
        rate_limiter=rate_limiter or build_rate_limiter(settings.rate_limit_backend, db),
    )
    application = (
        ApplicationBuilder()
        .bot(bot)
        .concurrent_updates(PerSenderUpdateProcessor(settings.update_concurrency))
        .build()
    )
    core = build_core(
        db,
        clock,
        default_language=settings.default_language,
        invite_ttl_days=settings.invite_ttl_days,
        retention_months=settings.retention_months,
    )
    delivery = DeliveryWorker(db, application.bot, clock, concurrency=settings.delivery_concurrency)
    runtime = Runtime(settings=settings, core=core, delivery=delivery, ticks=ticks)
    application.bot_data[RUNTIME_KEY] = runtime
    application.bot_data[FRONTEND_KEY] = frontend
    if ticks and application.job_queue is not None:
        application.job_queue.run_repeating(
            _tick_job, interval=settings.tick_interval_seconds, first=1.0, name="tick"
        )
    frontend.register(application, runtime)
    return application


async def start_background(application: Application) -> None:  # type: ignore[type-arg]
    """Menu registration and the delivery worker. PTB runs `post_init` only inside
    `run_polling`, and we embed the Application ourselves, so this is called explicitly."""
    runtime: Runtime = application.bot_data[RUNTIME_KEY]
    frontend: Frontend = application.bot_data[FRONTEND_KEY]
    await frontend.start(application, runtime)
    application.bot_data[DELIVERY_TASK] = asyncio.create_task(
        runtime.delivery.run(runtime.settings.delivery_interval_seconds), name="delivery"
    )


async def stop_background(application: Application) -> None:  # type: ignore[type-arg]
    """Stops the delivery worker gracefully: the send in flight finishes, claimed rows
    that were not sent go back to the queue (see DeliveryWorker.stop)."""
    task = application.bot_data.pop(DELIVERY_TASK, None)
    if task is None:
        return
    runtime: Runtime = application.bot_data[RUNTIME_KEY]
    runtime.delivery.stop()
    await asyncio.wait({task}, timeout=DELIVERY_STOP_SECONDS)
    if not task.done():
        log.warning("delivery worker did not stop in %.0f s; cancelling it", DELIVERY_STOP_SECONDS)
        task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        try:
            await task
        except Exception:
            log.exception("delivery worker failed while stopping")


def tick_soon(application: Application) -> None:  # type: ignore[type-arg]
    """A tick now, besides the regular ones (the rehearsal's clock just moved)."""
    if application.job_queue is not None:
        application.job_queue.run_once(_tick_job, when=0.0, name="tick-now")


async def _tick_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """One tick, and while more pairs are awake than one tick looks at, the next ones
    straight away, for up to most of the interval; what is left is the next run's (a run
    that outlasted the interval would make the scheduler skip the next)."""
    # The regular tick and one asked for by a moved rehearsal clock take turns.
    async with context.bot_data.setdefault(TICK_LOCK, asyncio.Lock()):
        await _ticks(context)


async def _ticks(context: ContextTypes.DEFAULT_TYPE) -> None:
    runtime: Runtime = context.bot_data[RUNTIME_KEY]
    settings = runtime.settings
    stop_at = time.monotonic() + settings.tick_interval_seconds * 0.8
    while True:
        report = await tick(runtime.core, pairs_per_tick=settings.tick_pairs)
        if report.queued:
            runtime.delivery.wake()
        if not report.more or time.monotonic() >= stop_at:
            return


@asynccontextmanager
async def running_bot(
    settings: Settings,
    *,
    db: Database,
    clock: Clock,
    frontend: Frontend,
    poll_timeout: int = 10,
    ticks: bool = True,
    rate_limiter: SharedRateLimiter | None = None,
) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    """Starts the bot as `mentorbot run` does (polling, or webhook mode when WEBHOOK_URL is
    set), and stops it cleanly on exit: no new updates, the delivery worker finishes its
    send in flight and releases the rest, queued updates are handled, then shutdown."""
    application = build_application(
        settings, db=db, clock=clock, frontend=frontend, ticks=ticks, rate_limiter=rate_limiter
    )
    async with application:
        await start_background(application)
        await application.start()
        server: WebhookServer | None = None
        # Everything after start() is inside the try: a webhook port in use or a refused
        # setWebhook must still stop the application (PTB refuses to shut down a running one).
        try:
            if settings.webhook_url and settings.webhook_secret is not None:
                secret = settings.webhook_secret.get_secret_value()
                server = WebhookServer(
                    application,
                    db,
                    path=webhook_path(settings.webhook_url),
                    secret=secret,
                    listen=settings.webhook_listen,
                    port=settings.webhook_port,
                )
                await server.start()  # listening before Telegram is told where to post
                application.bot_data[WEBHOOK_SERVER] = server
                await application.bot.set_webhook(
                    url=settings.webhook_url, secret_token=secret, drop_pending_updates=False
                )
            else:
                assert application.updater is not None
                await application.updater.start_polling(
                    poll_interval=0.0, timeout=poll_timeout, drop_pending_updates=False
                )
            yield application
        finally:
            if server is not None:
                # No deleteWebhook: other instances behind the same URL keep serving it.
                await server.stop()
            elif application.updater is not None and application.updater.running:
                await application.updater.stop()
            await stop_background(application)
            await application.stop()
