"""Benchmark of relation agreement (issue 12): 1,000 documents, 2 x 20,000 relations.

A project of 1,000 Japanese-like documents (2,000-4,000 characters) where hana marks 40 spans
per document and ken copies most of them (some with shifted bounds, some with another label)
and adds a few; each of them links 20 pairs of their spans per document (ken mostly the
same pairs as hana): 20,000 relations each, of three types. The project is built once and
cached under ``$ANNOTATOR_CORPUS_DIR`` or ``/tmp/annotator-corpus``
(``relations-1000-<hash of this file>.annotator``).

Prints medians of ``--repeat`` runs (CPU and wall time) of
- the relation part alone: reading the relations with their ends (one range query per chunk of
  500 documents, ``store.review_reads``) and matching them (``RelationAgreementBuilder``);
- the whole ``project_agreement`` (spans, relations, attributes);
- ``annotator agree --annotators hana ken --json`` as a subprocess (user + system CPU).

Target: relation agreement <= 1 s. Run: ``.venv/bin/python benchmarks/bench_relation_agreement.py``
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

DOCUMENTS = 1_000
SPANS = 40
RELATIONS = 20
LABELS = ("claim", "source", "actor", "number", "weapon")
KANA = "あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろ"
KANJI = "北朝鮮国外務省大統領首相会議東京都市中央銀行経済政策発表日本米韓露独仏英軍事委員長"


def _path() -> Path:
    folder = Path(os.environ.get("ANNOTATOR_CORPUS_DIR", "/tmp/annotator-corpus"))
    folder.mkdir(parents=True, exist_ok=True)
    source = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:8]
    return folder / f"relations-{DOCUMENTS}-{source}.annotator"


def build(path: Path) -> None:
    from annotator.domain.relations import Relation, RelationType, new_relation_id
    from annotator.domain.spans import Span, new_span_id, now
    from annotator.store import Project

    rng = random.Random(12)
    partial = path.with_suffix(".building")
    partial.unlink(missing_ok=True)
    project = Project.open(partial)
    stamp = now()
    try:
        with project.atomic():
            for name, color in (("links", "#4e79a7"), ("cites", "#f28e2b"),
                                ("counts", "#e15759")):
                project.add_relation_type(RelationType(name, color), who="bench")
            for number in range(DOCUMENTS):
                length = rng.randint(2000, 4000)
                text = f"{number:05d}" + "".join(rng.choices(KANJI + KANA, k=length))
                document, _ = project.add_document(f"doc-{number:05d}.txt", text, who="bench")
                places = sorted({(start, start + rng.randint(2, 12), rng.choice(LABELS))
                                 for start in rng.sample(range(len(text) - 12), SPANS)})
                pairs = set()
                while len(pairs) < RELATIONS:
                    h, t = rng.sample(range(len(places)), 2)
                    pairs.add((h, t, rng.choice(("links", "cites", "counts"))))
                for annotator in ("hana", "ken"):
                    spans, keys = {}, set()
                    for index, (start, end, label) in enumerate(places):
                        if annotator == "ken":
                            if rng.random() < 0.1:
                                start, end = start + 1, end + 1
                            elif rng.random() < 0.05:
                                label = rng.choice(LABELS)
                        if (start, end, label) in keys:
                            continue
                        keys.add((start, end, label))
                        spans[index] = Span(new_span_id(), document.id, start, end, label,
                                            annotator, None, stamp, stamp)
                    project.add_spans_bulk(spans.values(), who="bench", source="bench",
                                           document_id=document.id)
                    chosen = sorted(pairs) if annotator == "hana" else sorted(
                        p for p in pairs if rng.random() < 0.85)
                    while annotator == "ken" and len(chosen) < RELATIONS:
                        h, t = rng.sample(sorted(spans), 2)
                        if (h, t, "links") not in chosen:
                            chosen.append((h, t, "links"))
                    project.add_relations_bulk(
                        [Relation(new_relation_id(), document.id, spans[h].id, spans[t].id, kind,
                                  annotator, None, stamp, stamp)
                         for h, t, kind in chosen if h in spans and t in spans],
                        who="bench", source="bench")
    finally:
        project.close()
    partial.rename(path)


def project_path() -> Path:
    path = _path()
    if not path.exists():
        started = time.perf_counter()
        print(f"building {path} …", file=sys.stderr)
        build(path)
        print(f"  built in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return path


def relation_part(project, names) -> tuple:  # noqa: ANN001
    """Read every document's relations with their ends and match them."""
    from annotator.services.review.relation_agreement import RelationAgreementBuilder
    from annotator.store.review_reads import _read_extras, _snapshot, label_names

    builder = RelationAgreementBuilder(names)
    labels = label_names(project)
    last = project.db.execute("SELECT max(id) FROM documents").fetchone()[0]
    none = [[] for _ in names]
    for first in range(1, last + 1, 500):
        with _snapshot(project):
            extras = _read_extras(project, "document_id BETWEEN ? AND ?", [first, first + 499],
                                  names, labels, True, ())
        for doc in range(first, min(last, first + 499) + 1):
            builder.add(extras.relations.get(doc, none))
    return builder.overall(), builder


def timed(function, repeat: int) -> tuple[float, float, object]:  # noqa: ANN001
    walls, cpus, result = [], [], None
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        result = function()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    from annotator.services.review.project_review import project_agreement
    from annotator.store import Project

    path = project_path()
    names = ["hana", "ken"]
    with Project.open(path) as project:
        counts = dict(project.db.execute(
            "SELECT annotator, count(*) FROM relations GROUP BY annotator").fetchall())
        print(f"{DOCUMENTS:,} documents; relations: "
              + ", ".join(f"{k} {v:,}" for k, v in sorted(counts.items())))
        wall, cpu, (overall, _builder) = timed(lambda: relation_part(project, names), args.repeat)
        print(f"relation agreement (read + match)   {wall:6.3f} s  {cpu:6.3f} s CPU  "
              f"(exact F1 {overall.exact.f1:.3f}, overlap F1 {overall.overlap.f1:.3f}; "
              f"target <= 1 s)")
        wall, cpu, result = timed(lambda: project_agreement(project, names), args.repeat)
        print(f"project_agreement (all figures)     {wall:6.3f} s  {cpu:6.3f} s CPU  "
              f"(span overlap F1 {result.overall.overlap.f1:.3f})")
    runs = []
    for _ in range(args.repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        began = time.perf_counter()
        subprocess.run([sys.executable, "-m", "annotator", "agree", "--annotators", *names,
                        "--json", "--db", str(path)], check=True, stdout=subprocess.DEVNULL)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        runs.append((time.perf_counter() - began, after.ru_utime + after.ru_stime
                     - before.ru_utime - before.ru_stime))
    print(f"annotator agree --json (subprocess) {statistics.median(r[0] for r in runs):6.3f} s  "
          f"{statistics.median(r[1] for r in runs):6.3f} s CPU")
    print(f"load average: {', '.join(f'{x:.1f}' for x in os.getloadavg())} "
          f"on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
