"""Use cases of a cohort's end: the tick's notices, evaluations and reminders; answering
the evaluation; outcomes recorded by a coordinator.

Each method is one transaction. Evaluation answers are read by coordinators only (in
the report) and are never shown to the other party.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from bot.domain import evaluation as rules
from bot.domain import policy
from bot.domain.access import Scope
from bot.domain.evaluation import Act, Due, Evaluation, Question
from bot.domain.model import AlertStatus, Dialogue, OutgoingMessage, PairView, Person
from bot.domain.report import Options as ReportOptions
from bot.domain.report import Report, build_report
from bot.runtime.clock import Clock
from bot.runtime.i18n import use_language
from bot.texts import evaluation as evaluation_texts
from bot.texts.common import goal_label, language_of, local_day
from bot.usecases.refusal import Refusal
from bot.usecases.ticking import StepPlan, TickContext
from storage.db import Database
from storage.evaluation import ClosingPair
from storage.report import report_data
from storage.uow import UnitOfWork

EVALUATION_FLOW = "evaluation"


class Problem(StrEnum):
    NOT_YOURS = "not_yours"  # no evaluation of this person for this pair
    STALE = "stale"  # an old or forged button
    FINISHED = "finished"
    TOO_LONG = "too_long"
    UNKNOWN_PAIR = "unknown_pair"
    BAD_KIND = "bad_kind"
    UNKNOWN_PROGRAMME = "unknown_programme"


@dataclass(frozen=True)
class Screen:
    """Where one party is in their evaluation: the next question, or None when done."""

    evaluation: Evaluation
    view: PairView
    question: Question | None
    labels: str = "mentor"  # the programme's role words

    @property
    def is_mentor(self) -> bool:
        return self.evaluation.person_id == self.view.pair.mentor_id

    def render(self) -> tuple[str, dict[str, Any]] | None:
        if self.question is None:
            return None
        return evaluation_texts.question(
            self.view.pair.id,
            self.question,
            is_mentor=self.is_mentor,
            adept=self.view.adept,
            goals=self.evaluation.goals,
            labels=self.labels,
        )


@dataclass(frozen=True)
class ClosingPlan:
    messages: list[OutgoingMessage] = field(default_factory=list)
    dues: list[Due] = field(default_factory=list)
    pairs: dict[int, ClosingPair] = field(default_factory=dict)
    to_end: list[int] = field(default_factory=list)

    @property
    def busy(self) -> list[tuple[int, datetime]]:
        """(person, when) of the participants' messages: they fill today's slot."""
        return [(d.person_id, d.not_before) for d in self.dues]


def _next(evaluation: Evaluation) -> Question | None:
    return rules.next_question(evaluation.role, len(evaluation.goals), evaluation.answers)


class CohortEnd:
    def __init__(self, db: Database, clock: Clock, *, default_language: str) -> None:
        self.db = db
        self.clock = clock
        self.default_language = default_language

    # what the tick does

    async def plan_tick(self, t: TickContext) -> StepPlan:
        """The cohort end's step: its messages take their people's day's slot (`t.busy`)
        before the rhythm's; once queued they are marked sent, and the pairs of cohorts
        that are over are ended."""
        plan = await self._closing(t.uow, t.now)
        t.busy.extend(plan.busy)
        return StepPlan(
            messages=plan.messages,
            record=lambda uow, now: self.record(uow, plan, now),
            writes=bool(plan.to_end),
        )

    async def _closing(self, uow: UnitOfWork, now: datetime) -> ClosingPlan:
        """Notices, evaluations and reminders due now, at most one a day per person
        (counting what is queued already), and the pairs whose cohort is over.

        A constant number of statements whatever the number of pairs."""
        store = uow.evaluations
        closing = await store.closing_pairs(now)
        # Read only when a cohort is closing: at 100,000 pairs it is two days of messages.
        already = await uow.outbox.messaged_days(now - timedelta(days=2)) if closing else []
        pairs = {c.closing.pair_id: c for c in closing}
        zone_of = {}
        for c in closing:
            zone_of[c.view.mentor.id] = c.programme.timezone
            zone_of[c.view.adept.id] = c.programme.timezone
        taken = [(person, local_day(when, zone_of.get(person, "UTC"))) for person, when in already]
        candidates: list[Due] = []
        to_end: list[int] = []
        for c in closing:
            programme_rules = c.programme.rules
            candidates.extend(rules.closing_due(c.closing, programme_rules, now))
            if c.closing.live and rules.cohort_over(c.closing, programme_rules, now):
                to_end.append(c.closing.pair_id)
        day_of = {
            c.closing.pair_id: c.programme.rules.local(c.programme.rules.allowed(now)).date()
            for c in closing
        }
        dues = rules.one_a_day(candidates, taken, day_of)
        plan = ClosingPlan(dues=dues, pairs=pairs, to_end=to_end)
        for due in dues:
            message = self._render(pairs[due.pair_id], due)
            if message is not None:
                plan.messages.append(message)
        plan.messages.extend(await self._coordinator_notices(uow, dues, pairs, now))
        return plan

    def _render(self, c: ClosingPair, due: Due) -> OutgoingMessage | None:
        view = c.view
        person = view.mentor if due.person_id == view.mentor.id else view.adept
        other = view.adept if person.id == view.mentor.id else view.mentor
        if person.telegram_user_id is None:
            return None
        language = language_of(person, c.programme, self.default_language)
        markup: dict[str, Any] | None = None
        if due.act is Act.NOTICE:
            text = evaluation_texts.notice(
                language, c.cohort.ends_on, other, c.programme.role_labels
            )
        else:
            mine = c.evaluation(person.id)
            role = "mentor" if person.id == view.mentor.id else "adept"
            goals = (
                mine.goals if mine is not None and mine.asked_at else tuple(view.pair.goals or ())
            )
            answers = mine.answers if mine is not None and mine.asked_at else {}
            q = rules.next_question(role, len(goals), answers)
            if q is None:
                return None
            text, markup = evaluation_texts.ask(
                language,
                view.pair.id,
                q,
                is_mentor=role == "mentor",
                adept=view.adept,
                goals=goals,
                reminder=due.act is Act.REMIND,
                labels=c.programme.role_labels,
            )
        return OutgoingMessage(
            idempotency_key=due.key,
            chat_id=person.telegram_user_id,
            person_id=person.id,
            kind=f"evaluation_{due.act.value}",
            text=text,
            reply_markup=markup,
            not_before=due.not_before,
        )

    async def _coordinator_notices(
        self, uow: UnitOfWork, dues: Sequence[Due], pairs: dict[int, ClosingPair], now: datetime
    ) -> list[OutgoingMessage]:
        """One message per cohort and coordinator when its pairs are first told: to the
        coordinators of the whole programme and of that cohort (a region's coordinator
        hears only of the region)."""
        cohorts = {
            pairs[d.pair_id].cohort.id: pairs[d.pair_id] for d in dues if d.act is Act.NOTICE
        }
        programme_ids = sorted({c.programme.id for c in cohorts.values()})
        coordinators = await uow.people.coordinator_memberships(programme_ids)
        messages = []
        for cohort_id, sample in cohorts.items():
            live = sum(1 for c in pairs.values() if c.cohort.id == cohort_id and c.closing.live)
            for person, chat_id, runs in coordinators.get(sample.programme.id, []):
                if runs is not None and runs != cohort_id:
                    continue
                language = language_of(person, sample.programme, self.default_language)
                messages.append(
                    OutgoingMessage(
                        idempotency_key=f"cohort:{cohort_id}:ending:{person.id}",
                        chat_id=chat_id,
                        person_id=person.id,
                        kind="cohort_ending",
                        text=evaluation_texts.coordinator_notice(
                            language, sample.programme, sample.cohort, live
                        ),
                        not_before=sample.programme.rules.allowed(now),
                    )
                )
        return messages

    async def record(self, uow: UnitOfWork, plan: ClosingPlan, now: datetime) -> None:
        """After the messages are queued: mark them sent and end the pairs of cohorts
        that are over."""
        store = uow.evaluations
        await store.record(plan.dues, plan.pairs, now)
        await store.end_pairs(plan.to_end, now)
        if plan.to_end:
            # Their open alerts go with them.
            alerts = await uow.alerts.alerts(unresolved_only=True, pair_ids=plan.to_end)
            await uow.alerts.set_alerts(
                [a.id for a in alerts],
                status=AlertStatus.RESOLVED.value,
                resolved_at=now,
                resolved_by=None,
            )

    # the evaluation

    async def _screen(
        self, uow: UnitOfWork, person: Person, pair_id: int
    ) -> tuple[Evaluation, PairView] | Refusal[Problem]:
        evaluation = await uow.evaluations.of(pair_id, person.id)
        if evaluation is None or evaluation.asked_at is None:
            return Refusal(Problem.NOT_YOURS)
        view = await uow.pairs.pair_view(pair_id)
        if view is None:
            return Refusal(Problem.NOT_YOURS)
        return evaluation, view

    async def answer(
        self, person: Person, pair_id: int, code: str, value: str | None
    ) -> Screen | Refusal[Problem]:
        """A button of the evaluation; `value` None skips a text question."""
        question = rules.parse_code(code)
        if question is None:
            return Refusal(Problem.STALE)
        async with self.db.unit() as uow:
            found = await self._screen(uow, person, pair_id)
            if isinstance(found, Refusal):
                return found
            evaluation, view = found
            return await self._apply(uow, evaluation, view, question, value)

    async def _apply(
        self,
        uow: UnitOfWork,
        evaluation: Evaluation,
        view: PairView,
        question: Question,
        value: str | None,
    ) -> Screen | Refusal[Problem]:
        if evaluation.completed_at is not None:
            return Refusal(Problem.FINISHED)
        too_long = value is not None and len(" ".join(value.split())) > policy.MAX_EVALUATION_TEXT
        if question.step in rules.TEXT_STEPS and too_long:
            return Refusal(Problem.TOO_LONG)
        updated = rules.apply(
            evaluation.role, len(evaluation.goals), evaluation.answers, question, value
        )
        if isinstance(updated, rules.AnswerProblem):
            return Refusal(Problem.STALE)
        following = rules.next_question(evaluation.role, len(evaluation.goals), updated)
        now = self.clock.now()
        completed = now if following is None else None
        await uow.evaluations.save_answers(evaluation.id, updated, completed)
        # Typed words answer the question asked last: a text question takes the dialogue.
        current = await uow.dialogues.dialogue(evaluation.person_id)
        if following is not None and following.step in rules.TEXT_STEPS:
            await uow.dialogues.save_dialogue(
                Dialogue(
                    evaluation.person_id,
                    EVALUATION_FLOW,
                    following.code,
                    {"pair_id": evaluation.pair_id},
                ),
                now,
            )
        elif current is not None and current.flow == EVALUATION_FLOW:
            await uow.dialogues.clear_dialogue(evaluation.person_id)
        saved = replace(evaluation, answers=updated, completed_at=completed)
        programme = await uow.programmes.programme(view.pair.programme_id)
        return Screen(saved, view, following, programme.role_labels if programme else "mentor")

    async def text(self, person: Person, text: str) -> Screen | Refusal[Problem] | None:
        """A typed answer when the person's open evaluation waits for text; None otherwise."""
        async with self.db.unit() as uow:
            dialogue = await uow.dialogues.dialogue(person.id)
            if dialogue is not None and dialogue.flow != EVALUATION_FLOW:
                return None  # another question of the bot waits for these words
            found = await uow.evaluations.open_of(person.id)
            if dialogue is not None:
                found.sort(key=lambda e: e.pair_id != dialogue.data.get("pair_id"))
            for evaluation in found:
                question = _next(evaluation)
                if question is None or question.step not in rules.TEXT_STEPS:
                    continue
                view = await uow.pairs.pair_view(evaluation.pair_id)
                if view is None:
                    continue
                return await self._apply(uow, evaluation, view, question, text)
        return None

    # the report

    async def report(
        self,
        programme_id: int,
        cohort_id: int | None,
        options: ReportOptions,
        language: str,
    ) -> Report | Refusal[Problem]:
        """The funder's report, as of today in the programme's time zone. Its data is
        read in a constant number of statements; its figures come from a pure function."""
        async with self.db.unit() as uow:
            data = await report_data(uow, programme_id, cohort_id)
        if data is None:
            return Refusal(Problem.UNKNOWN_PROGRAMME)
        today = data.programme.rules.local(self.clock.now()).date()
        with use_language(language):
            return build_report(data, today, options, goal_label=goal_label)

    # outcomes

    async def record_outcome(
        self,
        coordinator: Person,
        pair_id: int,
        kind: str,
        text: str | None,
        scope: Scope,
    ) -> PairView | Refusal[Problem]:
        """A coordinator records an outcome; only for pairs in their scope (their
        programmes; a region's coordinator, the region's pairs)."""
        if kind not in {o.value for o in rules.RECORDED_OUTCOMES}:
            return Refusal(Problem.BAD_KIND)
        cleaned = " ".join((text or "").split()) or None
        if cleaned is not None and len(cleaned) > policy.MAX_OUTCOME_TEXT:
            return Refusal(Problem.TOO_LONG)
        async with self.db.unit() as uow:
            view = await uow.pairs.pair_view(pair_id)
            if view is None or not scope.covers(view.pair):
                return Refusal(Problem.UNKNOWN_PAIR)
            await uow.evaluations.add_outcome(
                pair_id, kind, cleaned, coordinator.id, self.clock.now()
            )
            return view
