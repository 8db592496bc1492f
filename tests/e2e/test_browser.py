"""A user in a real browser: log in to Home Assistant, add the integration through its dialog,
sign in on the (simulated) brand login page, paste the redirect address, open a car's page.

Headless Chromium (Debian's `chromium` package, driven by Playwright; never a downloaded
browser). Screenshots go to artifacts/e2e/screenshots/; the README's come from there
(docs/images/, copied by hand after checking them).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
import importlib.util
import os
from pathlib import Path
import re
import shutil

import aiohttp
from playwright.async_api import Page, Route, async_playwright
import pytest

from .harness import (
    ARTIFACTS,
    DEMO,
    DOMAIN,
    OWNER,
    HassProcess,
    Processes,
    create_owner,
    start_hass,
    start_simulator,
    wait_for,
    wait_running,
    websocket_command,
)

pytestmark = pytest.mark.e2e

SCREENSHOTS = ARTIFACTS / "screenshots"
DOCS_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"
# The screenshots the README shows: UPDATE_DOCS_IMAGES=1 makes a passing run copy them.
README_IMAGES = {
    "02-add-integration": "add-integration",
    "04-credentials": "config-flow-credentials",
    "05-code-step": "config-flow-code",
    "06-brand-login": "simulator-login",
    "07-brand-redirect": "simulator-redirect",
    "09-success": "config-flow-devices",
    "10-device-page": "device-page",
}
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1280, "height": 960}
TIMEOUT_MS = 20_000
SUBMIT = re.compile("^(Submit|Next)$")


def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser"):
        if found := shutil.which(name):
            return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").is_file() else None


@pytest.fixture(name="browser_path")
def browser_path_fixture() -> str:
    if importlib.util.find_spec("hass_frontend") is None:
        pytest.skip("the browser test needs Home Assistant's frontend: run scripts/setup --dev")
    path = chromium_path()
    if path is None:
        pytest.skip(
            "the browser test needs Chromium: install Debian's chromium package "
            "(scripts/setup --dev does it when run as root)"
        )
    return path


@pytest.fixture(name="page")
async def page_fixture(browser_path: str) -> AsyncIterator[Page]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=browser_path, args=CHROMIUM_ARGS)
        try:
            context = await browser.new_context(viewport=VIEWPORT, locale="en-US")
            context.set_default_timeout(TIMEOUT_MS)
            yield await context.new_page()
        finally:
            await browser.close()


async def shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.wait_for_timeout(700)  # animations and late translations
    await page.screenshot(path=SCREENSHOTS / f"{name}.png")


async def log_in(page: Page, hass: HassProcess) -> None:
    await page.goto(hass.url)
    await page.locator("input[name=username]").fill(OWNER["username"])
    await page.locator("input[name=password]").fill(OWNER["password"])
    await shot(page, "01-login")
    await page.keyboard.press("Enter")
    await page.wait_for_url("**/home/**")


async def sign_in_at_brand(page: Page, authorize_url: str) -> str:
    """The brand login page in a second tab; returns the app address it redirects to.

    A browser cannot open the app's `mymap://` address: the redirect answer is turned into a
    page here, so that the simulator's explanation of it (the address to copy) is visible.
    """
    tab = await page.context.new_page()
    await tab.set_viewport_size({"width": 900, "height": 300})
    redirects: list[str] = []

    async def keep_redirect(route: Route) -> None:
        if route.request.method != "POST":
            await route.continue_()
            return
        response = await route.fetch(max_redirects=0)
        redirects.append(response.headers["location"])
        await route.fulfill(status=200, body=await response.text(), content_type="text/html")

    await tab.route("**/am/oauth2/authorize*", keep_redirect)
    await tab.goto(authorize_url)
    await tab.locator("input[name=username]").fill(DEMO["username"])
    await tab.locator("input[name=password]").fill(DEMO["password"])
    await shot(tab, "06-brand-login")
    await tab.locator("#login-button").click()
    await tab.locator("#redirect").wait_for()
    await shot(tab, "07-brand-redirect")
    await tab.close()
    assert len(redirects) == 1
    assert redirects[0].startswith("mymap://oauth2redirect/fr?code=")
    return redirects[0]


async def add_integration(page: Page, hass: HassProcess) -> None:
    """Settings > Devices & services > Add integration, the whole config flow in its dialog."""
    await page.goto(f"{hass.url}/config/integrations/dashboard")
    await page.get_by_role("button", name="Add integration").click()
    # Type into the dialog's own search field only once it is there: keys sent to the page
    # would trigger Home Assistant's keyboard shortcuts instead.
    search = page.get_by_placeholder("Search for a brand name")
    await search.wait_for()
    await search.fill("PSA Connected")
    entry = page.get_by_text("PSA Connected Car", exact=True)
    await entry.wait_for()
    await shot(page, "02-add-integration")
    await entry.click()

    # Brand, then the account (country suggested from Home Assistant's: FR).
    await page.get_by_text("Choose the brand").wait_for()
    await page.get_by_role("radio", name="Peugeot").check()
    await shot(page, "03-brand")
    await page.get_by_role("button", name=SUBMIT).click()
    await page.get_by_role("textbox", name="E-mail address").fill(DEMO["username"])
    await page.get_by_role("textbox", name="Client ID").fill(DEMO["client_id"])
    await page.get_by_role("textbox", name="Client secret").fill(DEMO["client_secret"])
    await shot(page, "04-credentials")
    await page.get_by_role("button", name=SUBMIT).click()

    # No password: the code step, with its link to the login page.
    link = page.get_by_role("link", name="Peugeot login page")
    await link.wait_for()
    await shot(page, "05-code-step")
    authorize_url = await link.get_attribute("href")
    assert authorize_url is not None
    redirect = await sign_in_at_brand(page, authorize_url)
    await page.get_by_role("textbox", name="Address or code").fill(redirect)
    await shot(page, "08-code-pasted")
    await page.get_by_role("button", name=SUBMIT).click()

    # The last dialog names the new devices: one per car.
    names = page.get_by_role("textbox", name="Device name")
    await names.nth(2).wait_for()
    values = await names.evaluate_all("fields => fields.map(field => field.value)")
    assert sorted(values) == ["Peugeot Electric", "Peugeot Hybrid", "Peugeot Thermic"]
    finish = page.get_by_role("button", name="finish")
    await finish.wait_for()
    await shot(page, "09-success")
    await finish.click()


async def open_car(page: Page, http: aiohttp.ClientSession, hass: HassProcess, vin: str) -> None:
    """The device page of one car, once its entities have values."""
    found: list[str] = []

    async def device_created() -> bool:
        devices = await websocket_command(http, hass, {"type": "config/device_registry/list"})
        found[:] = [device["id"] for device in devices if [DOMAIN, vin] in device["identifiers"]]
        return bool(found)

    await wait_for(f"the device of {vin}", device_created, hass.process, seconds=60)
    await page.goto(f"{hass.url}/config/devices/device/{found[0]}")
    await page.get_by_text("Battery level").first.wait_for()
    await shot(page, "10-device-page")


async def test_browser(
    processes: Processes, http: aiohttp.ClientSession, tmp_path: Path, page: Page
) -> None:
    simulator = await start_simulator(processes, http, code_only=True)
    hass = await start_hass(processes, http, tmp_path / "config", simulator, frontend=True)
    await create_owner(http, hass)
    await wait_running(http, hass)
    try:
        await log_in(page, hass)
        await add_integration(page, hass)
        await open_car(page, http, hass, "VR3SIMULATEDBEV01")
    except BaseException:
        await shot(page, "zz-failure")
        raise
    if os.environ.get("UPDATE_DOCS_IMAGES"):
        for source, target in README_IMAGES.items():
            shutil.copyfile(SCREENSHOTS / f"{source}.png", DOCS_IMAGES / f"{target}.png")
