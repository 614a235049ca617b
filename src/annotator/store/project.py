"""The project: one SQLite file holding documents, labels, spans and their history.

Every public method that changes something is one transaction, committed before it returns, and
writes its history rows in that same transaction. Several calls can be grouped into one
transaction with ``with project.atomic():`` (savepoints nest). Writes go through sqlite-utils;
reads use plain SQL for speed.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from itertools import groupby
from operator import itemgetter
from pathlib import Path
from typing import Any, Protocol

import sqlite_utils

from annotator.domain.errors import LabelError, SpanError
from annotator.domain.spans import Span, check_annotator, check_bounds, make_span, new_span_id
from annotator.domain.spans import now
from annotator.domain.text import canonicalise, sha256_text
from annotator.store import registry
from annotator.store.bulk import (
    INSERT_SPAN,
    import_history,
    insert_span_rows,
    span_rows,
)
from annotator.store.database import BUSY_TIMEOUT_MS, connect, is_busy
from annotator.store.errors import ConflictError, ProjectBusyError, ProjectError
from annotator.store.labels import UNSET, LabelsMixin
from annotator.store.reading import ReadingMixin
from annotator.store.relations import RelationsMixin, attributes_json
from annotator.store.review import ReviewMixin

DOCUMENT_STATUSES = ("new", "in progress", "done")
DEFAULT_LOCK_TIMEOUT = 60.0  # seconds a write waits for another program's write lock
LOCK_POLL_MS = 100

_SPAN_SELECT = (
    'SELECT s.id, s.document_id, s.start, s."end", l.name, s.annotator, s.note, '
    "s.created_at, s.updated_at, s.value, s.attributes FROM spans s "
    "JOIN labels l ON l.id = s.label_id"
)


#: The document id of a row of ``_SPAN_SELECT``.
_DOCUMENT_OF = itemgetter(1)


def span_from_row(row: Sequence[Any]) -> Span:
    """A :class:`Span` from a row of ``_SPAN_SELECT``'s columns (``value`` and, when the row
    has it, ``attributes`` as JSON text)."""
    if len(row) > 10 and row[10] is not None:
        return make_span(*row[:9], None if row[9] is None else json.loads(row[9]),
                         json.loads(row[10]))
    if row[9] is None:
        return make_span(*row[:9])
    return make_span(*row[:9], json.loads(row[9]))


@dataclass(frozen=True, slots=True)
class Document:
    """A document's metadata (its text is read with :meth:`Project.text`)."""

    id: int
    uid: str
    name: str
    sha256: str
    length: int
    status: str
    meta: dict[str, Any]
    created_at: str
    review_status: str = "not reviewed"


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One row of the append-only history: who did what, when, with the before/after state."""

    id: int
    at: str
    who: str
    action: str
    entity: str
    entity_id: str | None
    document_id: int | None
    before: Any
    after: Any


def _history_entry(r: Sequence[Any]) -> HistoryEntry:
    return HistoryEntry(r[0], r[1], r[2], r[3], r[4], r[5], r[6],
                        None if r[7] is None else json.loads(r[7]),
                        None if r[8] is None else json.loads(r[8]))


def default_lock_timeout() -> float | None:
    """How long a write waits for another program's lock: ``ANNOTATOR_LOCK_TIMEOUT`` seconds
    (``0`` or ``none``: no limit), else ``DEFAULT_LOCK_TIMEOUT``."""
    raw = os.environ.get("ANNOTATOR_LOCK_TIMEOUT", "").strip().lower()
    if not raw:
        return DEFAULT_LOCK_TIMEOUT
    if raw in {"0", "none", "inf"}:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        return DEFAULT_LOCK_TIMEOUT


def describe_change(old: Span, new: Span) -> str:
    """What differs between two states of a span, briefly: ``label actor → weapon; note``."""
    parts = []
    if old.label != new.label:
        parts.append(f"label {old.label} → {new.label}")
    if (old.start, old.end) != (new.start, new.end):
        parts.append(f"bounds [{old.start}, {old.end}) → [{new.start}, {new.end})")
    if old.note != new.note:
        parts.append("note")
    if old.value != new.value:
        parts.append("value")
    if old.attributes != new.attributes:
        parts.append("attributes")
    return "; ".join(parts) or "edited"


def _span_values(span: Span, label_id: int) -> tuple[Any, ...]:
    """A span's row in the order of :data:`annotator.store.bulk.INSERT_SPAN` (id first)."""
    return (span.id, span.document_id, span.start, span.end, label_id, span.annotator,
            span.note, span.created_at, span.updated_at,
            None if span.value is None else json.dumps(span.value, ensure_ascii=False),
            attributes_json(span.attributes))


#: A span's row (but its id) and a history row, written by statements prepared once
#: (``Table.insert`` looks up the table's schema on every call: ten times the cost of the
#: write itself).
_UPDATE_SPAN = ('UPDATE spans SET document_id = ?, start = ?, "end" = ?, label_id = ?, '
                "annotator = ?, note = ?, created_at = ?, updated_at = ?, value = ?, "
                "attributes = ? WHERE id = ?")
_INSERT_HISTORY = ("INSERT INTO history (at, who, action, entity, entity_id, document_id, "
                   "before, after) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")


def span_to_json(span: Span) -> dict[str, Any]:
    """A span as a plain dict (used in history rows)."""
    return asdict(span)


class SpanFields(Protocol):
    """What a bulk insert reads from each span (a :class:`Span` or an importer's record)."""

    id: str
    document_id: int
    start: int
    end: int
    label: str
    annotator: str
    note: str | None
    created_at: str
    updated_at: str
    value: dict[str, Any] | None


class Project(RelationsMixin, LabelsMixin, ReviewMixin, ReadingMixin):
    """An open project file. Use :meth:`open`; close it with :meth:`close` or ``with``."""

    def __init__(self, db: sqlite_utils.Database, path: Path) -> None:
        self.db = db
        self.path = path
        self._opened = 1
        #: Seconds a write waits for another program's write lock (None: no limit).
        self.lock_timeout: float | None = default_lock_timeout()
        #: Called as ``wait_handler(seconds_waited)`` while a write waits for the lock.
        self.wait_handler: Callable[[float], None] | None = None

    # -- opening -------------------------------------------------------------------------

    @classmethod
    def open(cls, path: str | Path, *, create: bool = True) -> Project:
        """Open the project at ``path``, creating it (when ``create``) or migrating it as needed.

        Raises :class:`annotator.store.errors.ProjectError` (file untouched) when the file is not
        a project, is newer, read-only or on a network share.
        """
        path = Path(path).expanduser().absolute()
        shared = registry.open_project_at(path)
        if shared is not None:
            # One connection per file per process: a second open shares the first (its header
            # is not sniffed again: closing that descriptor would drop the first one's locks).
            if not isinstance(shared, cls):
                raise ProjectError(f"{path}: the project is already open here")
            shared._opened += 1
            return shared
        project = cls(connect(path, create=create), path)
        key = registry.file_key(path)
        if key is not None:
            registry.register(key, project)
        return project

    @property
    def closed(self) -> bool:
        return self._opened == 0

    @property
    def in_transaction(self) -> bool:
        """True inside an open write transaction (its rows may still be rolled back)."""
        return self.db.conn.in_transaction

    def close(self) -> None:
        """Close this handle; the connection closes with the last handle (every change is
        already committed)."""
        if self._opened == 0:
            return
        self._opened -= 1
        if self._opened == 0:
            registry.unregister(self)
            self.db.conn.close()

    def __enter__(self) -> Project:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def atomic(self) -> Iterator[Project]:
        """One transaction around the block (``BEGIN IMMEDIATE``; nested blocks use savepoints)."""
        conn = self.db.conn
        if conn.in_transaction:
            with self.db.atomic():
                yield self
            return
        self._begin_immediate()
        try:
            with self.db.atomic():
                yield self
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def _begin_immediate(self) -> None:
        """``BEGIN IMMEDIATE``, waiting for another program's write lock: polls every
        ``LOCK_POLL_MS``, calls ``wait_handler`` while it waits, and gives up after
        ``lock_timeout`` seconds with :class:`ProjectBusyError`."""
        conn = self.db.conn
        started = time.monotonic()
        conn.execute(f"PRAGMA busy_timeout = {LOCK_POLL_MS}")
        try:
            while True:
                try:
                    conn.execute("BEGIN IMMEDIATE")
                    return
                except sqlite3.OperationalError as exc:
                    if not is_busy(exc):
                        raise
                waited = time.monotonic() - started
                if self.lock_timeout is not None and waited >= self.lock_timeout:
                    raise ProjectBusyError(
                        f"{self.path}: another program has been writing to this project for "
                        f"{waited:.0f} s (an import or a merge?); nothing was written. Try again "
                        f"when it has finished (ANNOTATOR_LOCK_TIMEOUT sets how long to wait)")
                if self.wait_handler is not None:
                    self.wait_handler(waited)
        finally:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")

    # -- changes made by others --------------------------------------------------------------

    def data_version(self) -> int:
        """SQLite's ``PRAGMA data_version``: changes when *another* connection commits.

        A cheap poll (no table read): the window compares it to decide whether to read the
        history rows written elsewhere."""
        return self.db.conn.execute("PRAGMA data_version").fetchone()[0]

    def last_history_id(self) -> int:
        """The id of the newest history row (0 when there is none)."""
        return self.db.conn.execute("SELECT coalesce(max(id), 0) FROM history").fetchone()[0]

    def history_after(self, history_id: int, *, limit: int | None = None) -> list[HistoryEntry]:
        """History rows newer than ``history_id``, oldest first (what changed since)."""
        sql = "SELECT * FROM history WHERE id > ? ORDER BY id"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return [_history_entry(r) for r in self.db.execute(sql, [history_id]).fetchall()]

    # -- history and settings ------------------------------------------------------------

    def _log(
        self,
        who: str,
        action: str,
        entity: str,
        entity_id: str | int | None,
        document_id: int | None = None,
        before: Any = None,
        after: Any = None,
    ) -> None:
        self.db.execute(_INSERT_HISTORY, (
            now(), who, action, entity, None if entity_id is None else str(entity_id),
            document_id,
            None if before is None else json.dumps(before, ensure_ascii=False),
            None if after is None else json.dumps(after, ensure_ascii=False),
        ))

    def history(
        self, *, entity: str | None = None, entity_id: str | None = None, limit: int | None = None
    ) -> list[HistoryEntry]:
        """History rows, oldest first, optionally for one entity (``span``, ``label``, ...)."""
        sql, params = "SELECT * FROM history", []
        where = []
        if entity is not None:
            where.append("entity = ?")
            params.append(entity)
        if entity_id is not None:
            where.append("entity_id = ?")
            params.append(entity_id)
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY id"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        rows = self.db.execute(sql, params).fetchall()
        return [_history_entry(r) for r in rows]

    def setting(self, key: str, default: Any = None) -> Any:
        """A project setting (JSON value), or ``default``."""
        row = self.db.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchone()
        return default if row is None else json.loads(row[0])

    def set_setting(self, key: str, value: Any, *, who: str) -> None:
        """Store a project setting (one transaction, with history)."""
        with self.atomic():
            before = self.setting(key)
            self.db["settings"].upsert({"key": key, "value": json.dumps(value)}, pk="key")
            self._log(who, "set", "setting", key, before=before, after=value)

    # -- documents -----------------------------------------------------------------------

    @staticmethod
    def _document(row: Sequence[Any]) -> Document:
        meta = row[6]  # most documents have none: '{}' needs no parser (5 µs each)
        return Document(row[0], row[1], row[2], row[3], row[4], row[5],
                        {} if meta == "{}" else json.loads(meta), row[7], row[8])

    _DOC_COLUMNS = "id, uid, name, sha256, length, status, meta, created_at, review_status"

    def documents(self) -> list[Document]:
        """All documents, in the order they were added."""
        rows = self.db.execute(f"SELECT {self._DOC_COLUMNS} FROM documents ORDER BY id").fetchall()
        return [self._document(r) for r in rows]

    def document(self, document_id: int) -> Document:
        """The document with this id (KeyError when there is none)."""
        row = self.db.execute(
            f"SELECT {self._DOC_COLUMNS} FROM documents WHERE id = ?", [document_id]
        ).fetchone()
        if row is None:
            raise KeyError(f"no document with id {document_id}")
        return self._document(row)

    def document_by_sha256(self, sha256: str) -> Document | None:
        """The document whose canonical text has this SHA-256, if any."""
        row = self.db.execute(
            f"SELECT {self._DOC_COLUMNS} FROM documents WHERE sha256 = ?", [sha256]
        ).fetchone()
        return None if row is None else self._document(row)

    def text(self, document_id: int) -> str:
        """The stored canonical text of a document."""
        row = self.db.execute("SELECT text FROM documents WHERE id = ?", [document_id]).fetchone()
        if row is None:
            raise KeyError(f"no document with id {document_id}")
        return row[0]

    def add_document(
        self,
        name: str,
        text: str,
        *,
        who: str,
        uid: str | None = None,
        meta: dict[str, Any] | None = None,
    ) -> tuple[Document, bool]:
        """Add a text (canonicalised here). Returns ``(document, created)``.

        A text already in the project (same SHA-256 of its canonical form) is not added again:
        the existing document comes back with ``created`` False.
        """
        text = canonicalise(text)
        sha = sha256_text(text)
        with self.atomic():
            existing = self.document_by_sha256(sha)
            if existing is not None:
                return existing, False
            uid = uid or sha[:16]
            if self.db.execute("SELECT 1 FROM documents WHERE uid = ?", [uid]).fetchone():
                uid = f"{uid}-{sha[:8]}"
            row = {
                "uid": uid,
                "name": name,
                "sha256": sha,
                "text": text,
                "length": len(text),
                "status": "new",
                "meta": json.dumps(meta or {}, ensure_ascii=False),
                "created_at": now(),
            }
            doc_id = self.db["documents"].insert(row).last_pk
            self._log(who, "add", "document", doc_id, doc_id, after={
                "uid": uid, "name": name, "sha256": sha, "length": len(text)})
        return self.document(doc_id), True

    def set_document_status(self, document_id: int, status: str, *, who: str,
                            expect: str | None = None) -> Document:
        """Set a document's status: ``new``, ``in progress`` or ``done``.

        With ``expect`` (an undo or redo) the status must still be ``expect``, else
        :class:`ConflictError` and nothing is written."""
        if status not in DOCUMENT_STATUSES:
            raise ValueError(f"status must be one of {', '.join(DOCUMENT_STATUSES)}")
        with self.atomic():
            before = self.document(document_id)
            if expect is not None and before.status not in (expect, status):
                raise ConflictError(
                    f"document {before.name!r} was marked {before.status!r} elsewhere since "
                    f"(expected {expect!r}){self._changed_by('document', document_id)}; "
                    f"nothing was changed")
            if before.status != status:
                self.db["documents"].update(document_id, {"status": status})
                self._log(who, "status", "document", document_id, document_id,
                          before=before.status, after=status)
            return self.document(document_id)

    def span_counts(self) -> dict[int, int]:
        """Number of spans per document id (documents without spans are absent)."""
        rows = self.db.execute("SELECT document_id, count(*) FROM spans GROUP BY document_id")
        return dict(rows.fetchall())

    # -- streaming reads and bulk writes (import, export) -------------------------------

    def document_count(self) -> int:
        """How many documents the project holds."""
        return self.db.execute("SELECT count(*) FROM documents").fetchone()[0]

    def iter_document_ids(self, page: int = 10_000) -> Iterator[int]:
        """Every document's id in id order, read ``page`` at a time (no statement stays open
        between pages)."""
        after = 0
        while True:
            ids = [row[0] for row in self.db.execute(
                "SELECT id FROM documents WHERE id > ? ORDER BY id LIMIT ?", [after, page])]
            if not ids:
                return
            yield from ids
            after = ids[-1]

    def document_ids_matching(self, name: str) -> list[int]:
        """Ids of the documents whose name or uid is ``name``, or whose SHA-256 starts with it
        (8 characters or more), in id order; answered from the indexes, no document read."""
        sql = "SELECT id FROM documents WHERE name = ? OR uid = ?"
        params: list[Any] = [name, name]
        if len(name) >= 8 and all(c in "0123456789abcdef" for c in name.lower()):
            sql += " OR sha256 BETWEEN ? AND ?"
            params += [name.lower(), name.lower() + "g"]
        sql += " ORDER BY id"
        return [row[0] for row in self.db.execute(sql, params).fetchall()]

    @contextlib.contextmanager
    def _read_snapshot(self) -> Iterator[None]:
        """One read transaction around a few queries (a consistent chunk), unless a
        transaction is already open."""
        conn = self.db.conn
        if conn.in_transaction:
            yield
            return
        conn.execute("BEGIN")
        try:
            yield
        finally:
            if conn.in_transaction:
                conn.execute("COMMIT")

    def document_chunks(
        self,
        *,
        ids: Sequence[int] | None = None,
        annotators: Iterable[str] | None = None,
        labels: Iterable[str] | None = None,
        size: int = 200,
    ) -> Iterator[list[tuple[Document, str, list[tuple[Any, ...]], list[str]]]]:
        """The documents (all, or ``ids``) in id order, ``size`` at a time: for each,
        ``(document, text, span rows, further names)``; span rows as :meth:`span_rows` gives
        them (filtered by ``annotators`` / ``labels``), names as :meth:`document_names`.

        Each chunk is read in one read transaction (documents, spans and names agree); memory
        holds one chunk, never the project."""
        annotators = None if annotators is None else list(annotators)
        labels = None if labels is None else list(labels)
        filters, filter_params = [], []
        for column, values in (("s.annotator", annotators), ("l.name", labels)):
            if values is not None:
                filters.append(f"{column} IN ({', '.join('?' for _ in values)})")
                filter_params.extend(values)
        wanted = None if ids is None else sorted(set(ids))
        after, position = 0, 0
        columns = self._DOC_COLUMNS + ", text"
        while True:
            with self._read_snapshot():
                if wanted is None:
                    rows = self.db.execute(
                        f"SELECT {columns} FROM documents WHERE id > ? ORDER BY id LIMIT ?",
                        [after, size]).fetchall()
                else:
                    part = wanted[position : position + size]
                    position += size
                    rows = self.db.execute(
                        f"SELECT {columns} FROM documents WHERE id IN "
                        f"({', '.join('?' for _ in part)}) ORDER BY id", part).fetchall() if part else []
                if not rows:
                    return
                first, last = rows[0][0], rows[-1][0]
                sql = _SPAN_SELECT + " WHERE s.document_id BETWEEN ? AND ?"
                if filters:
                    sql += " AND " + " AND ".join(filters)
                sql += ' ORDER BY s.document_id, s.start, s."end", s.label_id, s.annotator'
                spans = {doc_id: list(group) for doc_id, group in groupby(
                    self.db.execute(sql, [first, last, *filter_params]), key=_DOCUMENT_OF)}
                names: dict[int, list[str]] = {}
                for doc_id, name in self.db.execute(
                        "SELECT document_id, name FROM document_names WHERE document_id "
                        "BETWEEN ? AND ? ORDER BY document_id, id", [first, last]):
                    names.setdefault(doc_id, []).append(name)
            after = last
            yield [(self._document(row), row[9], spans.get(row[0], []), names.get(row[0], []))
                   for row in rows]

    def document_names(self, document_id: int) -> list[str]:
        """The further names a document was imported under (its own name not included),
        in the order they came."""
        rows = self.db.execute(
            "SELECT name FROM document_names WHERE document_id = ? ORDER BY id", [document_id])
        return [r[0] for r in rows.fetchall()]

    def add_document_name(self, document_id: int, name: str, *, who: str,
                          source: str | None = None) -> bool:
        """Keep ``name`` as a further name of a document (a record with its text came under
        another name). False when it is the document's own name or already kept."""
        with self.atomic():
            row = self.db.execute("SELECT name FROM documents WHERE id = ?",
                                  [document_id]).fetchone()
            if row is None:
                raise KeyError(f"no document with id {document_id}")
            if row[0] == name:
                return False
            cursor = self.db.conn.execute(
                "INSERT OR IGNORE INTO document_names (document_id, name, source, added_at) "
                "VALUES (?, ?, ?, ?)", [document_id, name, source, now()])
            if cursor.rowcount == 0:
                return False
            self._log(who, "add name", "document", document_id, document_id,
                      after={"name": name, "source": source})
            return True

    def documents_by_sha256(self, hashes: Iterable[str]) -> dict[str, Document]:
        """The documents whose canonical text has one of these SHA-256 (absent ones left out);
        one indexed query per 500 hashes."""
        hashes = list(hashes)
        found: dict[str, Document] = {}
        for at in range(0, len(hashes), 500):
            part = hashes[at : at + 500]
            for row in self.db.execute(
                    f"SELECT {self._DOC_COLUMNS} FROM documents WHERE sha256 IN "
                    f"({', '.join('?' for _ in part)})", part):
                found[row[3]] = self._document(row)
        return found

    def span_keys(self, document_id: int) -> set[tuple[int, int, str, str]]:
        """``(start, end, label, annotator)`` of every span of a document (duplicate checks)."""
        rows = self.db.execute(
            'SELECT s.start, s."end", l.name, s.annotator FROM spans s JOIN labels l '
            "ON l.id = s.label_id WHERE s.document_id = ?", [document_id])
        return set(rows.fetchall())

    def existing_span_ids(self, ids: Iterable[str]) -> set[str]:
        """Which of ``ids`` are ids of spans in the project (primary-key lookups, 500 a query)."""
        ids = list(ids)
        found: set[str] = set()
        for at in range(0, len(ids), 500):
            part = ids[at : at + 500]
            found.update(r[0] for r in self.db.execute(
                f"SELECT id FROM spans WHERE id IN ({', '.join('?' for _ in part)})", part))
        return found

    # -- spans ---------------------------------------------------------------------------

    def spans(
        self,
        document_id: int | None = None,
        *,
        annotators: Iterable[str] | None = None,
        labels: Iterable[str] | None = None,
    ) -> list[Span]:
        """Spans ordered by document, start, end (then label, annotator); optionally filtered."""
        return [span_from_row(row) for row in self.span_rows(document_id, annotators=annotators,
                                                     labels=labels)]

    def span_rows(
        self,
        document_id: int | None = None,
        *,
        annotators: Iterable[str] | None = None,
        labels: Iterable[str] | None = None,
    ) -> list[tuple[Any, ...]]:
        """What :meth:`spans` returns, as plain tuples in :class:`Span` field order with
        ``value`` still JSON text: the fast path for exporting 100k spans."""
        where, params = [], []
        if document_id is not None:
            where.append("s.document_id = ?")
            params.append(document_id)
        for column, values in (("s.annotator", annotators), ("l.name", labels)):
            if values is not None:
                values = list(values)
                where.append(f"{column} IN ({', '.join('?' for _ in values)})")
                params.extend(values)
        sql = _SPAN_SELECT
        if where:
            sql += " WHERE " + " AND ".join(where)
        # The order of the UNIQUE index: no temporary sort.
        sql += ' ORDER BY s.document_id, s.start, s."end", s.label_id, s.annotator'
        return self.db.execute(sql, params).fetchall()

    def span(self, span_id: str) -> Span:
        """The span with this id (KeyError when there is none)."""
        row = self.db.execute(_SPAN_SELECT + " WHERE s.id = ?", [span_id]).fetchone()
        if row is None:
            gone = self._changed_by("span", span_id)
            raise KeyError(f"the span was deleted elsewhere{gone}; nothing was changed"
                           if gone else f"no span with id {span_id}")
        return span_from_row(row)

    def span_ids(self) -> set[str]:
        """The ids of every span in the project."""
        return {row[0] for row in self.db.execute("SELECT id FROM spans").fetchall()}

    def annotators(self) -> list[str]:
        """Every annotator name that has at least one span, sorted."""
        rows = self.db.execute("SELECT DISTINCT annotator FROM spans ORDER BY annotator")
        return [r[0] for r in rows.fetchall()]

    def _document_length(self, document_id: int) -> int:
        row = self.db.execute("SELECT length FROM documents WHERE id = ?", [document_id]).fetchone()
        if row is None:
            raise SpanError(f"no document with id {document_id}")
        return row[0]

    def _check_not_duplicate(self, span: Span, label_id: int, ignore_id: str | None = None) -> None:
        row = self.db.execute(
            'SELECT id FROM spans WHERE document_id = ? AND start = ? AND "end" = ? '
            "AND label_id = ? AND annotator = ?",
            [span.document_id, span.start, span.end, label_id, span.annotator],
        ).fetchone()
        if row is not None and row[0] != ignore_id:
            raise SpanError(
                f"{span.annotator} already has a {span.label!r} span at [{span.start}, {span.end})"
            )

    def add_span(
        self,
        document_id: int,
        start: int,
        end: int,
        label: str,
        annotator: str,
        *,
        note: str | None = None,
        span_id: str | None = None,
        created_at: str | None = None,
        updated_at: str | None = None,
        value: dict[str, Any] | None = None,
        who: str | None = None,
        attributes: dict[str, Any] | None = None,
        check_attributes: bool = True,
    ) -> Span:
        """Create a span (validated: bounds, label, no exact duplicate, ``attributes`` declared
        by the label with valid values unless ``check_attributes`` is False) and log it.

        ``who`` (default: the annotator) is recorded in the history. Every check reads the
        file inside the writing transaction, so another writer cannot slip in between.
        """
        check_annotator(annotator)
        stamp = now()
        span = Span(
            span_id or new_span_id(), document_id, start, end, label, annotator,
            note or None, created_at or stamp, updated_at or created_at or stamp, value,
            dict(attributes or {}),
        )
        with self.atomic():
            check_bounds(start, end, self._document_length(document_id))
            label_id = self.label_id(label)
            if check_attributes and span.attributes:
                self.check_span_attributes(label, span.attributes)
            self._check_not_duplicate(span, label_id)
            try:
                self.db.execute(INSERT_SPAN, _span_values(span, label_id))
            except sqlite3.IntegrityError as exc:
                raise SpanError(f"span {span.id} cannot be added: {exc}") from exc
            self._log(who or annotator, "add", "span", span.id, document_id,
                      after=span_to_json(span))
        return span

    def restore_span(self, span: Span, *, who: str) -> Span:
        """Insert ``span`` exactly as given (id and times kept): the undo of a delete, the redo
        of a create. Refused with :class:`ConflictError` when a span with that id exists again
        (another writer restored or re-created it)."""
        with self.atomic():
            if self._span_or_none(span.id) is not None:
                raise ConflictError(
                    f"the {span.label!r} span at [{span.start}, {span.end}) exists again "
                    f"(restored elsewhere{self._changed_by('span', span.id)}); "
                    f"nothing was changed")
            return self.add_span(
                span.document_id, span.start, span.end, span.label, span.annotator,
                note=span.note, span_id=span.id, created_at=span.created_at,
                updated_at=span.updated_at, value=span.value, who=who,
                attributes=span.attributes, check_attributes=False,
            )

    def _span_or_none(self, span_id: str) -> Span | None:
        row = self.db.execute(_SPAN_SELECT + " WHERE s.id = ?", [span_id]).fetchone()
        return None if row is None else span_from_row(row)

    def _changed_by(self, entity: str, entity_id: str | int) -> str:
        """`` (by NAME at TIME UTC)`` from the newest history row of an entity, or ``""``."""
        row = self.db.execute(
            "SELECT who, at FROM history WHERE entity = ? AND entity_id = ? "
            "ORDER BY id DESC LIMIT 1", [entity, str(entity_id)]).fetchone()
        if row is None:
            return ""
        return f" (by {row[0]} at {row[1][:19].replace('T', ' ')} UTC)"

    def _current_span(self, span_id: str, expect: Span | None) -> Span:
        """The span as stored now (inside a transaction). With ``expect``, it must be exactly
        that state, else :class:`ConflictError` saying what changed; a span deleted since is a
        ``ConflictError`` too (KeyError without ``expect``, for callers that ask by id)."""
        current = self._span_or_none(span_id)
        if current is None:
            if expect is None:
                raise KeyError(f"no span with id {span_id}")
            raise ConflictError(
                f"the {expect.label!r} span at [{expect.start}, {expect.end}) was deleted "
                f"elsewhere{self._changed_by('span', span_id)}; nothing was changed")
        if expect is not None and current != expect:
            raise ConflictError(
                f"the {expect.label!r} span at [{expect.start}, {expect.end}) was changed "
                f"elsewhere{self._changed_by('span', span_id)} ({describe_change(expect, current)}); "
                f"its newer state is kept and nothing was changed")
        return current

    def update_span(
        self,
        span_id: str,
        *,
        who: str,
        label: str = UNSET,
        start: int = UNSET,
        end: int = UNSET,
        note: str | None = UNSET,
        value: dict[str, Any] | None = UNSET,
        updated_at: str | None = None,
        expect: Span | None = None,
    ) -> Span:
        """Change a span's label, bounds, note and/or value; returns the new span.

        The span is read inside the writing transaction, so a concurrent change by another
        writer is never overwritten with a stale copy. With ``expect`` (undo, redo) the span
        must still be exactly ``expect``, else :class:`ConflictError` and nothing is written.
        """
        with self.atomic():
            before = self._current_span(span_id, expect)
            changes: dict[str, Any] = {}
            if label is not UNSET and label != before.label:
                changes["label"] = label
            if start is not UNSET and start != before.start:
                changes["start"] = start
            if end is not UNSET and end != before.end:
                changes["end"] = end
            if note is not UNSET and (note or None) != before.note:
                changes["note"] = note or None
            if value is not UNSET and value != before.value:
                changes["value"] = value
            if not changes and (updated_at is None or updated_at == before.updated_at):
                return before
            after = Span(**{**span_to_json(before), **changes,
                            "updated_at": updated_at or now()})
            check_bounds(after.start, after.end, self._document_length(after.document_id))
            label_id = self.label_id(after.label)
            self._check_not_duplicate(after, label_id, ignore_id=span_id)
            self.db.execute(_UPDATE_SPAN, (*_span_values(after, label_id)[1:], span_id))
            self._log(who, "update", "span", span_id, after.document_id,
                      before=span_to_json(before), after=span_to_json(after))
        return after

    def delete_span(self, span_id: str, *, who: str, expect: Span | None = None) -> Span:
        """Delete a span; returns it as it was (so it can be restored). With ``expect`` it
        must still be exactly that state (else :class:`ConflictError`)."""
        with self.atomic():
            before = self._current_span(span_id, expect)
            self._delete_relations_of_span(span_id, who=who)  # in this same undoable step
            self.db["spans"].delete(span_id)
            self._log(who, "delete", "span", span_id, before.document_id,
                      before=span_to_json(before))
        return before

    def add_spans_bulk(
        self, spans: Iterable[SpanFields], *, who: str, source: str,
        document_id: int | None = None,
    ) -> int:
        """Insert already-validated spans in one transaction (imports). Returns the count.

        ``document_id``, when given, replaces each span's own (the importer plans spans before
        their document exists). The caller checks bounds, labels and duplicates first; the
        database constraints still refuse anything invalid, rolling the whole batch back. One
        history row per document records the import (``source`` names the file) and the ids.

        This is the one write that bypasses sqlite-utils' row-by-row ``insert_all`` (about 3x
        slower than the driver here): it runs one ``executemany`` inside the same
        sqlite-utils transaction, so atomicity is unchanged.
        """
        with self.atomic():
            label_ids = self._read_label_ids()  # resolved inside the writing transaction
            return self._insert_spans(spans, label_ids, who=who, source=source,
                                      document_id=document_id)

    def add_span_groups(self, groups: Sequence[tuple[int, str, Sequence[Any]]], *,
                        who: str) -> int:
        """Insert already-checked spans of several documents, ``(document id, source, spans)``
        each, with one ``executemany`` (an import's chunk, inside its transaction) and one
        history row per document. Returns the count. A span's ``attributes`` (when it has
        them, checked against its label by the caller) are written with it."""
        if not groups:
            return 0
        with self.atomic():
            label_ids = self._read_label_ids()
            try:
                plain, full = span_rows(groups, label_ids)
            except KeyError as exc:
                raise LabelError(f"unknown label {exc.args[0]!r} (removed elsewhere meanwhile?); "
                                 f"nothing was imported") from None
            rows = [*plain, *full] if full else plain  # the counts read columns 1, 4 and 5
            with self._counts_kept_by_set(rows):
                try:
                    insert_span_rows(self.db.conn, plain, full)
                except sqlite3.IntegrityError as exc:
                    raise SpanError(f"the imported spans cannot be added: {exc}") from exc
            stamp = now()
            self.db.conn.executemany(
                "INSERT INTO history (at, who, action, entity, entity_id, document_id, after) "
                "VALUES (?, ?, 'import', 'span', NULL, ?, ?)",
                [(stamp, who, doc_id, import_history(source, spans))
                 for doc_id, source, spans in groups])
            return len(rows)

    #: The trigger that keeps the span counts per insert (schema v6), and its tables.
    _COUNT_TRIGGER = "aggregates_span_insert"

    @contextlib.contextmanager
    def _counts_kept_by_set(self, rows: Sequence[tuple[Any, ...]]) -> Iterator[None]:
        """Around a bulk insert of span ``rows`` (inside the transaction): the per-row count
        trigger is dropped and the counts are added once per document, annotator and label
        instead (three statements per row otherwise: about half of a large import's time),
        and the trigger is created again from its own stored SQL before the block ends; all
        in the caller's transaction, so a failure rolls back the trigger's removal too.
        Without the trigger (an older schema) nothing is done."""
        conn = self.db.conn
        row = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?",
                           [self._COUNT_TRIGGER]).fetchone()
        if row is None or len(rows) < 64:
            yield
            return
        conn.execute(f"DROP TRIGGER {self._COUNT_TRIGGER}")
        try:
            yield
            # Counted in C (Counter over itemgetter), not a Python loop over the rows.
            per_document = Counter(map(itemgetter(1), rows))
            per_annotator = Counter(map(itemgetter(1, 5), rows))
            per_label = Counter(map(itemgetter(4), rows))
            conn.executemany("UPDATE document_span_counts SET spans = spans + ? "
                             "WHERE document_id = ?",
                             [(n, doc) for doc, n in per_document.items()])
            conn.executemany(
                "INSERT INTO annotator_span_counts (document_id, annotator, spans) "
                "VALUES (?, ?, ?) ON CONFLICT (document_id, annotator) "
                "DO UPDATE SET spans = spans + excluded.spans",
                [(doc, who, n) for (doc, who), n in per_annotator.items()])
            conn.executemany(
                "INSERT INTO label_span_counts (label_id, spans) VALUES (?, ?) "
                "ON CONFLICT (label_id) DO UPDATE SET spans = spans + excluded.spans",
                list(per_label.items()))
        finally:
            conn.execute(row[0])

    def _insert_spans(
        self, spans: Iterable[SpanFields], label_ids: dict[str, int], *, who: str, source: str,
        document_id: int | None,
    ) -> int:
        dumps = json.dumps
        try:
            rows = [
                (span.id, document_id if document_id is not None else span.document_id,
                 span.start, span.end, label_ids[span.label], span.annotator, span.note,
                 span.created_at, span.updated_at,
                 None if span.value is None else dumps(span.value, ensure_ascii=False))
                for span in spans
            ]
        except KeyError as exc:
            raise LabelError(f"unknown label {exc.args[0]!r} (removed elsewhere meanwhile?); "
                             f"nothing was imported") from None
        per_document: dict[int, list[str]] = {}
        for row in rows:
            ids = per_document.get(row[1])
            if ids is None:
                ids = per_document[row[1]] = []
            ids.append(row[0])
        try:
            self.db.conn.executemany(
                'INSERT INTO spans (id, document_id, start, "end", label_id, annotator, '
                "note, created_at, updated_at, value) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows)
        except sqlite3.IntegrityError as exc:
            raise SpanError(f"the imported spans cannot be added: {exc}") from exc
        for doc, ids in per_document.items():
            self._log(who, "import", "span", None, doc,
                      after={"source": source, "span_ids": ids})
        return sum(len(ids) for ids in per_document.values())
