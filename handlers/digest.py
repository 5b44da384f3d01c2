"""/digest (a coordinator's weekly overview on demand) and /settings (a person's own
settings: the weekly note on or off, the language), with one-tap buttons."""

from __future__ import annotations

import asyncio

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ContextTypes

from bot.domain.access import coordinated_cohorts
from bot.domain.model import Person
from bot.files import chart
from bot.runtime.i18n import LANGUAGE_NAMES, _, current_language
from bot.texts.buttons import Callback, build
from handlers.common import actor, deps, member_command, pressed
from handlers.coordinator import refuse
from handlers.render import language_buttons, markup


async def digest_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is None:
        return
    # A region's coordinator sees the region's digest; one of the whole programme, all.
    scopes = coordinated_cohorts(actor())
    if not scopes:
        await refuse(message)
        return
    for rendered in await deps(context).digests.on_demand(scopes, current_language()):
        for part in rendered.parts:
            await message.reply_text(part)
        # Drawing takes a few hundred milliseconds of CPU: off the event loop.
        picture = await asyncio.to_thread(chart.render_payload, rendered.chart)
        await message.reply_photo(picture, caption=rendered.caption)


def _view(person: Person) -> tuple[str, InlineKeyboardMarkup]:
    note = _("on") if person.weekly_note else _("off")
    language = LANGUAGE_NAMES[current_language()]
    text = "\n".join(
        [
            _("Your settings:"),
            _("Weekly note about your pair: {state}").format(state=note),
            _("Language: {language}").format(language=language),
        ]
    )
    toggle = (
        InlineKeyboardButton(_("Turn off weekly note"), callback_data=build("sg", "wn", 0))
        if person.weekly_note
        else InlineKeyboardButton(_("Turn on weekly note"), callback_data=build("sg", "wn", 1))
    )
    keyboard = markup(
        [
            [toggle],
            language_buttons("lg"),
        ]
    )
    return text, keyboard


async def settings(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    command = await member_command(update)
    if command is None:
        return
    message, me = command
    text, keyboard = _view(me.person)
    await message.reply_text(text, reply_markup=keyboard)


async def setting_pressed(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: Callback
) -> None:
    press = pressed(update)
    if press is None:
        return
    query, _message, me = press
    on = data.values["value"] == "1"
    person = await deps(context).digests.set_weekly_note(me.person, on)
    await query.answer(
        _("You will get a short note about your pair each week.")
        if on
        else _("OK. No more weekly notes.")
    )
    text, keyboard = _view(person)
    await query.edit_message_text(text, reply_markup=keyboard)
