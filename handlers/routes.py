"""Which handler answers which update. Private commands only work in private chats."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from telegram import Update
from telegram.error import BadRequest
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.runtime.app import Frontend, Runtime
from bot.runtime.i18n import _
from bot.runtime.telegram_bot import answers_noted
from bot.texts.buttons import Callback, parse
from bot.usecases.agreements import GOALS_FLOW
from bot.usecases.conversations import OFFER_FLOW, REPLY_FLOW
from bot.usecases.evaluation import EVALUATION_FLOW
from bot.usecases.gatherings import FLOW as GATHERING_FLOW
from bot.usecases.joining import INTAKE_FLOW
from bot.usecases.programme_settings import FLOW as SETTINGS_FLOW
from handlers import (
    agreement,
    alerts,
    commands,
    conversations,
    coordinator,
    digest,
    evaluation,
    gatherings,
    matching,
    meetings,
    onboarding,
    privacy,
    programme,
)
from handlers.common import DEPS_KEY, Deps, actor, dialogue_changed, dialogue_on_arrival, prepare

log = logging.getLogger(__name__)

ButtonHandler = Callable[[Update, ContextTypes.DEFAULT_TYPE, Callback], Awaitable[None]]

BUTTONS: dict[str, ButtonHandler] = {
    "cs": onboarding.consent_pressed,
    "in": onboarding.intake_pressed,
    "pf": onboarding.profile_pressed,
    "lg": onboarding.language_pressed,
    "lw": onboarding.language_pressed,
    "iv": coordinator.invite_pressed,
    "pp": coordinator.programme_pressed,
    "pm": coordinator.mentor_pressed,
    "pa": coordinator.adept_pressed,
    "st": agreement.start_pressed,
    "gl": agreement.goal_pressed,
    "ex": agreement.expectation_pressed,
    "ag": agreement.confirm_pressed,
    "rp": conversations.answer_pressed,
    "tc": conversations.offer_pressed,
    "np": meetings.nudge_pressed,
    "pl": meetings.plan_day_pressed,
    "pc": meetings.proposal_pressed,
    "ml": meetings.met_pressed,
    "mg": meetings.topic_pressed,
    "hm": meetings.did_meet_pressed,
    "mc": meetings.meeting_answered,
    "cp": meetings.period_check_in_pressed,
    "ck": meetings.check_in_pressed,
    "pz": meetings.pause_pressed,
    "pr": meetings.pair_chosen,
    "pg": coordinator.page_pressed,
    "al": alerts.alert_pressed,
    "cm": alerts.recipient_pressed,
    "ev": evaluation.evaluation_pressed,
    "mp": matching.programme_pressed,
    "mt": matching.suggestion_pressed,
    "gi": gatherings.answer_pressed,
    "gw": gatherings.dialogue_pressed,
    "gc": gatherings.cancel_pressed,
    "sg": digest.setting_pressed,
    "ps": programme.settings_pressed,
    "dm": privacy.delete_pressed,
}

PRIVATE = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
# Telegram's words for an edit of a message that cannot take it.
UNEDITABLE = (
    "message is not modified",
    "there is no text in the message to edit",
    "message can't be edited",
    "message to edit not found",
)


def install(application: Application, runtime: Runtime) -> None:  # type: ignore[type-arg]
    """The handlers' dependencies, the handlers, and the alert chats' daily check."""
    deps = Deps(
        core=runtime.core,
        default_language=runtime.settings.default_language,
        delivery=runtime.delivery,
    )
    deps.extra["settings"] = runtime.settings
    application.bot_data[DEPS_KEY] = deps
    register(application)
    if runtime.ticks and application.job_queue is not None:
        # Each alert chat is checked once a day for participants; the job looks hourly.
        application.job_queue.run_repeating(
            alerts.group_check_job, interval=3600, first=60.0, name="alert-groups"
        )


async def start(application: Application, runtime: Runtime) -> None:  # type: ignore[type-arg]
    """The command menus, once the application is initialised."""
    await commands.register_commands(application.bot, runtime.settings.default_language)


# What the composition root passes to bot/runtime/app.py.
FRONTEND = Frontend(register=install, start=start)


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(TypeHandler(Update, prepare), group=-1)
    for name, callback in (
        ("start", onboarding.start),
        ("help", commands.help_command),
        ("profile", onboarding.profile),
        ("language", onboarding.language),
        ("invite", coordinator.invite),
        ("pair", pair_or_file),
        ("pairs", coordinator.pairs),
        ("match", matching.match_command),
        ("goals", agreement.goals_command),
        ("agreement", agreement.agreement_command),
        ("met", meetings.met_command),
        ("plan", meetings.plan_command),
        ("status", meetings.status_command),
        ("pause", meetings.pause_command),
        ("note", alerts.note),
        ("end", alerts.end),
        ("message", alerts.message_command),
        ("outcome", evaluation.outcome_command),
        ("report", evaluation.report_command),
        ("gathering", gatherings.gathering_command),
        ("gatherings", gatherings.gatherings_command),
        ("digest", digest.digest_command),
        ("settings", digest.settings),
        ("programme", programme.programme_command),
        ("program", programme.programme_command),  # the Norwegian word
        ("mydata", privacy.my_data),
        ("deleteme", privacy.delete_me),
        ("audit", privacy.audit),
    ):
        application.add_handler(CommandHandler(name, callback, filters=PRIVATE))
    # In groups the bot answers only coordinators' alert-chat commands; participants'
    # private commands sent in a group are ignored.
    for name, callback in (
        ("bindalerts", alerts.bind_alerts),
        ("unbindalerts", alerts.unbind_alerts),
        ("stalled", alerts.stalled),
    ):
        application.add_handler(CommandHandler(name, callback, filters=filters.UpdateType.MESSAGE))
    application.add_handler(CallbackQueryHandler(on_button))
    application.add_handler(MessageHandler(PRIVATE & filters.COMMAND, unknown_command))
    application.add_handler(MessageHandler(PRIVATE & filters.TEXT, on_text))
    application.add_handler(MessageHandler(PRIVATE & ~filters.TEXT, not_text))
    application.add_error_handler(on_error)


async def pair_or_file(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/pair` makes a pair; `/pair 12` shows pair 12."""
    if context.args:
        await alerts.show_pair(update, context)
    else:
        await coordinator.pair(update, context)


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    if query is None:
        return
    data = parse(query.data)
    handler = BUTTONS.get(data.action) if data else None
    if data is None or handler is None:
        await query.answer(_("This button is old. Nothing was changed."))
        return
    with answers_noted() as answered:
        try:
            await _press(update, context, handler, data)
        finally:
            # Every press is answered, whatever branch its handler took, or the button
            # spins until Telegram gives up.
            if query.id not in answered:
                await query.answer(
                    _("Open the invite link from your coordinator first.")
                    if actor() is None
                    else None
                )


async def _press(
    update: Update, context: ContextTypes.DEFAULT_TYPE, handler: ButtonHandler, data: Callback
) -> None:
    try:
        await handler(update, context, data)
    except BadRequest as error:
        # A forged or repeated press on a message that no longer has that button (or is
        # a file, or is gone): the edit fails, and the press changes nothing more.
        if not any(reason in str(error).lower() for reason in UNEDITABLE):
            raise
        log.info(
            "update %s: button on a message that cannot change; nothing done", update.update_id
        )


TextHandler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[bool]]

# Typed words go to the first handler that takes them; each takes them only in its own
# dialogue flows (the evaluation also with no dialogue open: an open evaluation may wait
# for words), and returns False, changing nothing, otherwise.
TEXT_HANDLERS: tuple[tuple[frozenset[str | None], TextHandler], ...] = (
    (frozenset({INTAKE_FLOW}), onboarding.text_answer),
    (frozenset({GOALS_FLOW}), agreement.goal_text),
    (meetings.FLOWS, meetings.text_answer),
    (frozenset({alerts.MESSAGE_FLOW}), alerts.text_answer),
    (frozenset({REPLY_FLOW}), conversations.reply_text),
    # More words while the offer to send is open are kept with the first.
    (frozenset({OFFER_FLOW}), conversations.offer),
    (frozenset({GATHERING_FLOW}), gatherings.text_answer),
    (frozenset({EVALUATION_FLOW, None}), evaluation.text_answer),
    (frozenset({SETTINGS_FLOW}), programme.text_answer),
)
KNOWN_FLOWS = frozenset().union(*(flows for flows, _handler in TEXT_HANDLERS))


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    # With the dialogue read on arrival, only the handler of its flow is asked: the
    # others would each read the dialogue again to say no.
    opened = dialogue_on_arrival()
    flow = opened.dialogue.flow if opened and opened.dialogue else None
    known = opened is not None and flow in KNOWN_FLOWS
    for flows, handler in TEXT_HANDLERS:
        if known and flow not in flows:
            continue
        if await handler(update, context):
            return
        # A handler that said no may still have closed its dialogue: ask the rest as ever.
        known = False
        dialogue_changed()
    # Words no dialogue expected are not refused: a participant is offered to send them
    # to the coordinator, and they are kept until they tap.
    if await conversations.offer(update, context):
        return
    message = update.effective_message
    if message is not None:
        await message.reply_text(_("I did not understand that. Tap /help to see what you can do."))


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is not None:
        await message.reply_text(_("I do not know that command. Tap /help to see what you can do."))


async def not_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is not None:
        await message.reply_text(_("I can only read text. Please write, or tap a button."))


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    # Ids only: message texts and names stay out of the logs.
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("update %s failed", update_id, exc_info=context.error)
    if isinstance(update, Update) and update.effective_message is not None:
        try:
            await update.effective_message.reply_text(
                _("Sorry, something went wrong on my side. Please try again.")
            )
        except Exception:
            log.warning("could not tell update %s about the error", update_id)
