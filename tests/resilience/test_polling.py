"""Request economy over simulated days, counted in the simulator's stats.

Targets at the default options: at most 300 API requests a day for a car parked all day,
and a charging car's state of charge fetched at least every two minutes. A car that stops
being busy relaxes to the parked interval by itself; the vehicle list, the maintenance
and the alerts are fetched far less often than the status; the options tune it all.
"""

from __future__ import annotations

from itertools import pairwise

from homeassistant.config_entries import ConfigEntry

from custom_components.psa_connected_car.const import (
    CONF_ACTIVE_INTERVAL,
    CONF_PARKED_INTERVAL,
    DEFAULT_ACTIVE_INTERVAL,
    DEFAULT_PARKED_INTERVAL,
    TICK_INTERVAL,
)
from custom_components.psa_connected_car.coordinator import PollPlanner
from psa_simulator.demo import BEV_VIN, THERMIC_VIN

from .conftest import MakeRig
from .rig import Rig

DAY_CYCLES = 24 * 3600 // TICK_INTERVAL
API = "GET /connectedcar/v4"
STATUS = f"{API}/user/vehicles/{{vehicle_id}}/status"


def api_requests(rig: Rig) -> dict[str, int]:
    return {
        route.removeprefix(f"{API}/user/vehicles"): count
        for route, count in rig.sim.state.stats.requests.items()
        if route.startswith(API)
    }


async def status_times(rig: Rig, cycles: int) -> list[float]:
    """Run ``cycles`` ticks; the simulated times at which the status was fetched."""
    fetched = []
    for _ in range(cycles):
        before = rig.sim.state.stats.requests[STATUS]
        await rig.cycle()
        if rig.sim.state.stats.requests[STATUS] > before:
            fetched.append(rig.sim.state.now())
    return fetched


async def parked_day(make_rig: MakeRig, options: dict[str, int] | None = None) -> dict[str, int]:
    """The demo's thermal car (parked; it uploads once a day, at 07:30) for a whole day."""
    rig = await make_rig(vins=(THERMIC_VIN,))
    entry = await rig.add_entry()
    if options:
        await set_options(rig, entry, options)
    rig.sim.state.reset_stats()
    await rig.cycle(DAY_CYCLES)
    assert not rig.unavailable()
    return api_requests(rig) | {"token": rig.token_requests()}


async def set_options(rig: Rig, entry: ConfigEntry, options: dict[str, int]) -> None:
    """Through the options dialog, as the user does: the entry reloads with them (updating the
    entry alone reloads nothing since the options flow does it, Home Assistant 2025.8+)."""
    flow = await rig.hass.config_entries.options.async_init(entry.entry_id)
    flow = await rig.hass.config_entries.options.async_configure(
        flow["flow_id"], {"next_step_id": "polling"}
    )
    result = await rig.hass.config_entries.options.async_configure(flow["flow_id"], options)
    assert result["type"] == "create_entry", result
    await rig.hass.async_block_till_done()


async def test_a_parked_car_costs_at_most_300_requests_a_day(make_rig: MakeRig) -> None:
    counts = parked_day_counts = await parked_day(make_rig)
    api = sum(count for route, count in counts.items() if route != "token")
    assert api + counts["token"] <= 300, parked_day_counts
    assert counts[STATUS.removeprefix(f"{API}/user/vehicles")] <= 24 * 3600 // 600 + 10


async def test_the_parked_interval_is_an_option(make_rig: MakeRig) -> None:
    counts = await parked_day(make_rig, {CONF_ACTIVE_INTERVAL: 60, CONF_PARKED_INTERVAL: 3600})
    assert counts["/{vehicle_id}/status"] <= 24 + 10  # hourly, plus the 07:30 upload's window


async def test_a_charging_car_is_fetched_every_minute_then_relaxes(make_rig: MakeRig) -> None:
    """The demo BEV charges for 4 h from START, then waits plugged in at 100 % for an hour."""
    rig = await make_rig(vins=(BEV_VIN,))
    await rig.add_entry()
    levels = [rig.state_of(BEV_VIN, "battery_level")]
    charging = []
    for _ in range(4 * 60 - 1):
        charging += await status_times(rig, 1)
        levels.append(rig.state_of(BEV_VIN, "battery_level"))
    gaps = [later - earlier for earlier, later in pairwise(charging)]
    assert max(gaps) <= 120
    assert len(set(levels)) > 50  # the state of charge on screen kept moving

    # Plugged in at 100 %: only the outside temperature still changes now and then.
    waiting = await status_times(rig, 60)
    gaps = [later - earlier for earlier, later in pairwise(waiting)]
    assert max(gaps) >= DEFAULT_PARKED_INTERVAL - TICK_INTERVAL  # relaxed by itself
    assert len(waiting) <= 30, [round(at - waiting[0]) for at in waiting]


async def test_slow_data_is_fetched_far_less_often_than_the_status(make_rig: MakeRig) -> None:
    rig = await make_rig(vins=(BEV_VIN,))
    await rig.add_entry()
    rig.sim.state.reset_stats()
    await rig.cycle(8 * 60)  # one whole demo cycle: charge, wait, drive
    counts = api_requests(rig)
    status = counts["/{vehicle_id}/status"]
    assert counts[""] <= status / 20  # the vehicle list: hourly
    assert counts["/{vehicle_id}/alerts"] <= status / 20  # hourly
    assert counts["/{vehicle_id}/maintenance"] <= status / 100  # every 6 hours


# The planner's outage probe, on a fake clock --------------------------------------------


def test_an_outage_is_probed_with_one_request_a_tick() -> None:
    plan = PollPlanner(DEFAULT_ACTIVE_INTERVAL, DEFAULT_PARKED_INTERVAL)
    vins = ("VR3SIMULATED00001", "VR3SIMULATED00002")
    sent = 0
    for now in range(0, 3600, 60):
        due = [vin for vin in vins if plan.status_due(vin, now)]
        assert due  # never a tick without a try
        for vin in due:
            plan.status_failed(vin, now)
        sent += len(due)
    assert sent <= 60 + 2 * 10  # one probe a tick, plus each car's own (backed-off) retries
    plan.status_done(vins[0], 3600, None, None)  # the servers answer again
    assert plan.status_due(vins[1], 3660)  # the other failing car goes at the next tick


def test_no_probe_while_rate_limited_or_while_a_car_answers() -> None:
    plan = PollPlanner(DEFAULT_ACTIVE_INTERVAL, DEFAULT_PARKED_INTERVAL)
    plan.status_failed("VR3SIMULATED00001", 0)
    plan.block(0, 600)
    assert not plan.status_due("VR3SIMULATED00001", 300)
    plan.status_done("VR3SIMULATED00002", 0, None, None)
    assert not plan.status_due("VR3SIMULATED00001", 30)  # backing off, not an outage
