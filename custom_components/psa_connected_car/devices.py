"""The device of each vehicle: its name, and keeping the registry in step with the account."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr

from .api.brands import Brand
from .api.models import Vehicle
from .api.vehicle_models import make_from_vin, model_from_vin
from .const import DOMAIN, LOGGER
from .texts import async_load_texts

# Device model and name in the user's language: Home Assistant translates a device's *name*
# (DeviceInfo translation_key) but never its *model*, and our fallback model is the
# motorization. So both are built here from the texts of translations/<language>.json
# ``device.motorization_<motorization>.name``, read once per setup with the language Home
# Assistant is set to (``async_load_motorization_names``). One path for both keeps the name and
# the model in step; a change of language shows after a reload of the entry.
MOTORIZATION_KEY_PREFIX = "motorization_"


async def async_load_motorization_names(hass: HomeAssistant) -> dict[str, str]:
    """The motorizations' names in Home Assistant's language, by lower-case API value."""
    return await async_load_texts(hass, "device", MOTORIZATION_KEY_PREFIX, ".name")


def _motorization(vehicle: Vehicle, names: Mapping[str, str]) -> str | None:
    """The vehicle's motorization, translated; an unknown value as the API sent it."""
    if not vehicle.motorization:
        return None
    return names.get(vehicle.motorization.strip().lower(), vehicle.motorization)


def _make(vehicle: Vehicle, brand: Brand) -> str:
    """The brand: the API's, else the VIN's maker, else the account's brand."""
    return vehicle.brand or make_from_vin(vehicle.vin, brand.name) or brand.name


def _model(vehicle: Vehicle) -> str | None:
    """The model: the API's label, else what the VIN's prefix tells (vehicle_models.py)."""
    label = (vehicle.label or "").strip()
    return label or model_from_vin(vehicle.vin)


def vehicle_name(
    vehicle: Vehicle,
    brand: Brand,
    others: Iterable[Vehicle] = (),
    names: Mapping[str, str] | None = None,
) -> str:
    """The device's name: brand and model, else brand and motorization, else the VIN tail.

    "<Brand> <model>" when the API or the VIN names the model; else "<Brand> <motorization>"
    (with the VIN tail if two cars share it); else "<Brand> <VIN tail>".
    """
    names = names or {}
    make = _make(vehicle, brand)
    model = _model(vehicle)
    if model:
        return model if model.lower().startswith(make.lower()) else f"{make} {model}"
    motorization = _motorization(vehicle, names)
    if not motorization:
        return f"{make} {vehicle.vin[-6:]}"
    name = f"{make} {motorization}"
    twins = [
        other
        for other in others
        if other.vin != vehicle.vin
        and not _model(other)
        and _make(other, brand) == make
        and other.motorization == vehicle.motorization
    ]
    return f"{name} {vehicle.vin[-6:]}" if twins else name


def device_info(
    vehicle: Vehicle,
    brand: Brand,
    others: Iterable[Vehicle] = (),
    names: Mapping[str, str] | None = None,
) -> dr.DeviceInfo:
    """The device of one vehicle, keyed by VIN (the API id may change).

    The model is the API's model name (``label``), else the VIN's, with the motorization in
    brackets; else the motorization alone, translated.
    """
    names = names or {}
    motorization = _motorization(vehicle, names)
    model = _model(vehicle)
    if model and motorization:
        model = f"{model} ({motorization})"
    return dr.DeviceInfo(
        identifiers={(DOMAIN, vehicle.vin)},
        manufacturer=_make(vehicle, brand),
        model=model or motorization,
        name=vehicle_name(vehicle, brand, others, names),
        serial_number=vehicle.vin,
    )


def async_sync_devices(
    hass: HomeAssistant,
    entry_id: str,
    brand: Brand,
    vehicles: Mapping[str, Vehicle],
    names: Mapping[str, str] | None = None,
) -> None:
    """Keep each device's name and model current; drop the devices of departed cars."""
    registry = dr.async_get(hass)
    for vehicle in vehicles.values():
        registry.async_get_or_create(
            config_entry_id=entry_id, **device_info(vehicle, brand, vehicles.values(), names)
        )
    for device in dr.async_entries_for_config_entry(registry, entry_id):
        vins = {key for domain, key in device.identifiers if domain == DOMAIN}
        if vins and not vins & vehicles.keys():
            LOGGER.info("Vehicle left the account; removing device %s", device.name)
            # The device is ours alone (our domain's identifiers): removing it works on every
            # version, where taking our entry off it is reported from 2026.8 on.
            registry.async_remove_device(device.id)
