"""A programme with regions (NHO Global Future): a region's coordinator hears of the
region's pairs only; a coordinator of the whole programme hears of every pair."""

from __future__ import annotations

from bot.domain.model import Role
from bot.domain.programmes import preset
from bot.domain.stall import Reason, Stall
from bot.programmes import Programmes
from tests.e2e.cohorts import activate_pair, join
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
