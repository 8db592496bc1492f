"""Fixtures of the end-to-end tests: real processes on 127.0.0.1, always stopped at teardown."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
import re

import aiohttp
import pytest

from .harness import ARTIFACTS, HASS, Processes


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in str(item.path).replace("\\", "/"):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture
def processes(request: pytest.FixtureRequest, socket_enabled: None) -> Iterator[Processes]:
    """Start processes with `processes.start(...)`; every one is stopped after the test.

    Sockets are enabled for the test (the Home Assistant test plugin blocks them); every server
    binds 127.0.0.1 and every request goes there.
    """
    if not HASS.is_file():
        pytest.skip(f"no hass executable beside {HASS.parent}/python")
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    started = Processes(ARTIFACTS / name)
    try:
        yield started
    finally:
        started.stop_all()


@pytest.fixture
async def http(processes: Processes) -> AsyncIterator[aiohttp.ClientSession]:
    """A plain client session (short timeouts: everything is local)."""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
        yield session
