"""A tiny PNG per car, so a local Home Assistant has a picture it can fetch."""

from __future__ import annotations

import hashlib
import struct
import zlib

WIDTH, HEIGHT = 64, 32


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def car_png(vin: str) -> bytes:
    """A 64x32 RGB image: a coloured band (colour from the VIN) on white."""
    red, green, blue = hashlib.sha256(vin.encode()).digest()[:3]
    rows = []
    for y in range(HEIGHT):
        colour = bytes((red, green, blue)) if 8 <= y < 24 else b"\xff\xff\xff"
        rows.append(b"\x00" + colour * WIDTH)
    header = struct.pack(">IIBBBBB", WIDTH, HEIGHT, 8, 2, 0, 0, 0)
    return b"".join(
        (
            b"\x89PNG\r\n\x1a\n",
            _chunk(b"IHDR", header),
            _chunk(b"IDAT", zlib.compress(b"".join(rows))),
            _chunk(b"IEND", b""),
        )
    )
