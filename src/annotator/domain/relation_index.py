"""The relations of one document, by id and by span: what the window draws and lists. No Qt.

``RelationIndex`` holds :class:`annotator.domain.relations.Relation` objects and answers, for a
span id, the relations at whose head or tail it stands (``of_span``), in creation order. The
window keeps one for the current document and reconciles it by id (``put``, ``discard``), so
applying the same change twice changes nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator

from annotator.domain.relations import Relation

__all__ = ["RelationIndex"]


class RelationIndex:
    """Relations by id and by the spans at their ends."""

    def __init__(self, relations: Iterable[Relation] = ()) -> None:
        self._by_id: dict[str, Relation] = {}
        self._by_span: dict[str, dict[str, None]] = {}
        self.reset(relations)

    def reset(self, relations: Iterable[Relation]) -> None:
        """Hold exactly ``relations``."""
        by_id = {r.id: r for r in relations}
        by_span: defaultdict[str, dict[str, None]] = defaultdict(dict)
        for rid, r in by_id.items():
            by_span[r.head][rid] = None
            by_span[r.tail][rid] = None
        self._by_id = by_id
        self._by_span = dict(by_span)

    def __len__(self) -> int:
        return len(self._by_id)

    def __iter__(self) -> Iterator[Relation]:
        return iter(list(self._by_id.values()))

    def __contains__(self, relation_id: object) -> bool:
        return relation_id in self._by_id

    def get(self, relation_id: str) -> Relation | None:
        return self._by_id.get(relation_id)

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
        old = self._by_id.get(relation.id)
        if old is not None:
            for end in (old.head, old.tail):
                self._unlink(end, old.id)
        self._by_id[relation.id] = relation
        self._link(relation.head, relation.id)
        self._link(relation.tail, relation.id)
        return old

    def discard(self, relation_id: str) -> Relation | None:
        """Remove the relation with this id (if held); returns it."""
        old = self._by_id.pop(relation_id, None)
        if old is not None:
            for end in (old.head, old.tail):
                self._unlink(end, old.id)
        return old

    def of_span(self, span_id: str) -> list[Relation]:
        """The relations with ``span_id`` at their head or tail, by creation time and id."""
        ids = self._by_span.get(span_id)
        if not ids:
            return []
        found = [self._by_id[i] for i in ids]
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
