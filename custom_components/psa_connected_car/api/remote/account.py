"""The account side of remote commands: customer id (§2), the SMS (§3.1) and MQTT tokens (§4).

Every call carries the account's OAuth access token, like ``PSAClient``'s: one refresh and one
retry after a 401, never a loop.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
import logging
import time
from typing import Any, Final

import aiohttp

from ..auth import PSAAuth
from ..exceptions import (
    PSAApiError,
    PSAConnectionError,
    PSAError,
    PSAPairingError,
    PSARateLimitError,
    PSARemoteAuthError,
)
from ..http import decode_body, is_token, retry_after_seconds, token_lifetime
from .models import REMOTE_API_BASE_URL, OtpState, RemoteToken
from .otp import InWeboClient

_LOGGER = logging.getLogger(__name__)

CAR_ASSOCIATIONS_PATH: Final = "/applications/cvs/v4/mauv/car-associations"
SMS_CODE_PATH: Final = "/applications/cvs/v4/mobile/smsCode"
TOKEN_PATH: Final = "/connectedcar/v4/virtualkey/remoteaccess/token"  # noqa: S105 - a path
HAL_JSON: Final = "application/hal+json"
USER_AGENT: Final = "okhttp/4.8.0"  # what the brand apps send (§3.1, §4)
DEFAULT_EXPIRES_IN: Final = 899.0  # the access token's lifetime seen in the wild (§4)
# The MQTT customer id's prefix for brands whose app code is not the broker's (§2 table).
# Open question 1 (§11): car-associations may already answer AC-/OV- for these brands; the
# mapping then changes nothing, while a DS-/OP-/VX- id is known to get disconnected.
MQTT_PREFIXES: Final[Mapping[str, str]] = {"DS": "AC", "OP": "OV", "VX": "OV"}


def mqtt_customer_id(customer: str) -> str:
    """The customer id as the broker wants it: DS-/OP-/VX- become AC-/OV- (§2)."""
    prefix, dash, rest = customer.partition("-")
    if dash and prefix.upper() in MQTT_PREFIXES:
        return f"{MQTT_PREFIXES[prefix.upper()]}-{rest}"
    return customer


class PSARemoteApi:
    """The Stellantis endpoints that pair an account and grant MQTT tokens."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        auth: PSAAuth,
        *,
        base_url: str = REMOTE_API_BASE_URL,
        locale: str = "en-GB",
        timeout: float = 30,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """Use ``auth``'s OAuth tokens; ``clock`` stamps the MQTT tokens' times."""
        self.session = session
        self.auth = auth
        self.base_url = base_url.rstrip("/")
        self.locale = locale
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._clock = clock

    def __repr__(self) -> str:
        """The host only."""
        return f"PSARemoteApi(base_url={self.base_url!r})"

    async def get_customer_id(self) -> str:
        """The MQTT customer id from the first car association (``[]``: ``no_customer_id``)."""
        status, body, headers = await self._call("GET", CAR_ASSOCIATIONS_PATH)
        _check(status, body, headers, self._clock)
        if not isinstance(body, list):
            raise PSAConnectionError("The car associations came in an unexpected shape")
        for item in body:
            customer = item.get("customer") if isinstance(item, Mapping) else None
            if isinstance(customer, str) and customer.strip():
                return mqtt_customer_id(customer.strip())
        raise PSAPairingError("no_customer_id", "The account has no car association")

    async def request_sms_code(self) -> None:
        """Ask for the SMS with the activation code (sent to the account's phone)."""
        status, body, headers = await self._call("POST", SMS_CODE_PATH)
        _check(status, body, headers, self._clock)

    async def token_from_otp(self, otp_code: str) -> RemoteToken:
        """A new MQTT token pair, by the password grant with a fresh OTP code."""
        body = {"grant_type": "password", "password": otp_code}
        return self._token(await self._grant(body), None)

    async def token_from_refresh(self, refresh_token: str) -> RemoteToken:
        """A new MQTT access token; the server sends no new refresh token, so it is kept.

        ``minted_at`` is now: the caller that knows when the refresh token was issued keeps
        its own time (``RemoteTokenManager`` does).
        """
        body = {"grant_type": "refresh_token", "refresh_token": refresh_token}
        return self._token(await self._grant(body), refresh_token)

    # Internals ----------------------------------------------------------------------------

    async def _grant(self, body: Mapping[str, str]) -> Any:
        grant = body["grant_type"]
        status, answer, headers = await self._call("POST", TOKEN_PATH, body)
        _LOGGER.debug("MQTT token request (%s grant) answered HTTP %s", grant, status)
        data = answer if isinstance(answer, Mapping) else {}
        if status in (400, 403) and data.get("error") == "invalid_grant":
            raise PSARemoteAuthError(_words(data, status))
        _check(status, answer, headers, self._clock)
        return answer

    def _token(self, answer: Any, previous_refresh: str | None) -> RemoteToken:
        data = answer if isinstance(answer, Mapping) else {}
        access = data.get("access_token")
        if not is_token(access):
            raise PSAConnectionError("The MQTT token answer is unreadable")
        refresh = data.get("refresh_token")
        now = self._clock()
        return RemoteToken(
            access_token=access,
            refresh_token=refresh if is_token(refresh) else previous_refresh,
            expires_at=now + token_lifetime(data.get("expires_in"), DEFAULT_EXPIRES_IN),
            minted_at=now,
        )

    async def _call(
        self, method: str, path: str, body: Mapping[str, str] | None = None
    ) -> tuple[int, Any, Mapping[str, str]]:
        """One request with the OAuth token; after a 401 one refresh and one retry."""
        token = await self.auth.async_get_access_token()
        status, answer, headers = await self._request(method, path, body, token)
        if status == 401:
            _LOGGER.debug("Remote API answered 401 on %s: refreshing the token once", path)
            token = await self.auth.refresh_rejected(token)
            status, answer, headers = await self._request(method, path, body, token)
            if status == 401:
                # The refresh itself succeeded, so the login is fine: a gateway hiccup.
                raise PSAConnectionError("The API refused a freshly refreshed token")
        return status, answer, headers

    async def _request(
        self, method: str, path: str, body: Mapping[str, str] | None, token: str
    ) -> tuple[int, Any, Mapping[str, str]]:
        headers = {
            "Authorization": f"Bearer {token}",
            "x-introspect-realm": self.auth.brand.realm,
            "Accept": HAL_JSON,
            "User-Agent": USER_AGENT,
        }
        query = {"client_id": self.auth.client_id, "locale": self.locale}
        try:
            async with self.session.request(
                method,
                f"{self.base_url}{path}",
                params=query,
                json=body,
                headers=headers,
                timeout=self._timeout,
            ) as response:
                return response.status, decode_body(await response.read()), response.headers
        except (aiohttp.ClientError, TimeoutError) as err:
            raise PSAConnectionError(f"Remote API unreachable: {type(err).__name__}") from err


def _check(status: int, body: Any, headers: Mapping[str, str], clock: Callable[[], float]) -> None:
    """Raise the error of a failed answer (any 2xx passes)."""
    if 200 <= status < 300:
        return
    data = body if isinstance(body, Mapping) else {}
    raise _error(status, data, headers, clock)


def _error(
    status: int, data: Mapping[str, Any], headers: Mapping[str, str], clock: Callable[[], float]
) -> PSAError:
    message = _words(data, status)
    if status == 429:
        return PSARateLimitError(message, retry_after_seconds(headers, clock))
    if status >= 500:
        return PSAConnectionError(f"HTTP {status}: {message}")
    code = data.get("code", data.get("error"))
    return PSAApiError(status, code if isinstance(code, int | str) else None, message)


def _words(data: Mapping[str, Any], status: int) -> str:
    """The server's own words (never a secret), cut to 300 characters."""
    return str(
        data.get("error_description")
        or data.get("message")
        or data.get("error")
        or " - ".join(str(data[key]) for key in ("httpMessage", "moreInformation") if key in data)
        or f"HTTP {status}"
    )[:300]


async def async_pair(
    api: PSARemoteApi,
    inwebo: InWeboClient,
    sms_code: str,
    pin: str,
    device_id: str,
    *,
    clock: Callable[[], float] = time.time,
) -> tuple[str, OtpState, RemoteToken]:
    """Pair: customer id, activation, the first OTP code and the first MQTT token.

    The customer id comes first, so an account without one spends no device slot. Never
    retried (each activation takes one of a few device slots). The returned state already
    counts the first code in ``used_at`` (stamped by ``clock``).
    """
    customer_id = await api.get_customer_id()
    state = await inwebo.activate(sms_code, pin, device_id)
    code, state = await inwebo.generate_code(state, now=clock())
    return customer_id, state, await api.token_from_otp(code)
