"""Base entity: one device per vehicle (VIN), and adding entities as vehicles come and go."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from homeassistant.core import callback
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.entity_platform import AddEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .const import DOMAIN
from .coordinator import PSAConfigEntry, PSADataUpdateCoordinator, VehicleData, device_info


class PSAEntity(CoordinatorEntity[PSADataUpdateCoordinator]):
    """An entity of one vehicle, named by its translation key."""

    _attr_has_entity_name = True

    def __init__(
        self,
        coordinator: PSADataUpdateCoordinator,
        vin: str,
        description: EntityDescription,
    ) -> None:
        super().__init__(coordinator)
        self.vin = vin
        self.entity_description = description
        self._attr_unique_id = f"{vin}_{description.key}"
        data = coordinator.data.get(vin) if coordinator.data else None
        if data is not None:
            vehicles = [other.vehicle for other in coordinator.data.values()]
            self._attr_device_info = device_info(data.vehicle, coordinator.brand, vehicles)
        else:
            self._attr_device_info = DeviceInfo(identifiers={(DOMAIN, vin)})

    @property
    def vehicle_data(self) -> VehicleData | None:
        """This vehicle's latest data, None once it left the account."""
        return self.coordinator.data.get(self.vin) if self.coordinator.data else None

    @property
    def available(self) -> bool:
        return super().available and self.vehicle_data is not None


@callback
def async_add_vehicle_entities(
    coordinator: PSADataUpdateCoordinator,
    entry: PSAConfigEntry,
    async_add_entities: AddEntitiesCallback,
    build: Callable[[str], Iterable[Entity]],
) -> None:
    """Add ``build(vin)`` for each vehicle now, and for each vehicle that joins later.

    A vehicle that leaves the account loses its device (and so its entities); if it comes
    back, it is built again.
    """
    known: set[str] = set()

    @callback
    def _sync() -> None:
        vins = set(coordinator.data or {})
        known.intersection_update(vins)
        new = [entity for vin in sorted(vins - known) for entity in build(vin)]
        known.update(vins)
        if new:
            async_add_entities(new)

    _sync()
    entry.async_on_unload(coordinator.async_add_listener(_sync))
