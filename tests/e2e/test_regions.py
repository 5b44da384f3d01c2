"""A programme with regions (NHO Global Future): a region's coordinator hears of the
region's pairs only (alerts, the weekly digest and /digest, the cohort's end), sees and
acts on them only (/pairs, /stalled, /pair, /pair N, /end, /match, /report), and reads of
the region's gatherings and the programme-wide ones; a coordinator of the whole programme
hears of, sees and acts on every pair."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, time
from typing import Any

from openpyxl import load_workbook

from bot.domain.alerts import Help
from bot.domain.gatherings import Answer, Audience
from bot.domain.model import PairState, Programme, Role
from bot.domain.stall import Stall
from bot.sim.emulator import SentMessage, SimUser
from bot.usecases.refusal import Refusal
from tests.support.cohorts import (
    activate_pair,
    ask_for_help,
    join,
    nho_programme,
    oslo,
    person_id,
    texts,
)
from tests.support.cohorts import (
    gathering as create_gathering,
)
from tests.support.harness import Harness
from tests.support.rows import confirmed_meeting


async def test_a_regions_alert_reaches_its_coordinator_and_the_programmes_not_the_other_region(
    harness: Harness,
) -> None:
    h = harness
    programme, cohorts = await nho_programme(h)
    hordaland, rogaland = cohorts[1], cohorts[2]
    kari = await join(h, programme, Role.COORDINATOR, 100, "Kari", cohort_id=rogaland.id)
    lars = await join(h, programme, Role.COORDINATOR, 101, "Lars", cohort_id=hordaland.id)
    eva = await join(h, programme, Role.COORDINATOR, 102, "Eva")  # the whole programme
    ola = await join(h, programme, Role.MENTOR, 200, "Ola", cohort_id=rogaland.id)
    amina = await join(h, programme, Role.ADEPT, 300, "Amina", cohort_id=rogaland.id)
    pair_id = await activate_pair(h, programme.id, ola, amina)
    before = {user.id: len(user.inbox()) for user in (kari, lars, eva)}

    await ask_for_help(h, pair_id, amina)

    for user, expected in ((kari, 1), (eva, 1), (lars, 0)):
        new = [m.text or "" for m in user.inbox()[before[user.id] :]]
        about_the_pair = [t for t in new if "Ola" in t and "Amina" in t]
        assert len(about_the_pair) == expected, (user.id, new)


# Two regions of one programme, each with its coordinator and pairs, and a coordinator
# of the whole programme: who reads what in the weekly digest and the cohort's end.

ENDS = date(2026, 4, 28)  # a Tuesday; the harness clock starts on Tuesday 3 March


@dataclass
class Regions:
    programme: Programme
    kari: SimUser  # Rogaland: two pairs
    lars: SimUser  # Hordaland: one pair
    mona: SimUser  # Oslo og Akershus: no pairs
    eva: SimUser  # the whole programme
    rogaland: tuple[int, int]
    hordaland: int
    rogaland_cohort: int = 0
    hordaland_cohort: int = 0


async def two_regions(h: Harness) -> Regions:
    programme, cohorts = await nho_programme(h, ends_on=ENDS)
    hordaland, rogaland, oslo_akershus = cohorts[1], cohorts[2], cohorts[3]
    kari = await join(h, programme, Role.COORDINATOR, 100, "Kari", cohort_id=rogaland.id)
    lars = await join(h, programme, Role.COORDINATOR, 101, "Lars", cohort_id=hordaland.id)
    mona = await join(h, programme, Role.COORDINATOR, 103, "Mona", cohort_id=oslo_akershus.id)
    eva = await join(h, programme, Role.COORDINATOR, 102, "Eva")
    people = {}
    for user_id, name, role, cohort in (
        (200, "Ola", Role.MENTOR, rogaland),
        (300, "Amina", Role.ADEPT, rogaland),
        (201, "Knut", Role.MENTOR, rogaland),
        (301, "Fatima", Role.ADEPT, rogaland),
        (202, "Per", Role.MENTOR, hordaland),
        (302, "Sara", Role.ADEPT, hordaland),
    ):
        people[name] = await join(h, programme, role, user_id, name, cohort_id=cohort.id)
    first = await activate_pair(h, programme.id, people["Ola"], people["Amina"])
    second = await activate_pair(h, programme.id, people["Knut"], people["Fatima"])
    third = await activate_pair(h, programme.id, people["Per"], people["Sara"])
    async with h.services.db.unit() as uow:
        for pair_id, cohort in ((first, rogaland), (second, rogaland), (third, hordaland)):
            pair = await uow.pairs.pair(pair_id)
            assert pair is not None and pair.cohort_id == cohort.id
    return Regions(
        programme, kari, lars, mona, eva, (first, second), third, rogaland.id, hordaland.id
    )


def digest_texts(user: SimUser) -> list[str]:
    return [m.text or "" for m in user.inbox() if (m.text or "").startswith("📋 Weekly digest")]


def chart_captions(user: SimUser) -> list[str]:
    return [m.caption or "" for m in user.inbox() if m.kind == "photo"]


async def test_a_regions_coordinator_reads_the_regions_digest_and_the_programmes_all(
    harness: Harness,
) -> None:
    h = harness
    r = await two_regions(h)
    first, second = r.rogaland
    ola = await person_id(h, h.emulator.user(200, "Ola"))
    fatima = await person_id(h, h.emulator.user(301, "Fatima"))
    sara = await person_id(h, h.emulator.user(302, "Sara"))
    async with h.services.db.unit() as uow:
        # Rogaland: a meeting both confirmed, and a good check-in.
        await confirmed_meeting(uow, first, ola, oslo(2026, 3, 5, 18))
        for pair_id, person, score in ((second, fatima, 5), (r.hordaland, sara, 2)):
            check_in = await uow.check_ins.start_check_in(
                pair_id=pair_id,
                person_id=person,
                meeting_id=None,
                period="2026-03",
                now=h.clock.now(),
            )
            await uow.check_ins.update_check_in(
                check_in, score=score, completed_at=oslo(2026, 3, 6, 12)
            )
    # Sunday: Hordaland's low score opens an alert (to Lars and Eva only).
    h.clock.set(oslo(2026, 3, 8, 12))
    await h.tick()
    await h.emulator.wait_until_idle()
    alerted = {
        user.first_name: [t for t in texts(user) if "Per" in t and "Sara" in t]
        for user in (r.kari, r.lars, r.mona, r.eva)
    }
    assert [len(alerted[name]) for name in ("Kari", "Lars", "Mona", "Eva")] == [0, 1, 0, 1]

    h.clock.set(oslo(2026, 3, 9, 8))  # Monday 08:00: the digest
    await h.tick()
    h.clock.set(oslo(2026, 3, 9, 8, 30))
    await h.tick()  # a second tick sends nothing again
    await h.emulator.wait_until_idle()

    [kari] = digest_texts(r.kari)
    [lars] = digest_texts(r.lars)
    [mona] = digest_texts(r.mona)
    [eva] = digest_texts(r.eva)
    assert kari.splitlines()[:3] == [
        "📋 Weekly digest: Global Future – Rogaland, week 11",
        "Pairs: 2 active, 0 awaiting agreement, 0 paused, 0 ended.",
        "✅ No pair needs attention.",
    ]
    assert "Last 7 days: 1 logged, 1 confirmed by both." in kari
    assert "1 of 2 active pairs have met this period (50 %)." in kari
    assert "Check-in score: 5.0 of 5 in the last 4 weeks (1 answer)." in kari
    assert "Sara" not in kari and "Per" not in kari

    assert lars.splitlines()[:3] == [
        "📋 Weekly digest: Global Future – Hordaland, week 11",
        "Pairs: 1 active, 0 awaiting agreement, 0 paused, 0 ended.",
        "⚠️ 1 pair needs attention.",
    ]
    assert "Last 7 days: 0 logged, 0 confirmed by both." in lars
    assert "0 of 1 active pairs have met this period (0 %)." in lars
    assert "Check-in score: 2.0 of 5 in the last 4 weeks (1 answer)." in lars
    assert f"#{r.hordaland} Per + Sara: low score" in lars
    assert "Ola" not in lars and "Fatima" not in lars

    assert mona.splitlines()[:2] == [
        "📋 Weekly digest: Global Future – Oslo og Akershus, week 11",
        "Pairs: 0 active, 0 awaiting agreement, 0 paused, 0 ended.",
    ]

    assert eva.splitlines()[:3] == [
        "📋 Weekly digest: Global Future, week 11",
        "Pairs: 3 active, 0 awaiting agreement, 0 paused, 0 ended.",
        "⚠️ 1 pair needs attention.",
    ]
    assert "Last 7 days: 1 logged, 1 confirmed by both." in eva
    assert "1 of 3 active pairs have met this period (33 %)." in eva
    assert "Check-in score: 3.5 of 5 in the last 4 weeks (2 answers)." in eva
    assert f"#{r.hordaland} Per + Sara: low score" in eva

    assert [c.split(":")[0] for c in chart_captions(r.kari)] == ["Global Future – Rogaland"]
    assert [c.split(":")[0] for c in chart_captions(r.eva)] == ["Global Future"]
    async with h.services.db.unit() as uow:
        keys = sorted(
            i.idempotency_key for i in await uow.outbox.outbox_items() if i.kind == "digest"
        )
    pid = r.programme.id
    assert keys == sorted(
        f"digest:{pid}:2026-W11:{user.id}:{part}"
        for user in (r.kari, r.lars, r.mona, r.eva)
        for part in ("1", "chart")
    )

    # /digest: the same scope, on demand.
    for user, title, pairs in (
        (r.lars, "Global Future – Hordaland", 1),
        (r.eva, "Global Future", 3),
    ):
        user.catch_up()
        await user.send("/digest")
        text = (await user.next_message()).text or ""
        assert text.startswith(f"📋 Weekly digest: {title}, week 11\n"), text
        assert f"Pairs: {pairs} active, " in text
        assert (await user.next_message()).kind == "photo"


async def test_the_cohort_end_notice_reaches_the_regions_coordinator_and_the_programmes(
    harness: Harness,
) -> None:
    h = harness
    r = await two_regions(h)
    seen = {user.id: len(user.inbox()) for user in (r.kari, r.lars, r.mona, r.eva)}
    for moment in (oslo(2026, 3, 30), oslo(2026, 3, 31), oslo(2026, 4, 1), oslo(2026, 4, 2)):
        h.clock.set(moment)
        await h.tick()
    await h.emulator.wait_until_idle()

    def notices(user: SimUser) -> list[str]:
        return sorted(t for t in texts(user, seen[user.id]) if "» ends" in t)

    rogaland = (
        "Global Future: the cohort «Global Future – Rogaland» ends Tuesday 28 April. "
        "I have told its 2 pairs. At the end both parties get a short evaluation; "
        "the answers are in /report."
    )
    hordaland = (
        "Global Future: the cohort «Global Future – Hordaland» ends Tuesday 28 April. "
        "I have told its 1 pair. At the end both parties get a short evaluation; "
        "the answers are in /report."
    )
    assert notices(r.kari) == [rogaland]
    assert notices(r.lars) == [hordaland]
    assert notices(r.mona) == []
    assert notices(r.eva) == sorted([rogaland, hordaland])


# Gatherings in a region's digest and report: its own and the programme-wide ones.


async def make_gathering(
    h: Harness,
    programme_id: int,
    title: str,
    day: date,
    at: time,
    audience: Audience = Audience.ALL,
    cohort_id: int | None = None,
) -> int:
    made = await create_gathering(
        h,
        programme_id,
        title,
        day,
        starts_at=at,
        place="Bergen" if cohort_id else "Oslo",
        audience=audience,
        cohort_id=cohort_id,
    )
    return made.gathering.id


async def answer(h: Harness, user_id: int, name: str, gathering_id: int, said: Answer) -> None:
    person = await h.services.actor(user_id)
    assert person is not None, name
    done = await h.core.gatherings.answer(person.person, gathering_id, said)
    assert not isinstance(done, Refusal), (name, done)


def gathering_section(digest: str) -> list[str]:
    lines = digest.splitlines()
    if "Gatherings" not in lines:
        return []
    start = lines.index("Gatherings")
    end = lines.index("", start) if "" in lines[start:] else len(lines)
    return lines[start:end]


async def report_of(h: Harness, user: SimUser) -> Any:
    user.catch_up()
    await user.send("/report")
    document = await user.next_message()
    assert document.kind == "document", document.text
    return load_workbook(io.BytesIO(h.emulator.file_bytes(document)))


def rows_of(book: Any, title: str) -> list[dict[str, Any]]:
    rows = list(book[title].iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


async def test_a_regions_digest_and_report_count_its_gatherings_and_the_programmes(
    harness: Harness,
) -> None:
    h = harness  # Tuesday 3 March 2026, 10:00 in Oslo
    r = await two_regions(h)
    pid = r.programme.id
    # The NHO preset planned each region's own kick-off (Tuesday 10 March, 18:00), mentor
    # training and closing gathering. Added here: one for the whole programme, one for
    # Rogaland's mentors, one for Hordaland, and one that is cancelled.
    welcome = await make_gathering(h, pid, "Welcome evening", date(2026, 3, 5), time(18, 0))
    evening = await make_gathering(
        h,
        pid,
        "Mentor evening",
        date(2026, 3, 6),
        time(17, 0),
        Audience.MENTORS,
        r.rogaland_cohort,
    )
    lunch = await make_gathering(
        h, pid, "Lunch in Bergen", date(2026, 3, 11), time(12, 0), cohort_id=r.hordaland_cohort
    )
    dinner = await make_gathering(h, pid, "Dinner", date(2026, 3, 10), time(18, 0))
    assert await h.core.gatherings.cancel(dinner) is not None
    await h.tick()  # invites everyone to the preset kick-offs
    async with h.services.db.unit() as uow:
        found = await uow.gatherings.gathering_attendance(pid, date(2026, 3, 1), date(2026, 3, 12))
    kickoff = {
        a.gathering.cohort_id: a.gathering.id for a in found if a.gathering.title == "Kick-off"
    }
    for user_id, name, gathering, said in (
        (200, "Ola", welcome, Answer.YES),
        (300, "Amina", welcome, Answer.YES),
        (202, "Per", welcome, Answer.NO),
        (302, "Sara", welcome, Answer.YES),
        (200, "Ola", evening, Answer.YES),
        (201, "Knut", evening, Answer.NO),
        (202, "Per", lunch, Answer.YES),
        (300, "Amina", kickoff[r.rogaland_cohort], Answer.YES),
    ):
        await answer(h, user_id, name, gathering, said)
    # Who was invited: everyone to the welcome, only a region's people to its gatherings.
    async with h.services.db.unit() as uow:
        regions = {
            c.id: c.name.removeprefix("Global Future – ") for c in await uow.programmes.cohorts(pid)
        }
        invited = {
            (a.gathering.title, regions.get(a.gathering.cohort_id or 0)): a.invited
            for a in await uow.gatherings.gathering_attendance(
                pid, date(2026, 3, 1), date(2026, 3, 12)
            )
        }
    assert invited == {
        ("Welcome evening", None): 6,
        ("Mentor evening", "Rogaland"): 2,
        ("Lunch in Bergen", "Hordaland"): 2,
        ("Kick-off", "Rogaland"): 4,
        ("Kick-off", "Hordaland"): 2,
        ("Kick-off", "Møre og Romsdal"): 0,  # nobody there yet
        ("Kick-off", "Oslo og Akershus"): 0,
    }

    h.clock.set(oslo(2026, 3, 9, 8))  # Monday 08:00: the digest
    await h.tick()
    await h.emulator.wait_until_idle()
    welcome_line = (
        "Welcome evening (Thursday 5 March): 3 of 6 said they would come, 1 could not, "
        "2 did not answer."
    )
    evening_line = (
        "Mentor evening{region} (Friday 6 March): 1 of 2 said they would come, 1 could not, "
        "0 did not answer."
    )
    [kari] = digest_texts(r.kari)
    [lars] = digest_texts(r.lars)
    [mona] = digest_texts(r.mona)
    [eva] = digest_texts(r.eva)
    assert gathering_section(kari) == [
        "Gatherings",
        "Last 7 days:",
        welcome_line,
        evening_line.format(region=""),
        "Next 7 days:",
        "Tuesday 10 March at 18:00: Kick-off. 1 of 4 say they will come.",
    ]
    assert gathering_section(lars) == [
        "Gatherings",
        "Last 7 days:",
        welcome_line,
        "Next 7 days:",
        "Tuesday 10 March at 18:00: Kick-off. 0 of 2 say they will come.",
        "Wednesday 11 March at 12:00: Lunch in Bergen. 1 of 2 say they will come.",
    ]
    assert gathering_section(mona) == [
        "Gatherings",
        "Last 7 days:",
        welcome_line,
        "Next 7 days:",
        "Tuesday 10 March at 18:00: Kick-off. No one is invited yet.",
    ]
    # The whole programme's digest says which region a region's gathering is of.
    assert gathering_section(eva) == [
        "Gatherings",
        "Last 7 days:",
        welcome_line,
        evening_line.format(region=", Rogaland"),
        "Next 7 days:",
        "Tuesday 10 March at 18:00: Kick-off, Møre og Romsdal. No one is invited yet.",
        "Tuesday 10 March at 18:00: Kick-off, Hordaland. 0 of 2 say they will come.",
        "Tuesday 10 March at 18:00: Kick-off, Rogaland. 1 of 4 say they will come.",
        "Tuesday 10 March at 18:00: Kick-off, Oslo og Akershus. No one is invited yet.",
        "Wednesday 11 March at 12:00: Lunch in Bergen, Hordaland. 1 of 2 say they will come.",
    ]
    assert "Dinner" not in eva  # cancelled

    # /report: the region's gatherings and the programme-wide ones; all for Eva.
    def gathering_rows(book: Any) -> list[tuple[Any, ...]]:
        return [
            (g["Gathering"], g["Cohort"], g["Invited"], g["Said they would come"])
            for g in rows_of(book, "Gatherings")
            if g["Date"].date() < date(2026, 3, 12)  # leave out the later preset ones
        ]

    def kickoff_row(region: str, invited: int, coming: int) -> tuple[Any, ...]:
        return ("Kick-off", f"Global Future – {region}", invited, coming)

    welcome_row = ("Welcome evening", "whole programme", 6, 3)
    evening_row = ("Mentor evening", "Global Future – Rogaland", 2, 1)
    lunch_row = ("Lunch in Bergen", "Global Future – Hordaland", 2, 1)
    assert gathering_rows(await report_of(h, r.kari)) == [
        welcome_row,
        evening_row,
        kickoff_row("Rogaland", 4, 1),
    ]
    assert gathering_rows(await report_of(h, r.lars)) == [
        welcome_row,
        kickoff_row("Hordaland", 2, 0),
        lunch_row,
    ]
    assert gathering_rows(await report_of(h, r.eva)) == [
        welcome_row,
        evening_row,
        kickoff_row("Møre og Romsdal", 0, 0),
        kickoff_row("Hordaland", 2, 0),
        kickoff_row("Rogaland", 4, 1),
        kickoff_row("Oslo og Akershus", 0, 0),
        lunch_row,
    ]
    later = [g["Gathering"] for g in rows_of(await report_of(h, r.kari), "Gatherings")][3:]
    assert later == ["Mentor training", "Closing gathering"]  # Rogaland's own, planned


# A region's coordinator sees and acts on the region's pairs only.


def names_in(text: str, *names: str) -> list[str]:
    return [name for name in names if name in text]


PEOPLE = ("Ola", "Amina", "Knut", "Fatima", "Per", "Sara")


async def reply(user: SimUser, command: str) -> SentMessage:
    user.catch_up()
    await user.send(command)
    return await user.next_message()


async def test_a_regions_coordinator_sees_and_acts_on_the_regions_pairs_only(
    harness: Harness,
) -> None:
    h = harness
    r = await two_regions(h)
    first, _second = r.rogaland
    pid = r.programme.id
    # People not yet paired in both regions, all in one field (so matching suggests).
    for user_id, name, role, cohort in (
        (203, "Nils", Role.MENTOR, r.rogaland_cohort),
        (303, "Leyla", Role.ADEPT, r.rogaland_cohort),
        (204, "Ivar", Role.MENTOR, r.hordaland_cohort),
        (304, "Omar", Role.ADEPT, r.hordaland_cohort),
    ):
        await join(h, r.programme, role, user_id, name, cohort_id=cohort)
    ids = {}
    async with h.services.db.unit() as uow:
        for user_id, name in ((203, "Nils"), (303, "Leyla"), (204, "Ivar"), (304, "Omar")):
            person = await uow.people.person_by_telegram_id(user_id)
            assert person is not None
            ids[name] = person.id
            await uow.people.update_person(person.id, intake={"field": "nursing", "offers": ["cv"]})
        # Amina (Rogaland) and Sara (Hordaland) ask for help: one alert in each region.
        for user_id, pair_id in ((300, first), (302, r.hordaland)):
            asking = await uow.people.person_by_telegram_id(user_id)
            assert asking is not None
            stall = Stall(h.clock.now(), Help(asking.id))
            await h.core.alerts.open_now(uow, pair_id, stall, h.clock.now())
    await h.deliver()
    await h.emulator.wait_until_idle()

    # /pairs and /stalled
    for user, expected in (
        (r.kari, ["Ola", "Amina", "Knut", "Fatima"]),
        (r.lars, ["Per", "Sara"]),
        (r.mona, []),
        (r.eva, list(PEOPLE)),
    ):
        listed = (await reply(user, "/pairs")).text or ""
        assert names_in(listed, *PEOPLE) == expected, (user.first_name, listed)
    for user, expected in (
        (r.kari, ["Ola", "Amina"]),
        (r.lars, ["Per", "Sara"]),
        (r.mona, []),
        (r.eva, ["Ola", "Amina", "Per", "Sara"]),
    ):
        stalled = (await reply(user, "/stalled")).text or ""
        assert names_in(stalled, *PEOPLE) == expected, (user.first_name, stalled)
    assert (await reply(r.mona, "/stalled")).text == "✅ No pair needs attention now."

    # /pair N: another region's pair is as unknown as a pair that does not exist.
    unknown = (await reply(r.kari, "/pair 9999")).text
    assert unknown == "There is no pair 9999 in your programmes."
    assert (await reply(r.kari, f"/pair {r.hordaland}")).text == (
        f"There is no pair {r.hordaland} in your programmes."
    )
    assert (await reply(r.lars, f"/pair {first}")).text == (
        f"There is no pair {first} in your programmes."
    )
    own = (await reply(r.kari, f"/pair {first}")).text or ""
    assert own.startswith(f"Pair #{first}: Ola (mentor) and Amina (mentee)"), own
    other = (await reply(r.eva, f"/pair {r.hordaland}")).text or ""
    assert other.startswith(f"Pair #{r.hordaland}: Per (mentor) and Sara (mentee)"), other
    # Nor can she end it.
    assert (await reply(r.kari, f"/end {r.hordaland}")).text == (
        f"Pair {r.hordaland} is not an active pair in your programmes."
    )
    async with h.services.db.unit() as uow:
        still = await uow.pairs.pair(r.hordaland)
    assert still is not None and still.state is PairState.ACTIVE

    # /match: suggestions of the region's people.
    card = (await reply(r.lars, "/match")).text or ""
    assert names_in(card, "Nils", "Leyla", "Ivar", "Omar") == ["Ivar", "Omar"], card
    card = (await reply(r.kari, "/match")).text or ""
    assert names_in(card, "Nils", "Leyla", "Ivar", "Omar") == ["Nils", "Leyla"], card

    # /pair: only the region's people are offered, and a forged button for another
    # region's people makes no pair.
    def offered(message: SentMessage) -> list[str]:
        return [text.split(" (")[0] for text in message.button_texts()]

    step = await reply(r.lars, "/pair")
    assert offered(step) == ["Ivar"]
    step = await reply(r.eva, "/pair")
    assert sorted(offered(step)) == ["Ivar", "Nils"]
    step = await reply(r.kari, "/pair")
    assert offered(step) == ["Nils"]
    for mentor, adept in (("Ivar", "Omar"), ("Nils", "Omar")):
        await r.kari.press_data(step, f"pa:{pid}:{ids[mentor]}:{ids[adept]}")
    await h.emulator.wait_until_idle()
    await r.kari.press(step, step.button_texts()[0])
    # Step 2 edits the message in place.
    await h.emulator.wait_for(lambda: step.edited >= 1, 10, "the adepts to choose from")
    assert offered(step) == ["Leyla"], step.button_texts()
    await r.kari.press(step, step.button_texts()[0])
    await h.emulator.wait_for(lambda: step.edited >= 2, 10, "the pair made")
    async with h.services.db.unit() as uow:
        views = await uow.pairs.pair_views([pid])
    made = {(v.mentor.first_name, v.adept.first_name): v.pair for v in views}
    assert ("Ivar", "Omar") not in made and ("Nils", "Omar") not in made
    assert made[("Nils", "Leyla")].cohort_id == r.rogaland_cohort

    # /report: the region's pairs only (as --cohort); all of them for Eva.
    for user, count, cohorts in (
        (r.kari, 3, {"Global Future – Rogaland"}),
        (r.lars, 1, {"Global Future – Hordaland"}),
        (r.eva, 4, {"Global Future – Rogaland", "Global Future – Hordaland"}),
    ):
        pairs = rows_of(await report_of(h, user), "Pairs")
        assert len(pairs) == count, user.first_name
        assert {row["Cohort"] for row in pairs} == cohorts
