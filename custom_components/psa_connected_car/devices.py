"""The device of each vehicle: its name, and keeping the registry in step with the account.

A car that leaves the account keeps its device (its entities unavailable) and raises a fixable
repair issue; the fix (repairs.py) removes the device, the car coming back deletes the issue.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr, issue_registry as ir

from .api.brands import Brand
from .api.models import Vehicle
from .api.vehicle_models import make_from_vin, model_from_vin
from .const import DOMAIN, LOGGER
from .issues import async_delete_issues
from .texts import async_load_texts

# Device model and name in the user's language: Home Assistant translates a device's *name*
# (DeviceInfo translation_key) but never its *model*, and our fallback model is the
# motorization. So both are built here from the texts of translations/<language>.json
# ``device.motorization_<motorization>.name``, read once per setup with the language Home
# Assistant is set to (``async_load_motorization_names``). One path for both keeps the name and
# the model in step; a change of language shows after a reload of the entry.
MOTORIZATION_KEY_PREFIX = "motorization_"

ISSUE_VEHICLE_GONE = "vehicle_gone"


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


def gone_issue_id(entry_id: str, vin: str) -> str:
    """The repair issue of a car that left this entry's account but still has its device."""
    return f"{ISSUE_VEHICLE_GONE}_{entry_id}_{vin}"


def device_vins(device: dr.DeviceEntry) -> set[str]:
    """The VINs a device stands for (our domain's identifiers)."""
    return {key for domain, key in device.identifiers if domain == DOMAIN}


def shown_name(device: dr.DeviceEntry) -> str:
    """The device's name as the user sees it: theirs, else ours, else the VIN tail."""
    name = device.name_by_user or device.name
    return name or next(iter(sorted(device_vins(device))), "")[-6:]


def async_sync_devices(
    hass: HomeAssistant,
    entry: ConfigEntry,
    brand: Brand,
    vehicles: Mapping[str, Vehicle],
    names: Mapping[str, str] | None = None,
) -> set[str]:
    """Keep each device's name and model current; a departed car's device gets a repair issue.

    Returns the VINs whose device had to be created (new, or removed since): their entities
    are gone with the old device and must be built again.

    A device of the entry whose VIN is not in ``vehicles`` (the account's list) keeps its
    entities, which are unavailable, and raises ``vehicle_gone_<entry>_<VIN>``: its fix flow
    (repairs.py) removes the device; the car coming back deletes it. The comparison is with the
    device registry, not with the previous data, so a restart (or a car that left while Home
    Assistant was off) finds the same departed cars at setup: the issue is not persistent, it
    is raised again at every vehicle list until fixed. Issues of devices that are gone (fixed,
    or deleted by hand) are deleted here too.
    """
    registry = dr.async_get(hass)
    known = {
        vin
        for device in dr.async_entries_for_config_entry(registry, entry.entry_id)
        for vin in device_vins(device)
    }
    for vehicle in vehicles.values():
        registry.async_get_or_create(
            config_entry_id=entry.entry_id, **device_info(vehicle, brand, vehicles.values(), names)
        )
    raised: set[str] = set()
    for device in dr.async_entries_for_config_entry(registry, entry.entry_id):
        vins = device_vins(device)
        if vins and not vins & vehicles.keys():
            raised.update(_async_raise_gone_issue(hass, entry, device, vins))
    async_delete_issues(hass, entry.entry_id, ISSUE_VEHICLE_GONE, keep=raised)
    return set(vehicles) - known


def _async_raise_gone_issue(
    hass: HomeAssistant, entry: ConfigEntry, device: dr.DeviceEntry, vins: set[str]
) -> set[str]:
    """Ask the user whether the device of a departed car goes (one issue per VIN)."""
    issue_ids: set[str] = set()
    registry = ir.async_get(hass)
    for vin in vins:
        issue_id = gone_issue_id(entry.entry_id, vin)
        issue_ids.add(issue_id)
        if registry.async_get_issue(DOMAIN, issue_id) is None:  # once, not every hour
            LOGGER.info("Vehicle %s left the account; its device stays", shown_name(device))
        ir.async_create_issue(
            hass,
            DOMAIN,
            issue_id,
            is_fixable=True,
            is_persistent=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key=ISSUE_VEHICLE_GONE,
            translation_placeholders={"vehicle": shown_name(device), "title": entry.title},
            data={"entry_id": entry.entry_id, "vin": vin},
        )
    return issue_ids


@callback
def async_remove_vehicle_device(hass: HomeAssistant, entry_id: str, vin: str) -> bool:
    """Remove the entry's device of ``vin`` (its entities go with it); whether there was one.

    The device is ours alone (our domain's identifiers): removing it works on every version,
    where taking our entry off it (``remove_config_entry_id``) is reported from 2026.8 on.
    """
    device = vehicle_device(hass, entry_id, vin)
    if device is None:
        return False
    LOGGER.info("Removing the device of %s, which left the account", shown_name(device))
    dr.async_get(hass).async_remove_device(device.id)
    return True


def vehicle_device(hass: HomeAssistant, entry_id: str, vin: str) -> dr.DeviceEntry | None:
    """The entry's device of ``vin``, None when it has none."""
    registry = dr.async_get(hass)
    for device in dr.async_entries_for_config_entry(registry, entry_id):
        if vin in device_vins(device):
            return device
    return None
