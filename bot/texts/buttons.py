"""Button data: short, versioned by prefix, parsed and validated as untrusted input.

Telegram allows 64 bytes of callback data; every shape here stays within it (the longest,
``ex:``, can reach 61), and tests check each shape's longest form. Matching is ASCII-only
and whole-string, so no other spelling of the same button is accepted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_CALLBACK_BYTES = 64

_SHAPES: dict[str, re.Pattern[str]] = {
    "cs": re.compile(r"^cs:(?P<answer>[yn])$", re.ASCII),
    "in": re.compile(r"^in:(?P<key>[a-z_]{1,16}):(?P<option>[a-z0-9_]{1,16})$", re.ASCII),
    "pf": re.compile(r"^pf:(?P<role>mentor|adept):(?P<key>[a-z_]{1,16})$", re.ASCII),
    "lg": re.compile(r"^lg:(?P<language>nb|en)$", re.ASCII),
    # a language chosen on the welcome, when joining
    "lw": re.compile(r"^lw:(?P<language>nb|en)$", re.ASCII),
    "iv": re.compile(r"^iv:(?P<role>mentor|adept|coordinator):(?P<programme>\d{1,10})$", re.ASCII),
    "pp": re.compile(r"^pp:(?P<programme>\d{1,10})$", re.ASCII),
    "pm": re.compile(r"^pm:(?P<programme>\d{1,10}):(?P<mentor>\d{1,12})$", re.ASCII),
    "pa": re.compile(
        r"^pa:(?P<programme>\d{1,10}):(?P<mentor>\d{1,12}):(?P<adept>\d{1,12})$", re.ASCII
    ),
    "st": re.compile(r"^st:(?P<pair>\d{1,12})$", re.ASCII),
    # a goal suggestion's key, x<n> for the n-th goal chosen, done or clear
    "gl": re.compile(r"^gl:(?P<pair>\d{1,12}):(?P<option>[a-z_]{1,16}|x\d)$", re.ASCII),
    "ex": re.compile(
        r"^ex:(?P<pair>\d{1,12}):(?P<round>start|recheck):(?P<key>[a-z_]{1,16}):(?P<option>[a-z_]{1,20})$",
        re.ASCII,
    ),
    "np": re.compile(r"^np:(?P<pair>\d{1,12}):(?P<choice>date|later|met)$", re.ASCII),
    "pl": re.compile(r"^pl:(?P<pair>\d{1,12}):(?P<day>\d{8})$", re.ASCII),
    "pc": re.compile(r"^pc:(?P<planned>\d{1,12}):(?P<answer>[yn])$", re.ASCII),
    # «did you meet?» the day after a planned meeting: yes, or no and a new date
    "hm": re.compile(r"^hm:(?P<planned>\d{1,12}):(?P<answer>[yn])$", re.ASCII),
    # logging a meeting: a day at the usual length (q), another length (w), a length (m)
    "ml": re.compile(
        r"^ml:(?P<pair>\d{1,12}):(?P<step>[qwm]):(?P<value>today|yday|other|\d{1,3})$", re.ASCII
    ),
    # the goal a logged meeting worked on, tapped on its receipt
    "mg": re.compile(r"^mg:(?P<meeting>\d{1,12}):(?P<goal>\d{1,2})$", re.ASCII),
    "mc": re.compile(r"^mc:(?P<meeting>\d{1,12}):(?P<answer>[ynd])$", re.ASCII),
    "cp": re.compile(r"^cp:(?P<pair>\d{1,12}):(?P<score>[1-5])$", re.ASCII),
    "ck": re.compile(
        r"^ck:(?P<check_in>\d{1,12}):(?P<step>s|g|gd|h|x):(?P<value>\d{1,2})$", re.ASCII
    ),
    "pz": re.compile(r"^pz:(?P<pair>\d{1,12}):(?P<days>\d{1,3})$", re.ASCII),
    "pr": re.compile(r"^pr:(?P<command>met|plan|status|pause):(?P<pair>\d{1,12})$", re.ASCII),
    "pg": re.compile(r"^pg:(?P<page>\d{1,4})$", re.ASCII),
    "al": re.compile(r"^al:(?P<alert>\d{1,12}):(?P<action>take|snooze|resolve|show)$", re.ASCII),
    "cm": re.compile(r"^cm:(?P<pair>\d{1,12}):(?P<to>mentor|adept|both)$", re.ASCII),
    "ag": re.compile(r"^ag:(?P<pair>\d{1,12})$", re.ASCII),
    # «Answer» under a coordinator's message: the pair and the coordinator who wrote
    "rp": re.compile(r"^rp:(?P<pair>\d{1,12}):(?P<coordinator>\d{1,12})$", re.ASCII),
    # «Send this to the coordinator?» yes or no
    "tc": re.compile(r"^tc:(?P<answer>[yn])$", re.ASCII),
    "ev": re.compile(
        r"^ev:(?P<pair>\d{1,12}):(?P<step>o|g\d{1,2}|oc|ot|r|l|w|c):"
        r"(?P<value>[1-5]|job|education|internship|other|no|unknown|yes|unsure|skip)$",
        re.ASCII,
    ),
    "mp": re.compile(r"^mp:(?P<programme>\d{1,10})$", re.ASCII),
    # a matching suggestion: accept, other mentor, reject, next
    "mt": re.compile(
        r"^mt:(?P<action>[aorn]):(?P<programme>\d{1,10}):(?P<mentor>\d{1,12}):(?P<adept>\d{1,12})$",
        re.ASCII,
    ),
    "gi": re.compile(r"^gi:(?P<gathering>\d{1,12}):(?P<answer>[yn])$", re.ASCII),
    "gw": re.compile(r"^gw:(?P<step>p|a|ok|x):(?P<value>\d{1,10}|mentors|adepts|all)$", re.ASCII),
    # /gatherings: ask to cancel a gathering (c), then yes (y) or no (n)
    "gc": re.compile(r"^gc:(?P<gathering>\d{1,12}):(?P<step>[cyn])$", re.ASCII),
    "sg": re.compile(r"^sg:(?P<key>wn):(?P<value>[01])$", re.ASCII),
    # /programme: a step (view, menu, digest day, ask a number, stop, or set one setting)
    # and its value in the setting's written form («twice_monthly», «wed-14», «09-20»)
    "ps": re.compile(
        r"^ps:(?P<programme>\d{1,10}):(?P<step>[vmdnxcghwrlk]):(?P<value>[a-z0-9_-]{1,20})$",
        re.ASCII,
    ),
    "dm": re.compile(r"^dm:(?P<answer>[yn])$", re.ASCII),
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
    match = shape.fullmatch(data) if shape else None
    return Callback(action, match.groupdict()) if match else None


def build(action: str, *values: object) -> str:
    data = ":".join([action, *(str(v) for v in values)])
    if parse(data) is None:
        raise ValueError(f"callback data {data!r} does not fit its own shape")
    return data
