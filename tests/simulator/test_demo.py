"""The living demo: a pure function of the simulator clock."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import pairwise
from typing import Any

import aiohttp
import pytest

from psa_simulator import BEV_VIN, PHEV_VIN, THERMIC_VIN, SimulatorConfig, create_app
from psa_simulator.demo import EPOCH, FROZEN_ENERGY_CREATED_AT, Route
from psa_simulator.state import STATE, SimulatorState
from psa_simulator.testing import SimulatorControl, SimulatorHandle
from psa_simulator.timefmt import duration, iso
from psa_simulator.vehicles import PayloadContext

from .helpers import api_get, password_login

HOUR = 3600.0
BASE = "http://sim/connectedcar/v4"


def payload(vin: str, endpoint: str, at: float) -> Any:
    state = create_app(SimulatorConfig(clock=lambda: at))[STATE]
    return fetch(state, vin, endpoint)


def fetch(state: SimulatorState, vin: str, endpoint: str) -> Any:
    vehicle = state.vehicle(vin)
    return vehicle.payload(endpoint, PayloadContext(state.now(), BASE, vehicle.id))


def electric(status: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The Electric item of energies[] and of the legacy energy[]."""
    new = next(e for e in status["energies"] if e["type"] == "Electric")
    old = next(e for e in status["energy"] if e["type"] == "Electric")
    return new, old


def fuel(status: dict[str, Any]) -> dict[str, Any]:
    item: dict[str, Any] = next(e for e in status["energies"] if e["type"] == "Fuel")
    return item


def test_time_formats() -> None:
    assert iso(EPOCH + 59.9) == "2026-01-01T00:00:59Z"
    assert duration(0) == "PT0S"
    assert duration(30) == "PT1M"
    assert duration(3600) == "PT1H"
    assert duration(2 * 3600 + 55 * 60) == "PT2H55M"
    assert duration(-5) == "PT0S"


def test_same_time_same_payloads() -> None:
    at = EPOCH + 12345.6
    for vin in (BEV_VIN, PHEV_VIN, THERMIC_VIN):
        for endpoint in ("status", "lastPosition", "maintenance", "alerts", "trips"):
            assert payload(vin, endpoint, at) == payload(vin, endpoint, at), (vin, endpoint)


def test_snapshots_are_whole_minutes() -> None:
    status = payload(BEV_VIN, "status", EPOCH + 125.0)
    assert status["createdAt"] == "2026-01-01T00:02:00Z"
    assert payload(BEV_VIN, "status", EPOCH + 179.0) == status


def test_bev_charges_until_full() -> None:
    levels, remaining = [], []
    for minute in range(0, 240, 10):
        status = payload(BEV_VIN, "status", EPOCH + minute * 60)
        new, old = electric(status)
        charging = new["extension"]["electric"]["charging"]
        assert charging["status"] == "InProgress"
        assert charging["plugged"] is True
        assert old["charging"]["status"] == "InProgress"
        assert new["createdAt"] == FROZEN_ENERGY_CREATED_AT
        assert old["updatedAt"] == status["createdAt"]
        assert new["level"] == old["level"]
        levels.append(new["level"])
        remaining.append(charging["remainingTime"])
    assert levels == sorted(levels)
    assert levels[0] == 20.0
    assert len(set(levels)) == len(levels)
    assert remaining[0] == "PT4H"
    assert remaining[1] == "PT3H50M"
    assert remaining[-1] == "PT10M"
    status = payload(BEV_VIN, "status", EPOCH + 4.5 * HOUR)
    new, old = electric(status)
    assert new["level"] == 100.0
    assert new["extension"]["electric"]["charging"]["status"] == "Finished"
    assert new["extension"]["electric"]["charging"]["remainingTime"] == "PT0S"
    assert old["charging"]["plugged"] is True
    assert status["kinetic"]["moving"] is False


def test_bev_drives_after_charging() -> None:
    before = payload(BEV_VIN, "status", EPOCH + 5 * HOUR + 600)
    after = payload(BEV_VIN, "status", EPOCH + 6 * HOUR)
    for status in (before, after):
        new, _ = electric(status)
        assert new["extension"]["electric"]["charging"]["status"] == "Disconnected"
        assert new["extension"]["electric"]["charging"]["plugged"] is False
        assert status["kinetic"]["moving"] is True
        assert status["ignition"]["type"] == "Start"
    assert electric(after)[0]["level"] < electric(before)[0]["level"]
    assert after["odometer"]["mileage"] > before["odometer"]["mileage"]
    next_cycle = payload(BEV_VIN, "status", EPOCH + 8 * HOUR)
    assert electric(next_cycle)[0]["level"] == 20.0
    assert next_cycle["odometer"]["mileage"] == pytest.approx(
        payload(BEV_VIN, "status", EPOCH)["odometer"]["mileage"] + 272.0
    )


def test_phev_drives() -> None:
    positions, mileages, fuels = [], [], []
    for minute in range(5, 60, 5):
        status = payload(PHEV_VIN, "status", EPOCH + minute * 60)
        assert status["kinetic"]["moving"] is True
        assert status["kinetic"]["speed"] > 0
        assert status["ignition"]["type"] == "Start"
        assert status["lastPosition"] == payload(PHEV_VIN, "lastPosition", EPOCH + minute * 60)
        positions.append(tuple(status["lastPosition"]["geometry"]["coordinates"]))
        mileages.append(status["odometer"]["mileage"])
        fuels.append(fuel(status)["level"])
        assert 0 <= status["lastPosition"]["properties"]["heading"] < 360
    assert all(a != b for a, b in pairwise(positions))
    assert len(set(positions)) >= 6
    assert mileages == sorted(mileages)
    assert len(set(mileages)) == len(mileages)
    assert fuels == sorted(fuels, reverse=True)
    assert fuels[-1] < fuels[0]


def test_phev_charges_when_parked() -> None:
    parked = payload(PHEV_VIN, "status", EPOCH + 1.5 * HOUR)
    assert parked["kinetic"]["moving"] is False
    assert parked["ignition"]["type"] == "Stop"
    assert parked["ignition"]["createdAt"] == iso(EPOCH + HOUR)
    new, _ = electric(parked)
    assert new["extension"]["electric"]["charging"]["status"] == "InProgress"
    later = payload(PHEV_VIN, "status", EPOCH + 2.9 * HOUR)
    assert electric(later)[0]["extension"]["electric"]["charging"]["status"] == "Finished"
    assert (
        parked["lastPosition"]["geometry"]
        == payload(PHEV_VIN, "status", EPOCH)["lastPosition"]["geometry"]
    )


def test_phev_trips_follow_the_clock() -> None:
    trips = payload(PHEV_VIN, "trips", EPOCH + 0.5 * HOUR)
    assert trips[-1]["stoppedAt"] == iso(EPOCH - 2 * HOUR)
    trips = payload(PHEV_VIN, "trips", EPOCH + 1.5 * HOUR)
    assert trips[-1]["stoppedAt"] == iso(EPOCH + HOUR)
    assert len(trips) == 80  # the last 10 days, a drive every 3 h
    assert len({trip["id"] for trip in trips}) == 80
    assert trips[0]["stoppedAt"] == iso(EPOCH + HOUR - 79 * 3 * HOUR)


def test_thermic_car_is_parked() -> None:
    morning = payload(THERMIC_VIN, "status", EPOCH + 8 * HOUR)
    evening = payload(THERMIC_VIN, "status", EPOCH + 20 * HOUR)
    assert morning == evening
    assert morning["createdAt"] == "2026-01-01T07:30:00Z"
    assert payload(THERMIC_VIN, "status", EPOCH + 7 * HOUR)["createdAt"] == "2025-12-31T07:30:00Z"
    thermic = morning["engines"][0]["extension"]["thermic"]
    assert thermic["coolant"]["temp"] == 215.0
    assert thermic["air"]["temp"] == 215.0
    assert morning["kinetic"]["moving"] is False
    assert morning["ignition"]["type"] == "Stop"
    assert "preconditioning" not in morning
    assert [e["type"] for e in morning["energies"]] == ["Fuel"]


def test_maintenance_counts_down() -> None:
    today = payload(BEV_VIN, "maintenance", EPOCH + HOUR)
    tomorrow = payload(BEV_VIN, "maintenance", EPOCH + 25 * HOUR)
    assert tomorrow["daysBeforeMaintenance"] == today["daysBeforeMaintenance"] - 1
    assert payload(PHEV_VIN, "maintenance", EPOCH) is None


@pytest.mark.parametrize("at", [0.0, 1_000_000_000.0, 4_000_000_000.0])
def test_any_clock_value_works(at: float) -> None:
    for vin in (BEV_VIN, PHEV_VIN, THERMIC_VIN):
        status = payload(vin, "status", at)
        assert status["odometer"]["mileage"] > 0
        assert datetime.strptime(status["createdAt"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def test_route_is_a_closed_loop() -> None:
    route = Route(lon=2.0, lat=48.0, alt=0.0, radius_km=10.0)
    lon, lat, heading = route.at(0.0)
    assert lat == 48.0
    assert heading == 0  # heading north at the start of a counter-clockwise loop
    assert route.at(2 * 3.141592653589793 * 10.0)[:2] == pytest.approx((lon, lat), abs=1e-4)


async def test_time_advance_moves_the_demo(
    sim: SimulatorHandle, session: aiohttp.ClientSession, control: SimulatorControl
) -> None:
    token = (await password_login(session, sim))["access_token"]
    vehicle_id = sim.state.vehicle(BEV_VIN).id
    _, before, _ = await api_get(session, sim, f"/user/vehicles/{vehicle_id}/status", token)
    assert (await control.advance(1800))["now"] == EPOCH + 1800
    assert await control.time() == {"now": EPOCH + 1800, "time_offset": 1800}
    _, after, _ = await api_get(session, sim, f"/user/vehicles/{vehicle_id}/status", token)
    assert electric(after)[0]["level"] == electric(before)[0]["level"] + 10.0
    assert after["createdAt"] == iso(EPOCH + 1800)
