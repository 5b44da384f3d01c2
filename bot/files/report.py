"""Writers of the funder's report: a spreadsheet (one sheet per table, typed cells), a zip
of CSV files (one per table), and a PDF with the tables and charts.

The PDF is drawn by matplotlib's `PdfPages` (a real PDF, no extra dependency). Every
writer takes the `Report` the pure `bot.domain.report.build_report` made, and the
language its words are written in.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from enum import StrEnum

from bot.domain.report import Cell, Column, Kind, Label, Report, Table
from bot.runtime.i18n import _, use_language
from bot.texts.common import reworded


class Format(StrEnum):
    XLSX = "xlsx"
    CSV = "csv"
    PDF = "pdf"


MEDIA_TYPES = {
    Format.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    Format.CSV: "application/zip",
    Format.PDF: "application/pdf",
}
SUFFIXES = {Format.XLSX: ".xlsx", Format.CSV: ".zip", Format.PDF: ".pdf"}


def render(report: Report, fmt: Format, language: str) -> bytes:
    report = in_role_words(report)
    with use_language(language):
        if fmt is Format.XLSX:
            return write_xlsx(report)
        if fmt is Format.CSV:
            return write_csv_zip(report)
        return write_pdf(report)


def in_role_words(report: Report) -> Report:
    """The report with its own words (message ids) in the programme's role words: a
    programme of supervisors and trainees gets «Supervisors», not «Mentors»."""
    labels = report.role_labels

    def cell(value: Cell) -> Cell:
        return Label(reworded(value, labels)) if isinstance(value, Label) else value

    tables = tuple(
        Table(
            table.key,
            reworded(table.title, labels),
            tuple(Column(reworded(c.label, labels), c.kind) for c in table.columns),
            tuple(tuple(cell(value) for value in row) for row in table.rows),
        )
        for table in report.tables
    )
    scores = {reworded(role, labels): counts for role, counts in report.overall_scores.items()}
    return replace(report, tables=tables, overall_scores=scores)


def _text(cell: Cell) -> Cell:
    """Our own words translated; everything else as it is."""
    return _(cell) if isinstance(cell, Label) else cell


def _plain(cell: Cell) -> str:
    cell = _text(cell)
    if cell is None:
        return ""
    if isinstance(cell, date):
        return cell.isoformat()
    return str(cell)


# the spreadsheet


def _sheet_title(title: str, used: set[str]) -> str:
    cleaned = "".join(ch for ch in title if ch not in "[]:*?/\\")[:31] or "Sheet"
    candidate, number = cleaned, 2
    while candidate.lower() in used:
        suffix = f" {number}"
        candidate = cleaned[: 31 - len(suffix)] + suffix
        number += 1
    used.add(candidate.lower())
    return candidate


def write_xlsx(report: Report) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    used: set[str] = set()
    for table in report.tables:
        sheet = book.create_sheet(_sheet_title(_(table.title), used))
        sheet.append([_(column.label) for column in table.columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append([_text(value) for value in row])
        for index, column in enumerate(table.columns, start=1):
            letter = sheet.cell(row=1, column=index).column_letter
            if column.kind is Kind.DATE or column.kind is Kind.ANY:
                for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                    if isinstance(cell.value, date):
                        cell.number_format = "yyyy-mm-dd"
            width = max(
                [len(_(column.label))] + [len(_plain(row[index - 1])) for row in table.rows]
            )
            sheet.column_dimensions[letter].width = min(60, max(8, width + 2))
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# CSV


def write_csv_zip(report: Report) -> bytes:
    """One UTF-8 CSV file per table (with a byte-order mark, so spreadsheets read ø and å)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for table in report.tables:
            text = io.StringIO()
            writer = csv.writer(text)
            writer.writerow([_(column.label) for column in table.columns])
            for row in table.rows:
                writer.writerow([_plain(value) for value in row])
            archive.writestr(f"{table.key}.csv", "\ufeff" + text.getvalue())
    return buffer.getvalue()


# PDF

PAGE = (11.69, 8.27)  # A4 landscape, inches
ROWS_PER_PAGE = 34
COLUMNS_PER_PAGE = 9  # wider tables are split: the first column, then the others in groups


def write_pdf(report: Report) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.backends.backend_pdf import PdfPages
    from matplotlib.figure import Figure

    buffer = io.BytesIO()
    heading = report.name
    with PdfPages(buffer, metadata={"Title": _("Report"), "Creator": "mentorbot"}) as pdf:
        for whole in report.tables:
            parts = _narrow(whole)
            chunks = [
                range(i, min(i + ROWS_PER_PAGE, len(whole.rows)))
                for i in range(0, len(whole.rows), ROWS_PER_PAGE)
            ] or [range(0)]
            pages = [(part, rows) for rows in chunks for part in parts]
            for number, (table, rows) in enumerate(pages, start=1):
                figure = Figure(figsize=PAGE)
                title = _(table.title)
                if len(pages) > 1:
                    title = f"{title} ({number}/{len(pages)})"
                figure.suptitle(f"{heading}\n{title}", fontsize=12)
                _draw_table(figure, table, [table.rows[i] for i in rows])
                pdf.savefig(figure)
            if whole.key == "summary":
                pdf.savefig(_charts(report, heading))
    return buffer.getvalue()


def _narrow(table: Table) -> list[Table]:
    """A wide table as several narrower ones that each keep its first column."""
    if len(table.columns) <= COLUMNS_PER_PAGE + 1:
        return [table]
    parts = []
    for start in range(1, len(table.columns), COLUMNS_PER_PAGE):
        wanted = [0, *range(start, min(start + COLUMNS_PER_PAGE, len(table.columns)))]
        parts.append(
            Table(
                table.key,
                table.title,
                tuple(table.columns[i] for i in wanted),
                tuple(tuple(row[i] for i in wanted) for row in table.rows),
            )
        )
    return parts


def _draw_table(figure: object, table: Table, rows: Sequence[tuple[Cell, ...]]) -> None:
    from matplotlib.figure import Figure

    assert isinstance(figure, Figure)
    axes = figure.add_axes((0.03, 0.03, 0.94, 0.85))
    axes.axis("off")
    if not rows:
        axes.text(0.5, 0.5, _("Nothing to show yet."), ha="center", va="center")
        return
    labels = [_wrap(_(column.label), 18) for column in table.columns]
    cells = [[_wrap(_plain(value), 70) for value in row] for row in rows]
    drawn = axes.table(cellText=cells, colLabels=labels, loc="upper center", cellLoc="left")
    drawn.auto_set_font_size(False)
    drawn.set_fontsize(8)
    drawn.auto_set_column_width(list(range(len(table.columns))))
    for (row, _column), cell in drawn.get_celld().items():
        if row == 0:
            cell.set_text_props(weight="bold")
            cell.set_height(cell.get_height() * 2.2)


def _wrap(text: str, width: int) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width)) if len(text) > width else text


def _charts(report: Report, heading: str) -> object:
    from matplotlib.figure import Figure

    figure = Figure(figsize=PAGE)
    figure.suptitle(heading, fontsize=12)
    meetings, scores, outcomes = figure.subplots(1, 3)
    labels = [label for label, _confirmed, _one in report.meetings_per_pair]
    confirmed = [c for _label, c, _one in report.meetings_per_pair]
    one_sided = [o for _label, _c, o in report.meetings_per_pair]
    meetings.bar(labels, confirmed, label=_("confirmed"))
    meetings.bar(labels, one_sided, bottom=confirmed, label=_("one-sided"))
    meetings.set_title(_("Meetings per pair"))
    meetings.set_xlabel(_("Pair"))
    meetings.legend()
    width = 0.4
    for offset, (role, counts) in enumerate(report.overall_scores.items()):
        scores.bar(
            [n + (offset - 0.5) * width for n in range(1, 6)],
            counts,
            width=width,
            label=_(role),
        )
    scores.set_title(_("Overall score (1-5)"))
    scores.set_xticks(range(1, 6))
    scores.legend()
    kinds = [_(kind) for kind, _count in report.outcomes]
    outcomes.bar(kinds, [count for _kind, count in report.outcomes])
    outcomes.set_title(_("Outcomes (pairs)"))
    for axes in (meetings, scores, outcomes):
        axes.set_ylim(0, max(1.0, axes.get_ylim()[1]))
        axes.yaxis.get_major_locator().set_params(integer=True)
    figure.tight_layout(rect=(0, 0, 1, 0.93))
    return figure
