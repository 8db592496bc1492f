"""Fault injection: latency, 5xx, 429 + Retry-After, 401s, malformed JSON, dropped connections."""

from __future__ import annotations

import json
import time
from typing import Any

import aiohttp
import pytest

from psa_simulator import FaultConfig, SimulatorConfig
from psa_simulator.testing import SimulatorControl, SimulatorHandle

from ..conftest import SimulatorFactory
from .conftest import Clock
from .helpers import api_headers, password_login, post_token, refused_status

GATEWAY_500 = {"httpMessage": "Internal Server Error", "moreInformation": "Internal Error"}


async def raw_get(
    session: aiohttp.ClientSession, sim: SimulatorHandle, token: str, path: str = "/user"
) -> tuple[int, bytes, Any]:
    async with session.get(
        f"{sim.api_url}{path}", params={"client_id": "demo-client-id"}, headers=api_headers(token)
    ) as response:
        return response.status, await response.read(), response.headers


async def test_error_rate(
    sim: SimulatorHandle, session: aiohttp.ClientSession, control: SimulatorControl, token: str
) -> None:
    await control.set_faults(error_rate=1.0)
    status, body, headers = await raw_get(session, sim, token)
    assert status == 500
    assert json.loads(body) == GATEWAY_500
    assert "X-Global-Transaction-ID" in headers


async def test_unauthorized_rate(
    sim: SimulatorHandle, session: aiohttp.ClientSession, token: str
) -> None:
    sim.state.set_faults(unauthorized_rate=1.0)
    status, body, _ = await raw_get(session, sim, token)
    assert status == 401
    assert json.loads(body)["httpMessage"] == "Unauthorized"
    assert sim.state.valid_access_token(token) is not None


async def test_malformed_rate(
    sim: SimulatorHandle, session: aiohttp.ClientSession, token: str
) -> None:
    sim.state.set_faults(malformed_rate=1.0)
    status, body, headers = await raw_get(session, sim, token)
    assert status == 200
    assert headers["Content-Type"] == "application/hal+json"
    with pytest.raises(ValueError, match=r".*"):
        json.loads(body)


async def test_drop_rate(sim: SimulatorHandle, session: aiohttp.ClientSession, token: str) -> None:
    sim.state.set_faults(drop_rate=1.0)
    with pytest.raises(aiohttp.ClientConnectionError):
        await raw_get(session, sim, token)
    sim.state.set_faults(drop_rate=0.0)
    assert (await raw_get(session, sim, token))[0] == 200


async def test_latency(sim: SimulatorHandle, session: aiohttp.ClientSession, token: str) -> None:
    sim.state.set_faults(latency_ms=150)
    start = time.monotonic()
    assert (await raw_get(session, sim, token))[0] == 200
    assert time.monotonic() - start >= 0.15


async def test_rate_limit_until_deadline(
    sim: SimulatorHandle,
    session: aiohttp.ClientSession,
    control: SimulatorControl,
    token: str,
    clock: Clock,
) -> None:
    assert (await control.rate_limit(90))["rate_limited_for"] == 90
    for retry_after in ("90", "90"):
        status, raw, headers = await raw_get(session, sim, token, "/user/vehicles")
        assert status == 429
        assert headers["Retry-After"] == retry_after
        assert json.loads(raw)["httpMessage"] == "Too Many Requests"
    clock.now += 60.5
    assert (await raw_get(session, sim, token))[2]["Retry-After"] == "30"
    clock.now += 29.5
    assert (await raw_get(session, sim, token))[0] == 200


async def test_rate_limit_from_config(
    simulator_factory: SimulatorFactory, session: aiohttp.ClientSession
) -> None:
    clock = Clock(1_800_000_000)
    sim = await simulator_factory(
        SimulatorConfig(clock=clock, faults=FaultConfig(rate_limit_seconds=10))
    )
    token = (await password_login(session, sim))["access_token"]  # identity paths not affected
    assert (await raw_get(session, sim, token))[0] == 429
    clock.now += 10
    assert (await raw_get(session, sim, token))[0] == 200


async def test_forced_faults_in_order(
    sim: SimulatorHandle, session: aiohttp.ClientSession, control: SimulatorControl, token: str
) -> None:
    await control.force_faults("500", 2)
    sim.state.force_faults("429")
    sim.state.force_faults("401")
    statuses = [(await raw_get(session, sim, token))[0] for _ in range(5)]
    assert statuses == [500, 500, 429, 401, 200]


async def test_forced_malformed_and_drop(
    sim: SimulatorHandle, session: aiohttp.ClientSession, token: str
) -> None:
    sim.state.force_faults("malformed")
    sim.state.force_faults("drop", 2)
    status, body, _ = await raw_get(session, sim, token)
    assert status == 200
    with pytest.raises(ValueError, match=r".*"):
        json.loads(body)
    with pytest.raises(aiohttp.ClientConnectionError):
        await raw_get(session, sim, token)
    assert (await raw_get(session, sim, token))[0] == 200


async def test_one_drop_is_retried_by_aiohttp(
    sim: SimulatorHandle, session: aiohttp.ClientSession, token: str
) -> None:
    """A trap for client tests: aiohttp resends a GET once after a dropped connection."""
    sim.state.force_faults("drop")
    assert (await raw_get(session, sim, token))[0] == 200
    assert sim.state.stats.requests["GET /connectedcar/v4/user"] == 2


async def test_faults_spare_the_identity_server_by_default(
    sim: SimulatorHandle, session: aiohttp.ClientSession
) -> None:
    sim.state.set_faults(error_rate=1.0)
    sim.state.rate_limit(60)
    await password_login(session, sim)


async def test_faults_on_the_identity_server(
    simulator_factory: SimulatorFactory, session: aiohttp.ClientSession
) -> None:
    sim = await simulator_factory(
        SimulatorConfig(faults=FaultConfig(error_rate=1.0, include_oauth=True))
    )
    status, body = await post_token(session, sim, {"grant_type": "password"})
    assert status == 500
    assert body == {"error": "server_error", "error_description": "Internal Server Error"}
    sim.state.set_faults(error_rate=0.0, unauthorized_rate=1.0)  # no gateway 401 on the IdP
    await password_login(session, sim)


def outcomes(sim: SimulatorHandle, count: int) -> list[str | None]:
    from psa_simulator.middleware import _pick_fault

    return [_pick_fault(sim.state) for _ in range(count)]


async def test_faults_are_deterministic_per_seed(simulator_factory: SimulatorFactory) -> None:
    faults = FaultConfig(error_rate=0.2, unauthorized_rate=0.2, malformed_rate=0.2, drop_rate=0.1)
    one = await simulator_factory(SimulatorConfig(seed=7, faults=faults))
    two = await simulator_factory(SimulatorConfig(seed=7, faults=faults))
    other = await simulator_factory(SimulatorConfig(seed=8, faults=faults))
    first = outcomes(one, 200)
    assert first == outcomes(two, 200)
    assert first != outcomes(other, 200)
    assert {"500", "401", "malformed", "drop", None} == set(first)
    one.state.reset_faults()  # reseeds
    one.state.set_faults(**vars(faults))
    assert outcomes(one, 200) == first


async def test_reseed_through_control(sim: SimulatorHandle, control: SimulatorControl) -> None:
    await control.set_faults(error_rate=0.5, seed=3)
    first = outcomes(sim, 50)
    await control.set_faults(seed=3)
    assert outcomes(sim, 50) == first


async def test_fault_settings_are_validated(control: SimulatorControl) -> None:
    for body in (
        {"error_rate": 1.5},
        {"latency_ms": -1},
        {"colour": "red"},
        {"drop_rate": "0.5"},
        {"error_rate": True},
        {"include_oauth": "yes"},
    ):
        assert await refused_status(control.set_faults(**body)) == 400
    assert await refused_status(control.force_faults("418")) == 400
    assert (await control.request("POST", "faults/rate_limit", {"seconds": "x"}))[0] == 400
    assert (await control.request("POST", "faults", [1, 2]))[0] == 400


async def test_faults_reset(
    sim: SimulatorHandle, session: aiohttp.ClientSession, control: SimulatorControl, token: str
) -> None:
    sim.state.set_faults(error_rate=1.0, latency_ms=5)
    sim.state.rate_limit(100)
    sim.state.force_faults("drop")
    assert await control.reset_faults() == {
        "latency_ms": 0.0,
        "error_rate": 0.0,
        "unauthorized_rate": 0.0,
        "malformed_rate": 0.0,
        "drop_rate": 0.0,
        "include_oauth": False,
        "rate_limited_for": 0.0,
        "forced": [],
    }
    assert (await raw_get(session, sim, token))[0] == 200


async def test_control_api_is_never_faulted(
    sim: SimulatorHandle, control: SimulatorControl
) -> None:
    sim.state.set_faults(error_rate=1.0, drop_rate=1.0)
    sim.state.rate_limit(100)
    assert (await control.faults())["error_rate"] == 1.0


async def test_unknown_identity_path_with_oauth_faults(
    simulator_factory: SimulatorFactory, session: aiohttp.ClientSession
) -> None:
    sim = await simulator_factory(SimulatorConfig(faults=FaultConfig(include_oauth=True)))
    async with session.get(f"{sim.url}/am/oauth2/nothing") as response:
        assert response.status == 404
        assert response.content_type == "text/plain"


def test_force_faults_checks_the_kind(sim: SimulatorHandle) -> None:
    with pytest.raises(ValueError, match="kind"):
        sim.state.force_faults("418")
