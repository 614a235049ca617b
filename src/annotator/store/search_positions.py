"""Where each token of each indexed document is: the positional part of the search index.

Derived from ``search_readings`` (``annotator.store.search_index``) and rebuilt from it at will,
never history. Its tables:

- ``search_types``: one row per token type, ``(surface, stored, dropped)``: the token's text,
  its part of the document's search key and the letters it lost to the key before it;
- ``search_type_keys``: what a type contributes to a match, looked up by the key string it
  matches (``key``): ``role`` 0 the whole token (``a`` = 0, ``b`` = its length), 1 a match
  starting in or at it and going on past it (``a`` = where the match starts in the token's
  text, ``b`` = its stored key's length), 2 a match ending in it (``b`` = where it ends), 3 a
  match inside it (``a``, ``b``); 4, 5, 6 the same by the token's text (its text, where a
  match starts inside it, where one ends inside it: for literal terms); computed once per type;
- ``search_postings``: per type and indexing batch, where its tokens are: a compressed blob of
  positions (see ``annotator.services.japanese.positions``), with the first and last document
  of the batch, so that a query reads only the rows of the documents it asks for;
- ``search_unkeyed_chars``: the characters of the tokens that have no key (spaces, signs:
  they match no reading, so they have no postings);
- ``search_position_docs``: which batch holds each document's current tokens (and
  ``search_position_state`` the last batch number given). A document whose
  readings are replaced or removed loses its row (a trigger), so the postings of its old batch
  no longer count for it; a query keeps only the positions of documents whose batch is the
  row's.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

__all__ = ["CREATE_STATEMENTS", "add_documents", "add_entries", "add_postings", "create", "current_documents", "documents_in", "entries", "missing_documents",
           "missing_count", "next_batch", "outdated", "clear", "document_ids", "posting_rows", "store_batch", "type_ids", "types_containing",
           "types_unchanged",
           "unkeyed_among"]

CREATE_STATEMENTS = (
    """CREATE TABLE search_types (
        id INTEGER PRIMARY KEY,
        surface TEXT NOT NULL,
        stored TEXT NOT NULL,
        dropped TEXT NOT NULL,
        UNIQUE (surface, stored, dropped)
    )""",
    """CREATE TABLE search_type_keys (
        key TEXT NOT NULL,
        type_id INTEGER NOT NULL REFERENCES search_types(id) ON DELETE CASCADE,
        role INTEGER NOT NULL,
        a INTEGER NOT NULL,
        b INTEGER NOT NULL
    )""",
    "CREATE INDEX search_type_keys_by_key ON search_type_keys(key, role)",
    """CREATE TABLE search_postings (
        type_id INTEGER NOT NULL REFERENCES search_types(id) ON DELETE CASCADE,
        batch INTEGER NOT NULL,
        first_doc INTEGER NOT NULL,
        last_doc INTEGER NOT NULL,
        data BLOB NOT NULL,
        PRIMARY KEY (type_id, batch)
    ) WITHOUT ROWID""",
    """CREATE TABLE search_position_docs (
        document_id INTEGER PRIMARY KEY REFERENCES documents(id) ON DELETE CASCADE,
        batch INTEGER NOT NULL,
        version INTEGER NOT NULL
    )""",
    """CREATE TABLE search_unkeyed_chars (
        char TEXT PRIMARY KEY
    ) WITHOUT ROWID""",
    """CREATE TABLE search_position_state (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        last_batch INTEGER NOT NULL
    )""",
    "INSERT INTO search_position_state (id, last_batch) VALUES (1, 0)",
    """CREATE TRIGGER search_position_docs_readings_delete AFTER DELETE ON search_readings BEGIN
        DELETE FROM search_position_docs WHERE document_id = old.document_id; END""",
)


def create(conn: sqlite3.Connection) -> None:
    """Create the tables and the trigger (inside the caller's transaction, a migration)."""
    for statement in CREATE_STATEMENTS:
        conn.execute(statement)


def next_batch(conn: sqlite3.Connection) -> int:
    """A batch number no postings row has yet, taken (inside the caller's write transaction:
    a rolled-back batch gives its number back)."""
    conn.execute("UPDATE search_position_state SET last_batch = last_batch + 1 WHERE id = 1")
    return conn.execute("SELECT last_batch FROM search_position_state WHERE id = 1").fetchone()[0]


def type_ids(conn: sqlite3.Connection, types: Sequence[tuple[str, str, str]],
             ) -> tuple[list[int], list[int]]:
    """The ids of ``types`` ``(surface, stored, dropped)``, adding the new ones (inside the
    caller's write transaction): ``(ids in the order given, indexes of the new ones)``."""
    ids: list[int] = []
    new: list[int] = []
    for i, t in enumerate(types):
        row = conn.execute("SELECT id FROM search_types WHERE surface = ? AND stored = ? "
                           "AND dropped = ?", t).fetchone()
        if row is None:
            ids.append(conn.execute("INSERT INTO search_types (surface, stored, dropped) "
                                    "VALUES (?, ?, ?)", t).lastrowid)
            new.append(i)
        else:
            ids.append(row[0])
    return ids, new


def types_unchanged(conn: sqlite3.Connection, ids: Sequence[int],
                    types: Sequence[tuple[str, str, str]]) -> bool:
    """Whether each id of ``ids`` is still the type of ``types`` at its place (a batch written
    in several transactions took its ids in an earlier one: :func:`clear`, by another program,
    may have given them to other types since)."""
    for at in range(0, len(ids), 500):
        part = ids[at : at + 500]
        marks = ", ".join("?" for _ in part)
        found = {row[0]: tuple(row[1:]) for row in conn.execute(
            f"SELECT id, surface, stored, dropped FROM search_types WHERE id IN ({marks})", part)}
        if any(found.get(i) != tuple(t) for i, t in zip(part, types[at : at + 500], strict=True)):
            return False
    return True


def store_batch(conn: sqlite3.Connection, batch: int, version: int,
                keys: Iterable[tuple[str, int, int, int, int]],
                postings: Iterable[tuple[int, int, int, bytes]], documents: Sequence[int],
                unkeyed: Iterable[str] = ()) -> None:
    """Write one batch inside the caller's transaction: the key entries of new types
    ``(key, type_id, role, a, b)``, the postings ``(type_id, first_doc, last_doc, data)``, the
    documents whose tokens they are (replacing their earlier batch) and the characters of
    their tokens without a key (which have no postings)."""
    add_entries(conn, keys)
    add_postings(conn, batch, postings)
    add_documents(conn, batch, version, documents, unkeyed)


def add_entries(conn: sqlite3.Connection, keys: Iterable[tuple[str, int, int, int, int]]) -> None:
    """The entries ``(key, type_id, role, a, b)`` of types just added (their transaction)."""
    conn.executemany("INSERT INTO search_type_keys (key, type_id, role, a, b) VALUES (?, ?, ?, ?, ?)",
                     keys)


def add_postings(conn: sqlite3.Connection, batch: int,
                 postings: Iterable[tuple[int, int, int, bytes]]) -> None:
    """Postings rows ``(type_id, first_doc, last_doc, data)`` of ``batch``: they count for a
    document only once :func:`add_documents` names the batch as its own."""
    conn.executemany("INSERT INTO search_postings (type_id, batch, first_doc, last_doc, data) "
                     "VALUES (?, ?, ?, ?, ?)",
                     ((t, batch, first, last, data) for t, first, last, data in postings))


def add_documents(conn: sqlite3.Connection, batch: int, version: int, documents: Sequence[int],
                  unkeyed: Iterable[str] = ()) -> None:
    """Make ``batch`` the one holding the tokens of ``documents`` (replacing an earlier one),
    and note the characters of their tokens without a key."""
    conn.executemany("INSERT OR IGNORE INTO search_unkeyed_chars (char) VALUES (?)",
                     ((c,) for c in unkeyed))
    conn.executemany("INSERT OR REPLACE INTO search_position_docs (document_id, batch, version) "
                     "VALUES (?, ?, ?)", ((d, batch, version) for d in documents))


def current_documents(conn: sqlite3.Connection, ids: Sequence[int], version: int) -> dict[int, str]:
    """Id -> SHA-256 of the text of the documents of ``ids`` whose readings row has ``version``."""
    found: dict[int, str] = {}
    ids = list(ids)
    for at in range(0, len(ids), 500):
        part = ids[at : at + 500]
        marks = ", ".join("?" for _ in part)
        found.update(conn.execute(
            "SELECT r.document_id, d.sha256 FROM search_readings r JOIN documents d ON d.id = "
            f"r.document_id WHERE r.version = ? AND r.document_id IN ({marks})", [version, *part]))
    return found


def entries(conn: sqlite3.Connection, keys: Sequence[str], roles: Sequence[int],
            ) -> list[tuple[str, int, int, int, int]]:
    """``(key, type_id, role, a, b)`` of every entry whose key is one of ``keys`` and whose
    role one of ``roles``."""
    out: list[tuple[str, int, int, int, int]] = []
    keys = list(dict.fromkeys(keys))
    for role in dict.fromkeys(roles):
        for at in range(0, len(keys), 500):
            part = keys[at : at + 500]
            marks = ", ".join("?" for _ in part)
            out.extend(conn.execute(f"SELECT key, type_id, role, a, b FROM search_type_keys "
                                    f"WHERE key IN ({marks}) AND role = ?", [*part, role]).fetchall())
    return out


def types_containing(conn: sqlite3.Connection, text: str) -> list[tuple[int, str]]:
    """``(id, surface)`` of the types whose text contains ``text`` (a scan of the types)."""
    return conn.execute("SELECT id, surface FROM search_types WHERE instr(surface, ?) > 0",
                        [text]).fetchall()


def unkeyed_among(conn: sqlite3.Connection, chars: Iterable[str]) -> bool:
    """Whether one of ``chars`` is in a token that is not in the postings."""
    chars = list(chars)
    marks = ", ".join("?" for _ in chars)
    return conn.execute(f"SELECT 1 FROM search_unkeyed_chars WHERE char IN ({marks}) LIMIT 1",
                        chars).fetchone() is not None


def posting_rows(conn: sqlite3.Connection, type_id: int, batches: Sequence[int],
                 ) -> list[tuple[int, bytes]]:
    """``(batch, data)`` of the postings rows of a type in ``batches``."""
    out: list[tuple[int, bytes]] = []
    for at in range(0, len(batches), 500):
        part = list(batches[at : at + 500])
        marks = ", ".join("?" for _ in part)
        out.extend(conn.execute(f"SELECT batch, data FROM search_postings WHERE type_id = ? "
                                f"AND batch IN ({marks})", [type_id, *part]).fetchall())
    return out


def documents_in(conn: sqlite3.Connection, low: int, high: int, version: int,
                 ) -> list[tuple[int, int]]:
    """``(document_id, batch)`` of the documents in ``[low, high)`` whose tokens of
    ``version`` are in the postings."""
    return conn.execute("SELECT document_id, batch FROM search_position_docs WHERE "
                        "document_id >= ? AND document_id < ? AND version = ?",
                        [low, high, version]).fetchall()


def outdated(conn: sqlite3.Connection, version: int) -> bool:
    """Whether some document's tokens are in the postings under another ``version`` (the
    types' entries may then have been computed otherwise: :func:`clear` first)."""
    return conn.execute("SELECT 1 FROM search_position_docs WHERE version <> ? LIMIT 1",
                        [version]).fetchone() is not None


def clear(conn: sqlite3.Connection) -> None:
    """Remove every type, entry, postings row and document of the postings (inside the
    caller's write transaction; they are built again from the readings)."""
    for table in ("search_position_docs", "search_postings", "search_type_keys", "search_types",
                  "search_unkeyed_chars"):
        conn.execute(f"DELETE FROM {table}")


def document_ids(conn: sqlite3.Connection, low: int, high: int) -> list[int]:
    """The ids of the documents in ``[low, high)``, ascending, from the counts table's row
    per document (``annotator.store.aggregates``, kept by triggers): a few bytes a row, where
    the documents' table holds a page of text a row (at 100,000 documents a range of all of
    them read 400 MB through the page cache, 160 ms, against 28 ms)."""
    return [row[0] for row in conn.execute(
        "SELECT document_id FROM document_span_counts WHERE document_id >= ? AND document_id < ? "
        "ORDER BY document_id", [low, high])]


_MISSING = ("FROM search_readings r LEFT JOIN search_position_docs p ON p.document_id = "
            "r.document_id AND p.version = ? WHERE r.version = ? AND p.document_id IS NULL")


def missing_count(conn: sqlite3.Connection, version: int, readings_version: int) -> int:
    """How many documents have readings of ``readings_version`` but no tokens of ``version``
    in the postings."""
    return conn.execute(f"SELECT count(*) {_MISSING}", [version, readings_version]).fetchone()[0]


def missing_documents(conn: sqlite3.Connection, version: int, readings_version: int,
                      after: int = 0, limit: int | None = None) -> list[int]:
    """Ids (ascending, after ``after``) of the documents :func:`missing_count` counts."""
    sql = f"SELECT r.document_id {_MISSING} AND r.document_id > ? ORDER BY r.document_id"
    params: list[Any] = [version, readings_version, after]
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    return [row[0] for row in conn.execute(sql, params)]
