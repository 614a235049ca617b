"""The relations of one document, by id and by span: what the window draws and lists. No Qt.

``RelationIndex`` holds :class:`annotator.domain.relations.Relation` objects and answers, for a
span id, the relations at whose head or tail it stands (``of_span``), in creation order. The
window keeps one for the current document and reconciles it by id (``put``, ``discard``), so
applying the same change twice changes nothing.

``reset_rows`` takes the store's bare rows (the fields of ``Relation`` in order, as
``Project.relation_rows`` reads them) and makes each ``Relation`` only when it is first asked
for: a window opening a document with 20,000 relations draws and lists a few dozen of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from annotator.domain.relations import Relation

__all__ = ["RelationIndex"]


class RelationIndex:
    """Relations by id and by the spans at their ends."""

    def __init__(self, relations: Iterable[Relation] = ()) -> None:
        #: id -> the relation, or its row until first asked for (``reset_rows``)
        self._by_id: dict[str, Any] = {}
        self._by_span: dict[str, dict[str, None]] = {}
        self.reset(relations)

    def reset(self, relations: Iterable[Relation]) -> None:
        """Hold exactly ``relations``."""
        held = list(relations)
        self._index({r.id: r for r in held}, ((r.id, r.head, r.tail) for r in held))

    def reset_rows(self, rows: Sequence[Sequence[Any]]) -> None:
        """Hold exactly the relations of ``rows`` (``Relation`` fields in order; each row is
        made a ``Relation`` when first asked for)."""
        self._index({row[0]: row for row in rows}, ((row[0], row[2], row[3]) for row in rows))

    def _index(self, by_id: dict[str, Any], ends: Iterable[tuple[str, str, str]]) -> None:
        by_span: dict[str, dict[str, None]] = {}
        get = by_span.get
        for rid, head, tail in ends:
            ids = get(head)
            if ids is None:
                by_span[head] = {rid: None}
            else:
                ids[rid] = None
            ids = get(tail)
            if ids is None:
                by_span[tail] = {rid: None}
            else:
                ids[rid] = None
        self._by_id = by_id
        self._by_span = by_span

    def __len__(self) -> int:
        return len(self._by_id)

    def __iter__(self) -> Iterator[Relation]:
        get = self.get
        return iter([get(rid) for rid in list(self._by_id)])  # type: ignore[misc]

    def __contains__(self, relation_id: object) -> bool:
        return relation_id in self._by_id

    def get(self, relation_id: str) -> Relation | None:
        found = self._by_id.get(relation_id)
        if found is None or type(found) is Relation:
            return found
        made = self._by_id[relation_id] = Relation(*found)  # a row read by reset_rows
        return made

    def _link(self, span_id: str, relation_id: str) -> None:
        self._by_span.setdefault(span_id, {})[relation_id] = None

    def _unlink(self, span_id: str, relation_id: str) -> None:
        ids = self._by_span.get(span_id)
        if ids is not None:
            ids.pop(relation_id, None)
            if not ids:
                del self._by_span[span_id]

    def put(self, relation: Relation) -> Relation | None:
        """Add ``relation`` or replace the one with its id; returns the one replaced."""
        old = self.get(relation.id)
        if old is not None:
            for end in (old.head, old.tail):
                self._unlink(end, old.id)
        self._by_id[relation.id] = relation
        self._link(relation.head, relation.id)
        self._link(relation.tail, relation.id)
        return old

    def discard(self, relation_id: str) -> Relation | None:
        """Remove the relation with this id (if held); returns it."""
        old = self.get(relation_id)
        if old is not None:
            del self._by_id[relation_id]
            for end in (old.head, old.tail):
                self._unlink(end, old.id)
        return old

    def of_span(self, span_id: str) -> list[Relation]:
        """The relations with ``span_id`` at their head or tail, by creation time and id."""
        ids = self._by_span.get(span_id)
        if not ids:
            return []
        get = self.get
        found: list[Relation] = [get(i) for i in ids]  # type: ignore[misc]
        found.sort(key=lambda r: (r.created_at, r.id))
        return found

    def has_span(self, span_id: str) -> bool:
        """True when a relation starts or ends at ``span_id``."""
        return span_id in self._by_span

    def ids_of_spans(self, span_ids: Iterable[str]) -> set[str]:
        """Ids of the relations at any of ``span_ids``."""
        out: set[str] = set()
        by_span = self._by_span
        for span_id in span_ids:
            ids = by_span.get(span_id)
            if ids:
                out.update(ids)
        return out
