"""Catalogue upkeep: English is the source language, so its catalogue mirrors the message ids.

Used by `make catalogs`; the translation test checks both catalogues are complete.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from bot.i18n import DOMAIN, LOCALES_DIR


def catalog_path(language: str) -> Path:
    return LOCALES_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalog(language: str) -> Catalog:
    with catalog_path(language).open("rb") as handle:
        return read_po(handle, locale=language)


def fill_english() -> int:
    """Copies every untranslated English message id into its msgstr; returns how many."""
    catalog = read_catalog("en")
    filled = 0
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            if not all(message.string or ()):
                message.string = (message.id[0], message.id[1])
                filled += 1
        elif not message.string:
            message.string = message.id
            filled += 1
    with catalog_path("en").open("wb") as handle:
        write_po(handle, catalog, omit_header=False, sort_by_file=True, include_previous=False)
    return filled


def missing(language: str) -> list[str]:
    catalog = read_catalog(language)
    result = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings) or message.fuzzy:
            result.append(message.id if isinstance(message.id, str) else message.id[0])
    return result


if __name__ == "__main__":
    if sys.argv[1:] == ["fill-english"]:
        print(f"filled {fill_english()} English messages")
    elif sys.argv[1:2] == ["missing"]:
        for language in sys.argv[2:] or ["nb", "en"]:
            for message_id in missing(language):
                print(f"{language}: {message_id!r}")
    else:
        sys.exit("usage: python -m bot.catalogs fill-english | missing [LANG…]")
