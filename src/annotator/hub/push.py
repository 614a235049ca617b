"""Push: send my layer's local changes since the last push to the hub.

The local history (``Project.history_after``) names what changed since the last push: spans
(and, for a reviewer, review decisions; for a lead, the label set; document statuses as
progress). For each touched id the *current* local state is sent: present means upsert,
absent means delete. The upsert is keyed by id and changes a hub row only when it differs and
is not newer, so sending a batch twice changes nothing. Each batch is one PostgreSQL
transaction; the local cursor (the history id pushed up to) moves only after that commit.
Rows PostgreSQL would refuse (a label the hub lacks, a document not assigned to me) are not
sent: their ids wait in a retry list and go with every later push.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import psycopg

from annotator.domain.errors import AnnotatorError
from annotator.domain.spans import Span
from annotator.hub.admin import push_labels, push_relation_types
from annotator.hub.client import HubSession
from annotator.hub.report import SyncReport, save_state, sync_state, writable_layers
from annotator.hub.state import HUB_MARK
from annotator.store import Project

PUSH_BATCH = 5000  # history rows per push transaction

__all__ = ["PUSH_BATCH", "Pending", "push"]


@dataclass
class _Touched:
    spans: dict[str, None] = field(default_factory=dict)
    relations: dict[str, None] = field(default_factory=dict)
    decisions: dict[str, None] = field(default_factory=dict)
    documents: dict[int, None] = field(default_factory=dict)  # status changes
    labels: bool = False
    renames: list[tuple[str, str]] = field(default_factory=list)
    relation_types: bool = False
    type_renames: list[tuple[str, str]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.spans or self.relations or self.decisions or self.documents
                    or self.labels or self.relation_types)


def _touched(entries: Iterable[Any], session: HubSession) -> _Touched:
    touched = _Touched()
    lead = session.role == "lead"
    reviewer = session.role in ("reviewer", "lead")
    for entry in entries:
        if entry.who.endswith(HUB_MARK):
            continue
        if entry.entity in ("span", "attribute"):
            if entry.entity_id is not None:
                touched.spans[entry.entity_id] = None
            elif isinstance(entry.after, dict):
                for span_id in entry.after.get("span_ids", ()):
                    touched.spans[span_id] = None
        elif entry.entity == "relation":
            if entry.entity_id is not None:
                touched.relations[entry.entity_id] = None
            elif isinstance(entry.after, dict):
                for relation_id in entry.after.get("relation_ids", ()):
                    touched.relations[relation_id] = None
        elif entry.entity == "relation_type" and lead:
            touched.relation_types = True
            before, after = entry.before, entry.after
            if (entry.action == "update" and isinstance(before, dict)
                    and isinstance(after, dict) and before.get("name") != after.get("name")):
                touched.type_renames.append((before["name"], after["name"]))
        elif entry.entity == "decision" and reviewer and entry.entity_id:
            touched.decisions[entry.entity_id] = None
        elif entry.entity in ("label", "label_attribute") and lead:
            touched.labels = True
            before, after = entry.before, entry.after
            if (entry.action == "update" and isinstance(before, dict)
                    and isinstance(after, dict) and before.get("name") != after.get("name")):
                touched.renames.append((before["name"], after["name"]))
        elif entry.entity == "document" and entry.action == "status" and entry.document_id:
            touched.documents[entry.document_id] = None
    return touched


@dataclass
class Pending:
    """The ids of my local changes the hub may not have yet (spans, relations, decisions):
    those the local history names after the push cursor (written by anyone but a pull) and
    the retry list. A pull never overwrites or deletes one of these with the hub's row: the
    next push sends it instead. ``catch_up`` reads the history rows written since it last
    looked (a window may write between two pull batches)."""

    seen: int  # the history id looked at up to
    ids: set[str] = field(default_factory=set)

    @classmethod
    def of(cls, project: Project, session: HubSession) -> Pending:
        state = sync_state(project, session)
        pending = cls(state["pushed"])
        for item in state.get("retry", []):
            pending.ids.add(item[2:] if item.startswith("r:") else item)
        pending.catch_up(project, session)
        return pending

    def catch_up(self, project: Project, session: HubSession) -> None:
        entries = project.history_after(self.seen)
        if entries:
            touched = _touched(entries, session)
            self.ids.update(touched.spans, touched.relations, touched.decisions)
            self.seen = entries[-1].id


def push(project: Project, session: HubSession, report: SyncReport) -> None:
    """Send my changes since the last push, one hub transaction per batch."""
    state = sync_state(project, session)
    cursor = state["pushed"]
    retry_in = list(state.get("retry", []))
    retry_out: list[str] = []
    skipped = 0
    first = True
    while True:
        entries = project.history_after(cursor, limit=PUSH_BATCH)
        touched = _touched(entries, session)
        if first:
            for item in retry_in:  # what the hub could not take last time
                if item.startswith("r:"):
                    touched.relations.setdefault(item[2:], None)
                else:
                    touched.spans.setdefault(item, None)
            first = False
        last = entries[-1].id if entries else cursor
        if touched:
            failed = _push_batch(project, session, touched, report)
            retry_out = list(dict.fromkeys([*retry_out, *failed]))
            state = {**state, "pushed": last, "retry": retry_out}
            save_state(project, state)  # only after the hub committed the batch
            skipped = 0
        else:
            skipped += len(entries)
        cursor = last
        if len(entries) < PUSH_BATCH:
            break
    if skipped >= 500:  # a long run of rows that were not mine: step over them for good
        state = {**state, "pushed": cursor}
        save_state(project, state)
    report.waiting = len(state.get("retry", []))


def _push_batch(project: Project, session: HubSession, touched: _Touched,
                report: SyncReport) -> list[str]:
    """One hub transaction: labels (lead), span deletions and upserts, decisions, progress.
    Returns the span ids that could not be sent (to retry)."""
    writable = set(writable_layers(session))
    present = project.existing_span_ids(touched.spans)
    local = [project.span(i) for i in touched.spans if i in present]
    local = [s for s in local if s.annotator in writable]
    gone = [i for i in touched.spans if i not in present]
    shas = _document_shas(project, {s.document_id for s in local} | set(touched.documents))
    conn = session.conn
    waiting: list[str] = []
    with conn.transaction():
        if touched.labels:
            for old, new in touched.renames:
                conn.execute("UPDATE hub.labels SET name = %s WHERE name = %s AND NOT EXISTS "
                             "(SELECT 1 FROM hub.labels WHERE name = %s)", [new, old, new])
            push_labels(conn, project)
        if touched.relation_types:
            for old, new in touched.type_renames:
                conn.execute("UPDATE hub.relation_types SET name = %s WHERE name = %s AND NOT "
                             "EXISTS (SELECT 1 FROM hub.relation_types WHERE name = %s)",
                             [new, old, new])
            push_relation_types(conn, project)
        hub_labels = {r[0] for r in conn.execute("SELECT name FROM hub.labels")}
        visible = {r[0] for r in conn.execute(
            "SELECT sha256 FROM hub.documents WHERE sha256 = ANY(%s)", [list(shas.values())])}
        sendable = []
        for span in local:
            if span.label in hub_labels and shas.get(span.document_id) in visible:
                sendable.append(span)
            else:
                waiting.append(span.id)
        if gone:
            cur = conn.execute("DELETE FROM hub.spans WHERE id = ANY(%s) AND annotator = ANY(%s)",
                               [gone, list(writable)])
            report.pushed_deletes += cur.rowcount
        if sendable:
            report.pushed_spans += _upsert_spans(conn, sendable, shas)
        if touched.relations:
            waiting += _push_relations(project, session, touched.relations, writable, report)
        if touched.decisions:
            report.pushed_decisions += _push_decisions(project, session, touched.decisions)
        if touched.documents:
            rows = [(shas[d], project.document(d).status) for d in touched.documents
                    if d in shas]
            rows = [r for r in rows if r[0] in visible]
            with conn.cursor() as cur:
                cur.executemany(
                    "INSERT INTO hub.progress (document_sha, member, status) "
                    "SELECT %s, current_user, %s WHERE EXISTS "
                    "(SELECT 1 FROM hub.documents WHERE sha256 = %s) "
                    "ON CONFLICT (document_sha, member) DO UPDATE SET status = EXCLUDED.status, "
                    "updated_at = now() WHERE hub.progress.status <> EXCLUDED.status",
                    [(sha, status, sha) for sha, status in rows])
    return waiting


def _push_relations(project: Project, session: HubSession, ids: Iterable[str],
                    writable: set[str], report: SyncReport) -> list[str]:
    """Relation deletions and upserts (after the spans, inside the batch's transaction).
    A relation whose ends or type the hub does not have yet waits (returned, ``r:`` ids)."""
    conn = session.conn
    local, gone = [], []
    for relation_id in ids:
        try:
            relation = project.relation(relation_id)
        except (KeyError, AnnotatorError):
            gone.append(relation_id)
            continue
        if relation.annotator in writable:
            local.append(relation)
    if gone:
        report.pushed_relations += conn.execute(
            "DELETE FROM hub.relations WHERE id = ANY(%s) AND annotator = ANY(%s)",
            [gone, list(writable)]).rowcount
    if not local:
        return []
    ends = list({r.head for r in local} | {r.tail for r in local})
    on_hub = {r[0]: r[1] for r in conn.execute(
        "SELECT id, document_sha FROM hub.spans WHERE id = ANY(%s)", [ends])}
    types = {r[0] for r in conn.execute("SELECT name FROM hub.relation_types")}
    waiting, rows = [], []
    for r in local:
        if r.head in on_hub and r.tail in on_hub and r.type in types:
            rows.append((r.id, on_hub[r.head], r.head, r.tail, r.type, r.annotator, r.note,
                         r.created_at, r.updated_at))
        else:
            waiting.append("r:" + r.id)
    with conn.cursor() as cur:
        for row in rows:
            cur.execute(
                "INSERT INTO hub.relations AS h (id, document_sha, head, tail, label, annotator, "
                "note, created_at, updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) "
                "ON CONFLICT (id) DO UPDATE SET head = EXCLUDED.head, tail = EXCLUDED.tail, "
                "label = EXCLUDED.label, note = EXCLUDED.note, updated_at = EXCLUDED.updated_at, "
                "written_by = current_user WHERE (h.head, h.tail, h.label, h.note, h.updated_at) "
                "IS DISTINCT FROM (EXCLUDED.head, EXCLUDED.tail, EXCLUDED.label, EXCLUDED.note, "
                "EXCLUDED.updated_at) AND h.updated_at <= EXCLUDED.updated_at", row)
            report.pushed_relations += cur.rowcount
    return waiting


def _document_shas(project: Project, ids: Iterable[int]) -> dict[int, str]:
    out = {}
    for doc_id in ids:
        try:
            out[doc_id] = project.document(doc_id).sha256
        except KeyError:
            pass
    return out


def _upsert_spans(conn: psycopg.Connection, spans: Sequence[Span], shas: dict[int, str]) -> int:
    cols: list[list[Any]] = [[] for _ in range(11)]
    for s in spans:
        values = (s.id, shas[s.document_id], s.start, s.end, s.label, s.annotator, s.note,
                  None if s.value is None else json.dumps(s.value, ensure_ascii=False),
                  json.dumps(getattr(s, "attributes", None) or {}, ensure_ascii=False),
                  s.created_at, s.updated_at)
        for column, value in zip(cols, values, strict=True):
            column.append(value)
    cur = conn.execute(
        'INSERT INTO hub.spans AS h (id, document_sha, start, "end", label, annotator, note, '
        "value, attributes, created_at, updated_at) "
        "SELECT i, d, s, e, l, a, n, v::jsonb, t::jsonb, c, u FROM unnest(%s::text[], "
        "%s::text[], %s::int[], %s::int[], %s::text[], %s::text[], %s::text[], %s::text[], "
        "%s::text[], %s::text[], %s::text[]) AS x(i, d, s, e, l, a, n, v, t, c, u) "
        'ON CONFLICT (id) DO UPDATE SET start = EXCLUDED.start, "end" = EXCLUDED."end", '
        "label = EXCLUDED.label, note = EXCLUDED.note, value = EXCLUDED.value, "
        "attributes = EXCLUDED.attributes, updated_at = EXCLUDED.updated_at, "
        "written_by = current_user "
        'WHERE (h.start, h."end", h.label, h.note, h.value, h.attributes, h.updated_at) '
        'IS DISTINCT FROM (EXCLUDED.start, EXCLUDED."end", EXCLUDED.label, EXCLUDED.note, '
        "EXCLUDED.value, EXCLUDED.attributes, EXCLUDED.updated_at) "
        "AND h.updated_at <= EXCLUDED.updated_at", cols)
    return cur.rowcount


def _push_decisions(project: Project, session: HubSession, ids: Iterable[str]) -> int:
    conn = session.conn
    rows, gone = [], []
    for decision_id in ids:
        try:
            d = project.decision(decision_id)
        except KeyError:
            gone.append(decision_id)
            continue
        if d.who != session.user:
            continue
        rows.append((d.id, project.document(d.document_id).sha256, d.decision,
                     json.dumps(d.source_spans, ensure_ascii=False), d.result_span_id,
                     d.reason, d.who, d.at))
    count = 0
    if gone:
        count += conn.execute("DELETE FROM hub.decisions WHERE id = ANY(%s) AND "
                              "written_by = current_user", [gone]).rowcount
    with conn.cursor() as cur:
        for row in rows:
            cur.execute(
                "INSERT INTO hub.decisions (id, document_sha, decision, source_spans, "
                "result_span_id, reason, who, at) SELECT %s, %s, %s, %s::jsonb, %s, %s, %s, %s "
                "WHERE EXISTS (SELECT 1 FROM hub.documents WHERE sha256 = %s) "
                "ON CONFLICT (id) DO NOTHING", [*row, row[1]])
            count += cur.rowcount
    return count
