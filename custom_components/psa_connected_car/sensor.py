"""Sensors: energy, charging, odometer, environment, service and freshness of each vehicle."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import (
    PERCENTAGE,
    EntityCategory,
    UnitOfEnergy,
    UnitOfLength,
    UnitOfSpeed,
    UnitOfTemperature,
    UnitOfTime,
    UnitOfVolume,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType
from homeassistant.util import dt as dt_util

from .api.models import Charging, Energy, VehicleStatus
from .const import LOGGER
from .coordinator import PSAConfigEntry, PSADataUpdateCoordinator, VehicleData
from .entity import PSAEntity
from .values import (
    ELECTRIC,
    FUEL,
    EnergyKind,
    ValueGuard,
    active_alerts,
    async_add_described_entities,
    charging_end_time,
    delayed_charge_start,
    last_update,
    snake,
)

# Read-only entities fed by the coordinator: no per-entity update calls to throttle.
PARALLEL_UPDATES = 0

type Reader[T] = Callable[[VehicleData], T | None]


def _status[T](read: Callable[[VehicleStatus], T | None]) -> Reader[T]:
    """A reader of the status, None while the car has sent nothing."""
    return lambda data: None if data.status is None else read(data.status)


def _electric[T](read: Callable[[Energy], T | None]) -> Reader[T]:
    return _status(lambda status: None if status.electric is None else read(status.electric))


def _fuel[T](read: Callable[[Energy], T | None]) -> Reader[T]:
    return _status(lambda status: None if status.fuel is None else read(status.fuel))


def _charging[T](read: Callable[[Charging], T | None]) -> Reader[T]:
    return _electric(lambda energy: None if energy.charging is None else read(energy.charging))


def _block_reported(
    block: Callable[[VehicleStatus], object | None],
) -> Callable[[VehicleData], bool]:
    """Created when the car sends this block, and (shown unknown) while it has sent nothing."""
    return lambda data: data.status is None or block(data.status) is not None


def _value_reported(read: Reader[Any]) -> Callable[[VehicleData], bool]:
    """Created only once the car has reported a value: fields many cars never send."""
    return lambda data: read(data) is not None


def _enum(read: Reader[str]) -> Reader[str]:
    """The API's CamelCase enum value as our snake_case state."""
    return lambda data: None if (value := read(data)) is None else snake(value)


@dataclass(frozen=True, kw_only=True)
class PSASensorEntityDescription(SensorEntityDescription):
    """A sensor read from a vehicle's data."""

    value_fn: Callable[[VehicleData], StateType | datetime]
    exists_fn: Callable[[VehicleData], bool] = lambda _: True
    energy: EnergyKind | None = None  # motorization filter: only cars running on this energy
    attr_fn: Callable[[VehicleData], dict[str, Any] | None] | None = None


def _charging_end(data: VehicleData) -> datetime | None:
    return charging_end_time(data.status.electric if data.status else None)


def _delayed_start(data: VehicleData) -> datetime | None:
    energy = data.status.electric if data.status else None
    return delayed_charge_start(energy, dt_util.get_default_time_zone())


def _active_alert_count(data: VehicleData) -> int | None:
    alerts = active_alerts(data.alerts)
    return None if alerts is None else len(alerts)


def _alerts_attributes(data: VehicleData) -> dict[str, Any] | None:
    alerts = active_alerts(data.alerts)
    return None if alerts is None else {"alerts": alerts}


_ELECTRIC_BLOCK = _block_reported(lambda status: status.electric)
_FUEL_BLOCK = _block_reported(lambda status: status.fuel)
_BATTERY_CAPACITY = _electric(lambda energy: energy.battery_capacity)
_BATTERY_RESIDUAL = _electric(lambda energy: energy.battery_residual)
_BATTERY_HEALTH = _electric(lambda energy: energy.battery_health)
_CHARGING_POWER_LEVEL = _charging(lambda charging: charging.power_level)
_CHARGING_TYPE = _charging(lambda charging: charging.type)
_CONSUMPTION_TOTAL = _fuel(lambda energy: energy.consumption_total)
_CONSUMPTION_INSTANT = _fuel(lambda energy: energy.consumption_instant)
_COOLANT = _status(lambda s: s.engine.coolant_temperature if s.engine else None)
_OIL = _status(lambda s: s.engine.oil_temperature if s.engine else None)
_ACCELERATION = _status(lambda s: s.kinetic.acceleration if s.kinetic else None)
_SIGNAL = _status(lambda s: s.position.signal_quality if s.position else None)


def _service_days(data: VehicleData) -> int | None:
    return data.maintenance.days_before if data.maintenance else None


def _service_distance(data: VehicleData) -> float | None:
    return data.maintenance.distance_before if data.maintenance else None


SENSORS: tuple[PSASensorEntityDescription, ...] = (
    # Traction battery and charging
    PSASensorEntityDescription(
        key="battery_level",
        translation_key="battery_level",
        device_class=SensorDeviceClass.BATTERY,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=PERCENTAGE,
        energy=ELECTRIC,
        exists_fn=_ELECTRIC_BLOCK,
        value_fn=_electric(lambda energy: energy.level),
    ),
    PSASensorEntityDescription(
        key="electric_range",
        translation_key="electric_range",
        device_class=SensorDeviceClass.DISTANCE,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfLength.KILOMETERS,
        suggested_display_precision=0,
        energy=ELECTRIC,
        exists_fn=_ELECTRIC_BLOCK,
        value_fn=_electric(lambda energy: energy.autonomy),
    ),
    PSASensorEntityDescription(
        key="charging_status",
        translation_key="charging_status",
        device_class=SensorDeviceClass.ENUM,
        options=["disconnected", "in_progress", "failure", "stopped", "finished"],
        energy=ELECTRIC,
        exists_fn=_ELECTRIC_BLOCK,
        value_fn=_enum(_charging(lambda charging: charging.status)),
    ),
    PSASensorEntityDescription(
        key="charging_mode",
        translation_key="charging_mode",
        device_class=SensorDeviceClass.ENUM,
        options=["no", "slow", "quick"],
        energy=ELECTRIC,
        exists_fn=_ELECTRIC_BLOCK,
        value_fn=_enum(_charging(lambda charging: charging.mode)),
    ),
    PSASensorEntityDescription(
        # The API's charging rate is range gained per hour, not power.
        key="charging_rate",
        translation_key="charging_rate",
        device_class=SensorDeviceClass.SPEED,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfSpeed.KILOMETERS_PER_HOUR,
        energy=ELECTRIC,
        exists_fn=_ELECTRIC_BLOCK,
        value_fn=_charging(lambda charging: charging.rate),
    ),
    PSASensorEntityDescription(
        key="charging_end_time",
        translation_key="charging_end_time",
        device_class=SensorDeviceClass.TIMESTAMP,
        energy=ELECTRIC,
        exists_fn=_ELECTRIC_BLOCK,
        value_fn=_charging_end,
    ),
    PSASensorEntityDescription(
        key="delayed_charge_start",
        translation_key="delayed_charge_start",
        device_class=SensorDeviceClass.TIMESTAMP,
        energy=ELECTRIC,
        exists_fn=_ELECTRIC_BLOCK,
        value_fn=_delayed_start,
    ),
    PSASensorEntityDescription(
        key="charging_power_level",
        translation_key="charging_power_level",
        device_class=SensorDeviceClass.ENUM,
        options=["level1", "level2", "level3", "level4", "level5"],
        entity_registry_enabled_default=False,
        energy=ELECTRIC,
        exists_fn=_value_reported(_CHARGING_POWER_LEVEL),
        value_fn=_enum(_CHARGING_POWER_LEVEL),
    ),
    PSASensorEntityDescription(
        key="charging_type",
        translation_key="charging_type",
        device_class=SensorDeviceClass.ENUM,
        options=["partial", "full"],
        entity_registry_enabled_default=False,
        energy=ELECTRIC,
        exists_fn=_value_reported(_CHARGING_TYPE),
        value_fn=_enum(_CHARGING_TYPE),
    ),
    PSASensorEntityDescription(
        key="battery_capacity",
        translation_key="battery_capacity",
        device_class=SensorDeviceClass.ENERGY_STORAGE,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfEnergy.WATT_HOUR,
        suggested_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        suggested_display_precision=1,
        entity_category=EntityCategory.DIAGNOSTIC,
        energy=ELECTRIC,
        exists_fn=_value_reported(_BATTERY_CAPACITY),
        value_fn=_BATTERY_CAPACITY,
    ),
    PSASensorEntityDescription(
        key="battery_residual_energy",
        translation_key="battery_residual_energy",
        device_class=SensorDeviceClass.ENERGY_STORAGE,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfEnergy.WATT_HOUR,
        suggested_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        suggested_display_precision=1,
        energy=ELECTRIC,
        exists_fn=_value_reported(_BATTERY_RESIDUAL),
        value_fn=_BATTERY_RESIDUAL,
    ),
    PSASensorEntityDescription(
        key="battery_health",
        translation_key="battery_health",
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=PERCENTAGE,
        entity_category=EntityCategory.DIAGNOSTIC,
        energy=ELECTRIC,
        exists_fn=_value_reported(_BATTERY_HEALTH),
        value_fn=_BATTERY_HEALTH,
    ),
    # Fuel
    PSASensorEntityDescription(
        key="fuel_level",
        translation_key="fuel_level",
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=PERCENTAGE,
        energy=FUEL,
        exists_fn=_FUEL_BLOCK,
        value_fn=_fuel(lambda energy: energy.level),
    ),
    PSASensorEntityDescription(
        key="fuel_range",
        translation_key="fuel_range",
        device_class=SensorDeviceClass.DISTANCE,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfLength.KILOMETERS,
        suggested_display_precision=0,
        energy=FUEL,
        exists_fn=_FUEL_BLOCK,
        value_fn=_fuel(lambda energy: energy.autonomy),
    ),
    PSASensorEntityDescription(
        key="fuel_consumption_total",
        translation_key="fuel_consumption_total",
        device_class=SensorDeviceClass.VOLUME,
        state_class=SensorStateClass.TOTAL_INCREASING,
        native_unit_of_measurement=UnitOfVolume.LITERS,
        suggested_display_precision=1,
        energy=FUEL,
        exists_fn=_value_reported(_CONSUMPTION_TOTAL),
        value_fn=_CONSUMPTION_TOTAL,
    ),
    PSASensorEntityDescription(
        key="fuel_consumption_instant",
        translation_key="fuel_consumption_instant",
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement="L/100 km",
        suggested_display_precision=1,
        energy=FUEL,
        exists_fn=_value_reported(_CONSUMPTION_INSTANT),
        value_fn=_CONSUMPTION_INSTANT,
    ),
    PSASensorEntityDescription(
        key="coolant_temperature",
        translation_key="coolant_temperature",
        device_class=SensorDeviceClass.TEMPERATURE,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfTemperature.CELSIUS,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        energy=FUEL,
        exists_fn=_value_reported(_COOLANT),
        value_fn=_COOLANT,
    ),
    PSASensorEntityDescription(
        key="oil_temperature",
        translation_key="oil_temperature",
        device_class=SensorDeviceClass.TEMPERATURE,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfTemperature.CELSIUS,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        energy=FUEL,
        exists_fn=_value_reported(_OIL),
        value_fn=_OIL,
    ),
    # Every motorization
    PSASensorEntityDescription(
        key="odometer",
        translation_key="odometer",
        device_class=SensorDeviceClass.DISTANCE,
        state_class=SensorStateClass.TOTAL_INCREASING,
        native_unit_of_measurement=UnitOfLength.KILOMETERS,
        suggested_display_precision=0,
        exists_fn=_block_reported(lambda status: status.odometer),
        # The parser turns the 0 some cars send between readings into None (not a reset).
        value_fn=_status(lambda s: s.odometer.mileage if s.odometer else None),
    ),
    PSASensorEntityDescription(
        key="outside_temperature",
        translation_key="outside_temperature",
        device_class=SensorDeviceClass.TEMPERATURE,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfTemperature.CELSIUS,
        exists_fn=_block_reported(lambda status: status.environment),
        value_fn=_status(lambda s: s.environment.temperature if s.environment else None),
    ),
    PSASensorEntityDescription(
        key="speed",
        translation_key="speed",
        device_class=SensorDeviceClass.SPEED,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfSpeed.KILOMETERS_PER_HOUR,
        entity_registry_enabled_default=False,
        exists_fn=_block_reported(lambda status: status.kinetic),
        value_fn=_status(lambda s: s.kinetic.speed if s.kinetic else None),
    ),
    PSASensorEntityDescription(
        key="acceleration",
        translation_key="acceleration",
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement="m/s²",
        entity_registry_enabled_default=False,
        exists_fn=_value_reported(_ACCELERATION),
        value_fn=_ACCELERATION,
    ),
    PSASensorEntityDescription(
        key="ignition",
        translation_key="ignition",
        device_class=SensorDeviceClass.ENUM,
        options=["stop", "start_up", "start", "free"],
        exists_fn=_block_reported(lambda status: status.ignition),
        value_fn=_enum(_status(lambda s: s.ignition.type if s.ignition else None)),
    ),
    PSASensorEntityDescription(
        key="preconditioning_status",
        translation_key="preconditioning_status",
        device_class=SensorDeviceClass.ENUM,
        options=["enabled", "disabled", "finished", "failure"],
        # Only cars that can precondition send the block: none is guessed before data.
        exists_fn=lambda data: data.status is not None and data.status.preconditioning is not None,
        value_fn=_enum(_status(lambda s: s.preconditioning.status if s.preconditioning else None)),
        attr_fn=lambda data: _preconditioning_attributes(data.status),
    ),
    PSASensorEntityDescription(
        key="aux_battery",
        translation_key="aux_battery",
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=PERCENTAGE,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        exists_fn=_block_reported(lambda status: status.battery),
        value_fn=_status(lambda s: s.battery.state if s.battery else None),
    ),
    PSASensorEntityDescription(
        key="privacy",
        translation_key="privacy",
        device_class=SensorDeviceClass.ENUM,
        options=["none", "geolocation", "full"],
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        exists_fn=_block_reported(lambda status: status.privacy),
        value_fn=_enum(_status(lambda s: s.privacy.state if s.privacy else None)),
    ),
    PSASensorEntityDescription(
        key="gps_signal_quality",
        translation_key="gps_signal_quality",
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        exists_fn=_value_reported(_SIGNAL),
        value_fn=_SIGNAL,
    ),
    PSASensorEntityDescription(
        key="last_update",
        translation_key="last_update",
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda data: last_update(data.status),
    ),
    # Maintenance and alerts (their own endpoints)
    PSASensorEntityDescription(
        key="service_days",
        translation_key="service_days",
        device_class=SensorDeviceClass.DURATION,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfTime.DAYS,
        exists_fn=_value_reported(_service_days),
        value_fn=_service_days,
    ),
    PSASensorEntityDescription(
        key="service_distance",
        translation_key="service_distance",
        device_class=SensorDeviceClass.DISTANCE,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfLength.KILOMETERS,
        suggested_display_precision=0,
        exists_fn=_value_reported(_service_distance),
        value_fn=_service_distance,
    ),
    PSASensorEntityDescription(
        key="active_alerts",
        translation_key="active_alerts",
        state_class=SensorStateClass.MEASUREMENT,
        exists_fn=lambda data: data.alerts is not None,
        value_fn=_active_alert_count,
        attr_fn=_alerts_attributes,
    ),
)


def _preconditioning_attributes(status: VehicleStatus | None) -> dict[str, Any] | None:
    """Why preconditioning started or failed, as translatable snake_case keys."""
    block = status.preconditioning if status else None
    if block is None:
        return None
    return {
        "failure_cause": snake(block.failure_cause) if block.failure_cause else None,
        "starting_cause": snake(block.starting_cause) if block.starting_cause else None,
    }


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PSAConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the sensors of every vehicle, and those of vehicles or data that appear later."""
    coordinator: PSADataUpdateCoordinator = entry.runtime_data

    async_add_described_entities(
        entry, coordinator, async_add_entities, SENSORS, partial(PSASensor, coordinator)
    )


class PSASensor(PSAEntity, SensorEntity):
    """A sensor of one vehicle."""

    entity_description: PSASensorEntityDescription

    def __init__(
        self,
        coordinator: PSADataUpdateCoordinator,
        vin: str,
        description: PSASensorEntityDescription,
    ) -> None:
        super().__init__(coordinator, vin, description)
        self._guard = ValueGuard(f"sensor {description.key}")
        self._unexpected: object = None
        self._attributes: dict[str, Any] | None = None
        self._read()

    def _read(self) -> None:
        self._guard.begin()
        data = self.vehicle_data
        description = self.entity_description
        value = self._guard.read(data, description.value_fn)
        if (
            description.options is not None
            and value is not None
            and value not in description.options
        ):
            if value != self._unexpected:
                LOGGER.debug("Unexpected %s value %r shown as unknown", description.key, value)
            self._unexpected = value
            value = None
        self._attr_native_value = value
        self._attributes = (
            self._guard.read(data, description.attr_fn) if description.attr_fn else None
        )

    @callback
    def _handle_coordinator_update(self) -> None:
        self._read()
        super()._handle_coordinator_update()

    @property
    def available(self) -> bool:
        return super().available and not self._guard.failed

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        return self._attributes
