"""Programme presets from the source documents, and role labels per programme.

A preset fills what the IMDi summary says of each programme: the meeting rhythm,
the cohort's length, regional cohorts (NHO), outcomes counted for the report, the
role words (Podium's trainees and supervisors) and a plan of gatherings. Titles
are message ids; the use case translates them into the programme's language.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import time

from bot.domain.gatherings import Audience, GatheringKind
from bot.domain.wording import lazy


class RoleLabels:
    """How the two parties of a pair are named: the default words, or Podium's."""

    MENTOR = "mentor"  # mentor and adept
    TRAINEE = "trainee"  # supervisor and trainee

    ALL = (MENTOR, TRAINEE)

    @staticmethod
    def common(labels: Iterable[str]) -> str:
        """The words for someone in programmes with these labels, outside any one pair:
        Podium's words only when all of them use them (none: the default words)."""
        found = set(labels)
        return RoleLabels.TRAINEE if found == {RoleLabels.TRAINEE} else RoleLabels.MENTOR


OUTCOMES = ("job", "internship", "education", "career_step")


@dataclass(frozen=True)
class PlannedGathering:
    kind: GatheringKind
    title: str  # a message id, translated when the gathering is made
    audience: Audience
    # Days after the cohort starts; a negative number counts back from its last day.
    day: int
    at: time = time(18, 0)


@dataclass(frozen=True)
class Preset:
    key: str
    cadence: str
    months: int
    role_labels: str = RoleLabels.MENTOR
    outcomes: tuple[str, ...] = ("job",)
    # One cohort per name (NHO's regions), each with its own coordinator; empty: one cohort.
    regions: tuple[str, ...] = ()
    gatherings: tuple[PlannedGathering, ...] = ()
    language: str | None = None


KICKOFF = lazy("Kick-off")
MENTOR_TRAINING = lazy("Mentor training")
CLOSING = lazy("Closing gathering")

PRESETS: dict[str, Preset] = {
    # NHO Global Future: four regions, ~1-year cohorts (three intakes over three
    # years: add the next with `mentorbot cohort create`), mentor training led by AFF,
    # kick-off gatherings for adepts and mentors, an evaluation at the end.
    "nho": Preset(
        key="nho",
        cadence="monthly",
        months=12,
        outcomes=("job", "career_step"),
        regions=("Møre og Romsdal", "Hordaland", "Rogaland", "Oslo og Akershus"),
        gatherings=(
            PlannedGathering(GatheringKind.KICKOFF, KICKOFF, Audience.ALL, 7),
            PlannedGathering(GatheringKind.TRAINING, MENTOR_TRAINING, Audience.MENTORS, 14),
            PlannedGathering(GatheringKind.CLOSING, CLOSING, Audience.ALL, -14),
        ),
    ),
    # VS Humentor: an 18-month mentor period, at least two hours of meetings a month,
    # courses in diversity management for the mentors, joint gatherings.
    "humentor": Preset(
        key="humentor",
        cadence="minutes:120",
        months=18,
        gatherings=(
            PlannedGathering(GatheringKind.KICKOFF, KICKOFF, Audience.ALL, 7),
            PlannedGathering(
                GatheringKind.TRAINING, lazy("Course in diversity management"), Audience.MENTORS, 30
            ),
            PlannedGathering(
                GatheringKind.TRAINING,
                lazy("Course in diversity management"),
                Audience.MENTORS,
                180,
            ),
            PlannedGathering(
                GatheringKind.TRAINING,
                lazy("Course in diversity management"),
                Audience.MENTORS,
                365,
            ),
            PlannedGathering(GatheringKind.CLOSING, CLOSING, Audience.ALL, -14),
        ),
    ),
    # OXLO: two years; help with the master's thesis and short internships in the
    # municipality; start-up and introduction meetings between candidates and mentors.
    "oxlo": Preset(
        key="oxlo",
        cadence="monthly",
        months=24,
        outcomes=("job", "internship"),
        gatherings=(
            PlannedGathering(
                GatheringKind.INTRODUCTION, lazy("Introduction meeting"), Audience.ALL, 7
            ),
            PlannedGathering(GatheringKind.CLOSING, CLOSING, Audience.ALL, -14),
        ),
    ),
    # Grimstad: ten relationships for a year, at least twice a month, six gatherings
    # for the mentors, ended with digital stories; evaluated along the way by both.
    "grimstad": Preset(
        key="grimstad",
        cadence="twice_monthly",
        months=12,
        gatherings=(
            *(
                PlannedGathering(
                    GatheringKind.TRAINING, lazy("Mentor gathering"), Audience.MENTORS, 14 + 61 * n
                )
                for n in range(6)
            ),
            PlannedGathering(
                GatheringKind.CLOSING, lazy("Digital stories: closing"), Audience.ALL, -7
            ),
        ),
    ),
    # Bømlo «Bli med»: adepts learning Norwegian (at least A2); one or two meetings
    # over the whole period.
    "bomlo": Preset(
        key="bomlo",
        cadence="per_cohort:2",
        months=12,
        language="nb",
        gatherings=(PlannedGathering(GatheringKind.KICKOFF, KICKOFF, Audience.ALL, 7),),
    ),
    # Podium: a trainee scheme; trainees work in the company with a supervisor, with
    # ordinary employment in view.
    "podium": Preset(
        key="podium",
        cadence="monthly",
        months=12,
        role_labels=RoleLabels.TRAINEE,
        gatherings=(PlannedGathering(GatheringKind.KICKOFF, lazy("Start day"), Audience.ALL, 3),),
    ),
}


def preset(key: str) -> Preset | None:
    return PRESETS.get(key.strip().lower())


def parse_outcomes(text: str) -> tuple[str, ...] | None:
    """«job,internship» → ("job", "internship"); None when a word is not an outcome."""
    words = tuple(dict.fromkeys(w.strip().lower() for w in text.split(",") if w.strip()))
    if not words or any(w not in OUTCOMES for w in words):
        return None
    return words
