"""What the pairing side of one simulator remembers: the SMS code, paired devices, OTP codes.

The inWebo server (``inwebo.py``) and the MQTT token endpoint (``api.py``) share it. Times are
simulator time. Every secret field is left out of the reprs.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
import hmac
import re
import secrets
from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa

SMS_CODE_LIFETIME = 600  # the contract's reading of §3: an SMS code lives 10 minutes
OTP_CODE_LIFETIME = 300  # the reading: a code from `defi` is good once, within 5 minutes
MAX_WRONG_PINS = 3  # the third wrong PIN in a row blocks (NOK:NOK_BLOCKED)
FORCED_ERROR = re.compile(r"NOK:[A-Z0-9_]{1,40}")


@dataclass(kw_only=True)
class SmsCode:
    """The last simulated SMS."""

    value: str = field(repr=False)
    sent_at: float
    expires_at: float
    set_up: bool = False  # an ActionSetup (activate) has used it
    used: bool = False  # an activation has consumed it


@dataclass(kw_only=True)
class Device:
    """An activated inWebo device (a "tool" of the account)."""

    device_id: str
    activated_at: float
    serial: str = field(repr=False)
    kma: bytes = field(repr=False)
    k0: str = field(repr=False)  # hex, as the client keeps it (decrypted)
    k1: str = field(repr=False)
    s_id: str
    ms_id: str
    ms_key: rsa.RSAPrivateKey | None = field(default=None, repr=False)  # until the ms step
    activation_challenge: str = field(default="", repr=False)
    secval: str | None = field(default=None, repr=False)  # hex, after the ms step
    challenge: str | None = field(default=None, repr=False)  # an outstanding otp challenge


@dataclass(kw_only=True)
class OtpCode:
    """An OTP code the server expects once as the MQTT password grant."""

    value: str = field(repr=False)
    expires_at: float
    used: bool = False


class RemotePairing:
    """SMS codes, devices, the wrong-PIN counter, forced inWebo errors and OTP codes."""

    def __init__(self, now: Callable[[], float]) -> None:
        self.now = now
        self.sms: SmsCode | None = None
        self.sms_sent = 0
        self.devices: dict[str, Device] = {}
        self.wrong_pins = 0
        self.blocked = False
        self.forced_errors: deque[str] = deque()
        self.otp_codes: list[OtpCode] = []
        self.otp_issued = 0
        self.otp_accepted = 0

    def __repr__(self) -> str:
        return f"RemotePairing(devices={len(self.devices)}, blocked={self.blocked})"

    # --- SMS -----------------------------------------------------------------------------

    def send_sms(self) -> SmsCode:
        """A new 6-digit code; it replaces the previous one."""
        now = self.now()
        value = f"{secrets.randbelow(1_000_000):06d}"
        self.sms = SmsCode(value=value, sent_at=now, expires_at=now + SMS_CODE_LIFETIME)
        self.sms_sent += 1
        return self.sms

    def live_sms(self, value: str | None) -> SmsCode | None:
        """The SMS code if ``value`` is it, unused and not expired."""
        sms = self.sms
        if sms is None or sms.used or sms.expires_at <= self.now():
            return None
        if not hmac.compare_digest((value or "").encode(), sms.value.encode()):
            return None
        return sms

    def last_sms(self) -> dict[str, Any] | None:
        """What ``GET /_simulator/sms`` shows: the last SMS (None when none was sent)."""
        if self.sms is None:
            return None
        return {
            "code": self.sms.value,
            "sent_at": self.sms.sent_at,
            "expires_at": self.sms.expires_at,
            "used": self.sms.used,
        }

    # --- PIN and devices -----------------------------------------------------------------

    def wrong_pin(self) -> bool:
        """Count a wrong PIN; True when this one blocks the account."""
        self.wrong_pins += 1
        if self.wrong_pins >= MAX_WRONG_PINS:
            self.blocked = True
        return self.blocked

    def add_device(self, device: Device) -> None:
        """A successful activation: the PIN counter starts again, the SMS code is spent."""
        self.wrong_pins = 0
        if self.sms is not None:
            self.sms.used = True
        self.devices[device.device_id] = device

    def reset_devices(self) -> int:
        """The brand app's reset: every device goes, the PIN block lifts; how many went."""
        count = len(self.devices)
        self.devices.clear()
        self.wrong_pins = 0
        self.blocked = False
        return count

    # --- forced errors -------------------------------------------------------------------

    def force_inwebo_error(self, err: str, count: int = 1) -> list[str]:
        """The next ``count`` inWebo answers carry ``err`` (``NOK:<CODE>``); the queue."""
        if not FORCED_ERROR.fullmatch(err):
            raise ValueError("'err' must look like NOK:<CODE>, e.g. NOK:FORBIDDEN")
        if not 1 <= count <= 100:
            raise ValueError("'count' must be an integer from 1 to 100")
        self.forced_errors.extend([err] * count)
        return list(self.forced_errors)

    def take_forced_error(self) -> str | None:
        """The next forced error, if one is queued."""
        return self.forced_errors.popleft() if self.forced_errors else None

    # --- OTP codes -----------------------------------------------------------------------

    def issue_otp_code(self, value: str) -> None:
        """Remember a code that an otp ActionFinalize just made possible."""
        self.otp_codes = [code for code in self.otp_codes if code.expires_at > self.now()]
        self.otp_codes.append(OtpCode(value=value, expires_at=self.now() + OTP_CODE_LIFETIME))
        self.otp_issued += 1

    def accept_otp_code(self, value: str | None) -> bool:
        """Spend a code: True once for a code issued in the last 5 minutes."""
        given = (value or "").encode()
        for code in self.otp_codes:
            if hmac.compare_digest(given, code.value.encode()):
                if code.used or code.expires_at <= self.now():
                    return False
                code.used = True
                self.otp_accepted += 1
                return True
        return False

    def summary(self) -> dict[str, Any]:
        """Counts only: no code, key or PIN."""
        now = self.now()
        return {
            "devices": len(self.devices),
            "devices_ready": sum(1 for d in self.devices.values() if d.secval is not None),
            "wrong_pins": self.wrong_pins,
            "blocked": self.blocked,
            "sms_sent": self.sms_sent,
            "sms_live": self.sms is not None and not self.sms.used and self.sms.expires_at > now,
            "otp_codes_issued": self.otp_issued,
            "otp_codes_accepted": self.otp_accepted,
            "forced_errors": list(self.forced_errors),
        }
