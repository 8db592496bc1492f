"""Our own texts in the user's language, for the places Home Assistant does not translate.

Home Assistant translates entity and device names and issue texts, but not a device's model nor
an issue's placeholders; those are read from translations/<language>.json once per setup, in
the language Home Assistant is set to (a change of language shows after a reload).
"""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.helpers.translation import async_get_translations

from .const import DOMAIN


async def async_load_texts(
    hass: HomeAssistant, category: str, prefix: str, suffix: str = ""
) -> dict[str, str]:
    """Our texts of one category, keyed by what stands between ``prefix`` and ``suffix``."""
    texts = await async_get_translations(hass, hass.config.language, category, {DOMAIN})
    start = f"component.{DOMAIN}.{category}.{prefix}"
    return {
        key.removeprefix(start).removesuffix(suffix): text
        for key, text in texts.items()
        if key.startswith(start) and key.endswith(suffix)
    }
