"""A small inWebo MAC server for the client's tests, written from the fact sheet's reading.

It plays the server's half on its own (OAEP encoding, the private-key wrap, the code formula
are written here again, not imported), so the client's codes are judged, not echoed. The
simulator's server is the real judge; this one is just enough for unit tests.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
import functools
import hashlib
import secrets

from aiohttp import web
from aiohttp.test_utils import TestServer
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
import pytest

MAC_PATH = "/iwws/MAC"
MACID = "bb8e981582b0f31353108fb020bead1c"
VERSION = "Generator-1.0/0.2.11"
OAEP = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)


@functools.cache
def private_key(number: int) -> rsa.RSAPrivateKey:
    """A 1024-bit key with e = 17 (cryptography only generates 3 or 65537: rebuild one)."""
    del number  # one cached key per number
    while True:
        key = rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505 - the protocol's
        base = key.private_numbers()
        p, q = base.p, base.q
        phi = (p - 1) * (q - 1)
        if phi % 17 == 0:
            continue
        d = pow(17, -1, phi)
        numbers = rsa.RSAPrivateNumbers(
            p, q, d, d % (p - 1), d % (q - 1), pow(q, -1, p), rsa.RSAPublicNumbers(17, p * q)
        )
        return numbers.private_key()


def modulus(key: rsa.RSAPrivateKey) -> int:
    return key.public_key().public_numbers().n


def mask(seed: bytes, length: int) -> bytes:
    blocks = [hashlib.sha256(seed + i.to_bytes(4, "big")).digest() for i in range(length // 32 + 1)]
    return b"".join(blocks)[:length]


def xor(left: bytes, right: bytes) -> bytes:
    return bytes(a ^ b for a, b in zip(left, right, strict=True))


def oaep_pad(message: bytes, size: int = 128) -> bytes:
    label_hash = hashlib.sha256(b"").digest()
    db = label_hash + b"\0" * (size - len(message) - 66) + b"\1" + message
    seed = secrets.token_bytes(32)
    masked_db = xor(db, mask(seed, size - 33))
    return b"\0" + xor(seed, mask(masked_db, 32)) + masked_db


def wrap(data: bytes, key: rsa.RSAPrivateKey) -> str:
    """What the server sends as Kiw/ms_key: 62-byte chunks, OAEP-padded, m^d mod n."""
    numbers = key.private_numbers()
    n, d = numbers.public_numbers.n, numbers.d
    blocks = []
    for start in range(0, len(data), 62):
        padded = int.from_bytes(oaep_pad(data[start : start + 62]), "big")
        blocks.append(pow(padded, d, n).to_bytes(128, "big"))
    return b"".join(blocks).hex()


def aes(key: bytes, data: bytes) -> bytes:
    encryptor = Cipher(algorithms.AES(key), modes.ECB()).encryptor()  # noqa: S305 - the protocol's
    return encryptor.update(data) + encryptor.finalize()


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def code_for(k1: str, defi: str, secval: str) -> str:
    """The expected OTP code, computed the server's way."""
    digest = bytes.fromhex(sha(f"{k1}:{defi}:{secval}"))
    value = (int(digest[:4].hex(), 16) % (1 << 28)) * 1024 + int(digest[4:8].hex(), 16) % 1024
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    text = ""
    while True:
        text += alphabet[value % 36]
        value //= 36
        if not value:
            return text


@dataclass
class Device:
    serial: str
    kma: bytes
    pin: str
    k0: str
    k1: str
    challenge: str
    tsync: int = 100
    secid: str = ""
    secval: str = ""
    synchro: bool = False


@dataclass
class FakeInWebo:
    """State and knobs of the fake server; ``seen`` holds every query received."""

    url: str = ""
    sms_code: str = "123456"
    pin: str = "1234"
    max_devices: int = 5
    ms: bool = True
    j_once: bool = False
    dk1: str | None = None
    devices: dict[str, Device] = field(default_factory=dict)
    wrong_pins: int = 0
    seen: list[dict[str, str]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    methods: list[str] = field(default_factory=list)
    raw: list[tuple[int, str]] = field(default_factory=list)  # answers sent as they are
    errors: dict[tuple[str, str], str] = field(default_factory=dict)  # (action, mode) -> err
    codes: list[str] = field(default_factory=list)  # expected codes, in order
    j_sent: bool = False

    @property
    def kfact(self) -> rsa.RSAPrivateKey:
        return private_key(1)

    @property
    def kiw(self) -> rsa.RSAPrivateKey:
        return private_key(2)

    @property
    def ms_key(self) -> rsa.RSAPrivateKey:
        return private_key(3)

    def steps(self) -> list[tuple[str, str]]:
        return [(query.get("action", ""), query.get("mode", "")) for query in self.seen]

    def answer(self, root: str, **fields: str) -> str:
        body = "".join(f"<{key}>{value}</{key}>" for key, value in fields.items())
        return f'<?xml version="1.0" encoding="UTF-8"?><{root}>{body}</{root}>'

    def refuse(self, root: str, err: str) -> str:
        return self.answer(root, err=err, newversion="", newversionurl="")

    def handle(self, query: dict[str, str]) -> str:
        action, mode = query.get("action", ""), query.get("mode", "")
        if (action, mode) in self.errors:
            return self.refuse(action, self.errors[(action, mode)])
        if query.get("macid") != MACID or (mode != "ms" and query.get("version") != VERSION):
            return self.refuse(action, "NOK:SN")
        handler = {
            ("ActionSetup", "activate"): self.setup_activate,
            ("ActionFinalize", "activate"): self.finalize_activate,
            ("ActionFinalize", "ms"): self.finalize_ms,
            ("ActionSetup", "otp"): self.setup_otp,
            ("ActionFinalize", "otp"): self.finalize_otp,
        }.get((action, mode))
        return handler(query) if handler else self.refuse(action or "ActionSetup", "NOK:?")

    def setup_activate(self, query: dict[str, str]) -> str:
        if query.get("code") != self.sms_code:
            return self.refuse("ActionSetup", "NOK:CODE")
        kiw = modulus(self.kiw).to_bytes(128, "big")
        return self.answer(
            "ActionSetup",
            err="OK",
            Kfact=f"{modulus(self.kfact):x}",
            Kiw=wrap(kiw, self.kfact),
            pinmode="1",
        )

    def finalize_activate(self, query: dict[str, str]) -> str:
        root = "ActionFinalize"
        if query.get("code") != self.sms_code:
            return self.refuse(root, "NOK:CODE")
        pin = self.kiw.decrypt(bytes.fromhex(query["pin"]), OAEP).decode()
        kma = self.kiw.decrypt(bytes.fromhex(query["Kma"]), OAEP)
        serial = query["serial"]
        if pin != self.pin:
            self.wrong_pins += 1
            return self.refuse(root, "NOK:NOK_BLOCKED" if self.wrong_pins >= 3 else "NOK:ACCESS")
        self.wrong_pins = 0
        if len(self.devices) >= self.max_devices:
            return self.refuse(root, "NOK:MAXNBTOOLS")
        expected_r = (sha(f";;{serial}"), sha(";;"), sha(";;"))
        if kma != hashlib.sha256(f"{pin};{serial}".encode()).digest()[:16] or expected_r != (
            query["R0"],
            query["R1"],
            query["R2"],
        ):
            return self.refuse(root, "NOK:ACCESS")
        k0, k1 = secrets.token_bytes(16), secrets.token_bytes(16)
        device = Device(serial, kma, pin, k0.hex(), k1.hex(), secrets.token_hex(8))
        iwid = f"dev-{len(self.devices) + 1}"
        self.devices[iwid] = device
        fields = {
            "err": "OK",
            "id": iwid,
            "K0": aes(kma, k0).hex(),
            "K1": aes(kma, k1).hex(),
            "Tsync": str(device.tsync),
            "challenge": device.challenge,
            "ms_n": "1" if self.ms else "0",
            "s_n": "0",
        }
        if self.ms:
            fields |= {
                "ms_key": wrap(modulus(self.ms_key).to_bytes(128, "big"), self.kfact),
                "ms_id": "ms-1",
            }
        return self.answer(root, **fields)

    def proofs_ok(self, device: Device, query: dict[str, str], synchro: bool) -> bool:
        challenge, k0, k1 = device.challenge, device.k0, device.k1
        r2 = f"{challenge};{k0};" + (f";{device.pin}" if synchro else "")
        expected = (sha(f"{challenge};{k0};{device.serial}"), sha(f"{challenge};{k0};{k1}"))
        return (*expected, sha(r2)) == (query.get("R0"), query.get("R1"), query.get("R2"))

    def finalize_ms(self, query: dict[str, str]) -> str:
        device = self.devices.get(query.get("id", ""))
        if device is None or query.get("ms_id0") != "ms-1" or query.get("ms_n") != "1":
            return self.refuse("ActionFinalize", "NOK:SN")
        if not self.proofs_ok(device, query, synchro=False):
            return self.refuse("ActionFinalize", "NOK:ACCESS")
        secret = self.ms_key.decrypt(bytes.fromhex(query["ms_val0"]), OAEP)
        device.secval, device.secid, device.synchro = aes(device.kma, secret).hex(), "sec-7", True
        device.challenge = secrets.token_hex(8)
        return self.answer("ActionFinalize", err="OK", s_id="sec-7", challenge=device.challenge)

    def setup_otp(self, query: dict[str, str]) -> str:
        device = self.devices.get(query.get("id", ""))
        if device is None or query.get("sid") != device.secid:
            return self.refuse("ActionSetup", "NOK:SN")
        if query.get("lastsync") != str(device.tsync):
            return self.refuse("ActionSetup", "NOK:ACCESS")
        device.challenge = secrets.token_hex(8)
        return self.answer("ActionSetup", err="OK", challenge=device.challenge)

    def finalize_otp(self, query: dict[str, str]) -> str:
        device = self.devices.get(query.get("id", ""))
        if device is None or query.get("keytype") != "0":
            return self.refuse("ActionFinalize", "NOK:SN")
        if not self.proofs_ok(device, query, synchro=device.synchro):
            return self.refuse("ActionFinalize", "NOK:ACCESS")
        device.tsync += 1
        fields = {"err": "OK", "defi": secrets.token_hex(4), "Tsync": str(device.tsync)}
        if self.dk1 is not None:
            device.k1 = sha(f"{device.k1};{self.dk1}")[:32]
            fields["dK1"] = self.dk1
        if self.j_once and not self.j_sent:
            self.j_sent = True
            fields["J"] = "1"
        else:
            self.codes.append(code_for(device.k1, fields["defi"], device.secval))
        return self.answer("ActionFinalize", **fields)


@pytest.fixture
async def inwebo(socket_enabled: None) -> AsyncIterator[FakeInWebo]:
    fake = FakeInWebo()
    app = web.Application()

    async def handler(request: web.Request) -> web.Response:
        query = dict(request.query)
        fake.seen.append(query)
        fake.headers.append(dict(request.headers))
        fake.methods.append(request.method)
        if fake.raw:
            status, text = fake.raw.pop(0)
            return web.Response(status=status, text=text)
        return web.Response(text=fake.handle(query), content_type="text/xml")

    app.router.add_route("*", MAC_PATH, handler)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    fake.url = str(server.make_url(MAC_PATH))
    yield fake
    await server.close()
