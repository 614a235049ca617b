"""What a folder import leaves out, and why, for the import's summary.

:func:`annotator.services.importing.collect_files` takes the ``.txt``/``.jsonl`` files of a
folder (recursively) and leaves out hidden files and folders and every other file.
:func:`skipped_in_folders` lists what it left out with the reason; a path that is not a regular
file (a FIFO, a device, a link to nowhere) is listed as refused: it is never opened.
:class:`FolderImportReport` is an :class:`~annotator.services.importing.ImportReport` whose
summary says all of it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from annotator.services.importing import JSONL_SUFFIXES, TEXT_SUFFIXES, ImportReport

__all__ = ["FolderImportReport", "HIDDEN", "NOT_REGULAR", "NOT_TEXT", "skipped_in_folders"]

HIDDEN = "hidden"
NOT_TEXT = "not .txt/.jsonl"
NOT_REGULAR = "not a regular file"
#: Names shown per reason in a summary (the rest are counted).
SHOWN_NAMES = 3


def skipped_in_folders(paths: Iterable[str | Path]) -> list[tuple[str, str]]:
    """``(path relative to its folder, reason)`` for every entry of the folders among ``paths``
    that a folder import leaves out (a hidden folder counts once), sorted by path."""
    suffixes = TEXT_SUFFIXES | JSONL_SUFFIXES
    out: list[tuple[str, str]] = []
    for raw in paths:
        root = Path(raw)
        if not root.is_dir():
            continue
        for folder, dirs, files in os.walk(root):
            here = Path(folder)
            for name in sorted(dirs):
                if name.startswith("."):
                    out.append((str((here / name).relative_to(root)) + "/", HIDDEN))
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(files):
                path = here / name
                rel = str(path.relative_to(root))
                if name.startswith("."):
                    out.append((rel, HIDDEN))
                elif not path.is_file():
                    out.append((rel, NOT_REGULAR))
                elif path.suffix.lower() not in suffixes:
                    out.append((rel, NOT_TEXT))
    return sorted(out)


def _names(paths: list[str]) -> str:
    shown = ", ".join(paths[:SHOWN_NAMES])
    more = len(paths) - SHOWN_NAMES
    return shown + (f" and {more} more" if more > 0 else "")


@dataclass
class FolderImportReport(ImportReport):
    """An import report that also says what the folders' skipped and refused entries were."""

    skipped: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def of(cls, report: ImportReport, skipped: list[tuple[str, str]]) -> FolderImportReport:
        return cls(**vars(report), skipped=skipped)

    def summary(self) -> str:
        parts = [super().summary()]
        left_out = [(p, r) for p, r in self.skipped if r != NOT_REGULAR]
        if left_out:
            by_reason = {reason: [p for p, r in left_out if r == reason]
                         for reason in (NOT_TEXT, HIDDEN)}
            parts.append(f"skipped {len(left_out)}: " + "; ".join(
                f"{len(paths)} {reason} ({_names(paths)})"
                for reason, paths in by_reason.items() if paths))
        refused = [p for p, r in self.skipped if r == NOT_REGULAR]
        if refused:
            parts.append(f"refused {len(refused)} {NOT_REGULAR} ({_names(refused)})")
        return "; ".join(parts)
