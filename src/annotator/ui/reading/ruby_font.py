"""Room for furigana: a copy of the bundled text font whose lines are taller by half an em.

The font copies and the room shared with the label tags live in :mod:`annotator.ui.line_room`;
this module keeps the furigana's amount (``ROOM``) and the names it has always had.
``ruby_font(font)`` is ``font`` in the bundled family with ``ROOM`` em above each line
(``None`` for a text font of another family).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QFont

from annotator.ui.line_room import RUBY_FAMILY, roomy_font, roomy_font_bytes

__all__ = ["ROOM", "RUBY_FAMILY", "ruby_font", "ruby_font_bytes"]

#: Extra room above each line for the readings, in em.
ROOM = 0.5


def ruby_font_bytes(data: bytes, room: float = ROOM) -> bytes:
    """The TrueType font ``data`` with its ascender raised by ``room`` em, renamed."""
    return roomy_font_bytes(data, room)


def ruby_font(font: QFont, path: Path | None = None) -> QFont | None:
    """``font`` with room above each line for furigana, or None when ``font`` is not the
    bundled family (or the font file cannot be read)."""
    return roomy_font(font, ROOM, path)
