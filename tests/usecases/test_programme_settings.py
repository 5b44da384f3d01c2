"""/programme's use cases on the database: who may look and who may change, a setting
written from its button's words, and the typed number kept as a dialogue between
messages."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.domain.access import Actor
from bot.domain.programme_settings import Setting
from bot.domain.rhythm import CadenceKind
from bot.usecases.programme_settings import NumberAsked, SettingsProblem, SettingsView
from bot.usecases.refusal import Refusal
from tests.usecases.conftest import World


async def test_a_coordinator_of_the_whole_programme_sees_what_they_may_change(
    world: World,
) -> None:
    settings = world.core.programme_settings
    view = await settings.view(await world.actor("kari"), world.programme.id)
    assert isinstance(view, SettingsView)
    assert view.may_change and view.regions == ()
    assert {c.name for c in view.cohorts} == {"Oslo", "Bergen"}, "both regions run now"
    assert view.next_digest is not None and view.next_digest > world.clock.now()
    assert [p.id for p in await settings.programmes(await world.actor("kari"))] == [
        world.programme.id
    ]


async def test_a_regions_coordinator_may_look_but_not_change(world: World) -> None:
    settings = world.core.programme_settings
    lars = await world.actor("lars")
    view = await settings.view(lars, world.programme.id)
    assert isinstance(view, SettingsView)
    assert not view.may_change
    assert view.regions == view.cohorts == (world.oslo,)
    assert await settings.for_change(lars, world.programme.id) == Refusal(
        SettingsProblem.REGION_ONLY
    )
    refused = await settings.change(lars, world.programme.id, Setting.CADENCE, "twice_monthly")
    assert refused == Refusal(SettingsProblem.REGION_ONLY)
    assert (await world.programme_now()).cadence == "monthly"


@pytest.mark.parametrize("name", ["ola", "amina", "nils"])
async def test_participants_and_other_programmes_coordinators_may_not_even_look(
    world: World, name: str
) -> None:
    settings = world.core.programme_settings
    actor = await world.actor(name)
    assert await settings.view(actor, world.programme.id) == Refusal(SettingsProblem.NOT_ALLOWED)
    assert await settings.for_change(actor, world.programme.id) == Refusal(
        SettingsProblem.NOT_ALLOWED
    )
    refused = await settings.change(actor, world.programme.id, Setting.HOURS, "08-21")
    assert refused == Refusal(SettingsProblem.NOT_ALLOWED)
    assert world.programme.id not in [p.id for p in await settings.programmes(actor)]
    assert (await world.programme_now()).day_ends == world.programme.day_ends


@pytest.mark.parametrize(
    ("setting", "text", "column", "value"),
    [
        (Setting.CADENCE, "twice_monthly", "cadence", "twice_monthly"),
        (Setting.MORNING_REMINDER, "on", "morning_reminder", True),
        (Setting.COUNTRY, "se", "country", "SE"),
    ],
)
async def test_a_setting_is_written_from_its_words(
    world: World, setting: Setting, text: str, column: str, value: object
) -> None:
    changed = await world.core.programme_settings.change(
        await world.actor("kari"), world.programme.id, setting, text
    )
    assert isinstance(changed, SettingsView) and changed.changed is setting
    assert getattr(changed.programme, column) == value
    assert getattr(await world.programme_now(), column) == value


@pytest.mark.parametrize(
    ("setting", "text"),
    [
        (Setting.CADENCE, "fortnightly"),  # not a cadence
        (Setting.HOURS, "20-09"),  # ends before it starts
        (Setting.NAME, "New name"),  # a setting the chat does not change
    ],
)
async def test_words_that_cannot_be_used_change_nothing(
    world: World, setting: Setting, text: str
) -> None:
    before = await world.programme_now()
    refused = await world.core.programme_settings.change(
        await world.actor("kari"), world.programme.id, setting, text
    )
    assert refused == Refusal(SettingsProblem.NOT_UNDERSTOOD)
    assert await world.programme_now() == before


async def test_a_typed_number_is_asked_again_until_it_can_be_used(world: World) -> None:
    settings = world.core.programme_settings
    kari = await world.actor("kari")
    asked = await settings.ask_number(kari, world.programme.id, CadenceKind.MINUTES)
    assert isinstance(asked, NumberAsked) and asked.problem is None
    again = await settings.typed(kari, "lots")
    assert isinstance(again, NumberAsked) and again.problem is SettingsProblem.BAD_NUMBER
    assert again.kind is CadenceKind.MINUTES
    done = await settings.typed(kari, "90 minutes")
    assert isinstance(done, SettingsView) and done.changed is Setting.CADENCE
    assert (await world.programme_now()).cadence == "minutes:90"
    assert await settings.typed(kari, "120") is None, "the question is closed"


async def test_a_button_or_a_cancel_closes_the_typed_question(world: World) -> None:
    settings = world.core.programme_settings
    kari = await world.actor("kari")
    await settings.ask_number(kari, world.programme.id, CadenceKind.PER_COHORT)
    await settings.change(kari, world.programme.id, Setting.CADENCE, "monthly")
    assert await settings.typed(kari, "6") is None
    await settings.ask_number(kari, world.programme.id, CadenceKind.PER_COHORT)
    await settings.stop_typing(kari)
    assert await settings.typed(kari, "6") is None
    assert (await world.programme_now()).cadence == "monthly"


async def test_a_number_is_asked_only_of_who_may_change_and_only_for_typed_cadences(
    world: World,
) -> None:
    settings = world.core.programme_settings
    lars, kari = await world.actor("lars"), await world.actor("kari")
    region = await settings.ask_number(lars, world.programme.id, CadenceKind.MINUTES)
    assert region == Refusal(SettingsProblem.REGION_ONLY)
    assert await settings.typed(lars, "90") is None, "no question was opened"
    monthly = await settings.ask_number(kari, world.programme.id, CadenceKind.MONTHLY)
    assert monthly == Refusal(SettingsProblem.NOT_UNDERSTOOD)


async def test_a_typed_number_after_losing_the_right_to_change_is_refused(world: World) -> None:
    settings = world.core.programme_settings
    kari = await world.actor("kari")
    await settings.ask_number(kari, world.programme.id, CadenceKind.MINUTES)
    # Kari is made a coordinator of one region only before she answers.
    regional = Actor(
        kari.person, tuple(replace(m, cohort_id=world.oslo.id) for m in kari.memberships)
    )
    assert await settings.typed(regional, "90") == Refusal(SettingsProblem.REGION_ONLY)
    assert await settings.typed(kari, "90") is None, "the question was closed"
    assert (await world.programme_now()).cadence == "monthly"
