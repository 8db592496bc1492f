"""Data update coordinator (skeleton: the shared data shape; the rest is being written)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator

from .api.models import Alert, Maintenance, Vehicle, VehicleStatus


@dataclass(slots=True, kw_only=True)
class VehicleData:
    """What the entities of one vehicle read. ``status`` is None until the car has data."""

    vehicle: Vehicle
    status: VehicleStatus | None = None
    maintenance: Maintenance | None = None
    alerts: list[Alert] | None = None
    raw: dict[str, Any] = field(default_factory=dict)  # latest raw payloads, for diagnostics


class PSADataUpdateCoordinator(DataUpdateCoordinator[dict[str, VehicleData]]):
    """Polls every vehicle of one account; ``data`` is keyed by VIN."""

    config_entry: ConfigEntry
