"""The "Spans here" panel: innermost first, my layer before a colleague's at the same place."""

from __future__ import annotations

from PySide6.QtCore import Qt

from annotator.store import Project
from tests.gui.conftest import TEXT, WHO, cp_of, stored_spans


def test_spans_here_lists_innermost_first_and_my_layer_first(qtbot, window, project_path):
    session, view = window.session, window.view
    view.select_cp(*cp_of(TEXT, "プーチン氏は北朝鮮"))
    qtbot.keyClick(view, Qt.Key.Key_1)  # claim
    view.select_cp(*cp_of(TEXT, "北朝鮮を"))
    qtbot.keyClick(view, Qt.Key.Key_2)  # actor
    with Project.open(project_path) as elsewhere:  # hana's 北朝鮮 and 北朝, written elsewhere
        hana = elsewhere.add_span(1, *cp_of(TEXT, "北朝鮮を"), "actor", "hana")
        hana_inner = elsewhere.add_span(1, *cp_of(TEXT, "北朝"), "actor", "hana")
    session.sync()
    before = stored_spans(project_path)
    mine = {(s.start, s.end): s.id for s in before if s.annotator == WHO}
    here = window.spans_here
    here.set_position(cp_of(TEXT, "北朝")[0] + 1)
    assert here.span_ids() == [hana_inner.id, mine[cp_of(TEXT, "北朝鮮を")], hana.id,
                               mine[cp_of(TEXT, "プーチン氏は北朝鮮")]]
    assert here.item(2).text().endswith("\nhana")
    # A click on a row focuses that span; nothing is written.
    item = here.item(2)
    qtbot.mouseClick(here.viewport(), Qt.MouseButton.LeftButton,
                     pos=here.visualItemRect(item).center())
    assert session.focused_span_id == hana.id
    assert stored_spans(project_path) == before


def test_spans_here_follows_spans_added_and_removed_at_its_position(qtbot, window, project_path):
    """A span added or removed where the panel looks (here by another program) shows in the
    list once the event loop has run; a change elsewhere in the text leaves it alone."""
    session = window.session
    here = window.spans_here
    start, end = cp_of(TEXT, "北朝鮮を")
    here.set_position(start + 1)
    assert here.span_ids() == []
    with Project.open(project_path) as elsewhere:
        hana = elsewhere.add_span(1, start, end, "actor", "hana")
        far = elsewhere.add_span(1, *cp_of(TEXT, "プーチン"), "actor", "hana")
    session.sync()
    qtbot.waitUntil(lambda: here.span_ids() == [hana.id], timeout=2000)
    with Project.open(project_path) as elsewhere:
        elsewhere.delete_span(hana.id, who="hana")
        elsewhere.delete_span(far.id, who="hana")
    session.sync()
    qtbot.waitUntil(lambda: here.span_ids() == [], timeout=2000)
