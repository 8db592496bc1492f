"""Dispatcher signals from the coordinator's history trackers to the event entities.

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


@callback
def async_fire_vehicle_event(
    hass: HomeAssistant,
    entry_id: str,
    vin: str,
    key: str,
    *,
    event_type: str,
    attributes: dict[str, Any],
) -> None:
    """Fire one event on the vehicle's ``key`` event entity (nothing when it is not there)."""
    async_dispatcher_send(hass, event_signal(entry_id, vin, key), event_type, attributes)
