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


def _relation_rows(cli: dict) -> dict:
    """The relation and attribute rows the window shows, from ``annotator agree --json``."""
    rows = {}
    overall = cli["relations"]["overall"]
    if overall["exact"]["precision"] is not None or overall["exact"]["recall"] is not None:
        rows[("relations", None)] = _json_row({**overall, "cohen_kappa": None,
                                               "krippendorff_alpha": None})
        rows.update({("relation", k): _json_row({**f, "cohen_kappa": None,
                                                 "krippendorff_alpha": None})
                     for k, f in cli["relations"]["per_type"].items()})
    rows.update({("attribute", k): [None] * 6 + [f["cohen_kappa"], f["krippendorff_alpha"]]
                 for k, f in cli["attributes"].items()})
    return rows


def test_the_agreement_window_shows_relations_and_attributes(
        qtbot, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Relation rows (all, then per type) and attribute rows hold the numbers of
    ``annotator agree --json``."""
    from test_relation_agreement import build

    path = tmp_path / "relations.annotator"
    build(path, 11, 30).close()
    assert main(["agree", "--db", str(path), "--annotators", "hana", "ken", "--json"]) == 0
    cli = json.loads(capsys.readouterr().out)
    with Project.open(path) as project:
        window = AgreementWindow(ReviewContext(project, "rita"))
        qtbot.addWidget(window)
        window.show()
        window.set_annotators(["hana", "ken"])
        qtbot.mouseClick(window.compute_button, Qt.MouseButton.LeftButton)
        shown = {key: [window.value(row, c) for c in range(1, len(COLUMNS))]
                 for row, key in enumerate(window.rows) if key[0] in (
                     "relations", "relation", "attribute")}
        assert shown == _relation_rows(cli)
        assert [key for key in shown if key[0] == "relation"] == [
            ("relation", "attributed_to"), ("relation", "involves"), ("relation", "quantifies")]
        row = window.rows.index(("attribute", "claim.stance"))
        units = cli["attributes"]["claim.stance"]["units"]
        assert window.table.item(row, 0).text() == f"attribute: claim.stance ({units} spans)"
        assert cli["relations"]["overall"]["overlap"]["f1"] > 0
        window.close()


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
    expected.update(_relation_rows(cli))
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
    # the conflict at 東京: rita has no span there, so Fix creates hers; alice's and bob's
    # spans (colleagues' layers) are left as they are
    row = texts.index(("LABEL_CONFLICT", "東京"))
    window.table.selectRow(row)
    tokyo = where("one.txt", "東京")
    assert window.preview.selection_cp() == tokyo and jumps[-1][1:] == tokyo
    assert [window.layer_box.itemText(i) for i in range(window.layer_box.count())] == [
        "rita", "reviewed"]
    window.label_box.setCurrentText("source")
    qtbot.mouseClick(window.fix_button, Qt.MouseButton.LeftButton)
    labels = {(s.annotator, s.label) for s in merged.spans() if (s.start, s.end) == tokyo}
    assert labels == {("alice", "source"), ("bob", "claim"), ("rita", "source")}
    assert window.status.currentMessage() == (
        f"Added a 'source' span to your layer (rita) at [{tokyo[0]}, {tokyo[1]}). Left as they "
        f"are (other layers are read-only here): alice's 1 span, bob's 1 span.")
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
    assert {(s.annotator, s.label) for s in merged.spans() if (s.start, s.end) == tokyo} == {
        ("alice", "source"), ("bob", "claim")}


def _stored(path: Path) -> list[tuple[str, int, int, str, str]]:
    with Project.open(path) as project:
        return sorted((s.annotator, s.start, s.end, s.label, s.updated_at)
                      for s in project.spans())


def test_consistency_fix_relabels_only_my_layer_from_the_review_menu(
        qtbot, merged: Project, merged_path: Path, tmp_path: Path) -> None:
    from annotator.ui.main_window import MainWindow
    from annotator.ui.session import Session
    from annotator.ui.settings import AppSettings

    session = Session(merged, "alice")  # alice reviews her own work after the merge
    settings = AppSettings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    main_window = MainWindow(session, settings)
    qtbot.addWidget(main_window)
    main_window.show()
    install(main_window).actions["review.consistency"].trigger()
    [window] = main_window.findChildren(ConsistencyWindow)
    qtbot.addWidget(window)
    qtbot.mouseClick(window.check_button, Qt.MouseButton.LeftButton)
    tokyo = where("one.txt", "東京")
    row = next(i for i, f in enumerate(window.findings)
               if f.kind.name == "LABEL_CONFLICT" and (f.start, f.end) == tokyo)
    qtbot.mouseClick(window.table.viewport(), Qt.MouseButton.LeftButton,
                     pos=window.table.visualRect(window.table.model().index(row, 0)).center())
    assert window.current() is window.findings[row]
    assert window.layer_box.currentText() == "alice"
    window.label_box.setCurrentText("claim")
    before = _stored(merged_path)
    qtbot.mouseClick(window.fix_button, Qt.MouseButton.LeftButton)
    after = _stored(merged_path)
    changed = [s for s in before if s not in after]
    assert [(a, st, en, lab) for a, st, en, lab, _ in changed] == [
        ("alice", *tokyo, "source")]  # only alice's span changed; bob's, carol's as they were
    assert [s for s in after if s[0] != "alice"] == [s for s in before if s[0] != "alice"]
    assert ("alice", *tokyo, "claim") in [s[:4] for s in after]
    assert window.status.currentMessage() == (
        "Relabelled 1 span as 'claim' in your layer (alice). Left as they are (other layers are "
        "read-only here): bob's 1 span.")
    # the conflict is gone: every span at 東京 says claim now
    assert tokyo not in [(f.start, f.end) for f in window.findings
                         if f.kind.name == "LABEL_CONFLICT"]
    assert session.undo()  # one undoable step brings it back
    assert _stored(merged_path) == before


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
