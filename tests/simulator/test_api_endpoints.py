"""Each API endpoint's shape for the demo account, pagination, and the 404 40400s."""

from __future__ import annotations

from typing import Any
import uuid

import aiohttp
import pytest

from psa_simulator import BEV_VIN, PHEV_VIN, THERMIC_VIN
from psa_simulator.testing import SimulatorControl, SimulatorHandle

from .helpers import api_get

VEHICLE_LINKS = {
    "collisions",
    "alarms",
    "callbacks",
    "alerts",
    "trips",
    "self",
    "lastPosition",
    "remotes",
    "telemetry",
    "user",
    "maintenance",
    "status",
    "monitors",
}


STATUS_KEYS = {
    "createdAt",
    "updatedAt",
    "lastPosition",
    "ignition",
    "battery",
    "odometer",
    "kinetic",
    "doorsState",
    "energies",
    "energy",
    "engines",
    "environment",
}


def vehicle_id(sim: SimulatorHandle, vin: str) -> str:
    return sim.state.vehicle(vin).id


def assert_not_found(status: int, body: Any, message: str) -> None:
    assert status == 404
    assert set(body) == {"uuid", "code", "message"}
    uuid.UUID(body["uuid"])
    assert body["code"] == 40400
    assert body["message"] == message


async def test_user(sim: SimulatorHandle, session: aiohttp.ClientSession, token: str) -> None:
    status, body, _ = await api_get(session, sim, "/user", token)
    assert status == 200
    assert body["email"] == "demo@example.com"
    assert {"firstName", "lastName", "createdAt", "updatedAt"} <= set(body)
    assert body["_links"]["vehicles"]["href"] == f"{sim.api_url}/user/vehicles"
    assert [v["vin"] for v in body["_embedded"]["vehicles"]] == [BEV_VIN, PHEV_VIN, THERMIC_VIN]


async def test_vehicle_list(
    sim: SimulatorHandle, session: aiohttp.ClientSession, token: str
) -> None:
    status, body, _ = await api_get(session, sim, "/user/vehicles", token)
    assert status == 200
    assert (body["total"], body["totalPage"], body["currentPage"]) == (3, 1, 1)
    assert set(body["_links"]) == {"self", "first", "last"}
    items = body["_embedded"]["vehicles"]
    assert [item["motorization"] for item in items] == ["Electric", "Hybrid", "Thermic"]
    for item in items:
        assert list(item) == ["_links", "id", "vin", "motorization", "brand", "pictures"]
        assert set(item["_links"]) == VEHICLE_LINKS
        assert item["_links"]["self"]["href"] == f"{sim.api_url}/user/vehicles/{item['id']}"
        assert item["_links"]["remotes"]["templated"] is True
        assert len(item["id"]) >= 128
        int(item["id"], 16)
        assert item["id"] != item["vin"]
        assert item["brand"] == "Peugeot"
        assert len(item["vin"]) == 17
        assert item["pictures"][0] == f"{sim.url}/_simulator/pictures/{item['vin']}.png"
        assert all(picture.startswith(("https://", sim.url)) for picture in item["pictures"])


async def test_pagination_one_per_page(
    sim: SimulatorHandle, session: aiohttp.ClientSession, token: str
) -> None:
    status, page, _ = await api_get(session, sim, "/user/vehicles", token, params={"pageSize": "1"})
    assert status == 200
    vins = []
    for number in (1, 2, 3):
        assert (page["total"], page["totalPage"], page["currentPage"]) == (3, 3, number)
        assert len(page["_embedded"]["vehicles"]) == 1
        vins.append(page["_embedded"]["vehicles"][0]["vin"])
        assert page["_links"]["first"]["href"].startswith(f"{sim.api_url}/user/vehicles?pageToken=")
        if number == 3:
            assert "next" not in page["_links"]
            assert page["_links"]["self"] == page["_links"]["last"]
            break
        next_href = page["_links"]["next"]["href"]
        token_value = next_href.split("pageToken=")[1]
        status, page, _ = await api_get(
            session, sim, "/user/vehicles", token, params={"pageToken": token_value}
        )
        assert status == 200
    assert vins == [BEV_VIN, PHEV_VIN, THERMIC_VIN]
    assert "prev" in page["_links"]


async def test_pagination_two_per_page(
    sim: SimulatorHandle, session: aiohttp.ClientSession, token: str
) -> None:
    _, page, _ = await api_get(session, sim, "/user/vehicles", token, params={"pageSize": "2"})
    assert page["totalPage"] == 2
    assert len(page["_embedded"]["vehicles"]) == 2
    assert "next" in page["_links"]


@pytest.mark.parametrize(
    "params",
    [
        {"pageSize": "0"},
        {"pageSize": "61"},
        {"pageSize": "x"},
        {"pageToken": "garbage"},
        {"pageToken": ""},
    ],
)
async def test_bad_pagination(
    sim: SimulatorHandle, session: aiohttp.ClientSession, token: str, params: dict[str, str]
) -> None:
    status, body, _ = await api_get(session, sim, "/user/vehicles", token, params=params)
    assert status == 400
    assert body["code"] == 40000


async def test_max_page_size(
    sim: SimulatorHandle, session: aiohttp.ClientSession, token: str
) -> None:
    status, body, _ = await api_get(
        session, sim, "/user/vehicles", token, params={"pageSize": "60"}
    )
    assert (status, body["totalPage"]) == (200, 1)


async def test_vehicle_by_id(
    sim: SimulatorHandle, session: aiohttp.ClientSession, token: str
) -> None:
    vid = vehicle_id(sim, PHEV_VIN)
    status, body, _ = await api_get(session, sim, f"/user/vehicles/{vid}", token)
    assert status == 200
    assert (body["id"], body["vin"], body["motorization"]) == (vid, PHEV_VIN, "Hybrid")


@pytest.mark.parametrize(
    "suffix", ["", "/status", "/lastPosition", "/maintenance", "/alerts", "/trips"]
)
async def test_unknown_vehicle(
    sim: SimulatorHandle, session: aiohttp.ClientSession, token: str, suffix: str
) -> None:
    status, body, _ = await api_get(session, sim, f"/user/vehicles/0123abcd{suffix}", token)
    assert_not_found(status, body, "Not Found: No vehicle found.")


async def test_status_shapes(
    sim: SimulatorHandle, session: aiohttp.ClientSession, token: str
) -> None:
    for vin in (BEV_VIN, PHEV_VIN, THERMIC_VIN):
        vid = vehicle_id(sim, vin)
        status, body, headers = await api_get(session, sim, f"/user/vehicles/{vid}/status", token)
        assert status == 200
        assert headers["Content-Type"] == "application/hal+json"
        assert set(body) >= STATUS_KEYS, vin
        assert body["_links"]["self"]["href"] == (
            f"{sim.api_url}/user/vehicles/{vid}/status?profile=endUser"
        )
        assert body["lastPosition"]["type"] == "Feature"
        assert len(body["lastPosition"]["geometry"]["coordinates"]) == 3
        assert "createdAt" in body["lastPosition"]["properties"]
        assert body["doorsState"]["lockedStates"]
        for item in body["energy"]:
            assert "updatedAt" in item


async def test_bev_status_has_both_energy_lists(
    sim: SimulatorHandle, session: aiohttp.ClientSession, token: str
) -> None:
    vid = vehicle_id(sim, BEV_VIN)
    _, body, _ = await api_get(session, sim, f"/user/vehicles/{vid}/status", token)
    electric = next(e for e in body["energies"] if e["type"] == "Electric")
    charging = electric["extension"]["electric"]["charging"]
    assert set(charging) >= {"plugged", "status", "remainingTime", "chargingRate", "chargingMode"}
    assert electric["subType"] == "ElectricEnergy"
    assert isinstance(electric["level"], float)
    legacy = next(e for e in body["energy"] if e["type"] == "Electric")
    assert legacy["level"] == electric["level"]
    assert legacy["charging"]["status"] == charging["status"]
    assert "preconditioning" in body
    assert body["preconditionning"] == body["preconditioning"]
    assert body["engines"][0]["extension"]["thermic"]["coolant"]["temp"] == 215.0


async def test_status_extension_parameter_is_refused(
    sim: SimulatorHandle, session: aiohttp.ClientSession, token: str
) -> None:
    vid = vehicle_id(sim, BEV_VIN)
    status, body, _ = await api_get(
        session, sim, f"/user/vehicles/{vid}/status", token, params={"extension": "odometer"}
    )
    assert (status, body["code"]) == (400, 40000)


async def test_last_position(
    sim: SimulatorHandle, session: aiohttp.ClientSession, token: str
) -> None:
    vid = vehicle_id(sim, THERMIC_VIN)
    status, body, headers = await api_get(session, sim, f"/user/vehicles/{vid}/lastPosition", token)
    assert status == 200
    assert headers["Content-Type"] == "application/vnd.geo+json"
    assert body["type"] == "Feature"
    assert body["geometry"]["type"] == "Point"
    lon, lat, _alt = body["geometry"]["coordinates"]
    assert -180 <= lon <= 180
    assert -90 <= lat <= 90
    assert set(body["properties"]) >= {"createdAt", "heading", "type"}


async def test_maintenance(
    sim: SimulatorHandle, session: aiohttp.ClientSession, token: str
) -> None:
    vid = vehicle_id(sim, BEV_VIN)
    status, body, _ = await api_get(session, sim, f"/user/vehicles/{vid}/maintenance", token)
    assert status == 200
    assert isinstance(body["daysBeforeMaintenance"], int)
    assert isinstance(body["mileageBeforeMaintenance"], float)
    assert set(body["_links"]) == {"alerts", "self", "vehicles"}
    vid = vehicle_id(sim, PHEV_VIN)
    status, body, _ = await api_get(session, sim, f"/user/vehicles/{vid}/maintenance", token)
    assert_not_found(status, body, "Not Found: Maintenance not found for given vehicle")


async def test_alerts(sim: SimulatorHandle, session: aiohttp.ClientSession, token: str) -> None:
    vid = vehicle_id(sim, THERMIC_VIN)
    status, body, _ = await api_get(session, sim, f"/user/vehicles/{vid}/alerts", token)
    assert status == 200
    assert body["total"] == 1
    alert = body["_embedded"]["alerts"][0]
    assert set(alert) >= {"id", "active", "type", "severity", "startedAt"}
    vid = vehicle_id(sim, BEV_VIN)
    status, body, _ = await api_get(session, sim, f"/user/vehicles/{vid}/alerts", token)
    assert (status, body["total"], body["_embedded"]["alerts"]) == (200, 0, [])


async def test_trips(sim: SimulatorHandle, session: aiohttp.ClientSession, token: str) -> None:
    vid = vehicle_id(sim, PHEV_VIN)
    status, body, _ = await api_get(session, sim, f"/user/vehicles/{vid}/trips", token)
    assert status == 200
    assert body["total"] == 80  # 10 days of a drive every 3 h
    trips = body["_embedded"]["trips"]
    assert [trip["startedAt"] for trip in trips] == sorted(trip["startedAt"] for trip in trips)
    for trip in trips:
        assert set(trip) >= {
            "id",
            "startedAt",
            "stoppedAt",
            "duration",
            "distance",
            "startMileage",
            "startPosition",
            "stopPosition",
            "done",
        }
    status, page, _ = await api_get(
        session, sim, f"/user/vehicles/{vid}/trips", token, params={"pageSize": "2"}
    )
    assert (page["totalPage"], len(page["_embedded"]["trips"])) == (40, 2)
    assert page["_links"]["next"]["href"].startswith(f"{sim.api_url}/user/vehicles/{vid}/trips?")
    vid = vehicle_id(sim, THERMIC_VIN)
    status, body, _ = await api_get(session, sim, f"/user/vehicles/{vid}/trips", token)
    assert_not_found(status, body, "Not Found: No trip was found.")


async def test_page_token_of_one_list_is_refused_by_another(
    sim: SimulatorHandle, session: aiohttp.ClientSession, token: str
) -> None:
    vid = vehicle_id(sim, PHEV_VIN)
    _, page, _ = await api_get(
        session, sim, f"/user/vehicles/{vid}/trips", token, params={"pageSize": "1"}
    )
    trips_token = page["_links"]["next"]["href"].split("pageToken=")[1]
    status, _, _ = await api_get(
        session, sim, "/user/vehicles", token, params={"pageToken": trips_token}
    )
    assert status == 400


async def test_picture(session: aiohttp.ClientSession, control: SimulatorControl) -> None:
    async with session.get(control.picture_url(BEV_VIN)) as response:
        assert response.status == 200
        assert response.content_type == "image/png"
        assert (await response.read()).startswith(b"\x89PNG\r\n\x1a\n")
    async with session.get(control.picture_url("VR3UNKNOWN0000000")) as response:
        assert response.status == 404


async def test_index(sim: SimulatorHandle, session: aiohttp.ClientSession) -> None:
    async with session.get(f"{sim.url}/") as response:
        body = await response.json()
    assert body["redirect_uri"] == "mymap://oauth2redirect/fr"
    assert body["demo"] == {"username": "demo@example.com", "password": "demo"}


async def test_bad_page_size_on_trips(
    sim: SimulatorHandle, session: aiohttp.ClientSession, token: str
) -> None:
    vid = vehicle_id(sim, PHEV_VIN)
    status, body, _ = await api_get(
        session, sim, f"/user/vehicles/{vid}/trips", token, params={"pageSize": "100"}
    )
    assert (status, body["code"]) == (400, 40000)


async def test_forged_page_token_with_a_bad_size(
    sim: SimulatorHandle, session: aiohttp.ClientSession, token: str
) -> None:
    from psa_simulator.api import _page_token

    for forged in (_page_token("vehicles", 1, 0), _page_token("vehicles", 0, 5)):
        status, _, _ = await api_get(
            session, sim, "/user/vehicles", token, params={"pageToken": forged}
        )
        assert status == 400


async def test_page_past_the_end_is_empty(
    sim: SimulatorHandle, session: aiohttp.ClientSession, token: str
) -> None:
    from psa_simulator.api import _page_token

    status, body, _ = await api_get(
        session, sim, "/user/vehicles", token, params={"pageToken": _page_token("vehicles", 9, 1)}
    )
    assert status == 200
    assert body["_embedded"]["vehicles"] == []
    assert body["currentPage"] == 9
    assert "next" not in body["_links"]
