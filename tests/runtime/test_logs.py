"""Logging: one JSON object per line when asked, and secrets never reach the output."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from bot.runtime.logs import REDACTED, configure_logging, database_password, forget_secrets, redact

TOKEN = "123456:AAH-very-secret-part_0123456789"
SECRET_HALF = TOKEN.split(":", 1)[1]


@pytest.fixture
def output() -> Iterator[io.StringIO]:
    """Root logging goes to a buffer for the test, and is put back afterwards."""
    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    stream = io.StringIO()
    yield stream
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in saved_handlers:
        root.addHandler(handler)
    root.setLevel(saved_level)
    forget_secrets()


def test_json_lines_carry_time_level_logger_message_and_ids(output: io.StringIO) -> None:
    configure_logging("INFO", "json", stream=output)
    logging.getLogger("bot.runtime.delivery").info(
        "outbox %s: sent", 42, extra={"outbox_id": 42, "chat_id": 1001}
    )
    logging.getLogger("bot.runtime.delivery").debug("not at INFO")
    [line] = output.getvalue().splitlines()
    entry = json.loads(line)
    assert entry["level"] == "INFO"
    assert entry["logger"] == "bot.runtime.delivery"
    assert entry["message"] == "outbox 42: sent"
    assert entry["outbox_id"] == 42 and entry["chat_id"] == 1001
    assert entry["time"].endswith("+00:00")


def test_an_exception_stays_on_one_json_line(output: io.StringIO) -> None:
    configure_logging("INFO", "json", stream=output)
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("x").exception("update %s failed", 7)
    [line] = output.getvalue().splitlines()
    entry = json.loads(line)
    assert entry["message"] == "update 7 failed"
    assert "ValueError: boom" in entry["exception"]


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_the_token_is_redacted_everywhere(output: io.StringIO, fmt: str) -> None:
    configure_logging("DEBUG", fmt, secrets=(TOKEN,), stream=output)
    url = f"https://api.telegram.org/bot{TOKEN}/sendMessage"
    logging.getLogger("httpx").warning("HTTP Request: POST %s", url)
    logging.getLogger("telegram.ext").error(f"plain text with {TOKEN}")
    logging.getLogger("x").info("url-encoded %s", url.replace(":", "%3A"))
    logging.getLogger("x").info("extra", extra={"url": url})
    try:
        raise RuntimeError(f"failed to reach {url}")
    except RuntimeError:
        logging.getLogger("telegram.ext.Application").exception("error in a handler")
    text = output.getvalue()
    assert TOKEN not in text and SECRET_HALF not in text
    assert text.count(REDACTED) >= 4


def test_redact_and_the_database_password(output: io.StringIO) -> None:
    url = "postgresql+asyncpg://mentor:pa55-w0rd-long@db/mentorbot"
    password = database_password(url)
    assert password == "pa55-w0rd-long"
    configure_logging("INFO", "text", secrets=(password,), stream=output)
    assert redact(f"cannot connect to {url}") == f"cannot connect to {url}".replace(
        "pa55-w0rd-long", REDACTED
    )
    assert database_password("sqlite+aiosqlite:///x.sqlite3") is None


def test_command_line_errors_are_redacted(
    output: io.StringIO, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli.support import fail

    configure_logging("INFO", "text", secrets=(TOKEN,), stream=output)
    fail(f"httpx.ConnectError for https://api.telegram.org/bot{TOKEN}/getMe")
    error = capsys.readouterr().err
    assert TOKEN not in error and SECRET_HALF not in error
    assert error.startswith("mentorbot: httpx.ConnectError")
