"""Colleagues' work for the review tests: separate projects in ``tmp_path``, real exports.

Texts put emoji and rare astral kanji (𠮷 U+20BB7, 𩸽 U+29E3D) before the spans, so a code
point / UTF-16 mix-up anywhere shifts every span.
"""

from __future__ import annotations

from pathlib import Path

from annotator.services.exporting import ExportFilter, export
from annotator.store import Project

TEXTS = {
    "one.txt": "😀𠮷 北朝鮮の金正恩総書記は東京で会談した。\n外務省は𠮷野家で発表した。",
    "two.txt": "🎉𩸽 プーチン大統領と北朝鮮の外務省。",
}

# annotator -> (document name, surface text, label); each surface's first occurrence
WORK: dict[str, list[tuple[str, str, str]]] = {
    "alice": [("one.txt", "北朝鮮", "actor"), ("one.txt", "金正恩", "actor"),
              ("one.txt", "東京", "source"), ("one.txt", "外務省", "actor"),
              ("two.txt", "プーチン", "actor")],
    "bob": [("one.txt", "北朝鮮", "actor"), ("one.txt", "金正恩総書記", "actor"),
            ("one.txt", "東京", "claim"), ("one.txt", "外務省", "actor"),
            ("one.txt", "𠮷野家", "source"), ("two.txt", "プーチン", "actor"),
            ("two.txt", "北朝鮮", "actor")],
    "carol": [("one.txt", "北朝鮮", "actor"), ("one.txt", "金正恩", "actor"),
              ("one.txt", "外務省", "actor")],
}


def where(document: str, surface: str) -> tuple[int, int]:
    """Code-point ``(start, end)`` of the first occurrence of ``surface`` in a text."""
    start = TEXTS[document].index(surface)
    return start, start + len(surface)


def new_project(path: Path, texts: dict[str, str] | None = None) -> Path:
    """A project at ``path`` holding ``texts`` (default: ``TEXTS``), no spans."""
    with Project.open(path) as project:
        for name, text in (texts or TEXTS).items():
            project.add_document(name, text, who="setup")
    return path


def colleague_project(folder: Path, name: str, extra: dict[str, str] | None = None) -> Path:
    """``name``'s own project file (``folder/name.annotator``) with their ``WORK``."""
    path = new_project(folder / f"{name}.annotator", {**TEXTS, **(extra or {})})
    with Project.open(path) as project:
        ids = {d.name: d.id for d in project.documents()}
        for document, surface, label in WORK[name]:
            project.add_span(ids[document], *where(document, surface), label, name)
    return path


def colleague_export(folder: Path, name: str, extra: dict[str, str] | None = None) -> Path:
    """``name``'s work as the native JSONL export of their own project."""
    project_path = colleague_project(folder, name, extra)
    out = folder / f"{name}.jsonl"
    with Project.open(project_path) as project:
        export(project, "jsonl", output=out, filters=ExportFilter(skip_empty=False))
    return out
