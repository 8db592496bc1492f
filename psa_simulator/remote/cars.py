"""The simulated cars' side of the broker: they answer remote commands (remote-commands.md §7, §8).

One MQTT client (amqtt's, in the simulator's event loop) subscribes to
``psa/RemoteServices/from/cid/+/#`` and hands each request to the car of its VIN, the way the
real backend relays between the broker and the cars. One client rather than one per car:
cars added or removed through the control API are served at once, with no connection to race.

A request is checked (access token current and the topic's customer id, VIN of the account,
service in the car's subscription, parameters), then answered with the real sequences:
900 -> 903 -> 0 for an awake car, 900 -> 901 -> 300 for an asleep or offline one. After a 0
the car's REST status shows what the command did (``effects.py``), and the car publishes a
push event with its new state (``events.py``, which also watches the statuses for changes).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
import json
import logging
from typing import TYPE_CHECKING, Any

from amqtt.client import MQTTClient  # type: ignore[import-untyped]

from ..const import DEFAULT_HOST
from ..timefmt import duration, iso
from ..vehicles import CommandRecord, PayloadContext, SimVehicle
from .broker import CAR_USERNAME, FROM_PREFIX, TO_PREFIX
from .effects import electric_charging, rest_program
from .events import EventPublisher

if TYPE_CHECKING:
    from ..state import SimulatorState

_LOGGER = logging.getLogger(__name__)

SUBSCRIPTION = f"{FROM_PREFIX}+/#"
NO_MATCHING_SERVICE = "[authorization.denied.cvs.response.no.matching.service.key]"
# 900 and 901 are the keys seen in 2025 (psacc#967); 903's key was never captured (made up).
PROCESS_MESSAGES = {
    "900": "[process.900.request.accepted.key]",
    "901": "[process.901.vehicle.asleep.key]",
    "903": "[process.903.request.forwarded.key]",
}
TIMED_OUT = "Vehicle.request.time.out"  # §8.2, 300
COMMAND_LOG_SIZE = 500  # per car: a soak test must not grow the simulator without end
# Service path -> the subscription entries that open it (any one is enough; §1.1).
SERVICES: dict[str, frozenset[str]] = {
    "/VehCharge": frozenset({"VehCharge"}),
    "/VehCharge/limit": frozenset({"VehCharge"}),
    "/VehCharge/state": frozenset({"VehCharge", "ThermalPrecond"}),
    "/ThermalPrecond": frozenset({"ThermalPrecond"}),
    "/Doors": frozenset({"Doors"}),
    "/Horn": frozenset({"Horn"}),
    "/Lights": frozenset({"Lights"}),
}
Outcome = tuple[str, dict[str, Any]]


def _is_int(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _is_count(value: Any) -> bool:
    """An integer or a string of digits (sv sends "2", psacc 2: open question 9)."""
    return _is_int(value, 0, 999) or (isinstance(value, str) and value.isdigit())


def _is_program(value: Any) -> bool:
    if not isinstance(value, Mapping):
        return False
    days = value.get("day")
    return (
        isinstance(days, list)
        and len(days) == 7
        and all(_is_int(day, 0, 1) for day in days)
        and _is_int(value.get("hour"), 0, 99)
        and _is_int(value.get("minute"), 0, 99)
        and _is_int(value.get("on"), 0, 1)
    )


def _charge_program(params: Mapping[str, Any]) -> bool:
    program = params.get("program")
    return (
        isinstance(program, Mapping)
        and _is_int(program.get("hour"), 0, 23)
        and _is_int(program.get("minute"), 0, 59)
    )


def _valid_programs(params: Mapping[str, Any]) -> bool:
    programs = params.get("programs", {})
    return isinstance(programs, Mapping) and all(
        key in {f"program{slot}" for slot in range(1, 5)} and _is_program(program)
        for key, program in programs.items()
    )


VALIDATORS: dict[str, Callable[[Mapping[str, Any]], bool]] = {
    "/Doors": lambda p: p.get("action") in ("lock", "unlock"),
    "/Horn": lambda p: p.get("action") == "activate" and _is_count(p.get("nb_horn", 1)),
    "/Lights": lambda p: p.get("action") == "activate" and _is_count(p.get("duration", 10)),
    "/VehCharge/state": lambda p: p.get("action") == "state",
    "/VehCharge/limit": lambda p: p.get("action") in ("daily", "trip"),
    "/VehCharge": lambda p: p.get("type") in ("immediate", "delayed") and _charge_program(p),
    "/ThermalPrecond": lambda p: p.get("asap") in ("activate", "deactivate") and _valid_programs(p),
}


def split_topic(topic: str) -> tuple[str, str] | None:
    """``psa/RemoteServices/from/cid/<cid>/Doors`` -> (``<cid>``, ``/Doors``)."""
    if not topic.startswith(FROM_PREFIX):
        return None
    customer_id, slash, path = topic.removeprefix(FROM_PREFIX).partition("/")
    return (customer_id, f"/{path}") if customer_id and slash and path else None


class Car:
    """The command logic of one car (its settings and state live on ``SimVehicle``)."""

    def __init__(self, state: SimulatorState, vehicle: SimVehicle) -> None:
        self.state = state
        self.vehicle = vehicle

    def status(self) -> dict[str, Any]:
        """The REST status the car serves now (with the effects so far)."""
        ctx = PayloadContext(self.state.now(), "", self.vehicle.id)
        data = self.vehicle.payload("status", ctx)
        return data if isinstance(data, dict) else {}

    def execute(self, service: str, params: Mapping[str, Any]) -> Outcome:
        """Carry out a command the car accepted; the final code and ``resp_data``."""
        effects, now = self.vehicle.effects, self.state.now()
        if service == "/Doors":
            effects.locked, effects.locked_at = params["action"] == "lock", now
            return "0", {"lock_resp_state": 1 if effects.locked else 0}
        if service == "/ThermalPrecond":
            self._precondition(params, now)
        elif service == "/VehCharge":
            return self._charge(params, now)
        elif service == "/VehCharge/limit":
            effects.charge_type = "Partial" if params["action"] == "daily" else "Full"
            effects.charging_at = now
        elif service == "/VehCharge/state":
            effects.refreshed_at = now
        return "0", {}

    def _precondition(self, params: Mapping[str, Any], now: float) -> None:
        effects = self.vehicle.effects
        effects.preconditioning = params["asap"] == "activate"
        effects.preconditioning_at = now
        sent = params.get("programs") or {}
        if not sent:
            return
        air = self.status().get("preconditionning", {}).get("airConditioning", {})
        known = {p.get("slot"): p for p in air.get("programs", []) if isinstance(p, dict)}
        programs = []
        for slot in range(1, 5):
            program = sent.get(f"program{slot}")
            if program is not None:
                programs.append(rest_program(slot, program))
            elif slot in known:
                programs.append(dict(known[slot]))
        effects.programs = programs

    def _charge(self, params: Mapping[str, Any], now: float) -> Outcome:
        effects = self.vehicle.effects
        charging = electric_charging(self.status())
        if params["type"] == "immediate" and not (charging and charging.get("plugged")):
            return "500", {"error": 0}  # §8.2 VehCharge errors: 0 = standby (not plugged in)
        program = params["program"]
        effects.charging = "InProgress" if params["type"] == "immediate" else "Stopped"
        effects.next_delayed = duration((program["hour"] * 60 + program["minute"]) * 60)
        effects.charging_at = now
        return "0", {}


class CarsClient:
    """The cars' MQTT client: connects with the internal credential, answers every request."""

    def __init__(self, state: SimulatorState, *, port: int, secret: str) -> None:
        self.state = state
        self.port = port  # the broker's plain backend port
        self._client = _CredentialClient(CAR_USERNAME, secret)
        self._listener: asyncio.Task[None] | None = None
        self._commands: set[asyncio.Task[None]] = set()
        self.events = EventPublisher(state, self.publish)

    async def start(self) -> None:
        """Connect and subscribe; returns once requests are being received."""
        await self._client.connect(f"mqtt://{DEFAULT_HOST}:{self.port}/")
        await self._client.subscribe([(SUBSCRIPTION, 0)])
        self._listener = asyncio.create_task(self._listen(), name="psa-simulator-cars")
        await self.events.start()

    async def stop(self) -> None:
        """Disconnect; commands still running are abandoned (as a broker restart would)."""
        await self.events.stop()
        tasks = [t for t in (self._listener, *self._commands) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._listener = None
        try:
            await self._client.disconnect()
        except Exception as err:  # amqtt raises several kinds on a dead link
            _LOGGER.debug("cars' client disconnect: %s", type(err).__name__)

    async def _listen(self) -> None:
        while True:
            try:
                message = await self._client.deliver_message()
            except Exception as err:  # the connection is gone: nothing more will come
                _LOGGER.warning("cars' MQTT client stopped receiving: %s", type(err).__name__)
                return
            if message is None:
                continue
            task = asyncio.create_task(self._handle(message.topic, bytes(message.data or b"")))
            self._commands.add(task)
            task.add_done_callback(self._commands.discard)

    async def publish(self, topic: str, payload: Mapping[str, Any]) -> None:
        """Publish a reply or an event (QoS 0); a failure is logged, not raised."""
        try:
            await self._client.publish(topic, json.dumps(payload).encode(), qos=0)
        except Exception as err:  # a message lost with the connection
            _LOGGER.warning("cars could not publish on %s: %s", topic, type(err).__name__)

    async def _handle(self, topic: str, data: bytes) -> None:
        parts = split_topic(topic)
        try:
            envelope = json.loads(data)
        except ValueError:
            envelope = None
        if parts is None or not isinstance(envelope, dict):
            _LOGGER.info("cars ignore a request that is not a JSON envelope on %s", topic)
            return
        await Request(self, parts[0], parts[1], envelope).run()


class Request:
    """One command from its envelope to its final reply."""

    def __init__(
        self, client: CarsClient, customer_id: str, service: str, envelope: dict[str, Any]
    ) -> None:
        self.client = client
        self.state = client.state
        self.customer_id = customer_id
        self.service = service
        self.envelope = envelope
        self.vin = str(envelope.get("vin") or "")
        self.correlation_id = str(envelope.get("correlation_id") or "")
        self.record: CommandRecord | None = None

    def _vehicle(self) -> SimVehicle | None:
        return next((v for v in self.state.vehicles if v.vin == self.vin), None)

    async def run(self) -> None:
        """Check, then answer with the sequence the car's settings call for."""
        vehicle = self._vehicle()
        params = self.envelope.get("req_parameters")
        if vehicle is not None:
            self.record = CommandRecord(
                at=self.state.now(),
                service=self.service,
                params=params,
                correlation_id=self.correlation_id,
            )
            vehicle.commands.append(self.record)
            del vehicle.commands[:-COMMAND_LOG_SIZE]
        tokens = self.state.remote_tokens
        token_ok = tokens.valid_access_token(self.envelope.get("access_token"))
        if not token_ok or self.envelope.get("customer_id") != self.customer_id:
            await self.final("400")  # §8.2: a plain 400 is an invalid or expired token
            return
        allowed = SERVICES.get(self.service, frozenset())
        if vehicle is None or not allowed & vehicle.remote_services():
            await self.final("400", reason=NO_MATCHING_SERVICE)
            return
        if not isinstance(params, dict) or not VALIDATORS[self.service](params):
            await self.final("400")  # what the server does with bad parameters is unknown
            return
        await self.sequence(vehicle, params)

    async def sequence(self, vehicle: SimVehicle, params: dict[str, Any]) -> None:
        """900 -> 903 -> final, or 900 -> 901 -> 300 while asleep."""
        delays = vehicle.reply_delays or self.state.config.reply_delays
        await asyncio.sleep(delays.accepted)
        await self.progress("900")
        await asyncio.sleep(delays.forwarded)
        if vehicle.asleep:
            await self.progress("901")
            await asyncio.sleep(delays.asleep_timeout)
            await self.final("300", reason=TIMED_OUT)
            return
        await self.progress("903")
        await asyncio.sleep(delays.completed)
        forced, vehicle.next_final = vehicle.next_final, None
        if forced is None:
            code, data = Car(self.state, vehicle).execute(self.service, params)
            await self.final(code, data)
        else:
            code = forced.code
            if code in ("0", "1"):
                Car(self.state, vehicle).execute(self.service, params)
            if forced.blank_ids:
                self.vin = self.correlation_id = ""
            await self.final(code, dict(forced.resp_data or {}))
        if code in ("0", "1"):  # the car changed: it tells its subscribers (§9)
            self.client.events.after_command(vehicle, self.service, params)

    async def progress(self, code: str) -> None:
        """A ``ProcessManagement`` message."""
        if self.record is not None:
            self.record.progress.append(code)
        topic = f"{TO_PREFIX}{self.customer_id}{self.service}/ProcessManagement"
        await self.client.publish(
            topic,
            {
                "process_date": iso(self.state.now()),
                "vin": self.vin,
                "correlation_id": self.correlation_id,
                "process_code": code,
                "process_message": PROCESS_MESSAGES[code],
            },
        )

    async def final(
        self, code: str, data: dict[str, Any] | None = None, *, reason: str | None = None
    ) -> None:
        """The final message of the command."""
        if self.record is not None:
            self.record.code = code
        payload: dict[str, Any] = {
            "resp_date": iso(self.state.now()),
            "vin": self.vin,
            "correlation_id": self.correlation_id,
            "return_code": code,
            "resp_data": data or {},
        }
        if reason is not None:
            payload["reason"] = reason
        topic = f"{TO_PREFIX}{self.customer_id}{self.service}"
        await self.client.publish(topic, payload)


class _CredentialClient(MQTTClient):  # type: ignore[misc]
    """amqtt's client with the credential set on the session, not in the URI (amqtt logs that)."""

    def __init__(self, username: str, password: str) -> None:
        config = {"auto_reconnect": False, "keep_alive": 60, "plugins": {}}
        super().__init__(client_id=CAR_USERNAME, config=config)
        self._credential = (username, password)

    def _init_session(self, *args: Any, **kwargs: Any) -> Any:
        session = super()._init_session(*args, **kwargs)
        session.username, session.password = self._credential
        return session
