"""Soak: over a thousand coordinator cycles of mixed faults, then a clean period.

The three demo cars (one charging then driving, one driving then charging, one parked) are
polled by the real integration in Home Assistant, in simulated time. During the faulty
period every API request has a 10 % chance of a 500 and a 2 % chance of a gateway 401;
5 % of the cycles are slower than the client's timeout, 2 % start with a 429, and the
access tokens are expired by force a few times. The login is a browser-code one (no
password to fall back on), so a lost refresh token would show as a reauthentication.
"""

from __future__ import annotations

import logging
import random
import time

from homeassistant.helpers.aiohttp_client import async_get_clientsession
import pytest

from custom_components.psa_connected_car.api.auth import PSAAuth
from custom_components.psa_connected_car.api.brands import BRANDS
from custom_components.psa_connected_car.api.models import TokenSet
from custom_components.psa_connected_car.const import LOGGER

from .conftest import MakeRig
from .rig import CLIENT_TIMEOUT, Rig, ha_clock, messages, short_client_timeout, tracebacks

FAULTY_CYCLES = 1000
CLEAN_CYCLES = 240  # four hours: several access-token lifetimes
LIFETIME = 3599  # the simulator's default access-token lifetime
SEED = 20260102
TOKEN_EXPIRIES = (137, 451, 777)  # cycles at which every access token dies early
WALL_CLOCK = (time.perf_counter,)  # out of the freezer's reach (it patches module attributes)


async def faulty_period(rig: Rig, rng: random.Random) -> tuple[int, int]:
    """Run the faulty cycles; returns (cycles that failed, transitions to unavailable)."""
    state = rig.sim.state
    state.set_faults(error_rate=0.10, unauthorized_rate=0.02, seed=SEED)
    failed = outages = 0
    for number in range(FAULTY_CYCLES):
        slow = rng.random() < 0.05
        state.set_faults(latency_ms=4 * CLIENT_TIMEOUT * 1000 if slow else 0)
        if rng.random() < 0.02:
            state.force_faults("429")
        if number in TOKEN_EXPIRIES:
            state.expire_all_access_tokens()
        was_fine = rig.coordinator.last_update_success
        await rig.cycle()
        if not rig.coordinator.last_update_success:
            failed += 1
            outages += was_fine
    state.reset_faults()
    return failed, outages


async def refresh_with_the_stored_token(rig: Rig) -> TokenSet:
    """Prove the saved refresh token works: refresh with it, as a restart would."""
    assert rig.entry is not None
    data = rig.entry.data
    auth = PSAAuth(
        async_get_clientsession(rig.hass),
        BRANDS[data["brand"]],
        data["country"],
        data["client_id"],
        data["client_secret"],
        token=TokenSet.from_dict(data["token"]),
        idp_base_url=rig.sim.url,
        clock=ha_clock,
    )
    return await auth.refresh()


async def test_soak(
    make_rig: MakeRig, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    short_client_timeout(monkeypatch)
    rig = await make_rig(seed=SEED)
    entry = await rig.add_entry(method="code")
    caplog.set_level(logging.INFO)  # the DEBUG flood of 1,000 cycles is not needed here
    rng = random.Random(SEED)
    started = WALL_CLOCK[0]()

    failed, outages = await faulty_period(rig, rng)
    assert failed, "the faults never made the data unavailable: they were not applied"

    # One cycle after the faults end, everything is back.
    await rig.cycle()
    assert not rig.unavailable()
    assert rig.coordinator.last_update_success

    # The clean period: token requests only when the access token is about to expire.
    tokens_before = rig.token_requests()
    await rig.cycle(CLEAN_CYCLES - 1)
    clean_seconds = CLEAN_CYCLES * 60
    assert rig.token_requests() - tokens_before <= clean_seconds // LIFETIME + 1
    assert not rig.unavailable()

    assert len(rig.rounds) >= FAULTY_CYCLES + CLEAN_CYCLES
    assert not rig.reauth_flows()
    assert rig.sim.state.stats.max_concurrent_token_requests <= 1
    assert rig.refresh_token_is_live()

    records = caplog.records
    assert not tracebacks(records)
    assert not [r.getMessage()[:200] for r in records if r.levelno >= logging.ERROR]
    ours = [record for record in records if record.name.startswith(LOGGER.name)]
    assert len(messages(ours, "unavailable")) == outages
    assert len(messages(ours, "recovered")) == outages
    assert WALL_CLOCK[0]() - started < 100

    token = await refresh_with_the_stored_token(rig)
    assert token.refresh_token != entry.data["token"]["refresh_token"]
