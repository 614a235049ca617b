"""The document list's queries: its rows a page at a time, sorted and filtered in SQL.

A list is a :class:`Plan` (sort key, direction, filter). Nothing here reads every document:

- unfiltered, the number of rows is the number of documents (``document_span_counts``) and a
  page is a ``LIMIT``/``OFFSET`` walk of the index of its order;
- a filter (``needle``) keeps the documents whose name contains it (SQLite's ``LIKE``: ASCII
  letters ignore case, ``%`` and ``_`` are plain characters) or whose status does. When a
  trigram of the needle occurs in at most :data:`FEW` names (the name index, below; one
  bounded probe per trigram), the rows are those candidates checked with ``LIKE``: the work
  and the exact count are proportional to them. Otherwise the filter matches many documents
  (or is shorter than three characters, or matches a status) and the rows are found by
  walking the index of the order with ``LIKE`` until a page is full (in import order through
  the name index, once every name is in it); their number is then not known until the last
  page (``total`` None). In import order or by span count a walk reads each document's row
  for its name, so when fewer than :data:`DENSE` of the first :data:`SCAN_PROBE` rows match,
  the matching ids are found from the covering index on names instead and held (``held``).

The name index (schema version 11) is ``document_name_index``, an FTS5 trigram table over
``documents.name`` (external content; the tokenizer folds case, a superset of ``LIKE``'s
folding, so ``LIKE`` decides). Like the texts' index (``annotator.store.search_index``) it is
filled after the documents are written, not by an insert trigger (which would cost an import
about 26 µs per document, five to ten times one statement afterwards; the watermark's check
costs it about 2.5 µs): ``document_name_state.indexed_through`` is the watermark, every
document up to it is indexed and none above it; the delete and rename triggers touch only
documents under it. :func:`index_names` moves it (the window does, a batch at a time, when
documents arrived). The candidates of a filter are the index's and the documents above the
watermark, so the answer is exact at every moment; with more than :data:`FEW` documents above
it the filter walks the index of its order instead.

A name and a status are read from the covering index on ``(name, status)`` (the status is
stored after the text in a document's row, so reading it there would walk the text's overflow
pages); span counts from the maintained counts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

from annotator.store import aggregates
from annotator.store.search_index import fts_query

__all__ = ["FEW", "NAME_INDEX_STATEMENTS", "ORDERS", "Plan", "Row", "create_name_index",
           "index_names", "names_pending", "position", "rows", "values"]

#: Sort keys of the document list: ``id`` (import order), ``name``, ``spans``, ``status``.
ORDERS = ("id", "name", "spans", "status")
#: A trigram in at most this many names makes a filter answered from the name index.
FEW = 1000
#: Trigrams of a needle probed at most (from its end: the last typed are the rarest).
PROBES = 8

#: ``(id, name, status, spans)``
Row = tuple[int, str, str, int]

_STATUSES = ("new", "in progress", "done")
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_CHUNK = 500
#: A document's status without reading its row (see the module's docstring).
_STATUS_OF = ("CROSS JOIN documents x INDEXED BY documents_by_name "
              "ON x.name = d.name AND x.id = d.id")


#: Schema version 11 (see the module's docstring); the last statement indexes the names there.
NAME_INDEX_STATEMENTS = (
    """CREATE VIRTUAL TABLE document_name_index USING fts5(
        name, content='documents', content_rowid='id', tokenize='trigram', detail='none')""",
    """CREATE TABLE document_name_state (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        indexed_through INTEGER NOT NULL
    )""",
    "INSERT INTO document_name_state (id, indexed_through) "
    "SELECT 1, coalesce(max(id), 0) FROM documents",
    # A document inserted under the watermark (an id reused after the last was removed).
    """CREATE TRIGGER document_name_index_insert AFTER INSERT ON documents
        WHEN new.id <= (SELECT indexed_through FROM document_name_state WHERE id = 1) BEGIN
        INSERT INTO document_name_index(rowid, name) VALUES (new.id, new.name); END""",
    """CREATE TRIGGER document_name_index_delete AFTER DELETE ON documents
        WHEN old.id <= (SELECT indexed_through FROM document_name_state WHERE id = 1) BEGIN
        INSERT INTO document_name_index(document_name_index, rowid, name)
            VALUES ('delete', old.id, old.name); END""",
    """CREATE TRIGGER document_name_index_update AFTER UPDATE OF name ON documents
        WHEN old.id <= (SELECT indexed_through FROM document_name_state WHERE id = 1) BEGIN
        INSERT INTO document_name_index(document_name_index, rowid, name)
            VALUES ('delete', old.id, old.name);
        INSERT INTO document_name_index(rowid, name) VALUES (new.id, new.name); END""",
    "INSERT INTO document_name_index(rowid, name) SELECT id, name FROM documents",
)
#: Names indexed at most per call of :func:`index_names` (by default): the window does it on
#: its own thread between events, and 2,000 names take a few milliseconds (20,000 took about
#: 36 ms, long enough to delay a key press).
NAME_BATCH = 2_000


def create_name_index(conn: Any) -> None:
    """Schema version 11, inside the migration's transaction."""
    for statement in NAME_INDEX_STATEMENTS:
        conn.execute(statement)


def _watermark(conn: Any) -> int:
    return conn.execute(
        "SELECT indexed_through FROM document_name_state WHERE id = 1").fetchone()[0]


def names_pending(project: Any, limit: int | None = None) -> int:
    """How many documents are above the name index's watermark (counted up to ``limit``,
    by default :data:`FEW` + 1)."""
    conn = project.db.conn
    limit = FEW + 1 if limit is None else limit
    return conn.execute("SELECT count(*) FROM (SELECT 1 FROM document_span_counts "
                        "WHERE document_id > ? LIMIT ?)", [_watermark(conn), limit]).fetchone()[0]


def index_names(project: Any, max_docs: int = NAME_BATCH) -> int:
    """Index the names of the next documents above the watermark (at most ``max_docs``, in
    one statement) and move the watermark past them, inside the caller's write transaction
    (``BEGIN IMMEDIATE``: the watermark is read in it). How many were indexed (0: none left)."""
    conn = project.db.conn
    after = _watermark(conn)
    through, count = conn.execute(
        "SELECT max(id), count(*) FROM (SELECT id FROM documents WHERE id > ? ORDER BY id "
        "LIMIT ?)", [after, max_docs]).fetchone()
    if not count:
        return 0
    conn.execute("INSERT INTO document_name_index(rowid, name) SELECT id, name FROM documents "
                 "WHERE id > ? AND id <= ?", [after, through])
    conn.execute("UPDATE document_name_state SET indexed_through = ? WHERE id = 1", [through])
    return count


def index_all_names(project: Any) -> None:
    """Index the names of every document above the watermark and move the watermark past the
    last document, inside the caller's write transaction (an import's, after its documents).

    What :func:`index_names` does without a limit, but the ids and names are read from
    ``documents_by_name``, which holds both, instead of from the documents' rows: a row fills
    most of a page (its text), so after a large import that cache no longer holds, reading
    100,000 rows reads 100,000 pages where the index has them in under a thousand."""
    conn = project.db.conn
    after = _watermark(conn)
    through = conn.execute("SELECT max(id) FROM documents").fetchone()[0]
    if through is None or through <= after:
        return
    conn.execute("INSERT INTO document_name_index(rowid, name) SELECT id, name FROM documents "
                 "INDEXED BY documents_by_name WHERE id > ? ORDER BY id", [after])
    conn.execute("UPDATE document_name_state SET indexed_through = ? WHERE id = 1", [through])


def _like(needle: str) -> str:
    escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _statuses_containing(needle: str) -> tuple[str, ...]:
    """The statuses that ``status LIKE '%needle%'`` matches (SQLite folds ASCII letters only)."""
    folded = needle.translate(_ASCII_LOWER)
    return tuple(s for s in _STATUSES if folded in s)


@dataclass(frozen=True)
class Plan:
    """How the rows of one list are found: see :func:`plan`."""

    order: str
    descending: bool
    needle: str
    #: The statuses the needle matches.
    statuses: tuple[str, ...]
    #: The trigram whose names (at most :data:`FEW`) are the candidates; None: walk the index.
    gram: str | None
    #: The name index's watermark: the documents above it are candidates too.
    through: int
    #: In import order with every name indexed and no trigram rare: the index's query (all
    #: the needle's trigrams) whose documents, in id order, are walked with ``LIKE``.
    walk: str | None
    #: The number of rows, when known without walking the list.
    total: int | None
    #: The ids of the rows, in order, when a walk of the order would be long (see :func:`plan`).
    held: tuple[int, ...] | None = None

    @property
    def way(self) -> str:
        return "DESC" if self.descending else "ASC"


def plan(project: Any, order: str = "id", descending: bool = False, needle: str = "") -> Plan:
    """The plan of the list sorted by ``order`` (one of :data:`ORDERS`; ties by name, then id)
    and filtered by ``needle`` (stripped; "" for all documents). Its cost does not grow with
    the project: a count of the documents, or at most :data:`PROBES` probes of the name index
    bounded by :data:`FEW` and a count of the candidates."""
    if order not in ORDERS:
        raise ValueError(f"order must be one of {', '.join(ORDERS)}")
    needle = needle.strip()
    db = project.db
    if not needle:
        return Plan(order, descending, "", (), None, 0, None,
                    aggregates.document_count(project))
    statuses = _statuses_containing(needle)
    gram, through, walk = None, 0, None
    pending = names_pending(project) if len(needle) >= 3 and not statuses else FEW + 1
    if pending <= FEW:
        through = _watermark(db.conn)
        grams = list(dict.fromkeys(needle[i : i + 3] for i in range(len(needle) - 3, -1, -1)))
        fewest = FEW + 1
        for candidate in grams[:PROBES]:
            found = db.execute(
                "SELECT count(*) FROM (SELECT 1 FROM document_name_index WHERE "
                "document_name_index MATCH ? LIMIT ?)", [fts_query(candidate), FEW + 1],
            ).fetchone()[0]
            if found < fewest:
                gram, fewest = candidate, found
                if not found:
                    break
        if gram is None and order == "id" and not pending:
            walk = fts_query(needle)
    draft = Plan(order, descending, needle, statuses, gram, through, walk, None)
    if gram is None and walk is None and order in ("id", "spans") \
            and not _dense_start(project, draft):
        return _held(project, draft)
    if gram is None:
        return draft
    source, params = _source(draft)
    total = db.execute(f"SELECT count(*) FROM ({source})", params).fetchone()[0]
    return Plan(order, descending, needle, statuses, gram, through, None, total)


#: A walk of the counts' order is taken when this many of its first :data:`SCAN_PROBE` rows
#: match (a page); else the matching ids are found from the names' covering index and held.
DENSE = 128
SCAN_PROBE = 1024


def _dense_start(project: Any, p: Plan) -> bool:
    """Whether the first :data:`SCAN_PROBE` rows of the order hold :data:`DENSE` matches (a
    walk reads each document's row for its name: long when few match)."""
    sql, params = _source(p, first=SCAN_PROBE)
    found = project.db.execute(f"SELECT count(*) FROM ({sql} LIMIT ?)",
                               [*params, DENSE]).fetchone()[0]
    return found >= DENSE


def _held(project: Any, p: Plan) -> Plan:
    """``p`` with the ids of its rows: the names' covering index read with ``LIKE`` (in C,
    about 14 ms at 100,000 documents), the matches sorted by SQLite, as one JSON array."""
    match, params = _match(p, "d.status")
    order = f"d.id {p.way}" if p.order == "id" else f"c.spans {p.way}, d.id {p.way}"
    found = project.db.execute(
        "SELECT json_group_array(id) FROM (SELECT d.id AS id FROM documents d INDEXED BY "
        "documents_by_name CROSS JOIN document_span_counts c ON c.document_id = d.id "
        f"WHERE {match} ORDER BY {order})", params).fetchone()[0]
    ids = tuple(json.loads(found))
    return replace(p, held=ids, total=len(ids))


def _keys(p: Plan) -> list[str]:
    """The sort key columns (the last one is the id: a total order). Walking an index, they
    are the index's columns, so that SQLite reads it in order instead of sorting."""
    if p.walk is not None:
        return ["f.rowid"]
    if p.order in ("id", "spans"):
        ident = "d.id" if p.gram is not None else "c.document_id"
        return [ident] if p.order == "id" else ["c.spans", ident]
    status = "d.status" if p.gram is None else "x.status"
    return ["d.name", status, "d.id"] if p.order == "name" else [status, "d.name", "d.id"]


def _match(p: Plan, status: str) -> tuple[str, list[Any]]:
    """The filter's condition on ``d.name`` and the column ``status``."""
    match, params = "d.name LIKE ? ESCAPE '\\'", [_like(p.needle)]
    if p.statuses:
        match += f" OR {status} IN ({', '.join('?' for _ in p.statuses)})"
        params += p.statuses
    return f"({match})", params


def _source(p: Plan, where: str = "", extra: list[Any] | None = None,
            first: int | None = None) -> tuple[str, list[Any]]:
    """``SELECT d.id FROM …`` the rows of ``p`` (plus the condition ``where``), unordered;
    walking the counts (import order, span counts), only their ``first`` rows in order."""
    params: list[Any] = []
    conditions = []
    if p.needle:
        match, params = _match(p, "d.status" if p.order in ("name", "status")
                               and p.gram is None else "x.status")
        conditions.append(match)
    if p.walk is not None:  # the index's rows come in id order
        sql = ("SELECT d.id FROM document_name_index f CROSS JOIN documents d ON d.id = f.rowid")
        conditions.insert(0, "document_name_index MATCH ?")
        params.insert(0, p.walk)
    elif p.gram is not None:
        sql = ("SELECT d.id FROM (SELECT rowid AS id FROM document_name_index WHERE "
               "document_name_index MATCH ? UNION ALL SELECT document_id FROM "
               "document_span_counts WHERE document_id > ?) m CROSS JOIN documents d "
               f"ON d.id = m.id {_STATUS_OF} "
               "CROSS JOIN document_span_counts c ON c.document_id = d.id")
        params[:0] = [fts_query(p.gram), p.through]
    elif p.order in ("name", "status"):
        sql = f"SELECT d.id FROM documents d INDEXED BY documents_by_{p.order}"
    else:
        index = " INDEXED BY document_span_counts_by_spans" if p.order == "spans" else ""
        sql = "SELECT c.document_id AS id FROM document_span_counts c" + index
        if first is not None:
            keys = ", ".join(f"{k.removeprefix('c.')} {p.way}" for k in _keys(p))
            sql = ("SELECT c.document_id AS id FROM (SELECT document_id, spans FROM "
                   f"document_span_counts{index} ORDER BY {keys} LIMIT ?) c")
            params.insert(0, first)
        if p.needle:  # the name by the row (stored before the text), the status by the index
            sql += " CROSS JOIN documents d ON d.id = c.document_id"
            if p.statuses:
                sql += " " + _STATUS_OF
    if where:
        conditions.append(where)
        params += extra or []
    if conditions:
        sql += " WHERE " + " AND ".join(conditions)
    return sql, params


def rows(project: Any, p: Plan, offset: int, limit: int) -> list[Row]:
    """The rows ``offset`` to ``offset + limit`` of the list (fewer at its end)."""
    if p.held is not None:
        ids = list(p.held[offset : offset + limit])
    else:
        sql, params = _source(p)
        ids = [r[0] for r in project.db.execute(
            f"{sql} ORDER BY {', '.join(f'{k} {p.way}' for k in _keys(p))} LIMIT ? OFFSET ?",
            [*params, limit, offset])]
    found = values(project, ids)
    return [(i, *found[i]) for i in ids if i in found]


def values(project: Any, document_ids: list[int]) -> dict[int, tuple[str, str, int]]:
    """``id -> (name, status, spans)`` of the given documents (the rows on screen)."""
    found: dict[int, tuple[str, str, int]] = {}
    for at in range(0, len(document_ids), _CHUNK):
        part = document_ids[at : at + _CHUNK]
        for doc_id, name, status, spans in project.db.execute(
                f"SELECT d.id, d.name, x.status, coalesce(c.spans, 0) FROM documents d "
                f"{_STATUS_OF} LEFT JOIN document_span_counts c ON c.document_id = d.id "
                f"WHERE d.id IN ({', '.join('?' for _ in part)})", part):
            found[doc_id] = (name, status, spans)
    return found


def position(project: Any, p: Plan, document_id: int) -> int:
    """The row of ``document_id`` in the list (-1 if not in it). Counts the rows before it
    (or after it, when that side is shorter and the number of rows is known): in C, a few
    milliseconds at 100,000 documents; in import order, unfiltered, without a gap in the ids
    (no document removed), the row is the id's distance from the first."""
    if p.held is not None:
        return p.held.index(document_id) if document_id in p.held else -1
    db = project.db
    found = values(project, [document_id]).get(document_id)
    if found is None:
        return -1
    name, status, spans = found
    if p.needle:
        hit = db.execute("SELECT ? LIKE ? ESCAPE '\\'", [name, _like(p.needle)]).fetchone()[0]
        if not hit and status not in p.statuses:
            return -1
    mine = {"id": [document_id], "spans": [spans, document_id],
            "name": [name, status, document_id],
            "status": [status, name, document_id]}[p.order]
    tuple_sql = f"({', '.join(_keys(p))})"
    marks = f"({', '.join('?' for _ in mine)})"
    before, after = ("<", ">") if not p.descending else (">", "<")
    if p.order == "id" and not p.needle:  # ids without gaps (nothing removed): no count
        first, last = db.execute(  # two look-ups (min and max together would scan)
            "SELECT (SELECT min(document_id) FROM document_span_counts), "
            "(SELECT max(document_id) FROM document_span_counts)").fetchone()
        if last - first + 1 == p.total:
            return document_id - first if not p.descending else last - document_id
    if p.total is not None:
        half = p.total // 2 + 1
        sql, params = _source(p, f"{tuple_sql} {after} {marks}", mine)
        later = db.execute(f"SELECT count(*) FROM ({sql} LIMIT ?)", [*params, half]).fetchone()[0]
        if later < half:
            return p.total - 1 - later
    sql, params = _source(p, f"{tuple_sql} {before} {marks}", mine)
    return db.execute(f"SELECT count(*) FROM ({sql})", params).fetchone()[0]
