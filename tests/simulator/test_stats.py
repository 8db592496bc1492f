"""GET /_simulator/stats and its reset."""

from __future__ import annotations

import aiohttp

from psa_simulator import BEV_VIN
from psa_simulator.testing import SimulatorHandle

from .helpers import api_get, password_login


async def stats(session: aiohttp.ClientSession, sim: SimulatorHandle) -> dict[str, object]:
    async with session.get(f"{sim.url}/_simulator/stats") as response:
        assert response.status == 200
        body: dict[str, object] = await response.json()
        return body


async def test_fresh_stats(sim: SimulatorHandle, session: aiohttp.ClientSession) -> None:
    assert await stats(session, sim) == {
        "requests": {},
        "token_requests": {"password": 0, "authorization_code": 0, "refresh_token": 0},
        "max_concurrent_token_requests": 0,
    }


async def test_requests_counted_by_route_pattern(
    sim: SimulatorHandle, session: aiohttp.ClientSession
) -> None:
    token = (await password_login(session, sim))["access_token"]
    vehicle_id = sim.state.vehicle(BEV_VIN).id
    for _ in range(2):
        await api_get(session, sim, f"/user/vehicles/{vehicle_id}/status", token)
    await api_get(session, sim, "/user/vehicles", token)
    await api_get(session, sim, "/user/vehicles", "bad-token")  # refused requests count too
    await api_get(session, sim, "/nowhere", token)
    async with session.get(f"{sim.url}/_simulator/state"):
        pass  # the control API is not counted
    assert await stats(session, sim) == {
        "requests": {
            "POST /am/oauth2/access_token": 1,
            "GET /connectedcar/v4/user/vehicles/{vehicle_id}/status": 2,
            "GET /connectedcar/v4/user/vehicles": 2,
            "GET /connectedcar/v4/nowhere": 1,
        },
        "token_requests": {"password": 1, "authorization_code": 0, "refresh_token": 0},
        "max_concurrent_token_requests": 1,
    }


async def test_reset(sim: SimulatorHandle, session: aiohttp.ClientSession) -> None:
    await password_login(session, sim)
    async with session.post(f"{sim.url}/_simulator/stats/reset") as response:
        assert response.status == 200
    assert (await stats(session, sim))["requests"] == {}
    assert (await stats(session, sim))["token_requests"] == {
        "password": 0,
        "authorization_code": 0,
        "refresh_token": 0,
    }
