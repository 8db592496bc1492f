"""The remote-services HTTP endpoints of api.groupe-psa.com: car-associations (the customer id,
remote-commands.md §2), the SMS request (§3.1) and the MQTT token grants (§4).

All three sit behind the same gateway checks as the Connected Car API (Bearer OAuth access
token, ``x-introspect-realm``, ``client_id``): ``psa_simulator.api.guarded``.
"""

from __future__ import annotations

import json
import logging
from typing import Any
import uuid

from aiohttp import web

from ..api import guarded
from ..const import API_PREFIX, CODE_GRANT_INVALID
from ..responses import json_response, oauth_error
from ..state import STATE, SimulatorState
from . import control_pairing, inwebo

_LOGGER = logging.getLogger(__name__)

CAR_ASSOCIATIONS_PATH = "/applications/cvs/v4/mauv/car-associations"
SMS_CODE_PATH = "/applications/cvs/v4/mobile/smsCode"
REMOTE_TOKEN_PATH = f"{API_PREFIX}/virtualkey/remoteaccess/token"
MQTT_SCOPE = "psaCustomerId psaMqttService"  # §4, sv#435
ASSOCIATED_AT = "2024-05-02T08:14:33Z"  # made up, like the demo's other fixed dates


def mask_email(address: str) -> str:
    """``d***@example.com``: enough to tell which account, not the address."""
    local, at, domain = address.partition("@")
    return f"{local[:1]}***{at}{domain}"


def _association(state: SimulatorState, vin: str) -> dict[str, Any]:
    """One entry per car, with the fields of the sv#466 log (§2)."""
    customer = state.account.customer_id
    return {
        "vehicle": vin,
        "validated_checks": ["car_keys"],
        "customer": customer,
        "services": ["NEE02"],
        "car_association_id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{customer}/{vin}")),
        "create_timestamp": ASSOCIATED_AT,
        "modify_timestamp": ASSOCIATED_AT,
        "car_title_date": None,
        "car_key_date": ASSOCIATED_AT,
        "cea_trip_date": None,
        "qr_code_date": None,
        "hla_date": None,
        "car_association_status": "Validated",
        "notification_url": None,
    }


async def car_associations(request: web.Request) -> web.StreamResponse:
    """``GET .../mauv/car-associations``: a JSON array, ``[]`` when the scenario says so."""
    state = request.app[STATE]
    if state.account.empty_car_associations:
        return json_response([])
    return json_response([_association(state, vehicle.vin) for vehicle in state.vehicles])


async def sms_code(request: web.Request) -> web.StreamResponse:
    """``POST .../mobile/smsCode``: the simulated SMS goes to the simulator's log."""
    state = request.app[STATE]
    sms = state.remote_pairing.send_sms()
    # The simulator is a development tool: its own log shows the simulated SMS, and
    # GET /_simulator/sms serves it. Nothing else of the pairing is ever logged.
    _LOGGER.info("SMS code for %s: %s", mask_email(state.account.username), sms.value)
    return json_response({})


def _invalid_grant() -> web.Response:
    return oauth_error("invalid_grant", CODE_GRANT_INVALID)


def _token_body(state: SimulatorState, *, with_refresh: bool) -> dict[str, Any]:
    tokens = state.remote_tokens
    body: dict[str, Any] = {
        "access_token": tokens.issue_access().value,
        "expires_in": tokens.access_lifetime,
        "token_type": "Bearer",
        "scope": MQTT_SCOPE,
    }
    if with_refresh:
        body["refresh_token"] = tokens.issue_refresh().value
    return body


def _password_grant(state: SimulatorState, body: dict[str, Any]) -> web.Response:
    """The OTP code is the password: good once, within 5 minutes."""
    password = body.get("password")
    if not isinstance(password, str) or not state.remote_pairing.accept_otp_code(password):
        return _invalid_grant()
    return json_response(_token_body(state, with_refresh=True))


def _refresh_grant(state: SimulatorState, body: dict[str, Any]) -> web.Response:
    """A new access token; the refresh token stays the same (§4, PR#147)."""
    refresh = body.get("refresh_token")
    if not isinstance(refresh, str) or not state.remote_tokens.valid_refresh_token(refresh):
        return _invalid_grant()
    return json_response(_token_body(state, with_refresh=False))


async def remote_token(request: web.Request) -> web.StreamResponse:
    """``POST .../virtualkey/remoteaccess/token``: JSON body, password (OTP) or refresh grant."""
    state = request.app[STATE]
    try:
        body = json.loads(await request.read())
    except ValueError:
        return oauth_error("invalid_request", "The body must be JSON.")
    if not isinstance(body, dict):
        return oauth_error("invalid_request", "The body must be a JSON object.")
    grant = body.get("grant_type")
    if grant == "password":
        return _password_grant(state, body)
    if grant == "refresh_token":
        return _refresh_grant(state, body)
    return oauth_error("unsupported_grant_type", "Grant type is not supported.")


def add_routes(app: web.Application) -> None:
    """Every route of the pairing side: these three, inWebo, and their control routes."""
    app.router.add_get(CAR_ASSOCIATIONS_PATH, guarded(car_associations), allow_head=False)
    app.router.add_post(SMS_CODE_PATH, guarded(sms_code))
    app.router.add_post(REMOTE_TOKEN_PATH, guarded(remote_token))
    inwebo.add_routes(app)
    control_pairing.add_routes(app)
