"""Shared fixtures: in-process PSA cloud simulators bound to 127.0.0.1.

Importable on both toolchains: only pytest, aiohttp and psa_simulator are imported, and no
fixture here is autouse.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from psa_simulator import SimulatorConfig
from psa_simulator.testing import SimulatorHandle, start_simulator

SimulatorFactory = Callable[..., Awaitable[SimulatorHandle]]


@pytest.fixture
async def simulator_factory(socket_enabled: None) -> AsyncIterator[SimulatorFactory]:
    """Start simulators with custom configs: ``await simulator_factory(SimulatorConfig(...))``.

    Every simulator started is closed at teardown. Sockets are enabled for the test (the
    Home Assistant test plugin blocks them; connections stay limited to 127.0.0.1).
    """
    handles: list[SimulatorHandle] = []

    async def start(config: SimulatorConfig | None = None) -> SimulatorHandle:
        handle = await start_simulator(config)
        handles.append(handle)
        return handle

    yield start
    for handle in handles:
        await handle.server.close()


@pytest.fixture
async def simulator(simulator_factory: SimulatorFactory) -> SimulatorHandle:
    """The demo account on a fresh simulator: ``.url``, ``.api_url``, ``.state``, ``.config``."""
    return await simulator_factory()
