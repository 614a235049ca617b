"""Recognising a file's format by its content (--format auto), and refusing what no importer
recognises instead of importing it as a text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annotator.domain.errors import DataError
from annotator.services.import_scan import UNRECOGNISED
from annotator.services.importing import detect_format, import_paths
from annotator.store import Project

TEXT = "😀𠮷葛\U000E0100城で北朝鮮がミサイルを発射した。"


def put(path: Path, content: str) -> Path:
    path.write_text(content, encoding="utf-8")
    return path


@pytest.mark.parametrize(("name", "content", "expected"), [
    ("a.jsonl", json.dumps({"text": TEXT, "spans": []}), "jsonl"),
    ("a.jsonl", json.dumps({"text": TEXT}), "jsonl"),
    ("a.jsonl", json.dumps({"text": TEXT, "label": [[0, 2, "actor"]]}), "doccano"),
    ("export.json", json.dumps({"text": TEXT, "entities": []}), "doccano"),
    ("export.json", json.dumps([{"id": 1, "annotations": [], "data": {"text": TEXT}}]),
     "labelstudio"),
    ("task.json", json.dumps({"data": {"text": TEXT}, "predictions": []}), "labelstudio"),
    ("notes.txt", "{not json, just a note}", "text"),
    ("article.md", TEXT, "text"),
])
def test_recognised_by_content(tmp_path: Path, name: str, content: str, expected: str) -> None:
    assert detect_format(put(tmp_path / name, content)) == expected


@pytest.mark.parametrize(("name", "content"), [
    ("a.json", json.dumps([{"sentence": TEXT}])),
    ("a.json", json.dumps({"documents": [TEXT]})),
    ("a.json", "[1, 2, 3]"),
    ("b.md", json.dumps({"something": "else"})),
])
def test_unrecognised_json_is_refused_saying_what_was_expected(
        project: Project, project_path: Path, snapshot, tmp_path: Path, name: str,
        content: str) -> None:
    path = put(tmp_path / name, content)
    before = snapshot(project_path)
    with pytest.raises(DataError, match="no importer recognises.*Label Studio JSON.*not "
                                        "imported as a text document"):
        import_paths(project, [path])
    assert snapshot(project_path) == before


def test_a_jsonl_file_of_another_shape_is_refused_with_its_line(project: Project,
                                                                tmp_path: Path) -> None:
    path = put(tmp_path / "a.jsonl", json.dumps({"sentence": TEXT}) + "\n")
    with pytest.raises(DataError, match='a.jsonl:1: the record has no "text" string'):
        import_paths(project, [path])
    assert project.documents() == []


def test_a_folder_of_mixed_formats(project: Project, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    put(folder / "a.txt", "一つ目の文書。")
    put(folder / "b.jsonl", json.dumps({"text": "二つ目。", "spans": [
        {"start": 0, "end": 3, "label": "actor", "annotator": "hana"}]}))
    put(folder / "sub" / "c.jsonl", json.dumps({"text": "三つ目。", "label": [[0, 3, "actor"]]}))
    put(folder / "sub" / "d.json", json.dumps([{"data": {"text": "四つ目。"}, "annotations": [
        {"result": [{"type": "labels", "value": {"start": 0, "end": 3, "labels": ["actor"]}}],
         "completed_by": {"email": "ken@example.com"}}]}]))
    put(folder / "sub" / "e.json", json.dumps({"unknown": True}))
    put(folder / "photo.png", "x")
    skipped: list[tuple[str, str]] = []
    report = import_paths(project, [folder], annotator="mei", skipped=skipped)
    assert {Path(p).name: f for p, f in report.formats.items()} == {
        "a.txt": "text", "b.jsonl": "jsonl", "c.jsonl": "doccano", "d.json": "labelstudio"}
    assert len(report.documents_added) == 4
    assert sorted((s.annotator, s.label) for s in project.spans()) == [
        ("hana", "actor"), ("ken", "actor"), ("mei", "actor")]
    assert ("sub/e.json", UNRECOGNISED) in skipped
    assert any(name == "photo.png" for name, _ in skipped)


def test_a_forced_format_is_used(project: Project, tmp_path: Path) -> None:
    path = put(tmp_path / "looks-like-json.txt", json.dumps({"text": "x", "spans": []}))
    report = import_paths(project, [path], fmt="text")
    assert report.formats == {str(path): "text"}
    assert project.text(project.documents()[0].id).startswith('{"text"')


def test_an_unknown_format_name_is_refused(project: Project, tmp_path: Path) -> None:
    with pytest.raises(DataError, match="unknown import format 'csv'"):
        import_paths(project, [put(tmp_path / "a.txt", "x")], fmt="csv")


def test_brat_pairs_beside_other_files(project: Project, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    (folder / "brat").mkdir(parents=True)
    put(folder / "brat" / "a.txt", "北朝鮮がミサイルを発射した。")
    put(folder / "brat" / "a.ann", "T1\tactor 0 3\t北朝鮮\n")
    put(folder / "brat" / "annotation.conf", "[entities]\nactor\n")
    put(folder / "brat" / "alone.txt", "ただのテキスト。")
    put(folder / "notes.txt", "メモ。")
    skipped: list[tuple[str, str]] = []
    report = import_paths(project, [folder], annotator="aoi", skipped=skipped)
    assert {Path(p).name: f for p, f in report.formats.items()} == {
        "a.ann": "brat", "alone.txt": "text", "notes.txt": "text"}
    assert [(s.start, s.end, s.label) for s in project.spans()] == [(0, 3, "actor")]
    assert ("brat/annotation.conf", "brat configuration") in skipped
