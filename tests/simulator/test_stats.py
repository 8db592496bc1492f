"""GET /_simulator/stats and its reset."""

from __future__ import annotations

import aiohttp

from psa_simulator import BEV_VIN
from psa_simulator.testing import SimulatorControl, SimulatorHandle

from .helpers import api_get, password_login


async def test_fresh_stats(control: SimulatorControl) -> None:
    assert await control.stats() == {
        "requests": {},
        "token_requests": {"password": 0, "authorization_code": 0, "refresh_token": 0},
        "max_concurrent_token_requests": 0,
    }


async def test_requests_counted_by_route_pattern(
    sim: SimulatorHandle, session: aiohttp.ClientSession, control: SimulatorControl
) -> None:
    token = (await password_login(session, sim))["access_token"]
    vehicle_id = sim.state.vehicle(BEV_VIN).id
    for _ in range(2):
        await api_get(session, sim, f"/user/vehicles/{vehicle_id}/status", token)
    await api_get(session, sim, "/user/vehicles", token)
    await api_get(session, sim, "/user/vehicles", "bad-token")  # refused requests count too
    await api_get(session, sim, "/nowhere", token)
    await control.state()  # the control API is not counted
    assert await control.stats() == {
        "requests": {
            "POST /am/oauth2/access_token": 1,
            "GET /connectedcar/v4/user/vehicles/{vehicle_id}/status": 2,
            "GET /connectedcar/v4/user/vehicles": 2,
            "GET /connectedcar/v4/nowhere": 1,
        },
        "token_requests": {"password": 1, "authorization_code": 0, "refresh_token": 0},
        "max_concurrent_token_requests": 1,
    }


async def test_reset(
    sim: SimulatorHandle, session: aiohttp.ClientSession, control: SimulatorControl
) -> None:
    await password_login(session, sim)
    await control.reset_stats()
    assert (await control.stats())["requests"] == {}
    assert (await control.stats())["token_requests"] == {
        "password": 0,
        "authorization_code": 0,
        "refresh_token": 0,
    }
