"""The device of each vehicle: its name, and keeping the registry in step with the account."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr

from .api.brands import Brand
from .api.models import Vehicle
from .const import DOMAIN, LOGGER


def vehicle_name(vehicle: Vehicle, brand: Brand, others: Iterable[Vehicle] = ()) -> str:
    """Label; else "<Brand> <motorization>" (with the VIN tail if two cars share it); else VIN."""
    if vehicle.label:
        return vehicle.label
    make = vehicle.brand or brand.name
    if not vehicle.motorization:
        return f"{make} {vehicle.vin[-6:]}"
    name = f"{make} {vehicle.motorization}"
    twins = [
        other
        for other in others
        if other.vin != vehicle.vin
        and not other.label
        and (other.brand or brand.name) == make
        and other.motorization == vehicle.motorization
    ]
    return f"{name} {vehicle.vin[-6:]}" if twins else name


def device_info(vehicle: Vehicle, brand: Brand, others: Iterable[Vehicle] = ()) -> dr.DeviceInfo:
    """The device of one vehicle, keyed by VIN (the API id may change)."""
    model = vehicle.motorization
    if vehicle.label:
        model = f"{vehicle.label} ({vehicle.motorization})" if model else vehicle.label
    return dr.DeviceInfo(
        identifiers={(DOMAIN, vehicle.vin)},
        manufacturer=vehicle.brand or brand.name,
        model=model,
        name=vehicle_name(vehicle, brand, others),
        serial_number=vehicle.vin,
    )


def async_sync_devices(
    hass: HomeAssistant, entry_id: str, brand: Brand, vehicles: Mapping[str, Vehicle]
) -> None:
    """Keep each device's name and model current; drop the devices of departed cars."""
    registry = dr.async_get(hass)
    for vehicle in vehicles.values():
        registry.async_get_or_create(
            config_entry_id=entry_id, **device_info(vehicle, brand, vehicles.values())
        )
    for device in dr.async_entries_for_config_entry(registry, entry_id):
        vins = {key for domain, key in device.identifiers if domain == DOMAIN}
        if vins and not vins & vehicles.keys():
            LOGGER.info("Vehicle left the account; removing device %s", device.name)
            # The device is ours alone (our domain's identifiers): removing it works on every
            # version, where taking our entry off it is reported from 2026.8 on.
            registry.async_remove_device(device.id)
