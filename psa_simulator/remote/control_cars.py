"""Control API of the cars' remote side and the broker (``/_simulator/remote/...``, JSON)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from aiohttp import web

from ..const import CONTROL_PREFIX
from ..control import ControlError, action
from ..responses import json_response
from ..state import SimulatorState
from ..vehicles import NextFinal, ScenarioError, SimVehicle
from .events import NETWORK, EventPublisher
from .service import REMOTE

PREFIX = f"{CONTROL_PREFIX}/remote"
FINAL_CODES = ("0", "1", "113", "300", "400", "422", "500", "502")
DEFAULT_RESP_DATA = {"500": {"error": 4}}  # the one 500 ever captured (sv#182)


def car_summary(state: SimulatorState, vehicle: SimVehicle) -> dict[str, Any]:
    """What the control API tells about one car's remote side."""
    final = vehicle.next_final
    return {
        "vin": vehicle.vin,
        "services": sorted(vehicle.remote_services()),
        "services_default": vehicle.remote is None,
        "asleep": vehicle.asleep,
        "reply_delays": asdict(vehicle.reply_delays or state.config.reply_delays),
        "next_final": None if final is None else asdict(final),
        "commands": len(vehicle.commands),
    }


def _vin(request: web.Request) -> str:
    return request.match_info["vin"]


def _services(state: SimulatorState, body: dict[str, Any], request: web.Request) -> Any:
    services = body.get("services")
    try:
        state.set_remote_services(_vin(request), services)
    except ScenarioError as err:
        raise ControlError(str(err)) from err
    return car_summary(state, state.vehicle(_vin(request)))


def _asleep(state: SimulatorState, body: dict[str, Any], request: web.Request) -> Any:
    asleep = body.get("asleep")
    if not isinstance(asleep, bool):
        raise ControlError("'asleep' must be true or false")
    state.set_asleep(_vin(request), asleep)
    return car_summary(state, state.vehicle(_vin(request)))


def _delays(state: SimulatorState, body: dict[str, Any], request: web.Request) -> Any:
    return asdict(state.set_reply_delays(_vin(request), **body))


def _next_final(state: SimulatorState, body: dict[str, Any], request: web.Request) -> Any:
    code = body.get("code")
    if code is None:
        state.set_next_final(_vin(request), None)
        return car_summary(state, state.vehicle(_vin(request)))
    if code not in FINAL_CODES:
        raise ControlError(f"'code' must be one of {FINAL_CODES} (a string) or null")
    resp_data = body.get("resp_data", DEFAULT_RESP_DATA.get(code))
    blank_ids = body.get("blank_ids", False)
    if resp_data is not None and not isinstance(resp_data, dict):
        raise ControlError("'resp_data' must be an object")
    if not isinstance(blank_ids, bool):
        raise ControlError("'blank_ids' must be true or false")
    state.set_next_final(_vin(request), NextFinal(code, resp_data, blank_ids))
    return car_summary(state, state.vehicle(_vin(request)))


def _commands(state: SimulatorState, _body: dict[str, Any], request: web.Request) -> Any:
    return [record.as_dict() for record in state.vehicle(_vin(request)).commands]


def _clear_commands(state: SimulatorState, _body: dict[str, Any], request: web.Request) -> Any:
    state.vehicle(_vin(request)).commands.clear()


def _events(request: web.Request) -> EventPublisher:
    """The cars' event publisher; 404 while the broker is off."""
    cars = _service_or_404(request).cars
    if cars is None:
        raise web.HTTPNotFound(
            text='{"error": "the cars are not connected"}', content_type="application/json"
        )
    publisher: EventPublisher = cars.events
    return publisher


def _event_summary(state: SimulatorState, _body: dict[str, Any], request: web.Request) -> Any:
    return _events(request).summary(state.vehicle(_vin(request)))


def _event_settings(state: SimulatorState, body: dict[str, Any], request: web.Request) -> Any:
    publisher = _events(request)
    state.set_event_settings(_vin(request), **body)
    return publisher.summary(state.vehicle(_vin(request)))


def _event_log(state: SimulatorState, _body: dict[str, Any], request: web.Request) -> Any:
    return _events(request).published(state.vehicle(_vin(request)).vin)


def _publish_event(state: SimulatorState, body: dict[str, Any], request: web.Request) -> Any:
    publisher = _events(request)
    vehicle = state.vehicle(_vin(request))
    reason, stale = body.get("reason", NETWORK), body.get("stale_seconds", 0)
    if isinstance(reason, bool) or not isinstance(reason, int):
        raise ControlError("'reason' must be an integer")
    if isinstance(stale, bool) or not isinstance(stale, int | float) or stale < 0:
        raise ControlError("'stale_seconds' must be a number >= 0")
    event = publisher.emit(vehicle, reason, stale=float(stale))
    return {"sent": event is not None, "event": event}


def _check_events(_state: SimulatorState, _body: dict[str, Any], request: web.Request) -> Any:
    return {"sent": _events(request).check()}


def broker_summary(app: web.Application) -> dict[str, Any]:
    """Where the broker is and how many clients it has (no credential)."""
    service = app.get(REMOTE)
    if service is None:
        return {"running": False, "port": None, "ca_file": None, "clients": 0}
    broker = service.broker
    return {
        "running": service.running,
        "port": service.port,
        "ca_file": None if service.ca_file is None else str(service.ca_file),
        "clients": 0 if broker is None else broker.client_count,
    }


def _service_or_404(request: web.Request) -> Any:
    service = request.app.get(REMOTE)
    if service is None or not service.running:
        raise web.HTTPNotFound(
            text='{"error": "the MQTT broker is off"}', content_type="application/json"
        )
    return service


async def _broker(request: web.Request) -> web.StreamResponse:
    return json_response(broker_summary(request.app))


async def _drop(request: web.Request) -> web.StreamResponse:
    return json_response({"dropped": _service_or_404(request).drop_connections()})


async def _restart(request: web.Request) -> web.StreamResponse:
    await _service_or_404(request).restart()
    return json_response(broker_summary(request.app))


def add_routes(app: web.Application) -> None:
    """Register the remote control routes."""
    car = f"{PREFIX}/cars/{{vin}}"
    r = app.router
    r.add_get(
        f"{PREFIX}/cars",
        action(lambda s, _b, _r: [car_summary(s, v) for v in s.vehicles]),
    )
    r.add_get(car, action(lambda s, _b, req: car_summary(s, s.vehicle(_vin(req)))))
    r.add_post(f"{car}/services", action(_services))
    r.add_post(f"{car}/asleep", action(_asleep))
    r.add_post(f"{car}/delays", action(_delays))
    r.add_post(f"{car}/next_final", action(_next_final))
    r.add_get(f"{car}/commands", action(_commands))
    r.add_delete(f"{car}/commands", action(_clear_commands))
    r.add_get(f"{car}/events", action(_event_summary))
    r.add_post(f"{car}/events", action(_event_settings))
    r.add_get(f"{car}/events/sent", action(_event_log))
    r.add_post(f"{car}/events/publish", action(_publish_event))
    r.add_post(f"{PREFIX}/events/check", action(_check_events))
    r.add_get(f"{PREFIX}/broker", _broker)
    r.add_post(f"{PREFIX}/broker/drop", _drop)
    r.add_post(f"{PREFIX}/broker/restart", _restart)
