"""Export a project's documents and spans: native JSONL, doccano JSONL, Label Studio JSON.

Files are written atomically (a temporary file beside the target, flushed to disk, then renamed
over it), so a failed or interrupted export never leaves half a file. Every exported record is
validated as it is written (:mod:`annotator.services.validation`).

doccano and Label Studio count offsets in UTF-16 code units (they run in the browser), so those
exports convert each offset; on texts without astral characters (emoji, 𠮷) both units agree.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import stat
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import groupby
from operator import attrgetter, itemgetter
from pathlib import Path
from typing import IO, Any

import orjson

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

from annotator.domain.errors import DataError
from annotator.domain.offsets import Utf16Map
from annotator.domain.spans import Span
from annotator.store.fsinfo import file_kind
from annotator.services.native import document_record, span_record_from_row
from annotator.services.validation import record_problems
from annotator.store import Document, Project, ProjectError, registry

FORMATS = ("jsonl", "doccano", "labelstudio")
Progress = Callable[[int, int, str], bool | None]


class ExportCancelled(Exception):
    """The user cancelled; the destination was not touched."""


@dataclass
class ExportFilter:
    """Which documents and spans to export (None: all)."""

    annotators: list[str] | None = None
    labels: list[str] | None = None
    documents: list[str] | None = None
    skip_empty: bool = False


@dataclass
class ExportReport:
    """What was written."""

    documents: int = 0
    spans: int = 0
    format: str = "jsonl"
    path: str | None = None
    notes: list[str] = field(default_factory=list)
    #: Spans the format could not hold: reason -> count.
    lost: dict[str, int] = field(default_factory=dict)


def select_documents(project: Project, names: list[str] | None) -> list[Document]:
    """Documents matching names, uids or SHA-256 (a prefix of 8+ characters); all when None."""
    documents = project.documents()
    if not names:
        return documents
    chosen: dict[int, Document] = {}
    for name in names:
        matches = [d for d in documents if name in (d.name, d.uid)
                   or (len(name) >= 8 and d.sha256.startswith(name))]
        if not matches:
            raise DataError(f"no document named {name!r} in the project")
        chosen.update((d.id, d) for d in matches)
    return sorted(chosen.values(), key=lambda d: d.id)


def _check_filter(project: Project, filters: ExportFilter) -> None:
    if filters.labels:
        known = {label.name for label in project.labels()}
        unknown = [name for name in filters.labels if name not in known]
        if unknown:
            raise DataError(f"unknown label(s): {', '.join(unknown)} "
                            f"(the project has: {', '.join(sorted(known))})")
    if filters.annotators:
        known = set(project.annotators())
        unknown = [name for name in filters.annotators if name not in known]
        if unknown:
            raise DataError(f"no spans by annotator(s): {', '.join(unknown)} "
                            f"(annotators in the project: {', '.join(sorted(known)) or 'none'})")


def _selected(
    project: Project, filters: ExportFilter, progress: Progress | None, raw: bool
) -> Iterator[tuple[Document, str, list[Any]]]:
    _check_filter(project, filters)
    documents = select_documents(project, filters.documents)
    wanted = {d.id for d in documents}
    if raw:
        rows: list[Any] = project.span_rows(annotators=filters.annotators, labels=filters.labels)
        document_of = itemgetter(1)
    else:
        rows = project.spans(annotators=filters.annotators, labels=filters.labels)
        document_of = attrgetter("document_id")
    by_document = {doc_id: list(group) for doc_id, group in groupby(rows, key=document_of)
                   if doc_id in wanted}
    for number, document in enumerate(documents):
        if progress and progress(number, len(documents), document.name) is False:
            raise ExportCancelled()
        spans = by_document.get(document.id, [])
        if filters.skip_empty and not spans:
            continue
        yield document, project.text(document.id), spans


def iter_documents(
    project: Project, filters: ExportFilter, progress: Progress | None = None
) -> Iterator[tuple[Document, str, list[Span]]]:
    """``(document, text, spans)`` for every selected document, spans filtered and ordered."""
    return _selected(project, filters, progress, raw=False)


def native_records(project: Project, filters: ExportFilter,
                   progress: Progress | None = None) -> Iterator[dict[str, Any]]:
    """Native records, each validated before it is yielded."""
    labels = {label.name for label in project.labels()}
    for document, text, rows in _selected(project, filters, progress, raw=True):
        record = document_record(document.uid, document.name, text, document.sha256, [],
                                 document.meta)
        record["spans"] = [span_record_from_row(row, text) for row in rows]
        problems = record_problems(record, labels)
        if problems:  # a bug, never bad user data: refuse to write a wrong dataset
            raise DataError(f"document {document.name!r} failed validation: {problems[0]}")
        yield record


def _utf16_spans(text: str, spans: list[Span]) -> Iterator[tuple[int, int, Span]]:
    mapping = Utf16Map(text)
    units = text.encode("utf-16-le") if mapping.has_astral else b""
    for span in spans:
        start, end = mapping.to_utf16_range(span.start, span.end)
        if units and units[2 * start : 2 * end].decode("utf-16-le") != text[span.start : span.end]:
            raise DataError(f"UTF-16 conversion failed for span {span.id}")
        yield start, end, span


def doccano_records(project: Project, filters: ExportFilter,
                    progress: Progress | None = None) -> Iterator[dict[str, Any]]:
    """doccano sequence-labelling records: ``{"text", "label": [[start, end, label], ...]}``
    with UTF-16 offsets."""
    for _document, text, spans in iter_documents(project, filters, progress):
        yield {"text": text,
               "label": [[s, e, span.label] for s, e, span in _utf16_spans(text, spans)]}


def labelstudio_tasks(project: Project, filters: ExportFilter,
                      progress: Progress | None = None) -> Iterator[dict[str, Any]]:
    """Label Studio tasks: one annotation per annotator, results with UTF-16 offsets, for a
    labelling config with ``<Labels name="label" toName="text">`` over ``<Text name="text">``."""
    for document, text, spans in iter_documents(project, filters, progress):
        by_annotator: dict[str, list[dict[str, Any]]] = {}
        for start, end, span in _utf16_spans(text, spans):
            by_annotator.setdefault(span.annotator, []).append({
                "id": span.id, "from_name": "label", "to_name": "text", "type": "labels",
                "origin": "manual",
                "value": {"start": start, "end": end, "text": text[span.start : span.end],
                          "labels": [span.label]},
            })
        yield {
            "data": {"text": text, "name": document.name, "id": document.uid,
                     "sha256": document.sha256},
            "annotations": [{"completed_by": {"email": name}, "result": results,
                             "ground_truth": False}
                            for name, results in by_annotator.items()],
        }


_LINE_SEPARATORS = re.compile("[\u0085\u2028\u2029]")
_SEPARATOR_CHARS = ("\u0085", "\u2028", "\u2029")


def dumps(record: dict[str, Any]) -> str:
    """One record as JSON on one line: UTF-8 characters as they are, except the three that
    some line splitters treat as line ends (NEL, U+2028, U+2029), which are escaped so that
    ``str.splitlines`` and JavaScript readers see one record per line. JSON control characters
    are escaped by the serialiser already.

    orjson writes the line (about three times faster than ``json.dumps``); what it cannot
    represent (an integer beyond 64 bits in a document's ``meta``) falls back to ``json``.
    """
    try:
        line = orjson.dumps(record).decode("utf-8")
    except orjson.JSONEncodeError:
        line = json.dumps(record, ensure_ascii=False, separators=(",", ":"))
    if any(char in line for char in _SEPARATOR_CHARS):  # three substring scans beat one regex
        line = _LINE_SEPARATORS.sub(lambda m: f"\\u{ord(m.group()):04x}", line)
    return line


def _write(records: Iterator[dict[str, Any]], fmt: str, out: IO[str], report: ExportReport) -> None:
    if fmt == "labelstudio":
        out.write("[")
        for number, record in enumerate(records):
            out.write(("\n" if number == 0 else ",\n") + dumps(record))
            report.documents += 1
            report.spans += sum(len(a["result"]) for a in record["annotations"])
        out.write("\n]\n")
        return
    key = "spans" if fmt == "jsonl" else "label"
    for record in records:
        out.write(dumps(record) + "\n")
        report.documents += 1
        report.spans += len(record[key])


PART_SUFFIX = ".part"
_TOKEN = re.compile(r"[0-9a-f]{12}")
STALE_WITHOUT_LOCKS = 24 * 3600.0  # seconds, where advisory locks do not exist (Windows)


def part_name(output: Path, token: str) -> Path:
    """The temporary file an export to ``output`` writes first: ``.NAME.<12 hex>.part``."""
    return output.parent / f".{output.name}.{token}{PART_SUFFIX}"


def _lock(fd: int) -> bool:
    """Take an exclusive advisory lock on ``fd`` without waiting; False if another process
    holds it. Where there are no such locks, always True."""
    if fcntl is None:
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _temporary_beside(output: Path) -> tuple[IO[str], Path]:
    """A new, exclusive temporary file next to ``output`` with the mode the export should get:
    the existing file's mode, or what the umask gives a new file (``tempfile`` would make it
    0600, unreadable to colleagues). It stays locked (``flock``) while it is written, which is
    how :func:`remove_stale_parts` tells a live export from a killed one."""
    mode = stat.S_IMODE(output.stat().st_mode) if output.exists() else 0o666
    while True:
        name = part_name(output, secrets.token_hex(6))
        try:
            fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        except FileExistsError:
            continue
        _lock(fd)
        if output.exists():
            os.chmod(name, mode)  # the umask must not narrow an existing file's mode
        return open(fd, "w", encoding="utf-8", newline="\n"), name  # noqa: SIM115


def remove_stale_parts(output: Path, before: float) -> list[Path]:
    """Remove what killed exports to ``output`` left behind; return the files removed.

    A file is removed only when all of these hold: its name is exactly the pattern of
    :func:`part_name` for this ``output`` (``.NAME.<12 lowercase hex>.part``), it is a regular
    file (not a link) owned by this user, it was last written before ``before`` (when the
    current export started), and no live process is writing it: every export holds an
    exclusive ``flock`` on its part file until it is renamed, and the kernel drops that lock
    when the process dies, however it dies (``kill -9`` included). Where advisory locks do not
    exist (Windows), a part file must also be a day old. Anything else is left alone.
    """
    prefix = f".{output.name}."
    removed: list[Path] = []
    try:
        entries = list(os.scandir(output.parent))
    except OSError:
        return removed
    for entry in entries:
        name = entry.name
        if not (name.startswith(prefix) and name.endswith(PART_SUFFIX)
                and _TOKEN.fullmatch(name[len(prefix):-len(PART_SUFFIX)])):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if (not stat.S_ISREG(info.st_mode) or info.st_mtime >= before
                or (hasattr(os, "getuid") and info.st_uid != os.getuid())
                or (fcntl is None and info.st_mtime > before - STALE_WITHOUT_LOCKS)):
            continue
        if _remove_if_unlocked(Path(entry.path)):
            removed.append(Path(entry.path))
    return removed


def _remove_if_unlocked(path: Path) -> bool:
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return False
    try:
        if not _lock(fd):
            return False  # a live export is writing it
        path.unlink()
        return True
    except OSError:
        return False
    finally:
        os.close(fd)


def check_output(output: Path) -> None:
    """Refuse an export target that must not be written: the project open in this process or
    its -wal/-shm (overwriting them would destroy it), a folder, a FIFO or device, an SQLite
    database (a project file?), a path whose folder does not exist."""
    absolute = Path(os.path.abspath(output))
    for project in registry.open_projects():
        for suffix in ("", "-wal", "-shm", "-journal"):
            if absolute == Path(os.path.abspath(f"{project.path}{suffix}")):
                raise ProjectError(f"{output}: this is the file of the project open here "
                                   f"({project.path}{suffix}); an export onto it would "
                                   f"destroy the project: choose another name")
    registry.check_not_open(output, "export onto")  # the same file by another name or link
    try:
        info = os.stat(output)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise DataError(f"cannot write the export ({exc.strerror or exc})",
                        path=str(output)) from None
    if info is not None:
        if stat.S_ISDIR(info.st_mode):
            raise DataError("is a folder; give the export a file name", path=str(output))
        if not stat.S_ISREG(info.st_mode):
            raise DataError(f"is a {file_kind(info.st_mode)}, not a file an export can "
                            f"replace", path=str(output))
        if _is_sqlite(output):
            raise DataError("is an SQLite database (a project file?), not an export; it is "
                            "left as it is: choose another name", path=str(output))
    if not output.parent.is_dir():
        raise DataError("cannot write the export: its folder does not exist", path=str(output))


def _is_sqlite(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(16) == b"SQLite format 3\x00"
    except OSError:
        return False


def export(
    project: Project,
    fmt: str = "jsonl",
    *,
    output: Path | None = None,
    stream: IO[str] | None = None,
    filters: ExportFilter | None = None,
    progress: Progress | None = None,
) -> ExportReport:
    """Export to ``output`` (atomically) or to ``stream`` (default: standard output).

    An export to a file first removes the partial files killed exports to it left behind
    (:func:`remove_stale_parts`). A write that fails (a full disk, a file too large) raises
    :class:`DataError` naming the file, with the destination untouched and no partial file
    left."""
    if fmt not in FORMATS:
        raise DataError(f"unknown export format {fmt!r} (choose {', '.join(FORMATS)})")
    filters = filters or ExportFilter()
    produce = {"jsonl": native_records, "doccano": doccano_records,
               "labelstudio": labelstudio_tasks}[fmt]
    report = ExportReport(format=fmt, path=None if output is None else str(output))
    if fmt != "jsonl":
        report.notes.append(f"{fmt} offsets are UTF-16 code units, as the browser counts them")
    if output is None:
        _write(produce(project, filters, progress), fmt, stream or sys.stdout, report)
        return report
    output = Path(output)
    check_output(output)
    started = time.time()
    stale = remove_stale_parts(output, started)
    if stale:
        report.notes.append(f"removed {len(stale)} partial file(s) that an interrupted export "
                            f"to {output.name} left behind")
    records = produce(project, filters, progress)
    try:
        handle, temporary = _temporary_beside(output)
    except OSError as exc:
        raise DataError(f"cannot write the export ({exc.strerror or exc})",
                        path=str(output)) from None
    try:
        with handle:
            _write(records, fmt, handle, report)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, output)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise DataError(f"cannot write the export ({exc.strerror or exc}); nothing was "
                        f"written", path=str(output)) from None
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return report
