"""Test doubles of the API client for the integration tests (no HTTP, no simulator).

``MockPSA`` replaces ``PSAAuth`` and ``PSAClient`` where the integration imports them. Its
account is plain model objects that a test edits: ``mock.vehicles``, ``mock.statuses``
(a status or an exception per vehicle id), ``mock.maintenance``, ``mock.alerts``,
``mock.trips`` (a list or an exception per vehicle id; none when absent).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from unittest.mock import AsyncMock, MagicMock, patch

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.device_registry import DeviceEntry
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.psa_connected_car.api.models import (
    Alert,
    AuthorizationRequest,
    Charging,
    Energy,
    Ignition,
    Kinetic,
    Maintenance,
    Odometer,
    TokenSet,
    Trip,
    User,
    Vehicle,
    VehicleStatus,
)
from custom_components.psa_connected_car.const import DOMAIN

VIN_1 = "VR3TESTCAR0000001"
VIN_2 = "VR3TESTCAR0000002"
VIN_3 = "VR3TESTCAR0000003"
ACCOUNT_ID = "account-subject-0001"
USERNAME = "driver@example.com"
PASSWORD = "correct horse"
CLIENT_ID = "test-client-id"
CLIENT_SECRET = "test-client-secret"
AUTHORIZE_URL = "https://idpcvs.peugeot.com/am/oauth2/authorize?client_id=test-client-id"
REDIRECT_URI = "mymap://oauth2redirect/fr"
T0 = datetime(2026, 3, 14, 8, 0, tzinfo=UTC)

TOKEN = TokenSet(
    access_token="access-token-1",
    refresh_token="refresh-token-1",
    expires_at=T0.timestamp() + 3600,
    id_token="id-token-1",
    scope="openid profile",
)
NEW_TOKEN = TokenSet(
    access_token="access-token-2",
    refresh_token="refresh-token-2",
    expires_at=T0.timestamp() + 7200,
    id_token="id-token-2",
    scope="openid profile",
)
AUTH_REQUEST = AuthorizationRequest(
    url=AUTHORIZE_URL, state="state-1", code_verifier="verifier-1", redirect_uri=REDIRECT_URI
)


def entry_data(**changes: Any) -> dict[str, Any]:
    """The data of a password-method entry, with ``changes`` applied (None removes a key)."""
    data: dict[str, Any] = {
        "brand": "peugeot",
        "country": "FR",
        "username": USERNAME,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "token": TOKEN.as_dict(),
        "auth_method": "password",
        "password": PASSWORD,
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def create_entry(**changes: Any) -> MockConfigEntry:
    return MockConfigEntry(
        domain=DOMAIN,
        title=f"Peugeot ({USERNAME})",
        unique_id=ACCOUNT_ID,
        data=entry_data(**changes),
        entry_id="01TESTENTRY0000000000000001",
    )


def make_vehicle(vin: str = VIN_1, **changes: Any) -> Vehicle:
    values: dict[str, Any] = {
        "id": f"id-{vin[-4:]}",
        "vin": vin,
        "brand": "Peugeot",
        "motorization": "Electric",
        "pictures": (f"https://pictures.example.com/{vin[-4:]}/001.png",),
        "raw": {"id": f"id-{vin[-4:]}", "vin": vin, "motorization": "Electric"},
    }
    values.update(changes)
    return Vehicle(**values)


def make_status(
    *,
    level: float = 80.0,
    at: datetime = T0,
    charging: str = "Disconnected",
    moving: bool = False,
    ignition: str = "Stop",
    mileage: float = 12345.0,
) -> VehicleStatus:
    """A BEV status whose blocks all carry ``at``."""
    return VehicleStatus(
        updated_at=at,
        electric=Energy(
            type="Electric",
            updated_at=at,
            level=level,
            autonomy=level * 3,
            charging=Charging(status=charging, plugged=charging != "Disconnected"),
        ),
        ignition=Ignition(updated_at=at, type=ignition),
        kinetic=Kinetic(updated_at=at, moving=moving, speed=50.0 if moving else 0.0),
        odometer=Odometer(updated_at=at, mileage=mileage),
        raw={"createdAt": at.isoformat(), "energies": [{"type": "Electric", "level": level}]},
    )


@dataclass
class MockPSA:
    """Patched ``PSAAuth``/``PSAClient``: one shared auth and client mock, and the account."""

    auth: MagicMock
    client: MagicMock
    auth_cls: MagicMock
    client_cls: MagicMock
    vehicles: list[Vehicle] = field(default_factory=list)
    statuses: dict[str, VehicleStatus | Exception] = field(default_factory=dict)
    maintenance: Maintenance | Exception = field(
        default_factory=lambda: Maintenance(days_before=200, distance_before=15000.0)
    )
    alerts: list[Alert] | Exception = field(default_factory=list)
    trips: dict[str, list[Trip] | Exception] = field(default_factory=dict)
    login_errors: list[Exception] = field(default_factory=list)  # raised by the next logins
    check_errors: list[Exception] = field(default_factory=list)  # by the next client checks

    def trips_calls(self, vehicle_id: str | None = None) -> int:
        calls = self.client.get_trips.await_args_list
        return sum(1 for call in calls if vehicle_id in (None, call.args[0]))

    def status_calls(self, vehicle_id: str | None = None) -> int:
        calls = self.client.get_status.await_args_list
        return sum(1 for call in calls if vehicle_id in (None, call.args[0]))

    async def rotate_token(self, token: TokenSet = NEW_TOKEN) -> None:
        """What PSAAuth does after a refresh: hand the new token to ``on_token_update``."""
        callback = self.auth_cls.call_args.kwargs["on_token_update"]
        self.auth.token = token
        await callback(token)


def _answer(value: Any) -> Any:
    if isinstance(value, Exception):
        raise value
    return value


def list_or_error(answers: dict[str, Any], vehicle_id: str) -> Any:
    """A copy of the vehicle's list (the caller may keep it), its exception, or none."""
    answer = answers.get(vehicle_id, [])
    return answer if isinstance(answer, Exception) else list(answer)


def build_mock_psa() -> MockPSA:
    auth = MagicMock(name="PSAAuth()")
    client = MagicMock(name="PSAClient()")
    mock = MockPSA(
        auth=auth,
        client=client,
        auth_cls=MagicMock(name="PSAAuth"),
        client_cls=MagicMock(name="PSAClient", return_value=client),
        vehicles=[make_vehicle(VIN_1), make_vehicle(VIN_2, motorization="Hybrid")],
    )
    mock.statuses = {vehicle.id: make_status() for vehicle in mock.vehicles}

    def _new_auth(*args: Any, **kwargs: Any) -> MagicMock:
        auth.token = kwargs.get("token")
        return auth

    async def _login(*args: Any, **kwargs: Any) -> TokenSet:
        if mock.login_errors:
            raise mock.login_errors.pop(0)
        auth.token = TOKEN
        return TOKEN

    async def _check_client() -> None:
        if mock.check_errors:
            raise mock.check_errors.pop(0)

    mock.auth_cls.side_effect = _new_auth
    auth.account_id = ACCOUNT_ID
    auth.login_password = AsyncMock(side_effect=_login)
    auth.login_code = AsyncMock(side_effect=_login)
    auth.check_client = AsyncMock(side_effect=_check_client)
    auth.create_authorization_request = MagicMock(return_value=AUTH_REQUEST)
    auth.revoke = AsyncMock(return_value=None)
    client.get_vehicles = AsyncMock(side_effect=lambda: _answer(list(mock.vehicles)))
    client.get_status = AsyncMock(side_effect=lambda vehicle_id: _answer(mock.statuses[vehicle_id]))
    client.get_maintenance = AsyncMock(side_effect=lambda vehicle_id: _answer(mock.maintenance))
    client.get_alerts = AsyncMock(side_effect=lambda vehicle_id: _answer(mock.alerts))
    client.get_trips = AsyncMock(
        side_effect=lambda vehicle_id, since=None: _answer(list_or_error(mock.trips, vehicle_id))
    )
    client.get_user = AsyncMock(return_value=User(email=USERNAME.upper()))
    return mock


def patch_psa(mock: MockPSA) -> Iterator[MockPSA]:
    """Patch the classes in the package and in the config flow for the test's duration."""
    with ExitStack() as stack:
        for module in (
            "custom_components.psa_connected_car",
            "custom_components.psa_connected_car.config_flow",
        ):
            stack.enter_context(patch(f"{module}.PSAAuth", mock.auth_cls))
            stack.enter_context(patch(f"{module}.PSAClient", mock.client_cls))
        yield mock


def get_device(hass: HomeAssistant, vin: str) -> DeviceEntry | None:
    """The device of ``vin`` (works on every supported Home Assistant version)."""
    registry = dr.async_get(hass)
    for entry in hass.config_entries.async_entries(DOMAIN):
        for device in dr.async_entries_for_config_entry(registry, entry.entry_id):
            if (DOMAIN, vin) in device.identifiers:
                return device
    return None


async def setup_integration(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Add ``entry`` and set it up, waiting until everything settled."""
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
