"""``annotator import --format`` / ``annotator export --format`` with the exchange formats:
recognition, refusals (one line, the project unchanged), Label Studio and doccano options."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annotator.cli import main
from annotator.store import Project

TEXT = "😀𠮷葛\U000E0100城で北朝鮮がミサイルを発射した。"  # 北朝鮮 at code points 6..9


@pytest.fixture
def db(tmp_path: Path) -> str:
    source = tmp_path / "seed.jsonl"
    spans = [{"start": 6, "end": 9, "label": "actor", "annotator": who} for who in ("hana", "ken")]
    spans.append({"start": 10, "end": 14, "label": "weapon", "annotator": "hana", "note": "短"})
    source.write_text(json.dumps({"name": "ja", "text": TEXT, "spans": spans},
                                 ensure_ascii=False) + "\n", encoding="utf-8")
    path = tmp_path / "p.annotator"
    assert main(["import", "--db", str(path), str(source)]) == 0
    return str(path)


def spans_of(path: str | Path) -> set[tuple]:
    with Project.open(path) as project:
        return {(s.start, s.end, s.label, s.annotator, s.note) for s in project.spans()}


def test_labelstudio_round_trip_through_the_cli(db: str, tmp_path: Path, capsys) -> None:
    out = tmp_path / "ls.json"
    assert main(["export", "--db", db, "--format", "labelstudio", "-o", str(out),
                 "--annotator-email", "hana=hana@news.example"]) == 0
    err = capsys.readouterr().err
    assert "1 document, 3 spans written" in err and "completed_by left out for ken" in err
    tasks = json.loads(out.read_text(encoding="utf-8"))
    assert {a.get("completed_by", {}).get("email") for a in tasks[0]["annotations"]} == {
        "hana@news.example", None}
    back = tmp_path / "back.annotator"
    assert main(["import", "--db", str(back), str(out)]) == 0
    assert spans_of(back) == spans_of(db)


def test_predictions_and_doccano(db: str, tmp_path: Path, capsys) -> None:
    out = tmp_path / "pre.json"
    assert main(["export", "--db", db, "--format", "labelstudio", "--as", "predictions",
                 "-o", str(out)]) == 0
    assert {p["model_version"] for p in json.loads(out.read_text())[0]["predictions"]} == {
        "hana", "ken"}
    doccano = tmp_path / "d.jsonl"
    assert main(["export", "--db", db, "--format", "doccano", "-o", str(doccano)]) == 0
    assert json.loads(doccano.read_text(encoding="utf-8"))["label"][0] == [9, 12, "actor"]
    back = tmp_path / "back.annotator"
    assert main(["import", "--db", str(back), "--annotator", "aoi", str(doccano)]) == 0
    assert {s[:3] for s in spans_of(back)} == {s[:3] for s in spans_of(db)}


def test_unrecognised_json_is_refused(db: str, tmp_path: Path, snapshot, capsys) -> None:
    bad = tmp_path / "corpus.json"
    bad.write_text(json.dumps([{"sentence": TEXT}]), encoding="utf-8")
    before = snapshot(Path(db))
    assert main(["import", "--db", db, str(bad)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"annotator: error: {bad}: no importer recognises")
    assert snapshot(Path(db)) == before


def test_labelstudio_start_after_end_names_the_line(db: str, tmp_path: Path, snapshot,
                                                    capsys) -> None:
    tasks = [{"data": {"text": TEXT}, "annotations": [{"result": [
        {"type": "labels", "value": {"start": 6, "end": 9, "labels": ["actor"]}}]}]},
        {"data": {"text": TEXT + "!"}, "annotations": [{"result": [
            {"type": "labels", "value": {"start": 9, "end": 6, "labels": ["actor"]}}]}]}]
    bad = tmp_path / "ls.json"
    bad.write_text("[\n" + ",\n".join(json.dumps(t, ensure_ascii=False) for t in tasks) + "\n]\n",
                   encoding="utf-8")
    before = snapshot(Path(db))
    assert main(["import", "--db", db, str(bad)]) == 1
    err = capsys.readouterr().err
    assert f"annotator: error: {bad}:3: annotation 0 result 0: start 9 is after end 6" in err
    assert "Traceback" not in err
    assert snapshot(Path(db)) == before


def test_folder_import_summary(tmp_path: Path, capsys) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text("一。", encoding="utf-8")
    (folder / "b.json").write_text("{}", encoding="utf-8")
    (folder / "c.png").write_bytes(b"\x89PNG")
    assert main(["import", "--db", str(tmp_path / "p.annotator"), str(folder)]) == 0
    err = capsys.readouterr().err
    assert "1 document added" in err
    assert "skipped 1: 1 not a format annotator reads (c.png)" in err
    assert "refused 1 content not recognised (b.json)" in err


def test_folder_formats_need_an_output(db: str, capsys) -> None:
    assert main(["export", "--db", db, "--format", "brat"]) == 2
    assert "writes a folder" in capsys.readouterr().err


def test_bad_email_options(db: str, tmp_path: Path, capsys) -> None:
    with pytest.raises(SystemExit) as info:
        main(["export", "--db", db, "--format", "labelstudio", "--annotator-email", "hana"])
    assert info.value.code == 2
    assert main(["export", "--db", db, "--format", "labelstudio", "--email-domain", "no domain",
                 "-o", str(tmp_path / "x.json")]) == 1
    assert "not a domain name" in capsys.readouterr().err
    assert not (tmp_path / "x.json").exists()


def test_conll_tag_column_from_the_command_line(tmp_path: Path, capsys) -> None:
    source = tmp_path / "cols.conll"
    source.write_text("Putin\tB-PER\tNNP\nspoke\tO\tVBD\n", encoding="utf-8")
    db = tmp_path / "c.annotator"
    assert main(["import", "--db", str(db), "--format", "conll", "--add-labels",
                 str(source)]) == 1  # the last column holds part-of-speech tags
    assert "cols.conll:1: tag 'NNP' is not O" in capsys.readouterr().err
    assert main(["import", "--db", str(db), "--format", "conll", "--add-labels",
                 "--conll-tag-column", "1", "--annotator", "ana", str(source)]) == 0
    with Project.open(db) as project:
        (document,) = project.documents()
        text = project.text(document.id)
        assert [(text[s.start:s.end], s.label) for s in project.spans()] == [("Putin", "PER")]
