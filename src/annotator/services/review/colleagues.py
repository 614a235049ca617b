"""Bring a colleague's work into this project: their native JSONL export or their project file.

Decisions:

- A colleague's file is checked before anything is merged, as strictly as an import
  (:mod:`annotator.services.review.project_file`): a project file's texts against their
  stored SHA-256 (recomputed), canonical form and length; every span's bounds, label,
  annotator, id, times and value. A JSONL export gets the importer's checks plus the same
  span checks. A refusal names the file, the document (name and id) and the span (id,
  ``[start, end)``, label); nothing is merged.
- The project open here (the same file under any name, a link to it, or its ``-wal``/``-shm``)
  is refused before anything opens it, and so is anything but a regular file (a folder, a
  named pipe, a device, a link loop): nothing blocks, no descriptor of the open project is
  ever opened and closed (which would drop this process's locks on it).
- Documents are matched by the SHA-256 of their canonical text. If any document of the input
  is not in this project, every such document is listed by name (with file and line, or file
  and document id) in one :class:`DataError` and nothing is merged: a merge never adds
  documents, because review compares work on the same texts.
- Spans keep their annotator (and id, times, note, value and attribute values). A span without
  an annotator (possible only in hand-made JSONL) takes ``annotator``; without one the merge is
  refused.
- Relations come along with their spans (ids, times, notes kept; their ends follow the spans
  as the import maps them: a span already in this project is the end). Relation types and
  attributes this project lacks are refused, named with where they are first used, unless
  ``add_labels``: then they are added as the colleague's project file defines them (allowed
  labels, colour, key when free, choices), or, from a JSONL export, as an import adds them.
- Labels the project lacks are refused, each named with where it is first used
  (:class:`UnknownLabelsError`), unless ``add_labels``: then they are added as an import adds
  them.
- Everything else is the import's logic, shared through
  :func:`annotator.services.importing.import_records`: exact duplicates (same document, start,
  end, label, annotator) are skipped, within the input and against the project, so merging the
  same work twice adds nothing; a span id already used by a different span gets a fresh id.
  All or nothing, in one transaction.
- A project file is opened read-only (:func:`annotator.store.readonly.read_project_file`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from annotator.domain.errors import DataError
from annotator.services.decoding import read_utf8_file
from annotator.services.importing import (
    JSONL_SUFFIXES,
    Definitions,
    ImportReport,
    Progress,
    import_records,
)
from annotator.services.native import ParsedRecord, read_records
from annotator.services.review.project_file import (
    ColleagueRecord,
    check_records,
    definitions_of_project,
    describe_document,
    describe_span,
    records_of_project,
)
from annotator.store import Project, ProjectError
from annotator.store.database import SQLITE_HEADER
from annotator.store.readonly import check_foreign_file, read_header, read_project_file

__all__ = ["UnknownLabelsError", "merge_work", "read_work"]


class UnknownLabelsError(DataError):
    """The work uses labels this project lacks (``labels``, in order of first use); merging
    with ``add_labels`` adds them."""

    def __init__(self, message: str, labels: list[str], *, path: str | None = None,
                 line: int | None = None) -> None:
        super().__init__(message, path=path, line=line)
        self.labels = labels


def read_work(path: str | Path) -> list[ParsedRecord]:
    """The checked records of one colleague's file: native JSONL (``.jsonl``/``.ndjson``) or a
    project file (recognised by its SQLite header).

    Raises :class:`DataError` naming the file (and the document and span) with nothing read
    into the project.
    """
    return _read_work(path, Definitions())


def _read_work(path: str | Path, definitions: Definitions) -> list[ParsedRecord]:
    """:func:`read_work`; a project file's relation types and attribute definitions are added
    to ``definitions``."""
    try:
        check_foreign_file(path, "merge")
        if read_header(path) == SQLITE_HEADER:
            foreign = read_project_file(path)
            records = list(records_of_project(foreign))
            found = definitions_of_project(foreign)
            for name, rt in found.relation_types.items():
                definitions.relation_types.setdefault(name, rt)
            for key, attribute in found.attributes.items():
                definitions.attributes.setdefault(key, attribute)
            return records
    except ProjectError as exc:  # its message names the file already
        raise DataError(f"{exc}; nothing was merged") from None
    if Path(path).suffix.lower() in JSONL_SUFFIXES:
        try:
            text, _encoding = read_utf8_file(Path(path))
            records = list(read_records(iter(text.split("\n")), str(path)))
        except DataError as exc:
            raise DataError(f"{exc.reason}; nothing was merged", path=exc.path,
                            line=exc.line) from None
        check_records(records, str(path))
        return records
    raise DataError("not a native JSONL export (.jsonl) or an annotator project file",
                    path=str(path))


def _where(record: ParsedRecord, source: str) -> str:
    if isinstance(record, ColleagueRecord):
        return record.where(source)
    return f"{record.name or record.uid or '(unnamed)'!r} ({source}:{record.line})"


def _check_matched(project: Project, records: Sequence[tuple[ParsedRecord, str]]) -> None:
    unmatched: dict[str, str] = {}
    for record, source in records:
        if record.sha256 not in unmatched and project.document_by_sha256(record.sha256) is None:
            unmatched[record.sha256] = _where(record, source)
    if unmatched:
        listed = ", ".join(unmatched.values())
        raise DataError(
            f"{len(unmatched)} document(s) are not in this project (documents are matched by "
            f"the SHA-256 of their text); nothing was merged: {listed}")


def _check_annotators(records: Sequence[tuple[ParsedRecord, str]], annotator: str | None) -> None:
    if annotator is not None:
        return
    for record, source in records:
        for span in record.spans:
            if span.annotator is None:
                raise DataError("a span names no annotator; give one for such spans "
                                "(--annotator); nothing was merged", path=source, line=span.line)


def _check_labels(project: Project, records: Sequence[tuple[ParsedRecord, str]]) -> None:
    known = {label.name for label in project.labels()}
    first: dict[str, tuple[ParsedRecord, str, str]] = {}
    for record, source in records:
        for span in record.spans:
            if span.label not in known and span.label not in first:
                first[span.label] = (record, source,
                                     describe_span(span.id or "(no id)", span.start, span.end,
                                                   span.label))
    if not first:
        return
    listed = ", ".join(f"{name!r}" for name in first)
    record, source, span_text = next(iter(first.values()))
    document_id = record.document_id if isinstance(record, ColleagueRecord) else None
    document = describe_document(record.name or record.uid or "(unnamed)", document_id)
    line = None if isinstance(record, ColleagueRecord) else record.line
    raise UnknownLabelsError(
        f"{document}: {span_text}: unknown label(s) {listed}, not in this project; add them "
        f"to the project first or merge with --add-labels; nothing was merged",
        list(first), path=source, line=line)


def _check_definitions(project: Project, records: Sequence[tuple[ParsedRecord, str]]) -> None:
    """Refuse relation types and attributes this project does not define, naming each with
    the document where it is first used."""
    types = {rt.name for rt in project.relation_types()}
    declared = {(a.label, a.name) for a in project.label_attributes()}
    unknown: dict[str, tuple[ParsedRecord, str]] = {}
    for record, source in records:
        for relation in record.relations:
            if relation.label not in types:
                unknown.setdefault(f"relation type {relation.label!r}", (record, source))
        for span in record.spans:
            for name in span.attributes:
                if (span.label, name) not in declared:
                    unknown.setdefault(f"attribute {span.label}.{name}", (record, source))
    if not unknown:
        return
    record, source = next(iter(unknown.values()))
    raise DataError(
        f"{_where(record, source)}: not defined in this project: {', '.join(unknown)}; add "
        f"{'it' if len(unknown) == 1 else 'them'} to the project first or merge with "
        f"--add-labels; nothing was merged",
        path=None if isinstance(record, ColleagueRecord) else source,
        line=None if isinstance(record, ColleagueRecord) else record.line)


def merge_work(
    project: Project,
    paths: Iterable[str | Path],
    *,
    who: str,
    annotator: str | None = None,
    add_labels: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Merge colleagues' files into ``project``, all or nothing (see the module docstring).

    Returns the import report (``documents_existing`` lists the matched documents; no document
    is ever added). Raises :class:`DataError` (:class:`UnknownLabelsError` for labels the
    project lacks) with the project unchanged.
    """
    records: list[tuple[ParsedRecord, str]] = []
    definitions = Definitions()
    for path in paths:
        records.extend((record, str(path)) for record in _read_work(path, definitions))
    _check_annotators(records, annotator)
    # Matching, the label check and the writes share one write transaction: a document that
    # another program removes meanwhile cannot turn the merge into an import of it.
    with project.atomic():
        _check_matched(project, records)
        if not add_labels:
            _check_labels(project, records)
            _check_definitions(project, records)
        report = import_records(project, records, annotator=annotator or who,
                                add_labels=add_labels, who=who, progress=progress,
                                definitions=definitions)
        if report.documents_added:
            raise DataError("documents of the input are no longer in this project: "
                            + ", ".join(map(repr, report.documents_added))
                            + "; nothing was merged")
    return report
