"""The mutable state of one simulator: account, tokens, codes, vehicles, faults, stats, clock."""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Iterable, Mapping
import copy
from dataclasses import dataclass, field, fields, replace
import hashlib
import random
import re
from typing import Any, cast
import uuid

from aiohttp import web

from .config import (
    FAULT_KINDS,
    PASSWORD_REFUSALS,
    FaultConfig,
    PasswordRefusal,
    ReplyDelays,
    SimulatorConfig,
)
from .const import (
    BRANDS,
    CUSTOMER_ID_PREFIXES,
    DEFAULT_MAX_DEVICES,
    DEMO_BRAND,
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    DEMO_COUNTRY,
    DEMO_CUSTOMER_ID,
    DEMO_PASSWORD,
    DEMO_PIN,
    DEMO_USERNAME,
    ENDPOINTS,
    SimBrand,
)
from .demo import DEMO_USER, demo_vehicles
from .remote.pairing import RemotePairing
from .remote.tokens import RemoteTokens
from .vehicles import (
    EventSettings,
    NextFinal,
    PayloadContext,
    ScenarioError,
    SimVehicle,
    make_vehicle_id,
    parse_services,
    vehicle_from_spec,
)

GRANTS = ("password", "authorization_code", "refresh_token")


@dataclass(kw_only=True)
class Account:
    """The one account a simulator serves, and the app credentials it accepts."""

    brand: SimBrand
    country: str
    username: str
    password: str
    client_id: str
    client_secret: str
    account_id: str
    user: dict[str, Any]
    # Remote services (remote-commands.md §2, §3): the MQTT customer id, the brand app's PIN,
    # how many devices may be paired, and whether car-associations answers [] (sv#98).
    customer_id: str = DEMO_CUSTOMER_ID
    pin: str = field(default=DEMO_PIN, repr=False)
    max_devices: int = DEFAULT_MAX_DEVICES
    empty_car_associations: bool = False

    @property
    def redirect_uri(self) -> str:
        """The only redirect URI the identity server accepts."""
        return self.brand.redirect_uri(self.country)


@dataclass(kw_only=True)
class AccessToken:
    """An issued access token."""

    value: str
    client_id: str
    grant_id: str
    scope: str
    expires_at: float
    revoked: bool = False


@dataclass(kw_only=True)
class RefreshToken:
    """A live refresh token (rotated ones are deleted)."""

    value: str
    client_id: str
    grant_id: str
    scope: str
    expires_at: float | None


@dataclass(kw_only=True)
class AuthCode:
    """An authorization code waiting to be exchanged."""

    value: str
    client_id: str
    redirect_uri: str
    scope: str
    expires_at: float
    code_challenge: str | None = None
    code_challenge_method: str | None = None


@dataclass(kw_only=True)
class Stats:
    """Request counters for ``GET /_simulator/stats``."""

    requests: Counter[str] = field(default_factory=Counter)
    token_requests: Counter[str] = field(default_factory=Counter)
    token_in_flight: int = 0
    max_concurrent_token_requests: int = 0

    def as_dict(self) -> dict[str, Any]:
        """The JSON body of ``GET /_simulator/stats``."""
        token_requests = dict.fromkeys(GRANTS, 0) | dict(self.token_requests)
        return {
            "requests": dict(self.requests),
            "token_requests": token_requests,
            "max_concurrent_token_requests": self.max_concurrent_token_requests,
        }


def demo_account() -> Account:
    """The default account (constants in ``psa_simulator.const``)."""
    return Account(
        brand=BRANDS[DEMO_BRAND],
        country=DEMO_COUNTRY,
        username=DEMO_USERNAME,
        password=DEMO_PASSWORD,
        client_id=DEMO_CLIENT_ID,
        client_secret=DEMO_CLIENT_SECRET,
        account_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"psa-simulator:{DEMO_USERNAME}")),
        user=dict(DEMO_USER),
    )


CUSTOMER_ID = re.compile(r"[A-Z]{2}-[A-Za-z0-9]{1,40}")
PIN = re.compile(r"[0-9]{4,8}")


def _remote_fields(spec: Mapping[str, Any], brand: SimBrand, username: str) -> dict[str, Any]:
    """``customer_id``, ``pin``, ``max_devices``, ``empty_car_associations`` of a scenario."""
    digits = int(hashlib.sha256(username.encode()).hexdigest(), 16) % 10**11
    customer_id = spec.get("customer_id", f"{CUSTOMER_ID_PREFIXES[brand.key]}-ACNT2{digits:011d}")
    if not isinstance(customer_id, str) or not CUSTOMER_ID.fullmatch(customer_id):
        raise ScenarioError("account: 'customer_id' must look like AP-ACNT200000000042")
    pin = spec.get("pin", DEMO_PIN)
    if not isinstance(pin, str) or not PIN.fullmatch(pin):
        raise ScenarioError("account: 'pin' must be a string of 4 to 8 digits")
    max_devices = spec.get("max_devices", DEFAULT_MAX_DEVICES)
    if isinstance(max_devices, bool) or not isinstance(max_devices, int) or max_devices < 1:
        raise ScenarioError("account: 'max_devices' must be a positive integer")
    empty = spec.get("empty_car_associations", False)
    if not isinstance(empty, bool):
        raise ScenarioError("account: 'empty_car_associations' must be true or false")
    return {
        "customer_id": customer_id,
        "pin": pin,
        "max_devices": max_devices,
        "empty_car_associations": empty,
    }


def account_from_scenario(spec: Any) -> Account:
    """Read the ``account`` object of a scenario."""
    if not isinstance(spec, Mapping):
        raise ScenarioError("the scenario needs an 'account' object")
    missing = [
        key
        for key in ("brand", "username", "password", "client_id", "client_secret")
        if not isinstance(spec.get(key), str) or not spec.get(key)
    ]
    if missing:
        raise ScenarioError(f"account: missing or empty {', '.join(missing)}")
    brand = BRANDS.get(str(spec["brand"]).lower())
    if brand is None:
        raise ScenarioError(f"account: unknown brand, use one of {', '.join(BRANDS)}")
    username = str(spec["username"])
    user = spec.get("user", {"email": username})
    if not isinstance(user, Mapping):
        raise ScenarioError("account: 'user' must be an object")
    return Account(
        brand=brand,
        country=str(spec.get("country") or brand.default_country).upper(),
        username=username,
        password=str(spec["password"]),
        client_id=str(spec["client_id"]),
        client_secret=str(spec["client_secret"]),
        account_id=str(
            spec.get("account_id") or uuid.uuid5(uuid.NAMESPACE_URL, f"psa-simulator:{username}")
        ),
        user=dict(user),
        **_remote_fields(spec, brand, username),
    )


class SimulatorState:
    """Everything one simulator knows; the handlers and the control API both drive it."""

    def __init__(self, config: SimulatorConfig) -> None:
        config.validate()
        self.config = config
        self.time_offset = 0.0
        scenario = config.load_scenario()
        if scenario is None:
            self.account = demo_account()
            self.vehicles: list[SimVehicle] = demo_vehicles()
        else:
            self.account = account_from_scenario(scenario.get("account"))
            specs = scenario.get("vehicles", [])
            if not isinstance(specs, list):
                raise ScenarioError("'vehicles' must be a list")
            self.vehicles = []
            for spec in specs:
                self.add_vehicle(spec)
        self.password_grant = config.password_grant
        self.password_refusal = config.password_refusal
        self.access_tokens: dict[str, AccessToken] = {}
        self.refresh_tokens: dict[str, RefreshToken] = {}
        self.codes: dict[str, AuthCode] = {}
        self.stats = Stats()
        self.faults = replace(config.faults)
        self.rng = random.Random(config.seed)
        self.rate_limited_until = 0.0
        if self.faults.rate_limit_seconds:
            self.rate_limited_until = self.now() + self.faults.rate_limit_seconds
        self.forced_faults: deque[str] = deque()
        self.omit_embedded_calls = 0
        self.remote_tokens = RemoteTokens(now=self.now)
        self.remote_pairing = RemotePairing(now=self.now)

    # --- clock ---------------------------------------------------------------------------

    def now(self) -> float:
        """Simulator time: the configured clock plus the advanced offset."""
        return self.config.clock() + self.time_offset

    def advance(self, seconds: float) -> float:
        """Move simulator time forward (tokens expire, the demo moves); returns the new now."""
        if seconds < 0:
            raise ValueError("time only moves forward")
        self.time_offset += seconds
        return self.now()

    # --- tokens and codes ----------------------------------------------------------------

    def issue_tokens(
        self, client_id: str, scope: str, grant_id: str | None = None
    ) -> tuple[AccessToken, RefreshToken]:
        """A new access/refresh pair; ``grant_id`` ties a refresh chain together."""
        grant_id = grant_id or str(uuid.uuid4())
        now = self.now()
        access = AccessToken(
            value=str(uuid.uuid4()),
            client_id=client_id,
            grant_id=grant_id,
            scope=scope,
            expires_at=now + self.config.access_token_lifetime,
        )
        lifetime = self.config.refresh_token_lifetime
        refresh = RefreshToken(
            value=str(uuid.uuid4()),
            client_id=client_id,
            grant_id=grant_id,
            scope=scope,
            expires_at=None if lifetime is None else now + lifetime,
        )
        self.access_tokens[access.value] = access
        self.refresh_tokens[refresh.value] = refresh
        return access, refresh

    def valid_access_token(self, value: str) -> AccessToken | None:
        """The access token if it exists, is not revoked and has not expired."""
        token = self.access_tokens.get(value)
        if token is None or token.revoked or token.expires_at <= self.now():
            return None
        return token

    def take_refresh_token(self, value: str, client_id: str) -> RefreshToken | None:
        """Consume a refresh token for rotation; None when it is dead or not this client's."""
        token = self.refresh_tokens.get(value)
        if token is None or token.client_id != client_id:
            return None
        del self.refresh_tokens[value]
        if token.expires_at is not None and token.expires_at <= self.now():
            return None
        return token

    def revoke_token(self, value: str, client_id: str) -> None:
        """RFC 7009: a refresh token takes its whole grant down; an access token only itself."""
        refresh = self.refresh_tokens.get(value)
        if refresh is not None and refresh.client_id == client_id:
            del self.refresh_tokens[value]
            for access in self.access_tokens.values():
                if access.grant_id == refresh.grant_id:
                    access.revoked = True
            return
        token = self.access_tokens.get(value)
        if token is not None and token.client_id == client_id:
            token.revoked = True

    def revoke_all_refresh_tokens(self) -> int:
        """Kill every refresh token (the user must log in again); returns how many."""
        count = len(self.refresh_tokens)
        self.refresh_tokens.clear()
        return count

    def expire_all_access_tokens(self) -> int:
        """Make every access token expired now (the next API call gets a 401)."""
        now = self.now()
        live = [token for token in self.access_tokens.values() if token.expires_at > now]
        for token in live:
            token.expires_at = now
        return len(live)

    def create_code(
        self,
        *,
        client_id: str,
        redirect_uri: str,
        scope: str,
        code_challenge: str | None,
        code_challenge_method: str | None,
    ) -> str:
        """A new single-use authorization code (a 36-char UUID)."""
        code = AuthCode(
            value=str(uuid.uuid4()),
            client_id=client_id,
            redirect_uri=redirect_uri,
            scope=scope,
            expires_at=self.now() + self.config.code_lifetime,
            code_challenge=code_challenge,
            code_challenge_method=code_challenge_method,
        )
        self.codes[code.value] = code
        return code.value

    def find_code(self, value: str, client_id: str) -> AuthCode | None:
        """The code if it is live and was issued to this client (not consumed)."""
        code = self.codes.get(value)
        if code is None or code.client_id != client_id or code.expires_at <= self.now():
            return None
        return code

    def consume_code(self, value: str) -> None:
        """Codes are single-use."""
        self.codes.pop(value, None)

    def set_password_grant(self, enabled: bool, refusal: str | None = None) -> None:
        """Switch the password grant on or off (and how it is refused)."""
        if refusal is not None:
            if refusal not in PASSWORD_REFUSALS:
                raise ValueError(f"refusal must be one of {PASSWORD_REFUSALS}")
            self.password_refusal = cast(PasswordRefusal, refusal)
        self.password_grant = enabled

    # --- vehicles ------------------------------------------------------------------------

    def vehicle_by_id(self, vehicle_id: str) -> SimVehicle | None:
        """The vehicle with this API id."""
        return next((v for v in self.vehicles if v.id == vehicle_id), None)

    def vehicle(self, vin: str) -> SimVehicle:
        """The vehicle with this VIN; KeyError when there is none."""
        for vehicle in self.vehicles:
            if vehicle.vin == vin:
                return vehicle
        raise KeyError(vin)

    def add_vehicle(self, spec: Mapping[str, Any] | SimVehicle) -> SimVehicle:
        """Add a car (scenario-style spec, served verbatim); replaces one with the same VIN."""
        vehicle = spec if isinstance(spec, SimVehicle) else vehicle_from_spec(spec)
        if any(v.id == vehicle.id and v.vin != vehicle.vin for v in self.vehicles):
            raise ScenarioError(f"vehicle id {vehicle.id} is already used by another VIN")
        self.vehicles = [v for v in self.vehicles if v.vin != vehicle.vin] + [vehicle]
        return vehicle

    def remove_vehicle(self, vin: str) -> None:
        """Take a car off the account."""
        self.vehicles.remove(self.vehicle(vin))

    def change_vehicle_id(self, vin: str, new_id: str | None = None) -> str:
        """Give a car a new API id (same VIN), as the real API sometimes does."""
        vehicle = self.vehicle(vin)
        if new_id is None:
            vehicle.id_generation += 1
            new_id = make_vehicle_id(vin, vehicle.id_generation)
        if "/" in new_id or any(v.id == new_id and v is not vehicle for v in self.vehicles):
            raise ValueError("the new id must be unique and contain no '/'")
        vehicle.id = new_id
        return new_id

    def omit_embedded(self, count: int) -> None:
        """The next ``count`` vehicle lists come without ``_embedded`` (seen in production)."""
        self.omit_embedded_calls = max(0, count)

    def set_status(self, vin: str, payload: Any) -> None:
        """Serve this status payload verbatim (None: back to the normal source)."""
        self.vehicle(vin).status_override = copy.deepcopy(payload)

    def set_trips(self, vin: str, trips: Any) -> None:
        """Serve these trips (a list: filtered and paged; None: back to the normal source)."""
        self.vehicle(vin).trips_override = copy.deepcopy(trips)

    def patch_status(
        self, vin: str, *, drop: Iterable[str] = (), set_blocks: Mapping[str, Any] | None = None
    ) -> None:
        """Remove top-level blocks from, and replace blocks of, every status served."""
        vehicle = self.vehicle(vin)
        vehicle.status_drop.update(drop)
        vehicle.status_set.update(copy.deepcopy(dict(set_blocks or {})))

    def serve_snapshot_at(self, vin: str, at: float, api_base: str = "") -> None:
        """Freeze the status to what the car reported at time ``at`` (an older snapshot)."""
        vehicle = self.vehicle(vin)
        saved, vehicle.status_override = vehicle.status_override, None
        try:
            snapshot = vehicle.payload("status", PayloadContext(at, api_base, vehicle.id))
        finally:
            vehicle.status_override = saved
        vehicle.status_override = snapshot

    def set_no_data(
        self, vin: str, endpoints: Iterable[str] | None = None, enabled: bool = True
    ) -> None:
        """Make endpoints answer 404 40400 (all of them when ``endpoints`` is None)."""
        chosen = set(ENDPOINTS if endpoints is None else endpoints)
        if unknown := chosen - set(ENDPOINTS):
            raise ValueError(f"unknown endpoints {sorted(unknown)}; use {ENDPOINTS}")
        vehicle = self.vehicle(vin)
        if enabled:
            vehicle.no_data |= chosen
        else:
            vehicle.no_data -= chosen

    def reset_vehicle(self, vin: str) -> None:
        """Drop every override of one car."""
        self.vehicle(vin).reset_overrides()

    # --- remote services of the cars (the MQTT side) -------------------------------------

    def set_remote_services(self, vin: str, services: list[str] | None) -> frozenset[str]:
        """The car's subscription (None: all its motorization allows); the services in force."""
        vehicle = self.vehicle(vin)
        vehicle.remote = None if services is None else parse_services(services, vin)
        return vehicle.remote_services()

    def set_asleep(self, vin: str, asleep: bool) -> None:
        """Asleep/offline: commands end 900 -> 901 -> 300 until it is awake again."""
        self.vehicle(vin).asleep = asleep

    def set_reply_delays(self, vin: str, **delays: float) -> ReplyDelays:
        """Change some of the car's reply delays (``ReplyDelays`` fields); the delays in force."""
        vehicle = self.vehicle(vin)
        known = {f.name for f in fields(ReplyDelays)}
        if unknown := set(delays) - known:
            raise ValueError(f"unknown reply delays {sorted(unknown)}; use {sorted(known)}")
        updated = replace(vehicle.reply_delays or self.config.reply_delays, **delays)
        updated.validate()
        vehicle.reply_delays = updated
        return updated

    def set_next_final(self, vin: str, final: NextFinal | None) -> None:
        """Force the final reply of the car's next command (None: no forcing)."""
        self.vehicle(vin).next_final = final

    def set_event_settings(self, vin: str, **changes: Any) -> EventSettings:
        """Change how the car's push events go (``EventSettings`` fields); the settings now."""
        vehicle = self.vehicle(vin)
        known = {f.name for f in fields(EventSettings)}
        if unknown := set(changes) - known:
            raise ValueError(f"unknown event settings {sorted(unknown)}; use {sorted(known)}")
        updated = replace(vehicle.events, **changes)
        updated.validate()
        vehicle.events = updated
        return updated

    # --- faults and stats ----------------------------------------------------------------

    def set_faults(self, **changes: Any) -> FaultConfig:
        """Change fault settings (FaultConfig field names); ``seed`` reseeds the generator."""
        if "seed" in changes:
            self.rng.seed(changes.pop("seed"))
        known = {f.name for f in fields(FaultConfig)}
        if unknown := set(changes) - known:
            raise ValueError(f"unknown fault settings {sorted(unknown)}")
        updated = replace(self.faults, **changes)
        updated.validate()
        self.faults = updated
        if "rate_limit_seconds" in changes:
            self.rate_limit(updated.rate_limit_seconds)
        return updated

    def rate_limit(self, seconds: float) -> None:
        """Answer every API request with 429 for ``seconds`` of simulator time (0 stops it)."""
        self.rate_limited_until = self.now() + seconds if seconds > 0 else 0.0

    def force_faults(self, kind: str, count: int = 1) -> None:
        """The next ``count`` requests in fault scope fail with ``kind``."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"kind must be one of {FAULT_KINDS}")
        self.forced_faults.extend([kind] * count)

    def reset_faults(self) -> None:
        """No faults at all, the generator reseeded with the configured seed."""
        self.faults = FaultConfig()
        self.rng.seed(self.config.seed)
        self.rate_limited_until = 0.0
        self.forced_faults.clear()

    def reset_stats(self) -> None:
        """Zero every counter (requests in flight stay counted)."""
        in_flight = self.stats.token_in_flight
        self.stats = Stats(token_in_flight=in_flight)


STATE: web.AppKey[SimulatorState] = web.AppKey("psa_simulator_state", SimulatorState)
"""Where ``create_app`` keeps the state: ``app[STATE]``."""
