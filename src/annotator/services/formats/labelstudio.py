"""Label Studio JSON: tasks with annotations and predictions, in and out. Offsets are CODE POINTS.

Label Studio 1.23 counts ``value.start``/``value.end`` of text regions in Unicode code points
(it converts JavaScript's UTF-16 lengths since its emoji fix; measured with the real server:
regions imported with code-point offsets after 😀, 𠮷 and U+E0100 land on the right characters),
so no conversion is made either way.

**Import** reads a JSON list of tasks, one task object, or tasks one per line, one task at a
time (a task is decoded when it is complete; the file is never held whole). Per task:
``data.text`` is the document (``data.name`` / ``data.id`` its name and uid, when our export
wrote them); each annotation's ``labels`` results become spans (one per label of the region),
with the annotator taken from the region's ``meta.annotator`` (our export; Label Studio keeps
it), else the annotation's ``completed_by`` (an email gives the part before ``@``; a number gives ``user<id>``, or the
email of ``created_username``), else the import's annotator; ``created_at`` and
``updated_at`` are kept (normalised to UTC with milliseconds). Predictions become spans of the
annotator ``model_version`` (or ``prediction``); Label Studio's own JSON export lists
predictions by id only, which is counted in ``not_kept``. A region's note (``meta.text``) becomes the
span's note. Per-region ``choices`` and ``textarea`` results (``id`` = a ``labels`` region's
id) become that span's attribute values, named by ``from_name`` without its ``LABEL.`` prefix
(a ``choices`` value ``true``/``false`` is a yes/no value); ``relation`` results become
relations from ``from_id`` to ``to_id`` (``direction: "left"`` the other way), one per entry of
``labels``, in the head span's layer. A result whose ``start > end``, that lies outside the
text, or whose ``text`` differs from the document's, and a relation or per-region result naming
no region of its annotation, are refused with the line of its task. What the project cannot
hold is counted in the import's ``not_kept``: task-level ``choices`` and other result types,
relations to regions of other kinds, cancelled annotations.

**Export** writes a JSON list, one task a line, for the labelling config
:func:`labeling_config` gives (written beside the export as ``NAME.config.xml``):
``<Labels name="label" toName="text">`` over ``<Text name="text" value="$text">``,
``<Relations>`` with the relation types, a per-region control ``LABEL.NAME`` per attribute.
One annotation (or, with ``--as predictions``, one prediction with ``model_version``) per
annotator holds its spans as ``labels`` regions (``id`` = the span id), their attribute values
as ``choices`` / ``textarea`` results with the region's id, and its relations as ``relation``
results (``from_id``, ``to_id``, ``direction: "right"``, ``labels: [type]``; relation notes,
ids and times have no place there and are counted). Label Studio refuses an annotation whose
``completed_by`` is not the email of one of its users, so ``completed_by`` is written only as a
valid email, from ``--annotator-email NAME=EMAIL`` or ``--email-domain DOMAIN``
(``NAME@DOMAIN``); otherwise it is left out (Label Studio then credits the importing user) and
the annotator's name is kept in each region's ``meta.annotator``, which Label Studio stores and
exports again as it is (checked with Label Studio 1.23.2: an annotation's own ``meta`` is
dropped, a region's kept; the annotations' ``created_at`` become the time of the import there).
A note is the region's ``meta.text``.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any
from xml.sax.saxutils import escape

from annotator.domain.errors import AnnotatorError, DataError
from annotator.domain.spans import check_annotator
from annotator.services.formats import ExportOptions, ImportOptions
from annotator.services.formats._common import (bump, documents_with_relations, new_span_id,
                                                note_dropped, row_attributes)
from annotator.services.wording import counted
from annotator.services.native import (ParsedRecord, ParsedRelation, ParsedSpan, build_record,
                                       check_span_range)

__all__ = ["export", "read", "sniff", "tasks", "write"]

_TASK_START = re.compile(rb"\A(?:\xef\xbb\xbf)?\s*(?:\[\s*)?\{")
_DATA_KEY = re.compile(rb'"data"\s*:\s*\{')
_EMAIL = re.compile(r"[^@\s\"<>(),;:\\\[\]]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+")
_SPAN_ID = re.compile(r"[0-9a-f]{32}")
_READ_BYTES = 1 << 20


def sniff(path: Path, head: bytes) -> bool:
    """A JSON file of Label Studio tasks: a list of objects (or one object) with ``data``."""
    if path.is_dir():
        return False
    return bool(_TASK_START.match(head)) and bool(_DATA_KEY.search(head))


def valid_email(value: str) -> bool:
    """Whether ``value`` is an email address Label Studio accepts as a user's."""
    return bool(_EMAIL.fullmatch(value))


# -- reading ---------------------------------------------------------------------------------

def iter_json_values(path: Path, encoding: str | None = None) -> Iterator[tuple[int, Any]]:
    """``(line, value)`` of each element of a top-level JSON array, or of each top-level
    value of a file of concatenated values (JSON Lines): decoded one at a time, reading the
    file a megabyte at a time, so memory holds one task, not the file."""
    decoder = json.JSONDecoder()
    where = str(path)
    try:
        handle = path.open("r", encoding=encoding or "utf-8-sig", errors="strict", newline="")
    except OSError as exc:
        raise DataError(f"cannot read the file ({exc.strerror or exc})", path=where) from None
    with handle:
        buffer, position, line, eof = "", 0, 1, False
        in_array: bool | None = None

        def more(minimum: int) -> bool:
            nonlocal buffer, position, eof
            if eof:
                return False
            try:
                chunk = handle.read(max(_READ_BYTES, minimum))
            except UnicodeDecodeError as exc:
                raise DataError(f"not valid UTF-8 near line {line} ({exc.reason}); Label "
                                f"Studio JSON is UTF-8", path=where, line=line) from None
            if not chunk:
                eof = True
                return False
            buffer = buffer[position:] + chunk
            position = 0
            return True

        def skip_space() -> None:
            nonlocal position, line
            while True:
                while position < len(buffer) and buffer[position] in " \t\r\n":
                    if buffer[position] == "\n":
                        line += 1
                    position += 1
                if position < len(buffer) or not more(0):
                    return

        skip_space()
        if position >= len(buffer):
            raise DataError("the file is empty: expected Label Studio tasks (a JSON list)",
                            path=where)
        if buffer[position] == "[":
            in_array = True
            position += 1
        else:
            in_array = False
        first = True
        while True:
            skip_space()
            if position >= len(buffer):
                if in_array:
                    raise DataError("the JSON list of tasks is not closed (the file is "
                                    "truncated?)", path=where, line=line)
                return
            if in_array:
                if buffer[position] == "]":
                    position += 1
                    skip_space()
                    if position < len(buffer):
                        raise DataError("unexpected data after the list of tasks",
                                        path=where, line=line)
                    return
                if not first:
                    if buffer[position] != ",":
                        raise DataError(f"not valid JSON: expected ',' or ']' between tasks, "
                                        f"found {buffer[position]!r}", path=where, line=line)
                    position += 1
                    skip_space()
            while True:
                try:
                    value, end = decoder.raw_decode(buffer, position)
                except json.JSONDecodeError as exc:
                    if more(len(buffer)):
                        continue
                    raise DataError(f"not valid JSON ({exc.msg})", path=where,
                                    line=line + buffer.count("\n", position, exc.pos)) from None
                except RecursionError:
                    raise DataError("the JSON is nested too deeply to read", path=where,
                                    line=line) from None
                # A number or literal at the very end of the buffer may continue after it.
                if end == len(buffer) and not isinstance(value, (dict, list, str)) \
                        and more(len(buffer)):
                    continue
                break
            yield line, value
            line += buffer.count("\n", position, end)
            position = end
            first = False


def _stamp(value: Any) -> str | None:
    """An ISO 8601 time as stored (UTC, milliseconds, ``Z``), or None when absent or unreadable."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _email_name(value: str) -> str:
    return value.split("@", 1)[0] or value


def annotator_of(annotation: dict[str, Any], default: str | None) -> str | None:
    """Who made an annotation (see the module docstring; a region's ``meta.annotator``
    comes first, in :func:`_spans_of`)."""
    who = annotation.get("completed_by")
    if isinstance(who, dict):
        email = who.get("email")
        if isinstance(email, str) and email:
            return _email_name(email)
        who = who.get("id")
    username = annotation.get("created_username")
    if isinstance(username, str) and "@" in username:
        email = next((part.strip() for part in username.split(",") if "@" in part), "")
        if email:
            return _email_name(email)
    if isinstance(who, str) and who:
        return _email_name(who)
    if isinstance(who, int) and not isinstance(who, bool):
        return f"user{who}"
    return default


def _count(report: Any, reason: str, n: int = 1) -> None:
    if n:
        report.not_kept[reason] = report.not_kept.get(reason, 0) + n


def _note(result: dict[str, Any]) -> str | None:
    meta = result.get("meta")
    if isinstance(meta, dict):
        text = meta.get("text")
        if isinstance(text, list):
            text = "\n".join(str(t) for t in text if t)
        if isinstance(text, str) and text:
            return text
    return None


def _spans_of(results: Any, text: str, who: str | None, created: str | None,
              updated: str | None, report: Any, path: str, line: int, where: str
              ) -> tuple[list[ParsedSpan], list[ParsedRelation]]:
    """The spans (``labels`` results), their attribute values (per-region ``choices`` and
    ``textarea`` results, tied to a region by its id) and the relations (``relation``
    results) of one annotation or prediction."""
    if not isinstance(results, list):
        raise DataError(f"{where}: \"result\" must be a list", path=path, line=line)
    spans: list[ParsedSpan] = []
    regions: dict[str, list[ParsedSpan]] = {}
    others: set[str] = set()
    later: list[tuple[str, dict[str, Any]]] = []
    for index, result in enumerate(results):
        here = f"{where} result {index}"
        if not isinstance(result, dict):
            raise DataError(f"{here} is not an object", path=path, line=line)
        kind = result.get("type")
        if kind in ("relation", "choices", "textarea"):
            later.append((here, result))
            continue
        if kind != "labels":
            if isinstance(result.get("id"), str):
                others.add(result["id"])
            _count(report, f"Label Studio {kind or 'untyped'} results (only labels are spans)")
            continue
        value = result.get("value")
        if not isinstance(value, dict):
            raise DataError(f"{here}: \"value\" must be an object", path=path, line=line)
        start, end = value.get("start"), value.get("end")
        check_span_range(start, end, len(text), here, path, line)
        expected = value.get("text")
        if expected is not None and expected != text[start:end]:
            raise DataError(f"{here} [{start}, {end}): its text {expected!r} differs from the "
                            f"task's text there, {text[start:end]!r} (Label Studio offsets are "
                            f"code points)", path=path, line=line)
        labels = value.get("labels")
        if not isinstance(labels, list) or not labels or not all(
                isinstance(label, str) and label for label in labels):
            raise DataError(f"{here}: value.labels must be a list of label names",
                            path=path, line=line)
        meta = result.get("meta")
        span_who = who
        if isinstance(meta, dict) and isinstance(meta.get("annotator"), str) and meta["annotator"]:
            span_who = meta["annotator"]
        span_id = result.get("id")
        region = regions.setdefault(span_id, []) if isinstance(span_id, str) and span_id \
            else []
        for number, label in enumerate(labels):
            span = ParsedSpan(
                start, end, label, line,
                id=span_id if number == 0 and isinstance(span_id, str)
                and _SPAN_ID.fullmatch(span_id) else new_span_id(),
                annotator=span_who, created_at=created, updated_at=updated or created,
                note=_note(result))
            spans.append(span)
            region.append(span)
    relations: list[ParsedRelation] = []
    for here, result in later:
        if result["type"] == "relation":
            relations.extend(_relations_of(result, regions, others, created, updated, report,
                                           here, path, line))
        else:
            _attribute_of(result, regions, others, report, here, path, line)
    return spans, relations


def _region(result: dict[str, Any], key: str, regions: dict[str, list[ParsedSpan]],
            others: set[str], here: str, path: str, line: int) -> list[ParsedSpan] | None:
    """The spans of the region ``result[key]`` names; None when it is a region of a kind
    the project does not keep; refused when no region of the annotation has that id."""
    rid = result.get(key)
    if isinstance(rid, str) and rid in regions:
        return regions[rid]
    if isinstance(rid, str) and rid in others:
        return None
    raise DataError(f"{here}: {key} {rid!r} is not the id of a region of this annotation",
                    path=path, line=line)


def _relations_of(result: dict[str, Any], regions: dict[str, list[ParsedSpan]],
                  others: set[str], created: str | None, updated: str | None, report: Any,
                  here: str, path: str, line: int) -> list[ParsedRelation]:
    head = _region(result, "from_id", regions, others, here, path, line)
    tail = _region(result, "to_id", regions, others, here, path, line)
    if head is None or tail is None:
        _count(report, "Label Studio relations with an end that is not a labels region")
        return []
    labels = result.get("labels") or []
    if not isinstance(labels, list) or not all(isinstance(l, str) and l for l in labels):
        raise DataError(f"{here}: labels must be a list of relation type names",
                        path=path, line=line)
    if not labels:
        _count(report, "Label Studio relations without a type (no labels)")
        return []
    direction = result.get("direction", "right")
    if direction == "left":
        head, tail = tail, head
    elif direction == "bi":
        _count(report, "Label Studio bidirectional relations (imported as from -> to)")
    elif direction != "right":
        raise DataError(f"{here}: direction {direction!r} is not right, left or bi",
                        path=path, line=line)
    if len(head) > 1 or len(tail) > 1:
        _count(report, "Label Studio relations of a region with several labels (linked to "
                       "its first label's span)")
    h, t = head[0], tail[0]
    if h.annotator != t.annotator:
        _count(report, "Label Studio relations between regions of two annotators (a relation "
                       "links spans of one layer)", len(labels))
        return []
    return [ParsedRelation(h.id or "", t.id or "", label, line, annotator=h.annotator,
                           created_at=created, updated_at=updated or created)
            for label in labels]


def _attribute_of(result: dict[str, Any], regions: dict[str, list[ParsedSpan]],
                  others: set[str], report: Any, here: str, path: str, line: int) -> None:
    kind = result["type"]
    rid = result.get("id")
    if not isinstance(rid, str) or (rid not in regions and rid not in others):
        _count(report, f"Label Studio {kind} results not tied to a region (task-level "
                       f"classification or text)")
        return
    spans = regions.get(rid)
    if spans is None:
        _count(report, f"Label Studio {kind} results on a region that is not a labels region")
        return
    value = result.get("value")
    if not isinstance(value, dict):
        raise DataError(f"{here}: \"value\" must be an object", path=path, line=line)
    control = result.get("from_name")
    if not isinstance(control, str) or not control:
        raise DataError(f"{here}: from_name must name the attribute's control",
                        path=path, line=line)
    if kind == "choices":
        choices = value.get("choices")
        if not isinstance(choices, list) or not all(isinstance(c, str) for c in choices):
            raise DataError(f"{here}: value.choices must be a list of texts",
                            path=path, line=line)
        if len(choices) != 1:
            _count(report, "Label Studio choices results with other than one choice (an "
                           "attribute holds one value)")
            return
        got: Any = {"true": True, "false": False}.get(choices[0], choices[0])
    else:
        lines = value.get("text")
        if isinstance(lines, str):
            lines = [lines]
        if not isinstance(lines, list) or not all(isinstance(t, str) for t in lines):
            raise DataError(f"{here}: value.text must be a list of texts", path=path, line=line)
        got = " ".join(t.strip() for t in lines if t.strip())
        if not got:
            return
    prefixed = [s for s in spans if control.startswith(s.label + ".")]
    for span in prefixed or spans:
        name = control[len(span.label) + 1:] if prefixed else control
        span.attributes[name] = got


def _check_who(who: str | None, path: str, line: int) -> None:
    if who is None:
        return
    try:
        check_annotator(who)
    except AnnotatorError as exc:
        raise DataError(str(exc), path=path, line=line) from None


def parse_task(task: Any, path: str, line: int, report: Any, annotator: str | None
               ) -> ParsedRecord:
    """One Label Studio task as a record (code-point offsets, checked)."""
    if not isinstance(task, dict) or not isinstance(task.get("data"), dict):
        raise DataError("not a Label Studio task: expected an object with \"data\": "
                        "{\"text\": ...} and \"annotations\" / \"predictions\"",
                        path=path, line=line)
    data = task["data"]
    text = data.get("text")
    if not isinstance(text, str):
        raise DataError("the task's data has no \"text\" string (the labelling config must "
                        "read $text)", path=path, line=line)
    spans: list[ParsedSpan] = []
    relations: list[ParsedRelation] = []
    annotations = task.get("annotations") or []
    if not isinstance(annotations, list):
        raise DataError("\"annotations\" must be a list", path=path, line=line)
    for number, annotation in enumerate(annotations):
        where = f"annotation {number}"
        if not isinstance(annotation, dict):
            raise DataError(f"{where} is not an object", path=path, line=line)
        if annotation.get("was_cancelled"):
            _count(report, "Label Studio cancelled annotations")
            continue
        who = annotator_of(annotation, annotator)
        _check_who(who, path, line)
        found, linked = _spans_of(annotation.get("result") or [], text, who,
                                  _stamp(annotation.get("created_at")),
                                  _stamp(annotation.get("updated_at")), report, path, line,
                                  where)
        spans.extend(found)
        relations.extend(linked)
    predictions = task.get("predictions") or []
    if not isinstance(predictions, list):
        raise DataError("\"predictions\" must be a list", path=path, line=line)
    for number, prediction in enumerate(predictions):
        where = f"prediction {number}"
        if isinstance(prediction, int) and not isinstance(prediction, bool):
            # Label Studio's own JSON export lists a task's predictions by id only.
            _count(report, "Label Studio predictions listed by id only (its JSON export "
                           "does not include their results)")
            continue
        if not isinstance(prediction, dict):
            raise DataError(f"{where} is not an object", path=path, line=line)
        version = prediction.get("model_version")
        who = version if isinstance(version, str) and version.strip() else "prediction"
        _check_who(who, path, line)
        found, linked = _spans_of(prediction.get("result") or [], text, who,
                                  _stamp(prediction.get("created_at")),
                                  _stamp(prediction.get("updated_at")), report, path, line,
                                  where)
        spans.extend(found)
        relations.extend(linked)
    if task.get("drafts"):
        _count(report, "Label Studio drafts", len(task["drafts"]))
    name = data.get("name") if isinstance(data.get("name"), str) and data.get("name") else None
    uid = data.get("id") if isinstance(data.get("id"), str) and data.get("id") else None
    meta: dict[str, Any] = {}
    if isinstance(task.get("meta"), dict):
        meta.update(task["meta"])
    if "id" in task:
        meta["labelstudio_task_id"] = task["id"]
    if name is None and "id" in task:
        name = f"task {task['id']}"
    record = build_record(text, spans, path=path, line=line, name=name, uid=uid, meta=meta)
    record.relations = relations
    names = data.get("names")
    if isinstance(names, list):
        record.names = [n for n in names if isinstance(n, str) and n]
    return record


def read(path: Path, options: ImportOptions, report: Any) -> Iterator[ParsedRecord]:
    """The tasks of a Label Studio JSON export, one at a time."""
    where = str(path)
    found = False
    for line, value in iter_json_values(path, options.encoding):
        found = True
        yield parse_task(value, where, line, report, options.annotator)
    if not found:
        raise DataError("the file holds no Label Studio tasks (an empty list)", path=where)


# -- writing ---------------------------------------------------------------------------------

def email_of(name: str, options: ExportOptions) -> str | None:
    """The email written as ``completed_by`` for annotator ``name``, if a valid one is known."""
    email = options.annotator_emails.get(name)
    if email is None and options.email_domain:
        email = f"{name}@{options.email_domain}"
    return email if email is not None and valid_email(email) else None


def check_options(options: ExportOptions) -> None:
    """Refuse invalid ``--annotator-email`` / ``--email-domain`` / ``--as`` values."""
    for name, email in options.annotator_emails.items():
        if not valid_email(email):
            raise DataError(f"--annotator-email {name}={email}: not an email address")
    if options.email_domain is not None and not valid_email("x@" + options.email_domain):
        raise DataError(f"--email-domain {options.email_domain}: not a domain name")
    if options.labelstudio_as not in ("annotations", "predictions"):
        raise DataError(f"--as {options.labelstudio_as}: choose annotations or predictions")


def attribute_control(label: str, name: str) -> str:
    """The name of the labelling config's control for attribute ``label.name`` (the
    ``from_name`` of its results)."""
    return f"{label}.{name}"


def _attribute_results(row: tuple[Any, ...], text: str, kinds: dict[tuple[str, str], str],
                       origin: str, dropped: dict[str, int]) -> list[dict[str, Any]]:
    values = row_attributes(row)
    out = []
    for name, value in values.items():
        kind = kinds.get((row[4], name))
        if kind is None:
            bump(dropped, "the span's label does not declare it (a value left from before a "
                          "relabel)")
            continue
        area = {"start": row[2], "end": row[3]}
        if kind == "text":
            result = {"type": "textarea", "value": {**area, "text": [value]}}
        else:
            choice = ("true" if value else "false") if kind == "flag" else value
            result = {"type": "choices",
                      "value": {**area, "text": text[row[2]:row[3]], "choices": [choice]}}
        out.append({"id": row[0], "from_name": attribute_control(row[4], name),
                    "to_name": "text", "origin": origin, **result})
    return out


def tasks(project: Any, filters: Any, options: ExportOptions, progress: Any = None,
          report: Any = None) -> Iterator[dict[str, Any]]:
    """Label Studio tasks of the selected documents (code-point offsets): per annotator one
    annotation (or prediction) holding the span regions, their attribute results and the
    relations between them."""
    predictions = options.labelstudio_as == "predictions"
    origin = "prediction" if predictions else "manual"
    kinds = {(a.label, a.name): a.kind for a in project.label_attributes()}
    without_email: set[str] = set()
    dropped_relations: dict[str, int] = {}
    dropped_values: dict[str, int] = {}
    carried = 0
    for document, text, rows, names, relations in documents_with_relations(
            project, filters, progress, dropped_relations):
        by_annotator: dict[str, list[dict[str, Any]]] = {}
        times: dict[str, list[str]] = {}
        for row in rows:
            result = {
                "id": row[0], "from_name": "label", "to_name": "text", "type": "labels",
                "origin": origin,
                "value": {"start": row[2], "end": row[3], "text": text[row[2] : row[3]],
                          "labels": [row[4]]},
                "meta": {"annotator": row[5]},
            }
            if row[6]:
                result["meta"]["text"] = [row[6]]
            results = by_annotator.setdefault(row[5], [])
            results.append(result)
            if len(row) > 10 and row[10]:
                results.extend(_attribute_results(row, text, kinds, origin, dropped_values))
            stamps = times.setdefault(row[5], [row[7], row[8]])
            stamps[0] = min(stamps[0], row[7])
            stamps[1] = max(stamps[1], row[8])
        for relation in relations:
            by_annotator[relation.annotator].append(
                {"from_id": relation.head, "to_id": relation.tail, "type": "relation",
                 "direction": "right", "labels": [relation.type]})
            carried += bool(relation.note)
        data = {"text": text, "name": document.name, "id": document.uid,
                "sha256": document.sha256}
        if names:
            data["names"] = names
        task: dict[str, Any] = {"data": data}
        if predictions:
            task["predictions"] = [{"model_version": name, "result": results}
                                   for name, results in by_annotator.items()]
        else:
            annotations = []
            for name, results in by_annotator.items():
                annotation: dict[str, Any] = {"result": results, "ground_truth": False,
                                              "created_at": times[name][0],
                                              "updated_at": times[name][1]}
                email = email_of(name, options)
                if email is not None:
                    annotation["completed_by"] = {"email": email}
                else:
                    without_email.add(name)
                annotations.append(annotation)
            task["annotations"] = annotations
        yield task
    if report is None:
        return
    if without_email:
        report.notes.append(
            "completed_by left out for " + ", ".join(sorted(without_email)) + " (no valid "
            "email: give --annotator-email NAME=EMAIL or --email-domain DOMAIN); Label Studio "
            "credits the importing user; the name is kept in each region's meta.annotator")
    note_dropped(report, dropped_relations, "relation")
    note_dropped(report, dropped_values, "attribute value")
    if carried:
        report.notes.append(f"{counted(carried, 'relation note')} not written: a Label Studio "
                            f"relation holds no note (relation ids and times are not carried "
                            f"either)")


def write(project: Any, out: IO[str], filters: Any, options: ExportOptions, progress: Any,
          report: Any) -> None:
    """Write the Label Studio JSON (a list, one task a line) to ``out``."""
    from annotator.services.exporting import dumps

    check_options(options)
    key = "predictions" if options.labelstudio_as == "predictions" else "annotations"
    out.write("[")
    for number, task in enumerate(tasks(project, filters, options, progress, report)):
        out.write(("\n" if number == 0 else ",\n") + dumps(task))
        report.documents += 1
        report.spans += sum(1 for a in task[key] for r in a["result"] if r["type"] == "labels")
    out.write("\n]\n")
    report.notes.append("labelstudio offsets are code points, as Label Studio counts them")


def _xml(value: str) -> str:
    return escape(value, {'"': "&quot;", "\n": "&#10;", "\t": "&#9;"})


def labeling_config(project: Any, labels: list[str] | None = None) -> str:
    """The Label Studio labelling config the export fits (XML): ``<Labels name="label">``
    over ``<Text name="text" value="$text">`` with the labels and their colours,
    ``<Relations>`` with the relation types, and per attribute a per-region control named
    ``LABEL.NAME`` shown when a region of that label is selected: ``<Choices>`` (one of the
    choices; a yes/no attribute as the two choices ``true`` and ``false``) or a one-line
    ``<TextArea>``."""
    chosen = [l for l in project.labels() if not labels or l.name in labels]
    names = {l.name for l in chosen}
    lines = ["<View>",
             '  <Labels name="label" toName="text">',
             *(f'    <Label value="{_xml(l.name)}" background="{l.color}"/>' for l in chosen),
             "  </Labels>",
             '  <Text name="text" value="$text"/>']
    types = project.relation_types()
    if types:
        lines.append("  <Relations>")
        lines.extend(f'    <Relation value="{_xml(rt.name)}"/>' for rt in types)
        lines.append("  </Relations>")
    for attribute in project.label_attributes():
        if attribute.label not in names:
            continue
        control = _xml(attribute_control(attribute.label, attribute.name))
        when = (f'visibleWhen="region-selected" whenTagName="label" '
                f'whenLabelValue="{_xml(attribute.label)}"')
        lines.append(f"  <View {when}>")
        lines.append(f'    <Header value="{_xml(attribute.qualified)}" size="6"/>')
        if attribute.kind == "text":
            lines.append(f'    <TextArea name="{control}" toName="text" perRegion="true" '
                         f'editable="true" maxSubmissions="1" rows="1"/>')
        else:
            choices = attribute.choices if attribute.kind == "choice" else ("true", "false")
            lines.append(f'    <Choices name="{control}" toName="text" perRegion="true" '
                         f'choice="single-radio">')
            lines.extend(f'      <Choice value="{_xml(c)}"/>' for c in choices)
            lines.append("    </Choices>")
        lines.append("  </View>")
    lines.append("</View>")
    return "\n".join(lines) + "\n"


def config_path(output: Path) -> Path:
    """Where the export writes the labelling config: ``NAME.config.xml`` beside
    ``NAME.json``."""
    return output.with_name(output.stem + ".config.xml")


def export(project: Any, output: Path | None, filters: Any, options: ExportOptions,
           progress: Any = None) -> Any:
    """Export to ``output`` atomically (standard output when None), and the labelling config
    to :func:`config_path` beside it."""
    from annotator.services.exporting import ExportReport, atomic_output

    report = ExportReport(format="labelstudio", path=None if output is None else str(output))
    check_options(options)
    if output is None:
        write(project, sys.stdout, filters, options, progress, report)
        return report
    output = Path(output)
    with atomic_output(output, report) as handle:
        write(project, handle, filters, options, progress, report)
    config = config_path(output)
    with atomic_output(config) as handle:
        handle.write(labeling_config(project, filters.labels))
    report.notes.append(f"the Label Studio labelling config for these tasks is in "
                        f"{config.name} (labels, relations, attributes)")
    return report
