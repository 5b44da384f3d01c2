"""Every action of `bot.domain.access` × every kind of actor × every way in (a command,
a button in private, a button in the alert chat, a command in the alert chat): what is
allowed reaches its target, what is refused changes nothing in the database.

One seeded NHO programme per actor kind (the actor is the parameter); the target is
one pair of region 1 (Rogaland), its alert, a gathering of the region and the programme.
The command line has no actor (it is the operator's) and is not in the table."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from bot.domain.access import Action
from bot.domain.alerts import Help
from bot.domain.model import Role
from bot.domain.stall import Stall
from bot.sim.emulator import SentMessage, SimGroup, SimUser
from tests.e2e.test_region_holes import Nho, nho, programme_chat
from tests.support.cohorts import gathering, join, person_id
from tests.support.databases import fresh_database_url
from tests.support.harness import Harness, start_harness

# Tables a refused attempt must leave as they were (not the bookkeeping of arrivals:
# processed updates, who was last seen reachable, the send budget).
WATCHED = (
    "programme",
    "region_alert_chat",
    "agreement_text",
    "cohort",
    "membership",
    "invite",
    "pair",
    "alert",
    "note",
    "meeting",
    "planned_meeting",
    "nudge",
    "check_in",
    "dialogue",
    "outcome",
    "gathering",
    "gathering_invitation",
    "audit_entry",
    "outbox",
)


# Tables whose rows name a programme: only the target programme's rows are compared,
# so a coordinator of another programme acting on their own is not counted.
OF_PROGRAMME = {
    "programme": "id",
    "region_alert_chat": "programme_id",
    "agreement_text": "programme_id",
    "cohort": "programme_id",
    "membership": "programme_id",
    "invite": "programme_id",
    "pair": "programme_id",
    "gathering": "programme_id",
    "audit_entry": "programme_id",
}


async def dump(h: Harness, programme_id: int) -> dict[str, list[tuple[Any, ...]]]:
    async with h.db.session() as session:
        result = {}
        for table in WATCHED:
            column = OF_PROGRAMME.get(table)
            where = f" WHERE {column} = {int(programme_id)}" if column else ""
            rows = await session.execute(text(f"SELECT * FROM {table}{where} ORDER BY 1"))
            result[table] = [tuple(row) for row in rows.all()]
        return result


def changed(
    before: dict[str, list[tuple[Any, ...]]], after: dict[str, list[tuple[Any, ...]]]
) -> list[str]:
    return [table for table in WATCHED if before[table] != after[table]]


AGREEMENT = "Meet once a month; the mentor does not find jobs."


@dataclass
class World:
    nho: Nho
    target: int  # the pair (Rogaland)
    alert: int  # its open alert
    post: SentMessage  # the alert's post in the programme's alert chat
    team: SimGroup  # the programme's alert chat
    gathering: int  # a gathering of Rogaland
    free: tuple[int, int]  # a mentor and an adept of Rogaland, not paired
    actor: SimUser
    # Takes the "before" dump again (after a command that shows the button pressed).
    checkpoint: Callable[[], Awaitable[None]] = field(default=lambda: _nothing())


ACTORS = (
    "programme_coordinator",
    "region_coordinator",
    "other_region_coordinator",
    "other_programme_coordinator",
    "mentor",
    "adept",
    "other_pair_party",
    "stranger",
    "erased",
)


async def world(h: Harness, kind: str) -> World:
    r = await nho(h)
    programme = r.programme
    team = await programme_chat(h, r)
    ola, amina = h.emulator.user(200, "Ola"), h.emulator.user(300, "Amina")
    knut = await join(h, programme, Role.MENTOR, 201, "Knut", cohort_id=r.rogaland)
    fatima = await join(h, programme, Role.ADEPT, 301, "Fatima", cohort_id=r.rogaland)
    async with h.services.db.unit() as uow:
        asking = await person_id(h, amina)
        stall = Stall(h.clock.now(), Help(asking))
        await h.core.alerts.open_now(uow, r.kari_pair, stall, h.clock.now())
        [opened] = await uow.alerts.alerts(pair_ids=[r.kari_pair])
    await h.deliver()
    await h.emulator.wait_until_idle()
    [post] = [m for m in team.inbox() if f"Pair #{r.kari_pair}" in (m.text or "")]
    made = await gathering(
        h,
        programme.id,
        "Rogaland meetup",
        date(2026, 4, 20),
        starts_at=time(17, 0),
        place="Stavanger",
        cohort_id=r.rogaland,
    )
    await h.agreements.set_agreement_text(programme.id, AGREEMENT)
    # Someone in the audit log about the target pair.
    await r.eva.send(f"/pair {r.kari_pair}")
    await r.eva.next_message()
    actors: dict[str, Callable[[], Awaitable[SimUser]]] = {
        "programme_coordinator": lambda: _same(r.eva),
        "region_coordinator": lambda: _same(r.kari),
        "other_region_coordinator": lambda: _same(r.lars),
        "other_programme_coordinator": lambda: _other_programme(h),
        "mentor": lambda: _same(ola),
        "adept": lambda: _same(amina),
        "other_pair_party": lambda: _same(h.emulator.user(202, "Per")),
        "stranger": lambda: _same(h.emulator.user(999, "Stranger")),
        "erased": lambda: _erased(h, programme.id, r.rogaland),
    }
    actor = await actors[kind]()
    team.join(actor)  # every actor sits in the alert chat: its buttons are in reach
    await h.deliver()  # what the seeding queued is sent before the first attempt
    await h.emulator.wait_until_idle()
    return World(
        r,
        r.kari_pair,
        opened.id,
        post,
        team,
        made.gathering.id,
        (await person_id(h, knut), await person_id(h, fatima)),
        actor,
    )


async def _nothing() -> None:
    return None


async def _same(user: SimUser) -> SimUser:
    return user


async def _other_programme(h: Harness) -> SimUser:
    other = await h.programme("Another programme", language="en")
    return await join(h, other, Role.COORDINATOR, 400, "Berit")


async def _erased(h: Harness, programme_id: int, cohort_id: int) -> SimUser:
    [programme] = await h.services.programmes([programme_id])
    gone = await join(h, programme, Role.MENTOR, 500, "Gone", cohort_id=cohort_id)
    await gone.send("/deleteme")
    await gone.press(await gone.next_message(), "Yes, delete")
    await gone.next_message()
    return gone


# How each action is tried: (way in, the attempt). An attempt returns True when it
# reached its target by what the actor read; changes are seen in the database dump.


async def command(w: World, h: Harness, words: str) -> str:
    before = len(w.actor.inbox())
    await w.actor.send(words)
    await h.emulator.wait_until_idle()
    return "\n".join(m.text or m.document_name or "" for m in w.actor.inbox()[before:])


async def in_group(w: World, h: Harness, words: str) -> str:
    before = len(w.team.inbox())
    await w.actor.send_in_group(w.team, words)
    await h.emulator.wait_until_idle()
    return "\n".join(m.text or "" for m in w.team.inbox()[before:])


def buttons(via: str | Callable[[World], str]) -> Callable[[World, Harness, str], Awaitable[str]]:
    """A button pressed in private: `via` is the command that shows it; the press goes
    on the newest message with buttons (forged on the last message when the actor was
    shown none)."""

    async def press(w: World, h: Harness, data: str) -> str:
        before = len(w.actor.inbox())
        await w.actor.send(via if isinstance(via, str) else via(w))
        await h.emulator.wait_until_idle()
        await w.checkpoint()  # what the command itself did is not the press's
        shown = [m for m in w.actor.inbox() if m.reply_markup] or w.actor.inbox()
        await w.actor.press_data(shown[-1], data)
        await h.emulator.wait_until_idle()
        return "\n".join(m.text or "" for m in w.actor.inbox()[before:])

    return press


async def group_button(w: World, h: Harness, data: str) -> str:
    before = len(w.team.inbox())
    await w.actor.press_data(w.post, data)
    await h.emulator.wait_until_idle()
    return "\n".join(m.text or "" for m in w.team.inbox()[before:])


async def _show(w: World, h: Harness, data: str) -> str:
    before = len(w.actor.inbox())
    await group_button(w, h, data)
    return "\n".join(m.text or "" for m in w.actor.inbox()[before:])


async def _bind_elsewhere(w: World, h: Harness, words: str) -> str:
    other = h.emulator.group(-700, "Elsewhere")
    await w.actor.send_in_group(other, words)
    await other.next_message()
    await h.emulator.wait_until_idle()
    return "\n".join(m.text or "" for m in other.inbox())


Attempt = Callable[[World, Harness], Awaitable[bool]]


def _reads(
    way: Callable[[World, Harness, str], Awaitable[str]],
    words: Callable[[World], str],
    seen: Callable[[World, str], bool],
) -> Attempt:
    async def attempt(w: World, h: Harness) -> bool:
        return seen(w, await way(w, h, words(w)))

    return attempt


def _changes(
    way: Callable[[World, Harness, str], Awaitable[str]], words: Callable[[World], str]
) -> Attempt:
    async def attempt(w: World, h: Harness) -> bool:
        await way(w, h, words(w))
        return False  # reaching it shows as a change in the database

    return attempt


ATTEMPTS: dict[Action, list[tuple[str, Attempt]]] = {
    Action.INVITE: [
        ("button", _changes(buttons("/invite"), lambda w: f"iv:mentor:{w.nho.programme.id}"))
    ],
    Action.PAIR: [
        (
            "button",
            _changes(
                buttons("/pair"), lambda w: f"pa:{w.nho.programme.id}:{w.free[0]}:{w.free[1]}"
            ),
        )
    ],
    Action.LIST_PAIRS: [
        ("command", _reads(command, lambda w: "/pairs", lambda w, t: f"#{w.target} " in t))
    ],
    Action.VIEW_PAIR: [
        (
            "command",
            _reads(command, lambda w: f"/pair {w.target}", lambda w, t: f"Pair #{w.target}:" in t),
        ),
        # Show pair on the alert chat's post: the file goes privately, or nowhere.
        (
            "alert-chat button",
            _reads(
                _show,
                lambda w: f"al:{w.alert}:show",
                lambda w, t: f"Pair #{w.target}:" in t,
            ),
        ),
    ],
    Action.NOTE: [("command", _changes(command, lambda w: f"/note {w.target} A note"))],
    Action.MESSAGE_PAIR: [
        (
            "button",
            _changes(buttons(lambda w: f"/message {w.target}"), lambda w: f"cm:{w.target}:both"),
        )
    ],
    Action.HANDLE_ALERT: [
        ("button", _changes(buttons("/help"), lambda w: f"al:{w.alert}:take")),
        ("alert-chat button", _changes(group_button, lambda w: f"al:{w.alert}:snooze")),
    ],
    Action.BIND_ALERTS: [
        ("/unbindalerts in the alert chat", _changes(in_group, lambda w: "/unbindalerts")),
        ("/bindalerts elsewhere", _changes(_bind_elsewhere, lambda w: "/bindalerts")),
    ],
    Action.VIEW_STALLED: [
        ("command", _reads(command, lambda w: "/stalled", lambda w, t: f"#{w.target}" in t)),
        (
            "alert-chat command",
            _reads(in_group, lambda w: "/stalled", lambda w, t: f"#{w.target}" in t),
        ),
    ],
    Action.VIEW_AUDIT: [
        ("command", _reads(command, lambda w: "/audit", lambda w, t: f"pair:{w.target}" in t))
    ],
    Action.VIEW_AGREEMENT: [
        ("command", _reads(command, lambda w: "/agreement", lambda w, t: AGREEMENT in t))
    ],
    Action.SET_AGREEMENT: [("command", _changes(command, lambda w: "/agreement Meet weekly."))],
    Action.VIEW_SETTINGS: [
        (
            "command",
            _reads(command, lambda w: "/programme", lambda w, t: "Global Future" in t),
        )
    ],
    Action.CHANGE_SETTINGS: [
        ("button", _changes(buttons("/programme"), lambda w: f"ps:{w.nho.programme.id}:r:on"))
    ],
    Action.REPORT: [
        (
            "command",
            _reads(
                command,
                lambda w: f"/report {w.nho.programme.id} csv",
                lambda w, t: f"report-{w.nho.programme.id}-" in t,
            ),
        )
    ],
    Action.RECORD_OUTCOME: [("command", _changes(command, lambda w: f"/outcome {w.target} job"))],
    Action.CANCEL_GATHERING: [
        ("button", _changes(buttons("/gatherings"), lambda w: f"gc:{w.gathering}:y"))
    ],
    Action.PAIR_STEP: [("button", _changes(buttons("/pause"), lambda w: f"pz:{w.target}:14"))],
    Action.OWN_DATA: [
        (
            "command",
            _reads(
                command,
                lambda w: "/mydata",
                lambda w, t: "mentorbot-my-data.json" in t,
            ),
        )
    ],
    Action.END_PAIR: [("command", _changes(command, lambda w: f"/end {w.target}"))],
}


WHOLE = {"programme_coordinator"}
REGION = {"programme_coordinator", "region_coordinator"}
PROGRAMME_WIDE = {Action.SET_AGREEMENT, Action.CHANGE_SETTINGS}


def expected(action: Action, kind: str, way: str) -> bool:
    """The table: who reaches the target (region 1's pair, alert, gathering, the programme)."""
    if way == "/unbindalerts in the alert chat":
        return kind in WHOLE  # the programme's chat is not a region's to stop
    if action is Action.INVITE or way == "/bindalerts elsewhere":
        # Any coordinator of the programme: each invites to, and binds a chat for, their
        # own region (test_region_holes checks it is theirs only).
        return kind in REGION | {"other_region_coordinator"}
    if action is Action.OWN_DATA:
        return kind not in ("stranger", "erased")
    if action is Action.PAIR_STEP:
        return kind in ("mentor", "adept")
    if action in PROGRAMME_WIDE:
        return kind in WHOLE
    if action is Action.VIEW_AGREEMENT or action is Action.VIEW_SETTINGS:
        # Programme-wide things a region's coordinator reads, whichever region.
        return kind in REGION | {"other_region_coordinator"}
    if action is Action.REPORT:
        return kind in REGION | {"other_region_coordinator"}  # each their own region's
    return kind in REGION


# Last: moving the alert chat, then ending the target pair.
ORDER = sorted(ATTEMPTS, key=lambda a: (a is Action.END_PAIR, a is Action.BIND_ALERTS))


def test_every_action_is_in_the_table() -> None:
    assert set(ATTEMPTS) == set(Action)


# Every actor on SQLite; on PostgreSQL the regions' coordinators, whose limits are
# partly queries (the audit log, the region's alert chat).
CASES = [pytest.param(kind, "sqlite", id=kind) for kind in ACTORS] + [
    pytest.param(kind, "postgres", id=f"{kind}-postgres", marks=pytest.mark.postgres)
    for kind in ("region_coordinator", "other_region_coordinator")
]


@pytest.mark.parametrize(("kind", "database"), CASES)
async def test_who_reaches_what(kind: str, database: str, tmp_path: Path) -> None:
    async for url in fresh_database_url(database, tmp_path):
        async with start_harness(url) as h:
            await _who_reaches_what(h, kind)


async def _who_reaches_what(h: Harness, kind: str) -> None:
    w = await world(h, kind)
    wrong: list[str] = []
    for action in ORDER:
        for way, attempt in ATTEMPTS[action]:
            before = await dump(h, w.nho.programme.id)

            async def checkpoint() -> None:
                nonlocal before
                before = await dump(h, w.nho.programme.id)

            w.checkpoint = checkpoint
            read = await attempt(w, h)
            await h.deliver()
            await h.emulator.wait_until_idle()
            diff = changed(before, await dump(h, w.nho.programme.id))
            reached = (
                read
                or bool(set(diff) - {"audit_entry", "outbox", "dialogue"})
                or (action is Action.MESSAGE_PAIR and "dialogue" in diff)
            )
            want = expected(action, kind, way)
            if reached is not want:
                wrong.append(f"{action.value} by {way}: reached={reached}, expected {want} {diff}")
            if not want and diff:
                wrong.append(f"{action.value} by {way}: refused but changed {diff}")
    assert not wrong, "\n".join(wrong)
