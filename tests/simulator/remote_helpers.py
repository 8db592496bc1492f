"""A real paho-mqtt 2.1.0 client (the integration's library) for the broker tests, in asyncio.

paho runs in its own thread (``loop_start``); every callback hops into the test's event loop,
so the tests await CONNACKs, SUBACKs and messages without blocking the broker they talk to.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any
import uuid

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from psa_simulator.testing import SimulatorHandle

USERNAME = "IMA_OAUTH_ACCESS_TOKEN"
CUSTOMER_ID = "AP-ACNT200000000042"  # the demo account's
WAIT = 10.0  # seconds before a test gives up waiting (a failure, never a timing assert)


class Peer:
    """One paho client over verified TLS (the simulator's CA), empty client id by default."""

    def __init__(
        self,
        sim: SimulatorHandle,
        password: str | None,
        *,
        username: str = USERNAME,
        client_id: str = "",
    ) -> None:
        assert sim.mqtt_port is not None
        assert sim.ca_file is not None
        self.loop = asyncio.get_running_loop()
        self.port = sim.mqtt_port
        self.connacks: asyncio.Queue[ReasonCode] = asyncio.Queue()
        self.subacks: asyncio.Queue[list[ReasonCode]] = asyncio.Queue()
        self.messages: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        self.disconnects: asyncio.Queue[ReasonCode] = asyncio.Queue()
        client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv311
        )
        client.tls_set(ca_certs=sim.ca_file)  # verifies the chain and the host name
        client.username_pw_set(username, password)
        client.reconnect_delay_set(min_delay=1, max_delay=1)
        client.on_connect = self._on_connect
        client.on_subscribe = self._on_subscribe
        client.on_message = self._on_message
        client.on_disconnect = self._on_disconnect
        self.client = client

    # paho's thread -> the event loop.
    def _on_connect(
        self, _c: Any, _u: Any, _f: Any, code: ReasonCode, _p: Properties | None
    ) -> None:
        self.loop.call_soon_threadsafe(self.connacks.put_nowait, code)

    def _on_subscribe(
        self, _c: Any, _u: Any, _mid: int, codes: list[ReasonCode], _p: Properties | None
    ) -> None:
        self.loop.call_soon_threadsafe(self.subacks.put_nowait, codes)

    def _on_message(self, _c: Any, _u: Any, message: mqtt.MQTTMessage) -> None:
        item = (message.topic, json.loads(message.payload))
        self.loop.call_soon_threadsafe(self.messages.put_nowait, item)

    def _on_disconnect(
        self, _c: Any, _u: Any, _f: Any, code: ReasonCode, _p: Properties | None
    ) -> None:
        self.loop.call_soon_threadsafe(self.disconnects.put_nowait, code)

    async def connect(self) -> ReasonCode:
        """Connect (paho's own thread) and return the first CONNACK's reason code."""
        self.client.connect_async("127.0.0.1", self.port, keepalive=60)
        self.client.loop_start()
        return await self.connack()

    async def connack(self) -> ReasonCode:
        """The next CONNACK (after a reconnect too)."""
        return await asyncio.wait_for(self.connacks.get(), WAIT)

    async def subscribe(self, topic: str) -> list[ReasonCode]:
        """Subscribe (QoS 0); the SUBACK's codes."""
        self.client.subscribe(topic, qos=0)
        return await asyncio.wait_for(self.subacks.get(), WAIT)

    async def subscribe_replies(self) -> None:
        """The account's replies, as the integration subscribes them (§6)."""
        codes = await self.subscribe(f"psa/RemoteServices/to/cid/{CUSTOMER_ID}/#")
        assert not codes[0].is_failure

    def publish(self, topic: str, payload: Any) -> None:
        """Publish JSON at QoS 0."""
        self.client.publish(topic, json.dumps(payload), qos=0)

    async def message(self) -> tuple[str, Any]:
        """The next message received."""
        return await asyncio.wait_for(self.messages.get(), WAIT)

    async def disconnected(self) -> ReasonCode:
        """The next disconnection."""
        return await asyncio.wait_for(self.disconnects.get(), WAIT)

    def close(self) -> None:
        """Disconnect and stop paho's thread."""
        self.client.disconnect()
        self.client.loop_stop()


def envelope(token: str, vin: str, params: Any, *, customer_id: str = CUSTOMER_ID) -> Any:
    """A request envelope as both peers build it (§7)."""
    return {
        "access_token": token,
        "customer_id": customer_id,
        "correlation_id": uuid.uuid4().hex + "20260101000000000",
        "req_date": "2026-01-01T00:00:00Z",
        "vin": vin,
        "req_parameters": params,
    }


async def command(
    peer: Peer, token: str, vin: str, service: str, params: Any
) -> list[tuple[str, Any]]:
    """Publish one command and collect its replies up to the final one."""
    request = envelope(token, vin, params)
    peer.publish(f"psa/RemoteServices/from/cid/{CUSTOMER_ID}{service}", request)
    replies: list[tuple[str, Any]] = []
    while True:
        topic, body = await peer.message()
        assert body["correlation_id"] in (request["correlation_id"], "")
        replies.append((topic, body))
        if "return_code" in body:
            return replies


def codes(replies: list[tuple[str, Any]]) -> list[str]:
    """The codes of a reply sequence, in order."""
    return [body.get("process_code") or body["return_code"] for _topic, body in replies]
