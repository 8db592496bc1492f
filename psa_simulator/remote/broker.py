"""The remote-services MQTT broker: amqtt over TLS inside the simulator's event loop.

Like the real one (remote-commands.md §5, §6): MQTT 3.1.1 over TLS, username
``IMA_OAUTH_ACCESS_TOKEN`` and a current MQTT access token as password (else CONNACK 5, not
authorised), an empty client id accepted (amqtt gives such a clean session a generated id).
A client may publish only under ``psa/RemoteServices/from/cid/<its customer id>/``; a publish
elsewhere, such as a ``DS-``/``OP-``/``VX-`` id where the broker wants ``AC-``/``OV-``, closes
its connection (psacc#47: paho then reports rc 1). It may subscribe to its own replies
(``psa/RemoteServices/to/cid/<customer id>/...``) and its cars' events; anything else gets
SUBACK 0x80. The simulated cars (``cars.py``) log in with a credential only they know.

amqtt owns no socket here: the TLS listener is our own ``asyncio`` server that hands every
connection to amqtt's "external" listener. Keeping the connections ourselves is the smallest
way to close one connection (a forbidden publish) or all of them (``drop_connections``), which
amqtt has no public call for.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
import logging
from pathlib import Path
import secrets
import ssl
from typing import TYPE_CHECKING, Any

from amqtt.adapters import StreamReaderAdapter, StreamWriterAdapter  # type: ignore[import-untyped]
from amqtt.broker import Broker  # type: ignore[import-untyped]
from amqtt.contexts import (  # type: ignore[import-untyped]
    Action,
    BrokerConfig,
    ListenerConfig,
    ListenerType,
)
from amqtt.plugins.base import BaseAuthPlugin, BaseTopicPlugin  # type: ignore[import-untyped]

from ..const import DEFAULT_HOST
from .tls import TlsFiles

if TYPE_CHECKING:
    from ..state import SimulatorState

_LOGGER = logging.getLogger(__name__)

USERNAME = "IMA_OAUTH_ACCESS_TOKEN"
CAR_USERNAME = "psa-simulator-cars"
FROM_PREFIX = "psa/RemoteServices/from/cid/"
TO_PREFIX = "psa/RemoteServices/to/cid/"
EVENTS_PREFIX = "psa/RemoteServices/events/MPHRTServices/"
# §2: the broker knows DS accounts as AC- and Opel/Vauxhall accounts as OV- (psacc fd320a6).
MQTT_PREFIXES = {"DS": "AC", "OP": "OV", "VX": "OV"}
LISTENER = "default"
KEEPALIVE_GRACE = 60  # seconds added to a client's keep-alive (sv uses 120 s, psacc 60 s)

Peer = tuple[str, int]


def account_customer_id(state: SimulatorState) -> str:
    """The account's customer id (scenario ``customer_id``; the demo's by default)."""
    return state.account.customer_id


def mqtt_customer_id(customer_id: str) -> str:
    """The id the broker expects in topics: DS-/OP-/VX- become AC-/OV- (§2)."""
    prefix, dash, rest = customer_id.partition("-")
    return f"{MQTT_PREFIXES[prefix]}-{rest}" if dash and prefix in MQTT_PREFIXES else customer_id


@dataclass(kw_only=True)
class Gate:
    """Who may connect, publish and subscribe; shared by the two plugins and the listener."""

    state: SimulatorState
    car_secret: str
    connections: dict[Peer, asyncio.StreamWriter]
    cars: set[Peer]

    def customer_id(self) -> str:
        """The customer id that topics must carry."""
        return mqtt_customer_id(account_customer_id(self.state))

    def authenticate(self, session: Any) -> bool:
        """A current MQTT access token under the fixed username, or the cars' credential."""
        peer = (session.remote_address, session.remote_port)
        if session.username == CAR_USERNAME and secrets.compare_digest(
            str(session.password or ""), self.car_secret
        ):
            self.cars.add(peer)
            return True
        accepted = session.username == USERNAME and self.state.remote_tokens.valid_access_token(
            session.password
        )
        if not accepted:
            _LOGGER.info("MQTT connection from port %s refused: not authorised", peer[1])
        return accepted

    def is_car(self, session: Any) -> bool:
        """Whether the session is the simulated cars' own."""
        return (session.remote_address, session.remote_port) in self.cars

    def may_publish(self, session: Any, topic: str) -> bool:
        """Only under the account's ``from/cid/<customer id>/``; else the connection closes."""
        if self.is_car(session) or topic.startswith(f"{FROM_PREFIX}{self.customer_id()}/"):
            return True
        peer = (session.remote_address, session.remote_port)
        _LOGGER.info("MQTT client on port %s published outside its account: disconnected", peer[1])
        writer = self.connections.get(peer)
        if writer is not None:
            writer.transport.abort()
        return False

    def may_subscribe(self, session: Any, topic: str) -> bool:
        """The account's replies and its cars' events."""
        if self.is_car(session):
            return True
        if topic.startswith(f"{TO_PREFIX}{self.customer_id()}/"):
            return True
        vins = {vehicle.vin for vehicle in self.state.vehicles}
        return topic.startswith(EVENTS_PREFIX) and topic.removeprefix(EVENTS_PREFIX) in vins


class AccountAuthPlugin(BaseAuthPlugin):  # type: ignore[misc]
    """amqtt authentication through the ``Gate``."""

    @dataclass
    class Config:
        """The plugin's configuration: the gate object itself."""

        gate: Any = None

    async def authenticate(self, *, session: Any) -> bool:
        """CONNACK 0 or 5."""
        gate: Gate = self.config.gate
        return gate.authenticate(session)


class AccountTopicPlugin(BaseTopicPlugin):  # type: ignore[misc]
    """amqtt topic rules through the ``Gate``."""

    @dataclass
    class Config:
        """The plugin's configuration: the gate object itself."""

        gate: Any = None

    async def topic_filtering(
        self, *, session: Any = None, topic: str | None = None, action: Any = None
    ) -> bool:
        """Publish and subscribe rules (receiving is always allowed)."""
        gate: Gate = self.config.gate
        if session is None or topic is None:
            return False
        if action == Action.PUBLISH:
            return gate.may_publish(session, topic)
        if action == Action.SUBSCRIBE:
            return gate.may_subscribe(session, topic)
        return True


class MqttBroker:
    """The broker on 127.0.0.1:``port`` (0: a free port, kept across restarts)."""

    def __init__(self, state: SimulatorState, tls: TlsFiles, port: int = 0) -> None:
        self.state = state
        self.tls = tls
        self.port = port
        self.car_secret = secrets.token_urlsafe(24)
        self._connections: dict[Peer, asyncio.StreamWriter] = {}
        self._cars: set[Peer] = set()
        self._handlers: set[asyncio.Task[None]] = set()
        self._broker: Any = None
        self._server: asyncio.Server | None = None
        self._backend: asyncio.Server | None = None  # the cars' own way in, see start()

    @property
    def running(self) -> bool:
        """Whether the listener accepts connections."""
        return self._server is not None

    @property
    def ca_file(self) -> Path:
        """The CA that clients trust."""
        return self.tls.ca_file

    @property
    def client_count(self) -> int:
        """Open connections other than the cars'."""
        return len(set(self._connections) - self._cars)

    def _config(self) -> Any:
        gate = Gate(
            state=self.state,
            car_secret=self.car_secret,
            connections=self._connections,
            cars=self._cars,
        )
        listener = ListenerConfig(type=ListenerType.EXTERNAL, bind=f"{DEFAULT_HOST}:{self.port}")
        plugins = {
            f"{__name__}.AccountAuthPlugin": {"gate": gate},
            f"{__name__}.AccountTopicPlugin": {"gate": gate},
        }
        # No packet logger: CONNECT packets carry the token, PUBLISH envelopes too.
        # amqtt waits exactly the keep-alive for the next packet, and paho pings exactly then:
        # the grace (MQTT 3.1.1 §3.1.2.10 says 1.5 x) keeps idle clients from being cut.
        return BrokerConfig(
            listeners={LISTENER: listener},
            plugins=plugins,
            timeout_disconnect_delay=KEEPALIVE_GRACE,
        )

    def _ssl_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(self.tls.cert_file, self.tls.key_file)
        return context

    async def start(self) -> None:
        """Listen (a fresh amqtt broker each time, so a restart forgets every session)."""
        if self._server is not None:
            return
        # amqtt's debug lines carry CONNECT passwords and PUBLISH payloads (the envelope's
        # token): its loggers stop at info, whatever the root level.
        amqtt_logger = logging.getLogger("amqtt")
        if amqtt_logger.getEffectiveLevel() < logging.INFO or amqtt_logger.level == 0:
            amqtt_logger.setLevel(logging.INFO)
        context = await asyncio.to_thread(self._ssl_context)  # reads files: not in the loop
        self._broker = Broker(self._config())
        await self._broker.start()
        try:
            self._server = await asyncio.start_server(
                self._accept, DEFAULT_HOST, self.port, ssl=context, reuse_address=True
            )
        except OSError:  # the port is taken: leave nothing running
            await self._broker.shutdown()
            self._broker = None
            raise
        self.port = self._server.sockets[0].getsockname()[1]
        # The cars (the backend's side) come in over plain TCP on a loopback port of their own:
        # the MQTT client they use builds its TLS context inside the event loop, which a
        # simulator running in Home Assistant's tests shares (blocking calls are reported there).
        self._backend = await asyncio.start_server(self._accept, DEFAULT_HOST, 0)
        _LOGGER.debug("MQTT broker (TLS) on %s:%s", DEFAULT_HOST, self.port)

    @property
    def backend_port(self) -> int:
        """The plain loopback port of the cars' client (meant for the cars' credential only)."""
        if self._backend is None:
            raise RuntimeError("the broker is not running")
        port: int = self._backend.sockets[0].getsockname()[1]
        return port

    async def stop(self) -> None:
        """Close the listener and every connection; no task is left behind."""
        server, self._server = self._server, None
        if server is None:
            return
        server.close()
        backend, self._backend = self._backend, None
        if backend is not None:
            backend.close()
        for writer in list(self._connections.values()):
            writer.transport.abort()
        await self._broker.shutdown()
        self._broker = None
        if self._handlers:
            await asyncio.wait(self._handlers, timeout=5)
        await server.wait_closed()
        if backend is not None:
            await backend.wait_closed()

    async def restart(self) -> None:
        """Stop and start again on the same port."""
        await self.stop()
        await self.start()

    def drop_connections(self) -> int:
        """Cut every client connection but the cars' (they reconnect); how many were cut."""
        dropped = [peer for peer in self._connections if peer not in self._cars]
        for peer in dropped:
            self._connections[peer].transport.abort()
        return len(dropped)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._handlers.add(task)
        peername = writer.get_extra_info("peername")
        peer: Peer = (str(peername[0]), int(peername[1]))
        self._connections[peer] = writer
        try:
            if self._broker is not None:
                await self._broker.external_connected(
                    StreamReaderAdapter(reader), StreamWriterAdapter(writer), LISTENER
                )
        except (OSError, asyncio.IncompleteReadError) as err:
            _LOGGER.debug("MQTT connection on port %s ended: %s", peer[1], type(err).__name__)
        finally:
            self._connections.pop(peer, None)
            self._cars.discard(peer)
            writer.transport.abort()
            if task is not None:
                self._handlers.discard(task)
