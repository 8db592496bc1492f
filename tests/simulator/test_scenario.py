"""Scenario accounts: payloads served verbatim, missing keys answered 404 40400."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from psa_simulator import ScenarioError, SimulatorConfig, create_app
from psa_simulator.testing import SimulatorHandle

from ..conftest import SimulatorFactory
from .helpers import basic

SAMPLES = Path(__file__).resolve().parents[2] / ".." / "shared" / "samples"

STATUS = {
    "createdAt": "2025-01-02T03:04:05Z",
    "odometer": {"createdAt": "2025-01-02T03:04:05Z", "mileage": 12.5},
    "someUnknownBlock": {"weird": [1, 2, 3]},
}
SCENARIO: dict[str, Any] = {
    "account": {
        "brand": "citroen",
        "country": "NL",
        "username": "tester@example.com",
        "password": "secret-pw",
        "client_id": "scenario-client",
        "client_secret": "scenario-secret",
    },
    "vehicles": [
        {
            "id": "abc123",
            "vin": "VR7SIMULATED00001",
            "brand": "Citroën",
            "motorization": "Electric",
            "pictures": ["https://example.com/car.png"],
            "label": "ë-C4",
            "status": STATUS,
            "lastPosition": {"type": "Feature", "geometry": None},
            "maintenance": {"daysBeforeMaintenance": 3},
            "alerts": [{"id": "a1", "active": True}],
            "trips": {"verbatim": True},
        },
        {"vin": "VR7SIMULATED00002"},
    ],
}
REALM = "clientsB2CCitroen"


async def login(session: aiohttp.ClientSession, sim: SimulatorHandle) -> str:
    async with session.post(
        sim.token_url,
        data={
            "grant_type": "password",
            "username": "tester@example.com",
            "password": "secret-pw",
            "realm": REALM,
        },
        headers={"Authorization": basic("scenario-client", "scenario-secret")},
    ) as response:
        assert response.status == 200
        token: str = (await response.json())["access_token"]
        return token


async def get(
    session: aiohttp.ClientSession, sim: SimulatorHandle, token: str, path: str
) -> tuple[int, Any]:
    async with session.get(
        f"{sim.api_url}{path}",
        params={"client_id": "scenario-client"},
        headers={"Authorization": f"Bearer {token}", "x-introspect-realm": REALM},
    ) as response:
        return response.status, await response.json(content_type=None)


@pytest.fixture
async def scenario_sim(simulator_factory: SimulatorFactory) -> SimulatorHandle:
    return await simulator_factory(SimulatorConfig(scenario=SCENARIO, token_request_delay=0))


async def test_scenario_account_replaces_the_demo(
    scenario_sim: SimulatorHandle, session: aiohttp.ClientSession
) -> None:
    async with session.post(
        scenario_sim.token_url,
        data={"grant_type": "password", "username": "demo@example.com", "password": "demo"},
        headers={"Authorization": basic()},
    ) as response:
        assert response.status == 401
    token = await login(session, scenario_sim)
    assert scenario_sim.state.account.redirect_uri == "mymacsdk://oauth2redirect/nl"
    status, body = await get(session, scenario_sim, token, "/user")
    assert status == 200
    assert body["email"] == "tester@example.com"


async def test_vehicle_items_verbatim(
    scenario_sim: SimulatorHandle, session: aiohttp.ClientSession
) -> None:
    token = await login(session, scenario_sim)
    _, body = await get(session, scenario_sim, token, "/user/vehicles")
    first, second = body["_embedded"]["vehicles"]
    assert first["id"] == "abc123"
    assert first["label"] == "ë-C4"
    assert first["pictures"] == ["https://example.com/car.png"]
    assert {k: v for k, v in first.items() if k != "_links"} == {
        "id": "abc123",
        "vin": "VR7SIMULATED00001",
        "brand": "Citroën",
        "motorization": "Electric",
        "pictures": ["https://example.com/car.png"],
        "label": "ë-C4",
    }
    assert set(second) == {"_links", "id", "vin"}  # nothing added that the scenario lacks
    assert len(second["id"]) >= 128


async def test_payloads_verbatim(
    scenario_sim: SimulatorHandle, session: aiohttp.ClientSession
) -> None:
    token = await login(session, scenario_sim)
    base = "/user/vehicles/abc123"
    assert await get(session, scenario_sim, token, f"{base}/status") == (200, STATUS)
    assert await get(session, scenario_sim, token, f"{base}/lastPosition") == (
        200,
        {"type": "Feature", "geometry": None},
    )
    assert await get(session, scenario_sim, token, f"{base}/maintenance") == (
        200,
        {"daysBeforeMaintenance": 3},
    )
    assert await get(session, scenario_sim, token, f"{base}/trips") == (200, {"verbatim": True})
    status, alerts = await get(session, scenario_sim, token, f"{base}/alerts")
    assert status == 200
    assert alerts["_embedded"]["alerts"] == [{"id": "a1", "active": True}]
    assert alerts["total"] == 1


@pytest.mark.parametrize("endpoint", ["status", "lastPosition", "maintenance", "alerts", "trips"])
async def test_missing_payload_is_404_40400(
    scenario_sim: SimulatorHandle, session: aiohttp.ClientSession, endpoint: str
) -> None:
    token = await login(session, scenario_sim)
    vehicle_id = scenario_sim.state.vehicle("VR7SIMULATED00002").id
    status, body = await get(
        session, scenario_sim, token, f"/user/vehicles/{vehicle_id}/{endpoint}"
    )
    assert status == 404
    assert body["code"] == 40400
    assert body["message"].startswith("Not Found: ")


async def test_scenario_from_file(
    simulator_factory: SimulatorFactory, session: aiohttp.ClientSession, tmp_path: Path
) -> None:
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(SCENARIO), encoding="utf-8")
    sim = await simulator_factory(SimulatorConfig(scenario=path))
    token = await login(session, sim)
    assert (await get(session, sim, token, "/user/vehicles/abc123/status")) == (200, STATUS)


async def test_served_payloads_are_copies(
    scenario_sim: SimulatorHandle, session: aiohttp.ClientSession
) -> None:
    token = await login(session, scenario_sim)
    status_before = json.loads(json.dumps(STATUS))
    scenario_sim.state.vehicle("VR7SIMULATED00001").payloads["status"]["odometer"]["mileage"] = 1
    _, body = await get(session, scenario_sim, token, "/user/vehicles/abc123/status")
    assert body["odometer"]["mileage"] == 1
    assert status_before == STATUS  # the caller's dict was not touched


def test_default_country_per_brand() -> None:
    scenario = {"account": SCENARIO["account"] | {"brand": "vauxhall", "country": None}}
    app = create_app(SimulatorConfig(scenario=scenario))
    from psa_simulator import STATE

    assert app[STATE].account.redirect_uri == "mymvxsdk://oauth2redirect/gb"


@pytest.mark.parametrize(
    ("scenario", "message"),
    [
        ({}, "account"),
        ({"account": {"brand": "peugeot"}}, "username"),
        ({"account": SCENARIO["account"] | {"brand": "fiat"}}, "brand"),
        ({"account": SCENARIO["account"] | {"user": "x"}}, "user"),
        ({"account": SCENARIO["account"], "vehicles": {}}, "vehicles"),
        ({"account": SCENARIO["account"], "vehicles": [{"id": "x"}]}, "vin"),
        ({"account": SCENARIO["account"], "vehicles": ["VIN"]}, "object"),
        ({"account": SCENARIO["account"], "vehicles": [{"vin": "V", "id": "a/b"}]}, "id"),
        (
            {
                "account": SCENARIO["account"],
                "vehicles": [{"vin": "A", "id": "x"}, {"vin": "B", "id": "x"}],
            },
            "already used",
        ),
    ],
)
def test_bad_scenarios(scenario: dict[str, Any], message: str) -> None:
    with pytest.raises(ScenarioError, match=message):
        create_app(SimulatorConfig(scenario=scenario))


def test_scenario_file_must_hold_an_object(tmp_path: Path) -> None:
    path = tmp_path / "list.json"
    path.write_text("[]", encoding="utf-8")
    with pytest.raises(TypeError):
        create_app(SimulatorConfig(scenario=path))


async def test_real_shaped_samples_served_verbatim(
    simulator_factory: SimulatorFactory, session: aiohttp.ClientSession
) -> None:
    """Project samples (read in place, never copied) go through untouched."""
    if not SAMPLES.is_dir():
        pytest.skip(f"samples folder {SAMPLES} is absent")
    status = json.loads((SAMPLES / "synthetic__status_phev_2025.json").read_text())
    scenario = SCENARIO | {"vehicles": [{"vin": "VR7SIMULATED00003", "id": "p1", "status": status}]}
    sim = await simulator_factory(SimulatorConfig(scenario=scenario))
    token = await login(session, sim)
    assert await get(session, sim, token, "/user/vehicles/p1/status") == (200, status)


@pytest.mark.parametrize(
    "config",
    [SimulatorConfig(access_token_lifetime=0), SimulatorConfig(code_lifetime=-1)],
)
def test_bad_lifetimes(config: SimulatorConfig) -> None:
    with pytest.raises(ValueError, match="lifetimes"):
        create_app(config)


async def test_empty_account(
    simulator_factory: SimulatorFactory, session: aiohttp.ClientSession
) -> None:
    sim = await simulator_factory(SimulatorConfig(scenario={"account": SCENARIO["account"]}))
    token = await login(session, sim)
    status, body = await get(session, sim, token, "/user/vehicles")
    assert status == 200
    assert (body["total"], body["totalPage"], body["_embedded"]["vehicles"]) == (0, 0, [])
