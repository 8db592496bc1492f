"""Fixtures of the simulator tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from psa_simulator import SimulatorConfig
from psa_simulator.demo import EPOCH
from psa_simulator.testing import SimulatorControl, SimulatorHandle

from ..conftest import SimulatorFactory
from .helpers import password_login


class Clock:
    """A hand-driven clock for SimulatorConfig(clock=...)."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    """A plain HTTP session (no client code involved)."""
    async with aiohttp.ClientSession() as client_session:
        yield client_session


@pytest.fixture
def clock() -> Clock:
    """Simulator time frozen at the demo epoch (2026-01-01T00:00:00Z) until moved."""
    return Clock(EPOCH)


@pytest.fixture
async def sim(simulator_factory: SimulatorFactory, clock: Clock) -> SimulatorHandle:
    """The demo account on the hand-driven clock, no token-request delay."""
    return await simulator_factory(SimulatorConfig(clock=clock, token_request_delay=0))


@pytest.fixture
def control(sim: SimulatorHandle, session: aiohttp.ClientSession) -> SimulatorControl:
    """The control API of ``sim``, over HTTP like the end-to-end tests and the benchmark."""
    return SimulatorControl(session, sim.url)


@pytest.fixture
async def token(sim: SimulatorHandle, session: aiohttp.ClientSession) -> str:
    """An access token of the demo account on ``sim`` (password grant)."""
    tokens = await password_login(session, sim)
    access: str = tokens["access_token"]
    return access
