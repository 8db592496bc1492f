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
    Alarm,
    Alert,
    AuthorizationRequest,
    AuxBattery,
    Charging,
    Doors,
    Energy,
    Engine,
    Environment,
    Ignition,
    Kinetic,
    Maintenance,
    Odometer,
    Position,
    Preconditioning,
    Privacy,
    TokenSet,
    Trip,
    User,
    Vehicle,
    VehicleStatus,
)
from .parsers import (
    merge_status,
    parse_alerts,
    parse_maintenance,
    parse_position,
    parse_status,
    parse_trips,
    parse_user,
    parse_vehicle,
    parse_vehicles_page,
)

__all__ = [
    "API_BASE_URL",
    "BRANDS",
    "Alarm",
    "Alert",
    "AuthorizationRequest",
    "AuxBattery",
    "Brand",
    "Charging",
    "Doors",
    "Energy",
    "Engine",
    "Environment",
    "Ignition",
    "Kinetic",
    "Maintenance",
    "Odometer",
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
    "Preconditioning",
    "Privacy",
    "TokenSet",
    "Trip",
    "User",
    "Vehicle",
    "VehicleStatus",
    "merge_status",
    "parse_alerts",
    "parse_maintenance",
    "parse_position",
    "parse_status",
    "parse_trips",
    "parse_user",
    "parse_vehicle",
    "parse_vehicles_page",
]
