"""The entities through a charging session and a drive, against the simulator's demo account.

Real client, real HTTP on 127.0.0.1. The simulator's cars are pure functions of its clock,
which follows Home Assistant's (frozen) clock here: each step moves time, polls once and
checks every entity that changes. The demo (psa_simulator/demo.py), counted from its EPOCH:

* the BEV charges 20 -> 100 % over hours 0-4 of each 8 h cycle, waits plugged in until
  hour 5, then drives a 272 km loop from home until hour 8;
* the PHEV drives 45 km over hour 0-1 of each 3 h cycle, then charges until hour 2.75.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_HOME, STATE_NOT_HOME, STATE_OFF, STATE_ON, STATE_UNKNOWN
from homeassistant.core import HomeAssistant, State
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
import pytest

from psa_simulator import SimulatorConfig
from psa_simulator.demo import BEV_ROUTE, BEV_VIN, EPOCH, PHEV_VIN
from psa_simulator.testing import SimulatorHandle
from tests.conftest import SimulatorFactory

from .entity_helpers import states_by_key
from .simulated import credentials, entry_of, start_flow

START = datetime.fromtimestamp(EPOCH, UTC) + timedelta(days=1)  # 2026-01-02T00:00Z, BEV cycle 3
WEEK = 7 * 24 * 3600


@pytest.fixture(autouse=True)
def _no_real_servers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PSA_SIMULATOR_URL", raising=False)


def home_assistant_clock() -> float:
    """The simulator's clock: Home Assistant's, which the freezer moves."""
    return dt_util.utcnow().timestamp()


@pytest.fixture
async def demo(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    simulator_factory: SimulatorFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> SimulatorHandle:
    """The demo account at 01:00 on day 2, added through the config flow, home at the BEV's."""
    freezer.move_to(START + timedelta(hours=1))
    # Long-lived tokens keep refreshes (and their client-side rate limit) out of the way; no
    # delay in the token handler: the loop's clock is frozen too, a sleep would never end.
    handle = await simulator_factory(
        SimulatorConfig(
            clock=home_assistant_clock, access_token_lifetime=WEEK, token_request_delay=0
        )
    )
    home_lon, home_lat, _ = BEV_ROUTE.at(0.0)
    hass.config.latitude, hass.config.longitude = home_lat, home_lon
    monkeypatch.setenv("PSA_SIMULATOR_URL", handle.url)
    result = await start_flow(hass, handle)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], credentials(handle))
    entry_of(result)
    await hass.async_block_till_done()
    return handle


async def step(hass: HomeAssistant, freezer: FrozenDateTimeFactory, hours: float) -> None:
    """Move to ``hours`` after START and let the coordinator poll what is due."""
    freezer.move_to(START + timedelta(hours=hours))
    entry = hass.config_entries.async_entries("psa_connected_car")[0]
    await entry.runtime_data.async_refresh()
    await hass.async_block_till_done()


def vehicle_states(hass: HomeAssistant, vin: str) -> dict[str, State]:
    """Every entity of one vehicle, keyed ``<domain>.<description key>``."""
    return {
        f"{domain}.{key}": state
        for domain in ("sensor", "binary_sensor", "device_tracker")
        for key, state in states_by_key(hass, vin, domain).items()
    }


def values(hass: HomeAssistant, vin: str, keys: list[str]) -> dict[str, str]:
    states = vehicle_states(hass, vin)
    return {key: states[key].state for key in keys}


def at(hours: float) -> str:
    return (START + timedelta(hours=hours)).isoformat()


BEV_KEYS = [
    "sensor.battery_level",
    "sensor.electric_range",
    "sensor.charging_status",
    "sensor.charging_mode",
    "sensor.charging_rate",
    "sensor.charging_end_time",
    "sensor.delayed_charge_start",
    "sensor.battery_residual_energy",
    "sensor.odometer",
    "sensor.ignition",
    "sensor.last_update",
    "binary_sensor.plugged_in",
    "binary_sensor.charging",
    "binary_sensor.moving",
    "binary_sensor.lock",
    "device_tracker.location",
]


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_charging_session_then_drive(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, demo: SimulatorHandle
) -> None:
    """The BEV: charging (end time fixed by the car's report), finished, then driving away."""
    charging_end = at(4)
    expected = {
        1.0: {
            "sensor.battery_level": "40.0",
            "sensor.electric_range": "136.0",
            "sensor.charging_status": "in_progress",
            "sensor.charging_mode": "slow",
            "sensor.charging_rate": "68.0",
            "sensor.charging_end_time": charging_end,
            "sensor.delayed_charge_start": STATE_UNKNOWN,
            "sensor.battery_residual_energy": "18.637",
            "sensor.odometer": "23816.0",
            "sensor.ignition": "stop",
            "sensor.last_update": at(1),
            "binary_sensor.plugged_in": STATE_ON,
            "binary_sensor.charging": STATE_ON,
            "binary_sensor.moving": STATE_OFF,
            "binary_sensor.lock": STATE_OFF,
            "device_tracker.location": STATE_HOME,
        },
        # Two and a half hours later: more charge, the same end time.
        3.5: {
            "sensor.battery_level": "90.0",
            "sensor.electric_range": "306.0",
            "sensor.charging_status": "in_progress",
            "sensor.charging_mode": "slow",
            "sensor.charging_rate": "68.0",
            "sensor.charging_end_time": charging_end,
            "sensor.delayed_charge_start": STATE_UNKNOWN,
            "sensor.battery_residual_energy": "41.933",
            "sensor.odometer": "23816.0",
            "sensor.ignition": "stop",
            "sensor.last_update": at(3.5),
            "binary_sensor.plugged_in": STATE_ON,
            "binary_sensor.charging": STATE_ON,
            "binary_sensor.moving": STATE_OFF,
            "binary_sensor.lock": STATE_OFF,
            "device_tracker.location": STATE_HOME,
        },
        # Full: still plugged in, no longer charging, no end time.
        4.5: {
            "sensor.battery_level": "100.0",
            "sensor.electric_range": "340.0",
            "sensor.charging_status": "finished",
            "sensor.charging_mode": "no",
            "sensor.charging_rate": "0.0",
            "sensor.charging_end_time": STATE_UNKNOWN,
            "sensor.delayed_charge_start": STATE_UNKNOWN,
            "sensor.battery_residual_energy": "46.592",
            "sensor.odometer": "23816.0",
            "sensor.ignition": "stop",
            "sensor.last_update": at(4.5),
            "binary_sensor.plugged_in": STATE_ON,
            "binary_sensor.charging": STATE_OFF,
            "binary_sensor.moving": STATE_OFF,
            "binary_sensor.lock": STATE_OFF,
            "device_tracker.location": STATE_HOME,
        },
        # Halfway round the 272 km loop: unplugged, moving, unlocked, away from home.
        6.5: {
            "sensor.battery_level": "60.0",
            "sensor.electric_range": "204.0",
            "sensor.charging_status": "disconnected",
            "sensor.charging_mode": "no",
            "sensor.charging_rate": "0.0",
            "sensor.charging_end_time": STATE_UNKNOWN,
            "sensor.delayed_charge_start": STATE_UNKNOWN,
            "sensor.battery_residual_energy": "27.955",
            "sensor.odometer": "23952.0",
            "sensor.ignition": "start",
            "sensor.last_update": at(6.5),
            "binary_sensor.plugged_in": STATE_OFF,
            "binary_sensor.charging": STATE_OFF,
            "binary_sensor.moving": STATE_ON,
            "binary_sensor.lock": STATE_ON,
            "device_tracker.location": STATE_NOT_HOME,
        },
    }
    for hours, wanted in expected.items():
        await step(hass, freezer, hours)
        assert values(hass, BEV_VIN, BEV_KEYS) == wanted, hours
    speed = float(vehicle_states(hass, BEV_VIN)["sensor.speed"].state)
    assert 80.0 <= speed <= 100.0


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_stale_snapshot_does_not_go_back_in_time(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, demo: SimulatorHandle
) -> None:
    """An older status served after a newer one: every entity keeps the newer values."""
    await step(hass, freezer, 6.5)
    driving = values(hass, BEV_VIN, BEV_KEYS)
    assert driving["sensor.charging_status"] == "disconnected"

    # The API hands back what the car reported while it was still charging.
    demo.state.serve_snapshot_at(BEV_VIN, (START + timedelta(hours=3.5)).timestamp())
    await step(hass, freezer, 6.6)
    coordinator = hass.config_entries.async_entries("psa_connected_car")[0].runtime_data
    fetched = coordinator.data[BEV_VIN].raw["status"]
    assert fetched["updatedAt"] == "2026-01-02T03:30:00Z"  # the stale one did arrive
    assert values(hass, BEV_VIN, BEV_KEYS) == driving

    demo.state.reset_vehicle(BEV_VIN)
    await step(hass, freezer, 6.75)
    fresh = values(hass, BEV_VIN, BEV_KEYS)
    assert fresh["sensor.last_update"] == at(6.75)
    assert float(fresh["sensor.odometer"]) > float(driving["sensor.odometer"])


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_plug_in_hybrid_drive_then_charge(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, demo: SimulatorHandle
) -> None:
    """The PHEV: fuel and electric entities both follow the drive and the charge after it."""
    keys = [
        "sensor.battery_level",
        "sensor.fuel_level",
        "sensor.charging_status",
        "sensor.charging_end_time",
        "sensor.ignition",
        "binary_sensor.plugged_in",
        "binary_sensor.charging",
        "binary_sensor.moving",
    ]
    # 03:30 is 30 minutes into a drive (PHEV cycle 9): 22.5 km on electricity only.
    await step(hass, freezer, 3.5)
    assert values(hass, PHEV_VIN, keys) == {
        "sensor.battery_level": "35.0",
        "sensor.fuel_level": "42.0",
        "sensor.charging_status": "disconnected",
        "sensor.charging_end_time": STATE_UNKNOWN,
        "sensor.ignition": "start",
        "binary_sensor.plugged_in": STATE_OFF,
        "binary_sensor.charging": STATE_OFF,
        "binary_sensor.moving": STATE_ON,
    }
    # 04:30: back home and charging since 04:00, until 05:45.
    await step(hass, freezer, 4.5)
    assert values(hass, PHEV_VIN, keys) == {
        "sensor.battery_level": "37.1",
        "sensor.fuel_level": "40.0",
        "sensor.charging_status": "in_progress",
        "sensor.charging_end_time": at(5.75),
        "sensor.ignition": "stop",
        "binary_sensor.plugged_in": STATE_ON,
        "binary_sensor.charging": STATE_ON,
        "binary_sensor.moving": STATE_OFF,
    }


async def test_demo_entities_by_motorization(
    hass: HomeAssistant, entity_registry: er.EntityRegistry, demo: SimulatorHandle
) -> None:
    """The BEV has no fuel entity despite its dummy Fuel energy; the thermal car no charging."""
    bev = vehicle_states(hass, BEV_VIN)
    assert "sensor.battery_level" in bev
    assert not {"sensor.fuel_level", "sensor.fuel_range"} & set(bev)
    thermal = next(v.vin for v in demo.state.vehicles if v.vin not in {BEV_VIN, PHEV_VIN})
    thermic = vehicle_states(hass, thermal)
    assert "sensor.fuel_level" in thermic
    assert not {"sensor.charging_status", "binary_sensor.plugged_in"} & set(thermic)
    # The placeholder 215 °C engine temperatures give no entity.
    assert "sensor.coolant_temperature" not in thermic
