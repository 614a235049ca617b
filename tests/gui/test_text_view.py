"""AnnotationTextView: mouse and keyboard selection in code points, hover, click, tooltips,
input-method tracking, transient layers; on texts with emoji and 𠮷 before the spans."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QHelpEvent, QInputMethodEvent, QKeyEvent, QMouseEvent, QTextCursor
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QToolTip, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from annotator.domain.span_index import SpanIndex
from annotator.ui.fonts import japanese_font_status, missing_font_message, text_font
from annotator.ui.text_view import AnnotationTextView, plain_text_html

TEXT = "😀𠮷👍🏽東京大学の先生です。\n二行目の葛\U000e0100城<b>x</b>です\n三行目"
SHIFT = Qt.KeyboardModifier.ShiftModifier
LEFT = Qt.MouseButton.LeftButton


@dataclass(frozen=True)
class S:
    id: str
    start: int
    end: int
    label: str


class Host(QWidget):
    """Parent that records the keys the view lets through (as the window will)."""

    def __init__(self) -> None:
        super().__init__()
        self.keys: list[str] = []
        self.view = AnnotationTextView(self)
        self.view.setFont(text_font(16))
        QVBoxLayout(self).addWidget(self.view)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        self.keys.append(event.text())


@pytest.fixture
def host(qtbot: QtBot) -> Host:
    h = Host()
    qtbot.addWidget(h)
    h.view.set_text(TEXT)
    h.resize(700, 300)
    h.show()
    qtbot.waitExposed(h)
    return h


@pytest.fixture
def view(host: Host) -> AnnotationTextView:
    return host.view


def edge(view: AnnotationTextView, cp: int) -> QPoint:
    """Viewport point at the left edge of character ``cp``, mid-height of its line."""
    cur = QTextCursor(view.document())
    cur.setPosition(view.offsets.to_utf16(cp))
    r = view.cursorRect(cur)
    return QPoint(r.left() + 1, r.center().y())


def centre(view: AnnotationTextView, cp: int) -> QPoint:
    a, b = edge(view, cp), edge(view, cp + 1)
    return QPoint((a.x() + b.x()) // 2, a.y())


def drag_to(widget: QWidget, pos: QPoint) -> None:
    """A mouse move with the left button held (QTest.mouseMove carries no buttons)."""
    event = QMouseEvent(
        QEvent.Type.MouseMove, QPointF(pos), QPointF(widget.mapToGlobal(pos)),
        Qt.MouseButton.NoButton, LEFT, Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(widget, event)


def test_mouse_drag_selects_exact_code_points(qtbot: QtBot, view: AnnotationTextView) -> None:
    start = TEXT.index("東京")
    end = start + 4
    vp = view.viewport()
    seen: list[tuple[int, int]] = []
    view.selectionChangedCp.connect(lambda a, b: seen.append((a, b)))
    with qtbot.waitSignal(view.selectionChangedCp):
        QTest.mousePress(vp, LEFT, Qt.KeyboardModifier.NoModifier, edge(view, start) - QPoint(1, 0))
        drag_to(vp, edge(view, start + 2))
        drag_to(vp, edge(view, end) - QPoint(1, 0))
        QTest.mouseRelease(vp, LEFT, Qt.KeyboardModifier.NoModifier, edge(view, end) - QPoint(1, 0))
    assert view.selection_cp() == (start, end)
    assert seen == [(start, start), (start, start + 2), (start, end)]
    assert TEXT[slice(*view.selection_cp())] == "東京大学" == view.textCursor().selectedText()


def test_shift_arrows_select_whole_astral_characters(
    qtbot: QtBot, view: AnnotationTextView
) -> None:
    view.setFocus()
    view.select_cp(0, 0)
    seen: list[tuple[int, int]] = []
    view.selectionChangedCp.connect(lambda a, b: seen.append((a, b)))
    for _ in range(3):
        qtbot.keyClick(view, Qt.Key.Key_Right, SHIFT)
    start, end = view.selection_cp()
    assert start == 0
    # 😀, 𠮷 and the grapheme 👍🏽 (two code points): Qt moves by grapheme cluster.
    assert TEXT[start:end] == "😀𠮷👍🏽"
    assert seen == [(0, 1), (0, 2), (0, 4)]
    qtbot.keyClick(view, Qt.Key.Key_Left, SHIFT)
    assert view.selection_cp() == (0, 2)


def test_shift_arrows_over_a_line_break_and_ctrl_shift(
    qtbot: QtBot, view: AnnotationTextView
) -> None:
    view.setFocus()
    nl = TEXT.index("\n")
    view.select_cp(nl - 1, nl - 1)
    qtbot.keyClick(view, Qt.Key.Key_Right, SHIFT)
    qtbot.keyClick(view, Qt.Key.Key_Right, SHIFT)
    qtbot.keyClick(view, Qt.Key.Key_Right, SHIFT)
    assert view.selection_cp() == (nl - 1, nl + 2)
    qtbot.keyClick(view, Qt.Key.Key_End, SHIFT | Qt.KeyboardModifier.ControlModifier)
    assert view.selection_cp() == (nl - 1, len(TEXT))


def test_double_click_agrees_with_qt(qtbot: QtBot, view: AnnotationTextView) -> None:
    QTest.mouseDClick(view.viewport(), LEFT, Qt.KeyboardModifier.NoModifier,
                      centre(view, TEXT.index("x")))
    start, end = view.selection_cp()
    assert start < end
    assert TEXT[start:end] == view.textCursor().selectedText()


def test_select_cp_and_copy_give_the_canonical_slice(view: AnnotationTextView) -> None:
    start, end = TEXT.index("です。"), TEXT.index("二行目") + 2
    view.select_cp(start, end)
    assert view.textCursor().selectedText() == "です。\u2029二行"  # what Qt would copy
    assert view.createMimeDataFromSelection().text() == "です。\n二行"
    assert view.cursor_cp() == end


def test_hover_and_click_report_the_character_and_its_spans(
    qtbot: QtBot, view: AnnotationTextView
) -> None:
    org = S("org", TEXT.index("東京"), TEXT.index("東京") + 4, "ORG")
    loc = S("loc", TEXT.index("東京"), TEXT.index("東京") + 2, "LOC")
    view.set_span_index(SpanIndex(TEXT, [org, loc]))
    target = TEXT.index("京")
    with qtbot.waitSignal(view.hoveredSpansChanged) as spans_sig:
        QTest.mouseMove(view.viewport(), centre(view, target))
    assert spans_sig.args == [[org, loc]]
    assert view.char_at(centre(view, target)) == target
    with qtbot.waitSignal(view.clickedCp) as click:
        QTest.mouseClick(view.viewport(), LEFT, Qt.KeyboardModifier.NoModifier,
                         centre(view, TEXT.index("学")))
    assert click.args == [TEXT.index("学")]
    assert view.spans_at(TEXT.index("学")) == [org]


def test_char_at_after_astral_characters_and_off_text(view: AnnotationTextView) -> None:
    for ch in ("𠮷", "東", "葛", "城", "三"):
        assert view.char_at(centre(view, TEXT.index(ch))) == TEXT.index(ch)
    end_of_line = edge(view, TEXT.index("\n"))
    assert view.char_at(end_of_line + QPoint(200, 0)) == -1
    assert view.char_at(QPoint(5, view.viewport().height() - 2)) == -1


def test_tooltip_is_plain_text_never_html(qtbot: QtBot, view: AnnotationTextView) -> None:
    b = TEXT.index("<b>")
    view.set_span_index(SpanIndex(TEXT, [S("h", b, b + 8, "<i>LAB</i>")]))
    tip = view.tooltip_html_at(b + 3)
    assert tip == plain_text_html("<i>LAB</i>: <b>x</b>")
    assert "&lt;b&gt;x&lt;/b&gt;" in tip and "<b>" not in tip
    pos = centre(view, b + 3)
    event = QHelpEvent(QEvent.Type.ToolTip, pos, view.viewport().mapToGlobal(pos))
    view.viewportEvent(event)
    assert QToolTip.text() == tip
    QToolTip.hideText()
    assert view.tooltip_html_at(0) is None  # no span: no tooltip


def test_input_method_composition_is_tracked_and_inserts_nothing(
    qtbot: QtBot, host: Host, view: AnnotationTextView
) -> None:
    view.setFocus()
    states: list[bool] = []
    view.compositionChanged.connect(states.append)
    preedit = QInputMethodEvent("いち", [])
    view.inputMethodEvent(preedit)
    assert view.is_composing()
    commit = QInputMethodEvent()
    commit.setCommitString("一")
    view.inputMethodEvent(commit)
    assert not view.is_composing()
    assert states == [True, False]
    assert view.document().toPlainText() == TEXT  # nothing inserted
    assert host.keys == []


def test_label_keys_are_left_to_the_window(
    qtbot: QtBot, host: Host, view: AnnotationTextView
) -> None:
    view.setFocus()
    qtbot.keyClicks(view, "12a")
    assert host.keys == ["1", "2", "a"]
    assert view.document().toPlainText() == TEXT


def test_ensure_visible_scrolls_without_touching_the_selection(qtbot: QtBot) -> None:
    text = "".join(f"{i:04d}行目 😀𠮷 の文章です。\n" for i in range(3000))
    view = AnnotationTextView()
    qtbot.addWidget(view)
    view.set_text(text)
    view.resize(500, 300)
    view.show()
    view.select_cp(3, 5)
    target = text.index("2500行目")
    view.ensure_visible_cp(target)
    rect = view.cursorRect(_cursor_at(view, target))
    assert 0 <= rect.top() and rect.bottom() <= view.viewport().height()
    assert view.selection_cp() == (3, 5)
    top = view.verticalScrollBar().value()
    view.ensure_visible_cp(target + 1)  # already visible: no scrolling
    assert view.verticalScrollBar().value() == top


def _cursor_at(view: AnnotationTextView, cp: int) -> QTextCursor:
    cur = QTextCursor(view.document())
    cur.setPosition(view.offsets.to_utf16(cp))
    return cur


def test_transient_layers_cover_the_right_characters_near_the_view(qtbot: QtBot) -> None:
    text = "".join(f"😀𠮷{i:04d}の文章\n" for i in range(3000))
    view = AnnotationTextView()
    qtbot.addWidget(view)
    view.set_text(text)
    view.resize(500, 300)
    view.show()
    hits = [(m.start(), m.end()) for m in re.finditer("の文章", text)]
    view.set_transient("find", hits)
    view.set_transient("focus", [(0, 2)])
    sels = view.extraSelections()
    assert 10 < len(sels) < 300  # only the hits near the visible lines are handed to Qt
    texts = {s.cursor.selectedText() for s in sels}
    assert texts == {"の文章", "😀𠮷"}
    assert sels[-1].cursor.selectedText() == "😀𠮷"  # focus paints over find hits
    view.ensure_visible_cp(hits[2000][0])
    first = {view.offsets.to_codepoint(s.cursor.selectionStart()) for s in view.extraSelections()}
    assert hits[2000][0] in first and hits[0][0] not in first
    assert view.transient_ranges("find") == hits
    view.clear_transient()
    assert view.extraSelections() == []


@pytest.mark.parametrize("bad", ["\ufeffabc", "a\r\nb", "a\u2029b"])
def test_non_canonical_text_is_refused(qtbot: QtBot, bad: str) -> None:
    view = AnnotationTextView()
    qtbot.addWidget(view)
    with pytest.raises(ValueError):
        view.set_text(bad)
    assert view.canonical_text == ""


def test_japanese_font_is_available_through_the_bundled_font(qapp: QApplication) -> None:
    status = japanese_font_status()
    assert status.available and status.message is None
    assert "IPAexGothic" in status.bundled
    assert "fonts-noto-cjk" in missing_font_message()
    assert "fonts-ipafont-gothic" in missing_font_message()


def test_unexpected_modal_dialogs_fail_instead_of_hanging(
    unexpected_dialogs: list[str], view: AnnotationTextView
) -> None:
    from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox

    with pytest.raises(AssertionError, match="unexpected modal dialog"):
        QMessageBox.warning(view, "title", "text")
    with pytest.raises(AssertionError):
        QFileDialog.getOpenFileName(view)
    with pytest.raises(AssertionError):
        QMessageBox(view).exec()
    with pytest.raises(AssertionError):
        QDialog(view).exec()
    assert unexpected_dialogs == [
        "QMessageBox.warning", "QFileDialog.getOpenFileName", "QDialog.exec", "QDialog.exec",
    ]
    unexpected_dialogs.clear()  # seen and expected here: do not fail this test


def test_an_expected_dialog_is_patched_with_a_plain_function(
    monkeypatch: pytest.MonkeyPatch, view: AnnotationTextView
) -> None:
    from PySide6.QtWidgets import QMessageBox

    yes = QMessageBox.StandardButton.Yes
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: yes))
    assert QMessageBox.question(view, "title", "text") == yes
