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
    Charging,
    Energy,
    Environment,
    Position,
    Vehicle,
    VehicleData,
    VehicleStatus,
)
from custom_components.psa_connected_car.api.parsers import parse_status
from custom_components.psa_connected_car.entity import wanted
from custom_components.psa_connected_car.sensor import SENSORS

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
    alerts = {"active_alerts", "main_alert"}
    assert set(states) == expected | common | {"service_days", "service_distance"} | alerts
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


async def test_odd_field_makes_only_that_value_unknown(
    hass: HomeAssistant,
    caplog: pytest.LogCaptureFixture,
    freezer: FrozenDateTimeFactory,
    mock_psa: MockPSA,
    mock_config_entry: MockConfigEntry,
) -> None:
    """An odd field: only that entity is unknown, logged at debug only, no traceback.

    The parsers turn the field into None; the readers take the parsed data as it comes
    (no guard: a reader that raises is a bug, and shows here).
    """
    caplog.set_level(logging.DEBUG, logger="custom_components.psa_connected_car")

    def status(remaining: str, level: int) -> VehicleStatus:
        charging = {"status": "InProgress", "remainingTime": remaining}
        energy = {
            "type": "Electric",
            "updatedAt": AT.isoformat(),
            "level": level,
            "extension": {"electric": {"charging": charging}},
        }
        return parse_status({"updatedAt": AT.isoformat(), "energies": [energy]})

    # Text where a duration belongs: the charging end time cannot be computed.
    vin = await setup_vehicle(hass, mock_psa, mock_config_entry, status("two hours", 50))
    states = states_by_key(hass, vin, "sensor")
    assert states["charging_end_time"].state == STATE_UNKNOWN
    assert states["battery_level"].state == "50.0"
    mock_psa.statuses = {f"id-{vin[-4:]}": status("two hours", 49)}
    await refresh(hass, freezer, mock_config_entry)
    assert states_by_key(hass, vin, "sensor")["battery_level"].state == "49.0"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    ours = [r for r in caplog.records if r.name.startswith("custom_components.psa_connected_car")]
    assert not [r for r in ours if r.levelno >= logging.WARNING]

    mock_psa.statuses = {f"id-{vin[-4:]}": status("PT2H", 49)}
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


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        ("thermal", STATE_UNKNOWN),  # parked, ignition off: its 6.4 means nothing
        ("phev", "5.8"),  # driving at 92.5 km/h
    ],
)
async def test_instant_consumption_only_while_driving(
    hass: HomeAssistant,
    mock_psa: MockPSA,
    mock_config_entry: MockConfigEntry,
    fixture: str,
    expected: str,
) -> None:
    vin = load_vehicle(mock_psa, fixture)
    await setup_integration(hass, mock_config_entry)
    assert states_by_key(hass, vin, "sensor")["fuel_consumption_instant"].state == expected


def test_charging_rate_is_range_per_hour_not_a_speed() -> None:
    """km/h of range gained: no speed device class (no conversion to mph as a speed)."""
    rate = next(d for d in SENSORS if d.key == "charging_rate")
    assert rate.device_class is None
    assert rate.native_unit_of_measurement == "km/h"
    assert rate.suggested_display_precision == 0


def test_display_precision_wherever_a_unit_invites_it() -> None:
    """Every sensor with a unit says how many decimals to show (HA's default shows all)."""
    missing = [
        d.key
        for d in SENSORS
        if d.native_unit_of_measurement is not None and d.suggested_display_precision is None
    ]
    assert missing == []


# --- Which vehicle gets which sensor ---------------------------------------------------------


def data(motorization: str | None, status: VehicleStatus | None) -> VehicleData:
    vehicle = Vehicle(id="id", vin="VR3TESTELECTRIC01", motorization=motorization)
    return VehicleData(vehicle=vehicle, status=status)


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
    """A car added to the account gets its entities; one that leaves keeps them, unavailable,
    and they work again when it returns."""
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
    left = states_by_key(hass, VIN_2, "sensor")
    assert left
    assert {state.state for state in left.values()} == {STATE_UNAVAILABLE}

    mock_psa.vehicles = [*mock_psa.vehicles, other]
    await refresh(hass, freezer, mock_config_entry)
    assert states_by_key(hass, VIN_2, "sensor")["fuel_level"].state == "40.0"


# --- docs/entities.md and README.md -----------------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]
DOCS = (ROOT / "docs" / "entities.md", ROOT / "README.md")
TRANSLATIONS = ROOT / "custom_components" / "psa_connected_car" / "translations"


def yaml_blocks() -> list[str]:
    """Every YAML example that is an automation (README also shows other YAML)."""
    blocks = [
        block
        for doc in DOCS
        for block in re.findall(r"```yaml\n(.*?)```", doc.read_text(encoding="utf-8"), re.S)
    ]
    return [block for block in blocks if block.lstrip().startswith("automation:")]


def documented_automations() -> list[dict[str, Any]]:
    return [item for block in yaml_blocks() for item in yaml.safe_load(block)["automation"]]


def test_documented_entity_ids_exist() -> None:
    """The examples use the ids a car named "My car" gets from our English names."""
    names = json.loads((TRANSLATIONS / "en.json").read_text(encoding="utf-8"))["entity"]
    ours = {"device_tracker.my_car"} | {
        f"{platform}.my_car_{slugify(entity['name'])}"
        for platform in ("sensor", "binary_sensor", "lock", "switch", "time", "button", "event")
        for entity in names[platform].values()
    }
    text = "\n".join(yaml_blocks())
    used = set(
        re.findall(
            r"\b(?:sensor|binary_sensor|device_tracker|lock|switch|time|button|event)\.my_car\w*",
            text,
        )
    )
    assert used
    assert used <= ours, used - ours


# The examples' time triggers stay scheduled until Home Assistant stops.
@pytest.mark.parametrize("expected_lingering_timers", [True])
async def test_documented_automations_load(hass: HomeAssistant) -> None:
    """Every automation example is valid for Home Assistant (triggers, conditions, templates)."""
    automations = documented_automations()
    assert len(automations) == 18  # 11 in docs/entities.md, 7 in README.md
    assert await async_setup_component(hass, "automation", {"automation": automations})
    await hass.async_block_till_done()
    states = hass.states.async_all("automation")
    assert len(states) == len(automations)
    assert {state.state for state in states} == {"on"}
