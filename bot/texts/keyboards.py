"""How buttons are laid out: one rule for every keyboard the bot sends.

Buttons whose labels do not fit side by side on a phone are cut off there ("Skriv en
norsk C…"), so a row whose labels together are longer than `ROW_CHARS` is split into
one button per row. Handlers build their keyboards through `handlers.render.markup` and
`rows`, messages from the outbox pass `fit_markup` in the delivery worker.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

ROW_CHARS = 30  # about what a phone shows across one row of buttons
LABEL_CHARS = 24  # a longer label (an adept's own goal) is shortened on its button

B = TypeVar("B")


def fit(rows: Sequence[Sequence[B]], label: Callable[[B], str]) -> list[list[B]]:
    """The rows as given, except that a row too long for a phone goes one per row."""
    laid_out: list[list[B]] = []
    for row in rows:
        if len(row) > 1 and sum(len(label(button)) for button in row) > ROW_CHARS:
            laid_out.extend([button] for button in row)
        elif row:
            laid_out.append(list(row))
    return laid_out


def fit_markup(markup: dict[str, Any]) -> dict[str, Any]:
    """An inline keyboard as Telegram's JSON (the outbox keeps it so), laid out by `fit`."""
    rows = markup.get("inline_keyboard")
    if not rows:
        return markup
    return {**markup, "inline_keyboard": fit(rows, lambda button: str(button.get("text", "")))}


def short_label(text: str) -> str:
    """A label cut to fit one button, with «…» where it was cut."""
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1].rstrip() + "…"
