"""Who may do what: one place, pure, tested on its own."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from bot.domain.model import Membership, Pair, Person, Role


class Action(StrEnum):
    INVITE = "invite"
    PAIR = "pair"
    LIST_PAIRS = "list_pairs"


COORDINATOR_ACTIONS = frozenset(Action)


@dataclass(frozen=True)
class Actor:
    person: Person
    memberships: tuple[Membership, ...]

    def roles(self) -> set[Role]:
        return {membership.role for membership in self.memberships}

    def programmes_as(self, role: Role) -> list[int]:
        return sorted({m.programme_id for m in self.memberships if m.role is role})

    def primary_role(self) -> Role | None:
        roles = self.roles()
        for role in (Role.COORDINATOR, Role.MENTOR, Role.ADEPT):
            if role in roles:
                return role
        return None


def may(actor: Actor | None, action: Action, programme_id: int) -> bool:
    if actor is None:
        return False
    if action in COORDINATOR_ACTIONS:
        return programme_id in actor.programmes_as(Role.COORDINATOR)
    return False


def is_party(person_id: int, pair: Pair) -> bool:
    return person_id in (pair.mentor_id, pair.adept_id)


def coordinated_programmes(actor: Actor | None) -> list[int]:
    return [] if actor is None else actor.programmes_as(Role.COORDINATOR)


def same_programme(memberships: Iterable[Membership], programme_id: int, role: Role) -> bool:
    return any(m.programme_id == programme_id and m.role is role for m in memberships)
