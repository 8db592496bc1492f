"""Remote commands and push events over Stellantis' MQTT remote-services channel.

No Home Assistant import. See docs/ARCHITECTURE.md "Remote commands" for the contract.
"""

from .account import PSARemoteApi, async_pair, mqtt_customer_id
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
from .otp import InWeboClient
from .tokens import RemoteTokenManager

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
# Pairing, OTP codes and MQTT tokens.
__all__ += [
    "InWeboClient",
    "PSARemoteApi",
    "RemoteTokenManager",
    "async_pair",
    "mqtt_customer_id",
]
