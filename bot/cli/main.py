"""The `mentorbot` command line: run the bot, set up programmes, invite, pair, tick."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer

from bot.cli.programmes import register as _register_programme_commands
from bot.cli.support import _date, _run, _settings, fail, pairing_of, role_words
from bot.domain import policy
from bot.domain.invites import invite_link
from bot.domain.model import SUPPORTED_LANGUAGES, Role
from bot.runtime.clock import Clock, FixedClock, RehearsalClock, SystemClock, as_utc
from bot.runtime.config import ConfigError, Settings
from bot.sim.demo.scenario import DEFAULT_DAYS
from bot.usecases.joining import Services
from bot.usecases.pairing import PairProblem
from storage.db import Database

app = typer.Typer(help="mentorbot: keeps mentor programmes on track.", no_args_is_help=True)
program_app = typer.Typer(help="Create and list programmes.", no_args_is_help=True)
app.add_typer(program_app, name="program")


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


def _role(value: str) -> Role:
    try:
        return Role(value.lower())
    except ValueError:
        raise fail("--role must be mentor, adept or coordinator") from None


def _write_qr(links: list[str], directory: Path, role: Role) -> list[Path]:
    return _write_qr_named(
        [(f"invite-{role.value}-{number}.png", link) for number, link in enumerate(links, 1)],
        directory,
    )


def _write_qr_named(files: list[tuple[str, str]], directory: Path) -> list[Path]:
    """One QR-code PNG per (file name, link)."""
    import qrcode

    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, link in files:
        path = directory / name
        qrcode.make(link).save(path)
        paths.append(path)
    return paths


@app.command()
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


@app.command()
def invite(
    program: Annotated[int, typer.Option("--program", help="Programme id.")],
    role: Annotated[str, typer.Option("--role", help="mentor, adept or coordinator.")],
    count: Annotated[int, typer.Option("--count", min=1, max=500)] = 1,
    qr: Annotated[Path | None, typer.Option("--qr", help="Write QR-code PNGs here.")] = None,
    cohort: Annotated[
        int | None,
        typer.Option("--cohort", help="Cohort id (an intake or region); default the current."),
    ] = None,
) -> None:
    """Print invite links (one per person; each works once)."""
    chosen = _role(role)

    async def work(services: Services, settings: Settings) -> None:
        if await services.programme(program) is None:
            raise fail(f"there is no programme {program}; see `mentorbot program list`")
        if cohort is not None:
            async with services.db.unit() as uow:
                found = await uow.programmes.cohort(cohort)
            if found is None or found.programme_id != program:
                raise fail(
                    f"programme {program} has no cohort {cohort}; see `mentorbot cohort list`"
                )
        username = await _bot_username(settings)
        links = [
            invite_link(username, t)
            for t in await services.create_invites(program, chosen, count, cohort_id=cohort)
        ]
        for link in links:
            typer.echo(link)
        if qr is not None:
            for path in _write_qr(links, qr, chosen):
                typer.echo(f"QR code: {path}", err=True)

    _run(work)


@app.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(help="A .csv or .xlsx list of participants.")],
    program: Annotated[int, typer.Option("--program", help="Programme id.")],
    cohort: Annotated[
        int | None, typer.Option("--cohort", help="Cohort id (default: the current one).")
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Where to write the list with links (default: NAME.invites.*)."),
    ] = None,
    qr: Annotated[Path | None, typer.Option("--qr", help="Also write QR-code PNGs here.")] = None,
) -> None:
    """Import participants from a spreadsheet: one invite link each, written back as a new
    column; their answers are ready when they join. Nothing is imported if a row is bad."""
    from bot.domain import roster
    from bot.files import spreadsheet
    from bot.files.spreadsheet import SpreadsheetError, output_path, read_table
    from bot.usecases import importing

    try:
        table = read_table(file)
    except SpreadsheetError as error:
        raise fail(str(error)) from None
    target = out or output_path(file)
    if target.suffix.lower() != file.suffix.lower():
        raise fail(f"--out must end in {file.suffix.lower()}, like the input")
    if target.resolve() == file.resolve():
        raise fail("--out must not be the input file; the original stays as it is")
    if not target.parent.is_dir():
        raise fail(f"cannot write {target}: the folder does not exist")

    async def work(services: Services, settings: Settings) -> None:
        if await services.programme(program) is None:
            raise fail(f"there is no programme {program}; see `mentorbot program list`")
        username = await _bot_username(settings)
        result = await importing.import_people(services, program, table.rows, cohort_id=cohort)
        if result.problem is importing.ImportProblem.NO_COHORT:
            raise fail(f"programme {program} has no cohort {cohort}")
        checked = result.checked
        if checked is not None and checked.file_problem is not None:
            raise fail(_import_problems(file, checked)[0])
        if checked is None or not result.imported:
            for line in _import_problems(file, checked):
                typer.echo(line, err=True)
            raise fail(f"nothing was imported from {file.name}; fix the lines above and run again")
        assert checked.layout is not None
        links = {line: invite_link(username, token) for line, token in result.tokens.items()}
        header = roster.LINK_HEADER[checked.layout.language]
        try:
            spreadsheet.write_with_column(table, target, checked.layout.header_line, header, links)
            typer.echo(f"Links written to {target}")
        except OSError as error:
            typer.echo(f"could not write {target} ({error}); the links are:", err=True)
            for entry in checked.entries:
                typer.echo(f"{entry.line}\t{entry.name}\t{links[entry.line]}")
        if qr is not None:
            files = [
                (f"{entry.line:04d}-{_slug(entry.name)}-{entry.role.value}.png", links[entry.line])
                for entry in checked.entries
            ]
            written = _write_qr_named(files, qr)
            typer.echo(f"{len(written)} QR codes in {qr}")
        mentors = sum(1 for entry in checked.entries if entry.role is Role.MENTOR)
        typer.echo(
            f"Imported {len(checked.entries)} people ({mentors} mentors, "
            f"{len(checked.entries) - mentors} adepts) into programme {program}. "
            f"Each link works once, for {services.invite_ttl.days} days."
        )
        if checked.layout.ignored:
            typer.echo(f"Columns not used: {', '.join(checked.layout.ignored)}", err=True)

    _run(work)


def _slug(name: str) -> str:
    import re
    import unicodedata

    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:40] or "person"


def _import_problems(file: Path, checked: object) -> list[str]:
    from bot.domain.roster import Checked, FileProblem, RowProblemKind

    if not isinstance(checked, Checked):
        return []
    files = {
        FileProblem.EMPTY: f"{file.name} has no rows of people",
        FileProblem.NO_NAME_COLUMN: "no name column: the first row needs a header «name» or «navn»",
        FileProblem.NO_ROLE_COLUMN: "no role column: the first row needs a header «role» or «rolle»",
        FileProblem.TOO_MANY_ROWS: f"more than {checked.file_detail} rows; split the file",
        FileProblem.DOUBLE_COLUMN: f"two columns mean the same: «{checked.file_detail}»",
    }
    if checked.file_problem is not None:
        return [files[checked.file_problem]]
    reasons = {
        RowProblemKind.MISSING_NAME: "no name",
        RowProblemKind.NAME_TOO_LONG: "the name is longer than {detail} characters",
        RowProblemKind.MISSING_ROLE: "no role (mentor or adept)",
        RowProblemKind.UNKNOWN_ROLE: "unknown role «{detail}» (use mentor or adept)",
        RowProblemKind.BAD_GENDER: "unknown gender «{detail}» (use f, m or x, or leave it empty)",
        RowProblemKind.BAD_AGE: "bad age band «{detail}» (use 18-29, 30-39, 40-49, 50-59, 60+ "
        "or an age)",
        RowProblemKind.BAD_CAPACITY: f"bad capacity «{{detail}}» (a number from 1 to {policy.MAX_CAPACITY})",
        RowProblemKind.TOO_LONG: f"the {{detail}} is longer than {policy.MAX_TEXT_ANSWER} characters",
        RowProblemKind.DUPLICATE: "the same person as line {detail} (same name and role; "
        "add a phone or e-mail to tell them apart)",
        RowProblemKind.ALREADY_IMPORTED: "{detail} was imported before and has not joined yet",
    }
    lines = [
        f"line {problem.line}: {reasons[problem.kind].format(detail=problem.detail)}"
        for problem in checked.problems
    ]
    return [*lines, f"{len(checked.problems)} bad rows"]


@app.command()
def match(
    program: Annotated[int, typer.Option("--program", help="Programme id.")],
    cohort: Annotated[
        int | None, typer.Option("--cohort", help="Cohort id (default: the current one).")
    ] = None,
) -> None:
    """Suggest pairs for the unpaired people of a cohort, with the reasons; pairs nobody."""

    async def work(services: Services, _settings: Settings) -> None:
        from bot.runtime.i18n import use_language
        from bot.texts.matching import reasons_text
        from bot.usecases.matching import Matchmaker, MatchProblem
        from bot.usecases.refusal import Refusal

        plan = await Matchmaker(services).plan(None, program, cohort)
        if isinstance(plan, Refusal) and plan.problem is MatchProblem.NOT_ALLOWED:
            raise fail(f"there is no programme {program}; see `mentorbot program list`")
        if isinstance(plan, Refusal):
            raise fail(f"programme {program} has no cohort {cohort or ''}".rstrip())
        mentor_word, _adept = role_words(plan.programme.role_labels)
        mentors, adepts = role_words(plan.programme.role_labels, plural=True)
        typer.echo(
            f"{plan.programme.name}, cohort {plan.cohort.id} ({plan.cohort.name}): "
            f"{plan.unpaired_adepts} {adepts} without a {mentor_word}, "
            f"{plan.mentors_with_room} {mentors} with room"
        )
        if plan.waiting_to_join:
            typer.echo(f"{plan.waiting_to_join} imported people have not joined yet")
        with use_language(plan.programme.language):
            for suggestion in plan.suggestions:
                mentor = plan.people[suggestion.mentor_id]
                adept = plan.people[suggestion.adept_id]
                typer.echo(
                    f"{mentor.id}\t{adept.id}\t{suggestion.fit.score}\t"
                    f"{mentor.first_name} + {adept.first_name}: "
                    f"{reasons_text(suggestion, plan.programme.role_labels)}"
                )
        if plan.suggestions:
            typer.echo(
                f"Pair them with `mentorbot pair --program {program} MENTOR ADEPT`, "
                "or with /match in Telegram."
            )
        else:
            typer.echo("no suggestions")

    _run(work)


@app.command()
def people(
    program: Annotated[int, typer.Option("--program", help="Programme id.")],
) -> None:
    """List a programme's people with their ids (for `mentorbot pair`)."""

    async def work(services: Services, settings: Settings) -> None:
        for role in (Role.COORDINATOR, Role.MENTOR, Role.ADEPT):
            for person in await pairing_of(services, settings).members(program, role):
                typer.echo(f"{person.id}\t{role.value}\t{person.first_name}")

    _run(work)


@app.command()
def pair(
    program: Annotated[int, typer.Option("--program", help="Programme id.")],
    mentor: Annotated[int, typer.Argument(help="The mentor's person id (see `people`).")],
    adept: Annotated[int, typer.Argument(help="The adept's person id.")],
) -> None:
    """Pair a mentor with an adept; both get an introduction."""

    async def work(services: Services, settings: Settings) -> None:
        outcome = await pairing_of(services, settings).create_pair(None, program, mentor, adept)
        if outcome.problem is not None or outcome.view is None:
            reasons = {
                PairProblem.NOT_ALLOWED: f"there is no programme {program}",
                PairProblem.NOT_A_MENTOR: f"person {mentor} is not a mentor in programme {program}",
                PairProblem.NOT_AN_ADEPT: f"person {adept} is not an adept in programme {program}",
                PairProblem.ADEPT_TAKEN: f"person {adept} already has a mentor",
                PairProblem.MENTOR_FULL: f"person {mentor} has no room for another adept",
                PairProblem.NO_COHORT: f"programme {program} has no cohort",
                PairProblem.NOT_TAKING_PART: (
                    f"person {mentor} or {adept} has not agreed to take part or has left"
                ),
            }
            raise fail(reasons[outcome.problem or PairProblem.NOT_ALLOWED])
        view = outcome.view
        programme = await services.programme(program)
        mentor_word, adept_word = role_words(programme.role_labels if programme else "mentor")
        typer.echo(
            f"Pair {view.pair.id}: {view.mentor.first_name} ({mentor_word}) + "
            f"{view.adept.first_name} ({adept_word}), {view.pair.state.value}"
        )

    _run(work)


@app.command()
def pairs(program: Annotated[int, typer.Option("--program", help="Programme id.")]) -> None:
    """List a programme's pairs with their state."""

    async def work(services: Services, settings: Settings) -> None:
        for view in await pairing_of(services, settings).pairs(None, [program]):
            typer.echo(
                f"{view.pair.id}\t{view.mentor.first_name}\t{view.adept.first_name}\t"
                f"{view.pair.state.value}"
            )

    _run(work)


@app.command("tick")
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


@app.command()
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


@app.command("report")
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


@app.command("retention")
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


@app.command("upgrade-db")
def upgrade_db() -> None:
    """Create or upgrade the database schema (the bot also does this when it starts)."""

    async def work(_services: Services, settings: Settings) -> None:
        typer.echo(f"database is at the newest schema ({_safe_url(settings.database_url)})")

    _run(work)


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


def _safe_url(url: str) -> str:
    if "@" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://…@{rest.split('@', 1)[1]}"
    return url


def _moment(value: str | None, what: str = "--now") -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise fail(
            f"{what} must be an ISO time like 2026-03-02T09:30 or 2026-03-02T09:30+01:00"
        ) from None


clock_app = typer.Typer(
    help="Move a rehearsal's clock (`mentorbot run --rehearsal`); it only moves forward.",
    no_args_is_help=True,
)
app.add_typer(clock_app, name="clock")


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


# Cohorts, learning groups and gatherings (a module of their own).
_register_programme_commands(app)


def main() -> None:
    try:
        app()
    except ConfigError as error:
        typer.echo(f"mentorbot: {error}", err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
