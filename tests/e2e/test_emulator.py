"""The Bot API emulator, exercised through the real python-telegram-bot over HTTP."""

from __future__ import annotations

import asyncio
import datetime as dtm
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllPrivateChats,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter, TimedOut
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
)

from bot.runtime.updates import PerSenderUpdateProcessor
from bot.sim.emulator import BotApiEmulator

pytestmark = [
    pytest.mark.asyncio,
    # PTB 22 warns when RetryAfter.retry_after is read as int; either form is accepted below.
    pytest.mark.filterwarnings("ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning"),
]

KEYBOARD = InlineKeyboardMarkup(
    [
        [
            InlineKeyboardButton("Ja ✅", callback_data="yes:1"),
            InlineKeyboardButton("Nei", callback_data="no:1"),
        ],
        [InlineKeyboardButton("Hjelp", url="https://example.org/help")],
    ]
)


@pytest_asyncio.fixture
async def emu() -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator() as emulator:
        yield emulator


@pytest_asyncio.fixture
async def bot(emu: BotApiEmulator) -> AsyncIterator[Bot]:
    async with Bot(emu.token, base_url=emu.base_url, base_file_url=emu.base_file_url) as b:
        yield b


def _retry_after(error: RetryAfter) -> float:
    value = error.retry_after
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


async def test_get_me_and_send_message_with_keyboard(emu: BotApiEmulator, bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot) == (emu.bot_id, "mentor_test_bot", True)
    user = emu.user(1001, "Amina")

    first = await bot.send_message(user.id, "42")  # numeric-looking text must stay a string
    sent = await bot.send_message(
        user.id, "<b>Hei</b> Amina!", parse_mode="HTML", reply_markup=KEYBOARD
    )
    assert sent.message_id == first.message_id + 1
    assert sent.chat.id == user.id and sent.from_user is not None and sent.from_user.is_bot
    assert sent.reply_markup == KEYBOARD

    assert [m.text for m in user.inbox()] == ["42", "<b>Hei</b> Amina!"]
    msg = await user.next_message()
    assert msg.text == "42"
    msg = await user.next_message()
    assert msg.parse_mode == "HTML" and msg is user.last_message()
    assert msg.buttons() == [
        [("Ja ✅", "yes:1"), ("Nei", "no:1")],
        [("Hjelp", "https://example.org/help")],
    ]
    assert msg.button_texts() == ["Ja ✅", "Nei", "Hjelp"]
    assert msg.callback_data("Ja") == "yes:1" and msg.callback_data("Nei") == "no:1"
    with pytest.raises(KeyError, match="Hjelp"):
        msg.callback_data("Kanskje")
    await user.expect_no_message(wait=0.05)
    with pytest.raises(TimeoutError, match="Hei"):
        await user.next_message(timeout=0.05)
    assert emu.calls("sendMessage")[-1].params["reply_markup"]["inline_keyboard"][0][0] == {
        "text": "Ja ✅",
        "callback_data": "yes:1",
    }


async def test_edit_delete_and_formatting_errors(emu: BotApiEmulator, bot: Bot) -> None:
    user = emu.user(1002, "Omar")
    sent = await bot.send_message(user.id, "Velg", reply_markup=KEYBOARD)
    edited = await bot.edit_message_text("Valgt: ja", chat_id=user.id, message_id=sent.message_id)
    assert not isinstance(edited, bool) and edited.text == "Valgt: ja"
    msg = user.last_message()
    assert (msg.text, msg.edited, msg.reply_markup, msg.history) == ("Valgt: ja", 1, None, ["Velg"])
    with pytest.raises(BadRequest, match=r"(?i)not modified"):
        await bot.edit_message_text("Valgt: ja", chat_id=user.id, message_id=sent.message_id)
    await bot.edit_message_reply_markup(user.id, sent.message_id, reply_markup=KEYBOARD)
    assert msg.button_texts() == ["Ja ✅", "Nei", "Hjelp"] and msg.edited == 2

    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message(user.id, "<b>unclosed", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message(user.id, "1 < 2", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)reserved"):
        await bot.send_message(user.id, "Done.", parse_mode="MarkdownV2")
    await bot.send_message(user.id, r"*Done*\. [link](https://a.b/c-d)", parse_mode="MarkdownV2")
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
        await bot.send_message(
            user.id,
            "x",
            reply_markup=InlineKeyboardMarkup(
                [[InlineKeyboardButton("x", callback_data="x" * 65)]]
            ),
        )

    assert await bot.delete_message(user.id, sent.message_id)
    assert msg.deleted and msg not in user.inbox()
    with pytest.raises(BadRequest, match=r"(?i)not found"):
        await bot.delete_message(user.id, sent.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("?", chat_id=user.id, message_id=999)


async def test_photo_document_commands_and_chat(emu: BotApiEmulator, bot: Bot) -> None:
    user = emu.user(1003, "Lena", language_code="uk")
    photo = await bot.send_photo(user.id, b"\x89PNG fake image bytes", caption="QR")
    document = await bot.send_document(
        user.id, b"a;b\n1;2\n", filename="rapport.csv", caption="Rapport"
    )
    assert photo.photo and photo.caption == "QR"
    assert document.document is not None and document.document.file_name == "rapport.csv"
    kinds = [(m.kind, m.caption, m.size, m.document_name) for m in user.inbox()]
    assert kinds[0][:3] == ("photo", "QR", 21)
    assert kinds[1] == ("document", "Rapport", 8, "rapport.csv")
    file = await bot.get_file(document.document.file_id)
    assert await file.download_as_bytearray() == bytearray(b"a;b\n1;2\n")

    await bot.set_my_commands([BotCommand("start", "Start")])
    await bot.set_my_commands(
        [BotCommand("start", "Begynn"), BotCommand("help", "Hjelp")],
        scope=BotCommandScopeAllPrivateChats(),
        language_code="nb",
    )
    assert emu.commands[("default", "")] == [{"command": "start", "description": "Start"}]
    assert [c["command"] for c in emu.commands[("all_private_chats", "nb")]] == ["start", "help"]
    nb = await bot.get_my_commands(scope=BotCommandScopeAllPrivateChats(), language_code="nb")
    assert [c.description for c in nb] == ["Begynn", "Hjelp"]
    with pytest.raises(BadRequest, match=r"(?i)BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand("Start-Now", "bad")])
    assert await bot.delete_my_commands(language_code="nb", scope=BotCommandScopeAllPrivateChats())
    assert ("all_private_chats", "nb") not in emu.commands

    chat = await bot.get_chat(user.id)
    assert (chat.id, chat.type, chat.first_name) == (user.id, "private", "Lena")
    assert await bot.send_chat_action(user.id, "typing")
    assert await bot.set_webhook("https://example.org/hook")
    assert (await bot.get_webhook_info()).url == "https://example.org/hook"
    with pytest.raises(Exception, match=r"(?i)webhook is active"):
        await bot.get_updates()
    assert await bot.delete_webhook()


async def test_error_mapping(emu: BotApiEmulator, bot: Bot) -> None:
    user = emu.user(1004, "Jonas")
    emu.block(user.id)
    with pytest.raises(Forbidden, match=r"(?i)blocked by the user"):
        await bot.send_message(user.id, "hei")
    emu.unblock(user.id)
    await bot.send_message(user.id, "hei igjen")

    emu.fail_next("sendMessage", status=500)
    with pytest.raises(NetworkError):
        await bot.send_message(user.id, "a")
    emu.fail_next("sendMessage", status=400, description="Bad Request: chat not found")
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(user.id, "b")
    emu.fail_next(
        "sendMessage",
        status=429,
        description="Too Many Requests: retry after 7",
        retry_after=7,
        count=2,
    )
    for _ in range(2):
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(user.id, "c")
        assert _retry_after(caught.value) == 7
    await bot.send_message(user.id, "d")  # faults are used up
    assert [r.status for r in emu.calls("sendMessage")] == [403, 200, 500, 400, 429, 429, 200]
    assert emu.too_many_requests == 2

    emu.fail_next("sendMessage", status=200, delay=0.5)  # delay only: provokes a client timeout
    with pytest.raises(TimedOut):
        await bot.send_message(user.id, "slow", read_timeout=0.1)


async def test_wrong_token_and_unknown_method(emu: BotApiEmulator, bot: Bot) -> None:
    wrong = Bot("999:WRONG", base_url=emu.base_url)
    with pytest.raises(InvalidToken):
        await wrong.initialize()
    await wrong.shutdown()
    assert emu.requests[-1].status == 401
    with pytest.raises(Exception, match=r"(?i)not found"):
        await bot.do_api_request("noSuchMethod")
    assert emu.requests[-1].status == 404


async def test_rate_limits(emu: BotApiEmulator, bot: Bot) -> None:
    user, other = emu.user(1005, "Sara"), emu.user(1006, "Ali")
    emu.set_chat_rate_limits(enabled=True, retry_after=3)
    await bot.send_message(user.id, "one")
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(user.id, "two")
    assert _retry_after(caught.value) == 3
    await bot.send_message(other.id, "another chat is fine")
    assert emu.too_many_requests == 1
    group = emu.group(-100, "Mentorer")
    emu.set_chat_rate_limits(enabled=True, per_chat_per_second=1000, group_per_minute=2)
    await bot.send_message(group.id, "g1")
    await bot.send_message(group.id, "g2")
    with pytest.raises(RetryAfter):
        await bot.send_message(group.id, "g3")
    emu.set_chat_rate_limits(enabled=False)
    await bot.send_message(group.id, "g4")
    assert [m.text for m in group.inbox()] == ["g1", "g2", "g4"]


async def test_long_poll_wakes_on_injected_update(emu: BotApiEmulator, bot: Bot) -> None:
    user = emu.user(1007, "Nora")
    loop = asyncio.get_running_loop()
    started = loop.time()
    poll = asyncio.create_task(bot.get_updates(timeout=20, read_timeout=30))
    await asyncio.sleep(0.05)
    assert not poll.done()
    update_id = await user.send("/start abc")
    updates = await asyncio.wait_for(poll, 10)
    assert loop.time() - started < 10  # generous: far below the 20 s long-poll timeout
    assert [u.update_id for u in updates] == [update_id]
    message = updates[0].message
    assert message is not None and message.text == "/start abc"
    assert message.from_user is not None and message.from_user.language_code == "nb"
    assert message.entities[0].type == "bot_command" and message.entities[0].length == 6
    assert emu.pending_updates == 1  # fetched but not yet acknowledged
    assert await bot.get_updates(offset=update_id + 1, timeout=0) == ()
    assert emu.pending_updates == 0

    # stop() must release a pending long poll quickly instead of hanging the shutdown.
    poll = asyncio.create_task(bot.get_updates(timeout=20, read_timeout=30))
    await asyncio.sleep(0.05)
    await emu.stop()
    assert await asyncio.wait_for(poll, 10) == ()


async def _run_app(emu: BotApiEmulator, app: Application) -> None:  # type: ignore[type-arg]
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=1)


async def _stop_app(app: Application) -> None:  # type: ignore[type-arg]
    assert app.updater is not None
    await app.updater.stop()
    await app.stop()
    await app.shutdown()


async def test_real_application_dialogue(emu: BotApiEmulator) -> None:
    member_changes: list[str] = []

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text("Velkommen! Er du klar?", reply_markup=KEYBOARD)

    async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None and query.data is not None
        await query.answer("Takk!")
        await query.edit_message_text(f"Du valgte {query.data.split(':')[0]}")

    async def member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.my_chat_member is not None
        member_changes.append(update.my_chat_member.new_chat_member.status)

    app = ApplicationBuilder().token(emu.token).base_url(emu.base_url).build()
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(button))
    app.add_handler(ChatMemberHandler(member, ChatMemberHandler.MY_CHAT_MEMBER))
    await _run_app(emu, app)
    try:
        user = emu.user(2001, "Fatima", username="fatima")
        await user.send("/start")
        welcome = await user.next_message()
        assert welcome.text == "Velkommen! Er du klar?" and welcome.button_texts()[0] == "Ja ✅"

        await user.press(welcome, "Ja")
        await emu.wait_for(lambda: welcome.edited > 0, 5, "the welcome message to be edited")
        assert welcome.text == "Du valgte yes" and welcome.reply_markup is None
        assert user.callback_answers[0]["text"] == "Takk!"

        await user.send("hei")  # no handler: nothing is answered
        await emu.wait_until_idle()
        await user.expect_no_message(wait=0.1)
        assert emu.pending_updates == 0

        await user.block_bot()
        await emu.wait_until_idle()
        with pytest.raises(Forbidden):
            await app.bot.send_message(user.id, "er du der?")
        await user.unblock_bot()
        await emu.wait_until_idle()
        assert member_changes == ["kicked", "member"]

        group = emu.group(-5001, "Mentorgruppe")
        await group.add_bot(by=user)
        await user.send_in_group(group, "/start@mentor_test_bot")
        assert (await group.next_message()).text == "Velkommen! Er du klar?"
        assert member_changes[-1] == "member"
    finally:
        await _stop_app(app)
    assert emu.pending_updates == 0  # the updater acknowledged everything on shutdown


async def test_idle_waits_for_a_handler_that_works_silently(emu: BotApiEmulator) -> None:
    """A handler quiet for longer than the settle period (a slow database under load)
    still counts as busy when the emulator watches the application's update processor."""
    started = asyncio.Event()
    finish = asyncio.Event()

    async def slow(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        started.set()
        await finish.wait()
        await update.effective_message.reply_text("Ferdig")

    app = (
        ApplicationBuilder()
        .token(emu.token)
        .base_url(emu.base_url)
        .concurrent_updates(PerSenderUpdateProcessor(4))
        .build()
    )
    app.add_handler(CommandHandler("slow", slow))
    emu.watch(app)
    await _run_app(emu, app)
    try:
        user = emu.user(2002, "Olga")
        await user.send("/slow")
        await asyncio.wait_for(started.wait(), 5)
        idle = asyncio.create_task(emu.wait_until_idle(settle=0.05))
        await asyncio.sleep(0.3)  # six quiet periods: without watching, idle would be over
        assert not idle.done()
        finish.set()
        await idle
        assert [m.text for m in user.inbox()] == ["Ferdig"]
    finally:
        finish.set()
        await _stop_app(app)


async def test_url_button_has_no_callback_data(emu: BotApiEmulator, bot: Bot) -> None:
    user = emu.user(1008, "Ida")
    await bot.send_message(user.id, "Meny", reply_markup=KEYBOARD)
    with pytest.raises(KeyError, match="Hjelp"):
        user.last_message().callback_data("Hjelp")  # a URL button cannot be "pressed"
    emu.inject_update(
        {
            "callback_query": {
                "id": "raw-1",
                "from": {"id": user.id, "is_bot": False, "first_name": "Ida"},
                "chat_instance": "x",
                "data": "forged",
            }
        }
    )
    assert await bot.answer_callback_query("raw-1", text="ok")
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query("raw-1")  # each query is answered once
    assert user.callback_answers == [
        {
            "callback_query_id": "raw-1",
            "text": "ok",
            "show_alert": False,
            "url": None,
            "cache_time": None,
        }
    ]


async def test_simulated_updates_parse_in_ptb(emu: BotApiEmulator, bot: Bot) -> None:
    user = emu.user(1009, "Ola", language_code=None, last_name="Nordmann", username="ola")
    group = emu.group(-777, "Gruppe")
    sent = await bot.send_message(user.id, "Trykk", reply_markup=KEYBOARD)
    await user.send("hei")
    await user.edit(2, "hei!")
    await user.send_sticker()
    await user.send_photo()
    await user.send_in_group(group, "/help@mentor_test_bot")
    await user.press(user.last_message(), "Nei")
    await user.block_bot()
    await group.add_bot(by=user)
    updates = await bot.get_updates(timeout=0)
    assert len(updates) == 8 and emu.pending_updates == 8
    hello, edit, sticker, photo, in_group, press, blocked, added = updates
    assert hello.message is not None and hello.message.message_id == sent.message_id + 1
    assert hello.message.from_user is not None and hello.message.from_user.last_name == "Nordmann"
    assert edit.edited_message is not None and edit.edited_message.text == "hei!"
    assert sticker.message is not None and sticker.message.sticker is not None
    assert photo.message is not None and photo.message.photo
    assert in_group.message is not None and in_group.message.chat.type == "group"
    assert in_group.message.entities[0].length == len("/help@mentor_test_bot")
    query = press.callback_query
    assert query is not None and query.data == "no:1"
    assert query.message is not None and query.message.message_id == sent.message_id
    assert blocked.my_chat_member is not None
    assert blocked.my_chat_member.new_chat_member.status == "kicked"
    assert added.my_chat_member is not None and added.my_chat_member.chat.id == group.id
    await bot.get_updates(offset=added.update_id + 1, timeout=0)
    assert emu.pending_updates == 0
