"""The fault matrix: one test per fault, each checking what the user sees.

What the user sees: whether the entities are available, the entry's state, the log (one info
line when the data goes unavailable and one when it is back, never a traceback, never a line
per cycle) and whether a reauthentication flow was started (only when the identity server
refuses the refresh token with ``invalid_grant`` and no stored password can replace it).
"""

from __future__ import annotations

import logging
from pathlib import Path
import time

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
import pytest

from custom_components.psa_connected_car.const import (
    ENV_SIMULATOR_URL,
    LOGGER,
    TICK_INTERVAL,
    VEHICLES_INTERVAL,
)
from psa_simulator.demo import BEV_VIN, THERMIC_VIN
from tests.integration.simulated import browser_login

from .conftest import MakeRig
from .rig import Rig, messages, records_at_least, short_client_timeout, tracebacks

STATUS = "GET /connectedcar/v4/user/vehicles/{vehicle_id}/status"
VEHICLES = "GET /connectedcar/v4/user/vehicles"
UNAVAILABLE_LINE = "unavailable"
WALL_CLOCK = (time.perf_counter,)  # out of the freezer's reach (it patches module attributes)
RECOVERED_LINE = "recovered"


def our_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """The integration's records, but the expected warning that the simulator is in use."""
    return [
        record
        for record in caplog.records
        if record.name.startswith(LOGGER.name) and ENV_SIMULATOR_URL not in record.getMessage()
    ]


def assert_log_is_calm(caplog: pytest.LogCaptureFixture, *, outages: int) -> None:
    """No traceback anywhere, nothing above info from us, one line per outage and recovery."""
    assert not tracebacks(caplog.records)
    assert not records_at_least(our_records(caplog), logging.WARNING)
    info = [record for record in our_records(caplog) if record.levelno == logging.INFO]
    assert len(messages(info, UNAVAILABLE_LINE)) == outages, [r.getMessage() for r in info]
    assert len(messages(info, RECOVERED_LINE)) == outages, [r.getMessage() for r in info]


def assert_fine(rig: Rig) -> None:
    assert rig.entry is not None
    assert rig.entry.state is ConfigEntryState.LOADED
    assert rig.states()
    assert not rig.unavailable()
    assert not rig.reauth_flows()


def assert_all_unavailable(rig: Rig) -> None:
    assert rig.entry is not None
    assert rig.entry.state is ConfigEntryState.LOADED
    assert set(rig.unavailable()) == set(rig.states())
    assert not rig.reauth_flows()


async def outage(rig: Rig, cycles: int, **faults: object) -> int:
    """Faults on for ``cycles`` ticks; returns the status requests sent meanwhile."""
    before = rig.sim.state.stats.requests[STATUS]
    rig.sim.state.set_faults(**faults)
    await rig.cycle()
    assert_all_unavailable(rig)
    await rig.cycle(cycles - 1)
    assert_all_unavailable(rig)
    rig.sim.state.reset_faults()
    return rig.sim.state.stats.requests[STATUS] - before


# 5xx --------------------------------------------------------------------------------------


async def test_server_errors(bev_rig: Rig, caplog: pytest.LogCaptureFixture) -> None:
    """A 20-minute outage: unavailable, logged once; back within one cycle, logged once."""
    rig = bev_rig
    assert_fine(rig)
    sent = await outage(rig, 20, error_rate=1.0)
    assert sent <= 20  # at most one try per cycle while everything fails
    await rig.cycle()
    assert_fine(rig)
    assert_log_is_calm(caplog, outages=1)


async def test_server_error_on_one_of_two_cars(
    make_rig: MakeRig, caplog: pytest.LogCaptureFixture
) -> None:
    """One car's status fails once: its last data stays on show, the next cycle fetches it."""
    rig = await make_rig(vins=(BEV_VIN, THERMIC_VIN))
    await rig.add_entry()
    level = rig.state_of(BEV_VIN, "battery_level")
    rig.sim.state.force_faults("500")
    await rig.cycle()
    assert_fine(rig)
    assert rig.state_of(BEV_VIN, "battery_level") == level
    await rig.cycle(3)
    assert rig.state_of(BEV_VIN, "battery_level") != level  # charging again on screen
    assert_log_is_calm(caplog, outages=0)


# Timeouts and dropped connections -------------------------------------------------------


async def test_timeouts(
    make_rig: MakeRig, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Answers slower than the client's timeout: like an outage, and no long wait."""
    short_client_timeout(monkeypatch)
    rig = await make_rig(vins=(BEV_VIN,))
    await rig.add_entry()
    started = WALL_CLOCK[0]()
    await outage(rig, 5, latency_ms=1000)
    assert WALL_CLOCK[0]() - started < 5 * 1.0  # each cycle gave up after the client timeout
    await rig.cycle()
    assert_fine(rig)
    assert_log_is_calm(caplog, outages=1)


async def test_dropped_connections(bev_rig: Rig, caplog: pytest.LogCaptureFixture) -> None:
    """One drop is retried by aiohttp unseen; a dropped retry fails that cycle only."""
    rig = bev_rig
    rig.sim.state.force_faults("drop")
    await rig.cycle()
    assert_fine(rig)
    rig.sim.state.force_faults("drop", count=2)
    await rig.cycle()
    assert_all_unavailable(rig)
    await rig.cycle()
    assert_fine(rig)
    assert_log_is_calm(caplog, outages=1)


# 429 --------------------------------------------------------------------------------------


async def test_rate_limit_retry_after_is_respected(
    bev_rig: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    rig = bev_rig
    limit = 330.0  # seconds; the 429s announce what is left of it
    rig.sim.state.rate_limit(limit)
    deadline = rig.sim.state.now() + limit
    await rig.cycle()
    refused = rig.api_requests()
    assert rig.sim.state.stats.requests[STATUS] >= 1
    assert not rig.reauth_flows()
    while rig.sim.state.now() + TICK_INTERVAL < deadline:
        await rig.cycle()
        assert rig.api_requests() == refused, "a request was sent before Retry-After"
    await rig.cycle(2)
    assert rig.api_requests() > refused
    assert_fine(rig)
    assert not tracebacks(caplog.records)
    assert not records_at_least(our_records(caplog), logging.WARNING)


# Gateway 401 -----------------------------------------------------------------------------


async def test_gateway_401_refreshes_once_and_retries(
    bev_rig: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    rig = bev_rig
    assert rig.entry is not None
    before = rig.entry.data["token"]["refresh_token"]
    statuses = rig.sim.state.stats.requests[STATUS]
    rig.sim.state.force_faults("401")
    await rig.cycle()
    assert_fine(rig)
    assert rig.sim.state.stats.token_requests["refresh_token"] == 1
    assert rig.sim.state.stats.requests[STATUS] == statuses + 2  # the refused one, the retry
    assert rig.entry.data["token"]["refresh_token"] != before
    assert rig.refresh_token_is_live()
    assert_log_is_calm(caplog, outages=0)


async def test_gateway_401_twice_is_no_loop(bev_rig: Rig, caplog: pytest.LogCaptureFixture) -> None:
    """The retry is refused too: one refresh, no third try, no reauth; fine next cycle."""
    rig = bev_rig
    statuses = rig.sim.state.stats.requests[STATUS]
    rig.sim.state.force_faults("401", count=2)
    await rig.cycle()
    assert_all_unavailable(rig)
    assert rig.sim.state.stats.token_requests["refresh_token"] == 1
    assert rig.sim.state.stats.requests[STATUS] == statuses + 2
    await rig.cycle()
    assert_fine(rig)
    assert rig.sim.state.stats.token_requests["refresh_token"] == 1
    assert rig.refresh_token_is_live()
    assert_log_is_calm(caplog, outages=1)


# Refresh refused -------------------------------------------------------------------------


async def test_refresh_refused_starts_reauth(
    make_rig: MakeRig, caplog: pytest.LogCaptureFixture
) -> None:
    """invalid_grant and no password to fall back on: one reauth flow, polling stops."""
    rig = await make_rig(vins=(BEV_VIN,))
    entry = await rig.add_entry(method="code")
    rig.sim.state.revoke_all_refresh_tokens()
    rig.sim.state.expire_all_access_tokens()
    await rig.cycle()
    assert len(rig.reauth_flows()) == 1
    assert entry.state is ConfigEntryState.LOADED
    assert set(rig.unavailable()) == set(rig.states())
    assert rig.sim.state.stats.token_requests["refresh_token"] == 1
    requests = rig.api_requests() + rig.token_requests()
    await rig.cycle(10)
    assert rig.api_requests() + rig.token_requests() == requests  # no hammering a dead login
    assert len(rig.reauth_flows()) == 1
    assert not tracebacks(caplog.records)
    assert len(messages(our_records(caplog), UNAVAILABLE_LINE)) == 1

    # The user signs in again in the browser: the entry reloads and everything is back.
    flow = rig.reauth_flows()[0]
    flows = rig.hass.config_entries.flow
    result = await flows.async_configure(flow["flow_id"], {})
    assert result["step_id"] == "authorization_code"
    redirect = await browser_login(rig.sim, result["description_placeholders"]["authorize_url"])
    result = await flows.async_configure(result["flow_id"], {"code": redirect})
    assert result["reason"] == "reauth_successful"
    await rig.hass.async_block_till_done()
    rig._loaded(entry)
    assert_fine(rig)
    assert rig.refresh_token_is_live()


async def test_refresh_refused_with_a_stored_password_logs_in_silently(
    bev_rig: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    rig = bev_rig
    rig.sim.state.revoke_all_refresh_tokens()
    rig.sim.state.expire_all_access_tokens()
    await rig.cycle()
    assert_fine(rig)
    assert rig.sim.state.stats.token_requests["password"] == 2  # the setup's and this one
    assert rig.refresh_token_is_live()
    assert_log_is_calm(caplog, outages=0)


@pytest.mark.parametrize("kind", ["500", "429", "drop"])
async def test_refresh_failing_otherwise_is_no_reauth(
    make_rig: MakeRig, caplog: pytest.LogCaptureFixture, kind: str
) -> None:
    """The identity server is down or busy: unavailable for a while, never a reauth."""
    rig = await make_rig(vins=(BEV_VIN,))
    await rig.add_entry(method="code")
    rig.sim.state.set_faults(include_oauth=True)
    rig.sim.state.expire_all_access_tokens()
    rig.sim.state.force_faults(kind, count=2)  # the status's 401 goes first, then the refresh
    await rig.cycle()
    assert not rig.reauth_flows()
    await rig.cycle(2)
    rig.sim.state.reset_faults()
    await rig.cycle(2)
    assert_fine(rig)
    assert rig.refresh_token_is_live()
    assert not tracebacks(caplog.records)
    assert not records_at_least(our_records(caplog), logging.WARNING)


async def test_refresh_answer_lost_after_rotation(
    make_rig: MakeRig, caplog: pytest.LogCaptureFixture
) -> None:
    """The identity server rotated the refresh token but its answer came back cut in half.

    The new refresh token is lost on the way and the old one is spent: the next refresh is
    refused with invalid_grant, so the user is asked to sign in again (once). Nothing on our
    side can avoid it; a real identity server may keep the old token alive for a while.
    """
    rig = await make_rig(vins=(BEV_VIN,))
    await rig.add_entry(method="code")
    rig.sim.state.set_faults(include_oauth=True)
    rig.sim.state.expire_all_access_tokens()
    rig.sim.state.force_faults("malformed", count=2)  # the status's 401 goes first
    await rig.cycle()
    assert not rig.reauth_flows()
    assert set(rig.unavailable()) == set(rig.states())
    await rig.cycle(3)
    assert len(rig.reauth_flows()) == 1
    assert rig.sim.state.stats.token_requests["refresh_token"] == 2
    assert not tracebacks(caplog.records)


# Malformed answers and odd payloads -------------------------------------------------------


async def test_malformed_json(bev_rig: Rig, caplog: pytest.LogCaptureFixture) -> None:
    rig = bev_rig
    rig.sim.state.force_faults("malformed")
    await rig.cycle()
    assert_all_unavailable(rig)
    await rig.cycle()
    assert_fine(rig)
    assert_log_is_calm(caplog, outages=1)


async def test_status_missing_whole_blocks(bev_rig: Rig, caplog: pytest.LogCaptureFixture) -> None:
    """The newer previous data stays on show for the blocks that did not come."""
    rig = bev_rig
    shown = {key: rig.state_of(BEV_VIN, key) for key in ("battery_level", "odometer")}
    rig.sim.state.patch_status(
        BEV_VIN, drop=["energies", "energy", "odometer", "kinetic", "ignition", "battery"]
    )
    await rig.cycle(3)
    assert_fine(rig)
    assert {key: rig.state_of(BEV_VIN, key) for key in shown} == shown
    rig.sim.state.reset_vehicle(BEV_VIN)
    await rig.cycle()
    assert rig.state_of(BEV_VIN, "battery_level") != shown["battery_level"]
    assert_log_is_calm(caplog, outages=0)


async def test_stale_snapshot_never_moves_values_back(bev_rig: Rig) -> None:
    rig = bev_rig
    await rig.cycle(30)  # charging for half an hour
    level = float(rig.state_of(BEV_VIN, "battery_level") or 0)
    rig.sim.state.serve_snapshot_at(BEV_VIN, rig.sim.state.now() - 1800)
    await rig.cycle(2)
    assert float(rig.state_of(BEV_VIN, "battery_level") or 0) == level
    assert_fine(rig)


async def test_no_data_404(bev_rig: Rig, caplog: pytest.LogCaptureFixture) -> None:
    """404 40400 everywhere: the last values stay, available; no error in the log."""
    rig = bev_rig
    shown = rig.states()
    rig.sim.state.set_no_data(BEV_VIN)
    await rig.cycle(90)  # past the maintenance and alerts periods too
    assert_fine(rig)
    assert {eid: state.state for eid, state in rig.states().items()} == {
        eid: state.state for eid, state in shown.items()
    }
    assert_log_is_calm(caplog, outages=0)


async def test_car_without_any_data(make_rig: MakeRig, caplog: pytest.LogCaptureFixture) -> None:
    """A car the API knows nothing about yet: its entities are unknown, not errors."""
    rig = await make_rig(vins=(BEV_VIN,))
    rig.sim.state.set_no_data(BEV_VIN)
    await rig.add_entry()
    assert_fine(rig)
    assert rig.state_of(BEV_VIN, "battery_level") == "unknown"
    rig.sim.state.set_no_data(BEV_VIN, enabled=False)
    await rig.cycle(11)
    assert rig.state_of(BEV_VIN, "battery_level") not in ("unknown", STATE_UNAVAILABLE)
    assert_log_is_calm(caplog, outages=0)


# The account's vehicles -----------------------------------------------------------------


async def test_vehicle_id_change(bev_rig: Rig, caplog: pytest.LogCaptureFixture) -> None:
    """Same VIN, new API id: same device, same entities, values moving again soon."""
    rig = bev_rig
    await rig.cycle(20)  # the vehicle list is no longer fresh
    devices, entities = rig.devices(), sorted(rig.entity_ids())
    rig.sim.state.change_vehicle_id(BEV_VIN)
    await rig.cycle(2)  # the old id answers 40400, the vehicle list (15 min old) is fetched
    level = rig.state_of(BEV_VIN, "battery_level")
    await rig.cycle(2)
    assert rig.state_of(BEV_VIN, "battery_level") != level  # charging on screen again
    assert rig.devices() == devices
    assert sorted(rig.entity_ids()) == entities
    assert rig.coordinator.data[BEV_VIN].vehicle.id == rig.sim.state.vehicle(BEV_VIN).id
    assert_fine(rig)
    assert_log_is_calm(caplog, outages=0)


async def test_vehicle_list_without_embedded(
    make_rig: MakeRig, caplog: pytest.LogCaptureFixture
) -> None:
    """The hourly list comes back empty-handed once: no device is removed."""
    rig = await make_rig()
    await rig.add_entry()
    devices, entities = rig.devices(), sorted(rig.entity_ids())
    assert len(devices) == 3
    lists = rig.sim.state.stats.requests[VEHICLES]
    rig.sim.state.omit_embedded(1)
    await rig.until(VEHICLES_INTERVAL)
    assert rig.sim.state.stats.requests[VEHICLES] == lists + 1
    assert rig.devices() == devices
    assert sorted(rig.entity_ids()) == entities
    assert_fine(rig)
    await rig.until(900)  # retried sooner than hourly
    assert rig.sim.state.stats.requests[VEHICLES] == lists + 2
    assert rig.devices() == devices
    assert_log_is_calm(caplog, outages=0)


async def test_vehicle_list_without_embedded_at_setup(
    make_rig: MakeRig, caplog: pytest.LogCaptureFixture
) -> None:
    """At setup the entry waits and retries; it loads with every car once the list is whole."""
    rig = await make_rig()
    rig.sim.state.omit_embedded(1)
    entry = await rig.add_entry()
    assert entry.state is ConfigEntryState.SETUP_RETRY
    await rig.cycle()
    assert entry.state is ConfigEntryState.LOADED
    rig._loaded(entry)
    assert len(rig.devices()) == 3
    assert_fine(rig)
    assert not tracebacks(caplog.records)


# The blocking-call checks themselves ------------------------------------------------------


async def test_blocking_calls_in_the_loop_are_reported(blocking_calls: list[str]) -> None:
    """The checks are really on: file reads are reported, sleeps refused."""
    Path(__file__).read_text(encoding="utf-8")  # noqa: ASYNC240 - on purpose
    assert any("read_text" in report for report in blocking_calls)
    blocking_calls.clear()  # reported as expected: not a failure of this test
    with pytest.raises(RuntimeError, match="blocking call to sleep"):
        time.sleep(0)  # noqa: ASYNC251 - on purpose
