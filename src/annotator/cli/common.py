"""Helpers shared by the sub-commands: opening the project, who is acting, progress bars, and
printing user strings (names, texts) safely on a terminal."""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any, TextIO

from annotator.domain.errors import DataError
from annotator.domain.text import escape_unsafe
from annotator.services.default_project import open_project
from annotator.store import Project

__all__ = ["TerminalProgress", "dumps_json", "encoding_argument", "project_from", "shown"]


def project_from(args: argparse.Namespace, *, create: bool = False) -> Project:
    """Open ``--db`` or the default project (created with the seed texts on first use).

    A ``--db`` path that does not exist is an error unless ``create`` (only ``import`` and
    ``merge`` create a project: reading commands must not leave an empty file behind). A
    ``--db`` that is not a regular file (a FIFO, a device, a folder, a symlink loop) is refused
    before anything opens it. The seed texts of a new default project are the operating-system
    user's spans (``who`` left to :func:`open_project`)."""
    return open_project(getattr(args, "db", None), create=create)


def shown(value: object) -> str:
    """A user string (a name, a label, a document's text) as printed on a terminal: control
    characters (ESC, BEL, OSC ...), C1 controls, bidi overrides and zero-width characters are
    written as escapes (``\\x1b``, ``\\u202e``), so no name can move the cursor, recolour the
    terminal, set its title or reorder a line."""
    return escape_unsafe(str(value))


# The characters JSON leaves raw but a terminal acts on: C1 controls and the invisible format
# characters (json already escapes C0 controls).
_JSON_UNSAFE = re.compile("[\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2064"
                          "\u2066-\u2069\ufeff\ufff9-\ufffb]")


def dumps_json(value: Any, **options: Any) -> str:
    """``json.dumps(value, ensure_ascii=False)`` with the characters a terminal would act on
    written as ``\\uXXXX`` escapes: the same data for any JSON reader, safe to print."""
    text = json.dumps(value, ensure_ascii=False, **options)
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def encoding_argument(value: str) -> str:
    """argparse ``type`` of ``--encoding``: a Python text codec name (usage error if not)."""
    from annotator.services.decoding import encoding_name  # only commands reading files

    try:
        encoding_name(value)
    except DataError as exc:  # argparse reports the reason, exit 2
        raise argparse.ArgumentTypeError(str(exc)) from None
    return value


def path_argument(value: str) -> Path:
    """argparse ``type`` of a path argument (an empty path is a usage error)."""
    if not value:
        raise argparse.ArgumentTypeError("the path is empty")
    return Path(value)


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
            self.stream.write(f"\r{self.label} [{bar}] {done}/{total} {shown(what)[:40]:<40}")
            self.stream.flush()
            self._drawn = True
        return True

    def finish(self) -> None:
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()
