"""``SpanHighlighter.update_colors``: a label added to the set redraws nothing, a colour
changed or a label gone redraws everything (what the window does when labels change elsewhere)."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QTextDocument

from annotator.domain.offsets import Utf16Map
from annotator.domain.span_index import SpanIndex
from annotator.ui.highlighter import SpanHighlighter

TEXT = "😀一行目の文。\n二行目の𠮷文。\n三行目"


@dataclass(frozen=True)
class S:
    id: str
    start: int
    end: int
    label: str


class Counting(SpanHighlighter):
    blocks = 0

    def highlightBlock(self, text: str) -> None:  # noqa: N802 (Qt override)
        Counting.blocks += 1
        super().highlightBlock(text)


def background(doc: QTextDocument, block: int) -> str:
    [fmt] = doc.findBlockByNumber(block).layout().formats()
    return fmt.format.background().color().name()


def test_update_colors_redraws_only_when_a_drawn_colour_changes(qapp) -> None:
    doc = QTextDocument()
    doc.setPlainText(TEXT)
    index = SpanIndex(TEXT, [S("a", 1, 3, "ORG"), S("b", 9, 11, "LOC")])
    hl = Counting(doc, index, Utf16Map(TEXT), {"ORG": "#ff8800", "LOC": "#0088ff"})
    assert background(doc, 0) == "#ff8800"
    Counting.blocks = 0
    hl.update_colors({"ORG": "#ff8800", "LOC": "#0088ff", "NEW": "#123456"})
    assert Counting.blocks == 0 and hl.color_of("NEW") == "#123456"
    hl.update_colors({"ORG": "#00aa00", "LOC": "#0088ff", "NEW": "#123456"})
    assert Counting.blocks == 3 and background(doc, 0) == "#00aa00"
    Counting.blocks = 0
    hl.update_colors({"ORG": "#00aa00", "NEW": "#123456"})  # LOC gone: drawn grey now
    assert Counting.blocks == 3 and background(doc, 1) == hl.color_of("LOC")
    hl.setDocument(None)
