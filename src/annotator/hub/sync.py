"""Sync a local project with the hub: push my changes, then pull everything else.

- :mod:`annotator.hub.push`: my layer's local changes since the last push, batch by batch;
- :mod:`annotator.hub.pull`: what changed on the hub since my last pull (the change log, or
  whole documents on a first sync or a new assignment), read in one snapshot per batch;
- :mod:`annotator.hub.apply` and :mod:`annotator.hub.labelset`: writing a pulled batch into
  the project through its own methods (history rows ``NAME (hub)``), in one transaction
  with the new cursor;
- :mod:`annotator.hub.report`: what a sync reports and the sync state kept in the project.

Everything is resumable: kill the process or drop the connection at any point, and the next
sync completes the work with nothing lost and nothing doubled.
"""

from __future__ import annotations

import time

import psycopg

from annotator.hub.client import HubError, HubSession, refused
from annotator.hub.pull import pull
from annotator.hub.push import push
from annotator.hub.report import SyncReport
from annotator.hub.state import HUB_MARK, STATE_KEY, URL_KEY, pending_changes
from annotator.store import Project

__all__ = ["HUB_MARK", "STATE_KEY", "SyncReport", "URL_KEY", "pending_changes", "pull", "push",
           "sync"]


def sync(project: Project, session: HubSession) -> SyncReport:
    """Push my changes, then pull everything else; returns what moved."""
    if session.role is None:
        raise HubError(f"{session.user} is not a member of this hub; a lead adds members "
                       f"with 'annotator hub add-member'")
    started = time.perf_counter()
    report = SyncReport()
    try:
        push(project, session, report)
        report.push_seconds = time.perf_counter() - started
        pull(project, session, report)
        report.pull_seconds = time.perf_counter() - started - report.push_seconds
    except psycopg.Error as exc:
        raise refused(exc, "sync") from None
    report.seconds = time.perf_counter() - started
    return report
