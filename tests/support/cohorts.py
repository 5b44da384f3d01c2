"""Helpers for simulated cohorts: people join by link, pairs are made, the clock moves."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain import policy
from bot.domain.alerts import Help
from bot.domain.gatherings import Audience
from bot.domain.model import Cohort, OutboxStatus, Programme, Role
from bot.domain.programmes import preset
from bot.domain.rhythm import Cadence, CadenceKind
from bot.domain.stall import Stall
from bot.sim.emulator import SentMessage, SimUser
from bot.usecases.gatherings import Created
from bot.usecases.programmes import Programmes
from bot.usecases.refusal import Refusal
from tests.support import rows
from tests.support.harness import Harness

OSLO = ZoneInfo("Europe/Oslo")

# The harness's pair starts on Tuesday 3 March and never meets. It has gone without a
# meeting for too long from this many days on (46 for a monthly programme, as the rule is
# today), counted from the policy so that these journeys follow a changed rule.
TOO_LONG = int(policy.no_meeting_limit(Cadence(CadenceKind.MONTHLY).expected_days)) + 1
NO_MEETING_ALERT = date(2026, 3, 3) + timedelta(days=TOO_LONG)  # 18 April


def oslo(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=OSLO).astimezone(UTC)


def on(day: date, hour: int = 10) -> datetime:
    return oslo(day.year, day.month, day.day, hour)


async def nho_programme(
    h: Harness, ends_on: date | None = None
) -> tuple[Programme, tuple[Cohort, ...]]:
    """ "Global Future" set up from the NHO preset: one cohort per region (Hordaland is
    the second, Rogaland the third, Oslo and Akershus the fourth)."""
    nho = preset("nho")
    assert nho is not None
    made = await Programmes(h.db, h.clock).create(
        name="Global Future", timezone="Europe/Oslo", language="en", preset=nho, ends_on=ends_on
    )
    return made.programme, made.cohorts


async def join(
    h: Harness,
    programme: Programme,
    role: Role,
    user_id: int,
    name: str,
    *,
    cohort_id: int | None = None,
    language: str = "en",
) -> SimUser:
    """Someone opens an invite link (of a cohort, if given) and agrees to what is stored."""
    user = h.emulator.user(user_id, name, language_code=language)
    [token] = await h.services.create_invites(programme.id, role, cohort_id=cohort_id)
    await user.send(f"/start {token}")
    await user.next_message()  # welcome
    consent = await user.next_message()
    await user.press(consent, consent.button_texts()[0])
    await user.next_message()  # the first intake question, or "ready" for coordinators
    return user


async def person_id(h: Harness, user: SimUser) -> int:
    """The stored person behind an emulated user."""
    async with h.services.db.unit() as uow:
        person = await uow.people.person_by_telegram_id(user.id)
    assert person is not None
    return person.id


async def coordinator(
    h: Harness, programme: Programme, user_id: int = 100, name: str = "Kari"
) -> SimUser:
    """A coordinator of the whole programme, joined by link, who agreed to what is stored."""
    kari = h.emulator.user(user_id, name, language_code="en")
    await h.join(kari, programme, Role.COORDINATOR)
    await kari.press(await kari.next_message(), "Yes, that is OK")
    await kari.next_message()
    return kari


def alerts_about(user: SimUser, words: str) -> list[SentMessage]:
    return [m for m in user.inbox() if "Pair #" in (m.text or "") and words in (m.text or "")]


async def activate_pair(h: Harness, programme_id: int, mentor: SimUser, adept: SimUser) -> int:
    """Pairs two joined people and completes their agreement in the database (its own
    flow is tested in test_agreement.py); the introductions are marked as sent."""
    async with h.services.db.unit() as uow:
        mentor_person = await uow.people.person_by_telegram_id(mentor.id)
        adept_person = await uow.people.person_by_telegram_id(adept.id)
    assert mentor_person is not None and adept_person is not None
    outcome = await h.pairing.create_pair(None, programme_id, mentor_person.id, adept_person.id)
    assert outcome.view is not None, outcome.problem
    pair_id = outcome.view.pair.id
    async with h.services.db.unit() as uow:
        await uow.pairs.set_goals(pair_id, ["@cv"])
    await confirm_agreement(h, pair_id)
    return pair_id


async def confirm_agreement(h: Harness, pair_id: int) -> None:
    """Both parties confirm the agreement in the database and the pair starts; introductions
    not sent yet are marked as sent."""
    now = h.clock.now()
    async with h.services.db.unit() as uow:
        view = await uow.pairs.pair_view(pair_id)
        assert view is not None
        await rows.confirm_agreement(uow, pair_id, (view.mentor.id, view.adept.id), now)
        for item in await uow.outbox.outbox_items(statuses=[OutboxStatus.PENDING]):
            if item.kind == "introduction":
                await uow.outbox.outbox_give_up(item.id, status=OutboxStatus.SENT, error="skipped")


async def pair_by_steps(h: Harness, coordinator: SimUser, mentor: str, adept: str) -> list[str]:
    """The coordinator pairs by /pair, pressing the `mentor` button and then the `adept`
    button; what the three steps said, for the test to read."""
    await coordinator.send("/pair")
    choose_mentor = await coordinator.next_message()
    said = [choose_mentor.text or ""]  # read now: each step edits the message in place
    await coordinator.press(choose_mentor, mentor)
    await h.emulator.wait_until_idle()
    choose_adept = coordinator.inbox()[-1]
    said.append(choose_adept.text or "")
    await coordinator.press(choose_adept, adept)
    await h.emulator.wait_until_idle()
    return [*said, coordinator.inbox()[-1].text or ""]


async def ask_for_help(h: Harness, pair_id: int, user: SimUser) -> None:
    """The pair's party `user` asks for help: an alert opens and is delivered."""
    async with h.services.db.unit() as uow:
        asking = await uow.people.person_by_telegram_id(user.id)
        assert asking is not None
        stall = Stall(h.clock.now(), Help(asking.id))
        await h.core.alerts.open_now(uow, pair_id, stall, h.clock.now())
    await h.deliver()
    await h.emulator.wait_until_idle()


async def gathering(
    h: Harness,
    programme_id: int,
    title: str,
    starts_on: date,
    *,
    starts_at: time = time(18, 0),
    place: str | None = "Oslo",
    audience: Audience = Audience.ALL,
    **more: Any,
) -> Created:
    """A gathering set up from the command line (no actor), which must be accepted;
    `more` as `Gatherings.create` takes it (cohort, learning group, kind)."""
    made = await h.core.gatherings.create(
        None,
        programme_id,
        title=title,
        starts_on=starts_on,
        starts_at=starts_at,
        place=place,
        audience=audience,
        **more,
    )
    assert not isinstance(made, Refusal)
    return made


async def run_until(h: Harness, moment: datetime, step: timedelta = timedelta(hours=6)) -> None:
    """Ticks every `step` up to `moment`, delivering after each tick, as the bot would."""
    while h.clock.now() + step <= moment:
        h.clock.advance(step)
        await h.tick()
    h.clock.set(moment)
    await h.tick()
    await h.emulator.wait_until_idle()


def texts(user: SimUser, since: int = 0) -> list[str]:
    return [m.text or "" for m in user.inbox()[since:]]


def first_lines(user: SimUser, since: int = 0) -> list[str]:
    return [t.split("\n")[0] for t in texts(user, since)]


def invitations(user: SimUser, since: int = 0) -> list[SentMessage]:
    return [m for m in user.inbox()[since:] if (m.text or "").startswith("You are invited:")]
