"""A programme with regions (NHO Global Future): a region's coordinator hears of the
region's pairs only (alerts, the weekly digest and /digest, the cohort's end); a
coordinator of the whole programme hears of every pair."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.domain.model import Programme, Role
from bot.domain.programmes import preset
from bot.domain.rhythm import MeetingStatus
from bot.domain.stall import Reason, Stall
from bot.emulator import SimUser
from bot.programmes import Programmes
from tests.e2e.cohorts import activate_pair, join, oslo, texts
from tests.e2e.conftest import Harness


async def test_a_regions_alert_reaches_its_coordinator_and_the_programmes_not_the_other_region(
    harness: Harness,
) -> None:
    h = harness
    nho = preset("nho")
    assert nho is not None
    made = await Programmes(h.db, h.clock).create(
        name="Global Future", timezone="Europe/Oslo", language="en", preset=nho
    )
    programme, cohorts = made.programme, made.cohorts
    hordaland, rogaland = cohorts[1], cohorts[2]
    kari = await join(h, programme, Role.COORDINATOR, 100, "Kari", cohort_id=rogaland.id)
    lars = await join(h, programme, Role.COORDINATOR, 101, "Lars", cohort_id=hordaland.id)
    eva = await join(h, programme, Role.COORDINATOR, 102, "Eva")  # the whole programme
    ola = await join(h, programme, Role.MENTOR, 200, "Ola", cohort_id=rogaland.id)
    amina = await join(h, programme, Role.ADEPT, 300, "Amina", cohort_id=rogaland.id)
    pair_id = await activate_pair(h, programme.id, ola, amina)
    before = {user.id: len(user.inbox()) for user in (kari, lars, eva)}

    async with h.services.unit() as repo:
        asking = await repo.person_by_telegram_id(amina.id)
        assert asking is not None
        help_request = Stall(Reason.HELP, h.clock.now(), {"person": asking.id})
        await h.core.alerts.open_now(repo, pair_id, help_request, h.clock.now())
    await h.deliver()
    await h.emulator.wait_until_idle()

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


async def two_regions(h: Harness) -> Regions:
    nho = preset("nho")
    assert nho is not None
    made = await Programmes(h.db, h.clock).create(
        name="Global Future", timezone="Europe/Oslo", language="en", preset=nho, ends_on=ENDS
    )
    programme, cohorts = made.programme, made.cohorts
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
    async with h.services.unit() as repo:
        for pair_id, cohort in ((first, rogaland), (second, rogaland), (third, hordaland)):
            pair = await repo.pair(pair_id)
            assert pair is not None and pair.cohort_id == cohort.id
    return Regions(programme, kari, lars, mona, eva, (first, second), third)


async def person_id(h: Harness, user: SimUser) -> int:
    async with h.services.unit() as repo:
        person = await repo.person_by_telegram_id(user.id)
    assert person is not None
    return person.id


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
    async with h.services.unit() as repo:
        # Rogaland: a meeting both confirmed, and a good check-in.
        meeting = await repo.add_meeting(
            pair_id=first,
            held_on=date(2026, 3, 5),
            minutes=60,
            topic=None,
            logged_by=ola,
            now=oslo(2026, 3, 5, 18),
        )
        await repo.answer_meeting(
            meeting.id, status=MeetingStatus.CONFIRMED, now=oslo(2026, 3, 5, 19)
        )
        for pair_id, person, score in ((second, fatima, 5), (r.hordaland, sara, 2)):
            check_in = await repo.start_check_in(
                pair_id=pair_id,
                person_id=person,
                meeting_id=None,
                period="2026-03",
                now=h.clock.now(),
            )
            await repo.update_check_in(check_in, score=score, completed_at=oslo(2026, 3, 6, 12))
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
    async with h.services.unit() as repo:
        keys = sorted(i.idempotency_key for i in await repo.outbox_items() if i.kind == "digest")
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
