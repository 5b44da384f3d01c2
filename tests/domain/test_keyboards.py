"""The one rule for laying out buttons: a row too long for a phone goes one per row."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from bot.texts.keyboards import LABEL_CHARS, ROW_CHARS, fit, fit_markup, short_label


def test_short_labels_stay_side_by_side_and_long_ones_go_one_per_row() -> None:
    assert fit([["Ja", "Nei"], ["Hopp over"]], str) == [["Ja", "Nei"], ["Hopp over"]]
    assert fit([["To ganger i måneden", "En gang i måneden", "Annenhver måned"]], str) == [
        ["To ganger i måneden"],
        ["En gang i måneden"],
        ["Annenhver måned"],
    ]
    # Exactly at the limit still fits.
    assert fit([["a" * 15, "b" * 15]], str) == [["a" * 15, "b" * 15]]
    assert fit([["a" * 15, "b" * 16]], str) == [["a" * 15], ["b" * 16]]


def test_the_outbox_keyboards_follow_the_same_rule() -> None:
    markup = {
        "inline_keyboard": [
            [
                {"text": "Ikke ennå", "callback_data": "np:1:later"},
                {"text": "Vi har allerede møttes", "callback_data": "np:1:met"},
            ]
        ]
    }
    assert fit_markup(markup)["inline_keyboard"] == [
        [{"text": "Ikke ennå", "callback_data": "np:1:later"}],
        [{"text": "Vi har allerede møttes", "callback_data": "np:1:met"}],
    ]


def test_a_long_label_is_cut_with_a_mark() -> None:
    assert short_label("Snakke norsk") == "Snakke norsk"
    cut = short_label("Få jobb som sykepleier på et stort sykehus i Oslo")
    assert len(cut) <= LABEL_CHARS and cut.endswith("…")


@given(st.lists(st.lists(st.text(min_size=1, max_size=40), min_size=0, max_size=5), max_size=6))
def test_every_row_fits_and_nothing_is_lost_or_reordered(rows: list[list[str]]) -> None:
    laid_out = fit(rows, str)
    assert [label for row in laid_out for label in row] == [label for row in rows for label in row]
    for row in laid_out:
        assert row
        assert len(row) == 1 or sum(len(label) for label in row) <= ROW_CHARS


def test_every_keyboard_is_built_through_the_rule() -> None:
    """Handlers build keyboards with `handlers.render.markup`/`rows`, and a keyboard kept
    as Telegram's JSON passes `fit_markup`: a keyboard built another way skips the rule."""
    root = Path(__file__).resolve().parents[2]
    bypasses = []
    for folder in ("handlers", "bot"):
        for source in sorted((root / folder).rglob("*.py")):
            for number, line in enumerate(source.read_text().splitlines(), start=1):
                direct = "InlineKeyboardMarkup(" in line and source.name != "render.py"
                unfitted = "InlineKeyboardMarkup.de_json(" in line and "fit_markup(" not in line
                if direct or unfitted:
                    bypasses.append(f"{source.relative_to(root)}:{number}")
    assert bypasses == []
