"""Local Telegram Bot API emulator for end-to-end tests, demos and benchmarks.

:class:`BotApiEmulator` is a small aiohttp server running in the current event loop that
answers the Bot API methods mentorbot uses, over real HTTP. The real python-telegram-bot
``Application`` is pointed at it with ``ApplicationBuilder().base_url(emulator.base_url)``, so
request encoding, error mapping, retries and polling are exercised exactly as in production.

Simulated people (:class:`SimUser`, :class:`SimGroup`) inject updates (messages, commands,
button presses, blocking the bot) and read what the bot sent to their chat. Fault injection
(:meth:`BotApiEmulator.fail_next`, :meth:`BotApiEmulator.block`, rate limits) produces the
same HTTP status codes and payloads as Telegram, so PTB raises its usual exceptions.

Everything is single-loop asyncio: state is mutated synchronously inside request handlers and
waiters are woken through a "broadcast" event that is replaced on every change.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.runtime.updates import PerSenderUpdateProcessor

if TYPE_CHECKING:
    from telegram.ext import Application

_LOG = logging.getLogger(__name__)
JSON = dict[str, Any]

# PTB sends plain strings unencoded and everything else JSON-encoded (RequestParameter
# .json_value). These parameters are always strings, so they must never go through json.loads:
# a message text "42" or a callback query id "7" would otherwise turn into numbers.
_RAW_STRING_PARAMS = frozenset(
    {
        "text",
        "caption",
        "callback_query_id",
        "parse_mode",
        "inline_message_id",
        "url",
        "language_code",
        "action",
        "description",
        "short_description",
        "name",
        "title",
        "secret_token",
        "ip_address",
        "emoji",
        "business_connection_id",
        "message_effect_id",
        "file_id",
        "photo",
        "document",
        "sticker",
        "video",
        "audio",
        "voice",
        "animation",
        "thumbnail",
        "query",
        "first_name",
        "last_name",
        "username",
        "payload",
        "question",
        "phone_number",
        "address",
    }
)
_SEND_METHODS = frozenset({"sendmessage", "sendphoto", "senddocument"})
_NO_BLOCK_CHECK = frozenset(
    {"getchat", "getchatmember"}
)  # methods still allowed in a chat that blocked the bot
_HTML_TAGS = frozenset(
    {
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "span",
        "tg-spoiler",
        "a",
        "code",
        "pre",
        "blockquote",
        "tg-emoji",
    }
)
_HTML_TAG_RE = re.compile(r"<(/?)([a-zA-Z][\w-]*)(\s[^<>]*)?>")
_MDV2_RESERVED = frozenset("#+-={}.!")
_COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)


class ApiError(Exception):
    """An error answer (``ok: false``) with its HTTP status, as Telegram sends it."""

    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status, self.description, self.retry_after = status, description, retry_after

    def payload(self) -> JSON:
        body: JSON = {"ok": False, "error_code": self.status, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


@dataclass
class RecordedRequest:
    """One API call as the emulator saw it; ``status``/``description`` describe the answer."""

    method: str
    params: JSON
    time: float
    status: int = 0
    description: str | None = None
    files: dict[str, tuple[str | None, int]] = field(default_factory=dict)  # name -> (fn, size)


@dataclass
class SentMessage:
    """A message the bot sent; mutated in place by edits so it always shows the current state."""

    chat_id: int
    message_id: int
    text: str | None = None
    caption: str | None = None
    kind: str = "text"  # "text" | "photo" | "document"
    reply_markup: JSON | None = None
    parse_mode: str | None = None
    edited: int = 0
    document_name: str | None = None
    size: int | None = None
    date: int = 0
    edit_date: int | None = None
    deleted: bool = False
    file_id: str | None = None
    mime_type: str | None = None
    reply_to_message_id: int | None = None
    history: list[str | None] = field(default_factory=list)  # text/caption before each edit

    def buttons(self) -> list[list[tuple[str, str | None]]]:
        """Keyboard rows as (text, callback_data or url); reply keyboards give (text, None)."""
        markup = self.reply_markup or {}
        rows = markup.get("inline_keyboard") or markup.get("keyboard") or []
        return [
            [
                (str(b.get("text")), b.get("callback_data") or b.get("url"))
                if isinstance(b, dict)
                else (str(b), None)
                for b in row
            ]
            for row in rows
        ]

    def button_texts(self) -> list[str]:
        return [text for row in self.buttons() for text, _ in row]

    def callback_data(self, button_text: str) -> str:
        """Callback data of an inline button: exact text match first, then a substring."""
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        buttons = [
            (str(b.get("text")), str(b["callback_data"]))
            for row in rows
            for b in row
            if isinstance(b, dict) and isinstance(b.get("callback_data"), str)
        ]
        for matcher in (lambda t: t == button_text, lambda t: button_text in t):
            for text, data in buttons:
                if matcher(text):
                    return data
        raise KeyError(
            f"no button {button_text!r} in message {self.message_id}; "
            f"buttons: {self.button_texts()}"
        )

    def summary(self) -> str:
        body = self.text if self.kind == "text" else f"[{self.kind}] {self.caption or ''}"
        return f"#{self.message_id} {body!r}" + (" (deleted)" if self.deleted else "")


@dataclass
class _Upload:
    filename: str | None
    data: bytes
    content_type: str | None


@dataclass
class _Fault:
    status: int
    description: str
    retry_after: int | None
    delay: float


@dataclass
class _Window:
    """At most `limit` accepted sends in any rolling `span` seconds: no burst on top, as
    Telegram's limits are read ("30 messages per second" means 30 in any second)."""

    limit: int
    span: float
    accepted: deque[float] = field(default_factory=deque)

    def available(self, now: float) -> bool:
        while self.accepted and self.accepted[0] <= now - self.span:
            self.accepted.popleft()
        return len(self.accepted) < self.limit


@dataclass
class _RateLimits:
    per_chat: float
    global_rate: float
    group_per_minute: int
    retry_after: int
    windows: dict[str, _Window] = field(default_factory=dict)

    def window(self, key: str, limit: float, span: float) -> _Window:
        if key not in self.windows:
            # A fractional rate (0.5 a second) is one send in 1/rate seconds.
            count = max(1, int(limit))
            self.windows[key] = _Window(count, span * count / limit if limit >= 1 else span / limit)
        return self.windows[key]


_Handler = Callable[[JSON, dict[str, _Upload]], Awaitable[Any]]


def _now() -> int:
    return int(time.time())


def _decode(key: str, value: str) -> Any:
    if key in _RAW_STRING_PARAMS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def _check_html(text: str) -> str | None:
    """Tag check like Telegram's HTML parser: unknown/unbalanced tags and a bare '<' fail."""
    stack: list[str] = []
    for i, char in enumerate(text):
        if char != "<":
            continue
        match = _HTML_TAG_RE.match(text, i)
        if match is None:
            return f'Unsupported start tag "" at byte offset {_byte_offset(text, i)}'
        closing, tag = match.group(1) == "/", match.group(2).lower()
        if tag not in _HTML_TAGS:
            return f'Unsupported start tag "{tag}" at byte offset {_byte_offset(text, i)}'
        if not closing:
            stack.append(tag)
        elif not stack or stack.pop() != tag:
            return f"Unexpected end tag at byte offset {_byte_offset(text, i)}"
    if stack:
        return f'Can\'t find end tag corresponding to start tag "{stack[-1]}"'
    return None


def _check_markdown_v2(text: str) -> str | None:
    """Light MarkdownV2 check: reserved characters outside code/link URLs must be escaped."""
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char == "\\":
            i += 2
            continue
        if char == "`":  # inline code or pre block: skip to the closing fence
            fence = "```" if text.startswith("```", i) else "`"
            end = text.find(fence, i + len(fence))
            if end < 0:
                return f"Can't find end of Pre entity at byte offset {_byte_offset(text, i)}"
            i = end + len(fence)
            continue
        if char == "]" and text.startswith("(", i + 1):  # link URL: only ')' and '\' matter
            end = text.find(")", i + 2)
            i = end + 1 if end > 0 else n
            continue
        at_line_start = i == 0 or text[i - 1] == "\n"
        if char in _MDV2_RESERVED or (char == ">" and not at_line_start):
            return f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
        i += 1
    return None


def _check_formatting(text: str, parse_mode: str | None) -> None:
    mode = (parse_mode or "").lower()
    error = (
        _check_html(text)
        if mode == "html"
        else _check_markdown_v2(text)
        if mode == "markdownv2"
        else None
    )
    if error:
        raise ApiError(400, f"Bad Request: can't parse entities: {error}")


def _check_markup(value: Any) -> JSON | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
    for row in value.get("inline_keyboard", []):
        for button in row:
            data = button.get("callback_data")
            if not button.get("text"):
                raise ApiError(400, "Bad Request: BUTTON_TEXT_INVALID")
            if data is not None and not 1 <= len(str(data).encode("utf-8")) <= 64:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
    return value


def _text_param(params: JSON, key: str, limit: int) -> str:
    value = params.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ApiError(400, f"Bad Request: message {key} is empty")
    if len(value) > limit:
        raise ApiError(
            400,
            "Bad Request: message is too long"
            if key == "text"
            else "Bad Request: message caption is too long",
        )
    return value


def _scope_key(scope: Any) -> str:
    """Commands key: "default", "all_private_chats", ...; chat scopes append their ids
    ("chat:42", "chat_member:42:7")."""
    if not isinstance(scope, dict):
        return "default"
    key = str(scope.get("type", "default"))
    for part in ("chat_id", "user_id"):
        if part in scope:
            key += f":{scope[part]}"
    return key


def _command_entities(text: str) -> list[JSON]:
    if not text.startswith("/") or len(text) < 2:
        return []
    command = text.split(maxsplit=1)[0]
    return [{"type": "bot_command", "offset": 0, "length": len(command.encode("utf-16-le")) // 2}]


class BotApiEmulator:
    """In-process fake of api.telegram.org for one bot token. See the module docstring."""

    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",
        bot_username: str = "mentor_test_bot",
        bot_id: int = 123456,
    ) -> None:
        self.token, self.bot_username, self.bot_id = token, bot_username, bot_id
        self.bot_first_name = "Mentor Test Bot"
        self.requests: list[RecordedRequest] = []
        self.commands: dict[tuple[str, str], list[JSON]] = {}
        self.too_many_requests = 0  # every 429 answered (rate limits and injected faults)
        self.webhook_url = ""
        self._host, self._port = "127.0.0.1", 0
        self._runner: web.AppRunner | None = None
        self._stopping = False
        self._changed = asyncio.Event()
        self._updates: list[JSON] = []  # not yet acknowledged by a getUpdates offset
        self._next_update_id = 1
        self._fetched_upto = 0
        self._allowed_updates: list[str] = []
        self._inflight = 0  # non-getUpdates calls being answered right now
        self._last_activity = 0.0
        # The bot under test may say it is still handling updates: a handler can work
        # silently (the database under load) for longer than any quiet period we'd pick.
        self.bot_busy: Callable[[], bool] = lambda: False
        self._chats: dict[int, JSON] = {}
        self._users: dict[int, SimUser] = {}
        self._groups: dict[int, SimGroup] = {}
        self._outbox: dict[int, list[SentMessage]] = {}
        self._message_ids: dict[int, int] = {}
        self._deleted: set[tuple[int, int]] = set()
        self._blocked: set[int] = set()
        # Users who never opened a private chat with the bot: it cannot write to them.
        self._not_started: set[int] = set()
        self._faults: dict[str, list[_Fault]] = {}
        self._rate: _RateLimits | None = None
        self._callback_queries: dict[str, int] = {}  # unanswered query id -> user id
        self._files: dict[str, bytes] = {}
        self._ids = itertools.count(1)
        self._methods: dict[str, _Handler] = {
            "getme": self._get_me,
            "getupdates": self._get_updates,
            "deletewebhook": self._delete_webhook,
            "setwebhook": self._set_webhook,
            "getwebhookinfo": self._get_webhook_info,
            "setmycommands": self._set_my_commands,
            "getmycommands": self._get_my_commands,
            "deletemycommands": self._delete_my_commands,
            "sendmessage": self._send_message,
            "editmessagetext": self._edit_message_text,
            "editmessagecaption": self._edit_message_caption,
            "editmessagereplymarkup": self._edit_message_reply_markup,
            "answercallbackquery": self._answer_callback_query,
            "deletemessage": self._delete_message,
            "sendphoto": self._send_photo,
            "senddocument": self._send_document,
            "sendchataction": self._true,
            "getchat": self._get_chat,
            "getchatmember": self._get_chat_member,
            "getfile": self._get_file,
            "close": self._true,
            "logout": self._true,
        }

    # ----------------------------------------------------------------- lifecycle
    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        # A short shutdown timeout: long polls are woken by stop(), only injected delays linger.
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, host, port).start()
        self._host, self._port = host, int(self._runner.addresses[0][1])
        self._stopping = False

    async def stop(self) -> None:
        self._stopping = True
        self._notify()  # pending getUpdates return [] at once
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> BotApiEmulator:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        return f"http://{self._host}:{self._port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://{self._host}:{self._port}/file/bot"

    # ----------------------------------------------------------------- people and chats
    def user(
        self,
        user_id: int,
        first_name: str,
        language_code: str | None = "nb",
        last_name: str | None = None,
        username: str | None = None,
    ) -> SimUser:
        """The simulated user (created once per id, so its next_message cursor is shared)."""
        sim = self._users.get(user_id)
        if sim is None:
            sim = self._users[user_id] = SimUser(self, user_id, first_name, language_code)
        sim.first_name, sim.language_code = first_name, language_code
        sim.last_name, sim.username = last_name, username
        self._chats[user_id] = sim.chat_json()
        return sim

    def group(self, chat_id: int, title: str, type: str = "group") -> SimGroup:
        """The simulated group (created once per id); chat_id should be negative."""
        sim = self._groups.get(chat_id)
        if sim is None:
            sim = self._groups[chat_id] = SimGroup(self, chat_id, title, type)
        sim.title, sim.type = title, type
        self._chats[chat_id] = {"id": chat_id, "type": type, "title": title}
        return sim

    def bot_user(self) -> JSON:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    # ----------------------------------------------------------------- inspection
    def sent_messages(self, chat_id: int, include_deleted: bool = False) -> list[SentMessage]:
        return [m for m in self._outbox.get(chat_id, []) if include_deleted or not m.deleted]

    def file_bytes(self, sent: SentMessage | str) -> bytes:
        """The content of a document or photo the bot uploaded (multipart), by the message
        that carried it or by its file id."""
        file_id = sent if isinstance(sent, str) else sent.file_id
        if file_id is None or file_id not in self._files:
            raise KeyError(f"no uploaded file {file_id!r}")
        return self._files[file_id]

    def calls(self, method: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.method.lower() == method.lower()]

    @property
    def pending_updates(self) -> int:
        return len(self._updates)

    def message_json(self, sent: SentMessage) -> JSON:
        """A bot message in Bot API form (as embedded in callback queries and API results)."""
        msg: JSON = {
            "message_id": sent.message_id,
            "date": sent.date,
            "chat": self._chat(sent.chat_id),
            "from": self.bot_user(),
        }
        unique = f"u{sent.file_id}"
        if sent.kind == "text":
            msg["text"] = sent.text
        elif sent.kind == "photo":
            msg["photo"] = [
                {
                    "file_id": sent.file_id,
                    "file_unique_id": unique,
                    "width": 800,
                    "height": 600,
                    "file_size": sent.size,
                }
            ]
        else:
            msg["document"] = {
                "file_id": sent.file_id,
                "file_unique_id": unique,
                "file_name": sent.document_name,
                "mime_type": sent.mime_type,
                "file_size": sent.size,
            }
        if sent.caption is not None:
            msg["caption"] = sent.caption
        # Message.reply_markup can only be an inline keyboard (PTB de_json expects that shape).
        if sent.reply_markup and "inline_keyboard" in sent.reply_markup:
            msg["reply_markup"] = sent.reply_markup
        if sent.edit_date is not None:
            msg["edit_date"] = sent.edit_date
        return msg

    # ----------------------------------------------------------------- fault injection
    def never_started(self, user_id: int) -> None:
        """The user has not opened a private chat with the bot (until they write to it)."""
        self._not_started.add(user_id)

    def block(self, user_id: int) -> None:
        self._blocked.add(user_id)

    def unblock(self, user_id: int) -> None:
        self._blocked.discard(user_id)

    def fail_next(
        self,
        method: str,
        *,
        status: int = 500,
        description: str = "Internal Server Error",
        retry_after: int | None = None,
        count: int = 1,
        delay: float = 0.0,
    ) -> None:
        """Answer the next `count` calls of `method` with this error (status 200: only delay)."""
        fault = _Fault(status, description, retry_after, delay)
        self._faults.setdefault(method.lower(), []).extend([fault] * count)

    def set_chat_rate_limits(
        self,
        *,
        enabled: bool,
        per_chat_per_second: float = 1.0,
        global_per_second: float = 30.0,
        group_per_minute: int = 20,
        retry_after: int = 1,
    ) -> None:
        self._rate = (
            _RateLimits(per_chat_per_second, global_per_second, group_per_minute, retry_after)
            if enabled
            else None
        )

    def watch(self, application: Application) -> None:  # type: ignore[type-arg]
        """Let `wait_until_idle` also wait for the updates `application` is handling."""
        processor = application.update_processor
        if isinstance(processor, PerSenderUpdateProcessor):
            self.bot_busy = processor.busy

    # ----------------------------------------------------------------- updates
    def inject_update(self, update: dict[str, Any]) -> int:
        update_id = self._next_update_id
        self._next_update_id += 1
        self._updates.append({**update, "update_id": update_id})
        query = update.get("callback_query")
        if isinstance(query, dict):  # answerable once, by whoever "pressed"
            self._callback_queries[str(query.get("id"))] = int(query.get("from", {}).get("id", 0))
        self._notify()
        return update_id

    async def wait_for(self, predicate: Callable[[], bool], timeout: float, what: str) -> None:  # noqa: ASYNC109
        """Wait until `predicate()` holds (re-checked on every emulator state change)."""
        if not await self._wait(predicate, timeout):
            raise TimeoutError(f"timed out after {timeout}s waiting for {what}")

    async def wait_until_idle(self, timeout: float = 15.0, settle: float = 0.25) -> None:  # noqa: ASYNC109
        """Wait until the bot fetched every injected update and then made no API call for
        `settle` seconds with none in flight. Handlers that work silently for longer than
        `settle` before their first call need a larger `settle`."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        last_id = self._next_update_id - 1
        if not await self._wait(lambda: self._fetched_upto >= last_id, timeout):
            raise TimeoutError(
                f"bot did not fetch updates up to #{last_id} within {timeout}s (fetched up to "
                f"#{self._fetched_upto}, {self.pending_updates} unacknowledged). Is the "
                "application polling this emulator (app.updater.start_polling)?"
            )
        # The poller acknowledges with its next getUpdates; brief grace, not required.
        await self._wait(
            lambda: all(u["update_id"] > last_id for u in self._updates),
            min(0.5, max(0.0, deadline - loop.time())),
        )
        while True:
            quiet_for = loop.time() - self._last_activity
            busy = self.bot_busy()
            if self._inflight == 0 and quiet_for >= settle and not busy:
                return
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(
                    f"bot still busy after {timeout}s: {self._inflight} API "
                    f"call(s) in flight, last activity {quiet_for:.2f}s ago, "
                    f"handling updates: {busy}"
                )
            if self._inflight:
                await self._wait(lambda: self._inflight == 0, remaining)
            elif busy:
                await asyncio.sleep(min(0.01, remaining))
            else:
                await asyncio.sleep(min(settle - quiet_for, remaining))

    # ----------------------------------------------------------------- internals
    def _notify(self) -> None:
        # Broadcast: wake everyone waiting on the current event, later waiters get a new one.
        self._changed.set()
        self._changed = asyncio.Event()

    async def _wait(self, predicate: Callable[[], bool], timeout: float) -> bool:  # noqa: ASYNC109
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            try:
                await asyncio.wait_for(self._changed.wait(), remaining)
            except TimeoutError:
                return predicate()
        return True

    def _chat(self, chat_id: Any) -> JSON:
        if isinstance(chat_id, bool) or not isinstance(chat_id, int):
            raise ApiError(400, "Bad Request: chat not found")
        if chat_id not in self._chats:
            # Lenient: chats the test never declared are created on first use.
            self._chats[chat_id] = (
                {"id": chat_id, "type": "private", "first_name": f"User {chat_id}"}
                if chat_id > 0
                else {"id": chat_id, "type": "group", "title": f"Group {chat_id}"}
            )
        return self._chats[chat_id]

    def _next_message_id(self, chat_id: int) -> int:
        # One counter per chat shared by user and bot messages, like Telegram.
        self._message_ids[chat_id] = self._message_ids.get(chat_id, 0) + 1
        return self._message_ids[chat_id]

    def _store_file(self, data: bytes) -> str:
        file_id = f"FILE{next(self._ids)}"
        self._files[file_id] = data
        return file_id

    async def _read_params(self, request: web.Request) -> tuple[JSON, dict[str, _Upload]]:
        raw: dict[str, str] = dict(request.query)
        params: JSON = {}
        files: dict[str, _Upload] = {}
        if request.content_type == "application/json":
            body = await request.json()
            params.update(body if isinstance(body, dict) else {})
        elif request.can_read_body:
            for key, value in (await request.post()).items():
                if isinstance(value, web.FileField):
                    files[key] = _Upload(value.filename, value.file.read(), value.content_type)
                elif isinstance(value, str):
                    raw[key] = value
                else:
                    files[key] = _Upload(None, bytes(value), None)
        params.update({key: _decode(key, value) for key, value in raw.items()})
        return params, files

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params, files = await self._read_params(request)
        record = RecordedRequest(
            method,
            params,
            asyncio.get_running_loop().time(),
            files={k: (f.filename, len(f.data)) for k, f in files.items()},
        )
        self.requests.append(record)
        self._notify()  # a test may wait for a call to arrive (not only to be answered)
        polling = method.lower() == "getupdates"
        if not polling:
            self._inflight += 1
            self._touch()
        try:
            result = await self._dispatch(request.match_info["token"], method, params, files)
            status, body = 200, {"ok": True, "result": result}
            transport = request.transport
            if polling and result and transport is not None and not transport.is_closing():
                # Only a poller that is still listening really received the updates; a
                # cancelled long poll (Updater.stop) must not count as "fetched".
                self._fetched_upto = max(self._fetched_upto, result[-1]["update_id"])
                self._touch()
        except ApiError as err:
            status, body = err.status, err.payload()
            record.description = err.description
            if status == 429:
                self.too_many_requests += 1
        except Exception as exc:  # an emulator bug: make it loud instead of a silent hang
            _LOG.exception("emulator failed to answer %s", method)
            record.description = f"emulator error: {exc!r}"
            status, body = 500, ApiError(500, record.description).payload()
        finally:
            if not polling:
                self._inflight -= 1
                self._touch()
        record.status = status
        self._notify()
        return web.json_response(body, status=status)

    def _touch(self) -> None:
        self._last_activity = asyncio.get_running_loop().time()

    async def _dispatch(
        self, token: str, method: str, params: JSON, files: dict[str, _Upload]
    ) -> Any:
        if token != self.token:
            raise ApiError(401, "Unauthorized")
        key = method.lower()
        faults = self._faults.get(key)
        if faults:
            fault = faults.pop(0)
            if fault.delay:
                await asyncio.sleep(fault.delay)
            if fault.status != 200:
                raise ApiError(fault.status, fault.description, fault.retry_after)
        handler = self._methods.get(key)
        if handler is None:
            raise ApiError(404, "Not Found: method not found")
        chat_id = params.get("chat_id")
        if isinstance(chat_id, int) and chat_id in self._blocked and key not in _NO_BLOCK_CHECK:
            raise ApiError(
                403,
                "Forbidden: bot was blocked by the user"
                if chat_id > 0
                else "Forbidden: bot was kicked from the group chat",
            )
        if isinstance(chat_id, int) and chat_id in self._not_started and key in _SEND_METHODS:
            raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
        if key in _SEND_METHODS:
            self._check_rate(chat_id)
        return await handler(params, files)

    def _check_rate(self, chat_id: Any) -> None:
        limits = self._rate
        if limits is None:
            return
        now = asyncio.get_running_loop().time()
        windows = [
            limits.window("global", limits.global_rate, 1.0),
            limits.window(f"chat:{chat_id}", limits.per_chat, 1.0),
        ]
        if isinstance(chat_id, int) and chat_id < 0:
            windows.append(limits.window(f"group:{chat_id}", limits.group_per_minute, 60.0))
        if not all([w.available(now) for w in windows]):  # list: trim every window
            raise ApiError(
                429, f"Too Many Requests: retry after {limits.retry_after}", limits.retry_after
            )
        for window in windows:
            window.accepted.append(now)

    def busiest_second(self) -> int:
        """The most sends the emulator accepted in any rolling second (from the recorded
        arrival times): a test can hold the bot to Telegram's 30 without timing it."""
        times = sorted(
            r.time for r in self.requests if r.method.lower() in _SEND_METHODS and r.status == 200
        )
        most, first = 0, 0
        for last, moment in enumerate(times):
            while times[first] <= moment - 1.0:
                first += 1
            most = max(most, last - first + 1)
        return most

    async def _handle_file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(ApiError(401, "Unauthorized").payload(), status=401)
        data = self._files.get(request.match_info["path"].rsplit("/", 1)[-1])
        if data is None:
            return web.json_response(ApiError(404, "Not Found").payload(), status=404)
        return web.Response(body=data, content_type="application/octet-stream")

    def _deliver(self, sent: SentMessage) -> JSON:
        self._outbox.setdefault(sent.chat_id, []).append(sent)
        return self.message_json(sent)

    def _find_sent(self, params: JSON, verb: str) -> SentMessage:
        chat_id, message_id = params.get("chat_id"), params.get("message_id")
        for sent in self._outbox.get(chat_id, []) if isinstance(chat_id, int) else []:
            if sent.message_id == message_id and not sent.deleted:
                return sent
        raise ApiError(400, f"Bad Request: message to {verb} not found")

    def _mark_edited(self, sent: SentMessage) -> JSON:
        sent.edited += 1
        sent.edit_date = _now()
        return self.message_json(sent)

    # ----------------------------------------------------------------- API methods
    async def _true(self, params: JSON, files: dict[str, _Upload]) -> bool:
        if "chat_id" in params:
            self._chat(params["chat_id"])  # sendChatAction to a bogus chat is an error
        return True

    async def _get_me(self, params: JSON, files: dict[str, _Upload]) -> JSON:
        return {
            **self.bot_user(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _get_updates(self, params: JSON, files: dict[str, _Upload]) -> list[JSON]:
        if self.webhook_url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset, limit = params.get("offset"), params.get("limit", 100)
        limit = max(1, min(100, limit if isinstance(limit, int) else 100))
        timeout = params.get("timeout", 0)
        timeout = float(timeout) if isinstance(timeout, int | float) else 0.0
        if isinstance(params.get("allowed_updates"), list):  # remembered, like Telegram
            self._allowed_updates = [str(t) for t in params["allowed_updates"]]
        if isinstance(offset, int) and offset > 0:  # acknowledges everything before it
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        elif isinstance(offset, int) and offset < 0:
            self._updates = self._updates[offset:]
        self._notify()  # acknowledgements matter to wait_until_idle

        def deliverable() -> list[JSON]:
            allowed = self._allowed_updates
            if allowed:  # Telegram never creates updates of other types: drop them
                self._updates = [u for u in self._updates if any(k in allowed for k in u)]
            return self._updates

        await self._wait(lambda: self._stopping or bool(deliverable()), timeout)
        return [] if self._stopping else deliverable()[:limit]

    async def _delete_webhook(self, params: JSON, files: dict[str, _Upload]) -> bool:
        self.webhook_url = ""
        if params.get("drop_pending_updates") is True:
            self._updates.clear()
        return True

    async def _set_webhook(self, params: JSON, files: dict[str, _Upload]) -> bool:
        # Stored only: the emulator never pushes to webhooks, but getUpdates starts to conflict.
        self.webhook_url = str(params.get("url") or "")
        return True

    async def _get_webhook_info(self, params: JSON, files: dict[str, _Upload]) -> JSON:
        return {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    @staticmethod
    def _commands_key(params: JSON) -> tuple[str, str]:
        language = params.get("language_code") or ""
        if language and not re.fullmatch(r"[a-z]{2}", str(language)):
            raise ApiError(400, "Bad Request: invalid language code specified")
        return _scope_key(params.get("scope")), str(language)

    async def _set_my_commands(self, params: JSON, files: dict[str, _Upload]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise ApiError(400, "Bad Request: can't parse commands JSON object")
        for command in commands:
            if not _COMMAND_RE.match(str(command.get("command", ""))):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", "")).strip()) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        self.commands[self._commands_key(params)] = commands
        return True

    async def _get_my_commands(self, params: JSON, files: dict[str, _Upload]) -> list[JSON]:
        return self.commands.get(self._commands_key(params), [])

    async def _delete_my_commands(self, params: JSON, files: dict[str, _Upload]) -> bool:
        self.commands.pop(self._commands_key(params), None)
        return True

    async def _send_message(self, params: JSON, files: dict[str, _Upload]) -> JSON:
        chat_id = self._chat(params.get("chat_id"))["id"]
        text = _text_param(params, "text", 4096)
        parse_mode = params.get("parse_mode")
        _check_formatting(text, parse_mode)
        reply = params.get("reply_parameters")
        reply = reply if isinstance(reply, dict) else {}
        return self._deliver(
            SentMessage(
                chat_id,
                self._next_message_id(chat_id),
                text=text,
                parse_mode=parse_mode,
                reply_markup=_check_markup(params.get("reply_markup")),
                date=_now(),
                reply_to_message_id=reply.get("message_id") or params.get("reply_to_message_id"),
            )
        )

    async def _send_media(self, params: JSON, files: dict[str, _Upload], kind: str) -> JSON:
        chat_id = self._chat(params.get("chat_id"))["id"]
        ref = params.get(kind)
        upload = files.get(kind)
        if upload is None and isinstance(ref, str) and ref.startswith("attach://"):
            upload = files.get(ref.removeprefix("attach://"))
        sent = SentMessage(
            chat_id,
            0,
            kind=kind,
            date=_now(),
            parse_mode=params.get("parse_mode"),
            reply_markup=_check_markup(params.get("reply_markup")),
        )
        if upload is not None:
            sent.file_id, sent.size = self._store_file(upload.data), len(upload.data)
            sent.document_name, sent.mime_type = upload.filename, upload.content_type
        elif isinstance(ref, str) and ref:  # a file_id or URL sent earlier
            sent.file_id = ref
            sent.size = len(self._files[ref]) if ref in self._files else None
        else:
            raise ApiError(400, f"Bad Request: there is no {kind} in the request")
        if params.get("caption"):
            sent.caption = _text_param(params, "caption", 1024)
            _check_formatting(sent.caption, sent.parse_mode)
        sent.message_id = self._next_message_id(chat_id)
        return self._deliver(sent)

    async def _send_photo(self, params: JSON, files: dict[str, _Upload]) -> JSON:
        return await self._send_media(params, files, "photo")

    async def _send_document(self, params: JSON, files: dict[str, _Upload]) -> JSON:
        return await self._send_media(params, files, "document")

    async def _edit_message_text(self, params: JSON, files: dict[str, _Upload]) -> Any:
        if "inline_message_id" in params:
            return True
        sent = self._find_sent(params, "edit")
        if sent.kind != "text":
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        text = _text_param(params, "text", 4096)
        _check_formatting(text, params.get("parse_mode"))
        # Editing without reply_markup removes the inline keyboard, as on Telegram.
        markup = _check_markup(params.get("reply_markup"))
        if text == sent.text and markup == sent.reply_markup:
            raise ApiError(400, _NOT_MODIFIED)
        sent.history.append(sent.text)
        sent.text, sent.reply_markup, sent.parse_mode = text, markup, params.get("parse_mode")
        return self._mark_edited(sent)

    async def _edit_message_caption(self, params: JSON, files: dict[str, _Upload]) -> Any:
        if "inline_message_id" in params:
            return True
        sent = self._find_sent(params, "edit")
        if sent.kind == "text":
            raise ApiError(400, "Bad Request: there is no caption in the message to edit")
        caption = params.get("caption") or None
        if caption is not None:
            caption = _text_param(params, "caption", 1024)
            _check_formatting(caption, params.get("parse_mode"))
        markup = _check_markup(params.get("reply_markup"))
        if caption == sent.caption and markup == sent.reply_markup:
            raise ApiError(400, _NOT_MODIFIED)
        sent.history.append(sent.caption)
        sent.caption, sent.reply_markup = caption, markup
        return self._mark_edited(sent)

    async def _edit_message_reply_markup(self, params: JSON, files: dict[str, _Upload]) -> Any:
        if "inline_message_id" in params:
            return True
        sent = self._find_sent(params, "edit")
        markup = _check_markup(params.get("reply_markup"))
        if markup == sent.reply_markup:
            raise ApiError(400, _NOT_MODIFIED)
        sent.reply_markup = markup
        return self._mark_edited(sent)

    async def _answer_callback_query(self, params: JSON, files: dict[str, _Upload]) -> bool:
        query_id = str(params.get("callback_query_id"))
        user_id = self._callback_queries.pop(query_id, None)  # each query is answered once
        if user_id is None:
            raise ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        text = params.get("text")
        if isinstance(text, str) and len(text) > 200:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        if user_id not in self._users:  # a raw injected query from an undeclared user
            return True
        self._users[user_id].callback_answers.append(
            {
                "callback_query_id": query_id,
                "text": text,
                "show_alert": bool(params.get("show_alert", False)),
                "url": params.get("url"),
                "cache_time": params.get("cache_time"),
            }
        )
        return True

    async def _delete_message(self, params: JSON, files: dict[str, _Upload]) -> bool:
        chat_id, message_id = params.get("chat_id"), params.get("message_id")
        if not isinstance(chat_id, int) or not isinstance(message_id, int):
            raise ApiError(400, "Bad Request: message to delete not found")
        known = 0 < message_id <= self._message_ids.get(chat_id, 0)
        if not known or (chat_id, message_id) in self._deleted:
            raise ApiError(400, "Bad Request: message to delete not found")
        self._deleted.add((chat_id, message_id))
        for sent in self._outbox.get(chat_id, []):
            if sent.message_id == message_id:
                sent.deleted = True
        return True

    async def _get_chat(self, params: JSON, files: dict[str, _Upload]) -> JSON:
        gifts = dict.fromkeys(
            (
                "unlimited_gifts",
                "limited_gifts",
                "unique_gifts",
                "premium_subscription",
                "gifts_from_channels",
            ),
            False,
        )
        return {
            **self._chat(params.get("chat_id")),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": gifts,
        }

    async def _get_chat_member(self, params: JSON, files: dict[str, _Upload]) -> JSON:
        chat_id, user_id = params.get("chat_id"), params.get("user_id")
        if isinstance(user_id, str) and user_id.lstrip("-").isdigit():
            user_id = int(user_id)
        if isinstance(chat_id, str) and chat_id.lstrip("-").isdigit():
            chat_id = int(chat_id)
        user = self._users.get(user_id) if isinstance(user_id, int) else None
        if user is None:
            raise ApiError(400, "Bad Request: user not found")
        group = self._groups.get(chat_id) if isinstance(chat_id, int) else None
        if group is None:
            if chat_id != user_id:
                raise ApiError(400, "Bad Request: chat not found")
            return {"status": "member", "user": user.user_json()}
        if user_id in group.members:
            return {"status": "member", "user": user.user_json()}
        return {"status": "left", "user": user.user_json()}

    async def _get_file(self, params: JSON, files: dict[str, _Upload]) -> JSON:
        file_id = str(params.get("file_id"))
        if file_id not in self._files:
            raise ApiError(400, "Bad Request: invalid file_id")
        return {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_size": len(self._files[file_id]),
            "file_path": f"files/{file_id}",
        }


class _ChatView:
    """Reading helpers shared by users (their private chat) and groups."""

    def __init__(self, emulator: BotApiEmulator, chat_id: int) -> None:
        self._emu = emulator
        self.chat_id = chat_id
        self._cursor = 0  # index into the full outbox (deleted messages included)

    def inbox(self) -> list[SentMessage]:
        return self._emu.sent_messages(self.chat_id)

    def last_message(self) -> SentMessage:
        inbox = self.inbox()
        if not inbox:
            raise AssertionError(f"the bot sent nothing to chat {self.chat_id}")
        return inbox[-1]

    async def next_message(self, timeout: float = 15.0) -> SentMessage:  # noqa: ASYNC109
        """The next message the bot sends here that this view has not returned yet."""
        box = self._emu._outbox.setdefault(self.chat_id, [])
        if not await self._emu._wait(lambda: len(box) > self._cursor, timeout):
            raise TimeoutError(
                f"no new bot message in chat {self.chat_id} within {timeout}s; "
                f"{self._describe(box)}"
            )
        self._cursor += 1
        return box[self._cursor - 1]

    def catch_up(self) -> list[SentMessage]:
        """Marks everything received so far as read (for `next_message`); returns it."""
        box = self._emu._outbox.setdefault(self.chat_id, [])
        skipped = box[self._cursor :]
        self._cursor = len(box)
        return skipped

    async def expect_no_message(self, wait: float = 0.3) -> None:
        box = self._emu._outbox.setdefault(self.chat_id, [])
        if await self._emu._wait(lambda: len(box) > self._cursor, wait):
            new = [m.summary() for m in box[self._cursor :]]
            raise AssertionError(f"unexpected bot message(s) in chat {self.chat_id}: {new}")

    def _describe(self, box: list[SentMessage]) -> str:
        failures = [
            f"{r.method} {r.status} {r.description!r}"
            for r in self._emu.requests
            if r.params.get("chat_id") == self.chat_id and r.status >= 400
        ]
        return (
            f"already consumed {self._cursor} of {len(box)}: "
            f"{[m.summary() for m in box]}; failed calls for this chat: {failures[-5:]}"
        )


class SimUser(_ChatView):
    """A simulated Telegram user; its private chat with the bot has chat_id == id."""

    def __init__(
        self,
        emulator: BotApiEmulator,
        user_id: int,
        first_name: str,
        language_code: str | None = "nb",
        last_name: str | None = None,
        username: str | None = None,
    ) -> None:
        super().__init__(emulator, user_id)
        self.id, self.first_name, self.language_code = user_id, first_name, language_code
        self.last_name, self.username = last_name, username
        self.callback_answers: list[JSON] = []

    def user_json(self) -> JSON:
        user: JSON = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        optional = {
            "last_name": self.last_name,
            "username": self.username,
            "language_code": self.language_code,
        }
        return user | {k: v for k, v in optional.items() if v is not None}

    def chat_json(self) -> JSON:
        chat: JSON = {"id": self.id, "type": "private", "first_name": self.first_name}
        optional = {"last_name": self.last_name, "username": self.username}
        return chat | {k: v for k, v in optional.items() if v is not None}

    async def _message(self, chat_id: int, key: str = "message", **content: Any) -> int:
        emu = self._emu
        msg = {
            "message_id": content.pop("message_id", None) or emu._next_message_id(chat_id),
            "date": _now(),
            "chat": emu._chat(chat_id),
            "from": self.user_json(),
            **content,
        }
        update_id = emu.inject_update({key: msg})
        await asyncio.sleep(0)  # let the poller see it before the test continues
        return update_id

    @staticmethod
    def _text_content(text: str) -> JSON:
        entities = _command_entities(text)
        return {"text": text, "entities": entities} if entities else {"text": text}

    async def send(self, text: str) -> int:
        self._emu._not_started.discard(self.id)  # writing to the bot opens the chat
        return await self._message(self.id, **self._text_content(text))

    async def send_in_group(self, group: SimGroup, text: str) -> int:
        group.members.add(self.id)  # only a member can write in a group
        return await self._message(group.id, **self._text_content(text))

    async def edit(self, message_id: int, text: str) -> int:
        return await self._message(
            self.id,
            "edited_message",
            message_id=message_id,
            edit_date=_now(),
            **self._text_content(text),
        )

    async def send_sticker(self) -> int:
        sticker = {
            "file_id": "STICKER1",
            "file_unique_id": "uSTICKER1",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": "👍",
        }
        return await self._message(self.id, sticker=sticker)

    async def send_photo(self) -> int:
        file_id = self._emu._store_file(b"\xff\xd8\xff\xe0 fake jpeg")
        size = {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "width": 90,
            "height": 90,
            "file_size": 15,
        }
        return await self._message(self.id, photo=[size])

    async def press(self, message: SentMessage, button_text: str) -> int:
        return await self.press_data(message, message.callback_data(button_text))

    async def press_data(self, message: SentMessage, data: str) -> int:
        if message.deleted:
            raise AssertionError(f"message {message.summary()} was deleted; nothing to press")
        group = self._emu._groups.get(message.chat_id)
        if group is not None:
            group.members.add(self.id)  # a button in a group is pressed by a member
        query_id = str(next(self._emu._ids))
        update_id = self._emu.inject_update(
            {
                "callback_query": {
                    "id": query_id,
                    "from": self.user_json(),
                    "message": self._emu.message_json(message),
                    "chat_instance": f"ci{message.chat_id}",
                    "data": data,
                }
            }
        )
        await asyncio.sleep(0)
        return update_id

    async def _member_change(self, chat_id: int, old: str, new: str) -> int:
        emu = self._emu

        def member(status: str) -> JSON:
            extra = {"until_date": 0} if status == "kicked" else {}
            return {"status": status, "user": emu.bot_user(), **extra}

        update_id = emu.inject_update(
            {
                "my_chat_member": {
                    "chat": emu._chat(chat_id),
                    "from": self.user_json(),
                    "date": _now(),
                    "old_chat_member": member(old),
                    "new_chat_member": member(new),
                }
            }
        )
        await asyncio.sleep(0)
        return update_id

    async def block_bot(self) -> int:
        self._emu.block(self.id)
        return await self._member_change(self.id, "member", "kicked")

    async def unblock_bot(self) -> int:
        self._emu.unblock(self.id)
        return await self._member_change(self.id, "kicked", "member")


class SimGroup(_ChatView):
    """A simulated group chat (negative id); members post via SimUser.send_in_group."""

    def __init__(self, emulator: BotApiEmulator, chat_id: int, title: str, type: str) -> None:
        super().__init__(emulator, chat_id)
        self.id, self.title, self.type = chat_id, title, type
        self.members: set[int] = set()  # user ids, as getChatMember answers

    def join(self, user: SimUser) -> None:
        self.members.add(user.id)

    def leave(self, user: SimUser) -> None:
        self.members.discard(user.id)

    async def add_bot(self, by: SimUser) -> int:
        self._emu.unblock(self.id)
        return await by._member_change(self.id, "left", "member")

    async def remove_bot(self, by: SimUser) -> int:
        self._emu.block(self.id)
        return await by._member_change(self.id, "member", "kicked")
