"""Device tracker: where each vehicle is; the vehicle's main entity, with its picture."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Home Assistant's own integrations import these from the package, which re-exports them
# implicitly (the module they live in moved between the versions we support).
from homeassistant.components.device_tracker import (  # type: ignore[attr-defined]
    SourceType,
    TrackerEntity,
    TrackerEntityDescription,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api.derived import location_accuracy, snake
from .api.models import Position, VehicleData
from .coordinator import PSAConfigEntry
from .entity import PSAEntity, PSAEntityDescription, async_add_vehicle_entities

# Read-only entities fed by the coordinator: no per-entity update calls to throttle.
PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class PSATrackerEntityDescription(PSAEntityDescription, TrackerEntityDescription):
    """The tracker's description (a subclass: Home Assistant's own is a dataclass factory)."""


# Every vehicle gets one, whatever it reports: it carries the vehicle's picture.
LOCATION = PSATrackerEntityDescription(key="location", translation_key="location")


def position_attributes(position: Position) -> dict[str, Any]:
    """Heading and the rest of the fix, under stable keys."""
    return {
        "heading": position.heading,
        "altitude": position.altitude,
        "position_type": snake(position.type) if position.type else None,
        "position_updated_at": (
            position.updated_at.isoformat() if position.updated_at is not None else None
        ),
    }


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PSAConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """One tracker per vehicle, whatever it reports: it carries the vehicle's picture."""
    async_add_vehicle_entities(entry, async_add_entities, (LOCATION,), PSADeviceTracker)


class PSADeviceTracker(PSAEntity, TrackerEntity):
    """The GPS position of one vehicle, named after the vehicle."""

    _attr_name = None  # the vehicle's main entity: the device's name
    # Trackers default to diagnostic; this one is the vehicle's primary entity.
    _attr_entity_category = None  # type: ignore[assignment]
    entity_description: PSATrackerEntityDescription
    _position: Position | None = None

    def _update_state(self, data: VehicleData | None) -> None:
        """Read the position and the vehicle's picture."""
        status = data.status if data is not None else None
        self._position = status.position if status is not None else None
        pictures = data.vehicle.pictures if data is not None else ()
        self._attr_entity_picture = pictures[0] if pictures else None

    @property
    def source_type(self) -> SourceType:
        """A GPS fix."""
        return SourceType.GPS

    @property
    def latitude(self) -> float | None:
        """Latitude of the last fix."""
        return self._position.latitude if self._position else None

    @property
    def longitude(self) -> float | None:
        """Longitude of the last fix."""
        return self._position.longitude if self._position else None

    @property
    def location_accuracy(self) -> int:
        """How far off the fix may be, in metres."""
        return location_accuracy(self._position) if self._position else 0

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """Heading, altitude and the kind and time of the fix."""
        return position_attributes(self._position) if self._position else None
