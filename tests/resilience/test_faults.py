"""The fault matrix: one test per fault, checking what the user sees."""

from __future__ import annotations

import logging

from homeassistant.config_entries import ConfigEntryState
import pytest

from .rig import Rig, tracebacks


async def test_5xx_outage(bev_rig: Rig, caplog: pytest.LogCaptureFixture) -> None:
    rig = bev_rig
    assert rig.entry is not None
    assert rig.entry.state is ConfigEntryState.LOADED
    assert not rig.unavailable()
    print(len(rig.states()), rig.api_requests(), rig.sim.state.stats.as_dict())
    rig.sim.state.set_faults(error_rate=1.0)
    await rig.cycle(15)
    print(rig.unavailable()[:3], rig.rounds, rig.sim.state.stats.as_dict())
    rig.sim.state.reset_faults()
    await rig.cycle(1)
    print(rig.unavailable()[:3])
    for r in caplog.records:
        if r.levelno >= logging.INFO and r.name.startswith("custom_components"):
            print(r.levelname, r.name, r.getMessage()[:200])
    assert not tracebacks(caplog.records)
