"""Reading another project file without changing it (a colleague's work, to merge).

The file is opened through SQLite's read-only URI (``mode=ro``), never migrated, never
written: when it has no write-ahead log beside it, it is opened ``immutable`` so SQLite does
not even create ``-wal``/``-shm`` files next to it. It must be an annotator project
(application id) of this version or older; every version has the tables read here.

Before anything opens the file:

- a project open in this process (the same file under any name, or its ``-wal``/``-shm``) is
  refused (:func:`annotator.store.registry.check_not_open`): a second descriptor on it, once
  closed, would drop this process's locks on the project;
- anything but a regular file (a folder, a named pipe, a device, a socket, a symbolic-link
  loop) is refused by name from ``os.stat`` alone, so reading never blocks.

The file is a stranger's: nothing read from it is trusted. Rows come back as stored (any
SQLite type, text that may not be valid UTF-8), for the caller to check
(:mod:`annotator.services.review.project_file`). SQLite itself is told not to trust the
file's schema (``trusted_schema = OFF``) and checks its pages (``quick_check``) first.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from annotator.store import registry
from annotator.store.fsinfo import file_kind
from annotator.store.database import SQLITE_HEADER
from annotator.store.errors import NewerVersionError, NotAProjectError, ProjectError
from annotator.store.schema import APPLICATION_ID, current_version

__all__ = ["ForeignDocument", "ForeignProject", "ForeignRelation", "ForeignSpan",
           "check_foreign_file", "read_header", "read_project_file"]


@dataclass(frozen=True, slots=True)
class ForeignSpan:
    """One row of the other project's ``spans`` table, as stored (nothing checked yet)."""

    id: Any
    document_id: Any
    start: Any
    end: Any
    label_id: Any
    annotator: Any
    note: Any
    created_at: Any
    updated_at: Any
    value: Any
    #: The ``attributes`` column (JSON text or NULL; NULL in files from before attributes).
    attributes: Any = None


@dataclass(frozen=True, slots=True)
class ForeignRelation:
    """One row of the other project's ``relations`` table, as stored (nothing checked yet)."""

    id: Any
    document_id: Any
    head_id: Any
    tail_id: Any
    type_id: Any
    annotator: Any
    note: Any
    created_at: Any
    updated_at: Any


@dataclass(frozen=True, slots=True)
class ForeignDocument:
    """One row of the other project's ``documents`` table, as stored (nothing checked yet)."""

    id: Any
    uid: Any
    name: Any
    sha256: Any
    text: Any
    length: Any
    meta: Any


@dataclass(frozen=True, slots=True)
class ForeignProject:
    """What a merge reads from another project file: documents, label names by row id, spans
    (ordered by document, start, end), relation type names by row id and relations (by
    document, creation time, id; none in files older than relations)."""

    path: str
    version: int
    documents: list[ForeignDocument] = field(default_factory=list)
    labels: dict[Any, Any] = field(default_factory=dict)
    spans: list[ForeignSpan] = field(default_factory=list)
    relation_types: dict[Any, Any] = field(default_factory=dict)
    relations: list[ForeignRelation] = field(default_factory=list)
    #: ``relation_types`` rows (name, color, key, description, heads, tails), as stored.
    relation_type_rows: list[tuple[Any, ...]] = field(default_factory=list)
    #: ``label_attributes`` rows (label, name, kind, choices, description), as stored.
    attribute_rows: list[tuple[Any, ...]] = field(default_factory=list)


def _not_regular(mode: int) -> str | None:
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "is a folder, not a file"
    return f"is a {file_kind(mode)}, not a regular file"


def check_foreign_file(path: str | Path, doing: str = "merge") -> None:
    """Refuse ``path`` (:class:`ProjectError` naming it) unless it is a regular file that is
    not a project open in this process. Opens no descriptor (``os.stat`` only)."""
    registry.check_not_open(path, doing)
    try:
        info = os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            reason = "is a symbolic link loop (too many levels of symbolic links)"
        elif exc.errno in (errno.ENOENT, errno.ENOTDIR):
            reason = "no such file"
        elif exc.errno == errno.EACCES:
            reason = "cannot be read (permission denied)"
        else:
            reason = f"cannot be read ({exc.strerror or exc})"
        raise ProjectError(f"{path}: {reason}") from None
    except ValueError as exc:  # e.g. a NUL byte in the name
        raise ProjectError(f"{path}: not a usable file name ({exc})") from None
    reason = _not_regular(info.st_mode)
    if reason is not None:
        raise ProjectError(f"{path}: {reason}; nothing was read from it")


def read_header(path: str | Path, size: int = len(SQLITE_HEADER)) -> bytes:
    """The first ``size`` bytes of the regular file ``path`` (checked with
    :func:`check_foreign_file` first, so never of a project open here).

    Opened non-blocking and checked again on the descriptor: a file swapped for a pipe in
    between cannot make this wait."""
    check_foreign_file(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
                     | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        raise ProjectError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    try:
        reason = _not_regular(os.fstat(fd).st_mode)
        if reason is not None:
            raise ProjectError(f"{path}: {reason}; nothing was read from it")
        try:
            return os.read(fd, size)
        except OSError as exc:
            raise ProjectError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    finally:
        os.close(fd)


def _text(data: bytes) -> str:
    # Invalid UTF-8 becomes lone surrogates (U+DC80-U+DCFF), which the caller detects and
    # names, instead of an exception from the driver that names nothing.
    return data.decode("utf-8", "surrogateescape")


def _connect(path: Path, shown: str) -> tuple[sqlite3.Connection, int]:
    if read_header(path) != SQLITE_HEADER:
        raise NotAProjectError(f"{shown}: not an annotator project (not an SQLite database)")
    if Path(f"{path}-journal").exists():
        # An unfinished write (a large import's rollback journal, store.bulk): the file alone
        # may be half written, and recovering it would write.
        raise ProjectError(f"{shown}: a write to it has not finished (its -journal is beside "
                           f"it); open it in annotator once, then try again")
    uri = f"file:{quote(str(path))}?mode=ro"
    if not Path(f"{path}-wal").exists():
        uri += "&immutable=1"
    conn: sqlite3.Connection | None = None
    try:
        conn = sqlite3.connect(uri, uri=True)
        conn.text_factory = _text
        conn.execute("PRAGMA trusted_schema = OFF")
        conn.execute("PRAGMA cell_size_check = ON")
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        if conn is not None:
            conn.close()
        raise NotAProjectError(f"{shown}: not an annotator project ({exc})") from None
    if app_id != APPLICATION_ID:
        conn.close()
        raise NotAProjectError(f"{shown}: an SQLite database, but not an annotator project")
    if version > current_version():
        conn.close()
        raise NewerVersionError(
            f"{shown}: written by a newer version of annotator (schema {version}; this version "
            f"reads up to {current_version()}); update annotator")
    if version < 1:
        conn.close()
        raise NotAProjectError(f"{shown}: an annotator project file that was never set up "
                               f"(schema version {version})")
    try:
        problems = [row[0] for row in conn.execute("PRAGMA quick_check(5)")]
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise ProjectError(f"{shown}: the project file is damaged ({exc})") from None
    if problems != ["ok"]:
        conn.close()
        raise ProjectError(f"{shown}: the project file is damaged ({'; '.join(map(str, problems))})")
    return conn, version


def read_project_file(path: str | Path) -> ForeignProject:
    """Everything a merge needs from the project file at ``path``, rows as stored.

    Raises :class:`annotator.store.errors.ProjectError` naming ``path`` (as given) when it is
    a project open here, not a regular file, not a readable annotator project, or newer.
    """
    shown = str(path)
    absolute = Path(path).expanduser().absolute()
    conn, version = _connect(absolute, shown)
    try:
        documents = [ForeignDocument(*row) for row in conn.execute(
            "SELECT id, uid, name, sha256, text, length, meta FROM documents ORDER BY id")]
        labels = dict(conn.execute("SELECT id, name FROM labels").fetchall())
        columns = {row[1] for row in conn.execute("PRAGMA table_info(spans)")}
        value = "value" if "value" in columns else "NULL"  # span values came with schema 3
        attributes = "attributes" if "attributes" in columns else "NULL"
        spans = [ForeignSpan(*row) for row in conn.execute(
            'SELECT id, document_id, start, "end", label_id, annotator, note, created_at, '
            f'updated_at, {value}, {attributes} FROM spans ORDER BY document_id, start, "end", '
            "id")]
        tables = {row[0] for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
        relation_types: dict[Any, Any] = {}
        relations: list[ForeignRelation] = []
        type_rows: list[tuple[Any, ...]] = []
        attribute_rows: list[tuple[Any, ...]] = []
        if {"relations", "relation_types"} <= tables:
            relation_types = dict(conn.execute("SELECT id, name FROM relation_types").fetchall())
            relations = [ForeignRelation(*row) for row in conn.execute(
                "SELECT id, document_id, head_id, tail_id, type_id, annotator, note, "
                "created_at, updated_at FROM relations ORDER BY document_id, created_at, id")]
            type_rows = conn.execute("SELECT name, color, key, description, heads, tails FROM "
                                     "relation_types ORDER BY position, id").fetchall()
        if "label_attributes" in tables:
            attribute_rows = conn.execute("SELECT label, name, kind, choices, description FROM "
                                          "label_attributes ORDER BY position, id").fetchall()
    except sqlite3.DatabaseError as exc:
        raise ProjectError(f"{shown}: cannot read the project ({exc})") from None
    finally:
        conn.close()
    return ForeignProject(shown, version, documents, labels, spans, relation_types, relations,
                          type_rows, attribute_rows)
