"""What a block kept from a person is offered again when they can be reached: a meeting
proposal that got 403 reaches them after they unblock, unless it stopped being true."""

from __future__ import annotations

from datetime import date

from bot.domain.model import OutboxStatus, Role
from tests.support.harness import Harness


async def test_a_proposal_lost_to_a_block_is_sent_after_the_unblock(harness: Harness) -> None:
    h = harness
    programme = await h.programme()
    ola, amina, pair_id = await h.active_pair(programme)
    await ola.block_bot()
    await h.emulator.wait_until_idle()
    await amina.send("/plan")
    await amina.press(await amina.next_message(), "Fri 6 Mar")
    await amina.next_message()
    await h.deliver()
    async with h.services.db.unit() as uow:
        [proposal] = [i for i in await uow.outbox.outbox_items() if i.kind == "proposal"]
    assert proposal.status is OutboxStatus.FAILED
    await ola.expect_no_message()

    await ola.unblock_bot()
    await ola.send("/status")
    status = await ola.next_message()
    assert "6 March" in (status.text or "")
    await h.deliver()
    again = await ola.next_message()
    assert again.text == "Amina suggests you meet Friday 6 March. Does that work for you?"
    await ola.press(again, "Yes, that works")
    assert "You meet Amina Friday 6 March" in ((await ola.next_message()).text or "")
    del pair_id


async def test_only_what_still_holds_is_offered_again(harness: Harness) -> None:
    """A proposal replaced by a newer date while the person was blocked is not sent;
    the newer one is."""
    h = harness
    programme = await h.programme()
    ola, amina, pair_id = await h.active_pair(programme)
    [adept] = await h.pairing.members(programme.id, Role.ADEPT)
    await ola.block_bot()
    await h.emulator.wait_until_idle()
    assert isinstance(await h.meetings.propose(adept, pair_id, date(2026, 3, 6), None), tuple)
    await h.deliver()
    assert isinstance(await h.meetings.propose(adept, pair_id, date(2026, 3, 10), None), tuple)
    await h.deliver()
    await ola.unblock_bot()
    await ola.send("/help")
    await ola.next_message()
    ola.catch_up()
    await h.deliver()
    again = await ola.next_message()
    assert again.text == "Amina suggests you meet Tuesday 10 March. Does that work for you?"
    await ola.expect_no_message()
    del amina
