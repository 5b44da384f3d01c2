"""Use cases of joining: programmes and invites, who is asking (the actor, an arrival),
joining by invite link, consent, the intake dialogue and the language. Pairing is
bot/usecases/pairing.py. Each method is one unit of work (one transaction) that handlers
and the CLI call.

Rules live in ``bot.domain``; SQL lives in ``storage``; this module joins them
and decides what is queued in the outbox.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum

from bot.domain import intake, policy
from bot.domain.access import Action, Actor, allowed_scope
from bot.domain.dates import add_months
from bot.domain.invites import (
    InviteProblem,
    hash_token,
    invite_problem,
    looks_like_token,
    new_token,
)
from bot.domain.model import (
    Cohort,
    Dialogue,
    Person,
    Programme,
    Role,
)
from bot.domain.programmes import RoleLabels
from bot.domain.withdrawal import TO_A_PARTY
from bot.runtime.clock import Clock
from storage.db import Database
from storage.uow import UnitOfWork

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
        async with self.db.unit() as uow:
            programme = await uow.programmes.create_programme(
                name=name.strip(), timezone=timezone, language=language, now=now
            )
            cohort = await uow.programmes.create_cohort(
                programme_id=programme.id,
                name=name.strip(),
                starts_on=first_day,
                ends_on=last_day,
                now=now,
            )
        return programme, cohort

    async def programme(self, programme_id: int) -> Programme | None:
        async with self.db.unit() as uow:
            return await uow.programmes.programme(programme_id)

    async def programmes(self, ids: Iterable[int] | None = None) -> list[Programme]:
        """All programmes, or those with these ids (one statement either way)."""
        async with self.db.unit() as uow:
            return await uow.programmes.programmes(ids)

    async def role_labels(self, person_id: int, role: Role | None = None) -> str:
        """The role words to use with a person outside any one pair (/goals, /profile, /help):
        those of their programmes (where they are `role`, if given)."""
        async with self.db.unit() as uow:
            return await _role_labels(uow, person_id, role)

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
        async with self.db.unit() as uow:
            if cohort_id is None and role is not Role.COORDINATOR:
                cohort = _current_cohort(await uow.programmes.cohorts(programme_id), now.date())
                cohort_id = cohort.id if cohort else None
            await uow.invites.add_invites(
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
        async with self.db.unit() as uow:
            found = await uow.people.arrival(telegram_user_id)
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
        async with self.db.unit() as uow:
            if not await uow.updates.first_time_update(update_id, now):
                return Arrival(first_time=False, actor=None)
            if user is None:
                return Arrival(first_time=True, actor=None)
            found = await uow.people.arrival(user.id)
            if found is None:
                return Arrival(first_time=True, actor=None)
            person, memberships, dialogue, programme_language = found
            if reachable is False and person.unreachable_since is None:
                await uow.people.mark_unreachable(person.id, now)
                person = replace(person, unreachable_since=now)
            changes = _seen_changes(person, user) if reachable else {}
            if changes:
                await uow.people.update_person(person.id, **changes)
                if "unreachable_since" in changes:
                    # What was lost to the block and still matters is offered again.
                    await uow.outbox.offer_again(
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
        async with self.db.unit() as uow:
            await uow.people.update_person(person_id, language=language)

    # joining by invite link

    async def join(self, user: TelegramUser, token: str) -> JoinOutcome:
        now = self.clock.now()
        if not looks_like_token(token):
            return JoinOutcome(problem=InviteProblem.UNKNOWN)
        async with self.db.unit() as uow:
            invite = await uow.invites.invite_by_hash(hash_token(token))
            person = await uow.people.person_by_telegram_id(user.id)
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
            programme = await uow.programmes.programme(invite.programme_id)
            if programme is None:
                return JoinOutcome(problem=InviteProblem.UNKNOWN)
            if person is None:
                person = await uow.people.add_person(
                    telegram_user_id=user.id,
                    first_name=_name(user.first_name),
                    last_name=user.last_name,
                    telegram_language=user.language_code,
                    now=now,
                )
            already = any(
                m.programme_id == programme.id and m.role is invite.role
                for m in await uow.people.memberships(person.id)
            )
            if not already and not await uow.invites.use_invite(invite.id, person.id, now):
                return JoinOutcome(problem=InviteProblem.USED)
            await uow.people.add_membership(
                person_id=person.id,
                programme_id=programme.id,
                cohort_id=invite.cohort_id,
                role=invite.role,
                now=now,
            )
            # Answers from the coordinator's spreadsheet (`mentorbot import`), if any.
            imported = await uow.roster.imported_answers(invite.id)
            dialogue = await self._start_intake(
                uow, person, invite.role, now, imported, programme.role_labels
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
        uow: UnitOfWork,
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
            answers = await _merge_imported(uow, person.id, imported)
            first = _first_unanswered(role, answers)
            step = first.key if first else None
        if step is None:
            await uow.dialogues.clear_dialogue(person.id)
            return None
        dialogue = Dialogue(person.id, INTAKE_FLOW, step, data)
        await uow.dialogues.save_dialogue(dialogue, now)
        return dialogue

    # the intake dialogue

    async def current_step(self, person_id: int) -> IntakeStep | None:
        async with self.db.unit() as uow:
            dialogue = await uow.dialogues.dialogue(person_id)
        # Another flow (a comment, a date, a message) is not an intake step.
        return _step_of(dialogue) if dialogue and dialogue.flow == INTAKE_FLOW else None

    async def consent(self, person: Person, agreed: bool) -> IntakeStep:
        now = self.clock.now()
        async with self.db.unit() as uow:
            dialogue = await uow.dialogues.dialogue(person.id)
            if dialogue is None or dialogue.step != CONSENT_STEP:
                return IntakeStep(StepStatus.STALE)
            role = Role(dialogue.data["role"])
            labels = _labels_of(dialogue)
            if not agreed:
                await uow.dialogues.clear_dialogue(person.id)
                return IntakeStep(StepStatus.DECLINED, role=role, labels=labels)
            await uow.people.update_person(
                person.id, consent_version=CONSENT_VERSION, consented_at=now
            )
            imported = dialogue.data.get("imported")
            answers = await _merge_imported(
                uow, person.id, imported if isinstance(imported, dict) else None
            )
            first = _first_unanswered(role, answers)
            if first is None:
                await uow.dialogues.clear_dialogue(person.id)
                return IntakeStep(StepStatus.FINISHED, role=role, labels=labels)
            await uow.dialogues.save_dialogue(
                replace(dialogue, step=first.key, data=_data(role, labels)), now
            )
        return IntakeStep(StepStatus.ASK, role=role, question=first, labels=labels)

    async def answer_text(self, person: Person, text: str) -> IntakeStep | None:
        """A typed answer; None when the person is not in the intake dialogue."""
        async with self.db.unit() as uow:
            dialogue = await uow.dialogues.dialogue(person.id)
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
                await uow.dialogues.save_dialogue(
                    replace(dialogue, data={**dialogue.data, "selected": selected}),
                    self.clock.now(),
                )
                return replace(step, selected=tuple(selected))
            if question.kind is intake.Kind.CHOICE:
                return replace(
                    step, status=StepStatus.PROBLEM, problem=intake.AnswerProblem.NOT_AN_OPTION
                )
            return await self._store_and_advance(uow, person, dialogue, question, answer)

    async def choose(self, person: Person, key: str, option: str) -> IntakeStep:
        """A button of the question `key`: an option, ``skip`` or ``done``."""
        async with self.db.unit() as uow:
            dialogue = await uow.dialogues.dialogue(person.id)
            if dialogue is None or dialogue.flow != INTAKE_FLOW or dialogue.step != key:
                return IntakeStep(StepStatus.STALE)
            step = _step_of(dialogue)
            question = step.question
            if question is None:
                return IntakeStep(StepStatus.STALE)
            if option == "skip":
                return await self._store_and_advance(uow, person, dialogue, question, None)
            if option == "done" and question.kind is intake.Kind.MULTI:
                selected = list(dialogue.data.get("selected", []))
                return await self._store_and_advance(
                    uow, person, dialogue, question, selected or None
                )
            if question.kind is intake.Kind.CHOICE and question.option(option):
                return await self._store_and_advance(uow, person, dialogue, question, option)
            if question.kind is intake.Kind.MULTI:
                toggled = intake.toggle(list(dialogue.data.get("selected", [])), question, option)
                if isinstance(toggled, intake.AnswerProblem):
                    return IntakeStep(StepStatus.STALE)
                await uow.dialogues.save_dialogue(
                    replace(dialogue, data={**dialogue.data, "selected": toggled}),
                    self.clock.now(),
                )
                return replace(step, selected=tuple(toggled))
            return IntakeStep(StepStatus.STALE)

    async def _store_and_advance(
        self,
        uow: UnitOfWork,
        person: Person,
        dialogue: Dialogue,
        question: intake.Question,
        answer: object,
    ) -> IntakeStep:
        role = Role(dialogue.data["role"])
        labels = _labels_of(dialogue)
        editing = bool(dialogue.data.get("editing"))
        fresh = await uow.people.person(person.id)
        answers = dict(fresh.intake if fresh else person.intake)
        # A skipped question is stored as None so it is not asked again at the next join.
        answers[question.key] = answer
        await uow.people.update_person(person.id, intake=answers)
        following = None if editing else _first_unanswered(role, answers, after=question.key)
        if following is None:
            await uow.dialogues.clear_dialogue(person.id)
            return IntakeStep(StepStatus.FINISHED, role=role, editing=editing, labels=labels)
        await uow.dialogues.save_dialogue(
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
        async with self.db.unit() as uow:
            open_now = await uow.dialogues.dialogue(person.id)
            if (
                open_now is not None
                and (open_now.flow, open_now.step) == (INTAKE_FLOW, key)
                and open_now.data.get("editing")
                and open_now.data.get("role") == role.value
            ):
                # A second tap of the same «Change» (a double tap): asked once is enough.
                return IntakeStep(StepStatus.OPEN)
            labels = await _role_labels(uow, person.id, role)
            await uow.dialogues.save_dialogue(
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


async def _merge_imported(
    uow: UnitOfWork, person_id: int, imported: dict[str, object] | None
) -> dict[str, object]:
    """The person's intake answers with the spreadsheet's added; their own answers win."""
    fresh = await uow.people.person(person_id)
    answers: dict[str, object] = dict(fresh.intake) if fresh else {}
    if imported:
        merged = {**imported, **answers}
        if merged != answers:
            await uow.people.update_person(person_id, intake=merged)
        answers = merged
    return answers


async def end_left_intake(uow: UnitOfWork, person: Person, role: Role, now: datetime) -> None:
    """Someone paired (bot/usecases/pairing.py) who left the intake halfway has skipped the rest: the questions
    left count as skipped, so neither their typing now nor a later invite asks again."""
    dialogue = await uow.dialogues.dialogue(person.id)
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
    await uow.people.update_person(person.id, intake=answers)
    await uow.dialogues.clear_dialogue(person.id)


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


async def _role_labels(uow: UnitOfWork, person_id: int, role: Role | None = None) -> str:
    """The role words of a person's programmes (as `role`, if given); see RoleLabels.common."""
    ids = {
        m.programme_id for m in await uow.people.memberships(person_id) if role in (None, m.role)
    }
    if not ids:
        return RoleLabels.MENTOR
    return RoleLabels.common(p.role_labels for p in await uow.programmes.programmes(ids))


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
