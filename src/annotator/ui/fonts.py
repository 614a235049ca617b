"""Japanese fonts: load the bundled IPAex Gothic and tell the user when none is available.

Without a CJK font every kana and kanji is drawn as a box. The project ships IPAex Gothic
(``resources/fonts/ipaexg.ttf``, IPA Font License); ``load_bundled_fonts`` registers it with
``QFontDatabase.addApplicationFont``. ``japanese_font_status`` then reports whether any
Japanese-capable family exists and, if not, what to install. Needs a ``QGuiApplication``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtGui import QFont, QFontDatabase

from annotator.services.shipped import SOURCE_ROOT, shipped_dir

__all__ = [
    "BUNDLED_FONT",
    "FontStatus",
    "japanese_families",
    "japanese_font_status",
    "load_bundled_fonts",
    "missing_font_message",
    "resources_dir",
    "text_font",
]

BUNDLED_FONT = "fonts/ipaexg.ttf"

_loaded: dict[str, list[str]] = {}


def resources_dir() -> Path:
    """The ``resources`` directory: the source checkout's, else the installation's."""
    return shipped_dir("resources") or SOURCE_ROOT / "resources"


def load_bundled_fonts(path: Path | None = None) -> list[str]:
    """Register the bundled font (once per path); return the families it provides.

    Returns ``[]`` if the file is missing or Qt cannot read it.
    """
    font = path or resources_dir() / BUNDLED_FONT
    key = str(font)
    if key not in _loaded:
        families: list[str] = []
        if font.is_file():
            font_id = QFontDatabase.addApplicationFont(key)
            if font_id >= 0:
                families = list(QFontDatabase.applicationFontFamilies(font_id))
        _loaded[key] = families
    return list(_loaded[key])


def japanese_families() -> list[str]:
    """Families that Qt knows can write Japanese (installed or loaded), without the copies of
    the bundled font with room above the lines (``annotator.ui.line_room``: "IPAexR…")."""
    return [f for f in QFontDatabase.families(QFontDatabase.WritingSystem.Japanese)
            if not f.startswith("IPAexR")]


def missing_font_message() -> str:
    """What to tell a user who has no Japanese font (plain text)."""
    return (
        "No Japanese font was found, so Japanese text would be drawn as empty boxes.\n"
        "Install one and restart, for example:\n"
        "  Debian/Ubuntu: sudo apt install fonts-noto-cjk\n"
        "  (or the smaller: sudo apt install fonts-ipafont-gothic)"
    )


@dataclass(frozen=True)
class FontStatus:
    """Result of ``japanese_font_status``: ``message`` is ``None`` when all is well."""

    available: bool
    bundled: list[str] = field(default_factory=list)
    families: list[str] = field(default_factory=list)
    message: str | None = None


def japanese_font_status(*, load_bundled: bool = True) -> FontStatus:
    """Load the bundled font (unless told not to) and report on Japanese fonts."""
    bundled = load_bundled_fonts() if load_bundled else []
    families = japanese_families()
    available = bool(families)
    return FontStatus(
        available=available,
        bundled=bundled,
        families=families,
        message=None if available else missing_font_message(),
    )


def text_font(point_size: int = 12) -> QFont:
    """A font for the annotation text: the bundled family first, then any Japanese family."""
    families = load_bundled_fonts() + japanese_families()
    font = QFont()
    if families:
        font.setFamilies(list(dict.fromkeys(families)))
    font.setPointSize(point_size)
    font.setStyleHint(QFont.StyleHint.SansSerif)
    return font
