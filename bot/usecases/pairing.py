"""Use cases of pairing: who can be paired, making a pair (its introductions go through
the outbox), and the pairs and members a coordinator lists. Each method is one
transaction; `actor` None is the command line (the operator is trusted)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from bot.domain import intake
from bot.domain.access import Action, Actor, Scope, allowed_scope, may
from bot.domain.alerts import AlertReason
from bot.domain.model import (
    PARTICIPANT_ROLES,
    Cohort,
    Membership,
    OutgoingMessage,
    Pair,
    PairView,
    Person,
    Programme,
    Role,
)
from bot.runtime.clock import Clock
from bot.texts import joining as texts
from bot.texts.agreements import continue_markup
from bot.texts.common import language_of
from bot.usecases.joining import current_cohort, end_left_intake
from storage.db import Database
from storage.uow import UnitOfWork


class PairProblem(StrEnum):
    NOT_ALLOWED = "not_allowed"
    NOT_A_MENTOR = "not_a_mentor"
    NOT_AN_ADEPT = "not_an_adept"
    ADEPT_TAKEN = "adept_taken"
    MENTOR_FULL = "mentor_full"
    NO_COHORT = "no_cohort"
    NOT_TAKING_PART = "not_taking_part"  # no consent, or their data deleted


@dataclass(frozen=True)
class PairOutcome:
    problem: PairProblem | None
    view: PairView | None = None


@dataclass(frozen=True)
class Candidates:
    mentors: list[tuple[Person, int]] = field(default_factory=list)  # with free places
    adepts: list[Person] = field(default_factory=list)
    said_no: list[Person] = field(default_factory=list)  # to what is stored: not offered


@dataclass(frozen=True)
class PairsPage:
    """A page of /pairs: each pair's last meeting and the reasons of its open alerts."""

    page: int
    pages: int
    pairs: list[PairView]
    last_met: dict[int, date]
    alert_reasons: dict[int, list[AlertReason]]
    programmes: dict[int, Programme]


class Pairing:
    def __init__(self, db: Database, clock: Clock, *, default_language: str) -> None:
        self.db = db
        self.clock = clock
        self.default_language = default_language

    async def pair_candidates(self, actor: Actor, programme_id: int) -> Candidates | None:
        """Mentors with room and adepts without a mentor; for a region's coordinator, only
        the region's people."""
        if not may(actor, Action.PAIR, programme_id):
            return None
        region = allowed_scope(actor, Action.PAIR).cohort(programme_id)
        async with self.db.unit() as uow:
            mentors = await uow.people.members(programme_id, Role.MENTOR)
            adepts = await uow.people.members(programme_id, Role.ADEPT)
            left_out = await uow.people.left_out(programme_id)
            mine = await self._in_region(uow, programme_id, region)
        said_no = {
            person.id: person
            for membership, person, no in left_out
            if no and membership.role in PARTICIPANT_ROLES and mine(membership)
        }
        return Candidates(
            mentors=[
                (person, intake.capacity(person.intake) - open_pairs)
                for membership, person, open_pairs in mentors
                if open_pairs < intake.capacity(person.intake) and mine(membership)
            ],
            adepts=[
                person
                for membership, person, open_pairs in adepts
                if open_pairs == 0 and mine(membership)
            ],
            said_no=list(said_no.values()),
        )

    async def _in_region(
        self, uow: UnitOfWork, programme_id: int, region: int | None
    ) -> Callable[[Membership], bool]:
        """Whether a member belongs to `region` (None: everyone of the programme), by
        `member_cohort`; the programme's cohorts are read only for a region."""
        if region is None:
            return lambda _membership: True
        default = current_cohort(
            await uow.programmes.cohorts(programme_id), self.clock.now().date()
        )
        return lambda membership: member_cohort(membership, default) == region

    async def create_pair(
        self, actor: Actor | None, programme_id: int, mentor_id: int, adept_id: int
    ) -> PairOutcome:
        """Pairs two people; `actor` None means the command line (the operator is trusted)."""
        if actor is not None and not may(actor, Action.PAIR, programme_id):
            return PairOutcome(PairProblem.NOT_ALLOWED)
        now = self.clock.now()
        async with self.db.unit() as uow:
            programme = await uow.programmes.programme(programme_id)
            if programme is None:
                return PairOutcome(PairProblem.NOT_ALLOWED)
            mentors = {
                p.id: (m, p, n) for m, p, n in await uow.people.members(programme_id, Role.MENTOR)
            }
            adepts = {
                p.id: (m, p, n) for m, p, n in await uow.people.members(programme_id, Role.ADEPT)
            }
            # A region's coordinator pairs the region's people only.
            region = allowed_scope(actor, Action.PAIR).cohort(programme_id) if actor else None
            mine = await self._in_region(uow, programme_id, region)
            if mentor_id not in mentors or adept_id not in adepts:
                # `members` holds only people who take part; say so if that is why.
                left_out = {
                    (m.person_id, m.role)
                    for m, _p, _no in await uow.people.left_out(programme_id)
                    if mine(m)
                }
                if {(mentor_id, Role.MENTOR), (adept_id, Role.ADEPT)} & left_out:
                    return PairOutcome(PairProblem.NOT_TAKING_PART)
            if mentor_id not in mentors:
                return PairOutcome(PairProblem.NOT_A_MENTOR)
            if adept_id not in adepts:
                return PairOutcome(PairProblem.NOT_AN_ADEPT)
            mentor_membership, mentor, mentor_pairs = mentors[mentor_id]
            adept_membership, adept, adept_pairs = adepts[adept_id]
            if not mine(mentor_membership):
                return PairOutcome(PairProblem.NOT_A_MENTOR)
            if not mine(adept_membership):
                return PairOutcome(PairProblem.NOT_AN_ADEPT)
            if adept_pairs > 0:
                return PairOutcome(PairProblem.ADEPT_TAKEN)
            if mentor_pairs >= intake.capacity(mentor.intake):
                return PairOutcome(PairProblem.MENTOR_FULL)
            cohort_id = adept_membership.cohort_id or mentor_membership.cohort_id
            if cohort_id is None:
                cohort = current_cohort(await uow.programmes.cohorts(programme_id), now.date())
                if cohort is None:
                    return PairOutcome(PairProblem.NO_COHORT)
                cohort_id = cohort.id
            pair = await uow.pairs.add_pair(
                programme_id=programme_id,
                cohort_id=cohort_id,
                mentor_id=mentor_id,
                adept_id=adept_id,
                now=now,
            )
            await uow.outbox.enqueue(
                _introductions(pair, mentor, adept, programme, now, self.default_language), now
            )
            for person, role in ((mentor, Role.MENTOR), (adept, Role.ADEPT)):
                await end_left_intake(uow, person, role, now)
        return PairOutcome(None, PairView(pair=pair, mentor=mentor, adept=adept))

    async def pairs(
        self, actor: Actor | None, programme_ids: Sequence[int] | None = None
    ) -> list[PairView]:
        """The pairs a coordinator may list (of `programme_ids`, when given): a region's
        coordinator, the region's. `actor` None (the command line): every pair of
        `programme_ids`."""
        if actor is None:
            scope = Scope.whole(programme_ids or ())
        else:
            scope = allowed_scope(actor, Action.LIST_PAIRS)
            if programme_ids is not None:
                scope = Scope(tuple(item for item in scope.cohorts if item[0] in programme_ids))
        async with self.db.unit() as uow:
            return await uow.pairs.pair_views_in(scope)

    async def pairs_page(self, actor: Actor, page: int, per_page: int) -> PairsPage | None:
        """One page of the pairs a coordinator may list (`page` clamped to the pages
        there are), with what /pairs shows of each; None when there are none."""
        scope = allowed_scope(actor, Action.LIST_PAIRS)
        async with self.db.unit() as uow:
            views = await uow.pairs.pair_views_in(scope)
            if not views:
                return None
            pages = max(1, -(-len(views) // per_page))
            page = min(max(page, 0), pages - 1)
            shown = views[page * per_page : (page + 1) * per_page]
            ids = [v.pair.id for v in shown]
            last = await uow.meetings.last_meetings(ids)
            open_alerts = await uow.alerts.alerts(unresolved_only=True, pair_ids=ids)
            programmes = await uow.programmes.programmes({v.pair.programme_id for v in shown})
        reasons: dict[int, list[AlertReason]] = {}
        for alert in open_alerts:
            reasons.setdefault(alert.pair_id, []).append(alert.reason)
        return PairsPage(
            page=page,
            pages=pages,
            pairs=shown,
            last_met=last,
            alert_reasons=reasons,
            programmes={p.id: p for p in programmes},
        )

    async def members(self, programme_id: int, role: Role) -> list[Person]:
        async with self.db.unit() as uow:
            return [person for _m, person, _n in await uow.people.members(programme_id, role)]


def _introductions(
    pair: Pair,
    mentor: Person,
    adept: Person,
    programme: Programme,
    now: datetime,
    default_language: str,
) -> list[OutgoingMessage]:
    """Each party meets the other; queued so quiet hours and retries apply."""
    when = programme.rules.allowed(now)
    queued = []
    for recipient, other, recipient_role in (
        (mentor, adept, Role.MENTOR),
        (adept, mentor, Role.ADEPT),
    ):
        if recipient.telegram_user_id is None:
            continue
        language = language_of(recipient, programme, default_language)
        queued.append(
            OutgoingMessage(
                idempotency_key=f"pair:{pair.id}:intro:{recipient.id}",
                chat_id=recipient.telegram_user_id,
                person_id=recipient.id,
                kind="introduction",
                text=texts.introduction(language, recipient_role, other, programme.role_labels),
                reply_markup=continue_markup(language, pair.id, first=True),
                not_before=when,
            )
        )
    return queued


def member_cohort(membership: Membership, current: Cohort | None) -> int | None:
    """The cohort a member belongs to: their invitation's, else the programme's current
    one (as a pair made of them is placed). Pairing and matching count people by it."""
    if membership.cohort_id is not None:
        return membership.cohort_id
    return current.id if current else None
