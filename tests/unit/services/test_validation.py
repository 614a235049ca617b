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
from annotator.services.validation import (
    Definitions,
    check_records,
    record_problems,
    validate_file,
)
from annotator.store import Project
from annotator.domain.errors import DataError

TEXT = "𠮷野家で\U0001F600牛丼を3杯"


def schema() -> dict[str, Any]:
    return json.loads(resources.files("annotator").joinpath("schemas/native.schema.json")
                      .read_text(encoding="utf-8"))


@pytest.fixture
def record(project: Project) -> dict[str, Any]:
    doc, _ = project.add_document("a.txt", TEXT, who="t")
    actor = project.add_span(doc.id, 0, 3, "actor", "alice")
    project.add_span(doc.id, 5, 7, "weapon", "bob", note="n")
    number = project.add_span(doc.id, 8, 10, "number", "alice")
    project.add_relation(number.id, actor.id, "quantifies")
    out = io.StringIO()
    export(project, stream=out)
    return json.loads(out.getvalue())


def test_good_record_passes_both(record: dict[str, Any]) -> None:
    jsonschema.Draft202012Validator.check_schema(schema())
    jsonschema.validate(record, schema())
    assert record_problems(record, {"actor", "weapon", "number"}) == []
    assert record["relations"][0]["label"] == "quantifies"


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
    "attributes-type": (lambda r: r["spans"][0].update(attributes=[]), True,
                        "attributes must be an object"),
    "attribute-value": (lambda r: r["spans"][0].update(attributes={"kind": 3}), True,
                        "must be a text or true/false"),
    "relations-type": (lambda r: r.update(relations={}), True, "relations is not a list"),
    "relation-key": (lambda r: r["relations"][0].pop("note"), True, "keys must be exactly"),
    "relation-end": (lambda r: r["relations"][0].update(tail="gone"), False,
                     "its tail 'gone' is not the id of a span of this record"),
    "relation-self": (lambda r: r["relations"][0].update(tail=r["relations"][0]["head"]),
                      False, "links a span to itself"),
    "relation-layer": (lambda r: r["relations"][0].update(annotator="bob"), False,
                       "one layer for all three"),
    "relation-dup-id": (lambda r: r["relations"].append(dict(r["relations"][0], tail=r["spans"][2]["id"])),
                        False, "used twice"),
    "relation-label": (lambda r: r["relations"][0].update(label="cites"), False,
                       "relation type 'cites' is not in the project"),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_broken_records(record: dict[str, Any], case: str) -> None:
    breaker, schema_catches, message = BROKEN[case]
    broken = copy.deepcopy(record)
    breaker(broken)
    problems = record_problems(broken, {"actor", "weapon", "number"},
                               relation_types={"quantifies"})
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


def test_records_of_older_exports_stay_valid(record: dict[str, Any]) -> None:
    """Files written before relations and attributes existed: no ``relations``, spans
    without ``attributes``."""
    old = copy.deepcopy(record)
    del old["relations"]
    for span in old["spans"]:
        del span["attributes"]
    assert record_problems(old, {"actor", "weapon", "number"}) == []
    jsonschema.validate(old, schema())


def test_project_definitions(project: Project, record: dict[str, Any]) -> None:
    """Against a project: the relation type must allow the labels at its ends, attributes
    must be declared by the span's label with valid values."""
    definitions = Definitions.of(project)
    assert record_problems(record, definitions=definitions) == []
    reversed_ = copy.deepcopy(record)
    relation = reversed_["relations"][0]
    relation["head"], relation["tail"] = relation["tail"], relation["head"]
    assert any("does not allow a 'actor' span at its head" in p
               for p in record_problems(reversed_, definitions=definitions))
    undeclared = copy.deepcopy(record)
    undeclared["spans"][0]["attributes"] = {"stance": "reported"}
    assert record_problems(undeclared, definitions=definitions) == [
        "span 0: label 'actor' declares no attribute 'stance' (it declares: none)"]
    claim = copy.deepcopy(record)
    claim["spans"][0]["label"] = "claim"
    claim["spans"][0]["attributes"] = {"stance": "maybe"}
    claim["relations"] = []
    assert [p for p in record_problems(claim, definitions=definitions)] == [
        "span 0: 'maybe' is not a value of attribute claim.stance (one of: asserted, "
        "reported, denied, speculated)"]


def test_validate_command_names_file_and_line(tmp_path: Path, record: dict[str, Any],
                                              capsys: pytest.CaptureFixture[str]) -> None:
    from annotator.cli import main

    project_path = tmp_path / "other.annotator"  # a project of its own, never opened twice
    Project.open(project_path).close()
    bad = copy.deepcopy(record)
    bad["relations"][0]["tail"] = "gone"
    bad_attribute = copy.deepcopy(record)
    bad_attribute["spans"][0]["attributes"] = {"stance": "reported"}
    path = tmp_path / "out.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n"
                            for r in (record, bad, bad_attribute)), encoding="utf-8")
    assert main(["validate", "--db", str(project_path), str(path)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err == [f"annotator: error: {path}:2: relation 0: its tail 'gone' is not the id of "
                   f"a span of this record"]
    assert main(["validate", "--db", str(project_path), "--check-labels", str(path)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[1] == (f"annotator: error: {path}:3: span 0: label 'actor' declares no "
                      f"attribute 'stance' (it declares: none)")
    path.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    assert main(["validate", "--db", str(project_path), "--check-labels", str(path)]) == 0
