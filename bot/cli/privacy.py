"""`mentorbot retention`: erasing the data of cohorts that ended long enough ago."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.cli.support import _moment, _run, fail
from bot.runtime.clock import Clock, FixedClock, SystemClock
from bot.runtime.config import ConfigError, Settings
from bot.usecases.joining import Services


def retention_command(
    now: Annotated[
        str | None, typer.Option("--now", help="Pretend it is this ISO time (UTC if no offset).")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would be erased; change nothing.")
    ] = False,
) -> None:
    """Erase the personal data of cohorts that ended RETENTION_MONTHS ago (the tick does
    this too); --dry-run shows what would go and who would be told."""
    moment = _moment(now)
    clock: Clock = FixedClock(moment) if moment else SystemClock()

    async def work(services: Services, settings: Settings) -> None:
        from bot.usecases.privacy import Privacy

        privacy = Privacy(
            services.db,
            services.clock,
            default_language=settings.default_language,
            retention_months=settings.retention_months,
        )
        report = await privacy.run_retention(dry_run=dry_run)
        for item in report.due:
            typer.echo(
                f"{item.status.value}	cohort {item.cohort_id}	{item.cohort_name}	"
                f"programme {item.programme.id}	ended {item.ends_on}	erased from {item.erase_on}	"
                f"{item.people} people	{item.pairs} pairs"
            )
        if not report.due:
            typer.echo(f"nothing is due (retention {settings.retention_months} months)")
        if dry_run:
            typer.echo("dry run: nothing was erased or queued")
        else:
            typer.echo(
                f"erased {report.erased_people} people, queued {len(report.notices)} notices"
            )

    try:
        _run(work, clock=clock)
    except ConfigError as error:
        raise fail(str(error)) from None
