"""Remote commands, the Home Assistant side: ``RemoteManager`` is ``coordinator.remote``.

It wires the library's three pieces together (token manager, MQTT connection, commander) for
one paired account, knows which command each car supports, which command is pending and how
the last one ended, and turns the library's errors into translated ``HomeAssistantError``s.
The remote entities (lock, switch, time, button and the last-command sensor) read it and act
through ``async_command``. A pairing that can no longer log in raises a repair issue (not a
reauth: the account's own login is fine); it goes once the pairing works again (a token, a
command's answer, the broker letting us in) or remote commands are turned off.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime, time, timedelta
import ssl
from typing import TYPE_CHECKING, Any, Protocol

from homeassistant.const import CONF_COUNTRY
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.util import dt as dt_util
from homeassistant.util.ssl import get_default_context

from .api.derived import charging_in_progress
from .api.exceptions import PSACommandError, PSAError, PSARateLimitError, PSARemoteAuthError
from .api.models import Vehicle, VehicleData
from .api.remote.account import PSARemoteApi
from .api.remote.commands import RemoteCommander
from .api.remote.events import event_vin
from .api.remote.models import (
    SERVICES,
    CommandProgress,
    CommandResult,
    OtpState,
    PreconditioningProgram,
    RemoteToken,
)
from .api.remote.mqtt import RemoteConnection
from .api.remote.otp import InWeboClient
from .api.remote.tokens import RemoteTokenManager
from .const import DOMAIN, LOGGER, PUSH_QUIET_LIMIT, get_endpoints
from .remote_store import RemoteStore

if TYPE_CHECKING:
    from .coordinator import PSAConfigEntry, PSADataUpdateCoordinator

ISSUE_REMOTE_AUTH = "remote_auth"

# Commands of the traction battery: only cars that charge from the grid (remote-commands.md
# §1.1: the peers gate them on these motorizations; Hydrogen vans are left out until a car
# shows it accepts them).
CHARGE_COMMANDS = frozenset({"charge", "charge_limit"})
CHARGE_MOTORIZATIONS = frozenset({"electric", "hybrid"})

# The outcome keys of a command (the last-command sensor's states): pending while the car has
# not answered, done on 0 or 1, else the library's reason, or what kept it from being sent.
COMMAND_REASONS = (
    "asleep",
    "not_supported",
    "failed",
    "vin_error",
    "privacy",
    "duplicate",
    "token",
    "timeout",
    "busy",
    "not_connected",
)
OUTCOMES = ("done", "pending", *COMMAND_REASONS, "rate_limited", "auth_failed", "unreachable")

_SUCCESS_CODES = frozenset({"0", "1"})
_WITH_CODE = frozenset({"failed", "vin_error"})  # their message names the car's return code
_COMMAND_BY_SERVICE = {service: command for command, service in SERVICES.items()}


def command_allowed(vehicle: Vehicle, command: str) -> bool:
    """Whether the car's motorization allows the command at all (its subscription aside)."""
    if command not in CHARGE_COMMANDS:
        return True
    return (vehicle.motorization or "").strip().lower() in CHARGE_MOTORIZATIONS


# The delayed-charge start sent with a charge command when the car never told its own (both
# peers send the car's current one; 22:00 is the usual off-peak start).
DEFAULT_DELAYED_START = time(22, 0)


def charging_now(data: VehicleData | None) -> bool:
    """Whether the car reports a charge in progress."""
    return charging_in_progress(data.status if data is not None else None)


def delayed_start(data: VehicleData | None) -> time | None:
    """The car's stored delayed-charge start (``nextDelayedTime``) as a time of day."""
    status = data.status if data is not None else None
    energy = status.electric if status is not None else None
    charging = energy.charging if energy is not None else None
    delay = charging.next_delayed_time if charging is not None else None
    if delay is None or not timedelta(0) <= delay < timedelta(days=1):
        return None
    minutes = int(delay.total_seconds()) // 60
    return time(minutes // 60, minutes % 60)


def charge_params(data: VehicleData | None, *, now: bool) -> dict[str, Any]:
    """``charge(now, start)``: the car keeps its delayed start (ours when it has none)."""
    return {"now": now, "start": delayed_start(data) or DEFAULT_DELAYED_START}


def current_programs(data: VehicleData | None) -> tuple[PreconditioningProgram, ...] | None:
    """The car's preconditioning programs as its status lists them; None without the block.

    A slot the car does not list is an unset one: the commander fills in the placeholder
    there, never over a program the car reported.
    """
    block = data.status.preconditioning if data is not None and data.status else None
    return None if block is None else tuple(block.programs)


def precondition_params(data: VehicleData | None, *, on: bool) -> dict[str, Any]:
    """``precondition(on, programs)`` with the car's programs sent back as they are.

    Without the car's preconditioning block nothing is sent: whether the placeholders of
    four unknown slots would erase the programs the owner saved is an open question
    (remote-commands.md §11.10), and the safe side is not to risk it.
    """
    programs = current_programs(data)
    if programs is None:
        raise HomeAssistantError(translation_domain=DOMAIN, translation_key="programs_unknown")
    return {"on": on, "programs": programs}


@dataclass(frozen=True, slots=True, kw_only=True)
class CommandRecord:
    """How a car's last command went: ``outcome`` is one of ``OUTCOMES``."""

    command: str
    outcome: str
    code: str | None
    at: datetime


class RemotePairingLike(Protocol):
    """What the manager reads of ``remote_store.RemotePairing``."""

    @property
    def customer_id(self) -> str:
        """The MQTT customer id."""

    @property
    def otp(self) -> OtpState:
        """The OTP state (secret)."""

    @property
    def token(self) -> RemoteToken | None:
        """The MQTT token, if one was minted."""

    @property
    def unsupported(self) -> Mapping[str, Collection[str]]:
        """The commands each car refused as not part of its subscription."""


class RemoteStoreLike(Protocol):
    """What the manager uses of ``remote_store.RemoteStore``."""

    async def async_load(self) -> Any:
        """The pairing (a ``RemotePairing``), None when not paired."""

    async def async_save_otp(self, otp: OtpState) -> None:
        """Keep the OTP state (before its code is used)."""

    async def async_save_token(self, token: RemoteToken) -> None:
        """Keep the MQTT token."""

    async def async_save_unsupported(self, unsupported: Mapping[str, Collection[str]]) -> None:
        """Keep the refused commands."""


class TokenSource(Protocol):
    """What the manager uses of ``api.remote.RemoteTokenManager``."""

    async def async_get_access_token(self) -> str:
        """A current MQTT access token."""

    async def async_force_refresh(self) -> str:
        """A new MQTT access token."""


class Connection(Protocol):
    """What the manager uses of ``api.remote.RemoteConnection``."""

    @property
    def connected(self) -> bool:
        """Whether the broker accepted us and the subscriptions are in place."""

    async def start(self) -> None:
        """Start connecting (returns at once)."""

    async def stop(self) -> None:
        """Disconnect for good."""

    def set_vins(self, vins: Iterable[str]) -> None:
        """Subscribe to the events of these cars only."""


class Commander(Protocol):
    """What the manager uses of ``api.remote.RemoteCommander``.

    Each command is the method of the same name (``lock``, ``charge``, ...: the keys of
    ``SERVICES``), called as ``method(vin, **params)``.
    """

    def handle_message(self, topic: str, payload: Any) -> None:
        """Read a broker message (replies to commands)."""


@dataclass(frozen=True, slots=True)
class RemoteParts:
    """The library's pieces for one account."""

    tokens: TokenSource
    connection: Connection
    commander: Commander


def create_store(hass: HomeAssistant, entry_id: str) -> RemoteStoreLike:
    """The entry's remote-commands store (remote_store.py)."""
    store: RemoteStoreLike = RemoteStore(hass, entry_id)
    return store


def build_remote_parts(manager: RemoteManager, ssl_context: ssl.SSLContext) -> RemoteParts:
    """The token manager, the MQTT connection and the commander of the manager's account."""
    hass, pairing, store = manager.hass, manager.pairing, manager.store
    endpoints = get_endpoints()
    session = async_get_clientsession(hass)
    api = PSARemoteApi(
        session,
        manager.coordinator.auth,
        base_url=endpoints.remote_api_base_url,
        locale=_locale(hass, manager.entry),
    )
    inwebo = InWeboClient(session, url=endpoints.otp_url)
    tokens = RemoteTokenManager(
        api,
        inwebo,
        pairing.otp,
        pairing.token,
        on_otp_update=store.async_save_otp,
        on_token_update=store.async_save_token,
    )
    connection = RemoteConnection(
        host=endpoints.mqtt_host,
        port=endpoints.mqtt_port,
        ssl_context=ssl_context,
        customer_id=pairing.customer_id,
        vins=list(manager.coordinator.data or {}),
        get_token=manager.async_get_token,
        force_refresh=manager.async_force_refresh,
        on_message=manager.handle_message,
        on_connection=manager.handle_connection,
        loop=hass.loop,
    )
    commander = RemoteCommander(
        connection, tokens, pairing.customer_id, on_progress=manager.handle_progress
    )
    return RemoteParts(tokens=tokens, connection=connection, commander=commander)


def _locale(hass: HomeAssistant, entry: PSAConfigEntry) -> str:
    """``fr-FR``: Home Assistant's language and the account's country."""
    language = (hass.config.language or "en").split("-")[0].lower()
    return f"{language}-{str(entry.data.get(CONF_COUNTRY, 'GB')).upper()}"


def _ssl_context(ca_file: str | None) -> ssl.SSLContext:
    """A verifying TLS context: the simulator's CA when set, else the system's (blocking I/O)."""
    if ca_file is None:
        return get_default_context()
    return ssl.create_default_context(cafile=ca_file)


async def async_setup_remote(
    hass: HomeAssistant, entry: PSAConfigEntry, coordinator: PSADataUpdateCoordinator
) -> RemoteManager | None:
    """The started manager when the entry is paired, else None (and no stale repair issue)."""
    store = create_store(hass, entry.entry_id)
    pairing: RemotePairingLike | None = await store.async_load()
    if pairing is None:
        ir.async_delete_issue(hass, DOMAIN, remote_issue_id(entry.entry_id))
        return None
    manager = RemoteManager(hass, entry, coordinator, pairing, store)
    try:
        await manager.async_start()
    except (OSError, ssl.SSLError) as err:  # an unreadable CA file: the rest still works
        LOGGER.error("Remote commands not started: %s", err)
        return None
    return manager


def remote_issue_id(entry_id: str) -> str:
    """The repair issue of an entry whose pairing no longer logs in."""
    return f"{ISSUE_REMOTE_AUTH}_{entry_id}"


class RemoteManager:
    """Remote commands of one paired account: state for the entities, and the way to act."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: PSAConfigEntry,
        coordinator: PSADataUpdateCoordinator,
        pairing: RemotePairingLike,
        store: RemoteStoreLike,
    ) -> None:
        """Nothing runs before ``async_start``."""
        self.hass = hass
        self.entry = entry
        self.coordinator = coordinator
        self.pairing = pairing
        self.store = store
        self._parts: RemoteParts | None = None
        self._unsupported: dict[str, set[str]] = {
            vin: set(commands) for vin, commands in pairing.unsupported.items()
        }
        self._pending: set[tuple[str, str]] = set()
        self._last: dict[str, CommandRecord] = {}
        self._listeners: list[CALLBACK_TYPE] = []
        # Push state, on the coordinator's clock (seconds): since when the connection is up
        # (None: down), the last message of any kind, and each car's last event.
        self.connected_since: float | None = None
        self.last_message_at: float | None = None
        self.last_event_at: dict[str, float] = {}
        self.quiet_limit: float = PUSH_QUIET_LIMIT  # shorter in tests

    # --- life cycle -----------------------------------------------------------------------

    async def async_start(self) -> None:
        """Build the pieces and start connecting (returns at once; the connection retries)."""
        ca_file = get_endpoints().mqtt_ca_file
        # Loading certificates reads files: never in the event loop.
        ssl_context = await self.hass.async_add_executor_job(_ssl_context, ca_file)
        self._parts = build_remote_parts(self, ssl_context)
        await self._parts.connection.start()

    async def async_stop(self) -> None:
        """Disconnect (no thread left behind); the entry is unloading."""
        parts, self._parts = self._parts, None
        if parts is not None:
            await parts.connection.stop()
        self._listeners.clear()

    def follow_vehicles(self, vins: Iterable[str]) -> None:
        """The account's cars changed: events of a new car are read without a reload."""
        if self._parts is not None:
            self._parts.connection.set_vins(vins)

    # --- what the entities read -----------------------------------------------------------

    @property
    def connected(self) -> bool:
        """Whether the MQTT connection is up (commands can be sent)."""
        return self._parts is not None and self._parts.connection.connected

    def supported(self, vin: str, command: str) -> bool:
        """Whether this car takes the command: its motorization, and no refusal so far."""
        data = (self.coordinator.data or {}).get(vin)
        if data is None or not command_allowed(data.vehicle, command):
            return False
        return command not in self._unsupported.get(vin, ())

    def pending(self, vin: str, command: str) -> bool:
        """Whether this command was sent to this car and has no final answer yet."""
        return (vin, command) in self._pending

    def last_result(self, vin: str) -> CommandRecord | None:
        """How the car's last command went (since the entry was loaded)."""
        return self._last.get(vin)

    def push_alive(self, now: float) -> bool:
        """Whether the cars' push events can be relied on to tell us of a change.

        Connected and subscribed, and either a message came within ``quiet_limit`` (a day) or
        the connection is younger than that (a fresh one has had no time to hear anything).
        """
        since = self.connected_since
        if not self.connected or since is None:
            return False
        last = self.last_message_at
        recent = last is not None and now - last < self.quiet_limit
        return recent or now - since < self.quiet_limit

    def diagnostics(self) -> dict[str, Any]:
        """What support needs to see, without a secret: no token, PIN, OTP state or code."""
        token = self.pairing.token
        now = self.coordinator.now()
        return {
            "connected": self.connected,
            "push_alive": self.push_alive(now),
            "connected_since": _iso(self.connected_since),
            "last_message_at": _iso(self.last_message_at),
            "last_event_at": _iso(max(self.last_event_at.values(), default=None)),
            "mqtt_token": None
            if token is None
            else {"expires_at": token.expires_at, "minted_at": token.minted_at},
            "otp_codes_last_24h": len(self.pairing.otp.used_at),
            "vehicles": [
                {
                    "vin": vin,
                    "unsupported": sorted(self._unsupported.get(vin, ())),
                    "pending": sorted(cmd for car, cmd in self._pending if car == vin),
                    "last_command": None if vin not in self._last else asdict(self._last[vin]),
                    "last_event_at": _iso(self.last_event_at.get(vin)),
                }
                for vin in sorted(self.coordinator.data or {})
            ],
        }

    @callback
    def async_add_listener(self, update: CALLBACK_TYPE) -> CALLBACK_TYPE:
        """Call ``update`` when the connection, a pending command or a result changes."""
        self._listeners.append(update)

        def _remove() -> None:
            if update in self._listeners:
                self._listeners.remove(update)

        return _remove

    @callback
    def _notify(self) -> None:
        for update in list(self._listeners):
            update()

    # --- acting -----------------------------------------------------------------------------

    async def async_command(self, vin: str, command: str, **params: Any) -> CommandResult:
        """Send one command and wait for the car's final answer.

        Failures raise a translated ``HomeAssistantError`` (no secret in it). A final 0 (or 1)
        asks the coordinator for this car's status at once, which confirms the new state.
        """
        if command not in SERVICES:
            raise ValueError(f"unknown command {command!r}")
        parts = self._parts
        if parts is None or not self.connected:
            self._record(vin, command, "not_connected", None)
            raise _command_error("not_connected")
        if not self.supported(vin, command):  # refused before: not sent again
            raise _command_error("not_supported")
        if self.pending(vin, command):  # e.g. the charging switch and the start time at once
            raise _command_error("busy")  # the record stays the pending command's
        send: Callable[..., Awaitable[CommandResult]] = getattr(parts.commander, command)
        previous = self._last.get(vin)
        self._pending.add((vin, command))
        self._record(vin, command, "pending", None)
        try:
            result = await send(vin, **params)
        except PSACommandError as err:
            await self._async_command_failed(vin, command, err, previous)
            raise _command_error(err.reason, err.code) from err
        except PSARateLimitError as err:
            self._record(vin, command, "rate_limited", None)
            seconds = str(round(err.retry_after)) if err.retry_after is not None else "?"
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="command_rate_limited",
                translation_placeholders={"seconds": seconds},
            ) from err
        except PSARemoteAuthError as err:
            self._record(vin, command, "auth_failed", None)
            self.async_raise_auth_issue()
            raise HomeAssistantError(
                translation_domain=DOMAIN, translation_key="remote_auth_failed"
            ) from err
        except PSAError as err:  # the token endpoints could not be reached
            self._record(vin, command, "unreachable", None)
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="command_unreachable",
                translation_placeholders={"error": str(err)},
            ) from err
        finally:
            self._pending.discard((vin, command))
            self._notify()
        self._record(vin, command, "done", result.code)
        self._clear_auth_issue()  # the car answered: the remote login works
        if result.code in _SUCCESS_CODES:
            self.entry.async_create_task(
                self.hass,
                self.coordinator.async_request_vehicle_refresh(vin),
                f"{DOMAIN} status after {command}",
            )
        return result

    async def _async_command_failed(
        self, vin: str, command: str, err: PSACommandError, previous: CommandRecord | None
    ) -> None:
        reason = err.reason if err.reason in COMMAND_REASONS else "failed"
        if reason == "busy":  # another command of this car is pending: its record is back
            if previous is not None:
                self._last[vin] = previous
            else:
                self._last.pop(vin, None)
            return
        self._record(vin, command, reason, err.code)
        if reason != "not_supported":
            return
        # Not part of this car's subscription: its entity goes unavailable, across restarts.
        LOGGER.warning(
            "Vehicle …%s refused %s: not part of its subscription; its entity is now unavailable",
            vin[-4:],
            command,
        )
        self._unsupported.setdefault(vin, set()).add(command)
        await self.store.async_save_unsupported(self._unsupported)

    def _record(self, vin: str, command: str, outcome: str, code: str | None) -> None:
        self._last[vin] = CommandRecord(
            command=command, outcome=outcome, code=code, at=dt_util.utcnow()
        )
        self._notify()

    # --- callbacks of the library (all in the event loop) -----------------------------------

    @callback
    def handle_message(self, topic: str, payload: Any) -> None:
        """A broker message: a car's event goes to the coordinator, a reply to the commander."""
        now = self.coordinator.now()
        self.last_message_at = now
        vin = event_vin(topic)
        if vin is not None:
            self.last_event_at[vin] = now
            self.coordinator.async_handle_event(payload)
            return
        if self._parts is not None:
            self._parts.commander.handle_message(topic, payload)

    @callback
    def handle_connection(self, connected: bool) -> None:
        """The connection went up or down: entities follow; being in again clears the issue."""
        if connected:
            self.connected_since = self.coordinator.now()
            self._clear_auth_issue()
        else:
            self.connected_since = None
        self._notify()

    @callback
    def handle_progress(self, progress: CommandProgress) -> None:
        """A progress reply (900/901/903) of a pending command: its code shows on the sensor."""
        command = _COMMAND_BY_SERVICE.get(progress.service)
        if command is None or progress.final or not self.pending(progress.vin, command):
            return
        self._record(progress.vin, command, "pending", progress.code)

    async def async_get_token(self) -> str:
        """The connection's token: a lost pairing raises the repair issue (not a reauth)."""
        return await self._async_token(refresh=False)

    async def async_force_refresh(self) -> str:
        """A new token after the broker refused the current one."""
        return await self._async_token(refresh=True)

    async def _async_token(self, *, refresh: bool) -> str:
        if self._parts is None:
            raise PSACommandError("not_connected")
        tokens = self._parts.tokens
        try:
            if refresh:
                token = await tokens.async_force_refresh()
            else:
                token = await tokens.async_get_access_token()
        except PSARemoteAuthError:
            self.async_raise_auth_issue()
            raise
        self._clear_auth_issue()  # the pairing logs in (again)
        return token

    @callback
    def async_raise_auth_issue(self) -> None:
        """The pairing no longer logs in: ask the user to pair again.

        Not fixable from the repair: pairing is the options flow's step (one place that
        asks for an SMS, each of which costs one of the account's few device slots), so the
        text says where to go.
        """
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            remote_issue_id(self.entry.entry_id),
            is_fixable=False,
            severity=ir.IssueSeverity.ERROR,
            translation_key=ISSUE_REMOTE_AUTH,
            translation_placeholders={"title": self.entry.title},
        )

    @callback
    def _clear_auth_issue(self) -> None:
        """The pairing works: a new one, a token that works again, or the broker let us in."""
        ir.async_delete_issue(self.hass, DOMAIN, remote_issue_id(self.entry.entry_id))


def _iso(timestamp: float | None) -> str | None:
    """A time of the coordinator's clock (UTC seconds) for diagnostics."""
    if timestamp is None:
        return None
    return datetime.fromtimestamp(timestamp, dt_util.UTC).isoformat()


def _command_error(reason: str, code: str | None = None) -> HomeAssistantError:
    """The translated error of a command's reason (``failed`` for one we do not know)."""
    key = reason if reason in COMMAND_REASONS else "failed"
    placeholders = {"code": code or "-"} if key in _WITH_CODE else None
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key=f"command_{key}",
        translation_placeholders=placeholders,
    )
