"""Where free text enters from Telegram: updates are cleaned (bot.domain.free_text) before
PTB builds its objects, for polling (the getUpdates answer) and the webhook alike."""

from __future__ import annotations

from typing import Any

from telegram.request import HTTPXRequest

from bot.domain.free_text import clean_json

# A control character in a JSON string is always escaped (\u0000 … \u001f) or, for DEL and
# the C1 range, written as itself (UTF-8 \x7f, \xc2\x80 … \xc2\x9f); a body with neither
# needs no walk.
_MARKERS = (b"\\u00", b"\x7f", b"\xc2")


def clean_update(data: Any) -> Any:
    """A parsed update with every string cleaned."""
    return clean_json(data)


class CleanTextRequest(HTTPXRequest):
    """PTB's HTTP client for getUpdates, whose parsed answers carry cleaned text."""

    @staticmethod
    def parse_json_payload(payload: bytes) -> dict[str, Any]:
        parsed = HTTPXRequest.parse_json_payload(payload)
        if any(marker in payload for marker in _MARKERS):
            cleaned: dict[str, Any] = clean_json(parsed)
            return cleaned
        return parsed
