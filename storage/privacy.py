"""Queries for personal data: a person's export, erasure, retention by cohort, the audit
log and wrong invite tokens. Returns plain data, never ORM rows."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import String, Text, and_, cast, delete, literal, or_, select, update
from sqlmodel import col

from bot.domain.evaluation import COHORT_END, KEYS, TEXT_STEPS
from bot.domain.intake import ADEPT_QUESTIONS, MENTOR_QUESTIONS
from bot.domain.model import Role
from bot.domain.privacy import (
    ERASED_GOAL_PREFIX,
    CohortDates,
    Redactor,
    anonymised_goals,
    anonymised_progress,
    own_words,
)
from bot.runtime.clock import as_utc
from storage.models import (
    AlertRow,
    AuditEntryRow,
    CheckInRow,
    CohortRow,
    ConfirmationRow,
    DialogueRow,
    EvaluationRow,
    ExpectationRow,
    GatheringInvitationRow,
    GatheringRow,
    GoalRow,
    InviteFailureRow,
    InviteIntakeRow,
    InviteRow,
    MeetingRow,
    MembershipRow,
    NoteRow,
    NudgeRow,
    OutboxRow,
    OutcomeRow,
    PairRow,
    PersonRow,
    PlannedMeetingRow,
    ProgrammeRow,
    SendBudgetRow,
)
from storage.tables import BaseRepository

ERASED_NAME = "–"
# Why a pair ended, when the bot itself wrote it (anything else is a coordinator's words).
END_CODES = ("left", COHORT_END)
EVALUATION_TEXTS = frozenset(KEYS[step] for step in TEXT_STEPS)
_OPTION_KEYS = frozenset(
    option.key for question in (*ADEPT_QUESTIONS, *MENTOR_QUESTIONS) for option in question.options
)


def intake_words(answers: dict[str, Any]) -> list[str]:
    """What a person wrote at intake (or a spreadsheet said), not the buttons' keys."""
    found: list[str] = []
    for value in answers.values():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str) and item not in _OPTION_KEYS:
                found.append(item)
    return found


def evaluation_words(answers: dict[str, Any]) -> list[str]:
    return [str(answers[key]) for key in EVALUATION_TEXTS if answers.get(key)]


# Up to this many words (a /deleteme), the database picks the messages that mention one;
# retention's thousands of words read the programme's messages instead.
_FILTERED_WORDS = 64


def _like_escaped(text: str) -> str:
    return text.replace("!", "!!").replace("%", "!%").replace("_", "!_")


def _full_name(person: PersonRow) -> str:
    return " ".join(n for n in (person.first_name, person.last_name) if n)


class Holds(StrEnum):
    """What a column can hold about a person (see `COLUMNS`)."""

    NOTHING = "nothing personal"
    # A person's id: kept, since it points at the blanked person row and counts add up.
    PERSON_ID = "a person id"
    # Their name, Telegram id or words: the eraser removes it.
    PERSONAL = "personal data"


@dataclass(frozen=True)
class Policy:
    holds: Holds
    why: str  # what erasure does to it, or why nothing needs doing
    shown: str | None = None  # where /mydata shows it (personal data only)
    hidden: str = ""  # why /mydata does not show it


_SETTING = "a setting or state code, not a person's"
_PROGRAMME = "the programme's own text, written for everyone in it"
_ID = "kept: points at the blanked person row, so counts add up"


def _nothing(why: str) -> Policy:
    return Policy(Holds.NOTHING, why)


def _person_id(why: str = _ID) -> Policy:
    return Policy(Holds.PERSON_ID, why)


def _personal(why: str, *, shown: str | None = None, hidden: str = "") -> Policy:
    return Policy(Holds.PERSONAL, why, shown, hidden)


# Every column that could hold a name, words, a Telegram id or a person's id, and what
# erasure does to it. tests/storage/test_erasure_completeness.py fails on a column that
# is not here, seeds a person into each personal one, erases them and scans the whole
# database, and checks that /mydata shows what it says it shows.
COLUMNS: dict[str, Policy] = {
    "agreement_confirmation.agreement_version": _nothing(_SETTING),
    "agreement_confirmation.person_id": _person_id(),
    "agreement_confirmation.text_sha256": _nothing("a hash of the programme's agreement text"),
    "agreement_text.text": _nothing(_PROGRAMME),
    "alert.chat_id": _personal(
        "a coordinator's Telegram id when alerts go privately: cleared",
        hidden="where alerts about other pairs were posted to a coordinator",
    ),
    "alert.detail": _personal(
        "ids and scores; a mismatch's expectation answers are dropped for the pairs",
        hidden="derived from what the export shows; may tell the other party's score",
    ),
    "alert.message_id": _nothing("Telegram's message number; cleared with the chat id"),
    "alert.open_key": _nothing("pair id and reason"),
    "alert.reason": _nothing(_SETTING),
    "alert.resolved_by": _person_id(),
    "alert.status": _nothing(_SETTING),
    "alert.taken_by": _person_id(),
    "audit_entry.action": _nothing(_SETTING),
    "audit_entry.actor_id": _person_id("kept on purpose: the log must outlive the actor"),
    "audit_entry.target": _nothing("a pair, person or cohort id"),
    "check_in.comment": _personal(
        "their comments: cleared; the other party's: their name replaced",
        shown="check_ins[].comment",
    ),
    "check_in.help_text": _personal(
        "their help texts: cleared; the other party's: their name replaced",
        shown="check_ins[].help_text",
    ),
    "check_in.goals_progressed": _personal(
        "the adept's goal words become #n", shown="check_ins[].goals_progressed"
    ),
    "check_in.person_id": _person_id(),
    "check_in.period": _nothing(_SETTING),
    "cohort.name": _nothing(_PROGRAMME),
    "dialogue.data": _personal(
        "their dialogue is deleted; others' hold ids and their own drafts",
        hidden="the question they are answering right now; it ends with the answer",
    ),
    "dialogue.flow": _nothing(_SETTING),
    "dialogue.person_id": _person_id("deleted with the dialogue"),
    "dialogue.step": _nothing(_SETTING),
    "evaluation.answers": _personal(
        "their written answers go; scores, outcome and recommendation are counted",
        shown="evaluations[].answers",
    ),
    "evaluation.goals": _personal("the adept's goal words become #n", shown="evaluations[].goals"),
    "evaluation.person_id": _person_id(),
    "evaluation.role": _nothing(_SETTING),
    "expectation.answers": _personal("cleared", shown="expectation_answers[].answers"),
    "expectation.person_id": _person_id(),
    "expectation.round": _nothing(_SETTING),
    "gathering.audience": _nothing(_SETTING),
    "gathering.created_by": _person_id(),
    "gathering.kind": _nothing(_SETTING),
    "gathering.learning_group": _nothing(_PROGRAMME),
    "gathering.place": _nothing(_PROGRAMME),
    "gathering.title": _nothing(_PROGRAMME),
    "gathering_invitation.answer": _nothing("yes or no, counted"),
    "gathering_invitation.person_id": _person_id(),
    "invite.role": _nothing(_SETTING),
    "invite.token_hash": _nothing("a hash of a random token"),
    "invite.used_by_person_id": _person_id(),
    "invite_failure.telegram_user_id": _personal(
        "deleted", hidden="a counter that slows down guessing; forgotten after a day"
    ),
    "invite_intake.answers": _personal("deleted with the row", shown="imported[].answers"),
    "invite_intake.name": _personal("deleted with the row", shown="imported[].name"),
    "match_rejection.adept_id": _person_id(),
    "match_rejection.decided_by": _person_id(),
    "match_rejection.mentor_id": _person_id(),
    "meeting.logged_by": _person_id(),
    "meeting.status": _nothing(_SETTING),
    "meeting.topic": _personal("cleared for their pairs", shown="pairs[].meetings[].topic"),
    "membership.learning_group": _nothing("the name of a group of adepts, not of a person"),
    "membership.person_id": _person_id(),
    "membership.role": _nothing(_SETTING),
    "note.author_id": _person_id("deleted with the notes they wrote"),
    "note.text": _personal(
        "notes on their pairs and notes they wrote are deleted",
        hidden="a coordinator's notes may be about the other party: see docs/privacy.md",
    ),
    "nudge.kind": _nothing(_SETTING),
    "nudge.period": _nothing(_SETTING),
    "nudge.person_id": _person_id(),
    "outbox.chat_id": _personal(
        "messages to them are deleted",
        hidden="they have the messages in their own chat",
    ),
    "outbox.idempotency_key": _nothing("ids and the recipient's chat; deleted with their rows"),
    "outbox.kind": _nothing(_SETTING),
    "outbox.last_error": _nothing("Telegram's error description, never the message"),
    "outbox.payload": _personal(
        "messages to them, and what they wrote to coordinators, are deleted; in messages "
        "to others of their programmes their name and words are replaced",
        hidden="messages to others are theirs; they have their own in their chat",
    ),
    "outbox.person_id": _person_id("messages to them are deleted"),
    "outbox.ref": _nothing("an id of what the message is about"),
    "outbox.status": _nothing(_SETTING),
    "outbox.telegram_message_id": _nothing("Telegram's message number"),
    "outcome.kind": _nothing("counted in the report"),
    "outcome.recorded_by": _person_id(),
    "outcome.text": _personal(
        "cleared for their pairs and where they wrote it; the kind is counted",
        shown="outcomes[].text",
    ),
    "pair.adept_id": _person_id(),
    "pair.end_reason": _personal(
        "a coordinator's words: replaced by –; codes (left, cohort_end) stay",
        hidden="a coordinator's words; may be about the other party: see docs/privacy.md",
    ),
    "pair.goals": _personal("the adept's own words become #n", shown="pairs[].goals"),
    "goal.text": _personal(
        "the adept's own words become #n (#? for a closed one)", shown="pairs[].closed_goals"
    ),
    "pair.mentor_id": _person_id(),
    "pair.pauses": _nothing("the days the pair paused"),
    "pair.state": _nothing(_SETTING),
    "person.consent_version": _nothing("the version of the text they agreed to"),
    "person.first_name": _personal("becomes –", shown="person.first_name"),
    "person.intake": _personal("cleared", shown="person.intake_answers"),
    "person.language": _nothing("a language code; cleared all the same"),
    "person.last_name": _personal("cleared", shown="person.last_name"),
    "person.telegram_language": _nothing("a language code; cleared all the same"),
    "person.telegram_user_id": _personal("cleared", shown="person.telegram_user_id"),
    "planned_meeting.proposed_by": _person_id(),
    "planned_meeting.status": _nothing(_SETTING),
    "processed_update.update_id": _nothing("Telegram's update number"),
    "programme.alert_chat_id": _nothing("a group chat, not a person"),
    "programme.cadence": _nothing(_SETTING),
    "programme.country": _nothing(_SETTING),
    "programme.digest_week": _nothing(_SETTING),
    "programme.language": _nothing(_SETTING),
    "programme.name": _nothing(_PROGRAMME),
    "programme.outcomes": _nothing(_SETTING),
    "programme.preset": _nothing(_SETTING),
    "programme.role_labels": _nothing(_SETTING),
    "programme.timezone": _nothing(_SETTING),
    "programme.working_days": _nothing(_SETTING),
    "alert_group.chat_id": _nothing("a group chat, not a person"),
    "region_alert_chat.chat_id": _nothing("a group chat, not a person"),
    "rehearsal.ahead_seconds": _nothing("how far a rehearsal's clock is ahead"),
    "send_budget.bucket": _personal(
        "their chat's rate-limit windows are deleted (the goodbye after erasure is "
        "counted in a new one, forgotten within minutes like every window)",
        hidden="a rate-limit counter that lasts a few minutes",
    ),
}


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    actor_id: int | None
    actor_name: str | None
    programme_id: int | None
    action: str
    target: str
    timezone: str = "UTC"  # the programme's, to show the time in


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else as_utc(moment).isoformat()


class PrivacyRepository(BaseRepository):
    """The audit log, exports, erasure and retention."""

    # the audit log

    async def record_audit(
        self, actor_id: int | None, programme_id: int | None, action: str, target: str, at: datetime
    ) -> None:
        await self._added(
            AuditEntryRow(
                at=at, actor_id=actor_id, programme_id=programme_id, action=action, target=target
            )
        )

    async def audit_entries(
        self,
        programme_ids: Sequence[int],
        *,
        limit: int = 50,
        regions: Sequence[tuple[int, int]] = (),
        reader_id: int | None = None,
    ) -> list[AuditEntry]:
        """The newest entries of these programmes (whole) and of these regions
        (programme, cohort), newest first, with the actor's name and the programme's
        time zone. A region's entries are those about its pairs, its cohort or people in
        its pairs, and the reader's own."""
        conditions: list[Any] = []
        if programme_ids:
            conditions.append(col(AuditEntryRow.programme_id).in_(list(programme_ids)))
        for programme_id, cohort_id in regions:
            in_region = select(col(PairRow.id)).where(col(PairRow.cohort_id) == cohort_id)
            people = (
                select(col(PairRow.mentor_id))
                .where(col(PairRow.cohort_id) == cohort_id)
                .union(
                    select(col(PairRow.adept_id)).where(col(PairRow.cohort_id) == cohort_id),
                    select(col(MembershipRow.person_id)).where(
                        col(MembershipRow.programme_id) == programme_id,
                        col(MembershipRow.cohort_id) == cohort_id,
                    ),
                )
            )
            people_sq = people.subquery()
            target = col(AuditEntryRow.target)
            conditions.append(
                and_(
                    col(AuditEntryRow.programme_id) == programme_id,
                    or_(
                        col(AuditEntryRow.actor_id) == reader_id,
                        target == f"cohort:{cohort_id}",
                        target.in_(
                            select(literal("pair:").concat(cast(col(PairRow.id), String))).where(
                                col(PairRow.id).in_(in_region)
                            )
                        ),
                        target.in_(
                            select(literal("person:").concat(cast(next(iter(people_sq.c)), String)))
                        ),
                    ),
                )
            )
        if not conditions:
            return []
        rows = await self.session.execute(
            select(
                AuditEntryRow,
                col(PersonRow.first_name),
                col(PersonRow.erased_at),
                col(ProgrammeRow.timezone),
            )
            .outerjoin(PersonRow, col(PersonRow.id) == col(AuditEntryRow.actor_id))
            .outerjoin(ProgrammeRow, col(ProgrammeRow.id) == col(AuditEntryRow.programme_id))
            .where(or_(*conditions))
            .order_by(col(AuditEntryRow.at).desc(), col(AuditEntryRow.id).desc())
            .limit(limit)
        )
        return [
            AuditEntry(
                at=as_utc(row.at),
                actor_id=row.actor_id,
                actor_name=None if name is None or erased is not None else name,
                programme_id=row.programme_id,
                action=row.action,
                target=row.target,
                timezone=timezone or "UTC",
            )
            for row, name, erased, timezone in rows.all()
        ]

    # wrong invite tokens

    async def invite_failures(self, telegram_user_id: int) -> tuple[int, datetime | None]:
        row = await self.session.get(InviteFailureRow, telegram_user_id)
        return (0, None) if row is None else (row.failures, as_utc(row.last_failed_at))

    async def set_invite_failures(self, telegram_user_id: int, failures: int, at: datetime) -> None:
        row = await self.session.get(InviteFailureRow, telegram_user_id)
        if row is None:
            self.session.add(
                InviteFailureRow(
                    telegram_user_id=telegram_user_id, failures=failures, last_failed_at=at
                )
            )
        else:
            row.failures, row.last_failed_at = failures, at
        await self.session.flush()

    async def forget_invite_failures(self, telegram_user_id: int) -> None:
        await self.session.execute(
            delete(InviteFailureRow).where(
                col(InviteFailureRow.telegram_user_id) == telegram_user_id
            )
        )

    # a person's own data

    async def export(self, person_id: int) -> dict[str, Any] | None:
        """Everything stored about the person, as plain JSON-ready data."""
        person = await self.session.get(PersonRow, person_id)
        if person is None or person.erased_at is not None:
            return None
        memberships = (
            await self.session.execute(
                select(MembershipRow, ProgrammeRow, CohortRow)
                .join(ProgrammeRow, col(ProgrammeRow.id) == col(MembershipRow.programme_id))
                .outerjoin(CohortRow, col(CohortRow.id) == col(MembershipRow.cohort_id))
                .where(col(MembershipRow.person_id) == person_id)
                .order_by(col(MembershipRow.id))
            )
        ).all()
        pairs = (
            (
                await self.session.execute(
                    select(PairRow)
                    .where(
                        or_(col(PairRow.mentor_id) == person_id, col(PairRow.adept_id) == person_id)
                    )
                    .order_by(col(PairRow.id))
                )
            )
            .scalars()
            .all()
        )
        pair_ids = [p.id for p in pairs if p.id is not None]
        others = {
            row.id: row.first_name
            for row in (
                await self.session.execute(
                    select(PersonRow).where(
                        col(PersonRow.id).in_(
                            [p.adept_id if p.mentor_id == person_id else p.mentor_id for p in pairs]
                        )
                    )
                )
            )
            .scalars()
            .all()
        }
        meetings = await self._rows(MeetingRow, col(MeetingRow.pair_id).in_(pair_ids))
        closed_goals = await self._rows(
            GoalRow, col(GoalRow.pair_id).in_(pair_ids) & col(GoalRow.closed_at).is_not(None)
        )
        planned = await self._rows(PlannedMeetingRow, col(PlannedMeetingRow.pair_id).in_(pair_ids))
        check_ins = await self._rows(CheckInRow, col(CheckInRow.person_id) == person_id)
        expectations = await self._rows(ExpectationRow, col(ExpectationRow.person_id) == person_id)
        confirmations = await self._rows(
            ConfirmationRow, col(ConfirmationRow.person_id) == person_id
        )
        imported = await self._rows(
            InviteIntakeRow,
            col(InviteIntakeRow.invite_id).in_(
                select(col(InviteRow.id)).where(col(InviteRow.used_by_person_id) == person_id)
            ),
        )
        # Notes on their pairs are listed by date only (docs/privacy.md says why).
        notes = await self._rows(NoteRow, col(NoteRow.pair_id).in_(pair_ids))
        evaluations = await self._rows(EvaluationRow, col(EvaluationRow.person_id) == person_id)
        # An outcome is the adept's: a job they got. Their mentor's export leaves it out.
        adept_of = [p.id for p in pairs if p.adept_id == person_id]
        outcomes = await self._rows(OutcomeRow, col(OutcomeRow.pair_id).in_(adept_of))
        nudges = await self._rows(NudgeRow, col(NudgeRow.person_id) == person_id)
        invitations = (
            await self.session.execute(
                select(GatheringInvitationRow, GatheringRow)
                .join(
                    GatheringRow, col(GatheringRow.id) == col(GatheringInvitationRow.gathering_id)
                )
                .where(col(GatheringInvitationRow.person_id) == person_id)
                .order_by(col(GatheringRow.starts_at), col(GatheringInvitationRow.id))
            )
        ).all()
        return {
            "person": {
                "id": person.id,
                "telegram_user_id": person.telegram_user_id,
                "first_name": person.first_name,
                "last_name": person.last_name,
                "language": person.language,
                "telegram_language": person.telegram_language,
                "intake_answers": dict(person.intake or {}),
                "consent_version": person.consent_version,
                "consented_at": _iso(person.consented_at),
                "unreachable_since": _iso(person.unreachable_since),
                "created_at": _iso(person.created_at),
            },
            "memberships": [
                {
                    "programme": programme.name,
                    "role": membership.role,
                    "role_labels": programme.role_labels,
                    "cohort": None if cohort is None else cohort.name,
                    "cohort_ends_on": None if cohort is None else cohort.ends_on.isoformat(),
                    "joined_at": _iso(membership.created_at),
                }
                for membership, programme, cohort in memberships
            ],
            "pairs": [
                {
                    "id": pair.id,
                    "my_role": Role.MENTOR.value
                    if pair.mentor_id == person_id
                    else Role.ADEPT.value,
                    "other_party": others.get(
                        pair.adept_id if pair.mentor_id == person_id else pair.mentor_id
                    ),
                    "state": pair.state,
                    "created_at": _iso(pair.created_at),
                    "ended_at": _iso(pair.ended_at),
                    "goals": list(pair.goals or []),
                    "closed_goals": [
                        {
                            "goal": g.text,
                            "added_at": _iso(g.added_at),
                            "closed_at": _iso(g.closed_at),
                        }
                        for g in closed_goals
                        if g.pair_id == pair.id
                    ],
                    "paused_until": None if pair.paused_until is None else str(pair.paused_until),
                    "meetings": [
                        {
                            "held_on": m.held_on.isoformat(),
                            "minutes": m.minutes,
                            "topic": m.topic,
                            "status": m.status,
                            "logged_by_me": m.logged_by == person_id,
                        }
                        for m in meetings
                        if m.pair_id == pair.id
                    ],
                    "planned_meetings": [
                        {
                            "planned_on": p.planned_on.isoformat(),
                            "planned_time": None if p.planned_time is None else str(p.planned_time),
                            "status": p.status,
                        }
                        for p in planned
                        if p.pair_id == pair.id
                    ],
                    "notes": [
                        {"written_at": _iso(n.created_at)}
                        for n in sorted(notes, key=lambda n: (n.created_at, n.id or 0))
                        if n.pair_id == pair.id
                    ],
                }
                for pair in pairs
            ],
            "check_ins": [
                {
                    "pair": c.pair_id,
                    "period": c.period,
                    "score": c.score,
                    "comment": c.comment,
                    "asked_for_help": c.needs_help,
                    "help_text": c.help_text,
                    "goals_progressed": list(c.goals_progressed or []),
                    "at": _iso(c.completed_at or c.created_at),
                }
                for c in check_ins
            ],
            "expectation_answers": [
                {"pair": e.pair_id, "round": e.round, "answers": dict(e.answers)}
                for e in expectations
            ],
            "agreement_confirmations": [
                {
                    "pair": c.pair_id,
                    "version": c.agreement_version,
                    "confirmed_at": _iso(c.confirmed_at),
                }
                for c in confirmations
            ],
            "imported": [
                {"name": row.name, "answers": dict(row.answers or {}), "at": _iso(row.created_at)}
                for row in imported
            ],
            "evaluations": [
                {
                    "pair": e.pair_id,
                    "role": e.role,
                    "goals": list(e.goals or []),
                    "answers": dict(e.answers or {}),
                    "asked_at": _iso(e.asked_at),
                    "completed_at": _iso(e.completed_at),
                }
                for e in evaluations
            ],
            "outcomes": [
                {"pair": o.pair_id, "kind": o.kind, "text": o.text, "at": _iso(o.created_at)}
                for o in outcomes
            ],
            "gathering_invitations": [
                {
                    "gathering": gathering.title,
                    "starts_at": _iso(gathering.starts_at),
                    "place": gathering.place,
                    "invited_at": _iso(invitation.invited_at),
                    "answer": invitation.answer,
                    "answered_at": _iso(invitation.answered_at),
                }
                for invitation, gathering in invitations
            ],
            "nudges": [
                {
                    "pair": n.pair_id,
                    "period": n.period,
                    "kind": n.kind,
                    "sent_at": _iso(n.sent_at),
                    "answered_at": _iso(n.answered_at),
                }
                for n in nudges
            ],
        }

    async def _rows(self, table: Any, condition: Any) -> list[Any]:
        return list((await self.session.execute(select(table).where(condition))).scalars().all())

    # erasure

    async def open_pairs_of(self, person_ids: Sequence[int]) -> list[int]:
        rows = await self.session.execute(
            select(col(PairRow.id)).where(
                or_(col(PairRow.mentor_id).in_(person_ids), col(PairRow.adept_id).in_(person_ids)),
                col(PairRow.state) != "ended",
            )
        )
        return [pair_id for pair_id in rows.scalars().all() if pair_id is not None]

    async def pairs_of(self, person_ids: Sequence[int]) -> list[int]:
        rows = await self.session.execute(
            select(col(PairRow.id)).where(
                or_(col(PairRow.mentor_id).in_(person_ids), col(PairRow.adept_id).in_(person_ids))
            )
        )
        return [pair_id for pair_id in rows.scalars().all() if pair_id is not None]

    async def erase_pair_texts(self, pair_ids: Sequence[int]) -> None:
        """The pairs' free text goes (goals in the adept's words, notes, meeting topics,
        outcomes' words, a coordinator's reason for ending), also where it was quoted in
        messages to others of the programme; the counts stay: meetings, scores, how many
        goals and which were worked on, outcomes' kinds."""
        if not pair_ids:
            return
        ids = list(pair_ids)
        pairs = await self._rows(PairRow, col(PairRow.id).in_(ids))
        meetings = await self._rows(MeetingRow, col(MeetingRow.pair_id).in_(ids))
        notes = await self._rows(NoteRow, col(NoteRow.pair_id).in_(ids))
        outcomes = await self._rows(OutcomeRow, col(OutcomeRow.pair_id).in_(ids))
        evaluations = await self._rows(EvaluationRow, col(EvaluationRow.pair_id).in_(ids))
        goal_rows = await self._rows(GoalRow, col(GoalRow.pair_id).in_(ids))
        words = [w for p in pairs for w in own_words(p.goals or [])]
        words += own_words([g.text for g in goal_rows])
        words += [m.topic for m in meetings if m.topic]
        words += [n.text for n in notes]
        words += [o.text for o in outcomes if o.text]
        words += [p.end_reason for p in pairs if p.end_reason not in (None, *END_CODES)]
        words += [w for e in evaluations for w in own_words(e.goals or [])]
        await self._redact_around(
            Redactor((), [w for w in words if w], ERASED_NAME),
            {p.programme_id for p in pairs},
            ids,
        )
        goals = {p.id: list(p.goals or []) for p in pairs}
        for pair in pairs:
            if pair.goals:
                pair.goals = anonymised_goals(pair.goals)
            if pair.end_reason not in (None, *END_CODES):
                pair.end_reason = ERASED_NAME
        for evaluation in evaluations:
            if evaluation.goals:
                evaluation.goals = anonymised_goals(evaluation.goals)
        for goal in goal_rows:
            own = goals.get(goal.pair_id) or []
            if not goal.text.startswith("@"):
                # An open goal keeps the position the pair's goals show; a closed one
                # keeps only that it was the adept's own words.
                goal.text = dict(zip(own, anonymised_goals(own), strict=True)).get(
                    goal.text, f"{ERASED_GOAL_PREFIX}?"
                )
        for check_in in await self._rows(CheckInRow, col(CheckInRow.pair_id).in_(ids)):
            own = goals.get(check_in.pair_id) or []
            if check_in.goals_progressed and own:
                check_in.goals_progressed = anonymised_progress(
                    own, list(check_in.goals_progressed)
                )
        # A mismatch alert quotes both parties' expectation answers, which are erased.
        for alert in await self._rows(AlertRow, col(AlertRow.pair_id).in_(ids)):
            if "answers" in (alert.detail or {}):
                alert.detail = {k: v for k, v in alert.detail.items() if k != "answers"}
        await self.session.flush()
        await self.session.execute(delete(NoteRow).where(col(NoteRow.pair_id).in_(ids)))
        await self.session.execute(
            update(MeetingRow).where(col(MeetingRow.pair_id).in_(ids)).values(topic=None)
        )
        await self.session.execute(
            update(OutcomeRow).where(col(OutcomeRow.pair_id).in_(ids)).values(text=None)
        )

    async def erase_people(self, person_ids: Sequence[int], now: datetime) -> int:
        """Name, answers, comments, Telegram id and queued messages go, and so do their
        name and words in messages to others of their programmes and in the other
        party's answers; the row stays so pairs and counts add up. Returns how many
        people were erased now."""
        if not person_ids:
            return 0
        ids = list(person_ids)
        people = await self._rows(
            PersonRow, col(PersonRow.id).in_(ids) & col(PersonRow.erased_at).is_(None)
        )
        telegram_ids = [p.telegram_user_id for p in people if p.telegram_user_id is not None]
        imported = await self._rows(
            InviteIntakeRow,
            col(InviteIntakeRow.invite_id).in_(
                select(col(InviteRow.id)).where(col(InviteRow.used_by_person_id).in_(ids))
            ),
        )
        check_ins = await self._rows(CheckInRow, col(CheckInRow.person_id).in_(ids))
        evaluations = await self._rows(EvaluationRow, col(EvaluationRow.person_id).in_(ids))
        notes = await self._rows(NoteRow, col(NoteRow.author_id).in_(ids))
        outcomes = await self._rows(OutcomeRow, col(OutcomeRow.recorded_by).in_(ids))
        names = [n for p in people for n in (p.first_name, p.last_name, _full_name(p)) if n]
        names += [row.name for row in imported]
        words = [w for p in people for w in intake_words(p.intake or {})]
        words += [w for row in imported for w in intake_words(row.answers or {})]
        words += [c.comment for c in check_ins if c.comment]
        words += [c.help_text for c in check_ins if c.help_text]
        words += [w for e in evaluations for w in evaluation_words(e.answers or {})]
        words += [n.text for n in notes] + [o.text for o in outcomes if o.text]
        pairs = await self._rows(
            PairRow, or_(col(PairRow.mentor_id).in_(ids), col(PairRow.adept_id).in_(ids))
        )
        memberships = await self._rows(MembershipRow, col(MembershipRow.person_id).in_(ids))
        await self._redact_around(
            Redactor(names, words, ERASED_NAME),
            {m.programme_id for m in memberships} | {p.programme_id for p in pairs},
            [p.id for p in pairs if p.id is not None],
        )
        await self.session.execute(
            delete(OutboxRow).where(
                or_(col(OutboxRow.person_id).in_(ids), col(OutboxRow.chat_id).in_(telegram_ids))
            )
        )
        # What they wrote to coordinators (an answer to /message, words kept and sent) is
        # kept nowhere but in those messages, so the redactor cannot know it: deleted.
        # Their keys name the writer (bot/conversations.py); few rows, read here.
        writers = {str(i) for i in ids}
        written = await self.session.execute(
            select(col(OutboxRow.id), col(OutboxRow.idempotency_key)).where(
                col(OutboxRow.kind).in_(("coordinator_reply", "to_coordinator"))
            )
        )
        theirs = [row_id for row_id, key in written.all() if _writer(key) in writers]
        if theirs:
            await self.session.execute(delete(OutboxRow).where(col(OutboxRow.id).in_(theirs)))
        await self.session.execute(
            delete(InviteFailureRow).where(col(InviteFailureRow.telegram_user_id).in_(telegram_ids))
        )
        await self.session.execute(
            delete(SendBudgetRow).where(
                col(SendBudgetRow.bucket).in_([f"chat:{t}" for t in telegram_ids])
            )
        )
        await self.session.execute(
            update(AlertRow)
            .where(col(AlertRow.chat_id).in_(telegram_ids))
            .values(chat_id=None, message_id=None)
        )
        await self.session.execute(
            delete(InviteIntakeRow).where(
                col(InviteIntakeRow.invite_id).in_([row.invite_id for row in imported])
            )
        )
        await self.session.execute(delete(NoteRow).where(col(NoteRow.author_id).in_(ids)))
        await self.session.execute(
            update(OutcomeRow).where(col(OutcomeRow.recorded_by).in_(ids)).values(text=None)
        )
        await self.session.execute(delete(DialogueRow).where(col(DialogueRow.person_id).in_(ids)))
        await self.session.execute(
            update(CheckInRow)
            .where(col(CheckInRow.person_id).in_(ids))
            .values(comment=None, help_text=None)
        )
        await self.session.execute(
            update(ExpectationRow).where(col(ExpectationRow.person_id).in_(ids)).values(answers={})
        )
        for evaluation in evaluations:
            evaluation.answers = {
                k: v for k, v in (evaluation.answers or {}).items() if k not in EVALUATION_TEXTS
            }
        await self.session.flush()
        await self.session.execute(
            update(PersonRow)
            .where(col(PersonRow.id).in_([p.id for p in people]))
            .values(
                telegram_user_id=None,
                first_name=ERASED_NAME,
                last_name=None,
                language=None,
                telegram_language=None,
                intake={},
                unreachable_since=None,
                erased_at=now,
            )
        )
        return len(people)

    async def _redact_around(
        self, redactor: Redactor, programme_ids: set[int], pair_ids: Sequence[int]
    ) -> None:
        """Where others read or wrote an erased person's name and words: messages to the
        members and alert chats of their programmes, and the other party's comments and
        evaluation answers in their pairs. Outside their programmes nobody was told."""
        if not redactor or not programme_ids:
            return
        programmes = list(programme_ids)
        members = select(col(MembershipRow.person_id)).where(
            col(MembershipRow.programme_id).in_(programmes)
        )
        chats = select(col(ProgrammeRow.alert_chat_id)).where(
            col(ProgrammeRow.id).in_(programmes), col(ProgrammeRow.alert_chat_id).is_not(None)
        )
        # Edits of an alert post to a coordinator's own chat carry no person: found by chat.
        member_chats = (
            select(col(PersonRow.telegram_user_id))
            .join(MembershipRow, col(MembershipRow.person_id) == col(PersonRow.id))
            .where(
                col(MembershipRow.programme_id).in_(programmes),
                col(PersonRow.telegram_user_id).is_not(None),
            )
        )
        query = select(col(OutboxRow.id), col(OutboxRow.payload)).where(
            or_(
                col(OutboxRow.person_id).in_(members),
                col(OutboxRow.chat_id).in_(chats),
                col(OutboxRow.chat_id).in_(member_chats),
            )
        )
        words = redactor.words
        if len(words) <= _FILTERED_WORDS:
            # Only rows whose stored JSON holds a word: the payload is stored as json.dumps
            # writes it (non-ASCII escaped), so each word is looked for in that form too.
            stored = cast(col(OutboxRow.payload), Text)
            forms = {form for w in words for form in (w, json.dumps(w)[1:-1])}
            query = query.where(
                or_(*(stored.like(f"%{_like_escaped(f)}%", escape="!") for f in sorted(forms)))
            )
        messages = await self.session.execute(query)
        for outbox_id, payload in messages.all():
            redacted = redactor(payload)
            if redacted != payload:
                await self._update(OutboxRow, outbox_id, payload=redacted)
        if not pair_ids:
            return
        for check_in in await self._rows(CheckInRow, col(CheckInRow.pair_id).in_(list(pair_ids))):
            if check_in.comment:
                check_in.comment = redactor(check_in.comment)
            if check_in.help_text:
                check_in.help_text = redactor(check_in.help_text)
        for evaluation in await self._rows(
            EvaluationRow, col(EvaluationRow.pair_id).in_(list(pair_ids))
        ):
            redacted = redactor(evaluation.answers or {})
            if redacted != evaluation.answers:
                evaluation.answers = redacted
        await self.session.flush()

    # retention

    async def cohort_dates(self) -> list[CohortDates]:
        rows = await self.session.execute(select(CohortRow).order_by(col(CohortRow.id)))
        return [
            CohortDates(
                cohort_id=row.id,
                programme_id=row.programme_id,
                ends_on=row.ends_on,
                erased=row.erased_at is not None,
            )
            for row in rows.scalars().all()
            if row.id is not None
        ]

    async def cohort_names(self, cohort_ids: Sequence[int]) -> dict[int, str]:
        rows = await self._rows(CohortRow, col(CohortRow.id).in_(list(cohort_ids)))
        return {row.id: row.name for row in rows if row.id is not None}

    async def people_to_erase(self, cohort_ids: Sequence[int]) -> list[int]:
        """Participants of these cohorts with nothing else running: someone who is also a
        member or in a pair of a later cohort, or a coordinator, keeps their data."""
        if not cohort_ids:
            return []
        rows = await self.session.execute(
            select(
                col(MembershipRow.person_id), col(MembershipRow.role), col(MembershipRow.cohort_id)
            )
            .join(PersonRow, col(PersonRow.id) == col(MembershipRow.person_id))
            .where(col(PersonRow.erased_at).is_(None))
        )
        expiring = set(cohort_ids)
        inside: set[int] = set()
        elsewhere: set[int] = set()
        for person_id, role, cohort_id in rows.all():
            if role != Role.COORDINATOR.value and cohort_id in expiring:
                inside.add(person_id)
            else:
                elsewhere.add(person_id)
        # A mentor who stayed on keeps the membership of their first cohort: a pair in a
        # cohort that is not expiring keeps them too.
        pairs = await self.session.execute(
            select(col(PairRow.mentor_id), col(PairRow.adept_id)).where(
                col(PairRow.cohort_id).not_in(list(expiring))
            )
        )
        for mentor_id, adept_id in pairs.all():
            elsewhere.update((mentor_id, adept_id))
        return sorted(inside - elsewhere)

    async def pairs_of_cohorts(self, cohort_ids: Sequence[int]) -> list[int]:
        rows = await self.session.execute(
            select(col(PairRow.id)).where(col(PairRow.cohort_id).in_(list(cohort_ids)))
        )
        return [pair_id for pair_id in rows.scalars().all() if pair_id is not None]

    async def erase_imports_of_cohorts(self, cohort_ids: Sequence[int]) -> None:
        """What a spreadsheet said about people invited to these cohorts who never joined
        (those who did lost it with their own erasure)."""
        await self.session.execute(
            delete(InviteIntakeRow).where(
                col(InviteIntakeRow.invite_id).in_(
                    select(col(InviteRow.id)).where(col(InviteRow.cohort_id).in_(list(cohort_ids)))
                )
            )
        )

    async def mark_cohorts_erased(self, cohort_ids: Sequence[int], now: datetime) -> None:
        await self.session.execute(
            update(CohortRow).where(col(CohortRow.id).in_(list(cohort_ids))).values(erased_at=now)
        )


def _writer(key: str) -> str | None:
    """Who wrote a message to coordinators, from its outbox key: pair:<id>:reply:<writer>:…
    (an answer to /message) or person:<writer>:wrote:… (kept words sent)."""
    parts = key.split(":")
    if len(parts) > 3 and parts[0] == "pair" and parts[2] == "reply":
        return parts[3]
    if len(parts) > 2 and parts[0] == "person" and parts[2] == "wrote":
        return parts[1]
    return None
