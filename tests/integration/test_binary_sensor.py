"""Binary sensors: snapshots per motorization, lock semantics, openings, charging."""

from __future__ import annotations

from datetime import UTC, datetime
from unittest.mock import patch

from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNKNOWN, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, snapshot_platform
from syrupy.assertion import SnapshotAssertion

from custom_components.psa_connected_car.api.models import (
    Charging,
    Doors,
    Energy,
    Kinetic,
    Vehicle,
    VehicleData,
    VehicleStatus,
)
from custom_components.psa_connected_car.binary_sensor import BINARY_SENSORS
from custom_components.psa_connected_car.entity import wanted

from .common import MockPSA, setup_integration
from .entity_helpers import FIXTURES, load_vehicle, setup_vehicle, states_by_key

AT = datetime(2026, 3, 14, 7, 58, tzinfo=UTC)
DESCRIPTIONS = {description.key: description for description in BINARY_SENSORS}


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
@pytest.mark.parametrize("fixture", FIXTURES)
async def test_binary_sensors(
    hass: HomeAssistant,
    *,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    mock_psa: MockPSA,
    mock_config_entry: MockConfigEntry,
    fixture: str,
) -> None:
    """Every binary sensor of an electric, a plug-in hybrid, a thermal and a 2021-format car."""
    load_vehicle(mock_psa, fixture)
    with patch("custom_components.psa_connected_car.PLATFORMS", [Platform.BINARY_SENSOR]):
        await setup_integration(hass, mock_config_entry)
    await snapshot_platform(hass, entity_registry, snapshot, mock_config_entry.entry_id)


def read(key: str, status: VehicleStatus | None) -> bool | None:
    vehicle = Vehicle(id="id", vin="VR3TESTELECTRIC01", motorization="Electric")
    return DESCRIPTIONS[key].value_fn(VehicleData(vehicle=vehicle, status=status))


@pytest.mark.parametrize(
    ("locked_states", "unlocked"),
    [
        (("Locked",), False),
        (("SuperLocked",), False),
        (("Locked", "RearDoorsLocked"), False),
        (("Unlocked",), True),
        # Any unlocked part makes the car unlocked (a thief only needs one door).
        (("Locked", "RearDoorsUnlocked"), True),
        (("DriverDoorUnlocked",), True),
        (("TrunkUnLocked", "Locked"), True),
        ((), None),
    ],
)
def test_lock_is_on_when_unlocked(locked_states: tuple[str, ...], unlocked: bool | None) -> None:
    """Home Assistant's lock device class: on means unlocked."""
    status = VehicleStatus(doors=Doors(locked_states=locked_states))
    assert read("lock", status) is unlocked


async def test_lock_states(
    hass: HomeAssistant, mock_psa: MockPSA, mock_config_entry: MockConfigEntry
) -> None:
    """The thermal car is unlocked with its trunk open; the electric one locked and closed."""
    vin = load_vehicle(mock_psa, "thermal")
    await setup_integration(hass, mock_config_entry)
    states = states_by_key(hass, vin, "binary_sensor")
    assert states["lock"].state == STATE_ON
    assert states["lock"].attributes["device_class"] == "lock"
    assert states["trunk"].state == STATE_ON
    assert states["driver_door"].state == STATE_OFF


@pytest.mark.parametrize(
    ("status", "charging"),
    [("InProgress", True), ("Finished", False), ("Disconnected", False), (None, None)],
)
def test_charging(status: str | None, charging: bool | None) -> None:
    energy = Energy(type="Electric", charging=Charging(status=status))
    assert read("charging", VehicleStatus(electric=energy)) is charging
    assert read("charging", VehicleStatus()) is None
    assert read("charging", None) is None


def test_openings_only_where_reported() -> None:
    """Doors every car has exist before data; a window or hood only once the car reports it."""
    vehicle = Vehicle(id="id", vin="VR3TESTELECTRIC01", motorization="Thermic")
    no_status = VehicleData(vehicle=vehicle)
    created = {d.key for d in BINARY_SENSORS if wanted(d, no_status)}
    assert created == {
        "moving",
        "lock",
        "driver_door",
        "passenger_door",
        "rear_left_door",
        "rear_right_door",
        "trunk",
    }
    doors = Doors(locked_states=("Locked",), openings={"Driver": False, "RoofWindow": True})
    reported = VehicleData(vehicle=vehicle, status=VehicleStatus(doors=doors))
    created = {d.key for d in BINARY_SENSORS if wanted(d, reported)}
    assert created == {"lock", "driver_door", "roof_window"}
    assert read("roof_window", VehicleStatus(doors=doors)) is True
    assert read("passenger_door", VehicleStatus(doors=doors)) is None


def test_disabled_by_default() -> None:
    disabled = {d.key for d in BINARY_SENSORS if d.entity_registry_enabled_default is False}
    # charging and preconditioning repeat the enabled status sensors (see binary_sensor.py).
    assert disabled == {
        "charging",
        "preconditioning",
        "rear_window",
        "roof_window",
        "alarm",
        "daylight",
    }


async def test_no_charging_entities_on_a_thermal_car(
    hass: HomeAssistant, mock_psa: MockPSA, mock_config_entry: MockConfigEntry
) -> None:
    vin = await setup_vehicle(hass, mock_psa, mock_config_entry, None, motorization="Thermic")
    states = states_by_key(hass, vin, "binary_sensor")
    assert not {"plugged_in", "charging"} & set(states)
    assert states["lock"].state == STATE_UNKNOWN


async def test_moving(
    hass: HomeAssistant, mock_psa: MockPSA, mock_config_entry: MockConfigEntry
) -> None:
    status = VehicleStatus(updated_at=AT, kinetic=Kinetic(updated_at=AT, moving=True, speed=40))
    vin = await setup_vehicle(hass, mock_psa, mock_config_entry, status)
    states = states_by_key(hass, vin, "binary_sensor")
    assert states["moving"].state == STATE_ON
    assert "lock" not in states  # the car sent a status without its doors
