"""Buttons of a paired car: wake it up (fresh data), sound the horn, flash the lights."""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.components.button import ButtonEntity, ButtonEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import PSAConfigEntry
from .entity import PSARemoteEntity, PSARemoteEntityDescription, async_add_remote_entities

# Each command waits for the car's answer: one at a time per platform.
PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class PSAButtonEntityDescription(PSARemoteEntityDescription, ButtonEntityDescription):
    """A command without a state."""


BUTTONS: tuple[PSAButtonEntityDescription, ...] = (
    # Each wake-up costs the 12 V battery (docs/entities.md); the library allows 6 per 20 min.
    PSAButtonEntityDescription(key="wake_up", translation_key="wake_up", command="wake_up"),
    PSAButtonEntityDescription(key="horn", translation_key="horn", command="horn"),
    PSAButtonEntityDescription(key="lights", translation_key="lights", command="lights"),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PSAConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the buttons of every paired car."""
    async_add_remote_entities(entry, async_add_entities, BUTTONS, PSAButton)


class PSAButton(PSARemoteEntity, ButtonEntity):
    """A command without a state of its own."""

    entity_description: PSAButtonEntityDescription

    def _show(self, value: object) -> None:
        """A button shows no state."""

    async def async_press(self) -> None:
        """Send the command and wait for the car's answer."""
        await self._async_send()
