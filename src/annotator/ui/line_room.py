"""Room above every line of a text view, shared by what is drawn there (label tags, furigana).

``QPlainTextEdit`` lays out each line at the height of its font (ascent + descent + leading) and
ignores a block format's line height and margins, so the only way to give every line room above
its glyphs, without touching the document, is a font whose ascent is larger.
``roomy_font(font, em)`` registers, once per amount, a copy of the bundled IPAex Gothic
(``annotator.ui.fonts.BUNDLED_FONT``) with its ascender raised by ``em`` (the ``hhea`` and
``OS/2`` tables) and its family renamed, and returns ``font`` in that family; the glyphs, their
widths and so every character offset and line break stay as they were. A text font of another
family gets no room (``None``).

``LineRoom.of(view)`` is the one room keeper of a view. Each overlay asks for its *band*
(``request("tags", em)``, ``request("furigana", em)``; 0 withdraws); the room is the sum of the
bands, stacked in ``BANDS`` order from the line's top down to its glyphs (the readings right
above the glyphs, the tags above the readings, the relation arcs' lane above the tags), and
``band(name)`` says where an overlay may draw. The font the view had before the first band comes back when the last band goes. Emits
``changed()`` after the view's font changed.
"""

from __future__ import annotations

import math
import struct
from pathlib import Path

from PySide6.QtCore import QByteArray, QObject, Signal
from PySide6.QtGui import QFont, QFontDatabase, QFontMetricsF
from PySide6.QtWidgets import QWidget

from annotator.ui.fonts import BUNDLED_FONT, load_bundled_fonts, resources_dir

__all__ = ["BANDS", "LineRoom", "RUBY_FAMILY", "family_for", "roomy_font", "roomy_font_bytes"]

#: Bands from the line's top down to its glyphs (the relation arcs' lane above the tags).
BANDS = ("relations", "tags", "furigana")
#: The family of the copy with half an em of room (furigana alone).
RUBY_FAMILY = "IPAexRubyGo"
_ORIGINAL = "IPAexGothic"
#: Rooms are rounded up to this step (em), so a few font copies serve every combination.
STEP = 0.05
_registered: dict[tuple[str, int], str | None] = {}


def _hundredths(em: float) -> int:
    return max(0, min(999, math.ceil(round(em / STEP, 6)) * round(STEP * 100)))


def family_for(em: float) -> str:
    """The family name of the copy with ``em`` of room (11 characters, like IPAexGothic)."""
    n = _hundredths(em)
    return RUBY_FAMILY if n == 50 else f"IPAexR{n:03d}Go"


def _tables(data: bytes | bytearray) -> dict[str, int]:
    count = struct.unpack(">H", data[4:6])[0]
    tables: dict[str, int] = {}
    for i in range(count):
        tag, _checksum, offset, _length = struct.unpack(">4sIII", data[12 + 16 * i:28 + 16 * i])
        tables[tag.decode("latin-1")] = offset
    return tables


def roomy_font_bytes(data: bytes, room: float) -> bytes:
    """The TrueType font ``data`` with its ascender raised by ``room`` em and the IPAex Gothic
    family names replaced by ``family_for(room)`` (same byte lengths, so no table moves)."""
    out = bytearray(data)
    tables = _tables(out)
    head, hhea, os2 = tables["head"], tables["hhea"], tables["OS/2"]
    units = struct.unpack(">H", out[head + 18:head + 20])[0]
    extra = int(units * _hundredths(room) / 100)
    ascender = struct.unpack(">h", out[hhea + 4:hhea + 6])[0]
    struct.pack_into(">h", out, hhea + 4, ascender + extra)
    typo = struct.unpack(">h", out[os2 + 68:os2 + 70])[0]
    struct.pack_into(">h", out, os2 + 68, typo + extra)
    win = struct.unpack(">H", out[os2 + 74:os2 + 76])[0]
    struct.pack_into(">H", out, os2 + 74, min(0xFFFF, win + extra))
    family = family_for(room)
    n = _hundredths(room)
    short = "Ruby" if family == RUBY_FAMILY else f"R{n:03d}"  # 4 characters, like ゴシック
    renamed = bytes(out)
    for old, new in (
        (_ORIGINAL.encode("utf-16-be"), family.encode("utf-16-be")),
        ("ゴシック".encode("utf-16-be"), short.encode("utf-16-be")),
        (_ORIGINAL.encode("ascii"), family.encode("ascii")),
        ("ゴシック".encode("shift_jis"), (short * 2).encode("ascii")),
    ):
        renamed = renamed.replace(old, new)
    return renamed


def _register(path: Path, room: float) -> str | None:
    key = (str(path), _hundredths(room))
    if key not in _registered:
        family = None
        try:
            data = roomy_font_bytes(path.read_bytes(), room)
        except (OSError, KeyError, struct.error):
            data = b""
        if data:
            font_id = QFontDatabase.addApplicationFontFromData(QByteArray(data))
            families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
            family = families[0] if families else None
        _registered[key] = family
    return _registered[key]


def roomy_font(font: QFont, room: float, path: Path | None = None) -> QFont | None:
    """``font`` with ``room`` em above each line's glyphs, or None when ``font`` is not the
    bundled family (or the font file cannot be read)."""
    bundled = load_bundled_fonts(path) if path is not None else load_bundled_fonts()
    if not bundled or font.family() not in bundled:
        return None
    family = _register(path or resources_dir() / BUNDLED_FONT, room)
    if family is None:
        return None
    roomy = QFont(font)
    roomy.setFamilies([family, *font.families()[1:]])
    return roomy


class LineRoom(QObject):
    """The room above every line of ``view`` (a ``QPlainTextEdit``), shared by bands.

    ``request(name, em)`` asks for (or, with 0, gives back) a band of ``em`` of the plain
    font's size; the view's font is switched to a roomy copy holding the sum (or back to the
    plain font). ``band(name)`` is ``(top, height)`` in pixels below a line's top (``(0, 0)``
    without room), ``room()`` the whole room. Emits ``changed()`` after each font switch.
    """

    changed = Signal()

    def __init__(self, view: QWidget) -> None:
        super().__init__(view)
        self.setObjectName("lineRoom")
        self._view = view
        self._plain: QFont | None = None
        self._requests: dict[str, float] = {}
        self._bands: dict[str, tuple[float, float]] = {}
        self._total = 0.0

    @classmethod
    def of(cls, view: QWidget) -> LineRoom:
        """The room keeper of ``view`` (created on first use)."""
        keeper = view.findChild(LineRoom, "lineRoom")
        if keeper is None or keeper.parent() is not view:
            keeper = cls(view)
        return keeper

    @property
    def plain_font(self) -> QFont:
        """The view's font without any room."""
        return QFont(self._plain) if self._plain is not None else QFont(self._view.font())

    def requested(self, name: str) -> float:
        """The band ``name`` asked for (em; 0: none)."""
        return self._requests.get(name, 0.0)

    def request(self, name: str, em: float) -> None:
        """Ask for a band of ``em`` (0: give it back); switches the view's font if needed."""
        em = max(0.0, float(em))
        if abs(self._requests.get(name, 0.0) - em) < 1e-9:
            return
        if em:
            self._requests[name] = em
        else:
            self._requests.pop(name, None)
        self._apply()

    def _apply(self) -> None:
        view = self._view
        total = sum(self._requests.values())
        plain = self._plain if self._plain is not None else QFont(view.font())
        roomy = roomy_font(plain, total) if total else None
        if roomy is None:
            if self._plain is not None:
                self._set_font(self._plain)
                self._plain = None
            self._bands, self._total = {}, 0.0
            self.changed.emit()
            return
        self._plain = plain
        if view.font() != roomy:
            self._set_font(roomy)
        room = max(0.0, QFontMetricsF(roomy).ascent() - QFontMetricsF(plain).ascent())
        order = [n for n in BANDS if n in self._requests] + sorted(
            n for n in self._requests if n not in BANDS)
        top, bands = 0.0, {}
        for n in order:
            height = room * self._requests[n] / total
            bands[n] = (top, height)
            top += height
        self._bands, self._total = bands, room
        self.changed.emit()

    def _set_font(self, font: QFont) -> None:
        self._view.setFont(font)  # every block is laid out again (when next shown)

    def band(self, name: str) -> tuple[float, float]:
        """``(top, height)`` in pixels of band ``name`` below a line's top (0, 0: no room)."""
        return self._bands.get(name, (0.0, 0.0))

    def room(self) -> float:
        """Pixels of room above every line's glyphs (0: none)."""
        return self._total
