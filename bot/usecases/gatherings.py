"""Use cases of gatherings (samlinger): making one (command line or a short dialogue in
Telegram), the invitations and day-before reminders the tick queues, answers, and the
attendance a coordinator sees.

Each method is one transaction; invitations, reminders and the news of a cancellation
are outbox rows with keys (``gathering:<id>:invite:<person>``,
``gathering:<id>:remind:<person>``, ``gathering:<id>:cancel:<person>``), so a repeated
tick or a second instance sends nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from bot.domain import dates, policy
from bot.domain.access import (
    Action,
    Actor,
    allowed_programmes,
    allowed_scope,
    coordinated_cohorts,
    coordinated_programmes,
)
from bot.domain.gatherings import (
    Answer,
    Attendance,
    Audience,
    Gathering,
    GatheringKind,
    check_place,
    check_title,
    for_cohort,
    invitation_time,
    reminder_time,
)
from bot.domain.model import Dialogue, OutgoingMessage, Person, Programme, Role
from bot.runtime.clock import Clock
from bot.texts import gatherings as gt
from bot.texts.common import language_of
from bot.usecases.refusal import Refusal
from bot.usecases.ticking import StepPlan, TickContext
from storage.db import Database
from storage.uow import UnitOfWork

FLOW = "gathering"
# Outbox kinds
INVITATION = "gathering_invitation"
REMINDER = "gathering_reminder"
CANCELLED = "gathering_cancelled"


class GatheringProblem(StrEnum):
    NOT_ALLOWED = "not_allowed"
    NO_PROGRAMME = "no_programme"
    NO_COHORT = "no_cohort"
    BAD_TITLE = "bad_title"
    BAD_PLACE = "bad_place"
    IN_THE_PAST = "in_the_past"
    NOT_INVITED = "not_invited"
    OVER = "over"
    STALE = "stale"
    NOT_UNDERSTOOD = "not_understood"
    NO_TIME = "no_time"
    UNKNOWN = "unknown"  # no such gathering, or not the actor's (another programme or region)
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Created:
    gathering: Gathering
    programme: Programme
    invited: int


@dataclass(frozen=True)
class Answered:
    gathering: Gathering
    programme: Programme
    answer: Answer


@dataclass(frozen=True)
class Cancelled:
    gathering: Gathering
    told: int  # people told that it is cancelled
    # When the last of them is told, if the programme's hours hold it back (None: now).
    goes_at: datetime | None = None


@dataclass(frozen=True)
class Cancellable:
    """A gathering the actor may cancel now, with how many said they would come: what
    the coordinator is asked to confirm."""

    gathering: Gathering
    programme: Programme
    coming: int


@dataclass(frozen=True)
class GatheringsDue:
    messages: list[OutgoingMessage] = field(default_factory=list)
    invited: list[tuple[int, int]] = field(default_factory=list)  # (gathering, person)
    reminded: list[int] = field(default_factory=list)  # invitation ids


@dataclass(frozen=True)
class Step:
    """Where the /gathering dialogue is: the step to ask next, or done."""

    step: str | None
    problem: GatheringProblem | None = None
    programmes: tuple[Programme, ...] = ()
    data: dict[str, object] = field(default_factory=dict)
    created: Created | None = None
    programme: Programme | None = None


class Gatherings:
    def __init__(self, db: Database, clock: Clock, *, default_language: str) -> None:
        self.db = db
        self.clock = clock
        self.default_language = default_language

    def _lang(self, person: Person, programme: Programme) -> str:
        return language_of(person, programme, self.default_language)

    # making a gathering

    async def create(
        self,
        actor: Actor | None,
        programme_id: int,
        *,
        title: str,
        starts_on: date,
        starts_at: time,
        place: str | None,
        audience: Audience,
        cohort_id: int | None = None,
        learning_group: str | None = None,
        kind: GatheringKind = GatheringKind.OTHER,
    ) -> Created | Refusal[GatheringProblem]:
        """A new gathering at a local date and time; invitations go out at once when it
        is within `policy.INVITE_AHEAD` (else the tick sends them then). `actor` None: the CLI."""
        if actor is not None and programme_id not in coordinated_programmes(actor):
            return Refusal(GatheringProblem.NOT_ALLOWED)
        clean_title = check_title(title)
        if clean_title is None:
            return Refusal(GatheringProblem.BAD_TITLE)
        clean_place = None
        if place is not None and place.strip():
            clean_place = check_place(place)
            if clean_place is None:
                return Refusal(GatheringProblem.BAD_PLACE)
        now = self.clock.now()
        async with self.db.unit() as uow:
            programme = await uow.programmes.programme(programme_id)
            if programme is None:
                return Refusal(GatheringProblem.NO_PROGRAMME)
            if cohort_id is not None:
                cohort = await uow.programmes.cohort(cohort_id)
                if cohort is None or cohort.programme_id != programme_id:
                    return Refusal(GatheringProblem.NO_COHORT)
            moment = programme.rules.at(starts_on, starts_at)
            if moment <= now:
                return Refusal(GatheringProblem.IN_THE_PAST)
            gathering = await uow.gatherings.create_gathering(
                programme_id=programme_id,
                cohort_id=cohort_id,
                learning_group=learning_group.strip() if learning_group else None,
                audience=audience,
                kind=kind,
                title=clean_title,
                place=clean_place,
                starts_at=moment,
                created_by=actor.person.id if actor else None,
                now=now,
            )
            plan = await self._invitations(uow, now, gathering.id)
            await uow.outbox.enqueue(plan.messages, now)
            await uow.gatherings.add_invitations(plan.invited, now)
        return Created(gathering, programme, len(plan.invited))

    async def cancel(self, gathering_id: int) -> Cancelled | None:
        """Cancels a gathering not cancelled yet (None when there is none).

        Invitations and reminders still waiting in the outbox are withdrawn. Everyone
        who said *I'll come* or has not answered is told once; who said *I can't* needs
        no message, and neither does someone whose invitation never went out. One
        transaction; the messages go through the outbox with keys
        ``gathering:<id>:cancel:<person>``."""
        now = self.clock.now()
        async with self.db.unit() as uow:
            if not await uow.gatherings.cancel_gathering(gathering_id, now):
                return None
            gathering = await uow.gatherings.gathering(gathering_id)
            assert gathering is not None
            withdrawn = await uow.outbox.withdraw_queued(
                f"gathering:{gathering_id}:", (INVITATION, REMINDER)
            )
            never_invited = {person for kind, person in withdrawn if kind == INVITATION}
            messages: list[OutgoingMessage] = []
            if gathering.starts_at > now:  # a gathering that is over is not news
                for programme, person in await uow.gatherings.cancellation_audience(gathering_id):
                    if person.id in never_invited or person.telegram_user_id is None:
                        continue
                    # Inside the programme's hours; but someone on their way in the morning
                    # must know before it starts.
                    at = programme.rules.allowed(now)
                    today = programme.rules.local(now).date()
                    messages.append(
                        OutgoingMessage(
                            idempotency_key=f"gathering:{gathering.id}:cancel:{person.id}",
                            chat_id=person.telegram_user_id,
                            person_id=person.id,
                            kind=CANCELLED,
                            text=gt.cancelled(
                                self._lang(person, programme), gathering, programme, today
                            ),
                            not_before=at if at < gathering.starts_at else now,
                        )
                    )
            await uow.outbox.enqueue(messages, now)
        later = [m.not_before for m in messages if m.not_before is not None and m.not_before > now]
        return Cancelled(
            replace(gathering, cancelled=True), len(messages), max(later, default=None)
        )

    # a coordinator cancels in chat

    @staticmethod
    def may_cancel(actor: Actor | None, gathering: Gathering) -> bool:
        """Whether the actor may cancel this gathering: a coordinator of its programme; one
        of a single cohort (a region) only the cohort's own gatherings, not the
        programme-wide ones every region shares (which they do see, see `for_cohort`)."""
        scope = allowed_scope(actor, Action.CANCEL_GATHERING)
        return scope.admits(gathering.programme_id, gathering.cohort_id)

    def open_for_cancelling(self, actor: Actor | None, gathering: Gathering) -> bool:
        """`may_cancel`, and the gathering is neither cancelled nor begun: it gets a
        *Cancel* button in /gatherings."""
        return (
            not gathering.cancelled
            and gathering.starts_at > self.clock.now()
            and self.may_cancel(actor, gathering)
        )

    async def cancellable(
        self, actor: Actor | None, gathering_id: int
    ) -> Cancellable | Refusal[GatheringProblem]:
        """What the coordinator confirms before cancelling, or why they cannot: not a
        coordinator, a gathering they do not know (another programme's or region's is
        answered the same), already cancelled, or begun."""
        if not allowed_programmes(actor, Action.CANCEL_GATHERING):
            return Refusal(GatheringProblem.NOT_ALLOWED)
        now = self.clock.now()
        async with self.db.unit() as uow:
            gathering = await uow.gatherings.gathering(gathering_id)
            if gathering is None or not self.may_cancel(actor, gathering):
                return Refusal(GatheringProblem.UNKNOWN)
            if gathering.cancelled:
                return Refusal(GatheringProblem.CANCELLED)
            if gathering.starts_at <= now:
                return Refusal(GatheringProblem.OVER)
            programme = await uow.programmes.programme(gathering.programme_id)
            assert programme is not None
            turnouts = await uow.gatherings.turnouts(
                [gathering.programme_id],
                since=gathering.starts_at,
                until=gathering.starts_at + timedelta(microseconds=1),
            )
        coming = next((t.coming for t in turnouts if t.gathering.id == gathering_id), 0)
        return Cancellable(gathering, programme, coming)

    async def cancel_by(
        self, actor: Actor | None, gathering_id: int
    ) -> Cancelled | Refusal[GatheringProblem]:
        """A coordinator cancels a gathering in chat: the checks of `cancellable`, then
        `cancel`. A second press finds it cancelled and changes nothing."""
        found = await self.cancellable(actor, gathering_id)
        if isinstance(found, Refusal):
            return found
        done = await self.cancel(gathering_id)
        if done is None:  # cancelled in between (another press, the command line)
            return Refusal(GatheringProblem.CANCELLED)
        return done

    # what the tick sends

    async def plan_tick(self, t: TickContext) -> StepPlan:
        """The gatherings' step: invitations and reminders belong to a dated event, so
        they go today; who was invited and reminded is recorded once they are queued."""
        plan = await self._due(t.uow, t.now)
        return StepPlan(messages=plan.messages, record=lambda uow, now: self.record(uow, plan, now))

    async def _due(self, uow: UnitOfWork, now: datetime) -> GatheringsDue:
        """Invitations to everyone in a gathering's audience not yet invited (people who
        joined later too), and reminders to those who said yes: two reads."""
        invitations = await self._invitations(uow, now)
        plan = GatheringsDue(messages=invitations.messages, invited=invitations.invited)
        for (
            invitation_id,
            gathering,
            programme,
            person,
            _role,
        ) in await uow.gatherings.reminders_due(now):
            at = reminder_time(gathering.starts_at, programme.rules, now)
            if at is None or person.telegram_user_id is None:
                continue
            language = self._lang(person, programme)
            today = programme.rules.local(now).date()
            plan.messages.append(
                OutgoingMessage(
                    idempotency_key=f"gathering:{gathering.id}:remind:{person.id}",
                    chat_id=person.telegram_user_id,
                    person_id=person.id,
                    kind=REMINDER,
                    text=gt.reminder(language, gathering, programme, today),
                    not_before=at,
                )
            )
            plan.reminded.append(invitation_id)
        return plan

    async def record(self, uow: UnitOfWork, plan: GatheringsDue, now: datetime) -> None:
        """After the tick queued `plan`'s messages: who was invited and reminded."""
        if plan.invited:
            await uow.gatherings.add_invitations(plan.invited, now)
        if plan.reminded:
            await uow.gatherings.mark_reminded(plan.reminded, now)

    async def _invitations(
        self, uow: UnitOfWork, now: datetime, gathering_id: int | None = None
    ) -> GatheringsDue:
        plan = GatheringsDue()
        for gathering, programme, invitee, person in await uow.gatherings.invitations_due(
            now, gathering_id
        ):
            at = invitation_time(gathering.starts_at, programme.rules, now)
            if at is None:
                continue
            language = self._lang(person, programme)
            text, markup = gt.invitation(
                language, gathering, programme, programme.rules.local(now).date()
            )
            plan.messages.append(
                OutgoingMessage(
                    idempotency_key=f"gathering:{gathering.id}:invite:{person.id}",
                    chat_id=invitee.chat_id,
                    person_id=person.id,
                    kind=INVITATION,
                    text=text,
                    reply_markup=markup,
                    not_before=at,
                )
            )
            plan.invited.append((gathering.id, person.id))
        return plan

    # answers

    async def answer(
        self, person: Person, gathering_id: int, answer: Answer
    ) -> Answered | Refusal[GatheringProblem]:
        """An invited person's *I'll come* / *I can't*; a later answer replaces it."""
        now = self.clock.now()
        async with self.db.unit() as uow:
            gathering = await uow.gatherings.gathering(gathering_id)
            invited, _answer = await uow.gatherings.invitation_answer(gathering_id, person.id)
            if gathering is None or not invited:
                return Refusal(GatheringProblem.NOT_INVITED)
            programme = await uow.programmes.programme(gathering.programme_id)
            assert programme is not None
            if gathering.cancelled or gathering.starts_at <= now:
                return Refusal(GatheringProblem.OVER)
            # A yes changed to no drops the reminder (only yes answers are reminded).
            await uow.gatherings.answer_invitation(gathering_id, person.id, answer, now)
        return Answered(gathering, programme, answer)

    # attendance

    async def attendance(
        self, actor: Actor, since: datetime | None = None
    ) -> list[tuple[Programme, Attendance]]:
        """Gatherings of the actor's programmes from two weeks ago on, with answers.

        A coordinator of one cohort (an NHO region) sees that cohort's gatherings and
        the programme-wide ones."""
        start = since or self.clock.now() - policy.GATHERINGS_RECENT
        cohort_of = coordinated_cohorts(actor)
        result: list[tuple[Programme, Attendance]] = []
        async with self.db.unit() as uow:
            for programme in await uow.programmes.programmes(coordinated_programmes(actor)):
                own_cohort = cohort_of.get(programme.id)
                for item in await uow.gatherings.gathering_attendance(programme.id, start):
                    if own_cohort is None or for_cohort(item.gathering, own_cohort):
                        result.append((programme, item))
        return sorted(result, key=lambda pair: pair[1].gathering.starts_at)

    # the /gathering dialogue

    async def start_dialogue(self, actor: Actor) -> Step:
        programmes = coordinated_programmes(actor)
        if not programmes:
            return Step(None, GatheringProblem.NOT_ALLOWED)
        now = self.clock.now()
        async with self.db.unit() as uow:
            found = await uow.programmes.programmes(programmes)
            if len(found) == 1:
                data = self._programme_data(actor, found[0])
                await uow.dialogues.save_dialogue(
                    Dialogue(actor.person.id, FLOW, "title", data), now
                )
                return Step("title", data=data, programme=found[0])
            await uow.dialogues.save_dialogue(Dialogue(actor.person.id, FLOW, "programme", {}), now)
            return Step("programme", programmes=tuple(found))

    @staticmethod
    def _programme_data(actor: Actor, programme: Programme) -> dict[str, object]:
        cohort = next(
            (
                m.cohort_id
                for m in actor.memberships
                if m.role is Role.COORDINATOR and m.programme_id == programme.id
            ),
            None,
        )
        return {"programme": programme.id, "cohort": cohort}

    async def in_dialogue(self, person: Person) -> bool:
        async with self.db.unit() as uow:
            dialogue = await uow.dialogues.dialogue(person.id)
        return dialogue is not None and dialogue.flow == FLOW

    async def dialogue_programme(self, actor: Actor, programme_id: int) -> Step:
        if programme_id not in coordinated_programmes(actor):
            return Step(None, GatheringProblem.NOT_ALLOWED)
        async with self.db.unit() as uow:
            dialogue = await uow.dialogues.dialogue(actor.person.id)
            programme = await uow.programmes.programme(programme_id)
            if dialogue is None or dialogue.flow != FLOW or programme is None:
                return Step(None, GatheringProblem.STALE)
            data = self._programme_data(actor, programme)
            await uow.dialogues.save_dialogue(
                Dialogue(actor.person.id, FLOW, "title", data), self.clock.now()
            )
            return Step("title", data=data, programme=programme)

    async def dialogue_text(self, actor: Actor, text: str) -> Step | None:
        """A typed answer in the dialogue (title, time, place); None when not in it."""
        now = self.clock.now()
        async with self.db.unit() as uow:
            dialogue = await uow.dialogues.dialogue(actor.person.id)
            if dialogue is None or dialogue.flow != FLOW:
                return None
            data = dict(dialogue.data)
            programme = await uow.programmes.programme(int(str(data.get("programme", 0)) or 0))
            if programme is None:
                return Step(dialogue.step, GatheringProblem.STALE)
            step = dialogue.step
            if step == "title":
                title = check_title(text)
                if title is None:
                    return Step(step, GatheringProblem.BAD_TITLE, data=data, programme=programme)
                data["title"] = title
                step = "when"
            elif step == "when":
                today = programme.rules.local(now).date()
                parsed = dates.parse_date(text, today, horizon_days=policy.GATHERING_HORIZON_DAYS)
                if isinstance(parsed, dates.DateProblem):
                    problem = (
                        GatheringProblem.IN_THE_PAST
                        if parsed is dates.DateProblem.IN_THE_PAST
                        else GatheringProblem.NOT_UNDERSTOOD
                    )
                    return Step(step, problem, data=data, programme=programme)
                if parsed.time is None:
                    return Step(step, GatheringProblem.NO_TIME, data=data, programme=programme)
                if programme.rules.at(parsed.day, parsed.time) <= now:
                    return Step(step, GatheringProblem.IN_THE_PAST, data=data, programme=programme)
                data["day"] = parsed.day.isoformat()
                data["time"] = parsed.time.strftime("%H:%M")
                step = "place"
            elif step == "place":
                place = check_place(text)
                if place is None:
                    return Step(step, GatheringProblem.BAD_PLACE, data=data, programme=programme)
                data["place"] = place
                step = "audience"
            else:
                # A button is expected; the text changes nothing.
                return Step(step, GatheringProblem.STALE, data=data, programme=programme)
            await uow.dialogues.save_dialogue(Dialogue(actor.person.id, FLOW, step, data), now)
            return Step(step, data=data, programme=programme)

    async def dialogue_audience(self, actor: Actor, audience: Audience) -> Step:
        async with self.db.unit() as uow:
            dialogue = await uow.dialogues.dialogue(actor.person.id)
            if dialogue is None or dialogue.flow != FLOW or dialogue.step != "audience":
                return Step(None, GatheringProblem.STALE)
            data = {**dialogue.data, "audience": audience.value}
            programme = await uow.programmes.programme(int(str(data["programme"])))
            await uow.dialogues.save_dialogue(
                Dialogue(actor.person.id, FLOW, "confirm", data), self.clock.now()
            )
            return Step("confirm", data=data, programme=programme)

    async def dialogue_finish(self, actor: Actor, confirmed: bool) -> Step:
        async with self.db.unit() as uow:
            dialogue = await uow.dialogues.dialogue(actor.person.id)
            if dialogue is None or dialogue.flow != FLOW:
                return Step(None, GatheringProblem.STALE)
            await uow.dialogues.clear_dialogue(actor.person.id)
        if not confirmed:
            return Step(None)
        if dialogue.step != "confirm":
            return Step(None, GatheringProblem.STALE)
        data = dialogue.data
        cohort = data.get("cohort")
        outcome = await self.create(
            actor,
            int(str(data["programme"])),
            title=str(data["title"]),
            starts_on=date.fromisoformat(str(data["day"])),
            starts_at=time.fromisoformat(str(data["time"])),
            place=str(data["place"]),
            audience=Audience(str(data["audience"])),
            cohort_id=int(str(cohort)) if cohort is not None else None,
        )
        if isinstance(outcome, Refusal):
            return Step(None, outcome.problem)
        return Step(None, created=outcome, programme=outcome.programme)
