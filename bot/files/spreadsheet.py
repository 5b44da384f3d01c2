"""Reading a participant list from .csv or .xlsx, and writing it back with one more column.

CSV files from Norwegian Excel often use «;» and the Windows code page; both are handled.
The copy written back keeps the original's rows, delimiter and (for .xlsx) formatting.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from bot.domain.free_text import clean

SUFFIXES = (".csv", ".xlsx")


class SpreadsheetError(Exception):
    """The file cannot be read as a table; the message says why, for the coordinator."""


@dataclass(frozen=True)
class Table:
    path: Path
    rows: list[list[str]]
    delimiter: str = ","


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def read_table(path: Path) -> Table:
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise SpreadsheetError(f"{path.name}: use a .csv or .xlsx file")
    try:
        table = _read_csv(path) if suffix == ".csv" else _read_xlsx(path)
    except OSError as error:
        raise SpreadsheetError(f"cannot read {path}: {error.strerror or error}") from None
    # A spreadsheet is free text from outside, like a message: cleaned where it enters.
    return Table(table.path, [[clean(cell) for cell in row] for row in table.rows], table.delimiter)


def _read_csv(path: Path) -> Table:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel on Windows saves "CSV" in the ANSI code page (æ, ø, å as single bytes).
        text = raw.decode("cp1252", errors="replace")
    sample = text[:4096]
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = ";" if sample.count(";") > sample.count(",") else ","
    rows = [list(row) for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    return Table(path, rows, delimiter)


def _read_xlsx(path: Path) -> Table:
    from zipfile import BadZipFile

    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (BadZipFile, KeyError, ValueError) as error:
        raise SpreadsheetError(f"{path.name} is not an .xlsx workbook ({error})") from None
    try:
        sheet = workbook.worksheets[0]
        rows = [
            [_cell_text(value) for value in row]
            for row in sheet.iter_rows(min_row=1, min_col=1, values_only=True)
        ]
    finally:
        workbook.close()
    return Table(path, rows)


def output_path(source: Path) -> Path:
    """people.csv → people.invites.csv, next to the input."""
    return source.with_name(f"{source.stem}.invites{source.suffix.lower()}")


def write_with_column(
    table: Table, out: Path, header_line: int, header: str, values: Mapping[int, str]
) -> None:
    """A copy of `table` with one more column: `header` on `header_line`, and values by line
    number (1-based, as the spreadsheet shows them)."""
    if table.path.suffix.lower() == ".xlsx":
        _write_xlsx(table.path, out, header_line, header, values)
        return
    width = max((len(row) for row in table.rows), default=0)
    lines: list[Sequence[str]] = []
    for number, row in enumerate(table.rows, start=1):
        padded = [*row, *([""] * (width - len(row)))]
        if number == header_line:
            lines.append([*padded, header])
        elif number in values:
            lines.append([*padded, values[number]])
        else:
            lines.append(row)
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=table.delimiter).writerows(lines)
    # With a byte-order mark Excel reads the file as UTF-8 (æ, ø, å and every script).
    out.write_text(buffer.getvalue(), encoding="utf-8-sig", newline="")


def _write_xlsx(
    source: Path, out: Path, header_line: int, header: str, values: Mapping[int, str]
) -> None:
    import openpyxl

    workbook = openpyxl.load_workbook(source)
    sheet = workbook.worksheets[0]
    column = sheet.max_column + 1
    sheet.cell(row=header_line, column=column, value=header)
    for line, value in values.items():
        cell = sheet.cell(row=line, column=column, value=value)
        cell.hyperlink = value
    workbook.save(out)
