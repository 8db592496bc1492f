"""The living demo account: three cars whose data is a pure function of the simulator clock.

* a BEV on an 8 h cycle: charges 20 -> 100 % (4 h, ``InProgress``), waits plugged at 100 %
  (1 h, ``Finished``), then drives a 272 km loop around Paris (3 h, ``Disconnected``);
* a PHEV on a 3 h cycle: drives two laps around Lyon (1 h, ignition ``Start``, moving),
  then charges its small battery back (1 h 45 min) and waits (15 min, ``Finished``);
* a thermal car parked in Bordeaux, last seen at 07:30 UTC, with 215.0 placeholder temperatures.

Every cycle is counted from ``EPOCH``; the car "uploads" a snapshot every minute, so all
timestamps are the current minute.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
import hashlib
import math
from typing import Any

from .const import DEMO_USERNAME
from .timefmt import duration, iso
from .vehicles import PayloadContext, SimVehicle, make_vehicle_id

EPOCH = 1_767_225_600.0  # 2026-01-01T00:00:00Z
HOUR = 3600.0
DAY = 86400.0
SNAPSHOT_STEP = 60.0
FROZEN_ENERGY_CREATED_AT = "2025-06-29T22:02:09Z"  # energy createdAt froze in mid-2025 (§5.2)
ENGINE_CREATED_AT = "2023-08-10T15:20:08Z"
PLACEHOLDER_TEMP = 215.0  # what real cars send when they have no temperature

BEV_VIN = "VR3SIMULATEDBEV01"
PHEV_VIN = "VR3SIMULATEDPHEV1"
THERMIC_VIN = "VR3SIMULATEDTHRM1"

DEMO_USER = {"email": DEMO_USERNAME, "firstName": "Demo", "lastName": "Driver"}


@dataclass(frozen=True, slots=True)
class Electric:
    """Traction battery and charging state."""

    level: float
    autonomy: int
    plugged: bool
    status: str  # Disconnected, InProgress, Finished, ...
    remaining: float  # seconds
    rate: int  # km of range per hour
    capacity_wh: int | None = None
    health: dict[str, int] | None = None


@dataclass(frozen=True, slots=True)
class Fuel:
    """Fuel tank state; ``total_cl`` is the lifetime consumption in centilitres."""

    level: float
    autonomy: int
    total_cl: float


@dataclass(frozen=True, slots=True)
class CarState:
    """One snapshot of a car, from which every payload is rendered."""

    at: float
    lon: float
    lat: float
    alt: float
    heading: int
    moving: bool
    speed: float
    ignition: str
    ignition_since: float
    mileage: float
    voltage: float
    electric: Electric | None = None
    fuel: Fuel | None = None


@dataclass(frozen=True, slots=True)
class Route:
    """A circular route starting and ending at home (due east of the centre)."""

    lon: float
    lat: float
    alt: float
    radius_km: float

    def at(self, distance_km: float) -> tuple[float, float, int]:
        """Longitude, latitude and heading after ``distance_km`` counter-clockwise."""
        theta = distance_km / self.radius_km
        lat = self.lat + self.radius_km * math.sin(theta) / 111.32
        lon = self.lon + self.radius_km * math.cos(theta) / (
            111.32 * math.cos(math.radians(self.lat))
        )
        heading = round(math.degrees(math.atan2(-math.sin(theta), math.cos(theta)))) % 360
        return round(lon, 5), round(lat, 5), heading


def snapshot(now: float) -> float:
    """Time of the last upload: the start of the current minute."""
    return math.floor(now / SNAPSHOT_STEP) * SNAPSHOT_STEP


def cycle_of(at: float, period: float) -> tuple[int, float]:
    """Index of the cycle ``at`` falls in, and the seconds since it began."""
    index = math.floor((at - EPOCH) / period)
    return index, at - EPOCH - index * period


# --- BEV: charges, waits, drives -------------------------------------------------------

BEV_PERIOD = 8 * HOUR
BEV_CHARGE_END = 4 * HOUR
BEV_FINISHED_END = 5 * HOUR
BEV_RANGE_KM = 340
BEV_LOOP_KM = 272.0  # 80 % of the range
BEV_CAPACITY_WH = 46592
BEV_ROUTE = Route(lon=2.35222, lat=48.85661, alt=35.0, radius_km=BEV_LOOP_KM / (2 * math.pi))


def bev_speed(phase: float) -> float:
    """Speed (km/h) shown at this point of the BEV's drive."""
    return round(90.0 + 10.0 * math.sin(phase / 300.0), 1)


def bev_state(now: float) -> CarState:
    """The charging BEV at the last snapshot before ``now``."""
    at = snapshot(now)
    cycle, phase = cycle_of(at, BEV_PERIOD)
    base_mileage = 23000.0 + (cycle % 1000) * BEV_LOOP_KM
    distance = 0.0
    if phase < BEV_CHARGE_END:
        level = 20.0 + 80.0 * phase / BEV_CHARGE_END
        charge = ("InProgress", BEV_CHARGE_END - phase, 68)
    elif phase < BEV_FINISHED_END:
        level = 100.0
        charge = ("Finished", 0.0, 0)
    else:
        fraction = (phase - BEV_FINISHED_END) / (BEV_PERIOD - BEV_FINISHED_END)
        distance = BEV_LOOP_KM * fraction
        level = 100.0 - 80.0 * fraction
        charge = ("Disconnected", 0.0, 0)
    driving = charge[0] == "Disconnected"
    lon, lat, heading = BEV_ROUTE.at(distance)
    level = round(level, 1)
    return CarState(
        at=at,
        lon=lon,
        lat=lat,
        alt=BEV_ROUTE.alt,
        heading=heading,
        moving=driving,
        speed=bev_speed(phase) if driving else 0.0,
        ignition="Start" if driving else "Stop",
        ignition_since=EPOCH + cycle * BEV_PERIOD + (BEV_FINISHED_END if driving else 0.0),
        mileage=round(base_mileage + distance, 1),
        voltage=86.5,
        electric=Electric(
            level=level,
            autonomy=round(BEV_RANGE_KM * level / 100),
            plugged=not driving,
            status=charge[0],
            remaining=charge[1],
            rate=charge[2],
            capacity_wh=BEV_CAPACITY_WH,
            health={"resistance": 91},
        ),
    )


# --- PHEV: drives, then charges --------------------------------------------------------

PHEV_PERIOD = 3 * HOUR
PHEV_DRIVE_END = 1 * HOUR
PHEV_CHARGE_END = 2.75 * HOUR
PHEV_LOOP_KM = 45.0
PHEV_EV_KM = 30.0  # the battery goes 80 -> 20 % over the first 30 km
PHEV_ROUTE = Route(lon=4.83570, lat=45.76400, alt=170.0, radius_km=PHEV_LOOP_KM / (4 * math.pi))
PHEV_CAPACITY_WH = 13000  # usable; 80 -> 20 % is 7.8 kWh over the electric 30 km
PHEV_TANK_L = 43.0
PHEV_FUEL_PCT_PER_CYCLE = 2.0
# The lifetime counter moves by what the level drop burnt: 2 % of 43 L = 86 cL a drive.
PHEV_FUEL_CL_PER_CYCLE = PHEV_FUEL_PCT_PER_CYCLE * PHEV_TANK_L


def phev_speed(phase: float) -> float:
    """Speed (km/h) shown at this point of the PHEV's drive."""
    return round(max(5.0, 45.0 + 20.0 * math.sin(phase / 95.0)), 1)


def phev_state(now: float) -> CarState:
    """The driving PHEV at the last snapshot before ``now``."""
    at = snapshot(now)
    cycle, phase = cycle_of(at, PHEV_PERIOD)
    driving = phase < PHEV_DRIVE_END
    distance = PHEV_LOOP_KM * min(phase / PHEV_DRIVE_END, 1.0)
    fuel_km = max(0.0, distance - PHEV_EV_KM)
    fuel_used = PHEV_FUEL_PCT_PER_CYCLE * fuel_km / (PHEV_LOOP_KM - PHEV_EV_KM)
    # The tank is filled every 20 cycles (2.5 days): 60 % down to 20 %.
    fuel_level = round(60.0 - PHEV_FUEL_PCT_PER_CYCLE * (cycle % 20) - fuel_used, 1)
    fuel_total = 123456.0 + PHEV_FUEL_CL_PER_CYCLE * ((cycle % 2000) + fuel_used / 2.0)
    if driving:
        level = 80.0 - 60.0 * min(distance, PHEV_EV_KM) / PHEV_EV_KM
        charge = ("Disconnected", 0.0, 0)
    elif phase < PHEV_CHARGE_END:
        level = 20.0 + 60.0 * (phase - PHEV_DRIVE_END) / (PHEV_CHARGE_END - PHEV_DRIVE_END)
        charge = ("InProgress", PHEV_CHARGE_END - phase, 19)
    else:
        level = 80.0
        charge = ("Finished", 0.0, 0)
    lon, lat, heading = PHEV_ROUTE.at(distance)
    level = round(level, 1)
    return CarState(
        at=at,
        lon=lon,
        lat=lat,
        alt=PHEV_ROUTE.alt,
        heading=heading,
        moving=driving,
        speed=phev_speed(phase) if driving else 0.0,
        ignition="Start" if driving else "Stop",
        ignition_since=EPOCH + cycle * PHEV_PERIOD + (0.0 if driving else PHEV_DRIVE_END),
        mileage=round(41000.0 + (cycle % 2000) * PHEV_LOOP_KM + distance, 1),
        voltage=82.0,
        electric=Electric(
            level=level,
            autonomy=round(55 * level / 100),
            plugged=not driving,
            status=charge[0],
            remaining=charge[1],
            rate=charge[2],
            capacity_wh=PHEV_CAPACITY_WH,
            health={"capacity": 95, "resistance": 15},
        ),
        fuel=Fuel(
            level=fuel_level,
            autonomy=round(fuel_level / 100 * PHEV_TANK_L / 6.0 * 100),
            total_cl=round(fuel_total, 1),
        ),
    )


# --- Thermal car: parked ---------------------------------------------------------------

THERMIC_SEEN_AT = 7.5 * HOUR  # uploads once a day at 07:30 UTC
THERMIC_HOME = (-0.57918, 44.83779, 12.0)


def thermic_state(now: float) -> CarState:
    """The parked thermal car, as it reported this morning."""
    at = math.floor((now - THERMIC_SEEN_AT) / DAY) * DAY + THERMIC_SEEN_AT
    return CarState(
        at=at,
        lon=THERMIC_HOME[0],
        lat=THERMIC_HOME[1],
        alt=THERMIC_HOME[2],
        heading=239,
        moving=False,
        speed=0.0,
        ignition="Stop",
        ignition_since=at - 2 * HOUR,
        mileage=58123.4,
        voltage=92.0,
        fuel=Fuel(level=63.0, autonomy=512, total_cl=98765.0),
    )


# --- Rendering -------------------------------------------------------------------------


def position(state: CarState) -> dict[str, Any]:
    """GeoJSON Feature as ``/lastPosition`` and ``status.lastPosition`` send it."""
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [state.lon, state.lat, state.alt]},
        "properties": {
            "createdAt": iso(state.at),
            "heading": state.heading,
            "type": "Acquire",
            "signalQuality": 9,
            "fixStatus": "3D",
        },
    }


def _engines(state: CarState, kind: str) -> list[dict[str, Any]]:
    if kind == "Hybrid":
        return [
            {"type": "Thermic", "speed": state.speed, "createdAt": iso(state.at)},
            {"type": "Electric", "speed": state.speed, "createdAt": iso(state.at)},
        ]
    temps = {name: {"temp": PLACEHOLDER_TEMP} for name in ("coolant", "oil", "air")}
    created = ENGINE_CREATED_AT if kind == "Electric" else iso(state.at)
    return [{"type": "Thermic", "extension": {"thermic": temps}, "createdAt": created}]


def _environment(at: float) -> dict[str, Any]:
    hour = (at % DAY) / HOUR
    temp = round(2 * (12.0 + 6.0 * math.sin((hour - 9.0) / 24.0 * 2 * math.pi))) / 2
    return {
        "luminosity": {"createdAt": iso(at), "day": 6.0 <= hour < 20.0},
        "air": {"createdAt": iso(at), "temp": temp},
    }


def _doors(state: CarState) -> dict[str, Any]:
    doors = ("Driver", "Passenger", "RearLeft", "RearRight", "Trunk")
    return {
        "createdAt": iso(state.at),
        "lockedStates": ["Unlocked"] if state.moving else ["Locked"],
        "opening": [{"identifier": door, "state": "Closed"} for door in doors],
    }


def _preconditioning(at: float, with_programs: bool) -> dict[str, Any]:
    air: dict[str, Any] = {"createdAt": iso(at), "updatedAt": iso(at), "status": "Disabled"}
    if with_programs:
        weekdays = ["Mon", "Tue", "Wed", "Thu", "Fri"]
        air["programs"] = [
            {
                "enabled": True,
                "slot": 1,
                "recurrence": "Daily",
                "start": "PT7H30M",
                "occurence": {"day": weekdays},
            },
            *(
                {"enabled": False, "slot": slot, "recurrence": "Daily", "start": "PT0S"}
                for slot in (2, 3, 4)
            ),
        ]
    return {"airConditioning": air}


def _charging(electric: Electric) -> dict[str, Any]:
    return {
        "plugged": electric.plugged,
        "status": electric.status,
        "remainingTime": duration(electric.remaining),
        "chargingRate": electric.rate,
        "chargingMode": "Slow" if electric.status == "InProgress" else "No",
        "nextDelayedTime": "PT0S",
    }


def _battery(state: CarState, electric: Electric, *, legacy: bool) -> dict[str, Any]:
    battery: dict[str, Any] = {}
    stamp = {} if legacy else {"createdAt": iso(state.at)}
    if electric.capacity_wh is not None:
        residual = round(electric.capacity_wh * electric.level / 100)
        battery["load"] = {**stamp, "capacity": electric.capacity_wh, "residual": residual}
    if electric.health is not None:
        battery["health"] = {**stamp, **electric.health}
    return battery


def _energies(state: CarState) -> list[dict[str, Any]]:
    """The current ``energies[]`` (createdAt frozen, as on the real servers since mid-2025)."""
    items: list[dict[str, Any]] = []
    fuel = state.fuel
    fuel_item: dict[str, Any] = {
        "createdAt": FROZEN_ENERGY_CREATED_AT,
        "type": "Fuel",
        "subType": "FossilEnergy",
    }
    if fuel is None:  # BEVs carry a dummy fuel entry
        fuel_item |= {"autonomy": 0, "extension": {"fuel": {"consumptions": {"total": 0.0}}}}
    else:
        consumptions = {"total": fuel.total_cl, "instant": 0.0}
        fuel_item |= {
            "level": fuel.level,
            "autonomy": fuel.autonomy,
            "extension": {"fuel": {"consumptions": consumptions}},
        }
    items.append(fuel_item)
    if (electric := state.electric) is not None:
        charging = _charging(electric) | {"schedule": []}
        extension = {"battery": _battery(state, electric, legacy=False), "charging": charging}
        items.append(
            {
                "createdAt": FROZEN_ENERGY_CREATED_AT,
                "type": "Electric",
                "subType": "ElectricEnergy",
                "level": electric.level,
                "autonomy": electric.autonomy,
                "extension": {"electric": extension},
            }
        )
    return items


def _energy_legacy(state: CarState) -> list[dict[str, Any]]:
    """The deprecated ``energy[]``: the only place with a reliable ``updatedAt``."""
    fuel = state.fuel
    stamps = {"createdAt": FROZEN_ENERGY_CREATED_AT, "updatedAt": iso(state.at)}
    items: list[dict[str, Any]] = []
    if fuel is None:
        items.append(
            {
                "createdAt": FROZEN_ENERGY_CREATED_AT,
                "updatedAt": FROZEN_ENERGY_CREATED_AT,
                "type": "Fuel",
                "autonomy": 0,
            }
        )
    else:
        items.append(
            {
                **stamps,
                "type": "Fuel",
                "level": fuel.level,
                "autonomy": fuel.autonomy,
                "consumption": 0.0,
            }
        )
    if (electric := state.electric) is not None:
        items.append(
            {
                **stamps,
                "type": "Electric",
                "level": electric.level,
                "autonomy": electric.autonomy,
                "charging": _charging(electric),
                "battery": _battery(state, electric, legacy=True),
            }
        )
    return items


def status(state: CarState, kind: str, ctx: PayloadContext) -> dict[str, Any]:
    """The ``/status`` payload of a snapshot (psa-api.md §5.2, current shape)."""
    at = iso(state.at)
    own = f"{ctx.api_base}/user/vehicles/{ctx.vehicle_id}"
    body: dict[str, Any] = {
        "createdAt": at,
        "updatedAt": at,
        "lastPosition": position(state),
        "engines": _engines(state, kind),
        "ignition": {"createdAt": iso(state.ignition_since), "type": state.ignition},
        "battery": {"voltage": state.voltage, "createdAt": at},
        "privacy": {"createdAt": at, "state": "None"},
    }
    if kind != "Thermic":
        body["service"] = {"createdAt": "2024-07-30T14:36:26Z", "type": kind}
    body |= {
        "environment": _environment(state.at),
        "odometer": {"createdAt": at, "mileage": state.mileage},
        "kinetic": {"createdAt": at, "moving": state.moving, "speed": state.speed},
        "alarm": {"status": {"createdAt": at, "activation": "Active"}},
        "doorsState": _doors(state),
        "_links": {
            "self": {"href": f"{own}/status?profile=endUser"},
            "vehicle": {"href": own},
        },
    }
    if kind != "Thermic":
        body["preconditioning"] = _preconditioning(state.at, kind == "Electric")
    body["energies"] = _energies(state)
    if kind != "Thermic":
        body["preconditionning"] = _preconditioning(state.at, kind == "Electric")
    body["energy"] = _energy_legacy(state)
    return body


def maintenance(ctx: PayloadContext, mileage: float, every_days: int, every_km: int) -> Any:
    """``/maintenance``: days and km left before the next service."""
    day = math.floor((ctx.now - EPOCH) / DAY)
    today = EPOCH + day * DAY
    own = f"{ctx.api_base}/user/vehicles/{ctx.vehicle_id}"
    return {
        "createdAt": iso(today),
        "updatedAt": iso(today),
        "_links": {
            "alerts": {"href": f"{own}/alerts"},
            "self": {"href": f"{own}/maintenance"},
            "vehicles": {"href": own},
        },
        "daysBeforeMaintenance": every_days - day % every_days,
        "mileageBeforeMaintenance": round(every_km - mileage % every_km, 1),
    }


def thermic_alerts(ctx: PayloadContext) -> list[dict[str, Any]]:
    """One active warning, raised three days before the last snapshot."""
    state = thermic_state(ctx.now)
    started = state.at - 3 * DAY
    where = position(state) | {"properties": {"createdAt": iso(started), "type": "Acquire"}}
    return [
        {
            "id": hashlib.sha256(f"{THERMIC_VIN}:alert".encode()).hexdigest()[:24],
            "active": True,
            "type": "AdBlueFault",
            "severity": "Warning",
            "startedAt": iso(started),
            "startPosition": where,
        }
    ]


# --- Trips: each finished drive, as the server lists it ----------------------------------

TRIP_HISTORY = 10 * DAY  # trips created in the last 10 days are listed
TRIP_CREATED_AFTER = 120.0  # the server makes a trip a couple of minutes after the stop


@dataclass(frozen=True, slots=True)
class DemoDrive:
    """How one car's drives repeat: where they sit in its cycle and what they cost."""

    vin: str
    period: float
    start: float  # seconds into the cycle
    stop: float
    distance: float  # km
    max_speed: float  # km/h, the highest speed the status showed during the drive
    capacity_wh: float | None = None
    tank_l: float | None = None


def _max_speed(speed: Callable[[float], float], start: float, stop: float) -> float:
    return max(speed(phase) for phase in range(int(start), int(stop), int(SNAPSHOT_STEP)))


BEV_DRIVE = DemoDrive(
    vin=BEV_VIN,
    period=BEV_PERIOD,
    start=BEV_FINISHED_END,
    stop=BEV_PERIOD,  # home at the start of the next cycle, plugged in at 20 %
    distance=BEV_LOOP_KM,
    max_speed=_max_speed(bev_speed, BEV_FINISHED_END, BEV_PERIOD),
    capacity_wh=BEV_CAPACITY_WH,
)
PHEV_DRIVE = DemoDrive(
    vin=PHEV_VIN,
    period=PHEV_PERIOD,
    start=0.0,
    stop=PHEV_DRIVE_END,
    distance=PHEV_LOOP_KM,
    max_speed=_max_speed(phev_speed, 0.0, PHEV_DRIVE_END),
    capacity_wh=PHEV_CAPACITY_WH,
    tank_l=PHEV_TANK_L,
)


def demo_trips(
    drive: DemoDrive, state_at: Callable[[float], CarState], ctx: PayloadContext
) -> list[dict[str, Any]]:
    """The trips the server made in the ``TRIP_HISTORY`` before ``ctx.now``, oldest first.

    A trip exists from its ``createdAt`` on (a couple of minutes after the stop), so the newest
    drive shows up a little after the ignition went off; the count stays the same.
    """
    offset = ctx.now - EPOCH - drive.stop - TRIP_CREATED_AFTER
    last = math.floor(offset / drive.period)
    first = math.floor((offset - TRIP_HISTORY) / drive.period) + 1
    own = f"{ctx.api_base}/user/vehicles/{ctx.vehicle_id}"
    return [_trip(drive, index, state_at, own) for index in range(first, last + 1)]


def _energy_item(kind: str, level: float, autonomy: int) -> dict[str, Any]:
    sub_type = "ElectricEnergy" if kind == "Electric" else "FossilEnergy"
    return {"type": kind, "subType": sub_type, "level": level, "autonomy": autonomy}


def _trip_energies(
    drive: DemoDrive, begin: CarState, end: CarState
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """Levels before and after, and what the drop cost: Electric in Wh, Fuel in cL (§5.5)."""
    starts, ends, used = [], [], []
    pairs: list[tuple[str, Electric | Fuel | None, Electric | Fuel | None, float | None]] = [
        ("Electric", begin.electric, end.electric, drive.capacity_wh),
        ("Fuel", begin.fuel, end.fuel, None if drive.tank_l is None else drive.tank_l * 100),
    ]
    for kind, before, after, full in pairs:
        if before is None or after is None or full is None:
            continue
        starts.append(_energy_item(kind, before.level, before.autonomy))
        ends.append(_energy_item(kind, after.level, after.autonomy))
        consumption = round((before.level - after.level) / 100 * full, 1)
        used.append(
            {
                "type": kind,
                "subType": starts[-1]["subType"],
                "consumption": consumption,
                "avgConsumption": round(consumption / drive.distance * 100, 1),
            }
        )
    return starts, ends, used


def _trip(
    drive: DemoDrive, index: int, state_at: Callable[[float], CarState], own: str
) -> dict[str, Any]:
    cycle_start = EPOCH + index * drive.period
    start, stop = cycle_start + drive.start, cycle_start + drive.stop
    begin, end = state_at(start), state_at(stop)
    trip_id = hashlib.sha256(f"{drive.vin}:trip:{index}".encode()).hexdigest()[:24]
    starts, ends, used = _trip_energies(drive, begin, end)
    created = iso(stop + TRIP_CREATED_AFTER)
    return {
        "_links": {"self": {"href": f"{own}/trips/{trip_id}"}, "vehicle": {"href": own}},
        "id": trip_id,
        "createdAt": created,
        "updatedAt": created,
        "startedAt": iso(start),
        "stoppedAt": iso(stop),
        "duration": int(stop - start),
        "distance": drive.distance,
        "startMileage": begin.mileage,
        "startPosition": _trip_position(begin, start),
        "stopPosition": _trip_position(end, stop),
        "startEnergies": starts,
        "endEnergies": ends,
        "energyConsumptions": used,
        "kinetic": {
            "avgSpeed": round(drive.distance * 1000 / (stop - start), 2),  # m/s
            "maxSpeed": drive.max_speed,  # km/h
        },
        "done": True,
    }


def _trip_position(state: CarState, at: float) -> dict[str, Any]:
    return position(state) | {"properties": {"createdAt": iso(at), "type": "Acquire"}}


def _pictures(vin: str) -> list[str]:
    return [f"https://pictures.example.com/psa-simulator/{vin}/view-00{n}.png" for n in (1, 2)]


def demo_vehicles() -> list[SimVehicle]:
    """The three cars of the demo account."""
    return [
        SimVehicle(
            vin=BEV_VIN,
            id=make_vehicle_id(BEV_VIN),
            fields={
                "vin": BEV_VIN,
                "motorization": "Electric",
                "brand": "Peugeot",
                "pictures": _pictures(BEV_VIN),
            },
            local_picture=True,
            generators={
                "status": lambda ctx: status(bev_state(ctx.now), "Electric", ctx),
                "lastPosition": lambda ctx: position(bev_state(ctx.now)),
                "maintenance": lambda ctx: maintenance(ctx, bev_state(ctx.now).mileage, 730, 30000),
                "alerts": lambda ctx: [],
                "trips": lambda ctx: demo_trips(BEV_DRIVE, bev_state, ctx),
            },
        ),
        SimVehicle(
            vin=PHEV_VIN,
            id=make_vehicle_id(PHEV_VIN),
            fields={
                "vin": PHEV_VIN,
                "motorization": "Hybrid",
                "brand": "Peugeot",
                "pictures": _pictures(PHEV_VIN),
            },
            local_picture=True,
            generators={
                "status": lambda ctx: status(phev_state(ctx.now), "Hybrid", ctx),
                "lastPosition": lambda ctx: position(phev_state(ctx.now)),
                "alerts": lambda ctx: [],
                "trips": lambda ctx: demo_trips(PHEV_DRIVE, phev_state, ctx),
            },
        ),
        SimVehicle(
            vin=THERMIC_VIN,
            id=make_vehicle_id(THERMIC_VIN),
            fields={
                "vin": THERMIC_VIN,
                "motorization": "Thermic",
                "brand": "Peugeot",
                "pictures": _pictures(THERMIC_VIN),
            },
            local_picture=True,
            generators={
                "status": lambda ctx: status(thermic_state(ctx.now), "Thermic", ctx),
                "lastPosition": lambda ctx: position(thermic_state(ctx.now)),
                "maintenance": lambda ctx: maintenance(ctx, 58123.4, 365, 20000),
                "alerts": thermic_alerts,
            },
        ),
    ]
