"""Invite tokens: long random values handed out as links, stored only as hashes."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime
from enum import StrEnum

# Telegram's deep-link payload allows 1–64 characters of A–Z, a–z, 0–9, _ and -.
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{20,64}")


class InviteProblem(StrEnum):
    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"


def new_token() -> str:
    return secrets.token_urlsafe(24)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def looks_like_token(text: str) -> bool:
    return bool(_TOKEN_SHAPE.fullmatch(text))


def invite_problem(
    *,
    exists: bool,
    used_at: datetime | None,
    expires_at: datetime | None,
    now: datetime,
    opened_by_its_user: bool = False,
) -> InviteProblem | None:
    """Why a link cannot be used now. The person who used it may be let in again,
    however old it is: someone who said no to what is stored changes their mind so."""
    if not exists:
        return InviteProblem.UNKNOWN
    if used_at is not None:
        return None if opened_by_its_user else InviteProblem.USED
    if expires_at is not None and expires_at <= now:
        return InviteProblem.EXPIRED
    return None


def invite_link(bot_username: str, token: str) -> str:
    return f"https://t.me/{bot_username}?start={token}"
