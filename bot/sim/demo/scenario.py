"""The demo's programme as data: who takes part, how each person behaves, and what they
do on their own initiative on which day. The runner (`bot.sim.demo.runner`) plays it.

Typed texts are gettext message ids (``lazy``): each simulated person writes in the
demo's language, as a real participant would.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.domain.model import Role
from bot.runtime.i18n import lazy

DEFAULT_DAYS = 91  # about three months

START_ANSWERS: dict[str, str | tuple[str, ...]] = {
    "rhythm": "monthly",
    "mode": "in_person",
    "language": "mix",
    "help": ("cv", "network"),
    "job": "no",
}
RECHECK_ANSWERS: dict[str, str | tuple[str, ...]] = {
    "rhythm": "monthly",
    "help": ("cv",),
    "working": "yes",
}


class OnNudge(StrEnum):
    """What a person does with «Have you agreed when to meet?»."""

    PLAN = "plan"  # «We have a date», then a suggested day (they log the meeting that day)
    LATER = "later"  # «Not yet»
    IGNORE = "ignore"  # nothing at all


@dataclass(frozen=True)
class CheckInStyle:
    score: int = 4
    goal_progress: bool = True  # the adept ticks their first goal
    comment: str | None = None  # message id of a typed comment; None taps «No comment»
    help_request: str | None = None  # message id: taps «I need help» and writes this


@dataclass(frozen=True)
class Behaviour:
    """How a participant answers the bot. Everything a person is asked is answered from here."""

    field_of_work: str = ""  # message id of the typed intake answer
    motivation: str | None = None  # mentors; None taps «Skip»
    capacity: str = "1"
    help: tuple[str, ...] = ("cv",)  # the adept's intake
    languages: tuple[str, ...] = ("ar",)
    goals: tuple[str, ...] = ("cv", "language")  # goal suggestions the adept taps
    start_answers: dict[str, str | tuple[str, ...]] = field(
        default_factory=lambda: dict(START_ANSWERS)
    )
    recheck_answers: dict[str, str | tuple[str, ...]] = field(
        default_factory=lambda: dict(RECHECK_ANSWERS)
    )
    on_nudge: OnNudge = OnNudge.IGNORE
    day_choice: int = 1  # which suggested day they tap (0 = the first)
    meeting_minutes: int = 60
    answers_rhythm: bool = True  # proposals, meeting confirmations and check-ins
    check_in: CheckInStyle = CheckInStyle()


class Do(StrEnum):
    """What someone does on their own initiative (see `Initiative`)."""

    BIND_ALERTS = "bind_alerts"  # the coordinator adds the bot to the group and binds it
    JOIN = "join"  # opens their invite link
    PAIR = "pair"  # the coordinator pairs `person` (mentor) with `other` (adept) by /pair
    PAUSE = "pause"  # /pause, then the button for `days`
    BLOCK = "block"  # blocks the bot in Telegram
    COMMAND = "command"  # sends `text` (a command) in their private chat
    GROUP_COMMAND = "group_command"  # sends `text` in the alert group


@dataclass(frozen=True)
class Initiative:
    day: int  # days after the start
    hour: int  # local hour
    who: str  # a person's key
    do: Do
    people: tuple[str, ...] = ()  # whom it concerns: PAIR takes (mentor, adept)
    days: int = 0  # PAUSE: the button for this many days
    text: str = ""  # COMMAND and GROUP_COMMAND


@dataclass(frozen=True)
class SimPerson:
    key: str
    name: str
    role: Role
    user_id: int
    behaviour: Behaviour = Behaviour()
    takes_alerts: bool = False  # a coordinator who taps «I'll contact them» on each alert


@dataclass(frozen=True)
class PairPlan:
    """One pair and the behaviour it shows (described in the transcript's summary)."""

    mentor: str
    adept: str
    story: str  # message id


@dataclass(frozen=True)
class Scenario:
    programme: str
    timezone: str
    start: datetime  # local, a working day in the morning
    alert_group_id: int
    alert_group_title: str  # message id
    people: tuple[SimPerson, ...]
    pairs: tuple[PairPlan, ...]
    initiatives: tuple[Initiative, ...]

    def person(self, key: str) -> SimPerson:
        return next(p for p in self.people if p.key == key)

    @property
    def coordinator(self) -> SimPerson:
        return next(p for p in self.people if p.role is Role.COORDINATOR)


OSLO = "Europe/Oslo"


def _mentor(key: str, name: str, user_id: int, field_of_work: str, **kw: object) -> SimPerson:
    return SimPerson(
        key,
        name,
        Role.MENTOR,
        user_id,
        Behaviour(field_of_work=field_of_work, **kw),  # type: ignore[arg-type]
    )


def _adept(key: str, name: str, user_id: int, field_of_work: str, **kw: object) -> SimPerson:
    return SimPerson(
        key,
        name,
        Role.ADEPT,
        user_id,
        Behaviour(field_of_work=field_of_work, **kw),  # type: ignore[arg-type]
    )


SILENT = {"on_nudge": OnNudge.IGNORE, "answers_rhythm": False}

PEOPLE = (
    SimPerson("kari", "Kari", Role.COORDINATOR, 100, takes_alerts=True),
    # 1. The model pair: Amina plans, they meet, Ola confirms, both check in.
    _mentor(
        "ola",
        "Ola",
        201,
        lazy("Nurse at a hospital"),
        motivation=lazy("I came to Norway myself once."),
    ),
    _adept(
        "amina",
        "Amina",
        301,
        lazy("Nurse"),
        on_nudge=OnNudge.PLAN,
        check_in=CheckInStyle(score=4, comment=lazy("We wrote my CV together.")),
    ),
    # 2. A pair that never meets: they finish the agreement, then answer nothing.
    _mentor("per", "Per", 202, lazy("Engineer"), **SILENT),
    _adept("yonas", "Yonas", 302, lazy("IT"), languages=("ti", "en"), **SILENT),
    # 3. Different expectations: Fatima thinks the mentor will find her a job.
    _mentor("ingrid", "Ingrid", 203, lazy("Accountant"), on_nudge=OnNudge.PLAN, day_choice=2),
    _adept(
        "fatima",
        "Fatima",
        303,
        lazy("Accounting"),
        languages=("so",),
        start_answers={**START_ANSWERS, "job": "yes"},
    ),
    # 4. An adept who asks the coordinator for help at the check-in after a meeting.
    _mentor("lars", "Lars", 204, lazy("Teacher"), on_nudge=OnNudge.PLAN),
    _adept(
        "hamid",
        "Hamid",
        304,
        lazy("Teaching"),
        languages=("fa",),
        check_in=CheckInStyle(
            score=2, help_request=lazy("I have lost my flat. It is hard to focus.")
        ),
    ),
    # 5. Someone who blocks the bot.
    _mentor("kjersti", "Kjersti", 205, lazy("Chef"), on_nudge=OnNudge.LATER),
    _adept("olena", "Olena", 305, lazy("Cook"), languages=("uk",), on_nudge=OnNudge.LATER),
    # 6. A pair that meets, then pauses for a month.
    _mentor("erik", "Erik", 206, lazy("Carpenter"), on_nudge=OnNudge.PLAN),
    _adept("sahra", "Sahra", 306, lazy("Carpentry"), languages=("so",)),
)

PAIRS = (
    PairPlan("ola", "amina", lazy("plans, meets, confirms and checks in")),
    PairPlan("per", "yonas", lazy("never meets and answers nothing")),
    PairPlan("ingrid", "fatima", lazy("differ on whether the mentor finds a job")),
    PairPlan("lars", "hamid", lazy("the adept asks the coordinator for help")),
    PairPlan("kjersti", "olena", lazy("the adept blocks the bot")),
    PairPlan("erik", "sahra", lazy("meet, then pause for a month")),
)

INITIATIVES = (
    Initiative(0, 9, "kari", Do.JOIN),
    Initiative(0, 9, "kari", Do.BIND_ALERTS),
    *(Initiative(0, 10, p.key, Do.JOIN) for p in PEOPLE if p.role is not Role.COORDINATOR),
    *(Initiative(0, 11, "kari", Do.PAIR, (pair.mentor, pair.adept)) for pair in PAIRS),
    Initiative(9, 20, "olena", Do.BLOCK),
    Initiative(17, 10, "sahra", Do.PAUSE, days=30),
    Initiative(44, 12, "amina", Do.COMMAND, text="/status"),
)


def default_scenario() -> Scenario:
    return Scenario(
        programme="Global Future Oslo",
        timezone=OSLO,
        # Monday 2 March 2026, 09:00 in Oslo.
        start=datetime.combine(datetime(2026, 3, 2).date(), time(8, 0), tzinfo=ZoneInfo(OSLO)),
        alert_group_id=-1001,
        alert_group_title=lazy("Mentor team"),
        people=PEOPLE,
        pairs=PAIRS,
        initiatives=INITIATIVES,
    )
