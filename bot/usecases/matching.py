"""Matching suggestions for a cohort: who is unpaired, the optimal set of pairs, and the
coordinator's answers. Nothing is paired here: accepting goes through
``Pairing.create_pair``, so the introductions and the agreement start as with /pair."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from bot.domain import matching
from bot.domain.access import Action, Actor, allowed_scope, may
from bot.domain.model import Cohort, Membership, Person, Programme, Role
from bot.usecases.joining import Services, current_cohort
from bot.usecases.pairing import member_cohort
from bot.usecases.refusal import Refusal


class MatchProblem(StrEnum):
    NOT_ALLOWED = "not_allowed"
    NO_COHORT = "no_cohort"


@dataclass(frozen=True)
class MatchPlan:
    programme: Programme
    cohort: Cohort
    suggestions: list[matching.Suggestion]
    people: dict[int, Person]
    unpaired_adepts: int = 0
    mentors_with_room: int = 0
    waiting_to_join: int = 0  # imported people who have not opened their link yet
    ruled_out: set[tuple[int, int]] = field(default_factory=set)

    def after(self, adept_id: int | None) -> matching.Suggestion | None:
        """The suggestion for the next adept after `adept_id` (by id, wrapping round)."""
        if not self.suggestions:
            return None
        if adept_id is None:
            return self.suggestions[0]
        later = [s for s in self.suggestions if s.adept_id > adept_id]
        return later[0] if later else self.suggestions[0]

    def for_adept(self, adept_id: int) -> matching.Suggestion | None:
        return next((s for s in self.suggestions if s.adept_id == adept_id), None)

    def position(self, suggestion: matching.Suggestion) -> int:
        return self.suggestions.index(suggestion) + 1


class Matchmaker:
    def __init__(self, services: Services) -> None:
        self.services = services

    async def plan(
        self, actor: Actor | None, programme_id: int, cohort_id: int | None = None
    ) -> MatchPlan | Refusal[MatchProblem]:
        """Suggestions for the unpaired people of one cohort of one programme; `actor` None
        is the command line. A region's coordinator gets the region's cohort only."""
        if actor is not None and not may(actor, Action.PAIR, programme_id):
            return Refusal(MatchProblem.NOT_ALLOWED)
        region = allowed_scope(actor, Action.PAIR).cohort(programme_id) if actor else None
        if region is not None:
            if cohort_id not in (None, region):
                return Refusal(MatchProblem.NOT_ALLOWED)
            cohort_id = region
        now = self.services.clock.now()
        async with self.services.db.unit() as uow:
            programme = await uow.programmes.programme(programme_id)
            if programme is None:
                return Refusal(MatchProblem.NOT_ALLOWED)
            cohorts = await uow.programmes.cohorts(programme_id)
            default = current_cohort(cohorts, now.date())
            cohort = next((c for c in cohorts if c.id == cohort_id), None) if cohort_id else default
            if cohort is None:
                return Refusal(MatchProblem.NO_COHORT)
            mentors = await uow.people.members(programme_id, Role.MENTOR)
            adepts = await uow.people.members(programme_id, Role.ADEPT)
            ruled_out = await uow.roster.rejections(programme_id)
            waiting = await uow.roster.pending_imports(programme_id, now)

        def in_cohort(membership: Membership) -> bool:
            # People who joined by a link without a cohort belong to the current one.
            return member_cohort(membership, default) == cohort.id

        mentor_profiles = [
            matching.profile(
                person.id,
                person.intake,
                mentor=True,
                free_places=matching.free_places(person.intake, n),
            )
            for membership, person, n in mentors
            if in_cohort(membership)
        ]
        mentor_profiles = [p for p in mentor_profiles if p.capacity > 0]
        adept_profiles = [
            matching.profile(person.id, person.intake)
            for membership, person, n in adepts
            if n == 0 and in_cohort(membership)
        ]
        people = {person.id: person for _m, person, _n in [*mentors, *adepts]}
        return MatchPlan(
            programme=programme,
            cohort=cohort,
            suggestions=matching.suggest(mentor_profiles, adept_profiles, ruled_out=ruled_out),
            people=people,
            unpaired_adepts=len(adept_profiles),
            mentors_with_room=len(mentor_profiles),
            waiting_to_join=len(waiting),
            ruled_out=ruled_out,
        )

    async def reject(self, actor: Actor, programme_id: int, mentor_id: int, adept_id: int) -> bool:
        """The coordinator says no to this pair: it is not suggested again. Both must be
        people the coordinator may pair (a region's coordinator: of the region)."""
        if not may(actor, Action.PAIR, programme_id):
            return False
        region = allowed_scope(actor, Action.PAIR).cohort(programme_id)
        async with self.services.db.unit() as uow:
            default = current_cohort(
                await uow.programmes.cohorts(programme_id), self.services.clock.now().date()
            )
            members = {
                person.id
                for role in (Role.MENTOR, Role.ADEPT)
                for membership, person, _n in await uow.people.members(programme_id, role)
                if region is None or member_cohort(membership, default) == region
            }
            if not {mentor_id, adept_id} <= members:
                return False
            await uow.roster.reject(
                programme_id=programme_id,
                mentor_id=mentor_id,
                adept_id=adept_id,
                decided_by=actor.person.id,
                now=self.services.clock.now(),
            )
        return True
