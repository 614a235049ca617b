"""Another program holds the project's write lock past ANNOTATOR_LOCK_TIMEOUT: the command
waits that long, then fails with one message (exit 1), the project unchanged."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from annotator.store import Project

HOLD = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
conn.execute("INSERT INTO settings (key, value) VALUES ('held', '1')")
print("holding", flush=True)
sys.stdin.read()
conn.execute("ROLLBACK")
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    path = tmp_path / "p.annotator"
    with Project.open(path) as opened:
        opened.add_document("a.txt", "北朝鮮の発表。", who="t")
    return path


@pytest.fixture
def held(project: Path) -> Iterator[subprocess.Popen[str]]:
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(project)], text=True,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert holder.stdout is not None and holder.stdout.readline() == "holding\n"
    yield holder
    assert holder.stdin is not None
    holder.stdin.close()
    holder.wait(timeout=30)
    holder.stdout.close()


@pytest.mark.parametrize("argv", [["labels", "add", "place"], ["import", "{text}"]],
                         ids=["labels-add", "import"])
def test_a_held_lock_ends_in_a_message(project: Path, held: subprocess.Popen[str],
                                       tmp_path: Path, snapshot, argv: list[str]) -> None:
    text = tmp_path / "b.txt"
    text.write_text("ロシア軍は砲弾を受け取った。", encoding="utf-8")
    before = snapshot(project)
    command = [argv[0], "--db", str(project), *(a.replace("{text}", str(text)) for a in argv[1:])]
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "annotator", *command], capture_output=True,
                          text=True, timeout=60,
                          env={**os.environ, "ANNOTATOR_LOCK_TIMEOUT": "0.5"})
    waited = time.monotonic() - started
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    [line] = done.stderr.strip().splitlines()
    assert line.startswith(f"annotator: error: {project}: another program has been writing to "
                           f"this project for "), line
    assert "nothing was written" in line and "ANNOTATOR_LOCK_TIMEOUT" in line
    assert 0.5 <= waited < 20
    assert snapshot(project) == before
