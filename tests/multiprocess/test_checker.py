"""The checker of the multi-process tests flags each kind of loss it is meant to find.

A real writer process runs alone on a fresh project (no concurrency: nothing may be flagged),
then copies of the project (made with SQLite's backup API) and of the acknowledgement log are
damaged in one way each, and the checker must report exactly that kind of problem.
"""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import pytest

import mp_harness
from mp_checker import CliRunRecord, Expected, WriterLog, check_project


@pytest.fixture(scope="module")
def clean_run(tmp_path_factory: pytest.TempPathFactory) -> mp_harness.Setup:
    workdir = tmp_path_factory.mktemp("clean")
    setup = mp_harness.make_project(workdir / "shared.annotator")
    writer = mp_harness.WriterProcess(setup, workdir, who="session-solo", role="session",
                                      seed=7, labels=mp_harness.SESSION_LABELS, reopen_every=25)
    writer.wait_ready()
    deadline = time.monotonic() + 60.0  # a loaded machine writes slower: wait for the work
    while time.monotonic() < deadline:
        time.sleep(0.2)
        if writer.log.read_text(encoding="utf-8").count('"t": "ack"') > 60:
            break
    writer.finish()
    return setup


def _copy(setup: mp_harness.Setup, tmp_path: Path) -> tuple[Path, WriterLog]:
    target = tmp_path / "copy.annotator"
    source = sqlite3.connect(str(setup.path))
    dest = sqlite3.connect(str(target))
    source.backup(dest)
    source.close()
    dest.execute("DROP TRIGGER history_no_update")
    dest.execute("DROP TRIGGER history_no_delete")
    dest.commit()
    dest.close()
    log = tmp_path / "copy.log"
    log.write_text(setup.writers[0].path.read_text())
    return target, WriterLog("session-solo", log)


def _check(path: Path, setup: mp_harness.Setup, log: WriterLog,
           runs: list[CliRunRecord] = ()) -> dict[str, int]:
    return check_project(path, initial_labels=setup.initial_labels, writers=[log],
                         cli_runs=runs).problems()


def _sql(path: Path, sql: str, *params: object) -> None:
    conn = sqlite3.connect(str(path))
    conn.execute(sql, params)
    conn.commit()
    conn.close()


def test_a_clean_run_has_no_problem(clean_run: mp_harness.Setup) -> None:
    report = clean_run.check()
    assert report.acknowledged > 50
    assert report.problems() == {}, report.explain()


def test_a_lost_history_row_is_flagged(clean_run: mp_harness.Setup, tmp_path: Path) -> None:
    path, log = _copy(clean_run, tmp_path)
    _sql(path, "DELETE FROM history WHERE id = (SELECT max(id) FROM history "
               "WHERE who = 'session-solo' AND action = 'update')")
    problems = _check(path, clean_run, log)
    assert problems.get("lost history rows") and problems.get("lost acknowledged writes")


def test_a_stale_before_is_a_lost_update(clean_run: mp_harness.Setup, tmp_path: Path) -> None:
    path, log = _copy(clean_run, tmp_path)
    conn = sqlite3.connect(str(path))
    row_id, before = conn.execute("SELECT id, before FROM history WHERE who = 'session-solo' AND "
                                  "action = 'update' ORDER BY id DESC LIMIT 1").fetchone()
    conn.close()
    stale = {**json.loads(before), "note": "what another process had overwritten"}
    _sql(path, "UPDATE history SET before = ? WHERE id = ?", json.dumps(stale), row_id)
    assert list(_check(path, clean_run, log)) == ["lost updates"]


def test_a_change_outside_the_history_is_flagged(clean_run: mp_harness.Setup,
                                                 tmp_path: Path) -> None:
    path, log = _copy(clean_run, tmp_path)
    _sql(path, "UPDATE spans SET note = 'changed behind the history' WHERE id = "
               "(SELECT id FROM spans LIMIT 1)")
    assert list(_check(path, clean_run, log)) == ["state differs from the history"]


def test_an_acknowledgement_without_its_write_is_flagged(clean_run: mp_harness.Setup,
                                                         tmp_path: Path) -> None:
    path, log = _copy(clean_run, tmp_path)
    span = json.loads(next(line for line in log.path.read_text().splitlines()
                           if '"kind": "update"' in line))["span"]
    with log.path.open("a") as handle:
        for t in ("try", "ack"):
            handle.write(json.dumps({"t": t, "seq": 10**6, "cmd": 10**6, "op": "do",
                                     "kind": "update", "span": span, "touched": ["note"],
                                     "to": {"note": "acknowledged, never written"}}) + "\n")
    problems = _check(path, clean_run, log)
    assert problems.get("lost acknowledged writes") and problems.get("lost history rows")


def test_a_command_line_run_without_its_rows_is_flagged(clean_run: mp_harness.Setup,
                                                        tmp_path: Path) -> None:
    path, log = _copy(clean_run, tmp_path)
    said_ok = CliRunRecord(["labels", "add", "ghost"], 0, False,
                           [Expected("label", "add", "ghost", after={"name": "ghost"})])
    assert list(_check(path, clean_run, log, [said_ok])) == ["lost history rows"]
    killed = CliRunRecord(["labels", "add", "ghost"], None, True,
                          [Expected("label", "add", "ghost", after={"name": "ghost"})])
    assert _check(path, clean_run, log, [killed]) == {}  # killed before it wrote: fine
