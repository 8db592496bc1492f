"""The Energy dashboard in a real Home Assistant (issue #15): a simulated day of the demo BEV.

The simulator's clock moves through a day in steps while the car charges once in view; after
each step the car's "wake up" button makes the integration fetch the status at once (a poll
otherwise waits for the active interval, 30 s at least, which would make the day last minutes).
The energy sensor (unique id ``<VIN>_energy_charged``) must rise during the charge, by the level
gained times the battery's capacity; the Energy dashboard must accept it as a device's
consumption (``energy/validate``: no issue); and the recorder must hold its long-term
statistics (a sum, in kWh).

Statistics: Home Assistant compiles them ten seconds after each 5-minute boundary, and the
hourly ones from the last 5 minutes of each hour. The test-only integration `e2e_statistics`
(tests/e2e/e2e_statistics, installed in this test's configuration only) has the recorder run its
own compile tasks now, for the periods the test ran in, including the one in progress. The
current hour's hourly row is not made: it summarizes the hour's twelve 5-minute rows, and the
rest of the hour has not happened. So the test checks the statistic's metadata (a sum, kWh) and
its 5-minute rows: the last one's state and sum, and the energy of each period ("change", what
the dashboard's graphs read).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from itertools import pairwise
from pathlib import Path
import time
from typing import Any

import aiohttp
import pytest

from psa_simulator import BEV_VIN
from psa_simulator.demo import BEV_CAPACITY_WH, BEV_PERIOD, EPOCH, HOUR

from .harness import (
    STATISTICS_HELPER,
    HassProcess,
    HassWebsocket,
    Processes,
    SimulatorProcess,
    create_owner,
    get_json,
    start_hass,
    start_simulator,
    wait_for,
    wait_running,
)
from .test_real_hass import call_service, pair_remote_commands, run_config_flow, wait_state

pytestmark = pytest.mark.e2e

ENERGY_KEY = "energy_charged"
# The day starts at hour 7 of the BEV's 8-hour cycle: driving, an hour before it plugs in
# (psa_simulator/demo.py: charging 0-4 h, 20 -> 100 %; plugged and full 4-5 h; driving 5-8 h).
START_PHASE = 7 * HOUR
# Hours the clock moves at each step, and the phase reached: 0.5 h (charging, 30 %), 2 h
# (charging, 60 %), 4.5 h (full), 7.5 h (driving), 7 h the next day (driving). Five wake-ups:
# the library allows six per car in 20 minutes.
STEPS = [1.5, 1.5, 2.5, 3.0, 15.5]
CHARGE_STEPS = (2, 3)  # the steps (from 1) that end on a status after a charge in progress
DAY = 24 * HOUR


def level_of(status: dict[str, Any]) -> float:
    """The traction battery's level in a status the simulator serves."""
    return float(next(item["level"] for item in status["energies"] if item["type"] == "Electric"))


async def align_clock(simulator: SimulatorProcess) -> None:
    """Move the simulator's clock to ``START_PHASE`` of the BEV's cycle (only forward)."""
    now = (await simulator.control.time())["now"]
    phase = (now - EPOCH) % BEV_PERIOD
    await simulator.control.advance((START_PHASE - phase) % BEV_PERIOD)


async def registry_ids(ws: HassWebsocket, entry_id: str) -> dict[str, str]:
    """Unique id -> entity id, for the entry's entities."""
    registry = await ws.command("config/entity_registry/list")
    return {e["unique_id"]: e["entity_id"] for e in registry if e["config_entry_id"] == entry_id}


async def wait_entities(
    ws: HassWebsocket, hass: HassProcess, entry_id: str, keys: list[str]
) -> dict[str, str]:
    """The BEV's entity ids by key, once each of ``keys`` is registered."""
    found: dict[str, str] = {}

    async def registered() -> bool:
        found.update(await registry_ids(ws, entry_id))
        return all(f"{BEV_VIN}_{key}" in found for key in keys)

    await wait_for(f"the BEV's {keys}", registered, hass.process, seconds=60)
    return {key: found[f"{BEV_VIN}_{key}"] for key in keys}


async def energy_entity(ws: HassWebsocket, entry_id: str) -> str:
    """The BEV's energy sensor; the test fails (not skips) when the integration has none."""
    unique_id = f"{BEV_VIN}_{ENERGY_KEY}"
    # It comes with the first status that reports the capacity, as the battery level did.
    deadline = time.monotonic() + 15
    while unique_id not in (ids := await registry_ids(ws, entry_id)):
        if time.monotonic() > deadline:
            pytest.fail(
                f"no entity with unique id {unique_id}: the energy sensor of issue #15 is "
                f"missing (the BEV has {sorted(key for key in ids if key.startswith(BEV_VIN))})"
            )
        await asyncio.sleep(0.5)
    entity_id = ids[unique_id]
    assert entity_id.startswith("sensor."), entity_id
    return entity_id


class Reader:
    """The states of the BEV's sensors over REST."""

    def __init__(self, session: aiohttp.ClientSession, hass: HassProcess) -> None:
        self.session = session
        self.hass = hass

    async def state(self, entity_id: str) -> dict[str, Any]:
        state: dict[str, Any] = await get_json(
            self.session, f"{self.hass.url}/api/states/{entity_id}", headers=self.hass.headers
        )
        return state

    async def numbers(self, *entity_ids: str) -> tuple[float, ...]:
        """The sensors' values from one reading of every state (no update in between)."""
        states = await get_json(
            self.session, f"{self.hass.url}/api/states", headers=self.hass.headers
        )
        by_id = {state["entity_id"]: state["state"] for state in states}
        values = {entity_id: by_id.get(entity_id) for entity_id in entity_ids}
        try:
            return tuple(float(str(value)) for value in values.values())
        except ValueError:
            raise AssertionError(f"not numbers: {values}") from None

    def near(self, entity_id: str, expected: float) -> Callable[[], Awaitable[bool]]:
        """A check for `wait_for`: the sensor shows ``expected`` (a minute of charge apart)."""

        async def check() -> bool:
            state = (await self.state(entity_id))["state"]
            return state not in {"unknown", "unavailable"} and abs(float(state) - expected) <= 1

        return check


async def live_day(
    reader: Reader,
    hass: HassProcess,
    simulator: SimulatorProcess,
    entities: dict[str, str],
    energy_id: str,
) -> list[tuple[float, ...]]:
    """The day in ``STEPS``; (battery level, energy) as Home Assistant showed them at each."""
    level_id = entities["battery_level"]
    await wait_for(
        "the first status",
        reader.near(level_id, level_of(await simulator.control.status(BEV_VIN))),
        hass.process,
        seconds=30,
    )
    seen = [await reader.numbers(level_id, energy_id)]
    for hours in STEPS:
        await simulator.control.advance(hours * HOUR)
        expected = level_of(await simulator.control.status(BEV_VIN))
        # The service call returns once the car answered; the status fetch follows.
        await call_service(reader.session, hass, "button.press", entities["wake_up"])
        await wait_for(
            f"battery level {expected}", reader.near(level_id, expected), hass.process, seconds=30
        )
        seen.append(await reader.numbers(level_id, energy_id))
    return seen


def check_energy(seen: list[tuple[float, ...]]) -> float:
    """The sensor rose at each charge step, by the level gained times the capacity, and only
    then (a drive or a full battery adds nothing); the energy of the day."""
    capacity_kwh = BEV_CAPACITY_WH / 1000
    for step, ((level_before, before), (level_after, after)) in enumerate(pairwise(seen), start=1):
        if step in CHARGE_STEPS:
            assert after > before, f"step {step}: no energy counted during the charge: {seen}"
            gained = (level_after - level_before) * capacity_kwh / 100
            assert after - before == pytest.approx(gained, abs=0.05), f"step {step}: {seen}"
        else:
            assert after == before, f"step {step}: energy counted without a charge: {seen}"
    return seen[-1][1] - seen[0][1]


async def check_statistics(
    ws: HassWebsocket, entity_id: str, since: datetime, charged: float, final: float
) -> None:
    """The recorder's long-term statistics of the sensor: a sum in kWh, with 5-minute rows whose
    last state is the sensor's and whose sum grew by the day's energy."""
    compiled = await ws.command(
        "call_service", domain=STATISTICS_HELPER, service="compile", return_response=True
    )
    assert compiled["response"]["period_start"], compiled
    listed = await ws.command("recorder/list_statistic_ids", statistic_type="sum")
    meta = next((item for item in listed if item["statistic_id"] == entity_id), None)
    assert meta is not None, f"{entity_id} has no statistics: {listed}"
    assert meta["has_sum"] is True, meta
    assert meta["source"] == "recorder", meta
    assert meta["statistics_unit_of_measurement"] == "kWh", meta
    start = (since - timedelta(minutes=10)).isoformat()
    rows = (
        await ws.command(
            "recorder/statistics_during_period",
            start_time=start,
            statistic_ids=[entity_id],
            period="5minute",
            types=["change", "state", "sum"],
        )
    ).get(entity_id, [])
    assert rows, f"no 5-minute statistics for {entity_id} since {start}"
    assert rows[-1]["state"] == pytest.approx(final), rows
    assert rows[-1]["sum"] == pytest.approx(charged, abs=0.01), rows
    # What the dashboard's graphs read: the energy of each period.
    assert sum(row["change"] for row in rows) == pytest.approx(charged, abs=0.01), rows


async def check_dashboard(ws: HassWebsocket, entity_id: str) -> None:
    """The sensor as a device's consumption: the dashboard's validation finds nothing."""
    await ws.command("energy/save_prefs", device_consumption=[{"stat_consumption": entity_id}])
    prefs = await ws.command("energy/get_prefs")
    assert prefs["device_consumption"] == [{"stat_consumption": entity_id}], prefs
    validation = await ws.command("energy/validate")
    assert validation["energy_sources"] == [], validation
    assert validation["device_consumption"] == [[]], validation


async def test_energy_dashboard(
    processes: Processes, http: aiohttp.ClientSession, tmp_path: Path
) -> None:
    simulator = await start_simulator(processes, http, code_only=False, tls_dir=tmp_path / "tls")
    await align_clock(simulator)
    hass = await start_hass(processes, http, tmp_path / "config", simulator, energy=True)
    await create_owner(http, hass)
    await wait_running(http, hass)
    since = datetime.now().astimezone()
    entry = (await run_config_flow(http, hass, code_only=False))["result"]
    await pair_remote_commands(http, hass, simulator, entry["entry_id"])
    reader = Reader(http, hass)
    async with HassWebsocket(http, hass) as ws:
        entities = await wait_entities(ws, hass, entry["entry_id"], ["battery_level", "wake_up"])
        energy_id = await energy_entity(ws, entry["entry_id"])
        await wait_state(http, hass, entities["wake_up"], "available")  # on the broker
        state = await reader.state(energy_id)
        assert state["attributes"]["device_class"] == "energy", state
        assert state["attributes"]["state_class"] == "total_increasing", state
        assert state["attributes"]["unit_of_measurement"] == "kWh", state

        seen = await live_day(reader, hass, simulator, entities, energy_id)
        assert sum(STEPS) * HOUR == DAY
        charged = check_energy(seen)
        await check_statistics(ws, energy_id, since, charged, seen[-1][1])
        await check_dashboard(ws, energy_id)

    for process in (hass.process, simulator.process):
        assert process.running(), f"{process.name} died:\n{process.log_tail()}"
    assert not hass.process.log_problems(), "\n".join(hass.process.log_problems())
