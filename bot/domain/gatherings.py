"""Gatherings (samlinger): who is invited, when invitations and reminders are due.

Pure functions of a gathering, the programme's rules and the time. The tick asks
the database for candidates in a constant number of statements and these rules
decide what goes into the outbox.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.domain.model import Person, Role
from bot.domain.policy import GATHERING_REMIND_AT, INVITE_AHEAD, MAX_PLACE, MAX_TITLE
from bot.domain.rhythm import Rules

# The tick looks this far ahead for reminders (the last working day before a Monday
# gathering is the Friday before).
REMIND_WINDOW = timedelta(days=8)


class Audience(StrEnum):
    MENTORS = "mentors"
    ADEPTS = "adepts"
    ALL = "all"

    @property
    def roles(self) -> tuple[Role, ...]:
        return {
            Audience.MENTORS: (Role.MENTOR,),
            Audience.ADEPTS: (Role.ADEPT,),
            Audience.ALL: (Role.MENTOR, Role.ADEPT),
        }[self]


class GatheringKind(StrEnum):
    KICKOFF = "kickoff"
    TRAINING = "training"  # mentor training, courses
    INTRODUCTION = "introduction"  # introduction meetings between candidates and mentors
    CLOSING = "closing"
    OTHER = "other"


class Answer(StrEnum):
    YES = "yes"
    NO = "no"


@dataclass(frozen=True)
class Gathering:
    id: int
    programme_id: int
    cohort_id: int | None
    learning_group: str | None
    audience: Audience
    kind: GatheringKind
    title: str
    place: str | None
    starts_at: datetime  # UTC
    cancelled: bool = False


@dataclass(frozen=True)
class Invitee:
    """One person who should be (or was) invited to one gathering."""

    gathering_id: int
    person_id: int
    chat_id: int
    role: Role


def invitation_window_open(starts_at: datetime, now: datetime) -> bool:
    return starts_at - INVITE_AHEAD <= now < starts_at


def invitation_time(starts_at: datetime, rules: Rules, now: datetime) -> datetime | None:
    """When an invitation may be sent: the next allowed moment, if before the gathering."""
    if not invitation_window_open(starts_at, now):
        return None
    at = rules.allowed(now)
    return at if at < starts_at else None


def reminder_time(starts_at: datetime, rules: Rules, now: datetime) -> datetime | None:
    """The reminder to someone who said yes: on the last working day before the
    gathering's day (local calendar), from midday, inside the programme's hours; None
    when it is not due now (too early, or that day is over)."""
    if now >= starts_at:
        return None
    gathering_day = rules.local(starts_at).date()
    today = rules.local(now).date()
    if today != rules.last_working_day_before(gathering_day):
        return None
    at = rules.allowed(max(now, rules.at(today, GATHERING_REMIND_AT)))
    return at if rules.local(at).date() < gathering_day else None


def check_title(text: str) -> str | None:
    cleaned = " ".join(text.split())
    return cleaned if 0 < len(cleaned) <= MAX_TITLE else None


def check_place(text: str) -> str | None:
    cleaned = " ".join(text.split())
    return cleaned if 0 < len(cleaned) <= MAX_PLACE else None


@dataclass(frozen=True)
class Attendance:
    """Who said yes, who said no and who has not answered, for one gathering.

    Plain data for the coordinator's /gatherings, the weekly digest and the report."""

    gathering: Gathering
    coming: tuple[Person, ...]
    not_coming: tuple[Person, ...]
    no_answer: tuple[Person, ...]

    @property
    def invited(self) -> int:
        return len(self.coming) + len(self.not_coming) + len(self.no_answer)


@dataclass(frozen=True)
class Turnout:
    """How many were invited to one gathering and how they answered, as counts (for the
    weekly digest and the report). The answers are what people said before the event:
    the bot does not record who actually came."""

    gathering: Gathering
    invited: int
    coming: int  # said «I'll come»
    not_coming: int  # said «I can't»

    @property
    def no_answer(self) -> int:
        return self.invited - self.coming - self.not_coming


def for_cohort(gathering: Gathering, cohort_id: int) -> bool:
    """Whether a gathering belongs to one cohort's view (a region's coordinator): one of
    that cohort, or one of the whole programme (which every region's people may attend)."""
    return gathering.cohort_id is None or gathering.cohort_id == cohort_id
