"""Why a pair needs the coordinator: the reasons of an alert, and what each one says.

One frozen dataclass per reason holds what the explanation needs (the detail); the rules
in `bot.domain.stall` make them, the texts and use cases match on their types. Storage
keeps a detail as a JSON column: `detail_to_json` and `detail_from_json` are the one
crossing, and they keep the shapes rows already hold (no migration).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any, ClassVar


class AlertReason(StrEnum):
    NO_MEETING = "no_meeting"
    UNANSWERED = "unanswered"
    LOW_SCORE = "low_score"
    AGREEMENT_LATE = "agreement_late"
    MISMATCH = "mismatch"
    DISPUTED = "disputed"
    UNREACHABLE = "unreachable"
    HELP = "help"
    PAUSE_OVER = "pause_over"


@dataclass(frozen=True)
class NoMeeting:
    """No meeting for too long: `days` since `last` (else since the pair started),
    not counting `paused` days; whether each party answered their last question
    (None when never asked)."""

    reason: ClassVar[AlertReason] = AlertReason.NO_MEETING
    days: int
    last: date | None = None
    paused: int = 0
    mentor_answered: bool | None = None
    adept_answered: bool | None = None


@dataclass(frozen=True)
class Unanswered:
    """These people ignored the last two questions."""

    reason: ClassVar[AlertReason] = AlertReason.UNANSWERED
    people: tuple[int, ...]


@dataclass(frozen=True)
class LowScore:
    """`person_id`'s check-in score is low, or fell from `before`."""

    reason: ClassVar[AlertReason] = AlertReason.LOW_SCORE
    person_id: int
    score: int
    before: int | None = None


@dataclass(frozen=True)
class AgreementLate:
    reason: ClassVar[AlertReason] = AlertReason.AGREEMENT_LATE
    days: int


@dataclass(frozen=True)
class Mismatch:
    """Both answered `round` (an agreement `Round` value) and differ on `keys`;
    `answers` is (mentor's, adept's) by key, empty once a party's answers are erased."""

    reason: ClassVar[AlertReason] = AlertReason.MISMATCH
    round: str
    keys: tuple[str, ...] = ()
    answers: Mapping[str, tuple[Any, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class Disputed:
    """One party says the meeting `logged_by` the other on `held_on` did not happen."""

    reason: ClassVar[AlertReason] = AlertReason.DISPUTED
    held_on: date
    logged_by: int | None


@dataclass(frozen=True)
class Unreachable:
    """These people blocked the bot, the first first."""

    reason: ClassVar[AlertReason] = AlertReason.UNREACHABLE
    people: tuple[int, ...]


@dataclass(frozen=True)
class Help:
    reason: ClassVar[AlertReason] = AlertReason.HELP
    person_id: int


@dataclass(frozen=True)
class PauseOver:
    reason: ClassVar[AlertReason] = AlertReason.PAUSE_OVER
    until: date | None


AlertDetail = (
    NoMeeting
    | Unanswered
    | LowScore
    | AgreementLate
    | Mismatch
    | Disputed
    | Unreachable
    | Help
    | PauseOver
)


def detail_to_json(detail: AlertDetail) -> dict[str, Any]:
    """The detail as the alert row's JSON column holds it."""
    match detail:
        case NoMeeting():
            return {
                "last": detail.last.isoformat() if detail.last else None,
                "days": detail.days,
                **({"paused": detail.paused} if detail.paused else {}),
                "answered": {"mentor": detail.mentor_answered, "adept": detail.adept_answered},
            }
        case Unanswered() | Unreachable():
            return {"people": list(detail.people)}
        case LowScore():
            before = {} if detail.before is None else {"before": detail.before}
            return {"person": detail.person_id, "score": detail.score, **before}
        case AgreementLate():
            return {"days": detail.days}
        case Mismatch():
            return {
                "keys": list(detail.keys),
                "answers": {key: list(both) for key, both in detail.answers.items()},
                "round": detail.round,
            }
        case Disputed():
            return {"held_on": detail.held_on.isoformat(), "logged_by": detail.logged_by}
        case Help():
            return {"person": detail.person_id}
        case PauseOver():
            return {"until": detail.until.isoformat() if detail.until else None}


def detail_from_json(reason: AlertReason | str, data: Mapping[str, Any] | None) -> AlertDetail:
    """The detail of an alert row. Lenient where rows may lack a key: an erased
    mismatch has no answers, and an older unreachable alert named one `person`."""
    data = data or {}
    match AlertReason(reason):
        case AlertReason.NO_MEETING:
            answered = data.get("answered") or {}
            return NoMeeting(
                days=int(data.get("days", 0)),
                last=_day(data.get("last")),
                paused=int(data.get("paused", 0)),
                mentor_answered=answered.get("mentor"),
                adept_answered=answered.get("adept"),
            )
        case AlertReason.UNANSWERED:
            return Unanswered(tuple(data.get("people", ())))
        case AlertReason.LOW_SCORE:
            before = data.get("before")
            return LowScore(
                int(data["person"]), int(data["score"]), None if before is None else int(before)
            )
        case AlertReason.AGREEMENT_LATE:
            return AgreementLate(int(data.get("days", 14)))
        case AlertReason.MISMATCH:
            return Mismatch(
                round=str(data.get("round", "start")),
                keys=tuple(data.get("keys", ())),
                answers={
                    key: (both[0], both[1]) for key, both in (data.get("answers") or {}).items()
                },
            )
        case AlertReason.DISPUTED:
            held_on = _day(data.get("held_on"))
            assert held_on is not None, "a disputed meeting's alert names its day"
            return Disputed(held_on, data.get("logged_by"))
        case AlertReason.UNREACHABLE:
            people = data.get("people")
            return Unreachable(tuple(people) if people is not None else (int(data["person"]),))
        case AlertReason.HELP:
            return Help(int(data["person"]))
        case AlertReason.PAUSE_OVER:
            return PauseOver(_day(data.get("until")))


def _day(value: object) -> date | None:
    return date.fromisoformat(str(value)) if value else None
