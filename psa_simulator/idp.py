"""The identity server (ForgeRock AM look-alike): token, authorize and revoke endpoints."""

from __future__ import annotations

import asyncio
import base64
import binascii
from collections.abc import Callable, Mapping
import hashlib
import hmac
import html
import json
from typing import Any
from urllib.parse import quote, urlencode

from aiohttp import web

from .const import (
    ALLOWED_SCOPES,
    CLIENT_AUTH_FAILED,
    CODE_GRANT_INVALID,
    DEFAULT_SCOPE,
    DEMO_CLIENT_ID,
    DEMO_USERNAME,
    OAUTH_PREFIX,
    REDIRECT_MISMATCH,
    REFRESH_GRANT_INVALID,
)
from .responses import NO_STORE, json_response, oauth_error
from .state import STATE, AccessToken, RefreshToken, SimulatorState

PASSWORD_REFUSALS: dict[str, tuple[int, str, str]] = {
    "unsupported_grant_type": (400, "unsupported_grant_type", "Unsupported grant type: password"),
    "invalid_grant": (400, "invalid_grant", REFRESH_GRANT_INVALID),
    "server_error": (500, "server_error", "Internal Server Error"),
}


async def _params(request: web.Request) -> dict[str, str]:
    """Query and form parameters together (one peer sends everything in the query string)."""
    params = dict(request.query)
    if request.can_read_body:
        form = await request.post()
        params.update({key: value for key, value in form.items() if isinstance(value, str)})
    return params


def _client_authenticated(request: web.Request, state: SimulatorState) -> bool:
    """HTTP Basic ``client_id:client_secret`` of the account's app."""
    scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return False
    login, _, secret = decoded.partition(":")
    account = state.account
    return hmac.compare_digest(login.encode(), account.client_id.encode()) and (
        hmac.compare_digest(secret.encode(), account.client_secret.encode())
    )


def _scope(requested: str | None) -> str | None:
    """The granted scope, or None when a scope outside openid/profile/email was asked."""
    if not requested:
        return DEFAULT_SCOPE
    scopes = requested.split()
    if not set(scopes) <= ALLOWED_SCOPES:
        return None
    return " ".join(scopes)


def _b64(data: Mapping[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _id_token(request: web.Request, state: SimulatorState, access: AccessToken) -> str:
    """An unsigned JWT (``alg: none``) with the stable account id as ``sub``."""
    account = state.account
    now = int(state.now())
    claims = {
        "sub": account.account_id,
        "email": account.username,
        "iss": f"{request.url.origin()}{OAUTH_PREFIX}/{account.brand.realm}",
        "aud": access.client_id,
        "azp": access.client_id,
        "realm": f"/{account.brand.realm}",
        "tokenName": "id_token",
        "iat": now,
        "auth_time": now,
        "exp": int(access.expires_at),
    }
    return f"{_b64({'typ': 'JWT', 'alg': 'none'})}.{_b64(claims)}."


def _token_response(
    request: web.Request, state: SimulatorState, tokens: tuple[AccessToken, RefreshToken]
) -> web.Response:
    access, refresh = tokens
    body = {
        "access_token": access.value,
        "refresh_token": refresh.value,
        "scope": access.scope,
        "id_token": _id_token(request, state, access),
        "token_type": "Bearer",
        "expires_in": state.config.access_token_lifetime,
    }
    return json_response(body, headers=NO_STORE)


def _realm_error(state: SimulatorState, params: Mapping[str, str]) -> web.Response | None:
    realm = params.get("realm")
    if realm is not None and realm != state.account.brand.realm:
        return oauth_error("invalid_request", "Invalid realm")
    return None


async def token(request: web.Request) -> web.Response:
    """``POST /am/oauth2/access_token``: counts, waits a little (so overlap shows), answers."""
    state = request.app[STATE]
    params = await _params(request)
    grant = params.get("grant_type", "")
    state.stats.token_requests[grant] += 1
    state.stats.token_in_flight += 1
    state.stats.max_concurrent_token_requests = max(
        state.stats.max_concurrent_token_requests, state.stats.token_in_flight
    )
    try:
        await asyncio.sleep(state.config.token_request_delay)
        return _grant(request, state, params, grant)
    finally:
        state.stats.token_in_flight -= 1


def _grant(
    request: web.Request, state: SimulatorState, params: Mapping[str, str], grant: str
) -> web.Response:
    if not _client_authenticated(request, state):
        return oauth_error("invalid_client", CLIENT_AUTH_FAILED, status=401)
    if (error := _realm_error(state, params)) is not None:
        return error
    if (handler := GRANT_HANDLERS.get(grant)) is not None:
        return handler(request, state, params)
    if not grant:
        return oauth_error("invalid_request", "Grant type is not set")
    return oauth_error("unsupported_grant_type", f"Unsupported grant type: {grant}")


def _password_grant(
    request: web.Request, state: SimulatorState, params: Mapping[str, str]
) -> web.Response:
    if not state.password_grant:
        status, error, description = PASSWORD_REFUSALS[state.password_refusal]
        return oauth_error(error, description, status=status)
    account = state.account
    username, password = params.get("username", ""), params.get("password", "")
    if not (
        hmac.compare_digest(username.encode(), account.username.encode())
        and hmac.compare_digest(password.encode(), account.password.encode())
    ):
        return oauth_error("invalid_grant", REFRESH_GRANT_INVALID)
    scope = _scope(params.get("scope"))
    if scope is None:
        return oauth_error("invalid_scope", "Unknown/invalid scope(s)")
    return _token_response(request, state, state.issue_tokens(account.client_id, scope))


def _pkce_ok(method: str | None, challenge: str, verifier: str) -> bool:
    if method == "S256":
        digest = hashlib.sha256(verifier.encode()).digest()
        computed = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    else:  # RFC 7636: no method means plain
        computed = verifier
    return hmac.compare_digest(computed, challenge)


def _code_grant(
    request: web.Request, state: SimulatorState, params: Mapping[str, str]
) -> web.Response:
    account = state.account
    if params.get("redirect_uri") != account.redirect_uri:
        return oauth_error("redirect_uri_mismatch", REDIRECT_MISMATCH)
    if not (value := params.get("code")):
        return oauth_error("invalid_request", "Missing parameter, 'code'")
    code = state.find_code(value, account.client_id)
    if code is None:
        return oauth_error("invalid_grant", CODE_GRANT_INVALID)
    if code.code_challenge is not None:
        verifier = params.get("code_verifier")
        if not verifier:
            return oauth_error("invalid_request", "Missing parameter, 'code_verifier'")
        if not _pkce_ok(code.code_challenge_method, code.code_challenge, verifier):
            return oauth_error("invalid_grant", CODE_GRANT_INVALID)
    state.consume_code(value)
    return _token_response(request, state, state.issue_tokens(code.client_id, code.scope))


def _refresh_grant(
    request: web.Request, state: SimulatorState, params: Mapping[str, str]
) -> web.Response:
    if not (value := params.get("refresh_token")):
        return oauth_error("invalid_request", "Missing parameter, 'refresh_token'")
    old = state.take_refresh_token(value, state.account.client_id)
    if old is None:
        return oauth_error("invalid_grant", REFRESH_GRANT_INVALID)
    tokens = state.issue_tokens(old.client_id, old.scope, grant_id=old.grant_id)
    return _token_response(request, state, tokens)


GRANT_HANDLERS: dict[
    str, Callable[[web.Request, SimulatorState, Mapping[str, str]], web.Response]
] = {
    "password": _password_grant,
    "authorization_code": _code_grant,
    "refresh_token": _refresh_grant,
}


async def revoke(request: web.Request) -> web.Response:
    """``POST /am/oauth2/token/revoke?realm=``: Basic auth, form ``token``; always ``{}``."""
    state = request.app[STATE]
    params = await _params(request)
    if not _client_authenticated(request, state):
        return oauth_error("invalid_client", CLIENT_AUTH_FAILED, status=401)
    if (error := _realm_error(state, params)) is not None:
        return error
    if not (value := params.get("token")):
        return oauth_error("invalid_request", "Missing parameter, 'token'")
    state.revoke_token(value, state.account.client_id)
    return json_response({})


# --- authorize: the browser login ------------------------------------------------------

AUTHORIZE_FIELDS = (
    "client_id",
    "redirect_uri",
    "response_type",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
    "locale",
)


def _authorize_error(state: SimulatorState, params: Mapping[str, str]) -> web.Response | None:
    """What the IdP answers (as JSON, it cannot redirect) to a bad authorize request."""
    account = state.account
    if params.get("client_id") != account.client_id:
        return oauth_error("invalid_client", CLIENT_AUTH_FAILED)
    if params.get("redirect_uri") != account.redirect_uri:
        return oauth_error("redirect_uri_mismatch", REDIRECT_MISMATCH)
    if params.get("response_type") != "code":
        response_type = params.get("response_type", "")
        return oauth_error(
            "unsupported_response_type", f"Response type is not supported: {response_type}"
        )
    if _scope(params.get("scope")) is None:
        return oauth_error("invalid_scope", "Unknown/invalid scope(s)")
    method = params.get("code_challenge_method")
    if method not in (None, "S256", "plain") or (method and not params.get("code_challenge")):
        return oauth_error("invalid_request", "Invalid code challenge")
    return None


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: sans-serif; max-width: 36em; margin: 2em auto">
<h1>{title}</h1>
{body}
<p><small>PSA cloud simulator: nothing here is a real {brand} account.</small></p>
</body></html>
"""


def _login_page(state: SimulatorState, params: Mapping[str, str], error: str | None) -> str:
    hidden = "\n".join(
        f'<input type="hidden" name="{name}" value="{html.escape(params[name])}">'
        for name in AUTHORIZE_FIELDS
        if name in params
    )
    message = f'<p id="error" style="color: #b00">{html.escape(error)}</p>' if error else ""
    body = f"""{message}
<form id="login-form" method="post" action="{OAUTH_PREFIX}/authorize">
{hidden}
<p><label>E-mail <input type="email" name="username" autocomplete="username"
 value="{html.escape(params.get("username", ""))}"></label></p>
<p><label>Password <input type="password" name="password"
 autocomplete="current-password"></label></p>
<p><input type="submit" id="login-button" value="Log in"></p>
</form>
{demo_phone(state)}"""
    brand = state.account.brand.name
    return _PAGE.format(title=f"{html.escape(brand)} login", body=body, brand=html.escape(brand))


def demo_phone(state: SimulatorState) -> str:
    """The demo account's simulated phone: its last SMS code and the app PIN, for pairing.

    Only for the demo account, whose secrets are public anyway; a scenario's stay hidden.
    """
    account = state.account
    if account.username != DEMO_USERNAME or account.client_id != DEMO_CLIENT_ID:
        return ""
    sms = state.remote_pairing.last_sms()
    code = html.escape(str(sms["code"])) if sms else "none sent yet"
    return (
        '<p id="demo-phone"><small>Demo phone (remote commands pairing): last SMS code '
        f'<code id="sms-code">{code}</code>, app PIN <code>{html.escape(account.pin)}</code>'
        "</small></p>"
    )


async def phone_page(request: web.Request) -> web.Response:
    """``GET /phone``: the demo phone alone (reload it after asking for the SMS)."""
    state = request.app[STATE]
    body = demo_phone(state) or "<p>Only the demo account has a simulated phone here.</p>"
    page = _PAGE.format(title="Phone", body=body, brand=html.escape(state.account.brand.name))
    return web.Response(text=page, content_type="text/html")


async def authorize_form(request: web.Request) -> web.Response:
    """``GET /am/oauth2/authorize``: check the request, then show the login form."""
    state = request.app[STATE]
    params = dict(request.query)
    if (error := _authorize_error(state, params)) is not None:
        return error
    return web.Response(text=_login_page(state, params, None), content_type="text/html")


async def authorize_login(request: web.Request) -> web.Response:
    """``POST /am/oauth2/authorize``: a good login redirects to the app with a code."""
    state = request.app[STATE]
    params = await _params(request)
    if (error := _authorize_error(state, params)) is not None:
        return error
    account = state.account
    username, password = params.get("username", ""), params.get("password", "")
    if not (
        hmac.compare_digest(username.encode(), account.username.encode())
        and hmac.compare_digest(password.encode(), account.password.encode())
    ):
        page = _login_page(state, params, "Invalid login or password.")
        return web.Response(text=page, content_type="text/html")
    scope = _scope(params.get("scope")) or DEFAULT_SCOPE
    code = state.create_code(
        client_id=account.client_id,
        redirect_uri=account.redirect_uri,
        scope=scope,
        code_challenge=params.get("code_challenge"),
        code_challenge_method=params.get("code_challenge_method"),
    )
    query = {"code": code, "scope": scope}
    if "state" in params:
        query["state"] = params["state"]
    location = f"{account.redirect_uri}?{urlencode(query, quote_via=quote)}"
    shown = html.escape(location)
    body = (
        "<p>The app would now open this address. Copy it (or just the code) into "
        f'Home Assistant:</p>\n<p><a id="redirect" href="{shown}">{shown}</a></p>\n'
        f'<p>Code: <code id="code">{code}</code></p>'
    )
    page = _PAGE.format(title="Logged in", body=body, brand=html.escape(account.brand.name))
    return web.Response(
        status=302, text=page, content_type="text/html", headers={"Location": location}
    )
