"""Tests for bot.domain.roster: headers in Norwegian and English, each row checked, and
problems reported with the line number the spreadsheet shows."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.model import Role
from bot.domain.roster import (
    FileProblem,
    RowProblem,
    RowProblemKind,
    age_band,
    check,
    fold,
)

NB_HEADER = ["Navn", "Rolle", "Telefon", "Fag", "Ønsker hjelp med", "Språk", "Kjønn", "Alder"]
EN_HEADER = ["Name", "Role", "E-mail", "Field", "Help", "Languages", "Gender", "Age band"]


def test_norwegian_headers_and_values() -> None:
    checked = check(
        [
            [*NB_HEADER, "Ønsket kjønn", "Kapasitet", "Mål"],
            [
                "Kari Nordmann",
                "Mentor",
                "912",
                "Sykepleier",
                "CV, nettverk",
                "norsk; arabisk",
                "K",
                "45",
                "",
                "2",
                "",
            ],
            [
                "Ali Hassan",
                "deltaker",
                "",
                "Sykepleie",
                "CV og søknader",
                "Arabisk, amharisk",
                "mann",
                "30–39",
                "kvinne",
                "",
                "Jobb som sykepleier",
            ],
        ]
    )
    assert checked.ok and checked.layout is not None
    assert checked.layout.language == "nb"
    kari, ali = checked.entries
    assert (kari.line, kari.name, kari.role, kari.contact) == (
        2,
        "Kari Nordmann",
        Role.MENTOR,
        "912",
    )
    assert kari.answers == {
        "field": "Sykepleier",
        "offers": ["cv", "network"],
        "languages": ["no", "ar"],
        "gender": "f",
        "age": "40-49",
        "capacity": "2",
    }
    assert ali.role is Role.ADEPT
    assert ali.answers == {
        "field": "Sykepleie",
        "goals": "Jobb som sykepleier",
        "help": ["cv"],
        "languages": ["ar", "amharisk"],
        "gender": "m",
        "age": "30-39",
        "wants_gender": "f",
    }


def test_english_headers_and_unknown_columns_are_listed() -> None:
    checked = check(
        [
            ["", "", ""],  # a blank first row is skipped: the header is on line 2
            [*EN_HEADER, "Notes"],
            ["Ola", "mentor", "ola@example.org", "IT", "career", "English", "", "", "shy"],
        ]
    )
    assert checked.ok and checked.layout is not None
    assert checked.layout.language == "en" and checked.layout.header_line == 2
    assert checked.layout.ignored == ("Notes",)
    [ola] = checked.entries
    assert ola.line == 3 and ola.answers["languages"] == ["en"]


def test_every_bad_row_is_reported_with_its_line() -> None:
    checked = check(
        [
            EN_HEADER,
            ["Ola", "mentor"],
            ["", "adept"],
            ["Amina", "boss"],
            ["Per", ""],
            ["Sara", "adept", "", "", "", "", "", "12"],
            ["Lina", "adept", "", "", "", "", "dunno"],
            [],
            ["ola", "Mentor"],
            ["Omar", "adept", "", "x" * 301],
        ]
    )
    assert not checked.ok
    assert checked.problems == (
        RowProblem(3, RowProblemKind.MISSING_NAME),
        RowProblem(4, RowProblemKind.UNKNOWN_ROLE, "boss"),
        RowProblem(5, RowProblemKind.MISSING_ROLE),
        RowProblem(6, RowProblemKind.BAD_AGE, "12"),
        RowProblem(7, RowProblemKind.BAD_GENDER, "dunno"),
        RowProblem(9, RowProblemKind.DUPLICATE, "2"),
        RowProblem(10, RowProblemKind.TOO_LONG, "field"),
    )


def test_same_name_with_different_phones_is_two_people() -> None:
    checked = check(
        [
            NB_HEADER,
            ["Ali", "adept", "900"],
            ["Ali", "adept", "901"],
            ["Ali", "mentor", "900"],
        ]
    )
    assert checked.ok and len(checked.entries) == 3


def test_already_imported_people_are_refused() -> None:
    checked = check(
        [NB_HEADER, ["Ali  Hassan", "adept"]], already_imported=[(fold("ali hassan"), Role.ADEPT)]
    )
    assert checked.problems == (RowProblem(2, RowProblemKind.ALREADY_IMPORTED, "Ali Hassan"),)


@pytest.mark.parametrize(
    ("rows", "problem"),
    [
        ([], FileProblem.EMPTY),
        ([["", ""]], FileProblem.EMPTY),
        ([NB_HEADER], FileProblem.EMPTY),
        ([["Rolle", "Fag"], ["mentor", "IT"]], FileProblem.NO_NAME_COLUMN),
        ([["Navn", "Fag"], ["Ola", "IT"]], FileProblem.NO_ROLE_COLUMN),
        ([["Navn", "Name", "Rolle"], ["Ola", "Ola", "mentor"]], FileProblem.DOUBLE_COLUMN),
    ],
)
def test_file_problems(rows: list[list[str]], problem: FileProblem) -> None:
    checked = check(rows)
    assert checked.file_problem is problem and not checked.ok and not checked.entries


def test_capacity_is_checked_for_mentors_only() -> None:
    header = ["name", "role", "capacity"]
    assert check([header, ["Ola", "mentor", "11"]]).problems == (
        RowProblem(2, RowProblemKind.BAD_CAPACITY, "11"),
    )
    assert check([header, ["Ola", "mentor", "3.0"]]).entries[0].answers == {"capacity": "3"}
    assert check([header, ["Amina", "adept", "lots"]]).entries[0].answers == {}


@pytest.mark.parametrize(
    ("text", "band"),
    [
        ("18-29", "18-29"),
        ("30 – 39", "30-39"),
        ("3039", "30-39"),
        ("60+", "60+"),
        ("45", "40-49"),
        ("59 år", "50-59"),
        ("72", "60+"),
        ("17", None),
        ("10-20", None),
        ("old", None),
        ("", None),
    ],
)
def test_age_bands(text: str, band: str | None) -> None:
    assert age_band(text) == band


@given(st.lists(st.lists(st.text(max_size=12), max_size=6), max_size=8))
def test_any_table_gives_entries_or_problems_never_an_error(rows: list[list[str]]) -> None:
    checked = check(rows)
    lines = {entry.line for entry in checked.entries} | {p.line for p in checked.problems}
    assert all(1 <= line <= len(rows) for line in lines)
    if checked.ok:
        assert all(
            entry.name and entry.role in (Role.MENTOR, Role.ADEPT) for entry in checked.entries
        )


def test_a_sheet_takes_the_role_words_invite_takes() -> None:
    """«veileder» or «supervisor» in a sheet is a mentor as after /invite; a coordinator is
    not imported."""
    checked = check(
        [
            EN_HEADER,
            ["Per", "veileder"],
            ["Sara", "Supervisor"],
            ["Ali", "deltaker"],
            ["Kari", "koordinator"],
        ]
    )
    assert [(e.name, e.role) for e in checked.entries] == [
        ("Per", Role.MENTOR),
        ("Sara", Role.MENTOR),
        ("Ali", Role.ADEPT),
    ]
    assert checked.problems == (RowProblem(5, RowProblemKind.UNKNOWN_ROLE, "koordinator"),)
