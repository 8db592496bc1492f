"""Parsers: our own fixtures field by field, the shared samples in place, and fuzzing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
import json
from pathlib import Path
from typing import Any

from hypothesis import given, settings, strategies as st
import pytest

from custom_components.psa_connected_car.api.models import Doors, Ignition, VehicleStatus
from custom_components.psa_connected_car.api.parsers import (
    merge_status,
    next_page_token,
    parse_alerts,
    parse_datetime,
    parse_duration,
    parse_maintenance,
    parse_position,
    parse_status,
    parse_trips,
    parse_user,
    parse_vehicle,
    parse_vehicles_page,
)

FIXTURES = Path(__file__).parent / "fixtures"
SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "samples"


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_current_electric_status_field_by_field():
    status = parse_status(load("status_electric_current.json"))
    assert status.updated_at == utc("2026-03-01T10:05:00")
    electric = status.electric
    assert electric is not None
    assert electric.level == 64.5  # energies[] wins over energy[]
    assert electric.autonomy == 210.0  # a number sent as text
    assert electric.updated_at == utc("2026-03-01T10:04:00")  # energy[].updatedAt is the real time
    assert electric.battery_capacity == 50000
    assert electric.battery_residual == 32250
    assert electric.battery_health == 97
    charging = electric.charging
    assert charging is not None
    assert (charging.plugged, charging.status, charging.mode) == (True, "InProgress", "Quick")
    assert charging.remaining_time == timedelta(hours=1, minutes=30)
    assert charging.next_delayed_time == timedelta(hours=22, minutes=30)
    assert (charging.rate, charging.power_level, charging.type) == (30, "Level3", "Full")
    assert status.fuel is not None
    assert status.fuel.level is None  # the dummy Fuel entry of a BEV
    position = status.position
    assert position is not None
    assert (position.latitude, position.longitude, position.altitude) == (45.764, 4.8357, 170.0)
    assert (position.heading, position.type, position.fix_status) == (90, "Acquire", "3D")
    assert position.updated_at == utc("2026-03-01T09:58:00")
    assert status.battery is not None
    assert status.battery.state == 88.5
    assert status.environment is not None
    assert status.environment.temperature is None  # 215.0 placeholder
    assert status.environment.daylight is True
    assert status.odometer is not None
    assert status.odometer.mileage == 12034.5
    assert status.kinetic is not None
    assert (status.kinetic.moving, status.kinetic.speed) == (False, 0)
    assert status.alarm is not None
    assert status.alarm.active is False
    doors = status.doors
    assert doors is not None
    assert doors.locked is False
    assert doors.openings == {"Driver": True, "Trunk": False}  # "Ajar" is not a state
    assert status.preconditioning is not None
    assert status.preconditioning.status == "Enabled"
    assert status.preconditioning.starting_cause == "Immediate"
    assert status.privacy is not None
    assert status.privacy.state == "None"
    assert status.ignition == Ignition(updated_at=utc("2026-03-01T10:00:00"), type="Stop")


def test_legacy_status_field_by_field():
    status = parse_status(load("status_legacy_2021.json"))
    assert status.electric is not None
    assert status.electric.level == 80
    assert status.electric.updated_at == utc("2021-05-02T08:00:00")
    assert status.electric.battery_health == 95
    assert status.electric.charging is not None
    assert status.electric.charging.remaining_time == timedelta(0)
    assert status.fuel is not None
    assert status.fuel.level == 35
    assert status.position is not None
    assert (status.position.latitude, status.position.altitude) == (48.85, None)
    assert status.position.heading == 180
    assert status.position.updated_at == utc("2021-05-02T07:30:00")
    assert status.preconditioning is not None
    assert status.preconditioning.status == "Disabled"
    assert status.doors is not None
    assert status.doors.locked is True
    assert status.odometer is not None
    assert status.odometer.mileage == 2200.4
    assert status.engine is not None
    assert (status.engine.coolant_temperature, status.engine.oil_temperature) == (82, None)


def test_thermal_status_field_by_field():
    status = parse_status(load("status_thermal_current.json"))
    assert status.electric is None
    assert status.fuel is not None
    assert (status.fuel.level, status.fuel.autonomy) == (41.0, 380)
    assert status.fuel.consumption_total == 123.45  # cL -> L
    assert status.fuel.consumption_instant == 6.2
    assert status.odometer is not None
    assert status.odometer.mileage == 45678.9
    assert status.kinetic is not None
    assert (status.kinetic.moving, status.kinetic.speed) == (True, 48.0)
    assert status.alarm is not None
    assert status.alarm.active is True
    assert status.position is None  # [0, 0] is no position


@pytest.mark.parametrize("payload", [None, {}, [], "text", 42, {"energies": "x", "energy": [1]}])
def test_sparse_and_junk_status(payload):
    status = parse_status(payload)
    assert status.electric is None
    assert status.position is None
    assert status.doors is None


def test_vehicles_page():
    vehicles, token = parse_vehicles_page(load("vehicles_page_1.json"))
    assert token == "PAGE2TOKEN"
    first, second = vehicles
    assert (first.id, first.vin, first.motorization, first.brand) == (
        "a1b2c3",
        "VR3SIMULATEDFIXT1",
        "Electric",
        "Peugeot",
    )
    assert first.pictures == ("https://example.invalid/p1.png",)
    assert (second.label, second.motorization, second.brand) == ("SUV 3008", "Hybrid", "Peugeot")


@pytest.mark.parametrize(
    ("engines", "motorization"),
    [
        ([{"class": "Electric"}], "Electric"),
        ([{"class": "Thermic"}], "Thermic"),
        ([], None),
        ([{"class": "Hydrogen"}], None),
    ],
)
def test_old_engine_list(engines, motorization):
    vehicle = parse_vehicle({"id": "x", "vin": "VR3SIMULATEDOLD01", "engine": engines})
    assert vehicle is not None
    assert vehicle.motorization == motorization


def test_next_page_token_edges():
    assert next_page_token({}) is None
    assert next_page_token({"_links": {"next": {"href": "https://x/y?a=1"}}}) is None
    last_page = {"currentPage": 2, "totalPage": 2, "_links": {"next": {"href": "?pageToken=T"}}}
    assert next_page_token(last_page) is None


def test_position_edges():
    assert parse_position({"geometry": {"coordinates": [1]}}) is None
    assert parse_position({"geometry": {"coordinates": ["a", 2]}}) is None
    assert parse_position({"geometry": {"coordinates": [200, 95]}}) is None
    assert parse_position(None) is None


def test_durations_and_dates():
    assert parse_duration("P1DT2H") == timedelta(days=1, hours=2)
    assert parse_duration("PT0.5S") == timedelta(seconds=0.5)
    assert parse_duration("PT") is None
    assert parse_duration("2 hours") is None
    assert parse_duration(7) is None
    assert parse_datetime("2026-01-01T00:00:00") == utc("2026-01-01T00:00:00")
    assert parse_datetime("2026-01-01T01:00:00+01:00") == utc("2026-01-01T00:00:00")
    assert parse_datetime("yesterday") is None
    assert parse_datetime(1700000000) is None


def test_maintenance_alerts_trips_user():
    maintenance = parse_maintenance(
        {
            "updatedAt": "2026-01-01T00:00:00Z",
            "daysBeforeMaintenance": "120",
            "mileageBeforeMaintenance": 9000.0,
        }
    )
    assert (maintenance.days_before, maintenance.distance_before) == (120, 9000.0)
    alerts = parse_alerts(
        {
            "_embedded": {
                "alerts": [
                    {
                        "id": "1",
                        "type": "AdBlueFault",
                        "severity": "Warning",
                        "active": True,
                        "startedAt": "2026-01-01T00:00:00Z",
                        "endAt": None,
                    },
                    "junk",
                ]
            }
        }
    )
    assert [(a.type, a.severity, a.active) for a in alerts] == [("AdBlueFault", "Warning", True)]
    trips = parse_trips(
        {"_embedded": {"trips": [{"id": "t", "distance": 12.5, "duration": 600, "done": True}]}}
    )
    assert [(t.distance, t.duration, t.done) for t in trips] == [(12.5, 600, True)]
    user = parse_user({"email": "someone@example.invalid", "firstName": 7, "lastName": ["x"]})
    assert (user.email, user.first_name, user.last_name) == ("someone@example.invalid", "7", None)


def test_merge_keeps_the_newer_block():
    fresh = parse_status(load("status_electric_current.json"))
    stale_payload = load("status_electric_current.json")
    stale_payload["energy"][0]["updatedAt"] = "2026-02-01T00:00:00Z"
    stale_payload["energies"][1]["level"] = 20.0
    stale_payload["doorsState"]["createdAt"] = "2026-03-02T00:00:00Z"
    stale_payload["doorsState"]["lockedStates"] = ["Locked"]
    del stale_payload["odometer"]
    stale = parse_status(stale_payload)
    merged = merge_status(fresh, stale)
    assert merged.electric == fresh.electric  # the stale SoC does not move it back
    assert merged.doors == stale.doors  # newer doors block wins
    assert merged.odometer == fresh.odometer  # a missing block keeps the old one
    assert merge_status(None, stale) is stale
    same = merge_status(fresh, fresh)
    assert same == fresh


def test_merge_with_unknown_times_takes_the_new():
    old = VehicleStatus(doors=Doors(locked_states=("Locked",)))
    new = VehicleStatus(doors=Doors(locked_states=("Unlocked",)))
    assert merge_status(old, new).doors == new.doors


def sample_files() -> list[Path]:
    return sorted(SAMPLES.glob("*.json")) if SAMPLES.is_dir() else []


@pytest.mark.skipif(not SAMPLES.is_dir(), reason=f"shared samples folder absent: {SAMPLES}")
@pytest.mark.parametrize("path", sample_files(), ids=lambda path: path.name)
def test_every_shared_sample_parses_in_place(path: Path):
    payload = json.loads(path.read_text())
    for parse in (
        parse_status,
        parse_position,
        parse_maintenance,
        parse_alerts,
        parse_trips,
        parse_user,
        parse_vehicles_page,
        parse_vehicle,
    ):
        parse(payload)
    if "status" in path.name and "error" not in path.name:
        assert parse_status(payload).updated_at is not None or parse_status(payload).electric


def test_real_looking_2023_sample_values():
    path = SAMPLES / "psaccc__status_electric_2023_energy_and_energies.json"
    if not path.is_file():
        pytest.skip(f"shared sample absent: {path}")
    status = parse_status(json.loads(path.read_text()))
    assert status.electric is not None
    assert status.electric.level == 43.0
    assert status.odometer is not None
    assert status.odometer.mileage == 14529.9


# Fuzzing: any mutation of a real-shaped payload parses without raising.

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


def mutate(payload: Any, draw: st.DrawFn) -> Any:
    if isinstance(payload, dict):
        result = {}
        for key, value in payload.items():
            action = draw(st.sampled_from(["keep", "keep", "drop", "null", "retype", "recurse"]))
            if action == "drop":
                continue
            if action == "null":
                result[key] = None
            elif action == "retype":
                result[key] = draw(json_values)
            else:
                result[key] = mutate(value, draw)
        return result
    if isinstance(payload, list):
        items = [mutate(item, draw) for item in payload]
        return draw(st.permutations(items)) if items else items
    return payload


@st.composite
def mutated_payloads(draw: st.DrawFn) -> Any:
    name = draw(st.sampled_from(sorted(path.name for path in FIXTURES.glob("*.json"))))
    return mutate(load(name), draw)


@settings(max_examples=300, deadline=None)
@given(mutated_payloads())
def test_mutated_payloads_never_raise(payload):
    parse_status(payload)
    parse_vehicles_page(payload)
    parse_position(payload.get("lastPosition") if isinstance(payload, dict) else payload)


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_random_json_never_raises(payload):
    for parse in (
        parse_status,
        parse_vehicles_page,
        parse_maintenance,
        parse_alerts,
        parse_trips,
        parse_user,
        parse_position,
        parse_vehicle,
    ):
        parse(payload)


def test_odd_scalars():
    status = parse_status(
        {
            "kinetic": {"moving": 1, "speed": "nan"},
            "doorsState": {"createdAt": "2026-01-01T00:00:00Z", "lockedStates": []},
            "battery": {"voltage": True},
        }
    )
    assert status.kinetic is not None
    assert (status.kinetic.moving, status.kinetic.speed) == (True, None)
    assert status.doors is not None
    assert status.doors.locked is None
    assert status.battery is not None
    assert status.battery.state is None
