"""A coordinator's spreadsheet of participants: which column is which (Norwegian or
English headers), and each row checked and turned into intake answers.

Pure: rows of cell texts in, entries or problems with their line numbers out. Every row
is checked before anything is stored, so a file with one bad row imports nothing.
Phone and e-mail are only for the coordinator's own list: they are read so duplicates can
be told apart, written back to the coordinator's file, and never stored.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from bot.domain import intake
from bot.domain.matching import AGE_BANDS
from bot.domain.model import Role
from bot.domain.policy import MAX_CAPACITY, MAX_IMPORT_ROWS, MAX_PERSON_NAME, MAX_TEXT_ANSWER
from bot.domain.roles import WRITTEN_ROLE_WORDS


class Column(StrEnum):
    NAME = "name"
    ROLE = "role"
    PHONE = "phone"
    EMAIL = "email"
    FIELD = "field"
    GOALS = "goals"
    HELP = "help"
    LANGUAGES = "languages"
    GENDER = "gender"
    AGE = "age"
    WANTS_GENDER = "wants_gender"
    WANTS_AGE = "wants_age"
    CAPACITY = "capacity"
    MOTIVATION = "motivation"


# Header spellings, folded (see `fold`): English first, then Norwegian.
HEADERS: dict[Column, tuple[str, ...]] = {
    Column.NAME: ("name", "full name", "navn", "fullt navn", "fornavn"),
    Column.ROLE: ("role", "type", "rolle"),
    Column.PHONE: ("phone", "mobile", "telephone", "telefon", "tlf", "mobil", "telefonnummer"),
    Column.EMAIL: ("email", "e mail", "mail", "e post", "epost"),
    Column.FIELD: ("field", "occupation", "profession", "fag", "fagfelt", "yrke", "bransje"),
    Column.GOALS: ("goals", "goal", "wishes", "mål", "ønsker"),
    Column.HELP: (
        "help",
        "wants help with",
        "offers",
        "can help with",
        "hjelp",
        "ønsker hjelp med",
        "tilbyr",
        "kan hjelpe med",
    ),
    Column.LANGUAGES: ("languages", "language", "språk"),
    Column.GENDER: ("gender", "kjønn"),
    Column.AGE: ("age", "age band", "alder", "aldersgruppe"),
    Column.WANTS_GENDER: (
        "wants gender",
        "preferred gender",
        "mentor gender",
        "ønsket kjønn",
        "ønsker kjønn",
        "kjønn på mentor",
        "mentors kjønn",
    ),
    Column.WANTS_AGE: (
        "wants age",
        "preferred age",
        "mentor age",
        "ønsket alder",
        "ønsker alder",
        "alder på mentor",
        "mentors alder",
    ),
    Column.CAPACITY: ("capacity", "adepts", "kapasitet", "antall adepter"),
    Column.MOTIVATION: ("motivation", "motivasjon"),
}
NORWEGIAN_HEADERS = frozenset(
    {"navn", "fullt navn", "fornavn", "rolle", "telefon", "tlf", "mobil", "fag", "yrke", "språk"}
)
# Written back next to each row; headers in the file's own language.
LINK_HEADER = {"en": "invite link", "nb": "invitasjonslenke"}

GENDER_WORDS = {
    "f": "f",
    "female": "f",
    "woman": "f",
    "w": "f",
    "k": "f",
    "kvinne": "f",
    "dame": "f",
    "m": "m",
    "male": "m",
    "man": "m",
    "mann": "m",
    "x": "x",
    "other": "x",
    "annet": "x",
    "non binary": "x",
    "ikke binær": "x",
}
LANGUAGE_WORDS = {
    **{code: code for code in ("no", "en", "ar", "ti", "so", "uk", "fa", "pl")},
    "nb": "no",
    "norsk": "no",
    "norwegian": "no",
    "engelsk": "en",
    "english": "en",
    "arabisk": "ar",
    "arabic": "ar",
    "tigrinja": "ti",
    "tigrinya": "ti",
    "somali": "so",
    "somalisk": "so",
    "ukrainsk": "uk",
    "ukrainian": "uk",
    "persisk": "fa",
    "persian": "fa",
    "farsi": "fa",
    "dari": "fa",
    "persian dari": "fa",
    "polsk": "pl",
    "polish": "pl",
}
HELP_WORDS = {
    **{option.key: option.key for option in intake.HELP_OPTIONS},
    "cv and applications": "cv",
    "applications": "cv",
    "cv og søknader": "cv",
    "søknad": "cv",
    "søknader": "cv",
    "jobbsøknad": "cv",
    "network and contacts": "network",
    "nettverk": "network",
    "kontakter": "network",
    "working life": "worklife",
    "working life in norway": "worklife",
    "arbeidsliv": "worklife",
    "arbeidslivet i norge": "worklife",
    "norwegian at work": "language",
    "norsk på jobben": "language",
    "norsk på jobb": "language",
    "career choices": "career",
    "karriere": "career",
    "karrierevalg": "career",
}


class FileProblem(StrEnum):
    EMPTY = "empty"
    NO_NAME_COLUMN = "no_name_column"
    NO_ROLE_COLUMN = "no_role_column"
    TOO_MANY_ROWS = "too_many_rows"
    DOUBLE_COLUMN = "double_column"


class RowProblemKind(StrEnum):
    MISSING_NAME = "missing_name"
    NAME_TOO_LONG = "name_too_long"
    MISSING_ROLE = "missing_role"
    UNKNOWN_ROLE = "unknown_role"
    BAD_GENDER = "bad_gender"
    BAD_AGE = "bad_age"
    BAD_CAPACITY = "bad_capacity"
    TOO_LONG = "too_long"
    DUPLICATE = "duplicate"
    ALREADY_IMPORTED = "already_imported"


@dataclass(frozen=True)
class RowProblem:
    line: int
    kind: RowProblemKind
    detail: str = ""  # the value, the column or the other line


@dataclass(frozen=True)
class Entry:
    line: int  # as the spreadsheet shows it: the header is line 1 when it is the first row
    name: str
    role: Role
    contact: str  # phone or e-mail, "" when none; not stored
    answers: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, Role]:
        return fold(self.name), self.role


@dataclass(frozen=True)
class Layout:
    header_line: int
    columns: dict[Column, int]  # column → index in the row
    language: str  # "nb" when the headers are Norwegian
    ignored: tuple[str, ...] = ()  # headers we do not use


@dataclass(frozen=True)
class Checked:
    layout: Layout | None
    entries: tuple[Entry, ...] = ()
    problems: tuple[RowProblem, ...] = ()
    file_problem: FileProblem | None = None
    file_detail: str = ""

    @property
    def ok(self) -> bool:
        return self.file_problem is None and not self.problems


def fold(text: str) -> str:
    """Folded for comparing: case, punctuation and spacing do not matter."""
    return " ".join(re.sub(r"[\s_\-.:/]+", " ", text.casefold()).split())


def _lookup() -> dict[str, Column]:
    table = {}
    for column, spellings in HEADERS.items():
        for spelling in spellings:
            table[fold(spelling)] = column
    return table


_HEADER_LOOKUP = _lookup()


def layout(header: Sequence[str], line: int) -> Layout | tuple[FileProblem, str]:
    columns: dict[Column, int] = {}
    ignored = []
    norwegian = False
    for index, cell in enumerate(header):
        folded = fold(cell)
        column = _HEADER_LOOKUP.get(folded)
        if column is None:
            if folded and folded not in {fold(h) for h in LINK_HEADER.values()}:
                ignored.append(cell.strip())
            continue
        if column in columns:
            return FileProblem.DOUBLE_COLUMN, cell.strip()
        columns[column] = index
        norwegian = norwegian or folded in NORWEGIAN_HEADERS
    if Column.NAME not in columns:
        return FileProblem.NO_NAME_COLUMN, ""
    if Column.ROLE not in columns:
        return FileProblem.NO_ROLE_COLUMN, ""
    return Layout(line, columns, "nb" if norwegian else "en", tuple(ignored))


def _split(value: str) -> list[str]:
    return [part.strip() for part in re.split(r"[,;/\n]+", value) if part.strip()]


def _mapped(value: str, words: dict[str, str]) -> list[str]:
    """Known words become option keys; others are kept as written (like typed answers)."""
    result: list[str] = []
    for part in _split(value):
        key = words.get(fold(part), intake.clean_text(part)[:MAX_TEXT_ANSWER])
        if key and key not in result:
            result.append(key)
    return result


def age_band(value: str) -> str | None:
    """``30-39``, ``30–39``, ``60+`` or an age in years; None when it is neither."""
    text = fold(value).replace("–", " ").replace("—", " ").replace(" ", "")
    compact = text.replace("år", "").replace("years", "")
    for band in AGE_BANDS:
        if compact == band.replace("-", "") or compact == band:
            return band
    joined = re.fullmatch(r"(\d{2})(\d{2})", compact)
    if joined:
        candidate = f"{joined.group(1)}-{joined.group(2)}"
        return candidate if candidate in AGE_BANDS else None
    if compact.isdigit():
        years = int(compact)
        if years < 18 or years > 120:
            return None
        if years >= 60:
            return "60+"
        return next(b for b in AGE_BANDS[:-1] if int(b[:2]) <= years <= int(b[3:]))
    return None


def check(
    rows: Sequence[Sequence[str]],
    *,
    already_imported: Iterable[tuple[str, Role]] = (),
) -> Checked:
    """Checks every row. `rows` are the sheet's rows of cell texts, the first being line 1;
    `already_imported` holds (folded name, role) of people imported before who have not
    joined yet, so running the same file twice does not make two links per person."""
    numbered = [
        (line, row) for line, row in enumerate(rows, start=1) if any(c.strip() for c in row)
    ]
    if not numbered:
        return Checked(None, file_problem=FileProblem.EMPTY)
    header_line, header = numbered[0]
    found = layout(header, header_line)
    if isinstance(found, tuple):
        return Checked(None, file_problem=found[0], file_detail=found[1])
    body = numbered[1:]
    if not body:
        return Checked(found, file_problem=FileProblem.EMPTY)
    if len(body) > MAX_IMPORT_ROWS:
        return Checked(
            found, file_problem=FileProblem.TOO_MANY_ROWS, file_detail=str(MAX_IMPORT_ROWS)
        )
    entries: list[Entry] = []
    problems: list[RowProblem] = []
    seen: dict[tuple[str, Role], list[Entry]] = {}
    before = set(already_imported)
    for line, row in body:
        entry = _entry(found, line, row, problems)
        if entry is None:
            continue
        twin = next(
            (
                other
                for other in seen.get(entry.key, [])
                if not other.contact
                or not entry.contact
                or fold(other.contact) == fold(entry.contact)
            ),
            None,
        )
        if twin is not None:
            problems.append(RowProblem(line, RowProblemKind.DUPLICATE, str(twin.line)))
            continue
        if entry.key in before:
            problems.append(RowProblem(line, RowProblemKind.ALREADY_IMPORTED, entry.name))
            continue
        seen.setdefault(entry.key, []).append(entry)
        entries.append(entry)
    return Checked(found, tuple(entries), tuple(problems))


def _entry(
    found: Layout, line: int, row: Sequence[str], problems: list[RowProblem]
) -> Entry | None:
    def cell(column: Column) -> str:
        index = found.columns.get(column)
        return row[index].strip() if index is not None and index < len(row) else ""

    count = len(problems)
    name = intake.clean_text(cell(Column.NAME))
    if not name:
        problems.append(RowProblem(line, RowProblemKind.MISSING_NAME))
    elif len(name) > MAX_PERSON_NAME:
        problems.append(RowProblem(line, RowProblemKind.NAME_TOO_LONG, str(MAX_PERSON_NAME)))
    role_text = cell(Column.ROLE)
    role = WRITTEN_ROLE_WORDS.get(fold(role_text))
    if role is Role.COORDINATOR:
        role = None  # coordinators are invited one by one, not imported
    if not role_text:
        problems.append(RowProblem(line, RowProblemKind.MISSING_ROLE))
    elif role is None:
        problems.append(RowProblem(line, RowProblemKind.UNKNOWN_ROLE, role_text))
    answers: dict[str, Any] = {}
    for column, key in (
        (Column.FIELD, "field"),
        (Column.GOALS, "goals"),
        (Column.MOTIVATION, "motivation"),
    ):
        text = intake.clean_text(cell(column))
        if len(text) > MAX_TEXT_ANSWER:
            problems.append(RowProblem(line, RowProblemKind.TOO_LONG, column.value))
        elif text and (key != "motivation" or role is Role.MENTOR):
            answers[key] = text
    wishes = _mapped(cell(Column.HELP), HELP_WORDS)
    if wishes:
        answers["offers" if role is Role.MENTOR else "help"] = wishes
    languages = _mapped(cell(Column.LANGUAGES), LANGUAGE_WORDS)
    if languages:
        answers["languages"] = languages
    for column, key, only in (
        (Column.GENDER, "gender", None),
        (Column.WANTS_GENDER, "wants_gender", Role.ADEPT),
    ):
        text = cell(column)
        if not text:
            continue
        gender = GENDER_WORDS.get(fold(text))
        if gender is None:
            problems.append(RowProblem(line, RowProblemKind.BAD_GENDER, text))
        elif only is None or role is only:
            answers[key] = gender
    for column, key, only in (
        (Column.AGE, "age", None),
        (Column.WANTS_AGE, "wants_age", Role.ADEPT),
    ):
        text = cell(column)
        if not text:
            continue
        band = age_band(text)
        if band is None:
            problems.append(RowProblem(line, RowProblemKind.BAD_AGE, text))
        elif only is None or role is only:
            answers[key] = band
    capacity = cell(Column.CAPACITY)
    if capacity and role is Role.MENTOR:
        number = capacity.removesuffix(".0")
        if not number.isdigit() or not 1 <= int(number) <= MAX_CAPACITY:
            problems.append(RowProblem(line, RowProblemKind.BAD_CAPACITY, capacity))
        else:
            answers["capacity"] = str(int(number))
    if len(problems) > count or role is None:
        return None
    contact = cell(Column.PHONE) or cell(Column.EMAIL)
    return Entry(line, name, role, intake.clean_text(contact), answers)
