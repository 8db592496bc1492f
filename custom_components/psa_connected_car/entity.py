"""The base entity of every platform, and the one way to add a vehicle's entities.

A platform is a table of descriptions (``PSAEntityDescription`` subclasses: which vehicles get
the entity, how to read it) and, at most, a small entity class that implements
``_update_state``. ``async_add_vehicle_entities`` adds what each vehicle's data calls for at
setup and whenever a vehicle or a data block appears.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from homeassistant.core import callback
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .api.derived import EnergyKind, vehicle_energies
from .api.models import VehicleData
from .const import DOMAIN
from .coordinator import PSAConfigEntry, PSADataUpdateCoordinator
from .devices import device_info


@dataclass(frozen=True, kw_only=True)
class PSAEntityDescription(EntityDescription):
    """What every description adds: which vehicles get the entity."""

    exists_fn: Callable[[VehicleData], bool] = lambda _: True
    energy: EnergyKind | None = None  # motorization filter: only cars running on this energy


def wanted(description: PSAEntityDescription, data: VehicleData) -> bool:
    """Whether a vehicle gets this entity: by motorization, then by what it reports."""
    if description.energy is not None and description.energy not in vehicle_energies(data):
        return False
    return description.exists_fn(data)


class PSAEntity(CoordinatorEntity[PSADataUpdateCoordinator]):
    """An entity of one vehicle (its device, keyed by VIN), named by its translation key.

    Unavailable while the coordinator fails or once the vehicle left the account; otherwise
    a value of None shows as unknown. Subclasses set their state in ``_update_state``, which
    runs at creation and on every coordinator update.
    """

    _attr_has_entity_name = True
    entity_description: PSAEntityDescription

    def __init__(
        self,
        coordinator: PSADataUpdateCoordinator,
        vin: str,
        description: PSAEntityDescription,
    ) -> None:
        """Attach the entity to the vehicle's device and read its first state."""
        super().__init__(coordinator)
        self.vin = vin
        self.entity_description = description
        self._attr_unique_id = f"{vin}_{description.key}"
        data = self.vehicle_data
        if data is not None:
            vehicles = [other.vehicle for other in coordinator.data.values()]
            self._attr_device_info = device_info(
                data.vehicle, coordinator.brand, vehicles, coordinator.motorization_names
            )
        else:
            self._attr_device_info = DeviceInfo(identifiers={(DOMAIN, vin)})
        self._update_state(data)

    @property
    def vehicle_data(self) -> VehicleData | None:
        """This vehicle's latest data, None once it left the account."""
        return self.coordinator.data.get(self.vin) if self.coordinator.data else None

    @property
    def available(self) -> bool:
        """Available while the coordinator succeeds and the vehicle is in the account."""
        return super().available and self.vehicle_data is not None

    @callback
    def _handle_coordinator_update(self) -> None:
        """Read the new data, then write the state."""
        self._update_state(self.vehicle_data)
        super()._handle_coordinator_update()

    @abstractmethod
    def _update_state(self, data: VehicleData | None) -> None:
        """Set the entity's state from the vehicle's data (None once the vehicle left)."""


@callback
def async_add_vehicle_entities[D: PSAEntityDescription](
    entry: PSAConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    descriptions: Iterable[D],
    entity: Callable[[PSADataUpdateCoordinator, str, D], Entity],
) -> None:
    """Add each vehicle's entities now, and later when a vehicle or a data block appears.

    A description is added once per vehicle, as soon as ``wanted`` says so. Entities are never
    removed here: data that stops coming shows as unknown. A vehicle that leaves the account
    loses its device and entities (see devices.py), so its entities are forgotten: if it comes
    back, they are built again.
    """
    coordinator = entry.runtime_data
    chosen = tuple(descriptions)
    added: dict[str, set[str]] = {}

    @callback
    def _add_new() -> None:
        vehicles = coordinator.data or {}
        for vin in [vin for vin in added if vin not in vehicles]:
            del added[vin]
        new: list[Entity] = []
        for vin, data in vehicles.items():
            known = added.setdefault(vin, set())
            for description in chosen:
                if description.key not in known and wanted(description, data):
                    known.add(description.key)
                    new.append(entity(coordinator, vin, description))
        if new:
            async_add_entities(new)

    _add_new()
    entry.async_on_unload(coordinator.async_add_listener(_add_new))
