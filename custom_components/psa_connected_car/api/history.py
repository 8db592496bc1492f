"""The charge history of one car: the energy put into its battery, and its charge sessions.

Pure (no I/O, no Home Assistant). The API reports no energy counter: the energy is the battery
level's rise between two statuses, times the usable capacity the car reports
(``Energy.battery_capacity``). A rise counts only when the older or the newer status is a
charge in progress, the newer one is not driving (regeneration) and its energy block is newer
than the level last accounted for (a stale snapshot counts nothing, and moves nothing). A drop
only moves the baseline, so the total never decreases.

A session opens when a charge in progress first appears and ends when the charge no longer is
in progress. Everything is in the ``EnergyMeter``, which the caller stores: each event comes
from one change of the meter, so it is reported once, a restart included.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
import math
from typing import Any, Literal

from .derived import charging_in_progress, driving
from .models import Energy, VehicleStatus

type ChargeEventType = Literal["charging_started", "charging_finished", "charging_interrupted"]

CHARGING_STARTED: ChargeEventType = "charging_started"
CHARGING_FINISHED: ChargeEventType = "charging_finished"
CHARGING_INTERRUPTED: ChargeEventType = "charging_interrupted"
CHARGE_EVENT_TYPES: tuple[ChargeEventType, ...] = (
    CHARGING_STARTED,
    CHARGING_FINISHED,
    CHARGING_INTERRUPTED,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class ChargeSession:
    """One charge: from the first status in progress to the first one that no longer is.

    ``energy`` (kWh) is what the level rose by during the session, times the capacity.
    ``end_status`` is the API's charging status that ended it (``Finished``, ``Stopped``…).
    ``observed_start`` is False when the charge was already running at the first status seen.
    """

    started_at: datetime
    start_level: float | None = None  # %
    start_range: float | None = None  # km
    ended_at: datetime | None = None
    end_level: float | None = None
    end_range: float | None = None
    energy: float = 0.0
    end_status: str | None = None
    observed_start: bool = True

    @property
    def range_per_hour(self) -> float | None:
        """Km of range gained per hour of the session; None until it ended, or unknown."""
        if self.ended_at is None or self.start_range is None or self.end_range is None:
            return None
        hours = (self.ended_at - self.started_at).total_seconds() / 3600
        if hours <= 0:
            return None
        return (self.end_range - self.start_range) / hours


@dataclass(frozen=True, slots=True, kw_only=True)
class EnergyMeter:
    """What the history knows of one car; a fresh meter has seen nothing."""

    total: float = 0.0  # kWh, never decreases
    level: float | None = None  # the last battery level accounted for, %
    level_at: datetime | None = None  # its energy block's time
    charging: bool = False  # whether that status was a charge in progress
    capacity: float | None = None  # Wh, the last one the car reported
    session: ChargeSession | None = None  # the charge in progress
    last_session: ChargeSession | None = None  # the last one that ended


@dataclass(frozen=True, slots=True)
class ChargeEvent:
    """A session started, finished or was interrupted (``session`` as it is at that moment)."""

    type: ChargeEventType
    session: ChargeSession


def observe(
    meter: EnergyMeter, status: VehicleStatus | None
) -> tuple[EnergyMeter, list[ChargeEvent]]:
    """The meter after this status, and the session events it brings (never raises)."""
    energy = status.electric if status is not None else None
    if status is None or energy is None:
        return meter, []
    block_at = _aware(energy.updated_at or status.updated_at)
    if block_at is None or (meter.level_at is not None and block_at < meter.level_at):
        return meter, []  # undated, or older than what is already accounted for
    in_progress = charging_in_progress(status)
    counted = _level_part(meter, status, energy, block_at, in_progress)
    counted = _energy_into_sessions(meter, counted, energy)
    return _session_part(meter, counted, energy, block_at, in_progress)


def _level_part(
    meter: EnergyMeter,
    status: VehicleStatus,
    energy: Energy,
    block_at: datetime,
    in_progress: bool,
) -> EnergyMeter:
    """The level rise of a newer energy block, counted when it came from a charge."""
    capacity = _positive(energy.battery_capacity) or meter.capacity
    if meter.level_at is not None and block_at == meter.level_at:
        return replace(meter, capacity=capacity)
    level = _level(energy.level)
    added = 0.0
    if (
        level is not None
        and meter.level is not None
        and level > meter.level
        and (meter.charging or in_progress)
        and not driving(status)
        and capacity is not None
    ):
        added = (level - meter.level) / 100 * capacity / 1000
    return replace(
        meter,
        total=meter.total + added,
        level=level if level is not None else meter.level,
        level_at=block_at,
        charging=in_progress,
        capacity=capacity,
    )


def _energy_into_sessions(before: EnergyMeter, after: EnergyMeter, energy: Energy) -> EnergyMeter:
    """The energy just counted goes to the open session.

    With none open but the older status charging, it is the tail of the charge that just
    ended (a push event ended the session before the status brought the last level): it goes
    to that session, whose end level and range move with it.
    """
    added = after.total - before.total
    if added <= 0:
        return after
    if before.session is not None:
        session = replace(before.session, energy=before.session.energy + added)
        return replace(after, session=session)
    last = before.last_session
    if before.charging and last is not None:
        autonomy = _range(energy.autonomy)
        last = replace(
            last,
            energy=last.energy + added,
            end_level=after.level,
            end_range=autonomy if autonomy is not None else last.end_range,
        )
        return replace(after, last_session=last)
    return after


def _session_part(
    before: EnergyMeter,
    meter: EnergyMeter,
    energy: Energy,
    block_at: datetime,
    in_progress: bool,
) -> tuple[EnergyMeter, list[ChargeEvent]]:
    """Open a session when a charge appears, close it when the charge is no longer on.

    The charging part has its own time when a push event wrote it; a session changes only on a
    charging state newer than its own last change.
    """
    charging = energy.charging
    if charging is None or charging.status is None:
        return meter, []
    at = _aware(charging.updated_at) or block_at
    session = meter.session
    if in_progress and session is None:
        last = meter.last_session
        if last is not None and last.ended_at is not None and at <= last.ended_at:
            return meter, []
        observed = before.level_at is not None  # False: the first status seen charges
        session = ChargeSession(
            started_at=at,
            start_level=meter.level,
            start_range=_range(energy.autonomy),
            observed_start=observed,
        )
        events = [ChargeEvent(CHARGING_STARTED, session)] if observed else []
        return replace(meter, session=session), events
    if in_progress or session is None or at <= session.started_at:
        return meter, []
    ended = replace(
        session,
        ended_at=at,
        end_level=meter.level,
        end_range=_range(energy.autonomy),
        end_status=charging.status,
    )
    kind = CHARGING_FINISHED if charging.status == "Finished" else CHARGING_INTERRUPTED
    return replace(meter, session=None, last_session=ended), [ChargeEvent(kind, ended)]


def _aware(moment: datetime | None) -> datetime | None:
    """The parsers stamp UTC; a naive time (made by hand) is taken as UTC too."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def finite_number(value: Any) -> float | None:
    """A finite number (not a bool), else None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:  # an int too large for a float
        return None
    return number if math.isfinite(number) else None


def _positive(value: Any) -> float | None:
    number = finite_number(value)
    return number if number is not None and number > 0 else None


def _level(value: Any) -> float | None:
    number = finite_number(value)
    return number if number is not None and 0 <= number <= 100 else None


def _range(value: Any) -> float | None:
    number = finite_number(value)
    return number if number is not None and number >= 0 else None


# Storage -------------------------------------------------------------------------------------


def meter_to_dict(meter: EnergyMeter) -> dict[str, Any]:
    """The meter as JSON values (``meter_from_dict`` reads it back)."""
    return {
        "total": meter.total,
        "level": meter.level,
        "level_at": iso_or_none(meter.level_at),
        "charging": meter.charging,
        "capacity": meter.capacity,
        "session": _session_to_dict(meter.session),
        "last_session": _session_to_dict(meter.last_session),
    }


def meter_from_dict(data: Any) -> EnergyMeter:
    """The stored meter; what is unreadable in it is left as in a fresh meter (never raises)."""
    if not isinstance(data, Mapping):
        return EnergyMeter()
    total = finite_number(data.get("total"))
    charging = data.get("charging")
    return EnergyMeter(
        total=total if total is not None and total >= 0 else 0.0,
        level=_level(data.get("level")),
        level_at=_time_from_text(data.get("level_at")),
        charging=charging if isinstance(charging, bool) else False,
        capacity=_positive(data.get("capacity")),
        session=_session_from_dict(data.get("session")),
        last_session=_session_from_dict(data.get("last_session")),
    )


def _session_to_dict(session: ChargeSession | None) -> dict[str, Any] | None:
    if session is None:
        return None
    return {
        "started_at": iso_or_none(session.started_at),
        "start_level": session.start_level,
        "start_range": session.start_range,
        "ended_at": iso_or_none(session.ended_at),
        "end_level": session.end_level,
        "end_range": session.end_range,
        "energy": session.energy,
        "end_status": session.end_status,
        "observed_start": session.observed_start,
    }


def _session_from_dict(data: Any) -> ChargeSession | None:
    """A stored session; None without a readable start time."""
    if not isinstance(data, Mapping):
        return None
    started_at = _time_from_text(data.get("started_at"))
    if started_at is None:
        return None
    energy = finite_number(data.get("energy"))
    end_status = data.get("end_status")
    observed = data.get("observed_start")
    return ChargeSession(
        started_at=started_at,
        start_level=_level(data.get("start_level")),
        start_range=_range(data.get("start_range")),
        ended_at=_time_from_text(data.get("ended_at")),
        end_level=_level(data.get("end_level")),
        end_range=_range(data.get("end_range")),
        energy=energy if energy is not None and energy >= 0 else 0.0,
        end_status=end_status if isinstance(end_status, str) else None,
        observed_start=observed if isinstance(observed, bool) else True,
    )


def iso_or_none(moment: datetime | None) -> str | None:
    """ISO 8601, None kept (for the stores and the event attributes)."""
    return moment.isoformat() if moment is not None else None


def _time_from_text(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return _aware(moment)
