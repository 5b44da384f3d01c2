"""Translations: gettext catalogues for nb and en, and the language of the update being handled.

The language is resolved once per update (stored preference, then Telegram's
``language_code`` when the bot speaks it, then the programme's language, then the bot's
default) and kept in a context variable, so ``_()`` anywhere below a handler speaks the
person's language.
"""

from __future__ import annotations

import gettext
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date
from functools import cache
from io import BytesIO
from pathlib import Path

from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot.domain.model import SUPPORTED_LANGUAGES
from bot.domain.wording import lazy as lazy  # re-exported: texts and handlers mark words too

DOMAIN = "mentorbot"
LOCALES_DIR = Path(__file__).parent.parent / "locales"
NORWEGIAN_CODES = ("nb", "no", "nn")
# Each language named in itself, for the buttons that choose one: a person who cannot
# read the bot's current language still finds their own.
LANGUAGE_NAMES = {"nb": "Norsk (bokmål)", "en": "English"}

_current_language: ContextVar[str] = ContextVar("mentorbot_language", default="nb")


def normalise_language(code: str | None) -> str | None:
    """Map Telegram's IETF tag (``nb``, ``no``, ``nn-NO``, ``en-GB``…) to a language the bot
    speaks, or None: an Arabic or Tigrinya phone says nothing about Norwegian or English,
    so the programme's language decides, not English by default."""
    if not code:
        return None
    base = code.replace("_", "-").split("-")[0].lower()
    if base in NORWEGIAN_CODES:
        return "nb"
    return base if base in SUPPORTED_LANGUAGES else None


def resolve_language(stored: str | None, telegram_code: str | None, default: str) -> str:
    """The person's choice, else their phone's language if the bot speaks it, else
    `default` (the programme's language, else the bot's)."""
    if stored in SUPPORTED_LANGUAGES:
        return stored
    return normalise_language(telegram_code) or default


@cache
def translations(language: str) -> gettext.NullTranslations:
    """The compiled catalogue, or one compiled in memory from the .po when `make` has not run."""
    mo_path = LOCALES_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.mo"
    po_path = mo_path.with_suffix(".po")
    if mo_path.exists() and (
        not po_path.exists() or mo_path.stat().st_mtime >= po_path.stat().st_mtime
    ):
        with mo_path.open("rb") as handle:
            return gettext.GNUTranslations(handle)
    if po_path.exists():
        with po_path.open("rb") as handle:
            catalog = read_po(handle, locale=language)
        buffer = BytesIO()
        write_mo(buffer, catalog)
        buffer.seek(0)
        return gettext.GNUTranslations(buffer)
    return gettext.NullTranslations()


def current_language() -> str:
    return _current_language.get()


def set_language(language: str) -> None:
    _current_language.set(language if language in SUPPORTED_LANGUAGES else "nb")


@contextmanager
def use_language(language: str) -> Iterator[None]:
    """Speak `language` inside the block (used when writing to someone other than the sender)."""
    token = _current_language.set(language if language in SUPPORTED_LANGUAGES else "nb")
    try:
        yield
    finally:
        _current_language.reset(token)


def format_day(day: date) -> str:
    """A date the way people say it: «3. mars» / «3 March»."""
    language = current_language()
    return format_date(day, "d. MMMM" if language == "nb" else "d MMMM", locale=language)


def gettext_(message: str) -> str:
    return translations(current_language()).gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    return translations(current_language()).ngettext(singular, plural, count)


_ = gettext_
