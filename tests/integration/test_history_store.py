"""The store both histories share: read as a dict, saved later or now, written once at shutdown.

``hass_storage`` is Home Assistant's mocked ``.storage``: a key is there once written.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.psa_connected_car.history_store import (
    SAVE_DELAY,
    HistoryStore,
    async_remove_store,
    storage_key,
)

ENTRY_ID = "01TESTENTRY0000000000000001"
KEY = storage_key(ENTRY_ID, "things")


def test_the_key_names_the_entry_and_the_history() -> None:
    assert storage_key(ENTRY_ID, "things") == "psa_connected_car.01TESTENTRY0000000000000001.things"


def make(hass: HomeAssistant, document: dict[str, Any]) -> HistoryStore:
    """A store writing ``document`` as it is when written."""
    return HistoryStore(hass, ENTRY_ID, "things", lambda: dict(document))


async def later(hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float) -> None:
    freezer.tick(timedelta(seconds=seconds))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()


@pytest.mark.parametrize(
    "stored",
    [
        None,
        {"version": 1, "key": KEY, "data": ["not", "a", "dict"]},
        {"version": 2, "key": KEY, "data": {"from": "a newer version"}},
        {"key": KEY, "data": {"no": "version"}},
    ],
)
async def test_anything_but_a_dict_reads_as_empty(
    hass: HomeAssistant, hass_storage: dict[str, Any], stored: dict[str, Any] | None
) -> None:
    if stored is not None:
        hass_storage[KEY] = stored
    assert await make(hass, {}).async_load() == {}


async def test_a_dict_reads_back(hass: HomeAssistant, hass_storage: dict[str, Any]) -> None:
    hass_storage[KEY] = {"version": 1, "key": KEY, "data": {"cars": {}}}
    assert await make(hass, {}).async_load() == {"cars": {}}


async def test_a_delayed_save_takes_what_is_there_when_it_writes(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, hass_storage: dict[str, Any]
) -> None:
    document = {"n": 1}
    store = make(hass, document)
    store.async_delay_save()
    document["n"] = 2
    await later(hass, freezer, SAVE_DELAY - 1)
    assert KEY not in hass_storage
    await later(hass, freezer, 2)
    assert hass_storage[KEY]["data"] == {"n": 2}
    assert hass_storage[KEY]["version"] == 1


async def test_shutdown_writes_a_pending_save_then_nothing_more(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, hass_storage: dict[str, Any]
) -> None:
    store = make(hass, {"n": 1})
    store.async_delay_save()
    await store.async_shutdown()
    assert hass_storage[KEY]["data"] == {"n": 1}  # at once, not after the delay
    await async_remove_store(hass, ENTRY_ID, "things")  # the entry is removed
    assert KEY not in hass_storage
    store.async_delay_save()
    await store.async_save()
    await later(hass, freezer, SAVE_DELAY + 1)
    assert KEY not in hass_storage  # the deleted file stays deleted


async def test_shutdown_writes_nothing_when_all_is_saved(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, hass_storage: dict[str, Any]
) -> None:
    store = make(hass, {"n": 1})
    await store.async_shutdown()
    assert KEY not in hass_storage
    other = make(hass, {"n": 2})
    other.async_delay_save()
    await later(hass, freezer, SAVE_DELAY + 1)  # the delayed save wrote it
    hass_storage.pop(KEY)
    await other.async_shutdown()
    assert KEY not in hass_storage


async def test_a_save_now_replaces_the_delayed_one(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, hass_storage: dict[str, Any]
) -> None:
    store = make(hass, {"n": 1})
    store.async_delay_save()
    await store.async_save()
    assert hass_storage.pop(KEY)["data"] == {"n": 1}
    await later(hass, freezer, SAVE_DELAY + 1)
    await store.async_shutdown()
    assert KEY not in hass_storage  # neither the delayed save nor the shutdown wrote again
