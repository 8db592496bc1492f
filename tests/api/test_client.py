"""PSAClient unit tests against a programmable server: headers, pages, 401 retry, errors."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
import time
from typing import Any

import aiohttp
import pytest

from custom_components.psa_connected_car.api import (
    PSAApiError,
    PSAAuth,
    PSAAuthError,
    PSAClient,
    PSAConnectionError,
    PSANoDataError,
    PSARateLimitError,
)

from .conftest import (
    TOKEN_PATH,
    Answer,
    FakeServer,
    MakeAuth,
    Saved,
    Seen,
    TokenIssuer,
    fresh_token,
)

FIXTURES = Path(__file__).parent / "fixtures"
API = "/connectedcar/v4"
VEHICLES = f"{API}/user/vehicles"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text())


@pytest.fixture
def auth(make_auth: MakeAuth, fake_server: FakeServer) -> PSAAuth:
    """Logged in with at-0 (valid for an hour); the token endpoint rotates at-1, at-2..."""
    fake_server.respond(TOKEN_PATH, TokenIssuer())
    return make_auth(token=fresh_token(now=time.time()))


@pytest.fixture
def client(session: aiohttp.ClientSession, auth: PSAAuth, fake_server: FakeServer) -> PSAClient:
    return PSAClient(session, auth, api_base_url=f"{fake_server.url}{API}/", timeout=5)


def api_calls(fake_server: FakeServer) -> list[Seen]:
    return [seen for seen in fake_server.seen if seen.path.startswith(API)]


def token_calls(fake_server: FakeServer) -> list[Seen]:
    return fake_server.calls(TOKEN_PATH)


@pytest.mark.parametrize(
    ("call", "path", "payload", "accept"),
    [
        ("get_user", "/user", "user", "application/hal+json"),
        ("get_vehicle", "/user/vehicles/v1", "vehicle", "application/hal+json"),
        ("get_status", "/user/vehicles/v1/status", "status_phev_current", "application/hal+json"),
        (
            "get_last_position",
            "/user/vehicles/v1/lastPosition",
            "last_position",
            "application/vnd.geo+json",
        ),
        ("get_maintenance", "/user/vehicles/v1/maintenance", "maintenance", "application/hal+json"),
        ("get_alerts", "/user/vehicles/v1/alerts", "alerts", "application/hal+json"),
        ("get_trips", "/user/vehicles/v1/trips", "trips", "application/hal+json"),
    ],
)
async def test_every_endpoint_sends_the_headers_and_parses(
    fake_server: FakeServer, client: PSAClient, call, path, payload, accept
):
    body = (
        {"id": "v1", "vin": "VR3SIMULATEDFIXT1", "brand": "Peugeot"}
        if payload == "vehicle"
        else fixture(payload)
    )
    fake_server.answer(f"{API}{path}", 200, body)
    method = getattr(client, call)
    result = await (method() if call == "get_user" else method("v1"))
    assert result  # parsed into something non-empty
    (seen,) = api_calls(fake_server)
    assert (seen.method, seen.path) == ("GET", f"{API}{path}")
    filters = {"distance": "0.1-"} if call == "get_trips" else {}
    assert seen.query == {"client_id": "cid", **filters}
    assert seen.headers["Authorization"] == "Bearer at-0"
    assert seen.headers["x-introspect-realm"] == "clientsB2COpel"
    assert seen.headers["Accept"] == accept
    assert token_calls(fake_server) == []


async def test_endpoint_results(fake_server: FakeServer, client: PSAClient):
    for path, name in (
        ("/user", "user"),
        ("/user/vehicles/v1/lastPosition", "last_position"),
        ("/user/vehicles/v1/maintenance", "maintenance"),
        ("/user/vehicles/v1/alerts", "alerts"),
        ("/user/vehicles/v1/trips", "trips"),
        ("/user/vehicles/v1/status", "status_phev_current"),
    ):
        fake_server.answer(f"{API}{path}", 200, fixture(name))
    assert (await client.get_user()).email == "driver@example.invalid"
    position = await client.get_last_position("v1")
    assert position is not None
    assert (position.latitude, position.longitude) == (43.7102, 7.2620)
    assert (await client.get_maintenance("v1")).days_before == 210
    assert [alert.id for alert in await client.get_alerts("v1")] == ["alert-1", "2"]
    assert [trip.id for trip in await client.get_trips("v1")] == ["trip-1", "2"]
    status = await client.get_status("v1")
    assert status.fuel is not None
    assert status.fuel.level == 57.0


async def test_vehicle_ids_are_one_path_segment(fake_server: FakeServer, client: PSAClient):
    fake_server.answer(f"{API}/user/vehicles/a/b?c #d/status", 200, {})
    await client.get_status("a/b?c #d")
    (seen,) = api_calls(fake_server)
    assert seen.raw_path.startswith(f"{API}/user/vehicles/a%2Fb%3Fc%20%23d/status")


def pages(seen: Seen) -> Answer:
    name = {
        None: "vehicles_page_1",
        "PAGE2TOKEN": "vehicles_page_2",
        "PAGE3+TOKEN=": "vehicles_page_3",
    }.get(seen.query.get("pageToken"))
    return Answer(200, fixture(name)) if name else Answer(400, {"code": 40000, "message": "?"})


async def test_every_page_is_followed(fake_server: FakeServer, client: PSAClient):
    fake_server.respond(VEHICLES, pages)
    vehicles = await client.get_vehicles(page_size=2)
    assert [vehicle.vin for vehicle in vehicles] == [
        f"VR3SIMULATEDFIXT{number}" for number in range(1, 6)
    ]
    queries = [seen.query for seen in api_calls(fake_server)]
    assert queries == [
        {"client_id": "cid", "pageSize": "2"},
        {"client_id": "cid", "pageSize": "2", "pageToken": "PAGE2TOKEN"},
        # Sent as received (decoded once, encoded once), and the last page (3 of 3) ends it
        # although it still links a next one.
        {"client_id": "cid", "pageSize": "2", "pageToken": "PAGE3+TOKEN="},
    ]


@pytest.mark.parametrize(("asked", "sent"), [(0, "1"), (500, "60"), (60, "60")])
async def test_page_size_stays_in_range(fake_server, client, asked, sent):
    fake_server.answer(VEHICLES, 200, {"total": 0, "_embedded": {"vehicles": []}})
    assert await client.get_vehicles(page_size=asked) == []
    assert api_calls(fake_server)[0].query["pageSize"] == sent


async def test_a_repeated_page_token_ends_the_walk(fake_server: FakeServer, client: PSAClient):
    page = {
        "_links": {"next": {"href": "https://x/user/vehicles?pageToken=SAME"}},
        "_embedded": {"vehicles": [{"id": "a", "vin": "VR3SIMULATEDLOOP1"}]},
    }
    fake_server.answer(VEHICLES, 200, page)
    assert len(await client.get_vehicles()) == 2  # SAME is followed once, not twice
    assert len(api_calls(fake_server)) == 2


async def test_the_page_count_is_bounded(fake_server, client, monkeypatch):
    monkeypatch.setattr("custom_components.psa_connected_car.api.client.MAX_PAGES", 3)
    counter = iter(range(1000))

    def endless(seen: Seen) -> Answer:
        number = next(counter)
        return Answer(
            200,
            {
                "_links": {"next": {"href": f"?pageToken=T{number}"}},
                "_embedded": {"vehicles": [{"id": f"{number}", "vin": f"VR3SIMULATED{number:05}"}]},
            },
        )

    fake_server.respond(VEHICLES, endless)
    assert len(await client.get_vehicles()) == 3
    assert len(api_calls(fake_server)) == 3


@pytest.mark.parametrize(
    "page",
    [
        {"total": 2, "_links": {}},
        {"_links": {"self": {"href": "x"}}},
        {"total": 2, "_embedded": None},
    ],
)
async def test_a_list_without_embedded_is_transient(fake_server, client, page):
    fake_server.answer(VEHICLES, 200, page)
    with pytest.raises(PSAConnectionError, match="without its vehicles"):
        await client.get_vehicles()


async def test_a_later_page_without_embedded_is_transient(fake_server, client):
    first = fixture("vehicles_page_1")
    fake_server.queue(VEHICLES, Answer(200, first), Answer(200, {"total": 5}))
    with pytest.raises(PSAConnectionError):
        await client.get_vehicles()


@pytest.mark.parametrize(
    "page",
    [
        {"total": 0},
        {"total": "0", "_links": {}},
        {"total": 0, "_embedded": {}},
        {"_embedded": {"vehicles": []}},
        {"_embedded": {}},
    ],
)
async def test_an_empty_account_is_an_empty_list(fake_server, client, page):
    fake_server.answer(VEHICLES, 200, page)
    assert await client.get_vehicles() == []


async def test_a_401_refreshes_once_and_retries(
    fake_server: FakeServer, client: PSAClient, auth: PSAAuth
):
    saved = Saved()
    auth._on_token_update = saved
    gateway_401 = {"httpMessage": "Unauthorized", "moreInformation": "Token is invalid"}
    fake_server.queue(f"{VEHICLES}/v1/status", Answer(401, gateway_401), Answer(200, {}))
    await client.get_status("v1")
    first, second = api_calls(fake_server)
    assert first.headers["Authorization"] == "Bearer at-0"
    assert second.headers["Authorization"] == "Bearer at-1"
    assert len(token_calls(fake_server)) == 1
    assert [token.access_token for token in saved.tokens] == ["at-1"]


async def test_a_second_401_is_transient_and_not_a_loop(fake_server, client):
    fake_server.answer(f"{VEHICLES}/v1/status", 401, {"httpMessage": "Unauthorized"})
    with pytest.raises(PSAConnectionError, match="freshly refreshed"):
        await client.get_status("v1")
    assert len(api_calls(fake_server)) == 2
    assert len(token_calls(fake_server)) == 1


async def test_a_401_whose_refresh_is_refused_needs_reauthentication(fake_server, client):
    fake_server.answer(f"{VEHICLES}/v1/status", 401, {"httpMessage": "Unauthorized"})
    fake_server.answer(TOKEN_PATH, 400, {"error": "invalid_grant"})
    with pytest.raises(PSAAuthError):
        await client.get_status("v1")
    assert len(api_calls(fake_server)) == 1


async def test_concurrent_401s_share_one_refresh(fake_server: FakeServer, client: PSAClient):
    def by_token(seen: Seen) -> Answer:
        if seen.headers["Authorization"] == "Bearer at-0":
            return Answer(401, {"httpMessage": "Unauthorized"}, delay=0.02)
        return Answer(200, {})

    fake_server.respond(f"{VEHICLES}/v1/status", by_token)
    fake_server.respond(TOKEN_PATH, TokenIssuer(delay=0.05))
    await asyncio.gather(*(client.get_status("v1") for _ in range(20)))
    assert len(token_calls(fake_server)) == 1
    assert len(api_calls(fake_server)) == 40


async def test_an_expired_token_is_refreshed_before_the_call(
    fake_server: FakeServer, make_auth: MakeAuth, session: aiohttp.ClientSession
):
    fake_server.respond(TOKEN_PATH, TokenIssuer(delay=0.05))
    fake_server.answer(f"{VEHICLES}/v1/status", 200, {})
    auth = make_auth(token=fresh_token(lifetime=-1))
    client = PSAClient(session, auth, api_base_url=f"{fake_server.url}{API}")
    await asyncio.gather(*(client.get_status("v1") for _ in range(100)))
    assert len(token_calls(fake_server)) == 1
    assert {seen.headers["Authorization"] for seen in api_calls(fake_server)} == {"Bearer at-1"}


@pytest.mark.parametrize(
    ("status", "body", "error", "words"),
    [
        (403, {"httpMessage": "Forbidden", "moreInformation": "No"}, PSAApiError, "Forbidden - No"),
        (400, {"code": 1001, "debug": "CMP_1", "message": "No data"}, PSAApiError, "No data"),
        (400, {"uuid": "u-1", "code": 40000, "message": "Bad Request"}, PSAApiError, "Bad Req"),
        (404, {"code": 40400, "message": "Not Found: status"}, PSANoDataError, "Not Found"),
        (404, {"code": "40400", "message": "Not Found"}, PSANoDataError, "Not Found"),
        (404, {"code": 40401, "message": "Other"}, PSAApiError, "Other"),
        (404, "", PSAApiError, "HTTP 404"),
        (500, {"httpMessage": "Internal Server Error"}, PSAConnectionError, "Internal"),
        (500, {"code": 50000, "message": "Internal"}, PSAConnectionError, "HTTP 500"),
        (503, "not json", PSAConnectionError, "HTTP 503"),
        (200, "[1, 2]", PSAConnectionError, "malformed"),
        (200, "{bad json", PSAConnectionError, "malformed"),
        (200, b"\xff\xfe\x00", PSAConnectionError, "malformed"),
        (200, "[" * 100_000, PSAConnectionError, "malformed"),
        (429, {"message": "slow down"}, PSARateLimitError, "slow down"),
    ],
)
async def test_error_bodies(fake_server, client, status, body, error, words):
    fake_server.answer(f"{VEHICLES}/v1/status", status, body)
    with pytest.raises(error) as err:
        await client.get_status("v1")
    assert type(err.value) is error
    assert words in str(err.value)
    if error is PSAApiError and status == 400 and body["code"] == 1001:
        assert (err.value.status, err.value.code, err.value.message) == (400, 1001, "No data")
    if error is PSANoDataError:
        assert err.value.code == 40400


async def test_long_server_messages_are_cut(fake_server, client):
    fake_server.answer(f"{VEHICLES}/v1/status", 400, {"code": 40000, "message": "x" * 10_000})
    with pytest.raises(PSAApiError) as err:
        await client.get_status("v1")
    assert len(err.value.message) == 300


@pytest.mark.parametrize(
    ("headers", "retry_after"),
    [({"Retry-After": "120"}, 120), ({}, None), ({"Retry-After": "later"}, None)],
)
async def test_rate_limited_api(fake_server, client, headers, retry_after):
    fake_server.answer(f"{VEHICLES}/v1/status", 429, {"message": "Too Many Requests"}, headers)
    with pytest.raises(PSARateLimitError) as err:
        await client.get_status("v1")
    assert err.value.retry_after == retry_after


async def test_no_data(fake_server: FakeServer, client: PSAClient):
    no_data = {"uuid": "u-2", "code": 40400, "message": "Not Found: No trip was found."}
    for endpoint in ("status", "alerts", "trips", "maintenance"):
        fake_server.answer(f"{VEHICLES}/v1/{endpoint}", 404, no_data)
    with pytest.raises(PSANoDataError):
        await client.get_status("v1")
    with pytest.raises(PSANoDataError):
        await client.get_maintenance("v1")
    assert await client.get_alerts("v1") == []
    assert await client.get_trips("v1") == []


async def test_a_vehicle_without_id_or_vin_is_malformed(fake_server, client):
    fake_server.answer(f"{VEHICLES}/v1", 200, {"vin": "VR3SIMULATEDNOID1"})
    with pytest.raises(PSAConnectionError):
        await client.get_vehicle("v1")


async def test_timeout(fake_server: FakeServer, auth: PSAAuth, session):
    fake_server.answer(f"{VEHICLES}/v1/status", 200, {}, delay=1)
    client = PSAClient(session, auth, api_base_url=f"{fake_server.url}{API}", timeout=0.1)
    with pytest.raises(PSAConnectionError, match="TimeoutError"):
        await client.get_status("v1")


async def test_unreachable_api(auth: PSAAuth, session):
    client = PSAClient(session, auth, api_base_url="http://127.0.0.1:9/connectedcar/v4")
    with pytest.raises(PSAConnectionError, match="unreachable"):
        await client.get_user()


async def test_default_hosts(session, make_auth: MakeAuth):
    auth = make_auth(idp_base_url=None)
    client = PSAClient(session, auth)
    assert auth.idp_base_url == "https://idpcvs.opel.com"
    assert client.api_base_url == "https://api.groupe-psa.com/connectedcar/v4"
