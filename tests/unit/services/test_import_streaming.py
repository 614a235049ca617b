"""The streamed import: records read one at a time, written a chunk at a time in ONE
transaction; checks across chunks go to the database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annotator.domain.errors import DataError
from annotator.services import importing
from annotator.services.importing import import_paths
from annotator.store import Project


def write_jsonl(path: Path, records: list[dict]) -> Path:
    with path.open("w", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


def record(i: int, **extra) -> dict:
    text = f"😀 文書{i}：北朝鮮はミサイルを発射した。"
    return {"name": f"doc{i}", "text": text,
            "spans": [{"start": 5 + len(str(i)), "end": 8 + len(str(i)), "label": "actor",
                       "annotator": "hana"}], **extra}


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(importing, "CHUNK_RECORDS", 50)
    return 50


def test_a_bad_last_record_leaves_the_project_unchanged(
        project: Project, project_path: Path, snapshot, tmp_path: Path, small_chunks: int) -> None:
    records = [record(i) for i in range(1_000)]
    records[-1]["spans"][0]["end"] = 10_000  # the very last record is bad
    path = write_jsonl(tmp_path / "many.jsonl", records)
    before = snapshot(project_path)
    with pytest.raises(DataError, match="outside the text") as info:
        import_paths(project, [path])
    assert info.value.line == 1_000
    assert snapshot(project_path) == before  # 19 chunks were written, then rolled back
    # The same file without the bad record imports every chunk.
    write_jsonl(path, records[:-1])
    report = import_paths(project, [path])
    assert (len(report.documents_added), report.spans_added) == (999, 999)


def test_records_are_read_a_chunk_at_a_time(project: Project, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch,
                                            small_chunks: int) -> None:
    path = write_jsonl(tmp_path / "many.jsonl", [record(i) for i in range(400)])
    lines_read = []
    real_lines = importing.iter_byte_lines

    def counting(*args, **kwargs):
        for item in real_lines(*args, **kwargs):
            lines_read.append(item[0])
            yield item

    writes = []
    real_write = importing.ChunkWriter.write

    def write(self, chunk):
        writes.append((len(chunk), len(lines_read)))
        return real_write(self, chunk)

    monkeypatch.setattr(importing, "iter_byte_lines", counting)
    monkeypatch.setattr(importing.ChunkWriter, "write", write)
    import_paths(project, [path])
    assert writes[0] == (50, 50)  # the first chunk is written after 50 lines, not 400
    assert len(writes) == 8 and writes[-1] == (50, 400)


def test_duplicates_and_id_clashes_across_chunks(project: Project, tmp_path: Path,
                                                 small_chunks: int) -> None:
    records = [record(i) for i in range(120)]
    records[0]["spans"][0]["id"] = "a" * 32
    again = record(0, name="doc0 again")  # same text as record 0, in the third chunk
    again["spans"].append({"id": "a" * 32, "start": 0, "end": 1, "label": "claim",
                           "annotator": "ken"})  # the id of another span, chunks ago
    records.append(again)
    report = import_paths(project, [write_jsonl(tmp_path / "a.jsonl", records)])
    assert len(report.documents_added) == 120
    assert report.spans_skipped == 1  # record 0's span, seen again
    assert report.spans_added == 121
    first = project.documents()[0]
    spans = project.spans(first.id)
    assert len(spans) == 2 and len({s.id for s in spans}) == 2
    assert "a" * 32 in {s.id for s in spans}
    assert project.document_names(first.id) == ["doc0 again"]
    assert report.other_names == 1
    assert "1 record had the text of an existing document; its name was kept" in report.summary()


def test_names_round_trip_through_native_jsonl(project: Project, tmp_path: Path) -> None:
    from annotator.services.exporting import export
    from annotator.services.validation import validate_file

    write_jsonl(tmp_path / "a.jsonl", [record(1), record(1, name="other"), record(2)])
    import_paths(project, [tmp_path / "a.jsonl"])
    out = tmp_path / "out.jsonl"
    export(project, "jsonl", output=out)
    exported = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["names"] for r in exported] == [["other"], []]
    assert validate_file(out) == []
    fresh = Project.open(tmp_path / "fresh.annotator")
    try:
        import_paths(fresh, [out])
        assert fresh.document_names(fresh.documents()[0].id) == ["other"]
    finally:
        fresh.close()


def test_a_cancelled_import_writes_nothing(project: Project, project_path: Path, snapshot,
                                           tmp_path: Path, small_chunks: int) -> None:
    from annotator.services.importing import ImportCancelled

    path = write_jsonl(tmp_path / "many.jsonl", [record(i) for i in range(300)])
    before = snapshot(project_path)
    calls = []

    def progress(done: int, total: int, what: str) -> bool:
        calls.append(what)
        return len(calls) < 4  # cancel after a few chunks were written

    with pytest.raises(ImportCancelled):
        import_paths(project, [path], progress=progress)
    assert snapshot(project_path) == before


def test_span_counts_agree_with_the_spans_after_a_bulk_import(project: Project, tmp_path: Path,
                                                              small_chunks: int) -> None:
    records = [record(i) for i in range(300)]
    for i, rec in enumerate(records):
        rec["spans"] += [{"start": 0, "end": 1, "label": "claim", "annotator": who}
                         for who in ("ken", "mei")[: i % 3]]
    import_paths(project, [write_jsonl(tmp_path / "a.jsonl", records)])
    import_paths(project, [write_jsonl(tmp_path / "b.jsonl", [record(i, name=f"again{i}")
                                                              for i in range(290, 320)])])
    conn = project.db.conn
    assert conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' "
                        "AND name = 'aggregates_span_insert'").fetchone()[0] == 1
    assert dict(conn.execute("SELECT document_id, spans FROM document_span_counts "
                             "WHERE spans > 0")) == dict(conn.execute(
        "SELECT document_id, count(*) FROM spans GROUP BY document_id"))
    assert sorted(conn.execute("SELECT document_id, annotator, spans FROM "
                               "annotator_span_counts")) == sorted(conn.execute(
        "SELECT document_id, annotator, count(*) FROM spans GROUP BY document_id, annotator"))
    assert dict(conn.execute("SELECT label_id, spans FROM label_span_counts WHERE spans > 0")) \
        == dict(conn.execute("SELECT label_id, count(*) FROM spans GROUP BY label_id"))
    # A failed bulk import leaves the counts and the trigger as they were.
    before = sorted(conn.execute("SELECT * FROM annotator_span_counts"))
    bad = [record(i) for i in range(400, 500)]
    bad[-1]["spans"][0]["end"] = 999
    with pytest.raises(DataError):
        import_paths(project, [write_jsonl(tmp_path / "c.jsonl", bad)])
    assert sorted(conn.execute("SELECT * FROM annotator_span_counts")) == before
    project.add_span(project.documents()[0].id, 1, 2, "actor", "solo")  # the trigger still works
    assert conn.execute("SELECT spans FROM annotator_span_counts WHERE annotator = 'solo'"
                        ).fetchone()[0] == 1
