"""A killed export leaves a ``.NAME.<hex>.part`` file; the next export to that folder removes
it, and only what it owns: same pattern, older than the export, not locked by a live writer."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from annotator.cli import main
from annotator.services.exporting import part_name, remove_stale_parts
from annotator.store import Project

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="flock and kill -9")

PROSE = "北朝鮮は3日、短距離弾道ミサイル2発を発射したと韓国軍が発表した。\n"


@pytest.fixture
def big_project(tmp_path: Path) -> Path:
    """About 40 MB of text to export: long enough to kill the export in the middle."""
    path = tmp_path / "big.annotator"
    with Project.open(path) as project, project.atomic():
        for number in range(400):
            doc, _ = project.add_document(f"d{number}.txt", f"{number}\n" + PROSE * 1000,
                                          who="t")
            project.add_span(doc.id, 0, 1, "number", annotator="alice", who="t")
    return path


def _parts(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.name.endswith(".part"))


def test_a_killed_export_is_cleaned_up_by_the_next_one(big_project: Path, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    out_dir = tmp_path / "exports"
    out_dir.mkdir()
    out = out_dir / "all.jsonl"
    child = subprocess.Popen([sys.executable, "-m", "annotator", "export", "--db",
                              str(big_project), "-o", str(out)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        parts = _parts(out_dir)
        if parts and parts[0].stat().st_size > 0:
            break
        assert child.poll() is None, "the export finished before it could be killed"
        time.sleep(0.005)
    else:
        pytest.fail("no partial file appeared")
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    [stale] = _parts(out_dir)
    assert not out.exists()
    assert stale.name.startswith(".all.jsonl.") and stale.stat().st_size > 0

    assert main(["export", "--db", str(big_project), "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert "removed 1 partial file that an interrupted export to all.jsonl left behind" in err
    assert _parts(out_dir) == []
    assert sorted(p.name for p in out_dir.iterdir()) == ["all.jsonl"]
    with out.open(encoding="utf-8") as handle:
        assert sum(1 for line in handle if json.loads(line)["text"]) == 400


def _holder(path: Path) -> subprocess.Popen[str]:
    """A live process that holds the part file's lock, as an export writing it does."""
    code = ("import fcntl, sys; f = open(sys.argv[1], 'a'); "
            "fcntl.flock(f, fcntl.LOCK_EX); print('locked', flush=True); sys.stdin.read()")
    holder = subprocess.Popen([sys.executable, "-c", code, str(path)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
    return holder


def test_a_part_being_written_by_a_live_process_is_left_alone(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    live = part_name(out, "0123456789ab")
    live.write_text("half a line", encoding="utf-8")
    old = time.time() - 3600
    os.utime(live, (old, old))
    holder = _holder(live)
    try:
        assert remove_stale_parts(out, time.time()) == []
        assert live.exists()
    finally:
        assert holder.stdin is not None and holder.stdout is not None
        holder.stdin.close()
        holder.wait(timeout=30)
        holder.stdout.close()
    assert remove_stale_parts(out, time.time()) == [live]  # its writer is gone now
    assert not live.exists()


def test_only_this_exports_own_stale_parts_are_removed(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    started = time.time()
    old = started - 60

    def make(name: str, *, when: float = old) -> Path:
        path = tmp_path / name
        path.write_text("x", encoding="utf-8")
        os.utime(path, (when, when))
        return path

    stale = [make(".out.jsonl.0123456789ab.part"), make(".out.jsonl.ffffffffffff.part")]
    kept = [
        make(".out.jsonl.0123456789AB.part"),  # not the pattern (upper-case hex)
        make(".out.jsonl.0123456789a.part"),  # 11 hex digits
        make(".out.jsonl.0123456789ab.part.bak"),
        make(".other.jsonl.0123456789ab.part"),  # another export's
        make("out.jsonl.0123456789ab.part"),  # not hidden
        make(".out.jsonl.aaaaaaaaaaaa.part", when=started + 5),  # newer than this export
    ]
    target = make("precious.txt")
    link = tmp_path / ".out.jsonl.bbbbbbbbbbbb.part"
    link.symlink_to(target)  # a link with the pattern's name: never followed, never removed
    os.mkdir(tmp_path / ".out.jsonl.cccccccccccc.part")  # a folder: left alone

    assert sorted(remove_stale_parts(out, started)) == sorted(stale)
    assert all(path.exists() for path in kept)
    assert link.is_symlink() and target.read_text(encoding="utf-8") == "x"
    assert (tmp_path / ".out.jsonl.cccccccccccc.part").is_dir()


def test_an_export_that_completes_leaves_no_part_and_keeps_the_mode(tmp_path: Path) -> None:
    path = tmp_path / "p.annotator"
    with Project.open(path) as project:
        project.add_document("a.txt", PROSE, who="t")
    out = tmp_path / "out.jsonl"
    out.write_text("old\n", encoding="utf-8")
    out.chmod(0o640)
    assert main(["export", "--db", str(path), "-o", str(out)]) == 0
    assert _parts(tmp_path) == []
    assert out.stat().st_mode & 0o777 == 0o640
    assert json.loads(out.read_text(encoding="utf-8"))["name"] == "a.txt"
