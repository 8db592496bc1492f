"""Push events: the car's snapshots on ``…/events/MPHRTServices/<VIN>`` (remote-commands.md §9).

``parse_event`` reads one snapshot with its quirks mapped (the inverted cable flag, 635 minutes
while idle, the hour-34 unset program slots) and never raises. ``apply_event`` writes what an
event can be trusted with into a ``VehicleStatus``, under the freshness rule of
``parsers.merge_status``: events arrive late and out of order, and an older snapshot never moves
a value back. SoC and range are never written (they lag REST and spike, §9); a change there only
asks for a prompt REST fetch. Codes whose meaning is unknown (``hmi_state`` 0/4,
``precond_state.status`` 4, ...) are ignored, not guessed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Final

# The module, not its names: parsers imports api.remote (PreconditioningProgram), so while this
# package loads, parsers may be half-initialised. Its helpers are looked up at call time.
from .. import parsers
from ..models import Charging, Doors, Energy, Ignition, Preconditioning, VehicleStatus
from .models import PreconditioningProgram

EVENTS_TOPIC_PREFIX: Final = "psa/RemoteServices/events/MPHRTServices/"

_PLUGGED: Final[Mapping[int, bool]] = {0: True, 1: False}  # cable_detected is inverted
_IN_PROGRESS: Final[Mapping[int, bool]] = {1: True, 3: False}  # hmi_state 0 and 4: unknown
_LOCKED: Final[Mapping[int, bool]] = {1: True, 7: True, 0: False, 3: False}  # 7, 0: transient
_IGNITION_ON: Final[Mapping[int, bool]] = {0: False, 1: True, 2: True}  # 2: starting
_PRECONDITIONING: Final[Mapping[int, str]] = {0: "Disabled", 1: "Enabled", 2: "Finished"}
_FLAG: Final[Mapping[int, bool]] = {0: False, 1: True}
_PROGRAM_SLOTS: Final = (1, 2, 3, 4)
_DAYS: Final = 7  # Monday first
# Remaining time is not capped at 10 h 30 (§9), but a week is no charge: a placeholder.
_MAX_REMAINING: Final = 7 * 24 * 60
# SoC (%) and range (km) moved by at least this much ask for a fetch.
_MOVED: Final = 1.0
_ON_TYPE: Final = "Start"  # the ignition type written when an event says "on" (REST's name)


@dataclass(frozen=True, slots=True, kw_only=True)
class VehicleEvent:
    """One push snapshot of a car, its quirks mapped; a field the car did not send is None."""

    vin: str
    at: datetime | None  # the snapshot's ``date`` (UTC); it can be minutes old (§9)
    counter: int | None  # obj_counter: rises per event, 1 at session start
    reason: int | None  # 0 session start, 2 ignition, 3/4 charging, 5 doors, 6 network
    plugged: bool | None
    charging: bool | None  # True in progress, False complete, None unknown
    charge_finished: bool
    remaining_time: timedelta | None  # only while charging
    rate: float | None  # km of range per hour, only while charging
    delayed_start: timedelta | None  # the stored delayed-charge start, since midnight
    locked: bool | None
    ignition_on: bool | None
    preconditioning: str | None  # Disabled, Enabled, Finished
    programs: tuple[PreconditioningProgram, ...] | None  # the set slots; None when unknown
    soc: float | None  # lags REST and spikes: never written, only a reason to fetch
    autonomy: float | None  # km, same caveat
    fuel_level: float | None  # %, plug-in hybrids, same caveat


@dataclass(frozen=True, slots=True, kw_only=True)
class EventOutcome:
    """What an event did to a status, and whether a prompt REST status fetch is wanted."""

    status: VehicleStatus | None  # the same object when nothing applies
    changed: bool  # a value the user sees changed (a new block time alone is no change)
    fetch: bool


# Parsing --------------------------------------------------------------------------------


def event_vin(topic: str) -> str | None:
    """The VIN of an events topic, else None."""
    if not isinstance(topic, str) or not topic.startswith(EVENTS_TOPIC_PREFIX):
        return None
    vin = topic.removeprefix(EVENTS_TOPIC_PREFIX)
    if not vin or any(char in vin for char in "/+#") or vin != vin.strip():
        return None
    return vin


def parse_event(payload: Any) -> VehicleEvent | None:
    """One decoded event payload; None when it is no usable snapshot (no VIN). Never raises."""
    data = parsers._map(payload)
    vin = data.get("vin")
    if not isinstance(vin, str) or not vin.strip():
        return None
    charge = parsers._map(data.get("charging_state"))
    precond = parsers._map(data.get("precond_state"))
    doors = parsers._map(data.get("doors_state"))
    hmi = _code(charge.get("hmi_state"), "event.charging_state.hmi_state")
    charging = _lookup(_IN_PROGRESS, hmi)
    return VehicleEvent(
        vin=vin.strip().upper(),
        at=_utc(parsers.parse_datetime(data.get("date"), "event.date")),
        counter=_code(data.get("obj_counter"), "event.obj_counter"),
        reason=_code(data.get("reason"), "event.reason"),
        plugged=_lookup(_PLUGGED, _code(charge.get("cable_detected"), "event.cable_detected")),
        charging=charging,
        charge_finished=hmi == 3,
        # Both go stale once the charge stops, and 635 minutes shows up while idle (§9).
        remaining_time=_remaining(charge.get("remaining_time")) if charging else None,
        rate=_at_least_zero(charge.get("rate"), "event.charging_state.rate") if charging else None,
        delayed_start=_time_of_day(charge.get("program"), "event.charging_state.program"),
        locked=_lookup(_LOCKED, _code(doors.get("doors_locking_state"), "event.doors_state")),
        ignition_on=_lookup(_IGNITION_ON, _code(data.get("sev_state"), "event.sev_state")),
        preconditioning=_lookup(
            _PRECONDITIONING, _code(precond.get("status"), "event.precond_state.status")
        ),
        programs=_programs(precond.get("programs")),
        soc=_percent(charge.get("soc_batt"), "event.charging_state.soc_batt"),
        autonomy=_at_least_zero(charge.get("autonomy_zev"), "event.charging_state.autonomy_zev"),
        fuel_level=_percent(charge.get("fuel_level"), "event.charging_state.fuel_level"),
    )


def _number(value: Any, path: str) -> float | None:
    """A finite number sent as int, float or text; anything else is None."""
    return parsers._float(value, path)


def _code(value: Any, path: str) -> int | None:
    """A whole number sent as int, float or text; anything else is None."""
    number = _number(value, path)
    if number is None:
        return None
    if not number.is_integer():
        parsers._odd(path, value)
        return None
    return int(number)


def _lookup[T](table: Mapping[int, T], code: int | None) -> T | None:
    return None if code is None else table.get(code)


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # year 1 with a positive offset: a shape, not a time
        parsers._odd("event.date", moment)
        return None


def _at_least_zero(value: Any, path: str) -> float | None:
    number = _number(value, path)
    return number if number is not None and number >= 0 else None


def _percent(value: Any, path: str) -> float | None:
    number = _at_least_zero(value, path)
    return number if number is not None and number <= 100 else None


def _remaining(value: Any) -> timedelta | None:
    minutes = _at_least_zero(value, "event.charging_state.remaining_time")
    if minutes is None or minutes > _MAX_REMAINING:
        return None
    return timedelta(minutes=minutes)


def _hour_minute(value: Any, path: str) -> tuple[int, int] | None:
    """``{hour, minute}`` as numbers, in range or not; None when unreadable."""
    data = parsers._map(value)
    hour = _code(data.get("hour"), f"{path}.hour")
    minute = _code(data.get("minute"), f"{path}.minute")
    return None if hour is None or minute is None else (hour, minute)


def _time_of_day(value: Any, path: str) -> timedelta | None:
    """``{hour, minute}`` since midnight; hours outside 0-23 (34) mean "not set"."""
    found = _hour_minute(value, path)
    if found is None or not (0 <= found[0] <= 23 and 0 <= found[1] <= 59):
        return None
    return timedelta(hours=found[0], minutes=found[1])


def _programs(value: Any) -> tuple[PreconditioningProgram, ...] | None:
    """The set slots of ``program1..4``, in slot order; an unset slot (hour 34) is left out.

    Unless all four slots are readable the programs are unknown (None), not partial: the
    commands send them back, and a slot missing there is sent as unset, which may erase a
    program the owner saved (remote-commands.md §11.10).
    """
    slots = parsers._map(value)
    found: list[PreconditioningProgram] = []
    for slot in _PROGRAM_SLOTS:
        path = f"event.precond_state.programs.program{slot}"
        item = slots.get(f"program{slot}")
        start = _hour_minute(item, path)
        if start is None:
            return None
        if not 0 <= start[0] <= 23:
            continue
        program = _program(slot, start, parsers._map(item), path)
        if program is None:
            return None
        found.append(program)
    return tuple(found)


def _program(
    slot: int, start: tuple[int, int], item: Mapping[str, Any], path: str
) -> PreconditioningProgram | None:
    """A set slot: minute 0-59, ``on`` 0/1 and seven 0/1 days, else None (logged)."""
    enabled = _lookup(_FLAG, _code(item.get("on"), f"{path}.on"))
    days = item.get("day")
    flags = (
        [_lookup(_FLAG, _code(day, f"{path}.day")) for day in days]
        if isinstance(days, list) and len(days) == _DAYS
        else []
    )
    if not 0 <= start[1] <= 59 or enabled is None or len(flags) != _DAYS or None in flags:
        parsers._odd(path, item)
        return None
    return PreconditioningProgram(
        slot=slot,
        enabled=enabled,
        hour=start[0],
        minute=start[1],
        days=tuple(flag is True for flag in flags),
    )


# Applying -------------------------------------------------------------------------------


def apply_event(status: VehicleStatus | None, event: VehicleEvent) -> EventOutcome:
    """Write the event into the blocks it is newer than, each stamped with the event's time.

    A block is written only where the status has it (an event never adds a block, so it
    never makes an entity appear), and only when ``event.at`` is later than the block's
    ``updated_at`` (a block without a time takes the event, as in ``merge_status``; one of the
    same time keeps REST's values, the better source for a snapshot of that moment). An
    undated event writes nothing and asks for nothing; so does every stale part of an event.
    With no status yet, nothing is written and a dated event asks for a fetch.
    """
    at = _aware(event.at)
    if at is None or status is None:
        return EventOutcome(status=status, changed=False, fetch=at is not None)
    electric = _fresh_energy(status.electric, at)
    fuel = _fresh(status.fuel, at)
    ignition = _fresh(status.ignition, at)
    doors = _fresh(status.doors, at)
    precond = _fresh(status.preconditioning, at)
    fetch = (
        (electric is not None and _electric_news(electric, event))
        or (fuel is not None and _moved(fuel.level, event.fuel_level))
        or (ignition is not None and _ignition_news(ignition, event))
    )
    # Block name -> the fields the event writes there (empty: nothing for that block).
    changes = {
        "electric": _electric_changes(electric, event),
        "ignition": _ignition_changes(ignition, event),
        "doors": _doors_changes(doors, event),
        "preconditioning": _precond_changes(precond, event),
    }
    # The energy block keeps REST's time (it dates the level and range); its charging part
    # carries the event's time instead (see _electric_changes).
    written = {
        name: replace(getattr(status, name), **_stamped(name, fields, at))
        for name, fields in changes.items()
        if fields
    }
    if not written:
        return EventOutcome(status=status, changed=False, fetch=fetch)
    changed = any(
        getattr(getattr(status, name), key) != value
        for name, fields in changes.items()
        for key, value in fields.items()
    )
    return EventOutcome(status=replace(status, **written), changed=changed, fetch=fetch)


def _fresh[B: (Energy, Ignition, Doors, Preconditioning)](
    block: B | None, at: datetime
) -> B | None:
    """The block when the event is newer than it (or the block has no time), else None."""
    stamp = _aware(block.updated_at) if block is not None else None
    return block if stamp is None or at > stamp else None


def _stamped(name: str, fields: dict[str, Any], at: datetime) -> dict[str, Any]:
    """The fields, with the event's time on every block but the energy one."""
    return fields if name == "electric" else {**fields, "updated_at": at}


def _fresh_energy(block: Energy | None, at: datetime) -> Energy | None:
    """The energy block when the event is newer than it and than its last event."""
    if block is None:
        return None
    stamps = [
        _aware(block.updated_at),
        _aware(block.charging.updated_at if block.charging else None),
    ]
    known = [stamp for stamp in stamps if stamp is not None]
    return block if not known or at > max(known) else None


def _aware(moment: datetime | None) -> datetime | None:
    """The parsers stamp UTC; a naive time (made by hand) is taken as UTC too."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def _charge_status(event: VehicleEvent) -> str | None:
    """The REST charging status the event proves, or None (hmi_state 0/4 say nothing)."""
    if event.plugged is False:
        return "Disconnected"
    if event.charging:
        return "InProgress"
    return "Finished" if event.charge_finished else None


def _electric_changes(energy: Energy | None, event: VehicleEvent) -> dict[str, Any]:
    if energy is None:
        return {}
    status = _charge_status(event)
    # Unplugged or complete, nothing is being added: REST then sends a rate of 0, while the
    # event's own rate goes stale after a stop (§9).
    idle = status in ("Disconnected", "Finished")
    changes: dict[str, Any] = {
        "plugged": event.plugged,
        "status": status,
        "remaining_time": timedelta(0) if idle else event.remaining_time,
        "rate": 0.0 if idle else event.rate,
        "next_delayed_time": event.delayed_start,
    }
    known = {key: value for key, value in changes.items() if value is not None}
    if not known:
        return {}
    known["updated_at"] = event.at
    return {"charging": replace(energy.charging or Charging(), **known)}


def _electric_news(energy: Energy, event: VehicleEvent) -> bool:
    """SoC or range moved, the plug changed, or the charge started, stopped or finished."""
    charging = energy.charging or Charging()
    new_status = _charge_status(event)
    if new_status is not None:
        charge_news = new_status != charging.status
    else:
        # Plugged but not saying "in progress" (hmi_state 0/4) while REST says it is: the
        # charge may have stopped; REST tells.
        charge_news = charging.status == "InProgress" and event.plugged is True
    return (
        charge_news
        or (event.plugged is not None and event.plugged != charging.plugged)
        or _moved(energy.level, event.soc)
        or _moved(energy.autonomy, event.autonomy)
    )


def _moved(known: float | None, reported: float | None) -> bool:
    if reported is None:
        return False
    return known is None or abs(known - reported) >= _MOVED


def _is_on(ignition: Ignition) -> bool | None:
    return None if ignition.type is None else ignition.type != "Stop"


def _ignition_news(ignition: Ignition, event: VehicleEvent) -> bool:
    return event.ignition_on is not None and event.ignition_on != _is_on(ignition)


def _ignition_changes(ignition: Ignition | None, event: VehicleEvent) -> dict[str, Any]:
    if ignition is None or event.ignition_on is None:
        return {}
    if not event.ignition_on:
        return {"type": "Stop"}
    # Already on: keep the car's own word for it (StartUp, Start).
    return {"type": ignition.type if _is_on(ignition) else _ON_TYPE}


def _doors_changes(doors: Doors | None, event: VehicleEvent) -> dict[str, Any]:
    if doors is None or event.locked is None:
        return {}
    if doors.locked is event.locked:
        return {"locked_states": doors.locked_states}  # same verdict: keep REST's detail
    return {"locked_states": ("Locked",) if event.locked else ("Unlocked",)}


def _precond_changes(block: Preconditioning | None, event: VehicleEvent) -> dict[str, Any]:
    if block is None:
        return {}
    changes: dict[str, Any] = {"status": event.preconditioning, "programs": event.programs}
    return {key: value for key, value in changes.items() if value is not None}
