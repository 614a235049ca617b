"""The five formats through the command line: export, import with --format auto, refusals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annotator.cli import main
from annotator.store import Project
from format_material import SPANS, TEXT_EN, TEXT_JA, span_set


@pytest.fixture
def source_db(tmp_path: Path) -> Path:
    """A project made by ``annotator import`` of native JSONL with :data:`SPANS`."""
    records = []
    for name, text in (("ja.txt", TEXT_JA), ("en.txt", TEXT_EN)):
        spans = [{"start": s, "end": e, "label": label, "annotator": who, "note": note}
                 for t, s, e, label, who, note in SPANS if t == text]
        records.append({"name": name, "text": text, "spans": spans})
    jsonl = tmp_path / "in.jsonl"
    jsonl.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records),
                     encoding="utf-8")
    db = tmp_path / "source.annotator"
    assert main(["import", "--db", str(db), str(jsonl)]) == 0
    return db


def spans_of(db: Path, notes: bool = True) -> set[tuple[object, ...]]:
    project = Project.open(db)
    try:
        return span_set(project, notes=notes)
    finally:
        project.close()


@pytest.mark.parametrize("fmt, target", [("spacy", "x.spacy"), ("brat", "brat"),
                                         ("refi-qda", "x.qdpx")])
def test_export_and_auto_import_give_every_span_back(fmt: str, target: str, source_db: Path,
                                                     tmp_path: Path) -> None:
    out = tmp_path / target
    assert main(["export", "--db", str(source_db), "--format", fmt, "-o", str(out)]) == 0
    db = tmp_path / "back.annotator"
    assert main(["import", "--db", str(db), "--add-labels", str(out)]) == 0
    assert spans_of(db) == spans_of(source_db)


def test_conll_through_the_command_line(source_db: Path, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "x.conll"
    assert main(["export", "--db", str(source_db), "--format", "conll", "-o", str(out)]) == 1
    assert "choose one with --layer" in capsys.readouterr().err
    assert main(["export", "--db", str(source_db), "--format", "conll", "--layer", "hana",
                 "-o", str(out)]) == 0
    db = tmp_path / "back.annotator"
    assert main(["import", "--db", str(db), "--add-labels", "--annotator", "hana",
                 str(out)]) == 0
    again = tmp_path / "again.conll"
    assert main(["export", "--db", str(db), "--format", "conll", "-o", str(again)]) == 0
    assert again.read_text(encoding="utf-8") == out.read_text(encoding="utf-8")


def test_hf_through_the_command_line(source_db: Path, tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    datasets = pytest.importorskip("datasets")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(datasets.config, "HF_DATASETS_CACHE", tmp_path / "hf-cache")
    datasets.disable_progress_bars()
    out = tmp_path / "hf"
    assert main(["export", "--db", str(source_db), "--format", "hf", "-o", str(out)]) == 0
    train = datasets.load_dataset(str(out))["train"]
    got = {(row["text"], item["start"], item["end"], item["label"], item["annotator"],
            item["note"]) for row in train for item in row["spans"]}
    assert got == spans_of(source_db)


@pytest.mark.parametrize("name, content, where, reason", [
    ("cut.conll", "Kim\tB-PER\nJong\tI-PER\nUn", ":3: ", "a token line needs a token and a tag"),
    ("bad.qdpx", None, ":project.qde:", "is outside its text"),
])
def test_refusals_are_one_line_and_change_nothing(name: str, content: str | None, where: str,
                                                  reason: str, source_db: Path, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_text(content, encoding="utf-8")
    else:
        good = tmp_path / "good.qdpx"
        assert main(["export", "--db", str(source_db), "--format", "refi-qda", "-o",
                     str(good)]) == 0
        import zipfile
        with zipfile.ZipFile(good) as archive, zipfile.ZipFile(path, "w") as bad:
            for item in archive.namelist():
                data = archive.read(item)
                if item == "project.qde":
                    data = data.replace(b'endPosition="9"', b'endPosition="999"', 1)
                bad.writestr(item, data)
    before = spans_of(source_db)
    capsys.readouterr()
    assert main(["import", "--db", str(source_db), "--add-labels", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"annotator: error: {path}{where}") and reason in err
    assert err.count("\n") == 1
    assert spans_of(source_db) == before


def test_brat_pointing_past_the_text(source_db: Path, tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "brat"
    folder.mkdir()
    (folder / "a.txt").write_text("Kim met Putin.", encoding="utf-8")
    (folder / "a.ann").write_text("T1\tPER 0 3\tKim\nT2\tPER 8 99\tPutin\n", encoding="utf-8")
    before = spans_of(source_db)
    assert main(["import", "--db", str(source_db), "--add-labels", str(folder)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"annotator: error: {folder / 'a.ann'}:2: T2 [8, 99) points past")
    assert spans_of(source_db) == before


@pytest.mark.parametrize(("name", "content", "where", "reason"), [
    ("tasks.json", json.dumps([{"data": {"text": TEXT_JA}, "annotations": [{"result": [
        {"id": "r1", "type": "labels", "value": {"start": 6, "end": 9, "labels": ["actor"]}},
        {"type": "relation", "from_id": "r1", "to_id": "r9", "labels": ["involves"]}]}]}]),
     ":1:", "to_id 'r9' is not the id of a region"),
    ("d.jsonl", json.dumps({"text": TEXT_JA, "entities": [
        {"id": 1, "label": "actor", "start_offset": 9, "end_offset": 12}],
        "relations": [{"id": 1, "from_id": 1, "to_id": 2, "type": "involves"}]}) + "\n",
     ":1:", "to_id 2 is not the id of an entity"),
])
def test_a_dangling_relation_is_refused_with_its_line(
        name: str, content: str, where: str, reason: str, source_db: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str], snapshot) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    before = snapshot(source_db)
    assert main(["import", "--db", str(source_db), "--add-labels", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"annotator: error: {path}{where} ") and reason in err
    assert "Traceback" not in err
    assert snapshot(source_db) == before


def test_brat_relations_and_attributes_through_the_command_line(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "d.txt").write_text("😀𠮷 米CNNは金氏が視察したと報じた。", encoding="utf-8")
    (folder / "d.ann").write_text(
        "T1\tsource 3 7\t米CNN\nT2\tclaim 8 15\t金氏が視察した\nT3\tactor 8 10\t金氏\n"
        "A1\tkind T1 media\nA2\tstance T2 reported\nR1\tattributed_to Arg1:T2 Arg2:T1\n"
        "R2\tinvolves Arg1:T2 Arg2:T3\n", encoding="utf-8")
    db = tmp_path / "p.annotator"
    assert main(["import", "--db", str(db), "--annotator", "hana", str(folder)]) == 0
    out = tmp_path / "out"
    assert main(["export", "--db", str(db), "--format", "brat", "-o", str(out)]) == 0
    ann = (out / "d.ann").read_text(encoding="utf-8")
    assert "\tattributed_to Arg1:T" in ann and "\tkind T1 media\n" in ann
    project = Project.open(db)
    try:
        assert sorted(r.type for r in project.relations()) == ["attributed_to", "involves"]
        assert {s.label: s.attributes for s in project.spans()} == {
            "source": {"kind": "media"}, "claim": {"stance": "reported"}, "actor": {}}
    finally:
        project.close()
