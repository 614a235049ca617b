"""Relations and span attributes through Label Studio, doccano, brat and REFI-QDA: exported,
read back, and (with the import pipeline) imported into a new project, over a text with 😀, 𠮷
and 葛 + U+E0100 before both ends of every relation."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from format_material import TEXT_JA, import_module_file

from annotator.domain.errors import DataError
from annotator.domain.relations import Attribute
from annotator.services.exporting import ExportFilter, export
from annotator.services.formats import ExportOptions, ImportOptions, format_module
from annotator.services.importing import ImportReport
from annotator.store import Project

#: (start, end, label, annotator): two layers, spans after three astral characters.
SPANS = {
    "claim": (6, 21, "claim", "hana"),        # 北朝鮮がミサイル3発を発射した
    "actor": (6, 9, "actor", "hana"),         # 北朝鮮
    "weapon": (10, 14, "weapon", "hana"),     # ミサイル
    "number": (14, 16, "number", "hana"),     # 3発
    "source": (22, 25, "source", "hana"),     # CNN
    "claim2": (6, 21, "claim", "ken"),
    "actor2": (6, 9, "actor", "ken"),
}
#: (head, tail, type, note)
RELATIONS = [
    ("claim", "source", "attributed_to", None),
    ("claim", "actor", "involves", "主語"),
    ("number", "weapon", "quantifies", None),
    ("claim2", "actor2", "involves", None),
]
ATTRIBUTES = {
    "claim": {"stance": "reported", "verified": True, "comment": "要確認 😀"},
    "claim2": {"stance": "asserted", "verified": False},
    "source": {"kind": "media"},
}


@pytest.fixture
def related(project: Project) -> Project:
    doc, _ = project.add_document("ja.txt", TEXT_JA, who="t")
    project.add_label_attribute(Attribute("claim", "verified", "flag"), who="t")
    project.add_label_attribute(Attribute("claim", "comment", "text"), who="t")
    ids = {}
    for key, (start, end, label, who) in SPANS.items():
        ids[key] = project.add_span(doc.id, start, end, label, who).id
        for name, value in ATTRIBUTES.get(key, {}).items():
            project.set_span_attribute(ids[key], name, value, who="t")
    for head, tail, kind, note in RELATIONS:
        project.add_relation(ids[head], ids[tail], kind, note=note)
    assert len(TEXT_JA[:4].encode("utf-16-le")) == 14  # three astral characters, then 城
    return project


def expected_relations(*, annotators: bool = True) -> set[tuple[Any, ...]]:
    def key(name: str) -> tuple[Any, ...]:
        start, end, label, who = SPANS[name]
        return (TEXT_JA[start:end], start, end, label) + ((who,) if annotators else ())
    return {(key(h), key(t), kind) for h, t, kind, _note in RELATIONS}


def read_back(fmt: str, path: Path, annotator: str | None = None
              ) -> tuple[list[Any], ImportReport]:
    report = ImportReport()
    records = list(format_module(fmt).read(path, ImportOptions(annotator=annotator), report))
    return records, report


def parsed_relations(records: list[Any], *, annotators: bool = True) -> set[tuple[Any, ...]]:
    out = set()
    for record in records:
        spans = {s.id: s for s in record.spans}
        assert len(spans) == len(record.spans)  # every span has its own id

        def key(span: Any) -> tuple[Any, ...]:
            return ((record.text[span.start:span.end], span.start, span.end, span.label)
                    + ((span.annotator,) if annotators else ()))
        for relation in record.relations:
            head, tail = spans[relation.head], spans[relation.tail]
            if annotators:
                assert relation.annotator == head.annotator == tail.annotator
            out.add((key(head), key(tail), relation.label))
    return out


def parsed_attributes(records: list[Any]) -> dict[tuple[Any, ...], dict[str, Any]]:
    return {(s.start, s.end, s.label, s.annotator): s.attributes
            for record in records for s in record.spans if s.attributes}


def wanted_attributes(drop: set[str] = frozenset(), falses: bool = True
                      ) -> dict[tuple[Any, ...], dict[str, Any]]:
    out = {}
    for key, values in ATTRIBUTES.items():
        kept = {n: v for n, v in values.items() if n not in drop and (falses or v is not False)}
        if kept:
            out[SPANS[key]] = kept
    return out


def export_to(project: Project, fmt: str, tmp_path: Path) -> tuple[Path, Any]:
    out = tmp_path / {"labelstudio": "tasks.json", "doccano": "d.jsonl", "brat": "brat",
                      "refi-qda": "p.qdpx"}[fmt]
    return out, export(project, fmt, output=out, options=ExportOptions())


# -- Label Studio ---------------------------------------------------------------------------

def test_labelstudio_relations_and_attributes_read_back_exactly(related: Project,
                                                                tmp_path: Path) -> None:
    path, report = export_to(related, "labelstudio", tmp_path)
    [task] = json.loads(path.read_text(encoding="utf-8"))
    results = [r for a in task["annotations"] for r in a["result"]]
    regions = {r["id"]: r for r in results if r["type"] == "labels"}
    relations = [r for r in results if r["type"] == "relation"]
    assert len(relations) == 4
    for relation in relations:
        assert relation["direction"] == "right" and relation["from_id"] in regions
        assert relation["to_id"] in regions and len(relation["labels"]) == 1
    stance = [r for r in results if r.get("from_name") == "claim.stance"]
    assert {r["value"]["choices"][0] for r in stance} == {"reported", "asserted"}
    assert all(r["id"] in regions and r["value"]["start"] == 6 for r in stance)  # code points
    [comment] = [r for r in results if r["type"] == "textarea"]
    assert comment["value"]["text"] == ["要確認 😀"] and comment["from_name"] == "claim.comment"
    assert "1 relation note not written" in " ".join(report.notes)
    records, read = read_back("labelstudio", path)
    assert read.not_kept == {}
    assert parsed_relations(records) == expected_relations()
    assert parsed_attributes(records) == wanted_attributes()


def test_labelstudio_labeling_config_names_every_control(related: Project,
                                                         tmp_path: Path) -> None:
    path, report = export_to(related, "labelstudio", tmp_path)
    config = path.with_name("tasks.config.xml")
    assert f"labelling config for these tasks is in {config.name}" in " ".join(report.notes)
    root = ET.fromstring(config.read_text(encoding="utf-8"))
    assert root.find("Labels").get("name") == "label"
    assert root.find("Text").get("value") == "$text"
    assert [r.get("value") for r in root.find("Relations")] == [
        "attributed_to", "involves", "quantifies"]
    controls = {c.get("name"): c for c in root.iter() if c.tag in ("Choices", "TextArea")}
    assert set(controls) == {"claim.stance", "claim.verified", "claim.comment", "source.kind"}
    assert all(c.get("perRegion") == "true" and c.get("toName") == "text"
               for c in controls.values())
    assert [c.get("value") for c in controls["claim.verified"]] == ["true", "false"]
    assert controls["claim.comment"].tag == "TextArea"
    # Every from_name of the tasks is a control of the config.
    [task] = json.loads(path.read_text(encoding="utf-8"))
    used = {r["from_name"] for a in task["annotations"] for r in a["result"] if "from_name" in r}
    assert used <= set(controls) | {"label"}


def test_labelstudio_shape_drawn_in_label_studio(tmp_path: Path) -> None:
    """Regions drawn in Label Studio have short ids; a relation may point left; a per-region
    control may be named without the label."""
    results = [
        {"id": "Xk3_9dQa1b", "type": "labels", "from_name": "label", "to_name": "text",
         "value": {"start": 6, "end": 21, "labels": ["claim"]}},
        {"id": "p0Lq", "type": "labels", "from_name": "label", "to_name": "text",
         "value": {"start": 22, "end": 25, "text": "CNN", "labels": ["source"]}},
        {"id": "p0Lq", "type": "choices", "from_name": "kind", "to_name": "text",
         "value": {"start": 22, "end": 25, "choices": ["media"]}},
        {"id": "Xk3_9dQa1b", "type": "choices", "from_name": "claim.verified",
         "to_name": "text", "value": {"start": 6, "end": 21, "choices": ["true"]}},
        {"type": "relation", "from_id": "p0Lq", "to_id": "Xk3_9dQa1b", "direction": "left",
         "labels": ["attributed_to", "involves"]},
    ]
    path = tmp_path / "ls.json"
    path.write_text(json.dumps([{"id": 3, "data": {"text": TEXT_JA}, "annotations": [
        {"completed_by": {"email": "aoi@example.com"}, "result": results}]}]),
        encoding="utf-8")
    [record], report = read_back("labelstudio", path)
    claim, source = record.spans
    assert (claim.attributes, source.attributes) == ({"verified": True}, {"kind": "media"})
    assert [(r.head, r.tail, r.label, r.annotator) for r in record.relations] == [
        (claim.id, source.id, "attributed_to", "aoi"), (claim.id, source.id, "involves", "aoi")]
    assert report.not_kept == {}


def test_labelstudio_relation_between_two_layers_is_counted(tmp_path: Path) -> None:
    """A region drawn in Label Studio (no meta.annotator: the annotation's user) linked to one
    of our export's (meta.annotator hana): two layers, which a relation cannot link."""
    results = [
        {"id": "r1", "type": "labels", "meta": {"annotator": "hana"},
         "value": {"start": 6, "end": 21, "labels": ["claim"]}},
        {"id": "r2", "type": "labels", "value": {"start": 22, "end": 25, "labels": ["source"]}},
        {"type": "relation", "from_id": "r1", "to_id": "r2", "labels": ["attributed_to"]}]
    path = tmp_path / "ls.json"
    path.write_text(json.dumps([{"data": {"text": TEXT_JA}, "annotations": [
        {"completed_by": {"email": "aoi@example.com"}, "result": results}]}]), encoding="utf-8")
    [record], report = read_back("labelstudio", path)
    assert [s.annotator for s in record.spans] == ["hana", "aoi"] and record.relations == []
    assert report.not_kept == {"Label Studio relations between regions of two annotators (a "
                               "relation links spans of one layer)": 1}


@pytest.mark.parametrize(("result", "message"), [
    ({"type": "relation", "from_id": "r1", "to_id": "nope", "labels": ["involves"]},
     "to_id 'nope' is not the id of a region"),
    ({"type": "relation", "from_id": "r1", "to_id": "r1", "direction": "up", "labels": ["x"]},
     "direction 'up'"),
    ({"id": "r1", "type": "choices", "from_name": "claim.stance", "value": {"choices": "x"}},
     "value.choices must be a list"),
])
def test_labelstudio_bad_relation_or_attribute_is_refused(tmp_path: Path, result: dict,
                                                          message: str) -> None:
    region = {"id": "r1", "type": "labels", "value": {"start": 6, "end": 9, "labels": ["actor"]}}
    path = tmp_path / "ls.json"
    path.write_text(json.dumps([{"data": {"text": TEXT_JA}, "annotations": [
        {"result": [region, result]}]}]), encoding="utf-8")
    with pytest.raises(DataError, match=message):
        read_back("labelstudio", path)


# -- doccano --------------------------------------------------------------------------------

def test_doccano_relation_shape_utf16_read_back(related: Project, tmp_path: Path) -> None:
    path, report = export_to(related, "doccano", tmp_path)
    [record] = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert set(record) == {"text", "entities", "relations"}
    units = TEXT_JA.encode("utf-16-le")
    by_id = {e["id"]: e for e in record["entities"]}
    for entity in record["entities"]:  # UTF-16 offsets: three astral characters before
        piece = units[2 * entity["start_offset"]:2 * entity["end_offset"]].decode("utf-16-le")
        assert piece in {TEXT_JA[s:e] for s, e, *_ in SPANS.values()}
    assert min(e["start_offset"] for e in record["entities"]) == 9
    assert {(by_id[r["from_id"]]["start_offset"], by_id[r["to_id"]]["start_offset"], r["type"])
            for r in record["relations"]} == {(9, 25, "attributed_to"), (9, 9, "involves"),
                                              (17, 13, "quantifies")}
    notes = " ".join(report.notes)
    assert "relation shape" in notes and "the values of 3 spans not written" in notes
    records, read = read_back("doccano", path, annotator="aoi")
    # doccano names no annotator: every span and relation is the importing annotator's.
    assert parsed_relations(records, annotators=False) == expected_relations(annotators=False)
    assert read.not_kept == {}


def test_doccano_without_relations_keeps_the_label_shape(project: Project,
                                                         tmp_path: Path) -> None:
    doc, _ = project.add_document("a.txt", TEXT_JA, who="t")
    project.add_span(doc.id, 6, 9, "actor", "hana")
    path, _report = export_to(project, "doccano", tmp_path)
    [record] = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert record == {"text": TEXT_JA, "label": [[9, 12, "actor"]]}


# -- brat -----------------------------------------------------------------------------------

def test_brat_r_and_a_lines_and_annotation_conf(related: Project, tmp_path: Path) -> None:
    path, report = export_to(related, "brat", tmp_path)
    ann = (path / "ja.ann").read_text(encoding="utf-8").splitlines()
    who = {line.split(" ")[1]: line.split(" ")[2] for line in ann if "\tAnnotator " in line}
    t = {(line.split("\t")[1], who[line.split("\t")[0]]): line.split("\t")[0]
         for line in ann if line.startswith("T")}
    claim = t["claim 6 21", "hana"]  # code points after 😀𠮷葛+U+E0100
    assert any(line.endswith(f"\tstance {claim} reported") for line in ann)
    assert any(line.endswith(f"\tverified {claim}") for line in ann)
    assert sum(line.startswith("R") for line in ann) == 4
    assert any(line.startswith("R") and line.endswith(
        f"\tattributed_to Arg1:{claim} Arg2:{t['source 22 25', 'hana']}") for line in ann)
    assert any(line.startswith("#") and "AnnotatorNotes R" in line and line.endswith("\t主語")
               for line in ann)
    conf = (path / "annotation.conf").read_text(encoding="utf-8")
    assert "[relations]\nattributed_to\tArg1:claim, Arg2:source\n" in conf
    assert "quantifies\tArg1:number, Arg2:weapon|actor\n" in conf
    assert "stance\tArg:claim, Value:asserted|reported|denied|speculated\n" in conf
    assert "verified\tArg:claim\n" in conf and "comment" not in conf
    notes = " ".join(report.notes)
    assert "1 yes/no attribute value(s) 'no' written as the attribute's absence" in notes
    assert "1 attribute value not written: a short-text value has no place in brat" in notes
    records, read = read_back("brat", path)
    assert read.not_kept == {}
    assert parsed_relations(records) == expected_relations()
    assert parsed_attributes(records) == wanted_attributes({"comment"}, falses=False)
    [note] = [r.note for r in records[0].relations if r.note]
    assert note == "主語"


@pytest.mark.parametrize(("line", "message"), [
    ("R1\tinvolves Arg1:T1 Arg2:T9", "argument T9 is not a text-bound"),
    ("R1\tinvolves Arg1:T1", "expected 'TYPE Arg1:T1 Arg2:T2'"),
    ("A1\tstance", "expected 'NAME TARGET"),
])
def test_brat_bad_relation_or_attribute_names_its_line(tmp_path: Path, line: str,
                                                       message: str) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "d.txt").write_text("Kim met Putin.", encoding="utf-8")
    (folder / "d.ann").write_text(f"T1\tactor 0 3\tKim\nT2\tactor 8 13\tPutin\n{line}\n",
                                  encoding="utf-8")
    with pytest.raises(DataError, match=message) as info:
        read_back("brat", folder)
    assert info.value.line == 3


def test_brat_relation_between_two_annotators_is_counted(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "d.txt").write_text("Kim met Putin.", encoding="utf-8")
    (folder / "d.ann").write_text("T1\tactor 0 3\tKim\nT2\tactor 8 13\tPutin\n"
                                  "A1\tAnnotator T1 hana\nR1\tmeets Arg1:T1 Arg2:T2\n",
                                  encoding="utf-8")
    [record], report = read_back("brat", folder, annotator="aoi")
    assert record.relations == []
    assert report.not_kept == {format_module("brat").NOT_KEPT_TWO_LAYERS: 1}


# -- REFI-QDA -------------------------------------------------------------------------------

def test_refi_qda_links_read_back(related: Project, tmp_path: Path) -> None:
    path, report = export_to(related, "refi-qda", tmp_path)
    qde = zipfile.ZipFile(path).read("project.qde").decode("utf-8")
    root = ET.fromstring(qde)
    ns = "{urn:QDA-XML:project:1.0}"
    assert [child.tag[len(ns):] for child in root][-3:] == ["Sources", "Notes", "Links"]
    links = root.find(f"{ns}Links")
    assert len(links) == 4 and {l.get("direction") for l in links} == {"OneWay"}
    assert "6 span attribute values not written" in " ".join(report.notes)
    records, read = read_back("refi-qda", path)
    assert read.not_kept == {}
    assert parsed_relations(records) == expected_relations()
    ids = {r.id for r in related.relations()}
    assert {r.id for r in records[0].relations} == ids  # link guids are the relation ids
    assert [r.note for r in records[0].relations if r.note] == ["主語"]


def test_refi_qda_links_between_other_things_are_counted(related: Project,
                                                         tmp_path: Path) -> None:
    path, _report = export_to(related, "refi-qda", tmp_path)
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    qde = members["project.qde"].decode("utf-8")
    code = qde.split('<Code guid="')[1].split('"')[0]
    extra = (f'<Link guid="00000000-0000-4000-8000-000000000001" name="x" originGUID="{code}" '
             f'targetGUID="{code}"/>\n<Link guid="00000000-0000-4000-8000-000000000002" ')
    selections = re.findall(r'<PlainTextSelection guid="([^"]+)"[^>]*creatingUser="([^"]+)"',
                            qde)
    first, user = selections[0]
    second = next(g for g, u in selections[1:] if u == user)
    other = next(g for g, u in selections if u != user)
    extra += (f'originGUID="{first}" targetGUID="{second}"/>\n<Link guid="00000000-0000-4000-'
              f'8000-000000000003" name="involves" direction="Bidirectional" '
              f'originGUID="{first}" targetGUID="{second}"/>\n<Link guid="00000000-0000-4000-'
              f'8000-000000000004" name="involves" originGUID="{first}" targetGUID="{other}"/>\n')
    members["project.qde"] = qde.replace("</Links>", extra + "</Links>").encode("utf-8")
    changed = tmp_path / "changed.qdpx"
    with zipfile.ZipFile(changed, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    records, read = read_back("refi-qda", changed)
    assert len(records[0].relations) == 5
    assert read.not_kept == {
        "REFI-QDA link that is not between two coded selections of one source": 1,
        "REFI-QDA link without a name (no relation type)": 1,
        "REFI-QDA link that is not one-way (read as origin -> target)": 1,
        "REFI-QDA link between selections of two users (a relation links spans of one "
        "layer)": 1}


# -- every format, a selection that leaves out an end ---------------------------------------

@pytest.mark.parametrize("fmt", ["labelstudio", "doccano", "brat", "refi-qda"])
def test_a_relation_whose_end_is_not_exported_is_reported(related: Project, tmp_path: Path,
                                                          fmt: str) -> None:
    out = tmp_path / {"labelstudio": "t.json", "doccano": "d.jsonl", "brat": "b",
                      "refi-qda": "p.qdpx"}[fmt]
    report = export(related, fmt, output=out, options=ExportOptions(),
                    filters=ExportFilter(labels=["claim", "actor", "weapon", "number"]))
    assert "1 relation not written: its head or tail span is not in the selection" \
        in report.notes
    records, _read = read_back(fmt, out, annotator="aoi")
    assert sum(len(r.relations) for r in records) == 3


# -- imported into a project (the import pipeline stores relations and attributes) ----------

def project_relations(project: Project) -> set[tuple[Any, ...]]:
    texts = {d.id: project.text(d.id) for d in project.documents()}
    spans = {s.id: s for s in project.spans()}

    def key(span: Any) -> tuple[Any, ...]:
        return (texts[span.document_id][span.start:span.end], span.start, span.end, span.label,
                span.annotator)
    return {(key(spans[r.head]), key(spans[r.tail]), r.type) for r in project.relations()}


@pytest.mark.parametrize(("fmt", "dropped", "falses"), [
    ("labelstudio", set(), True), ("brat", {"comment"}, False), ("refi-qda", None, False)])
def test_round_trip_into_a_project(related: Project, fresh: Project, tmp_path: Path, fmt: str,
                                   dropped: set[str] | None, falses: bool) -> None:
    path, _report = export_to(related, fmt, tmp_path)
    for attribute in related.label_attributes():
        if attribute not in fresh.label_attributes():
            fresh.add_label_attribute(attribute, who="t")
    report = import_module_file(fresh, format_module(fmt), path)
    assert report.relations_added == 4
    assert project_relations(fresh) == project_relations(related)
    got = {(s.start, s.end, s.label, s.annotator): s.attributes for s in fresh.spans()
           if s.attributes}
    assert got == ({} if dropped is None else wanted_attributes(dropped, falses))
    # Exported again from the new project, the same relations come out.
    (tmp_path / "again").mkdir()
    path, _report = export_to(fresh, fmt, tmp_path / "again")
    records, _read = read_back(fmt, path)
    assert parsed_relations(records) == expected_relations()


@pytest.mark.parametrize(("fmt", "name"), [("spacy", "a spaCy DocBin"), ("conll", "CoNLL")])
def test_formats_without_relations_say_what_they_leave_out(related: Project, tmp_path: Path,
                                                           fmt: str, name: str) -> None:
    if fmt == "spacy":
        pytest.importorskip("spacy")
    out = tmp_path / f"x.{fmt}"
    report = export(related, fmt, output=out, options=ExportOptions(layer="hana"))
    assert f"4 relations not written: {name} has no relations" in report.notes
    assert f"6 span attribute values not written: {name} has no span attributes" \
        in report.notes


def test_doccano_round_trip_into_a_project(related: Project, fresh: Project,
                                           tmp_path: Path) -> None:
    """doccano names no annotator: both layers come back as the importer's, and what both
    layers hold (the claim → 北朝鮮 involves relation and its two spans) comes back once."""
    path, _report = export_to(related, "doccano", tmp_path)
    report = import_module_file(fresh, format_module("doccano"), path, annotator="aoi")
    assert (report.spans_added, report.spans_skipped) == (5, 2)
    assert (report.relations_added, report.relations_skipped) == (3, 1)
    assert {(h[:4], t[:4], kind) for h, t, kind in project_relations(fresh)} \
        == expected_relations(annotators=False)
    assert {r.annotator for r in fresh.relations()} == {"aoi"}
