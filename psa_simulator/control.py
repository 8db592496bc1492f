"""The control API under ``/_simulator/``: inspect and drive a running simulator (JSON)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
import json
from typing import Any

from aiohttp import web

from .config import FAULT_KINDS
from .const import CONTROL_PREFIX
from .png import car_png
from .responses import json_response
from .state import STATE, SimulatorState
from .vehicles import PayloadContext, ScenarioError

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
ControlAction = Callable[[SimulatorState, dict[str, Any], web.Request], Any]


class ControlError(ValueError):
    """A control request the simulator cannot follow (answered 400)."""


def _faults(state: SimulatorState) -> dict[str, Any]:
    faults = state.faults
    return {
        "latency_ms": faults.latency_ms,
        "error_rate": faults.error_rate,
        "unauthorized_rate": faults.unauthorized_rate,
        "malformed_rate": faults.malformed_rate,
        "drop_rate": faults.drop_rate,
        "include_oauth": faults.include_oauth,
        "rate_limited_for": max(0.0, state.rate_limited_until - state.now()),
        "forced": list(state.forced_faults),
    }


def _vehicle_summary(state: SimulatorState, request: web.Request) -> list[dict[str, Any]]:
    return [
        {
            "vin": vehicle.vin,
            "id": vehicle.id,
            "motorization": vehicle.fields.get("motorization"),
            "living": bool(vehicle.generators),
            "status_overridden": vehicle.status_override is not None,
            "trips_overridden": vehicle.trips_override is not None,
            "status_drop": sorted(vehicle.status_drop),
            "status_set": sorted(vehicle.status_set),
            "no_data": sorted(vehicle.no_data),
        }
        for vehicle in state.vehicles
    ]


def summary(state: SimulatorState, request: web.Request) -> dict[str, Any]:
    """``GET /_simulator/state``: what a person (or test) wants to see at a glance."""
    account = state.account
    return {
        "now": state.now(),
        "time_offset": state.time_offset,
        "account": {
            "brand": account.brand.key,
            "country": account.country,
            "realm": account.brand.realm,
            "redirect_uri": account.redirect_uri,
            "username": account.username,
            "client_id": account.client_id,
            "account_id": account.account_id,
        },
        "password_grant": state.password_grant,
        "password_refusal": state.password_refusal,
        "live_access_tokens": sum(
            1 for token in state.access_tokens if state.valid_access_token(token)
        ),
        "live_refresh_tokens": len(state.refresh_tokens),
        "pending_codes": len(state.codes),
        "omit_embedded_calls": state.omit_embedded_calls,
        "faults": _faults(state),
        "vehicles": _vehicle_summary(state, request),
    }


async def _body(request: web.Request) -> dict[str, Any]:
    if not request.can_read_body:
        return {}
    try:
        data = json.loads(await request.read() or b"{}")
    except ValueError as err:
        raise ControlError("the body must be JSON") from err
    if not isinstance(data, dict):
        raise ControlError("the body must be a JSON object")
    return data


def action(handler: ControlAction) -> Handler:
    """Wrap a control action: JSON in, JSON out, 400 on bad input, 404 on an unknown VIN."""

    async def handle(request: web.Request) -> web.StreamResponse:
        state = request.app[STATE]
        try:
            result = handler(state, await _body(request), request)
        except KeyError as err:
            return json_response({"error": f"unknown vehicle {err.args[0]}"}, status=404)
        except (ValueError, TypeError) as err:
            return json_response({"error": str(err)}, status=400)
        return json_response(result if result is not None else {"ok": True})

    return handle


def _number(body: dict[str, Any], key: str, default: float | None = None) -> float:
    value = body.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ControlError(f"'{key}' must be a number")
    return float(value)


def _vin(request: web.Request) -> str:
    return request.match_info["vin"]


# Each action: (state, JSON body, request) -> JSON-able result (None: {"ok": true}).


def _advance(state: SimulatorState, body: dict[str, Any], _: web.Request) -> Any:
    now = state.advance(_number(body, "seconds"))
    return {"now": now, "time_offset": state.time_offset}


def _set_faults(state: SimulatorState, body: dict[str, Any], _: web.Request) -> Any:
    state.set_faults(**body)
    return _faults(state)


def _reset_faults(state: SimulatorState, _body: dict[str, Any], _: web.Request) -> Any:
    state.reset_faults()
    return _faults(state)


def _rate_limit(state: SimulatorState, body: dict[str, Any], _: web.Request) -> Any:
    state.rate_limit(_number(body, "seconds"))
    return _faults(state)


def _force(state: SimulatorState, body: dict[str, Any], _: web.Request) -> Any:
    kind = body.get("kind")
    if kind not in FAULT_KINDS:
        raise ControlError(f"'kind' must be one of {FAULT_KINDS}")
    state.force_faults(kind, int(_number(body, "count", 1)))
    return _faults(state)


def _password_grant(state: SimulatorState, body: dict[str, Any], _: web.Request) -> Any:
    enabled = body.get("enabled")
    if not isinstance(enabled, bool):
        raise ControlError("'enabled' must be true or false")
    state.set_password_grant(enabled, body.get("refusal"))
    return {"password_grant": state.password_grant, "password_refusal": state.password_refusal}


def _add_vehicle(state: SimulatorState, body: dict[str, Any], request: web.Request) -> Any:
    try:
        vehicle = state.add_vehicle(body)
    except ScenarioError as err:
        raise ControlError(str(err)) from err
    return {"vin": vehicle.vin, "id": vehicle.id}


def _change_id(state: SimulatorState, body: dict[str, Any], request: web.Request) -> Any:
    new_id = body.get("id")
    if new_id is not None and not isinstance(new_id, str):
        raise ControlError("'id' must be a string")
    return {"vin": _vin(request), "id": state.change_vehicle_id(_vin(request), new_id)}


def _omit_embedded(state: SimulatorState, body: dict[str, Any], _: web.Request) -> Any:
    state.omit_embedded(int(_number(body, "count", 1)))
    return {"omit_embedded_calls": state.omit_embedded_calls}


def _patch_status(state: SimulatorState, body: dict[str, Any], request: web.Request) -> Any:
    drop, blocks = body.get("drop", []), body.get("set", {})
    if not isinstance(drop, list) or not isinstance(blocks, dict):
        raise ControlError("'drop' must be a list of keys and 'set' an object")
    state.patch_status(_vin(request), drop=[str(key) for key in drop], set_blocks=blocks)


def _snapshot(state: SimulatorState, body: dict[str, Any], request: web.Request) -> Any:
    at = _number(body, "at") if "at" in body else state.now() - _number(body, "seconds_ago")
    base = f"{request.url.origin()}/connectedcar/v4"
    state.serve_snapshot_at(_vin(request), at, base)
    return {"vin": _vin(request), "at": at}


def _no_data(state: SimulatorState, body: dict[str, Any], request: web.Request) -> Any:
    endpoints = body.get("endpoints")
    if endpoints is not None and not isinstance(endpoints, list):
        raise ControlError("'endpoints' must be a list")
    enabled = body.get("enabled", True)
    if not isinstance(enabled, bool):
        raise ControlError("'enabled' must be true or false")
    state.set_no_data(_vin(request), endpoints, enabled)
    return {"vin": _vin(request), "no_data": sorted(state.vehicle(_vin(request)).no_data)}


def _replace(setter: Callable[[SimulatorState, str, Any], None]) -> Handler:
    """``PUT .../status`` or ``.../trips``: the body (any JSON) is served from now on."""

    async def handle(request: web.Request) -> web.StreamResponse:
        state = request.app[STATE]
        try:
            setter(state, _vin(request), json.loads(await request.read()))
        except ValueError:
            return json_response({"error": "the body must be JSON"}, status=400)
        except KeyError:
            return json_response({"error": f"unknown vehicle {_vin(request)}"}, status=404)
        return json_response({"ok": True})

    return handle


async def _picture(request: web.Request) -> web.StreamResponse:
    """``GET /_simulator/pictures/<vin>.png``."""
    vin = request.match_info["vin"]
    if not any(vehicle.vin == vin for vehicle in request.app[STATE].vehicles):
        raise web.HTTPNotFound
    return web.Response(body=car_png(vin), content_type="image/png")


def _current_status(state: SimulatorState, body: dict[str, Any], request: web.Request) -> Any:
    vehicle = state.vehicle(_vin(request))
    base = f"{request.url.origin()}/connectedcar/v4"
    return vehicle.payload("status", PayloadContext(state.now(), base, vehicle.id))


def add_routes(app: web.Application) -> None:
    """Register the control API."""
    p = CONTROL_PREFIX
    v = f"{p}/vehicles/{{vin}}"

    def ok(func: Callable[[SimulatorState, str], Any]) -> ControlAction:
        return lambda state, _body, request: func(state, _vin(request))

    r = app.router
    r.add_get(f"{p}/state", action(lambda s, _b, req: summary(s, req)))
    r.add_get(f"{p}/stats", action(lambda s, _b, _r: s.stats.as_dict()))
    r.add_post(f"{p}/stats/reset", action(lambda s, _b, _r: s.reset_stats()))
    r.add_get(f"{p}/time", action(lambda s, _b, _r: {"now": s.now(), "time_offset": s.time_offset}))
    r.add_post(f"{p}/time/advance", action(_advance))
    r.add_get(f"{p}/faults", action(lambda s, _b, _r: _faults(s)))
    r.add_post(f"{p}/faults", action(_set_faults))
    r.add_post(f"{p}/faults/reset", action(_reset_faults))
    r.add_post(f"{p}/faults/rate_limit", action(_rate_limit))
    r.add_post(f"{p}/faults/next", action(_force))
    r.add_post(
        f"{p}/tokens/revoke_refresh",
        action(lambda s, _b, _r: {"revoked": s.revoke_all_refresh_tokens()}),
    )
    r.add_post(
        f"{p}/tokens/expire_access",
        action(lambda s, _b, _r: {"expired": s.expire_all_access_tokens()}),
    )
    r.add_post(f"{p}/password_grant", action(_password_grant))
    r.add_get(f"{p}/vehicles", action(lambda s, _b, req: _vehicle_summary(s, req)))
    r.add_post(f"{p}/vehicles", action(_add_vehicle))
    r.add_post(f"{p}/vehicles_list/omit_embedded", action(_omit_embedded))
    r.add_delete(v, action(ok(lambda s, vin: s.remove_vehicle(vin))))
    r.add_post(f"{v}/id", action(_change_id))
    r.add_get(f"{v}/status", action(_current_status))
    r.add_put(f"{v}/status", _replace(SimulatorState.set_status))
    r.add_put(f"{v}/trips", _replace(SimulatorState.set_trips))
    r.add_patch(f"{v}/status", action(_patch_status))
    r.add_post(f"{v}/snapshot", action(_snapshot))
    r.add_post(f"{v}/no_data", action(_no_data))
    r.add_post(f"{v}/reset", action(ok(lambda s, vin: s.reset_vehicle(vin))))
    r.add_get(f"{p}/pictures/{{vin}}.png", _picture)
