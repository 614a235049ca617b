"""Import and export of a corpus (1k / 10k / 100k documents) through the command line.

The corpus is :mod:`benchmarks.corpus` (realistic Japanese documents of 2–20 kB from the seed
sentences, 20–50 spans each, three annotators) written as native JSONL. Each figure is the
wall time and the peak resident memory of one ``annotator`` subprocess (``ru_maxrss`` of the
child, read with ``resource.getrusage(RUSAGE_CHILDREN)`` in a fresh runner process per
command, so one command's peak never hides another's):

* ``import``: ``annotator import --db NEW corpus.jsonl`` (native JSONL);
* ``export FORMAT``: ``annotator export --db P --format FORMAT -o OUT`` for every export format
  whose module exists (folder formats write a folder);
* ``json.dumps``: the records the native export writes (its output, decoded one line at a
  time, untimed) serialised with ``json.dumps(ensure_ascii=False)`` and written to a file,
  only the serialising and writing timed: the baseline the export target is stated against
  (≤ 2× json.dumps of the same records). Every span of those records has its id, text,
  timestamps, note, value and attributes, which the corpus file does not give, so
  ``json.dumps (corpus records)``, the same for the records of the corpus file, is printed
  beside it: it serialises about half the bytes.

Each command's CPU time (user + sys of the child) is printed beside its wall time, and the
load average with each import: on a shared machine the wall time says as much about the
neighbours as about the import.

Targets (issue 10): import of 100k documents ≤ 60 s; peak memory ≤ 500 MB at 100k and flat
from 10k to 100k. A table with the growth ratios 10k → 100k is printed at the end.

Run: ``.venv/bin/python benchmarks/bench_corpus_io.py 1000 10000 [100000] [--repeat 3]
[--formats jsonl,doccano,labelstudio] [--work /tmp/corpus-io] [--import-only]``. The corpus files are large
(100k: about 1.5 GB): keep ``--work`` under /tmp.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "src"))

import corpus  # noqa: E402

from annotator.services.exporting import FOLDER_FORMATS  # noqa: E402
from annotator.services.formats import EXPORT_FORMATS, _MODULES  # noqa: E402

PYTHON = sys.executable
RUNNER = r"""
import resource, subprocess, sys, time, json
started = time.perf_counter()
done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
wall = time.perf_counter() - started
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
peak = usage.ru_maxrss  # KiB on Linux
print(json.dumps({"wall": wall, "cpu": usage.ru_utime + usage.ru_stime,
                  "rss_mb": peak / 1024, "rc": done.returncode,
                  "err": done.stderr.decode(errors="replace")[-400:]}))
"""


def measure(command: list[str]) -> dict:
    """Wall time and peak RSS of one subprocess (its own runner, so the peak is its own)."""
    out = subprocess.run([PYTHON, "-c", RUNNER, *command], capture_output=True, text=True,
                         check=True)
    result = json.loads(out.stdout)
    if result["rc"] != 0:
        raise SystemExit(f"failed: {' '.join(command)}\n{result['err']}")
    return result


def annotator(*args: str) -> list[str]:
    return [PYTHON, "-m", "annotator", *args]


def dumps_baseline(jsonl: Path, out: Path) -> dict:
    """json.dumps of the records of ``jsonl``, each decoded untimed just before it is
    serialised (so memory stays flat at 100k documents), written to a file."""
    code = f"""
import json, time
wall = cpu = 0.0
with open({str(jsonl)!r}, encoding="utf-8") as source, open({str(out)!r}, "w",
                                                          encoding="utf-8") as f:
    for line in source:
        r = json.loads(line)
        started, c = time.perf_counter(), time.process_time()
        f.write(json.dumps(r, ensure_ascii=False) + "\\n")
        wall += time.perf_counter() - started
        cpu += time.process_time() - c
    started, c = time.perf_counter(), time.process_time()
    f.flush()
    wall += time.perf_counter() - started
    cpu += time.process_time() - c
print(json.dumps({{"wall": wall, "cpu": cpu}}))
"""
    done = subprocess.run([PYTHON, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def _baseline(source: Path, out: Path, repeat: int) -> dict:
    runs = [dumps_baseline(source, out) for _ in range(repeat)]
    out.unlink(missing_ok=True)
    return {"wall": statistics.median(d["wall"] for d in runs),
            "cpu": statistics.median(d["cpu"] for d in runs), "rss_mb": None}


def available_formats(wanted: list[str] | None) -> list[str]:
    found = []
    for fmt in EXPORT_FORMATS:
        if wanted and fmt not in wanted:
            continue
        if fmt == "jsonl":
            found.append(fmt)
            continue
        module = f"annotator.services.formats.{_MODULES[fmt]}"
        if importlib.util.find_spec(module) is not None:
            found.append(fmt)
    return found


def run(n: int, work: Path, repeat: int, formats: list[str], import_only: bool = False
        ) -> dict[str, dict]:
    work.mkdir(parents=True, exist_ok=True)
    jsonl = work / f"corpus-{n}.jsonl"
    if not jsonl.exists():
        started = time.perf_counter()
        corpus.write_jsonl(jsonl, n)
        print(f"  built {jsonl} ({jsonl.stat().st_size / 1e6:.0f} MB) in "
              f"{time.perf_counter() - started:.0f} s", flush=True)
    spans = sum(line.count('"label"') for line in jsonl.open(encoding="utf-8"))
    rows: dict[str, dict] = {}
    imports = []
    db = work / f"corpus-{n}.annotator"
    for attempt in range(repeat):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        imports.append(measure(annotator("import", "--db", str(db), str(jsonl))))
        load = os.getloadavg()[0]
        print(f"  import #{attempt + 1}: {imports[-1]['wall']:.1f} s wall, "
              f"{imports[-1]['cpu']:.1f} s CPU (user+sys), {imports[-1]['rss_mb']:.0f} MB "
              f"(load {load:.1f})", flush=True)
    rows["import jsonl"] = summary(imports)
    rows["_spans"] = {"wall": spans, "rss_mb": None}
    if import_only:
        return rows
    for fmt in formats:
        results = []
        for _ in range(repeat):
            out = work / (f"out-{n}-{fmt}" + ("" if fmt in FOLDER_FORMATS else ".out"))
            if out.is_dir():
                shutil.rmtree(out)
            extra = ["--layer", corpus.ANNOTATORS[0]] if fmt == "conll" else []
            results.append(measure(annotator("export", "--db", str(db), "--format", fmt,
                                             "-o", str(out), *extra)))
        rows[f"export {fmt}"] = summary(results)
        print(f"  export {fmt}: {rows[f'export {fmt}']['wall']:.2f} s wall, "
              f"{rows[f'export {fmt}']['cpu']:.2f} s CPU (user+sys), "
              f"{rows[f'export {fmt}']['rss_mb']:.0f} MB (load {os.getloadavg()[0]:.1f})",
              flush=True)
    written = work / f"records-{n}.jsonl"  # the native export's records, untimed
    measure(annotator("export", "--db", str(db), "--format", "jsonl", "-o", str(written)))
    rows["json.dumps"] = _baseline(written, work / f"dumps-{n}.jsonl", repeat)
    written.unlink()
    rows["json.dumps (corpus records)"] = _baseline(jsonl, work / f"dumps-{n}.jsonl", repeat)
    for name in ("json.dumps", "json.dumps (corpus records)"):
        print(f"  {name}: {rows[name]['wall']:.2f} s wall, {rows[name]['cpu']:.2f} s CPU",
              flush=True)
    for path in work.glob(f"out-{n}-*"):
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    return rows


def summary(results: list[dict]) -> dict:
    return {"wall": statistics.median(r["wall"] for r in results),
            "cpu": statistics.median(r["cpu"] for r in results),
            "rss_mb": statistics.median(r["rss_mb"] for r in results)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("sizes", nargs="*", type=int, default=[1000, 10000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--formats", help="comma-separated export formats (default: all there)")
    parser.add_argument("--work", type=Path, default=Path("/tmp/corpus-io"))
    parser.add_argument("--import-only", action="store_true",
                        help="measure the import alone (no exports, no json.dumps baseline)")
    args = parser.parse_args()
    formats = available_formats(args.formats.split(",") if args.formats else None)
    load = os.getloadavg()
    print(f"load average at start: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} "
          f"({os.cpu_count()} CPUs); medians of {args.repeat}", flush=True)
    table: dict[int, dict[str, dict]] = {}
    for n in args.sizes:
        print(f"{n} documents:", flush=True)
        table[n] = run(n, args.work, args.repeat, formats, args.import_only)
    sizes = args.sizes
    names = [k for k in table[sizes[0]] if not k.startswith("_")]
    header = "| operation | " + " | ".join(f"{n:,} docs" for n in sizes)
    ratio = 10000 in table and 100000 in table
    print()
    print(header + (" | ratio 10k→100k |" if ratio else " |"))
    print("|---" * (len(sizes) + 1 + ratio) + "|")
    print("| spans | " + " | ".join(f"{int(table[n]['_spans']['wall']):,}" for n in sizes)
          + (" | |" if ratio else " |"))
    for name in names:
        cells = []
        for n in sizes:
            row = table[n][name]
            cell = f"{row['wall']:.2f} s"
            if row.get("cpu") is not None:
                cell += f" ({row['cpu']:.1f} s CPU)"
            if row["rss_mb"] is not None:
                cell += f", {row['rss_mb']:.0f} MB"
            if name.startswith("export") and table[n].get("json.dumps", {}).get("wall"):
                base = table[n]["json.dumps"]
                cell += (f" ({row['wall'] / base['wall']:.2f}× dumps, "
                         f"CPU {row['cpu'] / base['cpu']:.2f}×)")
            cells.append(cell)
        line = f"| {name} | " + " | ".join(cells)
        if ratio:
            a, b = table[10000][name], table[100000][name]
            growth = f"{b['wall'] / a['wall']:.1f}× time"
            if a["rss_mb"]:
                growth += f", {b['rss_mb'] / a['rss_mb']:.2f}× memory"
            line += f" | {growth}"
        print(line + " |")
    load = os.getloadavg()
    print(f"\nload average at end: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")


if __name__ == "__main__":
    main()
