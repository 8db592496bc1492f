"""The remote-commands pairing of one entry, in Home Assistant storage.

The store holds the OTP state (the brand app's PIN included) and the MQTT token: it is
private (file mode 0600) and written atomically, since a torn file would cost a new SMS
pairing. Every write is awaited (``Store.async_save``, never a delayed save): the OTP state
must be on disk before its code is used (remote-commands.md §3.3).

Several ``RemoteStore`` objects of one entry (the options flow's, the running
``RemoteManager``'s) share one document. A write from an object whose pairing has been
replaced (pairing again) or removed (turning remote commands off) is dropped, so that a
manager still running with the old state can neither bring back a deleted PIN nor overwrite
the new pairing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from .api.remote.models import OtpState, RemoteToken
from .const import DOMAIN, LOGGER

STORAGE_VERSION = 1
# hass.data key of the documents shared by the RemoteStore objects, per entry id.
_SHARED = f"{DOMAIN}_remote_store"


def storage_key(entry_id: str) -> str:
    """The storage key of an entry's pairing (a file under ``.storage``)."""
    return f"{DOMAIN}.{entry_id}.remote"


@dataclass
class RemotePairing:
    """What a pairing left behind: the customer id, the OTP state, the MQTT token and more."""

    customer_id: str
    otp: OtpState
    token: RemoteToken | None
    unsupported: dict[str, set[str]] = field(default_factory=dict)  # VIN -> command names
    paired_at: datetime = field(default_factory=dt_util.utcnow)


class _Shared:
    """One entry's storage and the document last loaded or saved (None: not paired)."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        self.store: Store[dict[str, Any]] = Store(
            hass, STORAGE_VERSION, storage_key(entry_id), private=True, atomic_writes=True
        )
        self.data: dict[str, Any] | None = None
        self.loaded = False
        self.lock = asyncio.Lock()


def _shared(hass: HomeAssistant, entry_id: str) -> _Shared:
    documents: dict[str, _Shared] = hass.data.setdefault(_SHARED, {})
    if entry_id not in documents:
        documents[entry_id] = _Shared(hass, entry_id)
    return documents[entry_id]


def _device_id(data: Mapping[str, Any] | None) -> str | None:
    """The device id of a stored pairing: new for every pairing, so it tells them apart."""
    if data is None:
        return None
    otp = data.get("otp")
    return str(otp.get("device_id")) if isinstance(otp, Mapping) else None


def _pairing(data: Mapping[str, Any]) -> RemotePairing:
    """The stored document as a pairing; raises KeyError, TypeError or ValueError if unusable."""
    token = data.get("token")
    return RemotePairing(
        customer_id=str(data["customer_id"]),
        otp=OtpState.from_dict(data["otp"]),
        token=RemoteToken.from_dict(token) if token else None,
        unsupported={str(vin): set(names) for vin, names in data.get("unsupported", {}).items()},
        paired_at=datetime.fromisoformat(data["paired_at"]),
    )


class RemoteStore:
    """The pairing of one config entry: load it, save its parts, remove it."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """The store of ``entry_id``; nothing is read until ``async_load``."""
        self._entry_id = entry_id
        self._shared = _shared(hass, entry_id)
        self._device_id: str | None = None  # the pairing this object loaded or saved

    async def async_load(self) -> RemotePairing | None:
        """The stored pairing; None when not paired (or the file is unusable)."""
        async with self._shared.lock:
            data = await self._async_document()
            if data is None:
                return None
            try:
                pairing = _pairing(data)
            except (KeyError, TypeError, ValueError, AttributeError) as err:
                # No value in the message: the document holds the PIN and the keys.
                LOGGER.warning(
                    "The remote-commands pairing of %s is unreadable (%s); pair again",
                    self._entry_id,
                    type(err).__name__,
                )
                return None
            self._device_id = pairing.otp.device_id
            return pairing

    async def async_save_pairing(self, customer_id: str, otp: OtpState, token: RemoteToken) -> None:
        """A new pairing: it replaces whatever was stored (unsupported commands too)."""
        document = {
            "customer_id": customer_id,
            "otp": otp.as_dict(),
            "token": token.as_dict(),
            "unsupported": {},
            "paired_at": dt_util.utcnow().isoformat(),
        }
        async with self._shared.lock:
            await self._async_write(document)
            self._device_id = otp.device_id

    async def async_save_otp(self, otp: OtpState) -> None:
        """The OTP state after a code was generated; on disk when this returns."""
        await self._async_update("otp", otp.as_dict(), otp.device_id)

    async def async_save_token(self, token: RemoteToken) -> None:
        """A new MQTT token."""
        await self._async_update("token", token.as_dict(), self._device_id)

    async def async_save_unsupported(self, unsupported: Mapping[str, Collection[str]]) -> None:
        """The commands each car refused as outside its subscription (VIN -> names)."""
        value = {vin: sorted(names) for vin, names in unsupported.items()}
        await self._async_update("unsupported", value, self._device_id)

    async def async_remove(self) -> None:
        """Delete the pairing (turning remote commands off, removing the entry)."""
        async with self._shared.lock:
            self._shared.data = None
            self._shared.loaded = True
            self._device_id = None
            await self._shared.store.async_remove()

    async def _async_document(self) -> dict[str, Any] | None:
        """The current document, read from storage once per entry."""
        shared = self._shared
        if not shared.loaded:
            data = await shared.store.async_load()
            shared.data = data if isinstance(data, dict) else None
            shared.loaded = True
        return shared.data

    async def _async_update(self, key: str, value: Any, device_id: str | None) -> None:
        """Replace one part of the current pairing, if ``device_id`` is still its pairing."""
        async with self._shared.lock:
            current = await self._async_document()
            if current is None or device_id is None or _device_id(current) != device_id:
                LOGGER.debug(
                    "Not saving the remote %s of %s: its pairing was replaced or removed",
                    key,
                    self._entry_id,
                )
                return
            await self._async_write({**current, key: value})

    async def _async_write(self, document: dict[str, Any]) -> None:
        """Write ``document`` and wait until it is on disk."""
        self._shared.data = document
        self._shared.loaded = True
        await self._shared.store.async_save(document)
