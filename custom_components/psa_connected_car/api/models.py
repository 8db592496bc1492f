"""Typed models of the Connected Car API payloads.

Every field is optional: the cars send what they have. Each status block keeps its
own timestamp (``updated_at``) so that a stale block never overwrites a newer one
(see ``merge_status``). ``raw`` keeps the payload as received, for diagnostics.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    # Not at run time: api.remote imports api.auth, which imports this module.
    from .history import EnergyMeter
    from .remote.models import PreconditioningProgram

# Read-only, so it can be a dataclass default.
EMPTY: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True, slots=True, kw_only=True)
class TokenSet:
    """OAuth2 tokens of one account. ``expires_at`` is a POSIX timestamp."""

    access_token: str
    refresh_token: str
    expires_at: float
    id_token: str | None = None
    scope: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """Serialise for storage in a config entry."""
        return {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "expires_at": self.expires_at,
            "id_token": self.id_token,
            "scope": self.scope,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TokenSet:
        """Read back what ``as_dict`` wrote."""
        return cls(
            access_token=str(data["access_token"]),
            refresh_token=str(data["refresh_token"]),
            expires_at=float(data.get("expires_at") or 0),
            id_token=data.get("id_token"),
            scope=data.get("scope"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class AuthorizationRequest:
    """One authorization-code login attempt: the URL to open and what to check on return."""

    url: str
    state: str
    code_verifier: str
    redirect_uri: str


@dataclass(frozen=True, slots=True, kw_only=True)
class User:
    """``/user``: the account."""

    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    raw: Mapping[str, Any] = field(default=EMPTY, repr=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class Vehicle:
    """One vehicle of the account. Key it by ``vin``: the API ``id`` may change."""

    id: str
    vin: str
    brand: str | None = None
    label: str | None = None
    motorization: str | None = None  # Electric, Hybrid, Thermic, Hydrogen
    pictures: tuple[str, ...] = ()
    raw: Mapping[str, Any] = field(default=EMPTY, repr=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class Charging:
    """Charging state of the traction battery (inside the electric energy block)."""

    plugged: bool | None = None
    status: str | None = None  # Disconnected, InProgress, Failure, Stopped, Finished
    remaining_time: timedelta | None = None  # counted from the energy block's updated_at
    rate: float | None = None  # km of range gained per hour
    mode: str | None = None  # No, Slow, Quick
    next_delayed_time: timedelta | None = None  # delayed-charge start, since midnight
    power_level: str | None = None
    type: str | None = None  # Partial, Full
    # When a push event wrote this part (None: it is the REST block's, of the block's time).
    # The energy block keeps REST's time, which dates its level and range (events never write
    # those: their SoC lags, remote-commands.md §9).
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Energy:
    """One energy (``Electric`` or ``Fuel``), merged from ``energies[]`` and ``energy[]``."""

    type: str
    updated_at: datetime | None = None
    level: float | None = None  # %
    autonomy: float | None = None  # km
    charging: Charging | None = None
    battery_capacity: float | None = None  # Wh
    battery_residual: float | None = None  # Wh
    battery_health: float | None = None  # % (capacity, else resistance)
    consumption_total: float | None = None  # L (the API sends cL)
    consumption_instant: float | None = None  # L/100 km


@dataclass(frozen=True, slots=True, kw_only=True)
class Position:
    """GPS position: from ``status.lastPosition`` or ``/lastPosition``."""

    latitude: float
    longitude: float
    altitude: float | None = None
    heading: float | None = None
    updated_at: datetime | None = None
    type: str | None = None  # Acquire, Estimated
    signal_quality: float | None = None
    fix_status: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Ignition:
    """Ignition state."""

    updated_at: datetime | None = None
    type: str | None = None  # Stop, StartUp, Start, Free


@dataclass(frozen=True, slots=True, kw_only=True)
class AuxBattery:
    """12 V battery; ``state`` is a percentage per the spec (field ``voltage``)."""

    updated_at: datetime | None = None
    state: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Privacy:
    """Privacy mode the owner set: what the car shares."""

    updated_at: datetime | None = None
    state: str | None = None  # None, Geolocation, Full


@dataclass(frozen=True, slots=True, kw_only=True)
class Environment:
    """Outside readings: air temperature and daylight."""

    updated_at: datetime | None = None
    temperature: float | None = None  # °C, placeholder 215.0 becomes None
    daylight: bool | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Odometer:
    """Distance travelled."""

    updated_at: datetime | None = None
    mileage: float | None = None  # km


@dataclass(frozen=True, slots=True, kw_only=True)
class Kinetic:
    """Motion: moving, speed and acceleration."""

    updated_at: datetime | None = None
    moving: bool | None = None
    speed: float | None = None  # km/h
    acceleration: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Doors:
    """``doorsState``: lock states and each opening's state (True = open)."""

    updated_at: datetime | None = None
    locked_states: tuple[str, ...] = ()
    openings: Mapping[str, bool] = field(default_factory=dict)

    @property
    def locked(self) -> bool | None:
        """True when locked, False when any part is unlocked, None when unknown."""
        if not self.locked_states:
            return None
        return not any("unlocked" in state.lower() for state in self.locked_states)


@dataclass(frozen=True, slots=True, kw_only=True)
class Preconditioning:
    """Air-conditioning preconditioning and why it started or failed."""

    updated_at: datetime | None = None
    status: str | None = None  # Enabled, Disabled, Finished, Failure
    failure_cause: str | None = None
    starting_cause: str | None = None
    # The four slots as the car reports them, sent back as they are by a command.
    programs: tuple[PreconditioningProgram, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Alarm:
    """Anti-theft alarm."""

    updated_at: datetime | None = None
    active: bool | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Engine:
    """Thermic engine readings (placeholder 215.0 temperatures become None)."""

    updated_at: datetime | None = None
    coolant_temperature: float | None = None
    oil_temperature: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class VehicleStatus:
    """``/status``, block by block. A block the car did not send is None."""

    updated_at: datetime | None = None
    electric: Energy | None = None
    fuel: Energy | None = None
    position: Position | None = None
    ignition: Ignition | None = None
    battery: AuxBattery | None = None
    privacy: Privacy | None = None
    environment: Environment | None = None
    odometer: Odometer | None = None
    kinetic: Kinetic | None = None
    doors: Doors | None = None
    preconditioning: Preconditioning | None = None
    alarm: Alarm | None = None
    engine: Engine | None = None
    raw: Mapping[str, Any] = field(default=EMPTY, repr=False)


# The names of a status's blocks, each with its own ``updated_at`` (derived, never listed).
STATUS_BLOCKS: tuple[str, ...] = tuple(
    item.name for item in fields(VehicleStatus) if item.name not in ("raw", "updated_at")
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Maintenance:
    """``/maintenance``: what is left before the next service."""

    updated_at: datetime | None = None
    days_before: int | None = None
    distance_before: float | None = None  # km
    raw: Mapping[str, Any] = field(default=EMPTY, repr=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class Alert:
    """One item of ``/alerts``."""

    id: str | None = None
    type: str | None = None
    severity: str | None = None  # Information, Warning, Critical
    active: bool | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class TripEnergy:
    """What one energy of a trip did: its levels and what was used, in display units."""

    type: str  # Electric or Fuel
    start_level: float | None = None  # %
    end_level: float | None = None  # %
    consumption: float | None = None  # kWh (Electric) or L (Fuel)
    average: float | None = None  # kWh/100 km (Electric) or L/100 km (Fuel)


@dataclass(frozen=True, slots=True, kw_only=True)
class Trip:
    """One item of ``/trips`` (positions are not kept: nothing here needs them)."""

    id: str | None = None
    started_at: datetime | None = None
    stopped_at: datetime | None = None
    duration: float | None = None  # s
    distance: float | None = None  # km
    start_mileage: float | None = None
    done: bool | None = None
    avg_speed: float | None = None  # km/h
    max_speed: float | None = None  # km/h
    energies: tuple[TripEnergy, ...] = ()

    def energy(self, kind: str) -> TripEnergy | None:
        """The trip's ``Electric`` or ``Fuel`` energy, if it reported one."""
        return next((energy for energy in self.energies if energy.type == kind), None)


@dataclass(slots=True, kw_only=True)
class VehicleData:
    """All that is known of one vehicle: ``status`` is None until the car has sent data."""

    vehicle: Vehicle
    status: VehicleStatus | None = None
    maintenance: Maintenance | None = None
    alerts: list[Alert] | None = None
    charge: EnergyMeter | None = None  # the charge history (history.py), None until followed
    last_trip: Trip | None = None  # the newest trip seen (trip_history.py)
    raw: dict[str, Any] = field(default_factory=dict)  # latest raw payloads, for diagnostics
