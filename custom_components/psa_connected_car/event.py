"""Events of each vehicle: a finished trip, a charge that started, finished or was interrupted.

An event entity does not read the coordinator's data: the coordinator's history trackers
(``charge_history.py``, ``trip_history.py``) fire each event once, through the dispatcher
signal of ``signals.event_signal``, when they see it happen. What they remember is stored, so that a
restart never fires the same trip or charge end again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from homeassistant.components.event import EventEntity, EventEntityDescription
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api.derived import ELECTRIC
from .api.history import CHARGE_EVENT_TYPES
from .api.models import VehicleData
from .charge_history import EVENT_KEY as CHARGING_EVENT_KEY
from .coordinator import PSAConfigEntry
from .entity import PSAEntity, PSAEntityDescription, async_add_vehicle_entities
from .signals import event_signal
from .trip_history import EVENT_KEY as TRIP_EVENT_KEY

# Entities only react to signals: no update calls to throttle.
PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class PSAEventEntityDescription(PSAEntityDescription, EventEntityDescription):
    """An event of one vehicle, fired through ``event_signal(entry_id, vin, key)``."""


# One description per history tracker; each fires its own events (signals.VehicleEvents).
EVENTS: tuple[PSAEventEntityDescription, ...] = (
    # charge_history.py: a session started, finished or was interrupted; the session's fields.
    PSAEventEntityDescription(
        key=CHARGING_EVENT_KEY,
        translation_key="charging",
        event_types=list(CHARGE_EVENT_TYPES),
        energy=ELECTRIC,
    ),
    # trip_history.py: a trip the car made (attributes: trip_history.trip_attributes).
    PSAEventEntityDescription(
        key=TRIP_EVENT_KEY, translation_key="trip", event_types=[TRIP_EVENT_KEY]
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PSAConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the event entities of every vehicle, and of vehicles that appear later."""
    async_add_vehicle_entities(entry, async_add_entities, EVENTS, PSAEventEntity)


class PSAEventEntity(PSAEntity, EventEntity):
    """One vehicle's event: its state is the time of the last one, its type and data attributes."""

    entity_description: PSAEventEntityDescription

    async def async_added_to_hass(self) -> None:
        """Listen to the vehicle's signal for this event."""
        await super().async_added_to_hass()
        signal = event_signal(
            self.coordinator.config_entry.entry_id, self.vin, self.entity_description.key
        )
        self.async_on_remove(async_dispatcher_connect(self.hass, signal, self._handle_event))

    @callback
    def _handle_event(self, event_type: str, attributes: dict[str, Any]) -> None:
        self._trigger_event(event_type, attributes)
        self.async_write_ha_state()

    def _update_state(self, data: VehicleData | None) -> None:
        """Nothing to read: an event's state is set when it fires."""
