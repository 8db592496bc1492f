"""Sensors: energy, charging, odometer, environment, service and freshness of each vehicle."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
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
    UnitOfEnergyDistance,
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

from .api.alerts import KNOWN_ALERTS, NO_ALERT, OTHER_ALERT, main_alert
from .api.derived import (
    ELECTRIC,
    FUEL,
    active_alerts,
    charging_end_time,
    delayed_charge_start,
    driving,
    last_update,
    snake,
)
from .api.history import iso_or_none
from .api.models import Trip, TripEnergy, VehicleData, VehicleStatus
from .charge_history import session_attributes
from .const import LOGGER
from .coordinator import PSAConfigEntry
from .entity import PSAEntity, PSAEntityDescription, async_add_vehicle_entities
from .readers import (
    block_reported,
    block_sent,
    charging,
    electric,
    enum,
    fuel,
    last_trip,
    status,
    value_reported,
)
from .remote import OUTCOMES

# Read-only entities fed by the coordinator: no per-entity update calls to throttle.
PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class PSASensorEntityDescription(PSAEntityDescription, SensorEntityDescription):
    """A sensor read from a vehicle's data."""

    value_fn: Callable[[VehicleData], StateType | datetime]
    attr_fn: Callable[[VehicleData], dict[str, Any] | None] | None = None


_CHARGING_END = electric(charging_end_time)
# On Home Assistant's time zone, read at each update (the user may change it).
_DELAYED_START = electric(
    lambda energy: delayed_charge_start(energy, dt_util.get_default_time_zone())
)


def _active_alert_count(data: VehicleData) -> int | None:
    """How many alerts are active."""
    alerts = active_alerts(data.alerts)
    return None if alerts is None else len(alerts)


def _alerts_attributes(data: VehicleData) -> dict[str, Any] | None:
    """The active alerts, as the attribute ``alerts``."""
    alerts = active_alerts(data.alerts)
    return None if alerts is None else {"alerts": alerts}


_ELECTRIC_BLOCK = block_reported(lambda status: status.electric)
_FUEL_BLOCK = block_reported(lambda status: status.fuel)
_BATTERY_CAPACITY = electric(lambda energy: energy.battery_capacity)
_BATTERY_RESIDUAL = electric(lambda energy: energy.battery_residual)
_BATTERY_HEALTH = electric(lambda energy: energy.battery_health)
_CHARGING_POWER_LEVEL = charging(lambda charging: charging.power_level)
_CHARGING_TYPE = charging(lambda charging: charging.type)
_CONSUMPTION_TOTAL = fuel(lambda energy: energy.consumption_total)
_CONSUMPTION_INSTANT = fuel(lambda energy: energy.consumption_instant)
_COOLANT = status(lambda s: s.engine.coolant_temperature if s.engine else None)
_OIL = status(lambda s: s.engine.oil_temperature if s.engine else None)
_ACCELERATION = status(lambda s: s.kinetic.acceleration if s.kinetic else None)
_SIGNAL = status(lambda s: s.position.signal_quality if s.position else None)


def _instant_consumption(data: VehicleData) -> float | None:
    """The instant consumption while driving; unknown while the car stands or is switched off.

    A parked car keeps sending its last reading (often 0.0): that only says "not driving".
    """
    consumption = _CONSUMPTION_INSTANT(data)
    if consumption is None or not driving(data.status):
        return None
    return consumption


def _capacity_known(data: VehicleData) -> bool:
    """The energy sensors need a capacity: from the charge history, else from the status."""
    meter = data.charge
    return (meter is not None and meter.capacity is not None) or _BATTERY_CAPACITY(data) is not None


def _energy_charged(data: VehicleData) -> float | None:
    """The energy into the battery since the history began, kWh (rounded: float noise)."""
    return round(data.charge.total, 3) if data.charge is not None else None


def _last_charge_energy(data: VehicleData) -> float | None:
    session = data.charge.last_session if data.charge is not None else None
    return round(session.energy, 3) if session is not None else None


# The attributes of the last charge (the event's carry the ranges too).
_LAST_CHARGE_ATTRIBUTES = (
    "started_at",
    "ended_at",
    "start_level",
    "end_level",
    "energy",
    "range_per_hour",
    "end_status",
)


def _last_charge_attributes(data: VehicleData) -> dict[str, Any] | None:
    session = data.charge.last_session if data.charge is not None else None
    if session is None:
        return None
    attributes = session_attributes(session)
    return {key: attributes[key] for key in _LAST_CHARGE_ATTRIBUTES}


def _service_days(data: VehicleData) -> int | None:
    """Days before the next service."""
    return data.maintenance.days_before if data.maintenance else None


def _service_distance(data: VehicleData) -> float | None:
    """Kilometres before the next service."""
    return data.maintenance.distance_before if data.maintenance else None


# The last trip (trip_history.py): created once the car has one.


def _has_trip(data: VehicleData) -> bool:
    return data.last_trip is not None


def _trip_energy(
    kind: str, read: Callable[[TripEnergy], float | None]
) -> Callable[[VehicleData], float | None]:
    """A reader of the last trip's ``Electric`` or ``Fuel`` energy."""

    def _read(trip: Trip) -> float | None:
        energy = trip.energy(kind)
        return None if energy is None else read(energy)

    return last_trip(_read)


def _trip_times(data: VehicleData) -> dict[str, Any] | None:
    """When the last trip started and stopped (ISO 8601)."""
    trip = data.last_trip
    if trip is None:
        return None
    return {"started_at": iso_or_none(trip.started_at), "stopped_at": iso_or_none(trip.stopped_at)}


_TRIP_SENSORS: tuple[PSASensorEntityDescription, ...] = (
    PSASensorEntityDescription(
        key="last_trip_distance",
        translation_key="last_trip_distance",
        device_class=SensorDeviceClass.DISTANCE,
        native_unit_of_measurement=UnitOfLength.KILOMETERS,
        suggested_display_precision=1,
        exists_fn=_has_trip,
        value_fn=last_trip(lambda trip: trip.distance),
        attr_fn=_trip_times,
    ),
    PSASensorEntityDescription(
        key="last_trip_duration",
        translation_key="last_trip_duration",
        device_class=SensorDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.MINUTES,
        suggested_display_precision=0,
        exists_fn=_has_trip,
        value_fn=last_trip(lambda trip: None if trip.duration is None else trip.duration / 60),
    ),
    PSASensorEntityDescription(
        key="last_trip_average_speed",
        translation_key="last_trip_average_speed",
        device_class=SensorDeviceClass.SPEED,
        native_unit_of_measurement=UnitOfSpeed.KILOMETERS_PER_HOUR,
        suggested_display_precision=0,
        exists_fn=_has_trip,
        value_fn=last_trip(lambda trip: trip.avg_speed),
    ),
    PSASensorEntityDescription(
        # Used by one trip: no state class (it is no meter, nor a measurement to average).
        key="last_trip_energy",
        translation_key="last_trip_energy",
        device_class=SensorDeviceClass.ENERGY,
        native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        suggested_display_precision=2,
        energy=ELECTRIC,
        exists_fn=_has_trip,
        value_fn=_trip_energy("Electric", lambda energy: energy.consumption),
    ),
    PSASensorEntityDescription(
        key="last_trip_consumption",
        translation_key="last_trip_consumption",
        device_class=SensorDeviceClass.ENERGY_DISTANCE,
        native_unit_of_measurement=UnitOfEnergyDistance.KILO_WATT_HOUR_PER_100_KM,
        suggested_display_precision=1,
        energy=ELECTRIC,
        exists_fn=_has_trip,
        value_fn=_trip_energy("Electric", lambda energy: energy.average),
    ),
    PSASensorEntityDescription(
        key="last_trip_fuel",
        translation_key="last_trip_fuel",
        device_class=SensorDeviceClass.VOLUME,
        native_unit_of_measurement=UnitOfVolume.LITERS,
        suggested_display_precision=2,
        energy=FUEL,
        exists_fn=_has_trip,
        value_fn=_trip_energy("Fuel", lambda energy: energy.consumption),
    ),
    PSASensorEntityDescription(
        # As the instant consumption: Home Assistant has no device class for L/100 km.
        key="last_trip_fuel_consumption",
        translation_key="last_trip_fuel_consumption",
        native_unit_of_measurement="L/100 km",
        suggested_display_precision=1,
        energy=FUEL,
        exists_fn=_has_trip,
        value_fn=_trip_energy("Fuel", lambda energy: energy.average),
    ),
)


# One description per entity, as in Home Assistant core: the entries look alike by design
# (what differs is data, not logic), so a duplicate finder's hits here are not to factor out.
SENSORS: tuple[PSASensorEntityDescription, ...] = (
    # Traction battery and charging
    PSASensorEntityDescription(
        key="battery_level",
        translation_key="battery_level",
        suggested_display_precision=0,
        device_class=SensorDeviceClass.BATTERY,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=PERCENTAGE,
        energy=ELECTRIC,
        exists_fn=_ELECTRIC_BLOCK,
        value_fn=electric(lambda energy: energy.level),
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
        value_fn=electric(lambda energy: energy.autonomy),
    ),
    PSASensorEntityDescription(
        key="charging_status",
        translation_key="charging_status",
        device_class=SensorDeviceClass.ENUM,
        options=["disconnected", "in_progress", "failure", "stopped", "finished"],
        energy=ELECTRIC,
        exists_fn=_ELECTRIC_BLOCK,
        value_fn=enum(charging(lambda charging: charging.status)),
    ),
    PSASensorEntityDescription(
        key="charging_mode",
        translation_key="charging_mode",
        device_class=SensorDeviceClass.ENUM,
        options=["no", "slow", "quick"],
        energy=ELECTRIC,
        exists_fn=_ELECTRIC_BLOCK,
        value_fn=enum(charging(lambda charging: charging.mode)),
    ),
    PSASensorEntityDescription(
        # The API's charging rate is range gained per hour, not power: named "Range added per
        # hour", in km/h but without the speed device class (it is no speed, and must not be
        # converted or graphed as one).
        key="charging_rate",
        translation_key="charging_rate",
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfSpeed.KILOMETERS_PER_HOUR,
        suggested_display_precision=0,
        energy=ELECTRIC,
        exists_fn=_ELECTRIC_BLOCK,
        value_fn=charging(lambda charging: charging.rate),
    ),
    PSASensorEntityDescription(
        key="charging_end_time",
        translation_key="charging_end_time",
        device_class=SensorDeviceClass.TIMESTAMP,
        energy=ELECTRIC,
        exists_fn=_ELECTRIC_BLOCK,
        value_fn=_CHARGING_END,
    ),
    PSASensorEntityDescription(
        key="delayed_charge_start",
        translation_key="delayed_charge_start",
        device_class=SensorDeviceClass.TIMESTAMP,
        energy=ELECTRIC,
        exists_fn=_ELECTRIC_BLOCK,
        value_fn=_DELAYED_START,
    ),
    PSASensorEntityDescription(
        key="charging_power_level",
        translation_key="charging_power_level",
        device_class=SensorDeviceClass.ENUM,
        options=["level1", "level2", "level3", "level4", "level5"],
        entity_registry_enabled_default=False,
        energy=ELECTRIC,
        exists_fn=value_reported(_CHARGING_POWER_LEVEL),
        value_fn=enum(_CHARGING_POWER_LEVEL),
    ),
    PSASensorEntityDescription(
        key="charging_type",
        translation_key="charging_type",
        device_class=SensorDeviceClass.ENUM,
        options=["partial", "full"],
        entity_registry_enabled_default=False,
        energy=ELECTRIC,
        exists_fn=value_reported(_CHARGING_TYPE),
        value_fn=enum(_CHARGING_TYPE),
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
        exists_fn=value_reported(_BATTERY_CAPACITY),
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
        exists_fn=value_reported(_BATTERY_RESIDUAL),
        value_fn=_BATTERY_RESIDUAL,
    ),
    PSASensorEntityDescription(
        key="battery_health",
        translation_key="battery_health",
        suggested_display_precision=0,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=PERCENTAGE,
        entity_category=EntityCategory.DIAGNOSTIC,
        energy=ELECTRIC,
        exists_fn=value_reported(_BATTERY_HEALTH),
        value_fn=_BATTERY_HEALTH,
    ),
    # Charge history (charge_history.py): energy into the battery, the last charge
    PSASensorEntityDescription(
        key="energy_charged",
        translation_key="energy_charged",
        device_class=SensorDeviceClass.ENERGY,
        state_class=SensorStateClass.TOTAL_INCREASING,
        native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        suggested_display_precision=2,
        energy=ELECTRIC,
        exists_fn=_capacity_known,
        value_fn=_energy_charged,
    ),
    PSASensorEntityDescription(
        key="last_charge_energy",
        translation_key="last_charge_energy",
        device_class=SensorDeviceClass.ENERGY,
        native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        suggested_display_precision=2,
        energy=ELECTRIC,
        exists_fn=_capacity_known,
        value_fn=_last_charge_energy,
        attr_fn=_last_charge_attributes,
    ),
    # Fuel
    PSASensorEntityDescription(
        key="fuel_level",
        translation_key="fuel_level",
        suggested_display_precision=0,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=PERCENTAGE,
        energy=FUEL,
        exists_fn=_FUEL_BLOCK,
        value_fn=fuel(lambda energy: energy.level),
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
        value_fn=fuel(lambda energy: energy.autonomy),
    ),
    PSASensorEntityDescription(
        key="fuel_consumption_total",
        translation_key="fuel_consumption_total",
        device_class=SensorDeviceClass.VOLUME,
        state_class=SensorStateClass.TOTAL_INCREASING,
        native_unit_of_measurement=UnitOfVolume.LITERS,
        suggested_display_precision=1,
        energy=FUEL,
        exists_fn=value_reported(_CONSUMPTION_TOTAL),
        value_fn=_CONSUMPTION_TOTAL,
    ),
    PSASensorEntityDescription(
        key="fuel_consumption_instant",
        translation_key="fuel_consumption_instant",
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement="L/100 km",
        suggested_display_precision=1,
        energy=FUEL,
        exists_fn=value_reported(_CONSUMPTION_INSTANT),
        value_fn=_instant_consumption,
    ),
    PSASensorEntityDescription(
        key="coolant_temperature",
        translation_key="coolant_temperature",
        suggested_display_precision=0,
        device_class=SensorDeviceClass.TEMPERATURE,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfTemperature.CELSIUS,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        energy=FUEL,
        exists_fn=value_reported(_COOLANT),
        value_fn=_COOLANT,
    ),
    PSASensorEntityDescription(
        key="oil_temperature",
        translation_key="oil_temperature",
        suggested_display_precision=0,
        device_class=SensorDeviceClass.TEMPERATURE,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfTemperature.CELSIUS,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        energy=FUEL,
        exists_fn=value_reported(_OIL),
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
        exists_fn=block_reported(lambda status: status.odometer),
        # The parser turns the 0 some cars send between readings into None (not a reset).
        value_fn=status(lambda s: s.odometer.mileage if s.odometer else None),
    ),
    PSASensorEntityDescription(
        key="outside_temperature",
        translation_key="outside_temperature",
        suggested_display_precision=0,
        device_class=SensorDeviceClass.TEMPERATURE,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfTemperature.CELSIUS,
        exists_fn=block_reported(lambda status: status.environment),
        value_fn=status(lambda s: s.environment.temperature if s.environment else None),
    ),
    PSASensorEntityDescription(
        key="speed",
        translation_key="speed",
        suggested_display_precision=0,
        device_class=SensorDeviceClass.SPEED,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfSpeed.KILOMETERS_PER_HOUR,
        entity_registry_enabled_default=False,
        exists_fn=block_reported(lambda status: status.kinetic),
        value_fn=status(lambda s: s.kinetic.speed if s.kinetic else None),
    ),
    PSASensorEntityDescription(
        key="acceleration",
        translation_key="acceleration",
        suggested_display_precision=1,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement="m/s²",
        entity_registry_enabled_default=False,
        exists_fn=value_reported(_ACCELERATION),
        value_fn=_ACCELERATION,
    ),
    PSASensorEntityDescription(
        key="ignition",
        translation_key="ignition",
        device_class=SensorDeviceClass.ENUM,
        options=["stop", "start_up", "start", "free"],
        exists_fn=block_reported(lambda status: status.ignition),
        value_fn=enum(status(lambda s: s.ignition.type if s.ignition else None)),
    ),
    PSASensorEntityDescription(
        key="preconditioning_status",
        translation_key="preconditioning_status",
        device_class=SensorDeviceClass.ENUM,
        options=["enabled", "disabled", "finished", "failure"],
        # Only cars that can precondition send the block: none is guessed before data.
        exists_fn=block_sent(lambda status: status.preconditioning),
        value_fn=enum(status(lambda s: s.preconditioning.status if s.preconditioning else None)),
        attr_fn=lambda data: _preconditioning_attributes(data.status),
    ),
    PSASensorEntityDescription(
        key="aux_battery",
        translation_key="aux_battery",
        suggested_display_precision=0,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=PERCENTAGE,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        exists_fn=block_reported(lambda status: status.battery),
        value_fn=status(lambda s: s.battery.state if s.battery else None),
    ),
    PSASensorEntityDescription(
        key="privacy",
        translation_key="privacy",
        device_class=SensorDeviceClass.ENUM,
        options=["none", "geolocation", "full"],
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        exists_fn=block_reported(lambda status: status.privacy),
        value_fn=enum(status(lambda s: s.privacy.state if s.privacy else None)),
    ),
    PSASensorEntityDescription(
        key="gps_signal_quality",
        translation_key="gps_signal_quality",
        suggested_display_precision=0,
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        exists_fn=value_reported(_SIGNAL),
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
        suggested_display_precision=0,
        device_class=SensorDeviceClass.DURATION,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfTime.DAYS,
        exists_fn=value_reported(_service_days),
        value_fn=_service_days,
    ),
    PSASensorEntityDescription(
        key="service_distance",
        translation_key="service_distance",
        device_class=SensorDeviceClass.DISTANCE,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfLength.KILOMETERS,
        suggested_display_precision=0,
        exists_fn=value_reported(_service_distance),
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
    PSASensorEntityDescription(
        # The active alerts in the user's language: the count above cannot say which.
        key="main_alert",
        translation_key="main_alert",
        device_class=SensorDeviceClass.ENUM,
        options=[*KNOWN_ALERTS, OTHER_ALERT, NO_ALERT],
        exists_fn=lambda data: data.alerts is not None,
        value_fn=lambda data: main_alert(data.alerts),
    ),
    *_TRIP_SENSORS,
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


@dataclass(frozen=True, kw_only=True)
class PSARemoteSensorEntityDescription(PSAEntityDescription, SensorEntityDescription):
    """A sensor of the remote commands (paired entries only), read from the manager."""


REMOTE_SENSORS: tuple[PSARemoteSensorEntityDescription, ...] = (
    PSARemoteSensorEntityDescription(
        # How the car's last command went; attributes: which command, its code, when.
        key="last_command",
        translation_key="last_command",
        device_class=SensorDeviceClass.ENUM,
        options=list(OUTCOMES),
        entity_category=EntityCategory.DIAGNOSTIC,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PSAConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the sensors of every vehicle, and those of vehicles or data that appear later."""
    async_add_vehicle_entities(entry, async_add_entities, SENSORS, PSASensor)
    if entry.runtime_data.remote is not None:
        async_add_vehicle_entities(entry, async_add_entities, REMOTE_SENSORS, PSALastCommandSensor)


class PSASensor(PSAEntity, SensorEntity):
    """A sensor of one vehicle; a state outside its options shows as unknown."""

    entity_description: PSASensorEntityDescription
    _unexpected: object = None
    _attributes: dict[str, Any] | None = None

    def _update_state(self, data: VehicleData | None) -> None:
        """Read the value and the attributes."""
        description = self.entity_description
        value = description.value_fn(data) if data is not None else None
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
        attr_fn = description.attr_fn
        self._attributes = attr_fn(data) if attr_fn is not None and data is not None else None

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """What ``attr_fn`` read, if the description has one."""
        return self._attributes


class PSALastCommandSensor(PSAEntity, SensorEntity):
    """The outcome of the car's last remote command (unknown before the first one)."""

    entity_description: PSARemoteSensorEntityDescription

    async def async_added_to_hass(self) -> None:
        """Follow the remote manager too: a command's progress is no coordinator update."""
        await super().async_added_to_hass()
        if (remote := self.coordinator.remote) is not None:
            self.async_on_remove(remote.async_add_listener(self._handle_remote_update))

    @callback
    def _handle_remote_update(self) -> None:
        self._update_state(self.vehicle_data)
        self.async_write_ha_state()

    def _update_state(self, data: VehicleData | None) -> None:
        """Read the manager's record of this car."""
        remote = self.coordinator.remote
        record = remote.last_result(self.vin) if remote is not None else None
        self._attr_native_value = record.outcome if record is not None else None
        self._attr_extra_state_attributes = (
            {"command": record.command, "code": record.code, "time": record.at.isoformat()}
            if record is not None
            else {}
        )
