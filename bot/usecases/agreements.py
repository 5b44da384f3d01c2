"""Use cases for the start of a relationship: goals, the expectation check, the comparison,
the agreement, its reminders and the three-month re-check.

Each method is one transaction. Messages to the *other* party and to coordinators go
through the outbox in that same transaction; the caller renders its own reply.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from bot.domain import agreement as rules
from bot.domain import policy
from bot.domain.agreement import Round, Step
from bot.domain.alerts import Mismatch
from bot.domain.intake import AnswerProblem, Kind, Question, clean_text, toggle
from bot.domain.model import (
    AgreementText,
    Dialogue,
    OutgoingMessage,
    PairStart,
    PairState,
    Person,
    Role,
)
from bot.domain.stall import Stall
from bot.runtime.clock import Clock
from bot.texts import agreements as texts
from bot.texts.common import language_of
from bot.usecases.alerts import Alerts, mismatch_of
from bot.usecases.refusal import Refusal
from bot.usecases.ticking import StepPlan, TickContext
from storage.db import Database
from storage.uow import UnitOfWork

GOALS_FLOW = "goals"


class Problem(StrEnum):
    NOT_YOURS = "not_yours"  # the presser is not a party of this pair
    STALE = "stale"  # a button from an earlier step
    NO_GOALS = "no_goals"
    TOO_MANY_GOALS = "too_many_goals"
    GOAL_TOO_LONG = "goal_too_long"
    EMPTY = "empty"


@dataclass(frozen=True)
class Screen:
    """What a party should see now for one pair."""

    step: Step
    start: PairStart
    person: Person
    other: Person
    round: Round = Round.START
    question: Question | None = None
    selected: tuple[str, ...] = ()
    goals: tuple[str, ...] = ()
    suggestions: tuple[str, ...] = ()
    agreement: AgreementText | None = None
    comparison: rules.Comparison | None = None  # shown once, right after both have answered
    problem: Problem | None = None
    # The goals screen of a plan already set (/goals later on): changes are kept with
    # their dates and the mentor hears of them in the next weekly note.
    editing: bool = False
    saved: bool | None = None  # editing ended with «Done»: True when something changed
    became_active: bool = False
    finished: Round | None = None  # the person just gave their last answer of this round

    @property
    def role(self) -> Role:
        role = self.start.view.pair.party_role(self.person.id)
        assert role is not None
        return role


@dataclass
class _Outgoing:
    messages: list[OutgoingMessage] = field(default_factory=list)


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Agreements:
    def __init__(
        self, db: Database, clock: Clock, *, default_language: str, alerts: Alerts | None = None
    ) -> None:
        self.db = db
        self.clock = clock
        self.default_language = default_language
        self.alerts = alerts

    async def _load(self, uow: UnitOfWork, pair_id: int) -> PairStart | None:
        starts = await uow.agreements.pair_starts(
            states=[PairState.AWAITING_AGREEMENT, PairState.ACTIVE, PairState.PAUSED],
            pair_id=pair_id,
        )
        return starts[0] if starts else None

    async def _screen(
        self, uow: UnitOfWork, start: PairStart, person: Person, **extra: Any
    ) -> Screen:
        pair = start.view.pair
        role = pair.party_role(person.id)
        assert role is not None
        other = start.view.adept if role is Role.MENTOR else start.view.mentor
        me = start.view.mentor if role is Role.MENTOR else start.view.adept
        if pair.state is PairState.ACTIVE and rules.recheck_due(
            pair.activated_at, self.clock.now()
        ):
            mine = start.expectation(person.id, Round.RECHECK)
            if mine is None or mine.completed_at is None:
                answers = mine.answers if mine else {}
                q = rules.next_question(Round.RECHECK, _final(answers))
                return Screen(
                    Step.EXPECTATIONS,
                    start,
                    me,
                    other,
                    round=Round.RECHECK,
                    question=q,
                    selected=_pending(answers),
                    **extra,
                )
        mine = start.expectation(person.id, Round.START)
        step = _step_of(start, person.id)
        if step is Step.GOALS:
            dialogue = await uow.dialogues.dialogue(person.id)
            draft = (
                tuple(dialogue.data.get("goals", ()))
                if dialogue
                and dialogue.flow == GOALS_FLOW
                and dialogue.data.get("pair_id") == pair.id
                else tuple(pair.goals or ())
            )
            suggestions = tuple(o.key for o in rules.goal_suggestions(me.intake))
            return Screen(step, start, me, other, goals=draft, suggestions=suggestions, **extra)
        if step is Step.EXPECTATIONS:
            answers = mine.answers if mine else {}
            q = rules.next_question(Round.START, _final(answers))
            return Screen(step, start, me, other, question=q, selected=_pending(answers), **extra)
        if step is Step.CONFIRM or step is Step.DONE:
            agreement = await self._agreement_for(uow, start, person.id)
            return Screen(
                step, start, me, other, goals=tuple(pair.goals or ()), agreement=agreement, **extra
            )
        return Screen(step, start, me, other, goals=tuple(pair.goals or ()), **extra)

    async def _agreement_for(
        self, uow: UnitOfWork, start: PairStart, person_id: int
    ) -> AgreementText:
        """The version this person confirmed, or else the programme's newest."""
        confirmed = next((c for c in start.confirmations if c.person_id == person_id), None)
        if confirmed is not None and confirmed.agreement_version != rules.BUILTIN_AGREEMENT:
            kept = await uow.agreements.agreement_version(
                start.programme.id, confirmed.agreement_version
            )
            if kept is not None:
                return kept
        if confirmed is not None:
            return AgreementText(rules.BUILTIN_AGREEMENT, None)
        latest = await uow.agreements.latest_agreement(start.programme.id)
        return latest or AgreementText(rules.BUILTIN_AGREEMENT, None)

    async def screen(self, person: Person, pair_id: int) -> Screen | Refusal[Problem]:
        async with self.db.unit() as uow:
            start = await self._load(uow, pair_id)
            if start is None or start.view.pair.party_role(person.id) is None:
                return Refusal(Problem.NOT_YOURS)
            screen = await self._screen(uow, start, person)
            if screen.step is Step.GOALS:
                # Open for typing from the first look, not only after a first tap.
                await self._open_goals(uow, start, person, screen.goals)
            return screen

    async def _open_goals(
        self, uow: UnitOfWork, start: PairStart, person: Person, draft: Sequence[str]
    ) -> None:
        await uow.dialogues.save_dialogue(
            Dialogue(
                person.id,
                GOALS_FLOW,
                "goals",
                {"pair_id": start.view.pair.id, "goals": list(draft)},
            ),
            self.clock.now(),
        )

    async def _goals_screen(
        self, uow: UnitOfWork, start: PairStart, person: Person, **extra: Any
    ) -> Screen:
        """The goals as being written: at the start, or a plan already set being changed."""
        editing = _step_of(start, person.id) is not Step.GOALS
        screen = await self._screen(uow, start, person)
        draft = await self._draft(uow, start, person)
        suggestions = tuple(o.key for o in rules.goal_suggestions(start.view.adept.intake))
        return replace(
            screen,
            step=Step.GOALS,
            goals=draft,
            suggestions=suggestions,
            editing=editing,
            agreement=None,
            question=None,
            **extra,
        )

    async def current_pairs(self, person: Person) -> list[int]:
        async with self.db.unit() as uow:
            return [v.pair.id for v in await uow.pairs.pairs_of_person(person.id)]

    # goals

    async def toggle_goal(
        self, person: Person, pair_id: int, option: str
    ) -> Screen | Refusal[Problem]:
        async with self.db.unit() as uow:
            start = await self._load(uow, pair_id)
            if start is None or start.view.pair.adept_id != person.id:
                return Refusal(Problem.NOT_YOURS)
            now = self.clock.now()
            editing = _step_of(start, person.id) is not Step.GOALS
            dialogue = await uow.dialogues.dialogue(person.id)
            if editing and not _writing_goals(dialogue, pair_id):
                # A button of a goals screen closed since: the plan is not being edited.
                return Refusal(Problem.STALE)
            draft = list(await self._draft(uow, start, person))
            if option == "done":
                if not draft:
                    return await self._goals_screen(uow, start, person, problem=Problem.NO_GOALS)
                before = list(start.view.pair.goals or ())
                await uow.pairs.change_goals(pair_id, draft, now, tell=editing)
                await uow.dialogues.clear_dialogue(person.id)
                start = await self._load(uow, pair_id)
                assert start is not None
                if editing:
                    return replace(
                        await self._screen(uow, start, person),
                        step=Step.GOALS,
                        goals=tuple(draft),
                        editing=True,
                        saved=draft != before,
                    )
                return await self._screen(uow, start, person)
            if option == "clear":
                draft = []
            elif option.startswith("x") and option[1:].isdigit():
                index = int(option[1:])
                if index >= len(draft):
                    return Refusal(Problem.STALE)
                del draft[index]
            else:
                goal = rules.suggestion_goal(option)
                if rules.goal_suggestion(goal) is None:
                    return Refusal(Problem.STALE)
                if goal in draft:
                    draft.remove(goal)
                elif len(draft) >= policy.MAX_GOALS:
                    return await self._goals_screen(
                        uow, start, person, problem=Problem.TOO_MANY_GOALS
                    )
                else:
                    draft.append(goal)
            await uow.dialogues.save_dialogue(
                Dialogue(person.id, GOALS_FLOW, "goals", {"pair_id": pair_id, "goals": draft}), now
            )
            return await self._goals_screen(uow, start, person)

    async def _draft(self, uow: UnitOfWork, start: PairStart, person: Person) -> tuple[str, ...]:
        dialogue = await uow.dialogues.dialogue(person.id)
        if (
            dialogue
            and dialogue.flow == GOALS_FLOW
            and dialogue.data.get("pair_id") == start.view.pair.id
        ):
            return tuple(dialogue.data.get("goals", ()))
        return tuple(start.view.pair.goals or ())

    async def goal_text(self, person: Person, text: str) -> Screen | Refusal[Problem] | None:
        """A typed goal; None when the person is not writing goals."""
        async with self.db.unit() as uow:
            dialogue = await uow.dialogues.dialogue(person.id)
            if dialogue is None or dialogue.flow != GOALS_FLOW:
                return None
            start = await self._load(uow, int(dialogue.data["pair_id"]))
            if start is None or start.view.pair.adept_id != person.id:
                await uow.dialogues.clear_dialogue(person.id)
                return None
            goal = clean_text(text)
            draft = list(dialogue.data.get("goals", ()))
            problem = (
                Problem.EMPTY
                if not goal
                else Problem.GOAL_TOO_LONG
                if len(goal) > policy.MAX_GOAL_LENGTH
                else Problem.TOO_MANY_GOALS
                if len(draft) >= policy.MAX_GOALS
                else None
            )
            if problem is None:
                draft.append(goal)
                await uow.dialogues.save_dialogue(
                    replace(dialogue, data={**dialogue.data, "goals": draft}), self.clock.now()
                )
            return await self._goals_screen(uow, start, person, problem=problem)

    async def edit_goals(self, person: Person) -> Screen | Refusal[Problem]:
        """`/goals`: the adept's goals of their current pair, open for changes."""
        async with self.db.unit() as uow:
            views = [
                v
                for v in await uow.pairs.pairs_of_person(person.id)
                if v.pair.adept_id == person.id
            ]
            if not views:
                return Refusal(Problem.NOT_YOURS)
            start = await self._load(uow, views[0].pair.id)
            assert start is not None
            await self._open_goals(uow, start, person, start.view.pair.goals or ())
            return await self._goals_screen(uow, start, person)

    # the expectation check

    async def answer(
        self, person: Person, pair_id: int, round_: Round, key: str, option: str
    ) -> Screen | Refusal[Problem]:
        async with self.db.unit() as uow:
            start = await self._load(uow, pair_id)
            if start is None or start.view.pair.party_role(person.id) is None:
                return Refusal(Problem.NOT_YOURS)
            current = await self._screen(uow, start, person)
            q = current.question
            if (
                current.step is not Step.EXPECTATIONS
                or current.round is not round_
                or q is None
                or q.key != key
            ):
                return Refusal(Problem.STALE)
            mine = start.expectation(person.id, round_)
            answers = dict(mine.answers) if mine else {}
            if q.kind is Kind.MULTI and option != "done":
                toggled = toggle(list(answers.get("_pending", [])), q, option)
                if isinstance(toggled, AnswerProblem):
                    return Refusal(Problem.STALE)
                answers["_pending"] = toggled
            elif q.kind is Kind.MULTI:
                answers[key] = list(answers.pop("_pending", []))
            elif q.option(option) is not None:
                answers[key] = option
            else:
                return Refusal(Problem.STALE)
            complete = rules.next_question(round_, _final(answers)) is None
            now = self.clock.now()
            await uow.agreements.save_expectation(
                pair_id=pair_id,
                person_id=person.id,
                round_=round_.value,
                answers=answers,
                completed=complete,
                now=now,
            )
            start = await self._load(uow, pair_id)
            assert start is not None
            if not complete:
                return await self._screen(uow, start, person)
            comparison = await self._after_answers(uow, start, person, round_, now)
            return await self._screen(uow, start, person, comparison=comparison, finished=round_)

    async def _after_answers(
        self, uow: UnitOfWork, start: PairStart, person: Person, round_: Round, now: datetime
    ) -> rules.Comparison | None:
        """When both have answered: compare, tell the other party, alert the coordinators."""
        pair = start.view.pair
        other_id = pair.other(person.id)
        mentor = start.expectation(pair.mentor_id, round_)
        adept = start.expectation(pair.adept_id, round_)
        if not (mentor and mentor.completed_at and adept and adept.completed_at):
            return None
        comparison = rules.compare(round_, _final(mentor.answers), _final(adept.answers))
        other = start.view.adept if other_id == pair.adept_id else start.view.mentor
        when = start.programme.rules.allowed(now)
        outgoing: list[OutgoingMessage] = []
        if other.telegram_user_id is not None:
            language = language_of(other, start.programme, self.default_language)
            outgoing.append(
                OutgoingMessage(
                    idempotency_key=f"pair:{pair.id}:compare:{round_.value}:{other.id}",
                    chat_id=other.telegram_user_id,
                    person_id=other.id,
                    kind="comparison",
                    text=texts.comparison_notice(language, start, other, comparison, round_),
                    reply_markup=texts.continue_markup(language, pair.id)
                    if round_ is Round.START
                    else None,
                    not_before=when,
                )
            )
        await uow.outbox.enqueue(outgoing, now)
        if comparison.alerts and self.alerts is not None:
            # The coordinator hears at once, through the same alert the tick would open.
            since, keys, answers, round_name = mismatch_of(start)
            if since is not None:
                stall = Stall(since, Mismatch(round_name, keys, answers))
                await self.alerts.open_now(uow, pair.id, stall, now)
        return comparison

    # the agreement

    async def confirm(self, person: Person, pair_id: int) -> Screen | Refusal[Problem]:
        async with self.db.unit() as uow:
            start = await self._load(uow, pair_id)
            if start is None or start.view.pair.party_role(person.id) is None:
                return Refusal(Problem.NOT_YOURS)
            current = await self._screen(uow, start, person)
            if current.step is not Step.CONFIRM or current.agreement is None:
                return Refusal(Problem.STALE)
            now = self.clock.now()
            language = language_of(current.person, start.programme, self.default_language)
            shown = texts.agreement_body(language, start, current.agreement)
            await uow.agreements.add_confirmation(
                pair_id=pair_id,
                person_id=person.id,
                version=current.agreement.version,
                text_sha256=text_sha256(shown),
                now=now,
            )
            start = await self._load(uow, pair_id)
            assert start is not None
            pair = start.view.pair
            activated = False
            if start.confirmed(pair.mentor_id) and start.confirmed(pair.adept_id):
                activated = await uow.pairs.activate_pair(pair_id, now)
                other = current.other
                if activated and other.telegram_user_id is not None:
                    other_language = language_of(other, start.programme, self.default_language)
                    await uow.outbox.enqueue(
                        [
                            OutgoingMessage(
                                idempotency_key=f"pair:{pair.id}:ready:{other.id}",
                                chat_id=other.telegram_user_id,
                                person_id=other.id,
                                kind="ready",
                                text=texts.ready(other_language, current.person),
                                not_before=start.programme.rules.allowed(now),
                            )
                        ],
                        now,
                    )
            start = await self._load(uow, pair_id)
            assert start is not None
            return await self._screen(uow, start, person, became_active=activated)

    async def agreement_of(self, person: Person) -> tuple[Screen, AgreementText] | None:
        """`/agreement` for a participant: the version they confirmed, else the current one."""
        async with self.db.unit() as uow:
            views = await uow.pairs.pairs_of_person(person.id)
            if not views:
                return None
            start = await self._load(uow, views[0].pair.id)
            if start is None:
                return None
            screen = await self._screen(uow, start, person)
            return screen, await self._agreement_for(uow, start, person.id)

    async def set_agreement_text(self, programme_id: int, text: str) -> str | Problem:
        cleaned = "\n".join(line.rstrip() for line in text.strip().splitlines()).strip()
        if not cleaned:
            return Problem.EMPTY
        if len(cleaned) > policy.MAX_AGREEMENT_TEXT:
            return Problem.GOAL_TOO_LONG
        async with self.db.unit() as uow:
            return await uow.agreements.add_agreement_text(programme_id, cleaned, self.clock.now())

    async def current_agreement(self, programme_id: int) -> AgreementText:
        async with self.db.unit() as uow:
            latest = await uow.agreements.latest_agreement(programme_id)
        return latest or AgreementText(rules.BUILTIN_AGREEMENT, None)

    # what the tick asks

    async def plan_tick(self, t: TickContext) -> StepPlan:
        """The agreements' step: reminders for unfinished parts, and the three-month
        re-check (planned again at every tick until it is answered), for the pairs the
        tick looks at; no statement of its own."""
        due: list[OutgoingMessage] = []
        for start in t.starts:
            if start.view.pair.state in (PairState.AWAITING_AGREEMENT, PairState.ACTIVE):
                due.extend(self._due_for(start, t.now))
        return StepPlan(messages=due)

    def _due_for(self, start: PairStart, now: datetime) -> list[OutgoingMessage]:
        pair = start.view.pair
        when = start.programme.rules.allowed(now)
        due = []
        for person in (start.view.mentor, start.view.adept):
            if person.telegram_user_id is None or person.unreachable_since is not None:
                continue
            language = language_of(person, start.programme, self.default_language)
            if pair.state is PairState.AWAITING_AGREEMENT:
                step = _step_of(start, person.id)
                number = rules.reminder_due(pair.created_at, now)
                if number is None or step in (Step.WAIT, Step.DONE):
                    continue
                other = start.view.adept if person.id == pair.mentor_id else start.view.mentor
                due.append(
                    OutgoingMessage(
                        idempotency_key=f"pair:{pair.id}:agreement-reminder:{number}:{person.id}",
                        chat_id=person.telegram_user_id,
                        person_id=person.id,
                        kind="agreement_reminder",
                        text=texts.agreement_reminder(language, other),
                        reply_markup=texts.continue_markup(language, pair.id),
                        not_before=when,
                    )
                )
            elif (
                rules.recheck_due(pair.activated_at, now)
                and start.expectation(person.id, Round.RECHECK) is None
            ):
                due.append(
                    OutgoingMessage(
                        idempotency_key=f"pair:{pair.id}:recheck:{person.id}",
                        chat_id=person.telegram_user_id,
                        person_id=person.id,
                        kind="recheck",
                        text=texts.recheck_invitation(language),
                        reply_markup=texts.continue_markup(language, pair.id),
                        not_before=when,
                    )
                )
        return due

    async def overdue_pairs(self, programme_ids: Sequence[int] | None = None) -> list[PairStart]:
        """Pairs stalled because the agreement is not confirmed by both in time."""
        now = self.clock.now()
        async with self.db.unit() as uow:
            starts = await uow.agreements.pair_starts(states=[PairState.AWAITING_AGREEMENT])
        return [
            s
            for s in starts
            if rules.agreement_overdue(s.view.pair.created_at, now)
            and (programme_ids is None or s.programme.id in programme_ids)
        ]


def _step_of(start: PairStart, person_id: int) -> Step:
    pair = start.view.pair
    role = pair.party_role(person_id)
    assert role is not None
    mine = start.expectation(person_id, Round.START)
    theirs = start.expectation(pair.other(person_id), Round.START)
    return rules.next_step(
        rules.Progress(
            role=role,
            has_goals=bool(pair.goals),
            answered=bool(mine and mine.completed_at),
            other_answered=bool(theirs and theirs.completed_at),
            confirmed=start.confirmed(person_id),
        )
    )


def _writing_goals(dialogue: Dialogue | None, pair_id: int) -> bool:
    return (
        dialogue is not None
        and dialogue.flow == GOALS_FLOW
        and dialogue.data.get("pair_id") == pair_id
    )


def _final(answers: dict[str, Any]) -> dict[str, Any]:
    """Answers without the selection still being made."""
    return {k: v for k, v in answers.items() if not k.startswith("_")}


def _pending(answers: dict[str, Any]) -> tuple[str, ...]:
    return tuple(str(v) for v in answers.get("_pending", ()))
