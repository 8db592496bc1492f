"""Smoke test, also run on the oldest supported Home Assistant: flow, setup, update, unload.

Against the simulator (no mocks, no snapshots): ``PSA_SIMULATOR_URL`` points the
integration at it, exactly as a developer would.
"""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
import pytest

from psa_simulator.testing import SimulatorHandle

from .simulated import credentials, entry_of, start_flow

pytestmark = pytest.mark.smoke


async def test_flow_setup_update_unload(
    hass: HomeAssistant, simulator: SimulatorHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PSA_SIMULATOR_URL", simulator.url)
    result = await start_flow(hass, simulator)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], credentials(simulator)
    )
    entry = entry_of(result)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
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
