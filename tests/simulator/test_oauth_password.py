"""The password grant (as in the seed document) and its errors."""

from __future__ import annotations

import base64
import json
from typing import Any

import aiohttp
import pytest

from psa_simulator import DEMO_CLIENT_ID, DEMO_PASSWORD, DEMO_USERNAME, SimulatorConfig
from psa_simulator.testing import SimulatorControl, SimulatorHandle

from ..conftest import SimulatorFactory
from .helpers import REALM, basic, post_token, refused_status

GOOD = {
    "realm": REALM,
    "grant_type": "password",
    "username": DEMO_USERNAME,
    "password": DEMO_PASSWORD,
    "scope": "openid profile",
}


def _claims(id_token: str) -> dict[str, Any]:
    header, payload, signature = id_token.split(".")
    assert signature == ""
    assert json.loads(base64.urlsafe_b64decode(header + "==")) == {"typ": "JWT", "alg": "none"}
    claims: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=="))
    return claims


async def test_password_grant_issues_tokens(
    sim: SimulatorHandle, session: aiohttp.ClientSession
) -> None:
    status, body = await post_token(session, sim, GOOD)
    assert status == 200
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3599
    assert body["scope"] == "openid profile"
    assert len(body["access_token"]) == 36
    assert body["access_token"] != body["refresh_token"]
    claims = _claims(body["id_token"])
    assert claims["sub"] == sim.state.account.account_id
    assert claims["email"] == DEMO_USERNAME
    assert claims["aud"] == DEMO_CLIENT_ID


async def test_account_id_is_stable(
    simulator_factory: SimulatorFactory, session: aiohttp.ClientSession
) -> None:
    first = await simulator_factory(SimulatorConfig(token_request_delay=0))
    second = await simulator_factory(SimulatorConfig(token_request_delay=0))
    _, one = await post_token(session, first, GOOD)
    _, two = await post_token(session, second, GOOD)
    assert _claims(one["id_token"])["sub"] == _claims(two["id_token"])["sub"]


async def test_expires_in_is_configurable(
    simulator_factory: SimulatorFactory, session: aiohttp.ClientSession
) -> None:
    sim = await simulator_factory(SimulatorConfig(access_token_lifetime=120))
    _, body = await post_token(session, sim, GOOD)
    assert body["expires_in"] == 120


async def test_parameters_in_the_query_string(
    sim: SimulatorHandle, session: aiohttp.ClientSession
) -> None:
    """One peer sends the token request's parameters in the query string, with no body."""
    async with session.post(
        sim.token_url, params=GOOD, headers={"Authorization": basic()}
    ) as response:
        assert response.status == 200
        assert "access_token" in await response.json()


@pytest.mark.parametrize(
    "change",
    [{"username": "someone@example.com"}, {"password": "wrong"}, {"password": ""}],
)
async def test_wrong_user_or_password(
    sim: SimulatorHandle, session: aiohttp.ClientSession, change: dict[str, str]
) -> None:
    status, body = await post_token(session, sim, GOOD | change)
    assert status == 400
    assert body["error"] == "invalid_grant"
    assert body["error_description"]


@pytest.mark.parametrize(
    "authorization",
    [
        basic("other-client", "demo-client-secret"),
        basic("demo-client-id", "wrong-secret"),
        "Bearer something",
        "Basic not-base64!",
        "",
    ],
)
async def test_wrong_client(
    sim: SimulatorHandle, session: aiohttp.ClientSession, authorization: str
) -> None:
    async with session.post(
        sim.token_url,
        data=GOOD,
        headers={"Authorization": authorization} if authorization else {},
    ) as response:
        assert response.status == 401
        assert await response.json() == {
            "error": "invalid_client",
            "error_description": "Client authentication failed",
        }


async def test_wrong_realm(sim: SimulatorHandle, session: aiohttp.ClientSession) -> None:
    status, body = await post_token(session, sim, GOOD | {"realm": "clientsB2COpel"})
    assert status == 400
    assert body["error"] == "invalid_request"


async def test_bad_scope(sim: SimulatorHandle, session: aiohttp.ClientSession) -> None:
    status, body = await post_token(session, sim, GOOD | {"scope": "openid admin"})
    assert status == 400
    assert body["error"] == "invalid_scope"


async def test_missing_or_unknown_grant_type(
    sim: SimulatorHandle, session: aiohttp.ClientSession
) -> None:
    status, body = await post_token(session, sim, {"realm": REALM})
    assert (status, body["error"]) == (400, "invalid_request")
    status, body = await post_token(session, sim, {"grant_type": "client_credentials"})
    assert (status, body["error"]) == (400, "unsupported_grant_type")


@pytest.mark.parametrize(
    ("refusal", "status", "body"),
    [
        (
            "unsupported_grant_type",
            400,
            {
                "error": "unsupported_grant_type",
                "error_description": "Unsupported grant type: password",
            },
        ),
        ("invalid_grant", 400, {"error": "invalid_grant", "error_description": "grant is invalid"}),
        (
            "server_error",
            500,
            {"error": "server_error", "error_description": "Internal Server Error"},
        ),
    ],
)
async def test_password_grant_refused(
    simulator_factory: SimulatorFactory,
    session: aiohttp.ClientSession,
    refusal: Any,
    status: int,
    body: dict[str, str],
) -> None:
    sim = await simulator_factory(SimulatorConfig(password_grant=False, password_refusal=refusal))
    assert await post_token(session, sim, GOOD) == (status, body)
    assert not sim.state.access_tokens


async def test_password_grant_switch_at_runtime(
    sim: SimulatorHandle, session: aiohttp.ClientSession, control: SimulatorControl
) -> None:
    await control.set_password_grant(False, "server_error")
    status, body = await post_token(session, sim, GOOD)
    assert (status, body["error"]) == (500, "server_error")
    sim.state.set_password_grant(True)
    status, _ = await post_token(session, sim, GOOD)
    assert status == 200


async def test_password_grant_switch_rejects_bad_input(
    sim: SimulatorHandle, control: SimulatorControl
) -> None:
    assert (await control.request("POST", "password_grant", {"enabled": "no"}))[0] == 400
    assert await refused_status(control.set_password_grant(False, "teapot")) == 400
    assert sim.state.password_grant


def test_bad_refusal_in_config_is_rejected() -> None:
    config = SimulatorConfig(password_refusal="teapot")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="password_refusal"):
        config.validate()
