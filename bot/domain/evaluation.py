"""The end of a cohort: when each party is told the end is near, when they are asked for
the evaluation and reminded, and the evaluation's questions in order.

Pure functions of a pair's state, the programme's rules and the time. The tick loads
every pair near its cohort's end in a constant number of statements and asks
`closing_due` what to send; the outbox keys make a repeated tick send nothing twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from bot.domain.policy import COHORT_END_NOTICE, EVALUATION_REMIND_AFTER, MAX_EVALUATION_TEXT
from bot.domain.rhythm import Rules

SCORES = range(1, 6)
COHORT_END = "cohort_end"  # the end reason of pairs whose cohort ended


class Act(StrEnum):
    NOTICE = "notice"
    ASK = "ask"
    REMIND = "remind"


class Step(StrEnum):
    """One question; the value is the short code used in button data."""

    OVERALL = "o"
    GOAL = "g"  # one per goal, with the goal's index
    OUTCOME = "oc"
    OUTCOME_TEXT = "ot"
    RECOMMEND = "r"
    LEARNED = "l"  # mentors: what they learned
    WORKPLACE = "w"  # mentors: what their workplace learned
    COMMENT = "c"  # adepts: anything else


TEXT_STEPS = frozenset({Step.OUTCOME_TEXT, Step.LEARNED, Step.WORKPLACE, Step.COMMENT})


class Outcome(StrEnum):
    JOB = "job"
    EDUCATION = "education"
    INTERNSHIP = "internship"
    OTHER = "other"
    NO = "no"
    UNKNOWN = "unknown"  # mentors only: they may not know


NOT_OUTCOMES = (Outcome.NO.value, Outcome.UNKNOWN.value)


# What a coordinator may record with /outcome (a "no" is not an outcome to record).
RECORDED_OUTCOMES = (Outcome.JOB, Outcome.EDUCATION, Outcome.INTERNSHIP, Outcome.OTHER)


class Recommend(StrEnum):
    YES = "yes"
    NO = "no"
    UNSURE = "unsure"


@dataclass(frozen=True)
class Question:
    step: Step
    goal_index: int | None = None

    @property
    def code(self) -> str:
        """The step as button data carries it: "g2" for the third goal."""
        return f"{self.step.value}{self.goal_index}" if self.step is Step.GOAL else self.step.value


def parse_code(code: str) -> Question | None:
    if code.startswith(Step.GOAL.value) and code[1:].isdigit() and code[1:].isascii():
        return Question(Step.GOAL, int(code[1:]))
    try:
        step = Step(code)
    except ValueError:
        return None
    return None if step is Step.GOAL else Question(step)


def next_question(role: str, goals: int, answers: Mapping[str, Any]) -> Question | None:
    """The first question not yet answered, or None when the evaluation is complete.

    Order: overall score, each goal, outcome (and a few words about it), recommend, then
    the free texts: mentors what they and their workplace learned, adepts a comment.
    """
    if "overall" not in answers:
        return Question(Step.OVERALL)
    scored = list(answers.get("goal_scores", []))
    if len(scored) < goals:
        return Question(Step.GOAL, len(scored))
    if "outcome" not in answers:
        return Question(Step.OUTCOME)
    if answers["outcome"] not in NOT_OUTCOMES and "outcome_text" not in answers:
        return Question(Step.OUTCOME_TEXT)
    if "recommend" not in answers:
        return Question(Step.RECOMMEND)
    texts = (Step.LEARNED, Step.WORKPLACE) if role == "mentor" else (Step.COMMENT,)
    for step in texts:
        if KEYS[step] not in answers:
            return Question(step)
    return None


KEYS = {
    Step.OVERALL: "overall",
    Step.OUTCOME: "outcome",
    Step.OUTCOME_TEXT: "outcome_text",
    Step.RECOMMEND: "recommend",
    Step.LEARNED: "learned",
    Step.WORKPLACE: "workplace",
    Step.COMMENT: "comment",
}


class AnswerProblem(StrEnum):
    NOT_NOW = "not_now"  # a button of another question (old, or forged)
    BAD_VALUE = "bad_value"


def clean_text(text: str) -> str:
    return " ".join(text.split())[:MAX_EVALUATION_TEXT]


def apply(
    role: str, goals: int, answers: Mapping[str, Any], question: Question, value: str | None
) -> dict[str, Any] | AnswerProblem:
    """The answers after answering `question` with `value` (None skips a text question).

    Only the current question may be answered: an old or forged button changes nothing.
    """
    if next_question(role, goals, answers) != question:
        return AnswerProblem.NOT_NOW
    updated = dict(answers)
    step = question.step
    if step in (Step.OVERALL, Step.GOAL):
        if value is None or not (value.isascii() and value.isdigit()) or int(value) not in SCORES:
            return AnswerProblem.BAD_VALUE
        if step is Step.OVERALL:
            updated["overall"] = int(value)
        else:
            updated["goal_scores"] = [*answers.get("goal_scores", []), int(value)]
    elif step is Step.OUTCOME:
        if value not in {o.value for o in Outcome} or (
            value == Outcome.UNKNOWN.value and role != "mentor"
        ):
            return AnswerProblem.BAD_VALUE
        updated["outcome"] = value
    elif step is Step.RECOMMEND:
        if value not in {r.value for r in Recommend}:
            return AnswerProblem.BAD_VALUE
        updated["recommend"] = value
    else:
        updated[KEYS[step]] = clean_text(value) if value is not None else ""
    return updated


@dataclass(frozen=True)
class Evaluation:
    """One party's evaluation as stored: the goals it asked about and the answers so far."""

    id: int
    pair_id: int
    person_id: int
    role: str
    goals: tuple[str, ...]
    answers: dict[str, Any]
    noticed_at: datetime | None
    asked_at: datetime | None
    reminders: int
    completed_at: datetime | None


@dataclass(frozen=True)
class RecordedOutcome:
    """An outcome a coordinator recorded with /outcome."""

    id: int
    pair_id: int
    kind: str
    text: str | None
    recorded_by: int | None
    created_at: datetime


# what the tick does


@dataclass(frozen=True)
class Party:
    """One party's evaluation state (all None/0 before anything was sent)."""

    person_id: int
    reachable: bool
    noticed_at: datetime | None = None
    asked_at: datetime | None = None
    reminders: int = 0
    completed_at: datetime | None = None


@dataclass(frozen=True)
class Closing:
    """A pair near or just past its cohort's end."""

    pair_id: int
    cohort_id: int
    ends_on: date
    live: bool  # active or paused; False once ended
    ended_by_cohort: bool
    parties: tuple[Party, ...]


@dataclass(frozen=True)
class Due:
    act: Act
    pair_id: int
    person_id: int
    not_before: datetime
    reminder: int = 0  # 1 or 2 for reminders

    @property
    def key(self) -> str:
        suffix = f"{self.act.value}:{self.reminder}" if self.act is Act.REMIND else self.act.value
        return f"evaluation:{self.pair_id}:{self.person_id}:{suffix}"


def cohort_over(closing: Closing, rules: Rules, now: datetime) -> bool:
    return rules.local(now).date() >= closing.ends_on


def closing_due(closing: Closing, rules: Rules, now: datetime) -> list[Due]:
    """What each party should get now: the notice four weeks before the end, the
    evaluation on the last day, reminders 3 and 7 days after it if unanswered.

    Every message waits for the programme's hours and working days."""
    today = rules.local(now).date()
    not_before = rules.allowed(now)
    askable = closing.live or closing.ended_by_cohort
    due: list[Due] = []
    for party in closing.parties:
        if not party.reachable or party.completed_at is not None:
            continue
        if party.asked_at is not None:
            if party.reminders < len(EVALUATION_REMIND_AFTER) and now >= (
                party.asked_at + EVALUATION_REMIND_AFTER[party.reminders]
            ):
                due.append(
                    Due(
                        Act.REMIND,
                        closing.pair_id,
                        party.person_id,
                        not_before,
                        party.reminders + 1,
                    )
                )
        elif today >= closing.ends_on:
            if askable:
                due.append(Due(Act.ASK, closing.pair_id, party.person_id, not_before))
        elif (
            closing.live
            and party.noticed_at is None
            and today >= closing.ends_on - COHORT_END_NOTICE
        ):
            due.append(Due(Act.NOTICE, closing.pair_id, party.person_id, not_before))
    return due


def one_a_day(
    candidates: Iterable[Due], already: Iterable[tuple[int, date]], local_day: Mapping[int, date]
) -> list[Due]:
    """At most one bot-initiated message per person per local day; what does not fit
    waits for the next tick. `local_day` gives each pair's local day of `not_before`."""
    taken = set(already)
    chosen = []
    for due in sorted(candidates, key=lambda d: (d.not_before, d.pair_id, d.person_id)):
        slot = (due.person_id, local_day[due.pair_id])
        if slot in taken:
            continue
        taken.add(slot)
        chosen.append(due)
    return chosen
