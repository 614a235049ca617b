"""Two processes writing one project for 30 s: nothing acknowledged is lost (issue 8).

* a session (the app's undo stack and commands, opening the project a second time in the same
  process every 25 actions) while the real command line adds, recolours, describes and renames
  labels, imports JSONL files with spans and prints stats;
* two sessions on the same spans: one edits notes, the other labels and bounds; both undo and
  redo.

After the run, :mod:`mp_checker` verifies: every acknowledged action is in the history with the
values it acknowledged and the spans in the file are what the history says (0 acknowledged
writes lost), the history is a chain per span and no write overwrote a newer state (0 lost
updates), each writer has exactly one row per acknowledged action and every successful CLI
command left its rows (0 history rows lost), and ``PRAGMA integrity_check`` is ok.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

import mp_harness


def _assert_clean(setup: mp_harness.Setup, title: str, started: float) -> None:
    report = setup.check()
    print(f"\n{title}: {report.summary()} ({time.monotonic() - started:.1f} s)")
    assert report.acknowledged > 0
    assert report.problems() == {}, report.explain()


@pytest.mark.slow
def test_session_and_command_line_for_30_s(setup: mp_harness.Setup, tmp_path: Path) -> None:
    started = time.monotonic()
    mp_harness.scenario_a(setup, tmp_path, seed=801, tag="run",
                          duration=mp_harness.SECONDS)
    _assert_clean(setup, "session + CLI", started)
    assert sum(1 for run in setup.cli_runs if run.returncode == 0) >= mp_harness.SECONDS // 3


@pytest.mark.slow
def test_two_sessions_on_the_same_spans_for_30_s(setup: mp_harness.Setup, tmp_path: Path) -> None:
    started = time.monotonic()
    mp_harness.scenario_b(setup, tmp_path, seed=802, tag="run",
                          duration=mp_harness.SECONDS)
    _assert_clean(setup, "two sessions", started)
    report = setup.check()
    assert report.refused > 0  # the two sessions did get in each other's way
