"""Payload -> model. Nothing here raises: an odd field becomes None (logged at debug).

Inside ``report_once(seen)`` an odd field is logged once per path for as long as the caller
keeps ``seen`` (``PSAClient`` keeps one per client); the module itself holds no state.

The API sends old and new field names side by side (``energies``/``energy``,
``preconditioning``/``preconditionning``, ``lockedStates``/``lockedState``, ...), numbers as
strings or floats, and placeholders such as 215.0 temperatures: see docs/ARCHITECTURE.md.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import replace
from datetime import UTC, datetime, timedelta
import logging
import math
import re
from typing import Any
from urllib.parse import parse_qs

from .models import (
    STATUS_BLOCKS,
    Alarm,
    Alert,
    AuxBattery,
    Charging,
    Doors,
    Energy as EnergyModel,
    Engine,
    Environment,
    Ignition,
    Kinetic,
    Maintenance,
    Odometer,
    Position,
    Preconditioning,
    Privacy,
    Trip,
    TripEnergy,
    User,
    Vehicle,
    VehicleStatus,
)
from .remote.models import PreconditioningProgram

_LOGGER = logging.getLogger(__name__)
# The paths already logged, for the parse running in this context (see ``report_once``).
_SEEN: ContextVar[set[str] | None] = ContextVar("psa_parsers_seen", default=None)

# Readings outside these bounds are placeholders (215.0 is the usual one), not data.
_TEMPERATURE_RANGE = (-60.0, 90.0)
_ENGINE_TEMPERATURE_RANGE = (-60.0, 200.0)
_DURATION = re.compile(
    r"^P(?:(?P<days>\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(?P<hours>\d+(?:\.\d+)?)H)?(?:(?P<minutes>\d+(?:\.\d+)?)M)?"
    r"(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$"
)


@contextmanager
def report_once(seen: set[str]) -> Iterator[None]:
    """Within this block, log an odd field only if its path is not in ``seen`` (then add it)."""
    token = _SEEN.set(seen)
    try:
        yield
    finally:
        _SEEN.reset(token)


def _odd(path: str, value: Any) -> None:
    """Log an unusable field (values are payload data, never secrets)."""
    seen = _SEEN.get()
    if seen is not None:
        if path in seen:
            return
        seen.add(path)
    _LOGGER.debug("Ignoring unexpected value at %s: %.200r", path, value)


def _map(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _dig(data: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(data, Mapping):
            return None
        data = data.get(key)
    return data


def _float(value: Any, path: str) -> float | None:
    if value is None or isinstance(value, bool):
        if isinstance(value, bool):
            _odd(path, value)
        return None
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):  # 10**400 is an int no float holds
        _odd(path, value)
        return None
    if not math.isfinite(number):
        _odd(path, value)
        return None
    return number


def _bounded(value: Any, path: str, bounds: tuple[float, float]) -> float | None:
    number = _float(value, path)
    if number is not None and not bounds[0] <= number <= bounds[1]:
        return None
    return number


def _int(value: Any, path: str) -> int | None:
    number = _float(value, path)
    return None if number is None else int(number)


def _bool(value: Any, path: str) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    _odd(path, value)
    return None


def _str(value: Any, path: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value or None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    _odd(path, value)
    return None


def parse_datetime(value: Any, path: str = "timestamp") -> datetime | None:
    """RFC 3339 text to an aware datetime (UTC when no offset is given)."""
    if value is None:
        return None
    if not isinstance(value, str):
        _odd(path, value)
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        _odd(path, value)
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_duration(value: Any, path: str = "duration") -> timedelta | None:
    """ISO 8601 duration (``PT2H55M``, ``P1DT2H``, ``PT0S``) to a timedelta."""
    if value is None:
        return None
    match = _DURATION.match(value.strip()) if isinstance(value, str) else None
    if match is None or value.strip() in ("P", "PT"):
        _odd(path, value)
        return None
    parts = {key: float(part) for key, part in match.groupdict().items() if part}
    try:
        return timedelta(**parts)
    except OverflowError:  # "P999999999D" is a shape, not a duration
        _odd(path, value)
        return None


def _latest(*stamps: datetime | None) -> datetime | None:
    known = [stamp for stamp in stamps if stamp is not None]
    return max(known) if known else None


def _stamp(block: Mapping[str, Any], path: str) -> datetime | None:
    """A block's own time: the newer of ``updatedAt`` and ``createdAt``."""
    return _latest(
        parse_datetime(block.get("updatedAt"), f"{path}.updatedAt"),
        parse_datetime(block.get("createdAt"), f"{path}.createdAt"),
    )


# Vehicles -------------------------------------------------------------------------------


def parse_vehicle(item: Any) -> Vehicle | None:
    """One vehicle of ``/user/vehicles`` (current or old shape); None without id or VIN."""
    data = _map(item)
    vehicle_id = _str(data.get("id"), "vehicle.id")
    vin = (_str(data.get("vin"), "vehicle.vin") or "").strip().upper()
    if not vehicle_id or not vin:
        _odd("vehicle", {key: data.get(key) for key in ("id", "vin")} if data else item)
        return None
    branding = _map(_dig(data, "vehicleExtension", "vehicleBranding")) or _map(
        _dig(data, "_embedded", "extension", "branding")
    )
    pictures = _list(data.get("pictures")) or _list(
        _dig(data, "vehicleExtension", "vehiclePictures")
    )
    return Vehicle(
        id=vehicle_id,
        vin=vin,
        brand=_str(data.get("brand") or branding.get("brand"), "vehicle.brand"),
        label=_str(data.get("label") or branding.get("label"), "vehicle.label"),
        motorization=_motorization(data),
        pictures=tuple(url for url in pictures if isinstance(url, str) and url),
        raw=data,
    )


def _motorization(data: Mapping[str, Any]) -> str | None:
    motorization = _str(data.get("motorization"), "vehicle.motorization")
    if motorization:
        return motorization
    # Old shape: engine[] {class: Thermic|Electric}: both means a hybrid.
    classes = {
        _str(_map(engine).get("class"), "vehicle.engine") for engine in _list(data.get("engine"))
    }
    classes.discard(None)
    if classes == {"Electric"}:
        return "Electric"
    if classes == {"Thermic"}:
        return "Thermic"
    return "Hybrid" if {"Electric", "Thermic"} <= classes else None


def parse_vehicles_page(payload: Any) -> tuple[list[Vehicle], str | None]:
    """One page of ``/user/vehicles``: its vehicles and the next page's token (if any)."""
    data = _map(payload)
    embedded = _map(data.get("_embedded"))
    items = _list(embedded.get("vehicles")) or _list(embedded.get("Vehicles"))
    vehicles = [vehicle for vehicle in map(parse_vehicle, items) if vehicle is not None]
    return vehicles, next_page_token(data)


def next_page_token(payload: Any) -> str | None:
    """``pageToken`` of ``_links.next.href``, when there is a next page."""
    data = _map(payload)
    href = _dig(data, "_links", "next", "href")
    if not isinstance(href, str):
        return None
    current, total = (
        _int(data.get("currentPage"), "currentPage"),
        _int(data.get("totalPage"), "totalPage"),
    )
    if current is not None and total is not None and current >= total:
        return None
    query = href.partition("?")[2].partition("#")[0]
    tokens = parse_qs(query).get("pageToken")
    return tokens[0] if tokens else None


def parse_user(payload: Any) -> User:
    """``/user``: e-mail and names."""
    data = _map(payload)
    return User(
        email=_str(data.get("email"), "user.email"),
        first_name=_str(data.get("firstName"), "user.firstName"),
        last_name=_str(data.get("lastName"), "user.lastName"),
        raw=data,
    )


# Status ---------------------------------------------------------------------------------


def parse_status(payload: Any) -> VehicleStatus:
    """``/status``, current and legacy field names, block by block."""
    data = _map(payload)
    energies = _energies(data)
    return VehicleStatus(
        updated_at=_stamp(data, "status"),
        electric=energies.get("Electric"),
        fuel=energies.get("Fuel"),
        position=parse_position(data.get("lastPosition")),
        ignition=_ignition(_map(data.get("ignition"))),
        battery=_aux_battery(_map(data.get("battery"))),
        privacy=_privacy(_map(data.get("privacy"))),
        environment=_environment(_map(data.get("environment"))),
        odometer=_odometer(data),
        kinetic=_kinetic(_map(data.get("kinetic"))),
        doors=_doors(_map(data.get("doorsState"))),
        preconditioning=_preconditioning(data),
        alarm=_alarm(_map(data.get("alarm"))),
        engine=_engine(data.get("engines")),
        raw=data,
    )


def _by_type(items: Any, path: str) -> dict[str, Mapping[str, Any]]:
    """List items keyed by their ``type`` (never by index); the first of each type wins."""
    found: dict[str, Mapping[str, Any]] = {}
    for item in _list(items):
        kind = _str(_map(item).get("type"), f"{path}.type")
        if kind and kind not in found:
            found[kind] = item
    return found


def _energies(data: Mapping[str, Any]) -> dict[str, EnergyModel]:
    current = _by_type(data.get("energies"), "energies")
    legacy = _by_type(data.get("energy"), "energy")
    merged: dict[str, EnergyModel] = {}
    for kind in ("Electric", "Fuel"):
        if kind in current or kind in legacy:
            merged[kind] = _energy(kind, current.get(kind, {}), legacy.get(kind, {}))
    return merged


def _energy(kind: str, new: Mapping[str, Any], old: Mapping[str, Any]) -> EnergyModel:
    """One energy from ``energies[]`` (preferred values) and ``energy[]`` (the real update time)."""
    path = f"energies.{kind}"
    electric = _map(_dig(new, "extension", "electric"))
    # charging: under extension.electric (current), else directly under the item (legacy)
    charging = (
        _map(electric.get("charging")) or _map(new.get("charging")) or _map(old.get("charging"))
    )
    battery = _map(electric.get("battery")) or _map(old.get("battery"))
    fuel = _map(_dig(new, "extension", "fuel"))
    consumptions = _map(fuel.get("consumptions")) or _map(fuel.get("consumption"))
    health = _map(battery.get("health"))
    total_cl = _float(consumptions.get("total"), f"{path}.consumptions.total")
    return EnergyModel(
        type=kind,
        updated_at=_latest(_stamp(new, path), _stamp(old, f"energy.{kind}")),
        level=_pick_float(new, old, "level", path),
        autonomy=_pick_float(new, old, "autonomy", path),
        charging=_charging(charging, path) if charging else None,
        battery_capacity=_float(_dig(battery, "load", "capacity"), f"{path}.load.capacity"),
        battery_residual=_float(
            _dig(battery, "load", "residual") or old.get("residual"), f"{path}.load.residual"
        ),
        battery_health=_float(
            health.get("capacity")
            if health.get("capacity") is not None
            else health.get("resistance"),
            f"{path}.health",
        ),
        consumption_total=None if total_cl is None else round(total_cl / 100, 2),
        consumption_instant=_float(consumptions.get("instant"), f"{path}.consumptions.instant"),
    )


def _pick_float(
    new: Mapping[str, Any], old: Mapping[str, Any], key: str, path: str
) -> float | None:
    value = new.get(key)
    return _float(value if value is not None else old.get(key), f"{path}.{key}")


def _charging(data: Mapping[str, Any], path: str) -> Charging:
    path = f"{path}.charging"
    return Charging(
        plugged=_bool(data.get("plugged"), f"{path}.plugged"),
        status=_str(data.get("status"), f"{path}.status"),
        remaining_time=parse_duration(data.get("remainingTime"), f"{path}.remainingTime"),
        rate=_float(data.get("chargingRate"), f"{path}.chargingRate"),
        mode=_str(data.get("chargingMode"), f"{path}.chargingMode"),
        next_delayed_time=parse_duration(data.get("nextDelayedTime"), f"{path}.nextDelayedTime"),
        power_level=_str(data.get("chargingPowerLevel"), f"{path}.chargingPowerLevel"),
        type=_str(data.get("type"), f"{path}.type"),
    )


def parse_position(payload: Any) -> Position | None:
    """GeoJSON point ``[lon, lat(, alt)]``; None when missing, malformed or ``[0, 0]``."""
    data = _map(payload)
    coordinates = _list(_dig(data, "geometry", "coordinates"))
    if len(coordinates) < 2:
        if data:
            _odd("lastPosition.coordinates", coordinates)
        return None
    longitude = _float(coordinates[0], "lastPosition.longitude")
    latitude = _float(coordinates[1], "lastPosition.latitude")
    if longitude is None or latitude is None or (longitude == 0 and latitude == 0):
        return None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        _odd("lastPosition.coordinates", coordinates)
        return None
    properties = _map(data.get("properties"))
    return Position(
        latitude=latitude,
        longitude=longitude,
        altitude=_float(coordinates[2], "lastPosition.altitude") if len(coordinates) > 2 else None,
        heading=_float(properties.get("heading"), "lastPosition.heading"),
        updated_at=_stamp(properties, "lastPosition.properties"),
        type=_str(properties.get("type"), "lastPosition.type"),
        signal_quality=_float(properties.get("signalQuality"), "lastPosition.signalQuality"),
        fix_status=_str(properties.get("fixStatus"), "lastPosition.fixStatus"),
    )


def _ignition(data: Mapping[str, Any]) -> Ignition | None:
    if not data:
        return None
    return Ignition(
        updated_at=_stamp(data, "ignition"), type=_str(data.get("type"), "ignition.type")
    )


def _aux_battery(data: Mapping[str, Any]) -> AuxBattery | None:
    if not data:
        return None
    return AuxBattery(
        updated_at=_stamp(data, "battery"), state=_float(data.get("voltage"), "battery.voltage")
    )


def _privacy(data: Mapping[str, Any]) -> Privacy | None:
    if not data:
        return None
    return Privacy(
        updated_at=_stamp(data, "privacy"), state=_str(data.get("state"), "privacy.state")
    )


def _environment(data: Mapping[str, Any]) -> Environment | None:
    if not data:
        return None
    air, luminosity = _map(data.get("air")), _map(data.get("luminosity"))
    return Environment(
        updated_at=_latest(
            _stamp(data, "environment"),
            _stamp(air, "environment.air"),
            _stamp(luminosity, "environment.luminosity"),
        ),
        temperature=_bounded(air.get("temp"), "environment.air.temp", _TEMPERATURE_RANGE),
        daylight=_bool(luminosity.get("day"), "environment.luminosity.day"),
    )


def _odometer(data: Mapping[str, Any]) -> Odometer | None:
    """``odometer``; old payloads: ``timed.odometer`` (a literal dotted key) or ``odemeter``."""
    for block in (
        _map(data.get("odometer")),
        _map(data.get("timed.odometer")),
        _map(_dig(data, "timed", "odometer")),
        _map(_dig(data, "_embedded", "extension", "odemeter")),
    ):
        if block:
            mileage = _float(block.get("mileage"), "odometer.mileage")
            # 0 is sent by cars that have no reading: it is not a distance travelled.
            return Odometer(
                updated_at=_stamp(block, "odometer"), mileage=mileage if mileage else None
            )
    return None


def _kinetic(data: Mapping[str, Any]) -> Kinetic | None:
    if not data:
        return None
    return Kinetic(
        updated_at=_stamp(data, "kinetic"),
        moving=_bool(data.get("moving"), "kinetic.moving"),
        speed=_float(data.get("speed"), "kinetic.speed"),
        acceleration=_float(data.get("acceleration"), "kinetic.acceleration"),
    )


def _doors(data: Mapping[str, Any]) -> Doors | None:
    if not data:
        return None
    states = _list(data.get("lockedStates")) or _list(data.get("lockedState"))
    openings: dict[str, bool] = {}
    for item in _list(data.get("opening")):
        identifier = _str(_map(item).get("identifier"), "doorsState.opening.identifier")
        state = _str(_map(item).get("state"), "doorsState.opening.state")
        if identifier and state in ("Open", "Closed"):
            openings[identifier] = state == "Open"
    return Doors(
        updated_at=_stamp(data, "doorsState"),
        locked_states=tuple(state for state in states if isinstance(state, str)),
        openings=openings,
    )


def _preconditioning(data: Mapping[str, Any]) -> Preconditioning | None:
    air = _map(_dig(data, "preconditioning", "airConditioning")) or _map(
        _dig(data, "preconditionning", "airConditioning")
    )
    if not air:
        return None
    path = "preconditioning.airConditioning"
    return Preconditioning(
        updated_at=_stamp(air, path),
        status=_str(air.get("status"), f"{path}.status"),
        failure_cause=_str(air.get("failureCause"), f"{path}.failureCause"),
        starting_cause=_str(air.get("startingCause"), f"{path}.startingCause"),
        programs=_programs(air.get("programs"), f"{path}.programs"),
    )


_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_SLOTS = range(1, 5)  # the command carries program1..program4


def _programs(value: Any, path: str) -> tuple[PreconditioningProgram, ...]:
    """The slots of ``programs[]`` in slot order; an unusable item is left out (logged)."""
    found: dict[int, PreconditioningProgram] = {}
    for item in _list(value):
        program = _program(item, path)
        if program is not None and program.slot not in found:
            found[program.slot] = program
    return tuple(found[slot] for slot in sorted(found))


def _program(item: Any, path: str) -> PreconditioningProgram | None:
    """``{slot, enabled, start: "PT5H40M", occurence: {day: ["Mon", ...]}}``."""
    data = _map(item)
    slot = _int(data.get("slot"), f"{path}.slot")
    start = parse_duration(data.get("start"), f"{path}.start")
    usable = start is not None and timedelta(0) <= start < timedelta(days=1)
    if slot is None or slot not in _SLOTS or start is None or not usable:
        _odd(path, item)
        return None
    minutes = int(start.total_seconds() // 60)
    names = {day for day in _list(_dig(data, "occurence", "day")) if isinstance(day, str)}
    if names - set(_WEEKDAYS):
        _odd(f"{path}.occurence.day", sorted(names - set(_WEEKDAYS)))
    return PreconditioningProgram(
        slot=slot,
        enabled=_bool(data.get("enabled"), f"{path}.enabled") is True,
        hour=minutes // 60,
        minute=minutes % 60,
        days=tuple(day in names for day in _WEEKDAYS),
    )


def _alarm(data: Mapping[str, Any]) -> Alarm | None:
    status = _map(data.get("status"))
    if not status:
        return None
    activation = _str(status.get("activation"), "alarm.status.activation")
    return Alarm(
        updated_at=_stamp(status, "alarm.status"),
        active=None if activation not in ("Active", "Inactive") else activation == "Active",
    )


def _engine(engines: Any) -> Engine | None:
    thermic = _by_type(engines, "engines").get("Thermic")
    if thermic is None:
        return None
    readings = _map(_dig(thermic, "extension", "thermic"))
    return Engine(
        updated_at=_stamp(thermic, "engines.Thermic"),
        coolant_temperature=_bounded(
            _dig(readings, "coolant", "temp"), "engines.coolant", _ENGINE_TEMPERATURE_RANGE
        ),
        oil_temperature=_bounded(
            _dig(readings, "oil", "temp"), "engines.oil", _ENGINE_TEMPERATURE_RANGE
        ),
    )


# Other endpoints ------------------------------------------------------------------------


def parse_maintenance(payload: Any) -> Maintenance:
    """``/maintenance``: days and km before the next service."""
    data = _map(payload)
    return Maintenance(
        updated_at=_stamp(data, "maintenance"),
        days_before=_int(data.get("daysBeforeMaintenance"), "maintenance.days"),
        distance_before=_float(data.get("mileageBeforeMaintenance"), "maintenance.mileage"),
        raw=data,
    )


def parse_alerts(payload: Any) -> list[Alert]:
    """``/alerts``: the items of ``_embedded.alerts`` (none when absent)."""
    items = _list(_dig(payload, "_embedded", "alerts"))
    return [
        Alert(
            id=_str(item.get("id"), "alerts.id"),
            type=_str(item.get("type"), "alerts.type"),
            severity=_str(item.get("severity"), "alerts.severity"),
            active=_bool(item.get("active"), "alerts.active"),
            started_at=parse_datetime(item.get("startedAt"), "alerts.startedAt"),
            ended_at=parse_datetime(item.get("endAt") or item.get("endedAt"), "alerts.endAt"),
        )
        for item in items
        if isinstance(item, Mapping)
    ]


def parse_trips(payload: Any) -> list[Trip]:
    """``/trips``: the items of ``_embedded.trips`` (none when absent)."""
    return parse_trips_page(payload)[0]


def parse_trips_page(payload: Any) -> tuple[list[Trip], str | None]:
    """One page of ``/trips``: its trips and the next page's token (if any)."""
    items = _list(_dig(payload, "_embedded", "trips"))
    return [_trip(item) for item in items if isinstance(item, Mapping)], next_page_token(payload)


def _trip(item: Mapping[str, Any]) -> Trip:
    kinetic = _map(item.get("kinetic"))
    avg_speed = _float(kinetic.get("avgSpeed"), "trips.kinetic.avgSpeed")
    return Trip(
        id=_str(item.get("id"), "trips.id"),
        started_at=parse_datetime(item.get("startedAt"), "trips.startedAt"),
        stopped_at=parse_datetime(item.get("stoppedAt"), "trips.stoppedAt"),
        duration=_float(item.get("duration"), "trips.duration"),
        distance=_float(item.get("distance"), "trips.distance"),
        start_mileage=_float(item.get("startMileage"), "trips.startMileage"),
        done=_bool(item.get("done"), "trips.done"),
        # avgSpeed comes in m/s (sv multiplies it by 3.6), maxSpeed in km/h.
        avg_speed=None if avg_speed is None else avg_speed * 3.6,
        max_speed=_float(kinetic.get("maxSpeed"), "trips.kinetic.maxSpeed"),
        energies=_trip_energies(item),
    )


# What a trip's consumption is sent in, per energy: Wh and cL, shown as kWh and L.
_TRIP_UNITS: dict[str, float] = {"Electric": 1000.0, "Fuel": 100.0}


def _trip_energies(item: Mapping[str, Any]) -> tuple[TripEnergy, ...]:
    """Levels and consumptions matched by type (Electric and Fuel; others' units are unknown)."""
    start = _by_type(item.get("startEnergies"), "trips.startEnergies")
    end = _by_type(item.get("endEnergies"), "trips.endEnergies")
    used = _by_type(item.get("energyConsumptions"), "trips.energyConsumptions")
    energies: list[TripEnergy] = []
    for kind, divisor in _TRIP_UNITS.items():
        if kind not in start and kind not in end and kind not in used:
            continue
        consumption = _float(_map(used.get(kind)).get("consumption"), "trips.consumption")
        average = _float(_map(used.get(kind)).get("avgConsumption"), "trips.avgConsumption")
        energies.append(
            TripEnergy(
                type=kind,
                start_level=_float(_map(start.get(kind)).get("level"), "trips.startLevel"),
                end_level=_float(_map(end.get(kind)).get("level"), "trips.endLevel"),
                consumption=None if consumption is None else consumption / divisor,
                average=None if average is None else average / divisor,
            )
        )
    return tuple(energies)


# Merging --------------------------------------------------------------------------------


def merge_status(old: VehicleStatus | None, new: VehicleStatus) -> VehicleStatus:
    """For each block keep the newer one: a stale snapshot never moves a value backwards.

    A block missing from ``new`` keeps the old one; equal or unknown times take the new one.
    """
    if old is None:
        return new
    kept: dict[str, Any] = {}
    for name in STATUS_BLOCKS:
        old_block, new_block = getattr(old, name), getattr(new, name)
        if old_block is not None and (new_block is None or _older(new_block, old_block)):
            kept[name] = old_block
    kept.update(_event_charging_kept(old, new, kept))
    if not kept:
        return new
    return replace(new, updated_at=_latest(old.updated_at, new.updated_at), **kept)


def _event_charging_kept(
    old: VehicleStatus, new: VehicleStatus, kept: dict[str, Any]
) -> dict[str, Any]:
    """A newer REST energy block takes its level, but not charging older than a push event."""
    if "electric" in kept or old.electric is None or new.electric is None:
        return {}
    pushed = old.electric.charging
    sent = new.electric.updated_at
    if pushed is None or pushed.updated_at is None or sent is None or sent >= pushed.updated_at:
        return {}
    return {"electric": replace(new.electric, charging=pushed)}


def _older(new_block: Any, old_block: Any) -> bool:
    new_time = getattr(new_block, "updated_at", None)
    old_time = getattr(old_block, "updated_at", None)
    return new_time is not None and old_time is not None and new_time < old_time
