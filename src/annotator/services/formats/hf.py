"""Hugging Face ``datasets`` folder: Parquet shards plus a dataset card declaring every feature.

``datasets.load_dataset(FOLDER)``, with no other argument, loads the export with fully typed
features, however large it is and wherever optional values first appear. ``datasets`` infers
column types from the first blocks of a JSON file (about 10 MB), so a ``note``, a date's
``iso`` or a decimal value that is ``null`` in all of them and filled later fails the load of a
plain JSONL file (``Couldn't cast array of type string to null``, ``Float value 1.5 was
truncated``). Declared features alone do not save a JSONL file: ``datasets`` still lets pyarrow
infer each block and casts afterwards, and pyarrow reads a string that looks like a date as a
timestamp, so a date's ``iso`` ``2023-09-12`` (or a span whose text is a date) came back as
``2023-09-12 00:00:00`` (measured with datasets 5.2, pyarrow 26). The data files are therefore
Parquet, written with an explicit schema (every type fixed in the file, nothing inferred), and
``README.md`` carries the same features in its YAML header (``dataset_info.features``) with
the data files (``configs``). Writing Parquet needs pyarrow (``pip install
'annotator[hf]'``; ``datasets`` brings it anyway); without it this format alone is refused
with that advice.

Layout::

    FOLDER/README.md                    dataset card: YAML header + a description of the fields
    FOLDER/data/train-00000.parquet     at most SHARD_RECORDS documents per shard
    FOLDER/data/train-00001.parquet ...

One record per document (the native record's keys, typed)::

    {"id", "name", "names": [str], "text", "sha256", "offset_unit": "codepoint",
     "spans": [{"id", "start", "end", "label", "text", "annotator", "created_at", "updated_at",
                "note", "value": {...} | null, "value_json": str | null,
                "attributes_json": str}],       # the span's attributes as JSON text, "{}"
     "relations": [{"id", "head", "tail", "label", "annotator", "note", "created_at",
                    "updated_at"}],             # head, tail: span ids of the record
     "meta": str}           # the document's meta as JSON text (free-form, so not typed)

Offsets are code points (Python's ``str`` indexing: ``text[start:end] == span["text"]``).
``value`` is the number value of a span (:mod:`annotator.services.japanese.number_values`):
``kind``, ``unit``, ``bound``, ``iso`` strings, ``value``, ``low``, ``high`` float64 (a whole
number comes back as ``4000.0``), ``approx``, ``inclusive``, ``manual`` booleans, ``markers`` a
list of strings. ``value_json`` is the value exactly as stored, as JSON text, so nothing is
lost: a value that does not have the number-value shape has ``value`` null and only
``value_json`` (the export says how many). Nothing here needs ``datasets``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from annotator.domain.errors import DataError
from annotator.services.formats import ExportOptions
from annotator.services.formats._common import documents_with_relations, note_dropped
from annotator.services.native import OFFSET_UNIT

#: Documents per data file.
SHARD_RECORDS = 10_000
#: Documents converted to Arrow at a time (memory: one batch, never the export).
BATCH_RECORDS = 1_000

_STRING, _INT, _FLOAT, _BOOL = "string", "int64", "float64", "bool"
#: The number value's fields, in the stored order, with their types.
VALUE_FEATURES = (("kind", _STRING), ("value", _FLOAT), ("unit", _STRING), ("approx", _BOOL),
                  ("bound", _STRING), ("inclusive", _BOOL), ("low", _FLOAT), ("high", _FLOAT),
                  ("iso", _STRING), ("markers", [_STRING]), ("manual", _BOOL))
SPAN_FEATURES = (("id", _STRING), ("start", _INT), ("end", _INT), ("label", _STRING),
                 ("text", _STRING), ("annotator", _STRING), ("created_at", _STRING),
                 ("updated_at", _STRING), ("note", _STRING), ("value", VALUE_FEATURES),
                 ("value_json", _STRING), ("attributes_json", _STRING))
RELATION_FEATURES = (("id", _STRING), ("head", _STRING), ("tail", _STRING), ("label", _STRING),
                     ("annotator", _STRING), ("note", _STRING), ("created_at", _STRING),
                     ("updated_at", _STRING))
RECORD_FEATURES = (("id", _STRING), ("name", _STRING), ("names", [_STRING]), ("text", _STRING),
                   ("sha256", _STRING), ("offset_unit", _STRING), ("spans", [SPAN_FEATURES]),
                   ("relations", [RELATION_FEATURES]), ("meta", _STRING))


def features_yaml(features: tuple[tuple[str, Any], ...], indent: int) -> list[str]:
    """The ``dataset_info.features`` YAML of ``features`` (the Hub's card syntax: ``dtype``,
    ``struct``, ``list``)."""
    pad = " " * indent
    lines = []
    for name, kind in features:
        lines.append(f"{pad}- name: {name}")
        lines.extend(_kind_yaml(kind, indent + 2))
    return lines


def _kind_yaml(kind: Any, indent: int) -> list[str]:
    pad = " " * indent
    if isinstance(kind, str):
        return [f"{pad}dtype: {kind}"]
    if isinstance(kind, list):  # a list of one element type
        (inner,) = kind
        if isinstance(inner, str):
            return [f"{pad}list: {inner}"]
        return [f"{pad}list:", *features_yaml(inner, indent + 2)]
    return [f"{pad}struct:", *features_yaml(kind, indent + 2)]


def _typed_value(value: Any) -> dict[str, Any] | None:
    """The number value in the declared shape, or None when it does not have that shape."""
    if not isinstance(value, dict) or set(value) - {name for name, _ in VALUE_FEATURES}:
        return None
    out: dict[str, Any] = {}
    for name, kind in VALUE_FEATURES:
        item = value.get(name)
        if item is None:
            out[name] = [] if name == "markers" else None
        elif kind == _STRING and isinstance(item, str):
            out[name] = item
        elif kind == _FLOAT and isinstance(item, (int, float)) and not isinstance(item, bool):
            out[name] = float(item)
        elif kind == _BOOL and isinstance(item, bool):
            out[name] = item
        elif isinstance(kind, list) and isinstance(item, list) and all(
                isinstance(m, str) for m in item):
            out[name] = item
        else:
            return None
    return out


def _rows(project: Any, filters: Any, progress: Any, dropped: dict[str, int]) -> Any:
    """``(document, text, span dicts, names, relation dicts)`` of the selection."""
    from annotator.domain.relations import relation_record
    from annotator.services.native import span_record_from_row

    for document, text, rows, names, relations in documents_with_relations(
            project, filters, progress, dropped):
        spans = []
        for row in rows:
            span = span_record_from_row(row, text)
            span["attributes_json"] = row[10] if len(row) > 10 and row[10] else "{}"
            spans.append(span)
        yield document, text, spans, names, [relation_record(r) for r in relations]


def arrow_type(kind: Any, pa: Any) -> Any:
    """The pyarrow type of a feature description (:data:`RECORD_FEATURES`)."""
    if isinstance(kind, str):
        return {"string": pa.string(), "int64": pa.int64(), "float64": pa.float64(),
                "bool": pa.bool_()}[kind]
    if isinstance(kind, list):
        return pa.list_(arrow_type(kind[0], pa))
    return pa.struct([pa.field(name, arrow_type(inner, pa)) for name, inner in kind])


def _pyarrow() -> Any:
    try:
        import pyarrow
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        raise DataError("the hf export writes Parquet files and needs pyarrow, which is not "
                        "installed: pip install 'annotator[hf]' (or pip install pyarrow)") from None
    return pyarrow


def export(project: Any, output: Path | None, filters: Any, options: ExportOptions,
           progress: Any) -> Any:
    """Write the folder (module docstring)."""
    from annotator.services.exporting import ExportReport, atomic_folder

    if output is None:
        raise DataError("the hf export writes a folder: give -o FOLDER")
    pa = _pyarrow()
    schema = pa.schema([pa.field(name, arrow_type(kind, pa)) for name, kind in RECORD_FEATURES])
    report = ExportReport(format="hf", path=str(output))
    untyped = 0
    shards: list[str] = []
    labels = [l.name for l in project.labels() if not filters.labels or l.name in filters.labels]
    annotators: set[str] = set()
    dropped: dict[str, int] = {}
    with atomic_folder(Path(output), "hf") as folder:
        data = folder / "data"
        data.mkdir()
        writer = None
        in_shard = 0
        batch: list[dict[str, Any]] = []

        def flush() -> None:
            if batch:
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                batch.clear()

        try:
            for document, text, spans, names, relations in _rows(project, filters, progress,
                                                                 dropped):
                if writer is None or in_shard >= SHARD_RECORDS:
                    if writer is not None:
                        flush()
                        writer.close()
                    shards.append(f"train-{len(shards):05d}.parquet")
                    writer = pa.parquet.ParquetWriter(data / shards[-1], schema)
                    in_shard = 0
                for span in spans:
                    value = span["value"]
                    if value is None:
                        span["value_json"] = None
                    else:
                        span["value_json"] = json.dumps(value, ensure_ascii=False)
                        typed = _typed_value(value)
                        untyped += typed is None
                        span["value"] = typed
                    annotators.add(span["annotator"])
                batch.append({"id": document.uid, "name": document.name, "names": list(names),
                              "text": text, "sha256": document.sha256,
                              "offset_unit": OFFSET_UNIT, "spans": spans,
                              "relations": relations,
                              "meta": json.dumps(document.meta or {}, ensure_ascii=False)})
                in_shard += 1
                report.documents += 1
                report.spans += len(spans)
                if len(batch) >= BATCH_RECORDS:
                    flush()
            if writer is None:
                raise DataError("no documents are selected, and datasets cannot load a "
                                "dataset without rows; nothing was written", path=str(output))
            flush()
        finally:
            if writer is not None:
                writer.close()
        (folder / "README.md").write_text(
            card(report.documents, report.spans, labels, sorted(annotators)), encoding="utf-8")
    if untyped:
        report.notes.append(f"{untyped} span value(s) are not number values: written as JSON "
                            f"text in value_json only (value is null)")
    note_dropped(report, dropped, "relation")
    return report


def card(documents: int, spans: int, labels: list[str], annotators: list[str]) -> str:
    """The dataset card: the YAML header ``datasets`` reads, then a description."""
    header = ["---", "configs:", "- config_name: default", "  data_files:",
              "  - split: train", "    path: data/train-*.parquet", "dataset_info:",
              "  config_name: default", "  features:", *features_yaml(RECORD_FEATURES, 2),
              "---"]
    body = f"""
# Annotated spans

Exported by annotator: {documents:,} documents, {spans:,} spans.

Labels: {", ".join(f"`{name}`" for name in labels) or "none"}.
Annotators: {", ".join(f"`{name}`" for name in annotators) or "none"}.

Load it with `datasets.load_dataset("path/to/this/folder")`: the features are declared above,
so every column is typed.

## Fields

- `text`: the document's text; `spans[*].start` and `spans[*].end` are **code points** of it,
  end-exclusive (Python: `text[start:end] == span["text"]`).
- `spans[*].label`, `annotator`, `note` (or null), `created_at`, `updated_at` (ISO 8601 UTC).
- `spans[*].value`: the normalised value of a number span (or null): `kind`, `value`, `unit`,
  `approx`, `bound`, `inclusive`, `low`, `high`, `iso`, `markers`, `manual`;
  `spans[*].value_json` is the same value as stored, as JSON text.
- `spans[*].attributes_json`: the span's attribute values (as its label declares them, e.g.
  `{{"stance": "reported"}}`) as JSON text, `{{}}` when none.
- `relations[*]`: `head` and `tail` are ids of spans of the same record, `label` the relation
  type, `annotator`, `note` (or null), `created_at`, `updated_at`.
- `name`, `names` (further names of the same text), `id`, `sha256` (of the UTF-8 text),
  `meta` (the document's metadata as JSON text).
"""
    return "\n".join(header) + "\n" + body
