"""A rehearsal end to end: `mentorbot run --rehearsal` as a real process on a new database,
moved weeks ahead by `mentorbot clock` from another process; its replies and its ticks
follow the moved clock. A rehearsal never runs on a live database, nor a live bot on it."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.cli.support import clock_of
from bot.domain.model import OutboxStatus, Role
from bot.runtime.clock import RehearsalClock, SystemClock
from bot.runtime.rehearsal import parse_duration
from bot.sim.emulator import BotApiEmulator, SimUser
from bot.usecases.joining import Services
from bot.usecases.pairing import Pairing
from storage.db import Database
from storage.rehearsal import begin_rehearsal, rehearsal_ahead
from tests.support.processes import environment, mentorbot, mentorbot_run
from tests.support.rows import confirm_agreement

OSLO = ZoneInfo("Europe/Oslo")


def test_durations_are_read_as_people_write_them() -> None:
    assert parse_duration("3d") == timedelta(days=3)
    assert parse_duration("1w2d") == timedelta(days=9)
    assert parse_duration(" 12H ") == timedelta(hours=12)
    assert parse_duration("90m") == timedelta(minutes=90)
    for wrong in ("", "3", "d", "-3d", "3x", "0d", "3d banana"):
        assert parse_duration(wrong) is None, wrong


def test_the_rehearsal_clock_runs_with_the_real_one_and_never_goes_back() -> None:
    class Real:
        moment = datetime(2026, 12, 7, 9, tzinfo=UTC)

        def now(self) -> datetime:
            return self.moment

    real = Real()
    clock = RehearsalClock(real=real)
    assert clock.follow(timedelta(days=3))
    assert clock.now() == datetime(2026, 12, 10, 9, tzinfo=UTC)
    assert not clock.follow(timedelta(days=1))
    real.moment += timedelta(hours=1)
    assert clock.now() == datetime(2026, 12, 10, 10, tzinfo=UTC)


def refusal(stderr: str) -> str:
    """The one line a refused command ends with (no traceback before it)."""
    assert "Traceback" not in stderr, stderr
    return stderr.strip().splitlines()[-1]


def a_weekday_next_month(today: date) -> datetime:
    """10:00 in Oslo on a weekday in the second week of next month: a nudge is due then."""
    first = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    day = first + timedelta(days=9)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime.combine(day, time(10), OSLO).astimezone(UTC)


async def join(user: SimUser, token: str) -> None:
    await user.send(f"/start {token}")
    await user.next_message(timeout=10)  # the welcome
    await user.press(await user.next_message(timeout=10), "Yes, that is OK")
    await user.next_message(timeout=10)


async def test_a_month_rehearsed_through_the_running_bot(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'rehearsal.sqlite3'}"
    async with BotApiEmulator() as emulator:
        env = environment(emulator.token, emulator.base_url, url, tmp_path)
        async with mentorbot_run(
            emulator.token, emulator.base_url, url, tmp_path, "--rehearsal"
        ) as bot:
            await bot.wait_until(lambda: bot.logged("rehearsal: it is now"), "the rehearsal")
            db = Database(url)
            try:
                services = Services(
                    db, await clock_of(db), default_language="en", invite_ttl_days=30
                )
                programme, _cohort = await services.create_programme(
                    name="Rehearsal Oslo", timezone="Europe/Oslo", language="en"
                )
                ola = emulator.user(200, "Ola", language_code="en")
                amina = emulator.user(300, "Amina", language_code="en")
                late = emulator.user(400, "Sara", language_code="en")
                for user, role in ((ola, Role.MENTOR), (amina, Role.ADEPT)):
                    [token] = await services.create_invites(programme.id, role)
                    await join(user, token)
                [unused] = await services.create_invites(programme.id, Role.ADEPT)
                pairing = Pairing(services.db, services.clock, default_language="en")
                [mentor] = await pairing.members(programme.id, Role.MENTOR)
                [adept] = await pairing.members(programme.id, Role.ADEPT)
                made = await pairing.create_pair(None, programme.id, mentor.id, adept.id)
                assert made.view is not None
                pair_id = made.view.pair.id
                now = services.clock.now()
                async with services.db.unit() as uow:
                    # The agreement is confirmed here; its own flow is tested elsewhere.
                    await uow.pairs.set_goals(pair_id, ["Speak Norwegian at work"])
                    await confirm_agreement(uow, pair_id, (mentor.id, adept.id), now)
                    for item in await uow.outbox.outbox_items():
                        await uow.outbox.outbox_give_up(item.id, status=OutboxStatus.SENT, error="")
            finally:
                await db.dispose()

            target = a_weekday_next_month(SystemClock().now().astimezone(OSLO).date())
            code, out, err = await mentorbot(
                "clock", "set", "2020-01-01T00:00", env=env, cwd=tmp_path
            )
            assert code == 2 and "only moves forward" in err, err
            code, out, err = await mentorbot("clock", "advance", "soon", env=env, cwd=tmp_path)
            assert code == 2 and "like 30m" in err, err
            ola.catch_up()
            amina.catch_up()
            code, out, err = await mentorbot(
                "clock", "set", target.isoformat(), env=env, cwd=tmp_path
            )
            assert code == 0, err
            assert out.startswith("rehearsal: it is now ") and f"{target:%H:%M}Z" in out, out
            await bot.wait_until(lambda: bot.logged("rehearsal clock: it is now"), "the move")

            # The tick saw the new month: both are asked about their meeting.
            nudge = await ola.next_message(timeout=15)
            assert "Amina" in (nudge.text or "") and "meet" in (nudge.text or ""), nudge.text
            assert "Ola" in ((await amina.next_message(timeout=15)).text or "")
            # Replies live in the moved time too: an invite made a month ago has expired.
            await late.send(f"/start {unused}")
            assert (await late.next_message(timeout=10)).text == (
                "This link is too old. Ask your coordinator for a new link."
            )
            code, out, _err = await mentorbot("clock", "show", env=env, cwd=tmp_path)
            assert code == 0 and target.strftime("%Y") in out

        # The rehearsal's database is no live bot's, and a live one no rehearsal's.
        code, _out, err = await mentorbot("run", env=env, cwd=tmp_path)
        assert code == 2 and refusal(err).startswith("mentorbot: DATABASE_URL holds a rehearsal"), (
            err
        )


async def test_a_rehearsal_never_touches_a_live_database(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'live.sqlite3'}"
    db = Database(url)
    try:
        await db.upgrade()
        services = Services(db, SystemClock(), default_language="en", invite_ttl_days=30)
        await services.create_programme(name="Live", timezone="Europe/Oslo", language="en")
        assert not await begin_rehearsal(db, SystemClock().now())
        assert await rehearsal_ahead(db) is None
    finally:
        await db.dispose()
    env = environment("123456:TEST-TOKEN", "http://127.0.0.1:9/bot", url, tmp_path)
    code, _out, err = await mentorbot("run", "--rehearsal", env=env, cwd=tmp_path)
    assert code == 2 and refusal(err).startswith("mentorbot: --rehearsal needs a new database"), err
    code, _out, err = await mentorbot("clock", "advance", "3d", env=env, cwd=tmp_path)
    assert code == 2 and "not a rehearsal" in err, err
