"""brat standoff: a folder of ``NAME.txt`` + ``NAME.ann`` pairs (and ``annotation.conf``).

**Offsets.** brat's server (``server/src/annotation.py`` of nlplab/brat, Python 3) reads the
``.txt`` with ``codecs.open(..., encoding='utf8', errors='strict')`` and checks every
text-bound offset against ``len()`` of that Python string, so offsets count **code points**
of the file's text as it is on disk: ``codecs.open`` reads in binary mode, so a ``\\r\\n``
counts as two characters and a byte-order mark as one. Its web client counts the same way
since the fix of brat issue #1115 (commit db78d872, "support astral characters": a
``UnicodeString`` that indexes by code point, not by UTF-16 unit). So an imported offset is
checked against the file's text as brat sees it and then mapped to the canonical text (a
leading BOM and the ``\\r`` of each ``\\r\\n`` removed); the export writes the canonical text
(UTF-8, ``\\n``), where both agree.

**Reading** (a folder, searched recursively, hidden entries skipped; or one ``.ann`` file with
its ``.txt`` beside it):

* ``T`` lines ``T1<TAB>label START END<TAB>text`` become spans. The ``text`` must equal the
  ``.txt``'s characters at those offsets (white space compared as spaces, since a line cannot
  hold a line break); a mismatch, an offset past the end of the text, a reversed or empty
  range is refused with ``FILE.ann:LINE``. Discontinuous annotations (``START END;START
  END``) are not kept (counted): the project's spans are contiguous, and splitting one into
  fragments would claim several mentions where there is one.
* ``#`` lines ``#1<TAB>AnnotatorNotes T1<TAB>note`` become the span's note (several are joined
  with line breaks; ``\\n``, ``\\t`` and ``\\\\`` in a note are unescaped).
* An ``A`` (or ``M``) line ``A1<TAB>Annotator T1 NAME`` gives the span its annotator
  (``NAME`` percent-decoded); spans without one take the import's annotator. Any other
  attribute of a ``T`` annotation becomes a span attribute: ``A2<TAB>stance T1 reported``
  the value ``reported`` (percent-decoded), ``A3<TAB>verified T1`` (a binary attribute) the
  yes/no value true; the project checks them against what the span's label declares.
* ``R`` lines ``R1<TAB>attributed_to Arg1:T3 Arg2:T1`` become relations from the first
  argument (head) to the second (tail), of the relation type named (``_`` stays ``_``); an
  ``AnnotatorNotes`` comment on ``R1`` is its note; its layer is its spans'. An argument
  that names no ``T`` annotation of the file is refused; one naming a discontinuous (not
  kept) annotation, or two annotations of different ``Annotator`` values, leaves the relation
  out (counted). Events (``E``), normalisations
  (``N``), equivalences (``*``) and attributes of anything but a ``T`` are counted in
  ``not_kept``.
* A ``.txt`` without an ``.ann`` is not imported (counted).

**Writing** (a folder, replaced atomically): per document ``NAME.txt`` (the canonical text) and
``NAME.ann`` holding every selected annotator's spans, each span a ``T`` line, its annotator
an ``Annotator`` attribute (``A`` line) and its note an ``AnnotatorNotes`` comment (line
breaks written as ``\\n``); its attribute values ``A`` lines (a choice ``A4<TAB>stance T2
reported``; a yes/no value true ``A5<TAB>verified T2``, false written as the attribute's
absence, which is how brat shows no; short-text values have no place in brat and are counted);
each relation an ``R`` line ``R1<TAB>TYPE Arg1:T2 Arg2:T1`` and its note an ``AnnotatorNotes``
comment on it. ``annotation.conf`` lists the labels under ``[entities]``, the relation types
under ``[relations]`` (``attributed_to<TAB>Arg1:claim, Arg2:source``; several labels joined
by ``|``, any label ``<ENTITY>``), and under ``[attributes]`` the ``Annotator`` attribute with
every annotator as a value and each declared attribute (``stance<TAB>Arg:claim,
Value:asserted|reported|denied|speculated``; a yes/no one ``verified<TAB>Arg:claim``; one name
declared by several labels is one definition over all of them, its values joined);
``visual.conf`` gives each label and relation type its colour. White space, ``%``, ``|``, ``,``, ``:``, ``=``, ``<`` and ``>`` in an annotator name are
percent-encoded (brat splits attribute lines and values on them), and white space in a label
is written as ``_`` (brat types are one word; the export says so). Span ids, times and number
values have no place in brat and are not written (the export says how many values).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from annotator.domain.errors import DataError
from annotator.domain.text import (canonical_offset, canonicalise, clean_name, removed_positions,
                                   sha256_text)
from annotator.services.decoding import check_regular_file, read_bytes
from annotator.services.formats import ExportOptions, ImportOptions
from annotator.services.formats._common import (bump, documents_with_relations, new_span_id,
                                                note_dropped, row_attributes)
from annotator.services.native import ParsedRecord, ParsedRelation, ParsedSpan

ANNOTATOR_ATTRIBUTE = "Annotator"
NOT_KEPT_DISCONTINUOUS = "discontinuous brat annotation (START END;START END fragments)"
NOT_KEPT_KINDS = {
    "R": "brat relation (R line) with an argument that is a discontinuous annotation",
    "E": "brat event (E line): the project has no events",
    "N": "brat normalisation (N line)",
    "*": "brat equivalence (* line)",
    "A": "brat attribute of something other than a kept T annotation (A/M line)",
    "#": "brat comment that is not an AnnotatorNotes on a kept T annotation",
}
NOT_KEPT_TXT = "text file without an .ann file beside it (not imported)"
NOT_KEPT_TWO_LAYERS = ("brat relation between annotations of two annotators (a relation links "
                       "spans of one layer)")
_ENCODE = re.compile(r"[\s%|,:=<>]")
_DECODE = re.compile(r"%([0-9A-Fa-f]{2})")
_WHITE = re.compile(r"\s")
_UNESCAPE = re.compile(r"\\([nt\\r])")
_FRAGMENT = re.compile(r"(-?\d+) (-?\d+)")


def encode_name(name: str) -> str:
    """Percent-encode what brat's attribute lines cannot hold (module docstring)."""
    return _ENCODE.sub(lambda m: "".join(f"%{b:02X}" for b in m.group().encode("utf-8")), name)


def decode_name(value: str) -> str:
    """Undo :func:`encode_name` (any ``%XX`` sequence, as UTF-8)."""
    if "%" not in value:
        return value
    data = bytearray()
    position = 0
    for match in _DECODE.finditer(value):
        data += value[position:match.start()].encode("utf-8")
        data.append(int(match.group(1), 16))
        position = match.end()
    data += value[position:].encode("utf-8")
    return data.decode("utf-8", "replace")


def _escape_note(note: str) -> str:
    return note.replace("\\", "\\\\").replace("\r", "\\r").replace("\n", "\\n").replace("\t", "\\t")


def _unescape_note(note: str) -> str:
    return _UNESCAPE.sub(lambda m: {"n": "\n", "t": "\t", "r": "\r", "\\": "\\"}[m.group(1)], note)


# -- recognising ------------------------------------------------------------------------------

def _ann_files(folder: Path) -> list[Path]:
    found = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found.extend(Path(root) / f for f in sorted(files)
                     if f.endswith(".ann") and not f.startswith("."))
    return found


def sniff(path: Path, head: bytes) -> bool:
    """A folder holding ``.ann`` files, or an ``.ann`` file."""
    if path.is_dir():
        return bool(_ann_files(path))
    return path.suffix.lower() == ".ann"


# -- reading ----------------------------------------------------------------------------------

def read(path: Path, options: ImportOptions, report: Any) -> Iterator[ParsedRecord]:
    """The documents of a brat folder or ``.ann`` file (module docstring)."""
    not_kept = report.not_kept if report is not None else {}
    if path.is_dir():
        pairs = _ann_files(path)
        if not pairs:
            raise DataError("the folder holds no brat .ann files", path=str(path))
        with_ann = {p.with_suffix(".txt") for p in pairs}
        for root, dirs, files in os.walk(path):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            bump(not_kept, NOT_KEPT_TXT, sum(
                1 for f in files if f.endswith(".txt") and not f.startswith(".")
                and Path(root) / f not in with_ann))
        base = path
    else:
        if path.suffix.lower() != ".ann":
            raise DataError("a brat import reads a folder of .txt/.ann files or one .ann file",
                            path=str(path))
        pairs = [path]
        base = path.parent
    for ann in pairs:
        yield _read_pair(ann, base, options, not_kept)


def _decode(path: Path) -> str:
    data = read_bytes(path)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise DataError(f"not valid UTF-8 (byte {data[exc.start]:#04x} at offset {exc.start}); "
                        f"brat files are UTF-8", path=str(path), line=line) from None


def _read_pair(ann: Path, base: Path, options: ImportOptions, not_kept: dict[str, int]
               ) -> ParsedRecord:
    txt = ann.with_suffix(".txt")
    if not os.path.lexists(txt):
        raise DataError(f"no text file {txt.name} beside it", path=str(ann))
    check_regular_file(txt)
    raw = _decode(txt)
    removed = removed_positions(raw)
    canonical = canonicalise(raw)
    shown = str(ann)
    spans: dict[str, ParsedSpan] = {}
    notes: list[tuple[str, str, int]] = []
    attributes: list[tuple[str, str, int]] = []
    values: list[tuple[str, str, Any, int]] = []
    relations: dict[str, tuple[str, str, str, int]] = {}
    skipped: set[str] = set()
    for number, line in enumerate(_decode(ann).split("\n"), start=1):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        kind = line[0]
        if kind == "T":
            ident, fields = _fields(line, shown, number, 3, 2)
            span = _text_bound(ident, fields, raw, removed, shown, number, options, not_kept)
            if span is not None:
                spans[ident] = span
            else:
                skipped.add(ident)
        elif kind == "#":
            ident, fields = _fields(line, shown, number, 3)
            target = fields[0].split(" ")
            if target[0] == "AnnotatorNotes" and len(target) == 2:
                notes.append((target[1], _unescape_note(fields[1]), number))
            else:
                bump(not_kept, NOT_KEPT_KINDS["#"])
        elif kind in "AM":
            ident, fields = _fields(line, shown, number, 2)
            parts = fields[0].split(" ")
            if parts[0] == ANNOTATOR_ATTRIBUTE and len(parts) == 3:
                attributes.append((parts[1], decode_name(parts[2]), number))
            elif len(parts) in (2, 3) and parts[0]:
                values.append((parts[1], parts[0],
                               True if len(parts) == 2 else decode_name(parts[2]), number))
            else:
                raise DataError(f"{ident}: expected 'NAME TARGET [VALUE]', got {fields[0]!r}",
                                path=shown, line=number)
        elif kind == "R":
            ident, fields = _fields(line, shown, number, 2)
            parts = fields[0].split()
            args = [part.split(":", 1) for part in parts[1:]]
            if len(parts) != 3 or any(len(arg) != 2 or not arg[1] for arg in args):
                raise DataError(f"{ident}: expected 'TYPE Arg1:T1 Arg2:T2', got "
                                f"{fields[0]!r}", path=shown, line=number)
            relations[ident] = (parts[0], args[0][1], args[1][1], number)
        elif kind in "EN*":
            bump(not_kept, NOT_KEPT_KINDS[kind])
        else:
            raise DataError(f"not a brat annotation line (T, #, A, M, R, E, N or *): "
                            f"{line[:40]!r}", path=shown, line=number)
    for target, who, number in attributes:
        if target in spans:
            spans[target].annotator = who
        else:
            bump(not_kept, NOT_KEPT_KINDS["A"])
    for target, attribute, value, number in values:
        if target in spans:
            spans[target].attributes[attribute] = value
        else:
            bump(not_kept, NOT_KEPT_KINDS["A"])
    parsed: dict[str, ParsedRelation] = {}
    for ident, (kind, head, tail, number) in relations.items():
        for end in (head, tail):
            if end not in spans and end not in skipped:
                raise DataError(f"{ident}: argument {end} is not a text-bound (T) annotation "
                                f"of this file", path=shown, line=number)
        if head in skipped or tail in skipped:
            bump(not_kept, NOT_KEPT_KINDS["R"])
            continue
        if spans[head].annotator != spans[tail].annotator:
            bump(not_kept, NOT_KEPT_TWO_LAYERS)
            continue
        parsed[ident] = ParsedRelation(spans[head].id or "", spans[tail].id or "", kind,
                                       number, annotator=spans[head].annotator)
    for target, note, number in notes:
        item: ParsedSpan | ParsedRelation | None = spans.get(target) or parsed.get(target)
        if item is None:
            bump(not_kept, NOT_KEPT_KINDS["#"])
        else:
            item.note = note if item.note is None else f"{item.note}\n{note}"
    name, _changes = clean_name(txt.relative_to(base).as_posix())
    return ParsedRecord(text=canonical, sha256=sha256_text(canonical), line=1,
                        name=name or txt.name, spans=list(spans.values()),
                        relations=list(parsed.values()))


def _fields(line: str, shown: str, number: int, count: int, minimum: int | None = None
            ) -> tuple[str, list[str]]:
    parts = line.split("\t", count - 1)
    if len(parts) < (count if minimum is None else minimum):
        raise DataError(f"a brat {line[0]} line needs {count} tab-separated fields: "
                        f"{line[:40]!r}", path=shown, line=number)
    return parts[0], parts[1:]


def _text_bound(ident: str, fields: list[str], raw: str, removed: list[int], shown: str,
                number: int, options: ImportOptions, not_kept: dict[str, int]
                ) -> ParsedSpan | None:
    head = fields[0].split(" ", 1)
    if len(head) != 2 or not head[0]:
        raise DataError(f"{ident}: expected 'label START END', got {fields[0]!r}",
                        path=shown, line=number)
    label, ranges = head
    fragments = []
    for part in ranges.split(";"):
        match = _FRAGMENT.fullmatch(part.strip())
        if match is None:
            raise DataError(f"{ident}: offsets must be 'START END' whole numbers, got {part!r}",
                            path=shown, line=number)
        start, end = int(match.group(1)), int(match.group(2))
        if start < 0 or end > len(raw):
            raise DataError(f"{ident} [{start}, {end}) points past the text, which has "
                            f"{len(raw)} characters", path=shown, line=number)
        if start >= end:
            raise DataError(f"{ident} [{start}, {end}) is {'empty' if start == end else 'reversed'}",
                            path=shown, line=number)
        fragments.append((start, end))
    if len(fields) > 1:
        expected = _WHITE.sub(" ", fields[1])
        actual = _WHITE.sub(" ", " ".join(raw[s:e] for s, e in fragments))
        if expected != actual:
            raise DataError(f"{ident}: its text {fields[1]!r} differs from the .txt's "
                            f"{actual!r} at {ranges}", path=shown, line=number)
    if len(fragments) > 1:
        bump(not_kept, NOT_KEPT_DISCONTINUOUS)
        return None
    start, end = fragments[0]
    start, end = canonical_offset(start, removed), canonical_offset(end, removed)
    if start == end:
        raise DataError(f"{ident} covers only a byte-order mark or the \\r of a \\r\\n",
                        path=shown, line=number)
    return ParsedSpan(start, end, label, number, id=new_span_id(), annotator=options.annotator)


# -- writing ----------------------------------------------------------------------------------

_UNSAFE_FILE = re.compile(r"[^\w.\-]+")


def _stem(name: str, used: set[str]) -> str:
    stem = _UNSAFE_FILE.sub("_", Path(name).stem if name.endswith(".txt") else name).strip("._")
    stem = stem[:100] or "document"
    candidate, n = stem, 1
    while candidate.lower() in used:
        n += 1
        candidate = f"{stem}-{n}"
    used.add(candidate.lower())
    return candidate


def brat_label(label: str) -> str:
    """A label as a brat type: white space written as ``_``."""
    return _WHITE.sub("_", label)


def _conf_labels(names: tuple[str, ...]) -> str:
    return "|".join(brat_label(n) for n in names) if names else "<ENTITY>"


def export(project: Any, output: Path | None, filters: Any, options: ExportOptions,
           progress: Any) -> Any:
    """Write a brat folder (module docstring)."""
    from annotator.services.exporting import ExportReport, atomic_folder

    if output is None:
        raise DataError("the brat export writes a folder: give -o FOLDER")
    report = ExportReport(format="brat", path=str(output))
    labels = [l for l in project.labels() if not filters.labels or l.name in filters.labels]
    chosen = {l.name for l in labels}
    declared = [a for a in project.label_attributes() if a.label in chosen]
    kinds = {(a.label, a.name): a.kind for a in declared}
    types = project.relation_types()
    annotators: set[str] = set()
    renamed = {l.name for l in labels if brat_label(l.name) != l.name}
    renamed |= {rt.name for rt in types if brat_label(rt.name) != rt.name}
    values = falses = 0
    dropped: dict[str, int] = {}
    unwritten: dict[str, int] = {}
    with atomic_folder(Path(output), "brat") as folder:
        used: set[str] = {"annotation", "visual", "tools", "kb_shortcuts"}
        for document, text, rows, _names, relations in documents_with_relations(
                project, filters, progress, dropped):
            stem = _stem(document.name, used)
            with open(folder / f"{stem}.txt", "w", encoding="utf-8", newline="") as handle:
                handle.write(text)
            lines = []
            attribute = note_number = 0
            numbers: dict[str, int] = {}
            for number, row in enumerate(rows, start=1):
                span_id, _doc, start, end, label, annotator, note = row[:7]
                numbers[span_id] = number
                shown = _WHITE.sub(" ", text[start:end])
                lines.append(f"T{number}\t{brat_label(label)} {start} {end}\t{shown}\n")
                attribute += 1
                lines.append(f"A{attribute}\t{ANNOTATOR_ATTRIBUTE} T{number} "
                             f"{encode_name(annotator)}\n")
                annotators.add(annotator)
                if len(row) > 10 and row[10]:
                    for name, value in row_attributes(row).items():
                        kind = kinds.get((label, name))
                        if kind is None:
                            bump(unwritten, "the span's label does not declare it")
                        elif kind == "text":
                            bump(unwritten, "a short-text value has no place in brat")
                        elif kind == "flag" and not value:
                            falses += 1
                        else:
                            attribute += 1
                            lines.append(f"A{attribute}\t{encode_name(name)} T{number}"
                                         + ("" if kind == "flag" else f" {encode_name(value)}")
                                         + "\n")
                if note:
                    note_number += 1
                    lines.append(f"#{note_number}\tAnnotatorNotes T{number}\t"
                                 f"{_escape_note(note)}\n")
                values += row[9] is not None
            for number, relation in enumerate(relations, start=1):
                lines.append(f"R{number}\t{brat_label(relation.type)} "
                             f"Arg1:T{numbers[relation.head]} Arg2:T{numbers[relation.tail]}\n")
                if relation.note:
                    note_number += 1
                    lines.append(f"#{note_number}\tAnnotatorNotes R{number}\t"
                                 f"{_escape_note(relation.note)}\n")
            with open(folder / f"{stem}.ann", "w", encoding="utf-8", newline="") as handle:
                handle.write("".join(lines))
            report.documents += 1
            report.spans += len(rows)
        conf = ["[entities]\n", *(f"{brat_label(l.name)}\n" for l in labels), "\n[relations]\n"]
        conf.extend(f"{brat_label(rt.name)}\tArg1:{_conf_labels(rt.heads)}, "
                    f"Arg2:{_conf_labels(rt.tails)}\n" for rt in types)
        conf.append("\n[events]\n\n[attributes]\n")
        if annotators:
            conf.append(f"{ANNOTATOR_ATTRIBUTE}\tArg:<ENTITY>, Value:"
                        + "|".join(encode_name(a) for a in sorted(annotators)) + "\n")
        merged: dict[str, tuple[list[str], list[str]]] = {}
        for a in declared:
            if a.kind == "text":
                continue
            owners, choices = merged.setdefault(a.name, ([], []))
            owners.append(brat_label(a.label))
            choices.extend(c for c in a.choices if c not in choices)
        for name, (owners, choices) in merged.items():
            conf.append(f"{encode_name(name)}\tArg:{'|'.join(owners)}"
                        + (", Value:" + "|".join(encode_name(c) for c in choices)
                           if choices else "") + "\n")
        (folder / "annotation.conf").write_text("".join(conf), encoding="utf-8")
        visual = ["[labels]\n\n[drawing]\n",
                  *(f"{brat_label(l.name)}\tbgColor:{l.color}\n" for l in labels),
                  *(f"{brat_label(rt.name)}\tcolor:{rt.color}\n" for rt in types)]
        (folder / "visual.conf").write_text("".join(visual), encoding="utf-8")
    if renamed:
        report.notes.append("brat types are one word: white space in label(s) "
                            f"{', '.join(sorted(renamed))} written as _")
    if values:
        report.notes.append(f"{values} span value(s) (number values) have no place in brat and "
                            f"were not written; the spans were")
    if falses:
        report.notes.append(f"{falses} yes/no attribute value(s) 'no' written as the "
                            f"attribute's absence, as brat shows no (imported back as unset)")
    note_dropped(report, dropped, "relation")
    note_dropped(report, unwritten, "attribute value")
    return report
