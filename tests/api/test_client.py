"""PSAClient against the simulator: headers, pages, retries and every error mapping."""

from __future__ import annotations

import pytest

from custom_components.psa_connected_car.api import (
    PSAApiError,
    PSAAuthError,
    PSAClient,
    PSAConnectionError,
    PSANoDataError,
    PSARateLimitError,
)
from psa_simulator import BEV_VIN, PHEV_VIN, THERMIC_VIN, SimulatorConfig
from psa_simulator.testing import SimulatorHandle

from .conftest import FakeServer, MakeClient, token_requests


async def vehicle_id(client, vin: str) -> str:
    return next(vehicle.id for vehicle in await client.get_vehicles() if vehicle.vin == vin)


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
    assert (await client.get_user()).email == "demo@example.com"


async def test_pages_are_all_followed(simulator: SimulatorHandle, make_client: MakeClient):
    _, client, _ = await make_client(simulator)
    vehicles = await client.get_vehicles()
    assert len(vehicles) == 3
    simulator.state.reset_stats()
    assert [v.vin for v in await client.get_vehicles(page_size=1)] == [v.vin for v in vehicles]
    assert simulator.state.stats.as_dict()["requests"]["GET /connectedcar/v4/user/vehicles"] == 3


async def test_no_data_is_its_own_error(simulator, make_client):
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


async def test_gateway_401_refreshes_once_and_retries(simulator, make_client):
    _, client, _ = await make_client(simulator)
    bev = await vehicle_id(client, BEV_VIN)
    simulator.state.force_faults("401", 1)
    assert (await client.get_status(bev)).electric is not None
    assert (await token_requests(simulator))["refresh_token"] == 1


async def test_second_401_is_transient_not_a_loop(simulator, make_client):
    _, client, _ = await make_client(simulator)
    bev = await vehicle_id(client, BEV_VIN)
    simulator.state.force_faults("401", 2)
    with pytest.raises(PSAConnectionError):
        await client.get_status(bev)
    assert (await token_requests(simulator))["refresh_token"] == 1


async def test_expired_token_and_dead_refresh_token(simulator, make_client):
    _, client, _ = await make_client(simulator)
    simulator.state.expire_all_access_tokens()
    simulator.state.revoke_all_refresh_tokens()
    with pytest.raises(PSAAuthError):
        await client.get_vehicles()


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
            "username": "demo@example.com",
            "password": "demo",
            "client_id": "demo-client-id",
            "client_secret": "demo-client-secret",
        },
        "vehicles": [],
    }
    handle = await simulator_factory(SimulatorConfig(scenario=scenario))
    _, client, _ = await make_client(handle)
    assert await client.get_vehicles() == []


async def test_headers_and_client_id_on_every_call(fake_server: FakeServer, make_client, simulator):
    auth, _, _ = await make_client(simulator)
    client = PSAClient(auth.session, auth, api_base_url=fake_server.url)
    token = await auth.async_get_access_token()
    fake_server.answer("/user/vehicles/abc/lastPosition", 200, {"type": "Feature"})
    assert await client.get_last_position("abc") is None
    (request,) = fake_server.seen
    assert request.query["client_id"] == "demo-client-id"
    assert request.headers["Authorization"] == f"Bearer {token}"
    assert request.headers["x-introspect-realm"] == "clientsB2CPeugeot"
    assert request.headers["Accept"] == "application/vnd.geo+json"


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (403, {"httpMessage": "Forbidden", "moreInformation": "No"}, PSAApiError),
        (400, {"code": 1001, "debug": "CMP_1", "message": "No data"}, PSAApiError),
        (404, {"code": 40400, "message": "Not Found"}, PSANoDataError),
        (503, "not json", PSAConnectionError),
        (200, "[1, 2]", PSAConnectionError),
        (200, {"vin": "VR3SIMULATEDNOID1"}, PSAConnectionError),
        (429, {"message": "slow down"}, PSARateLimitError),
    ],
)
async def test_error_bodies(fake_server, make_client, simulator, status, body, error):
    auth, _, _ = await make_client(simulator)
    client = PSAClient(auth.session, auth, api_base_url=fake_server.url)
    fake_server.answer("/user/vehicles/v1", status, body)
    with pytest.raises(error) as err:
        await client.get_vehicle("v1")
    if status == 400:
        assert err.value.code == 1001
        assert err.value.message == "No data"
    if status == 429:
        assert err.value.retry_after is None


async def test_page_loop_guard(fake_server, make_client, simulator):
    auth, _, _ = await make_client(simulator)
    client = PSAClient(auth.session, auth, api_base_url=fake_server.url)
    page = {
        "_links": {"next": {"href": "https://x/user/vehicles?pageToken=SAME"}},
        "_embedded": {"vehicles": [{"id": "a", "vin": "VR3SIMULATEDLOOP1"}]},
    }
    fake_server.answer("/user/vehicles", 200, page)
    vehicles = await client.get_vehicles()
    assert len(vehicles) == 2  # the repeated token is followed once, then the loop stops


async def test_page_count_is_bounded(fake_server, make_client, simulator, monkeypatch):
    monkeypatch.setattr("custom_components.psa_connected_car.api.client.MAX_PAGES", 1)
    auth, _, _ = await make_client(simulator)
    client = PSAClient(auth.session, auth, api_base_url=fake_server.url)
    page = {
        "_links": {"next": {"href": "https://x/user/vehicles?pageToken=NEXT"}},
        "_embedded": {"vehicles": [{"id": "a", "vin": "VR3SIMULATEDLOOP1"}]},
    }
    fake_server.answer("/user/vehicles", 200, page)
    assert len(await client.get_vehicles()) == 1
    assert len(fake_server.seen) == 1
