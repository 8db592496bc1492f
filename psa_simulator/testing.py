"""Helpers for tests and the benchmark: in-process simulators, the control API client, free ports.

``start_simulator`` runs a simulator inside the test's event loop (``tests/conftest.py``).
``SimulatorControl`` drives any running simulator, in-process or in another process, through
its control API (``/_simulator/``, docs/simulator.md): the tests, the end-to-end harness and
the benchmark all go through it, so a change of that API is made in one place.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
import json
import socket
from typing import Any, TypedDict

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer

from .app import create_app
from .config import SimulatorConfig
from .const import API_PREFIX, CONTROL_PREFIX, DEFAULT_HOST
from .remote.service import REMOTE
from .state import STATE, SimulatorState


def free_port() -> int:
    """A TCP port that is free on 127.0.0.1 now, for a server started next to bind.

    The port is released before it is returned, so another process could take it in between:
    good enough for loopback servers started right away.
    """
    with socket.socket() as probe:
        probe.bind((DEFAULT_HOST, 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass(frozen=True, slots=True)
class SimulatorHandle:
    """A running in-process simulator.

    ``url`` is the base of both the identity server and the API host, e.g.
    ``http://127.0.0.1:40123`` (use it as ``idp_base_url``; ``api_url`` is the API base).
    """

    url: str
    app: web.Application
    state: SimulatorState
    config: SimulatorConfig
    server: TestServer

    @property
    def api_url(self) -> str:
        """``<url>/connectedcar/v4``: what the client takes as ``api_base_url``."""
        return f"{self.url}{API_PREFIX}"

    @property
    def token_url(self) -> str:
        """``<url>/am/oauth2/access_token``."""
        return f"{self.url}/am/oauth2/access_token"

    @property
    def mqtt_port(self) -> int | None:
        """Port of the TLS MQTT broker on 127.0.0.1 (None when ``config.mqtt`` is off)."""
        service = self.app.get(REMOTE)
        return service.port if service is not None else None

    @property
    def ca_file(self) -> str | None:
        """PEM file of the CA that signed the broker's certificate (None: no broker)."""
        service = self.app.get(REMOTE)
        return str(service.ca_file) if service is not None and service.ca_file else None

    async def restart_broker(self) -> None:
        """Restart the broker: every client is cut off and must reconnect (same port and CA)."""
        await self.app[REMOTE].restart()

    def drop_mqtt_connections(self) -> int:
        """Cut every MQTT client's connection (the cars stay); how many were cut."""
        return self.app[REMOTE].drop_connections()


async def start_simulator(config: SimulatorConfig | None = None) -> SimulatorHandle:
    """Start a simulator on 127.0.0.1 (a free port); stop it with ``handle.server.close()``."""
    config = config or SimulatorConfig()
    app = create_app(config)
    server = TestServer(app, host=DEFAULT_HOST)
    await server.start_server()
    url = str(server.make_url("")).rstrip("/")
    return SimulatorHandle(url=url, app=app, state=app[STATE], config=config, server=server)


class Stats(TypedDict):
    """``GET /_simulator/stats``."""

    requests: dict[str, int]
    token_requests: dict[str, int]
    max_concurrent_token_requests: int


class SimulatorTime(TypedDict):
    """``GET /_simulator/time``: simulator time and how far it was advanced."""

    now: float
    time_offset: float


class VehicleIds(TypedDict):
    """A car's VIN and API id, as adding a car or changing its id answers."""

    vin: str
    id: str


class ControlRequestError(Exception):
    """The control API refused a request: 400 for bad input, 404 for an unknown VIN."""

    def __init__(self, method: str, path: str, status: int, body: Any) -> None:
        error = body.get("error") if isinstance(body, dict) else body
        super().__init__(f"{method} {CONTROL_PREFIX}/{path}: {status} {error}")
        self.status = status
        self.body = body


class SimulatorControl:
    """A client of a running simulator's control API (JSON, docs/simulator.md).

    ``url`` is the simulator's base URL (``http://127.0.0.1:PORT``); the session belongs to the
    caller. The methods are named after the ``SimulatorState`` methods they reach, and raise
    ``ControlRequestError`` when the simulator refuses. ``request`` sends anything and returns
    whatever comes back, for tests of the control API's own answers to bad input.
    """

    def __init__(self, session: aiohttp.ClientSession, url: str) -> None:
        self.session = session
        self.url = url.rstrip("/")

    def address(self, path: str) -> str:
        """The absolute URL of a control path such as ``state`` or ``vehicles/<vin>/status``."""
        return f"{self.url}{CONTROL_PREFIX}/{path}"

    async def request(
        self, method: str, path: str, body: Any = None, *, data: bytes | None = None
    ) -> tuple[int, Any]:
        """Send one request (a JSON ``body`` or raw ``data``); (status, JSON answer)."""
        json_body = body if data is None else None
        async with self.session.request(
            method, self.address(path), json=json_body, data=data
        ) as response:
            return response.status, await response.json(content_type=None)

    async def _call(self, method: str, path: str, body: Any = None) -> Any:
        status, answer = await self.request(method, path, body)
        if status != 200:
            raise ControlRequestError(method, path, status, answer)
        return answer

    async def responding(self) -> bool:
        """Whether the simulator answers yet (False while nothing listens on its port)."""
        try:
            async with self.session.get(self.address("time")) as response:
                return response.status == 200
        except aiohttp.ClientConnectionError:
            return False

    # Overview and counters.

    async def state(self) -> dict[str, Any]:
        """Account (no secrets), clock, live token counts, faults and vehicle summaries."""
        state: dict[str, Any] = await self._call("GET", "state")
        return state

    async def stats(self) -> Stats:
        """Requests by route pattern, token requests by grant, the most concurrent ones."""
        stats: Stats = await self._call("GET", "stats")
        return stats

    async def reset_stats(self) -> None:
        """Zero the counters."""
        await self._call("POST", "stats/reset")

    # Time.

    async def time(self) -> SimulatorTime:
        """Simulator time and its offset from the configured clock."""
        clock: SimulatorTime = await self._call("GET", "time")
        return clock

    async def advance(self, seconds: float) -> SimulatorTime:
        """Move simulator time forward (tokens, codes and the demo cars follow)."""
        clock: SimulatorTime = await self._call("POST", "time/advance", {"seconds": seconds})
        return clock

    # Faults: each call answers the fault settings in force afterwards.

    async def faults(self) -> dict[str, Any]:
        """The fault settings in force."""
        faults: dict[str, Any] = await self._call("GET", "faults")
        return faults

    async def set_faults(self, **settings: Any) -> dict[str, Any]:
        """Change fault settings (``FaultConfig`` field names; ``seed`` reseeds)."""
        faults: dict[str, Any] = await self._call("POST", "faults", settings)
        return faults

    async def reset_faults(self) -> dict[str, Any]:
        """No faults, the generator reseeded with the configured seed."""
        faults: dict[str, Any] = await self._call("POST", "faults/reset")
        return faults

    async def rate_limit(self, seconds: float) -> dict[str, Any]:
        """Answer 429 to every API request for ``seconds`` of simulator time (0 stops)."""
        faults: dict[str, Any] = await self._call("POST", "faults/rate_limit", {"seconds": seconds})
        return faults

    async def force_faults(self, kind: str, count: int = 1) -> dict[str, Any]:
        """The next ``count`` requests in fault scope fail with ``kind`` (``500``, ``drop``...)."""
        faults: dict[str, Any] = await self._call(
            "POST", "faults/next", {"kind": kind, "count": count}
        )
        return faults

    # Tokens and the password grant.

    async def revoke_all_refresh_tokens(self) -> int:
        """Every refresh token dies; how many there were."""
        answer = await self._call("POST", "tokens/revoke_refresh")
        return int(answer["revoked"])

    async def expire_all_access_tokens(self) -> int:
        """Every access token expires now; how many there were."""
        answer = await self._call("POST", "tokens/expire_access")
        return int(answer["expired"])

    async def set_password_grant(self, enabled: bool, refusal: str | None = None) -> None:
        """Switch the password grant (``refusal``: how it is refused when off)."""
        await self._call("POST", "password_grant", {"enabled": enabled, "refusal": refusal})

    # Vehicles.

    async def vehicles(self) -> list[dict[str, Any]]:
        """Vehicle summaries: VIN, API id and the overrides in force."""
        vehicles: list[dict[str, Any]] = await self._call("GET", "vehicles")
        return vehicles

    async def add_vehicle(self, spec: Mapping[str, Any]) -> VehicleIds:
        """Add a car from a scenario vehicle spec (the same VIN replaces it)."""
        ids: VehicleIds = await self._call("POST", "vehicles", dict(spec))
        return ids

    async def remove_vehicle(self, vin: str) -> None:
        """Remove a car from the account."""
        await self._call("DELETE", f"vehicles/{vin}")

    async def change_vehicle_id(self, vin: str, new_id: str | None = None) -> VehicleIds:
        """Give a car a new API id (generated when ``new_id`` is None)."""
        body = {} if new_id is None else {"id": new_id}
        ids: VehicleIds = await self._call("POST", f"vehicles/{vin}/id", body)
        return ids

    async def omit_embedded(self, count: int = 1) -> int:
        """The next ``count`` vehicle lists come without ``_embedded``; how many are due now."""
        answer = await self._call("POST", "vehicles_list/omit_embedded", {"count": count})
        return int(answer["omit_embedded_calls"])

    async def status(self, vin: str) -> Any:
        """The status the API would serve for the car now."""
        return await self._call("GET", f"vehicles/{vin}/status")

    async def set_status(self, vin: str, payload: Any) -> None:
        """Serve ``payload`` verbatim as the car's status from now on."""
        await self._call("PUT", f"vehicles/{vin}/status", payload)

    async def set_trips(self, vin: str, trips: Any) -> None:
        """Serve ``trips`` as the car's trips (a list is filtered and paged; None: normal)."""
        path = f"vehicles/{vin}/trips"
        # The body is sent as bytes: aiohttp sends no body at all for json=None.
        status, answer = await self.request("PUT", path, data=json.dumps(trips).encode())
        if status != 200:
            raise ControlRequestError("PUT", path, status, answer)

    async def patch_status(
        self, vin: str, *, drop: Iterable[str] = (), set_blocks: Mapping[str, Any] | None = None
    ) -> None:
        """Remove top-level blocks from, and replace blocks of, every status served."""
        body = {"drop": list(drop), "set": dict(set_blocks or {})}
        await self._call("PATCH", f"vehicles/{vin}/status", body)

    async def serve_snapshot_at(self, vin: str, at: float) -> float:
        """Freeze the car's status at what it reported at simulator time ``at``."""
        answer = await self._call("POST", f"vehicles/{vin}/snapshot", {"at": at})
        return float(answer["at"])

    async def serve_snapshot_ago(self, vin: str, seconds: float) -> float:
        """Freeze the car's status at what it reported ``seconds`` ago; the time that was."""
        body = {"seconds_ago": seconds}
        answer = await self._call("POST", f"vehicles/{vin}/snapshot", body)
        return float(answer["at"])

    async def set_no_data(
        self, vin: str, endpoints: Iterable[str] | None = None, enabled: bool = True
    ) -> list[str]:
        """Answer 404 40400 on the car's ``endpoints`` (all when None); the ones that do now."""
        body: dict[str, Any] = {"enabled": enabled}
        if endpoints is not None:
            body["endpoints"] = list(endpoints)
        answer = await self._call("POST", f"vehicles/{vin}/no_data", body)
        return list(answer["no_data"])

    async def reset_vehicle(self, vin: str) -> None:
        """Drop every override of the car."""
        await self._call("POST", f"vehicles/{vin}/reset")

    # Remote services: the cars on the MQTT broker, and the broker itself.

    async def remote_cars(self) -> list[dict[str, Any]]:
        """Each car's services, asleep flag, reply delays, forced final and command count."""
        cars: list[dict[str, Any]] = await self._call("GET", "remote/cars")
        return cars

    async def set_remote_services(self, vin: str, services: Iterable[str] | None) -> list[str]:
        """The car's subscription (None: all its motorization allows); the services in force."""
        body = {"services": None if services is None else list(services)}
        answer = await self._call("POST", f"remote/cars/{vin}/services", body)
        return list(answer["services"])

    async def set_asleep(self, vin: str, asleep: bool = True) -> None:
        """Asleep/offline (commands end 900 -> 901 -> 300) or awake again."""
        await self._call("POST", f"remote/cars/{vin}/asleep", {"asleep": asleep})

    async def set_reply_delays(self, vin: str, **delays: float) -> dict[str, float]:
        """Change the car's reply delays (accepted, forwarded, completed, asleep_timeout)."""
        answer: dict[str, float] = await self._call("POST", f"remote/cars/{vin}/delays", delays)
        return answer

    async def set_next_final(
        self,
        vin: str,
        code: str | None,
        resp_data: Mapping[str, Any] | None = None,
        *,
        blank_ids: bool = False,
    ) -> None:
        """Force the final code of the car's next command (None: no forcing)."""
        body: dict[str, Any] = {"code": code, "blank_ids": blank_ids}
        if resp_data is not None:
            body["resp_data"] = dict(resp_data)
        await self._call("POST", f"remote/cars/{vin}/next_final", body)

    async def remote_commands(self, vin: str) -> list[dict[str, Any]]:
        """The commands the car received: service, params, progress codes, final code."""
        commands: list[dict[str, Any]] = await self._call("GET", f"remote/cars/{vin}/commands")
        return commands

    async def broker(self) -> dict[str, Any]:
        """Whether the broker runs, its port, its CA file and how many clients it has."""
        broker: dict[str, Any] = await self._call("GET", "remote/broker")
        return broker

    async def drop_mqtt_connections(self) -> int:
        """Cut every MQTT client's connection (the cars stay); how many were cut."""
        answer = await self._call("POST", "remote/broker/drop")
        return int(answer["dropped"])

    async def restart_broker(self) -> dict[str, Any]:
        """Restart the broker (same port and CA); the broker summary afterwards."""
        broker: dict[str, Any] = await self._call("POST", "remote/broker/restart")
        return broker

    def picture_url(self, vin: str) -> str:
        """Where the car's PNG is served (the first picture of every demo car)."""
        return self.address(f"pictures/{vin}.png")

    # Pairing and MQTT tokens (docs/simulator.md, "Pairing and MQTT tokens"): the state they
    # reach is SimulatorState.remote_pairing / .remote_tokens.

    async def last_sms(self) -> dict[str, Any]:
        """The last simulated SMS: ``code``, ``sent_at``, ``expires_at``, ``used`` (404: none)."""
        sms: dict[str, Any] = await self._call("GET", "sms")
        return sms

    async def remote_pairing(self) -> dict[str, Any]:
        """Devices, PIN block, SMS and OTP counts, MQTT token counts (no secret)."""
        summary: dict[str, Any] = await self._call("GET", "remote/pairing")
        return summary

    async def force_inwebo_error(self, err: str, count: int = 1) -> list[str]:
        """The next ``count`` inWebo answers carry ``err`` (e.g. ``NOK:FORBIDDEN``); the queue."""
        body = {"err": err, "count": count}
        answer = await self._call("POST", "remote/pairing/next_error", body)
        return list(answer["forced_errors"])

    async def reset_remote_devices(self) -> int:
        """Remove every paired device and lift a PIN block; how many devices went."""
        answer = await self._call("POST", "remote/pairing/reset")
        return int(answer["removed"])

    async def expire_mqtt_access_tokens(self) -> int:
        """Every MQTT access token expires now; how many were live."""
        answer = await self._call("POST", "remote/pairing/expire_access")
        return int(answer["expired"])

    async def expire_mqtt_refresh_tokens(self) -> int:
        """Every MQTT refresh token expires now; how many were live."""
        answer = await self._call("POST", "remote/pairing/expire_refresh")
        return int(answer["expired"])

    async def set_empty_car_associations(self, empty: bool) -> None:
        """Make car-associations answer ``[]`` (sv#98), or the cars again."""
        await self._call("POST", "remote/pairing/car_associations", {"empty": empty})

    # Push events (docs/simulator.md, "Push events"): SimVehicle.events and the cars' publisher.

    async def car_events(self, vin: str) -> dict[str, Any]:
        """The car's event settings, its counter, whether one is held, the last snapshot sent."""
        summary: dict[str, Any] = await self._call("GET", f"remote/cars/{vin}/events")
        return summary

    async def set_event_settings(self, vin: str, **settings: Any) -> dict[str, Any]:
        """Change the car's ``EventSettings`` (``enabled``, ``delay``, ``hold_next``, ...)."""
        summary: dict[str, Any] = await self._call("POST", f"remote/cars/{vin}/events", settings)
        return summary

    async def stop_events(self, vin: str, stopped: bool = True) -> None:
        """The car stops sending events (as after some recall updates), or sends them again."""
        await self.set_event_settings(vin, enabled=not stopped)

    async def delay_events(self, vin: str, seconds: float) -> None:
        """Deliver the car's events ``seconds`` (real time) after they are made."""
        await self.set_event_settings(vin, delay=seconds)

    async def hold_next_event(self, vin: str) -> None:
        """Hold the car's next event back and deliver it after the one that follows."""
        await self.set_event_settings(vin, hold_next=True)

    async def publish_event(
        self, vin: str, *, reason: int | None = None, stale_seconds: float = 0
    ) -> dict[str, Any] | None:
        """Make the car send a snapshot now (``stale_seconds``: one of that long ago); it, or
        None when the car sends none (events stopped, no status)."""
        body: dict[str, Any] = {"stale_seconds": stale_seconds}
        if reason is not None:
            body["reason"] = reason
        answer = await self._call("POST", f"remote/cars/{vin}/events/publish", body)
        event: dict[str, Any] | None = answer["event"]
        return event

    async def sent_events(self, vin: str) -> list[dict[str, Any]]:
        """The last snapshots the car made in this session (at most 100), oldest first."""
        events: list[dict[str, Any]] = await self._call("GET", f"remote/cars/{vin}/events/sent")
        return events

    async def check_events(self) -> list[str]:
        """Run the cars' periodic change check now; the VINs that sent a snapshot."""
        answer = await self._call("POST", "remote/events/check")
        return list(answer["sent"])
