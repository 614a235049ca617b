"""The span counts kept by schema v6's triggers stay equal to COUNT(*) GROUP BY after every
kind of write: add, delete, relabel, reassign, undo/redo, bulk import, merge; and a v5 project
gets them computed by its migration."""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path

import sqlite_utils

from annotator.cli import main
from annotator.domain.commands import CreateSpan, DeleteSpan, UpdateSpan
from annotator.domain.spans import Span, new_span_id, now
from annotator.domain.text import sha256_text
from annotator.domain.undo import UndoStack
from annotator.store import Project, aggregates
from annotator.store.schema import APPLICATION_ID, MIGRATIONS

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "services" / "review"))
from review_work import colleague_export, colleague_project, new_project  # noqa: E402


def reference(project: Project) -> tuple[dict[int, int], dict[int, dict[str, int]],
                                         dict[str, int]]:
    """The same counts computed by scanning ``spans``."""
    db = project.db
    totals = {doc_id: 0 for (doc_id,) in db.execute("SELECT id FROM documents")}
    totals.update(db.execute("SELECT document_id, count(*) FROM spans GROUP BY document_id"))
    by_annotator: dict[int, dict[str, int]] = {}
    for doc_id, who, n in db.execute("SELECT document_id, annotator, count(*) FROM spans "
                                     "GROUP BY document_id, annotator ORDER BY 1, 2"):
        by_annotator.setdefault(doc_id, {})[who] = n
    labels = dict(db.execute("SELECT l.name, count(s.id) FROM labels l LEFT JOIN spans s "
                             "ON s.label_id = l.id GROUP BY l.id ORDER BY l.position"))
    return totals, by_annotator, labels


def kept(project: Project) -> tuple[dict[int, int], dict[int, dict[str, int]], dict[str, int]]:
    return (aggregates.span_totals(project), aggregates.span_counts_by_annotator(project),
            aggregates.label_totals(project))


def assert_right(project: Project) -> None:
    assert kept(project) == reference(project)
    totals = reference(project)[0]
    assert aggregates.span_total(project) == sum(totals.values())
    assert aggregates.document_count(project) == len(totals)


def test_counts_follow_edits_undo_and_redo(project: Project) -> None:
    a, _ = project.add_document("a.txt", "北朝鮮はミサイルを発射した。", who="t")
    b, _ = project.add_document("b.txt", "ロシアは否定した。", who="t")
    assert kept(project)[0] == {a.id: 0, b.id: 0}
    stack = UndoStack(project)
    stack.push(CreateSpan(a.id, 0, 3, "actor", "alice"))
    stack.push(CreateSpan(a.id, 4, 8, "weapon", "alice"))
    stack.push(CreateSpan(a.id, 0, 3, "actor", "bob"))
    stack.push(CreateSpan(b.id, 0, 3, "actor", "bob"))
    assert_right(project)
    assert kept(project)[0] == {a.id: 3, b.id: 1}
    span = next(s for s in project.spans(a.id) if s.label == "weapon")
    stack.push(UpdateSpan(span.id, "alice", {"label": "claim"}, "relabel"))  # label moves
    assert_right(project)
    assert aggregates.label_totals(project)["weapon"] == 0
    stack.push(UpdateSpan(span.id, "alice", {"start": 5}, "nudge"))  # no count changes
    assert_right(project)
    stack.push(DeleteSpan(span.id, "alice"))
    assert_right(project)
    assert aggregates.span_counts_by_annotator(project, a.id) == {a.id: {"alice": 1, "bob": 1}}
    for _ in range(4):
        stack.undo()
        assert_right(project)
    for _ in range(4):
        stack.redo()
        assert_right(project)
    alice = next(s for s in project.spans(a.id) if s.annotator == "alice")
    project.delete_span(alice.id, who="alice")
    assert_right(project)
    assert aggregates.span_counts_by_annotator(project, a.id) == {a.id: {"bob": 1}}


def test_a_span_moved_to_another_document_or_annotator_is_counted_there(project: Project) -> None:
    a, _ = project.add_document("a.txt", "北朝鮮はミサイルを発射した。", who="t")
    b, _ = project.add_document("b.txt", "ロシアは否定した。", who="t")
    span = project.add_span(a.id, 0, 3, "actor", "alice")
    project.db.execute("UPDATE spans SET document_id = ?, annotator = 'bob' WHERE id = ?",
                       [b.id, span.id])
    assert_right(project)
    assert kept(project)[0] == {a.id: 0, b.id: 1}


def test_bulk_import_and_merge_keep_the_counts(tmp_path: Path) -> None:
    path = tmp_path / "p.annotator"
    records = [{"name": f"d{i}.txt", "text": f"記事{i}。北朝鮮はミサイルを{i}発発射した。",
                "spans": [{"start": 4, "end": 7, "label": "actor", "annotator": who}
                          for who in ("alice", "bob")[: 1 + i % 2]]} for i in range(40)]
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records),
                      encoding="utf-8")
    assert main(["import", "--db", str(path), str(source)]) == 0
    with Project.open(path) as project:
        assert_right(project)
        assert aggregates.span_total(project) == 60
        stamp = now()
        doc_id = project.documents()[0].id
        project.add_spans_bulk([Span(new_span_id(), doc_id, i, i + 1, "number", "mei", None,
                                     stamp, stamp) for i in range(10)],
                               who="mei", source="bulk")
        assert_right(project)
        assert aggregates.annotator_totals(project) == {"alice": 40, "bob": 20, "mei": 10}

    merged = new_project(tmp_path / "main.annotator")
    files = [colleague_export(tmp_path, "alice"), colleague_project(tmp_path, "bob")]
    assert main(["merge", "--db", str(merged), *map(str, files)]) == 0
    with Project.open(merged) as project:
        assert_right(project)
        assert aggregates.span_total(project) == 12


def test_status_counts(project: Project) -> None:
    """(The document list's queries: ``test_document_rows``.)"""
    ids = [project.add_document(f"{name}.txt", f"文書{n}。", who="t")[0].id
           for n, name in enumerate(["b_1", "a%2", "c_3", "B4"])]
    project.set_document_status(ids[0], "done", who="t")
    project.set_document_status(ids[2], "in progress", who="t")
    assert aggregates.status_counts(project) == {"new": 2, "in progress": 1, "done": 1}


def test_a_v5_project_gets_its_counts_from_the_migration(project_path: Path) -> None:
    db = sqlite_utils.Database(project_path)
    for migration in MIGRATIONS[:5]:
        migration(db)
    db.execute("PRAGMA user_version = 5")
    db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    labels = dict(db.execute("SELECT name, id FROM labels").fetchall())
    for doc_id in (1, 2, 3):
        text = f"文書{doc_id}。北朝鮮"
        db.execute("INSERT INTO documents (id, uid, name, sha256, text, length, created_at) "
                   "VALUES (?, ?, ?, ?, ?, ?, '2026-01-01T00:00:00.000Z')",
                   [doc_id, f"u{doc_id}", f"d{doc_id}.txt", sha256_text(text), text, len(text)])
    rows = [(1, 0, "actor", "alice"), (1, 1, "actor", "bob"), (1, 2, "claim", "alice"),
            (3, 0, "number", "bob")]
    for n, (doc_id, start, label, who) in enumerate(rows):
        db.execute('INSERT INTO spans (id, document_id, start, "end", label_id, annotator, '
                   "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 't', 't')",
                   [f"s{n}", doc_id, start, start + 1, labels[label], who])
    db.conn.commit()
    db.conn.close()
    with Project.open(project_path) as project:
        assert project.db.execute("PRAGMA user_version").fetchone()[0] >= 6
        assert_right(project)
        assert kept(project)[0] == {1: 3, 2: 0, 3: 1}
        assert aggregates.span_counts_by_annotator(project) == {
            1: {"alice": 2, "bob": 1}, 3: {"bob": 1}}
        assert aggregates.label_totals(project)["actor"] == 2
        project.add_span(2, 0, 2, "actor", "mei")  # and the triggers work from then on
        assert_right(project)
    conn = sqlite3.connect(project_path)
    try:
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='index'")}
        assert {"documents_by_name", "documents_by_status"} <= names
    finally:
        conn.close()
