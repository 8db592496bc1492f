"""Remote commands and push events over Stellantis' MQTT remote-services channel.

No Home Assistant import. See docs/ARCHITECTURE.md "Remote commands" for the contract.
Pairing (``account``, ``otp``), the MQTT login (``tokens``), the broker connection (``mqtt``),
the commands on it (``commands``) and the cars' push events (``events``).
"""

from .account import PSARemoteApi, async_pair, mqtt_customer_id
from .commands import (
    WAKE_UP_LIMIT,
    WAKE_UP_WINDOW,
    CommandChannel,
    CommandTokens,
    RemoteCommander,
)
from .events import (
    EVENTS_TOPIC_PREFIX,
    EventOutcome,
    VehicleEvent,
    apply_event,
    event_vin,
    parse_event,
)
from .models import (
    MQTT_HOST,
    MQTT_PORT,
    OTP_URL,
    REMOTE_API_BASE_URL,
    SERVICES,
    CommandProgress,
    CommandResult,
    OtpState,
    PreconditioningProgram,
    RemoteToken,
)
from .mqtt import RemoteConnection
from .otp import InWeboClient
from .tokens import RemoteTokenManager

__all__ = [
    "EVENTS_TOPIC_PREFIX",
    "MQTT_HOST",
    "MQTT_PORT",
    "OTP_URL",
    "REMOTE_API_BASE_URL",
    "SERVICES",
    "WAKE_UP_LIMIT",
    "WAKE_UP_WINDOW",
    "CommandChannel",
    "CommandProgress",
    "CommandResult",
    "CommandTokens",
    "EventOutcome",
    "InWeboClient",
    "OtpState",
    "PSARemoteApi",
    "PreconditioningProgram",
    "RemoteCommander",
    "RemoteConnection",
    "RemoteToken",
    "RemoteTokenManager",
    "VehicleEvent",
    "apply_event",
    "async_pair",
    "event_vin",
    "mqtt_customer_id",
    "parse_event",
]
