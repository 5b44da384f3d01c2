"""Everything an alert chat (a group) reads of a pair: which pair and what kind of
problem, never what a participant wrote, scored or answered; and, while participants
sit in the group, no names either. Rendered for every reason, status and language."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.domain import agreement as rules
from bot.domain.agreement import Round
from bot.domain.alerts import AlertReason, detail_from_json
from bot.domain.model import Alert, AlertStatus, Pair, PairState, PairView, Person, Programme
from bot.runtime.i18n import use_language
from bot.texts import alerts as texts
from bot.texts.conversations import help_follow_up, help_follow_up_in_group

NOW = datetime(2026, 3, 10, 9, tzinfo=UTC)
WRITTEN = "SECRET-WORDS-A-PARTICIPANT-WROTE"
MENTOR, ADEPT = 10, 20


def person(person_id: int, name: str) -> Person:
    return Person(
        id=person_id,
        telegram_user_id=1000 + person_id,
        first_name=name,
        last_name=None,
        language=None,
    )


VIEW = PairView(
    pair=Pair(
        id=12,
        programme_id=1,
        cohort_id=1,
        mentor_id=MENTOR,
        adept_id=ADEPT,
        state=PairState.ACTIVE,
        created_at=NOW - timedelta(days=90),
        goals=(WRITTEN,),
    ),
    mentor=person(MENTOR, "Olaf"),
    adept=person(ADEPT, "Aminata"),
)


def details() -> dict[AlertReason, dict[str, Any]]:
    question = rules.questions(Round.START)[0]
    first, second = [option for option in question.options][:2]
    return {
        AlertReason.NO_MEETING: {"days": 50, "last": "2026-01-19", "answered": {"mentor": True}},
        AlertReason.UNANSWERED: {"people": [MENTOR, ADEPT]},
        AlertReason.LOW_SCORE: {"person": ADEPT, "score": 2, "before": 4},
        AlertReason.AGREEMENT_LATE: {"days": 15},
        AlertReason.MISMATCH: {"round": "start", "answers": {question.key: [first, second]}},
        AlertReason.DISPUTED: {"logged_by": MENTOR, "held_on": "2026-03-05"},
        AlertReason.UNREACHABLE: {"person": ADEPT},
        AlertReason.HELP: {"person": ADEPT},
        AlertReason.PAUSE_OVER: {},
    }


def alert(reason: AlertReason, status: AlertStatus) -> Alert:
    # Whatever a participant wrote, should it ever reach an alert row's detail: reading
    # the row keeps only what the reason's type has room for.
    detail = details()[reason] | {"comment": WRITTEN, "text": WRITTEN, "note": WRITTEN}
    return Alert(
        id=3,
        pair_id=VIEW.pair.id,
        reason=reason,
        since=NOW - timedelta(days=2),
        status=status,
        detail=detail_from_json(reason, detail),
        opened_at=NOW - timedelta(days=1),
        taken_by=99 if status is AlertStatus.TAKEN else None,
        snoozed_until=NOW + timedelta(days=7) if status is AlertStatus.SNOOZED else None,
        resolved_at=NOW if status is AlertStatus.RESOLVED else None,
        resolved_by=99 if status is AlertStatus.RESOLVED else None,
        posts=1,
    )


# Reasons whose explanation quotes what a participant scored or answered.
PRIVATE_REASONS = (AlertReason.LOW_SCORE, AlertReason.MISMATCH)


@pytest.mark.parametrize("language", ["en", "nb"])
@pytest.mark.parametrize("labels", ["mentor", "trainee"])
@pytest.mark.parametrize("status", list(AlertStatus))
@pytest.mark.parametrize("reason", list(AlertReason))
def test_an_alert_chat_reads_the_pair_and_the_kind_only(
    reason: AlertReason, status: AlertStatus, labels: str, language: str
) -> None:
    programme = Programme(
        id=1, name="P", timezone="Europe/Oslo", language=language, role_labels=labels
    )
    shown = alert(reason, status)
    coordinators = {99: "Kari"}
    privately = texts.alert_text(language, shown, VIEW, programme, coordinators, NOW)
    for with_names in (True, False):
        text = texts.alert_text(
            language, shown, VIEW, programme, coordinators, NOW, group=True, with_names=with_names
        )
        assert WRITTEN not in text
        assert f"#{VIEW.pair.id}" in text
        with use_language(language):
            assert texts.reason_name(reason.value) in text or (
                with_names and reason not in PRIVATE_REASONS
            )
            explained = texts.explanation(shown, VIEW, programme, NOW.date())
        if reason in PRIVATE_REASONS:
            assert explained not in text and explained in privately
        if not with_names:
            assert "Olaf" not in text and "Aminata" not in text
    # Privately, the coordinator reads it all (the private text is not what is tested).
    assert "Olaf" in privately


@pytest.mark.parametrize("language", ["en", "nb"])
def test_a_help_text_is_announced_to_the_group_not_shown(language: str) -> None:
    programme = Programme(id=1, name="P", timezone="Europe/Oslo", language=language)
    for with_names in (True, False):
        text = help_follow_up_in_group(language, VIEW, programme, with_names)
        assert f"#{VIEW.pair.id}" in text and WRITTEN not in text
        assert ("Aminata" in text) is with_names
    assert WRITTEN in help_follow_up(language, VIEW, VIEW.adept, WRITTEN)


@pytest.mark.parametrize("language", ["en", "nb"])
def test_a_digest_to_a_group_with_participants_names_no_one(language: str) -> None:
    from bot.domain import digest as rules
    from bot.texts import digest as digest_texts
    from tests.domain.test_digest import HISTORY
    from tests.domain.test_digest import NOW as MONDAY

    d = rules.compute(HISTORY, MONDAY)
    named = "\n".join(rules.pack(digest_texts.digest_sections(language, d)))
    numbered = "\n".join(rules.pack(digest_texts.digest_sections(language, d, names=False)))
    people = ["M1", "A1", "M3", "A3", "M4", "A4", "M5", "A5", "Ola"]
    assert all(name in named for name in people)
    assert not any(name in numbered for name in people)
    for pair in (1, 3, 4, 5):
        assert f"#{pair}" in numbered
