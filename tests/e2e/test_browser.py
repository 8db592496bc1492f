"""A user in a real browser: log in to Home Assistant, add the integration through its dialog,
sign in on the (simulated) brand login page, copy the app address out of the network log, paste
it, open a car's page, then reconfigure the entry from the integration's page. Another test
pairs remote commands from the entry's options (Configure): the explanation, the SMS code read on
the simulator's demo phone page (/phone, the person's phone) in a second tab, a mistyped code,
then the right one with the app's PIN; then it locks the car from its device page and unlocks it
from the lock's dialog, and the car receives both commands.

The brand's login page answers a good sign-in with a redirect to the app's `mymap://` address,
which a desktop browser cannot open: the navigation fails, the tab stays on the login form and
the address bar keeps the login page's address. The address is then only in the Network tab of
the developer tools, as a failed request. `NetworkLog` is that tab here; nothing rewrites the
server's answer.

Headless Chromium (Debian's `chromium` package, driven by Playwright; never a downloaded
browser). Screenshots go to artifacts/e2e/screenshots/ (one per step a person looks at); the
README's come from there: UPDATE_DOCS_IMAGES=1 makes a passing run copy them to docs/images/.

What the integration's own changes touch is kept in small step helpers and in the constants
below: fields are found by their name in the form (`input[name=client_secret]`), texts of our
integration are read from its English translation.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
import importlib.util
import json
import os
from pathlib import Path
import re
import shutil
from typing import Any

import aiohttp
from playwright.async_api import (
    Locator,
    Page,
    Request,
    ViewportSize,
    async_playwright,
    expect,
)
import pytest

from psa_simulator.const import DEMO_PIN

from .harness import (
    ARTIFACTS,
    DEMO,
    DOMAIN,
    OWNER,
    ROOT,
    HassProcess,
    Processes,
    SimulatorProcess,
    create_owner,
    start_hass,
    start_simulator,
    wait_for,
    wait_running,
    websocket_command,
)

pytestmark = pytest.mark.e2e

SCREENSHOTS = ARTIFACTS / "screenshots"
DOCS_IMAGES = ROOT / "docs" / "images"
# The screenshots the README shows: UPDATE_DOCS_IMAGES=1 makes a passing run copy them.
README_IMAGES = {
    "02-add-integration": "add-integration",
    "04-credentials": "config-flow-credentials",
    "05-code-step": "config-flow-code",
    "06-brand-login": "simulator-login",
    "06-brand-signed-in": "simulator-login-after-sign-in",
    "09-success": "config-flow-devices",
    "10-device-page": "device-page",
}
# The remote commands' pairing, from the test that walks it (same rule: UPDATE_DOCS_IMAGES=1).
REMOTE_IMAGES = {
    "r02-explanation": "remote-explanation",
    "r03-phone": "remote-phone",
    "r04-sms-wrong-code": "remote-sms-wrong-code",
    "r05-paired": "remote-paired",
    "r06-device-page": "remote-device-page",
    "r07-locked": "remote-locked",
    "r08-unlocked": "remote-unlocked",
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
VIEWPORT = ViewportSize(width=1280, height=960)
LOGIN_TAB_VIEWPORT = ViewportSize(width=900, height=300)
TIMEOUT_MS = 20_000
SUBMIT = re.compile("^(Submit|Next)$")

# Our integration's English texts (errors, aborts), so that a reworded message needs no change
# here; only the key of the expected message is named in the steps.
TRANSLATION = json.loads(
    (ROOT / "custom_components" / DOMAIN / "translations" / "en.json").read_text(encoding="utf-8")
)

# What the integration names things (the "cars" change of issue 12 renames devices and models):
# the device names the success dialog suggests, one per simulated car, and an entity name that
# shows on a car's device page once its data came in.
EXPECTED_DEVICE_NAMES = ["Peugeot Combustion engine", "Peugeot Electric", "Peugeot Hybrid"]
INTEGRATION_NAME = json.loads(
    (
        Path(__file__).resolve().parents[2] / "custom_components" / DOMAIN / "manifest.json"
    ).read_text(encoding="utf-8")
)["name"]
DEVICE_PAGE_ENTITY = "Battery level"
ELECTRIC_VIN = "VR3SIMULATEDBEV01"
# What our options texts name in their placeholders, for the demo account's brand.
APP_PLACEHOLDERS = {"brand": "Peugeot", "app": "MyPeugeot"}
LOCK_NAME = "Doors"  # the remote lock's name (entity.lock.doors)

# Home Assistant's own text for some of our aborts (see expect_abort).
HA_ABORT_TEXTS = {"reconfigure_successful": "Reconfiguration was successful"}

# How Chromium reports the navigation to an address of a scheme it has no handler for.
FAILED_NAVIGATION = {"net::ERR_ABORTED", "net::ERR_UNKNOWN_URL_SCHEME"}
REDIRECT_FILTER = "oauth2redirect"  # what a person types into the Network tab's filter box


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


@pytest.fixture(name="simulator")
async def simulator_fixture(
    processes: Processes, http: aiohttp.ClientSession, tmp_path: Path
) -> SimulatorProcess:
    """The simulator (code login only, as the real servers), with its MQTT broker."""
    return await start_simulator(processes, http, code_only=True, tls_dir=tmp_path / "tls")


@pytest.fixture(name="hass")
async def hass_fixture(
    processes: Processes, http: aiohttp.ClientSession, tmp_path: Path, simulator: SimulatorProcess
) -> HassProcess:
    """A Home Assistant with an owner, pointed at the simulator and its broker."""
    hass = await start_hass(processes, http, tmp_path / "config", simulator, frontend=True)
    await create_owner(http, hass)
    await wait_running(http, hass)
    return hass


async def shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.wait_for_timeout(700)  # animations and late translations
    await page.screenshot(path=SCREENSHOTS / f"{name}.png")


async def failure_shots(page: Page, prefix: str) -> None:
    """Every open tab as it was when a step failed."""
    for number, tab in enumerate(page.context.pages):
        if not tab.is_closed():
            await tab.screenshot(path=SCREENSHOTS / f"{prefix}-tab{number}.png")


def text(section: str, kind: str, key: str) -> str:
    """One of our English texts, e.g. text("config", "error", "invalid_code")."""
    return str(TRANSLATION[section][kind][key])


def option_text(*keys: str) -> str:
    """An options text as the dialog shows it, its {brand} and {app} filled in."""
    found: object = TRANSLATION["options"]
    for key in keys:
        assert isinstance(found, dict)
        found = found[key]
    return str(found).format(**APP_PLACEHOLDERS)


# --- the network log: the developer tools' Network tab --------------------------------------


@dataclass
class NetworkLog:
    """The Network tab of one browser tab, opened before signing in, with "Preserve log" on.

    It lists every request of the tab, across navigations, and how each one ended; a request
    that never got an answer is shown as failed with the browser's reason.
    """

    requests: list[Request] = field(default_factory=list)
    failures: dict[str, str] = field(default_factory=dict)  # url -> reason
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    @classmethod
    def open(cls, tab: Page) -> NetworkLog:
        log = cls()
        tab.on("request", log._sent)
        tab.on("requestfailed", log._failed)
        return log

    def _sent(self, request: Request) -> None:
        self.requests.append(request)

    def _failed(self, request: Request) -> None:
        self.failures[request.url] = request.failure or "failed"
        self.changed.set()

    def failed(self, filter_text: str) -> list[str]:
        """The addresses of the failed requests that the filter box would list."""
        return [url for url in self.failures if filter_text in url]

    async def copy_failed_url(self, filter_text: str = REDIRECT_FILTER) -> str:
        """Filter the log, find the one failed request, right-click ▸ Copy ▸ Copy URL."""
        async with asyncio.timeout(TIMEOUT_MS / 1000):
            while not (found := self.failed(filter_text)):
                self.changed.clear()
                await self.changed.wait()
        assert len(found) == 1, f"failed requests matching {filter_text!r}: {found}"
        url = found[0]
        assert self.failures[url] in FAILED_NAVIGATION, self.failures[url]
        # The browser tried to open it as a page (a navigation), after the server's redirect.
        request = next(request for request in self.requests if request.url == url)
        assert request.is_navigation_request()
        assert request.redirected_from is not None
        # The README's fallback: the login POST's 302 names the same address in its Location.
        redirect = await request.redirected_from.response()
        assert redirect is not None
        assert redirect.status == 302
        assert await redirect.header_value("location") == url
        return url


# --- the brand's login page, in its own tab --------------------------------------------------


async def open_login_page(page: Page) -> Page:
    """Click the login link of the code step: the brand's page opens in a new tab."""
    link = login_link(page)
    async with page.context.expect_page() as opened:
        await link.click()
    tab = await opened.value
    await tab.set_viewport_size(LOGIN_TAB_VIEWPORT)
    await tab.locator("input[name=username]").wait_for()
    return tab


async def sign_in(tab: Page, password: str) -> None:
    await tab.locator("input[name=username]").fill(DEMO["username"])
    await tab.locator("input[name=password]").fill(password)
    await tab.locator("#login-button").click()


async def sign_in_and_copy_address(
    page: Page, shots: str | None, *, mistype_password_first: bool = False
) -> tuple[str, str]:
    """The web login of the code step, as a person does it; returns (copied, address bar).

    In the login tab the person opens the developer tools (Network, "Preserve log") before
    signing in. After a good sign-in the tab shows the login form still (with the error of an
    earlier try, if any) and the address bar keeps the login page's address; the app address
    is only in the network log, as a failed request.
    """
    tab = await open_login_page(page)
    network = NetworkLog.open(tab)
    if shots:
        await shot(tab, f"{shots}-brand-login")
    if mistype_password_first:
        await sign_in(tab, DEMO["password"] + "x")
        await tab.locator("#error").wait_for()
        if shots:
            await shot(tab, f"{shots}-brand-wrong-password")
    await sign_in(tab, DEMO["password"])
    copied = await network.copy_failed_url()
    assert copied.startswith("mymap://oauth2redirect/fr?code=")
    # What the person sees: still the login form, and not the app address in the address bar.
    await tab.locator("#login-form").wait_for()
    assert await tab.locator("#error").count() == (1 if mistype_password_first else 0)
    address_bar = tab.url
    assert address_bar.startswith("http")
    assert "/am/oauth2/authorize" in address_bar
    if shots:
        await shot(tab, f"{shots}-brand-signed-in")
    await tab.close()
    await page.bring_to_front()
    return copied, address_bar


# --- the integration's dialogs ---------------------------------------------------------------


def mistype_code(address: str) -> str:
    """The address with one character of its code typed wrong (it keeps the code's shape)."""
    code = re.search(r"code=([^&]+)", address)
    assert code is not None
    last = code.end(1) - 1
    return address[:last] + ("0" if address[last] != "0" else "1") + address[last + 1 :]


def form_field(page: Page, name: str) -> Locator:
    """A field of the dialog's form, by its name in the flow's schema."""
    return page.locator(f"input[name={name}]")


def login_link(page: Page) -> Locator:
    """The code step's link to the brand's login page (found by where it leads)."""
    return page.locator("a[href*='/am/oauth2/authorize']")


def dialog_error(page: Page) -> Locator:
    return page.locator("ha-alert[alert-type=error]")


async def expect_error(page: Page, key: str) -> None:
    """The dialog shows our error `key` (config.error in the translation)."""
    await dialog_error(page).filter(has_text=text("config", "error", key)).wait_for()


async def submit(page: Page) -> None:
    await page.get_by_role("button", name=SUBMIT).click()


async def log_in(page: Page, hass: HassProcess) -> None:
    await page.goto(hass.url)
    await page.locator("input[name=username]").fill(OWNER["username"])
    await page.locator("input[name=password]").fill(OWNER["password"])
    await shot(page, "01-login")
    await page.keyboard.press("Enter")
    await page.wait_for_url("**/home/**")


async def search_integration(page: Page, hass: HassProcess, shots: str | None) -> None:
    """Settings > Devices & services > Add integration, search, pick ours."""
    await page.goto(f"{hass.url}/config/integrations/dashboard")
    await page.get_by_role("button", name="Add integration").click()
    # Type into the dialog's own search field only once it is there: keys sent to the page
    # would trigger Home Assistant's keyboard shortcuts instead.
    search = page.get_by_placeholder("Search for a brand name")
    await search.wait_for()
    await search.fill("Peugeot")  # what the owner of the demo car types: the brand
    entry = page.get_by_text(INTEGRATION_NAME, exact=True)
    await entry.wait_for()
    if shots:
        await shot(page, f"{shots}-add-integration")
    await entry.click()


async def choose_brand(page: Page, shots: str | None) -> None:
    brand = page.get_by_role("radio", name="Peugeot")
    await brand.check()
    if shots:
        await shot(page, f"{shots}-brand")
    await submit(page)


async def expect_account_step(page: Page) -> None:
    """The account form: e-mail address and app credentials (country suggested: FR)."""
    await form_field(page, "username").wait_for()
    await form_field(page, "client_secret").wait_for()


async def fill_account(page: Page, shots: str | None, *, client_secret: str) -> None:
    await expect_account_step(page)
    await form_field(page, "username").fill(DEMO["username"])
    await form_field(page, "client_id").fill(DEMO["client_id"])
    await form_field(page, "client_secret").fill(client_secret)
    if shots:
        await shot(page, f"{shots}-credentials")
    await submit(page)


async def expect_code_step(page: Page, shots: str | None) -> None:
    """No password: the code step, with its link to the login page and the paste field."""
    await login_link(page).wait_for()
    await form_field(page, "code").wait_for()
    if shots:
        await shot(page, f"{shots}-code-step")


async def paste(page: Page, pasted: str, shots: str | None) -> None:
    await form_field(page, "code").fill(pasted)
    if shots:
        await shot(page, f"{shots}-code-pasted")
    await submit(page)


async def finish_with_cars(page: Page, shots: str | None) -> None:
    """The last dialog names the new devices, one per car."""
    names = page.get_by_role("textbox", name="Device name")
    await names.nth(len(EXPECTED_DEVICE_NAMES) - 1).wait_for()
    values = await names.evaluate_all("fields => fields.map(field => field.value)")
    assert sorted(values) == EXPECTED_DEVICE_NAMES
    finish = page.get_by_role("button", name="finish")
    await finish.wait_for()
    if shots:
        await shot(page, f"{shots}-success")
    await finish.click()


async def open_car(
    page: Page,
    http: aiohttp.ClientSession,
    hass: HassProcess,
    vin: str,
    screenshot: str | None = "10-device-page",
) -> None:
    """The device page of one car, once its entities have values."""
    found: list[str] = []

    async def device_created() -> bool:
        devices = await websocket_command(http, hass, {"type": "config/device_registry/list"})
        found[:] = [device["id"] for device in devices if [DOMAIN, vin] in device["identifiers"]]
        return bool(found)

    await wait_for(f"the device of {vin}", device_created, hass.process, seconds=60)
    await page.goto(f"{hass.url}/config/devices/device/{found[0]}")
    await page.get_by_text(DEVICE_PAGE_ENTITY).first.wait_for()
    if screenshot:
        await shot(page, screenshot)


async def open_reconfigure(page: Page, hass: HassProcess) -> None:
    """The integration's page, the entry's ⋮ menu, Reconfigure."""
    await page.goto(f"{hass.url}/config/integrations/integration/{DOMAIN}")
    row = page.locator("ha-config-entry-row").filter(has_text=DEMO["username"])
    await row.get_by_role("button", name="Menu").first.click()
    item = page.get_by_role("menuitem", name="Reconfigure")
    await item.wait_for()
    await shot(page, "11-entry-menu")
    await item.click()


async def expect_reconfigure_step(page: Page) -> None:
    """The reconfigure form: country and app credentials, no e-mail address."""
    await form_field(page, "client_id").wait_for()
    await form_field(page, "client_secret").wait_for()
    assert await form_field(page, "username").count() == 0


async def expect_abort(page: Page, key: str) -> None:
    """The dialog's last page: the abort message `key` (config.abort in the translation).

    On Home Assistant 2026.10 (not yet on 2025.4), `async_update_reload_and_abort` without a
    `reason` gives the abort Home Assistant's translation domain, so its own words show
    ("Reconfiguration was successful"), not the text in our en.json; either is accepted here.
    """
    ours = text("config", "abort", key)
    words = re.compile(f"^({re.escape(ours)}|{re.escape(HA_ABORT_TEXTS.get(key, ours))})$")
    await page.get_by_text(words).wait_for()


# --- remote commands: the options flow and the phone ------------------------------------------


async def add_account(page: Page, hass: HassProcess) -> None:
    """The add flow of the first test, without its screenshots: the account with its cars."""
    await log_in(page, hass)
    await search_integration(page, hass, None)
    await choose_brand(page, None)
    await fill_account(page, None, client_secret=DEMO["client_secret"])
    await expect_code_step(page, None)
    copied, _ = await sign_in_and_copy_address(page, None)
    await paste(page, copied, None)
    await finish_with_cars(page, None)


async def open_options(page: Page, hass: HassProcess) -> None:
    """The integration's page, the entry's Configure button: the options menu."""
    await page.goto(f"{hass.url}/config/integrations/integration/{DOMAIN}")
    row = page.locator("ha-config-entry-row").filter(has_text=DEMO["username"])
    await row.get_by_role("button", name="Configure").first.click()


async def pick_menu(page: Page, label: str) -> None:
    """One choice of a menu step (its items are plain list items, without a menu role)."""
    item = page.get_by_text(label, exact=True)
    await item.wait_for()
    await item.click()


def first_paragraph(words: str) -> str:
    """A step description's first paragraph (the rest has markdown: bold words, a list)."""
    return words.split("\n\n", maxsplit=1)[0]


async def read_phone(page: Page, simulator: SimulatorProcess) -> str:
    """The simulated phone in a second tab: the code of the text message just received."""
    tab = await page.context.new_page()
    await tab.set_viewport_size(LOGIN_TAB_VIEWPORT)
    await tab.goto(f"{simulator.url}/phone")
    code = (await tab.locator("#sms-code").inner_text()).strip()
    assert code.isdigit(), code  # "none sent yet" until the SMS went out
    await shot(tab, "r03-phone")
    await tab.close()
    await page.bring_to_front()
    return code


def mistype_digits(code: str) -> str:
    """The code with its last digit typed wrong."""
    return code[:-1] + ("0" if code[-1] != "0" else "1")


async def enter_sms(page: Page, code: str, pin: str) -> None:
    await form_field(page, "sms_code").fill(code)
    await form_field(page, "pin").fill(pin)
    await submit(page)


async def pair_remote(page: Page, hass: HassProcess, simulator: SimulatorProcess) -> None:
    """Configure > Remote commands: the explanation, the SMS, a mistyped code, then the right
    one with the app's PIN."""
    await open_options(page, hass)
    await pick_menu(page, option_text("step", "init", "menu_options", "remote"))
    await page.get_by_text(first_paragraph(option_text("step", "remote", "description"))).wait_for()
    await shot(page, "r02-explanation")
    await submit(page)  # the SMS goes out
    await page.get_by_text(option_text("step", "remote_sms", "description")).wait_for()
    code = await read_phone(page, simulator)
    await enter_sms(page, mistype_digits(code), DEMO_PIN)
    await dialog_error(page).filter(has_text=option_text("error", "pairing_code")).wait_for()
    await shot(page, "r04-sms-wrong-code")
    # The form comes back empty after an error (never suggested): both typed again.
    assert await form_field(page, "sms_code").input_value() == ""
    await enter_sms(page, code, DEMO_PIN)
    await page.get_by_text(option_text("abort", "remote_paired")).wait_for()
    await shot(page, "r05-paired")
    await page.locator("ha-dialog-footer").get_by_role("button", name="Close").click()


def unlocked_doors() -> dict[str, Any]:
    """A doorsState block of the newer API: every door closed, the car unlocked, dated now."""
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    doors = ("Driver", "Passenger", "RearLeft", "RearRight", "Trunk")
    return {
        "createdAt": now,
        "lockedStates": ["Unlocked"],
        "opening": [{"identifier": door, "state": "Closed"} for door in doors],
    }


async def lock_then_unlock(page: Page) -> None:
    """The device page's Controls card: Lock on the lock's row; then its dialog's switch."""
    row = page.locator("hui-lock-entity-row").filter(has_text=LOCK_NAME)
    lock = row.get_by_role("button", name="Lock", exact=True)
    await expect(lock).to_be_enabled()  # connected to the broker: the controls are available
    await shot(page, "r06-device-page")
    await lock.click()
    # The row offers the other action only once the lock is locked (not while "Locking"), i.e.
    # once the car answered; the device page's activity lists the change.
    await row.get_by_role("button", name="Unlock", exact=True).wait_for()
    locked = re.compile(f"^{re.escape(LOCK_NAME)} Locked")
    await page.get_by_role("button", name=locked).first.wait_for()
    await shot(page, "r07-locked")
    await row.get_by_text(LOCK_NAME, exact=True).click()  # the more-info dialog
    # The dialog's host element: its role=dialog node is in a shadow root and its content is
    # slotted in, so that node has none of the content as descendants.
    dialog = page.locator("ha-more-info-dialog")
    await dialog.get_by_text("Locked", exact=True).wait_for()
    await dialog.get_by_role("switch", name="Unlock").click()
    await dialog.get_by_text("Unlocked", exact=True).wait_for()
    await expect(dialog.get_by_role("switch", name="Lock")).not_to_be_checked()
    await shot(page, "r08-unlocked")
    await dialog.get_by_role("button", name="Close").click()
    await lock.wait_for()


# --- the tests -------------------------------------------------------------------------------


async def test_add_then_reconfigure(
    hass: HassProcess, http: aiohttp.ClientSession, page: Page
) -> None:
    """Add the account through the code login, with a wrong paste first; open a car; then
    reconfigure from the integration's page, with a mistyped password and code on the way."""
    try:
        await log_in(page, hass)
        await search_integration(page, hass, "02")
        await choose_brand(page, "03")
        await fill_account(page, "04", client_secret=DEMO["client_secret"])
        await expect_code_step(page, "05")
        copied, address_bar = await sign_in_and_copy_address(page, "06")
        # The address bar holds the login page's address: pasting it is refused, and says why.
        await paste(page, address_bar, None)
        await expect_error(page, "code_wrong_redirect")
        await shot(page, "07-code-wrong-paste")
        await paste(page, copied, "08")
        await finish_with_cars(page, "09")
        await open_car(page, http, hass, ELECTRIC_VIN)

        await open_reconfigure(page, hass)
        await expect_reconfigure_step(page)
        await shot(page, "12-reconfigure")
        await submit(page)  # the stored values as they are, no password: the web login again
        await expect_code_step(page, "13")
        copied, _ = await sign_in_and_copy_address(page, "14", mistype_password_first=True)
        mistyped = mistype_code(copied)
        await paste(page, mistyped, None)
        await expect_error(page, "invalid_code")
        await shot(page, "15-code-mistyped")
        await paste(page, copied, None)
        await expect_abort(page, "reconfigure_successful")
        await shot(page, "16-reconfigured")
    except BaseException:
        await failure_shots(page, "zz-failure")
        raise
    assert not hass.process.log_problems()
    if os.environ.get("UPDATE_DOCS_IMAGES"):
        for source, target in README_IMAGES.items():
            shutil.copyfile(SCREENSHOTS / f"{source}.png", DOCS_IMAGES / f"{target}.png")


async def test_wrong_client_secret(hass: HassProcess, page: Page) -> None:
    """A mistyped client secret: the account form itself shows the error on submit, before any
    web login (no login link anywhere yet); with the right one, the login goes on."""
    try:
        await log_in(page, hass)
        await search_integration(page, hass, None)
        await choose_brand(page, None)
        await fill_account(page, None, client_secret=DEMO["client_secret"] + "x")
        await expect_account_step(page)
        await expect_error(page, "invalid_client")
        assert await login_link(page).count() == 0
        await shot(page, "w3-wrong-client")
        await form_field(page, "client_secret").fill(DEMO["client_secret"])
        await submit(page)
        await expect_code_step(page, None)
    except BaseException:
        await failure_shots(page, "zz-wrong-client")
        raise
    assert not hass.process.log_problems()


async def test_pair_remote_commands(
    simulator: SimulatorProcess, hass: HassProcess, http: aiohttp.ClientSession, page: Page
) -> None:
    """Add the account, then pair remote commands from the options as a person does: the
    explanation, the SMS read on the phone, a mistyped code first; then lock the car from its
    device page and unlock it from the lock's dialog, each time seeing the car's answer."""
    # The demo car locks and unlocks with the time of day: unlocked here, whatever the hour.
    await simulator.control.patch_status(ELECTRIC_VIN, set_blocks={"doorsState": unlocked_doors()})
    try:
        await add_account(page, hass)
        await pair_remote(page, hass, simulator)
        await open_car(page, http, hass, ELECTRIC_VIN, None)
        await lock_then_unlock(page)
    except BaseException:
        await failure_shots(page, "zz-remote")
        raise
    commands = await simulator.control.remote_commands(ELECTRIC_VIN)
    # What reached the car: the lock, then the unlock, both done (code 0).
    sent = [(command["service"], command["params"], command["code"]) for command in commands]
    assert sent == [
        ("/Doors", {"action": "lock"}, "0"),
        ("/Doors", {"action": "unlock"}, "0"),
    ], sent
    assert not hass.process.log_problems()
    if os.environ.get("UPDATE_DOCS_IMAGES"):
        for source, target in REMOTE_IMAGES.items():
            shutil.copyfile(SCREENSHOTS / f"{source}.png", DOCS_IMAGES / f"{target}.png")
