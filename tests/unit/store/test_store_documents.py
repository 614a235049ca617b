"""Documents: canonicalised once, identified by SHA-256; re-adding the same text adds nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.domain.text import sha256_text
from annotator.store import Project


def test_text_is_canonicalised_and_hashed(project: Project) -> None:
    doc, created = project.add_document("a.txt", "\ufeff㍻\r\nか\u3099\rb\u2028c", who="t")
    assert created
    assert project.text(doc.id) == "㍻\nか\u3099\nb\nc"
    assert doc.sha256 == sha256_text("㍻\nか\u3099\nb\nc")
    assert doc.length == 8 and doc.status == "new" and doc.meta == {}
    assert doc.uid == doc.sha256[:16]


def test_same_text_again_changes_nothing(project: Project, project_path: Path, snapshot) -> None:
    first, _ = project.add_document("a.txt", "本文\n", who="t", meta={"k": 1})
    before = snapshot(project_path)
    again, created = project.add_document("other-name.txt", "\ufeff本文\r\n", who="u")
    assert not created and again == first
    assert snapshot(project_path) == before


def test_uid_collision_gets_a_suffix(project: Project) -> None:
    a, _ = project.add_document("a", "one", who="t", uid="doc")
    b, _ = project.add_document("b", "two", who="t", uid="doc")
    assert a.uid == "doc" and b.uid.startswith("doc-") and b.uid != a.uid


def test_status(project: Project) -> None:
    doc, _ = project.add_document("a", "text", who="t")
    assert project.set_document_status(doc.id, "in progress", who="t").status == "in progress"
    with pytest.raises(ValueError, match="status must be one of"):
        project.set_document_status(doc.id, "finished", who="t")
    assert [h.action for h in project.history(entity="document")] == ["add", "status"]


def test_missing_document(project: Project) -> None:
    with pytest.raises(KeyError):
        project.text(42)
    with pytest.raises(KeyError):
        project.document(42)
    assert project.document_by_sha256("0" * 64) is None
