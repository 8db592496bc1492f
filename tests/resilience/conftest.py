"""Fixtures of the resilience tests (see rig.py for the clock they share).

Home Assistant's blocking-call detection is switched on for every test here, as Home Assistant
does at startup (``bootstrap`` calls ``block_async_io.enable()``). The test plugin never calls
it, and even that function skips half of the checks (``open``, imports, SSL loading) when it
sees it runs under a test runner; so the fixture installs every check, non-strict as in
production, and fails the test if any of them reported something.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
import inspect
import logging
from pathlib import Path
import threading

from freezegun.api import FrozenDateTimeFactory
from homeassistant import block_async_io
from homeassistant.core import HomeAssistant
from homeassistant.util import loop as loop_util
import pytest

from psa_simulator import SimulatorConfig
from psa_simulator.demo import BEV_VIN
from psa_simulator.testing import SimulatorHandle
from tests.conftest import SimulatorFactory

from .rig import START, Rig, follow_the_frozen_clock, ha_clock

BLOCKING_REPORT = "Detected blocking call"
HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test here runs on the ticking frozen clock of rig.py, starting at START."""
    for item in items:
        if HERE in Path(item.path).parents and item.get_closest_marker("freeze_time") is None:
            item.add_marker(pytest.mark.freeze_time(START.isoformat(), tick=True))


MakeRig = Callable[..., Awaitable[Rig]]


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load the integration from custom_components/."""


@pytest.fixture(autouse=True)
def _no_real_servers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests point PSA_SIMULATOR_URL at their simulator; never the real hosts."""
    monkeypatch.delenv("PSA_SIMULATOR_URL", raising=False)


class _Reports(logging.Handler):
    """Collects Home Assistant's blocking-call reports (whatever the test does to caplog)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.found: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if BLOCKING_REPORT in record.getMessage():
            self.found.append(record.getMessage()[:400])


@pytest.fixture(autouse=True)
def blocking_calls(request: pytest.FixtureRequest) -> Iterator[list[str]]:
    """Every blocking-call check of Home Assistant on; none may report during the test.

    Only for the tests that run in Home Assistant's event loop: the checks know the loop by
    its thread, and a plain test function runs in that thread too, outside the loop.
    """
    if not inspect.iscoroutinefunction(request.function):
        yield []
        return
    request.getfixturevalue("hass")  # on after Home Assistant's own start-up
    loop_util._PREVIOUSLY_REPORTED.clear()  # a report must not hide behind an earlier one
    reports = _Reports()
    logger = logging.getLogger(loop_util.__name__)
    logger.addHandler(reports)
    thread = threading.get_ident()
    installed = []
    for call in block_async_io._BLOCKING_CALLS:
        protected = loop_util.protect_loop(
            call.original_func,
            strict=call.strict,
            strict_core=call.strict_core,
            check_allowed=call.check_allowed,
            loop_thread_id=thread,
        )
        setattr(call.object, call.function, protected)
        installed.append(call)
    try:
        yield reports.found
    finally:
        for call in installed:
            setattr(call.object, call.function, call.original_func)
        logger.removeHandler(reports)
    assert not reports.found, reports.found


@pytest.fixture
async def make_rig(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    simulator_factory: SimulatorFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> MakeRig:
    """``await make_rig(vins=..., **config)``: a simulator on Home Assistant's clock.

    ``vins`` keeps only those demo cars (default: all three). Other keywords go to
    ``SimulatorConfig``. The entry is not added yet (``rig.add_entry()``).
    """
    # A tick jumps the clock a minute ahead: the loop's slow-step warning would fire each time.
    hass.loop.slow_callback_duration = 10 * 365 * 86400
    # The simulator's access log formats local time, which the freezer leaves without a UTC
    # offset (aiohttp then logs its own TypeError); its lines say nothing these tests need.
    access_log = logging.getLogger("aiohttp.access")
    monkeypatch.setattr(access_log, "disabled", True)
    follow_the_frozen_clock(monkeypatch)

    async def make(vins: tuple[str, ...] | None = None, **config: object) -> Rig:
        handle: SimulatorHandle = await simulator_factory(
            SimulatorConfig(clock=ha_clock, **config)  # type: ignore[arg-type]
        )
        if vins is not None:
            for vehicle in list(handle.state.vehicles):
                if vehicle.vin not in vins:
                    handle.state.remove_vehicle(vehicle.vin)
        monkeypatch.setenv("PSA_SIMULATOR_URL", handle.url)
        return Rig(hass=hass, freezer=freezer, sim=handle)

    return make


@pytest.fixture
async def bev_rig(make_rig: MakeRig) -> Rig:
    """The demo BEV alone (charging at START, so polled every minute), added and loaded."""
    rig = await make_rig(vins=(BEV_VIN,))
    await rig.add_entry()
    return rig
