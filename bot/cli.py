"""The `mentorbot` command line: run the bot, set up programmes, invite, pair, tick."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from collections.abc import Awaitable, Callable
from datetime import date, datetime, time
from pathlib import Path
from typing import Annotated, TypeVar

import typer

from bot.clock import Clock, FixedClock, SystemClock
from bot.config import SUPPORTED_LANGUAGES, ConfigError, Settings, load_settings
from bot.domain.invites import invite_link
from bot.domain.model import Role
from bot.services import PairProblem, Services
from storage.db import Database

app = typer.Typer(help="mentorbot: keeps mentor programmes on track.", no_args_is_help=True)
program_app = typer.Typer(help="Create and list programmes.", no_args_is_help=True)
app.add_typer(program_app, name="program")

T = TypeVar("T")


def fail(message: str) -> typer.Exit:
    from bot.logs import redact

    # Error texts from libraries may quote a URL, and PTB's URLs contain the token.
    typer.echo(f"mentorbot: {redact(message)}", err=True)
    return typer.Exit(code=2)


def _settings() -> Settings:
    try:
        return load_settings()
    except ConfigError as error:
        raise fail(str(error)) from None


def _run(work: Callable[[Services, Settings], Awaitable[T]], *, clock: Clock | None = None) -> T:
    """Opens the database (upgrading its schema), runs `work`, and closes it."""
    settings = _settings()

    async def main() -> T:
        db = Database(settings.database_url)
        try:
            await db.upgrade()
            services = Services(
                db,
                clock or SystemClock(),
                default_language=settings.default_language,
                invite_ttl_days=settings.invite_ttl_days,
            )
            return await work(services, settings)
        finally:
            await db.dispose()

    return asyncio.run(main())


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
    import qrcode

    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for number, link in enumerate(links, start=1):
        path = directory / f"invite-{role.value}-{number}.png"
        qrcode.make(link).save(path)
        paths.append(path)
    return paths


@app.command()
def run() -> None:
    """Start the bot (polling, or webhook mode when WEBHOOK_URL is set), creating or
    upgrading the database first."""
    from bot.logs import configure_logging, database_password

    settings = _settings()
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

    from bot.app import running_bot

    db = Database(settings.database_url)
    await db.upgrade()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        async with running_bot(settings, db=db, clock=SystemClock()) as application:
            mode = "webhook mode" if settings.webhook_url else "polling"
            logging.getLogger("mentorbot").info("%s as @%s", mode, application.bot.username)
            await stop.wait()
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
) -> None:
    """Create a programme with its first cohort, and print a coordinator invite link."""
    settings = _settings()
    zone = timezone or settings.default_timezone
    lang = (language or settings.default_language).lower()
    if lang not in SUPPORTED_LANGUAGES:
        raise fail("--language must be nb or en")
    try:
        load_settings(default_timezone=zone)
    except ConfigError:
        raise fail(f"--timezone {zone!r} is not a time zone; use a name like Europe/Oslo") from None
    first_day, last_day = _date(starts, "--starts"), _date(ends, "--ends")
    if last_day and last_day <= (first_day or SystemClock().now().date()):
        raise fail("--ends must be after --starts" if first_day else "--ends must be after today")
    if not name.strip():
        raise fail("the programme needs a name")

    async def work(services: Services, settings: Settings) -> None:
        username = await _bot_username(settings)
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
) -> None:
    """Change a programme's settings; only the options given change."""
    from bot.domain.rhythm import Cadence

    values: dict[str, object] = {}
    if name is not None:
        if not name.strip():
            raise fail("--name cannot be empty")
        values["name"] = name.strip()
    if timezone is not None:
        try:
            load_settings(default_timezone=timezone)
        except ConfigError:
            raise fail(
                f"--timezone {timezone!r} is not a time zone; use a name like Europe/Oslo"
            ) from None
        values["timezone"] = timezone
    if language is not None:
        if language.lower() not in SUPPORTED_LANGUAGES:
            raise fail("--language must be nb or en")
        values["language"] = language.lower()
    if cadence is not None:
        parsed = Cadence.parse(cadence)
        if parsed is None:
            raise fail(
                "--cadence must be monthly, twice_monthly, every_other_month, minutes:N or per_cohort:N"
            )
        values["cadence"] = str(parsed)
    if hours is not None:
        window = _hours(hours)
        values["day_starts"], values["day_ends"] = window
    if working_days is not None:
        values["working_days"] = _working_days(working_days)
    if morning_reminder is not None:
        values["morning_reminder"] = morning_reminder
    if not values:
        raise fail("nothing to change; see `mentorbot program set --help`")

    async def work(services: Services, _settings: Settings) -> None:
        if await services.programme(program) is None:
            raise fail(f"there is no programme {program}; see `mentorbot program list`")
        async with services.unit() as repo:
            await repo.update_programme(program, **values)
        changed = ", ".join(f"{key}={value}" for key, value in values.items())
        typer.echo(f"Programme {program}: {changed}")

    _run(work)


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _hours(text: str) -> tuple[time, time]:
    try:
        first, last = (int(part) for part in text.replace(":00", "").split("-"))
        if not 0 <= first < last <= 24:
            raise ValueError
        return time(first, 0), time(23, 59) if last == 24 else time(last, 0)
    except ValueError:
        raise fail("--hours must look like 09-20 (start and end hour, 0 to 24)") from None


def _working_days(text: str) -> str:
    days: set[int] = set()
    for part in text.lower().replace(" ", "").split(","):
        start, _sep, end = part.partition("-")
        if start not in WEEKDAYS or (end and end not in WEEKDAYS):
            raise fail("--working-days must look like mon-fri or mon,wed,fri")
        first = WEEKDAYS.index(start)
        last = WEEKDAYS.index(end) if end else first
        days.update(
            range(first, last + 1) if first <= last else [*range(first, 7), *range(0, last + 1)]
        )
    return "".join(str(d) for d in sorted(days))


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
        from bot.agreements import Agreements, Problem

        if await services.programme(program) is None:
            raise fail(f"there is no programme {program}; see `mentorbot program list`")
        agreements = Agreements(
            services.db, services.clock, default_language=settings.default_language
        )
        version = await agreements.set_agreement_text(program, text)
        if isinstance(version, Problem):
            raise fail("the agreement text must be 1 to 3000 characters")
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
) -> None:
    """Print invite links (one per person; each works once)."""
    chosen = _role(role)

    async def work(services: Services, settings: Settings) -> None:
        if await services.programme(program) is None:
            raise fail(f"there is no programme {program}; see `mentorbot program list`")
        username = await _bot_username(settings)
        links = [
            invite_link(username, t) for t in await services.create_invites(program, chosen, count)
        ]
        for link in links:
            typer.echo(link)
        if qr is not None:
            for path in _write_qr(links, qr, chosen):
                typer.echo(f"QR code: {path}", err=True)

    _run(work)


@app.command()
def people(
    program: Annotated[int, typer.Option("--program", help="Programme id.")],
) -> None:
    """List a programme's people with their ids (for `mentorbot pair`)."""

    async def work(services: Services, _settings: Settings) -> None:
        for role in (Role.COORDINATOR, Role.MENTOR, Role.ADEPT):
            for person in await services.members(program, role):
                typer.echo(f"{person.id}\t{role.value}\t{person.first_name}")

    _run(work)


@app.command()
def pair(
    program: Annotated[int, typer.Option("--program", help="Programme id.")],
    mentor: Annotated[int, typer.Argument(help="The mentor's person id (see `people`).")],
    adept: Annotated[int, typer.Argument(help="The adept's person id.")],
) -> None:
    """Pair a mentor with an adept; both get an introduction."""

    async def work(services: Services, _settings: Settings) -> None:
        outcome = await services.create_pair(None, program, mentor, adept)
        if outcome.problem is not None or outcome.view is None:
            reasons = {
                PairProblem.NOT_ALLOWED: f"there is no programme {program}",
                PairProblem.NOT_A_MENTOR: f"person {mentor} is not a mentor in programme {program}",
                PairProblem.NOT_AN_ADEPT: f"person {adept} is not an adept in programme {program}",
                PairProblem.ADEPT_TAKEN: f"person {adept} already has a mentor",
                PairProblem.MENTOR_FULL: f"person {mentor} has no room for another adept",
                PairProblem.NO_COHORT: f"programme {program} has no cohort",
            }
            raise fail(reasons[outcome.problem or PairProblem.NOT_ALLOWED])
        view = outcome.view
        typer.echo(
            f"Pair {view.pair.id}: {view.mentor.first_name} (mentor) + "
            f"{view.adept.first_name} (adept), {view.pair.state.value}"
        )

    _run(work)


@app.command()
def pairs(program: Annotated[int, typer.Option("--program", help="Programme id.")]) -> None:
    """List a programme's pairs with their state."""

    async def work(services: Services, _settings: Settings) -> None:
        for view in await services.pairs(None, [program]):
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
    """Run one scheduler tick: queue what is due, then send what is due."""
    moment = _moment(now)
    clock: Clock = FixedClock(moment) if moment else SystemClock()

    async def work(services: Services, settings: Settings) -> None:
        from bot.domain.model import OutboxStatus
        from bot.scheduler import tick
        from bot.wiring import build_core

        core = build_core(
            services.db,
            services.clock,
            default_language=settings.default_language,
            invite_ttl_days=settings.invite_ttl_days,
            retention_months=settings.retention_months,
        )
        report = await tick(core, dry_run=dry_run)
        for message in report.planned:
            typer.echo(f"due\t{message.idempotency_key}\tchat {message.chat_id}\t{message.kind}")
        if dry_run:
            async with services.unit() as repo:
                waiting = await repo.outbox_items(statuses=[OutboxStatus.PENDING])
            for item in waiting:
                if item.not_before <= services.clock.now():
                    typer.echo(f"queued\t{item.idempotency_key}\tchat {item.chat_id}\t{item.kind}")
            typer.echo("dry run: nothing was queued or sent")
            return
        from telegram.ext import ExtBot

        from bot.delivery import DeliveryWorker
        from bot.ratelimit import build_rate_limiter

        # The same limiter as the running bot: on PostgreSQL it shares their budget.
        limiter = build_rate_limiter(settings.rate_limit_backend, services.db)
        async with ExtBot(
            settings.require_token(),
            base_url=settings.telegram_api_base_url,
            rate_limiter=limiter,
        ) as bot:
            delivered = await DeliveryWorker(services.db, bot, services.clock).deliver_due()
        typer.echo(
            f"queued {report.queued}, sent {delivered.sent}, retried {delivered.retried}, "
            f"failed {delivered.failed + delivered.unreachable}, uncertain {delivered.uncertain}"
        )

    try:
        _run(work, clock=clock)
    except ConfigError as error:
        raise fail(str(error)) from None


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
        from bot.privacy import Privacy

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


def _safe_url(url: str) -> str:
    if "@" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://…@{rest.split('@', 1)[1]}"
    return url


def _date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise fail(f"{option} must be a date like 2026-01-31") from None


def _moment(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise fail(
            "--now must be an ISO time like 2026-03-02T09:30 or 2026-03-02T09:30+01:00"
        ) from None


def main() -> None:
    try:
        app()
    except ConfigError as error:
        typer.echo(f"mentorbot: {error}", err=True)
        sys.exit(2)
