"""Import texts and labelled JSONL into a project: all or nothing per call.

Everything is read, decoded and checked first; only when every file is good are documents and
spans written, in one transaction. A bad file raises :class:`DataError` naming the file and line,
and the project is unchanged. Importing the same work twice adds nothing:

* a text already in the project (same SHA-256 of its canonical form) is not added again; a
  record for it adds its spans to the existing document;
* an exact duplicate span (same document, start, end, label, annotator) is skipped;
* a span whose id is already used by a different span gets a fresh id (an import never changes
  or deletes what is in the project).
"""

from __future__ import annotations

import contextlib
import gc
import getpass
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from annotator.domain.errors import AnnotatorError, DataError
from annotator.domain.labels import Label, check_new_label
from annotator.domain.spans import check_annotator, new_span_id, now
from annotator.domain.text import canonicalise, clean_name, name_problem, sha256_text
from annotator.services.decoding import check_regular_file, read_text_file, read_utf8_file
from annotator.services.native import ParsedRecord, ParsedSpan, read_records
from annotator.store import Project, registry
from annotator.services.wording import counted

TEXT_SUFFIXES = {".txt", ".text"}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
EXTRA_LABEL_COLORS = ("#76b7b2", "#edc948", "#ff9da7", "#9c755f", "#bab0ac", "#17becf",
                      "#bcbd22", "#8c564b", "#e377c2", "#7f7f7f")

Progress = Callable[[int, int, str], bool | None]
"""``progress(done, total, what)``; return False to cancel (nothing is written)."""


class ImportCancelled(Exception):
    """The user cancelled; nothing was written."""


@dataclass
class ImportReport:
    """What an import did (or, when nothing changed, why)."""

    documents_added: list[str] = field(default_factory=list)
    documents_existing: list[str] = field(default_factory=list)
    spans_added: int = 0
    spans_skipped: int = 0
    labels_added: list[str] = field(default_factory=list)
    encodings: dict[str, str] = field(default_factory=dict)
    #: File names that were cleaned to become document names: ``(file name, name, what)``.
    names_cleaned: list[tuple[str, str, str]] = field(default_factory=list)
    #: What the files carried that the project cannot hold: reason -> count.
    not_kept: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        parts = [counted(len(self.documents_added), "document") + " added"]
        if self.documents_existing:
            parts.append(f"{len(self.documents_existing)} already in the project")
        parts.append(counted(self.spans_added, "span") + " added")
        if self.spans_skipped:
            parts.append(counted(self.spans_skipped, "duplicate span") + " skipped")
        if self.labels_added:
            parts.append("labels added: " + ", ".join(self.labels_added))
        for reason, count in self.not_kept.items():
            parts.append(f"not kept: {reason} ({count})")
        for original, cleaned, what in self.names_cleaned:
            parts.append(f"file name {original!r} named {cleaned!r} ({what})")
        return "; ".join(parts)


def default_annotator() -> str:
    """The operating-system user name (used when no annotator is given)."""
    try:
        return getpass.getuser() or "annotator"
    except (OSError, KeyError):
        return "annotator"


def collect_files(paths: Sequence[str | Path]) -> list[Path]:
    """Expand folders (recursively: ``.txt`` and ``.jsonl`` files, hidden ones skipped).

    A path that is neither a folder nor a regular file (a FIFO, a device, a symlink loop) is
    refused without being opened; so is the project open in this process (or its -wal/-shm)."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        registry.check_not_open(path, "import")
        if path.is_dir():
            found = sorted(
                p for p in path.rglob("*")
                if p.is_file() and p.suffix.lower() in TEXT_SUFFIXES | JSONL_SUFFIXES
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
            if not found:
                raise DataError("the folder holds no .txt or .jsonl files", path=str(path))
            for found_path in found:
                registry.check_not_open(found_path, "import")
            files.extend(found)
        elif os.path.lexists(path):
            check_regular_file(path)
            files.append(path)
        else:
            raise DataError("no such file or folder", path=str(path))
    return files


@dataclass
class _Planned:
    """A document to add or extend, with its checked spans."""

    record: ParsedRecord
    source: str
    spans: list[ParsedSpan] = field(default_factory=list)


def _read_file(path: Path, report: ImportReport, encoding: str | None = None
               ) -> list[ParsedRecord]:
    if path.suffix.lower() in JSONL_SUFFIXES:
        text, used = read_utf8_file(path, encoding)
        report.encodings[str(path)] = used
        records = list(read_records(iter(text.split("\n")), str(path)))
        for record in records:
            for what, value in (("name", record.name), ("id", record.uid)):
                problem = None if value is None else name_problem(value)
                if problem is not None:
                    raise DataError(f"the document {what} {value!r} {problem}; a document "
                                    f"name must be plain text", path=str(path), line=record.line)
        return records
    text, used = read_text_file(path, encoding)
    report.encodings[str(path)] = used
    canonical = canonicalise(text)
    return [ParsedRecord(text=canonical, sha256=sha256_text(canonical), line=1,
                         name=_document_name(path, report))]


def _document_name(path: Path, report: ImportReport) -> str:
    """The file's name as a document name, cleaned of control and invisible format
    characters (the report says how)."""
    name, changes = clean_name(path.name)
    if changes:
        if not name:
            name = "document" + path.suffix
        report.names_cleaned.append((path.name, name, "removed " + ", ".join(changes)))
    return name


def _plan(project: Project, records: list[tuple[ParsedRecord, str]], annotator: str,
          add_labels: bool, report: ImportReport) -> tuple[list[_Planned], list[Label]]:
    known = {label.name for label in project.labels()}
    unknown: dict[str, str] = {}
    for record, source in records:
        for span in record.spans:
            if span.label not in known and span.label not in unknown:
                problem = name_problem(span.label)
                if problem is not None:
                    raise DataError(f"label {span.label!r} {problem}; a label name must be "
                                    f"plain text", path=source, line=span.line)
                unknown[span.label] = f"{source}:{span.line}"
    if unknown and not add_labels:
        listed = ", ".join(f"{name!r} (first at {where})" for name, where in unknown.items())
        first = next(iter(unknown.values())).rsplit(":", 1)
        raise DataError(f"unknown label(s) {listed}; add them to the project first or import "
                        f"with --add-labels", path=first[0], line=int(first[1]))
    new_labels = _new_labels(project, list(unknown))
    planned: dict[str, _Planned] = {}
    keys: dict[str, set[tuple[int, int, str, str]]] = {}
    used_ids: set[str] = project.span_ids() if any(
        parsed.id is not None for record, _ in records for parsed in record.spans) else set()
    stamp = now()
    checked: set[str] = set()
    for record, source in records:
        entry = planned.setdefault(record.sha256, _Planned(record, source))
        if record.sha256 not in keys:
            existing = project.document_by_sha256(record.sha256)
            keys[record.sha256] = (
                {(s.start, s.end, s.label, s.annotator) for s in project.spans(existing.id)}
                if existing else set()
            )
        for parsed in record.spans:
            who = parsed.annotator if parsed.annotator is not None else annotator
            if who not in checked:
                try:
                    check_annotator(who)
                except AnnotatorError as exc:
                    raise DataError(str(exc), path=source, line=parsed.line) from None
                checked.add(who)
            key = (parsed.start, parsed.end, parsed.label, who)
            if key in keys[record.sha256]:
                report.spans_skipped += 1
                continue
            keys[record.sha256].add(key)
            if parsed.id is None or parsed.id in used_ids:
                parsed.id = new_span_id()
            used_ids.add(parsed.id)
            parsed.annotator = who
            parsed.note = parsed.note or None
            parsed.updated_at = parsed.updated_at or parsed.created_at or stamp
            parsed.created_at = parsed.created_at or stamp
            entry.spans.append(parsed)
    return list(planned.values()), new_labels


def _new_labels(project: Project, names: list[str]) -> list[Label]:
    current = project.labels()
    used_keys = {label.key for label in current}
    free_keys = [k for k in "6789" if k not in used_keys]
    labels = []
    for index, name in enumerate(names):
        try:
            labels.append(check_new_label(Label(
                name, EXTRA_LABEL_COLORS[(len(current) + index) % len(EXTRA_LABEL_COLORS)],
                free_keys.pop(0) if free_keys else None, "Added by import.")))
        except AnnotatorError as exc:
            raise DataError(f"label {name!r} cannot be added: {exc}") from None
    return labels


def import_paths(
    project: Project,
    paths: Iterable[str | Path],
    *,
    annotator: str | None = None,
    add_labels: bool = False,
    who: str | None = None,
    progress: Progress | None = None,
    encoding: str | None = None,
) -> ImportReport:
    """Import ``.txt`` files, ``.jsonl`` files and folders of them, all or nothing.

    Spans without an ``annotator`` take ``annotator`` (default: the OS user name). ``progress``
    is called per file read and per document written; returning False cancels (raises
    :class:`ImportCancelled` with nothing written). ``encoding`` (a codec name) is used for
    every file instead of detecting it (:mod:`annotator.services.decoding`).
    """
    report = ImportReport()
    annotator = annotator or default_annotator()
    try:
        check_annotator(annotator)
    except AnnotatorError as exc:
        raise DataError(f"--annotator: {exc}") from None
    files = collect_files(list(paths))
    records: list[tuple[ParsedRecord, str]] = []
    with gc_paused():
        for number, path in enumerate(files):
            if progress and progress(number, len(files), f"reading {path.name}") is False:
                raise ImportCancelled()
            records.extend((record, str(path)) for record in _read_file(path, report, encoding))
        return import_records(project, records, annotator=annotator, add_labels=add_labels,
                              who=who or annotator, progress=progress, report=report)


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for a bulk import.

    An import allocates hundreds of thousands of small, acyclic objects (parsed records, spans,
    rows); the collector would walk them all again and again (about a tenth of the import's
    time) and could free nothing, since none of them form cycles. Reference counting still frees
    everything; the collector is resumed (if it was on) when the block ends.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def import_records(
    project: Project,
    records: list[tuple[ParsedRecord, str]],
    *,
    annotator: str,
    add_labels: bool = False,
    who: str,
    progress: Progress | None = None,
    report: ImportReport | None = None,
) -> ImportReport:
    """Write already-parsed records (each with the file it came from), all or nothing.

    Checks labels, skips exact duplicate spans and re-ids clashing span ids (see the module
    docstring), then writes documents and spans in one transaction. Spans without an annotator
    take ``annotator``. Shared by :func:`import_paths` and the merge of colleagues' work.
    """
    report = report if report is not None else ImportReport()
    planned, new_labels = _plan(project, records, annotator, add_labels, report)
    with project.atomic():
        for label in new_labels:
            project.add_label(label, who=who)
            report.labels_added.append(label.name)
        for number, entry in enumerate(planned):
            if progress and progress(number, len(planned), "writing") is False:
                raise ImportCancelled()
            record = entry.record
            name = record.name or record.uid or f"{Path(entry.source).name}:{record.line}"
            document, created = project.add_document(name, record.text, who=who, uid=record.uid,
                                                     meta=record.meta)
            (report.documents_added if created else report.documents_existing).append(document.name)
            report.spans_added += project.add_spans_bulk(
                entry.spans, who=who, source=entry.source, document_id=document.id)
    if progress:
        progress(len(planned), len(planned), "done")
    return report

