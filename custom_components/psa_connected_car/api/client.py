"""The Connected Car API v4 endpoints, with the headers and query every call needs."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
import logging
from typing import Any
from urllib.parse import quote

import aiohttp

from .auth import PSAAuth
from .brands import API_BASE_URL
from .exceptions import (
    PSAApiError,
    PSAConnectionError,
    PSAError,
    PSANoDataError,
    PSARateLimitError,
)
from .http import decode_body, retry_after_seconds
from .models import Alert, Maintenance, Position, Trip, User, Vehicle, VehicleStatus
from .parsers import (
    parse_alerts,
    parse_maintenance,
    parse_position,
    parse_status,
    parse_trips_page,
    parse_user,
    parse_vehicle,
    parse_vehicles_page,
    report_once,
)

_LOGGER = logging.getLogger(__name__)

HAL_JSON = "application/hal+json"
GEO_JSON = "application/vnd.geo+json"
MAX_PAGES = 50  # an account with more vehicles than 50 pages of 60 is not a real account


class PSAClient:
    """One account's view of the API. All errors are ``PSAError`` subclasses."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        auth: PSAAuth,
        *,
        api_base_url: str = API_BASE_URL,
        timeout: float = 30,
    ) -> None:
        """Use ``session`` and ``auth``'s tokens; ``timeout`` is per request, in seconds."""
        self.session = session
        self.auth = auth
        self.api_base_url = api_base_url.rstrip("/")
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._odd_paths: set[str] = set()  # odd payload fields are logged once per client

    def _parse[T](self, parse: Callable[[Any], T], payload: Any) -> T:
        with report_once(self._odd_paths):
            return parse(payload)

    async def get_user(self) -> User:
        """``/user``: the account."""
        return self._parse(parse_user, await self._get("/user"))

    async def get_vehicles(self, page_size: int = 60) -> list[Vehicle]:
        """Every vehicle of the account, all pages (``page_size`` 1..60) followed.

        An empty list means the account really has no vehicle (``total`` 0, or pages that
        list none). A page without ``_embedded`` (a known transient server fault) raises
        ``PSAConnectionError`` instead, so that a hiccup never looks like an empty account.
        """
        vehicles: list[Vehicle] = []
        page_size = max(1, min(60, page_size))
        params: dict[str, str] = {"pageSize": str(page_size)}
        seen: set[str] = set()
        for _ in range(MAX_PAGES):
            payload = await self._get("/user/vehicles", params)
            empty_account = payload.get("total") in (0, "0")
            if not isinstance(payload.get("_embedded"), Mapping) and not empty_account:
                raise PSAConnectionError("The vehicle list came without its vehicles")
            page, token = self._parse(parse_vehicles_page, payload)
            vehicles.extend(page)
            if token is None or token in seen:
                break
            seen.add(token)
            params = {"pageSize": str(page_size), "pageToken": token}
        return vehicles

    async def get_vehicle(self, vehicle_id: str) -> Vehicle:
        """``/user/vehicles/{id}``; a vehicle without id or VIN is a malformed answer."""
        vehicle = self._parse(parse_vehicle, await self._get(_vehicle_path(vehicle_id)))
        if vehicle is None:
            raise PSAConnectionError("The vehicle came without its id or VIN")
        return vehicle

    async def get_status(self, vehicle_id: str) -> VehicleStatus:
        """``/status``; 404 40400 (the car sends nothing to the cloud) is ``PSANoDataError``."""
        return self._parse(parse_status, await self._get(f"{_vehicle_path(vehicle_id)}/status"))

    async def get_last_position(self, vehicle_id: str) -> Position | None:
        """``/lastPosition`` (GeoJSON); None when it holds no usable point."""
        path = f"{_vehicle_path(vehicle_id)}/lastPosition"
        return self._parse(parse_position, await self._get(path, accept=GEO_JSON))

    async def get_maintenance(self, vehicle_id: str) -> Maintenance:
        """``/maintenance``: days and distance before the next service."""
        return self._parse(
            parse_maintenance, await self._get(f"{_vehicle_path(vehicle_id)}/maintenance")
        )

    async def get_alerts(self, vehicle_id: str) -> list[Alert]:
        """Alerts; none (not an error) when the API has no data for this car."""
        try:
            return self._parse(parse_alerts, await self._get(f"{_vehicle_path(vehicle_id)}/alerts"))
        except PSANoDataError:
            return []

    async def get_trips(self, vehicle_id: str, *, since: datetime | None = None) -> list[Trip]:
        """Trips of at least 0.1 km (stopped after ``since``, when given), oldest first.

        Every page is followed (``MAX_PAGES`` at most; a token seen before ends it). "No trip
        was found" (404 40400) is an empty list. The API's order is not documented, so the
        trips are sorted by their end (those without one last).
        """
        filters = {"distance": "0.1-"}
        if since is not None:
            filters["timestamps"] = f"{_iso_utc(since)}/"
        path = f"{_vehicle_path(vehicle_id)}/trips"
        trips: list[Trip] = []
        params = filters
        seen: set[str] = set()
        for _ in range(MAX_PAGES):
            try:
                payload = await self._get(path, params)
            except PSANoDataError:
                break  # no trip (in the range), or none past the pages read
            page, token = self._parse(parse_trips_page, payload)
            trips.extend(page)
            if token is None or token in seen:
                break
            seen.add(token)
            params = {**filters, "pageToken": token}
        return sorted(trips, key=_stop_order)

    async def _get(
        self, path: str, params: Mapping[str, str] | None = None, *, accept: str = HAL_JSON
    ) -> dict[str, Any]:
        """GET with a valid token; one refresh and one retry after a 401, never a loop."""
        token = await self.auth.async_get_access_token()
        status, body, headers = await self._request(path, params, token, accept)
        if status == 401:
            _LOGGER.debug("API answered 401 on %s: refreshing the token once", path)
            token = await self.auth.refresh_rejected(token)
            status, body, headers = await self._request(path, params, token, accept)
            if status == 401:
                # The refresh itself succeeded, so the login is fine: a gateway hiccup.
                raise PSAConnectionError("The API refused a freshly refreshed token")
        return _result(status, body, headers)

    async def _request(
        self, path: str, params: Mapping[str, str] | None, token: str, accept: str
    ) -> tuple[int, Any, Mapping[str, str]]:
        headers = {
            "Authorization": f"Bearer {token}",
            "x-introspect-realm": self.auth.brand.realm,
            "Accept": accept,
        }
        query = {"client_id": self.auth.client_id, **(params or {})}
        try:
            async with self.session.get(
                f"{self.api_base_url}{path}", params=query, headers=headers, timeout=self._timeout
            ) as response:
                return response.status, decode_body(await response.read()), response.headers
        except (aiohttp.ClientError, TimeoutError) as err:
            raise PSAConnectionError(f"API unreachable: {type(err).__name__}") from err


def _iso_utc(moment: datetime) -> str:
    """RFC 3339 in UTC with a ``Z`` (a naive time is taken as UTC)."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _stop_order(trip: Trip) -> tuple[bool, datetime]:
    """Sort key: by end time, the trips without one last."""
    return (trip.stopped_at is None, trip.stopped_at or datetime.min.replace(tzinfo=UTC))


def _vehicle_path(vehicle_id: str) -> str:
    return f"/user/vehicles/{quote(vehicle_id, safe='')}"


def _result(status: int, body: Any, headers: Mapping[str, str]) -> dict[str, Any]:
    if status == 200:
        if not isinstance(body, dict):
            raise PSAConnectionError("The API sent a malformed response")
        return body
    raise _api_error(status, body if isinstance(body, dict) else {}, headers)


def _api_error(status: int, body: Mapping[str, Any], headers: Mapping[str, str]) -> PSAError:
    """The error of a failed response, typed by status and business code.

    Business errors ``{code, message}``, spec errors ``{code, debug, message}`` and the
    gateway's ``{httpMessage, moreInformation}`` alike.
    """
    code = body.get("code")
    message = str(
        body.get("message")
        or " - ".join(str(body[key]) for key in ("httpMessage", "moreInformation") if key in body)
        or f"HTTP {status}"
    )[:300]
    if status == 404 and str(code) == "40400":
        return PSANoDataError(status, 40400, message)
    if status == 429:
        return PSARateLimitError(message, retry_after_seconds(headers))
    if status >= 500:
        return PSAConnectionError(f"HTTP {status}: {message}")
    return PSAApiError(status, code if isinstance(code, int | str) else None, message)
