"""HTTP helpers of the identity and API clients: bodies, ``Retry-After``, token fields."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC
from email.utils import parsedate_to_datetime
import json
import math
import re
import time
from typing import Any, TypeGuard


def retry_after_seconds(
    headers: Mapping[str, str], clock: Callable[[], float] = time.time
) -> float | None:
    """``Retry-After`` in seconds: the header holds either seconds or an HTTP date."""
    value = headers.get("Retry-After", "").strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            moment = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        if moment.tzinfo is None:  # "-0000": UTC with no zone named
            moment = moment.replace(tzinfo=UTC)
        seconds = moment.timestamp() - clock()
    return max(0.0, seconds) if math.isfinite(seconds) else None


def decode_body(raw: bytes) -> Any:
    """The JSON of a response body, or None when it is not JSON (never raises)."""
    try:
        return json.loads(raw.decode("utf-8", errors="replace"))
    except (ValueError, RecursionError):
        return None


_TOKEN_SHAPE = re.compile(r"^[!-~]{1,8192}$")  # printable ASCII, no space: any token we accept


def is_token(value: Any) -> TypeGuard[str]:
    """Whether a token endpoint's field is a usable token string."""
    return isinstance(value, str) and _TOKEN_SHAPE.match(value) is not None


def token_lifetime(expires_in: Any, default: float) -> float:
    """``expires_in`` in seconds; ``default`` when it is missing, not a number or not positive."""
    try:
        seconds = float(expires_in)
    except (TypeError, ValueError):
        return default
    return seconds if math.isfinite(seconds) and seconds > 0 else default
