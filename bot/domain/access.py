"""Who may do what: one place, pure, tested on its own.

`may(actor, action, programme_id, target, chat=…)` is the one decision every handler and
use case asks (directly, or through `allowed_programmes` for a coordinator's list):

- coordinator actions: only on programmes the actor coordinates; in a group chat only
  on programmes whose alert chat it is (`chat.bound`, or a region's: `chat.regions`);
  with a pair as target, only when the pair belongs to that programme and, for a
  coordinator of one cohort (a region of NHO Global Future), to that cohort, in any
  chat; with a `Region` as target (binding an alert chat), the whole programme only
  for its whole coordinators, a region for its coordinators; programme-wide changes
  (its settings, its agreement) only by a coordinator of the whole programme;
- participant actions: only on a pair the actor is a party of, in a programme where
  they are a mentor or adept;
- own-data actions (/mydata, /deleteme): anyone we know, on themselves, in private.

`allowed_scope` says the same for a coordinator's lists and pair lookups: the programmes,
each whole or one cohort of it (`Scope.covers(pair)`), so use cases filter in one way.

Identity is the Telegram user id behind `Actor.person`, never a username or name.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum

from bot.domain.model import Membership, Pair, Person, Role


class Action(StrEnum):
    # coordinators, on a programme
    INVITE = "invite"
    PAIR = "pair"
    LIST_PAIRS = "list_pairs"
    VIEW_PAIR = "view_pair"  # the pair's file with check-in comments (audited)
    NOTE = "note"
    END_PAIR = "end_pair"
    MESSAGE_PAIR = "message_pair"
    HANDLE_ALERT = "handle_alert"  # take, snooze, resolve, show
    BIND_ALERTS = "bind_alerts"
    VIEW_STALLED = "view_stalled"
    VIEW_AUDIT = "view_audit"
    VIEW_AGREEMENT = "view_agreement"  # the programme's agreement text (/agreement)
    SET_AGREEMENT = "set_agreement"  # programme-wide: not for a region's coordinator
    VIEW_SETTINGS = "view_settings"  # the programme's settings (/programme)
    CHANGE_SETTINGS = "change_settings"  # programme-wide: not for a region's coordinator
    REPORT = "report"  # the funder's report
    RECORD_OUTCOME = "record_outcome"
    CANCEL_GATHERING = "cancel_gathering"  # a region's coordinator: the region's gatherings
    # participants, on their own pair
    PAIR_STEP = "pair_step"  # plan, met, confirm, check-in, goals, agreement, pause
    # anyone known, on themselves
    OWN_DATA = "own_data"


COORDINATOR_ACTIONS = frozenset(
    {
        Action.INVITE,
        Action.PAIR,
        Action.LIST_PAIRS,
        Action.VIEW_PAIR,
        Action.NOTE,
        Action.END_PAIR,
        Action.MESSAGE_PAIR,
        Action.HANDLE_ALERT,
        Action.BIND_ALERTS,
        Action.VIEW_STALLED,
        Action.VIEW_AUDIT,
        Action.VIEW_AGREEMENT,
        Action.SET_AGREEMENT,
        Action.VIEW_SETTINGS,
        Action.CHANGE_SETTINGS,
        Action.REPORT,
        Action.RECORD_OUTCOME,
        Action.CANCEL_GATHERING,
    }
)
# Coordinator actions that change the whole programme: a coordinator invited for one
# cohort (a region) runs that cohort, not the programme everyone shares.
PROGRAMME_WIDE_ACTIONS = frozenset({Action.CHANGE_SETTINGS, Action.SET_AGREEMENT})
PARTICIPANT_ACTIONS = frozenset({Action.PAIR_STEP})
OWN_ACTIONS = frozenset({Action.OWN_DATA})
# What may happen in a group at all: the alert chat's coordinator actions.
GROUP_ACTIONS = frozenset({Action.BIND_ALERTS, Action.VIEW_STALLED, Action.HANDLE_ALERT})


@dataclass(frozen=True)
class Chat:
    """Where the action happens: a private chat, or a group with the programmes whose
    alert chat it is (`bound`) and the regions (programme, cohort) whose own alert chat
    it is (`regions`)."""

    private: bool = True
    bound: frozenset[int] = frozenset()
    regions: frozenset[tuple[int, int]] = frozenset()

    def reach(self, programme_id: int | None) -> frozenset[int | None]:
        """The cohorts of the programme this group is the alert chat of; None in it: the
        whole programme."""
        whole: frozenset[int | None] = (
            frozenset({None}) if programme_id in self.bound else frozenset()
        )
        return whole | {c for p, c in self.regions if p == programme_id}

    def admits(self, programme_id: int, cohort_id: int | None) -> bool:
        reach = self.reach(programme_id)
        return None in reach or cohort_id in reach


@dataclass(frozen=True)
class Region:
    """What an alert chat is bound for: a programme's cohort (a region of NHO Global
    Future), or with `cohort_id` None the whole programme."""

    programme_id: int
    cohort_id: int | None = None


PRIVATE = Chat()


@dataclass(frozen=True)
class Actor:
    person: Person
    memberships: tuple[Membership, ...]

    def roles(self) -> set[Role]:
        return {membership.role for membership in self.memberships}

    def programmes_as(self, role: Role) -> list[int]:
        return sorted({m.programme_id for m in self.memberships if m.role is role})

    def runs_whole_programme(self, programme_id: int) -> bool:
        """A coordinator of `programme_id` invited without a cohort (not one region's)."""
        return any(
            m.role is Role.COORDINATOR and m.programme_id == programme_id and m.cohort_id is None
            for m in self.memberships
        )

    def primary_role(self) -> Role | None:
        roles = self.roles()
        for role in (Role.COORDINATOR, Role.MENTOR, Role.ADEPT):
            if role in roles:
                return role
        return None


def may(
    actor: Actor | None,
    action: Action,
    programme_id: int | None,
    target: Pair | Person | Region | None = None,
    *,
    chat: Chat = PRIVATE,
) -> bool:
    """The one authorisation decision: may `actor` do `action` on `target` of programme
    `programme_id`, here in `chat`?"""
    if actor is None:
        return False
    if not chat.private and (action not in GROUP_ACTIONS or not chat.reach(programme_id)):
        return False
    if action in COORDINATOR_ACTIONS:
        if programme_id is None or programme_id not in actor.programmes_as(Role.COORDINATOR):
            return False
        if action in PROGRAMME_WIDE_ACTIONS and not actor.runs_whole_programme(programme_id):
            return False
        # A region's coordinator acts on the region only, in private and in any alert
        # chat she sits in (the programme's chat shows every region's alerts).
        cohort = coordinated_cohorts(actor).get(programme_id)
        if isinstance(target, Pair):
            return (
                target.programme_id == programme_id
                and cohort in (None, target.cohort_id)
                and (chat.private or chat.admits(programme_id, target.cohort_id))
            )
        if isinstance(target, Region):
            # The programme's own alert chat is the whole programme's coordinators'.
            if target.programme_id != programme_id:
                return False
            if target.cohort_id is None:
                return actor.runs_whole_programme(programme_id) and (
                    chat.private or None in chat.reach(programme_id)
                )
            return cohort in (None, target.cohort_id) and (
                chat.private or chat.admits(programme_id, target.cohort_id)
            )
        if isinstance(target, Person):
            return target.id == actor.person.id
        return True
    if action in PARTICIPANT_ACTIONS:
        if not isinstance(target, Pair) or target.programme_id != programme_id:
            return False
        role = (
            Role.MENTOR
            if target.mentor_id == actor.person.id
            else Role.ADEPT
            if target.adept_id == actor.person.id
            else None
        )
        return role is not None and same_programme(actor.memberships, programme_id, role)
    if action in OWN_ACTIONS:
        return chat.private and (target is None or target == actor.person)
    return False


def allowed_programmes(actor: Actor | None, action: Action, *, chat: Chat = PRIVATE) -> list[int]:
    """The programmes on which `may` allows a coordinator action here (sorted)."""
    if actor is None:
        return []
    candidates = actor.programmes_as(Role.COORDINATOR)
    return [p for p in candidates if may(actor, action, p, chat=chat)]


@dataclass(frozen=True)
class Scope:
    """Where a coordinator's lists and pair lookups reach: programmes, each as a whole
    (None) or only the one cohort the coordinator runs there (a region). `covers` is the
    one answer to "is this pair theirs?"; a pair outside is treated as unknown."""

    cohorts: tuple[tuple[int, int | None], ...] = ()  # (programme, cohort or None), sorted

    @classmethod
    def whole(cls, programme_ids: Iterable[int]) -> Scope:
        """Every pair of these programmes (the command line, an alert chat)."""
        return cls(tuple((p, None) for p in sorted(set(programme_ids))))

    @property
    def programmes(self) -> list[int]:
        # A group may be the alert chat of several regions of one programme.
        return sorted({programme for programme, _cohort in self.cohorts})

    def cohort(self, programme_id: int) -> int | None:
        """The one cohort of the programme in scope; None: all of it (or not in scope)."""
        return next((c for p, c in self.cohorts if p == programme_id), None)

    def admits(self, programme_id: int, cohort_id: int | None) -> bool:
        """Whether something of this programme and cohort is in scope."""
        return any(
            programme == programme_id and cohort in (None, cohort_id)
            for programme, cohort in self.cohorts
        )

    def covers(self, pair: Pair) -> bool:
        return self.admits(pair.programme_id, pair.cohort_id)

    def __contains__(self, programme_id: object) -> bool:
        return any(p == programme_id for p, _c in self.cohorts)

    def __iter__(self) -> Iterator[int]:
        return iter(self.programmes)

    def __len__(self) -> int:
        return len(self.cohorts)


def allowed_scope(actor: Actor | None, action: Action, *, chat: Chat = PRIVATE) -> Scope:
    """The programmes `allowed_programmes` gives, each limited to the cohort the actor
    coordinates there. In an alert chat, also to what the chat is bound for: the whole
    programme, or the regions whose own chat it is."""
    programmes = allowed_programmes(actor, action, chat=chat)
    regions = coordinated_cohorts(actor)
    if chat.private:
        return Scope(tuple((p, regions.get(p)) for p in programmes))
    cohorts: list[tuple[int, int | None]] = []
    for p in programmes:
        reach, mine = chat.reach(p), regions.get(p)
        if mine is not None:
            cohorts.extend([(p, mine)] if None in reach or mine in reach else [])
        elif None in reach:
            cohorts.append((p, None))
        else:
            cohorts.extend((p, c) for c in sorted(c for c in reach if c is not None))
    return Scope(tuple(cohorts))


def is_party(person_id: int, pair: Pair) -> bool:
    return person_id in (pair.mentor_id, pair.adept_id)


def coordinated_programmes(actor: Actor | None) -> list[int]:
    return [] if actor is None else actor.programmes_as(Role.COORDINATOR)


def coordinated_cohorts(actor: Actor | None) -> dict[int, int | None]:
    """Each programme the actor coordinates, with the one cohort they run there (a
    region of NHO Global Future), or None when they run the whole programme."""
    if actor is None:
        return {}
    return {m.programme_id: m.cohort_id for m in actor.memberships if m.role is Role.COORDINATOR}


def same_programme(memberships: Iterable[Membership], programme_id: int, role: Role) -> bool:
    return any(m.programme_id == programme_id and m.role is role for m in memberships)
