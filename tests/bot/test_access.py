"""Tests for bot.domain.access: who may do what, per programme."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.domain.access import (
    COORDINATOR_ACTIONS,
    Action,
    Actor,
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


def test_every_action_is_a_coordinator_action() -> None:
    assert set(Action) == COORDINATOR_ACTIONS


@pytest.mark.parametrize("action", list(Action))
def test_coordinator_may_act_on_their_programme(action: Action) -> None:
    assert may(actor((PROGRAMME_A, Role.COORDINATOR)), action, PROGRAMME_A)


@pytest.mark.parametrize("action", list(Action))
def test_coordinator_of_a_may_not_act_on_b(action: Action) -> None:
    coordinator_of_a = actor((PROGRAMME_A, Role.COORDINATOR), (PROGRAMME_B, Role.MENTOR))
    assert not may(coordinator_of_a, action, PROGRAMME_B)


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("role", [Role.MENTOR, Role.ADEPT])
def test_participants_may_not_act(action: Action, role: Role) -> None:
    assert not may(actor((PROGRAMME_A, role)), action, PROGRAMME_A)


@pytest.mark.parametrize("action", list(Action))
def test_nobody_may_do_nothing(action: Action) -> None:
    assert not may(None, action, PROGRAMME_A)
    assert not may(actor(), action, PROGRAMME_A)


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
