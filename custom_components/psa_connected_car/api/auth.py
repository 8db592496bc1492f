"""OAuth2 with the brands' identity servers: password grant, authorization code, refresh, revoke.

Before a browser login, ``check_client`` asks the identity server whether it accepts the app
credentials, so that a wrong client id or secret shows before the user signs in on the web page.

The login must never be lost: every new token set is handed to ``on_token_update`` (and
awaited) before it is used or returned, only one refresh is ever in flight, and the identity
server is asked at most ``TOKEN_REQUEST_LIMIT`` times per ``TOKEN_REQUEST_WINDOW`` seconds.
"""

from __future__ import annotations

import asyncio
import base64
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
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
from .http import decode_body, is_token, retry_after_seconds, token_lifetime
from .models import AuthorizationRequest, TokenSet

_LOGGER = logging.getLogger(__name__)

SCOPE = "openid profile"
REFRESH_MARGIN = 300.0  # refresh this many seconds before the access token expires
DEFAULT_EXPIRES_IN = 3600.0  # assumed when the server sends no usable expires_in
TOKEN_REQUEST_LIMIT = 6
TOKEN_REQUEST_WINDOW = 1800.0
MAX_PASTE_LENGTH = 4096
REDIRECT_HOST = "oauth2redirect"
_CODE_SHAPE = re.compile(r"^[A-Za-z0-9._~-]{8,512}$")
# What a token may look like before it goes into a header (printable, no spaces).
_PASSWORD_REFUSALS = ("unsupported_grant_type", "unauthorized_client", "server_error")
_CODE_REFUSALS = ("invalid_grant", "redirect_uri_mismatch", "invalid_request")
_SERVER_TROUBLE = ("server_error", "temporarily_unavailable")  # OAuth's own "try later"
_QUOTES = "'\"<>`"

TokenCallback = Callable[[TokenSet], Awaitable[None]]


class PSAAuth:
    """Tokens of one account at one brand's identity server.

    ``on_token_update`` receives every new token set (login or refresh) and is awaited
    before the token is used or returned: a refresh rotates the refresh token, so the new
    one must be saved before anything else can go wrong.
    """

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
        """One account at ``brand``'s identity server; ``token`` resumes a stored login."""
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
        self._refreshing: asyncio.Task[TokenSet] | None = None
        self._lifetime = DEFAULT_EXPIRES_IN  # of the last access token this object received
        self._requests: deque[float] = deque()

    def __repr__(self) -> str:
        """Brand and country only: never the secret or the tokens."""
        return f"PSAAuth(brand={self.brand.key!r}, country={self.country!r})"

    @property
    def token(self) -> TokenSet | None:
        """The current token set, if logged in."""
        return self._token

    @property
    def account_id(self) -> str | None:
        """The ``sub`` claim of the identity token (read, not verified), else None."""
        if self._token is None or not self._token.id_token:
            return None
        parts = self._token.id_token.split(".")
        if len(parts) < 2:
            return None
        try:
            claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
        except (ValueError, RecursionError):
            return None
        subject = claims.get("sub") if isinstance(claims, dict) else None
        return subject if isinstance(subject, str) and subject else None

    @property
    def redirect_uri(self) -> str:
        """``<scheme>://oauth2redirect/<country>``: the only one the identity server accepts."""
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
        verifier = secrets.token_urlsafe(64)  # 86 characters, within RFC 7636's 43..128
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
        """The code out of what the user pasted: the bare code or the whole redirect URL.

        Raises ``PSAInvalidCodeError`` whose ``reason`` says what is wrong: ``empty``,
        ``too_long``, ``no_code``, ``malformed``, ``state_mismatch`` or ``wrong_redirect``.
        """
        text = pasted.strip().strip(_QUOTES).strip()
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
        """Exchange the pasted authorization code (or redirect URL) for tokens (PKCE)."""
        form = {
            "grant_type": "authorization_code",
            "code": self.extract_code(pasted, request),
            "redirect_uri": request.redirect_uri,
            "code_verifier": request.code_verifier,
        }
        return await self._store(await self._token_request("authorization_code", form))

    async def check_client(self) -> None:
        """Whether the identity server accepts the client id and secret, without logging in.

        A refresh grant with a made-up token: OAuth servers authenticate the client before
        they look at the grant, so a wrong pair gets ``invalid_client`` and a good one a refusal
        of the grant (``invalid_grant``). Raises ``PSAInvalidClientError`` for a wrong pair,
        ``PSARateLimitError`` or ``PSAConnectionError`` when the server cannot tell now; it
        counts against the token request budget like any token request.
        """
        form = {
            "grant_type": "refresh_token",
            "refresh_token": f"client-check-{secrets.token_urlsafe(24)}",  # never a real one
            "scope": SCOPE,
        }
        status, headers, body = await self._post_token("client check", form)
        if status == 200:
            return  # cannot happen with a made-up token; the pair was accepted all the same
        error = _token_error("refresh_token", status, body, headers, self._clock)
        if isinstance(error, PSAInvalidClientError | PSARateLimitError | PSAConnectionError):
            raise error
        # Any other refusal (invalid_grant, or another OAuth error about the grant) comes
        # after the client was authenticated.

    # Keeping the login alive ------------------------------------------------------------

    async def async_get_access_token(self) -> str:
        """A valid access token, refreshed shortly before it expires (single flight)."""
        token = self._require_token()
        if token.expires_at - self._margin() > self._clock():
            return token.access_token
        return (await self._refresh_unless_done()).access_token

    async def refresh(self) -> TokenSet:
        """Refresh now; a caller that comes while a refresh is in flight shares its result."""
        return await self._refresh_unless_done()

    async def refresh_rejected(self, access_token: str) -> str:
        """The API refused ``access_token``: refresh, unless another caller already did."""
        return (await self._refresh_unless_done(rejected=access_token)).access_token

    async def revoke(self) -> None:
        """Revoke the refresh token (best effort, for removal: network trouble is only logged)."""
        if self._token is None:
            return
        try:
            async with self.session.post(
                f"{self.idp_base_url}/am/oauth2/token/revoke",
                params={"realm": self.brand.realm},
                data={"token": self._token.refresh_token},
                headers=self._basic_auth(),
                timeout=self._timeout,
            ) as response:
                _LOGGER.debug("Token revocation answered HTTP %s", response.status)
        except (aiohttp.ClientError, TimeoutError, ValueError) as err:
            _LOGGER.debug("Token revocation failed: %s", type(err).__name__)

    # Internals ----------------------------------------------------------------------------

    def _require_token(self) -> TokenSet:
        if self._token is None:
            raise PSAAuthError("Not logged in")
        return self._token

    def _margin(self) -> float:
        # Short-lived tokens (under 10 min) are refreshed at half their life, not in a loop.
        return min(REFRESH_MARGIN, self._lifetime / 2)

    async def _refresh_unless_done(self, *, rejected: str | None = None) -> TokenSet:
        """Join the refresh in flight, or start one (unless ``rejected`` is no longer in use).

        The refresh runs as a task of its own: a caller that is cancelled cannot interrupt
        it between the server's answer and ``on_token_update``, and every waiter gets the
        same result or the same error from one token request.
        """
        if self._refreshing is None:
            current = self._require_token()
            if rejected is not None and current.access_token != rejected:
                return current  # refreshed after this caller's request was refused
            self._refreshing = asyncio.get_running_loop().create_task(self._run_refresh(current))
            self._refreshing.add_done_callback(self._refresh_finished)
        return await asyncio.shield(self._refreshing)

    def _refresh_finished(self, task: asyncio.Task[TokenSet]) -> None:
        # Runs before any waiter resumes (registered before the first shield), so the
        # next caller after a finished refresh never joins it.
        self._refreshing = None
        if not task.cancelled():
            task.exception()  # retrieved here so that an error nobody awaits is not reported

    async def _run_refresh(self, current: TokenSet) -> TokenSet:
        form = {
            "grant_type": "refresh_token",
            "refresh_token": current.refresh_token,
            "scope": SCOPE,
        }
        new = await self._token_request("refresh_token", form, current.refresh_token)
        return await self._store(new)

    async def _store(self, token: TokenSet) -> TokenSet:
        """Hand the new tokens to the callback first, then use them.

        Should the callback fail, the tokens are kept in memory all the same: the server
        has already retired the previous refresh token, so dropping them would lose the login.
        """
        try:
            if self._on_token_update is not None:
                await self._on_token_update(token)
        finally:
            self._token = token
        return token

    def _basic_auth(self) -> dict[str, str]:
        raw = f"{self.client_id}:{self._client_secret}".encode()
        return {"Authorization": f"Basic {base64.b64encode(raw).decode()}"}

    def _check_request_budget(self) -> None:
        """Sliding window over the injected clock: at most 6 token requests per 30 min."""
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
        status, headers, body = await self._post_token(grant, form)
        if status != 200:
            raise _token_error(grant, status, body, headers, self._clock)
        return self._token_from(body, previous_refresh)

    async def _post_token(
        self, grant: str, form: dict[str, str]
    ) -> tuple[int, Mapping[str, str], Any]:
        """One request to the token endpoint, within the budget: status, headers and body."""
        self._check_request_budget()
        # The seed's password grant carries the realm in the form; the others in the query.
        params = {} if grant == "password" else {"realm": self.brand.realm}
        try:
            async with self.session.post(
                f"{self.idp_base_url}/am/oauth2/access_token",
                params=params,
                data=form,
                headers={**self._basic_auth(), "Accept": "application/json"},
                timeout=self._timeout,
            ) as response:
                status, headers = response.status, response.headers
                body = decode_body(await response.read())
        except (aiohttp.ClientError, TimeoutError) as err:
            raise PSAConnectionError(f"Identity server unreachable: {type(err).__name__}") from err
        _LOGGER.debug("Token request (%s grant) answered HTTP %s", grant, status)
        return status, headers, body

    def _token_from(self, body: Any, previous_refresh: str | None) -> TokenSet:
        data = body if isinstance(body, dict) else {}
        access = data.get("access_token")
        if not is_token(access):
            raise PSAConnectionError("The identity server sent an unreadable token response")
        refresh = data.get("refresh_token")
        if not is_token(refresh):
            if previous_refresh is None:
                raise PSAConnectionError("The identity server sent no refresh token")
            refresh = previous_refresh  # no rotation this time: the old one stays valid
        self._lifetime = token_lifetime(data.get("expires_in"), DEFAULT_EXPIRES_IN)
        id_token, scope = data.get("id_token"), data.get("scope")
        return TokenSet(
            access_token=access,
            refresh_token=refresh,
            expires_at=self._clock() + self._lifetime,
            id_token=id_token if isinstance(id_token, str) else None,
            scope=scope if isinstance(scope, str) else None,
        )


def _code_from_url(text: str, request: AuthorizationRequest | None) -> str:
    """The ``code`` of a pasted redirect URL (or of its bare query string)."""
    if "://" in text:
        parts = urlsplit(text)
        if not _is_app_redirect(parts.scheme, parts.netloc, request):
            raise PSAInvalidCodeError(
                "wrong_redirect", "This is not the app's oauth2redirect address"
            )
        query = parse_qs(parts.query) or parse_qs(parts.fragment)
    else:  # "?code=...&state=..." or "code=...&state=..."
        query = parse_qs(text.split("?", 1)[-1])
    codes = query.get("code")
    if not codes:
        raise PSAInvalidCodeError("no_code", "The pasted address has no code in it")
    states = query.get("state")
    if states and request is not None and states[0] != request.state:
        raise PSAInvalidCodeError("state_mismatch", "The pasted address is from another login")
    return codes[0].strip()


def _is_app_redirect(scheme: str, host: str, request: AuthorizationRequest | None) -> bool:
    """``<app scheme>://oauth2redirect/...``; a web page (the brand portal) is the usual mistake."""
    if scheme.lower() in ("http", "https") or host.lower() != REDIRECT_HOST:
        return False
    if request is None:
        return True
    return scheme.lower() == urlsplit(request.redirect_uri).scheme.lower()


def _token_error(  # noqa: PLR0911 - one return per documented error
    grant: str,
    status: int,
    body: Any,
    headers: Mapping[str, str],
    clock: Callable[[], float],
) -> PSAError:
    """The exception for a refused token request (the server's words carry no secret)."""
    data = body if isinstance(body, dict) else {}
    error = str(data.get("error") or "")[:100]
    description = str(data.get("error_description") or error or f"HTTP {status}")[:300]
    if status == 429:
        return PSARateLimitError(description, retry_after_seconds(headers, clock))
    if error == "invalid_client":
        return PSAInvalidClientError(description)
    if grant == "password" and error in _PASSWORD_REFUSALS:
        return PSAPasswordGrantUnsupportedError(description)
    if grant == "authorization_code" and error in _CODE_REFUSALS:
        return PSAInvalidCodeError("rejected", description)
    if error == "invalid_grant":
        return PSAAuthError(description)
    if status >= 500 or not data or error in _SERVER_TROUBLE:  # not an answer about the grant
        return PSAConnectionError(f"Identity server error: {description}")
    return PSAApiError(status, error or None, description)
