"""Webhook mode end to end: the secret header, updates handled once, /healthz, settings."""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import socket
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from telegram.ext import Application

from bot.domain.model import Role
from bot.runtime.app import WEBHOOK_SERVER, running_bot
from bot.runtime.clock import FixedClock
from bot.runtime.webhook import SECRET_HEADER, WebhookServer
from bot.sim.emulator import BotApiEmulator, SimUser
from bot.usecases.joining import Services
from handlers.common import DEPS_KEY
from handlers.routes import FRONTEND
from storage.db import Database
from tests.support.databases import WORKDAY_MORNING
from tests.support.harness import settings_for
from tests.support.processes import bare_environment, environment, run_mentorbot, start_mentorbot

URL = "https://bot.example.test/telegram/hook"
SECRET = "s3cret-for-tests_0123456789"
UNREACHABLE = "postgresql+asyncpg://nobody@127.0.0.1:9/nothing"  # port 9: nobody listens


@asynccontextmanager
async def webhook_bot(
    emulator: BotApiEmulator, database_url: str
) -> AsyncIterator[tuple[Application, WebhookServer]]:  # type: ignore[type-arg]
    db = Database(database_url)
    await db.upgrade()
    settings = settings_for(emulator, database_url).model_copy(
        update={"webhook_url": URL, "webhook_secret": SecretStr(SECRET), "webhook_port": 0}
    )
    try:
        clock = FixedClock(WORKDAY_MORNING)
        async with running_bot(
            settings, frontend=FRONTEND, db=db, clock=clock, ticks=False
        ) as application:
            server = application.bot_data[WEBHOOK_SERVER]
            assert isinstance(server, WebhookServer)
            yield application, server
    finally:
        await db.dispose()


async def invite(application: Application) -> str:  # type: ignore[type-arg]
    services: Services = application.bot_data[DEPS_KEY].services
    programme, _cohort = await services.create_programme(
        name="Global Future Oslo", timezone="Europe/Oslo", language="nb"
    )
    [token] = await services.create_invites(programme.id, Role.COORDINATOR)
    return token


def start_update(update_id: int, user: SimUser, token: str) -> dict[str, Any]:
    text = f"/start {token}"
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(time.time()),
            "chat": user.chat_json(),
            "from": user.user_json(),
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len("/start")}],
        },
    }


def welcomes(user: SimUser) -> int:
    return sum("Global Future Oslo" in (m.text or "") for m in user.inbox())


async def test_webhook_refuses_without_the_secret_and_handles_updates_once(
    emulator: BotApiEmulator, tmp_path: Path
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'hook.sqlite3'}"
    kari = emulator.user(100, "Kari", language_code="en")
    async with webhook_bot(emulator, url) as (application, server), httpx.AsyncClient() as http:
        [registered] = emulator.calls("setWebhook")
        assert registered.params["url"] == URL
        assert registered.params["secret_token"] == SECRET
        assert not emulator.calls("getUpdates"), "no polling in webhook mode"

        update = start_update(5001, kari, await invite(application))
        refused = await http.post(server.url, json=update)
        wrong = await http.post(server.url, json=update, headers={SECRET_HEADER: "guess"})
        assert (refused.status_code, wrong.status_code) == (403, 403)
        garbage = await http.post(server.url, content=b"{}", headers={SECRET_HEADER: SECRET})
        assert garbage.status_code == 400
        await kari.expect_no_message(0.2)

        accepted = await http.post(server.url, json=update, headers={SECRET_HEADER: SECRET})
        assert accepted.status_code == 200
        welcome = await kari.next_message()
        assert "Global Future Oslo" in (welcome.text or "")
        # Telegram retries a webhook it thinks failed: the same update is handled once.
        again = await http.post(server.url, json=update, headers={SECRET_HEADER: SECRET})
        assert again.status_code == 200
        await emulator.wait_until_idle(settle=0.3)
        assert welcomes(kari) == 1

        health = await http.get(f"http://{server.listen}:{server.port}/healthz")
        assert health.status_code == 200
        report = health.json()
        assert report["status"] == "ok" and report["database"] == "ok"
        assert isinstance(report["backlog"], int)
    assert not emulator.calls("deleteWebhook"), "other instances may still serve the URL"


async def test_healthz_is_503_when_the_database_is_down(
    emulator: BotApiEmulator, tmp_path: Path
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'hook.sqlite3'}"
    down = Database(UNREACHABLE)
    async with webhook_bot(emulator, url) as (application, _server), httpx.AsyncClient() as http:
        server = WebhookServer(application, down, path="/hook", secret=SECRET, port=0)
        await server.start()
        try:
            health = await http.get(f"http://{server.listen}:{server.port}/healthz")
        finally:
            await server.stop()
            await down.dispose()
    assert health.status_code == 503
    assert health.json() == {"status": "unavailable", "database": "unreachable"}


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_two_instances_behind_one_url_handle_a_repeated_update_once(
    emulator: BotApiEmulator, database_url: str
) -> None:
    kari = emulator.user(100, "Kari", language_code="en")
    async with (
        webhook_bot(emulator, database_url) as (first, first_server),
        webhook_bot(emulator, database_url) as (_second, second_server),
        httpx.AsyncClient() as http,
    ):
        update = start_update(6001, kari, await invite(first))
        for server in (first_server, second_server):
            answer = await http.post(server.url, json=update, headers={SECRET_HEADER: SECRET})
            assert answer.status_code == 200
        await kari.next_message()
        await emulator.wait_until_idle(settle=0.3)
    assert welcomes(kari) == 1


def webhook_environment(
    emulator: BotApiEmulator, tmp_path: Path, port: int, **settings: str
) -> dict[str, str]:
    """`mentorbot run` in webhook mode on `port`, against the emulator."""
    return environment(
        emulator.token,
        emulator.base_url,
        f"sqlite+aiosqlite:///{tmp_path / 'run.sqlite3'}",
        tmp_path,
        WEBHOOK_URL=URL,
        WEBHOOK_SECRET=SECRET,
        WEBHOOK_PORT=str(port),
        **settings,
    )


def test_webhook_mode_without_a_secret_stops_with_one_line(tmp_path: Path) -> None:
    environment = bare_environment(
        tmp_path, TELEGRAM_BOT_TOKEN="123456:ABC-DEF1234ghIkl", WEBHOOK_URL=URL
    )
    done = run_mentorbot("run", env=environment, cwd=tmp_path)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("mentorbot: WEBHOOK_SECRET"), lines[0]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_run_in_webhook_mode_logs_json_and_stops_on_sigterm(
    emulator: BotApiEmulator, tmp_path: Path
) -> None:
    """`mentorbot run` as a process: JSON log lines without the token, the webhook set,
    /healthz answering, and SIGTERM ending it with 0."""
    port = free_port()
    environment = webhook_environment(emulator, tmp_path, port, LOG_FORMAT="json")
    process = await start_mentorbot("run", env=environment, cwd=tmp_path)
    assert process.stderr is not None
    stderr = asyncio.create_task(process.stderr.read())
    try:
        await emulator.wait_for(lambda: bool(emulator.calls("setWebhook")), 30, "setWebhook")
        async with httpx.AsyncClient() as http:
            health = await http.get(f"http://127.0.0.1:{port}/healthz", timeout=10)
        assert health.status_code == 200, health.text
        process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(process.wait(), 20)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    output = (await stderr).decode()
    assert code == 0, output
    lines = [json.loads(line) for line in output.splitlines()]
    assert any(line["message"] == "webhook mode as @mentor_test_bot" for line in lines), output
    assert all({"time", "level", "logger", "message"} <= set(line) for line in lines)
    assert emulator.token not in output and SECRET not in output


async def test_a_webhook_port_in_use_stops_with_one_line(
    emulator: BotApiEmulator, tmp_path: Path
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        environment = webhook_environment(emulator, tmp_path, taken.getsockname()[1])
        process = await start_mentorbot("run", env=environment, cwd=tmp_path)
        _out, error = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 2, error.decode()
    last = error.decode().strip().splitlines()[-1]
    assert last.startswith("mentorbot: cannot listen for webhooks on 127.0.0.1:"), last
    assert "Traceback" not in error.decode()


async def test_bodies_telegram_would_never_send_get_400_and_one_line(
    emulator: BotApiEmulator, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'hook.sqlite3'}"
    kari = emulator.user(100, "Kari", language_code="en")
    bodies: list[Any] = [
        {"update_id": 7, "message": "x"},
        {"update_id": 8, "callback_query": ["x"]},
        {"update_id": 2**63},
        {"update_id": -1},
        {"update_id": True},
        {"update_id": "9"},
        {"update_id": 10, "message": {"chat": "nope"}},
        [],
        "update",
    ]
    async with webhook_bot(emulator, url) as (application, server), httpx.AsyncClient() as http:
        for body in bodies:
            caplog.clear()
            answer = await http.post(server.url, json=body, headers={SECRET_HEADER: SECRET})
            assert answer.status_code == 400, body
            refusals = [r for r in caplog.records if "not an update" in r.getMessage()]
            assert len(refusals) == 1 and refusals[0].exc_info is None, body
            assert not [r for r in caplog.records if r.levelno >= logging.ERROR], body
        # Nothing refused reached the handlers; a real update still does.
        update = start_update(5002, kari, await invite(application))
        accepted = await http.post(server.url, json=update, headers={SECRET_HEADER: SECRET})
        assert accepted.status_code == 200
        assert "Global Future Oslo" in ((await kari.next_message()).text or "")
