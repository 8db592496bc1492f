"""The remote-commands client against the simulator: the simulator's inWebo server, written
independently from the same facts, judges our pairing and every OTP code we make."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
import json
from typing import Any

import aiohttp
import pytest

from custom_components.psa_connected_car.api.exceptions import (
    PSAPairingError,
    PSARemoteAuthError,
)
from custom_components.psa_connected_car.api.remote.account import PSARemoteApi, async_pair
from custom_components.psa_connected_car.api.remote.models import OtpState, RemoteToken
from custom_components.psa_connected_car.api.remote.otp import InWeboClient
from custom_components.psa_connected_car.api.remote.tokens import RemoteTokenManager
from psa_simulator.const import DEMO_CUSTOMER_ID, DEMO_PIN
from psa_simulator.testing import SimulatorControl, SimulatorHandle

from .conftest import MakeClient

DEVICE_ID = "0123456789abcdef"


async def _remote(
    session: aiohttp.ClientSession, simulator: SimulatorHandle, make_client: MakeClient
) -> tuple[PSARemoteApi, InWeboClient, SimulatorControl]:
    auth, _client, _saved = await make_client(simulator)
    api = PSARemoteApi(session, auth, base_url=simulator.url)
    return (
        api,
        InWeboClient(session, url=f"{simulator.url}/iwws/MAC"),
        SimulatorControl(session, simulator.url),
    )


async def _pair(
    api: PSARemoteApi, inwebo: InWeboClient, control: SimulatorControl, pin: str = DEMO_PIN
) -> tuple[str, OtpState, RemoteToken]:
    await api.request_sms_code()
    sms = await control.last_sms()
    return await async_pair(api, inwebo, str(sms["code"]), pin, DEVICE_ID)


async def test_pairing_and_codes_are_accepted_by_the_simulator(
    session: aiohttp.ClientSession, simulator: SimulatorHandle, make_client: MakeClient
) -> None:
    """Pairing gives a token; each later code mints a new one; the state moves on each time."""
    api, inwebo, control = await _remote(session, simulator, make_client)
    customer_id, otp, token = await _pair(api, inwebo, control)
    assert customer_id == DEMO_CUSTOMER_ID
    assert simulator.state.remote_tokens.valid_access_token(token.access_token)
    assert len(otp.used_at) == 1
    for _ in range(3):
        code, otp = await inwebo.generate_code(otp)
        minted = await api.token_from_otp(code)
        assert simulator.state.remote_tokens.valid_access_token(minted.access_token)
    refreshed = await api.token_from_refresh(str(token.refresh_token))
    assert refreshed.refresh_token == token.refresh_token  # §4: no new refresh token
    assert len(otp.used_at) == 4


async def test_a_code_is_accepted_once(
    session: aiohttp.ClientSession, simulator: SimulatorHandle, make_client: MakeClient
) -> None:
    """The judge refuses a replayed code: the client must never reuse one."""
    api, inwebo, control = await _remote(session, simulator, make_client)
    _customer, otp, _token = await _pair(api, inwebo, control)
    code, otp = await inwebo.generate_code(otp)
    await api.token_from_otp(code)
    with pytest.raises(PSARemoteAuthError):
        await api.token_from_otp(code)


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        ("wrong_pin", "access"),
        ("wrong_sms", "code"),
        ("NOK:MAXNBTOOLS", "max_devices"),
        ("NOK:FORBIDDEN", "forbidden"),
        ("NOK:NOK_BLOCKED", "blocked"),
    ],
)
async def test_pairing_errors_from_the_simulator(
    session: aiohttp.ClientSession,
    simulator: SimulatorHandle,
    make_client: MakeClient,
    setup: str,
    expected: str,
) -> None:
    """Each refusal of the judge reaches the caller as its documented code."""
    api, inwebo, control = await _remote(session, simulator, make_client)
    await api.request_sms_code()
    sms = str((await control.last_sms())["code"])
    pin = DEMO_PIN
    if setup == "wrong_pin":
        pin = "9999" if DEMO_PIN != "9999" else "1111"
    elif setup == "wrong_sms":
        sms = "000000" if sms != "000000" else "111111"
    else:
        await control.force_inwebo_error(setup)
    with pytest.raises(PSAPairingError) as caught:
        await async_pair(api, inwebo, sms, pin, DEVICE_ID)
    assert caught.value.code == expected


async def test_token_manager_keeps_the_login_alive_through_expiry(
    session: aiohttp.ClientSession, simulator: SimulatorHandle, make_client: MakeClient
) -> None:
    """Expired access token -> refresh grant; refused refresh token -> a fresh OTP code."""
    api, inwebo, control = await _remote(session, simulator, make_client)
    _customer, otp, token = await _pair(api, inwebo, control)
    saved: list[Any] = []

    def saver(kind: str) -> Callable[[Any], Awaitable[None]]:
        async def save(value: Any) -> None:
            saved.append((kind, value))

        return save

    manager = RemoteTokenManager(
        api,
        inwebo,
        otp,
        token,
        on_otp_update=saver("otp"),
        on_token_update=saver("token"),
        clock=simulator.state.now,
    )
    assert await manager.async_get_access_token() == token.access_token
    simulator.state.advance(900)
    fresh = await manager.async_get_access_token()
    assert fresh != token.access_token
    assert simulator.state.remote_tokens.valid_access_token(fresh)
    assert [kind for kind, _ in saved] == ["token"]  # refreshed, no OTP spent

    await control.expire_mqtt_refresh_tokens()
    await control.expire_mqtt_access_tokens()
    minted = await manager.async_force_refresh()
    assert simulator.state.remote_tokens.valid_access_token(minted)
    kinds = [kind for kind, _ in saved]
    assert kinds.index("otp") < len(kinds) - 1  # the OTP state is saved before its code is used
    assert kinds[-1] == "token"


async def test_the_otp_state_survives_a_restart_between_codes(
    session: aiohttp.ClientSession, simulator: SimulatorHandle, make_client: MakeClient
) -> None:
    """Saved as JSON after each code and read back (a Home Assistant restart), the state keeps
    making codes the judge accepts."""
    api, inwebo, control = await _remote(session, simulator, make_client)
    _customer, otp, _token = await _pair(api, inwebo, control)
    for _ in range(3):
        otp = OtpState.from_dict(json.loads(json.dumps(otp.as_dict())))
        code, otp = await inwebo.generate_code(otp)
        assert simulator.state.remote_tokens.valid_access_token(
            (await api.token_from_otp(code)).access_token
        )
