"""SQLModel tables. Every schema change is an Alembic migration in ``storage/migrations``.

Times are stored as UTC (``timestamptz`` on PostgreSQL; SQLite keeps them naive and
the repository reads them back as UTC).
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Time,
    false,
    true,
)
from sqlalchemy import UniqueConstraint as _Unique
from sqlmodel import Field, SQLModel

# Must be set before any table is declared, so constraint names are stable across
# databases and Alembic can drop them by name (SQLite batch mode needs the names).
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _utc_column(*, nullable: bool, index: bool = False) -> Any:
    return Column(DateTime(timezone=True), nullable=nullable, index=index)


def _fk(target: str, *, nullable: bool, ondelete: str | None = None, index: bool = True) -> Any:
    return Column(
        Integer,
        ForeignKey(target, ondelete=ondelete),
        nullable=nullable,
        index=index,
    )


def _owner_key(target: str) -> Any:
    """A primary key that is its owner's id: at most one row per owner, deleted with it."""
    return Column(
        Integer,
        ForeignKey(target, ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    )


class ProgrammeRow(SQLModel, table=True):
    __tablename__ = "programme"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_column=Column(String(200), nullable=False))
    timezone: str = Field(sa_column=Column(String(64), nullable=False))
    language: str = Field(sa_column=Column(String(8), nullable=False))
    cadence: str = Field(
        default="monthly",
        sa_column=Column(String(32), nullable=False, server_default="monthly"),
    )
    # When the bot may write to participants, in the programme's time zone.
    day_starts: time = Field(
        default=time(9, 0), sa_column=Column(Time, nullable=False, server_default="09:00:00")
    )
    day_ends: time = Field(
        default=time(20, 0), sa_column=Column(Time, nullable=False, server_default="20:00:00")
    )
    working_days: str = Field(
        default="01234", sa_column=Column(String(7), nullable=False, server_default="01234")
    )
    morning_reminder: bool = Field(
        default=False, sa_column=Column(Boolean, nullable=False, server_default=false())
    )
    # The group where alerts go; None sends them to each coordinator privately.
    alert_chat_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    # The weekly digest: weekday (0 = Monday; NULL = off) and hour, local time; and the
    # ISO week ("2026-W12") whose digest was queued last, so a tick queues it once.
    digest_weekday: int | None = Field(
        default=0, sa_column=Column(Integer, nullable=True, server_default="0")
    )
    digest_hour: int = Field(
        default=8, sa_column=Column(Integer, nullable=False, server_default="8")
    )
    digest_week: str | None = Field(default=None, sa_column=Column(String(10), nullable=True))
    created_at: datetime = Field(sa_column=_utc_column(nullable=False))
    # How the pair's roles are named to people: "mentor" (mentor and adept) or "trainee"
    # (supervisor and trainee); see bot/domain/programmes.py.
    role_labels: str = Field(
        default="mentor", sa_column=Column(String(16), nullable=False, server_default="mentor")
    )
    # Outcomes the programme counts for its report, comma separated (e.g. "job,internship").
    outcomes: str = Field(
        default="job", sa_column=Column(String(200), nullable=False, server_default="job")
    )
    preset: str | None = Field(default=None, sa_column=Column(String(32), nullable=True))
    # Whose public holidays are not working days (ISO 3166 code, e.g. NO).
    country: str = Field(
        default="NO", sa_column=Column(String(8), nullable=False, server_default="NO")
    )


class AgreementTextRow(SQLModel, table=True):
    """A programme's own agreement text; each change is a new version, old ones are kept."""

    __tablename__ = "agreement_text"
    __table_args__ = (
        _Unique("programme_id", "version", name="uq_agreement_text_programme_version"),
    )

    id: int | None = Field(default=None, primary_key=True)
    programme_id: int = Field(sa_column=_fk("programme.id", nullable=False, ondelete="CASCADE"))
    version: int
    text: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(sa_column=_utc_column(nullable=False))


class CohortRow(SQLModel, table=True):
    __tablename__ = "cohort"

    id: int | None = Field(default=None, primary_key=True)
    programme_id: int = Field(sa_column=_fk("programme.id", nullable=False, ondelete="CASCADE"))
    name: str = Field(sa_column=Column(String(200), nullable=False))
    starts_on: date
    ends_on: date
    created_at: datetime = Field(sa_column=_utc_column(nullable=False))
    # When retention erased the personal data of this cohort's participants.
    erased_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))


class PersonRow(SQLModel, table=True):
    __tablename__ = "person"

    id: int | None = Field(default=None, primary_key=True)
    # Identity is the Telegram user id, never a username or display name.
    telegram_user_id: int | None = Field(
        default=None, sa_column=Column(BigInteger, nullable=True, unique=True)
    )
    first_name: str = Field(sa_column=Column(String(128), nullable=False))
    last_name: str | None = Field(default=None, sa_column=Column(String(128), nullable=True))
    # `language` is the person's own choice (/language); `telegram_language` the app's
    # language_code last seen, used for messages the bot starts itself.
    language: str | None = Field(default=None, sa_column=Column(String(8), nullable=True))
    telegram_language: str | None = Field(default=None, sa_column=Column(String(16), nullable=True))
    intake: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    consent_version: str | None = Field(default=None, sa_column=Column(String(32), nullable=True))
    consented_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    unreachable_since: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    # The weekly note to participants (on by default; /settings turns it off).
    weekly_note: bool = Field(
        default=True, sa_column=Column(Boolean, nullable=False, server_default=true())
    )
    created_at: datetime = Field(sa_column=_utc_column(nullable=False))
    # Set when /deleteme or retention erased the person: the row stays so the pair's
    # counts add up, with no name, no answers and no Telegram id.
    erased_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))


class MembershipRow(SQLModel, table=True):
    __tablename__ = "membership"
    __table_args__ = (
        _Unique("person_id", "programme_id", "role", name="uq_membership_person_programme_role"),
    )

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(sa_column=_fk("person.id", nullable=False, ondelete="CASCADE"))
    programme_id: int = Field(sa_column=_fk("programme.id", nullable=False, ondelete="CASCADE"))
    cohort_id: int | None = Field(
        default=None, sa_column=_fk("cohort.id", nullable=True, ondelete="SET NULL")
    )
    role: str = Field(sa_column=Column(String(16), nullable=False))
    created_at: datetime = Field(sa_column=_utc_column(nullable=False))
    # A learning group of adepts (NHO), used as the audience of gatherings.
    learning_group: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))


class InviteRow(SQLModel, table=True):
    __tablename__ = "invite"

    id: int | None = Field(default=None, primary_key=True)
    programme_id: int = Field(sa_column=_fk("programme.id", nullable=False, ondelete="CASCADE"))
    cohort_id: int | None = Field(
        default=None, sa_column=_fk("cohort.id", nullable=True, ondelete="SET NULL")
    )
    role: str = Field(sa_column=Column(String(16), nullable=False))
    # Only a hash: a database leak must not hand out working invite links.
    token_hash: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    created_at: datetime = Field(sa_column=_utc_column(nullable=False))
    expires_at: datetime = Field(sa_column=_utc_column(nullable=False))
    used_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    used_by_person_id: int | None = Field(
        default=None, sa_column=_fk("person.id", nullable=True, ondelete="SET NULL", index=False)
    )


class InviteIntakeRow(SQLModel, table=True):
    """What a coordinator's spreadsheet said about the person an invite is for: the name
    they know them by and intake answers, merged into the person's own when they join."""

    __tablename__ = "invite_intake"

    invite_id: int = Field(sa_column=_owner_key("invite.id"))
    programme_id: int = Field(sa_column=_fk("programme.id", nullable=False, ondelete="CASCADE"))
    name: str = Field(sa_column=Column(String(128), nullable=False))
    answers: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(sa_column=_utc_column(nullable=False))


class MatchRejectionRow(SQLModel, table=True):
    """A suggested pair a coordinator said no to: not suggested again."""

    __tablename__ = "match_rejection"
    __table_args__ = (
        _Unique(
            "programme_id", "mentor_id", "adept_id", name="uq_match_rejection_programme_mentor"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    programme_id: int = Field(sa_column=_fk("programme.id", nullable=False, ondelete="CASCADE"))
    mentor_id: int = Field(sa_column=_fk("person.id", nullable=False, ondelete="CASCADE"))
    adept_id: int = Field(sa_column=_fk("person.id", nullable=False, ondelete="CASCADE"))
    decided_by: int | None = Field(
        default=None, sa_column=_fk("person.id", nullable=True, ondelete="SET NULL", index=False)
    )
    created_at: datetime = Field(sa_column=_utc_column(nullable=False))


class PairRow(SQLModel, table=True):
    __tablename__ = "pair"

    id: int | None = Field(default=None, primary_key=True)
    programme_id: int = Field(sa_column=_fk("programme.id", nullable=False, ondelete="CASCADE"))
    cohort_id: int = Field(sa_column=_fk("cohort.id", nullable=False, ondelete="CASCADE"))
    mentor_id: int = Field(sa_column=_fk("person.id", nullable=False, ondelete="CASCADE"))
    adept_id: int = Field(sa_column=_fk("person.id", nullable=False, ondelete="CASCADE"))
    state: str = Field(sa_column=Column(String(32), nullable=False, index=True))
    created_at: datetime = Field(sa_column=_utc_column(nullable=False))
    activated_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    ended_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    # The adept's learning plan: None until they have written it.
    goals: list[str] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    # When the adept last changed goals they had already set: the mentor's weekly note
    # tells of changes made since the mentor's last note.
    goals_changed_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    paused_until: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    # Every pause the pair took, [first day, last day] as ISO dates, oldest first: paused
    # days do not count as days without a meeting.
    pauses: list[list[str]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]")
    )
    end_reason: str | None = Field(default=None, sa_column=Column(String(200), nullable=True))
    # The tick skips a pair that is quiet: nothing the rules read has changed since the
    # tick saw `quiet_revision`, and no rule can act before `quiet_until`. Triggers
    # (migration 0011) count every change the rules could see in `revision`, whoever
    # writes it, so a write anywhere wakes the pair at the next tick.
    revision: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    quiet_until: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    quiet_revision: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))


class GoalRow(SQLModel, table=True):
    """One goal of a pair's learning plan as it was held: the open ones are the pair's
    `goals`; closed ones (done, dropped or reworded) stay for the report, with dates."""

    __tablename__ = "goal"

    id: int | None = Field(default=None, primary_key=True)
    pair_id: int = Field(sa_column=_fk("pair.id", nullable=False, ondelete="CASCADE"))
    text: str = Field(sa_column=Column(Text, nullable=False))
    added_at: datetime = Field(sa_column=_utc_column(nullable=False))
    closed_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))


class TickWritingRow(SQLModel, table=True):
    """One row: whether the transaction that reads it is the tick writing what it planned.
    The triggers that count a pair's changes (migration 0011) leave those out."""

    __tablename__ = "tick_writing"

    id: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    writing: bool = Field(
        default=False, sa_column=Column(Boolean, nullable=False, server_default=false())
    )


class AlertRow(SQLModel, table=True):
    """One episode of one stall reason of one pair, and the message that shows it."""

    __tablename__ = "alert"

    id: int | None = Field(default=None, primary_key=True)
    pair_id: int = Field(sa_column=_fk("pair.id", nullable=False, ondelete="CASCADE"))
    reason: str = Field(sa_column=Column(String(32), nullable=False))
    since: datetime = Field(sa_column=_utc_column(nullable=False))
    # "pair:reason" while the alert is not resolved, NULL after: at most one open per pair
    # and reason, enforced by the database even when two instances tick at once.
    open_key: str | None = Field(
        default=None, sa_column=Column(String(64), nullable=True, unique=True)
    )
    status: str = Field(sa_column=Column(String(16), nullable=False))
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    opened_at: datetime = Field(sa_column=_utc_column(nullable=False))
    taken_by: int | None = Field(
        default=None, sa_column=_fk("person.id", nullable=True, ondelete="SET NULL", index=False)
    )
    snoozed_until: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    resolved_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    resolved_by: int | None = Field(
        default=None, sa_column=_fk("person.id", nullable=True, ondelete="SET NULL", index=False)
    )
    chat_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    message_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    posts: int = 0  # how many times it was posted (a snooze that ends posts it again)


class NoteRow(SQLModel, table=True):
    """A coordinator's private follow-up note on a pair."""

    __tablename__ = "note"

    id: int | None = Field(default=None, primary_key=True)
    pair_id: int = Field(sa_column=_fk("pair.id", nullable=False, ondelete="CASCADE"))
    author_id: int | None = Field(
        default=None, sa_column=_fk("person.id", nullable=True, ondelete="SET NULL")
    )
    text: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(sa_column=_utc_column(nullable=False))


class MeetingRow(SQLModel, table=True):
    """A meeting one party logged; the other confirms or disputes it with one tap."""

    __tablename__ = "meeting"

    id: int | None = Field(default=None, primary_key=True)
    pair_id: int = Field(sa_column=_fk("pair.id", nullable=False, ondelete="CASCADE"))
    held_on: date = Field(sa_column=Column(Date, nullable=False))
    minutes: int | None = Field(default=None)
    topic: str | None = Field(default=None, sa_column=Column(String(200), nullable=True))
    logged_by: int = Field(sa_column=_fk("person.id", nullable=False, ondelete="CASCADE"))
    status: str = Field(sa_column=Column(String(16), nullable=False))
    answered_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    created_at: datetime = Field(sa_column=_utc_column(nullable=False))


class PlannedMeetingRow(SQLModel, table=True):
    """A date the pair agreed on (or one party proposed) for their next meeting."""

    __tablename__ = "planned_meeting"

    id: int | None = Field(default=None, primary_key=True)
    pair_id: int = Field(sa_column=_fk("pair.id", nullable=False, ondelete="CASCADE"))
    planned_on: date = Field(sa_column=Column(Date, nullable=False))
    planned_time: time | None = Field(default=None, sa_column=Column(Time, nullable=True))
    proposed_by: int = Field(sa_column=_fk("person.id", nullable=False, ondelete="CASCADE"))
    status: str = Field(sa_column=Column(String(16), nullable=False))
    created_at: datetime = Field(sa_column=_utc_column(nullable=False))


class NudgeRow(SQLModel, table=True):
    """A follow-up question sent to one party; answered when they reacted to it."""

    __tablename__ = "nudge"
    __table_args__ = (
        _Unique("pair_id", "person_id", "period", "kind", name="uq_nudge_pair_person_period_kind"),
    )

    id: int | None = Field(default=None, primary_key=True)
    pair_id: int = Field(sa_column=_fk("pair.id", nullable=False, ondelete="CASCADE"))
    person_id: int = Field(sa_column=_fk("person.id", nullable=False, ondelete="CASCADE"))
    period: str = Field(sa_column=Column(String(32), nullable=False))
    kind: str = Field(sa_column=Column(String(16), nullable=False))
    sent_at: datetime = Field(sa_column=_utc_column(nullable=False))
    answered_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))


class CheckInRow(SQLModel, table=True):
    """A private pulse answer: seen by coordinators only, never by the other party."""

    __tablename__ = "check_in"

    id: int | None = Field(default=None, primary_key=True)
    pair_id: int = Field(sa_column=_fk("pair.id", nullable=False, ondelete="CASCADE"))
    person_id: int = Field(sa_column=_fk("person.id", nullable=False, ondelete="CASCADE"))
    meeting_id: int | None = Field(
        default=None, sa_column=_fk("meeting.id", nullable=True, ondelete="SET NULL")
    )
    period: str = Field(sa_column=Column(String(32), nullable=False))
    score: int | None = Field(default=None)
    comment: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # What someone who asked for help wrote to the coordinator: kept apart from the
    # comment, so neither overwrites the other.
    help_text: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    needs_help: bool = Field(
        default=False, sa_column=Column(Boolean, nullable=False, server_default=false())
    )
    goals_progressed: list[str] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    completed_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    created_at: datetime = Field(sa_column=_utc_column(nullable=False))


class ExpectationRow(SQLModel, table=True):
    """One party's answers to the expectation check, private until both have answered."""

    __tablename__ = "expectation"
    __table_args__ = (
        _Unique("pair_id", "person_id", "round", name="uq_expectation_pair_person_round"),
    )

    id: int | None = Field(default=None, primary_key=True)
    pair_id: int = Field(sa_column=_fk("pair.id", nullable=False, ondelete="CASCADE"))
    person_id: int = Field(sa_column=_fk("person.id", nullable=False, ondelete="CASCADE"))
    round: str = Field(sa_column=Column(String(16), nullable=False))
    answers: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    completed_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    created_at: datetime = Field(sa_column=_utc_column(nullable=False))


class ConfirmationRow(SQLModel, table=True):
    """Who confirmed the agreement, when, and exactly which text."""

    __tablename__ = "agreement_confirmation"
    __table_args__ = (
        _Unique("pair_id", "person_id", name="uq_agreement_confirmation_pair_person"),
    )

    id: int | None = Field(default=None, primary_key=True)
    pair_id: int = Field(sa_column=_fk("pair.id", nullable=False, ondelete="CASCADE"))
    person_id: int = Field(sa_column=_fk("person.id", nullable=False, ondelete="CASCADE"))
    agreement_version: str = Field(sa_column=Column(String(32), nullable=False))
    text_sha256: str = Field(sa_column=Column(String(64), nullable=False))
    confirmed_at: datetime = Field(sa_column=_utc_column(nullable=False))


class DialogueRow(SQLModel, table=True):
    """The question a person is answering now: in the database so any instance can continue."""

    __tablename__ = "dialogue"

    person_id: int = Field(sa_column=_owner_key("person.id"))
    flow: str = Field(sa_column=Column(String(32), nullable=False))
    step: str = Field(sa_column=Column(String(64), nullable=False))
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(sa_column=_utc_column(nullable=False))


class OutboxRow(SQLModel, table=True):
    """A bot-initiated message; the unique key makes every enqueue idempotent."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_not_before", "status", "not_before"),)

    id: int | None = Field(default=None, primary_key=True)
    idempotency_key: str = Field(sa_column=Column(String(200), nullable=False, unique=True))
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    person_id: int | None = Field(
        default=None, sa_column=_fk("person.id", nullable=True, ondelete="SET NULL")
    )
    kind: str = Field(sa_column=Column(String(32), nullable=False))
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(sa_column=Column(String(16), nullable=False))
    attempts: int = 0
    not_before: datetime = Field(sa_column=_utc_column(nullable=False))
    lease_until: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    created_at: datetime = Field(sa_column=_utc_column(nullable=False))
    sent_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    telegram_message_id: int | None = Field(
        default=None, sa_column=Column(BigInteger, nullable=True)
    )
    # What the message is about, e.g. "alert:12": later edits find the messages by it.
    ref: str | None = Field(default=None, sa_column=Column(String(64), nullable=True, index=True))


class ProcessedUpdateRow(SQLModel, table=True):
    """Update ids already handled: Telegram re-delivers webhooks, and two instances may race."""

    __tablename__ = "processed_update"

    update_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    processed_at: datetime = Field(sa_column=_utc_column(nullable=False, index=True))


class SendBudgetRow(SQLModel, table=True):
    """Messages sent per rate-limit bucket and time window, shared by every instance.

    Telegram's limits hold for the bot as a whole (about 30 a second overall, one a
    second per private chat, 20 a minute per group), so instances count here.
    """

    __tablename__ = "send_budget"

    bucket: str = Field(sa_column=Column(String(64), primary_key=True))
    window_start: datetime = Field(sa_column=Column(DateTime(timezone=True), primary_key=True))
    used: int = Field(default=0)


class EvaluationRow(SQLModel, table=True):
    """One party's end of the cohort: told four weeks before, asked at the end, reminded.

    The answers are seen by coordinators only (in the report), never by the other party.
    """

    __tablename__ = "evaluation"
    __table_args__ = (_Unique("pair_id", "person_id", name="uq_evaluation_pair_person"),)

    id: int | None = Field(default=None, primary_key=True)
    pair_id: int = Field(sa_column=_fk("pair.id", nullable=False, ondelete="CASCADE"))
    person_id: int = Field(sa_column=_fk("person.id", nullable=False, ondelete="CASCADE"))
    role: str = Field(sa_column=Column(String(16), nullable=False))
    noticed_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    asked_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    reminders: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    # The adept's goals as they were when the evaluation was asked (scores refer to them).
    goals: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    answers: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    completed_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))


class OutcomeRow(SQLModel, table=True):
    """A job, education or internship an adept got, recorded by a coordinator."""

    __tablename__ = "outcome"

    id: int | None = Field(default=None, primary_key=True)
    pair_id: int = Field(sa_column=_fk("pair.id", nullable=False, ondelete="CASCADE"))
    kind: str = Field(sa_column=Column(String(16), nullable=False))
    text: str | None = Field(default=None, sa_column=Column(String(300), nullable=True))
    recorded_by: int | None = Field(
        default=None, sa_column=_fk("person.id", nullable=True, ondelete="SET NULL", index=False)
    )
    created_at: datetime = Field(sa_column=_utc_column(nullable=False))


class GatheringRow(SQLModel, table=True):
    """A group event of a programme (samling): kick-off, mentor training, closing."""

    __tablename__ = "gathering"

    id: int | None = Field(default=None, primary_key=True)
    programme_id: int = Field(sa_column=_fk("programme.id", nullable=False, ondelete="CASCADE"))
    # None: the whole programme; else only members of this cohort (an NHO region).
    cohort_id: int | None = Field(
        default=None, sa_column=_fk("cohort.id", nullable=True, ondelete="CASCADE")
    )
    learning_group: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))
    audience: str = Field(sa_column=Column(String(16), nullable=False))
    kind: str = Field(
        default="other", sa_column=Column(String(16), nullable=False, server_default="other")
    )
    title: str = Field(sa_column=Column(String(200), nullable=False))
    place: str | None = Field(default=None, sa_column=Column(String(300), nullable=True))
    starts_at: datetime = Field(sa_column=_utc_column(nullable=False, index=True))
    created_by: int | None = Field(
        default=None, sa_column=_fk("person.id", nullable=True, ondelete="SET NULL", index=False)
    )
    created_at: datetime = Field(sa_column=_utc_column(nullable=False))
    cancelled_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))


class GatheringInvitationRow(SQLModel, table=True):
    """One person invited to one gathering, and their answer (yes, no, or none yet)."""

    __tablename__ = "gathering_invitation"
    __table_args__ = (
        _Unique("gathering_id", "person_id", name="uq_gathering_invitation_gathering_person"),
    )

    id: int | None = Field(default=None, primary_key=True)
    gathering_id: int = Field(sa_column=_fk("gathering.id", nullable=False, ondelete="CASCADE"))
    person_id: int = Field(sa_column=_fk("person.id", nullable=False, ondelete="CASCADE"))
    invited_at: datetime = Field(sa_column=_utc_column(nullable=False))
    answer: str | None = Field(default=None, sa_column=Column(String(8), nullable=True))
    answered_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    reminded_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))


class AuditEntryRow(SQLModel, table=True):
    """Who looked at or removed personal data, and when: coordinator views of check-in
    comments, exports and deletions. Ids only; the actor's row may be erased later."""

    __tablename__ = "audit_entry"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=_utc_column(nullable=False, index=True))
    # A person id, not a foreign key: the entry must outlive the actor's erasure.
    actor_id: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))
    programme_id: int | None = Field(
        default=None, sa_column=_fk("programme.id", nullable=True, ondelete="CASCADE")
    )
    action: str = Field(sa_column=Column(String(32), nullable=False))
    target: str = Field(sa_column=Column(String(64), nullable=False))


class InviteFailureRow(SQLModel, table=True):
    """Wrong invite tokens per Telegram user, to slow down guessing."""

    __tablename__ = "invite_failure"

    telegram_user_id: int = Field(
        sa_column=Column(BigInteger, primary_key=True, autoincrement=False)
    )
    failures: int = Field(default=0)
    last_failed_at: datetime = Field(sa_column=_utc_column(nullable=False))


class RehearsalRow(SQLModel, table=True):
    """One row in a database made for a rehearsal (`mentorbot run --rehearsal`): how far
    its clock is ahead of the real one. A live programme's database has no row."""

    __tablename__ = "rehearsal"

    id: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    ahead_seconds: int = Field(
        default=0, sa_column=Column(BigInteger, nullable=False, server_default="0")
    )
    started_at: datetime = Field(sa_column=_utc_column(nullable=False))


class RegionAlertChatRow(SQLModel, table=True):
    """A region's own alert chat (a cohort of NHO Global Future): alerts of the region's
    pairs go there instead of the programme's chat. Bound by the region's coordinator;
    the programme's own chat stays `programme.alert_chat_id`."""

    __tablename__ = "region_alert_chat"

    cohort_id: int = Field(sa_column=_owner_key("cohort.id"))
    programme_id: int = Field(sa_column=_fk("programme.id", nullable=False, ondelete="CASCADE"))
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))


class AlertGroupRow(SQLModel, table=True):
    """What the bot last found out about an alert chat's members (getChatMember): while
    participants of its programmes are in it, it gets pair numbers only, no names."""

    __tablename__ = "alert_group"

    chat_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    participants: int = Field(default=0)
    checked_at: datetime = Field(sa_column=_utc_column(nullable=False))
