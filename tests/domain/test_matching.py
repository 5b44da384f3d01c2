"""Tests for bot.domain.matching: the fit score and its reasons, and the optimal assignment
checked against brute force on small cohorts."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterator

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.matching import (
    AGE_BANDS,
    GENDERS,
    Profile,
    Reason,
    ReasonKind,
    Suggestion,
    extra_adept_cost,
    fit,
    hungarian,
    profile,
    suggest,
    total,
)

# the score and its reasons


def test_nurse_who_speaks_arabic_and_offers_cv_help() -> None:
    mentor = profile(
        1,
        {
            "field": "Nurse at Ullevål",
            "offers": ["cv", "network"],
            "languages": ["no", "ar"],
            "capacity": "1",
        },
        mentor=True,
    )
    adept = profile(2, {"field": "nursing", "help": ["cv", "language"], "languages": ["ar", "ti"]})
    found = fit(mentor, adept)
    kinds = [reason.kind for reason in found.reasons]
    assert kinds == [ReasonKind.SAME_FIELD, ReasonKind.HELP_OFFERED, ReasonKind.COMMON_LANGUAGES]
    assert found.reasons[0] == Reason(ReasonKind.SAME_FIELD, ("nursing",))
    assert found.reasons[1] == Reason(ReasonKind.HELP_OFFERED, ("cv",))
    assert found.reasons[2] == Reason(ReasonKind.COMMON_LANGUAGES, ("ar",))
    assert found.score == 1 + 30 + 15 + 10
    assert found.allowed


def test_nothing_in_common_is_said() -> None:
    found = fit(profile(1, {"field": "IT"}, mentor=True), profile(2, {"field": "cooking"}))
    assert found.reasons == (Reason(ReasonKind.NOTHING_IN_COMMON),)
    assert found.score == 1


def test_a_gender_wish_rules_out_a_mentor_of_another_gender() -> None:
    adept = profile(2, {"wants_gender": "f"})
    assert not fit(profile(1, {"gender": "m"}), adept).allowed
    met = fit(profile(1, {"gender": "f"}), adept)
    assert met.allowed and Reason(ReasonKind.GENDER_WISH_MET, ("f",)) in met.reasons
    unknown = fit(profile(1, {}), adept)
    assert unknown.allowed and Reason(ReasonKind.GENDER_UNKNOWN, ("f",)) in unknown.reasons


def test_an_age_wish_weighs_but_does_not_rule_out() -> None:
    adept = profile(2, {"wants_age": "40-49", "field": "IT"})
    met = fit(profile(1, {"age": "40-49", "field": "IT consultant"}), adept)
    missed = fit(profile(1, {"age": "18-29", "field": "IT consultant"}), adept)
    assert met.score - missed.score == 10 + 15
    assert Reason(ReasonKind.AGE_WISH_MISSED, ("40-49",)) in missed.reasons


def test_goals_count_when_the_field_differs() -> None:
    found = fit(
        profile(1, {"field": "accountant"}),
        profile(2, {"field": "cleaner", "goals": "Become an accountant"}),
    )
    assert Reason(ReasonKind.GOALS_FIT_FIELD, ("accountant",)) in found.reasons


def test_short_fields_match_but_little_words_do_not() -> None:
    assert fit(profile(1, {"field": "IT developer"}), profile(2, {"field": "IT"})).reasons == (
        Reason(ReasonKind.SAME_FIELD, ("it",)),
    )
    lonely = fit(profile(1, {"field": "jobb i bank"}), profile(2, {"field": "jobb i butikk"}))
    assert lonely.reasons == (Reason(ReasonKind.NOTHING_IN_COMMON),)


def test_a_mentor_offers_and_an_adept_asks() -> None:
    answers = {"help": ["cv"], "offers": ["network"]}
    assert profile(1, answers, mentor=True).help == ("network",)
    assert profile(2, answers).help == ("cv",)


def test_odd_answers_are_ignored_not_fatal() -> None:
    odd = profile(1, {"field": 5, "languages": "ar", "gender": "yes", "age": "12", "help": None})
    assert odd.languages == ("ar",) and odd.gender is None and odd.age is None and odd.help == ()


# the assignment


def brute_force_min(cost: list[list[int]]) -> int:
    n, m = len(cost), len(cost[0])
    return min(
        sum(cost[i][cols[i]] for i in range(n)) for cols in itertools.permutations(range(m), n)
    )


@settings(max_examples=200, deadline=None)
@given(
    st.integers(1, 5).flatmap(
        lambda n: st.integers(n, 6).flatmap(
            lambda m: st.lists(
                st.lists(st.integers(-50, 50), min_size=m, max_size=m), min_size=n, max_size=n
            )
        )
    )
)
def test_hungarian_finds_the_least_cost(cost: list[list[int]]) -> None:
    columns = hungarian(cost)
    assert len(set(columns)) == len(cost)
    assert sum(cost[i][j] for i, j in enumerate(columns)) == brute_force_min(cost)


def test_hungarian_edge_cases() -> None:
    assert hungarian([]) == []
    assert hungarian([[7]]) == [0]
    assert hungarian([[1, 0], [0, 1]]) == [1, 0]


def _profiles() -> st.SearchStrategy[tuple[list[Profile], list[Profile]]]:
    fields = st.sampled_from(["nurse", "nursing", "IT developer", "cook", "accountant", ""])
    helps = st.lists(st.sampled_from(["cv", "network", "worklife", "language"]), unique=True)
    langs = st.lists(st.sampled_from(["no", "en", "ar", "ti"]), unique=True)
    gender = st.none() | st.sampled_from(GENDERS)
    age = st.none() | st.sampled_from(AGE_BANDS)
    mentor = st.builds(
        lambda f, h, lg, g, a, c: (f, h, lg, g, a, c),
        fields,
        helps,
        langs,
        gender,
        age,
        st.integers(0, 3),
    )
    adept = st.builds(lambda f, h, lg, g, a: (f, h, lg, g, a), fields, helps, langs, gender, age)
    return st.tuples(st.lists(mentor, max_size=3), st.lists(adept, max_size=5)).map(
        lambda both: (
            [
                Profile(
                    person_id=10 + i,
                    field=f,
                    help=tuple(h),
                    languages=tuple(lg),
                    gender=g,
                    age=a,
                    capacity=c,
                )
                for i, (f, h, lg, g, a, c) in enumerate(both[0])
            ],
            [
                Profile(
                    person_id=100 + i,
                    field=f,
                    help=tuple(h),
                    languages=tuple(lg),
                    wants_gender=g,
                    wants_age=a,
                )
                for i, (f, h, lg, g, a) in enumerate(both[1])
            ],
        )
    )


def all_assignments(
    mentors: list[Profile], adepts: list[Profile], ruled_out: set[tuple[int, int]]
) -> Iterator[list[Suggestion]]:
    """Every way to give each adept one mentor or none, within capacities and rules."""
    choices = [None, *mentors]
    for picks in itertools.product(choices, repeat=len(adepts)):
        used = Counter(m.person_id for m in picks if m is not None)
        if any(used[m.person_id] > m.capacity for m in mentors):
            continue
        pairs = []
        ok = True
        for adept, mentor in zip(adepts, picks, strict=True):
            if mentor is None:
                continue
            found = fit(mentor, adept)
            if not found.allowed or (mentor.person_id, adept.person_id) in ruled_out:
                ok = False
                break
            pairs.append(Suggestion(mentor.person_id, adept.person_id, found))
        if ok:
            yield pairs


@settings(max_examples=150, deadline=None)
@given(_profiles(), st.data())
def test_suggest_is_optimal_for_the_whole_cohort(
    people: tuple[list[Profile], list[Profile]], data: st.DataObject
) -> None:
    mentors, adepts = people
    candidates = [(m.person_id, a.person_id) for m in mentors for a in adepts]
    ruled_out = set(data.draw(st.lists(st.sampled_from(candidates)) if candidates else st.just([])))
    suggestions = suggest(mentors, adepts, ruled_out=ruled_out)
    best = max(total(option) for option in all_assignments(mentors, adepts, ruled_out))
    assert total(suggestions) == best
    # never beyond a mentor's free places, never an adept twice, never a ruled-out pair
    per_mentor = Counter(s.mentor_id for s in suggestions)
    capacity = {m.person_id: m.capacity for m in mentors}
    assert all(per_mentor[m] <= capacity[m] for m in per_mentor)
    assert len({s.adept_id for s in suggestions}) == len(suggestions)
    assert not {(s.mentor_id, s.adept_id) for s in suggestions} & ruled_out
    assert all(s.fit.allowed for s in suggestions)


def test_suggest_beats_greedy() -> None:
    """Greedy would give the nurse mentor to the first adept who fits a little; the optimum
    gives her to the nursing adept and the IT mentor to the one who wants CV help."""
    nurse = Profile(1, field="nurse", help=("cv",))
    it = Profile(2, field="IT", help=("cv",))
    first = Profile(10, field="IT", help=("cv",))
    second = Profile(11, field="nursing")
    suggestions = suggest([nurse, it], [first, second])
    assert {(s.mentor_id, s.adept_id) for s in suggestions} == {(2, 10), (1, 11)}


def test_adepts_spread_over_mentors_when_equally_good() -> None:
    one = Profile(1, capacity=2)
    two = Profile(2, capacity=2)
    suggestions = suggest([one, two], [Profile(10), Profile(11)])
    assert sorted(s.mentor_id for s in suggestions) == [1, 2]
    assert extra_adept_cost(0) == 0 < extra_adept_cost(1)


def test_no_mentor_with_room_means_no_suggestions() -> None:
    assert suggest([Profile(1, capacity=0)], [Profile(10)]) == []
    assert suggest([], [Profile(10)]) == []
    assert suggest([Profile(1)], []) == []
