"""Personal-data queries on SQLite and PostgreSQL: export, erasure, retention's choice of
people, the audit log and wrong invite tokens."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from bot.domain.model import Dialogue, OutgoingMessage, Role
from storage.db import Database
from storage.models import (
    CheckInRow,
    ExpectationRow,
    GoalRow,
    InviteIntakeRow,
    InviteRow,
    MeetingRow,
    NoteRow,
    OutboxRow,
    PairRow,
)
from storage.privacy import ERASED_NAME

NOW = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)


async def seed(database: Database) -> dict[str, int]:
    async with database.unit() as uow:
        programme = await uow.programmes.create_programme(
            name="Oslo", timezone="Europe/Oslo", language="nb", now=NOW
        )
        old = await uow.programmes.create_cohort(
            programme_id=programme.id,
            name="2024",
            starts_on=date(2024, 1, 1),
            ends_on=date(2024, 12, 31),
            now=NOW,
        )
        new = await uow.programmes.create_cohort(
            programme_id=programme.id,
            name="2026",
            starts_on=date(2026, 1, 1),
            ends_on=date(2026, 12, 31),
            now=NOW,
        )
        ids: dict[str, int] = {"programme": programme.id, "old": old.id, "new": new.id}
        for name, telegram_id, role, cohort in (
            ("Ola", 200, Role.MENTOR, old.id),
            ("Amina", 300, Role.ADEPT, old.id),
            ("Kari", 100, Role.COORDINATOR, old.id),
            ("Bodil", 400, Role.MENTOR, old.id),
        ):
            person = await uow.people.add_person(
                telegram_user_id=telegram_id,
                first_name=name,
                last_name="Nordmann",
                telegram_language="nb",
                now=NOW,
            )
            await uow.people.update_person(
                person.id, intake={"field": f"{name}'s field"}, consented_at=NOW
            )
            await uow.people.add_membership(
                person_id=person.id, programme_id=programme.id, cohort_id=cohort, role=role, now=NOW
            )
            ids[name] = person.id
        # Bodil stayed on: her membership still names the 2024 cohort, but she has a
        # pair in the 2026 one.
        newcomer = await uow.people.add_person(
            telegram_user_id=500,
            first_name="Nora",
            last_name=None,
            telegram_language="nb",
            now=NOW,
        )
        await uow.people.add_membership(
            person_id=newcomer.id,
            programme_id=programme.id,
            cohort_id=new.id,
            role=Role.ADEPT,
            now=NOW,
        )
        await uow.pairs.add_pair(
            programme_id=programme.id,
            cohort_id=new.id,
            mentor_id=ids["Bodil"],
            adept_id=newcomer.id,
            now=NOW,
        )
        ids["Nora"] = newcomer.id
        pair = await uow.pairs.add_pair(
            programme_id=programme.id,
            cohort_id=old.id,
            mentor_id=ids["Ola"],
            adept_id=ids["Amina"],
            now=NOW,
        )
        ids["pair"] = pair.id
        await uow.pairs.set_goals(pair.id, ["@cv", "Jobb som sykepleier"])
        check_in = await uow.check_ins.start_check_in(
            pair_id=pair.id, person_id=ids["Amina"], meeting_id=None, period="2026-02", now=NOW
        )
        await uow.check_ins.update_check_in(
            check_in,
            score=2,
            comment="Vanskelig uke",
            help_text="Jeg mistet boligen",
            goals_progressed=["Jobb som sykepleier"],
            completed_at=NOW,
        )
        await uow.meetings.add_meeting(
            pair_id=pair.id,
            held_on=date(2026, 2, 10),
            minutes=90,
            topic="Jobb som sykepleier",
            logged_by=ids["Ola"],
            now=NOW,
        )
        await uow.alerts.add_note(pair.id, ids["Kari"], "Amina is worried about her visa", NOW)
        await uow.agreements.save_expectation(
            pair_id=pair.id,
            person_id=ids["Amina"],
            round_="start",
            answers={"how_often": "monthly"},
            completed=True,
            now=NOW,
        )
        await uow.dialogues.save_dialogue(
            Dialogue(ids["Amina"], "intake", "field", {"role": "adept"}), NOW
        )
        await uow.outbox.enqueue(
            [
                OutgoingMessage("to-amina", 300, "Hei Amina", person_id=ids["Amina"]),
                OutgoingMessage("to-kari", 100, "Hei Kari", person_id=ids["Kari"]),
            ],
            NOW,
        )
    return ids


async def test_export_holds_everything_about_the_person(database: Database) -> None:
    ids = await seed(database)
    async with database.unit() as uow:
        data = await uow.privacy.export(ids["Amina"])
    assert data is not None
    assert data["person"]["first_name"] == "Amina"
    assert data["person"]["intake_answers"] == {"field": "Amina's field"}
    assert [m["role"] for m in data["memberships"]] == ["adept"]
    [pair] = data["pairs"]
    assert pair["my_role"] == "adept" and pair["other_party"] == "Ola"
    assert pair["goals"] == ["@cv", "Jobb som sykepleier"]
    assert [m["minutes"] for m in pair["meetings"]] == [90]
    assert [(c["score"], c["comment"], c["help_text"]) for c in data["check_ins"]] == [
        (2, "Vanskelig uke", "Jeg mistet boligen")
    ]
    assert data["expectation_answers"][0]["answers"] == {"how_often": "monthly"}


async def test_erasure_removes_personal_data_and_keeps_counts(database: Database) -> None:
    ids = await seed(database)
    async with database.unit() as uow:
        await uow.privacy.erase_pair_texts(await uow.privacy.pairs_of([ids["Amina"]]))
        assert await uow.privacy.erase_people([ids["Amina"]], NOW) == 1
        assert await uow.privacy.erase_people([ids["Amina"]], NOW) == 0  # once is enough
    async with database.unit() as uow:
        amina = await uow.people.person(ids["Amina"])
        assert amina is not None
        assert (amina.first_name, amina.last_name, amina.telegram_user_id, amina.intake) == (
            ERASED_NAME,
            None,
            None,
            {},
        )
        assert await uow.people.person_by_telegram_id(300) is None
        assert await uow.privacy.export(ids["Amina"]) is None
        assert await uow.dialogues.dialogue(ids["Amina"]) is None
        pair = await uow.session.get(PairRow, ids["pair"])
        assert pair is not None and pair.goals == ["@cv", "#2"]
        [check_in] = (await uow.session.execute(select(CheckInRow))).scalars().all()
        assert (check_in.score, check_in.comment, check_in.goals_progressed) == (2, None, ["#2"])
        assert check_in.help_text is None
        [meeting] = (await uow.session.execute(select(MeetingRow))).scalars().all()
        assert (meeting.minutes, meeting.topic) == (90, None)
        assert (await uow.session.execute(select(NoteRow))).scalars().all() == []
        [expectation] = (await uow.session.execute(select(ExpectationRow))).scalars().all()
        assert expectation.answers == {}
        keys = [
            row.idempotency_key for row in (await uow.session.execute(select(OutboxRow))).scalars()
        ]
        assert keys == ["to-kari"]
        # Everyone else keeps their data.
        ola = await uow.people.person(ids["Ola"])
        assert ola is not None and ola.first_name == "Ola" and ola.intake != {}


async def test_retention_picks_participants_with_nothing_else_running(database: Database) -> None:
    ids = await seed(database)
    async with database.unit() as uow:
        # Kari coordinates; Bodil has a pair in the 2026 cohort: both are kept.
        assert await uow.privacy.people_to_erase([ids["old"]]) == sorted([ids["Ola"], ids["Amina"]])
        assert await uow.privacy.people_to_erase([ids["new"]]) == [ids["Nora"]]
        assert await uow.privacy.people_to_erase([ids["old"], ids["new"]]) == sorted(
            [ids["Ola"], ids["Amina"], ids["Bodil"], ids["Nora"]]
        )
        assert await uow.privacy.pairs_of_cohorts([ids["old"]]) == [ids["pair"]]
        assert len(await uow.privacy.pairs_of_cohorts([ids["new"]])) == 1
        await uow.privacy.mark_cohorts_erased([ids["old"]], NOW)
        dates = {c.cohort_id: c.erased for c in await uow.privacy.cohort_dates()}
        assert dates == {ids["old"]: True, ids["new"]: False}


async def test_audit_entries_per_programme_newest_first(database: Database) -> None:
    ids = await seed(database)
    async with database.unit() as uow:
        other = await uow.programmes.create_programme(
            name="Bergen", timezone="Europe/Oslo", language="nb", now=NOW
        )
        await uow.privacy.record_audit(
            ids["Kari"], ids["programme"], "view_comments", "pair:1", NOW
        )
        await uow.privacy.record_audit(
            ids["Kari"], ids["programme"], "export", "report", NOW + timedelta(minutes=1)
        )
        await uow.privacy.record_audit(None, other.id, "retention", "cohort:9", NOW)
    async with database.unit() as uow:
        entries = await uow.privacy.audit_entries([ids["programme"]])
        assert [(e.action, e.actor_name, e.at) for e in entries] == [
            ("export", "Kari", NOW + timedelta(minutes=1)),
            ("view_comments", "Kari", NOW),
        ]
        assert await uow.privacy.audit_entries([]) == []


async def test_invite_failures_are_counted_and_forgotten(database: Database) -> None:
    async with database.unit() as uow:
        assert await uow.privacy.invite_failures(555) == (0, None)
        await uow.privacy.set_invite_failures(555, 1, NOW)
        await uow.privacy.set_invite_failures(555, 2, NOW + timedelta(seconds=5))
    async with database.unit() as uow:
        assert await uow.privacy.invite_failures(555) == (2, NOW + timedelta(seconds=5))
        await uow.privacy.forget_invite_failures(555)
    async with database.unit() as uow:
        assert await uow.privacy.invite_failures(555) == (0, None)


async def test_retention_forgets_what_a_sheet_said_about_people_who_never_joined(
    database: Database,
) -> None:
    ids = await seed(database)
    async with database.session() as session:
        for cohort, name in ((ids["old"], "Never Joined"), (ids["new"], "Still Invited")):
            invite = InviteRow(
                programme_id=ids["programme"],
                cohort_id=cohort,
                role="adept",
                token_hash=name.ljust(64, "x"),
                created_at=NOW,
                expires_at=NOW + timedelta(days=30),
            )
            session.add(invite)
            await session.flush()
            session.add(
                InviteIntakeRow(
                    invite_id=invite.id,
                    programme_id=ids["programme"],
                    name=name,
                    answers={"field": f"{name}'s field"},
                    created_at=NOW,
                )
            )
    async with database.unit() as uow:
        await uow.privacy.erase_imports_of_cohorts([ids["old"]])
    async with database.session() as session:
        names = (await session.execute(select(InviteIntakeRow.name))).scalars().all()
        assert names == ["Still Invited"]


async def test_closed_goals_are_in_the_export_and_erased_with_the_rest(database: Database) -> None:
    ids = await seed(database)
    later = NOW + timedelta(days=5)
    async with database.unit() as uow:
        await uow.pairs.change_goals(ids["pair"], ["@cv", "Lære fagord"], later, tell=True)
    async with database.unit() as uow:
        data = await uow.privacy.export(ids["Amina"])
    assert data is not None
    [pair] = data["pairs"]
    assert pair["goals"] == ["@cv", "Lære fagord"]
    assert [(g["goal"], g["closed_at"]) for g in pair["closed_goals"]] == [
        ("Jobb som sykepleier", later.isoformat())
    ]
    async with database.unit() as uow:
        await uow.privacy.erase_pair_texts([ids["pair"]])
    async with database.session() as session:
        texts = sorted(
            row.text
            for row in (await session.execute(select(GoalRow))).scalars()
            if row.pair_id == ids["pair"]
        )
    # Built-in goals stay; the adept's own words, open or closed, do not.
    assert texts == ["#2", "#?", "@cv"]
