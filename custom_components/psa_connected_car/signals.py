"""The vehicles' events, from the coordinator's history trackers to the event entities.

Apart from ``event.py`` so that the trackers (built by the coordinator) can fire events
without importing the platform, which imports the coordinator.
"""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_send

from .const import DOMAIN


def event_signal(entry_id: str, vin: str, key: str) -> str:
    """The dispatcher signal of one vehicle's event entity (``key``: its description's)."""
    return f"{DOMAIN}_{entry_id}_{vin}_{key}_event"


class VehicleEvents:
    """Fires the events of an entry's vehicles on their event entities, once they listen.

    The coordinator's first round runs before the platforms are set up, so before any event
    entity listens: what it fires (a charge that ended, a trip made while Home Assistant was
    down) is held until ``start``, called once the platforms are there.
    """

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """Events are held until ``start``."""
        self._hass = hass
        self._entry_id = entry_id
        self._held: list[tuple[str, str, str, dict[str, Any]]] | None = []

    @callback
    def fire(self, vin: str, key: str, *, event_type: str, attributes: dict[str, Any]) -> None:
        """Fire one event on the vehicle's ``key`` event entity (nothing when it is not there)."""
        if self._held is not None:
            self._held.append((vin, key, event_type, attributes))
            return
        signal = event_signal(self._entry_id, vin, key)
        async_dispatcher_send(self._hass, signal, event_type, attributes)

    @callback
    def start(self) -> None:
        """The event entities listen: fire what was held, in order, then fire as it comes."""
        held, self._held = self._held or [], None
        for vin, key, event_type, attributes in held:
            self.fire(vin, key, event_type=event_type, attributes=attributes)
