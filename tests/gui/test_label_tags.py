"""Label tags on the text: a tag at each span start (exact after 😀𠮷 and 𩸽), toggled from the
View menu (Ctrl+Shift+G, remembered), stacked underlines for overlaps (also two spans of the
same label), the focused span's outline, other layers' tags outlined; the document never
changes. Checked on the pixels of the real viewport."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from PySide6.QtCore import QRect, QRectF, QSettings, Qt
from PySide6.QtGui import QColor, QImage, QTextCursor

from annotator.store import Project
from annotator.ui.label_tags import underline_rows
from annotator.ui.line_room import LineRoom
from annotator.ui.main_window import MainWindow
from annotator.ui.session import Session
from annotator.ui.settings import AppSettings

from tests.gui.conftest import TEXT, WHO, cp_of

COLLEAGUE = "hana"


@pytest.fixture
def project_path(project_path: Path) -> Path:
    """The astral text with a colleague's span on ロシア軍 (after 𩸽 and 😀)."""
    with Project.open(project_path) as project:
        start, end = cp_of(TEXT, "ロシア軍")
        project.add_span(1, start, end, "actor", COLLEAGUE)
    return project_path


def _grab(window: MainWindow) -> QImage:
    return window.view.viewport().grab().toImage()


def _cursor_rect(window: MainWindow, cp: int) -> QRect:
    cursor = QTextCursor(window.view.document())
    cursor.setPosition(window.view.offsets.to_utf16(cp))
    return window.view.cursorRect(cursor)


def _tinted(color: str, alpha: int = 200, under: QColor | None = None) -> QColor:
    """``color`` at ``alpha`` over ``under`` (white)."""
    c, u = QColor(color), under or QColor("#ffffff")
    a = alpha / 255
    return QColor(*(round(getattr(c, ch)() * a + getattr(u, ch)() * (1 - a))
                    for ch in ("red", "green", "blue")))


def _close(a: QColor, b: QColor, tolerance: int = 14) -> bool:
    return max(abs(a.red() - b.red()), abs(a.green() - b.green()),
               abs(a.blue() - b.blue())) <= tolerance


def _pixels(image: QImage, rect: QRectF) -> list[QColor]:
    r = rect.toRect()
    return [image.pixelColor(x, y) for x in range(r.left(), r.right() + 1)
            for y in range(r.top(), r.bottom() + 1)
            if 0 <= x < image.width() and 0 <= y < image.height()]


@contextmanager
def _same_room(window: MainWindow) -> Iterator[None]:
    """While inside, the lines keep the room the tags have, with the tags on or off (so the
    text is laid out and drawn the same: only the tags' own pixels differ)."""
    room = LineRoom.of(window.view)
    room.request("probe", room.requested("tags"))
    try:
        yield
    finally:
        room.request("probe", 0)


def _chip_is(window: MainWindow, rect: QRectF, color: str, alpha: int = 200) -> bool:
    """The pixels of ``rect`` are ``color`` at ``alpha`` over what is there without tags."""
    tags = window.editor.tags
    on = _pixels(_grab(window), rect)
    with _same_room(window):
        tags.set_enabled(False)
        window.view.viewport().repaint()
        off = _pixels(_grab(window), rect)
        tags.set_enabled(True)
    window.view.viewport().repaint()
    return bool(on) and all(_close(a, _tinted(color, alpha, b)) for a, b in zip(on, off, strict=True))


def _drawn(window: MainWindow, kind: str, span_id: str) -> list[QRectF]:
    return [rect for k, sid, rect in window.editor.tags.drawn if k == kind and sid == span_id]


def _painted(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    window.view.viewport().repaint()
    qtbot.wait(1)


def _doc_state(window: MainWindow) -> tuple[object, ...]:
    view, doc = window.view, window.view.document()
    return (view.canonical_text, doc.toPlainText(), doc.revision(), doc.isModified(),
            doc.characterCount(), doc.blockCount(), view.selection_cp(),
            view.textCursor().selectionStart(), view.textCursor().selectionEnd(),
            doc.isUndoAvailable())


def test_tags_start_at_the_span_start_after_astral_characters(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    session = window.session
    colors = session.colors()
    start, end = cp_of(TEXT, "野家")  # after 😀𠮷 (4 UTF-16 units, 2 code points)
    span = session.create_span(start, end, "claim")
    assert span is not None
    session.focus_span(None)
    line3 = session.index.spans_at(cp_of(TEXT, "ロシア軍")[0])[0]
    assert line3.annotator == COLLEAGUE
    assert window.editor.tags.enabled and window.actions_registry.action("view.label_tags").isChecked()
    room = LineRoom.of(window.view)
    assert room.band("tags")[1] >= 8
    _painted(qtbot, window)
    for sp in (span, line3):
        rect = _cursor_rect(window, sp.start)
        (tag,) = _drawn(window, "tag", sp.id)
        # the tag's left edge is the span start's caret; it stands in the room above the
        # line's glyphs, inside the line (the caret's height)
        assert abs(tag.left() - rect.left()) <= 1.5, (sp, tag, rect)
        assert rect.top() <= tag.top() < tag.bottom() <= rect.top() + room.room(), (tag, rect)
        inside = QRectF(tag.left() + 1, tag.top() + 1, 2, 1)
        if sp.annotator == WHO:  # my span: a chip filled in the label colour
            assert _chip_is(window, inside, colors[sp.label]), sp
        else:  # a colleague's: an outlined chip on the text's background
            assert _chip_is(window, inside, window.view.palette().base().color().name(), 235), sp
    # on the first line the tag is whole
    (tag,) = _drawn(window, "tag", span.id)
    assert tag.top() >= 0


def test_toggle_hides_tags_and_is_remembered(qtbot, window: MainWindow,  # type: ignore[no-untyped-def]
                                             settings: AppSettings, project_path: Path) -> None:
    session = window.session
    start, end = cp_of(TEXT, "プーチン")
    span = session.create_span(start, end, "actor")
    session.focus_span(None)
    _painted(qtbot, window)
    (tag,) = _drawn(window, "tag", span.id)
    probe = QRectF(tag.left() + 1, tag.top() + 1, 2, 1)
    assert _chip_is(window, probe, session.colors()["actor"])
    tinted = _pixels(_grab(window), probe)
    before = _doc_state(window)
    qtbot.keyClick(window.view, Qt.Key.Key_G,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    action = window.actions_registry.action("view.label_tags")
    assert not action.isChecked() and not window.editor.tags.enabled
    _painted(qtbot, window)
    assert window.editor.tags.drawn == []
    assert not any(_close(a, b) for a, b in zip(_pixels(_grab(window), probe), tinted, strict=True))
    assert _doc_state(window) == before
    assert settings.label_tags is False
    assert AppSettings(QSettings(settings.qsettings.fileName(),
                                 QSettings.Format.IniFormat)).label_tags is False  # on disk
    # a new window with the same settings starts with the tags off; the menu turns them on
    other = MainWindow(Session(Project.open(project_path), WHO), settings)
    qtbot.addWidget(other)
    try:
        assert not other.editor.tags.enabled
        assert not other.actions_registry.action("view.label_tags").isChecked()
        view_menu = other.menus["View"]
        assert other.actions_registry.action("view.label_tags") in view_menu.actions()
        other.actions_registry.action("view.label_tags").trigger()
        assert other.editor.tags.enabled
        assert settings.label_tags is True
    finally:
        other.close()
        other.session.close()


def test_same_label_overlaps_get_two_underline_rows(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    session = window.session
    color = session.colors()["claim"]
    a0, _ = cp_of(TEXT, "金正恩氏は砲弾")
    first = session.create_span(a0, a0 + 7, "claim")     # 金正恩氏は砲弾
    second = session.create_span(a0 + 3, a0 + 12, "claim")  # 氏は砲弾を提供した
    alone_start, alone_end = cp_of(TEXT, "北朝鮮")
    alone = session.create_span(alone_start, alone_end, "claim")
    session.focus_span(None)
    _painted(qtbot, window)
    image = _grab(window)
    (row_a,) = _drawn(window, "underline", first.id)
    (row_b,) = _drawn(window, "underline", second.id)
    assert row_b.center().y() - row_a.center().y() >= 2  # two rows, the later span lower
    # both rows are drawn in the label colour where the spans overlap
    x = round((_cursor_rect(window, a0 + 4).left() + _cursor_rect(window, a0 + 6).left()) / 2)
    for row in (row_a, row_b):
        y = int(row.center().y())
        assert any(_close(image.pixelColor(x, yy), QColor(color), 30) for yy in (y - 1, y, y + 1)), row
    # a span overlapping nothing has no underline row (its background is enough)
    assert _drawn(window, "underline", alone.id) == []
    assert underline_rows([first, second, alone]) == {first.id: 0, second.id: 1}


def test_nested_spans_and_a_colleagues_overlap_get_rows(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    session = window.session
    start, end = cp_of(TEXT, "ロシア軍はドローン")
    outer = session.create_span(start, end, "claim")
    colleague = session.index.spans_at(start)
    colleague = next(sp for sp in colleague if sp.annotator == COLLEAGUE)
    session.focus_span(None)
    _painted(qtbot, window)
    (row_outer,) = _drawn(window, "underline", outer.id)
    (row_inner,) = _drawn(window, "underline", colleague.id)
    assert row_inner.top() > row_outer.top()
    assert row_inner.width() < row_outer.width()


def test_focused_span_has_an_outline_and_a_marked_tag(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    session = window.session
    start, end = cp_of(TEXT, "ドローン5機")
    span = session.create_span(start, end, "weapon")
    session.focus_span(None)
    _painted(qtbot, window)
    (plain_tag,) = _drawn(window, "tag", span.id)
    assert _drawn(window, "focus", span.id) == []
    session.focus_span(span.id)
    _painted(qtbot, window)
    (box,) = _drawn(window, "focus", span.id)
    (marked_tag,) = _drawn(window, "tag", span.id)
    assert marked_tag == plain_tag  # drawn over its unfocused twin, as wide
    first, last = _cursor_rect(window, start), _cursor_rect(window, end)
    assert abs(box.left() - first.left()) <= 2 and abs(box.right() - last.left()) <= 2
    ink = window.view.palette().text().color()
    image = _grab(window)
    edge = QRectF(box.left(), box.center().y() - 2, 0, 4)  # the outline's left side
    assert all(_close(p, ink, 40) for p in _pixels(image, edge)), [p.name() for p in _pixels(image, edge)]
    # the focused tag's border is in the text colour too (a plain tag's is the label's)
    corner = QRectF(marked_tag.left() + 3, marked_tag.top(), 3, 0)
    assert all(_close(p, ink, 60) for p in _pixels(image, corner)), [p.name() for p in _pixels(image, corner)]
    session.focus_span(None)
    _painted(qtbot, window)
    assert _drawn(window, "focus", span.id) == []


def test_moving_the_focus_works_out_no_line_again(qtbot, window: MainWindow, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The focus is drawn over the lines' drawings and shown by a layer of the text view:
    moving it between spans on two lines highlights and lays out neither line again, and the
    focused span is still drawn opaque in its label's colour."""
    from annotator.ui.label_tags import LabelTagOverlay

    session = window.session
    first = session.create_span(*cp_of(TEXT, "プーチン"), "actor")
    second = session.create_span(*cp_of(TEXT, "ドローン"), "weapon")
    session.focus_span(None)
    _painted(qtbot, window)
    worked: list[str] = []
    layout_block = LabelTagOverlay._layout_block
    monkeypatch.setattr(LabelTagOverlay, "_layout_block",
                        lambda self, *a: worked.append("tags") or layout_block(self, *a))
    # the highlighter announces each block it highlighted again (its formats changed)
    window.view.document().documentLayout().updateBlock.connect(
        lambda _block: worked.append("formats"))
    colors = session.colors()
    for span in (first, second, first):
        session.focus_span(span.id)
        _painted(qtbot, window)
        (box,) = _drawn(window, "focus", span.id)
        image = _grab(window)
        inside = QRectF(box.left() + 4, box.center().y(), 2, 0)
        assert all(_close(p, QColor(colors[span.label]), 10) for p in _pixels(image, inside))
    session.create_span(*cp_of(TEXT, "砲弾"), "weapon")  # an edit does work its line out
    _painted(qtbot, window)
    assert worked and set(worked) == {"tags", "formats"}
    del worked[:]
    session.focus_span(second.id)
    _painted(qtbot, window)
    assert worked == []


def test_the_document_never_changes(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    session = window.session
    for needle, label in (("プーチン", "actor"), ("北朝鮮を訪問", "claim"), ("北朝鮮", "source")):
        s, e = cp_of(TEXT, needle)
        session.create_span(s, e, label)
    window.view.select_cp(3, 9)
    _painted(qtbot, window)
    before = _doc_state(window)
    action = window.actions_registry.action("view.label_tags")
    for _ in range(3):
        action.trigger()
        _painted(qtbot, window)
        window.view.verticalScrollBar().setValue(window.view.verticalScrollBar().maximum())
        _painted(qtbot, window)
        window.view.verticalScrollBar().setValue(0)
    assert _doc_state(window) == before
    assert window.view.canonical_text == session.project.text(session.document.id)
    assert window.view.document().toPlainText() == TEXT


@pytest.fixture
def many(window: MainWindow) -> Iterator[MainWindow]:
    """A longer text scrolled half way: only the visible lines get tags."""
    session = window.session
    doc, _ = session.project.add_document("long.txt", "\n".join(
        f"{i:04d} 😀𠮷 北朝鮮を訪問した。" for i in range(400)), who=WHO)
    window.open_document(doc.id)
    text = session.text
    for i in range(0, 400, 2):
        k = text.index(f"{i:04d}")
        session.create_span(k + 8, k + 11, "actor")
    yield window


def test_only_visible_lines_are_drawn(qtbot, many: MainWindow) -> None:  # type: ignore[no-untyped-def]
    window = many
    bar = window.view.verticalScrollBar()
    bar.setValue(bar.maximum() // 2)
    _painted(qtbot, window)
    tags = [sid for kind, sid, _r in window.editor.tags.drawn if kind == "tag"]
    assert 0 < len(tags) < 60
    height = window.view.viewport().height()
    assert all(-20 < r.top() < height + 20 for _k, _s, r in window.editor.tags.drawn)


def test_tags_follow_relabel_nudge_delete_and_recolour(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    session = window.session
    start, end = cp_of(TEXT, "金正恩")
    span = session.create_span(start, end, "actor")
    session.focus_span(None)
    _painted(qtbot, window)
    (tag,) = _drawn(window, "tag", span.id)
    probe = QRectF(tag.left() + 1, tag.top() + 1, 2, 1)
    assert _chip_is(window, probe, session.colors()["actor"])
    session.update_span(span.id, "Relabel", label="weapon")
    _painted(qtbot, window)
    assert _chip_is(window, probe, session.colors()["weapon"])
    session.update_span(span.id, "Resize", start=start + 1, end=end)
    _painted(qtbot, window)
    (moved,) = _drawn(window, "tag", span.id)
    assert abs(moved.left() - _cursor_rect(window, start + 1).left()) <= 1.5
    with Project.open(session.project.path) as elsewhere:  # recoloured by another window
        elsewhere.update_label("weapon", color="#1f77b4", who=COLLEAGUE)
    session.sync()
    _painted(qtbot, window)
    probe = QRectF(moved.left() + 1, moved.top() + 1, 2, 1)
    assert _chip_is(window, probe, "#1f77b4")
    session.delete_span(span.id)
    _painted(qtbot, window)
    assert _drawn(window, "tag", span.id) == []


def test_a_hidden_layer_has_no_tags(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    session = window.session
    (colleague,) = [sp for sp in session.index if sp.annotator == COLLEAGUE]
    _painted(qtbot, window)
    assert _drawn(window, "tag", colleague.id)
    assert session.set_layer_visible(COLLEAGUE, False)
    _painted(qtbot, window)
    assert _drawn(window, "tag", colleague.id) == []
    assert session.set_layer_visible(COLLEAGUE, True)
    _painted(qtbot, window)
    (tag,) = _drawn(window, "tag", colleague.id)
    assert abs(tag.left() - _cursor_rect(window, colleague.start).left()) <= 1.5


def test_agreeing_layers_share_one_tag(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    session = window.session
    (colleague,) = [sp for sp in session.index if sp.annotator == COLLEAGUE]
    _painted(qtbot, window)
    (alone,) = _drawn(window, "tag", colleague.id)
    mine = session.create_span(colleague.start, colleague.end, colleague.label)  # I agree
    session.focus_span(None)
    _painted(qtbot, window)
    (my_tag,) = _drawn(window, "tag", mine.id)
    (stub,) = _drawn(window, "tag", colleague.id)
    assert abs(my_tag.left() - _cursor_rect(window, mine.start).left()) <= 1.5
    assert stub.left() > my_tag.right() and stub.width() < alone.width() / 3
    # focusing the colleague's span gives it its full tag again
    session.focus_span(colleague.id)
    _painted(qtbot, window)
    (full,) = _drawn(window, "tag", colleague.id)
    assert full.width() >= alone.width()


# -- room above the lines: a tag never covers the line above ----------------------------------

DENSE = "\n".join(
    f"{i:02d}北朝鮮はロシア軍にドローンと砲弾を提供したと国営通信社が報じた。"
    f"金正恩氏は軍需工場を視察し、ミサイル100発の増産を指示した。"
    f"国営通信社によると、北朝鮮は砲弾の輸出を続けている。" for i in range(30))


def _glyph_rects(view, block) -> list[tuple[int, QRectF]]:  # type: ignore[no-untyped-def]
    """(line number in the block, ink rectangle in viewport coordinates) of every glyph."""
    geo = view.blockBoundingGeometry(block).translated(view.contentOffset())
    layout = block.layout()
    out = []
    for i in range(layout.lineCount()):
        line = layout.lineAt(i)
        for run in layout.glyphRuns(line.textStart(), line.textLength()):
            raw = run.rawFont()
            for glyph, at in zip(run.glyphIndexes(), run.positions(), strict=True):
                ink = raw.boundingRect(glyph)
                if ink.isEmpty():
                    continue
                out.append((i, ink.translated(at).translated(geo.topLeft())))
    return out


@pytest.mark.parametrize("size", [(1280, 800), (1920, 1080)])
@pytest.mark.parametrize("furigana", [False, True], ids=["plain", "furigana"])
def test_a_tag_never_covers_a_glyph_of_the_line_above(qtbot, window: MainWindow, size,  # type: ignore[no-untyped-def]
                                                      furigana: bool) -> None:
    """Dense tags on wrapped lines: no chip intersects the ink of any glyph (the line above
    and its own line), no chip covers a reading, and the pixels of every glyph are the same
    with the tags on and off (the lines keeping the same room)."""
    session, view = window.session, window.view
    window.resize(*size)
    doc, _ = session.project.add_document("dense.txt", DENSE, who=WHO)
    window.open_document(doc.id)
    aids = None
    if furigana:
        from annotator.ui.reading import install
        aids = install(window)
        aids.actions["reading.furigana"].trigger()
    text = session.text
    labels = ["actor", "claim", "weapon", "source"]
    k = 0
    for i, word in enumerate(("北朝鮮", "ロシア軍", "ドローン", "砲弾", "国営通信社", "金正恩",
                              "軍需工場", "ミサイル100発", "増産")):
        start = text.find(word)
        while start >= 0:  # one span per occurrence: nothing overlaps, so no underline rows
            session.create_span(start, start + len(word), labels[(i + k) % len(labels)])
            k += 1
            start = text.find(word, start + len(word))
    session.focus_span(None)
    view.verticalScrollBar().setValue(view.verticalScrollBar().maximum() // 2)
    qtbot.waitUntil(lambda: view.viewport().width() > 600)
    _painted(qtbot, window)
    if aids is not None:
        qtbot.waitUntil(lambda: bool(aids.furigana.drawn))
    chips = [r for kind, _s, r in window.editor.tags.drawn if kind == "tag"]
    assert len(chips) > 40
    room = LineRoom.of(view)
    top, height = room.band("tags")
    assert height >= max(c.height() for c in chips)
    glyphs: list[QRectF] = []
    block = view.firstVisibleBlock()
    wrapped = 0
    while block.isValid() and view.blockBoundingGeometry(block).translated(
            view.contentOffset()).top() < view.viewport().height():
        wrapped += block.layout().lineCount() > 1
        glyphs += [r for _i, r in _glyph_rects(view, block)]
        block = block.next()
    assert wrapped and len(glyphs) > 300
    covered = [(c, g) for c in chips for g in glyphs if c.intersects(g)]
    assert covered == [], covered[:3]
    if aids is not None:
        readings = aids.furigana.drawn_rects
        assert readings
        assert [(c, r) for c in chips for r in readings if c.intersects(r)] == []
    # the pixels: every glyph is drawn the same with and without the tags; the chips differ
    on = _grab(window)
    with _same_room(window):
        window.editor.tags.set_enabled(False)
        view.viewport().repaint()
        off = _grab(window)
        window.editor.tags.set_enabled(True)
    view.viewport().repaint()
    inner = [g.adjusted(1, 1, -1, -1) for g in glyphs]
    changed = [g for g in inner if _pixels(on, g) != _pixels(off, g)]
    assert changed == [], changed[:3]
    assert sum(_pixels(on, c.adjusted(1, 1, -1, -1)) != _pixels(off, c.adjusted(1, 1, -1, -1))
               for c in chips) >= len(chips) * 0.9


def test_the_tag_setting_is_a_typed_setting_that_persists(tmp_path: Path) -> None:
    path = str(tmp_path / "typed.ini")
    settings = AppSettings(QSettings(path, QSettings.Format.IniFormat))
    assert settings.label_tags is True  # on by default
    settings.label_tags = False
    again = AppSettings(QSettings(path, QSettings.Format.IniFormat))
    assert again.label_tags is False
    again.label_tags = True
    assert AppSettings(QSettings(path, QSettings.Format.IniFormat)).label_tags is True


def test_the_next_pages_are_prepared_while_idle(qtbot, many: MainWindow) -> None:  # type: ignore[no-untyped-def]
    """After a paint the event loop prepares the tags of the page below and the page above;
    paging down then draws those lines as prepared, each tag at its span start."""
    window = many
    tags, view = window.editor.tags, window.view
    view.verticalScrollBar().setValue(view.verticalScrollBar().maximum() // 2)
    _painted(qtbot, window)
    first = view.firstVisibleBlock().blockNumber()
    last = view.cursorForPosition(view.viewport().rect().bottomLeft()).blockNumber()
    qtbot.waitUntil(lambda: tags.pending == 0)
    assert all(tags.is_prepared(n) for n in range(last + 1, last + 1 + (last - first)))
    assert all(tags.is_prepared(n) for n in range(max(0, first - (last - first)), first))
    qtbot.keyClick(view, Qt.Key.Key_PageDown)
    _painted(qtbot, window)
    shown = [sid for kind, sid, _r in tags.drawn if kind == "tag"]
    assert shown
    for kind, sid, rect in tags.drawn:
        if kind == "tag":
            span = window.session.index.get(sid)
            assert abs(rect.left() - _cursor_rect(window, span.start).left()) <= 1.5
