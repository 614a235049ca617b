"""brat standoff: round trips over astral texts, notes and annotators, brat's offsets, refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.domain.errors import DataError
from annotator.domain.labels import Label
from annotator.services.exporting import ExportFilter
from annotator.services.formats import ExportOptions, ImportOptions, brat
from annotator.services.importing import ImportReport
from annotator.store import Project
from format_material import TEXT_JA, import_module_file, span_set


def test_round_trip_keeps_every_span_note_and_annotator(filled: Project, fresh: Project,
                                                        tmp_path: Path) -> None:
    out = tmp_path / "brat"
    report = brat.export(filled, out, ExportFilter(), ExportOptions(), None)
    assert report.spans == 10 and report.lost == {}
    assert report.notes == ["1 span value(s) (number values) have no place in brat and were "
                            "not written; the spans were"]
    ann = (out / "ja.ann").read_text(encoding="utf-8")
    # Code points: 北朝鮮 starts at 6 after 😀 𠮷 葛+U+E0100 城 で (UTF-16 would say 8).
    assert "T1\tactor 6 9\t北朝鮮\nA1\tAnnotator T1 hana\n" in ann
    assert "AnnotatorNotes" in ann and "要確認" in ann
    conf = (out / "annotation.conf").read_text(encoding="utf-8")
    assert conf.startswith("[entities]\nclaim\nactor\nweapon\nnumber\nsource\n")
    assert "Annotator\tArg:<ENTITY>, Value:hana|ken|mei\n" in conf
    assert "actor\tbgColor:#" in (out / "visual.conf").read_text(encoding="utf-8")
    imported = import_module_file(fresh, brat, out)
    assert imported.not_kept == {}
    assert span_set(fresh) == span_set(filled)
    assert sorted(d.name for d in fresh.documents()) == ["en.txt", "ja.txt"]
    # Importing the same folder again adds nothing.
    again = import_module_file(fresh, brat, out)
    assert again.spans_added == 0 and again.spans_skipped == 10


def test_names_with_spaces_and_multiline_notes(project: Project, fresh: Project,
                                               tmp_path: Path) -> None:
    project.add_label(Label("named entity", "#123456"), who="t")
    doc, _ = project.add_document("a b.txt", TEXT_JA, who="t")
    project.add_span(doc.id, 6, 9, "actor", "Hana Sato|x", note="line 1\nline\\2\ttab")
    project.add_span(doc.id, 31, 34, "named entity", "ken")
    out = tmp_path / "brat"
    report = brat.export(project, out, ExportFilter(), ExportOptions(), None)
    assert "white space in label(s) named entity written as _" in report.notes[0]
    ann = (out / "a_b.ann").read_text(encoding="utf-8")
    assert "Annotator T1 Hana%20Sato%7Cx\n" in ann and "named_entity 31 34" in ann
    assert "\tline 1\\nline\\\\2\\ttab\n" in ann
    import_module_file(fresh, brat, out)
    got = {(s.start, s.end, s.label, s.annotator, s.note) for s in fresh.spans()}
    assert got == {(6, 9, "actor", "Hana Sato|x", "line 1\nline\\2\ttab"),
                   (31, 34, "named_entity", "ken", None)}


def write_pair(folder: Path, text: bytes, ann: str, name: str = "doc") -> Path:
    folder.mkdir(exist_ok=True)
    (folder / f"{name}.txt").write_bytes(text)
    (folder / f"{name}.ann").write_text(ann, encoding="utf-8")
    return folder


def test_brat_offsets_count_the_file_as_brat_reads_it(fresh: Project, tmp_path: Path) -> None:
    # A BOM and \r\n line ends: brat counts both (code points of the file as on disk).
    text = "\ufeff😀𠮷\r\nKim met Putin.\r\n北朝鮮".encode()
    ann = ("T1\tactor 5 8\tKim\nT2\tactor 13 18\tPutin\nT3\tactor 21 24\t北朝鮮\n"
           "A1\tAnnotator T3 mei\n#1\tAnnotatorNotes T2\tleader\n")
    folder = write_pair(tmp_path / "in", text, ann)
    import_module_file(fresh, brat, folder, annotator="hana")
    (document,) = fresh.documents()
    stored = fresh.text(document.id)
    assert stored == "😀𠮷\nKim met Putin.\n北朝鮮"
    assert sorted((stored[s.start:s.end], s.annotator, s.note) for s in fresh.spans()) == [
        ("Kim", "hana", None), ("Putin", "hana", "leader"), ("北朝鮮", "mei", None)]


def test_what_is_not_kept_is_counted(tmp_path: Path) -> None:
    ann = ("T1\tactor 0 3\tKim\nT2\tactor 8 13\tPutin\nT3\tclaim 0 3;8 13\tKim Putin\n"
           "R1\tmeets Arg1:T1 Arg2:T2\nR2\tabout Arg1:T3 Arg2:T1\nE1\tmeet:T1\nA1\tNegated T1\n"
           "A2\tNegated E1\nN1\tReference T1 Wiki:1\tKim\n*\tEquiv T1 T2\n"
           "#1\tAnnotatorNotes R1\tabout\n#2\tAnnotatorNotes E1\tx\n")
    folder = write_pair(tmp_path / "in", b"Kim met Putin.", ann)
    (folder / "README.txt").write_text("not a brat document")
    report = ImportReport()
    [record] = brat.read(folder, ImportOptions(annotator="aoi"), report)
    assert [(s.start, s.end, s.label, s.attributes) for s in record.spans] == [
        (0, 3, "actor", {"Negated": True}), (8, 13, "actor", {})]
    [relation] = record.relations  # R2 has a discontinuous argument
    ids = [s.id for s in record.spans]
    assert (relation.head, relation.tail, relation.label, relation.note, relation.annotator) \
        == (ids[0], ids[1], "meets", "about", "aoi")
    assert report.not_kept == {
        brat.NOT_KEPT_DISCONTINUOUS: 1, brat.NOT_KEPT_KINDS["R"]: 1, brat.NOT_KEPT_KINDS["E"]: 1,
        brat.NOT_KEPT_KINDS["A"]: 1, brat.NOT_KEPT_KINDS["N"]: 1, brat.NOT_KEPT_KINDS["*"]: 1,
        brat.NOT_KEPT_KINDS["#"]: 1, brat.NOT_KEPT_TXT: 1}


@pytest.mark.parametrize("ann, line, reason", [
    ("T1\tactor 0 3\tKim\nT2\tactor 8 40\tPutin\n", 2, r"\[8, 40\) points past the text, which has 14"),
    ("T1\tactor 0 3\tKim\nT2\tactor 8 13\tPutim\n", 2, "its text 'Putim' differs from the .txt's 'Putin'"),
    ("T1\tactor 3 0\tKim\n", 1, "is reversed"),
    ("T1\tactor zero 3\tKim\n", 1, "whole numbers"),
    ("T1 actor 0 3 Kim\n", 1, "needs 3 tab-separated fields"),
    ("T1\tactor\tKim\n", 1, "expected 'label START END'"),
    ("X1\tactor 0 3\tKim\n", 1, "not a brat annotation line"),
])
def test_refusals_name_the_ann_line(ann: str, line: int, reason: str, filled: Project,
                                    tmp_path: Path) -> None:
    folder = write_pair(tmp_path / "in", b"Kim met Putin.", ann)
    before = span_set(filled), [d.name for d in filled.documents()]
    with pytest.raises(DataError, match=reason) as caught:
        import_module_file(filled, brat, folder)
    assert caught.value.path == str(folder / "doc.ann") and caught.value.line == line
    assert (span_set(filled), [d.name for d in filled.documents()]) == before


def test_missing_text_and_single_ann_file(fresh: Project, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "lonely.ann").write_text("T1\tactor 0 3\tKim\n")
    with pytest.raises(DataError, match="no text file lonely.txt beside it"):
        import_module_file(fresh, brat, folder)
    write_pair(folder, b"Kim met Putin.", "T1\tactor 0 3\tKim\n", name="one")
    import_module_file(fresh, brat, folder / "one.ann", ImportOptions(annotator="x"))
    assert [(s.start, s.end, s.label) for s in fresh.spans()] == [(0, 3, "actor")]


def test_sniff(tmp_path: Path) -> None:
    folder = write_pair(tmp_path / "in", b"Kim", "T1\tactor 0 3\tKim\n")
    assert brat.sniff(folder, b"") and brat.sniff(folder / "doc.ann", b"T1")
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "a.txt").write_text("Kim")
    assert not brat.sniff(plain, b"")
    assert not brat.sniff(folder / "doc.txt", b"Kim")
