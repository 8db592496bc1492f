"""PSAAuth edge cases: pastes, token endpoint answers the simulator never gives, headers."""

from __future__ import annotations

import base64
import json

import pytest

from custom_components.psa_connected_car.api import (
    BRANDS,
    AuthorizationRequest,
    PSAApiError,
    PSAAuth,
    PSAAuthError,
    PSAConnectionError,
    PSAInvalidClientError,
    PSAInvalidCodeError,
    PSAPasswordGrantUnsupportedError,
    PSARateLimitError,
    TokenSet,
)
from custom_components.psa_connected_car.api.auth import retry_after_seconds

from .conftest import FakeServer

CODE = "0d1c2b3a-4f5e-4d6c-8b7a-123456789abc"
REQUEST = AuthorizationRequest(
    url="https://idp/authorize", state="S1", code_verifier="v" * 64, redirect_uri="mymap://x/fr"
)


@pytest.mark.parametrize(
    "pasted",
    [
        CODE,
        f"  '{CODE}'  ",
        f"mymap://oauth2redirect/fr?code={CODE}&scope=openid%20profile&state=S1",
        f"mymap://oauth2redirect/fr?code={CODE}",  # no state to check
        f"?code={CODE}&state=S1",
        f"mymap://oauth2redirect/fr#code={CODE}&state=S1",
    ],
)
def test_pastes_that_work(pasted):
    assert PSAAuth.extract_code(pasted, REQUEST) == CODE


@pytest.mark.parametrize(
    ("pasted", "reason"),
    [
        ("", "empty"),
        ("   \n", "empty"),
        ("x" * 5000, "too_long"),
        ("mymap://oauth2redirect/fr?state=S1", "no_code"),
        (f"mymap://oauth2redirect/fr?code={CODE}&state=OTHER", "state_mismatch"),
        (f"https://my.peugeot.fr/login?code={CODE}", "wrong_redirect"),
        ("abc", "malformed"),
        ("not a code at all", "malformed"),
        ("é" * 40, "malformed"),
    ],
)
def test_pastes_that_are_refused_with_a_reason(pasted, reason):
    with pytest.raises(PSAInvalidCodeError) as err:
        PSAAuth.extract_code(pasted, REQUEST)
    assert err.value.reason == reason
    assert CODE not in str(err.value)


def test_retry_after_forms():
    assert retry_after_seconds({"Retry-After": "30"}) == 30
    assert retry_after_seconds({"Retry-After": "-5"}) == 0
    assert retry_after_seconds({}) is None
    assert retry_after_seconds({"Retry-After": "soon"}) is None
    assert retry_after_seconds({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}) == 0


def make_auth(session, url: str, token: TokenSet | None = None) -> PSAAuth:
    return PSAAuth(session, BRANDS["opel"], "DE", "cid", "csecret", idp_base_url=url, token=token)


TOKEN_PATH = "/am/oauth2/access_token"


@pytest.mark.parametrize(
    ("grant", "status", "body", "error"),
    [
        ("password", 401, {"error": "invalid_client"}, PSAInvalidClientError),
        ("password", 400, {"error": "unauthorized_client"}, PSAPasswordGrantUnsupportedError),
        ("password", 400, {"error": "invalid_grant"}, PSAAuthError),
        ("password", 429, {"error": "slow_down"}, PSARateLimitError),
        ("password", 500, "<html>oops</html>", PSAConnectionError),
        ("password", 400, {"error": "invalid_scope"}, PSAApiError),
        ("password", 200, {"token_type": "Bearer"}, PSAConnectionError),
        ("password", 200, {"access_token": "a"}, PSAConnectionError),  # no refresh token
        ("code", 400, {"error": "redirect_uri_mismatch"}, PSAInvalidCodeError),
        ("refresh", 400, {"error": "invalid_grant"}, PSAAuthError),
    ],
)
async def test_token_endpoint_answers(fake_server: FakeServer, session, grant, status, body, error):
    fake_server.answer(TOKEN_PATH, status, body, {"Retry-After": "12"})
    token = TokenSet(access_token="a", refresh_token="r", expires_at=0)
    auth = make_auth(session, fake_server.url, token)
    calls = {
        "password": lambda: auth.login_password("someone@example.invalid", "pw-secret"),
        "code": lambda: auth.login_code(CODE, REQUEST),
        "refresh": auth.refresh,
    }
    with pytest.raises(error) as err:
        await calls[grant]()
    if error is PSARateLimitError:
        assert err.value.retry_after == 12
    assert "pw-secret" not in str(err.value)
    assert "csecret" not in str(err.value)


async def test_basic_auth_and_seed_form(fake_server: FakeServer, session):
    fake_server.answer(
        TOKEN_PATH,
        200,
        {"access_token": "at", "refresh_token": "rt", "expires_in": "bad", "id_token": 5},
    )
    auth = make_auth(session, fake_server.url)
    token = await auth.login_password("someone@example.invalid", "pw")
    assert token.id_token is None
    assert token.scope is None
    assert token.expires_at > 0  # unreadable expires_in: one hour assumed
    (request,) = fake_server.seen
    assert request.headers["Authorization"] == "Basic " + base64.b64encode(b"cid:csecret").decode()
    assert request.query["realm"] == "clientsB2COpel"


async def test_refresh_keeps_the_refresh_token_when_none_comes_back(fake_server, session):
    fake_server.answer(TOKEN_PATH, 200, {"access_token": "new", "expires_in": 3600})
    auth = make_auth(
        session, fake_server.url, TokenSet(access_token="old", refresh_token="r", expires_at=0)
    )
    token = await auth.refresh()
    assert (token.access_token, token.refresh_token) == ("new", "r")
    # Another caller saw the old token rejected: it is refreshed already, nothing is sent.
    assert await auth.refresh_rejected("old") == "new"
    assert len(fake_server.seen) == 1


def id_token(claims: object) -> str:
    payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    return f"e30.{payload}."


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        (id_token({"sub": "account-1"}), "account-1"),
        (id_token({"sub": ""}), None),
        (id_token(["sub"]), None),
        ("no-dots", None),
        ("e30.!!!notbase64.", None),
        (None, None),
    ],
)
def test_account_id(session, token, expected):
    tokens = TokenSet(access_token="a", refresh_token="r", expires_at=0, id_token=token)
    assert make_auth(session, "http://127.0.0.1:9", tokens).account_id == expected


def test_token_round_trip():
    token = TokenSet(access_token="a", refresh_token="r", expires_at=5.0, id_token="i", scope="s")
    assert TokenSet.from_dict(token.as_dict()) == token
