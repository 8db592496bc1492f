"""Lock: the doors of a paired car, locked and unlocked through a remote command."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from homeassistant.components.lock import LockEntity, LockEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import PSAConfigEntry
from .entity import PSARemoteEntity, PSARemoteEntityDescription, async_add_remote_entities
from .readers import block_reported, status

# Each command waits for the car's answer: one at a time per platform.
PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class PSALockEntityDescription(PSARemoteEntityDescription, LockEntityDescription):
    """A lock of the car, locked and unlocked by one command."""


LOCKS: tuple[PSALockEntityDescription, ...] = (
    PSALockEntityDescription(
        key="doors",
        translation_key="doors",
        command="lock",
        exists_fn=block_reported(lambda status: status.doors),
        value_fn=status(lambda s: s.doors.locked if s.doors else None),
        reported_fn=status(lambda s: s.doors.updated_at if s.doors else None),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PSAConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the door lock of every paired car."""
    async_add_remote_entities(entry, async_add_entities, LOCKS, PSALock)


class PSALock(PSARemoteEntity, LockEntity):
    """The car's central locking: locking or unlocking while the car has not answered."""

    entity_description: PSALockEntityDescription

    def _show(self, value: Any) -> None:
        self._attr_is_locked = value
        self._attr_is_locking = self.waiting and value is True
        self._attr_is_unlocking = self.waiting and value is False

    async def async_lock(self, **kwargs: Any) -> None:
        """Lock the doors."""
        await self._async_send(True, locked=True)

    async def async_unlock(self, **kwargs: Any) -> None:
        """Unlock the doors."""
        await self._async_send(False, locked=False)
