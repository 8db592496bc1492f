"""Security: no secret anywhere the user or a log reader can see; TLS and the browser login.

The secrets: the password, the client secret, every access, refresh and identity token the
identity server issued, every authorization code and every PKCE verifier. They are
recorded where they are born (the simulator issues tokens and codes, the flow creates the
verifier) and then looked for in every log record (DEBUG included, with its traceback),
every exception text, the diagnostics, and every entity's state and attributes.
"""

from __future__ import annotations

import ast
import base64
from collections.abc import Iterator
from datetime import UTC
import hashlib
import json
import logging
from pathlib import Path
import ssl
from typing import Any
from urllib.parse import parse_qs, urlsplit

from aiohttp.web_log import AccessLogger
from homeassistant.config_entries import SOURCE_REAUTH, SOURCE_RECONFIGURE, ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowHandler, FlowResult, FlowResultType
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

import custom_components.psa_connected_car as integration
from custom_components.psa_connected_car.api.auth import PSAAuth
from custom_components.psa_connected_car.api.models import AuthorizationRequest, TokenSet
from custom_components.psa_connected_car.const import DOMAIN
from psa_simulator.testing import SimulatorHandle
from tests.integration.simulated import browser_login

from .conftest import MakeRig
from .rig import Rig, messages, short_client_timeout

PACKAGE = Path(integration.__file__).parent
FIXTURE = Path(__file__).parents[1] / "integration" / "fixtures" / "electric.json"
PASSWORD = "Pw-5ecret-R3silience-7f1e"
CLIENT_SECRET = "Cs-5ecret-R3silience-42ab"
VIN = "VR3SIMULATEDSEC01"
PAYLOAD = json.loads(FIXTURE.read_text(encoding="utf-8"))  # read here, not in the event loop


def scenario() -> dict[str, Any]:
    """One car (our electric fixture), an account whose secrets are easy to search for."""
    payload = PAYLOAD
    vehicle = {**payload["vehicle"], "vin": VIN, "id": "5ec" * 20}
    vehicle.pop("_links")
    return {
        "account": {
            "brand": "peugeot",
            "country": "FR",
            "username": "owner@example.invalid",
            "password": PASSWORD,
            "client_id": "app-id-resilience",
            "client_secret": CLIENT_SECRET,
        },
        "vehicles": [
            {
                **vehicle,
                "status": payload["status"],
                "maintenance": payload["maintenance"],
                "alerts": payload["alerts"],
            }
        ],
    }


class Secrets:
    """Every secret value seen so far, recorded where it is born."""

    def __init__(self) -> None:
        self.values: set[str] = {PASSWORD, CLIENT_SECRET}
        self.verifiers: list[str] = []
        self.codes: set[str] = set()
        self.forms: list[tuple[str, dict[str, Any]]] = []  # step id, what it pre-fills

    def prefilled(self) -> dict[str, list[str]]:
        """Per form shown, the secrets among its suggested values and defaults.

        Authorization codes excepted: the code field gives the user's own paste back after an
        error, so that it can be corrected (a code is single-use and lives a few minutes).
        """
        lasting = self.values - self.codes
        return {
            f"{index}:{step}": sorted(
                f"{secret[:4]}…" for secret in lasting if secret in json.dumps(values, default=str)
            )
            for index, (step, values) in enumerate(self.forms)
        }

    def watch(self, sim: SimulatorHandle, monkeypatch: pytest.MonkeyPatch) -> None:
        state = sim.state
        issue, create_code = state.issue_tokens, state.create_code

        def issue_tokens(*args: Any, **kwargs: Any) -> Any:
            access, refresh = issue(*args, **kwargs)
            self.values |= {access.value, refresh.value}
            return access, refresh

        def new_code(*args: Any, **kwargs: Any) -> Any:
            code = create_code(*args, **kwargs)
            self.values.add(code)
            self.codes.add(code)
            return code

        monkeypatch.setattr(state, "issue_tokens", issue_tokens)
        monkeypatch.setattr(state, "create_code", new_code)
        store, authorize = PSAAuth._store, PSAAuth.create_authorization_request

        async def stored(auth: PSAAuth, token: TokenSet) -> TokenSet:
            self.values |= {token.access_token, token.refresh_token, token.id_token or "—"}
            return await store(auth, token)

        def authorization_request(auth: PSAAuth) -> AuthorizationRequest:
            request = authorize(auth)
            self.values.add(request.code_verifier)
            self.verifiers.append(request.code_verifier)
            return request

        show_form = FlowHandler.async_show_form

        def recorded_form(handler: FlowHandler, **kwargs: Any) -> Any:
            schema = kwargs.get("data_schema")
            values = {
                str(marker): [
                    (marker.description or {}).get("suggested_value"),
                    marker.default() if callable(marker.default) else None,
                ]
                for marker in (schema.schema if schema is not None else {})
            }
            self.forms.append((str(kwargs.get("step_id")), values))
            return show_form(handler, **kwargs)

        monkeypatch.setattr(FlowHandler, "async_show_form", recorded_form)
        monkeypatch.setattr(PSAAuth, "_store", stored)
        monkeypatch.setattr(PSAAuth, "create_authorization_request", authorization_request)

    def found_in(self, text: str) -> list[str]:
        return sorted(f"{secret[:4]}…" for secret in self.values if secret and secret in text)


def log_texts(records: list[logging.LogRecord]) -> Iterator[str]:
    """Each record as a reader sees it: the message and any traceback or stack."""
    formatter = logging.Formatter()
    for record in records:
        yield record.getMessage()
        if record.exc_info:
            yield formatter.formatException(record.exc_info)
        if record.stack_info:
            yield record.stack_info


def exception_texts(error: BaseException | None) -> Iterator[str]:
    """The exception, its causes and contexts, as text and repr."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        yield str(error)
        yield repr(error)
        yield repr(getattr(error, "translation_placeholders", None))
        error = error.__cause__ or error.__context__


async def configure(hass: HomeAssistant, flow_id: str, data: dict[str, Any]) -> FlowResult:
    return await hass.config_entries.flow.async_configure(flow_id, data)


async def start(hass: HomeAssistant, rig: Rig) -> FlowResult:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": "user"})
    return await configure(hass, result["flow_id"], {"brand": "peugeot"})


def credentials(**changes: str) -> dict[str, str]:
    account = scenario()["account"]
    values = {key: account[key] for key in ("country", "username", "client_id", "client_secret")}
    return {**values, "password": PASSWORD, **changes}


async def every_flow(rig: Rig, secrets: Secrets) -> tuple[ConfigEntry, list[Any]]:
    """Password, errors, refresh, reauth by code, reconfigure, options, code login, removal."""
    hass, state = rig.hass, rig.sim.state
    errors: list[Any] = []

    # Password flow, after a wrong password and a wrong client secret.
    result = await start(hass, rig)
    flow_id = result["flow_id"]
    for wrong in ({"password": "not-it"}, {"client_secret": "not-it-either"}):
        result = await configure(hass, flow_id, credentials(**wrong))
        errors.append(result["errors"])
    result = await configure(hass, flow_id, credentials())
    assert result["type"] is FlowResultType.CREATE_ENTRY, result
    entry = result["result"]
    await hass.async_block_till_done()
    rig._loaded(entry)

    # Running: rotation by expiry, by a gateway 401, and a few failures.
    state.expire_all_access_tokens()
    await rig.cycle()
    state.force_faults("401")
    await rig.cycle()
    state.force_faults("500", count=2)
    await rig.cycle(2)
    errors.append(rig.coordinator.last_exception)

    # The login dies and the password grant is gone: reauthentication by browser code,
    # with a paste from another attempt and a spent code on the way.
    state.set_password_grant(False)
    state.revoke_all_refresh_tokens()
    state.expire_all_access_tokens()
    await rig.cycle()
    errors.append(rig.coordinator.last_exception)
    flows = [f for f in hass.config_entries.flow.async_progress() if f["handler"] == DOMAIN]
    assert [f["context"]["source"] for f in flows] == [SOURCE_REAUTH]
    result = await configure(hass, flows[0]["flow_id"], {"password": PASSWORD})
    assert result["step_id"] == "authorization_code_password_refused"
    url = result["description_placeholders"]["authorize_url"]
    redirect = await browser_login(rig.sim, url)
    forged = redirect.replace("state=", "state=x")
    result = await configure(hass, result["flow_id"], {"code": forged})
    errors.append(result["errors"])
    result = await configure(hass, result["flow_id"], {"code": redirect})
    assert result["reason"] == "reauth_successful", result
    await hass.async_block_till_done()
    rig._loaded(entry)
    await rig.cycle()

    # Reconfigure with a wrong secret, then the right one (browser code again).
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_RECONFIGURE, "entry_id": entry.entry_id}
    )
    data = {k: v for k, v in credentials().items() if k != "username"}
    result = await configure(hass, result["flow_id"], {**data, "client_secret": "nope"})
    errors.append(result["errors"])
    result = await configure(hass, result["flow_id"], {**data, "password": ""})
    spent = redirect.replace(query(redirect)["state"], query(url_of(result))["state"])
    result = await configure(hass, result["flow_id"], {"code": spent})  # the reauth's code
    errors.append(result["errors"])
    redirect = await browser_login(rig.sim, url_of(result))
    result = await configure(hass, result["flow_id"], {"code": redirect})
    assert result["reason"] == "reconfigure_successful", result
    await hass.async_block_till_done()
    rig._loaded(entry)

    # Options.
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "polling"}
    )
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"active_interval": 120, "parked_interval": 60}
    )
    errors.append(result["errors"])
    await rig.cycle(3)
    return entry, errors


async def test_no_secret_anywhere(
    make_rig: MakeRig,
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.DEBUG)
    rig = await make_rig(scenario=scenario())
    # The simulator's access log too (the freezer hides the local UTC offset it formats).
    monkeypatch.setattr(logging.getLogger("aiohttp.access"), "disabled", False)
    monkeypatch.setattr(AccessLogger, "_cached_tz", UTC)
    monkeypatch.setattr(AccessLogger, "_cached_tz_expires", float("inf"))
    secrets = Secrets()
    secrets.watch(rig.sim, monkeypatch)
    assert await async_setup_component(hass, "diagnostics", {})

    entry, errors = await every_flow(rig, secrets)
    assert len(secrets.verifiers) >= 2
    assert len(secrets.values) > 10
    # Every login form was shown, several after an error (when a secret would be re-sent).
    shown = [step for step, _ in secrets.forms]
    assert shown.count("credentials") >= 3
    assert {"reauth_confirm", "reconfigure", "authorization_code", "polling"} <= set(shown)
    assert shown.count("reconfigure") >= 2

    seen: dict[str, list[str]] = {}
    seen |= {f"form {form}": found for form, found in secrets.prefilled().items()}
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    seen["diagnostics"] = secrets.found_in(json.dumps(diagnostics))
    states = [state.as_dict() for state in hass.states.async_all()]
    seen["states"] = secrets.found_in(json.dumps(states, default=str))
    seen["errors"] = secrets.found_in(
        "\n".join(text for error in errors for text in exception_texts(error))
        if all(isinstance(e, BaseException | None) for e in errors)
        else json.dumps(errors, default=repr)
    )
    seen["last exception"] = secrets.found_in(
        "\n".join(exception_texts(rig.coordinator.last_exception))
    )

    assert await hass.config_entries.async_remove(entry.entry_id)  # revokes the token
    await hass.async_block_till_done()
    seen["log"] = secrets.found_in("\n".join(log_texts(caplog.records)))
    assert len(messages(caplog.records, "Token request")) > 5  # DEBUG really was on
    assert seen == {key: [] for key in seen}


# TLS ----------------------------------------------------------------------------------


def test_tls_verification_is_never_disabled_in_the_source() -> None:
    forbidden = ("ssl=False", "verify_ssl=False", "CERT_NONE", "check_hostname = False")
    forbidden += ("_create_unverified_context", "verify_ssl", "ClientSession(", "TCPConnector(")
    forbidden += ("async_create_clientsession",)
    found = [
        f"{path.relative_to(PACKAGE)}: {word}"
        for path in PACKAGE.rglob("*.py")
        for word in forbidden
        if word in path.read_text(encoding="utf-8").replace(" ", "").replace("=", "=")
        or word in path.read_text(encoding="utf-8")
    ]
    assert not found


def test_sessions_come_from_home_assistant_with_its_defaults() -> None:
    """Every ``async_get_clientsession`` call passes hass alone: verification stays on."""
    calls = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == (
                "async_get_clientsession"
            ):
                calls.append((path.name, len(node.args), [k.arg for k in node.keywords]))
    assert {name for name, _, _ in calls} >= {"__init__.py", "config_flow.py"}
    assert all(args == 1 and not keywords for _, args, keywords in calls), calls


async def test_the_running_integration_uses_that_session(bev_rig: Rig) -> None:
    session = async_get_clientsession(bev_rig.hass)
    coordinator = bev_rig.coordinator
    assert coordinator.client.session is session
    assert coordinator.auth.session is session
    context = session.connector._ssl  # type: ignore[union-attr]
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode is ssl.CERT_REQUIRED
    assert context.check_hostname


# The browser login -------------------------------------------------------------------------


async def code_step(hass: HomeAssistant, rig: Rig) -> FlowResult:
    result = await start(hass, rig)
    result = await configure(hass, result["flow_id"], credentials(password=""))
    assert result["step_id"] == "authorization_code"
    return result


def url_of(result: FlowResult) -> str:
    placeholders = result["description_placeholders"]
    assert placeholders is not None
    return str(placeholders["authorize_url"])


def query(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


async def test_authorize_url_has_state_and_s256_challenge(
    make_rig: MakeRig, hass: HomeAssistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    rig = await make_rig(scenario=scenario())
    secrets = Secrets()
    secrets.watch(rig.sim, monkeypatch)
    urls = [
        (await code_step(hass, rig))["description_placeholders"]["authorize_url"] for _ in range(3)
    ]
    params = [query(url) for url in urls]
    for values, verifier in zip(params, secrets.verifiers, strict=True):
        assert len(values["state"]) >= 16
        assert values["code_challenge_method"] == "S256"
        digest = hashlib.sha256(verifier.encode()).digest()
        assert values["code_challenge"] == base64.urlsafe_b64encode(digest).decode().rstrip("=")
        assert 43 <= len(verifier) <= 128
        assert verifier not in urls[0] + urls[1] + urls[2]
    assert len({values["state"] for values in params}) == 3
    assert len({values["code_challenge"] for values in params}) == 3


async def test_a_redirect_with_a_wrong_state_is_refused(
    make_rig: MakeRig, hass: HomeAssistant
) -> None:
    rig = await make_rig(scenario=scenario())
    first = await code_step(hass, rig)
    second = await code_step(hass, rig)
    # The redirect of the second attempt pasted into the first: refused before any request.
    redirect = await browser_login(rig.sim, second["description_placeholders"]["authorize_url"])
    result = await configure(hass, first["flow_id"], {"code": redirect})
    assert result["errors"] == {"base": "code_state_mismatch"}
    assert rig.sim.state.stats.token_requests["authorization_code"] == 0
    # In its own flow the same redirect still works.
    result = await configure(hass, second["flow_id"], {"code": redirect})
    assert result["type"] is FlowResultType.CREATE_ENTRY, result


@pytest.mark.parametrize("timeout", [0.2])
async def test_no_secret_in_a_timeout(
    make_rig: MakeRig, monkeypatch: pytest.MonkeyPatch, timeout: float
) -> None:
    """A timed-out request's error text names the error type, not the URL or its query."""
    short_client_timeout(monkeypatch, timeout)
    rig = await make_rig(scenario=scenario())
    await rig.add_entry()
    rig.sim.state.set_faults(latency_ms=1000)
    await rig.cycle()
    assert rig.entry is not None
    text = "\n".join(exception_texts(rig.coordinator.last_exception))
    assert "TimeoutError" in text
    assert rig.entry.data["token"]["access_token"] not in text
    assert "client_id" not in text
