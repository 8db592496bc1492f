"""Driving the integration against an in-process simulator (no mocks): shared by the
smoke test and the end-to-end tests. Imports nothing the compat toolchain lacks."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlsplit

import aiohttp
from homeassistant.config_entries import SOURCE_USER, ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResult, FlowResultType

from custom_components.psa_connected_car.const import DOMAIN
from psa_simulator.testing import SimulatorHandle


def credentials(handle: SimulatorHandle, *, password: str | None = None) -> dict[str, Any]:
    """The credentials form filled with the simulator's account (``password=""``: none)."""
    account = handle.state.account
    values = {
        "country": account.country,
        "username": account.username,
        "password": account.password if password is None else password,
        "client_id": account.client_id,
        "client_secret": account.client_secret,
    }
    if not values["password"]:
        del values["password"]
    return values


async def start_flow(hass: HomeAssistant, handle: SimulatorHandle) -> FlowResult:
    """The user flow up to the credentials form, for the simulator's brand."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.FORM
    return await hass.config_entries.flow.async_configure(
        result["flow_id"], {"brand": handle.state.account.brand.key}
    )


async def browser_login(handle: SimulatorHandle, authorize_url: str) -> str:
    """What the user does in the browser: log in on the page, copy the redirect address."""
    assert authorize_url.startswith(handle.url)
    account = handle.state.account
    form = dict(parse_qsl(urlsplit(authorize_url).query))
    form.update(username=account.username, password=account.password)
    page = urlsplit(authorize_url)._replace(query="").geturl()
    async with (
        aiohttp.ClientSession() as session,
        session.post(page, data=form, allow_redirects=False) as response,
    ):
        assert response.status == 302, await response.text()
        return response.headers["Location"]


def entry_of(result: FlowResult) -> ConfigEntry:
    assert result["type"] is FlowResultType.CREATE_ENTRY, result
    entry = result["result"]
    assert isinstance(entry, ConfigEntry)
    return entry


async def add_with_password(hass: HomeAssistant, handle: SimulatorHandle) -> ConfigEntry:
    """The simulator's account through the user flow with its password; set up, not checked."""
    result = await start_flow(hass, handle)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], credentials(handle))
    entry = entry_of(result)
    await hass.async_block_till_done()
    return entry
