"""The simulator's MQTT broker: TLS with its own CA, token login, topic rules, drop and restart."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import datetime
import logging
from pathlib import Path
import socket
import ssl
import sys

import aiohttp
import pytest

from psa_simulator import BEV_VIN, SimulatorConfig
from psa_simulator.cli import banner, build_parser, config_from_args
from psa_simulator.config import DEMO_REPLY_DELAYS, ReplyDelays
from psa_simulator.remote.broker import mqtt_customer_id
from psa_simulator.remote.service import REMOTE
from psa_simulator.remote.tls import ensure_tls_files
from psa_simulator.testing import SimulatorControl, SimulatorHandle, start_simulator

from ..conftest import SimulatorFactory
from .conftest import Clock
from .remote_helpers import CUSTOMER_ID, Peer, codes, command

DOORS = {"action": "lock"}


def read(path: str | Path | None) -> bytes:
    """A file's bytes (a small PEM: no need to leave the event loop)."""
    return Path(str(path)).read_bytes()


@pytest.fixture
async def token(sim: SimulatorHandle) -> str:
    """A current MQTT access token (the pairing side issues them the same way)."""
    return sim.state.remote_tokens.issue_access().value


@pytest.fixture
async def peers() -> AsyncIterator[list[Peer]]:
    """Peers a test opens; all closed at teardown."""
    opened: list[Peer] = []
    yield opened
    for peer in opened:
        peer.close()


async def test_a_current_token_gets_in_with_an_empty_client_id(
    sim: SimulatorHandle, token: str, peers: list[Peer]
) -> None:
    peer = Peer(sim, token, client_id="")
    peers.append(peer)
    code = await peer.connect()
    assert not code.is_failure
    await peer.subscribe_replies()
    replies = await command(peer, token, BEV_VIN, "/Doors", DOORS)
    assert codes(replies) == ["900", "903", "0"]


@pytest.mark.parametrize("case", ["unknown", "expired", "wrong_user", "no_password"])
async def test_anything_but_a_current_token_is_not_authorised(
    sim: SimulatorHandle, clock: Clock, peers: list[Peer], case: str
) -> None:
    tokens = sim.state.remote_tokens
    password: str | None = tokens.issue_access().value
    username = "IMA_OAUTH_ACCESS_TOKEN"
    if case == "unknown":
        password = "not-a-token"
    elif case == "expired":
        clock.now += 900  # tokens live 899 s (§4)
    elif case == "wrong_user":
        username = "someone"
    else:
        password = None
    peer = Peer(sim, password, username=username)
    peers.append(peer)
    code = await peer.connect()
    assert code.is_failure
    assert str(code) in ("Not authorized", "Bad user name or password")
    if case != "no_password":
        assert str(code) == "Not authorized"  # CONNACK 5, as the real broker (§5)


async def test_the_certificate_only_verifies_with_the_simulators_ca(sim: SimulatorHandle) -> None:
    assert sim.mqtt_port is not None
    with pytest.raises(ssl.SSLCertVerificationError):
        await asyncio.open_connection("127.0.0.1", sim.mqtt_port, ssl=ssl.create_default_context())
    trusted = ssl.create_default_context(cafile=sim.ca_file)
    for host in ("127.0.0.1", "localhost"):
        _reader, writer = await asyncio.open_connection(
            "127.0.0.1", sim.mqtt_port, ssl=trusted, server_hostname=host
        )
        writer.close()
        await writer.wait_closed()


async def test_publishing_outside_the_account_disconnects(
    sim: SimulatorHandle, token: str, peers: list[Peer]
) -> None:
    peer = Peer(sim, token)
    peers.append(peer)
    assert not (await peer.connect()).is_failure
    peer.client.reconnect_delay_set(min_delay=30, max_delay=30)
    # A DS account published with its DS- id instead of AC- (psacc#47).
    peer.publish("psa/RemoteServices/from/cid/DS-ACNT200000000042/Doors", {"x": 1})
    code = await peer.disconnected()
    assert code.is_failure


def test_mqtt_customer_ids_follow_the_brand_mapping() -> None:
    assert mqtt_customer_id("DS-ACNT1") == "AC-ACNT1"
    assert mqtt_customer_id("OP-ACNT1") == "OV-ACNT1"
    assert mqtt_customer_id("VX-ACNT1") == "OV-ACNT1"
    assert mqtt_customer_id(CUSTOMER_ID) == CUSTOMER_ID


async def test_subscriptions_are_limited_to_the_account(
    sim: SimulatorHandle, token: str, peers: list[Peer]
) -> None:
    peer = Peer(sim, token)
    peers.append(peer)
    assert not (await peer.connect()).is_failure
    own = await peer.subscribe(f"psa/RemoteServices/to/cid/{CUSTOMER_ID}/#")
    events = await peer.subscribe(f"psa/RemoteServices/events/MPHRTServices/{BEV_VIN}")
    other = await peer.subscribe("psa/RemoteServices/to/cid/AP-SOMEONEELSE/#")
    requests = await peer.subscribe("psa/RemoteServices/from/cid/+/#")
    bare_vin = await peer.subscribe(BEV_VIN)
    assert bare_vin[0].is_failure
    assert not own[0].is_failure
    assert not events[0].is_failure
    assert other[0].is_failure
    assert requests[0].is_failure


async def test_drop_cuts_clients_and_they_reconnect(
    sim: SimulatorHandle, session: aiohttp.ClientSession, token: str, peers: list[Peer]
) -> None:
    peer = Peer(sim, token)
    peers.append(peer)
    assert not (await peer.connect()).is_failure
    control = SimulatorControl(session, sim.url)
    assert (await control.broker())["clients"] == 1
    assert await control.drop_mqtt_connections() == 1
    await peer.disconnected()
    assert not (await peer.connack()).is_failure  # paho's own reconnect
    assert sim.drop_mqtt_connections() == 1
    await peer.disconnected()
    assert not (await peer.connack()).is_failure
    await peer.subscribe_replies()
    assert codes(await command(peer, token, BEV_VIN, "/Doors", DOORS))[-1] == "0"


@pytest.mark.parametrize("through", ["control", "handle"])
async def test_restart_cuts_everyone_and_the_cars_come_back(
    sim: SimulatorHandle,
    session: aiohttp.ClientSession,
    token: str,
    peers: list[Peer],
    through: str,
) -> None:
    peer = Peer(sim, token)
    peers.append(peer)
    assert not (await peer.connect()).is_failure
    port, ca = sim.mqtt_port, read(sim.ca_file)
    if through == "control":
        answer = await SimulatorControl(session, sim.url).restart_broker()
        assert answer["running"] is True
    else:
        await sim.restart_broker()
    await peer.disconnected()
    assert not (await peer.connack()).is_failure
    assert (sim.mqtt_port, read(sim.ca_file)) == (port, ca)
    await peer.subscribe_replies()  # sessions were forgotten: subscribe again
    assert codes(await command(peer, token, BEV_VIN, "/Doors", DOORS))[-1] == "0"


async def test_nothing_is_left_running_after_close(socket_enabled: None) -> None:
    before = asyncio.all_tasks()
    handle = await start_simulator(SimulatorConfig())
    peer = Peer(handle, handle.state.remote_tokens.issue_access().value)
    assert not (await peer.connect()).is_failure
    await handle.server.close()
    await peer.disconnected()
    peer.close()
    await asyncio.sleep(0)
    assert asyncio.all_tasks() - before == set()


async def test_no_secret_reaches_the_log(
    sim: SimulatorHandle, token: str, peers: list[Peer], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    refused = Peer(sim, "wrong-" + token)
    peer = Peer(sim, token)
    peers.extend([refused, peer])
    assert (await refused.connect()).is_failure
    assert not (await peer.connect()).is_failure
    await peer.subscribe_replies()
    await command(peer, token, BEV_VIN, "/Doors", DOORS)
    secret = sim.app[REMOTE].broker
    assert secret is not None
    assert "refused: not authorised" in caplog.text  # the log was captured
    assert "cars could not" not in caplog.text
    for value in (token, secret.car_secret):
        assert value not in caplog.text


async def test_a_taken_port_fails_the_start_and_leaves_nothing(socket_enabled: None) -> None:
    before = asyncio.all_tasks()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(OSError, match="in use"):
            await start_simulator(SimulatorConfig(mqtt_port=port))
    await asyncio.sleep(0)
    assert asyncio.all_tasks() - before == set()


async def test_without_amqtt_the_simulator_runs_without_a_broker(
    simulator_factory: SimulatorFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The oldest-Home-Assistant toolchain has no amqtt; its smoke tests need no broker."""
    monkeypatch.delitem(sys.modules, "psa_simulator.remote.broker")
    monkeypatch.setitem(sys.modules, "amqtt.adapters", None)
    handle = await simulator_factory(SimulatorConfig())
    assert (handle.mqtt_port, handle.ca_file) == (None, None)


async def test_the_broker_can_be_off(simulator_factory: SimulatorFactory) -> None:
    handle = await simulator_factory(SimulatorConfig(mqtt=False))
    assert handle.mqtt_port is None
    assert handle.ca_file is None


async def test_a_tls_dir_keeps_the_ca_across_simulators(
    simulator_factory: SimulatorFactory, tmp_path: Path
) -> None:
    first = await simulator_factory(SimulatorConfig(tls_dir=tmp_path))
    assert first.ca_file == str(tmp_path / "ca.pem")
    ca = read(tmp_path / "ca.pem")
    await first.server.close()
    second = await simulator_factory(SimulatorConfig(tls_dir=tmp_path))
    assert read(second.ca_file) == ca


def test_tls_files_are_renewed_when_broken_or_expiring(tmp_path: Path) -> None:
    files = ensure_tls_files(tmp_path)
    ca = files.ca_file.read_bytes()
    assert ensure_tls_files(tmp_path).ca_file.read_bytes() == ca
    files.key_file.write_bytes(b"garbage")
    assert ensure_tls_files(tmp_path).ca_file.read_bytes() != ca
    # A certificate that ends tomorrow is replaced before it does.
    from cryptography import x509

    cert = x509.load_pem_x509_certificate(files.cert_file.read_bytes())
    assert cert.not_valid_after_utc > datetime.datetime.now(datetime.UTC) + datetime.timedelta(
        days=30
    )
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "localhost" in names.get_values_for_type(x509.DNSName)
    assert [str(ip) for ip in names.get_values_for_type(x509.IPAddress)] == ["127.0.0.1"]


def test_cli_flags() -> None:
    defaults = config_from_args(build_parser().parse_args([]))
    assert (defaults.mqtt, defaults.mqtt_port, defaults.tls_dir) == (True, 8766, None)
    assert defaults.reply_delays == DEMO_REPLY_DELAYS
    assert DEMO_REPLY_DELAYS.asleep_timeout == 90
    off = config_from_args(build_parser().parse_args(["--mqtt-port", "0"]))
    assert off.mqtt is False
    chosen = config_from_args(build_parser().parse_args(["--mqtt-port", "1883", "--tls-dir", "t"]))
    assert (chosen.mqtt, chosen.mqtt_port, chosen.tls_dir) == (True, 1883, Path("t"))
    fast = config_from_args(build_parser().parse_args(["--reply-delays", "0,0.1,0.2,5"]))
    assert fast.reply_delays == ReplyDelays(
        accepted=0, forwarded=0.1, completed=0.2, asleep_timeout=5
    )


@pytest.mark.parametrize("value", ["1,2,3", "a,b,c,d", "1,1,1,-1"])
def test_cli_refuses_bad_reply_delays(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--reply-delays", value])
    assert "A,F,C,T" in capsys.readouterr().err


async def test_banner_shows_the_broker_and_its_ca(sim: SimulatorHandle) -> None:
    text = banner(sim.url, sim.app)
    assert f"mqtts://127.0.0.1:{sim.mqtt_port}" in text
    assert str(sim.ca_file) in text
    broker = sim.app[REMOTE].broker
    assert broker is not None
    assert broker.car_secret not in text
