"""RemoteConnection against a real MQTT broker (amqtt) over verified TLS on 127.0.0.1.

The broker here is the test's own small one (not the simulator's): a CA and a server
certificate made with ``cryptography``, and an auth plugin that lets in only the tokens the
test allows. Home Assistant's test plugin checks after each test that no thread is left.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
import contextlib
from dataclasses import dataclass, field
import datetime
import ipaddress
import logging
from pathlib import Path
import socket
import ssl
import threading
from typing import Any

from amqtt.broker import Broker  # type: ignore[import-untyped]
from amqtt.contexts import Action  # type: ignore[import-untyped]
from amqtt.plugins.base import (  # type: ignore[import-untyped]
    BaseAuthPlugin,
    BaseTopicPlugin,
)
from amqtt.session import ApplicationMessage, Session  # type: ignore[import-untyped]
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
import paho.mqtt.client as paho
from paho.mqtt.enums import MQTTErrorCode
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.reasoncodes import ReasonCode
import pytest

from custom_components.psa_connected_car.api.exceptions import PSACommandError
from custom_components.psa_connected_car.api.remote import mqtt
from custom_components.psa_connected_car.api.remote.models import MQTT_USERNAME
from custom_components.psa_connected_car.api.remote.mqtt import (
    MAX_SEGMENT_SIZE,
    RemoteConnection,
    event_topic,
    limit_segment_size,
)
from psa_simulator.testing import free_port

CUSTOMER = "AP-ACNT200000000042"
VIN_A = "VR3TESTVIN0000001"
VIN_B = "VR3TESTVIN0000002"
GUARD = 15  # seconds: only against a hang, never an assertion on timing
FAST = (0.02, 0.05, 0.1)


@dataclass
class BrokerState:
    """What the auth plugin reads and what the broker saw (shared with the test)."""

    tokens: set[str] = field(default_factory=set)
    logins: list[tuple[str | None, str | None, str | None]] = field(default_factory=list)
    published: asyncio.Queue[tuple[str, bytes]] = field(default_factory=asyncio.Queue)
    login_seen: asyncio.Event = field(default_factory=asyncio.Event)
    denied: set[str] = field(default_factory=set)  # topics nobody may subscribe to


class TokenAuthPlugin(BaseAuthPlugin):  # type: ignore[misc]
    """Accepts username IMA_OAUTH_ACCESS_TOKEN with a current token; records each login."""

    @dataclass
    class Config:
        """The shared state object."""

        state: Any = None

    async def authenticate(self, *, session: Session) -> bool:
        """The token is the password (§5)."""
        state: BrokerState = self.config.state
        state.logins.append((session.client_id, session.username, session.password))
        state.login_seen.set()
        return session.username == MQTT_USERNAME and session.password in state.tokens

    async def on_broker_message_received(
        self, *, client_id: str, message: ApplicationMessage
    ) -> None:
        """Keep what clients publish."""
        state: BrokerState = self.config.state
        state.published.put_nowait((message.topic, bytes(message.data)))


class DenyTopicPlugin(BaseTopicPlugin):  # type: ignore[misc]
    """Refuses subscriptions to the topics in ``state.denied`` (SUBACK 0x80)."""

    @dataclass
    class Config:
        """The shared state object."""

        state: Any = None

    async def topic_filtering(
        self, *, session: Session | None = None, topic: str | None = None, action: Any = None
    ) -> bool:
        """Everything but a subscription to a denied topic."""
        state: BrokerState = self.config.state
        return not (action == Action.SUBSCRIBE and topic in state.denied)


@dataclass
class Pki:
    """Files of a throwaway CA and a server certificate for 127.0.0.1."""

    ca: Path
    cert: Path
    key: Path


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    """A CA and a server certificate (127.0.0.1, localhost) signed by it."""
    folder = tmp_path_factory.mktemp("mqtt-tls")
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(_name("test CA"))
        .issuer_name(_name("test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("127.0.0.1"))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .add_extension(x509.ExtendedKeyUsage([x509.OID_SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    pki = Pki(ca=folder / "ca.pem", cert=folder / "server.pem", key=folder / "server.key")
    pki.ca.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    pki.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    pki.key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return pki


class FixtureBroker:
    """An amqtt broker with a TLS listener on 127.0.0.1; can be restarted on the same port."""

    def __init__(self, pki: Pki, state: BrokerState) -> None:
        """Nothing runs before ``start``."""
        self.pki = pki
        self.state = state
        self.port = free_port()
        self.broker: Broker | None = None

    async def start(self) -> None:
        """Listen (again) on the same port."""
        config = {
            "listeners": {
                "default": {
                    "type": "tcp",
                    "bind": f"127.0.0.1:{self.port}",
                    "ssl": True,
                    "certfile": str(self.pki.cert),
                    "keyfile": str(self.pki.key),
                }
            },
            "plugins": {
                f"{__name__}.TokenAuthPlugin": {"state": self.state},
                f"{__name__}.DenyTopicPlugin": {"state": self.state},
            },
        }
        self.broker = Broker(config)
        await self.broker.start()

    async def stop(self) -> None:
        """Close every session and the listener."""
        if self.broker is not None:
            await self.broker.shutdown()
            self.broker = None

    async def send(self, topic: str, data: bytes) -> None:
        """Deliver a message to the subscribers of ``topic``."""
        assert self.broker is not None
        await self.broker.internal_message_broadcast(topic, data)


@pytest.fixture
async def broker(socket_enabled: None, pki: Pki) -> AsyncIterator[FixtureBroker]:
    """A started broker that accepts the token ``token-1``."""
    server = FixtureBroker(pki, BrokerState(tokens={"token-1"}))
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
def client_context(pki: Pki) -> ssl.SSLContext:
    """A verifying context that trusts the test CA only."""
    return ssl.create_default_context(cafile=str(pki.ca))


class Tokens:
    """The token side as RemoteConnection sees it: current token, forced refresh."""

    def __init__(self, current: str, after_refresh: str) -> None:
        """``after_refresh`` is what a forced refresh hands out."""
        self.current = current
        self.after_refresh = after_refresh
        self.gets = 0
        self.refreshes = 0
        self.asked = asyncio.Event()

    async def get(self) -> str:
        """The current token."""
        self.gets += 1
        self.asked.set()
        return self.current

    async def wait_gets(self, count: int) -> None:
        """Until ``get`` was called ``count`` times."""
        async with asyncio.timeout(GUARD):
            while self.gets < count:
                self.asked.clear()
                await self.asked.wait()

    async def refresh(self) -> str:
        """Force a new token."""
        self.refreshes += 1
        self.current = self.after_refresh
        return self.current


class Probe:
    """Collects messages and connection changes from the callbacks."""

    def __init__(self) -> None:
        """Empty queues."""
        self.messages: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        self.changes: asyncio.Queue[bool] = asyncio.Queue()
        self.threads: set[str] = set()

    def on_message(self, topic: str, data: Any) -> None:
        """Runs in the event loop's thread."""
        self.threads.add(threading.current_thread().name)
        self.messages.put_nowait((topic, data))

    def on_connection(self, connected: bool) -> None:
        """Runs in the event loop's thread."""
        self.threads.add(threading.current_thread().name)
        self.changes.put_nowait(connected)

    async def change(self) -> bool:
        """The next connection change."""
        async with asyncio.timeout(GUARD):
            return await self.changes.get()

    async def message(self) -> tuple[str, Any]:
        """The next message."""
        async with asyncio.timeout(GUARD):
            return await self.messages.get()


def make_connection(
    broker: FixtureBroker, context: ssl.SSLContext, tokens: Tokens, probe: Probe
) -> RemoteConnection:
    """A connection to the test broker with fast reconnects."""
    return RemoteConnection(
        host="127.0.0.1",
        port=broker.port,
        ssl_context=context,
        customer_id=CUSTOMER,
        vins=[VIN_A],
        get_token=tokens.get,
        force_refresh=tokens.refresh,
        on_message=probe.on_message,
        on_connection=probe.on_connection,
        reconnect_delays=FAST,
    )


def is_connected(connection: RemoteConnection) -> bool:
    """The property, read through a call (no narrowing from an earlier assert)."""
    return connection.connected


@pytest.fixture
def probe() -> Probe:
    """Callback recorder."""
    return Probe()


@pytest.fixture
def no_thread_left() -> Iterator[None]:
    """Fails if a thread started during the test is still alive at its end."""
    before = set(threading.enumerate())
    yield
    left = [thread.name for thread in set(threading.enumerate()) - before]
    assert left == []


async def test_connect_subscribe_receive_publish(
    broker: FixtureBroker, client_context: ssl.SSLContext, probe: Probe, no_thread_left: None
) -> None:
    """Connects with the token as password and an empty client id, receives, publishes."""
    tokens = Tokens("token-1", "unused")
    connection = make_connection(broker, client_context, tokens, probe)
    await connection.start()
    try:
        assert await probe.change() is True
        assert connection.connected
        # Empty client id accepted by amqtt with a clean session (it makes one up itself).
        client_id, username, password = broker.state.logins[-1]
        assert (username, password) == (MQTT_USERNAME, "token-1")
        assert client_id  # the broker's generated id: the client sent none
        reply = f"psa/RemoteServices/to/cid/{CUSTOMER}/Doors"
        await broker.send(reply, b'{"return_code": "0"}')
        assert await probe.message() == (reply, {"return_code": "0"})
        await broker.send(event_topic(VIN_A), b'{"vin": "A"}')
        assert await probe.message() == (event_topic(VIN_A), {"vin": "A"})
        await connection.publish("/Doors", {"vin": VIN_A, "req_parameters": {"action": "lock"}})
        async with asyncio.timeout(GUARD):
            topic, data = await broker.state.published.get()
        assert topic == f"psa/RemoteServices/from/cid/{CUSTOMER}/Doors"
        assert data == b'{"vin": "VR3TESTVIN0000001", "req_parameters": {"action": "lock"}}'
        assert probe.threads == {threading.current_thread().name}
    finally:
        await connection.stop()
    assert is_connected(connection) is False
    assert await probe.change() is False


async def test_not_json_is_dropped_and_set_vins_follows_cars(
    broker: FixtureBroker, client_context: ssl.SSLContext, probe: Probe, no_thread_left: None
) -> None:
    """A non-JSON payload is ignored; set_vins subscribes new cars and drops old ones."""
    connection = make_connection(broker, client_context, Tokens("token-1", "x"), probe)
    await connection.start()
    try:
        assert await probe.change() is True
        await broker.send(event_topic(VIN_A), b"not json")
        connection.set_vins([VIN_B])
        # SUBACK of the new car is not awaited by set_vins: wait until its events arrive.
        async with asyncio.timeout(GUARD):
            while probe.messages.empty():
                await broker.send(event_topic(VIN_B), b'{"n": 1}')
                await asyncio.sleep(0.01)
        await broker.send(event_topic(VIN_A), b'{"n": 2}')
        await broker.send(event_topic(VIN_B), b'{"n": 3}')
        # Only VIN_B's message comes (one connection keeps the order): VIN_A was dropped.
        seen = await probe.message()
        while seen == (event_topic(VIN_B), {"n": 1}):
            seen = await probe.message()
        assert seen == (event_topic(VIN_B), {"n": 3})
    finally:
        await connection.stop()


async def test_refused_token_forces_refresh_then_connects(
    broker: FixtureBroker, client_context: ssl.SSLContext, probe: Probe, no_thread_left: None
) -> None:
    """CONNACK not-authorised -> force_refresh -> the next attempt uses the new token."""
    tokens = Tokens("stale", "token-1")
    connection = make_connection(broker, client_context, tokens, probe)
    await connection.start()
    try:
        assert await probe.change() is True
        assert tokens.refreshes == 1
        assert [login[2] for login in broker.state.logins] == ["stale", "token-1"]
    finally:
        await connection.stop()


async def test_refresh_only_once_per_refused_attempt(
    broker: FixtureBroker, client_context: ssl.SSLContext, probe: Probe, no_thread_left: None
) -> None:
    """A refresh that does not help is not repeated in a tight loop: refresh, get, refresh..."""
    tokens = Tokens("stale", "still-stale")
    connection = make_connection(broker, client_context, tokens, probe)
    await connection.start()
    try:
        async with asyncio.timeout(GUARD):
            while len(broker.state.logins) < 4:
                broker.state.login_seen.clear()
                await broker.state.login_seen.wait()
    finally:
        await connection.stop()
    assert tokens.refreshes >= 1
    assert tokens.gets == 1  # only the first attempt uses get: every later one was refused
    assert probe.changes.empty()  # never connected


async def test_refused_subscription_reconnects(
    broker: FixtureBroker, client_context: ssl.SSLContext, probe: Probe, no_thread_left: None
) -> None:
    """A SUBACK failure is no connection: disconnect, try again, connected once it is granted."""
    broker.state.denied.add(event_topic(VIN_A))
    tokens = Tokens("token-1", "token-1")
    connection = make_connection(broker, client_context, tokens, probe)
    await connection.start()
    try:
        await tokens.wait_gets(3)
        assert probe.changes.empty()
        assert not connection.connected
        broker.state.denied.clear()
        assert await probe.change() is True
        assert tokens.refreshes == 0
    finally:
        await connection.stop()


async def test_broker_restart_reconnects(
    broker: FixtureBroker, client_context: ssl.SSLContext, probe: Probe, no_thread_left: None
) -> None:
    """The broker goes away and comes back on the same port: the client reconnects."""
    tokens = Tokens("token-1", "token-1")
    connection = make_connection(broker, client_context, tokens, probe)
    await connection.start()
    try:
        assert await probe.change() is True
        await broker.stop()
        assert await probe.change() is False
        assert not connection.connected
        await asyncio.sleep(0.2)  # a few refused attempts while it is down
        await broker.start()
        assert await probe.change() is True
        assert tokens.refreshes == 0  # a plain drop is no reason to refresh
        await broker.send(event_topic(VIN_A), b"{}")
        assert await probe.message() == (event_topic(VIN_A), {})
    finally:
        await connection.stop()


async def test_drop_right_after_publish_forces_refresh(
    broker: FixtureBroker, client_context: ssl.SSLContext, probe: Probe, no_thread_left: None
) -> None:
    """Dropped just after our publish (paho 1's rc 1 case): the next attempt refreshes."""
    tokens = Tokens("token-1", "token-1")
    connection = make_connection(broker, client_context, tokens, probe)
    await connection.start()
    try:
        assert await probe.change() is True
        await connection.publish("/VehCharge/state", {"req_parameters": {"action": "state"}})
        async with asyncio.timeout(GUARD):
            await broker.state.published.get()
        await broker.stop()
        assert await probe.change() is False
        await broker.start()
        assert await probe.change() is True
        assert tokens.refreshes == 1
    finally:
        await connection.stop()


async def test_no_token_in_logs(
    broker: FixtureBroker,
    client_context: ssl.SSLContext,
    probe: Probe,
    caplog: pytest.LogCaptureFixture,
    no_thread_left: None,
) -> None:
    """Refused, refreshed, connected, published, stopped: our logs never show a token."""
    caplog.set_level(logging.DEBUG)
    tokens = Tokens("stale-secret-token", "token-1")
    connection = make_connection(broker, client_context, tokens, probe)
    await connection.start()
    try:
        assert await probe.change() is True
        await connection.publish("/Doors", {"access_token": "token-1"})
        async with asyncio.timeout(GUARD):
            await broker.state.published.get()
    finally:
        await connection.stop()
    ours = [r for r in caplog.records if r.name.startswith(("custom_components", "paho"))]
    assert ours  # connect and disconnect are logged
    text = "\n".join(record.getMessage() for record in ours)
    assert "stale-secret-token" not in text
    assert "token-1" not in text


async def test_untrusted_broker_is_never_joined(
    broker: FixtureBroker, probe: Probe, no_thread_left: None
) -> None:
    """A broker whose certificate does not verify gets no login (no token sent)."""
    context = ssl.create_default_context()  # system CAs: the test CA is unknown
    tokens = Tokens("token-1", "x")
    connection = make_connection(broker, context, tokens, probe)
    await connection.start()
    try:
        await tokens.wait_gets(3)  # three attempts, each refused at the handshake
    finally:
        await connection.stop()
    assert broker.state.logins == []
    assert tokens.refreshes == 0  # a TLS failure is not the token's fault
    assert probe.changes.empty()


async def test_stop_while_connecting_and_not_connected_publish(
    client_context: ssl.SSLContext, probe: Probe, no_thread_left: None, socket_enabled: None
) -> None:
    """stop() during a hanging TLS handshake returns and leaves no thread; publish refuses."""
    server = socket.create_server(("127.0.0.1", 0))  # accepts TCP, never speaks TLS
    port = server.getsockname()[1]
    connection = RemoteConnection(
        host="127.0.0.1",
        port=port,
        ssl_context=client_context,
        customer_id=CUSTOMER,
        vins=[],
        get_token=Tokens("t", "t").get,
        force_refresh=Tokens("t", "t").refresh,
        on_message=probe.on_message,
        on_connection=probe.on_connection,
    )
    try:
        await connection.start()
        await asyncio.sleep(0.1)
        with pytest.raises(PSACommandError) as caught:
            await connection.publish("/Doors", {})
        assert caught.value.reason == "not_connected"
        # The handshake would wait for the 120 s keepalive: stop() cuts it short.
        async with asyncio.timeout(GUARD):
            await connection.stop()
    finally:
        server.close()


def test_unverified_context_refused() -> None:
    """A context that does not verify the broker is refused up front."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with pytest.raises(ValueError, match="verify"):
        RemoteConnection(
            host="h",
            port=1,
            ssl_context=context,
            customer_id=CUSTOMER,
            vins=[],
            get_token=Tokens("t", "t").get,
            force_refresh=Tokens("t", "t").refresh,
            on_message=lambda topic, data: None,
            on_connection=lambda value: None,
        )


@pytest.mark.skipif(not hasattr(socket, "TCP_MAXSEG"), reason="no TCP_MAXSEG here")
def test_segment_size_is_limited_before_connect(socket_enabled: None) -> None:
    """TCP_MAXSEG 1456 is set on a fresh socket (the SYN then announces it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        assert limit_segment_size(sock)
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG) == MAX_SEGMENT_SIZE


def test_segment_size_not_limited_where_the_platform_cannot(
    monkeypatch: pytest.MonkeyPatch, socket_enabled: None
) -> None:
    """No TCP_MAXSEG (macOS, Windows) or a socket refusing it: False, and no error."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        monkeypatch.delattr(socket, "TCP_MAXSEG", raising=False)
        assert limit_segment_size(sock) is False
    closed = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    closed.close()
    monkeypatch.undo()
    if hasattr(socket, "TCP_MAXSEG"):
        assert limit_segment_size(closed) is False  # setsockopt raises OSError (EBADF)


def test_empty_reconnect_delays_refused(client_context: ssl.SSLContext) -> None:
    """Without a delay the supervisor could not wait between attempts: refused up front."""
    with pytest.raises(ValueError, match="reconnect_delays"):
        RemoteConnection(
            host="h",
            port=1,
            ssl_context=client_context,
            customer_id=CUSTOMER,
            vins=[],
            get_token=Tokens("t", "t").get,
            force_refresh=Tokens("t", "t").refresh,
            on_message=lambda topic, data: None,
            on_connection=lambda value: None,
            reconnect_delays=(),
        )


async def test_stop_before_start_and_start_twice(
    broker: FixtureBroker, client_context: ssl.SSLContext, probe: Probe, no_thread_left: None
) -> None:
    """stop() before start() does nothing; a second start() adds no second connection."""
    tokens = Tokens("token-1", "x")
    connection = make_connection(broker, client_context, tokens, probe)
    await connection.stop()
    assert probe.changes.empty()
    await connection.start()
    await connection.start()
    try:
        assert await probe.change() is True
        assert tokens.gets == 1  # a second supervisor would have asked for a token at once
        assert len(broker.state.logins) == 1
    finally:
        await connection.stop()


async def _until_events_from(broker: FixtureBroker, probe: Probe, vin: str) -> None:
    """Sends to the car's topic until a message comes (its subscription is then active)."""
    async with asyncio.timeout(GUARD):
        while probe.messages.empty():
            await broker.send(event_topic(vin), b'{"probe": 1}')
            await asyncio.sleep(0.01)
    while not probe.messages.empty():
        probe.messages.get_nowait()


async def test_set_vins_before_start_then_only_added_then_only_removed(
    broker: FixtureBroker, client_context: ssl.SSLContext, probe: Probe, no_thread_left: None
) -> None:
    """Cars set before start are what the first subscription takes; adds and drops alone work."""
    connection = make_connection(broker, client_context, Tokens("token-1", "x"), probe)
    connection.set_vins([VIN_B])  # not started: nothing to change yet
    await connection.start()
    try:
        assert await probe.change() is True
        await broker.send(event_topic(VIN_A), b'{"n": "A"}')
        await broker.send(event_topic(VIN_B), b'{"n": "B"}')
        assert await probe.message() == (event_topic(VIN_B), {"n": "B"})  # VIN_A never asked
        connection.set_vins([VIN_A, VIN_B])  # only a new car
        await _until_events_from(broker, probe, VIN_A)
        connection.set_vins([VIN_B])  # only a car that left
        connection.set_vins([VIN_B, "VR3TESTVIN0000003"])  # a later SUBACK as a sync point
        await _until_events_from(broker, probe, "VR3TESTVIN0000003")
        await broker.send(event_topic(VIN_A), b'{"n": "A2"}')
        await broker.send(event_topic(VIN_B), b'{"n": "B2"}')
        assert await probe.message() == (event_topic(VIN_B), {"n": "B2"})
    finally:
        await connection.stop()


async def test_publish_refused_by_paho_is_not_connected(
    broker: FixtureBroker,
    client_context: ssl.SSLContext,
    probe: Probe,
    monkeypatch: pytest.MonkeyPatch,
    no_thread_left: None,
) -> None:
    """paho saw the socket go before our disconnect callback ran: PSACommandError, no send."""
    connection = make_connection(broker, client_context, Tokens("token-1", "x"), probe)
    await connection.start()
    try:
        assert await probe.change() is True

        def no_connection(self: Any, *args: Any, **kwargs: Any) -> Any:
            info = paho.MQTTMessageInfo(1)
            info.rc = MQTTErrorCode.MQTT_ERR_NO_CONN
            return info

        monkeypatch.setattr(mqtt._Client, "publish", no_connection)
        with pytest.raises(PSACommandError) as caught:
            await connection.publish("/Doors", {"vin": VIN_A})
        assert caught.value.reason == "not_connected"
    finally:
        await connection.stop()
    assert broker.state.published.empty()


async def test_stop_while_waiting_for_a_token(
    client_context: ssl.SSLContext, probe: Probe, no_thread_left: None
) -> None:
    """stop() while the token is still being fetched cancels that fetch; no connection."""
    asked = asyncio.Event()
    cancelled = asyncio.Event()

    async def slow_token() -> str:
        asked.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return "never"  # not reached: the wait above never ends by itself

    connection = RemoteConnection(
        host="127.0.0.1",
        port=1,
        ssl_context=client_context,
        customer_id=CUSTOMER,
        vins=[],
        get_token=slow_token,
        force_refresh=slow_token,
        on_message=probe.on_message,
        on_connection=probe.on_connection,
    )
    await connection.start()
    async with asyncio.timeout(GUARD):
        await asyncio.wait_for(asked.wait(), None)
        await connection.stop()
    assert cancelled.is_set()
    assert probe.changes.empty()


async def test_a_thread_that_cannot_start_surfaces_at_stop(
    client_context: ssl.SSLContext, probe: Probe, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No thread for paho (resources exhausted): no connection, and stop() reports the error."""
    tried = asyncio.Event()

    def cannot_start(self: Any) -> None:
        tried.set()
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(mqtt._Client, "start_thread", cannot_start)
    tokens = Tokens("t", "t")
    connection = RemoteConnection(
        host="127.0.0.1",
        port=1,
        ssl_context=client_context,
        customer_id=CUSTOMER,
        vins=[],
        get_token=tokens.get,
        force_refresh=tokens.refresh,
        on_message=probe.on_message,
        on_connection=probe.on_connection,
    )
    await connection.start()
    async with asyncio.timeout(GUARD):
        await tried.wait()
    with pytest.raises(PSACommandError):
        await connection.publish("/Doors", {})
    with pytest.raises(RuntimeError, match="new thread"):
        await connection.stop()
    assert probe.changes.empty()


async def test_callback_errors_are_logged_and_the_connection_stays(
    broker: FixtureBroker,
    client_context: ssl.SSLContext,
    caplog: pytest.LogCaptureFixture,
    no_thread_left: None,
) -> None:
    """An exception in on_message or on_connection is logged; messages keep coming."""
    seen: asyncio.Queue[Any] = asyncio.Queue()
    changes: list[bool] = []

    def on_message(topic: str, data: Any) -> None:
        seen.put_nowait(data)
        raise RuntimeError("message handler broke")

    def on_connection(value: bool) -> None:
        changes.append(value)
        raise RuntimeError("connection handler broke")

    tokens = Tokens("token-1", "x")
    connection = RemoteConnection(
        host="127.0.0.1",
        port=broker.port,
        ssl_context=client_context,
        customer_id=CUSTOMER,
        vins=[VIN_A],
        get_token=tokens.get,
        force_refresh=tokens.refresh,
        on_message=on_message,
        on_connection=on_connection,
        reconnect_delays=FAST,
    )
    await connection.start()
    try:
        async with asyncio.timeout(GUARD):
            while seen.empty():  # connected (despite on_connection's error) and subscribed
                await broker.send(event_topic(VIN_A), b'{"n": 1}')
                await asyncio.sleep(0.01)
            await broker.send(event_topic(VIN_A), b'{"n": 2}')
            while await seen.get() != {"n": 2}:
                pass
        assert connection.connected
    finally:
        await connection.stop()
    assert changes == [True, False]
    assert "error in the connection callback" in caplog.text
    assert "error handling a message" in caplog.text


async def test_stop_cancelled_again_still_waits_for_the_thread(
    client_context: ssl.SSLContext,
    probe: Probe,
    monkeypatch: pytest.MonkeyPatch,
    no_thread_left: None,
    socket_enabled: None,
) -> None:
    """A second cancellation while stop() waits for paho's thread does not leave it behind."""
    accepted = asyncio.Event()
    writers: list[asyncio.StreamWriter] = []

    async def silent(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)  # TCP accepted, TLS never answered
        accepted.set()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    aborted = asyncio.Event()
    # The handshake then hangs until the test closes the server's side, not until stop() cuts it.
    monkeypatch.setattr(mqtt._Client, "abort_socket", lambda self: aborted.set())
    tokens = Tokens("t", "t")
    connection = RemoteConnection(
        host="127.0.0.1",
        port=port,
        ssl_context=client_context,
        customer_id=CUSTOMER,
        vins=[],
        get_token=tokens.get,
        force_refresh=tokens.refresh,
        on_message=probe.on_message,
        on_connection=probe.on_connection,
    )
    try:
        await connection.start()
        async with asyncio.timeout(GUARD):
            await accepted.wait()
            stopping = asyncio.create_task(connection.stop())
            await aborted.wait()
            stopping.cancel()  # reaches the supervisor while it waits for the thread
            for _ in range(5):
                await asyncio.sleep(0)
            assert not stopping.done()  # still waiting: the thread is alive
            writers[0].close()  # the handshake fails, the thread ends
            with contextlib.suppress(asyncio.CancelledError):
                await stopping
        assert [t.name for t in threading.enumerate() if t.name.startswith("paho")] == []
    finally:
        for writer in writers:
            writer.close()  # wait_closed() waits for the connections too
        server.close()
        await server.wait_closed()
    assert probe.changes.empty()


async def test_stop_cuts_a_disconnect_the_network_does_not_take(
    broker: FixtureBroker,
    client_context: ssl.SSLContext,
    probe: Probe,
    monkeypatch: pytest.MonkeyPatch,
    no_thread_left: None,
) -> None:
    """The polite DISCONNECT gets its grace; past it, stop() shuts the socket and returns."""
    monkeypatch.setattr(mqtt, "DISCONNECT_GRACE", 0.0)  # the grace is over at once
    connection = make_connection(broker, client_context, Tokens("token-1", "x"), probe)
    await connection.start()
    assert await probe.change() is True
    async with asyncio.timeout(GUARD):
        await connection.stop()
    assert await probe.change() is False
    assert not connection.connected


class StubClient:
    """Stands for paho's client in the handlers' unit tests: records the calls."""

    def __init__(self) -> None:
        """Nothing called yet."""
        self.calls: list[str] = []

    def disconnect(self) -> None:
        """Recorded."""
        self.calls.append("disconnect")

    def subscribe(self, topics: Any) -> tuple[int, int]:
        """Recorded."""
        self.calls.append("subscribe")
        return (0, 1)


async def test_connack_after_stop_began_disconnects_without_subscribing(
    client_context: ssl.SSLContext, probe: Probe
) -> None:
    """CONNACK that arrives once stop() started (handshake race): no SUBSCRIBE, a DISCONNECT."""
    connection = RemoteConnection(
        host="127.0.0.1",
        port=1,
        ssl_context=client_context,
        customer_id=CUSTOMER,
        vins=[VIN_A],
        get_token=Tokens("t", "t").get,
        force_refresh=Tokens("t", "t").refresh,
        on_message=probe.on_message,
        on_connection=probe.on_connection,
    )
    client = StubClient()
    ended: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    attempt = mqtt._Attempt(client=client, ended=ended, closing=True)  # type: ignore[arg-type]
    success = ReasonCode(PacketTypes.CONNACK, identifier=0)
    connection._handle_connack(attempt, None, success, None)
    assert client.calls == ["disconnect"]
    assert not connection.connected
    assert probe.changes.empty()


async def test_token_trouble_waits_and_tries_again(
    broker: FixtureBroker,
    client_context: ssl.SSLContext,
    probe: Probe,
    caplog: pytest.LogCaptureFixture,
    no_thread_left: None,
) -> None:
    """A failing token fetch is logged by its type only; the next attempt connects."""
    tokens = Tokens("token-1", "x")
    failures = [OSError("refresh r-secret-1 refused")]

    async def flaky() -> str:
        if failures:
            raise failures.pop()
        return await tokens.get()

    connection = RemoteConnection(
        host="127.0.0.1",
        port=broker.port,
        ssl_context=client_context,
        customer_id=CUSTOMER,
        vins=[VIN_A],
        get_token=flaky,
        force_refresh=tokens.refresh,
        on_message=probe.on_message,
        on_connection=probe.on_connection,
        reconnect_delays=FAST,
    )
    await connection.start()
    try:
        assert await probe.change() is True
    finally:
        await connection.stop()
    assert tokens.gets == 1
    assert tokens.refreshes == 0  # no broker refusal: nothing to refresh
    assert "no token for the broker (OSError)" in caplog.text
    assert "r-secret-1" not in caplog.text
