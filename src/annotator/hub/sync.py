"""Sync a local project with the hub: push my changes, pull everyone else's.

**Push.** The local history (``Project.history_after``) names what changed since the last push:
spans (and, for a reviewer, review decisions; for a lead, the label set; document statuses
as progress). For each touched id the *current* local state is sent: present means upsert,
absent means delete. The upsert is keyed by id and changes a hub row only when it differs and
is not newer, so sending a batch twice changes nothing. Each batch is one PostgreSQL
transaction; the local cursor (the history id pushed up to) moves only after that commit.
Rows PostgreSQL would refuse (a label the hub lacks, a document not assigned to me) are not
sent: their ids wait in a retry list and go with every later push.

**Pull.** ``hub.changes`` names what changed on the hub, in ``(xid, seq)`` order, and only rows
of transactions older than every running one are read, so the cursor never passes a row that
commits later (see :mod:`annotator.hub.schema`). For each logged id the current hub row is
read (absent: deleted) and applied locally; my own writes are skipped. A batch and the cursor
after it are written in one local transaction (``project.atomic()``), so a crash leaves either
both or neither. A first sync, a new assignment, or the lead letting annotators see colleagues'
layers pulls whole documents (a snapshot of what I may read), not the log.

Pulled changes are written through :class:`annotator.store.Project`'s methods, with history
rows whose ``who`` is ``NAME (hub)``: a window showing the project sees them arrive like a
second window's edits, and the next push knows they came from the hub.

Everything is resumable: kill the process or drop the connection at any point, and the next
sync completes the work with nothing lost and nothing doubled.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import psycopg

from annotator.domain.errors import AnnotatorError, LabelError
from annotator.domain.labels import Label
from annotator.domain.relations import Attribute, Relation, RelationType
from annotator.domain.spans import Span
from annotator.hub.admin import push_labels, push_relation_types
from annotator.hub.client import HubError, HubSession, refused
from annotator.hub.schema import REVIEWED_LAYER, SEE_COLLEAGUES
from annotator.hub.state import HUB_MARK, STATE_KEY, URL_KEY, pending_changes
from annotator.store import Project

PUSH_BATCH = 5000  # history rows per push transaction
PULL_BATCH = 5000  # change-log rows per pull transaction
_START = ["0", -1]  # before every change
SKIP_AHEAD = 1000  # transactions of others after which an idle pull moves its cursor on

__all__ = ["HUB_MARK", "STATE_KEY", "SyncReport", "URL_KEY", "pending_changes", "sync"]


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


def _state(project: Project, session: HubSession) -> dict[str, Any]:
    """The sync state for this hub and member (a fresh one when either changed)."""
    state = project.setting(STATE_KEY) or {}
    if state.get("hub_id") != session.hub_id or state.get("member") != session.user:
        state = {"hub_id": session.hub_id, "member": session.user, "pushed": 0,
                 "pulled": list(_START), "retry": [], "assigned": []}
    return {**state, "role": session.role}  # saved with the next change of the state


def _save_state(project: Project, state: dict[str, Any]) -> None:
    project.set_setting(STATE_KEY, state, who=state["member"] + HUB_MARK)


# -- the whole sync -------------------------------------------------------------------------


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


def _writable_layers(session: HubSession) -> list[str]:
    if session.role in ("reviewer", "lead"):
        return [session.user, REVIEWED_LAYER]
    return [session.user]


# -- push ---------------------------------------------------------------------------------


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


def push(project: Project, session: HubSession, report: SyncReport) -> None:
    """Send my changes since the last push, one hub transaction per batch."""
    state = _state(project, session)
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
            _save_state(project, state)  # only after the hub committed the batch
            skipped = 0
        else:
            skipped += len(entries)
        cursor = last
        if len(entries) < PUSH_BATCH:
            break
    if skipped >= 500:  # a long run of rows that were not mine: step over them for good
        state = {**state, "pushed": cursor}
        _save_state(project, state)
    report.waiting = len(state.get("retry", []))


def _push_batch(project: Project, session: HubSession, touched: _Touched,
                report: SyncReport) -> list[str]:
    """One hub transaction: labels (lead), span deletions and upserts, decisions, progress.
    Returns the span ids that could not be sent (to retry)."""
    writable = set(_writable_layers(session))
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


# -- pull ---------------------------------------------------------------------------------

_SPAN_COLUMNS = ('id, document_sha, start, "end", label, annotator, note, value, created_at, '
                 "updated_at, written_by, attributes")
_RELATION_COLUMNS = ("id, document_sha, head, tail, label, annotator, note, created_at, "
                     "updated_at, written_by")
_DECISION_COLUMNS = ("id, document_sha, decision, source_spans, result_span_id, reason, who, "
                     "at, written_by")


@dataclass
class _Batch:
    """What one pull batch read from the hub (in one snapshot)."""

    cursor: list[Any]
    labels: list[tuple[Any, ...]] | None = None  # the whole label set when it changed
    documents: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    spans: dict[str, tuple[Any, ...] | None] = field(default_factory=dict)  # None: deleted
    decisions: dict[str, tuple[Any, ...] | None] = field(default_factory=dict)
    relations: dict[str, tuple[Any, ...] | None] = field(default_factory=dict)
    relation_types: list[tuple[Any, ...]] | None = None
    snapshot_relations: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)
    snapshot: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)  # sha: spans
    snapshot_decisions: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)
    writers: dict[str, str] = field(default_factory=dict)  # entity id: writer
    lead: str = "hub"  # who changed the label set or relation types last
    skipped_ahead: bool = False  # no row for me, but the cursor moves past others' rows
    assigned: list[str] | None = None
    sees_colleagues: bool = False
    layers: set[str] = field(default_factory=set)  # the members' layers and the reviewed one
    hub_labels: list[tuple[Any, ...]] = field(default_factory=list)  # when labels are missing

    def __bool__(self) -> bool:
        return bool(self.skipped_ahead or self.labels is not None or self.documents or self.spans or self.decisions
                    or self.relations or self.relation_types is not None or self.snapshot
                    or self.assigned is not None)


def pull(project: Project, session: HubSession, report: SyncReport) -> None:
    """Apply what changed on the hub since my last pull, batch by batch."""
    while True:
        state = _state(project, session)
        batch, rows = _read_batch(project, session, state)
        if rows == 0 and not batch:
            return
        with project.atomic():
            _apply(project, session, batch, report)
            state = _state(project, session)  # read again inside the transaction
            state["pulled"] = batch.cursor
            if batch.assigned is not None:
                state["assigned"] = batch.assigned
            _save_state(project, state)
        if rows < PULL_BATCH and not batch.snapshot:
            return


def _read_batch(project: Project, session: HubSession,
                state: dict[str, Any]) -> tuple[_Batch, int]:
    conn = session.conn
    me = session.user
    with conn.transaction():
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        sees_all = session.role in ("reviewer", "lead")
        colleagues = sees_all or bool(conn.execute(
            "SELECT hub.colleagues_visible()").fetchone()[0])
        layers = {r[0] for r in conn.execute("SELECT name FROM hub.members")}
        layers.add(REVIEWED_LAYER)
        if list(state["pulled"]) == _START:
            # A first sync: the documents as they are now, then the log from here on.
            xmin = conn.execute("SELECT pg_snapshot_xmin(pg_current_snapshot())::text"
                                ).fetchone()[0]
            batch = _Batch(cursor=[xmin, -1], sees_colleagues=colleagues, layers=layers)
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
            return _Batch(cursor=end if moved else list(state["pulled"]),
                          skipped_ahead=moved), 0
        batch = _Batch(cursor=end, sees_colleagues=colleagues, layers=layers)
        span_ids: dict[str, None] = {}
        decision_ids: dict[str, None] = {}
        relation_ids: dict[str, None] = {}
        documents: dict[str, None] = {}
        snapshot: dict[str, None] = {}
        for _xid, _seq, entity, entity_id, document_sha, layer, writer in rows:
            if entity == "span":
                if writer != me:
                    span_ids[entity_id] = None
                    batch.writers[entity_id] = writer
            elif entity == "relation":
                if writer != me:
                    relation_ids[entity_id] = None
                    batch.writers[entity_id] = writer
            elif entity == "decision":
                if writer != me:
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
                f"SELECT {_RELATION_COLUMNS} FROM hub.relations WHERE id = ANY(%s)",
                [list(relation_ids)])}
            batch.relations = {i: found.get(i) for i in relation_ids}
        if batch.assigned is not None:
            batch.assigned = _read_assigned(conn)
        if span_ids:
            found = {r[0]: r for r in conn.execute(
                f"SELECT {_SPAN_COLUMNS} FROM hub.spans WHERE id = ANY(%s)", [list(span_ids)])}
            batch.spans = {i: found.get(i) for i in span_ids}
            documents.update(dict.fromkeys(r[1] for r in found.values()))
        if decision_ids:
            found = {r[0]: r for r in conn.execute(
                f"SELECT {_DECISION_COLUMNS} FROM hub.decisions WHERE id = ANY(%s)",
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


def _read_documents(conn: psycopg.Connection, project: Project, batch: _Batch,
                    shas: Iterable[str]) -> None:
    """The hub documents among ``shas`` that the project does not have yet (readable ones)."""
    shas = list(shas)
    have = project.documents_by_sha256(shas)
    missing = [s for s in shas if s not in have and s not in batch.documents]
    if missing:
        for row in conn.execute("SELECT sha256, uid, name, text, meta FROM hub.documents "
                                "WHERE sha256 = ANY(%s)", [missing]):
            batch.documents[row[0]] = row


def _read_snapshot(conn: psycopg.Connection, project: Project, batch: _Batch,
                   shas: list[str]) -> None:
    """Whole documents: their text (when new here), every span and decision I may read
    except my own writes."""
    _read_documents(conn, project, batch, shas)
    for sha in shas:
        batch.snapshot.setdefault(sha, [])
        batch.snapshot_decisions.setdefault(sha, [])
    for row in conn.execute(f"SELECT {_SPAN_COLUMNS} FROM hub.spans WHERE document_sha = "
                            f"ANY(%s) AND written_by <> current_user", [shas]):
        batch.snapshot[row[1]].append(row)
    for row in conn.execute(f"SELECT {_DECISION_COLUMNS} FROM hub.decisions WHERE "
                            f"document_sha = ANY(%s) AND written_by <> current_user", [shas]):
        batch.snapshot_decisions[row[1]].append(row)
    for row in conn.execute(f"SELECT {_RELATION_COLUMNS} FROM hub.relations WHERE "
                            f"document_sha = ANY(%s) AND written_by <> current_user", [shas]):
        batch.snapshot_relations.setdefault(row[1], []).append(row)


# -- applying a batch locally (inside project.atomic()) ----------------------------------------


def _apply(project: Project, session: HubSession, batch: _Batch, report: SyncReport) -> None:
    me = session.user
    if batch.labels is not None:
        report.labels_changed |= _apply_labels(project, batch.labels, who=batch.lead + HUB_MARK)
    if batch.relation_types is not None:
        report.labels_changed |= _apply_relation_types(project, batch.relation_types,
                                                       who=batch.lead + HUB_MARK)
    doc_ids: dict[str, int] = {}
    for sha, (_sha, uid, name, text, meta) in batch.documents.items():
        doc, created = project.add_document(name, text, who=batch.lead + HUB_MARK, uid=uid,
                                            meta=meta if isinstance(meta, dict) else {})
        doc_ids[sha] = doc.id
        report.pulled_documents += int(created)
    needed = {r[1] for r in batch.spans.values() if r} | set(batch.snapshot)
    needed |= {r[1] for r in batch.decisions.values() if r}
    doc_ids.update({sha: d.id for sha, d in project.documents_by_sha256(needed).items()})
    local_labels = {lab.name for lab in project.labels()}

    upserts: list[tuple[Any, ...]] = []
    deletes: list[str] = []
    for span_id, row in batch.spans.items():
        if row is None:
            deletes.append(span_id)
        else:
            upserts.append(row)
    known_layers = batch.layers
    for sha, rows in batch.snapshot.items():
        upserts.extend(rows)
        doc_id = doc_ids.get(sha)
        if doc_id is None or not batch.sees_colleagues:
            continue
        on_hub = {r[0] for r in rows}
        for span in project.spans(doc_id):
            if (span.id not in on_hub and span.annotator != me
                    and span.annotator in known_layers):
                deletes.append(span.id)

    # Deletions first: a span moved in its layer may take the place of a deleted one.
    present = project.existing_span_ids(deletes)
    for span_id in deletes:
        if span_id in present:
            span = project.span(span_id)
            if span.annotator == me and batch.writers.get(span_id) is None:
                continue
            project.delete_span(span_id, who=batch.writers.get(span_id, "hub") + HUB_MARK)
            report.pulled_deletes += 1

    if any(r[4] not in local_labels for r in upserts) and batch.hub_labels:
        # A span with a label this project lacks: bring the label set up to date first.
        report.labels_changed |= _apply_labels(project, batch.hub_labels,
                                               who=batch.lead + HUB_MARK)
    _apply_spans(project, upserts, doc_ids, report)

    _apply_relations(project, batch, report, me)

    decisions = [r for r in batch.decisions.values() if r is not None]
    for rows in batch.snapshot_decisions.values():
        decisions.extend(rows)
    for decision_id, row in batch.decisions.items():
        if row is None:
            try:
                project.delete_decision(decision_id, who=batch.writers.get(decision_id, "hub")
                                        + HUB_MARK)
                report.pulled_decisions += 1
            except AnnotatorError:
                pass  # never here
    for row in decisions:
        _apply_decision(project, row, doc_ids, report)


def _span_of(row: tuple[Any, ...], doc_id: int) -> Span:
    span_id, _sha, start, end, label, annotator, note, value, created, updated, _w, attrs = row
    return Span(span_id, doc_id, start, end, label, annotator, note, created, updated, value,
                dict(attrs or {}))


def _apply_spans(project: Project, rows: list[tuple[Any, ...]], doc_ids: dict[str, int],
                 report: SyncReport) -> None:
    spans = [(_span_of(r, doc_ids[r[1]]), r[10]) for r in rows if r[1] in doc_ids]
    present = project.existing_span_ids(s.id for s, _w in spans)
    new: list[tuple[Span, str]] = []
    for span, writer in spans:
        if span.id not in present:
            new.append((span, writer))
            continue
        current = project.span(span.id)
        if current == span:
            continue
        try:
            who = writer + HUB_MARK
            project.update_span(span.id, who=who, label=span.label, start=span.start,
                                end=span.end, note=span.note, value=span.value,
                                updated_at=span.updated_at)
            if current.attributes != span.attributes:
                for name in set(current.attributes) | set(span.attributes):
                    if current.attributes.get(name) != span.attributes.get(name):
                        project.set_span_attribute(span.id, name, span.attributes.get(name),
                                                   who=who, updated_at=span.updated_at)
            report.pulled_spans += 1
        except AnnotatorError as exc:
            report.skipped.append(f"span {span.id}: {exc}")
    by_writer: dict[str, list[Span]] = {}
    for span, writer in new:
        if span.attributes:  # the bulk insert does not carry attributes: one by one
            try:
                project.restore_span(span, who=writer + HUB_MARK)
                report.pulled_spans += 1
            except AnnotatorError as exc:
                report.skipped.append(f"span {span.id}: {exc}")
            continue
        by_writer.setdefault(writer, []).append(span)
    for writer, group in by_writer.items():
        try:
            report.pulled_spans += project.add_spans_bulk(group, who=writer + HUB_MARK,
                                                          source="hub")
        except AnnotatorError:
            for span in group:  # one by one, to keep all but the span that cannot be
                try:
                    project.restore_span(span, who=writer + HUB_MARK)
                    report.pulled_spans += 1
                except AnnotatorError as exc:
                    report.skipped.append(f"span {span.id}: {exc}")


def _relation_of(row: tuple[Any, ...], doc_id: int) -> Relation:
    relation_id, _sha, head, tail, type_, annotator, note, created, updated, _w = row
    return Relation(relation_id, doc_id, head, tail, type_, annotator, note, created, updated)


def _apply_relations(project: Project, batch: _Batch, report: SyncReport, me: str) -> None:
    """Relations after their spans: deletions, then new ones and changed ones."""
    rows = [r for r in batch.relations.values() if r is not None]
    for group in batch.snapshot_relations.values():
        rows.extend(group)
    gone = [i for i, r in batch.relations.items() if r is None]
    if batch.sees_colleagues:
        for sha, group in batch.snapshot_relations.items():
            on_hub = {r[0] for r in group}
            doc = project.document_by_sha256(sha)
            if doc is None:
                continue
            gone.extend(r.id for r in project.relations(doc.id)
                        if r.id not in on_hub and r.annotator != me
                        and r.annotator in batch.layers)
    for relation_id in gone:
        try:
            project.delete_relation(relation_id, who=batch.writers.get(relation_id, "hub")
                                    + HUB_MARK)
            report.pulled_relations += 1
        except (KeyError, AnnotatorError):
            pass  # not here (or gone with its span)
    docs = project.documents_by_sha256({r[1] for r in rows})
    for row in rows:
        doc = docs.get(row[1])
        if doc is None:
            continue
        relation = _relation_of(row, doc.id)
        who = row[9] + HUB_MARK
        try:
            try:
                current = project.relation(relation.id)
            except KeyError:
                current = None
            if current is None:
                project.restore_relation(relation, who=who)
            elif current != relation:
                project.update_relation(relation.id, who=who, type=relation.type,
                                        head=relation.head, tail=relation.tail,
                                        note=relation.note, updated_at=relation.updated_at,
                                        check_labels=False)
            else:
                continue
            report.pulled_relations += 1
        except AnnotatorError as exc:
            report.skipped.append(f"relation {relation.id}: {exc}")


def _apply_relation_types(project: Project, rows: list[tuple[Any, ...]], *, who: str) -> bool:
    """Make the project's relation types the hub's (types used by local relations are
    kept). True when anything changed."""
    changed = False
    hub = [RelationType(name, color, key, description or "", tuple(heads or ()),
                        tuple(tails or ())) for name, color, key, description, heads, tails in rows]
    names = {rt.name for rt in hub}
    local = {rt.name: rt for rt in project.relation_types()}
    for rt in local.values():  # free keys that move to another type
        if rt.key is not None and any(h.key == rt.key and h.name != rt.name for h in hub):
            project.update_relation_type(rt.name, who=who, key=None)
            changed = True
    local = {rt.name: rt for rt in project.relation_types()}
    for position, rt in enumerate(hub):
        current = local.get(rt.name)
        try:
            if current is None:
                project.add_relation_type(rt, who=who, position=position)
                changed = True
            elif current != rt:
                project.update_relation_type(rt.name, who=who, color=rt.color, key=rt.key,
                                             description=rt.description, heads=rt.heads,
                                             tails=rt.tails)
                changed = True
        except AnnotatorError:
            continue
    for name in list(local):
        if name not in names and project.relation_type_usage(name) == 0:
            project.remove_relation_type(name, who=who)
            changed = True
    return changed


def _apply_decision(project: Project, row: tuple[Any, ...], doc_ids: dict[str, int],
                    report: SyncReport) -> None:
    decision_id, sha, decision, sources, result, reason, who, at, _writer = row
    if sha not in doc_ids:
        return
    try:
        project.decision(decision_id)
        return  # decisions never change: present means done
    except KeyError:
        pass
    spans = []
    for s in sources or []:
        try:
            spans.append(Span(**s))
        except TypeError:
            continue
    project.add_decision(doc_ids[sha], decision, who=who, source_spans=spans,
                         result_span_id=result, reason=reason, decision_id=decision_id, at=at)
    report.pulled_decisions += 1


def _apply_labels(project: Project, rows: list[tuple[Any, ...]], *, who: str) -> bool:
    """Make the project's label set the hub's (labels used by local spans are kept).
    True when anything changed."""
    changed = False
    hub = [Label(name, color, key, description or "") for name, color, key, description, _a
           in rows]
    hub_by_name = {lab.name: lab for lab in hub}
    local = {lab.name: lab for lab in project.labels()}
    # Free keys that move to another label first (keys are unique).
    for lab in local.values():
        target = hub_by_name.get(lab.name)
        if lab.key is not None and (target is None or target.key != lab.key) and any(
                h.key == lab.key and h.name != lab.name for h in hub):
            project.update_label(lab.name, who=who, key=None)
            changed = True
    local = {lab.name: lab for lab in project.labels()}
    for position, lab in enumerate(hub):
        current = local.get(lab.name)
        try:
            if current is None:
                project.add_label(lab, who=who, position=position)
                changed = True
            elif current != lab:
                project.update_label(lab.name, who=who, color=lab.color, key=lab.key,
                                     description=lab.description)
                changed = True
        except LabelError:
            continue
    order = [lab.name for lab in project.labels()]
    for position, lab in enumerate(hub):
        if position < len(order) and order[position] != lab.name:
            project.move_label(lab.name, position, who=who)
            order = [x.name for x in project.labels()]
            changed = True
    for name in list(local):
        if name not in hub_by_name and project.label_usage(name) == 0:
            project.remove_label(name, who=who)
            changed = True
    return _apply_attributes(project, rows, who=who) or changed


def _apply_attributes(project: Project, rows: list[tuple[Any, ...]], *, who: str) -> bool:
    """Make the attributes each label declares the hub's (the lead's). An attribute that
    local spans hold a value of is kept (as a label is), and a change of its kind or a choice
    those spans hold is not made. True when anything changed."""
    changed = False
    labels = {lab.name for lab in project.labels()}
    for name, _color, _key, _description, definitions in rows:
        if name not in labels:
            continue
        wanted: list[Attribute] = []
        for item in definitions or []:
            try:
                wanted.append(Attribute(name, item["name"], item["kind"],
                                        tuple(item.get("choices") or ()),
                                        item.get("description") or ""))
            except (AnnotatorError, KeyError, TypeError):
                continue  # not a definition this version understands
        current = {a.name: a for a in project.label_attributes(name)}
        for position, attribute in enumerate(wanted):
            now_here = current.get(attribute.name)
            try:
                if now_here is None:
                    project.add_label_attribute(attribute, who=who, position=position)
                elif now_here.kind != attribute.kind:
                    if project.attribute_usage(name, attribute.name):
                        continue
                    project.remove_label_attribute(name, attribute.name, who=who)
                    project.add_label_attribute(attribute, who=who, position=position)
                elif now_here != attribute:
                    project.update_label_attribute(name, attribute.name, who=who,
                                                   choices=attribute.choices,
                                                   description=attribute.description)
                else:
                    continue
                changed = True
            except AnnotatorError:
                continue
        gone = set(current) - {a.name for a in wanted}
        for attribute_name in sorted(gone):
            if project.attribute_usage(name, attribute_name) == 0:
                project.remove_label_attribute(name, attribute_name, who=who)
                changed = True
    return changed
