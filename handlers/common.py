"""What every handler needs: the injected services, who is asking, and their language."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field

from telegram import CallbackQuery, Message, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot.domain import dates
from bot.domain.access import Actor
from bot.domain.model import Dialogue, Opened, Programme
from bot.runtime.delivery import DeliveryWorker
from bot.runtime.i18n import _, current_language, resolve_language, set_language
from bot.runtime.wiring import Core
from bot.usecases.agreements import Agreements
from bot.usecases.alerts import Alerts
from bot.usecases.digest import Digests
from bot.usecases.joining import Services, TelegramUser
from bot.usecases.meetings import Meetings
from bot.usecases.pairing import Pairing

_actor: ContextVar[Actor | None] = ContextVar("mentorbot_actor", default=None)


_opened: ContextVar[Opened | None] = ContextVar("mentorbot_dialogue", default=None)


@dataclass
class Deps:
    """Injected into ``application.bot_data`` by the builder."""

    core: Core
    default_language: str
    delivery: DeliveryWorker | None = None
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def services(self) -> Services:
        return self.core.services

    @property
    def pairing(self) -> Pairing:
        return self.core.pairing

    @property
    def agreements(self) -> Agreements:
        return self.core.agreements

    @property
    def meetings(self) -> Meetings:
        return self.core.meetings

    @property
    def alerts(self) -> Alerts:
        return self.core.alerts

    @property
    def digests(self) -> Digests:
        return self.core.digests


DEPS_KEY = "mentorbot.deps"


def deps(context: ContextTypes.DEFAULT_TYPE) -> Deps:
    value = context.bot_data[DEPS_KEY]
    assert isinstance(value, Deps)
    return value


def actor() -> Actor | None:
    """The person behind the update being handled (None for strangers)."""
    return _actor.get()


async def member_command(update: Update) -> tuple[Message, Actor] | None:
    """A command and the person who sent it; a stranger is told how to join (None)."""
    message = update.effective_message
    if message is None:
        return None
    me = actor()
    if me is None:
        await message.reply_text(_("Open the invite link from your coordinator first."))
        return None
    return message, me


def dialogue_on_arrival() -> Opened | None:
    """The person's open dialogue as this update found it (read with the person), or None
    when not known: for a stranger, or once something in this update may have changed it.
    Use cases that change a dialogue still read it in their own transaction."""
    return _opened.get()


def dialogue_changed(dialogue: Dialogue | None = None, *, known: bool = False) -> None:
    """Something in this update changed the dialogue: to `dialogue` if `known`, else to
    something only a new read tells."""
    _opened.set(Opened(dialogue) if known else None)


def pressed(update: Update) -> tuple[CallbackQuery, Message, Actor] | None:
    """A button press by a known person on a message we can still answer, or None."""
    query = update.callback_query
    me = actor()
    if query is None or me is None or not isinstance(query.message, Message):
        return None
    return query, query.message, me


async def pressed_or_answer(
    update: Update, answer: str
) -> tuple[CallbackQuery, Message, Actor] | None:
    """`pressed`, and a press we cannot act on (a stranger's, a lost message) is answered
    with `answer` so the button does not spin."""
    found = pressed(update)
    if found is None and update.callback_query is not None:
        await update.callback_query.answer(answer)
    return found


def telegram_user(update: Update) -> TelegramUser | None:
    user = update.effective_user
    if user is None or user.is_bot:
        return None
    return TelegramUser(
        id=user.id,
        first_name=user.first_name,
        last_name=user.last_name,
        language_code=user.language_code,
    )


async def prepare(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Runs before every handler: drops repeated updates, finds the person, sets the language."""
    d = deps(context)
    user = telegram_user(update)
    arrival = await d.services.arrive(update.update_id, user, reachable=reachable(update))
    if not arrival.first_time:
        raise ApplicationHandlerStop
    found = arrival.actor
    _actor.set(found)
    _opened.set(Opened(arrival.dialogue) if found else None)
    stored = found.person.language if found else None
    fallback = arrival.programme_language or d.default_language
    set_language(resolve_language(stored, user.language_code if user else None, fallback))


def reachable(update: Update) -> bool | None:
    """What an update says about reaching its sender: a message or a tap means yes;
    blocking the bot in the private chat means no (Telegram tells us with a
    `my_chat_member` update); a change in a group's membership says nothing about them."""
    change = update.my_chat_member
    if change is None:
        return True
    if change.chat.type != ChatType.PRIVATE:
        return None
    return change.new_chat_member.status not in (ChatMemberStatus.BANNED, ChatMemberStatus.LEFT)


async def refresh_actor(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Actor | None:
    """Reads the person again after a use case changed them (joined, chose a language)."""
    user = telegram_user(update)
    found = await deps(context).services.actor(user.id) if user else None
    _actor.set(found)
    _opened.set(None)
    return found


def sent_later(context: ContextTypes.DEFAULT_TYPE, programme: Programme) -> str | None:
    """When a message queued now to the programme's participants goes, in the reader's
    words («mandag 8. desember kl. 9»); None when it goes now. Replies say "sent" only
    then (the programme's hours and days hold messages to participants back)."""
    rules = programme.rules
    now = deps(context).core.clock.now()
    moment = rules.waits_until(now)
    if moment is None:
        return None
    local = rules.local(moment)
    today = rules.local(now).date()
    return dates.format_when(local.date(), local.time(), current_language(), today=today)


def wake_delivery(context: ContextTypes.DEFAULT_TYPE) -> None:
    worker = deps(context).delivery
    if worker is not None:
        worker.wake()
