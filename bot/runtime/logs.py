"""Logging set-up: plain text or one JSON object per line, with secrets redacted everywhere.

PTB's request URLs contain the bot token (``…/bot<token>/sendMessage``) and httpx logs
URLs, so a filter on the root handler replaces every registered secret in the message,
its arguments and any traceback before a record is written. Log calls carry ids (update,
outbox row, person), never message texts or names; ids passed as ``extra=`` become
fields of the JSON object.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any, TextIO
from urllib.parse import quote

REDACTED = "[redacted]"
_SECRETS: set[str] = set()
# Attributes every LogRecord has; anything else came in through `extra=`.
_STANDARD = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName"}


def register_secret(value: str | None) -> None:
    """Never log `value`. A bot token's secret half is registered too, so ``123:…`` and its
    URL-encoded form (``123%3A…``) are both caught."""
    if not value:
        return
    candidates = {value, quote(value, safe="")}
    _id, sep, secret = value.partition(":")
    if sep and len(secret) >= 8:
        candidates.add(secret)
    _SECRETS.update(c for c in candidates if len(c) >= 6)


def forget_secrets() -> None:
    """For tests."""
    _SECRETS.clear()


def redact(text: str) -> str:
    # Longest first, so a whole token is replaced before its secret half.
    for secret in sorted(_SECRETS, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text


class RedactSecrets(logging.Filter):
    """Rewrites a record so that no registered secret survives formatting."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not _SECRETS:
            return True
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: keep what we can
            message = str(record.msg)
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        for key, value in list(record.__dict__.items()):
            if key not in _STANDARD and isinstance(value, str):
                setattr(record, key, redact(value))
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, ids from ``extra=``, and the
    exception (if any) as text."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value if isinstance(value, int | float | bool | None) else str(value)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, ensure_ascii=False)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging(
    level: str = "INFO",
    fmt: str = "text",
    *,
    secrets: tuple[str | None, ...] = (),
    stream: TextIO | None = None,
) -> logging.Handler:
    """Replaces the root logger's handlers with one that redacts and formats as asked."""
    for secret in secrets:
        register_secret(secret)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    # On the handler, not a logger: records from every library pass through it.
    handler.addFilter(RedactSecrets())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # httpx logs every request URL at INFO, and PTB's URLs contain the token; the filter
    # would catch it, but the lines say nothing useful at INFO either.
    for noisy in ("httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    # At DEBUG, PTB prints every update and request whole, with what people wrote; our
    # own DEBUG lines carry ids only, so DEBUG stays useful without them.
    logging.getLogger("telegram").setLevel(max(root.level, logging.INFO))
    return handler


def database_password(url: str) -> str | None:
    """The password in a database URL, so it can be registered as a secret."""
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).password  # type: ignore[return-value]
    except Exception:
        return None
