"""The annotation editor: the text view, its highlighter and find bar, and what keys do.

``AnnotationEditor`` connects the read-only ``AnnotationTextView`` to the session: it shows the
current document with a ``SpanHighlighter`` (re-highlighting only the blocks an edit touches),
shows the focused span, and turns label keys, clicks and span actions into session commands.
Offsets are code points throughout; the view converts at the Qt boundary.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QRect, Qt, Signal
from PySide6.QtGui import QAction, QActionEvent, QKeyEvent
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from annotator.domain.offsets import Utf16Map
from annotator.domain.spans import Span
from annotator.services.words import word_at
from annotator.ui.find_bar import FindBar
from annotator.ui.fonts import text_font
from annotator.ui.highlighter import DEFAULT_COLOR, SpanHighlighter, focused_format
from annotator.ui.label_tags import LabelTagOverlay
from annotator.ui.overlap_panel import innermost_first
from annotator.ui.session import Session
from annotator.ui.settings import AppSettings
from annotator.ui.text_view import AnnotationTextView, default_transient_format

__all__ = ["AnnotationEditor", "LABEL_TAGS_ACTION", "NUDGES"]

#: The View menu's toggle of the label tags (``annotator.ui.actions``).
LABEL_TAGS_ACTION = "view.label_tags"

#: action id -> (which end, step): how the nudge keys resize the focused span.
NUDGES = {
    "span.end_right": ("end", 1),
    "span.end_left": ("end", -1),
    "span.start_left": ("start", -1),
    "span.start_right": ("start", 1),
}
_BLOCKING_MODIFIERS = (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
                       | Qt.KeyboardModifier.MetaModifier)


class AnnotationEditor(QWidget):
    """Find bar + font banner + text view for the session's current document.

    Emits ``message(text)`` for the status bar (hints, refused keys). Expects the session's
    document, span, label, focus and reveal signals. Call ``install_label_keys(widget)`` on any
    widget whose label-key presses should label (the text view, the span table).

    Label tags (``tags``, a ``LabelTagOverlay``) are on by default. When the editor's parent
    window adds the ``view.label_tags`` action (``ActionRegistry``), the editor adopts it: the
    action toggles the tags, and the choice is remembered in the window's settings
    (``AppSettings.label_tags``).
    """

    message = Signal(str)

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.view = AnnotationTextView(self)
        self.view.setObjectName("textView")
        self.view.setFont(text_font(13))
        self.view.setLineWrapMode(AnnotationTextView.LineWrapMode.WidgetWidth)
        self.highlighter: SpanHighlighter | None = None
        self.find_bar = FindBar(session, self.view, self)
        self.find_bar.hide()
        self.banner = QLabel(self)
        self.banner.setObjectName("fontBanner")
        self.banner.setTextFormat(Qt.TextFormat.PlainText)
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet("background:#fff3cd;color:#5c4400;padding:6px;")
        self.banner.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.banner)
        layout.addWidget(self.find_bar)
        layout.addWidget(self.view, 1)
        self.tags = LabelTagOverlay(
            self.view, lambda: self.session.index if self.highlighter is not None else None,
            self._color_of)
        self.tags.set_enabled(True)
        self.label_tags_action: QAction | None = None
        self._tag_settings: AppSettings | None = None
        self._window = parent
        if parent is not None:
            parent.installEventFilter(self)  # adopts the label tags action when it is added
        self.install_label_keys(self.view)
        self.view.set_word_finder(lambda cp: word_at(self.session.text, cp))
        self.view.clickedCp.connect(self._clicked)
        self.find_bar.message.connect(self.message)
        # The find bar is hidden at first: the editor is always as wide as the bar needs, so
        # opening it never changes the editor's minimum width (the panes never reflow).
        self.setMinimumWidth(self.find_bar.minimumSizeHint().width())
        #: The focused span an edit of this window is changing (see ``_keep_focus``).
        self._kept_focus: str | None = None
        #: (click position's span ids) of the last click, for cycling through overlaps.
        self._last_click: tuple[str, ...] = ()
        session.documentOpening.connect(self._clear_document)
        session.documentChanged.connect(self._show_document)
        session.spanAdded.connect(self._added)
        session.spanRemoved.connect(self._removed)
        session.spanUpdated.connect(self._updated)
        session.spansReset.connect(self._reset)
        session.labelsChanged.connect(self._labels)
        session.focusedSpanChanged.connect(self._focus)
        session.revealRequested.connect(self.reveal)
        session.commandFinished.connect(self._restore_focus)
        # A layer shown or hidden changes lines that are redrawn later (off screen): their tags
        # are drawn anew when next painted.
        session.layerVisibilityChanged.connect(
            lambda _name, _visible, _spans, blocks: self.tags.invalidate_blocks(blocks))

    # -- showing ----------------------------------------------------------------------------------

    def show_banner(self, text: str | None) -> None:
        """Show a warning above the text (plain text), or hide it with None."""
        self.banner.setText(text or "")
        self.banner.setVisible(bool(text))

    def _color_of(self, label: str) -> str:
        return self.highlighter.color_of(label) if self.highlighter is not None else DEFAULT_COLOR

    def set_label_tags(self, on: bool) -> None:
        """Show or hide the label tags (and remember it, once the action is adopted)."""
        self.tags.set_enabled(on)
        action = self.label_tags_action
        if action is not None:
            if action.isChecked() != on:
                action.setChecked(on)
            if self._tag_settings is not None:
                self._tag_settings.label_tags = bool(on)

    def _adopt_label_tags(self, action: QAction, window: QObject) -> None:
        if self.label_tags_action is action:
            return
        self.label_tags_action = action
        settings = getattr(window, "settings", None)
        self._tag_settings = settings if isinstance(settings, AppSettings) else None
        on = self._tag_settings.label_tags if self._tag_settings is not None else True
        action.setCheckable(True)
        action.setChecked(on)
        self.tags.set_enabled(on)
        action.toggled.connect(self.set_label_tags)

    def _clear_document(self, _document_id: int = 0) -> None:
        """Take the old text out of the view (before the next one's layout is decided)."""
        if self.highlighter is not None:
            self.view.set_before_paint(None)
            self.highlighter.setDocument(None)
            self.highlighter.deleteLater()
            self.highlighter = None
        self.view.set_span_index(None)
        self.view.set_text("")

    def _show_document(self, _document_id: int) -> None:
        session = self.session
        self._clear_document()
        self.highlighter = highlighter = SpanHighlighter(
            self.view.document(), session.index, Utf16Map(session.text), session.colors())
        with highlighter.deferring():  # the visible lines are drawn first, the rest after
            self.view.set_text(session.text)
        self.view.set_before_paint(self._before_paint)
        self.view.set_span_index(session.index)

    def _before_paint(self, rect: QRect) -> None:
        highlighter = self.highlighter
        if highlighter is not None and highlighter.pending:  # lines an opening left for later
            highlighter.flush(*self.view.blocks_in(rect), repaint=False)

    def _added(self, span: Span) -> None:
        self._redraw([(span.start, span.end)])

    def _removed(self, span: Span) -> None:
        self._redraw([(span.start, span.end)])

    def _redraw(self, ranges: list[tuple[int, int]]) -> None:
        """Draw the spans of code-point ranges anew: their blocks are highlighted again, and
        only what changed is repainted, the lines holding the ranges and the tags and
        underline rows that moved elsewhere in those blocks (not whole paragraphs)."""
        highlighter = self.highlighter
        if highlighter is None:
            return
        index = self.session.index
        blocks = sorted({n for start, end in ranges for n in index.blocks_of(start, end)})
        highlighter.rehighlight_blocks(blocks, repaint=False)
        view = self.view
        view.announce_blocks(blocks)
        rect = view.lines_rect(ranges, max(2, self.tags.margin())) | \
            self.tags.changed_rect(blocks)
        if not rect.isEmpty():
            view.viewport().update(rect)

    def _updated(self, old: Span, new: Span) -> None:
        session = self.session
        if new.id == session.focused_span_id and session.in_command \
                and not session.applying_history:
            # An edit of the focused span (nudge, relabel, note, their undo): other views may
            # move its row and pass the focus on meanwhile; it comes back when the command ends.
            self._kept_focus = new.id
        self._redraw([(old.start, old.end), (new.start, new.end)])
        if new.id == self.session.focused_span_id:
            self._show_focus(new)

    def _reset(self) -> None:
        if self.highlighter is not None:
            self.highlighter.set_colors(self.session.colors())
        self._focus(self.session.focused_span_id)

    def _labels(self) -> None:
        if self.highlighter is not None and self.highlighter.colors() != self.session.colors():
            if self.highlighter.update_colors(self.session.colors()):
                self.tags.invalidate()  # the tags' chips are in the labels' colours
                self.view.viewport().update()
            focused = self.session.index.get(self.session.focused_span_id or "")
            if focused is not None:
                self._show_focus(focused)

    def _show_focus(self, span: Span) -> None:
        """The focused span's look, over the highlighting: opaque in its label's colour, the
        text in contrast and outlined. A layer of the view's own (an extra selection), so
        moving the focus repaints the old and new span's lines and re-lays out nothing."""
        fmt = focused_format(self._color_of(span.label))
        fmt.merge(default_transient_format("focus"))
        self.view.set_transient("focus", [(span.start, span.end)], fmt)

    def _restore_focus(self) -> None:
        kept, self._kept_focus = self._kept_focus, None
        if kept is not None and kept in self.session.index:
            self.session.focus_span(kept)

    def _focus(self, span_id: str | None) -> None:
        if self._kept_focus is not None and span_id != self._kept_focus:
            return  # passed on while the focused span's row moved: restored when the edit ends
        span = self.session.index.get(span_id) if span_id else None
        self.tags.set_focused_span(span.id if span else None)
        if span is None:
            self.view.clear_transient("focus")
            return
        self._show_focus(span)
        start, end = self.view.selection_cp()
        if (start, end) == (span.start, span.end):  # just made from the selection: the caret
            self.view.select_cp(span.end, span.end, ensure_visible=False)  # goes after it
        elif start != end or not span.start <= start <= span.end:
            self.view.select_cp(span.start, span.start, ensure_visible=False)
        self.view.ensure_span_visible(span)

    def reveal(self, start: int, end: int) -> None:
        """Select ``[start, end)`` and scroll to it."""
        self.view.select_cp(start, end)

    # -- keys and clicks --------------------------------------------------------------------------

    def install_label_keys(self, widget: QObject) -> None:
        """Make label keys pressed in ``widget`` label the selection or the focused span."""
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if watched is self._window:  # only watched for its actions, never for keys
            if event.type() == QEvent.Type.ActionAdded and isinstance(event, QActionEvent):
                action = event.action()
                if action is not None and action.objectName() == LABEL_TAGS_ACTION:
                    self._adopt_label_tags(action, watched)
            return False
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            if event.modifiers() & _BLOCKING_MODIFIERS:
                return False
            text = event.text()
            label = self.session.label_for_key(text) if len(text) == 1 else None
            if label is None:
                return False
            if self.view.is_composing():
                return True  # a key confirming an input-method conversion is not a label key
            self.apply_label(label.name)
            return True
        return super().eventFilter(watched, event)

    def apply_label(self, name: str) -> Span | None:
        """Label the selection with ``name`` (a new span, focused), or relabel the focused span
        when nothing is selected."""
        start, end = self.view.selection_cp()
        session = self.session
        if start < end:
            span = session.create_span(start, end, name)
            if span is not None:  # the caret after the new span, nothing selected
                self.view.select_cp(span.end, span.end, ensure_visible=False)
            return span
        focused = session.focused_span()
        if focused is None:
            self.message.emit("Select some text (or focus a span) before pressing a label key.")
            return None
        if focused.label != name:
            session.update_span(focused.id, f"Relabel span as {name!r}", label=name)
        return session.focused_span()

    def _clicked(self, cp: int) -> None:
        spans = self.session.index.spans_at(cp) if cp >= 0 else []
        if not spans:
            self._last_click = ()
            self.session.focus_span(None)
            return
        # Innermost first (shortest, then the one starting last; on the same range my layer's
        # span before the others'); clicking again on a place covered by the same spans picks
        # the next one outwards, then wraps round.
        spans = innermost_first(spans, self.session.annotator)
        ids = [s.id for s in spans]
        focused = self.session.focused_span_id
        again = tuple(ids) == self._last_click and focused in ids
        pick = ids[(ids.index(focused) + 1) % len(ids)] if again else ids[0]
        self._last_click = tuple(ids)
        self.session.focus_span(pick)
        if len(ids) > 1:
            self.message.emit(f"Span {ids.index(pick) + 1} of {len(ids)} here; click again for "
                              f"the next one.")

    # -- span actions -----------------------------------------------------------------------------

    def _focused_or_hint(self) -> Span | None:
        span = self.session.focused_span()
        if span is None:
            self.message.emit("No span is focused: click a span, or use Alt+Down / Alt+Up.")
        return span

    def delete_focused(self) -> bool:
        span = self._focused_or_hint()
        return span is not None and self.session.delete_span(span.id)

    def nudge(self, action_id: str) -> bool:
        """Move the focused span's start or end by one character (see ``NUDGES``)."""
        span = self._focused_or_hint()
        if span is None:
            return False
        which, step = NUDGES[action_id]
        start = span.start + step if which == "start" else span.start
        end = span.end + step if which == "end" else span.end
        if not 0 <= start < end <= len(self.session.text):
            self.message.emit("The span cannot become empty or leave the text.")
            return False
        return self.session.update_span(span.id, "Resize span", start=start, end=end)

    def step_span(self, forward: bool) -> Span | None:
        """Focus the next (or previous) span from the focused span or the cursor."""
        span = self.session.neighbour_span(self.view.cursor_cp(), forward)
        if span is None:
            self.message.emit("No more spans " + ("after" if forward else "before") + " this one.")
            return None
        self.session.focus_span(span.id)
        return span
