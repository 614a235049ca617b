"""Choosing project files to create or open (static ``QFileDialog`` calls)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QWidget

__all__ = ["PROJECT_FILTER", "choose_new_project", "choose_project"]

PROJECT_FILTER = "Annotator projects (*.annotator);;All files (*)"


def choose_new_project(parent: QWidget | None, folder: str = "") -> str | None:
    """Ask where to create a project; adds ``.annotator`` when no suffix is given."""
    path, _ = QFileDialog.getSaveFileName(parent, "New project", folder, PROJECT_FILTER)
    if not path:
        return None
    return str(Path(path).with_suffix(".annotator")) if not Path(path).suffix else path


def choose_project(parent: QWidget | None, folder: str = "") -> str | None:
    """Ask for an existing project file to open."""
    path, _ = QFileDialog.getOpenFileName(parent, "Open project", folder, PROJECT_FILTER)
    return path or None


def choose_import_files(parent: QWidget | None, folder: str = "") -> list[str]:
    """Ask for texts and labelled files (native/doccano JSONL, Label Studio JSON, CoNLL,
    spaCy, REFI-QDA) to import."""
    paths, _ = QFileDialog.getOpenFileNames(
        parent, "Import texts", folder,
        "Texts and labelled data (*.txt *.text *.jsonl *.ndjson *.json *.conll *.iob *.bio "
        "*.bioes *.spacy *.qdpx);;All files (*)")
    return list(paths)


def choose_import_folder(parent: QWidget | None, folder: str = "") -> str | None:
    """Ask for a folder whose .txt and .jsonl files are imported."""
    path = QFileDialog.getExistingDirectory(parent, "Import a folder", folder)
    return path or None
