"""Use cases of the weekly digest to coordinators, the weekly note to participants, and
a person's settings (`/settings`).

The tick's weekly step asks what is due: each programme's digest once a week (text parts
and the chart, through the outbox with keys ``digest:<programme>:<week>:<chat>:<part>``,
the week recorded on the programme in the same transaction; a region's coordinator gets
the region's digest, a coordinator of the whole programme and the alert chat all of it),
and the weekly notes, which respect the one-message-a-day limit and are recorded as
nudges of kind ``weekly`` for the ISO week. `/digest` renders the same digest as a
direct reply (a region's, for a region's coordinator).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from bot.domain import digest as rules
from bot.domain import policy
from bot.domain.digest import Digest, DigestInput
from bot.domain.model import OutgoingMessage, PairState, Person, Programme, Rhythm
from bot.domain.rhythm import NudgeKind, period_for
from bot.files import chart
from bot.runtime.clock import Clock
from bot.texts import digest as digest_texts
from bot.texts.common import language_of
from bot.usecases.ticking import StepPlan, TickContext
from storage.db import Database
from storage.digest import DigestQueries
from storage.uow import UnitOfWork

CHART_PART = "chart"


@dataclass(frozen=True)
class Rendered:
    """One programme's digest, ready to send to one chat."""

    programme: Programme
    digest: Digest
    parts: list[str]
    caption: str
    chart: dict[str, Any]  # chart data (bot/files/chart.py draws it)


@dataclass
class WeeklyPlan:
    messages: list[OutgoingMessage] = field(default_factory=list)
    nudges: list[tuple[int, int, str, str]] = field(default_factory=list)
    weeks: list[tuple[int, str]] = field(default_factory=list)  # (programme, ISO week) queued


class Digests:
    def __init__(self, db: Database, clock: Clock, *, default_language: str) -> None:
        self.db = db
        self.clock = clock
        self.default_language = default_language

    # the tick

    async def plan_tick(self, t: TickContext) -> StepPlan:
        """The weekly step: the digests due, and the weekly notes after the rhythm's
        messages (one a day, counting the slots in `t.taken`)."""
        plan = await self._weekly(t.uow, t.now, rhythms=t.rhythms, taken=t.taken)
        return StepPlan(
            messages=plan.messages,
            nudges=plan.nudges,
            record=lambda uow, _now: self.record(uow, plan),
            writes=bool(plan.weeks),
        )

    async def _weekly(
        self,
        uow: UnitOfWork,
        now: datetime,
        *,
        rhythms: Sequence[Rhythm],
        taken: set[tuple[int, date]],
    ) -> WeeklyPlan:
        """Digests due now and weekly notes: one statement, plus a fixed number when a
        digest is due."""
        plan = WeeklyPlan()
        queries = uow.digest
        due = [
            (programme, week)
            for programme in await queries.digest_programmes()
            if (week := rules.due_week(programme, now)) is not None
        ]
        if due:
            plan.messages.extend(await self._digests(uow, [p for p, _w in due], now))
            plan.weeks.extend((p.id, week) for p, week in due)
        notes, nudges = self.weekly_notes(rhythms, now, taken)
        plan.messages.extend(notes)
        plan.nudges.extend(nudges)
        return plan

    async def record(self, uow: UnitOfWork, plan: WeeklyPlan) -> None:
        for programme_id, week in plan.weeks:
            await uow.programmes.update_programme(programme_id, digest_week=week)

    async def _digests(
        self, uow: UnitOfWork, programmes: Sequence[Programme], now: datetime
    ) -> list[OutgoingMessage]:
        """Each programme's digest to its audiences: the bound alert chat, else each
        coordinator privately, a region's coordinator with the region's digest only. The
        inputs are read once for all programmes; a region's part is cut from them."""
        queries = uow.digest
        # Failed messages since the previous scheduled digest, a week before this one.
        inputs = await self._inputs(queries, programmes, now, failed_since=now - timedelta(days=7))
        unbound = [p.id for p in programmes if p.alert_chat_id is None]
        coordinators = await uow.people.coordinator_memberships(unbound)
        # (chat, language, person, cohort) per programme; cohort None: the whole programme.
        audiences: dict[int, list[tuple[int, str, int | None, int | None]]] = {}
        for programme in programmes:
            if programme.alert_chat_id is not None:
                audiences[programme.id] = [
                    (programme.alert_chat_id, programme.language, None, None)
                ]
                continue
            audiences[programme.id] = [
                (chat, language_of(person, programme, self.default_language), person.id, cohort)
                for person, chat, cohort in coordinators.get(programme.id, [])
            ]
        # Alert chats where participants sit read pair numbers only.
        bound = [p.alert_chat_id for p in programmes if p.alert_chat_id is not None]
        hidden = await uow.alert_chats.crowded(bound) if bound else set()
        digests = {
            (pid, cohort): self._compute(inputs[pid], cohort, now)
            for pid, audience in audiences.items()
            for _chat, _language, _person, cohort in audience
        }
        alert_ids = sorted({a for d in digests.values() for s in d.stalled for _r, a in s.reasons})
        posts = await queries.alert_posts(alert_ids)
        messages: list[OutgoingMessage] = []
        for programme in programmes:
            for chat_id, language, person_id, cohort in audiences[programme.id]:
                digest = digests[(programme.id, cohort)]
                links = {
                    alert_id: link
                    for alert_id, found in posts.items()
                    for chat, message_id in found
                    if chat == chat_id and (link := digest_texts.alert_link(chat, message_id))
                }
                rendered = self._render(
                    programme, digest, language, links, names=chat_id not in hidden
                )
                # One audience is one chat: the key holds per (programme, chat, week).
                key = f"digest:{programme.id}:{digest.week}:{chat_id}"
                messages.extend(
                    OutgoingMessage(
                        idempotency_key=f"{key}:{number}",
                        chat_id=chat_id,
                        person_id=person_id,
                        kind="digest",
                        text=text,
                        not_before=now,  # coordinators are staff: no quiet hours
                    )
                    for number, text in enumerate(rendered.parts, start=1)
                )
                messages.append(
                    OutgoingMessage(
                        idempotency_key=f"{key}:{CHART_PART}",
                        chat_id=chat_id,
                        person_id=person_id,
                        kind="digest",
                        text=rendered.caption,
                        photo=rendered.chart,
                        not_before=now,
                    )
                )
        return messages

    @staticmethod
    def _compute(data: DigestInput, cohort_id: int | None, now: datetime) -> Digest:
        """The whole programme's digest, or one cohort's (a region's coordinator)."""
        return rules.compute(data if cohort_id is None else rules.of_cohort(data, cohort_id), now)

    async def _inputs(
        self,
        queries: DigestQueries,
        programmes: Sequence[Programme],
        now: datetime,
        *,
        failed_since: datetime,
    ) -> dict[int, DigestInput]:
        return await queries.digest_inputs(
            programmes,
            scores_since=now - timedelta(weeks=policy.CHART_WEEKS + 1),
            planned_from=now.date() - timedelta(days=1),
            failed_since=failed_since,
            gatherings_between=(now - policy.SOON, now + policy.SOON),
        )

    def _render(
        self,
        programme: Programme,
        digest: Digest,
        language: str,
        links: dict[int, str],
        *,
        names: bool = True,
    ) -> Rendered:
        parts = rules.pack(digest_texts.digest_sections(language, digest, links, names=names))
        # At most about 520 characters (a programme's and a cohort's name have at most 200
        # each): always fits.
        caption = digest_texts.chart_caption(language, digest)
        title = digest_texts.chart_title(language, digest)
        return Rendered(
            programme=programme,
            digest=digest,
            parts=parts,
            caption=caption,
            chart=chart.to_payload(digest.chart, language, title),
        )

    # /digest

    async def on_demand(self, scopes: Mapping[int, int | None], language: str) -> list[Rendered]:
        """The current digest of each programme a coordinator runs, for them: `scopes`
        maps each programme to the cohort they coordinate (a region), or None (all)."""
        now = self.clock.now()
        async with self.db.unit() as uow:
            programmes = await uow.programmes.programmes(list(scopes))
            inputs = await self._inputs(
                uow.digest, programmes, now, failed_since=now - timedelta(days=7)
            )
        return [
            self._render(p, self._compute(inputs[p.id], scopes[p.id], now), language, {})
            for p in programmes
        ]

    # the weekly note

    def weekly_notes(
        self, rhythms: Sequence[Rhythm], now: datetime, taken: set[tuple[int, date]]
    ) -> tuple[list[OutgoingMessage], list[tuple[int, int, str, str]]]:
        """Notes due now: on the first working day of the week (Monday, usually), inside
        the programme's hours, once per ISO week per person, and only when there is news.

        The note is the least urgent message there is: when that day already has a message
        for the person (the one-a-day limit), there is no note that week. Mid-week it would
        only repeat what the rhythm's own questions and reminders say."""
        messages: list[OutgoingMessage] = []
        nudges: list[tuple[int, int, str, str]] = []
        for rhythm in rhythms:
            pair = rhythm.view.pair
            programme = rhythm.programme
            r = programme.rules
            today = r.local(now).date()
            first_day = min(r.working_days, default=0)
            if (
                pair.state is not PairState.ACTIVE
                or today.weekday() != first_day
                or r.allowed(now) != now
            ):
                continue
            history = rhythm.history
            week = rules.iso_week(today)
            period = period_for(
                r.cadence,
                today,
                r.local(history.activated_at).date(),
                history.cohort_start,
                history.cohort_end,
            )
            notes = [n for n in history.nudges if n.kind is NudgeKind.WEEKLY]
            mentor_notes = [n.sent_at for n in notes if n.person_id == pair.mentor_id]
            # The mentor hears of the adept's changes to the goals in the next note.
            goals_changed = rules.goals_changed_for(
                pair.goals_changed_at, max(mentor_notes, default=None), pair.activated_at
            )
            note = rules.weekly_note(
                state=pair.state,
                period=period,
                meetings=history.meetings,
                planned=history.planned,
                goals=pair.goals,
                today=today,
                goals_changed=goals_changed,
            )
            if note is None:
                continue
            sent = {(n.person_id, n.period) for n in notes}
            for person, other, theirs in (
                (rhythm.view.mentor, rhythm.view.adept, note),
                (rhythm.view.adept, rhythm.view.mentor, replace(note, goals_changed=False)),
            ):
                if (
                    not (theirs.news or theirs.goals_changed)
                    or not person.weekly_note
                    or person.id not in history.reachable
                    or person.telegram_user_id is None
                    or (person.id, week) in sent
                    or (person.id, today) in taken
                ):
                    continue
                taken.add((person.id, today))
                language = language_of(person, programme, self.default_language)
                messages.append(
                    OutgoingMessage(
                        idempotency_key=f"weekly:{pair.id}:{week}:{person.id}",
                        chat_id=person.telegram_user_id,
                        person_id=person.id,
                        kind="weekly_note",
                        text=digest_texts.weekly_note(language, theirs, other, today),
                        not_before=now,
                    )
                )
                nudges.append((pair.id, person.id, week, NudgeKind.WEEKLY.value))
        return messages, nudges

    # settings

    async def set_weekly_note(self, person: Person, on: bool) -> Person:
        async with self.db.unit() as uow:
            await uow.people.update_person(person.id, weekly_note=on)
            changed = await uow.people.person(person.id)
        assert changed is not None
        return changed
