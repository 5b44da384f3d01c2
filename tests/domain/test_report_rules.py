"""The report's figures as a pure function of plain data: rhythm periods, anonymising,
numbering instead of names, and every row as wide as its table."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.domain.evaluation import Evaluation, RecordedOutcome
from bot.domain.model import CheckIn, Cohort, PairState, Person, Programme, Role
from bot.domain.report import (
    Label,
    MeetingRecord,
    Options,
    PairRecord,
    Participant,
    ReportData,
    anonymise,
    build_report,
    rhythm_periods,
)
from bot.domain.rhythm import Cadence, CadenceKind, MeetingFact, MeetingStatus

MONTHLY = Cadence(CadenceKind.MONTHLY)


def meeting(
    day: date, status: MeetingStatus = MeetingStatus.CONFIRMED, minutes: int = 60
) -> MeetingFact:
    return MeetingFact(day.toordinal(), day, minutes, status, 1)


def test_rhythm_periods_monthly() -> None:
    start, end = date(2026, 1, 1), date(2026, 12, 31)
    meetings = [meeting(date(2026, 3, 5)), meeting(date(2026, 4, 9), MeetingStatus.DISPUTED)]
    # Activated 3 March: 3–17 March, 17–31 March, April; counted once each has ended.
    assert rhythm_periods(MONTHLY, date(2026, 3, 3), date(2026, 3, 16), start, end, meetings) == (
        1,
        1,
    )
    assert rhythm_periods(MONTHLY, date(2026, 3, 3), date(2026, 3, 31), start, end, meetings) == (
        2,
        1,
    )
    assert rhythm_periods(MONTHLY, date(2026, 3, 3), date(2026, 4, 30), start, end, meetings) == (
        3,
        1,
    )
    assert rhythm_periods(MONTHLY, date(2026, 3, 3), date(2026, 3, 1), start, end, meetings) == (
        0,
        0,
    )


def test_a_paused_period_is_not_due() -> None:
    start, end = date(2026, 1, 1), date(2026, 12, 31)
    met = [meeting(date(2026, 3, 5))]
    # 3–17 March met; 17–31 March and April not. April paused from the 10th: more than
    # half of it, so it is not due; 17–31 March paused for 3 days still is.
    pauses = [(date(2026, 3, 29), date(2026, 3, 31)), (date(2026, 4, 10), date(2026, 5, 3))]
    assert rhythm_periods(MONTHLY, date(2026, 3, 3), date(2026, 4, 30), start, end, met) == (3, 1)
    assert rhythm_periods(
        MONTHLY, date(2026, 3, 3), date(2026, 4, 30), start, end, met, pauses
    ) == (2, 1)


def test_rhythm_periods_minutes_and_per_cohort() -> None:
    start, end = date(2026, 1, 1), date(2026, 6, 30)
    minutes = Cadence(CadenceKind.MINUTES, 120)
    # 1–15 January (the first two weeks), the rest of January, February (two hours: met).
    meetings = [meeting(date(2026, 2, 3), minutes=60), meeting(date(2026, 2, 20), minutes=60)]
    assert rhythm_periods(minutes, date(2026, 1, 1), date(2026, 2, 28), start, end, meetings) == (
        3,
        1,
    )
    per_cohort = Cadence(CadenceKind.PER_COHORT, 2)
    assert rhythm_periods(per_cohort, date(2026, 1, 1), date(2026, 5, 1), start, end, meetings) == (
        0,
        0,
    )
    assert rhythm_periods(per_cohort, date(2026, 1, 1), end, start, end, meetings) == (1, 1)


def test_anonymise() -> None:
    names = {"Ola": "M1", "Nordmann": "M1", "Amina": "A1"}
    text = "Ola NORDMANN met amina; mail ola@example.no or call +47 912 34 567. Olav came too."
    assert anonymise(text, names) == ("M1 M1 met A1; mail [e-mail] or call [phone]. Olav came too.")


def data() -> ReportData:
    programme = Programme(1, "GF", "Europe/Oslo", "nb")
    cohort = Cohort(1, 1, "Autumn", date(2026, 1, 1), date(2026, 6, 30))
    ola = Person(1, 11, "Ola", "Nordmann", None)
    amina = Person(2, 12, "Amina", None, None)
    kari = Person(3, 13, "Kari", None, None)  # an adept not yet paired
    started = datetime(2026, 3, 3, 9, tzinfo=UTC)
    pair = PairRecord(
        7, 1, ola, amina, PairState.ACTIVE, started, started, None, ("@cv", "Drive a truck")
    )
    check_in = CheckIn(1, 7, 2, None, "first", 4, "Ola is kind", False, ("@cv",), started, started)
    evaluation = Evaluation(
        1,
        7,
        2,
        "adept",
        ("@cv", "Drive a truck"),
        {
            "overall": 5,
            "goal_scores": [4, 2],
            "outcome": "internship",
            "outcome_text": "",
            "recommend": "yes",
            "comment": "Thanks Ola",
        },
        started,
        started,
        0,
        started,
    )
    return ReportData(
        programme=programme,
        cohort=cohort,
        cohorts=(cohort,),
        participants=(
            Participant(ola, Role.MENTOR),
            Participant(amina, Role.ADEPT),
            Participant(kari, Role.ADEPT),
        ),
        pairs=(pair,),
        meetings=(
            MeetingRecord(7, meeting(date(2026, 3, 5)), "@cv"),
            MeetingRecord(7, meeting(date(2026, 3, 25), MeetingStatus.REPORTED, 30), None),
        ),
        check_ins=(check_in,),
        evaluations=(evaluation,),
        outcomes=(RecordedOutcome(1, 7, "job", "At Ola's firm", 3, started),),
    )


def test_report_numbers_people_and_counts_everything() -> None:
    report = build_report(data(), date(2026, 4, 2))
    summary = {str(row[0]): row[1] for row in report.table("summary").rows}
    assert summary["Adepts"] == 2 and summary["Mentors"] == 1 and summary["Pairs"] == 1
    assert summary["Hours of meetings"] == 1.5
    assert summary["Adepts who got a job"] == 1
    assert summary["Adepts who got an internship"] == 1
    assert summary["Average goal progress, adepts' view (1-5)"] == 3
    assert isinstance(report.table("summary").rows[0][0], Label)
    participants = report.table("participants").rows
    assert [row[0] for row in participants] == ["A1", "A2", "M1"]
    [pair] = report.table("pairs").rows
    assert pair[:3] == ("1", "M1", "A1")
    goals = report.table("goals").rows
    assert [row[2] for row in goals] == ["@cv", "Drive a truck"]
    assert [row[5] for row in goals] == [4, 2]
    assert report.meetings_per_pair == (("1", 1, 1),)
    assert report.overall_scores["adept"] == (0, 0, 0, 0, 1)
    assert "comments" not in {t.key for t in report.tables}
    flat = repr(report)
    for name in ("Ola", "Amina", "Kari", "Nordmann"):
        assert name not in flat


def test_names_and_comments_when_asked() -> None:
    report = build_report(data(), date(2026, 4, 2), Options(with_names=True, with_comments=True))
    [pair] = report.table("pairs").rows
    assert pair[1:3] == ("Ola Nordmann", "Amina")
    comments = [row[-1] for row in report.table("comments").rows]
    assert comments == ["M1 is kind", "Thanks M1"]
    outcome_texts = [row[-1] for row in report.table("outcomes").rows]
    assert outcome_texts == ["At M1's firm", None]
