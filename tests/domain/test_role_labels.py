"""A programme's role labels: the trainee variants of texts that name the pair's roles are
translated, and say supervisor and trainee (veileder, trainee), never mentor or adept."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import replace
from datetime import date

import pytest

from bot.domain.evaluation import Question, Step
from bot.domain.matching import Fit, Reason, ReasonKind, Suggestion
from bot.domain.model import Person
from bot.domain.programmes import RoleLabels
from bot.domain.report import build_report
from bot.domain.roles import ENGLISH_READER_WORDS, ROLE_WORDS, WRITTEN_ROLE_WORDS
from bot.files.report import Format, render
from bot.runtime.catalogs import english as english_text
from bot.runtime.i18n import use_language
from bot.texts import evaluation as evaluation_texts
from bot.texts import matching as match_texts
from bot.texts.common import (
    ROLE_MESSAGE_IDS,
    TRAINEE_WORDING,
    pair_ended,
    relabel,
    reworded,
    role_name,
)
from bot.usecases.privacy import _left_notice
from tests.domain.test_report_rules import data
from tests.runtime.test_i18n import extracted_messages, read_catalog

# The default role words in English and bokmål («mentorbot» is the bot's name).
ENGLISH = re.compile(
    r"\b(mentors?|mentorship|mentoring|adepts?|mentees?)\b|\bmentor'", re.IGNORECASE
)
BOKMAL = re.compile(r"mentor(?!bot)|adept", re.IGNORECASE)
TRAINEE_WORDS = re.compile(r"supervis|trainee", re.IGNORECASE)
PLACEHOLDER = re.compile(r"\{[^}]*\}")
LANGUAGES = ("en", "nb")

OLA = Person(1, 11, "Ola", None, None)
AMINA = Person(2, 12, "Amina", None, None)


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with use_language("en"):
        yield


def words(text: str) -> str:
    """The text without its placeholders ({mentor} is a name)."""
    return PLACEHOLDER.sub("", text)


def says_mentor(text: str) -> bool:
    return bool(ENGLISH.search(words(text)) or BOKMAL.search(words(text)))


def test_role_labels_common() -> None:
    assert RoleLabels.common([]) == "mentor"
    assert RoleLabels.common(["trainee"]) == "trainee"
    assert RoleLabels.common(["trainee", "trainee"]) == "trainee"
    assert RoleLabels.common(["trainee", "mentor"]) == "mentor"


def test_every_trainee_variant_is_translated_in_trainee_words() -> None:
    """Each message id in supervisor and trainee words has a bokmål translation that says
    veileder or trainee, and neither language says mentor or adept."""
    catalog = read_catalog("nb")
    variants = [
        message_id if isinstance(message_id, str) else message_id[0]
        for message_id in extracted_messages()
        if TRAINEE_WORDS.search(message_id if isinstance(message_id, str) else message_id[0])
    ]
    # The extraction sees them: the intake, /pair, /match, the evaluation, the report…
    assert len(variants) > 60, variants
    problems = []
    for message_id in variants:
        entry = catalog.get(message_id)
        translated = entry.string if entry is not None else None
        if not isinstance(translated, str) or not translated:
            problems.append(f"untranslated: {message_id!r}")
            continue
        if ENGLISH.search(words(message_id)):
            problems.append(f"says mentor or adept: {message_id!r}")
        if BOKMAL.search(words(translated)):
            problems.append(f"says mentor or adept: {translated!r} for {message_id!r}")
    assert not problems, "\n".join(problems)


def test_trainee_wording_translates_each_message_in_trainee_words() -> None:
    catalog = read_catalog("nb")
    for default, trainee in TRAINEE_WORDING.items():
        assert says_mentor(default), default
        assert not says_mentor(trainee) and TRAINEE_WORDS.search(trainee), trainee
        assert reworded(default, "trainee") == trainee
        assert reworded(default, "mentor") == default
        for message_id in (default, trainee):
            entry = catalog.get(message_id)
            assert entry is not None and entry.string, f"no bokmål for {message_id!r}"
        with use_language("nb"):
            assert relabel(default, "trainee") == catalog.get(trainee).string
            assert relabel(default, "mentor") == catalog.get(default).string
        assert relabel(default, "trainee") == trainee


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_evaluation_in_trainee_words(language: str) -> None:
    texts = [
        evaluation_texts.notice(language, date(2027, 3, 2), OLA, "trainee"),
        pair_ended(language, OLA, "trainee"),
    ]
    for is_mentor in (True, False):
        for step in Step:
            question = Question(step, 0 if step is Step.GOAL else None)
            text, _markup = evaluation_texts.ask(
                language,
                7,
                question,
                is_mentor=is_mentor,
                adept=AMINA,
                goals=("@cv",),
                reminder=False,
                labels="trainee",
            )
            texts.append(text)
    assert not [t for t in texts if says_mentor(t)]
    with use_language(language):
        # The same questions in a mentor programme do name the roles.
        default, _markup = evaluation_texts.question(
            7, Question(Step.LEARNED), is_mentor=True, adept=AMINA, goals=()
        )
        assert says_mentor(default)
        mentor_notice = evaluation_texts.notice(language, date(2027, 3, 2), OLA)
        assert says_mentor(mentor_notice)


@pytest.mark.parametrize("language", LANGUAGES)
def test_matching_suggestions_in_trainee_words(language: str) -> None:
    reasons = tuple(
        Reason(kind, ("cv",) if kind is ReasonKind.HELP_OFFERED else ("f",)) for kind in ReasonKind
    )
    suggestion = Suggestion(OLA.id, AMINA.id, Fit(3, reasons))
    with use_language(language):
        card = match_texts.suggestion_text(suggestion, OLA, AMINA, 1, 1, "trainee")
        wishes = match_texts.imported_lines({"wants_gender": "f", "wants_age": "30-39"}, "trainee")
        default = match_texts.suggestion_text(suggestion, OLA, AMINA, 1, 1)
    assert not says_mentor(card)
    assert ("Veileder: Ola" if language == "nb" else "Supervisor: Ola") in card
    assert not [line for line in wishes if says_mentor(line)]
    assert says_mentor(default)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_report_in_trainee_words(language: str) -> None:
    source = data()
    source = replace(source, programme=replace(source.programme, role_labels="trainee"))
    report = build_report(source, date(2026, 4, 2))
    assert report.role_labels == "trainee"
    archive = zipfile.ZipFile(io.BytesIO(render(report, Format.CSV, language)))
    files = {name: archive.read(name).decode("utf-8-sig") for name in archive.namelist()}
    assert not {name: text for name, text in files.items() if says_mentor(text)}
    summary = files["summary.csv"]
    assert ("Veiledere,1" if language == "nb" else "Supervisors,1") in summary
    # A mentor programme's report keeps its words.
    default = render(build_report(data(), date(2026, 4, 2)), Format.CSV, language)
    assert says_mentor(zipfile.ZipFile(io.BytesIO(default)).read("summary.csv").decode("utf-8-sig"))


def test_a_coordinator_hears_who_left_in_trainee_words() -> None:
    notice = _left_notice("en", 5, ["mentor"], [3], "trainee")
    assert notice.startswith("The supervisor of pair #3 has left")
    assert _left_notice("en", 5, ["adept"], [], "trainee").startswith(
        "A person (#5, trainee) has left"
    )


def test_every_role_word_is_a_message_id_the_catalogues_translate() -> None:
    catalogue = read_catalog("nb")
    for labels, words in ROLE_WORDS.items():
        for role, word in words.items():
            assert word in ROLE_MESSAGE_IDS, (labels, role)
            entry = catalogue.get(word)
            assert entry is not None and entry.string, (labels, role, word)
            with use_language("nb"):
                assert role_name(role, labels) == entry.string


def test_the_words_people_write_include_every_role_word_and_the_english_readers() -> None:
    for words in ROLE_WORDS.values():
        for role, word in words.items():
            assert WRITTEN_ROLE_WORDS[word] is role
            reader = ENGLISH_READER_WORDS.get(word)
            if reader is not None:
                assert WRITTEN_ROLE_WORDS[reader] is role
                assert english_text(word) == reader
