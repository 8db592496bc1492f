"""The simulator in its own process on 127.0.0.1, driven through its control API.

A separate process keeps its CPU time and memory out of the integration's figures.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
import json
from pathlib import Path
import socket
import subprocess
import sys
import tempfile
from typing import Any

import aiohttp


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Simulator:
    """A running simulator: ``url`` plus its control API."""

    def __init__(self, url: str, session: aiohttp.ClientSession) -> None:
        self.url = url
        self._session = session

    async def _call(self, method: str, path: str, body: Any = None) -> Any:
        async with self._session.request(
            method, f"{self.url}/_simulator/{path}", json=body
        ) as response:
            response.raise_for_status()
            return await response.json()

    async def stats(self) -> dict[str, Any]:
        stats: dict[str, Any] = await self._call("GET", "stats")
        return stats

    async def api_requests(self) -> int:
        requests = (await self.stats())["requests"]
        return sum(n for route, n in requests.items() if "/connectedcar/" in route)

    async def token_requests(self) -> int:
        return sum((await self.stats())["token_requests"].values())

    async def status_requests(self) -> int:
        requests = (await self.stats())["requests"]
        return sum(n for route, n in requests.items() if route.endswith("/status"))

    async def reset_stats(self) -> None:
        await self._call("POST", "stats/reset")

    async def advance(self, seconds: float) -> None:
        await self._call("POST", "time/advance", {"seconds": seconds})

    async def set_faults(self, **faults: Any) -> None:
        await self._call("POST", "faults", faults)

    async def expire_access_tokens(self) -> None:
        await self._call("POST", "tokens/expire_access")

    async def keep_only(self, vins: set[str]) -> None:
        for vehicle in await self._call("GET", "vehicles"):
            if vehicle["vin"] not in vins:
                await self._call("DELETE", f"vehicles/{vehicle['vin']}")

    async def account(self) -> dict[str, Any]:
        state: dict[str, Any] = await self._call("GET", "state")
        return state


@asynccontextmanager
async def run_simulator(scenario: dict[str, Any] | None = None) -> AsyncIterator[Simulator]:
    """Start ``python -m psa_simulator`` (the demo, or ``scenario``); stopped on exit."""
    port = free_port()
    with tempfile.TemporaryDirectory() as folder:
        args = [sys.executable, "-m", "psa_simulator", "--port", str(port)]
        args += ["--log-level", "WARNING"]
        if scenario is not None:
            path = Path(folder) / "scenario.json"
            path.write_text(json.dumps(scenario), encoding="utf-8")
            args += ["--scenario", str(path)]
        process = subprocess.Popen(  # noqa: ASYNC220, S603 - our own module, stopped below
            args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        url = f"http://127.0.0.1:{port}"
        try:
            async with aiohttp.ClientSession() as session:
                await _wait_until_up(session, url, process)
                yield Simulator(url, session)
        finally:
            process.terminate()
            process.wait(timeout=10)


async def _wait_until_up(
    session: aiohttp.ClientSession, url: str, process: subprocess.Popen[bytes]
) -> None:
    for _ in range(200):
        if process.poll() is not None:
            raise RuntimeError("the simulator exited at start")
        try:
            async with session.get(f"{url}/_simulator/time") as response:
                if response.status == 200:
                    return
        except aiohttp.ClientConnectionError:
            pass
        await asyncio.sleep(0.05)
    raise RuntimeError("the simulator did not start")
