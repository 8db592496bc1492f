"""``/trips``: the demo cars' drives as trips, paging, the filters, 404 40400, scenario trips."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import aiohttp
import pytest

from psa_simulator import BEV_VIN, PHEV_VIN, THERMIC_VIN, SimulatorConfig, create_app
from psa_simulator.demo import EPOCH, PHEV_TANK_L
from psa_simulator.state import STATE
from psa_simulator.testing import SimulatorControl, SimulatorHandle
from psa_simulator.timefmt import iso
from psa_simulator.vehicles import PayloadContext

from ..conftest import SimulatorFactory
from .conftest import Clock
from .helpers import api_get, api_headers, password_login

HOUR = 3600.0
DAY = 24 * HOUR
BASE = "http://sim/connectedcar/v4"
# At EPOCH the PHEV's trips stopped at EPOCH - 2 h - k * 3 h, k = 0..79 (10 days).
PHEV_LAST_STOP = EPOCH - 2 * HOUR


def payload(vin: str, endpoint: str, at: float) -> Any:
    state = create_app(SimulatorConfig(clock=lambda: at))[STATE]
    vehicle = state.vehicle(vin)
    return vehicle.payload(endpoint, PayloadContext(at, BASE, vehicle.id))


def seconds(stamp: str) -> float:
    return datetime.fromisoformat(stamp).timestamp()


def electric(status: dict[str, Any]) -> dict[str, Any]:
    item: dict[str, Any] = next(e for e in status["energies"] if e["type"] == "Electric")
    return item


def fuel(status: dict[str, Any]) -> dict[str, Any]:
    item: dict[str, Any] = next(e for e in status["energies"] if e["type"] == "Fuel")
    return item


def energy(items: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    return next(item for item in items if item["type"] == kind)


async def trips_of(
    session: aiohttp.ClientSession,
    sim: SimulatorHandle,
    token: str,
    vin: str,
    params: dict[str, str] | None = None,
) -> tuple[int, Any]:
    vehicle_id = sim.state.vehicle(vin).id
    status, body, _ = await api_get(
        session, sim, f"/user/vehicles/{vehicle_id}/trips", token, params=params
    )
    return status, body


async def follow(session: aiohttp.ClientSession, href: str, token: str) -> Any:
    """GET a ``_links`` href as a client does: the href plus ``client_id``."""
    async with session.get(
        href, params={"client_id": "demo-client-id"}, headers=api_headers(token)
    ) as response:
        assert response.status == 200
        return await response.json()


# --- the demo cars' trips ------------------------------------------------------------------


def test_bev_trips_match_its_odometer_levels_and_speeds() -> None:
    now = EPOCH + DAY + 180  # 3 minutes after a drive ended at 00:00
    trip = payload(BEV_VIN, "trips", now)[-1]
    started, stopped = seconds(trip["startedAt"]), seconds(trip["stoppedAt"])
    assert stopped == EPOCH + DAY
    assert stopped - started == trip["duration"] == 3 * HOUR
    assert seconds(trip["createdAt"]) == stopped + 120
    assert trip["done"] is True
    before = payload(BEV_VIN, "status", started)
    after = payload(BEV_VIN, "status", stopped)
    assert before["ignition"] == {"createdAt": trip["startedAt"], "type": "Start"}
    assert after["ignition"]["type"] == "Stop"
    assert trip["startMileage"] == before["odometer"]["mileage"]
    assert trip["startMileage"] + trip["distance"] == after["odometer"]["mileage"]
    start, end = energy(trip["startEnergies"], "Electric"), energy(trip["endEnergies"], "Electric")
    assert (start["level"], start["autonomy"]) == (100.0, electric(before)["autonomy"])
    assert (end["level"], end["autonomy"]) == (20.0, electric(after)["autonomy"])
    assert electric(before)["level"] == start["level"]
    assert electric(after)["level"] == end["level"]
    capacity = electric(after)["extension"]["electric"]["battery"]["load"]["capacity"]
    used = energy(trip["energyConsumptions"], "Electric")
    assert used["consumption"] == pytest.approx((100.0 - 20.0) / 100 * capacity, abs=0.1)  # Wh
    assert used["avgConsumption"] == pytest.approx(used["consumption"] / 272.0 * 100, abs=0.1)
    assert [item["type"] for item in trip["energyConsumptions"]] == ["Electric"]
    # avgSpeed is m/s (x 3.6 -> km/h), maxSpeed km/h: the highest speed the status showed.
    assert trip["kinetic"]["avgSpeed"] * 3.6 == pytest.approx(272.0 / 3, abs=0.05)
    speeds = [
        payload(BEV_VIN, "status", at)["kinetic"]["speed"]
        for at in range(int(started), int(stopped), 60)
    ]
    assert trip["kinetic"]["maxSpeed"] == max(speeds)
    home = before["lastPosition"]["geometry"]
    assert trip["startPosition"]["geometry"] == home
    assert trip["stopPosition"]["geometry"] == after["lastPosition"]["geometry"]


def test_phev_trips_match_its_odometer_levels_and_fuel() -> None:
    now = EPOCH + 1.5 * HOUR
    trip = payload(PHEV_VIN, "trips", now)[-1]
    started, stopped = seconds(trip["startedAt"]), seconds(trip["stoppedAt"])
    assert (started, stopped) == (EPOCH, EPOCH + HOUR)
    before = payload(PHEV_VIN, "status", started)
    after = payload(PHEV_VIN, "status", stopped)
    assert trip["startMileage"] == before["odometer"]["mileage"]
    assert trip["startMileage"] + trip["distance"] == after["odometer"]["mileage"]
    for items, status in ((trip["startEnergies"], before), (trip["endEnergies"], after)):
        assert energy(items, "Electric")["level"] == electric(status)["level"]
        assert energy(items, "Electric")["autonomy"] == electric(status)["autonomy"]
        assert energy(items, "Fuel")["level"] == fuel(status)["level"]
        assert energy(items, "Fuel")["autonomy"] == fuel(status)["autonomy"]
    capacity = electric(after)["extension"]["electric"]["battery"]["load"]["capacity"]
    drop = electric(before)["level"] - electric(after)["level"]
    used = energy(trip["energyConsumptions"], "Electric")
    assert used["consumption"] == pytest.approx(drop / 100 * capacity, abs=0.1)  # Wh
    fuel_used = energy(trip["energyConsumptions"], "Fuel")
    fuel_drop = fuel(before)["level"] - fuel(after)["level"]
    assert fuel_used["consumption"] == pytest.approx(fuel_drop / 100 * PHEV_TANK_L * 100)  # cL
    totals = [fuel(s)["extension"]["fuel"]["consumptions"]["total"] for s in (before, after)]
    assert totals[1] - totals[0] == pytest.approx(fuel_used["consumption"])
    assert fuel_used["avgConsumption"] == pytest.approx(fuel_used["consumption"] / 45 * 100, 0.01)
    assert trip["kinetic"]["avgSpeed"] * 3.6 == pytest.approx(45.0)
    speeds = [
        payload(PHEV_VIN, "status", at)["kinetic"]["speed"]
        for at in range(int(started), int(stopped), 60)
    ]
    assert trip["kinetic"]["maxSpeed"] == max(speeds)


def test_a_trip_is_listed_only_once_the_server_made_it() -> None:
    """A drive is listed once it stopped and its createdAt (2 minutes later) has come."""
    during = payload(BEV_VIN, "trips", EPOCH + 7 * HOUR)
    assert during[-1]["stoppedAt"] == iso(EPOCH)
    just_stopped = payload(BEV_VIN, "trips", EPOCH + 8 * HOUR + 119)
    assert just_stopped[-1]["stoppedAt"] == iso(EPOCH)
    created = payload(BEV_VIN, "trips", EPOCH + 8 * HOUR + 120)
    assert created[-1]["stoppedAt"] == iso(EPOCH + 8 * HOUR)
    assert created[-1]["createdAt"] == iso(EPOCH + 8 * HOUR + 120)
    assert len(created) == len(during) == 30  # 10 days of one drive every 8 h
    assert [trip["stoppedAt"] for trip in created] == sorted(t["stoppedAt"] for t in created)
    assert len({trip["id"] for trip in created}) == 30
    assert created[:-1] == just_stopped[1:]  # the oldest one left the 10 days as it came


def test_the_thermal_car_has_no_trips() -> None:
    assert payload(THERMIC_VIN, "trips", EPOCH) is None


# --- paging and the filters over HTTP ------------------------------------------------------


async def test_pages_oldest_first_newest_on_the_last(
    sim: SimulatorHandle, session: aiohttp.ClientSession, token: str
) -> None:
    status, first = await trips_of(session, sim, token, PHEV_VIN)
    assert status == 200
    assert (first["total"], first["totalPage"], first["currentPage"]) == (80, 2, 1)
    assert len(first["_embedded"]["trips"]) == 60
    assert set(first["_links"]) == {"self", "first", "last", "next"}
    second = await follow(session, first["_links"]["next"]["href"], token)
    assert second["_links"]["self"] == first["_links"]["last"]
    assert second["_links"]["prev"] == first["_links"]["self"]
    assert "next" not in second["_links"]
    trips = first["_embedded"]["trips"] + second["_embedded"]["trips"]
    stops = [seconds(trip["stoppedAt"]) for trip in trips]
    assert stops == sorted(stops)
    assert stops[-1] == PHEV_LAST_STOP
    assert stops[0] == PHEV_LAST_STOP - 79 * 3 * HOUR


@pytest.mark.parametrize(
    ("timestamps", "expected"),
    [
        (f"{iso(EPOCH - DAY)}/", 8),
        (f"/{iso(EPOCH - DAY)}", 72),
        (f"{iso(EPOCH - 11 * HOUR)}/{iso(EPOCH - 5 * HOUR)}", 2),  # [start, end)
        (f"{iso(EPOCH - 11 * HOUR)}/PT6H", 2),
        (f"PT6H/{iso(EPOCH - 5 * HOUR)}", 2),
        (f"R2/{iso(EPOCH - 11 * HOUR)}/PT3H", 2),
        (f"R/{iso(EPOCH - 11 * HOUR)}/PT3H", 4),
        ("2025-12-31T23:00:00+01:00/", 1),  # an offset, as sv sends it
        ("2024-12-31T00:00:00.123456+00:00/", 80),
        (f"{iso(EPOCH - 2 * HOUR)}/P1D", 1),
        (f"{iso(EPOCH - 5 * HOUR)}/{iso(EPOCH)},/{iso(EPOCH - 9 * DAY)}", 2 + 8),
        (f"{iso(EPOCH)}/", 0),
    ],
)
async def test_timestamps_filter_on_stopped_at(
    sim: SimulatorHandle,
    session: aiohttp.ClientSession,
    token: str,
    timestamps: str,
    expected: int,
) -> None:
    status, body = await trips_of(session, sim, token, PHEV_VIN, {"timestamps": timestamps})
    if expected == 0:
        assert (status, body["code"], body["message"]) == (
            404,
            40400,
            "Not Found: No trip was found.",
        )
        return
    assert (status, body["total"]) == (200, expected)


async def test_timestamps_may_repeat(
    sim: SimulatorHandle, session: aiohttp.ClientSession, token: str
) -> None:
    vehicle_id = sim.state.vehicle(PHEV_VIN).id
    query = [
        ("client_id", "demo-client-id"),
        ("timestamps", f"{iso(EPOCH - 5 * HOUR)}/"),
        ("timestamps", f"/{iso(EPOCH - 9 * DAY)}"),
    ]
    async with session.get(
        f"{sim.api_url}/user/vehicles/{vehicle_id}/trips", params=query, headers=api_headers(token)
    ) as response:
        assert response.status == 200
        assert (await response.json())["total"] == 2 + 8


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"distance": "0.1-"}, 80),
        ({"distance": "45-45"}, 80),
        ({"distance": "-45"}, 80),
        ({"distance": "45.5-"}, 0),
        ({"duration": "3600-3600"}, 80),
        ({"duration": "0-3599"}, 0),
        ({"distance": "0.1-", "timestamps": f"{iso(EPOCH - DAY)}/"}, 8),
    ],
)
async def test_distance_and_duration_filters(
    sim: SimulatorHandle,
    session: aiohttp.ClientSession,
    token: str,
    params: dict[str, str],
    expected: int,
) -> None:
    status, body = await trips_of(session, sim, token, PHEV_VIN, params)
    if expected == 0:
        assert (status, body["code"]) == (404, 40400)
    else:
        assert (status, body["total"]) == (200, expected)


@pytest.mark.parametrize(
    "params",
    [
        {"timestamps": "yesterday/"},
        {"timestamps": "2026-01-01T00:00:00/"},  # no offset
        {"timestamps": "2026-01-01T00:00:00Z"},  # not a range
        {"timestamps": "/"},
        {"timestamps": "P1Y/2026-01-01T00:00:00Z"},  # years and months are not fixed lengths
        {"timestamps": "PT/2026-01-01T00:00:00Z"},
        {"timestamps": ",".join(["2026-01-01T00:00:00Z/"] * 11)},
        {"distance": "abc"},
        {"distance": "5-1"},
        {"distance": "-"},
        {"duration": "10"},
    ],
)
async def test_bad_filters_are_400(
    sim: SimulatorHandle, session: aiohttp.ClientSession, token: str, params: dict[str, str]
) -> None:
    status, body = await trips_of(session, sim, token, PHEV_VIN, params)
    assert (status, body["code"]) == (400, 40000)
    assert body["message"].startswith("Bad Request: ")


async def test_the_page_token_carries_the_filters(
    sim: SimulatorHandle, session: aiohttp.ClientSession, token: str
) -> None:
    since = f"{iso(EPOCH - DAY)}/"
    _, first = await trips_of(session, sim, token, PHEV_VIN, {"timestamps": since, "pageSize": "5"})
    assert (first["total"], first["totalPage"]) == (8, 2)
    second = await follow(session, first["_links"]["next"]["href"], token)
    assert (second["total"], second["currentPage"]) == (8, 2)
    assert len(second["_embedded"]["trips"]) == 3
    assert seconds(second["_embedded"]["trips"][-1]["stoppedAt"]) == PHEV_LAST_STOP
    # A client that sends the filters again with the token gets what the token says.
    page_token = first["_links"]["next"]["href"].split("pageToken=")[1]
    _, again = await trips_of(
        session, sim, token, PHEV_VIN, {"pageToken": page_token, "timestamps": f"/{iso(EPOCH)}"}
    )
    assert again == second


async def test_faults_and_no_data_still_hit_trips(
    sim: SimulatorHandle, session: aiohttp.ClientSession, token: str, control: SimulatorControl
) -> None:
    await control.force_faults("500")
    assert (await trips_of(session, sim, token, BEV_VIN))[0] == 500
    await control.set_no_data(BEV_VIN, ["trips"])
    status, body = await trips_of(session, sim, token, BEV_VIN)
    assert (status, body["code"], body["message"]) == (404, 40400, "Not Found: No trip was found.")
    await control.reset_vehicle(BEV_VIN)
    assert (await trips_of(session, sim, token, BEV_VIN))[0] == 200


async def test_trips_set_through_the_control_api(
    sim: SimulatorHandle,
    session: aiohttp.ClientSession,
    token: str,
    control: SimulatorControl,
    clock: Clock,
) -> None:
    trip = {"id": "t1", "stoppedAt": iso(EPOCH - HOUR), "distance": 3.2}
    await control.set_trips(THERMIC_VIN, [trip])
    status, body = await trips_of(session, sim, token, THERMIC_VIN)
    assert (status, body["_embedded"]["trips"]) == (200, [trip])
    since = {"timestamps": f"{iso(EPOCH)}/"}
    assert (await trips_of(session, sim, token, THERMIC_VIN, since))[0] == 404
    await control.set_trips(THERMIC_VIN, {"verbatim": True})
    assert await trips_of(session, sim, token, THERMIC_VIN) == (200, {"verbatim": True})
    await control.set_trips(THERMIC_VIN, None)
    assert (await trips_of(session, sim, token, THERMIC_VIN))[0] == 404
    await control.set_trips(BEV_VIN, [])
    assert (await trips_of(session, sim, token, BEV_VIN))[0] == 404
    summary = {car["vin"]: car for car in await control.vehicles()}
    assert summary[BEV_VIN]["trips_overridden"] is True
    await control.reset_vehicle(BEV_VIN)
    assert (await trips_of(session, sim, token, BEV_VIN))[1]["total"] == 30
    status, _ = await control.request("PUT", f"vehicles/{BEV_VIN}/trips", data=b"{")
    assert status == 400
    status, _ = await control.request("PUT", "vehicles/VR3UNKNOWN0000000/trips", [])
    assert status == 404


# --- scenario trips ------------------------------------------------------------------------

ACCOUNT = {
    "brand": "peugeot",
    "username": "demo@example.com",
    "password": "demo",
    "client_id": "demo-client-id",
    "client_secret": "demo-client-secret",
}
SCENARIO_TRIPS = [
    {"id": "old", "stoppedAt": "2025-03-01T10:00:00Z", "distance": 12.0},
    {"id": "new", "stoppedAt": "2025-03-02T10:00:00Z", "distance": 0.05},
    {"id": "undated", "distance": 7.0},
]


async def test_scenario_trips_are_filtered_and_paged(
    simulator_factory: SimulatorFactory, session: aiohttp.ClientSession
) -> None:
    scenario = {
        "account": ACCOUNT,
        "vehicles": [
            {"vin": "VR3SCENARIOTRIPS1", "trips": SCENARIO_TRIPS},
            {"vin": "VR3SCENARIOTRIPS2", "trips": []},
        ],
    }
    sim = await simulator_factory(SimulatorConfig(scenario=scenario, token_request_delay=0))
    token = (await password_login(session, sim))["access_token"]
    status, body = await trips_of(session, sim, token, "VR3SCENARIOTRIPS1", {"pageSize": "2"})
    assert (status, body["total"], body["totalPage"]) == (200, 3, 2)
    assert [trip["id"] for trip in body["_embedded"]["trips"]] == ["old", "new"]  # as given
    _, body = await trips_of(
        session, sim, token, "VR3SCENARIOTRIPS1", {"timestamps": "2025-03-02T00:00:00Z/"}
    )
    assert [trip["id"] for trip in body["_embedded"]["trips"]] == ["new"]
    _, body = await trips_of(session, sim, token, "VR3SCENARIOTRIPS1", {"distance": "0.1-"})
    assert [trip["id"] for trip in body["_embedded"]["trips"]] == ["old", "undated"]
    status, body = await trips_of(session, sim, token, "VR3SCENARIOTRIPS2")
    assert (status, body["code"]) == (404, 40400)


# --- charging sessions in the status -------------------------------------------------------


@pytest.mark.parametrize(
    ("vin", "capacity"), [(BEV_VIN, 46592), (PHEV_VIN, 13000)], ids=["bev", "phev"]
)
def test_traction_battery_capacity_is_reported(vin: str, capacity: int) -> None:
    for at in (EPOCH, EPOCH + 2 * HOUR, EPOCH + 6 * HOUR):
        status = payload(vin, "status", at)
        new = electric(status)
        old = next(e for e in status["energy"] if e["type"] == "Electric")
        for load in (new["extension"]["electric"]["battery"]["load"], old["battery"]["load"]):
            assert load["capacity"] == capacity
            assert load["residual"] == round(capacity * new["level"] / 100)


def test_phev_charge_session_runs_to_finished() -> None:
    """Plugged in after the drive: InProgress with the level rising, then Finished at 80 %."""
    levels = []
    for minute in range(60, 165, 15):
        charging = electric(payload(PHEV_VIN, "status", EPOCH + minute * 60))
        block = charging["extension"]["electric"]["charging"]
        assert (block["status"], block["plugged"]) == ("InProgress", True)
        levels.append(charging["level"])
    assert levels == sorted(levels)
    assert len(set(levels)) == len(levels)
    assert levels[0] == 20.0
    done = electric(payload(PHEV_VIN, "status", EPOCH + 2.75 * HOUR))
    block = done["extension"]["electric"]["charging"]
    assert (block["status"], block["plugged"], done["level"]) == ("Finished", True, 80.0)
    driving = electric(payload(PHEV_VIN, "status", EPOCH + 3 * HOUR))
    block = driving["extension"]["electric"]["charging"]
    assert (block["status"], block["plugged"]) == ("Disconnected", False)


def test_odd_trips_pass_only_when_no_filter_reads_them() -> None:
    from psa_simulator.trips import TripFilter

    none, since = TripFilter.parse(""), TripFilter.parse("timestamps=2025-01-01T00:00:00Z/")
    distance = TripFilter.parse("distance=0.1-")
    for odd in ("not a trip", {"stoppedAt": "yesterday"}, {"stoppedAt": 5}):
        assert none.matches(odd)
        assert not since.matches(odd)
    assert not distance.matches({"distance": True})
    assert not distance.matches("not a trip")
    assert since.matches({"stoppedAt": "2025-06-01T00:00:00+02:00"})
