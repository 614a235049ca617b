"""Readings of the selection and the word under the mouse, word snapping on and off, and the
furigana overlay leaving the text, selection and offsets untouched."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetricsF
from PySide6.QtWidgets import QApplication

from annotator.domain.offsets import Utf16Map

from reading_fixtures import ASTRAL, point_at


def _drag(qtbot, window, start: int, last: int) -> None:  # type: ignore[no-untyped-def]
    """Drag from inside character ``start`` to inside character ``last`` (inclusive)."""
    viewport = window.view.viewport()
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=point_at(window, start))
    qtbot.mouseMove(viewport, point_at(window, last, right=True))
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=point_at(window, last, right=True))


def test_readings_of_selection_and_hover(qtbot, aids_window) -> None:  # type: ignore[no-untyped-def]
    window, aids = aids_window
    text = window.session.text
    assert text.startswith(ASTRAL)
    start = text.index("プーチン")
    _drag(qtbot, window, start, start + 3)
    assert window.view.selection_cp() == (start, start + 4)
    qtbot.waitUntil(lambda: aids.readings.hira.text() == "ぷーちん")
    assert aids.readings.romaji.text() == "puuchin" and aids.readings.surface.text() == "プーチン"
    assert "guess" in aids.readings.note.text()
    window.view.select_cp(start, start)  # no selection: the word under the mouse is read
    k = text.index("北朝鮮")
    qtbot.mouseMove(window.view.viewport(), point_at(window, k + 1))
    qtbot.waitUntil(lambda: aids.readings.surface.text() == "北朝鮮")
    assert aids.readings.hira.text() == "きたちょうせん" and aids.readings.romaji.text() == "kitachousen"


def test_word_snapping_off_by_default_then_on(qtbot, aids_window) -> None:  # type: ignore[no-untyped-def]
    window, aids = aids_window
    text = window.session.text
    k = text.index("大統領")
    action = aids.actions["reading.snap"]
    assert not action.isChecked() and not aids.snapper.enabled
    _drag(qtbot, window, k + 1, k + 1)
    qtbot.wait(20)
    assert window.view.selection_cp() == (k + 1, k + 2)  # off: character-exact
    qtbot.keyClick(window, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert action.isChecked() and aids.snapper.enabled
    qtbot.wait(QApplication.doubleClickInterval() + 50)  # the next press is not a double-click
    n = text.index("北朝鮮")
    _drag(qtbot, window, n + 1, n + 1)
    qtbot.waitUntil(lambda: window.view.selection_cp() == (n, n + 3))
    assert aids.snapper.snap(k + 1, k + 2) == (k, k + 3)
    # by keyboard: Shift+Right inside a word; when Shift is released (QTest presses and
    # releases the modifier key around the click) the selection becomes the whole word
    window.view.select_cp(k + 1, k + 1)
    qtbot.keyPress(window.view, Qt.Key.Key_Shift)
    qtbot.keyClick(window.view, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyRelease(window.view, Qt.Key.Key_Shift)
    assert window.view.selection_cp() == (k, k + 3)
    # the label key labels the snapped selection: the span is the whole word
    qtbot.keyClick(window.view, "2")
    assert [(s.start, s.end, s.label) for s in window.session.index] == [(k, k + 3, "actor")]
    action.trigger()
    assert not aids.snapper.enabled and aids.snapper.snap(k + 1, k + 2) == (k + 1, k + 2)


def test_furigana_toggle_changes_nothing_in_the_text(qtbot, aids_window) -> None:  # type: ignore[no-untyped-def]
    window, aids = aids_window
    view, doc = window.view, window.view.document()
    text = window.session.text
    k = text.index("北朝鮮")
    view.select_cp(k, k + 3)
    before = (view.canonical_text, doc.toPlainText(), doc.revision(), doc.isModified(), view.selection_cp(),
              doc.characterCount(), view.textCursor().selectionStart(), view.textCursor().selectionEnd())
    qtbot.keyClick(window, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert aids.actions["reading.furigana"].isChecked()
    view.ensure_visible_cp(k)
    qtbot.waitUntil(lambda: any(s <= k < e for s, e, _r in aids.furigana.drawn))
    drawn = aids.furigana.drawn
    assert all(text[s:e] and any("\u4e00" <= c <= "\u9fff" for c in text[s:e]) for s, e, _r in drawn)
    assert ("きたちょうせん" in {r for s, e, r in drawn if text[s:e] == "北朝鮮"})
    after = (view.canonical_text, doc.toPlainText(), doc.revision(), doc.isModified(), view.selection_cp(),
             doc.characterCount(), view.textCursor().selectionStart(), view.textCursor().selectionEnd())
    assert after == before
    # a click through the overlay still reaches the text
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=point_at(window, k + 1))
    assert view.selection_cp() in ((k + 1, k + 1), (k + 2, k + 2))
    # scrolling repaints the visible blocks only
    view.verticalScrollBar().setValue(view.verticalScrollBar().maximum())
    qtbot.waitUntil(lambda: bool(aids.furigana.drawn) and min(s for s, _e, _r in aids.furigana.drawn) > k)
    qtbot.keyClick(window, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert not aids.furigana.isVisible() and aids.furigana.drawn == []
    assert view.canonical_text == text == window.session.project.text(window.session.document.id)
    assert doc.toPlainText() == before[1] and doc.revision() == before[2] and not doc.isModified()



def test_readings_follow_the_focused_span(qtbot, aids_window) -> None:  # type: ignore[no-untyped-def]
    """With a span focused, the panel reads the span, not the word at the caret; a selection
    and the word under the mouse still win over it; unfocused, the caret's word is read."""
    window, aids = aids_window
    text, session = window.session.text, window.session
    start, k = text.index("プーチン"), text.index("北朝鮮")
    key = session.labels[1].key
    for a, b in ((k, k + 3), (start, start + 4)):
        window.view.select_cp(a, b)
        qtbot.keyClick(window.view, key)
    focused = session.focused_span()
    assert focused is not None and (focused.start, focused.end) == (start, start + 4)
    aids.readings.show_hover(-1)
    window.view.select_cp(0, 0)  # the caret on another word, the span still focused
    assert session.focused_span_id == focused.id
    qtbot.waitUntil(lambda: aids.readings.surface.text() == "プーチン")
    assert aids.readings.hira.text() == "ぷーちん"
    other = next(s for s in session.index if s.start == k)
    session.focus_span(other.id)
    qtbot.waitUntil(lambda: aids.readings.surface.text() == "北朝鮮")
    window.view.select_cp(start, start + 2)  # a selection wins
    qtbot.waitUntil(lambda: aids.readings.surface.text() == "プー")
    window.view.select_cp(0, 0)
    session.focus_span(None)
    qtbot.waitUntil(lambda: aids.readings.surface.text() not in ("北朝鮮", "プー", ""))


def test_furigana_get_their_own_line_height(qtbot, aids_window) -> None:  # type: ignore[no-untyped-def]
    """With furigana on, every line is taller by the room the readings are drawn in, so no
    reading overlaps the glyphs of the line above; the document, its offsets and undo state
    stay as they were, and turning furigana off gives the view its font back."""
    window, aids = aids_window
    aids.readings.hide()  # the text as wide as on first start (the panel starts folded)
    QApplication.processEvents()
    window.editor.set_label_tags(False)  # no tags' band: the room is the readings' alone
    # a seed without astral characters: a line holding a glyph no bundled font has takes the
    # height of a fallback font, so only the other lines grow by exactly the room
    window.open_document(next(d.id for d in window.session.documents
                              if not d.name.startswith("astral_")))
    view, doc = window.view, window.view.document()
    # the lines the opening left to the event loop are highlighted (a highlight counts as a
    # revision of the document: the comparison below is about furigana)
    qtbot.waitUntil(lambda: window.editor.highlighter.pending == 0)
    text = window.session.text
    plain = view.font()
    pitch = QFontMetricsF(plain).height()
    k = text.index("北朝鮮")
    before = (doc.toPlainText(), doc.revision(), doc.isModified(), doc.availableUndoSteps(),
              view.selection_cp())
    block = doc.findBlock(Utf16Map(text).to_utf16(k))
    first_height = view.blockBoundingRect(block).height()  # (lays the block out if needed)
    lines = block.layout().lineCount()
    aids.actions["reading.furigana"].trigger()
    view.ensure_visible_cp(k)
    qtbot.waitUntil(lambda: any(s <= k < e for s, e, _r in aids.furigana.drawn))
    room = aids.furigana.room()
    assert room >= 0.45 * pitch
    assert view.blockBoundingRect(block).height() >= first_height + lines * room - 1
    assert block.layout().lineCount() == lines  # same glyph widths: the same line breaks
    assert view.font().pointSizeF() == plain.pointSizeF()
    offset = view.contentOffset()
    for (start, _end, _reading), rect in zip(aids.furigana.drawn, aids.furigana.drawn_rects):
        b = doc.findBlock(Utf16Map(text).to_utf16(start))
        layout = b.layout()
        line = layout.lineForTextPosition(Utf16Map(text).to_utf16(start) - b.position())
        top = view.blockBoundingGeometry(b).translated(offset).top() + line.y()
        glyph_top = top + room  # the glyphs of this line start below the room
        assert rect.top() >= top - 0.5 and rect.bottom() <= glyph_top + 1.5, (start, rect, top)
    after = (doc.toPlainText(), doc.revision(), doc.isModified(), doc.availableUndoSteps(),
             view.selection_cp())
    assert after == before
    aids.actions["reading.furigana"].trigger()
    assert view.font() == plain and aids.furigana.room() == 0.0
    assert view.blockBoundingRect(block).height() == first_height


def test_a_hidden_readings_panel_reads_nothing_until_it_is_shown(qtbot, aids_window) -> None:  # type: ignore[no-untyped-def]
    """Folded away, the panel does no reading work on each selection; shown again, it reads
    the current selection at once."""
    window, aids = aids_window
    aids.readings.hide()
    before = aids.readings.surface.text()
    text = window.session.text
    start = text.index("北朝鮮")
    window.view.select_cp(start, start + 3)
    qtbot.wait(80)  # longer than the panel's debounce
    assert aids.readings.surface.text() == before != "北朝鮮"
    aids.readings.show()
    qtbot.waitUntil(lambda: aids.readings.surface.text() == "北朝鮮", timeout=5000)
    assert aids.readings.hira.text() == "きたちょうせん"
