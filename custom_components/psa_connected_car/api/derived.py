"""What follows from a vehicle's data: energies, charging times, freshness, activity, alerts, fix.

Pure functions of the models (no I/O, no Home Assistant): the integration's entities and its
polling plan read them, and they are unit-tested on models alone.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta, tzinfo
import re
from typing import Literal

from .models import STATUS_BLOCKS, Alert, Energy, Position, VehicleData, VehicleStatus

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

# Metres. An acquired GPS fix is good to a few metres; an estimated position (dead reckoning
# when the fix was lost) less so. Kept small: a large value widens the zones the car is in.
ACCURACY_ACQUIRED = 10
ACCURACY_ESTIMATED = 50


def location_accuracy(position: Position) -> int:
    """How far off the position may be, from how the car obtained it."""
    kind = (position.type or "").lower()
    # The API has spelled it Acquire and Aquire.
    return ACCURACY_ACQUIRED if kind in {"acquire", "aquire"} else ACCURACY_ESTIMATED


_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def snake(value: str) -> str:
    """``InProgress`` -> ``in_progress``: the form of every enum state the integration shows."""
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


def charging_in_progress(status: VehicleStatus | None) -> bool:
    """Whether the car reports a charge of its traction battery in progress."""
    energy = status.electric if status is not None else None
    charging = energy.charging if energy is not None else None
    return charging is not None and charging.status == "InProgress"


def is_active(status: VehicleStatus | None) -> bool:
    """Charging, moving or with the ignition on: worth polling often."""
    if status is None:
        return False
    if charging_in_progress(status):
        return True
    if status.kinetic is not None and status.kinetic.moving:
        return True
    ignition = status.ignition.type if status.ignition is not None else None
    return ignition is not None and ignition != "Stop"


def driving(status: VehicleStatus | None) -> bool:
    """Whether the car is being driven: ignition on and not standing still.

    Standing still is a speed of 0 or ``moving`` false; without either reading the ignition
    alone decides. A consumption read while not driving means nothing.
    """
    if status is None or status.ignition is None or status.ignition.type in (None, "Stop"):
        return False
    kinetic = status.kinetic
    if kinetic is None:
        return True
    if kinetic.speed is not None:
        return kinetic.speed > 0
    return kinetic.moving is not False


def charging_end_time(energy: Energy | None) -> datetime | None:
    """When the running charge ends: the block's own time plus the remaining time.

    The API counts ``remainingTime`` from the moment the car sent the block, not from now.
    """
    if energy is None or energy.charging is None:
        return None
    charging = energy.charging
    sent_at = charging.updated_at or energy.updated_at  # a push event's time, else REST's
    if sent_at is None or charging.status != "InProgress" or charging.remaining_time is None:
        return None
    return sent_at + charging.remaining_time


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


def last_update(status: VehicleStatus | None) -> datetime | None:
    """The newest time the car sent anything: the root time or the newest block time."""
    if status is None:
        return None
    blocks = (getattr(status, name) for name in STATUS_BLOCKS)
    times = [status.updated_at, *(block.updated_at for block in blocks if block is not None)]
    return max((moment for moment in times if moment is not None), default=None)


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
