"""The seed document's two example requests get answers of the seed's shapes."""

from __future__ import annotations

import aiohttp

from psa_simulator import (
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    DEMO_PASSWORD,
    DEMO_USERNAME,
)
from psa_simulator.testing import SimulatorHandle

from .helpers import REALM, basic


async def test_password_grant_then_vehicle_list(simulator: SimulatorHandle) -> None:
    """POST access_token (password grant, Basic auth), then GET /user/vehicles."""
    async with aiohttp.ClientSession() as session:
        async with session.post(
            f"{simulator.url}/am/oauth2/access_token",
            headers={"Authorization": basic(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET)},
            data={
                "realm": REALM,
                "grant_type": "password",
                "username": DEMO_USERNAME,
                "password": DEMO_PASSWORD,
                "scope": "openid profile",
            },
        ) as response:
            assert response.status == 200
            token = await response.json()
        assert set(token) == {
            "access_token",
            "refresh_token",
            "scope",
            "id_token",
            "token_type",
            "expires_in",
        }
        assert token["token_type"] == "Bearer"
        assert token["expires_in"] == 3599
        assert token["scope"] == "openid profile"

        async with session.get(
            f"{simulator.url}/connectedcar/v4/user/vehicles",
            params={"client_id": DEMO_CLIENT_ID},
            headers={
                "Authorization": f"Bearer {token['access_token']}",
                "x-introspect-realm": REALM,
                "Accept": "application/hal+json",
            },
        ) as response:
            assert response.status == 200
            assert response.headers["Content-Type"] == "application/hal+json"
            body = await response.json(content_type=None)
    assert {"_links", "total", "totalPage", "currentPage", "_embedded"} <= set(body)
    assert body["total"] == 3
    for item in body["_embedded"]["vehicles"]:
        assert {"_links", "id", "vin", "motorization", "brand", "pictures"} <= set(item)
        assert len(item["vin"]) == 17
