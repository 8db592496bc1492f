"""PSAAuth against the simulator: both grants, refresh rotation, single flight, caps, revoke."""

from __future__ import annotations

import asyncio
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest

from custom_components.psa_connected_car.api import (
    AuthorizationRequest,
    PSAAuth,
    PSAAuthError,
    PSAConnectionError,
    PSAInvalidClientError,
    PSAInvalidCodeError,
    PSAPasswordGrantUnsupportedError,
    PSARateLimitError,
    TokenSet,
)
from psa_simulator import DEMO_PASSWORD, DEMO_USERNAME, SimulatorConfig
from psa_simulator.testing import SimulatorHandle

from .conftest import PEUGEOT, MakeClient, token_requests


async def browser_login(
    session: aiohttp.ClientSession,
    request: AuthorizationRequest,
    password: str = DEMO_PASSWORD,
    username: str = DEMO_USERNAME,
) -> str:
    """Do what the user does in the browser; return the redirect URL they would paste."""
    async with session.get(request.url) as page:
        assert page.status == 200
    query = parse_qs(urlsplit(request.url).query)
    form = {key: values[0] for key, values in query.items()}
    form.update(username=username, password=password)
    async with session.post(request.url.split("?")[0], data=form, allow_redirects=False) as answer:
        assert answer.status == 302
        return answer.headers["Location"]


async def test_password_grant_as_the_seed(simulator: SimulatorHandle, make_client: MakeClient):
    auth, _, saved = await make_client(simulator)
    assert auth.token is not None
    assert saved.tokens == [auth.token]
    assert auth.account_id  # the id_token's sub
    assert await token_requests(simulator) == {
        "password": 1,
        "authorization_code": 0,
        "refresh_token": 0,
    }


async def test_wrong_password_is_an_auth_error(simulator, make_client):
    auth, _, _ = await make_client(simulator, login=False)
    with pytest.raises(PSAAuthError) as err:
        await auth.login_password(DEMO_USERNAME, "not-the-password")
    assert "not-the-password" not in str(err.value)


async def test_wrong_client_secret(simulator, make_client):
    auth, _, _ = await make_client(simulator, login=False, client_secret="wrong-secret")
    with pytest.raises(PSAInvalidClientError):
        await auth.login_password(DEMO_USERNAME, DEMO_PASSWORD)


@pytest.mark.parametrize("refusal", ["unsupported_grant_type", "server_error"])
async def test_password_grant_refused_by_the_server(simulator_factory, make_client, refusal):
    handle = await simulator_factory(
        SimulatorConfig(password_grant=False, password_refusal=refusal)
    )
    auth, _, _ = await make_client(handle, login=False)
    with pytest.raises(PSAPasswordGrantUnsupportedError):
        await auth.login_password(DEMO_USERNAME, DEMO_PASSWORD)


async def test_code_flow_with_the_whole_redirect_url(simulator_factory, make_client, session):
    handle = await simulator_factory(SimulatorConfig(password_grant=False))
    auth, client, saved = await make_client(handle, login=False)
    request = auth.create_authorization_request()
    query = parse_qs(urlsplit(request.url).query)
    assert query["code_challenge_method"] == ["S256"]
    assert query["state"] == [request.state]
    assert query["redirect_uri"] == ["mymap://oauth2redirect/fr"]
    redirect = await browser_login(session, request)
    token = await auth.login_code(redirect, request)
    assert saved.tokens == [token]
    assert len(await client.get_vehicles()) == 3


async def test_code_flow_with_the_bare_code(simulator, make_client, session):
    auth, _, _ = await make_client(simulator, login=False)
    request = auth.create_authorization_request()
    code = parse_qs(urlsplit(await browser_login(session, request)).query)["code"][0]
    await auth.login_code(f"  {code}\n", request)
    # Codes are single use.
    with pytest.raises(PSAInvalidCodeError) as err:
        await auth.login_code(code, request)
    assert err.value.reason == "rejected"


async def test_code_from_another_login_attempt_fails_pkce(simulator, make_client, session):
    auth, _, _ = await make_client(simulator, login=False)
    first, second = auth.create_authorization_request(), auth.create_authorization_request()
    code = parse_qs(urlsplit(await browser_login(session, first)).query)["code"][0]
    with pytest.raises(PSAInvalidCodeError) as err:
        await auth.login_code(code, second)  # wrong verifier
    assert err.value.reason == "rejected"


async def test_refresh_rotates_and_saves_before_use(simulator, make_client, session):
    auth, _, saved = await make_client(simulator)
    old = auth.token
    assert old is not None
    new = await auth.refresh()
    assert new.refresh_token != old.refresh_token
    assert saved.tokens[-1] == new
    # The old refresh token is dead at the server: only the saved one keeps the login.
    stale = PSAAuth(
        session,
        PEUGEOT,
        "FR",
        auth.client_id,
        "demo-client-secret",
        token=old,
        idp_base_url=simulator.url,
    )
    with pytest.raises(PSAAuthError):
        await stale.refresh()


async def test_one_refresh_for_a_hundred_callers(simulator, make_client):
    auth, client, _ = await make_client(simulator)
    assert auth.token is not None
    vehicles = await client.get_vehicles()
    auth._token = TokenSet(**{**auth.token.as_dict(), "expires_at": 0})
    results = await asyncio.gather(*(client.get_status(vehicles[0].id) for _ in range(100)))
    assert len(results) == 100
    assert (await token_requests(simulator))["refresh_token"] == 1
    assert simulator.state.stats.max_concurrent_token_requests == 1


async def test_proactive_refresh_before_expiry(simulator, make_client):
    now = [1_000_000.0]
    auth, _, _ = await make_client(simulator, clock=lambda: now[0])
    assert auth.token is not None
    first = await auth.async_get_access_token()
    assert first == auth.token.access_token
    now[0] = auth.token.expires_at - 60  # inside the refresh margin
    assert await auth.async_get_access_token() != first
    assert (await token_requests(simulator))["refresh_token"] == 1


async def test_token_request_cap(simulator, make_client):
    now = [1_000_000.0]
    auth, _, _ = await make_client(simulator, clock=lambda: now[0])
    for _ in range(5):
        await auth.refresh()
    with pytest.raises(PSARateLimitError) as err:
        await auth.refresh()
    assert err.value.retry_after == pytest.approx(1800)
    now[0] += 1800
    await auth.refresh()


async def test_revoked_refresh_token_needs_reauth(simulator, make_client):
    auth, _, _ = await make_client(simulator)
    simulator.state.revoke_all_refresh_tokens()
    with pytest.raises(PSAAuthError):
        await auth.refresh()


async def test_revoke(simulator, make_client):
    auth, _, _ = await make_client(simulator)
    await auth.revoke()
    with pytest.raises(PSAAuthError):
        await auth.refresh()


async def test_revoke_without_token_or_server(make_client, session):
    auth = PSAAuth(session, PEUGEOT, "FR", "id", "secret", idp_base_url="http://127.0.0.1:9")
    await auth.revoke()  # nothing to revoke
    auth._token = TokenSet(access_token="a", refresh_token="r", expires_at=0)
    await auth.revoke()  # unreachable: best effort, no exception


async def test_identity_server_unreachable(session):
    auth = PSAAuth(session, PEUGEOT, "FR", "id", "secret", idp_base_url="http://127.0.0.1:9")
    with pytest.raises(PSAConnectionError):
        await auth.login_password("user@example.com", "pw")


async def test_not_logged_in(session):
    auth = PSAAuth(session, PEUGEOT, "FR", "id", "secret")
    assert auth.token is None
    assert auth.account_id is None
    assert "secret" not in repr(auth)
    with pytest.raises(PSAAuthError):
        await auth.async_get_access_token()
