"""The end-to-end harness: the real PTB Application, built by our builder, polling our
local Bot API emulator over HTTP, on a real database, with a clock the test moves."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from telegram.ext import Application

from bot.domain.model import OutboxStatus, Programme, Role
from bot.runtime.app import running_bot
from bot.runtime.clock import FixedClock
from bot.runtime.config import Settings
from bot.runtime.ratelimit import Limits, build_rate_limiter
from bot.runtime.wiring import Core
from bot.sim.emulator import BotApiEmulator, SentMessage, SimUser
from bot.usecases.agreements import Agreements
from bot.usecases.joining import Services
from bot.usecases.meetings import Meetings
from bot.usecases.pairing import Pairing
from bot.usecases.tick import tick
from handlers.common import DEPS_KEY, Deps
from handlers.routes import FRONTEND
from storage.db import Database
from tests.support.databases import WORKDAY_MORNING
from tests.support.rows import confirm_agreement

# A conversation test does not wait a real second between two replies to one person:
# the pacing itself is tested against a strict emulator in tests/runtime/test_ratelimit.py
# (and the emulator here enforces no limit), and waiting made the suite minutes slower.
CONVERSATION_LIMITS = Limits(chat_interval=0.0)


@dataclass
class Harness:
    emulator: BotApiEmulator
    application: Application  # type: ignore[type-arg]
    db: Database
    clock: FixedClock

    @property
    def services(self) -> Services:
        deps = self.application.bot_data[DEPS_KEY]
        assert isinstance(deps, Deps)
        return deps.services

    @property
    def pairing(self) -> Pairing:
        return self.core.pairing

    @property
    def agreements(self) -> Agreements:
        deps = self.application.bot_data[DEPS_KEY]
        return deps.agreements

    @property
    def meetings(self) -> Meetings:
        deps = self.application.bot_data[DEPS_KEY]
        return deps.meetings

    @property
    def core(self) -> Core:
        deps = self.application.bot_data[DEPS_KEY]
        return deps.core

    async def tick(self) -> None:
        """One scheduler tick at the harness clock's time, then delivery."""
        await tick(self.core)
        await self.deliver()

    async def active_pair(self, programme: Programme) -> tuple[SimUser, SimUser, int]:
        """A mentor and an adept who joined by link, paired and past their agreement.

        The agreement is completed in the database (its own flow is tested in
        test_agreement.py), so rhythm tests start on the day the pair became active.
        """
        ola = self.emulator.user(200, "Ola", language_code="en")
        amina = self.emulator.user(300, "Amina", language_code="en")
        for user, role in ((ola, Role.MENTOR), (amina, Role.ADEPT)):
            await self.join(user, programme, role)
            await user.press(await user.next_message(), "Yes, that is OK")
            await user.next_message()
        [mentor] = await self.pairing.members(programme.id, Role.MENTOR)
        [adept] = await self.pairing.members(programme.id, Role.ADEPT)
        outcome = await self.pairing.create_pair(None, programme.id, mentor.id, adept.id)
        assert outcome.view is not None
        pair_id = outcome.view.pair.id
        now = self.clock.now()
        async with self.services.db.unit() as uow:
            await uow.pairs.set_goals(pair_id, ["@cv", "Speak Norwegian at work"])
            await confirm_agreement(uow, pair_id, (mentor.id, adept.id), now)
            # The introductions were for the agreement flow, which this shortcut skips.
            for item in await uow.outbox.outbox_items():
                await uow.outbox.outbox_give_up(item.id, status=OutboxStatus.SENT, error="skipped")
        return ola, amina, pair_id

    async def programme(self, name: str = "Global Future Oslo", language: str = "nb") -> Programme:
        programme, _cohort = await self.services.create_programme(
            name=name, timezone="Europe/Oslo", language=language
        )
        return programme

    async def token(self, programme: Programme, role: Role) -> str:
        [token] = await self.services.create_invites(programme.id, role)
        return token

    async def join(self, user: SimUser, programme: Programme, role: Role) -> SentMessage:
        """Opens an invite link; returns the welcome message."""
        await user.send(f"/start {await self.token(programme, role)}")
        return await user.next_message()

    async def deliver(self) -> None:
        """Sends what the outbox holds now (the worker also does this by itself)."""
        deps = self.application.bot_data[DEPS_KEY]
        assert deps.delivery is not None
        await deps.delivery.deliver_due()
        # The background worker may hold rows of this round: wait for it too.
        await deps.delivery.settled()


def settings_for(emulator: BotApiEmulator, database_url: str) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        telegram_bot_token=emulator.token,  # type: ignore[arg-type]
        telegram_api_base_url=emulator.base_url,
        database_url=database_url,
        delivery_interval_seconds=0.2,
    )


@asynccontextmanager
async def bot_on(emulator: BotApiEmulator, database_url: str) -> AsyncIterator[Harness]:
    """The bot process: stopping and entering again on the same database is a restart."""
    clock = FixedClock(WORKDAY_MORNING)
    db = Database(database_url)
    await db.upgrade()
    try:
        settings = settings_for(emulator, database_url)
        async with running_bot(
            settings,
            frontend=FRONTEND,
            db=db,
            clock=clock,
            poll_timeout=1,
            ticks=False,
            rate_limiter=build_rate_limiter("memory", db, CONVERSATION_LIMITS),
        ) as application:
            emulator.watch(application)
            yield Harness(emulator, application, db, clock)
    finally:
        await db.dispose()


@asynccontextmanager
async def start_harness(database_url: str) -> AsyncIterator[Harness]:
    async with BotApiEmulator() as emulator, bot_on(emulator, database_url) as harness:
        yield harness
