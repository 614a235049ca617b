"""Import texts and labelled files into a project: all or nothing per call, streamed.

**Formats.** ``fmt="auto"`` (the default) recognises each file by its content
(:func:`detect_format`: every format's ``sniff`` in
:data:`annotator.services.formats.SNIFF_ORDER`, then native JSONL, then a text file by its
extension); a ``.json``/``.jsonl``/``.conll`` file whose shape no importer recognises is
refused, saying what was expected, never imported as a text document. Folders are walked:
their files are recognised the same way (each brat pair, ``NAME.txt`` with ``NAME.ann``, is
read as brat; the other files of the same folder as what they are); what is left out and why
is in the report (:mod:`annotator.services.import_scan`).

**Streaming.** Records are read one at a time (JSONL line by line) and planned and written
:data:`CHUNK_RECORDS` at a time, all inside ONE transaction (``BEGIN IMMEDIATE``): a bad record
anywhere, even the last, rolls everything back and the project is unchanged. Every check reads
the database inside that transaction, through its indexes, per chunk: the document of each text
(SHA-256), the spans of documents that exist already (duplicates), the span ids given
(clashes). Memory holds one chunk, never the file or the project.

Importing the same work twice adds nothing:

* a text already in the project (same SHA-256 of its canonical form) is not added again; a
  record for it adds its spans to the existing document, and its name, when it differs, is
  kept as a further name of the document (``Project.document_names``);
* an exact duplicate span (same document, start, end, label, annotator) is skipped;
* a span whose id is already used by a different span gets a fresh id (an import never changes
  or deletes what is in the project).

**Relations and attributes.** A span's attribute values must be declared by its label with
valid values; a relation links two spans of its record in one layer (its own: the head span's
when it names none), of a relation type the project has. Unknown attribute names and relation
types are refused, naming them, unless the import adds unknown labels (``add_labels``): then
they are added too (an attribute as yes/no for a true/false value, else as a short text; a
relation type allowing any labels). A relation follows its spans: an end re-id'd gets the new
id, an end skipped as a duplicate becomes the project's span; an exact duplicate relation (same
head, tail and type) is skipped, a clashing relation id renewed. A relation one of whose ends
the importer did not keep (another format's span it could not hold) is counted in
``not_kept``, never dropped silently. A relation whose type does not allow its spans' labels is
kept and counted, as a relabel keeps one (``Project.relation_problems`` lists it).
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from annotator.domain.errors import AnnotatorError, DataError
from annotator.domain.labels import Label, check_new_label
from annotator.domain.relations import (
    Attribute,
    Relation,
    RelationType,
    relation_problem,
)
from annotator.domain.ids import IdSource, time_ordered_ids
from annotator.domain.spans import check_annotator, now
from annotator.domain.text import canonicalise, clean_name, name_problem, sha256_text
from annotator.services.decoding import check_regular_file, iter_utf8_lines, read_text_file
from annotator.services.formats import IMPORT_FORMATS, SNIFF_ORDER, ImportOptions, format_module
from annotator.services.gc_pause import gc_paused
from annotator.services.import_write import chunks, sources_size
from annotator.services.native import (
    HEAD_BYTES,
    ParsedRecord,
    ParsedRelation,
    ParsedSpan,
    read_records,
)
from annotator.services.native_fast import iter_byte_lines, read_jsonl
from annotator.services.native import sniff as sniff_native
from annotator.services.wording import counted
from annotator.store import Project, document_rows, registry
from annotator.store.bulk import bulk_writing
from annotator.store.bulk_documents import NewDocuments

TEXT_SUFFIXES = {".txt", ".text"}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
#: Suffixes of files that hold structured data: never imported as a plain text.
STRUCTURED_SUFFIXES = {".json", ".jsonl", ".ndjson", ".conll", ".conllu", ".iob", ".iob2",
                       ".bio", ".bioes", ".spacy", ".qdpx", ".ann"}
#: What each format's files look like (for messages and folder walks).
EXPECTED = {
    "jsonl": "native JSONL (one {\"text\", \"spans\"} object a line)",
    "labelstudio": "Label Studio JSON (a list of tasks with \"data\": {\"text\"})",
    "doccano": "doccano JSONL ({\"text\", \"label\": [[start, end, label]]} or \"entities\")",
    "conll": "CoNLL/IOB2 (a token and a tag a line, a blank line between sentences)",
    "spacy": "a spaCy DocBin (.spacy)",
    "brat": "brat standoff (.txt with .ann beside it)",
    "refi-qda": "a REFI-QDA project (.qdpx)",
}
EXTRA_LABEL_COLORS = ("#76b7b2", "#edc948", "#ff9da7", "#9c755f", "#bab0ac", "#17becf",
                      "#bcbd22", "#8c564b", "#e377c2", "#7f7f7f")
#: Records planned and written together (one chunk's documents, spans and checks).
CHUNK_RECORDS = 500

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
    #: The format each file was read as: path -> format name.
    formats: dict[str, str] = field(default_factory=dict)
    #: Records whose text was that of an existing document, with another name (kept).
    other_names: int = 0
    relations_added: int = 0
    relations_skipped: int = 0
    #: Relations kept whose type does not allow the labels of their spans.
    relations_flagged: int = 0
    relation_types_added: list[str] = field(default_factory=list)
    #: Attribute definitions added (``label.name``).
    attributes_added: list[str] = field(default_factory=list)

    def summary(self) -> str:
        parts = [counted(len(self.documents_added), "document") + " added"]
        if self.documents_existing:
            parts.append(f"{len(self.documents_existing)} already in the project")
        parts.append(counted(self.spans_added, "span") + " added")
        if self.spans_skipped:
            parts.append(counted(self.spans_skipped, "duplicate span") + " skipped")
        if self.relations_added or self.relations_skipped:
            parts.append(counted(self.relations_added, "relation") + " added")
        if self.relations_skipped:
            parts.append(counted(self.relations_skipped, "duplicate relation") + " skipped")
        if self.relations_flagged:
            parts.append(f"{counted(self.relations_flagged, 'relation')} kept whose type does "
                         f"not allow {'its' if self.relations_flagged == 1 else 'their'} "
                         f"spans' labels")
        if self.labels_added:
            parts.append("labels added: " + ", ".join(self.labels_added))
        if self.relation_types_added:
            parts.append("relation types added: " + ", ".join(self.relation_types_added))
        if self.attributes_added:
            parts.append("attributes added: " + ", ".join(self.attributes_added))
        if self.other_names:
            parts.append(f"{counted(self.other_names, 'record')} had the text of an existing "
                         f"document; {'its name was' if self.other_names == 1 else 'their names were'} kept")
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


# -- recognising formats ------------------------------------------------------------------------

def _head(path: Path) -> bytes:
    if path.is_dir():
        return b""
    try:
        with path.open("rb") as handle:
            return handle.read(HEAD_BYTES)
    except OSError as exc:
        raise DataError(f"cannot read the file ({exc.strerror or exc})", path=str(path)) from None


def _module(name: str):  # noqa: ANN202 - a module or None
    try:
        return format_module(name)
    except ImportError:  # a format whose module is not there (yet)
        return None


def recognise(path: Path, head: bytes | None = None) -> str | None:
    """The format of a file or folder by its content: the first of
    :data:`SNIFF_ORDER` whose ``sniff`` says yes, then native JSONL; None when none does."""
    head = _head(path) if head is None else head
    for name in SNIFF_ORDER:
        module = _module(name)
        if module is not None and getattr(module, "sniff", None) and module.sniff(path, head):
            return name
    if not path.is_dir() and sniff_native(path, head):
        return "jsonl"
    return None


def detect_format(path: Path) -> str:
    """The format ``auto`` reads ``path`` as, or :class:`DataError` saying what was expected:
    by content first (:func:`recognise`); else a text file by its extension (``.txt`` and any
    suffix that is not structured data). A structured file no importer recognises is refused."""
    head = _head(path)
    found = recognise(path, head)
    if found is not None:
        return found
    suffix = path.suffix.lower()
    if suffix in JSONL_SUFFIXES:
        # Not recognised from its first line: the native reader refuses it naming the line
        # and what it expected (it never reads a record as a plain text).
        return "jsonl"
    if suffix in STRUCTURED_SUFFIXES or (suffix not in TEXT_SUFFIXES and _looks_json(head)):
        raise DataError(_unrecognised(path, head), path=str(path))
    return "text"


def _looks_json(head: bytes) -> bool:
    """Whether a file starts like JSON (an object or a list)."""
    return head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"[")


def _unrecognised(path: Path, head: bytes) -> str:
    suffix = path.suffix.lower()
    if suffix in (".conll", ".conllu", ".iob", ".iob2", ".bio", ".bioes"):
        expected = [EXPECTED["conll"]]
    elif suffix in (".spacy",):
        expected = [EXPECTED["spacy"]]
    elif suffix == ".qdpx":
        expected = [EXPECTED["refi-qda"]]
    elif suffix == ".ann":
        expected = [EXPECTED["brat"]]
    else:
        expected = [EXPECTED["jsonl"], EXPECTED["doccano"], EXPECTED["labelstudio"]]
    return ("no importer recognises this file's content; expected " + " or ".join(expected)
            + "; it was not imported as a text document (give --format to say what it is)")


# -- files and folders --------------------------------------------------------------------------

@dataclass
class Source:
    """One file (or folder read as one format) to import, with its format."""

    path: Path
    format: str


def _folder_sources(root: Path, fmt: str, skipped: list[tuple[str, str]]) -> list[Source]:
    """The files of a folder to import (recursively, hidden ones left out), each with its
    format; what is left out goes to ``skipped`` as ``(relative path, reason)``."""
    from annotator.services.import_scan import HIDDEN, NOT_REGULAR, NOT_TEXT, UNRECOGNISED

    if fmt not in ("auto", "text", "jsonl", "doccano", "labelstudio", "conll"):
        return [Source(root, fmt)]  # a folder format (brat) reads the folder itself
    sources: list[Source] = []
    for folder, dirs, files in os.walk(root):
        here = Path(folder)
        for name in sorted(dirs):
            if name.startswith("."):
                skipped.append((str((here / name).relative_to(root)) + "/", HIDDEN))
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        # brat pairs: each NAME.ann with NAME.txt beside it is read as one brat document
        # (a folder mixing pairs with plain texts and other files keeps all of them).
        paired = {name[:-4] for name in files if name.lower().endswith(".ann")
                  and not name.startswith(".") and f"{name[:-4]}.txt" in files}
        for name in sorted(files):
            if fmt == "auto" and paired:
                stem, suffix = os.path.splitext(name)
                if suffix == ".txt" and stem in paired:
                    continue  # the text of a brat pair: read with its .ann
                if suffix.lower() == ".ann" and stem in paired:
                    sources.append(Source(here / name, "brat"))
                    continue
                if name in BRAT_CONFIGURATION:
                    skipped.append((str((here / name).relative_to(root)), BRAT_CONFIG))
                    continue
            path = here / name
            rel = str(path.relative_to(root))
            if name.startswith("."):
                skipped.append((rel, HIDDEN))
                continue
            if not path.is_file():
                skipped.append((rel, NOT_REGULAR))
                continue
            registry.check_not_open(path, "import")
            suffix = path.suffix.lower()
            if fmt != "auto":
                wanted = (TEXT_SUFFIXES if fmt == "text" else
                          {".json", ".jsonl", ".ndjson"} if fmt != "conll" else
                          {".conll", ".conllu", ".iob", ".iob2", ".bio", ".bioes"})
                if suffix in wanted:
                    sources.append(Source(path, fmt))
                else:
                    skipped.append((rel, NOT_TEXT))
                continue
            if suffix not in TEXT_SUFFIXES and suffix not in STRUCTURED_SUFFIXES:
                skipped.append((rel, NOT_TEXT))
                continue
            head = _head(path)
            found = recognise(path, head)
            if found is None and suffix in TEXT_SUFFIXES:
                found = "text"
            if found is None:
                skipped.append((rel, UNRECOGNISED))
                continue
            sources.append(Source(path, found))
    sources.sort(key=lambda s: str(s.path))
    return sources


#: brat's configuration files beside the pairs (read by no importer; listed as skipped).
BRAT_CONFIGURATION = ("annotation.conf", "visual.conf", "tools.conf", "kb_shortcuts.conf")
BRAT_CONFIG = "brat configuration"


def collect_sources(paths: Sequence[str | Path], fmt: str = "auto",
                    skipped: list[tuple[str, str]] | None = None) -> list[Source]:
    """What to import: each file with its format (recognised when ``fmt`` is ``auto``),
    folders walked (what they leave out goes to ``skipped``).

    A path that is neither a folder nor a regular file (a FIFO, a device, a symlink loop) is
    refused without being opened; so is the project open in this process (or its -wal/-shm);
    so is a named file whose format is not recognised."""
    if fmt not in IMPORT_FORMATS:
        raise DataError(f"unknown import format {fmt!r} (choose {', '.join(IMPORT_FORMATS)})")
    skipped = [] if skipped is None else skipped
    sources: list[Source] = []
    for raw in paths:
        path = Path(raw)
        registry.check_not_open(path, "import")
        if path.is_dir():
            found = _folder_sources(path, fmt, skipped)
            if not found:
                raise DataError("the folder holds no file an importer recognises (.txt, "
                                ".jsonl, .json, .conll, brat, .spacy, .qdpx)", path=str(path))
            sources.extend(found)
        elif os.path.lexists(path):
            check_regular_file(path)
            sources.append(Source(path, detect_format(path) if fmt == "auto" else fmt))
        else:
            raise DataError("no such file or folder", path=str(path))
    return sources


def collect_files(paths: Sequence[str | Path]) -> list[Path]:
    """The files (and folders read as one format) an ``auto`` import of ``paths`` reads."""
    return [source.path for source in collect_sources(paths)]


def _document_name(path: Path, report: ImportReport) -> str:
    """The file's name as a document name, cleaned of control and invisible format
    characters (the report says how)."""
    name, changes = clean_name(path.name)
    if changes:
        if not name:
            name = "document" + path.suffix
        report.names_cleaned.append((path.name, name, "removed " + ", ".join(changes)))
    return name


def read_source(source: Source, options: ImportOptions, report: ImportReport
                ) -> Iterator[ParsedRecord]:
    """The records of one source, one at a time, in its format."""
    path = source.path
    report.formats[str(path)] = source.format
    if source.format == "text":
        text, used = read_text_file(path, options.encoding)
        report.encodings[str(path)] = used
        canonical = canonicalise(text)
        yield ParsedRecord(text=canonical, sha256=sha256_text(canonical), line=1,
                           name=_document_name(path, report))
        return
    if source.format == "jsonl":
        report.encodings[str(path)] = options.encoding or "utf-8"
        if options.encoding is None:
            yield from read_jsonl(iter_byte_lines(path), str(path))
        else:
            yield from read_records(iter_utf8_lines(path, options.encoding), str(path))
        return
    module = _module(source.format)
    if module is None or not hasattr(module, "read"):
        raise DataError(f"the {source.format} import is not available in this version",
                        path=str(path))
    yield from module.read(path, options, report)


# -- planning and writing, a chunk at a time ------------------------------------------------------

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


def _unknown(unknown: dict[str, tuple[Any, ...]], one: str, many: str, hint: str) -> DataError:
    """The refusal of names a chunk uses and the project lacks: each with where it is first
    used (``(path, line, ...)``), and what to do; raised at the first place."""
    listed = ", ".join(f"{name} (first at {where[0]}:{where[1]})"
                       for name, where in unknown.items())
    path, line = next(iter(unknown.values()))[:2]
    return DataError(f"{one if len(unknown) == 1 else many} {listed}; {hint}", path=path, line=line)


@dataclass
class Definitions:
    """Relation types and attribute definitions an import adds as given when the project lacks
    them and unknown labels are added (a colleague's, from their project file); names not
    here are added plainly."""

    relation_types: dict[str, RelationType] = field(default_factory=dict)
    attributes: dict[tuple[str, str], Attribute] = field(default_factory=dict)


class ChunkWriter:
    """Plans and writes records a chunk at a time inside the caller's transaction.

    Every check reads the database (which holds what earlier chunks wrote) through its
    indexes: nothing read before the transaction is trusted."""

    def __init__(self, project: Project, *, annotator: str, add_labels: bool, who: str,
                 report: ImportReport, definitions: Definitions | None = None) -> None:
        self.project = project
        self.definitions = definitions or Definitions()
        self.annotator = annotator
        self.add_labels = add_labels
        self.who = who
        self.report = report
        self.known = {label.name for label in project.labels()}
        self.checked: set[str] = set()
        self.reported: set[int] = set()  # existing documents already in the report
        self.stamp = now()
        #: New relation ids (and span ids, made a chunk at a time): time-ordered, so their
        #: primary-key inserts append.
        self.new_id = IdSource()
        #: The documents the chunks add, written together before each chunk's spans.
        self.new_documents = NewDocuments(project.db.conn, who=who, stamp=self.stamp)
        self.types: dict[str, RelationType] = {rt.name: rt for rt in project.relation_types()}
        self.declared: dict[str, dict[str, Attribute]] = {}
        for attribute in project.label_attributes():
            self.declared.setdefault(attribute.label, {})[attribute.name] = attribute

    def _check_names(self, record: ParsedRecord, source: str) -> None:
        for what, value in (("name", record.name), ("id", record.uid)):
            problem = None if value is None else name_problem(value)
            if problem is not None:
                raise DataError(f"the document {what} {value!r} {problem}; a document "
                                f"name must be plain text", path=source, line=record.line)
        for value in record.names:
            problem = name_problem(value)
            if problem is not None:
                raise DataError(f"the document name {value!r} {problem}; a document "
                                f"name must be plain text", path=source, line=record.line)

    def _labels(self, chunk: Sequence[tuple[ParsedRecord, str]]) -> None:
        unknown: dict[str, tuple[str, int]] = {}
        for record, source in chunk:
            for span in record.spans:
                if span.label not in self.known and span.label not in unknown:
                    problem = name_problem(span.label)
                    if problem is not None:
                        raise DataError(f"label {span.label!r} {problem}; a label name must be "
                                        f"plain text", path=source, line=span.line)
                    unknown[span.label] = (source, span.line)
        if not unknown:
            return
        if not self.add_labels:
            raise _unknown({repr(name): where for name, where in unknown.items()},
                           "unknown label", "unknown labels",
                           "add them to the project first or import with --add-labels")
        for label in _new_labels(self.project, list(unknown)):
            self.project.add_label(label, who=self.who)
            self.report.labels_added.append(label.name)
            self.known.add(label.name)

    def write(self, chunk: Sequence[tuple[ParsedRecord, str]]) -> None:
        """Plan and write one chunk of records (inside the transaction)."""
        project, report = self.project, self.report
        for record, source in chunk:
            self._check_names(record, source)
        self._labels(chunk)
        existing = project.documents_by_sha256({record.sha256 for record, _ in chunk})
        given_ids = [span.id for record, _ in chunk for span in record.spans if span.id is not None]
        used_ids = project.existing_span_ids(given_ids) if given_ids else set()
        self._attributes(chunk)
        self._relation_types(chunk)
        keys: dict[int, set[tuple[int, int, str, str]]] = {}
        created: dict[str, tuple[int, str]] = {}
        groups: list[tuple[int, str, list[ParsedSpan]]] = []
        #: Span ids by duplicate key: added by this chunk, and (read when a record with
        #: relations needs them) those the project had before it.
        added: dict[int, dict[tuple[int, int, str, str], str]] = {}
        before: dict[int, dict[tuple[int, int, str, str], str]] = {}
        linked: list[tuple[ParsedRecord, str, int, dict[str, tuple[str, str, str]]]] = []
        track = any(record.relations for record, _ in chunk)  # keys -> ids only then
        checked, default_who, stamp = self.checked, self.annotator, self.stamp
        # the chunk's new span ids made at once (a C call each, not IdSource's method)
        new_id = iter(time_ordered_ids(sum(len(r.spans) for r, _ in chunk))).__next__
        here: dict[tuple[int, int, str, str], str] = {}
        new_documents = self.new_documents
        for record, source in chunk:
            name = record.name or record.uid or f"{Path(source).name}:{record.line}"
            document = existing.get(record.sha256)
            if document is not None:
                doc_id, doc_name = document.id, document.name
            elif record.sha256 in created:
                doc_id, doc_name = created[record.sha256]
            else:
                doc_id = new_documents.add(name, record.text, record.sha256, uid=record.uid,
                                           meta=record.meta, data=record.data)
                created[record.sha256] = (doc_id, name)
                report.documents_added.append(name)
                keys[doc_id] = set()
                if record.names:
                    new_documents.flush()  # a further name is checked against the row
                for further in record.names:
                    project.add_document_name(doc_id, further, who=self.who, source=source)
                doc_name = None  # this record named the new document
            if doc_name is not None:
                if doc_id not in self.reported:
                    self.reported.add(doc_id)
                    report.documents_existing.append(doc_name)
                new_documents.flush()
                kept = False
                for further in [name, *record.names]:
                    kept = project.add_document_name(doc_id, further, who=self.who,
                                                     source=source) or kept
                if kept:
                    report.other_names += 1
            if doc_id not in keys:
                keys[doc_id] = project.span_keys(doc_id)
            seen = keys[doc_id]
            #: file span id -> (span id as written, annotator, label), for the relations
            ends: dict[str, tuple[str, str, str]] | None = None
            if track:
                here = added.setdefault(doc_id, {})
            if record.relations:
                ends = {}
                linked.append((record, source, doc_id, ends))
            spans: list[ParsedSpan] = []
            append, seen_add, used_add = spans.append, seen.add, used_ids.add
            for parsed in record.spans:
                who = parsed.annotator
                if who is None:
                    who = default_who
                if who not in checked:
                    self._check_layer(who, source, parsed.line)
                key = (parsed.start, parsed.end, parsed.label, who)
                if key in seen:
                    report.spans_skipped += 1
                    if ends is not None and parsed.id is not None:
                        # its relations go to the span the project (or this file) has
                        found = here.get(key)
                        if found is None:
                            if doc_id not in before:
                                before[doc_id] = project.span_ids_by_key(doc_id)
                            found = before[doc_id].get(key)
                        if found is not None:
                            ends[parsed.id] = (found, who, parsed.label)
                    continue
                seen_add(key)
                given = parsed.id
                if given is None or given in used_ids:
                    parsed.id = new_id()
                used_add(parsed.id)
                if track:
                    here[key] = parsed.id
                if ends is not None and given is not None:
                    ends[given] = (parsed.id, who, parsed.label)
                parsed.annotator = who
                if parsed.note is not None and not parsed.note:
                    parsed.note = None
                made = parsed.created_at or stamp
                parsed.updated_at = parsed.updated_at or made
                parsed.created_at = made
                append(parsed)
            if spans:
                groups.append((doc_id, source, spans))
        new_documents.flush()
        report.spans_added += project.add_span_groups(groups, who=self.who)
        if linked:
            self._write_relations(linked)

    def _check_layer(self, who: str, source: str, line: int) -> None:
        """A span's or relation's annotator is a valid layer name (once per name)."""
        try:
            check_annotator(who)
        except AnnotatorError as exc:
            raise DataError(str(exc), path=source, line=line) from None
        self.checked.add(who)

    def _attributes(self, chunk: Sequence[tuple[ParsedRecord, str]]) -> None:
        """Check every span's attribute values against its label's declarations (adding the
        undeclared ones when the import adds labels); values stored as checked."""
        unknown: dict[tuple[str, str], tuple[str, int, Any]] = {}
        for record, source in chunk:
            for span in record.spans:
                if not span.attributes:
                    continue
                declared = self.declared.get(span.label, {})
                for name, value in span.attributes.items():
                    attribute = declared.get(name)
                    if attribute is None:
                        unknown.setdefault((span.label, name), (source, span.line, value))
                        continue
                    try:
                        attribute.check_value(value)
                    except AnnotatorError as exc:
                        raise DataError(f"span [{span.start}, {span.end}) {span.label!r}: {exc}",
                                        path=source, line=span.line) from None
        if not unknown:
            return
        if not self.add_labels:
            one = len(unknown) == 1
            raise _unknown({f"{label}.{name}": where for (label, name), where in unknown.items()},
                           "an attribute the label does not declare:",
                           "attributes the label does not declare:",
                           f"declare {'it' if one else 'them'} first (annotator attributes add) "
                           f"or import with --add-labels")
        for (label, name), (source, line, value) in unknown.items():
            kind = "flag" if type(value) is bool else "text"
            candidates = [Attribute(label, name, kind, (), "Added by import.")]
            given = self.definitions.attributes.get((label, name))
            if given is not None:
                candidates.insert(0, given)
            attribute = self._add_first(candidates, self.project.add_label_attribute,
                                        f"attribute {label}.{name}", source, line)
            self.declared.setdefault(label, {})[name] = attribute
            self.report.attributes_added.append(attribute.qualified)
        self._attributes(chunk)  # the values, against the new definitions

    def _relation_types(self, chunk: Sequence[tuple[ParsedRecord, str]]) -> None:
        unknown: dict[str, tuple[str, int]] = {}
        for record, source in chunk:
            for relation in record.relations:
                if relation.label not in self.types and relation.label not in unknown:
                    unknown[relation.label] = (source, relation.line)
        if not unknown:
            return
        if not self.add_labels:
            one = len(unknown) == 1
            raise _unknown({repr(name): where for name, where in unknown.items()},
                           "unknown relation type", "unknown relation types",
                           f"add {'it' if one else 'them'} to the project first (annotator "
                           f"relations add) or import with --add-labels")
        for name, (source, line) in unknown.items():
            color = EXTRA_LABEL_COLORS[len(self.types) % len(EXTRA_LABEL_COLORS)]
            candidates = [RelationType(name, color, None, "Added by import.")]
            given = self.definitions.relation_types.get(name)
            if given is not None:  # as given; without its key if this project uses it
                candidates[:0] = [given, RelationType(given.name, given.color, None,
                                                      given.description, given.heads,
                                                      given.tails)]
            rt = self._add_first(candidates, self.project.add_relation_type,
                                 f"relation type {name!r}", source, line)
            self.types[name] = rt
            self.report.relation_types_added.append(name)

    def _add_first(self, candidates: Sequence[Any], add: Callable[..., Any], what: str,
                   source: str, line: int) -> Any:
        """Add the first of ``candidates`` the project accepts (a colleague's definition may
        use a key or name a label this project does not have); the last one's refusal is
        the error."""
        for number, candidate in enumerate(candidates):
            try:
                add(candidate, who=self.who)
                return candidate
            except AnnotatorError as exc:
                if number == len(candidates) - 1:
                    raise DataError(f"{what} cannot be added: {exc}", path=source,
                                    line=line) from None
        raise AssertionError("no candidates")

    def _write_relations(self, linked: Sequence[tuple[ParsedRecord, str, int,
                                                      dict[str, tuple[str, str, str]]]]) -> None:
        """The chunk's relations, after its spans: ends mapped to the spans as written (a
        re-id'd span's new id, a skipped duplicate's project span), exact duplicates skipped,
        clashing ids renewed, then one bulk insert per file."""
        project, report = self.project, self.report
        planned: list[tuple[ParsedRelation, str, int, tuple[str, str, str],
                            tuple[str, str, str]]] = []
        for record, source, doc_id, ends in linked:
            for relation in record.relations:
                head, tail = ends.get(relation.head), ends.get(relation.tail)
                if head is None or tail is None:
                    reason = "relations whose span was not kept"
                    report.not_kept[reason] = report.not_kept.get(reason, 0) + 1
                    continue
                planned.append((relation, source, doc_id, head, tail))
        if not planned:
            return
        existing_keys = project.relation_keys_of_heads(head[0] for _, _, _, head, _ in planned)
        taken = project.relations_by_ids(r.id for r, *_ in planned if r.id)
        by_source: dict[str, list[Relation]] = {}
        chosen: set[str] = set()
        for relation, source, doc_id, head, tail in planned:
            layer = relation.annotator or head[1]
            if head[0] == tail[0]:
                raise DataError(f"relation {relation.label!r} links a span to itself",
                                path=source, line=relation.line)
            if not head[1] == tail[1] == layer:
                raise DataError(f"relation {relation.label!r} is in layer {layer!r}; its spans "
                                f"are in {head[1]!r} and {tail[1]!r} (a relation links two "
                                f"spans of one layer, and is in that layer)", path=source,
                                line=relation.line)
            if layer not in self.checked:
                self._check_layer(layer, source, relation.line)
            key = (head[0], tail[0], relation.label)
            if key in existing_keys:
                report.relations_skipped += 1
                continue
            existing_keys.add(key)
            relation_id = relation.id
            if not relation_id or relation_id in taken or relation_id in chosen:
                relation_id = self.new_id()
            chosen.add(relation_id)
            if relation_problem(self.types[relation.label], head[2], tail[2]) is not None:
                report.relations_flagged += 1
            created = relation.created_at or self.stamp
            by_source.setdefault(source, []).append(Relation(
                relation_id, doc_id, head[0], tail[0], relation.label, layer,
                relation.note or None, created, relation.updated_at or created))
        for source, relations in by_source.items():
            try:
                report.relations_added += project.add_relations_bulk(
                    relations, who=self.who, source=source, check_labels=False)
            except AnnotatorError as exc:
                raise DataError(str(exc), path=source) from None


def import_paths(
    project: Project,
    paths: Iterable[str | Path],
    *,
    annotator: str | None = None,
    add_labels: bool = False,
    who: str | None = None,
    progress: Progress | None = None,
    encoding: str | None = None,
    fmt: str = "auto",
    options: ImportOptions | None = None,
    skipped: list[tuple[str, str]] | None = None,
) -> ImportReport:
    """Import files and folders in format ``fmt`` (``auto``: recognised per file), all or
    nothing, streamed (see the module docstring).

    Spans without an ``annotator`` take ``annotator`` (default: the OS user name). ``progress``
    is called per file and per chunk written; returning False cancels (raises
    :class:`ImportCancelled` with nothing written). ``encoding`` (a codec name) is used for
    every file instead of detecting it (:mod:`annotator.services.decoding`). What folders
    leave out is appended to ``skipped`` (``(relative path, reason)``).
    """
    report = ImportReport()
    annotator = annotator or default_annotator()
    try:
        check_annotator(annotator)
    except AnnotatorError as exc:
        raise DataError(f"--annotator: {exc}") from None
    options = options or ImportOptions()
    if encoding is not None:
        options.encoding = encoding
    if options.annotator is None:
        options.annotator = annotator
    sources = collect_sources(list(paths), fmt, skipped)

    current = [0, ""]

    def records() -> Iterator[tuple[ParsedRecord, str]]:
        for number, source in enumerate(sources):
            current[:] = [number, source.path.name]
            if progress and progress(number, len(sources),
                                     f"reading {source.path.name}") is False:
                raise ImportCancelled()
            where = str(source.path)
            for record in read_source(source, options, report):
                yield record, where

    def per_chunk(written: int) -> bool | None:
        if progress is None:
            return None
        return progress(current[0], len(sources),
                        f"{current[1]}: {counted(written, 'record')} read")

    with gc_paused():
        report = import_records(project, records(), annotator=annotator, add_labels=add_labels,
                                who=who or annotator, progress=per_chunk, report=report,
                                expected_bytes=sources_size(s.path for s in sources))
    if progress:
        progress(len(sources), len(sources), "done")
    return report


def import_records(
    project: Project,
    records: Iterable[tuple[ParsedRecord, str]],
    *,
    annotator: str,
    add_labels: bool = False,
    who: str,
    progress: Progress | Callable[[int], bool | None] | None = None,
    report: ImportReport | None = None,
    definitions: Definitions | None = None,
    expected_bytes: int = 0,
) -> ImportReport:
    """Write parsed records (each with the file it came from), all or nothing.

    ``records`` may be a generator: it is consumed :data:`CHUNK_RECORDS` at a time inside one
    transaction (reading the files happens inside it too, so a bad last record rolls back
    everything). Checks labels, skips exact duplicate spans and re-ids clashing span ids (see
    the module docstring). Spans without an annotator take ``annotator``. Shared by
    :func:`import_paths` and the merge of colleagues' work.

    ``progress`` is ``progress(done, total, what)`` when ``records`` is a list, else
    ``progress(records written so far)``; either returns False to cancel (nothing written).
    ``definitions``: how to define relation types and attributes the project lacks, when
    ``add_labels`` adds them (a colleague's own definitions). ``expected_bytes``: the size of
    what the records are read from (:func:`annotator.store.bulk.bulk_writing` says what a
    large one changes).
    """
    report = report if report is not None else ImportReport()
    total = len(records) if isinstance(records, list) else None
    written = 0
    added_before = len(report.documents_added)
    with bulk_writing(project, expected_bytes), project.atomic():
        # The labels, relation types and attributes it checks against are read inside the
        # writing transaction (another program may change them until it begins).
        writer = ChunkWriter(project, annotator=annotator, add_labels=add_labels, who=who,
                             report=report, definitions=definitions)
        for chunk in chunks(records, CHUNK_RECORDS):
            writer.write(chunk)
            written += len(chunk)
            if progress is None:
                continue
            answer = (progress(written, total, "writing") if total is not None  # type: ignore[call-arg]
                      else progress(written))  # type: ignore[call-arg]
            if answer is False:
                raise ImportCancelled()
        # The names' trigram index (the document list's filter) gets the new documents in the
        # same transaction: one statement, about 4 µs a name; the window would otherwise add
        # them a slice at a time while it opens. An import that adds no document changes
        # nothing.
        if len(report.documents_added) > added_before:
            document_rows.index_all_names(project)
    if progress and total is not None:
        progress(total, total, "done")  # type: ignore[call-arg]
    return report
