"""The search index in the project file: SQLite FTS5 over the texts and over the reading keys.

Two derived structures, both rebuilt from the documents at will and never history:

- ``search_text``: an FTS5 table with the ``trigram`` tokenizer over ``documents.text``
  (external content: the text is not stored twice). Texts are indexed after they are written,
  in bulk (:func:`index_texts`: the first ``annotator search``, the window's background
  indexer), not by an insert trigger (which cost an import about 2.75 s per 1,000 texts):
  ``search_text_state.indexed_through`` is the watermark, every document with an id up to it
  is indexed and none above it. The delete and update triggers touch the index only for
  documents under the watermark (an external-content ``'delete'`` of a row that was never
  indexed would corrupt it), and a document inserted under the watermark (an id reused after
  the last document was removed) is indexed by the insert trigger at once. Searches stay
  exact at every moment: :func:`candidate_documents` checks the documents above the
  watermark directly.
- ``search_readings``: one row per document with its reading index in columns (the search key
  and what maps a key position back to code-point offsets; see
  ``annotator.services.japanese.search_records``), written once per document by whoever
  indexes it (the window's background indexer, or the first ``annotator search``), and
  ``search_keys``, the trigram FTS5 table over its ``key`` column, kept by triggers. ``key``
  is the document's search key (its first ``key_length`` characters) followed by what a match
  may also start with: for each token that lost letters to the key before it, a line of those
  letters and the key after them.

Both FTS tables use ``detail='none'`` (no positions: a fraction of the size). They answer
"which documents may contain this", in document-id order, and the caller checks each candidate
exactly (a query is AND-ed trigrams, so a candidate may not really contain the string).
Strings shorter than three characters have no trigram: :func:`candidate_documents` then scans
with ``instr`` (see ``docs/reading.md``), as it does for the documents not indexed yet.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Sequence
from typing import Any

__all__ = [
    "CREATE_STATEMENTS", "DEFERRED_TEXT_STATEMENTS", "candidate_documents", "create",
    "defer_text_index", "documents_without_readings", "fts_query", "index_texts",
    "pending_texts", "readings_count", "store_readings", "text_rows", "text_watermark",
]

#: The search index as schema version 7 created it (texts indexed by an insert trigger; version
#: 9 replaces the text triggers, see :data:`DEFERRED_TEXT_STATEMENTS`).
CREATE_STATEMENTS = (
    """CREATE VIRTUAL TABLE search_text USING fts5(
        text, content='documents', content_rowid='id', tokenize='trigram', detail='none')""",
    """CREATE TRIGGER search_text_insert AFTER INSERT ON documents BEGIN
        INSERT INTO search_text(rowid, text) VALUES (new.id, new.text); END""",
    """CREATE TRIGGER search_text_delete AFTER DELETE ON documents BEGIN
        INSERT INTO search_text(search_text, rowid, text) VALUES ('delete', old.id, old.text); END""",
    """CREATE TRIGGER search_text_update AFTER UPDATE OF text ON documents BEGIN
        INSERT INTO search_text(search_text, rowid, text) VALUES ('delete', old.id, old.text);
        INSERT INTO search_text(rowid, text) VALUES (new.id, new.text); END""",
    """CREATE TABLE search_readings (
        document_id INTEGER PRIMARY KEY REFERENCES documents(id) ON DELETE CASCADE,
        version INTEGER NOT NULL,
        key TEXT NOT NULL,
        key_length INTEGER NOT NULL,
        starts BLOB NOT NULL,
        key_starts BLOB NOT NULL,
        kinds TEXT NOT NULL,
        hira BLOB NOT NULL,
        hepburn BLOB NOT NULL,
        drops TEXT NOT NULL
    )""",
    "CREATE INDEX search_readings_by_version ON search_readings(version)",
    """CREATE VIRTUAL TABLE search_keys USING fts5(
        key, content='search_readings', content_rowid='document_id', tokenize='trigram',
        detail='none')""",
    """CREATE TRIGGER search_keys_insert AFTER INSERT ON search_readings BEGIN
        INSERT INTO search_keys(rowid, key) VALUES (new.document_id, new.key); END""",
    """CREATE TRIGGER search_keys_delete AFTER DELETE ON search_readings BEGIN
        INSERT INTO search_keys(search_keys, rowid, key) VALUES ('delete', old.document_id, old.key); END""",
    """CREATE TRIGGER search_keys_update AFTER UPDATE ON search_readings BEGIN
        INSERT INTO search_keys(search_keys, rowid, key) VALUES ('delete', old.document_id, old.key);
        INSERT INTO search_keys(rowid, key) VALUES (new.document_id, new.key); END""",
)

#: Schema version 9: the texts are indexed after they are written, up to a watermark.
DEFERRED_TEXT_STATEMENTS = (
    "DROP TRIGGER search_text_insert",
    "DROP TRIGGER search_text_delete",
    "DROP TRIGGER search_text_update",
    """CREATE TABLE search_text_state (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        indexed_through INTEGER NOT NULL
    )""",
    # Every document there is was indexed by the version 7 triggers.
    "INSERT INTO search_text_state (id, indexed_through) SELECT 1, coalesce(max(id), 0) FROM documents",
    """CREATE TRIGGER search_text_insert AFTER INSERT ON documents
        WHEN new.id <= (SELECT indexed_through FROM search_text_state WHERE id = 1) BEGIN
        INSERT INTO search_text(rowid, text) VALUES (new.id, new.text); END""",
    """CREATE TRIGGER search_text_delete AFTER DELETE ON documents
        WHEN old.id <= (SELECT indexed_through FROM search_text_state WHERE id = 1) BEGIN
        INSERT INTO search_text(search_text, rowid, text) VALUES ('delete', old.id, old.text); END""",
    """CREATE TRIGGER search_text_update AFTER UPDATE OF text ON documents
        WHEN old.id <= (SELECT indexed_through FROM search_text_state WHERE id = 1) BEGIN
        INSERT INTO search_text(search_text, rowid, text) VALUES ('delete', old.id, old.text);
        INSERT INTO search_text(rowid, text) VALUES (new.id, new.text); END""",
)

#: Documents indexed per statement while an existing project's text index is built.
BUILD_BATCH = 2000

#: ``progress(done_documents, total_documents)`` while the text index of a project is built.
BuildProgress = Callable[[int, int], None]

#: Set by a caller (the command line) to see the text index of an existing project being built
#: when it is migrated; None: silent.
migration_progress: BuildProgress | None = None


def create(conn: sqlite3.Connection, progress: BuildProgress | None = None) -> None:
    """Create the tables and triggers and index the texts already there, inside the caller's
    transaction (a migration). ``progress`` (default: :data:`migration_progress`) hears how
    far the text index is, every :data:`BUILD_BATCH` documents."""
    for statement in CREATE_STATEMENTS:
        conn.execute(statement)
    progress = progress if progress is not None else migration_progress
    total = conn.execute("SELECT count(*) FROM documents").fetchone()[0]
    if not total:
        return
    done, after = 0, 0
    while True:
        row = conn.execute(
            "SELECT max(id), count(*) FROM (SELECT id FROM documents WHERE id > ? ORDER BY id LIMIT ?)",
            [after, BUILD_BATCH]).fetchone()
        if not row[1]:
            break
        conn.execute("INSERT INTO search_text(rowid, text) SELECT id, text FROM documents "
                     "WHERE id > ? AND id <= ?", [after, row[0]])
        after, done = row[0], done + row[1]
        if progress is not None:
            progress(done, total)


def defer_text_index(conn: sqlite3.Connection) -> None:
    """Schema version 9 (inside the migration's transaction): the watermark table, set to the
    last document (all indexed so far), and the text triggers that respect it."""
    for statement in DEFERRED_TEXT_STATEMENTS:
        conn.execute(statement)


def text_watermark(conn: sqlite3.Connection) -> int:
    """The highest document id up to which every text is in ``search_text``."""
    row = conn.execute("SELECT indexed_through FROM search_text_state WHERE id = 1").fetchone()
    return 0 if row is None else row[0]


def pending_texts(conn: sqlite3.Connection) -> tuple[int, int]:
    """``(documents, characters)`` whose texts are not in ``search_text`` yet."""
    docs, chars = conn.execute(
        "SELECT count(*), coalesce(sum(length), 0) FROM documents WHERE id > ?",
        [text_watermark(conn)]).fetchone()
    return docs, chars


#: Documents and characters indexed at most per call of :func:`index_texts` (by default).
INDEX_DOCS = 2000
INDEX_CHARS = 8_000_000


def index_texts(conn: sqlite3.Connection, max_docs: int = INDEX_DOCS,
                max_chars: int = INDEX_CHARS) -> int:
    """Index the texts of the next documents above the watermark (at most ``max_docs``, and
    no more than ``max_chars`` characters unless the first alone) and move the watermark past
    them, inside the caller's write transaction (``BEGIN IMMEDIATE``: the watermark is read
    in it). Returns how many documents were indexed (0: none left). A transaction killed
    before its commit leaves the watermark where it was, so the next call indexes them."""
    after = text_watermark(conn)
    rows = conn.execute("SELECT id, length FROM documents WHERE id > ? ORDER BY id LIMIT ?",
                        [after, max_docs]).fetchall()
    if not rows:
        return 0
    through, chars, count = rows[0][0], 0, 0
    for doc_id, length in rows:
        if count and chars + length > max_chars:
            break
        through, chars, count = doc_id, chars + length, count + 1
    conn.execute("INSERT INTO search_text(rowid, text) SELECT id, text FROM documents "
                 "WHERE id > ? AND id <= ?", [after, through])
    conn.execute("UPDATE search_text_state SET indexed_through = ? WHERE id = 1", [through])
    return count


def fts_query(string: str) -> str | None:
    """The FTS5 query for documents whose indexed column contains ``string`` (its trigrams,
    every third one and the last, AND-ed), or None when it is shorter than three characters."""
    if len(string) < 3:
        return None
    positions = list(range(0, len(string) - 2, 3))
    if positions[-1] != len(string) - 3:
        positions.append(len(string) - 3)
    grams = dict.fromkeys(string[p : p + 3] for p in positions)
    return " AND ".join('"' + g.replace('"', '""') + '"' for g in grams)


def _needs_scan(string: str) -> bool:
    """Whether a case-insensitive match of ``string`` may involve letters that SQLite's
    ``lower()`` does not fold (non-ASCII cased letters, and i, k, s: İ, K, ſ)."""
    return any((not c.isascii() and c.lower() != c.upper()) or c in "iIkKsS" for c in string)


#: Document ids per query of :func:`candidate_documents`: the first window is small (a fast
#: first candidate), the next ones grow to the largest.
WINDOWS = (256, 1024, 4096, 16384)
#: Document ids per query at most where rows are scanned (a short term, texts not indexed yet).
SCAN_WINDOW = 1024


def candidate_documents(conn: sqlite3.Connection, table: str, strings: Sequence[str],
                        after: int = 0) -> Iterator[int]:
    """Ids (ascending, each once, after ``after``) of the documents whose text (``table`` =
    ``"search_text"``, case-insensitively) or reading key (``"search_keys"``, exactly) may
    contain one of ``strings``. A superset: check each one.

    The ids are asked for a window of document ids at a time (:data:`WINDOWS`), each query read
    to its end: between two windows no statement is left open, so the caller may write to the
    project (an edit, the indexer storing readings) while it goes through the ids.

    A string of three characters or more is looked up in the trigram index; a shorter one is
    looked for with ``instr`` in every row (a scan; for a text, every document when the string
    has letters that SQLite cannot fold, see :func:`_needs_scan`). Texts above the watermark
    (not indexed yet, see :func:`text_watermark`) are scanned the same way."""
    if table == "search_text":
        source, column, id_column, fold = "documents", "text", "id", True
    elif table == "search_keys":
        source, column, id_column, fold = "search_readings", "key", "document_id", False
    else:
        raise ValueError(f"not a search table: {table}")
    # (sql, params, where): "index" answers up to the text watermark, "above" (a scan) above
    # it, "all" (an index) and "scan" everywhere.
    queries: list[tuple[str, list[Any], str]] = []
    for s in dict.fromkeys(strings):
        query = fts_query(s)
        if query is not None:
            queries.append((f"SELECT rowid FROM {table} WHERE {table} MATCH ? AND rowid > ? "
                            "AND rowid <= ?", [query], "index" if fold else "all"))
            if fold:
                queries.append((*_text_scan(s), "above"))
        elif fold:
            queries.append((*_text_scan(s), "scan"))
        else:
            queries.append((f"SELECT {id_column} FROM {source} WHERE instr({column}, ?) "
                            f"AND {id_column} > ? AND {id_column} <= ?", [s], "scan"))
    return _windows(conn, queries, after, fold)


def _text_scan(s: str) -> tuple[str, list[Any]]:
    """The query scanning the texts of a window of ids for ``s`` (a superset of its
    case-insensitive matches)."""
    if _needs_scan(s):
        return "SELECT id FROM documents WHERE id > ? AND id <= ?", []
    return "SELECT id FROM documents WHERE instr(lower(text), ?) AND id > ? AND id <= ?", [s.lower()]


def _windows(conn: sqlite3.Connection, queries: list[tuple[str, list[Any], str]], after: int,
             texts: bool) -> Iterator[int]:
    """The ids of each window. For ``texts``, the watermark is read once: it only moves up,
    and the documents it passes meanwhile are still scanned (a superset). A window that scans
    rows is at most :data:`SCAN_WINDOW` ids (one statement stays short)."""
    if not queries:
        return
    last = conn.execute("SELECT coalesce(max(id), 0) FROM documents").fetchone()[0]
    mark = text_watermark(conn) if texts else last
    scans = any(where == "scan" for _s, _p, where in queries)
    above = any(where == "above" for _s, _p, where in queries)
    step = 0
    while after < last:
        size = WINDOWS[min(step, len(WINDOWS) - 1)]
        if scans or (above and after + size > mark):
            size = min(size, SCAN_WINDOW)
        high = after + size
        ids: set[int] = set()
        for sql, params, where in queries:
            low, top = after, high
            if where == "index":
                top = min(high, mark)
            elif where == "above":
                low = max(after, mark)
            if low < top:
                ids.update(row[0] for row in conn.execute(sql, [*params, low, top]).fetchall())
        yield from sorted(ids)
        after, step = high, step + 1


def text_rows(conn: sqlite3.Connection, ids: Sequence[int]) -> dict[int, tuple[str, str]]:
    """Document id -> ``(text, sha256)`` for ``ids`` (one query)."""
    if not ids:
        return {}
    marks = ", ".join("?" for _ in ids)
    return {row[0]: (row[1], row[2]) for row in conn.execute(
        f"SELECT id, text, sha256 FROM documents WHERE id IN ({marks})", list(ids))}


_READING_COLUMNS = "document_id, key, key_length, starts, key_starts, kinds, hira, hepburn, drops"


def reading_rows(conn: sqlite3.Connection, ids: Sequence[int], version: int) -> dict[int, tuple[Any, ...]]:
    """Document id -> ``(document_id, key, key_length, starts, key_starts, kinds, hira, hepburn,
    drops)`` for the documents of ``ids`` that have readings of ``version``."""
    if not ids:
        return {}
    marks = ", ".join("?" for _ in ids)
    return {row[0]: row for row in conn.execute(
        f"SELECT {_READING_COLUMNS} FROM search_readings WHERE version = ? AND document_id IN ({marks})",
        [version, *ids])}


def key_rows(conn: sqlite3.Connection, ids: Sequence[int], version: int) -> dict[int, tuple[Any, ...]]:
    """Document id -> ``(document_id, key, key_length, starts, key_starts, number of kinds,
    drops, text length)`` for the documents of ``ids`` that have readings of ``version``: what
    matching a search key needs without the text or the readings."""
    if not ids:
        return {}
    marks = ", ".join("?" for _ in ids)
    return {row[0]: row for row in conn.execute(
        "SELECT r.document_id, r.key, r.key_length, r.starts, r.key_starts, length(r.kinds), "
        "r.drops, d.length FROM search_readings r JOIN documents d ON d.id = r.document_id "
        f"WHERE r.version = ? AND r.document_id IN ({marks})", [version, *ids])}


def reading_row(conn: sqlite3.Connection, document_id: int, version: int) -> tuple[Any, ...] | None:
    """The readings row of one document (see :func:`reading_rows`), or None."""
    return conn.execute(f"SELECT {_READING_COLUMNS} FROM search_readings WHERE document_id = ? "
                        "AND version = ?", [document_id, version]).fetchone()


def store_readings(conn: sqlite3.Connection, rows: Sequence[tuple[Any, ...]], version: int) -> int:
    """Write readings rows ``(document_id, key, key_length, starts, key_starts, kinds, hira,
    hepburn, drops)`` of ``version`` (replacing older ones), inside the caller's transaction. A row
    whose document is gone is skipped. Returns how many were written."""
    written = 0
    for row in rows:
        if conn.execute("SELECT 1 FROM documents WHERE id = ?", [row[0]]).fetchone() is None:
            continue
        # DELETE, then INSERT: a REPLACE would not run the delete trigger that keeps
        # search_keys right.
        if conn.execute("SELECT 1 FROM search_readings WHERE document_id = ?", [row[0]]).fetchone():
            conn.execute("DELETE FROM search_readings WHERE document_id = ?", [row[0]])
        conn.execute(
            "INSERT INTO search_readings (document_id, version, key, key_length, starts, "
            "key_starts, kinds, hira, hepburn, drops) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [row[0], version, *row[1:]])
        written += 1
    return written


def documents_without_readings(conn: sqlite3.Connection, version: int, after: int = 0,
                               limit: int = 100) -> list[tuple[int, int]]:
    """``(id, length)`` of up to ``limit`` documents after id ``after``, ascending, that have
    no readings of ``version`` yet (one indexed range query: no list of the whole project)."""
    return conn.execute(
        "SELECT d.id, d.length FROM documents d LEFT JOIN search_readings r "
        "ON r.document_id = d.id AND r.version = ? WHERE d.id > ? AND r.document_id IS NULL "
        "ORDER BY d.id LIMIT ?", [version, after, limit]).fetchall()


def readings_count(conn: sqlite3.Connection, version: int) -> tuple[int, int]:
    """``(documents with readings of version, documents)``."""
    indexed = conn.execute("SELECT count(*) FROM search_readings WHERE version = ?",
                           [version]).fetchone()[0]
    return indexed, conn.execute("SELECT count(*) FROM documents").fetchone()[0]
