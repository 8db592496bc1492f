"""The inWebo "MAC" protocol: activation by SMS code and PIN, then one OTP code per MQTT login.

remote-commands.md §3, read as docs/ARCHITECTURE.md "How we read §3 where it is ambiguous"
says (the simulator's inWebo server follows the same reading). Every call is a GET with its
parameters in the query; the answer is a small XML document whose root children are the fields.

The state (``OtpState``) holds the PIN and the keys: it is never logged, and no exception
message carries any part of it.
"""

from __future__ import annotations

from collections.abc import Mapping
import dataclasses
import hashlib
import logging
import secrets
import time
from typing import Final
import xml.etree.ElementTree as ET

import aiohttp
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from ..exceptions import PSAConnectionError, PSAPairingError, PSARateLimitError
from .models import OTP_URL, OtpState

_LOGGER = logging.getLogger(__name__)

MACID: Final = "bb8e981582b0f31353108fb020bead1c"
VERSION: Final = "Generator-1.0/0.2.11"
DEVICE_NAME: Final = "Android SDK built for x86_64 / UNKNOWN"
# No trailing space: newer HTTP stacks refuse it (§3.1, sv#228).
USER_AGENT: Final = (
    "Dalvik/2.1.0 (Linux; U; Android 8.0.0; Android SDK built for x86_64 Build/OSR1.180418.004)"
)
PUBLIC_EXPONENT: Final = 17
OTP_WINDOW: Final = 86400.0  # OtpState.used_at keeps the codes of the last 24 h (the budget)
MAX_ANSWER_BYTES: Final = 65536  # a real answer is a few kilobytes
SYNCHRO: Final = "synchro"
_BASE36: Final = "abcdefghijklmnopqrstuvwxyz0123456789"
_SHA256_LENGTH: Final = 32

# err of an answer -> PSAPairingError.code (§3.5); anything else is "unknown".
ERROR_CODES: Final[Mapping[str, str]] = {
    "NOK:ACCESS": "access",
    "NOK:CODE": "code",
    "NOK:MAXNBTOOLS": "max_devices",
    "NOK:NOK_BLOCKED": "blocked",
    "NOK:FORBIDDEN": "forbidden",
    "NOK:SN": "sn",
}


# Pure helpers (unit-tested with vectors the tests compute on their own) ----------------------


def sha256_hex(text: str) -> str:
    """Lowercase hex SHA-256 of ``text`` in UTF-8."""
    return hashlib.sha256(text.encode()).hexdigest()


def serial_of(device_id: str, iwalea: str) -> str:
    """The device serial the server knows us by: ``device_id/_/iwalea``."""
    return f"{device_id}/_/{iwalea}"


def kma_of(pin: str, serial: str) -> bytes:
    """The AES-128 key of the exchange: the first 16 bytes of SHA-256(``PIN;serial``)."""
    return hashlib.sha256(f"{pin};{serial}".encode()).digest()[:16]


def r_values(
    challenge: str, k0: str, k1: str, serial: str, pin: str, *, synchro: bool
) -> tuple[str, str, str]:
    """R0, R1, R2: the proofs every ActionFinalize carries (R2 adds the PIN once synchro)."""
    r2 = f"{challenge};{k0};" + (f";{pin}" if synchro else "")
    return (
        sha256_hex(f"{challenge};{k0};{serial}"),
        sha256_hex(f"{challenge};{k0};{k1}"),
        sha256_hex(r2),
    )


def base36_lsd_first(number: int) -> str:
    """``number`` in base 36 (``a``..``z`` = 0..25, ``0``..``9`` = 26..35), lowest digit first."""
    digits = []
    while True:
        number, digit = divmod(number, 36)
        digits.append(_BASE36[digit])
        if number == 0:
            return "".join(digits)


def otp_code(k1: str, defi: str, secval: str) -> str:
    """The OTP code of a challenge answer (§3.4 step 3)."""
    digest = hashlib.sha256(f"{k1}:{defi}:{secval}".encode()).digest()
    high = int.from_bytes(digest[0:4], "big") & 0x0FFFFFFF
    low = int.from_bytes(digest[4:8], "big") & 1023
    return base36_lsd_first(high * 1024 + low)


def aes_ecb_decrypt_hex(key: bytes, ciphertext_hex: str) -> str:
    """Decrypt one hex AES-128-ECB ciphertext (a whole number of blocks) to lowercase hex."""
    data = bytes.fromhex(ciphertext_hex)
    if not data or len(data) % 16:
        raise ValueError("not whole AES blocks")
    decryptor = Cipher(algorithms.AES(key), modes.ECB()).decryptor()  # noqa: S305 - the protocol's
    return (decryptor.update(data) + decryptor.finalize()).hex()


def aes_ecb_encrypt(key: bytes, plaintext: bytes) -> bytes:
    """AES-128-ECB of whole blocks (iwsecval: the 16 random bytes of the ms step)."""
    encryptor = Cipher(algorithms.AES(key), modes.ECB()).encryptor()  # noqa: S305 - the protocol's
    return encryptor.update(plaintext) + encryptor.finalize()


def mgf1_sha256(seed: bytes, length: int) -> bytes:
    """MGF1 with SHA-256 (RFC 8017 B.2.1)."""
    output = b""
    counter = 0
    while len(output) < length:
        output += hashlib.sha256(seed + counter.to_bytes(4, "big")).digest()
        counter += 1
    return output[:length]


def oaep_decode(block: bytes) -> bytes:
    """EME-OAEP decoding (SHA-256, MGF1-SHA256, empty label) of one RSA block; ValueError if bad.

    Done by hand: the server wraps with its private key, so the client "decrypts" with the
    public one, which no library offers.
    """
    hash_length = _SHA256_LENGTH
    if len(block) < 2 * hash_length + 2 or block[0] != 0:
        raise ValueError("not an OAEP block")
    masked_seed = block[1 : 1 + hash_length]
    masked_db = block[1 + hash_length :]
    seed = bytes(
        a ^ b for a, b in zip(masked_seed, mgf1_sha256(masked_db, hash_length), strict=True)
    )
    db = bytes(a ^ b for a, b in zip(masked_db, mgf1_sha256(seed, len(masked_db)), strict=True))
    if db[:hash_length] != hashlib.sha256(b"").digest():
        raise ValueError("wrong OAEP label hash")
    rest = db[hash_length:].lstrip(b"\x00")
    if not rest or rest[0] != 1:
        raise ValueError("no OAEP separator")
    return rest[1:]


def unwrap(blob_hex: str, modulus: int) -> bytes:
    """Kiw or ms_key: e = 17 under ``modulus`` on each block, OAEP-decoded, concatenated."""
    size = (modulus.bit_length() + 7) // 8
    data = bytes.fromhex(blob_hex)
    if size < 2 * _SHA256_LENGTH + 2 or not data or len(data) % size:
        raise ValueError("not whole RSA blocks")
    chunks = []
    for start in range(0, len(data), size):
        value = int.from_bytes(data[start : start + size], "big")
        if value >= modulus:
            raise ValueError("block out of range")
        chunks.append(oaep_decode(pow(value, PUBLIC_EXPONENT, modulus).to_bytes(size, "big")))
    return b"".join(chunks)


def oaep_encrypt_hex(modulus: int, data: bytes) -> str:
    """RSA-OAEP-SHA256 encryption under (``modulus``, e = 17), as hex (Kma, pin, ms_val0)."""
    key = rsa.RSAPublicNumbers(PUBLIC_EXPONENT, modulus).public_key()
    oaep = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
    return key.encrypt(data, oaep).hex()


def parse_answer(raw: bytes | bytearray) -> dict[str, str]:
    """The root children of an answer as a dict; ValueError for anything else.

    The standard library's parser expands internal entities, so any DTD is refused before
    parsing (no defusedxml in Home Assistant's environment).
    """
    text = raw.decode("utf-8", errors="replace")
    upper = text.upper()
    if "<!DOCTYPE" in upper or "<!ENTITY" in upper:
        raise ValueError("document type declarations are refused")
    _, declaration, body = text.partition("?>")
    if not declaration:
        body = text
    try:
        root = ET.fromstring(body.strip())  # noqa: S314 - no DTD reaches this line (above)
    except ET.ParseError as err:
        raise ValueError("not XML") from err
    return {child.tag: (child.text or "").strip() for child in root}


def prune_used(used_at: tuple[float, ...], now: float) -> tuple[float, ...]:
    """The code times of the last 24 h (the budget window), oldest first.

    Times ahead of ``now`` are kept: a clock that went back must not widen the budget.
    """
    return tuple(sorted(at for at in used_at if at > now - OTP_WINDOW))


# The client ------------------------------------------------------------------------------


class InWeboClient:
    """The inWebo MAC server: pairing (``activate``) and OTP codes (``generate_code``)."""

    def __init__(
        self, session: aiohttp.ClientSession, *, url: str = OTP_URL, timeout: float = 10
    ) -> None:
        """Use ``session`` against ``url``; ``timeout`` is per request, in seconds."""
        self.session = session
        self.url = url
        self._timeout = aiohttp.ClientTimeout(total=timeout)

    def __repr__(self) -> str:
        """The server address only."""
        return f"InWeboClient(url={self.url!r})"

    async def activate(self, sms_code: str, pin: str, device_id: str) -> OtpState:
        """Steps 3-5 of §3.1: ActionSetup and ActionFinalize in ``activate`` mode, then ``ms``.

        Raises ``PSAPairingError`` (its ``code`` says why), ``PSAConnectionError`` or
        ``PSARateLimitError``. Never retried: every activation takes one of the account's
        device slots.
        """
        state = OtpState(device_id=device_id, iwalea=secrets.token_hex(16), pin=pin)
        serial = serial_of(device_id, state.iwalea)
        base = {"id": "", "lastsync": "0", "version": VERSION, "macid": MACID}
        setup = await self._call("ActionSetup", "activate", {**base, "code": sms_code})
        try:
            kfact = int(setup["Kfact"], 16)
            kiw = int.from_bytes(unwrap(setup["Kiw"], kfact), "big")
            kma = kma_of(pin, serial)
            proofs = {
                "Kma": oaep_encrypt_hex(kiw, kma),
                "pin": oaep_encrypt_hex(kiw, pin.encode()),
            }
        except (KeyError, ValueError) as err:
            raise PSAPairingError("unknown", "The activation answer is unusable") from err
        r0, r1, r2 = r_values("", "", "", serial, pin, synchro=False)
        finalize = await self._call(
            "ActionFinalize",
            "activate",
            {
                **base,
                "lang": "fr",
                "ack": "",
                "serial": serial,
                "code": sms_code,
                **proofs,
                "name": DEVICE_NAME,
                "R0": r0,
                "R1": r1,
                "R2": r2,
            },
        )
        state = _synced(state, finalize)
        if _count(finalize.get("ms_n")) > 0:
            state = await self._ms_step(state, finalize, kfact)
        _LOGGER.debug("inWebo activation done")
        return state

    async def generate_code(
        self, state: OtpState, *, now: float | None = None
    ) -> tuple[str, OtpState]:
        """One OTP code (§3.4) and the state after it; ``now`` stamps ``used_at``.

        The caller saves the returned state BEFORE it uses the code: the server has moved on,
        and the old state would make wrong codes from now on.
        """
        defi = ""
        for _ in range(2):  # an answer with J asks for the exchange once more (§3.4)
            state, answer = await self._otp_exchange(state)
            defi = answer.get("defi", "")
            if "J" not in answer:
                break
        if not defi:
            raise PSAPairingError("unknown", "The OTP answer has no challenge result")
        moment = time.time() if now is None else now
        used = prune_used((*state.used_at, moment), moment)
        return otp_code(state.k1, defi, state.secval), dataclasses.replace(state, used_at=used)

    # Internals ----------------------------------------------------------------------------

    async def _otp_exchange(self, state: OtpState) -> tuple[OtpState, dict[str, str]]:
        base = {
            "id": state.iwid,
            "lastsync": state.lastsync,
            "version": VERSION,
            "macid": MACID,
            "sid": state.secid,
        }
        state = _synced(state, await self._call("ActionSetup", "otp", base))
        serial = serial_of(state.device_id, state.iwalea)
        r0, r1, r2 = r_values(
            state.challenge, state.k0, state.k1, serial, state.pin,
            synchro=state.action == SYNCHRO,
        )  # fmt: skip
        base["lastsync"] = state.lastsync
        params = {**base, "lang": "fr", "ack": "", "keytype": "0", "R0": r0, "R1": r1, "R2": r2}
        answer = await self._call("ActionFinalize", "otp", params)
        return _synced(state, answer), answer

    async def _ms_step(self, state: OtpState, finalize: dict[str, str], kfact: int) -> OtpState:
        """Step 5: a random secret sent under the temporary key; its AES image is iwsecval."""
        random_r = secrets.token_bytes(16)
        kma = kma_of(state.pin, serial_of(state.device_id, state.iwalea))
        try:
            temporary = int.from_bytes(unwrap(finalize["ms_key"], kfact), "big")
            ms_val = oaep_encrypt_hex(temporary, random_r)
        except (KeyError, ValueError) as err:
            raise PSAPairingError("unknown", "The activation answer is unusable") from err
        serial = serial_of(state.device_id, state.iwalea)
        r0, r1, r2 = r_values(state.challenge, state.k0, state.k1, serial, state.pin, synchro=False)
        answer = await self._call(
            "ActionFinalize",
            "ms",
            {
                "ms_id0": finalize.get("ms_id", ""),
                "ms_val0": ms_val,
                "macid": MACID,
                "id": state.iwid,
                "lastsync": state.lastsync,
                "ms_n": "1",  # more than one is implemented by no peer (§3.2)
                "R0": r0,
                "R1": r1,
                "R2": r2,
            },
        )
        # Unlike sv, an error of this step is raised: a state without iwsecval makes codes
        # that the server refuses later, when nobody can tell why.
        state = _synced(state, answer)
        return dataclasses.replace(
            state,
            secval=aes_ecb_encrypt(kma, random_r).hex(),
            secid=answer.get("s_id") or finalize.get("s_id", ""),
            action=SYNCHRO,
        )

    async def _call(self, action: str, mode: str, params: Mapping[str, str]) -> dict[str, str]:
        """One GET; the answer's fields when ``err`` is OK, else the mapped error."""
        query = {"action": action, "mode": mode, **params}
        headers = {"Connection": "Keep-Alive", "User-Agent": USER_AGENT}
        try:
            async with self.session.get(
                self.url, params=query, headers=headers, timeout=self._timeout
            ) as response:
                status = response.status
                raw = bytearray()
                async for chunk in response.content.iter_chunked(8192):
                    raw += chunk
                    if len(raw) > MAX_ANSWER_BYTES:
                        break
        except (aiohttp.ClientError, TimeoutError) as err:
            raise PSAConnectionError(f"inWebo unreachable: {type(err).__name__}") from err
        _LOGGER.debug("inWebo %s (%s) answered HTTP %s", action, mode, status)
        return _answer(action, mode, status, raw)


def _answer(action: str, mode: str, status: int, raw: bytes | bytearray) -> dict[str, str]:
    if status == 429:
        raise PSARateLimitError("inWebo: too many requests")
    if status >= 500:
        raise PSAConnectionError(f"inWebo error: HTTP {status}")
    if status != 200:
        raise PSAPairingError("unknown", f"inWebo refused the request: HTTP {status}")
    if len(raw) > MAX_ANSWER_BYTES:
        raise PSAConnectionError("inWebo sent an answer far too long")
    try:
        fields = parse_answer(raw)
    except ValueError as error:
        raise PSAConnectionError(f"inWebo sent an unreadable answer ({error})") from error
    result = fields.get("err")
    if result is None:
        raise PSAConnectionError("inWebo sent an answer without err")
    if result != "OK":
        code = ERROR_CODES.get(result, "unknown")
        _LOGGER.debug("inWebo %s (%s) refused: %.40s", action, mode, result)
        raise PSAPairingError(code, f"inWebo refused the {mode} step: {result[:40]}")
    return fields


def _count(value: str | None) -> int:
    try:
        return int(value or "0")
    except ValueError:
        return 0


def _synced(state: OtpState, answer: Mapping[str, str]) -> OtpState:
    """The state with what an answer carries: id, keys (decrypted under kma), Tsync, challenge."""
    kma = kma_of(state.pin, serial_of(state.device_id, state.iwalea))
    k0, k1 = state.k0, state.k1
    try:
        if answer.get("K0"):
            k0 = aes_ecb_decrypt_hex(kma, answer["K0"])
        if answer.get("K1"):
            k1 = aes_ecb_decrypt_hex(kma, answer["K1"])
        if answer.get("dK1"):
            k1 = sha256_hex(f"{k1};{answer['dK1']}")[:32]
    except ValueError as err:
        raise PSAPairingError("unknown", "The inWebo keys are unusable") from err
    return dataclasses.replace(
        state,
        k0=k0,
        k1=k1,
        iwid=answer.get("id") or state.iwid,
        lastsync=answer.get("Tsync") or state.lastsync,
        challenge=answer.get("challenge") or state.challenge,
    )
