"""What every command-line command shares: the one-line refusal, the settings, and a
database opened (and upgraded) for the length of one command. A module of its own, so
that command modules (`bot.cli.programmes`) need not import `bot.cli.main`, which registers them."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import TypeVar

import typer

from bot.domain.roles import pair_words
from bot.runtime.clock import Clock, RehearsalClock, SystemClock
from bot.runtime.config import ConfigError, Settings, load_settings
from bot.usecases.joining import Services
from bot.usecases.pairing import Pairing
from storage.db import Database

T = TypeVar("T")


def fail(message: str) -> typer.Exit:
    from bot.runtime.logs import redact

    # Error texts from libraries may quote a URL, and PTB's URLs contain the token.
    typer.echo(f"mentorbot: {redact(message)}", err=True)
    return typer.Exit(code=2)


def _settings() -> Settings:
    try:
        return load_settings()
    except ConfigError as error:
        raise fail(str(error)) from None


def pairing_of(services: Services, settings: Settings) -> Pairing:
    """The pairing use cases on the command line's database and clock."""
    return Pairing(services.db, services.clock, default_language=settings.default_language)


def _run(work: Callable[[Services, Settings], Awaitable[T]], *, clock: Clock | None = None) -> T:
    """Opens the database (upgrading its schema), runs `work`, and closes it."""
    settings = _settings()

    async def main() -> T:
        db = Database(settings.database_url)
        try:
            await db.upgrade()
            services = Services(
                db,
                clock or await clock_of(db),
                default_language=settings.default_language,
                invite_ttl_days=settings.invite_ttl_days,
            )
            return await work(services, settings)
        finally:
            await db.dispose()

    return asyncio.run(main())


async def clock_of(db: Database) -> Clock:
    """The real clock, or a rehearsal's in a database made for one: every command on a
    rehearsal's database lives in its time."""
    from storage.rehearsal import rehearsal_ahead

    ahead = await rehearsal_ahead(db)
    return SystemClock() if ahead is None else RehearsalClock(ahead)


def role_words(labels: str, *, plural: bool = False) -> tuple[str, str]:
    """(mentor word, adept word) in a programme with these role labels: the command
    line's output is English and says «adept», like its options and its data."""
    mentor, adept = pair_words(labels)
    # Every role word makes its plural with an «s».
    return (f"{mentor}s", f"{adept}s") if plural else (mentor, adept)


def audience_word(audience: str, labels: str) -> str:
    """A gathering's audience (mentors, adepts, all) in the programme's role words."""
    mentors, adepts = role_words(labels, plural=True)
    return {"mentors": mentors, "adepts": adepts}.get(audience, audience)


def _date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise fail(f"{option} must be a date like 2026-01-31") from None


async def _bot_username(settings: Settings) -> str:
    if settings.bot_username:
        return settings.bot_username.lstrip("@")
    from telegram import Bot
    from telegram.error import TelegramError

    try:
        token = settings.require_token()
    except ConfigError as error:
        raise fail(f"{error} (or set BOT_USERNAME to print links offline)") from None
    try:
        async with Bot(token, base_url=settings.telegram_api_base_url) as bot:
            return bot.username
    except TelegramError as error:
        raise fail(f"could not ask Telegram for the bot's name: {error}") from None


def _moment(value: str | None, what: str = "--now") -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise fail(
            f"{what} must be an ISO time like 2026-03-02T09:30 or 2026-03-02T09:30+01:00"
        ) from None
