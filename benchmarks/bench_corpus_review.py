"""Corpus benchmark of ``annotator check`` and ``annotator agree`` at 1k / 10k / 100k documents.

Uses the shared corpus (``benchmarks/corpus.py``: ~35 spans per document by hana, ken and mei).
Each cached project is copied once into ``--work`` and opened there first, so that a migration
of the schema is not timed (the cached file is never written). Every command runs as a
subprocess, its standard output going to /dev/null; wall time is measured around it and its
peak memory is ``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss`` read by a small wrapper process
after that one child has exited (so each run reports its own peak). Prints the median of
``--repeat`` runs (wall time, and the child's user + system CPU time, which a loaded machine
disturbs less), the growth ratios between sizes, and the machine's load average. Run:

    .venv/bin/python benchmarks/bench_corpus_review.py [--sizes 1000 10000 100000] [--repeat 3]
        [--baseline OTHER/src]

``--baseline`` takes the ``src`` folder of another copy of the code (e.g. ``git archive COMMIT
src | tar -x -C /tmp/old``): each run of this code is followed by a run of that one on the same
file (``PYTHONPATH``), and both medians are printed with their ratio, so that two versions are
compared under the same load (on shared machines CPU times drift with the load).

Targets (issue 10): check over 100k documents <= 60 s, agree <= 10 s, peak memory <= 500 MB at
100k and flat from 10k to 100k, growth 10k -> 100k <= 10x.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import project_path  # noqa: E402

WRAPPER = """
import json, resource, subprocess, sys, time
began = time.perf_counter()
with open(sys.argv[1], "wb") as out:
    done = subprocess.run(sys.argv[2:], stdout=out, stderr=subprocess.PIPE)
seconds = time.perf_counter() - began
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"seconds": seconds, "rss_mb": usage.ru_maxrss / 1024,
    "cpu": usage.ru_utime + usage.ru_stime, "status": done.returncode,
    "stderr": done.stderr.decode(errors="replace")[-400:]}))
"""

COMMANDS = {
    "check": ["check"],
    "check --json": ["check", "--json"],
    "agree hana ken --json": ["agree", "--annotators", "hana", "ken", "--json"],
    "agree hana ken mei --json": ["agree", "--annotators", "hana", "ken", "mei", "--json"],
}


def prepared(n: int, work: Path) -> Path:
    """A copy of the cached corpus of ``n`` documents, opened once (migrated) in ``work``."""
    target = work / f"corpus-{n}.annotator"
    source = project_path(n)
    stamp = work / f"corpus-{n}.source"
    if not target.exists() or not stamp.exists() or stamp.read_text() != source.name:
        shutil.copyfile(source, target)
        stamp.write_text(source.name)
    subprocess.run([sys.executable, "-c", "import sys; from annotator.store import Project; "
                    "Project.open(sys.argv[1]).close()", str(target)], check=True)
    return target


def run_once(path: Path, arguments: list[str], output: Path, source: Path | None = None
             ) -> dict:
    env = dict(os.environ)
    if source is not None:  # another copy of the code
        env["PYTHONPATH"] = str(source)
    done = subprocess.run(
        [sys.executable, "-c", WRAPPER, str(output), sys.executable, "-m", "annotator",
         *arguments, "--db", str(path)], capture_output=True, text=True, check=True, env=env)
    result = json.loads(done.stdout)
    if result["status"] != 0:
        raise SystemExit(f"{arguments} failed: {result['stderr']}")
    result["output_mb"] = output.stat().st_size / 1e6
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--commands", nargs="+", default=list(COMMANDS), choices=list(COMMANDS))
    parser.add_argument("--work", type=Path, default=Path("/tmp/annotator-bench-review"))
    parser.add_argument("--baseline", type=Path, metavar="SRC",
                        help="the src folder of another copy of the code, run side by side")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    figures: dict[tuple[str, int], tuple[float, float, float]] = {}
    for n in args.sizes:
        path = prepared(n, args.work)
        for name in args.commands:
            runs = []
            baseline = []
            for _ in range(args.repeat):
                runs.append(run_once(path, COMMANDS[name], args.work / "output"))
                load = os.getloadavg()[0]
                runs[-1]["load"] = load
                if args.baseline is not None:
                    baseline.append(run_once(path, COMMANDS[name], args.work / "output",
                                             args.baseline))
            seconds = statistics.median(r["seconds"] for r in runs)
            rss = statistics.median(r["rss_mb"] for r in runs)
            cpu = statistics.median(r["cpu"] for r in runs)
            figures[(name, n)] = (seconds, rss, cpu)
            times = ", ".join(f"{r['seconds']:.1f}" for r in runs)
            loads = ", ".join(f"{r['load']:.1f}" for r in runs)
            print(f"{n:>7,} docs  {name:<26} {seconds:8.2f} s  {cpu:8.2f} s CPU  "
                  f"{rss:6.0f} MB peak  "
                  f"(runs {times} s; output {runs[-1]['output_mb']:.1f} MB; load {loads})",
                  flush=True)
            if baseline:
                old_seconds = statistics.median(r["seconds"] for r in baseline)
                old_cpu = statistics.median(r["cpu"] for r in baseline)
                old_rss = statistics.median(r["rss_mb"] for r in baseline)
                print(f"{'':>7}       {'baseline':<26} {old_seconds:8.2f} s  {old_cpu:8.2f} s CPU  "
                      f"{old_rss:6.0f} MB peak  (this code: x{seconds / old_seconds:.2f} time, "
                      f"x{cpu / old_cpu:.2f} CPU)", flush=True)
        (args.work / "output").unlink(missing_ok=True)
    sizes = sorted(args.sizes)
    for small, large in zip(sizes, sizes[1:], strict=False):
        for name in args.commands:
            (t0, m0, c0), (t1, m1, c1) = figures[(name, small)], figures[(name, large)]
            print(f"growth {small:,} -> {large:,}  {name:<26} time x{t1 / t0:.2f}  "
                  f"CPU x{c1 / c0:.2f}  memory x{m1 / m0:.2f}")
    print(f"load average now: {', '.join(f'{x:.1f}' for x in os.getloadavg())} "
          f"on {os.cpu_count()} cores")


if __name__ == "__main__":
    started = time.perf_counter()
    main()
    print(f"benchmark took {time.perf_counter() - started:.0f} s")
