"""The JSON Schema and the semantic validator, on good and deliberately broken records."""

from __future__ import annotations

import copy
import io
import json
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from annotator.services.exporting import export
from annotator.services.validation import check_records, record_problems, validate_file
from annotator.store import Project
from annotator.domain.errors import DataError

TEXT = "𠮷野家で\U0001F600牛丼を3杯"


def schema() -> dict[str, Any]:
    return json.loads(resources.files("annotator").joinpath("schemas/native.schema.json")
                      .read_text(encoding="utf-8"))


@pytest.fixture
def record(project: Project) -> dict[str, Any]:
    doc, _ = project.add_document("a.txt", TEXT, who="t")
    project.add_span(doc.id, 0, 3, "actor", "alice")
    project.add_span(doc.id, 5, 7, "weapon", "bob", note="n")
    out = io.StringIO()
    export(project, stream=out)
    return json.loads(out.getvalue())


def test_good_record_passes_both(record: dict[str, Any]) -> None:
    jsonschema.Draft202012Validator.check_schema(schema())
    jsonschema.validate(record, schema())
    assert record_problems(record, {"actor", "weapon"}) == []


BROKEN = {
    "missing-key": (lambda r: r.pop("meta"), True, "missing key"),
    "extra-key": (lambda r: r.update(extra=1), True, "unexpected key"),
    "bad-sha": (lambda r: r.update(sha256="0" * 64), False, "is not the SHA-256"),
    "unit": (lambda r: r.update(offset_unit="utf16"), True, "offset_unit"),
    "past-end": (lambda r: r["spans"][0].update(end=99), False, "not inside the text"),
    "empty": (lambda r: r["spans"][0].update(end=0), True, "not inside the text"),
    "text": (lambda r: r["spans"][0].update(text="吉野"), False, "differs from text"),
    "start-type": (lambda r: r["spans"][0].update(start="0"), True, "start must be int"),
    "note-missing": (lambda r: r["spans"][0].pop("note"), True, "keys must be exactly"),
    "note-type": (lambda r: r["spans"][0].update(note=3), True, "note must be a string"),
    "dup-id": (lambda r: r["spans"][1].update(id=r["spans"][0]["id"]), False, "used twice"),
    "label": (lambda r: r["spans"][0].update(label="place"), False, "not in the project"),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_broken_records(record: dict[str, Any], case: str) -> None:
    breaker, schema_catches, message = BROKEN[case]
    broken = copy.deepcopy(record)
    breaker(broken)
    problems = record_problems(broken, {"actor", "weapon"})
    assert any(message in p for p in problems), problems
    errors = list(jsonschema.Draft202012Validator(schema()).iter_errors(broken))
    assert bool(errors) == schema_catches


def test_check_records_and_validate_file(record: dict[str, Any], tmp_path: Path) -> None:
    bad = copy.deepcopy(record)
    bad["spans"][0]["end"] = 99
    with pytest.raises(DataError, match=r"out.jsonl:2: span 0"):
        check_records([record, bad], None, "out.jsonl")
    path = tmp_path / "out.jsonl"
    path.write_text(json.dumps(record) + "\n" + json.dumps(bad) + "\n{oops\n", encoding="utf-8")
    problems = validate_file(path)
    assert [line for line, _ in problems] == [2, 3]
    assert "not valid JSON" in problems[1][1]
