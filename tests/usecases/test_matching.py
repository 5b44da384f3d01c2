"""Matching suggestions on the database: who is counted in which region, who may ask,
and a coordinator's no that keeps a pair from being suggested again."""

from __future__ import annotations

import pytest

from bot.usecases.matching import Matchmaker, MatchPlan, MatchProblem
from bot.usecases.refusal import Refusal
from tests.usecases.conftest import World


def matcher(world: World) -> Matchmaker:
    return Matchmaker(world.core.services)


def pairs(plan: MatchPlan | Refusal[MatchProblem]) -> list[tuple[int, int]]:
    assert isinstance(plan, MatchPlan), plan
    return [(s.mentor_id, s.adept_id) for s in plan.suggestions]


async def test_each_region_is_matched_within_itself(world: World) -> None:
    people, kari = world.people, await world.actor("kari")
    oslo = await matcher(world).plan(kari, world.programme.id, world.oslo.id)
    assert pairs(oslo) == [(people["ola"].id, people["amina"].id)]
    assert isinstance(oslo, MatchPlan) and oslo.cohort == world.oslo
    assert (oslo.unpaired_adepts, oslo.mentors_with_room, oslo.waiting_to_join) == (1, 1, 0)
    bergen = await matcher(world).plan(kari, world.programme.id, world.bergen.id)
    assert pairs(bergen) == [(people["per"].id, people["sara"].id)]
    # The command line (no actor) may plan any cohort too.
    assert pairs(await matcher(world).plan(None, world.programme.id, world.bergen.id)) == pairs(
        bergen
    )


async def test_a_regions_coordinator_plans_their_region_only(world: World) -> None:
    lars = await world.actor("lars")
    own = await matcher(world).plan(lars, world.programme.id)
    assert isinstance(own, MatchPlan) and own.cohort == world.oslo
    assert pairs(own) == [(world.people["ola"].id, world.people["amina"].id)]
    other = await matcher(world).plan(lars, world.programme.id, world.bergen.id)
    assert other == Refusal(MatchProblem.NOT_ALLOWED)


@pytest.mark.parametrize("name", ["ola", "amina", "nils"])
async def test_only_the_programmes_coordinators_may_plan(world: World, name: str) -> None:
    plan = await matcher(world).plan(await world.actor(name), world.programme.id, world.oslo.id)
    assert plan == Refusal(MatchProblem.NOT_ALLOWED)


async def test_an_unknown_programme_or_cohort_is_refused(world: World) -> None:
    assert await matcher(world).plan(None, 999) == Refusal(MatchProblem.NOT_ALLOWED)
    missing = await matcher(world).plan(None, world.programme.id, world.other.id + 999)
    assert missing == Refusal(MatchProblem.NO_COHORT)


async def test_paired_people_are_not_suggested_again(world: World) -> None:
    people = world.people
    made = await world.core.pairing.create_pair(
        await world.actor("kari"), world.programme.id, people["ola"].id, people["amina"].id
    )
    assert made.problem is None
    plan = await matcher(world).plan(None, world.programme.id, world.oslo.id)
    assert pairs(plan) == []
    assert isinstance(plan, MatchPlan)
    assert (plan.unpaired_adepts, plan.mentors_with_room) == (0, 0), "Ola takes one adept"


async def test_a_coordinators_no_keeps_a_pair_from_being_suggested(world: World) -> None:
    people, kari = world.people, await world.actor("kari")
    ola, amina = people["ola"].id, people["amina"].id
    assert await matcher(world).reject(kari, world.programme.id, ola, amina)
    plan = await matcher(world).plan(kari, world.programme.id, world.oslo.id)
    assert pairs(plan) == []
    assert isinstance(plan, MatchPlan)
    assert plan.ruled_out == {(ola, amina)} and plan.unpaired_adepts == 1


@pytest.mark.parametrize(
    ("name", "mentor", "adept"),
    [
        ("lars", "per", "sara"),  # another region's people
        ("ola", "per", "sara"),  # a mentor
        ("nils", "ola", "amina"),  # another programme's coordinator
        ("kari", "per", "nils"),  # someone outside the programme
    ],
)
async def test_a_no_from_who_may_not_pair_them_is_refused(
    world: World, name: str, mentor: str, adept: str
) -> None:
    people = world.people
    refused = await matcher(world).reject(
        await world.actor(name), world.programme.id, people[mentor].id, people[adept].id
    )
    assert refused is False
    for cohort in (world.oslo, world.bergen):
        plan = await matcher(world).plan(None, world.programme.id, cohort.id)
        assert isinstance(plan, MatchPlan) and plan.ruled_out == set()
