"""REFI-QDA project exchange (``.qdpx``): the format of MAXQDA, NVivo, ATLAS.ti and QualCoder.

A ``.qdpx`` is a zip holding ``project.qde`` (XML, namespace ``urn:QDA-XML:project:1.0``) and
the texts under ``sources/``. The project maps onto it as:

==========================  ===================================================================
annotator                   REFI-QDA
==========================  ===================================================================
annotators                  ``Users/User`` (guid, name)
labels                      ``CodeBook/Codes/Code`` (name, ``color``, ``Description``); a
                            label ``A/B`` is the code ``B`` nested in the code ``A`` (a code
                            that is not codable when there is no label ``A``), and a nested
                            code is read as the label ``A/B``: the hierarchy both ways
documents                   ``Sources/TextSource`` with ``plainTextPath="internal://GUID.txt"``
                            and ``sources/GUID.txt`` (UTF-8, no BOM)
spans                       ``PlainTextSelection`` (``startPosition``, ``endPosition``, guid =
                            the span id, ``creatingUser`` = the annotator, creation and
                            modification times) holding one ``Coding`` with a ``CodeRef`` to
                            the label's code
span notes                  ``NoteRef`` from the selection to a ``Notes/Note`` (a memo) whose
                            ``PlainTextContent`` is the note
relations                   ``Links/Link`` (guid derived from the relation id, ``name`` = the
                            type, ``direction="OneWay"``, ``originGUID`` = the head's
                            selection, ``targetGUID`` = the tail's); a relation note is a
                            ``NoteRef`` from the link to a ``Note``
==========================  ===================================================================

The standard's ``Link`` has no user or times: a relation's layer is its spans', and its id and
times are not carried (a link's guid is derived from the relation id, so exporting again gives
the same guids). Span attributes have no place in QDA-XML (the export says how many values).

**Positions.** The standard's schema (``Project.xsd``, QDA-XML 1.0, 2019) types
``startPosition``/``endPosition`` as ``xsd:integer`` and says nothing of the unit. QualCoder,
the open-source implementation (``src/qualcoder/refi.py``), slices the Python string of the
source text with them (``fulltext[pos0:pos1]``): **code points**, end-exclusive, which is what
this module writes and reads. QualCoder also notes that tools differ on ``\\r\\n``: most count
it as two characters (QualCoder pads its text to match), ATLAS.ti as one. On import, positions
index the source text as stored in the file (a UTF-8 BOM removed, ``\\r\\n`` counted as two
characters, or as one when the project's ``origin`` names ATLAS.ti) and are then mapped to the
canonical text. The export writes ``\\n`` only, where every tool agrees.

**Reading** keeps: text sources (``PlainTextContent`` or an ``internal://`` file), their
selections with every coding (a span per coding: the code's name as label, the coding's or
else the selection's ``creatingUser`` as annotator, else the import's), the selection's notes
(``NoteRef`` memos and its ``Description``, joined by line breaks) as the span's note, times
and (for one coding per selection) the selection's guid as the span id. Counted in
``not_kept``: selections without a code, sources that are not text or whose text is outside the
file, notes not attached to a coded selection, and cases, variables, sets and graphs. A ``Link``
between two coded selections of one source becomes a relation from ``originGUID`` to
``targetGUID`` of the type its ``name`` gives (of the selections' first codings; a
``Bidirectional`` or ``Associative`` link is read as origin to target and counted); links
between anything else (codes, sources, selections of two sources or of two users) are counted.
Refused with the line of ``project.qde``: a file that is not a zip with ``project.qde``, XML
that does not parse, a selection outside its text or reversed, a coding of a code the code book
lacks. Label colours are not imported: labels an import adds get the project's colours.

**Writing** leaves out nothing of a span but its number value (the export says how many); span
ids, times, annotators and notes are all written. GUIDs of users, codes and sources are derived
from their names (the same project exports the same GUIDs).
"""

from __future__ import annotations

import hashlib
import re
import shutil
import tempfile
import uuid
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET
from xml.parsers import expat
from xml.sax.saxutils import escape

from annotator.domain.errors import DataError
from annotator.domain.text import canonical_offset, canonicalise, removed_positions, sha256_text
from annotator.services.decoding import check_regular_file
from annotator.services.formats import ExportOptions, ImportOptions
from annotator.services.formats._common import (bump, documents_with_relations, guid,
                                                new_span_id, note_dropped, row_attributes,
                                                span_id_of_guid)
from annotator.services.native import ParsedRecord, ParsedRelation, ParsedSpan
from annotator.services.wording import counted

NS = "urn:QDA-XML:project:1.0"
PROJECT_FILE = "project.qde"
_GUIDS = uuid.UUID("8d6e7c1a-5b0f-4c3e-9a57-1f0e3b2a6c4d")  # namespace of derived GUIDs
NOT_KEPT_UNCODED = "REFI-QDA selection without a code (a memo on text)"
#: Between the names of a code's ancestors and its own in the label a nested code becomes.
PATH = "/"
NOT_KEPT_SOURCE = "REFI-QDA source that is not a text ({kind})"
NOT_KEPT_OUTSIDE = "REFI-QDA text source whose text is outside the .qdpx"
NOT_KEPT_NOTE = "REFI-QDA note not attached to a coded selection"
NOT_KEPT_PART = "REFI-QDA {kind} (the project has no such thing)"
NOT_KEPT_LINK = "REFI-QDA link that is not between two coded selections of one source"
NOT_KEPT_UNNAMED_LINK = "REFI-QDA link without a name (no relation type)"
NOT_KEPT_LINK_USERS = ("REFI-QDA link between selections of two users (a relation links spans "
                       "of one layer)")
NOT_KEPT_UNDIRECTED = "REFI-QDA link that is not one-way (read as origin -> target)"


def _derived(kind: str, name: str) -> str:
    return str(uuid.uuid5(_GUIDS, f"{kind}:{name}"))


def _q(tag: str, ns: str = NS) -> str:
    return f"{{{ns}}}{tag}"


# -- recognising ------------------------------------------------------------------------------

def sniff(path: Path, head: bytes) -> bool:
    """A zip holding ``project.qde``."""
    if not head.startswith(b"PK\x03\x04") or path.is_dir():
        return False
    try:
        with zipfile.ZipFile(path) as archive:
            return PROJECT_FILE in archive.namelist()
    except (zipfile.BadZipFile, OSError):
        return False


# -- writing ----------------------------------------------------------------------------------

_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


#: What an attribute value in double quotes cannot hold as it is: markup characters and
#: white space other than a space (written as character references), control characters XML
#: cannot carry (written as U+FFFD).
_NEEDS_ESCAPE = re.compile("[&<>\"\n\r\t\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\n": "&#10;",
            "\r": "&#13;", "\t": "&#9;"}


def _escaped(match: re.Match[str]) -> str:
    return _ESCAPES.get(match.group(), "\ufffd")


def _attr(value: str, search: Any = _NEEDS_ESCAPE.search) -> str:
    """An XML attribute value in double quotes (line breaks and tabs kept as references)."""
    if search(value) is None:
        return f'"{value}"'
    return '"' + _NEEDS_ESCAPE.sub(_escaped, value) + '"'


def _coding_guid(selection: str) -> str:
    """The guid of a selection's one coding: the selection's with another version digit
    (``5``, or ``6`` for a selection whose own is ``5``), distinct from it and from every
    other selection's guid (span ids are random UUIDs) and the same on every export, without
    hashing anything."""
    return f"{selection[:14]}{'6' if selection[14] == '5' else '5'}{selection[15:]}"


def _fast_guid(kind: str, name: str) -> str:
    """A GUID derived from ``kind`` and ``name`` (SHA-1, as uuid5, without building a UUID)."""
    digest = hashlib.sha1(f"{kind}:{name}".encode()).hexdigest()
    return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"


def export(project: Any, output: Path | None, filters: Any, options: ExportOptions,
           progress: Any) -> Any:
    """Write a ``.qdpx`` (module docstring). ``project.qde`` is written as it is read, one
    document at a time; only the notes wait for the end (the schema puts them after the
    sources)."""
    from annotator.services.exporting import ExportReport, atomic_output

    if output is None:
        raise DataError("the refi-qda export writes a .qdpx file: give -o FILE")
    report = ExportReport(format="refi-qda", path=str(output))
    labels = [l for l in project.labels() if not filters.labels or l.name in filters.labels]
    code_guid = {l.name: _derived("code", l.name) for l in labels}
    annotators = [a for a in project.annotators()
                  if not filters.annotators or a in filters.annotators]
    users = {name: _derived("user", name) for name in annotators}
    values = replaced = attributes = 0
    dropped: dict[str, int] = {}
    head = ['<?xml version="1.0" encoding="utf-8"?>\n',
            f'<Project xmlns="{NS}" name={_attr(Path(str(project.path)).stem or "annotator")} '
            f'origin="annotator" creationDateTime="{_now()}">\n']
    if users:
        head.append("<Users>\n")
        head.extend(f'<User guid="{g}" name={_attr(n)}/>\n' for n, g in users.items())
        head.append("</Users>\n")
    if labels:
        head.append("<CodeBook><Codes>\n")
        head.extend(_code_tree(labels, code_guid))
        head.append("</Codes></CodeBook>\n")
    notes: list[str] = []
    with atomic_output(Path(output), report) as handle:
        handle.flush()
        # Deflate level 1: the verbose XML compresses well even so, at a fraction of the time.
        with zipfile.ZipFile(handle.buffer, "w", zipfile.ZIP_DEFLATED,
                             compresslevel=1) as archive, tempfile.TemporaryFile() as member:
            # project.qde goes to a temporary file first and into the zip after the texts
            # (a zip is written one member at a time).
            member.write("".join(head).encode("utf-8"))
            opened = False
            links: list[str] = []
            for document, text, rows, _names, relations in documents_with_relations(
                    project, filters, progress, dropped):
                if not opened:
                    member.write(b"<Sources>\n")
                    opened = True
                source_guid = _derived("source", document.sha256)
                archive.writestr(f"sources/{source_guid}.txt", text.encode("utf-8"))
                parts = [f'<TextSource guid="{source_guid}" name={_attr(document.name)} '
                         f'plainTextPath="internal://{source_guid}.txt" '
                         f'creationDateTime="{document.created_at}">\n']
                append = parts.append
                for row in rows:
                    span_id, _doc, start, end, label, annotator, note, created, updated = row[:9]
                    user = users.get(annotator) or _derived("user", annotator)
                    selection = guid(span_id)
                    append(
                        f'<PlainTextSelection guid="{selection}" '
                        f'name={_attr(text[start:end][:100])} '
                        f'startPosition="{start}" endPosition="{end}" '
                        f'creatingUser="{user}" creationDateTime="{created}" '
                        f'modifyingUser="{user}" modifiedDateTime="{updated}">'
                        f'<Coding guid="{_coding_guid(selection)}" '
                        f'creatingUser="{user}" creationDateTime="{created}">'
                        f'<CodeRef targetGUID="{code_guid[label]}"/></Coding>')
                    if note:
                        note_guid = _fast_guid("note", selection)
                        append(f'<NoteRef targetGUID="{note_guid}"/>')
                        cleaned = _INVALID_XML.sub("\ufffd", note)
                        replaced += cleaned != note
                        notes.append(
                            f'<Note guid="{note_guid}" '
                            f'name={_attr(label + ": " + text[start:end][:60])} '
                            f'creatingUser="{user}" creationDateTime="{updated}">'
                            f'<PlainTextContent>{escape(cleaned, {chr(13): "&#13;"})}'
                            f'</PlainTextContent></Note>\n')
                    append("</PlainTextSelection>\n")
                    if row[9] is not None:
                        values += 1
                    if len(row) > 10 and row[10]:
                        attributes += len(row_attributes(row))
                report.spans += len(rows)
                parts.append("</TextSource>\n")
                member.write("".join(parts).encode("utf-8"))
                report.documents += 1
                for relation in relations:
                    link = guid(relation.id)
                    opening = (f'<Link guid="{link}" name={_attr(relation.type)} '
                               f'direction="OneWay" originGUID="{guid(relation.head)}" '
                               f'targetGUID="{guid(relation.tail)}"')
                    if relation.note:
                        note_guid = _fast_guid("note", link)
                        links.append(f'{opening}><NoteRef targetGUID="{note_guid}"/></Link>\n')
                        cleaned = _INVALID_XML.sub("\ufffd", relation.note)
                        replaced += cleaned != relation.note
                        notes.append(
                            f'<Note guid="{note_guid}" name={_attr(relation.type)} '
                            f'creatingUser="{users.get(relation.annotator) or _derived("user", relation.annotator)}" '
                            f'creationDateTime="{relation.updated_at}">'
                            f'<PlainTextContent>{escape(cleaned, {chr(13): "&#13;"})}'
                            f'</PlainTextContent></Note>\n')
                    else:
                        links.append(f"{opening}/>\n")
            if opened:
                member.write(b"</Sources>\n")
            if notes:
                member.write(("<Notes>\n" + "".join(notes) + "</Notes>\n").encode("utf-8"))
            if links:
                member.write(("<Links>\n" + "".join(links) + "</Links>\n").encode("utf-8"))
            member.write(b"</Project>\n")
            member.seek(0)
            with archive.open(PROJECT_FILE, "w") as stored:
                shutil.copyfileobj(member, stored, 1 << 20)
    note_dropped(report, dropped, "relation")
    if attributes:
        report.notes.append(f"{counted(attributes, 'span attribute value')} not written: "
                            f"REFI-QDA has no span attributes")
    if values:
        report.notes.append(f"{values} span value(s) (number values) have no place in "
                            f"REFI-QDA and were not written; the spans were")
    if replaced:
        report.notes.append(f"{replaced} note(s) held control characters XML cannot carry; "
                            f"each was written as U+FFFD")
    return report


def _code_path(name: str) -> list[str]:
    """The code names a label's name stands for: ``actor/leader`` is the code ``leader``
    nested under ``actor``; a name with an empty part is one code."""
    parts = name.split(PATH)
    return parts if all(p.strip() for p in parts) else [name]


def _code_tree(labels: list[Any], code_guid: dict[str, str]) -> list[str]:
    """The ``Code`` elements of the code book: a label ``A/B`` is the code ``B`` inside the
    code ``A`` (the label ``A`` when there is one, else a code that is not codable, holding
    its children only), in palette order of each code's first label."""
    tree: dict[str, Any] = {}
    by_path = {tuple(_code_path(l.name)): l for l in labels}
    for label in labels:
        node = tree
        for part in _code_path(label.name):
            node = node.setdefault(part, {})
    out: list[str] = []

    def emit(node: dict[str, Any], prefix: tuple[str, ...]) -> None:
        for part, children in node.items():
            path = prefix + (part,)
            label = by_path.get(path)
            if label is not None:
                code = (f'<Code guid="{code_guid[label.name]}" name={_attr(part)} '
                        f'isCodable="true" color="{label.color}"')
            else:
                code = (f'<Code guid="{_derived("code", PATH.join(path))}" name={_attr(part)} '
                        f'isCodable="false"')
            description = ""
            if label is not None and label.description:
                description = ("<Description>" + escape(_INVALID_XML.sub("\ufffd",
                               label.description)) + "</Description>")
            if not children and not description:
                out.append(f"{code}/>\n")
                continue
            out.append(f"{code}>{description}" + ("\n" if children else ""))
            emit(children, path)
            out.append("</Code>\n")

    emit(tree, ())
    return out


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


# -- reading ----------------------------------------------------------------------------------

def _parse(data: bytes, shown: str) -> tuple[ET.Element, dict[int, int]]:
    """The XML tree (parsed by ElementTree's C parser) and the line each element starts on
    (by ``id``; a second, light expat pass records the lines in document order)."""
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise DataError(f"not well-formed XML ({str(exc).split(':')[0]})", path=shown,
                        line=exc.position[0]) from None
    starts: list[int] = []
    parser = expat.ParserCreate()

    def start(_name: str, _attrs: Any, append: Any = starts.append) -> None:
        append(parser.CurrentLineNumber)

    parser.StartElementHandler = start
    parser.Parse(data, True)
    return root, {id(element): starts[index] for index, element in enumerate(root.iter())}


_STORED_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


def _time(value: str | None) -> str | None:
    """A stored time (ISO 8601 UTC, milliseconds, ``Z``) from an ``xsd:dateTime``."""
    if not value:
        return None
    if _STORED_TIME.fullmatch(value):
        return value
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def read(path: Path, options: ImportOptions, report: Any) -> Iterator[ParsedRecord]:
    """The text sources of a ``.qdpx`` with their codings (module docstring)."""
    not_kept = report.not_kept if report is not None else {}
    check_regular_file(path)
    shown = f"{path}:{PROJECT_FILE}"
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise DataError(f"not a REFI-QDA project (.qdpx is a zip file): {exc}",
                        path=str(path)) from None
    with archive:
        if PROJECT_FILE not in archive.namelist():
            raise DataError(f"not a REFI-QDA project: the zip holds no {PROJECT_FILE}",
                            path=str(path))
        root, lines = _parse(archive.read(PROJECT_FILE), shown)
        ns = root.tag[1:].split("}")[0] if root.tag.startswith("{") else ""
        if not ns.startswith("urn:QDA-XML:project:") or root.tag != _q("Project", ns):
            raise DataError(f"the root element is {root.tag!r}, not a QDA-XML Project",
                            path=shown, line=1)
        atlas = "ATLAS" in (root.get("origin") or "").upper()
        users = {u.get("guid"): u.get("name") or None for u in root.iter(_q("User", ns))}
        codes: dict[str, str] = {}
        codebook = root.find(_q("CodeBook", ns))

        def walk(element: ET.Element, parent: str | None) -> None:
            for code in element.findall(_q("Code", ns)):
                name = (code.get("name") or "").strip()
                path = name if parent is None or not name else f"{parent}{PATH}{name}"
                if code.get("guid") and name:
                    codes[code.get("guid")] = path
                walk(code, path or parent)

        if codebook is not None:
            for top in codebook.findall(_q("Codes", ns)):
                walk(top, None)
        for code in root.iter(_q("Code", ns)):  # codes outside the code book, as found
            if code.get("guid") and code.get("guid") not in codes and code.get("name"):
                codes[code.get("guid")] = code.get("name").strip()
        notes = {}
        for note in root.iter(_q("Note", ns)):
            content = note.find(_q("PlainTextContent", ns))
            text = content.text if content is not None else None
            if text is None and (note.get("plainTextPath") or "").startswith("internal://"):
                text = _member_text(archive, note.get("plainTextPath"), path)
            notes[note.get("guid")] = text or ""
        used_notes: set[str] = set()
        for kind in ("Cases", "Variables", "Sets", "Graphs"):
            for element in root.findall(_q(kind, ns)):
                bump(not_kept, NOT_KEPT_PART.format(kind=kind.lower()), len(element))
        sources = root.find(_q("Sources", ns))
        records = []
        selections: dict[str, tuple[ParsedRecord, ParsedSpan]] = {}
        for source in [] if sources is None else list(sources):
            kind = source.tag.split("}")[-1]
            if kind != "TextSource":
                bump(not_kept, NOT_KEPT_SOURCE.format(kind=kind))
                continue
            record = _text_source(source, ns, archive, path, shown, lines, users, codes, notes,
                                  used_notes, atlas, options, not_kept, selections)
            if record is not None:
                records.append(record)
        _links(root, ns, lines, shown, selections, notes, used_notes, not_kept)
        bump(not_kept, NOT_KEPT_NOTE, len(set(notes) - used_notes))
    yield from records


def _member_text(archive: zipfile.ZipFile, reference: str, path: Path) -> str | None:
    name = "sources/" + reference[len("internal://"):]
    try:
        data = archive.read(name)
    except KeyError:
        raise DataError(f"the project refers to {reference}, which the zip does not hold",
                        path=str(path)) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(f"{name} is not valid UTF-8 ({exc.reason} at byte {exc.start})",
                        path=str(path)) from None


def _text_source(source: ET.Element, ns: str, archive: zipfile.ZipFile, path: Path, shown: str,
                 lines: dict[int, int], users: dict[str, str | None], codes: dict[str, str],
                 notes: dict[str, str], used_notes: set[str], atlas: bool,
                 options: ImportOptions, not_kept: dict[str, int],
                 selections: dict[str, tuple[ParsedRecord, ParsedSpan]]
                 ) -> ParsedRecord | None:
    content = source.find(_q("PlainTextContent", ns))
    reference = source.get("plainTextPath") or ""
    if content is not None and content.text is not None:
        raw = content.text
    elif reference.startswith("internal://"):
        raw = _member_text(archive, reference, path) or ""
    else:
        bump(not_kept, NOT_KEPT_OUTSIDE)
        return None
    if atlas:
        raw = raw.replace("\r\n", "\n")
    removed = removed_positions(raw)
    text = canonicalise(raw)
    spans: list[ParsedSpan] = []
    firsts: dict[str, ParsedSpan] = {}
    for selection in source.findall(_q("PlainTextSelection", ns)):
        line = lines.get(id(selection), 1)
        try:
            start = int(selection.get("startPosition", ""))
            end = int(selection.get("endPosition", ""))
        except ValueError:
            raise DataError("a PlainTextSelection needs whole-number startPosition and "
                            "endPosition", path=shown, line=line) from None
        if start < 0 or end > len(raw):
            raise DataError(f"selection [{start}, {end}) is outside its text, which has "
                            f"{len(raw)} characters", path=shown, line=line)
        if start >= end:
            raise DataError(f"selection [{start}, {end}) is {'empty' if start == end else 'reversed'}",
                            path=shown, line=line)
        s, e = canonical_offset(start, removed), canonical_offset(end, removed)
        if s >= e:
            raise DataError(f"selection [{start}, {end}) covers only a line-end \\r",
                            path=shown, line=line)
        memo = [notes[ref.get("targetGUID")] for ref in selection.findall(_q("NoteRef", ns))
                if ref.get("targetGUID") in notes]
        used_notes.update(ref.get("targetGUID") for ref in selection.findall(_q("NoteRef", ns)))
        description = selection.find(_q("Description", ns))
        if description is not None and description.text:
            memo.insert(0, description.text)
        codings = selection.findall(_q("Coding", ns))
        if not codings:
            bump(not_kept, NOT_KEPT_UNCODED)
            continue
        for number, coding in enumerate(codings):
            reference_element = coding.find(_q("CodeRef", ns))
            target = None if reference_element is None else reference_element.get("targetGUID")
            if target not in codes:
                raise DataError(f"a coding refers to code {target!r}, which the code book does "
                                f"not hold", path=shown, line=lines.get(id(coding), line))
            who = (users.get(coding.get("creatingUser") or "")
                   or users.get(selection.get("creatingUser") or "") or options.annotator)
            spans.append(ParsedSpan(
                s, e, codes[target], line,
                id=span_id_of_guid(selection.get("guid") if number == 0 else coding.get("guid"))
                or new_span_id(),
                annotator=who,
                created_at=_time(coding.get("creationDateTime")
                                 or selection.get("creationDateTime")),
                updated_at=_time(selection.get("modifiedDateTime")),
                note="\n".join(memo) or None))
            if number == 0 and selection.get("guid"):
                firsts[selection.get("guid")] = spans[-1]
    name = source.get("name") or Path(reference[len("internal://"):]).name or "source"
    record = ParsedRecord(text=text, sha256=sha256_text(text), line=lines.get(id(source), 1),
                          name=name, spans=spans)
    for key, span in firsts.items():
        selections[key] = (record, span)
    return record


def _links(root: ET.Element, ns: str, lines: dict[int, int], shown: str,
           selections: dict[str, tuple[ParsedRecord, ParsedSpan]], notes: dict[str, str],
           used_notes: set[str], not_kept: dict[str, int]) -> None:
    """The ``Links`` between coded selections of one source, as relations of its record."""
    for links in root.findall(_q("Links", ns)):
        for link in links.findall(_q("Link", ns)):
            origin = selections.get(link.get("originGUID") or "")
            target = selections.get(link.get("targetGUID") or "")
            if origin is None or target is None or origin[0] is not target[0]:
                bump(not_kept, NOT_KEPT_LINK)
                continue
            name = (link.get("name") or "").strip()
            if not name:
                bump(not_kept, NOT_KEPT_UNNAMED_LINK)
                continue
            if (link.get("direction") or "OneWay") != "OneWay":
                bump(not_kept, NOT_KEPT_UNDIRECTED)
            refs = [ref.get("targetGUID") for ref in link.findall(_q("NoteRef", ns))]
            used_notes.update(r for r in refs if r)
            memo = [notes[r] for r in refs if r in notes and notes[r]]
            head, tail = origin[1], target[1]
            if head.annotator != tail.annotator:
                bump(not_kept, NOT_KEPT_LINK_USERS)
                continue
            origin[0].relations.append(ParsedRelation(
                head.id or "", tail.id or "", name, lines.get(id(link), 1),
                id=span_id_of_guid(link.get("guid")), annotator=head.annotator,
                note="\n".join(memo) or None))
