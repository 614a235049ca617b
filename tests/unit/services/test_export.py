"""Exports: native keys and types, UTF-16 offsets for doccano/Label Studio, filters, atomic."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from typing import Any

import pytest

from annotator.domain.errors import DataError
from annotator.services.exporting import ExportCancelled, ExportFilter, dumps, export
from annotator.store import Project

TEXT = "\U0001F600𠮷葛\U000E0100城で\U0001F680ミサイル3発、プーチン大統領が発表。"


@pytest.fixture
def filled(project: Project) -> Project:
    doc, _ = project.add_document("a.txt", TEXT, who="t", meta={"source": "news"})
    other, _ = project.add_document("b.txt", "別の文書です。", who="t")
    for start, end, label, who in [(1, 3, "actor", "alice"), (2, 5, "claim", "alice"),
                                   (6, 11, "weapon", "bob"), (11, 13, "number", "bob"),
                                   (0, len(TEXT), "claim", "bob")]:
        project.add_span(doc.id, start, end, label, who, note="確か" if who == "bob" else None)
    project.add_span(other.id, 0, 2, "actor", "alice")
    return project


def native(project: Project, **filters: Any) -> list[dict[str, Any]]:
    out = io.StringIO()
    export(project, "jsonl", stream=out, filters=ExportFilter(**filters))
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_native_keys_and_types(filled: Project) -> None:
    records = native(filled)
    assert len(records) == 2
    for record in records:
        assert list(record) == ["id", "name", "names", "text", "sha256", "offset_unit", "spans",
                                "relations", "meta"]
        assert record["relations"] == []  # always present
        assert record["offset_unit"] == "codepoint"
        for span in record["spans"]:
            assert list(span) == ["id", "start", "end", "label", "text", "annotator",
                                  "created_at", "updated_at", "note", "value", "attributes"]
            assert {k: type(v).__name__ for k, v in span.items()
                    if k not in ("note", "value")} == {
                "id": "str", "start": "int", "end": "int", "label": "str", "text": "str",
                "annotator": "str", "created_at": "str", "updated_at": "str",
                "attributes": "dict"}
            assert span["attributes"] == {}  # always present
            assert span["note"] is None or isinstance(span["note"], str)
            assert span["value"] is None or isinstance(span["value"], dict)
            assert record["text"][span["start"]:span["end"]] == span["text"]
    assert any(s["note"] is None for s in records[0]["spans"])  # null, not missing
    assert all(s["value"] is None for r in records for s in r["spans"])  # no values given
    assert records[0]["meta"] == {"source": "news"} and records[1]["meta"] == {}


def _check_utf16(text: str, start: int, end: int, expected: str) -> None:
    assert text.encode("utf-16-le")[2 * start:2 * end].decode("utf-16-le") == expected


def test_doccano_utf16_offsets(filled: Project) -> None:
    out = io.StringIO()
    report = export(filled, "doccano", stream=out)
    assert any("UTF-16" in note for note in report.notes)
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    first = records[0]
    assert list(first) == ["text", "label"]
    spans = filled.spans(filled.documents()[0].id)
    assert len(first["label"]) == len(spans)
    for (start, end, label), span in zip(first["label"], spans, strict=True):
        assert label == span.label
        _check_utf16(first["text"], start, end, TEXT[span.start:span.end])
    assert first["label"][0][:2] != [spans[0].start, spans[0].end]  # shifted by the emoji


def test_filters(filled: Project) -> None:
    assert {s["annotator"] for r in native(filled, annotators=["bob"]) for s in r["spans"]} == {
        "bob"}
    assert {s["label"] for r in native(filled, labels=["claim", "actor"])
            for s in r["spans"]} == {"claim", "actor"}
    only_b = native(filled, documents=["b.txt"])
    assert [r["name"] for r in only_b] == ["b.txt"]
    assert [r["name"] for r in native(filled, annotators=["bob"], skip_empty=True)] == ["a.txt"]
    with pytest.raises(DataError, match="unknown label"):
        native(filled, labels=["nope"])
    with pytest.raises(DataError, match="no spans by annotator"):
        native(filled, annotators=["nobody"])
    with pytest.raises(DataError, match="no document named"):
        native(filled, documents=["nope.txt"])


def test_atomic_write_failure_leaves_destination(filled: Project, tmp_path: Path) -> None:
    out = tmp_path / "export.jsonl"
    out.write_text("previous export\n", encoding="utf-8")

    def cancel_on_second(done: int, total: int, what: str) -> bool:
        return done < 1

    with pytest.raises(ExportCancelled):
        export(filled, output=out, progress=cancel_on_second)
    assert out.read_text(encoding="utf-8") == "previous export\n"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]
    report = export(filled, output=out)
    assert report.documents == 2 and report.spans == 6
    assert len(out.read_text(encoding="utf-8").splitlines()) == 2


def test_export_file_mode_follows_umask(filled: Project, tmp_path: Path) -> None:
    out = tmp_path / "new.jsonl"
    old = os.umask(0o022)
    try:
        export(filled, output=out)
    finally:
        os.umask(old)
    assert out.stat().st_mode & 0o777 == 0o644
    out.chmod(0o640)
    export(filled, output=out)
    assert out.stat().st_mode & 0o777 == 0o640  # an existing file keeps its mode


def test_missing_folder(filled: Project, tmp_path: Path) -> None:
    with pytest.raises(DataError, match="folder does not exist"):
        export(filled, output=tmp_path / "missing" / "x.jsonl")


def test_native_roundtrip_into_empty_project(filled: Project, tmp_path: Path) -> None:
    from annotator.services.importing import import_paths

    first = tmp_path / "first.jsonl"
    export(filled, output=first)
    with Project.open(tmp_path / "fresh.annotator") as fresh:
        import_paths(fresh, [first], annotator="someone-else")
        second = tmp_path / "second.jsonl"
        export(fresh, output=second)
    assert second.read_bytes() == first.read_bytes()


def test_export_line_escapes_line_separators_and_falls_back_for_huge_integers() -> None:
    record = {"text": "a\u0085b\u2028c\u2029d", "meta": {"big": 2**70}}
    line = dumps(record)
    assert line.splitlines() == [line]  # NEL, U+2028, U+2029 escaped: one record per line
    assert json.loads(line) == record  # 2**70 is beyond orjson: the json fallback wrote it
    assert dumps({"text": "ロシア"}) == '{"text":"ロシア"}'  # UTF-8 as it is, not \\u escapes
