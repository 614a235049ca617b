"""What other connections wrote to the project since the window last looked. No Qt.

``ChangeFeed`` watches a project cheaply: ``pending()`` is two tiny reads (SQLite's
``PRAGMA data_version``, which changes only when *another* connection commits, and the newest
history id, which also moves for writes of this process's own connection), a few microseconds
when nothing changed. ``take()`` then hands over the history rows written since, oldest first.

Rows the window wrote itself are harmless to re-apply (the session re-reads state by id), but
they are not news: after each of its own writes the session calls ``settle()``, which skips
them when no other connection committed meanwhile, and ``describe`` words the remaining rows
for the status bar.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import PurePath

from annotator.store import HistoryEntry, Project

__all__ = ["ChangeFeed", "describe", "plain"]


class ChangeFeed:
    """The history rows of ``project`` not yet seen by this window."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.version = project.data_version()
        self.last_seen = project.last_history_id()

    def pending(self) -> bool:
        """True when something was committed since the last ``take`` (the idle poll). Always
        False while this process has a transaction open on the project (an import reporting
        progress runs the event loop mid-transaction): its rows are not committed yet and may
        still be rolled back."""
        project = self.project
        if project.in_transaction:
            return False
        return (project.data_version() != self.version
                or project.last_history_id() != self.last_seen)

    def take(self) -> tuple[list[HistoryEntry], bool]:
        """The rows written since the last look, and whether another connection committed
        (False: every row came through this process's own connection)."""
        version = self.project.data_version()  # read first: a later commit is seen next time
        foreign = version != self.version
        rows = self.project.history_after(self.last_seen)
        self.version = version
        if rows:
            self.last_seen = rows[-1].id
        return rows, foreign

    def settle(self) -> bool:
        """After a write of this window: mark its rows seen if no other connection committed
        meanwhile (True); otherwise leave them for ``take`` (False)."""
        top = self.project.last_history_id()  # before data_version: a commit in between shows
        if self.project.data_version() != self.version:
            return False
        self.last_seen = max(self.last_seen, top)
        return True


_UNSAFE = {"Cc", "Cf", "Zl", "Zp", "Co", "Cs"}


def plain(text: object) -> str:
    """``text`` with control, format (bidi, zero-width) and line-separator characters shown as
    ``\\uXXXX``: a name written elsewhere must not restyle or reorder the status bar."""
    return "".join(
        f"\\u{ord(ch):04x}" if unicodedata.category(ch) in _UNSAFE else ch for ch in str(text))


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _phrases(rows: Sequence[HistoryEntry]) -> list[str]:
    counts: dict[str, int] = {}
    named: list[str] = []
    sources: set[str] = set()
    imported = 0
    for row in rows:
        entity, action = row.entity, row.action
        if entity == "span" and action == "import":
            after = row.after if isinstance(row.after, dict) else {}
            imported += len(after.get("span_ids", ()))
            if after.get("source"):
                sources.add(PurePath(str(after["source"])).name)
        elif entity == "span":
            verb = {"add": "added", "update": "changed", "delete": "deleted"}.get(action, action)
            counts[f"{verb} span"] = counts.get(f"{verb} span", 0) + 1
        elif entity == "relation":
            if action == "import":
                after = row.after if isinstance(row.after, dict) else {}
                n, verb = len(after.get("relation_ids", ())), "imported"
            else:
                n = 1
                verb = {"add": "added", "update": "changed", "delete": "deleted"}.get(
                    action, action)
            counts[f"{verb} relation"] = counts.get(f"{verb} relation", 0) + n
        elif entity == "attribute":
            verb = "cleared" if action == "clear" else "set"
            counts[f"{verb} attribute"] = counts.get(f"{verb} attribute", 0) + 1
        elif entity in ("relation_type", "label_attribute"):
            what = "relation type" if entity == "relation_type" else "attribute"
            verb = {"add": "added", "update": "changed", "move": "moved",
                    "remove": "removed"}.get(action, action)
            named.append(f"{verb} {what} {plain(row.entity_id)!r}")
        elif entity == "label":
            name = plain(row.entity_id)
            if action == "update" and isinstance(row.before, dict) and isinstance(row.after, dict) \
                    and row.before.get("name") != row.after.get("name"):
                named.append(f"renamed label {name!r} to {plain(row.after.get('name'))!r}")
            else:
                verb = {"add": "added", "update": "changed", "move": "moved",
                        "remove": "removed"}.get(action, action)
                named.append(f"{verb} label {name!r}")
        elif entity == "document":
            key = {"add": "added document", "status": "set the status of document",
                   "review status": "set the review status of document"}.get(
                       action, f"{action} document")
            counts[key] = counts.get(key, 0) + 1
        elif entity == "setting":
            named.append(f"changed setting {plain(row.entity_id)!r}")
        else:
            key = {"decision": "review decision", "alias": "alias"}.get(entity, entity)
            counts[f"{action} {key}"] = counts.get(f"{action} {key}", 0) + 1
    out: list[str] = []
    if imported or sources:
        where = f" from {plain(', '.join(sorted(sources)))}" if sources else ""
        out.append(f"imported {_plural(imported, 'span')}{where}")
    for key, n in counts.items():
        verb, _, noun = key.rpartition(" ")
        out.append(f"{verb} {_plural(n, noun)}")
    return out + named


def describe(rows: Iterable[HistoryEntry], limit: int = 4) -> str:
    """``3 changes from elsewhere: hana added label 'secret'; bob imported 40 spans from
    a.jsonl`` (at most ``limit`` phrases, then "…")."""
    # The hub sync's own bookkeeping (its cursor, a setting "hub.*") is no news to the user.
    rows = [r for r in rows if not (r.entity == "setting" and str(r.entity_id).startswith("hub."))]
    if not rows:
        return ""
    by_who: dict[str, list[HistoryEntry]] = {}
    for row in rows:
        by_who.setdefault(row.who, []).append(row)
    parts: list[str] = []
    for who, own in by_who.items():
        phrases = _phrases(own)
        parts.append(f"{plain(who)} " + ", ".join(phrases))
    text = "; ".join(parts[:limit]) + ("; …" if len(parts) > limit else "")
    return f"{_plural(len(rows), 'change')} from elsewhere: {text}"
