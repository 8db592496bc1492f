"""The client against the PSA cloud simulator: both grants, rotation, single flight, pages, 404s.

Token requests are counted by the simulator itself (``GET /_simulator/stats``).
"""

from __future__ import annotations

import asyncio
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest

from custom_components.psa_connected_car.api import (
    AuthorizationRequest,
    PSAAuth,
    PSAAuthError,
    PSAClient,
    PSAConnectionError,
    PSAInvalidClientError,
    PSAInvalidCodeError,
    PSANoDataError,
    PSAPasswordGrantUnsupportedError,
    PSARateLimitError,
    TokenSet,
)
from psa_simulator import (
    BEV_VIN,
    DEMO_CLIENT_SECRET,
    DEMO_PASSWORD,
    DEMO_USERNAME,
    PHEV_VIN,
    THERMIC_VIN,
    SimulatorConfig,
)
from psa_simulator.testing import SimulatorHandle

from .conftest import PEUGEOT, MakeClient, token_requests

NO_REQUESTS = {"password": 0, "authorization_code": 0, "refresh_token": 0}


async def browser_login(
    session: aiohttp.ClientSession,
    request: AuthorizationRequest,
    password: str = DEMO_PASSWORD,
    username: str = DEMO_USERNAME,
) -> str:
    """Do what the user does in the browser; return the redirect URL they would paste."""
    async with session.get(request.url) as page:
        assert page.status == 200
        assert "password" in await page.text()
    query = parse_qs(urlsplit(request.url).query)
    form = {key: values[0] for key, values in query.items()}
    form.update(username=username, password=password)
    async with session.post(request.url.split("?")[0], data=form, allow_redirects=False) as answer:
        assert answer.status in (302, 303)
        return answer.headers["Location"]


async def vehicle_id(client: PSAClient, vin: str) -> str:
    return next(vehicle.id for vehicle in await client.get_vehicles() if vehicle.vin == vin)


# Grants ---------------------------------------------------------------------------------


async def test_password_grant(simulator: SimulatorHandle, make_client: MakeClient, session):
    auth, _, saved = await make_client(simulator)
    assert auth.token is not None
    assert saved.tokens == [auth.token]
    assert auth.account_id  # the simulator's id_token carries a sub
    assert await token_requests(session, simulator) == {**NO_REQUESTS, "password": 1}


async def test_wrong_password_is_an_auth_error(simulator, make_client):
    auth, _, _ = await make_client(simulator, login=False)
    with pytest.raises(PSAAuthError) as err:
        await auth.login_password(DEMO_USERNAME, "not-the-password")
    assert "not-the-password" not in str(err.value)


async def test_wrong_client_secret(simulator, make_client):
    auth, _, _ = await make_client(simulator, login=False, client_secret="wrong-secret")
    with pytest.raises(PSAInvalidClientError):
        await auth.login_password(DEMO_USERNAME, DEMO_PASSWORD)


@pytest.mark.parametrize("password_grant", [True, False])
async def test_client_check(simulator_factory, make_client, session, password_grant):
    handle = await simulator_factory(SimulatorConfig(password_grant=password_grant))
    auth, _, _ = await make_client(handle, login=False)
    await auth.check_client()
    assert auth.token is None
    assert not handle.state.access_tokens  # nothing was issued
    for changes in ({"client_secret": "wrong-secret"}, {"client_id": "wrong-id"}):
        wrong, _, _ = await make_client(handle, login=False, **changes)
        with pytest.raises(PSAInvalidClientError):
            await wrong.check_client()
    assert await token_requests(session, handle) == {**NO_REQUESTS, "refresh_token": 3}


@pytest.mark.parametrize("refusal", ["unsupported_grant_type", "server_error"])
async def test_password_grant_refused_by_the_server(simulator_factory, make_client, refusal):
    handle = await simulator_factory(
        SimulatorConfig(password_grant=False, password_refusal=refusal)
    )
    auth, _, _ = await make_client(handle, login=False)
    with pytest.raises(PSAPasswordGrantUnsupportedError):
        await auth.login_password(DEMO_USERNAME, DEMO_PASSWORD)


async def test_code_grant_with_the_whole_redirect_url(simulator_factory, make_client, session):
    handle = await simulator_factory(SimulatorConfig(password_grant=False))
    auth, client, saved = await make_client(handle, login=False)
    request = auth.create_authorization_request()
    redirect = await browser_login(session, request)
    assert redirect.startswith("mymap://oauth2redirect/fr?")
    token = await auth.login_code(redirect, request)
    assert saved.tokens == [token]
    assert len(await client.get_vehicles()) == 3
    assert await token_requests(session, handle) == {**NO_REQUESTS, "authorization_code": 1}


async def test_code_grant_with_the_bare_code(simulator, make_client, session):
    auth, _, _ = await make_client(simulator, login=False)
    request = auth.create_authorization_request()
    code = parse_qs(urlsplit(await browser_login(session, request)).query)["code"][0]
    await auth.login_code(f"  {code}\n", request)
    with pytest.raises(PSAInvalidCodeError) as err:
        await auth.login_code(code, request)  # codes are single use
    assert err.value.reason == "rejected"


async def test_code_of_another_login_attempt(simulator, make_client, session):
    auth, _, _ = await make_client(simulator, login=False)
    first, second = auth.create_authorization_request(), auth.create_authorization_request()
    redirect = await browser_login(session, first)
    with pytest.raises(PSAInvalidCodeError) as err:
        await auth.login_code(redirect, second)  # its state is not this attempt's
    assert err.value.reason == "state_mismatch"
    code = parse_qs(urlsplit(redirect).query)["code"][0]
    with pytest.raises(PSAInvalidCodeError) as err:
        await auth.login_code(code, second)  # PKCE: the verifier does not match
    assert err.value.reason == "rejected"


# Keeping the login ----------------------------------------------------------------------


async def test_refresh_rotates_and_the_old_refresh_token_dies(
    simulator, make_client, session: aiohttp.ClientSession
):
    auth, _, saved = await make_client(simulator)
    old = auth.token
    assert old is not None
    new = await auth.refresh()
    assert new.refresh_token != old.refresh_token
    assert saved.tokens == [old, new]
    assert saved.token_in_memory[-1] == old  # saved before it replaced the old one
    stale = PSAAuth(
        session,
        PEUGEOT,
        "FR",
        auth.client_id,
        DEMO_CLIENT_SECRET,
        token=old,
        idp_base_url=simulator.url,
    )
    with pytest.raises(PSAAuthError):
        await stale.refresh()
    assert (await auth.refresh()).refresh_token != new.refresh_token  # the saved one works


async def test_one_refresh_for_a_hundred_callers(simulator, make_client, session):
    auth, client, _ = await make_client(simulator)
    assert auth.token is not None
    bev = await vehicle_id(client, BEV_VIN)
    auth._token = TokenSet(**{**auth.token.as_dict(), "expires_at": 0})
    results = await asyncio.gather(*(client.get_status(bev) for _ in range(100)))
    assert all(status.electric is not None for status in results)
    assert (await token_requests(session, simulator))["refresh_token"] == 1


async def test_one_refresh_for_a_hundred_rejected_calls(simulator, make_client, session):
    _, client, _ = await make_client(simulator)
    bev = await vehicle_id(client, BEV_VIN)
    simulator.state.expire_all_access_tokens()  # the server refuses the token we hold
    results = await asyncio.gather(*(client.get_status(bev) for _ in range(100)))
    assert len(results) == 100
    assert (await token_requests(session, simulator))["refresh_token"] == 1


async def test_proactive_refresh_before_expiry(simulator, make_client, session):
    now = [1_000_000.0]
    auth, _, _ = await make_client(simulator, clock=lambda: now[0])
    assert auth.token is not None
    first = await auth.async_get_access_token()
    now[0] = auth.token.expires_at - 60  # inside the refresh margin
    assert await auth.async_get_access_token() != first
    assert (await token_requests(session, simulator))["refresh_token"] == 1


async def test_token_request_cap(simulator, make_client, session):
    now = [1_000_000.0]
    auth, _, _ = await make_client(simulator, clock=lambda: now[0])
    for _ in range(5):  # the login was the first of six
        await auth.refresh()
    with pytest.raises(PSARateLimitError) as err:
        await auth.refresh()
    assert err.value.retry_after == pytest.approx(1800)
    assert (await token_requests(session, simulator))["refresh_token"] == 5
    now[0] += 1800
    await auth.refresh()


async def test_revoked_login_needs_reauthentication(simulator, make_client):
    _, client, _ = await make_client(simulator)
    simulator.state.expire_all_access_tokens()
    simulator.state.revoke_all_refresh_tokens()
    with pytest.raises(PSAAuthError):
        await client.get_vehicles()


async def test_revoke(simulator, make_client):
    auth, _, _ = await make_client(simulator)
    await auth.revoke()
    with pytest.raises(PSAAuthError):
        await auth.refresh()


# The API --------------------------------------------------------------------------------


async def test_every_endpoint(simulator: SimulatorHandle, make_client: MakeClient):
    _, client, _ = await make_client(simulator)
    vehicles = {vehicle.vin: vehicle for vehicle in await client.get_vehicles()}
    assert set(vehicles) == {BEV_VIN, PHEV_VIN, THERMIC_VIN}
    bev = vehicles[BEV_VIN]
    assert bev.motorization == "Electric"
    assert bev.pictures
    assert (await client.get_vehicle(bev.id)).vin == BEV_VIN
    status = await client.get_status(bev.id)
    assert status.electric is not None
    assert status.electric.level is not None
    position = await client.get_last_position(bev.id)
    assert position is not None
    assert -90 <= position.latitude <= 90
    assert (await client.get_maintenance(bev.id)).days_before is not None
    assert isinstance(await client.get_alerts(bev.id), list)
    assert isinstance(await client.get_trips(bev.id), list)
    assert (await client.get_user()).email == DEMO_USERNAME
    thermic = await client.get_status(vehicles[THERMIC_VIN].id)
    assert thermic.electric is None
    assert thermic.fuel is not None


async def test_every_page_is_followed(simulator: SimulatorHandle, make_client: MakeClient):
    _, client, _ = await make_client(simulator)
    vehicles = await client.get_vehicles()
    simulator.state.reset_stats()
    assert [v.vin for v in await client.get_vehicles(page_size=1)] == [v.vin for v in vehicles]
    assert simulator.state.stats.as_dict()["requests"]["GET /connectedcar/v4/user/vehicles"] == 3


async def test_no_data(simulator, make_client):
    _, client, _ = await make_client(simulator)
    bev = await vehicle_id(client, BEV_VIN)
    simulator.state.set_no_data(BEV_VIN)
    with pytest.raises(PSANoDataError) as err:
        await client.get_status(bev)
    assert err.value.code == 40400
    assert await client.get_alerts(bev) == []
    assert await client.get_trips(bev) == []


async def test_unknown_vehicle(simulator, make_client):
    _, client, _ = await make_client(simulator)
    with pytest.raises(PSANoDataError):
        await client.get_vehicle("0" * 64)


async def test_gateway_401_refreshes_once_and_retries(simulator, make_client, session):
    _, client, _ = await make_client(simulator)
    bev = await vehicle_id(client, BEV_VIN)
    simulator.state.force_faults("401", 1)
    assert (await client.get_status(bev)).electric is not None
    assert (await token_requests(session, simulator))["refresh_token"] == 1


async def test_second_401_is_transient_not_a_loop(simulator, make_client, session):
    _, client, _ = await make_client(simulator)
    bev = await vehicle_id(client, BEV_VIN)
    simulator.state.force_faults("401", 2)
    with pytest.raises(PSAConnectionError):
        await client.get_status(bev)
    assert (await token_requests(session, simulator))["refresh_token"] == 1


@pytest.mark.parametrize(
    ("kind", "error"),
    [("500", PSAConnectionError), ("malformed", PSAConnectionError), ("429", PSARateLimitError)],
)
async def test_faults(simulator, make_client, kind, error):
    _, client, _ = await make_client(simulator)
    simulator.state.force_faults(kind, 1)
    with pytest.raises(error):
        await client.get_vehicles()


async def test_rate_limit_carries_retry_after(simulator, make_client):
    _, client, _ = await make_client(simulator)
    simulator.state.rate_limit(120)
    with pytest.raises(PSARateLimitError) as err:
        await client.get_vehicles()
    assert err.value.retry_after is not None
    assert 100 <= err.value.retry_after <= 120


async def test_dropped_connections(simulator, make_client):
    _, client, _ = await make_client(simulator)
    simulator.state.force_faults("drop", 2)  # aiohttp silently retries a GET once
    with pytest.raises(PSAConnectionError):
        await client.get_vehicles()


async def test_timeout(simulator, make_client):
    _, client, _ = await make_client(simulator, timeout=0.2)
    simulator.state.set_faults(latency_ms=1000)
    with pytest.raises(PSAConnectionError):
        await client.get_vehicles()


async def test_vehicle_list_without_embedded_is_transient(simulator, make_client):
    _, client, _ = await make_client(simulator)
    simulator.state.omit_embedded(1)
    with pytest.raises(PSAConnectionError):
        await client.get_vehicles()
    assert len(await client.get_vehicles()) == 3


async def test_empty_account(simulator_factory, make_client):
    scenario = {
        "account": {
            "brand": "peugeot",
            "username": DEMO_USERNAME,
            "password": DEMO_PASSWORD,
            "client_id": "demo-client-id",
            "client_secret": DEMO_CLIENT_SECRET,
        },
        "vehicles": [],
    }
    handle = await simulator_factory(SimulatorConfig(scenario=scenario))
    _, client, _ = await make_client(handle)
    assert await client.get_vehicles() == []


async def test_trips_of_the_phev(simulator: SimulatorHandle, make_client: MakeClient):
    _, client, _ = await make_client(simulator)
    phev = await vehicle_id(client, PHEV_VIN)
    trips = await client.get_trips(phev)
    assert len(trips) == 80  # ten days of drives (every 3 h), whatever its clock: all pages
    stops = [trip.stopped_at for trip in trips]
    assert None not in stops
    assert stops == sorted(stops)
    last = trips[-1]
    assert last.distance == 45.0
    assert last.avg_speed == pytest.approx(45.0)  # 12.5 m/s
    electric, fuel = last.energy("Electric"), last.energy("Fuel")
    assert electric is not None
    assert (electric.start_level, electric.end_level, electric.consumption) == (80.0, 20.0, 7.8)
    assert electric.average == pytest.approx(17.333, abs=0.001)
    assert fuel is not None
    assert fuel.consumption == pytest.approx(0.86)  # 2 % of the 43 L tank
    assert fuel.average == pytest.approx(1.911)
    # The simulator reads the filter as the API does: trips that stopped since then.
    assert [trip.id for trip in await client.get_trips(phev, since=stops[-2])] == [
        trip.id for trip in trips[-2:]
    ]
