"""Fix flows of the repair issues: the only fixable one is a car that left the account.

``vehicle_gone_<entry>_<VIN>`` (raised by devices.py) asks whether the car's device goes; the
confirm step removes it from the registry, its entities with it, and the repairs component
then deletes the issue. The other issues are not fixable here: their texts say where to go
(reconfigure the entry, pair again in the options), and they go by themselves once resolved.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.components.repairs import ConfirmRepairFlow, RepairsFlow
from homeassistant.core import HomeAssistant

from .devices import ISSUE_VEHICLE_GONE, async_remove_vehicle_device, shown_name, vehicle_device

if TYPE_CHECKING:
    from homeassistant.components.repairs.models import RepairsFlowResult


class VehicleGoneRepairFlow(RepairsFlow):
    """Confirm, then remove the device of a car that is no longer in the account."""

    def __init__(self, entry_id: str, vin: str) -> None:
        """The entry and the car of the issue."""
        self._entry_id = entry_id
        self._vin = vin

    async def async_step_init(self, user_input: dict[str, str] | None = None) -> RepairsFlowResult:
        """The flow opens on the confirmation."""
        return await self.async_step_confirm()

    async def async_step_confirm(
        self, user_input: dict[str, str] | None = None
    ) -> RepairsFlowResult:
        """Ask once; on confirmation remove the device (already gone: nothing left to do)."""
        if user_input is not None:
            async_remove_vehicle_device(self.hass, self._entry_id, self._vin)
            return self.async_create_entry(data={})
        return self.async_show_form(step_id="confirm", description_placeholders=self._names())

    def _names(self) -> dict[str, str]:
        """The car as its device shows it now, and the account (as in the issue's title)."""
        device = vehicle_device(self.hass, self._entry_id, self._vin)
        vehicle = shown_name(device) if device is not None else self._vin[-6:]
        entry = self.hass.config_entries.async_get_entry(self._entry_id)
        return {"vehicle": vehicle, "title": entry.title if entry is not None else ""}


async def async_create_fix_flow(
    hass: HomeAssistant, issue_id: str, data: dict[str, str | int | float | None] | None
) -> RepairsFlow:
    """The flow of a fixable issue (``data`` is the one the issue was raised with)."""
    entry_id = (data or {}).get("entry_id")
    vin = (data or {}).get("vin")
    gone = issue_id.startswith(f"{ISSUE_VEHICLE_GONE}_")
    if gone and isinstance(entry_id, str) and isinstance(vin, str):
        return VehicleGoneRepairFlow(entry_id, vin)
    return ConfirmRepairFlow()  # pragma: no cover - every fixable issue of ours is above
