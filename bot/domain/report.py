"""The funder's report: every figure is computed here, by one pure function of plain
data (loaded in a constant number of statements) and the report's date.

The result is a list of typed tables (and the series the charts draw); writers in
`bot/files/report.py` turn it into a spreadsheet, CSV files or a PDF. Labels are
marked with `lazy` and translated by the writer. Names appear only when asked for;
otherwise pairs and people are numbered, and free text is shown only when asked for,
with names, e-mail addresses and phone numbers taken out.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from statistics import mean

from bot.domain.evaluation import NOT_OUTCOMES, Evaluation, Outcome, Recommend, RecordedOutcome
from bot.domain.gatherings import Audience, GatheringKind, Turnout
from bot.domain.model import (
    CheckIn,
    Cohort,
    GoalRecord,
    PairState,
    Person,
    Programme,
    Role,
    programme_and_cohort,
)
from bot.domain.rhythm import (
    Cadence,
    CadenceKind,
    MeetingFact,
    MeetingStatus,
    Period,
    paused_days,
    period_for,
    period_met,
)
from bot.domain.wording import lazy

Cell = str | int | float | date | None


class Label(str):
    """A text cell that is one of the report's own words: the writer translates it."""

    __slots__ = ()


class Kind(StrEnum):
    TEXT = "text"
    INT = "int"
    FLOAT = "float"
    DATE = "date"
    ANY = "any"  # a figure of any of the above (the summary's value column)


@dataclass(frozen=True)
class Column:
    label: str  # lazy: translate with _()
    kind: Kind


@dataclass(frozen=True)
class Table:
    key: str  # a file or sheet name: ASCII, short
    title: str  # lazy
    columns: tuple[Column, ...]
    rows: tuple[tuple[Cell, ...], ...]

    def __post_init__(self) -> None:
        for row in self.rows:
            if len(row) != len(self.columns):
                raise ValueError(
                    f"a row of {self.key} has {len(row)} cells for {len(self.columns)} columns"
                )


@dataclass(frozen=True)
class Report:
    programme: str
    cohort: str | None
    made_on: date
    tables: tuple[Table, ...]
    role_labels: str = "mentor"  # the programme's role words, for the writers
    # For the charts: (pair label, confirmed, one-sided) and counts by answer.
    meetings_per_pair: tuple[tuple[str, int, int], ...] = ()
    overall_scores: dict[str, tuple[int, ...]] = field(default_factory=dict)  # role -> 5 counts
    outcomes: tuple[tuple[str, int], ...] = ()  # (outcome kind, pairs)

    def table(self, key: str) -> Table:
        return next(t for t in self.tables if t.key == key)

    @property
    def name(self) -> str:
        """What the report is of (see `programme_and_cohort`)."""
        return programme_and_cohort(self.programme, self.cohort)


# the data the report is made from


@dataclass(frozen=True)
class PairRecord:
    id: int
    cohort_id: int
    mentor: Person
    adept: Person
    state: PairState
    created_at: datetime
    activated_at: datetime | None
    ended_at: datetime | None
    goals: tuple[str, ...]  # the open goals
    pauses: tuple[tuple[date, date], ...] = ()  # (first day, last day), oldest first
    # Every goal held, closed ones too, with their dates (none for a plan written before
    # goals were kept with dates).
    goal_history: tuple[GoalRecord, ...] = ()


@dataclass(frozen=True)
class MeetingRecord:
    pair_id: int
    fact: MeetingFact
    topic: str | None


@dataclass(frozen=True)
class Participant:
    person: Person
    role: Role


@dataclass(frozen=True)
class ReportData:
    programme: Programme
    cohort: Cohort | None  # None: every cohort of the programme
    cohorts: tuple[Cohort, ...]
    participants: tuple[Participant, ...]
    pairs: tuple[PairRecord, ...]
    meetings: tuple[MeetingRecord, ...]
    check_ins: tuple[CheckIn, ...]
    evaluations: tuple[Evaluation, ...]
    outcomes: tuple[RecordedOutcome, ...]
    # Gatherings not cancelled (of the cohort and the programme-wide ones, for a cohort).
    gatherings: tuple[Turnout, ...] = ()


@dataclass(frozen=True)
class Options:
    with_names: bool = False
    with_comments: bool = False


# labels

OUTCOME_LABELS = {
    Outcome.JOB.value: lazy("job"),
    Outcome.EDUCATION.value: lazy("education"),
    Outcome.INTERNSHIP.value: lazy("internship"),
    Outcome.OTHER.value: lazy("other"),
    Outcome.NO.value: lazy("no"),
    Outcome.UNKNOWN.value: lazy("does not know"),
}
RECOMMEND_LABELS = {
    Recommend.YES.value: lazy("yes"),
    Recommend.NO.value: lazy("no"),
    Recommend.UNSURE.value: lazy("not sure"),
}
PAIR_OUTCOMES = (
    Outcome.JOB.value,
    Outcome.EDUCATION.value,
    Outcome.INTERNSHIP.value,
    Outcome.OTHER.value,
)
ROLE_LABELS = {Role.MENTOR.value: lazy("mentor"), Role.ADEPT.value: lazy("adept")}
STATE_LABELS = {
    PairState.AWAITING_AGREEMENT: lazy("awaiting agreement"),
    PairState.ACTIVE: lazy("active"),
    PairState.PAUSED: lazy("paused"),
    PairState.ENDED: lazy("ended"),
}
SOURCE_LABELS = {
    "coordinator": lazy("coordinator"),
    "mentor": lazy("mentor's evaluation"),
    "adept": lazy("adept's evaluation"),
}
KIND_LABELS = {
    GatheringKind.KICKOFF: lazy("kick-off"),
    GatheringKind.TRAINING: lazy("training"),
    GatheringKind.INTRODUCTION: lazy("introduction"),
    GatheringKind.CLOSING: lazy("closing"),
    GatheringKind.OTHER: lazy("other"),
}
AUDIENCE_LABELS = {
    Audience.MENTORS: lazy("mentors"),
    Audience.ADEPTS: lazy("adepts"),
    Audience.ALL: lazy("mentors and adepts"),
}
TRAINEE_AUDIENCE_LABELS = {
    Audience.MENTORS: lazy("supervisors"),
    Audience.ADEPTS: lazy("trainees"),
    Audience.ALL: lazy("supervisors and trainees"),
}
TEXT_LABELS = {
    "learned": lazy("what the mentor learned"),
    "workplace": lazy("what the mentor's workplace learned"),
    "comment": lazy("adept's comment"),
    "outcome_text": lazy("about the outcome"),
    "check_in": lazy("check-in comment"),
}


def _mean(values: Iterable[int | float]) -> float | None:
    found = list(values)
    return round(mean(found), 2) if found else None


# the rhythm


def rhythm_periods(
    cadence: Cadence,
    activated_on: date,
    until: date,
    cohort_start: date,
    cohort_end: date,
    meetings: Sequence[MeetingFact],
    pauses: Sequence[tuple[date, date]] = (),
) -> tuple[int, int]:
    """(periods that ended by `until`, of them with the required meetings).

    Uses the same periods and the same "met" rule as the reminders. With meetings
    "per cohort", the one period counts once the cohort is over. Paused days are not
    silence: a period paused for half its days or more is not due unless it was met."""
    if until < activated_on:
        return 0, 0
    if cadence.kind is CadenceKind.PER_COHORT:
        if until < cohort_end:
            return 0, 0
        period = period_for(cadence, cohort_end, activated_on, cohort_start, cohort_end)
        return _due_and_met(cadence, period, meetings, pauses)
    due = met = 0
    day = activated_on
    while True:
        period = period_for(cadence, day, activated_on, cohort_start, cohort_end)
        if period.end - timedelta(days=1) > until:
            return due, met
        counted = _due_and_met(cadence, period, meetings, pauses)
        due += counted[0]
        met += counted[1]
        day = period.end


def _due_and_met(
    cadence: Cadence,
    period: Period,
    meetings: Sequence[MeetingFact],
    pauses: Sequence[tuple[date, date]],
) -> tuple[int, int]:
    if period_met(cadence, period, meetings):
        return 1, 1
    paused = paused_days(pauses, period.start - timedelta(days=1), period.end - timedelta(days=1))
    return (0, 0) if 2 * paused >= period.length else (1, 0)


# anonymising free text

_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(\.[\w-]+)+\b")
_PHONE = re.compile(r"(?<!\w)\+?\d[\d \-]{6,}\d(?!\w)")


def anonymise(text: str, names: dict[str, str]) -> str:
    """Names (whole words, any case) become labels; e-mail addresses and phone numbers go."""
    cleaned = _EMAIL.sub("[e-mail]", text)
    cleaned = _PHONE.sub("[phone]", cleaned)
    for name in sorted(names, key=len, reverse=True):
        if len(name) < 2:
            continue
        pattern = re.compile(rf"(?<!\w){re.escape(name)}(?!\w)", re.IGNORECASE)
        cleaned = pattern.sub(names[name], cleaned)
    return cleaned


# the report


def build_report(
    data: ReportData,
    today: date,
    options: Options = Options(),
    goal_label: Callable[[str], str] = lambda goal: goal,
) -> Report:
    """Every table of the report from `data`, as of `today` (the programme's local date)."""
    pairs = sorted(data.pairs, key=lambda p: p.id)
    pair_label = {p.id: f"{n}" for n, p in enumerate(pairs, start=1)}
    people = _people_labels(data, pairs)
    names = {}
    for person, label in people.values():
        for part in (person.first_name, person.last_name):
            if part:
                names[part] = label
    cadence = data.programme.rules.cadence
    cohorts = {c.id: c for c in data.cohorts}
    meetings_by_pair: dict[int, list[MeetingRecord]] = {}
    for m in data.meetings:
        meetings_by_pair.setdefault(m.pair_id, []).append(m)
    # A score counts once given, as the stall rules count it, even if the rest was skipped.
    check_ins = [c for c in data.check_ins if c.score is not None or c.completed_at is not None]
    check_ins_by_pair: dict[int, list[CheckIn]] = {}
    for c in check_ins:
        check_ins_by_pair.setdefault(c.pair_id, []).append(c)
    evaluations = {(e.pair_id, e.role): e for e in data.evaluations}
    outcomes = _outcomes(data, pairs)

    pair_rows = []
    total_due = total_met = 0
    chart_meetings = []
    for p in pairs:
        found = sorted(meetings_by_pair.get(p.id, []), key=lambda m: (m.fact.held_on, m.fact.id))
        statuses = Counter(m.fact.status for m in found)
        confirmed = statuses[MeetingStatus.CONFIRMED]
        one_sided = statuses[MeetingStatus.REPORTED]
        minutes = sum(
            m.fact.minutes or 0 for m in found if m.fact.status is not MeetingStatus.DISPUTED
        )
        cohort = cohorts.get(p.cohort_id)
        due = met = 0
        if p.activated_at is not None and cohort is not None:
            local = data.programme.rules.local
            until = min(today, cohort.ends_on)
            if p.ended_at is not None:
                until = min(until, local(p.ended_at).date())
            due, met = rhythm_periods(
                cadence,
                local(p.activated_at).date(),
                until,
                cohort.starts_on,
                cohort.ends_on,
                [m.fact for m in found],
                p.pauses,
            )
        total_due += due
        total_met += met
        scores = [c.score for c in check_ins_by_pair.get(p.id, []) if c.score is not None]
        adept_eval = evaluations.get((p.id, Role.ADEPT.value))
        mentor_eval = evaluations.get((p.id, Role.MENTOR.value))
        row: list[Cell] = [pair_label[p.id]]
        if options.with_names:
            row += [_full_name(p.mentor), _full_name(p.adept)]
        row += [
            people[p.mentor.id][1],
            people[p.adept.id][1],
            cohort.name if cohort else None,
            Label(STATE_LABELS[p.state]),
            _local_date(data, p.activated_at),
            _local_date(data, p.ended_at),
            confirmed,
            one_sided,
            statuses[MeetingStatus.DISPUTED],
            round(minutes / 60, 2),
            due,
            met,
            round(100 * met / due, 1) if due else None,
            len(scores),
            _mean(scores),
            len(p.goals),
            _mean(_goal_scores(adept_eval)),
            _mean(_goal_scores(mentor_eval)),
        ]
        kinds = {kind for kind, _source, _when, _text in outcomes.get(p.id, [])}
        row += [int(kind in kinds) for kind in PAIR_OUTCOMES]
        pair_rows.append(tuple(row))
        chart_meetings.append((pair_label[p.id], confirmed, one_sided))

    tables = [
        _summary(data, today, pairs, total_due, total_met, check_ins, outcomes),
        _participants(data, pairs, people, pair_label, options),
        Table(
            "pairs",
            lazy("Pairs"),
            _pair_columns(options),
            tuple(pair_rows),
        ),
        _goals(
            data,
            pairs,
            pair_label,
            meetings_by_pair,
            check_ins_by_pair,
            evaluations,
            goal_label,
            names,
            options,
        ),
        _outcome_table(pairs, pair_label, outcomes, names, options),
        _gathering_table(data),
        _evaluation_table(data),
        _evaluation_answers(data),
    ]
    if options.with_comments:
        tables.append(_comments(data, pairs, pair_label, check_ins, names))

    overall: dict[str, tuple[int, ...]] = {}
    for role in (Role.ADEPT.value, Role.MENTOR.value):
        counted = Counter(
            e.answers.get("overall")
            for e in data.evaluations
            if e.role == role and isinstance(e.answers.get("overall"), int)
        )
        overall[role] = tuple(counted.get(score, 0) for score in range(1, 6))
    outcome_counts = Counter(
        kind for found in outcomes.values() for kind in {k for k, _s, _w, _t in found}
    )
    return Report(
        programme=data.programme.name,
        cohort=data.cohort.name if data.cohort else None,
        made_on=today,
        tables=tuple(tables),
        role_labels=data.programme.role_labels,
        meetings_per_pair=tuple(chart_meetings),
        overall_scores=overall,
        outcomes=tuple(
            (kind, outcome_counts.get(kind, 0))
            for kind in (o.value for o in Outcome)
            if kind not in NOT_OUTCOMES
        ),
    )


def _full_name(person: Person) -> str:
    return " ".join(part for part in (person.first_name, person.last_name) if part)


def _local_date(data: ReportData, moment: datetime | None) -> date | None:
    return None if moment is None else data.programme.rules.local(moment).date()


def _goal_scores(evaluation: Evaluation | None) -> list[int]:
    if evaluation is None:
        return []
    return [s for s in evaluation.answers.get("goal_scores", []) if isinstance(s, int)]


def _people_labels(data: ReportData, pairs: Sequence[PairRecord]) -> dict[int, tuple[Person, str]]:
    """Each participant's label: "M1", "A1"… numbered by role in the order they joined."""
    found: dict[int, tuple[Person, Role]] = {}
    for participant in data.participants:
        found.setdefault(participant.person.id, (participant.person, participant.role))
    for p in pairs:
        found.setdefault(p.mentor.id, (p.mentor, Role.MENTOR))
        found.setdefault(p.adept.id, (p.adept, Role.ADEPT))
    labels: dict[int, tuple[Person, str]] = {}
    counters: Counter[Role] = Counter()
    for person_id in sorted(found):
        person, role = found[person_id]
        counters[role] += 1
        prefix = "M" if role is Role.MENTOR else "A"
        labels[person_id] = (person, f"{prefix}{counters[role]}")
    return labels


def _outcomes(
    data: ReportData, pairs: Sequence[PairRecord]
) -> dict[int, list[tuple[str, str, date | None, str | None]]]:
    """Per pair: (kind, source, date, text) from coordinators and both evaluations."""
    result: dict[int, list[tuple[str, str, date | None, str | None]]] = {}
    wanted = {p.id for p in pairs}
    for o in data.outcomes:
        if o.pair_id in wanted:
            result.setdefault(o.pair_id, []).append(
                (o.kind, "coordinator", _local_date(data, o.created_at), o.text)
            )
    for e in data.evaluations:
        kind = e.answers.get("outcome")
        if e.pair_id in wanted and kind and kind not in NOT_OUTCOMES:
            result.setdefault(e.pair_id, []).append(
                (
                    str(kind),
                    e.role,
                    _local_date(data, e.completed_at or e.asked_at),
                    e.answers.get("outcome_text") or None,
                )
            )
    return result


def _summary(
    data: ReportData,
    today: date,
    pairs: Sequence[PairRecord],
    due: int,
    met: int,
    check_ins: Sequence[CheckIn],
    outcomes: dict[int, list[tuple[str, str, date | None, str | None]]],
) -> Table:
    states = Counter(p.state for p in pairs)
    roles = {Role.MENTOR: set(), Role.ADEPT: set()}  # type: dict[Role, set[int]]
    for participant in data.participants:
        if participant.role in roles:
            roles[participant.role].add(participant.person.id)
    for p in pairs:
        roles[Role.MENTOR].add(p.mentor.id)
        roles[Role.ADEPT].add(p.adept.id)
    statuses = Counter(m.fact.status for m in data.meetings)
    hours = sum(
        m.fact.minutes or 0 for m in data.meetings if m.fact.status is not MeetingStatus.DISPUTED
    )
    scores = [c.score for c in check_ins if c.score is not None]
    asked = [e for e in data.evaluations if e.asked_at is not None]
    answered = [e for e in asked if e.completed_at is not None]
    # Every answer given counts, also from evaluations not finished.
    adept_goals = [s for e in asked if e.role == Role.ADEPT.value for s in _goal_scores(e)]
    mentor_goals = [s for e in asked if e.role == Role.MENTOR.value for s in _goal_scores(e)]
    recommend = Counter(e.answers.get("recommend") for e in asked)
    kinds = Counter(k for found in outcomes.values() for k in {k for k, _s, _w, _t in found})
    cohort = data.cohort
    starts = cohort.starts_on if cohort else min((c.starts_on for c in data.cohorts), default=None)
    ends = cohort.ends_on if cohort else max((c.ends_on for c in data.cohorts), default=None)
    rows: list[tuple[Cell, Cell]] = [
        (Label(lazy("Programme")), data.programme.name),
        (Label(lazy("Cohort")), cohort.name if cohort else Label(lazy("all cohorts"))),
        (Label(lazy("Starts")), starts),
        (Label(lazy("Ends")), ends),
        (Label(lazy("Report made")), today),
        (Label(lazy("Mentors")), len(roles[Role.MENTOR])),
        (Label(lazy("Adepts")), len(roles[Role.ADEPT])),
        (Label(lazy("Pairs")), len(pairs)),
        (
            Label(lazy("Pairs active or paused")),
            states[PairState.ACTIVE] + states[PairState.PAUSED],
        ),
        (Label(lazy("Pairs ended")), states[PairState.ENDED]),
        (Label(lazy("Pairs awaiting agreement")), states[PairState.AWAITING_AGREEMENT]),
        (Label(lazy("Meetings confirmed by both")), statuses[MeetingStatus.CONFIRMED]),
        (Label(lazy("Meetings reported by one (not confirmed)")), statuses[MeetingStatus.REPORTED]),
        (Label(lazy("Meetings disputed")), statuses[MeetingStatus.DISPUTED]),
        (Label(lazy("Hours of meetings")), round(hours / 60, 2)),
        (Label(lazy("Required rhythm")), str(data.programme.rules.cadence)),
        (Label(lazy("Periods that ended")), due),
        (Label(lazy("Periods with the required meetings")), met),
        (Label(lazy("Rhythm achieved (%)")), round(100 * met / due, 1) if due else None),
        (Label(lazy("Check-ins answered")), len(scores)),
        (Label(lazy("Average check-in score (1-5)")), _mean(scores)),
        (Label(lazy("Goals")), sum(len(p.goals) for p in pairs)),
        (Label(lazy("Average goal progress, adepts' view (1-5)")), _mean(adept_goals)),
        (Label(lazy("Average goal progress, mentors' view (1-5)")), _mean(mentor_goals)),
        (Label(lazy("Evaluations sent")), len(asked)),
        (Label(lazy("Evaluations answered")), len(answered)),
        (
            Label(lazy("Average overall score (1-5)")),
            _mean(e.answers["overall"] for e in asked if isinstance(e.answers.get("overall"), int)),
        ),
        (Label(lazy("Would recommend the programme")), recommend.get(Recommend.YES.value, 0)),
        (Label(lazy("Would not recommend the programme")), recommend.get(Recommend.NO.value, 0)),
        (Label(lazy("Adepts who got a job")), kinds.get(Outcome.JOB.value, 0)),
        (Label(lazy("Adepts who got education")), kinds.get(Outcome.EDUCATION.value, 0)),
        (Label(lazy("Adepts who got an internship")), kinds.get(Outcome.INTERNSHIP.value, 0)),
        (Label(lazy("Adepts with another outcome")), kinds.get(Outcome.OTHER.value, 0)),
        *_gathering_summary(data, today),
    ]
    return Table(
        "summary",
        lazy("Summary"),
        (Column(lazy("Figure"), Kind.TEXT), Column(lazy("Value"), Kind.ANY)),
        tuple(rows),
    )


def _pair_columns(options: Options) -> tuple[Column, ...]:
    names = (
        (
            Column(lazy("Mentor's name"), Kind.TEXT),
            Column(lazy("Adept's name"), Kind.TEXT),
        )
        if options.with_names
        else ()
    )
    return (
        Column(lazy("Pair"), Kind.TEXT),
        *names,
        Column(lazy("Mentor"), Kind.TEXT),
        Column(lazy("Adept"), Kind.TEXT),
        Column(lazy("Cohort"), Kind.TEXT),
        Column(lazy("State"), Kind.TEXT),
        Column(lazy("Started"), Kind.DATE),
        Column(lazy("Ended"), Kind.DATE),
        Column(lazy("Meetings confirmed"), Kind.INT),
        Column(lazy("Meetings one-sided"), Kind.INT),
        Column(lazy("Meetings disputed"), Kind.INT),
        Column(lazy("Hours"), Kind.FLOAT),
        Column(lazy("Periods ended"), Kind.INT),
        Column(lazy("Periods met"), Kind.INT),
        Column(lazy("Rhythm achieved (%)"), Kind.FLOAT),
        Column(lazy("Check-ins"), Kind.INT),
        Column(lazy("Average check-in score"), Kind.FLOAT),
        Column(lazy("Goals"), Kind.INT),
        Column(lazy("Goal progress, adept (1-5)"), Kind.FLOAT),
        Column(lazy("Goal progress, mentor (1-5)"), Kind.FLOAT),
        Column(lazy("Job"), Kind.INT),
        Column(lazy("Education"), Kind.INT),
        Column(lazy("Internship"), Kind.INT),
        Column(lazy("Other outcome"), Kind.INT),
    )


def _participants(
    data: ReportData,
    pairs: Sequence[PairRecord],
    people: dict[int, tuple[Person, str]],
    pair_label: dict[int, str],
    options: Options,
) -> Table:
    of_person: dict[int, list[str]] = {}
    for p in pairs:
        of_person.setdefault(p.mentor.id, []).append(pair_label[p.id])
        of_person.setdefault(p.adept.id, []).append(pair_label[p.id])
    rows = []
    for person_id, (person, label) in sorted(people.items(), key=lambda item: item[1][1]):
        role = Role.MENTOR.value if label.startswith("M") else Role.ADEPT.value
        row: list[Cell] = [label]
        if options.with_names:
            row.append(_full_name(person))
        row += [Label(ROLE_LABELS[role]), ", ".join(of_person.get(person_id, []))]
        rows.append(tuple(row))
    columns = (
        Column(lazy("Participant"), Kind.TEXT),
        *((Column(lazy("Name"), Kind.TEXT),) if options.with_names else ()),
        Column(lazy("Role"), Kind.TEXT),
        Column(lazy("Pairs"), Kind.TEXT),
    )
    return Table("participants", lazy("Participants"), columns, tuple(rows))


def _goals(
    data: ReportData,
    pairs: Sequence[PairRecord],
    pair_label: dict[int, str],
    meetings: dict[int, list[MeetingRecord]],
    check_ins: dict[int, list[CheckIn]],
    evaluations: dict[tuple[int, str], Evaluation],
    goal_label: Callable[[str], str],
    names: dict[str, str],
    options: Options,
) -> Table:
    """The open goals first, then the closed ones: a plan that moved keeps its history."""
    rows = []
    for p in pairs:
        adept_eval = evaluations.get((p.id, Role.ADEPT.value))
        mentor_eval = evaluations.get((p.id, Role.MENTOR.value))
        added = {g.text: g.added_at for g in p.goal_history if g.closed_at is None}
        held: list[tuple[str, datetime | None, datetime | None]] = [
            (goal, added.get(goal), None) for goal in p.goals
        ]
        held += [(g.text, g.added_at, g.closed_at) for g in p.goal_history if g.closed_at]
        for number, (goal, added_at, closed_at) in enumerate(held, start=1):
            label = goal_label(goal)
            text = label if options.with_names else anonymise(label, names)
            rows.append(
                (
                    pair_label[p.id],
                    number,
                    text,
                    sum(1 for m in meetings.get(p.id, []) if m.topic == goal),
                    sum(1 for c in check_ins.get(p.id, []) if goal in c.goals_progressed),
                    _goal_score(adept_eval, goal),
                    _goal_score(mentor_eval, goal),
                    _local_date(data, added_at),
                    _local_date(data, closed_at),
                )
            )
    return Table(
        "goals",
        lazy("Goals"),
        (
            Column(lazy("Pair"), Kind.TEXT),
            Column(lazy("Goal"), Kind.INT),
            Column(lazy("Goal text"), Kind.TEXT),
            Column(lazy("Meetings on this goal"), Kind.INT),
            Column(lazy("Check-ins with progress"), Kind.INT),
            Column(lazy("Progress, adept (1-5)"), Kind.INT),
            Column(lazy("Progress, mentor (1-5)"), Kind.INT),
            Column(lazy("Goal added"), Kind.DATE),
            Column(lazy("Goal closed"), Kind.DATE),
        ),
        tuple(rows),
    )


def _goal_score(evaluation: Evaluation | None, goal: str) -> int | None:
    """The score given to `goal` (evaluations keep the goals they asked about)."""
    if evaluation is None or goal not in evaluation.goals:
        return None
    scores = evaluation.answers.get("goal_scores", [])
    index = evaluation.goals.index(goal)
    return scores[index] if index < len(scores) and isinstance(scores[index], int) else None


def _outcome_table(
    pairs: Sequence[PairRecord],
    pair_label: dict[int, str],
    outcomes: dict[int, list[tuple[str, str, date | None, str | None]]],
    names: dict[str, str],
    options: Options,
) -> Table:
    rows = []
    for p in pairs:
        for kind, source, when, text in outcomes.get(p.id, []):
            row: list[Cell] = [
                pair_label[p.id],
                Label(OUTCOME_LABELS.get(kind, kind)),
                Label(SOURCE_LABELS[source]),
                when,
            ]
            if options.with_comments:
                row.append(anonymise(text, names) if text else None)
            rows.append(tuple(row))
    columns = (
        Column(lazy("Pair"), Kind.TEXT),
        Column(lazy("Outcome"), Kind.TEXT),
        Column(lazy("Reported by"), Kind.TEXT),
        Column(lazy("Date"), Kind.DATE),
        *((Column(lazy("Text"), Kind.TEXT),) if options.with_comments else ()),
    )
    return Table("outcomes", lazy("Outcomes"), columns, tuple(rows))


def _gathering_summary(data: ReportData, today: date) -> list[tuple[Cell, Cell]]:
    """Gatherings up to today (the report's date, local) and the answers to them."""
    local = data.programme.rules.local
    so_far = [t for t in data.gatherings if local(t.gathering.starts_at).date() <= today]
    return [
        (Label(lazy("Gatherings up to today")), len(so_far)),
        (Label(lazy("Invitations to them")), sum(t.invited for t in so_far)),
        (Label(lazy("«I'll come» answers to them")), sum(t.coming for t in so_far)),
    ]


def _gathering_table(data: ReportData) -> Table:
    """Each gathering not cancelled, by date: who it was for and the answers to its
    invitation. The bot records answers, not who actually came."""
    cohorts = {c.id: c.name for c in data.cohorts}
    audiences = (
        TRAINEE_AUDIENCE_LABELS if data.programme.role_labels == "trainee" else AUDIENCE_LABELS
    )
    rows: list[tuple[Cell, ...]] = []
    for turnout in sorted(data.gatherings, key=lambda t: (t.gathering.starts_at, t.gathering.id)):
        g = turnout.gathering
        rows.append(
            (
                g.title,
                Label(KIND_LABELS[g.kind]),
                _local_date(data, g.starts_at),
                Label(audiences[g.audience]),
                cohorts.get(g.cohort_id, str(g.cohort_id))
                if g.cohort_id is not None
                else Label(lazy("whole programme")),
                g.learning_group,
                turnout.invited,
                turnout.coming,
                turnout.not_coming,
                turnout.no_answer,
            )
        )
    return Table(
        "gatherings",
        lazy("Gatherings"),
        (
            Column(lazy("Gathering"), Kind.TEXT),
            Column(lazy("Kind"), Kind.TEXT),
            Column(lazy("Date"), Kind.DATE),
            Column(lazy("For"), Kind.TEXT),
            Column(lazy("Cohort"), Kind.TEXT),
            Column(lazy("Learning group"), Kind.TEXT),
            Column(lazy("Invited"), Kind.INT),
            Column(lazy("Said they would come"), Kind.INT),
            Column(lazy("Said they could not"), Kind.INT),
            Column(lazy("Did not answer"), Kind.INT),
        ),
        tuple(rows),
    )


def _evaluation_table(data: ReportData) -> Table:
    """Per role: how many were asked and finished, and the average of each score (every
    answer given counts, also from evaluations not finished)."""
    rows = []
    for role in (Role.ADEPT.value, Role.MENTOR.value):
        mine = [e for e in data.evaluations if e.role == role and e.asked_at is not None]
        done = [e for e in mine if e.completed_at is not None]
        overall = [e.answers["overall"] for e in mine if isinstance(e.answers.get("overall"), int)]
        goals = [s for e in mine for s in _goal_scores(e)]
        recommend = Counter(e.answers.get("recommend") for e in mine)
        rows.append(
            (
                Label(ROLE_LABELS[role]),
                len(mine),
                len(done),
                _mean(overall),
                _mean(goals),
                recommend.get(Recommend.YES.value, 0),
                recommend.get(Recommend.NO.value, 0),
                recommend.get(Recommend.UNSURE.value, 0),
            )
        )
    return Table(
        "evaluation",
        lazy("Evaluation"),
        (
            Column(lazy("Role"), Kind.TEXT),
            Column(lazy("Sent"), Kind.INT),
            Column(lazy("Answered"), Kind.INT),
            Column(lazy("Overall score (1-5)"), Kind.FLOAT),
            Column(lazy("Goal progress (1-5)"), Kind.FLOAT),
            Column(lazy("Would recommend"), Kind.INT),
            Column(lazy("Would not recommend"), Kind.INT),
            Column(lazy("Not sure"), Kind.INT),
        ),
        tuple(rows),
    )


def _evaluation_answers(data: ReportData) -> Table:
    """How many gave each answer, per question and role (every answer given counts)."""
    rows: list[tuple[Cell, ...]] = []
    done = [e for e in data.evaluations if e.asked_at is not None]
    questions: tuple[tuple[str, str, tuple[tuple[object, str], ...]], ...] = (
        ("overall", lazy("Overall score"), tuple((n, str(n)) for n in range(1, 6))),
        ("outcome", lazy("Job, education or internship"), tuple(OUTCOME_LABELS.items())),
        ("recommend", lazy("Would recommend"), tuple(RECOMMEND_LABELS.items())),
    )
    for role in (Role.ADEPT.value, Role.MENTOR.value):
        mine = [e for e in done if e.role == role]
        for key, title, options in questions:
            counted = Counter(e.answers.get(key) for e in mine)
            for value, label in options:
                rows.append(
                    (Label(title), Label(ROLE_LABELS[role]), Label(label), counted.get(value, 0))
                )
        goal_counts = Counter(s for e in mine for s in _goal_scores(e))
        for score in range(1, 6):
            rows.append(
                (
                    Label(lazy("Goal progress")),
                    Label(ROLE_LABELS[role]),
                    str(score),
                    goal_counts.get(score, 0),
                )
            )
    return Table(
        "answers",
        lazy("Evaluation answers"),
        (
            Column(lazy("Question"), Kind.TEXT),
            Column(lazy("Role"), Kind.TEXT),
            Column(lazy("Answer"), Kind.TEXT),
            Column(lazy("Count"), Kind.INT),
        ),
        tuple(rows),
    )


def _comments(
    data: ReportData,
    pairs: Sequence[PairRecord],
    pair_label: dict[int, str],
    check_ins: Sequence[CheckIn],
    names: dict[str, str],
) -> Table:
    wanted = {p.id: p for p in pairs}
    rows: list[tuple[Cell, ...]] = []
    for c in check_ins:
        pair = wanted.get(c.pair_id)
        if pair is None or not c.comment:
            continue
        role = Role.MENTOR.value if c.person_id == pair.mentor.id else Role.ADEPT.value
        rows.append(
            (
                pair_label[c.pair_id],
                Label(ROLE_LABELS[role]),
                Label(TEXT_LABELS["check_in"]),
                _local_date(data, c.completed_at or c.created_at),
                anonymise(c.comment, names),
            )
        )
    for e in data.evaluations:
        if e.pair_id not in wanted or e.asked_at is None:
            continue
        for key in ("outcome_text", "learned", "workplace", "comment"):
            text = e.answers.get(key)
            if text:
                rows.append(
                    (
                        pair_label[e.pair_id],
                        Label(ROLE_LABELS.get(e.role, e.role)),
                        Label(TEXT_LABELS[key]),
                        _local_date(data, e.completed_at or e.asked_at),
                        anonymise(str(text), names),
                    )
                )
    return Table(
        "comments",
        lazy("Comments"),
        (
            Column(lazy("Pair"), Kind.TEXT),
            Column(lazy("Role"), Kind.TEXT),
            Column(lazy("About"), Kind.TEXT),
            Column(lazy("Date"), Kind.DATE),
            Column(lazy("Text"), Kind.TEXT),
        ),
        tuple(rows),
    )
