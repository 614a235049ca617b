"""What a sync reports, and the sync state it keeps in the project (per hub and member)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from annotator.hub.client import HubSession
from annotator.hub.schema import REVIEWED_LAYER
from annotator.hub.state import HUB_MARK, STATE_KEY
from annotator.store import Project

START = ["0", -1]  # a change-log cursor before every change

__all__ = ["START", "SyncReport", "save_state", "sync_state", "writable_layers"]


@dataclass
class SyncReport:
    pushed_spans: int = 0
    pushed_deletes: int = 0
    pushed_decisions: int = 0
    pushed_relations: int = 0
    pulled_spans: int = 0
    pulled_deletes: int = 0
    pulled_decisions: int = 0
    pulled_documents: int = 0
    pulled_relations: int = 0
    labels_changed: bool = False
    waiting: int = 0  # local changes the hub cannot take yet (retry list)
    skipped: list[str] = field(default_factory=list)
    seconds: float = 0.0
    push_seconds: float = 0.0  # of ``seconds``: pushing
    pull_seconds: float = 0.0  # of ``seconds``: pulling

    def summary(self) -> str:
        parts = [f"pushed {self.pushed_spans} span changes, {self.pushed_deletes} deletions"]
        if self.pushed_relations:
            parts.append(f"{self.pushed_relations} relation changes")
        if self.pushed_decisions:
            parts.append(f"{self.pushed_decisions} decisions")
        parts.append(f"pulled {self.pulled_spans} span changes, {self.pulled_deletes} "
                     f"deletions, {self.pulled_relations} relation changes, "
                     f"{self.pulled_decisions} decisions, {self.pulled_documents} documents")
        if self.labels_changed:
            parts.append("the label set changed")
        if self.waiting:
            parts.append(f"{self.waiting} local changes wait (a label or document the hub "
                         f"does not give me yet)")
        return "; ".join(parts) + f" ({self.seconds:.2f} s)"


# -- local state ---------------------------------------------------------------------------


def sync_state(project: Project, session: HubSession) -> dict[str, Any]:
    """The sync state for this hub and member (a fresh one when either changed)."""
    state = project.setting(STATE_KEY) or {}
    if state.get("hub_id") != session.hub_id or state.get("member") != session.user:
        state = {"hub_id": session.hub_id, "member": session.user, "pushed": 0,
                 "pulled": list(START), "retry": [], "assigned": []}
    return {**state, "role": session.role}  # saved with the next change of the state


def save_state(project: Project, state: dict[str, Any]) -> None:
    project.set_setting(STATE_KEY, state, who=state["member"] + HUB_MARK)


def writable_layers(session: HubSession) -> list[str]:
    if session.role in ("reviewer", "lead"):
        return [session.user, REVIEWED_LAYER]
    return [session.user]
