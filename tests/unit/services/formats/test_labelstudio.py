"""Label Studio JSON: code-point offsets both ways, annotators, predictions, refusals."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from format_material import SPANS, TEXT_JA, import_module_file, span_set

from annotator.domain.errors import DataError
from annotator.services.exporting import export
from annotator.services.formats import ExportOptions, ImportOptions
from annotator.services.formats import labelstudio
from annotator.services.importing import ImportReport, import_paths
from annotator.store import Project


def exported(project: Project, tmp_path: Path, **options: Any) -> tuple[Path, list[dict]]:
    path = tmp_path / "tasks.json"
    export(project, "labelstudio", output=path, options=ExportOptions(**options))
    return path, json.loads(path.read_text(encoding="utf-8"))


def test_offsets_are_code_points_and_round_trip_exactly(filled: Project, fresh: Project,
                                                         tmp_path: Path) -> None:
    path, tasks = exported(filled, tmp_path)
    for task in tasks:
        text = task["data"]["text"]
        for annotation in task["annotations"]:
            for result in annotation["result"]:
                value = result["value"]
                assert text[value["start"]:value["end"]] == value["text"]  # code points
                assert result["meta"]["annotator"] in {"hana", "ken", "mei"}
    ja = next(t for t in tasks if t["data"]["text"] == TEXT_JA)
    starts = {r["value"]["start"] for a in ja["annotations"] for r in a["result"]}
    assert 6 in starts  # 北朝鮮 after 😀𠮷葛+U+E0100: code point 6, UTF-16 would be 8
    report = import_module_file(fresh, labelstudio, path)
    assert span_set(fresh) == span_set(filled)
    assert report.spans_added == len(SPANS)
    assert report.not_kept == {}


def test_completed_by_only_as_a_valid_email(filled: Project, tmp_path: Path) -> None:
    _path, tasks = exported(filled, tmp_path)
    assert all("completed_by" not in a for t in tasks for a in t["annotations"])
    _path, tasks = exported(filled, tmp_path, annotator_emails={"hana": "hana@news.example"},
                            email_domain="lab.example")
    emails = {a["completed_by"]["email"] for t in tasks for a in t["annotations"]}
    assert emails == {"hana@news.example", "ken@lab.example", "mei@lab.example"}
    with pytest.raises(DataError, match="not an email address"):
        exported(filled, tmp_path, annotator_emails={"hana": "hana"})


def test_predictions_carry_model_version(filled: Project, fresh: Project, tmp_path: Path) -> None:
    path, tasks = exported(filled, tmp_path, labelstudio_as="predictions")
    assert all("annotations" not in t for t in tasks)
    versions = {p["model_version"] for t in tasks for p in t["predictions"]}
    assert versions == {"hana", "ken", "mei"}
    import_module_file(fresh, labelstudio, path)
    assert span_set(fresh, notes=False) == span_set(filled, notes=False)


def task(results: list[dict], **extra: Any) -> dict[str, Any]:
    return {"id": 7, "data": {"text": TEXT_JA},
            "annotations": [{"completed_by": {"id": 3, "email": "sato.k@example.com"},
                             "created_at": "2026-03-01T09:10:11.123456+09:00",
                             "result": results}], **extra}


def region(start: int, end: int, label: str = "actor", **value: Any) -> dict[str, Any]:
    return {"id": "r1", "from_name": "label", "to_name": "text", "type": "labels",
            "value": {"start": start, "end": end, "labels": [label], **value}}


def write(tmp_path: Path, data: Any, name: str = "export.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def test_a_real_export_shape_is_read(project: Project, tmp_path: Path) -> None:
    results = [region(6, 9, text="北朝鮮"),
               {"type": "choices", "value": {"choices": ["urgent"]}},
               {"id": "r2", "type": "rectanglelabels", "value": {"x": 1, "y": 2}},
               {"type": "relation", "from_id": "r1", "to_id": "r2", "labels": ["involves"]}]
    path = write(tmp_path, [task(results, predictions=[
        {"model_version": "ner-v2", "result": [region(10, 14, "weapon")]}, 12])])
    report = import_paths(project, [path])
    assert report.formats == {str(path): "labelstudio"}
    spans = {(s.start, s.end, s.label, s.annotator) for s in project.spans()}
    assert spans == {(6, 9, "actor", "sato.k"), (10, 14, "weapon", "ner-v2")}
    [first] = [s for s in project.spans() if s.annotator == "sato.k"]
    assert first.created_at == "2026-03-01T00:10:11.123Z"  # to UTC, milliseconds
    assert report.not_kept == {
        "Label Studio choices results not tied to a region (task-level classification or "
        "text)": 1,
        "Label Studio rectanglelabels results (only labels are spans)": 1,
        "Label Studio relations with an end that is not a labels region": 1,
        "Label Studio predictions listed by id only (its JSON export does not include their "
        "results)": 1}
    [document] = project.documents()
    assert document.name == "task 7"


@pytest.mark.parametrize(("value", "message"), [
    ({"start": 9, "end": 6}, "start 9 is after end 6"),
    ({"start": 6, "end": 999}, "outside the text"),
    ({"start": 6, "end": 9, "text": "北朝"}, "differs from the task's text"),
])
def test_bad_results_are_refused_with_the_line_of_their_task(
        project: Project, tmp_path: Path, project_path: Path, snapshot, value: dict,
        message: str) -> None:
    good = task([region(6, 9)])
    bad = task([{**region(0, 1), "value": {**value, "labels": ["actor"]}}])
    path = write(tmp_path, [good, good, bad])
    before = snapshot(project_path)
    with pytest.raises(DataError, match=message) as info:
        import_paths(project, [path])
    lines = path.read_text(encoding="utf-8").split("\n")
    assert lines[info.value.line - 1].strip() == "{"  # the line where the bad task starts
    assert info.value.line > 1 + 2 * len(json.dumps(good, indent=1).split("\n")) - 2
    assert snapshot(project_path) == before


def test_one_task_and_tasks_one_per_line(project: Project, tmp_path: Path) -> None:
    one = write(tmp_path, task([region(6, 9)]), "one.json")
    assert list(labelstudio.iter_json_values(one))[0][0] == 1
    lines = tmp_path / "lines.json"
    lines.write_text("\n".join(json.dumps(task([region(6, 9 + i)])) for i in range(3)),
                     encoding="utf-8")
    assert [line for line, _ in labelstudio.iter_json_values(lines)] == [1, 2, 3]
    report = ImportReport()
    records = list(labelstudio.read(lines, ImportOptions(annotator="x"), report))
    assert [len(r.spans) for r in records] == [1, 1, 1]


def test_values_split_across_read_buffers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(labelstudio, "_READ_BYTES", 7)
    path = write(tmp_path, [task([region(6, 9)]), 12345, task([region(10, 14)])])
    values = [value for _line, value in labelstudio.iter_json_values(path)]
    assert values[1] == 12345 and values[2]["annotations"][0]["result"][0]["value"]["end"] == 14


@pytest.mark.parametrize(("content", "message"), [
    ('[{"data": {"text": "x"}}', "not closed"),
    ('[{"data": {"text": "x"}} {"data": {}}]', "expected ',' or ']'"),
    ('[{"data": {"text": 5}}]', 'no "text" string'),
])
def test_broken_files_are_refused(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(DataError, match=message):
        list(labelstudio.read(path, ImportOptions(), ImportReport()))
