"""Pull: bring what changed on the hub since my last pull into the local project.

``hub.changes`` names what changed on the hub, in ``(xid, seq)`` order, and only rows of
transactions older than every running one are read, so the cursor never passes a row that
commits later (see :mod:`annotator.hub.schema`). For each logged id the current hub row is read
(absent: deleted) and applied locally (:mod:`annotator.hub.apply`). A batch and the cursor
after it are written in one local transaction (``project.atomic()``), so a crash leaves either
both or neither. A first sync, a new assignment, or the lead letting annotators see colleagues'
layers pulls whole documents (a snapshot of what I may read), not the log.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import psycopg

from annotator.hub.apply import (
    DECISION_COLUMNS,
    RELATION_COLUMNS,
    SPAN_COLUMNS,
    PullBatch,
    apply_batch,
)
from annotator.hub.client import HubSession
from annotator.hub.push import Pending
from annotator.hub.report import START, SyncReport, save_state, sync_state
from annotator.hub.schema import REVIEWED_LAYER, SEE_COLLEAGUES
from annotator.store import Project

PULL_BATCH = 5000  # change-log rows per pull transaction
SKIP_AHEAD = 1000  # transactions of others after which an idle pull moves its cursor on

__all__ = ["PULL_BATCH", "pull"]


def pull(project: Project, session: HubSession, report: SyncReport) -> None:
    """Apply what changed on the hub since my last pull, batch by batch. My own layer's rows
    come too (written from another machine of mine, or my own writes coming back: then equal
    to the local row), except over my pending local changes."""
    pending = Pending.of(project, session)
    while True:
        state = sync_state(project, session)
        batch, rows = _read_batch(project, session, state)
        if rows == 0 and not batch:
            return
        with project.atomic():
            pending.catch_up(project, session)  # what was written since, inside the lock
            apply_batch(project, session, batch, report, pending.ids)
            state = sync_state(project, session)  # read again inside the transaction
            state["pulled"] = batch.cursor
            if batch.assigned is not None:
                state["assigned"] = batch.assigned
            save_state(project, state)
            pending.seen = project.last_history_id()  # the rows just written are the hub's
        if rows < PULL_BATCH and not batch.snapshot:
            return


def _read_batch(project: Project, session: HubSession,
                state: dict[str, Any]) -> tuple[PullBatch, int]:
    conn = session.conn
    me = session.user
    with conn.transaction():
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        sees_all = session.role in ("reviewer", "lead")
        colleagues = sees_all or bool(conn.execute(
            "SELECT hub.colleagues_visible()").fetchone()[0])
        layers = {r[0] for r in conn.execute("SELECT name FROM hub.members")}
        layers.add(REVIEWED_LAYER)
        if list(state["pulled"]) == START:
            # A first sync: the documents as they are now, then the log from here on.
            xmin = conn.execute("SELECT pg_snapshot_xmin(pg_current_snapshot())::text"
                                ).fetchone()[0]
            batch = PullBatch(cursor=[xmin, -1], sees_colleagues=colleagues, layers=layers)
            batch.labels = _read_labels(conn)
            batch.relation_types = _read_relation_types(conn)
            shas = [r[0] for r in conn.execute("SELECT sha256 FROM hub.documents")]
            batch.assigned = _read_assigned(conn)
            _read_snapshot(conn, project, batch, shas)
            return batch, 0
        rows = conn.execute(
            "SELECT xid::text, seq, entity, entity_id, document_sha, layer, writer "
            "FROM hub.changes WHERE (xid, seq) > (%s::xid8, %s) "
            "AND xid < pg_snapshot_xmin(pg_current_snapshot()) ORDER BY xid, seq LIMIT %s",
            [state["pulled"][0], state["pulled"][1], PULL_BATCH]).fetchall()
        xmin = conn.execute("SELECT pg_snapshot_xmin(pg_current_snapshot())::text"
                            ).fetchone()[0]
        # Fewer rows than asked for: every row I may read below xmin has been read, so the
        # cursor may move up to xmin (past rows I may not read: they are never scanned again).
        end = [xmin, -1] if len(rows) < PULL_BATCH else [rows[-1][0], rows[-1][1]]
        if not rows:
            moved = int(xmin) - int(state["pulled"][0]) > SKIP_AHEAD
            return PullBatch(cursor=end if moved else list(state["pulled"]),
                          skipped_ahead=moved), 0
        batch = PullBatch(cursor=end, sees_colleagues=colleagues, layers=layers)
        span_ids: dict[str, None] = {}
        decision_ids: dict[str, None] = {}
        relation_ids: dict[str, None] = {}
        documents: dict[str, None] = {}
        snapshot: dict[str, None] = {}
        for _xid, _seq, entity, entity_id, document_sha, layer, writer in rows:
            if entity == "span":
                span_ids[entity_id] = None
                batch.writers[entity_id] = writer
            elif entity == "relation":
                relation_ids[entity_id] = None
                batch.writers[entity_id] = writer
            elif entity == "decision":
                decision_ids[entity_id] = None
                batch.writers[entity_id] = writer
            elif entity == "label":
                batch.labels = []
                batch.lead = writer
            elif entity == "relation_type":
                batch.relation_types = []
                batch.lead = writer
            elif entity == "document":
                documents[entity_id] = None
            elif entity == "assignment" and layer == me:
                snapshot[document_sha] = None
                batch.assigned = []
            elif entity == "setting" and entity_id == SEE_COLLEAGUES and not sees_all:
                batch.assigned = []
                if colleagues:
                    snapshot.update(dict.fromkeys(_read_assigned(conn)))
        if batch.labels is not None:
            batch.labels = _read_labels(conn)
        if batch.relation_types is not None:
            batch.relation_types = _read_relation_types(conn)
        if relation_ids:
            found = {r[0]: r for r in conn.execute(
                f"SELECT {RELATION_COLUMNS} FROM hub.relations WHERE id = ANY(%s)",
                [list(relation_ids)])}
            batch.relations = {i: found.get(i) for i in relation_ids}
        if batch.assigned is not None:
            batch.assigned = _read_assigned(conn)
        if span_ids:
            found = {r[0]: r for r in conn.execute(
                f"SELECT {SPAN_COLUMNS} FROM hub.spans WHERE id = ANY(%s)", [list(span_ids)])}
            batch.spans = {i: found.get(i) for i in span_ids}
            documents.update(dict.fromkeys(r[1] for r in found.values()))
        if decision_ids:
            found = {r[0]: r for r in conn.execute(
                f"SELECT {DECISION_COLUMNS} FROM hub.decisions WHERE id = ANY(%s)",
                [list(decision_ids)])}
            batch.decisions = {i: found.get(i) for i in decision_ids}
            documents.update(dict.fromkeys(r[1] for r in found.values()))
        _read_documents(conn, project, batch, documents)
        if snapshot:
            _read_snapshot(conn, project, batch, list(snapshot))
        local_labels = {lab.name for lab in project.labels()}
        rows_read = [r for r in batch.spans.values() if r is not None]
        rows_read += [r for group in batch.snapshot.values() for r in group]
        if batch.labels is None and any(r[4] not in local_labels for r in rows_read):
            batch.hub_labels = _read_labels(conn)
        return batch, len(rows)


def _read_labels(conn: psycopg.Connection) -> list[tuple[Any, ...]]:
    return conn.execute("SELECT name, color, key, description, attributes FROM hub.labels "
                        "ORDER BY position, name").fetchall()


def _read_relation_types(conn: psycopg.Connection) -> list[tuple[Any, ...]]:
    return conn.execute("SELECT name, color, key, description, head_labels, tail_labels "
                        "FROM hub.relation_types ORDER BY position, name").fetchall()


def _read_assigned(conn: psycopg.Connection) -> list[str]:
    return [r[0] for r in conn.execute(
        "SELECT document_sha FROM hub.assignments WHERE member = current_user "
        "ORDER BY document_sha")]


def _read_documents(conn: psycopg.Connection, project: Project, batch: PullBatch,
                    shas: Iterable[str]) -> None:
    """The hub documents among ``shas`` that the project does not have yet (readable ones)."""
    shas = list(shas)
    have = project.documents_by_sha256(shas)
    missing = [s for s in shas if s not in have and s not in batch.documents]
    if missing:
        for row in conn.execute("SELECT sha256, uid, name, text, meta FROM hub.documents "
                                "WHERE sha256 = ANY(%s)", [missing]):
            batch.documents[row[0]] = row


def _read_snapshot(conn: psycopg.Connection, project: Project, batch: PullBatch,
                   shas: list[str]) -> None:
    """Whole documents: their text (when new here), every span, relation and decision I may
    read (my own layer's too: a second machine of mine gets them this way)."""
    _read_documents(conn, project, batch, shas)
    for sha in shas:
        batch.snapshot.setdefault(sha, [])
        batch.snapshot_decisions.setdefault(sha, [])
    for row in conn.execute(f"SELECT {SPAN_COLUMNS} FROM hub.spans WHERE document_sha = "
                            f"ANY(%s)", [shas]):
        batch.snapshot[row[1]].append(row)
    for row in conn.execute(f"SELECT {DECISION_COLUMNS} FROM hub.decisions WHERE "
                            f"document_sha = ANY(%s)", [shas]):
        batch.snapshot_decisions[row[1]].append(row)
    for row in conn.execute(f"SELECT {RELATION_COLUMNS} FROM hub.relations WHERE "
                            f"document_sha = ANY(%s)", [shas]):
        batch.snapshot_relations.setdefault(row[1], []).append(row)
