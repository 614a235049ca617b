"""Streaming reads behind the corpus-wide review work (consistency checks, agreement).

Each function yields the documents a chunk at a time, each chunk read in one read transaction
(its documents and spans agree), so memory holds one chunk, never the project. They read the
project's own connection (one descriptor per file and process: ``store.registry``) and write
nothing.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import orjson

if TYPE_CHECKING:
    from annotator.store.project import Project

__all__ = ["Extras", "PairPacking", "agreement_chunks", "agreement_pair_rows", "agreement_rows",
           "document_order_by_uid", "has_annotator", "label_names", "text_chunks"]

# The order of the UNIQUE index of spans (document, start, end, label id, annotator): the
# order ``Project.spans`` returns, read without a temporary sort.
_SPAN_ORDER = 'ORDER BY document_id, start, "end", label_id, annotator'


@contextlib.contextmanager
def _snapshot(project: Project) -> Iterator[None]:
    """One read transaction around the queries of a chunk, unless one is already open."""
    conn = project.db.conn
    if conn.in_transaction:
        yield
        return
    conn.execute("BEGIN")
    try:
        yield
    finally:
        if conn.in_transaction:
            conn.execute("COMMIT")


def label_names(project: Project) -> dict[int, str]:
    """Label id -> name."""
    return dict(project.db.execute("SELECT id, name FROM labels").fetchall())


def _marks(values: Sequence[Any]) -> str:
    return ", ".join("?" for _ in values)


def text_chunks(
    project: Project, *, annotators: Sequence[str] | None = None, size: int = 200
) -> Iterator[list[tuple[int, str, str, list[tuple[str, int, int, str]]]]]:
    """Every document in id order, ``size`` at a time: ``(id, name, text, spans)`` with the
    spans (of ``annotators`` only, when given) as ``(id, start, end, label)`` in the order of
    :meth:`Project.spans` (start, end, label id, annotator)."""
    names = label_names(project)
    who = list(annotators) if annotators else None
    span_sql = ('SELECT document_id, id, start, "end", label_id FROM spans '
                "WHERE document_id BETWEEN ? AND ?")
    if who:
        span_sql += f" AND annotator IN ({_marks(who)})"
    span_sql += " " + _SPAN_ORDER
    after = 0
    db = project.db
    while True:
        with _snapshot(project):
            rows = db.execute("SELECT id, name, text FROM documents WHERE id > ? ORDER BY id "
                              "LIMIT ?", [after, size]).fetchall()
            if not rows:
                return
            first, last = rows[0][0], rows[-1][0]
            spans: dict[int, list[tuple[str, int, int, str]]] = {}
            for doc, span_id, start, end, label_id in db.execute(
                    span_sql, [first, last, *(who or ())]):
                group = spans.get(doc)
                if group is None:
                    group = spans[doc] = []
                group.append((span_id, start, end, names[label_id]))
        after = last
        yield [(doc, name, text, spans.get(doc, [])) for doc, name, text in rows]


def document_order_by_uid(project: Project, ids: Sequence[int] | None = None
                          ) -> list[tuple[int, str, int]]:
    """``(id, uid, length)`` of every document (or of ``ids``), sorted by uid."""
    rows = project.db.execute("SELECT id, uid, length FROM documents ORDER BY uid").fetchall()
    if ids is None:
        return rows
    wanted = set(ids)
    return [row for row in rows if row[0] in wanted]


class Extras:
    """What the agreement reads besides the spans' index, per document id: ``relations[doc][i]``
    the relations of annotator ``i`` as ``(type, (start, end, label), (start, end, label))``
    (head, tail), and ``values[doc]`` ``{(annotator index, (start, end, label)): attributes}``
    of the spans (of the given labels) that hold attribute values."""

    __slots__ = ("relations", "values")

    def __init__(self) -> None:
        self.relations: dict[int, list[list[tuple[str, tuple[int, int, str],
                                                  tuple[int, int, str]]]]] = {}
        self.values: dict[int, dict[tuple[int, tuple[int, int, str]], dict[str, Any]]] = {}


def _read_extras(project: Project, where: str, params: Sequence[Any], who: Sequence[str],
                 names: dict[int, str], relations: bool, attribute_labels: Sequence[str]
                 ) -> Extras:
    """The relations and attribute values of the documents ``where`` selects (a condition on
    ``document_id`` with ``params``), of the annotators ``who``."""
    extras = Extras()
    position = {name: index for index, name in enumerate(who)}
    db = project.db
    if relations:
        for doc, annotator, kind, hs, he, hl, ts, te, tl in db.execute(
                'SELECT r.document_id, r.annotator, t.name, h.start, h."end", h.label_id, '
                's.start, s."end", s.label_id FROM relations r JOIN relation_types t ON '
                "t.id = r.type_id JOIN spans h ON h.id = r.head_id JOIN spans s ON "
                f"s.id = r.tail_id WHERE r.{where} AND r.annotator IN ({_marks(who)})",
                [*params, *who]):
            group = extras.relations.get(doc)
            if group is None:
                group = extras.relations[doc] = [[] for _ in who]
            group[position[annotator]].append(
                (kind, (hs, he, names[hl]), (ts, te, names[tl])))
    if attribute_labels:
        ids = [label_id for label_id, name in names.items() if name in set(attribute_labels)]
        if ids:
            for doc, annotator, start, end, label_id, text in db.execute(
                    'SELECT document_id, annotator, start, "end", label_id, attributes FROM '
                    f"spans WHERE {where} AND annotator IN ({_marks(who)}) AND +label_id IN "
                    f"({_marks(ids)}) AND attributes IS NOT NULL", [*params, *who, *ids]):
                # (+label_id: the documents' range picks the index, not the labels' spans)
                value = orjson.loads(text)
                if value:
                    extras.values.setdefault(doc, {})[
                        (position[annotator], (start, end, names[label_id]))] = value
    return extras


def agreement_chunks(
    project: Project, documents: Sequence[tuple[int, str, int]], annotators: Sequence[str],
    *, size: int = 500, relations: bool = False, attribute_labels: Sequence[str] = (),
) -> Iterator[tuple[list[tuple[str, int, list[list[tuple[int, int, str]]]]], Extras,
                    list[int]]]:
    """For ``documents`` (``(id, uid, length)``, in the order given), ``size`` at a time:
    ``(rows, extras, ids)``: ``rows`` holds ``(uid, length, spans)`` where ``spans[i]`` holds
    the spans of ``annotators[i]`` as ``(start, end, label)``; ``extras`` (:class:`Extras`)
    the relations (when ``relations``) and the attribute values of spans of
    ``attribute_labels``, by document id; ``ids`` the rows' document ids. Reads only the
    spans' index for the spans (no span row is visited)."""
    names = label_names(project)
    who = list(annotators)
    position = {name: index for index, name in enumerate(who)}
    db = project.db
    for at in range(0, len(documents), size):
        part = documents[at : at + size]
        ids = [row[0] for row in part]
        spans: dict[int, list[list[tuple[int, int, str]]]] = {}
        current, group = None, None
        with _snapshot(project):
            for doc, start, end, label_id, annotator in db.execute(
                    'SELECT document_id, start, "end", label_id, annotator FROM spans '
                    f"WHERE document_id IN ({_marks(ids)}) AND annotator IN ({_marks(who)})",
                    [*ids, *who]):
                if doc != current:
                    current = doc
                    group = spans.get(doc)
                    if group is None:
                        group = spans[doc] = [[] for _ in who]
                group[position[annotator]].append((start, end, names[label_id]))  # type: ignore[index]
            extras = _read_extras(project, f"document_id IN ({_marks(ids)})", ids, who, names,
                                  relations, attribute_labels)
        yield ([(uid, length, spans.get(doc) or [[] for _ in who]) for doc, uid, length in part],
               extras, ids)


def has_annotator(project: Project, name: str) -> bool:
    """Whether ``name`` has a span (stops at the first one)."""
    return project.db.execute("SELECT 1 FROM spans WHERE annotator = ? LIMIT 1",
                              [name]).fetchone() is not None


#: Bits of a start or an end in a packed span: documents up to 67,108,863 code points (a chunk
#: with a longer one is read a row per span).
_POSITION_BITS = 26


def _packing(project: Project) -> tuple[int, int] | None:
    """Bit widths ``(positions, labels)`` that pack a span's ``(start, end, label id)`` into
    one SQLite integer (63 bits), or None when the label ids are too large for it."""
    row = project.db.execute("SELECT max(id) FROM labels").fetchone()
    labels = max(1, int(row[0] or 0).bit_length())
    if 2 * _POSITION_BITS + labels > 63:
        return None
    return _POSITION_BITS, labels


def _next_documents(db: Any, chosen: list[int] | None, size: int, after: int,
                    at: int) -> tuple[list[tuple[int, str, int]], int]:
    """The next chunk of documents as ``(id, uid, length)`` in id order: the ``size`` after id
    ``after``, or (``chosen``: sorted ids) the ``size`` of ``chosen`` from index ``at``; and
    the index of the chunk after it."""
    if chosen is None:
        return db.execute("SELECT id, uid, length FROM documents WHERE id > ? "
                          "ORDER BY id LIMIT ?", [after, size]).fetchall(), at
    part = chosen[at : at + size]
    docs = db.execute(f"SELECT id, uid, length FROM documents WHERE id IN ({_marks(part)}) "
                      "ORDER BY id", part).fetchall() if part else []
    return docs, at + size


def agreement_rows(
    project: Project, annotators: Sequence[str], ids: Sequence[int] | None = None, *,
    size: int = 500, packed: bool = True, relations: bool = False,
    attribute_labels: Sequence[str] = (),
) -> Iterator[tuple[list[tuple[str, int, list[list[tuple[int, int, str]]]]], Extras,
                    list[int]]]:
    """Every document (or those with ``ids``) in id order, ``size`` at a time:
    ``(rows, extras, ids)`` as :func:`agreement_chunks` gives them (the spans of each
    annotator in no particular order).

    One query per chunk reads the spans' index over the chunk's id range and hands Python one
    row per document, each annotator's spans packed into integers (``start``, ``end`` and the
    label id side by side) and listed as text: about a tenth of the work of a row per span
    (``packed=False``, label ids too large, or a chunk with a text too long to pack: a row per
    span). Each chunk is read in one read transaction."""
    names = label_names(project)
    label_list = [""] * (max(names, default=0) + 1)
    for label_id, name in names.items():
        label_list[label_id] = name
    who = list(annotators)
    width = len(who)
    packing = _packing(project) if packed else None
    db = project.db
    if packing is not None:
        positions, label_bits = packing
        shift_start, shift_end = positions + label_bits, label_bits
        position_mask, label_mask = (1 << positions) - 1, (1 << label_bits) - 1
        packed_span = f'((start << {shift_start}) | ("end" << {shift_end}) | label_id)'
        columns = ", ".join(f"group_concat({packed_span}) FILTER (WHERE annotator = "
                            f"?{index + 1})" for index in range(width))
        packed_sql = (f"SELECT document_id, {columns} FROM spans WHERE annotator IN "
                      f"({', '.join(f'?{index + 1}' for index in range(width))}) AND "
                      f"document_id BETWEEN ?{width + 1} AND ?{width + 2} GROUP BY document_id")
    position = {name: index for index, name in enumerate(who)}
    row_sql = (f'SELECT document_id, start, "end", label_id, annotator FROM spans WHERE '
               f"annotator IN ({_marks(who)}) AND document_id BETWEEN ? AND ?")
    chosen = None if ids is None else sorted(set(ids))
    after = 0
    at = 0
    while True:
        with _snapshot(project):
            docs, at = _next_documents(db, chosen, size, after, at)
            if not docs:
                return
            first, last = docs[0][0], docs[-1][0]
            spans: dict[int, list[list[tuple[int, int, str]]]] = {}
            if packing is not None and max(row[2] for row in docs) >> _POSITION_BITS == 0:
                for doc, *lists in db.execute(packed_sql, [*who, first, last]):
                    group = spans[doc] = []
                    for text in lists:
                        if text is None:
                            group.append([])
                            continue
                        values = orjson.loads("[" + text + "]")
                        group.append([(v >> shift_start, (v >> shift_end) & position_mask,
                                       label_list[v & label_mask]) for v in values])
            else:
                for doc, start, end, label_id, annotator in db.execute(
                        row_sql, [*who, first, last]):
                    group = spans.get(doc)
                    if group is None:
                        group = spans[doc] = [[] for _ in who]
                    group[position[annotator]].append((start, end, names[label_id]))
            extras = _read_extras(project, "document_id BETWEEN ? AND ?", [first, last], who,
                                  names, relations, attribute_labels)
        after = last
        yield ([(uid, length, spans.get(doc) or [[] for _ in who]) for doc, uid, length in docs],
               extras, [doc for doc, _uid, _length in docs])


class PairPacking:
    """How :func:`agreement_pair_rows` packs a span into one integer:
    ``start << end_shift + position_bits | end << end_shift | START | label id``.

    The packed spans of a document sort by start, then end, then label id; the low
    ``end_shift`` bits (``value & code_mask``) are the span's *start event code* (``START`` and
    the label id), so a span is also the event of its start, and ``end << start_shift |
    label id`` the event of its end: ends sort before starts at one position. ``labels[i]`` is
    the name of label id ``i`` (``""`` for an id no label has)."""

    __slots__ = ("code_mask", "end_shift", "label_mask", "labels", "position_mask",
                 "start", "start_shift")

    def __init__(self, labels: list[str]) -> None:
        self.labels = labels
        field_bits = max(1, (2 * len(labels) - 1).bit_length())  # a label id per annotator
        self.start = 1 << field_bits
        self.end_shift = field_bits + 1
        self.start_shift = self.end_shift + _POSITION_BITS
        self.code_mask = (1 << self.end_shift) - 1
        self.label_mask = self.start - 1
        self.position_mask = (1 << _POSITION_BITS) - 1

    @classmethod
    def of(cls, project: Project) -> PairPacking | None:
        """The packing of the project's labels, or None when its label ids are too large."""
        names = label_names(project)
        labels = [""] * (max(names, default=0) + 1)
        for label_id, name in names.items():
            labels[label_id] = name
        packing = cls(labels)
        if packing.start_shift + _POSITION_BITS > 63:
            return None
        return packing


def agreement_pair_rows(
    project: Project, annotators: Sequence[str], packing: PairPacking,
    ids: Sequence[int] | None = None, *, size: int = 500, relations: bool = False,
    attribute_labels: Sequence[str] = (),
) -> Iterator[tuple[list[tuple[str, int, list | None, list | None]], Extras, list[int], bool]]:
    """:func:`agreement_rows` for two annotators, the spans packed by ``packing``: yields
    ``(rows, extras, ids, packed)``, each row ``(uid, length, first, second)`` with each
    annotator's spans in the document (None when the annotator has none there), in no
    particular order: as integers when ``packed``, else (a chunk with a text too long to pack,
    2**26 code points or more) as ``(start, end, label)`` tuples."""
    who = list(annotators)
    if len(who) != 2:
        raise ValueError("agreement_pair_rows reads two annotators")
    names = label_names(project)
    span = (f'((start << {packing.start_shift}) | ("end" << {packing.end_shift}) | '
            f"{packing.start} | label_id)")
    valued = [label_id for label_id, name in names.items() if name in set(attribute_labels)]
    # the attribute values of the spans of ``valued`` labels in the same pass (a row is read
    # only for such a span: the index has the label, not the values)
    values = (f", json_group_array(json_array(annotator = ?2, start, \"end\", label_id, "
              f"attributes)) FILTER (WHERE label_id IN ({', '.join(map(str, valued))}) AND "
              f"attributes IS NOT NULL)") if valued else ", NULL"
    sql = (f"SELECT document_id, group_concat({span}) FILTER (WHERE annotator = ?1), "
           f"group_concat({span}) FILTER (WHERE annotator = ?2){values} FROM spans WHERE "
           f"annotator IN (?1, ?2) AND document_id BETWEEN ?3 AND ?4 GROUP BY document_id")
    chosen = None if ids is None else sorted(set(ids))
    yield from _pair_chunks(project, who, names, sql, chosen, size, relations, attribute_labels)


def _pair_chunks(project: Project, who: list[str], names: dict[int, str], sql: str,
                 chosen: list[int] | None, size: int, relations: bool,
                 attribute_labels: Sequence[str]) -> Iterator:
    """The chunks of :func:`agreement_pair_rows` (``sql``: its query of the spans)."""
    db = project.db
    loads = orjson.loads
    after = 0
    at = 0
    while True:
        with _snapshot(project):
            docs, at = _next_documents(db, chosen, size, after, at)
            if not docs:
                return
            first, last = docs[0][0], docs[-1][0]
            doc_ids = [doc for doc, _uid, _length in docs]
            if max(row[2] for row in docs) >> _POSITION_BITS:
                (rows, extras, _ids), = agreement_rows(
                    project, who, doc_ids, size=len(docs), packed=False, relations=relations,
                    attribute_labels=attribute_labels)
                after = last
                yield ([(uid, length, one or None, two or None)
                        for uid, length, (one, two) in rows], extras, doc_ids, False)
                continue
            spans: dict[int, tuple[list[int] | None, list[int] | None]] = {}
            held: list[tuple[int, str]] = []
            for doc, one, two, valued_spans in db.execute(sql, [*who, first, last]):
                spans[doc] = (None if one is None else loads(f"[{one}]"),
                              None if two is None else loads(f"[{two}]"))
                if valued_spans is not None and valued_spans != "[]":
                    held.append((doc, valued_spans))
            extras = _read_extras(project, "document_id BETWEEN ? AND ?", [first, last], who,
                                  names, relations, ())
            for doc, text in held:
                for second, start, end, label_id, attributes in loads(text):
                    value = loads(attributes)
                    if value:
                        extras.values.setdefault(doc, {})[
                            (second, (start, end, names[label_id]))] = value
        after = last
        nothing = (None, None)
        yield ([(uid, length, *spans.get(doc, nothing)) for doc, uid, length in docs],
               extras, doc_ids, True)
