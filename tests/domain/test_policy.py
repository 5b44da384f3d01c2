"""Texts that state a rule's number render it from bot/domain/policy.py.

For each rule a text states, the text is rendered with the rule as it is and with the rule
changed (the policy value monkeypatched): the words must follow. A text that writes the
number by hand fails here instead of telling people a rule the bot no longer keeps.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.domain import policy
from bot.domain.alerts import AlertReason, detail_from_json
from bot.domain.digest import DigestCheckIn, DigestInput, compute
from bot.domain.gatherings import Attendance, Audience, Gathering, GatheringKind
from bot.domain.model import (
    Alert,
    AlertStatus,
    Cohort,
    Pair,
    PairState,
    PairView,
    Person,
    Programme,
)
from bot.domain.privacy import Retention
from bot.files import chart
from bot.runtime.i18n import use_language
from bot.texts import agreements as agreement_texts
from bot.texts import alerts as alert_texts
from bot.texts import digest, durations, gatherings
from bot.usecases.agreements import Problem
from bot.usecases.gatherings import GatheringProblem
from bot.usecases.privacy import CohortDue, _retention_notice
from handlers import agreement as agreement_handlers
from handlers import alerts as alert_handlers
from handlers import gatherings as gathering_handlers

NOW = datetime(2026, 3, 16, 8, 0, tzinfo=UTC)
TODAY = NOW.date()
PROGRAMME = Programme(id=1, name="Global Future", timezone="Europe/Oslo", language="nb")
GATHERING = Gathering(
    id=5,
    programme_id=1,
    cohort_id=None,
    learning_group=None,
    audience=Audience.ALL,
    kind=GatheringKind.KICKOFF,
    title="Kick-off",
    place=None,
    starts_at=NOW + timedelta(days=60),
)


def _person(person_id: int, name: str) -> Person:
    return Person(
        id=person_id, telegram_user_id=None, first_name=name, last_name=None, language=None
    )


VIEW = PairView(
    pair=Pair(
        id=12,
        programme_id=1,
        cohort_id=1,
        mentor_id=10,
        adept_id=20,
        state=PairState.ACTIVE,
        created_at=NOW - timedelta(days=90),
    ),
    mentor=_person(10, "Olaf"),
    adept=_person(20, "Aminata"),
)


def _alert(reason: str, detail: dict[str, Any]) -> Alert:
    return Alert(
        id=3,
        pair_id=12,
        reason=AlertReason(reason),
        since=NOW,
        status=AlertStatus.OPEN,
        detail=detail_from_json(reason, detail),
        opened_at=NOW,
        taken_by=None,
        snoozed_until=None,
        resolved_at=None,
        resolved_by=None,
        posts=0,
    )


def _digest_lines(language: str) -> str:
    check_ins = (DigestCheckIn(1, 4, NOW - timedelta(days=1)),)
    data = DigestInput(
        programme=PROGRAMME,
        cohorts=(Cohort(1, 1, "Spring", date(2026, 1, 1), date(2026, 6, 30)),),
        pairs=(),
        check_ins=check_ins,
    )
    empty = DigestInput(programme=PROGRAMME, cohorts=data.cohorts, pairs=())
    lines = [
        line
        for d in (compute(data, NOW), compute(empty, NOW))
        for section in digest.digest_sections(language, d)
        for line in section
    ]
    return "\n".join(lines)


def _chart_title(language: str) -> str:
    d = compute(DigestInput(programme=PROGRAMME, cohorts=(), pairs=()), NOW)
    figure = chart.draw(d.chart, language, "Global Future")
    return "\n".join(str(axes.get_title(loc="left")) for axes in figure.axes)


def _erasure_notice(language: str) -> str:
    item = CohortDue(
        cohort_id=1,
        cohort_name="Spring",
        programme=PROGRAMME,
        ends_on=TODAY,
        erase_on=TODAY + timedelta(days=28),
        status=Retention.NOTICE,
        people=8,
    )
    return _retention_notice(language, item)


def _in(language: str, render: Callable[[], str]) -> Callable[[], str]:
    def rendered() -> str:
        with use_language(language):
            return render()

    return rendered


# The values the examples below were written for (the rules as they were when written).
# The test sets them first, so that changing a rule in the policy does not change this file.
WRITTEN_FOR: dict[str, object] = {
    "INVITE_AHEAD": timedelta(days=21),
    "SCORE_WEEKS": 4,
    "SOON": timedelta(days=7),
    "CHART_WEEKS": 12,
    "SNOOZE": timedelta(days=7),
    "UNANSWERED_IN_A_ROW": 2,
    "AGREEMENT_WITHIN": timedelta(days=14),
    "RECHECK_AFTER_MONTHS": 3,
    "MAX_GOALS": 3,
    "MAX_GOAL_LENGTH": 120,
    "MAX_AGREEMENT_TEXT": 3000,
    "MAX_TITLE": 200,
    "MAX_PLACE": 300,
    "ERASURE_NOTICE": timedelta(weeks=4),
}


@dataclass(frozen=True)
class Stated:
    """One text stating one rule: the rule's policy name, a changed value, the text, and
    what it says of the rule as written for (`WRITTEN_FOR`) and after the change."""

    rule: str
    changed: object
    render: Callable[[], str]
    before: str
    after: str


STATED = [
    # The gathering invitation lead.
    Stated(
        "INVITE_AHEAD",
        timedelta(days=28),
        lambda: gatherings.created("en", GATHERING, PROGRAMME, TODAY, invited=0),
        "Invitations go out three weeks before.",
        "Invitations go out four weeks before.",
    ),
    Stated(
        "INVITE_AHEAD",
        timedelta(days=10),
        lambda: gatherings.created("nb", GATHERING, PROGRAMME, TODAY, invited=0),
        "Invitasjonene sendes tre uker før.",
        "Invitasjonene sendes 10 dager før.",
    ),
    Stated(
        "INVITE_AHEAD",
        timedelta(days=28),
        lambda: gatherings.attendance(
            [(PROGRAMME, Attendance(GATHERING, (), (), ()))], "nb", TODAY, many=False
        ),
        "sendes tre uker før.",
        "sendes fire uker før.",
    ),
    Stated(
        "INVITE_AHEAD",
        timedelta(days=14),
        _in(
            "en",
            lambda: gathering_handlers._summary(
                PROGRAMME,
                {
                    "title": "Kick-off",
                    "day": "2026-05-04",
                    "time": "18:00",
                    "place": "Oslo",
                    "audience": "all",
                },
                TODAY,
            ),
        ),
        "Invitations go out three weeks before, or now",
        "Invitations go out two weeks before, or now",
    ),
    # The digest's windows.
    Stated(
        "SCORE_WEEKS",
        6,
        lambda: _digest_lines("en"),
        "of 5 in the last 4 weeks (1 answer).",
        "of 5 in the last 6 weeks (1 answer).",
    ),
    Stated(
        "SCORE_WEEKS",
        6,
        lambda: _digest_lines("nb"),
        "Sjekk-inn: ingen svar de siste 4 ukene.",
        "Sjekk-inn: ingen svar de siste 6 ukene.",
    ),
    Stated(
        "SOON",
        timedelta(days=10),
        lambda: _digest_lines("en"),
        "No meetings planned in the next 7 days.",
        "No meetings planned in the next 10 days.",
    ),
    Stated(
        "SOON",
        timedelta(days=10),
        lambda: _digest_lines("nb"),
        "Siste 7 dager: 0 meldt",
        "Siste 10 dager: 0 meldt",
    ),
    Stated(
        "CHART_WEEKS",
        8,
        lambda: digest.chart_caption(
            "en", compute(DigestInput(programme=PROGRAMME, cohorts=(), pairs=()), NOW)
        ),
        "over the last 12 weeks,",
        "over the last 8 weeks,",
    ),
    Stated(
        "CHART_WEEKS",
        8,
        lambda: _chart_title("nb"),
        "Svar i sjekk-inn, siste 12 uker",
        "Svar i sjekk-inn, siste 8 uker",
    ),
    # Alerts.
    Stated(
        "SNOOZE",
        timedelta(days=3),
        lambda: str(alert_texts.alert_buttons("en", _alert("help", {"person": 20}))),
        "Snooze 7 days",
        "Snooze 3 days",
    ),
    Stated(
        "SNOOZE",
        timedelta(days=14),
        _in("nb", lambda: alert_handlers._confirmation(AlertStatus.SNOOZED)),
        "Utsatt i 7 dager.",
        "Utsatt i to uker.",
    ),
    Stated(
        "UNANSWERED_IN_A_ROW",
        3,
        _in(
            "en",
            lambda: alert_texts.explanation(
                _alert("unanswered", {"people": [10]}), VIEW, PROGRAMME, TODAY
            ),
        ),
        "Olaf did not answer the last two questions.",
        "Olaf did not answer the last three questions.",
    ),
    # AGREEMENT_WITHIN is not stated: the alert says how many days the pair has waited
    # (its typed detail), which the rule computes.
    # The pair's start.
    Stated(
        "RECHECK_AFTER_MONTHS",
        6,
        lambda: agreement_texts.recheck_invitation("nb"),
        "Det er tre måneder siden dere startet.",
        "Det er seks måneder siden dere startet.",
    ),
    Stated(
        "MAX_GOALS",
        5,
        _in("en", lambda: agreement_handlers._problem_text(Problem.TOO_MANY_GOALS)),
        "You have three goals.",
        "You have five goals.",
    ),
    Stated(
        "MAX_GOALS",
        4,
        _in("nb", lambda: agreement_handlers._choose_goals(trainee=True)),
        "Velg opptil tre mål, eller skriv dine egne.",
        "Velg opptil fire mål, eller skriv dine egne.",
    ),
    Stated(
        "MAX_GOAL_LENGTH",
        80,
        _in("en", lambda: agreement_handlers._problem_text(Problem.GOAL_TOO_LONG)),
        "use 120 characters or fewer",
        "use 80 characters or fewer",
    ),
    Stated(
        "MAX_AGREEMENT_TEXT",
        2000,
        _in("en", agreement_handlers._agreement_too_long),
        "1 to 3000 characters",
        "1 to 2000 characters",
    ),
    Stated(
        "MAX_TITLE",
        100,
        _in("en", lambda: gathering_handlers.PROBLEMS[GatheringProblem.BAD_TITLE]()),
        "at most 200 characters",
        "at most 100 characters",
    ),
    Stated(
        "MAX_PLACE",
        150,
        _in("nb", lambda: gathering_handlers.PROBLEMS[GatheringProblem.BAD_PLACE]()),
        "høyst 300 tegn",
        "høyst 150 tegn",
    ),
    # Personal data.
    Stated(
        "ERASURE_NOTICE",
        timedelta(weeks=2),
        lambda: _erasure_notice("nb"),
        "Om fire uker,",
        "Om to uker,",
    ),
]


@pytest.mark.parametrize("stated", STATED, ids=[f"{s.rule}-{i}" for i, s in enumerate(STATED)])
def test_a_text_follows_its_rule(stated: Stated, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(policy, stated.rule, WRITTEN_FOR[stated.rule])
    assert stated.before in stated.render()
    monkeypatch.setattr(policy, stated.rule, stated.changed)
    changed = stated.render()
    assert stated.after in changed
    assert stated.before not in changed


def test_every_rule_named_here_is_in_the_policy() -> None:
    for stated in STATED:
        kind = type(getattr(policy, stated.rule))
        assert kind is type(stated.changed) is type(WRITTEN_FOR[stated.rule]), stated.rule


@pytest.mark.parametrize(
    ("days", "en", "nb"),
    [
        (1, "1 day", "1 dag"),
        (7, "7 days", "7 dager"),
        (10, "10 days", "10 dager"),
        (14, "two weeks", "to uker"),
        (21, "three weeks", "tre uker"),
        (91, "13 weeks", "13 uker"),
        (98, "14 weeks", "14 uker"),
    ],
)
def test_spans_read_as_people_say_them(days: int, en: str, nb: str) -> None:
    with use_language("en"):
        shown_en = durations.span(timedelta(days=days))
    with use_language("nb"):
        shown_nb = durations.span(timedelta(days=days))
    assert (shown_en, shown_nb) == (en, nb)


def test_the_domain_imports_only_the_domain() -> None:
    """The rules (and the policy they read) stand alone: nothing in bot/domain imports the
    runtime, the texts, the use cases, storage or the handlers."""
    domain = Path(policy.__file__).parent
    outside = []
    for source in sorted(domain.glob("*.py")):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            names = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom) and node.level == 0
                else []
            )
            outside += [
                f"{source.name}: {name}"
                for name in names
                if name.split(".")[0] in {"bot", "handlers", "storage", "bench", "tests"}
                and not name.startswith("bot.domain")
            ]
    assert outside == []
