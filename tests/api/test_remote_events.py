"""Push events (remote-commands.md §9): parsed with their quirks, applied under the freshness rule.

Synthetic snapshots are written to the documented shape; the shared samples are read in place.
"""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
import json
from pathlib import Path
from typing import Any

from hypothesis import given, settings, strategies as st
import pytest

from custom_components.psa_connected_car.api import remote
from custom_components.psa_connected_car.api.derived import charging_end_time
from custom_components.psa_connected_car.api.models import (
    STATUS_BLOCKS,
    Charging,
    Doors,
    Energy,
    Ignition,
    Odometer,
    Position,
    Preconditioning,
    VehicleStatus,
)
from custom_components.psa_connected_car.api.parsers import merge_status, parse_status
from custom_components.psa_connected_car.api.remote import (
    EVENTS_TOPIC_PREFIX,
    EventOutcome,
    PreconditioningProgram,
    VehicleEvent,
    apply_event,
    event_vin,
    parse_event,
)
from custom_components.psa_connected_car.api.remote.mqtt import event_topic

from .fuzzing import json_values, mutate

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "samples"
EVENT_SAMPLES = (
    "psacc__mqtt_event_without_precond.json",
    "psacc__mqtt_event_without_charge_info.json",
)
VIN = "VR3UHZKXZMT000001"
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


UNSET = {"hour": 34, "minute": 7, "on": 0, "day": [0] * 7}


def snapshot(when: datetime | None = None, **parts: Any) -> dict[str, Any]:
    """A full event as §9 documents it: a charging car, locked, ignition off.

    ``parts`` replace top-level keys; a dict given for ``charging_state``, ``precond_state``
    or ``doors_state`` is merged into the default one (a value None drops that key; ``{}``
    replaces the whole block).
    """
    payload: dict[str, Any] = {
        "date": iso(when or at(10)),
        "vin": VIN,
        "obj_counter": 7,
        "reason": 3,
        "signal_quality": 21,
        "etat_res_elec": 0,
        "sev_state": 0,
        "sev_stop_date": iso(T0),
        "charging_state": {
            "soc_batt": 50,
            "autonomy_zev": 200,
            "cable_detected": 0,
            "rate": 35,
            "remaining_time": 125,
            "hmi_state": 1,
            "mode": 0,
            "type": 0,
            "aff": 1,
            "available": 1,
            "program": {"hour": 22, "minute": 30},
        },
        "precond_state": {
            "status": 0,
            "asap": 0,
            "available": 1,
            "aff": 1,
            "programs": {
                "program1": {"hour": 7, "minute": 10, "on": 1, "day": [1, 1, 1, 1, 1, 0, 0]},
                "program2": dict(UNSET),
                "program3": {"hour": 18, "minute": 0, "on": 0, "day": [0, 0, 0, 0, 0, 1, 1]},
                "program4": dict(UNSET),
            },
        },
        "doors_state": {
            "doors_locking_state": 1,
            "doors_opening_state": [0] * 7,
            "driver_sel_state": 0,
        },
        "stolen_state": 0,
        "privacy_customer": 0,
        "privacy_applicable": 0,
        "privacy_applicable_max": 2,
        "fds": ["NDR01"],
    }
    for key, value in parts.items():
        if value and isinstance(value, dict) and isinstance(payload.get(key), dict):
            merged = {**payload[key], **value}
            payload[key] = {name: item for name, item in merged.items() if item is not None}
        elif value is None:
            payload.pop(key, None)
        else:
            payload[key] = value
    return payload


def event(when: datetime | None = None, **parts: Any) -> VehicleEvent:
    parsed = parse_event(snapshot(when, **parts))
    assert parsed is not None
    return parsed


SLOT1 = PreconditioningProgram(
    slot=1, enabled=True, hour=7, minute=10, days=(True,) * 5 + (False,) * 2
)
SLOT3 = PreconditioningProgram(
    slot=3, enabled=False, hour=18, minute=0, days=(False,) * 5 + (True,) * 2
)


def car_status(when: datetime = T0, **blocks: Any) -> VehicleStatus:
    """What REST said at ``when``: parked, unplugged, unlocked, ignition off."""
    values: dict[str, Any] = {
        "updated_at": when,
        "electric": Energy(
            type="Electric",
            updated_at=when,
            level=48.0,
            autonomy=190.0,
            charging=Charging(
                plugged=False,
                status="Disconnected",
                remaining_time=timedelta(0),
                rate=0.0,
                mode="No",
                next_delayed_time=timedelta(hours=23),
            ),
        ),
        "ignition": Ignition(updated_at=when, type="Stop"),
        "doors": Doors(
            updated_at=when,
            locked_states=("Unlocked",),
            openings={"Driver": False, "Trunk": True},
        ),
        "preconditioning": Preconditioning(
            updated_at=when, status="Enabled", failure_cause=None, starting_cause="Immediate"
        ),
        "odometer": Odometer(updated_at=when, mileage=1234.0),
        "position": Position(latitude=48.85, longitude=2.35, updated_at=when),
        "raw": {"from": "rest"},
    }
    values.update(blocks)
    return VehicleStatus(**values)


def written(outcome: EventOutcome) -> VehicleStatus:
    assert outcome.status is not None
    return outcome.status


def charging_of(status: VehicleStatus) -> Charging:
    assert status.electric is not None
    assert status.electric.charging is not None
    return status.electric.charging


# Topics --------------------------------------------------------------------------------


def test_the_events_topic_gives_its_vin():
    assert EVENTS_TOPIC_PREFIX == "psa/RemoteServices/events/MPHRTServices/"
    assert event_vin(event_topic(VIN)) == VIN
    assert event_vin(EVENTS_TOPIC_PREFIX + VIN) == VIN


@pytest.mark.parametrize(
    "topic",
    [
        EVENTS_TOPIC_PREFIX,
        EVENTS_TOPIC_PREFIX + VIN + "/more",
        EVENTS_TOPIC_PREFIX + "+",
        EVENTS_TOPIC_PREFIX + "#",
        EVENTS_TOPIC_PREFIX + " " + VIN,
        "psa/RemoteServices/to/cid/AP-1234/VehCharge",
        "psa/RemoteServices/events/MPHRTServices",
        "",
    ],
)
def test_other_topics_have_no_vin(topic):
    assert event_vin(topic) is None


def test_a_topic_that_is_no_text_has_no_vin():
    assert event_vin(None) is None  # type: ignore[arg-type]


def test_the_names_are_exported():
    for name in (
        "EVENTS_TOPIC_PREFIX",
        "EventOutcome",
        "VehicleEvent",
        "apply_event",
        "event_vin",
        "parse_event",
    ):
        assert name in remote.__all__
        assert getattr(remote, name) is not None


# Parsing: every field, each quirk ---------------------------------------------------------


def test_every_field_of_a_full_snapshot():
    assert event() == VehicleEvent(
        vin=VIN,
        at=at(10),
        counter=7,
        reason=3,
        plugged=True,  # cable_detected 0
        charging=True,
        charge_finished=False,
        remaining_time=timedelta(minutes=125),
        rate=35.0,
        delayed_start=timedelta(hours=22, minutes=30),
        locked=True,
        ignition_on=False,
        preconditioning="Disabled",
        programs=(SLOT1, SLOT3),
        soc=50.0,
        autonomy=200.0,
        fuel_level=None,
    )


def test_a_plug_in_hybrid_reports_its_fuel_level():
    assert event(charging_state={"fuel_level": 42, "autonomy": 380}).fuel_level == 42.0


@pytest.mark.parametrize(("cable", "plugged"), [(0, True), (1, False), (2, None), (None, None)])
def test_the_cable_flag_is_inverted(cable, plugged):
    assert event(charging_state={"cable_detected": cable}).plugged is plugged


@pytest.mark.parametrize(
    ("hmi", "charging", "finished"),
    [(1, True, False), (3, False, True), (0, None, False), (4, None, False), (9, None, False)],
)
def test_hmi_state_1_and_3_only(hmi, charging, finished):
    parsed = event(charging_state={"hmi_state": hmi})
    assert (parsed.charging, parsed.charge_finished) == (charging, finished)


def test_no_hmi_state_says_nothing_of_the_charge():
    parsed = event(charging_state={"hmi_state": None})
    assert (parsed.charging, parsed.charge_finished) == (None, False)
    assert (parsed.remaining_time, parsed.rate) == (None, None)


@pytest.mark.parametrize("hmi", [0, 3, 4, None])
def test_635_minutes_and_the_rate_outside_a_charge_are_not_charging(hmi):
    parsed = event(charging_state={"hmi_state": hmi, "remaining_time": 635, "rate": 12})
    assert parsed.remaining_time is None
    assert parsed.rate is None


def test_a_long_charge_keeps_its_remaining_time():
    # Not capped at 10 h 30 (§9): 635 minutes while charging is a real value.
    assert event(charging_state={"remaining_time": 635}).remaining_time == timedelta(minutes=635)
    assert event(charging_state={"remaining_time": 0}).remaining_time == timedelta(0)


@pytest.mark.parametrize("minutes", [-1, 7 * 24 * 60 + 1, 1e308, "soon", True, None])
def test_an_odd_remaining_time_is_none(minutes):
    assert event(charging_state={"remaining_time": minutes}).remaining_time is None


def test_a_rate_of_zero_while_charging_is_kept_and_a_negative_one_dropped():
    assert event(charging_state={"rate": 0}).rate == 0.0
    assert event(charging_state={"rate": -3}).rate is None


@pytest.mark.parametrize(
    ("program", "start"),
    [
        ({"hour": 22, "minute": 30}, timedelta(hours=22, minutes=30)),
        ({"hour": 0, "minute": 0}, timedelta(0)),
        ({"hour": 23, "minute": 59}, timedelta(hours=23, minutes=59)),
        ({"hour": 34, "minute": 7}, None),
        ({"hour": 24, "minute": 0}, None),
        ({"hour": -1, "minute": 0}, None),
        ({"hour": 6, "minute": 60}, None),
        ({"hour": 6}, None),
        ({}, None),
        ("22:30", None),
    ],
)
def test_the_delayed_start(program, start):
    assert event(charging_state={"program": program}).delayed_start == start


@pytest.mark.parametrize(
    ("state", "locked"), [(1, True), (7, True), (0, False), (3, False), (2, None), (None, None)]
)
def test_lock_states_1_7_locked_0_3_unlocked(state, locked):
    assert event(doors_state={"doors_locking_state": state}).locked is locked


def test_older_events_without_doors_state_say_nothing_of_the_locks():
    assert event(doors_state=None).locked is None


@pytest.mark.parametrize(("sev", "on"), [(0, False), (1, True), (2, True), (3, None), (None, None)])
def test_ignition(sev, on):
    assert event(sev_state=sev).ignition_on is on


@pytest.mark.parametrize(
    ("code", "name"),
    [(0, "Disabled"), (1, "Enabled"), (2, "Finished"), (4, None), (None, None)],
)
def test_preconditioning_status(code, name):
    assert event(precond_state={"status": code}).preconditioning == name


def test_an_empty_precond_state_says_nothing():
    parsed = event(precond_state={})
    assert parsed.preconditioning is None
    assert parsed.programs is None


def test_unset_program_slots_are_left_out():
    all_unset = {f"program{slot}": dict(UNSET) for slot in range(1, 5)}
    assert event(precond_state={"programs": all_unset}).programs == ()
    # any hour outside 0-23 is an unset slot, whatever its other fields say
    odd_unset = {**all_unset, "program2": {"hour": 25, "minute": 99, "on": 7, "day": "x"}}
    assert event(precond_state={"programs": odd_unset}).programs == ()


def test_programs_sent_as_text_or_floats():
    programs = {
        "program1": {"hour": "7", "minute": 10.0, "on": "1", "day": ["1", 1, 1.0, 1, 1, 0, 0]},
        "program2": {"hour": "34", "minute": "7", "on": "0", "day": [0] * 7},
        "program3": {"hour": 18.0, "minute": "0", "on": 0, "day": [0, 0, 0, 0, 0, 1, 1]},
        "program4": dict(UNSET),
    }
    assert event(precond_state={"programs": programs}).programs == (SLOT1, SLOT3)


@pytest.mark.parametrize(
    "program1",
    [
        None,  # a slot missing: unknown, not unset
        "7:10",
        {"minute": 10, "on": 1, "day": [1] * 7},
        {"hour": 7, "on": 1, "day": [1] * 7},
        {"hour": 7.5, "minute": 10, "on": 1, "day": [1] * 7},
        {"hour": 7, "minute": 60, "on": 1, "day": [1] * 7},
        {"hour": 7, "minute": 10, "on": 2, "day": [1] * 7},
        {"hour": 7, "minute": 10, "day": [1] * 7},
        {"hour": 7, "minute": 10, "on": True, "day": [1] * 7},
        {"hour": 7, "minute": 10, "on": 1, "day": [1] * 6},
        {"hour": 7, "minute": 10, "on": 1, "day": [1, 1, 1, 1, 1, 1, 2]},
        {"hour": 7, "minute": 10, "on": 1, "day": "1111100"},
        {"hour": 7, "minute": 10, "on": 1},
    ],
)
def test_unreadable_programs_are_unknown_not_partial(program1):
    # Sent back by the commands, a partial set would erase the slots it lacks (§11.10).
    programs = copy.deepcopy(snapshot()["precond_state"]["programs"])
    if program1 is None:
        del programs["program1"]
    else:
        programs["program1"] = program1
    assert event(precond_state={"programs": programs}).programs is None


@pytest.mark.parametrize("programs", [[], "none", 3, {}])
def test_programs_of_another_shape_are_unknown(programs):
    assert event(precond_state={"programs": programs}).programs is None


@pytest.mark.parametrize(
    ("charge", "soc", "autonomy", "fuel"),
    [
        ({"soc_batt": "61", "autonomy_zev": "178.5", "fuel_level": 40.5}, 61.0, 178.5, 40.5),
        ({"soc_batt": 0, "autonomy_zev": 0, "fuel_level": 100}, 0.0, 0.0, 100.0),
        ({"soc_batt": 101, "autonomy_zev": -1, "fuel_level": -2}, None, None, None),
        ({"soc_batt": "nan", "autonomy_zev": "inf", "fuel_level": True}, None, None, None),
        ({"soc_batt": None, "autonomy_zev": None, "fuel_level": None}, None, None, None),
    ],
)
def test_levels(charge, soc, autonomy, fuel):
    parsed = event(charging_state=charge)
    assert (parsed.soc, parsed.autonomy, parsed.fuel_level) == (soc, autonomy, fuel)


@pytest.mark.parametrize(
    ("value", "code"),
    [(3, 3), ("3", 3), (3.0, 3), ("3.0", 3), (" 3 ", 3), (3.5, None), ("x", None), (True, None)],
)
def test_codes_as_numbers_text_or_floats(value, code):
    parsed = event(reason=value, obj_counter=value)
    assert (parsed.reason, parsed.counter) == (code, code)


def test_numbers_beyond_a_float_are_odd_not_fatal():
    huge = 10**400  # json.loads makes such ints from a long run of digits
    parsed = event(
        reason=huge,
        sev_state=huge,
        charging_state={"soc_batt": huge, "rate": huge, "hmi_state": 1, "cable_detected": huge},
    )
    assert (parsed.reason, parsed.ignition_on, parsed.soc, parsed.rate) == (None, None, None, None)
    assert parsed.plugged is None
    assert parsed.charging is True


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        ("2026-03-02T08:10:00Z", at(10)),
        ("2026-03-02T10:10:00+02:00", at(10)),
        ("2026-03-02T08:10:00", at(10)),  # no offset: UTC
        ("2026-03-02T08:10:00.250Z", at(10) + timedelta(milliseconds=250)),
        ("yesterday", None),
        ("", None),
        (1772438400, None),
        ("0001-01-01T00:00:00+01:00", None),  # before year 1 in UTC
        (None, None),
    ],
)
def test_the_date(date, expected):
    parsed = event(date=date)
    assert parsed.at == expected
    if parsed.at is not None:
        assert parsed.at.tzinfo is UTC


def test_the_vin_is_normalised():
    assert event(vin=f"  {VIN.lower()} ").vin == VIN


@pytest.mark.parametrize(
    "payload",
    [
        None,
        [],
        "text",
        42,
        {},
        {"date": "2026-03-02T08:10:00Z"},
        {"vin": ""},
        {"vin": "   "},
        {"vin": 12345},
        {"vin": None, "charging_state": {"hmi_state": 1}},
    ],
)
def test_no_vin_no_snapshot(payload):
    assert parse_event(payload) is None


def test_a_snapshot_with_only_a_vin():
    parsed = parse_event({"vin": VIN})
    assert parsed is not None
    assert parsed.at is None
    assert parsed.plugged is parsed.charging is parsed.locked is parsed.ignition_on is None
    assert parsed.programs is None


def test_unknown_fields_and_blocks_of_another_type_are_ignored():
    payload = snapshot(future_field={"x": 1}, superlock_state=1)
    payload["charging_state"]["brand_new"] = [1, 2]
    assert parse_event(payload) == event()
    odd = parse_event({"vin": VIN, "charging_state": [1], "precond_state": "x", "doors_state": 3})
    assert odd == VehicleEvent(
        vin=VIN,
        at=None,
        counter=None,
        reason=None,
        plugged=None,
        charging=None,
        charge_finished=False,
        remaining_time=None,
        rate=None,
        delayed_start=None,
        locked=None,
        ignition_on=None,
        preconditioning=None,
        programs=None,
        soc=None,
        autonomy=None,
        fuel_level=None,
    )


# The shared samples, in place -----------------------------------------------------------


def sample(name: str) -> Any:
    path = SAMPLES / name
    if not path.is_file():
        pytest.skip(f"shared sample absent: {path}")
    return json.loads(path.read_text())


@pytest.mark.skipif(not SAMPLES.is_dir(), reason=f"shared samples folder absent: {SAMPLES}")
def test_the_sample_without_precond():
    parsed = parse_event(sample("psacc__mqtt_event_without_precond.json"))
    assert parsed is not None
    assert parsed.vin == "VIN"
    assert parsed.at == datetime(2022, 3, 30, 12, 0, 52, tzinfo=UTC)
    assert (parsed.counter, parsed.reason) == (1, 0)
    assert parsed.plugged is False  # cable_detected 1
    assert (parsed.charging, parsed.charge_finished) == (None, False)  # hmi_state 0
    assert (parsed.remaining_time, parsed.rate) == (None, None)
    assert parsed.delayed_start == timedelta(hours=22, minutes=30)
    assert parsed.ignition_on is False
    assert (parsed.preconditioning, parsed.programs) == (None, None)  # precond_state {}
    assert (parsed.soc, parsed.autonomy, parsed.fuel_level) == (76.0, 178.0, None)
    assert parsed.locked is None


@pytest.mark.skipif(not SAMPLES.is_dir(), reason=f"shared samples folder absent: {SAMPLES}")
def test_the_sample_with_programs():
    parsed = parse_event(sample("psacc__mqtt_event_without_charge_info.json"))
    assert parsed is not None
    assert (parsed.counter, parsed.reason) == (2, 4)
    assert parsed.ignition_on is True
    assert parsed.preconditioning == "Disabled"
    assert parsed.programs == ()  # four hour-34 slots
    assert parsed.soc == 61.0
    assert parsed.autonomy is None


@pytest.mark.skipif(not SAMPLES.is_dir(), reason=f"shared samples folder absent: {SAMPLES}")
@pytest.mark.parametrize("name", EVENT_SAMPLES)
def test_the_samples_apply_to_a_status_of_their_time(name):
    parsed = parse_event(sample(name))
    assert parsed is not None
    assert parsed.at is not None
    before = car_status(parsed.at - timedelta(minutes=5))
    after = written(apply_event(before, parsed))
    assert after.ignition is not None
    assert after.ignition.updated_at == parsed.at
    assert after.electric is not None
    assert after.electric.level == 48.0  # the sample's SoC is not written
    assert apply_event(car_status(parsed.at), parsed).status == car_status(parsed.at)


# Applying: every field to its model field ----------------------------------------------


def test_every_field_to_its_model_field():
    before = car_status()
    outcome = apply_event(
        before, event(at(10), sev_state=1, doors_state={"doors_locking_state": 1})
    )
    after = written(outcome)
    assert outcome.changed
    assert after.electric is not None
    assert after.electric.charging == Charging(
        plugged=True,
        status="InProgress",
        remaining_time=timedelta(minutes=125),
        rate=35.0,
        mode="No",  # not in the event: kept
        next_delayed_time=timedelta(hours=22, minutes=30),
        updated_at=at(10),  # the charging part carries the event's time
    )
    assert after.doors == Doors(
        updated_at=at(10), locked_states=("Locked",), openings={"Driver": False, "Trunk": True}
    )
    assert after.ignition == Ignition(updated_at=at(10), type="Start")
    assert after.preconditioning == Preconditioning(
        updated_at=at(10), status="Disabled", starting_cause="Immediate", programs=(SLOT1, SLOT3)
    )
    # The energy block keeps REST's time: it dates the level and range, which stay REST's.
    assert after.electric.updated_at == before.electric.updated_at


def test_soc_and_range_are_never_written():
    before = car_status()
    after = written(apply_event(before, event(charging_state={"soc_batt": 90, "autonomy_zev": 9})))
    assert before.electric is not None
    assert after.electric is not None
    assert (after.electric.level, after.electric.autonomy) == (48.0, 190.0)
    assert replace(after.electric, charging=None, updated_at=None) == replace(
        before.electric, charging=None, updated_at=None
    )


def test_blocks_events_do_not_carry_are_left_as_they_are():
    before = car_status()
    after = written(apply_event(before, event()))
    assert after.odometer is before.odometer
    assert after.position is before.position
    assert after.fuel is None
    assert after.updated_at == before.updated_at  # the root time is REST's
    assert after.raw is before.raw


def test_an_unlocking_event():
    before = car_status(doors=Doors(updated_at=T0, locked_states=("Locked",)))
    after = written(apply_event(before, event(doors_state={"doors_locking_state": 3})))
    assert after.doors is not None
    assert after.doors.locked_states == ("Unlocked",)
    assert after.doors.locked is False


@pytest.mark.parametrize(
    ("before", "hmi", "cable", "status"),
    [
        ("Disconnected", 1, 0, "InProgress"),
        ("InProgress", 3, 0, "Finished"),
        ("InProgress", 1, 1, "Disconnected"),  # unplugged: whatever hmi_state says
        ("Finished", 3, 1, "Disconnected"),
        ("Stopped", 0, 0, "Stopped"),  # hmi_state 0: unknown meaning, REST's word kept
        ("Failure", 4, 0, "Failure"),
        ("Stopped", None, None, "Stopped"),
    ],
)
def test_the_charging_status(before, hmi, cable, status):
    old = car_status()
    assert old.electric is not None
    old = replace(
        old,
        electric=replace(old.electric, charging=Charging(plugged=True, status=before)),
    )
    new = event(charging_state={"hmi_state": hmi, "cable_detected": cable})
    assert charging_of(written(apply_event(old, new))).status == status


@pytest.mark.parametrize(
    ("charge", "remaining", "rate"),
    [
        ({"hmi_state": 3}, timedelta(0), 0.0),  # complete
        ({"cable_detected": 1}, timedelta(0), 0.0),  # unplugged
        ({"hmi_state": 0}, timedelta(minutes=40), 30.0),  # unknown meaning: REST's kept
        ({"hmi_state": 4, "rate": 9, "remaining_time": 635}, timedelta(minutes=40), 30.0),
    ],
)
def test_rate_and_remaining_time_outside_a_charge(charge, remaining, rate):
    old = car_status()
    assert old.electric is not None
    rest_charging = Charging(
        plugged=True, status="InProgress", remaining_time=timedelta(minutes=40), rate=30.0
    )
    old = replace(old, electric=replace(old.electric, charging=rest_charging))
    after = charging_of(written(apply_event(old, event(charging_state=charge))))
    assert (after.remaining_time, after.rate) == (remaining, rate)


def test_an_electric_block_without_charging_gets_one():
    old = car_status(electric=Energy(type="Electric", updated_at=T0, level=48.0))
    pushed = event()
    charging = charging_of(written(apply_event(old, pushed)))
    assert charging == Charging(
        plugged=True,
        status="InProgress",
        remaining_time=timedelta(minutes=125),
        rate=35.0,
        next_delayed_time=timedelta(hours=22, minutes=30),
        updated_at=pushed.at,
    )


def test_ignition_on_keeps_the_cars_own_word():
    old = car_status(ignition=Ignition(updated_at=T0, type="StartUp"))
    outcome = apply_event(old, quiet(sev_state=2))
    assert written(outcome).ignition == Ignition(updated_at=at(10), type="StartUp")
    assert not outcome.changed


def test_ignition_off():
    old = car_status(ignition=Ignition(updated_at=T0, type="Start"))
    assert written(apply_event(old, event(sev_state=0))).ignition == Ignition(
        updated_at=at(10), type="Stop"
    )


def test_an_ignition_block_without_type_learns_it():
    old = car_status(ignition=Ignition(updated_at=T0))
    outcome = apply_event(old, quiet(sev_state=1))
    assert written(outcome).ignition == Ignition(updated_at=at(10), type="Start")
    assert outcome.changed
    assert outcome.fetch


def quiet(when: datetime | None = None, **parts: Any) -> VehicleEvent:
    """An event that carries only ``parts`` (and the VIN and date)."""
    payload = {"vin": VIN, "date": iso(when or at(10)), **parts}
    parsed = parse_event(payload)
    assert parsed is not None
    return parsed


def test_same_values_only_move_the_block_times():
    old = car_status(
        doors=Doors(updated_at=T0, locked_states=("Locked", "RearDoorsLocked")),
        ignition=Ignition(updated_at=T0, type="Stop"),
    )
    outcome = apply_event(old, quiet(sev_state=0, doors_state={"doors_locking_state": 7}))
    after = written(outcome)
    assert not outcome.changed
    assert not outcome.fetch
    assert after is not old
    # the same verdict keeps REST's detail
    assert after.doors == Doors(updated_at=at(10), locked_states=("Locked", "RearDoorsLocked"))
    assert after.ignition == Ignition(updated_at=at(10), type="Stop")
    assert after.electric is old.electric


def test_an_event_never_adds_a_block():
    old = VehicleStatus(updated_at=T0, odometer=Odometer(updated_at=T0, mileage=5.0))
    outcome = apply_event(old, event(sev_state=1))
    assert outcome.status is old
    assert not outcome.changed
    assert not outcome.fetch


def test_a_block_without_a_time_takes_the_event():
    old = car_status(doors=Doors(locked_states=("Unlocked",)))
    after = written(apply_event(old, event()))
    assert after.doors == Doors(updated_at=at(10), locked_states=("Locked",))


def test_a_naive_block_time_is_taken_as_utc():
    naive = T0.replace(tzinfo=None)
    old = car_status(doors=Doors(updated_at=naive + timedelta(minutes=20), locked_states=()))
    assert written(apply_event(old, event(at(10)))).doors is old.doors
    old = car_status(doors=Doors(updated_at=naive, locked_states=()))
    assert written(apply_event(old, event(at(10)))).doors != old.doors


def test_a_naive_event_time_is_taken_as_utc():
    naive = replace(event(), at=at(10).replace(tzinfo=None))
    after = written(apply_event(car_status(), naive))
    assert after.doors is not None
    assert after.doors.updated_at == at(10)
    assert apply_event(car_status(at(20)), naive).status == car_status(at(20))


def test_times_with_another_offset_compare_as_instants():
    paris = timezone(timedelta(hours=1))
    old = car_status(when=at(15).astimezone(paris))
    assert apply_event(old, event(at(10))).status is old
    assert apply_event(old, event(at(20))).status is not old


# Applying: freshness ---------------------------------------------------------------------


def test_an_undated_event_writes_nothing_and_asks_for_nothing():
    old = car_status()
    outcome = apply_event(old, event(date=None, sev_state=1))
    assert outcome == EventOutcome(status=old, changed=False, fetch=False)
    assert outcome.status is old


@pytest.mark.parametrize("minutes", [-30, -0.5, 0])
def test_a_stale_or_same_time_event_writes_nothing_and_asks_for_nothing(minutes):
    old = car_status()
    outcome = apply_event(
        old, event(at(minutes), sev_state=1, charging_state={"soc_batt": 99, "cable_detected": 1})
    )
    assert outcome.status is old
    assert (outcome.changed, outcome.fetch) == (False, False)


def test_without_a_status_a_dated_event_asks_for_a_fetch():
    assert apply_event(None, event()) == EventOutcome(status=None, changed=False, fetch=True)
    assert apply_event(None, event(date=None)) == EventOutcome(
        status=None, changed=False, fetch=False
    )


def test_a_late_event_never_moves_a_value_back():
    old = car_status()
    newer = event(at(20), sev_state=1, doors_state={"doors_locking_state": 1})
    older = event(
        at(10),
        sev_state=0,
        doors_state={"doors_locking_state": 3},
        charging_state={"hmi_state": 3, "cable_detected": 1, "program": {"hour": 5, "minute": 0}},
        precond_state={"status": 1, "programs": {f"program{n}": dict(UNSET) for n in range(1, 5)}},
    )
    after_newer = written(apply_event(old, newer))
    outcome = apply_event(after_newer, older)
    assert outcome.status is after_newer
    assert (outcome.changed, outcome.fetch) == (False, False)


def test_a_rest_status_in_between_is_respected():
    # REST at 08:15 said locked; an event of 08:10 that says unlocked arrives after it.
    old = car_status(at(15), doors=Doors(updated_at=at(15), locked_states=("Locked",)))
    outcome = apply_event(old, event(at(10), doors_state={"doors_locking_state": 0}))
    assert outcome.status is old


def test_each_block_has_its_own_freshness():
    # The event is newer than the doors block, older than every other block.
    old = car_status(at(30), doors=Doors(updated_at=T0, locked_states=("Unlocked",)))
    outcome = apply_event(
        old,
        event(at(10), sev_state=1, charging_state={"soc_batt": 90, "cable_detected": 0}),
    )
    after = written(outcome)
    assert after.doors == Doors(updated_at=at(10), locked_states=("Locked",))
    assert after.electric is old.electric
    assert after.ignition is old.ignition
    assert after.preconditioning is old.preconditioning
    assert outcome.changed
    assert not outcome.fetch  # SoC, plug and ignition news come from stale blocks


def test_after_an_event_an_older_rest_block_does_not_move_it_back():
    old = car_status()
    after = written(apply_event(old, event(at(10), doors_state={"doors_locking_state": 1})))
    stale_rest = car_status(at(5))
    merged = merge_status(after, stale_rest)
    assert merged.doors is not None
    assert merged.doors.locked is True
    newer_rest = car_status(at(15))
    assert merge_status(after, newer_rest).doors == newer_rest.doors


full_events = st.builds(
    lambda minutes, cable, hmi, lock, sev, precond, hour: quiet(
        at(minutes),
        sev_state=sev,
        charging_state={
            "cable_detected": cable,
            "hmi_state": hmi,
            "remaining_time": 100 + minutes,
            "rate": minutes,
            "program": {"hour": hour, "minute": 15},
        },
        doors_state={"doors_locking_state": lock},
        precond_state={
            "status": precond,
            "programs": {
                f"program{n}": {"hour": hour, "minute": n, "on": 1, "day": [1] * 7}
                for n in range(1, 5)
            },
        },
    ),
    st.integers(1, 500),
    st.sampled_from([0, 1]),
    st.sampled_from([1, 3]),
    st.sampled_from([0, 1, 3, 7]),
    st.sampled_from([0, 1, 2]),
    st.sampled_from([0, 1, 2]),
    st.integers(0, 23),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(full_events, min_size=1, max_size=6, unique_by=lambda e: e.at), st.randoms())
def test_full_snapshots_in_any_order_end_as_the_newest_says(events, rng):
    in_order = car_status()
    for item in sorted(events, key=lambda e: e.at or T0):
        in_order = written(apply_event(in_order, item))
    shuffled = list(events)
    rng.shuffle(shuffled)
    any_order = car_status()
    for item in shuffled:
        any_order = written(apply_event(any_order, item))
    assert any_order == in_order
    newest = max(events, key=lambda e: e.at or T0)
    assert newest.at is not None
    for block in (any_order.ignition, any_order.doors, any_order.preconditioning):
        assert block is not None
        assert block.updated_at == newest.at
    assert any_order.electric is not None
    assert any_order.electric.charging is not None
    assert any_order.electric.charging.updated_at == newest.at
    assert any_order.electric.level == 48.0


@settings(max_examples=100, deadline=None)
@given(st.floats(allow_nan=False) | st.integers() | st.text(max_size=5) | st.none())
def test_no_soc_value_is_ever_written(soc):
    after = written(apply_event(car_status(), event(charging_state={"soc_batt": soc})))
    assert after.electric is not None
    assert after.electric.level == 48.0


# Fetch decisions ---------------------------------------------------------------------------


def plugged_charging_status(**charging: Any) -> VehicleStatus:
    """REST: plugged and charging at 48 %, locked, ignition off."""
    values = {"plugged": True, "status": "InProgress", "rate": 35.0, **charging}
    old = car_status(doors=Doors(updated_at=T0, locked_states=("Locked",)))
    assert old.electric is not None
    return replace(old, electric=replace(old.electric, charging=Charging(**values)))


def same_as_rest(sev: int | None = 0, **charge: Any) -> VehicleEvent:
    """An event that agrees with ``plugged_charging_status`` on all a fetch looks at."""
    return quiet(
        sev_state=sev,
        charging_state={
            "soc_batt": 48,
            "autonomy_zev": 190,
            "cable_detected": 0,
            "hmi_state": 1,
            **charge,
        },
    )


def test_an_event_that_agrees_with_rest_asks_for_no_fetch():
    outcome = apply_event(plugged_charging_status(), same_as_rest())
    assert not outcome.fetch


@pytest.mark.parametrize(
    ("charge", "fetch"),
    [
        ({"soc_batt": 49}, True),
        ({"soc_batt": 47}, True),
        ({"soc_batt": 48.6}, False),
        ({"autonomy_zev": 191}, True),
        ({"autonomy_zev": 190.4}, False),
        ({"soc_batt": None, "autonomy_zev": None}, False),
        ({"cable_detected": 1}, True),  # unplugged
        ({"hmi_state": 3}, True),  # finished
        ({"hmi_state": 0}, True),  # plugged, not in progress: maybe stopped
        ({"hmi_state": 4}, True),
        ({"hmi_state": None}, True),
        ({"hmi_state": 0, "cable_detected": None}, False),  # nothing said of the charge
        ({"rate": 50, "remaining_time": 20}, False),  # progress only
    ],
)
def test_fetch_while_charging(charge, fetch):
    assert apply_event(plugged_charging_status(), same_as_rest(**charge)).fetch is fetch


@pytest.mark.parametrize(
    ("charging", "charge", "fetch"),
    [
        ({"status": "Disconnected", "plugged": False}, {"hmi_state": 1}, True),  # plugged, started
        ({"status": "Stopped"}, {"hmi_state": 1}, True),  # started
        ({"status": "Stopped"}, {"hmi_state": 0}, False),
        ({"status": "Finished"}, {"hmi_state": 3}, False),
        ({"status": "Stopped"}, {"hmi_state": 3}, True),
        (
            {"status": "Disconnected", "plugged": False},
            {"cable_detected": 1, "hmi_state": 0},
            False,
        ),
        ({"status": "Disconnected", "plugged": None}, {"cable_detected": 1, "hmi_state": 0}, True),
        ({"status": "Stopped", "plugged": None}, {"hmi_state": 0}, True),  # plug now known
    ],
)
def test_fetch_when_the_charge_or_the_plug_changes(charging, charge, fetch):
    outcome = apply_event(plugged_charging_status(**charging), same_as_rest(**charge))
    assert outcome.fetch is fetch


def test_fetch_when_rest_has_no_level():
    old = plugged_charging_status()
    assert old.electric is not None
    old = replace(old, electric=replace(old.electric, level=None, autonomy=None))
    assert apply_event(old, same_as_rest()).fetch
    assert not apply_event(old, same_as_rest(soc_batt=None, autonomy_zev=None)).fetch


@pytest.mark.parametrize(
    ("rest", "sev", "fetch"),
    [
        ("Stop", 1, True),
        ("Stop", 2, True),
        ("Start", 0, True),
        ("StartUp", 1, False),
        ("Stop", 0, False),
        (None, 0, True),
        ("Stop", None, False),
    ],
)
def test_fetch_when_the_ignition_changes(rest, sev, fetch):
    old = replace(plugged_charging_status(), ignition=Ignition(updated_at=T0, type=rest))
    assert apply_event(old, same_as_rest(sev)).fetch is fetch


def test_doors_and_preconditioning_alone_ask_for_no_fetch():
    old = plugged_charging_status()
    new = quiet(doors_state={"doors_locking_state": 0}, precond_state={"status": 2})
    outcome = apply_event(old, new)
    assert outcome.changed
    assert not outcome.fetch


def fuel_status(when: datetime = T0) -> VehicleStatus:
    return replace(plugged_charging_status(), fuel=Energy(type="Fuel", updated_at=when, level=40.0))


@pytest.mark.parametrize(
    ("level", "fetch"), [(40, False), (40.5, False), (39, True), (None, False)]
)
def test_fetch_when_the_fuel_level_moves(level, fetch):
    outcome = apply_event(fuel_status(), same_as_rest(fuel_level=level))
    assert outcome.fetch is fetch
    fuel = written(outcome).fuel
    assert fuel is not None
    assert (fuel.level, fuel.updated_at) == (40.0, T0)  # read, never written


def test_a_fuel_level_older_than_the_fuel_block_asks_for_nothing():
    assert not apply_event(fuel_status(at(30)), same_as_rest(fuel_level=10)).fetch


def test_a_status_that_rest_parsed_takes_an_event():
    # The REST parser's own blocks, not hand-made ones.
    rest = parse_status(
        {
            "energies": [
                {
                    "type": "Electric",
                    "createdAt": "2026-03-02T08:00:00Z",
                    "level": 48,
                    "autonomy": 190,
                    "extension": {
                        "electric": {
                            "charging": {
                                "plugged": False,
                                "status": "Disconnected",
                                "remainingTime": "PT0S",
                                "chargingRate": 0,
                                "nextDelayedTime": "PT23H",
                            }
                        }
                    },
                }
            ],
            "ignition": {"createdAt": "2026-03-02T08:00:00Z", "type": "Stop"},
            "doorsState": {"createdAt": "2026-03-02T08:00:00Z", "lockedStates": ["Unlocked"]},
        }
    )
    outcome = apply_event(rest, event(sev_state=1))
    after = written(outcome)
    assert (outcome.changed, outcome.fetch) == (True, True)
    assert charging_of(after).status == "InProgress"
    assert after.doors is not None
    assert after.doors.locked is True
    assert after.ignition == Ignition(updated_at=at(10), type="Start")


# Fuzzing: odd payloads -------------------------------------------------------------------


def base_payloads() -> list[Any]:
    found = [snapshot()]
    if SAMPLES.is_dir():
        found += [
            json.loads((SAMPLES / name).read_text())
            for name in EVENT_SAMPLES
            if (SAMPLES / name).is_file()
        ]
    return found


BASES = base_payloads()


@st.composite
def mutated_payloads(draw: st.DrawFn) -> Any:
    return mutate(copy.deepcopy(draw(st.sampled_from(BASES))), draw)


def check_event(parsed: VehicleEvent | None) -> None:
    if parsed is None:
        return
    assert parsed.vin
    assert parsed.vin == parsed.vin.strip().upper()
    if parsed.at is not None:
        assert parsed.at.tzinfo is UTC
    if parsed.remaining_time is not None or parsed.rate is not None:
        assert parsed.charging is True
    if parsed.delayed_start is not None:
        assert timedelta(0) <= parsed.delayed_start < timedelta(days=1)
    for program in parsed.programs or ():
        assert 1 <= program.slot <= 4
        assert 0 <= program.hour <= 23
        assert 0 <= program.minute <= 59
        assert len(program.days) == 7
    for level in (parsed.soc, parsed.fuel_level):
        assert level is None or 0 <= level <= 100


@settings(max_examples=400, deadline=None)
@given(mutated_payloads())
def test_mutated_snapshots_never_raise(payload):
    parsed = parse_event(payload)
    check_event(parsed)
    if parsed is not None:
        for old in (None, car_status(), fuel_status(), VehicleStatus()):
            check_outcome(old, parsed, apply_event(old, parsed))


def check_outcome(old: VehicleStatus | None, new: VehicleEvent, outcome: EventOutcome) -> None:
    if outcome.status is old:
        assert not outcome.changed
        return
    assert old is not None
    assert outcome.status is not None
    assert new.at is not None
    for name in STATUS_BLOCKS:
        block = getattr(outcome.status, name)
        if name == "electric" and block is not getattr(old, name):
            assert block.updated_at == old.electric.updated_at  # REST's time stays
            assert block.charging.updated_at == new.at
            continue
        assert block is getattr(old, name) or block.updated_at == new.at
    assert outcome.status.fuel is old.fuel  # read, never written
    assert (outcome.status.electric is None) is (old.electric is None)
    if old.electric is not None and outcome.status.electric is not None:
        assert outcome.status.electric.level == old.electric.level


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_random_json_never_raises(value):
    check_event(parse_event(value))
    for key in ("charging_state", "precond_state", "doors_state", "date", "sev_state"):
        parsed = parse_event({"vin": VIN, "date": iso(at(10)), key: value})
        check_event(parsed)
        assert parsed is not None
        old = car_status()
        check_outcome(old, parsed, apply_event(old, parsed))
    check_event(parse_event({"vin": VIN, "precond_state": {"programs": value}}))


# The charging part's own time: the battery level keeps REST's ----------------------------


def test_an_older_event_after_a_newer_one_leaves_the_charging_part_alone():
    """The energy block keeps REST's time, so the charging part's own time is the guard."""
    newer = written(apply_event(car_status(), event(at(20), charging_state={"hmi_state": 3})))
    older = apply_event(newer, event(at(10)))
    assert older.status is newer
    assert not older.changed


def test_a_rest_block_older_than_the_event_keeps_the_events_charging():
    """REST newer than our level but older than the push: its level, the push's charging."""
    pushed = written(apply_event(car_status(), event(at(20), charging_state={"hmi_state": 3})))
    assert pushed.electric is not None
    rest = replace(
        pushed,
        electric=replace(pushed.electric, updated_at=at(15), level=60.0, charging=Charging()),
    )
    merged = merge_status(pushed, rest)
    assert merged.electric is not None
    assert merged.electric.level == 60.0
    assert merged.electric.charging == pushed.electric.charging
    newest_rest = replace(rest, electric=replace(rest.electric, updated_at=at(25)))  # type: ignore[arg-type]
    assert merge_status(pushed, newest_rest).electric == newest_rest.electric


def test_the_charge_end_counts_from_the_events_time():
    pushed = written(apply_event(car_status(), event(at(20))))
    end = charging_end_time(pushed.electric)
    assert end == at(20) + timedelta(minutes=125)
