"""The streamed export (chunks of documents) and the atomic file and folder outputs."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from annotator.domain.errors import DataError
from annotator.services import exporting
from annotator.services.exporting import (
    FOLDER_MARK,
    ExportFilter,
    atomic_folder,
    atomic_output,
    export,
    iter_documents,
)
from annotator.store import Project


@pytest.fixture
def many(project: Project) -> Project:
    for i in range(25):
        doc, _ = project.add_document(f"d{i}.txt", f"𠮷：ロシア軍が砲弾を撃った。{i}", who="t")
        for who in ("hana", "ken"):
            project.add_span(doc.id, 2, 5, "actor", who)
    return project


def test_chunks_give_the_same_export_as_one_read(many: Project,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    whole = io.StringIO()
    export(many, "jsonl", stream=whole)
    monkeypatch.setattr(exporting, "CHUNK_DOCUMENTS", 4)
    chunked = io.StringIO()
    export(many, "jsonl", stream=chunked)
    assert chunked.getvalue() == whole.getvalue()
    assert len(whole.getvalue().splitlines()) == 25


def test_iter_documents_filters_and_reports_progress(many: Project,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(exporting, "CHUNK_DOCUMENTS", 3)
    seen = []
    got = list(iter_documents(many, ExportFilter(annotators=["ken"], documents=["d3.txt",
                                                                                "d20.txt"]),
                              lambda done, total, what: seen.append((done, total))))
    assert [d.name for d, _t, _s in got] == ["d3.txt", "d20.txt"]
    assert all(s.annotator == "ken" and t[s.start:s.end] == "ロシア" for _d, t, spans in got
               for s in spans)
    assert seen[-1] == (2, 2)


def test_atomic_output_keeps_the_old_file_on_failure(tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    target.write_text("old\n", encoding="utf-8")
    with pytest.raises(RuntimeError), atomic_output(target) as handle:
        handle.write("new and partial")
        raise RuntimeError("boom")
    assert target.read_text(encoding="utf-8") == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.jsonl"]
    with atomic_output(target) as handle:
        handle.write("new\n")
    assert target.read_text(encoding="utf-8") == "new\n"


def test_a_file_export_handed_to_the_disk_as_it_goes_is_the_same_file(
        many: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The writes are buffered and their writeback started every WRITEBACK_BYTES: the file
    holds exactly what a stream gets, whatever those sizes are."""
    whole = io.StringIO()
    export(many, "jsonl", stream=whole)
    expected = whole.getvalue().encode("utf-8")
    assert len(expected) > 4 * 1024
    monkeypatch.setattr(exporting, "WRITE_BUFFER", 512)
    monkeypatch.setattr(exporting, "WRITEBACK_BYTES", 1024)
    advised: list[tuple[int, int]] = []
    real = exporting._ADVISE
    if real is not None:
        def advise(fd: int, offset: int, length: int, advice: int) -> None:
            advised.append((offset, length))
            real(fd, offset, length, advice)

        monkeypatch.setattr(exporting, "_ADVISE", advise)
    export(many, "jsonl", output=tmp_path / "out.jsonl")
    assert (tmp_path / "out.jsonl").read_bytes() == expected
    if real is not None:  # consecutive ranges from the start, each at least WRITEBACK_BYTES
        assert advised and advised[0][0] == 0
        assert all(a + n == b for (a, n), (b, _m) in zip(advised, advised[1:]))
        assert all(n >= 1024 for _a, n in advised)
        assert advised[-1][0] + advised[-1][1] > len(expected) - 1024


def test_atomic_folder_replaces_only_its_own_exports(tmp_path: Path) -> None:
    target = tmp_path / "brat"
    with atomic_folder(target, "brat") as folder:
        (folder / "a.txt").write_text("x", encoding="utf-8")
    assert sorted(p.name for p in target.iterdir()) == [FOLDER_MARK, "a.txt"]
    with atomic_folder(target, "brat") as folder:  # a previous export of ours: replaced
        (folder / "b.txt").write_text("y", encoding="utf-8")
    assert sorted(p.name for p in target.iterdir()) == [FOLDER_MARK, "b.txt"]
    with pytest.raises(RuntimeError), atomic_folder(target, "brat") as folder:
        (folder / "c.txt").write_text("z", encoding="utf-8")
        raise RuntimeError("boom")
    assert sorted(p.name for p in target.iterdir()) == [FOLDER_MARK, "b.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["brat"]  # nothing left beside
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    (theirs / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(DataError, match="not an earlier export"), atomic_folder(theirs):
        pass
    assert (theirs / "notes.txt").read_text(encoding="utf-8") == "mine"
    afile = tmp_path / "file"
    afile.write_text("x", encoding="utf-8")
    with pytest.raises(DataError, match="not a folder"), atomic_folder(afile):
        pass


def test_export_validates_each_record_cheaply(many: Project) -> None:
    out = io.StringIO()
    report = export(many, "jsonl", stream=out)
    assert (report.documents, report.spans) == (25, 50)
    first = json.loads(out.getvalue().splitlines()[0])
    assert first["names"] == [] and first["spans"][0]["text"] == "ロシア"


def test_a_record_that_fails_validation_is_never_written(many: Project, tmp_path: Path) -> None:
    doc = many.documents()[7]
    with many.atomic():  # a damaged row: past the end of its text
        many.db.conn.execute('UPDATE spans SET "end" = 999 WHERE document_id = ?', [doc.id])
    out = tmp_path / "out.jsonl"
    with pytest.raises(DataError, match=r"'d7.txt' failed validation: span 0: \[2, 999\) is not "
                                        r"inside the text"):
        export(many, "jsonl", output=out)
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]
