"""The charge history: energy from level rises while charging, sessions, their events, storage."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
import json
from typing import Any

from hypothesis import given, settings, strategies as st
import pytest

from custom_components.psa_connected_car.api.history import (
    CHARGING_FINISHED,
    CHARGING_INTERRUPTED,
    CHARGING_STARTED,
    ChargeEvent,
    ChargeSession,
    EnergyMeter,
    meter_from_dict,
    meter_to_dict,
    observe,
)
from custom_components.psa_connected_car.api.models import (
    Charging,
    Energy,
    Ignition,
    Kinetic,
    VehicleStatus,
)

from .fuzzing import json_values, mutate

T0 = datetime(2026, 3, 14, 8, 0, tzinfo=UTC)
CAPACITY = 50_000.0  # Wh: 1 % is 0.5 kWh


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def status(
    level: float | None,
    minutes: float,
    charge: str | None = "InProgress",
    *,
    capacity: float | None = CAPACITY,
    autonomy: float | None = None,
    ignition: str = "Stop",
    speed: float = 0.0,
    charge_minutes: float | None = None,
) -> VehicleStatus:
    """A status whose energy block is dated ``minutes`` after T0 (its charging part too,
    unless ``charge_minutes`` dates it as a push event would)."""
    charging = None
    if charge is not None:
        charging = Charging(
            status=charge,
            updated_at=at(charge_minutes) if charge_minutes is not None else None,
        )
    return VehicleStatus(
        updated_at=at(minutes),
        electric=Energy(
            type="Electric",
            updated_at=at(minutes),
            level=level,
            autonomy=autonomy if autonomy is not None else (level * 4 if level else None),
            charging=charging,
            battery_capacity=capacity,
        ),
        ignition=Ignition(updated_at=at(minutes), type=ignition),
        kinetic=Kinetic(updated_at=at(minutes), speed=speed, moving=speed > 0),
    )


def run(
    statuses: Sequence[VehicleStatus | None], meter: EnergyMeter | None = None
) -> tuple[EnergyMeter, list[ChargeEvent]]:
    """Every status in turn; the meter after the last and all the events."""
    meter = meter or EnergyMeter()
    events: list[ChargeEvent] = []
    for item in statuses:
        meter, new = observe(meter, item)
        events.extend(new)
    return meter, events


def types(events: list[ChargeEvent]) -> list[str]:
    return [event.type for event in events]


# --- energy --------------------------------------------------------------------------------------


def test_a_charge_counts_the_rise_times_the_capacity() -> None:
    meter, events = run(
        [
            status(40, 0, "Disconnected"),
            status(40, 5, "InProgress"),
            status(50, 35, "InProgress"),
            status(60, 65, "InProgress"),
            status(61, 70, "Finished"),
        ]
    )
    assert meter.total == pytest.approx(10.5)
    assert types(events) == [CHARGING_STARTED, CHARGING_FINISHED]
    session = events[-1].session
    assert session == meter.last_session
    assert meter.session is None
    assert session.started_at == at(5)
    assert session.ended_at == at(70)
    assert (session.start_level, session.end_level) == (40, 61)
    assert (session.start_range, session.end_range) == (160, 244)
    assert session.energy == pytest.approx(10.5)
    assert session.end_status == "Finished"
    assert session.observed_start is True
    assert session.range_per_hour == pytest.approx(84 / (65 / 60))
    assert events[0].session.ended_at is None
    assert events[0].session.range_per_hour is None


def test_the_rise_into_a_charge_counts_in_the_total_only() -> None:
    """Between a parked and a charging status the level rose: a charge, but before the start."""
    meter, _ = run([status(40, 0, "Disconnected"), status(42, 10, "InProgress")])
    assert meter.total == pytest.approx(1.0)
    assert meter.session is not None
    assert meter.session.energy == 0
    assert meter.session.start_level == 42


def test_regeneration_while_driving_counts_nothing() -> None:
    meter, events = run(
        [
            status(60, 0, "Disconnected", ignition="Start", speed=40),
            status(58, 10, "Disconnected", ignition="Start", speed=60),
            status(59, 12, "Disconnected", ignition="Start", speed=30),  # downhill
            status(59, 20, "Disconnected"),
        ]
    )
    assert meter.total == 0
    assert meter.level == 59
    assert events == []


def test_a_rise_while_driving_after_a_charge_counts_nothing() -> None:
    """The older status was charging, the newer one drives: regeneration, not the charge."""
    meter, _ = run(
        [
            status(70, 0, "InProgress"),
            status(72, 30, "Disconnected", ignition="Start", speed=50),
        ]
    )
    assert meter.total == 0
    assert meter.level == 72


def test_a_rise_between_two_idle_statuses_counts_nothing() -> None:
    meter, _ = run([status(50, 0, "Disconnected"), status(55, 60, "Stopped")])
    assert meter.total == 0


def test_a_drop_moves_the_baseline_and_the_total_never_decreases() -> None:
    meter, _ = run(
        [
            status(50, 0),
            status(60, 30),
            status(30, 40),  # the car went for a drive in between
            status(35, 70),
        ]
    )
    assert meter.total == pytest.approx(7.5)
    assert meter.level == 35


def test_a_stale_snapshot_counts_and_moves_nothing() -> None:
    """An older energy block after a newer one: ignored, so its lower level is no baseline."""
    fresh = status(60, 30)
    meter, _ = run([status(50, 0), fresh])
    assert meter.total == pytest.approx(5)
    stale, events = observe(meter, status(40, 10, "Stopped"))
    assert stale is meter
    assert events == []
    after, _ = observe(stale, status(62, 40))
    assert after.total == pytest.approx(6)


def test_the_same_snapshot_again_counts_once() -> None:
    meter, _ = run([status(50, 0), status(60, 30), status(60, 30), status(60, 30)])
    assert meter.total == pytest.approx(5)


def test_the_charge_that_ends_counts_its_last_rise() -> None:
    """The older status was a charge in progress, the newer one is finished."""
    meter, events = run([status(78, 0), status(80, 10, "Finished")])
    assert meter.total == pytest.approx(1)
    assert events[-1].session.energy == pytest.approx(1)


def test_without_a_capacity_nothing_counts_and_the_last_one_stays() -> None:
    meter, _ = run([status(50, 0, capacity=None), status(55, 30, capacity=None)])
    assert meter.total == 0
    assert meter.capacity is None
    meter, _ = run([status(55, 40), status(60, 50, capacity=None)], meter)
    assert meter.capacity == CAPACITY
    assert meter.total == pytest.approx(2.5)
    meter, _ = run([status(62, 60, capacity=0)], meter)
    assert meter.capacity == CAPACITY


def test_the_capacity_of_a_repeated_snapshot_is_kept() -> None:
    meter, _ = run([status(50, 0, capacity=None), status(50, 0)])
    assert meter.capacity == CAPACITY


def test_a_status_without_a_level_keeps_the_baseline() -> None:
    meter, _ = run([status(50, 0), status(None, 10), status(54, 20)])
    assert meter.level == 54
    assert meter.total == pytest.approx(2)


@pytest.mark.parametrize("level", [float("nan"), float("inf"), -1.0, 101.0])
def test_odd_levels_are_not_levels(level: float) -> None:
    meter, _ = run([status(50, 0), status(level, 10, autonomy=100)])
    assert meter.level == 50
    assert meter.total == 0


def test_nothing_without_a_status_an_energy_block_or_a_time() -> None:
    meter = EnergyMeter()
    assert observe(meter, None) == (meter, [])
    assert observe(meter, VehicleStatus()) == (meter, [])
    undated = VehicleStatus(electric=Energy(type="Electric", level=50))
    assert observe(meter, undated) == (meter, [])


def test_a_block_without_its_own_time_takes_the_status_time() -> None:
    block = Energy(type="Electric", level=50, charging=Charging(status="InProgress"))
    meter, _ = observe(EnergyMeter(), VehicleStatus(updated_at=T0, electric=block))
    assert meter.level_at == T0


def test_naive_times_are_taken_as_utc() -> None:
    naive = T0.replace(tzinfo=None)
    block = Energy(type="Electric", updated_at=naive, level=50, battery_capacity=CAPACITY)
    meter, _ = observe(EnergyMeter(), VehicleStatus(electric=block))
    assert meter.level_at == T0
    later = replace(block, updated_at=naive + timedelta(minutes=5), level=55)
    charging = Charging(status="InProgress", updated_at=naive + timedelta(minutes=5))
    meter, events = observe(meter, VehicleStatus(electric=replace(later, charging=charging)))
    assert meter.total == pytest.approx(2.5)
    assert events[0].session.started_at == at(5)


# --- sessions ----------------------------------------------------------------------------------


def test_a_charge_running_at_the_first_status_is_not_a_start() -> None:
    _, events = run([status(50, 0), status(60, 30), status(60, 40, "Finished")])
    assert types(events) == [CHARGING_FINISHED]
    session = events[0].session
    assert session.observed_start is False
    assert session.energy == pytest.approx(5)


@pytest.mark.parametrize("end", ["Stopped", "Failure", "Disconnected"])
def test_any_other_end_is_an_interruption(end: str) -> None:
    _, events = run([status(50, 0, "Disconnected"), status(50, 5), status(55, 30, end)])
    assert types(events) == [CHARGING_STARTED, CHARGING_INTERRUPTED]
    assert events[-1].session.end_status == end


def test_a_status_without_charging_state_changes_no_session() -> None:
    meter, events = run([status(50, 0), status(55, 10, None)])
    assert meter.session is not None
    assert events == []
    meter, events = run([status(55, 20, "Finished")], meter)
    assert types(events) == [CHARGING_FINISHED]


def test_each_event_once_per_change() -> None:
    statuses = [
        status(50, 0, "Disconnected"),
        status(50, 5),
        status(50, 5),
        status(55, 30),
        status(55, 40, "Finished"),
        status(55, 40, "Finished"),
        status(55, 50, "Finished"),
        status(55, 60),
        status(56, 70, "Stopped"),
    ]
    meter, events = run(statuses)
    assert types(events) == [
        CHARGING_STARTED,
        CHARGING_FINISHED,
        CHARGING_STARTED,
        CHARGING_INTERRUPTED,
    ]
    assert meter.last_session is not None
    assert meter.last_session.started_at == at(60)
    assert meter.last_session.energy == pytest.approx(0.5)


def test_push_events_date_the_charging_part() -> None:
    """A push event writes the charging state with its own time, the level keeps REST's."""
    meter, events = run(
        [
            status(40, 0, "Disconnected"),
            status(40, 0, "InProgress", charge_minutes=2),  # the plug-in event
            status(48, 30),
            status(48, 30, "Finished", charge_minutes=45),  # the end event, level of 08:30
        ]
    )
    assert types(events) == [CHARGING_STARTED, CHARGING_FINISHED]
    assert events[0].session.started_at == at(2)
    ended = events[1].session
    assert ended.ended_at == at(45)
    assert ended.end_level == 48
    assert ended.energy == pytest.approx(4)
    # The status fetched after the event brings the last level: the tail of that charge.
    meter, events = observe(meter, status(50, 46, "Finished", autonomy=210))
    assert events == []
    assert meter.total == pytest.approx(5)
    assert meter.last_session is not None
    assert meter.last_session.energy == pytest.approx(5)
    assert (meter.last_session.end_level, meter.last_session.end_range) == (50, 210)
    # Later rises, not charging, belong to no session.
    meter, _ = observe(meter, status(52, 60, "Finished", autonomy=-1))
    assert meter.last_session is not None
    assert meter.last_session.energy == pytest.approx(5)


def test_the_tail_keeps_the_end_range_when_the_status_has_none() -> None:
    meter, _ = run([status(40, 0), status(40, 0, "Finished", charge_minutes=5)])
    meter, _ = observe(meter, status(42, 6, "Finished", autonomy=-1))
    assert meter.last_session is not None
    assert meter.last_session.end_range == 160
    assert meter.last_session.energy == pytest.approx(1)


def test_an_older_charging_state_changes_no_session() -> None:
    meter, _ = run([status(40, 0, "Disconnected"), status(40, 0, charge_minutes=10)])
    assert meter.session is not None
    ended, events = observe(meter, status(40, 0, "Stopped", charge_minutes=5))
    assert (ended, events) == (meter, [])
    meter, _ = observe(meter, status(40, 0, "Stopped", charge_minutes=20))
    again, events = observe(meter, status(40, 0, "InProgress", charge_minutes=15))
    assert (again, events) == (meter, [])


def test_a_rise_with_no_session_and_no_last_session_goes_to_the_total() -> None:
    """A stored meter whose session was unreadable: the total still counts."""
    meter = EnergyMeter(level=40, level_at=T0, charging=True, capacity=CAPACITY)
    meter, events = observe(meter, status(44, 10, "Stopped"))
    assert meter.total == pytest.approx(2)
    assert meter.last_session is None
    assert events == []


def test_range_per_hour_needs_both_ranges_and_a_duration() -> None:
    session = ChargeSession(started_at=T0, start_range=100, end_range=160, ended_at=at(30))
    assert session.range_per_hour == pytest.approx(120)
    assert replace(session, start_range=None).range_per_hour is None
    assert replace(session, end_range=None).range_per_hour is None
    assert replace(session, ended_at=T0).range_per_hour is None


# --- a restart: the stored meter goes on ------------------------------------------------------


def test_a_stored_meter_continues_mid_charge() -> None:
    meter, events = run([status(40, 0, "Disconnected"), status(40, 5), status(50, 35)])
    assert types(events) == [CHARGING_STARTED]
    stored = json.loads(json.dumps(meter_to_dict(meter)))
    restored = meter_from_dict(stored)
    assert restored == meter
    # The first status after the restart: the rise since the stored level, once.
    meter, events = run([status(55, 50), status(55, 50), status(56, 60, "Finished")], restored)
    assert types(events) == [CHARGING_FINISHED]
    assert meter.total == pytest.approx(8)
    assert events[0].session.energy == pytest.approx(8)
    assert events[0].session.started_at == at(5)


def test_round_trip_of_a_full_meter() -> None:
    session = ChargeSession(
        started_at=T0,
        start_level=20,
        start_range=80,
        ended_at=at(60),
        end_level=80,
        end_range=320,
        energy=30.25,
        end_status="Finished",
        observed_start=False,
    )
    meter = EnergyMeter(
        total=123.4,
        level=80,
        level_at=at(60),
        charging=False,
        capacity=CAPACITY,
        session=replace(session, ended_at=None, end_status=None),
        last_session=session,
    )
    assert meter_from_dict(json.loads(json.dumps(meter_to_dict(meter)))) == meter
    assert meter_from_dict(meter_to_dict(EnergyMeter())) == EnergyMeter()


@pytest.mark.parametrize(
    "junk",
    [
        None,
        [],
        "meter",
        {"total": "12"},
        {"total": -3},
        {"total": True},
        {"total": 10**400},
        {"total": float("nan")},
        {"level_at": "yesterday"},
        {"level_at": 12},
        {"charging": "yes"},
        {"session": {"started_at": None}},
        {"session": []},
        {"session": {"started_at": T0.isoformat(), "energy": -1, "observed_start": 1}},
    ],
)
def test_junk_gives_fresh_values(junk: Any) -> None:
    meter = meter_from_dict(junk)
    assert meter.total == 0
    assert meter.level_at is None
    assert meter.charging is False
    if isinstance(junk, dict) and isinstance(junk.get("session"), dict) and meter.session:
        assert meter.session.energy == 0
        assert meter.session.observed_start is True


def test_a_naive_stored_time_is_utc() -> None:
    meter = meter_from_dict({"level_at": "2026-03-14T08:00:00", "total": 2})
    assert meter.level_at == T0
    assert meter.total == 2


# --- fuzzing -----------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_random_json_never_raises(payload: Any) -> None:
    meter = meter_from_dict(payload)
    meter_from_dict({"session": payload, "last_session": payload, "level_at": payload})
    json.dumps(meter_to_dict(meter))


FULL = meter_to_dict(
    EnergyMeter(
        total=5.0,
        level=60,
        level_at=T0,
        charging=True,
        capacity=CAPACITY,
        session=ChargeSession(started_at=T0, start_level=50, start_range=200, energy=5.0),
        last_session=ChargeSession(
            started_at=at(-600),
            ended_at=at(-500),
            start_level=20,
            end_level=50,
            energy=15.0,
            end_status="Finished",
        ),
    )
)


@st.composite
def mutated_meters(draw: st.DrawFn) -> Any:
    return mutate(FULL, draw)


@settings(max_examples=300, deadline=None)
@given(mutated_meters())
def test_mutated_stores_never_raise_and_the_meter_still_observes(payload: Any) -> None:
    meter = meter_from_dict(payload)
    assert meter.total >= 0
    meter, _ = observe(meter, status(70, 30))
    observe(meter, status(71, 40, "Finished"))


charge_states = st.sampled_from(["InProgress", "Finished", "Stopped", "Disconnected", None])
steps = st.tuples(
    st.one_of(st.none(), st.floats(min_value=0, max_value=100)),  # level
    st.integers(min_value=-5, max_value=30),  # minutes after the previous status (stale too)
    charge_states,
    st.booleans(),  # driving
)


@settings(max_examples=300, deadline=None)
@given(st.lists(steps, max_size=25))
def test_random_histories_keep_the_invariants(history: list[Any]) -> None:
    """The total never decreases; starts and ends alternate; each end is a session's end."""
    meter = EnergyMeter()
    minutes = 0
    open_session = False
    for level, gap, charge, moving in history:
        minutes += gap
        before = meter.total
        item = status(
            level, minutes, charge, ignition="Start" if moving else "Stop", speed=30 * moving
        )
        meter, events = observe(meter, item)
        assert meter.total >= before
        for event in events:
            if event.type == CHARGING_STARTED:
                assert not open_session
                open_session = True
            else:
                open_session = False
                assert event.session.ended_at is not None
                assert event.session == meter.last_session
        assert (meter.session is not None) or not open_session
        assert meter_from_dict(json.loads(json.dumps(meter_to_dict(meter)))) == meter
