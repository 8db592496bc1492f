"""The simulated cars' push events (remote-commands.md §9), read by a real paho client over TLS."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from psa_simulator import BEV_VIN, PHEV_VIN, THERMIC_VIN, SimulatorConfig
from psa_simulator.demo import EPOCH, HOUR
from psa_simulator.remote import events
from psa_simulator.testing import SimulatorControl, SimulatorHandle
from psa_simulator.timefmt import iso
from psa_simulator.vehicles import PayloadContext

from ..conftest import SimulatorFactory
from .conftest import Clock
from .helpers import refused_status
from .remote_helpers import CUSTOMER_ID, Peer, envelope

TOPIC = "psa/RemoteServices/events/MPHRTServices/"
UNSET = {"hour": 34, "minute": 7, "on": 0, "day": [0] * 7}
WORKDAYS_0710 = {"day": [1, 1, 1, 1, 1, 0, 0], "hour": 7, "minute": 10, "on": 1}


@pytest.fixture(autouse=True)
def no_background_check(monkeypatch: pytest.MonkeyPatch) -> None:
    """The periodic check waits an hour: each test runs it itself (``check_events``)."""
    monkeypatch.setattr(events, "CHECK_INTERVAL", 3600.0)


@pytest.fixture
async def token(sim: SimulatorHandle) -> str:
    """A current MQTT access token."""
    return sim.state.remote_tokens.issue_access().value


@pytest.fixture
async def peer(sim: SimulatorHandle, token: str) -> AsyncIterator[Peer]:
    """A paho client subscribed to the replies and to every demo car's events."""
    client = Peer(sim, token)
    assert not (await client.connect()).is_failure
    await client.subscribe_replies()
    for vin in (BEV_VIN, PHEV_VIN, THERMIC_VIN):
        assert not (await client.subscribe(f"{TOPIC}{vin}"))[0].is_failure
    yield client
    client.close()


async def next_event(peer: Peer, vin: str | None = None) -> Any:
    """The next event received (of ``vin`` when given); replies are skipped."""
    while True:
        topic, body = await peer.message()
        if topic.startswith(TOPIC) and (vin is None or topic == f"{TOPIC}{vin}"):
            assert body["vin"] == topic.removeprefix(TOPIC)
            return body


async def send(peer: Peer, token: str, vin: str, service: str, params: Any) -> Any:
    """A command; its event (the car's snapshot after the final 0)."""
    peer.publish(
        f"psa/RemoteServices/from/cid/{CUSTOMER_ID}{service}", envelope(token, vin, params)
    )
    return await next_event(peer, vin)


def rest_level(sim: SimulatorHandle, vin: str, at: float) -> Any:
    """The REST battery level the car served at simulator time ``at``."""
    vehicle = sim.state.vehicle(vin)
    status = vehicle.payload("status", PayloadContext(at, "", vehicle.id))
    return next(e for e in status["energy"] if e["type"] == "Electric")["level"]


async def test_each_car_starts_its_session_with_counter_1(control: SimulatorControl) -> None:
    for vin in (BEV_VIN, PHEV_VIN, THERMIC_VIN):
        (first,) = await control.sent_events(vin)
        assert (first["obj_counter"], first["reason"], first["date"]) == (1, 0, iso(EPOCH))
    summary = await control.car_events(BEV_VIN)
    assert (summary["counter"], summary["held"], summary["sent"]) == (1, False, 1)
    assert summary["settings"]["enabled"] is True


async def test_a_lock_command_sends_the_new_state_and_the_counter_rises(
    peer: Peer, token: str
) -> None:
    unlocked = await send(peer, token, BEV_VIN, "/Doors", {"action": "unlock"})
    assert (unlocked["reason"], unlocked["obj_counter"]) == (5, 2)
    assert unlocked["doors_state"]["doors_locking_state"] == 3
    assert unlocked["doors_state"]["doors_opening_state"] == [0] * 7
    locked = await send(peer, token, BEV_VIN, "/Doors", {"action": "lock"})
    assert (locked["doors_state"]["doors_locking_state"], locked["obj_counter"]) == (1, 3)
    assert locked["date"] == iso(EPOCH)


async def test_a_charging_snapshot_has_the_quirks(
    sim: SimulatorHandle, control: SimulatorControl, peer: Peer, clock: Clock
) -> None:
    clock.now = EPOCH + HOUR  # the BEV charges: 40 % at 68 km/h, 3 h left
    event = await control.publish_event(BEV_VIN)
    assert event is not None
    assert event == await next_event(peer, BEV_VIN)
    charging = event["charging_state"]
    assert charging["cable_detected"] == 0  # inverted: plugged
    assert (charging["hmi_state"], charging["remaining_time"], charging["rate"]) == (1, 180, 68)
    assert (charging["mode"], charging["type"], charging["aff"]) == (0, 0, 1)
    assert rest_level(sim, BEV_VIN, clock.now) == 40.0
    lagged = rest_level(sim, BEV_VIN, clock.now - 300)  # the default lag: 5 minutes
    assert charging["soc_batt"] == lagged != 40.0
    assert "fuel_level" not in charging
    assert (event["sev_state"], event["etat_res_elec"], event["reason"]) == (0, 0, 6)
    assert event["precond_state"]["status"] == 0
    assert event["fds"]
    assert event["privacy_applicable_max"] == 3


async def test_a_charge_stop_shows_idle_635_and_a_stale_rate(
    sim: SimulatorHandle, control: SimulatorControl, peer: Peer, clock: Clock
) -> None:
    clock.now = EPOCH + HOUR
    token = sim.state.remote_tokens.issue_access().value  # the fixture's is an hour old
    await control.publish_event(BEV_VIN)  # measured while charging: 68 km/h
    await next_event(peer, BEV_VIN)
    params = {"program": {"hour": 22, "minute": 1}, "type": "delayed"}
    stopped = await send(peer, token, BEV_VIN, "/VehCharge", params)
    charging = stopped["charging_state"]
    assert (stopped["reason"], charging["hmi_state"], charging["remaining_time"]) == (3, 0, 635)
    assert (charging["cable_detected"], charging["rate"], charging["mode"]) == (0, 68, 2)
    assert charging["program"] == {"hour": 22, "minute": 1}


async def test_an_unplugged_hybrid_driving(control: SimulatorControl) -> None:
    event = await control.publish_event(PHEV_VIN, reason=2)  # at the epoch the PHEV drives
    assert event is not None
    charging = event["charging_state"]
    assert (charging["cable_detected"], charging["hmi_state"], charging["remaining_time"]) == (
        1,
        0,
        635,
    )
    assert charging["fuel_level"] == 60.0
    assert charging["autonomy"] > 0
    assert (event["sev_state"], event["etat_res_elec"], event["reason"]) == (1, 5, 2)
    assert "sev_stop_date" not in event
    assert event["doors_state"]["doors_locking_state"] == 3  # unlocked while driving
    thermal = await control.publish_event(THERMIC_VIN)
    assert thermal is not None
    assert "charging_state" not in thermal
    assert thermal["precond_state"] == {}
    assert thermal["sev_stop_date"] < thermal["date"]


async def test_preconditioning_sends_its_state_and_programs(peer: Peer, token: str) -> None:
    programs = {"program1": WORKDAYS_0710, "program2": UNSET, "program3": UNSET}
    event = await send(
        peer, token, BEV_VIN, "/ThermalPrecond", {"asap": "activate", "programs": programs}
    )
    precond = event["precond_state"]
    assert (precond["status"], precond["asap"], event["reason"]) == (1, 1, 6)
    assert precond["programs"] == {
        "program1": WORKDAYS_0710,
        "program2": UNSET,
        "program3": UNSET,
        "program4": UNSET,
    }
    event = await send(peer, token, BEV_VIN, "/ThermalPrecond", {"asap": "deactivate"})
    assert (event["precond_state"]["status"], event["precond_state"]["asap"]) == (0, 0)


async def test_a_car_whose_events_stopped_sends_nothing(
    control: SimulatorControl, peer: Peer, token: str
) -> None:
    await control.stop_events(BEV_VIN)
    peer.publish(
        f"psa/RemoteServices/from/cid/{CUSTOMER_ID}/Doors",
        envelope(token, BEV_VIN, {"action": "unlock"}),
    )
    while "return_code" not in (await peer.message())[1]:
        pass  # the final reply came and no event came before it
    assert await control.publish_event(BEV_VIN) is None
    await control.stop_events(BEV_VIN, stopped=False)
    event = await control.publish_event(BEV_VIN, reason=1)
    # The first event received is the one after the car sends again: nothing was waiting.
    assert await next_event(peer, BEV_VIN) == event
    assert event is not None
    assert event["obj_counter"] == 2


async def test_a_delayed_car_arrives_after_a_prompt_one(
    control: SimulatorControl, peer: Peer
) -> None:
    await control.delay_events(BEV_VIN, 0.5)
    late = await control.publish_event(BEV_VIN)
    prompt = await control.publish_event(PHEV_VIN)
    assert [await next_event(peer), await next_event(peer)] == [prompt, late]


async def test_a_held_event_is_delivered_after_the_next(
    control: SimulatorControl, peer: Peer
) -> None:
    await control.hold_next_event(BEV_VIN)
    assert (await control.car_events(BEV_VIN))["settings"]["hold_next"] is True
    first = await control.publish_event(BEV_VIN, reason=6)
    assert (await control.car_events(BEV_VIN))["held"] is True
    second = await control.publish_event(BEV_VIN, reason=5)
    assert first is not None
    assert second is not None
    received = [await next_event(peer, BEV_VIN), await next_event(peer, BEV_VIN)]
    assert received == [second, first]
    assert [event["obj_counter"] for event in received] == [3, 2]


async def test_a_stale_snapshot_is_old_in_date_and_content(
    sim: SimulatorHandle, control: SimulatorControl, peer: Peer, clock: Clock
) -> None:
    clock.now = EPOCH + HOUR / 2
    assert await control.check_events() == [BEV_VIN]  # charge progress since the session start
    assert (await next_event(peer, BEV_VIN))["reason"] == 4
    stale = await control.publish_event(BEV_VIN, stale_seconds=400)
    assert stale == await next_event(peer, BEV_VIN)
    assert stale is not None
    assert stale["date"] == iso(clock.now - 400)
    assert stale["charging_state"]["soc_batt"] == rest_level(sim, BEV_VIN, clock.now - 700)
    assert await control.check_events() == []  # what the car last told of now is unchanged


async def test_a_soc_spike_is_sent_once(control: SimulatorControl) -> None:
    await control.set_event_settings(BEV_VIN, soc_spike=97.5, soc_lag=0)
    spiked = await control.publish_event(BEV_VIN)
    normal = await control.publish_event(BEV_VIN)
    assert spiked is not None
    assert normal is not None
    assert (spiked["charging_state"]["soc_batt"], normal["charging_state"]["soc_batt"]) == (
        97.5,
        20.0,
    )


async def test_lock_transients_come_first_when_asked(
    control: SimulatorControl, peer: Peer, token: str
) -> None:
    await control.set_event_settings(BEV_VIN, transients=True)
    mid = await send(peer, token, BEV_VIN, "/Doors", {"action": "unlock"})
    done = await next_event(peer, BEV_VIN)
    assert [
        mid["doors_state"]["doors_locking_state"],
        done["doors_state"]["doors_locking_state"],
    ] == [0, 3]
    mid = await send(peer, token, BEV_VIN, "/Doors", {"action": "lock"})
    assert mid["doors_state"]["doors_locking_state"] == 7
    assert (await next_event(peer, BEV_VIN))["doors_state"]["doors_locking_state"] == 1


async def test_the_check_sends_charge_progress_and_the_end_of_the_charge(
    control: SimulatorControl, peer: Peer, clock: Clock
) -> None:
    assert await control.check_events() == []
    clock.now = EPOCH + HOUR / 2  # 20 -> 30 %: every 5 % by default
    assert await control.check_events() == [BEV_VIN]
    assert (await next_event(peer, BEV_VIN))["reason"] == 4
    clock.now += 60  # +0.3 %
    assert await control.check_events() == []
    clock.now = EPOCH + 4 * HOUR + 60  # charged: Finished; the PHEV stopped driving
    assert sorted(await control.check_events()) == [BEV_VIN, PHEV_VIN]
    finished = await next_event(peer, BEV_VIN)
    charging = finished["charging_state"]
    assert (finished["reason"], charging["hmi_state"], charging["remaining_time"]) == (3, 3, 635)
    assert charging["cable_detected"] == 0
    parked = await next_event(peer, PHEV_VIN)
    assert (parked["reason"], parked["sev_state"]) == (2, 0)


async def test_progress_by_minutes(control: SimulatorControl, clock: Clock) -> None:
    await control.set_event_settings(BEV_VIN, progress_percent=0, progress_minutes=10)
    clock.now = EPOCH + 9 * 60
    assert await control.check_events() == []
    clock.now = EPOCH + 10 * 60
    assert await control.check_events() == [BEV_VIN]


async def test_a_status_change_through_the_control_api_is_seen(
    control: SimulatorControl, peer: Peer
) -> None:
    await control.patch_status(
        THERMIC_VIN,
        set_blocks={
            "doorsState": {
                "lockedStates": ["Unlocked"],
                "opening": [{"identifier": "Driver", "state": "Open"}],
            }
        },
    )
    assert await control.check_events() == [THERMIC_VIN]
    event = await next_event(peer, THERMIC_VIN)
    assert event["reason"] == 5
    assert event["doors_state"]["doors_opening_state"] == [1, 0, 0, 0, 0, 0, 1]


async def test_the_background_check_publishes_a_charge_change(
    simulator_factory: SimulatorFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(events, "CHECK_INTERVAL", 0.01)
    clock = Clock(EPOCH + 4 * HOUR - 60)
    sim = await simulator_factory(SimulatorConfig(clock=clock, token_request_delay=0))
    peer = Peer(sim, sim.state.remote_tokens.issue_access().value)
    assert not (await peer.connect()).is_failure
    await peer.subscribe(f"{TOPIC}{BEV_VIN}")
    try:
        clock.now = EPOCH + 4 * HOUR + 60
        event = await next_event(peer, BEV_VIN)
        assert (event["charging_state"]["hmi_state"], event["obj_counter"]) == (3, 2)
    finally:
        peer.close()


async def test_reset_forgets_the_event_settings(
    sim: SimulatorHandle, control: SimulatorControl
) -> None:
    await control.set_event_settings(BEV_VIN, enabled=False, delay=2, hold_next=True)
    await control.reset_vehicle(BEV_VIN)
    settings = (await control.car_events(BEV_VIN))["settings"]
    assert (settings["enabled"], settings["delay"], settings["hold_next"]) == (True, 0.0, False)


async def test_the_event_controls_refuse_bad_input(
    control: SimulatorControl, session: aiohttp.ClientSession
) -> None:
    assert await refused_status(control.set_event_settings(BEV_VIN, loud=True)) == 400
    assert await refused_status(control.set_event_settings(BEV_VIN, delay=-1)) == 400
    assert await refused_status(control.set_event_settings(BEV_VIN, enabled="yes")) == 400
    assert await refused_status(control.car_events("NOPE")) == 404
    status, _body = await control.request(
        "POST", f"remote/cars/{BEV_VIN}/events/publish", {"reason": "x"}
    )
    assert status == 400
    status, _body = await control.request(
        "POST", f"remote/cars/{BEV_VIN}/events/publish", {"stale_seconds": -5}
    )
    assert status == 400


async def test_without_a_broker_the_event_routes_are_404(
    simulator_factory: SimulatorFactory, session: aiohttp.ClientSession
) -> None:
    sim = await simulator_factory(SimulatorConfig(mqtt=False))
    control = SimulatorControl(session, sim.url)
    async with session.get(control.address(f"remote/cars/{BEV_VIN}/events")) as response:
        assert response.status == 404


async def test_a_car_added_later_starts_its_own_session(
    control: SimulatorControl, peer: Peer
) -> None:
    await control.add_vehicle({"vin": "VR3SCENARIO000009", "motorization": "Electric"})
    await control.set_status("VR3SCENARIO000009", {"ignition": {"type": "Stop"}})
    assert await control.check_events() == ["VR3SCENARIO000009"]
    (first,) = await control.sent_events("VR3SCENARIO000009")
    assert (first["obj_counter"], first["reason"]) == (1, 0)
    assert "charging_state" not in first  # no electric block in its status
    await control.remove_vehicle("VR3SCENARIO000009")
    assert await control.check_events() == []
    assert await refused_status(control.car_events("VR3SCENARIO000009")) == 404
