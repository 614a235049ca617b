"""Number values in the window: every numeric expression of the seed texts labelled by key gets
its value (unit, approximate/bound markers) in the same undo step; corrected by hand; undone."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from annotator.services.japanese import find_numbers
from reading_fixtures import point_at, stored, type_text


def test_every_seed_number_labelled_by_key_gets_its_value(qtbot, aids_window, seed_project: Path) -> None:  # type: ignore[no-untyped-def]
    window, aids = aids_window
    session = window.session
    for doc in list(session.documents)[:2]:  # the astral copies of both seed texts
        window.open_document(doc.id)
        text = session.text
        matches = find_numbers(text)
        assert len(matches) > 10
        for m in matches:
            window.view.select_cp(m.start, m.end)
            qtbot.keyClick(window.view, "4")  # the number label's key
        spans = {(s.start, s.end): s for s in stored(seed_project, document_id=doc.id)}
        assert len(spans) == len(matches)
        for m in matches:
            span = spans[(m.start, m.end)]
            assert span.label == "number" and text[span.start:span.end] == m.text
            v = span.value
            assert v is not None and v["manual"] is False
            assert (v["kind"], v["value"], v["unit"], v["approx"], v["bound"], v["iso"], v["low"], v["high"]) == (
                m.value.kind, m.value.value, m.value.unit, m.value.approx, m.value.bound, m.value.iso,
                m.value.low, m.value.high)
    by_text = {session.text[s.start:s.end]: s.value for s in session.index}
    assert by_text["約4,000人"]["value"] == 4000 and by_text["約4,000人"]["approx"] is True
    assert by_text["最大 3 万人"]["bound"] == "upper" and by_text["最大 3 万人"]["value"] == 30000
    assert by_text["1万人を超える"]["bound"] == "lower" and by_text["1万人を超える"]["inclusive"] is False
    # one undo removes the last span and its value together; redo brings both back
    last = max(session.index, key=lambda s: s.start)
    qtbot.keyClick(window.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert last.id not in {s.id for s in stored(seed_project)}
    qtbot.keyClick(window.view, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    assert next(s for s in stored(seed_project) if s.id == last.id).value == last.value


def _open_with(window, needle: str) -> None:  # type: ignore[no-untyped-def]
    session = window.session
    doc = next(d for d in session.documents if needle in session.project.text(d.id))
    window.open_document(doc.id)


def test_value_corrected_by_hand_then_undone(qtbot, aids_window, seed_project: Path) -> None:  # type: ignore[no-untyped-def]
    window, aids = aids_window
    session, panel = window.session, aids.numbers
    if not panel.isVisible():  # hidden on first run: open it as a user does (View menu)
        panel.toggleViewAction().trigger()
    _open_with(window, "約4,000人")
    text = session.text
    s = text.index("約4,000人")
    window.view.select_cp(s, s + 7)
    qtbot.keyClick(window.view, "4")
    span = session.focused_span()
    assert span is not None and span.value["value"] == 4000
    qtbot.mouseClick(window.view.viewport(), Qt.MouseButton.LeftButton, pos=point_at(window, s + 2))
    assert session.focused_span_id == span.id and panel.span is not None
    assert panel.value_edit.text() == "4000" and panel.unit_edit.text() == "人" and panel.approx_box.isChecked()
    panel.value_edit.selectAll()
    type_text(qtbot, panel.value_edit, "4500")
    panel.approx_box.setChecked(False)
    qtbot.mouseClick(panel.apply_button, Qt.MouseButton.LeftButton)
    (saved,) = stored(seed_project, document_id=session.document.id)
    assert saved.value["value"] == 4500 and saved.value["manual"] is True and saved.value["approx"] is False
    assert saved.value["unit"] == "人" and saved.value["markers"] == ["約"]
    assert "set by hand" in panel.caption.text()
    # a bad number is refused with a message, nothing stored
    panel.value_edit.selectAll()
    type_text(qtbot, panel.value_edit, "four")
    qtbot.mouseClick(panel.apply_button, Qt.MouseButton.LeftButton)
    assert "not a number" in panel.error.text()
    assert stored(seed_project, document_id=session.document.id)[0].value == saved.value
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    (back,) = stored(seed_project, document_id=session.document.id)
    assert back.value == span.value and panel.value_edit.text() == "4000"


def test_relabel_as_number_and_away(qtbot, aids_window, seed_project: Path) -> None:  # type: ignore[no-untyped-def]
    window, aids = aids_window
    session = window.session
    _open_with(window, "2400マイル")
    s = session.text.index("2400マイル")
    window.view.select_cp(s, s + 7)
    qtbot.keyClick(window.view, "2")  # actor
    window.view.select_cp(s, s)
    qtbot.keyClick(window.view, "4")  # relabel the focused span as number
    (span,) = stored(seed_project, document_id=session.document.id)
    assert span.label == "number" and span.value["value"] == 2400 and span.value["unit"] == "マイル"
    # resizing by key re-reads a value that was not set by hand
    qtbot.keyClick(window.view, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
    (span,) = stored(seed_project, document_id=session.document.id)
    assert session.text[span.start:span.end] == "2400マイ" and span.value["unit"] == "マイ"
    qtbot.keyClick(window.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(window.view, "3")  # relabel away: the value goes with the label
    (span,) = stored(seed_project, document_id=session.document.id)
    assert span.label == "weapon" and span.value is None
    qtbot.keyClick(window.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(window.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    (span,) = stored(seed_project, document_id=session.document.id)
    assert span.label == "actor" and span.value is None
