"""Config flow: every branch, each error followed by a successful retry."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResult, FlowResultType, InvalidData
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
import voluptuous as vol

from custom_components.psa_connected_car.api.exceptions import (
    PSAApiError,
    PSAAuthError,
    PSAConnectionError,
    PSAInvalidClientError,
    PSAInvalidCodeError,
    PSAPasswordGrantUnsupportedError,
    PSARateLimitError,
)
from custom_components.psa_connected_car.api.models import User
from custom_components.psa_connected_car.const import (
    CONF_ACTIVE_INTERVAL,
    CONF_PARKED_INTERVAL,
    DOMAIN,
)

from .common import (
    ACCOUNT_ID,
    AUTHORIZE_URL,
    CLIENT_ID,
    CLIENT_SECRET,
    PASSWORD,
    REDIRECT_URI,
    TOKEN,
    USERNAME,
    MockPSA,
    create_entry,
)

pytestmark = pytest.mark.usefixtures("mock_setup_entry")

CREDENTIALS = {
    "country": "FR",
    "username": USERNAME,
    "password": PASSWORD,
    "client_id": CLIENT_ID,
    "client_secret": CLIENT_SECRET,
}
PASTED = f"{REDIRECT_URI}?code=0a1b2c3d-0000-4000-8000-000000000000&state=state-1"


def required(result: FlowResult, key: str) -> bool:
    """Whether the form's field ``key`` must be filled."""
    for marker in result["data_schema"].schema:
        if marker == key:
            return isinstance(marker, vol.Required)
    raise KeyError(key)


def suggested(result: FlowResult, key: str) -> Any:
    """The value a form pre-fills for ``key``."""
    for marker in result["data_schema"].schema:
        if marker == key:
            return (marker.description or {}).get("suggested_value")
    raise KeyError(key)


async def start(hass: HomeAssistant, brand: str = "peugeot") -> FlowResult:
    """Through the brand step to the credentials form."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"brand": brand})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "credentials"
    return result


def without_password(values: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if key != "password"}


async def test_password_login_creates_the_entry(hass: HomeAssistant, mock_psa: MockPSA) -> None:
    result = await start(hass)
    assert result["description_placeholders"] == {"brand": "Peugeot"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**CREDENTIALS, "username": f" {USERNAME} "}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == f"Peugeot ({USERNAME})"
    assert result["result"].unique_id == ACCOUNT_ID
    assert result["data"] == {
        "brand": "peugeot",
        "country": "FR",
        "username": USERNAME,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "token": TOKEN.as_dict(),
        "auth_method": "password",
        "password": PASSWORD,
    }
    mock_psa.auth.login_password.assert_awaited_once_with(USERNAME, PASSWORD)
    mock_psa.client.get_vehicles.assert_awaited_once()
    brand, country, client_id, client_secret = mock_psa.auth_cls.call_args.args[1:]
    assert (brand.key, country, client_id, client_secret) == ("peugeot", "FR", *CLIENT)


CLIENT = (CLIENT_ID, CLIENT_SECRET)


async def test_country_suggested_from_hass(hass: HomeAssistant, mock_psa: MockPSA) -> None:
    hass.config.country = "DE"
    result = await start(hass)
    assert suggested(result, "country") == "DE"
    hass.config.country = "US"  # not a Vauxhall country
    result = await start(hass, "vauxhall")
    assert suggested(result, "country") is None
    assert result["description_placeholders"] == {"brand": "Vauxhall"}


@pytest.mark.parametrize(
    ("error", "key"),
    [
        (PSAInvalidClientError("refused"), "invalid_client"),
        (PSAAuthError("wrong password"), "invalid_auth"),
        (PSARateLimitError("slow down", 60), "rate_limited"),
        (PSAConnectionError("timeout"), "cannot_connect"),
        (PSAApiError(403, 40300, "Forbidden"), "unknown"),
        (ValueError("bug"), "unknown"),
    ],
)
async def test_password_login_errors_then_recovery(
    hass: HomeAssistant, mock_psa: MockPSA, error: Exception, key: str
) -> None:
    result = await start(hass)
    mock_psa.login_errors = [error]
    result = await hass.config_entries.flow.async_configure(result["flow_id"], CREDENTIALS)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "credentials"
    assert result["errors"] == {"base": key}
    # Nothing typed is lost, but the secrets are not sent back to the browser.
    for field in ("country", "username", "client_id"):
        assert suggested(result, field) == CREDENTIALS[field]
    assert suggested(result, "password") is None
    assert suggested(result, "client_secret") is None
    result = await hass.config_entries.flow.async_configure(result["flow_id"], CREDENTIALS)
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_an_empty_secret_field_keeps_the_secret_typed_before_an_error(
    hass: HomeAssistant, mock_psa: MockPSA
) -> None:
    result = await start(hass)
    assert required(result, "client_secret")
    mock_psa.login_errors = [PSAAuthError("wrong password")]
    result = await hass.config_entries.flow.async_configure(result["flow_id"], CREDENTIALS)
    assert result["errors"] == {"base": "invalid_auth"}
    assert not required(result, "client_secret")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**CREDENTIALS, "client_secret": ""}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"]["client_secret"] == CLIENT_SECRET


@pytest.mark.parametrize(
    ("error", "key"),
    [
        (PSAAuthError("401 twice"), "invalid_auth"),
        (PSAConnectionError("500"), "cannot_connect"),
        (PSARateLimitError("429"), "rate_limited"),
    ],
)
async def test_vehicle_check_errors_then_recovery(
    hass: HomeAssistant, mock_psa: MockPSA, error: Exception, key: str
) -> None:
    result = await start(hass)
    listing = mock_psa.client.get_vehicles.side_effect
    mock_psa.client.get_vehicles.side_effect = error
    result = await hass.config_entries.flow.async_configure(result["flow_id"], CREDENTIALS)
    assert result["errors"] == {"base": key}
    mock_psa.client.get_vehicles.side_effect = listing
    result = await hass.config_entries.flow.async_configure(result["flow_id"], CREDENTIALS)
    assert result["type"] is FlowResultType.CREATE_ENTRY


@pytest.mark.parametrize(
    ("email", "unique_id"),
    [("Driver@Example.COM", "driver@example.com"), (None, USERNAME)],
)
async def test_unique_id_without_subject(
    hass: HomeAssistant, mock_psa: MockPSA, email: str | None, unique_id: str
) -> None:
    mock_psa.auth.account_id = None
    mock_psa.client.get_user.return_value = User(email=email)
    result = await start(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**CREDENTIALS, "username": USERNAME.upper()}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].unique_id == unique_id


async def test_refused_password_grant_moves_to_the_code_step(
    hass: HomeAssistant, mock_psa: MockPSA
) -> None:
    mock_psa.login_errors = [PSAPasswordGrantUnsupportedError("unsupported")]
    result = await start(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], CREDENTIALS)
    assert result["type"] is FlowResultType.FORM
    # The step says why: its description starts with the refusal.
    assert result["step_id"] == "authorization_code_password_refused"
    mock_psa.auth.check_client.assert_awaited_once()
    assert result["description_placeholders"] == {
        "brand": "Peugeot",
        "authorize_url": AUTHORIZE_URL,
        "redirect_uri": REDIRECT_URI,
    }
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"code": PASTED})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"]["auth_method"] == "code"
    assert "password" not in result["data"]
    mock_psa.auth.login_code.assert_awaited_once()
    assert mock_psa.auth.login_code.await_args.args[0] == PASTED
    assert mock_psa.auth.login_code.await_args.args[1].state == "state-1"


async def test_empty_password_goes_straight_to_the_code_step(
    hass: HomeAssistant, mock_psa: MockPSA
) -> None:
    result = await start(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], without_password(CREDENTIALS)
    )
    assert result["step_id"] == "authorization_code"
    mock_psa.auth.login_password.assert_not_awaited()
    mock_psa.auth.check_client.assert_awaited_once()
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"code": PASTED})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"]["auth_method"] == "code"


@pytest.mark.parametrize(
    ("error", "key"),
    [
        (PSAInvalidCodeError("empty"), "code_empty"),
        (PSAInvalidCodeError("too_long"), "code_too_long"),
        (PSAInvalidCodeError("no_code"), "code_not_found"),
        (PSAInvalidCodeError("malformed"), "code_malformed"),
        (PSAInvalidCodeError("state_mismatch"), "code_state_mismatch"),
        (PSAInvalidCodeError("wrong_redirect"), "code_wrong_redirect"),
        (PSAInvalidCodeError("rejected"), "invalid_code"),
        (PSAInvalidCodeError("something_new"), "invalid_code"),
        (PSAConnectionError("timeout"), "cannot_connect"),
        (PSARateLimitError("too many token requests", 600), "rate_limited"),
    ],
)
async def test_code_errors_then_recovery(
    hass: HomeAssistant, mock_psa: MockPSA, error: Exception, key: str
) -> None:
    result = await start(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], without_password(CREDENTIALS)
    )
    mock_psa.login_errors = [error]
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"code": "oops"})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "authorization_code"
    assert result["errors"] == {"base": key}
    assert suggested(result, "code") == "oops"
    # The same login attempt (state, PKCE verifier) is kept for the next paste.
    mock_psa.auth.create_authorization_request.assert_called_once()
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"code": PASTED})
    assert result["type"] is FlowResultType.CREATE_ENTRY


@pytest.mark.parametrize(
    ("error", "key"),
    [
        (PSAInvalidClientError("refused"), "invalid_client"),
        (PSARateLimitError("too many token requests", 600), "rate_limited"),
        (PSAConnectionError("timeout"), "cannot_connect"),
    ],
)
@pytest.mark.parametrize("password_refused", [False, True])
async def test_client_check_before_the_browser_login(
    hass: HomeAssistant, mock_psa: MockPSA, error: Exception, key: str, password_refused: bool
) -> None:
    """A wrong pair shows on the account form, before the user signs in on the web page."""
    result = await start(hass)
    mock_psa.check_errors = [error]
    values = without_password(CREDENTIALS)
    if password_refused:
        mock_psa.login_errors = [PSAPasswordGrantUnsupportedError("unsupported")]
        values = CREDENTIALS
    result = await hass.config_entries.flow.async_configure(result["flow_id"], values)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "credentials"
    assert result["errors"] == {"base": key}
    mock_psa.auth.create_authorization_request.assert_not_called()
    assert suggested(result, "client_id") == CLIENT_ID
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], without_password(CREDENTIALS)
    )
    assert result["step_id"] == "authorization_code"
    assert mock_psa.auth.check_client.await_count == 2


async def test_refused_client_on_the_code_step_returns_to_the_credentials(
    hass: HomeAssistant, mock_psa: MockPSA
) -> None:
    result = await start(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], without_password(CREDENTIALS)
    )
    mock_psa.login_errors = [PSAInvalidClientError("refused")]
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"code": PASTED})
    assert result["step_id"] == "credentials"
    assert result["errors"] == {"base": "invalid_client"}
    assert suggested(result, "client_id") == CLIENT_ID


async def test_used_code_is_not_exchanged_twice(hass: HomeAssistant, mock_psa: MockPSA) -> None:
    """The exchange worked but the vehicle check failed: the same paste only re-checks."""
    result = await start(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], without_password(CREDENTIALS)
    )
    listing = mock_psa.client.get_vehicles.side_effect
    mock_psa.client.get_vehicles.side_effect = PSAConnectionError("502")
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"code": PASTED})
    assert result["step_id"] == "authorization_code"
    assert result["errors"] == {"base": "cannot_connect"}
    mock_psa.client.get_vehicles.side_effect = listing
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"code": PASTED})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    mock_psa.auth.login_code.assert_awaited_once()


@pytest.mark.parametrize("username", [USERNAME, f" {USERNAME.upper()} "])
@pytest.mark.parametrize("password", [PASSWORD, ""])
async def test_same_account_twice_aborts_before_any_request(
    hass: HomeAssistant, mock_psa: MockPSA, username: str, password: str
) -> None:
    create_entry().add_to_hass(hass)
    result = await start(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**CREDENTIALS, "username": username, "password": password}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    mock_psa.auth_cls.assert_not_called()  # not even a login client


async def test_same_e_mail_at_another_brand_is_another_account(
    hass: HomeAssistant, mock_psa: MockPSA
) -> None:
    create_entry(brand="citroen").add_to_hass(hass)
    mock_psa.auth.account_id = "another-subject"
    result = await start(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], CREDENTIALS)
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_same_subject_under_another_e_mail_aborts(
    hass: HomeAssistant, mock_psa: MockPSA
) -> None:
    """The identity token's subject stays the final check (the e-mail may have changed)."""
    create_entry(username="old-address@example.com").add_to_hass(hass)
    result = await start(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], CREDENTIALS)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    mock_psa.auth.revoke.assert_awaited_once()  # the new tokens are of no use


# Reauthentication
async def start_reauth(hass: HomeAssistant, entry: MockConfigEntry) -> FlowResult:
    entry.add_to_hass(hass)
    result = await entry.start_reauth_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reauth_confirm"
    placeholders = result["description_placeholders"]
    assert placeholders["brand"] == "Peugeot"
    assert placeholders["username"] == USERNAME
    return result


async def test_reauth_with_password(hass: HomeAssistant, mock_psa: MockPSA) -> None:
    entry = create_entry(token={**TOKEN.as_dict(), "refresh_token": "dead"}, password="old")
    result = await start_reauth(hass, entry)
    assert suggested(result, "password") is None  # the stored one is never shown
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"password": "new password"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert entry.data["token"] == TOKEN.as_dict()
    assert entry.data["password"] == "new password"
    assert entry.data["auth_method"] == "password"
    assert entry.unique_id == ACCOUNT_ID
    mock_psa.auth.login_password.assert_awaited_once_with(USERNAME, "new password")


async def test_reauth_error_then_recovery(hass: HomeAssistant, mock_psa: MockPSA) -> None:
    entry = create_entry()
    result = await start_reauth(hass, entry)
    mock_psa.login_errors = [PSAAuthError("wrong")]
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"password": "x"})
    assert result["step_id"] == "reauth_confirm"
    assert result["errors"] == {"base": "invalid_auth"}
    assert suggested(result, "password") is None
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"password": "y"})
    assert result["reason"] == "reauth_successful"


async def test_reauth_with_an_empty_field_uses_the_stored_password(
    hass: HomeAssistant, mock_psa: MockPSA
) -> None:
    entry = create_entry(password="stored password")
    result = await start_reauth(hass, entry)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["reason"] == "reauth_successful"
    mock_psa.auth.login_password.assert_awaited_once_with(USERNAME, "stored password")
    assert entry.data["password"] == "stored password"


async def test_reauth_refused_stored_password_then_the_browser(
    hass: HomeAssistant, mock_psa: MockPSA
) -> None:
    """Once the stored password is refused, an empty field means the browser login."""
    entry = create_entry()
    result = await start_reauth(hass, entry)
    mock_psa.login_errors = [PSAAuthError("wrong")]
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"password": ""})
    assert result["step_id"] == "reauth_confirm"
    assert result["errors"] == {"base": "stored_password_refused"}
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"password": ""})
    assert result["step_id"] == "authorization_code"
    mock_psa.auth.login_password.assert_awaited_once()
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"code": PASTED})
    assert result["reason"] == "reauth_successful"
    assert entry.data["auth_method"] == "code"
    assert "password" not in entry.data


async def test_reauth_with_code_drops_the_password(hass: HomeAssistant, mock_psa: MockPSA) -> None:
    entry = create_entry()
    result = await start_reauth(hass, entry)
    mock_psa.login_errors = [PSAPasswordGrantUnsupportedError("unsupported")]
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"password": ""})
    assert result["step_id"] == "authorization_code_password_refused"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"code": PASTED})
    assert result["reason"] == "reauth_successful"
    assert entry.data["auth_method"] == "code"
    assert "password" not in entry.data


async def test_reauth_refused_client_returns_to_the_reauth_form(
    hass: HomeAssistant, mock_psa: MockPSA
) -> None:
    entry = create_entry(auth_method="code", password=None)
    result = await start_reauth(hass, entry)
    assert suggested(result, "password") is None
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    mock_psa.login_errors = [PSAInvalidClientError("refused")]
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"code": PASTED})
    assert result["step_id"] == "reauth_confirm"
    assert result["errors"] == {"base": "invalid_client"}


@pytest.mark.parametrize("password", [PASSWORD, ""])
async def test_reauth_refuses_another_account(
    hass: HomeAssistant, mock_psa: MockPSA, password: str
) -> None:
    entry = create_entry(password=password or None)
    result = await start_reauth(hass, entry)
    mock_psa.auth.account_id = "someone-else"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"password": password}
    )
    if not password:
        result = await hass.config_entries.flow.async_configure(result["flow_id"], {"code": PASTED})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_account"
    assert entry.data["token"] == TOKEN.as_dict()  # unchanged
    mock_psa.auth.revoke.assert_awaited_once()


# Reconfiguration
async def test_reconfigure_changes_country_and_app(hass: HomeAssistant, mock_psa: MockPSA) -> None:
    entry = create_entry()
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reconfigure"
    assert suggested(result, "country") == "FR"
    assert suggested(result, "client_id") == CLIENT_ID
    # No secret is sent to the browser; an empty field keeps the stored one.
    assert suggested(result, "client_secret") is None
    assert suggested(result, "password") is None
    assert not required(result, "client_secret")
    mock_psa.login_errors = [PSAInvalidClientError("refused")]
    changes = {
        "country": "BE",
        "client_id": "other-id",
        "client_secret": "other-secret",
        "password": PASSWORD,
    }
    result = await hass.config_entries.flow.async_configure(result["flow_id"], changes)
    assert result["step_id"] == "reconfigure"
    assert result["errors"] == {"base": "invalid_client"}
    assert suggested(result, "client_id") == "other-id"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], changes)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.data["country"] == "BE"
    assert entry.data["client_id"] == "other-id"
    assert entry.data["client_secret"] == "other-secret"
    assert entry.data["username"] == USERNAME
    assert mock_psa.auth_cls.call_args.args[2:] == ("BE", "other-id", "other-secret")


async def test_reconfigure_with_code(hass: HomeAssistant, mock_psa: MockPSA) -> None:
    entry = create_entry(auth_method="code", password=None)
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    values = {"country": "FR", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
    result = await hass.config_entries.flow.async_configure(result["flow_id"], values)
    assert result["step_id"] == "authorization_code"
    mock_psa.login_errors = [PSAInvalidClientError("refused")]
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"code": PASTED})
    assert result["step_id"] == "reconfigure"
    assert result["errors"] == {"base": "invalid_client"}
    result = await hass.config_entries.flow.async_configure(result["flow_id"], values)
    assert result["step_id"] == "authorization_code"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"code": PASTED})
    assert result["reason"] == "reconfigure_successful"


async def test_reconfigure_with_empty_fields_keeps_the_stored_secrets(
    hass: HomeAssistant, mock_psa: MockPSA
) -> None:
    entry = create_entry()
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"country": "BE", "client_id": CLIENT_ID, "client_secret": "  "}
    )
    assert result["reason"] == "reconfigure_successful"
    assert entry.data["country"] == "BE"
    assert entry.data["client_secret"] == CLIENT_SECRET
    assert entry.data["password"] == PASSWORD
    assert mock_psa.auth_cls.call_args.args[2:] == ("BE", CLIENT_ID, CLIENT_SECRET)
    mock_psa.auth.login_password.assert_awaited_once_with(USERNAME, PASSWORD)


async def test_reconfigure_revokes_the_login_it_replaces(
    hass: HomeAssistant, mock_psa: MockPSA
) -> None:
    """The old refresh token is revoked with the app credentials it was issued to."""
    old = {**TOKEN.as_dict(), "refresh_token": "replaced-refresh-token"}
    entry = create_entry(token=old)
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    changes = {"country": "FR", "client_id": "new-id", "client_secret": "new-secret"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**changes, "password": PASSWORD}
    )
    assert result["reason"] == "reconfigure_successful"
    assert entry.data["token"] == TOKEN.as_dict()
    mock_psa.auth.revoke.assert_awaited_once()
    revoking = mock_psa.auth_cls.call_args
    assert revoking.args[2:] == ("FR", CLIENT_ID, CLIENT_SECRET)
    assert revoking.kwargs["token"].refresh_token == "replaced-refresh-token"


async def test_reauth_with_the_same_token_revokes_nothing(
    hass: HomeAssistant, mock_psa: MockPSA
) -> None:
    entry = create_entry()  # already holds TOKEN, which the mocked login hands out again
    result = await start_reauth(hass, entry)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"password": PASSWORD}
    )
    assert result["reason"] == "reauth_successful"
    mock_psa.auth.revoke.assert_not_awaited()


async def test_reconfigure_refuses_another_account(hass: HomeAssistant, mock_psa: MockPSA) -> None:
    entry = create_entry()
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    mock_psa.auth.account_id = "someone-else"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {"country": "FR", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "password": "x"},
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_account"


# Options
async def open_polling(hass: HomeAssistant, entry: MockConfigEntry) -> FlowResult:
    """The options menu, then its polling form."""
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.MENU
    assert result["step_id"] == "init"
    assert list(result["menu_options"]) == ["polling", "remote"]
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "polling"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "polling"
    return result


async def test_options_flow(hass: HomeAssistant) -> None:
    entry = create_entry()
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)  # async_setup_entry is mocked
    assert entry.state is ConfigEntryState.LOADED
    result = await open_polling(hass, entry)
    assert suggested(result, CONF_ACTIVE_INTERVAL) == 60
    assert suggested(result, CONF_PARKED_INTERVAL) == 600
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_ACTIVE_INTERVAL: 600, CONF_PARKED_INTERVAL: 300}
    )
    assert result["errors"] == {"base": "active_above_parked"}
    assert suggested(result, CONF_ACTIVE_INTERVAL) == 600
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_ACTIVE_INTERVAL: 120, CONF_PARKED_INTERVAL: 1800}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options == {
        CONF_ACTIVE_INTERVAL: 120,
        CONF_PARKED_INTERVAL: 1800,
        "charge_wake": False,  # off unless asked for: it costs the 12 V battery
        "charge_wake_interval": 15,
    }
    result = await open_polling(hass, entry)
    assert suggested(result, CONF_PARKED_INTERVAL) == 1800


@pytest.mark.parametrize(
    ("values", "fields"),
    [
        ({CONF_ACTIVE_INTERVAL: 10, CONF_PARKED_INTERVAL: 600}, ("active_interval",)),
        ({CONF_ACTIVE_INTERVAL: 610, CONF_PARKED_INTERVAL: 3600}, ("active_interval",)),
        ({CONF_ACTIVE_INTERVAL: 60, CONF_PARKED_INTERVAL: 7200}, ("parked_interval",)),
        ({CONF_ACTIVE_INTERVAL: 30, CONF_PARKED_INTERVAL: 50}, ("parked_interval",)),
        (
            {CONF_ACTIVE_INTERVAL: -5, CONF_PARKED_INTERVAL: float("inf")},
            ("active_interval", "parked_interval"),
        ),
        ({CONF_ACTIVE_INTERVAL: float("nan"), CONF_PARKED_INTERVAL: 600}, ("active_interval",)),
    ],
)
async def test_options_bounds_name_the_range(
    hass: HomeAssistant, values: dict[str, float], fields: tuple[str, ...]
) -> None:
    """Our error per field, with the range in the placeholders (not the selector's own)."""
    entry = create_entry()
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    result = await open_polling(hass, entry)
    placeholders = {
        "active_min": "30",
        "active_max": "600",
        "parked_min": "60",
        "wake_min": "15",
        "wake_max": "120",
        "parked_max": "3600",
    }
    assert result["description_placeholders"] == placeholders
    result = await hass.config_entries.options.async_configure(result["flow_id"], values)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {field: f"{field}_out_of_range" for field in fields}
    assert result["description_placeholders"] == placeholders
    assert entry.options == {}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_ACTIVE_INTERVAL: 30, CONF_PARKED_INTERVAL: 3600}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY  # the limits themselves are allowed
    assert entry.options[CONF_ACTIVE_INTERVAL] == 30
    assert entry.options[CONF_PARKED_INTERVAL] == 3600


@pytest.mark.parametrize("minutes", [10, 125, float("nan")])
async def test_the_charging_wake_up_interval_names_its_range(
    hass: HomeAssistant, minutes: float
) -> None:
    """Keep the battery level fresh while charging: its interval is 15 to 120 minutes."""
    entry = create_entry()
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    result = await open_polling(hass, entry)
    values = {CONF_ACTIVE_INTERVAL: 60, CONF_PARKED_INTERVAL: 600, "charge_wake": True}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**values, "charge_wake_interval": minutes}
    )
    assert result["errors"] == {"charge_wake_interval": "charge_wake_interval_out_of_range"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**values, "charge_wake_interval": 30}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options["charge_wake"] is True
    assert entry.options["charge_wake_interval"] == 30


async def test_options_refuse_what_is_not_a_number(hass: HomeAssistant) -> None:
    entry = create_entry()
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    result = await open_polling(hass, entry)
    with pytest.raises(InvalidData):
        await hass.config_entries.options.async_configure(
            result["flow_id"], {CONF_ACTIVE_INTERVAL: "soon", CONF_PARKED_INTERVAL: 600}
        )
