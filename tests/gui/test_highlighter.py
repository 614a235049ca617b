"""SpanHighlighter draws spans on exactly the right characters, after emoji and 𠮷."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from PySide6.QtCore import QEvent, QObject, QRect
from PySide6.QtGui import QColor, QPaintEvent, QRegion, QTextCharFormat
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from annotator.domain.span_index import SpanIndex
from annotator.ui.highlighter import BACKGROUND_ALPHA, SpanHighlighter
from annotator.ui.text_view import AnnotationTextView

TEXT = "😀𠮷東京大学の先生です。\n👍二行目の葛\U000e0100城です\n三行目"
COLORS = {"ORG": "#ff8800", "LOC": "#0088ff", "PER": "#00aa00"}
Wave = QTextCharFormat.UnderlineStyle.WaveUnderline
Dash = QTextCharFormat.UnderlineStyle.DashUnderline
NoLine = QTextCharFormat.UnderlineStyle.NoUnderline


@dataclass(frozen=True)
class S:
    id: str
    start: int
    end: int
    label: str


def cp(sub: str, nth: int = 0) -> int:
    pos = -1
    for _ in range(nth + 1):
        pos = TEXT.index(sub, pos + 1)
    return pos


def span(sid: str, sub: str, label: str) -> S:
    return S(sid, cp(sub), cp(sub) + len(sub), label)


class CountingHighlighter(SpanHighlighter):
    """Records the blocks Qt asks to highlight (a plain override, not a Mock)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        self.calls: list[int] = []
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    def highlightBlock(self, text: str) -> None:  # noqa: N802
        self.calls.append(self.currentBlock().blockNumber())
        super().highlightBlock(text)


@pytest.fixture
def view(qtbot: QtBot) -> AnnotationTextView:
    v = AnnotationTextView()
    qtbot.addWidget(v)
    v.set_text(TEXT)
    v.resize(600, 300)
    v.show()
    return v


def make(view: AnnotationTextView, spans: list[S]) -> CountingHighlighter:
    index = SpanIndex(TEXT, spans)
    view.set_span_index(index)
    hl = CountingHighlighter(view.document(), index, view.offsets, COLORS)
    assert sorted(hl.calls) == [0, 1, 2]  # highlighted at once
    hl.calls.clear()
    return hl


def drawn(view: AnnotationTextView) -> list[tuple[str, str, int, object, str]]:
    """(covered text, background, alpha, underline style, underline colour) for every format
    range, with Qt's UTF-16 ranges converted back to code points and sliced from the text."""
    out = []
    block = view.document().firstBlock()
    while block.isValid():
        for r in block.layout().formats():
            a = view.offsets.to_codepoint(block.position() + r.start)
            b = view.offsets.to_codepoint(block.position() + r.start + r.length)
            bg = r.format.background().color()
            fmt = r.format
            out.append((TEXT[a:b], bg.name(), bg.alpha(), fmt.underlineStyle(),
                        fmt.underlineColor().name() if fmt.underlineStyle() != NoLine else ""))
        block = block.next()
    return out


def test_one_span_after_astral_characters_lands_on_its_characters(view: AnnotationTextView) -> None:
    make(view, [span("a", "東京大学", "ORG"), span("b", "葛\U000e0100城", "LOC")])
    assert drawn(view) == [
        ("東京大学", "#ff8800", BACKGROUND_ALPHA, NoLine, ""),
        ("葛\U000e0100城", "#0088ff", BACKGROUND_ALPHA, NoLine, ""),
    ]
    # Raw UTF-16 figures, as Qt stores them: 東 is at unit 4 (😀 and 𠮷 take two each).
    (r,) = view.document().firstBlock().layout().formats()
    assert (r.start, r.length) == (4, 4)


def test_overlaps_background_first_span_underline_others(view: AnnotationTextView) -> None:
    make(view, [span("org", "東京大学", "ORG"), span("loc", "東京", "LOC"),
                span("per", "学の先生", "PER"), span("per2", "大学の", "PER")])
    assert drawn(view) == [
        ("東京", "#ff8800", BACKGROUND_ALPHA, Wave, "#0088ff"),
        ("大", "#ff8800", BACKGROUND_ALPHA, Wave, "#00aa00"),
        ("学", "#ff8800", BACKGROUND_ALPHA, Dash, "#00aa00"),  # three spans: dashes
        ("の", "#00aa00", BACKGROUND_ALPHA, Wave, "#00aa00"),
        ("先生", "#00aa00", BACKGROUND_ALPHA, NoLine, ""),
    ]


def test_span_over_a_line_break_is_drawn_in_both_blocks(view: AnnotationTextView) -> None:
    start = cp("です。")
    make(view, [S("x", start, cp("二行目") + 3, "PER")])
    assert [d[0] for d in drawn(view)] == ["です。", "👍二行目"]


def test_focused_span_is_opaque_and_wins_the_background(view: AnnotationTextView) -> None:
    hl = make(view, [span("org", "東京大学", "ORG"), span("loc", "東京", "LOC")])
    hl.set_focused_span("loc")
    assert drawn(view)[0] == ("東京", "#0088ff", 255, Wave, "#ff8800")
    assert hl.calls == [0]
    hl.set_focused_span(None)
    assert drawn(view)[0] == ("東京", "#ff8800", BACKGROUND_ALPHA, Wave, "#0088ff")


def test_add_remove_update_rehighlight_only_touched_blocks(
    view: AnnotationTextView, qapp: QApplication
) -> None:
    hl = make(view, [span("org", "東京大学", "ORG")])
    qapp.processEvents()
    assert hl.calls == []  # Qt's delayed full pass found nothing left to do
    assert hl.add_span(span("new", "葛\U000e0100城", "PER")) == [1]
    assert hl.calls == [1]
    assert drawn(view)[1] == ("葛\U000e0100城", "#00aa00", BACKGROUND_ALPHA, NoLine, "")
    hl.calls.clear()
    hl.update_span(S("new", cp("城"), cp("三行目") + 1, "LOC"))  # resize across blocks 1-2
    assert hl.calls == [1, 2]
    assert [d[0] for d in drawn(view)] == ["東京大学", "城です", "三"]
    hl.calls.clear()
    hl.remove_span("new")
    assert hl.calls == [1, 2]
    assert [d[0] for d in drawn(view)] == ["東京大学"]


def test_recolour_rehighlights_all_and_document_stays_clean(view: AnnotationTextView) -> None:
    hl = make(view, [span("org", "東京大学", "ORG"), span("x", "三行目", "ORG")])
    hl.set_color("ORG", "#123456")
    assert [d[1] for d in drawn(view)] == ["#123456", "#123456"]
    assert sorted(hl.calls) == [0, 1, 2]
    hl.set_colors({})  # unknown label: the default grey, never a crash
    assert {d[1] for d in drawn(view)} == {QColor(hl.color_of("ORG")).name()}
    doc = view.document()
    assert not doc.isModified() and not doc.isUndoAvailable()
    assert doc.toPlainText() == TEXT  # highlighting never changes the text


def test_reset_spans_clears_focus_of_vanished_span(view: AnnotationTextView) -> None:
    hl = make(view, [span("org", "東京大学", "ORG")])
    hl.set_focused_span("org")
    hl.reset_spans([span("loc", "東京", "LOC")])
    assert hl.focused_span_id is None
    assert drawn(view) == [("東京", "#0088ff", BACKGROUND_ALPHA, NoLine, "")]


class PaintRecorder(QObject):
    """Records the regions of the paint events a widget receives."""

    def __init__(self, widget: QWidget) -> None:
        super().__init__()
        self.regions: list[QRegion] = []
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.Paint and isinstance(event, QPaintEvent):
            self.regions.append(QRegion(event.region()))
        return False


def test_an_edit_repaints_only_the_touched_blocks(
    view: AnnotationTextView, qapp: QApplication
) -> None:
    hl = make(view, [span("org", "東京大学", "ORG")])
    qapp.processEvents()
    painted = PaintRecorder(view.viewport())
    doc = view.document()

    def visual_rect(n: int) -> QRect:
        block = doc.findBlockByNumber(n)
        return view.blockBoundingGeometry(block).translated(view.contentOffset()).toAlignedRect()

    hl.add_span(span("new", "葛\U000e0100城", "PER"))
    qapp.processEvents()
    region = QRegion()
    for r in painted.regions:
        region += r
    block1 = visual_rect(1).adjusted(-2, -2, 2, 2)
    assert not region.isEmpty()
    assert block1.contains(region.boundingRect())  # not the whole viewport
    assert not region.intersects(visual_rect(0).adjusted(0, 0, 0, -2))
    assert drawn(view)[1] == ("葛\U000e0100城", "#00aa00", BACKGROUND_ALPHA, NoLine, "")
    painted.regions.clear()
    hl.set_focused_span("org")  # a focus change repaints just its block too
    qapp.processEvents()
    region = QRegion()
    for r in painted.regions:
        region += r
    assert visual_rect(0).adjusted(-2, -2, 2, 2).contains(region.boundingRect())
    assert not doc.isModified()
