"""The repair issues where the user must act: each raised when it happens, gone once resolved.

``vehicle_gone`` (a car left the account; its fix flow, run through the repairs HTTP API as the
frontend does, removes the device), ``invalid_client`` (the app credentials refused),
``remote_auth`` (the remote-commands pairing lost) and ``push_down`` (no push event for long).
The account is the mocked client of common.py; remote commands use the fakes of
test_remote_entities.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from http import HTTPStatus
import json
from pathlib import Path
import string
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import (
    device_registry as dr,
    entity_registry as er,
    issue_registry as ir,
)
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import (
    CLIENT_ID,
    MockConfigEntry,
    MockUser,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.psa_connected_car.api.exceptions import (
    PSAInvalidClientError,
    PSARemoteAuthError,
)
from custom_components.psa_connected_car.const import DOMAIN, TICK_INTERVAL

from .common import (
    T0,
    VIN_1,
    VIN_2,
    MockPSA,
    create_entry,
    get_device,
    setup_integration,
)
from .test_remote_entities import FakeStore, Remote, _patch_remote, act, setup_car

TRANSLATIONS = Path(__file__).parents[2] / "custom_components" / DOMAIN / "translations"
LANGUAGES = ("en", "de", "es", "fr", "it", "nl")
ENTRY_ID = "01TESTENTRY0000000000000001"
GONE = f"vehicle_gone_{ENTRY_ID}_{VIN_2}"
INVALID_CLIENT = f"invalid_client_{ENTRY_ID}"
REMOTE_AUTH = f"remote_auth_{ENTRY_ID}"
PUSH_DOWN = f"push_down_{ENTRY_ID}"


# --- helpers ---------------------------------------------------------------------------------


def issue(hass: HomeAssistant, issue_id: str) -> ir.IssueEntry | None:
    return ir.async_get(hass).async_get_issue(DOMAIN, issue_id)


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def assert_translated(
    found: ir.IssueEntry, flow_placeholders: dict[str, str] | None = None
) -> None:
    """Every language has the issue's texts, and each placeholder they use is given."""
    given = set(found.translation_placeholders or {})
    for language in LANGUAGES:
        texts = json.loads((TRANSLATIONS / f"{language}.json").read_text(encoding="utf-8"))
        entry = texts["issues"][found.translation_key]
        assert fields(entry["title"]) <= given, (language, entry["title"])
        if found.is_fixable:
            step = entry["fix_flow"]["step"]["confirm"]
            shown = set(flow_placeholders or {})
            assert fields(step["title"]) | fields(step["description"]) <= shown, language
        else:
            assert fields(entry["description"]) <= given, (language, entry["description"])


async def advance(hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float) -> None:
    """Tick by tick, the coordinator running at each."""
    while seconds > 0:
        freezer.tick(timedelta(seconds=min(seconds, TICK_INTERVAL)))
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)
        seconds -= TICK_INTERVAL


def vin_entities(hass: HomeAssistant, vin: str) -> list[er.RegistryEntry]:
    device = get_device(hass, vin)
    if device is None:
        return []
    return er.async_entries_for_device(
        er.async_get(hass), device.id, include_disabled_entities=True
    )


def picture_state(hass: HomeAssistant, vin: str) -> str | None:
    entity_id = er.async_get(hass).async_get_entity_id("image", DOMAIN, f"{vin}_picture")
    state = hass.states.get(entity_id) if entity_id is not None else None
    return state.state if state is not None else None


class FixFlow:
    """The repairs API as the frontend calls it: start a fix flow, then submit its step.

    The client's access token is made when a flow starts: the fixture's would be issued
    before the frozen clock's time, and a token lives 30 minutes, where the tests move hours.
    """

    def __init__(
        self, hass: HomeAssistant, hass_client: ClientSessionGenerator, user: MockUser
    ) -> None:
        self.hass = hass
        self.hass_client = hass_client
        self.user = user
        self.client: Any = None

    async def start(self, issue_id: str) -> dict[str, Any]:
        refresh = await self.hass.auth.async_create_refresh_token(self.user, CLIENT_ID)
        self.client = await self.hass_client(self.hass.auth.async_create_access_token(refresh))
        response = await self.client.post(
            "/api/repairs/issues/fix", json={"handler": DOMAIN, "issue_id": issue_id}
        )
        assert response.status == HTTPStatus.OK, await response.text()
        result: dict[str, Any] = await response.json()
        return result

    async def submit(self, flow_id: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
        response = await self.client.post(f"/api/repairs/issues/fix/{flow_id}", json=data or {})
        assert response.status == HTTPStatus.OK, await response.text()
        result: dict[str, Any] = await response.json()
        return result


@pytest.fixture(name="fix_flow")
async def fix_flow_fixture(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, hass_admin_user: MockUser
) -> FixFlow:
    assert await async_setup_component(hass, "repairs", {})
    return FixFlow(hass, hass_client, hass_admin_user)


@pytest.fixture(name="loaded")
async def loaded_fixture(
    hass: HomeAssistant, mock_psa: MockPSA, freezer: FrozenDateTimeFactory
) -> MockConfigEntry:
    """The mocked account (two cars) set up at T0."""
    freezer.move_to(T0)
    entry = create_entry()
    await setup_integration(hass, entry)
    return entry


async def leave(hass: HomeAssistant, mock_psa: MockPSA, freezer: FrozenDateTimeFactory) -> None:
    """The second car leaves the account; the hourly vehicle list sees it."""
    mock_psa.vehicles = [car for car in mock_psa.vehicles if car.vin != VIN_2]
    await advance(hass, freezer, 3600)


# --- a car that left the account ----------------------------------------------------------------


async def test_gone_car_keeps_its_device_with_a_fixable_issue(
    hass: HomeAssistant, mock_psa: MockPSA, loaded: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    entities = {entry.entity_id for entry in vin_entities(hass, VIN_2)}
    assert entities
    assert issue(hass, GONE) is None

    await leave(hass, mock_psa, freezer)
    assert VIN_2 not in loaded.runtime_data.data
    assert {entry.entity_id for entry in vin_entities(hass, VIN_2)} == entities
    for entity_id in entities:
        state = hass.states.get(entity_id)
        assert state is None or state.state == STATE_UNAVAILABLE, entity_id
    found = issue(hass, GONE)
    assert found is not None
    assert found.is_fixable
    assert found.severity is ir.IssueSeverity.WARNING
    assert found.translation_key == "vehicle_gone"
    device = get_device(hass, VIN_2)
    assert device is not None
    assert found.translation_placeholders == {"vehicle": device.name, "title": loaded.title}
    assert picture_state(hass, VIN_1) not in (None, STATE_UNAVAILABLE)  # the other car is fine


async def test_fix_flow_removes_the_device_and_a_car_back_is_built_again(
    hass: HomeAssistant,
    mock_psa: MockPSA,
    loaded: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    fix_flow: FixFlow,
) -> None:
    car = next(car for car in mock_psa.vehicles if car.vin == VIN_2)
    await leave(hass, mock_psa, freezer)
    device = get_device(hass, VIN_2)
    assert device is not None
    # The user renamed the car: the flow names it so.
    dr.async_get(hass).async_update_device(device.id, name_by_user="Grandma's car")

    result = await fix_flow.start(GONE)
    assert result["type"] == FlowResultType.FORM
    assert result["step_id"] == "confirm"
    placeholders = result["description_placeholders"]
    assert placeholders == {"vehicle": "Grandma's car", "title": loaded.title}
    found = issue(hass, GONE)
    assert found is not None
    assert_translated(found, placeholders)

    result = await fix_flow.submit(result["flow_id"])
    await hass.async_block_till_done()
    assert result["type"] == FlowResultType.CREATE_ENTRY
    assert get_device(hass, VIN_2) is None
    assert er.async_get(hass).async_get_entity_id("image", DOMAIN, f"{VIN_2}_picture") is None
    assert issue(hass, GONE) is None
    assert get_device(hass, VIN_1) is not None  # only that car
    await advance(hass, freezer, 3600)  # the next vehicle list raises nothing again
    assert issue(hass, GONE) is None

    # It comes back: a device again, its entities built again.
    mock_psa.vehicles.append(car)
    await advance(hass, freezer, 3600)
    assert get_device(hass, VIN_2) is not None
    assert picture_state(hass, VIN_2) not in (None, STATE_UNAVAILABLE)
    assert issue(hass, GONE) is None


async def test_car_back_before_the_fix_works_again_without_duplicates(
    hass: HomeAssistant,
    mock_psa: MockPSA,
    loaded: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    car = next(car for car in mock_psa.vehicles if car.vin == VIN_2)
    before = sorted(entry.entity_id for entry in vin_entities(hass, VIN_2))
    await leave(hass, mock_psa, freezer)
    assert picture_state(hass, VIN_2) == STATE_UNAVAILABLE
    assert issue(hass, GONE) is not None

    mock_psa.vehicles.append(car)
    await advance(hass, freezer, 3600)
    assert issue(hass, GONE) is None
    assert picture_state(hass, VIN_2) not in (None, STATE_UNAVAILABLE)
    assert sorted(entry.entity_id for entry in vin_entities(hass, VIN_2)) == before
    assert "already exists" not in caplog.text  # no entity was added twice


async def test_restart_finds_the_gone_car_by_its_device(
    hass: HomeAssistant, mock_psa: MockPSA, loaded: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    """The car left while Home Assistant was off: the setup compares devices and vehicle list."""
    car = next(car for car in mock_psa.vehicles if car.vin == VIN_2)
    assert await hass.config_entries.async_unload(loaded.entry_id)
    mock_psa.vehicles = [car for car in mock_psa.vehicles if car.vin != VIN_2]
    assert await hass.config_entries.async_setup(loaded.entry_id)
    await hass.async_block_till_done()
    found = issue(hass, GONE)
    assert found is not None
    assert found.translation_placeholders is not None
    assert found.translation_placeholders["title"] == loaded.title
    assert get_device(hass, VIN_2) is not None
    assert picture_state(hass, VIN_2) == STATE_UNAVAILABLE  # the registry keeps the entity

    # Unloading keeps it (the device is still there); the next setup raises it again.
    assert await hass.config_entries.async_unload(loaded.entry_id)
    assert issue(hass, GONE) is not None
    ir.async_delete_issue(hass, DOMAIN, GONE)  # a restart forgets a non-persistent issue
    assert await hass.config_entries.async_setup(loaded.entry_id)
    await hass.async_block_till_done()
    assert issue(hass, GONE) is not None

    # Back: the same entities, working, and the issue goes.
    mock_psa.vehicles.append(car)
    await advance(hass, freezer, 3600)
    assert issue(hass, GONE) is None
    assert picture_state(hass, VIN_2) not in (None, STATE_UNAVAILABLE)


async def test_removing_the_entry_removes_its_issues(
    hass: HomeAssistant, mock_psa: MockPSA, loaded: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    await leave(hass, mock_psa, freezer)
    ir.async_create_issue(
        hass, DOMAIN, INVALID_CLIENT, is_fixable=False, severity=ir.IssueSeverity.ERROR,
        translation_key="invalid_client", translation_placeholders={"title": loaded.title},
    )  # fmt: skip
    ir.async_create_issue(
        hass, DOMAIN, "invalid_client_OTHERENTRY", is_fixable=False,
        severity=ir.IssueSeverity.ERROR, translation_key="invalid_client",
    )  # fmt: skip
    await hass.config_entries.async_remove(loaded.entry_id)
    await hass.async_block_till_done()
    assert issue(hass, GONE) is None
    assert issue(hass, INVALID_CLIENT) is None
    assert issue(hass, "invalid_client_OTHERENTRY") is not None  # another entry's stays


# --- the app credentials refused -------------------------------------------------------------


async def test_invalid_client_raised_then_cleared_by_a_good_round(
    hass: HomeAssistant, mock_psa: MockPSA, loaded: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    statuses = dict(mock_psa.statuses)
    mock_psa.statuses = {key: PSAInvalidClientError("refused") for key in statuses}
    await advance(hass, freezer, 600)
    found = issue(hass, INVALID_CLIENT)
    assert found is not None
    assert not found.is_fixable
    assert found.severity is ir.IssueSeverity.ERROR
    assert found.translation_placeholders == {"title": loaded.title}
    assert_translated(found)

    mock_psa.statuses = statuses  # reconfigured, or the servers took them again
    await advance(hass, freezer, 600)
    assert loaded.runtime_data.last_update_success
    assert issue(hass, INVALID_CLIENT) is None


# --- the remote-commands pairing lost --------------------------------------------------------


@pytest.fixture(name="remote")
def remote_fixture() -> Iterator[Remote]:
    yield from _patch_remote(Remote(store=FakeStore(paired=True)))


async def lose_pairing(hass: HomeAssistant, remote: Remote) -> ir.IssueEntry:
    remote.tokens.error = PSARemoteAuthError("OTP refused")
    with pytest.raises(PSARemoteAuthError):
        await remote.manager.async_force_refresh()
    found = issue(hass, REMOTE_AUTH)
    assert found is not None
    return found


async def test_remote_auth_cleared_by_a_token_that_works_again(
    hass: HomeAssistant, mock_psa: MockPSA, remote: Remote
) -> None:
    entry = create_entry()
    await setup_car(hass, mock_psa, entry)
    found = await lose_pairing(hass, remote)
    assert not found.is_fixable
    assert found.translation_placeholders == {"title": entry.title}
    assert_translated(found)

    remote.tokens.error = None
    assert await remote.manager.async_get_token() == "mqtt-access"
    assert issue(hass, REMOTE_AUTH) is None


async def test_remote_auth_cleared_by_a_command_answered(
    hass: HomeAssistant, mock_psa: MockPSA, remote: Remote
) -> None:
    await setup_car(hass, mock_psa, create_entry())
    await lose_pairing(hass, remote)
    await act(hass, "button", "press", "horn")  # the commander answers 0
    assert issue(hass, REMOTE_AUTH) is None


async def test_remote_auth_cleared_by_turning_remote_commands_off(
    hass: HomeAssistant, mock_psa: MockPSA, remote: Remote
) -> None:
    entry = create_entry()
    await setup_car(hass, mock_psa, entry)
    await lose_pairing(hass, remote)
    # Unloading alone keeps it: the pairing is still the lost one.
    assert await hass.config_entries.async_unload(entry.entry_id)
    assert issue(hass, REMOTE_AUTH) is not None
    remote.store.paired = False  # options ▸ Remote commands ▸ Turn off, then the reload
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert issue(hass, REMOTE_AUTH) is None


async def test_remote_auth_cleared_by_a_new_pairing(
    hass: HomeAssistant, mock_psa: MockPSA, remote: Remote
) -> None:
    entry = create_entry()
    await setup_car(hass, mock_psa, entry)
    await lose_pairing(hass, remote)
    remote.tokens.error = None  # paired again: the reload starts a manager that gets in
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert issue(hass, REMOTE_AUTH) is not None  # not before the broker or a token says so
    remote.manager.handle_connection(True)
    assert issue(hass, REMOTE_AUTH) is None


# --- push down for long ------------------------------------------------------------------------


async def test_push_down_raised_after_long_and_cleared_when_back(
    hass: HomeAssistant, mock_psa: MockPSA, remote: Remote, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to(T0)
    entry = create_entry()
    await setup_integration(hass, entry)
    coordinator = entry.runtime_data
    coordinator.push_issue_after = 2 * 3600  # a day is long for a test
    remote.manager.quiet_limit = 2 * 3600
    remote.connection.connected = False
    remote.manager.handle_connection(False)
    await advance(hass, freezer, 3600)
    assert issue(hass, PUSH_DOWN) is None  # not at once

    await advance(hass, freezer, 3600 + 2 * TICK_INTERVAL)
    found = issue(hass, PUSH_DOWN)
    assert found is not None
    assert not found.is_fixable
    assert found.translation_placeholders == {"title": entry.title, "hours": "2"}
    assert_translated(found)

    remote.connection.connected = True
    remote.manager.handle_connection(True)
    await advance(hass, freezer, TICK_INTERVAL)
    assert issue(hass, PUSH_DOWN) is None
    assert get_device(hass, VIN_1) is not None
