"""Checking a colleague's work as strictly as an import, before anything of it is merged.

A colleague's project file is a stranger's SQLite file: anyone can have changed it with any
SQLite tool, and SQLite keeps whatever type a column is given. Every row is checked here:

- a document's text must be a valid UTF-8 string in canonical form
  (:func:`annotator.domain.text.is_canonical`), its stored length the length of that text,
  and its stored SHA-256 the hash recomputed from the text (a text changed behind its hash
  would put every span at the wrong characters); ``meta`` must be a JSON object;
- a span must belong to a document of the file, have whole-number bounds with
  ``0 <= start < end <= len(text)``, a label the file defines (a valid label name), a valid
  annotator name (:func:`annotator.domain.spans.check_annotator`, and no control, format or
  line-separator characters), an id that is a clean non-empty string, times that are ISO 8601
  with a time zone, a note that is text or null, a value that is null or a JSON object
  (finite numbers only) and attributes that are null or a JSON object of names to texts or
  true/false;
- a relation must belong to a document of the file and link two spans of that document (ids
  of spans of the file), have a relation type the file defines, a valid annotator, an id,
  times and a note as spans have them. It comes along with its spans as the record's
  relation (the import checks layers, types and duplicates against this project).

The same span checks run on the spans of a JSONL export after the importer's own checks
(:func:`check_records`), so a JSONL merge is as strict as a project-file merge.

Every problem of a file is found; the first is reported (with how many more there are),
naming the file, the document (its name and id) and the span (id, ``[start, end)``, label).
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from annotator.domain.errors import AnnotatorError, DataError
from annotator.domain.labels import check_name
from annotator.domain.relations import Attribute, RelationType
from annotator.domain.spans import check_annotator
from annotator.domain.text import is_canonical, sha256_text
from annotator.services.importing import Definitions
from annotator.services.native import ParsedRecord, ParsedRelation, ParsedSpan, attributes_problem
from annotator.store.readonly import ForeignDocument, ForeignProject, ForeignRelation, ForeignSpan

__all__ = ["ColleagueRecord", "check_records", "describe_span", "records_of_project"]

MAX_SPAN_ID_LENGTH = 128
_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})")


@dataclass
class ColleagueRecord(ParsedRecord):
    """A record with where it came from: ``document_id`` (a project file's row id, None for
    a JSONL line) so messages can name the document as the colleague knows it."""

    document_id: int | None = None

    def where(self, source: str) -> str:
        """``'name' (file, id 3)`` or ``'name' (file:line)``."""
        if self.document_id is not None:
            return f"{_shown(self.name)} ({source}, id {self.document_id})"
        return f"{_shown(self.name or self.uid or '(unnamed)')} ({source}:{self.line})"


def _shown(value: Any) -> str:
    """A value for a message: strings quoted with every control character escaped (repr),
    anything else described by its type."""
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, bytes):
        return f"<{len(value)} bytes of binary data>"
    return repr(value)


def _bad_unicode(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def describe_document(name: Any, document_id: Any) -> str:
    """``document 'x.txt' (id 3)``."""
    if document_id is None:
        return f"document {_shown(name)}"
    return f"document {_shown(name)} (id {document_id!r})"


def describe_span(span_id: Any, start: Any, end: Any, label: Any) -> str:
    """``span 5f3c… [3, 7) 'actor'``."""
    shown_id = span_id if isinstance(span_id, str) and span_id.isprintable() else _shown(span_id)
    return f"span {shown_id} [{start!r}, {end!r}) {_shown(label)}"


# -- field checks (each returns a reason, or None when the value is fine) ------------------------

def _name_problem(value: Any, what: str) -> str | None:
    """A name that is text, valid UTF-8 and free of control/format characters."""
    if not isinstance(value, str):
        return f"its {what} is not text ({_shown(value)})"
    if _bad_unicode(value):
        return f"its {what} {_shown(value)} is not valid UTF-8"
    for char in value:
        if unicodedata.category(char) in {"Cc", "Cf", "Zl", "Zp"}:
            return (f"its {what} {_shown(value)} contains a control character "
                    f"(U+{ord(char):04X})")
    return None


def annotator_problem(annotator: Any) -> str | None:
    """Why ``annotator`` is not a valid annotator name, or None."""
    if not isinstance(annotator, str) or not annotator.strip():
        return f"its annotator {_shown(annotator)} is not a name (a span needs one)"
    problem = _name_problem(annotator, "annotator")
    if problem is not None:
        return problem
    try:
        check_annotator(annotator)
    except AnnotatorError as exc:
        return f"its annotator is refused: {exc}"
    return None


def span_id_problem(span_id: Any) -> str | None:
    if span_id is None:
        return None
    if not isinstance(span_id, str) or not span_id:
        return f"its id {_shown(span_id)} is not a non-empty string"
    if len(span_id) > MAX_SPAN_ID_LENGTH or span_id != span_id.strip() or not span_id.isprintable():
        return f"its id {_shown(span_id[:MAX_SPAN_ID_LENGTH])} is not a clean one-line id"
    return None


def time_problem(value: Any, what: str, *, required: bool) -> str | None:
    """Why ``value`` is not an ISO 8601 time with a time zone (e.g. 2026-11-23T20:17:00.123Z)."""
    if value is None:
        return f"it has no {what}" if required else None
    if not isinstance(value, str):
        return f"its {what} {_shown(value)} is not text"
    if not _TIME.fullmatch(value):
        return f"its {what} {_shown(value[:40])} is not an ISO 8601 time with a time zone"
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return f"its {what} {_shown(value)} is not a real date and time"
    return None


def note_problem(note: Any) -> str | None:
    if note is None:
        return None
    if not isinstance(note, str):
        return f"its note is not text ({_shown(note)})"
    if _bad_unicode(note):
        return "its note is not valid UTF-8"
    return None


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def _finite(value: Any) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _finite(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_finite(v) for v in value)
    return True


def value_problem(value: Any, *, stored: bool) -> str | None:
    """Why a span's value is not null or a JSON object (``stored``: JSON text in a column)."""
    if value is None:
        return None
    if stored:
        if not isinstance(value, str) or _bad_unicode(value):
            return f"its value {_shown(value)} is not JSON text"
        try:
            value = json.loads(value, parse_constant=_refuse_constant)
        except (ValueError, RecursionError) as exc:
            return f"its value is not valid JSON ({str(exc)[:80]})"
    if not isinstance(value, dict):
        return f"its value must be a JSON object or null, not {type(value).__name__}"
    try:
        if not _finite(value):
            return "its value holds a number JSON does not allow (NaN or infinity)"
    except RecursionError:
        return "its value is nested too deeply"
    return None


def stored_attributes_problem(attributes: Any) -> str | None:
    """Why a span's ``attributes`` column is not NULL or a JSON object of names to texts or
    true/false."""
    if attributes is None:
        return None
    if not isinstance(attributes, str) or _bad_unicode(attributes):
        return f"its attributes {_shown(attributes)} are not JSON text"
    try:
        value = json.loads(attributes, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as exc:
        return f"its attributes are not valid JSON ({str(exc)[:80]})"
    problem = attributes_problem(value)
    return None if problem is None else f"its {problem}"


def label_problem(label: Any) -> str | None:
    problem = _name_problem(label, "label name")
    if problem is not None:
        return problem
    try:
        check_name(label)
    except AnnotatorError as exc:
        return f"its label is refused: {exc}"
    return None


# -- a project file ----------------------------------------------------------------------------

def _document_problems(doc: ForeignDocument) -> list[str]:
    problems = []
    if not isinstance(doc.id, int):
        problems.append(f"its id {_shown(doc.id)} is not a whole number")
    problem = _name_problem(doc.name, "name")
    if problem is not None:
        problems.append(problem)
    if not isinstance(doc.uid, str) or not doc.uid or _bad_unicode(doc.uid):
        problems.append(f"its uid {_shown(doc.uid)} is not a non-empty string")
    text = doc.text
    if not isinstance(text, str):
        return [*problems, f"its text is not text ({_shown(text)})"]
    if _bad_unicode(text):
        return [*problems, "its text is not valid UTF-8"]
    if not is_canonical(text):
        problems.append("its text is not in canonical form (it holds \\r\\n, \\r, U+2028 or "
                        "U+2029 line breaks or a leading BOM); a project stores canonical "
                        "text only")
    if type(doc.length) is not int or doc.length != len(text):
        problems.append(f"its stored length {doc.length!r} is not the length of its text "
                        f"({len(text)} characters)")
    computed = sha256_text(text)
    if doc.sha256 != computed:
        stored = (f"{doc.sha256[:16]}…" if isinstance(doc.sha256, str) and doc.sha256.isprintable()
                  else _shown(doc.sha256)[:40])
        problems.append(f"its text does not match its stored SHA-256 (stored {stored}, the "
                        f"text's is {computed[:16]}…): the text or the hash was changed")
    try:
        meta = json.loads(doc.meta, parse_constant=_refuse_constant) \
            if isinstance(doc.meta, str) else None
    except (ValueError, RecursionError):
        meta = None
    if not isinstance(meta, dict):
        problems.append("its meta is not a JSON object")
    return problems


def _cached(cache: dict[Any, str | None], check: Callable[[Any], str | None], value: Any) -> str | None:
    """``check(value)``, once per distinct value (labels and annotators repeat on every span)."""
    try:
        return cache[value]
    except KeyError:
        problem = cache[value] = check(value)
        return problem
    except TypeError:  # unhashable: cannot come from SQLite, checked anyway
        return check(value)


def _span_problems(span: ForeignSpan, label: Any, text: str | None,
                   cache: dict[str, dict[Any, str | None]]) -> list[str]:
    problems = []
    problem = span_id_problem(span.id)
    if span.id is None:
        problem = "it has no id"
    if problem is not None:
        problems.append(problem)
    if type(span.start) is not int or type(span.end) is not int:
        problems.append(f"its bounds are not whole numbers (start {_shown(span.start)}, end "
                        f"{_shown(span.end)})")
    elif text is not None:
        if span.start < 0 or span.end > len(text):
            problems.append(f"is out of bounds (the text has {len(text)} characters)")
        elif span.start == span.end:
            problems.append("is empty (start == end)")
        elif span.start > span.end:
            problems.append("is reversed (start after end)")
    if label is _MISSING:
        problems.append(f"its label id {span.label_id!r} is not a label of the file")
    else:
        problem = _cached(cache["label"], label_problem, label)
        if problem is not None:
            problems.append(problem)
    for problem in (_cached(cache["annotator"], annotator_problem, span.annotator),
                    note_problem(span.note),
                    time_problem(span.created_at, "created_at", required=True),
                    time_problem(span.updated_at, "updated_at", required=True),
                    value_problem(span.value, stored=True),
                    stored_attributes_problem(span.attributes)):
        if problem is not None:
            problems.append(problem)
    return problems


_MISSING: Any = object()


def _refuse(path: str, problems: list[str]) -> None:
    if problems:
        more = f" ({len(problems) - 1} more problem(s) in this file)" if len(problems) > 1 else ""
        raise DataError(f"{problems[0]}{more}; nothing was merged", path=path)


def records_of_project(foreign: ForeignProject) -> list[ColleagueRecord]:
    """The checked documents and spans of a project file as records for the importer.

    Raises :class:`DataError` naming the file, document and span of the first problem (and
    how many more there are); nothing is returned from a file with any problem.
    """
    problems: list[str] = []
    by_id: dict[Any, ColleagueRecord] = {}
    texts: dict[Any, str | None] = {}
    names: dict[Any, Any] = {}
    records = []
    cache: dict[str, dict[Any, str | None]] = {"label": {}, "annotator": {}}
    span_documents: dict[Any, Any] = {}  # span id -> document id, of the spans kept
    for number, doc in enumerate(foreign.documents, start=1):
        where = describe_document(doc.name, doc.id)
        found = _document_problems(doc)
        problems.extend(f"{where}: {problem}" for problem in found)
        names[doc.id] = doc.name
        text_ok = isinstance(doc.text, str) and not _bad_unicode(doc.text)
        texts[doc.id] = doc.text if text_ok else None
        if found:
            continue
        record = ColleagueRecord(
            text=doc.text, sha256=doc.sha256, line=number, name=doc.name, uid=doc.uid,
            meta=json.loads(doc.meta), document_id=doc.id)
        by_id[doc.id] = record
        records.append(record)
    for span in foreign.spans:
        label = foreign.labels.get(span.label_id, _MISSING) if _hashable(span.label_id) \
            else _MISSING
        if not _hashable(span.document_id) or span.document_id not in texts:
            problems.append(f"{_where_span(span, label)}: its document id "
                            f"{span.document_id!r} is not a document of the file")
            continue
        found = _span_problems(span, label, texts[span.document_id], cache)
        record = by_id.get(span.document_id)
        if found:
            document = describe_document(names[span.document_id], span.document_id)
            where = _where_span(span, label)
            problems.extend(f"{document}: {where} {problem}" if problem.startswith("is ")
                            else f"{document}: {where}: {problem}" for problem in found)
            continue
        if record is None:
            continue
        record.spans.append(ParsedSpan(
            start=span.start, end=span.end, label=label, line=record.line, id=span.id,
            annotator=span.annotator, created_at=span.created_at, updated_at=span.updated_at,
            note=span.note, value=None if span.value is None else json.loads(span.value),
            attributes={} if span.attributes is None else json.loads(span.attributes)))
        span_documents[span.id] = span.document_id
    _relations_of_project(foreign, by_id, names, span_documents, problems, cache)
    _refuse(foreign.path, problems)
    return records


def _relations_of_project(foreign: ForeignProject, by_id: dict[Any, ColleagueRecord],
                          names: dict[Any, Any], span_documents: dict[Any, Any],
                          problems: list[str], cache: dict[str, dict[Any, str | None]]) -> None:
    """Check the file's relations and attach each to its document's record."""
    for relation in foreign.relations:
        kind = (foreign.relation_types.get(relation.type_id, _MISSING)
                if _hashable(relation.type_id) else _MISSING)
        where = _where_relation(relation, kind)
        if not _hashable(relation.document_id) or relation.document_id not in names:
            problems.append(f"{where}: its document id {relation.document_id!r} is not a "
                            f"document of the file")
            continue
        document = describe_document(names[relation.document_id], relation.document_id)
        found = _relation_problems(relation, kind, span_documents, cache)
        if found:
            problems.extend(f"{document}: {where}: {problem}" for problem in found)
            continue
        record = by_id.get(relation.document_id)
        if record is not None:
            record.relations.append(ParsedRelation(
                head=relation.head_id, tail=relation.tail_id, label=kind, line=record.line,
                id=relation.id, annotator=relation.annotator, note=relation.note,
                created_at=relation.created_at, updated_at=relation.updated_at))


def _relation_problems(relation: ForeignRelation, kind: Any, span_documents: dict[Any, Any],
                       cache: dict[str, dict[Any, str | None]]) -> list[str]:
    problems = []
    problem = span_id_problem(relation.id) if relation.id is not None else "it has no id"
    if problem is not None:
        problems.append(problem)
    if kind is _MISSING:
        problems.append(f"its relation type id {relation.type_id!r} is not a relation type of "
                        f"the file")
    else:
        problem = _cached(cache["label"], label_problem, kind)
        if problem is not None:
            problems.append(problem.replace("label", "relation type"))
    for end, span_id in (("head", relation.head_id), ("tail", relation.tail_id)):
        if not _hashable(span_id) or span_id not in span_documents:
            problems.append(f"its {end} {_shown(span_id)} is not a span of the file")
        elif span_documents[span_id] != relation.document_id:
            problems.append(f"its {end} span is in another document")
    for problem in (_cached(cache["annotator"], annotator_problem, relation.annotator),
                    note_problem(relation.note),
                    time_problem(relation.created_at, "created_at", required=True),
                    time_problem(relation.updated_at, "updated_at", required=True)):
        if problem is not None:
            problems.append(problem)
    return problems


def _where_relation(relation: ForeignRelation, kind: Any) -> str:
    shown_id = (relation.id if isinstance(relation.id, str) and relation.id.isprintable()
                else _shown(relation.id))
    shown_kind = f"(relation type id {relation.type_id!r})" if kind is _MISSING else _shown(kind)
    return f"relation {shown_id} {shown_kind}"


def definitions_of_project(foreign: ForeignProject) -> Definitions:
    """The relation types and attribute definitions of a project file, for a merge that adds
    what this project lacks (``--add-labels``) as the colleague defined it. A row that is not
    a valid definition is left out (the merge then adds a plain one)."""
    found = Definitions()
    for row in foreign.relation_type_rows:
        try:
            heads, tails = json.loads(row[4]), json.loads(row[5])
            found.relation_types[row[0]] = RelationType(row[0], row[1], row[2], row[3] or "",
                                                        tuple(heads), tuple(tails))
        except (AnnotatorError, TypeError, ValueError, RecursionError):
            continue
    for row in foreign.attribute_rows:
        try:
            found.attributes[(row[0], row[1])] = Attribute(row[0], row[1], row[2],
                                                           tuple(json.loads(row[3])),
                                                           row[4] or "")
        except (AnnotatorError, TypeError, ValueError, RecursionError):
            continue
    return found


def _where_span(span: ForeignSpan, label: Any) -> str:
    shown_label = f"(label id {span.label_id!r})" if label is _MISSING else label
    return describe_span(span.id, span.start, span.end, shown_label)


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


# -- a JSONL export, after the importer's checks ----------------------------------------------

def check_records(records: Iterable[ParsedRecord], path: str) -> None:
    """Apply the span checks the importer leaves out (annotator, id, times, value) to parsed
    JSONL records. Raises :class:`DataError` naming the file and line, document and span."""
    problems: list[str] = []
    first_line: int | None = None
    for record in records:
        document = describe_document(record.name or record.uid or "(unnamed)", None)
        for span in record.spans:
            found = [p for p in (
                span_id_problem(span.id),
                None if span.annotator is None else annotator_problem(span.annotator),
                label_problem(span.label),
                note_problem(span.note),
                time_problem(span.created_at, "created_at", required=False),
                time_problem(span.updated_at, "updated_at", required=False),
                value_problem(span.value, stored=False),
            ) if p is not None]
            if found and first_line is None:
                first_line = span.line
            where = describe_span(span.id or "(no id)", span.start, span.end, span.label)
            problems.extend(f"{document}: {where}: {problem}" for problem in found)
        for relation in record.relations:
            found = [p for p in (
                span_id_problem(relation.id),
                None if relation.annotator is None else annotator_problem(relation.annotator),
                note_problem(relation.note),
                time_problem(relation.created_at, "created_at", required=False),
                time_problem(relation.updated_at, "updated_at", required=False),
            ) if p is not None]
            if found and first_line is None:
                first_line = relation.line
            where = f"relation {relation.id or '(no id)'} {_shown(relation.label)}"
            problems.extend(f"{document}: {where}: {problem}" for problem in found)
    if problems:
        more = f" ({len(problems) - 1} more problem(s) in this file)" if len(problems) > 1 else ""
        raise DataError(f"{problems[0]}{more}; nothing was merged", path=path, line=first_line)
