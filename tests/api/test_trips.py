"""PSAClient.get_trips: every page, the filters it sends, no trip as none, oldest first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
import time
from typing import Any

import aiohttp
import pytest

from custom_components.psa_connected_car.api import PSAAuth, PSAClient, PSAConnectionError

from .conftest import TOKEN_PATH, Answer, FakeServer, MakeAuth, Seen, TokenIssuer, fresh_token

API = "/connectedcar/v4"
TRIPS = f"{API}/user/vehicles/v1/trips"
NO_TRIP = {"uuid": "u-1", "code": 40400, "message": "Not Found: No trip was found."}


@pytest.fixture
def client(
    session: aiohttp.ClientSession, make_auth: MakeAuth, fake_server: FakeServer
) -> PSAClient:
    fake_server.respond(TOKEN_PATH, TokenIssuer())
    auth: PSAAuth = make_auth(token=fresh_token(now=time.time()))
    return PSAClient(session, auth, api_base_url=f"{fake_server.url}{API}", timeout=5)


def trip(trip_id: str, stopped: str | None) -> dict[str, Any]:
    return {"id": trip_id, "stoppedAt": stopped, "distance": 1.0}


def page(trips: list[dict[str, Any]], next_token: str | None = None) -> dict[str, Any]:
    links = {"next": {"href": f"https://x{TRIPS}?pageToken={next_token}"}} if next_token else {}
    return {"_links": links, "_embedded": {"trips": trips}}


def queries(fake_server: FakeServer) -> list[dict[str, str]]:
    return [seen.query for seen in fake_server.calls(TRIPS)]


async def test_every_page_followed_with_the_filters(
    fake_server: FakeServer, client: PSAClient
) -> None:
    pages = {
        None: page([trip("b", "2026-06-02T10:00:00Z")], "P2"),
        "P2": page([trip("c", None), trip("a", "2026-06-01T10:00:00Z")], "P3"),
        "P3": page([trip("d", "2026-06-03T10:00:00+02:00")]),
    }

    def answer(seen: Seen) -> Answer:
        return Answer(200, pages[seen.query.get("pageToken")])

    fake_server.respond(TRIPS, answer)
    since = datetime(2026, 6, 1, 8, 30, tzinfo=timezone(timedelta(hours=2)))
    trips = await client.get_trips("v1", since=since)
    # Oldest first by their end, the one without an end last.
    assert [item.id for item in trips] == ["a", "b", "d", "c"]
    filters = {"client_id": "cid", "distance": "0.1-", "timestamps": "2026-06-01T06:30:00Z/"}
    assert queries(fake_server) == [
        filters,
        {**filters, "pageToken": "P2"},
        {**filters, "pageToken": "P3"},
    ]


async def test_without_since_no_time_filter(fake_server: FakeServer, client: PSAClient) -> None:
    fake_server.answer(TRIPS, 200, page([trip("a", "2026-06-01T10:00:00Z")]))
    assert [item.id for item in await client.get_trips("v1")] == ["a"]
    assert queries(fake_server) == [{"client_id": "cid", "distance": "0.1-"}]


async def test_a_naive_since_is_utc(fake_server: FakeServer, client: PSAClient) -> None:
    fake_server.answer(TRIPS, 200, page([]))
    assert await client.get_trips("v1", since=datetime(2026, 6, 1, 8, 0)) == []
    assert queries(fake_server)[0]["timestamps"] == "2026-06-01T08:00:00Z/"


async def test_no_trip_is_none(fake_server: FakeServer, client: PSAClient) -> None:
    fake_server.answer(TRIPS, 404, NO_TRIP)
    assert await client.get_trips("v1", since=datetime.now(UTC)) == []


async def test_no_trip_on_a_later_page_keeps_the_first(
    fake_server: FakeServer, client: PSAClient
) -> None:
    fake_server.queue(
        TRIPS,
        Answer(200, page([trip("a", "2026-06-01T10:00:00Z")], "P2")),
        Answer(404, NO_TRIP),
    )
    assert [item.id for item in await client.get_trips("v1")] == ["a"]
    assert len(queries(fake_server)) == 2


async def test_a_repeated_page_token_ends_the_walk(
    fake_server: FakeServer, client: PSAClient
) -> None:
    fake_server.answer(TRIPS, 200, page([trip("a", "2026-06-01T10:00:00Z")], "SAME"))
    assert len(await client.get_trips("v1")) == 2  # SAME is followed once, not twice
    assert len(queries(fake_server)) == 2


async def test_the_page_count_is_bounded(
    fake_server: FakeServer, client: PSAClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("custom_components.psa_connected_car.api.client.MAX_PAGES", 3)
    counter = iter(range(1000))

    def endless(seen: Seen) -> Answer:
        number = next(counter)
        return Answer(200, page([trip(f"t{number}", None)], f"T{number}"))

    fake_server.respond(TRIPS, endless)
    assert len(await client.get_trips("v1")) == 3
    assert len(queries(fake_server)) == 3


async def test_other_errors_propagate(fake_server: FakeServer, client: PSAClient) -> None:
    fake_server.answer(TRIPS, 500, {"httpMessage": "Internal Server Error"})
    with pytest.raises(PSAConnectionError):
        await client.get_trips("v1")
