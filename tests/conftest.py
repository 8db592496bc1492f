"""Shared fixtures: in-process PSA cloud simulators bound to 127.0.0.1, and the guard that
turns Home Assistant's announcements of coming breaks into failures; the report of the snapshot
fields a newer Home Assistant added (tests/snapshots.py).

Importable on every toolchain: only pytest, aiohttp, logging and psa_simulator are imported at
the top (tests/snapshots.py, which imports Home Assistant, only inside the hooks).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
import logging

import pytest

from psa_simulator import SimulatorConfig
from psa_simulator.testing import SimulatorHandle, start_simulator

SimulatorFactory = Callable[..., Awaitable[SimulatorHandle]]


@pytest.fixture
async def simulator_factory(socket_enabled: None) -> AsyncIterator[SimulatorFactory]:
    """Start simulators with custom configs: ``await simulator_factory(SimulatorConfig(...))``.

    Every simulator started is closed at teardown. Sockets are enabled for the test (the
    Home Assistant test plugin blocks them; connections stay limited to 127.0.0.1).
    """
    handles: list[SimulatorHandle] = []

    async def start(config: SimulatorConfig | None = None) -> SimulatorHandle:
        handle = await start_simulator(config)
        handles.append(handle)
        return handle

    yield start
    for handle in handles:
        await handle.server.close()


@pytest.fixture
async def simulator(simulator_factory: SimulatorFactory) -> SimulatorHandle:
    """The demo account on a fresh simulator: ``.url``, ``.api_url``, ``.state``, ``.config``."""
    return await simulator_factory()


# How Home Assistant announces every coming break (homeassistant.helpers.frame.report_usage and
# the deprecation helpers built on it): for us such a line is a failure, never a warning.
USAGE_REPORT = "Detected that custom integration"


class UsageReports(logging.Handler):
    """Collects Home Assistant's usage reports, whatever a test does to caplog."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.found: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if USAGE_REPORT in message:
            self.found.append(message[:600])

    def take(self) -> list[str]:
        """Hand over (and forget) what was reported: for tests that provoke a report."""
        found, self.found = self.found, []
        return found


@pytest.fixture(autouse=True)
def usage_reports() -> Iterator[UsageReports]:
    """Every test fails when Home Assistant reports a use of its API that is going away."""
    reports = UsageReports()
    root = logging.getLogger()
    root.addHandler(reports)
    try:
        yield reports
    finally:
        root.removeHandler(reports)
    if reports.found:
        pytest.fail("Home Assistant reported a coming break:\n" + "\n".join(reports.found))


def pytest_configure(config: pytest.Config) -> None:
    """Refuse ``--snapshot-update`` on a Home Assistant newer than the test plugin's.

    The stored snapshots are those of the pinned Home Assistant; written on a newer one they
    would carry its fields and fail on the pinned one.
    """
    from tests.snapshots import ACCEPT_ADDED_FIELDS, installed_home_assistant

    if ACCEPT_ADDED_FIELDS and config.getoption("update_snapshots", default=False):
        raise pytest.UsageError(
            f"--snapshot-update on Home Assistant {installed_home_assistant()}, newer than the "
            "test plugin's: update snapshots with .venv (the pinned Home Assistant)"
        )


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the fields a newer Home Assistant added to snapshots (accepted, not failing)."""
    from tests.snapshots import REPORT

    summary = REPORT.summary()
    if summary is not None:
        terminalreporter.write_sep("-", "snapshots on a newer Home Assistant")
        terminalreporter.write_line(summary)
