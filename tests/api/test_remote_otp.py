"""InWeboClient: pairing and OTP codes against a fake inWebo server, and the pure crypto helpers."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import hashlib
import string

from aiohttp import web
from aiohttp.test_utils import TestServer
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from hypothesis import given, settings, strategies as st
import pytest

from custom_components.psa_connected_car.api.exceptions import (
    PSAConnectionError,
    PSAPairingError,
    PSARateLimitError,
)
from custom_components.psa_connected_car.api.remote import InWeboClient, OtpState
from custom_components.psa_connected_car.api.remote.otp import (
    USER_AGENT,
    aes_ecb_decrypt_hex,
    aes_ecb_encrypt,
    base36_lsd_first,
    kma_of,
    oaep_decode,
    oaep_encrypt_hex,
    otp_code,
    parse_answer,
    prune_used,
    r_values,
    serial_of,
    unwrap,
)

from .inwebo_fake import (
    FakeInWebo,
    aes,
    code_for,
    inwebo,  # noqa: F401 - the fixture
    mask,
    modulus,
    oaep_pad,
    private_key,
    sha,
    wrap,
    xor,
)

DEVICE_ID = "0123456789abcdef"
ALPHABET = string.ascii_lowercase + string.digits


@pytest.fixture
def client(session, inwebo: FakeInWebo) -> InWeboClient:  # noqa: F811
    return InWeboClient(session, url=inwebo.url, timeout=2)


async def paired(client: InWeboClient, fake: FakeInWebo) -> OtpState:
    return await client.activate(fake.sms_code, fake.pin, DEVICE_ID)


# Pure helpers --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "text"),
    [(0, "a"), (1, "b"), (25, "z"), (26, "0"), (35, "9"), (36, "ab"), (36 * 2 + 1, "bc")],
)
def test_base36_lowest_digit_first(number, text):
    assert base36_lsd_first(number) == text


@given(st.integers(min_value=0, max_value=2**40))
def test_base36_reads_back(number):
    text = base36_lsd_first(number)
    assert sum(ALPHABET.index(char) * 36**i for i, char in enumerate(text)) == number
    assert text == "a" or not text.endswith("a")  # no padding digits


@given(st.text(alphabet="0123456789abcdef", min_size=32, max_size=32), st.text(max_size=16))
def test_otp_code_matches_an_independent_reading(k1, defi):
    assert otp_code(k1, defi, "beef") == code_for(k1, defi, "beef")


def test_otp_code_known_vector():
    # h = SHA-256("k1:defi:sv"); its first 8 bytes give n, written lowest digit first.
    digest = hashlib.sha256(b"k1:defi:sv").digest()
    low = int.from_bytes(digest[4:8], "big") % 1024
    number = (int.from_bytes(digest[:4], "big") & 0x0FFFFFFF) * 1024 + low
    digits = []
    while number:
        number, digit = divmod(number, 36)
        digits.append(ALPHABET[digit])
    assert otp_code("k1", "defi", "sv") == "".join(digits)


def test_kma_and_serial():
    serial = serial_of("dev", "ab" * 16)
    assert serial == "dev/_/" + "ab" * 16
    assert kma_of("1234", serial) == hashlib.sha256(f"1234;{serial}".encode()).digest()[:16]
    assert len(kma_of("1234", serial)) == 16


def test_r_values():
    r0, r1, r2 = r_values("ch", "k0", "k1", "ser", "1234", synchro=False)
    assert (r0, r1, r2) == (sha("ch;k0;ser"), sha("ch;k0;k1"), sha("ch;k0;"))
    assert r_values("ch", "k0", "k1", "ser", "1234", synchro=True)[2] == sha("ch;k0;;1234")
    # The first activation: everything empty.
    assert r_values("", "", "", "ser", "1", synchro=False) == (sha(";;ser"), sha(";;"), sha(";;"))


def test_aes_helpers_are_ecb():
    key, block = bytes(range(16)), b"sixteen byte blk"
    assert aes_ecb_encrypt(key, block) == aes(key, block)
    assert aes_ecb_decrypt_hex(key, aes(key, block * 2).hex()) == (block * 2).hex()
    for bad in ("", "00" * 15, "zz" * 16):
        with pytest.raises(ValueError, match=r"."):
            aes_ecb_decrypt_hex(key, bad)


@given(st.binary(max_size=62))
@settings(max_examples=30, deadline=None)
def test_oaep_decode_reads_what_cryptography_encrypts(message):
    key = private_key(1)
    oaep = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
    encrypted = int.from_bytes(key.public_key().encrypt(message, oaep), "big")
    block = pow(encrypted, key.private_numbers().d, modulus(key)).to_bytes(128, "big")
    assert oaep_decode(block) == message
    assert oaep_decode(oaep_pad(message)) == message


def test_oaep_encrypt_is_readable_by_the_private_key():
    key = private_key(2)
    oaep = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
    assert key.decrypt(bytes.fromhex(oaep_encrypt_hex(modulus(key), b"secret")), oaep) == b"secret"


def test_unwrap_reads_the_servers_wrap():
    data = modulus(private_key(2)).to_bytes(128, "big")  # three chunks: 62 + 62 + 4
    assert unwrap(wrap(data, private_key(1)), modulus(private_key(1))) == data


@pytest.mark.parametrize(
    "blob",
    [
        "",
        "00" * 127,  # not whole blocks
        "ff" * 128,  # out of the modulus' range
        "00" * 128,  # decodes to zeros: not OAEP
    ],
)
def test_unwrap_refuses_garbage(blob):
    with pytest.raises(ValueError, match=r"."):
        unwrap(blob, modulus(private_key(1)))


def test_oaep_decode_refuses_a_wrong_label_or_separator():
    good = bytearray(oaep_pad(b"x"))
    with pytest.raises(ValueError, match=r"."):
        oaep_decode(bytes([1]) + bytes(good[1:]))
    with pytest.raises(ValueError, match=r"."):
        oaep_decode(bytes(good[:-2]) + bytes([good[-2] ^ 1, good[-1]]))
    with pytest.raises(ValueError, match=r"."):
        oaep_decode(b"\0" * 10)


def _masked(db: bytes) -> bytes:
    """A 128-byte block whose data block (label hash included) is exactly ``db``."""
    seed = bytes(range(32))
    masked_db = xor(db, mask(seed, len(db)))
    return b"\0" + xor(seed, mask(masked_db, 32)) + masked_db


@pytest.mark.parametrize(
    "tail",
    [
        b"\0" * 63,  # zeros only: no message at all
        b"\0" * 50 + b"\2" + b"x" * 12,  # something else than 0x01 after the zeros
    ],
)
def test_oaep_decode_refuses_a_block_without_separator(tail: bytes) -> None:
    label_hash = hashlib.sha256(b"").digest()
    assert oaep_decode(_masked(label_hash + b"\0" * 32 + b"\1" + b"x" * 30)) == b"x" * 30
    with pytest.raises(ValueError, match="separator"):
        oaep_decode(_masked(label_hash + tail + b"\0" * 32))


def test_parse_answer():
    fields = parse_answer(
        b'<?xml version="1.0"?>\n<ActionSetup><err>OK</err><a/><b> x </b></ActionSetup>'
    )
    assert fields == {"err": "OK", "a": "", "b": "x"}
    assert parse_answer(b"<R><err>NOK:CODE</err></R>") == {"err": "NOK:CODE"}


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"not xml",
        b"<?xml version='1.0'?>",
        b"<a><b></a>",
        b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "y">]><a><err>&x;</err></a>',
        b'<!doctype a SYSTEM "file:///etc/passwd"><a/>',
        b'<a><!ENTITY x "y"></a>',
    ],
)
def test_parse_answer_refuses(raw):
    with pytest.raises(ValueError, match=r"."):
        parse_answer(raw)


@given(st.binary(max_size=200))
def test_parse_answer_only_raises_value_error(raw):
    with contextlib.suppress(ValueError):
        parse_answer(raw)


def test_prune_used_keeps_the_last_day_and_the_future():
    assert prune_used((5.0, 100.0, 86500.0, 90000.0, 99999.0), 90000.0) == (
        86500.0,
        90000.0,
        99999.0,
    )


# Against the fake server ---------------------------------------------------------------------


@pytest.mark.parametrize("ms", [True, False])
async def test_pairing_then_codes_the_server_accepts(client, inwebo: FakeInWebo, ms):  # noqa: F811
    inwebo.ms = ms
    state = await paired(client, inwebo)
    assert len(state.iwalea) == 32
    assert int(state.iwalea, 16) >= 0
    assert state.device_id == DEVICE_ID
    assert state.pin == inwebo.pin
    device = inwebo.devices[state.iwid]
    assert device.serial == f"{DEVICE_ID}/_/{state.iwalea}"
    assert (state.k0, state.k1, state.lastsync) == (device.k0, device.k1, "100")
    assert (state.secval, state.secid) == ((device.secval, "sec-7") if ms else ("", ""))
    assert state.action == ("synchro" if ms else "")
    expected_steps = [("ActionSetup", "activate"), ("ActionFinalize", "activate")]
    assert inwebo.steps() == expected_steps + ([("ActionFinalize", "ms")] if ms else [])
    assert state.used_at == ()

    codes = []
    for moment in (1000.0, 2000.0):
        code, state = await client.generate_code(state, now=moment)
        codes.append(code)
    assert codes == inwebo.codes
    assert len(set(codes)) == 2
    assert state.used_at == (1000.0, 2000.0)
    assert state.lastsync == "102"


async def test_the_queries_and_headers(client, inwebo: FakeInWebo):  # noqa: F811
    state = await paired(client, inwebo)
    await client.generate_code(state)
    assert set(inwebo.methods) == {"GET"}
    for headers in inwebo.headers:
        assert headers["User-Agent"] == USER_AGENT
        assert not headers["User-Agent"].endswith(" ")
        assert headers["Connection"].lower() == "keep-alive"
    common = {"action", "mode", "id", "lastsync", "version", "macid"}
    finalize = common | {"lang", "ack", "R0", "R1", "R2"}
    assert [set(query) for query in inwebo.seen] == [
        common | {"code"},
        finalize | {"serial", "code", "Kma", "pin", "name"},
        {"action", "mode", "ms_id0", "ms_val0", "macid", "id", "lastsync", "ms_n"}
        | {"R0", "R1", "R2"},
        common | {"sid"},
        finalize | {"keytype", "sid"},
    ]
    assert inwebo.seen[0]["id"] == ""
    assert inwebo.seen[0]["lastsync"] == "0"
    assert inwebo.seen[1]["lang"] == "fr"
    assert inwebo.seen[1]["ack"] == ""
    assert inwebo.seen[1]["name"] == "Android SDK built for x86_64 / UNKNOWN"
    # The PIN and kma travel encrypted only.
    assert inwebo.pin not in inwebo.seen[1]["pin"]


async def test_j_asks_for_the_exchange_once_more(client, inwebo: FakeInWebo):  # noqa: F811
    state = await paired(client, inwebo)
    inwebo.j_once = True
    code, _ = await client.generate_code(state, now=5.0)
    assert inwebo.steps()[-4:] == [
        ("ActionSetup", "otp"),
        ("ActionFinalize", "otp"),
        ("ActionSetup", "otp"),
        ("ActionFinalize", "otp"),
    ]
    assert [code] == inwebo.codes


async def test_j_twice_is_not_a_loop(client, inwebo: FakeInWebo):  # noqa: F811
    state = await paired(client, inwebo)
    inwebo.raw = [
        (
            200,
            '<?xml version="1.0"?><ActionSetup><err>OK</err><challenge>c</challenge></ActionSetup>',
        ),
        (200, "<ActionFinalize><err>OK</err><defi>0a0b0c0d</defi><J>1</J></ActionFinalize>"),
    ] * 2
    code, _ = await client.generate_code(state)
    assert len(inwebo.seen) == 3 + 4
    assert code == otp_code(state.k1, "0a0b0c0d", state.secval)


async def test_dk1_updates_k1(client, inwebo: FakeInWebo):  # noqa: F811
    state = await paired(client, inwebo)
    inwebo.dk1 = "d1"
    first, state = await client.generate_code(state)
    second, state = await client.generate_code(state)
    assert [first, second] == inwebo.codes
    assert state.k1 == inwebo.devices[state.iwid].k1


async def test_used_at_drops_codes_older_than_a_day(client, inwebo: FakeInWebo):  # noqa: F811
    state = await paired(client, inwebo)
    _, state = await client.generate_code(state, now=100.0)
    _, state = await client.generate_code(state, now=50000.0)
    _, state = await client.generate_code(state, now=100.0 + 86400.0)
    assert state.used_at == (50000.0, 86500.0)


@pytest.mark.parametrize(
    ("err", "code"),
    [
        ("NOK:ACCESS", "access"),
        ("NOK:CODE", "code"),
        ("NOK:MAXNBTOOLS", "max_devices"),
        ("NOK:NOK_BLOCKED", "blocked"),
        ("NOK:FORBIDDEN", "forbidden"),
        ("NOK:SN", "sn"),
        ("NOK:SOMETHING", "unknown"),
        ("", "unknown"),
    ],
)
@pytest.mark.parametrize(
    "step",
    [
        ("ActionSetup", "activate"),
        ("ActionFinalize", "activate"),
        ("ActionFinalize", "ms"),
        ("ActionSetup", "otp"),
        ("ActionFinalize", "otp"),
    ],
)
async def test_every_err_of_every_step(client, inwebo: FakeInWebo, err, code, step):  # noqa: F811
    inwebo.errors[step] = err
    if step[1] == "otp":
        state = await paired(client, inwebo)
        call = functools.partial(client.generate_code, state)
    else:
        call = functools.partial(paired, client, inwebo)
    with pytest.raises(PSAPairingError) as caught:
        await call()
    assert caught.value.code == code
    assert inwebo.steps()[-1] == step  # nothing after a refusal


async def test_the_servers_own_refusals(client, inwebo: FakeInWebo):  # noqa: F811
    with pytest.raises(PSAPairingError) as caught:
        await client.activate("000000", inwebo.pin, DEVICE_ID)
    assert caught.value.code == "code"
    for expected in ("access", "access", "blocked"):
        with pytest.raises(PSAPairingError) as caught:
            await client.activate(inwebo.sms_code, "9999", DEVICE_ID)
        assert caught.value.code == expected
    inwebo.wrong_pins, inwebo.max_devices = 0, 1
    await paired(client, inwebo)
    with pytest.raises(PSAPairingError) as caught:
        await paired(client, inwebo)
    assert caught.value.code == "max_devices"


async def test_a_broken_state_is_refused(client, inwebo: FakeInWebo):  # noqa: F811
    state = await paired(client, inwebo)
    with pytest.raises(PSAPairingError) as caught:
        await client.generate_code(dataclasses.replace(state, k1="00" * 16))
    assert caught.value.code == "access"


SETUP_OK = '<?xml version="1.0"?><ActionSetup><err>OK</err></ActionSetup>'


@pytest.mark.parametrize(
    ("answer", "error", "code"),
    [
        ((200, SETUP_OK), PSAPairingError, "unknown"),  # no Kfact, no Kiw
        (
            (200, SETUP_OK.replace("</err>", "</err><Kfact>zz</Kfact><Kiw>00</Kiw>")),
            PSAPairingError,
            "unknown",
        ),
        (
            (200, SETUP_OK.replace("</err>", "</err><Kfact>ff</Kfact><Kiw>00</Kiw>")),
            PSAPairingError,
            "unknown",
        ),
        ((200, "<ActionSetup><nothing/></ActionSetup>"), PSAConnectionError, None),
        ((200, "<html>proxy</html"), PSAConnectionError, None),
        ((200, "garbage"), PSAConnectionError, None),
        ((200, '<!DOCTYPE x [<!ENTITY e "OK">]><x><err>&e;</err></x>'), PSAConnectionError, None),
        ((200, "<a><err>OK</err>" + "<b/>" * 20000 + "</a>"), PSAConnectionError, None),
        ((500, "oops"), PSAConnectionError, None),
        ((503, ""), PSAConnectionError, None),
        ((429, ""), PSARateLimitError, None),
        ((404, "nope"), PSAPairingError, "unknown"),
    ],
)
async def test_odd_answers_at_activation(client, inwebo: FakeInWebo, answer, error, code):  # noqa: F811
    inwebo.raw = [answer]
    with pytest.raises(error) as caught:
        await paired(client, inwebo)
    if code is not None:
        assert caught.value.code == code
    assert len(inwebo.seen) == 1


async def test_odd_keys_at_finalize(client, inwebo: FakeInWebo):  # noqa: F811
    good_setup = inwebo.setup_activate({"code": inwebo.sms_code})
    inwebo.raw = [
        (200, good_setup),
        (200, "<ActionFinalize><err>OK</err><id>x</id><K0>abc</K0></ActionFinalize>"),
    ]
    with pytest.raises(PSAPairingError) as caught:
        await paired(client, inwebo)
    assert caught.value.code == "unknown"


async def test_a_missing_ms_key_is_refused(client, inwebo: FakeInWebo):  # noqa: F811
    good_setup = inwebo.setup_activate({"code": inwebo.sms_code})
    inwebo.raw = [
        (200, good_setup),
        (200, "<ActionFinalize><err>OK</err><id>x</id><ms_n>1</ms_n></ActionFinalize>"),
    ]
    with pytest.raises(PSAPairingError) as caught:
        await paired(client, inwebo)
    assert caught.value.code == "unknown"
    assert len(inwebo.seen) == 2


async def test_odd_ms_n_means_no_ms_step(client, inwebo: FakeInWebo):  # noqa: F811
    good_setup = inwebo.setup_activate({"code": inwebo.sms_code})
    inwebo.raw = [
        (200, good_setup),
        (200, "<ActionFinalize><err>OK</err><id>x</id><ms_n>many</ms_n></ActionFinalize>"),
    ]
    state = await paired(client, inwebo)
    assert state.iwid == "x"
    assert len(inwebo.seen) == 2


async def test_an_answer_without_defi_makes_no_code(client, inwebo: FakeInWebo):  # noqa: F811
    state = await paired(client, inwebo)
    inwebo.raw = [
        (200, "<ActionSetup><err>OK</err><challenge>c</challenge></ActionSetup>"),
        (200, "<ActionFinalize><err>OK</err></ActionFinalize>"),
    ]
    with pytest.raises(PSAPairingError) as caught:
        await client.generate_code(state)
    assert caught.value.code == "unknown"


async def test_unreachable_and_slow_servers(session, socket_enabled):
    app = web.Application()

    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(1)
        return web.Response(text="<a><err>OK</err></a>")

    app.router.add_get("/iwws/MAC", slow)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    url = str(server.make_url("/iwws/MAC"))
    try:
        with pytest.raises(PSAConnectionError):
            await InWeboClient(session, url=url, timeout=0.05).activate("1", "2", "3")
    finally:
        await server.close()
    with pytest.raises(PSAConnectionError):
        await InWeboClient(session, url=url, timeout=1).activate("1", "2", "3")  # closed port


def test_repr_shows_no_secret(session):
    assert repr(InWeboClient(session, url="http://127.0.0.1:1/iwws/MAC")) == (
        "InWeboClient(url='http://127.0.0.1:1/iwws/MAC')"
    )


async def test_an_answer_in_pieces_is_read_whole(session, socket_enabled):
    app = web.Application()

    async def pieces(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        await response.prepare(request)
        for part in ('<?xml version="1.0"?><ActionSetup><err>NOK:', "CODE</err>", "</ActionSetup>"):
            await response.write(part.encode())
            await asyncio.sleep(0.01)  # separate chunks on the wire
        await response.write_eof()
        return response

    app.router.add_get("/iwws/MAC", pieces)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        client = InWeboClient(session, url=str(server.make_url("/iwws/MAC")), timeout=2)
        with pytest.raises(PSAPairingError) as caught:
            await client.activate("1", "2", "3")
    finally:
        await server.close()
    assert caught.value.code == "code"
