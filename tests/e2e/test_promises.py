"""The programme's promises as invariants over any sequence of what people do.

A hypothesis state machine plays a programme through the real Application and the
emulator: people join and say yes or no to what is stored, switch language, the
coordinator pairs them (with buttons, from the command line, and from /match's
suggestions), pairs plan a day and the other party takes it or asks for another, meet,
confirm or dispute what the other logged, check in, change the goals, pause, end; the
coordinator plans gatherings that people answer, acts on alerts (take, snooze, resolve),
changes the programme's hours, days and rhythm, and writes to pairs, who answer; people
erase themselves, press whatever button they can still see, type whatever they like, and
time passes with the tick and the delivery worker running, also across a daylight-saving
change. After every step the promises the bot makes are checked against the database and
what the emulator got:

- nobody who said no, and no erased person, is paired, or sent anything the bot starts
  itself; nothing of an erased person is left (their name, what they wrote);
- nothing a person wrote that the bot kept is lost or overwritten later (a pair's own
  text, such as the goals, goes with either party's erasure, as the privacy rules say);
- nothing the bot starts reaches a participant outside the programme's hours (in Oslo
  time, whatever the clocks did), on a non-working day or a public holiday, or about a
  paused or ended pair (a message held up by a gap in the bot's running is checked at
  the moment it was due: see LATE_AFTER_A_GAP);
- at most one of the bot's own nudges per participant per day;
- a low check-in score stays flagged until the person who gave it answers better or a
  coordinator resolves it; and right after a tick, every alert not resolved has a cause
  that still holds, by the stall rules redone from the rows;
- the weekly digest's and the report's counts (pairs by state, active, stalled, check-ins,
  meetings of the week and per pair, goals) agree with the rows they count;
- every press is answered, and a press the bot refuses as old, not theirs or answered
  already changes nothing in the database (but its bookkeeping: BOOKKEEPING);
- no handler fails.

Sizes: MENTORBOT_MODEL_EXAMPLES (default 5) sequences of up to MENTORBOT_MODEL_STEPS
(default 25) steps; `make test-deep` runs many more (MENTORBOT_MODEL_SEED=N: other,
repeatable sequences). A failure prints the shortest
sequence hypothesis found; it becomes an ordinary regression test.
"""

from __future__ import annotations

import asyncio
import logging
import os
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import HealthCheck, seed, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    get_state_machine_test,
    initialize,
    invariant,
    precondition,
    rule,
)
from sqlalchemy import select
from sqlmodel import SQLModel

from bot.domain.digest import SCORE_WINDOW
from bot.domain.model import OutboxStatus, Programme, Role
from bot.domain.policy import LOW_SCORE, NO_MEETING_FACTOR, SCORE_DROP
from bot.domain.report import build_report
from bot.runtime.i18n import translations
from bot.sim.emulator import SentMessage, SimUser
from storage.models import AlertRow, CheckInRow, MeetingRow, OutboxRow, PairRow, PersonRow
from storage.report import report_data
from tests.support.databases import WORKDAY_MORNING
from tests.support.harness import Harness, start_harness
from tests.support.promises import newest_scores, unflagged_low_scores

EXAMPLES = int(os.environ.get("MENTORBOT_MODEL_EXAMPLES", "5"))
STEPS = int(os.environ.get("MENTORBOT_MODEL_STEPS", "25"))

OSLO = ZoneInfo("Europe/Oslo")
NORWAY = holidays.country_holidays("NO")
# Names that occur nowhere else, so a scan of the database finds only them.
MENTORS = ("Ingeborg", "Torbjorn")
ADEPTS = ("Aminata", "Yonatan")
PEOPLE = MENTORS + ADEPTS
IDS = {name: 200 + index for index, name in enumerate(PEOPLE)}
# The bot's own nudges, on its own schedule: at most one a day each person. (Messages
# that pass on what another person did, such as a proposed date or a coordinator's
# message, and reminders of a meeting the pair planned, are not nudges.)
NUDGES = {"plan", "remind", "check_in", "did_meet", "weekly", "agreement_reminder", "recheck"}
# Nudges about one pair carry it in their key: pair:<id>:…
PAIR_NUDGES = {"plan", "remind", "check_in", "did_meet", "weekly"}
COMMANDS = ("/met", "/plan", "/pause", "/status", "/goals", "/help", "/profile", "/settings")
STEPS_OF_TIME = (
    timedelta(hours=1),
    timedelta(hours=5),
    timedelta(days=1),
    timedelta(days=3),
    timedelta(days=9),
)
NB = translations("nb")


def said(label: str) -> set[str]:
    """A label as an English and as a Norwegian speaker sees it (/language switches)."""
    return {label, NB.gettext(label)}


# The check-in's usual length, «1 hour», in both languages.
ONE_HOUR = {"1 hour", NB.ngettext("{n} hour", "{n} hours", 1).format(n=1)}
# How the bot answers a press it will not act on: the button is old, not theirs, or its
# question is answered already. Such a press must change nothing.
REFUSED = (
    "This button is old. Nothing was changed.",
    "This button is not for you.",
    "This invitation is not for you.",
    "This gathering is over or cancelled. Nothing was changed.",
    "I cannot find this gathering. Nothing was changed.",
    "This gathering is already cancelled. Nothing was changed.",
    "This suggestion is old. Try /match again.",
    "You have answered already. Thank you!",
    "This meeting is logged already. Thank you!",
    "This pair is not active now.",
)
STALE_ANSWERS = frozenset(text for msgid in REFUSED for text in said(msgid))
# Tables a refused press may still write, as bookkeeping and not as a change to the
# programme: the log of handled updates (every update is noted, to be handled once),
# the shared send budget (the refusal is itself an answer), and the open dialogue (a
# press on an old message closes a question left open, so later words are not taken as
# its answer).
BOOKKEEPING = frozenset({"processed_update", "send_budget", "dialogue"})


class _Errors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@dataclass
class Model:
    """What people did, as they would tell it."""

    joined: set[str] = field(default_factory=set)
    said_no: set[str] = field(default_factory=set)
    erased: set[str] = field(default_factory=set)
    # A typed text and who typed it, once the database holds it.
    kept: dict[str, str] = field(default_factory=dict)
    # A kept text that is the pair's (a goal): its author's partner in the pair. The
    # privacy rules erase a pair's free text when either party erases themselves
    # (storage/privacy.py erase_pair_texts: it may speak of both).
    partner: dict[str, str] = field(default_factory=dict)
    links: dict[str, str] = field(default_factory=dict)
    typed: int = 0
    seen_sent: set[int] = field(default_factory=set)
    last_tick: datetime | None = None
    # The step just taken ended with a tick: the alerts and the digest are up to date.
    just_ticked: bool = False
    # The programme's hours in force since the last check (a change of the hours may
    # meet a message queued under the old ones).
    windows: list[Window] = field(default_factory=list)
    presses: int = 0
    refused: int = 0
    # What the last check saw, so that a rule that could not act now is not drawn:
    # how many pairs are in each state, and who can see a button of each kind.
    states: Counter[str] = field(default_factory=Counter)
    offers: dict[str, list[str]] = field(default_factory=dict)


def local(moment: datetime) -> datetime:
    return moment.astimezone(OSLO)


@dataclass(frozen=True)
class Window:
    """When the programme may write to participants: its hours and days, in Oslo time."""

    starts: time = time(9, 0)
    ends: time = time(20, 0)
    days: frozenset[int] = frozenset(range(5))

    @staticmethod
    def of(programme: Programme) -> Window:
        return Window(programme.day_starts, programme.day_ends, programme.working_days)


def allowed_hour(moment: datetime, window: Window = Window()) -> bool:
    # Local time, so a daylight-saving change moves the hours with the clocks.
    at = local(moment)
    return (
        at.weekday() in window.days
        and at.date() not in NORWAY
        and window.starts <= at.time() < window.ends
    )


def utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# A message sent this long after it became due was held up by a gap in the bot's running
# (a restart, a rehearsal clock moved on): delivery then sends the backlog at once, even
# outside the programme's hours. Whether it should wait for the next allowed hour is an
# open design question (reported with issue 17), so only the due moment is checked then.
LATE_AFTER_A_GAP = timedelta(hours=1)


def dst_changes(after: datetime) -> list[datetime]:
    """The next Europe/Oslo clock changes after `after`: at 01:00 UTC on the last Sunday
    of March and of October."""
    found = []
    for year in (after.year, after.year + 1):
        for month in (3, 10):
            last = date(year, month, 31)
            sunday = last - timedelta(days=(last.weekday() + 1) % 7)
            change = datetime(sunday.year, sunday.month, sunday.day, 1, tzinfo=UTC)
            if change > after:
                found.append(change)
    return found


class ProgrammePromises(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.folder = tempfile.TemporaryDirectory()
        url = f"sqlite+aiosqlite:///{Path(self.folder.name) / 'model.sqlite3'}"
        self.running = start_harness(url)
        self.h: Harness = self.run(self.running.__aenter__())
        self.errors = _Errors()
        logging.getLogger().addHandler(self.errors)
        self.model = Model()
        self.users: dict[str, SimUser] = {}
        self.programme: Programme | None = None

    def run(self, work: Any) -> Any:
        return self.loop.run_until_complete(work)

    def teardown(self) -> None:
        logging.getLogger().removeHandler(self.errors)
        try:
            self.run(self.running.__aexit__(None, None, None))
        finally:
            self.loop.close()
            self.folder.cleanup()

    # -- the world --------------------------------------------------------------

    @initialize(
        consents=st.lists(st.sampled_from((True, True, False)), min_size=4, max_size=4),
        pairs=st.sampled_from((0, 1, 2, 2)),
    )
    def a_programme_its_coordinator_and_four_people(
        self, consents: list[bool], pairs: int = 0
    ) -> None:
        """Everyone opens their link at the start; most say yes to what is stored. Most
        sequences start with a pair or two made and past their agreement, so that the
        few dozen steps of a run reach what pairs do, and not only how they begin."""

        async def setup() -> None:
            self.programme = await self.h.programme("Model programme", language="en")
            kari = self.h.emulator.user(100, "Kari", language_code="en")
            await self.h.join(kari, self.programme, Role.COORDINATOR)
            await kari.press_data(await kari.next_message(), "cs:y")
            await self.settle()
            self.users["Kari"] = kari
            self.model.windows = [Window.of(self.programme)]
            for name, yes in zip(PEOPLE, consents, strict=True):
                self.users[name] = self.h.emulator.user(IDS[name], name, language_code="en")
                self.model.links[name] = await self.h.token(self.programme, self.role(name))
                await self.users[name].send(f"/start {self.model.links[name]}")
                await self.settle()
                await self.answer_consent(name, yes)
                self.model.joined.add(name)
            for mentor, adept in list(zip(MENTORS, ADEPTS, strict=True))[:pairs]:
                await self.pair_cli(mentor, adept)
            for _pair in range(pairs):
                await self.confirm_agreement(0)

        self.run(setup())

    async def settle(self) -> None:
        # The harness watches the application, so it knows when an update is still being
        # handled: a short quiet spell is enough.
        await self.h.emulator.wait_until_idle(settle=0.02)
        await self.h.deliver()
        await self.h.emulator.wait_until_idle(settle=0.02)

    async def person_id(self, name: str) -> int | None:
        found = await self.h.services.actor(IDS[name])
        return found.person.id if found else None

    def role(self, name: str) -> Role:
        return Role.MENTOR if name in MENTORS else Role.ADEPT

    # -- what people do -------------------------------------------------------

    async def answer_consent(self, name: str, yes: bool) -> None:
        user = self.users[name]
        wanted = "cs:y" if yes else "cs:n"
        for message in reversed(user.inbox()):
            if wanted in [data for row in message.buttons() for _text, data in row]:
                await self.press(user, message, wanted)
                if yes:
                    self.model.said_no.discard(name)
                else:
                    self.model.said_no.add(name)
                await self.settle()
                return

    # Rules draw the same data whatever the bot did (an index, not a choice among what
    # is there now), so hypothesis can replay and shrink a sequence.
    @rule(index=st.integers(0, 3))
    def change_their_mind(self, index: int) -> None:
        """One who said no opens the same link again and says yes."""
        said_no = sorted(self.model.said_no - self.model.erased)
        if not said_no:
            return
        name = said_no[index % len(said_no)]
        user = self.users[name]

        async def go() -> None:
            await user.send(f"/start {self.model.links[name]}")
            await self.settle()
            await self.answer_consent(name, True)

        self.run(go())

    @rule(mentor=st.sampled_from(MENTORS), adept=st.sampled_from(ADEPTS))
    def pair_with_buttons(self, mentor: str, adept: str) -> None:
        kari = self.users["Kari"]

        async def go() -> None:
            await kari.send("/pair")
            await self.settle()
            for name in (mentor, adept):
                message = kari.inbox()[-1]
                if not any(name in text for text in message.button_texts()):
                    return  # not offered
                await self.press(kari, message, message.callback_data(name))

        self.run(go())

    @rule(mentor=st.sampled_from(MENTORS), adept=st.sampled_from(ADEPTS))
    def pair_from_the_command_line(self, mentor: str, adept: str) -> None:
        self.run(self.pair_cli(mentor, adept))

    async def pair_cli(self, mentor: str, adept: str) -> None:
        assert self.programme is not None
        mentor_id, adept_id = await self.person_id(mentor), await self.person_id(adept)
        if mentor_id is None or adept_id is None:
            return
        await self.h.pairing.create_pair(None, self.programme.id, mentor_id, adept_id)
        await self.settle()

    @precondition(lambda self: self.model.states["awaiting_agreement"] > 0)
    @rule(index=st.integers(0, 3))
    def both_confirm_the_agreement(self, index: int) -> None:
        """The agreement's own flow is long; here both confirm it in one step."""
        self.run(self.confirm_agreement(index))

    async def confirm_agreement(self, index: int) -> None:
        pairs = await self.pairs()
        waiting = [p for p in pairs if p.activated_at is None and p.ended_at is None]
        if not waiting:
            return
        pair = waiting[index % len(waiting)]
        assert pair.id is not None
        now = self.h.clock.now()
        async with self.h.services.db.unit() as uow:
            if not pair.goals:
                await uow.pairs.set_goals(pair.id, ["Speak Norwegian at work"])
            for person in (pair.mentor_id, pair.adept_id):
                await uow.agreements.add_confirmation(
                    pair_id=pair.id,
                    person_id=person,
                    version="builtin-1",
                    text_sha256="0" * 64,
                    now=now,
                )
            await uow.pairs.activate_pair(pair.id, now)
        await self.settle()

    @rule(name=st.sampled_from((*PEOPLE, "Kari")), choice=st.integers(0, 1000))
    def press_a_button_they_see(self, name: str, choice: int) -> None:
        user = self.users[name]
        visible = [m for m in user.inbox()[-4:] if not m.deleted and self.callbacks(m)]
        if not visible:
            return
        message = visible[choice % len(visible)]
        buttons = self.callbacks(message)
        data = buttons[(choice // len(visible)) % len(buttons)]
        if data == "dm:y" or data.startswith("cs:"):
            return  # erasure and consent have rules of their own

        self.run(self.press(user, message, data))

    @staticmethod
    def callbacks(message: SentMessage) -> list[str]:
        return [data for row in message.buttons() for _text, data in row if data]

    @precondition(lambda self: self.model.states["active"] > 0)
    @rule(name=st.sampled_from(PEOPLE), score=st.integers(1, 5), help_=st.booleans())
    def a_party_logs_a_meeting_and_checks_in(self, name: str, score: int, help_: bool) -> None:
        """/met, the usual answers, a score, a comment, and perhaps «I need help» with
        what they need: the whole check-in as a person does it."""
        user = self.users[name]

        async def go() -> None:
            await user.send("/met")
            await self.settle()
            # The flow's buttons, whatever steps it takes: a day, a length, no goal.
            for _step in range(5):
                labels = [t for m in user.inbox()[-2:] for t in m.button_texts()]
                if str(score) in labels:
                    break
                wanted = next(
                    (
                        label
                        for label in labels
                        for start in (*said("Today"), *ONE_HOUR, *said("Skip"))
                        if label.startswith(start)
                    ),
                    None,
                )
                if wanted is None:
                    return  # not in a live pair
                await self.press_label(user, wanted)
            await self.press_label(user, str(score))
            if said("Done") & set(user.inbox()[-1].button_texts()):
                await self.press_label(user, "Done")
            self.model.typed += 1
            comment = f"wrote{self.model.typed}x a comment"
            await user.send(comment)
            await self.settle()
            if comment.split()[0] in await self.database_text(kept_only=True):
                self.model.kept[comment.split()[0]] = name
            if help_ and await self.press_label(user, "I need help"):
                self.model.typed += 1
                words = f"wrote{self.model.typed}x what I need"
                await user.send(words)
                await self.settle()
                if words.split()[0] in await self.database_text(kept_only=True):
                    self.model.kept[words.split()[0]] = name

        self.run(go())

    @precondition(lambda self: self.model.states["active"] > 0)
    @rule(name=st.sampled_from(PEOPLE))
    def a_party_pauses_for_a_month(self, name: str) -> None:
        user = self.users[name]

        async def go() -> None:
            await user.send("/pause")
            await self.settle()
            await self.press_label(user, "1 month")

        self.run(go())

    async def press_label(self, user: SimUser, label: str) -> bool:
        """Presses `label` (in the person's language) on the newest message that has it;
        whether one had it."""
        for message in reversed(user.inbox()[-4:]):
            for shown in said(label):
                if not message.deleted and shown in message.button_texts():
                    await self.press(user, message, message.callback_data(shown))
                    return True
        return False

    async def press(self, user: SimUser, message: SentMessage, data: str) -> None:
        """One press, and the promise about buttons: every press is answered, and one
        the bot refuses (old, not theirs, answered already) changes nothing."""
        before = await self.snapshot()
        answers = len(user.callback_answers)
        await user.press_data(message, data)
        await self.settle()
        self.model.presses += 1
        assert len(user.callback_answers) == answers + 1, (
            f"{data!r} pressed by {user.first_name}: "
            f"{len(user.callback_answers) - answers} answers, not one"
        )
        answer = user.callback_answers[-1].get("text")
        if answer in STALE_ANSWERS:
            self.model.refused += 1
            after = await self.snapshot()
            changed = sorted(t for t in before if before[t] != after[t])
            assert not changed, f"{data!r} answered {answer!r} but changed {changed}"

    async def snapshot(self) -> dict[str, list[tuple[str, ...]]]:
        """Every row of every table but the bookkeeping ones, in a comparable form."""
        found: dict[str, list[tuple[str, ...]]] = {}
        async with self.h.db.session() as session:
            for table in SQLModel.metadata.sorted_tables:
                if table.name in BOOKKEEPING:
                    continue
                rows = (await session.execute(select(table))).all()
                found[table.name] = sorted(tuple(str(v) for v in row) for row in rows)
        return found

    def live_pairs(self) -> int:
        return sum(n for state, n in self.model.states.items() if state != "ended")

    def offered(self, prefix: str, index: int) -> SimUser:
        """One of those who can see a button of this kind (the rule's precondition)."""
        names = self.model.offers[prefix]
        return self.users[names[index % len(names)]]

    def newest_with(self, user: SimUser, prefix: str) -> SentMessage | None:
        """The newest message in `user`'s chat with a button whose data starts so."""
        for message in reversed(user.inbox()):
            if not message.deleted and any(d.startswith(prefix) for d in self.callbacks(message)):
                return message
        return None

    async def press_data_on(
        self, user: SimUser, message: SentMessage, prefix: str, suffix: str = ""
    ) -> bool:
        """Presses the first button of `message` whose data starts with `prefix` and ends
        with `suffix`; whether it had one."""
        wanted = [d for d in self.callbacks(message) if d.startswith(prefix) and d.endswith(suffix)]
        if message.deleted or not wanted:
            return False
        await self.press(user, message, wanted[0])
        return True

    @rule(name=st.sampled_from((*PEOPLE, "Kari")))
    def type_a_text(self, name: str) -> None:
        self.model.typed += 1
        token = f"wrote{self.model.typed}x"
        user = self.users[name]

        async def go() -> None:
            await user.send(f"{token} about my week")
            await self.settle()
            if token in await self.database_text(kept_only=True):
                self.model.kept[token] = name

        self.run(go())

    @rule(name=st.sampled_from(PEOPLE), command=st.sampled_from(COMMANDS))
    def a_command(self, name: str, command: str) -> None:
        user = self.users[name]

        async def go() -> None:
            await user.send(command)
            await self.settle()

        self.run(go())

    @rule(index=st.integers(0, 3))
    def erase_themselves(self, index: int) -> None:
        left = sorted(self.model.joined - self.model.erased)
        if not left:
            return
        name = left[index % len(left)]
        user = self.users[name]

        async def go() -> None:
            await user.send("/deleteme")
            await self.settle()
            question = user.inbox()[-1]
            if "dm:y" in self.callbacks(question):
                await self.press(user, question, "dm:y")
                if await self.person_id(name) is None:
                    self.model.erased.add(name)

        self.run(go())

    @precondition(lambda self: self.live_pairs() > 0)
    @rule(index=st.integers(0, 3), what=st.sampled_from(("end", "message")))
    def the_coordinator_acts_on_a_pair(self, index: int, what: str) -> None:
        kari = self.users["Kari"]

        async def go() -> None:
            pairs = [p for p in await self.pairs() if p.ended_at is None]
            if not pairs:
                return
            pair = pairs[index % len(pairs)]
            if what == "end":
                await kari.send(f"/end {pair.id} finished")
                await self.settle()
                return
            await kari.send(f"/message {pair.id}")
            await self.settle()
            question = kari.inbox()[-1]
            both = [d for d in self.callbacks(question) if d.endswith(":both")]
            if both:
                await self.press(kari, question, both[0])
                self.model.typed += 1
                await kari.send(f"wrote{self.model.typed}x see you at the gathering")
                await self.settle()

        self.run(go())

    @rule(step=st.sampled_from(STEPS_OF_TIME))
    def time_passes(self, step: timedelta) -> None:
        async def go() -> None:
            target = self.h.clock.now() + step
            # The tick runs every eight hours of the way (the job runs each minute; the
            # rules change their mind by the day and by the programme's hours).
            while self.h.clock.now() < target:
                self.h.clock.advance(min(timedelta(hours=8), target - self.h.clock.now()))
                await self.h.tick()
                await self.settle()
            self.model.last_tick = self.h.clock.now()
            self.model.just_ticked = True

        self.run(go())

    @rule(name=st.sampled_from((*PEOPLE, "Kari")), language=st.sampled_from(("nb", "en")))
    def switch_language(self, name: str, language: str) -> None:
        user = self.users[name]

        async def go() -> None:
            await user.send("/language")
            await self.settle()
            await self.press_data_on(user, user.inbox()[-1], f"lg:{language}")

        self.run(go())

    @rule(accept=st.booleans())
    def the_coordinator_answers_a_suggestion(self, accept: bool) -> None:
        """/match, then «Pair them» or «Not these two» on the suggestion shown."""
        kari = self.users["Kari"]

        async def go() -> None:
            await kari.send("/match")
            await self.settle()
            await self.press_data_on(kari, kari.inbox()[-1], "mt:a:" if accept else "mt:r:")

        self.run(go())

    @precondition(lambda self: self.model.states["active"] > 0)
    @rule(name=st.sampled_from(PEOPLE), day=st.integers(0, 3))
    def a_party_proposes_a_day(self, name: str, day: int) -> None:
        user = self.users[name]

        async def go() -> None:
            await user.send("/plan")
            await self.settle()
            question = user.inbox()[-1]
            days = [d for d in self.callbacks(question) if d.startswith("pl:")]
            if days:
                await self.press(user, question, days[day % len(days)])

        self.run(go())

    @precondition(lambda self: bool(self.model.offers.get("pc:")))
    @rule(index=st.integers(0, 3), accept=st.booleans())
    def the_other_answers_the_proposal(self, index: int, accept: bool) -> None:
        """«Yes, that works» keeps the date; «Another day» drops it, to plan anew."""
        user = self.offered("pc:", index)

        async def go() -> None:
            proposal = self.newest_with(user, "pc:")
            if proposal is not None:
                await self.press_data_on(user, proposal, "pc:", ":y" if accept else ":n")

        self.run(go())

    @precondition(lambda self: bool(self.model.offers.get("mc:")))
    @rule(index=st.integers(0, 3), answer=st.sampled_from((":y", ":n", ":d")))
    def the_other_confirms_or_disputes_a_meeting(self, index: int, answer: str) -> None:
        """«Yes», «No, we did not» or «Different date» under a meeting the other logged."""
        user = self.offered("mc:", index)

        async def go() -> None:
            asked = self.newest_with(user, "mc:")
            if asked is not None:
                await self.press_data_on(user, asked, "mc:", answer)

        self.run(go())

    @precondition(lambda self: self.live_pairs() > 0)
    @rule(name=st.sampled_from(ADEPTS), close=st.booleans())
    def the_adept_changes_the_goals(self, name: str, close: bool) -> None:
        """/goals: close the first goal, or write a new one; then «Done»."""
        user = self.users[name]

        async def go() -> None:
            await user.send("/goals")
            await self.settle()
            screen = user.inbox()[-1]
            if not any(d.startswith("gl:") for d in self.callbacks(screen)):
                return  # no plan to change
            token = None
            if close:
                closing = [label for label in screen.button_texts() if label.startswith("✅")]
                if closing:
                    await self.press(user, screen, screen.callback_data(closing[0]))
            else:
                self.model.typed += 1
                token = f"wrote{self.model.typed}x"
                await user.send(f"{token} find work")
                await self.settle()
            await self.press_data_on(user, user.inbox()[-1], "gl:", ":done")
            if token and token in await self.database_text(kept_only=True):
                self.model.kept[token] = name
                adept = await self.person_id(name)
                for pair in await self.pairs():
                    if pair.adept_id == adept and pair.ended_at is None:
                        names = {await self.person_id(n): n for n in MENTORS}
                        self.model.partner[token] = names.get(pair.mentor_id, "")

        self.run(go())

    @rule(days=st.integers(1, 12), audience=st.sampled_from(("all", "mentors", "adepts")))
    def the_coordinator_plans_a_gathering(self, days: int, audience: str) -> None:
        """/gathering: a title, a day and time, a place, who, and «Send invitations»."""
        kari = self.users["Kari"]
        self.model.typed += 1
        token = f"wrote{self.model.typed}x"

        async def go() -> None:
            day = local(self.h.clock.now()).date() + timedelta(days=days)
            await kari.send("/gathering")
            await self.settle()
            for words in (f"{token} meetup", f"{day.day}.{day.month} kl 18", "Deichman"):
                await kari.send(words)
                await self.settle()
            if await self.press_data_on(kari, kari.inbox()[-1], f"gw:a:{audience}"):
                await self.press_data_on(kari, kari.inbox()[-1], "gw:ok:")
            if token in await self.database_text(kept_only=True):
                self.model.kept[token] = "Kari"

        self.run(go())

    @precondition(lambda self: bool(self.model.offers.get("gi:")))
    @rule(index=st.integers(0, 3), coming=st.booleans())
    def a_participant_answers_an_invitation(self, index: int, coming: bool) -> None:
        user = self.offered("gi:", index)

        async def go() -> None:
            invitation = self.newest_with(user, "gi:")
            if invitation is not None:
                await self.press_data_on(user, invitation, "gi:", ":y" if coming else ":n")

        self.run(go())

    @precondition(lambda self: "Kari" in self.model.offers.get("al:", []))
    @rule(action=st.sampled_from(("take", "snooze", "resolve")), index=st.integers(0, 5))
    def the_coordinator_acts_on_an_alert(self, action: str, index: int) -> None:
        """«I'll contact them», «Snooze 7 days» or «Resolved» on an alert in her chat."""
        kari = self.users["Kari"]
        posts = [
            m
            for m in kari.inbox()
            if not m.deleted and any(d.endswith(f":{action}") for d in self.callbacks(m))
        ]
        if not posts:
            return
        post = posts[index % len(posts)]
        self.run(self.press_data_on(kari, post, "al:", f":{action}"))

    @rule(
        setting=st.sampled_from(
            (
                ("hours", "h", "10-18"),
                ("hours", "h", "09-16"),
                ("hours", "h", "08-21"),
                ("hours", "h", "09-20"),
                ("days", "w", "mon-sat"),
                ("days", "w", "mon-fri"),
                ("cadence", "c", "twice_monthly"),
                ("cadence", "c", "monthly"),
            )
        )
    )
    def the_coordinator_changes_a_setting(self, setting: tuple[str, str, str]) -> None:
        """/programme, a menu, a choice: the programme's hours, days or meeting rhythm."""
        menu, step, value = setting
        kari = self.users["Kari"]

        async def go() -> None:
            assert self.programme is not None
            pid = self.programme.id
            await kari.send("/programme")
            await self.settle()
            view = kari.inbox()[-1]
            if await self.press_data_on(kari, view, f"ps:{pid}:m:{menu}"):
                await self.press_data_on(kari, view, f"ps:{pid}:{step}:{value}")
            changed = await self.h.services.programme(pid)
            assert changed is not None
            self.model.windows.append(Window.of(changed))

        self.run(go())

    @precondition(lambda self: bool(self.model.offers.get("rp:")))
    @rule(index=st.integers(0, 3))
    def a_participant_answers_the_coordinator(self, index: int) -> None:
        """«Answer» under a coordinator's message, and a few words."""
        user = self.offered("rp:", index)
        name = user.first_name

        async def go() -> None:
            message = self.newest_with(user, "rp:")
            if message is None or not await self.press_data_on(user, message, "rp:"):
                return
            self.model.typed += 1
            token = f"wrote{self.model.typed}x"
            await user.send(f"{token} yes I will come")
            await self.settle()
            if token in await self.database_text(kept_only=True):
                self.model.kept[token] = name

        self.run(go())

    @rule(later=st.integers(0, 1))
    def time_passes_across_a_clock_change(self, later: int) -> None:
        """The clock jumps to the Saturday night before a daylight-saving change (the
        next, or the one after), and runs with the tick through it to Monday noon."""

        async def go() -> None:
            change = dst_changes(self.h.clock.now())[later]
            start = change - timedelta(hours=4)  # Saturday about 23:00 in Oslo
            if start > self.h.clock.now():
                self.h.clock.set(start)
            # Hour by hour through the change, then by eight hours to Monday early
            # morning, then hour by hour through the start of Monday's hours.
            for step, until in (
                (timedelta(hours=1), change + timedelta(hours=3)),
                (timedelta(hours=8), change + timedelta(hours=28)),
                (timedelta(hours=1), change + timedelta(hours=34)),
            ):
                while self.h.clock.now() < until:
                    self.h.clock.advance(step)
                    await self.h.tick()
                    await self.settle()
            self.model.last_tick = self.h.clock.now()
            self.model.just_ticked = True

        self.run(go())

    # -- reading the database ---------------------------------------------------

    async def pairs(self) -> list[PairRow]:
        async with self.h.db.session() as session:
            return list((await session.execute(select(PairRow))).scalars())

    async def database_text(self, *, kept_only: bool = False, drafts_only: bool = False) -> str:
        """Every value in the database as text; `kept_only`: leave out the open
        questions' drafts (words offered to the coordinator wait there for a tap, and
        the person may still drop them); `drafts_only`: only those."""
        parts: list[str] = []
        async with self.h.db.session() as session:
            for table in SQLModel.metadata.sorted_tables:
                if (kept_only and table.name == "dialogue") or (
                    drafts_only and table.name != "dialogue"
                ):
                    continue
                for row in (await session.execute(select(table))).all():
                    parts.extend(str(value) for value in row)
        return "\n".join(parts)

    async def people_by_chat(self) -> dict[int, str]:
        return {IDS[name]: name for name in PEOPLE}

    async def newly_sent(self) -> list[OutboxRow]:
        async with self.h.db.session() as session:
            rows = list(
                (
                    await session.execute(
                        select(OutboxRow).where(OutboxRow.status == OutboxStatus.SENT.value)
                    )
                ).scalars()
            )
        fresh = [row for row in rows if row.id not in self.model.seen_sent]
        self.model.seen_sent.update(row.id for row in fresh if row.id is not None)
        return fresh

    # -- the promises -----------------------------------------------------------

    @invariant()
    def the_promises_hold(self) -> None:
        if self.programme is None:
            return
        self.run(self.check())

    async def check(self) -> None:
        assert not self.errors.records, [r.getMessage() for r in self.errors.records]
        chats = {IDS[name]: name for name in PEOPLE}
        unwilling = self.model.said_no | self.model.erased
        fresh = await self.newly_sent()
        by_day: Counter[tuple[str, date]] = Counter()
        async with self.h.db.session() as session:
            for row in (
                await session.execute(select(OutboxRow).where(OutboxRow.status == "sent"))
            ).scalars():
                name = chats.get(row.chat_id)
                if name and row.kind in NUDGES and row.sent_at is not None:
                    by_day[(name, local(row.sent_at).date())] += 1
        pairs = {p.id: p for p in await self.pairs()}
        self.model.states = Counter(p.state for p in pairs.values())
        self.model.offers = {
            prefix: [
                name
                for name in (*PEOPLE, "Kari")
                if name not in self.model.erased and self.newest_with(self.users[name], prefix)
            ]
            for prefix in ("pc:", "mc:", "gi:", "rp:", "al:")
        }
        for row in fresh:
            name = chats.get(row.chat_id)
            if name is None:
                continue  # the coordinator
            assert name not in unwilling, f"{row.kind} sent to {name}, who said no or left"
            assert row.sent_at is not None
            due = max(utc(row.not_before), utc(row.created_at))
            sent = utc(row.sent_at)
            # The bot's choice is when a message becomes due; the worker sends it within
            # a second. One sent an hour or more after it was due went late because the
            # bot was not running (here: the clock jumped), and then it goes at once,
            # whatever the hour: a known limit, not checked here (see LATE_AFTER_A_GAP).
            on_time = sent - due < LATE_AFTER_A_GAP
            for moment in (due, sent) if on_time else (due,):
                assert any(allowed_hour(moment, window) for window in self.model.windows), (
                    f"{row.kind} to {name} at {local(moment)} (due {local(due)})"
                )
            if row.kind in PAIR_NUDGES and row.idempotency_key.startswith("pair:"):
                pair = pairs.get(int(row.idempotency_key.split(":")[1]))
                today = local(self.h.clock.now()).date()
                assert pair is not None and pair.ended_at is None, f"{row.kind}: pair ended"
                assert pair.paused_until is None or pair.paused_until < today, (
                    f"{row.kind} to {name} during a pause until {pair.paused_until}"
                )
        too_many = {key: n for key, n in by_day.items() if n > 1}
        assert not too_many, f"more than one nudge a day: {too_many}"

        people = {IDS[name]: name for name in PEOPLE}
        async with self.h.db.session() as session:
            person_rows = list((await session.execute(select(PersonRow))).scalars())
        names_of = {p.id: people.get(p.telegram_user_id or 0) for p in person_rows}
        # Retention erases a cohort's people some months after it ended (their rows go,
        # or stay marked): from then on they are erased as if they had asked.
        self.model.erased |= (self.model.joined - set(names_of.values())) | {
            name for p in person_rows if p.erased_at is not None and (name := names_of[p.id])
        }
        unwilling_ids = {pid for pid, name in names_of.items() if name in unwilling}
        for pair in pairs.values():
            if pair.ended_at is None:
                assert not {pair.mentor_id, pair.adept_id} & unwilling_ids, (
                    f"pair {pair.id} is live with someone who said no"
                )

        drafts = await self.database_text(drafts_only=True)
        kept = await self.database_text(kept_only=True)
        text = f"{kept}\n{drafts}"
        for token, author in self.model.kept.items():
            if author in self.model.erased:
                assert token not in text, f"{author} was erased but wrote {token!r} is left"
            elif self.model.partner.get(token) not in self.model.erased:
                assert token in kept, f"{token!r} by {author} was kept, then lost"
        for name in self.model.erased:
            assert name not in text, f"the erased {name}'s name is left"
        await self.low_scores_stay_flagged(pairs)
        if self.model.windows:
            self.model.windows = self.model.windows[-1:]
        if self.model.just_ticked:
            self.model.just_ticked = False
            await self.open_alerts_have_a_cause()
            await self.the_digest_and_report_count_the_rows()

    async def low_scores_stay_flagged(self, pairs: dict[int | None, PairRow]) -> None:
        if self.model.last_tick is None:
            return
        async with self.h.db.session() as session:
            check_ins = list((await session.execute(select(CheckInRow))).scalars())
            alerts = list((await session.execute(select(AlertRow))).scalars())
        latest = newest_scores(check_ins)
        unflagged = unflagged_low_scores(latest, alerts, pairs, self.model.last_tick)
        assert not unflagged, unflagged

    async def rows(self, model: Any) -> list[Any]:
        async with self.h.db.session() as session:
            return list((await session.execute(select(model))).scalars())

    async def open_alerts_have_a_cause(self) -> None:
        """Right after a tick, every alert not resolved (open, taken, or snoozed) is
        about a cause that holds now, by the stall rules (bot/domain/stall.py) redone
        from the rows: the tick resolves the others."""
        assert self.programme is not None
        programme = await self.h.services.programme(self.programme.id)
        assert programme is not None
        now = self.h.clock.now()
        today = local(now).date()
        pairs = {p.id: p for p in await self.pairs()}
        check_ins = await self.rows(CheckInRow)
        meetings = await self.rows(MeetingRow)
        limit = programme.rules.cadence.expected_days * NO_MEETING_FACTOR
        for alert in await self.rows(AlertRow):
            if alert.status == "resolved":
                continue
            pair = pairs[alert.pair_id]
            what = f"open {alert.reason} alert {alert.id} on pair {pair.id} ({pair.state})"
            assert pair.state != "ended", what
            if alert.reason == "low_score":
                person = alert.detail.get("person")
                own = sorted(
                    (
                        c
                        for c in check_ins
                        if c.pair_id == pair.id and c.person_id == person and c.score is not None
                    ),
                    key=lambda c: (c.completed_at or c.created_at, c.id or 0),
                )
                assert own, what
                low = own[-1].score is not None and own[-1].score <= LOW_SCORE
                drop = len(own) > 1 and (own[-2].score or 0) - (own[-1].score or 0) >= SCORE_DROP
                assert low or drop, f"{what}: the newest score is {own[-1].score}"
            elif alert.reason in ("no_meeting", "unanswered"):
                assert pair.state == "active", what
            if alert.reason == "no_meeting":
                counted = [
                    m.held_on for m in meetings if m.pair_id == pair.id and m.status != "disputed"
                ]
                started = local(pair.activated_at or pair.created_at).date()
                newest = max([started, *counted])
                # Pauses only lengthen the silence the rule counts: a meeting within the
                # limit (or a start) means it cannot hold.
                assert (today - newest).days > limit, f"{what}: met or started {newest}"
            elif alert.reason == "help":
                assert any(c.pair_id == pair.id and c.needs_help for c in check_ins), what
            elif alert.reason == "disputed":
                assert any(m.pair_id == pair.id and m.status == "disputed" for m in meetings), what
            elif alert.reason == "pause_over":
                assert pair.state == "paused" and pair.paused_until is not None, what
                assert pair.paused_until < today, what

    async def the_digest_and_report_count_the_rows(self) -> None:
        """The digest a coordinator would get now, and the report, against counts made
        here from the rows."""
        assert self.programme is not None
        pid = self.programme.id
        now = self.h.clock.now()
        today = local(now).date()
        [rendered] = await self.h.core.digests.on_demand({pid: None}, "en")
        digest = rendered.digest
        pairs = [p for p in await self.pairs() if p.programme_id == pid]
        states = Counter(p.state for p in pairs)
        assert {s.value: n for s, n in digest.by_state.items() if n} == dict(states)
        assert digest.active == states["active"]
        live = {p.id for p in pairs if p.state != "ended"}
        stalled = {a.pair_id for a in await self.rows(AlertRow) if a.status != "resolved"}
        assert digest.stalled_count == len(stalled & live), (digest.stalled_count, stalled)
        assert {s.pair.pair_id for s in digest.stalled} == stalled & live
        check_ins = [c for c in await self.rows(CheckInRow) if c.score is not None]

        def at(c: CheckInRow) -> datetime:
            moment = c.completed_at or c.created_at
            return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

        recent = [c for c in check_ins if now - SCORE_WINDOW <= at(c) <= now]
        assert digest.score_count == len(recent), (digest.score_count, len(recent))
        meetings = [m for m in await self.rows(MeetingRow) if m.status != "disputed"]

        def logged(m: MeetingRow) -> datetime:
            return m.created_at if m.created_at.tzinfo else m.created_at.replace(tzinfo=UTC)

        week = [
            m
            for m in meetings
            if today - timedelta(days=6) <= m.held_on <= today
            or now - timedelta(days=7) < logged(m) <= now
        ]
        assert digest.week_logged == len(week), (digest.week_logged, len(week))
        assert digest.week_confirmed == sum(m.status == "confirmed" for m in week)

        async with self.h.db.unit() as uow:
            data = await report_data(uow, pid)
        assert data is not None
        table = build_report(data, today).table("pairs")
        labels = [column.label for column in table.columns]
        assert len(table.rows) == len(pairs)
        every = await self.rows(MeetingRow)
        by_status = Counter((m.pair_id, m.status) for m in every)
        scores = Counter(c.pair_id for c in check_ins)
        for pair, row in zip(sorted(pairs, key=lambda p: p.id or 0), table.rows, strict=True):
            cell = dict(zip(labels, row, strict=True))
            counted = {
                "Meetings confirmed": by_status[(pair.id, "confirmed")],
                "Meetings one-sided": by_status[(pair.id, "reported")],
                "Meetings disputed": by_status[(pair.id, "disputed")],
                "Check-ins": scores[pair.id],
                "Goals": len(pair.goals or []),
            }
            shown = {key: cell[key] for key in counted}
            assert shown == counted, f"pair {pair.id}: the report {shown}, the rows {counted}"


SEED = os.environ.get("MENTORBOT_MODEL_SEED")


# Minutes, not the suite's two-minute limit: each step is real updates through the bot.
@pytest.mark.timeout(0)
def test_any_sequence_of_actions_keeps_the_promises() -> None:
    test = get_state_machine_test(
        ProgrammePromises,
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=STEPS,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=SEED is None,
            database=None,
        ),
    )
    (test if SEED is None else seed(int(SEED))(test))()


def test_the_clock_starts_on_a_working_morning() -> None:
    assert allowed_hour(WORKDAY_MORNING)
    assert not allowed_hour(datetime(2027, 1, 1, 10, tzinfo=UTC))


def replay(
    *steps: tuple[str, dict[str, Any]], consents: tuple[bool, ...] = (True,) * 4, pairs: int = 0
) -> None:
    """A sequence the state machine found (or one that shows a defect it guards
    against), as an ordinary test: each step, then the promises."""
    machine = ProgrammePromises()
    try:
        machine.a_programme_its_coordinator_and_four_people(list(consents), pairs)
        machine.the_promises_hold()
        for name, arguments in steps:
            getattr(machine, name)(**arguments)
            machine.the_promises_hold()
    finally:
        machine.teardown()


# Each of these failed on the bot before the fixes of December 2026 (the first, shrunk by
# hypothesis, with the message «introduction sent to Ingeborg, who said no or left»).
def test_found_who_said_no_was_paired_and_introduced() -> None:
    replay(
        ("pair_with_buttons", {"mentor": "Ingeborg", "adept": "Aminata"}),
        ("pair_from_the_command_line", {"mentor": "Ingeborg", "adept": "Aminata"}),
        consents=(False, False, True, True),
    )


def test_found_a_help_text_overwrote_the_comment() -> None:
    replay(
        ("pair_from_the_command_line", {"mentor": "Ingeborg", "adept": "Aminata"}),
        ("both_confirm_the_agreement", {"index": 0}),
        ("a_party_logs_a_meeting_and_checks_in", {"name": "Aminata", "score": 4, "help_": True}),
    )


def test_found_the_mentors_score_resolved_the_adepts_low_score() -> None:
    replay(
        ("pair_from_the_command_line", {"mentor": "Ingeborg", "adept": "Aminata"}),
        ("both_confirm_the_agreement", {"index": 0}),
        ("a_party_logs_a_meeting_and_checks_in", {"name": "Aminata", "score": 1, "help_": False}),
        ("time_passes", {"step": timedelta(hours=5)}),
        ("a_party_logs_a_meeting_and_checks_in", {"name": "Ingeborg", "score": 5, "help_": False}),
        ("time_passes", {"step": timedelta(hours=5)}),
    )


def test_found_a_nudge_queued_at_night_went_out_inside_the_pause() -> None:
    replay(
        ("time_passes", {"step": timedelta(hours=5)}),
        ("time_passes", {"step": timedelta(hours=5)}),  # 20:00, after the hours
        ("pair_from_the_command_line", {"mentor": "Ingeborg", "adept": "Aminata"}),
        ("both_confirm_the_agreement", {"index": 0}),
        ("time_passes", {"step": timedelta(days=1)}),
        ("time_passes", {"step": timedelta(hours=5)}),  # 01:00: queued for the morning
        ("a_party_pauses_for_a_month", {"name": "Aminata"}),
        ("time_passes", {"step": timedelta(days=1)}),
    )


def test_found_the_farewell_after_deleteme_named_who_left() -> None:
    """The other party's farewell was queued after the eraser ran, with her name."""
    replay(
        ("pair_from_the_command_line", {"mentor": "Ingeborg", "adept": "Aminata"}),
        ("erase_themselves", {"index": 0}),
    )


def test_found_an_alerts_edit_kept_the_erased_persons_name() -> None:
    """The edits of an alert post in the coordinator's own chat are queued without a
    person, so the eraser did not look at them («the erased Aminata's name is left»)."""
    replay(
        ("time_passes", {"step": timedelta(days=1)}),
        ("time_passes_across_a_clock_change", {"later": 0}),
        ("the_coordinator_plans_a_gathering", {"audience": "all", "days": 1}),
        ("the_coordinator_acts_on_an_alert", {"action": "take", "index": 2}),
        ("a_party_logs_a_meeting_and_checks_in", {"name": "Aminata", "score": 2, "help_": False}),
        ("a_command", {"command": "/profile", "name": "Ingeborg"}),
        ("a_party_proposes_a_day", {"day": 2, "name": "Aminata"}),
        ("a_party_pauses_for_a_month", {"name": "Yonatan"}),
        ("a_party_pauses_for_a_month", {"name": "Ingeborg"}),
        ("time_passes", {"step": timedelta(days=3)}),
        ("time_passes_across_a_clock_change", {"later": 0}),
        ("press_a_button_they_see", {"choice": 235, "name": "Aminata"}),
        ("a_party_logs_a_meeting_and_checks_in", {"name": "Ingeborg", "score": 2, "help_": False}),
        ("erase_themselves", {"index": 0}),
        pairs=2,
    )


def test_found_the_cohorts_end_left_the_pairs_alerts_open() -> None:
    """The cohort's end ended the pair but not its alerts, which no tick looks at again
    («open no_meeting alert 1 on pair 1 (ended)»; found with MENTORBOT_MODEL_SEED=2)."""
    replay(
        ("time_passes_across_a_clock_change", {"later": 1}),
        ("the_adept_changes_the_goals", {"close": True, "name": "Aminata"}),
        ("the_coordinator_answers_a_suggestion", {"accept": True}),
        ("a_party_proposes_a_day", {"day": 2, "name": "Aminata"}),
        ("time_passes_across_a_clock_change", {"later": 1}),
        consents=(False, True, True, True),
        pairs=2,
    )


def test_found_deleteme_left_the_pairs_alerts_open() -> None:
    """/deleteme ended the pair, then looked for its alerts, and the alerts of an ended pair
    are not looked at («open no_meeting alert 1 on pair 1 (ended)»; the default run, once
    the model knew retention)."""
    replay(
        ("time_passes_across_a_clock_change", {"later": 1}),
        ("erase_themselves", {"index": 0}),
        ("time_passes", {"step": timedelta(hours=1)}),
        pairs=1,
    )


def test_found_end_left_the_pairs_alerts_open() -> None:
    """/end did the same, in the same order."""
    replay(
        ("time_passes_across_a_clock_change", {"later": 1}),
        ("the_coordinator_acts_on_a_pair", {"index": 0, "what": "end"}),
        ("time_passes", {"step": timedelta(hours=1)}),
        pairs=1,
    )


# Found with 20×50 steps: after retention erased the cohort's people, a coordinator's alert
# post still named them («the erased Torbjorn's name is left»): the tick planned it before
# its retention step erased them, and queued it after, so the erasure never saw it. The
# tick now queues what it planned before retention runs. (The first finding in this
# sequence, «'wrote1x' by Ingeborg was kept, then lost», was the model's: it did not know
# retention, and now treats the people retention erased as erased.)
def test_found_retention_left_names_in_the_coordinators_alert_posts() -> None:
    """A year and more passes: retention erases the cohort's people."""
    replay(
        ("time_passes_across_a_clock_change", {"later": 0}),
        ("time_passes_across_a_clock_change", {"later": 0}),
        ("type_a_text", {"name": "Ingeborg"}),
        ("time_passes_across_a_clock_change", {"later": 1}),
        ("pair_from_the_command_line", {"adept": "Aminata", "mentor": "Torbjorn"}),
        ("time_passes_across_a_clock_change", {"later": 1}),
    )
