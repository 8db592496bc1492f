"""The cars' push events: full snapshots on ``…/events/MPHRTServices/<VIN>`` (§9).

A snapshot is built from the REST status the car serves at that moment, in the event's own
shape and with its quirks: ``cable_detected`` inverted (0 = plugged), ``remaining_time`` 635
while not charging, ``rate`` left stale after a charge stops, unset program slots at hour 34,
and ``soc_batt``/``autonomy_zev`` taken from the status of a few minutes before (they lag REST).

A car sends one after each command that changed it, and when its status crosses a change the
periodic check sees (ignition, plug, charge start/stop/finish, charge progress, doors,
preconditioning). Delivery can be stopped, delayed and reordered per car (``EventSettings``).
Plain dicts in and out, apart from the publish callback: nothing here speaks MQTT itself.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
import logging
import re
from typing import TYPE_CHECKING, Any

from ..timefmt import iso
from ..vehicles import PayloadContext, SimVehicle

if TYPE_CHECKING:
    from ..state import SimulatorState

_LOGGER = logging.getLogger(__name__)

# The same as broker.EVENTS_PREFIX, not imported from there: this module (and the control API
# through it) must load without amqtt, like the rest of the simulator.
EVENTS_PREFIX = "psa/RemoteServices/events/MPHRTServices/"
CHECK_INTERVAL = 1.0  # real seconds between two looks at the cars (read at every pass)
IDLE_REMAINING = 635  # minutes: what remaining_time shows while idle or unplugged (psacc#733)
UNSET_PROGRAM = {"hour": 34, "minute": 7, "on": 0, "day": [0] * 7}  # §7, §9
DOORS = ("Driver", "Passenger", "RearLeft", "RearRight", "Trunk")  # opening indices 0-4
# Feature codes seen in real events (§1.2); their meaning is not known, so every car sends them.
FDS = ["NDR01", "NAE01", "NAW01", "NBM01", "NCG01", "NCU01", "NEE02", "NEF01", "NEN01", "NAS01"]
PRECOND_STATUS = {"Disabled": 0, "Enabled": 1, "Finished": 2}
HMI_STATE = {"InProgress": 1, "Finished": 3}  # anything else: 0, seen while idle
CHARGING_MODE = {"Slow": 0, "Quick": 1, "No": 2}  # 1 for Quick was never seen (made up)
IGNITION = {"Stop": 0, "Start": 1, "StartUp": 2}
# §9 reasons. Which of 3/4 means what is unknown: here 3 = a charge state change, 4 = progress.
SESSION_START, IGNITION_REASON, CHARGE, PROGRESS, DOORS_REASON, NETWORK = 0, 2, 3, 4, 5, 6
COMMAND_REASONS = {
    "/Doors": DOORS_REASON,
    "/VehCharge": CHARGE,
    "/ThermalPrecond": NETWORK,
    "/VehCharge/state": NETWORK,  # a wake-up: the car comes online and uploads
}
LOG_SIZE = 100  # snapshots kept per car for the control API
DURATION = re.compile(r"PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?")

Publish = Callable[[str, Mapping[str, Any]], Awaitable[None]]
Block = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Reading:
    """The fields of a status whose change makes the car send a snapshot."""

    sev_state: int
    cable: int | None
    hmi: int | None
    locking: int | None
    opening: tuple[int, ...]
    precond: int | None
    level: float | None

    def reason(self, last: Reading) -> int | None:
        """Why a car whose last snapshot read ``last`` sends one now (None: no change)."""
        if self.sev_state != last.sev_state:
            return IGNITION_REASON
        if (self.cable, self.hmi) != (last.cable, last.hmi):
            return CHARGE
        if (self.locking, self.opening) != (last.locking, last.opening):
            return DOORS_REASON
        if self.precond != last.precond:
            return NETWORK
        return None


def _dict(value: Any) -> Block:
    return value if isinstance(value, dict) else {}


def _energy_items(status: Block, kind: str) -> Iterator[tuple[Block, Block]]:
    """(energy item, its charging block) for each item of ``kind``, legacy ``energy[]`` first."""
    for key in ("energy", "energies"):
        items = status.get(key)
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict) and item.get("type") == kind:
                charging = item.get("charging")
                if charging is None:
                    electric = _dict(_dict(item.get("extension")).get("electric"))
                    charging = electric.get("charging")
                yield item, _dict(charging)


def _electric(status: Block) -> tuple[Block, Block] | None:
    return next(_energy_items(status, "Electric"), None)


def _minutes(value: Any) -> int | None:
    match = DURATION.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        return None
    hours, minutes, seconds = (int(part or 0) for part in match.groups())
    return hours * 60 + minutes + (1 if seconds else 0)


def _air(status: Block) -> Block | None:
    for key in ("preconditionning", "preconditioning"):  # the API sends both spellings
        air = _dict(status.get(key)).get("airConditioning")
        if isinstance(air, dict):
            return air
    return None


def _locking(status: Block) -> int | None:
    states = _dict(status.get("doorsState")).get("lockedStates")
    states = states if isinstance(states, list) else []
    if "Locked" in states:
        return 1
    if "Unlocked" in states:
        return 3
    return None


def _opening(status: Block) -> tuple[int, ...]:
    doors = _dict(status.get("doorsState")).get("opening")
    found = {
        door.get("identifier"): int(door.get("state") == "Open")
        for door in (doors if isinstance(doors, list) else [])
        if isinstance(door, dict)
    }
    front = [found.get(name, 0) for name in DOORS]
    return (*front, 0, front[0])  # index 5 never set; 6 follows the driver's door


def read(status: Block) -> Reading:
    """What the periodic check compares."""
    electric = _electric(status)
    item, charging = electric if electric is not None else ({}, {})
    air = _air(status)
    level = item.get("level")
    return Reading(
        sev_state=IGNITION.get(str(_dict(status.get("ignition")).get("type")), 0),
        cable=None if electric is None else 0 if charging.get("plugged") is True else 1,
        hmi=None if electric is None else HMI_STATE.get(str(charging.get("status")), 0),
        locking=_locking(status),
        opening=_opening(status),
        precond=None if air is None else PRECOND_STATUS.get(str(air.get("status"))),
        level=float(level) if isinstance(level, int | float) else None,
    )


def _program(air: Block) -> dict[str, Any]:
    """``precond_state.programs`` from REST ``programs[]`` (a slot without days is unset)."""
    programs = {f"program{slot}": dict(UNSET_PROGRAM, day=[0] * 7) for slot in range(1, 5)}
    for program in air.get("programs") or []:
        if not isinstance(program, dict) or program.get("slot") not in (1, 2, 3, 4):
            continue
        days = _dict(program.get("occurence")).get("day")
        start = _minutes(program.get("start"))
        if not isinstance(days, list) or start is None:
            continue  # how rest_program writes an unset slot back
        programs[f"program{program['slot']}"] = {
            "hour": start // 60,
            "minute": start % 60,
            "on": int(program.get("enabled") is True),
            "day": [int(day in days) for day in ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")],
        }
    return programs


def _precond_state(status: Block) -> Block:
    air = _air(status)
    if air is None:
        return {}  # seen empty in real events (psacc tests)
    state = PRECOND_STATUS.get(str(air.get("status")), 0)
    return {
        "available": 1,
        "aff": 1,
        "asap": int(state == 1),
        "status": state,
        "programs": _program(air),
    }


def _charging_state(status: Block, lagged: Block, rate: float) -> Block | None:
    electric = _electric(status)
    if electric is None:
        return None
    _item, charging = electric
    hmi = HMI_STATE.get(str(charging.get("status")), 0)
    remaining = _minutes(charging.get("remainingTime")) if hmi == 1 else None
    delayed = _minutes(charging.get("nextDelayedTime")) or 0
    old = _electric(lagged) or electric
    block: Block = {
        "program": {"hour": delayed // 60 % 24, "minute": delayed % 60},
        "available": 1,
        "remaining_time": IDLE_REMAINING if remaining is None else remaining,
        "rate": rate,
        "cable_detected": 0 if charging.get("plugged") is True else 1,  # inverted (§9)
        "soc_batt": old[0].get("level"),
        "autonomy_zev": old[0].get("autonomy"),
        "type": 0,
        "aff": 1,
        "hmi_state": hmi,
        "mode": CHARGING_MODE.get(str(charging.get("chargingMode")), 2),
    }
    fuel = next(_energy_items(status, "Fuel"), None)
    if fuel is not None and "level" in fuel[0]:  # plug-in hybrids (psacc#1175, sv#144)
        block["autonomy"] = fuel[0].get("autonomy")
        block["fuel_level"] = fuel[0].get("level")
    return block


def _signal(status: Block) -> int:
    quality = _dict(_dict(status.get("lastPosition")).get("properties")).get("signalQuality")
    return quality if isinstance(quality, int) and not isinstance(quality, bool) else 20


def build_snapshot(
    status: Block, lagged: Block, *, vin: str, at: float, counter: int, reason: int, rate: float
) -> dict[str, Any]:
    """One §9 snapshot of ``status`` (``lagged``: the status ``soc_lag`` seconds earlier)."""
    ignition = _dict(status.get("ignition"))
    sev_state = IGNITION.get(str(ignition.get("type")), 0)
    payload: dict[str, Any] = {
        "date": iso(at),
        "vin": vin,
        "obj_counter": counter,
        "reason": reason,
        "signal_quality": _signal(status),
        "etat_res_elec": 5 if sev_state else 0,  # 0 while charging too (§9)
        "sev_state": sev_state,
    }
    if sev_state == 0 and isinstance(ignition.get("createdAt"), str):
        payload["sev_stop_date"] = ignition["createdAt"]
    charging = _charging_state(status, lagged, rate)
    if charging is not None:
        payload["charging_state"] = charging
    payload["precond_state"] = _precond_state(status)
    doors: Block = {"doors_opening_state": list(_opening(status)), "driver_sel_state": 0}
    if (locking := _locking(status)) is not None:
        doors["doors_locking_state"] = locking
    payload |= {
        "doors_state": doors,
        "stolen_state": 0,
        "privacy_customer": int(_dict(status.get("privacy")).get("state", "None") != "None"),
        "privacy_applicable": 0,
        "privacy_applicable_max": 3,
        "fds": list(FDS),
    }
    return payload


@dataclass(kw_only=True)
class CarSession:
    """What one car's event session remembers (a new session starts at 1 again)."""

    counter: int = 0
    last: Reading | None = None
    last_at: float = 0.0
    rate: float = 0  # the last rate measured while charging: it stays after a stop (§9)
    held: dict[str, Any] | None = None
    tail: asyncio.Task[None] | None = None  # the car's last delivery, which the next one follows
    log: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=LOG_SIZE))


class EventPublisher:
    """Builds the cars' snapshots and delivers them in order, each after its car's delay."""

    def __init__(self, state: SimulatorState, publish: Publish) -> None:
        self.state = state
        self._publish = publish
        self.sessions: dict[str, CarSession] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._watcher: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Each car's session-start snapshot, then the periodic check."""
        self.check()
        self._watcher = asyncio.create_task(self._watch(), name="psa-simulator-events")

    async def stop(self) -> None:
        """Cancel the check and the deliveries; snapshots not yet delivered are lost."""
        tasks = [task for task in (self._watcher, *self._tasks) if task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._watcher = None

    def summary(self, vehicle: SimVehicle) -> dict[str, Any]:
        """The control API's view of one car's events."""
        session = self.sessions.get(vehicle.vin) or CarSession()
        log = list(session.log)
        return {
            "vin": vehicle.vin,
            "settings": asdict(vehicle.events),
            "counter": session.counter,
            "held": session.held is not None,
            "last": log[-1] if log else None,
            "sent": len(log),
        }

    def published(self, vin: str) -> list[dict[str, Any]]:
        """The last snapshots the car sent (at most LOG_SIZE), oldest first."""
        session = self.sessions.get(vin)
        return list(session.log) if session is not None else []

    def check(self) -> list[str]:
        """Send a snapshot for each car whose status crossed a change; their VINs."""
        sent = []
        for vehicle in list(self.state.vehicles):
            reason = self._due(vehicle)
            if reason is not None and self.emit(vehicle, reason) is not None:
                sent.append(vehicle.vin)
        gone = set(self.sessions) - {vehicle.vin for vehicle in self.state.vehicles}
        for vin in gone:
            del self.sessions[vin]
        return sent

    def after_command(self, vehicle: SimVehicle, service: str, params: Mapping[str, Any]) -> None:
        """The snapshot of a command's effect (with the lock transient first, when asked)."""
        reason = COMMAND_REASONS.get(service)
        if reason is None:
            return
        if service == "/Doors" and vehicle.events.transients:
            self.emit(vehicle, reason, locking=7 if params.get("action") == "lock" else 0)
        self.emit(vehicle, reason)

    def emit(
        self,
        vehicle: SimVehicle,
        reason: int,
        *,
        stale: float = 0.0,
        locking: int | None = None,
    ) -> dict[str, Any] | None:
        """Build and send one snapshot (dated ``stale`` s ago); None when the car sends none."""
        settings, now = vehicle.events, self.state.now()
        at = now - stale
        status = self._status(vehicle, at)
        if status is None or not settings.enabled:
            return None
        session = self.sessions.setdefault(vehicle.vin, CarSession())
        reading = read(status)
        charging = _electric(status)
        if not stale and reading.hmi == 1 and charging is not None:
            rate = charging[1].get("chargingRate")
            session.rate = rate if isinstance(rate, int | float) else session.rate
        session.counter += 1
        lagged = self._status(vehicle, at - settings.soc_lag) or status
        payload = build_snapshot(
            status,
            lagged,
            vin=vehicle.vin,
            at=at,
            counter=session.counter,
            reason=reason,
            rate=session.rate,
        )
        if settings.soc_spike is not None and "charging_state" in payload:
            payload["charging_state"]["soc_batt"], settings.soc_spike = settings.soc_spike, None
        if locking is not None:
            payload["doors_state"]["doors_locking_state"] = locking
        elif not stale:  # an old snapshot or a transient says nothing about the car now
            session.last, session.last_at = reading, now
        self._deliver(vehicle, session, payload)
        return payload

    def _due(self, vehicle: SimVehicle) -> int | None:
        session = self.sessions.get(vehicle.vin)
        if session is None or session.last is None:
            return SESSION_START
        status = self._status(vehicle, self.state.now())
        if status is None:
            return None
        reading, last = read(status), session.last
        reason = reading.reason(last)
        if reason is not None or reading.hmi != 1:
            return reason
        settings = vehicle.events
        moved = (
            reading.level is not None
            and last.level is not None
            and settings.progress_percent > 0
            and abs(reading.level - last.level) >= settings.progress_percent
        )
        minutes = settings.progress_minutes
        late = minutes > 0 and self.state.now() - session.last_at >= minutes * 60
        return PROGRESS if moved or late else None

    def _status(self, vehicle: SimVehicle, at: float) -> Block | None:
        data = vehicle.payload("status", PayloadContext(at, "", vehicle.id))
        return data if isinstance(data, dict) else None

    def _deliver(self, vehicle: SimVehicle, session: CarSession, payload: dict[str, Any]) -> None:
        session.log.append(payload)
        if vehicle.events.hold_next:
            vehicle.events.hold_next = False
            session.held = payload
            return
        self._send(vehicle, session, payload)
        if session.held is not None:
            held, session.held = session.held, None
            self._send(vehicle, session, held)

    def _send(self, vehicle: SimVehicle, session: CarSession, payload: dict[str, Any]) -> None:
        """Deliver after the car's delay, and after the car's earlier snapshots (per-car order)."""
        task = asyncio.create_task(
            self._later(vehicle.events.delay, session.tail, vehicle.vin, payload)
        )
        session.tail = task
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _later(
        self, delay: float, before: asyncio.Task[None] | None, vin: str, payload: dict[str, Any]
    ) -> None:
        if delay > 0:
            await asyncio.sleep(delay)
        if before is not None:
            await asyncio.wait([before])  # its outcome does not matter, only that it went first
        await self._publish(f"{EVENTS_PREFIX}{vin}", payload)

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(CHECK_INTERVAL)
            try:
                self.check()
            except Exception:  # a broken scenario status must not end the cars' events
                _LOGGER.exception("the cars' event check failed")
