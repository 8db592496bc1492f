"""Assemble the aiohttp application: identity server, API and control API on one port."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from . import api, control, idp
from .config import SimulatorConfig
from .const import DEMO_CLIENT_ID, DEMO_PASSWORD, DEMO_USERNAME, OAUTH_PREFIX
from .middleware import count_requests, inject_faults
from .remote import api as remote_api, control_cars, service
from .responses import json_response
from .state import STATE, SimulatorState


async def _index(request: web.Request) -> web.StreamResponse:
    """``GET /``: where things are (no secrets of a scenario account)."""
    account = request.app[STATE].account
    info: dict[str, Any] = {
        "simulator": "PSA Connected Car cloud",
        "brand": account.brand.key,
        "country": account.country,
        "realm": account.brand.realm,
        "redirect_uri": account.redirect_uri,
        "token_url": f"{OAUTH_PREFIX}/access_token",
        "authorize_url": f"{OAUTH_PREFIX}/authorize",
        "api_base": "/connectedcar/v4",
        "control": "/_simulator/state",
    }
    if account.username == DEMO_USERNAME and account.client_id == DEMO_CLIENT_ID:
        info["demo"] = {"username": DEMO_USERNAME, "password": DEMO_PASSWORD}
    return json_response(info)


def create_app(config: SimulatorConfig | None = None) -> web.Application:
    """A simulator application; its state is ``app[STATE]``."""
    app = web.Application(middlewares=[count_requests, inject_faults])
    app[STATE] = SimulatorState(config or SimulatorConfig())
    app.router.add_get("/", _index, allow_head=False)
    app.router.add_post(f"{OAUTH_PREFIX}/access_token", idp.token)
    app.router.add_get(f"{OAUTH_PREFIX}/authorize", idp.authorize_form, allow_head=False)
    app.router.add_post(f"{OAUTH_PREFIX}/authorize", idp.authorize_login)
    app.router.add_post(f"{OAUTH_PREFIX}/token/revoke", idp.revoke)
    app.router.add_get("/phone", idp.phone_page, allow_head=False)
    api.add_routes(app)
    control.add_routes(app)
    remote_api.add_routes(app)  # SMS, car-associations, inWebo, MQTT tokens, their control routes
    _add_remote(app)  # the TLS broker and the cars on it
    return app


def _add_remote(app: web.Application) -> None:
    """The MQTT broker and cars (startup/cleanup with the app) and their control routes."""
    if not app[STATE].config.mqtt:
        return
    service.add_remote_service(app)
    control_cars.add_routes(app)
