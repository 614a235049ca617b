"""Native JSONL carries relations and span attributes: export, import, round trip, refusals."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from annotator.domain.errors import DataError
from annotator.services.exporting import ExportFilter, export
from annotator.services.importing import import_paths
from annotator.store import Project

#: Astral characters before both ends of every relation: 😀, 𠮷 and 葛 + U+E0100.
TEXT = ("\U0001F600𠮷葛\U000E0100米CNNは、金氏が『戦闘機や飛行場の様子を見学し』と報じました。"
        "\U0001F600ロシアはミサイル3発を撃った。")


def _find(text: str, word: str, after: int = 0) -> tuple[int, int]:
    start = text.index(word, after)
    return start, start + len(word)


def fill(project: Project) -> dict[str, str]:
    """Spans of two layers with relations and attributes; returns span ids by name."""
    doc, _ = project.add_document("cnn.txt", TEXT, who="t")
    other, _ = project.add_document("empty.txt", "関係のない文書。", who="t")
    ids: dict[str, str] = {}
    for who in ("hana", "ken"):
        for name, word, label in (("source", "米CNN", "source"), ("actor", "金氏", "actor"),
                                  ("claim", "戦闘機や飛行場の様子を見学し", "claim"),
                                  ("number", "3発", "number"), ("weapon", "ミサイル", "weapon")):
            start, end = _find(TEXT, word)
            ids[f"{who}.{name}"] = project.add_span(doc.id, start, end, label, who).id
    project.add_span(other.id, 0, 2, "actor", "hana")
    project.set_span_attribute(ids["hana.claim"], "stance", "reported", who="hana")
    project.set_span_attribute(ids["hana.source"], "kind", "media", who="hana")
    project.set_span_attribute(ids["ken.claim"], "stance", "asserted", who="ken")
    project.add_relation(ids["hana.claim"], ids["hana.source"], "attributed_to")
    project.add_relation(ids["hana.claim"], ids["hana.actor"], "involves", note="金正恩")
    project.add_relation(ids["hana.number"], ids["hana.weapon"], "quantifies")
    project.add_relation(ids["ken.claim"], ids["ken.source"], "attributed_to")
    return ids


def records(project: Project, **filters: Any) -> list[dict[str, Any]]:
    out = io.StringIO()
    export(project, "jsonl", stream=out, filters=ExportFilter(**filters))
    return [json.loads(line) for line in out.getvalue().splitlines()]


def write(path: Path, items: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in items),
                    encoding="utf-8")
    return path


def test_export_shape(project: Project) -> None:
    ids = fill(project)
    first, second = records(project)
    assert second["relations"] == [] and all(s["attributes"] == {} for s in second["spans"])
    spans = {s["id"]: s for s in first["spans"]}
    assert spans[ids["hana.claim"]]["attributes"] == {"stance": "reported"}
    assert spans[ids["hana.actor"]]["attributes"] == {}
    assert len(first["relations"]) == 4
    for relation in first["relations"]:
        assert list(relation) == ["id", "head", "tail", "label", "annotator", "note",
                                  "created_at", "updated_at"]
        head, tail = spans[relation["head"]], spans[relation["tail"]]
        assert head["annotator"] == tail["annotator"] == relation["annotator"]
        assert first["text"][head["start"]:head["end"]] == head["text"]
    involves = next(r for r in first["relations"] if r["label"] == "involves")
    assert (involves["head"], involves["tail"], involves["note"]) == (
        ids["hana.claim"], ids["hana.actor"], "金正恩")
    assert {r["label"] for r in first["relations"] if r["note"] is None} == {
        "attributed_to", "quantifies"}


def test_layer_filters_apply_to_relations(project: Project) -> None:
    ids = fill(project)
    ken = records(project, annotators=["ken"])[0]
    assert [(r["head"], r["tail"]) for r in ken["relations"]] == [
        (ids["ken.claim"], ids["ken.source"])]
    out = io.StringIO()
    from annotator.services.formats import ExportOptions

    export(project, "jsonl", stream=out, options=ExportOptions(layer="hana"))
    hana = json.loads(out.getvalue().splitlines()[0])
    assert {s["annotator"] for s in hana["spans"]} == {"hana"}
    assert {r["annotator"] for r in hana["relations"]} == {"hana"}
    assert len(hana["relations"]) == 3


def test_label_filter_leaves_out_relations_it_cuts_and_says_so(project: Project) -> None:
    fill(project)
    out = io.StringIO()
    report = export(project, "jsonl", stream=out,
                    filters=ExportFilter(labels=["claim", "source"]))
    first = json.loads(out.getvalue().splitlines()[0])
    assert {r["label"] for r in first["relations"]} == {"attributed_to"}
    assert len(first["relations"]) == 2
    assert any("2 relations left out" in note for note in report.notes)


def test_round_trip_into_a_fresh_project(project: Project, tmp_path: Path) -> None:
    fill(project)
    exported = records(project)
    path = write(tmp_path / "out.jsonl", exported)
    with Project.open(tmp_path / "fresh.annotator") as fresh:
        report = import_paths(fresh, [path], annotator="x")
        assert report.relations_added == 4 and report.spans_added == 11
        assert records(fresh) == exported
        # the same file again adds nothing
        again = import_paths(fresh, [path], annotator="x")
        assert (again.spans_added, again.relations_added, again.relations_skipped) == (0, 0, 4)
        assert records(fresh) == exported


def test_round_trip_through_the_command_line(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    from annotator.cli import main

    project_path = tmp_path / "cli.annotator"
    with Project.open(project_path) as project:
        fill(project)
    out, back = tmp_path / "out.jsonl", tmp_path / "back.jsonl"
    assert main(["export", "--db", str(project_path), "-o", str(out)]) == 0
    assert "2 documents, 11 spans, 4 relations written" in capsys.readouterr().err
    fresh = tmp_path / "fresh.annotator"
    assert main(["import", "--db", str(fresh), str(out)]) == 0
    assert "11 spans added; 4 relations added" in capsys.readouterr().err
    assert main(["export", "--db", str(fresh), "-o", str(back)]) == 0
    assert back.read_text(encoding="utf-8") == out.read_text(encoding="utf-8")
    capsys.readouterr()
    # a bad relation: one error line with the file and line, the project unchanged
    lines = out.read_text(encoding="utf-8").splitlines()
    broken = json.loads(lines[0])
    broken["relations"][1]["head"] = "nope"
    bad = tmp_path / "bad.jsonl"
    bad.write_text(lines[1] + "\n" + json.dumps(broken, ensure_ascii=False) + "\n",
                   encoding="utf-8")
    other = tmp_path / "other.annotator"
    Project.open(other).close()
    assert main(["import", "--db", str(other), str(bad)]) == 1
    assert capsys.readouterr().err.splitlines() == [
        f"annotator: error: {bad}:2: relation 1: its head 'nope' is not the id of a span of "
        f"this record"]
    with Project.open(other) as project:
        assert project.documents() == []


def test_relation_ends_follow_reids_and_duplicates(project: Project, tmp_path: Path) -> None:
    ids = fill(project)
    exported = records(project)
    # Another project where the span ids are taken by other spans: they get fresh ids, and
    # the relations follow them.
    with Project.open(tmp_path / "other.annotator") as other:
        doc, _ = other.add_document("x.txt", "別の文書、別のスパン。", who="t")
        other.add_span(doc.id, 0, 2, "actor", "zoe", span_id=ids["hana.claim"])
        import_paths(other, [write(tmp_path / "a.jsonl", exported)], annotator="x")
        moved = records(other)[1]
        claim = next(s for s in moved["spans"] if s["annotator"] == "hana"
                     and s["label"] == "claim")
        assert claim["id"] != ids["hana.claim"]
        assert {r["label"] for r in moved["relations"] if r["head"] == claim["id"]} == {
            "attributed_to", "involves"}
    # Spans already in the project (same place, label, annotator; other ids): skipped as
    # duplicates, and the file's relations go to the project's spans.
    renamed = json.loads(json.dumps(exported))
    for record in renamed:
        mapping = {s["id"]: s["id"][::-1] for s in record["spans"]}
        for s in record["spans"]:
            s["id"] = mapping[s["id"]]
        for r in record["relations"]:
            r["head"], r["tail"], r["id"] = mapping[r["head"]], mapping[r["tail"]], None
    with Project.open(tmp_path / "dup.annotator") as dup:
        import_paths(dup, [write(tmp_path / "b.jsonl", exported)], annotator="x")
        for record in exported:
            record["relations"] = []
        report = import_paths(dup, [write(tmp_path / "c.jsonl", renamed)], annotator="x")
        assert report.spans_added == 0 and report.relations_skipped == 4


def test_unknown_relation_types_and_attributes(project: Project, tmp_path: Path) -> None:
    fill(project)
    exported = records(project)
    exported[0]["relations"][0]["label"] = "cites"
    exported[0]["spans"][0]["attributes"] = {"certainty": "high"}
    path = write(tmp_path / "u.jsonl", exported)
    with Project.open(tmp_path / "fresh.annotator") as fresh:
        before = fresh.document_count()
        with pytest.raises(DataError) as info:
            import_paths(fresh, [path], annotator="x")
        assert "declare" in str(info.value) and info.value.line == 1
        assert fresh.document_count() == before
        del exported[0]["spans"][0]["attributes"]["certainty"]
        write(path, exported)
        with pytest.raises(DataError) as info:
            import_paths(fresh, [path], annotator="x")
        assert "unknown relation type 'cites'" in str(info.value) and info.value.line == 1
        assert fresh.document_count() == before and fresh.relations() == []
        # --add-labels adds them, as it adds labels
        exported[0]["spans"][0]["attributes"] = {"certainty": "high", "checked": True}
        write(path, exported)
        report = import_paths(fresh, [path], annotator="x", add_labels=True)
        assert report.relation_types_added == ["cites"]
        label = exported[0]["spans"][0]["label"]
        assert sorted(report.attributes_added) == [f"{label}.certainty", f"{label}.checked"]
        kinds = {a.name: a.kind for a in fresh.label_attributes(label)}
        assert kinds["certainty"] == "text" and kinds["checked"] == "flag"
        assert records(fresh)[0]["relations"] == exported[0]["relations"]


def test_bad_relations_and_attributes_are_refused_with_the_line(project: Project,
                                                                tmp_path: Path) -> None:
    fill(project)
    exported = records(project)

    def refused(change: Any, expected: str) -> None:
        broken = json.loads(json.dumps(exported))
        change(broken[0])
        path = write(tmp_path / "bad.jsonl", [broken[1], broken[0]])
        with Project.open(tmp_path / "fresh.annotator") as fresh:
            with pytest.raises(DataError) as info:
                import_paths(fresh, [path], annotator="x")
            assert expected in str(info.value), str(info.value)
            assert info.value.line == 2 and info.value.path == str(path)
            assert fresh.documents() == [] and fresh.relations() == []

    refused(lambda r: r["relations"][0].update(head="nope"), "is not the id of a span")
    refused(lambda r: r["relations"][0].update(label=""), "label")
    refused(lambda r: r["relations"][0].update(annotator="ken"), "layer 'ken'")
    refused(lambda r: r["relations"][0].update(tail=r["relations"][0]["head"]),
            "links a span to itself")
    refused(lambda r: r.update(relations={}), "relations must be a list")
    refused(lambda r: r["spans"][0].update(attributes=[]), "attributes must be an object")
    claim = next(i for i, s in enumerate(exported[0]["spans"]) if s["label"] == "claim")
    refused(lambda r: r["spans"][claim].update(attributes={"stance": "maybe"}),
            "'maybe' is not a value of attribute claim.stance")
    refused(lambda r: r["spans"][claim].update(attributes={"stance": 3}),
            "must be a text or true/false")


def test_relation_without_annotator_takes_its_spans_layer(project: Project,
                                                          tmp_path: Path) -> None:
    fill(project)
    exported = records(project)
    for relation in exported[0]["relations"]:
        relation["annotator"] = relation["id"] = relation["created_at"] = None
        relation["updated_at"] = None
    with Project.open(tmp_path / "fresh.annotator") as fresh:
        import_paths(fresh, [write(tmp_path / "a.jsonl", exported)], annotator="x")
        back = records(fresh)[0]
        spans = {s["id"]: s for s in back["spans"]}
        assert len(back["relations"]) == 4
        for relation in back["relations"]:
            assert relation["annotator"] == spans[relation["head"]]["annotator"]
            assert len(relation["id"]) == 32 and relation["created_at"].endswith("Z")


def test_datasets_reads_relations_and_attributes_that_appear_late(tmp_path: Path) -> None:
    """Hugging Face ``datasets`` (the real one) loads an export whose first 4,000 records
    (16 MB, more than the 10 MB block it infers types from) have no relations and no
    attributes, with the features the native module declares."""
    datasets = pytest.importorskip("datasets")
    from annotator.services.native import datasets_features

    path = tmp_path / "late.jsonl"
    with Project.open(tmp_path / "p.annotator") as project:
        doc, _ = project.add_document("x.txt", TEXT, who="t")
        ids = fill_layer(project, doc.id)
        late = records(project)[0]
    quiet = json.loads(json.dumps(late))
    quiet["relations"] = []
    for span in quiet["spans"]:
        span["attributes"] = {}
    with path.open("w", encoding="utf-8") as out:
        quiet["name"] = "名" * 4000
        for number in range(4000):
            quiet["id"] = f"quiet-{number}"
            out.write(json.dumps(quiet, ensure_ascii=False) + "\n")
        out.write(json.dumps(late, ensure_ascii=False) + "\n")
    features = datasets.Features.from_dict(datasets_features())
    loaded = datasets.load_dataset("json", data_files=str(path), split="train",
                                   features=features, cache_dir=str(tmp_path / "cache"))
    last = loaded[len(loaded) - 1]
    assert last["relations"] == late["relations"]
    assert [s["attributes"] for s in last["spans"]] == [s["attributes"] for s in late["spans"]]
    assert loaded[0]["relations"] == [] and loaded[0]["spans"][0]["attributes"] == {}
    assert ids  # spans were made
    # Without declared features the same file fails: the types of the first block win.
    with pytest.raises(Exception):  # noqa: B017 - datasets' own error type
        datasets.load_dataset("json", data_files=str(path), split="train",
                              cache_dir=str(tmp_path / "cache-plain"))


def fill_layer(project: Project, doc_id: int) -> list[str]:
    claim = project.add_span(doc_id, *_find(TEXT, "戦闘機や飛行場の様子を見学し"), "claim", "hana")
    source = project.add_span(doc_id, *_find(TEXT, "米CNN"), "source", "hana")
    project.set_span_attribute(claim.id, "stance", "reported", who="hana")
    project.set_span_attribute(source.id, "kind", "media", who="hana")
    project.add_relation(claim.id, source.id, "attributed_to", note="CNNの報道")
    return [claim.id, source.id]



def test_line_separators_are_escaped_wherever_they_may_be(project: Project,
                                                          tmp_path: Path) -> None:
    """NEL in a text, U+2028/U+2029 in a note, a value, meta or a relation's note, each in a
    document of its own: every line reader sees one record per line, and the records read
    back as they were."""
    def document(number: int, text: str = "ミサイルと米CNN。", **meta: str) -> tuple[int, str, str]:
        doc, _ = project.add_document(f"{number}.txt", f"{number}{text}", who="t", meta=meta)
        full = f"{number}{text}"
        claim = project.add_span(doc.id, *_find(full, "ミサイル"), "claim", "hana")
        source = project.add_span(doc.id, *_find(full, "米CNN"), "source", "hana")
        return doc.id, claim.id, source.id

    document(1, "前\u0085後。ミサイルと米CNN。")
    document(2, memo="a\u2028b")
    _, claim, _ = document(3)
    project.update_span(claim, who="hana", note="注\u2029記")
    _, claim, _ = document(4)
    project.update_span(claim, who="hana", value={"memo": "x\u2028y"})
    _, claim, source = document(5)
    project.add_relation(claim, source, "attributed_to", note="関\u2028係")
    out = tmp_path / "out.jsonl"
    export(project, "jsonl", output=out)
    data = out.read_text(encoding="utf-8")
    lines = data.splitlines()
    assert len(lines) == 5 and not any(c in data for c in "\u0085\u2028\u2029")
    records_ = [json.loads(line) for line in lines]
    assert records_[0]["text"] == "1前\u0085後。ミサイルと米CNN。"
    assert records_[1]["meta"] == {"memo": "a\u2028b"}
    assert records_[2]["spans"][0]["note"] == "注\u2029記"
    assert records_[3]["spans"][0]["value"] == {"memo": "x\u2028y"}
    assert records_[4]["relations"][0]["note"] == "関\u2028係"


def test_relations_whose_span_an_importer_did_not_keep_are_counted(project: Project) -> None:
    """Another format's importer yields a relation whose end it could not keep (e.g. a
    discontinuous span): the import counts it as not kept, it never vanishes silently."""
    from annotator.services.importing import import_records
    from annotator.services.native import ParsedRelation, ParsedSpan, build_record

    start, end = _find(TEXT, "米CNN")
    claim = _find(TEXT, "戦闘機や飛行場の様子を見学し")
    record = build_record(TEXT, [ParsedSpan(start, end, "source", 1, id="T1"),
                                 ParsedSpan(*claim, "claim", 1, id="T2")],
                          path="x.ann", line=1,
                          relations=[ParsedRelation("T2", "T1", "attributed_to", 1, id="R1"),
                                     ParsedRelation("T2", "T9", "involves", 1, id="R2")])
    report = import_records(project, [(record, "x.ann")], annotator="hana", who="hana")
    assert report.relations_added == 1
    assert report.not_kept == {"relations whose span was not kept": 1}
    assert "not kept: relations whose span was not kept (1)" in report.summary()
    [relation] = project.relations()
    assert (relation.type, relation.annotator) == ("attributed_to", "hana")


def test_relations_of_a_later_record_of_the_same_text_go_to_the_earlier_spans(
        project: Project, tmp_path: Path) -> None:
    """One file, two records of one text: the first has the spans, the second the same spans
    (other ids) and relations between them. The second's spans are duplicates; its relations
    link the first record's spans."""
    fill(project)
    first = records(project)[0]
    spans_only = dict(first, relations=[])
    again = json.loads(json.dumps(first))
    mapping = {s["id"]: "x" + s["id"][1:] for s in again["spans"]}
    for s in again["spans"]:
        s["id"] = mapping[s["id"]]
    for r in again["relations"]:
        r["head"], r["tail"] = mapping[r["head"]], mapping[r["tail"]]
    path = write(tmp_path / "two.jsonl", [spans_only, again])
    with Project.open(tmp_path / "fresh.annotator") as fresh:
        report = import_paths(fresh, [path], annotator="x")
        assert (report.spans_added, report.spans_skipped, report.relations_added) == (10, 10, 4)
        assert records(fresh)[0]["spans"] == first["spans"]
        assert records(fresh)[0]["relations"] == first["relations"]


def test_a_damaged_relation_refuses_the_export(project: Project, tmp_path: Path) -> None:
    """A relation row changed behind the store's back (its layer no longer that of its
    spans): the export refuses, naming the problem, and writes nothing."""
    fill(project)
    with project.atomic():
        # The first relation in the export's order (two made in the same millisecond are
        # ordered by their random ids, not by when they were made).
        project.db.conn.execute("UPDATE relations SET annotator = 'zoe' WHERE id = (SELECT id "
                                "FROM relations ORDER BY document_id, created_at, id LIMIT 1)")
    out = tmp_path / "out.jsonl"
    with pytest.raises(DataError, match=r"'cnn.txt' failed validation: relation 0: it is in "
                                        r"layer 'zoe'"):
        export(project, "jsonl", output=out)
    assert not out.exists()
