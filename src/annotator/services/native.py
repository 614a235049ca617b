"""The project's own JSONL format: one document per line.

    {"id", "name", "names", "text", "sha256", "offset_unit": "codepoint",
     "spans": [{"id", "start", "end", "label", "text", "annotator",
                "created_at", "updated_at", "note", "value", "attributes": {...}}],
     "relations": [{"id", "head", "tail", "label", "annotator", "note",
                    "created_at", "updated_at"}],
     "meta"}

Offsets are code points of ``text``, end-exclusive. On export every key is present on every span
and relation (``null`` when empty; ``attributes`` ``{}`` and ``relations`` ``[]`` when there are
none) with stable types, so Prodigy reads it as is and Hugging Face ``datasets`` with the
features :func:`datasets_features` declares. A relation's ``head`` and ``tail`` are ids of spans
of the same record; its ``label`` is the relation type. On import only ``text`` is required per
record, ``start``, ``end`` and ``label`` per span, and ``head``, ``tail`` and ``label`` per
relation.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from annotator.domain.errors import DataError
from annotator.domain.relations import Relation, relation_record
from annotator.domain.spans import Span
from annotator.domain.text import (
    BOM,
    canonical_offset,
    canonicalise,
    removed_positions,
    sha256_text,
)

OFFSET_UNIT = "codepoint"
#: How much of a file format sniffers see (``sniff(path, head)``).
HEAD_BYTES = 65536
SPAN_KEYS = ("id", "start", "end", "label", "text", "annotator", "created_at", "updated_at", "note",
             "value", "attributes")
RELATION_KEYS = ("id", "head", "tail", "label", "annotator", "note", "created_at", "updated_at")
_STR_OR_NONE = (str, type(None))
RECORD_KEYS = ("id", "name", "names", "text", "sha256", "offset_unit", "spans", "relations",
               "meta")
#: Keys an exported record may lack (files written before ``names`` and ``relations`` existed).
OPTIONAL_RECORD_KEYS = ("names", "relations")
#: Keys a span of an older export may lack (before attributes existed).
OPTIONAL_SPAN_KEYS = ("attributes",)


@dataclass(slots=True)
class ParsedSpan:
    """A span read from a record, with offsets already mapped to the canonical text."""

    start: int
    end: int
    label: str
    line: int
    id: str | None = None
    annotator: str | None = None
    created_at: str | None = None
    updated_at: str | None = None
    note: str | None = None
    value: dict[str, Any] | None = None
    #: The values of the attributes its label declares (``{}`` when none).
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class ParsedRelation:
    """A relation read from a record: ``head`` and ``tail`` are ids of spans of the same record
    (``ParsedSpan.id``), ``label`` the relation type's name."""

    head: str
    tail: str
    label: str
    line: int
    id: str | None = None
    annotator: str | None = None
    note: str | None = None
    created_at: str | None = None
    updated_at: str | None = None


@dataclass
class ParsedRecord:
    """One document read from a JSONL line (``text`` canonical)."""

    text: str
    sha256: str
    line: int
    name: str | None = None
    uid: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    spans: list[ParsedSpan] = field(default_factory=list)
    #: Further names of the same text (a native record's ``names``), kept as document names.
    names: list[str] = field(default_factory=list)
    #: Relations between spans of this record.
    relations: list[ParsedRelation] = field(default_factory=list)
    #: ``text`` as UTF-8 when the reader has it already (hashing it needed it), so that
    #: writing the document does not encode it again; None: not at hand.
    data: bytes | None = None


def _optional_str(value: Any, what: str, path: str, line: int) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise DataError(f"{what} must be a string or null, got {type(value).__name__}",
                        path=path, line=line)
    return value


def _parse_span(raw: Any, index: int, text: str, removed: list[int], path: str, line: int) -> ParsedSpan:
    """One span of a record, every rule checked, the first one broken named (the slow path of
    :func:`_parse_spans`)."""
    where = f"span {index}"
    if not isinstance(raw, dict):
        raise DataError(f"{where} is not an object", path=path, line=line)
    start, end, label = raw.get("start"), raw.get("end"), raw.get("label")
    if type(start) is not int or type(end) is not int:
        raise DataError(f"{where}: start and end must be whole numbers, got {start!r} and {end!r}",
                        path=path, line=line)
    if start < 0 or end > len(text):
        raise DataError(f"{where} [{start}, {end}) is outside the text, which has {len(text)} "
                        f"characters", path=path, line=line)
    if start >= end:
        raise DataError(f"{where} [{start}, {end}) is {'empty' if start == end else 'reversed'}",
                        path=path, line=line)
    if not isinstance(label, str) or not label:
        raise DataError(f"{where}: label must be a non-empty string, got {label!r}",
                        path=path, line=line)
    expected = raw.get("text")
    if expected is not None and expected != text[start:end]:
        raise DataError(f"{where} [{start}, {end}): its text {expected!r} differs from the "
                        f"document's {text[start:end]!r}", path=path, line=line)
    span_id = raw.get("id")
    if span_id is not None and not isinstance(span_id, (str, int)) or isinstance(span_id, bool):
        raise DataError(f"{where}: id must be a string", path=path, line=line)
    value = raw.get("value")
    if value is not None and not isinstance(value, dict):
        raise DataError(f"{where}: value must be an object or null", path=path, line=line)
    attributes = raw.get("attributes")
    if attributes is not None:
        problem = attributes_problem(attributes)
        if problem is not None:
            raise DataError(f"{where}: {problem}", path=path, line=line)
    canonical_start = canonical_offset(start, removed)
    canonical_end = canonical_offset(end, removed)
    if canonical_start == canonical_end:
        raise DataError(f"{where} [{start}, {end}) covers nothing of the stored text: only a "
                        f"leading BOM or the \\r of a \\r\\n, which import removes",
                        path=path, line=line)
    return ParsedSpan(
        start=canonical_start,
        end=canonical_end,
        label=label,
        line=line,
        id=None if span_id is None else str(span_id),
        annotator=_optional_str(raw.get("annotator"), f"{where}: annotator", path, line),
        created_at=_optional_str(raw.get("created_at"), f"{where}: created_at", path, line),
        updated_at=_optional_str(raw.get("updated_at"), f"{where}: updated_at", path, line),
        note=_optional_str(raw.get("note"), f"{where}: note", path, line),
        value=value,
        attributes=attributes or {},
    )


def _parse_spans(spans: list[Any], text: str, removed: list[int], path: str, line: int
                 ) -> list[ParsedSpan]:
    """The spans of a record. A well-formed span (what an export holds) is taken on a fast
    path here, its offsets mapped when the text had something removed (``removed``); every
    other span goes through :func:`_parse_span`, which names what is wrong."""
    length = len(text)
    parsed: list[ParsedSpan] = []
    append = parsed.append
    span_type, str_or_none = ParsedSpan, _STR_OR_NONE
    for index, raw in enumerate(spans):
        if type(raw) is dict:
            get = raw.get
            start, end, label = get("start"), get("end"), get("label")
            if (type(start) is int and type(end) is int and 0 <= start < end <= length
                    and type(label) is str and label):
                expected, span_id, annotator = get("text"), get("id"), get("annotator")
                created, updated, note, value = (get("created_at"), get("updated_at"),
                                                 get("note"), get("value"))
                attributes = get("attributes")
                if ((expected is None or expected == text[start:end])
                        and type(span_id) in str_or_none and type(annotator) in str_or_none
                        and type(created) in str_or_none and type(updated) in str_or_none
                        and type(note) in str_or_none and (value is None or type(value) is dict)
                        and (attributes is None or (type(attributes) is dict and (
                            not attributes or _plain_attributes(attributes))))):
                    if removed:
                        start = canonical_offset(start, removed)
                        end = canonical_offset(end, removed)
                    if start < end:  # (else the slow path says it covers nothing)
                        append(span_type(start, end, label, line, span_id, annotator, created,
                                         updated, note, value, attributes or {}))
                        continue
        append(_parse_span(raw, index, text, removed, path, line))
    return parsed


def _plain_attributes(attributes: dict[Any, Any]) -> bool:
    """Whether every name is a non-empty string and every value a string or a boolean."""
    for name, value in attributes.items():
        if type(name) is not str or not name or (type(value) is not str
                                                  and type(value) is not bool):
            return False
    return True


def attributes_problem(attributes: Any) -> str | None:
    """Why a span's ``attributes`` is not an object of names to texts or yes/no values (None
    when it is; whether the label declares them is the project's to say)."""
    if not isinstance(attributes, dict):
        return f"attributes must be an object, got {type(attributes).__name__}"
    for name, value in attributes.items():
        if not name:
            return "attributes: an attribute name is empty"
        if type(value) is not str and type(value) is not bool:
            shown = "null" if value is None else type(value).__name__
            return (f"attributes: the value of {name!r} must be a text or true/false, got "
                    f"{shown}")
    return None


def _parse_relation(raw: Any, index: int, span_ids: set[str], path: str, line: int
                    ) -> ParsedRelation:
    where = f"relation {index}"
    if type(raw) is not dict:
        raise DataError(f"{where} is not an object", path=path, line=line)
    get = raw.get
    head, tail, label = get("head"), get("tail"), get("label")
    for end, value in (("head", head), ("tail", tail)):
        if type(value) is int and not isinstance(value, bool):
            value = str(value)
        if type(value) is not str or not value:
            raise DataError(f"{where}: {end} must be the id of a span of this record, got "
                            f"{value!r}", path=path, line=line)
        if value not in span_ids:
            raise DataError(f"{where}: its {end} {value!r} is not the id of a span of this "
                            f"record", path=path, line=line)
    if type(label) is not str or not label:
        raise DataError(f"{where}: label (the relation type) must be a non-empty string, got "
                        f"{label!r}", path=path, line=line)
    relation_id = get("id")
    if relation_id is not None and (type(relation_id) is not str or not relation_id):
        raise DataError(f"{where}: id must be a non-empty string", path=path, line=line)
    return ParsedRelation(
        head=str(head), tail=str(tail), label=label, line=line, id=relation_id,
        annotator=_optional_str(get("annotator"), f"{where}: annotator", path, line),
        note=_optional_str(get("note"), f"{where}: note", path, line),
        created_at=_optional_str(get("created_at"), f"{where}: created_at", path, line),
        updated_at=_optional_str(get("updated_at"), f"{where}: updated_at", path, line),
    )


def parse_record(raw: Any, path: str, line: int) -> ParsedRecord:
    """Check one decoded JSON value as a native record; raise :class:`DataError` naming the line."""
    if not isinstance(raw, dict):
        raise DataError("a record must be a JSON object", path=path, line=line)
    text = raw.get("text")
    if not isinstance(text, str):
        raise DataError("the record has no \"text\" string", path=path, line=line)
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:
        raise DataError("the text contains an unpaired surrogate (\\ud800-\\udfff escape)",
                        path=path, line=line) from None
    unit = raw.get("offset_unit", OFFSET_UNIT)
    if unit != OFFSET_UNIT:
        raise DataError(f"offset_unit {unit!r} is not supported (only {OFFSET_UNIT!r})",
                        path=path, line=line)
    if ("\r" in text or "\u2028" in text or "\u2029" in text) or text.startswith(BOM):
        canonical = canonicalise(text)
        canonical_data = canonical.encode("utf-8")
        sha = hashlib.sha256(canonical_data).hexdigest()
        removed = removed_positions(text)
    else:  # already canonical (most texts): nothing to replace or map
        canonical, canonical_data, removed = text, data, []
        sha = hashlib.sha256(data).hexdigest()
    given_sha = raw.get("sha256")
    if given_sha is not None and (not isinstance(given_sha, str) or (
            given_sha != sha and (canonical is text or given_sha != sha256_text(text)))):
        raise DataError(f"sha256 {given_sha!r} does not match the record's text ({sha})",
                        path=path, line=line)
    meta = raw.get("meta") or {}
    if not isinstance(meta, dict):
        raise DataError("meta must be an object", path=path, line=line)
    spans = raw.get("spans") or []
    if not isinstance(spans, list):
        raise DataError("spans must be a list", path=path, line=line)
    if "spans" not in raw:
        for key, fmt in (("label", "doccano"), ("entities", "doccano"),
                         ("annotations", "labelstudio")):
            if key in raw:
                raise DataError(f"the record has {key!r} and no \"spans\": it looks like a "
                                f"{fmt} record, not the native format (import it with --format "
                                f"{fmt})", path=path, line=line)
    names = raw.get("names") or []
    if type(names) is not list or not all(type(n) is str and n for n in names):
        raise DataError("names must be a list of non-empty strings", path=path, line=line)
    relations = raw.get("relations")
    if relations is None:
        relations = []
    elif type(relations) is not list:
        raise DataError("relations must be a list", path=path, line=line)
    uid = raw.get("id")
    parsed = _parse_spans(spans, text, removed, path, line)
    links: list[ParsedRelation] = []
    if relations:
        span_ids = {span.id for span in parsed if span.id is not None}
        if len(span_ids) != sum(span.id is not None for span in parsed):
            raise DataError("two spans of the record have one id, so its relations cannot "
                            "say which span they link", path=path, line=line)
        links = [_parse_relation(r, i, span_ids, path, line) for i, r in enumerate(relations)]
    return ParsedRecord(
        text=canonical,
        sha256=sha,
        line=line,
        name=_optional_str(raw.get("name"), "name", path, line),
        uid=None if uid is None else str(uid),
        meta=meta,
        spans=parsed,
        names=names,
        relations=links,
        data=canonical_data,
    )


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def load_json_line(line: str, path: str, number: int) -> Any:
    """One JSON value from one line, or :class:`DataError` naming the line: not JSON, nested
    too deeply for the parser (``[[[[...`` 100,000 deep), or a number too long to convert."""
    try:
        return json.loads(line)
    except json.JSONDecodeError as exc:
        raise DataError(f"not valid JSON ({exc.msg} at column {exc.colno})",
                        path=path, line=number) from None
    except RecursionError:
        raise DataError("the JSON is nested too deeply to read (arrays or objects inside "
                        "each other thousands of levels deep)", path=path, line=number) from None
    except ValueError as exc:  # e.g. an integer of more than 4300 digits
        raise DataError(f"not usable JSON ({exc})", path=path, line=number) from None


def read_records(lines: Iterable[str] | Iterable[tuple[int, str]], path: str
                 ) -> Iterator[ParsedRecord]:
    """Parse JSONL lines (blank lines skipped) into records, raising on the first bad line.

    ``lines`` are strings (numbered from 1) or ``(number, line)`` pairs as
    :func:`annotator.services.decoding.iter_utf8_lines` reads them one at a time."""
    for number, line in _numbered(lines):
        if not line.strip():
            continue
        raw = load_json_line(line, path, number)
        if _SURROGATE_ESCAPE.search(line):  # a \ud800-\udfff escape; fine only in pairs
            try:
                json.dumps(raw, ensure_ascii=False).encode("utf-8")
            except UnicodeEncodeError:
                raise DataError("the record contains an unpaired surrogate (\\ud800-\\udfff "
                                "escape), which cannot be stored", path=path, line=number) from None
        yield parse_record(raw, path, number)


def _numbered(lines: Iterable[str] | Iterable[tuple[int, str]]) -> Iterator[tuple[int, str]]:
    for number, item in enumerate(lines, start=1):
        if type(item) is tuple:
            yield item
        else:
            yield number, item  # type: ignore[misc]


def first_json_line(head: bytes) -> Any:
    """The first non-blank line of ``head`` decoded as JSON, or None when it is not complete
    in ``head`` or not JSON (format sniffers: they never read more than the head)."""
    complete = len(head) < HEAD_BYTES  # the head is the whole file
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    pieces = head.split(b"\n")
    for raw in pieces if complete else pieces[:-1]:
        if not raw.strip():
            continue
        try:
            return json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            return None
    return None


def sniff(path: Any, head: bytes) -> bool:
    """Whether a file is native JSONL: its first line is an object with a ``text`` string and
    ``spans`` (or no key another format uses: ``label``, ``entities``, ``data``)."""
    record = first_json_line(head)
    if not isinstance(record, dict) or not isinstance(record.get("text"), str):
        return False
    return "spans" in record or not any(k in record for k in ("label", "entities", "data",
                                                                "annotations"))


def check_span_range(start: Any, end: Any, length: int, where: str, path: str, line: int) -> None:
    """Refuse a span that is not ``0 <= start < end <= length`` with whole numbers, saying
    which it is (:class:`DataError` with the file and line)."""
    if type(start) is not int or type(end) is not int:
        raise DataError(f"{where}: start and end must be whole numbers, got {start!r} and "
                        f"{end!r}", path=path, line=line)
    if start > end:
        raise DataError(f"{where}: start {start} is after end {end}", path=path, line=line)
    if start == end:
        raise DataError(f"{where} [{start}, {end}) is empty", path=path, line=line)
    if start < 0 or end > length:
        raise DataError(f"{where} [{start}, {end}) is outside the text, which has {length} "
                        f"characters", path=path, line=line)


def build_record(text: str, spans: Iterable[ParsedSpan], *, path: str, line: int,
                 name: str | None = None, uid: str | None = None,
                 meta: dict[str, Any] | None = None,
                 relations: Iterable[ParsedRelation] = ()) -> ParsedRecord:
    """A record from another format: ``text`` as the file has it, ``spans`` with code-point
    offsets into it already checked (:func:`check_span_range`); the text is canonicalised and
    the offsets mapped onto it (a span covering only a removed BOM or ``\r`` is refused).
    ``relations`` link spans by their ``id``; one whose span the format could not keep is
    counted by the import as not kept."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise DataError("the text contains an unpaired surrogate", path=path, line=line) from None
    removed = removed_positions(text)
    canonical = canonicalise(text)
    kept: list[ParsedSpan] = []
    for span in spans:
        if removed:
            span.start = canonical_offset(span.start, removed)
            span.end = canonical_offset(span.end, removed)
            if span.start >= span.end:
                raise DataError(f"span [{span.start}, {span.end}) covers only a leading BOM or "
                                f"the \\r of a \\r\\n, which import removes", path=path,
                                line=span.line)
        kept.append(span)
    return ParsedRecord(text=canonical, sha256=sha256_text(canonical), line=line, name=name,
                        uid=uid, meta=meta or {}, spans=kept, relations=list(relations))


def span_record(span: Span, text: str) -> dict[str, Any]:
    """A span as exported: every key, null when empty."""
    return {
        "id": span.id,
        "start": span.start,
        "end": span.end,
        "label": span.label,
        "text": text[span.start : span.end],
        "annotator": span.annotator,
        "created_at": span.created_at,
        "updated_at": span.updated_at,
        "note": span.note,
        "value": span.value,
        "attributes": span.attributes,
    }


def span_record_from_row(row: tuple[Any, ...], text: str) -> dict[str, Any]:
    """:func:`span_record` of a row from ``Project.span_rows`` (no :class:`Span` built)."""
    return {
        "id": row[0],
        "start": row[2],
        "end": row[3],
        "label": row[4],
        "text": text[row[2] : row[3]],
        "annotator": row[5],
        "created_at": row[7],
        "updated_at": row[8],
        "note": row[6],
        "value": None if row[9] is None else json.loads(row[9]),
        "attributes": {} if len(row) < 11 or row[10] is None else json.loads(row[10]),
    }


def document_record(
    uid: str, name: str, text: str, sha256: str, spans: list[Span], meta: dict[str, Any],
    names: list[str] | None = None, relations: list[Relation] | None = None,
) -> dict[str, Any]:
    """A document, its spans and its relations as one native record (``names``: the further
    names the document's text was imported under; ``names`` and ``relations`` always
    present, ``[]`` when none)."""
    return {
        "id": uid,
        "name": name,
        "names": names or [],
        "text": text,
        "sha256": sha256,
        "offset_unit": OFFSET_UNIT,
        "spans": [span_record(span, text) for span in spans],
        "relations": [relation_record(relation) for relation in relations or ()],
        "meta": meta,
    }


def datasets_features() -> dict[str, Any]:
    """The features of a native record for Hugging Face ``datasets``, as
    ``datasets.Features.from_dict`` takes them, so that ``load_dataset("json",
    data_files=FILE, features=Features.from_dict(datasets_features()))`` types every column
    wherever relations, notes, values and attribute values first appear in the file.

    Without declared features ``datasets`` infers a JSON file's types from its first block: a
    ``relations`` list empty there, or an attribute first set later, fails the load. A span's
    ``value`` and ``attributes`` and the record's ``meta`` are JSON objects whose keys vary, so
    they are declared ``Json`` (datasets 5: each comes back as the object it was)."""
    def value(dtype: str) -> dict[str, Any]:
        return {"dtype": dtype, "_type": "Value"}

    def listed(inner: Any) -> dict[str, Any]:
        return {"feature": inner, "_type": "List"}

    string, json_object = value("string"), {"_type": "Json"}
    span = {"id": string, "start": value("int64"), "end": value("int64"), "label": string,
            "text": string, "annotator": string, "created_at": string, "updated_at": string,
            "note": string, "value": json_object, "attributes": json_object}
    relation = {key: string for key in RELATION_KEYS}
    return {"id": string, "name": string, "names": listed(string), "text": string,
            "sha256": string, "offset_unit": string, "spans": listed(span),
            "relations": listed(relation), "meta": json_object}
