"""Test hooks: add/remove a car, new API id, no _embedded, status overrides, no data."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from psa_simulator import BEV_VIN, PHEV_VIN, THERMIC_VIN
from psa_simulator.testing import SimulatorControl, SimulatorHandle

from .conftest import Clock
from .helpers import api_get, password_login, refused_status

NEW_VIN = "VR3SIMULATEDNEW01"


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
    sim: SimulatorHandle,
    session: aiohttp.ClientSession,
    control: SimulatorControl,
    token: str,
) -> None:
    body = await control.add_vehicle(
        {"vin": NEW_VIN, "motorization": "Thermic", "status": {"createdAt": "x"}}
    )
    assert body["vin"] == NEW_VIN
    assert await vins(session, sim, token) == [BEV_VIN, PHEV_VIN, THERMIC_VIN, NEW_VIN]
    assert await status_of(session, sim, token, NEW_VIN) == (200, {"createdAt": "x"})
    await control.remove_vehicle(NEW_VIN)
    sim.state.remove_vehicle(PHEV_VIN)
    assert await vins(session, sim, token) == [BEV_VIN, THERMIC_VIN]
    assert await refused_status(control.remove_vehicle(NEW_VIN)) == 404
    assert await refused_status(control.add_vehicle({"id": "no-vin"})) == 400


async def test_change_vehicle_id(
    sim: SimulatorHandle,
    session: aiohttp.ClientSession,
    control: SimulatorControl,
    token: str,
) -> None:
    old_id = sim.state.vehicle(BEV_VIN).id
    new_id = (await control.change_vehicle_id(BEV_VIN))["id"]
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
    assert (await control.request("POST", f"vehicles/{BEV_VIN}/id", {"id": 5}))[0] == 400


async def test_omit_embedded_for_next_calls(
    sim: SimulatorHandle,
    session: aiohttp.ClientSession,
    control: SimulatorControl,
    token: str,
) -> None:
    assert await control.omit_embedded(2) == 2
    for _ in range(2):
        status, page, _ = await api_get(session, sim, "/user/vehicles", token)
        assert status == 200
        assert "_embedded" not in page
        assert page["total"] == 3
    assert len(await vins(session, sim, token)) == 3


async def test_replace_status(
    sim: SimulatorHandle,
    session: aiohttp.ClientSession,
    control: SimulatorControl,
    token: str,
) -> None:
    await control.set_status(BEV_VIN, {"only": "this"})
    assert await status_of(session, sim, token, BEV_VIN) == (200, {"only": "this"})
    sim.state.set_status(BEV_VIN, None)
    assert "energies" in (await status_of(session, sim, token, BEV_VIN))[1]
    bad_json = await control.request("PUT", f"vehicles/{BEV_VIN}/status", data=b"{not json")
    assert bad_json[0] == 400
    assert await refused_status(control.set_status("NOPE", {})) == 404


async def test_patch_status_drops_and_sets_blocks(
    sim: SimulatorHandle,
    session: aiohttp.ClientSession,
    control: SimulatorControl,
    token: str,
) -> None:
    await control.patch_status(
        BEV_VIN,
        drop=["energies", "energy", "lastPosition"],
        set_blocks={"odometer": {"mileage": 1.0}},
    )
    _, body = await status_of(session, sim, token, BEV_VIN)
    assert not {"energies", "energy", "lastPosition"} & set(body)
    assert body["odometer"] == {"mileage": 1.0}
    assert "kinetic" in body
    patch = await control.request("PATCH", f"vehicles/{BEV_VIN}/status", {"drop": "x"})
    assert patch[0] == 400


async def test_older_snapshot(
    sim: SimulatorHandle, session: aiohttp.ClientSession, control: SimulatorControl, clock: Clock
) -> None:
    clock.now += 2 * 3600  # the BEV is charging: 60 % now
    token = (await password_login(session, sim))["access_token"]
    _, fresh = await status_of(session, sim, token, BEV_VIN)
    assert await control.serve_snapshot_ago(BEV_VIN, 3600) == clock.now - 3600
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
    await control.reset_vehicle(BEV_VIN)
    assert level((await status_of(session, sim, token, BEV_VIN))[1]) > 60.0


async def test_snapshot_at_absolute_time(
    sim: SimulatorHandle,
    session: aiohttp.ClientSession,
    control: SimulatorControl,
    token: str,
    clock: Clock,
) -> None:
    await control.serve_snapshot_at(BEV_VIN, clock.now + 3600)
    _, body = await status_of(session, sim, token, BEV_VIN)
    assert body["energy"][1]["level"] == 40.0
    assert (await control.request("POST", f"vehicles/{BEV_VIN}/snapshot", {}))[0] == 400


async def test_no_data(
    sim: SimulatorHandle,
    session: aiohttp.ClientSession,
    control: SimulatorControl,
    token: str,
) -> None:
    vehicle_id = sim.state.vehicle(THERMIC_VIN).id
    assert await control.set_no_data(THERMIC_VIN, ["status"]) == ["status"]
    status, payload, _ = await api_get(session, sim, f"/user/vehicles/{vehicle_id}/status", token)
    assert (status, payload["code"]) == (404, 40400)
    assert payload["message"] == "Not Found: We didn't find the status for this vehicule."
    status, _, _ = await api_get(session, sim, f"/user/vehicles/{vehicle_id}/lastPosition", token)
    assert status == 200
    await control.set_no_data(THERMIC_VIN)
    for endpoint in ("lastPosition", "maintenance", "alerts", "trips"):
        status, _, _ = await api_get(session, sim, f"/user/vehicles/{vehicle_id}/{endpoint}", token)
        assert status == 404
    await control.set_no_data(THERMIC_VIN, enabled=False)
    assert (await status_of(session, sim, token, THERMIC_VIN))[0] == 200
    for bad in ({"endpoints": ["wheels"]}, {"endpoints": "status"}, {"enabled": "yes"}):
        status, _ = await control.request("POST", f"vehicles/{THERMIC_VIN}/no_data", bad)
        assert status == 400


async def test_no_data_wins_over_override(sim: SimulatorHandle) -> None:
    sim.state.set_status(BEV_VIN, {"x": 1})
    sim.state.set_no_data(BEV_VIN, ["status"])
    from psa_simulator.vehicles import PayloadContext

    vehicle = sim.state.vehicle(BEV_VIN)
    assert vehicle.payload("status", PayloadContext(0, "", vehicle.id)) is None


async def test_unknown_vin_in_control(control: SimulatorControl) -> None:
    for method, path in (
        ("POST", "vehicles/NOPE/id"),
        ("PATCH", "vehicles/NOPE/status"),
        ("POST", "vehicles/NOPE/no_data"),
        ("POST", "vehicles/NOPE/reset"),
        ("GET", "vehicles/NOPE/status"),
    ):
        status, body = await control.request(method, path, {})
        assert status == 404, path
        assert "NOPE" in body["error"]


async def test_state_summary(
    sim: SimulatorHandle, session: aiohttp.ClientSession, control: SimulatorControl
) -> None:
    await password_login(session, sim)
    sim.state.set_no_data(PHEV_VIN, ["trips"])
    body = await control.state()
    assert body["account"]["realm"] == "clientsB2CPeugeot"
    assert "password" not in body["account"]
    assert body["live_access_tokens"] == 1
    assert body["live_refresh_tokens"] == 1
    assert [v["vin"] for v in body["vehicles"]] == [BEV_VIN, PHEV_VIN, THERMIC_VIN]
    assert body["vehicles"][1]["no_data"] == ["trips"]
    assert await control.vehicles() == body["vehicles"]


async def test_current_status_through_control(
    sim: SimulatorHandle,
    session: aiohttp.ClientSession,
    control: SimulatorControl,
    token: str,
) -> None:
    body = await control.status(BEV_VIN)
    assert body == (await status_of(session, sim, token, BEV_VIN))[1]


async def test_control_needs_json_objects(control: SimulatorControl) -> None:
    assert (await control.request("POST", "time/advance", data=b"nope"))[0] == 400
    assert await refused_status(control.advance(-5)) == 400
    assert (await control.request("POST", "time/advance", {"seconds": True}))[0] == 400
