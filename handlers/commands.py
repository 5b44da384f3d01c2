"""The command menu: one-line descriptions per role and language, /help, and setMyCommands."""

from __future__ import annotations

from telegram import Bot, BotCommand, BotCommandScopeAllPrivateChats, BotCommandScopeChat, Update
from telegram.ext import ContextTypes

from bot.domain.model import SUPPORTED_LANGUAGES, Role
from bot.runtime.i18n import _, current_language, lazy, use_language
from handlers.common import actor, deps

PARTICIPANT_COMMANDS = (
    ("help", lazy("See what you can do")),
    ("status", lazy("How your pair is doing")),
    ("met", lazy("Tell me you met")),
    ("plan", lazy("Suggest a day to meet")),
    ("pause", lazy("Pause the reminders")),
    ("goals", lazy("See and change your goals")),
    ("agreement", lazy("Read your agreement")),
    ("profile", lazy("See and change your answers")),
    ("settings", lazy("Your settings")),
    ("mydata", lazy("Get all your data as a file")),
    ("deleteme", lazy("Delete your data")),
    ("language", lazy("Change language")),
)
# Goals are the adept's: /goals only tells a mentor so (they see them in /status).
MENTOR_COMMANDS = tuple(command for command in PARTICIPANT_COMMANDS if command[0] != "goals")
COORDINATOR_COMMANDS = (
    ("help", lazy("See what you can do")),
    ("invite", lazy("Get an invite link")),
    ("pair", lazy("Make a pair")),
    ("match", lazy("Suggested pairs")),
    ("pairs", lazy("See all pairs")),
    ("stalled", lazy("Pairs that need attention")),
    ("digest", lazy("This week's overview")),
    ("note", lazy("Add a note to a pair")),
    ("message", lazy("Send a message to a pair")),
    ("end", lazy("End a pair")),
    ("outcome", lazy("Record a job, education or internship")),
    ("report", lazy("Get the report for the funder")),
    ("gathering", lazy("Plan a gathering")),
    ("gatherings", lazy("See who comes to gatherings")),
    ("agreement", lazy("See or change the agreement text")),
    ("programme", lazy("See and change the programme's settings")),
    ("audit", lazy("Who saw or deleted personal data")),
    ("mydata", lazy("Get all your data as a file")),
    ("deleteme", lazy("Delete your data")),
    ("language", lazy("Change language")),
)


# A command's name in a language that spells it otherwise; both names work everywhere.
LOCAL_NAMES = {"nb": {"programme": "program"}}


def command_name(name: str) -> str:
    """The name the menu and /help show in the current language («program» in bokmål)."""
    return LOCAL_NAMES.get(current_language(), {}).get(name, name)


def bot_commands(role: Role | None) -> list[BotCommand]:
    table = COORDINATOR_COMMANDS if role is Role.COORDINATOR else PARTICIPANT_COMMANDS
    return [BotCommand(command_name(name), _(description)) for name, description in table]


async def register_commands(bot: Bot, default_language: str) -> None:
    """The menu for private chats, once per language and once for everyone else."""
    scope = BotCommandScopeAllPrivateChats()
    for language in SUPPORTED_LANGUAGES:
        with use_language(language):
            await bot.set_my_commands(bot_commands(None), scope=scope, language_code=language)
    with use_language(default_language):
        await bot.set_my_commands(bot_commands(None), scope=scope)


async def show_coordinator_commands(bot: Bot, chat_id: int) -> None:
    """A coordinator's chat gets the coordinator menu, in their language."""
    await bot.set_my_commands(
        bot_commands(Role.COORDINATOR), scope=BotCommandScopeChat(chat_id=chat_id)
    )


async def show_commands(bot: Bot, chat_id: int, roles: set[Role]) -> None:
    """A member's chat gets their menu in their language. Telegram picks a menu by the
    app's language only, so a phone in a language the bot does not speak would get the
    default's menu whatever the person reads."""
    role = Role.COORDINATOR if Role.COORDINATOR in roles else None
    await bot.set_my_commands(bot_commands(role), scope=BotCommandScopeChat(chat_id=chat_id))


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is None:
        return
    me = actor()
    role = me.primary_role() if me else None
    if role is None:
        await message.reply_text(
            _("I help mentor programmes. Open the invite link from your coordinator to join.")
        )
        return
    lines = [_("This is what you can do:")]
    table = _table(role, adept=me is not None and Role.ADEPT in me.roles())
    lines += [f"/{command_name(name)} – {_(description)}" for name, description in table]
    if role is Role.COORDINATOR and me is not None:
        labels = await deps(context).services.role_labels(me.person.id, Role.COORDINATOR)
        lines.append(
            _("Example: /invite supervisor gives a link for a new supervisor.")
            if labels == "trainee"
            else _("Example: /invite mentor gives a link for a new mentor.")
        )
    await message.reply_text("\n".join(lines))


def _table(role: Role, *, adept: bool) -> tuple[tuple[str, str], ...]:
    """What /help lists: a mentor who is nobody's adept has no goals of their own."""
    if role is Role.COORDINATOR:
        return COORDINATOR_COMMANDS
    return MENTOR_COMMANDS if role is Role.MENTOR and not adept else PARTICIPANT_COMMANDS
