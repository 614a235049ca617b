"""Bad input through the real command line: one message, exit 1 (usage: 2), no traceback, the
project unchanged.

Each case runs ``annotator.cli.main`` on a fresh copy of one template project and asserts:

* the exit status;
* every line on standard error is ``annotator: error: FILE[:LINE]: reason`` with the expected
  FILE and LINE and a reason matching the case (usage errors: argparse's ``usage:`` form);
* no ``Traceback`` anywhere in the output;
* the project unchanged: its bytes, every row of every table in ``sqlite_master``, and no
  ``-wal``/``-shm`` left behind where there was none.

Cases that could hang (FIFOs) or that need a device run the real program in a subprocess with
a timeout, so a hang fails the test instead of blocking the run.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from annotator.cli import main
from annotator.store import Project

TEXT = "北朝鮮は3日、短距離弾道ミサイル2発を発射したと韓国軍が発表した。\n葛\U000E0100城と😀。\n"
MESSAGE = re.compile(r"^annotator: error: (?P<rest>.+)$")

# -- the template project -------------------------------------------------------------------


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("template")
    path = folder / "template.annotator"
    with Project.open(path) as project:
        doc, _ = project.add_document("news.txt", TEXT, who="tester")
        project.add_span(doc.id, 0, 3, "actor", annotator="alice", who="tester")
        project.add_span(doc.id, 14, 21, "weapon", annotator="bob", who="tester")
    assert not Path(f"{path}-wal").exists()
    return path


def snapshot(path: Path) -> dict[str, Any]:
    """Every row of every table, read without creating a -wal or -shm beside the file."""
    uri = f"file:{quote(str(path))}?mode=ro"
    if not Path(f"{path}-wal").exists():
        uri += "&immutable=1"
    conn = sqlite3.connect(uri, uri=True)
    try:
        tables = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        snap: dict[str, Any] = {"user_version": conn.execute("PRAGMA user_version").fetchone()}
        for table in tables:
            snap[table] = sorted(conn.execute(f'SELECT * FROM "{table}"').fetchall(), key=repr)
        return snap
    finally:
        conn.close()


def state(path: Path) -> tuple[str, dict[str, Any], list[str]]:
    sidecars = sorted(p.name for p in path.parent.iterdir() if p.name.startswith(path.name + "-"))
    return hashlib.sha256(path.read_bytes()).hexdigest(), snapshot(path), sidecars


# -- cases ------------------------------------------------------------------------------------


@dataclass
class Case:
    """``argv`` and the files to write (``{db}``, ``{tmp}`` are replaced)."""

    id: str
    argv: list[str]
    reason: str  # a regex the reason must match
    where: str | None = None  # FILE as it must appear ("{tmp}/x"), None: no FILE part
    line: int | None = None
    files: dict[str, bytes | str] = field(default_factory=dict)
    setup: Callable[[Path, Path], None] | None = None  # (tmp, db) -> None
    code: int = 1
    subprocess: bool = False


def jsonl(*records: Any) -> str:
    return "".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n"
                   for r in records)


def span(start: Any = 0, end: Any = 3, label: Any = "actor", **extra: Any) -> dict[str, Any]:
    return {"start": start, "end": end, "label": label, **extra}


def rec(text: Any = "北朝鮮の発表", spans: Any = None, **extra: Any) -> dict[str, Any]:
    record: dict[str, Any] = {"text": text, **extra}
    if spans is not None:
        record["spans"] = spans
    return record


def _fifo(name: str) -> Callable[[Path, Path], None]:
    return lambda tmp, db: os.mkfifo(tmp / name)


def _symlink(name: str, target: str) -> Callable[[Path, Path], None]:
    def make(tmp: Path, db: Path) -> None:
        (tmp / name).symlink_to(target.format(tmp=tmp, db=db))
    return make


def _garbage_after_header(tmp: Path, db: Path) -> None:
    (tmp / "garbage.annotator").write_bytes(b"SQLite format 3\x00" + os.urandom(8192))


def _damaged_pages(tmp: Path, db: Path) -> None:
    """A real project whose first page is intact and whose later pages are garbage."""
    target = tmp / "damaged.annotator"
    with Project.open(target) as project:
        for number in range(40):
            project.add_document(f"d{number}.txt", f"{number}番目の文書。" * 200, who="t")
    data = bytearray(target.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    data[page:] = os.urandom(len(data) - page)
    target.write_bytes(bytes(data))


def _damaged_data_pages(tmp: Path, db: Path) -> None:
    """A real project whose schema pages are intact and whose texts' overflow pages are
    garbage (each points to a page past the end): it opens, and fails when the texts are
    read. The damaged pages are found by SQLite's own page map, so the case does not depend
    on where a schema version puts its tables."""
    target = tmp / "damaged.annotator"
    with Project.open(target) as project:
        for number in range(40):
            project.add_document(f"d{number}.txt", f"{number}番目の文書。" * 200, who="t")
    conn = sqlite3.connect(target)
    try:
        pages = [n for (n,) in conn.execute(
            "SELECT pageno FROM dbstat WHERE name = 'documents' AND pagetype = 'overflow'")]
    finally:
        conn.close()
    assert pages
    data = bytearray(target.read_bytes())
    size = int.from_bytes(data[16:18], "big")
    for number in pages:
        data[(number - 1) * size:number * size] = b"\xff" * size
    target.write_bytes(bytes(data))


def _other_sqlite(tmp: Path, db: Path) -> None:
    conn = sqlite3.connect(tmp / "other.db")
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()


def _newer(tmp: Path, db: Path) -> None:
    shutil.copy(db, tmp / "newer.annotator")
    conn = sqlite3.connect(tmp / "newer.annotator")
    conn.execute("PRAGMA user_version = 999")
    conn.commit()
    conn.close()


IMPORT = ["import", "--db", "{db}"]
CASES: list[Case] = [
    # .txt files and their encodings
    Case("txt-png", [*IMPORT, "{tmp}/a.txt"], "binary file", "{tmp}/a.txt",
         files={"a.txt": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))}),
    Case("txt-nul", [*IMPORT, "{tmp}/a.txt"], "NUL bytes", "{tmp}/a.txt",
         files={"a.txt": b"abc\x00def"}),
    Case("txt-controls", [*IMPORT, "{tmp}/a.txt"], "control characters", "{tmp}/a.txt",
         files={"a.txt": b"\x01\x02\x03\x04\x05\x06" * 50}),
    Case("txt-damaged-utf8", [*IMPORT, "{tmp}/a.txt"], r"not valid UTF-8: byte ff",
         "{tmp}/a.txt", 3, files={"a.txt": "一行目です。\n二行目です。\n".encode() + b"\xff\n"}),
    Case("txt-lone-surrogate", [*IMPORT, "{tmp}/a.txt"], "encoded surrogate", "{tmp}/a.txt", 2,
         files={"a.txt": "一行目です。\n二行目".encode() + b"\xed\xa0\x80" + "です\n".encode()}),
    Case("txt-ambiguous", [*IMPORT, "{tmp}/a.txt"], r"ambiguous.*cp932.*--encoding",
         "{tmp}/a.txt", files={"a.txt": "日本語".encode("cp932")}),
    Case("txt-korean", [*IMPORT, "{tmp}/a.txt"], r"cp949.*--encoding", "{tmp}/a.txt",
         files={"a.txt": "대한민국 국회는 오늘 본회의를 열어 내년도 예산안을 통과시켰다. 여야는 "
                         "막판까지 협상을 이어갔다.".encode("euc_kr")}),
    Case("txt-cp932-not-round-trip", [*IMPORT, "{tmp}/a.txt"], "does not give back",
         "{tmp}/a.txt", 2,
         files={"a.txt": "ロシア軍は砲弾を受け取った。\n".encode("cp932") + b"\xee\xf9"}),
    Case("txt-utf16-no-bom", [*IMPORT, "{tmp}/a.txt"], "--encoding utf-16-le", "{tmp}/a.txt",
         files={"a.txt": "abc 北朝鮮の発表".encode("utf-16-le")}),
    Case("txt-utf16-no-bom-no-nul", [*IMPORT, "{tmp}/a.txt"], "looks like utf-16",
         "{tmp}/a.txt", files={"a.txt": "北朝鮮の発表".encode("utf-16-le")}),
    Case("txt-utf16-truncated", [*IMPORT, "{tmp}/a.txt"], "not valid utf-16", "{tmp}/a.txt", 1,
         files={"a.txt": b"\xff\xfe" + "北朝鮮".encode("utf-16-le") + b"\x00"}),
    Case("txt-utf16-lone-surrogate", [*IMPORT, "{tmp}/a.txt"], "not valid utf-16",
         "{tmp}/a.txt", 1, files={"a.txt": b"\xff\xfe" + "北".encode("utf-16-le") + b"\x00\xd8"}),
    Case("txt-bom-then-bad", [*IMPORT, "{tmp}/a.txt"], "not valid utf-8-sig", "{tmp}/a.txt", 2,
         files={"a.txt": b"\xef\xbb\xbf" + "一行目\n".encode() + b"\xc3("}),
    Case("txt-wrong-named-encoding", [*IMPORT, "--encoding", "ascii", "{tmp}/a.txt"],
         "not valid ascii", "{tmp}/a.txt", 2, files={"a.txt": "abc\n北朝鮮\n"}),
    Case("txt-missing", [*IMPORT, "{tmp}/nope.txt"], "no such file or folder",
         "{tmp}/nope.txt"),
    Case("txt-empty-folder", [*IMPORT, "{tmp}/empty"], "holds no file an importer recognises",
         "{tmp}/empty", setup=lambda tmp, db: (tmp / "empty").mkdir()),
    Case("txt-symlink-loop", [*IMPORT, "{tmp}/loop.txt"], "Too many levels of symbolic links",
         "{tmp}/loop.txt", setup=_symlink("loop.txt", "{tmp}/loop.txt")),
    Case("txt-dangling-link", [*IMPORT, "{tmp}/gone.txt"], "no such file", "{tmp}/gone.txt",
         setup=_symlink("gone.txt", "{tmp}/nothing-here.txt")),
    Case("txt-fifo", [*IMPORT, "{tmp}/pipe.txt"], r"named pipe \(FIFO\), not a regular file",
         "{tmp}/pipe.txt", setup=_fifo("pipe.txt"), subprocess=True),
    Case("txt-device", [*IMPORT, "/dev/zero"], "character device, not a regular file",
         "/dev/zero", subprocess=True),
    Case("import-the-project", [*IMPORT, "{db}"], "project open here.*cannot import", "{db}"),
    Case("import-the-wal", [*IMPORT, "{db}-wal"], "project open here.*cannot import",
         "{db}-wal"),
    Case("import-the-shm", [*IMPORT, "{db}-shm"], "project open here.*cannot import",
         "{db}-shm"),
    Case("import-a-link-to-the-project", [*IMPORT, "{tmp}/link.jsonl"],
         "project open here.*cannot import", "{tmp}/link.jsonl",
         setup=_symlink("link.jsonl", "{db}")),
    Case("import-annotator-escape", [*IMPORT, "--annotator", "eve\x1b[2J", "{tmp}/a.txt"],
         r"--annotator: annotator name .*U\+001B ESCAPE", None, files={"a.txt": "北朝鮮の発表"}),
    Case("import-annotator-rlo", [*IMPORT, "--annotator", "eve\u202e", "{tmp}/a.txt"],
         r"annotator name .*U\+202E", None, files={"a.txt": "北朝鮮の発表"}),
    Case("import-second-file-bad", [*IMPORT, "{tmp}/good.txt", "{tmp}/bad.txt"], "binary file",
         "{tmp}/bad.txt", files={"good.txt": "良い文書です。", "bad.txt": b"\x00\x01"}),
    # JSONL records
    Case("jsonl-not-json", [*IMPORT, "{tmp}/a.jsonl"], "not valid JSON", "{tmp}/a.jsonl", 2,
         files={"a.jsonl": jsonl(rec(), "{nope")}),
    Case("jsonl-nested-100k", [*IMPORT, "{tmp}/a.jsonl"], "nested too deeply",
         "{tmp}/a.jsonl", 1, files={"a.jsonl": "[" * 100_000 + "]" * 100_000 + "\n"}),
    Case("jsonl-nested-object-100k", [*IMPORT, "{tmp}/a.jsonl"], "nested too deeply",
         "{tmp}/a.jsonl", 2, files={"a.jsonl": jsonl(rec()) + '{"a":' * 100_000 + "1"
                                    + "}" * 100_000 + "\n"}),
    Case("jsonl-huge-integer", [*IMPORT, "{tmp}/a.jsonl"], "not usable JSON", "{tmp}/a.jsonl",
         1, files={"a.jsonl": '{"text": "x", "spans": [{"start": ' + "9" * 5000 + "}]}\n"}),
    Case("jsonl-not-object", [*IMPORT, "{tmp}/a.jsonl"], "must be a JSON object",
         "{tmp}/a.jsonl", 1, files={"a.jsonl": "[1, 2]\n"}),
    Case("jsonl-no-text", [*IMPORT, "{tmp}/a.jsonl"], 'no "text" string', "{tmp}/a.jsonl", 1,
         files={"a.jsonl": jsonl({"name": "x"})}),
    Case("jsonl-text-number", [*IMPORT, "{tmp}/a.jsonl"], 'no "text" string', "{tmp}/a.jsonl",
         1, files={"a.jsonl": jsonl(rec(text=5))}),
    Case("jsonl-span-outside", [*IMPORT, "{tmp}/a.jsonl"], "outside the text", "{tmp}/a.jsonl",
         2, files={"a.jsonl": jsonl(rec(), rec(spans=[span(3, 99999)]))}),
    Case("jsonl-span-negative", [*IMPORT, "{tmp}/a.jsonl"], "outside the text",
         "{tmp}/a.jsonl", 1, files={"a.jsonl": jsonl(rec(spans=[span(-1, 2)]))}),
    Case("jsonl-span-reversed", [*IMPORT, "{tmp}/a.jsonl"], "reversed", "{tmp}/a.jsonl", 1,
         files={"a.jsonl": jsonl(rec(spans=[span(3, 1)]))}),
    Case("jsonl-span-empty", [*IMPORT, "{tmp}/a.jsonl"], "empty", "{tmp}/a.jsonl", 1,
         files={"a.jsonl": jsonl(rec(spans=[span(2, 2)]))}),
    Case("jsonl-span-float", [*IMPORT, "{tmp}/a.jsonl"], "whole numbers", "{tmp}/a.jsonl", 1,
         files={"a.jsonl": jsonl(rec(spans=[span(0.5, 2)]))}),
    Case("jsonl-span-bool", [*IMPORT, "{tmp}/a.jsonl"], "whole numbers", "{tmp}/a.jsonl", 1,
         files={"a.jsonl": jsonl(rec(spans=[span(True, 2)]))}),
    Case("jsonl-span-not-object", [*IMPORT, "{tmp}/a.jsonl"], "span 0 is not an object",
         "{tmp}/a.jsonl", 1, files={"a.jsonl": jsonl(rec(spans=[[0, 3, "actor"]]))}),
    Case("jsonl-label-empty", [*IMPORT, "{tmp}/a.jsonl"], "label must be a non-empty string",
         "{tmp}/a.jsonl", 1, files={"a.jsonl": jsonl(rec(spans=[span(label="")]))}),
    Case("jsonl-label-number", [*IMPORT, "{tmp}/a.jsonl"], "label must be a non-empty string",
         "{tmp}/a.jsonl", 1, files={"a.jsonl": jsonl(rec(spans=[span(label=7)]))}),
    Case("jsonl-span-text-differs", [*IMPORT, "{tmp}/a.jsonl"], "differs from the document",
         "{tmp}/a.jsonl", 1, files={"a.jsonl": jsonl(rec(spans=[span(text="南朝鮮")]))}),
    Case("jsonl-unknown-label", [*IMPORT, "{tmp}/a.jsonl"], "unknown label.*--add-labels",
         "{tmp}/a.jsonl", 1, files={"a.jsonl": jsonl(rec(spans=[span(label="place")]))}),
    Case("jsonl-label-escape", [*IMPORT, "--add-labels", "{tmp}/a.jsonl"],
         r"label 'x\\x1b\[31m' contains a control character \(U\+001B ESCAPE\)",
         "{tmp}/a.jsonl", 1, files={"a.jsonl": jsonl(rec(spans=[span(label="x\x1b[31m")]))}),
    Case("jsonl-label-rlo", [*IMPORT, "{tmp}/a.jsonl"], r"U\+202E RIGHT-TO-LEFT OVERRIDE",
         "{tmp}/a.jsonl", 1, files={"a.jsonl": jsonl(rec(spans=[span(label="ab\u202ecd")]))}),
    Case("jsonl-label-zero-width", [*IMPORT, "--add-labels", "{tmp}/a.jsonl"],
         r"U\+200B ZERO WIDTH SPACE", "{tmp}/a.jsonl", 1,
         files={"a.jsonl": jsonl(rec(spans=[span(label="act\u200bor")]))}),
    Case("jsonl-annotator-bell", [*IMPORT, "{tmp}/a.jsonl"], r"U\+0007 BELL", "{tmp}/a.jsonl",
         1, files={"a.jsonl": jsonl(rec(spans=[span(annotator="al\x07ice")]))}),
    Case("jsonl-annotator-osc", [*IMPORT, "{tmp}/a.jsonl"], r"U\+009D", "{tmp}/a.jsonl", 1,
         files={"a.jsonl": jsonl(rec(spans=[span(annotator="al\x9d0;x\x9cice")]))}),
    Case("jsonl-annotator-not-string", [*IMPORT, "{tmp}/a.jsonl"], "annotator must be a string",
         "{tmp}/a.jsonl", 1, files={"a.jsonl": jsonl(rec(spans=[span(annotator=3)]))}),
    Case("jsonl-name-escape", [*IMPORT, "{tmp}/a.jsonl"], r"document name .*U\+001B ESCAPE",
         "{tmp}/a.jsonl", 2, files={"a.jsonl": jsonl(rec(), rec(text="別", name="\x1b]0;x\x07"))}),
    Case("jsonl-name-rlo", [*IMPORT, "{tmp}/a.jsonl"], r"document name .*U\+202E",
         "{tmp}/a.jsonl", 1, files={"a.jsonl": jsonl(rec(name="report\u202etxt.exe"))}),
    Case("jsonl-id-newline", [*IMPORT, "{tmp}/a.jsonl"], r"document id .*U\+000A LINE FEED",
         "{tmp}/a.jsonl", 1, files={"a.jsonl": jsonl(rec(id="doc\n1"))}),
    Case("jsonl-name-not-string", [*IMPORT, "{tmp}/a.jsonl"], "name must be a string",
         "{tmp}/a.jsonl", 1, files={"a.jsonl": jsonl(rec(name=["x"]))}),
    Case("jsonl-sha-mismatch", [*IMPORT, "{tmp}/a.jsonl"], "does not match the record's text",
         "{tmp}/a.jsonl", 1, files={"a.jsonl": jsonl(rec(sha256="0" * 64))}),
    Case("jsonl-offset-unit", [*IMPORT, "{tmp}/a.jsonl"], "offset_unit 'utf16'",
         "{tmp}/a.jsonl", 1, files={"a.jsonl": jsonl(rec(offset_unit="utf16"))}),
    Case("jsonl-meta-list", [*IMPORT, "{tmp}/a.jsonl"], "meta must be an object",
         "{tmp}/a.jsonl", 1, files={"a.jsonl": jsonl(rec(meta=[1]))}),
    Case("jsonl-spans-object", [*IMPORT, "{tmp}/a.jsonl"], "spans must be a list",
         "{tmp}/a.jsonl", 1, files={"a.jsonl": jsonl(rec(spans={"start": 0}))}),
    Case("jsonl-text-lone-surrogate", [*IMPORT, "{tmp}/a.jsonl"], "unpaired surrogate",
         "{tmp}/a.jsonl", 1, files={"a.jsonl": '{"text": "abc\\ud800def"}\n'}),
    Case("jsonl-label-lone-surrogate", [*IMPORT, "--add-labels", "{tmp}/a.jsonl"],
         "unpaired surrogate", "{tmp}/a.jsonl", 1,
         files={"a.jsonl": '{"text": "abcdef", "spans": [{"start": 0, "end": 2, '
                           '"label": "x\\udfff"}]}\n'}),
    Case("jsonl-span-only-cr", [*IMPORT, "{tmp}/a.jsonl"], "covers nothing of the stored text",
         "{tmp}/a.jsonl", 1, files={"a.jsonl": jsonl(rec(text="ab\r\ncd", spans=[span(2, 3)]))}),
    Case("jsonl-span-id-list", [*IMPORT, "{tmp}/a.jsonl"], "id must be a string",
         "{tmp}/a.jsonl", 1, files={"a.jsonl": jsonl(rec(spans=[span(id=[1])]))}),
    Case("jsonl-value-list", [*IMPORT, "{tmp}/a.jsonl"], "value must be an object",
         "{tmp}/a.jsonl", 1, files={"a.jsonl": jsonl(rec(spans=[span(value=[3])]))}),
    Case("jsonl-note-number", [*IMPORT, "{tmp}/a.jsonl"], "note must be a string",
         "{tmp}/a.jsonl", 1, files={"a.jsonl": jsonl(rec(spans=[span(note=3)]))}),
    Case("jsonl-invalid-utf8", [*IMPORT, "{tmp}/a.jsonl"], "not valid UTF-8.*must be UTF-8",
         "{tmp}/a.jsonl", 2, files={"a.jsonl": jsonl(rec()).encode() + b'{"text": "\xff"}\n'}),
    Case("jsonl-cp932", [*IMPORT, "{tmp}/a.jsonl"], "not valid UTF-8", "{tmp}/a.jsonl", 1,
         files={"a.jsonl": jsonl(rec()).encode("cp932")}),
    Case("jsonl-fifo", [*IMPORT, "{tmp}/pipe.jsonl"], r"named pipe \(FIFO\)",
         "{tmp}/pipe.jsonl", setup=_fifo("pipe.jsonl"), subprocess=True),
    # validate
    Case("validate-invalid-utf8", ["validate", "{tmp}/a.jsonl"], "not valid UTF-8",
         "{tmp}/a.jsonl", 1, files={"a.jsonl": b'{"text": "\xff\xfe"}\n'}),
    Case("validate-nested", ["validate", "{tmp}/a.jsonl"], "nested too deeply",
         "{tmp}/a.jsonl", 1, files={"a.jsonl": "[" * 100_000 + "]" * 100_000 + "\n"}),
    Case("validate-bad-span", ["validate", "{tmp}/a.jsonl"], "not inside the text",
         "{tmp}/a.jsonl", 1,
         files={"a.jsonl": jsonl({"id": "d", "name": "d", "text": "abc",
                                  "sha256": hashlib.sha256(b"abc").hexdigest(),
                                  "offset_unit": "codepoint", "meta": {}, "spans": [
                                      {"id": "s", "start": 1, "end": 9, "label": "actor",
                                       "text": "bc", "annotator": "a", "created_at": "t",
                                       "updated_at": "t", "note": None, "value": None}]})}),
    Case("validate-folder", ["validate", "{tmp}"], "is a folder", "{tmp}"),
    Case("validate-missing", ["validate", "{tmp}/nope.jsonl"], "no such file",
         "{tmp}/nope.jsonl"),
    Case("validate-fifo", ["validate", "{tmp}/pipe.jsonl"], r"named pipe \(FIFO\)",
         "{tmp}/pipe.jsonl", setup=_fifo("pipe.jsonl"), subprocess=True),
    Case("validate-device", ["validate", "/dev/zero"], "character device", "/dev/zero",
         subprocess=True),
    # --db targets
    Case("db-garbage-after-header", ["stats", "--db", "{tmp}/garbage.annotator"],
         "not an annotator project", "{tmp}/garbage.annotator", setup=_garbage_after_header),
    Case("db-damaged-pages", ["export", "--db", "{tmp}/damaged.annotator"],
         "damaged|not an annotator project", "{tmp}/damaged.annotator", setup=_damaged_pages),
    Case("db-damaged-data-pages", ["export", "--db", "{tmp}/damaged.annotator"],
         r"the project file is damaged \((database disk image is malformed, SQLITE_CORRUPT|"
         r"Could not decode to UTF-8 column)", "{tmp}/damaged.annotator",
         setup=_damaged_data_pages),
    Case("db-fifo", ["stats", "--db", "{tmp}/pipe.annotator"], r"named pipe \(FIFO\)",
         "{tmp}/pipe.annotator", setup=_fifo("pipe.annotator"), subprocess=True),
    Case("db-fifo-import", ["import", "--db", "{tmp}/pipe.annotator", "{tmp}/a.txt"],
         r"named pipe \(FIFO\)", "{tmp}/pipe.annotator", setup=_fifo("pipe.annotator"),
         files={"a.txt": "北朝鮮の発表"}, subprocess=True),
    Case("db-symlink-loop", ["stats", "--db", "{tmp}/loop.annotator"],
         "Too many levels of symbolic links", "{tmp}/loop.annotator",
         setup=_symlink("loop.annotator", "{tmp}/loop.annotator")),
    Case("db-symlink-loop-import", ["import", "--db", "{tmp}/loop.annotator", "{tmp}/a.txt"],
         "Too many levels of symbolic links", "{tmp}/loop.annotator",
         setup=_symlink("loop.annotator", "{tmp}/loop.annotator"), files={"a.txt": "北朝鮮"}),
    Case("db-dangling-link", ["import", "--db", "{tmp}/gone.annotator", "{tmp}/a.txt"],
         "symbolic link to nothing", "{tmp}/gone.annotator",
         setup=_symlink("gone.annotator", "{tmp}/nowhere/x.annotator"),
         files={"a.txt": "北朝鮮"}),
    Case("db-char-device", ["stats", "--db", "/dev/null"], "character device, not a project",
         "/dev/null", subprocess=True),
    Case("db-folder", ["stats", "--db", "{tmp}"], "is a folder", "{tmp}"),
    Case("db-text-file", ["stats", "--db", "{tmp}/a.txt"], "not an SQLite database",
         "{tmp}/a.txt", files={"a.txt": "北朝鮮の発表"}),
    Case("db-other-sqlite", ["stats", "--db", "{tmp}/other.db"], "not an annotator project",
         "{tmp}/other.db", setup=_other_sqlite),
    Case("db-newer", ["stats", "--db", "{tmp}/newer.annotator"], "newer version",
         "{tmp}/newer.annotator", setup=_newer),
    Case("db-missing", ["stats", "--db", "{tmp}/nope.annotator"], "no such project file",
         "{tmp}/nope.annotator"),
    # export targets and filters
    Case("export-onto-folder", ["export", "--db", "{db}", "-o", "{tmp}/out"], "is a folder",
         "{tmp}/out", setup=lambda tmp, db: (tmp / "out").mkdir()),
    Case("export-onto-project", ["export", "--db", "{db}", "-o", "{db}"],
         "file of the project open here", "{db}"),
    Case("export-onto-wal", ["export", "--db", "{db}", "-o", "{db}-wal"],
         "file of the project open here", "{db}-wal"),
    Case("export-onto-shm", ["export", "--db", "{db}", "-o", "{db}-shm"],
         "file of the project open here", "{db}-shm"),
    Case("export-onto-link-to-project", ["export", "--db", "{db}", "-o", "{tmp}/link"],
         "project open here.*cannot export onto", "{tmp}/link",
         setup=_symlink("link", "{db}")),
    Case("export-onto-other-project", ["export", "--db", "{db}", "-o", "{tmp}/newer.annotator"],
         "is an SQLite database", "{tmp}/newer.annotator", setup=_newer),
    Case("export-missing-folder", ["export", "--db", "{db}", "-o", "{tmp}/no/out.jsonl"],
         "folder does not exist", "{tmp}/no/out.jsonl"),
    Case("export-onto-fifo", ["export", "--db", "{db}", "-o", "{tmp}/pipe"],
         r"named pipe \(FIFO\), not a file an export can replace", "{tmp}/pipe",
         setup=_fifo("pipe"), subprocess=True),
    Case("export-onto-device", ["export", "--db", "{db}", "-o", "/dev/null"],
         "character device, not a file an export can replace", "/dev/null", subprocess=True),
    Case("export-unknown-label", ["export", "--db", "{db}", "--label", "place"],
         "unknown label.*place", None),
    Case("export-unknown-document", ["export", "--db", "{db}", "--document", "nope.txt"],
         "no document named 'nope.txt'", None),
    Case("export-unknown-annotator", ["export", "--db", "{db}", "--annotator", "zed"],
         "no spans by annotator.*zed", None),
    # labels and names
    Case("labels-add-escape", ["labels", "--db", "{db}", "add", "x\x1b[31mred"],
         r"U\+001B ESCAPE", None),
    Case("labels-add-rlo", ["labels", "--db", "{db}", "add", "abc\u202edef"],
         r"U\+202E RIGHT-TO-LEFT OVERRIDE", None),
    Case("labels-add-zero-width", ["labels", "--db", "{db}", "add", "a\u200bb"],
         r"U\+200B ZERO WIDTH SPACE", None),
    Case("labels-add-isolate", ["labels", "--db", "{db}", "add", "a\u2066b"],
         r"U\+2066 LEFT-TO-RIGHT ISOLATE", None),
    Case("labels-add-c1", ["labels", "--db", "{db}", "add", "a\x9bb"], r"U\+009B", None),
    Case("labels-add-tab", ["labels", "--db", "{db}", "add", "a\tb"], r"U\+0009 TAB", None),
    Case("labels-add-bom", ["labels", "--db", "{db}", "add", "a\ufeffb"], r"U\+FEFF", None),
    Case("labels-rename-bell", ["labels", "--db", "{db}", "set", "actor", "--rename", "ac\x07"],
         r"U\+0007 BELL", None),
    Case("labels-description-rlo", ["labels", "--db", "{db}", "add", "place",
                                    "--description", "a\u202eb"], r"description.*U\+202E",
         None),
    Case("labels-add-duplicate", ["labels", "--db", "{db}", "add", "actor"], "defined twice",
         None),
    Case("labels-add-bad-colour", ["labels", "--db", "{db}", "add", "place", "--color", "red"],
         "#rrggbb", None),
    Case("labels-remove-in-use", ["labels", "--db", "{db}", "remove", "actor"],
         "is used by 1 span", None),
    # merge (a colleague's work), as strict as an import
    Case("merge-the-project", ["merge", "--db", "{db}", "{db}"], "project open here", "{db}"),
    Case("merge-fifo", ["merge", "--db", "{db}", "{tmp}/pipe.jsonl"], r"named pipe \(FIFO\)",
         "{tmp}/pipe.jsonl", setup=_fifo("pipe.jsonl"), subprocess=True),
    Case("merge-nested", ["merge", "--db", "{db}", "{tmp}/a.jsonl"], "nested too deeply",
         "{tmp}/a.jsonl", 1, files={"a.jsonl": "[" * 100_000 + "]" * 100_000 + "\n"}),
    Case("merge-garbage-project", ["merge", "--db", "{db}", "{tmp}/garbage.annotator"],
         "not an annotator project|damaged|not a", "{tmp}/garbage.annotator",
         setup=_garbage_after_header),
    Case("merge-span-outside", ["merge", "--db", "{db}", "{tmp}/a.jsonl"], "outside the text",
         "{tmp}/a.jsonl", 1, files={"a.jsonl": jsonl(rec(text=TEXT, spans=[
             span(3, 99999, annotator="carol")]))}),
    Case("merge-annotator-escape", ["merge", "--db", "{db}", "{tmp}/a.jsonl"],
         r"annotator .*U\+001B", "{tmp}/a.jsonl", 1, files={"a.jsonl": jsonl(rec(text=TEXT, spans=[
             span(0, 3, annotator="ca\x1b[2Jrol")]))}),
    # usage errors (argparse's own form, exit 2)
    Case("usage-unknown-encoding", [*IMPORT, "--encoding", "klingon", "{tmp}/a.txt"],
         "unknown encoding 'klingon'", code=2, files={"a.txt": "x"}),
    Case("usage-bytes-codec", [*IMPORT, "--encoding", "base64", "{tmp}/a.txt"],
         "not a text encoding", code=2, files={"a.txt": "x"}),
    Case("usage-export-format", ["export", "--db", "{db}", "--format", "csv"],
         "invalid choice: 'csv'", code=2),
    Case("usage-empty-output", ["export", "--db", "{db}", "-o", ""], "the path is empty",
         code=2),
]


def _fill(value: str, tmp: Path, db: Path) -> str:
    return value.replace("{db}", str(db)).replace("{tmp}", str(tmp))


def _run(case: Case, argv: list[str], tmp: Path,
         capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    if not case.subprocess:
        try:
            code = main(argv)
        except SystemExit as exit_:
            code = int(exit_.code or 0)
        captured = capsys.readouterr()
        return code, captured.out, captured.err
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "ANNOTATOR_LOCK_TIMEOUT": "5"}
    done = subprocess.run([sys.executable, "-m", "annotator", *argv], capture_output=True,
                          text=True, timeout=60, env=env, cwd=tmp)
    return done.returncode, done.stdout, done.stderr


def test_there_are_at_least_sixty_cases() -> None:
    assert len(CASES) >= 60
    assert len({case.id for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bad_input(case: Case, template: Path, tmp_path: Path,
                   capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "project.annotator"
    shutil.copy(template, db)
    work = tmp_path / "work"
    work.mkdir()
    for name, content in case.files.items():
        target = work / name
        if isinstance(content, str):
            target.write_text(content, encoding="utf-8")
        else:
            target.write_bytes(content)
    if case.setup is not None:
        case.setup(work, db)
    before = state(db)
    argv = [_fill(arg, work, db) for arg in case.argv]

    code, out, err = _run(case, argv, work, capsys)

    assert "Traceback" not in err and "Traceback" not in out, err
    assert code == case.code, err
    lines = err.strip().splitlines()
    assert lines, "no message"
    if case.code == 2:
        assert lines[0].startswith("usage: annotator")
        assert re.search(case.reason, lines[-1]), lines[-1]
        assert re.match(r"^annotator [a-z]+: error: ", lines[-1])
    else:
        for line in lines:
            assert MESSAGE.match(line), f"not a message line: {line!r}"
        rest = MESSAGE.match(lines[0]).group("rest")  # type: ignore[union-attr]
        if case.where is not None:
            prefix = _fill(case.where, work, db)
            prefix += f":{case.line}: " if case.line is not None else ": "
            assert rest.startswith(prefix), (rest, prefix)
            reason = rest[len(prefix):]
        else:
            assert not rest.startswith(str(work)) and not rest.startswith(str(db)), rest
            reason = rest
        assert re.search(case.reason, reason), reason
        assert "\x1b" not in err and "\u202e" not in err and "\x07" not in err
    assert state(db) == before
