"""`mentorbot invite`, `import` and `people`: bringing people into a programme."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bot.cli.support import _bot_username, _run, fail, pairing_of
from bot.domain import policy
from bot.domain.invites import invite_link
from bot.domain.model import Role
from bot.runtime.config import Settings
from bot.usecases.joining import Services


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


def people(
    program: Annotated[int, typer.Option("--program", help="Programme id.")],
) -> None:
    """List a programme's people with their ids (for `mentorbot pair`)."""

    async def work(services: Services, settings: Settings) -> None:
        for role in (Role.COORDINATOR, Role.MENTOR, Role.ADEPT):
            for person in await pairing_of(services, settings).members(program, role):
                typer.echo(f"{person.id}\t{role.value}\t{person.first_name}")

    _run(work)
