"""The charge history of an entry's cars in Home Assistant: the meters, their store, the events.

The library (``api/history.py``) does the counting; this keeps one meter per VIN in the store
``psa_connected_car.<entry_id>.charging``, puts it into ``VehicleData.charge`` for the sensors
and fires each session event once on the car's ``charging`` event entity. The meter decides
what is an event and is stored with it, so a restart neither counts a rise twice nor fires an
event again. Saves are delayed (a charge changes the meter at every poll); the pending one is
written on unload, and Home Assistant writes it when it stops.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.storage import Store

from .api.derived import ELECTRIC, snake, vehicle_energies
from .api.history import (
    ChargeEvent,
    ChargeSession,
    EnergyMeter,
    meter_from_dict,
    meter_to_dict,
    observe,
)
from .api.models import VehicleData
from .const import DOMAIN
from .signals import async_fire_vehicle_event

STORAGE_VERSION = 1
SAVE_DELAY = 10  # seconds
EVENT_KEY = "charging"


def storage_key(entry_id: str) -> str:
    """The storage key of an entry's charge history (a file under ``.storage``)."""
    return f"{DOMAIN}.{entry_id}.charging"


def _time(moment: Any) -> str | None:
    return moment.isoformat() if moment is not None else None


def _rounded(value: float | None, digits: int) -> float | None:
    return round(value, digits) if value is not None else None


def session_attributes(session: ChargeSession) -> dict[str, Any]:
    """A session as state attributes: times ISO 8601, energy kWh, end status snake_case."""
    return {
        "started_at": _time(session.started_at),
        "ended_at": _time(session.ended_at),
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

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """Nothing is read until ``async_load``."""
        self._hass = hass
        self._entry_id = entry_id
        self._store: Store[dict[str, Any]] = Store(hass, STORAGE_VERSION, storage_key(entry_id))
        self._meters: dict[str, EnergyMeter] = {}
        self._unsaved = False
        # Events seen before the event entities exist (the first round runs before the
        # platforms): fired by ``start``. A charge that ended while Home Assistant was down
        # is still reported, once.
        self._held: list[tuple[str, ChargeEvent]] | None = []

    async def async_load(self) -> None:
        """Read the stored meters; an unreadable store starts afresh (never raises)."""
        stored = await self._store.async_load()
        vehicles = stored.get("vehicles") if isinstance(stored, dict) else None
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
            self._unsaved = True
            self._store.async_delay_save(self._document, SAVE_DELAY)

    @callback
    def start(self) -> None:
        """The event entities are there: fire what was held back, then fire as it comes."""
        held, self._held = self._held or [], None
        for vin, event in held:
            self._fire(vin, event)

    def _fire(self, vin: str, event: ChargeEvent) -> None:
        if self._held is not None:
            self._held.append((vin, event))
            return
        async_fire_vehicle_event(
            self._hass,
            self._entry_id,
            vin,
            EVENT_KEY,
            event_type=event.type,
            attributes=session_attributes(event.session),
        )

    def _document(self) -> dict[str, Any]:
        self._unsaved = False
        return {"vehicles": {vin: meter_to_dict(meter) for vin, meter in self._meters.items()}}

    async def async_unload(self) -> None:
        """Write what is not saved yet: the entry may be removed, or set up again, next."""
        if self._unsaved:
            await self._store.async_save(self._document())


async def async_remove_charge_history(hass: HomeAssistant, entry_id: str) -> None:
    """Delete an entry's charge history (the entry is removed)."""
    await Store[dict[str, Any]](hass, STORAGE_VERSION, storage_key(entry_id)).async_remove()
