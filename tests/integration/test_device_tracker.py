"""Device tracker: the vehicle's position and picture."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.zone import DOMAIN as ZONE_DOMAIN
from homeassistant.const import STATE_HOME, STATE_NOT_HOME, STATE_UNKNOWN, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, snapshot_platform
from syrupy.assertion import SnapshotAssertion

from custom_components.psa_connected_car.api.models import Position, VehicleStatus
from custom_components.psa_connected_car.api.parsers import parse_status

from .common import MockPSA, setup_integration
from .entity_helpers import (
    FIXTURES,
    load_payload,
    load_vehicle,
    refresh,
    setup_vehicle,
    states_by_key,
)

AT = datetime(2026, 3, 14, 7, 58, tzinfo=UTC)


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
@pytest.mark.parametrize("fixture", FIXTURES)
async def test_device_tracker(
    hass: HomeAssistant,
    *,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    mock_psa: MockPSA,
    mock_config_entry: MockConfigEntry,
    fixture: str,
) -> None:
    """The tracker of an electric, a plug-in hybrid, a thermal and a 2021-format car."""
    load_vehicle(mock_psa, fixture)
    with patch("custom_components.psa_connected_car.PLATFORMS", [Platform.DEVICE_TRACKER]):
        await setup_integration(hass, mock_config_entry)
    await snapshot_platform(hass, entity_registry, snapshot, mock_config_entry.entry_id)


async def test_main_entity(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    mock_psa: MockPSA,
    mock_config_entry: MockConfigEntry,
) -> None:
    """Named after the vehicle, a primary entity (not diagnostic), with the first picture."""
    vin = load_vehicle(mock_psa, "electric")
    await setup_integration(hass, mock_config_entry)
    state = states_by_key(hass, vin, "device_tracker")["location"]
    entry = entity_registry.async_get(state.entity_id)
    assert entry is not None
    assert entry.entity_category is None
    assert entry.has_entity_name
    assert state.name == "Peugeot Electric"
    assert state.attributes["entity_picture"] == (
        "https://pictures.example.com/test-electric/view-001.png"
    )
    assert state.attributes["source_type"] == "gps"
    assert state.attributes["latitude"] == 48.1173
    assert state.attributes["longitude"] == -1.6775
    assert state.attributes["gps_accuracy"] == 10
    assert state.attributes["heading"] == 212


async def test_home_and_away(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    mock_psa: MockPSA,
    mock_config_entry: MockConfigEntry,
) -> None:
    """The state owners automate on: home when the car is in the home zone."""
    hass.config.latitude, hass.config.longitude = 48.1173, -1.6775
    assert await async_setup_component(hass, ZONE_DOMAIN, {})
    vin = await setup_vehicle(hass, mock_psa, mock_config_entry, parked_at(48.1174, -1.6776))
    assert states_by_key(hass, vin, "device_tracker")["location"].state == STATE_HOME

    mock_psa.statuses = {f"id-{vin[-4:]}": parked_at(48.2, -1.5, minutes=30)}
    await refresh(hass, freezer, mock_config_entry)
    state = states_by_key(hass, vin, "device_tracker")["location"]
    assert state.state == STATE_NOT_HOME
    assert state.attributes["latitude"] == 48.2


def parked_at(latitude: float, longitude: float, minutes: int = 0) -> VehicleStatus:
    at = AT + timedelta(minutes=minutes)
    position = Position(latitude=latitude, longitude=longitude, type="Acquire", updated_at=at)
    return VehicleStatus(updated_at=at, position=position)


async def test_placeholder_position_is_unknown(
    hass: HomeAssistant, mock_psa: MockPSA, mock_config_entry: MockConfigEntry
) -> None:
    """Coordinates [0, 0] are the API's "no position": unknown, not the Gulf of Guinea."""
    payload = load_payload("electric")["status"]
    payload["lastPosition"]["geometry"]["coordinates"] = [0, 0]
    vin = await setup_vehicle(hass, mock_psa, mock_config_entry, parse_status(payload))
    state = states_by_key(hass, vin, "device_tracker")["location"]
    assert state.state == STATE_UNKNOWN
    assert "latitude" not in state.attributes


async def test_privacy_hides_the_position(
    hass: HomeAssistant, mock_psa: MockPSA, mock_config_entry: MockConfigEntry
) -> None:
    """The thermal car is in privacy mode "geolocation": no position, tracker unknown."""
    vin = load_vehicle(mock_psa, "thermal")
    await setup_integration(hass, mock_config_entry)
    state = states_by_key(hass, vin, "device_tracker")["location"]
    assert state.state == STATE_UNKNOWN
    assert "entity_picture" not in state.attributes  # the thermal car has no picture


async def test_tracker_without_data(
    hass: HomeAssistant, mock_psa: MockPSA, mock_config_entry: MockConfigEntry
) -> None:
    """A car that never sent a status still has its tracker (and picture), unknown."""
    vin = await setup_vehicle(hass, mock_psa, mock_config_entry, None)
    state = states_by_key(hass, vin, "device_tracker")["location"]
    assert state.state == STATE_UNKNOWN
    assert state.attributes["entity_picture"].endswith("/001.png")
