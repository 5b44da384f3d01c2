"""`mentorbot demo`: a small programme played offline with the real bot."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Annotated

import typer

from bot.cli.support import fail
from bot.domain.model import SUPPORTED_LANGUAGES
from bot.sim.demo.scenario import DEFAULT_DAYS


def demo(
    language: Annotated[
        str, typer.Option("--language", help="Language of the demo: nb or en.")
    ] = "nb",
    days: Annotated[
        int, typer.Option("--days", min=1, max=366, help="How many days to simulate.")
    ] = DEFAULT_DAYS,
    out: Annotated[
        Path, typer.Option("--out", help="Directory for the files (transcript.txt).")
    ] = Path("demo-output"),
) -> None:
    """Play a small programme over three months with the real bot, offline: a local
    Telegram emulator, a temporary database and simulated people. No token needed."""
    from bot.sim.demo.runner import DemoOptions, run_demo

    if language not in SUPPORTED_LANGUAGES:
        raise fail("--language must be nb or en")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    result = asyncio.run(run_demo(DemoOptions(language=language, days=days, out=out)))
    typer.echo(result.text, nl=False)
