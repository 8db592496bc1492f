"""Fixtures for the client tests.

* ``fake_server``: a small programmable HTTP server on 127.0.0.1 for unit tests (every
  answer, delay and odd body is chosen by the test; every request is recorded).
* ``make_client``: a PSAAuth + PSAClient pointed at the PSA cloud simulator.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
import itertools
import json
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer
import pytest

from custom_components.psa_connected_car.api import BRANDS, PSAAuth, PSAClient, TokenSet
from psa_simulator import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_PASSWORD, DEMO_USERNAME
from psa_simulator.testing import SimulatorControl, SimulatorHandle

PEUGEOT = BRANDS["peugeot"]
TOKEN_PATH = "/am/oauth2/access_token"
REVOKE_PATH = "/am/oauth2/token/revoke"


@dataclass
class Saved:
    """What on_token_update received, in order (with what ``auth.token`` was at that time)."""

    auth: PSAAuth | None = None
    tokens: list[TokenSet] = field(default_factory=list)
    token_in_memory: list[TokenSet | None] = field(default_factory=list)

    async def __call__(self, token: TokenSet) -> None:
        self.token_in_memory.append(self.auth.token if self.auth else None)
        await asyncio.sleep(0)  # a real save yields to the loop
        self.tokens.append(token)


@pytest.fixture
async def session(socket_enabled: None) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client_session:
        yield client_session


# The programmable server ------------------------------------------------------------------


@dataclass(frozen=True)
class Seen:
    """One request the fake server received."""

    method: str
    path: str
    raw_path: str
    query: dict[str, str]
    headers: dict[str, str]
    form: dict[str, str]


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any = None  # JSON-encoded unless bytes or str
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0

    def encoded(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode()
        return json.dumps(self.body).encode()


Responder = Callable[[Seen], Answer]


@dataclass
class FakeServer:
    """Answers by path: one fixed answer, a queue (its last answer repeats) or a function."""

    url: str = ""
    routes: dict[str, list[Answer] | Responder] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)

    def answer(
        self,
        path: str,
        status: int,
        body: Any = None,
        headers: dict[str, str] | None = None,
        *,
        delay: float = 0.0,
    ) -> None:
        self.routes[path] = [Answer(status, body, headers or {}, delay)]

    def queue(self, path: str, *answers: Answer) -> None:
        self.routes[path] = list(answers)

    def respond(self, path: str, responder: Responder) -> None:
        self.routes[path] = responder

    def calls(self, path: str) -> list[Seen]:
        return [seen for seen in self.seen if seen.path == path]

    def next_answer(self, seen: Seen) -> Answer:
        route = self.routes.get(seen.path)
        if route is None:
            return Answer(404, {"code": 40400, "message": "Not Found: no route in the test"})
        if callable(route):
            return route(seen)
        return route.pop(0) if len(route) > 1 else route[0]


@pytest.fixture
async def fake_server(socket_enabled: None) -> AsyncIterator[FakeServer]:
    app = web.Application()
    server = TestServer(app, host="127.0.0.1")
    fake = FakeServer()

    async def handler(request: web.Request) -> web.StreamResponse:
        form = await request.post() if request.can_read_body else {}
        seen = Seen(
            method=request.method,
            path=request.path,
            raw_path=request.raw_path,
            query=dict(request.query),
            headers=dict(request.headers),
            form={key: str(value) for key, value in form.items()},
        )
        fake.seen.append(seen)
        answer = fake.next_answer(seen)
        if answer.delay:
            await asyncio.sleep(answer.delay)
        return web.Response(status=answer.status, body=answer.encoded(), headers=answer.headers)

    app.router.add_route("*", "/{tail:.*}", handler)
    await server.start_server()
    fake.url = str(server.make_url("")).rstrip("/")
    yield fake
    await server.close()


class TokenIssuer:
    """A token endpoint that rotates: each grant returns ``at-N`` / ``rt-N``."""

    def __init__(self, expires_in: Any = 3600, delay: float = 0.0) -> None:
        self.counter = itertools.count(1)
        self.expires_in = expires_in
        self.delay = delay

    def __call__(self, seen: Seen) -> Answer:
        number = next(self.counter)
        body = {
            "access_token": f"at-{number}",
            "refresh_token": f"rt-{number}",
            "expires_in": self.expires_in,
            "token_type": "Bearer",
            "scope": "openid profile",
        }
        return Answer(200, body, delay=self.delay)


MakeAuth = Callable[..., PSAAuth]


@pytest.fixture
def make_auth(session: aiohttp.ClientSession, fake_server: FakeServer) -> MakeAuth:
    """``make_auth(token=..., **kwargs)``: a PSAAuth (Opel, DE) against the fake server."""

    def make(**kwargs: Any) -> PSAAuth:
        kwargs.setdefault("idp_base_url", fake_server.url)
        return PSAAuth(session, BRANDS["opel"], "DE", "cid", "csecret", **kwargs)

    return make


def fresh_token(now: float = 0.0, number: int = 0, lifetime: float = 3600) -> TokenSet:
    return TokenSet(
        access_token=f"at-{number}", refresh_token=f"rt-{number}", expires_at=now + lifetime
    )


# The simulator ----------------------------------------------------------------------------

MakeClient = Callable[..., Awaitable[tuple[PSAAuth, PSAClient, Saved]]]


@pytest.fixture
def make_client(session: aiohttp.ClientSession) -> MakeClient:
    """``await make_client(handle, login=True, **auth_kwargs)`` -> (auth, client, saved)."""

    async def make(
        handle: SimulatorHandle, *, login: bool = True, timeout: float = 5, **kwargs: Any
    ) -> tuple[PSAAuth, PSAClient, Saved]:
        saved = Saved()
        auth = PSAAuth(
            session,
            PEUGEOT,
            "FR",
            kwargs.pop("client_id", DEMO_CLIENT_ID),
            kwargs.pop("client_secret", DEMO_CLIENT_SECRET),
            on_token_update=saved,
            idp_base_url=handle.url,
            timeout=timeout,
            **kwargs,
        )
        saved.auth = auth
        if login:
            await auth.login_password(DEMO_USERNAME, DEMO_PASSWORD)
        client = PSAClient(session, auth, api_base_url=handle.api_url, timeout=timeout)
        return auth, client, saved

    return make


async def token_requests(session: aiohttp.ClientSession, handle: SimulatorHandle) -> dict[str, int]:
    """Token requests per grant, as the simulator counted them (its control API's stats)."""
    stats = await SimulatorControl(session, handle.url).stats()
    return dict(stats["token_requests"])
