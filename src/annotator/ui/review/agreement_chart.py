"""A bar chart of agreement per label, painted with ``QPainter`` (QtCharts is not available).

For every label: exact F1, overlap F1, Cohen's kappa (two annotators) and Krippendorff's alpha,
each a bar from zero; the axis runs from 1 down to the lowest value shown (at least 0).
Undefined values (``None``) draw no bar.
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from annotator.services.review.results import Figures
from annotator.ui.review.cells import figure_text

__all__ = ["AgreementChart", "SERIES"]

SERIES = (
    ("exact F1", "#4e79a7", lambda f: f.exact.f1),
    ("overlap F1", "#a0cbe8", lambda f: f.overlap.f1),
    ("kappa", "#f28e2b", lambda f: f.cohen_kappa),
    ("alpha", "#59a14f", lambda f: f.krippendorff_alpha),
)


class AgreementChart(QWidget):
    """Paints ``set_figures({label: Figures})``. Emits nothing."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.figures: dict[str, Figures] = {}
        self.setMinimumHeight(180)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_figures(self, figures: Mapping[str, Figures]) -> None:
        self.figures = dict(figures)
        self.update()

    def values(self) -> dict[str, list[float | None]]:
        """The bar values per label, in ``SERIES`` order (what is painted)."""
        return {label: [get(f) for _, _, get in SERIES] for label, f in self.figures.items()}

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        try:
            self._paint(painter)
        finally:
            painter.end()

    def _paint(self, painter: QPainter) -> None:
        text_color = self.palette().windowText().color()
        metrics = painter.fontMetrics()
        line = metrics.height()
        width, height = self.width(), self.height()
        x = 8.0
        for name, color, _ in SERIES:  # legend
            painter.fillRect(QRectF(x, 4, 12, 12), QColor(color))
            painter.setPen(text_color)
            painter.drawText(QRectF(x + 16, 0, 200, line + 4), Qt.AlignmentFlag.AlignVCenter, name)
            x += 24 + metrics.horizontalAdvance(name)
        values = self.values()
        if not values:
            painter.drawText(QRectF(0, 0, width, height), Qt.AlignmentFlag.AlignCenter,
                             "No figures yet: choose annotators and compute.")
            return
        shown = [v for vs in values.values() for v in vs if v is not None]
        low = min(0.0, *shown) if shown else 0.0
        left, top, bottom = 36.0, line + 12.0, height - line - 8.0
        scale = (bottom - top) / (1.0 - low if low < 1.0 else 1.0)

        def y_of(value: float) -> float:
            return top + (1.0 - value) * scale

        painter.setPen(QPen(text_color, 1))
        ticks = [1.0, 0.5, 0.0]
        if y_of(low) - y_of(0.0) >= line:  # a low tick only where it does not cover 0.00
            ticks.append(low)
        for tick in ticks:
            painter.drawText(QRectF(0, y_of(tick) - line / 2, left - 4, line),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                             figure_text(tick, 2))
        painter.drawLine(int(left), int(y_of(0.0)), width - 4, int(y_of(0.0)))
        group = (width - left - 8) / len(values)
        bar = max(2.0, group * 0.8 / len(SERIES))
        for i, (label, vs) in enumerate(values.items()):
            x0 = left + i * group + group * 0.1
            for j, value in enumerate(vs):
                if value is None:
                    continue
                y0, y1 = sorted((y_of(0.0), y_of(value)))
                painter.fillRect(QRectF(x0 + j * bar, y0, bar - 1, max(1.0, y1 - y0)),
                                 QColor(SERIES[j][1]))
            painter.setPen(text_color)
            painter.drawText(QRectF(x0, bottom + 2, group * 0.8, line),
                             Qt.AlignmentFlag.AlignHCenter | Qt.TextFlag.TextSingleLine,
                             metrics.elidedText(label, Qt.TextElideMode.ElideRight,
                                                int(group * 0.8)))
