"""The layer list: every annotator's layer of the current document, shown or hidden one by one.

A *layer* is the spans of one annotator (``annotator.ui.session.Session`` explains the rules):
my layer (edited here, always shown), the reviewed layer and the other annotators' layers
(read-only here). ``LayerListModel`` is a thin adapter over ``Session.layers()``: one row per
layer with its name, its span count in the current document, a sample of how its spans are
drawn (my layer: filled; other layers: faint fill and dotted underline) and a visibility check
box. Checking a box calls ``Session.set_layer_visible``; the hidden layers are remembered per
project in the settings. Showing or hiding a layer is a view change, like sorting the table: it
writes nothing to the project and is not an undo step.
"""

from __future__ import annotations

from typing import Any

from collections.abc import Callable

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QKeyEvent, QPainter, QPen, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QSizePolicy,
    QSplitter,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from annotator.services.wording import counted
from annotator.ui.highlighter import BACKGROUND_ALPHA, OTHER_ALPHA
from annotator.ui.session import Session
from annotator.ui.settings import AppSettings
from annotator.ui.text_view import plain_text_html

__all__ = ["LAYER_COLUMNS", "LAYER_NAME_ROLE", "LayerListModel", "LayerPanel", "ReadOnlyGuard"]

LAYER_COLUMNS = ("Layer", "Spans")
LAYER_NAME_ROLE = Qt.ItemDataRole.UserRole + 1
_SAMPLE = "#4e79a7"
_Index = QModelIndex | QPersistentModelIndex
_BLOCKING_MODIFIERS = (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
                       | Qt.KeyboardModifier.MetaModifier)


def style_sample(own: bool, width: int = 26, height: int = 14) -> QPixmap:
    """A small picture of how a layer's spans are drawn on the text."""
    pixmap = QPixmap(width, height)
    pixmap.fill(QColor(0, 0, 0, 0))
    painter = QPainter(pixmap)
    fill = QColor(_SAMPLE)
    fill.setAlpha(BACKGROUND_ALPHA if own else OTHER_ALPHA)
    painter.fillRect(0, 1, width, height - 4, fill)
    if not own:
        pen = QPen(QColor(_SAMPLE), 2, Qt.PenStyle.DotLine)
        painter.setPen(pen)
        painter.drawLine(0, height - 2, width, height - 2)
    painter.end()
    return pixmap


class LayerListModel(QAbstractTableModel):
    """One row per layer of ``session`` (``Session.layers()``), columns ``LAYER_COLUMNS``.

    Column 0 is checkable (visible or not; my layer's box is checked and disabled). Expects the
    session's ``layersChanged`` and ``annotatorChanged``; emits ``dataChanged`` per changed row
    and resets only when the set of layers changes. ``toggled(name, visible)`` is not a signal
    here: ``setData`` calls ``Session.set_layer_visible`` and then ``on_toggle`` if given.
    """

    def __init__(self, session: Session, parent: Any = None, on_toggle: Any = None) -> None:
        super().__init__(parent)
        self._session = session
        self._on_toggle = on_toggle
        self._rows: list[tuple[str, int, bool]] = session.layers()
        self._own = style_sample(True)
        self._other = style_sample(False)
        session.layersChanged.connect(self.refresh)
        session.annotatorChanged.connect(lambda _name: self.refresh())

    def refresh(self) -> None:
        """Re-read the layers: changed rows get ``dataChanged``; a new set of layers a reset."""
        fresh = self._session.layers()
        if [r[0] for r in fresh] != [r[0] for r in self._rows]:
            self.beginResetModel()
            self._rows = fresh
            self.endResetModel()
            return
        old, self._rows = self._rows, fresh
        for row, (before, after) in enumerate(zip(old, fresh, strict=True)):
            if before != after:
                # an edit changes a count only: only that cell is drawn again
                first = 1 if before[0] == after[0] and before[2] == after[2] else 0
                self.dataChanged.emit(self.index(row, first),
                                      self.index(row, len(LAYER_COLUMNS) - 1))

    def layers(self) -> list[tuple[str, int, bool]]:
        """``(name, span count, visible)`` of every row."""
        return list(self._rows)

    def row_of(self, name: str) -> int:
        return next((n for n, r in enumerate(self._rows) if r[0] == name), -1)

    # -- Qt model ---------------------------------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(LAYER_COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return LAYER_COLUMNS[section] if 0 <= section < len(LAYER_COLUMNS) else None
        return None

    def _name(self, name: str) -> str:
        session = self._session
        if name == session.annotator:
            return f"{name} (me)"
        if name == session.review_layer:
            return name if name.casefold() == "reviewed" else f"{name} (reviewed)"
        return name

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        name, count, visible = self._rows[index.row()]
        own = name == self._session.annotator
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._name(name) if column == 0 else count
        if role == LAYER_NAME_ROLE:
            return name
        if role == Qt.ItemDataRole.CheckStateRole and column == 0:
            return Qt.CheckState.Checked if visible else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.DecorationRole and column == 0:
            return self._own if own else self._other
        if role == Qt.ItemDataRole.TextAlignmentRole and column == 1:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            what = ("My layer: the spans I create and edit here (always shown)." if own else
                    f"{name}'s layer: read-only here, drawn with a dotted underline. "
                    "Uncheck to hide it; Span > Copy into My Layer copies a focused span.")
            return plain_text_html(f"{what}\n{counted(count, 'span')} in this document.")
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() == 0 and self._rows[index.row()][0] != self._session.annotator:
            flags |= Qt.ItemFlag.ItemIsUserCheckable
        return flags

    def setData(self, index: _Index, value: Any,  # noqa: N802
                role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.CheckStateRole or not index.isValid() or index.column() != 0:
            return False
        name = self._rows[index.row()][0]
        visible = Qt.CheckState(value) == Qt.CheckState.Checked if not isinstance(value, bool) \
            else value
        changed = self._session.set_layer_visible(name, visible)
        if changed and self._on_toggle is not None:
            self._on_toggle(name, visible)
        return changed


class LayerPanel(QWidget):
    """The "Layers" panel (a title button and a table of ``LayerListModel``), compact enough
    for the window's side column; hidden layers are saved per project in ``settings`` (and
    restored by ``restore_visibility``).

    **Collapsible**, like the other secondary panels: the title button (or ``set_collapsed``)
    folds the panel to its title, which then sums the layers up ("Layers: 3, 1 hidden"); the
    side column's splitter gives the room to the span table, and unfolding takes back the
    rows' height. Whether it is collapsed is remembered (``AppSettings.layers_collapsed``).
    Emits ``collapsedChanged(collapsed)``.
    """

    collapsedChanged = Signal(bool)  # noqa: N815

    def __init__(self, session: Session, settings: AppSettings,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("layerPanel")
        self._session = session
        self._settings = settings
        self.model = LayerListModel(session, self, on_toggle=lambda *_: self.save_visibility())
        self.table = QTableView(self)
        self.table.setObjectName("layerList")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        # The count column is as wide as a nine-digit count (never measured from the rows: a
        # count that changes with each edit then relays out and repaints nothing else).
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Fixed)
        self.table.setColumnWidth(1, max(self.table.fontMetrics().horizontalAdvance("000000000"),
                                         header.fontMetrics().horizontalAdvance("Spans")) + 16)
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 6)
        self.title = QToolButton(self)
        self.title.setObjectName("layerTitle")
        self.title.setCheckable(True)
        self.title.setChecked(True)
        self.title.setAutoRaise(True)
        self.title.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.title.setArrowType(Qt.ArrowType.DownArrow)
        self.title.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.title.setToolTip(plain_text_html(
            "Whose spans are shown. My layer is edited here; the others are read-only.\n"
            "Click to fold or unfold the list."))
        self.title.toggled.connect(lambda shown: self.set_collapsed(not shown))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.title)
        layout.addWidget(self.table, 1)
        self._collapsed = False
        self._open_height = 0
        self.model.modelReset.connect(self._update_title)
        self.model.dataChanged.connect(lambda *_: self._update_title())
        self._update_title()
        if settings.layers_collapsed:
            self.set_collapsed(True)

    @property
    def collapsed(self) -> bool:
        """True while the panel shows its title only."""
        return self._collapsed

    def set_collapsed(self, collapsed: bool) -> None:
        """Fold the panel to its title (``True``) or unfold it; remembered in the settings."""
        if collapsed == self._collapsed:
            return
        splitter = self.parentWidget()
        sizes = splitter.sizes() if isinstance(splitter, QSplitter) else None
        here = splitter.indexOf(self) if isinstance(splitter, QSplitter) else -1
        self._collapsed = collapsed
        self.title.blockSignals(True)
        self.title.setChecked(not collapsed)
        self.title.blockSignals(False)
        self.title.setArrowType(Qt.ArrowType.RightArrow if collapsed else Qt.ArrowType.DownArrow)
        self.table.setVisible(not collapsed)
        folded = self.title.sizeHint().height()
        self.setMaximumHeight(folded if collapsed else 16_777_215)
        if sizes is not None and here >= 0:
            # the room goes to (or comes from) the span table, the splitter's last panel
            old = sizes[here]
            if collapsed:
                self._open_height = old
            new = folded if collapsed else max(self._open_height, self.rows_height(3))
            sizes[here] = new
            sizes[-1] = max(0, sizes[-1] + old - new)
            splitter.setSizes(sizes)
        self._update_title()
        self._settings.layers_collapsed = collapsed
        self.collapsedChanged.emit(collapsed)

    def _update_title(self) -> None:
        text = "Layers"
        if self._collapsed:
            rows = self.model.layers()
            hidden = sum(not visible for _name, _count, visible in rows)
            text += f": {len(rows)}" + (f", {hidden} hidden" if hidden else "")
        self.title.setText(text)

    def rows_height(self, rows: int) -> int:
        """Height of the panel showing its title, the header and ``rows`` rows (or every layer
        when there are more) without scrolling."""
        shown = max(rows, self.model.rowCount())
        table = self.table
        return (self.title.sizeHint().height() + 2
                + table.horizontalHeader().sizeHint().height()
                + shown * table.verticalHeader().defaultSectionSize() + 2 * table.frameWidth() + 2)

    def _project_key(self) -> str:
        return str(self._session.project.path)

    def restore_visibility(self) -> None:
        """Hide the layers remembered as hidden for this project."""
        self._session.set_hidden_layers(self._settings.hidden_layers(self._project_key()))

    def save_visibility(self) -> None:
        self._settings.set_hidden_layers(self._project_key(), sorted(self._session.hidden_layers))

    def set_visible(self, name: str, visible: bool) -> bool:
        """Show or hide a layer as its check box does (and remember it)."""
        row = self.model.row_of(name)
        if row < 0:
            return False
        state = Qt.CheckState.Checked if visible else Qt.CheckState.Unchecked
        return self.model.setData(self.model.index(row, 0), state, Qt.ItemDataRole.CheckStateRole)


class ReadOnlyGuard(QObject):
    """An event filter that answers a label key pressed while a span of another layer is
    focused and nothing is selected: the key is consumed and the session's ``errorOccurred``
    says the span is read-only (also for the label the span already has, which would
    otherwise pass silently). Install it after the editor's own label-key filter (Qt asks the
    filter installed last first). ``selection(...)`` gives the text view's selection and
    ``composing()`` whether an input method is composing (then the key is left alone).
    """

    def __init__(self, session: Session, selection: Callable[[], tuple[int, int]],
                 composing: Callable[[], bool], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._selection = selection
        self._composing = composing

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if event.type() != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent):
            return False
        if event.modifiers() & _BLOCKING_MODIFIERS:
            return False
        text = event.text()
        session = self._session
        if len(text) != 1 or session.label_for_key(text) is None or self._composing():
            return False
        focused = session.focused_span()
        start, end = self._selection()
        if focused is None or start < end or session.is_own(focused):
            return False
        session.errorOccurred.emit(session.read_only_message(focused))
        return True
