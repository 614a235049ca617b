"""Reads of the counts the project file keeps up to date, and the document list's queries.

Schema version 6 keeps, through triggers on ``spans`` and ``documents`` (so every writer, the
window, the command line, an import or a merge, keeps them right in its own transaction):

- ``document_span_counts``: one row per document, its number of spans (indexed by count);
- ``annotator_span_counts``: spans per document and annotator (rows with none are absent);
- ``label_span_counts``: spans per label.

None of these reads scans ``spans`` or decodes a document's metadata. The document list's
queries are in ``annotator.store.document_rows``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = [
    "annotator_totals",
    "document_count",
    "document_id_at",
    "document_id_of_uid",
    "document_ids_after",
    "document_summaries",
    "label_totals",
    "last_document_id",
    "span_counts_by_annotator",
    "span_total",
    "span_totals",
    "status_counts",
]

_CHUNK = 500


def _db(project: Any) -> Any:
    return project.db


def document_count(project: Any) -> int:
    """How many documents the project holds (from the counts table: no document read)."""
    return _db(project).execute("SELECT count(*) FROM document_span_counts").fetchone()[0]


def document_id_at(project: Any, position: int) -> int | None:
    """The id of the document at ``position`` in import order (negative: from the end)."""
    way = "DESC" if position < 0 else "ASC"
    row = _db(project).execute(
        f"SELECT document_id FROM document_span_counts ORDER BY document_id {way} "
        "LIMIT 1 OFFSET ?", [position if position >= 0 else -position - 1]).fetchone()
    return None if row is None else row[0]


def document_id_of_uid(project: Any, uid: str) -> int | None:
    row = _db(project).execute("SELECT id FROM documents WHERE uid = ?", [uid]).fetchone()
    return None if row is None else row[0]


def last_document_id(project: Any) -> int:
    """The highest document id (0 for none): documents added later have higher ids."""
    return _db(project).execute(
        "SELECT coalesce(max(document_id), 0) FROM document_span_counts").fetchone()[0]


def document_ids_after(project: Any, document_id: int) -> list[int]:
    """Ids of the documents added after ``document_id``, ascending."""
    return [r[0] for r in _db(project).execute(
        "SELECT document_id FROM document_span_counts WHERE document_id > ? "
        "ORDER BY document_id", [document_id])]


def span_total(project: Any) -> int:
    """How many spans the project holds."""
    return _db(project).execute(
        "SELECT coalesce(sum(spans), 0) FROM document_span_counts").fetchone()[0]


def span_totals(project: Any, document_ids: Iterable[int] | None = None) -> dict[int, int]:
    """Spans per document id: of ``document_ids`` (all documents when None; documents
    without spans have 0, unknown ids are absent)."""
    db = _db(project)
    if document_ids is None:
        return dict(db.execute("SELECT document_id, spans FROM document_span_counts"))
    ids = list(dict.fromkeys(document_ids))
    found: dict[int, int] = {}
    for at in range(0, len(ids), _CHUNK):
        part = ids[at : at + _CHUNK]
        found.update(db.execute(
            "SELECT document_id, spans FROM document_span_counts WHERE document_id IN "
            f"({', '.join('?' for _ in part)})", part))
    return found


def span_counts_by_annotator(project: Any, document_id: int | None = None,
                             ) -> dict[int, dict[str, int]]:
    """document id -> annotator -> spans (one document, or all of them)."""
    sql = "SELECT document_id, annotator, spans FROM annotator_span_counts"
    params: list[Any] = []
    if document_id is not None:
        sql += " WHERE document_id = ?"
        params.append(document_id)
    found: dict[int, dict[str, int]] = {}
    for doc_id, who, n in _db(project).execute(sql + " ORDER BY document_id, annotator", params):
        found.setdefault(doc_id, {})[who] = n
    return found


def annotator_totals(project: Any) -> dict[str, int]:
    """Spans per annotator over the project, by name."""
    return dict(_db(project).execute(
        "SELECT annotator, sum(spans) FROM annotator_span_counts GROUP BY annotator "
        "ORDER BY annotator"))


def label_totals(project: Any) -> dict[str, int]:
    """Spans per label (every label of the set, in its order; 0 for unused ones)."""
    return dict(_db(project).execute(
        "SELECT l.name, coalesce(c.spans, 0) FROM labels l LEFT JOIN label_span_counts c "
        "ON c.label_id = l.id ORDER BY l.position"))


def status_counts(project: Any) -> dict[str, int]:
    """Documents per status (``new``, ``in progress``, ``done``; from the status index)."""
    counts = {"new": 0, "in progress": 0, "done": 0}
    counts.update(_db(project).execute(
        "SELECT status, count(*) FROM documents INDEXED BY documents_by_status GROUP BY status"))
    return counts


def document_summaries(project: Any) -> Any:
    """``(id, uid, name, length, status)`` of every document in import order, streamed
    (whole-project work: for ``annotator stats``; texts and metadata are not decoded)."""
    return _db(project).execute(
        "SELECT id, uid, name, length, status FROM documents ORDER BY id")
