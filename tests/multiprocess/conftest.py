"""Fixtures of the multi-process tests: real writer processes, the real CLI, SIGKILL.

The helpers live beside the tests: ``mp_writer.py`` (a session run as a child process),
``mp_harness.py`` (the shared project, the processes, the scenarios) and ``mp_checker.py`` (what
is verified after every run).
"""

from __future__ import annotations

from pathlib import Path

import pytest

import mp_harness


@pytest.fixture(autouse=True)
def isolated_data_dir(tmp_path_factory: pytest.TempPathFactory,
                      monkeypatch: pytest.MonkeyPatch) -> Path:
    """No process started here touches the real default project."""
    folder = tmp_path_factory.mktemp("annotator-data")
    monkeypatch.setenv("ANNOTATOR_DATA_DIR", str(folder))
    return folder


@pytest.fixture(scope="session")
def cli_base() -> float:
    """Seconds the command line needs to start, measured once."""
    return min(mp_harness.cli_base_delay() for _ in range(3))


@pytest.fixture
def setup(tmp_path: Path) -> mp_harness.Setup:
    """A fresh shared project in ``tmp_path``."""
    return mp_harness.make_project(tmp_path / "shared.annotator")
