"""Small helpers for talking to the simulator in tests (no client code involved)."""

from __future__ import annotations

import base64
from collections.abc import Awaitable
from typing import Any

import aiohttp
from multidict import CIMultiDictProxy

from psa_simulator import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_PASSWORD, DEMO_USERNAME
from psa_simulator.testing import ControlRequestError, SimulatorHandle

REALM = "clientsB2CPeugeot"
REDIRECT_URI = "mymap://oauth2redirect/fr"


def basic(client_id: str = DEMO_CLIENT_ID, secret: str = DEMO_CLIENT_SECRET) -> str:
    """An HTTP Basic ``Authorization`` value."""
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def api_headers(access_token: str, realm: str = REALM) -> dict[str, str]:
    """The headers every API call carries."""
    return {
        "Authorization": f"Bearer {access_token}",
        "x-introspect-realm": realm,
        "Accept": "application/hal+json",
    }


async def post_token(
    session: aiohttp.ClientSession,
    sim: SimulatorHandle,
    data: dict[str, str],
    *,
    authorization: str | None = None,
) -> tuple[int, Any]:
    """POST the token endpoint with a form body; (status, JSON body)."""
    async with session.post(
        sim.token_url, data=data, headers={"Authorization": authorization or basic()}
    ) as response:
        return response.status, await response.json(content_type=None)


async def password_login(session: aiohttp.ClientSession, sim: SimulatorHandle) -> dict[str, Any]:
    """Tokens for the demo account through the password grant."""
    status, body = await post_token(
        session,
        sim,
        {
            "realm": REALM,
            "grant_type": "password",
            "username": DEMO_USERNAME,
            "password": DEMO_PASSWORD,
            "scope": "openid profile",
        },
    )
    assert status == 200, body
    assert isinstance(body, dict)
    return body


async def api_get(
    session: aiohttp.ClientSession,
    sim: SimulatorHandle,
    path: str,
    access_token: str,
    *,
    params: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, Any, CIMultiDictProxy[str]]:
    """GET an API path (relative to /connectedcar/v4) the way the client does."""
    query = {"client_id": DEMO_CLIENT_ID, **(params or {})}
    async with session.get(
        f"{sim.api_url}{path}", params=query, headers=headers or api_headers(access_token)
    ) as response:
        return response.status, await response.json(content_type=None), response.headers


async def refused_status(call: Awaitable[object]) -> int:
    """The HTTP status with which the control API refuses ``call``; fails if it is accepted."""
    try:
        await call
    except ControlRequestError as err:
        return err.status
    raise AssertionError("the control API accepted the request")
