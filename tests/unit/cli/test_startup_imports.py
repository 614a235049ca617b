"""What a command pays to start: no pandas, NumPy or Qt behind ``annotator``'s store and CLI."""

from __future__ import annotations

import subprocess
import sys

import pytest


def _loaded(setup: str, modules: tuple[str, ...]) -> str:
    """Which of ``modules`` a fresh interpreter has imported after running ``setup``."""
    code = f"import sys\n{setup}\nprint(' '.join(n for n in {modules!r} if n in sys.modules))"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, timeout=120).stdout.strip()


def test_the_command_line_does_not_import_heavy_libraries() -> None:
    assert _loaded("import annotator.cli, annotator.cli.common, annotator.store, sqlite_utils.db",
                   ("pandas", "numpy", "PySide6", "pyarrow", "spacy", "psycopg")) == ""


def test_pandas_still_imports_after_the_store() -> None:
    code = ("import annotator.store, sqlite_utils.db, pandas, numpy; "
            "print(sqlite_utils.db.pd is None, pandas.DataFrame({'a': [1]}).shape)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120)
    if "No module named 'pandas'" in result.stderr:
        pytest.skip("pandas is not installed (it comes with the hf and test extras)")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "(1,", "1)"]


def test_opening_a_project_loads_no_sqlite_utils_plugins(tmp_path) -> None:
    """sqlite-utils' plugins are not loaded: finding them scans the entry points of every
    installed package (``importlib.metadata``), and the project uses none."""
    path = tmp_path / "p.annotator"
    code = ("import sys; from annotator.store import Project; "
            f"Project.open({str(path)!r}).close(); "
            "import sqlite_utils.plugins as plugins; "
            "print('importlib.metadata' in sys.modules, plugins._plugins_loaded)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, timeout=120)
    assert result.stdout.split() == ["False", "False"]


def test_a_small_export_loads_only_what_it_uses(tmp_path) -> None:
    """``annotator export`` of a small project starts without the import machinery (decoding,
    format sniffing), the validator (used only to name a damaged record's fault) and the
    worker processes' modules (a selection this small is exported in one process)."""
    path, out = tmp_path / "p.annotator", tmp_path / "out.jsonl"
    setup = (f"from annotator.store import Project\n"
             f"project = Project.open({str(path)!r})\n"
             "project.add_document('a.txt', 'text', who='t')\n"
             "project.close()\n"
             "from annotator.cli import main\n"
             f"assert main(['export', '--db', {str(path)!r}, '-o', {str(out)!r}]) == 0")
    assert _loaded(setup, ("annotator.services.importing", "annotator.services.decoding",
                           "annotator.services.validation", "multiprocessing",
                           "concurrent.futures")) == ""
    assert out.read_text(encoding="utf-8").count("\n") == 1
