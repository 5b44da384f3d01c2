"""Holes a region's coordinator found by attacking the bot (NHO preset): what is the
whole programme's (its alert chat, its agreement, its audit log) stays the whole
programme's, and a region's coordinator reaches only the region."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.model import Programme, Role
from bot.domain.programmes import preset
from bot.emulator import SimUser
from bot.programmes import Programmes
from tests.e2e.cohorts import activate_pair, join, texts
from tests.e2e.conftest import Harness


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
    found = preset("nho")
    assert found is not None
    made = await Programmes(h.db, h.clock).create(
        name="Global Future", timezone="Europe/Oslo", language="en", preset=found
    )
    programme, cohorts = made.programme, made.cohorts
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
