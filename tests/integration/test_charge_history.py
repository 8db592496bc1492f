"""The charge history in Home Assistant: energy charged, the last charge, the charging event.

The account is the mocked client of common.py with one BEV; each round serves the status a
test sets, dated by its energy block. Events are caught on their dispatcher signal (every
fire, whether an entity shows it or not) and read on the event entity.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_UNKNOWN
from homeassistant.core import HomeAssistant, State, callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.psa_connected_car.api.models import VehicleStatus
from custom_components.psa_connected_car.charge_history import STORE_NAME
from custom_components.psa_connected_car.history_store import SAVE_DELAY, storage_key
from custom_components.psa_connected_car.signals import event_signal

from .common import T0, VIN_1, MockPSA, make_status, make_vehicle, setup_integration
from .entity_helpers import refresh, setup_vehicle, states_by_key

CAPACITY = 50_000.0  # Wh: 1 % is 0.5 kWh
VEHICLE_ID = "id-0001"


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def ev(
    level: float,
    minutes: float,
    charge: str = "InProgress",
    *,
    capacity: float | None = CAPACITY,
    driving: bool = False,
) -> VehicleStatus:
    """A BEV status dated ``minutes`` after T0, reporting ``capacity``."""
    status = make_status(
        level=level,
        at=at(minutes),
        charging=charge,
        moving=driving,
        ignition="Start" if driving else "Stop",
    )
    assert status.electric is not None
    return replace(status, electric=replace(status.electric, battery_capacity=capacity))


Fired = list[tuple[str, dict[str, Any]]]


@pytest.fixture(name="fired")
def fired_fixture(hass: HomeAssistant, mock_config_entry: MockConfigEntry) -> Fired:
    """Every charging event fired for VIN_1, in order."""
    fired: Fired = []

    @callback
    def _record(event_type: str, attributes: dict[str, Any]) -> None:
        fired.append((event_type, attributes))

    signal = event_signal(mock_config_entry.entry_id, VIN_1, "charging")
    async_dispatcher_connect(hass, signal, _record)
    return fired


async def poll(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    entry: MockConfigEntry,
    mock_psa: MockPSA,
    status: VehicleStatus,
) -> None:
    """The next round serves ``status``."""
    mock_psa.statuses = {VEHICLE_ID: status}
    await refresh(hass, freezer, entry)


def sensor(hass: HomeAssistant, key: str) -> State:
    return states_by_key(hass, VIN_1, "sensor")[key]


def energy(hass: HomeAssistant) -> float:
    return float(sensor(hass, "energy_charged").state)


def event_entity(hass: HomeAssistant) -> State:
    return states_by_key(hass, VIN_1, "event")["charging"]


def types(fired: Fired) -> list[str]:
    return [event_type for event_type, _ in fired]


async def test_a_charging_session(
    hass: HomeAssistant,
    mock_psa: MockPSA,
    mock_config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    fired: Fired,
) -> None:
    """Plugged in at 40 %, charged to 61 %: 10.5 kWh, one start and one finish."""
    await setup_vehicle(hass, mock_psa, mock_config_entry, ev(40, 0, "Disconnected"))
    assert energy(hass) == 0
    assert sensor(hass, "last_charge_energy").state == STATE_UNKNOWN
    assert event_entity(hass).state == STATE_UNKNOWN
    await poll(hass, freezer, mock_config_entry, mock_psa, ev(40, 5))
    assert types(fired) == ["charging_started"]
    started = event_entity(hass)
    assert started.attributes["event_type"] == "charging_started"
    assert started.attributes["started_at"] == at(5).isoformat()
    assert started.attributes["ended_at"] is None
    for status in (ev(50, 35), ev(50, 35), ev(60, 65), ev(61, 70, "Finished")):
        await poll(hass, freezer, mock_config_entry, mock_psa, status)
    assert energy(hass) == pytest.approx(10.5)
    assert types(fired) == ["charging_started", "charging_finished"]
    finished = event_entity(hass)
    expected = {
        "started_at": at(5).isoformat(),
        "ended_at": at(70).isoformat(),
        "start_level": 40.0,
        "end_level": 61.0,
        "start_range": 120.0,
        "end_range": 183.0,
        "energy": 10.5,
        "range_per_hour": round(63 / (65 / 60), 1),
        "end_status": "finished",
        "observed_start": True,
    }
    assert finished.attributes["event_type"] == "charging_finished"
    assert set(finished.attributes["event_types"]) == {
        "charging_started",
        "charging_finished",
        "charging_interrupted",
    }
    assert {key: finished.attributes[key] for key in expected} == expected
    assert fired[-1][1] == expected
    last = sensor(hass, "last_charge_energy")
    assert float(last.state) == pytest.approx(10.5)
    assert last.attributes["unit_of_measurement"] == "kWh"
    shown = ("started_at", "ended_at", "start_level", "end_level", "energy", "range_per_hour")
    assert {key: last.attributes[key] for key in shown} == {key: expected[key] for key in shown}
    assert last.attributes["end_status"] == "finished"
    assert "start_range" not in last.attributes
    # The same finished status again: nothing more.
    await poll(hass, freezer, mock_config_entry, mock_psa, ev(61, 80, "Finished"))
    assert len(fired) == 2
    assert energy(hass) == pytest.approx(10.5)


async def test_an_interrupted_charge(
    hass: HomeAssistant,
    mock_psa: MockPSA,
    mock_config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    fired: Fired,
) -> None:
    await setup_vehicle(hass, mock_psa, mock_config_entry, ev(40, 0, "Disconnected"))
    await poll(hass, freezer, mock_config_entry, mock_psa, ev(40, 5))
    await poll(hass, freezer, mock_config_entry, mock_psa, ev(44, 20, "Stopped"))
    assert types(fired) == ["charging_started", "charging_interrupted"]
    assert fired[-1][1]["end_status"] == "stopped"
    assert event_entity(hass).attributes["event_type"] == "charging_interrupted"
    assert energy(hass) == pytest.approx(2)


async def test_regeneration_and_drops_never_count_and_never_decrease(
    hass: HomeAssistant,
    mock_psa: MockPSA,
    mock_config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    fired: Fired,
) -> None:
    """A charge, a drive that loses and regains level downhill, another charge."""
    await setup_vehicle(hass, mock_psa, mock_config_entry, ev(50, 0, "Disconnected"))
    shown: list[float] = []
    for status in (
        ev(50, 5),
        ev(60, 35, "Finished"),
        ev(55, 60, "Disconnected", driving=True),
        ev(57, 70, "Disconnected", driving=True),  # regeneration
        ev(57, 80, "Disconnected"),
        ev(57, 85),
        ev(59, 95),
    ):
        await poll(hass, freezer, mock_config_entry, mock_psa, status)
        shown.append(energy(hass))
    assert shown == sorted(shown)
    assert shown[-1] == pytest.approx(6)
    assert shown[3] == shown[2]  # the downhill rise added nothing
    assert types(fired) == ["charging_started", "charging_finished", "charging_started"]


async def test_a_stale_snapshot_changes_nothing(
    hass: HomeAssistant,
    mock_psa: MockPSA,
    mock_config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    fired: Fired,
) -> None:
    """An older energy block after a newer one: no baseline, no session end."""
    await setup_vehicle(hass, mock_psa, mock_config_entry, ev(40, 0, "Disconnected"))
    await poll(hass, freezer, mock_config_entry, mock_psa, ev(40, 5))
    await poll(hass, freezer, mock_config_entry, mock_psa, ev(50, 35))
    await poll(hass, freezer, mock_config_entry, mock_psa, ev(45, 20, "Stopped"))
    assert energy(hass) == pytest.approx(5)
    assert types(fired) == ["charging_started"]
    await poll(hass, freezer, mock_config_entry, mock_psa, ev(52, 45))
    assert energy(hass) == pytest.approx(6)  # from 50 %, not from the stale 45 %


async def test_a_restart_mid_charge_continues_the_stored_meter(
    hass: HomeAssistant,
    mock_psa: MockPSA,
    mock_config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    fired: Fired,
    hass_storage: dict[str, Any],
) -> None:
    await setup_vehicle(hass, mock_psa, mock_config_entry, ev(40, 0, "Disconnected"))
    await poll(hass, freezer, mock_config_entry, mock_psa, ev(40, 5))
    await poll(hass, freezer, mock_config_entry, mock_psa, ev(50, 35))
    assert energy(hass) == pytest.approx(5)
    assert await hass.config_entries.async_unload(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    stored = hass_storage[storage_key(mock_config_entry.entry_id, STORE_NAME)]
    assert stored["version"] == 1
    meter = stored["data"]["vehicles"][VIN_1]
    assert (meter["total"], meter["level"]) == (pytest.approx(5), 50)
    assert meter["session"]["started_at"] == at(5).isoformat()
    # While it was down the car charged on: the first status counts the rise since 50 %, once.
    mock_psa.statuses = {VEHICLE_ID: ev(58, 60)}
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert energy(hass) == pytest.approx(9)
    await poll(hass, freezer, mock_config_entry, mock_psa, ev(58, 60))
    assert energy(hass) == pytest.approx(9)
    await poll(hass, freezer, mock_config_entry, mock_psa, ev(60, 70, "Finished"))
    assert energy(hass) == pytest.approx(10)
    assert types(fired) == ["charging_started", "charging_finished"]
    assert fired[-1][1]["energy"] == pytest.approx(10)
    assert fired[-1][1]["started_at"] == at(5).isoformat()


async def test_a_charge_that_ended_while_home_assistant_was_down_is_reported(
    hass: HomeAssistant,
    mock_psa: MockPSA,
    mock_config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    fired: Fired,
    hass_storage: dict[str, Any],
) -> None:
    """The first round runs before the event entity exists: its event is held for it."""
    await setup_vehicle(hass, mock_psa, mock_config_entry, ev(40, 0, "Disconnected"))
    await poll(hass, freezer, mock_config_entry, mock_psa, ev(40, 5))
    assert await hass.config_entries.async_unload(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    mock_psa.statuses = {VEHICLE_ID: ev(80, 120, "Finished")}
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert types(fired) == ["charging_started", "charging_finished"]
    shown = event_entity(hass)
    assert shown.attributes["event_type"] == "charging_finished"
    assert shown.attributes["energy"] == 20


async def test_the_store_is_saved_after_a_delay(
    hass: HomeAssistant,
    mock_psa: MockPSA,
    mock_config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    await setup_vehicle(hass, mock_psa, mock_config_entry, ev(40, 0))
    key = storage_key(mock_config_entry.entry_id, STORE_NAME)
    assert key not in hass_storage
    freezer.tick(timedelta(seconds=SAVE_DELAY + 1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert hass_storage[key]["data"]["vehicles"][VIN_1]["session"]["observed_start"] is False


async def test_a_junk_store_starts_afresh(
    hass: HomeAssistant,
    mock_psa: MockPSA,
    mock_config_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
    fired: Fired,
) -> None:
    hass_storage[storage_key(mock_config_entry.entry_id, STORE_NAME)] = {
        "version": 1,
        "key": storage_key(mock_config_entry.entry_id, STORE_NAME),
        "data": {"vehicles": ["not", "a", "mapping"]},
    }
    await setup_vehicle(hass, mock_psa, mock_config_entry, ev(40, 0))
    assert energy(hass) == 0
    assert fired == []  # the first status seen charges: not a start


async def test_a_stored_meter_is_read_at_setup(
    hass: HomeAssistant,
    mock_psa: MockPSA,
    mock_config_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
) -> None:
    """The sensor exists from the stored capacity even before the car reports one."""
    hass_storage[storage_key(mock_config_entry.entry_id, STORE_NAME)] = {
        "version": 1,
        "key": storage_key(mock_config_entry.entry_id, STORE_NAME),
        "data": {
            "vehicles": {
                VIN_1: {
                    "total": 123.456,
                    "level": 30,
                    "level_at": at(0).isoformat(),
                    "capacity": CAPACITY,
                }
            }
        },
    }
    await setup_vehicle(hass, mock_psa, mock_config_entry, ev(30, 0, capacity=None))
    assert energy(hass) == pytest.approx(123.456)


async def test_no_sensor_without_a_capacity_and_no_history_without_a_battery(
    hass: HomeAssistant, mock_psa: MockPSA, mock_config_entry: MockConfigEntry
) -> None:
    thermal = make_vehicle("VR3TESTCAR0000009", motorization="Thermic")
    mock_psa.vehicles = [make_vehicle(VIN_1), thermal]
    mock_psa.statuses = {VEHICLE_ID: ev(40, 0, capacity=None), thermal.id: ev(40, 0)}
    await setup_integration(hass, mock_config_entry)
    sensors = states_by_key(hass, VIN_1, "sensor")
    assert "energy_charged" not in sensors
    assert "last_charge_energy" not in sensors
    assert "charging" in states_by_key(hass, VIN_1, "event")
    assert "energy_charged" not in states_by_key(hass, thermal.vin, "sensor")
    assert "charging" not in states_by_key(hass, thermal.vin, "event")
    coordinator = mock_config_entry.runtime_data
    assert coordinator.data[thermal.vin].charge is None
    assert coordinator.data[VIN_1].charge is not None


async def test_removing_the_entry_removes_the_store(
    hass: HomeAssistant,
    mock_psa: MockPSA,
    mock_config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    await setup_vehicle(hass, mock_psa, mock_config_entry, ev(40, 0, "Disconnected"))
    await poll(hass, freezer, mock_config_entry, mock_psa, ev(40, 5))
    assert await hass.config_entries.async_remove(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert storage_key(mock_config_entry.entry_id, STORE_NAME) not in hass_storage


async def test_a_push_event_ends_the_session_and_the_status_brings_the_rest(
    hass: HomeAssistant,
    mock_psa: MockPSA,
    mock_config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    fired: Fired,
) -> None:
    """The car's 'charge finished' event ends the session at once; the status fetched after
    it brings the last level, which goes to that charge."""
    await setup_vehicle(hass, mock_psa, mock_config_entry, ev(40, 0, "Disconnected"))
    await poll(hass, freezer, mock_config_entry, mock_psa, ev(40, 5))
    await poll(hass, freezer, mock_config_entry, mock_psa, ev(58, 65))
    coordinator = mock_config_entry.runtime_data
    ended = at(70)
    coordinator.async_handle_event(
        {
            "date": ended.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "vin": VIN_1,
            "charging_state": {"hmi_state": 3, "cable_detected": 0, "soc_batt": 60},
        }
    )
    await hass.async_block_till_done()
    assert types(fired) == ["charging_started", "charging_finished"]
    assert fired[-1][1]["ended_at"] == ended.isoformat()
    assert fired[-1][1]["energy"] == pytest.approx(9)
    assert event_entity(hass).attributes["event_type"] == "charging_finished"
    # The fetch the event asked for.
    mock_psa.statuses = {VEHICLE_ID: ev(60, 71, "Finished")}
    freezer.tick(timedelta(seconds=coordinator.event_fetch_delay + 1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert energy(hass) == pytest.approx(10)
    assert float(sensor(hass, "last_charge_energy").state) == pytest.approx(10)
    assert sensor(hass, "last_charge_energy").attributes["end_level"] == 60
    assert len(fired) == 2
