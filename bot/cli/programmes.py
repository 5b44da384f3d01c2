"""Command line for setting programmes up: presets, cohorts (intakes and regions),
learning groups and gatherings. Registered on the main `mentorbot` app by bot/cli/main.py."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated

import typer

from bot.cli.support import _date, _run, audience_word, fail
from bot.domain import policy
from bot.domain.gatherings import Audience, GatheringKind
from bot.domain.invites import invite_link
from bot.domain.model import Role
from bot.domain.programmes import Preset
from bot.domain.programmes import preset as find_preset
from bot.runtime.config import Settings
from bot.usecases.joining import Services

cohort_app = typer.Typer(
    help="Cohorts: intakes of a programme, or its regions.", no_args_is_help=True
)
group_app = typer.Typer(help="Learning groups of participants.", no_args_is_help=True)
gathering_app = typer.Typer(
    help="Gatherings (samlinger): kick-off, training, closing.", no_args_is_help=True
)


# `--for` in a programme's role words too (Podium's supervisors and trainees).
AUDIENCE_WORDS = {"supervisors": "mentors", "trainees": "adepts"}


def register(app: typer.Typer) -> None:
    app.add_typer(cohort_app, name="cohort")
    app.add_typer(group_app, name="group")
    app.add_typer(gathering_app, name="gathering")


async def create_with_preset(
    services: Services,
    username: str,
    preset: Preset,
    name: str,
    zone: str,
    language: str,
    starts_on: date | None,
    ends_on: date | None,
) -> None:
    from bot.usecases.programmes import Programmes

    set_up = await Programmes(services.db, services.clock).create(
        name=name,
        timezone=zone,
        language=language,
        preset=preset,
        starts_on=starts_on,
        ends_on=ends_on,
    )
    programme = set_up.programme
    typer.echo(f"Programme {programme.id}: {programme.name} ({zone}, {language})")
    typer.echo(
        f"Preset {preset.key}: cadence {programme.cadence}, {preset.months} months, "
        f"roles {programme.role_labels}, outcomes {','.join(programme.outcomes)}, "
        f"{set_up.gatherings} gatherings planned"
    )
    for cohort in set_up.cohorts:
        [token] = await services.create_invites(programme.id, Role.COORDINATOR, cohort_id=cohort.id)
        typer.echo(f"Cohort {cohort.id}: {cohort.name}, {cohort.starts_on} – {cohort.ends_on}")
        typer.echo(f"  coordinator invite link (works once): {invite_link(username, token)}")


@cohort_app.command("create")
def cohort_create(
    program: Annotated[int, typer.Option("--program", help="Programme id.")],
    name: Annotated[str, typer.Option("--name", help="e.g. «Rogaland 2027».")],
    starts: Annotated[str, typer.Option("--starts", help="First day, YYYY-MM-DD.")],
    ends: Annotated[
        str | None, typer.Option("--ends", help="Last day; default from the programme's preset.")
    ] = None,
) -> None:
    """Add a cohort (the next intake, or a region) with the preset's gatherings."""
    first_day = _date(starts, "--starts")
    last_day = _date(ends, "--ends")
    assert first_day is not None
    if last_day is not None and last_day <= first_day:
        raise fail("--ends must be after --starts")
    if not name.strip():
        raise fail("--name cannot be empty")

    async def work(services: Services, _settings: Settings) -> None:
        from bot.usecases.programmes import Programmes

        programme = await services.programme(program)
        if programme is None:
            raise fail(f"there is no programme {program}; see `mentorbot program list`")
        preset = find_preset(programme.preset) if programme.preset else None
        made = await Programmes(services.db, services.clock).add_cohort(
            program, name=name, starts_on=first_day, ends_on=last_day, preset=preset
        )
        assert made is not None
        cohort, planned = made
        typer.echo(
            f"Cohort {cohort.id}: {cohort.name}, {cohort.starts_on} – {cohort.ends_on}, "
            f"{planned} gatherings planned"
        )

    _run(work)


@cohort_app.command("list")
def cohort_list(program: Annotated[int, typer.Option("--program", help="Programme id.")]) -> None:
    """A programme's cohorts with ids and dates."""

    async def work(services: Services, _settings: Settings) -> None:
        async with services.db.unit() as uow:
            for cohort in await uow.programmes.cohorts(program):
                typer.echo(f"{cohort.id}\t{cohort.name}\t{cohort.starts_on}\t{cohort.ends_on}")

    _run(work)


@group_app.command("set")
def group_set(
    program: Annotated[int, typer.Option("--program", help="Programme id.")],
    people: Annotated[list[int], typer.Argument(help="Person ids (see `mentorbot people`).")],
    name: Annotated[
        str | None, typer.Option("--name", help="The learning group, e.g. «Gruppe A».")
    ] = None,
    clear: Annotated[bool, typer.Option("--clear", help="Take them out of their group.")] = False,
) -> None:
    """Put participants into a learning group (gatherings can be for one group)."""
    if (name is None or not name.strip()) and not clear:
        raise fail("give --name NAME, or --clear")
    group = None if clear else " ".join((name or "").split())[:64]

    async def work(services: Services, _settings: Settings) -> None:
        from bot.usecases.programmes import Programmes

        if await services.programme(program) is None:
            raise fail(f"there is no programme {program}; see `mentorbot program list`")
        changed = await Programmes(services.db, services.clock).set_learning_group(
            program, list(people), group
        )
        if changed == 0:
            raise fail(f"none of these people is a mentor or adept in programme {program}")
        typer.echo(f"{changed} people now in {group!r}" if group else f"{changed} people cleared")

    _run(work)


def _moment(text: str) -> tuple[date, time]:
    try:
        moment = datetime.fromisoformat(text.strip().replace(" ", "T", 1))
    except ValueError:
        raise fail('--at must look like "2026-05-04 18:00" (the programme\'s local time)') from None
    if moment.tzinfo is not None:
        raise fail("--at is the programme's local time; leave out the offset")
    return moment.date(), moment.time().replace(second=0, microsecond=0)


@gathering_app.command("create")
def gathering_create(
    program: Annotated[int, typer.Option("--program", help="Programme id.")],
    title: Annotated[str, typer.Option("--title", help="e.g. «Kick-off».")],
    at: Annotated[str, typer.Option("--at", help='Local time, e.g. "2026-05-04 18:00".')],
    audience: Annotated[
        str,
        typer.Option("--for", help="mentors (supervisors), adepts (trainees) or all."),
    ],
    place: Annotated[
        str | None, typer.Option("--place", help="A place or a link; may come later.")
    ] = None,
    cohort: Annotated[int | None, typer.Option("--cohort", help="Only this cohort.")] = None,
    group: Annotated[str | None, typer.Option("--group", help="Only this learning group.")] = None,
    kind: Annotated[
        str, typer.Option("--kind", help="kickoff, training, introduction, closing or other.")
    ] = "other",
) -> None:
    """Make a gathering; participants are invited when it is near (or at once)."""
    from bot.usecases.gatherings import GatheringProblem, Gatherings
    from bot.usecases.refusal import Refusal

    try:
        word = audience.strip().lower()
        chosen_audience = Audience(AUDIENCE_WORDS.get(word, word))
    except ValueError:
        raise fail("--for must be mentors, adepts or all") from None
    try:
        chosen_kind = GatheringKind(kind.strip().lower())
    except ValueError:
        raise fail("--kind must be kickoff, training, introduction, closing or other") from None
    day, clock_time = _moment(at)

    async def work(services: Services, settings: Settings) -> None:
        outcome = await Gatherings(
            services.db, services.clock, default_language=settings.default_language
        ).create(
            None,
            program,
            title=title,
            starts_on=day,
            starts_at=clock_time,
            place=place,
            audience=chosen_audience,
            cohort_id=cohort,
            learning_group=group,
            kind=chosen_kind,
        )
        if isinstance(outcome, Refusal):
            reasons = {
                GatheringProblem.NO_PROGRAMME: f"there is no programme {program}",
                GatheringProblem.NO_COHORT: f"programme {program} has no cohort {cohort}",
                GatheringProblem.BAD_TITLE: f"--title must be 1 to {policy.MAX_TITLE} characters",
                GatheringProblem.BAD_PLACE: f"--place must be at most {policy.MAX_PLACE} characters",
                GatheringProblem.IN_THE_PAST: "--at is in the past",
            }
            raise fail(reasons.get(outcome.problem, outcome.problem.value))
        g = outcome.gathering
        local = outcome.programme.rules.local(g.starts_at)
        typer.echo(
            f"Gathering {g.id}: {g.title}, {local:%Y-%m-%d %H:%M} ({outcome.programme.timezone}), "
            f"for {audience_word(g.audience.value, outcome.programme.role_labels)}; "
            f"{outcome.invited} invited now"
        )

    _run(work)


@gathering_app.command("list")
def gathering_list(
    program: Annotated[int, typer.Option("--program", help="Programme id.")],
    days_back: Annotated[
        int, typer.Option("--days-back", min=0, help="Also gatherings this many days ago.")
    ] = policy.GATHERINGS_RECENT.days,
) -> None:
    """Gatherings with who comes, who does not and who has not answered."""

    async def work(services: Services, _settings: Settings) -> None:
        programme = await services.programme(program)
        if programme is None:
            raise fail(f"there is no programme {program}; see `mentorbot program list`")
        since = services.clock.now() - timedelta(days=days_back)
        async with services.db.unit() as uow:
            items = await uow.gatherings.gathering_attendance(program, since)
        for item in items:
            g = item.gathering
            local = programme.rules.local(g.starts_at)
            typer.echo(
                f"{g.id}\t{local:%Y-%m-%d %H:%M}\t{g.title}\t"
                f"{audience_word(g.audience.value, programme.role_labels)}\t"
                f"yes {len(item.coming)}\tno {len(item.not_coming)}\t"
                f"no answer {len(item.no_answer)}"
            )
            for label, people in (
                ("yes", item.coming),
                ("no", item.not_coming),
                ("no answer", item.no_answer),
            ):
                if people:
                    typer.echo(f"\t{label}: {', '.join(p.first_name for p in people)}")

    _run(work)


@gathering_app.command("set")
def gathering_set(
    gathering: Annotated[int, typer.Argument(help="Gathering id.")],
    title: Annotated[str | None, typer.Option("--title")] = None,
    place: Annotated[str | None, typer.Option("--place", help="A place or a link.")] = None,
    at: Annotated[str | None, typer.Option("--at", help='Local time, "2026-05-04 18:00".')] = None,
) -> None:
    """Change a gathering (e.g. the place a preset left open); reminders show the change."""
    from bot.domain.gatherings import check_place, check_title

    values: dict[str, object] = {}
    if title is not None:
        if (clean := check_title(title)) is None:
            raise fail(f"--title must be 1 to {policy.MAX_TITLE} characters")
        values["title"] = clean
    if place is not None:
        if (clean := check_place(place)) is None:
            raise fail(f"--place must be 1 to {policy.MAX_PLACE} characters")
        values["place"] = clean
    moment = _moment(at) if at is not None else None
    if not values and moment is None:
        raise fail("nothing to change; see `mentorbot gathering set --help`")

    async def work(services: Services, _settings: Settings) -> None:
        async with services.db.unit() as uow:
            found = await uow.gatherings.gathering(gathering)
            programme = await uow.programmes.programme(found.programme_id) if found else None
            if found is None or found.cancelled or programme is None:
                raise fail(f"there is no open gathering {gathering}")
            if moment is not None:
                starts_at = programme.rules.at(*moment)
                if starts_at <= services.clock.now():
                    raise fail("--at is in the past")
                values["starts_at"] = starts_at
            await uow.gatherings.update_gathering(gathering, **values)
        changed = ", ".join(sorted(values))
        typer.echo(f"Gathering {gathering}: {changed} changed")

    _run(work)


@gathering_app.command("cancel")
def gathering_cancel(gathering: Annotated[int, typer.Argument(help="Gathering id.")]) -> None:
    """Cancel a gathering: no more invitations or reminders; who said yes or has not
    answered is told."""
    from bot.usecases.gatherings import Gatherings

    async def work(services: Services, settings: Settings) -> None:
        done = await Gatherings(
            services.db, services.clock, default_language=settings.default_language
        ).cancel(gathering)
        if done is None:
            raise fail(f"there is no open gathering {gathering}")
        typer.echo(f"Gathering {gathering} cancelled; {done.told} people told")

    _run(work)
