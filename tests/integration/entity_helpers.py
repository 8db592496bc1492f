"""Helpers of the entity platform tests: our vehicle fixtures, and states by entity key.

Each ``fixtures/<name>.json`` holds one vehicle as the API sends it: ``vehicle`` (an item of
``/user/vehicles``), ``status``, ``maintenance`` and ``alerts`` (null: the endpoint fails).
They are read through the real parsers, as the coordinator reads the API.
"""

from __future__ import annotations

from datetime import timedelta
import json
from pathlib import Path
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant, State
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.psa_connected_car.api.exceptions import PSAApiError, PSANoDataError
from custom_components.psa_connected_car.api.models import VehicleStatus
from custom_components.psa_connected_car.api.parsers import (
    parse_alerts,
    parse_maintenance,
    parse_status,
    parse_vehicle,
)

from .common import VIN_1, MockPSA, make_vehicle, setup_integration

FIXTURES_DIR = Path(__file__).parent / "fixtures"
FIXTURES = ("electric", "phev", "thermal", "legacy")


def load_payload(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES_DIR / f"{name}.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def no_data() -> PSANoDataError:
    return PSANoDataError(404, 40400, "Not Found: We didn't find the status for this vehicule.")


def load_vehicle(mock: MockPSA, name: str) -> str:
    """Make ``mock``'s account hold the fixture's vehicle only; returns its VIN."""
    payload = load_payload(name)
    vehicle = parse_vehicle(payload["vehicle"])
    mock.vehicles = [vehicle]
    mock.statuses = {vehicle.id: parse_status(payload["status"])}
    maintenance = payload["maintenance"]
    mock.maintenance = parse_maintenance(maintenance) if maintenance is not None else no_data()
    alerts = payload["alerts"]
    mock.alerts = (
        parse_alerts(alerts)
        if alerts is not None
        else PSAApiError(500, None, "Internal Server Error")
    )
    return vehicle.vin


async def setup_vehicle(
    hass: HomeAssistant,
    mock: MockPSA,
    entry: MockConfigEntry,
    status: VehicleStatus | None,
    *,
    motorization: str = "Electric",
) -> str:
    """Set up an account of one vehicle with this status (None: the car never sent one)."""
    vehicle = make_vehicle(VIN_1, motorization=motorization)
    mock.vehicles = [vehicle]
    mock.statuses = {vehicle.id: status if status is not None else no_data()}
    await setup_integration(hass, entry)
    return vehicle.vin


async def refresh(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, entry: MockConfigEntry
) -> None:
    """Let the coordinator poll again, past every interval (status, alerts, maintenance)."""
    freezer.tick(timedelta(hours=7))
    await entry.runtime_data.async_refresh()
    await hass.async_block_till_done()


def states_by_key(hass: HomeAssistant, vin: str, domain: str) -> dict[str, State]:
    """The states of one vehicle's entities of ``domain``, by description key."""
    registry = er.async_get(hass)
    found: dict[str, State] = {}
    for entry in registry.entities.values():
        if entry.domain != domain or not entry.unique_id.startswith(f"{vin}_"):
            continue
        if (state := hass.states.get(entry.entity_id)) is not None:
            found[entry.unique_id.removeprefix(f"{vin}_")] = state
    return found
