"""A full disk, for real: import and export fail with one message, exit 1, nothing half-written.

Two real ways to run out of space:

* ``RLIMIT_FSIZE`` in the child process (``SIGXFSZ`` ignored there, so a write past the limit
  fails with ``EFBIG``, "File too large"), which works for any user;
* a small ``tmpfs`` mounted for the test (``ENOSPC``, "No space left on device"), when the
  test may mount one (root); skipped otherwise.
"""

from __future__ import annotations

import hashlib
import os
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from annotator.store import Project

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX resource limits")

PROSE = "北朝鮮は3日、短距離弾道ミサイル2発を発射したと韓国軍が発表した。ロシア軍は砲弾を受け取った。\n"


def _tables(path: Path) -> dict[str, list[tuple[object, ...]]]:
    uri = f"file:{quote(str(path))}?mode=ro"
    if not Path(f"{path}-wal").exists():
        uri += "&immutable=1"
    conn = sqlite3.connect(uri, uri=True)
    try:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {n: sorted(conn.execute(f'SELECT * FROM "{n}"').fetchall(), key=repr)
                for n in names}
    finally:
        conn.close()


def _run(argv: list[str], *, limit: int | None = None, stdout: object = subprocess.PIPE,
         cwd: Path) -> subprocess.CompletedProcess[str]:
    def limited() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return subprocess.run([sys.executable, "-B", "-m", "annotator", *argv], text=True,
                          stdout=stdout, stderr=subprocess.PIPE, timeout=120, cwd=cwd,
                          preexec_fn=limited if limit is not None else None,
                          env={**os.environ, "ANNOTATOR_LOCK_TIMEOUT": "5"})


@pytest.fixture
def project(tmp_path: Path) -> Path:
    path = tmp_path / "p.annotator"
    with Project.open(path) as opened:
        for number in range(30):
            doc, _ = opened.add_document(f"d{number}.txt", f"{number}: " + PROSE * 60, who="t")
            opened.add_span(doc.id, 4, 7, "actor", annotator="alice", who="t")
    assert path.stat().st_size > 300_000
    return path


def _assert_message(done: subprocess.CompletedProcess[str], where: str, reason: str) -> None:
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"annotator: error: {where}: "), lines[0]
    assert reason in lines[0], lines[0]


def test_import_past_the_file_size_limit(project: Path, tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    big.write_text(PROSE * 20_000, encoding="utf-8")  # 2.6 MB: more than the limit allows
    before, digest = _tables(project), hashlib.sha256(project.read_bytes()).hexdigest()
    done = _run(["import", "--db", str(project), str(big)], limit=1_000_000, cwd=tmp_path)
    _assert_message(done, str(project), "cannot write the project (disk I/O error, "
                                        "SQLITE_IOERR_WRITE); the change was rolled back")
    assert _tables(project) == before
    assert hashlib.sha256(project.read_bytes()).hexdigest() == digest
    assert not Path(f"{project}-wal").exists()


def test_export_past_the_file_size_limit(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    out.write_text("the previous export\n", encoding="utf-8")
    done = _run(["export", "--db", str(project), "-o", str(out)], limit=200_000, cwd=tmp_path)
    _assert_message(done, str(out), "cannot write the export (File too large); nothing was "
                                    "written")
    assert out.read_text(encoding="utf-8") == "the previous export\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.jsonl", "p.annotator"]


def test_spacy_export_past_the_file_size_limit(project: Path, tmp_path: Path) -> None:
    """The spaCy export spools every document's columns to temporary files first: a write
    there that fails is the same one-line refusal, with nothing left behind."""
    pytest.importorskip("spacy", reason="the test extra installs spaCy")
    out = tmp_path / "out.spacy"
    out.write_bytes(b"the previous export")
    done = _run(["export", "--db", str(project), "--format", "spacy", "-o", str(out)],
                limit=200_000, cwd=tmp_path)
    _assert_message(done, str(out), "cannot write the export (File too large); nothing was "
                                    "written")
    assert out.read_bytes() == b"the previous export"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.spacy", "p.annotator"]


def test_export_to_standard_output_past_the_limit(project: Path, tmp_path: Path) -> None:
    with (tmp_path / "shell-redirect.jsonl").open("w") as handle:
        done = _run(["export", "--db", str(project)], limit=200_000, stdout=handle,
                    cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr
    assert done.stderr.strip() == "annotator: error: cannot write the output (File too large)"


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    if shutil.which("mount") is None or os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount_point)],
                          capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def test_import_and_export_on_a_full_tmpfs(small_disk: Path, tmp_path: Path) -> None:
    project = small_disk / "p.annotator"
    with Project.open(project) as opened:
        opened.add_document("first.txt", PROSE * 1000, who="t")  # 150 KB of UTF-8
    big = tmp_path / "big.txt"
    big.write_text(PROSE * 12_000, encoding="utf-8")  # 1.6 MB on a 1 MB disk
    before = _tables(project)
    done = _run(["import", "--db", str(project), str(big)], cwd=tmp_path)
    _assert_message(done, str(project), "cannot write the project (database or disk is full, "
                                        "SQLITE_FULL); the change was rolled back")
    assert _tables(project) == before

    filler = small_disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)  # fill the disk
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError:
        pass
    finally:
        os.close(fd)
    # 96 KB free: room to open the project (its -shm, -wal), not for a 150 KB export.
    os.truncate(filler, max(0, filler.stat().st_size - 96 * 1024))
    out = small_disk / "out.jsonl"
    done = _run(["export", "--db", str(project), "-o", str(out)], cwd=tmp_path)
    _assert_message(done, str(out), "cannot write the export (No space left on device)")
    assert not out.exists()
    assert not [p for p in small_disk.iterdir() if p.name.endswith(".part")]
