"""Fixtures for the client tests: a client pointed at an in-process simulator."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
import json
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer
import pytest

from custom_components.psa_connected_car.api import BRANDS, PSAAuth, PSAClient, TokenSet
from psa_simulator import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_PASSWORD, DEMO_USERNAME
from psa_simulator.testing import SimulatorHandle

PEUGEOT = BRANDS["peugeot"]


@dataclass
class Saved:
    """What on_token_update received, in order."""

    tokens: list[TokenSet] = field(default_factory=list)

    async def __call__(self, token: TokenSet) -> None:
        self.tokens.append(token)


@pytest.fixture
async def session(socket_enabled: None) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client_session:
        yield client_session


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
        if login:
            await auth.login_password(DEMO_USERNAME, DEMO_PASSWORD)
        client = PSAClient(session, auth, api_base_url=handle.api_url, timeout=timeout)
        return auth, client, saved

    return make


async def token_requests(handle: SimulatorHandle) -> dict[str, int]:
    """Token requests per grant, as the simulator counted them."""
    stats: dict[str, Any] = handle.state.stats.as_dict()
    return dict(stats["token_requests"])


@dataclass
class FakeServer:
    """A programmable HTTP server for the odd answers the simulator never gives."""

    url: str
    answers: dict[str, tuple[int, str, dict[str, str]]] = field(default_factory=dict)
    seen: list[Any] = field(default_factory=list)

    def answer(self, path: str, status: int, body: Any, headers: dict[str, str] | None = None):
        text = body if isinstance(body, str) else json.dumps(body)
        self.answers[path] = (status, text, headers or {})


@pytest.fixture
async def fake_server(socket_enabled: None) -> AsyncIterator[FakeServer]:
    app = web.Application()
    server = TestServer(app, host="127.0.0.1")
    fake = FakeServer(url="")

    async def handler(request: web.Request) -> web.Response:
        fake.seen.append(request)
        status, text, headers = fake.answers.get(request.path, (404, "{}", {}))
        return web.Response(status=status, text=text, headers=headers)

    app.router.add_route("*", "/{tail:.*}", handler)
    await server.start_server()
    fake.url = str(server.make_url("")).rstrip("/")
    yield fake
    await server.close()
