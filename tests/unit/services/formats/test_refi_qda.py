"""REFI-QDA (.qdpx): exact round trips, files of other tools' shape, refusals with lines."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from annotator.domain.errors import DataError
from annotator.domain.labels import Label
from annotator.services.exporting import ExportFilter
from annotator.services.formats import ExportOptions, ImportOptions
from annotator.services.formats import refi_qda as rq
from annotator.store import Project
from format_material import import_module_file, span_set

Q = "{urn:QDA-XML:project:1.0}"
GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def test_round_trip_is_exact(filled: Project, fresh: Project, tmp_path: Path) -> None:
    out = tmp_path / "x.qdpx"
    report = rq.export(filled, out, ExportFilter(), ExportOptions(), None)
    assert report.spans == 10 and report.lost == {}
    assert report.notes == ["1 span value(s) (number values) have no place in REFI-QDA and "
                            "were not written; the spans were"]
    with zipfile.ZipFile(out) as archive:
        root = ET.fromstring(archive.read("project.qde"))
        names = archive.namelist()
    # The schema's order of the project's parts, its required attributes, GUIDs.
    assert [child.tag for child in root] == [Q + "Users", Q + "CodeBook", Q + "Sources",
                                             Q + "Notes"]
    assert {u.get("name") for u in root.iter(Q + "User")} == {"hana", "ken", "mei"}
    codes = {c.get("name"): c.get("color") for c in root.iter(Q + "Code")}
    assert codes == {label.name: label.color for label in filled.labels()}
    for element in root.iter():
        if "guid" in element.attrib:
            assert GUID.fullmatch(element.get("guid")), element.tag
    sources = list(root.iter(Q + "TextSource"))
    assert all(f"sources/{s.get('plainTextPath')[len('internal://'):]}" in names for s in sources)
    ja = next(s for s in sources if s.get("name") == "ja.txt")
    first = ja.find(Q + "PlainTextSelection")
    # Code points: 北朝鮮 after 😀 𠮷 葛+U+E0100 城 で starts at 6.
    assert (first.get("startPosition"), first.get("endPosition")) == ("6", "9")
    assert [n.find(Q + "PlainTextContent").text for n in root.iter(Q + "Note")] == [
        "要確認", "短距離"]
    imported = import_module_file(fresh, rq, out)
    assert imported.not_kept == {}
    assert span_set(fresh) == span_set(filled)
    key = lambda s: (s.id, s.start, s.end, s.label, s.annotator, s.note, s.created_at,  # noqa: E731
                     s.updated_at)
    assert sorted(map(key, fresh.spans())) == sorted(map(key, filled.spans()))
    # The same project exports the same GUIDs (only the project's own time differs).
    again = tmp_path / "again.qdpx"
    rq.export(filled, again, ExportFilter(), ExportOptions(), None)
    strip = lambda p: re.sub(rb'creationDateTime="[^"]*" ?', b"", zipfile.ZipFile(p).read("project.qde"), count=1)  # noqa: E731
    assert strip(out) == strip(again)


FOREIGN = """<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="study" origin="{origin}">
  <Users><User guid="11111111-1111-1111-1111-111111111111" name="Aiko"/></Users>
  <CodeBook><Codes>
    <Code guid="22222222-2222-2222-2222-222222222222" name="actor" isCodable="true" color="#ff0000">
      <Code guid="33333333-3333-3333-3333-333333333333" name="leader" isCodable="true"/>
    </Code>
  </Codes></CodeBook>
  <Cases><Case guid="44444444-4444-4444-4444-444444444444" name="c1"/></Cases>
  <Sources>
    <TextSource guid="55555555-5555-5555-5555-555555555555" name="interview.txt"
                plainTextPath="internal://55555555-5555-5555-5555-555555555555.txt">
      <PlainTextSelection guid="66666666-6666-6666-6666-666666666666" startPosition="{start}"
          endPosition="{end}" creatingUser="11111111-1111-1111-1111-111111111111"
          creationDateTime="2024-03-01T10:00:00+09:00">
        <Description>memo in the selection</Description>
        <Coding guid="77777777-7777-7777-7777-777777777777">
          <CodeRef targetGUID="33333333-3333-3333-3333-333333333333"/></Coding>
        <Coding guid="88888888-8888-8888-8888-888888888888">
          <CodeRef targetGUID="22222222-2222-2222-2222-222222222222"/></Coding>
        <NoteRef targetGUID="99999999-9999-9999-9999-999999999999"/>
      </PlainTextSelection>
      <PlainTextSelection guid="aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa" startPosition="0"
          endPosition="2"/>
    </TextSource>
    <TextSource guid="bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb" name="inline">
      <PlainTextContent>金正恩氏</PlainTextContent>
      <PlainTextSelection guid="cccccccc-cccc-cccc-cccc-cccccccccccc" startPosition="0"
          endPosition="3"><Coding guid="dddddddd-dddd-dddd-dddd-dddddddddddd">
          <CodeRef targetGUID="22222222-2222-2222-2222-222222222222"/></Coding>
      </PlainTextSelection>
    </TextSource>
    <PDFSource guid="eeeeeeee-eeee-eeee-eeee-eeeeeeeeeeee" name="report.pdf"/>
  </Sources>
  <Notes>
    <Note guid="99999999-9999-9999-9999-999999999999" name="n"><PlainTextContent>check</PlainTextContent></Note>
    <Note guid="ffffffff-ffff-ffff-ffff-ffffffffffff" name="project memo"><PlainTextContent>x</PlainTextContent></Note>
  </Notes>
</Project>
"""
#: A Windows text with a BOM and \r\n: after the BOM, Putin starts at 9 counting \r\n as
#: two characters, at 7 counting it as one.
SOURCE = "\ufeff😀𠮷\r\nKim\r\nPutin spoke.".encode()


def write_qdpx(path: Path, xml: str, source: bytes = SOURCE) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.qde", xml)
        archive.writestr("sources/55555555-5555-5555-5555-555555555555.txt", source)
    return path


@pytest.mark.parametrize("origin, start", [("MAXQDA 2022", 9), ("ATLAS.ti 23", 7)])
def test_reads_other_tools_files(origin: str, start: int, fresh: Project, tmp_path: Path) -> None:
    path = write_qdpx(tmp_path / "study.qdpx",
                      FOREIGN.format(origin=origin, start=start, end=start + 5))
    assert rq.sniff(path, path.read_bytes()[:65536])
    report = import_module_file(fresh, rq, path, ImportOptions(annotator="me"))
    assert report.not_kept == {rq.NOT_KEPT_UNCODED: 1,
                               rq.NOT_KEPT_SOURCE.format(kind="PDFSource"): 1,
                               rq.NOT_KEPT_PART.format(kind="cases"): 1, rq.NOT_KEPT_NOTE: 1}
    texts = {d.name: fresh.text(d.id) for d in fresh.documents()}
    assert texts == {"interview.txt": "😀𠮷\nKim\nPutin spoke.", "inline": "金正恩氏"}
    got = sorted((texts[fresh.document(s.document_id).name][s.start:s.end], s.label, s.annotator,
                  s.note, s.created_at if s.annotator == "Aiko" else "now") for s in fresh.spans())
    assert got == [
        ("Putin", "actor", "Aiko", "memo in the selection\ncheck", "2024-03-01T01:00:00.000Z"),
        ("Putin", "actor/leader", "Aiko", "memo in the selection\ncheck",
         "2024-03-01T01:00:00.000Z"),
        ("金正恩", "actor", "me", None, "now")]
    assert next(s for s in fresh.spans() if s.label == "actor/leader").id == "6" * 32


@pytest.mark.parametrize("xml, line, reason", [
    (FOREIGN.format(origin="x", start=9, end=99), 13, r"selection \[9, 99\) is outside its text, which has 21 characters"),
    (FOREIGN.format(origin="x", start=9, end=5), 13, "is reversed"),
    (FOREIGN.format(origin="x", start=10, end=15).replace(
        'targetGUID="33333333-3333-3333-3333-333333333333"', 'targetGUID="00000000-0000-0000-0000-000000000000"'),
     17, "refers to code '00000000-0000-0000-0000-000000000000'"),
    (FOREIGN.format(origin="x", start=10, end=15).replace("</Sources>", "</Source>"), 34,
     "not well-formed XML"),
])
def test_refusals_name_the_line(xml: str, line: int, reason: str, filled: Project,
                                tmp_path: Path) -> None:
    path = write_qdpx(tmp_path / "bad.qdpx", xml)
    before = span_set(filled), len(filled.documents())
    with pytest.raises(DataError, match=reason) as caught:
        import_module_file(filled, rq, path)
    assert caught.value.path == f"{path}:project.qde" and caught.value.line == line
    assert (span_set(filled), len(filled.documents())) == before


def test_not_a_project(fresh: Project, tmp_path: Path) -> None:
    text = tmp_path / "a.qdpx"
    text.write_text("北朝鮮")
    with pytest.raises(DataError, match="is a zip file"):
        import_module_file(fresh, rq, text)
    other = tmp_path / "other.zip"
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("readme.txt", "x")
    with pytest.raises(DataError, match="holds no project.qde"):
        import_module_file(fresh, rq, other)
    assert not rq.sniff(other, other.read_bytes()) and not rq.sniff(text, text.read_bytes())
    assert fresh.documents() == []


def test_awkward_notes_and_names_survive(project: Project, fresh: Project, tmp_path: Path) -> None:
    doc, _ = project.add_document('a "b" <c> & d.txt', "Kim\tmet\nPutin & <Xi>.", who="t")
    project.add_span(doc.id, 0, 9, "actor", 'Aiko "A" <x>', note='line 1\nline "2" & <3>\ttab')
    project.add_span(doc.id, 10, 21, "claim", "ken", note="bell \x07 here")
    out = tmp_path / "x.qdpx"
    report = rq.export(project, out, ExportFilter(), ExportOptions(), None)
    assert report.notes == ["1 note(s) held control characters XML cannot carry; each was "
                            "written as U+FFFD"]
    ET.fromstring(zipfile.ZipFile(out).read("project.qde"))  # well-formed
    import_module_file(fresh, rq, out)
    assert [d.name for d in fresh.documents()] == ['a "b" <c> & d.txt']
    assert sorted((s.start, s.end, s.annotator, s.note) for s in fresh.spans()) == [
        (0, 9, 'Aiko "A" <x>', 'line 1\nline "2" & <3>\ttab'),
        (10, 21, "ken", "bell \ufffd here")]


def test_code_hierarchy_both_ways(project: Project, fresh: Project, tmp_path: Path) -> None:
    """A label ``A/B`` is the code ``B`` nested in ``A`` (not codable when there is no label
    ``A``); reading nests back into ``A/B``."""
    for name in ("actor/leader", "stance/pro", "stance/contra", "a//b"):
        project.add_label(Label(name, "#123456", None, f"about {name}"), who="t")
    doc, _ = project.add_document("d.txt", "😀𠮷 Kim met Putin.", who="t")
    for start, end, label in ((3, 6, "actor"), (3, 6, "actor/leader"), (11, 16, "stance/pro"),
                              (11, 16, "stance/contra"), (7, 10, "a//b")):
        project.add_span(doc.id, start, end, label, "hana")
    out = tmp_path / "x.qdpx"
    rq.export(project, out, ExportFilter(), ExportOptions(), None)
    root = ET.fromstring(zipfile.ZipFile(out).read("project.qde"))
    codes = root.find(Q + "CodeBook").find(Q + "Codes")

    def shape(element: ET.Element) -> list[tuple]:
        return [(c.get("name"), c.get("isCodable"), shape(c)) for c in element.findall(Q + "Code")]
    tree = {name: (codable, children) for name, codable, children in shape(codes)}
    assert tree["actor"] == ("true", [("leader", "true", [])])
    assert tree["stance"] == ("false", [("pro", "true", []), ("contra", "true", [])])
    assert tree["a//b"] == ("true", [])  # an empty part: one code, not a path
    [actor] = [c for c in codes.findall(Q + "Code") if c.get("name") == "actor"]
    leader = actor.find(Q + "Code")
    assert leader.find(Q + "Description").text == "about actor/leader"
    import_module_file(fresh, rq, out)
    assert span_set(fresh) == span_set(project)
