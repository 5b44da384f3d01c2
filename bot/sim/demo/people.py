"""Simulated participants: each answers what the bot sends them the way their
`Behaviour` says, by pressing the buttons a real person would press or typing.

They recognise a message by its buttons' callback data (the same in every language),
so the demo plays the same in Norwegian and English.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Protocol

from bot.sim.demo.scenario import Behaviour, OnNudge, SimPerson
from bot.sim.emulator import SentMessage, SimGroup, SimUser
from bot.usecases.meetings import USUAL_MINUTES


class Stage(Protocol):
    """What a participant can do in the world; the runner records and waits for each act."""

    async def press(self, person: SimPerson, message: SentMessage, data: str) -> None: ...

    async def write(self, person: SimPerson, text: str) -> None: ...

    def say(self, text: str) -> str:
        """A message id in the demo's language (what a person types)."""
        ...

    def plan_meeting_log(self, person: SimPerson, day: date) -> None:
        """Remember to log the meeting on `day` (in the evening)."""
        ...


Reaction = Callable[[SentMessage, list[str]], Awaitable[None]]


class Participant:
    """One simulated person and their memory (which messages they answered)."""

    def __init__(
        self, person: SimPerson, user: SimUser, stage: Stage, group: SimGroup | None = None
    ) -> None:
        self.person, self.user, self.stage = person, user, stage
        self.group = group  # a coordinator also reads the alert group
        self.blocked = False
        self.pause_days = 0
        self._acts = 0  # presses and texts so far
        self._asked_for_help = False  # a help request is made once; later check-ins are usual
        self._reactions: dict[str, Reaction] = {
            "cs": self._consent,
            "in": self._intake,
            "st": self._first,
            "gl": self._goals,
            "ex": self._expectation,
            "ag": self._first,
            "np": self._nudge,
            "pl": self._plan_day,
            "pc": self._proposal,
            "ml": self._met,
            "hm": self._did_meet,
            "mc": self._meeting_confirmation,
            "ck": self._check_in,
            "cp": self._period_check_in,
            "pz": self._pause,
            "al": self._alert,
        }

    @property
    def behaviour(self) -> Behaviour:
        return self.person.behaviour

    def unread(self) -> list[SentMessage]:
        messages = self.user.catch_up()
        if self.group is not None:
            messages += self.group.catch_up()
        return messages

    async def react(self) -> bool:
        """Answers every message that came since the last call; True when they did anything."""
        acted = False
        for message in self.unread():
            if self.blocked or message.deleted:
                continue
            data = [d for row in message.buttons() for _text, d in row if d]
            if not data:
                continue
            reaction = self._reactions.get(data[0].split(":", 1)[0])
            if reaction is not None:
                before = self._acts
                await reaction(message, data)
                acted = acted or self._acts != before
        return acted

    async def _press(self, message: SentMessage, data: str, fallback: list[str]) -> None:
        """Presses `data`, or the first of `fallback` when the message has no such button."""
        offered = [d for row in message.buttons() for _t, d in row if d]
        chosen = data if data in offered else next(iter(fallback), None)
        if chosen is None:
            return
        self._acts += 1
        await self.stage.press(self.person, message, chosen)

    async def _write(self, text: str) -> None:
        self._acts += 1
        await self.stage.write(self.person, self.stage.say(text))

    # onboarding and the agreement

    async def _consent(self, message: SentMessage, data: list[str]) -> None:
        await self._press(message, "cs:y", [])

    async def _intake(self, message: SentMessage, data: list[str]) -> None:
        key = data[0].split(":")[1]
        b = self.behaviour
        typed = {"field": b.field_of_work, "motivation": b.motivation}
        if key in typed:
            answer = typed[key]
            if answer:
                await self._write(answer)
            else:
                await self._press(message, f"in:{key}:skip", [])
            return
        if key == "capacity":
            await self._press(message, f"in:capacity:{b.capacity}", data)
            return
        choices = {"help": b.help, "languages": b.languages}.get(key, ())
        for option in choices:
            await self._press(message, f"in:{key}:{option}", [])
        await self._press(message, f"in:{key}:done", [])

    async def _first(self, message: SentMessage, data: list[str]) -> None:
        await self._press(message, data[0], [])

    async def _goals(self, message: SentMessage, data: list[str]) -> None:
        pair = data[0].split(":")[1]
        for key in self.behaviour.goals:
            await self._press(message, f"gl:{pair}:{key}", [])
        await self._press(message, f"gl:{pair}:done", [])

    async def _expectation(self, message: SentMessage, data: list[str]) -> None:
        _ex, pair, round_, key, _option = data[0].split(":")
        answers = (
            self.behaviour.start_answers if round_ == "start" else self.behaviour.recheck_answers
        )
        wanted = answers.get(key)
        prefix = f"ex:{pair}:{round_}:{key}"
        if isinstance(wanted, tuple):
            for option in wanted:
                await self._press(message, f"{prefix}:{option}", [])
            await self._press(message, f"{prefix}:done", [])
        else:
            await self._press(message, f"{prefix}:{wanted}", data)

    # the meeting rhythm

    async def _nudge(self, message: SentMessage, data: list[str]) -> None:
        pair = data[0].split(":")[1]
        if self.behaviour.on_nudge is OnNudge.PLAN:
            await self._press(message, f"np:{pair}:date", [])
        elif self.behaviour.on_nudge is OnNudge.LATER:
            await self._press(message, f"np:{pair}:later", [])

    async def _plan_day(self, message: SentMessage, data: list[str]) -> None:
        days = [d for d in data if d.startswith("pl:")]
        chosen = days[min(self.behaviour.day_choice, len(days) - 1)]
        day = chosen.split(":")[2]
        await self._press(message, chosen, [])
        self.stage.plan_meeting_log(self.person, date(int(day[:4]), int(day[4:6]), int(day[6:])))

    async def _proposal(self, message: SentMessage, data: list[str]) -> None:
        if self.behaviour.answers_rhythm:
            await self._press(message, data[0], [])  # «Yes, that works»

    async def _met(self, message: SentMessage, data: list[str]) -> None:
        """Logging a meeting: the question edits itself into each next step, so they
        answer the same message until it is the receipt (where they name a goal)."""
        minutes = self.behaviour.meeting_minutes
        for _step in range(4):
            data = [d for row in message.buttons() for _t, d in row if d]
            if not data:
                return
            if data[0].startswith("mg:"):
                await self._press(message, data[0], [])  # the first goal they worked on
                return
            _ml, pair, step, _value = data[0].split(":")
            if step == "q" and f"ml:{pair}:w:other" in data and minutes != USUAL_MINUTES:
                await self._press(message, f"ml:{pair}:w:other", [])
            elif step == "q":
                await self._press(message, f"ml:{pair}:q:today", [])
            elif step == "m":
                await self._press(message, f"ml:{pair}:m:{minutes}", data)
            else:
                return

    async def _did_meet(self, message: SentMessage, data: list[str]) -> None:
        if self.behaviour.answers_rhythm:
            await self._press(message, data[0], [])  # «Yes»
            await self._met(message, [])

    async def _meeting_confirmation(self, message: SentMessage, data: list[str]) -> None:
        if self.behaviour.answers_rhythm:
            await self._press(message, data[0], [])  # «Yes»

    async def _check_in(self, message: SentMessage, data: list[str]) -> None:
        if not self.behaviour.answers_rhythm:
            return
        _ck, check_in, step, _value = data[0].split(":")
        style = self.behaviour.check_in
        if step == "s":
            await self._press(message, f"ck:{check_in}:s:{style.score}", [])
        elif step == "g":
            if style.goal_progress:
                await self._press(message, data[0], [])
            await self._press(message, f"ck:{check_in}:gd:0", [])
        elif style.help_request and not self._asked_for_help:
            self._asked_for_help = True
            await self._press(message, f"ck:{check_in}:h:0", [])
            await self._write(style.help_request)
        elif style.comment:
            await self._write(style.comment)
        else:
            await self._press(message, f"ck:{check_in}:x:0", [])

    async def _period_check_in(self, message: SentMessage, data: list[str]) -> None:
        if self.behaviour.answers_rhythm:
            pair = data[0].split(":")[1]
            await self._press(message, f"cp:{pair}:{self.behaviour.check_in.score}", [])

    async def _pause(self, message: SentMessage, data: list[str]) -> None:
        pair = data[0].split(":")[1]
        await self._press(message, f"pz:{pair}:{self.pause_days}", [])

    # the coordinator

    async def _alert(self, message: SentMessage, data: list[str]) -> None:
        take = next((d for d in data if d.endswith(":take")), None)
        if self.person.takes_alerts and take is not None:
            await self._press(message, take, [])
