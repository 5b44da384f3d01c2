"""Gatherings in chat: a coordinator's /gathering (a short guided dialogue) and
/gatherings (who comes), and a participant's *I'll come* / *I can't*."""

from __future__ import annotations

from datetime import date, time

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import ContextTypes

from bot.domain import dates, policy
from bot.domain.access import Actor, coordinated_programmes
from bot.domain.gatherings import Answer, Audience
from bot.domain.model import Programme
from bot.runtime.i18n import _, current_language
from bot.texts import gatherings as gt
from bot.texts.buttons import Callback, build
from bot.texts.durations import span
from bot.texts.keyboards import fit_markup
from bot.usecases.gatherings import GatheringProblem, Gatherings, Step
from bot.usecases.refusal import Refusal
from handlers.common import actor, deps, pressed, pressed_or_answer, wake_delivery
from handlers.coordinator import refuse
from handlers.render import markup as keyboard_of


def _gatherings(context: ContextTypes.DEFAULT_TYPE) -> Gatherings:
    return deps(context).core.gatherings


def _today(context: ContextTypes.DEFAULT_TYPE) -> date:
    # The year is shown only when it is not this year; a day either side does not matter.
    return deps(context).core.clock.now().date()


# a participant's answer


async def answer_pressed(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: Callback
) -> None:
    found = await pressed_or_answer(update, _("This button is old. Nothing was changed."))
    if found is None:
        return
    query, message, me = found
    answer = Answer.YES if data.values["answer"] == "y" else Answer.NO
    result = await _gatherings(context).answer(me.person, data.int("gathering"), answer)
    if isinstance(result, Refusal) and result.problem is GatheringProblem.NOT_INVITED:
        await query.answer(_("This invitation is not for you."))
        return
    if isinstance(result, Refusal):
        await query.answer(_("This gathering is over or cancelled. Nothing was changed."))
        await message.edit_reply_markup(reply_markup=None)
        return
    await query.answer()
    today = result.programme.rules.local(deps(context).core.clock.now()).date()
    text, markup = gt.invitation(current_language(), result.gathering, result.programme, today)
    await message.edit_text(
        f"{text}\n\n{gt.answer_line(answer.value)}",
        reply_markup=InlineKeyboardMarkup.de_json(fit_markup(markup), context.bot),
    )
    await message.reply_text(gt.answered(answer))


# the coordinator's overview


async def gatherings_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    me = actor()
    if message is None:
        return
    if me is None or not coordinated_programmes(me):
        await refuse(message)
        return
    text, markup = await _overview(context, me)
    await message.reply_text(text, reply_markup=markup)


async def _overview(
    context: ContextTypes.DEFAULT_TYPE, me: Actor
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The list of gatherings with answers, and a *Cancel* button for each coming one
    the coordinator may cancel."""
    gatherings = _gatherings(context)
    items = await gatherings.attendance(me)
    today = _today(context)
    language = current_language()
    many = len({programme.id for programme, _item in items}) > 1
    buttons = [
        [
            InlineKeyboardButton(
                gt.cancel_label(item.gathering, programme, language),
                callback_data=build("gc", item.gathering.id, "c"),
            )
        ]
        for programme, item in items
        if gatherings.open_for_cancelling(me, item.gathering)
    ]
    text = gt.attendance(items, language, today, many)
    return text, keyboard_of(buttons) if buttons else None


CANCEL_PROBLEMS = {
    GatheringProblem.NOT_ALLOWED: lambda: _("Only coordinators can do this."),
    GatheringProblem.UNKNOWN: lambda: _("I cannot find this gathering. Nothing was changed."),
    GatheringProblem.CANCELLED: lambda: _(
        "This gathering is already cancelled. Nothing was changed."
    ),
    GatheringProblem.OVER: lambda: _("This gathering is over or cancelled. Nothing was changed."),
}


async def cancel_pressed(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: Callback
) -> None:
    """*Cancel …* in /gatherings asks in place; *Yes, cancel it* cancels (and who said
    yes or has not answered is told through the outbox); *No* shows the list again."""
    found = await pressed_or_answer(update, _("This button is old. Nothing was changed."))
    if found is None:
        return
    query, message, me = found
    gatherings = _gatherings(context)
    gathering_id, step = data.int("gathering"), data.values["step"]
    language = current_language()
    if step == "n":
        if not coordinated_programmes(me):
            await query.answer(CANCEL_PROBLEMS[GatheringProblem.NOT_ALLOWED]())
            return
        await query.answer(_("OK, nothing was changed."))
        text, markup = await _overview(context, me)
        await message.edit_text(text, reply_markup=markup)
        return
    if step == "c":
        result = await gatherings.cancellable(me, gathering_id)
        if isinstance(result, Refusal):
            await query.answer(_cancel_problem(result.problem))
            return
        await query.answer()
        today = result.programme.rules.local(deps(context).core.clock.now()).date()
        await message.edit_text(
            gt.cancel_question(language, result.gathering, result.programme, today, result.coming),
            reply_markup=keyboard_of(
                [
                    [
                        InlineKeyboardButton(
                            _("Yes, cancel it"), callback_data=build("gc", gathering_id, "y")
                        ),
                        InlineKeyboardButton(_("No"), callback_data=build("gc", gathering_id, "n")),
                    ]
                ]
            ),
        )
        return
    outcome = await gatherings.cancel_by(me, gathering_id)
    if isinstance(outcome, Refusal):
        await query.answer(_cancel_problem(outcome.problem))
        return
    await query.answer()
    wake_delivery(context)
    later = None
    if outcome.goes_at is not None:
        programme = await deps(context).services.programme(outcome.gathering.programme_id)
        if programme is not None:
            local = programme.rules.local(outcome.goes_at)
            today = programme.rules.local(deps(context).core.clock.now()).date()
            later = dates.format_when(local.date(), local.time(), language, today=today)
    await message.edit_text(
        gt.cancel_done(language, outcome.gathering, outcome.told, later), reply_markup=None
    )


def _cancel_problem(problem: GatheringProblem) -> str:
    return CANCEL_PROBLEMS.get(problem, CANCEL_PROBLEMS[GatheringProblem.UNKNOWN])()


# the /gathering dialogue


async def gathering_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    me = actor()
    if message is None:
        return
    if me is None or not coordinated_programmes(me):
        await refuse(message)
        return
    await _ask(message, await _gatherings(context).start_dialogue(me), _today(context))


async def dialogue_pressed(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: Callback
) -> None:
    found = pressed(update)
    if found is None:
        return
    query, message, me = found
    if not coordinated_programmes(me):
        await query.answer(_("Only coordinators can do this."))
        return
    step, value = data.values["step"], data.values["value"]
    if (step == "a") != (value in {a.value for a in Audience}):
        await query.answer(_("This button is old. Nothing was changed."))
        return
    gatherings = _gatherings(context)
    await query.answer()
    await message.edit_reply_markup(reply_markup=None)
    if step == "p":
        await _ask(message, await gatherings.dialogue_programme(me, int(value)), _today(context))
    elif step == "a":
        await _ask(
            message, await gatherings.dialogue_audience(me, Audience(value)), _today(context)
        )
    else:
        result = await gatherings.dialogue_finish(me, confirmed=step == "ok")
        if result.created is not None:
            wake_delivery(context)
            created = result.created
            today = created.programme.rules.local(deps(context).core.clock.now()).date()
            await message.reply_text(
                gt.created(
                    current_language(), created.gathering, created.programme, today, created.invited
                )
            )
        elif result.problem is not None:
            await _ask(message, result, _today(context))
        else:
            await message.reply_text(_("OK, no gathering was made."))


async def text_answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    message = update.effective_message
    me = actor()
    if message is None or me is None or message.text is None:
        return False
    step = await _gatherings(context).dialogue_text(me, message.text)
    if step is None:
        return False
    await _ask(message, step, _today(context))
    return True


PROBLEMS = {
    GatheringProblem.BAD_TITLE: lambda: _(
        "Please write a short title, at most {limit} characters."
    ).format(limit=policy.MAX_TITLE),
    GatheringProblem.BAD_PLACE: lambda: _(
        "Please write a place or a link, at most {limit} characters."
    ).format(limit=policy.MAX_PLACE),
    GatheringProblem.NOT_UNDERSTOOD: lambda: _(
        "I did not understand the time. Write it like «4.5 kl 18» or «tuesday 18:00»."
    ),
    GatheringProblem.NO_TIME: lambda: _("Please add the time too, like «4.5 kl 18»."),
    GatheringProblem.IN_THE_PAST: lambda: _("That time has passed. Please write a later time."),
    GatheringProblem.STALE: lambda: _("Please answer the question above, or tap a button."),
    GatheringProblem.NOT_ALLOWED: lambda: _("Only coordinators can do this."),
}


async def _ask(message: Message, step: Step, today: date) -> None:
    """Says what went wrong (if anything) and asks the step's question."""
    if step.problem is not None:
        text = PROBLEMS.get(
            step.problem, lambda: _("Something changed. Start again with /gathering.")
        )()
        if step.step is None:
            await message.reply_text(text)
            return
        await message.reply_text(text)
        if step.problem is GatheringProblem.STALE:
            return
    if step.step == "programme":
        buttons = [
            [InlineKeyboardButton(p.name, callback_data=build("gw", "p", p.id))]
            for p in step.programmes
        ]
        await message.reply_text(
            _("New gathering. Which programme is it for?"),
            reply_markup=keyboard_of(buttons),
        )
    elif step.step == "title":
        await message.reply_text(
            _("New gathering. What is it called? Write a short title, like «Kick-off».")
        )
    elif step.step == "when":
        await message.reply_text(_("When is it? Write the day and time, like «4.5 kl 18»."))
    elif step.step == "place":
        await message.reply_text(_("Where is it? Write a place or a link."))
    elif step.step == "audience" and step.programme is not None:
        labels = step.programme.role_labels
        await message.reply_text(
            _("Who is it for?"),
            reply_markup=keyboard_of(
                [
                    [
                        InlineKeyboardButton(
                            gt.audience_name(audience, labels).capitalize(),
                            callback_data=build("gw", "a", audience.value),
                        )
                    ]
                    for audience in (Audience.ALL, Audience.MENTORS, Audience.ADEPTS)
                ]
            ),
        )
    elif step.step == "confirm" and step.programme is not None:
        await message.reply_text(
            _summary(step.programme, step.data, today),
            reply_markup=keyboard_of(
                [
                    [
                        InlineKeyboardButton(
                            _("Send invitations"), callback_data=build("gw", "ok", 0)
                        ),
                        InlineKeyboardButton(_("Cancel"), callback_data=build("gw", "x", 0)),
                    ]
                ]
            ),
        )


def _summary(programme: Programme, data: dict[str, object], today: date) -> str:
    day = date.fromisoformat(str(data["day"]))
    at = time.fromisoformat(str(data["time"]))
    return _(
        "{title}\nWhen: {when}\nWhere: {place}\nFor: {audience}\n"
        "Invitations go out {ahead} before, or now if it is sooner. Is this right?"
    ).format(
        ahead=span(policy.INVITE_AHEAD),
        title=data["title"],
        when=dates.format_when(day, at, current_language(), today=today),
        place=data["place"],
        audience=gt.audience_name(Audience(str(data["audience"])), programme.role_labels),
    )
