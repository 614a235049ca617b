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

Spans take the import's annotator (doccano's JSONL does not name one). In the ``entities``
shape each relation links the entities its ``from_id`` and ``to_id`` name (head and tail) with
its ``type`` as the relation type; a relation naming an entity the record does not hold is
refused with its line. What the project cannot hold is counted in the import's ``not_kept``:
document categories (text classification labels), comments. Other keys of a record are kept in
the document's ``meta``.

Export writes ``{"text", "label": [[start, end, label], ...]}`` with UTF-16 offsets, every
annotator's spans together; when the project has relations, every record takes the relation
shape instead, ``{"text", "entities": [{"id", "label", "start_offset", "end_offset"}],
"relations": [{"id", "from_id", "to_id", "type"}]}`` (entity and relation ids are numbers,
unique in the file, as doccano writes them), which doccano imports into a sequence-labelling
project with relations enabled. doccano drops overlapping spans on import unless the project
allows overlapping entities (a project setting). Span attributes, relation notes and ids have
no place in doccano's JSONL (the export says how many were not written).
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
from annotator.services.formats._common import documents_with_relations, new_span_id, note_dropped
from annotator.services.wording import counted
from annotator.services.native import (
    ParsedRecord,
    ParsedRelation,
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
    parsed: list[ParsedRelation] = []
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
        by_id: dict[Any, ParsedSpan] = {}
        for index, entity in enumerate(raw["entities"]):
            if not isinstance(entity, dict) or not isinstance(entity.get("label"), str) \
                    or not entity.get("label"):
                raise DataError(f"entity {index}: expected an object with \"label\", "
                                f"\"start_offset\" and \"end_offset\"", path=path, line=line)
            start, end = _to_codepoints(mapping, entity.get("start_offset"),
                                        entity.get("end_offset"), f"entity {index}", path, line)
            span = ParsedSpan(start, end, entity["label"], line, id=new_span_id(),
                              annotator=annotator)
            spans.append(span)
            if "id" in entity:
                if _key(entity["id"]) in by_id:
                    raise DataError(f"entity {index}: id {entity['id']!r} is used twice in the "
                                    f"record", path=path, line=line)
                by_id[_key(entity["id"])] = span
        relations = raw.get("relations") or []
        if not isinstance(relations, list):
            raise DataError("\"relations\" must be a list", path=path, line=line)
        for index, relation in enumerate(relations):
            parsed.append(_relation(relation, index, by_id, path, line, annotator))
    comments = raw.get("Comments", raw.get("comments")) or []
    _count(report, "doccano comments", len(comments) if isinstance(comments, list) else 1)
    meta = {key: value for key, value in raw.items() if key not in _OWN_KEYS}
    if "id" in raw:
        meta["doccano_id"] = raw["id"]
    record = build_record(text, spans, path=path, line=line, meta=meta)
    record.relations = parsed
    return record


def _key(value: Any) -> Any:
    """An entity id as a lookup key: ``3`` and ``"3"`` are the same entity."""
    return str(value) if isinstance(value, (int, str)) and not isinstance(value, bool) else value


def _relation(raw: Any, index: int, by_id: dict[Any, ParsedSpan], path: str, line: int,
              annotator: str | None) -> ParsedRelation:
    where = f"relation {index}"
    if not isinstance(raw, dict):
        raise DataError(f"{where} is not an object", path=path, line=line)
    kind = raw.get("type", raw.get("label"))
    if not isinstance(kind, str) or not kind:
        raise DataError(f"{where}: expected {{\"from_id\", \"to_id\", \"type\"}} with the "
                        f"relation type's name in \"type\"", path=path, line=line)
    ends = []
    for key in ("from_id", "to_id"):
        try:
            ends.append(by_id[_key(raw.get(key))])
        except (KeyError, TypeError):
            raise DataError(f"{where}: {key} {raw.get(key)!r} is not the id of an entity of "
                            f"the record", path=path, line=line) from None
    return ParsedRelation(ends[0].id or "", ends[1].id or "", kind, line, annotator=annotator)


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
            annotators: set[str] | None = None, notes: list[int] | None = None,
            relations: bool = False, dropped: dict[str, int] | None = None
            ) -> Iterator[dict[str, Any]]:
    """doccano records with UTF-16 offsets: ``{"text", "label": [[start, end, label], ...]}``,
    or with ``relations`` the relation shape ``{"text", "entities", "relations"}`` (module
    docstring). The annotators met are added to ``annotators``; ``notes`` counts what
    doccano's JSONL cannot hold: ``[span notes, spans with attribute values, relation
    notes]``; ``dropped`` the relations left out (:func:`documents_with_relations`)."""
    entity_id = relation_id = 0
    counts = notes if notes is not None else [0, 0, 0]
    while len(counts) < 3:
        counts.append(0)
    for _document, text, rows, _names, links in documents_with_relations(
            project, filters, progress, dropped):
        if annotators is not None:
            annotators.update(row[5] for row in rows)
        counts[0] += sum(1 for row in rows if row[6])
        counts[1] += sum(1 for row in rows if len(row) > 10 and row[10])
        if not relations:
            yield {"text": text,
                   "label": [[s, e, row[4]] for s, e, row in _utf16_spans(text, rows)]}
            continue
        entities = []
        numbers: dict[str, int] = {}
        for s, e, row in _utf16_spans(text, rows):
            entities.append({"id": entity_id, "label": row[4], "start_offset": s,
                             "end_offset": e})
            numbers[row[0]] = entity_id
            entity_id += 1
        out = []
        for link in links:
            out.append({"id": relation_id, "from_id": numbers[link.head],
                        "to_id": numbers[link.tail], "type": link.type})
            relation_id += 1
            counts[2] += bool(link.note)
        yield {"text": text, "entities": entities, "relations": out}


def _label_count(record: dict[str, Any]) -> int:
    return len(record["label"] if "label" in record else record["entities"])


def write(project: Any, out: IO[str], filters: Any, options: ExportOptions, progress: Any,
          report: Any) -> None:
    """Write the doccano JSONL of the selected documents to ``out``."""
    from annotator.services.exporting import write_jsonl

    report.notes.append("doccano offsets are UTF-16 code units, as the browser counts them; "
                        "doccano keeps overlapping spans only if its project allows overlapping "
                        "entities")
    annotators: set[str] = set()
    notes = [0, 0, 0]
    dropped: dict[str, int] = {}
    with_relations = bool(project.relation_counts())
    write_jsonl(records(project, filters, progress, annotators, notes, with_relations, dropped),
                out, report, _label_count)
    if with_relations:
        report.notes.append("the project has relations: records are in doccano's relation "
                            "shape (entities, relations)")
    if len(annotators) > 1:
        report.notes.append(f"doccano JSONL names no annotator: the spans of "
                            f"{len(annotators)} annotators ({', '.join(sorted(annotators))}) are "
                            f"written together (export one with --annotator NAME)")
    if notes[0]:
        report.notes.append(f"doccano JSONL holds no notes: {counted(notes[0], 'span note')} "
                            f"not written")
    if notes[1]:
        report.notes.append(f"doccano JSONL holds no span attributes: the values of "
                            f"{counted(notes[1], 'span')} not written")
    if notes[2]:
        report.notes.append(f"doccano JSONL holds no relation notes: "
                            f"{counted(notes[2], 'relation note')} not written")
    note_dropped(report, dropped, "relation")


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
