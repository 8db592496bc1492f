"""Parsers: our own fixtures field by field, the shared samples in place, and fuzzing."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
import json
import logging
from pathlib import Path
from typing import Any

from hypothesis import given, settings, strategies as st
import pytest

from custom_components.psa_connected_car.api import parsers
from custom_components.psa_connected_car.api.models import (
    Alarm,
    Alert,
    AuxBattery,
    Charging,
    Doors,
    Energy,
    Engine,
    Environment,
    Ignition,
    Kinetic,
    Maintenance,
    Odometer,
    Position,
    Preconditioning,
    Privacy,
    Trip,
    TripEnergy,
    VehicleStatus,
)
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
    parse_trips_page,
    parse_user,
    parse_vehicle,
    parse_vehicles_page,
)

from .fuzzing import json_values, mutate

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


def test_current_phev_status_field_by_field():
    status = parse_status(load("status_phev_current.json"))
    assert status.updated_at == utc("2026-04-12T07:41:30")
    electric = status.electric
    assert electric is not None
    assert electric.type == "Electric"
    # energies[] gives level, autonomy and the extension; energy[] the real update time.
    assert (electric.level, electric.autonomy) == (23.0, 14.0)
    assert electric.updated_at == utc("2026-04-12T07:41:20")
    assert (electric.battery_capacity, electric.battery_residual) == (12400.0, 2852.0)
    assert electric.battery_health == 93.5  # capacity first (PHEV), resistance ignored
    assert electric.charging == Charging(
        plugged=False,
        status="Disconnected",
        remaining_time=timedelta(0),
        rate=0.0,
        mode="No",
        next_delayed_time=timedelta(hours=22, minutes=31),
        power_level="Level1",
        type="Partial",
    )
    assert (electric.consumption_total, electric.consumption_instant) == (None, None)
    fuel = status.fuel
    assert fuel is not None
    assert (fuel.level, fuel.autonomy) == (57.0, 512.0)
    assert fuel.updated_at == utc("2026-04-12T07:41:15")  # energies createdAt is the newest
    assert (fuel.consumption_total, fuel.consumption_instant) == (987.65, 5.4)
    assert fuel.charging is None
    assert status.position == Position(
        latitude=47.2184,
        longitude=-1.5536,
        altitude=12.0,
        heading=271.5,
        updated_at=utc("2026-04-12T07:41:00"),
        type="Acquire",
        signal_quality=4.0,
        fix_status="2D",
    )
    assert status.ignition == Ignition(updated_at=utc("2026-04-12T07:41:00"), type="StartUp")
    assert status.battery == AuxBattery(updated_at=utc("2026-04-12T07:30:00"), state=91.0)
    assert status.privacy == Privacy(updated_at=utc("2026-04-12T07:00:00"), state="Geolocation")
    assert status.environment == Environment(
        updated_at=utc("2026-04-12T07:36:00"), temperature=11.5, daylight=False
    )
    assert status.odometer == Odometer(updated_at=utc("2026-04-12T07:41:00"), mileage=31002.0)
    assert status.kinetic == Kinetic(
        updated_at=utc("2026-04-12T07:41:10"), moving=True, speed=87.3, acceleration=0.4
    )
    assert status.alarm == Alarm(updated_at=utc("2026-04-12T06:00:00"), active=False)
    doors = status.doors
    assert doors is not None
    assert doors.updated_at == utc("2026-04-12T07:39:00")
    assert doors.locked is True
    assert doors.locked_states == ("Locked", "RearDoorsLocked")
    assert doors.openings == {
        "Driver": False,
        "Passenger": False,
        "RearLeft": False,
        "RearRight": False,
        "Trunk": False,
        "RoofWindow": True,
    }
    assert status.preconditioning == Preconditioning(
        updated_at=utc("2026-04-12T07:20:00"), status="Finished", starting_cause="Scheduled"
    )
    assert status.engine == Engine(
        updated_at=utc("2026-04-12T07:41:05"), coolant_temperature=88.5, oil_temperature=96.0
    )


def test_sparse_status_field_by_field():
    status = parse_status(load("status_sparse.json"))
    assert status.updated_at == utc("2026-05-20T12:00:00")
    assert status.electric == Energy(type="Electric")  # listed, but nothing known
    assert status.fuel is None
    assert status.position is None  # no coordinates
    assert status.doors is None
    assert status.kinetic is None
    assert status.alarm is None
    assert status.engine is None  # no Thermic engine
    assert status.preconditioning is None
    assert status.environment == Environment()
    assert status.odometer == Odometer(updated_at=utc("2026-05-20T11:00:00"), mileage=None)
    assert status.battery == AuxBattery(updated_at=utc("2026-05-20T11:00:00"), state=None)
    assert (status.ignition, status.privacy) == (None, None)


def test_charging_directly_under_a_current_energy_item():
    status = parse_status(
        {"energies": [{"type": "Electric", "level": 50, "charging": {"status": "Finished"}}]}
    )
    assert status.electric is not None
    assert status.electric.charging is not None
    assert status.electric.charging.status == "Finished"


def test_list_items_are_picked_by_type_not_by_index():
    payload = load("status_phev_current.json")
    reordered = {
        **payload,
        "energies": payload["energies"][::-1],
        "energy": payload["energy"][::-1],
        "engines": payload["engines"][::-1],
    }
    assert replace(parse_status(reordered), raw={}) == replace(parse_status(payload), raw={})


def test_placeholder_temperatures():
    status = parse_status(
        {
            "environment": {"air": {"temp": 215.0}},
            "engines": [
                {"type": "Thermic", "extension": {"thermic": {"coolant": {"temp": -61}}}},
            ],
        }
    )
    assert status.environment is not None
    assert status.environment.temperature is None
    assert status.engine is not None
    assert status.engine.coolant_temperature is None
    assert parse_status({"environment": {"air": {"temp": "-12.5"}}}).environment == Environment(
        temperature=-12.5
    )


def test_position_fixture_and_old_updated_at():
    position = parse_position(load("last_position.json"))
    assert position == Position(
        latitude=43.7102,
        longitude=7.2620,
        altitude=25.5,
        heading=12.0,
        updated_at=utc("2026-06-01T18:20:00"),
        type="Estimated",
        signal_quality=2.0,
    )
    old = parse_position(
        {
            "geometry": {"coordinates": ["2.35", "48.85"]},
            "properties": {"updatedAt": "2021-01-01T00:00:00Z"},
        }
    )
    assert old is not None
    assert (old.latitude, old.longitude, old.altitude) == (48.85, 2.35, None)
    assert old.updated_at == utc("2021-01-01T00:00:00")
    assert parse_position({"geometry": {"coordinates": [0, 0, 0]}}) is None


def test_maintenance_alerts_trips_user_fixtures():
    assert parse_maintenance(load("maintenance.json")) == Maintenance(
        updated_at=utc("2026-06-01T00:00:00"),
        days_before=210,
        distance_before=14500.5,
        raw=load("maintenance.json"),
    )
    assert parse_alerts(load("alerts.json")) == [
        Alert(
            id="alert-1",
            type="AdBlueFault",
            severity="Warning",
            active=True,
            started_at=utc("2026-05-30T08:00:00"),
        ),
        Alert(
            id="2",
            type="TyrePressureLow",
            severity="Critical",
            active=False,
            started_at=utc("2026-05-01T08:00:00"),
            ended_at=utc("2026-05-02T09:30:00"),
        ),
    ]
    assert parse_trips(load("trips.json")) == [
        Trip(
            id="trip-1",
            started_at=utc("2026-06-01T17:40:00"),
            stopped_at=utc("2026-06-01T18:20:00"),
            duration=2400.0,
            distance=31.4,
            start_mileage=30970.6,
            done=True,
            avg_speed=pytest.approx(45.0),
            max_speed=98.0,
            energies=(
                # Matched by type whatever the order; Wh -> kWh, cL -> L; Hydrogen dropped.
                TripEnergy(
                    type="Electric",
                    start_level=80.0,
                    end_level=20.0,
                    consumption=7.8,
                    average=17.333,
                ),
                TripEnergy(
                    type="Fuel", start_level=61.0, end_level=58.5, consumption=1.5, average=4.8
                ),
            ),
        ),
        # Odd fields become None, odd lists no energies.
        Trip(id="2", energies=(TripEnergy(type="Electric"),)),
    ]
    user = parse_user(load("user.json"))
    assert (user.email, user.first_name, user.last_name) == (
        "driver@example.invalid",
        "Camille",
        "Martin",
    )
    assert parse_alerts({"total": 0}) == []
    assert parse_trips({"_embedded": {"trips": None}}) == []


def test_more_vehicle_pages():
    vehicles, token = parse_vehicles_page(load("vehicles_page_2.json"))
    assert token == "PAGE3+TOKEN="  # percent-decoded once
    assert [(v.vin, v.brand, v.label, v.motorization, v.pictures) for v in vehicles] == [
        ("VR3SIMULATEDFIXT3", "Peugeot", None, "Thermic", ()),
        ("VR3SIMULATEDFIXT4", "Citroën", "C5 X", None, ("https://example.invalid/c5x.png",)),
    ]
    vehicles, token = parse_vehicles_page(load("vehicles_page_3.json"))
    assert token is None  # page 3 of 3, although a next link is there
    assert [(v.id, v.vin, v.motorization) for v in vehicles] == [
        ("2a2b2c", "VR3SIMULATEDFIXT5", "Hydrogen")
    ]
    capital = {"_embedded": {"Vehicles": [{"id": "x", "vin": "VR3SIMULATEDCAP01"}]}}
    assert [v.vin for v in parse_vehicles_page(capital)[0]] == ["VR3SIMULATEDCAP01"]
    assert parse_vehicles_page({}) == ([], None)
    assert parse_vehicle({"id": "x", "vin": "   "}) is None


def test_odd_fields_are_logged_once_per_path(caplog):
    caplog.set_level(logging.DEBUG, logger="custom_components.psa_connected_car.api.parsers")
    payload = {"kinetic": {"speed": "fast" * 500}, "battery": {"voltage": [1]}}
    with parsers.report_once(set()):  # what each PSAClient does around its parses
        parse_status(payload)
        parse_status(payload)
    messages = [record.getMessage() for record in caplog.records]
    assert len(messages) == 2  # one per path, however often it comes back
    assert any("kinetic.speed" in message for message in messages)
    assert any("battery.voltage" in message for message in messages)
    assert all(len(message) < 300 for message in messages)  # values are cut short


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
    assert parse_duration("PT2H55M") == timedelta(hours=2, minutes=55)
    assert parse_duration("PT0S") == timedelta(0)
    assert parse_duration("P999999999999D") is None  # too large for a timedelta
    assert parse_duration(" PT1M ") == timedelta(minutes=1)
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
    for parse in ALL_PARSERS:
        parse(payload)
    name = path.name
    # What each kind of payload must yield, beyond not raising.
    if "__status" in name:
        status = parse_status(payload)
        assert status.updated_at is not None
        assert status.electric or status.fuel
    elif "vehicles_list" in name:
        vehicles, _ = parse_vehicles_page(payload)
        assert vehicles
        assert all(vehicle.vin and vehicle.id for vehicle in vehicles)
    elif "vehicle_by_id" in name:
        assert parse_vehicle(payload) is not None
    elif "last_position" in name:
        assert parse_position(payload) is not None
    elif "maintenance" in name:
        assert parse_maintenance(payload).days_before is not None
    elif "trips_page" in name:
        assert parse_trips(payload)
    elif "__user" in name:
        assert parse_user(payload).email


def test_real_looking_2023_sample_values():
    path = SAMPLES / "psaccc__status_electric_2023_energy_and_energies.json"
    if not path.is_file():
        pytest.skip(f"shared sample absent: {path}")
    status = parse_status(json.loads(path.read_text()))
    assert status.electric is not None
    assert status.electric.level == 43.0
    assert status.odometer is not None
    assert status.odometer.mileage == 14529.9


def test_shared_trips_sample_values():
    path = SAMPLES / "synthetic__trips_page.json"
    if not path.is_file():
        pytest.skip(f"shared sample absent: {path}")
    trips, token = parse_trips_page(json.loads(path.read_text()))
    assert token is None  # one page: only self, first and last links
    (trip,) = trips
    assert (trip.id, trip.distance, trip.duration) == ("SYNTHETIC_TRIP_ID", 24.3, 1800.0)
    assert (trip.started_at, trip.stopped_at) == (
        utc("2025-09-01T07:30:00"),
        utc("2025-09-01T08:00:00"),
    )
    assert trip.avg_speed == pytest.approx(48.6)  # 13.5 m/s
    assert trip.max_speed == 92.0
    electric = TripEnergy(
        type="Electric", start_level=80.0, end_level=75.0, consumption=3.6, average=14.8
    )
    assert trip.energies == (electric,)
    assert trip.energy("Electric") is trip.energies[0]
    assert trip.energy("Fuel") is None


def test_trips_page_token():
    page = {
        "totalPage": 3,
        "currentPage": 1,
        "_links": {"next": {"href": "https://x/trips?pageToken=NEXT&distance=0.1-"}},
        "_embedded": {"trips": [{"id": "a"}, "junk"]},
    }
    trips, token = parse_trips_page(page)
    assert ([trip.id for trip in trips], token) == (["a"], "NEXT")
    assert parse_trips_page(None) == ([], None)


# Fuzzing: any mutation of a real-shaped payload parses without raising.


ALL_PARSERS = (
    parse_status,
    parse_vehicles_page,
    parse_vehicle,
    parse_position,
    parse_maintenance,
    parse_alerts,
    parse_trips,
    parse_trips_page,
    parse_user,
)


@st.composite
def mutated_payloads(draw: st.DrawFn) -> Any:
    name = draw(st.sampled_from(sorted(path.name for path in FIXTURES.glob("*.json"))))
    return mutate(load(name), draw)


@settings(max_examples=400, deadline=None)
@given(mutated_payloads())
def test_mutated_payloads_never_raise(payload):
    for parse in ALL_PARSERS:
        parse(payload)
    status = parse_status(payload)
    merge_status(status, parse_status(load("status_phev_current.json")))
    merge_status(parse_status(load("status_electric_current.json")), status)
    parse_position(payload.get("lastPosition") if isinstance(payload, dict) else payload)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_random_json_never_raises(payload):
    for parse in ALL_PARSERS:
        parse(payload)
    for key in ("energies", "energy", "lastPosition", "doorsState", "engines", "odometer"):
        parse_status({key: payload})


DURATION_SHAPES = st.from_regex(r"P(\d{1,14}D)?(T(\d{1,14}H)?(\d{1,14}M)?)?", fullmatch=True)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40) | DURATION_SHAPES)
def test_random_durations_and_dates_never_raise(text):
    parse_duration(text)
    parse_datetime(text)


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


def test_a_number_too_big_for_a_float_is_unknown() -> None:
    """An integer beyond any float (10**400) is an odd value, not a crash."""
    status = parse_status({"energies": [{"type": "Electric", "level": 10**400}]})
    assert status.electric is not None
    assert status.electric.level is None
