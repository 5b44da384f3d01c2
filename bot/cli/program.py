"""`mentorbot program`: creating, setting and listing programmes (cohorts, groups and
gatherings: bot/cli/programmes.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bot.cli.support import _bot_username, _date, _run, _settings, fail
from bot.domain import policy
from bot.domain.invites import invite_link
from bot.domain.model import Role
from bot.runtime.clock import SystemClock
from bot.runtime.config import Settings
from bot.usecases.joining import Services

program_app = typer.Typer(help="Create and list programmes.", no_args_is_help=True)


@program_app.command("create")
def program_create(
    name: Annotated[str, typer.Argument(help="The programme's name.")],
    timezone: Annotated[str | None, typer.Option(help="IANA time zone.")] = None,
    language: Annotated[str | None, typer.Option(help="nb or en.")] = None,
    starts: Annotated[str | None, typer.Option(help="First cohort's start, YYYY-MM-DD.")] = None,
    ends: Annotated[str | None, typer.Option(help="First cohort's end, YYYY-MM-DD.")] = None,
    preset: Annotated[
        str | None,
        typer.Option(
            help="Set up like a programme of the source documents: nho, humentor, oxlo, "
            "grimstad, bomlo or podium (rhythm, cohort length, regions, role words, gatherings)."
        ),
    ] = None,
) -> None:
    """Create a programme with its first cohort, and print a coordinator invite link."""
    from bot.domain.programme_settings import Setting
    from bot.domain.programme_settings import values as setting_values
    from bot.domain.programmes import PRESETS
    from bot.domain.programmes import preset as find_preset

    chosen = find_preset(preset) if preset is not None else None
    if preset is not None and chosen is None:
        raise fail(f"--preset must be one of: {', '.join(PRESETS)}")
    settings = _settings()
    zone = timezone or settings.default_timezone
    lang = (language or (chosen.language if chosen else None) or settings.default_language).lower()
    if setting_values(Setting.LANGUAGE, lang) is None:
        raise fail("--language must be nb or en")
    if setting_values(Setting.TIMEZONE, zone) is None:
        raise fail(f"--timezone {zone!r} is not a time zone; use a name like Europe/Oslo")
    first_day, last_day = _date(starts, "--starts"), _date(ends, "--ends")
    if last_day and last_day <= (first_day or SystemClock().now().date()):
        raise fail("--ends must be after --starts" if first_day else "--ends must be after today")
    if not name.strip():
        raise fail("the programme needs a name")

    async def work(services: Services, settings: Settings) -> None:
        username = await _bot_username(settings)
        if chosen is not None:
            from bot.cli.programmes import create_with_preset

            await create_with_preset(
                services, username, chosen, name, zone, lang, first_day, last_day
            )
            return
        programme, cohort = await services.create_programme(
            name=name, timezone=zone, language=lang, starts_on=first_day, ends_on=last_day
        )
        [token] = await services.create_invites(programme.id, Role.COORDINATOR)
        typer.echo(f"Programme {programme.id}: {programme.name} ({zone}, {lang})")
        typer.echo(f"Cohort {cohort.id}: {cohort.starts_on} – {cohort.ends_on}")
        typer.echo("Coordinator invite link (works once):")
        typer.echo(invite_link(username, token))

    _run(work)


@program_app.command("set")
def program_set(
    program: Annotated[int, typer.Argument(help="Programme id.")],
    name: Annotated[str | None, typer.Option(help="A new name.")] = None,
    timezone: Annotated[str | None, typer.Option(help="IANA time zone, e.g. Europe/Oslo.")] = None,
    language: Annotated[str | None, typer.Option(help="nb or en.")] = None,
    cadence: Annotated[
        str | None,
        typer.Option(
            help="monthly, twice_monthly, every_other_month, minutes:N (N minutes a month) "
            "or per_cohort:N (N meetings in the whole cohort)."
        ),
    ] = None,
    hours: Annotated[
        str | None, typer.Option(help="When the bot may write to participants, e.g. 09-20.")
    ] = None,
    working_days: Annotated[
        str | None, typer.Option(help="Days the bot may write, e.g. mon-fri or mon,wed,fri.")
    ] = None,
    morning_reminder: Annotated[
        bool | None,
        typer.Option(
            "--morning-reminder/--no-morning-reminder",
            help="Also remind on the morning of a planned meeting.",
        ),
    ] = None,
    role_labels: Annotated[
        str | None,
        typer.Option(
            help="How the pair's roles are named: mentor (mentor and adept) or trainee "
            "(supervisor and trainee)."
        ),
    ] = None,
    outcomes: Annotated[
        str | None,
        typer.Option(help="Outcomes counted for the report, e.g. job,internship."),
    ] = None,
    digest: Annotated[
        str | None,
        typer.Option(
            help="When the weekly digest goes to the coordinators, in the programme's time "
            "zone: a weekday and an hour like 'mon 08' or 'fri-14', or 'off'."
        ),
    ] = None,
    country: Annotated[
        str | None,
        typer.Option(
            help="Whose public holidays the bot keeps (no messages to participants), as a "
            "country code: NO, SE, DK, FI, …"
        ),
    ] = None,
) -> None:
    """Change a programme's settings; only the options given change."""
    from bot.domain.programme_settings import Setting
    from bot.domain.programme_settings import values as setting_values
    from bot.domain.programmes import OUTCOMES

    given = {
        Setting.NAME: name,
        Setting.TIMEZONE: timezone,
        Setting.LANGUAGE: language,
        Setting.CADENCE: cadence,
        Setting.HOURS: hours,
        Setting.WORKING_DAYS: working_days,
        Setting.MORNING_REMINDER: None
        if morning_reminder is None
        else ("on" if morning_reminder else "off"),
        Setting.ROLE_LABELS: role_labels,
        Setting.OUTCOMES: outcomes,
        Setting.DIGEST: digest,
        Setting.COUNTRY: country,
    }
    problems = {
        Setting.NAME: f"--name must be 1 to {policy.MAX_PROGRAMME_NAME} characters",
        Setting.TIMEZONE: f"--timezone {timezone!r} is not a time zone; use a name like Europe/Oslo",
        Setting.LANGUAGE: "--language must be nb or en",
        Setting.CADENCE: "--cadence must be monthly, twice_monthly, every_other_month, "
        "minutes:N or per_cohort:N",
        Setting.HOURS: "--hours must look like 09-20 (start and end hour, 0 to 24)",
        Setting.WORKING_DAYS: "--working-days must look like mon-fri or mon,wed,fri",
        Setting.ROLE_LABELS: "--role-labels must be mentor or trainee",
        Setting.OUTCOMES: f"--outcomes must be a comma list of: {', '.join(OUTCOMES)}",
        Setting.DIGEST: "--digest must be a weekday and an hour like 'mon 08', or 'off'",
        Setting.COUNTRY: f"--country {country!r} is not a country the holiday calendar "
        "knows; use a code like NO",
    }
    values: dict[str, object] = {}
    for setting, text in given.items():
        if text is None:
            continue
        found = setting_values(setting, text)
        if found is None:
            raise fail(problems[setting])
        values.update(found)
    if not values:
        raise fail("nothing to change; see `mentorbot program set --help`")

    async def work(services: Services, _settings: Settings) -> None:
        if await services.programme(program) is None:
            raise fail(f"there is no programme {program}; see `mentorbot program list`")
        async with services.db.unit() as uow:
            await uow.programmes.update_programme(program, **values)
        changed = ", ".join(f"{key}={value}" for key, value in values.items())
        typer.echo(f"Programme {program}: {changed}")

    _run(work)


@program_app.command("set-agreement")
def program_set_agreement(
    program: Annotated[int, typer.Argument(help="Programme id.")],
    file: Annotated[Path, typer.Argument(help="A UTF-8 text file with the agreement.")],
) -> None:
    """Set the programme's agreement text (a new version; confirmed pairs keep theirs)."""
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise fail(f"cannot read {file}: {error}") from None

    async def work(services: Services, settings: Settings) -> None:
        from bot.usecases.agreements import Agreements, Problem

        if await services.programme(program) is None:
            raise fail(f"there is no programme {program}; see `mentorbot program list`")
        agreements = Agreements(
            services.db, services.clock, default_language=settings.default_language
        )
        version = await agreements.set_agreement_text(program, text)
        if isinstance(version, Problem):
            raise fail(f"the agreement text must be 1 to {policy.MAX_AGREEMENT_TEXT} characters")
        typer.echo(f"Programme {program}: agreement {version} saved; new pairs get it.")

    _run(work)


@program_app.command("list")
def program_list() -> None:
    """List programmes."""

    async def work(services: Services, _settings: Settings) -> None:
        for programme in await services.programmes():
            typer.echo(
                f"{programme.id}\t{programme.name}\t{programme.timezone}\t{programme.language}"
            )

    _run(work)
