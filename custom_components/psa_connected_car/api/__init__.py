"""Async client of the PSA / Stellantis Connected Car B2C API v4 (no Home Assistant import).

Usage::

    auth = PSAAuth(session, BRANDS["peugeot"], "FR", client_id, client_secret,
                   on_token_update=save)
    await auth.login_password(email, password)        # or login_code(pasted, request)
    client = PSAClient(session, auth)
    for vehicle in await client.get_vehicles():
        status = await client.get_status(vehicle.id)

Modules: ``auth`` (OAuth2), ``client`` (the endpoints), ``http`` (response helpers),
``parsers`` (payload -> model, never raises), ``models`` (frozen dataclasses), ``derived``
(what follows from a vehicle's data), ``brands`` and ``exceptions``. Typed (``py.typed``).
"""

from .auth import PSAAuth
from .brands import API_BASE_URL, BRANDS, Brand
from .client import PSAClient
from .derived import (
    ELECTRIC,
    FUEL,
    EnergyKind,
    active_alerts,
    alert_is_active,
    charging_end_time,
    delayed_charge_start,
    is_active,
    last_update,
    location_accuracy,
    snake,
    vehicle_energies,
)
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
    STATUS_BLOCKS,
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
    VehicleData,
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
    report_once,
)

__all__ = [
    "API_BASE_URL",
    "BRANDS",
    "ELECTRIC",
    "FUEL",
    "STATUS_BLOCKS",
    "Alarm",
    "Alert",
    "AuthorizationRequest",
    "AuxBattery",
    "Brand",
    "Charging",
    "Doors",
    "Energy",
    "EnergyKind",
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
    "VehicleData",
    "VehicleStatus",
    "active_alerts",
    "alert_is_active",
    "charging_end_time",
    "delayed_charge_start",
    "is_active",
    "last_update",
    "location_accuracy",
    "merge_status",
    "parse_alerts",
    "parse_maintenance",
    "parse_position",
    "parse_status",
    "parse_trips",
    "parse_user",
    "parse_vehicle",
    "parse_vehicles_page",
    "report_once",
    "snake",
    "vehicle_energies",
]
