"""The pairing side of the simulator: SMS, car-associations and the inWebo MAC server (§2, §3).

The client here is the tests' own, written from remote-commands.md §3 and the contract's
reading of it (docs/ARCHITECTURE.md), with nothing taken from the simulator's code: OAEP
decoding by hand, encryption through cryptography. When the server accepts its codes, the
two readings agree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
import hashlib
import logging
import secrets
from typing import Any
import xml.etree.ElementTree as ET

import aiohttp
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
import pytest

from psa_simulator import (
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    DEMO_PASSWORD,
    DEMO_USERNAME,
    ScenarioError,
    SimulatorConfig,
)
from psa_simulator.state import account_from_scenario
from psa_simulator.testing import SimulatorControl, SimulatorHandle

from ..conftest import SimulatorFactory
from .conftest import Clock
from .helpers import api_headers, password_login

MACID = "bb8e981582b0f31353108fb020bead1c"
VERSION = "Generator-1.0/0.2.11"
OAEP = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
SMS_PATH = "/applications/cvs/v4/mobile/smsCode"
ASSOCIATIONS_PATH = "/applications/cvs/v4/mauv/car-associations"
TOKEN_PATH = "/connectedcar/v4/virtualkey/remoteaccess/token"


# --- the tests' own inWebo client ------------------------------------------------------


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def mgf1(seed: bytes, length: int) -> bytes:
    out = b"".join(hashlib.sha256(seed + i.to_bytes(4, "big")).digest() for i in range(4))
    return out[:length]


def xor(left: bytes, right: bytes) -> bytes:
    return bytes(a ^ b for a, b in zip(left, right, strict=True))


def oaep_decode(block: bytes) -> bytes:
    """RFC 8017 §7.1.2 step 3, SHA-256, empty label."""
    assert len(block) == 128
    assert block[0] == 0
    masked_seed, masked_db = block[1:33], block[33:]
    seed = xor(masked_seed, mgf1(masked_db, 32))
    data = xor(masked_db, mgf1(seed, len(masked_db)))
    assert data[:32] == hashlib.sha256(b"").digest()
    rest = data[32:].lstrip(b"\x00")
    assert rest[0] == 1
    return rest[1:]


def unwrap(hex_blocks: str, modulus: int) -> int:
    """Kiw / ms_key: e = 17 on each 128-byte block under Kfact, OAEP-decoded, joined."""
    raw = bytes.fromhex(hex_blocks)
    assert len(raw) % 128 == 0
    chunks = [
        oaep_decode(pow(int.from_bytes(raw[i : i + 128], "big"), 17, modulus).to_bytes(128, "big"))
        for i in range(0, len(raw), 128)
    ]
    return int.from_bytes(b"".join(chunks), "big")


def rsa_encrypt(modulus: int, data: bytes) -> str:
    return rsa.RSAPublicNumbers(17, modulus).public_key().encrypt(data, OAEP).hex()


def ecb(key: bytes, data: bytes, *, encrypt: bool) -> bytes:
    cipher = Cipher(algorithms.AES(key), modes.ECB())  # noqa: S305 - the protocol's mode
    worker = cipher.encryptor() if encrypt else cipher.decryptor()
    return worker.update(data) + worker.finalize()


def code_from(k1: str, defi: str, secval: str) -> str:
    digest = hashlib.sha256(f"{k1}:{defi}:{secval}".encode()).digest()
    number = (int.from_bytes(digest[:4], "big") & 0x0FFFFFFF) * 1024 + (
        int.from_bytes(digest[4:8], "big") & 1023
    )
    text = ""
    while number:
        text += ALPHABET[number % 36]
        number //= 36
    return text


@dataclass
class Answer:
    root: str
    fields: dict[str, str]

    @property
    def err(self) -> str:
        return self.fields["err"]


class Client:
    """One phone: the state §3.3 says a client keeps."""

    def __init__(self, session: aiohttp.ClientSession, sim: SimulatorHandle, pin: str) -> None:
        self.session = session
        self.url = f"{sim.url}/iwws/MAC"
        self.pin = pin
        self.serial = f"{secrets.token_hex(8)}/_/{secrets.token_hex(16)}"
        self.id = ""
        self.lastsync = "0"
        self.k0 = ""
        self.k1 = ""
        self.challenge = ""
        self.action = "activate"
        self.kfact = 0
        self.kiw = 0
        self.kma = b""
        self.ms_key = 0
        self.ms_id = ""
        self.activation_challenge = ""
        self.secid = ""
        self.secval = ""
        self.answers: list[Answer] = []

    async def call(self, **params: str) -> Answer:
        async with self.session.get(self.url, params=params) as response:
            assert response.status == 200
            text = await response.text()
        assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>')
        root = ET.fromstring(text.split("?>", 1)[1])  # noqa: S314 - our simulator, on loopback
        answer = Answer(root.tag, {child.tag: child.text or "" for child in root})
        assert "err" in answer.fields
        if answer.err != "OK":
            assert answer.fields["newversion"] == "2.0.0"
            assert answer.fields["newversionurl"] == "http://m.inwebo.com/"
        self.answers.append(answer)
        return answer

    def r_values(self, challenge: str | None = None) -> dict[str, str]:
        c = self.challenge if challenge is None else challenge
        r2 = f"{c};{self.k0};" + (f";{self.pin}" if self.action == "synchro" else "")
        return {
            "R0": sha(f"{c};{self.k0};{self.serial}"),
            "R1": sha(f"{c};{self.k0};{self.k1}"),
            "R2": sha(r2),
        }

    def base(self) -> dict[str, str]:
        return {"id": self.id, "lastsync": self.lastsync, "version": VERSION, "macid": MACID}

    def sync(self, answer: Answer) -> None:
        fields = answer.fields
        if "id" in fields:
            self.id = fields["id"]
        for name in ("K0", "K1"):
            if name in fields:
                plain = ecb(self.kma, bytes.fromhex(fields[name]), encrypt=False).hex()
                setattr(self, name.lower(), plain)
        if "dK1" in fields:
            self.k1 = sha(f"{self.k1};{fields['dK1']}")[:32]
        if "Tsync" in fields:
            self.lastsync = fields["Tsync"]

    async def setup_activate(self, sms: str) -> Answer:
        answer = await self.call(action="ActionSetup", mode="activate", **self.base(), code=sms)
        if answer.err == "OK":
            self.kfact = int(answer.fields["Kfact"], 16)
            self.kiw = unwrap(answer.fields["Kiw"], self.kfact)
        return answer

    def activate_params(self, sms: str, pin: str | None = None) -> dict[str, str]:
        pin = self.pin if pin is None else pin
        self.kma = hashlib.sha256(f"{pin};{self.serial}".encode()).digest()[:16]
        return {
            "action": "ActionFinalize",
            "mode": "activate",
            **self.base(),
            "lang": "fr",
            "ack": "",
            "serial": self.serial,
            "code": sms,
            "Kma": rsa_encrypt(self.kiw, self.kma),
            "pin": rsa_encrypt(self.kiw, pin.encode()),
            "name": "Android SDK built for x86_64 / UNKNOWN",
            **self.r_values(),
        }

    async def finalize_activate(self, sms: str, pin: str | None = None, **change: str) -> Answer:
        answer = await self.call(**(self.activate_params(sms, pin) | change))
        if answer.err == "OK":
            self.sync(answer)
            self.ms_key = unwrap(answer.fields["ms_key"], self.kfact)
            self.ms_id = answer.fields["ms_id"]
            self.activation_challenge = answer.fields["challenge"]
        return answer

    async def finalize_ms(self, *, use_activation_challenge: bool = False, **change: str) -> Answer:
        if use_activation_challenge:
            self.challenge = self.activation_challenge
        random_r = secrets.token_bytes(16)
        params = {
            "action": "ActionFinalize",
            "mode": "ms",
            "ms_id0": self.ms_id,
            "ms_val0": rsa_encrypt(self.ms_key, random_r),
            "macid": MACID,
            "id": self.id,
            "lastsync": self.lastsync,
            "ms_n": "1",
            **self.r_values(),
        }
        answer = await self.call(**(params | change))
        if answer.err == "OK":
            self.sync(answer)
            self.secval = ecb(self.kma, random_r, encrypt=True).hex()
            self.secid = answer.fields["s_id"]
            self.challenge = answer.fields["challenge"]
            self.action = "synchro"
        return answer

    async def activate(self, sms: str, *, use_activation_challenge: bool = False) -> None:
        for answer in (
            await self.setup_activate(sms),
            await self.finalize_activate(sms),
            await self.finalize_ms(use_activation_challenge=use_activation_challenge),
        ):
            assert answer.err == "OK", answer.err

    async def setup_otp(self, **change: str) -> Answer:
        params = {"action": "ActionSetup", "mode": "otp", **self.base(), "sid": self.secid}
        answer = await self.call(**(params | change))
        if answer.err == "OK":
            self.challenge = answer.fields["challenge"]
        return answer

    async def finalize_otp(self, **change: str) -> Answer:
        params = {
            "action": "ActionFinalize",
            "mode": "otp",
            **self.base(),
            "lang": "fr",
            "ack": "",
            "keytype": "0",
            "sid": self.secid,
            **self.r_values(),
        }
        answer = await self.call(**(params | change))
        if answer.err == "OK":
            self.sync(answer)
        return answer

    async def otp_code(self) -> str:
        assert (await self.setup_otp()).err == "OK"
        answer = await self.finalize_otp()
        assert answer.err == "OK", answer.err
        defi = answer.fields["defi"]
        assert len(defi) == 8
        assert int(defi, 16) >= 0
        assert defi == defi.lower()
        return code_from(self.k1, defi, self.secval)


# --- helpers ---------------------------------------------------------------------------


async def remote_call(
    session: aiohttp.ClientSession,
    sim: SimulatorHandle,
    method: str,
    path: str,
    token: str,
    *,
    body: Any = None,
    headers: Mapping[str, str] | None = None,
) -> tuple[int, Any]:
    params = {"client_id": DEMO_CLIENT_ID, "locale": "fr-FR"}
    async with session.request(
        method, f"{sim.url}{path}", params=params, json=body, headers=headers or api_headers(token)
    ) as response:
        return response.status, await response.json(content_type=None)


async def send_sms(
    session: aiohttp.ClientSession, sim: SimulatorHandle, control: SimulatorControl, token: str
) -> str:
    assert await remote_call(session, sim, "POST", SMS_PATH, token) == (200, {})
    code: str = (await control.last_sms())["code"]
    return code


async def mqtt_grant(
    session: aiohttp.ClientSession, sim: SimulatorHandle, token: str, code: str
) -> tuple[int, Any]:
    body = {"grant_type": "password", "password": code}
    return await remote_call(session, sim, "POST", TOKEN_PATH, token, body=body)


def scenario(**account: Any) -> dict[str, Any]:
    """The demo credentials in a scenario, with remote settings of the test's choosing."""
    return {
        "account": {
            "brand": "peugeot",
            "username": DEMO_USERNAME,
            "password": DEMO_PASSWORD,
            "client_id": DEMO_CLIENT_ID,
            "client_secret": DEMO_CLIENT_SECRET,
            **account,
        },
        "vehicles": [{"vin": "VR3SCENARIO000001"}, {"vin": "VR3SCENARIO000002"}],
    }


@pytest.fixture
async def scenario_sim(
    simulator_factory: SimulatorFactory, clock: Clock, request: pytest.FixtureRequest
) -> SimulatorHandle:
    """A scenario simulator; parametrize it indirectly with the account's remote settings."""
    config = SimulatorConfig(scenario=scenario(**request.param), clock=clock, token_request_delay=0)
    return await simulator_factory(config)


# --- the whole pairing -----------------------------------------------------------------


@pytest.mark.parametrize("use_activation_challenge", [False, True])
async def test_a_full_pairing_gives_codes_the_token_endpoint_takes(
    sim: SimulatorHandle,
    session: aiohttp.ClientSession,
    control: SimulatorControl,
    token: str,
    use_activation_challenge: bool,
) -> None:
    sms = await send_sms(session, sim, control, token)
    phone = Client(session, sim, "1234")
    await phone.activate(sms, use_activation_challenge=use_activation_challenge)
    assert [a.root for a in phone.answers] == ["ActionSetup", "ActionFinalize", "ActionFinalize"]
    first = await phone.otp_code()
    status, body = await mqtt_grant(session, sim, token, first)
    assert status == 200, body
    assert sim.state.remote_tokens.valid_access_token(body["access_token"])
    second = await phone.otp_code()  # a fresh challenge each time, so another code
    assert second != first
    assert (await mqtt_grant(session, sim, token, second))[0] == 200
    summary = await control.remote_pairing()
    assert summary["devices"] == summary["devices_ready"] == 1
    assert summary["otp_codes_issued"] == summary["otp_codes_accepted"] == 2
    assert summary["customer_id"] == "AP-ACNT200000000042"
    assert summary["tokens"]["access_live"] == summary["tokens"]["refresh_live"] == 2
    assert "1234" not in repr(summary)
    requests = (await control.stats())["requests"]
    assert requests["GET /iwws/MAC"] == 7  # activation 3, two codes 2 each
    assert requests[f"POST {TOKEN_PATH}"] == 2
    assert sms not in repr(summary)


async def test_the_wire_format_of_the_activation(
    sim: SimulatorHandle, session: aiohttp.ClientSession, control: SimulatorControl, token: str
) -> None:
    sms = await send_sms(session, sim, control, token)
    phone = Client(session, sim, "1234")
    setup = await phone.setup_activate(sms)
    assert setup.fields["err"] == "OK"
    assert len(setup.fields["Kfact"]) == 256
    assert phone.kfact.bit_length() == 1024
    assert len(setup.fields["Kiw"]) == 3 * 256  # 128 bytes of modulus in 62-byte chunks
    assert phone.kiw.bit_length() == 1024
    final = await phone.finalize_activate(sms)
    assert final.err == "OK"
    for name in ("id", "K0", "K1", "Tsync", "ms_key", "ms_id", "s_id", "challenge"):
        assert final.fields[name], name
    assert final.fields["ms_n"] == "1"
    assert len(phone.k0) == len(phone.k1) == 32
    assert phone.k0 != phone.k1
    assert final.fields["Tsync"] == str(int(sim.state.now()))
    assert all(c in "0123456789abcdef" for c in final.fields["K0"] + final.fields["ms_key"])


# --- SMS and car-associations ----------------------------------------------------------


async def test_the_sms_code(
    sim: SimulatorHandle,
    session: aiohttp.ClientSession,
    control: SimulatorControl,
    token: str,
    clock: Clock,
) -> None:
    status, body = await control.request("GET", "sms")
    assert status == 404
    assert "error" in body
    assert (await remote_call(session, sim, "POST", SMS_PATH, "not-a-token"))[0] == 401
    assert await remote_call(session, sim, "POST", SMS_PATH, token) == (200, {})
    sms = await control.last_sms()
    assert len(sms["code"]) == 6
    assert sms["code"].isdigit()
    assert sms["sent_at"] == clock.now
    assert sms["expires_at"] == clock.now + 600
    assert sms["used"] is False
    await remote_call(session, sim, "POST", SMS_PATH, token)
    stats = await control.stats()
    assert stats["requests"][f"POST {SMS_PATH}"] == 3  # the refused one counts too


async def test_car_associations(
    sim: SimulatorHandle, session: aiohttp.ClientSession, control: SimulatorControl, token: str
) -> None:
    status, entries = await remote_call(session, sim, "GET", ASSOCIATIONS_PATH, token)
    assert status == 200
    assert [entry["vehicle"] for entry in entries] == [v.vin for v in sim.state.vehicles]
    assert {entry["customer"] for entry in entries} == {"AP-ACNT200000000042"}
    for entry in entries:
        assert entry["car_association_status"] == "Validated"
        assert entry["services"]
        assert entry["validated_checks"] == ["car_keys"]
        for key in ("car_association_id", "create_timestamp", "modify_timestamp"):
            assert entry[key]
        for key in ("car_title_date", "cea_trip_date", "qr_code_date", "hla_date"):
            assert key in entry
    assert len({entry["car_association_id"] for entry in entries}) == len(entries)
    wrong_realm = api_headers(token, realm="clientsB2COpel")
    status, _ = await remote_call(
        session, sim, "GET", ASSOCIATIONS_PATH, token, headers=wrong_realm
    )
    assert status == 401
    await control.set_empty_car_associations(True)
    assert await remote_call(session, sim, "GET", ASSOCIATIONS_PATH, token) == (200, [])
    await control.set_empty_car_associations(False)
    assert len((await remote_call(session, sim, "GET", ASSOCIATIONS_PATH, token))[1]) == 3
    status, _ = await control.request("POST", "remote/pairing/car_associations", {"empty": "yes"})
    assert status == 400


@pytest.mark.parametrize(
    "scenario_sim", [{"empty_car_associations": True, "customer_id": "AC-ACNT9"}], indirect=True
)
async def test_a_scenario_can_have_no_car_associations(
    scenario_sim: SimulatorHandle, session: aiohttp.ClientSession
) -> None:
    token = (await password_login(session, scenario_sim))["access_token"]
    assert await remote_call(session, scenario_sim, "GET", ASSOCIATIONS_PATH, token) == (200, [])
    scenario_sim.state.account.empty_car_associations = False
    _, entries = await remote_call(session, scenario_sim, "GET", ASSOCIATIONS_PATH, token)
    assert [entry["customer"] for entry in entries] == ["AC-ACNT9", "AC-ACNT9"]


def test_the_scenario_remote_fields() -> None:
    base = scenario()["account"]
    account = account_from_scenario(base)
    assert account.customer_id.startswith("AP-ACNT2")
    assert len(account.customer_id) == 19
    assert account.customer_id == account_from_scenario(base).customer_id  # stable
    assert (account.pin, account.max_devices, account.empty_car_associations) == ("1234", 5, False)
    assert account_from_scenario(base | {"brand": "ds"}).customer_id.startswith("AC-")
    assert account_from_scenario(base | {"brand": "opel"}).customer_id.startswith("OV-")
    chosen = account_from_scenario(base | {"pin": "00042", "max_devices": 2})
    assert (chosen.pin, chosen.max_devices) == ("00042", 2)
    assert "00042" not in repr(chosen)
    for bad in (
        {"pin": 1234},
        {"pin": "12a4"},
        {"pin": "123"},
        {"customer_id": "ACNT2000"},
        {"customer_id": "ap-ACNT2"},
        {"customer_id": 42},
        {"max_devices": 0},
        {"max_devices": True},
        {"max_devices": "5"},
        {"empty_car_associations": "no"},
    ):
        with pytest.raises(ScenarioError):
            account_from_scenario(base | bad)


# --- inWebo errors ---------------------------------------------------------------------


async def test_a_wrong_or_stale_sms_code_is_nok_code(
    sim: SimulatorHandle, session: aiohttp.ClientSession, control: SimulatorControl, token: str
) -> None:
    sms = await send_sms(session, sim, control, token)
    phone = Client(session, sim, "1234")
    wrong = f"{(int(sms) + 1) % 1_000_000:06d}"
    assert (await phone.setup_activate(wrong)).err == "NOK:CODE"
    assert (await phone.setup_activate(sms)).err == "OK"
    assert (await phone.finalize_activate(sms, code=wrong)).err == "NOK:CODE"
    await control.advance(601)
    assert (await phone.finalize_activate(sms)).err == "NOK:CODE"
    assert (await phone.setup_activate(sms)).err == "NOK:CODE"
    fresh = await send_sms(session, sim, control, token)
    other = Client(session, sim, "1234")
    other.kiw = phone.kiw
    assert (await other.finalize_activate(fresh)).err == "NOK:CODE"  # no ActionSetup yet
    await other.activate(fresh)
    assert (await control.last_sms())["used"] is True
    assert (await Client(session, sim, "1234").setup_activate(fresh)).err == "NOK:CODE"


async def test_three_wrong_pins_in_a_row_block_until_reset(
    sim: SimulatorHandle, session: aiohttp.ClientSession, control: SimulatorControl, token: str
) -> None:
    sms = await send_sms(session, sim, control, token)
    phone = Client(session, sim, "1234")
    assert (await phone.setup_activate(sms)).err == "OK"
    assert (await phone.finalize_activate(sms, pin="4321")).err == "NOK:ACCESS"
    assert (await phone.finalize_activate(sms, pin="1111")).err == "NOK:ACCESS"
    assert (await control.remote_pairing())["wrong_pins"] == 2
    assert (await phone.finalize_activate(sms, pin="2222")).err == "NOK:NOK_BLOCKED"
    assert (await phone.finalize_activate(sms)).err == "NOK:NOK_BLOCKED"  # the right one too
    assert (await control.remote_pairing())["blocked"] is True
    assert await control.reset_remote_devices() == 0
    assert (await phone.finalize_activate(sms)).err == "OK"


async def test_a_right_pin_starts_the_count_again(
    sim: SimulatorHandle, session: aiohttp.ClientSession, control: SimulatorControl, token: str
) -> None:
    sms = await send_sms(session, sim, control, token)
    phone = Client(session, sim, "1234")
    await phone.setup_activate(sms)
    for pin in ("0000", "9999"):
        assert (await phone.finalize_activate(sms, pin=pin)).err == "NOK:ACCESS"
    assert (await phone.finalize_activate(sms)).err == "OK"
    assert (await control.remote_pairing())["wrong_pins"] == 0
    sms = await send_sms(session, sim, control, token)
    other = Client(session, sim, "1234")
    await other.setup_activate(sms)
    for pin in ("0000", "9999"):
        assert (await other.finalize_activate(sms, pin=pin)).err == "NOK:ACCESS"


@pytest.mark.parametrize("scenario_sim", [{"max_devices": 2, "pin": "86420"}], indirect=True)
async def test_max_devices_is_nok_maxnbtools_until_reset(
    scenario_sim: SimulatorHandle, session: aiohttp.ClientSession
) -> None:
    control = SimulatorControl(session, scenario_sim.url)
    token = (await password_login(session, scenario_sim))["access_token"]
    for _ in range(2):
        await Client(session, scenario_sim, "86420").activate(
            await send_sms(session, scenario_sim, control, token)
        )
    sms = await send_sms(session, scenario_sim, control, token)
    third = Client(session, scenario_sim, "86420")
    assert (await third.setup_activate(sms)).err == "OK"
    assert (await third.finalize_activate(sms)).err == "NOK:MAXNBTOOLS"
    assert (await control.remote_pairing())["devices"] == 2
    assert await control.reset_remote_devices() == 2
    assert (await third.finalize_activate(sms)).err == "OK"


async def test_activation_checks_kma_and_the_r_values(
    sim: SimulatorHandle, session: aiohttp.ClientSession, control: SimulatorControl, token: str
) -> None:
    sms = await send_sms(session, sim, control, token)
    phone = Client(session, sim, "1234")
    await phone.setup_activate(sms)
    good = phone.activate_params(sms)
    assert (await phone.call(**(good | {"serial": phone.serial + "x"}))).err == "NOK:ACCESS"
    for name in ("R0", "R1", "R2"):
        assert (await phone.call(**(good | {name: sha("other")}))).err == "NOK:ACCESS"
    synchro_r2 = sha(f";;;{phone.pin}")  # R2 with the PIN belongs to the synchro action only
    assert (await phone.call(**(good | {"R2": synchro_r2}))).err == "NOK:ACCESS"
    assert (await phone.call(**(good | {"pin": "00ff"}))).err == "NOK:ACCESS"
    assert (await phone.call(**(good | {"Kma": "zz"}))).err == "NOK:ACCESS"
    other_kma = rsa_encrypt(phone.kiw, bytes(16))  # the right PIN, a kma that is not its own
    assert (await phone.call(**(good | {"Kma": other_kma}))).err == "NOK:ACCESS"
    assert (await control.remote_pairing())["wrong_pins"] == 0  # none of these was a wrong PIN
    assert (await phone.call(**good)).err == "OK"


async def test_the_ms_step_checks_its_values(
    sim: SimulatorHandle, session: aiohttp.ClientSession, control: SimulatorControl, token: str
) -> None:
    sms = await send_sms(session, sim, control, token)
    phone = Client(session, sim, "1234")
    assert (await phone.setup_activate(sms)).err == "OK"
    assert (await phone.finalize_activate(sms)).err == "OK"
    assert (await phone.finalize_ms(R1=sha("other"))).err == "NOK:ACCESS"
    assert (await phone.finalize_ms(ms_id0="0" * 16)).err == "NOK:ACCESS"
    assert (await phone.finalize_ms(ms_val0="00" * 128)).err == "NOK:ACCESS"
    assert (await phone.finalize_ms(ms_val0=rsa_encrypt(phone.ms_key, b"short"))).err == (
        "NOK:ACCESS"
    )
    assert (await phone.finalize_ms(id="unknown")).err == "NOK:ACCESS"
    assert (await phone.setup_otp()).err == "NOK:ACCESS"  # no OTP before the ms step
    assert (await phone.finalize_ms()).err == "OK"
    assert (await phone.finalize_ms()).err == "NOK:ACCESS"  # once


async def test_otp_mode_checks_the_device_and_the_r_values(
    sim: SimulatorHandle, session: aiohttp.ClientSession, control: SimulatorControl, token: str
) -> None:
    phone = Client(session, sim, "1234")
    await phone.activate(await send_sms(session, sim, control, token))
    assert (await phone.finalize_otp()).err == "NOK:ACCESS"  # no ActionSetup: no challenge
    assert (await phone.setup_otp(sid="ffffffff")).err == "NOK:ACCESS"
    assert (await phone.setup_otp(id="unknown")).err == "NOK:ACCESS"
    assert (await phone.setup_otp(macid="0" * 32)).err == "NOK:ACCESS"
    assert (await phone.setup_otp()).err == "OK"
    no_pin = sha(f"{phone.challenge};{phone.k0};")  # R2 must carry the PIN once synchro
    assert (await phone.finalize_otp(R2=no_pin)).err == "NOK:ACCESS"
    assert (await phone.finalize_otp()).err == "NOK:ACCESS"  # the challenge was spent
    assert (await phone.setup_otp()).err == "OK"
    phone.pin = "4321"
    assert (await phone.finalize_otp()).err == "NOK:ACCESS"
    phone.pin = "1234"
    assert (await phone.setup_otp()).err == "OK"
    assert (await phone.finalize_otp(R0=sha("other"))).err == "NOK:ACCESS"
    code = await phone.otp_code()
    assert (await mqtt_grant(session, sim, token, code))[0] == 200
    assert (await control.remote_pairing())["otp_codes_issued"] == 1


async def test_unknown_steps_and_missing_parameters(
    sim: SimulatorHandle, session: aiohttp.ClientSession
) -> None:
    phone = Client(session, sim, "1234")
    answer = await phone.call(action="ActionFinalize", mode="nonsense", macid=MACID)
    assert (answer.root, answer.err) == ("ActionFinalize", "NOK:SYNTAX")
    assert (await phone.call(action="Other")).root == "ActionSetup"
    answer = await phone.call(action="ActionSetup", mode="activate", macid=MACID)
    assert answer.err == "NOK:SYNTAX"
    answer = await phone.call(action="ActionSetup", mode="activate", macid="x", code="1")
    assert answer.err == "NOK:ACCESS"
    async with session.post(phone.url) as response:
        assert response.status == 405  # every inWebo call is a GET (§3.1)


async def test_the_control_api_forces_the_next_inwebo_errors(
    sim: SimulatorHandle, session: aiohttp.ClientSession, control: SimulatorControl, token: str
) -> None:
    sms = await send_sms(session, sim, control, token)
    phone = Client(session, sim, "1234")
    assert await control.force_inwebo_error("NOK:FORBIDDEN") == ["NOK:FORBIDDEN"]
    assert await control.force_inwebo_error("NOK:SN", count=2) == ["NOK:FORBIDDEN"] + ["NOK:SN"] * 2
    assert (await phone.setup_activate(sms)).err == "NOK:FORBIDDEN"
    assert (await phone.setup_activate(sms)).err == "NOK:SN"
    answer = await phone.call(action="ActionFinalize", mode="otp")
    assert (answer.root, answer.err) == ("ActionFinalize", "NOK:SN")
    await phone.activate(sms)  # nothing was spent by the forced answers
    for body in ({"err": "OK"}, {"err": "FORBIDDEN"}, {"err": 3}, {"err": "NOK:X", "count": 0}):
        status, _ = await control.request("POST", "remote/pairing/next_error", body)
        assert status == 400, body


async def test_a_reset_forgets_the_devices(
    sim: SimulatorHandle, session: aiohttp.ClientSession, control: SimulatorControl, token: str
) -> None:
    phone = Client(session, sim, "1234")
    await phone.activate(await send_sms(session, sim, control, token))
    assert await control.reset_remote_devices() == 1
    assert (await phone.setup_otp()).err == "NOK:ACCESS"
    assert (await control.remote_pairing())["devices"] == 0


async def test_an_otp_code_is_good_once_within_five_minutes(
    sim: SimulatorHandle, session: aiohttp.ClientSession, control: SimulatorControl, token: str
) -> None:
    phone = Client(session, sim, "1234")
    await phone.activate(await send_sms(session, sim, control, token))
    refused = {
        "error": "invalid_grant",
        "error_description": "The provided access grant is invalid, expired, or revoked.",
    }
    code = await phone.otp_code()
    assert (await mqtt_grant(session, sim, token, code))[0] == 200
    assert await mqtt_grant(session, sim, token, code) == (400, refused)
    late = await phone.otp_code()
    await control.advance(301)
    assert await mqtt_grant(session, sim, token, late) == (400, refused)
    assert (await phone.setup_otp()).err == "OK"
    defi = (await phone.finalize_otp()).fields["defi"]
    wrong_secval = code_from(phone.k1, defi, "00" * 16)
    assert await mqtt_grant(session, sim, token, wrong_secval) == (400, refused)
    assert (await mqtt_grant(session, sim, token, code_from(phone.k1, defi, phone.secval)))[
        0
    ] == 200
    assert (await control.remote_pairing())["otp_codes_accepted"] == 2


@pytest.mark.parametrize("scenario_sim", [{"pin": "86420137"}], indirect=True)
async def test_no_secret_reaches_the_log_but_the_simulated_sms(
    scenario_sim: SimulatorHandle,
    session: aiohttp.ClientSession,
    caplog: pytest.LogCaptureFixture,
) -> None:
    control = SimulatorControl(session, scenario_sim.url)
    with caplog.at_level(logging.DEBUG):
        token = (await password_login(session, scenario_sim))["access_token"]
        sms = await send_sms(session, scenario_sim, control, token)
        phone = Client(session, scenario_sim, "86420137")
        await phone.setup_activate(sms)
        await phone.finalize_activate(sms, pin="11112222")  # a wrong PIN is logged as such
        await phone.finalize_activate(sms)
        await phone.finalize_ms()
        code = await phone.otp_code()
        _, tokens = await mqtt_grant(session, scenario_sim, token, code)
        _, refreshed = await remote_call(
            session,
            scenario_sim,
            "POST",
            TOKEN_PATH,
            token,
            body={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        )
    lines = [r.getMessage() for r in caplog.records if r.name.startswith("psa_simulator")]
    sms_line = f"SMS code for d***@example.com: {sms}"
    assert lines.count(sms_line) == 1
    assert "wrong PIN" in " ".join(lines)  # the log does say things
    secrets_seen = [
        "86420137",
        "11112222",
        sms,
        code,
        phone.k0,
        phone.k1,
        phone.secval,
        phone.serial,
        phone.kma.hex(),
        phone.challenge,
        tokens["access_token"],
        tokens["refresh_token"],
        refreshed["access_token"],
        DEMO_USERNAME,
    ]
    for line in lines:
        if line != sms_line:
            assert not [secret for secret in secrets_seen if secret in line], line


async def test_the_pairing_reprs_hold_no_secret(
    sim: SimulatorHandle, session: aiohttp.ClientSession, control: SimulatorControl, token: str
) -> None:
    phone = Client(session, sim, "1234")
    sms = await send_sms(session, sim, control, token)
    await phone.activate(sms)
    await phone.otp_code()
    pairing = sim.state.remote_pairing
    shown = repr(pairing) + repr(pairing.sms) + repr(list(pairing.devices.values()))
    shown += repr(pairing.otp_codes) + repr(sim.state.account)
    for secret in (sms, phone.k0, phone.k1, phone.secval, phone.serial, "'1234'"):
        assert secret not in shown


async def test_the_demo_phone_shows_the_last_sms_code(
    sim: SimulatorHandle, session: aiohttp.ClientSession, control: SimulatorControl, token: str
) -> None:
    """A person pairing the demo account reads the code on the login page or on /phone."""
    async with session.get(f"{sim.url}/phone") as page:
        assert "none sent yet" in await page.text()
    await remote_call(session, sim, "POST", SMS_PATH, token)
    code = (await control.last_sms())["code"]
    async with session.get(f"{sim.url}/phone") as page:
        assert f'<code id="sms-code">{code}</code>' in await page.text()
    login = f"{sim.url}/am/oauth2/authorize"
    query = {
        "client_id": DEMO_CLIENT_ID,
        "response_type": "code",
        "redirect_uri": sim.state.account.redirect_uri,
        "scope": "openid profile",
    }
    async with session.get(login, params=query) as page:
        assert f'<code id="sms-code">{code}</code>' in await page.text()


async def test_a_scenario_account_has_no_demo_phone(
    simulator_factory: SimulatorFactory, session: aiohttp.ClientSession
) -> None:
    """A scenario's SMS code and PIN are not shown to anyone."""
    scenario = {
        "account": {
            "brand": "opel",
            "username": "someone@example.com",
            "password": "secret-pass",
            "client_id": "client",
            "client_secret": "client-secret",
            "pin": "4321",
        },
        "vehicles": [],
    }
    handle = await simulator_factory(SimulatorConfig(scenario=scenario))
    async with session.get(f"{handle.url}/phone") as page:
        text = await page.text()
    assert "4321" not in text
    assert "Only the demo account" in text
