"""Device tracker: where each vehicle is; the vehicle's main entity, with its picture."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

# Home Assistant's own integrations import these from the package, which re-exports them
# implicitly (the module they live in moved between the versions we support).
from homeassistant.components.device_tracker import (  # type: ignore[attr-defined]
    SourceType,
    TrackerEntity,
    TrackerEntityDescription,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api.models import Position
from .coordinator import PSAConfigEntry, PSADataUpdateCoordinator, VehicleData
from .entity import PSAEntity
from .values import EntityCandidate, ValueGuard, async_add_reported_entities, snake

# Read-only entities fed by the coordinator: no per-entity update calls to throttle.
PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class PSATrackerEntityDescription(TrackerEntityDescription):
    """The tracker's description (a subclass: Home Assistant's own is a dataclass factory)."""


LOCATION = PSATrackerEntityDescription(key="location", translation_key="location")

# Metres. An acquired GPS fix is good to a few metres; an estimated position (dead reckoning
# when the fix was lost) less so. Kept small: a large value widens the zones the car is in.
ACCURACY_ACQUIRED = 10
ACCURACY_ESTIMATED = 50


def location_accuracy(position: Position) -> int:
    """How far off the position may be, from how the car obtained it."""
    kind = (position.type or "").lower()
    # The API has spelled it Acquire and Aquire.
    return ACCURACY_ACQUIRED if kind in {"acquire", "aquire"} else ACCURACY_ESTIMATED


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
    coordinator = entry.runtime_data

    def candidates(vin: str, data: VehicleData) -> Iterator[EntityCandidate]:
        yield EntityCandidate(f"{vin}_{LOCATION.key}", partial(PSADeviceTracker, coordinator, vin))

    async_add_reported_entities(entry, coordinator, async_add_entities, candidates)


class PSADeviceTracker(PSAEntity, TrackerEntity):
    """The GPS position of one vehicle, named after the vehicle."""

    _attr_name = None  # the vehicle's main entity: the device's name
    # Trackers default to diagnostic; this one is the vehicle's primary entity.
    _attr_entity_category = None  # type: ignore[assignment]

    def __init__(self, coordinator: PSADataUpdateCoordinator, vin: str) -> None:
        super().__init__(coordinator, vin, LOCATION)
        self._guard = ValueGuard("location")
        self._position: Position | None = None
        self._read()

    def _read(self) -> None:
        self._guard.begin()
        data = self.vehicle_data
        self._position = self._guard.read(
            data, lambda data: data.status.position if data.status else None
        )
        pictures = data.vehicle.pictures if data is not None else ()
        self._attr_entity_picture = pictures[0] if pictures else None

    @callback
    def _handle_coordinator_update(self) -> None:
        self._read()
        super()._handle_coordinator_update()

    @property
    def available(self) -> bool:
        return super().available and not self._guard.failed

    @property
    def source_type(self) -> SourceType:
        return SourceType.GPS

    @property
    def latitude(self) -> float | None:
        return self._position.latitude if self._position else None

    @property
    def longitude(self) -> float | None:
        return self._position.longitude if self._position else None

    @property
    def location_accuracy(self) -> int:
        return location_accuracy(self._position) if self._position else 0

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        return position_attributes(self._position) if self._position else None
