"""The MQTT token endpoint (remote-commands.md §4): both grants, lifetimes, expiry, refusals.

OTP codes are put into the simulator's state directly here; test_remote_pairing.py earns them
through a whole pairing.
"""

from __future__ import annotations

from typing import Any

import aiohttp

from psa_simulator import DEMO_CLIENT_ID
from psa_simulator.const import GATEWAY_401
from psa_simulator.testing import SimulatorControl, SimulatorHandle

from .helpers import api_headers, password_login

TOKEN_PATH = "/connectedcar/v4/virtualkey/remoteaccess/token"
REFUSED = {
    "error": "invalid_grant",
    "error_description": "The provided access grant is invalid, expired, or revoked.",
}


async def grant(
    session: aiohttp.ClientSession,
    sim: SimulatorHandle,
    token: str,
    body: Any = None,
    *,
    data: bytes | None = None,
    headers: dict[str, str] | None = None,
    client_id: str = DEMO_CLIENT_ID,
) -> tuple[int, Any]:
    async with session.post(
        f"{sim.url}{TOKEN_PATH}",
        params={"client_id": client_id, "locale": "fr-FR"},
        json=body if data is None else None,
        data=data,
        headers=headers or api_headers(token),
    ) as response:
        return response.status, await response.json(content_type=None)


def otp(sim: SimulatorHandle, code: str = "kq3r0c1b") -> dict[str, str]:
    """A password grant whose OTP code the simulator now expects."""
    sim.state.remote_pairing.issue_otp_code(code)
    return {"grant_type": "password", "password": code}


def refresh(value: str) -> dict[str, str]:
    return {"grant_type": "refresh_token", "refresh_token": value}


async def test_the_password_grant(
    sim: SimulatorHandle, session: aiohttp.ClientSession, token: str
) -> None:
    status, body = await grant(session, sim, token, otp(sim))
    assert status == 200
    assert set(body) == {"access_token", "refresh_token", "expires_in", "token_type", "scope"}
    assert body["expires_in"] == 899
    assert body["token_type"] == "Bearer"
    assert body["scope"] == "psaCustomerId psaMqttService"
    tokens = sim.state.remote_tokens
    assert tokens.valid_access_token(body["access_token"])
    assert tokens.valid_refresh_token(body["refresh_token"])
    assert body["access_token"] != body["refresh_token"]
    assert not tokens.valid_access_token(body["refresh_token"])


async def test_the_refresh_grant_keeps_the_refresh_token(
    sim: SimulatorHandle, session: aiohttp.ClientSession, token: str
) -> None:
    _, first = await grant(session, sim, token, otp(sim))
    status, second = await grant(session, sim, token, refresh(first["refresh_token"]))
    assert status == 200
    assert set(second) == {"access_token", "expires_in", "token_type", "scope"}
    assert second["expires_in"] == 899
    assert second["access_token"] != first["access_token"]
    tokens = sim.state.remote_tokens
    assert tokens.valid_access_token(first["access_token"])  # the old one lives on
    assert tokens.valid_access_token(second["access_token"])
    status, third = await grant(session, sim, token, refresh(first["refresh_token"]))
    assert status == 200  # not rotated: the same refresh token again
    assert third["access_token"] not in (first["access_token"], second["access_token"])


async def test_refused_grants(
    sim: SimulatorHandle, session: aiohttp.ClientSession, token: str
) -> None:
    body = otp(sim, "abcdefgh")
    assert await grant(session, sim, token, body | {"password": "abcdefgi"}) == (400, REFUSED)
    assert await grant(session, sim, token, {"grant_type": "password"}) == (400, REFUSED)
    assert await grant(session, sim, token, body | {"password": 7}) == (400, REFUSED)
    assert (await grant(session, sim, token, body))[0] == 200
    assert await grant(session, sim, token, body) == (400, REFUSED)  # used
    assert await grant(session, sim, token, refresh("made-up")) == (400, REFUSED)
    assert await grant(session, sim, token, {"grant_type": "refresh_token"}) == (400, REFUSED)
    status, answer = await grant(session, sim, token, {"grant_type": "client_credentials"})
    assert (status, answer["error"]) == (400, "unsupported_grant_type")
    status, answer = await grant(session, sim, token, data=b"grant_type=password")
    assert (status, answer["error"]) == (400, "invalid_request")
    status, answer = await grant(session, sim, token, ["grant_type", "password"])
    assert (status, answer["error"]) == (400, "invalid_request")


async def test_the_gateway_checks_come_first(
    sim: SimulatorHandle, session: aiohttp.ClientSession, token: str
) -> None:
    body = otp(sim)
    assert await grant(session, sim, "not-a-token", body) == (401, GATEWAY_401)
    wrong_realm = api_headers(token, realm="clientsB2CCitroen")
    assert await grant(session, sim, token, body, headers=wrong_realm) == (401, GATEWAY_401)
    assert await grant(session, sim, token, body, client_id="other") == (401, GATEWAY_401)
    assert (await grant(session, sim, token, body))[0] == 200  # the code was not spent


async def test_lifetimes_follow_the_simulator_clock(
    sim: SimulatorHandle, session: aiohttp.ClientSession, token: str, control: SimulatorControl
) -> None:
    _, body = await grant(session, sim, token, otp(sim))
    tokens = sim.state.remote_tokens
    await control.advance(898)
    assert tokens.valid_access_token(body["access_token"])
    await control.advance(1)
    assert not tokens.valid_access_token(body["access_token"])
    await control.advance(7 * 24 * 3600 - 900)
    oauth = await fresh_oauth_token(session, sim)
    status, renewed = await grant(session, sim, oauth, refresh(body["refresh_token"]))
    assert status == 200
    assert tokens.valid_access_token(renewed["access_token"])
    await control.advance(1)
    assert await grant(session, sim, oauth, refresh(body["refresh_token"])) == (400, REFUSED)


async def fresh_oauth_token(session: aiohttp.ClientSession, sim: SimulatorHandle) -> str:
    """An OAuth access token valid now (the fixture's one lives an hour of simulator time)."""
    access: str = (await password_login(session, sim))["access_token"]
    return access


async def test_the_control_api_expires_mqtt_tokens(
    sim: SimulatorHandle, session: aiohttp.ClientSession, token: str, control: SimulatorControl
) -> None:
    _, first = await grant(session, sim, token, otp(sim, "aaaaaaaa"))
    _, second = await grant(session, sim, token, otp(sim, "bbbbbbbb"))
    summary = await control.remote_pairing()
    assert summary["tokens"] == {
        "access_issued": 2,
        "access_live": 2,
        "refresh_issued": 2,
        "refresh_live": 2,
    }
    assert await control.expire_mqtt_access_tokens() == 2
    assert await control.expire_mqtt_access_tokens() == 0
    tokens = sim.state.remote_tokens
    assert not tokens.valid_access_token(first["access_token"])
    status, renewed = await grant(session, sim, token, refresh(second["refresh_token"]))
    assert status == 200
    assert tokens.valid_access_token(renewed["access_token"])
    assert await control.expire_mqtt_refresh_tokens() == 2
    assert await grant(session, sim, token, refresh(first["refresh_token"])) == (400, REFUSED)
    summary = await control.remote_pairing()
    assert summary["tokens"]["refresh_live"] == 0
    assert summary["tokens"]["access_live"] == 1
    assert summary["otp_codes_accepted"] == 2


async def test_token_requests_are_counted_and_faulted_like_the_api(
    sim: SimulatorHandle, session: aiohttp.ClientSession, token: str, control: SimulatorControl
) -> None:
    await control.force_faults("500")
    status, answer = await grant(session, sim, token, otp(sim))
    assert status == 500
    assert "httpMessage" in answer
    assert (await grant(session, sim, token, otp(sim)))[0] == 200
    stats = await control.stats()
    assert stats["requests"][f"POST {TOKEN_PATH}"] == 2
