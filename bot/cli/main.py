"""The `mentorbot` command line: the Typer app, assembled from one module per noun
(bot/cli/run.py, people.py, pairs.py, tick.py, report.py, privacy.py, demo.py,
clock.py, program.py, programmes.py). Commands are listed in the order added here."""

from __future__ import annotations

import sys

import typer

from bot.cli import clock, demo, pairs, people, privacy, program, programmes, report, run, tick
from bot.runtime.config import ConfigError

app = typer.Typer(help="mentorbot: keeps mentor programmes on track.", no_args_is_help=True)
app.add_typer(program.program_app, name="program")

app.command()(run.run)
app.command()(people.invite)
app.command("import")(people.import_command)
app.command()(pairs.match)
app.command()(people.people)
app.command()(pairs.pair)
app.command()(pairs.pairs)
app.command("tick")(tick.tick_command)
app.command()(demo.demo)
app.command("report")(report.report_command)
app.command("retention")(privacy.retention_command)
app.command("upgrade-db")(run.upgrade_db)

app.add_typer(clock.clock_app, name="clock")
# Cohorts, learning groups and gatherings.
programmes.register(app)


def main() -> None:
    try:
        app()
    except ConfigError as error:
        typer.echo(f"mentorbot: {error}", err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
