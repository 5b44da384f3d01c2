"""`mentorbot report`: the report a programme gives its funder."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer

from bot.cli.support import _moment, _run, fail
from bot.domain.model import SUPPORTED_LANGUAGES
from bot.runtime.clock import FixedClock
from bot.runtime.config import Settings
from bot.usecases.joining import Services


def report_command(
    program: Annotated[int, typer.Option("--program", help="Programme id.")],
    out: Annotated[Path, typer.Option("--out", help="The file to write.")],
    fmt: Annotated[
        str, typer.Option("--format", help="xlsx (a spreadsheet), csv (a zip of CSV files) or pdf.")
    ] = "xlsx",
    cohort: Annotated[
        int | None, typer.Option("--cohort", help="Only this cohort (default: all).")
    ] = None,
    with_names: Annotated[
        bool, typer.Option("--with-names", help="Name the participants (else numbered).")
    ] = False,
    with_comments: Annotated[
        bool,
        typer.Option("--with-comments", help="Add free-text comments, with names taken out."),
    ] = False,
    language: Annotated[
        str | None, typer.Option(help="nb or en (default: the programme's language).")
    ] = None,
    now: Annotated[
        str | None, typer.Option("--now", help="Report as of this ISO time (default: now).")
    ] = None,
) -> None:
    """Write the report a programme gives its funder: pairs, meetings, rhythm, check-ins,
    goals, outcomes and the evaluation."""
    from bot.domain.report import Options
    from bot.files.report import Format, render
    from bot.usecases.evaluation import CohortEnd
    from bot.usecases.refusal import Refusal

    try:
        chosen = Format(fmt.lower())
    except ValueError:
        raise fail("--format must be xlsx, csv or pdf") from None
    if language is not None and language.lower() not in SUPPORTED_LANGUAGES:
        raise fail("--language must be nb or en")
    moment = _moment(now)

    async def work(services: Services, settings: Settings) -> None:
        programme = await services.programme(program)
        if programme is None:
            raise fail(f"there is no programme {program}; see `mentorbot program list`")
        words = (language or programme.language or settings.default_language).lower()
        report = await CohortEnd(
            services.db, services.clock, default_language=settings.default_language
        ).report(program, cohort, Options(with_names, with_comments), words)
        if isinstance(report, Refusal):
            raise fail(f"programme {program} has no cohort {cohort}")
        data = await asyncio.to_thread(render, report, chosen, words)
        try:
            out.write_bytes(data)
        except OSError as error:
            raise fail(f"cannot write {out}: {error.strerror or error}") from None
        from bot.usecases.privacy import AuditAction, Privacy

        # An export from the command line is in the audit log too (no Telegram actor).
        extras = [name for name, on in (("names", with_names), ("comments", with_comments)) if on]
        await Privacy(
            services.db,
            services.clock,
            default_language=settings.default_language,
            retention_months=settings.retention_months,
        ).record_audit(
            None, program, AuditAction.EXPORT, ":".join(["report", chosen.value, "cli", *extras])
        )
        pairs = len(report.table("pairs").rows)
        typer.echo(f"Report for {programme.name}: {pairs} pairs, {len(data)} bytes in {out}")

    _run(work, clock=FixedClock(moment) if moment else None)
