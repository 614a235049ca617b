"""Relations and span attributes in the annotation window (``window.relations``).

``RelationsUi(window)`` adds to a :class:`annotator.ui.main_window.MainWindow`:

- ``state`` (:class:`~annotator.ui.relation_state.RelationState`): the current document's
  relations, the relation types and the attribute definitions, kept in step with every command
  and with what other windows and the command line write;
- ``arcs`` (:class:`~annotator.ui.relation_arcs.RelationArcs`): the relations of the visible
  lines drawn on the text (View > Relation Arcs, remembered in the user's settings);
- ``creator`` (:class:`~annotator.ui.relation_mode.RelationCreator`): Span > Start Relation
  (Ctrl+R): head, tail (Alt+Down / Alt+Up then Enter, or a click), type (its key);
- ``panel`` (:class:`~annotator.ui.relations_panel.RelationsPanel`, View > Relations, Span >
  Relation List, Ctrl+Shift+L): the focused span's relations, to follow, retype, reverse,
  delete;
- ``picker`` (:class:`~annotator.ui.relation_pick.ArcPicker`): a click on an arc selects its
  relation in the list and highlights its two spans;
- ``attributes`` (:class:`~annotator.ui.attribute_chooser.AttributeChooser`): Span > Span
  Attributes… (Ctrl+T);
- the text's tooltip: each span's label, text, attribute values and relations; on each
  span's label tag its attribute values in short (``claim · reported``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt

from annotator.ui.attribute_chooser import AttributeChooser, short_form, tag_suffix
from annotator.ui.relation_actions import RelationActions, span_words
from annotator.ui.relation_arcs import RelationArcs
from annotator.ui.relation_mode import RelationCreator
from annotator.ui.relation_pick import ArcPicker
from annotator.ui.relation_state import RelationState
from annotator.ui.relations_panel import RelationsPanel

if TYPE_CHECKING:
    from annotator.ui.main_window import MainWindow

__all__ = ["RelationsUi", "RELATION_ACTIONS"]

#: The ids of the actions (``annotator.ui.actions``) this module handles.
RELATION_ACTIONS = ("relation.start", "relation.list", "span.attributes", "view.relation_arcs")
#: Rows of the relation list shown on first start.
PANEL_ROWS = 4


class RelationsUi(QObject):
    """Everything relations and attributes add to one window (see the module)."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        session = self.session = window.session
        view = window.view
        self.state = RelationState(session, self)
        self.actions = RelationActions(session, self.state)
        self.creator = RelationCreator(session, self.state, self.actions, view, self)
        tags = window.editor.tags
        self.arcs = RelationArcs(view, session, self.state, lambda: self.creator.head_id,
                                 lambda span_id: tags.tag_rect(span_id) if tags.enabled else None)
        tags.tagsMoved.connect(self.arcs.spans_moved)
        self.panel = RelationsPanel(session, self.state, self.actions, window)
        self.picker = ArcPicker(view, session, self.state, self.arcs, self.panel, self.creator,
                                self)
        self.attributes = AttributeChooser(session, self.state, self.actions, view, self)
        for widget in (view, window.span_table, window.spans_here):
            self.creator.watch(widget)
        message = window.status.showMessage
        for part in (self.creator, self.panel, self.attributes):
            part.message.connect(lambda text: message(text, 8000))
        self.creator.activeChanged.connect(
            lambda on: self.arcs.begin_pending() if on else self.arcs.update())
        session.focusedSpanChanged.connect(self._focus_moved)
        view.set_tooltip_provider(self.tooltip)
        window.editor.tags.set_suffix_provider(tag_suffix)  # claim · reported
        registry = window.actions_registry
        registry.connect("relation.start", self.creator.start)
        registry.connect("relation.list", self.panel.focus_list)
        registry.connect("span.attributes", self.attributes.open)
        arcs_action = registry.action("view.relation_arcs")
        arcs_action.setChecked(window.settings.relation_arcs)
        self.arcs.set_enabled(arcs_action.isChecked())
        arcs_action.toggled.connect(self._arcs_toggled)
        window.add_panel(self.panel, Qt.DockWidgetArea.BottomDockWidgetArea)
        if window.settings.window_state() is None:  # first start: a few rows, the text first
            rows = self.panel.list.sizeHintForRow(0) if self.panel.list.topLevelItemCount() \
                else self.panel.fontMetrics().height() + 6
            height = self.panel.header.sizeHint().height() + rows * PANEL_ROWS + 48
            window.resizeDocks([self.panel], [height], Qt.Orientation.Vertical)
            # hidden until relations are made (Ctrl+R) or listed (Ctrl+Shift+L): the text
            # keeps the room (shown or hidden, it is remembered with the window)
            self.panel.hide()
        self.creator.activeChanged.connect(self._show_panel)

    def _show_panel(self, active: bool) -> None:
        """A relation is being made: the list of the head's relations comes into view."""
        if active and not self.panel.isVisible():
            self.panel.show()

    def _arcs_toggled(self, on: bool) -> None:
        """View > Relation Arcs: draw them or not, remembered in the user's settings."""
        self.arcs.set_enabled(on)
        self.window.settings.relation_arcs = on

    def _focus_moved(self, _span_id: object) -> None:
        if self.creator.active:
            self.arcs.update()  # the dashed line follows the candidate tail

    def tooltip(self, cp: int) -> str | None:
        """The text's tooltip at ``cp``: per span, its label and text, its attribute values
        and its relations (type, direction, the other span)."""
        session = self.session
        lines: list[str] = []
        for span in session.index.spans_at(cp) if cp >= 0 else []:
            line = span_words(session, span, 40)
            values = short_form(span)
            if values:
                line += f"  [{values}]"
            if not session.is_own(span):
                line += f"  ({span.annotator})"
            lines.append(line)
            for relation in self.state.relations.of_span(span.id)[:6]:
                out = relation.head == span.id
                other = session.index.get(relation.tail if out else relation.head)
                arrow = "→" if out else "←"
                lines.append(f"    {arrow} {relation.type} {span_words(session, other, 24)}")
        return "\n".join(lines) or None
