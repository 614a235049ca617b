"""Semantic validation of exported native records: what JSON Schema cannot say.

The schema (``annotator/schemas/native.schema.json``) checks shapes and types; this checks that
every span lies inside its text, that ``text[start:end]`` equals the span's ``text``, that
``sha256`` is the hash of ``text``, that labels are known, that every span has every key with
the same types (so Hugging Face ``datasets`` keeps a typed column), and that every relation
links two spans of its own record (ends that exist, two different spans, the relation in the
layer of both), of a known type when the types are given. With a project's definitions
(:class:`Definitions`) it also checks that each relation type exists and allows the labels at
its ends, and that each span's attributes are declared by its label with valid values. An
export checks its records as it builds them (``exporting.native_records``) and comes here only
for the message of one that fails.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from dataclasses import dataclass, field

from annotator.domain.errors import AnnotatorError, DataError
from annotator.domain.relations import Attribute, RelationType, relation_problem
from annotator.domain.text import sha256_text
from annotator.services.decoding import check_regular_file
from annotator.services.native import (
    OFFSET_UNIT,
    OPTIONAL_RECORD_KEYS,
    OPTIONAL_SPAN_KEYS,
    RECORD_KEYS,
    RELATION_KEYS,
    SPAN_KEYS,
    attributes_problem,
    load_json_line,
)

_SPAN_TYPES = {
    "id": str, "start": int, "end": int, "label": str, "text": str, "annotator": str,
    "created_at": str, "updated_at": str,
}


@dataclass
class Definitions:
    """What a project defines, to check records against: label names, relation types by name,
    and the attributes each label declares (``{label: {name: Attribute}}``)."""

    labels: set[str]
    relation_types: dict[str, RelationType] = field(default_factory=dict)
    attributes: dict[str, dict[str, Attribute]] = field(default_factory=dict)

    @classmethod
    def of(cls, project: Any) -> Definitions:
        """The definitions of an open :class:`annotator.store.Project`."""
        declared: dict[str, dict[str, Attribute]] = {}
        for attribute in project.label_attributes():
            declared.setdefault(attribute.label, {})[attribute.name] = attribute
        return cls({label.name for label in project.labels()},
                   {rt.name: rt for rt in project.relation_types()}, declared)


def record_problems(record: Any, labels: set[str] | None = None, *,
                    relation_types: set[str] | None = None,
                    definitions: Definitions | None = None) -> list[str]:
    """Every problem of one native record, as readable sentences (empty when it is valid).

    ``labels`` / ``relation_types``: the names spans and relations may use (None: any);
    ``definitions``: a project's labels, types and attributes, checked in full."""
    if definitions is not None:
        labels = definitions.labels
        relation_types = set(definitions.relation_types)
    if not isinstance(record, dict):
        return ["the record is not an object"]
    problems = []
    missing = [key for key in RECORD_KEYS if key not in record and key not in OPTIONAL_RECORD_KEYS]
    if missing:
        problems.append(f"missing {_keys(missing)}: " + ", ".join(missing))
    extra = [key for key in record if key not in RECORD_KEYS]
    if extra:
        problems.append(f"unexpected {_keys(extra)}: " + ", ".join(extra))
    names = record.get("names", [])
    if type(names) is not list or not all(type(n) is str and n for n in names):
        problems.append("names must be a list of non-empty strings")
    text = record.get("text")
    if not isinstance(text, str):
        return [*problems, "text is not a string"]
    if record.get("sha256") != sha256_text(text):
        problems.append(f"sha256 {record.get('sha256')!r} is not the SHA-256 of the text")
    if record.get("offset_unit") != OFFSET_UNIT:
        problems.append(f"offset_unit must be {OFFSET_UNIT!r}")
    spans = record.get("spans")
    if not isinstance(spans, list):
        return [*problems, "spans is not a list"]
    seen_ids: set[str] = set()
    for index, span in enumerate(spans):
        if not _valid_span(span, text, labels, seen_ids):
            problems.extend(f"span {index}: {p}"
                            for p in _span_problems(span, text, labels, seen_ids))
        elif definitions is not None and span["attributes"]:
            problems.extend(f"span {index}: {p}" for p in _attribute_problems(span, definitions))
    relations = record.get("relations", [])
    if not isinstance(relations, list):
        return [*problems, "relations is not a list"]
    if relations:
        ends = {span["id"]: span for span in spans
                if isinstance(span, dict) and isinstance(span.get("id"), str)}
        seen_relations: set[Any] = set()
        for index, relation in enumerate(relations):
            problems.extend(f"relation {index}: {p}" for p in _relation_problems(
                relation, ends, relation_types, definitions, seen_relations))
    return problems


def _attribute_problems(span: dict[str, Any], definitions: Definitions) -> list[str]:
    declared = definitions.attributes.get(span["label"], {})
    problems = []
    for name, value in span["attributes"].items():
        attribute = declared.get(name)
        if attribute is None:
            problems.append(f"label {span['label']!r} declares no attribute {name!r} (it "
                            f"declares: {', '.join(declared) or 'none'})")
            continue
        try:
            attribute.check_value(value)
        except AnnotatorError as exc:
            problems.append(str(exc))
    return problems


def _relation_problems(relation: Any, ends: dict[str, Any], types: set[str] | None,
                       definitions: Definitions | None, seen: set[Any]) -> list[str]:
    if not isinstance(relation, dict):
        return ["not an object"]
    problems = []
    if tuple(relation) != RELATION_KEYS:
        problems.append("keys must be exactly " + ", ".join(RELATION_KEYS) + " in that order")
    for key in ("id", "head", "tail", "label", "annotator", "created_at", "updated_at"):
        if type(relation.get(key)) is not str:
            problems.append(f"{key} must be str, got {type(relation.get(key)).__name__}")
    if relation.get("note") is not None and type(relation.get("note")) is not str:
        problems.append("note must be a string or null")
    if problems:
        return problems
    head, tail = ends.get(relation["head"]), ends.get(relation["tail"])
    for end, span in (("head", head), ("tail", tail)):
        if span is None:
            problems.append(f"its {end} {relation[end]!r} is not the id of a span of this record")
    if relation["head"] == relation["tail"]:
        problems.append("it links a span to itself")
    if relation["id"] in seen:
        problems.append(f"id {relation['id']!r} is used twice")
    seen.add(relation["id"])
    key = (relation["head"], relation["tail"], relation["label"])
    if key in seen:
        problems.append(f"a second {relation['label']!r} relation between the same two spans "
                        f"in the same direction")
    seen.add(key)
    if types is not None and relation["label"] not in types:
        problems.append(f"relation type {relation['label']!r} is not in the project (it has: "
                        f"{', '.join(sorted(types)) or 'none'})")
    if head is not None and tail is not None:
        layers = (head.get("annotator"), tail.get("annotator"), relation["annotator"])
        if not layers[0] == layers[1] == layers[2]:
            problems.append(f"it is in layer {layers[2]!r}; its spans are in {layers[0]!r} and "
                            f"{layers[1]!r} (one layer for all three)")
        rt = None if definitions is None else definitions.relation_types.get(relation["label"])
        if rt is not None:
            problem = relation_problem(rt, head.get("label"), tail.get("label"))
            if problem is not None:
                problems.append(problem)
    return problems


def _keys(names: list[str]) -> str:
    return "key" if len(names) == 1 else "keys"


def _bytes(data: bytes) -> str:
    return "byte" if len(data) == 1 else "bytes"


_OLD_SPAN_KEYS = tuple(key for key in SPAN_KEYS if key not in OPTIONAL_SPAN_KEYS)


def _valid_span(span: Any, text: str, labels: set[str] | None, seen: set[str]) -> bool:
    """The fast check of one span (the common case on export): True when it is valid."""
    if type(span) is not dict or tuple(span) != SPAN_KEYS:
        return False
    start, end, span_id, label = span["start"], span["end"], span["id"], span["label"]
    note, value, attributes = span["note"], span["value"], span["attributes"]
    if (type(start) is int and type(end) is int and type(span_id) is str and type(label) is str
            and type(span["text"]) is str and type(span["annotator"]) is str
            and type(span["created_at"]) is str and type(span["updated_at"]) is str
            and (note is None or type(note) is str) and (value is None or type(value) is dict)
            and type(attributes) is dict and attributes_problem(attributes) is None
            and 0 <= start < end <= len(text) and text[start:end] == span["text"]
            and (labels is None or label in labels) and span_id not in seen):
        seen.add(span_id)
        return True
    return False


def _span_problems(span: Any, text: str, labels: set[str] | None, seen: set[str]) -> list[str]:
    if not isinstance(span, dict):
        return ["not an object"]
    problems = []
    if tuple(span) != SPAN_KEYS and tuple(span) != _OLD_SPAN_KEYS:
        problems.append("keys must be exactly " + ", ".join(SPAN_KEYS) + " in that order")
    for key, kind in _SPAN_TYPES.items():
        value = span.get(key)
        if type(value) is not kind:
            problems.append(f"{key} must be {kind.__name__}, got {type(value).__name__}")
    if span.get("note") is not None and not isinstance(span.get("note"), str):
        problems.append("note must be a string or null")
    if span.get("value") is not None and not isinstance(span.get("value"), dict):
        problems.append("value must be an object or null")
    if "attributes" in span:
        problem = attributes_problem(span["attributes"])
        if problem is not None:
            problems.append(problem)
    if problems:
        return problems
    start, end = span["start"], span["end"]
    if not 0 <= start < end <= len(text):
        problems.append(f"[{start}, {end}) is not inside the text ({len(text)} characters)")
    elif text[start:end] != span["text"]:
        problems.append(f"text {span['text']!r} differs from text[{start}:{end}] "
                        f"{text[start:end]!r}")
    if labels is not None and span["label"] not in labels:
        problems.append(f"label {span['label']!r} is not in the project")
    if span["id"] in seen:
        problems.append(f"id {span['id']!r} is used twice")
    seen.add(span["id"])
    return problems


def check_records(records: Iterable[dict[str, Any]], labels: set[str] | None, path: str,
                  definitions: Definitions | None = None) -> None:
    """Raise :class:`DataError` at the first invalid record (line numbers count from 1)."""
    for line, record in enumerate(records, start=1):
        problems = record_problems(record, labels, definitions=definitions)
        if problems:
            raise DataError("; ".join(problems[:5]), path=path, line=line)


def validate_file(path: Path, labels: set[str] | None = None, *,
                  definitions: Definitions | None = None) -> list[tuple[int, str]]:
    """Validate a native JSONL file; returns ``(line, problem)`` pairs (empty when valid).

    ``definitions`` (a project's, :meth:`Definitions.of`): labels, relation types (which must
    exist and allow the labels at each end) and the attributes each label declares.

    The file must be a regular file (a FIFO or a device is refused before it is opened) of
    UTF-8 lines; a line that is not UTF-8 or not JSON is a problem of that line. A file that
    cannot be read at all raises :class:`DataError`."""
    check_regular_file(path)
    found: list[tuple[int, str]] = []
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise DataError(f"cannot read the file ({exc.strerror or exc})", path=str(path)) from None
    with handle:
        for line, chunk in enumerate(handle, start=1):
            if line == 1 and chunk.startswith(codecs.BOM_UTF8):
                chunk = chunk[len(codecs.BOM_UTF8):]
            problem = _line_problems(chunk, line, path, labels, definitions)
            found.extend((line, p) for p in problem)
    return found


def _line_problems(chunk: bytes, line: int, path: Path, labels: set[str] | None,
                   definitions: Definitions | None = None) -> list[str]:
    try:
        raw = chunk.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = chunk[exc.start:max(exc.end, exc.start + 1)]
        return [f"not valid UTF-8 ({_bytes(bad)} {bad.hex(' ')} at byte "
                f"{exc.start + 1} of the line: {exc.reason})"]
    if not raw.strip():
        return []
    try:
        record = load_json_line(raw, str(path), line)
    except DataError as exc:
        return [exc.reason]
    return record_problems(record, labels, definitions=definitions)
