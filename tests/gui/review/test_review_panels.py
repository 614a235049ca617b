"""The agreement and consistency windows, and the Review menu of the main window."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from review_work import where

from annotator.cli import main
from annotator.store import Project
from annotator.ui.review import (
    AgreementWindow,
    ConsistencyWindow,
    ReviewContext,
    ReviewWindow,
    install,
)
from annotator.ui.review.agreement_panel import COLUMNS


def _json_row(figures: dict) -> list:
    return [figures["exact"]["precision"], figures["exact"]["recall"], figures["exact"]["f1"],
            figures["overlap"]["precision"], figures["overlap"]["recall"],
            figures["overlap"]["f1"], figures["cohen_kappa"], figures["krippendorff_alpha"]]


@pytest.mark.parametrize("annotators", [["alice", "bob"], ["bob", "alice", "carol"]])
def test_the_agreement_table_equals_annotator_agree(
        qtbot, merged: Project, merged_path: Path, capsys: pytest.CaptureFixture[str],
        annotators: list[str]) -> None:
    window = AgreementWindow(ReviewContext(merged, "rita"))
    qtbot.addWidget(window)
    window.show()
    window.set_annotators(annotators)
    assert window.annotators() == annotators
    qtbot.mouseClick(window.compute_button, Qt.MouseButton.LeftButton)

    assert main(["agree", "--db", str(merged_path), "--annotators", *annotators, "--json"]) == 0
    cli = json.loads(capsys.readouterr().out)
    expected = {("overall", None): _json_row(cli["overall"])}
    expected.update({("label", k): _json_row(f) for k, f in cli["per_label"].items()})
    expected.update({("document", k): _json_row(f) for k, f in cli["per_document"].items()})
    shown = {key: [window.value(row, c) for c in range(1, len(COLUMNS))]
             for row, key in enumerate(window.rows)}
    assert shown == expected
    assert window.table.rowCount() == len(expected)
    assert {k for k, _ in window.chart.values().items()} == set(cli["per_label"])
    for label, values in window.chart.values().items():
        f = cli["per_label"][label]
        assert values == [f["exact"]["f1"], f["overlap"]["f1"], f["cohen_kappa"],
                          f["krippendorff_alpha"]]
    window.chart.grab()  # paints without error
    if len(annotators) == 3:
        assert cli["overall"]["cohen_kappa"] is None
        assert window.table.item(0, COLUMNS.index("kappa")).text() == "–"


def test_agreement_needs_two_annotators(qtbot, merged: Project) -> None:
    window = AgreementWindow(ReviewContext(merged, "rita"))
    qtbot.addWidget(window)
    window.set_annotators(["alice"])
    qtbot.mouseClick(window.compute_button, Qt.MouseButton.LeftButton)
    assert "two or more" in window.message.text()
    assert window.table.rowCount() == 0


def test_consistency_findings_jump_and_fix_in_place(qtbot, merged: Project) -> None:
    context = ReviewContext(merged, "rita")
    window = ConsistencyWindow(context)
    qtbot.addWidget(window)
    window.show()
    jumps: list[tuple[int, int, int]] = []
    window.jumpRequested.connect(lambda *a: jumps.append(a))
    qtbot.mouseClick(window.check_button, Qt.MouseButton.LeftButton)
    texts = [(f.kind.name, f.text) for f in window.findings]
    assert ("LABEL_CONFLICT", "東京") in texts
    # the conflict at 東京: relabel every span there as "source"
    row = texts.index(("LABEL_CONFLICT", "東京"))
    window.table.selectRow(row)
    tokyo = where("one.txt", "東京")
    assert window.preview.selection_cp() == tokyo and jumps[-1][1:] == tokyo
    window.label_box.setCurrentText("source")
    qtbot.mouseClick(window.fix_button, Qt.MouseButton.LeftButton)
    labels = {s.label for s in merged.spans() if (s.start, s.end) == tokyo}
    assert labels == {"source"}
    assert ("LABEL_CONFLICT", "東京") not in [(f.kind.name, f.text) for f in window.findings]
    # an unlabelled 外務省 in two.txt: label it in the reviewed layer
    row = next(i for i, f in enumerate(window.findings)
               if f.kind.name == "UNLABELLED" and f.text == "外務省")
    window.table.selectRow(row)
    assert window.label_box.currentText() == "actor"
    window.layer_box.setCurrentText("reviewed")
    qtbot.mouseClick(window.fix_button, Qt.MouseButton.LeftButton)
    two = next(d.id for d in merged.documents() if d.name == "two.txt")
    assert [(s.start, s.end, s.label) for s in merged.spans(two, annotators=["reviewed"])] == [
        (*where("two.txt", "外務省"), "actor")]
    # both fixes undo through the shared stack
    assert context.undo() and context.undo()
    assert merged.spans(two, annotators=["reviewed"]) == []
    assert {s.label for s in merged.spans() if (s.start, s.end) == tokyo} == {"source", "claim"}


def test_install_adds_the_review_menu_to_the_main_window(
        qtbot, merged: Project, merged_path: Path, tmp_path: Path) -> None:
    from annotator.ui.main_window import MainWindow
    from annotator.ui.session import Session
    from annotator.ui.settings import AppSettings

    session = Session(merged, "rita")
    settings = AppSettings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    main_window = MainWindow(session, settings)
    qtbot.addWidget(main_window)
    installer = install(main_window)
    menu = main_window.menus["Review"]
    assert [a.objectName() for a in menu.actions()] == [
        "review.document", "review.agreement", "review.consistency", "review.merge"]
    one = next(d.id for d in merged.documents() if d.name == "one.txt")
    session.open_document(one)
    installer.actions["review.document"].trigger()
    [review] = main_window.findChildren(ReviewWindow)
    qtbot.addWidget(review)
    assert review.document_id == one
    review.set_annotators(["alice", "bob"])
    review.accept_all_agreed()
    assert len(merged.spans(one, annotators=["reviewed"])) == 2
    assert len(session.index) == len(merged.spans(one))  # the main window saw the new spans
    assert session.undo()  # Edit > Undo in the main window undoes the review step
    assert merged.spans(one, annotators=["reviewed"]) == []
