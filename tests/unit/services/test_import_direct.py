"""A large import into a small project that no other program has open writes with a rollback
journal (each page once, no checkpoint after) and puts WAL mode back; all or nothing holds, a
kill -9 in the middle loses nothing committed before, and with the project open elsewhere the
import stays in WAL mode (store.bulk)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from annotator.domain.errors import DataError
from annotator.services.import_write import chunks, sources_size
from annotator.services.importing import import_paths
from annotator.store import Project, bulk
from annotator.store.errors import ProjectError
from annotator.store.readonly import read_project_file

SRC = str(Path(__file__).resolve().parents[3] / "src")


def write_jsonl(path: Path, count: int, *, bad_last: bool = False) -> Path:
    with path.open("w", encoding="utf-8") as out:
        for i in range(count):
            text = f"記事{i}：" + "北朝鮮はミサイルを発射した。" * 40
            spans = [{"start": j * 15 + 4, "end": j * 15 + 7, "label": "actor",
                      "annotator": "hana"} for j in range(20)]
            out.write(json.dumps({"name": f"doc{i}", "text": text, "spans": spans},
                                 ensure_ascii=False) + "\n")
        if bad_last:
            out.write('{"text": 5}\n')
    return path


def modes(project: Project) -> tuple[str, int]:
    conn = project.db.conn
    return (conn.execute("PRAGMA journal_mode").fetchone()[0],
            conn.execute("PRAGMA synchronous").fetchone()[0])


@pytest.fixture
def direct(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every import counts as large (the files here are small)."""
    monkeypatch.setattr(bulk, "DIRECT_WRITE_BYTES", 1)


def test_a_large_import_writes_with_a_rollback_journal_and_puts_wal_back(
        project: Project, project_path: Path, tmp_path: Path, direct: None) -> None:
    before = modes(project)
    assert before[0] == "wal"
    during = []

    def progress(*args: object) -> None:
        during.append((*modes(project), Path(f"{project_path}-journal").exists()))

    report = import_paths(project, [write_jsonl(tmp_path / "a.jsonl", 30)], progress=progress)
    assert report.spans_added == 600 and project.document_count() == 30
    assert ("delete", 3, True) in during  # synchronous EXTRA: the commit is durable
    assert modes(project) == before
    assert not Path(f"{project_path}-journal").exists()
    assert project.db.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def foreign_keys(project: Project) -> int:
    return project.db.conn.execute("PRAGMA foreign_keys").fetchone()[0]


def test_a_large_import_has_foreign_keys_off_for_its_transaction_only(
        project: Project, tmp_path: Path, direct: None) -> None:
    during = []
    import_paths(project, [write_jsonl(tmp_path / "a.jsonl", 30)],
                 progress=lambda *a: during.append(foreign_keys(project)))
    assert len(during) > 2 and set(during[:-1]) == {0}  # the last: "done", after the commit
    assert during[-1] == foreign_keys(project) == 1
    conn = project.db.conn
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []  # every row's references
    with pytest.raises(DataError):
        import_paths(project, [write_jsonl(tmp_path / "b.jsonl", 40, bad_last=True)])
    assert foreign_keys(project) == 1
    with pytest.raises(Exception, match="FOREIGN KEY"):
        with project.atomic():
            conn.execute("INSERT INTO document_names (document_id, name, added_at) "
                         "VALUES (99999, 'x', 'now')")


def test_a_small_import_keeps_foreign_keys_on(project: Project, tmp_path: Path) -> None:
    during = []
    import_paths(project, [write_jsonl(tmp_path / "a.jsonl", 3)],
                 progress=lambda *a: during.append(foreign_keys(project)))
    assert during and set(during) == {1}


def test_a_small_import_stays_in_wal_mode(project: Project, tmp_path: Path) -> None:
    during = []
    import_paths(project, [write_jsonl(tmp_path / "a.jsonl", 3)],
                 progress=lambda *a: during.append(modes(project)[0]))
    assert during and set(during) == {"wal"}


def test_a_refused_large_import_leaves_the_project_as_it_was(
        project: Project, project_path: Path, tmp_path: Path, snapshot, direct: None) -> None:
    import_paths(project, [write_jsonl(tmp_path / "a.jsonl", 5)])
    before = snapshot(project_path)
    with pytest.raises(DataError) as refused:
        import_paths(project, [write_jsonl(tmp_path / "b.jsonl", 40, bad_last=True)])
    assert refused.value.line == 41
    assert modes(project)[0] == "wal"
    assert snapshot(project_path) == before
    assert not Path(f"{project_path}-journal").exists()


def test_with_the_project_open_elsewhere_the_import_stays_in_wal_mode(
        project: Project, project_path: Path, tmp_path: Path, direct: None) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import sys
            sys.path.insert(0, {SRC!r})
            from annotator.store import Project
            project = Project.open({str(project_path)!r})
            print(project.document_count(), flush=True)
            sys.stdin.readline()
            print(project.document_count(), flush=True)
            project.close()
        """)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    with holder:
        assert holder.stdout.readline().strip() == "0"
        during = []
        import_paths(project, [write_jsonl(tmp_path / "a.jsonl", 30)],
                     progress=lambda *a: during.append(modes(project)[0]))
        assert during and set(during) == {"wal"}
        holder.stdin.write("\n")
        holder.stdin.flush()
        assert holder.stdout.readline().strip() == "30"  # it read on, and sees the import
    assert holder.returncode == 0


KILLED_IMPORT = """
import sys, time
sys.path.insert(0, {src!r})
from annotator.services import importing
from annotator.store import Project, bulk
from annotator.store.errors import ProjectError
from annotator.store.readonly import read_project_file
bulk.DIRECT_WRITE_BYTES = 1
bulk.BULK_CACHE_KIB = 64
importing.CHUNK_RECORDS = 20
project = Project.open({project!r})
project.db.conn.execute("PRAGMA cache_size = -64")  # pages go to the file before the commit
written = []

def progress(done, total, what):
    written.append(what)
    if len(written) == 8:
        print("writing", flush=True)
        time.sleep(60)

importing.import_paths(project, [{source!r}], progress=progress)
print("finished", flush=True)
"""


def test_kill9_in_the_middle_of_a_large_import_loses_nothing_committed(
        project_path: Path, tmp_path: Path, snapshot) -> None:
    with Project.open(project_path) as project:
        import_paths(project, [write_jsonl(tmp_path / "first.jsonl", 5)])
    before = snapshot(project_path)
    size = project_path.stat().st_size
    source = write_jsonl(tmp_path / "big.jsonl", 400)
    child = subprocess.Popen(
        [sys.executable, "-c", KILLED_IMPORT.format(src=SRC, project=str(project_path),
                                                    source=str(source))],
        stdout=subprocess.PIPE, text=True)
    journal = Path(f"{project_path}-journal")
    with child:
        try:
            assert child.stdout.readline().strip() == "writing"
            assert journal.exists() and journal.stat().st_size > 0
            assert project_path.stat().st_size > size  # pages of the import are in the file
        finally:
            child.kill()
    assert journal.exists()  # hot: the next opening rolls it back
    with pytest.raises(ProjectError, match="a write to it has not finished"):
        read_project_file(project_path)  # a merge does not read the half-written file
    with Project.open(project_path) as project:
        assert project.document_count() == 5
        assert modes(project)[0] == "wal"
        assert project.db.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert not journal.exists()
    assert snapshot(project_path) == before


def test_chunks_and_the_size_of_the_sources(tmp_path: Path) -> None:
    assert [len(c) for c in chunks(range(7), 3)] == [3, 3, 1]
    assert list(chunks([], 3)) == []
    a = tmp_path / "a.txt"
    a.write_bytes(b"x" * 10)
    (tmp_path / "folder").mkdir()
    assert sources_size([a, tmp_path / "folder", tmp_path / "missing"]) == 10
