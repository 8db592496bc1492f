"""Vehicles of the simulated account and the payloads they serve."""

from __future__ import annotations

from collections.abc import Callable, Mapping
import copy
from dataclasses import dataclass, field
import hashlib
from typing import Any

from .config import ReplyDelays
from .const import CONTROL_PREFIX, ENDPOINTS
from .remote.effects import RemoteEffects


@dataclass(frozen=True, slots=True)
class PayloadContext:
    """What a generated payload may depend on: the time, where it is served, the API id."""

    now: float
    api_base: str
    """Absolute API base of this request, e.g. ``http://127.0.0.1:8765/connectedcar/v4``."""
    vehicle_id: str


Generator = Callable[[PayloadContext], Any]

# Keys of a scenario vehicle that are endpoint payloads, not fields of the list item.
PAYLOAD_KEYS = frozenset(ENDPOINTS)

# Remote services a car can have in its subscription (remote-commands.md §1.1), by the name of
# the service path they open: VehCharge opens /VehCharge and /VehCharge/limit; the wake-up
# (/VehCharge/state) comes with VehCharge or ThermalPrecond (E-remote or Connect Plus, §1.1).
REMOTE_SERVICES = ("VehCharge", "ThermalPrecond", "Doors", "Horn", "Lights")
CHARGE_SERVICES = frozenset({"VehCharge"})
CHARGING_MOTORIZATIONS = frozenset({"Electric", "Hybrid"})


@dataclass(frozen=True, slots=True)
class NextFinal:
    """A final reply forced on the car's next command (failure injection)."""

    code: str
    resp_data: dict[str, Any] | None = None
    blank_ids: bool = False
    """Send ``vin`` and ``correlation_id`` empty, as a 500 once came (§8.1)."""


@dataclass(kw_only=True)
class CommandRecord:
    """One command a car received: what was asked and how it ended (no token)."""

    at: float
    service: str
    params: Any
    correlation_id: str
    progress: list[str] = field(default_factory=list)
    code: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """The JSON of the control API's command log."""
        return {
            "at": self.at,
            "service": self.service,
            "params": copy.deepcopy(self.params),
            "correlation_id": self.correlation_id,
            "progress": list(self.progress),
            "code": self.code,
        }


@dataclass(kw_only=True)
class EventSettings:
    """How a car publishes its push events (remote-commands.md §9); reset with the car."""

    enabled: bool = True
    """False: the car sends nothing (seen after recall updates, psacc#665)."""
    delay: float = 0.0
    """Real seconds between a snapshot and its delivery (events arrive late)."""
    hold_next: bool = False
    """Hold the next snapshot back and deliver it after the one that follows (out of order)."""
    soc_lag: float = 300.0
    """``soc_batt``/``autonomy_zev`` are the REST values of this many seconds before (they lag)."""
    soc_spike: float | None = None
    """The next snapshot's ``soc_batt`` (a spike), once."""
    progress_percent: float = 5.0
    """While charging, a snapshot each time the REST level moved this much (0: never)."""
    progress_minutes: float = 0.0
    """While charging, a snapshot at least this often in simulator minutes (0: never)."""
    transients: bool = False
    """A lock/unlock command first sends the mid-lock 7 / mid-unlock 0 locking state."""

    def validate(self) -> None:
        """Raise TypeError on a flag that is not a bool, ValueError on a bad number."""
        for name in ("enabled", "hold_next", "transients"):
            if not isinstance(getattr(self, name), bool):
                raise TypeError(f"event setting {name} must be true or false")
        numbers = ("delay", "soc_lag", "progress_percent", "progress_minutes", "soc_spike")
        for name in numbers:
            value = getattr(self, name)
            if value is None and name == "soc_spike":
                continue
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise ValueError(f"event setting {name} must be a number >= 0")


def make_vehicle_id(vin: str, generation: int = 0) -> str:
    """A long opaque hex id (192 chars, like the real ~190), stable for (VIN, generation)."""
    return "".join(
        hashlib.sha256(f"{vin}:{generation}:{part}".encode()).hexdigest() for part in "abc"
    )


@dataclass(kw_only=True)
class SimVehicle:
    """One car: list item fields, payload sources and the test hooks' overrides."""

    vin: str
    id: str
    fields: dict[str, Any]
    """Fields of the ``/user/vehicles`` item besides ``_links`` and ``id`` (served verbatim)."""
    payloads: dict[str, Any] = field(default_factory=dict)
    """Static payloads by endpoint name (scenario vehicles)."""
    generators: dict[str, Generator] = field(default_factory=dict)
    """Living payloads by endpoint name (demo vehicles); they win over ``payloads``."""
    local_picture: bool = False
    """Put ``<base>/_simulator/pictures/<vin>.png`` first in ``pictures``."""
    id_generation: int = 0
    status_override: Any = None
    trips_override: Any = None
    """Served instead of the car's trips (a list is filtered and paged); None: the normal ones."""
    status_drop: set[str] = field(default_factory=set)
    status_set: dict[str, Any] = field(default_factory=dict)
    no_data: set[str] = field(default_factory=set)
    remote: frozenset[str] | None = None
    """Remote services of the subscription; None: all that the motorization allows."""
    asleep: bool = False
    """Asleep or offline: every command ends 900 -> 901 -> 300 (§8.2, §10)."""
    reply_delays: ReplyDelays | None = None
    """This car's reply delays; None: the simulator's ``config.reply_delays``."""
    next_final: NextFinal | None = None
    commands: list[CommandRecord] = field(default_factory=list)
    effects: RemoteEffects = field(default_factory=RemoteEffects)
    """What the remote commands changed, laid over every status served."""
    events: EventSettings = field(default_factory=EventSettings)
    """How the car's push events are delivered (``remote/events.py``)."""

    def remote_services(self) -> frozenset[str]:
        """The services this car accepts (charge services only on Electric/Hybrid by default)."""
        if self.remote is not None:
            return self.remote
        if self.fields.get("motorization") in CHARGING_MOTORIZATIONS:
            return frozenset(REMOTE_SERVICES)
        return frozenset(REMOTE_SERVICES) - CHARGE_SERVICES

    def item(self, api_base: str, server_base: str) -> dict[str, Any]:
        """The vehicle as ``/user/vehicles`` lists it (psa-api.md §5.1)."""
        fields = copy.deepcopy(self.fields)
        links = fields.pop("_links", None) or vehicle_links(api_base, self.id)
        if self.local_picture:
            own = f"{server_base}{CONTROL_PREFIX}/pictures/{self.vin}.png"
            fields["pictures"] = [own, *fields.get("pictures", [])]
        return {"_links": links, "id": self.id, **fields}

    def payload(self, endpoint: str, ctx: PayloadContext) -> Any:
        """The payload for one endpoint, or None when the car has no data there (-> 404)."""
        if endpoint in self.no_data:
            return None
        if endpoint == "status" and self.status_override is not None:
            data = copy.deepcopy(self.status_override)
        elif endpoint == "trips" and self.trips_override is not None:
            data = copy.deepcopy(self.trips_override)
        elif endpoint in self.generators:
            data = self.generators[endpoint](ctx)
        else:
            data = copy.deepcopy(self.payloads.get(endpoint))
        if endpoint == "status" and isinstance(data, dict):
            for key in self.status_drop:
                data.pop(key, None)
            data.update(copy.deepcopy(self.status_set))
            self.effects.apply(data)
        return data

    def reset_overrides(self) -> None:
        """Forget every status override, patch and no-data flag."""
        self.status_override = None
        self.trips_override = None
        self.status_drop.clear()
        self.status_set.clear()
        self.no_data.clear()
        self.effects.clear()
        self.events = EventSettings()


def vehicle_links(api_base: str, vehicle_id: str) -> dict[str, Any]:
    """The ``_links`` of a vehicle item, in the order the real API sends them."""
    own = f"{api_base}/user/vehicles/{vehicle_id}"
    return {
        "collisions": {"href": f"{own}/collisions"},
        "alarms": {"href": f"{own}/alarms"},
        "callbacks": {"href": f"{api_base}/user/callbacks"},
        "alerts": {"href": f"{own}/alerts"},
        "trips": {"href": f"{own}/trips"},
        "self": {"href": own},
        "lastPosition": {"href": f"{own}/lastPosition"},
        "remotes": {"href": f"{own}/callbacks/{{cbid}}/remotes", "templated": True},
        "telemetry": {"href": f"{own}/telemetry"},
        "user": {"href": f"{api_base}/user"},
        "maintenance": {"href": f"{own}/maintenance"},
        "status": {"href": f"{own}/status"},
        "monitors": {"href": f"{own}/callbacks/{{cbid}}/monitors", "templated": True},
    }


class ScenarioError(ValueError):
    """The scenario does not have the documented shape."""


def vehicle_from_spec(spec: Mapping[str, Any]) -> SimVehicle:
    """Build a static vehicle from a scenario entry; its payloads are served verbatim."""
    if not isinstance(spec, Mapping):
        raise ScenarioError("every vehicle must be a JSON object")
    vin = spec.get("vin")
    if not isinstance(vin, str) or not vin:
        raise ScenarioError("every vehicle needs a non-empty string 'vin'")
    vehicle_id = spec.get("id") or make_vehicle_id(vin)
    if not isinstance(vehicle_id, str) or "/" in vehicle_id:
        raise ScenarioError(f"vehicle {vin}: 'id' must be a string without '/'")
    own = PAYLOAD_KEYS | {"id", "remote"}
    fields = {k: copy.deepcopy(v) for k, v in spec.items() if k not in own}
    payloads = {k: copy.deepcopy(v) for k, v in spec.items() if k in PAYLOAD_KEYS}
    remote = None if spec.get("remote") is None else parse_services(spec["remote"], vin)
    return SimVehicle(vin=vin, id=vehicle_id, fields=fields, payloads=payloads, remote=remote)


def parse_services(value: Any, vin: str) -> frozenset[str]:
    """A scenario's (or the control API's) ``remote`` list; ScenarioError on anything else."""
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ScenarioError(f"vehicle {vin}: 'remote' must be a list of service names")
    if unknown := sorted(set(value) - set(REMOTE_SERVICES)):
        raise ScenarioError(
            f"vehicle {vin}: unknown remote services {unknown}; use {list(REMOTE_SERVICES)}"
        )
    return frozenset(value)
