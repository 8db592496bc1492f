"""Test hooks: add/remove a car, new API id, no _embedded, status overrides, no data."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from psa_simulator import BEV_VIN, PHEV_VIN, THERMIC_VIN
from psa_simulator.testing import SimulatorHandle

from .conftest import Clock
from .helpers import api_get, password_login

NEW_VIN = "VR3SIMULATEDNEW01"


@pytest.fixture
async def token(sim: SimulatorHandle, session: aiohttp.ClientSession) -> str:
    tokens = await password_login(session, sim)
    access: str = tokens["access_token"]
    return access


async def control(
    session: aiohttp.ClientSession, sim: SimulatorHandle, method: str, path: str, body: Any = None
) -> tuple[int, Any]:
    async with session.request(method, f"{sim.url}/_simulator/{path}", json=body) as response:
        return response.status, await response.json()


async def vins(session: aiohttp.ClientSession, sim: SimulatorHandle, token: str) -> list[str]:
    status, body, _ = await api_get(session, sim, "/user/vehicles", token)
    assert status == 200
    return [item["vin"] for item in body["_embedded"]["vehicles"]]


async def status_of(
    session: aiohttp.ClientSession, sim: SimulatorHandle, token: str, vin: str
) -> tuple[int, Any]:
    vehicle_id = sim.state.vehicle(vin).id
    status, body, _ = await api_get(session, sim, f"/user/vehicles/{vehicle_id}/status", token)
    return status, body


async def test_add_and_remove_vehicle(
    sim: SimulatorHandle, session: aiohttp.ClientSession, token: str
) -> None:
    status, body = await control(
        session,
        sim,
        "POST",
        "vehicles",
        {"vin": NEW_VIN, "motorization": "Thermic", "status": {"createdAt": "x"}},
    )
    assert status == 200
    assert body["vin"] == NEW_VIN
    assert await vins(session, sim, token) == [BEV_VIN, PHEV_VIN, THERMIC_VIN, NEW_VIN]
    assert await status_of(session, sim, token, NEW_VIN) == (200, {"createdAt": "x"})
    assert (await control(session, sim, "DELETE", f"vehicles/{NEW_VIN}"))[0] == 200
    sim.state.remove_vehicle(PHEV_VIN)
    assert await vins(session, sim, token) == [BEV_VIN, THERMIC_VIN]
    assert (await control(session, sim, "DELETE", f"vehicles/{NEW_VIN}"))[0] == 404
    assert (await control(session, sim, "POST", "vehicles", {"id": "no-vin"}))[0] == 400


async def test_change_vehicle_id(
    sim: SimulatorHandle, session: aiohttp.ClientSession, token: str
) -> None:
    old_id = sim.state.vehicle(BEV_VIN).id
    status, body = await control(session, sim, "POST", f"vehicles/{BEV_VIN}/id")
    assert status == 200
    new_id = body["id"]
    assert new_id != old_id
    assert len(new_id) == len(old_id)
    status, _, _ = await api_get(session, sim, f"/user/vehicles/{old_id}/status", token)
    assert status == 404
    status, _, _ = await api_get(session, sim, f"/user/vehicles/{new_id}/status", token)
    assert status == 200
    _, listing, _ = await api_get(session, sim, "/user/vehicles", token)
    first = listing["_embedded"]["vehicles"][0]
    assert (first["id"], first["vin"]) == (new_id, BEV_VIN)
    assert first["_links"]["status"]["href"].endswith(f"/user/vehicles/{new_id}/status")
    assert sim.state.change_vehicle_id(BEV_VIN, "chosen-id") == "chosen-id"
    with pytest.raises(ValueError, match="unique"):
        sim.state.change_vehicle_id(PHEV_VIN, "chosen-id")
    assert (await control(session, sim, "POST", f"vehicles/{BEV_VIN}/id", {"id": 5}))[0] == 400


async def test_omit_embedded_for_next_calls(
    sim: SimulatorHandle, session: aiohttp.ClientSession, token: str
) -> None:
    status, body = await control(session, sim, "POST", "vehicles_list/omit_embedded", {"count": 2})
    assert (status, body) == (200, {"omit_embedded_calls": 2})
    for _ in range(2):
        status, page, _ = await api_get(session, sim, "/user/vehicles", token)
        assert status == 200
        assert "_embedded" not in page
        assert page["total"] == 3
    assert len(await vins(session, sim, token)) == 3


async def test_replace_status(
    sim: SimulatorHandle, session: aiohttp.ClientSession, token: str
) -> None:
    async with session.put(
        f"{sim.url}/_simulator/vehicles/{BEV_VIN}/status", json={"only": "this"}
    ) as response:
        assert response.status == 200
    assert await status_of(session, sim, token, BEV_VIN) == (200, {"only": "this"})
    sim.state.set_status(BEV_VIN, None)
    assert "energies" in (await status_of(session, sim, token, BEV_VIN))[1]
    async with session.put(
        f"{sim.url}/_simulator/vehicles/{BEV_VIN}/status", data=b"{not json"
    ) as response:
        assert response.status == 400
    async with session.put(f"{sim.url}/_simulator/vehicles/NOPE/status", json={}) as response:
        assert response.status == 404


async def test_patch_status_drops_and_sets_blocks(
    sim: SimulatorHandle, session: aiohttp.ClientSession, token: str
) -> None:
    status, _ = await control(
        session,
        sim,
        "PATCH",
        f"vehicles/{BEV_VIN}/status",
        {"drop": ["energies", "energy", "lastPosition"], "set": {"odometer": {"mileage": 1.0}}},
    )
    assert status == 200
    _, body = await status_of(session, sim, token, BEV_VIN)
    assert not {"energies", "energy", "lastPosition"} & set(body)
    assert body["odometer"] == {"mileage": 1.0}
    assert "kinetic" in body
    assert (await control(session, sim, "PATCH", f"vehicles/{BEV_VIN}/status", {"drop": "x"}))[
        0
    ] == 400


async def test_older_snapshot(
    sim: SimulatorHandle, session: aiohttp.ClientSession, clock: Clock
) -> None:
    clock.now += 2 * 3600  # the BEV is charging: 60 % now
    token = (await password_login(session, sim))["access_token"]
    _, fresh = await status_of(session, sim, token, BEV_VIN)
    status, body = await control(
        session, sim, "POST", f"vehicles/{BEV_VIN}/snapshot", {"seconds_ago": 3600}
    )
    assert status == 200
    assert body["at"] == clock.now - 3600
    _, old = await status_of(session, sim, token, BEV_VIN)

    def level(status: dict[str, Any]) -> float:
        electric = next(e for e in status["energies"] if e["type"] == "Electric")
        value: float = electric["level"]
        return value

    assert level(fresh) == 60.0
    assert level(old) == 40.0
    assert old["energy"][1]["updatedAt"] < fresh["energy"][1]["updatedAt"]
    clock.now += 600
    assert (await status_of(session, sim, token, BEV_VIN))[1] == old  # frozen until reset
    assert (await control(session, sim, "POST", f"vehicles/{BEV_VIN}/reset"))[0] == 200
    assert level((await status_of(session, sim, token, BEV_VIN))[1]) > 60.0


async def test_snapshot_at_absolute_time(
    sim: SimulatorHandle, session: aiohttp.ClientSession, token: str, clock: Clock
) -> None:
    status, _ = await control(
        session, sim, "POST", f"vehicles/{BEV_VIN}/snapshot", {"at": clock.now + 3600}
    )
    assert status == 200
    _, body = await status_of(session, sim, token, BEV_VIN)
    assert body["energy"][1]["level"] == 40.0
    assert (await control(session, sim, "POST", f"vehicles/{BEV_VIN}/snapshot", {}))[0] == 400


async def test_no_data(sim: SimulatorHandle, session: aiohttp.ClientSession, token: str) -> None:
    vehicle_id = sim.state.vehicle(THERMIC_VIN).id
    status, body = await control(
        session, sim, "POST", f"vehicles/{THERMIC_VIN}/no_data", {"endpoints": ["status"]}
    )
    assert (status, body["no_data"]) == (200, ["status"])
    status, payload, _ = await api_get(session, sim, f"/user/vehicles/{vehicle_id}/status", token)
    assert (status, payload["code"]) == (404, 40400)
    assert payload["message"] == "Not Found: We didn't find the status for this vehicule."
    status, _, _ = await api_get(session, sim, f"/user/vehicles/{vehicle_id}/lastPosition", token)
    assert status == 200
    await control(session, sim, "POST", f"vehicles/{THERMIC_VIN}/no_data", {})
    for endpoint in ("lastPosition", "maintenance", "alerts", "trips"):
        status, _, _ = await api_get(session, sim, f"/user/vehicles/{vehicle_id}/{endpoint}", token)
        assert status == 404
    await control(session, sim, "POST", f"vehicles/{THERMIC_VIN}/no_data", {"enabled": False})
    assert (await status_of(session, sim, token, THERMIC_VIN))[0] == 200
    for bad in ({"endpoints": ["wheels"]}, {"endpoints": "status"}, {"enabled": "yes"}):
        status, _ = await control(session, sim, "POST", f"vehicles/{THERMIC_VIN}/no_data", bad)
        assert status == 400


async def test_no_data_wins_over_override(sim: SimulatorHandle) -> None:
    sim.state.set_status(BEV_VIN, {"x": 1})
    sim.state.set_no_data(BEV_VIN, ["status"])
    from psa_simulator.vehicles import PayloadContext

    vehicle = sim.state.vehicle(BEV_VIN)
    assert vehicle.payload("status", PayloadContext(0, "", vehicle.id)) is None


async def test_unknown_vin_in_control(sim: SimulatorHandle, session: aiohttp.ClientSession) -> None:
    for method, path in (
        ("POST", "vehicles/NOPE/id"),
        ("PATCH", "vehicles/NOPE/status"),
        ("POST", "vehicles/NOPE/no_data"),
        ("POST", "vehicles/NOPE/reset"),
        ("GET", "vehicles/NOPE/status"),
    ):
        status, body = await control(session, sim, method, path, {})
        assert status == 404, path
        assert "NOPE" in body["error"]


async def test_state_summary(sim: SimulatorHandle, session: aiohttp.ClientSession) -> None:
    await password_login(session, sim)
    sim.state.set_no_data(PHEV_VIN, ["trips"])
    async with session.get(f"{sim.url}/_simulator/state") as response:
        body = await response.json()
    assert body["account"]["realm"] == "clientsB2CPeugeot"
    assert "password" not in body["account"]
    assert body["live_access_tokens"] == 1
    assert body["live_refresh_tokens"] == 1
    assert [v["vin"] for v in body["vehicles"]] == [BEV_VIN, PHEV_VIN, THERMIC_VIN]
    assert body["vehicles"][1]["no_data"] == ["trips"]
    async with session.get(f"{sim.url}/_simulator/vehicles") as response:
        assert await response.json() == body["vehicles"]


async def test_current_status_through_control(
    sim: SimulatorHandle, session: aiohttp.ClientSession, token: str
) -> None:
    async with session.get(f"{sim.url}/_simulator/vehicles/{BEV_VIN}/status") as response:
        body = await response.json()
    assert body == (await status_of(session, sim, token, BEV_VIN))[1]


async def test_control_needs_json_objects(
    sim: SimulatorHandle, session: aiohttp.ClientSession
) -> None:
    async with session.post(f"{sim.url}/_simulator/time/advance", data=b"nope") as response:
        assert response.status == 400
    assert (await control(session, sim, "POST", "time/advance", {"seconds": -5}))[0] == 400
    assert (await control(session, sim, "POST", "time/advance", {"seconds": True}))[0] == 400
