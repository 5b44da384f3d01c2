"""A person's own data: /mydata (everything stored, as files), /deleteme (with a
confirmation), and /audit for coordinators (who saw, exported or deleted what)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import ContextTypes

from bot.domain import dates
from bot.domain.access import Action, may
from bot.runtime.i18n import _, current_language
from bot.texts.buttons import Callback, build
from bot.usecases.privacy import AuditAction, export_files
from handlers.common import actor, deps, pressed, wake_delivery
from handlers.coordinator import refuse
from handlers.render import markup


def _nothing_stored() -> str:
    return _("I have no data about you.")


async def my_data(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    me = actor()
    if message is None:
        return
    if me is None or not may(me, Action.OWN_DATA, None):
        await message.reply_text(_nothing_stored())
        return
    privacy = deps(context).core.privacy
    data = await privacy.my_data(me)
    if data is None:
        await message.reply_text(_nothing_stored())
        return
    as_json, summary = export_files(data, current_language())
    await message.reply_document(
        document=as_json,
        filename="mentorbot-my-data.json",
        caption=_("Everything I store about you, as a file."),
    )
    await message.reply_document(
        document=summary,
        filename="mentorbot-my-data.txt",
        caption=_("A short summary. /deleteme deletes your data."),
    )
    await privacy.record_audit(me.person.id, None, AuditAction.EXPORT, f"person:{me.person.id}")


def _confirm_keyboard() -> InlineKeyboardMarkup:
    return markup(
        [
            [
                InlineKeyboardButton(_("Yes, delete"), callback_data=build("dm", "y")),
                InlineKeyboardButton(_("No, keep it"), callback_data=build("dm", "n")),
            ]
        ]
    )


async def delete_me(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    me = actor()
    if message is None:
        return
    if me is None or not may(me, Action.OWN_DATA, None):
        await message.reply_text(_nothing_stored())
        return
    await message.reply_text(
        _(
            "Do you want to delete your data? I delete your name, your answers and your "
            "comments. Your pair ends, and the coordinator is told. This cannot be undone."
        ),
        reply_markup=_confirm_keyboard(),
    )


async def delete_pressed(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: Callback
) -> None:
    found = pressed(update)
    if found is None:
        query = update.callback_query
        if query is not None:
            await query.answer(_("This button is old. Nothing was changed."))
        return
    query, message, me = found
    await query.answer()
    await query.edit_message_reply_markup(reply_markup=None)
    if data.values["answer"] != "y":
        await message.reply_text(_("OK. Nothing was deleted."))
        return
    erased = await deps(context).core.privacy.delete_me(me)
    if erased is None:
        await message.reply_text(_nothing_stored())
        return
    wake_delivery(context)
    await message.reply_text(_("Your data is deleted. Thank you for taking part. Goodbye!"))


async def audit(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is None:
        return
    entries = await deps(context).core.privacy.audit(actor())
    if entries is None:
        await refuse(message)
        return
    if not entries:
        await message.reply_text(_("The audit log of your programmes is empty."))
        return
    await _reply(
        message,
        [_("Newest first: who saw, exported or deleted personal data.")]
        + [
            _("{day} {time}: {who} — {what} ({target})").format(
                day=dates.format_day(_local(entry.at, entry.timezone).date(), current_language()),
                time=f"{_local(entry.at, entry.timezone):%H:%M}",
                who=entry.actor_name
                or (_("the bot") if entry.actor_id is None else f"#{entry.actor_id}"),
                what=_action_name(entry.action),
                target=entry.target,
            )
            for entry in entries
        ],
    )


def _local(at: datetime, timezone: str) -> datetime:
    """When it happened, in the programme's time zone (stored in UTC)."""
    return at.astimezone(ZoneInfo(timezone))


def _action_name(action: str) -> str:
    names = {
        AuditAction.VIEW_COMMENTS.value: _("saw check-ins and comments"),
        AuditAction.EXPORT.value: _("exported data"),
        AuditAction.DELETION.value: _("deleted their data"),
        AuditAction.RETENTION.value: _("erased a cohort after the retention time"),
    }
    return names.get(action, action)


async def _reply(message: Message, lines: list[str]) -> None:
    chunk: list[str] = []
    size = 0
    for line in lines:
        if size + len(line) + 1 > 3500 and chunk:
            await message.reply_text("\n".join(chunk))
            chunk, size = [], 0
        chunk.append(line)
        size += len(line) + 1
    if chunk:
        await message.reply_text("\n".join(chunk))
