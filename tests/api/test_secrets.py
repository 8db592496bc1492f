"""No secret reaches a log record or an exception message, whatever the flow."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
import dataclasses
import logging
import time
from urllib.parse import parse_qs, urlsplit

import pytest

from custom_components.psa_connected_car.api import (
    BRANDS,
    PSAAuth,
    PSAClient,
    PSAError,
    TokenSet,
)
from custom_components.psa_connected_car.api.remote import (
    InWeboClient,
    OtpState,
    PSARemoteApi,
    RemoteToken,
    RemoteTokenManager,
    async_pair,
)
from psa_simulator import SimulatorConfig

from .conftest import REVOKE_PATH, TOKEN_PATH, Answer, FakeServer
from .inwebo_fake import inwebo  # noqa: F401 - the fixture
from .test_against_simulator import browser_login
from .test_remote_account import remote  # noqa: F401 - the fixture

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


async def test_no_secret_in_logs_or_errors_on_every_error_path(
    fake_server: FakeServer, session, caplog
):
    """Unit flows through every failure the client maps, with distinctive secrets."""
    caplog.set_level(logging.DEBUG)
    access, refresh, new_access, new_refresh = (
        "At-5b1e-Unique",
        "Rt-90ac-Unique",
        "At-77e0-Unique",
        "Rt-c3d4-Unique",
    )
    auth = PSAAuth(
        session,
        BRANDS["ds"],
        "FR",
        "cid",
        CLIENT_SECRET,
        token=TokenSet(access_token=access, refresh_token=refresh, expires_at=time.time() + 3600),
        idp_base_url=fake_server.url,
        timeout=0.2,
    )
    client = PSAClient(session, auth, api_base_url=f"{fake_server.url}/api", timeout=0.2)
    request = auth.create_authorization_request()
    code = "C0de-4f5e-4d6c-8b7a-Unique"
    errors: list[str] = []

    async def expect_error(call: Callable[[], Awaitable[object]]) -> None:
        auth._requests.clear()  # the client-side cap is not what this test is about
        with pytest.raises(PSAError) as err:
            await call()
        errors.append(str(err.value))
        errors.append(repr(err.value))

    status = "/api/user/vehicles/v1/status"
    token_answers = [
        Answer(400, {"error": "invalid_grant", "error_description": "grant is invalid"}),
        Answer(401, {"error": "invalid_client"}),
        Answer(500, "<html>oops</html>"),
        Answer(200, {"access_token": "with space", "refresh_token": new_refresh}),
        Answer(200, {"access_token": new_access}, delay=1),  # timeout
    ]
    for answer in token_answers:
        fake_server.queue(TOKEN_PATH, answer)
        await expect_error(lambda: auth.login_password(USERNAME, PASSWORD))
        await expect_error(lambda: auth.login_code(code, request))
    for paste in (
        f"https://my.dsautomobiles.fr/login?code={code}",
        f"mymdssdk://oauth2redirect/fr?code={code}&state=other",
        f"{code} {code}",
        f"mymdssdk://oauth2redirect/fr?nothing={code}",
    ):
        await expect_error(lambda paste=paste: auth.login_code(paste, request))
    fake_server.answer(TOKEN_PATH, 200, {"access_token": new_access, "refresh_token": new_refresh})
    fake_server.answer(status, 401, {"httpMessage": "Unauthorized"})
    await expect_error(lambda: client.get_status("v1"))  # 401, refresh, 401 again
    for answer in (Answer(500, "x"), Answer(404, {"code": 40400}), Answer(200, "{", delay=1)):
        fake_server.queue(status, answer)
        await expect_error(lambda: client.get_status("v1"))
    fake_server.answer(REVOKE_PATH, 200, {}, delay=1)
    await auth.revoke()

    secrets = {PASSWORD, CLIENT_SECRET, code, request.code_verifier}
    secrets |= {access, refresh, new_access, new_refresh}
    text = "\n".join([record.getMessage() for record in caplog.records] + errors + [repr(auth)])
    assert len(errors) == 2 * (2 * len(token_answers) + 4 + 4)
    assert len(fake_server.calls(TOKEN_PATH)) == 2 * len(token_answers) + 1
    assert any(record.name.startswith("custom_components") for record in caplog.records)
    assert not {secret for secret in secrets if secret in text}


async def test_no_remote_secret_in_logs_errors_or_reprs(
    session,
    inwebo,  # noqa: F811
    remote,  # noqa: F811
    caplog,
):
    """Pairing, codes, MQTT tokens and their failures: PIN, SMS code, OTP state, tokens."""
    caplog.set_level(logging.DEBUG)
    pin, sms = "P1n-4e7a-Unique", "Sms-66f1-Unique"
    inwebo.pin, inwebo.sms_code = pin, sms
    remote.otp_codes = inwebo.codes
    auth = PSAAuth(
        session,
        BRANDS["peugeot"],
        "FR",
        "cid",
        CLIENT_SECRET,
        token=TokenSet(access_token="oauth-0", refresh_token="rt", expires_at=time.time() + 3600),
        idp_base_url=remote.url,
    )
    api = PSARemoteApi(session, auth, base_url=remote.url, timeout=2)
    client = InWeboClient(session, url=inwebo.url, timeout=2)
    errors: list[str] = []

    async def expect_error(call: Callable[[], Awaitable[object]]) -> None:
        with pytest.raises(PSAError) as err:
            await call()
        errors.extend((str(err.value), repr(err.value)))

    await expect_error(lambda: client.activate("Sms-0000-Wrong", pin, "dev-secret-1"))
    await expect_error(lambda: client.activate(sms, "P1n-0000-Wrong", "dev-secret-1"))
    _, state, first = await async_pair(api, client, sms, pin, "dev-secret-1")
    states = [state]
    saved_tokens = [first]

    async def save_otp(new: OtpState) -> None:
        states.append(new)

    async def save_token(new: RemoteToken) -> None:
        saved_tokens.append(new)

    tokens = RemoteTokenManager(
        api, client, state, first, on_otp_update=save_otp, on_token_update=save_token
    )
    await tokens.async_force_refresh()  # refresh grant
    remote.queue(
        "/connectedcar/v4/virtualkey/remoteaccess/token",
        (400, {"error": "invalid_grant", "error_description": "grant is invalid"}),
        (200, {"access_token": "Mqtt-a9-Unique", "refresh_token": "Mqtt-r9-Unique"}),
    )
    await tokens.async_force_refresh()  # refused, minted with an OTP code
    remote.queue(
        "/connectedcar/v4/virtualkey/remoteaccess/token", (400, {"error": "invalid_grant"})
    )
    await expect_error(tokens.async_force_refresh)  # refused, the OTP code refused too
    broken = RemoteTokenManager(
        api,
        client,
        dataclasses.replace(tokens.otp, k1="ab" * 16),
        None,
        on_otp_update=save_otp,
        on_token_update=save_token,
    )
    await expect_error(broken.async_get_access_token)  # NOK:ACCESS -> PSARemoteAuthError
    exhausted = RemoteTokenManager(
        api,
        client,
        dataclasses.replace(tokens.otp, used_at=(time.time(),) * 6),
        None,
        on_otp_update=save_otp,
        on_token_update=save_token,
    )
    await expect_error(exhausted.async_get_access_token)

    secrets = {pin, sms, "Mqtt-a9-Unique", "Mqtt-r9-Unique", *inwebo.codes}
    for otp in states:
        secrets |= {otp.pin, otp.iwalea, otp.k0, otp.k1, otp.secval}
    for mqtt in saved_tokens:
        secrets |= {mqtt.access_token, mqtt.refresh_token or ""}
    reprs = [repr(value) for value in (*states, *saved_tokens, client, api, tokens, broken)]
    reprs += [str(states[-1])]
    ours = [record for record in caplog.records if record.name != "aiohttp.access"]
    text = "\n".join([record.getMessage() for record in ours] + errors + reprs)
    assert len(errors) == 2 * 5
    assert any(record.name.endswith("remote.otp") for record in ours)
    assert any(record.name.endswith("remote.tokens") for record in ours)
    assert not {secret for secret in secrets if secret and secret in text}
