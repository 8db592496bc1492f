"""Values the entity platforms compute from a vehicle's data, and what they share.

Kept apart from the platforms so that the arithmetic (charging end, delayed start, freshness)
and the choice of entities per motorization can be unit-tested without Home Assistant.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo
from functools import partial
import re
from typing import Any, Literal, Protocol

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import callback
from homeassistant.helpers.entity import Entity

from .api.models import Alert, Energy, VehicleStatus
from .const import LOGGER
from .coordinator import PSADataUpdateCoordinator, VehicleData

type EnergyKind = Literal["electric", "fuel"]

ELECTRIC: EnergyKind = "electric"
FUEL: EnergyKind = "fuel"

# What each motorization carries. Hydrogen vans are plug-in fuel-cell hybrids: a traction
# battery that charges from the grid, plus a tank whose level comes as a Fuel energy.
_MOTORIZATION_ENERGIES: dict[str, frozenset[EnergyKind]] = {
    "electric": frozenset({ELECTRIC}),
    "hybrid": frozenset({ELECTRIC, FUEL}),
    "thermic": frozenset({FUEL}),
    "hydrogen": frozenset({ELECTRIC, FUEL}),
}

# A delayed-charge time this short means "no delay set" (PT0S and PT1M are what cars send).
_NO_DELAY = timedelta(minutes=1)

_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def snake(value: str) -> str:
    """``InProgress`` -> ``in_progress``: the form of every enum state we expose."""
    return _CAMEL_BOUNDARY.sub("_", value.strip()).replace(" ", "_").lower()


def vehicle_energies(data: VehicleData) -> frozenset[EnergyKind]:
    """The energies this vehicle runs on: from its motorization, else from what it reports.

    A BEV often carries a dummy Fuel energy (level 0 or absent): only a fuel energy with a
    level or a range counts when the motorization is unknown.
    """
    motorization = (data.vehicle.motorization or "").strip().lower()
    if motorization in _MOTORIZATION_ENERGIES:
        return _MOTORIZATION_ENERGIES[motorization]
    status = data.status
    if status is None:
        return frozenset({ELECTRIC, FUEL})
    found: set[EnergyKind] = set()
    if status.electric is not None:
        found.add(ELECTRIC)
    if status.fuel is not None and (status.fuel.level or status.fuel.autonomy):
        found.add(FUEL)
    return frozenset(found)


def charging_end_time(energy: Energy | None) -> datetime | None:
    """When the running charge ends: the block's own time plus the remaining time.

    The API counts ``remainingTime`` from the moment the car sent the block, not from now.
    """
    if energy is None or energy.charging is None or energy.updated_at is None:
        return None
    charging = energy.charging
    if charging.status != "InProgress" or charging.remaining_time is None:
        return None
    return energy.updated_at + charging.remaining_time


def delayed_charge_start(energy: Energy | None, time_zone: tzinfo) -> datetime | None:
    """The next start of the delayed charge after the block's time, None when no delay is set.

    ``nextDelayedTime`` is a time of day (a duration since local midnight, set by the owner in
    the app), so it is placed on the wall clock of ``time_zone``, which keeps it right across
    daylight-saving changes.
    """
    if energy is None or energy.charging is None or energy.updated_at is None:
        return None
    delay = energy.charging.next_delayed_time
    if delay is None or delay <= _NO_DELAY or delay >= timedelta(days=1):
        return None
    minutes = int(delay.total_seconds()) // 60
    at = time(minutes // 60, minutes % 60)
    local = energy.updated_at.astimezone(time_zone)
    start = datetime.combine(local.date(), at, tzinfo=time_zone)
    if start <= local:
        start = datetime.combine(local.date() + timedelta(days=1), at, tzinfo=time_zone)
    return start


def block_times(status: VehicleStatus) -> Iterable[datetime | None]:
    """The timestamp of every block of a status, the root's included."""
    yield status.updated_at
    for block in (
        status.electric,
        status.fuel,
        status.position,
        status.ignition,
        status.battery,
        status.privacy,
        status.environment,
        status.odometer,
        status.kinetic,
        status.doors,
        status.preconditioning,
        status.alarm,
        status.engine,
    ):
        if block is not None:
            yield block.updated_at


def last_update(status: VehicleStatus | None) -> datetime | None:
    """The newest time the car sent anything: the root time or the newest block time."""
    if status is None:
        return None
    return max((moment for moment in block_times(status) if moment is not None), default=None)


def alert_is_active(alert: Alert) -> bool:
    """An alert without an ``active`` flag is active until it has an end."""
    if alert.active is not None:
        return alert.active
    return alert.ended_at is None


def active_alerts(alerts: list[Alert] | None) -> list[dict[str, str | None]] | None:
    """The active alerts as stable, translatable keys (``type``, ``severity``, ``started_at``)."""
    if alerts is None:
        return None
    return [
        {
            "type": snake(alert.type) if alert.type else None,
            "severity": snake(alert.severity) if alert.severity else None,
            "started_at": alert.started_at.isoformat() if alert.started_at else None,
        }
        for alert in alerts
        if alert_is_active(alert)
    ]


class ValueGuard:
    """Runs an entity's readers; one that raises on an odd payload makes the entity unavailable.

    Logged once at debug level (not at every update); the entity comes back as soon as a
    round of readings succeeds again.
    """

    def __init__(self, what: str) -> None:
        self._what = what
        self._failed_before = False
        self.failed = False

    def begin(self) -> None:
        """Start a round of readings (one per coordinator update)."""
        self._failed_before = self.failed
        self.failed = False

    def read[T](self, data: VehicleData | None, reader: Callable[[VehicleData], T]) -> T | None:
        """``reader(data)``, or None when there is no data or the reader raised."""
        if data is None:
            return None
        try:
            return reader(data)
        except Exception:  # any odd payload must only make this one entity unavailable
            if not (self._failed_before or self.failed):
                LOGGER.debug("Cannot read %s from the vehicle data", self._what, exc_info=True)
            self.failed = True
            return None


@dataclass(frozen=True, slots=True)
class EntityCandidate:
    """An entity a platform would add for a vehicle: its unique id and how to build it."""

    unique_id: str
    build: Callable[[], Entity]


def async_add_reported_entities(
    entry: ConfigEntry,
    coordinator: PSADataUpdateCoordinator,
    add: Callable[[list[Entity]], Any],
    candidates: Callable[[str, VehicleData], Iterable[EntityCandidate]],
) -> None:
    """Add each vehicle's entities now, and later when a vehicle or a data block appears.

    ``candidates`` yields what a vehicle's current data calls for; each unique id is added
    once. Entities are never removed here: data that stops coming shows as unknown. A vehicle
    that leaves the account loses its device and entities (the coordinator sees to it), so
    its ids are forgotten: if it comes back, it is built again.
    """
    added: dict[str, set[str]] = {}

    @callback
    def _add_new() -> None:
        vehicles = coordinator.data or {}
        for vin in [vin for vin in added if vin not in vehicles]:
            del added[vin]
        new: list[Entity] = []
        for vin, data in vehicles.items():
            known = added.setdefault(vin, set())
            for candidate in candidates(vin, data):
                if candidate.unique_id not in known:
                    known.add(candidate.unique_id)
                    new.append(candidate.build())
        if new:
            add(new)

    _add_new()
    entry.async_on_unload(coordinator.async_add_listener(_add_new))


class ReportedDescription(Protocol):
    """What a description needs to be picked for a vehicle (sensors and binary sensors)."""

    @property
    def key(self) -> str: ...
    @property
    def energy(self) -> EnergyKind | None: ...
    @property
    def exists_fn(self) -> Callable[[VehicleData], bool]: ...


def wanted(description: ReportedDescription, data: VehicleData) -> bool:
    """Whether a vehicle gets this entity: by motorization, then by what it reports."""
    if description.energy is not None and description.energy not in vehicle_energies(data):
        return False
    return description.exists_fn(data)


def async_add_described_entities[D: ReportedDescription](
    entry: ConfigEntry,
    coordinator: PSADataUpdateCoordinator,
    add: Callable[[list[Entity]], Any],
    descriptions: Iterable[D],
    build: Callable[[str, D], Entity],
) -> None:
    """``async_add_reported_entities`` for a platform's list of descriptions."""
    chosen = tuple(descriptions)

    def candidates(vin: str, data: VehicleData) -> Iterator[EntityCandidate]:
        for description in chosen:
            if wanted(description, data):
                yield EntityCandidate(f"{vin}_{description.key}", partial(build, vin, description))

    async_add_reported_entities(entry, coordinator, add, candidates)
