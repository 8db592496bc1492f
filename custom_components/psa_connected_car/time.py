"""Time: the delayed-charge start of a paired car that charges from the grid."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from typing import Any

from homeassistant.components.time import TimeEntity, TimeEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import PSAConfigEntry
from .entity import PSARemoteEntity, PSARemoteEntityDescription, async_add_remote_entities
from .readers import block_reported, electric
from .remote import charging_now, delayed_start

# Each command waits for the car's answer: one at a time per platform.
PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class PSATimeEntityDescription(PSARemoteEntityDescription, TimeEntityDescription):
    """A time of day of the car, set by one command."""


TIMES: tuple[PSATimeEntityDescription, ...] = (
    PSATimeEntityDescription(
        key="charge_start_time",
        translation_key="charge_start_time",
        command="charge",
        exists_fn=block_reported(lambda status: status.electric),
        value_fn=delayed_start,
        reported_fn=electric(lambda energy: energy.updated_at),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PSAConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the delayed-charge start of every paired car that charges."""
    async_add_remote_entities(entry, async_add_entities, TIMES, PSATime)


class PSATime(PSARemoteEntity, TimeEntity):
    """The time of day the delayed charge starts (the car's ``nextDelayedTime``)."""

    entity_description: PSATimeEntityDescription

    def _show(self, value: Any) -> None:
        self._attr_native_value = value

    async def async_set_value(self, value: time) -> None:
        """A new start; a charge in progress goes on (sent as immediate), else delayed."""
        start = value.replace(second=0, microsecond=0, tzinfo=None)
        await self._async_send(start, now=charging_now(self.vehicle_data), start=start)
