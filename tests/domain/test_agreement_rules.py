"""The agreement rules without Telegram or a database: comparison, steps, reminders, deadlines."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from bot.domain import agreement as rules
from bot.domain.agreement import Progress, Round, Step
from bot.domain.intake import Kind
from bot.domain.model import Role

CREATED = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)


def answer_sets(round_: Round) -> st.SearchStrategy[dict[str, object]]:
    fields: dict[str, st.SearchStrategy[object]] = {}
    for q in rules.questions(round_):
        keys = [o.key for o in q.options]
        if q.kind is Kind.MULTI:
            fields[q.key] = st.lists(st.sampled_from(keys), unique=True)
        else:
            fields[q.key] = st.sampled_from(keys)
    return st.fixed_dictionaries(fields)


@given(
    st.sampled_from(list(Round)).flatmap(
        lambda r: st.tuples(st.just(r), answer_sets(r), answer_sets(r))
    )
)
def test_every_question_is_either_same_or_different(case: tuple[Round, dict, dict]) -> None:
    round_, mentor, adept = case
    result = rules.compare(round_, mentor, adept)
    keys = [q.key for q in rules.questions(round_)]
    assert sorted([*result.same, *(d.key for d in result.different)]) == sorted(keys)
    assert not set(result.same) & {d.key for d in result.different}
    assert result.agrees == (not result.different)


@given(
    st.sampled_from(list(Round)).flatmap(
        lambda r: st.tuples(st.just(r), answer_sets(r), answer_sets(r))
    )
)
def test_comparison_is_symmetric(case: tuple[Round, dict, dict]) -> None:
    round_, mentor, adept = case
    forward, backward = rules.compare(round_, mentor, adept), rules.compare(round_, adept, mentor)
    assert forward.same == backward.same
    assert forward.alerts == backward.alerts
    assert [(d.key, d.mentor, d.adept) for d in forward.different] == [
        (d.key, d.adept, d.mentor) for d in backward.different
    ]


@given(answer_sets(Round.START))
def test_identical_answers_agree_and_alert_nobody(answers: dict) -> None:
    result = rules.compare(Round.START, answers, dict(answers))
    assert result.agrees and result.alerts == ()


def test_alerts_over_all_rhythm_and_job_combinations() -> None:
    base = {"mode": "video", "language": "mix", "help": ["cv"]}
    rhythms = [o.key for o in rules.RHYTHM.options]
    jobs = [o.key for o in rules.JOB.options]
    for (r1, r2), (j1, j2) in itertools.product(
        itertools.product(rhythms, repeat=2), itertools.product(jobs, repeat=2)
    ):
        result = rules.compare(
            Round.START, {**base, "rhythm": r1, "job": j1}, {**base, "rhythm": r2, "job": j2}
        )
        expected = [k for k, differs in (("rhythm", r1 != r2), ("job", j1 != j2)) if differs]
        assert list(result.alerts) == expected, (r1, r2, j1, j2)


def test_help_differences_never_alert_but_are_shown() -> None:
    mentor = {
        "rhythm": "monthly",
        "mode": "both",
        "language": "mix",
        "help": ["cv", "network"],
        "job": "no",
    }
    adept = {**mentor, "help": ["network", "career"]}
    result = rules.compare(Round.START, mentor, adept)
    assert result.alerts == ()
    [difference] = result.different
    assert (difference.key, difference.mentor, difference.adept) == (
        "help",
        ("cv", "network"),
        ("network", "career"),
    )
    assert result.shared_help == ("network",)


def test_recheck_alerts_when_either_says_it_is_not_working() -> None:
    base = {"rhythm": "monthly", "help": ["cv"]}
    for mentor_says, adept_says in itertools.product(["yes", "partly", "no"], repeat=2):
        result = rules.compare(
            Round.RECHECK, {**base, "working": mentor_says}, {**base, "working": adept_says}
        )
        worried = mentor_says != "yes" or adept_says != "yes"
        assert ("working" in result.alerts) == worried


@given(st.sampled_from(list(Role)[1:]), st.booleans(), st.booleans(), st.booleans(), st.booleans())
def test_next_step_order(
    role: Role, goals: bool, answered: bool, other: bool, confirmed: bool
) -> None:
    step = rules.next_step(Progress(role, goals, answered, other, confirmed))
    if confirmed:
        assert step is Step.DONE
    elif role is Role.ADEPT and not goals:
        assert step is Step.GOALS
    elif not answered:
        assert step is Step.EXPECTATIONS
    elif not (other and goals):
        assert step is Step.WAIT
    else:
        assert step is Step.CONFIRM


def test_the_mentor_waits_for_the_adepts_goals_before_confirming() -> None:
    assert rules.next_step(Progress(Role.MENTOR, False, True, True, False)) is Step.WAIT


def test_reminders_on_day_three_and_seven_only() -> None:
    assert rules.reminder_due(CREATED, CREATED + timedelta(days=3) - timedelta(seconds=1)) is None
    assert rules.reminder_due(CREATED, CREATED + timedelta(days=3)) == 1
    assert rules.reminder_due(CREATED, CREATED + timedelta(days=6, hours=23)) == 1
    assert rules.reminder_due(CREATED, CREATED + timedelta(days=7)) == 2
    assert rules.reminder_due(CREATED, CREATED + timedelta(days=40)) == 2


def test_overdue_after_fourteen_days() -> None:
    assert not rules.agreement_overdue(CREATED, CREATED + timedelta(days=14) - timedelta(seconds=1))
    assert rules.agreement_overdue(CREATED, CREATED + timedelta(days=14))


def test_recheck_after_about_three_months() -> None:
    assert not rules.recheck_due(None, CREATED + timedelta(days=400))
    assert not rules.recheck_due(CREATED, CREATED + timedelta(days=90))
    assert rules.recheck_due(CREATED, CREATED + timedelta(days=91))


def test_goal_suggestions_follow_what_the_adept_asked_for() -> None:
    keys = [o.key for o in rules.goal_suggestions({"help": ["network", "language"]})]
    assert keys[:2] == ["network", "language"] and len(keys) == 4
    assert [o.key for o in rules.goal_suggestions({})] == ["cv", "apply", "language", "network"]


def test_suggested_goals_are_stored_by_key() -> None:
    goal = rules.suggestion_goal("cv")
    assert rules.goal_suggestion(goal) is not None
    assert rules.goal_suggestion("Write a CV") is None
    assert rules.goal_suggestion("@nope") is None
