"""Control routes of the pairing side: the last SMS, forced inWebo errors, device reset, MQTT
token expiry, car-associations on/off and a summary (``/_simulator/sms``,
``/_simulator/remote/pairing/...``). Like the rest of the control API: JSON, not counted."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ..const import CONTROL_PREFIX
from ..control import ControlError, action
from ..responses import json_response
from ..state import STATE, SimulatorState

PAIRING = f"{CONTROL_PREFIX}/remote/pairing"


async def _sms(request: web.Request) -> web.StreamResponse:
    """``GET /_simulator/sms``: the last simulated SMS, 404 when none was sent."""
    sms = request.app[STATE].remote_pairing.last_sms()
    if sms is None:
        return json_response({"error": "no SMS code was sent"}, status=404)
    return json_response(sms)


def summary(state: SimulatorState) -> dict[str, Any]:
    """``GET /_simulator/remote/pairing``: counts, never a code, key or PIN."""
    tokens = state.remote_tokens
    account = state.account
    return {
        **state.remote_pairing.summary(),
        "customer_id": account.customer_id,
        "max_devices": account.max_devices,
        "empty_car_associations": account.empty_car_associations,
        "tokens": {
            "access_issued": len(tokens.access),
            "access_live": sum(1 for value in tokens.access if tokens.valid_access_token(value)),
            "refresh_issued": len(tokens.refresh),
            "refresh_live": sum(1 for value in tokens.refresh if tokens.valid_refresh_token(value)),
        },
    }


def _next_error(state: SimulatorState, body: dict[str, Any], _: web.Request) -> Any:
    err, count = body.get("err"), body.get("count", 1)
    if not isinstance(err, str):
        raise ControlError("'err' must be a string such as NOK:FORBIDDEN")
    if isinstance(count, bool) or not isinstance(count, int):
        raise ControlError("'count' must be an integer")
    queue = state.remote_pairing.force_inwebo_error(err, count)
    return {"forced_errors": queue}


def _empty_associations(state: SimulatorState, body: dict[str, Any], _: web.Request) -> Any:
    empty = body.get("empty")
    if not isinstance(empty, bool):
        raise ControlError("'empty' must be true or false")
    state.account.empty_car_associations = empty
    return {"empty_car_associations": empty}


def add_routes(app: web.Application) -> None:
    """Register the pairing side's control routes."""
    r = app.router
    r.add_get(f"{CONTROL_PREFIX}/sms", _sms, allow_head=False)
    r.add_get(PAIRING, action(lambda s, _b, _r: summary(s)), allow_head=False)
    r.add_post(f"{PAIRING}/next_error", action(_next_error))
    r.add_post(
        f"{PAIRING}/reset", action(lambda s, _b, _r: {"removed": s.remote_pairing.reset_devices()})
    )
    r.add_post(
        f"{PAIRING}/expire_access",
        action(lambda s, _b, _r: {"expired": s.remote_tokens.expire_access_tokens()}),
    )
    r.add_post(
        f"{PAIRING}/expire_refresh",
        action(lambda s, _b, _r: {"expired": s.remote_tokens.expire_refresh_tokens()}),
    )
    r.add_post(f"{PAIRING}/car_associations", action(_empty_associations))
