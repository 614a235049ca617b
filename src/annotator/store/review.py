"""Review data: each document's review status and the adjudication decisions.

A decision records who decided what, when, about which source spans (a snapshot of them, since
they may change later), the reviewed span it produced (none for a rejection) and an optional
reason. Decisions are written with their history row in one transaction; undoing a decision
deletes its row, and the history keeps both events.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from annotator.domain.spans import Span, new_span_id, now
from annotator.store.errors import ConflictError
from annotator.store.schema import DECISIONS, REVIEW_STATUSES

if TYPE_CHECKING:
    import sqlite_utils

RELATION_DECISIONS = ("accept", "reject", "add")
"""What a reviewer decides about a relation (kept as history rows, entity ``relation_decision``)."""

REASONS = ("ambiguous text", "guideline gap", "annotator error")
"""The suggested reasons; any other free text is accepted too."""


@dataclass(frozen=True, slots=True)
class Decision:
    """One adjudication decision (``decision`` is one of ``DECISIONS``)."""

    id: str
    document_id: int
    decision: str
    source_spans: list[dict[str, Any]]
    result_span_id: str | None
    reason: str | None
    who: str
    at: str


class ReviewMixin:
    """Review operations of :class:`annotator.store.project.Project`."""

    db: sqlite_utils.Database

    def review_status(self, document_id: int) -> str:
        """``not reviewed``, ``in review`` or ``reviewed``."""
        row = self.db.execute(
            "SELECT review_status FROM documents WHERE id = ?", [document_id]).fetchone()
        if row is None:
            raise KeyError(f"no document with id {document_id}")
        return row[0]

    def set_review_status(self, document_id: int, status: str, *, who: str,
                          expect: str | None = None) -> None:
        """Set a document's review status (one transaction, with history). With ``expect``
        (undo, redo) the status must still be ``expect`` (else ConflictError)."""
        if status not in REVIEW_STATUSES:
            raise ValueError(f"review status must be one of {', '.join(REVIEW_STATUSES)}")
        with self.atomic():  # type: ignore[attr-defined]
            before = self.review_status(document_id)
            if before == status:
                return
            if expect is not None and before != expect:
                raise ConflictError(
                    f"the document's review status was set to {before!r} elsewhere since "
                    f"(expected {expect!r}){self._changed_by('document', document_id)}; "  # type: ignore[attr-defined]
                    f"nothing was changed")
            self.db["documents"].update(document_id, {"review_status": status})
            self._log(who, "review status", "document", document_id, document_id,  # type: ignore[attr-defined]
                      before=before, after=status)

    def add_decision(
        self,
        document_id: int,
        decision: str,
        *,
        who: str,
        source_spans: Sequence[Span] = (),
        result_span_id: str | None = None,
        reason: str | None = None,
        decision_id: str | None = None,
        at: str | None = None,
    ) -> Decision:
        """Record a decision (with history) and return it."""
        if decision not in DECISIONS:
            raise ValueError(f"decision must be one of {', '.join(DECISIONS)}")
        record = Decision(decision_id or new_span_id(), document_id, decision,
                          [asdict(s) for s in source_spans], result_span_id, reason or None,
                          who, at or now())
        row = asdict(record)
        row["source_spans"] = json.dumps(row["source_spans"], ensure_ascii=False)
        with self.atomic():  # type: ignore[attr-defined]
            self.db["review_decisions"].insert(row)
            self._log(who, "decide", "decision", record.id, document_id, after=asdict(record))  # type: ignore[attr-defined]
        return record

    def delete_decision(self, decision_id: str, *, who: str) -> Decision:
        """Remove a decision (the undo of :meth:`add_decision`); returns it."""
        with self.atomic():  # type: ignore[attr-defined]
            try:
                before = self.decision(decision_id)
            except KeyError:
                raise ConflictError(
                    f"the review decision was undone elsewhere"
                    f"{self._changed_by('decision', decision_id)}; nothing was changed"  # type: ignore[attr-defined]
                ) from None
            self.db["review_decisions"].delete(decision_id)
            self._log(who, "undo decision", "decision", decision_id, before.document_id,  # type: ignore[attr-defined]
                      before=asdict(before))
        return before

    def decision(self, decision_id: str) -> Decision:
        """The decision with this id (KeyError when there is none)."""
        found = self.decisions(decision_id=decision_id)
        if not found:
            raise KeyError(f"no decision with id {decision_id}")
        return found[0]

    def decisions(self, document_id: int | None = None, *,
                  decision_id: str | None = None) -> list[Decision]:
        """Decisions, oldest first, for one document or all."""
        sql = ("SELECT id, document_id, decision, source_spans, result_span_id, reason, who, at "
               "FROM review_decisions")
        where, params = [], []
        if document_id is not None:
            where.append("document_id = ?")
            params.append(document_id)
        if decision_id is not None:
            where.append("id = ?")
            params.append(decision_id)
        if where:
            sql += " WHERE " + " AND ".join(where)
        rows = self.db.execute(sql + " ORDER BY at, rowid", params).fetchall()
        return [Decision(r[0], r[1], r[2], json.loads(r[3]), r[4], r[5], r[6], r[7]) for r in rows]

    # -- relation decisions --------------------------------------------------------------------
    # Kept in the history (entity ``relation_decision``, entity id the decision's id): the
    # decision row (action ``decide``) and, when undone, an ``undo decision`` row. The relation
    # an accept or add produces is an ordinary relation of the reviewed layer.

    def add_relation_decision(
        self, document_id: int, decision: str, *, who: str, source: dict[str, Any] | None,
        result_relation_id: str | None = None, reason: str | None = None,
        decision_id: str | None = None, at: str | None = None,
    ) -> dict[str, Any]:
        """Record a decision about a relation: ``source`` the colleague's relation as the
        reviewer saw it (``{"id", "type", "annotator", "head": {span}, "tail": {span}}``;
        ``None`` for an added relation), ``result_relation_id`` the reviewed relation it
        produced. Returns the record."""
        if decision not in RELATION_DECISIONS:
            raise ValueError(f"decision must be one of {', '.join(RELATION_DECISIONS)}")
        record = {"id": decision_id or new_span_id(), "document_id": document_id,
                  "decision": decision, "source": source,
                  "result_relation_id": result_relation_id, "reason": reason or None,
                  "who": who, "at": at or now()}
        with self.atomic():  # type: ignore[attr-defined]
            if record["id"] in {r["id"] for r in self.relation_decisions(document_id)}:
                raise ConflictError("the relation decision was made again elsewhere; nothing "
                                    "was changed")
            self._log(who, "decide", "relation_decision", record["id"], document_id,  # type: ignore[attr-defined]
                      after=record)
        return record

    def delete_relation_decision(self, decision_id: str, document_id: int, *, who: str
                                 ) -> dict[str, Any]:
        """Undo a relation decision (an ``undo decision`` history row); returns its record."""
        with self.atomic():  # type: ignore[attr-defined]
            found = [r for r in self.relation_decisions(document_id) if r["id"] == decision_id]
            if not found:
                raise ConflictError(
                    f"the relation decision was undone elsewhere"
                    f"{self._changed_by('relation_decision', decision_id)}; nothing was changed")  # type: ignore[attr-defined]
            self._log(who, "undo decision", "relation_decision", decision_id, document_id,  # type: ignore[attr-defined]
                      before=found[0])
        return found[0]

    def relation_decisions(self, document_id: int) -> list[dict[str, Any]]:
        """The relation decisions in effect in a document (made and not undone), oldest first."""
        rows = self.db.execute(
            "SELECT action, entity_id, before, after FROM history WHERE entity = "
            "'relation_decision' AND document_id = ? ORDER BY id", [document_id]).fetchall()
        current: dict[str, dict[str, Any]] = {}
        for action, entity_id, _before, after in rows:
            if action == "decide" and after:
                current[entity_id] = json.loads(after)
            else:
                current.pop(entity_id, None)
        return list(current.values())

    def span_rows_by_uid(self, annotators: Sequence[str]) -> list[tuple[str, str, int, int, str, str]]:
        """Spans of ``annotators`` as ``(id, document uid, start, end, label, annotator)``
        tuples, in no particular order: the lean read behind agreement over a whole project
        (about three times faster than building ``Span`` objects)."""
        names = list(annotators)
        marks = ", ".join("?" for _ in names)
        return self.db.execute(
            'SELECT s.id, d.uid, s.start, s."end", l.name, s.annotator FROM spans s '
            "JOIN labels l ON l.id = s.label_id JOIN documents d ON d.id = s.document_id "
            f"WHERE s.annotator IN ({marks})", names).fetchall()
