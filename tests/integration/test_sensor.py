"""Sensors: snapshots per motorization, and the values they compute."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
import json
import logging
from pathlib import Path
import re
from typing import Any
from unittest.mock import patch
from zoneinfo import ZoneInfo

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
from homeassistant.util import slugify
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, snapshot_platform
from syrupy.assertion import SnapshotAssertion
import yaml

from custom_components.psa_connected_car.api.models import (
    Alert,
    AuxBattery,
    Charging,
    Energy,
    Environment,
    Odometer,
    Position,
    Vehicle,
    VehicleStatus,
)
from custom_components.psa_connected_car.coordinator import VehicleData
from custom_components.psa_connected_car.sensor import SENSORS
from custom_components.psa_connected_car.values import (
    active_alerts,
    charging_end_time,
    delayed_charge_start,
    last_update,
    snake,
    vehicle_energies,
    wanted,
)

from .common import VIN_2, MockPSA, make_vehicle, setup_integration
from .entity_helpers import FIXTURES, load_vehicle, refresh, setup_vehicle, states_by_key

PARIS = ZoneInfo("Europe/Paris")
AT = datetime(2026, 3, 14, 7, 58, tzinfo=UTC)


# --- Snapshots ------------------------------------------------------------------------------------


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
@pytest.mark.parametrize("fixture", FIXTURES)
async def test_sensors(
    hass: HomeAssistant,
    *,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    mock_psa: MockPSA,
    mock_config_entry: MockConfigEntry,
    fixture: str,
) -> None:
    """Every sensor of an electric, a plug-in hybrid, a thermal and a 2021-format car."""
    load_vehicle(mock_psa, fixture)
    with patch("custom_components.psa_connected_car.PLATFORMS", [Platform.SENSOR]):
        await setup_integration(hass, mock_config_entry)
    await snapshot_platform(hass, entity_registry, snapshot, mock_config_entry.entry_id)


# --- What each motorization gets -----------------------------------------------------------------


ELECTRIC_ONLY = {
    "battery_level",
    "electric_range",
    "charging_status",
    "charging_mode",
    "charging_rate",
    "charging_end_time",
    "delayed_charge_start",
}
FUEL_ONLY = {"fuel_level", "fuel_range"}


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
@pytest.mark.parametrize(
    ("fixture", "present", "absent"),
    [
        # The BEV's dummy Fuel energy (autonomy 0, no level) gives no fuel entity.
        ("electric", ELECTRIC_ONLY, FUEL_ONLY | {"fuel_consumption_total"}),
        ("phev", ELECTRIC_ONLY | FUEL_ONLY | {"fuel_consumption_total"}, {"battery_capacity"}),
        ("thermal", FUEL_ONLY | {"coolant_temperature"}, ELECTRIC_ONLY | {"battery_health"}),
        ("legacy", ELECTRIC_ONLY | {"battery_capacity"}, FUEL_ONLY | {"active_alerts"}),
    ],
)
async def test_entities_by_motorization(
    hass: HomeAssistant,
    *,
    mock_psa: MockPSA,
    mock_config_entry: MockConfigEntry,
    fixture: str,
    present: set[str],
    absent: set[str],
) -> None:
    vin = load_vehicle(mock_psa, fixture)
    await setup_integration(hass, mock_config_entry)
    keys = set(states_by_key(hass, vin, "sensor"))
    assert present <= keys
    assert not absent & keys


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
@pytest.mark.parametrize(
    ("motorization", "expected"),
    [
        ("Electric", ELECTRIC_ONLY),
        ("Hybrid", ELECTRIC_ONLY | FUEL_ONLY),
        ("Thermic", FUEL_ONLY),
    ],
)
async def test_no_data_yet(
    hass: HomeAssistant,
    mock_psa: MockPSA,
    mock_config_entry: MockConfigEntry,
    motorization: str,
    expected: set[str],
) -> None:
    """A car that never sent a status gets its motorization's entities, all unknown."""
    common = {
        "odometer",
        "outside_temperature",
        "speed",
        "ignition",
        "aux_battery",
        "privacy",
        "last_update",
    }
    vin = await setup_vehicle(hass, mock_psa, mock_config_entry, None, motorization=motorization)
    states = states_by_key(hass, vin, "sensor")
    # Maintenance comes from its own endpoint (the mock serves it), alerts too (none).
    assert set(states) == expected | common | {"service_days", "service_distance", "active_alerts"}
    for key in expected | common:
        assert states[key].state == STATE_UNKNOWN, key


async def test_disabled_by_default(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    mock_psa: MockPSA,
    mock_config_entry: MockConfigEntry,
) -> None:
    """The less used sensors exist but are disabled until the owner enables them."""
    vin = load_vehicle(mock_psa, "phev")
    await setup_integration(hass, mock_config_entry)
    entries = er.async_entries_for_config_entry(entity_registry, mock_config_entry.entry_id)
    disabled = {
        entry.unique_id.removeprefix(f"{vin}_")
        for entry in entries
        if entry.domain == "sensor" and entry.disabled_by is er.RegistryEntryDisabler.INTEGRATION
    }
    assert disabled == {"speed", "acceleration", "aux_battery", "privacy", "gps_signal_quality"}
    assert {d.key for d in SENSORS if d.entity_registry_enabled_default is False} == {
        "charging_power_level",
        "charging_type",
        "coolant_temperature",
        "oil_temperature",
        "speed",
        "acceleration",
        "aux_battery",
        "privacy",
        "gps_signal_quality",
    }


def test_diagnostic_sensors() -> None:
    diagnostic = {d.key for d in SENSORS if d.entity_category is not None}
    assert diagnostic == {
        "battery_capacity",
        "battery_health",
        "coolant_temperature",
        "oil_temperature",
        "aux_battery",
        "privacy",
        "gps_signal_quality",
        "last_update",
    }


async def test_entity_added_when_the_car_starts_reporting(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    mock_psa: MockPSA,
    mock_config_entry: MockConfigEntry,
) -> None:
    """A field the car did not send at setup gets its entity on the update that brings it."""
    status = VehicleStatus(updated_at=AT, electric=Energy(type="Electric", updated_at=AT, level=50))
    vin = await setup_vehicle(hass, mock_psa, mock_config_entry, status)
    assert "battery_capacity" not in states_by_key(hass, vin, "sensor")

    later = AT + timedelta(minutes=5)
    energy = Energy(type="Electric", updated_at=later, level=51, battery_capacity=50000)
    mock_psa.statuses = {f"id-{vin[-4:]}": replace(status, updated_at=later, electric=energy)}
    await refresh(hass, freezer, mock_config_entry)
    assert states_by_key(hass, vin, "sensor")["battery_capacity"].state == "50.0"


# --- Unknown and unavailable -------------------------------------------------------------------


async def test_placeholders_show_unknown(
    hass: HomeAssistant, mock_psa: MockPSA, mock_config_entry: MockConfigEntry
) -> None:
    """The thermal car sends 215 °C for the outside temperature: unknown, not 215."""
    vin = load_vehicle(mock_psa, "thermal")
    await setup_integration(hass, mock_config_entry)
    assert states_by_key(hass, vin, "sensor")["outside_temperature"].state == STATE_UNKNOWN


async def test_odd_payload_makes_only_that_entity_unavailable(
    hass: HomeAssistant,
    caplog: pytest.LogCaptureFixture,
    freezer: FrozenDateTimeFactory,
    mock_psa: MockPSA,
    mock_config_entry: MockConfigEntry,
) -> None:
    """A reader that raises: that entity is unavailable, logged once at debug, no traceback."""
    caplog.set_level(logging.DEBUG, logger="custom_components.psa_connected_car")
    odd = Energy(
        type="Electric",
        updated_at=AT,
        level=50,
        # A string where a duration belongs: the charging end time cannot be computed.
        charging=Charging(status="InProgress", remaining_time="PT2H"),  # type: ignore[arg-type]
    )
    status = VehicleStatus(updated_at=AT, electric=odd)
    vin = await setup_vehicle(hass, mock_psa, mock_config_entry, status)
    states = states_by_key(hass, vin, "sensor")
    assert states["charging_end_time"].state == STATE_UNAVAILABLE
    assert states["battery_level"].state == "50"
    # Another update that still cannot be read: no second log line.
    mock_psa.statuses = {f"id-{vin[-4:]}": replace(status, electric=replace(odd, level=49))}
    await refresh(hass, freezer, mock_config_entry)
    assert states_by_key(hass, vin, "sensor")["battery_level"].state == "49"
    assert caplog.text.count("Cannot read sensor charging_end_time") == 1
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    ours = [r for r in caplog.records if r.name.startswith("custom_components.psa_connected_car")]
    assert not [r for r in ours if r.levelno >= logging.WARNING]

    fixed = replace(odd, charging=Charging(status="InProgress", remaining_time=timedelta(hours=2)))
    mock_psa.statuses = {f"id-{vin[-4:]}": replace(status, electric=fixed)}
    await refresh(hass, freezer, mock_config_entry)
    state = states_by_key(hass, vin, "sensor")["charging_end_time"]
    assert state.state == "2026-03-14T09:58:00+00:00"


async def test_unexpected_enum_value_is_unknown(
    hass: HomeAssistant, mock_psa: MockPSA, mock_config_entry: MockConfigEntry
) -> None:
    energy = Energy(type="Electric", updated_at=AT, charging=Charging(status="Hibernating"))
    vin = await setup_vehicle(
        hass, mock_psa, mock_config_entry, VehicleStatus(updated_at=AT, electric=energy)
    )
    assert states_by_key(hass, vin, "sensor")["charging_status"].state == STATE_UNKNOWN


async def test_alerts_attribute(
    hass: HomeAssistant, mock_psa: MockPSA, mock_config_entry: MockConfigEntry
) -> None:
    """The count of active alerts, and those alerts as stable translatable keys."""
    vin = load_vehicle(mock_psa, "electric")
    await setup_integration(hass, mock_config_entry)
    state = states_by_key(hass, vin, "sensor")["active_alerts"]
    assert state.state == "1"
    assert state.attributes["alerts"] == [
        {
            "type": "tyre_pressure_fault",
            "severity": "warning",
            "started_at": "2026-03-13T17:20:00+00:00",
        }
    ]


# --- Computed values -----------------------------------------------------------------------------


def electric(**charging: object) -> Energy:
    return Energy(type="Electric", updated_at=AT, charging=Charging(**charging))  # type: ignore[arg-type]


def test_charging_end_is_block_time_plus_remaining(freezer: FrozenDateTimeFactory) -> None:
    """Counted from when the car sent the block, not from now."""
    energy = electric(status="InProgress", remaining_time=timedelta(hours=2, minutes=15))
    assert charging_end_time(energy) == datetime(2026, 3, 14, 10, 13, tzinfo=UTC)
    freezer.move_to(AT + timedelta(hours=1))
    assert charging_end_time(energy) == datetime(2026, 3, 14, 10, 13, tzinfo=UTC)


@pytest.mark.parametrize("status", ["Disconnected", "Finished", "Stopped", "Failure", None])
def test_no_charging_end_when_not_charging(status: str | None) -> None:
    assert charging_end_time(electric(status=status, remaining_time=timedelta(hours=1))) is None


def test_no_charging_end_without_its_parts() -> None:
    assert charging_end_time(None) is None
    assert charging_end_time(Energy(type="Electric", updated_at=AT)) is None
    assert charging_end_time(electric(status="InProgress")) is None
    no_time = replace(electric(status="InProgress", remaining_time=timedelta(1)), updated_at=None)
    assert charging_end_time(no_time) is None


@pytest.mark.parametrize(
    ("block_time", "delay", "expected"),
    [
        # 18:42 in Paris (UTC+1): 22:30 the same evening.
        ("2026-03-15T17:42:00+00:00", timedelta(hours=22, minutes=30), "2026-03-15T21:30:00+00:00"),
        # 23:10 in Paris: already past, so 22:30 the next evening.
        ("2026-03-15T22:10:00+00:00", timedelta(hours=22, minutes=30), "2026-03-16T21:30:00+00:00"),
        # Exactly at the start time: the next occurrence is tomorrow's.
        ("2026-03-15T21:30:00+00:00", timedelta(hours=22, minutes=30), "2026-03-16T21:30:00+00:00"),
        # Midnight in Paris on the day clocks go forward: 06:00 is CEST (UTC+2), not 05:00 UTC.
        ("2026-03-28T23:00:00+00:00", timedelta(hours=6), "2026-03-29T04:00:00+00:00"),
        ("2026-03-15T17:42:00+00:00", timedelta(minutes=2), "2026-03-16T00:02:00+01:00"),
    ],
)
def test_delayed_charge_start_next_occurrence(
    block_time: str, delay: timedelta, expected: str
) -> None:
    energy = replace(
        electric(next_delayed_time=delay), updated_at=datetime.fromisoformat(block_time)
    )
    start = delayed_charge_start(energy, PARIS)
    assert start == datetime.fromisoformat(expected)


@pytest.mark.parametrize("delay", [timedelta(0), timedelta(minutes=1), None, timedelta(days=1)])
def test_no_delayed_charge(delay: timedelta | None) -> None:
    """PT0S and PT1M are what cars send when no delay is set."""
    assert delayed_charge_start(electric(next_delayed_time=delay), PARIS) is None


def test_no_delayed_charge_without_block_time() -> None:
    energy = replace(electric(next_delayed_time=timedelta(hours=3)), updated_at=None)
    assert delayed_charge_start(energy, PARIS) is None
    assert delayed_charge_start(None, PARIS) is None


def test_last_update_is_the_newest_time() -> None:
    status = VehicleStatus(
        updated_at=AT,
        electric=Energy(type="Electric", updated_at=AT + timedelta(minutes=3)),
        fuel=Energy(type="Fuel", updated_at=AT - timedelta(days=300)),
        odometer=Odometer(updated_at=None, mileage=3.0),
        battery=AuxBattery(updated_at=AT - timedelta(minutes=1)),
    )
    assert last_update(status) == AT + timedelta(minutes=3)
    assert last_update(VehicleStatus(updated_at=AT)) == AT
    assert last_update(VehicleStatus()) is None
    assert last_update(None) is None


def test_active_alerts() -> None:
    alerts = [
        Alert(type="AdBlueFault", severity="Warning", active=True, started_at=AT),
        Alert(type="OilLevelLow", severity="Critical", active=False),
        # Without an active flag, an alert is active until it has an end.
        Alert(type="DoorOpen", severity="Information"),
        Alert(type="Other", ended_at=AT),
    ]
    assert active_alerts(alerts) == [
        {"type": "ad_blue_fault", "severity": "warning", "started_at": AT.isoformat()},
        {"type": "door_open", "severity": "information", "started_at": None},
    ]
    assert active_alerts([]) == []
    assert active_alerts(None) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("InProgress", "in_progress"),
        ("StartUp", "start_up"),
        ("Level3", "level3"),
        ("None", "none"),
        ("finished", "finished"),
        ("TooManyUnusedProg", "too_many_unused_prog"),
    ],
)
def test_snake(value: str, expected: str) -> None:
    assert snake(value) == expected


def data(motorization: str | None, status: VehicleStatus | None) -> VehicleData:
    vehicle = Vehicle(id="id", vin="VR3TESTELECTRIC01", motorization=motorization)
    return VehicleData(vehicle=vehicle, status=status)


@pytest.mark.parametrize(
    ("motorization", "status", "expected"),
    [
        ("Electric", None, {"electric"}),
        ("Hybrid", None, {"electric", "fuel"}),
        ("Thermic", None, {"fuel"}),
        ("thermic", None, {"fuel"}),
        (None, None, {"electric", "fuel"}),
        # Unknown motorization: from the status; a dummy Fuel energy (no level/range) is no fuel.
        (
            None,
            VehicleStatus(
                electric=Energy(type="Electric", level=40), fuel=Energy(type="Fuel", level=0)
            ),
            {"electric"},
        ),
        (None, VehicleStatus(fuel=Energy(type="Fuel", level=55)), {"fuel"}),
    ],
)
def test_vehicle_energies(
    motorization: str | None, status: VehicleStatus | None, expected: set[str]
) -> None:
    assert vehicle_energies(data(motorization, status)) == expected


def test_electric_car_never_gets_fuel_sensors() -> None:
    """Even when the dummy Fuel energy carries a level."""
    status = VehicleStatus(
        electric=Energy(type="Electric", level=40), fuel=Energy(type="Fuel", level=3)
    )
    keys = {d.key for d in SENSORS if wanted(d, data("Electric", status))}
    assert "battery_level" in keys
    assert not keys & {"fuel_level", "fuel_range"}


def test_reported_only_sensors_need_a_value() -> None:
    status = VehicleStatus(
        electric=Energy(type="Electric", level=40, battery_capacity=50000.0),
        environment=Environment(temperature=None),
        position=Position(latitude=1.0, longitude=2.0),
    )
    keys = {d.key for d in SENSORS if wanted(d, data("Electric", status))}
    assert "battery_capacity" in keys
    assert "battery_residual_energy" not in keys
    assert "outside_temperature" in keys  # the block is there, its value a placeholder
    assert "gps_signal_quality" not in keys
    assert "odometer" not in keys  # the car sent a status without it


async def test_vehicles_joining_leaving_and_returning(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    mock_psa: MockPSA,
    mock_config_entry: MockConfigEntry,
) -> None:
    """A car added to the account gets its entities; one that leaves and returns, again."""
    vin = await setup_vehicle(hass, mock_psa, mock_config_entry, VehicleStatus(updated_at=AT))
    other = make_vehicle(VIN_2, motorization="Thermic")
    fuel = Energy(type="Fuel", updated_at=AT, level=40.0, autonomy=300.0)
    mock_psa.vehicles = [*mock_psa.vehicles, other]
    mock_psa.statuses[other.id] = VehicleStatus(updated_at=AT, fuel=fuel)
    await refresh(hass, freezer, mock_config_entry)
    assert states_by_key(hass, VIN_2, "sensor")["fuel_level"].state == "40.0"
    assert "last_update" in states_by_key(hass, vin, "sensor")

    mock_psa.vehicles = [vehicle for vehicle in mock_psa.vehicles if vehicle.vin != VIN_2]
    await refresh(hass, freezer, mock_config_entry)
    assert states_by_key(hass, VIN_2, "sensor") == {}

    mock_psa.vehicles = [*mock_psa.vehicles, other]
    await refresh(hass, freezer, mock_config_entry)
    assert states_by_key(hass, VIN_2, "sensor")["fuel_level"].state == "40.0"


# --- docs/entities.md ------------------------------------------------------------------------

DOCS = Path(__file__).resolve().parents[2] / "docs" / "entities.md"
TRANSLATIONS = DOCS.parents[1] / "custom_components" / "psa_connected_car" / "translations"


def yaml_blocks() -> list[str]:
    return re.findall(r"```yaml\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.S)


def documented_automations() -> list[dict[str, Any]]:
    return [item for block in yaml_blocks() for item in yaml.safe_load(block)["automation"]]


def test_documented_entity_ids_exist() -> None:
    """The examples use the ids a car named "My car" gets from our English names."""
    names = json.loads((TRANSLATIONS / "en.json").read_text(encoding="utf-8"))["entity"]
    ours = {"device_tracker.my_car"} | {
        f"{platform}.my_car_{slugify(entity['name'])}"
        for platform in ("sensor", "binary_sensor")
        for entity in names[platform].values()
    }
    text = "\n".join(yaml_blocks())
    used = set(re.findall(r"\b(?:sensor|binary_sensor|device_tracker)\.my_car\w*", text))
    assert used
    assert used <= ours, used - ours


# The examples' time triggers stay scheduled until Home Assistant stops.
@pytest.mark.parametrize("expected_lingering_timers", [True])
async def test_documented_automations_load(hass: HomeAssistant) -> None:
    """Every automation example is valid for Home Assistant (triggers, conditions, templates)."""
    automations = documented_automations()
    assert len(automations) == 5
    assert await async_setup_component(hass, "automation", {"automation": automations})
    await hass.async_block_till_done()
    states = hass.states.async_all("automation")
    assert len(states) == len(automations)
    assert {state.state for state in states} == {"on"}
