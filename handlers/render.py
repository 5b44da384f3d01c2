"""Rendering shared by handlers: questions with their buttons, answers for reading."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.domain import intake
from bot.domain.model import Person, Programme, Role
from bot.runtime.i18n import LANGUAGE_NAMES, _
from bot.texts.buttons import build
from bot.texts.common import privacy_warning, relabel
from bot.texts.keyboards import fit
from bot.usecases.pairing import PairProblem

CHECK = "✅ "


def too_long(text: str, limit: int) -> str | None:
    """The answer to a text longer than `limit` (None when it fits): nothing is cut
    without saying so, and the person's text stays in their chat to shorten."""
    if len(text) <= limit:
        return None
    return _(
        "That is {length} characters; the most is {limit}. "
        "Nothing is saved yet. Please send a shorter text."
    ).format(length=len(text), limit=limit)


def language_buttons(action: str) -> list[InlineKeyboardButton]:
    """One button per language, each named in itself. `action` is ``lg`` (the question
    after /language or in /settings) or ``lw`` (under the welcome)."""
    return [
        InlineKeyboardButton(name, callback_data=build(action, code))
        for code, name in LANGUAGE_NAMES.items()
    ]


def language_keyboard(action: str) -> InlineKeyboardMarkup:
    return markup([language_buttons(action)])


def which_programme(
    programmes: Sequence[Programme], data: Callable[[int], str]
) -> tuple[str, InlineKeyboardMarkup]:
    """ "Which programme?" with a button per programme; `data(id)` is the button's data."""
    buttons = [[InlineKeyboardButton(p.name, callback_data=data(p.id))] for p in programmes]
    return _("Which programme?"), markup(buttons)


def distinct_names(people: Sequence[Person]) -> dict[int, str]:
    """What to call each person on a list where they must be told apart: the first name,
    and for a first name shared, the last name's initial, then the person's number too."""

    def first(person: Person) -> str:
        return person.first_name

    def initial(person: Person) -> str:
        last = (person.last_name or "").strip()
        return f"{person.first_name} {last[0]}." if last else person.first_name

    names: dict[int, str] = {}
    for person in people:
        for way in (first, initial):
            label = way(person)
            if sum(1 for other in people if way(other) == label) == 1:
                names[person.id] = label
                break
        else:
            names[person.id] = f"{initial(person)} #{person.id}"
    return names


def rows(buttons: Sequence[InlineKeyboardButton], per_row: int) -> list[list[InlineKeyboardButton]]:
    """Up to `per_row` buttons a row, fewer where their labels would not fit (`fit`)."""
    return fit([list(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row)], _text)


def markup(keyboard: Sequence[Sequence[InlineKeyboardButton]]) -> InlineKeyboardMarkup:
    """An inline keyboard from its rows, laid out by the one rule (`bot.texts.keyboards.fit`)."""
    return InlineKeyboardMarkup(fit(keyboard, _text))


def _text(button: InlineKeyboardButton) -> str:
    return button.text


def question_text(
    role: Role, question: intake.Question, *, editing: bool, labels: str = "mentor"
) -> str:
    prompt = relabel(question.prompt, labels)
    if question.kind is not intake.Kind.CHOICE:
        # Free text is allowed here: data minimisation says so where people write.
        prompt = _("{prompt}\n{warning}").format(prompt=prompt, warning=privacy_warning())
    if editing:
        return prompt
    questions = intake.questions_for(role)
    number = [q.key for q in questions].index(question.key) + 1
    return _("Question {number} of {total}: {prompt}").format(
        number=number, total=len(questions), prompt=prompt
    )


def question_keyboard(
    question: intake.Question,
    selected: Sequence[str],
    data: Callable[[str], str] | None = None,
    *,
    skippable: bool = True,
) -> InlineKeyboardMarkup:
    """Option buttons (ticked when chosen), then Done for multiple choice and Skip if allowed.

    `data` makes a button's callback data from its option key (intake buttons by default).
    """
    make = data or (lambda option: build("in", question.key, option))
    buttons: list[list[InlineKeyboardButton]] = []
    if question.options:
        option_buttons = [
            InlineKeyboardButton(
                (CHECK if option.key in selected else "") + _(option.label),
                callback_data=make(option.key),
            )
            for option in question.options
        ]
        buttons.extend(rows(option_buttons, 2 if question.kind is intake.Kind.MULTI else 3))
    last_row = []
    if question.kind is intake.Kind.MULTI:
        last_row.append(InlineKeyboardButton(_("Done"), callback_data=make("done")))
    if skippable:
        last_row.append(InlineKeyboardButton(_("Skip"), callback_data=make("skip")))
    if last_row:
        buttons.append(last_row)
    return markup(buttons)


def answer_text(question: intake.Question, answer: Any) -> str:
    """An intake answer as a person reads it."""
    if answer is None or answer == [] or answer == "":
        return _("(skipped)")
    if isinstance(answer, list):
        return ", ".join(_label(question, str(item)) for item in answer)
    return _label(question, str(answer))


def _label(question: intake.Question, value: str) -> str:
    option = question.option(value)
    return _(option.label) if option else value


def pair_problem(problem: PairProblem, labels: str, command: str) -> str:
    """Why a pair was not made, in the programme's role words; `command` (/pair, /match)
    is what to try again."""
    if labels == "trainee":
        trainee_problems = {
            PairProblem.NOT_A_MENTOR: _(
                "This person is not a supervisor here. Try {command} again."
            ),
            PairProblem.NOT_AN_ADEPT: _("This person is not a trainee here. Try {command} again."),
            PairProblem.ADEPT_TAKEN: _(
                "This trainee has a supervisor already. Try {command} again."
            ),
            PairProblem.MENTOR_FULL: _(
                "This supervisor has no room any more. Try {command} again."
            ),
        }
        if problem in trainee_problems:
            return trainee_problems[problem].format(command=command)
    problems = {
        PairProblem.NOT_ALLOWED: _("Only coordinators can do this."),
        PairProblem.NOT_A_MENTOR: _("This person is not a mentor here. Try {command} again."),
        PairProblem.NOT_AN_ADEPT: _("This person is not an adept here. Try {command} again."),
        PairProblem.ADEPT_TAKEN: _("This adept has a mentor already. Try {command} again."),
        PairProblem.MENTOR_FULL: _("This mentor has no room any more. Try {command} again."),
        PairProblem.NO_COHORT: _("This programme has no cohort yet."),
        PairProblem.NOT_TAKING_PART: _(
            "This person has not said yes to taking part, or has left. Try {command} again."
        ),
    }
    return problems[problem].format(command=command)
