"""Use cases of the meeting rhythm: what the tick sends, planning a date, logging and
confirming meetings, check-ins, pauses and a pair's status.

Each method is one transaction; messages to the other party or to coordinators go
through the outbox in that transaction. Replies to the person acting are the caller's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from bot.domain.access import is_party
from bot.domain.alerts import Disputed, Help
from bot.domain.model import (
    CheckIn,
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

    async def context(self, person: Person, pair_id: int) -> PairContext | Refusal[Problem]:
        async with self.db.unit() as uow:
            return await self._context(uow, person, pair_id)

    async def not_yet(self, person: Person, pair_id: int) -> PairContext | Refusal[Problem]:
        async with self.db.unit() as uow:
            context = await self._context(uow, person, pair_id)
            if isinstance(context, PairContext):
                await uow.meetings.answer_nudges(pair_id, person.id, self.clock.now())
            return context

    # planning a date

    async def propose(
        self, person: Person, pair_id: int, day: date, at: time | None
    ) -> tuple[PairContext, PlannedFact] | Refusal[Problem]:
        now = self.clock.now()
        async with self.db.unit() as uow:
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
        now = self.clock.now()
        async with self.db.unit() as uow:
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
        now = self.clock.now()
        async with self.db.unit() as uow:
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

    async def usual_minutes(self, person: Person, pair_id: int) -> int:
        """How long this pair usually meets: the length offered first when logging."""
        async with self.db.unit() as uow:
            found = await uow.meetings.usual_minutes(pair_id, person.id)
        return USUAL_MINUTES if found is None else found

    async def did_meet(
        self, person: Person, planned_id: int
    ) -> tuple[PairContext, PlannedFact] | Refusal[Problem]:
        """An answer to «did you meet?» about a planned meeting whose day has passed: the
        question is answered; logging the meeting or a new date is the caller's next step."""
        async with self.db.unit() as uow:
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
        now = self.clock.now()
        async with self.db.unit() as uow:
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

    async def start_period_check_in(self, person: Person, pair_id: int) -> int | Refusal[Problem]:
        async with self.db.unit() as uow:
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
        now = self.clock.now()
        async with self.db.unit() as uow:
            check_in = await uow.check_ins.check_in(check_in_id)
            if check_in is None or check_in.person_id != person.id:
                return Refusal(Problem.NOT_YOURS)
            context = await self._context(uow, person, check_in.pair_id)
            if isinstance(context, Refusal):
                return context
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
        now = self.clock.now()
        async with self.db.unit() as uow:
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
