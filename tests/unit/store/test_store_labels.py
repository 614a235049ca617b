"""The project's label set: add, rename, recolour, re-key, describe, move, remove."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.domain.errors import LabelError
from annotator.domain.labels import DEFAULT_LABELS, Label
from annotator.store import Document, Project


def names(project: Project) -> list[str]:
    return [label.name for label in project.labels()]


def test_new_project_has_the_default_labels(project: Project) -> None:
    assert project.labels() == list(DEFAULT_LABELS)


def test_add_label(project: Project) -> None:
    project.add_label(Label("place", "#76b7b2", "6", "A place."), who="t")
    project.add_label(Label("date", "#edc948"), who="t", position=0)
    assert names(project) == ["date", "claim", "actor", "weapon", "number", "source", "place"]
    with pytest.raises(LabelError, match="defined twice"):
        project.add_label(Label("place", "#000000"), who="t")
    with pytest.raises(LabelError, match="already used by label 'claim'"):
        project.add_label(Label("other", "#000000", "1"), who="t")


def test_update_label(project: Project, document: Document) -> None:
    span = project.add_span(document.id, 0, 3, "actor", "alice")
    project.update_label("actor", who="t", new_name="agent", color="#123456", key="a",
                         description="Who acts.")
    assert project.label("agent") == Label("agent", "#123456", "a", "Who acts.")
    assert project.span(span.id).label == "agent"
    assert names(project)[1] == "agent"
    project.update_label("agent", who="t", key=None)
    assert project.label("agent").key is None
    with pytest.raises(LabelError, match="defined twice"):
        project.update_label("agent", who="t", new_name="claim")
    with pytest.raises(LabelError, match="already used"):
        project.update_label("claim", who="t", key="3")
    with pytest.raises(LabelError, match="unknown label"):
        project.update_label("nope", who="t", color="#000000")


def test_move_label(project: Project) -> None:
    project.move_label("source", 0, who="t")
    assert names(project) == ["source", "claim", "actor", "weapon", "number"]
    project.move_label("source", 99, who="t")
    assert names(project) == ["claim", "actor", "weapon", "number", "source"]


def test_remove_label(project: Project, document: Document, project_path: Path,
                      snapshot) -> None:
    project.remove_label("source", who="t")
    assert names(project) == ["claim", "actor", "weapon", "number"]
    project.add_span(document.id, 0, 3, "actor", "alice")
    project.add_span(document.id, 1, 3, "actor", "bob")
    before = snapshot(project_path)
    with pytest.raises(LabelError, match="used by 2 spans"):
        project.remove_label("actor", who="t")
    assert snapshot(project_path) == before
    removed = project.remove_label("actor", who="t", delete_spans=True)
    assert len(removed) == 2 and project.spans() == []
    assert names(project) == ["claim", "weapon", "number"]


def test_every_label_change_is_in_the_history(project: Project) -> None:
    project.add_label(Label("place", "#76b7b2"), who="t")
    project.update_label("place", who="t", color="#000000")
    project.move_label("place", 0, who="t")
    project.remove_label("place", who="t")
    assert [h.action for h in project.history(entity="label")] == [
        "add", "update", "move", "remove"]
