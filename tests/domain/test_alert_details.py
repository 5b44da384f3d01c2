"""An alert's detail crosses into the JSON column and back unchanged, and rows written
before the details were typed (or erased since) still read."""

from __future__ import annotations

import json
from datetime import date

import pytest

from bot.domain.alerts import (
    AgreementLate,
    AlertDetail,
    AlertReason,
    Disputed,
    Help,
    LowScore,
    Mismatch,
    NoMeeting,
    PauseOver,
    Unanswered,
    Unreachable,
    detail_from_json,
    detail_to_json,
)

DETAILS: list[AlertDetail] = [
    NoMeeting(days=50, last=date(2026, 1, 19), paused=3, mentor_answered=True),
    NoMeeting(days=46),
    Unanswered((7, 8)),
    LowScore(person_id=8, score=2, before=4),
    LowScore(person_id=8, score=1),
    AgreementLate(15),
    Mismatch(
        "recheck", ("rhythm", "help"), {"rhythm": ("monthly", "weekly"), "help": (["cv"], [])}
    ),
    Disputed(date(2026, 3, 5), logged_by=7),
    Unreachable((8,)),
    Help(7),
    PauseOver(date(2026, 4, 1)),
]


def test_every_reason_has_a_detail_here() -> None:
    assert {detail.reason for detail in DETAILS} == set(AlertReason)


@pytest.mark.parametrize("detail", DETAILS, ids=lambda d: type(d).__name__)
def test_a_detail_comes_back_from_its_json(detail: AlertDetail) -> None:
    stored = json.loads(json.dumps(detail_to_json(detail)))
    assert detail_from_json(detail.reason.value, stored) == detail


def test_an_erased_mismatch_reads_without_answers() -> None:
    # What the erasure leaves (storage/privacy.py drops "answers").
    read = detail_from_json("mismatch", {"keys": ["rhythm"], "round": "start"})
    assert read == Mismatch("start", ("rhythm",), {})


def test_an_older_unreachable_alert_named_one_person() -> None:
    assert detail_from_json("unreachable", {"person": 8}) == Unreachable((8,))


def test_a_no_meeting_row_without_pause_or_answers() -> None:
    read = detail_from_json("no_meeting", {"last": None, "days": 46})
    assert read == NoMeeting(days=46, last=None, paused=0)
