"""Tests for bot.domain.intake: the questions per role and the pure rules for answering them."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain import intake
from bot.domain.intake import (
    MAX_TEXT_ANSWER,
    AnswerProblem,
    Kind,
    Question,
    capacity,
    clean_text,
    next_question,
    question,
    questions_for,
    text_answer,
    toggle,
)
from bot.domain.model import Role
from bot.texts.buttons import build, parse

HELP = intake.question(Role.ADEPT, "help")
LANGUAGES = intake.question(Role.ADEPT, "languages")


def _help_question() -> Question:
    assert HELP is not None
    return HELP


# questions per role


def test_adept_questions_in_order() -> None:
    assert [q.key for q in questions_for(Role.ADEPT)] == ["field", "help", "languages"]
    assert [q.kind for q in questions_for(Role.ADEPT)] == [Kind.TEXT, Kind.MULTI, Kind.MULTI]


def test_mentor_questions_in_order() -> None:
    assert [q.key for q in questions_for(Role.MENTOR)] == [
        "field",
        "motivation",
        "capacity",
        "offers",
        "languages",
    ]
    assert [q.kind for q in questions_for(Role.MENTOR)] == [
        Kind.TEXT,
        Kind.TEXT,
        Kind.CHOICE,
        Kind.MULTI,
        Kind.MULTI,
    ]


def test_coordinators_have_no_questions() -> None:
    assert questions_for(Role.COORDINATOR) == ()
    assert next_question(Role.COORDINATOR, None) is None
    assert question(Role.COORDINATOR, "field") is None


@pytest.mark.parametrize("role", [Role.ADEPT, Role.MENTOR])
def test_questions_are_well_formed(role: Role) -> None:
    questions = questions_for(role)
    keys = [q.key for q in questions]
    assert len(keys) == len(set(keys)), "question keys must be unique per role"
    for q in questions:
        assert q.prompt.strip() and q.short_label.strip()
        if q.kind is Kind.TEXT:
            assert q.options == ()
        else:
            option_keys = [o.key for o in q.options]
            assert option_keys, f"{q.key} offers no options"
            assert len(option_keys) == len(set(option_keys))
            assert all(o.label.strip() for o in q.options)
            # "skip" and "done" are the buttons' own meanings; an option may not shadow them.
            assert not {"skip", "done"} & set(option_keys)


@pytest.mark.parametrize("role", [Role.ADEPT, Role.MENTOR])
def test_every_button_fits_the_callback_shapes(role: Role) -> None:
    for q in questions_for(role):
        for option in (*(o.key for o in q.options), "skip", "done"):
            data = build("in", q.key, option)
            parsed = parse(data)
            assert parsed is not None
            assert parsed.values == {"key": q.key, "option": option}
        parsed_profile = parse(build("pf", role.value, q.key))
        assert parsed_profile is not None and parsed_profile.values["key"] == q.key


def test_question_looks_up_by_key() -> None:
    found = question(Role.MENTOR, "capacity")
    assert found is not None and found.kind is Kind.CHOICE
    assert question(Role.MENTOR, "help") is None  # an adept question
    assert question(Role.ADEPT, "nope") is None


def test_option_looks_up_by_key() -> None:
    help_question = _help_question()
    found = help_question.option("cv")
    assert found is not None and found.label == "CV and applications"
    assert help_question.option("CV") is None
    assert help_question.option("") is None


# next_question


@pytest.mark.parametrize("role", [Role.ADEPT, Role.MENTOR])
def test_next_question_walks_every_question_once(role: Role) -> None:
    seen: list[str] = []
    current = next_question(role, None)
    while current is not None:
        seen.append(current.key)
        assert len(seen) <= 10, "next_question loops"
        current = next_question(role, current.key)
    assert seen == [q.key for q in questions_for(role)]


def test_next_question_first_and_middle() -> None:
    first = next_question(Role.ADEPT, None)
    assert first is not None and first.key == "field"
    after_field = next_question(Role.ADEPT, "field")
    assert after_field is not None and after_field.key == "help"
    after_motivation = next_question(Role.MENTOR, "motivation")
    assert after_motivation is not None and after_motivation.key == "capacity"


def test_next_question_after_last_is_none() -> None:
    assert next_question(Role.ADEPT, "languages") is None
    assert next_question(Role.MENTOR, "languages") is None


@pytest.mark.parametrize("after", ["unknown", "", "capacity"])
def test_next_question_after_unknown_key_is_none(after: str) -> None:
    # "capacity" is a mentor question, so it is unknown for adepts.
    assert next_question(Role.ADEPT, after) is None


# text_answer


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("nurse", "nurse"),
        ("  nurse  ", "nurse"),
        ("nurse\n\tat   a\r\nhospital", "nurse at a hospital"),
        ("IT\x00support", "IT support"),
        ("\x1b[31mred\x07", "[31mred"),
        ("a\u202eb", "a b"),  # RIGHT-TO-LEFT OVERRIDE is a control, not text
        ("sykepleier\u00a0i Oslo", "sykepleier i Oslo"),
    ],
)
def test_text_answer_cleans_white_space_and_controls(raw: str, expected: str) -> None:
    assert text_answer(raw) == expected


@pytest.mark.parametrize(
    "text",
    [
        "ممرضة في مستشفى",  # Arabic, right to left
        "אחות בבית חולים",  # Hebrew, right to left
        "ነርስ",  # Tigrinya (Ge'ez script)
        "медсестра",
        "IT 🙂 og 🇳🇴",
        "café ❤️",  # with a variation selector
        "e\u0301",  # combining accent
    ],
)
def test_text_answer_keeps_every_script_and_emoji(text: str) -> None:
    assert text_answer(text) == text


@pytest.mark.parametrize(
    "text",
    [
        "👩\u200d⚕️ nurse",  # woman health worker: a ZWJ sequence
        "👨\u200d👩\u200d👧",
        "می\u200cخواهم",  # Persian "I want", needs ZWNJ
    ],
)
def test_text_answer_keeps_joiners_inside_emoji_and_persian(text: str) -> None:
    assert text_answer(text) == text


@pytest.mark.parametrize("text", ["", " ", "\n\t\r ", "\x00\x01\x1b", "\u200b", "\u00a0\u2003"])
def test_text_answer_without_text_is_empty(text: str) -> None:
    assert text_answer(text) is AnswerProblem.EMPTY


def test_text_answer_length_limit() -> None:
    assert text_answer("x" * MAX_TEXT_ANSWER) == "x" * MAX_TEXT_ANSWER
    assert text_answer("x" * (MAX_TEXT_ANSWER + 1)) is AnswerProblem.TOO_LONG
    assert text_answer("x" * 100_000) is AnswerProblem.TOO_LONG


def test_text_answer_length_counts_after_cleaning() -> None:
    padded = "   " + "x" * MAX_TEXT_ANSWER + "\n\n  "
    assert text_answer(padded) == "x" * MAX_TEXT_ANSWER
    spaced = "x    " * (MAX_TEXT_ANSWER // 2)  # folds to exactly MAX_TEXT_ANSWER - 1 characters
    result = text_answer(spaced)
    assert isinstance(result, str) and len(result) == MAX_TEXT_ANSWER - 1


def test_text_answer_counts_emoji_as_one_character_each() -> None:
    assert text_answer("🙂" * MAX_TEXT_ANSWER) == "🙂" * MAX_TEXT_ANSWER
    assert text_answer("🙂" * (MAX_TEXT_ANSWER + 1)) is AnswerProblem.TOO_LONG


@given(st.text())
def test_clean_text_is_printable_folded_and_idempotent(text: str) -> None:
    cleaned = clean_text(text)
    assert cleaned.isprintable()
    assert cleaned == cleaned.strip()
    assert "  " not in cleaned
    assert clean_text(cleaned) == cleaned


@given(st.text())
def test_text_answer_is_an_answer_or_a_problem(text: str) -> None:
    answer = text_answer(text)
    if isinstance(answer, AnswerProblem):
        assert answer in (AnswerProblem.EMPTY, AnswerProblem.TOO_LONG)
    else:
        assert 0 < len(answer) <= MAX_TEXT_ANSWER
        assert answer == clean_text(text)


# toggle


def test_toggle_adds_in_the_options_order() -> None:
    help_question = _help_question()
    selected = toggle([], help_question, "career")
    assert selected == ["career"]
    assert isinstance(selected, list)
    selected = toggle(selected, help_question, "cv")
    assert selected == ["cv", "career"]
    assert isinstance(selected, list)
    selected = toggle(selected, help_question, "worklife")
    assert selected == ["cv", "worklife", "career"]


def test_toggle_removes_a_chosen_option() -> None:
    assert toggle(["cv", "worklife", "career"], _help_question(), "worklife") == ["cv", "career"]
    assert toggle(["cv"], _help_question(), "cv") == []


def test_toggle_keeps_typed_answers_after_the_options() -> None:
    assert LANGUAGES is not None
    selected = ["Kurdish", "ar", "Amharic"]
    assert toggle(selected, LANGUAGES, "no") == ["no", "ar", "Kurdish", "Amharic"]
    assert toggle(selected, LANGUAGES, "ar") == ["Kurdish", "Amharic"]


def test_toggle_does_not_change_its_input() -> None:
    selected = ["cv"]
    toggle(selected, _help_question(), "network")
    assert selected == ["cv"]


@pytest.mark.parametrize("key", ["nope", "", "done", "skip", "CV", "Kurdish"])
def test_toggle_rejects_unknown_options(key: str) -> None:
    assert toggle(["cv", "Kurdish"], _help_question(), key) is AnswerProblem.NOT_AN_OPTION


def test_toggle_on_question_without_options_rejects_everything() -> None:
    field = question(Role.ADEPT, "field")
    assert field is not None
    assert toggle([], field, "cv") is AnswerProblem.NOT_AN_OPTION


@given(st.lists(st.sampled_from(["cv", "network", "worklife", "language", "career"])))
def test_toggle_sequence_selects_options_tapped_an_odd_number_of_times(taps: list[str]) -> None:
    help_question = _help_question()
    selected: list[str] = ["typed by hand"]
    for key in taps:
        result = toggle(selected, help_question, key)
        assert isinstance(result, list)
        selected = result
    odd = {key for key in taps if taps.count(key) % 2 == 1}
    order = [o.key for o in help_question.options]
    assert selected == [key for key in order if key in odd] + ["typed by hand"]


# capacity


@pytest.mark.parametrize(
    ("intake_answers", "expected"),
    [
        ({}, 1),
        ({"capacity": "1"}, 1),
        ({"capacity": "2"}, 2),
        ({"capacity": "3"}, 3),
        ({"capacity": 3}, 3),
        ({"capacity": "0"}, 1),
        ({"capacity": -4}, 1),
        ({"capacity": None}, 1),
        ({"capacity": "many"}, 1),
        ({"capacity": ""}, 1),
        ({"capacity": ["2"]}, 1),
        ({"capacity": float("nan")}, 1),
        ({"field": "nurse"}, 1),
    ],
)
def test_capacity(intake_answers: dict[str, Any], expected: int) -> None:
    assert capacity(intake_answers) == expected


def test_capacity_options_are_the_numbers_one_to_three() -> None:
    q = question(Role.MENTOR, "capacity")
    assert q is not None
    assert [capacity({"capacity": o.key}) for o in q.options] == [1, 2, 3]


def test_capacity_of_infinity_does_not_crash() -> None:
    assert capacity({"capacity": float("inf")}) >= 1
