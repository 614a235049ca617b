"""Room for furigana: a copy of the bundled text font whose lines are taller by half an em.

``QPlainTextEdit`` lays out each line at the height of its font (ascent + descent + leading) and
ignores a block format's line height and margins, so the only way to give every line room above
its glyphs, without touching the document, is a font whose ascent is larger. ``ruby_font(font)``
registers, once, a copy of the bundled IPAex Gothic (``annotator.ui.fonts.BUNDLED_FONT``) with
its ascender raised by ``ROOM`` em (the ``hhea`` and ``OS/2`` tables) and its family renamed
(``IPAexRubyGo``), and returns ``font`` in that family; the glyphs, their widths and so every
character offset stay as they were. A text font of another family gets no room (``None``).
"""

from __future__ import annotations

import struct
from pathlib import Path

from PySide6.QtCore import QByteArray
from PySide6.QtGui import QFont, QFontDatabase

from annotator.ui.fonts import BUNDLED_FONT, load_bundled_fonts, resources_dir

__all__ = ["ROOM", "RUBY_FAMILY", "ruby_font", "ruby_font_bytes"]

#: Extra room above each line, in em.
ROOM = 0.5
RUBY_FAMILY = "IPAexRubyGo"
_ORIGINAL = "IPAexGothic"
_registered: dict[str, str | None] = {}


def _tables(data: bytes | bytearray) -> dict[str, int]:
    count = struct.unpack(">H", data[4:6])[0]
    tables: dict[str, int] = {}
    for i in range(count):
        tag, _checksum, offset, _length = struct.unpack(">4sIII", data[12 + 16 * i:28 + 16 * i])
        tables[tag.decode("latin-1")] = offset
    return tables


def ruby_font_bytes(data: bytes, room: float = ROOM) -> bytes:
    """The TrueType font ``data`` with its ascender raised by ``room`` em and the IPAex Gothic
    family names replaced by ``RUBY_FAMILY`` (same byte lengths, so no table moves)."""
    out = bytearray(data)
    tables = _tables(out)
    head, hhea, os2 = tables["head"], tables["hhea"], tables["OS/2"]
    units = struct.unpack(">H", out[head + 18:head + 20])[0]
    extra = int(units * room)
    ascender = struct.unpack(">h", out[hhea + 4:hhea + 6])[0]
    struct.pack_into(">h", out, hhea + 4, ascender + extra)
    typo = struct.unpack(">h", out[os2 + 68:os2 + 70])[0]
    struct.pack_into(">h", out, os2 + 68, typo + extra)
    win = struct.unpack(">H", out[os2 + 74:os2 + 76])[0]
    struct.pack_into(">H", out, os2 + 74, min(0xFFFF, win + extra))
    renamed = bytes(out)
    for old, new in (
        (_ORIGINAL.encode("utf-16-be"), RUBY_FAMILY.encode("utf-16-be")),
        ("ゴシック".encode("utf-16-be"), "Ruby".encode("utf-16-be")),
        (_ORIGINAL.encode("ascii"), RUBY_FAMILY.encode("ascii")),
        ("ゴシック".encode("shift_jis"), b"RubyRuby"),
    ):
        renamed = renamed.replace(old, new)
    return renamed


def _register(path: Path) -> str | None:
    key = str(path)
    if key not in _registered:
        family = None
        try:
            data = ruby_font_bytes(path.read_bytes())
        except (OSError, KeyError, struct.error):
            data = b""
        if data:
            font_id = QFontDatabase.addApplicationFontFromData(QByteArray(data))
            families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
            family = families[0] if families else None
        _registered[key] = family
    return _registered[key]


def ruby_font(font: QFont, path: Path | None = None) -> QFont | None:
    """``font`` with room above each line for furigana, or None when ``font`` is not the
    bundled family (or the font file cannot be read)."""
    bundled = load_bundled_fonts(path) if path is not None else load_bundled_fonts()
    if not bundled or font.family() not in bundled:
        return None
    family = _register(path or resources_dir() / BUNDLED_FONT)
    if family is None:
        return None
    roomy = QFont(font)
    roomy.setFamilies([family, *font.families()[1:]])
    return roomy
