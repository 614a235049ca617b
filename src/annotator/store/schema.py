"""The project file's schema and its forward migrations.

A project file is SQLite with ``PRAGMA application_id = APPLICATION_ID`` and
``PRAGMA user_version`` = the number of migrations applied. ``MIGRATIONS[i]`` takes a project from
version ``i`` to ``i + 1``; a new project runs them all. Each migration runs in one transaction
together with the ``user_version`` bump (``user_version`` is transactional), so a failed migration
leaves the file at its old version. Never edit a released migration: append a new one.
"""

from __future__ import annotations

import json
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


_AGGREGATE_STATEMENTS = [
    # One row per document (also those without spans): the list sorts by it with an index.
    """CREATE TABLE document_span_counts (
        document_id INTEGER PRIMARY KEY,
        spans INTEGER NOT NULL DEFAULT 0
    )""",
    "CREATE INDEX document_span_counts_by_spans ON document_span_counts(spans)",
    """CREATE TABLE annotator_span_counts (
        document_id INTEGER NOT NULL,
        annotator TEXT NOT NULL,
        spans INTEGER NOT NULL,
        PRIMARY KEY (document_id, annotator)
    ) WITHOUT ROWID""",
    """CREATE TABLE label_span_counts (
        label_id INTEGER PRIMARY KEY,
        spans INTEGER NOT NULL
    )""",
    # The document list sorts and filters by name and status from these (no table scan).
    "CREATE INDEX documents_by_name ON documents(name, status)",
    "CREATE INDEX documents_by_status ON documents(status, name)",
    """CREATE TRIGGER aggregates_document_insert AFTER INSERT ON documents BEGIN
        INSERT OR IGNORE INTO document_span_counts (document_id, spans) VALUES (new.id, 0);
    END""",
    """CREATE TRIGGER aggregates_document_delete AFTER DELETE ON documents BEGIN
        DELETE FROM document_span_counts WHERE document_id = old.id;
        DELETE FROM annotator_span_counts WHERE document_id = old.id;
    END""",
    """CREATE TRIGGER aggregates_span_insert AFTER INSERT ON spans BEGIN
        UPDATE document_span_counts SET spans = spans + 1 WHERE document_id = new.document_id;
        INSERT INTO annotator_span_counts (document_id, annotator, spans)
            VALUES (new.document_id, new.annotator, 1)
            ON CONFLICT (document_id, annotator) DO UPDATE SET spans = spans + 1;
        INSERT INTO label_span_counts (label_id, spans) VALUES (new.label_id, 1)
            ON CONFLICT (label_id) DO UPDATE SET spans = spans + 1;
    END""",
    """CREATE TRIGGER aggregates_span_delete AFTER DELETE ON spans BEGIN
        UPDATE document_span_counts SET spans = spans - 1 WHERE document_id = old.document_id;
        UPDATE annotator_span_counts SET spans = spans - 1
            WHERE document_id = old.document_id AND annotator = old.annotator;
        DELETE FROM annotator_span_counts
            WHERE document_id = old.document_id AND annotator = old.annotator AND spans <= 0;
        UPDATE label_span_counts SET spans = spans - 1 WHERE label_id = old.label_id;
        DELETE FROM label_span_counts WHERE label_id = old.label_id AND spans <= 0;
    END""",
    """CREATE TRIGGER aggregates_span_update AFTER UPDATE OF document_id, annotator, label_id
        ON spans WHEN old.document_id IS NOT new.document_id
            OR old.annotator IS NOT new.annotator OR old.label_id IS NOT new.label_id BEGIN
        UPDATE document_span_counts SET spans = spans - 1 WHERE document_id = old.document_id;
        UPDATE annotator_span_counts SET spans = spans - 1
            WHERE document_id = old.document_id AND annotator = old.annotator;
        DELETE FROM annotator_span_counts
            WHERE document_id = old.document_id AND annotator = old.annotator AND spans <= 0;
        UPDATE label_span_counts SET spans = spans - 1 WHERE label_id = old.label_id;
        DELETE FROM label_span_counts WHERE label_id = old.label_id AND spans <= 0;
        UPDATE document_span_counts SET spans = spans + 1 WHERE document_id = new.document_id;
        INSERT INTO annotator_span_counts (document_id, annotator, spans)
            VALUES (new.document_id, new.annotator, 1)
            ON CONFLICT (document_id, annotator) DO UPDATE SET spans = spans + 1;
        INSERT INTO label_span_counts (label_id, spans) VALUES (new.label_id, 1)
            ON CONFLICT (label_id) DO UPDATE SET spans = spans + 1;
    END""",
]


def _v6_aggregates(db: sqlite_utils.Database) -> None:
    """Version 6: span counts per document, per document and annotator, and per label, kept
    by triggers on ``spans`` and ``documents`` (``annotator.store.aggregates`` reads them), and
    indexes on the documents' names and statuses for the document list. An existing project
    gets its counts computed here."""
    for statement in _AGGREGATE_STATEMENTS:
        db.execute(statement)
    db.execute("INSERT INTO annotator_span_counts (document_id, annotator, spans) "
               "SELECT document_id, annotator, count(*) FROM spans "
               "GROUP BY document_id, annotator")
    db.execute("INSERT INTO document_span_counts (document_id, spans) "
               "SELECT d.id, coalesce((SELECT sum(a.spans) FROM annotator_span_counts a "
               "WHERE a.document_id = d.id), 0) FROM documents d INDEXED BY documents_by_name")
    db.execute("INSERT INTO label_span_counts (label_id, spans) "
               "SELECT label_id, count(*) FROM spans GROUP BY label_id")


def _search_index(db: sqlite_utils.Database) -> None:
    """The search index (``annotator.store.search_index``): an FTS5 trigram index over the
    documents' texts, kept by triggers, and the table of per-document readings with the trigram
    index over their search keys (filled as documents get indexed). An existing project gets
    its text index built here (with progress, see ``search_index.migration_progress``); its
    readings come later, once per document."""
    from annotator.store import search_index

    search_index.create(db.conn)


def _relations_and_attributes(db: sqlite_utils.Database) -> None:
    """Relations between spans, their types, and attributes on spans (``docs/relations.md``).

    ``relation_types`` is ordered like ``labels`` and names the labels allowed at each end
    (JSON lists of label names; empty: any label). ``relations`` links two spans (ids) of one
    document and layer; the span delete removes them first (with history, so it can be undone),
    the foreign keys' cascade only backs that up. ``label_attributes`` holds what each label
    declares; ``spans.attributes`` the values (JSON object text, NULL when none). The default
    types and attributes are added for the default labels the project has."""
    from annotator.domain.relations import DEFAULT_ATTRIBUTES, DEFAULT_RELATION_TYPES

    db.execute(
        """CREATE TABLE relation_types (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            color TEXT NOT NULL,
            key TEXT UNIQUE,
            description TEXT NOT NULL DEFAULT '',
            heads TEXT NOT NULL DEFAULT '[]',
            tails TEXT NOT NULL DEFAULT '[]',
            position INTEGER NOT NULL
        )"""
    )
    db.execute(
        """CREATE TABLE relations (
            id TEXT PRIMARY KEY,
            document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            head_id TEXT NOT NULL REFERENCES spans(id) ON DELETE CASCADE,
            tail_id TEXT NOT NULL REFERENCES spans(id) ON DELETE CASCADE,
            type_id INTEGER NOT NULL REFERENCES relation_types(id) ON DELETE RESTRICT,
            annotator TEXT NOT NULL,
            note TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            CHECK (head_id <> tail_id),
            UNIQUE (head_id, tail_id, type_id)
        )"""
    )
    db.execute("CREATE INDEX relations_by_tail ON relations(tail_id)")
    db.execute("CREATE INDEX relations_by_document ON relations(document_id, annotator)")
    db.execute("CREATE INDEX relations_by_type ON relations(type_id)")
    db.execute(
        """CREATE TABLE label_attributes (
            id INTEGER PRIMARY KEY,
            label TEXT NOT NULL,
            name TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('choice', 'flag', 'text')),
            choices TEXT NOT NULL DEFAULT '[]',
            description TEXT NOT NULL DEFAULT '',
            position INTEGER NOT NULL,
            UNIQUE (label, name)
        )"""
    )
    db.execute("ALTER TABLE spans ADD COLUMN attributes TEXT")
    labels = {row[0] for row in db.execute("SELECT name FROM labels")}
    position = 0
    for rt in DEFAULT_RELATION_TYPES:
        if set(rt.heads) <= labels and set(rt.tails) & labels:
            tails = [t for t in rt.tails if t in labels]
            db.execute(
                "INSERT INTO relation_types (name, color, key, description, heads, tails, "
                "position) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [rt.name, rt.color, rt.key, rt.description, json.dumps(list(rt.heads)),
                 json.dumps(tails), position])
            position += 1
    per_label: dict[str, int] = {}
    for attribute in DEFAULT_ATTRIBUTES:
        if attribute.label in labels:
            index = per_label[attribute.label] = per_label.get(attribute.label, -1) + 1
            db.execute(
                "INSERT INTO label_attributes (label, name, kind, choices, description, "
                "position) VALUES (?, ?, ?, ?, ?, ?)",
                [attribute.label, attribute.name, attribute.kind,
                 json.dumps(list(attribute.choices)), attribute.description, index])


def _deferred_text_index(db: sqlite_utils.Database) -> None:
    """Texts are indexed for search after they are written, not by an insert trigger
    (``annotator.store.search_index``): a watermark (every document up to it is indexed, set to
    the last document here, since the version 7 triggers indexed them all) and text triggers
    that respect it."""
    from annotator.store import search_index

    search_index.defer_text_index(db.conn)


def _drop_redundant_span_index(db: sqlite_utils.Database) -> None:
    """``spans_by_document(document_id, start)`` is a prefix of the spans' unique index
    ``(document_id, start, "end", label_id, annotator)``, which answers the same lookups and
    orders; keeping both made every span insert write one index more (about 2.5% of a large
    project file)."""
    db.execute("DROP INDEX IF EXISTS spans_by_document")


def _document_name_index(db: sqlite_utils.Database) -> None:
    """Version 11: an FTS5 trigram index over the documents' names, so that the document
    list's filter finds the documents whose name contains a string from the names holding its
    rarest trigram instead of reading every name (``annotator.store.document_rows``). Names are
    indexed after they are written, up to a watermark, like the texts; an existing project gets
    its names indexed here, in one statement (about half a second per 100,000)."""
    from annotator.store import document_rows

    document_rows.create_name_index(db.conn)


def _search_positions(db: sqlite_utils.Database) -> None:
    """Version 12: where each token type occurs (``annotator.store.search_positions``), so
    that a common word is found over a corpus from its tokens, not document by document. Filled
    from the readings already indexed, later (the first search, the window's indexer)."""
    from annotator.store import search_positions

    search_positions.create(db.conn)


MIGRATIONS: list[Migration] = [_v1_initial, _v2_review, _v3_reading_aids, _v4_presence,
                               _v5_document_names,
                               _v6_aggregates,
                               _search_index,
                               _relations_and_attributes,
                               _deferred_text_index,
                               _drop_redundant_span_index,
                               _document_name_index,
                               _search_positions]


def current_version() -> int:
    """The schema version this code writes."""
    return len(MIGRATIONS)
