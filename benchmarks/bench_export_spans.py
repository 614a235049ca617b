"""Building the native export's spans arrays: in Python from rows, or as JSON inside SQLite.

The native JSONL export builds every span as a Python dict from its row and has orjson write
it. The other way measured here has SQLite build each document's spans array
(``json_group_array(json_object(...))`` over the unique index ``(document_id, start, "end",
label_id, annotator)``, the export's order), with a marker where each span's text goes; the
texts are sliced from the document's text and quoted by one ``orjson.dumps`` of their list,
so no Python code runs per span. Both give the same bytes (checked for every document here).

It also checks that SQLite's JSON string quoting is orjson's, for every code point
(U+0000–U+10FFFF without surrogates), alone and inside a longer string.

Measured on the 10,000-document corpus (342,885 spans), SQLite 3.40.1, CPU seconds, best of
3 on a machine shared with other work (load average 3.7 on 2 cores): rows 1.00 / 1.19 s, SQL
0.93 / 1.12 s in two runs. The SQL way saves about 7 % of the spans' part (under 0.1 s of an
export of about 2 s CPU): ``json_object`` costs about 1.5 µs a span, nearly as much as
fetching the row and building the dict (``printf`` or ``||`` in its place cost more), so the
export keeps its rows.

Run: ``.venv/bin/python benchmarks/bench_export_spans.py [PROJECT] [--documents N]`` (default:
the cached 10,000-document corpus project of :mod:`benchmarks.corpus`).
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import time
from itertools import chain
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "src"))

import corpus  # noqa: E402

from annotator.services.export_native import _spans  # noqa: E402

ROWS = ('SELECT s.id, s.document_id, s.start, s."end", l.name, s.annotator, s.note, '
        "s.created_at, s.updated_at, s.value, s.attributes FROM spans s JOIN labels l ON "
        "l.id = s.label_id WHERE s.document_id BETWEEN ? AND ? ORDER BY s.document_id, "
        's.start, s."end", s.label_id, s.annotator')
OBJECT = ("json_object('id', s.id, 'start', s.start, 'end', s.\"end\", 'label', l.name, "
          "'text', char(1), 'annotator', s.annotator, 'created_at', s.created_at, "
          "'updated_at', s.updated_at, 'note', s.note, 'value', NULL, 'attributes', json('{}'))")
SLOT = b'"text":"\\u0001"'  # outside a string '"' is a delimiter: only the key can match


def unique_index(conn: sqlite3.Connection) -> str:
    for row in conn.execute("PRAGMA index_list(spans)").fetchall():
        columns = [info[2] for info in conn.execute(f'PRAGMA index_info("{row[1]}")')]
        if columns == ["document_id", "start", "end", "label_id", "annotator"]:
            return row[1]
    raise SystemExit("no unique index on spans(document_id, start, end, label_id, annotator)")


def by_rows(conn: sqlite3.Connection, texts: dict[int, str], last: int) -> dict[int, bytes]:
    out: dict[int, bytes] = {}
    for first in range(1, last + 1, 200):
        groups: dict[int, list] = {}
        for row in conn.execute(ROWS, [first, min(first + 199, last)]):
            groups.setdefault(row[1], []).append(row)
        for doc, rows in groups.items():
            out[doc] = orjson.dumps(_spans(texts[doc], rows)[0])
    return out


def by_sql(conn: sqlite3.Connection, texts: dict[int, str], last: int) -> dict[int, bytes]:
    sql = (f"SELECT s.document_id, group_concat(s.start || ',' || s.\"end\"), "
           f"CAST(json_group_array({OBJECT}) AS BLOB) FROM spans s INDEXED BY "
           f"\"{unique_index(conn)}\" CROSS JOIN labels l ON l.id = s.label_id "
           f"WHERE s.document_id BETWEEN ? AND ? GROUP BY s.document_id")
    out: dict[int, bytes] = {}
    for first in range(1, last + 1, 200):
        for doc, bounds, skeleton in conn.execute(sql, [first, min(first + 199, last)]):
            text = texts[doc]
            numbers = list(map(int, bounds.split(",")))
            quoted = orjson.dumps(list(map(text.__getitem__,
                                           map(slice, numbers[::2], numbers[1::2]))))
            items = (b'"text":' + quoted[1:-1].replace(b'","', b'"\x00"text":"')).split(b"\x00")
            pieces = skeleton.split(SLOT)
            out[doc] = b"".join((*chain.from_iterable(zip(pieces, items)), pieces[-1]))
    return out


def quoting_differs(conn: sqlite3.Connection) -> list[str]:
    points = [p for p in range(0x110000) if not 0xD800 <= p <= 0xDFFF]
    conn.execute("CREATE TEMP TABLE probe (p INTEGER PRIMARY KEY, s TEXT)")
    conn.executemany("INSERT INTO probe VALUES (?, ?)", ((p, chr(p)) for p in points))
    differ = []
    for p, alone, inside in conn.execute(
            "SELECT p, CAST(json_object('k', s) AS BLOB), CAST(json_quote('a' || s || s || "
            "'/b') AS BLOB) FROM probe"):
        char = chr(p)
        if (alone != orjson.dumps({"k": char})
                or inside != orjson.dumps(f"a{char}{char}/b")):
            differ.append(f"U+{p:04X}")
    return differ


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("project", nargs="?", type=Path)
    parser.add_argument("--documents", type=int, default=10000)
    args = parser.parse_args()
    path = args.project or corpus.project_path(args.documents)
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    conn.execute("PRAGMA cache_size = -65536")
    print(f"SQLite {sqlite3.sqlite_version}, {path}")
    differ = quoting_differs(conn)
    print(f"JSON quoting, SQLite against orjson, 1,112,064 code points: "
          f"{len(differ)} differ {differ[:10]}")
    texts = dict(conn.execute("SELECT id, text FROM documents"))
    last = max(texts)
    best: dict[str, float] = {}
    results = {}
    for _ in range(3):
        for name, build in (("rows", by_rows), ("sql", by_sql)):
            started = time.process_time()
            results[name] = build(conn, texts, last)
            best[name] = min(best.get(name, 1e9), time.process_time() - started)
    spans = conn.execute("SELECT count(*) FROM spans").fetchone()[0]
    print(f"{len(texts):,} documents, {spans:,} spans: rows {best['rows']:.2f} s CPU, "
          f"SQL {best['sql']:.2f} s CPU (best of 3); same bytes: "
          f"{results['rows'] == results['sql']}")


if __name__ == "__main__":
    main()
