"""Config flow: brand, country, account and app credentials; password or browser login.

The password grant is tried first. Where the identity server refuses it (the case for most
accounts since 2024), or when the password is left empty, the user logs in on the brand's
web page and pastes the code the page hands to the (absent) mobile app. Before that web login
the app credentials are checked (``PSAAuth.check_client``), and an account that is already
configured is refused as soon as its e-mail is known.

Secrets never go back to the frontend: no form suggests a password or a client secret, and
where one is already known (reauthentication, reconfiguration, a form shown again after an
error) leaving its field empty keeps it.
"""

from __future__ import annotations

from collections.abc import Mapping
import secrets
import traceback
from typing import TYPE_CHECKING, Any

from homeassistant.config_entries import (
    SOURCE_REAUTH,
    SOURCE_RECONFIGURE,
    ConfigEntry,
    ConfigEntryState,
    ConfigFlow,
    ConfigFlowResult,
)
from homeassistant.const import (
    CONF_CLIENT_ID,
    CONF_CLIENT_SECRET,
    CONF_CODE,
    CONF_COUNTRY,
    CONF_PASSWORD,
    CONF_PIN,
    CONF_TOKEN,
    CONF_USERNAME,
)
from homeassistant.core import callback
from homeassistant.data_entry_flow import AbortFlow
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.selector import (
    BooleanSelector,
    CountrySelector,
    CountrySelectorConfig,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)

if TYPE_CHECKING:  # Home Assistant 2026.9+ types its forms with probatio (aliased at runtime)
    import probatio as vol
else:  # the oldest supported versions only have voluptuous
    import voluptuous as vol

from .api.auth import PSAAuth
from .api.brands import BRANDS, Brand
from .api.client import PSAClient
from .api.exceptions import (
    PSAApiError,
    PSAAuthError,
    PSAConnectionError,
    PSAError,
    PSAInvalidClientError,
    PSAInvalidCodeError,
    PSAPairingError,
    PSAPasswordGrantUnsupportedError,
    PSARateLimitError,
    PSARemoteAuthError,
)
from .api.models import AuthorizationRequest, TokenSet
from .api.remote.account import PSARemoteApi, async_pair
from .api.remote.otp import InWeboClient
from .compat import OptionsFlowBase
from .const import (
    ACTIVE_INTERVAL_RANGE,
    AUTH_METHOD_CODE,
    AUTH_METHOD_PASSWORD,
    CHARGE_WAKE_INTERVAL_RANGE,
    CONF_ACTIVE_INTERVAL,
    CONF_AUTH_METHOD,
    CONF_BRAND,
    CONF_CHARGE_WAKE,
    CONF_CHARGE_WAKE_INTERVAL,
    CONF_PARKED_INTERVAL,
    DEFAULT_ACTIVE_INTERVAL,
    DEFAULT_CHARGE_WAKE_INTERVAL,
    DEFAULT_PARKED_INTERVAL,
    DOMAIN,
    LOGGER,
    PARKED_INTERVAL_RANGE,
    get_endpoints,
)
from .remote_store import RemoteStore

# PSAInvalidCodeError.reason -> the error shown under the code field.
CODE_ERRORS = {
    "empty": "code_empty",
    "too_long": "code_too_long",
    "no_code": "code_not_found",
    "malformed": "code_malformed",
    "state_mismatch": "code_state_mismatch",
    "wrong_redirect": "code_wrong_redirect",
    "rejected": "invalid_code",
}

# App credentials are tens of characters; a paste far longer is refused before any request.
APP_CREDENTIALS = (CONF_CLIENT_ID, CONF_CLIENT_SECRET)
MAX_APP_CREDENTIAL = 1024

# Entered on the credentials and reconfigure forms, and stored in the entry.
CREDENTIAL_KEYS = (CONF_COUNTRY, CONF_CLIENT_ID, CONF_CLIENT_SECRET)
# What a form may show again: never the client secret or the password.
SUGGESTED_KEYS = (CONF_COUNTRY, CONF_CLIENT_ID, CONF_USERNAME)

STEP_CREDENTIALS = "credentials"
STEP_REAUTH_CONFIRM = "reauth_confirm"
STEP_RECONFIGURE = "reconfigure"
STEP_CODE = "authorization_code"
STEP_CODE_REFUSED = "authorization_code_password_refused"  # the same, saying why
STEP_POLLING = "polling"
STEP_REMOTE = "remote"
STEP_REMOTE_REPAIR = "remote_repair"
STEP_REMOTE_OFF = "remote_off"

CONF_SMS_CODE = "sms_code"
# PSAPairingError.code -> the error shown on the SMS form (or the intro, for no_customer_id).
PAIRING_ERRORS = {
    "access": "pairing_access",
    "code": "pairing_code",
    "max_devices": "pairing_max_devices",
    "blocked": "pairing_blocked",
    "forbidden": "pairing_forbidden",
    "sn": "pairing_sn",
    "no_customer_id": "no_customer_id",
    "unknown": "pairing_unknown",
}
# Other failures of the SMS request or the pairing, in this order (subclasses first).
REMOTE_ERRORS: tuple[tuple[type[Exception], str], ...] = (
    (PSARemoteAuthError, "pairing_refused"),  # the first MQTT token was refused
    (PSAAuthError, "auth_lost"),  # the account's own login: reauthentication
    (PSARateLimitError, "rate_limited"),
    (PSAConnectionError, "cannot_connect"),
)

PASSWORD_SELECTOR = TextSelector(
    TextSelectorConfig(type=TextSelectorType.PASSWORD, autocomplete="current-password")
)
EMAIL_SELECTOR = TextSelector(
    TextSelectorConfig(type=TextSelectorType.EMAIL, autocomplete="username")
)
TEXT_SELECTOR = TextSelector()
SECRET_SELECTOR = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))
# A number of seconds in steps of ten. The options step checks the ranges itself: the
# selector's own error ("Value 5.0 is too small") does not say what is allowed.
SECONDS_SELECTOR = NumberSelector(
    NumberSelectorConfig(step=10, unit_of_measurement="s", mode=NumberSelectorMode.BOX)
)
MINUTES_SELECTOR = NumberSelector(
    NumberSelectorConfig(step=5, unit_of_measurement="min", mode=NumberSelectorMode.BOX)
)

BRAND_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_BRAND): SelectSelector(
            SelectSelectorConfig(
                options=[
                    SelectOptionDict(value=brand.key, label=brand.name) for brand in BRANDS.values()
                ],
                mode=SelectSelectorMode.LIST,
            )
        )
    }
)
CODE_SCHEMA = vol.Schema({vol.Required(CONF_CODE): TEXT_SELECTOR})
# The browser must not offer a saved password for the PIN, nor keep what is typed.
SMS_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_SMS_CODE): TextSelector(
            TextSelectorConfig(type=TextSelectorType.TEXT, autocomplete="one-time-code")
        ),
        vol.Required(CONF_PIN): TextSelector(
            TextSelectorConfig(type=TextSelectorType.PASSWORD, autocomplete="off")
        ),
    }
)


def _error_key(err: Exception) -> str:
    """The form error for a failed login or check; unexpected ones are logged."""
    if isinstance(err, PSAInvalidClientError):
        return "invalid_client"
    if isinstance(err, PSAAuthError):
        return "invalid_auth"
    if isinstance(err, PSARateLimitError):
        return "rate_limited"
    if isinstance(err, PSAConnectionError):
        return "cannot_connect"
    LOGGER.error("Unexpected error during the login", exc_info=err)
    return "unknown"


def _country_selector(brand: Brand) -> CountrySelector:
    """The countries where the brand's app is offered."""
    return CountrySelector(CountrySelectorConfig(countries=list(brand.countries)))


class PSAConfigFlow(ConfigFlow, domain=DOMAIN):
    """One entry per account (the identity server's subject)."""

    VERSION = 1
    MINOR_VERSION = 1

    def __init__(self) -> None:
        """Start with nothing known: the brand comes first."""
        self._brand: Brand | None = None
        self._values: dict[str, Any] = {}  # country, username, client id and secret
        self._password = ""  # the one of the current login attempt
        self._stored_password = ""  # the entry's, used when the field is left empty
        self._login_step = STEP_CREDENTIALS  # the form that edits what a login error concerns
        self._auth: PSAAuth | None = None
        self._request: AuthorizationRequest | None = None
        self._exchanged: str | None = None  # the paste whose code already gave tokens

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> PSAOptionsFlow:
        """The polling intervals and the remote commands."""
        return PSAOptionsFlow()

    @property
    def brand(self) -> Brand:
        """The brand chosen (new entry) or stored (reauthentication, reconfiguration)."""
        assert self._brand is not None
        return self._brand

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """New entry: the brand first, as it decides the countries."""
        if user_input is not None:
            self._brand = BRANDS[user_input[CONF_BRAND]]
            return await self.async_step_credentials()
        return self.async_show_form(step_id="user", data_schema=BRAND_SCHEMA)

    async def async_step_credentials(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """New entry: country, account, optional password and the app credentials."""
        return await self._async_login_step(
            STEP_CREDENTIALS, user_input, (*CREDENTIAL_KEYS, CONF_USERNAME)
        )

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """Reauthentication of the same account, started by Home Assistant."""
        self._load_entry(entry_data)
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Reauthentication: a new password, or none for the browser login."""
        return await self._async_login_step(STEP_REAUTH_CONFIRM, user_input, ())

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Reconfiguration: another country or other app credentials, same account."""
        if self._brand is None:
            self._load_entry(self._get_reconfigure_entry().data)
        return await self._async_login_step(STEP_RECONFIGURE, user_input, CREDENTIAL_KEYS)

    async def async_step_authorization_code(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Browser login: the user pastes the code (or the whole redirect address)."""
        return await self._async_code_step(STEP_CODE, user_input)

    async def async_step_authorization_code_password_refused(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Browser login because the servers refused the password: the same, saying why."""
        return await self._async_code_step(STEP_CODE_REFUSED, user_input)

    async def _async_code_step(
        self, step: str, user_input: dict[str, Any] | None
    ) -> ConfigFlowResult:
        """Show the code form of ``step``; with input, trade the paste for tokens."""
        assert self._auth is not None
        if self._request is None:
            self._request = self._auth.create_authorization_request()
        errors: dict[str, str] = {}
        if user_input is not None:
            result = await self._async_exchange(str(user_input.get(CONF_CODE, "")), errors)
            if result is not None:
                return result
        return self.async_show_form(
            step_id=step,
            data_schema=self.add_suggested_values_to_schema(CODE_SCHEMA, user_input),
            errors=errors,
            description_placeholders={
                "brand": self.brand.name,
                "authorize_url": self._request.url,
                "redirect_uri": self._request.redirect_uri,
            },
        )

    # Shared by the three login forms.
    async def _async_login_step(
        self, step: str, user_input: dict[str, Any] | None, keys: tuple[str, ...]
    ) -> ConfigFlowResult:
        """Show the form of ``step``; with input, take ``keys`` from it and log in."""
        errors: dict[str, str] = {}
        if user_input is not None:
            for key in keys:
                value = str(user_input.get(key, "")).strip()
                if value or key != CONF_CLIENT_SECRET or not self._values.get(key):
                    self._values[key] = value  # an empty secret field keeps the known secret
            if step == STEP_CREDENTIALS and self._account_configured():
                return self.async_abort(reason="already_configured")
            result = await self._async_login(str(user_input.get(CONF_PASSWORD) or ""), errors)
            if result is not None:
                return result
        return self._show_login_form(step, errors)

    def _account_configured(self) -> bool:
        """Whether an entry has this brand and e-mail (any case): known before any request.

        The identity token's subject stays the final check (``_async_finish``).
        """
        username = str(self._values[CONF_USERNAME]).casefold()
        return any(
            entry.data.get(CONF_BRAND) == self.brand.key
            and str(entry.data.get(CONF_USERNAME, "")).casefold() == username
            for entry in self._async_current_entries(include_ignore=False)
        )

    def _show_login_form(self, step: str, errors: dict[str, str]) -> ConfigFlowResult:
        """The form of a login step, filled with what is known except the secrets."""
        self._login_step = step
        suggested = {key: value for key, value in self._values.items() if key in SUGGESTED_KEYS}
        if CONF_COUNTRY not in suggested and self.hass.config.country in self.brand.countries:
            suggested[CONF_COUNTRY] = self.hass.config.country
        placeholders = {"brand": self.brand.name}
        if step != STEP_CREDENTIALS:
            placeholders["username"] = self._values[CONF_USERNAME]
        return self.async_show_form(
            step_id=step,
            data_schema=self.add_suggested_values_to_schema(self._login_schema(step), suggested),
            errors=errors,
            description_placeholders=placeholders,
        )

    def _login_schema(self, step: str) -> vol.Schema:
        """The fields of a login step: reauthentication asks only for the password."""
        if step == STEP_REAUTH_CONFIRM:
            return vol.Schema({vol.Optional(CONF_PASSWORD): PASSWORD_SELECTOR})
        country = {vol.Required(CONF_COUNTRY): _country_selector(self.brand)}
        # A secret already known (the entry's, or one typed before an error) may be left empty.
        secret = vol.Optional if self._values.get(CONF_CLIENT_SECRET) else vol.Required
        app = {
            vol.Required(CONF_CLIENT_ID): TEXT_SELECTOR,
            secret(CONF_CLIENT_SECRET): SECRET_SELECTOR,
        }
        password = {vol.Optional(CONF_PASSWORD): PASSWORD_SELECTOR}
        if step == STEP_RECONFIGURE:
            return vol.Schema({**country, **app, **password})
        return vol.Schema(
            {**country, vol.Required(CONF_USERNAME): EMAIL_SELECTOR, **password, **app}
        )

    def _load_entry(self, data: Mapping[str, Any]) -> None:
        """Take the brand, account and app credentials of the entry being changed."""
        self._brand = BRANDS[data[CONF_BRAND]]
        self._values = {key: data[key] for key in (*CREDENTIAL_KEYS, CONF_USERNAME)}
        self._stored_password = data.get(CONF_PASSWORD) or ""

    def _new_auth(self) -> PSAAuth:
        """A login client for the values entered."""
        return PSAAuth(
            async_get_clientsession(self.hass),
            self.brand,
            self._values[CONF_COUNTRY],
            self._values[CONF_CLIENT_ID],
            self._values[CONF_CLIENT_SECRET],
            idp_base_url=get_endpoints().idp_base_url,
        )

    async def _async_login(self, typed: str, errors: dict[str, str]) -> ConfigFlowResult | None:
        """Password grant, or the browser login when there is no password or it is refused.

        An empty ``typed`` password means the stored one, if any. Before the browser login the
        app credentials are checked, so that a wrong pair shows here, not after the web login.
        None, with ``errors`` filled, when the form must be shown again.
        """
        if any(len(self._values[key]) > MAX_APP_CREDENTIAL for key in APP_CREDENTIALS):
            errors["base"] = "invalid_client"  # could not even travel in a request header
            return None
        password = typed or self._stored_password
        self._password = password
        self._auth = self._new_auth()
        self._request = None
        self._exchanged = None
        code_step = self.async_step_authorization_code
        if password:
            try:
                await self._auth.login_password(self._values[CONF_USERNAME], password)
            except PSAPasswordGrantUnsupportedError:
                LOGGER.debug("Password grant refused by the identity server; using the browser")
                self._password = self._stored_password = ""
                code_step = self.async_step_authorization_code_password_refused
            except Exception as err:  # every failure becomes a form error
                errors["base"] = _error_key(err)
                if errors["base"] == "invalid_auth" and not typed:
                    # The stored password is out of date: an empty field now means the browser.
                    self._stored_password = ""
                    errors["base"] = "stored_password_refused"
                return None
            else:
                return await self._async_finish(AUTH_METHOD_PASSWORD, errors)
        try:
            await self._auth.check_client()
        except Exception as err:  # every failure becomes a form error
            errors["base"] = _error_key(err)
            return None
        return await code_step()

    async def _async_exchange(self, pasted: str, errors: dict[str, str]) -> ConfigFlowResult | None:
        """Trade the pasted code for tokens; None, with ``errors`` filled, to ask again."""
        assert self._auth is not None
        assert self._request is not None
        # A code is single-use: when it already gave tokens and only the check after it
        # failed, the same paste goes straight to the check again.
        if self._auth.token is None or pasted != self._exchanged:
            try:
                await self._auth.login_code(pasted, self._request)
            except PSAInvalidCodeError as err:
                errors["base"] = CODE_ERRORS.get(err.reason, "invalid_code")
                return None
            except PSAInvalidClientError:  # the app credentials are wrong: back to their form
                return self._show_login_form(self._login_step, {"base": "invalid_client"})
            except PSAError as err:
                errors["base"] = _error_key(err)
                return None
            self._exchanged = pasted
        return await self._async_finish(AUTH_METHOD_CODE, errors)

    async def _async_finish(
        self, auth_method: str, errors: dict[str, str]
    ) -> ConfigFlowResult | None:
        """Prove the tokens work by listing the vehicles, then create or update the entry."""
        auth = self._auth
        assert auth is not None
        assert auth.token is not None
        client = PSAClient(
            async_get_clientsession(self.hass), auth, api_base_url=get_endpoints().api_base_url
        )
        try:
            await client.get_vehicles()
            account = auth.account_id
            if not account:
                user = await client.get_user()
                account = (user.email or self._values[CONF_USERNAME]).lower()
        except Exception as err:  # every failure becomes a form error
            errors["base"] = _error_key(err)
            return None
        data: dict[str, Any] = {
            CONF_BRAND: self.brand.key,
            **self._values,
            CONF_TOKEN: auth.token.as_dict(),
            CONF_AUTH_METHOD: auth_method,
        }
        if auth_method == AUTH_METHOD_PASSWORD:
            data[CONF_PASSWORD] = self._password
        await self.async_set_unique_id(account)
        try:
            if self.source in (SOURCE_REAUTH, SOURCE_RECONFIGURE):
                self._abort_if_unique_id_mismatch(reason="wrong_account")
                return await self._async_replace_login(data)
            self._abort_if_unique_id_configured()
        except AbortFlow:
            await auth.revoke()  # tokens nobody will use
            raise
        return self.async_create_entry(
            title=f"{self.brand.name} ({self._values[CONF_USERNAME]})", data=data
        )

    async def _async_replace_login(self, data: dict[str, Any]) -> ConfigFlowResult:
        """Store the new login and reload the entry, then revoke the login it replaces.

        Each login is a live refresh token at the identity server until revoked; without this,
        every reauthentication or reconfiguration would leave one more behind. The revocation
        comes after the update, so that the entry never holds a revoked token.
        """
        entry = (
            self._get_reauth_entry()
            if self.source == SOURCE_REAUTH
            else self._get_reconfigure_entry()
        )
        replaced = dict(entry.data)
        result = self.async_update_reload_and_abort(entry, data=data)
        old_token = replaced.get(CONF_TOKEN)
        if old_token and old_token.get("refresh_token") != data[CONF_TOKEN].get("refresh_token"):
            await PSAAuth(
                async_get_clientsession(self.hass),
                BRANDS[replaced[CONF_BRAND]],
                replaced[CONF_COUNTRY],
                replaced[CONF_CLIENT_ID],
                replaced[CONF_CLIENT_SECRET],
                token=TokenSet.from_dict(old_token),
                idp_base_url=get_endpoints().idp_base_url,
            ).revoke()
        return result


class PSAOptionsFlow(OptionsFlowBase):
    """A menu: the polling intervals, and the pairing of remote commands.

    A change of the intervals reloads the entry (Home Assistant 2025.8+); older versions apply
    it through the entry's update listener (see compat.py). The remote steps leave the options
    as they are: they save the pairing in its own store, schedule a reload of the entry
    themselves and end with an abort that says what happened.

    A pairing costs the account one of a few device slots, so it is only ever started by the
    user's submit: nothing here retries it. The PIN and the SMS code are never shown again,
    never logged and never put in a placeholder.
    """

    def __init__(self) -> None:
        """Nothing is known until the user picks a step."""
        self._api: Any = None  # PSARemoteApi, once the SMS was requested

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """What to change: the polling intervals or the remote commands."""
        return self.async_show_menu(step_id="init", menu_options=[STEP_POLLING, STEP_REMOTE])

    async def async_step_polling(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """The active and parked intervals; the active one may not exceed the parked one."""
        errors: dict[str, str] = {}
        if user_input is not None:
            active = float(user_input[CONF_ACTIVE_INTERVAL])
            parked = float(user_input[CONF_PARKED_INTERVAL])
            if not ACTIVE_INTERVAL_RANGE[0] <= active <= ACTIVE_INTERVAL_RANGE[1]:
                errors[CONF_ACTIVE_INTERVAL] = "active_interval_out_of_range"
            if not PARKED_INTERVAL_RANGE[0] <= parked <= PARKED_INTERVAL_RANGE[1]:
                errors[CONF_PARKED_INTERVAL] = "parked_interval_out_of_range"
            wake = bool(user_input.get(CONF_CHARGE_WAKE, False))
            wake_interval = float(
                user_input.get(CONF_CHARGE_WAKE_INTERVAL, DEFAULT_CHARGE_WAKE_INTERVAL)
            )
            low, high = CHARGE_WAKE_INTERVAL_RANGE
            if not low <= wake_interval <= high:
                errors[CONF_CHARGE_WAKE_INTERVAL] = "charge_wake_interval_out_of_range"
            if not errors and active > parked:
                errors["base"] = "active_above_parked"
            if not errors:
                return self.async_create_entry(
                    data={
                        CONF_ACTIVE_INTERVAL: int(active),
                        CONF_PARKED_INTERVAL: int(parked),
                        CONF_CHARGE_WAKE: wake,
                        CONF_CHARGE_WAKE_INTERVAL: int(wake_interval),
                    }
                )
        schema = vol.Schema(
            {
                vol.Required(CONF_ACTIVE_INTERVAL): SECONDS_SELECTOR,
                vol.Required(CONF_PARKED_INTERVAL): SECONDS_SELECTOR,
                # Off by default: each wake-up costs the 12 V battery (the text says how much).
                vol.Optional(CONF_CHARGE_WAKE): BooleanSelector(),
                vol.Optional(CONF_CHARGE_WAKE_INTERVAL): MINUTES_SELECTOR,
            }
        )
        suggested = {
            CONF_ACTIVE_INTERVAL: DEFAULT_ACTIVE_INTERVAL,
            CONF_PARKED_INTERVAL: DEFAULT_PARKED_INTERVAL,
            CONF_CHARGE_WAKE: False,
            CONF_CHARGE_WAKE_INTERVAL: DEFAULT_CHARGE_WAKE_INTERVAL,
            **self.config_entry.options,
            **(user_input or {}),
        }
        return self.async_show_form(
            step_id="polling",
            data_schema=self.add_suggested_values_to_schema(schema, suggested),
            errors=errors,
            description_placeholders={
                "active_min": str(ACTIVE_INTERVAL_RANGE[0]),
                "active_max": str(ACTIVE_INTERVAL_RANGE[1]),
                "parked_min": str(PARKED_INTERVAL_RANGE[0]),
                "parked_max": str(PARKED_INTERVAL_RANGE[1]),
                "wake_min": str(CHARGE_WAKE_INTERVAL_RANGE[0]),
                "wake_max": str(CHARGE_WAKE_INTERVAL_RANGE[1]),
            },
        )

    # Remote commands ---------------------------------------------------------------------

    async def async_step_remote(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Not paired: what pairing needs, then the SMS. Paired: pair again or turn off."""
        if self._coordinator() is None:
            return self.async_abort(reason="not_loaded")
        if user_input is None and await self._store().async_load() is not None:
            return await self.async_step_remote_manage()
        return await self._async_intro(STEP_REMOTE, user_input)

    async def async_step_remote_manage(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Paired already: pair again, or turn remote commands off."""
        return self.async_show_menu(
            step_id="remote_manage",
            menu_options=[STEP_REMOTE_REPAIR, STEP_REMOTE_OFF],
            description_placeholders=self._app_placeholders(),
        )

    async def async_step_remote_repair(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Pair again: the same steps; the new pairing replaces the stored one."""
        if self._coordinator() is None:
            return self.async_abort(reason="not_loaded")
        return await self._async_intro(STEP_REMOTE_REPAIR, user_input)

    async def async_step_remote_sms(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """The code of the text message and the brand app's PIN: one pairing per submit."""
        errors: dict[str, str] = {}
        if user_input is not None:
            sms_code = str(user_input.get(CONF_SMS_CODE, "")).strip()
            pin = str(user_input.get(CONF_PIN, "")).strip()
            if not sms_code:
                errors[CONF_SMS_CODE] = "sms_code_empty"
            if not pin:
                errors[CONF_PIN] = "pin_empty"
            if not errors:
                result = await self._async_pair(sms_code, pin, errors)
                if result is not None:
                    return result
        # Never suggested: a form shown again after an error comes back empty.
        return self.async_show_form(
            step_id="remote_sms",
            data_schema=SMS_SCHEMA,
            errors=errors,
            description_placeholders=self._app_placeholders(),
        )

    async def async_step_remote_off(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Confirm, then delete the pairing (the OTP state with the PIN) and reload."""
        if user_input is not None:
            await self._store().async_remove()
            self.hass.config_entries.async_schedule_reload(self.config_entry.entry_id)
            return self.async_abort(reason="remote_turned_off")
        return self.async_show_form(
            step_id="remote_off",
            data_schema=vol.Schema({}),
            description_placeholders=self._app_placeholders(),
        )

    def _coordinator(self) -> Any:
        """The entry's running coordinator (it holds the account's login), or None."""
        entry = self.config_entry
        if entry.state is not ConfigEntryState.LOADED:
            return None
        coordinator = getattr(entry, "runtime_data", None)
        return coordinator if getattr(coordinator, "auth", None) is not None else None

    def _store(self) -> RemoteStore:
        return RemoteStore(self.hass, self.config_entry.entry_id)

    def _app_placeholders(self) -> dict[str, str]:
        """The brand and its app's name (MyPeugeot, MyCitroën, ...) for the texts."""
        brand = BRANDS[self.config_entry.data[CONF_BRAND]]
        return {"brand": brand.name, "app": f"My{brand.name}"}

    async def _async_intro(self, step: str, user_input: dict[str, Any] | None) -> ConfigFlowResult:
        """What pairing needs; a submit checks the account and has the SMS sent."""
        errors: dict[str, str] = {}
        if user_input is not None:
            coordinator = self._coordinator()
            if coordinator is None:  # unloaded while the form was open
                return self.async_abort(reason="not_loaded")

            api = PSARemoteApi(
                async_get_clientsession(self.hass),
                coordinator.auth,
                base_url=get_endpoints().remote_api_base_url,
            )
            try:
                await api.get_customer_id()  # an account without a car has nothing to pair
                await api.request_sms_code()
            except Exception as err:  # every failure becomes a form error
                errors["base"] = _remote_error_key(err, sending_sms=True)
            else:
                self._api = api
                return await self.async_step_remote_sms()
        return self.async_show_form(
            step_id=step,
            data_schema=vol.Schema({}),
            errors=errors,
            description_placeholders=self._app_placeholders(),
        )

    async def _async_pair(
        self, sms_code: str, pin: str, errors: dict[str, str]
    ) -> ConfigFlowResult | None:
        """Activate, save and reload; None, with ``errors`` filled, to ask again."""
        if self._api is None or self._coordinator() is None:
            return self.async_abort(reason="not_loaded")

        inwebo = InWeboClient(async_get_clientsession(self.hass), url=get_endpoints().otp_url)
        device_id = secrets.token_hex(8)  # new for every pairing: it names this device
        try:
            customer_id, otp, token = await async_pair(self._api, inwebo, sms_code, pin, device_id)
        except Exception as err:  # every failure becomes a form error; never retried here
            errors["base"] = _remote_error_key(err, sending_sms=False)
            return None
        await self._store().async_save_pairing(customer_id, otp, token)
        LOGGER.info("Remote commands paired; the entry reloads to start them")
        self.hass.config_entries.async_schedule_reload(self.config_entry.entry_id)
        return self.async_abort(reason="remote_paired")


def _remote_error_key(err: Exception, *, sending_sms: bool) -> str:
    """The form error of a failed SMS request (``sending_sms``) or pairing.

    Unexpected errors are logged by type and place only: their message could quote what was
    typed (the PIN, the SMS code).
    """
    if isinstance(err, PSAPairingError):
        return PAIRING_ERRORS.get(err.code, "pairing_unknown")
    for kind, key in REMOTE_ERRORS:
        if isinstance(err, kind):
            return key
    if isinstance(err, PSAApiError):
        # The servers' own refusal (no secret in it): for the SMS, most likely a car without
        # a remote-control subscription.
        LOGGER.debug("Remote-commands request refused: %s", err)
        return "sms_failed" if sending_sms else "pairing_unknown"
    LOGGER.error(
        "Unexpected %s during the remote-commands pairing (message not logged):\n%s",
        type(err).__name__,
        "".join(traceback.format_tb(err.__traceback__)),
    )
    return "unknown"
