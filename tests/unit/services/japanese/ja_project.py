"""A project file holding the seed texts and copies with astral characters before every hit."""

from __future__ import annotations

from pathlib import Path

from annotator.store import Project
from ja_seeds import SEED_000, SEED_003, seed

WHO = "tester"
ASTRAL = "😀𠮷🇯🇵𩸽"


def astral_variant(text: str) -> str:
    """``text`` with astral characters at its start and before every line (shifts each hit)."""
    return ASTRAL + text.replace("\n", "\n" + ASTRAL)


def seed_texts() -> dict[str, str]:
    """Document name -> text: the two seeds and their astral variants."""
    a, b = seed(SEED_000), seed(SEED_003)
    return {SEED_000: a, SEED_003: b, "astral_" + SEED_000: astral_variant(a), "astral_" + SEED_003: astral_variant(b)}


def make_project(path: Path) -> Path:
    """Create a project at ``path`` with :func:`seed_texts`; returns the path."""
    with Project.open(path) as project:
        for name, text in seed_texts().items():
            project.add_document(name, text, who=WHO)
    return path
