"""Whether a queued message still holds when its turn comes: every kind of message
against the pair's state now (bot/domain/withdrawal.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from bot.domain.model import PairState, Person
from bot.domain.rhythm import (
    Due,
    History,
    MeetingFact,
    MeetingStatus,
    NudgeKind,
    PlannedFact,
    PlanStatus,
    Rules,
)
from bot.domain.withdrawal import (
    NEEDS_LIVE_PAIR,
    SILENCED_BY_PAUSE,
    TO_A_PARTY,
    PairNow,
    Queued,
    Withdrawn,
    about,
    withdrawal,
)

NOW = datetime(2026, 3, 18, 9, 0, tzinfo=UTC)  # a Wednesday
MENTOR = Person(1, 100, "Ola", None, "nb", consented_at=NOW)
ADEPT = Person(2, 200, "Amina", None, "nb", consented_at=NOW)
PLAN = PlannedFact(7, date(2026, 3, 20), None, PlanStatus.CONFIRMED)
HISTORY = History(
    pair_id=5,
    mentor_id=1,
    adept_id=2,
    activated_at=datetime(2026, 1, 5, 10, tzinfo=UTC),
    cohort_start=date(2026, 1, 1),
    cohort_end=date(2026, 12, 31),
    planned=(PLAN,),
    reachable=frozenset({1, 2}),
)
RULES = Rules()
ACTIVE = PairNow(PairState.ACTIVE, MENTOR, ADEPT, RULES, HISTORY)

# Every kind the bot sends to a party of a pair, with the key it is queued under.
PARTY_KINDS = {
    "plan": Due(NudgeKind.PLAN, 5, 2, "2026-03", NOW).key,
    "remind": Due(NudgeKind.REMIND, 5, 2, "2026-03", NOW).key,
    "check_in": Due(NudgeKind.CHECK_IN, 5, 2, "2026-03", NOW).key,
    "day_before": Due(NudgeKind.DAY_BEFORE, 5, 2, "2026-03", NOW, planned_id=7).key,
    "morning_of": Due(NudgeKind.MORNING_OF, 5, 2, "2026-03", NOW, planned_id=7).key,
    "proposal": "planned:7:proposal:2",
    "proposal_answer": "planned:7:answer:2",
    "weekly_note": "weekly:5:2026-W12:2",
    "agreement_reminder": "pair:5:agreement-reminder:1:2",
    "recheck": "pair:5:recheck:2",
    "comparison": "pair:5:compare:start:2",
    "ready": "pair:5:ready:2",
    "pause_notice": "pair:5:pause:2026-04-01:2:202603180900",
    "introduction": "pair:5:intro:2",
    "coordinator_message": "pair:5:message:9:2026-03-18T09:00:00+00:00:2",
}


def check(kind: str, pair: PairNow | None = ACTIVE, now: datetime = NOW) -> Withdrawn | None:
    message = about(kind, PARTY_KINDS[kind], 2)
    if message.planned_id is not None:
        assert message.planned_id == 7
    else:
        assert message.pair_id == 5
    return withdrawal(message, pair, now)


def test_the_kinds_named_are_the_kinds_checked() -> None:
    assert set(PARTY_KINDS) == TO_A_PARTY


@pytest.mark.parametrize("kind", sorted(PARTY_KINDS))
def test_every_kind_holds_for_an_active_pair_as_queued(kind: str) -> None:
    assert check(kind) is None


@pytest.mark.parametrize("kind", sorted(PARTY_KINDS))
def test_an_ended_pair(kind: str) -> None:
    ended = replace(ACTIVE, state=PairState.ENDED, history=None)
    expected = Withdrawn.PAIR_ENDED if kind in NEEDS_LIVE_PAIR else None
    assert check(kind, ended) is expected
    assert check(kind, None) is expected, "a pair erased with its rows"


@pytest.mark.parametrize("kind", sorted(PARTY_KINDS))
def test_a_paused_pair(kind: str) -> None:
    paused = replace(
        ACTIVE, state=PairState.PAUSED, history=replace(HISTORY, paused_until=date(2026, 4, 1))
    )
    assert check(kind, paused) is (Withdrawn.PAUSED if kind in SILENCED_BY_PAUSE else None)


@pytest.mark.parametrize("kind", sorted(PARTY_KINDS))
def test_an_erased_recipient_or_one_without_consent(kind: str) -> None:
    erased = replace(ACTIVE, adept=replace(ADEPT, telegram_user_id=None))
    assert check(kind, erased) is Withdrawn.ERASED
    no_consent = replace(ACTIVE, adept=replace(ADEPT, consented_at=None))
    assert check(kind, no_consent) is Withdrawn.NO_CONSENT
    other_erased = replace(ACTIVE, mentor=replace(MENTOR, telegram_user_id=None))
    assert check(kind, other_erased) is None, "only the recipient's state counts"


@pytest.mark.parametrize("kind", sorted(PARTY_KINDS))
def test_met_this_period(kind: str) -> None:
    met = replace(
        ACTIVE,
        history=replace(
            HISTORY, meetings=(MeetingFact(3, date(2026, 3, 17), 60, MeetingStatus.REPORTED, 1),)
        ),
    )
    asks = {"plan", "remind", "check_in"}
    assert check(kind, met) is (Withdrawn.MET if kind in asks else None)


def test_a_disputed_meeting_does_not_count_as_met() -> None:
    disputed = replace(
        ACTIVE,
        history=replace(
            HISTORY, meetings=(MeetingFact(3, date(2026, 3, 17), 60, MeetingStatus.DISPUTED, 1),)
        ),
    )
    assert check("plan", disputed) is None


def test_a_period_that_ended_while_the_message_waited() -> None:
    april = datetime(2026, 4, 1, 7, 0, tzinfo=UTC)
    assert check("plan", now=april) is Withdrawn.PERIOD_OVER
    assert check("remind", now=april) is Withdrawn.PERIOD_OVER
    # The check-in asks about the period just ended: it still holds in the next one.
    assert check("check_in", now=april) is None
    met_in_march = replace(
        ACTIVE,
        history=replace(
            HISTORY, meetings=(MeetingFact(3, date(2026, 3, 30), 60, MeetingStatus.CONFIRMED, 1),)
        ),
    )
    assert check("check_in", met_in_march, now=april) is Withdrawn.MET


@pytest.mark.parametrize("kind", ["day_before", "morning_of", "proposal"])
def test_the_meeting_it_is_about_was_cancelled_or_moved(kind: str) -> None:
    cancelled = replace(PLAN, status=PlanStatus.CANCELLED)
    gone = replace(ACTIVE, history=replace(HISTORY, planned=(cancelled,)))
    assert check(kind, gone) is Withdrawn.MEETING_CANCELLED
    newer = PlannedFact(8, date(2026, 3, 24), None, PlanStatus.PROPOSED)
    moved = replace(ACTIVE, history=replace(HISTORY, planned=(cancelled, newer)))
    assert check(kind, moved) is Withdrawn.MEETING_MOVED
    forgotten = replace(ACTIVE, history=replace(HISTORY, planned=()))
    assert check(kind, forgotten) is Withdrawn.MEETING_CANCELLED


def test_an_agreement_message_to_a_pair_awaiting_its_agreement_holds() -> None:
    waiting = replace(ACTIVE, state=PairState.AWAITING_AGREEMENT, history=None)
    for kind in ("agreement_reminder", "comparison", "ready", "recheck", "introduction"):
        assert check(kind, waiting) is None


@pytest.mark.parametrize(
    "kind", ["pair_ended", "evaluation_ask", "cohort_ending", "alert", "digest", "invitation"]
)
def test_messages_that_stay_true_are_not_checked(kind: str) -> None:
    message = Queued(kind, 2, pair_id=5)
    assert withdrawal(message, replace(ACTIVE, state=PairState.ENDED), NOW) is None
    assert withdrawal(message, None, NOW) is None


def test_keys_that_name_nothing_are_read_safely() -> None:
    assert about("plan", "pair:x", 2) == Queued("plan", 2, pair_id=None, period=None)
    assert about("proposal", "planned", 2) == Queued("proposal", 2)
    assert about("message", "gathering:3:invite:2", 2) == Queued("message", 2)
