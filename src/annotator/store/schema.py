"""The project file's schema and its forward migrations.

A project file is SQLite with ``PRAGMA application_id = APPLICATION_ID`` and
``PRAGMA user_version`` = the number of migrations applied. ``MIGRATIONS[i]`` takes a project from
version ``i`` to ``i + 1``; a new project runs them all. Each migration runs in one transaction
together with the ``user_version`` bump (``user_version`` is transactional), so a failed migration
leaves the file at its old version. Never edit a released migration: append a new one.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlite_utils

from annotator.domain.labels import DEFAULT_LABELS

APPLICATION_ID = 0x414E4E54  # "ANNT"

Migration = Callable[[sqlite_utils.Database], None]

_V1_TABLES = [
    """CREATE TABLE labels (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        color TEXT NOT NULL,
        key TEXT UNIQUE,
        description TEXT NOT NULL DEFAULT '',
        position INTEGER NOT NULL
    )""",
    """CREATE TABLE documents (
        id INTEGER PRIMARY KEY,
        uid TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        sha256 TEXT NOT NULL UNIQUE,
        text TEXT NOT NULL,
        length INTEGER NOT NULL,
        status TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'in progress', 'done')),
        meta TEXT NOT NULL DEFAULT '{}',
        created_at TEXT NOT NULL
    )""",
    """CREATE TABLE spans (
        id TEXT PRIMARY KEY,
        document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        start INTEGER NOT NULL,
        "end" INTEGER NOT NULL,
        label_id INTEGER NOT NULL REFERENCES labels(id) ON DELETE RESTRICT,
        annotator TEXT NOT NULL,
        note TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        CHECK (start >= 0 AND "end" > start),
        UNIQUE (document_id, start, "end", label_id, annotator)
    )""",
    "CREATE INDEX spans_by_document ON spans(document_id, start)",
    "CREATE INDEX spans_by_label ON spans(label_id)",
    """CREATE TABLE history (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        who TEXT NOT NULL,
        action TEXT NOT NULL,
        entity TEXT NOT NULL,
        entity_id TEXT,
        document_id INTEGER,
        before TEXT,
        after TEXT
    )""",
    "CREATE INDEX history_by_entity ON history(entity, entity_id)",
    """CREATE TRIGGER history_no_update BEFORE UPDATE ON history
       BEGIN SELECT RAISE(ABORT, 'the history is append-only'); END""",
    """CREATE TRIGGER history_no_delete BEFORE DELETE ON history
       BEGIN SELECT RAISE(ABORT, 'the history is append-only'); END""",
    "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
]


def _v1_initial(db: sqlite_utils.Database) -> None:
    """Version 1: labels, documents, spans, history, settings; the default label set."""
    for statement in _V1_TABLES:
        db.execute(statement)
    db["labels"].insert_all(
        {
            "name": label.name,
            "color": label.color,
            "key": label.key,
            "description": label.description,
            "position": position,
        }
        for position, label in enumerate(DEFAULT_LABELS)
    )


REVIEW_STATUSES = ("not reviewed", "in review", "reviewed")
DECISIONS = ("accept", "accept_with_changes", "reject", "add")


def _v2_review(db: sqlite_utils.Database) -> None:
    """Version 2: review status per document and the adjudication decisions."""
    db.execute(
        "ALTER TABLE documents ADD COLUMN review_status TEXT NOT NULL DEFAULT 'not reviewed' "
        "CHECK (review_status IN ('not reviewed', 'in review', 'reviewed'))"
    )
    db.execute(
        """CREATE TABLE review_decisions (
            id TEXT PRIMARY KEY,
            document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            decision TEXT NOT NULL
                CHECK (decision IN ('accept', 'accept_with_changes', 'reject', 'add')),
            source_spans TEXT NOT NULL DEFAULT '[]',
            result_span_id TEXT,
            reason TEXT,
            who TEXT NOT NULL,
            at TEXT NOT NULL
        )"""
    )
    db.execute("CREATE INDEX review_decisions_by_document ON review_decisions(document_id)")


def _v3_reading_aids(db: sqlite_utils.Database) -> None:
    """Version 3: a normalised value per span (numbers), search aliases, cached reading indexes."""
    db.execute("ALTER TABLE spans ADD COLUMN value TEXT")
    db.execute(
        """CREATE TABLE aliases (
            id INTEGER PRIMARY KEY,
            term TEXT NOT NULL,
            surface TEXT NOT NULL,
            UNIQUE (term, surface)
        )"""
    )
    db.execute(
        """CREATE TABLE reading_cache (
            sha256 TEXT NOT NULL,
            version TEXT NOT NULL,
            data BLOB NOT NULL,
            PRIMARY KEY (sha256, version)
        )"""
    )


def _v4_presence(db: sqlite_utils.Database) -> None:
    """Version 4: which processes have the project open in a window (``annotator.store.presence``).

    One row per process: its pid and host, a token telling a reused pid from the original
    process, who works in it, when it started and when it last said it was still there. Not
    history: the rows come and go with the windows."""
    db.execute(
        """CREATE TABLE presence (
            host TEXT NOT NULL,
            pid INTEGER NOT NULL,
            token TEXT,
            who TEXT NOT NULL,
            started_at TEXT NOT NULL,
            seen_at TEXT NOT NULL,
            PRIMARY KEY (host, pid)
        )"""
    )


def _v5_document_names(db: sqlite_utils.Database) -> None:
    """Version 5: the further names a document was imported under.

    A document is its text (one row per SHA-256); two records or files with the same text
    become one document, and every name after the first is kept here with where it came
    from, so that it is shown and exported rather than dropped."""
    db.execute(
        """CREATE TABLE document_names (
            id INTEGER PRIMARY KEY,
            document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            source TEXT,
            added_at TEXT NOT NULL,
            UNIQUE (document_id, name)
        )"""
    )


MIGRATIONS: list[Migration] = [_v1_initial, _v2_review, _v3_reading_aids, _v4_presence,
                               _v5_document_names]


def current_version() -> int:
    """The schema version this code writes."""
    return len(MIGRATIONS)
