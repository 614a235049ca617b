"""The number-value panel: the value of the focused number span, shown and corrected by hand.

A correction is one ``UpdateSpan(changes={"value": ...})`` through the session (undoable), with
``manual`` set to true; "Read from text" puts back the value parsed from the span's text.
"""

from __future__ import annotations

import re
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDockWidget,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from annotator.domain.spans import Span
from annotator.services.japanese.number_values import KINDS, check_value, number_label, parse_value
from annotator.ui.session import Session

__all__ = ["NumberValuePanel", "parse_number_field"]

_BOUNDS = (("none", None), ("upper (at most)", "upper"), ("lower (at least)", "lower"))
_INCLUSIVE = (("unknown", None), ("included", True), ("excluded", False))


def parse_number_field(text: str) -> int | float | None:
    """A number typed in a field: '' -> None; '4,000' / '４０００' -> 4000; '1.5' -> 1.5.
    Raises ValueError for anything else."""
    import unicodedata

    s = unicodedata.normalize("NFKC", text).strip().replace(",", "").replace("_", "")
    if not s:
        return None
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?", s):
        raise ValueError(f"not a number: {text!r}")
    value = float(s)
    return int(value) if value.is_integer() and abs(value) < 2**53 else value


def _show(x: Any) -> str:
    return "" if x is None else str(x)


class NumberValuePanel(QDockWidget):
    """Edits ``Span.value`` of the session's focused span when it carries the number label.

    Listens to ``focusedSpanChanged``, ``spanUpdated``, ``spanRemoved`` and ``documentChanged``
    of the session; pushes ``UpdateSpan`` commands through ``session.update_span``. Shows its
    own errors (plain text) under the fields. Emits nothing.
    """

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__("Number value", parent)
        self.setObjectName("numberValueDock")
        self.session = session
        self.span: Span | None = None
        body = QWidget(self)
        form = QFormLayout(body)
        self.caption = QLabel(body)
        self.caption.setTextFormat(Qt.TextFormat.PlainText)
        self.caption.setWordWrap(True)
        self.value_edit = QLineEdit(body)
        self.value_edit.setObjectName("numberValue")
        self.unit_edit = QLineEdit(body)
        self.unit_edit.setObjectName("numberUnit")
        self.kind_box = QComboBox(body)
        self.kind_box.addItems(list(KINDS))
        self.approx_box = QCheckBox("approximate (約, 程度, 数千…)", body)
        self.bound_box = QComboBox(body)
        for text, data in _BOUNDS:
            self.bound_box.addItem(text, data)
        self.inclusive_box = QComboBox(body)
        for text, data in _INCLUSIVE:
            self.inclusive_box.addItem(text, data)
        self.low_edit, self.high_edit, self.iso_edit = QLineEdit(body), QLineEdit(body), QLineEdit(body)
        self.markers = QLabel(body)
        self.markers.setTextFormat(Qt.TextFormat.PlainText)
        self.error = QLabel(body)
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        self.error.setStyleSheet("color: #b00020;")
        self.error.setWordWrap(True)
        self.apply_button = QPushButton("Apply", body)
        self.apply_button.setObjectName("numberApply")
        self.reparse_button = QPushButton("Read from text", body)
        buttons = QHBoxLayout()
        buttons.addWidget(self.apply_button)
        buttons.addWidget(self.reparse_button)
        form.addRow(self.caption)
        for name, widget in (("Value", self.value_edit), ("Unit", self.unit_edit), ("Kind", self.kind_box),
                             ("", self.approx_box), ("Bound", self.bound_box), ("Bound is", self.inclusive_box),
                             ("Range from", self.low_edit), ("Range to", self.high_edit),
                             ("Date/time (ISO)", self.iso_edit), ("Markers", self.markers)):
            form.addRow(name, widget)
        form.addRow(buttons)
        form.addRow(self.error)
        self.setWidget(body)
        self.apply_button.clicked.connect(self.apply)
        self.value_edit.returnPressed.connect(self.apply)
        self.reparse_button.clicked.connect(self.reparse)
        session.focusedSpanChanged.connect(lambda *_: self.refresh())
        session.spanUpdated.connect(self._updated)
        session.spanRemoved.connect(lambda *_: self.refresh())
        session.documentChanged.connect(lambda *_: self.refresh())
        self.refresh()

    def _updated(self, _old: Span, new: Span) -> None:
        if self.span is not None and new.id == self.span.id:
            self.refresh()

    def refresh(self) -> None:
        """Show the focused span's value (or a hint when it is not a number span)."""
        span = self.session.focused_span()
        label = number_label(self.session.project)
        self.span = span if span is not None and span.label == label else None
        self.error.clear()
        enabled = self.span is not None
        for w in (self.value_edit, self.unit_edit, self.kind_box, self.approx_box, self.bound_box,
                  self.inclusive_box, self.low_edit, self.high_edit, self.iso_edit, self.apply_button,
                  self.reparse_button):
            w.setEnabled(enabled)
        if self.span is None:
            self.caption.setText(f"Focus a {label!r} span to see and correct its value.")
            self._fill(check_value({}))
            return
        s = self.span
        value = s.value if s.value is not None else check_value({})
        how = "set by hand" if value.get("manual") else ("read from the text" if s.value else "no value yet")
        self.caption.setText(f"{self.session.text[s.start:s.end]}  ({how})")
        self._fill(value)

    def _fill(self, value: dict[str, Any]) -> None:
        self.value_edit.setText(_show(value["value"]))
        self.unit_edit.setText(_show(value["unit"]))
        self.kind_box.setCurrentText(value["kind"])
        self.approx_box.setChecked(bool(value["approx"]))
        self.bound_box.setCurrentIndex([d for _t, d in _BOUNDS].index(value["bound"]))
        self.inclusive_box.setCurrentIndex([d for _t, d in _INCLUSIVE].index(value["inclusive"]))
        self.low_edit.setText(_show(value["low"]))
        self.high_edit.setText(_show(value["high"]))
        self.iso_edit.setText(_show(value["iso"]))
        self.markers.setText(", ".join(value["markers"]) or "none")

    def edited_value(self) -> dict[str, Any]:
        """The value the fields describe, checked (ValueError with a message otherwise)."""
        old = self.span.value if self.span is not None and self.span.value else {}
        return check_value({
            "kind": self.kind_box.currentText(),
            "value": parse_number_field(self.value_edit.text()),
            "unit": self.unit_edit.text() or None,
            "approx": self.approx_box.isChecked(),
            "bound": self.bound_box.currentData(),
            "inclusive": self.inclusive_box.currentData(),
            "low": parse_number_field(self.low_edit.text()),
            "high": parse_number_field(self.high_edit.text()),
            "iso": self.iso_edit.text() or None,
            "markers": old.get("markers", []),
            "manual": True,
        })

    def apply(self) -> bool:
        """Store the edited value on the span (one undoable step). False on a bad field."""
        if self.span is None:
            return False
        try:
            value = self.edited_value()
        except ValueError as exc:
            self.error.setText(str(exc))
            return False
        if value == self.span.value:
            return False
        return self.session.update_span(self.span.id, "Set number value", value=value)

    def reparse(self) -> bool:
        """Put back the value read from the span's text (one undoable step)."""
        if self.span is None:
            return False
        value = parse_value(self.session.text[self.span.start:self.span.end])
        if value == self.span.value:
            return False
        return self.session.update_span(self.span.id, "Read number value from text", value=value)
