"""The connection's settings for the length of a bulk write (a large import).

A large import writes hundreds of megabytes in one transaction. Two of SQLite's defaults cost
it dearly, and :func:`bulk_writing` changes them for its duration only, restoring them after
(also after a failure):

* ``cache_size``: once the page cache is full, SQLite writes dirty pages out to the WAL in
  the middle of the transaction, oldest first, which are often the ones still being written
  (the last pages of each index), so they are written again and again. :data:`BULK_CACHE_KIB`
  holds more of them.
* ``temp_store``: every document insert fires triggers, so SQLite keeps a statement journal
  of the pages the statement changes (about nine pages a document here), by default in a
  temporary file: as many bytes passed to ``pwrite`` as the project file itself holds. In
  memory (``temp_store = MEMORY``) it is a copy, not a system call, and it is emptied after
  each statement. The transaction's own savepoint also journals each page the project had
  before the import the first time the import changes it, for the whole import: in memory
  that is bounded by the file's size when the import starts, so journals stay in a file for
  a project larger than :data:`MEMORY_JOURNAL_LIMIT`.

Neither changes what is written to the project file, or when it is committed.

A third setting is for a large import into a small project (a new one, typically) that no other
connection has open, :func:`bulk_writing` with ``expected_bytes`` of at least
:data:`DIRECT_WRITE_BYTES`: the transaction uses a rollback journal instead of the write-ahead
log (``journal_mode = DELETE``, back to ``WAL`` after). In WAL mode every page of the import is
written twice, to the log during the transaction and again to the project file by the
checkpoint after it commits (a 2 GB import: 15 s of copying at the commit, ×16 from a tenth of
the size, the larger part of the import's growth); with a rollback journal the new pages go to
the file once and the journal holds only the few pages the project had before. All or nothing
is kept: the journal restores those pages after a failure or a kill (when the project is next
opened), and ``synchronous = EXTRA`` for the while makes the commit (the journal's deletion)
durable. What changes is for other programs during the import: one that opens the project then
gets "database is locked" (after the usual busy timeout) instead of reading the project as it
was before the import. The switch happens only when no other connection has the file open
(SQLite refuses it otherwise, and the import stays in WAL mode).

A large write (``expected_bytes`` of at least :data:`DIRECT_WRITE_BYTES`, into a project of any
size) also turns ``foreign_keys`` off for its transaction, on again after it. With them on,
every span row inserted looks up its document and its label (two B-tree searches): 5-20% of
the spans' insert in runs on a shared machine (680,000 span rows: best of three 2.81 s of CPU
against 3.05 s; about 2 s for the 3.4M spans of the 100,000-document corpus). The import makes every reference itself from
what it read or wrote inside the same ``BEGIN IMMEDIATE`` transaction (a document it found by
its SHA-256 or has just inserted, label and relation-type ids read after the transaction
began, relation ends among the spans it wrote or found), so no row it writes can point at
nothing; the checks were a second opinion on that, not a guard against another program.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterator, Sequence
from itertools import chain
from operator import itemgetter
from typing import TYPE_CHECKING, Any

import orjson

from annotator.store.database import is_busy
from annotator.store.relation_rows import attributes_json

if TYPE_CHECKING:
    from annotator.store.project import Project

#: The page cache of a bulk write, in KiB (the connection's usual one is 64 MiB).
BULK_CACHE_KIB = 192 * 1024
#: Journals are kept in memory only for a project file up to this size (bytes) when the
#: bulk write starts.
MEMORY_JOURNAL_LIMIT = 128 * 1024 * 1024
#: SQLite's ``temp_store`` value for memory.
_MEMORY = 2
#: An import of files of at least this many bytes into a project of at most
#: :data:`MEMORY_JOURNAL_LIMIT` writes with a rollback journal (see the module docstring).
DIRECT_WRITE_BYTES = 32 * 1024 * 1024
#: SQLite's ``synchronous`` value EXTRA (FULL, and the journal's deletion synced too).
_EXTRA = 3
_first = itemgetter(0)


@contextlib.contextmanager
def bulk_writing(project: Project, expected_bytes: int = 0) -> Iterator[None]:
    """Around a bulk write: a larger page cache and (for a project up to
    :data:`MEMORY_JOURNAL_LIMIT`) journals in memory, put back as they were when the block
    ends. ``temp_store`` is changed only outside a transaction (SQLite keeps a transaction's
    journals where they were opened). When the write reads ``expected_bytes`` of at least
    :data:`DIRECT_WRITE_BYTES` into such a project, outside a transaction, and no other
    connection has it open, it has a rollback journal, and any such write has foreign keys
    off for its transaction (see the module docstring)."""
    conn = project.db.conn
    cache = conn.execute("PRAGMA cache_size").fetchone()[0]
    temp = conn.execute("PRAGMA temp_store").fetchone()[0]
    # A negative cache_size is in KiB, a positive one in pages.
    page = conn.execute("PRAGMA page_size").fetchone()[0]
    current_kib = -cache if cache < 0 else cache * page // 1024
    if current_kib < BULK_CACHE_KIB:
        conn.execute(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    change_temp = (not conn.in_transaction and temp != _MEMORY
                   and pages * page <= MEMORY_JOURNAL_LIMIT)
    if change_temp:
        conn.execute(f"PRAGMA temp_store = {_MEMORY}")
    synchronous = None
    if (expected_bytes >= DIRECT_WRITE_BYTES and not conn.in_transaction
            and pages * page <= MEMORY_JOURNAL_LIMIT):
        synchronous = _leave_wal(conn)
    # (SQLite ignores a change of foreign_keys inside a transaction.)
    keys_off = (expected_bytes >= DIRECT_WRITE_BYTES and not conn.in_transaction
                and conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1)
    if keys_off:
        conn.execute("PRAGMA foreign_keys = OFF")
    try:
        yield
    finally:
        if not project.closed:
            if keys_off and not conn.in_transaction:
                conn.execute("PRAGMA foreign_keys = ON")
            conn.execute(f"PRAGMA cache_size = {cache}")
            if change_temp and not conn.in_transaction:
                conn.execute(f"PRAGMA temp_store = {temp}")
            if synchronous is not None and not conn.in_transaction:
                _back_to_wal(conn, synchronous)


def _leave_wal(conn: sqlite3.Connection) -> int | None:
    """Switch from WAL to a rollback journal with durable commits, without waiting: SQLite
    refuses while another connection has the file open. The former ``synchronous`` value
    when it switched, else None."""
    if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
        return None
    timeout = conn.execute("PRAGMA busy_timeout").fetchone()[0]
    conn.execute("PRAGMA busy_timeout = 0")
    try:
        mode = conn.execute("PRAGMA journal_mode = DELETE").fetchone()[0]
    except sqlite3.OperationalError as exc:
        if not is_busy(exc):
            raise
        return None
    finally:
        conn.execute(f"PRAGMA busy_timeout = {timeout}")
    if mode != "delete":
        return None
    synchronous = conn.execute("PRAGMA synchronous").fetchone()[0]
    conn.execute(f"PRAGMA synchronous = {_EXTRA}")
    return synchronous


def _back_to_wal(conn: sqlite3.Connection, synchronous: int) -> None:
    """WAL mode again after :func:`_leave_wal` (waiting the busy timeout for a program that
    opened the project meanwhile; if it still reads, the next connection to open the project
    switches it, as every connection does)."""
    conn.execute(f"PRAGMA synchronous = {synchronous}")
    try:
        conn.execute("PRAGMA journal_mode = WAL")
    except sqlite3.OperationalError as exc:
        if not is_busy(exc):
            raise


#: A span row in full, its values in this order (also what ``Project.add_span`` writes).
INSERT_SPAN = ('INSERT INTO spans (id, document_id, start, "end", label_id, annotator, note, '
                 "created_at, updated_at, value, attributes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, "
                 "?, ?)")
_INSERT_PLAIN_SPANS = ('INSERT INTO spans (id, document_id, start, "end", label_id, annotator, '
                       "created_at, updated_at, note, value, attributes) VALUES (?, ?, ?, ?, ?, "
                       "?, ?, ?, NULL, NULL, NULL)")
#: Rows a multi-row ``INSERT ... VALUES`` of :func:`insert_rows` holds at most.
ROWS_PER_INSERT = 500


def span_rows(groups: Sequence[tuple[int, str, Sequence[Any]]], label_ids: dict[str, int]
              ) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The rows of the spans of ``(document id, source, spans)`` groups, as two lists:
    ``plain`` rows ``(id, document_id, start, end, label_id, annotator, created_at,
    updated_at)`` of spans without a note, value or attributes (most of an import), and
    ``full`` rows ``(id, document_id, start, end, label_id, annotator, note, created_at,
    updated_at, value, attributes)`` of the others, each in id order. The first five columns
    are the same in both. A label not in ``label_ids`` raises ``KeyError``.

    The two are inserted by two statements (:func:`insert_span_rows`): the sqlite3 module binds
    ``None`` by way of its adapter lookup (a tuple, a dictionary lookup and two attribute
    lookups per parameter), about half of ``executemany``'s time for a row with three of them.
    In id order, the primary-key inserts walk the index once (time-ordered new ids are in
    order already; ids given by a file need not be)."""
    plain = [(span.id, doc_id, span.start, span.end, label_ids[span.label], span.annotator,
              span.created_at, span.updated_at)
             for doc_id, _source, spans in groups for span in spans
             if span.note is None and span.value is None
             and not getattr(span, "attributes", None)]
    full: list[tuple[Any, ...]] = []
    if sum(len(spans) for _, _, spans in groups) > len(plain):
        dumps = json.dumps
        full = [(span.id, doc_id, span.start, span.end, label_ids[span.label], span.annotator,
                 span.note, span.created_at, span.updated_at,
                 None if span.value is None else dumps(span.value, ensure_ascii=False),
                 attributes_json(values) if (values := getattr(span, "attributes", None))
                 else None)
                for doc_id, _source, spans in groups for span in spans
                if span.note is not None or span.value is not None
                or getattr(span, "attributes", None)]
        full.sort(key=_first)
    plain.sort(key=_first)
    return plain, full


def insert_span_rows(conn: sqlite3.Connection, plain: Sequence[tuple[Any, ...]],
                     full: Sequence[tuple[Any, ...]] = ()) -> None:
    """Insert the rows :func:`span_rows` made, inside the caller's transaction."""
    if full:
        insert_rows(conn, INSERT_SPAN, full)
    insert_rows(conn, _INSERT_PLAIN_SPANS, plain)


def insert_rows(conn: sqlite3.Connection, insert: str, rows: Sequence[tuple[Any, ...]]) -> None:
    """Run ``insert`` (``INSERT INTO t (...) VALUES (...)``, one row of ``?`` and literals)
    for every row, :data:`ROWS_PER_INSERT` rows to a statement (``VALUES (...), (...), ...``),
    the few left over by ``executemany``; inside the caller's transaction.

    One statement for many rows keeps its cursors where the last row went: a row whose keys
    follow the last one's (time-ordered ids, documents in order) is put beside it without
    searching each B-tree from its root again, as each row of an ``executemany`` does (a
    statement run again opens its cursors again). At most as many parameters as the
    connection allows."""
    values = insert.rindex("VALUES") + len("VALUES")
    one = insert[values:].strip()
    width = one.count("?")
    per = min(ROWS_PER_INSERT, conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // width)
    whole = len(rows) - len(rows) % per if per > 1 else 0
    if whole:
        many = insert[:values] + " " + ", ".join([one] * per)
        flat = chain.from_iterable
        for at in range(0, whole, per):
            conn.execute(many, tuple(flat(rows[at : at + per])))
    if whole < len(rows):
        conn.executemany(insert, rows[whole:])


def import_history(source: str, spans: Sequence[Any]) -> str:
    """The ``after`` of a document's span-import history row: ``{"source", "span_ids"}`` as
    JSON text, written by orjson (``json.dumps`` with ``ensure_ascii=False`` builds an
    encoder on every call: 7.5 µs against 0.5 µs for a document's 34 ids here)."""
    return orjson.dumps({"source": source, "span_ids": [span.id for span in spans]}).decode()


def document_history(uid: str, name: str, sha256: str, length: int) -> str:
    """The ``after`` of a document's add history row, as JSON text (by orjson, see
    :func:`import_history`; every value is a string or an integer)."""
    return orjson.dumps({"uid": uid, "name": name, "sha256": sha256, "length": length}).decode()
