"""Response helpers shared by the identity server, the API and the control API."""

from __future__ import annotations

from collections.abc import Mapping
import json
from typing import Any
import uuid

from aiohttp import web

from .const import GATEWAY_401, HAL_JSON, NOT_FOUND_MESSAGES


def json_response(
    body: Any,
    status: int = 200,
    content_type: str = "application/json",
    headers: Mapping[str, str] | None = None,
) -> web.Response:
    """A JSON response with an exact content type (aiohttp's json_response adds a charset)."""
    return web.Response(
        body=json.dumps(body, ensure_ascii=False).encode(),
        status=status,
        headers={"Content-Type": content_type, **(headers or {})},
    )


def hal(body: Any, content_type: str = HAL_JSON) -> web.Response:
    """A successful API response."""
    return json_response(body, content_type=content_type)


NO_STORE: Mapping[str, str] = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def oauth_error(error: str, description: str, status: int = 400) -> web.Response:
    """An identity-server error: ``{"error": ..., "error_description": ...}``."""
    return json_response(
        {"error": error, "error_description": description},
        status=status,
        headers=NO_STORE,
    )


def gateway_unauthorized() -> web.Response:
    """The API gateway's 401 for a missing/unknown/expired token, realm or client id."""
    return json_response(GATEWAY_401, status=401)


def business_error(status: int, detail: int, message: str) -> web.Response:
    """An API business error: ``{"uuid", "code": <status><detail>, "message"}``."""
    body = {"uuid": str(uuid.uuid4()), "code": status * 100 + detail, "message": message}
    return json_response(body, status=status)


def not_found(what: str) -> web.Response:
    """404 with code 40400: the car has no data there (or the vehicle is unknown)."""
    return business_error(404, 0, NOT_FOUND_MESSAGES[what])


def bad_request(message: str) -> web.Response:
    """400 with code 40000."""
    return business_error(400, 0, f"Bad Request: {message}")
