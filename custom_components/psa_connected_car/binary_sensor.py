"""Binary sensors: plug, charging, motion, locks, openings, preconditioning, alarm, daylight."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

# The package re-exports the device classes implicitly (as in Home Assistant's own code).
from homeassistant.components.binary_sensor import (  # type: ignore[attr-defined]
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api.derived import ELECTRIC
from .api.models import Doors, VehicleData, VehicleStatus
from .coordinator import PSAConfigEntry
from .entity import PSAEntity, PSAEntityDescription, async_add_vehicle_entities
from .readers import Reader, block_reported, block_sent, status

# Read-only entities fed by the coordinator: no per-entity update calls to throttle.
PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class PSABinarySensorEntityDescription(PSAEntityDescription, BinarySensorEntityDescription):
    """A binary sensor read from a vehicle's data."""

    value_fn: Reader[bool]


def _charging(data: VehicleData) -> bool | None:
    """Whether a charge is running."""
    status = data.status
    charging = status.electric.charging if status and status.electric else None
    if charging is None or charging.status is None:
        return None
    return charging.status == "InProgress"


def _unlocked(status: VehicleStatus) -> bool | None:
    """The lock device class is on when UNLOCKED; Doors.locked is True when locked."""
    locked = status.doors.locked if status.doors else None
    return None if locked is None else not locked


def _opening(identifier: str) -> Reader[bool]:
    """Whether this door/window is open (the API's ``opening[]`` item of that identifier)."""

    def read(status: VehicleStatus) -> bool | None:
        """The opening's state in the doors block."""
        return status.doors.openings.get(identifier) if status.doors else None

    return status(read)


def _opening_reported(identifier: str, *, guessed: bool) -> Callable[[VehicleData], bool]:
    """Created where the car reports this opening; ``guessed`` ones also before any data."""

    def has(doors: Doors | None) -> bool:
        """Whether the doors block lists this opening."""
        return doors is not None and identifier in doors.openings

    return lambda data: (
        (guessed and data.status is None) or (data.status is not None and has(data.status.doors))
    )


def _opening_description(
    identifier: str,
    key: str,
    device_class: BinarySensorDeviceClass,
    *,
    common: bool,
) -> PSABinarySensorEntityDescription:
    """Doors every car has are ``common`` (guessed before data, enabled); others are not."""
    return PSABinarySensorEntityDescription(
        key=key,
        translation_key=key,
        device_class=device_class,
        entity_registry_enabled_default=common or device_class != BinarySensorDeviceClass.WINDOW,
        exists_fn=_opening_reported(identifier, guessed=common),
        value_fn=_opening(identifier),
    )


_DOOR = BinarySensorDeviceClass.DOOR
_WINDOW = BinarySensorDeviceClass.WINDOW

# One description per entity, as in Home Assistant core: the entries look alike by design
# (what differs is data, not logic), so a duplicate finder's hits here are not to factor out.
BINARY_SENSORS: tuple[PSABinarySensorEntityDescription, ...] = (
    PSABinarySensorEntityDescription(
        key="plugged_in",
        translation_key="plugged_in",
        device_class=BinarySensorDeviceClass.PLUG,
        energy=ELECTRIC,
        exists_fn=block_reported(lambda status: status.electric),
        value_fn=status(
            lambda s: s.electric.charging.plugged if s.electric and s.electric.charging else None
        ),
    ),
    PSABinarySensorEntityDescription(
        # Says no more than the charging status sensor (on = in_progress), which also tells
        # finished, stopped and failure: that one is enabled, this one off by default.
        key="charging",
        translation_key="charging",
        device_class=BinarySensorDeviceClass.BATTERY_CHARGING,
        entity_registry_enabled_default=False,
        energy=ELECTRIC,
        exists_fn=block_reported(lambda status: status.electric),
        value_fn=_charging,
    ),
    PSABinarySensorEntityDescription(
        key="moving",
        translation_key="moving",
        device_class=BinarySensorDeviceClass.MOVING,
        exists_fn=block_reported(lambda status: status.kinetic),
        value_fn=status(lambda s: s.kinetic.moving if s.kinetic else None),
    ),
    PSABinarySensorEntityDescription(
        key="lock",
        translation_key="lock",
        device_class=BinarySensorDeviceClass.LOCK,
        exists_fn=block_reported(lambda status: status.doors),
        value_fn=status(_unlocked),
    ),
    _opening_description("Driver", "driver_door", _DOOR, common=True),
    _opening_description("Passenger", "passenger_door", _DOOR, common=True),
    _opening_description("RearLeft", "rear_left_door", _DOOR, common=True),
    _opening_description("RearRight", "rear_right_door", _DOOR, common=True),
    _opening_description("Trunk", "trunk", _DOOR, common=True),
    _opening_description("HoodDoor", "hood", BinarySensorDeviceClass.OPENING, common=False),
    _opening_description("RearWindow", "rear_window", _WINDOW, common=False),
    # Often reported open on cars without one: disabled by default like every window.
    _opening_description("RoofWindow", "roof_window", _WINDOW, common=False),
    PSABinarySensorEntityDescription(
        # Says no more than the preconditioning status sensor (on = enabled), which also tells
        # finished and failure with its cause: that one is enabled, this one off by default.
        key="preconditioning",
        translation_key="preconditioning",
        device_class=BinarySensorDeviceClass.RUNNING,
        entity_registry_enabled_default=False,
        exists_fn=block_sent(lambda status: status.preconditioning),
        value_fn=status(
            lambda s: (
                None
                if s.preconditioning is None or s.preconditioning.status is None
                else s.preconditioning.status == "Enabled"
            )
        ),
    ),
    PSABinarySensorEntityDescription(
        # Cars without an alarm have been seen to report it active: off by default.
        key="alarm",
        translation_key="alarm",
        entity_registry_enabled_default=False,
        exists_fn=block_sent(lambda status: status.alarm),
        value_fn=status(lambda s: s.alarm.active if s.alarm else None),
    ),
    PSABinarySensorEntityDescription(
        key="daylight",
        translation_key="daylight",
        device_class=BinarySensorDeviceClass.LIGHT,
        entity_registry_enabled_default=False,
        exists_fn=block_sent(lambda s: s.environment.daylight if s.environment else None),
        value_fn=status(lambda s: s.environment.daylight if s.environment else None),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PSAConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the binary sensors of every vehicle, and those of vehicles or data that appear later."""
    async_add_vehicle_entities(entry, async_add_entities, BINARY_SENSORS, PSABinarySensor)


class PSABinarySensor(PSAEntity, BinarySensorEntity):
    """A binary sensor of one vehicle."""

    entity_description: PSABinarySensorEntityDescription

    def _update_state(self, data: VehicleData | None) -> None:
        """Read whether it is on."""
        self._attr_is_on = self.entity_description.value_fn(data) if data is not None else None
