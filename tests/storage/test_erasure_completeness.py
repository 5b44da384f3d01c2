"""Erasure is complete and /mydata shows it all, checked against the schema itself.

Every column that could hold a person's name, Telegram id, words or id is classified in
`storage.privacy.COLUMNS` (erased by the eraser, or why it holds nothing personal). A new
column fails `test_every_column_is_classified` until someone decides. A person is then
seeded into every table that can hold something of theirs; after erasure, the whole
database (every row of every table, as text) holds neither their name, Telegram id nor
anything they wrote, counts stay, and before erasure /mydata shows everything seeded that
is theirs to see (or the classification says why not).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import BigInteger, Integer, String, Text, func, select
from sqlalchemy.types import JSON
from sqlmodel import SQLModel

import storage.privacy
from storage.db import Database
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
    MatchRejectionRow,
    MeetingRow,
    MembershipRow,
    NoteRow,
    NudgeRow,
    OutboxRow,
    OutcomeRow,
    PairRow,
    PersonRow,
    PlannedMeetingRow,
    ProcessedUpdateRow,
    ProgrammeRow,
    SendBudgetRow,
)
from storage.privacy import COLUMNS, Holds
from tests.support.databases import dump

NOW = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
NAME, SURNAME = "Aminata", "Qadiri-Løkke"
TELEGRAM_ID = 7_700_000_017
OLA_TELEGRAM_ID = 7_700_000_200
KARI_TELEGRAM_ID = 7_700_000_100
ALERT_CHAT = -1_009_900_000_001

# Where the seed puts something of Aminata's: column -> the distinctive text stored there.
# Every column classified as personal must appear here (see test_the_seed_covers_...).
SEEDED: dict[str, str] = {
    "person.first_name": NAME,
    "person.last_name": SURNAME,
    "person.telegram_user_id": str(TELEGRAM_ID),
    "person.intake": "Sveiser Zorblat",
    "invite_intake.name": f"{NAME} from the sheet",
    "invite_intake.answers": "Sheetfield Vomplex",
    "pair.goals": "Glimwerk welding goal",
    "goal.text": "Closed Zwingle goal",
    "pair.end_reason": "Moved away to Trondvik",
    "check_in.comment": "Quxwell hard week",
    "check_in.help_text": "Help text Blorptastic",
    "check_in.goals_progressed": "Glimwerk welding goal",
    "expectation.answers": "expect-Yrrk",
    "meeting.topic": "Frobnitz topic",
    "note.text": "Wexford note by the coordinator",
    "alert.detail": "yearly-Yrrk",
    "alert.chat_id": str(TELEGRAM_ID),
    "evaluation.goals": "Glimwerk welding goal",
    "evaluation.answers": "Snorkel evaluation words",
    "outcome.text": "welder at ACME in Bergen",
    "dialogue.data": "Dialogue draft Quibble",
    "outbox.payload": "Help text Blorptastic",
    "outbox.chat_id": str(TELEGRAM_ID),
    "send_budget.bucket": str(TELEGRAM_ID),
    "invite_failure.telegram_user_id": str(TELEGRAM_ID),
}


def classified_columns() -> list[str]:
    """Columns that could hold a name, words, a Telegram id or a person's id."""
    found = []
    for table in SQLModel.metadata.sorted_tables:
        for column in table.columns:
            to_person = any(fk.column.table.name == "person" for fk in column.foreign_keys)
            an_id = (
                isinstance(column.type, Integer)
                and not column.primary_key
                and not column.foreign_keys
                and column.name.endswith(("_id", "_by"))
            )
            if isinstance(column.type, String | Text | JSON | BigInteger) or to_person or an_id:
                found.append(f"{table.name}.{column.name}")
    return sorted(found)


def test_every_column_is_classified() -> None:
    columns = classified_columns()
    assert sorted(set(columns) - set(COLUMNS)) == [], "classify these in storage.privacy.COLUMNS"
    assert sorted(set(COLUMNS) - set(columns)) == [], "these are no longer in the schema"
    for name, policy in COLUMNS.items():
        assert policy.why.strip(), name
        if policy.holds is Holds.PERSONAL:
            assert (policy.shown is None) != (not policy.hidden), name


def test_the_seed_covers_every_personal_column() -> None:
    personal = sorted(n for n, p in COLUMNS.items() if p.holds is Holds.PERSONAL)
    assert sorted(SEEDED) == personal


async def seed(database: Database) -> dict[str, int]:
    """Aminata is an adept in Oslo (paired with Ola) and a coordinator in Bergen."""
    async with database.session() as session:

        async def add(row: Any) -> Any:
            session.add(row)
            await session.flush()
            return row

        oslo = await add(
            ProgrammeRow(
                name="Oslo",
                timezone="Europe/Oslo",
                language="en",
                alert_chat_id=ALERT_CHAT,
                created_at=NOW,
            )
        )
        bergen = await add(
            ProgrammeRow(name="Bergen", timezone="Europe/Oslo", language="en", created_at=NOW)
        )
        cohorts = [
            await add(
                CohortRow(
                    programme_id=p.id,
                    name="2026",
                    starts_on=date(2026, 1, 1),
                    ends_on=date(2026, 12, 31),
                    created_at=NOW,
                )
            )
            for p in (oslo, bergen)
        ]

        def person(first: str, last: str | None, telegram_id: int, intake: Any) -> PersonRow:
            return PersonRow(
                telegram_user_id=telegram_id,
                first_name=first,
                last_name=last,
                language="en",
                telegram_language="en",
                intake=intake,
                consent_version="v1",
                consented_at=NOW,
                created_at=NOW,
            )

        aminata = await add(
            person(NAME, SURNAME, TELEGRAM_ID, {"field": "Sveiser Zorblat", "help": ["cv"]})
        )
        ola = await add(person("Ola", None, OLA_TELEGRAM_ID, {"field": "Nurse"}))
        kari = await add(person("Kari", None, KARI_TELEGRAM_ID, {}))
        nils = await add(person("Nils", None, 7_700_000_300, {}))
        nora = await add(person("Nora", None, 7_700_000_400, {}))
        for who, programme, cohort, role in (
            (aminata, oslo, cohorts[0], "adept"),
            (aminata, bergen, None, "coordinator"),
            (ola, oslo, cohorts[0], "mentor"),
            (kari, oslo, None, "coordinator"),
            (nils, bergen, cohorts[1], "mentor"),
            (nora, bergen, cohorts[1], "adept"),
        ):
            await add(
                MembershipRow(
                    person_id=who.id,
                    programme_id=programme.id,
                    cohort_id=None if cohort is None else cohort.id,
                    role=role,
                    created_at=NOW,
                    learning_group="Gruppe 1",
                )
            )
        invite = await add(
            InviteRow(
                programme_id=oslo.id,
                cohort_id=cohorts[0].id,
                role="adept",
                token_hash="0" * 64,
                created_at=NOW,
                expires_at=NOW + timedelta(days=30),
                used_at=NOW,
                used_by_person_id=aminata.id,
            )
        )
        await add(
            InviteIntakeRow(
                invite_id=invite.id,
                programme_id=oslo.id,
                name=f"{NAME} from the sheet",
                answers={"field": "Sheetfield Vomplex", "gender": "f"},
                created_at=NOW,
            )
        )
        for programme, mentor, adept, decider in (
            (oslo, ola, aminata, kari),
            (bergen, nils, nora, aminata),
        ):
            await add(
                MatchRejectionRow(
                    programme_id=programme.id,
                    mentor_id=mentor.id,
                    adept_id=adept.id,
                    decided_by=decider.id,
                    created_at=NOW,
                )
            )
        goals = ["@cv", "Glimwerk welding goal"]
        pair = await add(
            PairRow(
                programme_id=oslo.id,
                cohort_id=cohorts[0].id,
                mentor_id=ola.id,
                adept_id=aminata.id,
                state="ended",
                created_at=NOW,
                ended_at=NOW,
                goals=goals,
                end_reason="Moved away to Trondvik",
            )
        )
        other = await add(
            PairRow(
                programme_id=bergen.id,
                cohort_id=cohorts[1].id,
                mentor_id=nils.id,
                adept_id=nora.id,
                state="active",
                created_at=NOW,
                goals=["Nora's own goal"],
            )
        )
        await add(GoalRow(pair_id=pair.id, text="Closed Zwingle goal", added_at=NOW, closed_at=NOW))
        meeting = await add(
            MeetingRow(
                pair_id=pair.id,
                held_on=date(2026, 2, 10),
                minutes=60,
                topic="Frobnitz topic",
                logged_by=aminata.id,
                status="confirmed",
                created_at=NOW,
            )
        )
        await add(
            PlannedMeetingRow(
                pair_id=pair.id,
                planned_on=date(2026, 3, 10),
                planned_time=time(17, 0),
                proposed_by=aminata.id,
                status="agreed",
                created_at=NOW,
            )
        )
        await add(
            NudgeRow(
                pair_id=pair.id, person_id=aminata.id, period="2026-02", kind="start", sent_at=NOW
            )
        )
        for who, comment, help_, help_text in (
            (aminata, "Quxwell hard week", False, None),
            (aminata, None, True, "Help text Blorptastic"),
            (ola, f"{NAME} was late again", True, f"{NAME} did not come"),
        ):
            await add(
                CheckInRow(
                    pair_id=pair.id,
                    person_id=who.id,
                    meeting_id=meeting.id,
                    period="2026-02",
                    score=2,
                    comment=comment,
                    needs_help=help_,
                    help_text=help_text,
                    goals_progressed=["Glimwerk welding goal"],
                    completed_at=NOW,
                    created_at=NOW,
                )
            )
        await add(
            ExpectationRow(
                pair_id=pair.id,
                person_id=aminata.id,
                round="start",
                answers={"how_often": "expect-Yrrk"},
                completed_at=NOW,
                created_at=NOW,
            )
        )
        await add(
            ConfirmationRow(
                pair_id=pair.id,
                person_id=aminata.id,
                agreement_version="v1",
                text_sha256="a" * 64,
                confirmed_at=NOW,
            )
        )
        await add(
            NoteRow(
                pair_id=pair.id,
                author_id=kari.id,
                text=f"{NAME} worries about visa",
                created_at=NOW,
            )
        )
        await add(
            NoteRow(
                pair_id=other.id,
                author_id=aminata.id,
                text="Wexford note by the coordinator",
                created_at=NOW,
            )
        )
        await add(
            AlertRow(
                pair_id=pair.id,
                reason="mismatch",
                since=NOW,
                status="resolved",
                detail={
                    "keys": ["how_often"],
                    "answers": {"how_often": ["monthly", "yearly-Yrrk"]},
                },
                opened_at=NOW,
                resolved_at=NOW,
                chat_id=ALERT_CHAT,
                message_id=5,
            )
        )
        # Aminata coordinates Bergen without an alert chat: its alerts came to her privately.
        await add(
            AlertRow(
                pair_id=other.id,
                reason="help",
                since=NOW,
                open_key=f"{other.id}:help",
                status="taken",
                detail={"person": nora.id},
                opened_at=NOW,
                taken_by=aminata.id,
                resolved_by=aminata.id,
                chat_id=TELEGRAM_ID,
                message_id=6,
            )
        )
        for who, answers in (
            (
                aminata,
                {
                    "overall": 4,
                    "goal_scores": [4, 3],
                    "outcome": "job",
                    "outcome_text": "welder at ACME in Bergen",
                    "recommend": "yes",
                    "comment": "Snorkel evaluation words",
                },
            ),
            (ola, {"overall": 5, "learned": f"{NAME} taught me patience"}),
        ):
            await add(
                EvaluationRow(
                    pair_id=pair.id,
                    person_id=who.id,
                    role="adept" if who is aminata else "mentor",
                    noticed_at=NOW,
                    asked_at=NOW,
                    goals=goals,
                    answers=answers,
                    completed_at=NOW,
                )
            )
        await add(
            OutcomeRow(
                pair_id=pair.id,
                kind="job",
                text="welder at ACME in Bergen",
                recorded_by=kari.id,
                created_at=NOW,
            )
        )
        await add(
            OutcomeRow(
                pair_id=other.id,
                kind="internship",
                text="Nora at the hospital",
                recorded_by=aminata.id,
                created_at=NOW,
            )
        )
        for programme, creator in ((oslo, kari), (bergen, aminata)):
            gathering = await add(
                GatheringRow(
                    programme_id=programme.id,
                    audience="all",
                    kind="kickoff",
                    title=f"Kick-off {programme.name}",
                    place="Town hall",
                    starts_at=NOW + timedelta(days=7),
                    created_by=creator.id,
                    created_at=NOW,
                )
            )
            if programme is oslo:
                await add(
                    GatheringInvitationRow(
                        gathering_id=gathering.id,
                        person_id=aminata.id,
                        invited_at=NOW,
                        answer="yes",
                        answered_at=NOW,
                    )
                )
        await add(
            DialogueRow(
                person_id=aminata.id,
                flow="meeting",
                step="topic",
                data={"pair_id": pair.id, "draft": "Dialogue draft Quibble"},
                updated_at=NOW,
            )
        )

        def message(key: str, chat: int, to: int | None, text: str, status: str) -> OutboxRow:
            return OutboxRow(
                idempotency_key=key,
                chat_id=chat,
                person_id=to,
                kind="message",
                payload={
                    "text": text,
                    "reply_markup": {
                        "inline_keyboard": [[{"text": f"Write to {NAME}", "callback_data": "x"}]]
                    },
                },
                status=status,
                not_before=NOW,
                created_at=NOW,
                sent_at=NOW if status == "sent" else None,
            )

        for row in (
            message(
                "intro",
                OLA_TELEGRAM_ID,
                ola.id,
                f"{NAME} {SURNAME} is your adept. Her goal: Glimwerk welding goal.",
                "sent",
            ),
            message(
                "plan", OLA_TELEGRAM_ID, ola.id, f"{NAME} suggests Tuesday 10 March.", "pending"
            ),
            message(
                "help", ALERT_CHAT, None, f"⚠️ {NAME} wrote to you: «Help text Blorptastic»", "sent"
            ),
            message(
                "outcome", KARI_TELEGRAM_ID, kari.id, "Recorded: welder at ACME in Bergen", "sent"
            ),
            message("to-her", TELEGRAM_ID, aminata.id, "Hi Aminata", "sent"),
            message("bergen-alert", TELEGRAM_ID, aminata.id, "Nora asked for help", "sent"),
            message(
                "to-nils", 7_700_000_300, nils.id, f"{NAME} (coordinator) wrote to you.", "sent"
            ),
            message("unrelated", 7_700_000_300, nils.id, "Nothing about her", "sent"),
        ):
            await add(row)
        # Only her surname, not in ASCII: found in the stored JSON, where it is escaped.
        surname = message("surname", KARI_TELEGRAM_ID, kari.id, "", "sent")
        surname.payload = {"text": f"Mrs {SURNAME} called"}
        await add(surname)
        await add(SendBudgetRow(bucket=f"chat:{TELEGRAM_ID}", window_start=NOW, used=1))
        await add(SendBudgetRow(bucket="global", window_start=NOW, used=1))
        await add(InviteFailureRow(telegram_user_id=TELEGRAM_ID, failures=1, last_failed_at=NOW))
        await add(ProcessedUpdateRow(update_id=123, processed_at=NOW))
        await add(
            AuditEntryRow(
                at=NOW,
                actor_id=aminata.id,
                programme_id=bergen.id,
                action="view_comments",
                target=f"pair:{other.id}",
            )
        )
        return {"aminata": aminata.id, "pair": pair.id, "other": other.id, "ola": ola.id}


async def erase(database: Database, person_id: int) -> None:
    async with database.unit() as uow:
        await uow.privacy.erase_pair_texts(await uow.privacy.pairs_of([person_id]))
        await uow.privacy.erase_people([person_id], NOW)


COUNTED = (
    PairRow,
    MembershipRow,
    MeetingRow,
    PlannedMeetingRow,
    NudgeRow,
    CheckInRow,
    ExpectationRow,
    ConfirmationRow,
    AlertRow,
    EvaluationRow,
    OutcomeRow,
    GatheringRow,
    GatheringInvitationRow,
    MatchRejectionRow,
    AuditEntryRow,
)


async def counts(database: Database) -> dict[str, int]:
    async with database.session() as session:
        return {
            str(row.__tablename__): int(
                (await session.execute(select(func.count()).select_from(row))).scalar_one()
            )
            for row in COUNTED
        }


async def test_after_erasure_no_row_holds_her_name_id_or_words(database: Database) -> None:
    ids = await seed(database)
    before = await dump(database)
    for column, text in SEEDED.items():
        assert text in before, column  # the seed did put it there
    counted = await counts(database)

    await erase(database, ids["aminata"])

    after = await dump(database)
    for column, text in SEEDED.items():
        assert text not in after, (column, [line for line in after.splitlines() if text in line])
    assert await counts(database) == counted
    async with database.session() as session:
        evaluation = (
            await session.execute(
                select(EvaluationRow).where(EvaluationRow.person_id == ids["aminata"])
            )
        ).scalar_one()
        # The scores and the outcome's kind are counted in the report; the words are gone.
        assert evaluation.answers == {
            "overall": 4,
            "goal_scores": [4, 3],
            "outcome": "job",
            "recommend": "yes",
        }
        assert evaluation.goals == ["@cv", "#2"]
        kinds = sorted((await session.execute(select(OutcomeRow.kind))).scalars())
        assert kinds == ["internship", "job"]
        # Other people's words stay, without her name.
        ola_check_in = (
            await session.execute(select(CheckInRow).where(CheckInRow.person_id == ids["ola"]))
        ).scalar_one()
        assert ola_check_in.comment == "– was late again"
        unrelated = (
            await session.execute(select(OutboxRow).where(OutboxRow.idempotency_key == "unrelated"))
        ).scalar_one()
        assert unrelated.payload["text"] == "Nothing about her"
        # Notes on her pair, and the notes she wrote on others, went with her.
        assert (await session.execute(select(NoteRow))).scalars().all() == []
    for words in ("Nora at the hospital", "worries about visa"):  # hers, or about her
        assert words not in after


async def test_the_same_without_the_databases_filter(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Retention looks for more words than the database filters by: all messages of the
    programme are read instead."""
    monkeypatch.setattr(storage.privacy, "_FILTERED_WORDS", 0)
    await test_after_erasure_no_row_holds_her_name_id_or_words(database)


def at_path(data: Any, path: str) -> list[Any]:
    """Every value at a path like "pairs[].meetings[].topic" of the export."""
    values = [data]
    for step in path.split("."):
        key, many = step.removesuffix("[]"), step.endswith("[]")
        values = [v[key] for v in values if isinstance(v, dict) and key in v]
        if many:
            values = [item for v in values for item in v]
    return values


async def test_mydata_shows_everything_of_hers_or_says_why_not(database: Database) -> None:
    ids = await seed(database)
    async with database.unit() as uow:
        data = await uow.privacy.export(ids["aminata"])
    assert data is not None
    shown = json.dumps(data, ensure_ascii=False)
    for column, text in SEEDED.items():
        policy = COLUMNS[column]
        if policy.shown is not None:
            found = json.dumps(at_path(data, policy.shown), ensure_ascii=False)
            assert text in found, (column, policy.shown, found)
        else:
            assert policy.hidden, column
    # Rows that hold her only by id are hers too: each is in the export.
    [invitation] = data["gathering_invitations"]
    assert (invitation["gathering"], invitation["answer"]) == ("Kick-off Oslo", "yes")
    [evaluation] = data["evaluations"]
    assert evaluation["answers"]["overall"] == 4
    [outcome] = data["outcomes"]
    assert (outcome["kind"], outcome["text"]) == ("job", "welder at ACME in Bergen")
    [pair] = data["pairs"]
    assert pair["planned_meetings"] and pair["meetings"]
    assert [n["written_at"][:10] for n in pair["notes"]] == ["2026-03-03"]
    assert [c["version"] for c in data["agreement_confirmations"]] == ["v1"]
    assert [n["kind"] for n in data["nudges"]] == ["start"]
    # Her pair's notes and the other party's words are not hers to see.
    assert "worries about visa" not in shown
    assert "was late again" not in shown
    assert "taught me patience" not in shown
    assert "Nora at the hospital" not in shown
