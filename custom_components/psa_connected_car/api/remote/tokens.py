"""The MQTT access token, kept fresh; new refresh tokens minted with OTP codes, within budget.

The refresh grant gives a new access token (899 s) but never a new refresh token, and the
refresh token lives about 7 days (remote-commands.md §4). A new one needs an OTP code, and
OTP codes are limited to 6 per sliding 24 h (§3.5, client-side like the peers). The budget
lives in ``OtpState.used_at``, so it survives restarts.

Order matters: the OTP state after a code is handed to ``on_otp_update`` (awaited) before
the code is used, and every new token to ``on_token_update`` before it is returned.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
import dataclasses
import logging
import time
from typing import Final

from ..exceptions import PSAError, PSAPairingError, PSARateLimitError, PSARemoteAuthError
from .account import PSARemoteApi
from .models import OtpState, RemoteToken
from .otp import OTP_WINDOW, InWeboClient, prune_used

_LOGGER = logging.getLogger(__name__)

ACCESS_MARGIN: Final = 180.0  # refresh this many seconds before the access token expires
REMINT_AGE: Final = 5 * 86400.0  # a refresh token this old is replaced (it lives about 7 days)
OTP_LIMIT: Final = 6  # OTP codes per OTP_WINDOW (24 h)
PROACTIVE_RETRY: Final = 3600.0  # after a failed early re-mint, the refresh grant for an hour
# An early re-mint (refresh token 5 days old) leaves this many codes for a refused refresh.
PROACTIVE_RESERVE: Final = 1

OtpCallback = Callable[[OtpState], Awaitable[None]]
TokenCallback = Callable[[RemoteToken], Awaitable[None]]


class RemoteTokenManager:
    """One account's MQTT token: one renewal at a time, shared by every waiter."""

    def __init__(
        self,
        api: PSARemoteApi,
        inwebo: InWeboClient,
        otp: OtpState,
        token: RemoteToken | None,
        *,
        on_otp_update: OtpCallback,
        on_token_update: TokenCallback,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """Resume from the stored ``otp`` state and ``token`` (None: mint one when needed)."""
        self.api = api
        self.inwebo = inwebo
        self._otp = otp
        self._token = token
        self._on_otp_update = on_otp_update
        self._on_token_update = on_token_update
        self._clock = clock
        self._renewing: asyncio.Task[str] | None = None
        self._remint_not_before = 0.0

    def __repr__(self) -> str:
        """No token, no state: only the budget."""
        return f"RemoteTokenManager(otp_budget_left={self.otp_budget_left})"

    @property
    def token(self) -> RemoteToken | None:
        """The current MQTT token pair, if any."""
        return self._token

    @property
    def otp(self) -> OtpState:
        """The current OTP state (secret: never log it)."""
        return self._otp

    @property
    def otp_budget_left(self) -> int:
        """OTP codes that may still be made in the current 24 h window."""
        used = prune_used(self._otp.used_at, self._clock())
        return max(0, OTP_LIMIT - len(used))

    async def async_get_access_token(self) -> str:
        """A valid MQTT access token; renewed 3 min before it expires (single flight).

        Raises ``PSARemoteAuthError`` when the refresh token is refused and no OTP code can
        mend it (pairing again is needed), ``PSARateLimitError`` when a code would be needed
        but the budget is spent, ``PSAConnectionError`` on network trouble.
        """
        token = self._token
        if token is not None and not self._due(token, self._clock()):
            return token.access_token
        return await self._renew_shared(force=False)

    async def async_force_refresh(self) -> str:
        """A new access token now (after a broker auth refusal or a 400 reply)."""
        return await self._renew_shared(force=True)

    # Internals ----------------------------------------------------------------------------

    def _due(self, token: RemoteToken, now: float) -> bool:
        return now >= token.expires_at - ACCESS_MARGIN or self._remint_due(token, now)

    def _remint_due(self, token: RemoteToken, now: float) -> bool:
        return (
            token.refresh_token is not None
            and now - token.minted_at >= REMINT_AGE
            and now >= self._remint_not_before
            and self.otp_budget_left > PROACTIVE_RESERVE
        )

    async def _renew_shared(self, *, force: bool) -> str:
        """Join the renewal in flight or start one, as a task nobody's cancellation stops.

        A cancelled caller must not interrupt it between the server's answer and the save.
        """
        if self._renewing is None:
            task = asyncio.get_running_loop().create_task(self._renew(force=force))
            task.add_done_callback(self._renew_finished)
            self._renewing = task
        return await asyncio.shield(self._renewing)

    def _renew_finished(self, task: asyncio.Task[str]) -> None:
        # Runs before any waiter resumes, so a caller after a finished renewal never joins it.
        self._renewing = None
        if not task.cancelled():
            task.exception()  # retrieved, so that an error nobody awaits is not reported

    async def _renew(self, *, force: bool) -> str:
        token = self._token
        if token is None or token.refresh_token is None:
            return await self._mint()
        now = self._clock()
        if self._remint_due(token, now):
            try:
                return await self._mint()
            except PSAError as err:  # the refresh token still has about 2 days
                _LOGGER.debug("Early MQTT token re-mint failed: %s", type(err).__name__)
                self._remint_not_before = now + PROACTIVE_RETRY
                if not force and now < token.expires_at - ACCESS_MARGIN:
                    return token.access_token
        return await self._refresh(token, token.refresh_token)

    async def _refresh(self, token: RemoteToken, refresh_token: str) -> str:
        try:
            new = await self.api.token_from_refresh(refresh_token)
        except PSARemoteAuthError:
            _LOGGER.info("The MQTT refresh token was refused; minting one with an OTP code")
            return await self._mint()
        if new.refresh_token == refresh_token:  # the same refresh token: keep its age
            new = dataclasses.replace(new, minted_at=token.minted_at)
        await self._store_token(new)
        return new.access_token

    async def _mint(self) -> str:
        """A new token pair by the password grant, with one OTP code of the budget."""
        now = self._clock()
        self._check_budget(now)
        try:
            code, state = await self.inwebo.generate_code(self._otp, now=now)
        except PSAError as err:
            # The server may have counted the attempt: so does the budget.
            used = prune_used((*self._otp.used_at, now), now)
            await self._store_otp(dataclasses.replace(self._otp, used_at=used))
            if isinstance(err, PSAPairingError):
                raise PSARemoteAuthError(
                    f"The OTP code was refused ({err.code}): pairing again is needed"
                ) from err
            raise
        await self._store_otp(state)  # before the code is used: the server has moved on
        token = await self.api.token_from_otp(code)
        await self._store_token(token)
        return token.access_token

    def _check_budget(self, now: float) -> None:
        used = prune_used(self._otp.used_at, now)
        if len(used) >= OTP_LIMIT:
            wait = max(0.0, used[-OTP_LIMIT] + OTP_WINDOW - now)
            raise PSARateLimitError("The day's OTP codes are spent; waiting for the next", wait)

    async def _store_otp(self, state: OtpState) -> None:
        # Kept in memory even if saving fails: it is the server's current view.
        try:
            await self._on_otp_update(state)
        finally:
            self._otp = state

    async def _store_token(self, token: RemoteToken) -> None:
        try:
            await self._on_token_update(token)
        finally:
            self._token = token
