"""Adjudicating relations: accept, reject or add a relation in the reviewed layer.

Each decision is one undoable step (a :class:`~annotator.domain.commands.Compound` on the
shared undo stack) in one transaction:

- **accept** a colleague's relation: its two ends are accepted first when the reviewed layer
  lacks a span with the same start, end and label (each an ordinary span ``accept`` decision,
  :class:`~annotator.domain.review_commands.Decide`), then the relation is created between the
  reviewed spans with the same type, and the decision is recorded;
- **reject**: the decision is recorded, nothing enters the reviewed layer;
- **add**: a relation between two spans of the reviewed layer, with a type the reviewer
  chooses, and the decision is recorded.

The decision record (who, when, the colleague's relation with both ends as they were, the
reviewed relation it produced, the optional reason) is a history row
(``Project.add_relation_decision``); undo writes an "undo decision" row and removes what the
step created, in reverse order. A relation of the reviewed layer *corresponds* to a colleague's
when the types are the same and both ends have the same start, end and label.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from annotator.domain.commands import Command, Compound
from annotator.domain.relation_commands import AddRelation
from annotator.domain.relations import Relation
from annotator.domain.review_commands import Decide, with_status
from annotator.domain.spans import Span, new_span_id
from annotator.services.review.adjudication import review_layer
from annotator.store import Project
from annotator.store.review import RELATION_DECISIONS
from annotator.store.schema import DECISIONS

__all__ = [
    "RecordRelationDecision",
    "RelationView",
    "accept_relation_command",
    "add_relation_command",
    "decision_summary",
    "reject_relation_command",
    "relation_views",
    "relations_with_head_in",
]


def _key(span: Span) -> tuple[int, int, str]:
    return (span.start, span.end, span.label)


@dataclass(frozen=True, slots=True)
class RelationView:
    """A relation as the review window lists it: the relation, its two end spans, and how
    the reviewed layer stands to it (``"accepted"`` when it has a corresponding relation,
    ``"rejected"`` when a rejection of it is in effect, else ``""``; always ``"reviewed"`` for
    the reviewed layer's own relations)."""

    relation: Relation
    head: Span
    tail: Span
    status: str


def _source(relation: Relation, head: Span, tail: Span) -> dict[str, Any]:
    return {"id": relation.id, "type": relation.type, "annotator": relation.annotator,
            "head": asdict(head), "tail": asdict(tail)}


def relation_views(project: Project, document_id: int, annotators: Sequence[str],
                   layer: str | None = None) -> list[RelationView]:
    """The relations of ``annotators`` and of the reviewed layer in a document, by annotator
    (in the order given, the reviewed layer last), each by its head's position."""
    layer = layer or review_layer(project)
    wanted = [*annotators, layer]
    spans = {s.id: s for s in project.spans(document_id, annotators=wanted)}
    relations = [r for r in project.relations(document_id) if r.annotator in wanted
                 and r.head in spans and r.tail in spans]
    reviewed = {(r.type, _key(spans[r.head]), _key(spans[r.tail]))
                for r in relations if r.annotator == layer}
    rejected = {d["source"]["id"] for d in project.relation_decisions(document_id)
                if d["decision"] == "reject" and d.get("source")}
    rank = {name: index for index, name in enumerate(wanted)}
    views = []
    for r in relations:
        head, tail = spans[r.head], spans[r.tail]
        if r.annotator == layer:
            status = "reviewed"
        elif (r.type, _key(head), _key(tail)) in reviewed:
            status = "accepted"
        else:
            status = "rejected" if r.id in rejected else ""
        views.append(RelationView(r, head, tail, status))
    views.sort(key=lambda v: (rank[v.relation.annotator], v.head.start, v.head.end,
                              v.tail.start, v.relation.type, v.relation.id))
    return views


@dataclass
class RecordRelationDecision(Command):
    """Record (undo: mark undone) one relation decision; ids and time fixed by the first do."""

    document_id: int
    decision: str
    who: str
    source: dict[str, Any] | None = None
    result_relation_id: str | None = None
    reason: str | None = None
    decision_id: str = field(default_factory=new_span_id)
    at: str | None = None

    @property
    def text(self) -> str:  # type: ignore[override]
        return {"accept": "Accept relation", "reject": "Reject relation",
                "add": "Add reviewed relation"}[self.decision]

    def do(self, project: Project) -> None:  # type: ignore[override]
        record = project.add_relation_decision(
            self.document_id, self.decision, who=self.who, source=self.source,
            result_relation_id=self.result_relation_id, reason=self.reason,
            decision_id=self.decision_id, at=self.at)
        self.at = record["at"]

    def undo(self, project: Project) -> None:  # type: ignore[override]
        project.delete_relation_decision(self.decision_id, self.document_id, who=self.who)


class _RelationStep(Compound):
    """A relation decision's children as one step; ``affected_relations`` for the windows."""

    def affected_relations(self) -> set[str]:
        return {c.relation_id for c in self.children if isinstance(c, AddRelation)}


def _reviewed_twins(project: Project, document_id: int, layer: str) -> dict[tuple, Span]:
    return {_key(s): s for s in project.spans(document_id, annotators=[layer])}


def accept_relation_command(project: Project, relation: Relation, who: str,
                            reason: str | None = None) -> Command:
    """One step accepting a colleague's ``relation`` into the reviewed layer (its missing
    ends accepted first). Raises ``ValueError`` when the reviewed layer has it already."""
    layer = review_layer(project)
    head, tail = project.span(relation.head), project.span(relation.tail)
    document_id = relation.document_id
    twins = _reviewed_twins(project, document_id, layer)
    children: list[Command] = []
    ends = []
    for span in (head, tail):
        twin = twins.get(_key(span))
        if twin is None:
            sources = tuple(s for s in project.spans(document_id)
                            if s.annotator != layer and _key(s) == _key(span))
            decide = Decide(document_id, "accept", who, sources, _key(span), layer, reason)
            children.append(decide)
            ends.append(decide.span_id)
        else:
            ends.append(twin.id)
    if not any(isinstance(c, Decide) for c in children):
        existing = {(r.type, r.head, r.tail) for r in project.relations(document_id,
                                                                        annotator=layer)}
        if (relation.type, ends[0], ends[1]) in existing:
            raise ValueError("the reviewed layer has this relation already")
    add = AddRelation(ends[0], ends[1], relation.type, layer)
    children.append(add)
    children.append(RecordRelationDecision(document_id, "accept", who,
                                           _source(relation, head, tail), add.relation_id,
                                           reason))
    step = _RelationStep(children, description=f"Accept {relation.type!r} relation")
    return with_status(step, document_id, project.review_status(document_id), who)


def reject_relation_command(project: Project, relation: Relation, who: str,
                            reason: str | None = None) -> Command:
    """One step recording the rejection of a colleague's ``relation`` (nothing is created)."""
    head, tail = project.span(relation.head), project.span(relation.tail)
    step = _RelationStep([RecordRelationDecision(relation.document_id, "reject", who,
                                                 _source(relation, head, tail), None, reason)],
                         description=f"Reject {relation.type!r} relation")
    return with_status(step, relation.document_id, project.review_status(relation.document_id),
                       who)


def add_relation_command(project: Project, head_id: str, tail_id: str, type_name: str, who: str,
                         reason: str | None = None) -> Command:
    """One step adding a relation of ``type_name`` between two spans of the reviewed layer
    (checked when done: the type must allow their labels)."""
    layer = review_layer(project)
    head = project.span(head_id)
    for span in (head, project.span(tail_id)):
        if span.annotator != layer:
            raise ValueError("a reviewed relation links two spans of the reviewed layer")
    add = AddRelation(head_id, tail_id, type_name, layer)
    step = _RelationStep([add, RecordRelationDecision(head.document_id, "add", who, None,
                                                      add.relation_id, reason)],
                         description=f"Add reviewed {type_name!r} relation")
    return with_status(step, head.document_id, project.review_status(head.document_id), who)


def relations_with_head_in(views: Iterable[RelationView], start: int, end: int
                           ) -> list[RelationView]:
    """The views whose head span shares a character with ``[start, end)``."""
    return [v for v in views if v.head.start < end and start < v.head.end]


def decision_summary(project: Project, document_id: int) -> dict[str, Any]:
    """A document's review at a glance: its status, the decisions in effect (made and not
    undone) about spans and about relations, counted by kind (every kind present, 0 when
    none), and what the reviewed layer holds::

        {"status": "in review",
         "decisions": {"spans": {"accept": 2, "accept_with_changes": 1, "reject": 1, "add": 0},
                       "relations": {"accept": 1, "reject": 1, "add": 0}},
         "reviewed_layer": {"name": "reviewed", "spans": 3, "relations": 1}}

    Read in one read transaction, so the figures agree with each other."""
    layer = review_layer(project)
    with project._read_snapshot():  # noqa: SLF001 (the store's one read transaction)
        status = project.review_status(document_id)
        spans = dict.fromkeys(DECISIONS, 0)
        for decision in project.decisions(document_id):
            spans[decision.decision] = spans.get(decision.decision, 0) + 1
        relations = dict.fromkeys(RELATION_DECISIONS, 0)
        for record in project.relation_decisions(document_id):
            relations[record["decision"]] = relations.get(record["decision"], 0) + 1
        layer_spans = len(project.span_rows(document_id, annotators=[layer]))
        layer_relations = len(project.relations(document_id, annotator=layer))
    return {"status": status, "decisions": {"spans": spans, "relations": relations},
            "reviewed_layer": {"name": layer, "spans": layer_spans,
                               "relations": layer_relations}}
