"""The meeting dialogue on the database, without Telegram: each step takes what the person
tapped or typed and returns the next one, with the dialogue stored in the same transaction
as what the answer changed (handlers/meetings.py only renders the steps).

Ola mentors Amina in Oslo; Sara is in Bergen. Tuesday 3 March 2026, 10:00 in Oslo."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain.dates import DateProblem
from bot.domain.model import Dialogue, Opened, Person
from bot.domain.rhythm import MeetingStatus
from bot.usecases.meetings import (
    COMMENT_FLOW,
    MAX_COMMENT,
    MET_FLOW,
    PAUSE_FLOW,
    AskMeetingDay,
    AskMetDay,
    AskMinutes,
    AskPause,
    AskPlanDay,
    AskWhenMet,
    CheckInAsk,
    CheckInNext,
    Commented,
    Logged,
    MeetingAnswered,
    Paused,
    Problem,
    Proposed,
    Refused,
    TypeAgain,
)
from tests.support.rows import active_pair
from tests.usecases.conftest import World

TODAY = date(2026, 3, 3)


@pytest.fixture
async def pair_id(world: World) -> int:
    async with world.db.unit() as uow:
        return await active_pair(
            uow,
            world.programme.id,
            world.oslo.id,
            world.people["ola"].id,
            world.people["amina"].id,
            world.clock.now(),
        )


async def stored(world: World, person: Person) -> Dialogue | None:
    async with world.db.unit() as uow:
        return await uow.dialogues.dialogue(person.id)


async def queued(world: World) -> list[tuple[str, int | None]]:
    async with world.db.unit() as uow:
        return [(i.kind, i.person_id) for i in await uow.outbox.outbox_items()]


async def test_one_tap_logs_the_meeting_and_closes_the_question(world: World, pair_id: int) -> None:
    meetings, ola, amina = world.core.meetings, world.people["ola"], world.people["amina"]
    asked = await meetings.ask_when_met(ola, pair_id)
    assert asked == AskWhenMet(pair_id, 60, stored=asked.stored), "an hour, for a first meeting"
    assert asked.stored == Opened(await stored(world, ola))
    assert asked.stored.dialogue == Dialogue(
        ola.id, MET_FLOW, "day", {"pair_id": pair_id, "usual": 60}
    )

    logged = await meetings.met_chosen(ola, pair_id, "q", "yday")
    assert isinstance(logged, Logged)
    assert (logged.meeting.held_on, logged.meeting.minutes) == (date(2026, 3, 2), 60)
    assert logged.stored == Opened(None) and await stored(world, ola) is None
    assert ("meeting_confirmation", amina.id) in await queued(world), "Amina is asked"
    # The check-in it opened takes the score.
    scored = await meetings.check_in_answered(ola, logged.check_in, "s", 4)
    assert isinstance(scored, CheckInNext) and scored.check_in.score == 4


async def test_a_button_the_open_question_did_not_offer_changes_nothing(
    world: World, pair_id: int
) -> None:
    meetings, ola = world.core.meetings, world.people["ola"]
    await meetings.ask_when_met(ola, pair_id)
    before = await stored(world, ola)
    assert await meetings.met_chosen(ola, pair_id, "m", "45") == Refused(Problem.STALE), (
        "a length while the day is asked"
    )
    assert await meetings.met_chosen(ola, pair_id + 1, "q", "today") == Refused(Problem.STALE)
    assert await meetings.met_chosen(ola, pair_id, "w", "other") != Refused(Problem.STALE)
    assert await meetings.met_chosen(ola, pair_id, "m", "45") == Refused(Problem.STALE), (
        "45 minutes was not among the lengths offered"
    )
    assert before is not None and (await stored(world, ola)) != before, "only «other» moved on"
    assert await queued(world) == [], "nothing logged"


async def test_another_length_then_a_typed_day(world: World, pair_id: int) -> None:
    meetings, ola = world.core.meetings, world.people["ola"]
    await meetings.ask_when_met(ola, pair_id)
    assert isinstance(await meetings.met_chosen(ola, pair_id, "w", "other"), AskMinutes)
    day = await meetings.met_chosen(ola, pair_id, "m", "90")
    assert day == AskMetDay(pair_id, stored=day.stored)
    assert day.stored is not None and day.stored.dialogue == await stored(world, ola)

    future = await meetings.text_answered(ola, "5.3")
    assert future == TypeAgain(date_problem=DateProblem.IN_THE_FUTURE)
    assert await stored(world, ola) == day.stored.dialogue, "the question stays open"
    logged = await meetings.text_answered(ola, "28.2")
    assert isinstance(logged, Logged)
    assert (logged.meeting.held_on, logged.meeting.minutes) == (date(2026, 2, 28), 90)
    assert await stored(world, ola) is None


async def test_a_typed_date_proposes_it_and_a_stranger_is_refused(
    world: World, pair_id: int
) -> None:
    meetings, ola, amina, sara = (
        world.core.meetings,
        *(world.people[n] for n in ("ola", "amina", "sara")),
    )
    assert await meetings.ask_plan_day(sara, pair_id) == Refused(Problem.NOT_YOURS)
    assert await stored(world, sara) is None
    assert isinstance(await meetings.ask_plan_day(ola, pair_id), AskPlanDay)
    proposed = await meetings.text_answered(ola, "6.3 kl 17")
    assert isinstance(proposed, Proposed)
    assert proposed.plan.planned_on == date(2026, 3, 6)
    assert ("proposal", amina.id) in await queued(world)
    assert await stored(world, ola) is None
    assert await meetings.text_answered(ola, "6.3") is None, "no question open: not ours"


async def test_a_comment_is_kept_and_a_too_long_one_asked_again(world: World, pair_id: int) -> None:
    meetings, ola = world.core.meetings, world.people["ola"]
    await meetings.ask_when_met(ola, pair_id)
    logged = await meetings.met_chosen(ola, pair_id, "q", "today")
    assert isinstance(logged, Logged)
    scored = await meetings.check_in_answered(ola, logged.check_in, "s", 5)
    assert isinstance(scored, CheckInNext) and scored.ask is CheckInAsk.COMMENT, (
        "a mentor has no goals to tick"
    )
    assert scored.stored == Opened(
        Dialogue(ola.id, COMMENT_FLOW, "comment", {"check_in_id": logged.check_in})
    )
    assert await meetings.text_answered(ola, "x" * (MAX_COMMENT + 1)) == TypeAgain(too_long=True)
    assert await stored(world, ola) == scored.stored.dialogue
    assert await meetings.text_answered(ola, "  Good   talk ") == Commented(stored=Opened(None))
    async with world.db.unit() as uow:
        check_in = await uow.check_ins.check_in(logged.check_in)
    assert check_in is not None and check_in.comment == "Good talk"
    assert check_in.completed_at is not None


async def test_help_then_what_they_need_goes_to_the_coordinators(
    world: World, pair_id: int
) -> None:
    meetings, amina = world.core.meetings, world.people["amina"]
    await meetings.ask_when_met(amina, pair_id)
    logged = await meetings.met_chosen(amina, pair_id, "q", "today")
    assert isinstance(logged, Logged)
    goals = await meetings.check_in_answered(amina, logged.check_in, "s", 2)
    assert isinstance(goals, CheckInNext) and goals.ask is CheckInAsk.GOALS, "an adept's goals"
    ticked = await meetings.check_in_answered(amina, logged.check_in, "g", 1)
    assert isinstance(ticked, CheckInNext) and ticked.check_in.goals_progressed == ("Drive a bus",)
    assert await meetings.check_in_answered(amina, logged.check_in, "g", 7) == Refused(
        Problem.STALE
    ), "no eighth goal"
    helped = await meetings.check_in_answered(amina, logged.check_in, "h", 0)
    assert isinstance(helped, CheckInNext) and helped.ask is CheckInAsk.HELP
    assert await stored(world, amina) == Dialogue(
        amina.id, COMMENT_FLOW, "help", {"check_in_id": logged.check_in, "help": True}
    )
    words = await meetings.text_answered(amina, "Help with my CV")
    assert words == Commented(help=True, sent=True, stored=Opened(None))
    async with world.db.unit() as uow:
        check_in = await uow.check_ins.check_in(logged.check_in)
    assert check_in is not None and check_in.help_text == "Help with my CV"
    assert check_in.comment is None, "kept apart from the check-in's comment"
    told = {person for kind, person in await queued(world) if kind == "help_request"}
    assert world.people["kari"].id in told and world.people["lars"].id in told


async def test_another_day_for_a_meeting_the_other_logged(world: World, pair_id: int) -> None:
    meetings, ola, amina = world.core.meetings, world.people["ola"], world.people["amina"]
    await meetings.ask_when_met(ola, pair_id)
    logged = await meetings.met_chosen(ola, pair_id, "q", "today")
    assert isinstance(logged, Logged)
    assert await meetings.meeting_answered(ola, logged.meeting.id, None) == AskMeetingDay(
        logged.meeting.id, stored=Opened(await stored(world, ola))
    ), "asked even of the logger: the answer is refused when it comes"
    asked = await meetings.meeting_answered(amina, logged.meeting.id, None)
    assert isinstance(asked, AskMeetingDay)
    confirmed = await meetings.text_answered(amina, "1.3")
    assert isinstance(confirmed, MeetingAnswered)
    assert confirmed.day == date(2026, 3, 1) and confirmed.check_in is not None
    async with world.db.unit() as uow:
        [meeting] = await uow.meetings.meetings_of(pair_id)
    assert (meeting.held_on, meeting.status) == (date(2026, 3, 1), MeetingStatus.CONFIRMED)


async def test_a_typed_last_day_pauses_the_pair(world: World, pair_id: int) -> None:
    meetings, amina = world.core.meetings, world.people["amina"]
    asked = await meetings.ask_pause(amina, pair_id)
    assert isinstance(asked, AskPause) and asked.stored is not None
    assert asked.stored.dialogue == Dialogue(amina.id, PAUSE_FLOW, "day", {"pair_id": pair_id})
    assert await meetings.text_answered(amina, "1.3") == TypeAgain(
        date_problem=DateProblem.IN_THE_PAST
    )
    paused = await meetings.text_answered(amina, "20.3")
    assert isinstance(paused, Paused) and paused.until == date(2026, 3, 20)
    assert await stored(world, amina) is None
    ended = await meetings.pause_chosen(amina, pair_id, 0)
    assert isinstance(ended, Paused) and ended.until is None
    assert await meetings.pause_chosen(amina, pair_id, 0) == Refused(
        Problem.STALE, follow_up=True, stored=Opened(None)
    ), "no pause left to end"
