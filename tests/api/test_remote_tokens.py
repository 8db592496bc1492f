"""RemoteTokenManager: refresh, re-mint, the OTP budget, save order and single flight."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

import pytest

from custom_components.psa_connected_car.api.exceptions import (
    PSAConnectionError,
    PSAPairingError,
    PSARateLimitError,
    PSARemoteAuthError,
)
from custom_components.psa_connected_car.api.remote import (
    OtpState,
    RemoteToken,
    RemoteTokenManager,
)
from custom_components.psa_connected_car.api.remote.otp import prune_used

NOW = 10_000_000.0
DAY = 86400.0


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> float:
        return self.now


class Fakes:
    """The inWebo client and the API as the manager sees them, writing one event log."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.events: list[tuple[str, Any]] = []
        self.codes = 0
        self.code_errors: list[Exception] = []
        self.refresh_errors: list[Exception] = []
        self.otp_grant_errors: list[Exception] = []
        self.gate: asyncio.Event | None = None  # holds the refresh until set
        self.refreshes = 0
        self.otp_saved: list[OtpState] = []
        self.tokens_saved: list[RemoteToken] = []
        self.otp_save_error: Exception | None = None

    # InWeboClient
    async def generate_code(self, state: OtpState, *, now: float | None = None):
        self.codes += 1
        self.events.append(("generate", self.codes))
        if self.code_errors:
            raise self.code_errors.pop(0)
        assert now is not None
        used = prune_used((*state.used_at, now), now)
        return f"code-{self.codes}", dataclasses.replace(
            state, used_at=used, lastsync=str(self.codes)
        )

    # PSARemoteApi
    async def token_from_otp(self, code: str) -> RemoteToken:
        self.events.append(("otp_grant", code))
        if self.otp_grant_errors:
            raise self.otp_grant_errors.pop(0)
        now = self.clock()
        return RemoteToken(
            access_token=f"a-{code}", refresh_token=f"r-{code}", expires_at=now + 899, minted_at=now
        )

    async def token_from_refresh(self, refresh_token: str) -> RemoteToken:
        self.refreshes += 1
        self.events.append(("refresh", refresh_token))
        if self.gate is not None:
            await self.gate.wait()
        if self.refresh_errors:
            raise self.refresh_errors.pop(0)
        now = self.clock()
        return RemoteToken(
            access_token=f"a-refresh-{self.refreshes}",
            refresh_token=refresh_token,
            expires_at=now + 899,
            minted_at=now,
        )

    # Callbacks
    async def on_otp_update(self, state: OtpState) -> None:
        await asyncio.sleep(0)
        self.events.append(("save_otp", state.lastsync))
        self.otp_saved.append(state)
        if self.otp_save_error is not None:
            raise self.otp_save_error

    async def on_token_update(self, token: RemoteToken) -> None:
        await asyncio.sleep(0)
        self.events.append(("save_token", token.access_token))
        self.tokens_saved.append(token)


def token(*, expires_in: float = 899, age: float = 0.0, refresh: str | None = "r-0") -> RemoteToken:
    return RemoteToken(
        access_token="a-0", refresh_token=refresh, expires_at=NOW + expires_in, minted_at=NOW - age
    )


STATE = OtpState(device_id="dev", iwalea="00" * 16, pin="1234", iwid="id-1", k1="11" * 16)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def fakes(clock: Clock) -> Fakes:
    return Fakes(clock)


def manager(
    fakes: Fakes, current: RemoteToken | None, state: OtpState = STATE
) -> RemoteTokenManager:
    return RemoteTokenManager(
        fakes,  # type: ignore[arg-type]  # the API half of the fakes
        fakes,  # type: ignore[arg-type]  # the inWebo half
        state,
        current,
        on_otp_update=fakes.on_otp_update,
        on_token_update=fakes.on_token_update,
        clock=fakes.clock,
    )


async def test_a_fresh_token_is_used_as_it_is(fakes: Fakes):
    tokens = manager(fakes, token(expires_in=181))
    assert await tokens.async_get_access_token() == "a-0"
    assert fakes.events == []


async def test_refreshed_three_minutes_before_expiry(fakes: Fakes):
    tokens = manager(fakes, token(expires_in=180, age=1000))
    assert await tokens.async_get_access_token() == "a-refresh-1"
    assert fakes.events == [("refresh", "r-0"), ("save_token", "a-refresh-1")]
    assert tokens.token == fakes.tokens_saved[-1]
    assert tokens.token is not None
    assert tokens.token.minted_at == NOW - 1000  # the refresh token's own age is kept
    assert tokens.token.refresh_token == "r-0"
    assert await tokens.async_get_access_token() == "a-refresh-1"  # no second request
    assert fakes.refreshes == 1


async def test_a_five_day_old_refresh_token_is_replaced_by_an_otp_code(fakes: Fakes):
    tokens = manager(fakes, token(expires_in=800, age=5 * DAY))
    assert await tokens.async_get_access_token() == "a-code-1"
    # The state is saved before its code is used, the token before it is returned.
    assert fakes.events == [
        ("generate", 1),
        ("save_otp", "1"),
        ("otp_grant", "code-1"),
        ("save_token", "a-code-1"),
    ]
    assert tokens.otp_budget_left == 5
    assert tokens.otp.used_at == (NOW,)
    assert tokens.token is not None
    assert tokens.token.minted_at == NOW


async def test_not_yet_five_days(fakes: Fakes):
    tokens = manager(fakes, token(expires_in=800, age=5 * DAY - 1))
    assert await tokens.async_get_access_token() == "a-0"
    assert fakes.events == []


async def test_a_refused_refresh_is_mended_with_one_otp_code(fakes: Fakes):
    fakes.refresh_errors.append(PSARemoteAuthError("grant is invalid"))
    tokens = manager(fakes, token(expires_in=0, age=DAY))
    assert await tokens.async_get_access_token() == "a-code-1"
    assert fakes.events == [
        ("refresh", "r-0"),
        ("generate", 1),
        ("save_otp", "1"),
        ("otp_grant", "code-1"),
        ("save_token", "a-code-1"),
    ]


async def test_a_refused_otp_code_means_pairing_again(fakes: Fakes):
    fakes.refresh_errors.append(PSARemoteAuthError("grant is invalid"))
    fakes.otp_grant_errors.append(PSARemoteAuthError("grant is invalid"))
    tokens = manager(fakes, token(expires_in=0))
    with pytest.raises(PSARemoteAuthError):
        await tokens.async_get_access_token()
    assert [event[0] for event in fakes.events] == ["refresh", "generate", "save_otp", "otp_grant"]


@pytest.mark.parametrize("code", ["access", "blocked", "unknown"])
async def test_an_unusable_otp_state_means_pairing_again(fakes: Fakes, code):
    fakes.refresh_errors.append(PSARemoteAuthError("grant is invalid"))
    fakes.code_errors.append(PSAPairingError(code))
    tokens = manager(fakes, token(expires_in=0))
    with pytest.raises(PSARemoteAuthError) as caught:
        await tokens.async_get_access_token()
    assert isinstance(caught.value.__cause__, PSAPairingError)
    # The attempt counts against the budget (the server may have counted it), and is saved.
    assert tokens.otp.used_at == (NOW,)
    assert fakes.otp_saved[-1].used_at == (NOW,)
    assert ("otp_grant", "code-1") not in fakes.events


async def test_network_trouble_while_making_a_code_is_not_a_pairing_error(fakes: Fakes):
    fakes.refresh_errors.append(PSARemoteAuthError("grant is invalid"))
    fakes.code_errors.append(PSAConnectionError("down"))
    tokens = manager(fakes, token(expires_in=0))
    with pytest.raises(PSAConnectionError):
        await tokens.async_get_access_token()
    assert tokens.otp_budget_left == 5


async def test_the_budget_is_six_a_day_and_nothing_is_sent_past_it(fakes: Fakes, clock: Clock):
    used = (NOW - DAY + 100, NOW - 5000, NOW - 4000, NOW - 3000, NOW - 2000, NOW - 1000)
    state = dataclasses.replace(STATE, used_at=(NOW - DAY - 1, *used))  # the first is too old
    fakes.refresh_errors.append(PSARemoteAuthError("grant is invalid"))
    tokens = manager(fakes, token(expires_in=0), state)
    assert tokens.otp_budget_left == 0
    with pytest.raises(PSARateLimitError) as caught:
        await tokens.async_get_access_token()
    assert caught.value.retry_after == pytest.approx(100)
    assert fakes.events == [("refresh", "r-0")]  # no code made
    clock.now += 100
    assert tokens.otp_budget_left == 1
    assert await tokens.async_get_access_token() == "a-refresh-2"  # the next refresh works


async def test_no_token_mints_one(fakes: Fakes):
    tokens = manager(fakes, None)
    assert await tokens.async_get_access_token() == "a-code-1"
    assert [event[0] for event in fakes.events] == [
        "generate",
        "save_otp",
        "otp_grant",
        "save_token",
    ]


async def test_no_refresh_token_mints_when_expired(fakes: Fakes):
    tokens = manager(fakes, token(expires_in=0, refresh=None))
    assert await tokens.async_get_access_token() == "a-code-1"
    assert fakes.refreshes == 0


async def test_a_failed_save_of_the_state_keeps_the_code_unused(fakes: Fakes):
    fakes.otp_save_error = OSError("disk full")
    tokens = manager(fakes, None)
    with pytest.raises(OSError, match="disk full"):
        await tokens.async_get_access_token()
    assert ("otp_grant", "code-1") not in fakes.events
    assert tokens.otp.lastsync == "1"  # the server's view is kept in memory all the same


async def test_an_early_remint_that_fails_falls_back_and_waits(fakes: Fakes, clock: Clock):
    fakes.code_errors.append(PSAConnectionError("down"))
    tokens = manager(fakes, token(expires_in=800, age=5 * DAY))
    assert await tokens.async_get_access_token() == "a-0"  # still valid: used as it is
    assert await tokens.async_get_access_token() == "a-0"  # no new attempt for an hour
    assert fakes.codes == 1
    clock.now += 700  # the access token is now due: refreshed, no OTP attempt
    assert await tokens.async_get_access_token() == "a-refresh-1"
    assert fakes.codes == 1
    clock.now += 3600
    assert await tokens.async_get_access_token() == "a-code-2"


async def test_an_early_remint_keeps_one_code_in_reserve(fakes: Fakes):
    used = tuple(NOW - 100 * i for i in range(1, 6))
    tokens = manager(
        fakes, token(expires_in=0, age=6 * DAY), dataclasses.replace(STATE, used_at=used)
    )
    assert tokens.otp_budget_left == 1
    assert await tokens.async_get_access_token() == "a-refresh-1"
    assert fakes.codes == 0


async def test_force_refresh_refreshes_a_fresh_token(fakes: Fakes):
    tokens = manager(fakes, token(expires_in=899))
    assert await tokens.async_force_refresh() == "a-refresh-1"
    assert await tokens.async_force_refresh() == "a-refresh-2"
    assert fakes.refreshes == 2


async def test_single_flight(fakes: Fakes):
    fakes.gate = asyncio.Event()
    tokens = manager(fakes, token(expires_in=0))
    waiters = [asyncio.create_task(tokens.async_get_access_token()) for _ in range(50)]
    waiters.append(asyncio.create_task(tokens.async_force_refresh()))
    await asyncio.sleep(0.01)
    fakes.gate.set()
    assert set(await asyncio.gather(*waiters)) == {"a-refresh-1"}
    assert fakes.refreshes == 1
    assert len(fakes.tokens_saved) == 1


async def test_single_flight_shares_the_error(fakes: Fakes):
    fakes.gate = asyncio.Event()
    fakes.refresh_errors.append(PSAConnectionError("down"))
    tokens = manager(fakes, token(expires_in=0))
    waiters = [asyncio.create_task(tokens.async_get_access_token()) for _ in range(10)]
    await asyncio.sleep(0.01)
    fakes.gate.set()
    results = await asyncio.gather(*waiters, return_exceptions=True)
    assert all(isinstance(result, PSAConnectionError) for result in results)
    assert fakes.refreshes == 1
    fakes.gate = None
    assert await tokens.async_get_access_token() == "a-refresh-2"  # a new attempt later


async def test_a_cancelled_caller_does_not_lose_the_token(fakes: Fakes):
    fakes.gate = asyncio.Event()
    tokens = manager(fakes, token(expires_in=0))
    caller = asyncio.create_task(tokens.async_get_access_token())
    await asyncio.sleep(0.01)
    caller.cancel()
    with pytest.raises(asyncio.CancelledError):
        await caller
    fakes.gate.set()
    assert await tokens.async_get_access_token() == "a-refresh-1"  # joins, or finds it done
    assert fakes.refreshes == 1
    assert [saved.access_token for saved in fakes.tokens_saved] == ["a-refresh-1"]


def test_repr_shows_no_secret(fakes: Fakes):
    tokens = manager(fakes, token())
    assert repr(tokens) == "RemoteTokenManager(otp_budget_left=6)"


async def test_a_failed_remint_falls_back_to_the_refresh_when_forced(fakes: Fakes) -> None:
    fakes.code_errors.append(PSAConnectionError("down"))
    tokens = manager(fakes, token(expires_in=800, age=5 * DAY))
    # Forced (the broker refused the token): the old access token is not handed out again.
    assert await tokens.async_force_refresh() == "a-refresh-1"
    assert fakes.codes == 1


async def test_a_rotated_refresh_token_starts_a_new_age(fakes: Fakes, clock: Clock) -> None:
    async def rotating(refresh_token: str) -> RemoteToken:
        fakes.refreshes += 1
        now = clock()
        return RemoteToken(
            access_token="a-rotated", refresh_token="r-new", expires_at=now + 899, minted_at=now
        )

    fakes.token_from_refresh = rotating  # type: ignore[method-assign]
    tokens = manager(fakes, token(expires_in=0, age=4 * DAY))
    assert await tokens.async_get_access_token() == "a-rotated"
    saved = fakes.tokens_saved[-1]
    assert (saved.refresh_token, saved.minted_at) == ("r-new", NOW)  # not the old 4 days
    clock.now += DAY  # five days after the old refresh token, one after the new one
    assert await tokens.async_get_access_token() == "a-rotated"
    assert (fakes.codes, fakes.refreshes) == (0, 2)  # refreshed again, no OTP code spent


async def test_a_renewal_cancelled_at_shutdown_is_not_joined_later(fakes: Fakes) -> None:
    fakes.gate = asyncio.Event()
    tokens = manager(fakes, token(expires_in=0))
    caller = asyncio.create_task(tokens.async_get_access_token())
    await asyncio.sleep(0.01)
    (renewal,) = [
        task
        for task in asyncio.all_tasks()
        if task.get_coro().__qualname__ == "RemoteTokenManager._renew"  # type: ignore[union-attr]
    ]
    renewal.cancel()  # what the loop does to pending tasks when it shuts down
    with pytest.raises(asyncio.CancelledError):
        await caller
    fakes.gate.set()
    assert await tokens.async_get_access_token() == "a-refresh-2"  # a new renewal
