"""Smoke tests, also run on the oldest supported Home Assistant: flow, setup, update, unload,
and the paths that differ across versions (options, reconfigure: see compat.py).

Against the simulator (no mocks, no snapshots): ``PSA_SIMULATOR_URL`` points the
integration at it, exactly as a developer would.
"""

from __future__ import annotations

from datetime import timedelta

from homeassistant.config_entries import SOURCE_RECONFIGURE, ConfigEntry, ConfigEntryState
from homeassistant.core import HomeAssistant
import pytest

from custom_components.psa_connected_car.const import DOMAIN
from psa_simulator.testing import SimulatorHandle

from .simulated import add_with_password

pytestmark = pytest.mark.smoke


async def add_entry(hass: HomeAssistant, simulator: SimulatorHandle) -> ConfigEntry:
    """The demo account through the user flow (password grant), loaded."""
    entry = await add_with_password(hass, simulator)
    assert entry.state is ConfigEntryState.LOADED
    return entry


async def test_flow_setup_update_unload(
    hass: HomeAssistant, simulator: SimulatorHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PSA_SIMULATOR_URL", simulator.url)
    entry = await add_entry(hass, simulator)
    assert entry.data["auth_method"] == "password"

    coordinator = entry.runtime_data
    vins = {vehicle.vin for vehicle in simulator.state.vehicles}
    assert set(coordinator.data) == vins
    assert all(data.status is not None for data in coordinator.data.values())
    assert hass.states.async_entity_ids("sensor")

    coordinator.planner.next_vehicles = 0  # make the vehicle list due again
    await coordinator.async_refresh()
    assert coordinator.last_update_success
    assert set(coordinator.data) == vins

    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.NOT_LOADED


async def test_options_and_reconfigure_apply_to_a_loaded_entry(
    hass: HomeAssistant, simulator: SimulatorHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Options reload the entry from 2025.8 and go through an update listener before; either way
    the new intervals are in force and reconfigure reloads the entry (no report: conftest)."""
    monkeypatch.setenv("PSA_SIMULATOR_URL", simulator.url)
    entry = await add_entry(hass, simulator)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "polling"}
    )
    await hass.config_entries.options.async_configure(
        result["flow_id"], {"active_interval": 30, "parked_interval": 900}
    )
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert entry.runtime_data.update_interval == timedelta(seconds=30)

    before = entry.runtime_data
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_RECONFIGURE, "entry_id": entry.entry_id}
    )
    values = {key: entry.data[key] for key in ("country", "client_id", "client_secret")}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**values, "password": simulator.state.account.password}
    )
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert entry.runtime_data is not before
