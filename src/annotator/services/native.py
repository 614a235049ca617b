"""The project's own JSONL format: one document per line.

    {"id", "name", "text", "sha256", "offset_unit": "codepoint",
     "spans": [{"id", "start", "end", "label", "text", "annotator",
                "created_at", "updated_at", "note", "value"}],
     "meta"}

Offsets are code points of ``text``, end-exclusive. On export every key is present on every span
(``null`` when empty) with stable types, so Hugging Face ``datasets`` and Prodigy read it as is.
On import only ``text`` is required per record, and ``start``, ``end`` and ``label`` per span.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from annotator.domain.errors import DataError
from annotator.domain.spans import Span
from annotator.domain.text import canonical_offset, canonicalise, removed_positions, sha256_text

OFFSET_UNIT = "codepoint"
#: How much of a file format sniffers see (``sniff(path, head)``).
HEAD_BYTES = 65536
SPAN_KEYS = ("id", "start", "end", "label", "text", "annotator", "created_at", "updated_at", "note",
             "value")
_STR_OR_NONE = (str, type(None))
RECORD_KEYS = ("id", "name", "names", "text", "sha256", "offset_unit", "spans", "meta")
#: Keys an exported record may lack (files written before ``names`` existed).
OPTIONAL_RECORD_KEYS = ("names",)


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


def _optional_str(value: Any, what: str, path: str, line: int) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise DataError(f"{what} must be a string or null, got {type(value).__name__}",
                        path=path, line=line)
    return value


def _parse_span(raw: Any, index: int, text: str, removed: list[int], path: str, line: int) -> ParsedSpan:
    # Fast path for a well-formed span (what an export holds); anything else takes the slow
    # path below, which finds the problem and names it.
    if type(raw) is dict:
        get = raw.get
        start, end, label = get("start"), get("end"), get("label")
        if (type(start) is int and type(end) is int and 0 <= start < end <= len(text)
                and type(label) is str and label):
            expected, span_id, annotator = get("text"), get("id"), get("annotator")
            created, updated, note, value = (get("created_at"), get("updated_at"), get("note"),
                                             get("value"))
            if ((expected is None or expected == text[start:end])
                    and type(span_id) in _STR_OR_NONE and type(annotator) in _STR_OR_NONE
                    and type(created) in _STR_OR_NONE and type(updated) in _STR_OR_NONE
                    and type(note) in _STR_OR_NONE and (value is None or type(value) is dict)):
                if removed:
                    start, end = canonical_offset(start, removed), canonical_offset(end, removed)
                if start < end:
                    return ParsedSpan(start, end, label, line, span_id, annotator, created,
                                      updated, note, value)
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
    )


def parse_record(raw: Any, path: str, line: int) -> ParsedRecord:
    """Check one decoded JSON value as a native record; raise :class:`DataError` naming the line."""
    if not isinstance(raw, dict):
        raise DataError("a record must be a JSON object", path=path, line=line)
    text = raw.get("text")
    if not isinstance(text, str):
        raise DataError("the record has no \"text\" string", path=path, line=line)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise DataError("the text contains an unpaired surrogate (\\ud800-\\udfff escape)",
                        path=path, line=line) from None
    unit = raw.get("offset_unit", OFFSET_UNIT)
    if unit != OFFSET_UNIT:
        raise DataError(f"offset_unit {unit!r} is not supported (only {OFFSET_UNIT!r})",
                        path=path, line=line)
    canonical = canonicalise(text)
    sha = sha256_text(canonical)
    given_sha = raw.get("sha256")
    if given_sha is not None and (not isinstance(given_sha, str)
                                  or given_sha not in {sha, sha256_text(text)}):
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
    removed = removed_positions(text)
    uid = raw.get("id")
    return ParsedRecord(
        text=canonical,
        sha256=sha,
        line=line,
        name=_optional_str(raw.get("name"), "name", path, line),
        uid=None if uid is None else str(uid),
        meta=meta,
        spans=[_parse_span(s, i, text, removed, path, line) for i, s in enumerate(spans)],
        names=names,
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
                 meta: dict[str, Any] | None = None) -> ParsedRecord:
    """A record from another format: ``text`` as the file has it, ``spans`` with code-point
    offsets into it already checked (:func:`check_span_range`); the text is canonicalised and
    the offsets mapped onto it (a span covering only a removed BOM or ``\r`` is refused)."""
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
                        uid=uid, meta=meta or {}, spans=kept)


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
    }


def document_record(
    uid: str, name: str, text: str, sha256: str, spans: list[Span], meta: dict[str, Any],
    names: list[str] | None = None,
) -> dict[str, Any]:
    """A document and its spans as one native record (``names``: the further names the
    document's text was imported under; always present, ``[]`` when none)."""
    return {
        "id": uid,
        "name": name,
        "names": names or [],
        "text": text,
        "sha256": sha256,
        "offset_unit": OFFSET_UNIT,
        "spans": [span_record(span, text) for span in spans],
        "meta": meta,
    }
