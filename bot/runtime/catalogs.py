"""Catalogue upkeep: English is the source language, so its catalogue mirrors the message ids.

Used by `make catalogs`; the translation test checks both catalogues are complete.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from bot.domain.roles import ENGLISH_READER_WORDS
from bot.runtime.i18n import DOMAIN, LOCALES_DIR


def catalog_path(language: str) -> Path:
    return LOCALES_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalog(language: str) -> Catalog:
    with catalog_path(language).open("rb") as handle:
        return read_po(handle, locale=language)


# The glossary's «adept» is the Norwegian word; English readers expect «mentee» (see
# bot.domain.roles). The code keeps «adept» (the role's name in data, commands and
# placeholders such as {adept}).
_PLACEHOLDER = re.compile(r"(\{[^{}]*\})")


def _article(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"


def _reader_words(word: str, reader: str) -> list[tuple[re.Pattern[str], str]]:
    """«an adept» → «a mentee», then the word itself (and «adepts», «adept's»), each
    also capitalised."""
    with_article = (f"{_article(word)} {word}", f"{_article(reader)} {reader}")
    return [
        (re.compile(rf"\b{with_article[0]}\b"), with_article[1]),
        (re.compile(rf"\b{with_article[0].capitalize()}\b"), with_article[1].capitalize()),
        (re.compile(rf"\b{word}"), reader),
        (re.compile(rf"\b{word.capitalize()}"), reader.capitalize()),
    ]


_ENGLISH_ROLE_WORDS = tuple(
    rule for word, reader in ENGLISH_READER_WORDS.items() for rule in _reader_words(word, reader)
)


def english(message_id: str) -> str:
    """The English text of a message id: the id with «mentee» for the role word «adept»
    (and its article), placeholders untouched."""
    parts = _PLACEHOLDER.split(message_id)
    for index in range(0, len(parts), 2):  # the even parts lie outside placeholders
        for pattern, word in _ENGLISH_ROLE_WORDS:
            parts[index] = pattern.sub(word, parts[index])
    return "".join(parts)


def fill_english() -> int:
    """Writes every English msgstr from its message id (`english`); returns how many
    changed. English is never translated by hand, so nothing is lost."""
    catalog = read_catalog("en")
    filled = 0
    for message in catalog:
        if not message.id:
            continue
        wanted: str | tuple[str, ...]
        current: object = message.string
        if isinstance(message.id, str):
            wanted = english(message.id)
        else:
            wanted = tuple(english(form) for form in message.id)
            current = tuple(message.string or ())
        if current != wanted:
            message.string = wanted
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
        sys.exit("usage: python -m bot.runtime.catalogs fill-english | missing [LANG…]")
