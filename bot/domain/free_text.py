"""Free text as people type it: cleaned once where it enters, and the longest each kind may be.

Telegram passes on whatever a client sends, NUL and other control characters included;
PostgreSQL refuses NUL in a text column, and control characters have no business in a
note or a spreadsheet. So every string in an update is cleaned before any handler sees it
(newline and tab are kept: people write lines and lists).
"""

from __future__ import annotations

import re
from typing import Any

# Unicode's control characters (category Cc) but newline and tab.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean(text: str) -> str:
    """`text` without control characters other than newline and tab."""
    return _CONTROL.sub("", text)


def clean_json(value: Any) -> Any:
    """Every string in a parsed JSON value (keys too) cleaned; everything else as it was."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, dict):
        return {clean_json(key): clean_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [clean_json(item) for item in value]
    return value
