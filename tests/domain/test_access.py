"""Tests for bot.domain.access: who may do what, per programme."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from bot.domain.access import (
    COORDINATOR_ACTIONS,
    GROUP_ACTIONS,
    OWN_ACTIONS,
    PARTICIPANT_ACTIONS,
    PROGRAMME_WIDE_ACTIONS,
    Action,
    Actor,
    Chat,
    Region,
    Scope,
    allowed_programmes,
    allowed_scope,
    coordinated_programmes,
    is_party,
    may,
    same_programme,
)
from bot.domain.model import Membership, Pair, PairState, Person, Role

PROGRAMME_A = 1
PROGRAMME_B = 2


def person(person_id: int = 7) -> Person:
    return Person(
        id=person_id,
        telegram_user_id=1000 + person_id,
        first_name="Ada",
        last_name=None,
        language=None,
    )


def actor(*memberships: tuple[int, Role], person_id: int = 7) -> Actor:
    return Actor(
        person=person(person_id),
        memberships=tuple(
            Membership(
                id=index, person_id=person_id, programme_id=programme, cohort_id=None, role=role
            )
            for index, (programme, role) in enumerate(memberships, start=1)
        ),
    )


def pair(mentor_id: int = 10, adept_id: int = 20) -> Pair:
    return Pair(
        id=1,
        programme_id=PROGRAMME_A,
        cohort_id=1,
        mentor_id=mentor_id,
        adept_id=adept_id,
        state=PairState.ACTIVE,
        created_at=datetime(2026, 3, 3, tzinfo=UTC),
    )


COORDINATING = sorted(COORDINATOR_ACTIONS)


def test_every_action_has_exactly_one_kind() -> None:
    kinds = (COORDINATOR_ACTIONS, PARTICIPANT_ACTIONS, OWN_ACTIONS)
    assert set().union(*kinds) == set(Action)
    assert sum(len(k) for k in kinds) == len(Action)
    assert GROUP_ACTIONS <= COORDINATOR_ACTIONS


@pytest.mark.parametrize("action", COORDINATING)
def test_coordinator_may_act_on_their_programme(action: Action) -> None:
    assert may(actor((PROGRAMME_A, Role.COORDINATOR)), action, PROGRAMME_A)


@pytest.mark.parametrize("action", COORDINATING)
def test_coordinator_of_a_may_not_act_on_b(action: Action) -> None:
    coordinator_of_a = actor((PROGRAMME_A, Role.COORDINATOR), (PROGRAMME_B, Role.MENTOR))
    assert not may(coordinator_of_a, action, PROGRAMME_B)


@pytest.mark.parametrize("action", COORDINATING)
def test_coordinator_of_a_may_not_act_on_a_pair_of_b(action: Action) -> None:
    coordinator_of_a = actor((PROGRAMME_A, Role.COORDINATOR))
    of_b = replace(pair(), programme_id=PROGRAMME_B)
    assert not may(coordinator_of_a, action, PROGRAMME_A, of_b)
    assert may(coordinator_of_a, action, PROGRAMME_A, pair())


@pytest.mark.parametrize("action", COORDINATING)
@pytest.mark.parametrize("role", [Role.MENTOR, Role.ADEPT])
def test_participants_may_not_act(action: Action, role: Role) -> None:
    assert not may(actor((PROGRAMME_A, role)), action, PROGRAMME_A)
    assert not may(actor((PROGRAMME_A, role), person_id=10), action, PROGRAMME_A, pair())


@pytest.mark.parametrize("action", list(Action))
def test_nobody_may_do_nothing(action: Action) -> None:
    assert not may(None, action, PROGRAMME_A)
    if action not in OWN_ACTIONS:
        assert not may(actor(), action, PROGRAMME_A)


def test_participants_act_only_on_their_own_pair() -> None:
    the_pair = pair(mentor_id=10, adept_id=20)
    mentor = actor((PROGRAMME_A, Role.MENTOR), person_id=10)
    adept = actor((PROGRAMME_A, Role.ADEPT), person_id=20)
    stranger = actor((PROGRAMME_A, Role.MENTOR), person_id=30)
    assert may(mentor, Action.PAIR_STEP, PROGRAMME_A, the_pair)
    assert may(adept, Action.PAIR_STEP, PROGRAMME_A, the_pair)
    assert not may(stranger, Action.PAIR_STEP, PROGRAMME_A, the_pair)
    # The role must match the side of the pair, in the pair's programme.
    assert not may(
        actor((PROGRAMME_A, Role.ADEPT), person_id=10), Action.PAIR_STEP, PROGRAMME_A, the_pair
    )
    assert not may(
        actor((PROGRAMME_B, Role.MENTOR), person_id=10), Action.PAIR_STEP, PROGRAMME_A, the_pair
    )
    assert not may(mentor, Action.PAIR_STEP, PROGRAMME_B, the_pair)
    assert not may(mentor, Action.PAIR_STEP, PROGRAMME_A, None)
    # A coordinator is not a party.
    assert not may(actor((PROGRAMME_A, Role.COORDINATOR)), Action.PAIR_STEP, PROGRAMME_A, the_pair)


def test_own_data_only_on_oneself_and_only_in_private() -> None:
    someone = actor((PROGRAMME_A, Role.ADEPT))
    assert may(someone, Action.OWN_DATA, None)
    assert may(someone, Action.OWN_DATA, None, someone.person)
    assert not may(someone, Action.OWN_DATA, None, person(99))
    assert not may(someone, Action.OWN_DATA, None, chat=Chat(private=False, bound=frozenset({1})))
    assert not may(None, Action.OWN_DATA, None)


def test_in_a_group_only_alert_chat_actions_of_its_programmes() -> None:
    both = actor((PROGRAMME_A, Role.COORDINATOR), (PROGRAMME_B, Role.COORDINATOR))
    alert_chat_of_a = Chat(private=False, bound=frozenset({PROGRAMME_A}))
    for action in GROUP_ACTIONS:
        assert may(both, action, PROGRAMME_A, chat=alert_chat_of_a)
        assert not may(both, action, PROGRAMME_B, chat=alert_chat_of_a)
        assert not may(both, action, PROGRAMME_A, chat=Chat(private=False))
    for action in COORDINATOR_ACTIONS - GROUP_ACTIONS:
        assert not may(both, action, PROGRAMME_A, chat=alert_chat_of_a)
    participant = actor((PROGRAMME_A, Role.MENTOR))
    assert not may(participant, Action.HANDLE_ALERT, PROGRAMME_A, chat=alert_chat_of_a)


def test_allowed_programmes() -> None:
    someone = actor((5, Role.COORDINATOR), (2, Role.COORDINATOR), (3, Role.MENTOR))
    assert allowed_programmes(someone, Action.VIEW_PAIR) == [2, 5]
    assert allowed_programmes(
        someone, Action.VIEW_STALLED, chat=Chat(False, frozenset({5, 3}))
    ) == [5]
    assert allowed_programmes(someone, Action.VIEW_PAIR, chat=Chat(False, frozenset({5}))) == []
    assert allowed_programmes(None, Action.VIEW_PAIR) == []
    assert allowed_programmes(actor((3, Role.MENTOR)), Action.VIEW_AUDIT) == []


def test_coordinator_of_two_programmes_may_act_on_both() -> None:
    both = actor((PROGRAMME_B, Role.COORDINATOR), (PROGRAMME_A, Role.COORDINATOR))
    assert may(both, Action.PAIR, PROGRAMME_A)
    assert may(both, Action.PAIR, PROGRAMME_B)
    assert not may(both, Action.PAIR, 3)


def test_primary_role_prefers_coordinator_then_mentor_then_adept() -> None:
    assert actor((1, Role.ADEPT), (2, Role.MENTOR), (3, Role.COORDINATOR)).primary_role() is (
        Role.COORDINATOR
    )
    assert actor((1, Role.ADEPT), (2, Role.MENTOR)).primary_role() is Role.MENTOR
    assert actor((1, Role.MENTOR), (2, Role.ADEPT)).primary_role() is Role.MENTOR
    assert actor((1, Role.ADEPT)).primary_role() is Role.ADEPT
    assert actor().primary_role() is None


def test_roles() -> None:
    assert actor((1, Role.ADEPT), (2, Role.ADEPT), (2, Role.MENTOR)).roles() == {
        Role.ADEPT,
        Role.MENTOR,
    }
    assert actor().roles() == set()


def test_programmes_as_is_sorted_unique_and_per_role() -> None:
    someone = actor(
        (5, Role.COORDINATOR),
        (2, Role.COORDINATOR),
        (5, Role.COORDINATOR),
        (3, Role.MENTOR),
        (9, Role.ADEPT),
    )
    assert someone.programmes_as(Role.COORDINATOR) == [2, 5]
    assert someone.programmes_as(Role.MENTOR) == [3]
    assert someone.programmes_as(Role.ADEPT) == [9]
    assert actor((3, Role.MENTOR)).programmes_as(Role.COORDINATOR) == []


def test_coordinated_programmes() -> None:
    assert coordinated_programmes(None) == []
    assert coordinated_programmes(actor((4, Role.MENTOR))) == []
    assert coordinated_programmes(
        actor((4, Role.COORDINATOR), (1, Role.COORDINATOR), (2, Role.ADEPT))
    ) == [1, 4]


def test_is_party() -> None:
    the_pair = pair(mentor_id=10, adept_id=20)
    assert is_party(10, the_pair)
    assert is_party(20, the_pair)
    assert not is_party(30, the_pair)
    assert not is_party(the_pair.id, the_pair)


def test_same_programme() -> None:
    memberships = actor((PROGRAMME_A, Role.MENTOR), (PROGRAMME_B, Role.ADEPT)).memberships
    assert same_programme(memberships, PROGRAMME_A, Role.MENTOR)
    assert same_programme(memberships, PROGRAMME_B, Role.ADEPT)
    assert not same_programme(memberships, PROGRAMME_A, Role.ADEPT)
    assert not same_programme(memberships, PROGRAMME_B, Role.MENTOR)
    assert not same_programme((), PROGRAMME_A, Role.MENTOR)


def test_a_regions_coordinator_may_see_but_not_change_the_programme() -> None:
    region = Actor(
        person=person(),
        memberships=(
            Membership(
                id=1, person_id=7, programme_id=PROGRAMME_A, cohort_id=3, role=Role.COORDINATOR
            ),
        ),
    )
    whole = actor((PROGRAMME_A, Role.COORDINATOR))
    assert may(region, Action.VIEW_SETTINGS, PROGRAMME_A)
    assert not may(region, Action.CHANGE_SETTINGS, PROGRAMME_A)
    assert may(whole, Action.CHANGE_SETTINGS, PROGRAMME_A)
    assert not may(whole, Action.CHANGE_SETTINGS, PROGRAMME_B)
    assert allowed_programmes(region, Action.CHANGE_SETTINGS) == []
    assert allowed_programmes(region, Action.VIEW_SETTINGS) == [PROGRAMME_A]
    # Other coordinator actions stay open to a region's coordinator.
    assert may(region, Action.PAIR, PROGRAMME_A)
    # One region of programme A and the whole of programme B.
    of_b = Membership(
        id=2, person_id=7, programme_id=PROGRAMME_B, cohort_id=None, role=Role.COORDINATOR
    )
    both = replace(region, memberships=(*region.memberships, of_b))
    assert not may(both, Action.CHANGE_SETTINGS, PROGRAMME_A)
    assert may(both, Action.CHANGE_SETTINGS, PROGRAMME_B)
    assert PROGRAMME_WIDE_ACTIONS <= COORDINATOR_ACTIONS


def regional(cohort_id: int, *more: tuple[int, Role]) -> Actor:
    """A coordinator of one cohort (a region) of programme A, with other memberships."""
    base = actor((PROGRAMME_A, Role.COORDINATOR), *more)
    first = replace(base.memberships[0], cohort_id=cohort_id)
    return replace(base, memberships=(first, *base.memberships[1:]))


@pytest.mark.parametrize("action", COORDINATING)
def test_a_regions_coordinator_acts_on_the_regions_pairs_only(action: Action) -> None:
    of_region = pair()  # cohort 1
    elsewhere = replace(pair(), cohort_id=2)
    # Programme-wide changes are not a region's, not even through one of its pairs.
    assert may(regional(1), action, PROGRAMME_A, of_region) is (
        action not in PROGRAMME_WIDE_ACTIONS
    )
    assert not may(regional(1), action, PROGRAMME_A, elsewhere)
    assert may(regional(2), action, PROGRAMME_A, elsewhere) is (
        action not in PROGRAMME_WIDE_ACTIONS
    )
    # The whole programme's coordinator: every pair.
    assert may(actor((PROGRAMME_A, Role.COORDINATOR)), action, PROGRAMME_A, elsewhere)


def test_in_the_programmes_alert_chat_a_region_acts_on_the_region_only() -> None:
    alert_chat = Chat(private=False, bound=frozenset({PROGRAMME_A}))
    elsewhere = replace(pair(), cohort_id=2)
    assert not may(regional(1), Action.HANDLE_ALERT, PROGRAMME_A, elsewhere, chat=alert_chat)
    assert may(regional(1), Action.HANDLE_ALERT, PROGRAMME_A, pair(), chat=alert_chat)
    whole = actor((PROGRAMME_A, Role.COORDINATOR))
    assert may(whole, Action.HANDLE_ALERT, PROGRAMME_A, elsewhere, chat=alert_chat)
    scope = allowed_scope(regional(1), Action.VIEW_STALLED, chat=alert_chat)
    assert scope == Scope(((PROGRAMME_A, 1),)) and not scope.covers(elsewhere)
    assert allowed_scope(whole, Action.VIEW_STALLED, chat=alert_chat) == Scope.whole([PROGRAMME_A])


def test_a_regions_alert_chat_reaches_the_region_only() -> None:
    region_chat = Chat(private=False, regions=frozenset({(PROGRAMME_A, 1)}))
    whole = actor((PROGRAMME_A, Role.COORDINATOR))
    elsewhere = replace(pair(), cohort_id=2)
    for someone in (whole, regional(1)):
        assert may(someone, Action.HANDLE_ALERT, PROGRAMME_A, pair(), chat=region_chat)
        assert not may(someone, Action.HANDLE_ALERT, PROGRAMME_A, elsewhere, chat=region_chat)
        assert allowed_scope(someone, Action.VIEW_STALLED, chat=region_chat) == Scope(
            ((PROGRAMME_A, 1),)
        )
    assert not allowed_scope(regional(2), Action.VIEW_STALLED, chat=region_chat)
    assert not may(regional(2), Action.HANDLE_ALERT, PROGRAMME_A, elsewhere, chat=region_chat)


def test_binding_an_alert_chat_a_region_binds_only_its_region() -> None:
    whole = actor((PROGRAMME_A, Role.COORDINATOR))
    for target, by_whole, by_region_1 in (
        (Region(PROGRAMME_A), True, False),
        (Region(PROGRAMME_A, 1), True, True),
        (Region(PROGRAMME_A, 2), True, False),
        (Region(PROGRAMME_B), False, False),
    ):
        assert may(whole, Action.BIND_ALERTS, PROGRAMME_A, target) is by_whole, target
        assert may(regional(1), Action.BIND_ALERTS, PROGRAMME_A, target) is by_region_1, target
    # In the programme's chat, a region's coordinator may not stop it.
    alert_chat = Chat(private=False, bound=frozenset({PROGRAMME_A}))
    assert not may(
        regional(1), Action.BIND_ALERTS, PROGRAMME_A, Region(PROGRAMME_A), chat=alert_chat
    )
    assert may(whole, Action.BIND_ALERTS, PROGRAMME_A, Region(PROGRAMME_A), chat=alert_chat)


def test_scope_of_a_region_and_of_whole_programmes() -> None:
    someone = regional(1, (PROGRAMME_B, Role.COORDINATOR), (3, Role.MENTOR))
    scope = allowed_scope(someone, Action.LIST_PAIRS)
    assert scope == Scope(((PROGRAMME_A, 1), (PROGRAMME_B, None)))
    assert scope.programmes == list(scope) == [PROGRAMME_A, PROGRAMME_B]
    assert len(scope) == 2 and PROGRAMME_A in scope and 3 not in scope
    assert (scope.cohort(PROGRAMME_A), scope.cohort(PROGRAMME_B), scope.cohort(3)) == (
        1,
        None,
        None,
    )
    assert scope.covers(pair())
    assert not scope.covers(replace(pair(), cohort_id=2))
    assert scope.covers(replace(pair(), programme_id=PROGRAMME_B, cohort_id=7))
    assert not scope.covers(replace(pair(), programme_id=3))
    assert scope.admits(PROGRAMME_A, 1) and not scope.admits(PROGRAMME_A, None)
    assert not allowed_scope(None, Action.LIST_PAIRS)
    assert not allowed_scope(actor((PROGRAMME_A, Role.MENTOR)), Action.REPORT)
    assert Scope.whole([5, 2, 5]).cohorts == ((2, None), (5, None))
