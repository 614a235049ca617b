"""The text index filled after the writes (schema v9): a watermark, triggers that respect it,
searches exact at every moment, an upgrade from version 8, and a run killed with SIGKILL in the
middle of a batch that the next run finishes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import sqlite_utils

from annotator.domain.text import sha256_text
from annotator.services.japanese import corpus_search
from annotator.store import Project, schema, search_index
from annotator.store.schema import APPLICATION_ID, MIGRATIONS

TEXTS = ["北朝鮮はミサイルを発射した", "プーチン大統領は CNN に語った", "ロシアと北朝鮮", "短い",
         "北朝鮮、北朝鮮、また北朝鮮"]


def _candidates(project: Project, *strings: str) -> list[int]:
    return list(search_index.candidate_documents(project.db.conn, "search_text", strings))


def _check_index(project: Project, *, complete: bool) -> None:
    """FTS5's own check: the index is consistent (and, when ``complete``, holds exactly the
    documents' texts: a 'delete' of a row never indexed would fail this)."""
    conn = project.db.conn
    conn.execute("INSERT INTO search_text(search_text) VALUES ('integrity-check')")
    if complete:
        conn.execute("INSERT INTO search_text(search_text, rank) VALUES ('integrity-check', 1)")


def _literal_hits(project: Project, term: str) -> list[tuple[int, int, int]]:
    return [(h.document, h.start, h.end) for h in corpus_search.iter_hits(project, term, {})
            if h.text == term]


def _expected(project: Project, term: str) -> list[tuple[int, int, int]]:
    found = []
    for doc in project.documents():
        text, p = project.text(doc.id), 0
        while (p := text.find(term, p)) != -1:
            found.append((doc.id, p, p + len(term)))
            p += len(term)
    return found


def test_added_texts_wait_for_the_index_and_are_found_meanwhile(tmp_path: Path) -> None:
    with Project.open(tmp_path / "p.annotator") as project:
        ids = [project.add_document(f"{i}.txt", t, who="t")[0].id for i, t in enumerate(TEXTS)]
        conn = project.db.conn
        assert search_index.text_watermark(conn) == 0
        assert conn.execute("SELECT count(*) FROM search_text WHERE search_text MATCH '北朝鮮'"
                            ).fetchone()[0] == 0  # not indexed by the insert
        assert corpus_search.pending_texts(project) == (5, sum(len(t) for t in TEXTS))
        assert _candidates(project, "北朝鮮") == [ids[0], ids[2], ids[4]]  # scanned
        assert _candidates(project, "cnn") == [ids[1]]
        assert _candidates(project, "短") == [ids[3]]
        assert corpus_search.index_some_texts(project, 2, 10_000) == 2
        assert search_index.text_watermark(conn) == ids[1]
        assert _candidates(project, "北朝鮮") == [ids[0], ids[2], ids[4]]  # half and half
        assert _candidates(project, "北朝鮮", "CNN") == [ids[0], ids[1], ids[2], ids[4]]
        seen: list[tuple[int, int]] = []
        assert corpus_search.index_texts(project, progress=lambda d, t: seen.append((d, t))) == 3
        left = sum(len(t) for t in TEXTS[2:])
        assert seen == [(0, left), (left, left)]
        assert search_index.text_watermark(conn) == ids[-1]
        assert corpus_search.pending_texts(project) == (0, 0)
        assert _candidates(project, "北朝鮮") == [ids[0], ids[2], ids[4]]  # from the index
        assert _literal_hits(project, "北朝鮮") == _expected(project, "北朝鮮")
        _check_index(project, complete=True)


def test_characters_bound_a_batch_but_one_long_text_is_indexed_alone(tmp_path: Path) -> None:
    with Project.open(tmp_path / "p.annotator") as project:
        for i, t in enumerate(TEXTS):
            project.add_document(f"{i}.txt", t * 10, who="t")
        with project.atomic():
            assert search_index.index_texts(project.db.conn, 100, 5) == 1
        with project.atomic():
            assert search_index.index_texts(project.db.conn, 100, 10 * len(TEXTS[1] + TEXTS[2])) == 2


def test_removing_an_unindexed_document_leaves_the_index_sound(tmp_path: Path) -> None:
    with Project.open(tmp_path / "p.annotator") as project:
        ids = [project.add_document(f"{i}.txt", t, who="t")[0].id for i, t in enumerate(TEXTS)]
        corpus_search.index_some_texts(project, 2, 10_000)
        with project.atomic():  # one indexed, one not: only the first touches the index
            project.db.execute("DELETE FROM documents WHERE id IN (?, ?)", [ids[0], ids[2]])
        _check_index(project, complete=False)
        assert _candidates(project, "北朝鮮") == [ids[4]]
        corpus_search.index_texts(project)
        _check_index(project, complete=True)
        assert _literal_hits(project, "北朝鮮") == _expected(project, "北朝鮮")


def test_a_reused_id_under_the_watermark_is_indexed_at_once(tmp_path: Path) -> None:
    with Project.open(tmp_path / "p.annotator") as project:
        ids = [project.add_document(f"{i}.txt", t, who="t")[0].id for i, t in enumerate(TEXTS)]
        corpus_search.index_texts(project)
        with project.atomic():
            project.db.execute("DELETE FROM documents WHERE id = ?", [ids[-1]])
        doc, _ = project.add_document("again.txt", "金正恩氏が視察した", who="t")
        assert doc.id == ids[-1] <= search_index.text_watermark(project.db.conn)
        assert corpus_search.pending_texts(project) == (0, 0)
        assert _candidates(project, "金正恩") == [doc.id]
        _check_index(project, complete=True)


def test_a_version_8_project_is_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "old.annotator"
    db = sqlite_utils.Database(path)
    version = MIGRATIONS.index(schema._deferred_text_index)
    for migration in MIGRATIONS[:version]:
        migration(db)
    db.execute(f"PRAGMA user_version = {version}")
    db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    for i, text in enumerate(TEXTS):  # indexed by the version 7 insert trigger
        db.execute("INSERT INTO documents (uid, name, sha256, text, length, created_at) "
                   "VALUES (?, ?, ?, ?, ?, '2026-01-01T00:00:00.000Z')",
                   [f"u{i}", f"{i}.txt", sha256_text(text), text, len(text)])
    db.conn.commit()
    db.conn.close()
    with Project.open(path) as project:
        conn = project.db.conn
        assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
        assert search_index.text_watermark(conn) == 5
        assert corpus_search.pending_texts(project) == (0, 0)
        _check_index(project, complete=True)
        assert _candidates(project, "北朝鮮") == [1, 3, 5]
        project.add_document("new.txt", "北朝鮮の新しい記事", who="t")
        assert corpus_search.pending_texts(project)[0] == 1
        assert _candidates(project, "北朝鮮") == [1, 3, 5, 6]
        with project.atomic():
            conn.execute("DELETE FROM documents WHERE id IN (1, 6)")
        _check_index(project, complete=False)
        corpus_search.index_texts(project)
        _check_index(project, complete=True)
        assert _literal_hits(project, "北朝鮮") == _expected(project, "北朝鮮")


_CHILD = """
import sys, time
from annotator.services.japanese import corpus_search
from annotator.store import Project, search_index

original = search_index.index_texts
batches = []

def slow(conn, max_docs=search_index.INDEX_DOCS, max_chars=search_index.INDEX_CHARS):
    count = original(conn, 3, max_chars)
    batches.append(count)
    if len(batches) == 2:  # the second batch is written, not committed
        print("in the second batch", flush=True)
        time.sleep(120)
    return count

search_index.index_texts = slow
with Project.open(sys.argv[1]) as project:
    corpus_search.index_texts(project)
"""


def test_indexing_killed_mid_batch_resumes_and_searches_stay_exact(tmp_path: Path) -> None:
    path = tmp_path / "p.annotator"
    with Project.open(path) as project:
        with project.atomic():
            for i in range(20):
                project.add_document(f"{i}.txt", f"{i} {TEXTS[i % len(TEXTS)]} {i}", who="t")
    with subprocess.Popen([sys.executable, "-c", _CHILD, str(path)], stdout=subprocess.PIPE,
                          text=True) as child:
        try:
            assert child.stdout is not None
            assert child.stdout.readline().strip() == "in the second batch"
            os.kill(child.pid, signal.SIGKILL)
        finally:
            child.wait(timeout=60)
    assert child.returncode == -signal.SIGKILL
    with Project.open(path) as project:
        conn = project.db.conn
        assert search_index.text_watermark(conn) == 3  # the first batch only
        _check_index(project, complete=False)
        for term in ("北朝鮮", "CNN", "短い"):
            assert _literal_hits(project, term) == _expected(project, term)
        assert corpus_search.index_texts(project) == 17
        _check_index(project, complete=True)
        for term in ("北朝鮮", "CNN", "短い"):
            assert _literal_hits(project, term) == _expected(project, term)


def test_candidates_across_windows_half_indexed(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(search_index, "WINDOWS", (2, 8))
    monkeypatch.setattr(search_index, "SCAN_WINDOW", 3)
    with Project.open(tmp_path / "p.annotator") as project:
        ids = [project.add_document(f"{i}.txt", f"{i} {TEXTS[i % len(TEXTS)]}", who="t")[0].id
               for i in range(40)]
        corpus_search.index_some_texts(project, 17, 100_000)
        for term in ("北朝鮮", "短", "cnn", "プーチン大統領"):
            expected = [d for d in ids if term.lower() in project.text(d).lower()]
            assert _candidates(project, term) == expected, term
