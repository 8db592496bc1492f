"""The control API client itself (psa_simulator.testing): what the other tests rely on."""

from __future__ import annotations

import socket

import aiohttp
import pytest

from psa_simulator.testing import ControlRequestError, SimulatorControl, free_port


async def test_responding_only_while_a_simulator_listens(
    session: aiohttp.ClientSession, control: SimulatorControl
) -> None:
    assert await control.responding()
    nobody = SimulatorControl(session, f"http://127.0.0.1:{free_port()}")
    assert not await nobody.responding()


async def test_refusals_carry_the_status_and_the_simulator_message(
    control: SimulatorControl,
) -> None:
    with pytest.raises(ControlRequestError, match="unknown vehicle NOPE") as refused:
        await control.reset_vehicle("NOPE")
    assert refused.value.status == 404
    assert refused.value.body == {"error": "unknown vehicle NOPE"}
    assert "POST /_simulator/vehicles/NOPE/reset" in str(refused.value)


async def test_address_ignores_a_trailing_slash_of_the_base_url(
    session: aiohttp.ClientSession,
) -> None:
    control = SimulatorControl(session, "http://127.0.0.1:8765/")
    assert control.address("state") == "http://127.0.0.1:8765/_simulator/state"
    assert control.picture_url("VIN") == "http://127.0.0.1:8765/_simulator/pictures/VIN.png"


def test_free_port_can_be_bound_on_loopback(socket_enabled: None) -> None:
    port = free_port()
    with socket.socket() as server:
        server.bind(("127.0.0.1", port))
        assert server.getsockname()[1] == port
