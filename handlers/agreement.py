"""The start of a relationship, in chat: goals, the expectation check, the agreement."""

from __future__ import annotations

from dataclasses import replace

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import ContextTypes

from bot.domain import agreement as rules
from bot.domain import policy
from bot.domain.access import Action, allowed_programmes
from bot.domain.agreement import Round, Step
from bot.domain.model import Role
from bot.runtime.i18n import _, current_language, ngettext
from bot.texts.agreements import (
    agreement_body,
    agreement_version_name,
    builtin_agreement,
    comparison_lines,
    goals_list,
)
from bot.texts.buttons import Callback, build
from bot.texts.common import goal_label, privacy_warning, relabel
from bot.texts.durations import count_word
from bot.texts.keyboards import short_label
from bot.usecases.agreements import Agreements, Problem, Screen
from bot.usecases.refusal import Refusal
from handlers.common import actor, deps, member_command, wake_delivery
from handlers.render import CHECK, markup, question_keyboard


def _agreements(context: ContextTypes.DEFAULT_TYPE) -> Agreements:
    return deps(context).agreements


def _refusal_text(refusal: Refusal[Problem]) -> str:
    if refusal.problem is Problem.NOT_YOURS:
        return _("This button is not for you.")
    return _("This button is old. Nothing was changed.")


def _problem_text(problem: Problem) -> str:
    texts = {
        Problem.NO_GOALS: _("Choose or write at least one goal first."),
        Problem.TOO_MANY_GOALS: ngettext(
            "You have {n} goal. Tap a goal to remove it, or tap «Done».",
            "You have {n} goals. Tap a goal to remove it, or tap «Done».",
            policy.MAX_GOALS,
        ).format(n=count_word(policy.MAX_GOALS)),
        Problem.GOAL_TOO_LONG: _(
            "That goal is long. Please use {limit} characters or fewer."
        ).format(limit=policy.MAX_GOAL_LENGTH),
        Problem.EMPTY: _("I did not get any text. Write your goal in a few words."),
    }
    return texts.get(problem, "")


Rendered = tuple[str, InlineKeyboardMarkup | None]


def render_all(screen: Screen) -> list[Rendered]:
    """The messages a screen is: the comparison of both answers goes on its own, before
    what comes next (an A2 reader loses a 20-line message)."""
    if screen.comparison is None or screen.finished is None:
        return [render(screen)]
    compared = "\n".join(
        [
            _("You have both answered. This is what you said:"),
            comparison_lines(screen.start, screen.person, screen.comparison, screen.finished),
        ]
    )
    if screen.finished is Round.RECHECK:
        return [(compared, None)]
    rest = render(replace(screen, comparison=None, finished=None))
    return [(compared, None), rest] if rest[0] else [(compared, rest[1])]


def render(screen: Screen) -> Rendered:
    """One message: the screen without its comparison (see `render_all`)."""
    pair_id = screen.start.view.pair.id
    parts: list[str] = []
    if screen.problem is not None:
        parts.append(_problem_text(screen.problem))
    if screen.finished is Round.RECHECK:
        parts.append(
            _("Thank you! I will show you both answers when {name} has answered.").format(
                name=screen.other.first_name
            )
        )
    if screen.step is Step.GOALS:
        return _goals(screen, parts, pair_id)
    if screen.step is Step.EXPECTATIONS and screen.question is not None:
        questions = rules.questions(screen.round)
        number = [q.key for q in questions].index(screen.question.key) + 1
        if number == 1 and not screen.selected:
            other = screen.start.expectation(screen.other.id, screen.round)
            if other is not None and other.completed_at is not None:
                parts.append(
                    _(
                        "{name} has answered already. You see both answers when you are done."
                    ).format(name=screen.other.first_name)
                )
            else:
                parts.append(
                    _(
                        "{name} gets the same questions. Only you see your answers until you have both answered."
                    ).format(name=screen.other.first_name)
                )
        parts.append(
            _("Question {number} of {total}: {prompt}").format(
                number=number,
                total=len(questions),
                prompt=relabel(screen.question.prompt, screen.start.programme.role_labels),
            )
        )
        question = screen.question
        keyboard = question_keyboard(
            question,
            screen.selected,
            lambda option: build("ex", pair_id, screen.round.value, question.key, option),
            skippable=False,
        )
        return "\n\n".join(parts), keyboard
    if screen.step is Step.WAIT:
        parts.append(
            _("Thank you! Now we wait for {name}. I will write when {name} has answered.").format(
                name=screen.other.first_name
            )
        )
        return "\n\n".join(parts), None
    if screen.step is Step.CONFIRM and screen.agreement is not None:
        parts.append(agreement_body(current_language(), screen.start, screen.agreement))
        parts.append(_("Tap «I agree» if this is OK for you."))
        keyboard = markup(
            [[InlineKeyboardButton(_("I agree"), callback_data=build("ag", pair_id))]]
        )
        return "\n\n".join(parts), keyboard
    if screen.became_active:
        parts.append(
            _("✅ You are ready! Plan your first meeting with {name} soon.").format(
                name=screen.other.first_name
            )
        )
    elif screen.start.view.pair.activated_at is None:
        parts.append(
            _("✅ Thank you for confirming. Now we wait for {name}.").format(
                name=screen.other.first_name
            )
        )
    elif screen.finished is None:
        parts.append(_("✅ You have both confirmed the agreement. See it with /agreement."))
    return "\n\n".join(p for p in parts if p), None


def _goals(
    screen: Screen, parts: list[str], pair_id: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    trainee = screen.start.programme.role_labels == "trainee"
    if screen.saved is not None:
        if not screen.saved:
            parts.append(
                _("Nothing changed. Your goals:\n{goals}").format(goals=goals_list(screen.goals))
            )
        elif screen.start.view.mentor.weekly_note and screen.start.view.pair.activated_at:
            parts.append(
                _("✅ Saved. {name} sees the change in the next weekly note.").format(
                    name=screen.other.first_name
                )
            )
            parts.append(_("Your goals now:\n{goals}").format(goals=goals_list(screen.goals)))
        else:
            parts.append(_("✅ Saved."))
            parts.append(_("Your goals now:\n{goals}").format(goals=goals_list(screen.goals)))
        return "\n\n".join(parts), None
    if screen.editing:
        parts.append(
            _(
                "Tap a goal to close it. Tap or write a new goal. Then tap «Done». "
                "Closed goals are kept in the report."
            )
        )
    else:
        parts.append(_choose_goals(trainee))
    if trainee:
        parts.append(
            _("Your supervisor and the coordinator see your goals. {warning}").format(
                warning=privacy_warning()
            )
        )
    else:
        parts.append(
            _("Your mentor and the coordinator see your goals. {warning}").format(
                warning=privacy_warning()
            )
        )
    if screen.goals:
        parts.append(_("Your goals now:\n{goals}").format(goals=goals_list(screen.goals)))
    # The goals chosen come first, ticked: a tap takes one away; then what can be added.
    chosen = [
        InlineKeyboardButton(
            CHECK + short_label(goal_label(goal)),
            callback_data=build(
                "gl",
                pair_id,
                suggestion.key if (suggestion := rules.goal_suggestion(goal)) else f"x{index}",
            ),
        )
        for index, goal in enumerate(screen.goals)
    ]
    offered = [
        InlineKeyboardButton(
            goal_label(rules.suggestion_goal(key)), callback_data=build("gl", pair_id, key)
        )
        for key in screen.suggestions
        if rules.suggestion_goal(key) not in screen.goals
    ]
    last = [InlineKeyboardButton(_("Done"), callback_data=build("gl", pair_id, "done"))]
    if screen.goals and not screen.editing:
        last.append(
            InlineKeyboardButton(_("Start over"), callback_data=build("gl", pair_id, "clear"))
        )
    return "\n\n".join(parts), markup([*([b] for b in chosen + offered), last])


def _choose_goals(trainee: bool) -> str:
    n = count_word(policy.MAX_GOALS)
    if trainee:
        return _(
            "What do you want to reach with your supervisor? "
            "Choose up to {n} goals, or write your own."
        ).format(n=n)
    return _(
        "What do you want to reach with your mentor? Choose up to {n} goals, or write your own."
    ).format(n=n)


def _agreement_too_long() -> str:
    return _("The agreement text must be 1 to {limit} characters.").format(
        limit=policy.MAX_AGREEMENT_TEXT
    )


async def _show(message: Message, result: Screen | Refusal[Problem]) -> None:
    if isinstance(result, Refusal):
        await message.reply_text(_refusal_text(result))
        return
    for text, keyboard in render_all(result):
        await message.reply_text(text, reply_markup=keyboard)


async def _answer_press(
    update: Update, context: ContextTypes.DEFAULT_TYPE, result: Screen | Refusal[Problem]
) -> None:
    query = update.callback_query
    assert query is not None and isinstance(query.message, Message)
    if isinstance(result, Refusal):
        await query.answer(_refusal_text(result))
        return
    await query.answer()
    wake_delivery(context)
    await query.edit_message_reply_markup(reply_markup=None)
    for text, keyboard in render_all(result):
        await query.message.reply_text(text, reply_markup=keyboard)


async def start_pressed(update: Update, context: ContextTypes.DEFAULT_TYPE, data: Callback) -> None:
    me = actor()
    query = update.callback_query
    if query is None or me is None or not isinstance(query.message, Message):
        return
    result = await _agreements(context).screen(me.person, data.int("pair"))
    if isinstance(result, Refusal):
        await query.answer(_refusal_text(result))
        return
    await query.answer()
    text, keyboard = render(result)
    await query.message.reply_text(text, reply_markup=keyboard)


async def goal_pressed(update: Update, context: ContextTypes.DEFAULT_TYPE, data: Callback) -> None:
    me = actor()
    query = update.callback_query
    if query is None or me is None or not isinstance(query.message, Message):
        return
    option = data.values["option"]
    result = await _agreements(context).toggle_goal(me.person, data.int("pair"), option)
    if isinstance(result, Screen) and result.problem is Problem.NO_GOALS:
        # A short answer on the button; the question above stays as it is.
        await query.answer(_problem_text(Problem.NO_GOALS))
        return
    if (
        isinstance(result, Refusal)
        or (option == "done" and result.saved is None)
        or result.step is not Step.GOALS
    ):
        await _answer_press(update, context, result)
        return
    await query.answer()
    text, keyboard = render(result)
    await query.edit_message_text(text, reply_markup=keyboard)


async def expectation_pressed(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: Callback
) -> None:
    me = actor()
    query = update.callback_query
    if query is None or me is None or not isinstance(query.message, Message):
        return
    result = await _agreements(context).answer(
        me.person,
        data.int("pair"),
        Round(data.values["round"]),
        data.values["key"],
        data.values["option"],
    )
    same_question = (
        isinstance(result, Screen)
        and result.question is not None
        and result.question.key == data.values["key"]
        and result.step is Step.EXPECTATIONS
    )
    if same_question:
        # A tick in a multiple-choice question: update the buttons in place.
        assert isinstance(result, Screen)
        await query.answer()
        _text, keyboard = render(result)
        await query.edit_message_reply_markup(reply_markup=keyboard)
        return
    await _answer_press(update, context, result)


async def confirm_pressed(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: Callback
) -> None:
    me = actor()
    if me is None:
        return
    result = await _agreements(context).confirm(me.person, data.int("pair"))
    await _answer_press(update, context, result)


async def goal_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    message = update.effective_message
    me = actor()
    if message is None or me is None or message.text is None:
        return False
    result = await _agreements(context).goal_text(me.person, message.text)
    if result is None:
        return False
    await _show(message, result)
    return True


async def goals_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    me = actor()
    if message is None:
        return
    if me is None or Role.ADEPT not in me.roles():
        labels = await deps(context).services.role_labels(me.person.id) if me else "mentor"
        await message.reply_text(
            _("Only trainees with a supervisor have goals here.")
            if labels == "trainee"
            else _("Only adepts with a mentor have goals here.")
        )
        return
    result = await _agreements(context).edit_goals(me.person)
    if isinstance(result, Refusal):
        labels = await deps(context).services.role_labels(me.person.id, Role.ADEPT)
        await message.reply_text(
            _("You get your goals when you have a supervisor.")
            if labels == "trainee"
            else _("You get your goals when you have a mentor.")
        )
        return
    await _show(message, result)


async def agreement_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    command = await member_command(update)
    if command is None:
        return
    message, me = command
    written = message.text or ""
    service = _agreements(context)
    coordinated = allowed_programmes(me, Action.VIEW_AGREEMENT)
    if coordinated:
        new_text = written.partition(" ")[2].strip() if " " in written.split("\n")[0] else ""
        if "\n" in written and not new_text:
            new_text = written.partition("\n")[2].strip()
        if new_text and not allowed_programmes(me, Action.SET_AGREEMENT):
            # A region's coordinator reads the agreement; every region's pairs share it.
            await message.reply_text(
                _(
                    "Only a coordinator of the whole programme can change the agreement. "
                    "Nothing was changed."
                )
            )
            return
        coordinated = allowed_programmes(me, Action.SET_AGREEMENT) if new_text else coordinated
        if len(coordinated) > 1 and new_text:
            await message.reply_text(
                _(
                    "You run several programmes. Use the command line: mentorbot program set-agreement ID FILE"
                )
            )
            return
        if new_text:
            version = await service.set_agreement_text(coordinated[0], new_text)
            if isinstance(version, Problem):
                await message.reply_text(_agreement_too_long())
                return
            await message.reply_text(
                _(
                    "Saved as version {version}. New pairs get this text; pairs who confirmed before keep theirs."
                ).format(version=version)
            )
            return
        current = await service.current_agreement(coordinated[0])
        body = current.text
        if body is None:
            programme = await deps(context).services.programme(coordinated[0])
            assert programme is not None
            body = builtin_agreement(programme.cadence, programme.role_labels)
        await message.reply_text(
            _(
                "The agreement now ({version}):\n{text}\n\nTo change it, send /agreement followed by the new text."
            ).format(version=agreement_version_name(current.version), text=body)
        )
        return
    found = await service.agreement_of(me.person)
    if found is None:
        await message.reply_text(_("You see the agreement when you have a pair."))
        return
    screen, agreement = found
    body = agreement_body(current_language(), screen.start, agreement)
    if screen.start.confirmed(me.person.id):
        await message.reply_text(_("You confirmed this:\n\n{agreement}").format(agreement=body))
    else:
        await message.reply_text(
            _("You have not confirmed yet. This is the agreement:\n\n{agreement}").format(
                agreement=body
            )
        )
