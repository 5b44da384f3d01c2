"""Plain data objects the storage layer returns and the handlers render: never ORM rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import StrEnum
from functools import cached_property
from typing import Any

from bot.domain.alerts import AlertDetail, AlertReason
from bot.domain.policy import DAY_ENDS, DAY_STARTS, DIGEST_HOUR, DIGEST_WEEKDAY
from bot.domain.rhythm import Cadence, CadenceKind, History, Rules
from bot.domain.workdays import DEFAULT_COUNTRY

SUPPORTED_LANGUAGES = ("nb", "en")  # the languages the bot speaks (bot/locales)


class Role(StrEnum):
    COORDINATOR = "coordinator"
    MENTOR = "mentor"
    ADEPT = "adept"


PARTICIPANT_ROLES = (Role.MENTOR, Role.ADEPT)


class PairState(StrEnum):
    AWAITING_AGREEMENT = "awaiting_agreement"
    ACTIVE = "active"
    PAUSED = "paused"
    ENDED = "ended"


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    UNCERTAIN = "uncertain"
    WITHDRAWN = "withdrawn"  # no longer true when its turn came (bot/domain/withdrawal.py)


@dataclass(frozen=True)
class Programme:
    id: int
    name: str
    timezone: str
    language: str
    cadence: str = "monthly"
    day_starts: time = DAY_STARTS
    day_ends: time = DAY_ENDS
    working_days: frozenset[int] = frozenset(range(5))
    morning_reminder: bool = False
    alert_chat_id: int | None = None
    role_labels: str = "mentor"  # "mentor" (mentor, adept) or "trainee" (supervisor, trainee)
    outcomes: tuple[str, ...] = ("job",)
    preset: str | None = None
    digest_weekday: int | None = DIGEST_WEEKDAY  # 0 = Monday; None = no weekly digest
    digest_hour: int = DIGEST_HOUR
    digest_week: str | None = None  # the ISO week whose digest was queued last
    country: str | None = DEFAULT_COUNTRY  # whose public holidays are not working days

    @cached_property
    def rules(self) -> Rules:
        # Cached: the tick asks for it once per pair, and a frozen programme's rules never change.
        return Rules(
            timezone=self.timezone,
            cadence=Cadence.parse(self.cadence) or Cadence(CadenceKind.MONTHLY),
            day_starts=self.day_starts,
            day_ends=self.day_ends,
            working_days=self.working_days,
            morning_reminder=self.morning_reminder,
            country=self.country,
        )


@dataclass(frozen=True)
class Cohort:
    id: int
    programme_id: int
    name: str
    starts_on: date
    ends_on: date


def programme_and_cohort(programme_name: str, cohort_name: str | None) -> str:
    """What a digest or report is of: the programme, or the programme and one cohort
    (whose name often repeats the programme's, as NHO's regions do)."""
    if cohort_name is None:
        return programme_name
    if cohort_name.startswith(programme_name):
        return cohort_name
    return f"{programme_name} – {cohort_name}"


@dataclass(frozen=True)
class Person:
    id: int
    telegram_user_id: int | None
    first_name: str
    last_name: str | None
    language: str | None
    intake: dict[str, Any] = field(default_factory=dict)
    telegram_language: str | None = None
    consented_at: datetime | None = None
    unreachable_since: datetime | None = None
    weekly_note: bool = True
    erased_at: datetime | None = None

    @property
    def eligible(self) -> bool:
        """Whether the person takes part: may be offered, paired and written to. Only
        someone who said yes to what is stored and has not deleted their data does; the
        same rule in SQL is `storage.eligibility.eligible`, which the outbox applies to
        every message it takes."""
        return self.consented_at is not None and self.erased_at is None

    @property
    def field_of_work(self) -> str | None:
        value = self.intake.get("field")
        return str(value) if value else None


@dataclass(frozen=True)
class Membership:
    id: int
    person_id: int
    programme_id: int
    cohort_id: int | None
    role: Role
    learning_group: str | None = None


@dataclass(frozen=True)
class Pair:
    id: int
    programme_id: int
    cohort_id: int
    mentor_id: int
    adept_id: int
    state: PairState
    created_at: datetime
    activated_at: datetime | None = None
    goals: tuple[str, ...] | None = None
    paused_until: date | None = None
    pauses: tuple[tuple[date, date], ...] = ()  # every pause, (first day, last day), oldest first
    goals_changed_at: datetime | None = None

    def party_role(self, person_id: int) -> Role | None:
        if person_id == self.mentor_id:
            return Role.MENTOR
        if person_id == self.adept_id:
            return Role.ADEPT
        return None

    def other(self, person_id: int) -> int:
        return self.adept_id if person_id == self.mentor_id else self.mentor_id


@dataclass(frozen=True)
class GoalRecord:
    """A goal the pair has held: open while `closed_at` is None."""

    pair_id: int
    text: str
    added_at: datetime
    closed_at: datetime | None


@dataclass(frozen=True)
class PairView:
    """A pair with its people, as lists and introductions need it."""

    pair: Pair
    mentor: Person
    adept: Person


@dataclass(frozen=True)
class Expectation:
    pair_id: int
    person_id: int
    round: str
    answers: dict[str, Any]
    completed_at: datetime | None


@dataclass(frozen=True)
class Confirmation:
    pair_id: int
    person_id: int
    agreement_version: str
    confirmed_at: datetime


@dataclass(frozen=True)
class AgreementText:
    """The text a pair confirms: a programme's own version, or the built-in one (text None)."""

    version: str
    text: str | None


@dataclass(frozen=True)
class PairStart:
    """Everything the agreement rules need about one pair, fetched for many pairs at once."""

    view: PairView
    programme: Programme
    expectations: tuple[Expectation, ...]
    confirmations: tuple[Confirmation, ...]

    def expectation(self, person_id: int, round_: str) -> Expectation | None:
        return next(
            (e for e in self.expectations if e.person_id == person_id and e.round == round_), None
        )

    def confirmed(self, person_id: int) -> bool:
        return any(c.person_id == person_id for c in self.confirmations)


@dataclass(frozen=True)
class Rhythm:
    """One live pair with its programme and rhythm history, fetched for many pairs at once."""

    view: PairView
    programme: Programme
    history: History


@dataclass(frozen=True)
class CheckIn:
    id: int
    pair_id: int
    person_id: int
    meeting_id: int | None
    period: str
    score: int | None
    comment: str | None
    needs_help: bool
    goals_progressed: tuple[str, ...]
    completed_at: datetime | None
    created_at: datetime
    help_text: str | None = None  # what they wrote after asking for help, apart from `comment`


# Messages that do not count towards a participant's one-a-day limit: they are urgent
# or go to staff.
URGENT_KINDS = ("mismatch_alert", "alert", "help_request", "pause_notice", "digest")


@dataclass(frozen=True)
class Dialogue:
    """Which question a person is answering; persisted so a restart changes nothing."""

    person_id: int
    flow: str
    step: str
    data: dict[str, Any]


@dataclass(frozen=True)
class Opened:
    """A person's open dialogue as last read or written (None: no question is open)."""

    dialogue: Dialogue | None


@dataclass(frozen=True)
class OutgoingMessage:
    """A bot-initiated message to be queued in the outbox.

    With `edit_ref`, it is an edit: every message already sent with that `ref` gets
    the new text and buttons (an alert changed state).
    """

    idempotency_key: str
    chat_id: int
    text: str
    person_id: int | None = None
    kind: str = "message"
    reply_markup: dict[str, Any] | None = None
    not_before: datetime | None = None
    ref: str | None = None
    edit_ref: str | None = None
    # A photo to send with `text` as its caption: data the delivery worker turns into
    # the picture (see bot/files/chart.py), not the picture itself.
    photo: dict[str, Any] | None = None


class AlertStatus(StrEnum):
    OPEN = "open"
    TAKEN = "taken"
    SNOOZED = "snoozed"
    RESOLVED = "resolved"


@dataclass(frozen=True)
class Alert:
    id: int
    pair_id: int
    reason: AlertReason
    since: datetime
    status: AlertStatus
    detail: AlertDetail
    opened_at: datetime
    taken_by: int | None
    snoozed_until: datetime | None
    resolved_at: datetime | None
    resolved_by: int | None
    posts: int


@dataclass(frozen=True)
class Note:
    id: int
    pair_id: int
    author_id: int | None
    text: str
    created_at: datetime


@dataclass(frozen=True)
class OutboxItem:
    id: int
    idempotency_key: str
    chat_id: int
    person_id: int | None
    kind: str
    payload: dict[str, Any]
    status: OutboxStatus
    attempts: int
    not_before: datetime
    lease_until: datetime | None = None
