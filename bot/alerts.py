"""The coordinator's side: stall alerts with a lifecycle (open, taken, snoozed,
resolved), the alert chat, notes, ending pairs and messages from the coordinator.

The tick asks `plan_tick` for what changed: new alerts are posted, snoozed ones that
still hold come back, and alerts whose cause cleared resolve themselves; every post
and edit goes through the outbox (edits find earlier posts by their `ref`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from functools import partial

from bot import texts
from bot.clock import Clock
from bot.domain import agreement as agreement_rules
from bot.domain import digest as digest_rules
from bot.domain.access import Region, Scope
from bot.domain.agreement import Round
from bot.domain.model import (
    Alert,
    AlertStatus,
    Note,
    OutgoingMessage,
    PairStart,
    PairState,
    PairView,
    Person,
    Programme,
    Rhythm,
)
from bot.domain.stall import URGENCY, Facts, Reason, Score, Stall, stalls
from storage.alert_chats import AlertChats
from storage.db import Database
from storage.repository import Awake, Repository

SNOOZE = timedelta(days=7)


class Action(StrEnum):
    TAKE = "take"
    SNOOZE = "snooze"
    RESOLVE = "resolve"
    SHOW = "show"


class Problem(StrEnum):
    NOT_ALLOWED = "not_allowed"
    STALE = "stale"
    UNKNOWN_PAIR = "unknown_pair"


@dataclass(frozen=True)
class Refusal:
    problem: Problem


@dataclass(frozen=True)
class PairFile:
    """Everything a coordinator may see about one pair (`/pair <id>`)."""

    view: PairView
    programme: Programme
    start: PairStart | None
    rhythm: Rhythm | None
    # (who, score, comment, asked for help, help text, when)
    check_ins: tuple[tuple[Person, int | None, str | None, bool, str | None, datetime], ...]
    alerts: tuple[Alert, ...]
    notes: tuple[tuple[Note, str], ...]


@dataclass(frozen=True)
class Subject:
    """A pair with what an alert message needs to name it."""

    view: PairView
    programme: Programme


def audience_key(subject: Subject) -> tuple[int, int]:
    """Who hears of a pair: its region's alert chat, its programme's, or the
    coordinators of the programme or of the pair's cohort."""
    return (subject.programme.id, subject.view.pair.cohort_id)


@dataclass(frozen=True)
class Reader:
    """One place an alert goes: an alert chat (`person_id` None) or a coordinator."""

    chat_id: int
    language: str
    person_id: int | None
    # An alert chat where the bot found participants of its programmes: pair numbers
    # only, no names.
    names: bool = True

    @property
    def group(self) -> bool:
        return self.person_id is None


# Is this Telegram user in this chat? (getChatMember, asked by the caller)
Present = Callable[[int, int], Awaitable[bool]]


@dataclass(frozen=True)
class GroupCheck:
    chat_id: int
    participants: int
    told: bool  # the group was told of a change


@dataclass(frozen=True)
class Binding:
    """An alert chat bound or unbound: the whole programme's, or one region's."""

    programme: Programme
    cohort_id: int | None = None
    region: str | None = None  # the cohort's name


@dataclass(frozen=True)
class AlertPlan:
    messages: list[OutgoingMessage]
    # The ends of the snoozes of each pair's alerts: the tick wakes the pair then.
    snoozed: dict[int, list[datetime]]


class Alerts:
    def __init__(self, db: Database, clock: Clock, *, default_language: str) -> None:
        self.db = db
        self.clock = clock
        self.default_language = default_language

    # what the tick does

    async def plan_tick(
        self,
        repo: Repository,
        now: datetime,
        *,
        rhythms: Sequence[Rhythm] | None = None,
        starts: Sequence[PairStart] | None = None,
        awake: Awake | None = None,
    ) -> AlertPlan:
        """Opens, re-posts and resolves alerts for every pair (with `awake`, every pair
        the tick looks at: it passes their `rhythms` and `starts`): a constant
        number of statements, however many pairs and alerts change."""
        facts = await self._facts(repo, now, rhythms, starts, awake)
        existing = await repo.alerts(awake=awake)
        unresolved: dict[int, dict[str, Alert]] = {}
        snoozed: dict[int, list[datetime]] = {}
        for a in existing:
            if a.status is not AlertStatus.RESOLVED:
                unresolved.setdefault(a.pair_id, {})[a.reason] = a
            if a.status is AlertStatus.SNOOZED and a.snoozed_until is not None:
                snoozed.setdefault(a.pair_id, []).append(a.snoozed_until)
        closed = {
            (a.pair_id, a.reason, a.since) for a in existing if a.status is AlertStatus.RESOLVED
        }
        subjects: dict[int, Subject] = {}
        to_open: list[tuple[int, str, datetime, dict[str, object]]] = []
        to_reopen: list[Alert] = []
        to_resolve: list[Alert] = []
        for fact, subject in facts:
            subjects[fact.pair_id] = subject
            holding = {s.reason.value: s for s in stalls(fact, now)}
            open_here = unresolved.get(fact.pair_id, {})
            for reason, stall in holding.items():
                current = open_here.get(reason)
                if current is None:
                    # Resolved by hand: only a new cause (a new `since`) opens a new alert.
                    if (fact.pair_id, reason, stall.since) not in closed:
                        to_open.append((fact.pair_id, reason, stall.since, dict(stall.detail)))
                elif (
                    current.status is AlertStatus.SNOOZED
                    and current.snoozed_until is not None
                    and current.snoozed_until <= now
                ):
                    to_reopen.append(current)
            to_resolve.extend(alert for reason, alert in open_here.items() if reason not in holding)
        opened = await repo.open_alerts(to_open, now)
        await repo.reopen_alerts([alert.id for alert in to_reopen])
        await repo.set_alerts(
            [a.id for a in to_resolve],
            status=AlertStatus.RESOLVED.value,
            resolved_at=now,
            resolved_by=None,
        )
        # What the rows now hold, without reading them back.
        refreshed = {
            a.id: replace(a, status=AlertStatus.OPEN, snoozed_until=None, posts=a.posts + 1)
            for a in to_reopen
        } | {
            a.id: replace(a, status=AlertStatus.RESOLVED, resolved_at=now, resolved_by=None)
            for a in to_resolve
        }
        audience = await self._audiences(repo, list(subjects.values()))
        names = await self._names(repo, [*opened, *refreshed.values()])
        out: list[OutgoingMessage] = []
        for alert in opened:
            out.extend(self._posts(subjects[alert.pair_id], alert, now, audience, names))
        for alert in to_reopen:
            out.extend(
                self._posts(subjects[alert.pair_id], refreshed[alert.id], now, audience, names)
            )
        for alert in to_resolve:
            out.extend(
                self._edits(subjects[alert.pair_id], refreshed[alert.id], now, audience, names)
            )
        return AlertPlan(messages=out, snoozed=snoozed)

    async def open_now(
        self, repo: Repository, pair_id: int, stall: Stall, now: datetime
    ) -> list[OutgoingMessage]:
        """Opens an alert at once (a help request, a mismatch) and queues its posts."""
        subject = await self._subject(repo, pair_id)
        if subject is None:
            return []
        opened = await repo.open_alerts(
            [(pair_id, stall.reason.value, stall.since, dict(stall.detail))], now
        )
        audience = await self._audiences(repo, [subject])
        messages = [m for a in opened for m in self._posts(subject, a, now, audience, {})]
        await repo.enqueue(messages, now)
        return messages

    async def help_comment(self, person: Person, check_in_id: int, comment: str) -> bool:
        """What someone who asked for help wrote next: to the coordinators only, at once."""
        now = self.clock.now()
        async with self.db.session() as session:
            repo = Repository(session)
            check_in = await repo.check_in(check_in_id)
            if check_in is None or check_in.person_id != person.id or not check_in.needs_help:
                return False
            # Kept apart from the check-in's comment, and added to what they wrote for
            # help before: nothing a person writes is overwritten.
            before = check_in.help_text
            written = comment if not before else f"{before}\n{comment}"
            await repo.update_check_in(check_in_id, help_text=written)
            subject = await self._subject(repo, check_in.pair_id)
            if subject is None:
                return False
            audience = await self._audiences(repo, [subject])
            await repo.enqueue(
                [
                    OutgoingMessage(
                        idempotency_key=(
                            f"check_in:{check_in_id}:help_comment:{len(before or '')}:{reader.chat_id}"
                        ),
                        chat_id=reader.chat_id,
                        person_id=reader.person_id,
                        kind="help_request",
                        # What they wrote is for coordinators only: an alert chat is
                        # told that they wrote, and where to read it.
                        text=texts.help_follow_up_in_group(
                            reader.language, subject.view, subject.programme, reader.names
                        )
                        if reader.group
                        else texts.help_follow_up(reader.language, subject.view, person, comment),
                        not_before=now,
                    )
                    for reader in audience.get(audience_key(subject), [])
                ],
                now,
            )
            return True

    async def _subject(self, repo: Repository, pair_id: int) -> Subject | None:
        view = await repo.pair_view(pair_id)
        if view is None:
            return None
        programme = await repo.programme(view.pair.programme_id)
        return None if programme is None else Subject(view, programme)

    async def _audiences(
        self, repo: Repository, subjects: Sequence[Subject]
    ) -> dict[tuple[int, int], list[Reader]]:
        """Per (programme, cohort), who reads its alerts: the region's own alert chat,
        else the programme's, else each coordinator privately who runs the whole
        programme or that cohort (a region's coordinator hears only of the region's
        pairs). Three statements however many subjects."""
        programmes = {s.programme.id: s.programme for s in subjects}
        keys = {audience_key(s) for s in subjects}
        chats = AlertChats(repo.session)
        regions = await chats.region_chats(programmes)
        chat_of = {key: regions.get(key, programmes[key[0]].alert_chat_id) for key in sorted(keys)}
        crowded = await chats.crowded(c for c in chat_of.values() if c is not None)
        unbound = sorted({key[0] for key, chat in chat_of.items() if chat is None})
        coordinators = await repo.coordinator_memberships(unbound)
        result: dict[tuple[int, int], list[Reader]] = {}
        for key, chat_id in chat_of.items():
            programme = programmes[key[0]]
            if chat_id is not None:
                language = programme.language or self.default_language
                result[key] = [Reader(chat_id, language, None, chat_id not in crowded)]
                continue
            chosen: dict[int, Reader] = {}
            for person, chat, cohort_id in coordinators.get(programme.id, []):
                if cohort_id is None or cohort_id == key[1]:
                    language = texts.language_of(person, programme, self.default_language)
                    chosen[person.id] = Reader(chat, language, person.id)
            result[key] = list(chosen.values())
        return result

    def _posts(
        self,
        subject: Subject,
        alert: Alert,
        now: datetime,
        audience: dict[tuple[int, int], list[Reader]],
        names: dict[int, str],
    ) -> list[OutgoingMessage]:
        return [
            OutgoingMessage(
                idempotency_key=f"alert:{alert.id}:post:{alert.posts}:{reader.chat_id}",
                chat_id=reader.chat_id,
                person_id=reader.person_id,
                kind="alert",
                text=self._text(reader, alert, subject, names, now),
                reply_markup=texts.alert_buttons(reader.language, alert),
                not_before=now,  # coordinators are staff; alerts wait for no quiet hours
                ref=f"alert:{alert.id}",
            )
            for reader in audience.get(audience_key(subject), [])
        ]

    def _edits(
        self,
        subject: Subject,
        alert: Alert,
        now: datetime,
        audience: dict[tuple[int, int], list[Reader]],
        names: dict[int, str],
    ) -> list[OutgoingMessage]:
        stamp = f"{now:%Y%m%d%H%M%S}"
        return [
            OutgoingMessage(
                idempotency_key=f"alert:{alert.id}:edit:{alert.status.value}:{stamp}:{reader.chat_id}",
                chat_id=reader.chat_id,
                kind="edit",
                text=self._text(reader, alert, subject, names, now),
                reply_markup=texts.alert_buttons(reader.language, alert),
                not_before=now,
                edit_ref=f"alert:{alert.id}",
            )
            for reader in audience.get(audience_key(subject), [])
        ]

    @staticmethod
    def _text(
        reader: Reader, alert: Alert, subject: Subject, names: dict[int, str], now: datetime
    ) -> str:
        return texts.alert_text(
            reader.language,
            alert,
            subject.view,
            subject.programme,
            names,
            now,
            group=reader.group,
            with_names=reader.names,
        )

    async def _names(self, repo: Repository, alerts: Sequence[Alert]) -> dict[int, str]:
        ids = {i for a in alerts for i in (a.taken_by, a.resolved_by) if i is not None}
        people = await repo.people(ids)
        return {pid: person.first_name for pid, person in people.items()}

    async def _facts(
        self,
        repo: Repository,
        now: datetime,
        loaded_rhythms: Sequence[Rhythm] | None,
        loaded_starts: Sequence[PairStart] | None,
        awake: Awake | None,
    ) -> list[tuple[Facts, Subject]]:
        """Facts for every pair that is not ended, in a constant number of statements."""
        if loaded_rhythms is None:
            loaded_rhythms = await repo.rhythm_histories(since=(now - timedelta(days=2)).date())
        if loaded_starts is None:
            loaded_starts = await repo.pair_starts(
                states=[PairState.AWAITING_AGREEMENT, PairState.ACTIVE, PairState.PAUSED]
            )
        rhythms = {r.view.pair.id: r for r in loaded_rhythms}
        starts = {s.view.pair.id: s for s in loaded_starts}
        scores: dict[int, list[Score]] = {}
        helps: dict[int, list[tuple[int, datetime]]] = {}
        for pair_id, person, score, needs_help, at in await repo.stall_inputs(awake=awake):
            if score is not None:
                scores.setdefault(pair_id, []).append(Score(person, score, at))
            if needs_help:
                helps.setdefault(pair_id, []).append((person, at))
        result = []
        for pair_id, start in starts.items():
            view, programme = start.view, start.programme
            rhythm = rhythms.get(pair_id)
            mismatch_since, keys, answers, round_ = mismatch_of(start)
            fact = Facts(
                pair_id=pair_id,
                mentor_id=view.mentor.id,
                adept_id=view.adept.id,
                state=view.pair.state.value,
                created_at=view.pair.created_at,
                today=programme.rules.local(now).date(),
                cadence=programme.rules.cadence,
                history=rhythm.history if rhythm else None,
                scores=tuple(scores.get(pair_id, ())),
                help_requests=tuple(helps.get(pair_id, ())),
                mismatch_since=mismatch_since,
                mismatch_keys=keys,
                mismatch_answers=answers,
                mismatch_round=round_,
                unreachable=tuple(
                    (p.id, p.unreachable_since)
                    for p in (view.mentor, view.adept)
                    if p.unreachable_since is not None
                ),
                paused_until=view.pair.paused_until,
                timezone=programme.timezone,
            )
            result.append((fact, Subject(view, programme)))
        return result

    # coordinator actions

    async def act(
        self, coordinator: Person, alert_id: int, action: Action, scope: Scope
    ) -> tuple[Alert, Subject, list[OutgoingMessage]] | Refusal:
        """A button on an alert. Only coordinators of the alert's pair may press (of its
        programme, or of its region)."""
        now = self.clock.now()
        async with self.db.session() as session:
            repo = Repository(session)
            alert = await repo.alert(alert_id)
            if alert is None:
                return Refusal(Problem.STALE)
            subject = await self._subject(repo, alert.pair_id)
            if subject is None or not scope.covers(subject.view.pair):
                return Refusal(Problem.NOT_ALLOWED)
            if action is Action.SHOW:
                return alert, subject, []
            if alert.status is AlertStatus.RESOLVED:
                return Refusal(Problem.STALE)
            if action is Action.TAKE:
                await repo.update_alert(
                    alert_id, status=AlertStatus.TAKEN.value, taken_by=coordinator.id
                )
            elif action is Action.SNOOZE:
                await repo.update_alert(
                    alert_id, status=AlertStatus.SNOOZED.value, snoozed_until=now + SNOOZE
                )
            else:
                await repo.update_alert(
                    alert_id,
                    status=AlertStatus.RESOLVED.value,
                    resolved_at=now,
                    resolved_by=coordinator.id,
                )
            changed = await repo.alert(alert_id)
            assert changed is not None
            audience = await self._audiences(repo, [subject])
            names = await self._names(repo, [changed])
            edits = self._edits(subject, changed, now, audience, names)
            await repo.enqueue(edits, now)
            return changed, subject, edits

    async def unresolved(self, scope: Scope) -> list[tuple[Alert, Subject]]:
        """Open, taken and snoozed alerts of the pairs in scope, most urgent first."""
        async with self.db.session() as session:
            repo = Repository(session)
            # Three statements however many pairs and alerts: the scope's pairs, their
            # programmes, the unresolved alerts.
            views = {view.pair.id: view for view in await repo.pair_views_in(scope)}
            programmes = {p.id: p for p in await repo.programmes(scope.programmes)}
            found = [
                (alert, Subject(view, programmes[view.pair.programme_id]))
                for alert in await repo.alerts(unresolved_only=True)
                if (view := views.get(alert.pair_id)) is not None
            ]
        return sorted(
            found, key=lambda item: (URGENCY.index(Reason(item[0].reason)), item[0].opened_at)
        )

    async def bind(self, chat_id: int, by: Person, scope: Scope) -> list[Binding]:
        """Makes the group the alert chat of what `scope` holds: a whole programme
        (`scope` cohort None) or one region, never a region's coordinator the
        programme's. The programme's chat (else its coordinators) hears of every
        change it did not make itself."""
        now = self.clock.now()
        async with self.db.session() as session:
            repo, chats = Repository(session), AlertChats(session)
            programmes = {p.id: p for p in await repo.programmes(scope.programmes)}
            bound: list[Binding] = []
            notices: list[OutgoingMessage] = []
            for programme_id, cohort_id in scope.cohorts:
                programme = programmes[programme_id]
                if cohort_id is None:
                    await repo.set_alert_chat(programme_id, chat_id)
                    # A digest due but not yet sent this week is not posted the moment
                    # the chat is bound (a new programme's would be all zeros).
                    if week := digest_rules.due_week(programme, now):
                        await repo.update_programme(programme_id, digest_week=week)
                    bound.append(
                        Binding(replace(programme, digest_week=week or programme.digest_week))
                    )
                    before = programme.alert_chat_id
                    if before is not None and before != chat_id:
                        notices.append(
                            self._notice(
                                before,
                                programme.language or self.default_language,
                                None,
                                texts.alert_chat_moved(
                                    programme.language or self.default_language,
                                    programme.name,
                                    by.first_name,
                                ),
                                f"alert_chat:{programme_id}:moved:{chat_id}:{now.isoformat()}",
                                now,
                            )
                        )
                    continue
                region = await chats.cohort_name(cohort_id) or str(cohort_id)
                earlier = await chats.bind_region(programme_id, cohort_id, chat_id)
                bound.append(Binding(programme, cohort_id, region))
                if earlier != chat_id:
                    notices.extend(
                        await self._tell_programme(
                            repo,
                            programme,
                            by,
                            chat_id,
                            partial(texts.region_chat_bound, region=region, by=by.first_name),
                            f"alert_chat:{programme_id}:region:{cohort_id}:bound:{chat_id}:{now.isoformat()}",
                            now,
                        )
                    )
            await repo.enqueue(notices, now)
            return bound

    async def unbind(self, chat_id: int, by: Person, regions: Iterable[Region]) -> list[Binding]:
        """Stops alerts of these (already checked) bindings coming to the group."""
        now = self.clock.now()
        wanted = set(regions)
        async with self.db.session() as session:
            repo, chats = Repository(session), AlertChats(session)
            unbound: list[Binding] = []
            notices: list[OutgoingMessage] = []
            for programme in await repo.programmes_with_alert_chat(chat_id):
                if Region(programme.id) in wanted:
                    await repo.set_alert_chat(programme.id, None)
                    unbound.append(Binding(programme))
            for programme_id, cohort_id, region in await chats.regions_in(chat_id):
                if Region(programme_id, cohort_id) not in wanted:
                    continue
                await chats.unbind_region(cohort_id)
                [programme] = await repo.programmes([programme_id])
                unbound.append(Binding(programme, cohort_id, region))
                notices.extend(
                    await self._tell_programme(
                        repo,
                        programme,
                        by,
                        chat_id,
                        partial(texts.region_chat_unbound, region=region, by=by.first_name),
                        f"alert_chat:{programme_id}:region:{cohort_id}:unbound:{chat_id}:{now.isoformat()}",
                        now,
                    )
                )
            await repo.enqueue(notices, now)
            return unbound

    async def _tell_programme(
        self,
        repo: Repository,
        programme: Programme,
        by: Person,
        here: int,
        text: Callable[[str], str],
        key: str,
        now: datetime,
    ) -> list[OutgoingMessage]:
        """A change to a region's alert chat, told to the programme's alert chat, else
        to each coordinator of the whole programme privately (not to who made it)."""
        if programme.alert_chat_id is not None:
            if programme.alert_chat_id == here:
                return []
            language = programme.language or self.default_language
            return [self._notice(programme.alert_chat_id, language, None, text(language), key, now)]
        coordinators = await repo.coordinator_memberships([programme.id])
        return [
            self._notice(
                chat,
                language := texts.language_of(person, programme, self.default_language),
                person.id,
                text(language),
                key,
                now,
            )
            for person, chat, cohort_id in coordinators.get(programme.id, [])
            if cohort_id is None and person.id != by.id
        ]

    @staticmethod
    def _notice(
        chat_id: int, language: str, person_id: int | None, text: str, key: str, now: datetime
    ) -> OutgoingMessage:
        return OutgoingMessage(
            idempotency_key=f"{key}:{chat_id}",
            chat_id=chat_id,
            person_id=person_id,
            kind="alert_chat",
            text=text,
            not_before=now,  # to coordinators: no quiet hours
        )

    async def check_group(self, chat_id: int, present: Present) -> GroupCheck:
        """Asks Telegram (`present`: is this user in the chat?) whether participants of
        the programmes bound here are in the group. While any is, the group reads pair
        numbers only; a change is said in the group (pair numbers, no names)."""
        async with self.db.session() as session:
            chats = AlertChats(session)
            programmes = (await chats.programme_chats()).get(chat_id, [])
            users = await chats.participants(programmes)
            before = (await chats.checked([chat_id])).get(chat_id)
        found = 0
        for user_id in users:
            if await present(chat_id, user_id):
                found += 1
        now = self.clock.now()
        async with self.db.session() as session:
            repo, chats = Repository(session), AlertChats(session)
            await chats.record_check(chat_id, found, now)
            [language] = [
                p.language or self.default_language for p in await repo.programmes(programmes[:1])
            ] or [self.default_language]
            changed = (before is None and found > 0) or (
                before is not None and (before[0] > 0) != (found > 0)
            )
            notice = None
            if changed and programmes:
                notice = self._notice(
                    chat_id,
                    language,
                    None,
                    texts.participants_in_group(language, found),
                    f"alert_group:{chat_id}:participants:{found > 0}:{now.isoformat()}",
                    now,
                )
                await repo.enqueue([notice], now)
        return GroupCheck(chat_id, found, notice is not None)

    async def check_due_groups(self, present: Present, every: timedelta) -> list[GroupCheck]:
        """Checks each alert chat not checked for `every` (the daily check)."""
        now = self.clock.now()
        async with self.db.session() as session:
            chats = AlertChats(session)
            all_chats = await chats.programme_chats()
            checked = await chats.checked(all_chats)
        due = [c for c in all_chats if c not in checked or checked[c][1] + every <= now]
        return [await self.check_group(chat_id, present) for chat_id in due]

    async def names_hidden(self, chat_id: int) -> bool:
        async with self.db.session() as session:
            return chat_id in await AlertChats(session).crowded([chat_id])

    async def bindings(self, chat_id: int) -> tuple[frozenset[int], frozenset[tuple[int, int]]]:
        """What this group is the alert chat of: whole programmes, and regions."""
        async with self.db.session() as session:
            whole = await Repository(session).programmes_with_alert_chat(chat_id)
            regions = await AlertChats(session).regions_in(chat_id)
        return frozenset(p.id for p in whole), frozenset((p, c) for p, c, _name in regions)

    async def bound_programmes(self, chat_id: int) -> list[Programme]:
        async with self.db.session() as session:
            return await Repository(session).programmes_with_alert_chat(chat_id)

    async def pair_file(self, pair_id: int, scope: Scope) -> PairFile | Refusal:
        """The pair's file; a pair outside the coordinator's scope is as unknown."""
        async with self.db.session() as session:
            repo = Repository(session)
            view = await repo.pair_view(pair_id)
            if view is None or not scope.covers(view.pair):
                return Refusal(Problem.UNKNOWN_PAIR)
            programme = await repo.programme(view.pair.programme_id)
            assert programme is not None
            starts = await repo.pair_starts(
                states=[
                    PairState.AWAITING_AGREEMENT,
                    PairState.ACTIVE,
                    PairState.PAUSED,
                    PairState.ENDED,
                ],
                pair_id=pair_id,
            )
            rhythms = await repo.rhythm_histories(
                since=self.clock.now().date() - timedelta(days=2), pair_id=pair_id
            )
            people = {view.mentor.id: view.mentor, view.adept.id: view.adept}
            check_ins = tuple(
                (people[c.person_id], c.score, c.comment, c.needs_help, c.help_text, c.created_at)
                for c in await repo.check_ins_of([pair_id])
                if c.completed_at is not None or c.needs_help
            )
            notes = await repo.notes_of(pair_id)
            authors = await repo.people([n.author_id for n in notes if n.author_id is not None])
            return PairFile(
                view=view,
                programme=programme,
                start=starts[0] if starts else None,
                rhythm=rhythms[0] if rhythms else None,
                check_ins=check_ins,
                alerts=tuple(await repo.alerts(pair_ids=[pair_id])),
                notes=tuple(
                    (n, authors[n.author_id].first_name if n.author_id in authors else "?")
                    for n in notes
                ),
            )

    async def add_note(
        self, coordinator: Person, pair_id: int, text: str, scope: Scope
    ) -> PairView | Refusal:
        async with self.db.session() as session:
            repo = Repository(session)
            view = await repo.pair_view(pair_id)
            if view is None or not scope.covers(view.pair):
                return Refusal(Problem.UNKNOWN_PAIR)
            await repo.add_note(pair_id, coordinator.id, text, self.clock.now())
            return view

    async def end(
        self, coordinator: Person, pair_id: int, reason: str, scope: Scope
    ) -> PairView | Refusal:
        now = self.clock.now()
        async with self.db.session() as session:
            repo = Repository(session)
            view = await repo.pair_view(pair_id)
            if view is None or not scope.covers(view.pair):
                return Refusal(Problem.UNKNOWN_PAIR)
            # Read before the pair ends: `alerts` leaves out the alerts of ended pairs.
            alerts = await repo.alerts(unresolved_only=True, pair_ids=[pair_id])
            if not await repo.end_pair(pair_id, reason, now):
                return Refusal(Problem.STALE)
            programme = await repo.programme(view.pair.programme_id)
            assert programme is not None
            for alert in alerts:
                await repo.update_alert(
                    alert.id,
                    status=AlertStatus.RESOLVED.value,
                    resolved_at=now,
                    resolved_by=coordinator.id,
                )
            await repo.enqueue(
                farewells(view, (view.mentor, view.adept), programme, now, self.default_language),
                now,
            )
            return view

    async def message(
        self, coordinator: Person, pair_id: int, to: str, text: str, scope: Scope
    ) -> tuple[PairView, list[Person]] | Refusal:
        """A coordinator's own words to one or both parties, sent through the bot."""
        now = self.clock.now()
        async with self.db.session() as session:
            repo = Repository(session)
            view = await repo.pair_view(pair_id)
            if view is None or not scope.covers(view.pair):
                return Refusal(Problem.UNKNOWN_PAIR)
            programme = await repo.programme(view.pair.programme_id)
            assert programme is not None
            recipients = [
                p
                for role, p in (("mentor", view.mentor), ("adept", view.adept))
                if to in (role, "both")
            ]
            await repo.enqueue(
                [
                    OutgoingMessage(
                        idempotency_key=f"pair:{pair_id}:message:{coordinator.id}:{now.isoformat()}:{person.id}",
                        chat_id=person.telegram_user_id,
                        person_id=person.id,
                        kind="coordinator_message",
                        text=texts.coordinator_message(
                            texts.language_of(person, programme, self.default_language),
                            coordinator,
                            text,
                        ),
                        reply_markup=texts.coordinator_message_markup(
                            texts.language_of(person, programme, self.default_language),
                            pair_id,
                            coordinator.id,
                        ),
                        not_before=programme.rules.allowed(now),
                    )
                    for person in recipients
                    if person.telegram_user_id is not None
                ],
                now,
            )
            return view, recipients


def farewells(
    view: PairView,
    to: Sequence[Person],
    programme: Programme,
    now: datetime,
    default_language: str,
    *,
    name_other: bool = True,
) -> list[OutgoingMessage]:
    """The pair has ended: a kind word to these parties, with no reason given (the same
    whoever ended it). A party who left erased their name, so the word to the other one
    does not name them (`name_other` False)."""
    return [
        OutgoingMessage(
            idempotency_key=f"pair:{view.pair.id}:ended:{person.id}",
            chat_id=person.telegram_user_id,
            person_id=person.id,
            kind="pair_ended",
            text=texts.pair_ended(
                texts.language_of(person, programme, default_language),
                (view.adept if person.id == view.mentor.id else view.mentor)
                if name_other
                else None,
                programme.role_labels,
            ),
            not_before=programme.rules.allowed(now),
        )
        for person in to
        if person.telegram_user_id is not None
    ]


def mismatch_of(
    start: PairStart,
) -> tuple[datetime | None, tuple[str, ...], dict[str, tuple[object, object]], str]:
    """When both answered the newest round that differs on what matters, on what, and how."""
    pair = start.view.pair
    for round_ in (Round.RECHECK, Round.START):
        mentor = start.expectation(pair.mentor_id, round_)
        adept = start.expectation(pair.adept_id, round_)
        if mentor and adept and mentor.completed_at and adept.completed_at:
            answers = {k: v for k, v in mentor.answers.items() if not k.startswith("_")}
            theirs = {k: v for k, v in adept.answers.items() if not k.startswith("_")}
            comparison = agreement_rules.compare(round_, answers, theirs)
            if comparison.alerts:
                answered = {k: (answers.get(k), theirs.get(k)) for k in comparison.alerts}
                since = max(mentor.completed_at, adept.completed_at)
                return since, comparison.alerts, answered, round_.value
            return None, (), {}, round_.value
    return None, (), {}, Round.START.value
