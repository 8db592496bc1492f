"""What follows from a vehicle's data: charging times, freshness, alerts, energies, activity."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from freezegun.api import FrozenDateTimeFactory
import pytest

from custom_components.psa_connected_car.api.derived import (
    active_alerts,
    charging_end_time,
    delayed_charge_start,
    driving,
    is_active,
    last_update,
    location_accuracy,
    snake,
    vehicle_energies,
)
from custom_components.psa_connected_car.api.models import (
    Alert,
    AuxBattery,
    Charging,
    Energy,
    Ignition,
    Kinetic,
    Odometer,
    Position,
    Vehicle,
    VehicleData,
    VehicleStatus,
)

PARIS = ZoneInfo("Europe/Paris")
AT = datetime(2026, 3, 14, 7, 58, tzinfo=UTC)


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


def make_status(
    *, charging: str = "Disconnected", moving: bool = False, ignition: str = "Stop"
) -> VehicleStatus:
    """A BEV status (the shape of tests/integration/common.py's)."""
    return VehicleStatus(
        updated_at=AT,
        electric=Energy(type="Electric", updated_at=AT, charging=Charging(status=charging)),
        ignition=Ignition(updated_at=AT, type=ignition),
        kinetic=Kinetic(updated_at=AT, moving=moving),
    )


@pytest.mark.parametrize(
    ("status", "active"),
    [
        (None, False),
        (make_status(), False),
        (make_status(charging="InProgress"), True),
        (make_status(charging="Finished"), False),
        (make_status(moving=True), True),
        (make_status(ignition="StartUp"), True),
        (make_status(ignition="Start"), True),
        (VehicleStatus(), False),
    ],
)
def test_is_active(status: VehicleStatus | None, active: bool) -> None:
    assert is_active(status) is active


@pytest.mark.parametrize(
    ("kind", "accuracy"),
    [("Acquire", 10), ("Aquire", 10), ("Estimated", 50), ("Estimate", 50), (None, 50)],
)
def test_location_accuracy(kind: str | None, accuracy: int) -> None:
    assert location_accuracy(Position(latitude=1.0, longitude=2.0, type=kind)) == accuracy


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (None, False),
        (VehicleStatus(), False),  # no ignition reading
        (VehicleStatus(ignition=Ignition(type="Stop"), kinetic=Kinetic(speed=40.0)), False),
        (VehicleStatus(ignition=Ignition(type=None)), False),
        (VehicleStatus(ignition=Ignition(type="Start")), True),  # no kinetic block
        (VehicleStatus(ignition=Ignition(type="Start"), kinetic=Kinetic(speed=0.0)), False),
        (VehicleStatus(ignition=Ignition(type="Start"), kinetic=Kinetic(speed=52.0)), True),
        # Speed wins over the moving flag; without a speed the flag decides.
        (
            VehicleStatus(ignition=Ignition(type="Start"), kinetic=Kinetic(speed=0.0, moving=True)),
            False,
        ),
        (VehicleStatus(ignition=Ignition(type="StartUp"), kinetic=Kinetic(moving=False)), False),
        (VehicleStatus(ignition=Ignition(type="StartUp"), kinetic=Kinetic(moving=True)), True),
        (VehicleStatus(ignition=Ignition(type="StartUp"), kinetic=Kinetic()), True),
    ],
)
def test_driving(status: VehicleStatus | None, expected: bool) -> None:
    """Only a car whose ignition is on and that is not standing still is driving."""
    assert driving(status) is expected
