"""The shared error and token samples, served in place, map to the documented exceptions."""

from __future__ import annotations

import json
from pathlib import Path
import time

import aiohttp
import pytest

from custom_components.psa_connected_car.api import (
    PSAApiError,
    PSAAuthError,
    PSAClient,
    PSAConnectionError,
    PSAError,
    PSAInvalidClientError,
    PSAInvalidCodeError,
    PSANoDataError,
)

from .conftest import TOKEN_PATH, FakeServer, MakeAuth, TokenIssuer, fresh_token

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "samples"
pytestmark = pytest.mark.skipif(
    not SAMPLES.is_dir(), reason=f"shared samples folder absent: {SAMPLES}"
)
STATUS_PATH = "/api/user/vehicles/v1/status"


def sample(name: str) -> bytes:
    path = SAMPLES / name
    if not path.is_file():
        pytest.skip(f"shared sample absent: {path}")
    return path.read_bytes()


@pytest.mark.parametrize(
    ("name", "status", "error"),
    [
        ("synthetic__error_401_gateway_security_checks.json", 401, PSAConnectionError),
        ("synthetic__error_401_token_is_invalid.json", 401, PSAConnectionError),
        ("synthetic__error_404_status_not_found.json", 404, PSANoDataError),
        ("synthetic__error_404_no_trip.json", 404, PSANoDataError),
        ("synthetic__error_500_gateway_internal.json", 500, PSAConnectionError),
        ("stellantis_docs__error_b2c_code_uuid_message_timestamp.json", 404, PSAApiError),
        ("stellantis_docs__error_xError_openapi_example.json", 400, PSAApiError),
        ("stellantis_docs__error_dataplatform_name_debug_message.json", 400, PSAApiError),
    ],
)
async def test_api_error_samples(
    fake_server: FakeServer,
    make_auth: MakeAuth,
    session: aiohttp.ClientSession,
    name: str,
    status: int,
    error: type[PSAError],
):
    body = sample(name)
    fake_server.answer(STATUS_PATH, status, body)
    fake_server.respond(TOKEN_PATH, TokenIssuer())
    auth = make_auth(token=fresh_token(now=time.time()))
    client = PSAClient(session, auth, api_base_url=f"{fake_server.url}/api")
    with pytest.raises(error) as err:
        await client.get_status("v1")
    assert type(err.value) is error
    words = json.loads(body)
    text = words.get("message") or words.get("moreInformation")
    if status != 401:  # after the retry the message is ours: a refreshed token was refused
        assert text in str(err.value)


@pytest.mark.parametrize(
    ("name", "grant", "error"),
    [
        ("synthetic__oauth_error_invalid_client.json", "refresh", PSAInvalidClientError),
        ("synthetic__oauth_error_invalid_grant_refresh.json", "refresh", PSAAuthError),
        ("synthetic__oauth_error_invalid_grant_code.json", "code", PSAInvalidCodeError),
        ("synthetic__oauth_error_redirect_uri_mismatch.json", "code", PSAInvalidCodeError),
        ("synthetic__oauth_error_invalid_grant_code.json", "password", PSAAuthError),
    ],
)
async def test_oauth_error_samples(
    fake_server: FakeServer, make_auth: MakeAuth, name, grant, error
):
    body = sample(name)
    fake_server.answer(TOKEN_PATH, 401 if "invalid_client" in name else 400, body)
    auth = make_auth(token=fresh_token())
    request = auth.create_authorization_request()
    calls = {
        "refresh": auth.refresh,
        "code": lambda: auth.login_code("0d1c2b3a-4f5e-4d6c-8b7a-123456789abc", request),
        "password": lambda: auth.login_password("someone@example.invalid", "pw"),
    }
    with pytest.raises(error) as err:
        await calls[grant]()
    assert type(err.value) is error
    assert json.loads(body)["error_description"] in str(err.value)


async def test_token_response_sample(fake_server: FakeServer, make_auth: MakeAuth):
    body = sample("synthetic__token_response.json")
    fake_server.answer(TOKEN_PATH, 200, body)
    now = 1_000_000.0
    auth = make_auth(clock=lambda: now)
    token = await auth.login_password("someone@example.invalid", "pw")
    expected = json.loads(body)
    assert token.access_token == expected["access_token"]
    assert token.refresh_token == expected["refresh_token"]
    assert token.id_token == expected["id_token"]
    assert token.expires_at == now + expected["expires_in"]
    assert auth.account_id == "synthetic"  # the sample's id_token says sub "synthetic"
