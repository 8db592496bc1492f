"""Diagnostics: the entry and the latest raw payloads, with secrets and personal data redacted."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import (
    CONF_CLIENT_SECRET,
    CONF_PASSWORD,
    CONF_TOKEN,
    CONF_USERNAME,
)
from homeassistant.core import HomeAssistant

from .api.history import meter_to_dict
from .api.models import VehicleData
from .coordinator import PSAConfigEntry

TO_REDACT = {
    # secrets
    CONF_PASSWORD,
    CONF_CLIENT_SECRET,
    CONF_TOKEN,
    "access_token",
    "refresh_token",
    "id_token",
    "customer_id",
    # identity of the account and the car
    CONF_USERNAME,
    "email",
    "firstName",
    "lastName",
    "first_name",
    "last_name",
    "phone",
    "mobile",
    "customer",
    "title",
    "unique_id",
    "vin",
    "id",
    "href",
    "pictures",
    # where the car is
    "coordinates",
    "latitude",
    "longitude",
    "startPosition",
    "endPosition",
    "position",
}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: PSAConfigEntry
) -> dict[str, Any]:
    """The entry, the polling plan and, per vehicle, what the API last sent."""
    coordinator = entry.runtime_data
    vehicles = [
        # The trips part holds times only (no position is kept); the charge part is the
        # energy meter and its sessions (levels, times, kWh).
        {
            **_vehicle(data),
            "trips": coordinator.trip_history.diagnostics(vin),
            "charge": meter_to_dict(data.charge) if data.charge is not None else None,
        }
        for vin, data in (coordinator.data or {}).items()
    ]
    return async_redact_data(
        {
            "entry": {
                "title": entry.title,
                "unique_id": entry.unique_id,
                "data": dict(entry.data),
                "options": dict(entry.options),
            },
            "coordinator": {
                "last_update_success": coordinator.last_update_success,
                "planner": coordinator.planner.as_dict(coordinator.now()),
            },
            "vehicles": vehicles,
            # None: remote commands are not paired (or could not start)
            "remote": coordinator.remote.diagnostics() if coordinator.remote else None,
        },
        TO_REDACT,
    )


def _vehicle(data: VehicleData) -> dict[str, Any]:
    return {
        "vin": data.vehicle.vin,
        "brand": data.vehicle.brand,
        "label": data.vehicle.label,
        "motorization": data.vehicle.motorization,
        "has_status": data.status is not None,
        "alerts": [asdict(alert) for alert in data.alerts or []],
        "raw": data.raw,
    }
