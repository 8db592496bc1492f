"""The gateway checks in front of /connectedcar/v4: realm, client_id, Bearer token, expiry."""

from __future__ import annotations

import aiohttp
import pytest

from psa_simulator.testing import SimulatorControl, SimulatorHandle

from .conftest import Clock
from .helpers import api_get, api_headers

UNAUTHORIZED = {
    "httpMessage": "Unauthorized",
    "moreInformation": "Cannot pass the security checks that are required by the target API "
    "or operation, Enable debug headers for more details.",
}


async def test_good_request(
    sim: SimulatorHandle, session: aiohttp.ClientSession, token: str
) -> None:
    status, body, headers = await api_get(session, sim, "/user", token)
    assert status == 200
    assert headers["Content-Type"] == "application/hal+json"
    for name in ("X-Global-Transaction-ID", "X-RateLimit-Limit", "X-RateLimit-Remaining"):
        assert name in headers
    assert body["email"] == "demo@example.com"


@pytest.mark.parametrize(
    ("params", "headers"),
    [
        ({"client_id": "other-client"}, None),
        ({"client_id": ""}, None),
        (None, {"x-introspect-realm": "clientsB2COpel"}),
        (None, {"x-introspect-realm": ""}),
        (None, {"Authorization": "Bearer 00000000-0000-4000-8000-000000000000"}),
        (None, {"Authorization": "Bearer "}),
        (None, {"Authorization": "Basic ZGVtbzpkZW1v"}),
    ],
)
async def test_security_checks(
    sim: SimulatorHandle,
    session: aiohttp.ClientSession,
    token: str,
    params: dict[str, str] | None,
    headers: dict[str, str] | None,
) -> None:
    merged = api_headers(token) | (headers or {})
    status, body, response_headers = await api_get(
        session, sim, "/user/vehicles", token, params=params, headers=merged
    )
    assert status == 401
    assert body == UNAUTHORIZED
    assert response_headers["Content-Type"] == "application/json"


async def test_missing_headers_or_client_id(
    sim: SimulatorHandle, session: aiohttp.ClientSession, token: str
) -> None:
    for name in ("Authorization", "x-introspect-realm"):
        headers = {k: v for k, v in api_headers(token).items() if k != name}
        status, body, _ = await api_get(session, sim, "/user", token, headers=headers)
        assert (status, body) == (401, UNAUTHORIZED)
    async with session.get(f"{sim.api_url}/user", headers=api_headers(token)) as response:
        assert response.status == 401


async def test_accept_header_is_optional(
    sim: SimulatorHandle, session: aiohttp.ClientSession, token: str
) -> None:
    headers = {k: v for k, v in api_headers(token).items() if k != "Accept"}
    status, _, _ = await api_get(session, sim, "/user", token, headers=headers)
    assert status == 200


async def test_expired_token(
    sim: SimulatorHandle, session: aiohttp.ClientSession, token: str, clock: Clock
) -> None:
    clock.now += 3598
    assert (await api_get(session, sim, "/user", token))[0] == 200
    clock.now += 1
    assert (await api_get(session, sim, "/user", token))[:2] == (401, UNAUTHORIZED)


async def test_expired_by_time_advance(
    sim: SimulatorHandle, session: aiohttp.ClientSession, control: SimulatorControl, token: str
) -> None:
    assert (await control.advance(3600))["time_offset"] == 3600
    assert (await api_get(session, sim, "/user", token))[0] == 401


async def test_unknown_api_path(
    sim: SimulatorHandle, session: aiohttp.ClientSession, token: str
) -> None:
    status, body, _ = await api_get(session, sim, "/user/nothing-here", token)
    assert status == 404
    assert body == {
        "httpMessage": "Not Found",
        "moreInformation": "No resources match requested URI",
    }
