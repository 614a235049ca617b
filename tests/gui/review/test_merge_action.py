"""Review > Merge Colleagues' Work…: the window merges through ``merge_work`` and its checks."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QFileDialog, QMessageBox
from review_work import WORK, colleague_project, new_project, where

from annotator.domain.labels import Label
from annotator.store import Project
from annotator.ui.main_window import MainWindow
from annotator.ui.review import install
from annotator.ui.session import Session
from annotator.ui.settings import AppSettings
from tests.unit.conftest import take_snapshot


@pytest.fixture
def main_path(tmp_path: Path) -> Path:
    return new_project(tmp_path / "main.annotator")


@pytest.fixture
def bob(tmp_path: Path) -> Path:
    (tmp_path / "bob").mkdir()
    return colleague_project(tmp_path / "bob", "bob")


@pytest.fixture
def window(qtbot, main_path: Path, tmp_path: Path) -> Iterator[MainWindow]:  # type: ignore[no-untyped-def]
    session = Session(Project.open(main_path), "rita")
    settings = AppSettings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    win = MainWindow(session, settings)
    qtbot.addWidget(win)
    install(win)
    win.show()
    yield win
    win.close()
    session.close()


def test_the_menu_merges_the_chosen_files(qtbot, window: MainWindow, bob: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []

    def choose(parent, title, folder, filters):  # type: ignore[no-untyped-def]
        asked.append(filters)
        return [str(bob)], ""

    monkeypatch.setattr(QFileDialog, "getOpenFileNames", choose)
    window.session.open_document(1)
    window.review.actions["review.merge"].trigger()
    assert asked and "*.annotator" in asked[0] and "*.jsonl" in asked[0]
    spans = window.session.project.spans()
    assert len(spans) == len(WORK["bob"]) and {s.annotator for s in spans} == {"bob"}
    assert len(window.session.index) == len(window.session.project.spans(1))  # the view saw it
    assert "Merged: 0 documents added" in window.statusBar().currentMessage()


def test_a_refusal_is_a_plain_text_message_and_nothing_is_merged(
        qtbot, window: MainWindow, bob: Path, main_path: Path) -> None:
    conn = sqlite3.connect(bob)
    conn.execute('UPDATE spans SET "end" = 99999, annotator = ? WHERE rowid = 1', ["<b>x</b>"])
    conn.commit()
    conn.close()
    before = take_snapshot(main_path)
    outcome = window.review.merge_work([str(bob)])
    assert outcome is not None and outcome.error
    box = window.findChild(QMessageBox, "errorMessage")
    assert box is not None and box.textFormat() == Qt.TextFormat.PlainText
    assert f"{bob}: document 'one.txt' (id 1): span " in box.text()
    assert "is out of bounds" in box.text() and "nothing was merged" in box.text()
    box.close()
    assert take_snapshot(main_path) == before


def test_merging_the_open_project_is_refused(qtbot, window: MainWindow, main_path: Path) -> None:
    before = take_snapshot(main_path)
    outcome = window.review.merge_work([str(main_path)])
    assert outcome is not None and "this is the project open here" in (outcome.error or "")
    window.findChild(QMessageBox, "errorMessage").close()
    assert take_snapshot(main_path) == before


@pytest.mark.parametrize("answer", [QMessageBox.StandardButton.Yes, QMessageBox.StandardButton.No])
def test_unknown_labels_are_added_only_when_the_user_agrees(
        qtbot, window: MainWindow, bob: Path, main_path: Path,
        monkeypatch: pytest.MonkeyPatch, answer: QMessageBox.StandardButton) -> None:
    with Project.open(bob) as project:
        project.add_label(Label("vessel", "#123456"), who="bob")
        span = project.add_span(2, *where("two.txt", "外務省"), "vessel", "bob")
    questions: list[str] = []

    def ask(parent, title, text, *args):  # type: ignore[no-untyped-def]
        questions.append(text)
        return answer

    monkeypatch.setattr(QMessageBox, "question", ask)
    before = take_snapshot(main_path)
    window.review.merge_work([str(bob)])
    assert len(questions) == 1
    shown = QTextDocument()
    shown.setHtml(questions[0])  # the box gets markup that shows the names literally
    asked = shown.toPlainText()
    assert "'vessel'" in asked and "uses 1 label this" in asked and "Add it to" in asked
    if answer == QMessageBox.StandardButton.Yes:
        assert window.session.project.span(span.id).label == "vessel"
        assert "vessel" in {label.name for label in window.session.labels}
    else:
        assert take_snapshot(main_path) == before
        assert "nothing was merged" in window.statusBar().currentMessage()


def test_an_open_review_window_follows_a_merge_into_another_document(
        qtbot, window: MainWindow, bob: Path, main_path: Path) -> None:
    from annotator.ui.review import ReviewWindow

    session = window.session
    session.open_document(1)  # the main window shows one.txt; the review window two.txt
    review = ReviewWindow(window.review.context, 2, parent=window)
    qtbot.addWidget(review)
    review.show()
    qtbot.waitExposed(review)
    reported: list[tuple[int, frozenset[str]]] = []
    session.spansChangedIn.connect(lambda doc, ids: reported.append((doc, ids)))
    assert review.annotator_list.findItems("bob", Qt.MatchFlag.MatchExactly) == []
    window.review.merge_work([str(bob)])
    with Project.open(main_path) as project:  # the project file holds bob's work on two.txt
        stored = {s.id for s in project.spans(2) if s.annotator == "bob"}
    assert len(stored) == sum(1 for doc, *_ in WORK["bob"] if doc == "two.txt")
    assert (2, frozenset(stored)) in reported  # every document's spans, not only the shown one
    qtbot.waitUntil(lambda: bool(review.annotator_list.findItems(
        "bob", Qt.MatchFlag.MatchExactly)), timeout=1000)
    [item] = review.annotator_list.findItems("bob", Qt.MatchFlag.MatchExactly)
    assert item.checkState() == Qt.CheckState.Unchecked  # new to the document: listed, unchecked
    assert review.document_id == 2
    review.close()
