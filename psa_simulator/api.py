"""The Connected Car API v4 (``/connectedcar/v4``) behind its gateway checks."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import astuple, dataclass
import hashlib
import hmac
import math
from typing import Any

from aiohttp import web

from .const import API_PREFIX, GEO_JSON, HAL_JSON
from .responses import bad_request, gateway_unauthorized, hal, not_found
from .state import STATE, SimulatorState
from .trips import FilterError, TripFilter, filter_query
from .vehicles import PayloadContext, SimVehicle

MAX_PAGE_SIZE = 60
USER_CREATED_AT = "2021-03-14T09:26:53Z"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def api_base(request: web.Request) -> str:
    """Absolute API base of this server, used in every ``_links`` href."""
    return f"{request.url.origin()}{API_PREFIX}"


def _gateway_ok(request: web.Request, state: SimulatorState) -> bool:
    """Realm header, ``client_id`` query and Bearer token, as the gateway checks them."""
    account = state.account
    if request.headers.get("x-introspect-realm") != account.brand.realm:
        return False
    client_id = request.query.get("client_id", "")
    if not hmac.compare_digest(client_id.encode(), account.client_id.encode()):
        return False
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not value:
        return False
    token = state.valid_access_token(value.strip())
    return token is not None and token.client_id == client_id


def guarded(handler: Handler) -> Handler:
    """Answer the gateway's 401 before the handler when the security checks fail."""

    async def check(request: web.Request) -> web.StreamResponse:
        if not _gateway_ok(request, request.app[STATE]):
            return gateway_unauthorized()
        return await handler(request)

    return check


# --- pagination ------------------------------------------------------------------------


def _page_token(key: str, page: int, size: int, query: str = "") -> str:
    """Opaque to clients; a hash prefix plus the page, size and filters it stands for."""
    raw = f"{key}:{page}:{size}" + (f":{query}" if query else "")
    prefix = hashlib.sha256(raw.encode()).hexdigest()[:32]
    return prefix + base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _read_page_token(token: str, key: str) -> PageRequest | None:
    try:
        padded = token[32:] + "=" * (-len(token[32:]) % 4)
        parts = base64.urlsafe_b64decode(padded.encode()).decode().split(":", 3)
        name, page, size = parts[:3]
        wanted = PageRequest(int(page), int(size), parts[3] if len(parts) == 4 else "")
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    if name != key or token != _page_token(key, *astuple(wanted)) or wanted.page < 1:
        return None
    if not 1 <= wanted.size <= MAX_PAGE_SIZE:
        return None
    return wanted


@dataclass(frozen=True, slots=True)
class PageRequest:
    """Which page a request wants, of which size, and the filters the list was asked with."""

    page: int
    size: int
    query: str = ""


def page_request(request: web.Request, key: str, query: str = "") -> PageRequest | web.Response:
    """The page asked for: from ``pageToken`` (which carries size and filters) or page 1.

    ``query`` is the request's own filters, used on the first page; with a token the token's
    filters win, as the token is all a client following ``_links`` sends.
    """
    if (token := request.query.get("pageToken")) is not None:
        parsed = _read_page_token(token, key)
        if parsed is None:
            return bad_request("Invalid pageToken")
        return parsed
    try:
        size = int(request.query.get("pageSize", MAX_PAGE_SIZE))
    except ValueError:
        size = 0
    if not 1 <= size <= MAX_PAGE_SIZE:
        return bad_request(f"pageSize must be between 1 and {MAX_PAGE_SIZE}")
    return PageRequest(1, size, query)


def page_body(
    request: web.Request, items: Sequence[Any], key: str, path: str, wanted: PageRequest
) -> dict[str, Any]:
    """A HAL collection page: ``_links`` (self, first, last, next, prev), counts, items."""
    page, size = wanted.page, wanted.size
    total_pages = math.ceil(len(items) / size)
    base = f"{api_base(request)}{path}"

    def href(number: int) -> dict[str, str]:
        return {"href": f"{base}?pageToken={_page_token(key, number, size, wanted.query)}"}

    links = {"self": href(page), "first": href(1), "last": href(max(total_pages, 1))}
    if page < total_pages:
        links["next"] = href(page + 1)
    if page > 1:
        links["prev"] = href(page - 1)
    return {
        "_links": links,
        "total": len(items),
        "totalPage": total_pages,
        "currentPage": page,
        "_embedded": {key: list(items[(page - 1) * size : page * size])},
    }


def paginate(
    request: web.Request, items: Sequence[Any], key: str, path: str
) -> dict[str, Any] | web.Response:
    """A HAL collection page (``pageSize`` 1..60, default 60; ``pageToken`` from the links)."""
    wanted = page_request(request, key)
    if isinstance(wanted, web.Response):
        return wanted
    return page_body(request, items, key, path, wanted)


def _trips_page(request: web.Request, trips: list[Any], path: str) -> web.Response:
    """``/trips``: filtered (``trips.py``), oldest first as given; none left -> 404 40400."""
    wanted = page_request(request, "trips", filter_query(request.query.items()))
    if isinstance(wanted, web.Response):
        return wanted
    try:
        chosen = TripFilter.parse(wanted.query)
    except FilterError as err:
        return bad_request(str(err))
    kept = [trip for trip in trips if chosen.matches(trip)]
    if not kept:
        return not_found("trips")
    return hal(page_body(request, kept, "trips", path, wanted))


# --- handlers --------------------------------------------------------------------------


def _items(request: web.Request, state: SimulatorState) -> list[dict[str, Any]]:
    base = api_base(request)
    origin = str(request.url.origin())
    return [vehicle.item(base, origin) for vehicle in state.vehicles]


async def user(request: web.Request) -> web.StreamResponse:
    """``GET /user``: the account and its vehicles."""
    state = request.app[STATE]
    base = api_base(request)
    body = {
        **state.account.user,
        "createdAt": USER_CREATED_AT,
        "updatedAt": USER_CREATED_AT,
        "_links": {"self": {"href": f"{base}/user"}, "vehicles": {"href": f"{base}/user/vehicles"}},
        "_embedded": {"vehicles": _items(request, state)},
    }
    return hal(body)


async def vehicles(request: web.Request) -> web.StreamResponse:
    """``GET /user/vehicles``: paginated; sometimes (test hook) without ``_embedded``."""
    state = request.app[STATE]
    body = paginate(request, _items(request, state), "vehicles", "/user/vehicles")
    if isinstance(body, web.Response):
        return body
    if state.omit_embedded_calls > 0:
        state.omit_embedded_calls -= 1
        del body["_embedded"]
    return hal(body)


def _vehicle(request: web.Request) -> SimVehicle | None:
    return request.app[STATE].vehicle_by_id(request.match_info["vehicle_id"])


async def vehicle(request: web.Request) -> web.StreamResponse:
    """``GET /user/vehicles/{id}``."""
    found = _vehicle(request)
    if found is None:
        return not_found("vehicle")
    return hal(found.item(api_base(request), str(request.url.origin())))


def vehicle_endpoint(endpoint: str) -> Handler:
    """``GET /user/vehicles/{id}/<endpoint>``: the payload, a collection page, or 404 40400."""

    async def handle(request: web.Request) -> web.StreamResponse:
        if endpoint == "status" and "extension" in request.query:
            return bad_request("extension is not a valid parameter")  # removed in Nov 2023
        state = request.app[STATE]
        found = _vehicle(request)
        if found is None:
            return not_found("vehicle")
        ctx = PayloadContext(state.now(), api_base(request), found.id)
        payload = found.payload(endpoint, ctx)
        if payload is None:
            return not_found(endpoint)
        path = f"/user/vehicles/{found.id}/{endpoint}"
        if endpoint == "trips" and isinstance(payload, list):
            return _trips_page(request, payload, path)
        if isinstance(payload, list):
            page = paginate(request, payload, endpoint, path)
            if isinstance(page, web.Response):
                return page
            payload = page
        return hal(payload, GEO_JSON if endpoint == "lastPosition" else HAL_JSON)

    return handle


def add_routes(app: web.Application) -> None:
    """Register every API route (all GET, all behind the gateway checks)."""
    vehicle_path = f"{API_PREFIX}/user/vehicles/{{vehicle_id}}"
    routes: list[tuple[str, Handler]] = [
        (f"{API_PREFIX}/user", user),
        (f"{API_PREFIX}/user/vehicles", vehicles),
        (vehicle_path, vehicle),
    ]
    routes += [
        (f"{vehicle_path}/{endpoint}", vehicle_endpoint(endpoint))
        for endpoint in ("status", "lastPosition", "maintenance", "alerts", "trips")
    ]
    for path, handler in routes:
        app.router.add_get(path, guarded(handler), allow_head=False)
