"""What the remote-services side of one simulator knows: SMS codes, paired devices, MQTT tokens.

Shared by the HTTP endpoints (SMS, inWebo, token grants) and the broker (which lets in only a
current MQTT access token). Times are simulator time (``state.now()``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
import secrets

MQTT_ACCESS_LIFETIME = 899  # remote-commands.md §4
MQTT_REFRESH_LIFETIME = 7 * 24 * 3600  # "about 7 days" (§4)


@dataclass(kw_only=True)
class MqttToken:
    """An issued MQTT access token."""

    value: str
    expires_at: float
    revoked: bool = False


@dataclass(kw_only=True)
class MqttRefreshToken:
    """An issued MQTT refresh token (not rotated by the refresh grant, §4)."""

    value: str
    expires_at: float
    revoked: bool = False


@dataclass(kw_only=True)
class RemoteTokens:
    """The MQTT tokens of the account; ``now`` is the simulator's clock."""

    now: Callable[[], float]
    access_lifetime: int = MQTT_ACCESS_LIFETIME
    refresh_lifetime: int = MQTT_REFRESH_LIFETIME
    access: dict[str, MqttToken] = field(default_factory=dict)
    refresh: dict[str, MqttRefreshToken] = field(default_factory=dict)

    def issue_access(self) -> MqttToken:
        """A new access token."""
        token = MqttToken(
            value=secrets.token_urlsafe(32), expires_at=self.now() + self.access_lifetime
        )
        self.access[token.value] = token
        return token

    def issue_refresh(self) -> MqttRefreshToken:
        """A new refresh token."""
        token = MqttRefreshToken(
            value=secrets.token_urlsafe(32), expires_at=self.now() + self.refresh_lifetime
        )
        self.refresh[token.value] = token
        return token

    def valid_access_token(self, value: str | None) -> bool:
        """Whether ``value`` is a current MQTT access token (the broker's and the cars' check)."""
        token = self.access.get(value or "")
        return token is not None and not token.revoked and token.expires_at > self.now()

    def valid_refresh_token(self, value: str | None) -> bool:
        """Whether ``value`` is a current MQTT refresh token."""
        token = self.refresh.get(value or "")
        return token is not None and not token.revoked and token.expires_at > self.now()

    def expire_access_tokens(self) -> int:
        """Every access token expires now; returns how many were live."""
        live = [t for t in self.access.values() if t.expires_at > self.now() and not t.revoked]
        for token in live:
            token.expires_at = self.now()
        return len(live)

    def expire_refresh_tokens(self) -> int:
        """Every refresh token expires now; returns how many were live."""
        live = [t for t in self.refresh.values() if t.expires_at > self.now() and not t.revoked]
        for token in live:
            token.expires_at = self.now()
        return len(live)
