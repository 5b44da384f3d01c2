"""Fuzzing the real Application: random updates from random people (participants,
coordinators of two programmes, strangers), random commands, texts and button data, in
random order, through the Bot API emulator. After each example: no handler raised, no
programme changed unless someone of that programme acted, and the database's invariants
hold (pairs of one mentor and one adept of the same programme; meetings, check-ins,
plans and answers only by the pair's parties; notes and alert actions only by the
programme's coordinators; erased people hold nothing).

Examples: MENTORBOT_FUZZ_EXAMPLES (default 150, a few hundred updates a minute); CI can
raise it. The bot and its database live across examples, as a running bot would.
"""

from __future__ import annotations

import asyncio
import logging
import os
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from sqlalchemy import select
from telegram import Update
from telegram.ext import TypeHandler

from bot.domain.model import PairState, Programme, Role
from bot.sim.emulator import SimGroup, SimUser
from storage.models import (
    AgreementTextRow,
    AlertRow,
    CheckInRow,
    CohortRow,
    ConfirmationRow,
    ExpectationRow,
    MeetingRow,
    MembershipRow,
    NoteRow,
    PairRow,
    PersonRow,
    PlannedMeetingRow,
    ProgrammeRow,
)
from tests.support.harness import Harness

EXAMPLES = int(os.environ.get("MENTORBOT_FUZZ_EXAMPLES", "150"))
# Unset: the same examples every run (derandomized); a number: other examples, repeatable.
SEED = os.environ.get("MENTORBOT_FUZZ_SEED")

COMMANDS = [
    "/start",
    "/help",
    "/status",
    "/plan",
    "/met",
    "/pause",
    "/goals",
    "/agreement",
    "/profile",
    "/language",
    "/invite mentor",
    "/invite adept",
    "/pair",
    "/pairs",
    "/stalled",
    "/mydata",
    "/deleteme",
    "/audit",
    "/bindalerts",
    "/unbindalerts",
    "/nonsense",
]
WITH_PAIR = ["/pair {}", "/note {} fuzz note", "/end {} fuzz", "/message {}"]
# Button shapes with a slot for an id drawn from the world (or a made-up one).
BUTTONS = [
    "cs:y",
    "cs:n",
    "lg:en",
    "lg:nb",
    "iv:mentor:{}",
    "pp:{}",
    "pm:{}:{}",
    "pa:{}:{}:{}",
    "st:{}",
    "gl:{}:done",
    "gl:{}:cv",
    "ex:{}:start:how_often:monthly",
    "ag:{}",
    "np:{}:met",
    "np:{}:later",
    "pl:{}:20260310",
    "pc:{}:y",
    "ml:{}:q:today",
    "ml:{}:w:other",
    "mg:{}:0",
    "hm:{}:y",
    "hm:{}:n",
    "ml:{}:m:60",
    "mc:{}:y",
    "mc:{}:n",
    "cp:{}:1",
    "ck:{}:s:2",
    "ck:{}:h:0",
    "ck:{}:x:0",
    "pz:{}:14",
    "pr:met:{}",
    "pr:status:{}",
    "pg:{}",
    "al:{}:take",
    "al:{}:resolve",
    "al:{}:snooze",
    "al:{}:show",
    "cm:{}:both",
    "dm:n",
    "dm:y",
]


@dataclass
class World:
    """Two programmes, each with a coordinator and an active pair, plus strangers."""

    programmes: dict[str, Programme]
    users: dict[str, SimUser]
    members: dict[int, set[str]]  # programme id -> names of its people
    pairs: list[int]
    group: SimGroup
    first_update: int
    errors: list[logging.LogRecord] = field(default_factory=list)
    handled: set[int] = field(default_factory=set)


class _Errors(logging.Handler):
    def __init__(self, sink: list[logging.LogRecord]) -> None:
        super().__init__(logging.ERROR)
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        self.sink.append(record)


async def _member(h: Harness, user: SimUser, programme: Programme, role: Role) -> int:
    await h.join(user, programme, role)
    await user.press(await user.next_message(), "Yes, that is OK")
    await h.emulator.wait_until_idle()
    user.catch_up()
    found = await h.services.actor(user.id)
    assert found is not None
    return found.person.id


async def _world(h: Harness) -> World:
    existing = h.application.bot_data.get("fuzz.world")
    if isinstance(existing, World):
        return existing
    programmes = {
        "A": await h.programme("Alpha", language="en"),
        "B": await h.programme("Beta", language="en"),
    }
    users: dict[str, SimUser] = {}
    members: dict[int, set[str]] = {}
    pairs = []
    for key, base in (("A", 100), ("B", 200)):
        programme = programmes[key]
        ids: dict[str, int] = {}
        for suffix, role, offset in (
            ("c", Role.COORDINATOR, 0),
            ("m", Role.MENTOR, 1),
            ("a", Role.ADEPT, 2),
            ("m2", Role.MENTOR, 3),
            ("a2", Role.ADEPT, 4),
        ):
            name = f"{key}{suffix}"
            users[name] = h.emulator.user(base + offset, name, language_code="en")
            ids[name] = await _member(h, users[name], programme, role)
        members[programme.id] = {f"{key}{s}" for s in ("c", "m", "a", "m2", "a2")}
        outcome = await h.pairing.create_pair(None, programme.id, ids[f"{key}m"], ids[f"{key}a"])
        assert outcome.view is not None
        pair_id = outcome.view.pair.id
        pairs.append(pair_id)
        now = h.clock.now()
        async with h.services.db.unit() as uow:
            await uow.pairs.set_goals(pair_id, ["@cv"])
            for person in (ids[f"{key}m"], ids[f"{key}a"]):
                await uow.agreements.add_confirmation(
                    pair_id=pair_id,
                    person_id=person,
                    version="builtin-1",
                    text_sha256="0" * 64,
                    now=now,
                )
            assert await uow.pairs.activate_pair(pair_id, now)
    for name, user_id in (("s1", 900), ("s2", 901)):
        users[name] = h.emulator.user(user_id, name, language_code="en")
    group = h.emulator.group(-500, "Alpha team")
    await users["Ac"].send_in_group(group, "/bindalerts")
    await h.deliver()
    await h.emulator.wait_until_idle()
    world = World(programmes, users, members, pairs, group, h.emulator._next_update_id)

    async def handled(update: Update, _context: object) -> None:
        world.handled.add(update.update_id)

    # The last group: runs after every other handler of an update, even one that failed.
    h.application.add_handler(TypeHandler(Update, handled), group=1000)
    handler = _Errors(world.errors)
    logging.getLogger().addHandler(handler)
    h.application.bot_data["fuzz.handler"] = handler
    h.application.bot_data["fuzz.world"] = world
    return world


# Who acts: each programme's coordinator and pair, and a stranger. (The unpaired mentor and
# adept of each programme are there to be paired, and to be pressed on.)
USER_NAMES = ["Ac", "Am", "Aa", "Bc", "Bm", "Ba", "s1"]
# Mostly ids that exist (the two pairs are 1 and 2; meetings, check-ins and alerts start
# at 1), sometimes any number.
ids = st.one_of(st.sampled_from([1, 2]), st.integers(1, 8), st.integers(0, 10**12))
texts = st.one_of(
    st.text(max_size=300),
    st.sampled_from(["", " ", "\u0000\u0007", "٣.١٢ kl ١٧", "3.12 kl 17", "tomorrow", "👍🏽" * 50]),
    st.text(min_size=4000, max_size=5000, alphabet="ab\u202e<>*_"),
)
pair_ids = st.one_of(st.sampled_from([1, 2]), ids)
step = st.one_of(
    st.tuples(st.just("command"), st.sampled_from(COMMANDS), st.none()),
    st.tuples(st.just("command"), st.sampled_from(WITH_PAIR), pair_ids),
    st.tuples(st.just("command"), st.sampled_from(WITH_PAIR), pair_ids),
    st.tuples(st.just("press"), st.sampled_from(BUTTONS), st.tuples(ids, ids, ids)),
    st.tuples(st.just("text"), texts, st.none()),
    st.tuples(st.just("press"), st.sampled_from(BUTTONS), st.tuples(ids, ids, ids)),
    st.tuples(st.just("press_raw"), st.text(max_size=80), st.none()),
    st.tuples(st.just("group"), st.sampled_from([*COMMANDS, "hello"]), st.none()),
    st.tuples(st.just("sticker"), st.none(), st.none()),
    st.tuples(st.just("edit"), texts, st.none()),
)
examples = st.lists(st.tuples(st.sampled_from(USER_NAMES), step), min_size=1, max_size=16)


async def _send(h: Harness, world: World, name: str, action: tuple[str, Any, Any]) -> None:
    user = world.users[name]
    kind, value, extra = action
    if kind == "command":
        await user.send(value.format(extra) if extra is not None else value)
    elif kind == "text":
        await user.send(value)
    elif kind in ("press", "press_raw"):
        inbox = [m for m in user.inbox() if not m.deleted]
        if not inbox:
            await user.send("/help")
            return
        data = value.format(*extra) if kind == "press" else value
        await user.press_data(inbox[-1], data)
    elif kind == "group":
        await user.send_in_group(world.group, value)
    elif kind == "sticker":
        await user.send_sticker()
    elif kind == "edit":
        await user.edit(1, value)


async def _snapshot(h: Harness) -> dict[int, Any]:
    """What each programme's people could change, per programme."""
    async with h.db.session() as session:

        async def rows(table: Any) -> list[Any]:
            return list((await session.execute(select(table))).scalars().all())

        pairs = {p.id: p for p in await rows(PairRow)}
        programme_of_pair = {pid: p.programme_id for pid, p in pairs.items()}
        result: dict[int, list[Any]] = {p.id: [] for p in await rows(ProgrammeRow)}

        def add(programme_id: int | None, item: Any) -> None:
            if programme_id in result:
                result[programme_id].append(item)

        for p in pairs.values():
            add(p.programme_id, ("pair", p.id, p.state, p.goals, p.paused_until, p.end_reason))
        for m in await rows(MeetingRow):
            add(programme_of_pair[m.pair_id], ("meeting", m.id, m.status, m.held_on, m.minutes))
        for pm in await rows(PlannedMeetingRow):
            add(programme_of_pair[pm.pair_id], ("plan", pm.id, pm.status, pm.planned_on))
        for c in await rows(CheckInRow):
            add(
                programme_of_pair[c.pair_id],
                ("check_in", c.id, c.score, c.comment, c.needs_help, c.goals_progressed),
            )
        for n in await rows(NoteRow):
            add(programme_of_pair[n.pair_id], ("note", n.id, n.text))
        for e in await rows(ExpectationRow):
            add(programme_of_pair[e.pair_id], ("expectation", e.id, e.answers))
        for cf in await rows(ConfirmationRow):
            add(programme_of_pair[cf.pair_id], ("confirmation", cf.id))
        for a in await rows(AlertRow):
            add(programme_of_pair[a.pair_id], ("alert", a.id, a.status, a.taken_by))
        for t in await rows(AgreementTextRow):
            add(t.programme_id, ("agreement", t.id))
        for pr in await rows(ProgrammeRow):
            add(pr.id, ("programme", pr.alert_chat_id, pr.name))
        for ms in await rows(MembershipRow):
            add(ms.programme_id, ("membership", ms.id, ms.person_id, ms.role))
    return {k: sorted(v, key=repr) for k, v in result.items()}


async def _check_invariants(h: Harness) -> None:
    async with h.db.session() as session:

        async def rows(table: Any) -> list[Any]:
            return list((await session.execute(select(table))).scalars().all())

        memberships = {(m.person_id, m.programme_id, m.role) for m in await rows(MembershipRow)}
        cohorts = {c.id: c.programme_id for c in await rows(CohortRow)}
        pairs = {p.id: p for p in await rows(PairRow)}
        for p in pairs.values():
            assert p.mentor_id != p.adept_id
            assert (p.mentor_id, p.programme_id, Role.MENTOR.value) in memberships
            assert (p.adept_id, p.programme_id, Role.ADEPT.value) in memberships
            assert cohorts[p.cohort_id] == p.programme_id
            assert p.state in {s.value for s in PairState}
        # At most one open pair per adept.
        open_adepts = [p.adept_id for p in pairs.values() if p.state != PairState.ENDED.value]
        assert len(open_adepts) == len(set(open_adepts))

        def party(pair_id: int, person_id: int) -> bool:
            return person_id in (pairs[pair_id].mentor_id, pairs[pair_id].adept_id)

        def coordinates(pair_id: int, person_id: int | None) -> bool:
            programme = pairs[pair_id].programme_id
            return (person_id, programme, Role.COORDINATOR.value) in memberships

        for m in await rows(MeetingRow):
            assert party(m.pair_id, m.logged_by), "a meeting logged by a non-party"
        for pm in await rows(PlannedMeetingRow):
            assert party(pm.pair_id, pm.proposed_by)
        for c in await rows(CheckInRow):
            assert party(c.pair_id, c.person_id)
            assert c.score is None or 1 <= c.score <= 5
            assert c.comment is None or len(c.comment) <= 500
        for e in await rows(ExpectationRow):
            assert party(e.pair_id, e.person_id)
        for cf in await rows(ConfirmationRow):
            assert party(cf.pair_id, cf.person_id)
        for n in await rows(NoteRow):
            assert coordinates(n.pair_id, n.author_id), "a note by a non-coordinator"
            assert len(n.text) <= 1000
        for a in await rows(AlertRow):
            for by in (a.taken_by, a.resolved_by):
                assert by is None or coordinates(a.pair_id, by), "an alert handled by an outsider"
        for person in await rows(PersonRow):
            if person.erased_at is not None:
                assert person.telegram_user_id is None and person.intake == {}
            for answer in (person.intake or {}).values():
                if isinstance(answer, str):
                    assert len(answer) <= 300
                    assert all(ch.isprintable() or ch in "\u200c\u200d" for ch in answer)


async def _settle(h: Harness, world: World) -> None:
    """Every update injected so far has been through all its handlers (a last handler
    group records it), however the application orders or overlaps them."""
    last = h.emulator._next_update_id - 1
    for _ in range(6000):
        if all(u in world.handled for u in range(world.first_update, last + 1)):
            return
        await asyncio.sleep(0.01)
    missing = [u for u in range(world.first_update, last + 1) if u not in world.handled]
    raise AssertionError(f"updates {missing} were not handled within 60 s")


@pytest.mark.timeout(900)
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=SEED is None,
    database=None,
)
@seed(int(SEED or 0))
@given(steps=examples)
async def test_random_updates_break_nothing(harness: Harness, steps: list[Any]) -> None:
    h = harness
    world = await _world(h)
    world.errors.clear()
    before = await _snapshot(h)
    people_before = {
        programme_id: {n for n in names if await h.services.actor(world.users[n].id)}
        for programme_id, names in world.members.items()
    }
    for name, action in steps:
        await _send(h, world, name, action)
    await _settle(h, world)
    await h.deliver()
    assert not world.errors, [
        (r.getMessage(), logging.Formatter().formatException(r.exc_info) if r.exc_info else "")
        for r in world.errors
    ]
    after = await _snapshot(h)
    senders = {name for name, _ in steps}
    for programme_id, state in after.items():
        if state != before.get(programme_id):
            assert senders & people_before.get(programme_id, set()), (
                f"programme {programme_id} changed though none of its people acted: {steps}"
            )
    await _check_invariants(h)
