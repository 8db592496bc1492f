"""Typed values of the remote-commands side: tokens, OTP state, command replies."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Final

REMOTE_API_BASE_URL: Final = "https://api.groupe-psa.com"
OTP_URL: Final = "https://otp.mpsa.com/iwws/MAC"
MQTT_HOST: Final = "mwa.mpsa.com"
MQTT_PORT: Final = 8885
MQTT_USERNAME: Final = "IMA_OAUTH_ACCESS_TOKEN"

# Command name -> MQTT service path (remote-commands.md §6, §7).
SERVICES: Final[Mapping[str, str]] = {
    "wake_up": "/VehCharge/state",
    "charge": "/VehCharge",
    "charge_limit": "/VehCharge/limit",
    "precondition": "/ThermalPrecond",
    "lock": "/Doors",
    "horn": "/Horn",
    "lights": "/Lights",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class RemoteToken:
    """The MQTT ("remoteaccess") token pair; ``minted_at`` is when the refresh token was issued."""

    access_token: str = field(repr=False)
    refresh_token: str | None = field(repr=False)
    expires_at: float
    minted_at: float

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready copy, for Home Assistant storage."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RemoteToken:
        """Read back what ``as_dict`` wrote."""
        return cls(
            access_token=str(data["access_token"]),
            refresh_token=data.get("refresh_token"),
            expires_at=float(data["expires_at"]),
            minted_at=float(data["minted_at"]),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class OtpState:
    """What remote-commands.md §3.3 says must persist between OTP codes (the PIN included).

    Secret as a whole: it is never logged, and its repr shows no value.
    """

    device_id: str
    iwalea: str
    pin: str
    iwid: str = ""
    k0: str = ""
    k1: str = ""
    lastsync: str = "0"
    secid: str = ""
    secval: str = ""
    challenge: str = ""
    action: str = ""
    used_at: tuple[float, ...] = ()  # OTP codes generated in the last 24 h (the budget)
    extra: Mapping[str, str] = field(default_factory=dict)  # other synced fields (§3.2)

    def __repr__(self) -> str:
        """No field value: the state holds the PIN and the keys."""
        return f"OtpState(<{len(fields(self))} fields redacted>)"

    __str__ = __repr__

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready copy, for Home Assistant storage."""
        data = asdict(self)
        data["used_at"] = list(self.used_at)
        data["extra"] = dict(self.extra)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> OtpState:
        """Read back what ``as_dict`` wrote."""
        known = {f.name for f in fields(cls)}
        values = {key: value for key, value in data.items() if key in known}
        values["used_at"] = tuple(float(at) for at in data.get("used_at", ()))
        values["extra"] = dict(data.get("extra", {}))
        return cls(**values)


@dataclass(frozen=True, slots=True, kw_only=True)
class CommandProgress:
    """One reply to a command (progress 900/901/903, or the final code)."""

    vin: str
    service: str
    correlation_id: str
    code: str
    final: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class CommandResult:
    """A command that ended with return code 0 or 1."""

    vin: str
    service: str
    code: str
    progress: tuple[str, ...] = ()
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class PreconditioningProgram:
    """One of the four preconditioning slots; ``days`` has 7 entries, Monday first."""

    slot: int
    enabled: bool
    hour: int
    minute: int
    days: tuple[bool, ...] = (False,) * 7
