"""Matching suggestions: a transparent fit score from intake answers, and the optimal
assignment of adepts to mentors over a whole cohort (the Hungarian method, no greedy).

Pure: plain data in, plain data out. The reasons are structured (a kind and the words it
is about) so handlers and the command line can say them in the reader's language.

The seeds say the mentor's competence should fit the adept's needs and wishes, that gender
and age also matter, and that the adept's own goals come first. So the score counts what
the adept asked for: the same field, help the mentor offers, languages in common, and
the adept's own wish for a mentor's gender or age. A gender wish that a mentor plainly
does not meet rules that mentor out; everything else only weighs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bot.domain import intake

# Weights, in points. Shown to nobody as numbers alone: every point has a reason in words.
SAME_FIELD = 30
GOALS_FIT_FIELD = 10
HELP_OFFERED = 15  # for each kind of help the adept asked for and the mentor offers
COMMON_LANGUAGE = 10
GENDER_WISH_MET = 15
AGE_WISH_MET = 10
AGE_WISH_MISSED = -15
BASE = 1  # a pair with nothing in common can still be suggested, marked as such
# A mentor's second and third adept cost a little, so equally good suggestions spread
# adepts over mentors before anyone gets two.
EXTRA_ADEPT = 3

GENDERS = ("f", "m", "x")
AGE_BANDS = ("18-29", "30-39", "40-49", "50-59", "60+")

_WORD = re.compile(r"\w+", re.UNICODE)
# Words too common to say two fields are the same.
_STOP_WORDS = frozenset(
    [
        "and",
        "the",
        "for",
        "with",
        "work",
        "job",
        "jobb",
        "arbeid",
        "som",
        "med",
        "til",
        "hos",
        "and",
        "i",
        "og",
        "på",
        "av",
        "en",
        "et",
        "ei",
        "at",
        "in",
        "of",
        "a",
        "to",
        "as",
        "is",
        "or",
        "on",
        "by",
        "an",
        "er",
        "om",
        "se",
        "fra",
        "the",
    ]
)


class ReasonKind(StrEnum):
    SAME_FIELD = "same_field"
    GOALS_FIT_FIELD = "goals_fit_field"
    HELP_OFFERED = "help_offered"
    COMMON_LANGUAGES = "common_languages"
    GENDER_WISH_MET = "gender_wish_met"
    AGE_WISH_MET = "age_wish_met"
    AGE_WISH_MISSED = "age_wish_missed"
    GENDER_UNKNOWN = "gender_unknown"
    NOTHING_IN_COMMON = "nothing_in_common"


@dataclass(frozen=True)
class Reason:
    kind: ReasonKind
    items: tuple[str, ...] = ()  # field words, help option keys or texts, language codes…


@dataclass(frozen=True)
class Profile:
    """What matching knows about one person, read from their intake answers."""

    person_id: int
    field: str = ""
    goals: str = ""
    help: tuple[str, ...] = ()  # the adept's wishes, or what the mentor offers
    languages: tuple[str, ...] = ()
    gender: str | None = None
    age: str | None = None
    wants_gender: str | None = None  # adepts only
    wants_age: str | None = None  # adepts only
    capacity: int = 1  # mentors only: free places now


@dataclass(frozen=True)
class Fit:
    score: int
    reasons: tuple[Reason, ...]
    allowed: bool = True


@dataclass(frozen=True)
class Suggestion:
    mentor_id: int
    adept_id: int
    fit: Fit


def _texts(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,) if value.strip() else ()
    if isinstance(value, Iterable):
        return tuple(str(v) for v in value if v is not None and str(v).strip())
    return (str(value),)


def _one_of(value: Any, allowed: Sequence[str]) -> str | None:
    return value if isinstance(value, str) and value in allowed else None


def profile(
    person_id: int, answers: Mapping[str, Any], *, mentor: bool = False, free_places: int = 1
) -> Profile:
    """A profile from intake answers; a mentor's help is what they offer (``offers``),
    an adept's what they asked for (``help``)."""
    help_key = "offers" if mentor else "help"
    return Profile(
        person_id=person_id,
        field=" ".join(_texts(answers.get("field"))),
        goals=" ".join(_texts(answers.get("goals"))),
        help=_texts(answers.get(help_key)),
        languages=_texts(answers.get("languages")),
        gender=_one_of(answers.get("gender"), GENDERS),
        age=_one_of(answers.get("age"), AGE_BANDS),
        wants_gender=_one_of(answers.get("wants_gender"), GENDERS),
        wants_age=_one_of(answers.get("wants_age"), AGE_BANDS),
        capacity=max(0, free_places),
    )


def words(text: str) -> list[str]:
    """Meaningful words, folded, in order: ``"Nurse at Ullevål"`` → nurse, ullevål."""
    seen: list[str] = []
    for word in _WORD.findall(text.casefold()):
        # Two letters are enough for a field like «IT»; the stop words hold «og», «in»…
        if len(word) >= 2 and word not in _STOP_WORDS and not word.isdigit() and word not in seen:
            seen.append(word)
    return seen


def _shared_words(first: str, second: str) -> tuple[str, ...]:
    """Words of the first text the second shares, in either form of the word."""
    theirs = words(second)
    shared = []
    for word in words(first):
        if word in theirs or any(_stem_match(word, other) for other in theirs):
            shared.append(word)
    return tuple(shared)


def _stem_match(first: str, second: str) -> bool:
    """Two forms of one word: a long common beginning (nurse ~ nursing, sykepleier ~ sykepleie)."""
    shorter = min(len(first), len(second))
    common = next(
        (i for i, (a, b) in enumerate(zip(first, second, strict=False)) if a != b), shorter
    )
    return shorter >= 4 and common >= max(4, shorter - 2)


def _norm(values: Iterable[str]) -> dict[str, str]:
    return {value.casefold().strip(): value for value in values}


def fit(mentor: Profile, adept: Profile) -> Fit:
    """How well this mentor fits this adept's needs and wishes, with the reasons."""
    score = BASE
    reasons: list[Reason] = []
    same = _shared_words(adept.field, mentor.field)
    if same:
        score += SAME_FIELD
        reasons.append(Reason(ReasonKind.SAME_FIELD, same))
    else:
        from_goals = _shared_words(adept.goals, mentor.field)
        if from_goals:
            score += GOALS_FIT_FIELD
            reasons.append(Reason(ReasonKind.GOALS_FIT_FIELD, from_goals))
    offered = _norm(mentor.help)
    wanted = [value for key, value in _norm(adept.help).items() if key in offered]
    if wanted:
        score += HELP_OFFERED * len(wanted)
        reasons.append(Reason(ReasonKind.HELP_OFFERED, tuple(wanted)))
    spoken = _norm(mentor.languages)
    common = [value for key, value in _norm(adept.languages).items() if key in spoken]
    if common:
        score += COMMON_LANGUAGE
        reasons.append(Reason(ReasonKind.COMMON_LANGUAGES, tuple(common)))
    allowed = True
    if adept.wants_gender is not None:
        if mentor.gender is None:
            reasons.append(Reason(ReasonKind.GENDER_UNKNOWN, (adept.wants_gender,)))
        elif mentor.gender == adept.wants_gender:
            score += GENDER_WISH_MET
            reasons.append(Reason(ReasonKind.GENDER_WISH_MET, (mentor.gender,)))
        else:
            allowed = False
    if adept.wants_age is not None and mentor.age is not None:
        if mentor.age == adept.wants_age:
            score += AGE_WISH_MET
            reasons.append(Reason(ReasonKind.AGE_WISH_MET, (mentor.age,)))
        else:
            score += AGE_WISH_MISSED
            reasons.append(Reason(ReasonKind.AGE_WISH_MISSED, (adept.wants_age,)))
    if not any(r.kind is not ReasonKind.GENDER_UNKNOWN for r in reasons):
        reasons.append(Reason(ReasonKind.NOTHING_IN_COMMON))
    return Fit(score=score, reasons=tuple(reasons), allowed=allowed)


# The assignment problem


def hungarian(cost: Sequence[Sequence[int]]) -> list[int]:
    """For an n × m cost matrix with n ≤ m, the column of each row in an assignment of
    least total cost (each column used at most once). Potentials method, O(n² m)."""
    n = len(cost)
    if n == 0:
        return []
    m = len(cost[0])
    if m < n or any(len(row) != m for row in cost):
        raise ValueError("need a rectangular matrix with at least as many columns as rows")
    # 1-based arrays as in the textbook statement; index 0 is the virtual start.
    u = [0] * (n + 1)
    v = [0] * (m + 1)
    owner = [0] * (m + 1)  # owner[j]: the row assigned to column j
    way = [0] * (m + 1)
    for i in range(1, n + 1):
        owner[0] = i
        j0 = 0
        least: list[int | None] = [None] * (m + 1)
        used = [False] * (m + 1)
        while True:
            used[j0] = True
            i0 = owner[j0]
            delta: int | None = None
            j1 = 0
            for j in range(1, m + 1):
                if used[j]:
                    continue
                current = cost[i0 - 1][j - 1] - u[i0] - v[j]
                best = least[j]
                if best is None or current < best:
                    least[j] = current
                    way[j] = j0
                    best = current
                if delta is None or best < delta:
                    delta = best
                    j1 = j
            assert delta is not None
            for j in range(m + 1):
                if used[j]:
                    u[owner[j]] += delta
                    v[j] -= delta
                else:
                    slack = least[j]
                    if slack is not None:
                        least[j] = slack - delta
            j0 = j1
            if owner[j0] == 0:
                break
        while True:
            j1 = way[j0]
            owner[j0] = owner[j1]
            j0 = j1
            if j0 == 0:
                break
    columns = [0] * n
    for j in range(1, m + 1):
        if owner[j]:
            columns[owner[j] - 1] = j - 1
    return columns


def extra_adept_cost(place: int) -> int:
    """What a mentor's `place`-th adept (0 for the first) costs, to spread adepts."""
    return EXTRA_ADEPT * place


def suggest(
    mentors: Sequence[Profile],
    adepts: Sequence[Profile],
    *,
    ruled_out: Iterable[tuple[int, int]] = (),
) -> list[Suggestion]:
    """The best set of pairs for the whole cohort: the largest total score, each mentor
    within their free places, each adept at most once, no ruled-out (mentor, adept) pair
    and no pair a gender wish rules out. Adepts without a possible mentor stay unpaired.

    Each mentor becomes one column per free place; each adept also has a column of its own
    meaning "no mentor this time", so a pair is only made when it is worth something.
    """
    excluded = set(ruled_out)
    slots = [(mentor, place) for mentor in mentors for place in range(mentor.capacity)]
    if not adepts or not slots:
        return []
    fits = {(m.person_id, a.person_id): fit(m, a) for m in mentors for a in adepts}
    # Scores are bounded, so one more than every real gain is "never".
    never = 1 + sum(max(0, f.score) for f in fits.values())
    cost: list[list[int]] = []
    for row, adept in enumerate(adepts):
        line = []
        for mentor, place in slots:
            found = fits[(mentor.person_id, adept.person_id)]
            if not found.allowed or (mentor.person_id, adept.person_id) in excluded:
                line.append(never)
            else:
                line.append(-(found.score - extra_adept_cost(place)))
        line.extend(0 if column == row else never for column in range(len(adepts)))
        cost.append(line)
    chosen = hungarian(cost)
    suggestions = []
    for row, column in enumerate(chosen):
        if column >= len(slots) or cost[row][column] >= 0:
            continue
        mentor, _place = slots[column]
        adept = adepts[row]
        suggestions.append(
            Suggestion(mentor.person_id, adept.person_id, fits[(mentor.person_id, adept.person_id)])
        )
    return sorted(suggestions, key=lambda s: s.adept_id)


def total(suggestions: Iterable[Suggestion]) -> int:
    """The objective `suggest` maximises: scores, less the cost of mentors' extra adepts."""
    score = 0
    per_mentor: dict[int, int] = {}
    for suggestion in suggestions:
        place = per_mentor.get(suggestion.mentor_id, 0)
        per_mentor[suggestion.mentor_id] = place + 1
        score += suggestion.fit.score - extra_adept_cost(place)
    return score


def free_places(answers: Mapping[str, Any], open_pairs: int) -> int:
    return max(0, intake.capacity(answers) - open_pairs)
