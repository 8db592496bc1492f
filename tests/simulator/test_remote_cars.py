"""The simulated cars on the broker: the reply sequences of §8 and what /status shows after a 0."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from psa_simulator import BEV_VIN, PHEV_VIN, THERMIC_VIN, ScenarioError, SimulatorConfig
from psa_simulator.demo import EPOCH
from psa_simulator.testing import SimulatorControl, SimulatorHandle
from psa_simulator.timefmt import iso

from ..conftest import SimulatorFactory
from .conftest import Clock
from .helpers import api_get, password_login, refused_status
from .remote_helpers import CUSTOMER_ID, Peer, codes, command, envelope

NO_SERVICE = "[authorization.denied.cvs.response.no.matching.service.key]"
UNSET = {"day": [0] * 7, "hour": 34, "minute": 7, "on": 0}
WORKDAYS_0710 = {"day": [1, 1, 1, 1, 1, 0, 0], "hour": 7, "minute": 10, "on": 1}


@pytest.fixture
async def token(sim: SimulatorHandle) -> str:
    """A current MQTT access token."""
    return sim.state.remote_tokens.issue_access().value


@pytest.fixture
async def peer(sim: SimulatorHandle, token: str) -> AsyncIterator[Peer]:
    """A connected paho client subscribed to the account's replies."""
    client = Peer(sim, token)
    assert not (await client.connect()).is_failure
    await client.subscribe_replies()
    yield client
    client.close()


@pytest.fixture
def control(sim: SimulatorHandle, session: aiohttp.ClientSession) -> SimulatorControl:
    """The control API of ``sim``."""
    return SimulatorControl(session, sim.url)


async def rest_status(sim: SimulatorHandle, session: aiohttp.ClientSession, vin: str) -> Any:
    """The car's status as the REST API serves it to the integration."""
    access = (await password_login(session, sim))["access_token"]
    vehicle_id = sim.state.vehicle(vin).id
    status, body, _headers = await api_get(
        session, sim, f"/user/vehicles/{vehicle_id}/status", access
    )
    assert status == 200
    return body


def electric(status: Any) -> Any:
    """The legacy ``energy[]`` Electric charging block."""
    return next(e for e in status["energy"] if e["type"] == "Electric")["charging"]


async def test_an_awake_car_answers_900_903_0_with_the_real_shapes(peer: Peer, token: str) -> None:
    replies = await command(peer, token, BEV_VIN, "/Horn", {"nb_horn": "2", "action": "activate"})
    assert codes(replies) == ["900", "903", "0"]
    (t900, p900), (t903, p903), (tfinal, final) = replies
    base = f"psa/RemoteServices/to/cid/{CUSTOMER_ID}/Horn"
    assert (t900, t903, tfinal) == (f"{base}/ProcessManagement", f"{base}/ProcessManagement", base)
    assert set(p900) == {"process_date", "vin", "correlation_id", "process_code", "process_message"}
    assert p900["process_message"] == "[process.900.request.accepted.key]"
    assert p900["vin"] == BEV_VIN
    assert p900["process_date"] == iso(EPOCH)  # simulator time
    assert set(final) == {"resp_date", "vin", "correlation_id", "return_code", "resp_data"}
    assert final["correlation_id"] == p903["correlation_id"]


async def test_doors_lock_and_unlock_show_in_the_status(
    sim: SimulatorHandle, session: aiohttp.ClientSession, peer: Peer, token: str
) -> None:
    for action, shown in (("unlock", "Unlocked"), ("lock", "Locked")):
        replies = await command(peer, token, BEV_VIN, "/Doors", {"action": action})
        assert codes(replies)[-1] == "0"
        assert replies[-1][1]["resp_data"] == {"lock_resp_state": int(action == "lock")}
        status = await rest_status(sim, session, BEV_VIN)
        assert status["doorsState"]["lockedStates"] == [shown]


async def test_preconditioning_and_its_programs_show_in_the_status(
    sim: SimulatorHandle, session: aiohttp.ClientSession, peer: Peer, token: str
) -> None:
    params = {
        "asap": "activate",
        "programs": {
            "program1": WORKDAYS_0710,
            "program2": UNSET,
            "program3": UNSET,
            "program4": UNSET,
        },
    }
    assert codes(await command(peer, token, BEV_VIN, "/ThermalPrecond", params))[-1] == "0"
    air = (await rest_status(sim, session, BEV_VIN))["preconditionning"]["airConditioning"]
    assert air["status"] == "Enabled"
    first, *others = air["programs"]
    assert first == {
        "enabled": True,
        "slot": 1,
        "recurrence": "Daily",
        "start": "PT7H10M",
        "occurence": {"day": ["Mon", "Tue", "Wed", "Thu", "Fri"]},
    }
    assert [(p["slot"], p["enabled"]) for p in others] == [(2, False), (3, False), (4, False)]
    params["asap"] = "deactivate"
    assert codes(await command(peer, token, BEV_VIN, "/ThermalPrecond", params))[-1] == "0"
    status = await rest_status(sim, session, BEV_VIN)
    assert status["preconditionning"]["airConditioning"]["status"] == "Disabled"
    assert status["preconditioning"]["airConditioning"]["status"] == "Disabled"


async def test_charging_stop_start_and_delayed_time_show_in_the_status(
    sim: SimulatorHandle, session: aiohttp.ClientSession, peer: Peer, token: str
) -> None:
    # At the demo epoch the BEV is plugged in and charging.
    assert electric(await rest_status(sim, session, BEV_VIN))["status"] == "InProgress"
    delayed = {"program": {"hour": 22, "minute": 1}, "type": "delayed"}
    assert codes(await command(peer, token, BEV_VIN, "/VehCharge", delayed))[-1] == "0"
    status = await rest_status(sim, session, BEV_VIN)
    assert electric(status)["status"] == "Stopped"
    assert electric(status)["nextDelayedTime"] == "PT22H1M"
    current = next(e for e in status["energies"] if e["type"] == "Electric")
    assert current["extension"]["electric"]["charging"]["status"] == "Stopped"
    now = {"program": {"hour": 22, "minute": 1}, "type": "immediate"}
    assert codes(await command(peer, token, BEV_VIN, "/VehCharge", now))[-1] == "0"
    assert electric(await rest_status(sim, session, BEV_VIN))["status"] == "InProgress"


async def test_charging_now_without_a_cable_fails_with_a_vehcharge_error(
    sim: SimulatorHandle, session: aiohttp.ClientSession, peer: Peer, token: str
) -> None:
    # At the demo epoch the PHEV is driving: unplugged.
    params = {"program": {"hour": 0, "minute": 0}, "type": "immediate"}
    replies = await command(peer, token, PHEV_VIN, "/VehCharge", params)
    assert codes(replies) == ["900", "903", "500"]
    assert replies[-1][1]["resp_data"] == {"error": 0}
    assert electric(await rest_status(sim, session, PHEV_VIN))["status"] == "Disconnected"


async def test_the_native_charge_limit_shows_as_the_charging_type(
    sim: SimulatorHandle, session: aiohttp.ClientSession, peer: Peer, token: str
) -> None:
    for action, shown in (("daily", "Partial"), ("trip", "Full")):
        assert (
            codes(await command(peer, token, BEV_VIN, "/VehCharge/limit", {"action": action}))[-1]
            == "0"
        )
        assert electric(await rest_status(sim, session, BEV_VIN))["type"] == shown


async def test_a_wake_up_makes_the_status_fresh(
    sim: SimulatorHandle, session: aiohttp.ClientSession, peer: Peer, token: str, clock: Clock
) -> None:
    # The thermal car uploads once a day at 07:30; at midnight its status is from yesterday.
    before = await rest_status(sim, session, THERMIC_VIN)
    assert before["updatedAt"] < iso(clock.now)
    replies = await command(peer, token, THERMIC_VIN, "/VehCharge/state", {"action": "state"})
    assert codes(replies)[-1] == "0"
    after = await rest_status(sim, session, THERMIC_VIN)
    assert after["updatedAt"] == after["createdAt"] == iso(clock.now)
    assert after["odometer"]["createdAt"] == iso(clock.now)


async def test_an_asleep_car_answers_900_901_300(
    control: SimulatorControl, peer: Peer, token: str
) -> None:
    await control.set_asleep(BEV_VIN)
    replies = await command(peer, token, BEV_VIN, "/Doors", {"action": "lock"})
    assert codes(replies) == ["900", "901", "300"]
    assert replies[1][1]["process_message"] == "[process.901.vehicle.asleep.key]"
    await control.set_asleep(BEV_VIN, asleep=False)
    assert codes(await command(peer, token, BEV_VIN, "/Doors", {"action": "lock"}))[-1] == "0"


async def test_a_service_outside_the_subscription_is_400_no_matching_service(
    control: SimulatorControl, peer: Peer, token: str
) -> None:
    # Charge services exist only on Electric/Hybrid cars by default.
    replies = await command(peer, token, THERMIC_VIN, "/VehCharge", {"type": "delayed"})
    assert codes(replies) == ["400"]
    assert replies[0][1]["reason"] == NO_SERVICE
    assert await control.set_remote_services(BEV_VIN, ["VehCharge"]) == ["VehCharge"]
    replies = await command(peer, token, BEV_VIN, "/Doors", {"action": "lock"})
    assert (codes(replies), replies[0][1]["reason"]) == (["400"], NO_SERVICE)
    unknown = await command(peer, token, "VR3NOTINACCOUNT00", "/Doors", {"action": "lock"})
    assert unknown[0][1]["reason"] == NO_SERVICE
    assert "Doors" in await control.set_remote_services(BEV_VIN, None)


async def test_an_expired_token_in_the_envelope_is_a_plain_400(
    peer: Peer, token: str, clock: Clock
) -> None:
    clock.now += 900  # the connection stays up; the envelope's token is now too old
    replies = await command(peer, token, BEV_VIN, "/Doors", {"action": "lock"})
    assert codes(replies) == ["400"]
    assert "reason" not in replies[0][1]


async def test_bad_parameters_are_a_plain_400(peer: Peer, token: str) -> None:
    replies = await command(peer, token, BEV_VIN, "/Doors", {"action": "open"})
    assert codes(replies) == ["400"]
    assert "reason" not in replies[0][1]


@pytest.mark.parametrize(
    ("code", "resp_data", "expected"),
    [
        ("500", None, {"error": 4}),
        ("500", {"error": 2}, {"error": 2}),
        ("113", None, {}),
        ("422", None, {}),
        ("502", None, {}),
    ],
)
async def test_a_forced_final_code_ends_the_next_command_only(
    control: SimulatorControl,
    peer: Peer,
    token: str,
    code: str,
    resp_data: dict[str, Any] | None,
    expected: dict[str, Any],
) -> None:
    await control.set_next_final(BEV_VIN, code, resp_data)
    replies = await command(peer, token, BEV_VIN, "/Lights", {"duration": 10, "action": "activate"})
    assert codes(replies) == ["900", "903", code]
    assert replies[-1][1]["resp_data"] == expected
    assert codes(await command(peer, token, BEV_VIN, "/Lights", {"action": "activate"}))[-1] == "0"


async def test_a_forced_500_can_come_without_vin_and_correlation_id(
    control: SimulatorControl, peer: Peer, token: str
) -> None:
    await control.set_next_final(BEV_VIN, "500", blank_ids=True)
    replies = await command(peer, token, BEV_VIN, "/Lights", {"action": "activate"})
    assert (replies[-1][1]["vin"], replies[-1][1]["correlation_id"]) == ("", "")


async def test_the_command_log_and_the_car_summary(
    control: SimulatorControl, peer: Peer, token: str
) -> None:
    await command(peer, token, BEV_VIN, "/Doors", {"action": "lock"})
    await command(peer, token, BEV_VIN, "/Doors", {"action": "open"})
    log = await control.remote_commands(BEV_VIN)
    assert [(c["service"], c["params"], c["progress"], c["code"]) for c in log] == [
        ("/Doors", {"action": "lock"}, ["900", "903"], "0"),
        ("/Doors", {"action": "open"}, [], "400"),
    ]
    assert all(token not in str(entry) for entry in log)
    cars = {car["vin"]: car for car in await control.remote_cars()}
    assert cars[BEV_VIN]["commands"] == 2
    assert cars[BEV_VIN]["services"] == ["Doors", "Horn", "Lights", "ThermalPrecond", "VehCharge"]
    assert cars[THERMIC_VIN]["services"] == ["Doors", "Horn", "Lights", "ThermalPrecond"]
    delays = await control.set_reply_delays(BEV_VIN, asleep_timeout=0.01)
    assert delays["asleep_timeout"] == 0.01


async def test_the_control_api_refuses_bad_input(control: SimulatorControl) -> None:
    assert await refused_status(control.set_remote_services(BEV_VIN, ["Teleport"])) == 400
    assert await refused_status(control.set_remote_services("NOPE", ["Doors"])) == 404
    assert await refused_status(control.set_reply_delays(BEV_VIN, soon=1)) == 400
    assert await refused_status(control.set_reply_delays(BEV_VIN, accepted=-1)) == 400
    assert await refused_status(control.set_next_final(BEV_VIN, "42")) == 400
    status, _body = await control.request("POST", f"remote/cars/{BEV_VIN}/asleep", {"asleep": 1})
    assert status == 400


async def test_scenario_remote_services(
    simulator_factory: SimulatorFactory, session: aiohttp.ClientSession
) -> None:
    account = {
        "brand": "peugeot",
        "username": "u@example.com",
        "password": "p",
        "client_id": "c",
        "client_secret": "s",
    }
    vehicles = [{"vin": "VR3SCENARIO000001", "motorization": "Electric", "remote": ["Doors"]}]
    sim = await simulator_factory(
        SimulatorConfig(scenario={"account": account, "vehicles": vehicles})
    )
    assert sim.state.vehicle("VR3SCENARIO000001").remote_services() == {"Doors"}
    assert "remote" not in sim.state.vehicle("VR3SCENARIO000001").fields  # not served by REST
    bad = {"account": account, "vehicles": [{"vin": "V1", "remote": ["Doors", "Warp"]}]}
    with pytest.raises(ScenarioError, match="Warp"):
        await simulator_factory(SimulatorConfig(scenario=bad))
    with pytest.raises(ScenarioError, match="list"):
        await simulator_factory(
            SimulatorConfig(
                scenario={"account": account, "vehicles": [{"vin": "V", "remote": "x"}]}
            )
        )


async def test_reset_forgets_what_the_commands_did(
    sim: SimulatorHandle, session: aiohttp.ClientSession, peer: Peer, token: str
) -> None:
    await command(peer, token, BEV_VIN, "/Doors", {"action": "unlock"})
    sim.state.reset_vehicle(BEV_VIN)
    assert (await rest_status(sim, session, BEV_VIN))["doorsState"]["lockedStates"] == ["Locked"]


async def test_a_request_that_is_not_json_is_ignored(peer: Peer, token: str) -> None:
    peer.client.publish(f"psa/RemoteServices/from/cid/{CUSTOMER_ID}/Doors", b"not json")
    # The next command is still answered, and it is the first reply to arrive.
    replies = await command(peer, token, BEV_VIN, "/Doors", {"action": "lock"})
    assert codes(replies) == ["900", "903", "0"]
    assert envelope(token, BEV_VIN, {})["customer_id"] == CUSTOMER_ID
