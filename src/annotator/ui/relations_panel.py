"""The relation list: the focused span's relations, with their type, direction and both spans.

``RelationsPanel`` (a ``QDockWidget``, object name ``relationsDock``, View > Relations) lists
the relations at the focused span, one row each: the type (in its colour), the head span and
the tail span (label and text; the focused span's end in bold, so the direction reads
"head → tail") and the relation's note (on one line; whole in the tooltip). Rows of another
layer's relations are grey and italic (read-only); a relation whose type no longer allows its
ends' labels is marked ⚠ with the reason in its tooltip.

Keys in the list (also in each row's context menu): **Enter** focuses the other end (its
relations are listed then), **T** retypes (a popup of the types allowed for the two labels,
each with its key), **R** reverses, **N** or **F2** edits the note (the span note's dialog:
Ctrl+Enter saves, Enter starts a new line, Tab moves the focus, Esc cancels; empty: no note),
**Delete**/**Backspace** deletes. ``select(relation_id)`` makes a row current (a click on an
arc in the text does that, through ``annotator.ui.relation_pick``). Every change is one
undoable step (Ctrl+Z / Ctrl+Shift+Z). Emits ``message(text)`` for the status bar.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QPoint, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QKeyEvent, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDockWidget,
    QHeaderView,
    QLabel,
    QMenu,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from annotator.domain.relations import Relation, relation_problem
from annotator.ui.dialogs.messages import shown_text
from annotator.ui.dialogs.prompts import NoteDialog
from annotator.ui.key_chooser import Choice, KeyChooser
from annotator.ui.relation_actions import RelationActions, span_words
from annotator.ui.relation_state import RelationState
from annotator.ui.session import Session
from annotator.ui.text_view import plain_text_html

__all__ = ["RelationList", "RelationNoteDialog", "RelationsPanel"]

ROLE_ID = Qt.ItemDataRole.UserRole
_KEYS_OVERRIDDEN = (Qt.Key.Key_Delete, Qt.Key.Key_Backspace, Qt.Key.Key_Return,
                    Qt.Key.Key_Enter, Qt.Key.Key_T, Qt.Key.Key_R, Qt.Key.Key_N, Qt.Key.Key_F2)
#: Columns of the list.
COLUMNS = ("Type", "Head", "Tail", "Note")


class RelationList(QTreeWidget):
    """The rows of the panel; takes its keys before the window's shortcuts (Delete here
    deletes the relation, not the span). Emits ``keyAction(name)``: ``focus``, ``retype``,
    ``reverse``, ``note``, ``delete``."""

    keyAction = Signal(str)  # noqa: N815 (Qt naming)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent):
            mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
            if not mods and event.key() in _KEYS_OVERRIDDEN:
                event.accept()
                return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt override)
        mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        key = event.key()
        if not mods:
            name = {Qt.Key.Key_Return: "focus", Qt.Key.Key_Enter: "focus",
                    Qt.Key.Key_T: "retype", Qt.Key.Key_R: "reverse",
                    Qt.Key.Key_N: "note", Qt.Key.Key_F2: "note",
                    Qt.Key.Key_Delete: "delete", Qt.Key.Key_Backspace: "delete"}.get(key)
            if name is not None:
                self.keyAction.emit(name)
                event.accept()
                return
        super().keyPressEvent(event)


def _note_line(note: str | None) -> str:
    """A note on one line of the list (its line breaks shown as ⏎)."""
    return (note or "").replace("\n", " ⏎ ")


class RelationNoteDialog(NoteDialog):
    """A relation's note: the span note's dialog (``NoteDialog``: Ctrl+Enter accepts, Enter
    starts a new line, Tab moves the focus, Esc cancels), titled and worded for a relation."""

    def __init__(self, parent: QWidget | None, type_name: str, head: str, tail: str,
                 current: str | None) -> None:
        super().__init__(parent, type_name, "", current)
        self.setObjectName("relationNoteDialog")
        self.setWindowTitle("Relation note")
        prompt = self.layout().itemAt(0).widget()
        if isinstance(prompt, QLabel):  # the span note's wording, said of the relation
            prompt.setText(shown_text(f"Note for the {type_name} relation {head} → {tail} "
                                      f"(empty: no note):"))


def _swatch(color: str, size: int) -> QPixmap:
    pixmap = QPixmap(size, size)
    pixmap.fill(QColor(color))
    return pixmap


class RelationsPanel(QDockWidget):
    """The focused span's relations (see the module)."""

    message = Signal(str)

    def __init__(self, session: Session, state: RelationState, actions: RelationActions,
                 parent: QWidget | None = None) -> None:
        super().__init__("Relations", parent)
        self.setObjectName("relationsDock")
        self.session = session
        self.state = state
        self.actions = actions
        self.chooser: KeyChooser | None = None
        body = QWidget(self)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.setSpacing(2)
        self.header = QLabel(body)
        self.header.setObjectName("relationsHeader")
        self.header.setTextFormat(Qt.TextFormat.PlainText)
        self.list = RelationList(body)
        self.list.setObjectName("relationList")
        self.list.setColumnCount(len(COLUMNS))
        self.list.setHeaderLabels(list(COLUMNS))
        self.list.setRootIsDecorated(False)
        self.list.setUniformRowHeights(True)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header = self.list.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)  # head and tail share
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.list.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        layout.addWidget(self.header)
        layout.addWidget(self.list, 1)
        self.setWidget(body)
        self._span_id: str | None = None
        self.list.keyAction.connect(self._key_action)
        self.list.itemActivated.connect(lambda _item, _col: self.focus_other_end())
        self.list.itemDoubleClicked.connect(lambda _item, _col: self.focus_other_end())
        self.list.customContextMenuRequested.connect(self._context_menu)
        session.focusedSpanChanged.connect(lambda _id: self.refresh())
        session.spanUpdated.connect(self._span_updated)
        session.documentChanged.connect(lambda _id: self.refresh())
        state.relationsChanged.connect(self._relations_changed)
        state.relationsReset.connect(self.refresh)
        state.typesChanged.connect(self.refresh)
        self.refresh()

    # -- rows -------------------------------------------------------------------------------------

    def relation_ids(self) -> list[str]:
        """The relation ids of the rows, top to bottom."""
        return [self.list.topLevelItem(i).data(0, ROLE_ID)
                for i in range(self.list.topLevelItemCount())]

    def current_relation(self) -> Relation | None:
        item = self.list.currentItem()
        return self.state.relations.get(item.data(0, ROLE_ID)) if item is not None else None

    def select(self, relation_id: str) -> None:
        for i in range(self.list.topLevelItemCount()):
            item = self.list.topLevelItem(i)
            if item.data(0, ROLE_ID) == relation_id:
                self.list.setCurrentItem(item)
                return

    def _relations_changed(self, ids: Any) -> None:
        span_id = self.session.focused_span_id
        shown = set(self.relation_ids())
        if span_id is not None and (shown & set(ids) or self.state.relations.has_span(span_id)):
            self.refresh()

    def _span_updated(self, _old: Any, new: Any) -> None:
        if new.id == self._span_id or new.id in {
                end for r in self.state.relations.of_span(self._span_id or "")
                for end in (r.head, r.tail)}:
            self.refresh()

    def refresh(self) -> None:
        """List the focused span's relations again (the current row is kept by id)."""
        session, state = self.session, self.state
        span = session.focused_span()
        current = self.current_relation()
        self._span_id = span.id if span is not None else None
        self.list.clear()
        if span is None:
            self.header.setText("No span is focused.")
            return
        relations = state.relations.of_span(span.id)
        words = span_words(session, span, 30)
        if not relations:
            self.header.setText(f"{words}: no relations. Ctrl+R starts one here.")
            return
        self.header.setText(f"{words}: {len(relations)} relation"
                            f"{'' if len(relations) == 1 else 's'} "
                            f"(Enter: go to the other end, T retype, R reverse, N note, "
                            f"Del delete)")
        size = max(8, self.list.fontMetrics().height() - 6)
        me = session.annotator
        for relation in relations:
            head = session.index.find(relation.head)
            tail = session.index.find(relation.tail)
            rt = state.type(relation.type)
            problem = None
            if rt is not None and head is not None and tail is not None:
                problem = relation_problem(rt, head.label, tail.label)
            item = QTreeWidgetItem([("⚠ " if problem else "") + relation.type,
                                    span_words(session, head, 60),
                                    span_words(session, tail, 60), _note_line(relation.note)])
            item.setData(0, ROLE_ID, relation.id)
            item.setIcon(0, _swatch(state.color(relation.type), size))
            bold = 1 if relation.head == span.id else 2
            font = QFont(self.list.font())
            font.setBold(True)
            item.setFont(bold, font)
            lines = [f"{relation.type}: {span_words(session, head, 60)} → "
                     f"{span_words(session, tail, 60)}", f"layer: {relation.annotator}"]
            if relation.note:
                lines.append(f"note: {relation.note}")
            if problem:
                lines.append(f"⚠ {problem}: retype, reverse or delete it")
            if relation.annotator != me:
                lines.append("read-only here (another layer)")
                grey = QBrush(QColor("#808080"))
                for col in range(len(COLUMNS)):
                    item.setForeground(col, grey)
                    f = item.font(col)
                    f.setItalic(True)
                    item.setFont(col, f)
            tip = plain_text_html("\n".join(lines))
            for col in range(len(COLUMNS)):
                item.setToolTip(col, tip)
            self.list.addTopLevelItem(item)
        if current is not None:
            self.select(current.id)
        if self.list.currentItem() is None:
            self.list.setCurrentItem(self.list.topLevelItem(0))

    # -- actions ----------------------------------------------------------------------------------

    def _key_action(self, name: str) -> None:
        {"focus": self.focus_other_end, "retype": self.retype, "reverse": self.reverse,
         "note": self.edit_note, "delete": self.delete}[name]()

    def _selected(self) -> Relation | None:
        relation = self.current_relation()
        if relation is None:
            self.message.emit("No relation is selected in the list.")
        return relation

    def focus_other_end(self) -> None:
        """Focus the span at the other end of the selected relation."""
        relation = self._selected()
        if relation is None or self._span_id is None:
            return
        other = relation.tail if relation.head == self._span_id else relation.head
        if other not in self.session.index:
            self.message.emit("The other end is in a hidden layer.")
            return
        self.session.focus_span(other)
        self.select(relation.id)

    def retype(self) -> None:
        """Offer the types allowed for the selected relation's ends (each with its key)."""
        relation = self._selected()
        if relation is None:
            return
        if relation.annotator != self.session.annotator:
            self.actions.retype(relation.id, relation.type)  # says it is read-only
            return
        index = self.session.index
        head, tail = index.get(relation.head), index.get(relation.tail)
        if head is None or tail is None:
            return
        allowed = [rt for rt in self.state.allowed_types(head.label, tail.label)
                   if rt.name != relation.type]
        if not allowed:
            self.message.emit(f"No other relation type allows {head.label!r} → {tail.label!r}.")
            return
        chooser = KeyChooser(f"Retype {relation.type!r} as",
                             [Choice(rt.key, rt.name, rt.name, rt.color, rt.description)
                              for rt in allowed], self, hint="The type's key; Esc: keep it")
        chooser.setObjectName("retypeChooser")
        rid = relation.id
        chooser.chosen.connect(lambda name: self._retyped(rid, str(name)))
        chooser.cancelled.connect(self._chooser_closed)
        self.chooser = chooser
        item = self.list.currentItem()
        rect = self.list.visualItemRect(item) if item is not None else self.list.rect()
        chooser.open_at(self.list.viewport().mapToGlobal(rect.bottomLeft() + QPoint(8, 2)))
        chooser.setFocus()

    def _retyped(self, relation_id: str, name: str) -> None:
        self._chooser_closed()
        if self.actions.retype(relation_id, name):
            self.select(relation_id)

    def _chooser_closed(self) -> None:
        self.chooser = None
        self.list.setFocus()

    def reverse(self) -> None:
        relation = self._selected()
        if relation is not None and self.actions.reverse(relation.id):
            self.select(relation.id)

    def edit_note(self) -> None:
        """Edit the selected relation's note in a ``RelationNoteDialog`` (one undoable step)."""
        relation = self._selected()
        if relation is None:
            return
        if relation.annotator != self.session.annotator:
            self.actions.set_note(relation.id, relation.note)  # says it is read-only
            return
        index = self.session.index
        dialog = RelationNoteDialog(self, relation.type, span_words(self.session,
                                    index.find(relation.head), 24), span_words(
                                    self.session, index.find(relation.tail), 24), relation.note)
        try:
            accepted = dialog.exec() == QDialog.DialogCode.Accepted
            note = dialog.note()
        finally:
            dialog.deleteLater()
        self.list.setFocus()
        if not accepted:
            return
        if self.actions.set_note(relation.id, note or None):
            self.select(relation.id)
            self.message.emit(f"{'Saved the note of' if note else 'Removed the note of'} the "
                              f"{relation.type!r} relation (Ctrl+Z undoes it).")

    def delete(self) -> None:
        relation = self._selected()
        if relation is None:
            return
        row = self.list.indexOfTopLevelItem(self.list.currentItem())
        if self.actions.delete(relation.id):
            count = self.list.topLevelItemCount()
            if count:
                self.list.setCurrentItem(self.list.topLevelItem(min(row, count - 1)))
            self.message.emit(f"Deleted the {relation.type!r} relation (Ctrl+Z brings it back).")

    def row_menu(self) -> QMenu:
        """The context menu of the current row: the list's keys as menu entries."""
        menu = QMenu(self)
        menu.setObjectName("relationMenu")
        for text, handler in (("Go to the Other End\tEnter", self.focus_other_end),
                              ("Retype…\tT", self.retype), ("Reverse\tR", self.reverse),
                              ("Edit Note…\tN", self.edit_note),
                              ("Delete\tDel", self.delete)):
            menu.addAction(text).triggered.connect(lambda _c=False, h=handler: h())
        return menu

    def _context_menu(self, point: QPoint) -> None:
        item = self.list.itemAt(point)
        if item is None:
            return
        self.list.setCurrentItem(item)
        menu = self.row_menu()
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.popup(self.list.viewport().mapToGlobal(point))

    def focus_list(self) -> None:
        """Show the panel and put the keyboard in the list."""
        self.show()
        self.raise_()
        self.list.setFocus()
