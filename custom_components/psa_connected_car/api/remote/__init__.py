"""Remote commands and push events over Stellantis' MQTT remote-services channel.

No Home Assistant import. See docs/ARCHITECTURE.md "Remote commands" for the contract.
"""

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
