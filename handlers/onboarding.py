"""Joining by invite link, consent, the intake questions, /profile and /language."""

from __future__ import annotations

import math
from datetime import timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import ContextTypes

from bot.domain import intake, policy
from bot.domain.invites import InviteProblem
from bot.domain.model import PARTICIPANT_ROLES, Role
from bot.runtime.i18n import _, ngettext, resolve_language, set_language
from bot.texts.buttons import Callback, build
from bot.texts.common import relabel
from bot.texts.matching import imported_lines
from bot.usecases.joining import IntakeStep, StepStatus
from handlers import commands
from handlers.common import actor, deps, member_command, pressed, refresh_actor, telegram_user
from handlers.render import (
    answer_text,
    language_keyboard,
    markup,
    question_keyboard,
    question_text,
)


def _invite_problem_text(problem: InviteProblem) -> str:
    texts = {
        InviteProblem.UNKNOWN: _("This link does not work. Ask your coordinator for a new link."),
        InviteProblem.USED: _(
            "This link has been used already. Ask your coordinator for a new link."
        ),
        InviteProblem.EXPIRED: _("This link is too old. Ask your coordinator for a new link."),
    }
    return texts[problem]


def _role_sentence(role: Role, labels: str = "mentor") -> str:
    if labels == "trainee" and role is not Role.COORDINATOR:
        if role is Role.ADEPT:
            return _("You are a trainee. Your supervisor will help you learn the work.")
        return _("You are a supervisor. You meet your trainee, listen and share what you know.")
    texts = {
        Role.ADEPT: _("You are an adept. A mentor will meet you and help you on your way to work."),
        Role.MENTOR: _("You are a mentor. You meet your adept, listen and share what you know."),
        Role.COORDINATOR: _(
            "You are a coordinator. You invite people, make pairs and follow them up."
        ),
    }
    return texts[role]


def _consent_keyboard() -> InlineKeyboardMarkup:
    return markup(
        [
            [
                InlineKeyboardButton(_("Yes, that is OK"), callback_data=build("cs", "y")),
                InlineKeyboardButton(_("No, thanks"), callback_data=build("cs", "n")),
            ]
        ]
    )


def _consent_text(months: int, labels: str, role: Role | None = None) -> str:
    if role is Role.COORDINATOR:
        # A coordinator has no mentor or adept and answers no questions; retention keeps
        # coordinators (bot/usecases/privacy.py), so no deletion date is promised.
        return _(
            "Before we start, please read this.\n"
            "• I save your name, your notes on pairs and what you do in the bot.\n"
            "• The programme's other coordinators see this.\n"
            "• I keep it while you are a coordinator.\n"
            "• /mydata shows your data. /deleteme deletes it.\n"
            "Is that OK?"
        )
    if labels == "trainee":
        return _(
            "Before we start, please read this.\n"
            "• I save your name, your answers, your goals and your meetings.\n"
            "• The coordinator sees them. Your supervisor or trainee sees your name, goals "
            "and meetings.\n"
            "• Your check-in answers are only for the coordinator.\n"
            "• I delete it all {months} months after the programme ends.\n"
            "• /mydata shows your data. /deleteme deletes it.\n"
            "Is that OK?"
        ).format(months=months)
    return _(
        "Before we start, please read this.\n"
        "• I save your name, your answers, your goals and your meetings.\n"
        "• The coordinator sees them. Your mentor or adept sees your name, goals and meetings.\n"
        "• Your check-in answers are only for the coordinator.\n"
        "• I delete it all {months} months after the programme ends.\n"
        "• /mydata shows your data. /deleteme deletes it.\n"
        "Is that OK?"
    ).format(months=months)


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    user = telegram_user(update)
    if message is None or user is None:
        return
    token = context.args[0] if context.args else None
    if token is None:
        await _greet_without_token(message, context)
        return
    privacy = deps(context).core.privacy
    # Guessing tokens is slowed down per Telegram user: after a few wrong ones, each
    # further try waits longer, whatever the token.
    wait = await privacy.invite_wait(user.id)
    if wait > timedelta(0):
        minutes = max(1, math.ceil(wait.total_seconds() / 60))
        await message.reply_text(
            ngettext(
                "Too many links that do not work. Please wait {minutes} minute and try again.",
                "Too many links that do not work. Please wait {minutes} minutes and try again.",
                minutes,
            ).format(minutes=minutes)
        )
        return
    outcome = await deps(context).services.join(user, token)
    if outcome.problem is InviteProblem.UNKNOWN:
        await privacy.invite_failed(user.id)
    elif outcome.problem is None:
        await privacy.invite_worked(user.id)
    if outcome.problem is not None:
        await message.reply_text(_invite_problem_text(outcome.problem))
        return
    assert outcome.person and outcome.programme and outcome.role
    joined = await refresh_actor(update, context)
    # Before joining, the update could not know the programme: its language is the
    # fallback for a phone in a language the bot does not speak.
    set_language(
        resolve_language(
            outcome.person.language,
            user.language_code,
            outcome.programme.language or deps(context).default_language,
        )
    )
    if outcome.already_member:
        await message.reply_text(
            _("Welcome back, {name}! You are already in {programme}.").format(
                name=outcome.person.first_name, programme=outcome.programme.name
            ),
            reply_markup=language_keyboard("lw"),
        )
    else:
        await message.reply_text(
            _("Hi {name}! Welcome to {programme}.\n{about_role}").format(
                name=outcome.person.first_name,
                programme=outcome.programme.name,
                about_role=_role_sentence(outcome.role, outcome.programme.role_labels),
            ),
            reply_markup=language_keyboard("lw"),
        )
    if message.chat:
        roles = joined.roles() if joined else {outcome.role}
        await commands.show_commands(context.bot, message.chat.id, roles)
    step = await deps(context).services.current_step(outcome.person.id)
    if step is None:
        await _after_intake(message, outcome.role, outcome.programme.role_labels)
    else:
        await _ask(message, step, context)


async def _greet_without_token(message: Message, context: ContextTypes.DEFAULT_TYPE) -> None:
    me = actor()
    if me is None:
        await message.reply_text(
            _("Hi! I help mentor programmes. Open the invite link from your coordinator to join.")
        )
        return
    step = await deps(context).services.current_step(me.person.id)
    if step is not None:
        # Someone who stopped halfway continues where they were.
        await _ask(message, step, context)
        return
    await message.reply_text(
        _("Hi {name}! Tap /help to see what you can do.").format(name=me.person.first_name)
    )


async def _ask(message: Message, step: IntakeStep, context: ContextTypes.DEFAULT_TYPE) -> None:
    if step.question is None:
        months = deps(context).core.privacy.retention_months
        await message.reply_text(
            _consent_text(months, step.labels, step.role), reply_markup=_consent_keyboard()
        )
        return
    assert step.role is not None
    await message.reply_text(
        question_text(step.role, step.question, editing=step.editing, labels=step.labels),
        reply_markup=question_keyboard(step.question, step.selected),
    )


async def _after_intake(
    message: Message, role: Role | None, labels: str, *, editing: bool = False
) -> None:
    if editing:
        await message.reply_text(_("Saved. See all your answers with /profile."))
        return
    if labels == "trainee" and role is not Role.COORDINATOR:
        await message.reply_text(
            _(
                "Thank you! The coordinator will find a trainee for you. "
                "You can change your answers with /profile."
            )
            if role is Role.MENTOR
            else _(
                "Thank you! The coordinator will find a supervisor for you. "
                "You can change your answers with /profile."
            )
        )
        return
    texts = {
        Role.ADEPT: _(
            "Thank you! The coordinator will find a mentor for you. "
            "You can change your answers with /profile."
        ),
        Role.MENTOR: _(
            "Thank you! The coordinator will find an adept for you. "
            "You can change your answers with /profile."
        ),
        Role.COORDINATOR: _(
            "You are ready. Invite people with /invite, and make pairs with /pair."
        ),
    }
    await message.reply_text(texts[role or Role.ADEPT])


async def consent_pressed(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: Callback
) -> None:
    press = pressed(update)
    if press is None:
        return
    query, message, me = press
    step = await deps(context).services.consent(me.person, agreed=data.values["answer"] == "y")
    if step.status is StepStatus.STALE:
        await query.answer(_("This button is old. Nothing was changed."))
        return
    await query.answer()
    await query.edit_message_reply_markup(reply_markup=None)
    if step.status is StepStatus.DECLINED:
        await message.reply_text(
            _("OK. I will not ask you anything. Want to join after all? Open the link again.")
        )
        return
    if step.status is StepStatus.FINISHED:
        await _after_intake(message, step.role, step.labels)
        return
    await _ask(message, step, context)


async def intake_pressed(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: Callback
) -> None:
    press = pressed(update)
    if press is None:
        return
    query, message, me = press
    step = await deps(context).services.choose(me.person, data.values["key"], data.values["option"])
    if step.status is StepStatus.STALE:
        await query.answer(_("This button is old. Nothing was changed."))
        return
    await query.answer()
    if step.status is StepStatus.ASK and step.question and step.question.key == data.values["key"]:
        # A toggle of a multiple-choice question: show the ticks on the same message.
        await query.edit_message_reply_markup(
            reply_markup=question_keyboard(step.question, step.selected)
        )
        return
    await query.edit_message_reply_markup(reply_markup=None)
    if step.status is StepStatus.FINISHED:
        await _after_intake(message, step.role, step.labels, editing=step.editing)
    else:
        await _ask(message, step, context)


async def text_answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """A typed answer to the current question; False when no question is open."""
    message = update.effective_message
    me = actor()
    if message is None or me is None or message.text is None:
        return False
    step = await deps(context).services.answer_text(me.person, message.text)
    if step is None:
        return False
    if step.status is StepStatus.PROBLEM:
        problems = {
            intake.AnswerProblem.EMPTY: _(
                "I did not get any text. Write a few words, or tap «Skip»."
            ),
            intake.AnswerProblem.TOO_LONG: _(
                "That is a bit long. Please write {limit} characters or fewer."
            ).format(limit=policy.MAX_TEXT_ANSWER),
            intake.AnswerProblem.NOT_AN_OPTION: _("Please tap one of the buttons."),
        }
        await message.reply_text(problems[step.problem or intake.AnswerProblem.EMPTY])
        await _ask(message, step, context)
        return True
    if step.status is StepStatus.FINISHED:
        await _after_intake(message, step.role, step.labels, editing=step.editing)
    else:
        await _ask(message, step, context)
    return True


async def profile(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    command = await member_command(update)
    if command is None:
        return
    message, me = command
    roles = [role for role in PARTICIPANT_ROLES if role in me.roles()]
    if not roles:
        await message.reply_text(_("There are no profile questions for coordinators."))
        return
    lines = [_("Your answers:")]
    buttons = []
    services = deps(context).services
    for role in roles:
        labels = await services.role_labels(me.person.id, role)
        for question in intake.questions_for(role):
            label = relabel(question.short_label, labels)
            lines.append(
                _("• {label}: {answer}").format(
                    label=label, answer=answer_text(question, me.person.intake.get(question.key))
                )
            )
            buttons.append(
                InlineKeyboardButton(
                    _("Change: {label}").format(label=label),
                    callback_data=build("pf", role.value, question.key),
                )
            )
    lines.extend(imported_lines(me.person.intake, await services.role_labels(me.person.id)))
    lines.append(_("Tap what you want to change."))
    await message.reply_text("\n".join(lines), reply_markup=markup([[b] for b in buttons]))


async def profile_pressed(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: Callback
) -> None:
    press = pressed(update)
    if press is None:
        return
    query, message, me = press
    role = Role(data.values["role"])
    if role not in me.roles():
        await query.answer(_("This button is not for you."))
        return
    step = await deps(context).services.edit_answer(me.person, role, data.values["key"])
    if step.status is StepStatus.STALE:
        await query.answer(_("This button is old. Nothing was changed."))
        return
    if step.status is StepStatus.OPEN:
        await query.answer(_("The question is below."))
        return
    await query.answer()
    await _ask(message, step, context)


async def language(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    command = await member_command(update)
    if command is None:
        return
    message, _me = command
    await message.reply_text(_("Which language do you want?"), reply_markup=language_keyboard("lg"))


async def language_pressed(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: Callback
) -> None:
    """A language chosen after /language or in /settings: the question becomes the
    answer, and a question still open (the consent, an intake question) comes again in
    the new language, since the one on screen is in the old one."""
    press = pressed(update)
    if press is None:
        return
    query, message, me = press
    chosen = data.values["language"]
    await deps(context).services.set_language(me.person.id, chosen)
    set_language(chosen)
    await query.answer()
    step = await deps(context).services.current_step(me.person.id)
    if data.action == "lg":
        await query.edit_message_text(_("OK, I will write in English from now on."))
    else:
        # The welcome keeps its words; the question asked again below is the answer to
        # the tap, and only without one does the tap need its own.
        await query.edit_message_reply_markup(reply_markup=None)
        if step is None:
            await message.reply_text(_("OK, I will write in English from now on."))
    if message.chat:
        await commands.show_commands(context.bot, message.chat.id, me.roles())
    if step is not None:
        await _ask(message, step, context)
