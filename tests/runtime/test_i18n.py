"""Tests for bot.runtime.i18n: language choice, the per-update language, and complete catalogues."""

from __future__ import annotations

import re
import string
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.domain.model import SUPPORTED_LANGUAGES
from bot.runtime.i18n import (
    LOCALES_DIR,
    _,
    current_language,
    ngettext,
    normalise_language,
    resolve_language,
    set_language,
    use_language,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
SOURCE_DIRS = ("bot", "handlers")
KEYWORDS = {"_": None, "lazy": None, "ngettext": (1, 2)}

MessageId = str | tuple[str, str]


@pytest.fixture(autouse=True)
def reset_language() -> Iterator[None]:
    """Each test starts in the context variable's default and leaves nothing behind."""
    with use_language("nb"):
        yield


# normalise_language


@pytest.mark.parametrize("code", ["nb", "no", "nn", "nn-NO", "nb_NO", "NB", "nb-no", "No"])
def test_norwegian_codes_become_bokmal(code: str) -> None:
    assert normalise_language(code) == "nb"


@pytest.mark.parametrize("code", ["en", "en-GB", "en-US", "EN", "en_gb"])
def test_english_codes_become_english(code: str) -> None:
    assert normalise_language(code) == "en"


@pytest.mark.parametrize("code", ["de", "ar", "ti", "uk", "so", "fa-IR", "pl", "zh-hans", "eng"])
def test_languages_the_bot_does_not_speak_are_none(code: str) -> None:
    # Not English: the programme's language decides for them.
    assert normalise_language(code) is None


@pytest.mark.parametrize("code", [None, ""])
def test_no_code_is_none(code: str | None) -> None:
    assert normalise_language(code) is None


def test_normalise_does_not_match_on_prefix_only() -> None:
    # "nox" is not Norwegian even though it starts with "no".
    assert normalise_language("nox") is None
    assert normalise_language("nds") is None


# resolve_language


def test_stored_preference_wins() -> None:
    assert resolve_language("en", "nb", "nb") == "en"
    assert resolve_language("nb", "en-GB", "en") == "nb"


def test_telegram_language_when_nothing_stored() -> None:
    assert resolve_language(None, "en-GB", "nb") == "en"
    assert resolve_language(None, "nn", "en") == "nb"


@pytest.mark.parametrize("code", ["ar", "ti", "uk", "so", "fa", "pl"])
def test_a_language_the_bot_does_not_speak_gets_the_default(code: str) -> None:
    assert resolve_language(None, code, "nb") == "nb"
    assert resolve_language(None, code, "en") == "en"


def test_default_when_nothing_known() -> None:
    assert resolve_language(None, None, "en") == "en"
    assert resolve_language(None, "", "nb") == "nb"


@pytest.mark.parametrize("stored", ["de", "", "NB", "no"])
def test_unsupported_stored_value_falls_through(stored: str) -> None:
    assert resolve_language(stored, "en-US", "nb") == "en"
    assert resolve_language(stored, None, "en") == "en"


# the current language


def test_use_language_switches_and_restores() -> None:
    assert current_language() == "nb"
    with use_language("en"):
        assert current_language() == "en"
        with use_language("nb"):
            assert current_language() == "nb"
        assert current_language() == "en"
    assert current_language() == "nb"


def test_use_language_restores_after_an_exception() -> None:
    set_language("en")
    with pytest.raises(RuntimeError, match="boom"), use_language("nb"):
        assert current_language() == "nb"
        raise RuntimeError("boom")
    assert current_language() == "en"


@pytest.mark.parametrize("language", ["de", "", "EN", "no"])
def test_unsupported_language_falls_back_to_bokmal(language: str) -> None:
    set_language("en")
    with use_language(language):
        assert current_language() == "nb"
    assert current_language() == "en"
    set_language(language)
    assert current_language() == "nb"


def test_set_language() -> None:
    set_language("en")
    assert current_language() == "en"
    set_language("nb")
    assert current_language() == "nb"


def test_translation_follows_the_current_language() -> None:
    with use_language("en"):
        assert _("Skip") == "Skip"
    with use_language("nb"):
        bokmal = _("Skip")
    assert bokmal.strip()
    assert bokmal != "Skip"


def test_unknown_message_passes_through() -> None:
    for language in SUPPORTED_LANGUAGES:
        with use_language(language):
            assert _("no such message id 7f3a") == "no such message id 7f3a"


def test_ngettext_picks_the_plural_form() -> None:
    catalog = read_catalog("nb")
    plurals = [
        m
        for m in catalog
        if isinstance(m.id, tuple) and isinstance(m.string, tuple) and all(m.string)
    ]
    if not plurals:
        pytest.skip("the nb catalogue has no translated plural message yet")
    message = plurals[0]
    singular, plural = message.id
    one, other = message.string[0], message.string[1]
    with use_language("nb"):
        assert ngettext(singular, plural, 1) == one
        assert ngettext(singular, plural, 2) == other
        assert ngettext(singular, plural, 0) == other
    with use_language("en"):
        assert ngettext("no such %d thing", "no such %d things", 1) == "no such %d thing"
        assert ngettext("no such %d thing", "no such %d things", 5) == "no such %d things"


# catalogue completeness


def extracted_messages() -> dict[MessageId, list[tuple[str, int]]]:
    """Every message id in the code, with where it is used (file, line)."""
    found: dict[MessageId, list[tuple[str, int]]] = {}
    for directory in SOURCE_DIRS:
        for filename, lineno, message, _comments, _context in extract_from_dir(
            REPO_ROOT / directory,
            method_map=[("**.py", "python")],
            keywords=KEYWORDS,
        ):
            key: MessageId = message if isinstance(message, str) else (message[0], message[1])
            found.setdefault(key, []).append((f"{directory}/{filename}", lineno))
    return found


def read_catalog(language: str) -> Catalog:
    path = LOCALES_DIR / language / "LC_MESSAGES" / "mentorbot.po"
    with path.open("rb") as handle:
        return read_po(handle, locale=language)


def placeholders(text: str) -> set[str]:
    """The `{name}` fields of a str.format template; a malformed template yields a marker."""
    try:
        return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}
    except ValueError as error:
        return {f"<malformed: {error}>"}


def test_extraction_finds_the_messages() -> None:
    messages = extracted_messages()
    # A sanity check that the extractor ran over the code, so an empty list cannot pass.
    assert "Skip" in messages
    assert any(isinstance(message_id, tuple) for message_id in messages), "no plural found"
    assert len(messages) > 50


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_catalogue_translates_every_message(language: str) -> None:
    catalog = read_catalog(language)
    problems: list[str] = []
    for message_id, places in sorted(extracted_messages().items(), key=lambda item: item[1][0]):
        lookup = message_id if isinstance(message_id, str) else message_id[0]
        entry = catalog.get(lookup)
        path, line = places[0]
        where = f"{path}:{line}"
        if entry is None:
            problems.append(f"missing: {message_id!r} ({where})")
            continue
        if entry.fuzzy:
            problems.append(f"fuzzy: {message_id!r} ({where})")
        if isinstance(message_id, tuple):
            if not isinstance(entry.id, tuple) or entry.id[1] != message_id[1]:
                problems.append(f"not a plural entry: {message_id!r} ({where})")
                continue
            strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
            if len(strings) != catalog.num_plurals or not all(strings):
                problems.append(f"untranslated plural: {message_id!r} ({where})")
                continue
            expected = placeholders(message_id[0]) | placeholders(message_id[1])
            for form in strings:
                if placeholders(form) != expected:
                    problems.append(
                        f"placeholders {sorted(placeholders(form))} != {sorted(expected)}: "
                        f"{form!r} for {message_id!r} ({where})"
                    )
        else:
            if not isinstance(entry.string, str) or not entry.string:
                problems.append(f"untranslated: {message_id!r} ({where})")
                continue
            if placeholders(entry.string) != placeholders(message_id):
                problems.append(
                    f"placeholders {sorted(placeholders(entry.string))} != "
                    f"{sorted(placeholders(message_id))}: {entry.string!r} for "
                    f"{message_id!r} ({where})"
                )
    assert not problems, (
        f"{language} catalogue has {len(problems)} problem(s); run `make catalogs` and "
        "translate:\n" + "\n".join(problems)
    )


def translated(language: str) -> list[str]:
    """Every text the code can say, as people in `language` read it."""
    texts: list[str] = []
    with use_language(language):
        for message_id in extracted_messages():
            if isinstance(message_id, tuple):
                texts += [ngettext(message_id[0], message_id[1], n) for n in (1, 5)]
            else:
                texts.append(_(message_id))
    return texts


@pytest.mark.parametrize(
    ("language", "warning", "other_wordings"),
    [
        ("nb", "Ikke skriv om helse, religion eller lignende.", ("sensitiv", "opplysninger")),
        ("en", "Do not write about health, religion or similar.", ("sensitive",)),
    ],
)
def test_the_privacy_warning_has_one_wording(
    language: str, warning: str, other_wordings: tuple[str, ...]
) -> None:
    """«Sensitive» is not an A2 word, and three wordings of one warning read as three
    warnings: every text that warns uses the one sentence."""
    texts = translated(language)
    assert any(warning in text for text in texts)
    assert [t for t in texts if any(word in t.lower() for word in other_wordings)] == []


def outside_placeholders(text: str) -> str:
    return re.sub(r"\{[^{}]*\}", "", text)


def test_english_says_mentee_and_norwegian_says_adept() -> None:
    """«Adept» is the Norwegian word; English readers expect «mentee» (with its article)."""
    english = [outside_placeholders(t) for t in translated("en")]
    assert [t for t in english if re.search(r"(?i)\badept", t)] == []
    assert [t for t in english if re.search(r"\ban mentee", t, re.IGNORECASE)] == []
    assert "You are a mentee. A mentor will meet you and help you on your way to work." in english
    norwegian = [outside_placeholders(t) for t in translated("nb")]
    assert any(re.search(r"\badept", t) for t in norwegian)
