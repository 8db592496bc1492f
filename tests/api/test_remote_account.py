"""PSARemoteApi and async_pair against a small fake of the Stellantis remote endpoints."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
import json
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer
import pytest

from custom_components.psa_connected_car.api import BRANDS, PSAAuth, TokenSet
from custom_components.psa_connected_car.api.exceptions import (
    PSAApiError,
    PSAConnectionError,
    PSAPairingError,
    PSARateLimitError,
    PSARemoteAuthError,
)
from custom_components.psa_connected_car.api.remote import (
    InWeboClient,
    PSARemoteApi,
    RemoteToken,
    async_pair,
    mqtt_customer_id,
)

from .inwebo_fake import FakeInWebo, inwebo  # noqa: F401 - the fixture

ASSOCIATIONS = "/applications/cvs/v4/mauv/car-associations"
SMS = "/applications/cvs/v4/mobile/smsCode"
TOKEN = "/connectedcar/v4/virtualkey/remoteaccess/token"
IDP_TOKEN = "/am/oauth2/access_token"
NOW = 1_000_000.0


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any


@dataclass
class FakeRemote:
    """Answers per path (a queue whose last answer repeats); every request is recorded."""

    url: str = ""
    answers: dict[str, list[tuple[int, Any, dict[str, str]]]] = field(default_factory=dict)
    seen: list[Request] = field(default_factory=list)
    oauth_refreshes: int = 0
    valid_oauth: str = "oauth-0"
    otp_codes: list[str] = field(default_factory=list)  # what the password grant accepts

    def queue(self, path: str, *answers: tuple[int, Any] | tuple[int, Any, dict[str, str]]):
        self.answers[path] = [(a[0], a[1], a[2] if len(a) > 2 else {}) for a in answers]  # type: ignore[misc]

    def calls(self, path: str) -> list[Request]:
        return [request for request in self.seen if request.path == path]

    def default(self, request: Request) -> tuple[int, Any, dict[str, str]]:
        if request.headers.get("Authorization") != f"Bearer {self.valid_oauth}":
            return 401, {"httpMessage": "Unauthorized"}, {}
        if request.path == ASSOCIATIONS:
            return 200, [{"vehicle": "VIN1", "customer": "AP-ACNT200000000042"}], {}
        if request.path == SMS:
            return 200, {}, {}
        body = request.body or {}
        if body.get("grant_type") == "password" and body.get("password") in self.otp_codes:
            return (
                200,
                {"access_token": "mqtt-a1", "refresh_token": "mqtt-r1", "expires_in": 899},
                {},
            )
        if body.get("grant_type") == "refresh_token" and body.get("refresh_token") == "mqtt-r1":
            return 200, {"access_token": "mqtt-a2", "expires_in": 899, "token_type": "Bearer"}, {}
        return 400, {"error": "invalid_grant", "error_description": "grant is invalid"}, {}


@pytest.fixture
async def remote(socket_enabled: None) -> AsyncIterator[FakeRemote]:
    fake = FakeRemote()
    app = web.Application()

    async def handler(request: web.Request) -> web.Response:
        raw = await request.read()
        if request.path == IDP_TOKEN:
            fake.oauth_refreshes += 1
            fake.valid_oauth = f"oauth-{fake.oauth_refreshes}"
            body = {"access_token": fake.valid_oauth, "refresh_token": "rt", "expires_in": 3600}
            return web.json_response(body)
        seen = Request(
            request.method,
            request.path,
            dict(request.query),
            dict(request.headers),
            json.loads(raw) if raw else None,
        )
        fake.seen.append(seen)
        queue = fake.answers.get(request.path)
        if queue:
            status, body, headers = queue.pop(0) if len(queue) > 1 else queue[0]
        else:
            status, body, headers = fake.default(seen)
        text = body if isinstance(body, str) else json.dumps(body)
        return web.Response(status=status, text=text, headers=headers)

    app.router.add_route("*", "/{tail:.*}", handler)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    fake.url = str(server.make_url("")).rstrip("/")
    yield fake
    await server.close()


@pytest.fixture
def api(session, remote: FakeRemote) -> PSARemoteApi:
    auth = PSAAuth(
        session,
        BRANDS["opel"],
        "DE",
        "app-cid",
        "app-secret",
        token=TokenSet(access_token="oauth-0", refresh_token="rt", expires_at=NOW + 3600),
        idp_base_url=remote.url,
        clock=lambda: NOW,
    )
    return PSARemoteApi(
        session, auth, base_url=remote.url, locale="de-DE", timeout=2, clock=lambda: NOW
    )


@pytest.mark.parametrize(
    ("customer", "mapped"),
    [
        ("AP-ACNT1", "AP-ACNT1"),
        ("AC-ACNT1", "AC-ACNT1"),
        ("DS-ACNT1", "AC-ACNT1"),
        ("OP-ACNT1", "OV-ACNT1"),
        ("VX-ACNT1", "OV-ACNT1"),
        ("ds-ACNT1", "AC-ACNT1"),
        ("OV-ACNT1", "OV-ACNT1"),
        ("OPACNT1", "OPACNT1"),  # no prefix: left alone
    ],
)
def test_mqtt_customer_id(customer, mapped):
    assert mqtt_customer_id(customer) == mapped


async def test_customer_id_and_the_headers(api, remote: FakeRemote):
    assert await api.get_customer_id() == "AP-ACNT200000000042"
    (request,) = remote.seen
    assert request.method == "GET"
    assert request.query == {"client_id": "app-cid", "locale": "de-DE"}
    assert request.headers["Authorization"] == "Bearer oauth-0"
    assert request.headers["x-introspect-realm"] == "clientsB2COpel"
    assert request.headers["Accept"] == "application/hal+json"


async def test_customer_id_mapped_and_the_first_usable_entry(api, remote: FakeRemote):
    remote.queue(ASSOCIATIONS, (200, [{"vehicle": "V"}, {"customer": ""}, {"customer": "OP-X"}]))
    assert await api.get_customer_id() == "OV-X"


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        ((200, []), PSAPairingError),
        ((200, [{"customer": None}, "x"]), PSAPairingError),
        ((200, {"customer": "AP-1"}), PSAConnectionError),
        ((200, "not json"), PSAConnectionError),
        ((500, {}), PSAConnectionError),
        ((429, {}, {"Retry-After": "30"}), PSARateLimitError),
        ((403, {"code": 40300, "message": "Forbidden"}), PSAApiError),
    ],
)
async def test_customer_id_errors(api, remote: FakeRemote, answer, error):
    remote.queue(ASSOCIATIONS, answer)
    with pytest.raises(error) as caught:
        await api.get_customer_id()
    if error is PSAPairingError:
        assert caught.value.code == "no_customer_id"
    if error is PSARateLimitError:
        assert caught.value.retry_after == 30


async def test_sms_request(api, remote: FakeRemote):
    await api.request_sms_code()
    (request,) = remote.calls(SMS)
    assert request.method == "POST"
    assert request.body is None
    assert request.query == {"client_id": "app-cid", "locale": "de-DE"}


async def test_a_401_refreshes_the_oauth_token_once(api, remote: FakeRemote):
    remote.valid_oauth = "oauth-1"  # the stored token is refused; the refresh gives oauth-1
    await api.request_sms_code()
    assert remote.oauth_refreshes == 1
    assert [r.headers["Authorization"] for r in remote.calls(SMS)] == [
        "Bearer oauth-0",
        "Bearer oauth-1",
    ]


async def test_a_second_401_is_a_connection_error(api, remote: FakeRemote):
    remote.queue(SMS, (401, {}))
    with pytest.raises(PSAConnectionError):
        await api.request_sms_code()
    assert len(remote.calls(SMS)) == 2
    assert remote.oauth_refreshes == 1


async def test_token_grants(api, remote: FakeRemote):
    remote.otp_codes.append("otpcode")
    token = await api.token_from_otp("otpcode")
    assert token == RemoteToken(
        access_token="mqtt-a1", refresh_token="mqtt-r1", expires_at=NOW + 899, minted_at=NOW
    )
    refreshed = await api.token_from_refresh("mqtt-r1")
    assert refreshed.access_token == "mqtt-a2"
    assert refreshed.refresh_token == "mqtt-r1"  # kept: the server sends none
    password, refresh = remote.calls(TOKEN)
    assert password.body == {"grant_type": "password", "password": "otpcode"}
    assert refresh.body == {"grant_type": "refresh_token", "refresh_token": "mqtt-r1"}
    assert password.headers["Content-Type"].startswith("application/json")
    assert password.query == {"client_id": "app-cid", "locale": "de-DE"}


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        ((400, {"error": "invalid_grant", "error_description": "expired"}), PSARemoteAuthError),
        ((403, {"error": "invalid_grant"}), PSARemoteAuthError),
        ((400, {"error": "invalid_request"}), PSAApiError),
        ((429, {}), PSARateLimitError),
        ((502, "<html/>"), PSAConnectionError),
        ((200, {"refresh_token": "x"}), PSAConnectionError),
        ((200, {"access_token": "has space"}), PSAConnectionError),
        ((200, []), PSAConnectionError),
    ],
)
async def test_token_errors(api, remote: FakeRemote, answer, error):
    remote.queue(TOKEN, answer)
    with pytest.raises(error):
        await api.token_from_refresh("mqtt-r1")
    with pytest.raises(error):
        await api.token_from_otp("code")


@pytest.mark.parametrize(("expires_in", "lifetime"), [(None, 899), ("x", 899), (-5, 899), (60, 60)])
async def test_odd_expires_in(api, remote: FakeRemote, expires_in, lifetime):
    remote.queue(
        TOKEN, (200, {"access_token": "a", "refresh_token": "r", "expires_in": expires_in})
    )
    assert (await api.token_from_otp("c")).expires_at == NOW + lifetime


async def test_unreachable(session, socket_enabled):
    auth = PSAAuth(
        session,
        BRANDS["ds"],
        "FR",
        "cid",
        "cs",
        token=TokenSet(access_token="a", refresh_token="r", expires_at=NOW + 3600),
        clock=lambda: NOW,
    )
    api = PSARemoteApi(session, auth, base_url="http://127.0.0.1:1", timeout=1)
    with pytest.raises(PSAConnectionError):
        await api.get_customer_id()
    assert repr(api) == "PSARemoteApi(base_url='http://127.0.0.1:1')"


async def test_pairing(api, remote: FakeRemote, session, inwebo: FakeInWebo):  # noqa: F811
    remote.otp_codes = inwebo.codes  # the token endpoint takes the codes the server made
    customer_id, state, token = await async_pair(
        api,
        InWeboClient(session, url=inwebo.url, timeout=2),
        inwebo.sms_code,
        inwebo.pin,
        "dev-1",
        clock=lambda: NOW,
    )
    assert customer_id == "AP-ACNT200000000042"
    assert state.used_at == (NOW,)
    assert token.access_token == "mqtt-a1"
    (grant,) = remote.calls(TOKEN)
    assert grant.body == {"grant_type": "password", "password": inwebo.codes[0]}


async def test_pairing_without_customer_id_spends_no_device(
    api,
    remote: FakeRemote,
    session,
    inwebo: FakeInWebo,  # noqa: F811
):
    remote.queue(ASSOCIATIONS, (200, []))
    with pytest.raises(PSAPairingError) as caught:
        await async_pair(api, InWeboClient(session, url=inwebo.url), "1", "2", "3")
    assert caught.value.code == "no_customer_id"
    assert inwebo.seen == []


async def test_a_refused_pairing_is_not_retried(
    api,
    remote: FakeRemote,
    session,
    inwebo: FakeInWebo,  # noqa: F811
):
    with pytest.raises(PSAPairingError) as caught:
        await async_pair(api, InWeboClient(session, url=inwebo.url), "000000", inwebo.pin, "d")
    assert caught.value.code == "code"
    assert len(inwebo.seen) == 1
    assert remote.calls(TOKEN) == []
