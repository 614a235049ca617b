"""Import and export of 100,000 spans, each beside a raw baseline measured in the same run.

* import: ``import_paths`` of a native JSONL file (parse, check, plan, write) vs a raw sqlite3
  ``executemany`` of the same span rows in one transaction.   Target: within 2x.
* export: native JSONL export (read, validate, write atomically) vs ``json.dumps`` of the same
  records written to the same disk.                           Target: within 2x.

Run: python benchmarks/bench_import_export.py [--spans 100000] [--documents 100]
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import tempfile
import time
from pathlib import Path

from annotator.domain.spans import new_span_id
from annotator.services.exporting import export, native_records, ExportFilter
from annotator.services.importing import import_paths
from annotator.store import Project

LABELS = ["claim", "actor", "weapon", "number", "source"]
STAMP = "2026-01-01T00:00:00.000Z"


def make_jsonl(path: Path, documents: int, spans: int) -> None:
    per_document = spans // documents
    with path.open("w", encoding="utf-8") as out:
        for d in range(documents):
            text = f"文書{d}：" + "北朝鮮は短距離弾道ミサイルを発射したと韓国軍が発表した。\n" * 60
            items = []
            for i in range(per_document):
                start = (i * 37) % (len(text) - 40)
                end = start + 2 + i % 30
                items.append({"id": new_span_id(), "start": start, "end": end,
                              "label": LABELS[i % 5], "text": text[start:end],
                              "annotator": f"a{i % 3}", "created_at": STAMP,
                              "updated_at": STAMP, "note": None})
            out.write(json.dumps({"id": f"doc{d}", "name": f"doc{d}.txt", "text": text,
                                  "spans": items, "meta": {}}, ensure_ascii=False) + "\n")


def raw_executemany(folder: Path, jsonl: Path, *, foreign_keys: bool) -> float:
    """The same span rows, inserted with one executemany in one transaction (rows prepared
    beforehand: only the database write is timed, which favours the baseline).

    ``foreign_keys``: whether the raw connection enforces the spans' foreign keys, as every
    project connection does (the like-for-like baseline); without, SQLite skips two parent
    lookups per row (the stricter baseline)."""
    name = f"raw-{'fk' if foreign_keys else 'nofk'}.annotator"
    project = Project.open(folder / name)
    label_ids = dict(project.db.execute("SELECT name, id FROM labels").fetchall())
    rows = []
    for number, line in enumerate(jsonl.read_text(encoding="utf-8").splitlines(), start=1):
        record = json.loads(line)
        project.add_document(record["name"], record["text"], who="bench")
        rows.extend((s["id"], number, s["start"], s["end"], label_ids[s["label"]],
                     s["annotator"], s["note"], s["created_at"], s["updated_at"])
                    for s in record["spans"])
    project.close()
    conn = sqlite3.connect(folder / name, isolation_level=None)
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute(f"PRAGMA foreign_keys = {'ON' if foreign_keys else 'OFF'}")
    began = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany('INSERT INTO spans (id, document_id, start, "end", label_id, annotator, '
                     "note, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    conn.execute("COMMIT")
    elapsed = time.perf_counter() - began
    conn.close()
    return elapsed


def raw_dumps(project: Project, path: Path) -> float:
    """json.dumps of the same records (already built in memory) written to the same disk."""
    records = list(native_records(project, ExportFilter()))
    began = time.perf_counter()
    with path.open("w", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
        out.flush()
        os.fsync(out.fileno())
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--spans", type=int, default=100_000)
    parser.add_argument("--documents", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        jsonl = folder / "spans.jsonl"
        make_jsonl(jsonl, args.documents, args.spans)
        baseline = raw_executemany(folder, jsonl, foreign_keys=True)
        stricter = raw_executemany(folder, jsonl, foreign_keys=False)
        with Project.open(folder / "ours.annotator") as project:
            began = time.perf_counter()
            report = import_paths(project, [jsonl], annotator="bench")
            ours = time.perf_counter() - began
            assert report.spans_added == args.spans, report.summary()
            print(f"import {args.spans:,} spans: import_paths {ours:.3f} s (read, check, write), "
                  f"raw executemany {baseline:.3f} s with foreign keys enforced as in every "
                  f"project, ratio {ours / baseline:.2f}x "
                  f"(target <= 2x: {'met' if ours <= 2 * baseline else 'MISSED'}); "
                  f"without foreign keys {stricter:.3f} s, ratio {ours / stricter:.2f}x")
            out = folder / "export.jsonl"
            began = time.perf_counter()
            export(project, output=out)
            ours = time.perf_counter() - began
            baseline = raw_dumps(project, folder / "dumps.jsonl")
            print(f"export {args.spans:,} spans: native export {ours:.3f} s, json.dumps "
                  f"{baseline:.3f} s, ratio {ours / baseline:.2f}x "
                  f"(target <= 2x: {'met' if ours <= 2 * baseline else 'MISSED'})")


if __name__ == "__main__":
    main()
