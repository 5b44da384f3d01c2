"""Holes a region's coordinator found by attacking the bot (NHO preset): what is the
whole programme's (its alert chat, its agreement, its audit log) stays the whole
programme's, and a region's coordinator reaches only the region."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.access import Scope
from bot.domain.model import Programme, Role
from bot.sim.emulator import SentMessage, SimGroup, SimUser
from handlers.alerts import present_in
from tests.support.cohorts import (
    activate_pair,
    ask_for_help,
    join,
    nho_programme,
    oslo,
    run_until,
    texts,
)
from tests.support.cohorts import coordinator as coordinator_of
from tests.support.harness import Harness


@dataclass
class Nho:
    programme: Programme
    eva: SimUser  # coordinator of the whole programme
    kari: SimUser  # coordinator of region 1 (Rogaland)
    lars: SimUser  # coordinator of region 2 (Hordaland)
    rogaland: int  # region 1's cohort
    hordaland: int  # region 2's cohort
    kari_pair: int  # Ola + Amina, Rogaland
    lars_pair: int  # Per + Sara, Hordaland


async def nho(h: Harness) -> Nho:
    programme, cohorts = await nho_programme(h)
    hordaland, rogaland = cohorts[1], cohorts[2]
    eva = await join(h, programme, Role.COORDINATOR, 102, "Eva")
    kari = await join(h, programme, Role.COORDINATOR, 100, "Kari", cohort_id=rogaland.id)
    lars = await join(h, programme, Role.COORDINATOR, 101, "Lars", cohort_id=hordaland.id)
    ola = await join(h, programme, Role.MENTOR, 200, "Ola", cohort_id=rogaland.id)
    amina = await join(h, programme, Role.ADEPT, 300, "Amina", cohort_id=rogaland.id)
    per = await join(h, programme, Role.MENTOR, 202, "Per", cohort_id=hordaland.id)
    sara = await join(h, programme, Role.ADEPT, 302, "Sara", cohort_id=hordaland.id)
    kari_pair = await activate_pair(h, programme.id, ola, amina)
    lars_pair = await activate_pair(h, programme.id, per, sara)
    return Nho(programme, eva, kari, lars, rogaland.id, hordaland.id, kari_pair, lars_pair)


async def programme_chat(h: Harness, r: Nho) -> SimGroup:
    """The programme's alert chat, bound by Eva, who coordinates the whole programme."""
    team = h.emulator.group(-500, "Global Future team")
    await r.eva.send_in_group(team, "/bindalerts")
    assert "will come to this group" in ((await team.next_message()).text or "")
    return team


async def reply(h: Harness, user: SimUser, text: str) -> str:
    before = len(user.inbox())
    await user.send(text)
    await user.next_message()
    await h.emulator.wait_until_idle()
    return "\n".join(texts(user, before))


# 2. the agreement is the whole programme's


async def test_a_regions_coordinator_reads_the_agreement_but_cannot_change_it(
    harness: Harness,
) -> None:
    h = harness
    r = await nho(h)
    before = await h.agreements.current_agreement(r.programme.id)

    answer = await reply(h, r.kari, "/agreement Meet every day, mentors find jobs.")
    assert "Saved as version" not in answer
    assert "coordinator of the whole programme" in answer
    assert await h.agreements.current_agreement(r.programme.id) == before

    # Reading it is still hers.
    assert "The agreement now" in await reply(h, r.kari, "/agreement")
    # The whole programme's coordinator changes it.
    assert "Saved as version" in await reply(h, r.eva, "/agreement Meet twice a month.")
    changed = await h.agreements.current_agreement(r.programme.id)
    assert changed.text == "Meet twice a month."


# 1. a region binds an alert chat for the region only


def about(chat: SimUser | SimGroup, pair_id: int, since: int = 0) -> list[SentMessage]:
    return [m for m in chat.inbox()[since:] if f"Pair #{pair_id}" in (m.text or "")]


async def test_a_regions_alert_chat_takes_the_regions_alerts_and_not_the_programmes_chat(
    harness: Harness,
) -> None:
    h = harness
    r = await nho(h)
    team = await programme_chat(h, r)
    rogaland = h.emulator.group(-600, "Rogaland")
    await r.kari.send_in_group(rogaland, "/bindalerts")
    bound = (await rogaland.next_message()).text or ""
    assert "Rogaland" in bound and "will come to this group" in bound
    await h.deliver()
    await h.emulator.wait_until_idle()

    # The programme's chat stays where it was, and is told of the region's chat.
    stored = await h.services.programme(r.programme.id)
    assert stored is not None and stored.alert_chat_id == team.id
    told = [m.text or "" for m in team.inbox()[1:]]
    assert any("Rogaland" in t and "Kari" in t for t in told), told

    # Region 2's alert stays in the programme's chat; region 1's goes to its own.
    ola, amina = h.emulator.user(200, "Ola"), h.emulator.user(300, "Amina")
    sara = h.emulator.user(302, "Sara")
    await ask_for_help(h, r.lars_pair, sara)
    await ask_for_help(h, r.kari_pair, amina)
    assert about(rogaland, r.lars_pair) == [] and len(about(team, r.lars_pair)) == 1
    assert about(team, r.kari_pair) == [] and len(about(rogaland, r.kari_pair)) == 1
    del ola

    # The programme's coordinator still runs the programme's chat.
    team.catch_up()
    await r.eva.send_in_group(team, "/stalled")
    stalled = (await team.next_message()).text or ""
    assert f"#{r.lars_pair}" in stalled


async def test_a_regions_coordinator_cannot_touch_another_regions_alert_in_any_chat(
    harness: Harness,
) -> None:
    h = harness
    r = await nho(h)
    team = await programme_chat(h, r)
    await ask_for_help(h, r.lars_pair, h.emulator.user(302, "Sara"))
    [post] = about(team, r.lars_pair)
    # Kari (region 1) sits in the programme's chat too; region 2's alert is not hers.
    await r.kari.press(post, "Resolved")
    await h.emulator.wait_until_idle()
    assert r.kari.callback_answers[-1]["text"] == (
        "Only coordinators of this programme can use these buttons."
    )
    [unresolved] = await h.core.alerts.unresolved(Scope.whole([r.programme.id]))
    assert unresolved[0].status.value == "open"
    # Nor may she move or stop the programme's chat.
    await r.kari.send_in_group(team, "/unbindalerts")
    await team.next_message()
    stored = await h.services.programme(r.programme.id)
    assert stored is not None and stored.alert_chat_id == team.id


# 3. /audit: the region's entries only, in the programme's time zone


async def test_a_regions_coordinator_reads_the_regions_audit_entries_in_local_time(
    harness_each_db: Harness,
) -> None:
    h = harness_each_db
    r = await nho(h)
    # Eva opens region 2's pair file, Kari her own region's.
    await reply(h, r.eva, f"/pair {r.lars_pair}")
    await reply(h, r.kari, f"/pair {r.kari_pair}")
    mine = await reply(h, r.kari, "/audit")
    assert f"pair:{r.kari_pair}" in mine
    assert f"pair:{r.lars_pair}" not in mine
    whole = await reply(h, r.eva, "/audit")
    assert f"pair:{r.kari_pair}" in whole and f"pair:{r.lars_pair}" in whole
    # The programme's time zone, not UTC.
    local = h.clock.now().astimezone(ZoneInfo("Europe/Oslo"))
    assert f"{local:%H:%M}" in mine and "UTC" not in mine


# 11. the alert group never reads what participants wrote


HELP_WORDS = "I lost my housing and cannot focus."


async def ask_for_help_in_words(h: Harness, amina: SimUser) -> None:
    """Amina's check-in: score 2, "I need help", then what she needs help with."""
    await amina.send("/met")
    await amina.press(await amina.next_message(), "Yesterday, 1 hour")
    await amina.press(await amina.next_message(), "2")
    await amina.press(await amina.next_message(), "Done")
    await amina.press(await amina.next_message(), "I need help")
    await amina.next_message()
    await amina.send(HELP_WORDS)
    await amina.next_message()
    await h.deliver()
    await h.tick()  # the low score's alert
    await h.emulator.wait_until_idle()


async def test_the_alert_group_reads_kinds_and_pairs_and_show_pair_goes_privately(
    harness: Harness,
) -> None:
    h = harness
    programme = await h.programme(language="en")
    kari = await coordinator_of(h, programme)
    eva = await coordinator_of(h, programme, user_id=102, name="Eva")
    h.emulator.never_started(eva.id)  # Eva is in the group, never wrote to the bot since
    _ola, amina, pair_id = await h.active_pair(programme)
    team = h.emulator.group(-500, "Mentor team")
    await kari.send_in_group(team, "/bindalerts")
    await team.next_message()
    await ask_for_help_in_words(h, amina)

    posts = [m.text or "" for m in team.inbox()]
    assert any(f"Pair #{pair_id}" in t and "asked for help" in t for t in posts), posts
    assert any(f"Pair #{pair_id}" in t and "low score" in t for t in posts), posts
    assert not any("housing" in t for t in posts), posts
    assert not any("score 2" in t for t in posts), posts

    # Show pair: the file goes to Kari privately, nothing of it into the group.
    [help_post] = [m for m in team.inbox() if "asked for help" in (m.text or "")]
    in_group, privately = len(team.inbox()), len(kari.inbox())
    await kari.press(help_post, "Show pair")
    await h.emulator.wait_for(lambda: len(kari.inbox()) > privately, 10, "the pair's file")
    await h.emulator.wait_until_idle()
    assert any(HELP_WORDS in t for t in texts(kari, privately))
    assert len(team.inbox()) == in_group
    # Eva never opened a private chat: the group tells her how, without the file.
    await eva.press(help_post, "Show pair")
    await h.emulator.wait_for(lambda: len(team.inbox()) > in_group, 10, "the hint to Eva")
    told = team.last_message()
    assert "Eva" in (told.text or "") and "private chat" in (told.text or "")

    # A week on, with a note and the weekly digest: nothing any participant wrote (help
    # text, comments, goals) nor a coordinator's note ever reached the group.
    await reply(h, kari, f"/note {pair_id} NOTE-WORDS about Amina's housing")
    await run_until(h, oslo(2026, 3, 9, 8, 30), step=timedelta(hours=12))
    group = [m.text or m.caption or "" for m in team.inbox()]
    assert any(t.startswith("📋 Weekly digest") for t in group)
    for written in ("housing", "NOTE-WORDS", "Speak Norwegian at work", "«"):
        assert not any(written in t for t in group), written


async def test_participants_in_the_alert_group_leave_it_pair_numbers_only(
    harness: Harness,
) -> None:
    h = harness
    programme = await h.programme(language="en")
    kari = await coordinator_of(h, programme)
    ola, amina, pair_id = await h.active_pair(programme)
    team = h.emulator.group(-500, "Mentor team")
    team.join(ola)  # the mentor is in the coordinators' group
    await kari.send_in_group(team, "/bindalerts")
    await team.next_message()
    await h.deliver()

    def warned() -> list[str]:
        return [m.text or "" for m in team.inbox() if "participant" in (m.text or "")]

    await h.emulator.wait_for(lambda: bool(warned()), 10, "the warning about participants")
    assert "pair numbers only" in warned()[0] and "Ola" not in warned()[0]

    await ask_for_help(h, pair_id, amina)
    [post] = about(team, pair_id)
    assert "Ola" not in (post.text or "") and "Amina" not in (post.text or "")
    team.catch_up()
    await kari.send_in_group(team, "/stalled")
    stalled = (await team.next_message()).text or ""
    assert f"#{pair_id}" in stalled and "Ola" not in stalled and "Amina" not in stalled
    # Monday's digest too, which lists the meeting they planned: pair numbers only.
    async with h.services.db.unit() as uow:
        view = await uow.pairs.pair_view(pair_id)
        assert view is not None
        await uow.meetings.add_planned(
            pair_id=pair_id,
            planned_on=date(2026, 3, 11),
            planned_time=time(17, 0),
            proposed_by=view.mentor.id,
            now=h.clock.now(),
        )
    await run_until(h, oslo(2026, 3, 9, 8, 30), step=timedelta(hours=12))
    [digest] = [m.text or "" for m in team.inbox() if (m.text or "").startswith("📋 Weekly")]
    assert f"#{pair_id}" in digest
    assert "Ola" not in digest and "Amina" not in digest

    # He leaves; the next day's check gives the group its names back.
    team.leave(ola)
    h.clock.advance(timedelta(days=1, minutes=1))
    await h.core.alerts.check_due_groups(present_in(h.application.bot), timedelta(days=1))
    await h.deliver()
    await h.emulator.wait_for(
        lambda: "Alerts show names again" in (team.last_message().text or ""), 10, "names again"
    )
