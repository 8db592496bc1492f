"""Bad input in the config flow: always a clear form error, never a traceback.

Against the simulator (password grant on, so the credentials really reach the identity
server). Input that the form's own schema refuses (an unknown brand or country, an
interval that is not a number) and intervals out of range are sent the way the frontend sends
them, through the HTTP API.
"""

from __future__ import annotations

from collections.abc import Iterator
from http import HTTPStatus
import logging
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResult, FlowResultType
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.psa_connected_car.const import DOMAIN
from tests.integration.simulated import browser_login

from .conftest import MakeRig
from .rig import Rig, records_at_least, tracebacks

LONG = "x" * 100_000  # a 100 kB paste
UNICODE = "Élodie-🚗-测试-\u200b"


@pytest.fixture
async def rig(make_rig: MakeRig) -> Rig:
    """The demo account; nothing configured yet."""
    return await make_rig(vins=())


@pytest.fixture(autouse=True)
def calm_log(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Whatever was typed: no traceback, nothing at error level."""
    yield
    records = caplog.get_records("call")
    assert not tracebacks(records)
    assert not records_at_least(records, logging.ERROR)


def good(rig: Rig) -> dict[str, str]:
    account = rig.sim.state.account
    return {
        "country": account.country,
        "username": account.username,
        "password": account.password,
        "client_id": account.client_id,
        "client_secret": account.client_secret,
    }


async def credentials_form(hass: HomeAssistant) -> FlowResult:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": "user"})
    return await hass.config_entries.flow.async_configure(result["flow_id"], {"brand": "peugeot"})


async def submit(hass: HomeAssistant, flow_id: str, data: dict[str, Any]) -> FlowResult:
    return await hass.config_entries.flow.async_configure(flow_id, data)


def only_error(result: FlowResult) -> str:
    assert result["type"] is FlowResultType.FORM, result
    errors = result["errors"] or {}
    assert list(errors) == ["base"], errors
    return str(errors["base"])


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"username": ""}, "invalid_auth"),
        ({"username": "   "}, "invalid_auth"),
        ({"username": UNICODE}, "invalid_auth"),
        ({"username": LONG}, "invalid_auth"),
        ({"username": "demo@example.com\r\nX-Injected: 1"}, "invalid_auth"),
        ({"password": "   "}, "invalid_auth"),
        ({"password": UNICODE}, "invalid_auth"),
        ({"password": LONG}, "invalid_auth"),
        ({"client_id": ""}, "invalid_client"),
        ({"client_id": UNICODE}, "invalid_client"),
        ({"client_id": LONG}, "invalid_client"),
        ({"client_secret": ""}, "invalid_client"),
        ({"client_secret": UNICODE}, "invalid_client"),
        ({"client_secret": LONG}, "invalid_client"),
    ],
)
async def test_bad_credentials(
    hass: HomeAssistant, rig: Rig, changes: dict[str, str], error: str
) -> None:
    result = await credentials_form(hass)
    result = await submit(hass, result["flow_id"], {**good(rig), **changes})
    assert only_error(result) == error
    result = await submit(hass, result["flow_id"], good(rig))  # and the user can go on
    assert result["type"] is FlowResultType.CREATE_ENTRY


@pytest.mark.parametrize(
    "changes",
    [
        {"client_id": "wrong-client-id"},
        {"client_secret": "wrong-secret"},
        {"client_secret": UNICODE},
        {"client_id": ""},
    ],
)
async def test_a_wrong_client_is_refused_before_the_browser_login(
    hass: HomeAssistant, rig: Rig, changes: dict[str, str]
) -> None:
    """Without a password (or with the password grant off), the app credentials are still
    checked at the account step: the user learns before signing in on the web page."""
    result = await credentials_form(hass)
    result = await submit(hass, result["flow_id"], {**good(rig), "password": "", **changes})
    assert result["step_id"] == "credentials"
    assert only_error(result) == "invalid_client"
    assert rig.sim.state.stats.token_requests["refresh_token"] == 1  # the one check
    result = await submit(hass, result["flow_id"], {**good(rig), "password": ""})
    assert result["step_id"] == "authorization_code"
    rig.sim.state.set_password_grant(False)
    result = await credentials_form(hass)
    result = await submit(hass, result["flow_id"], {**good(rig), **changes})
    assert only_error(result) == "invalid_client"


async def test_a_configured_account_is_refused_at_once(hass: HomeAssistant, rig: Rig) -> None:
    await rig.add_entry()
    before = dict(rig.sim.state.stats.token_requests)
    result = await credentials_form(hass)
    result = await submit(
        hass, result["flow_id"], {**good(rig), "username": good(rig)["username"].upper()}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert dict(rig.sim.state.stats.token_requests) == before  # no request at all


async def test_whitespace_around_the_credentials_is_ignored(hass: HomeAssistant, rig: Rig) -> None:
    typed = ("username", "client_id", "client_secret")
    padded = {key: f"  {value}\t" for key, value in good(rig).items() if key in typed}
    result = await credentials_form(hass)
    result = await submit(hass, result["flow_id"], {**good(rig), **padded})
    assert result["type"] is FlowResultType.CREATE_ENTRY, result


# The pasted code -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pasted", "error"),
    [
        ("", "code_empty"),
        ("   \n\t", "code_empty"),
        (LONG, "code_too_long"),
        ("mymap://oauth2redirect/fr?scope=openid", "code_not_found"),
        ("mymap://oauth2redirect/fr", "code_not_found"),
        ("https://www.peugeot.fr/?code=0123456789abcdef", "code_wrong_redirect"),
        ("abc", "code_malformed"),
        ("not a code at all", "code_malformed"),
        ("0" * 600, "code_malformed"),
        (UNICODE * 3, "code_malformed"),
        ("\x00\x01\x02code", "code_malformed"),
        ("mymap://oauth2redirect/fr?code=abc&state=forged", "code_state_mismatch"),
        ("0123456789abcdef-0123", "invalid_code"),  # the right shape, but no such code
    ],
)
async def test_bad_pastes(hass: HomeAssistant, rig: Rig, pasted: str, error: str) -> None:
    result = await credentials_form(hass)
    result = await submit(hass, result["flow_id"], {**good(rig), "password": ""})
    assert result["step_id"] == "authorization_code"
    url = result["description_placeholders"]["authorize_url"]
    result = await submit(hass, result["flow_id"], {"code": pasted})
    assert only_error(result) == error
    assert result["step_id"] == "authorization_code"
    # The right paste, with stray spaces and quotes around it, still works afterwards.
    redirect = await browser_login(rig.sim, url)
    result = await submit(hass, result["flow_id"], {"code": f'  "{redirect}"\n'})
    assert result["type"] is FlowResultType.CREATE_ENTRY, result


# What the form's schema refuses, as the frontend sends it ------------------------------------


@pytest.fixture
async def http(hass: HomeAssistant, hass_client: ClientSessionGenerator) -> Any:
    # Routes are frozen once the client exists: the image platform's view comes first.
    assert await async_setup_component(hass, "image", {})
    assert await async_setup_component(hass, "config", {})
    return await hass_client()


async def post(http: Any, path: str, data: dict[str, Any]) -> tuple[int, Any]:
    response = await http.post(f"/api/config/config_entries/{path}", json=data)
    return response.status, await response.json()


@pytest.mark.parametrize("brand", ["fiat", "", "PEUGEOT", UNICODE, LONG])
async def test_unknown_brand(http: Any, rig: Rig, brand: str) -> None:
    status, body = await post(http, "flow", {"handler": DOMAIN})
    assert status == HTTPStatus.OK
    status, body = await post(http, f"flow/{body['flow_id']}", {"brand": brand})
    assert status == HTTPStatus.BAD_REQUEST, body
    assert "brand" in str(body["errors"])


@pytest.mark.parametrize("country", ["US", "", "fr ", "XX", UNICODE])
async def test_unknown_country(http: Any, rig: Rig, country: str) -> None:
    _, body = await post(http, "flow", {"handler": DOMAIN})
    _, body = await post(http, f"flow/{body['flow_id']}", {"brand": "opel"})
    status, body = await post(http, f"flow/{body['flow_id']}", {**good(rig), "country": country})
    assert status == HTTPStatus.BAD_REQUEST, body
    assert "country" in str(body["errors"])


async def test_missing_required_field(http: Any, rig: Rig) -> None:
    _, body = await post(http, "flow", {"handler": DOMAIN})
    _, body = await post(http, f"flow/{body['flow_id']}", {"brand": "peugeot"})
    incomplete = {key: value for key, value in good(rig).items() if key != "client_id"}
    status, body = await post(http, f"flow/{body['flow_id']}", incomplete)
    assert status == HTTPStatus.BAD_REQUEST, body
    assert "client_id" in str(body["errors"])


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"active_interval": 5, "parked_interval": 600}, "active_interval"),
        ({"active_interval": 60, "parked_interval": 10**9}, "parked_interval"),
        ({"active_interval": 60, "parked_interval": -600}, "parked_interval"),
    ],
)
async def test_options_out_of_range_name_the_range(
    http: Any, rig: Rig, options: dict[str, Any], field: str
) -> None:
    """Our error under the field, with the range; not the selector's "Value 5.0 is too small"."""
    entry = await rig.add_entry()
    _, body = await post(http, "options/flow", {"handler": entry.entry_id})
    _, body = await post(http, f"options/flow/{body['flow_id']}", {"next_step_id": "polling"})
    status, body = await post(http, f"options/flow/{body['flow_id']}", options)
    assert status == HTTPStatus.OK, body
    assert body["type"] == "form"
    assert body["errors"] == {field: f"{field}_out_of_range"}
    assert body["description_placeholders"] == {
        "active_min": "30",
        "active_max": "600",
        "parked_min": "60",
        "wake_min": "15",
        "wake_max": "120",
        "parked_max": "3600",
    }


async def test_options_not_a_number(http: Any, rig: Rig) -> None:
    entry = await rig.add_entry()
    _, body = await post(http, "options/flow", {"handler": entry.entry_id})
    _, body = await post(http, f"options/flow/{body['flow_id']}", {"next_step_id": "polling"})
    options = {"active_interval": "soon", "parked_interval": 600}
    status, body = await post(http, f"options/flow/{body['flow_id']}", options)
    assert status == HTTPStatus.BAD_REQUEST, body
    assert "active_interval" in str(body["errors"])


async def test_active_interval_above_parked(hass: HomeAssistant, rig: Rig) -> None:
    entry = await rig.add_entry()
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "polling"}
    )
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"active_interval": 600, "parked_interval": 60}
    )
    assert only_error(result) == "active_above_parked"
