"""The simulator in its own process on 127.0.0.1, driven through its control API.

A separate process keeps its CPU time and memory out of the integration's figures.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
import json
from pathlib import Path
import subprocess
import sys
import tempfile
from typing import Any

import aiohttp

from psa_simulator.testing import SimulatorControl, Stats, free_port


def api_requests(stats: Stats) -> int:
    """The requests the simulator counted on the Connected Car API (token requests aside)."""
    return sum(n for route, n in stats["requests"].items() if "/connectedcar/" in route)


MQTT_TOKEN_ROUTE = "POST /connectedcar/v4/virtualkey/remoteaccess/token"  # noqa: S105 - a route


def rest_requests(stats: Stats) -> int:
    """The Connected Car API requests but the MQTT token's (what the status polling costs)."""
    return api_requests(stats) - mqtt_token_requests(stats)


def mqtt_token_requests(stats: Stats) -> int:
    """Requests to the MQTT token endpoint, both grants (refresh, and OTP code)."""
    return stats["requests"].get(MQTT_TOKEN_ROUTE, 0)


def token_requests(stats: Stats) -> int:
    """The token requests the simulator counted, every grant together."""
    return sum(stats["token_requests"].values())


@asynccontextmanager
async def run_simulator(
    scenario: dict[str, Any] | None = None, reply_delays: str | None = None
) -> AsyncIterator[SimulatorControl]:
    """Start ``python -m psa_simulator`` (the demo, or ``scenario``); stopped on exit.

    ``reply_delays`` is the simulator's ``--reply-delays`` (``A,F,C,T`` seconds).
    """
    port = free_port()
    with tempfile.TemporaryDirectory() as folder:
        args = [sys.executable, "-m", "psa_simulator", "--port", str(port)]
        args += ["--mqtt-port", str(free_port()), "--tls-dir", folder]
        args += ["--log-level", "WARNING"]
        if reply_delays is not None:
            args += ["--reply-delays", reply_delays]
        if scenario is not None:
            path = Path(folder) / "scenario.json"
            path.write_text(json.dumps(scenario), encoding="utf-8")
            args += ["--scenario", str(path)]
        process = subprocess.Popen(  # noqa: ASYNC220, S603 - our own module, stopped below
            args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            async with aiohttp.ClientSession() as session:
                control = SimulatorControl(session, f"http://127.0.0.1:{port}")
                await _wait_until_up(control, process)
                yield control
        finally:
            process.terminate()
            process.wait(timeout=10)


async def _wait_until_up(control: SimulatorControl, process: subprocess.Popen[bytes]) -> None:
    for _ in range(200):
        if process.poll() is not None:
            raise RuntimeError("the simulator exited at start")
        if await control.responding():
            return
        await asyncio.sleep(0.05)
    raise RuntimeError("the simulator did not start")
