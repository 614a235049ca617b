"""Semantic validation of exported native records: what JSON Schema cannot say.

The schema (``annotator/schemas/native.schema.json``) checks shapes and types; this checks that
every span lies inside its text, that ``text[start:end]`` equals the span's ``text``, that
``sha256`` is the hash of ``text``, that labels are known, and that every span has every key with
the same types (so Hugging Face ``datasets`` keeps a typed column). It runs on every export.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from annotator.domain.errors import DataError
from annotator.domain.text import sha256_text
from annotator.services.decoding import check_regular_file
from annotator.services.native import (
    OFFSET_UNIT,
    OPTIONAL_RECORD_KEYS,
    RECORD_KEYS,
    SPAN_KEYS,
    load_json_line,
)

_SPAN_TYPES = {
    "id": str, "start": int, "end": int, "label": str, "text": str, "annotator": str,
    "created_at": str, "updated_at": str,
}


def record_problems(record: Any, labels: set[str] | None = None) -> list[str]:
    """Every problem of one native record, as readable sentences (empty when it is valid)."""
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
    return problems


def _keys(names: list[str]) -> str:
    return "key" if len(names) == 1 else "keys"


def _bytes(data: bytes) -> str:
    return "byte" if len(data) == 1 else "bytes"


def _valid_span(span: Any, text: str, labels: set[str] | None, seen: set[str]) -> bool:
    """The fast check of one span (the common case on export): True when it is valid."""
    if type(span) is not dict or tuple(span) != SPAN_KEYS:
        return False
    start, end, span_id, label = span["start"], span["end"], span["id"], span["label"]
    note, value = span["note"], span["value"]
    if (type(start) is int and type(end) is int and type(span_id) is str and type(label) is str
            and type(span["text"]) is str and type(span["annotator"]) is str
            and type(span["created_at"]) is str and type(span["updated_at"]) is str
            and (note is None or type(note) is str) and (value is None or type(value) is dict)
            and 0 <= start < end <= len(text) and text[start:end] == span["text"]
            and (labels is None or label in labels) and span_id not in seen):
        seen.add(span_id)
        return True
    return False


def _span_problems(span: Any, text: str, labels: set[str] | None, seen: set[str]) -> list[str]:
    if not isinstance(span, dict):
        return ["not an object"]
    problems = []
    if list(span) != list(SPAN_KEYS):
        problems.append("keys must be exactly " + ", ".join(SPAN_KEYS) + " in that order")
    for key, kind in _SPAN_TYPES.items():
        value = span.get(key)
        if type(value) is not kind:
            problems.append(f"{key} must be {kind.__name__}, got {type(value).__name__}")
    if span.get("note") is not None and not isinstance(span.get("note"), str):
        problems.append("note must be a string or null")
    if span.get("value") is not None and not isinstance(span.get("value"), dict):
        problems.append("value must be an object or null")
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


def check_records(records: Iterable[dict[str, Any]], labels: set[str] | None, path: str) -> None:
    """Raise :class:`DataError` at the first invalid record (line numbers count from 1)."""
    for line, record in enumerate(records, start=1):
        problems = record_problems(record, labels)
        if problems:
            raise DataError("; ".join(problems[:5]), path=path, line=line)


def validate_file(path: Path, labels: set[str] | None = None) -> list[tuple[int, str]]:
    """Validate a native JSONL file; returns ``(line, problem)`` pairs (empty when valid).

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
            problem = _line_problems(chunk, line, path, labels)
            found.extend((line, p) for p in problem)
    return found


def _line_problems(chunk: bytes, line: int, path: Path, labels: set[str] | None) -> list[str]:
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
    return record_problems(record, labels)
