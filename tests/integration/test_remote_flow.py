"""The remote-commands pairing in the options flow, and the store it leaves behind.

The remote library (``api/remote``: ``PSARemoteApi``, ``async_pair``, ``InWeboClient``) is
replaced by mocks both where the flow imports it from and in the flow's module, so these tests
hold whether the flow imports it in its steps or at the top. Every submit that pairs costs the
user a device slot: the tests count that each one pairs exactly once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
import json
import logging
import re
import sys
import types
from typing import Any, cast
from unittest.mock import AsyncMock, MagicMock, patch

from homeassistant.config_entries import ConfigEntryState, ConfigFlowResult
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers.selector import TextSelector
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.psa_connected_car import config_flow, remote_store
from custom_components.psa_connected_car.api.exceptions import (
    PSAApiError,
    PSAAuthError,
    PSAConnectionError,
    PSAPairingError,
    PSARateLimitError,
    PSARemoteAuthError,
)
from custom_components.psa_connected_car.api.remote.models import OtpState, RemoteToken
from custom_components.psa_connected_car.compat import OPTIONS_NEED_LISTENER
from custom_components.psa_connected_car.const import (
    CONF_ACTIVE_INTERVAL,
    CONF_PARKED_INTERVAL,
    get_endpoints,
)
from custom_components.psa_connected_car.remote_store import (
    RemotePairing,
    RemoteStore,
    storage_key,
)

from .common import MockPSA, create_entry, setup_integration

ACCOUNT_MODULE = "custom_components.psa_connected_car.api.remote.account"
OTP_MODULE = "custom_components.psa_connected_car.api.remote.otp"
FLOW_MODULE = "custom_components.psa_connected_car.config_flow"
TRANSLATIONS = config_flow.__file__.rsplit("/", 1)[0] + "/translations/en.json"

CUSTOMER_ID = "AP-ACNT200000000042"
SMS_CODE = "Q7W9E3"  # made-up values that appear nowhere else, so that a leak is found
PIN = "8642"
NEW_PIN = "9753"
OLD_DEVICE = "0123456789abcdef"


def otp_state(device_id: str, pin: str = PIN, **changes: Any) -> OtpState:
    values: dict[str, Any] = {
        "device_id": device_id,
        "iwalea": "ab" * 16,
        "pin": pin,
        "iwid": "iw-0001",
        "k0": "k0-secret",
        "k1": "k1-secret",
        "secid": "sec-1",
        "secval": "secval-secret",
        "used_at": (1000.0,),
    }
    values.update(changes)
    return OtpState(**values)


def mqtt_token(serial: int = 1) -> RemoteToken:
    return RemoteToken(
        access_token=f"mqtt-access-{serial}",
        refresh_token=f"mqtt-refresh-{serial}",
        expires_at=5000.0 + serial,
        minted_at=4000.0 + serial,
    )


@dataclass
class FakeRemote:
    """The mocked remote library, and what the flow did with it."""

    api: MagicMock
    api_cls: MagicMock
    inwebo: MagicMock
    inwebo_cls: MagicMock
    pair: AsyncMock
    pair_errors: list[Exception] = field(default_factory=list)  # raised by the next pairings

    def device_ids(self) -> list[str]:
        return [call.args[4] for call in self.pair.await_args_list]


@pytest.fixture
def remote() -> Iterator[FakeRemote]:
    api = MagicMock(name="PSARemoteApi()")
    api.get_customer_id = AsyncMock(return_value=CUSTOMER_ID)
    api.request_sms_code = AsyncMock(return_value=None)
    inwebo = MagicMock(name="InWeboClient()")
    fake = FakeRemote(
        api=api,
        api_cls=MagicMock(name="PSARemoteApi", return_value=api),
        inwebo=inwebo,
        inwebo_cls=MagicMock(name="InWeboClient", return_value=inwebo),
        pair=AsyncMock(name="async_pair"),
    )

    async def _pair(
        api: Any, inwebo: Any, sms_code: str, pin: str, device_id: str, **kwargs: Any
    ) -> tuple[str, OtpState, RemoteToken]:
        if fake.pair_errors:
            raise fake.pair_errors.pop(0)
        return CUSTOMER_ID, otp_state(device_id, pin), mqtt_token(len(fake.device_ids()))

    fake.pair.side_effect = _pair
    account = types.ModuleType(ACCOUNT_MODULE)
    account.PSARemoteApi = fake.api_cls  # type: ignore[attr-defined]
    account.async_pair = fake.pair  # type: ignore[attr-defined]
    otp = types.ModuleType(OTP_MODULE)
    otp.InWeboClient = fake.inwebo_cls  # type: ignore[attr-defined]
    with (
        patch.dict(sys.modules, {ACCOUNT_MODULE: account, OTP_MODULE: otp}),
        patch(f"{FLOW_MODULE}.PSARemoteApi", fake.api_cls, create=True),
        patch(f"{FLOW_MODULE}.async_pair", fake.pair, create=True),
        patch(f"{FLOW_MODULE}.InWeboClient", fake.inwebo_cls, create=True),
    ):
        yield fake


@pytest.fixture
async def loaded(hass: HomeAssistant, mock_psa: MockPSA) -> MockConfigEntry:
    """The mocked account, set up and running, not paired."""
    entry = create_entry()
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        entry, options={CONF_ACTIVE_INTERVAL: 90, CONF_PARKED_INTERVAL: 900}
    )
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    return entry


@pytest.fixture
async def paired(hass: HomeAssistant, mock_psa: MockPSA) -> MockConfigEntry:
    """The mocked account with a stored pairing, set up and running."""
    entry = create_entry()
    await RemoteStore(hass, entry.entry_id).async_save_pairing(
        CUSTOMER_ID, otp_state(OLD_DEVICE), mqtt_token(0)
    )
    await RemoteStore(hass, entry.entry_id).async_save_unsupported({"VR3TESTCAR0000001": ["horn"]})
    await setup_integration(hass, entry)
    assert entry.state is ConfigEntryState.LOADED
    return entry


def stored(hass_storage: dict[str, Any], entry: MockConfigEntry) -> dict[str, Any] | None:
    document = hass_storage.get(storage_key(entry.entry_id))
    return None if document is None else document["data"]


async def next_step(hass: HomeAssistant, result: ConfigFlowResult, step: str) -> ConfigFlowResult:
    """Pick ``step`` in the menu ``result``."""
    assert result["type"] is FlowResultType.MENU, result
    assert step in result["menu_options"]
    return await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": step}
    )


async def open_remote(hass: HomeAssistant, entry: MockConfigEntry) -> ConfigFlowResult:
    """The options menu, then its remote step."""
    result = await hass.config_entries.options.async_init(entry.entry_id)
    return await next_step(hass, result, "remote")


async def to_sms_form(hass: HomeAssistant, entry: MockConfigEntry) -> ConfigFlowResult:
    """From the options menu through the explanation to the SMS form (the SMS is sent)."""
    result = await open_remote(hass, entry)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "remote"
    result = await hass.config_entries.options.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.FORM, result
    assert result["step_id"] == "remote_sms"
    return result


async def submit_sms(
    hass: HomeAssistant, result: ConfigFlowResult, sms_code: str = SMS_CODE, pin: str = PIN
) -> ConfigFlowResult:
    return await hass.config_entries.options.async_configure(
        result["flow_id"], {"sms_code": sms_code, "pin": pin}
    )


def menu(result: ConfigFlowResult) -> list[str]:
    """The options of the menu ``result``, in order."""
    return list(cast("Iterable[str]", result["menu_options"]))


def fields(result: ConfigFlowResult) -> dict[str, Any]:
    """The form's fields: name -> (marker, selector)."""
    schema = result["data_schema"]
    assert schema is not None
    return {str(marker): (marker, value) for marker, value in schema.schema.items()}


def logged(caplog: pytest.LogCaptureFixture) -> str:
    """Every log line, but the test harness's own (its mocked storage logs what it writes)."""
    return "\n".join(
        record.getMessage()
        for record in caplog.records
        if not record.name.startswith("pytest_homeassistant_custom_component")
    )


def english() -> dict[str, Any]:
    with open(TRANSLATIONS, encoding="utf-8") as file:
        return json.load(file)["options"]  # type: ignore[no-any-return]


# The menu ------------------------------------------------------------------------------------


async def test_the_options_are_a_menu(hass: HomeAssistant, loaded: MockConfigEntry) -> None:
    result = await hass.config_entries.options.async_init(loaded.entry_id)
    assert result["type"] is FlowResultType.MENU
    assert result["step_id"] == "init"
    assert menu(result) == ["polling", "remote"]
    texts = english()["step"]["init"]["menu_options"]
    assert set(texts) == {"polling", "remote"}


async def test_polling_still_saves_the_intervals_and_reloads(
    hass: HomeAssistant, loaded: MockConfigEntry
) -> None:
    before = loaded.runtime_data
    result = await hass.config_entries.options.async_init(loaded.entry_id)
    result = await next_step(hass, result, "polling")
    assert result["step_id"] == "polling"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_ACTIVE_INTERVAL: 30, CONF_PARKED_INTERVAL: 120}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert loaded.options == {
        CONF_ACTIVE_INTERVAL: 30,
        CONF_PARKED_INTERVAL: 120,
        "charge_wake": False,
        "charge_wake_interval": 15,
    }
    assert loaded.runtime_data.planner.active_interval == 30
    if not OPTIONS_NEED_LISTENER:  # 2025.8+: the options flow manager reloads the entry
        assert loaded.runtime_data is not before


# Pairing -------------------------------------------------------------------------------------


async def test_the_explanation_says_what_is_needed(
    hass: HomeAssistant, loaded: MockConfigEntry, remote: FakeRemote
) -> None:
    result = await open_remote(hass, loaded)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "remote"
    assert fields(result) == {}
    assert result["description_placeholders"] == {"brand": "Peugeot", "app": "MyPeugeot"}
    remote.api.request_sms_code.assert_not_awaited()  # nothing is sent before the submit
    text = english()["step"]["remote"]["description"]
    for needed in ("E-remote control", "Remote control", "Connect Plus", "PIN", "{app}"):
        assert needed in text
    assert "text message" in text
    assert "device slots" in text


async def test_pairing(
    hass: HomeAssistant,
    loaded: MockConfigEntry,
    remote: FakeRemote,
    hass_storage: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    before = loaded.runtime_data
    options = dict(loaded.options)
    result = await to_sms_form(hass, loaded)
    # The account's own login, the remote API host of the endpoints; one SMS.
    args, kwargs = remote.api_cls.call_args
    assert args[1] is before.auth
    assert kwargs == {"base_url": get_endpoints().remote_api_base_url}
    remote.api.get_customer_id.assert_awaited_once()
    remote.api.request_sms_code.assert_awaited_once()
    # The code as text, the PIN as a password; neither suggested.
    form = fields(result)
    assert set(form) == {"sms_code", "pin"}
    for marker, selector in form.values():
        assert isinstance(selector, TextSelector)
        assert not (marker.description or {}).get("suggested_value")
    assert form["pin"][1].config["type"] == "password"
    assert form["sms_code"][1].config["type"] == "text"
    assert result["description_placeholders"] == {"brand": "Peugeot", "app": "MyPeugeot"}

    done = await submit_sms(hass, result)
    assert done["type"] is FlowResultType.ABORT
    assert done["reason"] == "remote_paired"
    remote.pair.assert_awaited_once()
    assert remote.pair.await_args is not None
    api, inwebo, sms_code, pin, device_id = remote.pair.await_args.args
    assert (api, inwebo, sms_code, pin) == (remote.api, remote.inwebo, SMS_CODE, PIN)
    assert re.fullmatch(r"[0-9a-f]{16}", device_id)
    assert remote.inwebo_cls.call_args.kwargs == {"url": get_endpoints().otp_url}
    # Stored: version 1, everything the contract names.
    document = hass_storage[storage_key(loaded.entry_id)]
    assert document["version"] == 1
    data = document["data"]
    assert data["customer_id"] == CUSTOMER_ID
    assert OtpState.from_dict(data["otp"]) == otp_state(device_id)
    assert RemoteToken.from_dict(data["token"]) == mqtt_token(1)
    assert data["unsupported"] == {}
    assert abs((dt_util.utcnow() - datetime.fromisoformat(data["paired_at"])).total_seconds()) < 60
    # The entry reloads (the manager starts from the store); the options are untouched.
    await hass.async_block_till_done()
    assert loaded.state is ConfigEntryState.LOADED
    assert loaded.runtime_data is not before
    assert loaded.options == options
    # No secret in what the flow returned, nor in the log.
    for shown in (result, done):
        assert PIN not in repr(shown)
        assert SMS_CODE not in repr(shown)
        for value in (shown.get("description_placeholders") or {}).values():
            assert PIN not in value
            assert SMS_CODE not in value
    assert PIN not in logged(caplog)
    assert SMS_CODE not in logged(caplog)


async def test_the_success_says_what_the_cars_can_do() -> None:
    text = english()["abort"]["remote_paired"]
    for command in ("lock", "climate", "horn", "lights", "wake-up", "charg", "80 %"):
        assert command in text, command


async def test_empty_fields_do_not_pair(
    hass: HomeAssistant, loaded: MockConfigEntry, remote: FakeRemote
) -> None:
    result = await to_sms_form(hass, loaded)
    result = await submit_sms(hass, result, sms_code="  ", pin="")
    assert result["step_id"] == "remote_sms"
    assert result["errors"] == {"sms_code": "sms_code_empty", "pin": "pin_empty"}
    remote.pair.assert_not_awaited()


@pytest.mark.parametrize(
    ("error", "key"),
    [
        (PSAPairingError("access"), "pairing_access"),
        (PSAPairingError("code"), "pairing_code"),
        (PSAPairingError("max_devices"), "pairing_max_devices"),
        (PSAPairingError("blocked"), "pairing_blocked"),
        (PSAPairingError("forbidden"), "pairing_forbidden"),
        (PSAPairingError("sn"), "pairing_sn"),
        (PSAPairingError("unknown"), "pairing_unknown"),
        (PSAPairingError("something new"), "pairing_unknown"),
        (PSAPairingError("no_customer_id"), "no_customer_id"),
        (PSARemoteAuthError("invalid_grant"), "pairing_refused"),
        (PSARateLimitError("429", 60), "rate_limited"),
        (PSAConnectionError("timeout"), "cannot_connect"),
        (PSAAuthError("invalid_grant"), "auth_lost"),
        (PSAApiError(500, None, "oops"), "pairing_unknown"),
        (ValueError(f"invalid literal for int(): {PIN!r}"), "unknown"),
    ],
)
async def test_each_pairing_error_is_a_form_error(
    hass: HomeAssistant,
    loaded: MockConfigEntry,
    remote: FakeRemote,
    hass_storage: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
    error: Exception,
    key: str,
) -> None:
    """Shown under the form, never retried; the user's next submit pairs anew."""
    caplog.set_level(logging.DEBUG)
    result = await to_sms_form(hass, loaded)
    remote.pair_errors.append(error)
    result = await submit_sms(hass, result)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "remote_sms"
    assert result["errors"] == {"base": key}
    assert key in english()["error"]
    remote.pair.assert_awaited_once()  # never retried by itself
    assert stored(hass_storage, loaded) is None
    for marker, _ in fields(result).values():  # shown again empty
        assert not (marker.description or {}).get("suggested_value")
    assert PIN not in repr(result)
    assert PIN not in logged(caplog)  # the unexpected error's message is not logged
    assert SMS_CODE not in logged(caplog)

    result = await submit_sms(hass, result, pin=NEW_PIN)
    assert result["reason"] == "remote_paired"
    first, second = remote.device_ids()
    assert first != second  # a new device id for every pairing
    data = stored(hass_storage, loaded)
    assert data is not None
    assert data["otp"]["device_id"] == second
    await hass.async_block_till_done()  # the reload


@pytest.mark.parametrize(
    ("call", "error", "key"),
    [
        ("get_customer_id", PSAPairingError("no_customer_id"), "no_customer_id"),
        ("get_customer_id", PSAAuthError("invalid_grant"), "auth_lost"),
        ("get_customer_id", PSAConnectionError("timeout"), "cannot_connect"),
        ("request_sms_code", PSARateLimitError("429", None), "rate_limited"),
        ("request_sms_code", PSAConnectionError("reset"), "cannot_connect"),
        ("request_sms_code", PSAApiError(403, None, "forbidden"), "sms_failed"),
        ("request_sms_code", RuntimeError("boom"), "unknown"),
    ],
)
async def test_each_sms_request_error_is_a_form_error(
    hass: HomeAssistant,
    loaded: MockConfigEntry,
    remote: FakeRemote,
    call: str,
    error: Exception,
    key: str,
) -> None:
    result = await open_remote(hass, loaded)
    getattr(remote.api, call).side_effect = [
        error,
        None if call == "request_sms_code" else CUSTOMER_ID,
    ]
    result = await hass.config_entries.options.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "remote"
    assert result["errors"] == {"base": key}
    assert key in english()["error"]
    if call == "get_customer_id":
        remote.api.request_sms_code.assert_not_awaited()  # no SMS for an account without a car
    result = await hass.config_entries.options.async_configure(result["flow_id"], {})
    assert result["step_id"] == "remote_sms"  # the user's retry goes on
    remote.pair.assert_not_awaited()


def test_every_error_the_flow_can_show_is_translated() -> None:
    errors = english()["error"]
    keys = {
        *config_flow.PAIRING_ERRORS.values(),
        *(key for _, key in config_flow.REMOTE_ERRORS),
        "sms_failed",
        "pairing_unknown",
        "unknown",
    }
    assert keys <= set(errors)
    for key in keys:
        assert PIN not in errors[key]
    aborts = english()["abort"]
    assert {"not_loaded", "remote_paired", "remote_turned_off"} <= set(aborts)


# Paired: pair again, turn off ------------------------------------------------------------------


async def test_paired_offers_pairing_again_or_turning_off(
    hass: HomeAssistant, paired: MockConfigEntry, remote: FakeRemote
) -> None:
    result = await open_remote(hass, paired)
    assert result["type"] is FlowResultType.MENU
    assert result["step_id"] == "remote_manage"
    assert menu(result) == ["remote_repair", "remote_off"]
    remote.api.request_sms_code.assert_not_awaited()


async def test_pair_again_replaces_the_pairing(
    hass: HomeAssistant, paired: MockConfigEntry, remote: FakeRemote, hass_storage: dict[str, Any]
) -> None:
    before = paired.runtime_data
    result = await next_step(hass, await open_remote(hass, paired), "remote_repair")
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "remote_repair"
    assert result["description_placeholders"] == {"brand": "Peugeot", "app": "MyPeugeot"}
    remote.api.request_sms_code.assert_not_awaited()
    result = await hass.config_entries.options.async_configure(result["flow_id"], {})
    assert result["step_id"] == "remote_sms"
    remote.api.request_sms_code.assert_awaited_once()
    result = await submit_sms(hass, result, pin=NEW_PIN)
    assert result["reason"] == "remote_paired"
    data = stored(hass_storage, paired)
    assert data is not None
    (device_id,) = remote.device_ids()
    assert device_id != OLD_DEVICE
    assert data["otp"] == otp_state(device_id, NEW_PIN).as_dict()
    assert data["unsupported"] == {}  # a new pairing starts over
    await hass.async_block_till_done()
    assert paired.runtime_data is not before


async def test_pair_again_errors_stay_on_the_form(
    hass: HomeAssistant, paired: MockConfigEntry, remote: FakeRemote
) -> None:
    result = await next_step(hass, await open_remote(hass, paired), "remote_repair")
    remote.api.request_sms_code.side_effect = PSAConnectionError("timeout")
    result = await hass.config_entries.options.async_configure(result["flow_id"], {})
    assert result["step_id"] == "remote_repair"
    assert result["errors"] == {"base": "cannot_connect"}


async def test_turn_off_deletes_the_pairing(
    hass: HomeAssistant, paired: MockConfigEntry, remote: FakeRemote, hass_storage: dict[str, Any]
) -> None:
    before = paired.runtime_data
    options = dict(paired.options)
    result = await next_step(hass, await open_remote(hass, paired), "remote_off")
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "remote_off"
    assert stored(hass_storage, paired) is not None  # nothing happens before the confirmation
    result = await hass.config_entries.options.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "remote_turned_off"
    assert stored(hass_storage, paired) is None
    assert await RemoteStore(hass, paired.entry_id).async_load() is None
    await hass.async_block_till_done()
    assert paired.runtime_data is not before
    assert paired.options == options
    # Not paired any more: the explanation again.
    result = await open_remote(hass, paired)
    assert result["step_id"] == "remote"


# Not loaded ------------------------------------------------------------------------------------


async def test_not_loaded_aborts(
    hass: HomeAssistant, mock_psa: MockPSA, remote: FakeRemote
) -> None:
    entry = create_entry()
    entry.add_to_hass(hass)  # not set up
    result = await open_remote(hass, entry)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "not_loaded"
    remote.api_cls.assert_not_called()


async def test_unloaded_while_the_form_is_open_aborts(
    hass: HomeAssistant, loaded: MockConfigEntry, remote: FakeRemote
) -> None:
    result = await open_remote(hass, loaded)
    assert await hass.config_entries.async_unload(loaded.entry_id)
    result = await hass.config_entries.options.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "not_loaded"
    remote.api.request_sms_code.assert_not_awaited()


async def test_loaded_without_a_coordinator_aborts(hass: HomeAssistant, remote: FakeRemote) -> None:
    """A set-up that did not finish (no runtime data) has no login to pair with."""
    entry = create_entry()
    entry.add_to_hass(hass)
    with patch("custom_components.psa_connected_car.async_setup_entry", return_value=True):
        await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.LOADED
    result = await open_remote(hass, entry)
    assert result["reason"] == "not_loaded"


# The entry goes, the pairing goes --------------------------------------------------------------


async def test_removing_the_entry_deletes_the_pairing(
    hass: HomeAssistant, paired: MockConfigEntry, hass_storage: dict[str, Any]
) -> None:
    assert stored(hass_storage, paired) is not None
    await hass.config_entries.async_remove(paired.entry_id)
    await hass.async_block_till_done()
    assert stored(hass_storage, paired) is None


async def test_removing_an_entry_without_token_deletes_the_pairing(
    hass: HomeAssistant, mock_psa: MockPSA, hass_storage: dict[str, Any]
) -> None:
    entry = create_entry(token=None)
    await RemoteStore(hass, entry.entry_id).async_save_pairing(
        CUSTOMER_ID, otp_state(OLD_DEVICE), mqtt_token()
    )
    entry.add_to_hass(hass)
    await hass.config_entries.async_remove(entry.entry_id)
    assert stored(hass_storage, entry) is None


# The store -------------------------------------------------------------------------------------


def forget_documents(hass: HomeAssistant) -> None:
    """What a restart does: the next load reads storage again."""
    hass.data.pop(remote_store._SHARED, None)


async def test_store_round_trip(hass: HomeAssistant, hass_storage: dict[str, Any]) -> None:
    store = RemoteStore(hass, "entry-1")
    assert await store.async_load() is None
    await store.async_save_pairing(CUSTOMER_ID, otp_state(OLD_DEVICE), mqtt_token(1))
    newer = otp_state(OLD_DEVICE, used_at=(1000.0, 2000.0), k1="k1-next")
    await store.async_save_otp(newer)
    await store.async_save_token(mqtt_token(2))
    await store.async_save_unsupported({"VIN1": {"horn", "lights"}, "VIN2": []})
    forget_documents(hass)

    pairing = await RemoteStore(hass, "entry-1").async_load()
    assert isinstance(pairing, RemotePairing)
    assert pairing.customer_id == CUSTOMER_ID
    assert pairing.otp == newer
    assert pairing.token == mqtt_token(2)
    assert pairing.unsupported == {"VIN1": {"horn", "lights"}, "VIN2": set()}
    assert pairing.paired_at.tzinfo is not None
    assert hass_storage["psa_connected_car.entry-1.remote"]["data"]["unsupported"] == {
        "VIN1": ["horn", "lights"],
        "VIN2": [],
    }


async def test_store_is_private_versioned_and_atomic(hass: HomeAssistant) -> None:
    with patch.object(remote_store, "Store", wraps=Store) as store_cls:
        RemoteStore(hass, "entry-2")
    args, kwargs = store_cls.call_args
    assert args[1:] == (1, "psa_connected_car.entry-2.remote")
    assert kwargs == {"private": True, "atomic_writes": True}


async def test_otp_state_is_written_before_the_save_returns(
    hass: HomeAssistant, hass_storage: dict[str, Any]
) -> None:
    """No delayed save: the state is in storage as soon as the await returns."""
    store = RemoteStore(hass, "entry-3")
    await store.async_save_pairing(CUSTOMER_ID, otp_state(OLD_DEVICE), mqtt_token())
    newer = otp_state(OLD_DEVICE, used_at=(1.0, 2.0, 3.0))
    await store.async_save_otp(newer)
    data = hass_storage["psa_connected_car.entry-3.remote"]["data"]
    assert data["otp"]["used_at"] == [1.0, 2.0, 3.0]


async def test_a_replaced_or_removed_pairing_is_not_written_back(
    hass: HomeAssistant, hass_storage: dict[str, Any]
) -> None:
    """A manager still running with the old state can neither undo a new pairing nor bring a
    deleted PIN back."""
    key = "psa_connected_car.entry-4.remote"
    running = RemoteStore(hass, "entry-4")  # the manager's
    await running.async_save_pairing(CUSTOMER_ID, otp_state(OLD_DEVICE), mqtt_token(1))
    flow = RemoteStore(hass, "entry-4")  # the options flow's
    await flow.async_save_pairing(CUSTOMER_ID, otp_state("fedcba9876543210"), mqtt_token(2))
    await running.async_save_otp(otp_state(OLD_DEVICE, used_at=(9.0,)))
    await running.async_save_token(mqtt_token(3))
    await running.async_save_unsupported({"VIN1": ["horn"]})
    data = hass_storage[key]["data"]
    assert data["otp"]["device_id"] == "fedcba9876543210"
    assert data["token"] == mqtt_token(2).as_dict()
    assert data["unsupported"] == {}
    await flow.async_save_token(mqtt_token(4))  # the current pairing's writes go through
    assert hass_storage[key]["data"]["token"] == mqtt_token(4).as_dict()

    await flow.async_remove()
    assert key not in hass_storage
    await running.async_save_otp(otp_state(OLD_DEVICE))
    await flow.async_save_otp(otp_state("fedcba9876543210"))
    assert key not in hass_storage
    assert await RemoteStore(hass, "entry-4").async_load() is None


async def test_an_unreadable_pairing_counts_as_not_paired(
    hass: HomeAssistant, hass_storage: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    hass_storage["psa_connected_car.entry-5.remote"] = {
        "version": 1,
        "data": {"customer_id": CUSTOMER_ID, "otp": {"pin": PIN}, "paired_at": "later"},
    }
    assert await RemoteStore(hass, "entry-5").async_load() is None
    assert "unreadable" in caplog.text
    assert PIN not in logged(caplog)


async def test_the_pairing_repr_shows_no_secret() -> None:
    pairing = RemotePairing(
        customer_id=CUSTOMER_ID, otp=otp_state(OLD_DEVICE), token=mqtt_token(), unsupported={}
    )
    text = repr(pairing)
    for secret in (PIN, "k1-secret", "secval-secret", "mqtt-access-1", "mqtt-refresh-1"):
        assert secret not in text
