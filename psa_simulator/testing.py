"""Run simulators inside a test's event loop (used by ``tests/conftest.py``)."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web
from aiohttp.test_utils import TestServer

from .app import create_app
from .config import SimulatorConfig
from .const import API_PREFIX
from .state import STATE, SimulatorState


@dataclass(frozen=True, slots=True)
class SimulatorHandle:
    """A running in-process simulator.

    ``url`` is the base of both the identity server and the API host, e.g.
    ``http://127.0.0.1:40123`` (use it as ``idp_base_url``; ``api_url`` is the API base).
    """

    url: str
    app: web.Application
    state: SimulatorState
    config: SimulatorConfig
    server: TestServer

    @property
    def api_url(self) -> str:
        """``<url>/connectedcar/v4``: what the client takes as ``api_base_url``."""
        return f"{self.url}{API_PREFIX}"

    @property
    def token_url(self) -> str:
        """``<url>/am/oauth2/access_token``."""
        return f"{self.url}/am/oauth2/access_token"


async def start_simulator(config: SimulatorConfig | None = None) -> SimulatorHandle:
    """Start a simulator on 127.0.0.1 (a free port); stop it with ``handle.server.close()``."""
    config = config or SimulatorConfig()
    app = create_app(config)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    url = str(server.make_url("")).rstrip("/")
    return SimulatorHandle(url=url, app=app, state=app[STATE], config=config, server=server)
