"""The authorize page and the authorization-code grant (PKCE, single use, expiry)."""

from __future__ import annotations

import base64
import hashlib
import re
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest

from psa_simulator import DEMO_CLIENT_ID, DEMO_PASSWORD, DEMO_USERNAME
from psa_simulator.testing import SimulatorControl, SimulatorHandle

from .conftest import Clock
from .helpers import REALM, REDIRECT_URI, basic, post_token

VERIFIER = "a-very-long-random-code-verifier-0123456789-abcdefghijklmnopqrstuvwxyz"
CHALLENGE = (
    base64.urlsafe_b64encode(hashlib.sha256(VERIFIER.encode()).digest()).rstrip(b"=").decode()
)
AUTHORIZE = {
    "client_id": DEMO_CLIENT_ID,
    "response_type": "code",
    "redirect_uri": REDIRECT_URI,
    "scope": "openid profile",
    "state": "state-123",
    "code_challenge": CHALLENGE,
    "code_challenge_method": "S256",
}


async def login(
    session: aiohttp.ClientSession,
    sim: SimulatorHandle,
    params: dict[str, str] | None = None,
    password: str = DEMO_PASSWORD,
) -> aiohttp.ClientResponse:
    """Submit the login form as a browser would (hidden fields + credentials)."""
    form = (AUTHORIZE if params is None else params) | {
        "username": DEMO_USERNAME,
        "password": password,
    }
    async with session.post(
        f"{sim.url}/am/oauth2/authorize", data=form, allow_redirects=False
    ) as response:
        await response.read()
        return response


async def get_code(
    session: aiohttp.ClientSession, sim: SimulatorHandle, params: dict[str, str] | None = None
) -> str:
    response = await login(session, sim, params)
    assert response.status == 302
    return parse_qs(urlsplit(response.headers["Location"]).query)["code"][0]


def exchange(code: str, verifier: str | None = VERIFIER, **extra: str) -> dict[str, str]:
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI}
    if verifier is not None:
        data["code_verifier"] = verifier
    return data | extra


async def test_authorize_page_shows_a_login_form(
    sim: SimulatorHandle, session: aiohttp.ClientSession
) -> None:
    async with session.get(f"{sim.url}/am/oauth2/authorize", params=AUTHORIZE) as response:
        assert response.status == 200
        assert response.content_type == "text/html"
        page = await response.text()
    assert 'name="username"' in page
    assert 'name="password"' in page
    for name, value in AUTHORIZE.items():
        assert f'name="{name}" value="{value}"' in page


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"client_id": "other"}, "invalid_client"),
        ({"redirect_uri": "https://example.com/callback"}, "redirect_uri_mismatch"),
        ({"redirect_uri": "mymap://oauth2redirect/de"}, "redirect_uri_mismatch"),
        ({"redirect_uri": "mymacsdk://oauth2redirect/fr"}, "redirect_uri_mismatch"),
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"scope": "openid admin"}, "invalid_scope"),
        ({"code_challenge_method": "S512"}, "invalid_request"),
    ],
)
async def test_bad_authorize_requests(
    sim: SimulatorHandle, session: aiohttp.ClientSession, change: dict[str, str], error: str
) -> None:
    async with session.get(f"{sim.url}/am/oauth2/authorize", params=AUTHORIZE | change) as response:
        assert response.status == 400
        body = await response.json()
    assert body["error"] == error
    if error == "redirect_uri_mismatch":
        assert body["error_description"] == (
            "The redirection URI provided does not match a pre-registered value."
        )
    response = await login(session, sim, AUTHORIZE | change)
    assert response.status == 400
    assert not sim.state.codes


async def test_good_login_redirects_to_the_app(
    sim: SimulatorHandle, session: aiohttp.ClientSession
) -> None:
    async with session.post(
        f"{sim.url}/am/oauth2/authorize",
        data=AUTHORIZE | {"username": DEMO_USERNAME, "password": DEMO_PASSWORD},
        allow_redirects=False,
    ) as response:
        assert response.status == 302
        location = response.headers["Location"]
        page = await response.text()
    match = re.fullmatch(
        r"mymap://oauth2redirect/fr\?code=([0-9a-f-]{36})&scope=openid%20profile&state=state-123",
        location,
    )
    assert match is not None
    assert match.group(1) in page
    assert location.replace("&", "&amp;") in page


async def test_scope_is_echoed(sim: SimulatorHandle, session: aiohttp.ClientSession) -> None:
    params = {k: v for k, v in AUTHORIZE.items() if k != "state"}
    params["scope"] = "openid profile email"
    response = await login(session, sim, params)
    query = parse_qs(urlsplit(response.headers["Location"]).query)
    assert query["scope"] == ["openid profile email"]
    assert "state" not in query


async def test_bad_login_shows_the_form_again(
    sim: SimulatorHandle, session: aiohttp.ClientSession
) -> None:
    async with session.post(
        f"{sim.url}/am/oauth2/authorize",
        data=AUTHORIZE | {"username": DEMO_USERNAME, "password": "wrong"},
        allow_redirects=False,
    ) as response:
        assert response.status == 200
        page = await response.text()
    assert 'id="error"' in page
    assert 'name="password"' in page
    assert 'name="state" value="state-123"' in page
    assert not sim.state.codes


async def test_code_exchange_with_pkce(
    sim: SimulatorHandle, session: aiohttp.ClientSession
) -> None:
    code = await get_code(session, sim)
    assert len(code) == 36
    status, body = await post_token(session, sim, exchange(code))
    assert status == 200
    assert {"access_token", "refresh_token", "id_token", "scope", "expires_in"} <= set(body)
    assert body["token_type"] == "Bearer"


async def test_code_exchange_accepts_realm_and_query_parameters(
    sim: SimulatorHandle, session: aiohttp.ClientSession
) -> None:
    code = await get_code(session, sim)
    async with session.post(
        sim.token_url,
        params=exchange(code, realm=REALM),
        headers={"Authorization": basic()},
    ) as response:
        assert response.status == 200


async def test_code_without_pkce(sim: SimulatorHandle, session: aiohttp.ClientSession) -> None:
    params = {
        k: v for k, v in AUTHORIZE.items() if k not in ("code_challenge", "code_challenge_method")
    }
    code = await get_code(session, sim, params)
    status, _ = await post_token(session, sim, exchange(code, verifier=None))
    assert status == 200


async def test_plain_pkce(sim: SimulatorHandle, session: aiohttp.ClientSession) -> None:
    params = AUTHORIZE | {"code_challenge": VERIFIER, "code_challenge_method": "plain"}
    code = await get_code(session, sim, params)
    status, _ = await post_token(session, sim, exchange(code))
    assert status == 200


async def test_wrong_verifier(sim: SimulatorHandle, session: aiohttp.ClientSession) -> None:
    code = await get_code(session, sim)
    status, body = await post_token(session, sim, exchange(code, verifier=VERIFIER + "x"))
    assert status == 400
    assert body == {
        "error": "invalid_grant",
        "error_description": "The provided access grant is invalid, expired, or revoked.",
    }


async def test_missing_verifier(sim: SimulatorHandle, session: aiohttp.ClientSession) -> None:
    code = await get_code(session, sim)
    status, body = await post_token(session, sim, exchange(code, verifier=None))
    assert (status, body["error"]) == (400, "invalid_request")
    status, _ = await post_token(session, sim, exchange(code))
    assert status == 200  # a failed attempt does not burn the code


@pytest.mark.parametrize(
    "redirect_uri",
    ["mymap://oauth2redirect/de", "https://example.com", "mymap://oauth2redirect/FR"],
)
async def test_redirect_uri_mismatch_at_exchange(
    sim: SimulatorHandle, session: aiohttp.ClientSession, redirect_uri: str
) -> None:
    code = await get_code(session, sim)
    status, body = await post_token(session, sim, exchange(code, redirect_uri=redirect_uri))
    assert status == 400
    assert body == {
        "error": "redirect_uri_mismatch",
        "error_description": "The redirection URI provided does not match a pre-registered value.",
    }


async def test_code_is_single_use(sim: SimulatorHandle, session: aiohttp.ClientSession) -> None:
    code = await get_code(session, sim)
    assert (await post_token(session, sim, exchange(code)))[0] == 200
    status, body = await post_token(session, sim, exchange(code))
    assert status == 400
    assert body["error"] == "invalid_grant"
    assert body["error_description"] == (
        "The provided access grant is invalid, expired, or revoked."
    )


async def test_unknown_or_missing_code(
    sim: SimulatorHandle, session: aiohttp.ClientSession
) -> None:
    status, body = await post_token(session, sim, exchange("00000000-0000-4000-8000-000000000000"))
    assert (status, body["error"]) == (400, "invalid_grant")
    status, body = await post_token(
        session, sim, {"grant_type": "authorization_code", "redirect_uri": REDIRECT_URI}
    )
    assert (status, body["error"]) == (400, "invalid_request")


async def test_code_expires(
    sim: SimulatorHandle, session: aiohttp.ClientSession, clock: Clock
) -> None:
    code = await get_code(session, sim)
    clock.now += 299
    fresh = await get_code(session, sim)
    clock.now += 1
    status, body = await post_token(session, sim, exchange(code))
    assert (status, body["error"]) == (400, "invalid_grant")
    assert (await post_token(session, sim, exchange(fresh)))[0] == 200


async def test_code_expires_with_advanced_time(
    sim: SimulatorHandle, session: aiohttp.ClientSession, control: SimulatorControl
) -> None:
    code = await get_code(session, sim)
    await control.advance(301)
    status, body = await post_token(session, sim, exchange(code))
    assert (status, body["error"]) == (400, "invalid_grant")
