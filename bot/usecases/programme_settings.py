"""Use cases of /programme: a coordinator sees their programme's settings and changes
what makes sense from a phone (the meeting rhythm, the weekly digest, when the bot
may write, the morning reminder, the language), one step at a time.

The choices are read by bot/domain/programme_settings.py, as `mentorbot program set`
reads them; writes go through `UnitOfWork.update_programme`, as the command line's
do. A coordinator of one cohort (a region) may look but not change: the settings are
shared by the whole programme. A typed number (minutes a month, meetings per cohort)
is a dialogue kept in the database, so a restart in between changes nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from bot.domain.access import Action, Actor, allowed_programmes, may
from bot.domain.digest import current_cohort, next_digest
from bot.domain.model import Cohort, Dialogue, Programme, Role
from bot.domain.programme_settings import IN_CHAT, TYPED_CADENCES, Setting, typed_cadence, values
from bot.domain.rhythm import CadenceKind
from bot.runtime.clock import Clock
from bot.usecases.refusal import Refusal
from storage.db import Database
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)

FLOW = "programme_settings"


class SettingsProblem(StrEnum):
    NOT_ALLOWED = "not_allowed"  # not a coordinator of this programme
    REGION_ONLY = "region_only"  # coordinates one cohort: may look, not change
    NOT_UNDERSTOOD = "not_understood"  # an old or forged choice
    BAD_NUMBER = "bad_number"  # a typed number that cannot be used


@dataclass(frozen=True)
class SettingsView:
    """What /programme shows: the settings, the cohorts they apply to now, and whether
    this coordinator may change them."""

    programme: Programme
    cohorts: tuple[Cohort, ...]
    may_change: bool
    next_digest: datetime | None
    regions: tuple[Cohort, ...] = ()  # the cohorts a regional coordinator runs
    changed: Setting | None = None
    today: date | None = None  # in the programme's time zone (for the coming holidays)


@dataclass(frozen=True)
class NumberAsked:
    """A number is asked for (again, with `problem`, when the last one could not be used)."""

    programme: Programme
    kind: CadenceKind
    problem: SettingsProblem | None = None


class ProgrammeSettings:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def programmes(self, actor: Actor | None) -> list[Programme]:
        """The programmes whose settings this person may see."""
        ids = allowed_programmes(actor, Action.VIEW_SETTINGS)
        async with self.db.unit() as uow:
            return await uow.programmes.programmes(ids) if ids else []

    async def view(
        self, actor: Actor | None, programme_id: int
    ) -> SettingsView | Refusal[SettingsProblem]:
        if not may(actor, Action.VIEW_SETTINGS, programme_id):
            return Refusal(SettingsProblem.NOT_ALLOWED)
        assert actor is not None
        async with self.db.unit() as uow:
            return await self._view(uow, actor, programme_id)

    async def for_change(
        self, actor: Actor | None, programme_id: int
    ) -> Programme | Refusal[SettingsProblem]:
        """The programme, when this person may change its settings."""
        problem = self._change_problem(actor, programme_id)
        if problem is not None:
            return Refusal(problem)
        async with self.db.unit() as uow:
            programme = await uow.programmes.programme(programme_id)
        return programme if programme is not None else Refusal(SettingsProblem.NOT_ALLOWED)

    async def change(
        self, actor: Actor | None, programme_id: int, setting: Setting, text: str
    ) -> SettingsView | Refusal[SettingsProblem]:
        """Sets one setting from its written form («twice_monthly», «wed-14», «on»)."""
        problem = self._change_problem(actor, programme_id)
        if problem is not None:
            return Refusal(problem)
        assert actor is not None
        found = values(setting, text) if setting in IN_CHAT else None
        if found is None:
            return Refusal(SettingsProblem.NOT_UNDERSTOOD)
        async with self.db.unit() as uow:
            if await uow.programmes.programme(programme_id) is None:
                return Refusal(SettingsProblem.NOT_ALLOWED)
            await self._save(uow, actor, programme_id, setting, found)
            return await self._view(uow, actor, programme_id, changed=setting)

    async def ask_number(
        self, actor: Actor | None, programme_id: int, kind: CadenceKind
    ) -> NumberAsked | Refusal[SettingsProblem]:
        """Minutes a month or meetings per cohort: the next text is the number."""
        if kind not in TYPED_CADENCES:
            return Refusal(SettingsProblem.NOT_UNDERSTOOD)
        programme = await self.for_change(actor, programme_id)
        if isinstance(programme, Refusal):
            return programme
        assert actor is not None
        async with self.db.unit() as uow:
            await uow.dialogues.save_dialogue(
                Dialogue(actor.person.id, FLOW, kind.value, {"programme": programme_id}),
                self.clock.now(),
            )
        return NumberAsked(programme, kind)

    async def typed(
        self, actor: Actor, text: str
    ) -> SettingsView | NumberAsked | Refusal[SettingsProblem] | None:
        """A number typed while one is asked for; None when none is."""
        async with self.db.unit() as uow:
            dialogue = await uow.dialogues.dialogue(actor.person.id)
            if dialogue is None or dialogue.flow != FLOW:
                return None
            programme_id = int(str(dialogue.data.get("programme", 0)))
            problem = self._change_problem(actor, programme_id)
            programme = await uow.programmes.programme(programme_id)
            if problem is not None or programme is None:
                await uow.dialogues.clear_dialogue(actor.person.id)
                return Refusal(problem or SettingsProblem.NOT_ALLOWED)
            if dialogue.step not in {k.value for k in TYPED_CADENCES}:
                await uow.dialogues.clear_dialogue(actor.person.id)
                return Refusal(SettingsProblem.NOT_UNDERSTOOD)
            kind = CadenceKind(dialogue.step)
            cadence = typed_cadence(kind, text)
            if cadence is None:
                return NumberAsked(programme, kind, SettingsProblem.BAD_NUMBER)
            found = values(Setting.CADENCE, str(cadence))
            assert found is not None
            await uow.dialogues.clear_dialogue(actor.person.id)
            await self._save(uow, actor, programme_id, Setting.CADENCE, found)
            return await self._view(uow, actor, programme_id, changed=Setting.CADENCE)

    async def stop_typing(self, actor: Actor) -> None:
        """The coordinator cancelled the typed number."""
        async with self.db.unit() as uow:
            dialogue = await uow.dialogues.dialogue(actor.person.id)
            if dialogue is not None and dialogue.flow == FLOW:
                await uow.dialogues.clear_dialogue(actor.person.id)

    # inside

    @staticmethod
    def _change_problem(actor: Actor | None, programme_id: int) -> SettingsProblem | None:
        if may(actor, Action.CHANGE_SETTINGS, programme_id):
            return None
        if may(actor, Action.VIEW_SETTINGS, programme_id):
            return SettingsProblem.REGION_ONLY
        return SettingsProblem.NOT_ALLOWED

    async def _save(
        self,
        uow: UnitOfWork,
        actor: Actor,
        programme_id: int,
        setting: Setting,
        found: dict[str, object],
    ) -> None:
        await uow.programmes.update_programme(programme_id, **found)
        # A button chosen instead of the typed number ends that question.
        dialogue = await uow.dialogues.dialogue(actor.person.id)
        if dialogue is not None and dialogue.flow == FLOW:
            await uow.dialogues.clear_dialogue(actor.person.id)
        # Ids only (no names in logs); the command line prints its changes the same way.
        log.info(
            "programme %s: %s set by person %s (%s)",
            programme_id,
            setting.value,
            actor.person.id,
            ", ".join(f"{key}={value}" for key, value in found.items()),
        )

    async def _view(
        self,
        uow: UnitOfWork,
        actor: Actor,
        programme_id: int,
        changed: Setting | None = None,
    ) -> SettingsView | Refusal[SettingsProblem]:
        programme = await uow.programmes.programme(programme_id)
        if programme is None:
            return Refusal(SettingsProblem.NOT_ALLOWED)
        now = self.clock.now()
        today = programme.rules.local(now).date()
        cohorts = await uow.programmes.cohorts(programme_id)
        own = {
            m.cohort_id
            for m in actor.memberships
            if m.role is Role.COORDINATOR and m.programme_id == programme_id
        }
        whole = may(actor, Action.CHANGE_SETTINGS, programme_id)
        regions = () if whole else tuple(c for c in cohorts if c.id in own)
        running = tuple(c for c in cohorts if c.starts_on <= today <= c.ends_on)
        shown = regions or running
        if not shown:
            current = current_cohort(cohorts, today)
            shown = (current,) if current is not None else ()
        return SettingsView(
            programme=programme,
            cohorts=shown,
            may_change=whole,
            next_digest=next_digest(programme, now),
            regions=regions,
            changed=changed,
            today=today,
        )
