"""The cohort's end as pure rules: when to tell, ask and remind; the evaluation's order."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.evaluation import (
    Act,
    AnswerProblem,
    Closing,
    Due,
    Party,
    Question,
    Step,
    apply,
    closing_due,
    next_question,
    one_a_day,
    parse_code,
)
from bot.domain.rhythm import Rules

OSLO = ZoneInfo("Europe/Oslo")
RULES = Rules()
ENDS = date(2026, 4, 28)


def at(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=OSLO).astimezone(UTC)


def closing(*parties: Party, live: bool = True, by_cohort: bool = False) -> Closing:
    return Closing(1, 1, ENDS, live, by_cohort, parties or (Party(10, True), Party(20, True)))


def acts(found: list[Due]) -> list[tuple[str, int, int]]:
    return [(d.act.value, d.person_id, d.reminder) for d in found]


def test_notice_four_weeks_before_the_end_and_not_before() -> None:
    assert closing_due(closing(), RULES, at(3, 30)) == []
    assert acts(closing_due(closing(), RULES, at(3, 31))) == [("notice", 10, 0), ("notice", 20, 0)]
    noticed = closing(Party(10, True, noticed_at=at(3, 31)), Party(20, True))
    assert acts(closing_due(noticed, RULES, at(4, 2))) == [("notice", 20, 0)]


def test_notice_waits_for_the_programmes_hours() -> None:
    [due, _other] = closing_due(closing(), RULES, at(3, 31, 6))
    assert due.not_before == at(3, 31, 9)


def test_evaluation_on_the_last_day_also_after_the_pair_ended() -> None:
    assert acts(closing_due(closing(), RULES, at(4, 28))) == [("ask", 10, 0), ("ask", 20, 0)]
    ended = closing(Party(10, True), Party(20, True), live=False, by_cohort=True)
    assert acts(closing_due(ended, RULES, at(4, 29))) == [("ask", 10, 0), ("ask", 20, 0)]
    # A pair a coordinator ended for another reason is not asked.
    assert closing_due(closing(live=False), RULES, at(4, 29)) == []


def test_reminders_after_three_and_seven_days_then_nothing() -> None:
    asked = at(4, 28, 9)
    party = Party(10, True, asked_at=asked)
    assert (
        closing_due(closing(party), RULES, asked + timedelta(days=3) - timedelta(minutes=1)) == []
    )
    assert acts(closing_due(closing(party), RULES, asked + timedelta(days=3))) == [
        ("remind", 10, 1)
    ]
    once = Party(10, True, asked_at=asked, reminders=1)
    assert closing_due(closing(once), RULES, asked + timedelta(days=6)) == []
    assert acts(closing_due(closing(once), RULES, asked + timedelta(days=7))) == [("remind", 10, 2)]
    twice = Party(10, True, asked_at=asked, reminders=2)
    assert closing_due(closing(twice), RULES, asked + timedelta(days=30)) == []
    done = Party(10, True, asked_at=asked, completed_at=asked + timedelta(hours=1))
    assert closing_due(closing(done), RULES, asked + timedelta(days=3)) == []


def test_unreachable_people_get_nothing() -> None:
    assert closing_due(closing(Party(10, False)), RULES, at(4, 28)) == []


def test_keys_are_stable_per_act() -> None:
    due = Due(Act.REMIND, 7, 10, at(5, 1), 2)
    assert due.key == "evaluation:7:10:remind:2"
    assert Due(Act.ASK, 7, 10, at(5, 1)).key == "evaluation:7:10:ask"


def test_one_a_day_counts_what_is_queued_already() -> None:
    dues = [Due(Act.NOTICE, 1, 10, at(3, 31)), Due(Act.NOTICE, 1, 20, at(3, 31))]
    chosen = one_a_day(dues, [(10, date(2026, 3, 31))], {1: date(2026, 3, 31)})
    assert [d.person_id for d in chosen] == [20]


def test_adept_questions_in_order() -> None:
    answers: dict[str, object] = {}
    order = []
    values = {
        Step.OVERALL: "4",
        Step.GOAL: "3",
        Step.OUTCOME: "job",
        Step.OUTCOME_TEXT: "A job",
        Step.RECOMMEND: "yes",
        Step.COMMENT: None,
    }
    while (q := next_question("adept", 2, answers)) is not None:
        order.append(q.code)
        updated = apply("adept", 2, answers, q, values[q.step])
        assert not isinstance(updated, AnswerProblem)
        answers = updated
    assert order == ["o", "g0", "g1", "oc", "ot", "r", "c"]
    assert answers == {
        "overall": 4,
        "goal_scores": [3, 3],
        "outcome": "job",
        "outcome_text": "A job",
        "recommend": "yes",
        "comment": "",
    }


def test_mentor_is_asked_what_they_and_their_workplace_learned() -> None:
    answers = {"overall": 5, "goal_scores": [], "outcome": "no", "recommend": "unsure"}
    assert next_question("mentor", 0, answers) == Question(Step.LEARNED)
    answers["learned"] = "Patience"
    assert next_question("mentor", 0, answers) == Question(Step.WORKPLACE)
    answers["workplace"] = ""
    assert next_question("mentor", 0, answers) is None


def test_only_the_current_question_can_be_answered() -> None:
    assert apply("adept", 1, {}, Question(Step.RECOMMEND), "yes") is AnswerProblem.NOT_NOW
    assert apply("adept", 1, {}, Question(Step.OVERALL), "6") is AnswerProblem.BAD_VALUE
    assert apply("adept", 1, {}, Question(Step.OVERALL), None) is AnswerProblem.BAD_VALUE
    after = {"overall": 3}
    assert apply("adept", 1, after, Question(Step.GOAL, 1), "3") is AnswerProblem.NOT_NOW
    assert apply("adept", 1, after, Question(Step.OUTCOME), "job") is AnswerProblem.NOT_NOW


@pytest.mark.parametrize("code", ["o", "g0", "g12", "oc", "ot", "r", "l", "w", "c"])
def test_codes_round_trip(code: str) -> None:
    question = parse_code(code)
    assert question is not None and question.code == code


@pytest.mark.parametrize("code", ["g", "gx", "x", "", "g١"])
def test_bad_codes(code: str) -> None:
    assert parse_code(code) is None


@given(st.text(max_size=2000))
def test_free_text_is_kept_short_and_on_one_line(text: str) -> None:
    answers = {"overall": 3, "outcome": "no", "recommend": "yes"}
    updated = apply("adept", 0, answers, Question(Step.COMMENT), text)
    assert not isinstance(updated, AnswerProblem)
    assert len(updated["comment"]) <= 500 and "\n" not in updated["comment"]


def test_only_mentors_may_not_know_the_outcome() -> None:
    answers = {"overall": 3}
    question = Question(Step.OUTCOME)
    assert apply("adept", 0, answers, question, "unknown") is AnswerProblem.BAD_VALUE
    known = apply("mentor", 0, answers, question, "unknown")
    assert not isinstance(known, AnswerProblem)
    # "I do not know" asks for no more words about it.
    assert next_question("mentor", 0, known) == Question(Step.RECOMMEND)
