"""The demo's transcript: what happened, as events, and how it reads.

The runner records `Event`s; `render` turns them into text in the demo's language,
with times in the programme's time zone. Nothing here talks to the bot.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from itertools import groupby
from zoneinfo import ZoneInfo

from babel.dates import format_date

from bot.runtime.i18n import _, ngettext, use_language
from bot.sim.demo.scenario import Scenario
from bot.texts.common import role_name

GROUP = "@group"  # the chat key of the alert group
INDENT = "       "


class Kind(StrEnum):
    RECEIVED = "received"  # the bot sent a message to a chat
    EDITED = "edited"  # the bot changed the text of a message it sent earlier
    NOT_DELIVERED = "not_delivered"  # Telegram refused: the person blocked the bot
    PRESSED = "pressed"  # a person tapped a button
    WROTE = "wrote"  # a person wrote a message
    BLOCKED = "blocked"  # a person blocked the bot
    NOTE = "note"  # the narrator (things done outside Telegram)


@dataclass(frozen=True)
class Event:
    at: datetime
    kind: Kind
    chat: str  # where it happened: a person's key (their private chat), or GROUP
    text: str = ""
    buttons: tuple[tuple[str, ...], ...] = ()
    actor: str = ""  # who pressed, wrote or blocked (a person's key)


@dataclass(frozen=True)
class PairSummary:
    pair_id: int
    mentor: str
    adept: str
    story: str  # message id
    state: str  # already translated
    meetings: int
    confirmed: int
    scores: tuple[int, ...]
    alerts: tuple[str, ...]  # already translated reason words


@dataclass(frozen=True)
class Summary:
    days: int
    pairs: tuple[PairSummary, ...]
    messages: int  # the bot's messages to people and the group
    to_group: int
    unreachable: tuple[str, ...]  # names
    files: tuple[str, ...] = ()


@dataclass
class Transcript:
    events: list[Event] = field(default_factory=list)

    def add(self, event: Event) -> None:
        self.events.append(event)

    def kinds(self) -> set[Kind]:
        return {e.kind for e in self.events}

    def texts(self, chat: str | None = None, kind: Kind = Kind.RECEIVED) -> list[str]:
        return [e.text for e in self.events if e.kind is kind and chat in (None, e.chat)]


def _who(scenario: Scenario, chat: str, group_title: str) -> str:
    if chat == GROUP:
        return _("Alert group «{title}»").format(title=group_title)
    person = scenario.person(chat)
    return _("{name} ({role})").format(name=person.name, role=role_name(person.role))


def _day_header(moment: datetime, language: str) -> str:
    pattern = "EEEE d. MMMM y" if language == "nb" else "EEEE d MMMM y"
    return f"=== {format_date(moment.date(), pattern, locale=language)} ==="


def _message(mark: str, text: str, buttons: Sequence[Sequence[str]]) -> list[str]:
    first, *rest = text.split("\n") or [""]
    lines = [f"    {mark} {first}", *(f"      {line}".rstrip() for line in rest)]
    lines.extend("      " + " ".join(f"[{label}]" for label in row) for row in buttons)
    return lines


def _threads(events: Sequence[Event]) -> list[list[Event]]:
    """Events of one moment, one thread per chat in the order the chats first appear, so
    that each person's exchange reads in one piece."""
    threads: dict[str, list[Event]] = {}
    for event in events:
        threads.setdefault(event.chat, []).append(event)
    return list(threads.values())


def _line(scenario: Scenario, event: Event) -> list[str]:
    actor = scenario.person(event.actor).name if event.actor else ""
    in_group = event.chat == GROUP
    if event.kind is Kind.RECEIVED:
        return _message("<", event.text, event.buttons)
    if event.kind is Kind.EDITED:
        return _message("<", _("(changed) {text}").format(text=event.text), event.buttons)
    if event.kind is Kind.NOT_DELIVERED:
        return _message(
            "x", _("(not delivered: the bot is blocked) {text}").format(text=event.text), ()
        )
    if event.kind is Kind.PRESSED:
        text = (
            _("{name} taps «{button}»").format(name=actor, button=event.text)
            if in_group
            else _("taps «{button}»").format(button=event.text)
        )
    elif event.kind is Kind.WROTE:
        text = (
            _("{name} writes «{text}»").format(name=actor, text=event.text)
            if in_group
            else _("writes «{text}»").format(text=event.text)
        )
    elif event.kind is Kind.BLOCKED:
        text = _("blocks the bot")
    else:
        return [f"    ({event.text})"]
    return [f"    > {text}"]


def render_events(scenario: Scenario, events: Sequence[Event], language: str) -> list[str]:
    zone = ZoneInfo(scenario.timezone)
    lines: list[str] = []
    with use_language(language):
        group_title = _(scenario.alert_group_title)
        day = None
        for moment, together in groupby(events, key=lambda e: e.at):
            local = moment.astimezone(zone)
            if local.date() != day:
                day = local.date()
                lines.extend(["", _day_header(local, language)])
            for thread in _threads(list(together)):
                chat = thread[0].chat
                if thread[0].kind is Kind.NOTE:
                    lines.append(f"{local:%H:%M}  ({thread[0].text})")
                    continue
                lines.append(f"{local:%H:%M}  {_who(scenario, chat, group_title)}")
                for event in thread:
                    lines.extend(_line(scenario, event))
    return lines


def render_summary(scenario: Scenario, summary: Summary, language: str) -> list[str]:
    with use_language(language):
        lines = [
            "",
            "=" * 72,
            ngettext("Summary after {days} day", "Summary after {days} days", summary.days).format(
                days=summary.days
            ),
            "=" * 72,
        ]
        for pair in summary.pairs:
            lines.append(
                _("Pair #{id} {mentor} + {adept}: {story}").format(
                    id=pair.pair_id, mentor=pair.mentor, adept=pair.adept, story=_(pair.story)
                )
            )
            lines.append(INDENT + _("State: {state}").format(state=pair.state))
            lines.append(
                INDENT
                + ngettext(
                    "{count} meeting logged, {confirmed} confirmed",
                    "{count} meetings logged, {confirmed} confirmed",
                    pair.meetings,
                ).format(count=pair.meetings, confirmed=pair.confirmed)
            )
            scores = ", ".join(str(s) for s in pair.scores) or "-"
            lines.append(INDENT + _("Check-in scores: {scores}").format(scores=scores))
            alerts = ", ".join(pair.alerts) or "-"
            lines.append(INDENT + _("Alerts: {alerts}").format(alerts=alerts))
        lines.append("")
        lines.append(
            _("The bot sent {messages} messages; {group} of them to the alert group.").format(
                messages=summary.messages, group=summary.to_group
            )
        )
        if summary.unreachable:
            lines.append(
                _("Marked unreachable (blocked the bot): {names}.").format(
                    names=", ".join(summary.unreachable)
                )
            )
        for path in summary.files:
            lines.append(_("Written: {path}").format(path=path))
    return lines


def render(scenario: Scenario, transcript: Transcript, summary: Summary, language: str) -> str:
    with use_language(language):
        title = ngettext(
            "mentorbot demo: {programme}, {pairs} pair over {days} day, simulated on this "
            "machine (no Telegram, no internet). Times are in {zone}.",
            "mentorbot demo: {programme}, {pairs} pairs over {days} days, simulated on this "
            "machine (no Telegram, no internet). Times are in {zone}.",
            summary.days,
        ).format(
            programme=scenario.programme,
            pairs=len(scenario.pairs),
            days=summary.days,
            zone=scenario.timezone,
        )
        legend = _("< the bot writes    > the person does    x not delivered")
    body = render_events(scenario, transcript.events, language)
    summary_lines = render_summary(scenario, summary, language)
    return "\n".join([title, legend, *body, *summary_lines]) + "\n"
