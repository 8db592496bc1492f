"""Base entity: one device per vehicle (VIN)."""

from __future__ import annotations

from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .const import DOMAIN
from .coordinator import PSADataUpdateCoordinator, VehicleData


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
        self._attr_device_info = DeviceInfo(identifiers={(DOMAIN, vin)})

    @property
    def vehicle_data(self) -> VehicleData | None:
        """This vehicle's latest data, None once it left the account."""
        return self.coordinator.data.get(self.vin) if self.coordinator.data else None

    @property
    def available(self) -> bool:
        return super().available and self.vehicle_data is not None
