"""RemoteCommander: remote commands as envelopes (§7) and their replies (§8).

One command at a time per car; each waits for its final reply, matched by correlation id.
A plain 400 is taken as a stale token (§8.2, open question 4): the token is refreshed and the
command resent once, with a new correlation id (as psacc does; a reply to the first one can then
never be taken for the second). Wake-ups are limited to 6 per 20 minutes per car (§10).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
import datetime
import logging
import time
from typing import Any, Final, Protocol
import uuid

from ..exceptions import PSACommandError, PSARateLimitError
from .models import SERVICES, CommandProgress, CommandResult, PreconditioningProgram

_LOGGER = logging.getLogger(__name__)

DEFAULT_TIMEOUT: Final = 180.0  # seconds; a 300 has come 89-128 s after the request (§8.2)
WAKE_UP_LIMIT: Final = 6
WAKE_UP_WINDOW: Final = 20 * 60.0
SUCCESS_CODES: Final = frozenset({"0", "1"})
NO_MATCHING_SERVICE: Final = "no.matching.service"
PROGRAM_SLOTS: Final = (1, 2, 3, 4)
# An unset preconditioning slot, as the peers and the car's own events write it (§7).
UNSET_PROGRAM: Final[Mapping[str, Any]] = {"day": [0] * 7, "hour": 34, "minute": 7, "on": 0}
# Horn and lights (open question 9): strings, as sv sends them. sv's form is the one known to
# reach the server (psacc's horn() never publishes, §7); the car ignores the values anyway
# (it honks and flashes its own way, psacc PR#677).
HORN_COUNT: Final = "2"
LIGHTS_DURATION: Final = "10"

_FINAL_REASONS: Final[Mapping[str, str]] = {
    # 300 "Vehicle.request.time.out": asleep in both cases, as a choice. After 901 (the backend
    # tried to wake the car) it is the asleep case of PR#529; 300 alone is the car not answering
    # in time, which for the user is the same thing: the car is out of reach right now, try
    # again later (a 15-minute trip restores the connectivity, §10).
    "300": "asleep",
    "113": "vin_error",
    "422": "privacy",
    "502": "duplicate",
}

# resp_data failure enums per service (§8.2, sv-idx), key -> value -> name.
_VEHCHARGE_ERRORS: Final = {
    0: "standby",
    1: "already_ongoing",
    2: "communication_problem",
    3: "not_stopped",
}
_RESP_DATA_ERRORS: Final[Mapping[str, Mapping[str, Mapping[int, str]]]] = {
    "/Doors": {
        "error": {0: "not_stopped"},
        "lock_resp_state": {2: "door_open", 3: "refused", 4: "unknown_reason", 5: "cid_inside"},
    },
    "/Horn": {"error": {0: "not_stopped", 1: "wait_before_resend"}},
    "/Lights": {"error": {0: "not_stopped", 2: "wait_before_resend"}},
    "/ThermalPrecond": {
        "error": {
            0: "not_stopped",
            1: "already_ongoing",
            2: "communication_problem",
            3: "stop_not_stopped",
            4: "stop_not_ongoing",
        }
    },
    "/VehCharge": {"error": _VEHCHARGE_ERRORS},
    "/VehCharge/state": {"error": _VEHCHARGE_ERRORS},
    "/VehCharge/limit": {"error": _VEHCHARGE_ERRORS},
}

REPLY_PREFIX: Final = "psa/RemoteServices/to/cid/"


class CommandChannel(Protocol):
    """What the commander needs of RemoteConnection."""

    async def publish(self, service: str, payload: Mapping[str, Any]) -> None:
        """Publish one command; PSACommandError("not_connected") when it cannot."""


class CommandTokens(Protocol):
    """What the commander needs of RemoteTokenManager."""

    async def async_get_access_token(self) -> str:
        """The current MQTT access token."""

    async def async_force_refresh(self) -> str:
        """A new MQTT access token, after the server refused the current one."""


class _TokenRefused(Exception):
    """A plain 400: the server did not take the envelope's token."""


@dataclass(eq=False)
class _Pending:
    vin: str
    service: str
    correlation_id: str = ""
    progress: list[str] = field(default_factory=list)
    reply: asyncio.Future[Mapping[str, Any]] | None = None


class RemoteCommander:
    """Sends remote commands and turns their replies into a result or a PSACommandError."""

    def __init__(
        self,
        connection: CommandChannel,
        tokens: CommandTokens,
        customer_id: str,
        *,
        on_progress: Callable[[CommandProgress], None] | None = None,
        clock: Callable[[], float] = time.time,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        """``timeout``: seconds to wait for the final reply of each publish."""
        self._connection = connection
        self._tokens = tokens
        self._customer_id = customer_id
        self._on_progress = on_progress
        self._clock = clock
        self._timeout = timeout
        self._pending: dict[str, _Pending] = {}
        self._wake_ups: dict[str, deque[float]] = {}

    def busy(self, vin: str) -> bool:
        """True while a command for this car waits for its final reply."""
        return vin in self._pending

    def wake_ups_left(self, vin: str) -> int:
        """How many wake-ups this car may still get in the current 20 minutes."""
        return WAKE_UP_LIMIT - len(self._recent_wake_ups(vin))

    async def lock(self, vin: str, locked: bool) -> CommandResult:
        """Lock or unlock the doors."""
        return await self._command(vin, "lock", {"action": "lock" if locked else "unlock"})

    async def precondition(
        self, vin: str, on: bool, programs: Sequence[PreconditioningProgram]
    ) -> CommandResult:
        """Start or stop preconditioning now, sending the four programs back.

        ``programs`` are the car's current ones, read from the status, so that every slot the
        user did not touch is sent as it is. Only a slot absent there gets the unset
        placeholder (open question 10: whether placeholders would erase saved programs is
        unknown, so they never go over a real one).
        """
        params = {
            "asap": "activate" if on else "deactivate",
            "programs": program_slots(programs),
        }
        return await self._command(vin, "precondition", params)

    async def charge(self, vin: str, now: bool, start: datetime.time) -> CommandResult:
        """Charge now (``immediate``) or from ``start`` on (``delayed``, also "stop")."""
        params = {
            "program": {"hour": start.hour, "minute": start.minute},
            "type": "immediate" if now else "delayed",
        }
        return await self._command(vin, "charge", params)

    async def charge_limit(self, vin: str, on: bool) -> CommandResult:
        """The car's own 80 % limit on (``daily``) or off (``trip``)."""
        return await self._command(vin, "charge_limit", {"action": "daily" if on else "trip"})

    async def wake_up(self, vin: str) -> CommandResult:
        """Ask the car for fresh state; at most 6 per 20 minutes per car (12 V battery)."""
        if self.busy(vin):
            raise PSACommandError("busy")
        recent = self._recent_wake_ups(vin)
        if len(recent) >= WAKE_UP_LIMIT:
            retry_after = recent[0] + WAKE_UP_WINDOW - self._clock()
            raise PSARateLimitError("wake-up budget spent", retry_after=max(retry_after, 0.0))
        return await self._command(vin, "wake_up", {"action": "state"}, on_sent=recent.append)

    async def horn(self, vin: str) -> CommandResult:
        """Sound the horn."""
        return await self._command(vin, "horn", {"nb_horn": HORN_COUNT, "action": "activate"})

    async def lights(self, vin: str) -> CommandResult:
        """Flash the lights."""
        params = {"duration": LIGHTS_DURATION, "action": "activate"}
        return await self._command(vin, "lights", params)

    def handle_message(self, topic: str, payload: Any) -> None:
        """Route a reply to its command; events and other topics are ignored here."""
        if not topic.startswith(REPLY_PREFIX) or not isinstance(payload, Mapping):
            return
        final = "return_code" in payload
        code = str(payload.get("return_code" if final else "process_code", ""))
        pending = self._match(payload, final)
        if pending is None or pending.reply is None:
            return
        if self._on_progress is not None:
            self._report(pending, code, final)
        if not final:
            pending.progress.append(code)
        elif not pending.reply.done():
            pending.reply.set_result(payload)

    def _match(self, payload: Mapping[str, Any], final: bool) -> _Pending | None:
        correlation_id = str(payload.get("correlation_id") or "")
        if correlation_id:
            for pending in self._pending.values():
                if pending.correlation_id == correlation_id:
                    return pending
            _LOGGER.debug("Remote reply for no pending command (late or another client)")
            return None
        # A final with empty ids (sv#182's 500): ours only if one command is pending.
        if final and len(self._pending) == 1:
            return next(iter(self._pending.values()))
        _LOGGER.warning(
            "Remote reply without correlation id (code %s) and %d commands pending: ignored",
            payload.get("return_code", payload.get("process_code")),
            len(self._pending),
        )
        return None

    def _report(self, pending: _Pending, code: str, final: bool) -> None:
        assert self._on_progress is not None
        progress = CommandProgress(
            vin=pending.vin,
            service=pending.service,
            correlation_id=pending.correlation_id,
            code=code,
            final=final,
        )
        try:
            self._on_progress(progress)
        except Exception:
            _LOGGER.exception("Error in the remote command progress callback")

    async def _command(
        self,
        vin: str,
        command: str,
        params: Mapping[str, Any],
        *,
        on_sent: Callable[[float], None] | None = None,
    ) -> CommandResult:
        if self.busy(vin):
            raise PSACommandError("busy")
        pending = _Pending(vin=vin, service=SERVICES[command])
        self._pending[vin] = pending  # before any await: a second call is busy at once
        try:
            try:
                reply = await self._send_once(pending, params, on_sent)
            except _TokenRefused:
                _LOGGER.debug("Remote command %s got a 400: new token, sending again", command)
                await self._tokens.async_force_refresh()
                try:
                    reply = await self._send_once(pending, params, None)
                except _TokenRefused:
                    raise PSACommandError("token", code="400") from None
        finally:
            del self._pending[vin]
        return CommandResult(
            vin=vin,
            service=pending.service,
            code=str(reply["return_code"]),
            progress=tuple(pending.progress),
            data=_resp_data(reply),
        )

    async def _send_once(
        self,
        pending: _Pending,
        params: Mapping[str, Any],
        on_sent: Callable[[float], None] | None,
    ) -> Mapping[str, Any]:
        """One publish and its final reply: the reply of 0/1, else an exception."""
        token = await self._tokens.async_get_access_token()
        now = datetime.datetime.fromtimestamp(self._clock(), datetime.UTC)
        pending.correlation_id = correlation_id(now)
        pending.progress = []
        pending.reply = asyncio.get_running_loop().create_future()
        envelope = {
            "access_token": token,
            "customer_id": self._customer_id,
            "correlation_id": pending.correlation_id,
            "req_date": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "vin": pending.vin,
            "req_parameters": params,
        }
        await self._connection.publish(pending.service, envelope)
        if on_sent is not None:
            on_sent(self._clock())
        try:
            async with asyncio.timeout(self._timeout):
                reply = await pending.reply
        except TimeoutError:
            raise PSACommandError("timeout") from None
        return _judge(pending.service, reply)

    def _recent_wake_ups(self, vin: str) -> deque[float]:
        recent = self._wake_ups.setdefault(vin, deque())
        horizon = self._clock() - WAKE_UP_WINDOW
        while recent and recent[0] <= horizon:
            recent.popleft()
        return recent


def correlation_id(now: datetime.datetime) -> str:
    """32 lowercase hex characters, then the UTC time as ``yyyymmddHHMMSSfff`` (§7)."""
    stamp = now.astimezone(datetime.UTC)
    return f"{uuid.uuid4().hex}{stamp:%Y%m%d%H%M%S}{stamp.microsecond // 1000:03d}"


def program_slots(programs: Sequence[PreconditioningProgram]) -> dict[str, dict[str, Any]]:
    """The four ``programN`` entries of ``/ThermalPrecond``: given slots as they are."""
    slots: dict[str, dict[str, Any]] = {
        f"program{slot}": {**UNSET_PROGRAM, "day": [0] * 7} for slot in PROGRAM_SLOTS
    }
    seen: set[int] = set()
    for program in programs:
        if program.slot not in PROGRAM_SLOTS or program.slot in seen:
            raise ValueError(f"preconditioning slot {program.slot} is not 1-4 or repeated")
        if len(program.days) != len(UNSET_PROGRAM["day"]):
            raise ValueError("a preconditioning program has 7 days, Monday first")
        seen.add(program.slot)
        slots[f"program{program.slot}"] = {
            "day": [int(bool(day)) for day in program.days],
            "hour": program.hour,
            "minute": program.minute,
            "on": int(program.enabled),
        }
    return slots


def _resp_data(reply: Mapping[str, Any]) -> Mapping[str, Any]:
    data = reply.get("resp_data")
    return dict(data) if isinstance(data, Mapping) else {}


def _judge(service: str, reply: Mapping[str, Any]) -> Mapping[str, Any]:
    """Return a successful final reply; raise for every other one (§8.2)."""
    code = str(reply.get("return_code", ""))
    if code in SUCCESS_CODES:
        return reply
    if code == "400":
        if NO_MATCHING_SERVICE in str(reply.get("reason", "")):
            raise PSACommandError("not_supported", code=code)
        raise _TokenRefused
    reason = _FINAL_REASONS.get(code, "failed")  # 500 and anything unknown
    raise PSACommandError(reason, code=code or None, detail=failure_detail(service, reply))


def failure_detail(service: str, reply: Mapping[str, Any]) -> str | None:
    """The name of the ``resp_data`` error of a failed reply, None when unknown (§8.2)."""
    data = _resp_data(reply)
    for key, names in _RESP_DATA_ERRORS.get(service, {}).items():
        value = data.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and value in names:
            return names[value]
    return None
