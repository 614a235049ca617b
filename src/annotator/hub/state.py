"""What a project remembers about its hub, readable without the hub's driver.

The hub's address (``URL_KEY``, never with a password) and the sync state (``STATE_KEY``: the
hub and member it belongs to, the history id pushed up to, the change-log cursor, the retry
list) are project settings. This module reads them without importing psycopg, so the window
can show the Team menu and the pending changes even where the ``hub`` extra is not
installed; syncing itself is :mod:`annotator.hub.sync`.
"""

from __future__ import annotations

from typing import Any

from annotator.store import Project

STATE_KEY = "hub.sync"
URL_KEY = "hub.url"
#: The ``who`` suffix of history rows written by a pull: the next push skips them.
HUB_MARK = " (hub)"

__all__ = ["HUB_MARK", "STATE_KEY", "URL_KEY", "hub_url", "pending_changes", "sync_member"]


def hub_url(project: Project) -> str | None:
    """The project's hub address (``annotator hub use URL``), or None."""
    url = project.setting(URL_KEY)
    return url if isinstance(url, str) and url else None


def sync_member(project: Project) -> str | None:
    """The hub member (PostgreSQL role, layer) the project last synced as, or None."""
    state: dict[str, Any] = project.setting(STATE_KEY) or {}
    member = state.get("member")
    return member if isinstance(member, str) else None


#: The history entities a push sends, and the roles whose pushes send them (None: everyone).
_PUSHED: dict[str, tuple[str, ...] | None] = {
    "span": None, "attribute": None, "relation": None, "document": None,
    "decision": ("reviewer", "lead"),
    "label": ("lead",), "label_attribute": ("lead",), "relation_type": ("lead",),
}


def pending_changes(project: Project) -> int:
    """How many of my local changes the next push looks at: history rows since the last push
    of what a push sends (spans, attributes, relations, document statuses; decisions for a
    reviewer; the label set and relation types for a lead), plus the retry list. An upper
    bound on the changes not yet on the hub; 0 when the project never synced."""
    state = project.setting(STATE_KEY)
    if not state:
        return 0
    role = state.get("role")
    count = 0
    for entry in project.history_after(state["pushed"]):
        if entry.who.endswith(HUB_MARK) or entry.entity not in _PUSHED:
            continue
        if entry.entity == "document" and entry.action != "status":
            continue
        roles = _PUSHED[entry.entity]
        if roles is None or role is None or role in roles:
            count += 1
    return count + len(state.get("retry", []))
