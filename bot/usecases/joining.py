"""Use cases: each method is one unit of work (one transaction) that handlers and the CLI call.

Rules live in ``bot.domain``; SQL lives in ``storage``; this module joins them
and decides what is queued in the outbox.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from enum import StrEnum

from bot.domain import intake, policy
from bot.domain.access import Action, Actor, Scope, allowed_scope, may
from bot.domain.dates import add_months
from bot.domain.invites import (
    InviteProblem,
    hash_token,
    invite_problem,
    looks_like_token,
    new_token,
)
from bot.domain.model import (
    PARTICIPANT_ROLES,
    Cohort,
    Dialogue,
    Membership,
    OutgoingMessage,
    Pair,
    PairView,
    Person,
    Programme,
    Role,
)
from bot.domain.programmes import RoleLabels
from bot.domain.withdrawal import TO_A_PARTY
from bot.runtime.clock import Clock
from bot.texts import common as texts
from storage.db import Database
from storage.repository import Repository
from storage.roster import Roster

CONSENT_VERSION = "2026-11-2"  # what is stored, who sees it, how long, /mydata, /deleteme
INTAKE_FLOW = "intake"
CONSENT_STEP = intake.CONSENT_STEP


@dataclass(frozen=True)
class TelegramUser:
    id: int
    first_name: str
    last_name: str | None
    language_code: str | None


@dataclass(frozen=True)
class JoinOutcome:
    problem: InviteProblem | None
    person: Person | None = None
    programme: Programme | None = None
    role: Role | None = None
    already_member: bool = False
    dialogue: Dialogue | None = None


class StepStatus(StrEnum):
    ASK = "ask"  # ask `question` (again, with the current selection)
    FINISHED = "finished"  # intake is over
    PROBLEM = "problem"  # the answer was not usable; ask again
    STALE = "stale"  # a button from an earlier step
    OPEN = "open"  # this question is already asked and waits for its answer
    DECLINED = "declined"  # said no to consent


@dataclass(frozen=True)
class IntakeStep:
    status: StepStatus
    role: Role | None = None
    question: intake.Question | None = None
    selected: tuple[str, ...] = ()
    problem: intake.AnswerProblem | None = None
    editing: bool = False
    labels: str = RoleLabels.MENTOR  # the role words of the programme the person joined


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
class Arrival:
    first_time: bool
    actor: Actor | None
    # The person's open dialogue as the update found it (read in the same statement).
    dialogue: Dialogue | None = None
    # The language of the programme they joined first: theirs when their phone's is not
    # one the bot speaks and they chose none.
    programme_language: str | None = None


# Messages to a party of a pair that a block kept from them, offered again when they
# can be reached (each is checked against the pair just before it is sent, so a
# cancelled proposal or a period already met is not); older ones are history.
OFFERED_AGAIN = TO_A_PARTY | frozenset({"meeting_confirmation"})


def _seen_changes(person: Person, user: TelegramUser) -> dict[str, object]:
    """What a message from the person tells us: they can be reached, and their app's language."""
    changes: dict[str, object] = {}
    if person.unreachable_since is not None:
        changes["unreachable_since"] = None
    if user.language_code and user.language_code != person.telegram_language:
        changes["telegram_language"] = user.language_code
    return changes


class Services:
    def __init__(self, db: Database, clock: Clock, *, default_language: str, invite_ttl_days: int):
        self.db = db
        self.clock = clock
        self.default_language = default_language
        self.invite_ttl = timedelta(days=invite_ttl_days)

    @asynccontextmanager
    async def unit(self) -> AsyncIterator[Repository]:
        async with self.db.session() as session:
            yield Repository(session)

    # programmes and invites (coordinators and the CLI)

    async def create_programme(
        self,
        *,
        name: str,
        timezone: str,
        language: str,
        starts_on: date | None = None,
        ends_on: date | None = None,
    ) -> tuple[Programme, Cohort]:
        now = self.clock.now()
        first_day = starts_on or now.date()
        last_day = ends_on or add_months(first_day, 12)
        async with self.unit() as repo:
            programme = await repo.create_programme(
                name=name.strip(), timezone=timezone, language=language, now=now
            )
            cohort = await repo.create_cohort(
                programme_id=programme.id,
                name=name.strip(),
                starts_on=first_day,
                ends_on=last_day,
                now=now,
            )
        return programme, cohort

    async def programme(self, programme_id: int) -> Programme | None:
        async with self.unit() as repo:
            return await repo.programme(programme_id)

    async def programmes(self, ids: Iterable[int] | None = None) -> list[Programme]:
        """All programmes, or those with these ids (one statement either way)."""
        async with self.unit() as repo:
            return await repo.programmes(ids)

    async def role_labels(self, person_id: int, role: Role | None = None) -> str:
        """The role words to use with a person outside any one pair (/goals, /profile, /help):
        those of their programmes (where they are `role`, if given)."""
        async with self.unit() as repo:
            return await _role_labels(repo, person_id, role)

    async def create_invites(
        self,
        programme_id: int,
        role: Role,
        count: int = 1,
        *,
        cohort_id: int | None = None,
        by: Actor | None = None,
    ) -> list[str]:
        """New single-use tokens; only their hashes are stored, so they are shown once.

        Without `cohort_id` a participant goes into the current cohort, and a coordinator
        runs the whole programme (with one, only that cohort: an NHO region). Links made
        `by` a region's coordinator are for the region, whoever they invite."""
        region = allowed_scope(by, Action.INVITE).cohort(programme_id) if by else None
        if region is not None:
            cohort_id = region
        now = self.clock.now()
        tokens = [new_token() for _ in range(count)]
        async with self.unit() as repo:
            if cohort_id is None and role is not Role.COORDINATOR:
                cohort = _current_cohort(await repo.cohorts(programme_id), now.date())
                cohort_id = cohort.id if cohort else None
            await repo.add_invites(
                programme_id=programme_id,
                cohort_id=cohort_id,
                role=role,
                token_hashes=[hash_token(token) for token in tokens],
                now=now,
                expires_at=now + self.invite_ttl,
            )
        return tokens

    # who is asking

    async def actor(self, telegram_user_id: int) -> Actor | None:
        async with self.unit() as repo:
            found = await repo.arrival(telegram_user_id)
        if found is None:
            return None
        person, memberships, _dialogue, _language = found
        return Actor(person=person, memberships=tuple(memberships))

    async def arrive(
        self, update_id: int, user: TelegramUser | None, *, reachable: bool | None = True
    ) -> Arrival:
        """What every update starts with, in one transaction: is it new (Telegram may
        deliver an update twice), who sent it, and whether they can be reached: writing
        to the bot (`reachable` True) means they unblocked it; blocking the bot (False)
        means they cannot be reached; None changes nothing (a group's membership). One
        round trip instead of three matters: this runs for every update. The person,
        their memberships and their open dialogue are one statement."""
        now = self.clock.now()
        async with self.unit() as repo:
            if not await repo.first_time_update(update_id, now):
                return Arrival(first_time=False, actor=None)
            if user is None:
                return Arrival(first_time=True, actor=None)
            found = await repo.arrival(user.id)
            if found is None:
                return Arrival(first_time=True, actor=None)
            person, memberships, dialogue, programme_language = found
            if reachable is False and person.unreachable_since is None:
                await repo.mark_unreachable(person.id, now)
                person = replace(person, unreachable_since=now)
            changes = _seen_changes(person, user) if reachable else {}
            if changes:
                await repo.update_person(person.id, **changes)
                if "unreachable_since" in changes:
                    # What was lost to the block and still matters is offered again.
                    await repo.offer_again(
                        person.id, now, kinds=OFFERED_AGAIN, since=now - policy.OFFER_AGAIN_WITHIN
                    )
                person = replace(person, **changes)  # type: ignore[arg-type]
            return Arrival(
                first_time=True,
                actor=Actor(person=person, memberships=tuple(memberships)),
                dialogue=dialogue,
                programme_language=programme_language,
            )

    async def set_language(self, person_id: int, language: str) -> None:
        async with self.unit() as repo:
            await repo.update_person(person_id, language=language)

    # joining by invite link

    async def join(self, user: TelegramUser, token: str) -> JoinOutcome:
        now = self.clock.now()
        if not looks_like_token(token):
            return JoinOutcome(problem=InviteProblem.UNKNOWN)
        async with self.unit() as repo:
            invite = await repo.invite_by_hash(hash_token(token))
            person = await repo.person_by_telegram_id(user.id)
            problem = invite_problem(
                exists=invite is not None,
                used_at=invite.used_at if invite else None,
                expires_at=invite.expires_at if invite else None,
                now=now,
                # Someone who said no opens their link again to say yes.
                opened_by_its_user=(
                    invite is not None
                    and person is not None
                    and person.consented_at is None
                    and invite.used_by_person_id == person.id
                ),
            )
            if problem is not None or invite is None:
                return JoinOutcome(problem=problem or InviteProblem.UNKNOWN)
            programme = await repo.programme(invite.programme_id)
            if programme is None:
                return JoinOutcome(problem=InviteProblem.UNKNOWN)
            if person is None:
                person = await repo.add_person(
                    telegram_user_id=user.id,
                    first_name=_name(user.first_name),
                    last_name=user.last_name,
                    telegram_language=user.language_code,
                    now=now,
                )
            already = any(
                m.programme_id == programme.id and m.role is invite.role
                for m in await repo.memberships(person.id)
            )
            if not already and not await repo.use_invite(invite.id, person.id, now):
                return JoinOutcome(problem=InviteProblem.USED)
            await repo.add_membership(
                person_id=person.id,
                programme_id=programme.id,
                cohort_id=invite.cohort_id,
                role=invite.role,
                now=now,
            )
            # Answers from the coordinator's spreadsheet (`mentorbot import`), if any.
            imported = await Roster(repo.session).imported_answers(invite.id)
            dialogue = await self._start_intake(
                repo, person, invite.role, now, imported, programme.role_labels
            )
        return JoinOutcome(
            problem=None,
            person=person,
            programme=programme,
            role=invite.role,
            already_member=already,
            dialogue=dialogue,
        )

    async def _start_intake(
        self,
        repo: Repository,
        person: Person,
        role: Role,
        now: datetime,
        imported: dict[str, object] | None = None,
        labels: str = RoleLabels.MENTOR,
    ) -> Dialogue | None:
        data = _data(role, labels)
        if person.consented_at is None:
            step: str | None = CONSENT_STEP
            if imported:
                # Kept aside until the person agrees to what is stored.
                data["imported"] = imported
        else:
            answers = await _merge_imported(repo, person.id, imported)
            first = _first_unanswered(role, answers)
            step = first.key if first else None
        if step is None:
            await repo.clear_dialogue(person.id)
            return None
        dialogue = Dialogue(person.id, INTAKE_FLOW, step, data)
        await repo.save_dialogue(dialogue, now)
        return dialogue

    # the intake dialogue

    async def current_step(self, person_id: int) -> IntakeStep | None:
        async with self.unit() as repo:
            dialogue = await repo.dialogue(person_id)
        # Another flow (a comment, a date, a message) is not an intake step.
        return _step_of(dialogue) if dialogue and dialogue.flow == INTAKE_FLOW else None

    async def consent(self, person: Person, agreed: bool) -> IntakeStep:
        now = self.clock.now()
        async with self.unit() as repo:
            dialogue = await repo.dialogue(person.id)
            if dialogue is None or dialogue.step != CONSENT_STEP:
                return IntakeStep(StepStatus.STALE)
            role = Role(dialogue.data["role"])
            labels = _labels_of(dialogue)
            if not agreed:
                await repo.clear_dialogue(person.id)
                return IntakeStep(StepStatus.DECLINED, role=role, labels=labels)
            await repo.update_person(person.id, consent_version=CONSENT_VERSION, consented_at=now)
            imported = dialogue.data.get("imported")
            answers = await _merge_imported(
                repo, person.id, imported if isinstance(imported, dict) else None
            )
            first = _first_unanswered(role, answers)
            if first is None:
                await repo.clear_dialogue(person.id)
                return IntakeStep(StepStatus.FINISHED, role=role, labels=labels)
            await repo.save_dialogue(
                replace(dialogue, step=first.key, data=_data(role, labels)), now
            )
        return IntakeStep(StepStatus.ASK, role=role, question=first, labels=labels)

    async def answer_text(self, person: Person, text: str) -> IntakeStep | None:
        """A typed answer; None when the person is not in the intake dialogue."""
        async with self.unit() as repo:
            dialogue = await repo.dialogue(person.id)
            if dialogue is None or dialogue.flow != INTAKE_FLOW:
                return None
            step = _step_of(dialogue)
            question = step.question
            if question is None:
                return step
            answer = intake.text_answer(text)
            if isinstance(answer, intake.AnswerProblem):
                return replace(step, status=StepStatus.PROBLEM, problem=answer)
            if question.kind is intake.Kind.MULTI:
                selected = [*dialogue.data.get("selected", []), answer]
                await repo.save_dialogue(
                    replace(dialogue, data={**dialogue.data, "selected": selected}),
                    self.clock.now(),
                )
                return replace(step, selected=tuple(selected))
            if question.kind is intake.Kind.CHOICE:
                return replace(
                    step, status=StepStatus.PROBLEM, problem=intake.AnswerProblem.NOT_AN_OPTION
                )
            return await self._store_and_advance(repo, person, dialogue, question, answer)

    async def choose(self, person: Person, key: str, option: str) -> IntakeStep:
        """A button of the question `key`: an option, ``skip`` or ``done``."""
        async with self.unit() as repo:
            dialogue = await repo.dialogue(person.id)
            if dialogue is None or dialogue.flow != INTAKE_FLOW or dialogue.step != key:
                return IntakeStep(StepStatus.STALE)
            step = _step_of(dialogue)
            question = step.question
            if question is None:
                return IntakeStep(StepStatus.STALE)
            if option == "skip":
                return await self._store_and_advance(repo, person, dialogue, question, None)
            if option == "done" and question.kind is intake.Kind.MULTI:
                selected = list(dialogue.data.get("selected", []))
                return await self._store_and_advance(
                    repo, person, dialogue, question, selected or None
                )
            if question.kind is intake.Kind.CHOICE and question.option(option):
                return await self._store_and_advance(repo, person, dialogue, question, option)
            if question.kind is intake.Kind.MULTI:
                toggled = intake.toggle(list(dialogue.data.get("selected", [])), question, option)
                if isinstance(toggled, intake.AnswerProblem):
                    return IntakeStep(StepStatus.STALE)
                await repo.save_dialogue(
                    replace(dialogue, data={**dialogue.data, "selected": toggled}),
                    self.clock.now(),
                )
                return replace(step, selected=tuple(toggled))
            return IntakeStep(StepStatus.STALE)

    async def _store_and_advance(
        self,
        repo: Repository,
        person: Person,
        dialogue: Dialogue,
        question: intake.Question,
        answer: object,
    ) -> IntakeStep:
        role = Role(dialogue.data["role"])
        labels = _labels_of(dialogue)
        editing = bool(dialogue.data.get("editing"))
        fresh = await repo.person(person.id)
        answers = dict(fresh.intake if fresh else person.intake)
        # A skipped question is stored as None so it is not asked again at the next join.
        answers[question.key] = answer
        await repo.update_person(person.id, intake=answers)
        following = None if editing else _first_unanswered(role, answers, after=question.key)
        if following is None:
            await repo.clear_dialogue(person.id)
            return IntakeStep(StepStatus.FINISHED, role=role, editing=editing, labels=labels)
        await repo.save_dialogue(
            replace(dialogue, step=following.key, data=_data(role, labels)), self.clock.now()
        )
        return IntakeStep(StepStatus.ASK, role=role, question=following, labels=labels)

    async def edit_answer(self, person: Person, role: Role, key: str) -> IntakeStep:
        """`/profile`: ask one question again; the answer replaces the old one."""
        question = intake.question(role, key)
        if question is None:
            return IntakeStep(StepStatus.STALE)
        current = person.intake.get(key)
        selected = [str(v) for v in current] if isinstance(current, list) else []
        async with self.unit() as repo:
            open_now = await repo.dialogue(person.id)
            if (
                open_now is not None
                and (open_now.flow, open_now.step) == (INTAKE_FLOW, key)
                and open_now.data.get("editing")
                and open_now.data.get("role") == role.value
            ):
                # A second tap of the same «Change» (a double tap): asked once is enough.
                return IntakeStep(StepStatus.OPEN)
            labels = await _role_labels(repo, person.id, role)
            await repo.save_dialogue(
                Dialogue(
                    person.id,
                    INTAKE_FLOW,
                    key,
                    {**_data(role, labels), "editing": True, "selected": selected},
                ),
                self.clock.now(),
            )
        return IntakeStep(
            StepStatus.ASK,
            role=role,
            question=question,
            selected=tuple(selected),
            editing=True,
            labels=labels,
        )

    # pairing

    async def pair_candidates(self, actor: Actor, programme_id: int) -> Candidates | None:
        """Mentors with room and adepts without a mentor; for a region's coordinator, only
        the region's people."""
        if not may(actor, Action.PAIR, programme_id):
            return None
        region = allowed_scope(actor, Action.PAIR).cohort(programme_id)
        async with self.unit() as repo:
            mentors = await repo.members(programme_id, Role.MENTOR)
            adepts = await repo.members(programme_id, Role.ADEPT)
            left_out = await repo.left_out(programme_id)
            mine = await self._in_region(repo, programme_id, region)
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
        self, repo: Repository, programme_id: int, region: int | None
    ) -> Callable[[Membership], bool]:
        """Whether a member belongs to `region` (None: everyone of the programme), by
        `member_cohort`; the programme's cohorts are read only for a region."""
        if region is None:
            return lambda _membership: True
        default = _current_cohort(await repo.cohorts(programme_id), self.clock.now().date())
        return lambda membership: member_cohort(membership, default) == region

    async def create_pair(
        self, actor: Actor | None, programme_id: int, mentor_id: int, adept_id: int
    ) -> PairOutcome:
        """Pairs two people; `actor` None means the command line (the operator is trusted)."""
        if actor is not None and not may(actor, Action.PAIR, programme_id):
            return PairOutcome(PairProblem.NOT_ALLOWED)
        now = self.clock.now()
        async with self.unit() as repo:
            programme = await repo.programme(programme_id)
            if programme is None:
                return PairOutcome(PairProblem.NOT_ALLOWED)
            mentors = {p.id: (m, p, n) for m, p, n in await repo.members(programme_id, Role.MENTOR)}
            adepts = {p.id: (m, p, n) for m, p, n in await repo.members(programme_id, Role.ADEPT)}
            # A region's coordinator pairs the region's people only.
            region = allowed_scope(actor, Action.PAIR).cohort(programme_id) if actor else None
            mine = await self._in_region(repo, programme_id, region)
            if mentor_id not in mentors or adept_id not in adepts:
                # `members` holds only people who take part; say so if that is why.
                left_out = {
                    (m.person_id, m.role)
                    for m, _p, _no in await repo.left_out(programme_id)
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
                cohort = _current_cohort(await repo.cohorts(programme_id), now.date())
                if cohort is None:
                    return PairOutcome(PairProblem.NO_COHORT)
                cohort_id = cohort.id
            pair = await repo.add_pair(
                programme_id=programme_id,
                cohort_id=cohort_id,
                mentor_id=mentor_id,
                adept_id=adept_id,
                now=now,
            )
            await repo.enqueue(
                _introductions(pair, mentor, adept, programme, now, self.default_language), now
            )
            for person, role in ((mentor, Role.MENTOR), (adept, Role.ADEPT)):
                await _end_left_intake(repo, person, role, now)
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
        async with self.unit() as repo:
            return await repo.pair_views_in(scope)

    async def members(self, programme_id: int, role: Role) -> list[Person]:
        async with self.unit() as repo:
            return [person for _m, person, _n in await repo.members(programme_id, role)]


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
        language = texts.language_of(recipient, programme, default_language)
        queued.append(
            OutgoingMessage(
                idempotency_key=f"pair:{pair.id}:intro:{recipient.id}",
                chat_id=recipient.telegram_user_id,
                person_id=recipient.id,
                kind="introduction",
                text=texts.introduction(language, recipient_role, other, programme.role_labels),
                reply_markup=texts.continue_markup(language, pair.id, first=True),
                not_before=when,
            )
        )
    return queued


async def _merge_imported(
    repo: Repository, person_id: int, imported: dict[str, object] | None
) -> dict[str, object]:
    """The person's intake answers with the spreadsheet's added; their own answers win."""
    fresh = await repo.person(person_id)
    answers: dict[str, object] = dict(fresh.intake) if fresh else {}
    if imported:
        merged = {**imported, **answers}
        if merged != answers:
            await repo.update_person(person_id, intake=merged)
        answers = merged
    return answers


async def _end_left_intake(repo: Repository, person: Person, role: Role, now: datetime) -> None:
    """Someone paired who left the intake halfway has skipped the rest: the questions
    left count as skipped, so neither their typing now nor a later invite asks again."""
    dialogue = await repo.dialogue(person.id)
    if (
        dialogue is None
        or dialogue.flow != INTAKE_FLOW
        or dialogue.step == CONSENT_STEP
        or dialogue.data.get("editing")
    ):
        return
    answers = dict(person.intake)
    for question in intake.questions_for(Role(dialogue.data.get("role", role.value))):
        answers.setdefault(question.key, None)
    await repo.update_person(person.id, intake=answers)
    await repo.clear_dialogue(person.id)


def _first_unanswered(
    role: Role, answers: dict[str, object], *, after: str | None = None
) -> intake.Question | None:
    """The next question (after `after`) not answered yet: a skip counts as an answer,
    and so does what the coordinator's spreadsheet said."""
    question = intake.next_question(role, after)
    while question is not None and question.key in answers:
        question = intake.next_question(role, question.key)
    return question


def _data(role: Role, labels: str) -> dict[str, object]:
    return {"role": role.value, "labels": labels, "selected": []}


def _labels_of(dialogue: Dialogue) -> str:
    """The role words the intake dialogue speaks (the default words if it did not say)."""
    labels = dialogue.data.get("labels")
    return labels if labels in RoleLabels.ALL else RoleLabels.MENTOR


async def _role_labels(repo: Repository, person_id: int, role: Role | None = None) -> str:
    """The role words of a person's programmes (as `role`, if given); see RoleLabels.common."""
    ids = {m.programme_id for m in await repo.memberships(person_id) if role in (None, m.role)}
    if not ids:
        return RoleLabels.MENTOR
    return RoleLabels.common(p.role_labels for p in await repo.programmes(ids))


def _step_of(dialogue: Dialogue) -> IntakeStep:
    role = Role(dialogue.data["role"])
    editing = bool(dialogue.data.get("editing"))
    labels = _labels_of(dialogue)
    if dialogue.step == CONSENT_STEP:
        return IntakeStep(StepStatus.ASK, role=role, labels=labels)
    question = intake.question(role, dialogue.step)
    selected = tuple(str(v) for v in dialogue.data.get("selected", []))
    return IntakeStep(
        StepStatus.ASK,
        role=role,
        question=question,
        selected=selected,
        editing=editing,
        labels=labels,
    )


def member_cohort(membership: Membership, current: Cohort | None) -> int | None:
    """The cohort a member belongs to: their invitation's, else the programme's current
    one (as a pair made of them is placed). Pairing and matching count people by it."""
    if membership.cohort_id is not None:
        return membership.cohort_id
    return current.id if current else None


def _current_cohort(cohorts: Sequence[Cohort], today: date) -> Cohort | None:
    running = [c for c in cohorts if c.starts_on <= today <= c.ends_on]
    if running:
        return max(running, key=lambda c: c.starts_on)
    upcoming = [c for c in cohorts if c.starts_on > today]
    if upcoming:
        return min(upcoming, key=lambda c: c.starts_on)
    return max(cohorts, key=lambda c: c.ends_on) if cohorts else None


current_cohort = _current_cohort


def _name(first_name: str) -> str:
    cleaned = intake.clean_text(first_name)[:128]
    return cleaned or "?"
