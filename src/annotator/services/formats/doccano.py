"""doccano JSONL: sequence labelling, in and out. Offsets are UTF-16 code units.

doccano runs in the browser and counts offsets as JavaScript does, in UTF-16 code units
(checked with doccano 1.8: its own round trip and highlights agree with UTF-16 offsets). On a
text without astral characters (emoji, 𠮷, variation selectors U+E0100...) both units agree;
after one they differ by one per astral character, so every offset is converted, exactly: an
offset that falls between the two halves of a surrogate pair is refused, never rounded.

Import reads both shapes doccano writes, one record a line::

    {"text": "...", "label": [[start, end, "LABEL"], ...]}                 # sequence labelling
    {"text": "...", "entities": [{"id", "label", "start_offset", "end_offset"}],
     "relations": [{"id", "from_id", "to_id", "type"}]}                        # with relations

Spans take the import's annotator (doccano's JSONL does not name one). What the project cannot
hold is counted in the import's ``not_kept``: relations (until the project has relations),
document categories (text classification labels), comments. Other keys of a record are kept in
the document's ``meta``.

Export writes ``{"text", "label": [[start, end, label], ...]}`` with UTF-16 offsets, every
annotator's spans together. doccano drops overlapping spans on import unless the project
allows overlapping entities (a project setting).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from annotator.domain.errors import DataError
from annotator.domain.offsets import Utf16Map
from annotator.services.decoding import iter_utf8_lines
from annotator.services.formats import ExportOptions, ImportOptions
from annotator.services.wording import counted
from annotator.services.native import (
    ParsedRecord,
    ParsedSpan,
    build_record,
    check_span_range,
    first_json_line,
    load_json_line,
)

__all__ = ["export", "read", "sniff", "write"]

#: Keys of a doccano record that are not copied into the document's meta.
_OWN_KEYS = {"text", "label", "entities", "relations", "Comments", "comments", "id"}


def _shape(record: Any) -> str | None:
    """``"label"`` or ``"entities"`` when ``record`` is a doccano sequence-labelling record."""
    if not isinstance(record, dict) or not isinstance(record.get("text"), str):
        return None
    if "spans" in record or "offset_unit" in record:
        return None
    if isinstance(record.get("entities"), list):
        return "entities"
    label = record.get("label")
    if isinstance(label, list) and all(isinstance(item, (list, str)) for item in label):
        return "label"
    return None


def sniff(path: Path, head: bytes) -> bool:
    """A file whose first line is a doccano record (``text`` with ``label`` or ``entities``)."""
    if path.is_dir():
        return False
    return _shape(first_json_line(head)) is not None


def _count(report: Any, reason: str, n: int = 1) -> None:
    if n:
        report.not_kept[reason] = report.not_kept.get(reason, 0) + n


def _to_codepoints(mapping: Utf16Map, start: Any, end: Any, where: str, path: str,
                   line: int) -> tuple[int, int]:
    check_span_range(start, end, mapping.utf16_length, where + " (UTF-16 offsets)", path, line)
    for offset in (start, end):
        if mapping.is_inside_pair(offset):
            raise DataError(f"{where}: offset {offset} falls inside an astral character (between "
                            f"the two halves of its UTF-16 surrogate pair); doccano offsets are "
                            f"UTF-16 code units", path=path, line=line)
    return mapping.to_codepoint(start), mapping.to_codepoint(end)


def parse(raw: Any, path: str, line: int, report: Any, annotator: str | None) -> ParsedRecord:
    """One doccano record (a decoded JSON line) as a record with code-point offsets."""
    shape = _shape(raw)
    if shape is None:
        raise DataError("not a doccano sequence-labelling record: expected an object with a "
                        "\"text\" string and \"label\": [[start, end, label], ...] or "
                        "\"entities\": [{\"start_offset\", \"end_offset\", \"label\"}]",
                        path=path, line=line)
    text: str = raw["text"]
    mapping = Utf16Map(text)
    spans: list[ParsedSpan] = []
    if shape == "label":
        categories = 0
        for index, item in enumerate(raw["label"]):
            if isinstance(item, str):
                categories += 1
                continue
            if len(item) != 3 or not isinstance(item[2], str) or not item[2]:
                raise DataError(f"label {index}: expected [start, end, \"LABEL\"], got "
                                f"{item!r}", path=path, line=line)
            start, end = _to_codepoints(mapping, item[0], item[1], f"label {index}", path, line)
            spans.append(ParsedSpan(start, end, item[2], line, annotator=annotator))
        _count(report, "doccano document categories (text classification labels)", categories)
    else:
        for index, entity in enumerate(raw["entities"]):
            if not isinstance(entity, dict) or not isinstance(entity.get("label"), str) \
                    or not entity.get("label"):
                raise DataError(f"entity {index}: expected an object with \"label\", "
                                f"\"start_offset\" and \"end_offset\"", path=path, line=line)
            start, end = _to_codepoints(mapping, entity.get("start_offset"),
                                        entity.get("end_offset"), f"entity {index}", path, line)
            spans.append(ParsedSpan(start, end, entity["label"], line, annotator=annotator))
        relations = raw.get("relations") or []
        _count(report, "doccano relations (not imported yet)",
               len(relations) if isinstance(relations, list) else 1)
    comments = raw.get("Comments", raw.get("comments")) or []
    _count(report, "doccano comments", len(comments) if isinstance(comments, list) else 1)
    meta = {key: value for key, value in raw.items() if key not in _OWN_KEYS}
    if "id" in raw:
        meta["doccano_id"] = raw["id"]
    return build_record(text, spans, path=path, line=line, meta=meta)


def read(path: Path, options: ImportOptions, report: Any) -> Iterator[ParsedRecord]:
    """The records of a doccano JSONL file, one line at a time."""
    where = str(path)
    found = False
    for number, line in iter_utf8_lines(path, options.encoding):
        if not line.strip():
            continue
        found = True
        yield parse(load_json_line(line, where, number), where, number, report,
                    options.annotator)
    if not found:
        raise DataError("the file holds no doccano records", path=where)


def _utf16_spans(text: str, rows: list[Any]) -> Iterator[tuple[int, int, Any]]:
    mapping = Utf16Map(text)
    if not mapping.has_astral:
        for row in rows:
            yield row[2], row[3], row
        return
    units = text.encode("utf-16-le")
    for row in rows:
        start, end = mapping.to_utf16_range(row[2], row[3])
        if units[2 * start : 2 * end].decode("utf-16-le") != text[row[2] : row[3]]:
            raise DataError(f"UTF-16 conversion failed for span {row[0]}")
        yield start, end, row


def records(project: Any, filters: Any, progress: Any = None,
            annotators: set[str] | None = None, notes: list[int] | None = None
            ) -> Iterator[dict[str, Any]]:
    """doccano records ``{"text", "label": [[start, end, label], ...]}``, UTF-16 offsets.
    The annotators met are added to ``annotators``, the spans with a note counted in
    ``notes[0]`` (doccano's JSONL holds neither)."""
    from annotator.services.exporting import iter_chunks

    for _document, text, rows, _names in iter_chunks(project, filters, progress):
        if annotators is not None:
            annotators.update(row[5] for row in rows)
        if notes is not None:
            notes[0] += sum(1 for row in rows if row[6])
        yield {"text": text, "label": [[s, e, row[4]] for s, e, row in _utf16_spans(text, rows)]}


def _label_count(record: dict[str, Any]) -> int:
    return len(record["label"])


def write(project: Any, out: IO[str], filters: Any, options: ExportOptions, progress: Any,
          report: Any) -> None:
    """Write the doccano JSONL of the selected documents to ``out``."""
    from annotator.services.exporting import write_jsonl

    report.notes.append("doccano offsets are UTF-16 code units, as the browser counts them; "
                        "doccano keeps overlapping spans only if its project allows overlapping "
                        "entities")
    annotators: set[str] = set()
    notes = [0]
    write_jsonl(records(project, filters, progress, annotators, notes), out, report,
                _label_count)
    if len(annotators) > 1:
        report.notes.append(f"doccano JSONL names no annotator: the spans of "
                            f"{len(annotators)} annotators ({', '.join(sorted(annotators))}) are "
                            f"written together (export one with --annotator NAME)")
    if notes[0]:
        report.notes.append(f"doccano JSONL holds no notes: {counted(notes[0], 'span note')} "
                            f"not written")


def export(project: Any, output: Path | None, filters: Any, options: ExportOptions,
           progress: Any = None) -> Any:
    """Export to ``output`` atomically (standard output when None)."""
    from annotator.services.exporting import ExportReport, atomic_output

    report = ExportReport(format="doccano", path=None if output is None else str(output))
    if output is None:
        write(project, sys.stdout, filters, options, progress, report)
        return report
    with atomic_output(output, report) as handle:
        write(project, handle, filters, options, progress, report)
    return report
