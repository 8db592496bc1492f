"""Remote commands and push events over Stellantis' MQTT remote-services channel.

No Home Assistant import. See docs/ARCHITECTURE.md "Remote commands" for the contract.
"""

# mqtt + commands (helper "mqtt")
from .commands import (
    WAKE_UP_LIMIT,
    WAKE_UP_WINDOW,
    CommandChannel,
    CommandTokens,
    RemoteCommander,
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
from .mqtt import RemoteConnection  # helper "mqtt"

__all__ = [
    "MQTT_HOST",
    "MQTT_PORT",
    "OTP_URL",
    "REMOTE_API_BASE_URL",
    "SERVICES",
    "CommandProgress",
    "CommandResult",
    "OtpState",
    "PreconditioningProgram",
    "RemoteToken",
]

# mqtt + commands (helper "mqtt")
__all__ += [
    "WAKE_UP_LIMIT",
    "WAKE_UP_WINDOW",
    "CommandChannel",
    "CommandTokens",
    "RemoteCommander",
    "RemoteConnection",
]
