"""`mentorbot run` and `mentorbot upgrade-db`: the bot itself and its database. The
composition root: the one place the command line imports the handlers (their routes)."""

from __future__ import annotations

import asyncio
import logging
import signal
from datetime import timedelta
from typing import Annotated

import typer

from bot.cli.support import _run, _settings, fail
from bot.runtime.clock import Clock, RehearsalClock, SystemClock
from bot.runtime.config import ConfigError, Settings
from bot.usecases.joining import Services
from storage.db import Database


def run(
    rehearsal: Annotated[
        bool,
        typer.Option(
            "--rehearsal",
            help="Run on a rehearsal clock that `mentorbot clock` moves (a new database only).",
        ),
    ] = False,
) -> None:
    """Start the bot (polling, or webhook mode when WEBHOOK_URL is set), creating or
    upgrading the database first."""
    from bot.runtime.logs import configure_logging, database_password

    settings = _settings()
    if rehearsal:
        settings = settings.model_copy(update={"rehearsal": True})
    try:
        token = settings.require_token()
    except ConfigError as error:
        raise fail(str(error)) from None
    webhook_secret = settings.webhook_secret
    configure_logging(
        settings.log_level,
        settings.log_format,
        secrets=(
            token,
            webhook_secret.get_secret_value() if webhook_secret else None,
            database_password(settings.database_url),
        ),
    )
    asyncio.run(_serve(settings))


async def _serve(settings: Settings) -> None:
    from telegram.error import BadRequest, InvalidToken, NetworkError

    from bot.runtime import rehearsal as rehearsals
    from bot.runtime.app import running_bot, tick_soon
    from handlers.routes import FRONTEND

    db = Database(settings.database_url)
    await db.upgrade()
    try:
        clock = await _clock_for_run(db, rehearsal=settings.rehearsal)
    except typer.Exit:
        await db.dispose()
        raise
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        async with running_bot(settings, frontend=FRONTEND, db=db, clock=clock) as application:
            mode = "webhook mode" if settings.webhook_url else "polling"
            logging.getLogger("mentorbot").info("%s as @%s", mode, application.bot.username)
            if isinstance(clock, RehearsalClock):
                logging.getLogger("mentorbot").info(
                    "rehearsal: it is now %s", clock.now().isoformat(timespec="minutes")
                )
                following = asyncio.create_task(
                    rehearsals.follow(db, clock, lambda: tick_soon(application))
                )
            await stop.wait()
            if isinstance(clock, RehearsalClock):
                following.cancel()
    except InvalidToken:
        raise fail(
            "TELEGRAM_BOT_TOKEN was rejected by Telegram; copy it again from @BotFather."
        ) from None
    except BadRequest as error:  # e.g. setWebhook with an address Telegram refuses
        raise fail(f"Telegram refused a start-up request: {error}") from None
    except NetworkError as error:
        raise fail(
            f"cannot reach the Bot API at TELEGRAM_API_BASE_URL ({type(error).__name__}); "
            "check the address and the network."
        ) from None
    except OSError as error:
        if not settings.webhook_url:
            raise
        raise fail(
            f"cannot listen for webhooks on {settings.webhook_listen}:{settings.webhook_port} "
            f"({error.strerror or error}); check WEBHOOK_LISTEN and WEBHOOK_PORT."
        ) from None
    finally:
        await db.dispose()


async def _clock_for_run(db: Database, *, rehearsal: bool) -> Clock:
    """A rehearsal runs only on a database made for it, and a live bot never on one."""
    from storage.rehearsal import begin_rehearsal, rehearsal_ahead

    if rehearsal:
        if not await begin_rehearsal(db, SystemClock().now()):
            raise fail(
                "--rehearsal needs a new database, and DATABASE_URL holds a programme already "
                "(a rehearsal must never touch a live programme); set another DATABASE_URL."
            )
        return RehearsalClock(await rehearsal_ahead(db) or timedelta(0))
    if await rehearsal_ahead(db) is not None:
        raise fail(
            "DATABASE_URL holds a rehearsal: start it with `mentorbot run --rehearsal`, "
            "or set another DATABASE_URL for the live bot."
        )
    return SystemClock()


def upgrade_db() -> None:
    """Create or upgrade the database schema (the bot also does this when it starts)."""

    async def work(_services: Services, settings: Settings) -> None:
        typer.echo(f"database is at the newest schema ({_safe_url(settings.database_url)})")

    _run(work)


def _safe_url(url: str) -> str:
    if "@" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://…@{rest.split('@', 1)[1]}"
    return url
