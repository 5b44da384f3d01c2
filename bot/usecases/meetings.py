"""Use cases of the meeting rhythm: what the tick sends, planning a date, logging and
confirming meetings, check-ins, pauses and a pair's status.

Each method is one transaction; messages to the other party or to coordinators go
through the outbox in that transaction. Replies to the person acting are the caller's.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from bot.domain import dates
from bot.domain.access import is_party
from bot.domain.alerts import Disputed, Help
from bot.domain.model import (
    CheckIn,
    Dialogue,
    Opened,
    OutgoingMessage,
    PairState,
    PairView,
    Person,
    Programme,
    Rhythm,
)
from bot.domain.policy import MAX_COMMENT as MAX_COMMENT  # the meeting handlers read these here
from bot.domain.policy import USUAL_MINUTES as USUAL_MINUTES
from bot.domain.rhythm import (
    Due,
    MeetingFact,
    MeetingStatus,
    NudgeFact,
    NudgeKind,
    Period,
    PlannedFact,
    PlanStatus,
    due_work,
    next_planned,
    one_a_day,
    period_for,
    period_met,
    usual_minutes,
)
from bot.domain.stall import Stall, dispute_since
from bot.runtime.clock import Clock
from bot.texts import meetings as texts
from bot.texts.common import language_of, local_day
from bot.usecases.alerts import Alerts
from bot.usecases.refusal import Refusal
from bot.usecases.ticking import Nudge, StepPlan, TickContext
from storage.db import Database
from storage.tables import Awake
from storage.uow import UnitOfWork

SCORES = range(1, 6)


class Problem(StrEnum):
    NOT_YOURS = "not_yours"
    STALE = "stale"
    NO_PAIR = "no_pair"
    NOT_ACTIVE = "not_active"
    LOGGED = "logged"  # the meeting asked about is logged already (by the other, mostly)


@dataclass(frozen=True)
class PairContext:
    """A live pair seen from one party."""

    rhythm: Rhythm
    me: Person
    other: Person
    today: date

    @property
    def pair_id(self) -> int:
        return self.rhythm.view.pair.id

    @property
    def programme(self) -> Programme:
        return self.rhythm.programme

    @property
    def period(self) -> Period:
        h = self.rhythm.history
        rules = self.programme.rules
        return period_for(
            rules.cadence,
            self.today,
            rules.local(h.activated_at).date(),
            h.cohort_start,
            h.cohort_end,
        )


@dataclass(frozen=True)
class Status:
    context: PairContext
    met_this_period: bool
    next_planned: PlannedFact | None
    last_meetings: tuple[MeetingFact, ...]


# The meeting dialogue: each person's open question is a row in the dialogue table
# (flow, step, data), written in the same transaction as what the answer stored. A step
# method takes what the person tapped or wrote and returns the next step; the handler
# only renders it.

PLAN_FLOW, MET_FLOW, MEETING_DATE_FLOW, COMMENT_FLOW, PAUSE_FLOW = (
    "plan",
    "met",
    "meeting_date",
    "comment",
    "pause",
)
MINUTE_CHOICES = (30, 60, 90, 120, 180)
DAYS_AGO = {"today": 0, "yday": 1}


@dataclass(frozen=True, kw_only=True)
class Step:
    """What a step of the meeting dialogue did and asks next. `stored`: the person's
    dialogue as the step left it (None: the step did not touch it)."""

    stored: Opened | None = None


@dataclass(frozen=True)
class Refused(Step):
    """Nothing was done. `follow_up`: what was pressed was taken, and the question it
    leads to is refused (said in the chat, not on the button)."""

    problem: Problem
    follow_up: bool = False


@dataclass(frozen=True)
class AskPlanDay(Step):
    context: PairContext


@dataclass(frozen=True)
class AskWhenMet(Step):
    pair_id: int
    usual: int


@dataclass(frozen=True)
class AskMinutes(Step):
    pair_id: int
    usual: int


@dataclass(frozen=True)
class AskMetDay(Step):
    """Which day they met, once the length is chosen."""

    pair_id: int


@dataclass(frozen=True)
class AskMeetingDay(Step):
    """Which day they met, for a meeting the other party logged on another day."""

    meeting_id: int


@dataclass(frozen=True)
class AskPause(Step):
    context: PairContext


@dataclass(frozen=True)
class HasDate(Step):
    """A nudge asked for a date, and the pair has one (fixed since it was sent)."""

    context: PairContext
    planned: PlannedFact


@dataclass(frozen=True)
class Later(Step):
    """A nudge answered «later»."""


@dataclass(frozen=True)
class Proposed(Step):
    context: PairContext
    plan: PlannedFact


@dataclass(frozen=True)
class ProposalAccepted(Step):
    context: PairContext
    plan: PlannedFact


@dataclass(frozen=True)
class Logged(Step):
    context: PairContext
    meeting: MeetingFact
    check_in: int


@dataclass(frozen=True)
class MeetingAnswered(Step):
    """A meeting confirmed (on `day` when they named another) or disputed; a
    confirmation opens the check-in."""

    context: PairContext
    day: date | None
    check_in: int | None


class CheckInAsk(StrEnum):
    GOALS = "goals"  # which goals they got closer to
    TICKED = "ticked"  # a goal ticked or unticked: the same question, updated
    COMMENT = "comment"  # words to add, or a button
    HELP = "help"  # help asked for: what they need, if they want to say
    DONE = "done"


@dataclass(frozen=True)
class CheckInNext(Step):
    check_in: CheckIn
    context: PairContext
    ask: CheckInAsk

    @property
    def goals(self) -> list[str]:
        return list(self.context.rhythm.view.pair.goals or ())


@dataclass(frozen=True)
class Commented(Step):
    """Typed words kept: on the check-in, or (`help`) for the coordinators, who were
    told (`sent`) when the help request was still open."""

    help: bool = False
    sent: bool = False


@dataclass(frozen=True)
class Paused(Step):
    context: PairContext
    until: date | None


@dataclass(frozen=True)
class TypeAgain(Step):
    """Typed words the open question cannot take; it stays open. `date`: the date not
    understood; `too_long`: longer than `MAX_COMMENT`; neither: a button is expected."""

    date_problem: dates.DateProblem | None = None
    too_long: bool = False


@dataclass(frozen=True)
class RhythmPlan:
    messages: list[OutgoingMessage] = field(default_factory=list)
    nudges: list[tuple[int, int, str, str]] = field(default_factory=list)
    # (person, local day) that already have their bot-initiated message: later planners
    # in the same tick (the weekly note) respect the one-a-day limit with it.
    taken: set[tuple[int, date]] = field(default_factory=set)
    # Pairs with a nudge the one-a-day limit held back: it is tried again the next day.
    held_back: set[int] = field(default_factory=set)


class Meetings:
    def __init__(
        self, db: Database, clock: Clock, *, default_language: str, alerts: Alerts | None = None
    ) -> None:
        self.db = db
        self.clock = clock
        self.default_language = default_language
        self.alerts = alerts

    def _lang(self, person: Person, programme: Programme) -> str:
        return language_of(person, programme, self.default_language)

    # what the tick sends

    async def plan_tick(self, t: TickContext) -> StepPlan:
        """The rhythm's step: its nudges, reminders and check-ins (recorded as asked once
        queued). The steps after it see the questions asked now in `t.rhythms`, the day's
        slots it took in `t.taken` and the pairs it held back in `t.held_back`."""
        plan = await self._rhythm(t.uow, t.now, busy=t.busy, rhythms=t.rhythms, awake=t.awake)
        t.rhythms = _with_asked(t.rhythms, plan.nudges, t.now)
        t.taken = plan.taken
        t.held_back = plan.held_back
        return StepPlan(messages=plan.messages, nudges=plan.nudges)

    async def _rhythm(
        self,
        uow: UnitOfWork,
        now: datetime,
        *,
        busy: Sequence[tuple[int, datetime]],
        rhythms: Sequence[Rhythm],
        awake: Awake,
    ) -> RhythmPlan:
        """Nudges, reminders and period check-ins due now, at most one a day per person,
        over the pairs the tick looks at."""
        if not rhythms:
            return RhythmPlan()
        by_pair = {r.view.pair.id: r for r in rhythms}
        candidates: list[Due] = []
        for rhythm in rhythms:
            if rhythm.view.pair.state is PairState.ACTIVE:
                candidates.extend(due_work(rhythm.history, rhythm.programme.rules, now))
        zones = {pair_id: r.programme.timezone for pair_id, r in by_pair.items()}
        people_zone = {}
        for r in rhythms:
            people_zone[r.view.mentor.id] = r.programme.timezone
            people_zone[r.view.adept.id] = r.programme.timezone
        already = [
            (person, local_day(when, people_zone.get(person, "UTC")))
            for person, when in [
                *await uow.outbox.messaged_days(now - timedelta(days=2), awake=awake),
                *busy,
            ]
        ]
        plan = RhythmPlan(taken=set(already))
        chosen = one_a_day(candidates, already, zones)
        for due in chosen:
            rhythm = by_pair[due.pair_id]
            plan.messages.append(self._render(rhythm, due))
            plan.nudges.append((due.pair_id, due.person_id, due.period, due.kind.value))
            plan.taken.add((due.person_id, local_day(due.not_before, zones[due.pair_id])))
        sent = {d.key for d in chosen}
        plan.held_back.update(d.pair_id for d in candidates if d.key not in sent)
        return plan

    def _render(self, rhythm: Rhythm, due: Due) -> OutgoingMessage:
        view = rhythm.view
        person = view.mentor if due.person_id == view.mentor.id else view.adept
        other = view.adept if person.id == view.mentor.id else view.mentor
        language = self._lang(person, rhythm.programme)
        plan = next((p for p in rhythm.history.planned if p.id == due.planned_id), None)
        sent_on = rhythm.programme.rules.local(due.not_before).date()
        text, markup = texts.nudge(
            language, due.kind, rhythm.programme, view.pair.id, due.period, other, plan, sent_on
        )
        assert person.telegram_user_id is not None
        return OutgoingMessage(
            idempotency_key=due.key,
            chat_id=person.telegram_user_id,
            person_id=person.id,
            kind=due.kind.value,
            text=text,
            reply_markup=markup,
            not_before=due.not_before,
        )

    async def _tell_other(
        self,
        uow: UnitOfWork,
        context: PairContext,
        key: str,
        kind: str,
        text: str,
        markup: dict[str, object] | None = None,
    ) -> None:
        """Queues a message to the other party, inside the programme's hours."""
        other = context.other
        if other.telegram_user_id is None:
            return
        now = self.clock.now()
        await uow.outbox.enqueue(
            [
                OutgoingMessage(
                    idempotency_key=f"{key}:{other.id}",
                    chat_id=other.telegram_user_id,
                    person_id=other.id,
                    kind=kind,
                    text=text,
                    reply_markup=markup,
                    not_before=context.programme.rules.allowed(now),
                )
            ],
            now,
        )

    # a pair seen from one party

    async def _plan_context(
        self, uow: UnitOfWork, person: Person, planned_id: int
    ) -> tuple[PairContext, int, PlannedFact] | Refusal[Problem]:
        """A planned meeting with its pair as `person` sees it, and who proposed it."""
        found = await uow.meetings.planned(planned_id)
        if found is None:
            return Refusal(Problem.STALE)
        pair_id, proposer, plan = found
        context = await self._context(uow, person, pair_id)
        if isinstance(context, Refusal):
            return context
        return context, proposer, plan

    async def _context(
        self, uow: UnitOfWork, person: Person, pair_id: int
    ) -> PairContext | Refusal[Problem]:
        rhythm = await uow.meetings.pair_rhythm(
            pair_id, since=self.clock.now().date() - timedelta(days=2)
        )
        if rhythm is None:
            return Refusal(Problem.NOT_ACTIVE)
        pair = rhythm.view.pair
        if not is_party(person.id, pair):
            return Refusal(Problem.NOT_YOURS)
        me = rhythm.view.mentor if person.id == pair.mentor_id else rhythm.view.adept
        other = rhythm.view.adept if person.id == pair.mentor_id else rhythm.view.mentor
        today = rhythm.programme.rules.local(self.clock.now()).date()
        return PairContext(rhythm, me, other, today)

    async def live_pairs(self, person: Person) -> list[PairView]:
        async with self.db.unit() as uow:
            return await uow.pairs.live_pairs_of(person.id)

    async def _not_yet(
        self, uow: UnitOfWork, person: Person, pair_id: int
    ) -> PairContext | Refusal[Problem]:
        context = await self._context(uow, person, pair_id)
        if isinstance(context, PairContext):
            await uow.meetings.answer_nudges(pair_id, person.id, self.clock.now())
        return context

    # planning a date

    async def propose(
        self, person: Person, pair_id: int, day: date, at: time | None
    ) -> tuple[PairContext, PlannedFact] | Refusal[Problem]:
        async with self.db.unit() as uow:
            return await self._propose(uow, person, pair_id, day, at)

    async def _propose(
        self, uow: UnitOfWork, person: Person, pair_id: int, day: date, at: time | None
    ) -> tuple[PairContext, PlannedFact] | Refusal[Problem]:
        now = self.clock.now()
        context = await self._context(uow, person, pair_id)
        if isinstance(context, Refusal):
            return context
        if day < context.today:
            return Refusal(Problem.STALE)
        plan = await uow.meetings.add_planned(
            pair_id=pair_id, planned_on=day, planned_time=at, proposed_by=person.id, now=now
        )
        await uow.meetings.answer_nudges(pair_id, person.id, now)
        language = self._lang(context.other, context.programme)
        text, markup = texts.proposal(language, person, plan, context.today)
        await self._tell_other(
            uow, context, f"planned:{plan.id}:proposal", "proposal", text, markup
        )
        return context, plan

    async def answer_proposal(
        self, person: Person, planned_id: int, accept: bool
    ) -> tuple[PairContext, PlannedFact] | Refusal[Problem]:
        async with self.db.unit() as uow:
            return await self._answer_proposal(uow, person, planned_id, accept)

    async def _answer_proposal(
        self, uow: UnitOfWork, person: Person, planned_id: int, accept: bool
    ) -> tuple[PairContext, PlannedFact] | Refusal[Problem]:
        now = self.clock.now()
        found = await self._plan_context(uow, person, planned_id)
        if isinstance(found, Refusal):
            return found
        context, proposer, plan = found
        pair_id = context.pair_id
        if proposer == person.id:
            return Refusal(Problem.NOT_YOURS)
        status = PlanStatus.CONFIRMED if accept else PlanStatus.CANCELLED
        if not await uow.meetings.set_planned_status(planned_id, status):
            return Refusal(Problem.STALE)
        await uow.meetings.answer_nudges(pair_id, person.id, now)
        language = self._lang(context.other, context.programme)
        text = texts.proposal_answer(language, person, plan, accept, context.today)
        await self._tell_other(
            uow, context, f"planned:{planned_id}:answer", "proposal_answer", text
        )
        return context, PlannedFact(plan.id, plan.planned_on, plan.planned_time, status)

    # logging and confirming meetings

    async def log_meeting(
        self,
        person: Person,
        pair_id: int,
        held_on: date | None,
        minutes: int | None,
        topic: str | None,
        *,
        days_ago: int = 0,
    ) -> tuple[PairContext, MeetingFact, int] | Refusal[Problem]:
        """Records a meeting reported by `person` (on `held_on`, or `days_ago` days before
        the programme's today), asks the other to confirm, and opens the logger's check-in
        (its id is returned)."""
        async with self.db.unit() as uow:
            return await self._log_meeting(
                uow, person, pair_id, held_on, minutes, topic, days_ago=days_ago
            )

    async def _log_meeting(
        self,
        uow: UnitOfWork,
        person: Person,
        pair_id: int,
        held_on: date | None,
        minutes: int | None,
        topic: str | None,
        *,
        days_ago: int = 0,
    ) -> tuple[PairContext, MeetingFact, int] | Refusal[Problem]:
        now = self.clock.now()
        context = await self._context(uow, person, pair_id)
        if isinstance(context, Refusal):
            return context
        if held_on is None:
            held_on = context.today - timedelta(days=days_ago)
        if held_on > context.today:
            return Refusal(Problem.STALE)
        meeting = await uow.meetings.add_meeting(
            pair_id=pair_id,
            held_on=held_on,
            minutes=minutes,
            topic=topic,
            logged_by=person.id,
            now=now,
        )
        await uow.meetings.answer_nudges(pair_id, person.id, now)
        language = self._lang(context.other, context.programme)
        text, markup = texts.meeting_confirmation(language, person, meeting, context.today)
        await self._tell_other(
            uow, context, f"meeting:{meeting.id}:confirm", "meeting_confirmation", text, markup
        )
        check_in = await uow.check_ins.start_check_in(
            pair_id=pair_id,
            person_id=person.id,
            meeting_id=meeting.id,
            period=context.period.key,
            now=now,
        )
        return context, meeting, check_in

    async def _usual_minutes(self, uow: UnitOfWork, person: Person, pair_id: int) -> int:
        """How long this pair usually meets: the length offered first when logging."""
        found = await uow.meetings.usual_minutes(pair_id, person.id)
        return USUAL_MINUTES if found is None else found

    async def _did_meet(
        self, uow: UnitOfWork, person: Person, planned_id: int
    ) -> tuple[PairContext, PlannedFact] | Refusal[Problem]:
        """An answer to «did you meet?» about a planned meeting whose day has passed: the
        question is answered; logging the meeting or a new date is the next step."""
        found = await self._plan_context(uow, person, planned_id)
        if isinstance(found, Refusal):
            return found
        context, _proposer, plan = found
        pair_id = context.pair_id
        if plan.planned_on > context.today:
            return Refusal(Problem.STALE)
        await uow.meetings.answer_nudges(pair_id, person.id, self.clock.now())
        if any(m.held_on >= plan.planned_on for m in context.rhythm.history.meetings):
            return Refusal(Problem.LOGGED)
        return context, plan

    async def set_topic(
        self, person: Person, meeting_id: int, goal: int
    ) -> tuple[PairContext, MeetingFact, str] | Refusal[Problem]:
        """The goal (by its place in the pair's goals) a meeting `person` logged worked on."""
        async with self.db.unit() as uow:
            found = await uow.meetings.meeting(meeting_id)
            if found is None:
                return Refusal(Problem.STALE)
            pair_id, meeting, _topic = found
            context = await self._context(uow, person, pair_id)
            if isinstance(context, Refusal):
                return context
            goals = list(context.rhythm.view.pair.goals or ())
            if meeting.logged_by != person.id:
                return Refusal(Problem.NOT_YOURS)
            if not 0 <= goal < len(goals):
                return Refusal(Problem.STALE)
            await uow.meetings.set_meeting_topic(meeting_id, person.id, goals[goal])
            return context, meeting, goals[goal]

    async def answer_meeting(
        self, person: Person, meeting_id: int, status: MeetingStatus, held_on: date | None = None
    ) -> tuple[PairContext, MeetingFact, int | None] | Refusal[Problem]:
        """The other party confirms (possibly with another date) or disputes a meeting.
        A confirmation opens their check-in; its id is returned."""
        async with self.db.unit() as uow:
            return await self._answer_meeting(uow, person, meeting_id, status, held_on)

    async def _answer_meeting(
        self,
        uow: UnitOfWork,
        person: Person,
        meeting_id: int,
        status: MeetingStatus,
        held_on: date | None = None,
    ) -> tuple[PairContext, MeetingFact, int | None] | Refusal[Problem]:
        now = self.clock.now()
        found = await uow.meetings.meeting(meeting_id)
        if found is None:
            return Refusal(Problem.STALE)
        pair_id, meeting, _topic = found
        context = await self._context(uow, person, pair_id)
        if isinstance(context, Refusal):
            return context
        if meeting.logged_by == person.id:
            return Refusal(Problem.NOT_YOURS)
        if held_on is not None and held_on > context.today:
            return Refusal(Problem.STALE)
        if not await uow.meetings.answer_meeting(
            meeting_id, status=status, now=now, held_on=held_on
        ):
            return Refusal(Problem.STALE)
        await uow.meetings.answer_nudges(pair_id, person.id, now)
        if status is MeetingStatus.DISPUTED and self.alerts is not None:
            stall = Stall(
                dispute_since(meeting.held_on, context.programme.timezone),
                Disputed(meeting.held_on, meeting.logged_by),
            )
            await self.alerts.open_now(uow, pair_id, stall, now)
        answered = MeetingFact(
            meeting.id, held_on or meeting.held_on, meeting.minutes, status, meeting.logged_by
        )
        check_in = None
        if status is MeetingStatus.CONFIRMED:
            check_in = await uow.check_ins.start_check_in(
                pair_id=pair_id,
                person_id=person.id,
                meeting_id=meeting_id,
                period=context.period.key,
                now=now,
            )
        return context, answered, check_in

    # check-ins

    async def _start_period_check_in(
        self, uow: UnitOfWork, person: Person, pair_id: int
    ) -> int | Refusal[Problem]:
        context = await self._context(uow, person, pair_id)
        if isinstance(context, Refusal):
            return context
        await uow.meetings.answer_nudges(pair_id, person.id, self.clock.now())
        return await uow.check_ins.start_check_in(
            pair_id=pair_id,
            person_id=person.id,
            meeting_id=None,
            period=context.period.key,
            now=self.clock.now(),
        )

    async def check_in_step(
        self,
        person: Person,
        check_in_id: int,
        *,
        score: int | None = None,
        goal: str | None = None,
        comment: str | None = None,
        needs_help: bool | None = None,
        finish: bool = False,
    ) -> tuple[CheckIn, PairContext] | Refusal[Problem]:
        """One answer of a check-in: a score, a goal ticked, a comment, a help request."""
        async with self.db.unit() as uow:
            return await self._check_in_step(
                uow,
                person,
                check_in_id,
                score=score,
                goal=goal,
                comment=comment,
                needs_help=needs_help,
                finish=finish,
            )

    async def _check_in_step(
        self,
        uow: UnitOfWork,
        person: Person,
        check_in_id: int,
        *,
        score: int | None = None,
        goal: str | None = None,
        goal_index: int | None = None,
        comment: str | None = None,
        needs_help: bool | None = None,
        finish: bool = False,
    ) -> tuple[CheckIn, PairContext] | Refusal[Problem]:
        """`goal_index`: the goal by its place in the pair's goals (as a button names it)."""
        now = self.clock.now()
        check_in = await uow.check_ins.check_in(check_in_id)
        if check_in is None or check_in.person_id != person.id:
            return Refusal(Problem.NOT_YOURS)
        context = await self._context(uow, person, check_in.pair_id)
        if isinstance(context, Refusal):
            return context
        if goal_index is not None:
            named = list(context.rhythm.view.pair.goals or ())
            if goal_index >= len(named):
                return Refusal(Problem.STALE)
            goal = named[goal_index]
        # A finished check-in still takes a first request for help, and words the
        # person writes (after «No comment», say): nothing written is thrown away.
        late_words = comment is not None and score is None and goal is None
        if (
            check_in.completed_at is not None
            and not (needs_help and not check_in.needs_help)
            and not late_words
        ):
            return Refusal(Problem.STALE)
        values: dict[str, object] = {}
        if score is not None:
            if score not in SCORES:
                return Refusal(Problem.STALE)
            values["score"] = score
        if goal is not None:
            goals = list(context.rhythm.view.pair.goals or ())
            if goal not in goals:
                return Refusal(Problem.STALE)
            ticked = set(check_in.goals_progressed) ^ {goal}
            values["goals_progressed"] = [g for g in goals if g in ticked]
        if comment is not None:
            # Added to what they wrote before, never over it.
            before = check_in.comment
            values["comment"] = (
                comment[:MAX_COMMENT] if not before else f"{before}\n{comment[:MAX_COMMENT]}"
            )
        if needs_help:
            values["needs_help"] = True
        if finish and check_in.completed_at is None:
            values["completed_at"] = now
        if values:
            await uow.check_ins.update_check_in(check_in_id, **values)
        if needs_help and not check_in.needs_help and self.alerts is not None:
            # Help requests are urgent: posted now, whatever the hour.
            stall = Stall(now, Help(person.id))
            await self.alerts.open_now(uow, check_in.pair_id, stall, now)
        updated = await uow.check_ins.check_in(check_in_id)
        assert updated is not None
        return updated, context

    # pauses and status

    async def pause(
        self, person: Person, pair_id: int, until: date | None
    ) -> PairContext | Refusal[Problem]:
        async with self.db.unit() as uow:
            return await self._pause(uow, person, pair_id, until)

    async def _pause(
        self, uow: UnitOfWork, person: Person, pair_id: int, until: date | None
    ) -> PairContext | Refusal[Problem]:
        now = self.clock.now()
        context = await self._context(uow, person, pair_id)
        if isinstance(context, Refusal):
            return context
        if until is not None and until < context.today:
            return Refusal(Problem.STALE)
        if until is None and context.rhythm.view.pair.paused_until is None:
            return Refusal(Problem.STALE)  # no pause to end (an old or forged button)
        await uow.pairs.set_pause(pair_id, until, now, context.today)
        await uow.meetings.answer_nudges(pair_id, person.id, now)
        notices: list[OutgoingMessage] = []
        other = context.other
        if other.telegram_user_id is not None:
            notices.append(
                OutgoingMessage(
                    idempotency_key=f"pair:{pair_id}:pause:{until}:{other.id}:{now:%Y%m%d%H%M}",
                    chat_id=other.telegram_user_id,
                    person_id=other.id,
                    kind="pause_notice",
                    text=texts.pause_notice(
                        self._lang(other, context.programme), person, until, context.today
                    ),
                    not_before=context.programme.rules.allowed(now),
                )
            )
        coordinators = await uow.people.coordinator_memberships([context.programme.id])
        cohort_id = context.rhythm.view.pair.cohort_id
        told: set[int] = set()
        for coordinator, chat_id, coordinates in coordinators.get(context.programme.id, []):
            # The programme's coordinators, and the pair's region's; each once.
            if coordinates not in (None, cohort_id) or coordinator.id in told:
                continue
            told.add(coordinator.id)
            notices.append(
                OutgoingMessage(
                    idempotency_key=f"pair:{pair_id}:pause:{until}:{coordinator.id}:{now:%Y%m%d%H%M}",
                    chat_id=chat_id,
                    person_id=coordinator.id,
                    kind="pause_notice",
                    text=texts.pause_coordinator_notice(
                        self._lang(coordinator, context.programme),
                        context.rhythm.view,
                        person,
                        until,
                        context.today,
                    ),
                    not_before=now,
                )
            )
        await uow.outbox.enqueue(notices, now)
        return context

    async def status(self, person: Person, pair_id: int) -> Status | Refusal[Problem]:
        async with self.db.unit() as uow:
            context = await self._context(uow, person, pair_id)
        return self._status(context)

    async def status_of_only_pair(
        self, person: Person
    ) -> Status | Refusal[Problem] | list[PairView]:
        """/status without a pair named: the status of the person's one live pair, else
        their live pairs (none, or several to choose from), in one transaction."""
        async with self.db.unit() as uow:
            views = await uow.pairs.live_pairs_of(person.id)
            if len(views) != 1:
                return views
            context = await self._context(uow, person, views[0].pair.id)
        return self._status(context)

    def _status(self, context: PairContext | Refusal[Problem]) -> Status | Refusal[Problem]:
        if isinstance(context, Refusal):
            return context
        history = context.rhythm.history
        return Status(
            context=context,
            met_this_period=period_met(
                context.programme.rules.cadence, context.period, history.meetings
            ),
            next_planned=next_planned(history.planned, context.today),
            last_meetings=tuple(history.meetings[-3:]),
        )

    # the meeting dialogue

    async def _save(
        self, uow: UnitOfWork, person: Person, flow: str, step: str, data: dict[str, object]
    ) -> Opened:
        dialogue = Dialogue(person.id, flow, step, data)
        await uow.dialogues.save_dialogue(dialogue, self.clock.now())
        return Opened(dialogue)

    async def _close(self, uow: UnitOfWork, person: Person) -> Opened:
        await uow.dialogues.clear_dialogue(person.id)
        return Opened(None)

    @staticmethod
    async def _open(uow: UnitOfWork, person: Person, known: Opened | None) -> Dialogue | None:
        """The open dialogue: as the caller read it in this update (saving a read), or
        read now."""
        return known.dialogue if known is not None else await uow.dialogues.dialogue(person.id)

    async def _ask_plan_day(
        self, uow: UnitOfWork, person: Person, pair_id: int, *, follow_up: bool = False
    ) -> Step:
        context = await self._context(uow, person, pair_id)
        if isinstance(context, Refusal):
            return Refused(context.problem, follow_up=follow_up)
        stored = await self._save(uow, person, PLAN_FLOW, "day", {"pair_id": pair_id})
        return AskPlanDay(context, stored=stored)

    async def _ask_when_met(self, uow: UnitOfWork, person: Person, pair_id: int) -> Step:
        usual = await self._usual_minutes(uow, person, pair_id)
        data: dict[str, object] = {"pair_id": pair_id, "usual": usual}
        stored = await self._save(uow, person, MET_FLOW, "day", data)
        return AskWhenMet(pair_id, usual, stored=stored)

    async def _ask_minutes(self, uow: UnitOfWork, person: Person, data: dict[str, object]) -> Step:
        stored = await self._save(uow, person, MET_FLOW, "minutes", data)
        return AskMinutes(int(str(data["pair_id"])), _usual(data), stored=stored)

    async def _save_meeting(
        self, uow: UnitOfWork, person: Person, data: dict[str, object], *, follow_up: bool
    ) -> Step:
        """Logs the meeting `data` describes (a day or days ago, a length or the usual
        one); the dialogue is closed either way."""
        minutes = data.get("minutes")
        day = data.get("day")
        days_ago = data.get("days_ago")
        result = await self._log_meeting(
            uow,
            person,
            int(str(data["pair_id"])),
            date.fromisoformat(day) if isinstance(day, str) else None,
            minutes if isinstance(minutes, int) else _usual(data),
            None,
            days_ago=days_ago if isinstance(days_ago, int) else 0,
        )
        stored = await self._close(uow, person)
        if isinstance(result, Refusal):
            return Refused(result.problem, follow_up=follow_up, stored=stored)
        context, meeting, check_in = result
        return Logged(context, meeting, check_in, stored=stored)

    async def _pause_until(
        self, uow: UnitOfWork, person: Person, pair_id: int, until: date | None
    ) -> Step:
        """Pauses (or, `until` None, ends the pause); the dialogue is closed either way."""
        result = await self._pause(uow, person, pair_id, until)
        stored = await self._close(uow, person)
        if isinstance(result, Refusal):
            return Refused(result.problem, follow_up=True, stored=stored)
        return Paused(result, until, stored=stored)

    async def ask_plan_day(self, person: Person, pair_id: int) -> Step:
        """/plan: which day to meet."""
        async with self.db.unit() as uow:
            return await self._ask_plan_day(uow, person, pair_id)

    async def ask_when_met(self, person: Person, pair_id: int) -> Step:
        """/met: when they met, the pair's usual length offered first."""
        async with self.db.unit() as uow:
            return await self._ask_when_met(uow, person, pair_id)

    async def ask_pause(self, person: Person, pair_id: int) -> Step:
        """/pause: for how long."""
        async with self.db.unit() as uow:
            context = await self._context(uow, person, pair_id)
            if isinstance(context, Refusal):
                return Refused(context.problem)
            stored = await self._save(uow, person, PAUSE_FLOW, "day", {"pair_id": pair_id})
            return AskPause(context, stored=stored)

    async def nudge_answered(self, person: Person, pair_id: int, choice: str) -> Step:
        """A nudge's button: «met» starts logging, «date» planning, «later» nothing;
        a date fixed since the nudge was sent is told instead of asked for."""
        async with self.db.unit() as uow:
            context = await self._not_yet(uow, person, pair_id)
            if isinstance(context, Refusal):
                return Refused(context.problem)
            if choice == "met":
                return await self._ask_when_met(uow, person, pair_id)
            planned = next_planned(context.rhythm.history.planned, context.today)
            if choice in ("later", "date") and planned is not None:
                return HasDate(context, planned)
            if choice == "later":
                return Later()
            return await self._ask_plan_day(uow, person, pair_id, follow_up=True)

    async def plan_day_chosen(self, person: Person, pair_id: int, day: date) -> Step:
        """A day tapped: proposed to the other party."""
        async with self.db.unit() as uow:
            result = await self._propose(uow, person, pair_id, day, None)
            if isinstance(result, Refusal):
                return Refused(result.problem)
            stored = await self._close(uow, person)
            return Proposed(*result, stored=stored)

    async def proposal_answered(self, person: Person, planned_id: int, accept: bool) -> Step:
        """The other party's answer to a proposed date; a no asks for another day."""
        async with self.db.unit() as uow:
            result = await self._answer_proposal(uow, person, planned_id, accept)
            if isinstance(result, Refusal):
                return Refused(result.problem)
            if accept:
                return ProposalAccepted(*result)
            return await self._ask_plan_day(uow, person, result[0].pair_id, follow_up=True)

    async def met_chosen(
        self, person: Person, pair_id: int, step: str, value: str, known: Opened | None = None
    ) -> Step:
        """A button of the logging: a day at the usual length (`q`), another length
        (`w`), a length (`m`). Button data is untrusted: it must fit the open step."""
        async with self.db.unit() as uow:
            dialogue = await self._open(uow, person, known)
            expected = {"q": "day", "w": "day", "m": "minutes"}
            if (
                dialogue is None
                or dialogue.flow != MET_FLOW
                or dialogue.data.get("pair_id") != pair_id
                or dialogue.step != expected[step]
                or not _fits(step, value, dialogue.data)
            ):
                return Refused(Problem.STALE)
            found = dict(dialogue.data)
            if step == "w":
                return await self._ask_minutes(uow, person, found)
            if step == "q":
                found["days_ago"] = DAYS_AGO[value]
            else:
                found["minutes"] = int(value)
                if "day" not in found:
                    stored = await self._save(uow, person, MET_FLOW, "day", found)
                    return AskMetDay(pair_id, stored=stored)
            return await self._save_meeting(uow, person, found, follow_up=True)

    async def did_meet_answered(self, person: Person, planned_id: int, met: bool) -> Step:
        """«Did you meet?» after a planned day: yes logs it (the day filled in, the length
        asked), no asks for a new date."""
        async with self.db.unit() as uow:
            result = await self._did_meet(uow, person, planned_id)
            if isinstance(result, Refusal):
                return Refused(result.problem)
            context, plan = result
            if not met:
                return await self._ask_plan_day(uow, person, context.pair_id, follow_up=True)
            usual = usual_minutes(context.rhythm.history.meetings)
            filled: dict[str, object] = {
                "pair_id": context.pair_id,
                "usual": USUAL_MINUTES if usual is None else usual,
                "day": plan.planned_on.isoformat(),
            }
            return await self._ask_minutes(uow, person, filled)

    async def meeting_answered(
        self, person: Person, meeting_id: int, status: MeetingStatus | None
    ) -> Step:
        """The other party's answer to a logged meeting: confirmed, disputed, or (`status`
        None) held on another day, which is asked."""
        async with self.db.unit() as uow:
            if status is None:
                if await uow.meetings.meeting(meeting_id) is None:
                    return Refused(Problem.STALE)
                data: dict[str, object] = {"meeting_id": meeting_id}
                stored = await self._save(uow, person, MEETING_DATE_FLOW, "day", data)
                return AskMeetingDay(meeting_id, stored=stored)
            result = await self._answer_meeting(uow, person, meeting_id, status)
            if isinstance(result, Refusal):
                return Refused(result.problem)
            context, _meeting, check_in = result
            return MeetingAnswered(context, None, check_in)

    async def check_in_answered(
        self, person: Person, check_in_id: int, step: str, value: int
    ) -> Step:
        """A check-in's button: a score (`s`), a goal by its place (`g`), goals done
        (`gd`), help (`h`), no comment (`x`)."""
        async with self.db.unit() as uow:
            return await self._check_in_answered(uow, person, check_in_id, step, value)

    async def period_check_in_answered(self, person: Person, pair_id: int, score: int) -> Step:
        """A score tapped on the period's check-in question: the check-in opens with it."""
        async with self.db.unit() as uow:
            started = await self._start_period_check_in(uow, person, pair_id)
            if isinstance(started, Refusal):
                return Refused(started.problem)
            return await self._check_in_answered(uow, person, started, "s", score)

    async def _check_in_answered(
        self, uow: UnitOfWork, person: Person, check_in_id: int, step: str, value: int
    ) -> Step:
        if step == "s":
            result = await self._check_in_step(uow, person, check_in_id, score=value)
        elif step == "g":
            result = await self._check_in_step(uow, person, check_in_id, goal_index=value)
        elif step == "h":
            result = await self._check_in_step(
                uow, person, check_in_id, needs_help=True, finish=True
            )
        else:  # "gd" goals done, "x" no comment
            result = await self._check_in_step(uow, person, check_in_id, finish=step == "x")
        if isinstance(result, Refusal):
            return Refused(result.problem)
        check_in, context = result
        asked = CheckInNext(check_in, context, CheckInAsk.DONE)
        if step == "g":
            return replace(asked, ask=CheckInAsk.TICKED)
        if step == "h":
            data: dict[str, object] = {"check_in_id": check_in_id, "help": True}
            stored = await self._save(uow, person, COMMENT_FLOW, "help", data)
            return replace(asked, ask=CheckInAsk.HELP, stored=stored)
        if step == "x":
            return asked
        if step == "s" and person.id == context.rhythm.view.pair.adept_id and asked.goals:
            return replace(asked, ask=CheckInAsk.GOALS)
        data = {"check_in_id": check_in_id}
        stored = await self._save(uow, person, COMMENT_FLOW, "comment", data)
        return replace(asked, ask=CheckInAsk.COMMENT, stored=stored)

    async def pause_chosen(self, person: Person, pair_id: int, days: int) -> Step:
        """A length of pause tapped (0: end the pause)."""
        async with self.db.unit() as uow:
            context = await self._context(uow, person, pair_id)
            if isinstance(context, Refusal):
                return Refused(context.problem)
            until = context.today + timedelta(days=days) if days else None
            return await self._pause_until(uow, person, pair_id, until)

    async def text_answered(
        self, person: Person, text: str, known: Opened | None = None
    ) -> Step | None:
        """Words typed in one of the flows above (a date, a comment, the last day of a
        pause); None when no such question is open."""
        async with self.db.unit() as uow:
            dialogue = await self._open(uow, person, known)
            if dialogue is None or dialogue.flow not in TYPED:
                return None
            return await TYPED[dialogue.flow](self, uow, person, dialogue, text)

    async def _typed_comment(
        self, uow: UnitOfWork, person: Person, dialogue: Dialogue, text: str
    ) -> Step | None:
        if len(text) > MAX_COMMENT:
            # The question stays open for a shorter text.
            return TypeAgain(too_long=True)
        comment = " ".join(text.split())
        check_in_id = int(dialogue.data["check_in_id"])
        stored = await self._close(uow, person)
        if dialogue.data.get("help"):
            sent = self.alerts is not None and await self.alerts.add_help_comment(
                uow, person, check_in_id, comment
            )
            return Commented(help=True, sent=sent, stored=stored)
        result = await self._check_in_step(uow, person, check_in_id, comment=comment, finish=True)
        if isinstance(result, Refusal):
            return Refused(result.problem, stored=stored)
        return Commented(stored=stored)

    async def _typed_meeting_day(
        self, uow: UnitOfWork, person: Person, dialogue: Dialogue, text: str
    ) -> Step | None:
        meeting_id = int(dialogue.data["meeting_id"])
        found = await uow.meetings.meeting(meeting_id)
        if found is None:
            await self._close(uow, person)
            return None
        context = await self._context(uow, person, found[0])
        if isinstance(context, Refusal):
            return Refused(context.problem)
        parsed = dates.parse_date(text, context.today, allow_past=True, allow_future=False)
        if isinstance(parsed, dates.DateProblem):
            return TypeAgain(date_problem=parsed)
        answered = await self._answer_meeting(
            uow, person, meeting_id, MeetingStatus.CONFIRMED, parsed.day
        )
        stored = await self._close(uow, person)
        if isinstance(answered, Refusal):
            return Refused(answered.problem, stored=stored)
        return MeetingAnswered(context, parsed.day, answered[2], stored=stored)

    async def _typed_for_pair(
        self, uow: UnitOfWork, person: Person, dialogue: Dialogue, text: str
    ) -> Step | None:
        """A date typed while planning, logging or pausing."""
        pair_id = int(dialogue.data["pair_id"])
        context = await self._context(uow, person, pair_id)
        if isinstance(context, Refusal):
            return Refused(context.problem, stored=await self._close(uow, person))
        if dialogue.flow == MET_FLOW:
            if dialogue.step != "day":
                return TypeAgain()
            parsed = dates.parse_date(text, context.today, allow_past=True, allow_future=False)
            if isinstance(parsed, dates.DateProblem):
                return TypeAgain(date_problem=parsed)
            data = {**dialogue.data, "day": parsed.day.isoformat()}
            if "minutes" in data:
                return await self._save_meeting(uow, person, data, follow_up=False)
            return await self._ask_minutes(uow, person, data)
        parsed = dates.parse_date(text, context.today)
        if isinstance(parsed, dates.DateProblem):
            return TypeAgain(date_problem=parsed)
        if dialogue.flow == PAUSE_FLOW:
            return await self._pause_until(uow, person, pair_id, parsed.day)
        proposed = await self._propose(uow, person, pair_id, parsed.day, parsed.time)
        stored = await self._close(uow, person)
        if isinstance(proposed, Refusal):
            return Refused(proposed.problem, stored=stored)
        # The context read before the date was proposed, as the reply always used it.
        return Proposed(context, proposed[1], stored=stored)


def _with_asked(rhythms: Sequence[Rhythm], nudges: Sequence[Nudge], now: datetime) -> list[Rhythm]:
    """The histories as they are once the (pair, person, period, kind) nudges planned
    now are recorded (a nudge recorded before is kept as it was)."""
    new: dict[int, list[NudgeFact]] = {}
    for pair_id, person_id, period, kind in nudges:
        new.setdefault(pair_id, []).append(NudgeFact(person_id, period, NudgeKind(kind), now, None))
    result = []
    for r in rhythms:
        history = r.history
        known = {(n.person_id, n.period, n.kind) for n in history.nudges}
        added = [
            n for n in new.get(history.pair_id, ()) if (n.person_id, n.period, n.kind) not in known
        ]
        if added:
            r = replace(r, history=replace(history, nudges=(*history.nudges, *added)))
        result.append(r)
    return result


TypedStep = Callable[[Meetings, UnitOfWork, Person, Dialogue, str], Awaitable[Step | None]]

# The one table of the flows that take typed words: the handler asks the use case only
# for these (handlers.routes), and the use case answers by it.
TYPED: dict[str, TypedStep] = {
    COMMENT_FLOW: Meetings._typed_comment,
    MEETING_DATE_FLOW: Meetings._typed_meeting_day,
    MET_FLOW: Meetings._typed_for_pair,
    PLAN_FLOW: Meetings._typed_for_pair,
    PAUSE_FLOW: Meetings._typed_for_pair,
}


def _fits(step: str, value: str, data: dict[str, object]) -> bool:
    """Whether a button's value is one this step offered (button data is untrusted)."""
    if step == "q":
        return value in DAYS_AGO
    if step == "m":
        return value.isdigit() and int(value) in {*MINUTE_CHOICES, _usual(data)}
    return value == "other"


def _usual(data: dict[str, object]) -> int:
    usual = data.get("usual")
    return usual if isinstance(usual, int) else USUAL_MINUTES
