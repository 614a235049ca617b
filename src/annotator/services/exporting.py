"""Export a project's documents and spans: the pipeline every format shares, and native JSONL.

**Streaming.** Documents, their texts and spans (and, for formats that carry them, their
relations: :func:`iter_chunks_with_relations`) are read :data:`CHUNK_DOCUMENTS` at a time
(:func:`iter_chunks`, :func:`iter_documents`) and written as they come, so memory holds one
chunk, never the project. Every native record is checked as it is built, for what the
project file's schema does not guarantee (:func:`native_records`); one that fails is refused
with the reason :mod:`annotator.services.validation` gives.

**Atomic.** A file is written through :func:`atomic_output` (a temporary file beside the
target, flushed to disk, then renamed over it); a folder format through :func:`atomic_folder`
(a new folder beside the target, renamed into place). A failed or cancelled export never
leaves half a file and never touches the destination.

The other formats live in :mod:`annotator.services.formats`; :func:`export` dispatches to them.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import secrets
import shutil
import stat
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import orjson

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

from annotator.domain.errors import DataError
from annotator.domain.spans import Span
from annotator.store.fsinfo import file_kind
from annotator.domain.spans import now
from annotator.services.formats import EXPORT_FORMATS, ExportOptions, format_module
from annotator.services.wording import counted
from annotator.store import Document, Project, ProjectError, registry
from annotator.store.project import span_from_row

#: Kept for callers of the first three formats; every format: ``EXPORT_FORMATS``.
FORMATS = EXPORT_FORMATS
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
    #: Relations written (formats that carry them).
    relations: int = 0
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


def check_filter(project: Project, filters: ExportFilter) -> None:
    if filters.labels:
        known = {label.name for label in project.labels()}
        unknown = [name for name in filters.labels if name not in known]
        if unknown:
            raise DataError(f"unknown {'label' if len(unknown) == 1 else 'labels'}: "
                            f"{', '.join(unknown)} (the project has: {', '.join(sorted(known))})")
    if filters.annotators:
        known = set(project.annotators())
        unknown = [name for name in filters.annotators if name not in known]
        if unknown:
            raise DataError(f"no spans by {'annotator' if len(unknown) == 1 else 'annotators'}"
                            f": {', '.join(unknown)} (annotators in the project: "
                            f"{', '.join(sorted(known)) or 'none'})")


def selected_ids(project: Project, names: list[str] | None) -> list[int] | None:
    """The ids of the documents ``names`` select (names, uids or SHA-256 prefixes of 8+
    characters), from the indexes; None (every document) when ``names`` is empty."""
    if not names:
        return None
    chosen: set[int] = set()
    for name in names:
        found = project.document_ids_matching(name)
        if not found:
            raise DataError(f"no document named {name!r} in the project")
        chosen.update(found)
    return sorted(chosen)


#: Documents read per chunk by the streaming export (memory: one chunk, not the project).
CHUNK_DOCUMENTS = 200


def _iter_selected(project: Project, filters: ExportFilter, progress: Progress | None,
                  read: str) -> Iterator[Any]:
    """The items of the chunks the project's method ``read`` (``ids=..., annotators=...,
    labels=..., size=...``) gives for the selected documents, :data:`CHUNK_DOCUMENTS` at a
    time: each item's first element is the document, its third the span rows. ``progress`` is
    called per document and may cancel (:class:`ExportCancelled`)."""
    check_filter(project, filters)
    ids = selected_ids(project, filters.documents)
    total = project.document_count() if ids is None else len(ids)
    number = 0
    for chunk in getattr(project, read)(ids=ids, annotators=filters.annotators,
                                        labels=filters.labels, size=CHUNK_DOCUMENTS):
        for item in chunk:
            if progress and progress(number, total, item[0].name) is False:
                raise ExportCancelled()
            number += 1
            if filters.skip_empty and not item[2]:
                continue
            yield item
    if progress:
        progress(total, total, "done")


def iter_chunks(
    project: Project, filters: ExportFilter, progress: Progress | None = None
) -> Iterator[tuple[Document, str, list[tuple[Any, ...]], list[str]]]:
    """``(document, text, span rows, further names)`` of every selected document, read
    :data:`CHUNK_DOCUMENTS` at a time (see :meth:`Project.document_chunks`); ``progress`` is
    called per document and may cancel (:class:`ExportCancelled`)."""
    return _iter_selected(project, filters, progress, "document_chunks")


def iter_documents(
    project: Project, filters: ExportFilter, progress: Progress | None = None
) -> Iterator[tuple[Document, str, list[Span]]]:
    """``(document, text, spans)`` for every selected document, one at a time (read in chunks
    of :data:`CHUNK_DOCUMENTS`), spans filtered and ordered by start, end, label, annotator."""
    for document, text, rows, _names in iter_chunks(project, filters, progress):
        yield document, text, [span_from_row(row) for row in rows]


def iter_chunks_with_relations(
    project: Project, filters: ExportFilter, progress: Progress | None = None
) -> Iterator[tuple[Document, str, list[tuple[Any, ...]], list[str], list[tuple[Any, ...]]]]:
    """:func:`iter_chunks` with each document's relation rows as a fifth item
    (:meth:`Project.document_chunks_with_relations`: ``(id, document_id, head, tail, type,
    annotator, note, created_at, updated_at)``, read with the spans in one read transaction).
    The annotator filter applies to relations as to spans; a relation one of whose ends the
    label filter leaves out is still there: callers keep only relations whose two ends they
    write."""
    return _iter_selected(project, filters, progress, "document_chunks_with_relations")


def native_records(project: Project, filters: ExportFilter,
                   progress: Progress | None = None,
                   report: ExportReport | None = None) -> Iterator[dict[str, Any]]:
    """Native records, each checked as it is built
    (:func:`annotator.services.export_native.native_records`)."""
    from annotator.services.export_native import native_records as records

    return records(project, filters, progress, report)


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


_SEPARATOR_BYTES = tuple(char.encode("utf-8") for char in _SEPARATOR_CHARS)


def dumps_bytes(record: dict[str, Any]) -> bytes:
    """:func:`dumps` as UTF-8 bytes, without the round trip through ``str`` (orjson writes
    bytes; a line holding NEL, U+2028 or U+2029, rare, takes the ``str`` path)."""
    try:
        line = orjson.dumps(record)
    except orjson.JSONEncodeError:
        return dumps(record).encode("utf-8")
    if any(separator in line for separator in _SEPARATOR_BYTES):
        return dumps(record).encode("utf-8")
    return line


def write_jsonl(records: Iterator[dict[str, Any]], out: IO[str], report: ExportReport,
                count: Callable[[dict[str, Any]], int]) -> None:
    """Write one record a line as :func:`dumps` gives it, counting documents and spans.

    A UTF-8 text handle with a binary buffer beneath (a file from :func:`atomic_output`,
    standard output) gets the bytes straight into that buffer."""
    buffer = getattr(out, "buffer", None)
    encoding = (getattr(out, "encoding", None) or "").lower().replace("-", "").replace("_", "")
    if buffer is not None and encoding == "utf8":
        out.flush()
        put = buffer.write
        for record in records:
            put(dumps_bytes(record))
            put(b"\n")
            report.documents += 1
            report.spans += count(record)
        buffer.flush()
        return
    write = out.write
    for record in records:
        write(dumps(record) + "\n")
        report.documents += 1
        report.spans += count(record)


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


#: Bytes handed to the kernel at a time (a record is a few kilobytes: one write call each
#: would be one system call each).
WRITE_BUFFER = 1 << 20
#: Every this many bytes written, the kernel is asked to start writing them to the disk
#: (without waiting), so that the ``fsync`` at the end waits for the last part only instead
#: of the whole file (at 100,000 documents 1.3 GB: about 3 s).
WRITEBACK_BYTES = 32 << 20


class _WritebackFile(io.FileIO):
    """A file that starts the disk writes of what it was given every :data:`WRITEBACK_BYTES`
    (``posix_fadvise(DONTNEED)``: Linux starts the writeback of the range and does not wait
    for it; the pages are not read again). Where that call does not exist, a plain file."""

    _done = 0
    _written = 0

    def write(self, data: Any) -> int:
        count = super().write(data)
        if count:
            self._written += count
            if self._written - self._done >= WRITEBACK_BYTES and _ADVISE is not None:
                with contextlib.suppress(OSError):
                    _ADVISE(self.fileno(), self._done, self._written - self._done,
                            os.POSIX_FADV_DONTNEED)
                self._done = self._written
        return count


_ADVISE = getattr(os, "posix_fadvise", None)


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
        raw = _WritebackFile(fd, "w")
        return io.TextIOWrapper(io.BufferedWriter(raw, WRITE_BUFFER), encoding="utf-8",
                                newline="\n"), name


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


@contextlib.contextmanager
def atomic_output(output: Path, report: ExportReport | None = None) -> Iterator[IO[str]]:
    """A text handle (UTF-8, ``\n`` line ends) on a new temporary file beside ``output``;
    when the block ends without an exception the file is flushed to disk and renamed over
    ``output``; on any exception it is removed and ``output`` is left as it was.

    The target is checked first (:func:`check_output`: not the open project, not a folder,
    not an SQLite file, its folder exists), and partial files that killed exports to it left
    behind are removed (:func:`remove_stale_parts`; ``report.notes`` says so). A write that
    fails (a full disk) raises :class:`DataError` naming the file."""
    output = Path(output)
    check_output(output)
    stale = remove_stale_parts(output, time.time())
    if stale and report is not None:
        report.notes.append(f"removed {counted(len(stale), 'partial file')} that an "
                            f"interrupted export to {output.name} left behind")
    try:
        handle, temporary = _temporary_beside(output)
    except OSError as exc:
        raise DataError(f"cannot write the export ({exc.strerror or exc})",
                        path=str(output)) from None
    try:
        with handle:
            yield handle
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


#: The file that marks a folder as an export of ours (an export may replace such a folder).
FOLDER_MARK = ".annotator-export.json"


def is_our_export(folder: Path) -> bool:
    """Whether ``folder`` is a folder export written by annotator (it holds :data:`FOLDER_MARK`)."""
    try:
        data = json.loads((folder / FOLDER_MARK).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and data.get("written_by") == "annotator"


def check_folder_output(output: Path) -> None:
    """Refuse a folder export target that must not be replaced: anything that is not a folder,
    or a folder that holds files and is not a previous export of ours."""
    registry.check_not_open(output, "export onto")
    if not output.parent.is_dir():
        raise DataError("cannot write the export: its folder does not exist", path=str(output))
    if not os.path.lexists(output):
        return
    info = os.lstat(output)
    if not stat.S_ISDIR(info.st_mode):
        raise DataError(f"is a {file_kind(info.st_mode)}, not a folder; a {output.suffix or 'folder'}"
                        f" export writes a folder: choose another name", path=str(output))
    if any(output.iterdir()) and not is_our_export(output):
        raise DataError("is a folder that is not an earlier export of annotator; it is left as "
                        "it is: choose a new folder name", path=str(output))


def _fsync_tree(folder: Path) -> None:
    for root, _dirs, files in os.walk(folder):
        for name in files:
            fd = os.open(os.path.join(root, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_folder(output: Path, fmt: str = "") -> Iterator[Path]:
    """A new, empty folder beside ``output`` to write a folder export into; when the block
    ends without an exception its files are flushed to disk, :data:`FOLDER_MARK` is added and
    it is renamed into place (a previous export of ours at ``output`` is replaced; any other
    existing folder with files is refused before anything is written). On an exception the
    new folder is removed and ``output`` is left as it was."""
    output = Path(output)
    check_folder_output(output)
    while True:
        temporary = output.parent / f".{output.name}.{secrets.token_hex(6)}.partdir"
        try:
            temporary.mkdir()
            break
        except FileExistsError:
            continue
        except OSError as exc:
            raise DataError(f"cannot write the export ({exc.strerror or exc})",
                            path=str(output)) from None
    try:
        yield temporary
        (temporary / FOLDER_MARK).write_text(json.dumps(
            {"written_by": "annotator", "format": fmt, "at": now()}) + "\n", encoding="utf-8")
        _fsync_tree(temporary)
        old = None
        if os.path.lexists(output):
            old = output.parent / f".{output.name}.{secrets.token_hex(6)}.old"
            os.rename(output, old)
        try:
            os.rename(temporary, output)
        except OSError:
            if old is not None:
                os.rename(old, output)
            raise
        _fsync_dir(output.parent)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except OSError as exc:
        shutil.rmtree(temporary, ignore_errors=True)
        raise DataError(f"cannot write the export ({exc.strerror or exc}); nothing was "
                        f"written", path=str(output)) from None
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise


#: Formats written to a folder (``-o`` names the folder).
FOLDER_FORMATS = ("brat", "hf")


def export(
    project: Project,
    fmt: str = "jsonl",
    *,
    output: Path | None = None,
    stream: IO[str] | None = None,
    filters: ExportFilter | None = None,
    progress: Progress | None = None,
    options: ExportOptions | None = None,
) -> ExportReport:
    """Export in format ``fmt`` to ``output`` (atomically) or to ``stream`` (default:
    standard output; not for folder or binary formats).

    Native JSONL is written here; every other format by its module
    (:func:`annotator.services.formats.format_module`). An export to a file first removes the
    partial files killed exports to it left behind (:func:`remove_stale_parts`). A write that
    fails (a full disk, a file too large) raises :class:`DataError` naming the file, with the
    destination untouched and no partial file left."""
    if fmt not in EXPORT_FORMATS:
        raise DataError(f"unknown export format {fmt!r} (choose {', '.join(EXPORT_FORMATS)})")
    filters = filters or ExportFilter()
    options = options or ExportOptions()
    if fmt != "jsonl":
        module = format_module(fmt)
        if output is None and stream is not None:
            writer = getattr(module, "write", None)
            if writer is None:
                raise DataError(f"the {fmt} export is written to a file or folder: give -o")
            report = ExportReport(format=fmt)
            writer(project, stream, filters, options, progress, report)
            return report
        if output is None and not hasattr(module, "write"):
            raise DataError(f"the {fmt} export is written to a file or folder: give -o/--output")
        report = module.export(project, None if output is None else Path(output), filters,
                               options, progress)
        report.format = fmt
        return report
    report = ExportReport(format=fmt, path=None if output is None else str(output))
    if options.layer is not None:
        filters = _layer_filter(filters, options.layer)
    from annotator.services.export_native import write_native

    if output is None:
        write_native(project, filters, stream or sys.stdout, report, progress)
        return report
    with atomic_output(Path(output), report) as handle:
        write_native(project, filters, handle, report, progress)
    return report


def _layer_filter(filters: ExportFilter, layer: str) -> ExportFilter:
    """``filters`` narrowed to one layer (``--layer NAME``): its spans and relations."""
    if filters.annotators and layer not in filters.annotators:
        raise DataError(f"--layer {layer!r} is not among the selected annotators "
                        f"({', '.join(filters.annotators)})")
    return ExportFilter(annotators=[layer], labels=filters.labels,
                        documents=filters.documents, skip_empty=filters.skip_empty)
