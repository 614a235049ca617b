"""Reading another project file without changing it (a colleague's work, to merge).

The file is opened through SQLite's read-only URI (``mode=ro``), never migrated, never
written: when it has no write-ahead log beside it, it is opened ``immutable`` so SQLite does
not even create ``-wal``/``-shm`` files next to it. It must be an annotator project
(application id) of this version or older; every version has the tables read here.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from annotator.domain.spans import Span
from annotator.store.database import SQLITE_HEADER
from annotator.store.project import span_from_row
from annotator.store.errors import NewerVersionError, NotAProjectError, ProjectError
from annotator.store.schema import APPLICATION_ID, current_version


@dataclass(frozen=True, slots=True)
class ForeignDocument:
    """A document of the other project, with its canonical text."""

    id: int
    uid: str
    name: str
    sha256: str
    text: str
    meta: dict
    spans: list[Span] = field(default_factory=list)


def _connect(path: Path) -> sqlite3.Connection:
    if not path.is_file():
        raise ProjectError(f"{path}: no such project file")
    with path.open("rb") as handle:
        if handle.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise NotAProjectError(f"{path}: not an annotator project (not an SQLite database)")
    uri = f"file:{quote(str(path))}?mode=ro"
    if not Path(f"{path}-wal").exists():
        uri += "&immutable=1"
    try:
        conn = sqlite3.connect(uri, uri=True)
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise NotAProjectError(f"{path}: not an annotator project ({exc})") from exc
    if app_id != APPLICATION_ID:
        conn.close()
        raise NotAProjectError(f"{path}: an SQLite database, but not an annotator project")
    if version > current_version():
        conn.close()
        raise NewerVersionError(
            f"{path}: written by a newer version of annotator (schema {version}); update annotator")
    return conn


def read_project_file(path: str | Path) -> list[ForeignDocument]:
    """Every document of the project at ``path`` with its spans (ordered by position).

    Raises :class:`annotator.store.errors.ProjectError` when the file is not a readable project.
    """
    path = Path(path).expanduser().absolute()
    conn = _connect(path)
    try:
        docs = {
            row[0]: ForeignDocument(row[0], row[1], row[2], row[3], row[4], json.loads(row[5]))
            for row in conn.execute(
                "SELECT id, uid, name, sha256, text, meta FROM documents ORDER BY id")
        }
        columns = {row[1] for row in conn.execute("PRAGMA table_info(spans)")}
        value = "s.value" if "value" in columns else "NULL"  # span values came with schema 3
        rows = conn.execute(
            'SELECT s.id, s.document_id, s.start, s."end", l.name, s.annotator, s.note, '
            f"s.created_at, s.updated_at, {value} FROM spans s "
            'JOIN labels l ON l.id = s.label_id ORDER BY s.document_id, s.start, s."end", s.rowid')
        for row in rows:
            docs[row[1]].spans.append(
                span_from_row(row))
    except sqlite3.DatabaseError as exc:
        raise ProjectError(f"{path}: cannot read the project ({exc})") from exc
    finally:
        conn.close()
    return list(docs.values())
