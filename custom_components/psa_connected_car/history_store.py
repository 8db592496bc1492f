"""The store of one of an entry's histories (charge sessions, trips): one way for both.

A history is a JSON document in ``.storage/psa_connected_car.<entry_id>.<name>``. It is
read as a dict (anything else, even an unreadable file, reads as an empty one: a history
starts afresh rather than failing the setup), saved after a delay when it changes often,
or at once when it must be on disk before an event fires. What is still unsaved is written
when the coordinator shuts down (unload, reload, Home Assistant stopping); after that the
store writes nothing more, so that removing the entry (which unloads it first) deletes the
file for good.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.storage import Store

from .const import DOMAIN, LOGGER

STORAGE_VERSION = 1
SAVE_DELAY = 10.0  # s: a charge or a drive changes the history at every poll


def storage_key(entry_id: str, name: str) -> str:
    """The storage key of an entry's history ``name`` (a file under ``.storage``)."""
    return f"{DOMAIN}.{entry_id}.{name}"


class HistoryStore:
    """One history's file; ``document`` builds what is written, when it is written."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry_id: str,
        name: str,
        document: Callable[[], dict[str, Any]],
    ) -> None:
        """Nothing is read until ``async_load``."""
        self._store: Store[dict[str, Any]] = Store(
            hass, STORAGE_VERSION, storage_key(entry_id, name)
        )
        self._document = document
        self._unsaved = False  # a delayed save is pending
        self._closed = False  # shut down: nothing more is written

    async def async_load(self) -> dict[str, Any]:
        """The stored document; empty when there is none or it cannot be read."""
        try:
            stored = await self._store.async_load()
        except (HomeAssistantError, KeyError, TypeError, ValueError, NotImplementedError) as err:
            # A file of a newer version, or edited by hand: this history starts afresh.
            LOGGER.warning("Cannot read %s, starting afresh: %s", self._store.key, err)
            return {}
        return stored if isinstance(stored, dict) else {}

    @callback
    def async_delay_save(self) -> None:
        """Write in ``SAVE_DELAY`` seconds (changes meanwhile go into the same write)."""
        if self._closed:
            return
        self._unsaved = True
        self._store.async_delay_save(self._build, SAVE_DELAY)

    async def async_save(self) -> None:
        """Write now (replaces a pending delayed save)."""
        if not self._closed:
            await self._store.async_save(self._build())

    async def async_shutdown(self) -> None:
        """Write a pending delayed save now, then nothing more.

        The delayed write would otherwise come after an unload, and after the removal of
        the entry that follows it, bringing its deleted file back.
        """
        if self._unsaved:
            await self.async_save()
        self._closed = True

    def _build(self) -> dict[str, Any]:
        self._unsaved = False
        return self._document()


async def async_remove_store(hass: HomeAssistant, entry_id: str, name: str) -> None:
    """Delete an entry's history ``name`` (the entry is removed, hence unloaded already)."""
    await Store[dict[str, Any]](hass, STORAGE_VERSION, storage_key(entry_id, name)).async_remove()
