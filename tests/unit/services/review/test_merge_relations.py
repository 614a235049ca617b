"""Merging brings a colleague's relations and attribute values along with their spans."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from review_work import colleague_project, new_project, where

from annotator.domain.errors import DataError
from annotator.domain.relations import Attribute, RelationType
from annotator.services.exporting import export
from annotator.services.review.colleagues import merge_work
from annotator.store import Project


def _with_relations(path: Path, name: str) -> Path:
    """Give ``name``'s project (from ``colleague_project``) a claim 東京で会談した attributed to
    the source 東京 and involving the actor 金正恩, with attribute values on the claim and the
    source."""
    with Project.open(path) as project:
        ids = {d.name: d.id for d in project.documents()}
        doc = ids["one.txt"]
        claim = project.add_span(doc, *where("one.txt", "東京で会談した"), "claim", name)
        spans = {(s.start, s.end): s for s in project.spans(doc, annotators=[name])}
        source = spans[where("one.txt", "東京")]
        actor = spans[where("one.txt", "金正恩")]
        project.set_span_attribute(claim.id, "stance", "reported", who=name)
        project.set_span_attribute(source.id, "kind", "government", who=name)
        project.add_relation(claim.id, source.id, "attributed_to", note="会見")
        project.add_relation(claim.id, actor.id, "involves")
    return path


def _relations(path: Path) -> list[tuple[str, str, str, str, str | None]]:
    with Project.open(path) as project:
        text = {d.id: project.text(d.id) for d in project.documents()}
        spans = {s.id: s for s in project.spans()}
        out = []
        for r in project.relations():
            head, tail = spans[r.head], spans[r.tail]
            out.append((text[head.document_id][head.start:head.end],
                        text[tail.document_id][tail.start:tail.end], r.type, r.annotator,
                        r.note))
        return sorted(out, key=str)


def _attributes(path: Path) -> dict[tuple[int, int, str], dict]:
    with Project.open(path) as project:
        return {(s.start, s.end, s.annotator): s.attributes for s in project.spans()
                if s.attributes}


EXPECTED = [("東京で会談した", "東京", "attributed_to", "alice", "会見"),
            ("東京で会談した", "金正恩", "involves", "alice", None)]


@pytest.mark.parametrize("kind", ["project file", "jsonl"])
def test_relations_and_attributes_come_along(tmp_path: Path, kind: str) -> None:
    main = new_project(tmp_path / "main.annotator")
    source = _with_relations(colleague_project(tmp_path, "alice"), "alice")
    if kind == "jsonl":
        with Project.open(source) as project:
            export(project, "jsonl", output=tmp_path / "alice.jsonl")
        source = tmp_path / "alice.jsonl"
    with Project.open(main) as project:
        report = merge_work(project, [source], who="reviewer")
    assert report.relations_added == 2
    assert _relations(main) == EXPECTED
    assert _attributes(main) == {
        (*where("one.txt", "東京で会談した"), "alice"): {"stance": "reported"},
        (*where("one.txt", "東京"), "alice"): {"kind": "government"}}
    # the same work again adds nothing
    with Project.open(main) as project:
        again = merge_work(project, [source], who="reviewer")
    assert (again.spans_added, again.relations_added, again.relations_skipped) == (0, 0, 2)
    assert _relations(main) == EXPECTED


def test_relation_to_a_span_this_project_has_goes_to_that_span(tmp_path: Path) -> None:
    """alice's 金正恩 is already in the main project (an earlier merge of her spans): the
    relation's tail is the project's span, not a second one."""
    main = new_project(tmp_path / "main.annotator")
    (tmp_path / "early").mkdir()
    plain = colleague_project(tmp_path / "early", "alice")
    with Project.open(main) as project:
        merge_work(project, [plain], who="reviewer")
        spans_before = len(project.spans())
    source = _with_relations(colleague_project(tmp_path, "alice"), "alice")
    with Project.open(main) as project:
        report = merge_work(project, [source], who="reviewer")
        assert report.spans_added == 1  # only the claim is new
        assert len(project.spans()) == spans_before + 1
    assert _relations(main) == EXPECTED


def test_unknown_relation_type_is_refused_unless_added(tmp_path: Path, snapshot) -> None:
    main = new_project(tmp_path / "main.annotator")
    source = colleague_project(tmp_path, "alice")
    cites = RelationType("cites", "#123456", "9", "Who cites whom.", ("actor",),
                         ("actor", "source"))
    certainty = Attribute("actor", "certainty", "choice", ("low", "high"), "How sure.")
    with Project.open(source) as project:
        project.add_relation_type(cites, who="alice")
        project.add_label_attribute(certainty, who="alice")
        one = next(d.id for d in project.documents() if d.name == "one.txt")
        spans = {s.start: s for s in project.spans(one, annotators=["alice"])}
        head, tail = spans[where("one.txt", "北朝鮮")[0]], spans[where("one.txt", "金正恩")[0]]
        project.add_relation(head.id, tail.id, "cites")
        project.set_span_attribute(head.id, "certainty", "high", who="alice")
    before = snapshot(main)
    with Project.open(main) as project:
        with pytest.raises(DataError) as info:
            merge_work(project, [source], who="reviewer")
    assert "relation type 'cites'" in str(info.value)
    assert "nothing was merged" in str(info.value)
    assert snapshot(main) == before
    with Project.open(main) as project:
        project.add_relation_type(RelationType("other", "#000000", "9"), who="lead")
        report = merge_work(project, [source], who="reviewer", add_labels=True)
        assert report.relation_types_added == ["cites"]
        assert report.attributes_added == ["actor.certainty"]
        assert [r.type for r in project.relations()] == ["cites"]
        # as alice defined them (without the key, which this project uses already)
        assert project.relation_type("cites") == RelationType(
            "cites", "#123456", None, "Who cites whom.", ("actor",), ("actor", "source"))
        assert project.label_attribute("actor", "certainty") == certainty


def test_a_damaged_relation_in_a_project_file_is_named(tmp_path: Path, snapshot) -> None:
    main = new_project(tmp_path / "main.annotator")
    source = _with_relations(colleague_project(tmp_path, "alice"), "alice")
    conn = sqlite3.connect(source)
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute("UPDATE relations SET tail_id = 'nowhere' WHERE note = '会見'")
    conn.commit()
    conn.close()
    before = snapshot(main)
    with Project.open(main) as project:
        with pytest.raises(DataError) as info:
            merge_work(project, [source], who="reviewer")
    message = str(info.value)
    assert "relation " in message and "'attributed_to'" in message
    assert "its tail 'nowhere' is not a span of the file" in message
    assert "document 'one.txt'" in message and "nothing was merged" in message
    assert snapshot(main) == before


def test_a_bad_relation_in_jsonl_is_named_with_its_line(tmp_path: Path) -> None:
    main = new_project(tmp_path / "main.annotator")
    source = _with_relations(colleague_project(tmp_path, "alice"), "alice")
    out = tmp_path / "alice.jsonl"
    with Project.open(source) as project:
        export(project, "jsonl", output=out)
    lines = out.read_text(encoding="utf-8").splitlines()
    record = json.loads(lines[0])
    record["relations"][0]["created_at"] = "yesterday"
    lines[0] = json.dumps(record, ensure_ascii=False)
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with Project.open(main) as project:
        with pytest.raises(DataError) as info:
            merge_work(project, [out], who="reviewer")
        assert project.relations() == []
    assert info.value.line == 1 and "created_at 'yesterday'" in str(info.value)
