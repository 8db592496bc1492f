"""Switches of a paired car: preconditioning, charging and the native charge limit."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api.models import VehicleData
from .coordinator import PSAConfigEntry
from .entity import PSARemoteEntity, PSARemoteEntityDescription, async_add_remote_entities
from .readers import block_reported, block_sent, charging, electric, status
from .remote import charge_params, precondition_params

# Each command waits for the car's answer: one at a time per platform.
PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class PSASwitchEntityDescription(PSARemoteEntityDescription, SwitchEntityDescription):
    """A switch whose on and off are one command with these parameters."""

    params_fn: Callable[[VehicleData | None, bool], dict[str, Any]]


def _equals(read: Callable[[VehicleData], str | None], value: str) -> Callable[[VehicleData], Any]:
    """True when the reading is ``value``, False for another one, None while unknown."""
    return lambda data: None if (found := read(data)) is None else found == value


_ELECTRIC_BLOCK = block_reported(lambda status: status.electric)
_CHARGING_AT = electric(lambda energy: energy.updated_at)

SWITCHES: tuple[PSASwitchEntityDescription, ...] = (
    PSASwitchEntityDescription(
        # On: the car cools or heats now (its programs are sent back untouched).
        key="preconditioning",
        translation_key="preconditioning",
        command="precondition",
        exists_fn=block_sent(lambda status: status.preconditioning),
        value_fn=_equals(
            status(lambda s: s.preconditioning.status if s.preconditioning else None), "Enabled"
        ),
        reported_fn=status(lambda s: s.preconditioning.updated_at if s.preconditioning else None),
        params_fn=lambda data, on: precondition_params(data, on=on),
    ),
    PSASwitchEntityDescription(
        # On: charge now. Off: back to the delayed charge, at the car's delayed start.
        key="charging",
        translation_key="charging",
        command="charge",
        exists_fn=_ELECTRIC_BLOCK,
        value_fn=_equals(charging(lambda charging: charging.status), "InProgress"),
        reported_fn=_CHARGING_AT,
        params_fn=lambda data, on: charge_params(data, now=on),
    ),
    PSASwitchEntityDescription(
        # The car's own limit: on stops at 80 % ("daily"), off charges full ("trip").
        key="charge_limit",
        translation_key="charge_limit",
        command="charge_limit",
        exists_fn=_ELECTRIC_BLOCK,
        value_fn=_equals(charging(lambda charging: charging.type), "Partial"),
        reported_fn=_CHARGING_AT,
        params_fn=lambda data, on: {"on": on},
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PSAConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the switches of every paired car its motorization allows."""
    async_add_remote_entities(entry, async_add_entities, SWITCHES, PSASwitch)


class PSASwitch(PSARemoteEntity, SwitchEntity):
    """On or off as the car reports, or as asked until the car confirms it."""

    entity_description: PSASwitchEntityDescription

    def _show(self, value: Any) -> None:
        self._attr_is_on = value

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Switch on."""
        await self._async_switch(True)

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Switch off."""
        await self._async_switch(False)

    async def _async_switch(self, on: bool) -> None:
        params = self.entity_description.params_fn(self.vehicle_data, on)
        await self._async_send(on, **params)
