"""Import and export of 100,000 spans in each exchange format, beside native JSONL.

Two corpora, each of 100,000 spans on Japanese text with astral characters (😀, 𠮷, 葛 +
U+E0100) before the spans:

* **layers**: 100 documents, 1,000 spans each by three annotators, overlapping (what
  spaCy, brat, REFI-QDA, hf and native JSONL carry whole);
* **one layer**: the same texts with 1,000 non-overlapping spans per document by one annotator
  (what CoNLL/IOB2 can hold; native JSONL is measured on it too).

The layers corpus also gets ``--relations`` relations (default 20,000: each between two spans
of one annotator in one document) and a ``claim.stance`` value on every tenth claim span.

Each format is exported from a project holding the corpus (``export``), then that output is
imported into a fresh project with ``import_paths(..., fmt=FORMAT)`` (recognition by
``--format auto`` is not timed). Target: within 3x of the native JSONL figure of the same
corpus. Also prints the round-trip table: spans and relations in, written (spans), back, lost
and not kept, with reasons.

Run: python benchmarks/bench_formats.py [--spans 100000] [--documents 100] [--repeat 3]
                                        [--relations 20000] [--formats jsonl,spacy,...]
"""

from __future__ import annotations

import argparse
import gc
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from annotator.domain.spans import new_span_id
from annotator.services.exporting import ExportFilter, export
from annotator.services.formats import ExportOptions, ImportOptions
from annotator.services.importing import import_paths
from annotator.store import Project

LABELS = ["claim", "actor", "weapon", "number", "source"]
STAMP = "2026-01-01T00:00:00.000Z"
PREFIX = "\U0001F600𠮷葛\U000E0100城で"
LINE = "北朝鮮は短距離弾道ミサイルを発射したと韓国軍が発表した。\n"
TARGETS = {"jsonl": "x.jsonl", "conll": "x.conll", "spacy": "x.spacy", "brat": "brat",
           "refi-qda": "x.qdpx", "hf": "hf", "labelstudio": "x.json", "doccano": "x.doccano.jsonl"}
LAYER_FORMATS = ["jsonl", "labelstudio", "doccano", "spacy", "brat", "refi-qda", "hf"]


def add_relations(project: Project, count: int) -> int:
    """``count`` relations (type ``involves``, labels not checked), each between two spans of
    one annotator in one document, and a stance on every tenth claim span."""
    from annotator.domain.relations import Relation, new_relation_id

    if not count:
        return 0
    rows = project.span_rows()
    by_layer: dict[tuple[int, str], list[Any]] = {}
    for row in rows:
        by_layer.setdefault((row[1], row[5]), []).append(row)
    relations = []
    groups = list(by_layer.values())
    step = 0
    while len(relations) < count:
        for group in groups:
            if len(relations) >= count:
                break
            head, tail = group[step % len(group)], group[(step + 7) % len(group)]
            relations.append(Relation(new_relation_id(), head[1], head[0], tail[0], "involves",
                                      head[5], None, STAMP, STAMP))
        step += 1
    project.add_relations_bulk(relations, who="bench", source="bench", check_labels=False)
    claims = [row[0] for row in rows if row[4] == "claim"][::10]
    with project.atomic():
        for span_id in claims:
            project.set_span_attribute(span_id, "stance", "reported", who="bench")
    return len(relations)


def make_jsonl(path: Path, documents: int, spans: int, *, layered: bool) -> None:
    per_document = spans // documents
    with path.open("w", encoding="utf-8") as out:
        for d in range(documents):
            text = f"{PREFIX}文書{d}：" + LINE * (60 if layered else 60 * (per_document // 500 + 1))
            items = []
            position = len(PREFIX) + 5
            for i in range(per_document):
                if layered:
                    start = (i * 37) % (len(text) - 40)
                    end = start + 2 + i % 30
                    who = f"a{i % 3}"
                else:  # 2-character spans one character apart, never over a line end
                    start = position
                    while "\n" in text[start:start + 2]:
                        start += 1
                    end, who = start + 2, "a0"
                    position = end + 1
                items.append({"id": new_span_id(), "start": start, "end": end,
                              "label": LABELS[i % 5], "text": text[start:end],
                              "annotator": who, "created_at": STAMP, "updated_at": STAMP,
                              "note": "確認" if i % 50 == 0 else None})
            out.write(json.dumps({"id": f"doc{d}", "name": f"doc{d}.txt", "text": text,
                                  "spans": items, "meta": {}}, ensure_ascii=False) + "\n")


def timed(action: Any, repeat: int) -> tuple[float, float, Any]:
    """Best wall-clock and best CPU time (this process) of ``repeat`` runs, and a result. The
    CPU figure is the steadier one on a shared machine, where fsync waits vary by seconds."""
    wall = cpu = float("inf")
    result = None
    for _ in range(repeat):
        gc.collect()
        began, began_cpu = time.perf_counter(), time.process_time()
        result = action()
        wall = min(wall, time.perf_counter() - began)
        cpu = min(cpu, time.process_time() - began_cpu)
    return wall, cpu, result


def run(folder: Path, corpus: Path, formats: list[str], repeat: int, tag: str,
        relations: int = 0) -> list[dict[str, Any]]:
    source = Project.open(folder / f"{tag}-source.annotator")
    import_paths(source, [corpus], annotator="bench")
    relations_in = add_relations(source, relations)
    spans_in = len(source.span_rows())
    rows = []
    for fmt in formats:
        options = ExportOptions(layer="a0" if fmt == "conll" else None)
        target = folder / f"{tag}-{TARGETS[fmt]}"
        export_time, export_cpu, report = timed(lambda: export(source, fmt, output=target,
                                                   filters=ExportFilter(), options=options),
                                    repeat)
        import_time = import_cpu = imported = not_kept = None
        relations_back = None
        if fmt != "hf":
            def do_import() -> Any:
                path = folder / f"{tag}-{fmt}-{time.perf_counter_ns()}.annotator"
                with Project.open(path) as fresh:
                    result = import_paths(fresh, [target], annotator="a0", add_labels=True,
                                          fmt=fmt, options=ImportOptions())
                    result.relations_back = len(fresh.relations())  # type: ignore[attr-defined]
                    return result
            import_time, import_cpu, result = timed(do_import, repeat)
            imported, not_kept = result.spans_added, result.not_kept
            relations_back = result.relations_back
        rows.append({"format": fmt, "corpus": tag, "in": spans_in, "written": report.spans,
                     "out": imported, "lost": dict(report.lost), "not_kept": not_kept or {},
                     "export": export_time, "import": import_time, "export_cpu": export_cpu,
                     "import_cpu": import_cpu, "relations_in": relations_in,
                     "relations_back": relations_back,
                     "notes": [n for n in report.notes if "not written" in n]})
    source.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--spans", type=int, default=100_000)
    parser.add_argument("--documents", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--relations", type=int, default=20_000)
    parser.add_argument("--formats", default=",".join(LAYER_FORMATS + ["conll"]),
                        help="comma-separated; native JSONL is always measured")
    args = parser.parse_args()
    chosen = set(args.formats.split(",")) | {"jsonl"}
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        layered = folder / "layers.jsonl"
        single = folder / "one-layer.jsonl"
        make_jsonl(layered, args.documents, args.spans, layered=True)
        make_jsonl(single, args.documents, args.spans, layered=False)
        rows = run(folder, layered, [f for f in LAYER_FORMATS if f in chosen], args.repeat,
                   "layers", args.relations)
        if "conll" in chosen:
            rows += run(folder, single, ["jsonl", "conll"], args.repeat, "one-layer")
    native = {r["corpus"]: r for r in rows if r["format"] == "jsonl"}
    print("best of the runs; x = ratio to native JSONL on the same corpus; wall and CPU")
    print(f"{'format':<11} {'corpus':<10} {'spans':>8} {'export s':>9} {'x':>5} {'cpu s':>6} "
          f"{'x':>5} {'import s':>9} {'x':>5} {'cpu s':>6} {'x':>5}")

    def cells(r: dict[str, Any], base: dict[str, Any], what: str) -> str:
        if r[what] is None:
            return f"{'':>9} {'':>5} {'':>6} {'':>5}"
        return (f"{r[what]:>9.2f} {r[what] / base[what]:>5.2f} {r[what + '_cpu']:>6.2f} "
                f"{r[what + '_cpu'] / base[what + '_cpu']:>5.2f}")

    for r in rows:
        base = native[r["corpus"]]
        print(f"{r['format']:<11} {r['corpus']:<10} {r['in']:>8,} {cells(r, base, 'export')} "
              f"{cells(r, base, 'import')}")
    print()
    print("round trip (export, then import of that output into a new project):")
    print(f"{'format':<11} {'corpus':<10} {'spans in':>9} {'written':>8} {'back':>8} "
          f"{'rel in':>7} {'rel back':>8}  lost / not kept / not written")
    for r in rows:
        reasons = "; ".join([f"{reason}: {n:,}" for reason, n in {**r["lost"],
                                                                  **r["not_kept"]}.items()]
                            + r["notes"])
        back = "" if r["out"] is None else f"{r['out']:,}"
        rel_back = "" if r["relations_back"] is None else f"{r['relations_back']:,}"
        print(f"{r['format']:<11} {r['corpus']:<10} {r['in']:>9,} {r['written']:>8,} "
              f"{back:>8} {r['relations_in']:>7,} {rel_back:>8}  {reasons or '-'}")


if __name__ == "__main__":
    main()
