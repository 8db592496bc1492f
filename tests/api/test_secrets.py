"""No secret reaches a log record or an exception message, whatever the flow."""

from __future__ import annotations

import logging
from urllib.parse import parse_qs, urlsplit

import pytest

from custom_components.psa_connected_car.api import PSAError
from psa_simulator import SimulatorConfig

from .test_against_simulator import browser_login

USERNAME = "owner@example.invalid"
PASSWORD = "Pw-9f3e1c-Unique"
CLIENT_SECRET = "Cs-77d2b0-Unique"
SCENARIO = {
    "account": {
        "brand": "peugeot",
        "country": "FR",
        "username": USERNAME,
        "password": PASSWORD,
        "client_id": "app-7a1c",
        "client_secret": CLIENT_SECRET,
    },
    "vehicles": [
        {
            "id": "f00d" * 16,
            "vin": "VR3SIMULATEDSEC01",
            "brand": "Peugeot",
            "motorization": "Electric",
            "pictures": [],
            "status": {"createdAt": "2026-01-01T00:00:00Z"},
        }
    ],
}


async def test_no_secret_in_logs_or_errors(simulator_factory, make_client, session, caplog):
    caplog.set_level(logging.DEBUG)
    handle = await simulator_factory(SimulatorConfig(scenario=SCENARIO))
    errors: list[str] = []
    auth, client, saved = await make_client(
        handle, login=False, client_id="app-7a1c", client_secret=CLIENT_SECRET
    )
    await auth.login_password(USERNAME, PASSWORD)
    request = auth.create_authorization_request()
    redirect = await browser_login(session, request, PASSWORD, USERNAME)
    code = parse_qs(urlsplit(redirect).query)["code"][0]
    await auth.login_code(redirect, request)
    for attempt in (
        lambda: auth.login_code(redirect, request),  # used code
        lambda: auth.login_password(USERNAME, "wrong-" + PASSWORD),
    ):
        with pytest.raises(PSAError) as err:
            await attempt()
        errors.append(str(err.value))
    await auth.refresh()
    (vehicle,) = await client.get_vehicles()
    handle.state.force_faults("401", 2)
    with pytest.raises(PSAError) as err:
        await client.get_status(vehicle.id)
    errors.append(str(err.value))
    handle.state.revoke_all_refresh_tokens()
    with pytest.raises(PSAError) as err:
        await auth.refresh()
    errors.append(str(err.value))
    await auth.revoke()

    secrets = {PASSWORD, CLIENT_SECRET, code, request.code_verifier}
    for token in saved.tokens:
        secrets |= {token.access_token, token.refresh_token}
    text = "\n".join([record.getMessage() for record in caplog.records] + errors + [repr(auth)])
    assert len(caplog.records) > 5  # the flows did log
    leaked = {secret for secret in secrets if secret and secret in text}
    assert not leaked
