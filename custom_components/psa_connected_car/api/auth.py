"""OAuth2 with the brands' identity servers: password grant, authorization code, refresh, revoke.

The login must never be lost: every new token set is handed to ``on_token_update`` before it
is used, a refresh is never run twice at once, and the identity server is asked at most
``TOKEN_REQUEST_LIMIT`` times per ``TOKEN_REQUEST_WINDOW`` seconds.
"""

from __future__ import annotations

import asyncio
import base64
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from email.utils import parsedate_to_datetime
import hashlib
import json
import logging
import re
import secrets
import time
from typing import Any
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import aiohttp

from .brands import Brand
from .exceptions import (
    PSAApiError,
    PSAAuthError,
    PSAConnectionError,
    PSAError,
    PSAInvalidClientError,
    PSAInvalidCodeError,
    PSAPasswordGrantUnsupportedError,
    PSARateLimitError,
)
from .models import AuthorizationRequest, TokenSet

_LOGGER = logging.getLogger(__name__)

SCOPE = "openid profile"
REFRESH_MARGIN = 300.0  # refresh this many seconds before the access token expires
DEFAULT_EXPIRES_IN = 3600.0
TOKEN_REQUEST_LIMIT = 6
TOKEN_REQUEST_WINDOW = 1800.0
MAX_PASTE_LENGTH = 4096
_CODE_SHAPE = re.compile(r"^[A-Za-z0-9._~-]{8,512}$")
_PASSWORD_REFUSALS = ("unsupported_grant_type", "unauthorized_client", "server_error")

TokenCallback = Callable[[TokenSet], Awaitable[None]]


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """``Retry-After`` as seconds (it may also be an HTTP date)."""
    value = headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


class PSAAuth:
    """Tokens of one account at one brand's identity server."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        brand: Brand,
        country: str,
        client_id: str,
        client_secret: str,
        *,
        token: TokenSet | None = None,
        on_token_update: TokenCallback | None = None,
        idp_base_url: str | None = None,
        clock: Callable[[], float] = time.time,
        timeout: float = 30,
    ) -> None:
        self.session = session
        self.brand = brand
        self.country = country
        self.client_id = client_id
        self._client_secret = client_secret
        self._token = token
        self._on_token_update = on_token_update
        self.idp_base_url = (idp_base_url or brand.idp_base_url).rstrip("/")
        self._clock = clock
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._refresh_lock = asyncio.Lock()
        self._requests: deque[float] = deque()

    def __repr__(self) -> str:  # never the secret or the tokens
        return f"PSAAuth(brand={self.brand.key!r}, country={self.country!r})"

    @property
    def token(self) -> TokenSet | None:
        """The current token set, if logged in."""
        return self._token

    @property
    def account_id(self) -> str | None:
        """The ``sub`` claim of the identity token: a stable id of the account."""
        if self._token is None or not self._token.id_token:
            return None
        parts = self._token.id_token.split(".")
        if len(parts) < 2:
            return None
        try:
            claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
        except ValueError:
            return None
        subject = claims.get("sub") if isinstance(claims, dict) else None
        return subject if isinstance(subject, str) and subject else None

    @property
    def redirect_uri(self) -> str:
        return self.brand.redirect_uri(self.country)

    # Logins -----------------------------------------------------------------------------

    async def login_password(self, username: str, password: str) -> TokenSet:
        """Resource-owner password grant (refused by the production servers since 2024)."""
        form = {
            "realm": self.brand.realm,
            "grant_type": "password",
            "username": username,
            "password": password,
            "scope": SCOPE,
        }
        return await self._store(await self._token_request("password", form))

    def create_authorization_request(self) -> AuthorizationRequest:
        """A new login attempt in the browser: the URL to open, with state and PKCE S256."""
        state = secrets.token_urlsafe(24)
        verifier = secrets.token_urlsafe(64)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
        query = {
            "client_id": self.client_id,
            "response_type": "code",
            "redirect_uri": self.redirect_uri,
            "scope": SCOPE,
            "state": state,
            "code_challenge": challenge.decode().rstrip("="),
            "code_challenge_method": "S256",
        }
        return AuthorizationRequest(
            url=f"{self.idp_base_url}/am/oauth2/authorize?{urlencode(query, quote_via=quote)}",
            state=state,
            code_verifier=verifier,
            redirect_uri=self.redirect_uri,
        )

    @staticmethod
    def extract_code(pasted: str, request: AuthorizationRequest | None = None) -> str:
        """The code out of what the user pasted: the bare code or the whole redirect URL."""
        text = pasted.strip().strip("'\"<>").strip()
        if not text:
            raise PSAInvalidCodeError("empty", "Nothing was pasted")
        if len(text) > MAX_PASTE_LENGTH:
            raise PSAInvalidCodeError("too_long", "The pasted text is far longer than a code")
        if "://" in text or "code=" in text or text.startswith("?"):
            text = _code_from_url(text, request)
        if not _CODE_SHAPE.match(text):
            raise PSAInvalidCodeError("malformed", "The pasted code does not look like a code")
        return text

    async def login_code(self, pasted: str, request: AuthorizationRequest) -> TokenSet:
        """Exchange the pasted authorization code (or redirect URL) for tokens."""
        form = {
            "grant_type": "authorization_code",
            "code": self.extract_code(pasted, request),
            "redirect_uri": request.redirect_uri,
            "code_verifier": request.code_verifier,
        }
        return await self._store(await self._token_request("authorization_code", form))

    # Keeping the login alive ------------------------------------------------------------

    async def async_get_access_token(self) -> str:
        """A valid access token, refreshed shortly before it expires."""
        token = self._require_token()
        if token.expires_at - REFRESH_MARGIN > self._clock():
            return token.access_token
        return (await self._refresh_unless_done(token)).access_token

    async def refresh(self) -> TokenSet:
        """Refresh now (one refresh at a time; waiters share its result)."""
        return await self._refresh_unless_done(self._require_token())

    async def refresh_rejected(self, access_token: str) -> str:
        """The API refused ``access_token``: refresh, unless another caller already did."""
        token = self._require_token()
        if token.access_token != access_token:
            return token.access_token
        return (await self._refresh_unless_done(token)).access_token

    async def revoke(self) -> None:
        """Revoke the refresh token (best effort: used when the integration is removed)."""
        if self._token is None:
            return
        url = f"{self.idp_base_url}/am/oauth2/token/revoke"
        try:
            async with self.session.post(
                url,
                params={"realm": self.brand.realm},
                data={"token": self._token.refresh_token},
                headers=self._basic_auth(),
                timeout=self._timeout,
            ) as response:
                _LOGGER.debug("Token revocation answered HTTP %s", response.status)
        except (aiohttp.ClientError, TimeoutError) as err:
            _LOGGER.debug("Token revocation failed: %s", type(err).__name__)

    # Internals ----------------------------------------------------------------------------

    def _require_token(self) -> TokenSet:
        if self._token is None:
            raise PSAAuthError("Not logged in")
        return self._token

    async def _refresh_unless_done(self, seen: TokenSet) -> TokenSet:
        async with self._refresh_lock:
            current = self._require_token()
            if current.access_token != seen.access_token:
                return current  # refreshed while this caller waited
            form = {
                "grant_type": "refresh_token",
                "refresh_token": current.refresh_token,
                "scope": SCOPE,
            }
            new = await self._token_request("refresh_token", form, current.refresh_token)
            return await self._store(new)

    async def _store(self, token: TokenSet) -> TokenSet:
        """Keep the new tokens; the caller's callback saves them before anyone uses them."""
        self._token = token
        if self._on_token_update is not None:
            await self._on_token_update(token)
        return token

    def _basic_auth(self) -> dict[str, str]:
        raw = f"{self.client_id}:{self._client_secret}".encode()
        return {"Authorization": f"Basic {base64.b64encode(raw).decode()}"}

    def _check_request_budget(self) -> None:
        now = self._clock()
        while self._requests and now - self._requests[0] >= TOKEN_REQUEST_WINDOW:
            self._requests.popleft()
        if len(self._requests) >= TOKEN_REQUEST_LIMIT:
            wait = self._requests[0] + TOKEN_REQUEST_WINDOW - now
            raise PSARateLimitError("Too many token requests; waiting before the next one", wait)
        self._requests.append(now)

    async def _token_request(
        self, grant: str, form: dict[str, str], previous_refresh: str | None = None
    ) -> TokenSet:
        self._check_request_budget()
        url = f"{self.idp_base_url}/am/oauth2/access_token"
        try:
            async with self.session.post(
                url,
                params={"realm": self.brand.realm},
                data=form,
                headers={**self._basic_auth(), "Accept": "application/json"},
                timeout=self._timeout,
            ) as response:
                status, headers = response.status, response.headers
                text = await response.text()
        except (aiohttp.ClientError, TimeoutError) as err:
            raise PSAConnectionError(f"Identity server unreachable: {type(err).__name__}") from err
        _LOGGER.debug("Token request (%s grant) answered HTTP %s", grant, status)
        body = _json_or_none(text)
        if status != 200:
            raise _token_error(grant, status, body, headers)
        return self._token_from(body, previous_refresh)

    def _token_from(self, body: Any, previous_refresh: str | None) -> TokenSet:
        if not isinstance(body, dict) or not isinstance(body.get("access_token"), str):
            raise PSAConnectionError("The identity server sent an unreadable token response")
        refresh = body.get("refresh_token")
        if not isinstance(refresh, str) or not refresh:
            if previous_refresh is None:
                raise PSAConnectionError("The identity server sent no refresh token")
            refresh = previous_refresh
        try:
            expires_in = float(body.get("expires_in", DEFAULT_EXPIRES_IN))
        except (TypeError, ValueError):
            expires_in = DEFAULT_EXPIRES_IN
        id_token, scope = body.get("id_token"), body.get("scope")
        return TokenSet(
            access_token=body["access_token"],
            refresh_token=refresh,
            expires_at=self._clock() + expires_in,
            id_token=id_token if isinstance(id_token, str) else None,
            scope=scope if isinstance(scope, str) else None,
        )


def _code_from_url(text: str, request: AuthorizationRequest | None) -> str:
    parts = urlsplit(text if not text.startswith("?") else f"x://x{text}")
    if parts.scheme.lower() in ("http", "https"):
        raise PSAInvalidCodeError(
            "wrong_redirect", "This is a web page address, not the app redirect address"
        )
    query = parse_qs(parts.query) or parse_qs(parts.fragment)
    codes = query.get("code")
    if not codes:
        raise PSAInvalidCodeError("no_code", "The pasted address has no code in it")
    states = query.get("state")
    if states and request is not None and states[0] != request.state:
        raise PSAInvalidCodeError("state_mismatch", "The pasted address is from another login")
    return codes[0].strip()


def _json_or_none(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


def _token_error(  # noqa: PLR0911 - one return per documented error
    grant: str, status: int, body: Any, headers: Mapping[str, str]
) -> PSAError:
    """The exception for a refused token request (the server's words carry no secret)."""
    data = body if isinstance(body, dict) else {}
    error = str(data.get("error") or "")
    description = str(data.get("error_description") or error or f"HTTP {status}")
    if status == 429:
        return PSARateLimitError(description, retry_after_seconds(headers))
    if error == "invalid_client":
        return PSAInvalidClientError(description)
    if grant == "password" and error in _PASSWORD_REFUSALS:
        return PSAPasswordGrantUnsupportedError(description)
    if grant == "authorization_code" and error in (
        "invalid_grant",
        "redirect_uri_mismatch",
        "invalid_request",
    ):
        return PSAInvalidCodeError("rejected", description)
    if error == "invalid_grant":
        return PSAAuthError(description)
    if status >= 500 or not data:
        return PSAConnectionError(f"Identity server error: {description}")
    return PSAApiError(status, error or None, description)
