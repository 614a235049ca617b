"""A click on a relation's arc in the text selects that relation.

``ArcPicker`` watches the text view's viewport. A left click (no modifier) on an arc drawn by
:class:`~annotator.ui.relation_arcs.RelationArcs` (or on its type-name chip), while no relation
is being made:

- focuses the relation's head span, unless the focused span is already one of its ends (so
  the Relations list lists it), shows the Relations list with that row current and puts the
  keyboard in it (Enter, T, R, N, Delete then act on the relation);
- highlights both of its spans on the text (the transient layer ``"relation"``) and draws its
  arc wider.

The click does nothing else (no caret move, no span focus cycle). A click that hits no arc
goes to the text as before and ends the highlight. The highlight follows the list's current
row while it lasts, and ends when the focus moves to a span that is not an end of the
relation, when the relation is deleted, or when another document opens.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPointF, Qt
from PySide6.QtGui import QColor, QMouseEvent, QPen, QTextCharFormat, QTextFormat
from PySide6.QtWidgets import QTreeWidgetItem

from annotator.ui.changes import plain
from annotator.ui.relation_actions import span_words
from annotator.ui.relation_arcs import RelationArcs
from annotator.ui.relation_mode import RelationCreator
from annotator.ui.relation_state import RelationState
from annotator.ui.relations_panel import ROLE_ID, RelationsPanel
from annotator.ui.session import Session
from annotator.ui.text_view import AnnotationTextView

__all__ = ["ArcPicker", "ENDS_LAYER"]

#: The text view's transient layer holding the picked relation's two spans.
ENDS_LAYER = "relation"
_MOUSE = (QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonRelease,
          QEvent.Type.MouseButtonDblClick)


def ends_format(color: str) -> QTextCharFormat:
    """The picked relation's spans: a light wash of the type's colour, outlined in it."""
    fmt = QTextCharFormat()
    wash = QColor(color)
    wash.setAlpha(70)
    fmt.setBackground(wash)
    fmt.setProperty(QTextFormat.Property.OutlinePen, QPen(QColor(color).darker(130), 1.5))
    return fmt


class ArcPicker(QObject):
    """Selects a relation by a click on its arc (see the module). ``selected`` is the picked
    relation's id (None when none is)."""

    def __init__(self, view: AnnotationTextView, session: Session, state: RelationState,
                 arcs: RelationArcs, panel: RelationsPanel, creator: RelationCreator,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.view = view
        self.session = session
        self.state = state
        self.arcs = arcs
        self.panel = panel
        self.creator = creator
        self.selected: str | None = None
        self._swallow = False  # the release of a press that picked an arc
        view.viewport().installEventFilter(self)
        session.focusedSpanChanged.connect(self._focus_moved)
        session.documentChanged.connect(lambda _id: self.clear())
        state.relationsChanged.connect(self._relations_changed)
        state.relationsReset.connect(self.clear)
        panel.list.currentItemChanged.connect(self._row_changed)

    # -- picking ----------------------------------------------------------------------------------

    def pick(self, relation_id: str) -> bool:
        """Select ``relation_id`` as a click on its arc does; False when it is not shown."""
        session, relation = self.session, self.state.relations.get(relation_id)
        if relation is None:
            return False
        index = session.index
        if relation.head not in index or relation.tail not in index:
            return False  # an end in a hidden layer
        if session.focused_span_id not in (relation.head, relation.tail):
            session.focus_span(relation.head)
        self._show(relation_id)
        self.panel.select(relation_id)
        self.panel.focus_list()
        head, tail = index.get(relation.head), index.get(relation.tail)
        what = f"the {relation.type!r} relation {span_words(session, head)} → " \
               f"{span_words(session, tail)}"
        if relation.annotator != session.annotator:
            self.panel.message.emit(f"Selected {what} of {plain(relation.annotator)}'s layer "
                                    f"(read-only here).")
        else:
            self.panel.message.emit(f"Selected {what}: Enter goes to the other end, T retypes, "
                                    f"R reverses, N edits the note, Del deletes it.")
        return True

    def _show(self, relation_id: str) -> None:
        relation = self.state.relations.get(relation_id)
        index = self.session.index
        head = index.get(relation.head) if relation is not None else None
        tail = index.get(relation.tail) if relation is not None else None
        if relation is None or head is None or tail is None:
            self.clear()
            return
        self.selected = relation_id
        self.view.set_transient(ENDS_LAYER, [(head.start, head.end), (tail.start, tail.end)],
                                ends_format(self.state.color(relation.type)))
        self.arcs.set_selected(relation_id)

    def clear(self) -> None:
        """End the highlight."""
        if self.selected is None:
            return
        self.selected = None
        self.view.clear_transient(ENDS_LAYER)
        self.arcs.set_selected(None)

    # -- following --------------------------------------------------------------------------------

    def _focus_moved(self, span_id: object) -> None:
        relation = self.state.relations.get(self.selected) if self.selected else None
        if relation is not None and span_id not in (relation.head, relation.tail):
            self.clear()

    def _relations_changed(self, ids: object) -> None:
        if self.selected is not None and self.selected in ids:  # type: ignore[operator]
            self._show(self.selected)  # reversed, retyped (its colour) or deleted

    def _row_changed(self, current: QTreeWidgetItem | None, _previous: object) -> None:
        if self.selected is None:
            return
        rid = current.data(0, ROLE_ID) if current is not None else None
        if rid is None or rid == self.selected:
            return  # (None: the list is being filled again; the row comes back)
        relation = self.state.relations.get(self.selected)
        if relation is None or self.session.focused_span_id not in (relation.head, relation.tail):
            self.clear()  # the list lists another span's relations: the focus moved on
        else:
            self._show(rid)  # another row of the same span's list

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        kind = event.type()
        if kind not in _MOUSE or not isinstance(event, QMouseEvent):
            return False
        if kind == QEvent.Type.MouseButtonRelease:
            swallow, self._swallow = self._swallow, False
            return swallow
        if event.button() != Qt.MouseButton.LeftButton or self.creator.active \
                or event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            return False
        rid = self.arcs.relation_at(QPointF(event.position()))
        if rid is None or (kind == QEvent.Type.MouseButtonPress and not self.pick(rid)):
            if kind == QEvent.Type.MouseButtonPress:
                self.clear()  # a click elsewhere: the text has it, as before
            return False
        self._swallow = True
        event.accept()
        return True
