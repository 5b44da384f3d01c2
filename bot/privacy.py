"""Use cases for personal data: a person's own export (/mydata) and erasure (/deleteme),
retention by cohort, the audit log (/audit) and slowing down wrong invite tokens.

Other features record what coordinators see or export with `Privacy.record_audit`
(or `record_audit` inside their own transaction).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from bot.alerts import farewells
from bot.clock import Clock
from bot.domain import dates
from bot.domain.access import Action, Actor, allowed_scope
from bot.domain.model import OutgoingMessage, Programme, Role
from bot.domain.privacy import (
    DEFAULT_RETENTION_MONTHS,
    Retention,
    erase_on,
    failures_after,
    invite_wait,
    retention,
)
from bot.i18n import _, use_language
from bot.texts import language_of, role_name
from storage.db import Database
from storage.privacy import AuditEntry, PrivacyRepository
from storage.repository import Repository


class AuditAction(StrEnum):
    VIEW_COMMENTS = "view_comments"  # a coordinator opened a pair's check-ins and comments
    EXPORT = "export"  # a report or data export left the bot
    DELETION = "deletion"  # a person erased their data (/deleteme)
    RETENTION = "retention"  # retention erased a cohort's personal data


@dataclass(frozen=True)
class Erasure:
    person_id: int
    pairs_ended: tuple[int, ...]
    notices: int


@dataclass(frozen=True)
class CohortDue:
    cohort_id: int
    cohort_name: str
    programme: Programme
    ends_on: date
    erase_on: date
    status: Retention
    people: int = 0
    pairs: int = 0


@dataclass(frozen=True)
class RetentionReport:
    due: list[CohortDue] = field(default_factory=list)
    notices: list[OutgoingMessage] = field(default_factory=list)
    erased_people: int = 0

    @property
    def erasing(self) -> bool:
        return any(item.status is Retention.ERASE for item in self.due)


async def record_audit(
    session_repo: PrivacyRepository,
    actor_id: int | None,
    programme_id: int | None,
    action: AuditAction | str,
    target: str,
    at: datetime,
) -> None:
    """One audit entry inside the caller's transaction."""
    await session_repo.record_audit(actor_id, programme_id, str(action), target[:64], at)


class Privacy:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        *,
        default_language: str,
        retention_months: int = DEFAULT_RETENTION_MONTHS,
    ) -> None:
        self.db = db
        self.clock = clock
        self.default_language = default_language
        self.retention_months = retention_months

    @asynccontextmanager
    async def unit(self) -> AsyncIterator[tuple[Repository, PrivacyRepository]]:
        async with self.db.session() as session:
            yield Repository(session), PrivacyRepository(session)

    # the audit log

    async def record_audit(
        self, actor_id: int | None, programme_id: int | None, action: AuditAction | str, target: str
    ) -> None:
        """Records who saw, exported or deleted what, and when (its own transaction)."""
        async with self.unit() as (_repo, privacy):
            await record_audit(privacy, actor_id, programme_id, action, target, self.clock.now())

    async def audit(self, actor: Actor | None, *, limit: int = 30) -> list[AuditEntry] | None:
        """The newest entries of the programmes this coordinator runs; None if not one."""
        scope = allowed_scope(actor, Action.VIEW_AUDIT)
        if actor is None or not scope:
            return None
        # A region's coordinator reads the region's entries only.
        whole = [p for p, cohort in scope.cohorts if cohort is None]
        regions = [(p, cohort) for p, cohort in scope.cohorts if cohort is not None]
        async with self.unit() as (_repo, privacy):
            return await privacy.audit_entries(
                whole, limit=limit, regions=regions, reader_id=actor.person.id
            )

    # wrong invite tokens

    async def invite_wait(self, telegram_user_id: int) -> timedelta:
        async with self.unit() as (_repo, privacy):
            failures, last = await privacy.invite_failures(telegram_user_id)
        return invite_wait(failures, last, self.clock.now())

    async def invite_failed(self, telegram_user_id: int) -> None:
        now = self.clock.now()
        async with self.unit() as (_repo, privacy):
            failures, last = await privacy.invite_failures(telegram_user_id)
            await privacy.set_invite_failures(
                telegram_user_id, failures_after(failures, last, now), now
            )

    async def invite_worked(self, telegram_user_id: int) -> None:
        async with self.unit() as (_repo, privacy):
            await privacy.forget_invite_failures(telegram_user_id)

    # a person's own data

    async def my_data(self, actor: Actor | None) -> dict[str, Any] | None:
        if actor is None:
            return None
        async with self.unit() as (_repo, privacy):
            return await privacy.export(actor.person.id)

    async def delete_me(self, actor: Actor | None) -> Erasure | None:
        """Erases the person: their pairs end, counts stay, coordinators are told."""
        if actor is None:
            return None
        now = self.clock.now()
        person = actor.person
        async with self.unit() as (repo, privacy):
            open_pairs = await privacy.open_pairs_of([person.id])
            views = [v for v in await repo.pairs_of_person(person.id) if v.pair.id in open_pairs]
            for pair_id in open_pairs:
                # Read before the pair ends: `alerts` leaves out the alerts of ended pairs.
                alerts = await repo.alerts(unresolved_only=True, pair_ids=[pair_id])
                await repo.end_pair(pair_id, "left", now)
                for alert in alerts:
                    await repo.update_alert(alert.id, status="resolved", resolved_at=now)
            await privacy.erase_pair_texts(await privacy.pairs_of([person.id]))
            await privacy.erase_people([person.id], now)
            programme_ids = sorted({m.programme_id for m in actor.memberships})
            programmes = await repo.programmes(programme_ids)
            notices: list[OutgoingMessage] = []
            for programme in programmes:
                roles = sorted(
                    {m.role.value for m in actor.memberships if m.programme_id == programme.id}
                )
                pairs = [v.pair.id for v in views if v.pair.programme_id == programme.id]
                # The other party is told kindly that the pair ended, never why.
                for view in views:
                    if view.pair.programme_id == programme.id:
                        other = view.adept if view.mentor.id == person.id else view.mentor
                        notices += farewells(
                            view, [other], programme, now, self.default_language, name_other=False
                        )
                for chat_id, language, recipient in await self._audience(repo, programme):
                    if recipient == person.id:
                        continue
                    notices.append(
                        OutgoingMessage(
                            idempotency_key=f"person:{person.id}:left:{programme.id}:{chat_id}",
                            chat_id=chat_id,
                            person_id=recipient,
                            kind="person_left",
                            text=_left_notice(
                                language, person.id, roles, pairs, programme.role_labels
                            ),
                            not_before=now,
                        )
                    )
                await record_audit(
                    privacy,
                    person.id,
                    programme.id,
                    AuditAction.DELETION,
                    f"person:{person.id}",
                    now,
                )
            await repo.enqueue(notices, now)
        return Erasure(person.id, tuple(open_pairs), len(notices))

    async def _audience(
        self, repo: Repository, programme: Programme
    ) -> list[tuple[int, str, int | None]]:
        """Where the coordinators of a programme read: the bound alert chat, else privately."""
        if programme.alert_chat_id is not None:
            return [(programme.alert_chat_id, programme.language or self.default_language, None)]
        coordinators = (await repo.coordinators_of([programme.id])).get(programme.id, [])
        return [
            (chat, language_of(person, programme, self.default_language), person.id)
            for person, chat in coordinators
        ]

    # retention

    async def plan_retention(
        self, repo: Repository, privacy: PrivacyRepository, now: datetime
    ) -> RetentionReport:
        """Within the caller's transaction: erases the cohorts that are due and returns the
        notices for those due within four weeks (the caller queues them)."""
        programmes = {p.id: p for p in await repo.programmes()}
        due: list[CohortDue] = []
        for cohort in await privacy.cohort_dates():
            programme = programmes.get(cohort.programme_id)
            if programme is None:
                continue
            today = programme.rules.local(now).date()
            status = retention(cohort, self.retention_months, today)
            if status is Retention.KEEP:
                continue
            due.append(
                CohortDue(
                    cohort_id=cohort.cohort_id,
                    cohort_name="",
                    programme=programme,
                    ends_on=cohort.ends_on,
                    erase_on=erase_on(cohort.ends_on, self.retention_months),
                    status=status,
                )
            )
        if not due:
            return RetentionReport()
        names = await privacy.cohort_names([d.cohort_id for d in due])
        counted: list[CohortDue] = []
        for item in due:
            people = await privacy.people_to_erase([item.cohort_id])
            pairs = await privacy.pairs_of_cohorts([item.cohort_id])
            counted.append(
                CohortDue(
                    cohort_id=item.cohort_id,
                    cohort_name=names.get(item.cohort_id, ""),
                    programme=item.programme,
                    ends_on=item.ends_on,
                    erase_on=item.erase_on,
                    status=item.status,
                    people=len(people),
                    pairs=len(pairs),
                )
            )
        notices: list[OutgoingMessage] = []
        for item in counted:
            if item.status is not Retention.NOTICE:
                continue
            for chat_id, language, recipient in await self._audience(repo, item.programme):
                notices.append(
                    OutgoingMessage(
                        idempotency_key=f"cohort:{item.cohort_id}:retention-notice:{chat_id}",
                        chat_id=chat_id,
                        person_id=recipient,
                        kind="retention_notice",
                        text=_retention_notice(language, item),
                        not_before=now,
                    )
                )
        erase = [item for item in counted if item.status is Retention.ERASE]
        erased = 0
        if erase:
            cohort_ids = [item.cohort_id for item in erase]
            people = await privacy.people_to_erase(cohort_ids)
            await privacy.erase_pair_texts(await privacy.pairs_of_cohorts(cohort_ids))
            erased = await privacy.erase_people(people, now)
            await privacy.erase_imports_of_cohorts(cohort_ids)
            await privacy.mark_cohorts_erased(cohort_ids, now)
            for item in erase:
                await record_audit(
                    privacy,
                    None,
                    item.programme.id,
                    AuditAction.RETENTION,
                    f"cohort:{item.cohort_id}",
                    now,
                )
        return RetentionReport(due=counted, notices=notices, erased_people=erased)

    async def run_retention(self, *, dry_run: bool = False) -> RetentionReport:
        """Retention on its own (the command line): erases what is due unless a dry run."""
        now = self.clock.now()
        async with self.unit() as (repo, privacy):
            report = await self.plan_retention(repo, privacy, now)
            if dry_run:
                await repo.session.rollback()
                return report
            await repo.enqueue(report.notices, now)
        return report


def _left_notice(
    language: str, person_id: int, roles: Sequence[str], pairs: Sequence[int], labels: str
) -> str:
    with use_language(language):
        role = ", ".join(_role_word(r, labels) for r in roles)
        if pairs:
            return _(
                "The {role} of pair {pairs} has left and deleted their data. "
                "The pair has ended; its counts are kept without names."
            ).format(role=role, pairs=", ".join(f"#{p}" for p in pairs))
        return _("A person (#{id}, {role}) has left and deleted their data.").format(
            role=role, id=person_id
        )


def _role_word(role: str, labels: str = "mentor") -> str:
    """A stored role as its word, in the programme's role words."""
    try:
        return role_name(Role(role), labels)
    except ValueError:
        return role


def _retention_notice(language: str, item: CohortDue) -> str:
    with use_language(language):
        return _(
            "In four weeks, on {day}, I delete the personal data of cohort «{cohort}» "
            "({programme}): names, answers and comments of {people} people. "
            "Counts are kept. Export what you need for the final report before then."
        ).format(
            day=dates.format_day(item.erase_on, language),
            cohort=item.cohort_name,
            programme=item.programme.name,
            people=item.people,
        )


def export_files(data: dict[str, Any], language: str) -> tuple[bytes, bytes]:
    """The person's data as JSON, and a short readable summary."""
    as_json = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False).encode("utf-8")
    return as_json, summary(data, language).encode("utf-8")


def summary(data: dict[str, Any], language: str) -> str:
    person = data["person"]
    with use_language(language):
        lines = [
            _("What mentorbot stores about you"),
            "",
            _("Name: {name}").format(
                name=" ".join(p for p in (person["first_name"], person["last_name"]) if p)
            ),
            _("Telegram id: {id}").format(id=person["telegram_user_id"]),
            _("You agreed to what is stored on {day} (version {version}).").format(
                day=(person["consented_at"] or "–")[:10], version=person["consent_version"] or "–"
            ),
            _("Your answers when you joined: {count}").format(count=len(person["intake_answers"])),
        ]
        for membership in data["memberships"]:
            lines.append(
                _("Programme: {programme}, as {role}").format(
                    programme=membership["programme"],
                    role=_role_word(membership["role"], membership.get("role_labels", "mentor")),
                )
            )
        for pair in data["pairs"]:
            lines.append(
                _("Pair #{id} with {other}: {meetings} meetings, {goals} goals").format(
                    id=pair["id"],
                    other=pair["other_party"] or "–",
                    meetings=len(pair["meetings"]),
                    goals=len(pair["goals"]),
                )
            )
        lines.append(_("Check-ins you answered: {count}").format(count=len(data["check_ins"])))
        lines.append(
            _("Evaluations you answered: {count}").format(count=len(data.get("evaluations", [])))
        )
        lines.append(
            _("Outcomes the coordinator recorded for you: {count}").format(
                count=len(data.get("outcomes", []))
            )
        )
        lines.append(
            _("Gatherings you were invited to: {count}").format(
                count=len(data.get("gathering_invitations", []))
            )
        )
        lines.append("")
        lines.append(_("Everything is in the JSON file. /deleteme deletes it."))
    return "\n".join(lines) + "\n"
