"""Test only, never shipped: the recorder compiles its statistics now, for the e2e tests.

The e2e harness copies this folder, with a manifest it writes (hassfest must not find one in the
repository), into the configuration of the Home Assistant it starts
(tests/e2e/harness.py) and nowhere else.

Home Assistant compiles the 5-minute statistics ten seconds after each 5-minute boundary, for
the period that just ended, and the hourly ones from the last period of each hour; a test
cannot wait for those. The service `e2e_statistics.compile` queues the recorder's own tasks for
that same work, in the recorder's own thread: first the completed periods not compiled yet
(what the recorder runs at start-up), then the period in progress, from the states recorded so
far. Home Assistant's own recorder tests compile "ad hoc" statistics the same way
(`StatisticsTask` on `get_instance(hass)`). It answers once the recorder has done both.
"""

from __future__ import annotations

from homeassistant.components.recorder.tasks import CompileMissingStatisticsTask, StatisticsTask
from homeassistant.core import HomeAssistant, ServiceCall, ServiceResponse, SupportsResponse
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.recorder import get_instance
from homeassistant.helpers.typing import ConfigType
from homeassistant.util import dt as dt_util

DOMAIN = "e2e_statistics"
CONFIG_SCHEMA = cv.empty_config_schema(DOMAIN)
PERIOD_MINUTES = 5


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register `e2e_statistics.compile`."""

    async def compile_now(call: ServiceCall) -> ServiceResponse:
        instance = get_instance(hass)
        now = dt_util.utcnow()
        start = now.replace(
            minute=now.minute - now.minute % PERIOD_MINUTES, second=0, microsecond=0
        )
        # Both tasks commit the recorder's pending states first (RecorderTask.commit_before).
        instance.queue_task(CompileMissingStatisticsTask())
        instance.queue_task(StatisticsTask(start, True))
        await instance.async_block_till_done()
        return {"period_start": start.isoformat()}

    hass.services.async_register(
        DOMAIN, "compile", compile_now, supports_response=SupportsResponse.ONLY
    )
    return True
