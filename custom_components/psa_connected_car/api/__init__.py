"""Async client of the PSA / Stellantis Connected Car B2C API v4 (no Home Assistant import).

Usage::

    auth = PSAAuth(session, BRANDS["peugeot"], "FR", client_id, client_secret,
                   on_token_update=save)
    await auth.login_password(email, password)        # or login_code(pasted, request)
    client = PSAClient(session, auth)
    for vehicle in await client.get_vehicles():
        status = await client.get_status(vehicle.id)
"""

from .auth import PSAAuth
from .brands import API_BASE_URL, BRANDS, Brand
from .client import PSAClient
from .exceptions import (
    PSAApiError,
    PSAAuthError,
    PSAConnectionError,
    PSAError,
    PSAInvalidClientError,
    PSAInvalidCodeError,
    PSANoDataError,
    PSAPasswordGrantUnsupportedError,
    PSARateLimitError,
)
from .models import (
    Alert,
    AuthorizationRequest,
    Maintenance,
    Position,
    TokenSet,
    Trip,
    User,
    Vehicle,
    VehicleStatus,
)
from .parsers import merge_status

__all__ = [
    "API_BASE_URL",
    "BRANDS",
    "Alert",
    "AuthorizationRequest",
    "Brand",
    "Maintenance",
    "PSAApiError",
    "PSAAuth",
    "PSAAuthError",
    "PSAClient",
    "PSAConnectionError",
    "PSAError",
    "PSAInvalidClientError",
    "PSAInvalidCodeError",
    "PSANoDataError",
    "PSAPasswordGrantUnsupportedError",
    "PSARateLimitError",
    "Position",
    "TokenSet",
    "Trip",
    "User",
    "Vehicle",
    "VehicleStatus",
    "merge_status",
]
