"""PSAAuth edge cases: pastes, token endpoint answers the simulator never gives, headers."""

from __future__ import annotations

import base64
import json

import pytest

from custom_components.psa_connected_car.api import (
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
from custom_components.psa_connected_car.api.http import retry_after_seconds

from .conftest import TOKEN_PATH, FakeServer, MakeAuth

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
        f"code={CODE}&state=S1",  # the query string alone
        f"<MYMAP://OAuth2Redirect/fr?code={CODE}>",
        f"`mymap://oauth2redirect/fr?code={CODE.replace('-', '%2D')}`",
        f'"{CODE}"\n',
    ],
)
def test_pastes_that_work(pasted):
    assert PSAAuth.extract_code(pasted, REQUEST) == CODE


def test_without_a_request_any_app_redirect_is_accepted():
    assert PSAAuth.extract_code(f"otherapp://oauth2redirect/gb?code={CODE}&state=X", None) == CODE


@pytest.mark.parametrize("length", [8, 36, 512])
def test_code_lengths_accepted(length):
    code = ("A1-_.~" * 100)[:length]
    assert PSAAuth.extract_code(code, None) == code


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
        ("A" * 7, "malformed"),
        ("A" * 513, "malformed"),
        (f"{CODE[:10]} {CODE[10:]}", "malformed"),
        ("mymap://oauth2redirect/fr?code=a+b+c+d+e&state=S1", "malformed"),
        ("mymap://oauth2redirect/fr?code=&state=S1", "no_code"),
        ("?state=S1", "no_code"),
        (f"otherapp://oauth2redirect/fr?code={CODE}", "wrong_redirect"),
        (f"mymap://login/fr?code={CODE}", "wrong_redirect"),
        (f"http://localhost/?code={CODE}", "wrong_redirect"),
        (f"https://id-dcr.peugeot.com/gigya?code={CODE}&state=S1", "wrong_redirect"),
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
    assert retry_after_seconds({"Retry-After": "inf"}) is None
    assert retry_after_seconds({"Retry-After": "nan"}) is None
    assert retry_after_seconds({"Retry-After": "Wed, 99 Foo 2015 07:28:00 GMT"}) is None


@pytest.mark.parametrize(
    "value", ["Wed, 21 Oct 2015 07:30:00 GMT", "Wed, 21 Oct 2015 07:30:00 -0000"]
)
def test_retry_after_as_an_http_date(value):
    now = 1445412480.0  # 2015-10-21 07:28:00 UTC
    assert retry_after_seconds({"Retry-After": value}, lambda: now) == 120


@pytest.mark.parametrize(
    ("grant", "status", "body", "error"),
    [
        ("password", 401, {"error": "invalid_client"}, PSAInvalidClientError),
        ("password", 400, {"error": "unauthorized_client"}, PSAPasswordGrantUnsupportedError),
        ("password", 400, {"error": "unsupported_grant_type"}, PSAPasswordGrantUnsupportedError),
        ("password", 500, {"error": "server_error"}, PSAPasswordGrantUnsupportedError),
        ("password", 400, {"error": "invalid_grant"}, PSAAuthError),
        ("password", 429, {"error": "slow_down"}, PSARateLimitError),
        ("password", 429, "", PSARateLimitError),
        ("password", 500, "<html>oops</html>", PSAConnectionError),
        ("password", 502, {"error": "bad_gateway"}, PSAConnectionError),
        ("password", 403, "<html>proxy</html>", PSAConnectionError),
        ("password", 400, {"error": "invalid_scope"}, PSAApiError),
        ("password", 400, {"message": "no OAuth error field"}, PSAApiError),
        ("password", 200, {"token_type": "Bearer"}, PSAConnectionError),
        ("password", 200, {"access_token": "a"}, PSAConnectionError),  # no refresh token
        ("code", 400, {"error": "invalid_grant"}, PSAInvalidCodeError),
        ("code", 400, {"error": "redirect_uri_mismatch"}, PSAInvalidCodeError),
        ("code", 400, {"error": "invalid_request"}, PSAInvalidCodeError),
        ("code", 401, {"error": "invalid_client"}, PSAInvalidClientError),
        ("code", 400, {"error": "unsupported_grant_type"}, PSAApiError),
        ("refresh", 400, {"error": "invalid_grant"}, PSAAuthError),
        ("refresh", 401, {"error": "invalid_client"}, PSAInvalidClientError),
        ("refresh", 400, {"error": "server_error"}, PSAConnectionError),
        ("refresh", 400, {"error": "temporarily_unavailable"}, PSAConnectionError),
        ("refresh", 503, "", PSAConnectionError),
    ],
)
async def test_token_endpoint_answers(
    fake_server: FakeServer, make_auth: MakeAuth, grant, status, body, error
):
    fake_server.answer(TOKEN_PATH, status, body, {"Retry-After": "12"})
    auth = make_auth(token=TokenSet(access_token="a", refresh_token="r", expires_at=0))
    calls = {
        "password": lambda: auth.login_password("someone@example.invalid", "pw-secret"),
        "code": lambda: auth.login_code(CODE, REQUEST),
        "refresh": auth.refresh,
    }
    with pytest.raises(error) as err:
        await calls[grant]()
    assert type(err.value) is error
    if error is PSARateLimitError:
        assert err.value.retry_after == 12
    if error is PSAInvalidCodeError:
        assert err.value.reason == "rejected"
    if isinstance(body, dict) and "error" in body:
        assert body["error"] in str(err.value)  # the server's words are kept
    for secret in ("pw-secret", "csecret", CODE, REQUEST.code_verifier):
        assert secret not in str(err.value)


async def test_server_words_are_kept_but_bounded(fake_server: FakeServer, make_auth: MakeAuth):
    fake_server.answer(
        TOKEN_PATH, 400, {"error": "invalid_grant", "error_description": "grant is invalid" * 100}
    )
    auth = make_auth(token=TokenSet(access_token="a", refresh_token="r", expires_at=0))
    with pytest.raises(PSAAuthError) as err:
        await auth.refresh()
    assert str(err.value).startswith("grant is invalid")
    assert len(str(err.value)) <= 300


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
def test_account_id(make_auth: MakeAuth, token, expected):
    tokens = TokenSet(access_token="a", refresh_token="r", expires_at=0, id_token=token)
    assert make_auth(token=tokens).account_id == expected


def test_token_round_trip():
    token = TokenSet(access_token="a", refresh_token="r", expires_at=5.0, id_token="i", scope="s")
    assert TokenSet.from_dict(token.as_dict()) == token
