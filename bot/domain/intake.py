"""The intake questions per role, and the pure rules for answering them.

Texts are gettext message ids marked with ``lazy``; handlers translate them
when they render, so this module stays free of any language.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bot.domain.model import Role
from bot.domain.policy import MAX_TEXT_ANSWER
from bot.domain.wording import lazy

# The intake dialogue's first step for someone who has not said yes to what is stored.
CONSENT_STEP = "consent"


class Kind(StrEnum):
    TEXT = "text"  # free text, with a Skip button
    CHOICE = "choice"  # one button
    MULTI = "multi"  # toggle buttons, then Done; typed text adds an "other" answer


@dataclass(frozen=True)
class Option:
    key: str
    label: str  # message id


@dataclass(frozen=True)
class Question:
    key: str
    prompt: str  # message id
    kind: Kind
    options: tuple[Option, ...] = ()
    short_label: str = ""  # message id, for /profile buttons

    def option(self, key: str) -> Option | None:
        return next((option for option in self.options if option.key == key), None)


HELP_OPTIONS = (
    Option("cv", lazy("CV and applications")),
    Option("network", lazy("Network and contacts")),
    Option("worklife", lazy("Working life in Norway")),
    Option("language", lazy("Norwegian at work")),
    Option("career", lazy("Career choices")),
)

LANGUAGE_OPTIONS = (
    Option("no", lazy("Norwegian")),
    Option("en", lazy("English")),
    Option("ar", lazy("Arabic")),
    Option("ti", lazy("Tigrinya")),
    Option("so", lazy("Somali")),
    Option("uk", lazy("Ukrainian")),
    Option("fa", lazy("Persian/Dari")),
    Option("pl", lazy("Polish")),
)

CAPACITY_OPTIONS = (Option("1", lazy("One")), Option("2", lazy("Two")), Option("3", lazy("Three")))

ADEPT_QUESTIONS = (
    Question(
        "field",
        lazy("What kind of work do you want? Write a few words, for example «nurse» or «IT»."),
        Kind.TEXT,
        short_label=lazy("Work I want"),
    ),
    Question(
        "help",
        lazy("What do you want help with? Tap all that fit. Then tap «Done»."),
        Kind.MULTI,
        HELP_OPTIONS,
        short_label=lazy("Help I want"),
    ),
    Question(
        "languages",
        lazy("Which languages do you speak? Tap all that fit, or write others. Then tap «Done»."),
        Kind.MULTI,
        LANGUAGE_OPTIONS,
        short_label=lazy("My languages"),
    ),
)

MENTOR_QUESTIONS = (
    Question(
        "field",
        lazy("What is your field and your job? For example «nurse at a hospital»."),
        Kind.TEXT,
        short_label=lazy("Field and job"),
    ),
    Question(
        "motivation",
        lazy("Why do you want to be a mentor? A few words are enough."),
        Kind.TEXT,
        short_label=lazy("Why I mentor"),
    ),
    Question(
        "capacity",
        lazy("How many adepts can you follow up?"),
        Kind.CHOICE,
        CAPACITY_OPTIONS,
        short_label=lazy("Adepts I can take"),
    ),
    # For matching suggestions: what the mentor offers against what an adept asked for.
    Question(
        "offers",
        lazy("What can you help an adept with? Tap all that fit. Then tap «Done»."),
        Kind.MULTI,
        HELP_OPTIONS,
        short_label=lazy("Help I offer"),
    ),
    Question(
        "languages",
        lazy("Which languages do you speak? Tap all that fit, or write others. Then tap «Done»."),
        Kind.MULTI,
        LANGUAGE_OPTIONS,
        short_label=lazy("My languages"),
    ),
)


def questions_for(role: Role) -> tuple[Question, ...]:
    if role is Role.ADEPT:
        return ADEPT_QUESTIONS
    if role is Role.MENTOR:
        return MENTOR_QUESTIONS
    return ()


def question(role: Role, key: str) -> Question | None:
    return next((q for q in questions_for(role) if q.key == key), None)


def next_question(role: Role, after: str | None) -> Question | None:
    """The question after `after` (the first when None), or None when intake is over."""
    questions = questions_for(role)
    if after is None:
        return questions[0] if questions else None
    keys = [q.key for q in questions]
    if after not in keys:
        return None
    index = keys.index(after) + 1
    return questions[index] if index < len(questions) else None


class AnswerProblem(StrEnum):
    EMPTY = "empty"
    TOO_LONG = "too_long"
    NOT_AN_OPTION = "not_an_option"


def clean_text(text: str) -> str:
    """Strips control characters and folds white space, keeping every script and emoji."""
    # Zero-width joiners are not "printable" but hold emoji and Persian words together.
    printable = "".join(ch if ch.isprintable() or ch in "\u200c\u200d" else " " for ch in text)
    return " ".join(printable.split())


def text_answer(text: str) -> str | AnswerProblem:
    cleaned = clean_text(text)
    if not cleaned:
        return AnswerProblem.EMPTY
    if len(cleaned) > MAX_TEXT_ANSWER:
        return AnswerProblem.TOO_LONG
    return cleaned


def toggle(selected: list[str], question: Question, key: str) -> list[str] | AnswerProblem:
    """Adds or removes one option of a multiple-choice question, keeping the options' order."""
    if question.option(key) is None:
        return AnswerProblem.NOT_AN_OPTION
    chosen = set(selected) ^ {key}
    return [option.key for option in question.options if option.key in chosen] + [
        other for other in selected if question.option(other) is None
    ]


def capacity(intake: Mapping[str, Any]) -> int:
    """How many adepts a mentor said they can take (one when they did not say)."""
    try:
        return max(1, int(intake.get("capacity", 1)))
    except (TypeError, ValueError, OverflowError):
        return 1
