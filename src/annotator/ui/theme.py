"""Light and dark palettes (Fusion style), and label colours readable on both.

Label colours are drawn as translucent backgrounds by the highlighter (see
``annotator.ui.highlighter.BACKGROUND_ALPHA``), which keeps text readable on either palette;
swatches and chips use ``chip_text_color`` for contrast.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

__all__ = ["THEMES", "apply_theme", "chip_text_color", "palette"]

THEMES = ("light", "dark")

_DARK = {
    QPalette.ColorRole.Window: "#2b2b2b",
    QPalette.ColorRole.WindowText: "#e6e6e6",
    QPalette.ColorRole.Base: "#1e1e1e",
    QPalette.ColorRole.AlternateBase: "#262626",
    QPalette.ColorRole.ToolTipBase: "#3a3a3a",
    QPalette.ColorRole.ToolTipText: "#f0f0f0",
    QPalette.ColorRole.PlaceholderText: "#8a8a8a",
    QPalette.ColorRole.Text: "#e6e6e6",
    QPalette.ColorRole.Button: "#353535",
    QPalette.ColorRole.ButtonText: "#e6e6e6",
    QPalette.ColorRole.BrightText: "#ff6b6b",
    QPalette.ColorRole.Link: "#6ea8fe",
    QPalette.ColorRole.Highlight: "#3d6fb4",
    QPalette.ColorRole.HighlightedText: "#ffffff",
}


def palette(name: str) -> QPalette:
    """The palette of theme ``name`` ("light" is Fusion's standard palette)."""
    app = QApplication.instance()
    style = app.style() if isinstance(app, QApplication) else None
    base = style.standardPalette() if style is not None else QPalette()
    if name != "dark":
        return base
    pal = QPalette(base)
    for role, color in _DARK.items():
        pal.setColor(role, QColor(color))
    disabled = QColor("#7a7a7a")
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text,
                 QPalette.ColorRole.ButtonText):
        pal.setColor(QPalette.ColorGroup.Disabled, role, disabled)
    return pal


def apply_theme(app: QApplication, name: str) -> str:
    """Use the Fusion style with theme ``name``; returns the theme applied."""
    name = name if name in THEMES else "light"
    if app.style().name().lower() != "fusion":
        app.setStyle("Fusion")
    app.setPalette(palette(name))
    app.setProperty("annotator_theme", name)
    return name


def current_theme() -> str:
    """The theme last applied with ``apply_theme`` ("light" by default)."""
    app = QApplication.instance()
    value = app.property("annotator_theme") if app is not None else None
    return value if value in THEMES else "light"


def chip_text_color(color: str) -> QColor:
    """Black or white, whichever reads better on an opaque ``color``."""
    return QColor("#000000" if QColor(color).lightnessF() > 0.55 else "#ffffff")
