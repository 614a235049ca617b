"""Number values on number spans: the stored shape, the seed texts, hand corrections, filling in."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annotator.domain.commands import Compound, CreateSpan, UpdateSpan
from annotator.domain.undo import UndoStack
from annotator.services.japanese import find_numbers
from annotator.services.japanese.number_values import (
    VALUE_KEYS, check_value, fill_values, number_label, parse_value, spans_missing_values,
)
from annotator.store import Project
from ja_project import WHO, make_project
from ja_seeds import SEED_000, SEED_003, seed


@pytest.mark.parametrize(("text", "expected"), [
    ("100万発", {"value": 1_000_000, "unit": "発", "approx": False, "bound": None}),
    ("約4,000人", {"value": 4000, "unit": "人", "approx": True, "markers": ["約"]}),
    ("最大 3 万人", {"value": 30000, "unit": "人", "bound": "upper", "inclusive": True}),
    ("2400マイル", {"value": 2400, "unit": "マイル"}),
    ("1万人を超える", {"value": 10000, "bound": "lower", "inclusive": False}),
    ("3〜4万人", {"value": None, "low": 30000, "high": 40000}),
    ("2023年9月12日", {"kind": "date", "value": None, "iso": "2023-09-12"}),
    ("1.5倍", {"value": 1.5, "unit": "倍"}),
    ("なし", {"value": None, "unit": None, "kind": "quantity"}),
])
def test_the_stored_shape(text: str, expected: dict[str, object]) -> None:
    value = parse_value(text)
    assert tuple(value) == VALUE_KEYS
    assert {k: value[k] for k in expected} == expected
    assert value["manual"] is False
    assert json.loads(json.dumps(value)) == value
    assert value["value"] is None or type(value["value"]) is (float if text == "1.5倍" else int)


@pytest.mark.parametrize("name", [SEED_000, SEED_003])
def test_every_number_of_the_seed_texts_gets_a_value(name: str) -> None:
    text = seed(name)
    for match in find_numbers(text):
        value = parse_value(text[match.start:match.end])
        v = match.value
        assert (value["kind"], value["value"], value["unit"], value["approx"], value["bound"], value["iso"]) == (
            v.kind, v.value, v.unit, v.approx, v.bound, v.iso)
        assert value["markers"] == list(v.markers)


def test_check_value_fills_and_refuses() -> None:
    assert check_value({"value": 5.0}) == {**parse_value("なし"), "value": 5}
    assert check_value({"value": 3, "bound": None, "inclusive": True})["inclusive"] is None
    for bad in ([], {"value": "5"}, {"value": True}, {"value": float("nan")}, {"kind": "weight"},
                {"bound": "over"}, {"approx": 1}, {"markers": "約"}, {"colour": "red"}):
        with pytest.raises(ValueError):
            check_value(bad)


def test_number_label_is_a_project_setting(tmp_path: Path) -> None:
    with Project.open(tmp_path / "p.annotator") as project:
        assert number_label(project) == "number"
        project.set_setting("numbers.label", "quantity", who=WHO)
        assert number_label(project) == "quantity"


def test_fill_values_on_every_seed_number_then_correct_by_hand_and_undo(tmp_path: Path) -> None:
    path = make_project(tmp_path / "p.annotator")
    with Project.open(path) as project:
        stack = UndoStack(project)
        expected = {}
        for doc in project.documents():
            text = project.text(doc.id)
            children = [CreateSpan(doc.id, m.start, m.end, "number", WHO) for m in find_numbers(text)]
            stack.push(Compound(children))
            expected.update({c.span_id: m for c, m in zip(children, find_numbers(text), strict=True)})
        assert len(spans_missing_values(project)) == len(expected) > 100
        filled = fill_values(project, who=WHO)
        assert len(filled) == len(expected) and spans_missing_values(project) == []
        for span in project.spans(labels=["number"]):
            m = expected[span.id]
            assert span.value is not None
            assert (span.value["value"], span.value["unit"], span.value["approx"], span.value["bound"]) == (
                m.value.value, m.value.unit, m.value.approx, m.value.bound)
        target = next(s for s in project.spans(labels=["number"]) if project.text(s.document_id)[s.start:s.end] == "約4,000人")
        hand = {**target.value, "value": 4500, "manual": True}
        stack.push(UpdateSpan(target.id, WHO, {"value": check_value(hand)}))
        assert fill_values(project, who=WHO) == []  # a value set by hand is never overwritten
        with Project.open(path) as other:
            assert other.span(target.id).value["value"] == 4500
        stack.undo()
        with Project.open(path) as other:
            assert other.span(target.id).value == target.value
