"""The inWebo "MAC" server (``GET /iwws/MAC``): activation, the ms step and OTP codes.

Written from remote-commands.md §3 and the contract's "How we read §3 where it is ambiguous"
(docs/ARCHITECTURE.md), never from a client: the simulator is the judge of the codes the
integration's client computes. Answers are XML, ``<ActionSetup>`` or ``<ActionFinalize>`` with
one child per field, and every answer has ``err``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
import functools
import hashlib
import hmac
import logging
import math
import secrets
from xml.sax.saxutils import escape

from aiohttp import web
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from ..state import STATE, SimulatorState
from .pairing import Device

_LOGGER = logging.getLogger(__name__)

MAC_PATH = "/iwws/MAC"
MACID = "bb8e981582b0f31353108fb020bead1c"  # §3.2, the same in both peers
RSA_EXPONENT = 17  # §3.2
KEY_BITS = 1024
BLOCK = KEY_BITS // 8  # 128-byte RSA blocks
HASH_LEN = 32  # SHA-256
CHUNK = BLOCK - 2 * HASH_LEN - 2  # the most one OAEP-SHA256 block holds: 62 bytes
NEW_VERSION = ("2.0.0", "http://m.inwebo.com/")  # what error answers carry (§3.1)
OTP_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"  # §3.4: a..z = 0..25, 0..9 = 26..35
OAEP = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)

Fields = dict[str, str]
Query = Mapping[str, str]


class InWeboError(Exception):
    """An ``err`` other than OK (``NOK:<CODE>``); the message is the code, never a secret."""


# --- keys and primitives ---------------------------------------------------------------


def _generate_key() -> rsa.RSAPrivateKey:
    """A 1024-bit key with e = 17, from cryptography's primes.

    cryptography only generates keys with e = 3 or 65537, so its primes are taken and kept
    when 17 is prime to both p - 1 and q - 1 (about 9 draws in 10).
    """
    while True:
        numbers = rsa.generate_private_key(65537, KEY_BITS).private_numbers()
        p, q = numbers.p, numbers.q
        if math.gcd(RSA_EXPONENT, (p - 1) * (q - 1)) == 1:
            break
    d = pow(RSA_EXPONENT, -1, math.lcm(p - 1, q - 1))
    public = rsa.RSAPublicNumbers(RSA_EXPONENT, p * q)
    return rsa.RSAPrivateNumbers(
        p, q, d, d % (p - 1), d % (q - 1), pow(q, -1, p), public
    ).private_key()


@functools.cache
def kfact_key() -> rsa.RSAPrivateKey:
    """The server key whose modulus is ``Kfact`` (one per process: generating costs time)."""
    return _generate_key()


@functools.cache
def kiw_key() -> rsa.RSAPrivateKey:
    """The second key, whose wrapped modulus is ``Kiw``; it decrypts ``Kma`` and ``pin``."""
    return _generate_key()


def modulus_hex(key: rsa.RSAPrivateKey) -> str:
    """The modulus as 256 lowercase hex characters."""
    return f"{key.public_key().public_numbers().n:0{2 * BLOCK}x}"


def _mgf1(seed: bytes, length: int) -> bytes:
    out = b""
    counter = 0
    while len(out) < length:
        out += hashlib.sha256(seed + counter.to_bytes(4, "big")).digest()
        counter += 1
    return out[:length]


def oaep_pad(message: bytes) -> bytes:
    """RFC 8017 EME-OAEP encoding (SHA-256, MGF1-SHA256, empty label) to one 128-byte block."""
    if len(message) > CHUNK:
        raise ValueError("message too long for one block")
    label_hash = hashlib.sha256(b"").digest()
    padding_string = b"\x00" * (BLOCK - len(message) - 2 * HASH_LEN - 2)
    data_block = label_hash + padding_string + b"\x01" + message
    seed = secrets.token_bytes(HASH_LEN)
    masked_db = bytes(a ^ b for a, b in zip(data_block, _mgf1(seed, len(data_block)), strict=True))
    masked_seed = bytes(a ^ b for a, b in zip(seed, _mgf1(masked_db, HASH_LEN), strict=True))
    return b"\x00" + masked_seed + masked_db


def wrap_modulus(key: rsa.RSAPrivateKey) -> str:
    """``Kiw``/``ms_key``: the key's modulus in 62-byte chunks, each OAEP-padded and raised to
    Kfact's private exponent (so the client opens it with e = 17), hex of the 128-byte blocks."""
    signer = kfact_key().private_numbers()
    modulus = key.public_key().public_numbers().n.to_bytes(BLOCK, "big")
    blocks = []
    for start in range(0, len(modulus), CHUNK):
        padded = int.from_bytes(oaep_pad(modulus[start : start + CHUNK]), "big")
        blocks.append(pow(padded, signer.d, signer.public_numbers.n).to_bytes(BLOCK, "big"))
    return b"".join(blocks).hex()


def oaep_decrypt(key: rsa.RSAPrivateKey, hex_text: str | None) -> bytes:
    """Open a client's RSA-OAEP(SHA-256) ciphertext; a bad one is ``NOK:ACCESS``."""
    try:
        return key.decrypt(bytes.fromhex(hex_text or ""), OAEP)
    except ValueError as err:
        raise InWeboError("NOK:ACCESS") from err


def aes_ecb(key: bytes, data: bytes, *, encrypt: bool) -> bytes:
    """AES-128-ECB on whole blocks, as §3.2 prescribes (one 16-byte block each time)."""
    cipher = Cipher(algorithms.AES(key), modes.ECB())  # noqa: S305 - the protocol's own mode
    worker = cipher.encryptor() if encrypt else cipher.decryptor()
    return worker.update(data) + worker.finalize()


def sha256_hex(text: str) -> str:
    """Lowercase hex SHA-256 of a UTF-8 string."""
    return hashlib.sha256(text.encode()).hexdigest()


def kma_for(pin: str, serial: str) -> bytes:
    """kma = the first 16 bytes of SHA-256(``PIN;serial``)."""
    return hashlib.sha256(f"{pin};{serial}".encode()).digest()[:16]


def expected_r(
    challenge: str, k0: str, k1: str, serial: str, pin: str | None
) -> tuple[str, str, str]:
    """R0, R1, R2; ``pin`` is given while the client's action is ``synchro`` (R2 has it)."""
    r2 = f"{challenge};{k0};" + ("" if pin is None else f";{pin}")
    return (
        sha256_hex(f"{challenge};{k0};{serial}"),
        sha256_hex(f"{challenge};{k0};{k1}"),
        sha256_hex(r2),
    )


def otp_code(k1: str, defi: str, secval: str) -> str:
    """§3.4 step 3: the code a client derives from ``defi``."""
    digest = hashlib.sha256(f"{k1}:{defi}:{secval}".encode()).digest()
    high = int.from_bytes(digest[:4], "big") & 0x0FFFFFFF
    low = int.from_bytes(digest[4:8], "big") & 1023
    number = high * 1024 + low
    digits = []
    while number:  # least-significant digit first, not reversed
        number, digit = divmod(number, 36)
        digits.append(OTP_ALPHABET[digit])
    return "".join(digits)


# --- the protocol ----------------------------------------------------------------------


def _require(query: Query, *names: str) -> list[str]:
    """The parameters, or ``NOK:SYNTAX`` when one is missing (a choice: §3 names none)."""
    if missing := [name for name in names if name not in query]:
        _LOGGER.info("inWebo request without %s", ", ".join(missing))
        raise InWeboError("NOK:SYNTAX")
    return [query[name] for name in names]


def _check_macid(query: Query) -> None:
    if not hmac.compare_digest(query.get("macid", "").encode(), MACID.encode()):
        raise InWeboError("NOK:ACCESS")


def _check_r(query: Query, candidates: list[tuple[str, str, str]]) -> None:
    """R0/R1/R2 must equal one of the expected triples; else ``NOK:ACCESS``."""
    given = "|".join(query.get(name, "") for name in ("R0", "R1", "R2")).encode()
    if not any(hmac.compare_digest(given, "|".join(c).encode()) for c in candidates):
        raise InWeboError("NOK:ACCESS")


def _tsync(state: SimulatorState) -> str:
    return str(int(state.now()))


def _token() -> str:
    return secrets.token_hex(16)


def setup_activate(state: SimulatorState, query: Query) -> Fields:
    """ActionSetup, mode activate: a live SMS code gets the server's keys."""
    (code,) = _require(query, "code")
    _check_macid(query)
    sms = state.remote_pairing.live_sms(code)
    if sms is None:
        raise InWeboError("NOK:CODE")
    sms.set_up = True
    return {
        "err": "OK",
        "Kfact": modulus_hex(kfact_key()),
        "Kiw": wrap_modulus(kiw_key()),
        "pinmode": "1",
    }


def _check_pin(state: SimulatorState, query: Query) -> str:
    """The decrypted PIN must be the account's; the third wrong one in a row blocks."""
    pin = oaep_decrypt(kiw_key(), query["pin"]).decode("utf-8", "replace")
    if hmac.compare_digest(pin.encode(), state.account.pin.encode()):
        return pin
    blocked = state.remote_pairing.wrong_pin()
    _LOGGER.info("inWebo activation: wrong PIN (%s in a row)", state.remote_pairing.wrong_pins)
    raise InWeboError("NOK:NOK_BLOCKED" if blocked else "NOK:ACCESS")


def finalize_activate(state: SimulatorState, query: Query) -> Fields:
    """ActionFinalize, mode activate: the PIN, kma and R values, then a new device."""
    code, serial = _require(query, "code", "serial", "Kma", "pin", "R0", "R1", "R2")[:2]
    _check_macid(query)
    pairing = state.remote_pairing
    sms = pairing.live_sms(code)
    if sms is None or not sms.set_up:
        raise InWeboError("NOK:CODE")
    if pairing.blocked:
        raise InWeboError("NOK:NOK_BLOCKED")
    if len(pairing.devices) >= state.account.max_devices:
        raise InWeboError("NOK:MAXNBTOOLS")
    pin = _check_pin(state, query)
    kma = oaep_decrypt(kiw_key(), query["Kma"])
    if not hmac.compare_digest(kma, kma_for(pin, serial)):
        raise InWeboError("NOK:ACCESS")
    # First activation: the client's challenge, K0 and K1 are all still empty.
    _check_r(query, [expected_r("", "", "", serial, None)])
    return _activated(state, serial, kma)


def _activated(state: SimulatorState, serial: str, kma: bytes) -> Fields:
    """Register the device; K0 and K1 travel under kma, the temporary key under Kfact."""
    k0, k1, ms_key = secrets.token_bytes(16), secrets.token_bytes(16), _generate_key()
    device = Device(
        device_id=_token(),
        activated_at=state.now(),
        serial=serial,
        kma=kma,
        k0=k0.hex(),
        k1=k1.hex(),
        s_id=secrets.token_hex(4),
        ms_id=secrets.token_hex(8),
        ms_key=ms_key,
        activation_challenge=_token(),
    )
    pairing = state.remote_pairing
    pairing.add_device(device)
    _LOGGER.info(
        "inWebo device activated (%s of %s)", len(pairing.devices), state.account.max_devices
    )
    return {
        "err": "OK",
        "id": device.device_id,
        "server": "simulator",
        "K0": aes_ecb(kma, k0, encrypt=True).hex(),
        "K1": aes_ecb(kma, k1, encrypt=True).hex(),
        "Tsync": _tsync(state),
        "connected": "1",
        **_service_fields(device),
        "m_n": "0",
        "ms_n": "1",
        "ms_key": wrap_modulus(ms_key),
        "ms_id": device.ms_id,
        "challenge": device.activation_challenge,
    }


def _service_fields(device: Device) -> Fields:
    """The one secure site (``s_*``) of the device; ``s_id`` becomes the client's ``sid``."""
    return {
        "s_n": "1",
        "s_id": device.s_id,
        "s_name": "PSA",
        "s_icon": "psa",
        "s_connected": "1",
        "s_ksc": "0",
        "s_secure": "1",
        "s_url": "https://otp.mpsa.com/",
        "s_onlineotp": "1",
    }


def _device(state: SimulatorState, query: Query) -> Device:
    device = state.remote_pairing.devices.get(query.get("id", ""))
    if device is None:
        raise InWeboError("NOK:ACCESS")  # unknown or reset device (a choice, §3 names none)
    return device


def finalize_ms(state: SimulatorState, query: Query) -> Fields:
    """ActionFinalize, mode ms: the client's random R arrives under the temporary key."""
    ms_id, ms_val = _require(query, "id", "ms_id0", "ms_val0", "R0", "R1", "R2")[1:3]
    _check_macid(query)
    device = _device(state, query)
    if device.ms_key is None or not hmac.compare_digest(ms_id.encode(), device.ms_id.encode()):
        raise InWeboError("NOK:ACCESS")
    # Which challenge the client holds at this step is not fixed by §3: the empty one of the
    # first activation, or the one the activation answer carried. Either is accepted.
    _check_r(
        query,
        [
            expected_r(challenge, device.k0, device.k1, device.serial, None)
            for challenge in ("", device.activation_challenge)
        ],
    )
    random_r = oaep_decrypt(device.ms_key, ms_val)
    if len(random_r) != 16:
        raise InWeboError("NOK:ACCESS")
    device.secval = aes_ecb(device.kma, random_r, encrypt=True).hex()
    device.ms_key = None
    device.challenge = None
    return {
        "err": "OK",
        "id": device.device_id,
        "Tsync": _tsync(state),
        **_service_fields(device),
        "ms_n": "0",
        "challenge": _token(),
    }


def _otp_device(state: SimulatorState, query: Query) -> Device:
    (sid,) = _require(query, "id", "sid")[1:]
    _check_macid(query)
    device = _device(state, query)
    if device.secval is None or not hmac.compare_digest(sid.encode(), device.s_id.encode()):
        raise InWeboError("NOK:ACCESS")
    return device


def setup_otp(state: SimulatorState, query: Query) -> Fields:
    """ActionSetup, mode otp: a fresh challenge for the device."""
    device = _otp_device(state, query)
    device.challenge = _token()
    return {"err": "OK", "challenge": device.challenge, "Tsync": _tsync(state)}


def finalize_otp(state: SimulatorState, query: Query) -> Fields:
    """ActionFinalize, mode otp: R values with the PIN (synchro), then ``defi``."""
    _require(query, "R0", "R1", "R2")
    device = _otp_device(state, query)
    challenge, device.challenge = device.challenge, None  # one use, right or wrong
    if challenge is None:
        raise InWeboError("NOK:ACCESS")
    pin = state.account.pin
    _check_r(query, [expected_r(challenge, device.k0, device.k1, device.serial, pin)])
    assert device.secval is not None
    defi = secrets.token_hex(4)
    state.remote_pairing.issue_otp_code(otp_code(device.k1, defi, device.secval))
    return {"err": "OK", "defi": defi, "Tsync": _tsync(state)}


STEPS: dict[tuple[str, str], Callable[[SimulatorState, Query], Fields]] = {
    ("ActionSetup", "activate"): setup_activate,
    ("ActionFinalize", "activate"): finalize_activate,
    ("ActionFinalize", "ms"): finalize_ms,
    ("ActionSetup", "otp"): setup_otp,
    ("ActionFinalize", "otp"): finalize_otp,
}


def error_fields(err: str) -> Fields:
    """An error answer: ``err`` and the ``newversion`` fields (§3.1)."""
    return {"err": err, "newversion": NEW_VERSION[0], "newversionurl": NEW_VERSION[1]}


def xml_answer(root: str, fields: Fields) -> web.Response:
    """``<?xml ...?><root><field>value</field>...</root>``."""
    children = "".join(f"<{name}>{escape(value)}</{name}>" for name, value in fields.items())
    body = f'<?xml version="1.0" encoding="UTF-8"?><{root}>{children}</{root}>'
    return web.Response(text=body, content_type="text/xml", charset="utf-8")


async def mac(request: web.Request) -> web.StreamResponse:
    """``GET /iwws/MAC``: one inWebo step, chosen by ``action`` and ``mode``."""
    state = request.app[STATE]
    query = request.query
    action = query.get("action", "")
    root = action if action in ("ActionSetup", "ActionFinalize") else "ActionSetup"
    forced = state.remote_pairing.take_forced_error()
    if forced is not None:
        return xml_answer(root, error_fields(forced))
    step = STEPS.get((action, query.get("mode", "")))
    if step is None:
        return xml_answer(root, error_fields("NOK:SYNTAX"))
    try:
        fields = step(state, query)
    except InWeboError as err:
        return xml_answer(root, error_fields(str(err)))
    return xml_answer(root, fields)


def add_routes(app: web.Application) -> None:
    """Register ``GET /iwws/MAC``."""
    app.router.add_get(MAC_PATH, mac, allow_head=False)
