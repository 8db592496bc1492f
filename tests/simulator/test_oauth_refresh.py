"""Refresh-token rotation, revocation, and the token-request counters."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from psa_simulator import SimulatorConfig
from psa_simulator.testing import SimulatorControl, SimulatorHandle

from ..conftest import SimulatorFactory
from .conftest import Clock
from .helpers import REALM, REDIRECT_URI, api_get, basic, password_login, post_token

DEAD = {"error": "invalid_grant", "error_description": "grant is invalid"}


def refresh(token: str, **extra: str) -> dict[str, str]:
    return {"grant_type": "refresh_token", "refresh_token": token} | extra


async def revoke(
    session: aiohttp.ClientSession,
    sim: SimulatorHandle,
    token: str | None,
    *,
    realm: str = REALM,
    authorization: str | None = None,
) -> tuple[int, object]:
    async with session.post(
        f"{sim.url}/am/oauth2/token/revoke",
        params={"realm": realm},
        data={} if token is None else {"token": token},
        headers={"Authorization": authorization or basic()},
    ) as response:
        return response.status, await response.json()


async def test_refresh_rotates_the_refresh_token(
    sim: SimulatorHandle, session: aiohttp.ClientSession
) -> None:
    first = await password_login(session, sim)
    status, second = await post_token(
        session, sim, refresh(first["refresh_token"], scope="openid profile")
    )
    assert status == 200
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    assert second["scope"] == first["scope"]
    assert "id_token" in second
    assert await post_token(session, sim, refresh(first["refresh_token"])) == (400, DEAD)
    status, third = await post_token(session, sim, refresh(second["refresh_token"], realm=REALM))
    assert status == 200
    assert third["refresh_token"] not in (first["refresh_token"], second["refresh_token"])


async def test_refresh_errors(sim: SimulatorHandle, session: aiohttp.ClientSession) -> None:
    assert await post_token(session, sim, refresh("unknown")) == (400, DEAD)
    status, body = await post_token(session, sim, {"grant_type": "refresh_token"})
    assert (status, body["error"]) == (400, "invalid_request")
    tokens = await password_login(session, sim)
    status, body = await post_token(
        session, sim, refresh(tokens["refresh_token"]), authorization=basic("x", "y")
    )
    assert (status, body["error"]) == (401, "invalid_client")
    assert (await post_token(session, sim, refresh(tokens["refresh_token"])))[0] == 200


@pytest.mark.parametrize(
    ("form", "grant_error"),
    [
        (refresh("made-up-refresh-token"), (400, "invalid_grant")),  # the client check
        ({"grant_type": "refresh_token"}, (400, "invalid_request")),
        (
            {"grant_type": "authorization_code", "code": "x", "redirect_uri": "https://x"},
            (400, "redirect_uri_mismatch"),
        ),
        (
            {"grant_type": "authorization_code", "code": "x", "redirect_uri": REDIRECT_URI},
            (400, "invalid_grant"),
        ),
        ({"grant_type": "client_credentials"}, (400, "unsupported_grant_type")),
        ({}, (400, "invalid_request")),
        (refresh("made-up-refresh-token", realm="clientsB2COpel"), (400, "invalid_request")),
    ],
)
async def test_the_client_is_authenticated_before_the_grant_is_looked_at(
    sim: SimulatorHandle,
    session: aiohttp.ClientSession,
    form: dict[str, str],
    grant_error: tuple[int, str],
) -> None:
    """Like the real (ForgeRock) servers: a wrong pair is refused whatever the grant."""
    for authorization in (basic("x", "y"), basic(secret="wrong-secret"), "Bearer nothing"):
        status, body = await post_token(session, sim, form, authorization=authorization)
        assert (status, body["error"]) == (401, "invalid_client"), authorization
    status, body = await post_token(session, sim, form)
    assert (status, body["error"]) == grant_error
    assert not sim.state.access_tokens


async def test_the_client_check_with_the_password_grant_off(
    simulator_factory: SimulatorFactory, session: aiohttp.ClientSession
) -> None:
    sim = await simulator_factory(SimulatorConfig(password_grant=False))
    status, body = await post_token(session, sim, refresh("made-up-refresh-token"))
    assert (status, body) == (400, DEAD)
    status, body = await post_token(
        session, sim, refresh("made-up-refresh-token"), authorization=basic(secret="wrong")
    )
    assert (status, body["error"]) == (401, "invalid_client")


async def test_old_access_token_keeps_working_until_it_expires(
    sim: SimulatorHandle, session: aiohttp.ClientSession, clock: Clock
) -> None:
    first = await password_login(session, sim)
    _, second = await post_token(session, sim, refresh(first["refresh_token"]))
    assert (await api_get(session, sim, "/user", first["access_token"]))[0] == 200
    clock.now += 3599
    assert (await api_get(session, sim, "/user", first["access_token"]))[0] == 401
    assert (await api_get(session, sim, "/user", second["access_token"]))[0] == 401


async def test_refresh_token_lifetime(
    simulator_factory: SimulatorFactory, session: aiohttp.ClientSession
) -> None:
    clock = Clock(1_800_000_000)
    sim = await simulator_factory(SimulatorConfig(clock=clock, refresh_token_lifetime=600))
    tokens = await password_login(session, sim)
    clock.now += 600
    assert await post_token(session, sim, refresh(tokens["refresh_token"])) == (400, DEAD)


async def test_revoke_refresh_token_kills_its_grant(
    sim: SimulatorHandle, session: aiohttp.ClientSession
) -> None:
    tokens = await password_login(session, sim)
    other = await password_login(session, sim)
    assert await revoke(session, sim, tokens["refresh_token"]) == (200, {})
    assert await post_token(session, sim, refresh(tokens["refresh_token"])) == (400, DEAD)
    assert (await api_get(session, sim, "/user", tokens["access_token"]))[0] == 401
    assert (await api_get(session, sim, "/user", other["access_token"]))[0] == 200


async def test_revoke_access_token_only(
    sim: SimulatorHandle, session: aiohttp.ClientSession
) -> None:
    tokens = await password_login(session, sim)
    assert await revoke(session, sim, tokens["access_token"]) == (200, {})
    assert (await api_get(session, sim, "/user", tokens["access_token"]))[0] == 401
    assert (await post_token(session, sim, refresh(tokens["refresh_token"])))[0] == 200


async def test_revoke_errors(sim: SimulatorHandle, session: aiohttp.ClientSession) -> None:
    tokens = await password_login(session, sim)
    status, body = await revoke(
        session, sim, tokens["refresh_token"], authorization=basic("x", "y")
    )
    assert status == 401
    assert body == {"error": "invalid_client", "error_description": "Client authentication failed"}
    status, _ = await revoke(session, sim, tokens["refresh_token"], realm="clientsB2COpel")
    assert status == 400
    status, _ = await revoke(session, sim, None)
    assert status == 400
    assert await revoke(session, sim, "never-issued") == (200, {})
    assert (await post_token(session, sim, refresh(tokens["refresh_token"])))[0] == 200


async def test_control_revokes_all_refresh_tokens(
    sim: SimulatorHandle, session: aiohttp.ClientSession, control: SimulatorControl
) -> None:
    one, two = await password_login(session, sim), await password_login(session, sim)
    assert await control.revoke_all_refresh_tokens() == 2
    for tokens in (one, two):
        assert await post_token(session, sim, refresh(tokens["refresh_token"])) == (400, DEAD)
        assert (await api_get(session, sim, "/user", tokens["access_token"]))[0] == 200


async def test_control_expires_all_access_tokens(
    sim: SimulatorHandle, session: aiohttp.ClientSession, control: SimulatorControl
) -> None:
    tokens = await password_login(session, sim)
    assert await control.expire_all_access_tokens() == 1
    assert (await api_get(session, sim, "/user", tokens["access_token"]))[0] == 401
    _, fresh = await post_token(session, sim, refresh(tokens["refresh_token"]))
    assert (await api_get(session, sim, "/user", fresh["access_token"]))[0] == 200


async def test_token_requests_are_counted_per_grant(
    sim: SimulatorHandle, session: aiohttp.ClientSession, control: SimulatorControl
) -> None:
    tokens = await password_login(session, sim)
    await post_token(session, sim, refresh(tokens["refresh_token"]))
    await post_token(session, sim, refresh("dead"))
    await post_token(session, sim, {"grant_type": "authorization_code", "code": "x"})
    stats = await control.stats()
    assert stats["token_requests"] == {"password": 1, "authorization_code": 1, "refresh_token": 2}
    assert stats["max_concurrent_token_requests"] == 1


async def test_concurrent_token_requests_are_visible(
    simulator_factory: SimulatorFactory, session: aiohttp.ClientSession
) -> None:
    # Each token request waits inside long enough that the three overlap even on busy cores
    # (the default 10 ms did not always).
    sim = await simulator_factory(SimulatorConfig(token_request_delay=0.5))
    tokens = await password_login(session, sim)
    await asyncio.gather(
        *(post_token(session, sim, refresh(tokens["refresh_token"])) for _ in range(3))
    )
    stats = sim.state.stats.as_dict()
    assert stats["max_concurrent_token_requests"] == 3
    assert stats["token_requests"]["refresh_token"] == 3
    assert sim.state.stats.token_in_flight == 0
