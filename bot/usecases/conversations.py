"""Participants writing to the coordinator: an answer to a coordinator's message, and
words typed where no dialogue expected them (kept, then sent with one tap).

Each method is one transaction; what goes to a coordinator is an outbox row, privately
(never the alert chat: "only the coordinator sees it" must hold)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.domain import policy
from bot.domain.model import Dialogue, OutgoingMessage, PairView, Person, Programme, Role
from bot.runtime.clock import Clock
from bot.texts import conversations as texts
from bot.texts.common import language_of
from storage.db import Database
from storage.uow import UnitOfWork

# The participant tapped «Answer» under a coordinator's message: their words go to them.
REPLY_FLOW = "coordinator_reply"
# Words no dialogue expected, kept until the person says whether to send them.
OFFER_FLOW = "to_coordinator"


@dataclass(frozen=True)
class Sent:
    """Who got it (first names) and from when (the programme's hours may hold it)."""

    names: tuple[str, ...]
    at: datetime
    programme: Programme
    now: datetime


class Unsent(StrEnum):
    NOTHING_KEPT = "nothing_kept"  # a second tap, or the words were dropped
    NOBODY = "nobody"  # no coordinator who can be written to


@dataclass(frozen=True)
class Coordinator:
    person: Person
    chat_id: int


class CoordinatorMessages:
    def __init__(self, db: Database, clock: Clock, *, default_language: str) -> None:
        self.db = db
        self.clock = clock
        self.default_language = default_language

    async def open_reply(self, person: Person, pair_id: int, coordinator_id: int) -> str | None:
        """«Answer» tapped: the next words go to that coordinator. Their first name, or None
        when the button is not this person's or the coordinator no longer runs the pair."""
        async with self.db.unit() as uow:
            found = await self._coordinator_of_pair(uow, person, pair_id, coordinator_id)
            if found is None:
                return None
            await uow.dialogues.save_dialogue(
                Dialogue(person.id, REPLY_FLOW, "text", {"pair_id": pair_id, "to": coordinator_id}),
                self.clock.now(),
            )
            return found[0].person.first_name

    async def reply(self, person: Person, text: str) -> Sent | None:
        """The answer typed after «Answer»; None when no answer was being written."""
        async with self.db.unit() as uow:
            dialogue = await uow.dialogues.dialogue(person.id)
            if dialogue is None or dialogue.flow != REPLY_FLOW:
                return None
            await uow.dialogues.clear_dialogue(person.id)
            pair_id, to = int(dialogue.data["pair_id"]), int(dialogue.data["to"])
            found = await self._coordinator_of_pair(uow, person, pair_id, to)
            if found is None:
                return None
            coordinator, view, programme = found
            now = self.clock.now()
            when = programme.rules.allowed(now)
            language = language_of(coordinator.person, programme, self.default_language)
            await uow.outbox.enqueue(
                [
                    OutgoingMessage(
                        idempotency_key=f"pair:{pair_id}:reply:{person.id}:{now.isoformat()}:{to}",
                        chat_id=coordinator.chat_id,
                        person_id=coordinator.person.id,
                        kind="coordinator_reply",
                        text=texts.reply_to_coordinator(
                            language, view, person, text.strip()[: policy.MAX_MESSAGE]
                        ),
                        not_before=when,
                    )
                ],
                now,
            )
            return Sent((coordinator.person.first_name,), when, programme, now)

    async def keep(self, person: Person, text: str) -> bool:
        """Words no dialogue expected: kept (added to any kept before) for the offer to send
        them. False for someone with no programme as a mentor or adept."""
        async with self.db.unit() as uow:
            if not any(
                m.role in (Role.MENTOR, Role.ADEPT) for m in await uow.people.memberships(person.id)
            ):
                return False
            dialogue = await uow.dialogues.dialogue(person.id)
            kept = (
                [str(t) for t in dialogue.data.get("texts", [])]
                if dialogue is not None and dialogue.flow == OFFER_FLOW
                else []
            )
            kept.append(text.strip()[: policy.MAX_MESSAGE])
            await uow.dialogues.save_dialogue(
                Dialogue(person.id, OFFER_FLOW, "offer", {"texts": kept[-5:]}), self.clock.now()
            )
            return True

    async def send_kept(self, person: Person) -> Sent | Unsent:
        """«Send» tapped: the kept words go to the coordinators of the person's pair (or
        programme); they stay kept when nobody can get them."""
        async with self.db.unit() as uow:
            dialogue = await uow.dialogues.dialogue(person.id)
            if dialogue is None or dialogue.flow != OFFER_FLOW:
                return Unsent.NOTHING_KEPT
            kept = "\n".join(str(t) for t in dialogue.data.get("texts", []))
            views = await uow.pairs.pairs_of_person(person.id)
            view = views[0] if views else None
            memberships = [
                m
                for m in await uow.people.memberships(person.id)
                if m.role in (Role.MENTOR, Role.ADEPT)
                and (view is None or m.programme_id == view.pair.programme_id)
            ]
            if not memberships:
                return Unsent.NOBODY
            membership = memberships[0]
            programme = await uow.programmes.programme(membership.programme_id)
            assert programme is not None
            cohort = view.pair.cohort_id if view is not None else membership.cohort_id
            coordinators = [
                Coordinator(p, chat)
                for p, chat, region in (
                    await uow.people.coordinator_memberships([programme.id])
                ).get(programme.id, [])
                # A region's coordinator hears only of the region's people.
                if region is None or region == cohort
            ]
            unique = list({c.person.id: c for c in coordinators}.values())
            if not unique:
                return Unsent.NOBODY
            await uow.dialogues.clear_dialogue(person.id)
            now = self.clock.now()
            when = programme.rules.allowed(now)
            await uow.outbox.enqueue(
                [
                    OutgoingMessage(
                        idempotency_key=f"person:{person.id}:wrote:{now.isoformat()}:{c.person.id}",
                        chat_id=c.chat_id,
                        person_id=c.person.id,
                        kind="to_coordinator",
                        text=texts.written_to_coordinator(
                            language_of(c.person, programme, self.default_language),
                            programme,
                            view,
                            person,
                            kept,
                        ),
                        not_before=when,
                    )
                    for c in unique
                ],
                now,
            )
            return Sent(tuple(c.person.first_name for c in unique), when, programme, now)

    async def drop_kept(self, person: Person) -> bool:
        """«No»: the kept words are forgotten. False when there was nothing kept."""
        async with self.db.unit() as uow:
            dialogue = await uow.dialogues.dialogue(person.id)
            if dialogue is None or dialogue.flow != OFFER_FLOW:
                return False
            await uow.dialogues.clear_dialogue(person.id)
            return True

    async def _coordinator_of_pair(
        self, uow: UnitOfWork, person: Person, pair_id: int, coordinator_id: int
    ) -> tuple[Coordinator, PairView, Programme] | None:
        view = await uow.pairs.pair_view(pair_id)
        if view is None or view.pair.party_role(person.id) is None:
            return None
        programme = await uow.programmes.programme(view.pair.programme_id)
        assert programme is not None
        for coordinator, chat, region in (
            await uow.people.coordinator_memberships([programme.id])
        ).get(programme.id, []):
            if coordinator.id == coordinator_id and region in (None, view.pair.cohort_id):
                return Coordinator(coordinator, chat), view, programme
        return None
