"""``annotator search``, ``aliases`` and ``numbers``: output, exit status 0/1/2, no Qt."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from annotator.cli import main
from annotator.services.japanese.corpus_search import readings_state
from annotator.store import Project

SEEDS = Path(__file__).resolve().parents[3] / "seeds"
ASTRAL = "😀𠮷"


@pytest.fixture
def db(tmp_path: Path) -> str:
    path = tmp_path / "p.annotator"
    with Project.open(path) as project:
        for seed in sorted(SEEDS.glob("*.txt")):
            text = seed.read_text(encoding="utf-8")
            project.add_document(seed.name, text, who="alice")
            project.add_document("astral_" + seed.name, ASTRAL + text.replace("\n", "\n" + ASTRAL), who="alice")
    return str(path)


def _texts(db: str) -> dict[str, str]:
    with Project.open(db) as project:
        return {d.name: project.text(d.id) for d in project.documents()}


def _search(db: str, capsys: pytest.CaptureFixture[str], *args: str) -> list[dict[str, object]]:
    assert main(["search", "--db", db, "--json", *args]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize(("query", "word"), [("puchin", "プーチン"), ("kitachosen", "北朝鮮"),
                                             ("kitachousen", "北朝鮮"), ("roshia", "ロシア")])
def test_search_json_lists_every_hit_with_code_point_offsets(
        db: str, capsys: pytest.CaptureFixture[str], query: str, word: str) -> None:
    hits = _search(db, capsys, query)
    texts = _texts(db)
    assert hits and all(set(h) == {"document", "id", "start", "end", "text"} for h in hits)
    for name, text in texts.items():
        mine = [(h["start"], h["end"]) for h in hits if h["document"] == name]
        expected, i = [], text.find(word)
        while i != -1:
            expected.append((i, i + len(word)))
            i = text.find(word, i + 1)
        assert mine == expected
    assert all(texts[h["document"]][h["start"]:h["end"]] == h["text"] == word for h in hits)  # type: ignore[index, misc]


def test_search_max_plain_output_and_cache(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert len(_search(db, capsys, "--max", "3", "roshia")) == 3
    with Project.open(db) as project:
        assert readings_state(project) == (4, 4)  # indexed once, kept in the project
    assert main(["search", "--db", db, "プーチン"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines and all("[プーチン]" in line for line in lines)


def test_aliases_stored_and_used_by_search(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert not any(h["text"] == "金正恩" for h in _search(db, capsys, "Kim Jong Un"))
    assert main(["aliases", "--db", db, "add", "Putin", "プーチン"]) == 0
    assert main(["aliases", "--db", db, "add", "Kim Jong Un", "金正恩"]) == 0
    assert main(["aliases", "--db", db, "add", "Kim Jong Un", "金正恩"]) == 0  # already there
    capsys.readouterr()
    assert main(["aliases", "--db", db, "list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"Putin": ["プーチン"], "Kim Jong Un": ["金正恩"]}
    with Project.open(db) as project:
        assert project.aliases() == {"Putin": ["プーチン"], "Kim Jong Un": ["金正恩"]}
    kim = _search(db, capsys, "kim jong-un")
    assert {h["text"] for h in kim} >= {"金正恩"}
    assert {h["text"] for h in _search(db, capsys, "Putin")} == {"プーチン"}
    assert main(["aliases", "--db", db, "remove", "Kim Jong Un", "金正恩"]) == 0
    assert not any(h["text"] == "金正恩" for h in _search(db, capsys, "Kim Jong Un"))


def test_exit_statuses(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["aliases", "--db", db, "remove", "nobody", "誰"]) == 1
    assert main(["search", "--db", db, "--max", "0", "x"]) == 2
    assert main(["search", "--db", db, "  "]) == 2
    assert main(["aliases", "--db", db, "add", " ", "x"]) == 2
    assert main(["numbers", "--db", db, "--document", "missing"]) == 1
    with pytest.raises(SystemExit) as info:
        main(["search", "--db", db])
    assert info.value.code == 2


def test_numbers_fills_values_of_number_spans(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    with Project.open(db) as project:
        doc = project.documents()[0]
        text = project.text(doc.id)
        start = text.index("2400マイル")
        project.add_span(doc.id, start, start + 7, "number", "alice")
        project.add_span(doc.id, 0, 1, "actor", "alice")
    assert main(["numbers", "--db", db]) == 0
    assert "1 number span(s)" in capsys.readouterr().out
    assert main(["numbers", "--db", db, "--list"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(rows) == 1 and rows[0]["text"] == "2400マイル"
    assert rows[0]["value"]["value"] == 2400 and rows[0]["value"]["unit"] == "マイル"


def test_search_never_imports_qt(db: str) -> None:
    code = ("import sys; from annotator.cli import main; "
            f"main(['search', '--db', {db!r}, '--json', 'puchin']); "
            "assert not any(m.startswith('PySide6') for m in sys.modules), 'Qt imported'")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_streamed_output_is_the_whole_list_as_before(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    from annotator.cli.common import dumps_json
    from annotator.services.japanese.corpus_search import iter_hits
    from annotator.services.japanese.project_search import hit_record

    assert main(["search", "--db", db, "--json", "kitachosen"]) == 0
    out = capsys.readouterr().out
    with Project.open(db) as project:
        docs = {d.id: d for d in project.documents()}
        records = [hit_record(h, docs[h.document]) for h in iter_hits(project, "kitachosen")]
    assert len(records) > 100 and out == dumps_json(records, indent=2) + "\n"
    assert main(["search", "--db", db, "--json", "zzzzqqq"]) == 0
    assert capsys.readouterr().out == "[]\n"
    assert main(["search", "--db", db, "--max", "2", "北朝鮮"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and all(line.split("\t")[3].count("[北朝鮮]") == 1 for line in lines)


def test_a_project_of_an_older_version_gets_its_index_when_searched(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import sqlite_utils

    from annotator.domain.text import sha256_text
    from annotator.store import schema

    path = tmp_path / "old.annotator"
    db = sqlite_utils.Database(path)
    version = schema.MIGRATIONS.index(schema._search_index)
    for migration in schema.MIGRATIONS[:version]:
        migration(db)
    db.execute(f"PRAGMA user_version = {version}")
    db.execute(f"PRAGMA application_id = {schema.APPLICATION_ID}")
    text = (SEEDS / "000_be41f9e744db60e0.txt").read_text(encoding="utf-8")
    db.execute("INSERT INTO documents (uid, name, sha256, text, length, created_at) "
               "VALUES ('u', 'a.txt', ?, ?, ?, '2026-01-01T00:00:00.000Z')",
               [sha256_text(text), text, len(text)])
    db.conn.commit()
    db.conn.close()
    hits = _search(str(path), capsys, "puchin")
    assert hits and {h["text"] for h in hits} == {"プーチン"}
    assert len(hits) == text.count("プーチン")


def test_search_after_an_import_indexes_the_texts_first(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from annotator.store import search_index

    records = tmp_path / "in.jsonl"
    texts = [seed.read_text(encoding="utf-8") for seed in sorted(SEEDS.glob("*.txt"))]
    records.write_text("".join(json.dumps({"name": f"{i}.txt", "text": t}, ensure_ascii=False) + "\n"
                               for i, t in enumerate(texts)), encoding="utf-8")
    db = str(tmp_path / "p.annotator")
    assert main(["import", "--db", db, str(records)]) == 0
    capsys.readouterr()
    with Project.open(db) as project:
        assert search_index.text_watermark(project.db.conn) == 0  # the import left them for later
    hits = _search(db, capsys, "北朝鮮")
    with Project.open(db) as project:
        conn = project.db.conn
        assert search_index.pending_texts(conn) == (0, 0)
        conn.execute("INSERT INTO search_text(search_text, rank) VALUES ('integrity-check', 1)")
    expected = [(f"{i}.txt", p) for i, t in enumerate(texts) for p in range(len(t)) if t.startswith("北朝鮮", p)]
    assert [(h["document"], h["start"]) for h in hits] == expected and expected


def test_the_plain_output_escapes_what_a_terminal_would_obey(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "e.annotator")
    with Project.open(db) as project:
        project.add_document("plain.txt", "米国とプーチン氏\nプーチン", who="alice")
        project.add_document("odd\x1b[31m.txt", "x\x1b[31mプーチン\u202e氏\x85プーチン\tz", who="alice")
        project.add_document("lines.txt", "ab\nプー\nチン\nc", who="alice")
    assert main(["search", "--db", db, "プーチン"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "plain.txt\t3\t7\t米国と[プーチン]氏 プーチン",
        "plain.txt\t9\t13\t米国とプーチン氏 [プーチン]",
        "odd\\x1b[31m.txt\t6\t10\tx\\x1b[31m[プーチン]\\u202e氏\\x85プーチン\\x09z",
        "odd\\x1b[31m.txt\t13\t17\tx\\x1b[31mプーチン\\u202e氏\\x85[プーチン]\\x09z"]
    assert main(["search", "--db", db, "プー\nチン"]) == 0  # literally, and by reading: putin
    lines = capsys.readouterr().out.splitlines()
    assert "lines.txt\t3\t8\tab [プー\\x0aチン] c" in lines and len(lines) == 5


def test_every_line_names_its_document_when_names_are_read_a_range_at_a_time(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Hits in runs of neighbouring documents and after gaps: the names are read a range of
    ids at a time (:class:`search_cmd._Names`); a document added after its range was read is
    still named, and one removed is skipped."""
    from annotator.cli.search_cmd import _Names

    db = str(tmp_path / "n.annotator")
    hit = {*range(0, 40), 47, *range(90, 130), 400}
    with Project.open(db) as project:
        for i in range(401):
            project.add_document(f"doc-{i:03d}.txt", f"{i}番 " + ("プーチン氏" if i in hit else "北朝鮮"), who="alice")
    assert main(["search", "--db", db, "プーチン"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[0] for line in lines] == [f"doc-{i:03d}.txt" for i in sorted(hit)]
    assert all(line.endswith("[プーチン]氏") for line in lines)
    with Project.open(db) as project:
        names = _Names(project)
        ids = [d.id for d in project.documents()]
        reads: list[str] = []
        project.db.conn.set_trace_callback(lambda sql: reads.append(sql) if "FROM documents" in sql else None)
        assert [names.get(i) for i in ids[:20]] == [f"doc-{i:03d}.txt" for i in range(20)]
        assert len(reads) == 2  # ids 1-8, then 9-24
        project.db.conn.set_trace_callback(None)
        assert names.get(ids[-1]) == "doc-400.txt"  # reads a range that takes in the next id
        added, _created = project.add_document("late.txt", "プーチン", who="alice")
        assert added.id == ids[-1] + 1 and names.get(added.id) == "late.txt"
        assert names.get(ids[-1] + 1000) is None
