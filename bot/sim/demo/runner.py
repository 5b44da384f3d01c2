"""Plays a scenario against the real bot: the PTB Application built by `bot.runtime.app`, talking
HTTP to the local Bot API emulator, on a temporary SQLite database, with a FixedClock
moved hour by hour over the programme's days.

Each hour: one scheduler tick, the delivery worker sends what is due, people do what
they planned for that hour, and every simulated person answers what they received
(pressing buttons and typing through the emulator, as Telegram users would) until
nobody has anything left to answer. A `Recorder` turns what the emulator saw into the
transcript's events. At the end the `CLOSING_STEPS` run (see `coordinator_views`).
"""

from __future__ import annotations

import asyncio
import logging
import os
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import SecretStr
from telegram import Update
from telegram.ext import Application, ContextTypes, TypeHandler

from bot.domain.model import Programme, Role
from bot.domain.report import Options as ReportOptions
from bot.domain.report import Report
from bot.files.chart import render_payload as render_chart
from bot.files.report import Format
from bot.files.report import render as render_report
from bot.runtime.app import running_bot
from bot.runtime.clock import FixedClock
from bot.runtime.config import Settings
from bot.runtime.i18n import _, use_language
from bot.runtime.ratelimit import Limits, MemoryBudget, SharedRateLimiter
from bot.runtime.wiring import Core
from bot.sim.demo.people import Participant
from bot.sim.demo.scenario import (
    DEFAULT_DAYS,
    Do,
    Initiative,
    Scenario,
    SimPerson,
    default_scenario,
)
from bot.sim.demo.transcript import (
    GROUP,
    Event,
    Kind,
    PairSummary,
    Summary,
    Transcript,
    render,
)
from bot.sim.emulator import BotApiEmulator, SentMessage, SimGroup, SimUser
from bot.texts.alerts import reason_name
from bot.usecases.tick import tick
from handlers.common import DEPS_KEY, Deps
from handlers.coordinator import state_text
from handlers.routes import FRONTEND
from storage.db import Database

log = logging.getLogger(__name__)

# Local hours the clock visits each day (plus the hours of the day's initiatives): enough
# for what the bot does at its own pace (nudges wait for 09:00), few enough to be quick.
HOURS = (9, 12, 15, 18)
MEETING_LOG_HOUR = 18  # people log a planned meeting that evening
MAX_ROUNDS = 60  # answer rounds per hour; a loop between people and the bot stops here
PROCESS_TIMEOUT = 30.0  # seconds for the bot to handle one update
TRANSCRIPT_FILE = "transcript.txt"
# Sends that put a message in a chat (each takes the next message in that chat's box).
SENDS = frozenset({"sendmessage", "sendphoto", "senddocument"})
WATCHED_METHODS = SENDS | {"editmessagetext"}


@dataclass(frozen=True)
class DemoOptions:
    language: str = "nb"
    days: int = DEFAULT_DAYS
    out: Path | None = None


class Processed:
    """Knows which updates the bot has finished handling: an observer in the last
    handler group, which PTB runs after every other group for the same update."""

    GROUP = 1_000

    def __init__(self) -> None:
        self._done: set[int] = set()
        self._changed = asyncio.Event()

    def install(self, application: Application) -> None:  # type: ignore[type-arg]
        application.add_handler(TypeHandler(Update, self._observe), group=self.GROUP)

    async def _observe(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        self._done.add(update.update_id)
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait(self, update_id: int) -> None:
        async with asyncio.timeout(PROCESS_TIMEOUT):
            while update_id not in self._done:
                await self._changed.wait()


class Recorder:
    """Turns what the emulator answered into transcript events, stamped with the clock."""

    def __init__(
        self,
        emulator: BotApiEmulator,
        chats: dict[int, str],
        transcript: Transcript,
        clock: FixedClock,
        language: str,
    ) -> None:
        self.emulator, self.chats, self.transcript, self.clock = emulator, chats, transcript, clock
        self.language = language
        self._next_request = 0
        self._seen: dict[int, int] = dict.fromkeys(chats, 0)
        self._texts: dict[tuple[int, int], str | None] = {}

    def scan(self) -> None:
        """Records the requests answered since the last scan, in the order they came.

        A send still being answered (the delivery worker may be mid-send) stops the scan
        there; the next scan starts from it, so no message is lost or paired wrongly."""
        requests = self.emulator.requests
        now = self.clock.now()
        while self._next_request < len(requests):
            request = requests[self._next_request]
            method = request.method.lower()
            chat_id = request.params.get("chat_id")
            if method in WATCHED_METHODS and chat_id in self.chats and request.status == 0:
                return
            self._next_request += 1
            if method not in WATCHED_METHODS or not isinstance(chat_id, int):
                continue
            if chat_id not in self.chats:
                continue
            key = self.chats[chat_id]
            if method == "sendmessage" and request.status == 403:
                text = request.params.get("text")
                self.transcript.add(Event(now, Kind.NOT_DELIVERED, key, str(text or "")))
            elif method in SENDS and request.status == 200:
                box = self.emulator.sent_messages(chat_id, include_deleted=True)
                index = self._seen[chat_id]
                if index < len(box):
                    self._seen[chat_id] = index + 1
                    self._received(now, key, box[index])
            elif method == "editmessagetext" and request.status == 200:
                self._edited(now, key, chat_id, request.params.get("message_id"))

    def _received(self, now: datetime, key: str, message: SentMessage) -> None:
        self._texts[(message.chat_id, message.message_id)] = message.text
        text = message.text or ""
        if message.kind != "text":
            # A picture or a file: what it is, then its caption.
            with use_language(self.language):
                if message.kind == "photo":
                    shown = _("[picture]")
                else:
                    shown = _("[file: {name}]").format(name=message.document_name or "")
            text = "\n".join(t for t in (shown, message.caption) if t)
        self.transcript.add(Event(now, Kind.RECEIVED, key, text, _labels(message)))

    def _edited(self, now: datetime, key: str, chat_id: int, message_id: object) -> None:
        found = next(
            (
                m
                for m in self.emulator.sent_messages(chat_id, include_deleted=True)
                if m.message_id == message_id
            ),
            None,
        )
        if found is None or self._texts.get((chat_id, found.message_id)) == found.text:
            return
        self._texts[(chat_id, found.message_id)] = found.text
        self.transcript.add(Event(now, Kind.EDITED, key, found.text or "", _labels(found)))


def _labels(message: SentMessage) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(text for text, _data in row) for row in message.buttons())


@dataclass
class DemoRun:
    """The running demo: everything a closing step may use.

    A closing step may send commands as a person (`write`, `write_in_group`), run the
    scheduler (`tick`), deliver the outbox (`deliver`), let people answer (`settle`),
    read the database through `core`, and write files into `out` (add each path to
    `files`, so the summary lists it)."""

    scenario: Scenario
    options: DemoOptions
    emulator: BotApiEmulator
    application: Application  # type: ignore[type-arg]
    clock: FixedClock
    programme: Programme
    group: SimGroup
    transcript: Transcript
    recorder: Recorder
    processed: Processed
    out: Path | None
    participants: dict[str, Participant] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)
    pending_logs: list[tuple[datetime, str]] = field(default_factory=list)

    @property
    def deps(self) -> Deps:
        deps = self.application.bot_data[DEPS_KEY]
        assert isinstance(deps, Deps)
        return deps

    @property
    def core(self) -> Core:
        return self.deps.core

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.scenario.timezone)

    def user(self, key: str) -> SimUser:
        return self.participants[key].user

    def local_time(self, day: date, hour: int) -> datetime:
        """`hour` o'clock on `day` in the programme's time zone."""
        return datetime.combine(day, time(hour), tzinfo=self.zone)

    @property
    def today(self) -> date:
        return self.clock.now().astimezone(self.zone).date()

    def next_weekday(self, weekday: int) -> date:
        """The next such day after today (0 is Monday)."""
        return self.today + timedelta(days=(weekday - self.today.weekday() - 1) % 7 + 1)

    # what people do (the Stage of bot.sim.demo.people)

    def say(self, text: str) -> str:
        with use_language(self.options.language):
            return _(text)

    async def press(self, person: SimPerson, message: SentMessage, data: str) -> None:
        label = next((t for row in message.buttons() for t, d in row if d == data), data)
        chat = GROUP if message.chat_id == self.group.id else person.key
        self.transcript.add(Event(self.clock.now(), Kind.PRESSED, chat, label, actor=person.key))
        update_id = await self.user(person.key).press_data(message, data)
        await self.processed.wait(update_id)
        self.recorder.scan()

    async def write(self, person: SimPerson, text: str, *, shown: str | None = None) -> None:
        self._note(Kind.WROTE, person.key, shown or text)
        update_id = await self.user(person.key).send(text)
        await self.processed.wait(update_id)
        self.recorder.scan()

    async def write_in_group(self, person: SimPerson, text: str) -> None:
        self.transcript.add(Event(self.clock.now(), Kind.WROTE, GROUP, text, actor=person.key))
        update_id = await self.user(person.key).send_in_group(self.group, text)
        await self.processed.wait(update_id)
        self.recorder.scan()

    def plan_meeting_log(self, person: SimPerson, day: date) -> None:
        self.pending_logs.append((self.local_time(day, MEETING_LOG_HOUR), person.key))

    def _note(self, kind: Kind, key: str, text: str = "") -> None:
        self.transcript.add(Event(self.clock.now(), kind, key, text, actor=key))

    # the bot's side

    async def tick(self) -> None:
        await tick(self.core)
        await self.deliver()

    async def deliver(self) -> None:
        delivery = self.deps.delivery
        assert delivery is not None
        await delivery.deliver_due()
        await delivery.settled()
        self.recorder.scan()

    async def settle(self) -> None:
        """Delivers, and lets everyone answer, until nobody has anything left to answer."""
        for _round in range(MAX_ROUNDS):
            await self.deliver()
            acted = False
            for participant in self.participants.values():
                acted = await participant.react() or acted
            if not acted:
                return
        log.warning("people were still answering after %d rounds", MAX_ROUNDS)


ClosingStep = Callable[[DemoRun], Awaitable[None]]


async def coordinator_views(run: DemoRun) -> None:
    """The coordinator looks at the programme as they would each week: /stalled in the
    alert group, /pairs in their private chat."""
    coordinator = run.scenario.coordinator
    await run.write_in_group(coordinator, "/stalled")
    await run.write(coordinator, "/pairs")
    await run.settle()


async def weekly_digest(run: DemoRun) -> None:
    """The next Monday at 08:00: the weekly digest reaches the alert group, text and chart,
    through the outbox as every week. The chart is also written to `out`."""
    run.clock.set(run.local_time(run.next_weekday(0), 8))
    await run.tick()
    await run.settle()
    if run.out is None:
        return
    run.out.mkdir(parents=True, exist_ok=True)
    [digest] = await run.core.digests.on_demand({run.programme.id: None}, run.options.language)
    path = run.out / "digest-chart.png"
    path.write_bytes(await asyncio.to_thread(render_chart, digest.chart))
    run.files.append(path)


async def report_files(run: DemoRun) -> None:
    """The report a programme gives its funder, as a spreadsheet and as a PDF with charts
    (numbered pairs, no names), the files `mentorbot report` writes."""
    if run.out is None:
        return
    run.out.mkdir(parents=True, exist_ok=True)
    language = run.options.language
    report = await run.core.cohort_end.report(run.programme.id, None, ReportOptions(), language)
    assert isinstance(report, Report), report
    for fmt in (Format.XLSX, Format.PDF):
        path = run.out / f"report.{fmt.value}"
        path.write_bytes(await asyncio.to_thread(render_report, report, fmt, language))
        run.files.append(path)


# The steps after the simulated days, in order. Each gets the DemoRun with the bot still
# running and the clock at the last hour played (see DemoRun for what a step may use).
CLOSING_STEPS: tuple[ClosingStep, ...] = (weekly_digest, report_files, coordinator_views)


@dataclass(frozen=True)
class DemoResult:
    text: str  # the whole transcript with its summary
    transcript: Transcript
    summary: Summary
    files: tuple[Path, ...]


def demo_settings(emulator: BotApiEmulator, database_url: str, language: str) -> Settings:
    """Settings made here, not read from the environment or .env: the demo needs none."""
    return Settings.model_construct(
        telegram_bot_token=SecretStr(emulator.token),
        telegram_api_base_url=emulator.base_url,
        database_url=database_url,
        default_language="en" if language == "en" else "nb",
        delivery_interval_seconds=0.5,
        rate_limit_backend="memory",
        webhook_url=None,
        webhook_secret=None,
    )


def demo_rate_limiter() -> SharedRateLimiter:
    """Telegram's pacing is in real seconds; the demo's time is simulated, so it is lifted.
    (The emulator enforces no limits unless asked to.)"""
    limits = Limits(
        global_per_second=100_000,
        global_spacing=0.0,
        chat_interval=0.0,
        group_per_minute=100_000,
    )
    return SharedRateLimiter(MemoryBudget(limits), limits)


@asynccontextmanager
async def _bot(
    emulator: BotApiEmulator, directory: Path, clock: FixedClock, language: str
) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    url = f"sqlite+aiosqlite:///{directory / 'demo.sqlite3'}"
    db = Database(url)
    await db.upgrade()
    try:
        async with running_bot(
            demo_settings(emulator, url, language),
            frontend=FRONTEND,
            db=db,
            clock=clock,
            poll_timeout=1,
            ticks=False,
            rate_limiter=demo_rate_limiter(),
        ) as application:
            emulator.watch(application)
            yield application
    finally:
        await db.dispose()


async def run_demo(
    options: DemoOptions,
    scenario: Scenario | None = None,
    closing_steps: Sequence[ClosingStep] = CLOSING_STEPS,
) -> DemoResult:
    scenario = scenario or default_scenario()
    clock = FixedClock(scenario.start)
    transcript = Transcript()
    with tempfile.TemporaryDirectory(prefix="mentorbot-demo-", dir=_scratch()) as tmp:
        async with (
            BotApiEmulator() as emulator,
            _bot(emulator, Path(tmp), clock, options.language) as application,
        ):
            run = await _cast(scenario, options, emulator, application, clock, transcript)
            await _play(run)
            for step in closing_steps:
                await step(run)
            transcript_file = None
            if options.out is not None:
                options.out.mkdir(parents=True, exist_ok=True)
                transcript_file = options.out / TRANSCRIPT_FILE
                run.files.insert(0, transcript_file)
            summary = await _summary(run)
    text = render(scenario, transcript, summary, options.language)
    if transcript_file is not None:
        transcript_file.write_text(text, encoding="utf-8")
    return DemoResult(text, transcript, summary, tuple(run.files))


async def _cast(
    scenario: Scenario,
    options: DemoOptions,
    emulator: BotApiEmulator,
    application: Application,  # type: ignore[type-arg]
    clock: FixedClock,
    transcript: Transcript,
) -> DemoRun:
    """The programme, the people and their chats; nobody has joined yet."""
    processed = Processed()
    processed.install(application)
    deps = application.bot_data[DEPS_KEY]
    programme, _cohort = await deps.services.create_programme(
        name=scenario.programme, timezone=scenario.timezone, language=options.language
    )
    with use_language(options.language):
        title = _(scenario.alert_group_title)
    group = emulator.group(scenario.alert_group_id, title)
    chats = {p.user_id: p.key for p in scenario.people}
    chats[group.id] = GROUP
    recorder = Recorder(emulator, chats, transcript, clock, options.language)
    run = DemoRun(
        scenario=scenario,
        options=options,
        emulator=emulator,
        application=application,
        clock=clock,
        programme=programme,
        group=group,
        transcript=transcript,
        recorder=recorder,
        processed=processed,
        out=options.out,
    )
    for person in scenario.people:
        user = emulator.user(person.user_id, person.name, language_code=options.language)
        in_group = group if person.role is Role.COORDINATOR else None
        run.participants[person.key] = Participant(person, user, run, in_group)
    recorder.scan()  # the command menu and anything else sent while starting
    return run


async def _play(run: DemoRun) -> None:
    scenario = run.scenario
    first_day = scenario.start.date()
    invites = await _invites(run)
    for day in range(run.options.days):
        planned = {i.hour for i in scenario.initiatives if i.day == day}
        for hour in sorted({*HOURS, *planned}):
            run.clock.set(run.local_time(first_day + timedelta(days=day), hour))
            await tick(run.core)
            for initiative in scenario.initiatives:
                if (initiative.day, initiative.hour) == (day, hour):
                    await _initiate(run, initiative, invites)
                    await run.settle()
            due = [(at, key) for at, key in run.pending_logs if at <= run.clock.now()]
            for entry in due:
                run.pending_logs.remove(entry)
                participant = run.participants[entry[1]]
                if not participant.blocked:
                    await run.write(participant.person, "/met")
            await run.settle()


async def _invites(run: DemoRun) -> dict[str, str]:
    """One invite token per person, made on the command line as `mentorbot invite` does."""
    services = run.core.services
    tokens: dict[str, str] = {}
    for person in run.scenario.people:
        [tokens[person.key]] = await services.create_invites(run.programme.id, person.role)
    with use_language(run.options.language):
        run.transcript.add(
            Event(
                run.clock.now(),
                Kind.NOTE,
                GROUP,
                _(
                    "{coordinator} has created the programme and invite links on the command "
                    "line; each person opens their own link."
                ).format(coordinator=run.scenario.coordinator.name),
            )
        )
    return tokens


async def _initiate(run: DemoRun, initiative: Initiative, invites: dict[str, str]) -> None:
    participant = run.participants[initiative.who]
    person = participant.person
    if participant.blocked:
        return
    if initiative.do is Do.JOIN:
        await run.write(person, f"/start {invites[person.key]}", shown="/start …")
    elif initiative.do is Do.BIND_ALERTS:
        update_id = await run.group.add_bot(by=participant.user)
        await run.processed.wait(update_id)
        await run.write_in_group(person, "/bindalerts")
    elif initiative.do is Do.PAIR:
        await _pair(run, person, *initiative.people)
    elif initiative.do is Do.PAUSE:
        participant.pause_days = initiative.days
        await run.write(person, "/pause")
    elif initiative.do is Do.BLOCK:
        participant.blocked = True
        run.transcript.add(Event(run.clock.now(), Kind.BLOCKED, person.key, actor=person.key))
        update_id = await participant.user.block_bot()
        await run.processed.wait(update_id)
    elif initiative.do is Do.COMMAND:
        await run.write(person, initiative.text)
    elif initiative.do is Do.GROUP_COMMAND:
        await run.write_in_group(person, initiative.text)


async def _pair(run: DemoRun, coordinator: SimPerson, mentor_key: str, adept_key: str) -> None:
    """/pair, then the mentor's button, then the adept's, as the coordinator taps them."""
    user = run.user(coordinator.key)
    await run.write(coordinator, "/pair")
    choose = user.last_message()
    for key in (mentor_key, adept_key):
        name = run.scenario.person(key).name
        data = next(
            d
            for row in choose.buttons()
            for text, d in row
            if d and (text == name or text.startswith(f"{name} "))
        )
        await run.press(coordinator, choose, data)  # the same message is edited for step 2
    user.catch_up()


async def _summary(run: DemoRun) -> Summary:
    services = run.core.services
    views = await run.core.pairing.pairs(None, [run.programme.id])
    ids = [v.pair.id for v in views]
    async with services.db.unit() as uow:
        check_ins = await uow.check_ins.check_ins_of(ids)
        alerts = await uow.alerts.alerts(pair_ids=ids)
        meetings = {pair_id: await uow.meetings.meetings_of(pair_id) for pair_id in ids}
    stories = {(p.mentor, p.adept): p.story for p in run.scenario.pairs}
    keys = {p.name: p.key for p in run.scenario.people}
    pairs = []
    with use_language(run.options.language):
        for view in views:
            story = stories.get(
                (keys.get(view.mentor.first_name, ""), keys.get(view.adept.first_name, "")), ""
            )
            reasons: list[str] = []
            for alert in alerts:
                if alert.pair_id == view.pair.id and reason_name(alert.reason) not in reasons:
                    reasons.append(reason_name(alert.reason))
            held = meetings[view.pair.id]
            pairs.append(
                PairSummary(
                    pair_id=view.pair.id,
                    mentor=view.mentor.first_name,
                    adept=view.adept.first_name,
                    story=story,
                    state=state_text(view.pair.state),
                    meetings=len(held),
                    confirmed=sum(1 for m in held if m.status.value == "confirmed"),
                    scores=tuple(
                        c.score
                        for c in check_ins
                        if c.pair_id == view.pair.id and c.score is not None
                    ),
                    alerts=tuple(reasons),
                )
            )
    unreachable = []
    for role in (Role.MENTOR, Role.ADEPT):
        for person in await run.core.pairing.members(run.programme.id, role):
            if person.unreachable_since is not None:
                unreachable.append(person.first_name)
    received = [e for e in run.transcript.events if e.kind is Kind.RECEIVED]
    return Summary(
        days=run.options.days,
        pairs=tuple(pairs),
        messages=len(received),
        to_group=sum(1 for e in received if e.chat == GROUP),
        unreachable=tuple(unreachable),
        files=tuple(str(p) for p in run.files),
    )


def _scratch() -> str | None:
    """Memory-backed /dev/shm where there is one: the demo's database is thrown away, and
    SQLite's commits are then not waiting for a disk."""
    shm = Path("/dev/shm")
    return str(shm) if shm.is_dir() and os.access(shm, os.W_OK) else None
