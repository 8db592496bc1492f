"""Repair issues for the vehicle alerts that need action: one per vehicle and alert type.

Raised when an update brings an active alert of ``api.alerts.ACTION_NEEDED``; deleted when a
later update no longer has it, or when the vehicle left the account. Not persistent: after a
restart the first update raises again what is still active. The texts are translated: the
issue's own, and the alert's name (the "most important alert" sensor's state text, read once
per setup in Home Assistant's language, as placeholders are not translated).
"""

from __future__ import annotations

from collections.abc import Mapping

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from .api.alerts import action_alert_types
from .api.models import VehicleData
from .const import DOMAIN
from .issues import async_delete_issues
from .texts import async_load_texts

ISSUE_VEHICLE_ALERT = "vehicle_alert"


async def async_load_alert_names(hass: HomeAssistant) -> dict[str, str]:
    """The alerts' names in Home Assistant's language, by snake_case type."""
    return await async_load_texts(hass, "entity", "sensor.main_alert.state.")


def _issue_id(entry_id: str, vin: str, kind: str) -> str:
    return f"{ISSUE_VEHICLE_ALERT}_{entry_id}_{vin}_{kind}"


@callback
def async_sync_alert_issues(
    hass: HomeAssistant,
    entry_id: str,
    data: Mapping[str, VehicleData],
    vehicle_names: Mapping[str, str],
    alert_names: Mapping[str, str],
) -> None:
    """Raise an issue per active alert that needs action; delete those no longer active."""
    wanted: set[str] = set()
    for vin, vehicle in data.items():
        for kind in action_alert_types(vehicle.alerts):
            issue_id = _issue_id(entry_id, vin, kind)
            wanted.add(issue_id)
            ir.async_create_issue(
                hass,
                DOMAIN,
                issue_id,
                is_fixable=False,
                is_persistent=False,
                severity=ir.IssueSeverity.WARNING,
                translation_key=ISSUE_VEHICLE_ALERT,
                translation_placeholders={
                    "vehicle": vehicle_names.get(vin, vin[-6:]),
                    "alert": alert_names.get(kind, kind),
                },
            )
    async_delete_issues(hass, entry_id, ISSUE_VEHICLE_ALERT, keep=wanted)
