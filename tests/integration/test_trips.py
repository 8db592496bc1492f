"""Trips in Home Assistant: fetched after a drive ended only, each new one fired once.

The mocked account of common.py on a frozen clock; ``mock.trips`` is what ``/trips`` answers
(the client's paging and filters are tested in tests/api/test_trips.py).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.psa_connected_car.api.exceptions import (
    PSAConnectionError,
    PSARateLimitError,
)
from custom_components.psa_connected_car.api.models import (
    Trip,
    TripEnergy,
    VehicleData,
    VehicleStatus,
)
from custom_components.psa_connected_car.const import TICK_INTERVAL
from custom_components.psa_connected_car.diagnostics import async_get_config_entry_diagnostics
from custom_components.psa_connected_car.history_store import storage_key
from custom_components.psa_connected_car.signals import VehicleEvents, event_signal
from custom_components.psa_connected_car.trip_history import (
    RETRY_AFTER,
    STORE_NAME,
    TripHistory,
    trip_from_dict,
    trip_to_dict,
)

from .common import (
    T0,
    VIN_1,
    VIN_2,
    MockPSA,
    create_entry,
    make_status,
    make_vehicle,
    setup_integration,
)
from .entity_helpers import states_by_key

ID_1 = f"id-{VIN_1[-4:]}"
ID_2 = f"id-{VIN_2[-4:]}"
KEY = storage_key(create_entry().entry_id, STORE_NAME)


def trip(trip_id: str, stopped: datetime, **changes: Any) -> Trip:
    values: dict[str, Any] = {
        "id": trip_id,
        "started_at": stopped - timedelta(minutes=40),
        "stopped_at": stopped,
        "duration": 2400.0,
        "distance": 31.4,
        "done": True,
        "avg_speed": 47.1,
        "max_speed": 110.0,
        "energies": (
            TripEnergy(
                type="Electric", start_level=80.0, end_level=70.0, consumption=5.2, average=16.6
            ),
        ),
    }
    values.update(changes)
    return Trip(**values)


async def advance(hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float) -> None:
    """Move the clock one tick at a time, letting the coordinator run at each tick."""
    while seconds > 0:
        step = min(seconds, TICK_INTERVAL)
        freezer.tick(timedelta(seconds=step))
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)
        seconds -= step


def now() -> datetime:
    return dt_util.utcnow()


def listen(hass: HomeAssistant, entry: MockConfigEntry, vin: str = VIN_1) -> list[dict[str, Any]]:
    """The ``trip`` events this car fires from now on (their attributes)."""
    fired: list[dict[str, Any]] = []

    @callback
    def _got(event_type: str, attributes: dict[str, Any]) -> None:
        assert event_type == "trip"
        fired.append(attributes)

    entry.async_on_unload(
        async_dispatcher_connect(hass, event_signal(entry.entry_id, vin, "trip"), _got)
    )
    return fired


@pytest.fixture
async def loaded(
    hass: HomeAssistant, mock_psa: MockPSA, freezer: FrozenDateTimeFactory
) -> MockConfigEntry:
    """The mocked account set up at T0: two parked cars, the history created now."""
    freezer.move_to(T0)
    entry = create_entry()
    await setup_integration(hass, entry)
    return entry


async def drive(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    mock: MockPSA,
    *,
    distance: float = 30.0,
    minutes: int = 10,
) -> datetime:
    """VIN_1 drives ``minutes`` (seen running at the next poll) and parks; returns the end."""
    start = make_status(at=now(), ignition="Start", moving=True, mileage=12345.0)
    mock.statuses[ID_1] = start
    await advance(hass, freezer, 600)  # the parked car's next poll sees it running
    freezer.tick(timedelta(minutes=minutes))
    stopped = now()
    mock.statuses[ID_1] = make_status(at=stopped, ignition="Stop", mileage=12345.0 + distance)
    await advance(hass, freezer, 60)  # a running car is polled every minute
    return stopped


async def test_a_parked_day_never_fetches_trips(
    hass: HomeAssistant, mock_psa: MockPSA, loaded: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    mock_psa.trips[ID_1] = [trip("old", T0 - timedelta(hours=2))]
    for hour in range(24):
        # Uploads of the same values, a charge included: nothing was driven.
        charging = "InProgress" if hour in (3, 4) else "Disconnected"
        mock_psa.statuses[ID_1] = make_status(at=now(), charging=charging)
        await advance(hass, freezer, 3600)
    assert mock_psa.status_calls(ID_1) > 24
    assert mock_psa.trips_calls() == 0
    assert loaded.runtime_data.data[VIN_1].last_trip is None
    assert "last_trip_distance" not in states_by_key(hass, VIN_1, "sensor")


async def test_ignition_back_to_stop_fetches_then_retries_once(
    hass: HomeAssistant, mock_psa: MockPSA, loaded: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    fired = listen(hass, loaded)
    stopped = await drive(hass, freezer, mock_psa)
    assert mock_psa.trips_calls() == 0  # the round that saw the stop planned it
    await advance(hass, freezer, 60)
    assert mock_psa.trips_calls(ID_1) == 1
    since = mock_psa.client.get_trips.await_args.kwargs["since"]
    assert since == T0 - timedelta(days=1)  # seen_until (first use: T0) minus the margin
    # Not computed yet: one retry ten minutes later, which finds it.
    mock_psa.trips[ID_1] = [trip("t1", stopped)]
    await advance(hass, freezer, RETRY_AFTER - 60)
    assert mock_psa.trips_calls(ID_1) == 1
    await advance(hass, freezer, 60)
    assert mock_psa.trips_calls(ID_1) == 2
    assert [item["id"] for item in fired] == ["t1"]
    # Nothing more until the next drive ends.
    await advance(hass, freezer, 6 * 3600)
    assert mock_psa.trips_calls() == 2
    assert len(fired) == 1


async def test_no_new_trip_after_the_retry_stops_asking(
    hass: HomeAssistant, mock_psa: MockPSA, loaded: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    await drive(hass, freezer, mock_psa)
    await advance(hass, freezer, 60 + RETRY_AFTER + 6 * 3600)
    assert mock_psa.trips_calls(ID_1) == 2
    assert mock_psa.trips_calls(ID_2) == 0


async def test_the_odometer_moving_between_polls_fetches(
    hass: HomeAssistant, mock_psa: MockPSA, loaded: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    """The car drove between two polls: it was never seen running."""
    fired = listen(hass, loaded)
    mock_psa.trips[ID_1] = [trip("t1", T0 + timedelta(minutes=8))]
    mock_psa.statuses[ID_1] = make_status(at=T0 + timedelta(minutes=9), mileage=12360.0)
    await advance(hass, freezer, 600)
    assert mock_psa.trips_calls() == 0
    await advance(hass, freezer, 60)
    assert mock_psa.trips_calls(ID_1) == 1
    assert [item["id"] for item in fired] == ["t1"]


async def test_the_trip_event_and_sensors(
    hass: HomeAssistant, mock_psa: MockPSA, loaded: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    fired = listen(hass, loaded)
    stopped = await drive(hass, freezer, mock_psa)
    mock_psa.trips[ID_1] = [trip("t1", stopped)]
    await advance(hass, freezer, 60)
    expected = {
        "id": "t1",
        "started_at": (stopped - timedelta(minutes=40)).isoformat(),
        "stopped_at": stopped.isoformat(),
        "distance": 31.4,
        "duration": 40.0,
        "average_speed": 47.1,
        "max_speed": 110.0,
        "energy": 5.2,
        "consumption": 16.6,
        "battery_start_level": 80.0,
        "battery_end_level": 70.0,
    }
    assert fired == [expected]
    event = states_by_key(hass, VIN_1, "event")["trip"]
    assert event.attributes["event_type"] == "trip"
    assert {key: event.attributes[key] for key in expected} == expected
    sensors = states_by_key(hass, VIN_1, "sensor")
    assert sensors["last_trip_distance"].state == "31.4"
    assert sensors["last_trip_distance"].attributes["stopped_at"] == stopped.isoformat()
    assert sensors["last_trip_duration"].state == "40.0"
    assert sensors["last_trip_average_speed"].state == "47.1"
    assert sensors["last_trip_energy"].state == "5.2"
    assert sensors["last_trip_consumption"].state == "16.6"
    # An electric car: no fuel sensors.
    assert "last_trip_fuel" not in sensors
    assert "last_trip_fuel_consumption" not in sensors
    # The other car made no trip: no trip sensors, an event entity that never fired.
    assert "last_trip_distance" not in states_by_key(hass, VIN_2, "sensor")
    assert states_by_key(hass, VIN_2, "event")["trip"].state == "unknown"


async def test_a_hybrid_gets_fuel_sensors(
    hass: HomeAssistant, mock_psa: MockPSA, loaded: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    fired = listen(hass, loaded, VIN_2)
    fuel = TripEnergy(type="Fuel", start_level=60.0, end_level=58.0, consumption=1.35, average=4.3)
    mock_psa.trips[ID_2] = [trip("h1", T0 + timedelta(minutes=8), energies=(fuel,))]
    mock_psa.statuses[ID_2] = make_status(at=T0 + timedelta(minutes=9), mileage=12375.0)
    await advance(hass, freezer, 660)
    sensors = states_by_key(hass, VIN_2, "sensor")
    assert sensors["last_trip_fuel"].state == "1.35"
    assert sensors["last_trip_fuel_consumption"].state == "4.3"
    assert sensors["last_trip_energy"].state == "unknown"  # the trip reported no electric part
    assert fired[0]["fuel"] == 1.35
    assert fired[0]["fuel_start_level"] == 60.0
    assert "energy" not in fired[0]


async def test_trips_before_first_use_are_not_fired(
    hass: HomeAssistant, mock_psa: MockPSA, loaded: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    """The history starts at T0: older trips only show, the newest as the last trip."""
    fired = listen(hass, loaded)
    old = [trip("old-2", T0 - timedelta(hours=1)), trip("old-1", T0 - timedelta(hours=5))]
    mock_psa.trips[ID_1] = old
    await drive(hass, freezer, mock_psa)
    await advance(hass, freezer, 60)
    assert fired == []
    last = loaded.runtime_data.data[VIN_1].last_trip
    assert last is not None
    assert last.id == "old-2"
    assert states_by_key(hass, VIN_1, "sensor")["last_trip_distance"].state == "31.4"


async def test_each_trip_fires_once_and_oldest_first(
    hass: HomeAssistant, mock_psa: MockPSA, loaded: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    fired = listen(hass, loaded)
    stopped = await drive(hass, freezer, mock_psa)
    first = trip("t1", stopped)
    mock_psa.trips[ID_1] = [first]
    await advance(hass, freezer, 60)
    stopped_2 = await drive(hass, freezer, mock_psa, distance=50.0)
    # The client sorts oldest first; the second drive's trip comes with two unfinished ones.
    mock_psa.trips[ID_1] = [
        # The servers may move a trip's end when they compute it again: same id, no new trip.
        replace(first, stopped_at=stopped + timedelta(minutes=1)),
        trip("between", stopped_2 - timedelta(minutes=5)),
        trip("t2", stopped_2),
        trip("t2", stopped_2),  # twice in one answer (two pages overlapping): fired once
        trip("running", stopped_2, done=False),
        trip("no-end", stopped_2, stopped_at=None),
    ]
    await advance(hass, freezer, 60)
    assert [item["id"] for item in fired] == ["t1", "between", "t2"]
    last = loaded.runtime_data.data[VIN_1].last_trip
    assert last is not None
    assert last.id == "t2"  # the newest finished one


async def test_no_trip_fires_twice_across_restarts(
    hass: HomeAssistant,
    mock_psa: MockPSA,
    loaded: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    fired = listen(hass, loaded)
    stopped = await drive(hass, freezer, mock_psa)
    first = trip("t1", stopped)
    mock_psa.trips[ID_1] = [first]
    await advance(hass, freezer, 60)
    assert [item["id"] for item in fired] == ["t1"]
    stored = hass_storage[KEY]["data"]["cars"][VIN_1]
    assert stored["fired"] == ["t1"]
    assert "position" not in str(stored)
    # A drive during the restart: the odometer moved since the stored mileage.
    assert await hass.config_entries.async_unload(loaded.entry_id)
    mock_psa.statuses[ID_1] = make_status(at=now(), mileage=12500.0)
    second = trip("t2", now() - timedelta(minutes=1))
    mock_psa.trips[ID_1] = [first, second]
    assert await hass.config_entries.async_setup(loaded.entry_id)
    await hass.async_block_till_done()
    fired = listen(hass, loaded)
    last = loaded.runtime_data.data[VIN_1].last_trip
    assert last is not None
    assert last.id == "t1"  # restored from the store
    await advance(hass, freezer, 60)
    assert [item["id"] for item in fired] == ["t2"]
    # Once more, without anything new: nothing fires.
    assert await hass.config_entries.async_reload(loaded.entry_id)
    await hass.async_block_till_done()
    fired = listen(hass, loaded)
    await drive(hass, freezer, mock_psa, distance=300.0)
    await advance(hass, freezer, 60 + RETRY_AFTER)
    assert fired == []
    assert mock_psa.trips_calls() == 4


async def test_a_pending_fetch_survives_a_restart(
    hass: HomeAssistant, mock_psa: MockPSA, loaded: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    await drive(hass, freezer, mock_psa)
    assert mock_psa.trips_calls() == 0
    assert await hass.config_entries.async_reload(loaded.entry_id)
    await hass.async_block_till_done()
    await advance(hass, freezer, 60)
    assert mock_psa.trips_calls(ID_1) == 1


async def test_a_trip_fetched_in_the_first_round_reaches_its_entity(
    hass: HomeAssistant,
    mock_psa: MockPSA,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    """A fetch pending across a restart runs in the first round, before the platforms: the
    event is held until the event entity listens, then shown on it."""
    freezer.move_to(T0)
    stored = {"seen_until": (T0 - timedelta(hours=2)).isoformat(), "pending": True}
    hass_storage[KEY] = {"version": 1, "key": KEY, "data": {"cars": {VIN_1: stored}}}
    mock_psa.trips[ID_1] = [trip("t1", T0 - timedelta(minutes=30))]
    entry = create_entry()
    await setup_integration(hass, entry)
    assert mock_psa.trips_calls(ID_1) == 1
    shown = states_by_key(hass, VIN_1, "event")["trip"]
    assert shown.attributes["event_type"] == "trip"
    assert shown.attributes["id"] == "t1"
    assert hass_storage[KEY]["data"]["cars"][VIN_1]["fired"] == ["t1"]


async def test_a_failing_trips_call_keeps_the_last_trip(
    hass: HomeAssistant, mock_psa: MockPSA, loaded: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    coordinator = loaded.runtime_data
    stopped = await drive(hass, freezer, mock_psa)
    mock_psa.trips[ID_1] = [trip("t1", stopped)]
    await advance(hass, freezer, 60)
    mock_psa.trips[ID_1] = PSAConnectionError("502")
    later = make_status(at=now(), level=55.0, mileage=12400.0)
    mock_psa.statuses[ID_1] = later
    await advance(hass, freezer, 600)
    await advance(hass, freezer, 60)
    assert mock_psa.trips_calls(ID_1) == 2
    assert coordinator.last_update_success
    assert coordinator.data[VIN_1].status == later
    last = coordinator.data[VIN_1].last_trip
    assert last is not None
    assert last.id == "t1"
    assert states_by_key(hass, VIN_1, "sensor")["last_trip_distance"].state == "31.4"


async def test_a_rate_limit_on_trips_blocks_the_planner(
    hass: HomeAssistant, mock_psa: MockPSA, loaded: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    coordinator = loaded.runtime_data
    await drive(hass, freezer, mock_psa)
    mock_psa.trips[ID_1] = PSARateLimitError("slow down", 900)
    await advance(hass, freezer, 60)
    assert coordinator.planner.blocked(coordinator.now())
    calls = mock_psa.status_calls()
    await advance(hass, freezer, 600)
    assert mock_psa.status_calls() == calls
    assert mock_psa.trips_calls() == 1


async def test_diagnostics_show_no_position(
    hass: HomeAssistant, mock_psa: MockPSA, loaded: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    stopped = await drive(hass, freezer, mock_psa)
    mock_psa.trips[ID_1] = [trip("t1", stopped)]
    await advance(hass, freezer, 60)
    diagnostics = await async_get_config_entry_diagnostics(hass, loaded)
    trips = diagnostics["vehicles"][0]["trips"]
    assert trips["last_trip_stopped_at"] == stopped.isoformat()
    assert trips["seen_until"] == stopped.isoformat()


async def test_the_store_goes_with_the_entry(
    hass: HomeAssistant, mock_psa: MockPSA, loaded: MockConfigEntry, hass_storage: dict[str, Any]
) -> None:
    await hass.config_entries.async_unload(loaded.entry_id)  # the store is written
    assert KEY in hass_storage
    await hass.config_entries.async_remove(loaded.entry_id)
    await hass.async_block_till_done()
    assert KEY not in hass_storage


async def test_junk_in_the_store_starts_afresh(
    hass: HomeAssistant,
    mock_psa: MockPSA,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    freezer.move_to(T0)
    hass_storage[KEY] = {
        "version": 1,
        "key": KEY,
        "data": {"cars": {VIN_1: {"seen_until": "never"}, VIN_2: "junk"}},
    }
    entry = create_entry()
    await setup_integration(hass, entry)
    assert entry.runtime_data.trip_history.cars[VIN_1].seen_until == T0


def test_a_trip_survives_the_store() -> None:
    original = trip("t1", T0, start_mileage=100.0)
    assert trip_from_dict(trip_to_dict(original)) == original
    assert trip_from_dict("junk") is None
    odd = trip_from_dict({"id": 3, "done": "yes", "distance": True, "energies": [{"x": 1}, 2]})
    assert odd == Trip()


async def test_what_counts_as_a_drive_that_ended(hass: HomeAssistant) -> None:
    """Read directly: an older or a barely different mileage is no drive, nor a running car."""
    history = TripHistory(hass, "entry", VehicleEvents(hass, "entry"))
    await history.async_load()
    base = T0.timestamp()
    car = VehicleData(vehicle=make_vehicle(VIN_1))

    def seen(status: VehicleStatus, at: float) -> bool:
        history.follow({VIN_1: replace(car, status=status)}, base + at)
        return history.due(VIN_1, base + at)

    assert not seen(make_status(mileage=100.0), 0)  # the first reading
    assert not seen(make_status(mileage=99.0), 60)  # a stale one never moves it back
    assert not seen(make_status(mileage=100.04), 120)  # the same reading, rounded
    # Ignition "Free" but moving: still driving, even with the odometer further.
    assert not seen(make_status(mileage=110.0, ignition="Free", moving=True), 180)
    assert seen(make_status(mileage=110.0, ignition="Free"), 240)  # now parked
    assert history.cars[VIN_1].mileage == 110.0
