"""Participants writing to the coordinator: «Answer» under a coordinator's message, and
words typed where no dialogue expected them, offered to the coordinator with one tap."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import ContextTypes

from bot.domain import dates
from bot.runtime.i18n import _, current_language
from bot.texts.buttons import Callback, build
from bot.usecases.conversations import CoordinatorMessages, Sent, Unsent
from handlers.common import actor, deps, wake_delivery
from handlers.render import markup


def _service(context: ContextTypes.DEFAULT_TYPE) -> CoordinatorMessages:
    return deps(context).core.coordinator_messages


def _sent(sent: Sent) -> str:
    """Says when it goes: at once, or when the programme's hours open (never "sent" for
    a message that waits)."""
    names = " & ".join(sent.names)
    only = (
        _("Only the coordinator sees it.")
        if len(sent.names) == 1
        else _("Only the coordinators see it.")
    )
    if sent.at <= sent.now:
        return "\n".join([_("✅ Sent to {names}.").format(names=names), only])
    rules = sent.programme.rules
    local = rules.local(sent.at)
    when = dates.format_when(
        local.date(), local.time(), current_language(), rules.local(sent.now).date()
    )
    return "\n".join([_("✅ {names} gets it {when}.").format(names=names, when=when), only])


async def answer_pressed(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: Callback
) -> None:
    query = update.callback_query
    me = actor()
    if query is None or me is None or not isinstance(query.message, Message):
        return
    name = await _service(context).open_reply(me.person, data.int("pair"), data.int("coordinator"))
    if name is None:
        await query.answer(_("This button is old. Nothing was changed."))
        return
    await query.answer()
    await query.message.reply_text(
        _("Write your answer to {name} now. Only the coordinator sees it.").format(name=name)
    )


async def reply_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    message = update.effective_message
    me = actor()
    if message is None or me is None or message.text is None:
        return False
    sent = await _service(context).reply(me.person, message.text)
    if sent is None:
        return False
    wake_delivery(context)
    await message.reply_text(_sent(sent))
    return True


def _offer_keyboard() -> InlineKeyboardMarkup:
    return markup(
        [
            [
                InlineKeyboardButton(_("Yes, send it"), callback_data=build("tc", "y")),
                InlineKeyboardButton(_("No"), callback_data=build("tc", "n")),
            ]
        ]
    )


async def offer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Words no dialogue expected: kept, and offered to the coordinator. False for
    someone who is no mentor or adept (there is no coordinator of theirs to offer)."""
    message = update.effective_message
    me = actor()
    if message is None or me is None or message.text is None:
        return False
    if not await _service(context).keep(me.person, message.text):
        return False
    await message.reply_text(
        _("Send this to the coordinator? Only the coordinator sees it."),
        reply_markup=_offer_keyboard(),
    )
    return True


async def offer_pressed(update: Update, context: ContextTypes.DEFAULT_TYPE, data: Callback) -> None:
    query = update.callback_query
    me = actor()
    if query is None or me is None or not isinstance(query.message, Message):
        return
    service = _service(context)
    if data.values["answer"] == "n":
        if not await service.drop_kept(me.person):
            await query.answer(_("This button is old. Nothing was changed."))
            return
        await query.answer()
        await query.edit_message_text(_("OK. I did not send it."))
        return
    sent = await service.send_kept(me.person)
    if sent is Unsent.NOTHING_KEPT:
        await query.answer(_("This button is old. Nothing was changed."))
        return
    await query.answer()
    if sent is Unsent.NOBODY:
        await query.edit_message_text(
            _("There is no coordinator I can send it to yet. Nothing was sent.")
        )
        return
    assert isinstance(sent, Sent)
    wake_delivery(context)
    await query.edit_message_text(_sent(sent))
