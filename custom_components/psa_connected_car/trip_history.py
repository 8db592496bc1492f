"""The trips the cars made: fetched after a drive ended, each fired once as a ``trip`` event.

``/trips`` is never polled. A drive that ended (the ignition back to ``Stop`` after ``Start``
or ``StartUp``, or the odometer further than last seen while the car is not running) makes
the car's trips due: the next round fetches those stopped since ``seen_until`` (minus a
margin), and once more ``RETRY_AFTER`` later when none was new, since the servers compute a
trip some minutes after the drive. A new trip stopped after ``seen_until`` and its id was not
fired yet; at first use ``seen_until`` is the time the car's history was created, so the
trips made before are never fired (the newest still shows as the last trip).

The store (``history_store.py``; per VIN: the last trip, the ids fired lately, ``seen_until``,
the last mileage and whether a fetch is pending) is saved before each fire, so that a restart
never fires a trip twice; the events go through the coordinator's ``signals.VehicleEvents``,
which holds those of the first round until the event entities listen. Positions are not
kept: nothing shows them, and the store stays free of where the car went.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from homeassistant.core import HomeAssistant

from .api.derived import driving
from .api.history import finite_number, iso_or_none
from .api.models import Trip, TripEnergy, VehicleData, VehicleStatus
from .api.parsers import parse_datetime
from .const import LOGGER
from .history_store import HistoryStore
from .signals import VehicleEvents

STORE_NAME = "trips"  # history_store.storage_key(entry_id, STORE_NAME)
RETRY_AFTER = 600.0  # s: no new trip yet; the servers compute it after the drive
SINCE_MARGIN = timedelta(days=1)  # trips can come late: fetch somewhat before seen_until
FIRED_KEPT = 50  # ids remembered per car; older ones are behind seen_until anyway
DUE_TOLERANCE = 5.0  # s: a tick that comes a few seconds early still counts
RUNNING = frozenset({"Start", "StartUp"})
MILEAGE_STEP = 0.05  # km: less than this is the same reading

EVENT_KEY = "trip"


@dataclass
class CarTrips:
    """One car's trip history; ``due_at`` (planner clock) is set while a fetch is wanted."""

    seen_until: datetime
    last_trip: Trip | None = None
    fired: list[str] = field(default_factory=list)
    mileage: float | None = None
    due_at: float | None = None
    retried: bool = False
    ignition: str | None = None  # the last ignition seen (not stored: a restart forgets it)


class TripHistory:
    """The trips of one entry's cars: when to fetch them, which to fire, the last one."""

    def __init__(self, hass: HomeAssistant, entry_id: str, events: VehicleEvents) -> None:
        """Nothing is read before ``async_load``."""
        # Mileage and pending fetches are saved after a delay, the fired ids at once.
        self.store = HistoryStore(hass, entry_id, STORE_NAME, self._document)
        self._events = events
        self.cars: dict[str, CarTrips] = {}
        self.loaded = False

    async def async_load(self) -> None:
        """Read the stored history; junk is dropped (a car then starts afresh)."""
        cars = (await self.store.async_load()).get("cars")
        for vin, item in (cars if isinstance(cars, dict) else {}).items():
            car = car_from_dict(item) if isinstance(vin, str) else None
            if car is not None:
                self.cars[vin] = car
        self.loaded = True

    def _document(self) -> dict[str, Any]:
        return {"cars": {vin: car_to_dict(car) for vin, car in self.cars.items()}}

    def _car(self, vin: str, now: float) -> tuple[CarTrips, bool]:
        """The car's history, and whether it is new (created now: its start is ``now``)."""
        car = self.cars.get(vin)
        if car is not None:
            return car, False
        car = self.cars[vin] = CarTrips(seen_until=datetime.fromtimestamp(now, UTC))
        return car, True

    def follow(self, data: dict[str, VehicleData], now: float) -> None:
        """Read each car's new status (a drive ended?) and show its last trip (in place)."""
        if not self.loaded:
            return
        changed = False
        for vin, known in data.items():
            car, created = self._car(vin, now)
            changed |= self._observe(car, known.status, now) or created
            if known.last_trip != car.last_trip:
                data[vin] = replace(known, last_trip=car.last_trip)
        if changed:
            self.store.async_delay_save()

    def _observe(self, car: CarTrips, status: VehicleStatus | None, now: float) -> bool:
        """Whether the stored part changed; a drive that ended makes the trips due."""
        if status is None:
            return False
        ignition = status.ignition.type if status.ignition is not None else None
        was_running = car.ignition in RUNNING
        if ignition is not None:
            car.ignition = ignition
        if ignition in RUNNING or driving(status):
            return False  # still driving: the mileage seen is kept from before the drive
        mileage = status.odometer.mileage if status.odometer is not None else None
        changed = moved = False
        if mileage is not None and (car.mileage is None or mileage > car.mileage):
            # A stale status with an older reading never moves it back.
            moved = car.mileage is not None and mileage - car.mileage >= MILEAGE_STEP
            if car.mileage is None or moved:
                car.mileage, changed = mileage, True
        if moved or (was_running and ignition == "Stop"):
            car.due_at, car.retried, changed = now, False, True
        return changed

    def due(self, vin: str, now: float) -> bool:
        """Whether this car's trips are to be fetched in this round."""
        car = self.cars.get(vin)
        return car is not None and car.due_at is not None and now + DUE_TOLERANCE >= car.due_at

    def since(self, vin: str) -> datetime | None:
        """The start of the range to fetch (``seen_until`` minus the margin)."""
        car = self.cars.get(vin)
        return None if car is None else car.seen_until - SINCE_MARGIN

    async def async_fetched(self, vin: str, trips: list[Trip] | None, now: float) -> None:
        """The fetch's result (None: it failed): fire the new trips, plan the retry if none."""
        car = self.cars.get(vin)
        if car is None:
            return
        new: list[Trip] = []
        for trip in trips or ():
            if _is_new(car, trip) and (trip.id is None or trip.id not in car.fired):
                new.append(trip)
                car.fired = [*car.fired, trip.id][-FIRED_KEPT:] if trip.id else car.fired
        known = [trip for trip in trips or () if trip.stopped_at and trip.done is not False]
        if known:
            newest = max(known, key=_stop)
            if car.last_trip is None or _stop(newest) >= _stop(car.last_trip):
                car.last_trip = newest
        if new:
            car.seen_until = max(car.seen_until, *(_stop(trip) for trip in new))
        if new or car.retried:
            car.due_at = None
        else:
            car.due_at, car.retried = now + RETRY_AFTER, True
        # Saved before firing: after a crash a trip may go unannounced, never announced twice.
        await self.store.async_save()
        for trip in new:
            self._fire(vin, trip)

    def _fire(self, vin: str, trip: Trip) -> None:
        LOGGER.debug("Vehicle …%s: new trip of %s km", vin[-4:], trip.distance)
        self._events.fire(vin, EVENT_KEY, event_type=EVENT_KEY, attributes=trip_attributes(trip))

    def diagnostics(self, vin: str) -> dict[str, Any] | None:
        """When the last trip stopped, ``seen_until`` and whether a fetch is planned."""
        car = self.cars.get(vin)
        if car is None:
            return None
        last = car.last_trip
        return {
            "last_trip_stopped_at": iso_or_none(last.stopped_at) if last else None,
            "seen_until": car.seen_until.isoformat(),
            "fetch_due": car.due_at is not None,
        }


def _stop(trip: Trip) -> datetime:
    return trip.stopped_at or datetime.min.replace(tzinfo=UTC)


def _is_new(car: CarTrips, trip: Trip) -> bool:
    """Stopped after ``seen_until`` and finished (whether it was fired is checked apart)."""
    return (
        trip.stopped_at is not None and trip.stopped_at > car.seen_until and trip.done is not False
    )


def _minutes(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 60, 1)


def trip_attributes(trip: Trip) -> dict[str, Any]:
    """The ``trip`` event's attributes: times ISO 8601, km, min, km/h, kWh, L, per 100 km."""
    attributes: dict[str, Any] = {
        "id": trip.id,
        "started_at": iso_or_none(trip.started_at),
        "stopped_at": iso_or_none(trip.stopped_at),
        "distance": trip.distance,
        "duration": _minutes(trip.duration),
        "average_speed": trip.avg_speed,
        "max_speed": trip.max_speed,
    }
    electric, fuel = trip.energy("Electric"), trip.energy("Fuel")
    if electric is not None:
        attributes |= {
            "energy": electric.consumption,
            "consumption": electric.average,
            "battery_start_level": electric.start_level,
            "battery_end_level": electric.end_level,
        }
    if fuel is not None:
        attributes |= {
            "fuel": fuel.consumption,
            "fuel_consumption": fuel.average,
            "fuel_start_level": fuel.start_level,
            "fuel_end_level": fuel.end_level,
        }
    return attributes


# Storage --------------------------------------------------------------------------------


def trip_to_dict(trip: Trip) -> dict[str, Any]:
    """A trip as JSON (no positions: the model has none)."""
    return {
        "id": trip.id,
        "started_at": iso_or_none(trip.started_at),
        "stopped_at": iso_or_none(trip.stopped_at),
        "duration": trip.duration,
        "distance": trip.distance,
        "start_mileage": trip.start_mileage,
        "done": trip.done,
        "avg_speed": trip.avg_speed,
        "max_speed": trip.max_speed,
        "energies": [
            {
                "type": energy.type,
                "start_level": energy.start_level,
                "end_level": energy.end_level,
                "consumption": energy.consumption,
                "average": energy.average,
            }
            for energy in trip.energies
        ],
    }


def trip_from_dict(data: Any) -> Trip | None:
    """Read back ``trip_to_dict``; None when it is not a trip."""
    if not isinstance(data, Mapping):
        return None
    energies = [
        TripEnergy(
            type=str(item["type"]),
            start_level=finite_number(item.get("start_level")),
            end_level=finite_number(item.get("end_level")),
            consumption=finite_number(item.get("consumption")),
            average=finite_number(item.get("average")),
        )
        for item in data.get("energies") or ()
        if isinstance(item, Mapping) and isinstance(item.get("type"), str)
    ]
    trip_id = data.get("id")
    done = data.get("done")
    return Trip(
        id=trip_id if isinstance(trip_id, str) else None,
        started_at=parse_datetime(data.get("started_at")),
        stopped_at=parse_datetime(data.get("stopped_at")),
        duration=finite_number(data.get("duration")),
        distance=finite_number(data.get("distance")),
        start_mileage=finite_number(data.get("start_mileage")),
        done=done if isinstance(done, bool) else None,
        avg_speed=finite_number(data.get("avg_speed")),
        max_speed=finite_number(data.get("max_speed")),
        energies=tuple(energies),
    )


def car_to_dict(car: CarTrips) -> dict[str, Any]:
    """One car's stored part (the ignition seen is not kept)."""
    return {
        "seen_until": car.seen_until.isoformat(),
        "last_trip": trip_to_dict(car.last_trip) if car.last_trip else None,
        "fired": list(car.fired),
        "mileage": car.mileage,
        "pending": car.due_at is not None,
    }


def car_from_dict(data: Any) -> CarTrips | None:
    """Read back ``car_to_dict``; None without a usable ``seen_until``.

    A pending fetch is due at once after a restart (the retry is planned again if needed).
    """
    if not isinstance(data, Mapping):
        return None
    seen_until = parse_datetime(data.get("seen_until"))
    if seen_until is None:
        return None
    fired = data.get("fired")
    return CarTrips(
        seen_until=seen_until,
        last_trip=trip_from_dict(data.get("last_trip")),
        fired=[item for item in fired if isinstance(item, str)] if isinstance(fired, list) else [],
        mileage=finite_number(data.get("mileage")),
        due_at=0.0 if data.get("pending") is True else None,
    )
