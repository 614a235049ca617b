"""``annotator stats`` from the maintained counts: the same figures as counting the spans."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annotator.cli import main
from annotator.store import Project


def test_stats_agree_with_counting_the_spans(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "p.annotator"
    records = [{"name": f"d{i}.txt", "text": f"記事{i}。北朝鮮はミサイルを{i}発発射した。",
                "spans": [{"start": 4, "end": 7, "label": "actor", "annotator": who}
                          for who in ("alice", "bob", "mei")[: 1 + i % 3]]
                + [{"start": 8, "end": 12, "label": "weapon", "annotator": "alice"}] * (i % 2)}
               for i in range(12)]
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records),
                      encoding="utf-8")
    assert main(["import", "--db", str(path), str(source)]) == 0
    with Project.open(path) as project:
        doc = project.documents()[0]
        project.delete_span(project.spans(doc.id)[0].id, who="alice")
        project.set_document_status(doc.id, "done", who="alice")
        db = project.db
        per_label = dict(db.execute(
            "SELECT l.name, count(s.id) FROM labels l LEFT JOIN spans s ON s.label_id = l.id "
            "GROUP BY l.id ORDER BY l.position"))
        per_annotator = dict(db.execute(
            "SELECT annotator, count(*) FROM spans GROUP BY annotator ORDER BY annotator"))
        per_document = dict(db.execute(
            "SELECT d.name, count(s.id) FROM documents d LEFT JOIN spans s "
            "ON s.document_id = d.id GROUP BY d.id"))
        total = db.execute("SELECT count(*) FROM spans").fetchone()[0]
    capsys.readouterr()
    assert main(["stats", "--db", str(path), "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["documents"] == 12 and stats["spans"] == total == 29
    assert stats["per_label"] == per_label
    assert stats["per_annotator"] == per_annotator == {"alice": 17, "bob": 8, "mei": 4}
    assert {d["name"]: d["spans"] for d in stats["per_document"]} == per_document
    assert stats["per_document"][0] == {"name": "d0.txt", "id": doc.uid,
                                        "characters": doc.length, "status": "done", "spans": 0}
    assert main(["stats", "--db", str(path)]) == 0
    out = capsys.readouterr().out
    assert "spans      29" in out and "d0.txt  (" in out
