"""Merging colleagues' work: JSONL exports and project files, matched by SHA-256, all or nothing."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from pathlib import Path

import pytest
from review_work import TEXTS, WORK, colleague_export, colleague_project, new_project, where

from annotator.domain.errors import DataError
from annotator.services.review.colleagues import merge_work
from annotator.store import Project


def _spans(path: Path) -> set[tuple[str, int, int, str, str]]:
    with Project.open(path) as project:
        names = {d.id: d.name for d in project.documents()}
        return {(names[s.document_id], s.start, s.end, s.label, s.annotator)
                for s in project.spans()}


def _expected(*annotators: str) -> set[tuple[str, int, int, str, str]]:
    return {(doc, *where(doc, surface), label, name)
            for name in annotators for doc, surface, label in WORK[name]}


def test_exports_and_a_project_file_merge_with_their_annotators(tmp_path: Path) -> None:
    main = new_project(tmp_path / "main.annotator")
    (tmp_path / "carol").mkdir()
    files = [colleague_export(tmp_path, "alice"), colleague_export(tmp_path, "bob"),
             colleague_project(tmp_path / "carol", "carol")]
    with Project.open(main) as project:
        report = merge_work(project, files, who="reviewer")
    assert report.documents_added == []
    assert report.spans_added == sum(len(WORK[n]) for n in ("alice", "bob", "carol"))
    assert _spans(main) == _expected("alice", "bob", "carol")


def test_merging_the_same_work_twice_adds_nothing(tmp_path: Path, snapshot) -> None:
    main = new_project(tmp_path / "main.annotator")
    files = [colleague_export(tmp_path, "alice"), colleague_project(tmp_path, "bob")]
    with Project.open(main) as project:
        merge_work(project, files, who="reviewer")
    before = snapshot(main, history=False)
    with Project.open(main) as project:
        report = merge_work(project, files, who="reviewer")
    assert report.spans_added == 0
    assert report.spans_skipped == len(WORK["alice"]) + len(WORK["bob"])
    assert snapshot(main, history=False) == before


def test_span_ids_and_times_are_kept(tmp_path: Path) -> None:
    main = new_project(tmp_path / "main.annotator")
    source = colleague_project(tmp_path, "bob")
    with Project.open(source) as project:
        first = project.spans()[0]
        project.update_span(first.id, who="bob", note="see p. 2", value={"value": 4000})
        theirs = {s.id: s for s in project.spans()}
    with Project.open(main) as project:
        merge_work(project, [source], who="reviewer")
        ours = {s.id: s for s in project.spans()}
    assert ours.keys() == theirs.keys()
    for span_id, span in theirs.items():
        assert replace(ours[span_id], document_id=span.document_id) == span  # every field kept
    assert ours[first.id].value == {"value": 4000} and ours[first.id].note == "see p. 2"


def test_the_project_file_is_only_read(tmp_path: Path) -> None:
    main = new_project(tmp_path / "main.annotator")
    (tmp_path / "in").mkdir()
    source = colleague_project(tmp_path / "in", "bob")
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    listing = sorted(p.name for p in source.parent.iterdir())
    with Project.open(main) as project:
        merge_work(project, [source], who="reviewer")
    assert hashlib.sha256(source.read_bytes()).hexdigest() == digest
    assert sorted(p.name for p in source.parent.iterdir()) == listing


@pytest.mark.parametrize("kind", ["jsonl", "project"])
def test_an_unmatched_document_is_named_and_nothing_is_merged(
        tmp_path: Path, snapshot, kind: str) -> None:
    main = new_project(tmp_path / "main.annotator")
    extra = {"stranger.txt": "𠮷田氏は知らない文書です。"}
    good = colleague_export(tmp_path, "alice")
    folder = tmp_path / "bob"
    folder.mkdir()
    bad = (colleague_export if kind == "jsonl" else colleague_project)(folder, "bob", extra)
    before = snapshot(main)
    with Project.open(main) as project, pytest.raises(DataError) as caught:
        merge_work(project, [good, bad], who="reviewer")
    message = str(caught.value)
    assert "'stranger.txt'" in message and "nothing was merged" in message
    assert "one.txt" not in message
    assert snapshot(main) == before


def test_every_unmatched_document_is_listed(tmp_path: Path) -> None:
    main = new_project(tmp_path / "main.annotator", {"one.txt": TEXTS["one.txt"]})
    work = colleague_export(tmp_path, "alice", {"three.txt": "三つ目の文書。"})
    with Project.open(main) as project, pytest.raises(DataError) as caught:
        merge_work(project, [work], who="reviewer")
    assert "2 document(s)" in str(caught.value)
    assert "'two.txt'" in str(caught.value) and "'three.txt'" in str(caught.value)


def test_a_span_without_annotator_needs_one(tmp_path: Path) -> None:
    main = new_project(tmp_path / "main.annotator")
    start, end = where("two.txt", "プーチン")
    work = tmp_path / "hand.jsonl"
    work.write_text(json.dumps({"text": TEXTS["two.txt"], "spans": [
        {"start": start, "end": end, "label": "actor"}]}, ensure_ascii=False) + "\n",
        encoding="utf-8")
    with Project.open(main) as project:
        with pytest.raises(DataError, match="names no annotator"):
            merge_work(project, [work], who="reviewer")
        assert project.spans() == []
        merge_work(project, [work], who="reviewer", annotator="dave")
        assert [(s.annotator, s.start) for s in project.spans()] == [("dave", start)]


def test_unknown_labels_are_refused_unless_added(tmp_path: Path) -> None:
    main = new_project(tmp_path / "main.annotator")
    work = tmp_path / "labels.jsonl"
    work.write_text(json.dumps({"text": TEXTS["two.txt"], "spans": [
        {"start": 2, "end": 6, "label": "PERSON", "annotator": "eve"}]}) + "\n",
        encoding="utf-8")
    with Project.open(main) as project:
        with pytest.raises(DataError, match="unknown label"):
            merge_work(project, [work], who="reviewer")
        report = merge_work(project, [work], who="reviewer", add_labels=True)
        assert report.labels_added == ["PERSON"]


def test_other_files_are_refused(tmp_path: Path) -> None:
    main = new_project(tmp_path / "main.annotator")
    other = tmp_path / "notes.txt"
    other.write_text("hello", encoding="utf-8")
    with Project.open(main) as project:
        with pytest.raises(DataError, match="not a native JSONL export"):
            merge_work(project, [other], who="reviewer")
        with pytest.raises(DataError, match="no such file"):
            merge_work(project, [tmp_path / "missing.jsonl"], who="reviewer")
