"""Webhook mode: a small aiohttp server that takes Telegram's updates and reports health.

Why not PTB's own webhook server: it needs tornado (the ``webhooks`` extra) and has no
health route; aiohttp is already here (the emulator). Updates go into the Application's
``update_queue``, exactly where PTB's own server and the poller put them, so handlers,
``concurrent_updates`` and the drain on stop behave the same in both modes.

- ``POST <path of WEBHOOK_URL>``: 403 unless ``X-Telegram-Bot-Api-Secret-Token`` matches
  ``WEBHOOK_SECRET``; 400 for a body that is not an update; else 200 once queued. Updates
  Telegram delivers twice (or to two instances) are dropped by ``update_id`` in
  ``handlers.common.prepare``.
- ``GET /healthz``: database reachability and the outbox backlog as JSON; 200, or 503
  when the database does not answer.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Update
from telegram.ext import Application

from bot.domain.model import OutboxStatus
from bot.runtime.text_input import clean_update
from storage.db import Database

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
HEALTH_TIMEOUT = 3.0


# Telegram's update ids are positive and fit the database's 64-bit column.
MAX_UPDATE_ID = 2**63 - 1
# The kinds of update whose value is an object; Telegram never sends anything else there.
UPDATE_OBJECTS = frozenset(Update.ALL_TYPES)


def update_problem(data: object) -> str | None:
    """What makes `data` something Telegram would never send as an update, or None."""
    if not isinstance(data, dict):
        return "not an object"
    update_id = data.get("update_id")
    # bool is an int to Python, but `true` is no update id.
    if not isinstance(update_id, int) or isinstance(update_id, bool):
        return "no whole-number update_id"
    if not 0 <= update_id <= MAX_UPDATE_ID:
        return "update_id out of range"
    for kind in UPDATE_OBJECTS & data.keys():
        if not isinstance(data[kind], dict):
            return f"{kind} is not an object"
    return None


def webhook_path(url: str) -> str:
    """The path Telegram posts to: that of WEBHOOK_URL (``/`` when it has none)."""
    return urlsplit(url).path or "/"


async def health(db: Database) -> tuple[int, dict[str, Any]]:
    """Status code and report: is the database there, and how much is waiting to go out."""
    try:
        async with asyncio.timeout(HEALTH_TIMEOUT):
            async with db.unit() as uow:
                counts = await uow.outbox.outbox_counts()
    except Exception as error:
        log.warning("health: database unreachable (%s)", type(error).__name__)
        return 503, {"status": "unavailable", "database": "unreachable"}
    outbox = {status.value: counts.get(status, 0) for status in OutboxStatus}
    backlog = outbox[OutboxStatus.PENDING.value] + outbox[OutboxStatus.SENDING.value]
    return 200, {"status": "ok", "database": "ok", "backlog": backlog, "outbox": outbox}


class WebhookServer:
    def __init__(
        self,
        application: Application,  # type: ignore[type-arg]
        db: Database,
        *,
        path: str,
        secret: str,
        listen: str = "127.0.0.1",
        port: int = 8080,
    ) -> None:
        if not secret:
            raise ValueError("a webhook needs a secret")
        self.application = application
        self.db = db
        self.path = path
        self._secret = secret.encode()
        self.listen = listen
        self.port = port
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        """The local address (for tests and logs)."""
        return f"http://{self.listen}:{self.port}{self.path}"

    async def start(self) -> None:
        app = web.Application(client_max_size=1024 * 1024)
        app.router.add_post(self.path, self._update)
        app.router.add_get("/healthz", self._health)
        # Telegram waits for our answer: in-flight requests get a few seconds on stop.
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=5.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.listen, self.port).start()
        if self.port == 0:
            self.port = int(self._runner.addresses[0][1])
        log.info("webhook server listening on %s:%s", self.listen, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _update(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self._secret):
            log.warning("webhook: request without the right secret refused")
            return web.json_response({"ok": False, "error": "forbidden"}, status=403)
        try:
            data = clean_update(await request.json())
        except (json.JSONDecodeError, UnicodeDecodeError):
            data = None
        problem = update_problem(data)
        update = None
        if problem is None:
            try:
                update = Update.de_json(data, self.application.bot)
            except Exception as error:  # PTB's parsing of a shape we did not foresee
                problem = f"unreadable ({type(error).__name__})"
        if update is None:
            # One line, no traceback: the body is the sender's, not a fault of ours.
            log.warning("webhook: a body that is not an update was refused: %s", problem)
            return web.json_response({"ok": False, "error": "not an update"}, status=400)
        await self.application.update_queue.put(update)
        log.debug("webhook: update %s queued", update.update_id)
        return web.json_response({"ok": True})

    async def _health(self, request: web.Request) -> web.Response:
        status, report = await health(self.db)
        return web.json_response(report, status=status)
