"""The hf export, loaded by the real Hugging Face ``datasets`` with no argument but the folder."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from annotator.domain.errors import DataError
from annotator.domain.text import sha256_text
from annotator.services.exporting import ExportFilter, export
from annotator.services.formats import ExportOptions, hf
from annotator.services.importing import import_records
from annotator.services.native import ParsedRecord, ParsedSpan
from annotator.store import Project
from format_material import span_set

datasets = pytest.importorskip("datasets", reason="the test extra installs datasets")

DATE = {"kind": "date", "value": None, "unit": None, "approx": False, "bound": None,
        "inclusive": None, "low": None, "high": None, "iso": "2023-09-12", "markers": [],
        "manual": True}
DECIMAL = {"kind": "quantity", "value": 1.5, "unit": "倍", "approx": True, "bound": "upper",
           "inclusive": True, "low": None, "high": None, "iso": None, "markers": ["約", "以下"],
           "manual": False}


@pytest.fixture
def load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """``datasets.load_dataset`` with its cache in ``tmp_path`` and no network."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(datasets.config, "HF_DATASETS_CACHE", tmp_path / "hf-cache")
    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", True, raising=False)
    datasets.disable_progress_bars()
    return datasets.load_dataset


def test_loads_typed_with_every_span(filled: Project, tmp_path: Path, load: Any) -> None:
    out = tmp_path / "hf"
    report = hf.export(filled, out, ExportFilter(), ExportOptions(), None)
    assert report.spans == 10 and report.documents == 2 and report.lost == {}
    loaded = load(str(out))
    train = loaded["train"]
    span = train.features["spans"].feature
    assert span["start"].dtype == "int64" and span["note"].dtype == "string"
    assert span["value"]["value"].dtype == "float64" and span["value"]["iso"].dtype == "string"
    got = set()
    for row in train:
        for item in row["spans"]:
            assert row["text"][item["start"]:item["end"]] == item["text"]  # code points
            got.add((row["text"], item["start"], item["end"], item["label"], item["annotator"],
                     item["note"]))
    assert got == span_set(filled)


def test_late_notes_dates_and_decimals_load(project: Project, tmp_path: Path, load: Any) -> None:
    """20,000 documents without a note or value (about 12 MB), then one with a note, a date's
    iso and the decimal 1.5: a plain JSONL file fails in ``datasets``, the hf folder loads."""
    body = "北朝鮮は短距離弾道ミサイルを発射したと韓国軍が発表した。" * 7
    records = []
    for number in range(20_000):
        text = f"記事{number:05d}。{body}"
        records.append((ParsedRecord(text, sha256_text(text), 1, name=f"{number:05d}.txt",
                                     spans=[ParsedSpan(8, 11, "actor", 1)]), "corpus"))
    import_records(project, records, annotator="hana", who="t")
    last, _ = project.add_document("late.txt", "2023年9月12日、約1.5倍以下。", who="t")
    project.add_span(last.id, 0, 10, "number", "hana", note="日付", value=DATE)
    project.add_span(last.id, 11, 18, "number", "hana", value=DECIMAL)
    plain = tmp_path / "plain.jsonl"
    export(project, "jsonl", output=plain)
    assert plain.stat().st_size > 10_000_000
    with pytest.raises(datasets.exceptions.DatasetGenerationError) as failed:
        load("json", data_files=str(plain))  # what the hf folder exists for
    cause = str(failed.value.__cause__)
    assert "cast" in cause or "truncated" in cause, cause
    out = tmp_path / "hf"
    report = hf.export(project, out, ExportFilter(), ExportOptions(), None)
    assert report.documents == 20_001
    assert sorted(p.name for p in (out / "data").iterdir()) == [
        "train-00000.parquet", "train-00001.parquet", "train-00002.parquet"]
    train = load(str(out))["train"]
    assert train.num_rows == 20_001
    assert train[0]["spans"][0]["note"] is None and train[0]["spans"][0]["value"] is None
    spans = train[20_000]["spans"]
    assert spans[0]["note"] == "日付"
    assert spans[0]["value"]["iso"] == "2023-09-12" and spans[0]["value"]["manual"] is True
    assert spans[1]["value"]["value"] == 1.5 and spans[1]["value"]["markers"] == ["約", "以下"]
    assert spans[1]["value"]["bound"] == "upper" and spans[1]["value"]["inclusive"] is True
    assert spans[1]["text"] == "約1.5倍以下"


def test_a_value_of_another_shape_is_kept_as_json(project: Project, tmp_path: Path,
                                                  load: Any) -> None:
    doc, _ = project.add_document("a.txt", "ミサイル3発", who="t")
    project.add_span(doc.id, 4, 6, "number", "hana", value={"custom": [1, {"x": 2}]})
    out = tmp_path / "hf"
    report = hf.export(project, out, ExportFilter(), ExportOptions(), None)
    assert report.notes == ["1 span value(s) are not number values: written as JSON text in "
                            "value_json only (value is null)"]
    (span,) = load(str(out))["train"][0]["spans"]
    assert span["value"] is None and span["value_json"] == '{"custom": [1, {"x": 2}]}'


def test_empty_selection_and_refusals(project: Project, tmp_path: Path) -> None:
    out = tmp_path / "hf"
    with pytest.raises(DataError, match="no documents are selected"):
        hf.export(project, out, ExportFilter(), ExportOptions(), None)
    assert not out.exists()
    with pytest.raises(DataError, match="writes a folder"):
        hf.export(project, None, ExportFilter(), ExportOptions(), None)
    project.add_document("a.txt", "ミサイル", who="t")
    other = tmp_path / "notes"
    other.mkdir()
    (other / "mine.txt").write_text("keep me")
    with pytest.raises(DataError, match="not an earlier export"):
        hf.export(project, other, ExportFilter(), ExportOptions(), None)
    assert (other / "mine.txt").read_text() == "keep me"


def test_date_like_strings_stay_strings(project: Project, tmp_path: Path, load: Any) -> None:
    # pyarrow's JSON reader would read these as timestamps (2023-09-12 00:00:00).
    doc, _ = project.add_document("d.txt", "On 2023-09-12 06:07:57 it began.", who="t")
    project.add_span(doc.id, 3, 13, "number", "hana", note="2023-09-12",
                     value={**DATE, "iso": "2023-09-12T06:07:57"})
    out = tmp_path / "hf"
    hf.export(project, out, ExportFilter(), ExportOptions(), None)
    (span,) = load(str(out))["train"][0]["spans"]
    assert (span["text"], span["note"], span["value"]["iso"]) == (
        "2023-09-12", "2023-09-12", "2023-09-12T06:07:57")


def test_without_pyarrow_the_error_names_the_extra(project: Project, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    project.add_document("a.txt", "ミサイル", who="t")
    monkeypatch.setitem(__import__("sys").modules, "pyarrow", None)  # import fails
    with pytest.raises(DataError, match=r"pip install 'annotator\[hf\]'"):
        hf.export(project, tmp_path / "hf", ExportFilter(), ExportOptions(), None)
    assert not (tmp_path / "hf").exists()


def test_relations_and_attributes_load_typed(project: Project, tmp_path: Path,
                                             load: Any) -> None:
    doc, _ = project.add_document("ja.txt", "😀𠮷葛\U000E0100城で米CNNは金氏を報じた。", who="t")
    source = project.add_span(doc.id, 6, 10, "source", "hana")  # 米CNN
    claim = project.add_span(doc.id, 11, 15, "claim", "hana")
    project.set_span_attribute(source.id, "kind", "media", who="t")
    relation = project.add_relation(claim.id, source.id, "attributed_to", note="要確認")
    out = tmp_path / "hf"
    hf.export(project, out, ExportFilter(), ExportOptions(), None)
    train = load(str(out))["train"]
    item = train.features["relations"].feature
    assert item["head"].dtype == "string" and item["note"].dtype == "string"
    assert "relations" in (out / "README.md").read_text(encoding="utf-8")
    [row] = list(train)
    assert row["relations"] == [{"id": relation.id, "head": claim.id, "tail": source.id,
                                 "label": "attributed_to", "annotator": "hana", "note": "要確認",
                                 "created_at": relation.created_at,
                                 "updated_at": relation.updated_at}]
    by_id = {s["id"]: s for s in row["spans"]}
    assert json.loads(by_id[source.id]["attributes_json"]) == {"kind": "media"}
    assert by_id[claim.id]["attributes_json"] == "{}"
