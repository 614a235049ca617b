"""Helpers shared by the sub-commands: opening the project, who is acting, progress bars."""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from annotator.services.default_project import open_project
from annotator.services.importing import default_annotator
from annotator.store import Project


def project_from(args: argparse.Namespace, *, create: bool = False) -> Project:
    """Open ``--db`` or the default project (created with the seed texts on first use).

    A ``--db`` path that does not exist is an error unless ``create`` (only ``import`` and
    ``merge`` create a project: reading commands must not leave an empty file behind)."""
    return open_project(getattr(args, "db", None), who=default_annotator(), create=create)


class TerminalProgress:
    """A one-line progress bar on standard error, drawn only when it is a terminal."""

    def __init__(self, label: str, stream: TextIO | None = None, width: int = 30) -> None:
        self.label = label
        self.stream = stream or sys.stderr
        self.width = width
        self.active = self.stream.isatty()
        self._drawn = False

    def __call__(self, done: int, total: int, what: str = "") -> bool:
        if self.active and total > 0:
            filled = int(self.width * min(done, total) / total)
            bar = "#" * filled + "-" * (self.width - filled)
            self.stream.write(f"\r{self.label} [{bar}] {done}/{total} {what[:40]:<40}")
            self.stream.flush()
            self._drawn = True
        return True

    def finish(self) -> None:
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()
