"""Configuration of one simulator instance."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
import json
from pathlib import Path
import time
from typing import Any, Literal, get_args

from .const import DEFAULT_ACCESS_TOKEN_LIFETIME, DEFAULT_CODE_LIFETIME

PasswordRefusal = Literal["unsupported_grant_type", "invalid_grant", "server_error"]
PASSWORD_REFUSALS: tuple[str, ...] = get_args(PasswordRefusal)

FaultKind = Literal["500", "401", "429", "malformed", "drop"]
FAULT_KINDS: tuple[str, ...] = get_args(FaultKind)


RATES = ("error_rate", "unauthorized_rate", "malformed_rate", "drop_rate")


@dataclass(frozen=True, kw_only=True)
class ReplyDelays:
    """Seconds a simulated car waits before each reply to a remote command (remote-commands.md §8).

    Awake: 900 after ``accepted``, 903 after ``forwarded`` more, the final 0 after ``completed``
    more. Asleep: 900, 901 after ``forwarded``, then 300 after ``asleep_timeout`` (about 90 s on
    the real servers, §8.2). The defaults are short, for tests; the command line uses
    ``DEMO_REPLY_DELAYS``.
    """

    accepted: float = 0.005
    forwarded: float = 0.005
    completed: float = 0.005
    asleep_timeout: float = 0.05

    def validate(self) -> None:
        """Raise ValueError on a negative or non-numeric delay."""
        for name in ("accepted", "forwarded", "completed", "asleep_timeout"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise ValueError(f"reply delay {name} must be a number >= 0")


DEMO_REPLY_DELAYS = ReplyDelays(accepted=0.2, forwarded=1.0, completed=3.0, asleep_timeout=90.0)


@dataclass(kw_only=True)
class FaultConfig:
    """Injected faults. Rates are probabilities in [0, 1], drawn from ``random.Random(seed)``.

    Faults hit the API paths (``/connectedcar/v4``); with ``include_oauth`` also the
    identity server paths (``/am/oauth2``).
    """

    latency_ms: float = 0.0
    error_rate: float = 0.0
    unauthorized_rate: float = 0.0
    malformed_rate: float = 0.0
    drop_rate: float = 0.0
    rate_limit_seconds: float = 0.0
    include_oauth: bool = False

    def validate(self) -> None:
        """Raise ValueError on a rate outside [0, 1] or a negative duration, TypeError on a type."""
        numbers = ("latency_ms", "rate_limit_seconds", *RATES)
        for name in numbers:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise TypeError(f"{name} must be a number")
        if not isinstance(self.include_oauth, bool):
            raise TypeError("include_oauth must be true or false")
        for name in RATES:
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, got {value}")
        if self.latency_ms < 0 or self.rate_limit_seconds < 0:
            raise ValueError("latency_ms and rate_limit_seconds must not be negative")


@dataclass(kw_only=True)
class SimulatorConfig:
    """Everything that makes one simulator differ from another.

    ``scenario`` is a scenario dict (see docs/simulator.md) or a path to a JSON file;
    None means the living demo account. ``clock`` returns POSIX seconds; the state adds
    its own offset (``POST /_simulator/time/advance``) on top.
    """

    scenario: Mapping[str, Any] | str | Path | None = None
    password_grant: bool = True
    password_refusal: PasswordRefusal = "unsupported_grant_type"
    access_token_lifetime: int = DEFAULT_ACCESS_TOKEN_LIFETIME
    refresh_token_lifetime: int | None = None
    code_lifetime: int = DEFAULT_CODE_LIFETIME
    seed: int = 0
    clock: Callable[[], float] = time.time
    faults: FaultConfig = field(default_factory=FaultConfig)
    token_request_delay: float = 0.01
    """Seconds each token request waits inside the handler, so overlapping requests show up."""
    mqtt: bool = True
    """Run the remote-services MQTT broker (TLS) and the simulated cars with the app."""
    mqtt_port: int = 0
    """Port of the broker on 127.0.0.1; 0 picks a free one (kept across broker restarts)."""
    tls_dir: Path | None = None
    """Where ``ca.pem`` and the server certificate go (kept when valid); None: a temporary dir."""
    reply_delays: ReplyDelays = field(default_factory=ReplyDelays)
    """How long the cars take to answer commands, unless set per car."""

    def validate(self) -> None:
        """Raise ValueError on inconsistent settings."""
        if self.password_refusal not in PASSWORD_REFUSALS:
            raise ValueError(f"password_refusal must be one of {PASSWORD_REFUSALS}")
        if self.access_token_lifetime <= 0 or self.code_lifetime <= 0:
            raise ValueError("token and code lifetimes must be positive")
        self.faults.validate()
        self.reply_delays.validate()
        if not 0 <= self.mqtt_port <= 65535:
            raise ValueError("mqtt_port must be between 0 and 65535")

    def load_scenario(self) -> Mapping[str, Any] | None:
        """The scenario as a dict (reading the file when a path was given)."""
        if self.scenario is None or isinstance(self.scenario, Mapping):
            return self.scenario
        data = json.loads(Path(self.scenario).read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise TypeError("a scenario file must hold a JSON object")
        return data
