"""The benchmark: figures printed as tables, never asserted (run it with scripts/benchmark).

Every figure comes from the real integration in a real Home Assistant (the test harness,
in this process) talking HTTP to the simulator in another process on 127.0.0.1. Request
counts are the simulator's own stats unless a row says "client side".
"""

from __future__ import annotations

import argparse
import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
import logging
import platform
import resource
import statistics
import sys
import time
import tracemalloc
from typing import Any

from homeassistant.const import __version__ as HA_VERSION

from custom_components.psa_connected_car.api.auth import REFRESH_MARGIN
from custom_components.psa_connected_car.coordinator import PSADataUpdateCoordinator
from psa_simulator import (
    BEV_VIN,
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    DEMO_PASSWORD,
    DEMO_USERNAME,
    PHEV_VIN,
    THERMIC_VIN,
)
from psa_simulator.testing import SimulatorControl

from . import commands, push
from .home import (
    Account,
    Clock,
    add_entry,
    coordinator_of,
    count_by_vehicle,
    entity_ids,
    home_assistant,
    tick,
)
from .report import GOALS, Table, goal, ms, ratio, timed, verdict
from .scenario import FLEET, fleet
from .simulator import api_requests, run_simulator, token_requests

DEMO = Account("peugeot", "FR", DEMO_USERNAME, DEMO_PASSWORD, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET)
DAY = 24 * 60  # cycles of one minute
LIFETIME = 3599  # the simulator's access-token lifetime, seconds
CARS = {
    THERMIC_VIN: "parked (thermal)",
    BEV_VIN: "charging/driving (BEV)",
    PHEV_VIN: "driving/charging (PHEV)",
}


# Update cycles -----------------------------------------------------------------------------


async def round_trip(coordinator: PSADataUpdateCoordinator, repeat: int) -> float:
    """One status request through the client (HTTP and parsing), median of ``repeat``."""
    vehicle_id = next(iter(coordinator.data.values())).vehicle.id
    times = [await timed(lambda: coordinator.client.get_status(vehicle_id)) for _ in range(repeat)]
    return statistics.median(times)


async def cycles(
    sim: SimulatorControl, clock: Clock, coordinator: PSADataUpdateCoordinator, repeat: int
) -> tuple[float, float, float]:
    """``repeat`` cycles where every car is due; (median wall s, CPU s, requests per cycle)."""
    walls, cpu, requests = [], 0.0, 0
    for _ in range(repeat):
        await tick(sim, clock)
        before = api_requests(await sim.stats())
        started_cpu = time.process_time()
        walls.append(await timed(coordinator.async_refresh))
        cpu += time.process_time() - started_cpu
        requests += api_requests(await sim.stats()) - before
        assert coordinator.last_update_success
    return statistics.median(walls), cpu, requests / repeat


async def fleet_figures(counts: tuple[int, ...], quick: bool) -> tuple[Table, Table, Table]:
    cycle = Table(
        "Update cycle, every car due (all charging)",
        ["cars", "latency", "one status round trip", "cycle wall time", "ratio", "requests/cycle"],
    )
    setup = Table(
        "Entry setup until every entity has a state", ["cars", "latency", "time", "entities"]
    )
    cpu = Table(
        "CPU time per vehicle update (this process: Home Assistant + integration)",
        ["cars", "CPU per vehicle update"],
    )
    for count in counts:
        async with run_simulator(fleet(count)) as sim:
            for latency in (0, 200):
                await sim.set_faults(latency_ms=latency)
                clock = Clock()
                async with home_assistant(sim, clock) as hass:
                    entry, seconds = await add_entry(hass, sim, FLEET, clock)
                    if count <= 10 or latency == 0:
                        setup.add(
                            count, f"{latency} ms", f"{seconds:.2f} s", len(entity_ids(hass, entry))
                        )
                    coordinator = coordinator_of(entry)
                    repeat = 3 if quick else (5 if latency else 10)
                    trip = await round_trip(coordinator, repeat * 2)
                    wall, spent, requests = await cycles(sim, clock, coordinator, repeat)
                    cycle.add(
                        count,
                        f"{latency} ms",
                        ms(trip),
                        ms(wall),
                        ratio(wall, trip),
                        f"{requests:.0f}",
                    )
                    if latency == 0:
                        cpu.add(count, ms(spent / (repeat * count)))
                    if count == 10 and latency == 200:
                        within = wall <= 1.5 * trip
                        goal(
                            "10-car cycle at 200 ms within 1.5x one round trip",
                            ratio(wall, trip),
                            within,
                        )
    cycle.notes.append(
        "Goal: the 10-car cycle at 200 ms within 1.5x one round trip (the cars are fetched "
        "at once)."
    )
    setup.notes.append(
        "From `async_setup` of the entry to every enabled entity having a state: first vehicle "
        "list, one status, maintenance and alerts per car, four platforms. The integration's "
        "code was already imported (a warm start)."
    )
    return cycle, setup, cpu


async def memory_figures(count: int) -> Table:
    table = Table("Memory", ["what", "value"])
    async with run_simulator(fleet(count)) as sim:
        clock = Clock()
        tracemalloc.start()
        async with home_assistant(sim, clock) as hass:
            baseline = tracemalloc.get_traced_memory()[0]
            tracemalloc.reset_peak()
            entry, _ = await add_entry(hass, sim, FLEET, clock)
            coordinator = coordinator_of(entry)
            for _ in range(10):
                await tick(sim, clock)
                await coordinator.async_refresh()
            current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    table.add(
        f"peak traced Python memory above an idle Home Assistant, {count} cars, setup + 10 cycles",
        f"{(peak - baseline) / 2**20:.1f} MiB",
    )
    table.add(
        f"still held after 10 cycles, {count} cars", f"{(current - baseline) / 2**20:.1f} MiB"
    )
    table.notes.append("tracemalloc, measured in a separate run (it slows everything down).")
    return table


# A simulated day ---------------------------------------------------------------------------


def charging(coordinator: PSADataUpdateCoordinator, vin: str) -> bool:
    status = coordinator.data[vin].status
    electric = status.electric if status is not None else None
    return (
        electric is not None
        and electric.charging is not None
        and electric.charging.status == "InProgress"
    )


async def day_figures() -> tuple[Table, Table]:
    """The demo account (three cars) for one simulated day at the default options."""
    per_car = Table(
        "Requests per vehicle per simulated day (demo account, default options)",
        [
            "car",
            "own requests (client side)",
            "with a third of the account's",
            "alone on an account",
            "goal",
        ],
    )
    account = Table("Account-level figures over the same day", ["what", "value", "goal"])
    async with run_simulator() as sim:
        clock = Clock()
        async with home_assistant(sim, clock) as hass:
            entry, _ = await add_entry(hass, sim, DEMO, clock)
            coordinator = coordinator_of(entry)
            counts: Counter[str] = Counter()
            count_by_vehicle(coordinator, counts)
            await sim.reset_stats()
            fetched: list[float] = []
            charging_gaps: list[float] = []
            last_fetch: float | None = None
            for _ in range(DAY):
                await tick(sim, clock)
                before = counts[BEV_VIN]
                await coordinator.async_refresh()
                if counts[BEV_VIN] > before:
                    if last_fetch is not None and charging(coordinator, BEV_VIN):
                        charging_gaps.append(clock() - last_fetch)
                    last_fetch = clock()
                    fetched.append(clock())
            stats = await sim.stats()
            tokens = token_requests(stats)
            api = api_requests(stats)
    shared = counts["account"] + tokens
    for vin, label in CARS.items():
        own = counts[vin]
        alone = own + counts["account"] + tokens
        target = "<= 300" if vin == THERMIC_VIN else "-"
        ok = f" ({verdict(alone <= 300)})" if vin == THERMIC_VIN else ""
        if vin == THERMIC_VIN:
            goal("car parked all day: at most 300 requests a day", alone, alone <= 300)
        per_car.add(label, own, f"{own + shared / 3:.0f}", alone, target + ok)
    per_car.notes.append(
        "'Own' counts the status, maintenance and alerts requests naming the car. 'A third of "
        "the account's' adds a third of the vehicle lists and token requests. 'Alone on an "
        "account' adds all of them, as for a one-car account (the budget's case). "
        "The demo BEV charges 4 h, waits 1 h and drives 3 h, three times a day; the PHEV "
        "drives 1 h and charges 1 h 45 min every 3 h: both are busy nearly all day."
    )
    gap = max(charging_gaps, default=float("nan"))
    account.add("API requests per update cycle (3 cars, 1-minute ticks)", f"{api / DAY:.2f}", "-")
    per_lifetime = 86400 / (LIFETIME - REFRESH_MARGIN)  # refreshed shortly before expiry
    account.add(
        "token requests per hour (per day)",
        f"{tokens / 24:.2f} ({tokens})",
        f"one per lifetime, {per_lifetime:.0f}/day ({verdict(tokens <= per_lifetime + 1)})",
    )
    goal("charging car: state of charge fetched at least every 2 min", f"{gap:.0f} s", gap <= 120)
    account.add(
        "longest gap between BEV status fetches while charging",
        f"{gap:.0f} s",
        f"<= 120 s ({verdict(gap <= 120)})",
    )
    account.add(
        "client-side API requests / simulator API requests",
        f"{sum(counts.values())} / {api}",
        "equal",
    )
    return per_car, account


# Tokens under load ---------------------------------------------------------------------------


async def token_figures() -> Table:
    table = Table(
        "Token requests under 100 concurrent calls",
        ["case", "token requests", "max in flight", "goal"],
    )
    async with run_simulator(fleet(1)) as sim:
        clock = Clock()
        async with home_assistant(sim, clock) as hass:
            entry, _ = await add_entry(hass, sim, FLEET, clock)
            coordinator = coordinator_of(entry)
            auth, client = coordinator.auth, coordinator.client
            vehicle_id = next(iter(coordinator.data.values())).vehicle.id

            async def case(name: str, calls: Callable[[], Awaitable[Any]], expected: int) -> None:
                await sim.reset_stats()
                await asyncio.gather(*(calls() for _ in range(100)))
                stats = await sim.stats()
                tokens = token_requests(stats)
                goal(f"one token request: {name}", tokens, tokens == expected)
                table.add(
                    name,
                    tokens,
                    stats["max_concurrent_token_requests"],
                    f"{expected} ({verdict(tokens == expected)})",
                )

            await tick(sim, clock, LIFETIME - 200)  # inside the refresh margin
            await case(
                "access token about to expire: 100 x async_get_access_token()",
                auth.async_get_access_token,
                1,
            )
            await sim.expire_all_access_tokens()
            await case(
                "token refused by the API: 100 x get_status() -> 401",
                lambda: client.get_status(vehicle_id),
                1,
            )
            await sim.reset_stats()
            for _ in range(12):  # two hours, 100 calls every ten minutes
                await tick(sim, clock, 600)
                await asyncio.gather(*(client.get_status(vehicle_id) for _ in range(100)))
            stats = await sim.stats()
            tokens = token_requests(stats)
            lifetimes = 7200 / (LIFETIME - REFRESH_MARGIN)
            goal(
                "one token request per access-token lifetime under 100 concurrent calls",
                f"{tokens} in 2 h",
                tokens <= lifetimes + 0.5,
            )
            table.add(
                "2 h of 100 concurrent calls every 10 min",
                tokens,
                stats["max_concurrent_token_requests"],
                f"one per lifetime, {lifetimes:.1f} ({verdict(tokens <= lifetimes + 0.5)})",
            )
    return table


# Main ------------------------------------------------------------------------------------


def header(command: str, seconds: float) -> str:
    return (
        "# Benchmark\n\n"
        "The integration in a real Home Assistant (the test harness of "
        "pytest-homeassistant-custom-component, in one process) against the PSA cloud "
        "simulator in another process on 127.0.0.1. The figures are measured, not asserted: "
        "the goals are checked by the tests in `tests/resilience/` on a frozen clock.\n\n"
        "How it is measured: the simulator adds the stated latency to every API request. "
        "'One status round trip' is one `get_status` through the client (HTTP and parsing). "
        "An update cycle is `coordinator.async_refresh()` after moving both clocks a minute "
        "on (entity updates included). CPU time is this process's (Home Assistant, the "
        "integration, the HTTP client), never the simulator's. Request and token counts are "
        "the simulator's stats. A simulated day is 1,440 one-minute cycles.\n\n"
        f"* Command: `{command}` ({seconds:.0f} s)\n"
        f"* Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC\n"
        f"* Python {platform.python_version()}, Home Assistant {HA_VERSION}, "
        f"{platform.system()} {platform.machine()}, {_cpus()} CPU(s)\n\n"
    )


def _cpus() -> str:
    import os  # noqa: PLC0415 - only here

    return str(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count())


async def main(args: argparse.Namespace) -> str:
    started = time.perf_counter()
    counts = (1, 10) if args.quick else (1, 10, 50)
    tables: list[Table] = []
    cycle, setup, cpu = await fleet_figures(counts, args.quick)
    tables += [cycle, setup, cpu]
    tables += list(await day_figures())
    tables.append(await token_figures())
    tables.append(await commands.command_figures(args.quick))
    tables.append(await commands.reconnect_figures(args.quick))
    tables.append(await commands.day_figures(DEMO, args.quick))
    tables += list(await push.day_figures(DEMO, minutes=DAY // 4 if args.quick else DAY))
    tables.append(await push.delay_figures(DEMO, 5 if args.quick else 20))
    tables.append(await push.soc_figures(DEMO, 60 if args.quick else 240))
    memory = await memory_figures(counts[-1])
    memory.add(
        "peak resident set size of this process (whole run)",
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB",
    )
    tables.append(memory)
    tables.insert(0, GOALS)
    command = "scripts/benchmark" + (" --quick" if args.quick else "")
    return header(command, time.perf_counter() - started) + "\n".join(t.markdown() for t in tables)


def cli() -> None:
    parser = argparse.ArgumentParser(prog="scripts/benchmark", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="1 and 10 cars, fewer repeats")
    parser.add_argument("--write", metavar="FILE", help="also write the report there (markdown)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)  # the report only; errors would still show
    report = asyncio.run(main(args))
    print(report)  # noqa: T201 - the report is the output
    if args.write:
        with open(args.write, "w", encoding="utf-8") as out:
            out.write(report)
    sys.stdout.flush()


if __name__ == "__main__":
    cli()
