"""What a folder import leaves out, and why, for the import's summary.

:func:`annotator.services.importing.collect_sources` takes the files of a folder (recursively)
that an importer recognises (texts, native/doccano JSONL, Label Studio JSON, CoNLL, spaCy,
REFI-QDA; a brat folder as a whole) and leaves out hidden files and folders, files of other
kinds, and structured files whose content no importer recognises (those are listed as
refused: they are never imported as texts). :func:`skipped_in_folders` lists what it left out
with the reason; a path that is not a regular file (a FIFO, a device, a link to nowhere) is
listed as refused: it is never opened.
:class:`FolderImportReport` is an :class:`~annotator.services.importing.ImportReport` whose
summary says all of it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from annotator.services.importing import ImportReport

__all__ = ["FolderImportReport", "HIDDEN", "NOT_REGULAR", "NOT_TEXT", "UNRECOGNISED",
           "skipped_in_folders"]

HIDDEN = "hidden"
NOT_TEXT = "not a format annotator reads"
NOT_REGULAR = "not a regular file"
UNRECOGNISED = "content not recognised"
#: Reasons listed as refused (never opened, or not imported as anything) rather than skipped.
REFUSED = (NOT_REGULAR, UNRECOGNISED)
#: Names shown per reason in a summary (the rest are counted).
SHOWN_NAMES = 3


def skipped_in_folders(paths: Iterable[str | Path], fmt: str = "auto") -> list[tuple[str, str]]:
    """``(path relative to its folder, reason)`` for every entry of the folders among ``paths``
    that a folder import leaves out (a hidden folder counts once), sorted by path."""
    from annotator.services.importing import _folder_sources

    out: list[tuple[str, str]] = []
    for raw in paths:
        root = Path(raw)
        if root.is_dir():
            _folder_sources(root, fmt, out)
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
        left_out = [(p, r) for p, r in self.skipped if r not in REFUSED]
        if left_out:
            by_reason = {reason: [p for p, r in left_out if r == reason]
                         for reason in dict.fromkeys([NOT_TEXT, HIDDEN, *(r for _, r in left_out)])}
            parts.append(f"skipped {len(left_out)}: " + "; ".join(
                f"{len(paths)} {reason} ({_names(paths)})"
                for reason, paths in by_reason.items() if paths))
        for reason in REFUSED:
            refused = [p for p, r in self.skipped if r == reason]
            if refused:
                parts.append(f"refused {len(refused)} {reason} ({_names(refused)})")
        return "; ".join(parts)
