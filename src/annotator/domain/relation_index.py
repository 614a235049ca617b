"""The relations of one document, by id and by span: what the window draws and lists. No Qt.

``RelationIndex`` holds :class:`annotator.domain.relations.Relation` objects and answers, for a
span id, the relations at whose head or tail it stands (``of_span``), in creation order. The
window keeps one for the current document and reconciles it by id (``put``, ``discard``), so
applying the same change twice changes nothing.

``reset_ends`` starts from each relation's id and two ends only (``Project.relation_ends``)
and reads the whole relation when it is first asked for, through the ``load`` function given
(``Project.relations_among``; ``load(ids)`` reads many in one call): a window opening a
document with 20,000 relations draws and lists a few dozen of them. A relation that the load
no longer finds (deleted elsewhere since) is dropped then; one whose ends changed meanwhile is
filed under its new ends.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from annotator.domain.relations import Relation

__all__ = ["RelationIndex"]

#: Reads the relations among some ids that exist now (any order).
Loader = Callable[[Sequence[str]], Iterable[Relation]]


def _ends(held: Any) -> tuple[str, str]:
    """Head and tail of a held relation, or of its ``(id, head, tail)`` row not read yet."""
    return (held[1], held[2]) if type(held) is tuple else (held.head, held.tail)


def _no_loader(_ids: Sequence[str]) -> list[Relation]:
    return []


class RelationIndex:
    """Relations by id and by the spans at their ends."""

    def __init__(self, relations: Iterable[Relation] = ()) -> None:
        #: id -> the relation, or its ``(id, head, tail)`` row until it is read (``reset_ends``;
        #: the row itself: no object is made for the thousands never asked for)
        self._by_id: dict[str, Any] = {}
        self._by_span: dict[str, dict[str, None]] = {}
        self._load: Loader = _no_loader
        self._unread = 0
        self.reset(relations)

    def reset(self, relations: Iterable[Relation]) -> None:
        """Hold exactly ``relations``."""
        held = list(relations)
        self._index({r.id: r for r in held}, ((r.id, r.head, r.tail) for r in held))
        self._unread = 0

    def reset_ends(self, ends: Sequence[tuple[str, str, str]], load: Loader) -> None:
        """Hold exactly the relations ``(id, head, tail)`` of ``ends``; each is read with
        ``load`` when first asked for."""
        self._index({row[0]: row if type(row) is tuple else tuple(row) for row in ends}, ends)
        self._load = load
        self._unread = len(self._by_id)

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

    def load(self, relation_ids: Iterable[str]) -> None:
        """Read those of ``relation_ids`` not read yet, in one call of the loader."""
        if not self._unread:
            return
        by_id = self._by_id
        wanted = [rid for rid in relation_ids if type(by_id.get(rid)) is tuple]
        if not wanted:
            return
        for relation in self._load(wanted):
            old = by_id.get(relation.id)
            if type(old) is not tuple:
                continue
            if (old[1], old[2]) != (relation.head, relation.tail):  # changed since
                for end in (old[1], old[2]):
                    self._unlink(end, relation.id)
                self._link(relation.head, relation.id)
                self._link(relation.tail, relation.id)
            by_id[relation.id] = relation
            self._unread -= 1
        for rid in wanted:  # not found: deleted since
            if type(by_id.get(rid)) is tuple:
                self.discard(rid)

    def __len__(self) -> int:
        return len(self._by_id)

    def __iter__(self) -> Iterator[Relation]:
        self.load(list(self._by_id))
        return iter(list(self._by_id.values()))

    def __contains__(self, relation_id: object) -> bool:
        return relation_id in self._by_id

    def get(self, relation_id: str) -> Relation | None:
        found = self._by_id.get(relation_id)
        if type(found) is tuple:
            self.load([relation_id])
            found = self._by_id.get(relation_id)
        return found

    def known(self, relation_id: str) -> Relation | None:
        """The relation with this id if it has been read (never reads it)."""
        found = self._by_id.get(relation_id)
        return None if type(found) is tuple else found

    def _link(self, span_id: str, relation_id: str) -> None:
        self._by_span.setdefault(span_id, {})[relation_id] = None

    def _unlink(self, span_id: str, relation_id: str) -> None:
        ids = self._by_span.get(span_id)
        if ids is not None:
            ids.pop(relation_id, None)
            if not ids:
                del self._by_span[span_id]

    def put(self, relation: Relation) -> bool:
        """Add ``relation`` or replace the one with its id; True when one was replaced."""
        old = self._by_id.get(relation.id)
        if old is not None:
            for end in _ends(old):
                self._unlink(end, relation.id)
            if type(old) is tuple:
                self._unread -= 1
        self._by_id[relation.id] = relation
        self._link(relation.head, relation.id)
        self._link(relation.tail, relation.id)
        return old is not None

    def discard(self, relation_id: str) -> bool:
        """Remove the relation with this id; True when it was held."""
        old = self._by_id.pop(relation_id, None)
        if old is None:
            return False
        for end in _ends(old):
            self._unlink(end, relation_id)
        if type(old) is tuple:
            self._unread -= 1
        return True

    def of_span(self, span_id: str) -> list[Relation]:
        """The relations with ``span_id`` at their head or tail, by creation time and id."""
        ids = self._by_span.get(span_id)
        if not ids:
            return []
        self.load(list(ids))
        by_id = self._by_id
        found: list[Relation] = [by_id[i] for i in self._by_span.get(span_id, ())]
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
