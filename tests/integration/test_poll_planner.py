"""The poll planner on a fake clock: what is due when, and what a day costs (no Home Assistant)."""

from __future__ import annotations

from dataclasses import replace
from itertools import pairwise

from custom_components.psa_connected_car.api.models import VehicleStatus
from custom_components.psa_connected_car.const import (
    ALERTS_INTERVAL,
    AUX_BATTERY_LOW,
    DEFAULT_ACTIVE_INTERVAL,
    DEFAULT_PARKED_INTERVAL,
    DEFAULT_RATE_LIMIT_WAIT,
    MAINTENANCE_INTERVAL,
    PUSH_CHARGING_INTERVAL,
    PUSH_PARKED_INTERVAL,
    TICK_INTERVAL,
    VEHICLES_INTERVAL,
)
from custom_components.psa_connected_car.polling import PollPlanner, WakePlanner

from .common import (
    VIN_1,
    VIN_2,
    make_status,
)

DAY = 24 * 3600


def planner() -> PollPlanner:
    return PollPlanner(DEFAULT_ACTIVE_INTERVAL, DEFAULT_PARKED_INTERVAL)


def test_new_vehicle_is_due_at_once() -> None:
    plan = planner()
    assert plan.status_due(VIN_1, 0)
    assert plan.maintenance_due(VIN_1, 0)
    assert plan.alerts_due(VIN_1, 0)
    assert plan.vehicles_due(0)


def test_parked_car_waits_the_parked_interval() -> None:
    plan = planner()
    status = make_status()
    plan.status_done(VIN_1, 0, None, status)
    assert not plan.is_vehicle_active(VIN_1)
    assert not plan.status_due(VIN_1, DEFAULT_PARKED_INTERVAL - TICK_INTERVAL)
    # A tick that comes a few seconds early still counts.
    assert plan.status_due(VIN_1, DEFAULT_PARKED_INTERVAL - 2)


def test_charging_car_uses_the_active_interval() -> None:
    plan = planner()
    plan.status_done(VIN_1, 0, None, make_status(charging="InProgress"))
    assert plan.is_vehicle_active(VIN_1)
    assert not plan.status_due(VIN_1, DEFAULT_ACTIVE_INTERVAL - 10)
    assert plan.status_due(VIN_1, DEFAULT_ACTIVE_INTERVAL)


def test_a_change_keeps_the_car_active_for_ten_minutes() -> None:
    plan = planner()
    first = make_status(level=50)
    plan.status_done(VIN_1, 0, None, first)  # the first status is no change
    assert not plan.is_vehicle_active(VIN_1)
    changed = make_status(level=51)
    plan.status_done(VIN_1, 600, first, changed)
    assert plan.is_vehicle_active(VIN_1)
    plan.status_done(VIN_1, 1140, changed, changed)  # 9 min after the change
    assert plan.is_vehicle_active(VIN_1)
    plan.status_done(VIN_1, 1200, changed, changed)  # 10 min after: parked again
    assert not plan.is_vehicle_active(VIN_1)


def test_only_the_raw_payload_changing_is_no_change() -> None:
    plan = planner()
    status = make_status()
    plan.status_done(VIN_1, 0, None, status)
    plan.status_done(VIN_1, 600, status, replace(status, raw={"other": 1}))
    assert not plan.is_vehicle_active(VIN_1)


def test_failures_back_off_up_to_the_parked_interval() -> None:
    plan = planner()
    plan.status_done(VIN_2, 0, None, make_status())  # another car answers: not an outage
    waits = []
    now = 0.0
    for _ in range(6):
        plan.status_failed(VIN_1, now)
        assert plan.failing(VIN_1)
        next_due = next(t for t in range(int(now), int(now) + 10_000) if plan.status_due(VIN_1, t))
        waits.append(next_due + 5 - now)  # undo the tick tolerance
        now = next_due + 5
    assert waits == [60, 120, 240, 480, 600, 600]
    plan.status_done(VIN_1, now, None, make_status())
    assert not plan.failing(VIN_1)


def test_rate_limit_blocks_every_request() -> None:
    plan = planner()
    assert plan.block(100, 120) == 120
    assert plan.blocked(219)
    assert not plan.status_due(VIN_1, 219)
    assert not plan.vehicles_due(219)
    assert not plan.any_due(VIN_1, 219)
    assert plan.status_due(VIN_1, 220)
    # Unknown Retry-After: the default wait; a shorter later block never shortens it.
    assert plan.block(300, None) == DEFAULT_RATE_LIMIT_WAIT
    assert plan.block(301, 1) == DEFAULT_RATE_LIMIT_WAIT - 1


def test_slow_cadences() -> None:
    plan = planner()
    plan.maintenance_done(VIN_1, 0)
    plan.alerts_done(VIN_1, 0)
    plan.vehicles_done(0, ok=True)
    assert not plan.maintenance_due(VIN_1, MAINTENANCE_INTERVAL - 60)
    assert plan.maintenance_due(VIN_1, MAINTENANCE_INTERVAL)
    assert plan.alerts_due(VIN_1, ALERTS_INTERVAL)
    assert plan.vehicles_due(VEHICLES_INTERVAL)
    plan.vehicles_done(0, ok=False)  # a failed list is retried sooner
    assert plan.vehicles_due(900)


def test_shorter_intervals_apply_at_once() -> None:
    plan = planner()
    plan.status_done(VIN_1, 0, None, make_status())
    plan.status_failed(VIN_2, 0)
    plan.set_intervals(100, 30, 120)
    assert plan.status_due(VIN_1, 220)
    assert plan.active_interval == 30
    assert plan.parked_interval == 120


def test_forget_drops_a_vehicle() -> None:
    plan = planner()
    plan.status_failed(VIN_1, 0)
    plan.forget(VIN_1)
    assert not plan.failing(VIN_1)
    assert plan.status_due(VIN_1, 0)


def test_diagnostics_view() -> None:
    plan = planner()
    plan.status_done(VIN_1, 0, None, make_status(charging="InProgress"))
    plan.vehicles_done(0, ok=True)
    view = plan.as_dict(10)
    assert view["blocked_for"] == 0
    assert view["vehicle_list_in"] == VEHICLES_INTERVAL - 10
    assert view["vehicles"] == [
        {
            "active": True,
            "failures": 0,
            "status_in": 50,
            "maintenance_in": -10,
            "alerts_in": -10,
        }
    ]


def _requests_per_day(plan: PollPlanner, status_for: dict[str, VehicleStatus]) -> dict[str, int]:
    """Run the coordinator's tick loop for a day, counting what it would request."""
    counts = {"vehicles": 0, "status": 0, "maintenance": 0, "alerts": 0}
    previous: dict[str, VehicleStatus | None] = dict.fromkeys(status_for)
    for now in range(0, DAY, TICK_INTERVAL):
        if plan.vehicles_due(now):
            counts["vehicles"] += 1
            plan.vehicles_done(now, ok=True)
        for vin, status in status_for.items():
            if plan.status_due(vin, now):
                counts["status"] += 1
                plan.status_done(vin, now, previous[vin], status)
                previous[vin] = status
            if plan.maintenance_due(vin, now):
                counts["maintenance"] += 1
                plan.maintenance_done(vin, now)
            if plan.alerts_due(vin, now):
                counts["alerts"] += 1
                plan.alerts_done(vin, now)
    return counts


def test_a_parked_car_costs_at_most_300_requests_a_day() -> None:
    counts = _requests_per_day(planner(), {VIN_1: make_status()})
    assert counts == {"vehicles": 24, "status": 144, "maintenance": 4, "alerts": 24}
    assert sum(counts.values()) <= 300


def test_a_charging_car_is_refreshed_at_least_every_two_minutes() -> None:
    plan = planner()
    charging = make_status(charging="InProgress")
    fetched = []
    previous = None
    for now in range(0, 3600, TICK_INTERVAL):
        if plan.status_due(VIN_1, now):
            fetched.append(now)
            plan.status_done(VIN_1, now, previous, charging)
            previous = charging
    gaps = {later - earlier for earlier, later in pairwise(fetched)}
    assert max(gaps) <= 120


# Push events alive: the caller says so, the planner relaxes the parked cadence only.
def test_push_relaxes_the_parked_interval_only() -> None:
    plan = planner()
    plan.set_push(0, True)
    plan.status_done(VIN_1, 0, None, make_status())
    plan.status_done(VIN_2, 0, None, make_status(moving=True, ignition="Start"))
    assert plan.effective_parked_interval == PUSH_PARKED_INTERVAL
    assert not plan.status_due(VIN_1, PUSH_PARKED_INTERVAL - TICK_INTERVAL)
    assert plan.status_due(VIN_1, PUSH_PARKED_INTERVAL)
    # A driven car keeps its cadence.
    assert plan.status_due(VIN_2, DEFAULT_ACTIVE_INTERVAL)


def test_push_relaxes_a_charging_car_to_five_minutes_but_not_a_driven_one() -> None:
    plan = planner()
    plan.set_push(0, True)
    plan.status_done(VIN_1, 0, None, make_status(charging="InProgress"))
    plan.status_done(
        VIN_2, 0, None, make_status(charging="InProgress", moving=True, ignition="Start")
    )  # a plug-in hybrid charging while driven: its mileage and position move
    assert not plan.status_due(VIN_1, PUSH_CHARGING_INTERVAL - TICK_INTERVAL)
    assert plan.status_due(VIN_1, PUSH_CHARGING_INTERVAL)
    assert plan.status_due(VIN_2, DEFAULT_ACTIVE_INTERVAL)
    plan.set_push(PUSH_CHARGING_INTERVAL, False)  # push down: the active cadence is back
    plan.status_done(VIN_1, PUSH_CHARGING_INTERVAL, None, make_status(charging="InProgress"))
    assert plan.status_due(VIN_1, PUSH_CHARGING_INTERVAL + DEFAULT_ACTIVE_INTERVAL)


def test_push_never_shortens_a_longer_parked_interval() -> None:
    plan = PollPlanner(DEFAULT_ACTIVE_INTERVAL, 2 * PUSH_PARKED_INTERVAL)
    plan.set_push(0, True)
    assert plan.effective_parked_interval == 2 * PUSH_PARKED_INTERVAL


def test_push_going_down_brings_the_parked_interval_back_at_once() -> None:
    plan = planner()
    plan.set_push(0, True)
    plan.status_done(VIN_1, 0, None, make_status())
    plan.set_push(100, False)
    assert plan.effective_parked_interval == DEFAULT_PARKED_INTERVAL
    assert not plan.status_due(VIN_1, 100 + DEFAULT_PARKED_INTERVAL - TICK_INTERVAL)
    assert plan.status_due(VIN_1, 100 + DEFAULT_PARKED_INTERVAL)


def test_push_coming_up_keeps_the_poll_already_planned() -> None:
    plan = planner()
    plan.status_done(VIN_1, 0, None, make_status())
    plan.set_push(100, True)
    assert plan.status_due(VIN_1, DEFAULT_PARKED_INTERVAL)
    plan.status_done(VIN_1, DEFAULT_PARKED_INTERVAL, make_status(), make_status())
    assert not plan.status_due(VIN_1, 2 * DEFAULT_PARKED_INTERVAL)


def test_a_failing_car_keeps_backing_off_when_push_goes_down() -> None:
    plan = planner()
    plan.set_push(0, True)
    plan.status_done(VIN_2, 0, None, make_status())
    for now in (0, 60, 180):
        plan.status_failed(VIN_1, now)
    plan.set_push(200, False)
    assert not plan.status_due(VIN_1, 200)


def test_an_event_showing_the_car_active_brings_the_active_cadence() -> None:
    plan = planner()
    plan.set_push(0, True)
    plan.status_done(VIN_1, 0, None, make_status())
    plan.event_seen(VIN_1, 100, make_status())  # doors, say: still parked
    assert not plan.is_vehicle_active(VIN_1)
    assert not plan.status_due(VIN_1, 100 + DEFAULT_ACTIVE_INTERVAL)
    plan.event_seen(VIN_1, 200, make_status(charging="InProgress"))
    assert plan.is_vehicle_active(VIN_1)
    assert plan.status_due(VIN_1, 200 + DEFAULT_ACTIVE_INTERVAL)
    # Never pushed back by a later event.
    plan.event_seen(VIN_1, 230, make_status(charging="InProgress"))
    assert plan.status_due(VIN_1, 200 + DEFAULT_ACTIVE_INTERVAL)


def test_push_in_the_diagnostics_view() -> None:
    plan = planner()
    assert plan.as_dict(0)["push_alive"] is False
    plan.set_push(0, True)
    view = plan.as_dict(0)
    assert view["push_alive"] is True
    assert view["effective_parked_interval"] == PUSH_PARKED_INTERVAL


def _requests_per_day_with_push(status: VehicleStatus) -> dict[str, int]:
    plan = planner()
    plan.set_push(0, True)
    return _requests_per_day(plan, {VIN_1: status})


def test_a_parked_car_with_push_costs_under_100_requests_a_day() -> None:
    counts = _requests_per_day_with_push(make_status())
    assert counts == {"vehicles": 24, "status": 24, "maintenance": 4, "alerts": 24}
    assert sum(counts.values()) < 100


def test_a_charging_car_with_push_costs_under_400_requests_a_day() -> None:
    """Its events tell each charge step (and ask for a fetch): the poll waits 5 minutes."""
    counts = _requests_per_day_with_push(make_status(charging="InProgress"))
    assert counts["status"] == DAY // PUSH_CHARGING_INTERVAL
    assert sum(counts.values()) < 400


def test_a_charging_car_without_push_keeps_the_active_cadence() -> None:
    counts = _requests_per_day(planner(), {VIN_1: make_status(charging="InProgress")})
    assert counts["status"] == DAY // DEFAULT_ACTIVE_INTERVAL


# The charge wake-up option: budget and refusals.
WAKE = 15 * 60.0


def _refusal(plan: WakePlanner, now: float, **known: float | None) -> str | None:
    values: dict[str, float | None] = {"data_age": WAKE, "aux_level": None, "unreachable_at": None}
    values.update(known)
    return plan.refusal(
        VIN_1,
        now,
        data_age=values["data_age"],
        aux_level=values["aux_level"],
        unreachable_at=values["unreachable_at"],
    )


def test_wake_only_when_the_data_is_old() -> None:
    plan = WakePlanner(WAKE)
    assert _refusal(plan, 0, data_age=WAKE - 1) == "fresh"
    assert _refusal(plan, 0, data_age=WAKE) is None
    assert _refusal(plan, 0, data_age=None) is None  # never sent a level: worth a wake-up


def test_wake_at_most_once_an_interval() -> None:
    plan = WakePlanner(WAKE)
    plan.woken(VIN_1, 0)
    assert _refusal(plan, WAKE - 1) == "interval"
    assert _refusal(plan, WAKE) is None
    assert plan.refusal(VIN_2, 1, data_age=WAKE, aux_level=None, unreachable_at=None) is None


def test_wake_within_the_budget() -> None:
    plan = WakePlanner(60.0)  # an interval short enough for the budget to matter
    for now in range(0, 6 * 60, 60):
        assert _refusal(plan, now) is None
        plan.woken(VIN_1, now)
    assert _refusal(plan, 6 * 60) == "budget"
    # The oldest wake-up leaves the 20-minute window.
    assert _refusal(plan, 20 * 60) is None


def test_no_wake_with_a_low_12v_battery_or_right_after_901_or_300() -> None:
    plan = WakePlanner(WAKE)
    assert _refusal(plan, 0, aux_level=AUX_BATTERY_LOW - 1) == "aux_battery_low"
    assert _refusal(plan, 0, aux_level=AUX_BATTERY_LOW) is None
    assert _refusal(plan, 100, unreachable_at=50) == "unreachable"
    assert _refusal(plan, 50 + WAKE, unreachable_at=50) is None
