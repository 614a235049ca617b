"""doccano JSONL: UTF-16 offsets converted exactly both ways, both record shapes, refusals."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from format_material import SPANS, TEXT_JA, import_module_file, span_set

from annotator.domain.errors import DataError
from annotator.services.exporting import export
from annotator.services.formats import ImportOptions, doccano
from annotator.services.importing import ImportReport, import_paths
from annotator.store import Project


def utf16(text: str, start: int, end: int) -> str:
    return text.encode("utf-16-le")[2 * start:2 * end].decode("utf-16-le")


def write_jsonl(path: Path, *records: Any) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records),
                    encoding="utf-8")
    return path


def test_export_is_utf16_and_round_trips(filled: Project, fresh: Project, tmp_path: Path) -> None:
    path = tmp_path / "doccano.jsonl"
    report = export(filled, "doccano", output=path)
    assert report.spans == len(SPANS) and "UTF-16" in report.notes[0]
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    ja = next(r for r in records if r["text"] == TEXT_JA)
    assert [6 + 3, 9 + 3, "actor"] in ja["label"]  # three astral characters before 北朝鮮
    for record in records:
        for start, end, _label in record["label"]:
            assert utf16(record["text"], start, end) in {
                t[s:e] for t, s, e, *_ in SPANS}
    import_module_file(fresh, doccano, path)
    # doccano JSONL names no annotator and carries no notes: compare ranges and labels.
    assert {s[:4] for s in span_set(fresh)} == {s[:4] for s in span_set(filled)}


def test_entities_shape_with_relations(project: Project, tmp_path: Path) -> None:
    record = {"id": 12, "text": TEXT_JA, "entities": [
        {"id": 1, "label": "actor", "start_offset": 9, "end_offset": 12},
        {"id": 2, "label": "weapon", "start_offset": 13, "end_offset": 17}],
        "relations": [{"id": 5, "from_id": 1, "to_id": 2, "type": "uses"}],
        "Comments": ["check"]}
    path = write_jsonl(tmp_path / "d.jsonl", record)
    report = ImportReport()
    [parsed] = doccano.read(path, ImportOptions(annotator="aoi"), report)
    assert [(TEXT_JA[s.start:s.end], s.label, s.annotator) for s in parsed.spans] == [
        ("北朝鮮", "actor", "aoi"), ("ミサイル", "weapon", "aoi")]  # UTF-16 9 is code point 6
    [relation] = parsed.relations
    assert (relation.head, relation.tail, relation.label) == (
        parsed.spans[0].id, parsed.spans[1].id, "uses")
    assert report.not_kept == {"doccano comments": 1}
    assert parsed.meta == {"doccano_id": 12}


@pytest.mark.parametrize(("relation", "message"), [
    ({"id": 5, "from_id": 1, "to_id": 9, "type": "uses"}, "to_id 9 is not the id of an entity"),
    ({"id": 5, "from_id": 1, "to_id": 2}, "expected"),
])
def test_bad_relations_are_refused(tmp_path: Path, relation: dict, message: str) -> None:
    record = {"text": TEXT_JA, "entities": [
        {"id": 1, "label": "actor", "start_offset": 9, "end_offset": 12},
        {"id": 2, "label": "weapon", "start_offset": 13, "end_offset": 17}],
        "relations": [relation]}
    path = write_jsonl(tmp_path / "d.jsonl", {"text": "a", "label": []}, record)
    with pytest.raises(DataError, match=message) as info:
        list(doccano.read(path, ImportOptions(), ImportReport()))
    assert info.value.line == 2


def test_classification_labels_are_counted(project: Project, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "d.jsonl", {"text": "abc", "label": ["positive"]})
    report = import_paths(project, [path], fmt="doccano")
    assert report.not_kept == {"doccano document categories (text classification labels)": 1}
    assert project.spans() == []


@pytest.mark.parametrize(("label", "message"), [
    ([[4, 3, "actor"]], "start 4 is after end 3"),
    ([[0, 99, "actor"]], "outside the text"),
    ([[1, 3, "actor"]], "inside an astral character"),  # 1 is between 😀's two halves
    ([[0, 2]], r"expected \[start, end, \"LABEL\"\]"),
])
def test_bad_offsets_are_refused(project: Project, tmp_path: Path, project_path: Path,
                                 snapshot, label: list, message: str) -> None:
    path = write_jsonl(tmp_path / "d.jsonl", {"text": TEXT_JA, "label": [[0, 2, "actor"]]},
                       {"text": TEXT_JA + "!", "label": label})
    before = snapshot(project_path)
    with pytest.raises(DataError, match=message) as info:
        import_paths(project, [path], annotator="x")
    assert info.value.line == 2
    assert snapshot(project_path) == before


def test_a_doccano_record_is_never_read_as_native(project: Project, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "d.jsonl", {"text": TEXT_JA, "label": [[0, 2, "actor"]]})
    with pytest.raises(DataError, match="looks like a doccano record.*--format doccano"):
        import_paths(project, [path], fmt="jsonl")
