"""A real Home Assistant in this process (the test harness of pytest-homeassistant-custom-
component, without pytest) running the integration against a simulator, on a movable clock.

Polling by Home Assistant's timer is switched off for the entry (``pref_disable_polling``):
the benchmark runs each update cycle itself with ``coordinator.async_refresh()`` after
moving the clock, so a simulated day takes seconds.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
import functools
import os
import tempfile
import time
from typing import Any
from unittest.mock import patch

from aiohttp import ThreadedResolver
import homeassistant  # noqa: F401 - first, so voluptuous is aliased before anyone imports it
from homeassistant import loader
from homeassistant.components.http import config as http_config
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er, frame
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import (  # type: ignore[import-untyped]
    MockConfigEntry,
    async_test_home_assistant,
)

import custom_components.psa_connected_car as integration
from custom_components.psa_connected_car import remote
from custom_components.psa_connected_car.api.auth import PSAAuth
from custom_components.psa_connected_car.api.brands import BRANDS
from custom_components.psa_connected_car.api.remote.account import PSARemoteApi
from custom_components.psa_connected_car.api.remote.commands import RemoteCommander
from custom_components.psa_connected_car.api.remote.tokens import RemoteTokenManager
from custom_components.psa_connected_car.const import (
    DOMAIN,
    ENV_SIMULATOR_CA_FILE,
    ENV_SIMULATOR_MQTT,
    ENV_SIMULATOR_URL,
)
from custom_components.psa_connected_car.coordinator import PSADataUpdateCoordinator
from psa_simulator.testing import SimulatorControl, free_port


class Clock:
    """Wall time plus an offset that the benchmark moves (the simulator moves with it)."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


@dataclass(frozen=True)
class Account:
    brand: str
    country: str
    username: str
    password: str
    client_id: str
    client_secret: str


def _resolver() -> ThreadedResolver:
    """The plain resolver (no zeroconf here); the harness closes it as ``real_close``."""
    resolver = ThreadedResolver()
    resolver.real_close = resolver.close  # type: ignore[attr-defined]
    return resolver


@asynccontextmanager
async def home_assistant(
    sim: SimulatorControl, clock: Clock, env: Mapping[str, str] | None = None
) -> AsyncIterator[HomeAssistant]:
    """A fresh Home Assistant pointed at ``sim``; the integration reads ``clock``.

    ``env`` adds settings (``broker_env``: the simulator's MQTT broker and its CA). The
    remote-commands pieces read ``clock`` too, so MQTT tokens age with the simulator.
    """
    with (
        tempfile.TemporaryDirectory() as folder,
        patch.dict(os.environ, {ENV_SIMULATOR_URL: sim.url, **(env or {})}),
        # No zeroconf/network setup here: the plain resolver is enough for 127.0.0.1.
        patch(
            "homeassistant.helpers.aiohttp_client._async_make_resolver",
            return_value=_resolver(),
        ),
        patch.object(integration, "PSAAuth", functools.partial(PSAAuth, clock=clock)),
        patch.object(
            integration,
            "PSADataUpdateCoordinator",
            functools.partial(PSADataUpdateCoordinator, clock=clock),
        ),
        patch.object(remote, "PSARemoteApi", functools.partial(PSARemoteApi, clock=clock)),
        patch.object(
            remote, "RemoteTokenManager", functools.partial(RemoteTokenManager, clock=clock)
        ),
        patch.object(remote, "RemoteCommander", functools.partial(RemoteCommander, clock=clock)),
    ):
        async with async_test_home_assistant(config_dir=folder) as hass:
            # As Home Assistant's bootstrap does: usage reports need it (the test plugin resets
            # it between tests, and Home Assistant 2026.11 reports while setting up an entry).
            frame.async_setup(hass)
            hass.data.pop(loader.DATA_CUSTOM_COMPONENTS, None)  # load custom_components/
            try:
                await serve_http_on_loopback(hass)
                yield hass
            finally:
                # Unloaded first: stopping Home Assistant leaves an entry's MQTT connection
                # (its task and paho's thread) running.
                for entry in hass.config_entries.async_entries(DOMAIN):
                    await hass.config_entries.async_unload(entry.entry_id)
                await hass.async_stop(force=True)


async def broker_env(sim: SimulatorControl) -> dict[str, str]:
    """Where the simulator's MQTT broker listens, and the CA that signed its certificate."""
    broker = await sim.broker()
    return {
        ENV_SIMULATOR_MQTT: f"127.0.0.1:{broker['port']}",
        ENV_SIMULATOR_CA_FILE: str(broker["ca_file"]),
    }


async def serve_http_on_loopback(hass: HomeAssistant) -> None:
    """Set up Home Assistant's HTTP server on 127.0.0.1 and a free port.

    The image platform depends on ``http``, whose default binds every interface on 8123: it
    would listen beyond this machine, and fail (taking the image entities with it) while
    scripts/develop holds the port. The settings go in the way the UI saves and confirms them
    (pending, then promoted): an ``http:`` YAML section would only be a pending trial, which
    Home Assistant reverts with a restart after five minutes.
    """
    store = await http_config.async_get_and_load_store(hass)
    settings = {"server_host": ["127.0.0.1"], "server_port": free_port()}
    await store.async_set_pending(http_config.HTTP_STORAGE_SCHEMA(settings))
    await store.async_promote_pending()
    assert await async_setup_component(hass, "http", {})


async def login(
    hass: HomeAssistant, sim: SimulatorControl, account: Account, clock: Clock
) -> PSAAuth:
    auth = PSAAuth(
        async_get_clientsession(hass),
        BRANDS[account.brand],
        account.country,
        account.client_id,
        account.client_secret,
        idp_base_url=sim.url,
        clock=clock,
    )
    await auth.login_password(account.username, account.password)
    return auth


async def add_entry(
    hass: HomeAssistant, sim: SimulatorControl, account: Account, clock: Clock
) -> tuple[ConfigEntry, float]:
    """Log in, add the entry and set it up; returns it and the seconds until every entity
    had a state (setup, first refresh, platforms, entity states written)."""
    auth = await login(hass, sim, account, clock)
    assert auth.token is not None
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=account.username,
        unique_id=auth.account_id,
        pref_disable_polling=True,
        data={
            "brand": account.brand,
            "country": account.country,
            "username": account.username,
            "client_id": account.client_id,
            "client_secret": account.client_secret,
            "token": auth.token.as_dict(),
            "auth_method": "password",
            "password": account.password,
        },
    )
    entry.add_to_hass(hass)
    started = time.perf_counter()
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    elapsed = time.perf_counter() - started
    missing = [eid for eid in entity_ids(hass, entry) if hass.states.get(eid) is None]
    assert not missing, missing
    return entry, elapsed


def entity_ids(hass: HomeAssistant, entry: ConfigEntry) -> list[str]:
    registry = er.async_get(hass)
    return [
        item.entity_id
        for item in er.async_entries_for_config_entry(registry, entry.entry_id)
        if item.disabled_by is None
    ]


def coordinator_of(entry: ConfigEntry) -> PSADataUpdateCoordinator:
    coordinator: Any = entry.runtime_data
    assert isinstance(coordinator, PSADataUpdateCoordinator)
    return coordinator


async def tick(sim: SimulatorControl, clock: Clock, seconds: float = 60.0) -> None:
    """Move both clocks: the integration's and the simulator's."""
    clock.offset += seconds
    await sim.advance(seconds)


def count_by_vehicle(coordinator: PSADataUpdateCoordinator, counts: Counter[str]) -> None:
    """Client side: count each API request by the car its path names (else the account)."""
    client = coordinator.client
    original = client._request
    ids = {data.vehicle.id: vin for vin, data in coordinator.data.items()}

    async def counted(path: str, *args: Any, **kwargs: Any) -> Any:
        parts = path.split("/")
        vin = ids.get(parts[3]) if len(parts) > 3 else None
        counts[vin or "account"] += 1
        return await original(path, *args, **kwargs)

    client._request = counted  # type: ignore[method-assign]
