"""Button data: short, versioned by prefix, parsed and validated as untrusted input.

Telegram allows 64 bytes of callback data; every shape here stays far below.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_CALLBACK_BYTES = 64

_SHAPES: dict[str, re.Pattern[str]] = {
    "cs": re.compile(r"^cs:(?P<answer>[yn])$"),
    "in": re.compile(r"^in:(?P<key>[a-z_]{1,16}):(?P<option>[a-z0-9_]{1,16})$"),
    "pf": re.compile(r"^pf:(?P<role>mentor|adept):(?P<key>[a-z_]{1,16})$"),
    "lg": re.compile(r"^lg:(?P<language>nb|en)$"),
    "iv": re.compile(r"^iv:(?P<role>mentor|adept|coordinator):(?P<programme>\d{1,10})$"),
    "pp": re.compile(r"^pp:(?P<programme>\d{1,10})$"),
    "pm": re.compile(r"^pm:(?P<programme>\d{1,10}):(?P<mentor>\d{1,12})$"),
    "pa": re.compile(r"^pa:(?P<programme>\d{1,10}):(?P<mentor>\d{1,12}):(?P<adept>\d{1,12})$"),
}


@dataclass(frozen=True)
class Callback:
    action: str
    values: dict[str, str]

    def int(self, name: str) -> int:
        return int(self.values[name])


def parse(data: str | None) -> Callback | None:
    """The button's meaning, or None for anything we did not make."""
    if not data or len(data.encode("utf-8")) > MAX_CALLBACK_BYTES:
        return None
    action = data.split(":", 1)[0]
    shape = _SHAPES.get(action)
    match = shape.match(data) if shape else None
    return Callback(action, match.groupdict()) if match else None


def build(action: str, *values: object) -> str:
    data = ":".join([action, *(str(v) for v in values)])
    if parse(data) is None:
        raise ValueError(f"callback data {data!r} does not fit its own shape")
    return data
