"""The start of a relationship: the adept's goals, the expectation check both parties
answer on their own, the comparison of their answers, and the agreement they confirm.

Pure rules only; texts are message ids translated where they are rendered.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from bot.domain.intake import HELP_OPTIONS, Kind, Option, Question
from bot.domain.model import Role
from bot.domain.policy import (
    AGREEMENT_REMINDER_DAYS,
    AGREEMENT_WITHIN,
    RECHECK_AFTER,
)
from bot.domain.wording import lazy

BUILTIN_AGREEMENT = "builtin-1"


class Round(StrEnum):
    START = "start"
    RECHECK = "recheck"


RHYTHM = Question(
    "rhythm",
    lazy("How often do you want to meet?"),
    Kind.CHOICE,
    (
        Option("twice_monthly", lazy("Twice a month")),
        Option("monthly", lazy("Once a month")),
        Option("every_other_month", lazy("Every other month")),
    ),
    short_label=lazy("How often"),
)
MODE = Question(
    "mode",
    lazy("How do you want to meet?"),
    Kind.CHOICE,
    (
        Option("in_person", lazy("Face to face")),
        Option("video", lazy("On video")),
        Option("both", lazy("Both")),
    ),
    short_label=lazy("How we meet"),
)
LANGUAGE = Question(
    "language",
    lazy("Which language do you want to speak together?"),
    Kind.CHOICE,
    (
        Option("norwegian", lazy("Norwegian")),
        Option("english", lazy("English")),
        Option("mix", lazy("A mix")),
    ),
    short_label=lazy("Language"),
)
HELP = Question(
    "help",
    lazy("What should the mentor help with? Tap all that fit. Then tap «Done»."),
    Kind.MULTI,
    (*HELP_OPTIONS, Option("other", lazy("Something else"))),
    short_label=lazy("Help with"),
)
JOB = Question(
    "job",
    lazy("Is it the mentor's job to find the adept a job?"),
    Kind.CHOICE,
    (Option("yes", lazy("Yes")), Option("no", lazy("No")), Option("unsure", lazy("Not sure"))),
    short_label=lazy("Find a job"),
)
WORKING = Question(
    "working",
    lazy("Is the mentorship working for you?"),
    Kind.CHOICE,
    (Option("yes", lazy("Yes")), Option("partly", lazy("Partly")), Option("no", lazy("No"))),
    short_label=lazy("Working for you"),
)

QUESTIONS: dict[Round, tuple[Question, ...]] = {
    Round.START: (RHYTHM, MODE, LANGUAGE, HELP, JOB),
    Round.RECHECK: (RHYTHM, HELP, WORKING),
}
# Differences here reach the coordinator: they are what broke relationships in the seeds.
ALERT_ON_DIFFERENCE = ("rhythm", "job")
ALERT_ON_ANSWER = {"working": ("no", "partly")}

GOAL_SUGGESTIONS = (
    Option("cv", lazy("Write a Norwegian CV")),
    Option("apply", lazy("Learn how to apply for jobs in my field")),
    Option("language", lazy("Practise Norwegian at work")),
    Option("network", lazy("Build a network in my field")),
    Option("worklife", lazy("Understand working life in Norway")),
    Option("career", lazy("Choose my next career step")),
)


def questions(round_: Round) -> tuple[Question, ...]:
    return QUESTIONS[round_]


def question(round_: Round, key: str) -> Question | None:
    return next((q for q in QUESTIONS[round_] if q.key == key), None)


def next_question(round_: Round, answers: Mapping[str, Any]) -> Question | None:
    return next((q for q in QUESTIONS[round_] if q.key not in answers), None)


def goal_suggestions(intake_answers: Mapping[str, Any]) -> tuple[Option, ...]:
    """Suggestions that match what the adept asked help with come first."""
    # Suggestion keys match the intake's help options, so what they asked for leads.
    wanted = [str(h) for h in intake_answers.get("help") or []]
    ordered = sorted(
        GOAL_SUGGESTIONS,
        key=lambda option: wanted.index(option.key) if option.key in wanted else len(wanted),
    )
    return tuple(ordered[:4])


def suggestion_goal(key: str) -> str:
    """A suggested goal is stored by key so each reader sees it in their own language."""
    return f"@{key}"


def goal_suggestion(goal: str) -> Option | None:
    if not goal.startswith("@"):
        return None
    return next((o for o in GOAL_SUGGESTIONS if o.key == goal[1:]), None)


# Comparison


@dataclass(frozen=True)
class Difference:
    key: str
    mentor: Any
    adept: Any


@dataclass(frozen=True)
class Comparison:
    same: tuple[str, ...]
    different: tuple[Difference, ...]
    alerts: tuple[str, ...]  # question keys the coordinator should hear about
    shared_help: tuple[str, ...] = ()

    @property
    def agrees(self) -> bool:
        return not self.different


def compare(round_: Round, mentor: Mapping[str, Any], adept: Mapping[str, Any]) -> Comparison:
    """Where the two sets of answers agree and differ, and what the coordinator must hear."""
    same: list[str] = []
    different: list[Difference] = []
    alerts: list[str] = []
    shared_help: tuple[str, ...] = ()
    for q in QUESTIONS[round_]:
        mine, theirs = mentor.get(q.key), adept.get(q.key)
        if q.kind is Kind.MULTI:
            mine_set, theirs_set = set(mine or ()), set(theirs or ())
            order = [o.key for o in q.options]
            shared_help = tuple(k for k in order if k in mine_set & theirs_set)
            if mine_set == theirs_set:
                same.append(q.key)
            else:
                different.append(
                    Difference(q.key, _ordered(mine_set, order), _ordered(theirs_set, order))
                )
            continue
        if mine == theirs:
            same.append(q.key)
        else:
            different.append(Difference(q.key, mine, theirs))
            if q.key in ALERT_ON_DIFFERENCE:
                alerts.append(q.key)
        worrying = ALERT_ON_ANSWER.get(q.key, ())
        if (mine in worrying or theirs in worrying) and q.key not in alerts:
            alerts.append(q.key)
    return Comparison(tuple(same), tuple(different), tuple(alerts), shared_help)


def _ordered(values: set[Any], order: Sequence[str]) -> tuple[str, ...]:
    return tuple(k for k in order if k in values) + tuple(
        sorted(v for v in values if v not in order)
    )


# Where each party is


class Step(StrEnum):
    GOALS = "goals"  # the adept writes their goals
    EXPECTATIONS = "expectations"  # answer the expectation check
    WAIT = "wait"  # wait for the other party
    CONFIRM = "confirm"  # read and confirm the agreement
    DONE = "done"


@dataclass(frozen=True)
class Progress:
    """What is known about one pair's start, for one party."""

    role: Role
    has_goals: bool
    answered: bool
    other_answered: bool
    confirmed: bool


def next_step(progress: Progress) -> Step:
    if progress.confirmed:
        return Step.DONE
    if progress.role is Role.ADEPT and not progress.has_goals:
        return Step.GOALS
    if not progress.answered:
        return Step.EXPECTATIONS
    if not progress.other_answered or not progress.has_goals:
        return Step.WAIT
    return Step.CONFIRM


def reminder_due(created_at: datetime, now: datetime) -> int | None:
    """The newest reminder (1 or 2) due for a party who has not finished; None before day 3.

    After an outage only the newest one is due, so nobody gets two at once.
    """
    due = [
        n
        for n, days in enumerate(AGREEMENT_REMINDER_DAYS, start=1)
        if now >= created_at + timedelta(days=days)
    ]
    return due[-1] if due else None


def agreement_overdue(created_at: datetime, now: datetime) -> bool:
    return now >= created_at + AGREEMENT_WITHIN


def recheck_due(activated_at: datetime | None, now: datetime) -> bool:
    return activated_at is not None and now >= activated_at + RECHECK_AFTER


def wakes(created_at: datetime, activated_at: datetime | None) -> list[datetime]:
    """The moments at which the rules above may change their minds about a pair created
    (and activated) then: its reminders, its deadline, its re-check."""
    moments = [created_at + timedelta(days=days) for days in AGREEMENT_REMINDER_DAYS]
    moments.append(created_at + AGREEMENT_WITHIN)
    if activated_at is not None:
        moments.append(activated_at + RECHECK_AFTER)
    return moments
