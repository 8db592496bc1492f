"""The base entity of every platform, and the one way to add a vehicle's entities.

A platform is a table of descriptions (``PSAEntityDescription`` subclasses: which vehicles get
the entity, how to read it) and, at most, a small entity class that implements
``_update_state``. ``async_add_vehicle_entities`` adds what each vehicle's data calls for at
setup and whenever a vehicle or a data block appears.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from homeassistant.core import callback
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity
from homeassistant.util import dt as dt_util

from .api.derived import EnergyKind, vehicle_energies
from .api.models import VehicleData
from .const import DOMAIN
from .coordinator import PSAConfigEntry, PSADataUpdateCoordinator
from .devices import device_info
from .remote import command_allowed

if TYPE_CHECKING:
    from .remote import RemoteManager


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
    removed here: data that stops coming shows as unknown, and a vehicle that leaves the
    account keeps its device and entities (unavailable) until the user removes the device
    (its repair issue, devices.py). So a car that comes back finds its entities still there
    and is not added twice; only when its device was created anew (``device_generation``: the
    old one was removed, and its entities with it) are they built again.
    """
    coordinator = entry.runtime_data
    chosen = tuple(descriptions)
    added: dict[str, tuple[int, set[str]]] = {}  # per VIN: the device's generation, the keys

    @callback
    def _add_new() -> None:
        new: list[Entity] = []
        for vin, data in (coordinator.data or {}).items():
            generation = coordinator.device_generation.get(vin, 0)
            seen, known = added.get(vin, (generation, set()))
            if seen != generation:  # its device, and so its entities, were removed
                known = set()
            added[vin] = (generation, known)
            for description in chosen:
                if description.key not in known and wanted(description, data):
                    known.add(description.key)
                    new.append(entity(coordinator, vin, description))
        if new:
            async_add_entities(new)

    _add_new()
    entry.async_on_unload(coordinator.async_add_listener(_add_new))


@dataclass(frozen=True, kw_only=True)
class PSARemoteEntityDescription(PSAEntityDescription):
    """An entity that acts through a remote command (and shows the car's state, if any).

    ``exists_fn`` gates by what the car reports; the manager's ``supported`` by the
    motorization and the subscription. ``value_fn`` reads the state from the car's data,
    ``reported_fn`` when the car sent it (the time its block carries).
    """

    command: str
    value_fn: Callable[[VehicleData], Any] = lambda _: None
    reported_fn: Callable[[VehicleData], datetime | None] = lambda _: None


def _allowed[D: PSARemoteEntityDescription](description: D) -> D:
    """The description, also gated by the motorization (charging commands need a battery)."""
    exists = description.exists_fn
    command = description.command
    return replace(
        description,
        exists_fn=lambda data: command_allowed(data.vehicle, command) and exists(data),
    )


@callback
def async_add_remote_entities[D: PSARemoteEntityDescription](
    entry: PSAConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    descriptions: Iterable[D],
    entity: Callable[[PSADataUpdateCoordinator, str, D], Entity],
) -> None:
    """Add remote entities as ``async_add_vehicle_entities`` does, only when paired."""
    if entry.runtime_data.remote is None:
        return
    gated = [_allowed(description) for description in descriptions]
    async_add_vehicle_entities(entry, async_add_entities, gated, entity)


class PSARemoteEntity(PSAEntity):
    """An entity of a paired car that sends a command: the base of lock, switch, time, button.

    Unavailable while the MQTT connection is down or once the car refused the command as not
    part of its subscription. What was asked for shows at once (optimistic) and stays until
    the car's data shows it, or until the car reported after the command ended (its data is
    then the truth), or the command failed.
    """

    entity_description: PSARemoteEntityDescription
    _asked: Any = None  # the state asked for; None: follow the car's data
    _answered_at: datetime | None = None  # when the car's final answer came (None: pending)

    @property
    def remote(self) -> RemoteManager:
        """The entry's remote commands (these entities exist only when it is paired)."""
        remote = self.coordinator.remote
        if remote is None:  # pragma: no cover - entities are only added with a manager
            raise RuntimeError("remote entity without a remote manager")
        return remote

    @property
    def available(self) -> bool:
        """Available with the car's data, the connection up and the command supported."""
        remote = self.coordinator.remote
        return (
            super().available
            and remote is not None
            and remote.connected
            and remote.supported(self.vin, self.entity_description.command)
        )

    @property
    def waiting(self) -> bool:
        """Whether this entity sent its command and the car has not answered it yet."""
        return self._asked is not None and self._answered_at is None

    async def async_added_to_hass(self) -> None:
        """Also follow the manager: connection, pending commands, refusals."""
        await super().async_added_to_hass()
        self.async_on_remove(self.remote.async_add_listener(self.async_write_ha_state))

    async def _async_send(self, asked: Any = None, **params: Any) -> None:
        """Send the command; ``asked`` (not None) shows until the car's data confirms it."""
        self._asked = asked
        self._answered_at = None
        self._update_state(self.vehicle_data)
        self.async_write_ha_state()
        done = False
        try:
            await self.remote.async_command(self.vin, self.entity_description.command, **params)
            done = True
        finally:
            if not done:
                self._asked = None  # failed: the car's data is what holds
            self._answered_at = dt_util.utcnow()
            self._update_state(self.vehicle_data)
            self.async_write_ha_state()

    def _update_state(self, data: VehicleData | None) -> None:
        """The car's value, or what was asked while it is not confirmed."""
        description = self.entity_description
        actual = description.value_fn(data) if data is not None else None
        reported = description.reported_fn(data) if data is not None else None
        self._show(self._follow(actual, reported))

    def _follow(self, actual: Any, reported: datetime | None) -> Any:
        asked, answered = self._asked, self._answered_at
        if asked is None:
            return actual
        if answered is None:
            return asked
        if actual == asked or (reported is not None and reported > answered):
            self._asked = None
            return actual
        return asked

    @abstractmethod
    def _show(self, value: Any) -> None:
        """Set the entity's state attributes from the value to show."""
