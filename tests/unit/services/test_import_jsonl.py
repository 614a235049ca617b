"""Importing native JSONL: every span checked, unknown labels, merging colleagues' work."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from annotator.domain.errors import DataError
from annotator.domain.text import sha256_text
from annotator.services.exporting import export
from annotator.services.importing import import_paths
from annotator.store import Project

TEXT = "ロシア軍は\U0001F600砲弾を100発撃ったと国防省が発表した。"


def write_jsonl(path: Path, *records: Any) -> Path:
    path.write_text("".join(
        (r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n"
        for r in records), encoding="utf-8")
    return path


def span(start: int, end: int, label: str = "actor", **extra: Any) -> dict[str, Any]:
    return {"start": start, "end": end, "label": label, **extra}


def test_only_text_is_required(project: Project, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "a.jsonl", {"text": TEXT})
    report = import_paths(project, [path], annotator="alice")
    assert report.documents_added == ["a.jsonl:1"]
    assert project.text(project.documents()[0].id) == TEXT


def test_spans_imported_with_every_optional_field(project: Project, tmp_path: Path) -> None:
    record = {
        "id": "doc-1", "name": "Report", "sha256": sha256_text(TEXT), "meta": {"src": "x"},
        "spans": [
            span(0, 3, "actor", text="ロシア", id="a" * 32, annotator="bob",
                 created_at="2026-01-01T00:00:00.000Z", updated_at="2026-01-02T00:00:00.000Z",
                 note="sure"),
            span(6, 8, "weapon"),
        ],
        "text": TEXT,
    }
    report = import_paths(project, [write_jsonl(tmp_path / "a.jsonl", record)],
                          annotator="alice")
    assert report.spans_added == 2
    [document] = project.documents()
    assert (document.uid, document.name, document.meta) == ("doc-1", "Report", {"src": "x"})
    first, second = project.spans()
    assert (first.id, first.annotator, first.note, first.created_at, first.updated_at) == (
        "a" * 32, "bob", "sure", "2026-01-01T00:00:00.000Z", "2026-01-02T00:00:00.000Z")
    assert second.annotator == "alice"  # taken from --annotator
    assert TEXT[second.start:second.end] == "砲弾"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ({"text": TEXT, "spans": [span(0, 99)]}, r"span 0 \[0, 99\) is outside the text"),
        ({"text": TEXT, "spans": [span(-1, 2)]}, "outside the text"),
        ({"text": TEXT, "spans": [span(3, 3)]}, "is empty"),
        ({"text": TEXT, "spans": [span(4, 2)]}, "is reversed"),
        ({"text": TEXT, "spans": [span(0, 1.5)]}, "whole numbers"),
        ({"text": TEXT, "spans": [span(0, 3, text="ロシ")]}, "differs from the document's"),
        ({"text": TEXT, "spans": [span(0, 3, label="")]}, "label must be a non-empty string"),
        ({"text": TEXT, "sha256": "0" * 64}, "does not match the record's text"),
        ({"text": TEXT, "sha256": ["x"]}, "sha256"),
        ({"name": "no text"}, 'no "text" string'),
        ({"text": 3}, 'no "text" string'),
        ([1, 2], "must be a JSON object"),
        ('{"text": "abc", ', "not valid JSON"),
        ({"text": TEXT, "offset_unit": "utf16"}, "offset_unit"),
        ({"text": TEXT, "spans": [span(0, 3, annotator=" ")]}, "annotator"),
        ({"text": TEXT, "spans": [span(0, 3, note=5)]}, "note must be a string"),
        ('{"text": "\\ud800"}', "unpaired surrogate"),
        ('{"text": "a", "name": "\\udfff"}', "unpaired surrogate"),
        ('{"text": "a", "spans": [{"start": 0, "end": 1, "label": "actor", "note": "\\ud83d"}]}',
         "unpaired surrogate"),
        ({"text": "a\r\nb", "spans": [span(1, 2, text="\r")]}, "nothing"),
    ],
    ids=["past-end", "negative", "empty", "reversed", "float", "text-mismatch", "no-label",
         "sha-mismatch", "sha-not-string", "missing-text", "text-not-string", "not-object",
         "bad-json", "offset-unit", "annotator", "note-type", "surrogate",
         "surrogate-name", "surrogate-note", "only-cr"],
)
def test_bad_record_refused_naming_file_and_line(project: Project, tmp_path: Path,
                                                 project_path: Path, snapshot, line: Any,
                                                 message: str) -> None:
    path = write_jsonl(tmp_path / "bad.jsonl", {"text": "良い記録"}, "", line)
    before = snapshot(project_path)
    with pytest.raises(DataError, match=message) as info:
        import_paths(project, [path], annotator="alice")
    assert (info.value.path, info.value.line) == (str(path), 3)
    assert str(info.value).startswith(f"{path}:3: ")
    assert snapshot(project_path) == before


def test_surrogate_pairs_are_fine(project: Project, tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text('{"text": "\\ud842\\udfb7", "name": "\\ud83d\\ude00"}\n', encoding="utf-8")
    import_paths(project, [path], annotator="alice")
    assert project.text(project.documents()[0].id) == "\U00020BB7"


def test_bad_json_message_has_line_and_column(project: Project, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "bad.jsonl", {"text": "a"}, '{"text": "b",}')
    with pytest.raises(DataError, match=r"bad.jsonl:2: not valid JSON \(.* at column 14\)"):
        import_paths(project, [path], annotator="alice")


def test_unknown_labels_refused_naming_them(project: Project, tmp_path: Path,
                                            project_path: Path, snapshot) -> None:
    path = write_jsonl(tmp_path / "a.jsonl", {"text": "x"},
                       {"text": TEXT, "spans": [span(0, 3, "place"), span(3, 5, "date"),
                                                span(5, 6, "place")]})
    before = snapshot(project_path)
    with pytest.raises(DataError, match=r"unknown labels 'place' \(first at .*a.jsonl:2\), "
                                        r"'date' .*--add-labels") as info:
        import_paths(project, [path], annotator="alice")
    assert info.value.line == 2
    assert snapshot(project_path) == before
    report = import_paths(project, [path], annotator="alice", add_labels=True)
    assert report.labels_added == ["place", "date"]
    assert [label.name for label in project.labels()][-2:] == ["place", "date"]
    assert project.label("place").key == "6" and project.label("date").key == "7"
    assert report.spans_added == 3


def test_record_for_existing_text_adds_spans_and_skips_duplicates(
        project: Project, tmp_path: Path) -> None:
    document, _ = project.add_document("mine.txt", TEXT, who="alice")
    project.add_span(document.id, 0, 3, "actor", "alice")
    path = write_jsonl(tmp_path / "colleague.jsonl", {
        "text": TEXT, "name": "theirs", "spans": [
            span(0, 3, "actor", annotator="alice"),      # exact duplicate: skipped
            span(0, 3, "actor", annotator="bob"),        # same place, other annotator
            span(0, 3, "source", annotator="alice"),     # same place, other label
            span(6, 8, "weapon", annotator="bob"),
            span(6, 8, "weapon", annotator="bob"),       # duplicate within the file
        ]})
    report = import_paths(project, [path], annotator="carol")
    assert report.documents_existing == ["mine.txt"] and report.documents_added == []
    assert (report.spans_added, report.spans_skipped) == (3, 2)
    assert [d.name for d in project.documents()] == ["mine.txt"]
    assert len(project.spans(document.id)) == 4


def test_reimporting_an_export_adds_nothing(project: Project, tmp_path: Path,
                                            project_path: Path, snapshot) -> None:
    document, _ = project.add_document("a.txt", TEXT, who="alice")
    project.add_span(document.id, 0, 3, "actor", "alice", note="n")
    project.add_span(document.id, 6, 8, "weapon", "bob")
    out = tmp_path / "export.jsonl"
    export(project, output=out)
    before = snapshot(project_path)
    report = import_paths(project, [out], annotator="carol")
    assert (report.spans_added, report.spans_skipped) == (0, 2)
    assert snapshot(project_path) == before


def test_colleague_file_merges_in(tmp_path: Path) -> None:
    with Project.open(tmp_path / "alice.annotator") as alice:
        doc, _ = alice.add_document("a.txt", TEXT, who="alice")
        alice.add_span(doc.id, 0, 3, "actor", "alice")
    with Project.open(tmp_path / "bob.annotator") as bob:
        doc, _ = bob.add_document("a.txt", TEXT, who="bob")
        bob.add_span(doc.id, 0, 3, "actor", "bob")
        bob.add_span(doc.id, 6, 8, "weapon", "bob")
        bob_spans = bob.spans()
        export(bob, output=tmp_path / "bob.jsonl")
    with Project.open(tmp_path / "alice.annotator") as alice:
        report = import_paths(alice, [tmp_path / "bob.jsonl"], annotator="alice")
        assert report.spans_added == 2
        merged = {(s.id, s.start, s.end, s.label, s.annotator) for s in alice.spans()}
        assert {(s.id, s.start, s.end, s.label, s.annotator) for s in bob_spans} <= merged
        assert len(merged) == 3 and len(alice.documents()) == 1


def test_span_id_clash_gets_a_fresh_id(project: Project, tmp_path: Path) -> None:
    document, _ = project.add_document("a.txt", TEXT, who="alice")
    mine = project.add_span(document.id, 0, 3, "actor", "alice")
    path = write_jsonl(tmp_path / "a.jsonl",
                       {"text": TEXT, "spans": [span(6, 8, "weapon", id=mine.id)]})
    import_paths(project, [path], annotator="bob")
    assert project.span(mine.id) == mine
    assert len(project.span_ids()) == 2


def test_crlf_and_bom_offsets_mapped_to_the_canonical_text(project: Project,
                                                          tmp_path: Path) -> None:
    raw = "\ufeff一行\r\n二行\r\n三"
    spans = [span(raw.index("二"), raw.index("二") + 2, text="二行"),
             span(1, raw.index("三") + 1, "claim", text=raw[1:]),
             span(raw.index("\r"), raw.index("\r") + 2, "source", text="\r\n")]
    import_paths(project, [write_jsonl(tmp_path / "a.jsonl", {"text": raw, "spans": spans})],
                 annotator="alice")
    text = project.text(project.documents()[0].id)
    assert text == "一行\n二行\n三"
    assert project.documents()[0].sha256 == sha256_text(text)
    assert [text[s.start:s.end] for s in project.spans()] == ["一行\n二行\n三", "\n", "二行"]


def test_jsonl_folder_all_or_nothing(project: Project, tmp_path: Path, project_path: Path,
                                     snapshot) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    write_jsonl(folder / "a.jsonl", {"text": "一", "spans": [span(0, 1)]})
    (folder / "b.txt").write_text("二", encoding="utf-8")
    write_jsonl(folder / "c.jsonl", {"text": "三", "spans": [span(0, 2)]})
    before = snapshot(project_path)
    with pytest.raises(DataError, match="c.jsonl:1: span 0"):
        import_paths(project, [folder], annotator="alice")
    assert snapshot(project_path) == before
