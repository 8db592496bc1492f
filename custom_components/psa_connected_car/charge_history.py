"""The charge history of an entry's cars in Home Assistant: the meters, their store, the events.

The library (``api/history.py``) does the counting; this keeps one meter per VIN in the store
``psa_connected_car.<entry_id>.charging`` (``history_store.py``), puts it into
``VehicleData.charge`` for the sensors and fires each session event once on the car's
``charging`` event entity (through the coordinator's ``signals.VehicleEvents``). The meter
decides what is an event and is stored with it, so a restart neither counts a rise twice nor
fires an event again. Saves are delayed (a charge changes the meter at every poll); the
pending one is written when the coordinator shuts down.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from homeassistant.core import HomeAssistant, callback

from .api.derived import ELECTRIC, snake, vehicle_energies
from .api.history import (
    ChargeEvent,
    ChargeSession,
    EnergyMeter,
    iso_or_none,
    meter_from_dict,
    meter_to_dict,
    observe,
)
from .api.models import VehicleData
from .history_store import HistoryStore
from .signals import VehicleEvents

STORE_NAME = "charging"  # history_store.storage_key(entry_id, STORE_NAME)
EVENT_KEY = "charging"


def _rounded(value: float | None, digits: int) -> float | None:
    return round(value, digits) if value is not None else None


def session_attributes(session: ChargeSession) -> dict[str, Any]:
    """A session as state attributes: times ISO 8601, energy kWh, end status snake_case."""
    return {
        "started_at": iso_or_none(session.started_at),
        "ended_at": iso_or_none(session.ended_at),
        "start_level": session.start_level,
        "end_level": session.end_level,
        "start_range": session.start_range,
        "end_range": session.end_range,
        "energy": round(session.energy, 3),
        "range_per_hour": _rounded(session.range_per_hour, 1),
        "end_status": snake(session.end_status) if session.end_status else None,
        "observed_start": session.observed_start,
    }


class ChargeHistory:
    """The meters of one entry's cars, by VIN."""

    def __init__(self, hass: HomeAssistant, entry_id: str, events: VehicleEvents) -> None:
        """Nothing is read until ``async_load``."""
        self.store = HistoryStore(hass, entry_id, STORE_NAME, self._document)
        self._events = events
        self._meters: dict[str, EnergyMeter] = {}

    async def async_load(self) -> None:
        """Read the stored meters; an unreadable store starts afresh (never raises)."""
        vehicles = (await self.store.async_load()).get("vehicles")
        if not isinstance(vehicles, dict):
            self._meters = {}
            return
        self._meters = {str(vin): meter_from_dict(meter) for vin, meter in vehicles.items()}

    @callback
    def observe(self, data: dict[str, VehicleData]) -> None:
        """Follow each car with a traction battery (``data`` in place); fire what happened."""
        changed = False
        for vin, known in data.items():
            if ELECTRIC not in vehicle_energies(known):
                continue
            meter = self._meters.get(vin, EnergyMeter())
            new, events = observe(meter, known.status)
            if new != meter:
                self._meters[vin] = new
                changed = True
            if known.charge != new:
                # A new object: the coordinator compares the data with the last round's.
                data[vin] = replace(known, charge=new)
            for event in events:
                self._fire(vin, event)
        if changed:
            self.store.async_delay_save()

    def _fire(self, vin: str, event: ChargeEvent) -> None:
        # A charge that ended while Home Assistant was down is seen in the first round, before
        # the event entity listens: VehicleEvents holds it until then, so it is still reported.
        self._events.fire(
            vin, EVENT_KEY, event_type=event.type, attributes=session_attributes(event.session)
        )

    def _document(self) -> dict[str, Any]:
        return {"vehicles": {vin: meter_to_dict(meter) for vin, meter in self._meters.items()}}
