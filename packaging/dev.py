#!/usr/bin/env python3
"""Create the project's virtual environment when it is missing, then start the app or run the tests.

    python3 packaging/dev.py app [ARGS...]     install (if needed) and start the annotator
    python3 packaging/dev.py test [ARGS...]    install (if needed) and run the whole test suite

Only the standard library is used, so this works on a fresh machine with Python >= 3.11 and pip.
The environment lives in ``.venv`` at the repository root. It is (re)installed when
``pyproject.toml`` changes (a hash of it is kept in ``.venv/annotator-install.stamp``).
The test run fails when pytest collects no test (pytest's exit status 5 is turned into 1).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
STAMP = VENV / "annotator-install.stamp"
PYTEST_NO_TESTS = 5


def venv_python() -> Path:
    if os.name == "nt":
        return VENV / "Scripts" / "python.exe"
    return VENV / "bin" / "python"


def ensure_environment(extra: str) -> Path:
    """Create ``.venv`` if needed and install the project (with ``extra``) when out of date."""
    if sys.version_info < (3, 11):
        sys.exit(f"annotator needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    python = venv_python()
    if not python.exists():
        print(f"Creating the virtual environment in {VENV} ...", flush=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    wanted = extra + ":" + hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    installed = STAMP.read_text().split() if STAMP.exists() else []
    if wanted not in installed:
        target = f"{ROOT}[{extra}]" if extra else str(ROOT)
        print(f"Installing annotator ({extra or 'app'}) into {VENV} ...", flush=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "--disable-pip-version-check", "-q", "-e", target],
            check=True,
        )
        STAMP.write_text("\n".join([*installed, wanted]) + "\n")
    return python


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"app", "test"}:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    what, rest = argv[0], argv[1:]
    if what == "app":
        python = ensure_environment("")
        return subprocess.call([str(python), "-m", "annotator", *rest])
    python = ensure_environment("test")
    status = subprocess.call([str(python), "-m", "pytest", *rest], cwd=ROOT)
    if status == PYTEST_NO_TESTS:
        print("pytest collected no tests: that is a failure, not a pass.", file=sys.stderr)
        return 1
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
