"""Applying what a pull read from the hub to the local project (inside its transaction).

Pulled changes are written through :class:`annotator.store.Project`'s methods, with history
rows whose ``who`` is ``NAME (hub)``: a window showing the project sees them arrive like a
second window's edits, and the next push knows they came from the hub.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from annotator.domain.errors import AnnotatorError
from annotator.domain.relations import Relation
from annotator.domain.spans import Span
from annotator.hub.client import HubSession
from annotator.hub.labelset import apply_labels, apply_relation_types
from annotator.hub.report import SyncReport, writable_layers
from annotator.hub.state import HUB_MARK
from annotator.store import Project

__all__ = ["DECISION_COLUMNS", "PullBatch", "RELATION_COLUMNS", "SPAN_COLUMNS", "apply_batch"]

# No attributes: NULL rather than '{}' (psycopg then parses no JSON for most spans).
SPAN_COLUMNS = ('id, document_sha, start, "end", label, annotator, note, value, created_at, '
                "updated_at, written_by, NULLIF(attributes, '{}'::jsonb)")
RELATION_COLUMNS = ("id, document_sha, head, tail, label, annotator, note, created_at, "
                    "updated_at, written_by")
DECISION_COLUMNS = ("id, document_sha, decision, source_spans, result_span_id, reason, who, "
                    "at, written_by")


@dataclass
class PullBatch:
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
        return bool(self.skipped_ahead or self.labels is not None or self.documents
                    or self.spans or self.decisions or self.relations
                    or self.relation_types is not None or self.snapshot
                    or self.assigned is not None)


def apply_batch(project: Project, session: HubSession, batch: PullBatch,
                report: SyncReport, pending: set[str] | frozenset[str] = frozenset()) -> None:
    """Write one pulled batch into the project (inside the caller's transaction). Rows of my
    own layers (a change from another machine of mine, or my own write coming back) are
    guarded: an id in ``pending`` (a local change the next push sends) is left alone, and an
    update older than the local row (``updated_at``) is not made."""
    me = session.user
    mine = set(writable_layers(session))
    if batch.labels is not None:
        report.labels_changed |= apply_labels(project, batch.labels, who=batch.lead + HUB_MARK)
    if batch.relation_types is not None:
        report.labels_changed |= apply_relation_types(project, batch.relation_types,
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
    upserts = [r for r in upserts if not (r[5] in mine and r[0] in pending)]
    known_layers = batch.layers
    for sha, rows in batch.snapshot.items():
        upserts.extend(r for r in rows if not (r[5] in mine and r[0] in pending))
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
                continue  # a snapshot never deletes my spans (they may wait to be sent)
            if span.annotator in mine and span_id in pending:
                continue  # changed here since: the next push decides
            project.delete_span(span_id, who=batch.writers.get(span_id, "hub") + HUB_MARK)
            report.pulled_deletes += 1

    if any(r[4] not in local_labels for r in upserts) and batch.hub_labels:
        # A span with a label this project lacks: bring the label set up to date first.
        report.labels_changed |= apply_labels(project, batch.hub_labels,
                                               who=batch.lead + HUB_MARK)
    _apply_spans(project, upserts, doc_ids, report, mine)

    _apply_relations(project, batch, report, me, mine, pending)

    decisions = [r for r in batch.decisions.values() if r is not None]
    for rows in batch.snapshot_decisions.values():
        decisions.extend(rows)
    decisions = [r for r in decisions if r[0] not in pending]
    for decision_id, row in batch.decisions.items():
        if row is None and decision_id not in pending:
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
                 report: SyncReport, mine: set[str]) -> None:
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
        if current.annotator in mine and current.updated_at > span.updated_at:
            continue  # my own span, newer here (the hub refused the older write back)
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


def _apply_relations(project: Project, batch: PullBatch, report: SyncReport, me: str,
                     mine: set[str], pending: set[str] | frozenset[str]) -> None:
    """Relations after their spans: deletions, then new ones and changed ones (my own
    layers' guarded as spans are)."""
    rows = [r for r in batch.relations.values() if r is not None]
    for group in batch.snapshot_relations.values():
        rows.extend(group)
    rows = [r for r in rows if not (r[5] in mine and r[0] in pending)]
    gone = [i for i, r in batch.relations.items() if r is None and i not in pending]
    if batch.sees_colleagues:
        for sha, group in batch.snapshot_relations.items():
            on_hub = {r[0] for r in group}
            doc = project.document_by_sha256(sha)
            if doc is None:
                continue
            gone.extend(r.id for r in project.relations(doc.id)
                        if r.id not in on_hub and r.annotator != me
                        and r.annotator in batch.layers and r.id not in pending)
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
                if current.annotator in mine and current.updated_at > relation.updated_at:
                    continue
                project.update_relation(relation.id, who=who, type=relation.type,
                                        head=relation.head, tail=relation.tail,
                                        note=relation.note, updated_at=relation.updated_at,
                                        check_labels=False)
            else:
                continue
            report.pulled_relations += 1
        except AnnotatorError as exc:
            report.skipped.append(f"relation {relation.id}: {exc}")


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
