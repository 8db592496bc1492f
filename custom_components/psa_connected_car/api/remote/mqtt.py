"""RemoteConnection: one MQTT connection per account to the remote-services broker (§5, §6).

Threads: every connection attempt gets a fresh paho client whose network loop runs in paho's
own thread (``loop_start``). That thread also makes the blocking part of the connection (DNS,
TCP, TLS handshake), through ``connect_async``, so the event loop never blocks. paho's own
reconnect is off (``reconnect_on_failure=False``): the thread ends with the connection, and the
supervisor task in the event loop decides when to try again, with which token and after which
delay. paho's loop runs in a thread rather than on ``add_reader``/``add_writer`` because that is
paho's supported threaded mode (its publish and subscribe are safe from another thread there),
while the asyncio mode would need our own misc-loop timer and socket bookkeeping. Every paho
callback only hops into the event loop (``call_soon_threadsafe``); all state lives there.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
import contextlib
from dataclasses import dataclass, field
import json
import logging
import random
import socket
import ssl
import threading
import time
from typing import Any, Final

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from ..exceptions import PSACommandError
from .models import MQTT_USERNAME

_LOGGER = logging.getLogger(__name__)

KEEPALIVE: Final = 120  # seconds, as sv since 958ba8b (§5)
CONNECT_TIMEOUT: Final = 10.0  # TCP connect; the TLS handshake is bounded by the keepalive
DISCONNECT_GRACE: Final = 2.0  # stop(): time for DISCONNECT to go out before the socket is cut
RECONNECT_DELAYS: Final = (1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 300.0)  # the last one repeats
# "Some Stellantis MQTT servers drop packets with a TCP payload greater than 1456 bytes" (§5,
# sv#251): the SYN announces this MSS, so the server never sends bigger segments.
MAX_SEGMENT_SIZE: Final = 1456
# CONNACK refusals that mean the token: 4 bad user name or password, 5 not authorised, as paho
# 2 reports them (reason codes 134 and 135).
AUTH_REFUSALS: Final = frozenset({134, 135})
# paho 2 reports every lost connection of MQTT 3.1.1 as "Unspecified error", so paho 1's rc 1
# (dropped right after a publish with a bad token or customer id, psacc#47/#48/#113) cannot be
# told from rc 7 (reset). A drop this soon after our own publish is taken as that case.
DROP_AFTER_PUBLISH: Final = 10.0


def reply_topic(customer_id: str) -> str:
    """The topic filter of every reply to this account's commands (§6)."""
    return f"psa/RemoteServices/to/cid/{customer_id}/#"


def event_topic(vin: str) -> str:
    """The push-event topic of one car (§6)."""
    return f"psa/RemoteServices/events/MPHRTServices/{vin}"


def command_topic(customer_id: str, service: str) -> str:
    """Where a command for ``service`` (``/Doors``, ...) is published (§6)."""
    return f"psa/RemoteServices/from/cid/{customer_id}{service}"


def limit_segment_size(sock: socket.socket) -> bool:
    """Announce a 1456-byte MSS where the platform lets us (Linux); True when it was set."""
    option = getattr(socket, "TCP_MAXSEG", None)
    if option is None:
        return False
    try:
        sock.setsockopt(socket.IPPROTO_TCP, option, MAX_SEGMENT_SIZE)
    except OSError:
        return False
    return True


class _Client(paho.Client):
    """paho's client with our socket (MSS, random address order) and an end-of-thread signal.

    It overrides two of paho's private methods; ``paho-mqtt==2.1.0`` is pinned for that, and
    the tests against a real broker cover both.
    """

    def __init__(self, on_thread_end: Callable[[], None]) -> None:
        super().__init__(
            CallbackAPIVersion.VERSION2,
            client_id="",  # the peers send none (§5, sv#132); paho allows it with a clean session
            clean_session=True,
            protocol=paho.MQTTv311,
            reconnect_on_failure=False,
        )
        self._on_thread_end = on_thread_end
        self._raw_lock = threading.Lock()
        self._raw: socket.socket | None = None
        self.network_thread: threading.Thread | None = None

    def start_thread(self) -> None:
        """``loop_start``; the thread records itself so that ``stop`` can join it."""
        self.loop_start()

    def abort_socket(self) -> None:
        """Shut the TCP socket down from another thread: ends a hanging handshake or read."""
        with self._raw_lock:
            raw = self._raw
        if raw is not None:
            with contextlib.suppress(OSError):
                raw.shutdown(socket.SHUT_RDWR)

    def _create_socket_connection(self) -> socket.socket:
        # paho's version connects before we could set TCP_MAXSEG. No proxy support: the broker
        # is reached directly, as by the brand apps.
        addresses = socket.getaddrinfo(self.host, self.port, type=socket.SOCK_STREAM)
        random.shuffle(addresses)  # like sv: the MSS quirk concerns only some broker IPs
        error: OSError = OSError(f"no address for {self.host}")
        for family, kind, proto, _name, address in addresses:
            sock = socket.socket(family, kind, proto)
            limit_segment_size(sock)
            sock.settimeout(self.connect_timeout)
            try:
                sock.connect(address)
            except OSError as err:
                sock.close()
                error = err
                continue
            # The TLS wrapper detaches `sock`; a duplicate still reaches the same connection.
            with self._raw_lock:
                self._raw = sock.dup()
            return sock
        raise error

    def _thread_main(self) -> None:
        # Recorded here, not after loop_start: paho clears its own `_thread` when the thread
        # ends, which a connection refused at once can do before loop_start's caller reads it.
        self.network_thread = threading.current_thread()
        try:
            super()._thread_main()
        finally:
            self._reset_sockets()  # the connection and paho's wake-up socket pair
            with self._raw_lock:
                raw, self._raw = self._raw, None
            if raw is not None:
                raw.close()
            self._on_thread_end()


@dataclass(eq=False)
class _Attempt:
    """One connection attempt: its client and what happened to it (event-loop side)."""

    client: _Client
    ended: asyncio.Future[None]
    acknowledged: bool = False  # CONNACK success
    established: bool = False  # CONNACK success and SUBACK
    auth_refused: bool = False
    suspicious_drop: bool = False
    closing: bool = False
    subscribe_mid: int | None = None
    topics: set[str] = field(default_factory=set)


class RemoteConnection:
    """The account's MQTT connection: kept up, subscribed to replies and each car's events."""

    def __init__(
        self,
        *,
        host: str,
        port: int,
        ssl_context: ssl.SSLContext,
        customer_id: str,
        vins: Iterable[str],
        get_token: Callable[[], Awaitable[str]],
        force_refresh: Callable[[], Awaitable[str]],
        on_message: Callable[[str, Any], None],
        on_connection: Callable[[bool], None],
        loop: asyncio.AbstractEventLoop | None = None,
        reconnect_delays: Sequence[float] = RECONNECT_DELAYS,
        keepalive: int = KEEPALIVE,
    ) -> None:
        """Nothing happens before ``start``; ``ssl_context`` must verify the broker."""
        if ssl_context.verify_mode != ssl.CERT_REQUIRED or not ssl_context.check_hostname:
            # Never an unverified broker: the token is the MQTT password (§13, sv does not verify).
            raise ValueError("the MQTT TLS context must verify the certificate and host name")
        if not reconnect_delays:
            raise ValueError("reconnect_delays must not be empty")
        self._host = host
        self._port = port
        self._ssl_context = ssl_context
        self._customer_id = customer_id
        self._vins = set(vins)
        self._get_token = get_token
        self._force_refresh = force_refresh
        self._on_message = on_message
        self._on_connection = on_connection
        self._loop = loop
        self._delays = tuple(reconnect_delays)
        self._keepalive = keepalive
        self._task: asyncio.Task[None] | None = None
        self._attempt: _Attempt | None = None
        self._connected = False
        self._published_at = -DROP_AFTER_PUBLISH

    @property
    def connected(self) -> bool:
        """True between a successful CONNACK + SUBACK and the next disconnect."""
        return self._connected

    async def start(self) -> None:
        """Start connecting in the background; returns at once."""
        if self._task is not None:
            return
        if self._loop is None:
            self._loop = asyncio.get_running_loop()
        self._task = self._loop.create_task(self._supervise(), name="psa-remote-mqtt")

    async def stop(self) -> None:
        """Disconnect and stop; no thread is left behind."""
        task, self._task = self._task, None
        if task is None:
            return
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    def set_vins(self, vins: Iterable[str]) -> None:
        """Follow the account's cars: subscribe to new cars' events, drop those that left."""
        self._vins = set(vins)
        attempt = self._attempt
        if attempt is None or not attempt.acknowledged or attempt.closing:
            return  # the next subscription takes the new set
        wanted = self._topics()
        added, removed = wanted - attempt.topics, attempt.topics - wanted
        if added:
            attempt.client.subscribe([(topic, 0) for topic in sorted(added)])
        if removed:
            attempt.client.unsubscribe(sorted(removed))
        attempt.topics = wanted

    async def publish(self, service: str, payload: Mapping[str, Any]) -> None:
        """Publish one command (QoS 0, not retained); not connected -> PSACommandError."""
        attempt = self._attempt
        if attempt is None or not self._connected:
            raise PSACommandError("not_connected")
        info = attempt.client.publish(
            command_topic(self._customer_id, service), json.dumps(payload), qos=0, retain=False
        )
        if info.rc != MQTTErrorCode.MQTT_ERR_SUCCESS:
            raise PSACommandError("not_connected")
        self._published_at = time.monotonic()

    def _topics(self) -> set[str]:
        return {reply_topic(self._customer_id)} | {event_topic(vin) for vin in self._vins}

    async def _supervise(self) -> None:
        failures = 0
        refresh = False
        while True:
            attempt = await self._run_attempt(refresh=refresh)
            # One forced refresh per attempt: only the attempt that just failed asks for it.
            refresh = attempt is not None and (attempt.auth_refused or attempt.suspicious_drop)
            failures = 0 if attempt is not None and attempt.established else failures
            delay = self._delays[min(failures, len(self._delays) - 1)]
            failures += 1
            _LOGGER.debug("MQTT: next connection attempt in %.1f s", delay)
            await asyncio.sleep(delay)

    async def _run_attempt(self, *, refresh: bool) -> _Attempt | None:
        try:
            token = await (self._force_refresh() if refresh else self._get_token())
        except asyncio.CancelledError:
            raise
        except Exception as err:  # any token trouble: wait and try again
            _LOGGER.info("MQTT: no token for the broker (%s)", type(err).__name__)
            return None
        attempt = self._new_attempt(token)
        self._attempt = attempt
        try:
            attempt.client.start_thread()
        except Exception:
            self._attempt = None
            raise
        try:
            await asyncio.shield(attempt.ended)
        finally:
            await self._finish(attempt)
        return attempt

    def _new_attempt(self, token: str) -> _Attempt:
        loop = self._require_loop()
        ended: asyncio.Future[None] = loop.create_future()

        def thread_ended() -> None:
            with contextlib.suppress(RuntimeError):  # the loop is already closed
                loop.call_soon_threadsafe(_resolve, ended)

        client = _Client(thread_ended)
        attempt = _Attempt(client=client, ended=ended)
        client.username_pw_set(MQTT_USERNAME, token)
        client.tls_set_context(self._ssl_context)
        client.connect_timeout = CONNECT_TIMEOUT
        client.on_connect = self._hop(self._handle_connack, attempt)
        client.on_connect_fail = _stop_from_network_thread
        client.on_subscribe = self._hop(self._handle_suback, attempt)
        client.on_disconnect = self._hop(self._handle_disconnect, attempt)
        client.on_message = self._hop_message
        client.connect_async(self._host, self._port, self._keepalive)
        _LOGGER.debug("MQTT: connecting to %s:%s", self._host, self._port)
        return attempt

    async def _finish(self, attempt: _Attempt) -> None:
        """Make sure the attempt's thread is gone (stop, or the connection ended).

        Runs to its end even when the task is cancelled again meanwhile (then re-raises), so
        that no thread outlives ``stop``.
        """
        cancelled = False
        if not attempt.ended.done():
            attempt.closing = True
            attempt.client.disconnect()
            if attempt.acknowledged:  # a polite DISCONNECT first, if the network takes it
                cancelled = await _settle(attempt.ended, DISCONNECT_GRACE)
            attempt.client.abort_socket()  # a handshake in progress, or a dead network
            cancelled = await _settle(attempt.ended, None) or cancelled
        # `ended` is resolved, so the thread has run: it recorded itself and is on its last
        # line, and this join returns at once.
        thread = attempt.client.network_thread
        assert thread is not None
        thread.join()
        self._attempt = None  # only _run_attempt sets it, to this attempt, before awaiting it
        self._set_connected(False)
        if cancelled:
            raise asyncio.CancelledError

    def _hop(self, handler: Callable[..., None], attempt: _Attempt) -> Callable[..., None]:
        """A paho callback that runs ``handler(attempt, *args)`` in the event loop."""
        loop = self._require_loop()

        def callback(_client: paho.Client, _userdata: Any, *args: Any) -> None:
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(handler, attempt, *args)

        return callback

    def _hop_message(self, _client: paho.Client, _userdata: Any, message: paho.MQTTMessage) -> None:
        try:
            data = json.loads(message.payload)
        except ValueError:
            _LOGGER.debug("MQTT: message on %s is not JSON, ignored", message.topic)
            return
        with contextlib.suppress(RuntimeError):
            self._require_loop().call_soon_threadsafe(self._deliver, message.topic, data)

    def _deliver(self, topic: str, data: Any) -> None:
        try:
            self._on_message(topic, data)
        except Exception:
            _LOGGER.exception("MQTT: error handling a message on %s", topic)

    def _handle_connack(
        self, attempt: _Attempt, _flags: Any, reason: ReasonCode, _props: Properties | None
    ) -> None:
        if reason.is_failure:
            attempt.auth_refused = reason.value in AUTH_REFUSALS
            _LOGGER.info("MQTT: broker refused the connection (%s)", reason)
            return
        attempt.acknowledged = True
        if attempt.closing:
            attempt.client.disconnect()  # stop() came during the handshake
            return
        attempt.topics = self._topics()
        _rc, attempt.subscribe_mid = attempt.client.subscribe(
            [(topic, 0) for topic in sorted(attempt.topics)]
        )

    def _handle_suback(
        self, attempt: _Attempt, mid: int, reasons: list[ReasonCode], _props: Properties | None
    ) -> None:
        if mid != attempt.subscribe_mid or attempt.closing:
            return
        if any(reason.is_failure for reason in reasons):
            _LOGGER.warning("MQTT: the broker refused a subscription; reconnecting")
            attempt.client.disconnect()
            return
        attempt.established = True
        _LOGGER.info("MQTT: connected to %s:%s", self._host, self._port)
        self._set_connected(True)

    def _handle_disconnect(
        self, attempt: _Attempt, _flags: Any, reason: ReasonCode, _props: Properties | None
    ) -> None:
        if attempt.closing:
            _LOGGER.debug("MQTT: disconnected")
        else:
            recent = time.monotonic() - self._published_at < DROP_AFTER_PUBLISH
            attempt.suspicious_drop = attempt.established and recent
            _LOGGER.info("MQTT: connection lost (%s)", reason)
        self._set_connected(False)

    def _set_connected(self, value: bool) -> None:
        if value == self._connected:
            return
        self._connected = value
        try:
            self._on_connection(value)
        except Exception:
            _LOGGER.exception("MQTT: error in the connection callback")

    def _require_loop(self) -> asyncio.AbstractEventLoop:
        assert self._loop is not None  # start() sets it before the first attempt
        return self._loop


def _resolve(future: asyncio.Future[None]) -> None:
    # Called once per attempt (its thread's end); nothing cancels `ended` (shield, wait).
    future.set_result(None)


def _stop_from_network_thread(client: paho.Client, _userdata: Any) -> None:
    """First connection failed: end paho's thread instead of letting it retry by itself.

    Called in paho's own thread, where ``loop_stop`` only flags the loop (no join).
    """
    client.loop_stop()


async def _settle(future: asyncio.Future[None], within: float | None) -> bool:
    """Wait up to ``within`` seconds (None: for ever) for ``future``, through cancellations.

    Returns whether the waiting task was cancelled meanwhile, for the caller to re-raise.
    """
    loop = asyncio.get_running_loop()
    deadline = None if within is None else loop.time() + within
    cancelled = False
    while not future.done():
        remaining = None if deadline is None else deadline - loop.time()
        if remaining is not None and remaining <= 0:
            break
        try:
            await asyncio.wait({future}, timeout=remaining)
        except asyncio.CancelledError:
            cancelled = True
    return cancelled
