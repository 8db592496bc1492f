"""Where Home Assistant's API differs across the versions we support (2025.4 to the newest).

Each name here says which versions take which path, so that dropping an old version is a
matter of deleting its branch.
"""

from __future__ import annotations

from homeassistant.config_entries import OptionsFlow
from homeassistant.const import MAJOR_VERSION, MINOR_VERSION

try:
    # Home Assistant 2025.8+: the options flow manager reloads the entry after the options
    # changed. 2026.12 stops letting a config flow reload an entry that has an update listener,
    # so on these versions the integration registers none.
    from homeassistant.config_entries import OptionsFlowWithReload as OptionsFlowBase

    OPTIONS_NEED_LISTENER = False
except ImportError:  # Home Assistant 2025.4 to 2025.7: an update listener applies the options
    OptionsFlowBase = OptionsFlow  # type: ignore[misc,assignment]
    OPTIONS_NEED_LISTENER = True

# Home Assistant 2025.12+ (core PR 153550): UpdateFailed(retry_after=...) makes the coordinator
# wait out a rate limit. 2025.4 to 2025.11 have no such argument (it raises TypeError there):
# they get the planner's own wait (no request goes out before the deadline either way).
UPDATE_FAILED_TAKES_RETRY_AFTER = (MAJOR_VERSION, MINOR_VERSION) >= (2025, 12)

__all__ = ["OPTIONS_NEED_LISTENER", "UPDATE_FAILED_TAKES_RETRY_AFTER", "OptionsFlowBase"]
