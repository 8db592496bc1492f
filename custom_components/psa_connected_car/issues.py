"""Deleting an entry's repair issues: one rule for the id of every issue of ours.

Every issue id is ``<kind>_<entry_id>``, optionally followed by ``_<what>`` (a VIN, an
alert type): ``invalid_client_<entry>``, ``vehicle_gone_<entry>_<VIN>``,
``vehicle_alert_<entry>_<VIN>_<alert>``. Each module builds its own ids; this only finds them.
"""

from __future__ import annotations

from collections.abc import Collection

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from .const import DOMAIN


def _of_entry(issue_id: str, entry_id: str, kind: str | None) -> bool:
    """Whether ``issue_id`` is one of the entry's issues (of ``kind``, else of any kind)."""
    # The trailing "_" lets an id end with the entry's id; an entry id is never part of a kind.
    found, separator, _ = f"{issue_id}_".partition(f"_{entry_id}_")
    if not separator or not found:
        return False
    return kind is None or found == kind


@callback
def async_delete_issues(
    hass: HomeAssistant, entry_id: str, kind: str | None = None, keep: Collection[str] = ()
) -> None:
    """Delete the entry's issues of ``kind`` (None: all of them), but those in ``keep``."""
    registry = ir.async_get(hass)
    for domain, issue_id in list(registry.issues):
        if domain == DOMAIN and issue_id not in keep and _of_entry(issue_id, entry_id, kind):
            ir.async_delete_issue(hass, DOMAIN, issue_id)
