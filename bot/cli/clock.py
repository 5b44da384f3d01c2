"""`mentorbot clock`: a rehearsal's clock (`mentorbot run --rehearsal`), moved forward only."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Annotated

import typer

from bot.cli.support import _moment, _run, fail
from bot.runtime.clock import SystemClock, as_utc
from bot.runtime.config import Settings
from bot.usecases.joining import Services
from storage.db import Database

clock_app = typer.Typer(
    help="Move a rehearsal's clock (`mentorbot run --rehearsal`); it only moves forward.",
    no_args_is_help=True,
)


def _rehearsal_time(moment: datetime, settings: Settings) -> str:
    from zoneinfo import ZoneInfo

    local = moment.astimezone(ZoneInfo(settings.default_timezone))
    return (
        f"{local:%A %d %B %Y %H:%M} {settings.default_timezone} "
        f"({moment.astimezone(UTC):%Y-%m-%dT%H:%M}Z)"
    )


def _on_rehearsal(work: Callable[[Database], Awaitable[datetime]]) -> None:
    from bot.runtime.rehearsal import NotARehearsal

    async def run_it(services: Services, settings: Settings) -> None:
        try:
            moment = await work(services.db)
        except NotARehearsal:
            raise fail(
                "DATABASE_URL is not a rehearsal's database (start one with "
                "`mentorbot run --rehearsal` on a new database)."
            ) from None
        typer.echo(f"rehearsal: it is now {_rehearsal_time(moment, settings)}")

    _run(run_it)


@clock_app.command("show")
def clock_show() -> None:
    """The rehearsal's time."""
    from bot.runtime import rehearsal

    _on_rehearsal(lambda db: rehearsal.current(db, SystemClock()))


@clock_app.command("advance")
def clock_advance(
    by: Annotated[str, typer.Argument(help="How far: 30m, 12h, 3d, 2w, or 1w2d.")],
) -> None:
    """Move the rehearsal's clock forward; the running bot ticks at once."""
    from bot.runtime import rehearsal

    step = rehearsal.parse_duration(by)
    if step is None:
        raise fail("write how far like 30m, 12h, 3d, 2w or 1w2d")

    async def work(db: Database) -> datetime:
        return (await rehearsal.advance(db, step, SystemClock())).now

    _on_rehearsal(work)


@clock_app.command("set")
def clock_set(
    moment: Annotated[
        str, typer.Argument(help="ISO time, e.g. 2027-01-04T08:00 (UTC if no offset).")
    ],
) -> None:
    """Move the rehearsal's clock forward to this moment; the running bot ticks at once."""
    from bot.runtime import rehearsal

    target = _moment(moment, "the time")
    assert target is not None

    async def work(db: Database) -> datetime:
        moved = await rehearsal.set_to(db, as_utc(target), SystemClock())
        if isinstance(moved, datetime):
            raise fail(
                f"the rehearsal's clock only moves forward; it is {moved.isoformat(timespec='minutes')}"
            )
        return moved.now

    _on_rehearsal(work)
