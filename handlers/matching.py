"""/match: the coordinator walks through matching suggestions, one card at a time, and
accepts, asks for another mentor, says no, or goes on. Nothing is paired without a tap."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import ContextTypes

from bot.domain.access import Actor, coordinated_programmes
from bot.runtime.i18n import _, ngettext
from bot.texts.buttons import Callback, build
from bot.texts.matching import suggestion_text
from bot.usecases.matching import Matchmaker, MatchPlan, MatchProblem
from bot.usecases.pairing import PairProblem
from bot.usecases.refusal import Refusal
from handlers.common import deps, sent_later, wake_delivery
from handlers.coordinator import coordinator_actor, coordinator_command, pair_made
from handlers.render import markup, pair_problem, which_programme

NOT_ALLOWED = "Only coordinators can do this."


def _matchmaker(context: ContextTypes.DEFAULT_TYPE) -> Matchmaker:
    return Matchmaker(deps(context).services)


async def match_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    command = await coordinator_command(update)
    if command is None:
        return
    message, me = command
    programmes = coordinated_programmes(me)
    if len(programmes) > 1:
        found = await deps(context).services.programmes(programmes)
        question, choices = which_programme(found, lambda programme_id: build("mp", programme_id))
        await message.reply_text(question, reply_markup=choices)
        return
    text, keyboard = await _card(context, me, programmes[0], after=None)
    await message.reply_text(text, reply_markup=keyboard)


async def programme_pressed(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: Callback
) -> None:
    query = update.callback_query
    me = coordinator_actor()
    if query is None or not isinstance(query.message, Message):
        return
    programme_id = data.int("programme")
    if me is None or programme_id not in coordinated_programmes(me):
        await query.answer(_(NOT_ALLOWED))
        return
    await query.answer()
    text, keyboard = await _card(context, me, programme_id, after=None)
    await query.edit_message_text(text, reply_markup=keyboard)


async def suggestion_pressed(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: Callback
) -> None:
    query = update.callback_query
    me = coordinator_actor()
    if query is None or not isinstance(query.message, Message):
        return
    programme_id = data.int("programme")
    mentor_id, adept_id = data.int("mentor"), data.int("adept")
    if me is None or programme_id not in coordinated_programmes(me):
        await query.answer(_(NOT_ALLOWED), show_alert=True)
        return
    action = data.values["action"]
    if action == "a":
        services = deps(context).services
        outcome = await deps(context).pairing.create_pair(me, programme_id, mentor_id, adept_id)
        programme = await services.programme(programme_id)
        labels = programme.role_labels if programme else "mentor"
        if outcome.problem is not None or outcome.view is None:
            await query.answer(
                pair_problem(outcome.problem or PairProblem.NOT_ALLOWED, labels, "/match"),
                show_alert=True,
            )
            return
        await query.answer()
        wake_delivery(context)
        later = sent_later(context, programme) if programme is not None else None
        await query.edit_message_text(pair_made(outcome.view, labels, later))
        text, keyboard = await _card(context, me, programme_id, after=adept_id)
        await query.message.reply_text(text, reply_markup=keyboard)
        return
    if action in ("r", "o"):
        if not await _matchmaker(context).reject(me, programme_id, mentor_id, adept_id):
            await query.answer(_("This suggestion is old. Try /match again."), show_alert=True)
            return
        await query.answer(_("OK. I will not suggest these two again."))
        # "Another mentor" stays with this adept; "No" goes on to the next adept.
        text, keyboard = await _card(
            context, me, programme_id, after=adept_id, same_adept=action == "o"
        )
        await query.edit_message_text(text, reply_markup=keyboard)
        return
    await query.answer()
    text, keyboard = await _card(context, me, programme_id, after=adept_id)
    await query.edit_message_text(text, reply_markup=keyboard)


async def _card(
    context: ContextTypes.DEFAULT_TYPE,
    me: Actor,
    programme_id: int,
    *,
    after: int | None,
    same_adept: bool = False,
) -> tuple[str, InlineKeyboardMarkup | None]:
    plan = await _matchmaker(context).plan(me, programme_id)
    if isinstance(plan, Refusal) and plan.problem is MatchProblem.NOT_ALLOWED:
        return _(NOT_ALLOWED), None
    if isinstance(plan, Refusal):
        return _("This programme has no cohort yet."), None
    suggestion = plan.for_adept(after) if same_adept and after is not None else None
    suggestion = suggestion or plan.after(after)
    if suggestion is None:
        return _nothing_to_suggest(plan), None
    labels = plan.programme.role_labels
    text = suggestion_text(
        suggestion,
        plan.people.get(suggestion.mentor_id),
        plan.people.get(suggestion.adept_id),
        plan.position(suggestion),
        len(plan.suggestions),
        labels,
    )
    ids = (programme_id, suggestion.mentor_id, suggestion.adept_id)
    buttons = [
        [
            InlineKeyboardButton(_("✅ Pair them"), callback_data=build("mt", "a", *ids)),
            InlineKeyboardButton(
                _("Other supervisor") if labels == "trainee" else _("Other mentor"),
                callback_data=build("mt", "o", *ids),
            ),
        ],
        [
            InlineKeyboardButton(_("✖ Not these two"), callback_data=build("mt", "r", *ids)),
        ],
    ]
    if len(plan.suggestions) > 1:
        buttons[1].append(InlineKeyboardButton(_("Next ▶"), callback_data=build("mt", "n", *ids)))
    return text, markup(buttons)


def _nothing_to_suggest(plan: MatchPlan) -> str:
    trainee = plan.programme.role_labels == "trainee"
    if plan.unpaired_adepts == 0:
        text = (
            _("All trainees in {cohort} have a supervisor.")
            if trainee
            else _("All adepts in {cohort} have a mentor.")
        ).format(cohort=plan.cohort.name)
    elif plan.mentors_with_room == 0:
        text = (
            _("No supervisor in {cohort} has room for a trainee.")
            if trainee
            else _("No mentor in {cohort} has room for an adept.")
        ).format(cohort=plan.cohort.name)
    else:
        text = _("I have no more suggestions for {cohort}. Use /pair to choose yourself.").format(
            cohort=plan.cohort.name
        )
    if plan.waiting_to_join:
        text = _("{text}\n{waiting}").format(
            text=text,
            waiting=ngettext(
                "{count} imported person has not opened their link yet.",
                "{count} imported people have not opened their link yet.",
                plan.waiting_to_join,
            ).format(count=plan.waiting_to_join),
        )
    return text
