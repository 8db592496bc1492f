"""The resilience rig: Home Assistant and an in-process simulator on one clock.

Home Assistant's clock is frozen by ``freezer`` with ``tick=True``: it runs at wall speed
(so the simulator's latency, the token handler's delay and the client's timeouts all work)
and ``Rig.cycle()`` jumps it one coordinator tick ahead and fires the timers, exactly as a
minute passing would. The simulator reads the same clock, so tokens expire and the demo
cars charge and drive in simulated time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
import functools
import logging
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_REAUTH, SOURCE_USER, ConfigEntry
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant, State
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

import custom_components.psa_connected_car as integration
from custom_components.psa_connected_car.api.auth import PSAAuth
from custom_components.psa_connected_car.api.brands import BRANDS
from custom_components.psa_connected_car.api.client import PSAClient
from custom_components.psa_connected_car.const import DOMAIN, TICK_INTERVAL
from custom_components.psa_connected_car.coordinator import PSADataUpdateCoordinator
from psa_simulator.demo import EPOCH
from psa_simulator.testing import SimulatorHandle

# 2026-01-02T00:00Z: the demo BEV starts charging (cycle 3), the demo PHEV starts driving.
START = datetime.fromtimestamp(EPOCH, UTC) + timedelta(days=1)
CLIENT_TIMEOUT = 0.2  # seconds: a request slower than this is a timeout (tests only)


def ha_clock() -> float:
    """Home Assistant's clock (frozen and moved by the freezer): the simulator follows it."""
    return dt_util.utcnow().timestamp()


def follow_the_frozen_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Give the integration's login the frozen clock.

    ``PSAAuth``'s default clock is ``time.time`` bound at import, which the freezer cannot
    reach: without this the login would live in wall time while everything else lives in
    simulated hours (no proactive refresh, a token budget that never frees up).
    """
    monkeypatch.setattr(integration, "PSAAuth", functools.partial(PSAAuth, clock=ha_clock))


def short_client_timeout(monkeypatch: pytest.MonkeyPatch, seconds: float = CLIENT_TIMEOUT) -> None:
    """A request timeout short enough to be hit by the simulator's latency in a test."""
    monkeypatch.setattr(integration, "PSAClient", functools.partial(PSAClient, timeout=seconds))


@dataclass
class Rig:
    """One simulator, one Home Assistant, one config entry of the simulator's account."""

    hass: HomeAssistant
    freezer: FrozenDateTimeFactory
    sim: SimulatorHandle
    entry: ConfigEntry | None = None
    cycles: int = 0
    rounds: list[float] = field(default_factory=list)  # simulated times of coordinator rounds

    # Setup ------------------------------------------------------------------------------

    async def add_entry_with_flow(self) -> ConfigEntry:
        """Add the account through the config flow (password grant), as a user does."""
        account = self.sim.state.account
        flow = self.hass.config_entries.flow
        result = await flow.async_init(DOMAIN, context={"source": SOURCE_USER})
        result = await flow.async_configure(result["flow_id"], {"brand": account.brand.key})
        result = await flow.async_configure(
            result["flow_id"],
            {
                "country": account.country,
                "username": account.username,
                "password": account.password,
                "client_id": account.client_id,
                "client_secret": account.client_secret,
            },
        )
        assert result["type"] is FlowResultType.CREATE_ENTRY, result
        entry = result["result"]
        await self.hass.async_block_till_done()
        return self._loaded(entry)

    async def add_entry(self, *, method: str = "password") -> ConfigEntry:
        """Add an entry as the flow stores it (``method="code"``: no password kept)."""
        account = self.sim.state.account
        auth = PSAAuth(
            async_get_clientsession(self.hass),
            BRANDS[account.brand.key],
            account.country,
            account.client_id,
            account.client_secret,
            idp_base_url=self.sim.url,
            clock=ha_clock,
        )
        token = await auth.login_password(account.username, account.password)
        data: dict[str, Any] = {
            "brand": account.brand.key,
            "country": account.country,
            "username": account.username,
            "client_id": account.client_id,
            "client_secret": account.client_secret,
            "token": token.as_dict(),
            "auth_method": method,
        }
        if method == "password":
            data["password"] = account.password
        entry = MockConfigEntry(
            domain=DOMAIN,
            title=f"Peugeot ({account.username})",
            unique_id=auth.account_id,
            data=data,
        )
        entry.add_to_hass(self.hass)
        await self.hass.config_entries.async_setup(entry.entry_id)
        await self.hass.async_block_till_done()
        return self._loaded(entry)

    def _loaded(self, entry: ConfigEntry) -> ConfigEntry:
        self.entry = entry
        coordinator = getattr(entry, "runtime_data", None)
        if isinstance(coordinator, PSADataUpdateCoordinator):
            self._count_rounds(coordinator)
        return entry

    def _count_rounds(self, coordinator: PSADataUpdateCoordinator) -> None:
        original = coordinator._async_update_data

        async def counted() -> Any:
            self.rounds.append(ha_clock())
            return await original()

        coordinator._async_update_data = counted  # type: ignore[method-assign]

    # Time -------------------------------------------------------------------------------

    async def cycle(self, count: int = 1, seconds: float = TICK_INTERVAL) -> None:
        """Let ``count`` coordinator ticks pass in simulated time."""
        for _ in range(count):
            self.freezer.tick(timedelta(seconds=seconds))
            async_fire_time_changed(self.hass)
            await self.hass.async_block_till_done(wait_background_tasks=True)
            self.cycles += 1

    async def until(self, seconds: float) -> None:
        """Tick until ``seconds`` of simulated time have passed."""
        await self.cycle(max(1, round(seconds / TICK_INTERVAL)))

    # What the user sees -----------------------------------------------------------------

    @property
    def coordinator(self) -> PSADataUpdateCoordinator:
        assert self.entry is not None
        coordinator = self.entry.runtime_data
        assert isinstance(coordinator, PSADataUpdateCoordinator)
        return coordinator

    def entity_ids(self) -> list[str]:
        assert self.entry is not None
        registry = er.async_get(self.hass)
        return [
            item.entity_id
            for item in er.async_entries_for_config_entry(registry, self.entry.entry_id)
            if item.disabled_by is None
        ]

    def states(self) -> dict[str, State]:
        found = {entity_id: self.hass.states.get(entity_id) for entity_id in self.entity_ids()}
        return {entity_id: state for entity_id, state in found.items() if state is not None}

    def unavailable(self) -> list[str]:
        return [eid for eid, state in self.states().items() if state.state == STATE_UNAVAILABLE]

    def state_of(self, vin: str, key: str, domain: str = "sensor") -> str | None:
        entity_id = er.async_get(self.hass).async_get_entity_id(domain, DOMAIN, f"{vin}_{key}")
        state = self.hass.states.get(entity_id) if entity_id else None
        return state.state if state is not None else None

    def devices(self) -> dict[str, str]:
        """VIN -> device id of the entry's devices."""
        assert self.entry is not None
        registry = dr.async_get(self.hass)
        found: dict[str, str] = {}
        for device in dr.async_entries_for_config_entry(registry, self.entry.entry_id):
            for domain, key in device.identifiers:
                if domain == DOMAIN:
                    found[key] = device.id
        return found

    def reauth_flows(self) -> list[Any]:
        return [
            flow
            for flow in self.hass.config_entries.flow.async_progress()
            if flow["handler"] == DOMAIN and flow["context"].get("source") == SOURCE_REAUTH
        ]

    # The simulator's side ---------------------------------------------------------------

    def api_requests(self) -> int:
        return sum(self.sim.state.stats.requests.values())

    def token_requests(self) -> int:
        return sum(self.sim.state.stats.token_requests.values())

    def refresh_token_is_live(self) -> bool:
        """The refresh token stored in the entry is one the simulator would accept."""
        assert self.entry is not None
        stored = self.sim.state.refresh_tokens.get(self.entry.data["token"]["refresh_token"])
        return stored is not None and (
            stored.expires_at is None or stored.expires_at > self.sim.state.now()
        )


def records_at_least(
    records: Iterable[logging.LogRecord], level: int, name: str | None = None
) -> list[logging.LogRecord]:
    return [
        record
        for record in records
        if record.levelno >= level and (name is None or record.name.startswith(name))
    ]


def tracebacks(records: Iterable[logging.LogRecord]) -> list[str]:
    """Records at WARNING or above that carry a traceback (exc_info or a formatted stack)."""
    found = []
    for record in records:
        if record.levelno < logging.WARNING:
            continue
        if record.exc_info or "Traceback (most recent call last)" in record.getMessage():
            found.append(f"{record.name}: {record.getMessage()[:300]}")
    return found


def messages(records: Iterable[logging.LogRecord], text: str) -> list[logging.LogRecord]:
    return [record for record in records if text in record.getMessage()]
