"""The benchmark's Home Assistant (benchmarks/home.py) keeps its HTTP server to itself.

Its image platform needs Home Assistant's ``http`` component. Left to its defaults, that binds
0.0.0.0:8123: it listens on every interface, and fails while scripts/develop holds the port.
"""

from __future__ import annotations

from collections.abc import Iterator
import errno
import socket

import aiohttp
import pytest

from benchmarks.home import Clock, home_assistant
from psa_simulator.testing import SimulatorControl, free_port

DEVELOP_PORT = 8123  # Home Assistant's default, where scripts/develop serves


@pytest.fixture(autouse=True)
def disable_http_server() -> None:
    """Let the server bind for real here (the test plugin's fixture of this name stops it)."""


@pytest.fixture
def develop_port_held(socket_enabled: None) -> Iterator[None]:
    """127.0.0.1:8123 taken, as while scripts/develop runs (or already taken by it)."""
    with socket.socket() as holder:
        holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            holder.bind(("127.0.0.1", DEVELOP_PORT))
            holder.listen()
        except OSError as err:
            if err.errno != errno.EADDRINUSE:
                raise
        yield


async def test_http_binds_loopback_on_a_free_port(develop_port_held: None) -> None:
    async with aiohttp.ClientSession() as session:
        # Never contacted: nothing in this test logs in or sets up the integration.
        unused = SimulatorControl(session, f"http://127.0.0.1:{free_port()}")
        async with home_assistant(unused, Clock()) as hass:
            assert "http" in hass.config.components
            assert hass.http.server_host == ["127.0.0.1"]
            port = hass.http.server_port
            assert port != DEVELOP_PORT
            with socket.socket() as probe, pytest.raises(OSError, match="in use"):
                probe.bind(("127.0.0.1", port))  # Home Assistant holds it
