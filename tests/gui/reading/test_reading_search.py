"""Search by reading in the window: romaji queries, jump across documents, label all as one
undo step (the project file agrees), and aliases edited in the window."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from annotator.store import Project
from reading_fixtures import occurrences, seed_texts, stored, type_text


def _search(qtbot, aids, query: str):  # type: ignore[no-untyped-def]
    if not aids.search.isVisible():  # hidden on first run: open it as a user does
        qtbot.keyClick(aids.search.parentWidget(), Qt.Key.Key_F,
                       Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
        qtbot.waitUntil(aids.search.isVisible)
    edit = aids.search.query_edit
    edit.clear()
    type_text(qtbot, edit, query)
    with qtbot.waitSignal(aids.search.searched):
        qtbot.keyClick(edit, Qt.Key.Key_Return)
    return list(aids.search.model.hits)


@pytest.mark.parametrize(("queries", "word"), [
    (("puchin",), "プーチン"), (("kitachosen", "kitachousen"), "北朝鮮"), (("roshia",), "ロシア"),
])
def test_romaji_finds_every_occurrence_exactly(qtbot, aids_window, queries, word) -> None:  # type: ignore[no-untyped-def]
    window, aids = aids_window
    texts = {d.id: window.session.project.text(d.id) for d in window.session.documents}
    for query in queries:
        hits = _search(qtbot, aids, query)
        for doc_id, text in texts.items():
            assert [(h.start, h.end) for h in hits if h.document == doc_id] == occurrences(text, word)
        assert all(texts[h.document][h.start:h.end] == h.text == word for h in hits)
        assert {h.document for h in hits} == set(texts)


def test_click_jumps_to_the_hit_in_another_document(qtbot, aids_window) -> None:  # type: ignore[no-untyped-def]
    window, aids = aids_window
    hits = _search(qtbot, aids, "kitachousen")
    first_doc = window.session.document.id
    row = next(i for i, h in enumerate(hits) if h.document != first_doc)
    table = aids.search.table
    table.scrollTo(aids.search.model.index(row, 2))
    rect = table.visualRect(aids.search.model.index(row, 2))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    hit = hits[row]
    assert window.session.document.id == hit.document
    assert window.view.selection_cp() == (hit.start, hit.end)
    assert window.session.text[hit.start:hit.end] == "北朝鮮"


def test_label_all_hits_is_one_undo_step(qtbot, aids_window, seed_project: Path) -> None:  # type: ignore[no-untyped-def]
    window, aids = aids_window
    hits = _search(qtbot, aids, "puchin")
    aids.search.label_box.setCurrentText("actor")
    qtbot.mouseClick(aids.search.label_all_button, Qt.MouseButton.LeftButton)
    spans = stored(seed_project, labels=["actor"])
    assert sorted((s.document_id, s.start, s.end) for s in spans) == sorted((h.document, h.start, h.end) for h in hits)
    with Project.open(seed_project) as project:
        assert all(project.text(s.document_id)[s.start:s.end] == "プーチン" for s in spans)
        assert {d.status for d in project.documents()} == {"in progress"}
    current = window.session.document.id
    assert len(window.session.index) == sum(1 for h in hits if h.document == current)
    # a second "label all" creates nothing (exact duplicates are skipped)
    qtbot.mouseClick(aids.search.label_all_button, Qt.MouseButton.LeftButton)
    assert len(stored(seed_project, labels=["actor"])) == len(hits)
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert stored(seed_project) == []
    assert len(window.session.index) == 0
    with Project.open(seed_project) as project:
        assert {d.status for d in project.documents()} == {"new"}
    qtbot.keyClick(window.view, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    assert sorted((s.start, s.end) for s in stored(seed_project)) == sorted((h.start, h.end) for h in hits)


def test_label_selected_hits(qtbot, aids_window, seed_project: Path) -> None:  # type: ignore[no-untyped-def]
    window, aids = aids_window
    hits = _search(qtbot, aids, "roshia")
    table = aids.search.table
    table.selectRow(0)
    aids.search.label_box.setCurrentText("actor")
    qtbot.mouseClick(aids.search.label_selected_button, Qt.MouseButton.LeftButton)
    assert [(s.start, s.end) for s in stored(seed_project)] == [(hits[0].start, hits[0].end)]


def test_aliases_edited_in_the_window_are_stored_and_used(qtbot, aids_window, seed_project: Path) -> None:  # type: ignore[no-untyped-def]
    window, aids = aids_window
    assert not any(h.text == "金正恩" for h in _search(qtbot, aids, "Kim Jong Un"))
    qtbot.mouseClick(aids.search.alias_button, Qt.MouseButton.LeftButton)
    editor = aids.alias_editor
    assert editor is not None and editor.isVisible()
    for term, surface in (("Putin", "プーチン"), ("Kim Jong Un", "金正恩")):
        type_text(qtbot, editor.term_edit, term)
        type_text(qtbot, editor.surface_edit, surface)
        qtbot.mouseClick(editor.add_button, Qt.MouseButton.LeftButton)
    assert editor.table.rowCount() == 2
    with Project.open(seed_project) as project:
        assert project.aliases() == {"Putin": ["プーチン"], "Kim Jong Un": ["金正恩"]}
    texts = seed_texts()
    kim = _search(qtbot, aids, "kim jong un")
    expected = sum(len(occurrences(t, "金正恩")) for t in texts.values())
    assert sum(1 for h in kim if h.text == "金正恩") == expected
    putin = _search(qtbot, aids, "Putin")
    assert {h.text for h in putin} == {"プーチン"}
    editor.table.selectRow(1)
    qtbot.mouseClick(editor.remove_button, Qt.MouseButton.LeftButton)
    with Project.open(seed_project) as project:
        assert project.aliases() == {"Putin": ["プーチン"]}
    editor.close()
