"""The presence records: who else has the project open, ignoring dead processes, never
writing history, never waiting behind another program's write lock."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

from annotator.store import Project, presence

REGISTER = """
import sys, time
from annotator.store import Project, presence
project = Project.open(sys.argv[1])
assert presence.register(project, "hana")
print("registered", flush=True)
sys.stdin.readline()
if sys.argv[2] == "close":
    presence.unregister(project)
project.close()
"""

HOLD_LOCK = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1])
conn.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
sys.stdin.readline()
conn.rollback()
"""


def start(script: str, *args: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen([sys.executable, "-c", script, *args], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() in {"registered", "locked"}
    return proc


def finish(proc: subprocess.Popen[str]) -> None:
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write("\n")
    proc.stdin.close()
    assert proc.wait(timeout=30) == 0
    proc.stdout.close()


def kill(proc: subprocess.Popen[str]) -> None:
    proc.kill()
    proc.wait(timeout=30)
    for stream in (proc.stdin, proc.stdout):
        if stream is not None:
            stream.close()


def test_another_process_is_seen_and_forgotten_when_it_closes(project: Project) -> None:
    history = project.last_history_id()
    other = start(REGISTER, str(project.path), "close")
    try:
        [record] = presence.others(project)
        assert (record.pid, record.host, record.who) == (other.pid, presence.this_host(), "hana")
        assert re.fullmatch(rf"process {other.pid} on {re.escape(record.host)} since "
                            r"\d\d:\d\d \(hana\)", record.describe())
        # This process's own record is not among the others.
        assert presence.register(project, "tester")
        assert [r.pid for r in presence.others(project)] == [other.pid]
    finally:
        finish(other)
    assert presence.others(project) == []
    assert project.last_history_id() == history  # bookkeeping, not history
    rows = project.db.execute("SELECT pid FROM presence").fetchall()
    assert rows == [(os.getpid(),)]
    assert presence.unregister(project)
    assert project.db.execute("SELECT count(*) FROM presence").fetchone()[0] == 0


def test_a_killed_process_is_ignored_and_its_record_cleaned(project: Project) -> None:
    other = start(REGISTER, str(project.path), "keep")
    assert [r.pid for r in presence.others(project)] == [other.pid]
    kill(other)
    assert presence.others(project) == []  # ignored at once
    pids = {r[0] for r in project.db.execute("SELECT pid FROM presence").fetchall()}
    assert other.pid in pids  # still there until someone writes
    assert presence.register(project, "tester")
    pids = {r[0] for r in project.db.execute("SELECT pid FROM presence").fetchall()}
    assert pids == {os.getpid()}


def test_a_reused_pid_does_not_count_as_the_old_process(project: Project) -> None:
    # A record of this very pid but another process start: the pid was reused.
    project.db.execute(
        "INSERT INTO presence (host, pid, token, who, started_at, seen_at) VALUES (?, ?, ?, ?, ?, ?)",
        [presence.this_host(), os.getppid(), "not-its-start-time", "old", "2020-01-01T00:00:00.000Z",
         "2020-01-01T00:00:00.000Z"])
    project.db.conn.commit()
    if presence.process_token(os.getppid()) is not None:
        assert presence.others(project) == []


def test_other_hosts_count_while_their_record_is_fresh(project: Project) -> None:
    from annotator.domain.spans import now

    for host, seen in (("far", now()), ("gone", "2020-01-01T00:00:00.000Z")):
        project.db.execute(
            "INSERT INTO presence (host, pid, token, who, started_at, seen_at) "
            "VALUES (?, 7, NULL, 'kai', ?, ?)", [host, seen, seen])
    project.db.conn.commit()
    assert [r.host for r in presence.others(project)] == ["far"]


def test_writes_never_wait_behind_another_programs_write_lock(project: Project) -> None:
    holder = start(HOLD_LOCK, str(project.path))
    try:
        began = time.monotonic()
        assert presence.register(project, "tester") is False
        assert presence.heartbeat(project, "tester") is False
        assert presence.unregister(project, wait_ms=50) is False
        assert time.monotonic() - began < 1.0
        assert presence.others(project) == []  # reading works meanwhile
        assert not project.db.conn.in_transaction
    finally:
        finish(holder)
    assert presence.register(project, "tester")  # and works once the lock is free
    assert project.db.execute("SELECT count(*) FROM presence").fetchone()[0] == 1


def test_register_keeps_the_start_time(project_path: Path) -> None:
    with Project.open(project_path) as project:
        assert presence.register(project, "tester")
        first = project.db.execute("SELECT started_at, seen_at FROM presence").fetchone()
        time.sleep(0.01)
        assert presence.heartbeat(project, "tester")
        again = project.db.execute("SELECT started_at, seen_at FROM presence").fetchone()
        assert again[0] == first[0] and again[1] > first[1]
