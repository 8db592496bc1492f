"""Middlewares: request counting, fault injection and the gateway's response headers."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
import math
import uuid

from aiohttp import web

from .const import API_PREFIX, CONTROL_PREFIX, GATEWAY_404, GATEWAY_429, GATEWAY_500, OAUTH_PREFIX
from .responses import gateway_unauthorized, json_response, oauth_error
from .state import STATE, SimulatorState

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
FORCED_RETRY_AFTER = 30  # seconds announced by a one-off (forced) 429
RATE_LIMIT = 1000  # what X-RateLimit-Limit announces; not enforced


def _area(path: str) -> str | None:
    """Which side of the simulator a path belongs to: ``api``, ``oauth`` or None."""
    if path.startswith(f"{API_PREFIX}/") or path == API_PREFIX:
        return "api"
    if path.startswith(f"{OAUTH_PREFIX}/"):
        return "oauth"
    return None


@web.middleware
async def count_requests(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Count every request but the control API's, keyed ``"<METHOD> <route pattern>"``."""
    if not request.path.startswith(CONTROL_PREFIX):
        resource = request.match_info.route.resource
        pattern = resource.canonical if resource is not None else request.path
        request.app[STATE].stats.requests[f"{request.method} {pattern}"] += 1
    return await handler(request)


def _pick_fault(state: SimulatorState) -> str | None:
    """A forced fault first, else one drawn from the seeded generator.

    Four numbers are drawn for every request whatever the rates, so one seed gives
    the same sequence of draws however the rates are set.
    """
    draws = [state.rng.random() for _ in range(4)]
    if state.forced_faults:
        return state.forced_faults.popleft()
    faults = state.faults
    rates = (
        ("drop", faults.drop_rate),
        ("500", faults.error_rate),
        ("401", faults.unauthorized_rate),
        ("malformed", faults.malformed_rate),
    )
    for (kind, rate), draw in zip(rates, draws, strict=True):
        if draw < rate:
            return kind
    return None


def _too_many_requests(retry_after: int) -> web.Response:
    return json_response(
        GATEWAY_429,
        status=429,
        headers={"Retry-After": str(retry_after), "X-RateLimit-Remaining": "0"},
    )


def _drop(request: web.Request) -> web.Response:
    """Close the connection without a word; aiohttp's late write to it goes nowhere."""
    if request.transport is not None:
        request.transport.close()
    return web.Response(status=500)


def _fault_response(request: web.Request, kind: str | None, area: str) -> web.Response | None:
    """The response that replaces the real one, if the fault is of that sort."""
    if kind == "drop":
        return _drop(request)
    if kind == "429":
        return _too_many_requests(FORCED_RETRY_AFTER)
    if kind == "500":
        if area == "oauth":
            return oauth_error("server_error", "Internal Server Error", status=500)
        return json_response(GATEWAY_500, status=500)
    if kind == "401" and area == "api":
        return gateway_unauthorized()
    return None


async def _with_faults(
    request: web.Request, handler: Handler, state: SimulatorState, area: str
) -> web.StreamResponse:
    if state.faults.latency_ms:
        await asyncio.sleep(state.faults.latency_ms / 1000)
    now = state.now()
    if now < state.rate_limited_until:
        return _too_many_requests(math.ceil(state.rate_limited_until - now))
    kind = _pick_fault(state)
    if (early := _fault_response(request, kind, area)) is not None:
        return early
    response = await handler(request)
    if kind == "malformed" and isinstance(response, web.Response):
        body = response.body
        if isinstance(body, bytes):
            response.body = body[: len(body) // 2]
    return response


def _gateway_headers(response: web.StreamResponse) -> None:
    """Headers the production gateway adds (psa-api.md §3)."""
    response.headers.setdefault("X-Global-Transaction-ID", uuid.uuid4().hex)
    response.headers.setdefault("X-Backside-Transport", "OK OK")
    response.headers.setdefault("X-RateLimit-Limit", str(RATE_LIMIT))
    response.headers.setdefault("X-RateLimit-Remaining", str(RATE_LIMIT - 1))
    response.headers.setdefault("X-RateLimit-Reset", "3600")
    response.headers["Access-Control-Expose-Headers"] = (
        "APIm-Debug-Trans-Id, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, "
        "X-Global-Transaction-ID"
    )


@web.middleware
async def inject_faults(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Faults on the API paths (and the identity paths when ``include_oauth``)."""
    area = _area(request.path)
    state = request.app[STATE]
    if area is None or (area == "oauth" and not state.faults.include_oauth):
        return await handler(request)
    try:
        response = await _with_faults(request, handler, state, area)
    except web.HTTPNotFound:
        if area != "api":
            raise
        response = json_response(GATEWAY_404, status=404)
    if area == "api":
        _gateway_headers(response)
    return response
