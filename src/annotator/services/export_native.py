"""The native JSONL export: records built and checked as they are read, written one a line.

Each record is built from the rows of one chunk (:func:`annotator.services.exporting.
iter_chunks_with_relations`) and checked as it is built, for what the project file's schema
does not guarantee (:meth:`_Checker.record`); orjson writes it, and only a record that may
hold a line separator (NEL, U+2028, U+2029) is scanned for one to escape.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import IO, Any

import orjson

from annotator.domain.errors import DataError
from annotator.services.exporting import (
    ExportFilter,
    ExportReport,
    Progress,
    dumps,
    dumps_bytes,
    iter_chunks_with_relations,
    write_jsonl,
)
from annotator.services.gc_pause import gc_paused
from annotator.services.native import OFFSET_UNIT
from annotator.services.wording import counted
from annotator.store import Document, Project

def _has_separator(value: str) -> bool:
    return "\x85" in value or "\u2028" in value or "\u2029" in value


def native_records(project: Project, filters: ExportFilter,
                   progress: Progress | None = None,
                   report: ExportReport | None = None) -> Iterator[dict[str, Any]]:
    """Native records, each checked as it is built (see :func:`_native_records`)."""
    for record, _separators in _native_records(project, filters, progress, report):
        yield record


class _Checker:
    """Builds a record from its rows (:meth:`record`) and counts the relations left out."""

    def __init__(self, project: Project) -> None:
        self.labels = {label.name for label in project.labels()}
        self.types = {rt.name for rt in project.relation_types()}
        self.left_out = 0

    def note(self, report: ExportReport | None) -> None:
        if self.left_out and report is not None:
            report.notes.append(f"{counted(self.left_out, 'relation')} left out: a span at "
                                f"one of {'its' if self.left_out == 1 else 'their'} ends is "
                                f"not selected (--label)")

    def fail(self, record: dict[str, Any]) -> DataError:
        from annotator.services.validation import record_problems  # a damaged file only

        problems = (record_problems(record, self.labels, relation_types=self.types)
                    or ["the record is not valid"])
        return DataError(f"document {record['name']!r} failed validation: {problems[0]}")

    def record(self, document: Document, text: str, rows: list[tuple[Any, ...]],
               names: list[str], relation_rows: list[tuple[Any, ...]]
               ) -> tuple[dict[str, Any], bool]:
        """A native record, checked as it is built, with whether it may hold a line separator
        (NEL, U+2028, U+2029) that :func:`dumps` must escape: a stored text holds neither
        U+2028 nor U+2029 (canonical), and names, labels and annotators hold none of the three
        (refused when they are made), so only a text's NEL, a note, a value and ``meta`` are
        looked at.

        What the project file's schema guarantees is not checked again (a span's ``start >=
        0`` and ``end > start``, its unique id, a label that exists through its join, text
        columns that are not NULL, a text whose SHA-256 was stored with it at import): the
        check is fused with building each span from its row (:func:`_spans`) and costs one
        comparison per span, ``end`` within the text, plus ``value`` and ``attributes`` being
        JSON objects; every
        relation's ends must be spans of the record in the relation's own layer, of a known
        type. A record that fails goes through
        :func:`annotator.services.validation.record_problems` for the message: a damaged file,
        never bad user data, so the export is refused rather than written wrong.

        Relations follow the annotator filter; one whose end the label filter leaves out is
        left out too (counted in :attr:`left_out`)."""
        spans, valid, separators = _spans(text, rows)
        separators = separators or _may_separate(document, text)
        relations = []
        layers = {row[0]: row[5] for row in rows} if relation_rows else {}
        for (relation_id, _doc, head, tail, kind, annotator, note, created,
             updated) in relation_rows:
            head_layer, tail_layer = layers.get(head), layers.get(tail)
            if head_layer is None or tail_layer is None:
                self.left_out += 1
                continue
            if not head_layer == tail_layer == annotator:
                valid = False
            if note is not None and _has_separator(note):
                separators = True
            relations.append({"id": relation_id, "head": head, "tail": tail, "label": kind,
                              "annotator": annotator, "note": note, "created_at": created,
                              "updated_at": updated})
        record = _record(document, text, names, spans, relations)
        if not valid or type(document.meta) is not dict:
            raise self.fail(record)
        return record, separators


def _spans(text: str, rows: list[tuple[Any, ...]]) -> tuple[list[dict[str, Any]], bool, bool]:
    """The spans of ``rows`` one by one (some have a value or attribute values), whether they
    are valid (``end`` within the text, value and attributes JSON objects) and whether a note
    or value holds a line separator."""
    loads = orjson.loads
    length = len(text)
    spans: list[dict[str, Any]] = []
    append = spans.append
    valid = True
    separators = False
    for (span_id, _doc, start, end, label, annotator, note, created, updated, value,
         attributes) in rows:
        if end > length:
            valid = False
        if (note is not None and _has_separator(note)
                or value is not None and _has_separator(value)):
            separators = True
        append({"id": span_id, "start": start, "end": end, "label": label,
                "text": text[start:end], "annotator": annotator, "created_at": created,
                "updated_at": updated, "note": note,
                "value": None if value is None else loads(value),
                "attributes": {} if attributes is None else loads(attributes)})
        if value is not None and type(spans[-1]["value"]) is not dict:
            valid = False
        if attributes is not None and type(spans[-1]["attributes"]) is not dict:
            valid = False
    return spans, valid, separators


def _record(document: Document, text: str, names: list[str], spans: Any,
            relations: list[dict[str, Any]]) -> dict[str, Any]:
    return {"id": document.uid, "name": document.name, "names": names, "text": text,
            "sha256": document.sha256, "offset_unit": OFFSET_UNIT, "spans": spans,
            "relations": relations, "meta": document.meta}


def _may_separate(document: Document, text: str) -> bool:
    """Whether the text (NEL) or ``meta`` may put a line separator in the record."""
    return "\x85" in text or bool(document.meta) and _has_separator(
        orjson.dumps(document.meta).decode("utf-8"))


def _native_records(project: Project, filters: ExportFilter, progress: Progress | None,
                    report: ExportReport | None) -> Iterator[tuple[dict[str, Any], bool]]:
    """Native records with whether each may hold a line separator (:meth:`_Checker.record`)."""
    checker = _Checker(project)
    for document, text, rows, names, relation_rows in iter_chunks_with_relations(
            project, filters, progress):
        yield checker.record(document, text, rows, names, relation_rows)
    checker.note(report)


def write_native(project: Project, filters: ExportFilter, out: IO[str], report: ExportReport,
                 progress: Progress | None = None) -> None:
    """Write the native records one a line, as :func:`dumps` gives them, counting documents,
    spans and relations; a UTF-8 handle with a binary buffer beneath (a file from
    :func:`atomic_output`, standard output) gets the bytes straight into that buffer, built
    across worker processes when the selection is large (:mod:`.export_parallel`)."""
    buffer = getattr(out, "buffer", None)
    encoding = (getattr(out, "encoding", None) or "").lower().replace("-", "").replace("_", "")
    if buffer is None or encoding != "utf8":
        def counted_records() -> Iterator[dict[str, Any]]:
            for record, _ in _native_records(project, filters, progress, report):
                report.relations += len(record["relations"])
                yield record

        write_jsonl(counted_records(), out, report, _span_count)
        return
    out.flush()
    if not _write_in_workers(project, filters, buffer, report, progress):
        put = buffer.write
        documents = spans = relations = 0
        with gc_paused():  # millions of small acyclic objects: nothing for the collector to free
            for record, separators in _native_records(project, filters, progress, report):
                put(_line(record, separators))
                documents += 1
                spans += len(record["spans"])
                relations += len(record["relations"])
        report.documents += documents
        report.spans += spans
        report.relations += relations
    buffer.flush()


def chunk_lines(project: Project, ids: Sequence[int], annotators: list[str] | None,
                labels: list[str] | None, skip_empty: bool) -> tuple[Any, ...]:
    """The lines of the documents ``ids`` (one chunk, one read transaction), as
    :func:`write_native` writes them: ``(lines, documents written, spans, relations,
    relations left out, documents read, last document's name)``."""
    checker = _Checker(project)
    parts: list[bytes] = []
    documents = spans = relations = seen = 0
    last = ""
    with gc_paused():
        for chunk in project.document_chunks_with_relations(
                ids=ids, annotators=annotators, labels=labels, size=len(ids)):
            for document, text, rows, names, relation_rows in chunk:
                seen += 1
                last = document.name
                if skip_empty and not rows:
                    continue
                record, separators = checker.record(document, text, rows, names, relation_rows)
                parts.append(_line(record, separators))
                documents += 1
                spans += len(record["spans"])
                relations += len(record["relations"])
    return b"".join(parts), documents, spans, relations, checker.left_out, seen, last


def _write_in_workers(project: Project, filters: ExportFilter, buffer: Any,
                      report: ExportReport, progress: Progress | None) -> bool:
    """Write the selection's lines built by worker processes, when it is large enough and a
    core is free for them (:func:`.export_parallel.workers_now`); False when not (or the
    processes cannot start), and nothing was written."""
    from annotator.services import export_parallel
    from annotator.services.exporting import (
        CHUNK_DOCUMENTS,
        ExportCancelled,
        check_filter,
        selected_ids,
    )

    # Too small even if every document is selected: the one-process path checks the filter
    # and reads the selection (once).
    count = project.document_count()
    if not export_parallel.workers_for(count):
        return False
    check_filter(project, filters)
    ids = selected_ids(project, filters.documents)
    total = count if ids is None else len(ids)
    workers = export_parallel.workers_now(total)
    if not workers:
        return False
    from concurrent.futures.process import BrokenProcessPool

    every = iter(ids) if ids is not None else project.iter_document_ids()
    chunks = export_parallel.chunks_of(every, CHUNK_DOCUMENTS)
    results = export_parallel.run_chunks(
        str(project.path), chunks, workers, filters.annotators, filters.labels, filters.skip_empty,
        lambda part: chunk_lines(project, part, filters.annotators, filters.labels,
                                 filters.skip_empty))
    checker = _Checker(project)
    number = 0
    try:
        for lines, documents, spans, relations, left_out, seen, last in results:
            buffer.write(lines)
            report.documents += documents
            report.spans += spans
            report.relations += relations
            checker.left_out += left_out
            number += seen
            if progress and progress(number, total, last) is False:
                raise ExportCancelled()
    except BrokenProcessPool:
        if number:
            raise
        return False  # no worker could start: this process writes it
    finally:
        results.close()
    if progress:
        progress(total, total, "done")
    checker.note(report)
    return True


def _span_count(record: dict[str, Any]) -> int:
    return len(record["spans"])


def _line(record: dict[str, Any], separators: bool) -> bytes:
    if separators:
        return dumps_bytes(record) + b"\n"
    try:
        return orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE)
    except orjson.JSONEncodeError:
        return dumps(record).encode("utf-8") + b"\n"
