"""`mentorbot match`, `pair` and `pairs`: suggestions, making a pair, listing them."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.cli.support import _run, fail, pairing_of, role_words
from bot.runtime.config import Settings
from bot.usecases.joining import Services
from bot.usecases.pairing import PairProblem


def match(
    program: Annotated[int, typer.Option("--program", help="Programme id.")],
    cohort: Annotated[
        int | None, typer.Option("--cohort", help="Cohort id (default: the current one).")
    ] = None,
) -> None:
    """Suggest pairs for the unpaired people of a cohort, with the reasons; pairs nobody."""

    async def work(services: Services, _settings: Settings) -> None:
        from bot.runtime.i18n import use_language
        from bot.texts.matching import reasons_text
        from bot.usecases.matching import Matchmaker, MatchProblem
        from bot.usecases.refusal import Refusal

        plan = await Matchmaker(services).plan(None, program, cohort)
        if isinstance(plan, Refusal) and plan.problem is MatchProblem.NOT_ALLOWED:
            raise fail(f"there is no programme {program}; see `mentorbot program list`")
        if isinstance(plan, Refusal):
            raise fail(f"programme {program} has no cohort {cohort or ''}".rstrip())
        mentor_word, _adept = role_words(plan.programme.role_labels)
        mentors, adepts = role_words(plan.programme.role_labels, plural=True)
        typer.echo(
            f"{plan.programme.name}, cohort {plan.cohort.id} ({plan.cohort.name}): "
            f"{plan.unpaired_adepts} {adepts} without a {mentor_word}, "
            f"{plan.mentors_with_room} {mentors} with room"
        )
        if plan.waiting_to_join:
            typer.echo(f"{plan.waiting_to_join} imported people have not joined yet")
        with use_language(plan.programme.language):
            for suggestion in plan.suggestions:
                mentor = plan.people[suggestion.mentor_id]
                adept = plan.people[suggestion.adept_id]
                typer.echo(
                    f"{mentor.id}\t{adept.id}\t{suggestion.fit.score}\t"
                    f"{mentor.first_name} + {adept.first_name}: "
                    f"{reasons_text(suggestion, plan.programme.role_labels)}"
                )
        if plan.suggestions:
            typer.echo(
                f"Pair them with `mentorbot pair --program {program} MENTOR ADEPT`, "
                "or with /match in Telegram."
            )
        else:
            typer.echo("no suggestions")

    _run(work)


def pair(
    program: Annotated[int, typer.Option("--program", help="Programme id.")],
    mentor: Annotated[int, typer.Argument(help="The mentor's person id (see `people`).")],
    adept: Annotated[int, typer.Argument(help="The adept's person id.")],
) -> None:
    """Pair a mentor with an adept; both get an introduction."""

    async def work(services: Services, settings: Settings) -> None:
        outcome = await pairing_of(services, settings).create_pair(None, program, mentor, adept)
        if outcome.problem is not None or outcome.view is None:
            reasons = {
                PairProblem.NOT_ALLOWED: f"there is no programme {program}",
                PairProblem.NOT_A_MENTOR: f"person {mentor} is not a mentor in programme {program}",
                PairProblem.NOT_AN_ADEPT: f"person {adept} is not an adept in programme {program}",
                PairProblem.ADEPT_TAKEN: f"person {adept} already has a mentor",
                PairProblem.MENTOR_FULL: f"person {mentor} has no room for another adept",
                PairProblem.NO_COHORT: f"programme {program} has no cohort",
                PairProblem.NOT_TAKING_PART: (
                    f"person {mentor} or {adept} has not agreed to take part or has left"
                ),
            }
            raise fail(reasons[outcome.problem or PairProblem.NOT_ALLOWED])
        view = outcome.view
        programme = await services.programme(program)
        mentor_word, adept_word = role_words(programme.role_labels if programme else "mentor")
        typer.echo(
            f"Pair {view.pair.id}: {view.mentor.first_name} ({mentor_word}) + "
            f"{view.adept.first_name} ({adept_word}), {view.pair.state.value}"
        )

    _run(work)


def pairs(program: Annotated[int, typer.Option("--program", help="Programme id.")]) -> None:
    """List a programme's pairs with their state."""

    async def work(services: Services, settings: Settings) -> None:
        for view in await pairing_of(services, settings).pairs(None, [program]):
            typer.echo(
                f"{view.pair.id}\t{view.mentor.first_name}\t{view.adept.first_name}\t"
                f"{view.pair.state.value}"
            )

    _run(work)
