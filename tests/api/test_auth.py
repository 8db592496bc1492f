"""PSAAuth unit tests against a programmable server: grants, rotation, single flight, caps."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import logging
from urllib.parse import parse_qs, urlsplit

import pytest

from custom_components.psa_connected_car.api import (
    PSAAuthError,
    PSAConnectionError,
    PSAInvalidClientError,
    PSARateLimitError,
    TokenSet,
)
from custom_components.psa_connected_car.api.auth import REFRESH_MARGIN

from .conftest import (
    REVOKE_PATH,
    TOKEN_PATH,
    Answer,
    FakeServer,
    MakeAuth,
    Saved,
    TokenIssuer,
    fresh_token,
)

BASIC = "Basic " + base64.b64encode(b"cid:csecret").decode()
CODE = "0d1c2b3a-4f5e-4d6c-8b7a-123456789abc"


class Clock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


async def test_password_grant_is_the_seed_request(fake_server: FakeServer, make_auth: MakeAuth):
    fake_server.respond(TOKEN_PATH, TokenIssuer(expires_in=1800))
    saved, clock = Saved(), Clock()
    auth = make_auth(on_token_update=saved, clock=clock)
    token = await auth.login_password("someone@example.invalid", "pw")
    (request,) = fake_server.seen
    assert (request.method, request.path, request.query) == ("POST", TOKEN_PATH, {})
    assert request.headers["Authorization"] == BASIC
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert request.form == {
        "realm": "clientsB2COpel",
        "grant_type": "password",
        "username": "someone@example.invalid",
        "password": "pw",
        "scope": "openid profile",
    }
    assert token == TokenSet(
        access_token="at-1",
        refresh_token="rt-1",
        expires_at=clock.now + 1800,
        scope="openid profile",
    )
    assert auth.token == token
    assert saved.tokens == [token]


async def test_authorization_request(make_auth: MakeAuth):
    auth = make_auth(idp_base_url="https://idpcvs.opel.com/")
    request = auth.create_authorization_request()
    parts = urlsplit(request.url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == (
        "https://idpcvs.opel.com/am/oauth2/authorize"
    )
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    challenge = base64.urlsafe_b64encode(hashlib.sha256(request.code_verifier.encode()).digest())
    assert query == {
        "client_id": "cid",
        "response_type": "code",
        "redirect_uri": "mymopsdk://oauth2redirect/de",
        "scope": "openid profile",
        "state": request.state,
        "code_challenge": challenge.decode().rstrip("="),
        "code_challenge_method": "S256",
    }
    assert "%20" in parts.query  # the space of the scope is percent-encoded, not "+"
    assert request.redirect_uri == "mymopsdk://oauth2redirect/de"
    assert len(request.state) >= 32
    assert 43 <= len(request.code_verifier) <= 128
    other = auth.create_authorization_request()
    assert (other.state, other.code_verifier) != (request.state, request.code_verifier)


async def test_code_grant_request(fake_server: FakeServer, make_auth: MakeAuth):
    fake_server.respond(TOKEN_PATH, TokenIssuer())
    saved = Saved()
    auth = make_auth(on_token_update=saved)
    request = auth.create_authorization_request()
    pasted = f"mymopsdk://oauth2redirect/de?code={CODE}&scope=openid&state={request.state}"
    token = await auth.login_code(pasted, request)
    (seen,) = fake_server.seen
    assert seen.headers["Authorization"] == BASIC
    assert seen.query == {"realm": "clientsB2COpel"}
    assert seen.form == {
        "grant_type": "authorization_code",
        "code": CODE,
        "redirect_uri": "mymopsdk://oauth2redirect/de",
        "code_verifier": request.code_verifier,
    }
    assert saved.tokens == [token]


async def test_a_bad_paste_sends_nothing(fake_server: FakeServer, make_auth: MakeAuth):
    auth = make_auth()
    request = auth.create_authorization_request()
    with pytest.raises(Exception, match="another login"):
        await auth.login_code(f"mymopsdk://oauth2redirect/de?code={CODE}&state=x", request)
    assert fake_server.seen == []


async def test_refresh_request_rotation_and_saving_first(
    fake_server: FakeServer, make_auth: MakeAuth
):
    fake_server.respond(TOKEN_PATH, TokenIssuer())
    saved = Saved()
    old = fresh_token(number=0)
    auth = make_auth(token=old, on_token_update=saved)
    saved.auth = auth
    new = await auth.refresh()
    (seen,) = fake_server.seen
    assert seen.query == {"realm": "clientsB2COpel"}
    assert seen.headers["Authorization"] == BASIC
    assert seen.form == {
        "grant_type": "refresh_token",
        "refresh_token": "rt-0",
        "scope": "openid profile",
    }
    assert (new.access_token, new.refresh_token) == ("at-1", "rt-1")
    assert saved.tokens == [new]
    assert saved.token_in_memory == [old]  # saved before it became the token in use
    assert auth.token == new


async def test_nobody_gets_the_new_token_before_it_is_saved(
    fake_server: FakeServer, make_auth: MakeAuth
):
    fake_server.respond(TOKEN_PATH, TokenIssuer())
    release = asyncio.Event()
    saved: list[TokenSet] = []

    async def slow_save(token: TokenSet) -> None:
        await release.wait()
        saved.append(token)

    auth = make_auth(token=fresh_token(lifetime=-1), on_token_update=slow_save)
    callers = [asyncio.create_task(auth.async_get_access_token()) for _ in range(10)]
    for _ in range(50):
        await asyncio.sleep(0.01)
        if fake_server.seen:
            break
    await asyncio.sleep(0.05)
    assert not any(caller.done() for caller in callers)  # all wait for the save
    assert auth.token is not None
    assert auth.token.access_token == "at-0"
    release.set()
    assert set(await asyncio.gather(*callers)) == {"at-1"}
    assert [token.access_token for token in saved] == ["at-1"]
    assert len(fake_server.seen) == 1


async def test_a_failing_save_keeps_the_new_token_in_memory(
    fake_server: FakeServer, make_auth: MakeAuth
):
    fake_server.respond(TOKEN_PATH, TokenIssuer())

    async def broken_save(token: TokenSet) -> None:
        raise OSError("disk full")

    auth = make_auth(token=fresh_token(), on_token_update=broken_save)
    with pytest.raises(OSError, match="disk full"):
        await auth.refresh()
    # The server retired rt-0: only rt-1 can keep this process logged in.
    assert auth.token is not None
    assert auth.token.refresh_token == "rt-1"


async def test_a_cancelled_caller_does_not_lose_the_rotation(
    fake_server: FakeServer, make_auth: MakeAuth
):
    fake_server.respond(TOKEN_PATH, TokenIssuer(delay=0.1))
    saved = Saved()
    auth = make_auth(token=fresh_token(), on_token_update=saved)
    caller = asyncio.create_task(auth.refresh())
    await asyncio.sleep(0.03)
    caller.cancel()
    with pytest.raises(asyncio.CancelledError):
        await caller
    for _ in range(50):
        if saved.tokens:
            break
        await asyncio.sleep(0.02)
    assert [token.refresh_token for token in saved.tokens] == ["rt-1"]
    assert auth.token == saved.tokens[0]


async def test_one_token_request_for_a_hundred_callers(
    fake_server: FakeServer, make_auth: MakeAuth
):
    fake_server.respond(TOKEN_PATH, TokenIssuer(delay=0.05))
    saved = Saved()
    auth = make_auth(token=fresh_token(lifetime=-10), on_token_update=saved)
    tokens = await asyncio.gather(*(auth.async_get_access_token() for _ in range(100)))
    assert set(tokens) == {"at-1"}
    assert len(fake_server.calls(TOKEN_PATH)) == 1
    assert len(saved.tokens) == 1
    # Late callers: the token is fresh now, or the one they saw rejected was replaced.
    assert await auth.async_get_access_token() == "at-1"
    assert await auth.refresh_rejected("at-0") == "at-1"
    assert len(fake_server.calls(TOKEN_PATH)) == 1


async def test_explicit_refreshes_while_one_is_in_flight_share_it(
    fake_server: FakeServer, make_auth: MakeAuth
):
    fake_server.respond(TOKEN_PATH, TokenIssuer(delay=0.05))
    auth = make_auth(token=fresh_token())
    first, second = await asyncio.gather(auth.refresh(), auth.refresh_rejected("at-0"))
    assert first.access_token == second == "at-1"
    assert len(fake_server.calls(TOKEN_PATH)) == 1
    assert (await auth.refresh()).access_token == "at-2"  # a new explicit refresh is a new one


async def test_a_failed_refresh_is_shared_by_every_waiter(
    fake_server: FakeServer, make_auth: MakeAuth
):
    fake_server.answer(TOKEN_PATH, 503, "<html>busy</html>", delay=0.05)
    auth = make_auth(token=fresh_token(lifetime=-10))
    results = await asyncio.gather(
        *(auth.async_get_access_token() for _ in range(100)), return_exceptions=True
    )
    assert all(isinstance(result, PSAConnectionError) for result in results)
    assert len(fake_server.calls(TOKEN_PATH)) == 1
    # The next attempt is a new refresh (the failure is not cached).
    fake_server.respond(TOKEN_PATH, TokenIssuer())
    assert await auth.async_get_access_token() == "at-1"


async def test_a_cancelled_refresh_lets_the_next_caller_start_again(
    fake_server: FakeServer, make_auth: MakeAuth
):
    fake_server.respond(TOKEN_PATH, TokenIssuer(delay=0.2))
    auth = make_auth(token=fresh_token())
    caller = asyncio.create_task(auth.refresh())
    await asyncio.sleep(0.02)
    assert auth._refreshing is not None
    auth._refreshing.cancel()  # what a loop shutdown does to it
    with pytest.raises(asyncio.CancelledError):
        await caller
    assert auth._refreshing is None
    fake_server.respond(TOKEN_PATH, TokenIssuer())
    assert (await auth.refresh()).access_token == "at-1"


async def test_a_refused_refresh_needs_reauthentication(
    fake_server: FakeServer, make_auth: MakeAuth
):
    fake_server.answer(
        TOKEN_PATH, 400, {"error": "invalid_grant", "error_description": "grant is invalid"}
    )
    auth = make_auth(token=fresh_token(lifetime=-10))
    with pytest.raises(PSAAuthError, match="grant is invalid"):
        await auth.async_get_access_token()


async def test_proactive_refresh_five_minutes_before_expiry(
    fake_server: FakeServer, make_auth: MakeAuth
):
    fake_server.respond(TOKEN_PATH, TokenIssuer())
    clock = Clock()
    auth = make_auth(token=fresh_token(clock.now, lifetime=3600), clock=clock)
    clock.now += 3600 - REFRESH_MARGIN - 1
    assert await auth.async_get_access_token() == "at-0"
    assert fake_server.seen == []
    clock.now += 2  # now inside the last five minutes
    assert await auth.async_get_access_token() == "at-1"
    assert auth.token is not None
    assert auth.token.expires_at == clock.now + 3600


async def test_short_lived_tokens_are_refreshed_at_half_life(
    fake_server: FakeServer, make_auth: MakeAuth
):
    fake_server.respond(TOKEN_PATH, TokenIssuer(expires_in=120))
    clock = Clock()
    auth = make_auth(clock=clock)
    await auth.login_password("someone@example.invalid", "pw")
    clock.now += 59
    assert await auth.async_get_access_token() == "at-1"
    clock.now += 2
    assert await auth.async_get_access_token() == "at-2"
    assert len(fake_server.seen) == 2  # not a refresh on every call


async def test_token_request_cap_is_a_sliding_window(fake_server: FakeServer, make_auth: MakeAuth):
    fake_server.respond(TOKEN_PATH, TokenIssuer())
    clock = Clock()
    auth = make_auth(token=fresh_token(), clock=clock)
    start = clock.now
    for _ in range(6):
        await auth.refresh()
        clock.now += 100
    with pytest.raises(PSARateLimitError) as err:
        await auth.refresh()  # 600 s after the first: 1200 s to wait
    assert err.value.retry_after == pytest.approx(1200)
    assert len(fake_server.seen) == 6  # the refused one never reached the server
    clock.now = start + 1800  # the first request leaves the window
    await auth.refresh()
    clock.now += 1
    with pytest.raises(PSARateLimitError) as err:
        await auth.refresh()
    assert err.value.retry_after == pytest.approx(start + 100 + 1800 - clock.now)


async def test_logins_count_against_the_cap(fake_server: FakeServer, make_auth: MakeAuth):
    fake_server.answer(TOKEN_PATH, 400, {"error": "invalid_grant"})
    auth = make_auth(clock=Clock())
    for _ in range(6):
        with pytest.raises(PSAAuthError):
            await auth.login_password("someone@example.invalid", "wrong")
    with pytest.raises(PSARateLimitError):
        await auth.login_password("someone@example.invalid", "wrong")
    assert len(fake_server.seen) == 6


async def test_a_refresh_without_a_new_refresh_token_keeps_the_old(
    fake_server: FakeServer, make_auth: MakeAuth
):
    fake_server.answer(TOKEN_PATH, 200, {"access_token": "at-new", "expires_in": 3600})
    saved = Saved()
    auth = make_auth(token=fresh_token(), on_token_update=saved)
    token = await auth.refresh()
    assert (token.access_token, token.refresh_token) == ("at-new", "rt-0")
    assert saved.tokens == [token]


@pytest.mark.parametrize(
    ("body", "expected_lifetime"),
    [
        ({"expires_in": "bad"}, 3600),
        ({"expires_in": -5}, 3600),
        ({"expires_in": 0}, 3600),
        ({"expires_in": "1e999"}, 3600),
        ({"expires_in": "600"}, 600),
        ({}, 3600),
    ],
)
async def test_odd_expires_in(fake_server, make_auth, body, expected_lifetime):
    fake_server.answer(TOKEN_PATH, 200, {"access_token": "a", "refresh_token": "r", **body})
    clock = Clock()
    token = await make_auth(clock=clock).login_password("u", "p")
    assert token.expires_at == clock.now + expected_lifetime


@pytest.mark.parametrize(
    "body",
    [
        b"\xff\xfe not json",
        "[]",
        {"access_token": "has a space", "refresh_token": "r"},
        {"access_token": "", "refresh_token": "r"},
        {"access_token": 42, "refresh_token": "r"},
        {"access_token": "a", "refresh_token": "line\nbreak"},
        "[" * 100_000,
    ],
)
async def test_unreadable_token_answers_are_transient(fake_server, make_auth, body):
    fake_server.answer(TOKEN_PATH, 200, body)
    with pytest.raises(PSAConnectionError):
        await make_auth().login_password("u", "p")


async def test_token_request_timeout(fake_server: FakeServer, make_auth: MakeAuth):
    fake_server.respond(TOKEN_PATH, TokenIssuer(delay=1))
    auth = make_auth(token=fresh_token(lifetime=-1), timeout=0.1)
    with pytest.raises(PSAConnectionError, match="TimeoutError"):
        await auth.async_get_access_token()


async def test_identity_server_unreachable(make_auth: MakeAuth):
    auth = make_auth(idp_base_url="http://127.0.0.1:9")
    with pytest.raises(PSAConnectionError, match="unreachable"):
        await auth.login_password("user@example.invalid", "pw")


async def test_revoke_request(fake_server: FakeServer, make_auth: MakeAuth):
    fake_server.answer(REVOKE_PATH, 200, {})
    auth = make_auth(token=fresh_token(number=7))
    await auth.revoke()
    (seen,) = fake_server.seen
    assert (seen.method, seen.path, seen.query) == (
        "POST",
        REVOKE_PATH,
        {"realm": "clientsB2COpel"},
    )
    assert seen.headers["Authorization"] == BASIC
    assert seen.form == {"token": "rt-7"}


@pytest.mark.parametrize("answer", [Answer(500, "oops"), Answer(200, {}, delay=1)])
async def test_revoke_never_raises(fake_server, make_auth, caplog, answer):
    caplog.set_level(logging.DEBUG, logger="custom_components.psa_connected_car.api")
    fake_server.queue(REVOKE_PATH, answer)
    await make_auth(token=fresh_token(), timeout=0.2).revoke()
    await make_auth(token=fresh_token(), idp_base_url="http://127.0.0.1:9").revoke()
    ours = [record for record in caplog.records if record.name.startswith("custom_components")]
    assert len(ours) == 2
    assert all("Token revocation" in record.getMessage() for record in ours)
    assert all(record.levelno == logging.DEBUG for record in ours)


async def test_revoke_without_a_token_sends_nothing(fake_server: FakeServer, make_auth: MakeAuth):
    await make_auth().revoke()
    assert fake_server.seen == []


async def test_not_logged_in(make_auth: MakeAuth):
    auth = make_auth()
    assert auth.token is None
    assert auth.account_id is None
    assert "csecret" not in repr(auth)
    for call in (auth.async_get_access_token, auth.refresh, lambda: auth.refresh_rejected("x")):
        with pytest.raises(PSAAuthError):
            await call()


# The client check before a browser login ----------------------------------------------------


async def test_client_check_is_a_refresh_grant_with_a_made_up_token(
    fake_server: FakeServer, make_auth: MakeAuth
):
    fake_server.answer(TOKEN_PATH, 400, {"error": "invalid_grant", "error_description": "no"})
    auth = make_auth(clock=Clock())
    await auth.check_client()  # a good pair: the grant is refused, not the client
    await auth.check_client()
    first, second = fake_server.seen
    assert (first.method, first.path, first.query) == (
        "POST",
        TOKEN_PATH,
        {"realm": "clientsB2COpel"},
    )
    assert first.headers["Authorization"] == BASIC
    assert set(first.form) == {"grant_type", "refresh_token", "scope"}
    assert first.form["grant_type"] == "refresh_token"
    assert first.form["scope"] == "openid profile"
    assert first.form["refresh_token"] != second.form["refresh_token"]  # never a fixed value
    assert len(first.form["refresh_token"]) >= 32
    assert auth.token is None  # nothing was logged in


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (400, {"error": "invalid_grant"}),
        (400, {"error": "unauthorized_client"}),  # the client is known, the grant not for it
        (400, {"error": "invalid_request", "error_description": "Invalid realm"}),
        (400, {"error": "invalid_scope"}),
        (200, {"access_token": "at", "refresh_token": "rt"}),
    ],
)
async def test_client_check_passes_when_only_the_grant_is_refused(
    fake_server: FakeServer, make_auth: MakeAuth, status, body
):
    fake_server.answer(TOKEN_PATH, status, body)
    auth = make_auth()
    assert await auth.check_client() is None
    assert auth.token is None


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (
            401,
            {"error": "invalid_client", "error_description": "Client authentication failed"},
            PSAInvalidClientError,
        ),
        (400, {"error": "invalid_client"}, PSAInvalidClientError),
        (429, {"error": "slow_down"}, PSARateLimitError),
        (500, {"error": "server_error"}, PSAConnectionError),
        (400, {"error": "temporarily_unavailable"}, PSAConnectionError),
        (503, "<html>maintenance</html>", PSAConnectionError),
        (401, "<html>proxy</html>", PSAConnectionError),
    ],
)
async def test_client_check_refusals(
    fake_server: FakeServer, make_auth: MakeAuth, status, body, error
):
    fake_server.answer(TOKEN_PATH, status, body, {"Retry-After": "30"})
    auth = make_auth()
    with pytest.raises(error) as err:
        await auth.check_client()
    assert type(err.value) is error
    assert "csecret" not in str(err.value)
    if error is PSARateLimitError:
        assert err.value.retry_after == 30


async def test_client_check_counts_against_the_cap(fake_server: FakeServer, make_auth: MakeAuth):
    fake_server.answer(TOKEN_PATH, 400, {"error": "invalid_grant"})
    auth = make_auth(clock=Clock())
    for _ in range(5):
        await auth.check_client()
    with pytest.raises(PSAAuthError):
        await auth.login_password("someone@example.invalid", "pw")  # the sixth request
    with pytest.raises(PSARateLimitError):
        await auth.check_client()
    assert len(fake_server.seen) == 6
