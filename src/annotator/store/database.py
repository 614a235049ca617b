"""Opening a project file safely: refuse what is not ours, set the pragmas, migrate forward.

Every refusal happens before anything is written, so a refused file is left byte for byte as it
was. A project that needs migrating is first backed up next to itself with SQLite's online
backup (never a file copy, which can miss the write-ahead log).
"""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path
from urllib.parse import quote

import sqlite_utils

from annotator.store.errors import (
    NetworkShareError,
    NewerVersionError,
    NotAProjectError,
    ProjectError,
    ReadOnlyError,
)
from annotator.store.fsinfo import network_fs_type
from annotator.store.schema import APPLICATION_ID, MIGRATIONS, current_version

SQLITE_HEADER = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = 5000
CACHE_KIB = 65536  # page cache per connection (SQLite default 2 MiB): bulk writes stay in memory


def is_busy(exc: sqlite3.OperationalError) -> bool:
    """Whether an SQLite error means another connection holds the lock."""
    text = str(exc)
    return "locked" in text or "busy" in text


def _probe(path: Path) -> tuple[int, int, int]:
    """Read application_id, user_version and the table count without writing anything (but
    SQLite's recovery of an unfinished write's journal)."""
    uri = f"file:{quote(str(path))}?mode=ro"
    if Path(f"{path}-journal").exists():
        # A rollback journal left by a write that did not finish (a large import's, see
        # store.bulk): read through SQLite's recovery, which puts the pages back first; the
        # file alone may be half written.
        uri = f"file:{quote(str(path))}?mode=rw"
    elif not Path(f"{path}-wal").exists():
        # Nothing to recover from a write-ahead log, so the file alone is the truth. Opening it
        # immutable keeps SQLite from creating -wal and -shm files beside a WAL-mode database
        # (ours or a stranger's) that is about to be refused.
        uri += "&immutable=1"
    try:
        conn = sqlite3.connect(uri, uri=True)
        try:
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            tables = conn.execute("SELECT count(*) FROM sqlite_master WHERE type='table'").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        if isinstance(exc, sqlite3.OperationalError) and is_busy(exc):
            raise ProjectError(f"{path}: cannot open the project ({exc})") from exc
        if "malformed" in str(exc):
            raise NotAProjectError(
                f"{path}: the file is damaged ({exc}); open a backup of it "
                f"(e.g. {path.name}.vN.backup beside it)") from exc
        raise NotAProjectError(f"{path}: not an annotator project ({exc})") from exc
    return app_id, version, tables


def _check_writable(path: Path) -> None:
    mode = path.stat().st_mode
    if not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) or not os.access(path, os.W_OK):
        raise ReadOnlyError(
            f"{path}: the project file is read-only; make it writable "
            f"(e.g. chmod u+w) or open a copy"
        )
    if not os.access(path.parent, os.W_OK):
        raise ReadOnlyError(
            f"{path}: the folder {path.parent} is read-only; SQLite needs to write its journal "
            f"beside the project"
        )


def check_project_file(path: Path, *, create: bool) -> int:
    """Refuse a path that cannot be opened as a project; return its schema version (0 if new)."""
    fs_type = network_fs_type(path)
    if fs_type:
        raise NetworkShareError(
            f"{path}: the project is on a network share ({fs_type}). SQLite cannot lock files "
            f"safely there and work could be lost; keep the project on a local disk and share "
            f"work by export and import"
        )
    if not path.exists():
        if not create:
            raise ProjectError(f"{path}: no such project file")
        if path.parent.exists() and not os.access(path.parent, os.W_OK):
            raise ReadOnlyError(f"{path}: cannot create the project, the folder is read-only")
        return 0
    if path.is_dir():
        raise NotAProjectError(f"{path}: is a folder, not a project file")
    if not stat.S_ISREG(path.stat().st_mode):
        # A FIFO or a device would block or be read forever: refused without opening it.
        raise NotAProjectError(f"{path}: not a regular file, so not a project file")
    if path.stat().st_size == 0:
        _check_writable(path)
        return 0
    with path.open("rb") as handle:
        header = handle.read(len(SQLITE_HEADER))
    if header != SQLITE_HEADER:
        raise NotAProjectError(f"{path}: not an annotator project (not an SQLite database)")
    app_id, version, tables = _probe(path)
    if app_id != APPLICATION_ID:
        raise NotAProjectError(
            f"{path}: an SQLite database, but not an annotator project"
            + (" (it has other tables)" if tables else " (it is empty)")
        )
    if version > current_version():
        raise NewerVersionError(
            f"{path}: this project was written by a newer version of annotator (schema "
            f"{version}; this version reads up to {current_version()}). Update annotator to open it"
        )
    _check_writable(path)
    return version


def backup(db: sqlite_utils.Database, target: Path) -> None:
    """Copy the open database to ``target`` with SQLite's online backup API."""
    dest = sqlite3.connect(str(target))
    try:
        db.conn.backup(dest)
    finally:
        dest.close()


def connect(path: Path, *, create: bool = True) -> sqlite_utils.Database:
    """Open (creating or migrating as needed) the project at ``path``.

    Raises a :class:`ProjectError` subclass, with the file untouched, when the path is not a
    usable project. The connection has foreign keys on, WAL journaling, ``synchronous=FULL``.
    """
    path = Path(path).expanduser().absolute()
    version = check_project_file(path, create=create)
    if version == 0:
        path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path))
    try:
        # No sqlite-utils plugins: the project uses none, and loading them scans the entry
        # points of every installed package (importlib.metadata: 20-130 ms per process)
        # and would let any installed plugin run code on the project's connection.
        db = sqlite_utils.Database(conn, execute_plugins=False)
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        with db.ensure_autocommit_on():
            conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        migrate(db, path, version)
    except sqlite3.OperationalError as exc:
        conn.close()
        raise ProjectError(f"{path}: cannot open the project ({exc})") from exc
    except BaseException:
        conn.close()
        raise
    return db


def migrate(db: sqlite_utils.Database, path: Path, version: int) -> None:
    """Apply the migrations after ``version``, each in its own transaction with its version bump."""
    target = current_version()
    if version == target:
        return
    if version > 0:
        backup(db, path.with_name(f"{path.name}.v{version}.backup"))
    for number in range(version, target):
        db.conn.execute("BEGIN IMMEDIATE")
        try:
            with db.atomic():
                MIGRATIONS[number](db)
                db.conn.execute(f"PRAGMA user_version = {number + 1}")
                if number == 0:
                    db.conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        except BaseException:
            if db.conn.in_transaction:
                db.conn.execute("ROLLBACK")
            raise
        db.conn.execute("COMMIT")
