"""`mentorbot tick`: the scheduler's tick by hand (queue what is due, send it)."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.cli.support import _moment, _run, fail
from bot.runtime.clock import Clock, FixedClock, SystemClock
from bot.runtime.config import ConfigError, Settings
from bot.usecases.joining import Services


def tick_command(
    now: Annotated[
        str | None, typer.Option("--now", help="Pretend it is this ISO time (UTC if no offset).")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print what would be sent; send nothing.")
    ] = False,
) -> None:
    """Run the scheduler's tick (as many in a row as the awake pairs need): queue what is
    due, then send what is due."""
    moment = _moment(now)
    clock: Clock = FixedClock(moment) if moment else SystemClock()

    async def work(services: Services, settings: Settings) -> None:
        from bot.domain.model import OutboxStatus
        from bot.runtime.wiring import build_core
        from bot.usecases.tick import tick

        core = build_core(
            services.db,
            services.clock,
            default_language=settings.default_language,
            invite_ttl_days=settings.invite_ttl_days,
            retention_months=settings.retention_months,
        )
        tick_pairs = None if dry_run else settings.tick_pairs
        # A dry run marks nothing, so it looks at every awake pair at once; otherwise a
        # wave bigger than one tick takes the ticks it needs, as in the running bot.
        reports = [await tick(core, dry_run=dry_run, pairs_per_tick=tick_pairs)]
        while reports[-1].more:
            reports.append(await tick(core, pairs_per_tick=tick_pairs))
        for message in (message for report in reports for message in report.planned):
            typer.echo(f"due\t{message.idempotency_key}\tchat {message.chat_id}\t{message.kind}")
        if dry_run:
            async with services.db.unit() as uow:
                waiting = await uow.outbox.outbox_items(statuses=[OutboxStatus.PENDING])
            for item in waiting:
                if item.not_before <= services.clock.now():
                    typer.echo(f"queued\t{item.idempotency_key}\tchat {item.chat_id}\t{item.kind}")
            typer.echo("dry run: nothing was queued or sent")
            return
        from telegram.ext import ExtBot

        from bot.runtime.delivery import DeliveryWorker
        from bot.runtime.ratelimit import build_rate_limiter

        # The same limiter as the running bot: on PostgreSQL it shares their budget.
        limiter = build_rate_limiter(settings.rate_limit_backend, services.db)
        async with ExtBot(
            settings.require_token(),
            base_url=settings.telegram_api_base_url,
            rate_limiter=limiter,
        ) as bot:
            delivered = await DeliveryWorker(services.db, bot, services.clock).deliver_due()
        typer.echo(
            f"queued {sum(r.queued for r in reports)}, sent {delivered.sent}, retried {delivered.retried}, "
            f"failed {delivered.failed + delivered.unreachable}, uncertain {delivered.uncertain}"
        )

    try:
        _run(work, clock=clock)
    except ConfigError as error:
        raise fail(str(error)) from None
