"""What positions in the search index would cost and give: a trigram index with ``detail='full'``.

Run: ``.venv/bin/python benchmarks/bench_search_positions.py [--docs 10000]``. Prints figures;
asserts nothing. The project's FTS5 tables use ``detail='none'`` (no positions: a
``fts5vocab`` table of type ``'instance'`` over them gives NULL offsets), so this script builds,
in a scratch copy of the benchmark corpus (``bench_search_corpus.py`` must have built
``corpus-N.annotator`` in ``--folder``; never a real project), the same two indexes with
``detail='full'`` and measures:

1. building them (characters/s) and their size against the ``detail='none'`` ones;
2. for each query, every match position straight from the index: the instances of the
   trigrams that cover the string (every third and the last, as ``search_index.fts_query``
   chooses them) read through a temp-schema ``fts5vocab(..., 'instance')`` into temp tables
   keyed by ``document << 32 | offset - shift``, then intersected; wall and CPU time, and the
   number of positions against the hits of today's search (for a literal term that cannot
   overlap itself the two are equal; a reading key's positions are before the token-boundary
   rule and the mapping to the text, which need each document's stored token offsets).
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import time
from pathlib import Path

QUERIES = [("text", "プーチン"), ("text", "ラブロフ"), ("text", "記事000777"), ("keys", "putin"),
           ("keys", "raburohu"), ("keys", "kitatyosen"), ("keys", "kizi000777")]


def timed(work):  # type: ignore[no-untyped-def]
    cpu, wall = time.process_time(), time.perf_counter()
    result = work()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def build(conn: sqlite3.Connection) -> None:
    for name, column, content, rowid in (("pos_text", "text", "documents", "id"),
                                         ("pos_keys", "key", "search_readings", "document_id")):
        if conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", [name]).fetchone():
            continue
        conn.execute(f"CREATE VIRTUAL TABLE {name} USING fts5({column}, content='{content}', "
                     f"content_rowid='{rowid}', tokenize='trigram', detail='full')")
        chars = conn.execute(f"SELECT sum(length({column})) FROM {content}").fetchone()[0]

        def rebuild(name: str = name) -> None:
            conn.execute(f"INSERT INTO {name}({name}) VALUES ('rebuild')")
            conn.commit()

        _r, wall, cpu = timed(rebuild)
        print(f"{name}: {chars:,} characters indexed in {wall:.1f} s ({cpu:.1f} s CPU) = "
              f"{chars / wall:,.0f} characters/s", flush=True)


def sizes(conn: sqlite3.Connection) -> None:
    rows = conn.execute("SELECT name, sum(pgsize) FROM dbstat WHERE name IN ('search_text_data', "
                        "'pos_text_data', 'search_keys_data', 'pos_keys_data') GROUP BY name").fetchall()
    for name, size in sorted(rows):
        print(f"  {name:<18} {size / 1e6:8.1f} MB")


def grams(string: str) -> list[tuple[str, int]]:
    positions = list(range(0, len(string) - 2, 3))
    if positions[-1] != len(string) - 3:
        positions.append(len(string) - 3)
    return [(string[p : p + 3], p) for p in positions]


def positions(conn: sqlite3.Connection, vocab: str, string: str) -> int:
    """How many places the index holds ``string`` at (a superset never: every covering
    trigram is at its offset)."""
    parts = grams(string)
    for i, (gram, shift) in enumerate(parts):
        conn.execute(f"DROP TABLE IF EXISTS temp.p{i}")
        conn.execute(f"CREATE TEMP TABLE p{i}(k INTEGER PRIMARY KEY)")
        conn.execute(f"INSERT INTO p{i} SELECT (doc << 32 | offset) - ? FROM {vocab} WHERE term = ?",
                     [shift, gram])
    where = " AND ".join(f"k IN (SELECT k FROM p{i})" for i in range(1, len(parts)))
    return conn.execute("SELECT count(*) FROM p0" + (f" WHERE {where}" if where else "")).fetchone()[0]


def todays_hits(path: Path, table: str, string: str) -> int:
    """The hits today's search lists for ``string`` as a literal term or as a reading key."""
    from annotator.services.japanese import corpus_search as cs
    from annotator.services.japanese.search_records import RECORD_VERSION
    from annotator.store import Project, search_index

    with Project.open(path) as project:
        conn = project.db.conn
        count = 0
        ids = list(search_index.candidate_documents(conn, "search_" + table, [string]))
        for k in range(0, len(ids), 256):
            batch = ids[k : k + 256]
            if table == "text":
                for text, _sha in search_index.text_rows(conn, batch).values():
                    count += len(cs._find_literal(text, string))
            else:
                for row in search_index.key_rows(conn, batch, RECORD_VERSION).values():
                    found = cs._key_spans(row, string)
                    if found is not None:
                        count += len(found[0]) + len(found[1])
        return count


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=10000)
    parser.add_argument("--folder", type=Path, default=Path("/tmp/annotator-search-bench"))
    parser.add_argument("--scratch", type=Path, default=Path("/tmp/annotator-search-positions"))
    args = parser.parse_args()
    source = args.folder / f"corpus-{args.docs}.annotator"
    args.scratch.mkdir(parents=True, exist_ok=True)
    copy = args.scratch / source.name
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print("today: a text's literal hits, or a key's matches in the joined keys (both rules of "
          "find_key still to apply); positions of a key also count its copies on the lines of "
          "tokens that lost letters")
    if not copy.exists():
        with sqlite3.connect(source) as src, sqlite3.connect(copy) as dst:
            src.backup(dst)
    conn = sqlite3.connect(copy)
    build(conn)
    sizes(conn)
    conn.execute("CREATE VIRTUAL TABLE temp.v_text USING fts5vocab(main, 'pos_text', 'instance')")
    conn.execute("CREATE VIRTUAL TABLE temp.v_keys USING fts5vocab(main, 'pos_keys', 'instance')")
    for table, string in QUERIES:
        positions(conn, f"v_{table}", string)  # warm
        count, wall, cpu = timed(lambda t=table, s=string: positions(conn, f"v_{t}", s))  # type: ignore[misc]
        today = todays_hits(copy, table, string)
        print(f"  {table:<4} {string:<12} {count:>9,} positions in {1000 * wall:7.0f} ms "
              f"({1000 * cpu:6.0f} ms CPU); today: {today:,}",
              flush=True)
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
