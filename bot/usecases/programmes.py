"""Use cases of setting a programme up: presets from the source documents, more cohorts
(intakes, regions), learning groups. Used by the command line."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.domain.dates import add_months
from bot.domain.gatherings import check_title
from bot.domain.model import Cohort, Programme
from bot.domain.programmes import Preset
from bot.runtime.clock import Clock
from bot.runtime.i18n import _, use_language
from storage.db import Database
from storage.uow import UnitOfWork


@dataclass(frozen=True)
class SetUp:
    programme: Programme
    cohorts: tuple[Cohort, ...]
    gatherings: int  # gatherings planned from the preset


class Programmes:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def create(
        self,
        *,
        name: str,
        timezone: str,
        language: str,
        preset: Preset | None,
        starts_on: date | None = None,
        ends_on: date | None = None,
    ) -> SetUp:
        """A programme with its cohorts (one, or one per region) and, with a preset, its
        rhythm, role words, outcomes and planned gatherings."""
        now = self.clock.now()
        first_day = starts_on or now.date()
        months = preset.months if preset else 12
        last_day = ends_on or add_months(first_day, months) - timedelta(days=1)
        async with self.db.unit() as uow:
            programme = await uow.programmes.create_programme(
                name=name.strip(), timezone=timezone, language=language, now=now
            )
            if preset is not None:
                await uow.programmes.update_programme(
                    programme.id,
                    cadence=preset.cadence,
                    role_labels=preset.role_labels,
                    outcomes=",".join(preset.outcomes),
                    preset=preset.key,
                )
                programme = await uow.programmes.programme(programme.id) or programme
            cohorts = []
            for region in (preset.regions if preset else ()) or (None,):
                cohort_name = f"{name.strip()} – {region}" if region else name.strip()
                cohorts.append(
                    await uow.programmes.create_cohort(
                        programme_id=programme.id,
                        name=cohort_name,
                        starts_on=first_day,
                        ends_on=last_day,
                        now=now,
                    )
                )
            planned = 0
            if preset is not None:
                for cohort in cohorts:
                    planned += await self._plan(uow, programme, cohort, preset, now)
        return SetUp(programme, tuple(cohorts), planned)

    async def add_cohort(
        self,
        programme_id: int,
        *,
        name: str,
        starts_on: date,
        ends_on: date | None,
        preset: Preset | None,
    ) -> tuple[Cohort, int] | None:
        """A new intake (or region) of a programme, with the preset's gatherings."""
        now = self.clock.now()
        async with self.db.unit() as uow:
            programme = await uow.programmes.programme(programme_id)
            if programme is None:
                return None
            months = preset.months if preset else 12
            cohort = await uow.programmes.create_cohort(
                programme_id=programme_id,
                name=name.strip(),
                starts_on=starts_on,
                ends_on=ends_on or add_months(starts_on, months) - timedelta(days=1),
                now=now,
            )
            planned = await self._plan(uow, programme, cohort, preset, now) if preset else 0
        return cohort, planned

    @staticmethod
    async def _plan(
        uow: UnitOfWork, programme: Programme, cohort: Cohort, preset: Preset, now: datetime
    ) -> int:
        """The preset's gatherings for one cohort, at 18:00 local time; past ones are left out.
        The place is left open ("comes later"); invitations go out when it is near."""
        planned = 0
        for item in preset.gatherings:
            day = (
                cohort.starts_on + timedelta(days=item.day)
                if item.day >= 0
                else cohort.ends_on + timedelta(days=item.day)
            )
            day = min(max(day, cohort.starts_on), cohort.ends_on)
            moment = programme.rules.at(day, item.at)
            if moment <= now:
                continue
            with use_language(programme.language):
                title = check_title(_(item.title)) or item.title
            await uow.gatherings.create_gathering(
                programme_id=programme.id,
                cohort_id=cohort.id,
                learning_group=None,
                audience=item.audience,
                kind=item.kind,
                title=title,
                place=None,
                starts_at=moment,
                created_by=None,
                now=now,
            )
            planned += 1
        return planned

    async def set_learning_group(
        self, programme_id: int, person_ids: list[int], group: str | None
    ) -> int:
        async with self.db.unit() as uow:
            return await uow.gatherings.set_learning_group(programme_id, person_ids, group)
