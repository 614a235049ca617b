"""Bring a colleague's work into this project: their native JSONL export or their project file.

Decisions:

- Documents are matched by the SHA-256 of their canonical text. If any document of the input
  is not in this project, every such document is listed by name (with file and line or
  position) in one :class:`DataError` and nothing is merged: a merge never adds documents,
  because review compares work on the same texts.
- Spans keep their annotator (and id, times and note). A span without an annotator (possible
  only in hand-made JSONL) takes ``annotator``; without one the merge is refused.
- Everything else is the import's logic, shared through
  :func:`annotator.services.importing.import_records`: exact duplicates (same document, start,
  end, label, annotator) are skipped, so merging the same work twice adds nothing; a span id
  already used by a different span gets a fresh id; unknown labels are refused unless
  ``add_labels``. All or nothing, in one transaction.
- A project file is opened read-only (:func:`annotator.store.readonly.read_project_file`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from annotator.domain.errors import DataError
from annotator.services.decoding import read_text_file
from annotator.services.importing import (
    JSONL_SUFFIXES,
    ImportReport,
    Progress,
    import_records,
)
from annotator.services.native import ParsedRecord, ParsedSpan, read_records
from annotator.store import Project, ProjectError
from annotator.store.database import SQLITE_HEADER
from annotator.store.readonly import read_project_file

__all__ = ["merge_work", "read_work"]


def _is_sqlite(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(len(SQLITE_HEADER)) == SQLITE_HEADER


def _project_records(path: Path) -> list[ParsedRecord]:
    try:
        documents = read_project_file(path)
    except ProjectError as exc:
        raise DataError(str(exc), path=str(path)) from None
    return [
        ParsedRecord(
            text=doc.text, sha256=doc.sha256, line=number, name=doc.name, uid=doc.uid,
            meta=doc.meta,
            spans=[ParsedSpan(start=s.start, end=s.end, label=s.label, line=number, id=s.id,
                              annotator=s.annotator, created_at=s.created_at,
                              updated_at=s.updated_at, note=s.note, value=s.value)
                   for s in doc.spans],
        )
        for number, doc in enumerate(documents, start=1)
    ]


def read_work(path: str | Path) -> list[ParsedRecord]:
    """The records of one colleague's file: native JSONL (``.jsonl``/``.ndjson``) or a project
    file (recognised by its SQLite header). Raises :class:`DataError` naming the file."""
    path = Path(path)
    if not path.is_file():
        raise DataError("no such file", path=str(path))
    if _is_sqlite(path):
        return _project_records(path)
    if path.suffix.lower() in JSONL_SUFFIXES:
        text, _encoding = read_text_file(path)
        return list(read_records(iter(text.split("\n")), str(path)))
    raise DataError("not a native JSONL export (.jsonl) or an annotator project file",
                    path=str(path))


def _check_matched(project: Project, records: Sequence[tuple[ParsedRecord, str]]) -> None:
    unmatched: dict[str, str] = {}
    for record, source in records:
        if record.sha256 not in unmatched and project.document_by_sha256(record.sha256) is None:
            name = record.name or record.uid or "(unnamed)"
            unmatched[record.sha256] = f"{name!r} ({Path(source).name}:{record.line})"
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
                                "(--annotator)", path=source, line=span.line)


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
    is ever added). Raises :class:`DataError` with the project unchanged.
    """
    records: list[tuple[ParsedRecord, str]] = []
    for path in paths:
        records.extend((record, str(path)) for record in read_work(path))
    _check_matched(project, records)
    _check_annotators(records, annotator)
    return import_records(project, records, annotator=annotator or who, add_labels=add_labels,
                          who=who, progress=progress)
