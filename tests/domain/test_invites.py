"""Tests for bot.domain.invites: token shape, hashing, what is wrong with an invite, links."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import pytest

from bot.domain.invites import (
    InviteProblem,
    hash_token,
    invite_link,
    invite_problem,
    looks_like_token,
    new_token,
)

# Telegram's rule for /start deep-link payloads.
DEEP_LINK_PAYLOAD = re.compile(r"[A-Za-z0-9_-]{1,64}")
NOW = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)


def test_new_token_fits_telegram_deep_link_payload() -> None:
    for _ in range(200):
        token = new_token()
        assert DEEP_LINK_PAYLOAD.fullmatch(token), token
        assert looks_like_token(token)


def test_new_token_is_long_enough_to_be_unguessable() -> None:
    # At least 128 bits of randomness: 22 URL-safe base64 characters.
    assert all(len(new_token()) >= 22 for _ in range(50))


def test_new_tokens_are_unique() -> None:
    tokens = [new_token() for _ in range(5000)]
    assert len(set(tokens)) == len(tokens)


def test_hash_is_deterministic_and_not_the_token() -> None:
    token = new_token()
    digest = hash_token(token)
    assert digest == hash_token(token)
    assert digest != token
    assert token not in digest
    assert re.fullmatch(r"[0-9a-f]{64}", digest)


def test_hash_differs_between_tokens() -> None:
    tokens = [new_token() for _ in range(500)]
    assert len({hash_token(t) for t in tokens}) == len(tokens)
    assert hash_token("a" * 32) != hash_token("a" * 31 + "b")


def test_hash_is_sha256_hex_of_utf8() -> None:
    # A fixed vector, so stored hashes keep matching across releases.
    assert hash_token("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "short",
        "a" * 19,
        "a" * 65,
        "a" * 30 + "=",
        "a" * 30 + " ",
        "a" * 30 + "/",
        "a" * 30 + "+",
        "../" + "a" * 30,
        "a" * 30 + "é",
        "ａ" * 30,  # full-width letters
    ],
)
def test_looks_like_token_rejects_other_text(text: str) -> None:
    assert not looks_like_token(text)


@pytest.mark.parametrize("text", ["a" * 20, "A-b_9" * 4, "Z" * 64])
def test_looks_like_token_accepts_the_shape(text: str) -> None:
    assert looks_like_token(text)


def test_looks_like_token_rejects_trailing_newline() -> None:
    assert not looks_like_token("a" * 20 + "\n")


# invite_problem: unknown > used > expired


def test_usable_invite_has_no_problem() -> None:
    assert invite_problem(exists=True, used_at=None, expires_at=None, now=NOW) is None
    assert (
        invite_problem(
            exists=True, used_at=None, expires_at=NOW + timedelta(microseconds=1), now=NOW
        )
        is None
    )


def test_unknown_beats_everything() -> None:
    problem = invite_problem(
        exists=False, used_at=NOW - timedelta(days=1), expires_at=NOW - timedelta(days=1), now=NOW
    )
    assert problem is InviteProblem.UNKNOWN
    assert (
        invite_problem(exists=False, used_at=None, expires_at=None, now=NOW)
        is InviteProblem.UNKNOWN
    )


def test_used_beats_expired() -> None:
    problem = invite_problem(
        exists=True, used_at=NOW - timedelta(days=2), expires_at=NOW - timedelta(days=1), now=NOW
    )
    assert problem is InviteProblem.USED
    assert invite_problem(exists=True, used_at=NOW, expires_at=None, now=NOW) is InviteProblem.USED


def test_a_used_link_lets_in_only_the_person_who_used_it_however_old() -> None:
    used, expired = NOW - timedelta(days=40), NOW - timedelta(days=10)
    for opened_by_its_user, problem in ((True, None), (False, InviteProblem.USED)):
        assert (
            invite_problem(
                exists=True,
                used_at=used,
                expires_at=expired,
                now=NOW,
                opened_by_its_user=opened_by_its_user,
            )
            is problem
        )
    assert (
        invite_problem(
            exists=False, used_at=None, expires_at=None, now=NOW, opened_by_its_user=True
        )
        is InviteProblem.UNKNOWN
    )


def test_expired_invite() -> None:
    problem = invite_problem(
        exists=True, used_at=None, expires_at=NOW - timedelta(seconds=1), now=NOW
    )
    assert problem is InviteProblem.EXPIRED


def test_expiry_boundary_counts_as_expired() -> None:
    assert (
        invite_problem(exists=True, used_at=None, expires_at=NOW, now=NOW) is InviteProblem.EXPIRED
    )


def test_expiry_compares_instants_across_offsets() -> None:
    same_instant_in_oslo_summer = NOW.astimezone(timezone(timedelta(hours=2)))
    assert (
        invite_problem(exists=True, used_at=None, expires_at=same_instant_in_oslo_summer, now=NOW)
        is InviteProblem.EXPIRED
    )
    one_second_later = same_instant_in_oslo_summer + timedelta(seconds=1)
    assert invite_problem(exists=True, used_at=None, expires_at=one_second_later, now=NOW) is None


# invite_link


def test_invite_link_format() -> None:
    token = new_token()
    link = invite_link("mentor_test_bot", token)
    assert link == f"https://t.me/mentor_test_bot?start={token}"
    parts = urlsplit(link)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "t.me", "/mentor_test_bot")
    assert parse_qs(parts.query) == {"start": [token]}
