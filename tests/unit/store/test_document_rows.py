"""The document list's queries (``annotator.store.document_rows``) and the names' trigram index
of schema version 11: rows, counts and positions are what a plain reference computes, on both
ways a filter is answered (the name index's candidates, or a walk of the order's index); a v10
project gets its names indexed on opening; the index follows documents added, renamed and
removed by another process."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import sqlite_utils

from annotator.domain.text import sha256_text
from annotator.store import Project, document_rows
from annotator.store.schema import APPLICATION_ID, MIGRATIONS
from tests.unit.store.test_store_second_writer import elsewhere


def listed(project: Project, order: str = "id", descending: bool = False,
           needle: str = "") -> list[int]:
    """The list's ids, read a page at a time; every row's position is its row."""
    plan = document_rows.plan(project, order, descending, needle)
    ids: list[int] = []
    while True:
        page = document_rows.rows(project, plan, len(ids), 7)
        ids += [row[0] for row in page]
        if len(page) < 7:
            break
    assert plan.total in (None, len(ids))
    for row, doc_id in enumerate(ids):
        assert document_rows.position(project, plan, doc_id) == row, (order, needle, doc_id)
    return ids


def test_orders_and_filters(project: Project) -> None:
    ids = [project.add_document(f"{name}.txt", f"文書{n}。", who="t")[0].id
           for n, name in enumerate(["b_1", "a%2", "c_3", "B4"])]
    project.set_document_status(ids[0], "done", who="t")
    project.set_document_status(ids[2], "in progress", who="t")
    project.add_span(ids[1], 0, 1, "actor", "alice")
    project.add_span(ids[1], 1, 2, "actor", "alice")
    project.add_span(ids[3], 0, 1, "actor", "alice")
    assert listed(project) == ids
    assert listed(project, "id", descending=True) == ids[::-1]
    assert listed(project, "name") == [ids[3], ids[1], ids[0], ids[2]]
    assert listed(project, "spans") == [ids[0], ids[2], ids[3], ids[1]]
    assert listed(project, "status", descending=True) == [
        ids[1], ids[3], ids[2], ids[0]]  # new > in progress > done; then names, bytewise
    # LIKE's wildcards are literal characters of the filter; ASCII letters ignore case.
    assert listed(project, needle="%") == [ids[1]]
    assert listed(project, needle="_") == [ids[0], ids[2]]
    assert listed(project, "name", needle="b") == [ids[3], ids[0]]
    assert listed(project, "spans", True, needle="B") == [ids[3], ids[0]]
    assert listed(project, needle="progress") == [ids[2]]
    assert listed(project, needle="_1.T") == [ids[0]]  # from the name index
    assert document_rows.plan(project, needle="_1.T").gram is not None
    # Statuses fold like names: ASCII letters only (the Kelvin sign is not a k, ı not an i).
    assert listed(project, needle="IN PRO") == [ids[2]]
    assert listed(project, "id", True, needle="nE") == [ids[3], ids[1], ids[0]]
    assert listed(project, needle="\u0131n") == []
    assert listed(project, "name", needle="_") == [ids[0], ids[2]]
    assert document_rows.values(project, [ids[1], ids[0]]) == {
        ids[1]: ("a%2.txt", "new", 2), ids[0]: ("b_1.txt", "done", 0)}
    assert document_rows.position(project, document_rows.plan(project, needle="b"), ids[1]) == -1


def reference(project: Project, order: str, descending: bool, needle: str) -> list[int]:
    rows = project.db.execute(
        "SELECT d.id, d.name, d.status, (SELECT count(*) FROM spans s WHERE s.document_id = d.id)"
        " FROM documents d").fetchall()
    folded = needle.lower()
    if needle:
        rows = [r for r in rows if folded in r[1].lower() or folded in r[2]]
    keys = {"id": lambda r: (r[0],), "name": lambda r: (r[1].encode(), r[2], r[0]),
            "status": lambda r: (r[2], r[1].encode(), r[0]), "spans": lambda r: (r[3], r[0])}
    return [r[0] for r in sorted(rows, key=keys[order], reverse=descending)]


def test_both_ways_of_filtering_give_the_reference(project: Project,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(document_rows, "FEW", 12)  # few candidates: 12 names of 300 or less
    monkeypatch.setattr(document_rows, "DENSE", 40)  # a page: 40 of the first 100 rows
    monkeypatch.setattr(document_rows, "SCAN_PROBE", 100)
    rng = random.Random(11)

    def add(count: int) -> None:
        with project.atomic():
            for _ in range(count):
                n = document_rows.aggregates.document_count(project)
                name = f"{rng.choice(['Article', 'article', 'memo', '記事'])}-{n:04d}.txt"
                doc, _ = project.add_document(name, f"文書{n}。", who="t")
                for i in range(rng.randrange(4)):
                    project.add_span(doc.id, i, i + 1, "actor", "alice")

    def check() -> set[str]:
        """How the import-order lists were answered (the rows are checked in every order)."""
        seen = set()
        for needle in ("", "art", "ARTICLE-00", "0042", "-01", "記事-01", "icle-029", "zzz", "m",
                       "-030", "e-0"):
            plan = document_rows.plan(project, needle=needle)
            seen.add("index" if plan.gram else "walk" if plan.walk else
                     "held" if plan.held is not None else "scan")
            for order in document_rows.ORDERS:
                for descending in (False, True):
                    assert listed(project, order, descending, needle) == reference(
                        project, order, descending, needle), (needle, order, descending)
        return seen

    add(300)
    assert document_rows.names_pending(project) == 13  # counted up to FEW + 1
    # Too many names not indexed: every filter reads the names (walking the order when a page
    # of its first rows match, else holding the ids found from the index on names).
    assert check() == {"scan", "held"}
    with project.atomic():
        assert document_rows.index_names(project, max_docs=200) == 200
        assert document_rows.index_names(project) == 100
        assert document_rows.index_names(project) == 0
    assert check() == {"index", "walk", "scan", "held"}
    add(5)  # a few not indexed yet: candidates too (and no walk in id order of the index)
    assert document_rows.names_pending(project) == 5
    assert check() == {"index", "scan", "held"}
    index_ok(project)


def v10_project(path: Path, names: list[str]) -> None:
    db = sqlite_utils.Database(path)
    for migration in MIGRATIONS[:10]:
        migration(db)
    db.execute("PRAGMA user_version = 10")
    db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    for n, name in enumerate(names, 1):
        text = f"文書{n}。"
        db.execute("INSERT INTO documents (id, uid, name, sha256, text, length, created_at) "
                   "VALUES (?, ?, ?, ?, ?, ?, '2026-01-01T00:00:00.000Z')",
                   [n, f"doc{n}", name, sha256_text(text), text, len(text)])
    db.conn.commit()
    db.conn.close()


def index_ok(project: Project) -> None:
    """The index agrees with the documents (once every name is in it: the check compares
    it with every row)."""
    with project.atomic():
        document_rows.index_names(project)
    project.db.execute("INSERT INTO document_name_index(document_name_index, rank) "
                       "VALUES ('integrity-check', 1)")


def test_a_v10_project_gets_its_names_indexed(project_path: Path) -> None:
    v10_project(project_path, ["alpha.txt", "beta.txt", "Alphabet.txt"])
    with Project.open(project_path) as project:
        assert project.db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS) >= 11
        index_ok(project)
        assert [r[0] for r in project.db.execute(
            "SELECT rowid FROM document_name_index WHERE document_name_index MATCH 'pha' "
            "ORDER BY rowid")] == [1, 3]
        plan = document_rows.plan(project, needle="ALPHA")
        assert plan.gram is not None and plan.total == 2
        assert listed(project, "name", needle="ALPHA") == [3, 1]
    assert project_path.with_name(f"{project_path.name}.v10.backup").exists()


def test_the_index_follows_another_writer(project: Project) -> None:
    for name in ("one.txt", "two.txt", "three.txt"):
        project.add_document(name, f"{name}の文書。", who="t")
    assert listed(project, needle="two") == [2]
    index_ok(project)  # the three are indexed: a rename or a removal goes through the triggers
    elsewhere(project.path, """
        project.add_document("twofold.txt", "四つ目の文書。", who="cli")
        with project.atomic():
            project.db.execute("UPDATE documents SET name = 'second.txt' WHERE id = 2")
            project.db.execute("DELETE FROM documents WHERE id = 3")
    """)
    for indexed in (False, True):  # the new one found above the watermark, then indexed
        assert document_rows.names_pending(project) == (0 if indexed else 1)
        assert document_rows.plan(project, needle="two").gram is not None
        assert listed(project, needle="two") == [4]
        assert listed(project, needle="second") == [2]
        assert listed(project, needle="three") == []
        assert listed(project, "name") == [1, 2, 4]
        assert listed(project) == [1, 2, 4] == listed(project, "id", True)[::-1]  # a gap
        index_ok(project)
